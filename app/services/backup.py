"""Backups (备份) and restore (恢复).

* `backup_now` writes a consistent copy of the live database (SQLite's online
  backup API, in app/backup_sqlite.py) to a temporary file in the target
  folder, checks it (`PRAGMA integrity_check`, a schema revision this program
  knows) and only then renames it to its final name. A full disk or a crash
  never leaves a half-written file under a backup's name.
* Each database has its own backup folder, `data_dir()/backups/<file name>-<id>`,
  where <id> begins the database's identity: a random UUID kept in its settings
  table (`database.id`, made the first time a backup needs it). A restored
  backup carries the same UUID, rightly: it is the same centre's database. So
  two databases (`--db`) never share, mix or rotate each other's backups.
  Backups made before this (directly in `data_dir()/backups`) stay where they
  are, are still listed (`legacy`) and restorable, and are never rotated: which
  database they belong to cannot be told.
* Automatic backups (`auto_backup` at start, `backup_on_close`) go to the
  database's folder: one a day, one a month; the 7 newest daily and the 12
  newest monthly backups are kept. Today's daily backup is made again (replaced)
  whenever the database changed since it was taken, so closing the program at
  the end of the day leaves the day's work in a backup. "Changed" compares
  `backup_sqlite.change_marker` of the database and of the backup file (schema
  revision plus the id and time of the last audit-trail row: every write is
  audited in its own transaction).
* Backups outside the program's data folder (a USB stick) hold everyone's
  personal data on a medium that gets lost, so they must be encrypted with a
  passphrase: scrypt turns the passphrase into a key, AES-256-GCM encrypts and
  authenticates the whole file (format below).
* `restore` checks a backup completely, copies it beside the database, makes a
  safety copy of the current database and only then swaps the files with one
  atomic rename. It must be called with the database closed
  (`Database.dispose()` first, `open_database()` afterwards, which migrates an
  older backup to the current schema).

A PostgreSQL database (several desks, one centre) is backed up the same way, through a
portable logical archive: `database_copy.copy_database` copies it, in one snapshot, into a new
SQLite file, which then takes exactly the path above (integrity check, revision, rename; or
encryption to .ndbk). Its folder is `data_dir()/backups/<database name>-<id>`; "changed" compares
the same marker read from the server with SQLAlchemy Core. `restore_database` puts a backup back
onto the server: checked, an older one migrated in a temporary copy (never in place), a safety
backup of the server's data first, then the content replaced in ONE transaction
(`copy_database(..., replace=True)`), so any failure leaves the server as it was. Why not
pg_dump: it needs PostgreSQL's client tools of the server's version on every desk PC, and its
archive cannot be restored into SQLite (an outreach laptop, a server gone); the logical archive
opens both ways, is checked like any backup and reuses the encryption.

Encrypted file format (extension .ndbk), all integers unsigned bytes:

    offset  size  field
    0       6     magic b"NDBK1\\n"
    6       1     format version (1)
    7       1     scrypt log2(n)   (16)
    8       1     scrypt r         (8)
    9       1     scrypt p         (1)
    10      16    salt (random)
    26      12    nonce (random)
    38      1     length L of the schema revision
    39      L     schema revision, ASCII, in clear text (so a restore can say
                  "made by a newer version" before asking for the passphrase)
    39+L    ...   AES-256-GCM ciphertext of the SQLite file, 16-byte tag at the end

The whole header is the GCM "associated data": changing any byte of it, or of
the ciphertext, makes decryption fail.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
import struct
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from app import backup_sqlite
from app.db import Database, known_revisions
from app.errors import DeskError
from app.services import access
from app.i18n import N_, _

# -- constants -------------------------------------------------------------------

MAGIC = b"NDBK1\n"
FORMAT_VERSION = 1
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 16, 8, 1   # ~0.2 s and 64 MB on a 2-core laptop
_SALT_LEN, _NONCE_LEN, _KEY_LEN = 16, 12, 32
_FIXED = struct.Struct(">6sBBBB16s12sB")        # the header up to the revision
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024           # refuse headers asking for more

MIN_PASSPHRASE = 8
KEEP_DAILY = 7
KEEP_MONTHLY = 12

PLAIN_SUFFIX = ".sqlite3"
ENCRYPTED_SUFFIX = ".ndbk"
_TEMP_PREFIX = ".ndtmp-"

KINDS = {
    "daily": N_("Daily backup"),
    "monthly": N_("Monthly backup"),
    "manual": N_("Manual backup"),
    "before-restore": N_("Safety copy before a restore"),
}

PASSPHRASE_WARNING = N_(
    "Backups copied out of this computer (for example to a USB stick) are encrypted with this "
    "passphrase. Write it down and keep it somewhere safe, away from the computer. If the "
    "passphrase is lost, those backups can never be restored: nobody, not even the program's "
    "makers, can open them without it.")

# desk-2026-11-27-daily.sqlite3, desk-2026-11-27-143012-manual.ndbk, desk-2026-11-27-143012-2-manual.ndbk
_NAME = re.compile(r"^desk-(\d{4}-\d{2}-\d{2})(?:-(\d{6}))?(?:-(\d+))?-(daily|monthly|manual)"
                   r"(\.sqlite3|\.ndbk)$")
# desk-before-restore-20261127-143012.sqlite3
_SAFETY = re.compile(r"^(.+)-before-restore-(\d{8})-(\d{6})(?:-(\d+))?\.sqlite3$")


# -- errors ----------------------------------------------------------------------

class BackupError(DeskError):
    """A backup or restore could not be done; the message says why."""


class PassphraseRequired(BackupError):
    """The backup is encrypted and no passphrase was given."""


class WrongPassphrase(BackupError):
    """Decryption failed: a wrong passphrase, or the file was changed."""


class WeakPassphrase(BackupError):
    pass


class NotABackup(BackupError):
    pass


class DamagedBackup(BackupError):
    pass


class NewerBackup(BackupError):
    """The backup was made by a newer version of the program."""


class DatabaseInUse(BackupError):
    pass


# -- results ---------------------------------------------------------------------

@dataclass
class BackupResult:
    path: Path
    kind: str
    size: int
    encrypted: bool
    revision: str


@dataclass
class BackupInfo:
    path: Path
    kind: str           # daily / monthly / manual / before-restore (see KINDS)
    date: dt.date
    size: int
    encrypted: bool
    modified: dt.datetime
    legacy: bool = False  # made before backups were kept per database: of any database used then

    @property
    def kind_label(self) -> str:
        return _(KINDS[self.kind])


@dataclass
class RestoreResult:
    database: Path | str        # the file replaced, or the label of the server database restored
    backup: Path
    safety_copy: Path | None    # None when there was no current database
    revision: str               # the schema revision of the restored backup
    upgrade_needed: bool        # older than this program: open_database() migrates it


# -- helpers ---------------------------------------------------------------------

def passphrase_warning() -> str:
    return _(PASSPHRASE_WARNING)


_RUNS = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz")


def _is_obvious(text: str) -> bool:
    """One character repeated, or digits or letters in sequence (12345678, abcdefgh, 87654321)."""
    text = "".join(text.split()).casefold()
    if len(set(text)) <= 1:
        return True
    return any(text in run or text in run[::-1] for run in _RUNS)


def _is_name(text: str, names) -> bool:
    """`text` is one of `names`, give or take spaces, case, digits and punctuation."""
    plain = "".join(ch for ch in "".join(text.split()).casefold() if ch.isalpha())
    return any(plain and plain == "".join(ch for ch in "".join(n.split()).casefold() if ch.isalpha())
               for n in names if n)


def check_passphrase(passphrase: str, *, names: tuple[str, ...] = ()) -> None:
    """Raise WeakPassphrase when a new passphrase is too short or obvious: one character
    repeated, a run of digits or letters, or one of `names` (the centre's name)."""
    text = _normalise(passphrase)
    if len(text) < MIN_PASSPHRASE:
        raise WeakPassphrase(_("The passphrase must have at least {n} characters.").format(n=MIN_PASSPHRASE))
    if _is_obvious(text):
        raise WeakPassphrase(_("The passphrase is too easy to guess (one character repeated, or a run such "
                               "as 12345678 or abcdefgh). Please choose another."))
    if _is_name(text, names):
        raise WeakPassphrase(_("The passphrase must not be the centre's name. Please choose another."))


def _centre_names(db: Database) -> tuple[str, ...]:
    from sqlalchemy.exc import SQLAlchemyError

    from app.services import centre

    try:
        return (centre.get_centre(db).name,)
    except SQLAlchemyError:
        return ()


def _normalise(passphrase: str | None) -> str:
    # The same characters typed through different input methods give the same key.
    return unicodedata.normalize("NFC", passphrase or "")


ID_KEY = "database.id"          # settings key of the database's identity (a UUID, 32 hex digits)
_ID = re.compile(r"^[0-9a-f]{32}$")
_ID_SHORT = 12                   # hex digits of the identity in the folder's name


def default_folder(db: Database | None = None) -> Path:
    """The backup folder of `db` (created if needed); without a database, the folder
    that holds every database's folder and the backups made before they had one."""
    if db is not None:
        return database_folder(db)
    from app.paths import data_dir

    folder = data_dir() / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)  # private, as the data folder (not the umask's 0755)
    return folder


