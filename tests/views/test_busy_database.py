"""A database locked longer than the busy timeout (another desk, an antivirus scan): the
window says the database is busy, in words, and the dialog stays open with what was typed."""
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from sqlalchemy import event

from app.errors import DatabaseError
from app.services import residents
from app.views.residents.dialog import ResidentDialog
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese


def _short_busy_timeout(db, milliseconds: int = 200) -> None:
    db.engine.dispose()  # new connections get the pragmas again, then this shorter wait

    @event.listens_for(db.engine, "connect")
    def shorter(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA busy_timeout={milliseconds}")


def test_a_session_on_a_locked_database_raises_a_database_error_in_words(db):
    _short_busy_timeout(db)
    other_desk = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other_desk.execute("BEGIN IMMEDIATE")
        try:
            residents.add_resident(db, residents.ResidentInput(name="黄丽华"), actor=ADMIN)
        except DatabaseError as exc:
            assert "另一台电脑或程序" in exc.message
        else:
            raise AssertionError("the save did not notice the lock")
    finally:
        other_desk.execute("ROLLBACK")
        other_desk.close()


def test_a_save_on_a_database_locked_too_long_says_so_and_keeps_the_input(app, db, qtbot, admin, monkeypatch):
    _short_busy_timeout(db)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warned.append(text)))
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.name_edit, "黄丽华")
    saved = []
    dialog.saved.connect(saved.append)
    other_desk = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other_desk.execute("BEGIN IMMEDIATE")  # holds the write lock longer than the busy timeout
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(warned), timeout=10000)
    finally:
        other_desk.execute("ROLLBACK")
        other_desk.close()
        settle(qtbot)
    [message] = warned
    assert "另一台电脑或程序" in message and "Something went wrong" not in message
    assert dialog.isVisible() and dialog.name_edit.text() == "黄丽华" and saved == []
    # The other desk has let go: the same input saves now.
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert len(saved) == 1 and residents.count_residents(db) == 1
