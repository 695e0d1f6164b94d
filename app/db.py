"""The database module: the one place that builds the engine and runs migrations.

SQLite specifics (pragmas, the read-only version probe) live here and nowhere
else, so the rest of the program stays portable to PostgreSQL.
"""
from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError
from app.i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_url(path: str | Path) -> str:
    # SQLAlchemy percent-decodes a URL's database part: a folder named "100%41" or "a?b" is escaped.
    return "sqlite:///" + str(Path(path).expanduser().resolve()).replace("%", "%25").replace("?", "%3F")


class Database:
    """An open, migrated database: hands out short-lived sessions."""

    def __init__(self, engine: Engine, created: bool = False):
        self.engine = engine
        self.created = created  # True when this start created the database
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.cache: dict = {}  # per-database caches kept by services (e.g. the search index)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def label(self) -> str:
        """What the status bar shows: the file path, or the URL without password."""
        if self.engine.url.get_backend_name() == "sqlite":
            return self.engine.url.database or ":memory:"
        return self.url

    def session(self) -> contextlib.AbstractContextManager[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        return self._sessions.begin()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def build_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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


def _sqlite_revision(path: Path) -> str | None:
    """Read the schema revision of an existing SQLite file without writing to it."""
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header and header != SQLITE_HEADER:
        raise DatabaseError(_("{path} is not a Neighbourhood Desk database (not an SQLite file).")
                            .format(path=path))
    from app.backup_sqlite import revision_of

    from app.paths import sqlite_file_uri  # as_uri() gives a network path an authority SQLite refuses

    con = sqlite3.connect(f"{sqlite_file_uri(path)}?mode=ro", uri=True)
    try:
        return revision_of(con)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(_("The database {path} cannot be read: {error}").format(path=path, error=exc)) from exc
    finally:
        con.close()


def _generic_revision(engine: Engine) -> str | None:
    with engine.connect() as con:
        if not inspect(con).has_table("alembic_version"):
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


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at `url`.

    A database written by a newer version of the program, or a file that is not
    a database, raises DatabaseError and is left untouched.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(_("{url} is not a database address.").format(url=url)) from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    path = Path(parsed.database) if is_sqlite and parsed.database not in (None, "", ":memory:") else None
    created = path is None or not path.exists() or path.stat().st_size == 0
    try:
        if path is not None and not created:
            revision = _sqlite_revision(path)
        else:
            revision = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = build_engine(url)
        if not is_sqlite:
            revision = _generic_revision(engine)
        known, head = known_revisions()
        if revision is not None and revision not in known:
            engine.dispose()
            raise DatabaseError(_(
                "The database {path} was written by a newer version of Neighbourhood Desk. "
                "Please install the newer version; this database has not been changed.").format(
                    path=path or parsed.render_as_string(hide_password=True)))
        if is_sqlite and path is not None:
            with engine.connect() as con:
                con.exec_driver_sql("PRAGMA journal_mode=WAL")
        if migrate and revision != head:
            upgrade(engine, "head")
    except (SQLAlchemyError, sqlite3.Error, OSError, ImportError) as exc:  # ImportError: no driver
        raise DatabaseError(_("The database {path} cannot be opened: {error}").format(
            path=path or parsed.render_as_string(hide_password=True), error=exc)) from exc
    return Database(engine, created=created)