def database_id(db: Database) -> str:
    """The database's identity, a UUID made and stored in it on first need."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from app.models import Setting

    try:
        with db.session() as s:
            row = s.get(Setting, ID_KEY)
            if row is not None and _ID.match(row.value or ""):
                return row.value
        try:
            with db.session() as s:  # not a user's setting: no actor, nothing to audit
                row = s.get(Setting, ID_KEY)
                if row is None:
                    s.add(Setting(key=ID_KEY, value=uuid.uuid4().hex))
                elif not _ID.match(row.value or ""):
                    row.value = uuid.uuid4().hex
        except IntegrityError:
            pass  # another desk stored one at the same moment: use theirs
        with db.session() as s:
            return s.get(Setting, ID_KEY).value
    except SQLAlchemyError as exc:
        raise BackupError(_("No backup was made: the database could not be read ({error}).").format(
            error=getattr(exc, "orig", None) or exc)) from exc


def _id_folder(root: Path, ident: str, stem: str) -> Path:
    """The folder of the database with identity `ident` under `root`: an existing
    `*-<id>` folder (the file may have been renamed since), else `<stem>-<id>`."""
    short = ident[:_ID_SHORT]
    try:
        for found in sorted(root.glob(f"*-{short}")):
            if found.is_dir():
                return found
    except OSError:
        pass
    return root / f"{stem}-{short}"


def _make_folder(target: Path) -> Path:
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_(
            "No backup was made in {folder}: {error}. The disk may be full or the folder is "
            "not writable.").format(folder=target, error=exc.strerror or exc)) from exc
    return target


def database_folder(db: Database) -> Path:
    """The folder of this database's own backups (created if needed)."""
    stem = _database_stem(db)
    return _make_folder(_id_folder(default_folder(), database_id(db), stem))


