"""The database module: the one place that builds the engine and runs migrations.

SQLite specifics (pragmas, the read-only version probe) live here and nowhere
else, so the rest of the program stays portable to PostgreSQL.
"""
from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError
from app.i18n import _
from app.paths import sqlite_url  # noqa: F401  (here for the program's callers)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"


class Database:
    """An open, migrated database: hands out short-lived sessions."""

    def __init__(self, engine: Engine, created: bool = False, path: Path | None = None):
        self.engine = engine
        self.created = created  # True when this start created the database
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.cache: dict = {}  # per-database caches kept by services (e.g. the search index)
        # The file under the connections (SQLite) and its identity when opened: a file moved,
        # deleted or replaced meanwhile is noticed before anything is written (check_file).
        self.path = path
        self._identity = _file_identity(path) if path is not None else None
        if path is not None:
            event.listen(engine, "commit", self._before_commit)

    def _before_commit(self, connection) -> None:
        # Only a transaction that wrote anything has one open on the DB-API connection.
        dbapi = getattr(connection.connection, "dbapi_connection", None)
        if getattr(dbapi, "in_transaction", True):
            self.check_file()

    def check_file(self) -> None:
        """Raise DatabaseError when the database file is no longer the one opened."""
        if self.path is None or self._identity is None:
            return
        try:
            now = _file_identity(self.path)
        except OSError:
            now = None
        if now != self._identity:
            raise DatabaseError(_(
                "The database file {path} was moved, deleted or replaced while the program was "
                "running, so nothing more can be saved to it. Close the program, put the database "
                "file back (or restore the latest backup) and start the program again.").format(
                    path=self.path))

    def check_integrity(self) -> None:
        """Before an export or a backup: the file is still the one opened and passes SQLite's
        quick check; otherwise DatabaseError saying to restore the latest backup."""
        self.check_file()
        if self.path is None:
            return
        try:
            with self.engine.connect() as con:
                rows = con.exec_driver_sql("PRAGMA quick_check").fetchall()
        except SQLAlchemyError as exc:
            raise DatabaseError(damaged_message(self.path)) from exc
        if [tuple(row) for row in rows] != [("ok",)]:
            raise DatabaseError(damaged_message(self.path))

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def label(self) -> str:
        """What the status bar shows: the file path, or the server, database and user."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return url.database or ":memory:"
        if url.get_backend_name() == "postgresql":
            host = url.host or url.query.get("host") or "localhost"
            # A Unix socket's folder has no port: "/run/postgresql", not "/run/postgresql:5432".
            place = host if host.startswith("/") else f"{host}:{url.port or 5432}"
            return _("server {place}/{database} (user {user})").format(
                place=place, database=url.database, user=url.username)
        return self.url

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error. The
        database locked longer than the busy timeout (another desk, an antivirus scan) becomes
        a DatabaseError that says so, for the window to show while it keeps what was typed."""
        from sqlalchemy.exc import OperationalError

        try:
            with self._sessions.begin() as s:
                yield s
        except OperationalError as exc:
            if _server_lost(exc):
                raise DatabaseError(_("The centre's database server cannot be reached. Check the network "
                                      "connection (or ask whoever looks after the server) and try "
                                      "again.")) from exc
            # SQLite's busy timeout, or PostgreSQL's lock_timeout (write_session): by its sqlstate,
            # as the server words its messages in its own language
            if not (getattr(exc.orig, "sqlstate", None) == "55P03"  # lock_not_available
                    or re.search(r"database (table )?is (locked|busy)", str(exc.orig))):
                raise
            raise DatabaseError(_("The database is in use by another computer or program; "
                                  "please try again in a moment.")) from exc

    @contextlib.contextmanager
    def write_session(self, wait_seconds: int = 120):
        """Like session(), but holding the database's write lock from its first statement, so
        a second writer doing the same waits (up to `wait_seconds`), then sees this one's rows:
        check-then-insert (an import's match-or-insert) is safe. SQLite: BEGIN IMMEDIATE;
        PostgreSQL: a transaction-scoped advisory lock. Waiting longer is session()'s "busy"."""
        with self.session() as s:
            con = s.connection()
            if self.engine.url.get_backend_name() == "sqlite":
                con.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_seconds) * 1000}")
                try:
                    con.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    con.exec_driver_sql("PRAGMA busy_timeout=5000")
            elif self.engine.url.get_backend_name() == "postgresql":
                con.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_seconds)}s'")
                con.exec_driver_sql("SELECT pg_advisory_xact_lock(7362001)")  # "desk write"
            yield s

    @contextlib.contextmanager
    def read_snapshot(self):
        """A Core connection that sees one consistent snapshot of the whole database and writes
        nothing (copying or checksumming every table): SQLite one read transaction (WAL keeps
        its snapshot), PostgreSQL REPEATABLE READ, READ ONLY. Rolled back at the end."""
        with self.engine.connect() as con:
            backend = self.engine.url.get_backend_name()
            if backend == "sqlite":
                con.exec_driver_sql("BEGIN")  # pysqlite would not begin before a SELECT
            elif backend == "postgresql":
                con.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                yield con
            finally:
                con.rollback()

    def reset_sequences(self, connection) -> None:
        """After rows were inserted with their ids (a copy from another database): on PostgreSQL
        set each table's id sequence past its largest id, so the next insert gets a free id.
        SQLite takes max(rowid) + 1 by itself: nothing to do."""
        if self.engine.url.get_backend_name() != "postgresql":
            return
        from sqlalchemy import Integer

        from app.models import Base

        quote = connection.dialect.identifier_preparer.quote
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            if len(key) != 1 or not isinstance(key[0].type, Integer):
                continue
            name, column = quote(table.name), quote(key[0].name)
            # setval(NULL, …) is NULL, not an error: a table without a sequence is skipped.
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({column}) FROM {name}), 0) + 1, false)"),
                {"table": name, "column": key[0].name})

    def dispose(self) -> None:
        self.engine.dispose()


