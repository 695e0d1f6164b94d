"""Shared fixtures: offscreen Qt, no network, a fresh database per test."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db import open_database, sqlite_url  # noqa: E402
from app.i18n import set_language  # noqa: E402
from app.paths import data_folder  # noqa: E402
from app.services.access import ADMINISTRATOR, Actor  # noqa: E402

# The real user data folder, read now, before `user_folders` points HOME at a temporary
# folder: no test may write there (`real_data_folder_untouched`, tests/test_data_folder_guard.py).
REAL_DATA_FOLDER = data_folder()

# The acting user of tests that are not about permissions.
ADMIN = Actor("王主任", ADMINISTRATOR)


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """The program must work offline: any attempt to reach a network host fails the test."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise NetworkUsed(f"network connection attempted to {address!r}")

    def connect(sock, address):
        guard(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        guard(sock, address)
        return real_connect_ex(sock, address)

    def create_connection(address, *args, **kwargs):
        raise NetworkUsed(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture(scope="session", autouse=True)
def session_folders(tmp_path_factory):
    """The same for session- and module-scoped fixtures, which run before `user_folders`
    (open_database lists every database it opened in the data folder)."""
    home = tmp_path_factory.mktemp("session-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
        patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        patch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", str(home / "AppData" / "Local"))
        yield home


@pytest.fixture(autouse=True)
def user_folders(tmp_path_factory, monkeypatch):
    """Keep the default data folder (database, ini, log) out of the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", str(home / "AppData" / "Local"))  # platformdirs on Windows
    return home


def folder_listing(folder) -> dict[str, tuple[int, int]] | None:
    """Every file and folder below `folder` with its size and modification time; None if absent."""
    if not folder.exists():
        return None
    listing = {}
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:  # went while being listed
            continue
        listing[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return listing


@pytest.fixture(scope="session", autouse=True)
def real_data_folder_untouched():
    """Fails the run (an error at the last teardown) if anything in the real data folder appeared,
    changed or went while the tests ran; never creates the folder."""
    before = folder_listing(REAL_DATA_FOLDER)
    yield REAL_DATA_FOLDER
    after = folder_listing(REAL_DATA_FOLDER)
    if after != before:
        changed = sorted(set((after or {}).items()) ^ set((before or {}).items()))
        raise AssertionError(f"the tests changed the real data folder {REAL_DATA_FOLDER}: "
                             f"{sorted({name for name, _stat in changed})[:20]}")


PROJECT_FOLDER = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def project_folder_untouched():
    """Fails the run if a test left a file in the project folder: a value that is not a path under
    tmp_path is a name relative to the current folder, the checkout (exports named 今天 and -123
    were written there, and committed)."""
    before = {p.name for p in PROJECT_FOLDER.iterdir() if p.is_file()}
    yield
    new = {p.name for p in PROJECT_FOLDER.iterdir() if p.is_file()} - before
    if new:
        raise AssertionError(f"the tests wrote files into the project folder {PROJECT_FOLDER}: {sorted(new)}")


@pytest.fixture(autouse=True)
def chinese():
    """Chinese is the default interface language; tests that switch get it back."""
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh_CN")


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "desk.sqlite3"


@pytest.fixture(scope="session")
def blank_database(tmp_path_factory):
    """One database migrated to head, copied for each test (migrating each time cost a sixth
    of the fast suite); tests/test_db.py migrates real files step by step."""
    path = tmp_path_factory.mktemp("template") / "blank.sqlite3"
    open_database(sqlite_url(path)).dispose()
    return path


# DESK_TEST_DATABASE_URL=postgresql+psycopg://…: the `db` fixture (every service, report and view
# test that takes it) runs on that PostgreSQL server instead of an SQLite file; .ci/run does this with a
# throw-away cluster (.ci/postgres). Tests that are about SQLite itself are marked `sqlite_only`.
TEST_DATABASE_URL = os.environ.get("DESK_TEST_DATABASE_URL", "")
ON_POSTGRESQL = TEST_DATABASE_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, only the tests that touch a database (the `db` or `postgres` fixture, directly or
    through another fixture) run: the rest ran on SQLite and would only repeat themselves."""
    if not ON_POSTGRESQL:
        return
    kept, dropped = [], []
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        (kept if uses & {"db", "postgres"} else dropped).append(item)
        if "sqlite_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="about SQLite itself (DESK_TEST_DATABASE_URL is PostgreSQL)"))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class PostgresDatabases:
    """Databases on the test server. Each test process migrates one database once; before each test
    the tables that hold rows are emptied and the used id sequences restarted (a new database per
    test cost 0.4 s and TRUNCATE 0.2 s; deleting the few rows a test wrote costs milliseconds).
    `new()` makes a separate database (a copy's target), dropped at the end of the run."""

    def __init__(self, url: str, worker: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        self.base = make_url(url)
        self.prefix = f"desk_{worker}_{os.getpid()}"
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.extra: list[str] = []
        self.main = self.url_of(self.prefix)
        self._execute(f'DROP DATABASE IF EXISTS "{self.prefix}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.prefix}"')
        open_database(self.main).dispose()
        self.engine = create_engine(self.main, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        from app.models import Base

        # Emptied children first (DELETE: for a few rows far cheaper than TRUNCATE's new files).
        self.tables = [t.name for t in reversed(Base.metadata.sorted_tables)]

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as con:
            con.exec_driver_sql(sql)

    def url_of(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def fresh(self) -> str:
        """The main test database, as the migration left it: no rows, ids from 1."""
        with self.engine.connect() as con:
            # Whatever a previous test left connected (a thread, a second engine) could hold locks.
            con.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            used = " UNION ALL ".join(f"(SELECT '{t}' FROM \"{t}\" LIMIT 1)" for t in self.tables)
            dirty = sorted((row[0] for row in con.exec_driver_sql(used)), key=self.tables.index)
            for table in dirty:
                con.exec_driver_sql(f'DELETE FROM "{table}"')
            con.exec_driver_sql("SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false) "
                                "FROM pg_sequences WHERE last_value IS NOT NULL")
        return self.main

    def new(self, empty: bool = True) -> str:
        """The URL of a new, separate database: empty, or migrated to head."""
        name = f"{self.prefix}_{len(self.extra) + 1}"
        self.extra.append(name)
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{name}"')
        if not empty:
            open_database(self.url_of(name)).dispose()
        return self.url_of(name)

    def close(self) -> None:
        self.engine.dispose()
        for name in [self.prefix, *self.extra]:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres(session_folders):
    """The test server's databases, or None when the suite runs on SQLite only."""
    if not ON_POSTGRESQL:
        yield None
        return
    databases = PostgresDatabases(TEST_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    yield databases
    databases.close()


@pytest.fixture
def db(db_path, blank_database, postgres):
    if postgres is not None:
        database = open_database(postgres.fresh())
    else:
        shutil.copyfile(blank_database, db_path)
        database = open_database(sqlite_url(db_path))
    database.created = True  # as it is for a database made on this start
    yield database
    database.dispose()


@pytest.fixture
def admin() -> Actor:
    """An administrator: may do everything (windows, dialogs, set-up of test data)."""
    return ADMIN