def _folder_of_file(db_path: Path) -> Path:
    """The backup folder of a closed database file; the shared folder when the file has
    no identity yet (or cannot be read: a damaged database)."""
    try:
        ident = backup_sqlite.read_setting(db_path, ID_KEY)
    except (OSError, *backup_sqlite.ERRORS):
        ident = None
    root = default_folder()
    if not ident or not _ID.match(ident):
        return root
    return _id_folder(root, ident, db_path.stem)


def is_private_folder(folder: str | Path) -> bool:
    """Is `folder` inside the program's own data folder (where the database lives)?"""
    from app.paths import data_dir

    try:
        return Path(folder).resolve().is_relative_to(data_dir().resolve())
    except OSError:
        return False


def _database_file(db: Database) -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise BackupError(_("Backups of this database are made by its server, not by this program."))
    return Path(url.database)


def is_server_database(db: Database) -> bool:
    """A PostgreSQL database: backed up through a copy into an SQLite file, restored in place."""
    return db.engine.url.get_backend_name() == "postgresql"


def _database_stem(db: Database) -> str:
    """The first part of the backup folder's name: the file's stem, or the server database's
    name made safe for any file system."""
    if not is_server_database(db):
        return _database_file(db).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "_", db.engine.url.database or "").strip("._-")[:40] or "database"


def _copy_server(db: Database, path: Path, progress=None) -> None:
    """Copy the server database, in one snapshot, into a new SQLite file at `path` (one
    self-contained file, not yet checked)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import open_database, sqlite_url
    from app.services.database_copy import copy_database

    try:
        copy = open_database(sqlite_url(path), allow_new=True, remember=False)
        try:
            copy_database(db, copy, progress=progress)
        finally:
            copy.dispose()
    except SQLAlchemyError as exc:
        raise BackupError(_("No backup was made: the database could not be read ({error}).").format(
            error=getattr(exc, "orig", None) or exc)) from exc
    backup_sqlite.make_standalone(path)  # the write-ahead log folded in: one file


def _server_snapshot(db: Database) -> tuple[bytes, bool, str | None]:
    """As backup_sqlite.snapshot_bytes, for a server database: its copy goes through a
    temporary file in the database's private folder, never onto the target medium."""
    temp = _temp_path(database_folder(db))
    try:
        _copy_server(db, temp)
        return backup_sqlite.snapshot_bytes(temp)
    finally:
        _remove_quietly(temp)


def _target_folder(folder: str | Path | None, db: Database) -> Path:
    if folder is None:
        return database_folder(db)
    target = Path(folder).expanduser()
    if not target.is_dir():
        raise BackupError(_("The folder {folder} does not exist. Is the USB stick plugged in?")
                          .format(folder=target))
    return target


def _temp_path(folder: Path) -> Path:
    return folder / f"{_TEMP_PREFIX}{secrets.token_hex(8)}.tmp"


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        for p in (path, *backup_sqlite.sidecar_files(path)):
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass


def _make_private(path: Path) -> None:
    """Only the user may read a backup (POSIX; on Windows the data folder is the user's own)."""
    if os.name != "nt":
        os.chmod(path, 0o600)


def _private_opener(name: str, flags: int) -> int:
    return os.open(name, flags, 0o600)


def _write_new_file(path: Path, data: bytes) -> None:
    with open(path, "xb", opener=_private_opener) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _unique(path: Path, stem_parts: tuple[str, str], suffix: str) -> Path:
    """`path` if free, else the same name with -2, -3 … before the kind."""
    head, kind = stem_parts
    n = 2
    while path.exists():
        path = path.with_name(f"{head}-{n}-{kind}{suffix}")
        n += 1
    return path


def _write_error(folder: Path, exc: BaseException) -> BackupError:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        detail = _("the disk is full")
    return BackupError(_(
        "No backup was made in {folder}: {error}. The disk may be full or the folder is not "
        "writable.").format(folder=folder, error=detail))


def _check_revision(revision: str | None, known: set[str]) -> str:
    if revision is None or revision not in known:
        raise BackupError(_(
            "The copy of the database has a schema version this program does not know ({revision}); "
            "no backup was made.").format(revision=revision or "?"))
    return revision


# -- encryption ------------------------------------------------------------------

def _derive_key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=_KEY_LEN, n=2 ** log2_n, r=r, p=p).derive(
        _normalise(passphrase).encode("utf-8"))