def _server_lost(exc) -> bool:
    """PostgreSQL gone: refused, network down, server restarted (SQLAlchemy invalidated the
    connection), or psycopg's client-side failures, which carry no sqlstate."""
    orig = exc.orig
    if not type(orig).__module__.startswith("psycopg"):
        return False
    state = getattr(orig, "sqlstate", None) or ""
    return exc.connection_invalidated or not state or state.startswith("08") or state in ("57P01", "57P02", "57P03")


def server_failure(exc: BaseException, *, host: str, port: int, user: str, database: str) -> str | None:
    """Which failure a PostgreSQL connection error is, in words (the server settings dialog, the
    start-up, the command line); None when it is none of the known ones.
    psycopg gives no sqlstate for a failed connection (only the server's text), so both are read."""
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None) or ""
    text = str(orig)
    if state == "28P01" or "password authentication failed" in text or "no password supplied" in text:
        return _("The server refused the user name or password for {user}. Check the password "
                 "(and the user name) with whoever looks after the server.").format(user=user)
    if state == "28000" or re.search(r'role ".*" does not exist', text):
        return _("The server has no user {user}. Check the user name.").format(user=user)
    if state == "3D000" or re.search(r'database ".*" does not exist', text):
        return _("The server {host} has no database {database}. Check the database's name, or "
                 "ask whoever looks after the server to create it.").format(
                     host=host, database=database)
    if re.search(r"could not translate host name|failed to resolve host|Name or service not known|"
                 r"nodename nor servname", text):
        return _("No server called {host} was found on the network. Check the server's name or "
                 "address.").format(host=host)
    if state.startswith("08") or not state and re.search(
            r"Connection refused|No such file or directory|timeout expired|timed out|"
            r"could not connect|connection is bad|Network is unreachable|No route to host", text):
        return _("The server {host} (port {port}) cannot be reached: it may be switched off, the "
                 "database service may not be running, or the network or a firewall is in the way. "
                 "Check that the server is on, then try again.").format(host=host,
                                                                          port=port)
    return None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def build_engine(url: str) -> Engine:
    # hide_parameters: an error's text (logged, printed) never carries ID numbers, phones or hashes.
    # pool_pre_ping on a server: a pooled connection dropped meanwhile (a server restarted overnight,
    # a network blip) is replaced on checkout instead of failing the next save.
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=not str(url).startswith("sqlite"))
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.url.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _postgresql_settings)
    return engine


