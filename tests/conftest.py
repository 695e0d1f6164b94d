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


@pytest.fixture
def db(db_path, blank_database):
    shutil.copyfile(blank_database, db_path)
    database = open_database(sqlite_url(db_path))
    database.created = True  # as it is for a database made on this start
    yield database
    database.dispose()


@pytest.fixture
def admin() -> Actor:
    """An administrator: may do everything (windows, dialogs, set-up of test data)."""
    return ADMIN