def encrypt(image: bytes, passphrase: str, revision: str) -> bytes:
    """The encrypted file (header + ciphertext) for a database image."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(_SALT_LEN), os.urandom(_NONCE_LEN)
    rev = revision.encode("ascii")
    header = _FIXED.pack(MAGIC, FORMAT_VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, nonce,
                         len(rev)) + rev
    key = _derive_key(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    return header + AESGCM(key).encrypt(nonce, image, header)


@dataclass
class _Header:
    version: int
    log2_n: int
    r: int
    p: int
    salt: bytes
    nonce: bytes
    revision: str
    length: int       # bytes of header


def _parse_header(data: bytes, path: Path) -> _Header:
    changed = WrongPassphrase(_("The backup {path} could not be decrypted: wrong passphrase, or the "
                                "file was changed.").format(path=path))
    if len(data) < _FIXED.size:
        raise changed
    magic, version, log2_n, r, p, salt, nonce, rev_len = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise NotABackup(_("{path} is not a Neighbourhood Desk backup.").format(path=path))
    if version > FORMAT_VERSION:
        raise NewerBackup(_newer_message(path))
    end = _FIXED.size + rev_len
    if len(data) < end + 16:
        raise changed
    try:
        revision = data[_FIXED.size:end].decode("ascii")
    except UnicodeDecodeError:
        raise changed from None
    if (version < 1 or not 10 <= log2_n <= 22 or not 1 <= r <= 32 or not 1 <= p <= 16
            or 128 * r * p * 2 ** log2_n > _MAX_SCRYPT_MEMORY):
        raise changed
    return _Header(version, log2_n, r, p, salt, nonce, revision, end)


def _newer_message(path: Path) -> str:
    return _("The backup {path} was made by a newer version of Neighbourhood Desk. Please install "
             "the newer version to restore it.").format(path=path)


def decrypt(data: bytes, passphrase: str, path: Path | str = "") -> bytes:
    """The database image inside an encrypted backup; WrongPassphrase when it cannot be opened."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = Path(path)
    header = _parse_header(data, path)
    key = _derive_key(passphrase, header.salt, header.log2_n, header.r, header.p)
    try:
        return AESGCM(key).decrypt(header.nonce, data[header.length:], data[:header.length])
    except InvalidTag:
        raise WrongPassphrase(_("The backup {path} could not be decrypted: wrong passphrase, or the "
                                "file was changed.").format(path=path)) from None