def _postgresql_settings(dbapi_connection, _record) -> None:
    # As SQLite's busy timeout: a save that another desk's lock holds up gives up after 5 s with
    # the "in use" message (lock_not_available) instead of waiting for ever.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    dbapi_connection.commit()


def _alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    # Options are interpolated: a "%" in the install folder would stop every migration.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision[^=]*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def known_revisions() -> tuple[set[str], str]:
    """(every revision this program knows, the head), read from the migration files.

    Reading the files directly keeps Alembic (slow to import) out of an ordinary
    start; Alembic is loaded only when there is something to upgrade. A test
    checks that this agrees with Alembic's own view.
    """
    parents: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found:
            down = _DOWN.search(source)
            parents[found.group(1)] = down.group(1) if down else None
    heads = set(parents) - {p for p in parents.values() if p}
    if len(heads) != 1:
        raise DatabaseError(_("The program's database migrations are inconsistent."))
    return set(parents), heads.pop()


def _file_identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


# -- which database files this desk has opened before -------------------------------------
# A list of absolute paths (no personal data) in the data folder, beside the default database.
# A path on it that now holds an empty or table-less file is not a new database: the centre's
# data went somewhere, and filling the file with demo data would hide that.
KNOWN_DATABASES = "known-databases.txt"
_KNOWN_LIMIT = 200


def _known_key(path: Path) -> str:
    return os.path.normcase(str(Path(path).expanduser().resolve()))


def _known_list() -> list[str]:
    from app.paths import data_folder

    try:
        text_ = (data_folder() / KNOWN_DATABASES).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text_.splitlines() if line.strip()]


def was_opened_before(path: Path) -> bool:
    return _known_key(path) in _known_list()


def _remember(path: Path) -> None:
    """Add `path` to the list of databases opened before (best effort: a safety net). Only
    where the program's data folder exists: a script opening a scratch database makes none."""
    from app.paths import data_folder

    folder = data_folder()
    key = _known_key(path)
    known = _known_list()
    if key in known or not folder.is_dir():
        return
    known = (known + [key])[-_KNOWN_LIMIT:]
    try:
        target = folder / KNOWN_DATABASES
        temp = target.with_name(f".{KNOWN_DATABASES}.{os.getpid()}.tmp")
        with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            out.write("\n".join(known) + "\n")
        os.replace(temp, target)
    except OSError:
        pass


# -- damaged databases ----------------------------------------------------------------------

def _latest_backup(path: Path) -> Path | None:
    """The newest backup of the database file at `path` in the program's folder, if any."""
    try:
        from app.services import backup

        folder = backup._folder_of_file(path)
        found = backup.list_backups(folder)
        if folder != backup.default_folder():
            found += backup.list_backups()
        found.sort(key=lambda b: (b.date, b.modified), reverse=True)
        return found[0].path if found else None
    except Exception:  # only a hint in an error message: never in its way
        return None


def damaged_message(path: Path) -> str:
    """What to tell when the database failed its integrity check: restore the latest backup."""
    latest = _latest_backup(Path(path))
    if latest is not None:
        return _("The database {path} is damaged (its integrity check failed), so it was not used. "
                 "Restore the latest backup, {backup}, and keep the damaged file for now.").format(
                     path=path, backup=latest)
    return _("The database {path} is damaged (its integrity check failed), so it was not used. "
             "Restore it from your latest backup (for example from the USB stick); no backup of it "
             "was found in the program's folder.").format(path=path)


