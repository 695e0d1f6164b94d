"""SQLite file operations for backups: the online-backup copy and the checks.

Like app/db.py this is a place for SQLite-specific code, so that
app/services/backup.py stays free of it. Every function here raises the
plain `sqlite3.Error` / `OSError`; the service turns them into DeskErrors
with a message for the user.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"

# What the functions below raise besides OSError (so callers need not import sqlite3).
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)


class InUse(Exception):
    """Another connection has the database open (it is locked)."""

# Seconds to wait for a lock held by another connection before giving up.
_LOCK_TIMEOUT = 2.0


def is_sqlite_file(path: str | Path) -> bool:
    """True when the file starts with SQLite's 16-byte header."""
    with open(path, "rb") as fh:
        return fh.read(16) == SQLITE_HEADER


def _connect(path: str | Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; only pragmas and reads are run.
    return sqlite3.connect(str(path), timeout=_LOCK_TIMEOUT, isolation_level=None)


def _connect_existing(path: str | Path) -> sqlite3.Connection:
    """Like _connect, but never creates the file: a database deleted meanwhile raises
    sqlite3.OperationalError instead of leaving an empty file under its name."""
    from app.paths import sqlite_file_uri

    return sqlite3.connect(f"{sqlite_file_uri(Path(path))}?mode=rw", uri=True, timeout=_LOCK_TIMEOUT,
                           isolation_level=None)


def copy_sqlite(src_path: str | Path, dest_path: str | Path) -> None:
    """Copy a live database to `dest_path` with SQLite's online backup API.

    The copy is one consistent snapshot (including what is still in the
    source's write-ahead log) even while other connections write. The copy is
    switched to the ordinary rollback journal so that it is one self-contained
    file; SQLite syncs it to disk when the copy commits. `dest_path` must not
    be in use by anyone else (it is normally a fresh temporary file).
    """
    src = _connect_existing(src_path)
    try:
        dest = _connect(dest_path)
        try:
            dest.execute("PRAGMA synchronous=FULL")
            src.backup(dest)  # all pages in one step: one snapshot under one read lock
            dest.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            dest.close()
    finally:
        src.close()


def snapshot_bytes(src_path: str | Path) -> tuple[bytes, bool, str | None]:
    """A consistent copy of a live database as bytes, never written to disk.

    Returns (image, integrity ok, schema revision). Used for encrypted backups
    so that no unencrypted copy ever lands on the (removable) target medium.
    """
    src = _connect_existing(src_path)
    try:
        mem = sqlite3.connect(":memory:", isolation_level=None)
        try:
            src.backup(mem)
            ok = _integrity(mem)
            revision = revision_of(mem)
            image = bytearray(mem.serialize())
        finally:
            mem.close()
    finally:
        src.close()
    # Bytes 18 and 19 of the header are the file format versions: 2 means
    # write-ahead log, 1 the rollback journal. A copy taken from a WAL database
    # keeps 2; set them to 1 (what `PRAGMA journal_mode=DELETE` writes) so the
    # image is a self-contained database file.
    if len(image) >= 20 and image[18:20] == b"\x02\x02":
        image[18:20] = b"\x01\x01"
    return bytes(image), ok, revision


def _integrity(con: sqlite3.Connection) -> bool:
    rows = con.execute("PRAGMA integrity_check").fetchall()
    return rows == [("ok",)]


def revision_of(con: sqlite3.Connection) -> str | None:
    """The schema revision stored in an open SQLite database (None before the first migration)."""
    has = con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
    if not has:
        return None
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def read_setting(path: str | Path, key: str) -> str | None:
    """One value of the settings table of a database file (None when it has none)."""
    con = _connect_existing(path)
    try:
        has = con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='settings'").fetchone()
        if not has:
            return None
        row = con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def change_marker(path: str | Path) -> tuple[str | None, int | None, str | None]:
    """What tells whether a database changed since a copy of it was made: its schema
    revision and the id and time of the last row of its audit trail.

    Every write the program makes is recorded in the audit trail in the same
    transaction, and the trail is never edited or deleted, so two files with the
    same marker hold the same data (a migration changes the revision). The time
    tells apart a trail that was cut back by a restore and then grew again to the
    same id. Two index lookups, whatever the size of the database; works on the
    live database (other connections open) and on a backup file alike, reading only.
    """
    con = _connect_existing(path)
    try:
        revision = revision_of(con)
        has = con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='audit_log'").fetchone()
        if not has:
            return revision, None, None
        row = con.execute("SELECT id, at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        return (revision, row[0], str(row[1])) if row else (revision, None, None)
    finally:
        con.close()


def integrity_ok(path: str | Path) -> bool:
    """`PRAGMA integrity_check` of a database file; False for anything unreadable."""
    try:
        if not is_sqlite_file(path):
            return False
        con = _connect_existing(path)
        try:
            return _integrity(con)
        finally:
            con.close()
    except (sqlite3.Error, OSError):
        return False


def read_revision(path: str | Path) -> str | None:
    """The Alembic schema revision stored in a database file (None when it has none)."""
    con = _connect_existing(path)
    try:
        return revision_of(con)
    finally:
        con.close()


def make_standalone(path: str | Path) -> None:
    """Switch a database file to the rollback journal (checkpointing and removing
    any write-ahead log), so that the file alone holds all of its data.

    Raises InUse when another connection still has the database open, and
    sqlite3.Error when the file is not a readable database.
    """
    con = _connect_existing(path)
    try:
        try:
            mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
                raise InUse(str(exc)) from exc
            raise
        if not mode or str(mode[0]).lower() != "delete":
            raise InUse(f"journal mode stays {mode}")
    finally:
        con.close()


def sidecar_files(path: str | Path) -> list[Path]:
    """The write-ahead log, shared-memory and rollback-journal files of a database."""
    path = Path(path)
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def fsync_dir(folder: str | Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op where folders cannot be synced)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# Temporary files of app/services/backup.py (`_TEMP_PREFIX`): backups in progress and, beside the
# database, the checked (decrypted) copy a restore puts in its place.
TEMP_PATTERN = ".ndtmp-*.tmp"
STALE_SECONDS = 600  # no restore or backup in progress takes this long between two writes


def remove_stale_copies(folder: str | Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete temporary copies (and their side files) that a killed backup or restore left in
    `folder`: a decrypted copy of the whole database must not stay behind. Those younger than
    `older_than` seconds may belong to a restore still running and are kept."""
    import time

    removed: list[Path] = []
    limit = time.time() - older_than
    try:
        found = list(Path(folder).glob(TEMP_PATTERN))
    except OSError:
        return removed
    for path in found:
        try:
            if path.stat().st_mtime >= limit:
                continue
            for p in (path, *sidecar_files(path)):
                p.unlink(missing_ok=True)
            removed.append(path)
        except OSError:
            pass  # in use or gone: next time
    return removed