def is_encrypted(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


# -- making backups ----------------------------------------------------------------

def _backup_name(day: dt.date, kind: str, encrypted: bool, now: dt.datetime) -> tuple[str, str, str]:
    suffix = ENCRYPTED_SUFFIX if encrypted else PLAIN_SUFFIX
    head = f"desk-{day.isoformat()}"
    if kind == "manual":
        head += "-" + now.strftime("%H%M%S")
    return head, kind, suffix


def backup_now(db: Database, *, folder: str | Path | None = None, passphrase: str | None = None,
               kind: str = "manual", today: dt.date | None = None,
               actor: access.Actor | None = None) -> BackupResult:
    """Back up the open database now.

    `folder` None means this database's backup folder inside the data folder. A
    folder outside the data folder (a USB stick) needs `passphrase`; with a
    passphrase the backup is encrypted wherever it goes. Copying everyone's data
    out of the program needs access.BACKUP_COPY when an `actor` (the window's
    signed-in person) is given; the command line runs as whoever owns the file.
    """
    if kind not in ("manual", "daily", "monthly"):
        raise ValueError(f"unknown backup kind {kind!r}")
    server = is_server_database(db)
    source = None if server else _database_file(db)
    db.check_integrity()  # still the file opened, and not damaged: else DatabaseError, no backup
    target = _target_folder(folder, db)
    leaves_program = not is_private_folder(target)
    if leaves_program and actor is not None:
        access.require(actor, access.BACKUP_COPY)
    encrypted = bool(passphrase)
    if encrypted:
        check_passphrase(passphrase, names=_centre_names(db))
    elif not is_private_folder(target):
        raise BackupError(_(
            "Backups outside the program's own folder (for example on a USB stick) hold everyone's "
            "personal data and must be encrypted. Please set a backup passphrase."))
    known, _head = known_revisions()
    now = dt.datetime.now()
    head, kind_part, suffix = _backup_name(today or now.date(), kind, encrypted, now)
    final = target / f"{head}-{kind_part}{suffix}"
    if kind == "manual":
        final = _unique(final, (head, kind_part), suffix)
    temp = _temp_path(target)
    try:
        if encrypted:
            image, ok, revision = _server_snapshot(db) if server else backup_sqlite.snapshot_bytes(source)
            if not ok:
                raise BackupError(_damaged_source())
            revision = _check_revision(revision, known)
            blob = encrypt(image, passphrase, revision)
            del image
            _write_new_file(temp, blob)
            if temp.read_bytes() != blob:  # what reached the medium is what we wrote
                raise OSError(errno.EIO, _("the written file reads back differently"))
        else:
            if server:
                _copy_server(db, temp)
            else:
                backup_sqlite.copy_sqlite(source, temp)
            if not backup_sqlite.integrity_ok(temp):
                raise BackupError(_damaged_source())
            revision = _check_revision(backup_sqlite.read_revision(temp), known)
        _make_private(temp)
        os.replace(temp, final)
        backup_sqlite.fsync_dir(target)
    except DeskError:
        _remove_quietly(temp)
        raise
    except (OSError, *backup_sqlite.ERRORS) as exc:
        _remove_quietly(temp)
        raise _write_error(target, exc) from exc
    _remove_stale_temp_files(target)  # left by a power cut during an earlier backup
    if leaves_program or kind == "manual":  # not automatic ones: they would mark the database changed
        _record_backup(db, actor, final, encrypted)
    return BackupResult(path=final, kind=kind, size=final.stat().st_size, encrypted=encrypted,
                        revision=revision)


def _record_backup(db: Database, actor: access.Actor | None, final: Path, encrypted: bool) -> None:
    """The audit row of a backup just made, in its own transaction; a backup that cannot be
    recorded is removed (everyone's data must not leave unaudited)."""
    from app.services import audit

    summary = (_("Encrypted backup to {path}") if encrypted
               else _("Unencrypted backup to {path}")).format(path=final)
    try:
        with db.session() as s:
            audit.record(s, actor or access.current_os_actor(), "backup", "database", None, summary)
    except Exception as exc:
        _remove_quietly(final)
        raise BackupError(_("The backup {path} was not kept: it could not be recorded in the audit trail "
                            "({error}).").format(path=final, error=getattr(exc, "orig", None) or exc)) from exc


def record_restore(db: Database, result: "RestoreResult", *, actor: access.Actor | None) -> None:
    """Write into the restored database that it was restored, by whom, from what.

    Called after reopening: entries made after the backup are gone with the old
    database (kept in the safety copy), so this row says where to find them.
    """
    from app.services import audit

    with db.session() as s:
        audit.record(s, actor or access.current_os_actor(), "restore", "database", None,
                     _("Restored from {backup}; the database as it was is kept in {copy}").format(
                         backup=result.backup, copy=result.safety_copy or "—"))


def _damaged_source() -> str:
    return _("The copy of the database failed its integrity check, so no backup was made. The "
             "database itself may be damaged: keep the existing backups.")


def auto_backup(db: Database, *, today: dt.date | None = None,
                folder: str | Path | None = None) -> list[BackupResult]:
    """Today's daily backup if there is none yet or the database changed since it was
    made (it is then replaced), and a monthly one when this month has none (normally
    on the 1st); then rotation of this database's folder. Returns the backups made."""
    db.check_file()  # a database file deleted or replaced meanwhile: DatabaseError, nothing written
    target = _target_folder(folder, db)
    day = today or dt.date.today()
    existing = _scan(target)
    made: list[BackupResult] = []
    daily = next((b for b in existing if b.kind == "daily" and b.date == day), None)
    if daily is None or changed_since(db, daily.path):
        made.append(backup_now(db, folder=target, kind="daily", today=day))
    if not any(b.kind == "monthly" and (b.date.year, b.date.month) == (day.year, day.month)
               for b in existing):
        made.append(backup_now(db, folder=target, kind="monthly", today=day))
    rotate(target, keep={m.path for m in made})
    _remove_stale_temp_files(target)  # also when no backup was due today
    return made


def backup_on_close(db: Database) -> list[BackupResult]:
    """Called when the window closes: the same as auto_backup, so today's backup is
    made again when anything changed since it was taken (the day's work), and
    nothing is rewritten when nothing did."""
    return auto_backup(db)


def changed_since(db: Database, backup_path: str | Path) -> bool:
    """Has the database changed since the (unencrypted) backup at `backup_path` was made?

    Compares the change markers (schema revision, last audit-trail row: see
    `backup_sqlite.change_marker`) of the two files; a backup that cannot be read
    (encrypted, damaged, gone) counts as changed, so a fresh one is made.
    """
    from sqlalchemy.exc import SQLAlchemyError

    if is_server_database(db):
        try:
            if is_encrypted(backup_path):
                return True
            revision, last_id, at = backup_sqlite.change_marker(backup_path)
            return _server_marker(db) != (revision, last_id, dt.datetime.fromisoformat(at) if at else None)
        except (OSError, ValueError, SQLAlchemyError, *backup_sqlite.ERRORS):
            return True
    source = _database_file(db)
    try:
        if is_encrypted(backup_path):
            return True
        return backup_sqlite.change_marker(source) != backup_sqlite.change_marker(backup_path)
    except (OSError, *backup_sqlite.ERRORS):
        return True


def _server_marker(db: Database) -> tuple[str | None, int | None, dt.datetime | None]:
    """backup_sqlite.change_marker, read from a server database (two index lookups)."""
    from sqlalchemy import column, select, table

    from app.models import AuditLog

    with db.engine.connect() as con:
        revision = con.execute(select(table("alembic_version", column("version_num")).c.version_num)).scalar()
        row = con.execute(select(AuditLog.id, AuditLog.at).order_by(AuditLog.id.desc()).limit(1)).first()
    return (revision, row.id, row.at) if row else (revision, None, None)


def rotate(folder: str | Path, *, keep: set[Path] = frozenset()) -> list[Path]:
    """Delete all but the 7 newest daily and 12 newest monthly backups in `folder` (one
    database's folder); return what was deleted.

    Only files named like automatic backups directly in `folder` are touched (not
    other databases' folders inside it); `keep` are never deleted.
    """
    target = Path(folder)
    removed: list[Path] = []
    backups = _scan(target)
    for kind, limit in (("daily", KEEP_DAILY), ("monthly", KEEP_MONTHLY)):
        of_kind = [b for b in backups if b.kind == kind]  # newest first
        for old in of_kind[limit:]:
            if old.path in keep:
                continue
            try:
                old.path.unlink()
                removed.append(old.path)
            except OSError:
                pass  # locked or gone: try again next time
    return removed


def _remove_stale_temp_files(folder: Path, older_than: float = 3600) -> None:
    """Temporary files left behind by a crash or power cut during a backup."""
    limit = dt.datetime.now().timestamp() - older_than
    for path in folder.glob(_TEMP_PREFIX + "*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


# -- listing -----------------------------------------------------------------------

def _scan(folder: Path) -> list[BackupInfo]:
    out: list[BackupInfo] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return out
    for path in entries:
        info = _info(path)
        if info is not None:
            out.append(info)
    out.sort(key=lambda b: (b.date, b.modified, b.path.name), reverse=True)
    return out


def _info(path: Path) -> BackupInfo | None:
    name = path.name
    found = _NAME.match(name)
    try:
        if found:
            day = dt.date.fromisoformat(found.group(1))
            kind = found.group(4)
            encrypted = found.group(5) == ENCRYPTED_SUFFIX
        else:
            found = _SAFETY.match(name)
            if not found:
                return None
            day = dt.datetime.strptime(found.group(2), "%Y%m%d").date()
            kind, encrypted = "before-restore", False
        stat = path.stat()
    except (ValueError, OSError):
        return None
    if not path.is_file():
        return None
    return BackupInfo(path=path, kind=kind, date=day, size=stat.st_size, encrypted=encrypted,
                      modified=dt.datetime.fromtimestamp(stat.st_mtime))


def list_backups(folder: str | Path | None = None, *, db: Database | None = None) -> list[BackupInfo]:
    """Backups, newest first: those in `folder`; or with `db`, that database's own and
    those made before backups were kept per database (`legacy`: of whichever database
    was used then); with neither, only those older ones."""
    if folder is not None:
        return _scan(Path(folder))
    legacy = _scan(default_folder())
    for info in legacy:
        info.legacy = True
    if db is None:
        return legacy
    out = _scan(database_folder(db)) + legacy
    out.sort(key=lambda b: (b.date, b.modified, b.path.name), reverse=True)
    return out


# -- restoring ---------------------------------------------------------------------

def restore(db_path: str | Path, backup_path: str | Path, *, passphrase: str | None = None,
            safety_folder: str | Path | None = None, actor=None, audit_as=None) -> RestoreResult:
    """Replace the database file at `db_path` with the backup at `backup_path`.

    Call it with the database CLOSED (`db.dispose()`); open it again with
    `open_database()` afterwards, which brings an older backup up to date.

    Order of work, so that any failure leaves the current database as it was:
    1. the backup is copied (decrypted) to a temporary file beside the database
       and that copy is checked: SQLite, integrity_check, a known schema revision;
    2. a safety copy of the current database goes to the backups folder;
    3. the current database is made self-contained (its write-ahead log folded
       in) — this fails if it is still open somewhere, and nothing is replaced;
    4. the copy is brought up to date and records the restore in its audit trail (by `audit_as`,
       else `actor`, else the operating-system user) — before the swap, so that a kill after it
       still leaves the row;
    5. one atomic rename puts the checked copy in its place.

    With an `actor` (the window) only an administrator may restore; the command
    line, run by whoever owns the database file, passes none.
    """
    if actor is not None:

        access.require(actor, access.BACKUP_RESTORE)
    db_path = Path(db_path).expanduser()
    backup_path = Path(backup_path).expanduser()
    known, head = known_revisions()
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _prepare_error(exc) from exc
    temp = _temp_path(folder)
    try:
        revision = _prepare(backup_path, temp, passphrase, known)
        safety = _safety_copy(db_path, safety_folder)
        _record_into_copy(temp, backup_path, safety, audit_as or actor)
        _release(db_path)
        try:
            os.replace(temp, db_path)
        except OSError as exc:
            raise DatabaseInUse(_(
                "The database could not be replaced ({error}). Close every window of the program "
                "and try again. The current database has not been changed.").format(
                    error=exc.strerror or exc)) from exc
        backup_sqlite.fsync_dir(folder)
    except BaseException:
        _remove_quietly(temp)
        raise
    return RestoreResult(database=db_path, backup=backup_path, safety_copy=safety, revision=revision,
                         upgrade_needed=revision != head)


def restore_database(db: Database, backup_path: str | Path, *, passphrase: str | None = None,
                     safety_folder: str | Path | None = None, actor=None, audit_as=None,
                     progress=None) -> RestoreResult:
    """Replace the content of the open server database `db` with the backup at `backup_path`
    (`progress(done, total)`: the rows copied so far, for the worker's progress bar).

    Nothing is swapped: the database stays open (other desks too) and its rows are replaced in
    one transaction. As `restore`, any failure leaves the current data as it was:
    1. the backup is copied (decrypted) to a temporary file in the data folder and checked;
       a backup from a newer version is refused;
    2. a safety backup of the current data goes to the database's backups folder;
    3. the copy is brought up to this version (an older backup is migrated there, never in
       place) and records the restore in its audit trail;
    4. `copy_database(..., replace=True)` deletes the current rows and inserts the backup's in
       one transaction, checksums verified before it commits.
    """
    if actor is not None:
        access.require(actor, access.BACKUP_RESTORE)
    if not is_server_database(db):
        raise ValueError("restore_database is for a server database; restore() replaces a file")
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import open_database, sqlite_url
    from app.services.database_copy import copy_database

    backup_path = Path(backup_path).expanduser()
    known, _head = known_revisions()
    temp = _temp_path(default_folder())  # private: the decrypted copy never leaves the data folder
    try:
        revision = _prepare(backup_path, temp, passphrase, known)
        safety = _server_safety_copy(db, safety_folder, _halves(progress, False))
        _record_into_copy(temp, backup_path, safety, audit_as or actor)
        restored = open_database(sqlite_url(temp), remember=False)
        try:
            copy_database(restored, db, replace=True, progress=_halves(progress, True))
        except SQLAlchemyError as exc:
            raise BackupError(_(
                "The backup could not be written into the database ({error}). The current database has "
                "not been changed.").format(error=getattr(exc, "orig", None) or exc)) from exc
        finally:
            restored.dispose()
    finally:
        _remove_quietly(temp)
    db.cache.clear()  # per-database caches (the search index) describe the old rows
    # upgrade_needed False: an older backup was migrated in its copy; the server is at head.
    return RestoreResult(database=db.label, backup=backup_path, safety_copy=safety, revision=revision,
                         upgrade_needed=False)


def _safety_path(target: Path, stem: str) -> Path:
    """A free name for the safety copy made before a restore: <stem>-before-restore-<time>."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = target / f"{stem}-before-restore-{stamp}{PLAIN_SUFFIX}"
    n = 2
    while final.exists():
        final = target / f"{stem}-before-restore-{stamp}-{n}{PLAIN_SUFFIX}"
        n += 1
    return final


def _halves(progress, second: bool):
    """One progress bar for a restore's two copies in turn (the safety copy, then the backup's
    rows): each fills its half, so the bar shows a percentage from the start."""
    if progress is None:
        return None
    return lambda done, total: progress((1000 if second else 0) + (done * 1000 // total if total else 1000), 2000)


def _server_safety_copy(db: Database, safety_folder: str | Path | None, progress=None) -> Path:
    """A backup of the server database's current data, named and kept as `_safety_copy`'s."""
    target = Path(safety_folder) if safety_folder is not None else database_folder(db)
    final = _safety_path(target, _database_stem(db))
    temp = _temp_path(target)
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        _copy_server(db, temp, progress)
        if not backup_sqlite.integrity_ok(temp):
            raise BackupError(_damaged_source())
        _make_private(temp)
        os.replace(temp, final)
        backup_sqlite.fsync_dir(target)
    except (OSError, *backup_sqlite.ERRORS) as exc:
        _remove_quietly(temp)
        raise BackupError(_(
            "A safety copy of the current database could not be made in {folder} ({error}), so "
            "nothing was restored. The current database has not been changed.").format(
                folder=target, error=getattr(exc, "strerror", None) or exc)) from exc
    except BaseException:
        _remove_quietly(temp)
        raise
    return final


def _record_into_copy(copy: Path, backup_path: Path, safety: Path | None, actor) -> None:
    """Migrate the checked copy to this version and write the restore's audit row into it."""
    from app.db import open_database, sqlite_url

    restored = open_database(sqlite_url(copy), remember=False)
    try:
        record_restore(restored, RestoreResult(database=copy, backup=backup_path, safety_copy=safety,
                                               revision=None, upgrade_needed=False), actor=actor)
    finally:
        restored.dispose()
    for side in ("-wal", "-shm"):  # folded in on close; nothing may follow the copy that is not in it
        Path(f"{copy}{side}").unlink(missing_ok=True)


def _prepare_error(exc: BaseException) -> BackupError:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return BackupError(_(
        "The backup could not be copied beside the database ({error}). The disk may be full or the "
        "folder is not writable. The current database has not been changed.").format(error=detail))


def _unreadable(path: Path, exc: BaseException) -> BackupError:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return BackupError(_("The backup {path} cannot be read: {error}").format(path=path, error=detail))


def _damaged(path: Path) -> DamagedBackup:
    return DamagedBackup(_("The backup {path} is damaged and cannot be restored.").format(path=path))


def _prepare(backup: Path, temp: Path, passphrase: str | None, known: set[str]) -> str:
    """Write a checked, self-contained copy of `backup` to `temp`; return its revision."""
    foreign = NotABackup(_("{path} is not a Neighbourhood Desk backup.").format(path=backup))
    try:
        with open(backup, "rb") as fh:
            start = fh.read(len(backup_sqlite.SQLITE_HEADER))
    except OSError as exc:
        raise _unreadable(backup, exc) from exc
    if start.startswith(MAGIC):
        try:
            data = backup.read_bytes()
        except OSError as exc:
            raise _unreadable(backup, exc) from exc
        header = _parse_header(data, backup)
        if header.revision not in known:
            raise NewerBackup(_newer_message(backup))
        if not passphrase:
            raise PassphraseRequired(_("This backup is encrypted. Please enter its passphrase."))
        image = decrypt(data, passphrase, backup)
        del data
        if not image.startswith(backup_sqlite.SQLITE_HEADER):
            raise _damaged(backup)
        try:
            _write_new_file(temp, image)
        except OSError as exc:
            raise _prepare_error(exc) from exc
    elif start == backup_sqlite.SQLITE_HEADER:
        _copy_plain(backup, temp)
    else:
        raise foreign
    try:
        backup_sqlite.make_standalone(temp)
    except backup_sqlite.ERRORS:
        raise _damaged(backup) from None
    if not backup_sqlite.integrity_ok(temp):
        raise _damaged(backup)
    try:
        revision = backup_sqlite.read_revision(temp)
    except backup_sqlite.ERRORS:
        raise _damaged(backup) from None
    if revision is None:
        raise foreign  # an SQLite database of another program
    if revision not in known:
        raise NewerBackup(_newer_message(backup))
    return revision


def _copy_plain(backup: Path, temp: Path) -> None:
    """Byte copy of an unencrypted backup (and of its write-ahead log, if it has one).

    The backup itself is only read, never opened with SQLite, so it stays as it is.
    """
    pairs = [(backup, temp)]
    wal = backup.with_name(backup.name + "-wal")
    if wal.exists():
        pairs.append((wal, temp.with_name(temp.name + "-wal")))
    for src, dst in pairs:
        try:
            reader = open(src, "rb")
        except OSError as exc:
            raise _unreadable(backup, exc) from exc
        with reader:
            try:
                writer = open(dst, "xb", opener=_private_opener)
            except OSError as exc:
                raise _prepare_error(exc) from exc
            with writer:
                while True:
                    try:
                        chunk = reader.read(1024 * 1024)
                    except OSError as exc:
                        raise _unreadable(backup, exc) from exc
                    if not chunk:
                        break
                    try:
                        writer.write(chunk)
                    except OSError as exc:
                        raise _prepare_error(exc) from exc
                try:
                    writer.flush()
                    os.fsync(writer.fileno())
                except OSError as exc:
                    raise _prepare_error(exc) from exc


def _safety_copy(db_path: Path, safety_folder: str | Path | None) -> Path | None:
    """Copy the current database to the backups folder; None when there is none."""
    try:
        if not db_path.exists() or db_path.stat().st_size == 0:
            return None
    except OSError:
        return None
    target = Path(safety_folder) if safety_folder is not None else _folder_of_file(db_path)
    final = _safety_path(target, db_path.stem)
    temp = _temp_path(target)
    final_wal = final.with_name(final.name + "-wal")
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            backup_sqlite.copy_sqlite(db_path, temp)
        except backup_sqlite.ERRORS:
            # The current database cannot be read as a database (damaged: perhaps the
            # reason for this restore). Keep its bytes, write-ahead log included.
            _remove_quietly(temp)
            _raw_copy(db_path, temp)
            wal = db_path.with_name(db_path.name + "-wal")
            if wal.exists():
                _raw_copy(wal, final_wal)
        _make_private(temp)
        os.replace(temp, final)
        backup_sqlite.fsync_dir(target)
    except OSError as exc:
        _remove_quietly(temp)
        if not final.exists():
            final_wal.unlink(missing_ok=True)
        raise BackupError(_(
            "A safety copy of the current database could not be made in {folder} ({error}), so "
            "nothing was restored. The current database has not been changed.").format(
                folder=target, error=exc.strerror or exc)) from exc
    return final


def _raw_copy(src: Path, dst: Path) -> None:
    with open(src, "rb") as reader, open(dst, "xb", opener=_private_opener) as writer:
        while chunk := reader.read(1024 * 1024):
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())


def _release(db_path: Path) -> None:
    """Fold the current database's write-ahead log into it and remove its side files,
    so the renamed backup is not mixed with them. Refused while the database is open."""
    if not db_path.exists():
        _remove_sidecars(db_path)
        return
    in_use = DatabaseInUse(_(
        "The database is still open (in this or another window of the program), so it cannot be "
        "replaced. Close it and try again. The current database has not been changed."))
    try:
        backup_sqlite.make_standalone(db_path)
    except backup_sqlite.InUse:
        raise in_use from None
    except backup_sqlite.ERRORS:
        pass  # damaged; its bytes and log are in the safety copy
    try:
        _remove_sidecars(db_path)
    except OSError:
        raise in_use from None


def _remove_sidecars(db_path: Path) -> None:
    for side in backup_sqlite.sidecar_files(db_path):
        side.unlink(missing_ok=True)