# -- opening a file safely ----------------------------------------------------------------------

def _table_names(con: sqlite3.Connection) -> set[str]:
    return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _looks_ours(tables: set[str]) -> bool:
    if "alembic_version" in tables:
        return True
    from app.models import Base

    return bool(tables & set(Base.metadata.tables))


def _foreign_message(path: Path) -> str:
    return _("{path} is the database of another program, not of Neighbourhood Desk; it has not been "
             "changed. Choose a Neighbourhood Desk database, or a new file name for a new one.").format(
                 path=path)


def _empty_known_message(path: Path) -> str:
    return _("The database file {path} is empty, but it held this centre's data before: it may have "
             "been deleted, moved or replaced. Restore the latest backup. To start a new, empty "
             "database there instead, delete the file {path} first.").format(path=path)


def _roll_back_hot_journal(path: Path, uri: str) -> None:
    """A rollback journal left by a killed program makes a read-only connection fail; when the
    file is ours, one read-write connection lets SQLite roll the unfinished transaction back."""
    journal = path.with_name(path.name + "-journal")
    try:
        if not journal.exists() or journal.stat().st_size == 0:
            return
    except OSError:
        return
    peek = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)  # ignores locks and journal
    try:
        tables = _table_names(peek)
    except sqlite3.DatabaseError:
        return  # unreadable: the read-only probe will say so
    finally:
        peek.close()
    if tables and not _looks_ours(tables):
        raise DatabaseError(_foreign_message(path))
    con = sqlite3.connect(f"{uri}?mode=rw", uri=True)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls the journal back
    finally:
        con.close()


def _probe(path: Path, *, known: bool = False, allow_new: bool = False,
           check: bool = True) -> tuple[str | None, bool]:
    """Read an existing SQLite file without writing to it: (schema revision, table-less).

    Refuses (DatabaseError, file untouched) a file that is not SQLite, another program's
    database, a damaged one (with `check`: SQLite's quick check), and a table-less one at a path
    opened before (unless allow_new).
    """
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header and header != SQLITE_HEADER:
        raise DatabaseError(_("{path} is not a Neighbourhood Desk database (not an SQLite file).")
                            .format(path=path))
    from app.backup_sqlite import revision_of

    from app.paths import sqlite_file_uri  # as_uri() gives a network path an authority SQLite refuses

    uri = sqlite_file_uri(path)
    try:
        _roll_back_hot_journal(path, uri)
        con = sqlite3.connect(f"{uri}?mode=ro", uri=True)
        try:
            tables = _table_names(con)
            if not tables:
                if known and not allow_new:
                    raise DatabaseError(_empty_known_message(path))
                return None, True
            if not _looks_ours(tables):
                raise DatabaseError(_foreign_message(path))
            if check and con.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                raise DatabaseError(damaged_message(path))
            return revision_of(con), False
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        raise DatabaseError(_("The database {path} cannot be read: {error}").format(path=path, error=exc)) from exc
    except sqlite3.DatabaseError as exc:  # "malformed", "not a database": damaged
        raise DatabaseError(damaged_message(path)) from exc


def _sqlite_revision(path: Path) -> str | None:
    """Read the schema revision of an existing SQLite file without writing to it."""
    return _probe(path)[0]


