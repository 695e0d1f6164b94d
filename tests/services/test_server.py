"""The centre's server settings (issue 17 §5): the address in a private ini, the password only in
the credential store, and a connection test that names each failure. The credential store is an
in-memory keyring backend; the failures are real connections where the test cluster allows."""
from __future__ import annotations

import argparse
import os
import stat

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.cli import database_url
from app.db import Database, build_engine, known_revisions, sqlite_url
from app.errors import DatabaseError, ValidationError
from app.paths import data_folder, default_database_path
from app.services import server
from app.services.server import ServerError, ServerSettings

PASSWORD = "Lianban-2026/密码"
NOWHERE = "/tmp/nonexistent-dir"  # a socket folder with no server in it: refused at once


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")


class BrokenKeyring(MemoryKeyring):
    """A store that is there but fails (locked, refused by the system)."""

    def get_password(self, service, username):
        raise keyring.errors.KeyringError("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("refused")


@pytest.fixture
def store():
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


@pytest.fixture
def pg(postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    return postgres


def settings_of(url: str, **changes) -> ServerSettings:
    parsed = make_url(url)
    found = ServerSettings(parsed.host or parsed.query["host"], parsed.port or 5432, parsed.database,
                           parsed.username)
    return ServerSettings(**{**found.__dict__, **changes})


SERVER = ServerSettings("192.168.1.10", 5432, "desk", "desk")


# -- settings and password -------------------------------------------------------------------

def test_settings_are_kept_privately_and_the_password_only_in_the_credential_store(store):
    server.configure(SERVER, PASSWORD)
    assert server.load_settings() == SERVER
    path = server.settings_path()
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.entries == {("Neighbourhood Desk", "desk@192.168.1.10:5432/desk"): PASSWORD}
    assert server.password_for(SERVER) == PASSWORD
    for file in data_folder().rglob("*"):  # no file in the data folder holds the password
        if file.is_file():
            content = file.read_bytes()
            assert PASSWORD.encode() not in content and b"Lianban-2026" not in content, file


def test_an_empty_password_field_keeps_the_stored_one_even_when_the_server_moves(store):
    server.configure(SERVER, PASSWORD)
    moved = ServerSettings("desk-server", 5432, "desk", "desk")
    server.configure(moved, server.password_to_use("", SERVER), SERVER)
    assert server.password_for(moved) == PASSWORD
    assert list(store.entries) == [("Neighbourhood Desk", "desk@desk-server:5432/desk")]  # old one gone


def test_going_back_to_this_computers_database_removes_the_file_and_the_password(store):
    server.configure(SERVER, PASSWORD)
    server.configure(None, previous=SERVER)
    assert server.load_settings() is None and not server.settings_path().exists()
    assert store.entries == {}


def test_wrong_fields_are_named_before_anything_is_stored(store):
    with pytest.raises(ValidationError) as caught:
        server.configure(ServerSettings(" ", 0, "my desk", ""), PASSWORD)
    assert set(caught.value.fields) == {"host", "port", "database", "user"}
    assert store.entries == {} and server.load_settings() is None


def test_no_credential_store_is_said_in_words_and_nothing_is_saved(english):
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(ServerError) as caught:
            server.configure(SERVER, PASSWORD)
        assert "could not be kept" in caught.value.message and "never written to a file" in caught.value.message
        assert server.load_settings() is None  # the address is not saved without its password
        assert server.password_for(SERVER) == ""  # nothing can have been stored: no password
        server.configure(SERVER, "")  # a server that needs no password works without a store
        assert server.load_settings() == SERVER
    finally:
        keyring.set_keyring(before)


def test_a_failing_credential_store_is_a_message_not_a_traceback(english):
    before = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(ServerError, match="could not be kept") as caught:
            server.save_password(SERVER, PASSWORD)
        assert PASSWORD not in caught.value.message
        with pytest.raises(ServerError, match="could not be read"):
            server.password_for(SERVER)
    finally:
        keyring.set_keyring(before)


# -- where the desk's database is ------------------------------------------------------------------

def test_the_url_carries_a_socket_folder_the_password_and_a_connect_timeout():
    url = make_url(server.url_for(ServerSettings("/tmp/pgt", 5432, "desk_test", "postgres"), "p@ss/:w"))
    assert (url.drivername, url.host, url.query["host"], url.password) == (
        "postgresql+psycopg", None, "/tmp/pgt", "p@ss/:w")
    assert url.query["connect_timeout"] == "5"
    tcp = make_url(server.url_for(SERVER))
    assert (tcp.host, tcp.port, tcp.database, tcp.username, tcp.password) == ("192.168.1.10", 5432, "desk", "desk", None)


def test_the_command_line_uses_the_server_when_one_is_set_up_and_sqlite_otherwise(store):
    args = argparse.Namespace(db=None, database_url=None)
    assert database_url(args) == sqlite_url(default_database_path())
    server.configure(SERVER, PASSWORD)
    assert make_url(database_url(args)).password == PASSWORD
    assert make_url(database_url(args)).host == "192.168.1.10"
    assert database_url(argparse.Namespace(db="x.sqlite3", database_url=None)) == sqlite_url("x.sqlite3")


def test_the_status_bar_names_the_server_database_and_user_without_the_password(english):
    db = Database(build_engine(server.url_for(SERVER, PASSWORD)))  # no connection is made
    assert db.label == "server 192.168.1.10:5432/desk (user desk)"
    sock = Database(build_engine(server.url_for(ServerSettings("/tmp/pgt", 5432, "desk_test", "postgres"))))
    assert sock.label == "server /tmp/pgt/desk_test (user postgres)"  # a socket folder has no port


# -- the connection test: each failure in words ---------------------------------------------------

def test_a_server_that_is_not_there_is_unreachable(english):
    with pytest.raises(ServerError) as caught:
        server.test_connection(ServerSettings(NOWHERE, 5432, "desk", "desk"), PASSWORD)
    assert "cannot be reached" in caught.value.message and NOWHERE in caught.value.message
    assert PASSWORD not in caught.value.message


def test_an_unknown_database_is_named(english, pg):
    settings = settings_of(pg.main, database="no_such_desk_database")
    with pytest.raises(ServerError, match="has no database no_such_desk_database"):
        server.test_connection(settings)


def test_a_database_of_a_newer_program_is_refused(english, pg):
    url = pg.new(empty=False)
    engine = build_engine(url)
    with engine.begin() as con:
        con.execute(text("UPDATE alembic_version SET version_num = 'ffffffff'"))
    engine.dispose()
    with pytest.raises(ServerError, match="newer version"):
        server.test_connection(settings_of(url))


def test_another_programs_tables_are_refused(english, pg):
    url = pg.new()
    engine = build_engine(url)
    with engine.begin() as con:
        con.execute(text("CREATE TABLE invoices (id integer)"))
    engine.dispose()
    with pytest.raises(ServerError, match="another program's tables"):
        server.test_connection(settings_of(url))


def test_success_says_what_the_desk_will_find(english, pg):
    assert "The database is empty" in server.test_connection(settings_of(pg.new()))
    current = pg.new(empty=False)
    assert "up to date" in server.test_connection(settings_of(current))
    known, head = known_revisions()
    engine = build_engine(current)
    with engine.begin() as con:
        con.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": sorted(known - {head})[0]})
    engine.dispose()
    assert "will be upgraded" in server.test_connection(settings_of(current))


def test_the_check_says_whether_a_desks_data_can_be_copied_onto_the_database(pg, admin):
    """Empty: no tables, or ours without a row (set up by a copy that failed); a desk that
    started on it has rows, and a copy would be refused."""
    from app.db import open_database
    from app.services import residents

    assert server.check_connection(settings_of(pg.new())).empty
    current = pg.new(empty=False)
    assert server.check_connection(settings_of(current)).empty
    db = open_database(current, remember=False)
    residents.add_resident(db, residents.ResidentInput(name="陈一", estate="宝源花园"), actor=admin)
    db.dispose()
    assert not server.check_connection(settings_of(current)).empty


def test_a_wrong_password_is_named(english, monkeypatch):
    # The test cluster trusts every local connection (a wrong password is accepted), so the
    # server's answer is played by psycopg's own error class for sqlstate 28P01.
    def refuse(*args, **kwargs):
        raise psycopg.errors.lookup("28P01")('password authentication failed for user "desk"')

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", refuse)
    with pytest.raises(ServerError, match="refused the user name or password for desk"):
        server.test_connection(ServerSettings(NOWHERE, 5432, "desk", "desk"), "wrong")


def test_libpq_texts_without_a_sqlstate_are_mapped_too(english):
    cases = {
        'connection failed: FATAL:  password authentication failed for user "desk"': "password",
        "fe_sendauth: no password supplied": "password",
        'connection failed: FATAL:  database "desk" does not exist': "has no database",
        'connection failed: FATAL:  role "desk" does not exist': "has no user desk",
        'could not translate host name "desk-server" to address': "No server called",
        "failed to resolve host 'desk-server': [Errno -2] Name or service not known": "No server called",
        "connection is bad: connection to server at \"192.168.1.10\", port 5432 failed: Connection refused":
            "cannot be reached",
        "connection timeout expired": "cannot be reached",
    }
    for message, expected in cases.items():
        assert expected in server.failure_message(psycopg.OperationalError(message), SERVER), message


# -- a connection lost during a save -----------------------------------------------------------------

def test_a_server_gone_while_saving_is_a_database_error_in_words(english):
    db = Database(build_engine(server.url_for(ServerSettings(NOWHERE, 5432, "desk", "desk"), PASSWORD)))
    with pytest.raises(DatabaseError) as caught:
        with db.session() as s:
            s.execute(text("SELECT 1"))
    assert caught.value.message.startswith("The centre's database server cannot be reached")
    assert PASSWORD not in str(caught.value)
    db.dispose()


def test_a_connection_dropped_by_the_server_mid_transaction_is_the_same_message(english, pg):
    db = Database(build_engine(pg.new(empty=False)))
    with pytest.raises(DatabaseError, match="cannot be reached"):
        with db.session() as s:
            s.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))  # as a server restart
    with db.session() as s:  # the next save gets a new connection
        assert s.execute(text("SELECT 1")).scalar() == 1
    db.dispose()
