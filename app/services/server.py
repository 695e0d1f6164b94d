"""The centre's database server (issue 17): where this desk finds it, its password in the
operating system's credential store, and a connection test that says what is wrong.

The address lives in `server.ini` in the data folder (no password in it, ever); the password
in the credential store (Windows Credential Manager, macOS Keychain, Secret Service) through
`keyring`. No file: this desk uses its own SQLite database, the default. No Qt here.
"""
from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from app.errors import DatabaseError, DeskError, ValidationError
from app.i18n import _

SERVICE_NAME = "Neighbourhood Desk"  # the credential store's entry
SETTINGS_FILE = "server.ini"
SECTION = "server"
DEFAULT_PORT = 5432
CONNECT_TIMEOUT_S = 5  # libpq's default waits for the operating system (minutes) on a dead network


class ServerError(DeskError):
    """The server cannot be used, or its password cannot be kept; the message says which."""


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int = DEFAULT_PORT
    database: str = "desk"
    user: str = "desk"

    @property
    def account(self) -> str:
        """The user name of the password's entry in the credential store."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"


# -- the settings file ----------------------------------------------------------------------

def settings_path() -> Path:
    from app.paths import data_dir

    return data_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> ServerSettings | None:
    """The configured server, or None: this desk uses its own database."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path or settings_path(), encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    if not parser.has_section(SECTION) or not parser.get(SECTION, "host", fallback="").strip():
        return None
    section = parser[SECTION]
    try:
        port = int(section.get("port", str(DEFAULT_PORT)))
    except ValueError:
        port = DEFAULT_PORT
    return ServerSettings(section["host"].strip(), port, section.get("database", "desk").strip(),
                          section.get("user", "desk").strip())


def _write_settings(settings: ServerSettings | None, path: Path | None = None) -> None:
    """Write the file privately (0600) and atomically; None removes it (this computer's database)."""
    target = path or settings_path()
    if settings is None:
        target.unlink(missing_ok=True)
        return
    parser = configparser.ConfigParser(interpolation=None)
    parser[SECTION] = {"host": settings.host, "port": str(settings.port),
                       "database": settings.database, "user": settings.user}
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        parser.write(out)
    os.replace(temp, target)


_NAME = re.compile(r"^[^\s'\"\\]+$")  # a host, database or role name: no spaces, quotes or backslashes


def check_settings(settings: ServerSettings) -> None:
    """ValidationError naming each wrong field (host, port, database, user)."""
    wrong = {}
    if not settings.host.strip():
        wrong["host"] = _("Enter the server's name or address.")
    elif not _NAME.match(settings.host):
        wrong["host"] = _("A server's name or address has no spaces or quotes.")
    if not 0 < settings.port < 65536:
        wrong["port"] = _("The port is a number from 1 to 65535 (PostgreSQL's usual one is 5432).")
    if not settings.database.strip():
        wrong["database"] = _("Enter the database's name.")
    elif not _NAME.match(settings.database):
        wrong["database"] = _("A database's name has no spaces or quotes.")
    if not settings.user.strip():
        wrong["user"] = _("Enter the user name the desk signs in to the server with.")
    elif not _NAME.match(settings.user):
        wrong["user"] = _("A user name has no spaces or quotes.")
    if wrong:
        raise ValidationError(wrong)


# -- the password -------------------------------------------------------------------------------

def _keyring_failed(exc: Exception) -> ServerError:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return ServerError(_("The password could not be kept: this computer has no credential store "
                             "the program can use. It is never written to a file; set up the "
                             "system's credential store, or let the server accept this desk without "
                             "a password."))
    return ServerError(_("The password could not be kept in this computer's credential store "
                         "({error}).").format(error=type(exc).__name__))


def save_password(settings: ServerSettings, password: str) -> None:
    """Keep `password` for these settings in the credential store; an empty one removes it."""
    import keyring
    import keyring.errors

    if not password:
        forget_password(settings)
        return
    try:
        keyring.set_password(SERVICE_NAME, settings.account, password)
    except keyring.errors.KeyringError as exc:
        raise _keyring_failed(exc) from None  # never a traceback, never the password


def password_for(settings: ServerSettings) -> str:
    """The stored password, or "" (none stored, or no credential store: nothing could be stored)."""
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE_NAME, settings.account) or ""
    except keyring.errors.NoKeyringError:
        return ""
    except keyring.errors.KeyringError as exc:
        raise ServerError(_("The server's password could not be read from this computer's credential "
                            "store ({error}).").format(error=type(exc).__name__)) from None


def has_credential_store() -> bool:
    """Whether keyring found a store that keeps passwords (not its fail or null stand-ins)."""
    import keyring
    from keyring.backends import fail, null

    return not isinstance(keyring.get_keyring(), (fail.Keyring, null.Keyring))


def forget_password(settings: ServerSettings) -> None:
    """Best effort: an entry that is not there, or no store, is nothing to forget."""
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(SERVICE_NAME, settings.account)
    except keyring.errors.KeyringError:
        pass