def _generic_revision(engine: Engine) -> str | None:
    """The server database's schema revision (None: none yet); another program's tables are
    refused before anything is written, as for an SQLite file."""
    with engine.connect() as con:
        tables = set(inspect(con).get_table_names())
        if "alembic_version" not in tables:
            if tables and not _looks_ours(tables):
                url = engine.url
                raise DatabaseError(_(
                    "The database {database} on {host} holds another program's tables, not Neighbourhood "
                    "Desk's; it has not been changed. Choose an empty database or the centre's.").format(
                        database=url.database, host=url.host or url.query.get("host") or "localhost"))
            return None
        return con.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Run the migrations up to `target`.

    On SQLite, Alembic's batch mode rebuilds a table by copying it and dropping
    the old one; with foreign keys on, that drop would cascade and delete every
    row that refers to it (tags, family links). So foreign keys are off while
    migrating, and checked afterwards.
    """
    from alembic import command

    sqlite = engine.url.get_backend_name() == "sqlite"
    with engine.connect() as con:
        if sqlite:
            con.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, as SQLite needs
            con.commit()
        try:
            with con.begin():
                command.upgrade(_alembic_config(con), target)
                if sqlite and con.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise DatabaseError(_("Upgrading the database broke links between records; "
                                          "it has been left as it was."))
        finally:
            if sqlite:
                con.exec_driver_sql("PRAGMA foreign_keys=ON")
                con.commit()


def open_database(url: str, *, migrate: bool = True, allow_new: bool = False,
                  remember: bool = True, quick_check: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at `url`.

    A database written by a newer version of the program, a file that is not
    a database, another program's database and a damaged one raise DatabaseError
    and are left untouched. An empty file at a path opened before (`remember`
    lists it) is refused too, unless `allow_new`: the data was expected there.
    `quick_check=False` leaves SQLite's quick check to the caller (`Database.check_integrity`):
    it reads the whole file (50 ms at town scale, growing with it), so the window runs it on the
    worker once it is shown; a database about to be migrated is checked here all the same.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(_("{url} is not a database address.").format(url=url)) from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    path = Path(parsed.database) if is_sqlite and parsed.database not in (None, "", ":memory:") else None
    created = path is None or not path.exists() or path.stat().st_size == 0
    try:
        revision = None
        if path is not None:
            from app.backup_sqlite import remove_stale_copies

            remove_stale_copies(path.parent)  # decrypted copies left by a killed restore
            known_path = was_opened_before(path)
            if not created:
                revision = _probe(path, known=known_path, allow_new=allow_new, check=quick_check)[0]
            elif known_path and path.exists() and not allow_new:
                raise DatabaseError(_empty_known_message(path))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # a new database is the user's only (-wal/-shm follow)
                path.touch(mode=0o600, exist_ok=False)
        engine = build_engine(url)
        if not is_sqlite:
            try:
                revision = _generic_revision(engine)
            except DatabaseError:
                engine.dispose()
                raise
        known, head = known_revisions()
        if revision is not None and revision not in known:
            engine.dispose()
            raise DatabaseError(_(
                "The database {path} was written by a newer version of Neighbourhood Desk. "
                "Please install the newer version; this database has not been changed.").format(
                    path=path or parsed.render_as_string(hide_password=True)))
        if not quick_check and path is not None and migrate and revision is not None and revision != head:
            _probe(path, known=known_path)  # never migrate a damaged database
        if is_sqlite and path is not None:
            with engine.connect() as con:
                con.exec_driver_sql("PRAGMA journal_mode=WAL")
        if migrate and revision != head:
            upgrade(engine, "head")
    except (SQLAlchemyError, sqlite3.Error, OSError, ImportError) as exc:  # ImportError: no driver
        if not is_sqlite and (words := server_failure(exc, host=parsed.host or parsed.query.get("host") or "localhost",
                                                      port=parsed.port or 5432, user=parsed.username or "",
                                                      database=parsed.database or "")):
            raise DatabaseError(words) from exc
        raise DatabaseError(_("The database {path} cannot be opened: {error}").format(
            path=path or parsed.render_as_string(hide_password=True), error=exc)) from exc
    if path is not None and remember:
        _remember(path)
    return Database(engine, created=created, path=path)
