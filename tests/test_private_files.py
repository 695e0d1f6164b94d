"""Personal data stays private: never in the log or a traceback; the files the program makes
are readable by the user only."""
from __future__ import annotations

import io
import logging
import os
import sqlite3
import stat
import sys
import traceback

import pytest
from sqlalchemy import text

from app.services import residents
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def _logged_text(caplog) -> str:
    """Every captured record's message and formatted traceback (as the log file would show it)."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


@pytest.fixture
def refused_inserts(db):
    """Any failing insert (a constraint, another desk's lock) will do: a trigger refuses it."""
    with db.engine.begin() as con:
        if db.engine.url.get_backend_name() == "sqlite":
            con.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON residents "
                                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        else:
            con.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$")
            con.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON residents "
                                "FOR EACH ROW EXECUTE FUNCTION refuse()")
    yield
    if db.engine.url.get_backend_name() != "sqlite":  # the server's test database outlives the test
        with db.engine.begin() as con:
            con.exec_driver_sql("DROP TRIGGER refuse ON residents")
            con.exec_driver_sql("DROP FUNCTION refuse()")


def test_a_database_error_while_saving_a_resident_logs_no_id_number_or_phone(db, refused_inserts, caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(Exception) as caught:
        residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=ID_NUMBER, phone=PHONE), actor=ADMIN)
    logging.getLogger("app.views.gui").error("unexpected error", exc_info=caught.value)  # as the window does
    text = _logged_text(caplog)
    assert "refused by the test" in text
    for secret in (ID_NUMBER, PHONE, "1949-12-31"):
        assert secret not in text
        assert secret not in str(caught.value)


def test_a_locked_database_in_users_add_is_one_line_without_the_password_hash(tmp_path, capsys, monkeypatch):
    from app import db as app_db
    from app.cli import main

    path = tmp_path / "d.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(path), "users", "add", "wangfang", "--role", "desk", "--recovery"]) == 0
    capsys.readouterr()
    pragmas = app_db._sqlite_pragmas

    def no_waiting(connection, record):  # fail at once instead of after the 5 s busy timeout
        pragmas(connection, record)
        connection.execute("PRAGMA busy_timeout=0")

    monkeypatch.setattr(app_db, "_sqlite_pragmas", no_waiting)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another desk is writing
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("another-pass-1\n"))
        assert main(["--db", str(path), "users", "add", "xiaoli", "--role", "desk", "--recovery"]) == 2
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "另一台电脑或程序" in err  # the database is busy, in words
    assert "scrypt" not in err and "INSERT" not in err and "Traceback" not in err


# -- files readable by the user only (POSIX; on Windows the user's profile keeps others out) ----

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_the_data_folder_is_made_private_and_an_open_one_is_closed(monkeypatch):
    from app.paths import data_dir, data_folder

    old = os.umask(0o022)
    try:
        assert not data_folder().exists()
        assert _mode(data_dir()) == 0o700
        data_folder().chmod(0o755)  # made by an older version
        assert _mode(data_dir()) == 0o700
    finally:
        os.umask(old)


@posix_only
def test_a_new_database_file_and_its_companions_are_private(tmp_path):
    from app.db import open_database, sqlite_url

    old = os.umask(0o022)
    try:
        path = tmp_path / "open" / "new.sqlite3"
        database = open_database(sqlite_url(path))
        try:
            with database.session() as s:  # a write: the -wal file exists now
                s.execute(text("CREATE TABLE scratch (x)"))
            assert _mode(path) == 0o600
            for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                if companion.exists():
                    assert _mode(companion) & 0o077 == 0
        finally:
            database.dispose()
    finally:
        os.umask(old)


@posix_only
def test_the_log_file_is_private(monkeypatch):
    from app.paths import data_dir
    from app.views import gui

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if not isinstance(h, logging.FileHandler)])
    level = root.level
    old = os.umask(0o022)
    try:
        gui._log_to_file()
        handler = next(h for h in root.handlers if isinstance(h, logging.FileHandler))
        handler.close()
        assert _mode(data_dir() / "desk.log") == 0o600
    finally:
        os.umask(old)
        root.setLevel(level)


@posix_only
def test_a_pdf_saved_from_the_print_preview_is_private(qapp, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from app.views.shared.print_preview import PrintPreviewDialog

    dialog = PrintPreviewDialog(None, "测试", lambda progress: b"%PDF-1.4 test", "test.pdf")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.pdf is not None, timeout=20000)
    target = tmp_path / "saved.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    old = os.umask(0o022)
    try:
        dialog.save_pdf()
    finally:
        os.umask(old)
    assert target.read_bytes() == b"%PDF-1.4 test"
    assert _mode(target) == 0o600


def test_every_folder_and_file_a_day_at_the_desk_leaves_is_private(tmp_path, user_folders):
    """The data folder, the backups' folders, the list of known databases: nobody else reads them."""
    import stat

    from app.db import open_database, sqlite_url
    from app.paths import data_dir
    from app.services import backup

    db = open_database(sqlite_url(data_dir() / "desk.sqlite3"))
    try:
        backup.backup_now(db)
    finally:
        db.dispose()
    for path in [data_dir(), *data_dir().rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(data_dir().parent)} is {oct(mode)}"