def password_to_use(typed: str, previous: ServerSettings | None) -> str:
    """What the dialog's password field means: what was typed, or, left empty, the password
    kept for the settings it was opened with (the server moved, the password did not)."""
    if typed:
        return typed
    return password_for(previous) if previous is not None else ""


# -- addresses ------------------------------------------------------------------------------------

def url_for(settings: ServerSettings, password: str = "") -> str:
    """The SQLAlchemy URL (with the password: for the engine only, never a file or a log)."""
    from sqlalchemy.engine import URL

    query = {"connect_timeout": str(CONNECT_TIMEOUT_S)}
    host: str | None = settings.host
    if settings.host.startswith("/"):  # a Unix socket's folder goes in the query
        query["host"], host = settings.host, None
    return URL.create("postgresql+psycopg", username=settings.user, password=password or None, host=host,
                      port=settings.port, database=settings.database, query=query
                      ).render_as_string(hide_password=False)


def configured_url() -> str | None:
    """The server's URL when this desk is set up to use one (password from the credential
    store), else None: the default SQLite file."""
    settings = load_settings()
    return url_for(settings, password_for(settings)) if settings is not None else None


def configure(settings: ServerSettings | None, password: str = "",
              previous: ServerSettings | None = None) -> None:
    """Save the desk's choice: a server (its password into the credential store first, so a
    failure leaves everything as it was) or None, this computer's own database. The password
    kept for `previous` is removed when it is not the same entry."""
    if settings is not None:
        check_settings(settings)
        save_password(settings, password)
    _write_settings(settings)
    if previous is not None and (settings is None or previous.account != settings.account):
        forget_password(previous)


# -- testing the connection --------------------------------------------------------------------

def failure_message(exc: BaseException, settings: ServerSettings) -> str | None:
    """Which failure a connection error is, in words; None when it is none of the known ones."""
    from app.db import server_failure  # the database stack: not before the sign-in dialog (views/gui.py)

    return server_failure(exc, host=settings.host, port=settings.port, user=settings.user,
                          database=settings.database)


def _schema_state(con) -> str | None:
    """The schema revision; "" for an empty database, "other" when it holds other tables."""
    from sqlalchemy import inspect, text

    tables = inspect(con).get_table_names()
    if "alembic_version" in tables:
        return con.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    return "other" if tables else ""


@dataclass(frozen=True)
class Connection:
    message: str  # it works, and what the desk will find
    empty: bool   # no tables, or ours without a row: a desk's data can be copied onto it


def test_connection(settings: ServerSettings, password: str = "") -> str:
    """Connect once and read the schema: a message saying it works and what the desk will find,
    or ServerError saying which failure (see check_connection)."""
    return check_connection(settings, password).message


def check_connection(settings: ServerSettings, password: str = "") -> Connection:
    """Connect once and read the schema: what the desk will find there, or ServerError saying
    which failure (unreachable, unknown host, wrong password, no such database, a newer
    program's database, another program's tables)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from app.db import known_revisions

    check_settings(settings)
    known, head = known_revisions()
    engine = create_engine(url_for(settings, password), poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as con:
            revision = _schema_state(con)
            if revision == head:  # set up but never used (a failed copy leaves that)
                from app.services.database_copy import is_empty

                empty = is_empty(con)
            else:
                empty = not revision
    except SQLAlchemyError as exc:
        message = failure_message(exc, settings)
        if message is None:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            message = _("The server {host} could not be used ({error}).").format(host=settings.host,
                                                                              error=reason)
        raise ServerError(message) from None  # the URL (and its password) stays out of tracebacks
    except ImportError as exc:  # psycopg is a dependency; a broken install still gets words
        raise ServerError(_("The program's PostgreSQL driver is missing ({error}); reinstall the "
                            "program.").format(error=exc)) from None
    finally:
        engine.dispose()
    if revision == "other":
        raise ServerError(_("The database {database} on {host} holds another program's tables, not "
                            "Neighbourhood Desk's. Choose an empty database or the centre's.").format(
                                database=settings.database, host=settings.host))
    if revision and revision not in known:
        raise ServerError(_("The database {database} on {host} was written by a newer version of "
                            "Neighbourhood Desk. Install the newer version on this desk first; the "
                            "database has not been changed.").format(database=settings.database,
                                                                      host=settings.host))
    if not revision:
        state = _("The database is empty: it will be set up when the desk starts with it.")
    elif revision != head:
        state = _("The database is from an older version of the program: it will be upgraded when "
                  "the desk starts with it.")
    else:
        state = _("The database is up to date.")
    return Connection(_("Connected to {where} as {user}. {state}").format(
        where=settings.where, user=settings.user, state=state), empty)


def open_failure(exc: DatabaseError, settings: ServerSettings) -> str:
    """The words for a server that failed to open at start (open_database's DatabaseError)."""
    cause = exc.__cause__
    return (failure_message(cause, settings) if cause is not None else None) or exc.message
