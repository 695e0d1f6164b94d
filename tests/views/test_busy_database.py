"""A database locked longer than the busy timeout (another desk, an antivirus scan): the
window says the database is busy, in words, and the dialog stays open with what was typed."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from sqlalchemy import event

from app.errors import DatabaseError
from app.services import residents
from app.views.residents.dialog import ResidentDialog
from tests.conftest import ADMIN
from tests.views.conftest import another_desk_writing, settle, type_chinese


def _short_lock_wait(db, milliseconds: int = 200) -> None:
    """Give up on a lock after `milliseconds`: SQLite's busy timeout, PostgreSQL's lock_timeout."""
    db.engine.dispose()  # new connections get the pragmas again, then this shorter wait
    sqlite = db.engine.url.get_backend_name() == "sqlite"

    @event.listens_for(db.engine, "connect")
    def shorter(dbapi_connection, _record):
        if sqlite:
            dbapi_connection.execute(f"PRAGMA busy_timeout={milliseconds}")
        else:
            dbapi_connection.execute(f"SET lock_timeout = {milliseconds}")
            dbapi_connection.commit()  # psycopg began a transaction: a rollback would undo the SET


def test_a_session_on_a_locked_database_raises_a_database_error_in_words(db):
    _short_lock_wait(db)
    with another_desk_writing(db):
        try:
            residents.add_resident(db, residents.ResidentInput(name="黄丽华"), actor=ADMIN)
        except DatabaseError as exc:
            assert "另一台电脑或程序" in exc.message
        else:
            raise AssertionError("the save did not notice the lock")


def test_a_save_on_a_database_locked_too_long_says_so_and_keeps_the_input(app, db, qtbot, admin, monkeypatch):
    _short_lock_wait(db)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warned.append(text)))
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.name_edit, "黄丽华")
    saved = []
    dialog.saved.connect(saved.append)
    try:
        with another_desk_writing(db):  # holds the write lock longer than the busy timeout
            qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: bool(warned), timeout=10000)
    finally:
        settle(qtbot)
    [message] = warned
    assert "另一台电脑或程序" in message and "Something went wrong" not in message
    assert dialog.isVisible() and dialog.name_edit.text() == "黄丽华" and saved == []
    # The other desk has let go: the same input saves now.
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert len(saved) == 1 and residents.count_residents(db) == 1
