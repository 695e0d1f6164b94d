"""Settings → Database server and the start-up question when the server cannot be used
(issue 17 §5), driven through the widgets."""
from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox, QRadioButton
from sqlalchemy.engine import make_url

from app.db import Database, build_engine
from app.services import access, server
from app.services.access import Actor
from app.services.server import ServerSettings
from app.views import gui
from app.views.main_window import MainWindow
from app.views.settings import server_dialog
from app.views.settings.centre_dialog import CentreDialog
from app.views.settings.server_dialog import ServerDialog, UnreachableDialog
from tests.services import test_server
from tests.services.test_server import NOWHERE
from tests.views.conftest import settle

store = test_server.store  # the in-memory credential store, as a fixture here too


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox.question answered Yes (or what the test puts first in `replies`); the texts asked."""
    asked, replies = [], []

    def question(parent, title, text, *a):
        asked.append(text)
        return replies.pop(0) if replies else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked, replies


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    return shown


def click(qtbot, widget) -> None:
    # A radio button toggles only on its circle or text: its middle may be empty space in a wide row.
    if isinstance(widget, QRadioButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def fill(qtbot, dialog: ServerDialog, host: str, database: str = "desk", user: str = "desk",
         password: str = "") -> None:
    click(qtbot, dialog.server_radio)
    for edit, value in ((dialog.host_edit, host), (dialog.database_edit, database),
                        (dialog.user_edit, user), (dialog.password_edit, password)):
        edit.clear()
        qtbot.keyClicks(edit, value)


def make_dialog(qtbot, parent=None) -> ServerDialog:
    dialog = ServerDialog(parent)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_connection_test_runs_on_the_worker_and_says_the_server_is_unreachable(app, qtbot, store, english):
    dialog = make_dialog(qtbot)
    assert dialog.local_radio.isChecked() and not dialog.host_edit.isEnabled()  # no server yet
    fill(qtbot, dialog, NOWHERE, password="secret")
    click(qtbot, dialog.test_button)
    assert not dialog.test_button.isEnabled() or "Connecting" in dialog.result_label.text()
    settle(qtbot)
    assert "cannot be reached" in dialog.result_label.text()
    assert dialog.result_label.property("role") == "error" and dialog.test_button.isEnabled()
    qtbot.keyClicks(dialog.host_edit, "x")  # the result no longer applies to what is typed
    assert dialog.result_label.isHidden()


def test_an_empty_server_name_is_marked_instead_of_tested(app, qtbot, store, english):
    dialog = make_dialog(qtbot)
    fill(qtbot, dialog, "")
    click(qtbot, dialog.test_button)
    assert "server's name or address" in dialog.errors.fields["host"][1].text()


def test_the_test_cluster_connects_and_says_the_database_is_up_to_date(app, qtbot, store, english, postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    url = make_url(postgres.new(empty=False))
    dialog = make_dialog(qtbot)
    fill(qtbot, dialog, url.query["host"], url.database, url.username)
    click(qtbot, dialog.test_button)
    settle(qtbot)
    assert "Connected to" in dialog.result_label.text() and "up to date" in dialog.result_label.text()
    assert dialog.result_label.property("role") == "hint"


def test_saving_keeps_the_address_in_the_file_and_the_password_in_the_store(app, qtbot, store, answers):
    dialog = make_dialog(qtbot)
    fill(qtbot, dialog, NOWHERE, password="Lianban-2026")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)  # the server is not there: saved anyway (Yes)
    assert dialog.result() == ServerDialog.DialogCode.Accepted and dialog.changed
    assert server.load_settings() == ServerSettings(NOWHERE, 5432, "desk", "desk")
    assert server.password_for(server.load_settings()) == "Lianban-2026"
    assert b"Lianban-2026" not in server.settings_path().read_bytes()

    again = make_dialog(qtbot)  # opened again: the server chosen, the password not shown
    assert again.server_radio.isChecked() and again.host_edit.text() == NOWHERE
    assert again.password_edit.text() == "" and again.password_edit.placeholderText() == "不变（已保存在本机凭据存储中）"
    click(qtbot, again.local_radio)
    click(qtbot, again.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert server.load_settings() is None and store.entries == {}


def test_no_credential_store_keeps_the_dialog_open_with_what_was_typed(app, qtbot, warnings, answers, english):
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        dialog = make_dialog(qtbot)
        fill(qtbot, dialog, NOWHERE, password="Lianban-2026")
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
        settle(qtbot)
    finally:
        keyring.set_keyring(before)
    assert "could not be kept" in warnings[0]
    assert dialog.isVisible() and dialog.host_edit.text() == NOWHERE
    assert server.load_settings() is None


def test_the_settings_menu_offers_it_to_administrators_and_a_change_asks_to_restart(
        app, db, ui_settings, qtbot, store, monkeypatch, english):
    def entry(window):
        settings_menu = window.menuBar().actions()[1].menu()
        return next(a for a in settings_menu.actions() if a.text() == "Database server…")

    desk = MainWindow(db, ui_settings, actor=Actor("linyan", access.DESK))
    qtbot.addWidget(desk)
    assert not entry(desk).isEnabled()
    window = MainWindow(db, ui_settings, actor=Actor("王主任", access.ADMINISTRATOR))
    qtbot.addWidget(window)
    assert entry(window).isEnabled()

    def choose_server(self):
        self.show()
        fill(qtbot, self, NOWHERE)
        click(qtbot, self.buttons.button(QDialogButtonBox.StandardButton.Save))
        settle(qtbot)
        return self.result()

    asked, restarted = [], []
    monkeypatch.setattr(ServerDialog, "exec", choose_server)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(server_dialog, "restart_program", restarted.append)
    entry(window).trigger()
    assert "Save these settings anyway?" in asked[0]  # the server is not there
    assert "centre's database server" in asked[1] and "Restart the program now?" in asked[1]
    assert restarted == [window]


def test_the_status_bar_names_the_server(app, db, ui_settings, qtbot, admin):
    window = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(window)
    if db.engine.url.get_backend_name() == "postgresql":
        assert window.db_label.text().startswith("数据库") and "postgres" in window.db_label.text()
        assert "postgresql+psycopg" not in window.db_label.text()
    else:
        assert str(db.path) in window.db_label.text()


# -- start-up --------------------------------------------------------------------------------------

def test_an_unreachable_server_at_start_asks_and_never_falls_back_to_a_local_database(
        app, qtbot, store, monkeypatch, english):
    server.configure(ServerSettings(NOWHERE, 5432, "desk", "desk"), "secret")
    shown, answers = [], ["retry", "quit"]

    def answer(self):
        shown.append((self.text(), self.informativeText()))
        button = {"retry": self.retry_button, "settings": self.settings_button, "quit": self.quit_button}
        button[answers.pop(0)].click()
        return 0

    monkeypatch.setattr(UnreachableDialog, "exec", answer)
    assert gui.open_start_database(None) is None  # retried once, then quit
    assert len(shown) == 2
    assert NOWHERE in shown[0][0] and "cannot be reached" in shown[0][1]
    assert "does not switch to a database of its own" in shown[0][1]
    from app.paths import default_database_path

    assert not default_database_path().exists()  # no local database was made meanwhile


def test_server_settings_at_start_can_switch_back_to_this_computers_database(
        app, qtbot, store, monkeypatch):
    server.configure(ServerSettings(NOWHERE, 5432, "desk", "desk"), "secret")

    def answer(self):
        self.settings_button.click()
        return 0

    def choose_local(self):
        self.show()
        click(qtbot, self.local_radio)
        click(qtbot, self.buttons.button(QDialogButtonBox.StandardButton.Save))
        settle(qtbot)
        return self.result()

    monkeypatch.setattr(UnreachableDialog, "exec", answer)
    monkeypatch.setattr(ServerDialog, "exec", choose_local)
    db = gui.open_start_database(None)
    try:
        assert db is not None and db.engine.url.get_backend_name() == "sqlite"
    finally:
        db.dispose()


# -- a save while the server is gone ---------------------------------------------------------------

def test_a_save_while_the_server_is_gone_says_so_and_keeps_what_was_typed(
        app, db, qtbot, warnings, admin, english):
    dialog = CentreDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.db = Database(build_engine(server.url_for(ServerSettings(NOWHERE, 5432, "desk", "desk"))))
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Lianban centre")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert warnings and warnings[0].startswith("The centre's database server cannot be reached")
    assert dialog.isVisible() and dialog.name_edit.text() == "Lianban centre"
    dialog.db.dispose()


# -- what the password field says, Save's test and the copy onto an empty server -----------------

def test_without_a_credential_store_the_dialog_never_claims_a_password_is_kept(app, qtbot, answers, english):
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        server.configure(ServerSettings(NOWHERE, 5432, "desk", "desk"))  # saved without a password
        dialog = make_dialog(qtbot)
    finally:
        keyring.set_keyring(before)
    assert dialog.password_edit.placeholderText() == "none: this computer has no credential store"
    hints = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("no credential store the program can use" in text for text in hints)
    assert not any("is kept in this computer's credential store" in text for text in hints)


def test_a_server_saved_without_a_password_says_none_is_stored(app, qtbot, store, english):
    server.configure(ServerSettings(NOWHERE, 5432, "desk", "desk"))
    dialog = make_dialog(qtbot)
    assert dialog.password_edit.placeholderText() == "none stored: the desk connects without a password"


def test_save_tests_the_server_and_a_failure_asks_before_saving(app, qtbot, store, answers, english):
    asked, replies = answers
    replies.append(QMessageBox.StandardButton.No)
    dialog = make_dialog(qtbot)
    fill(qtbot, dialog, NOWHERE, password="secret")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert "cannot be reached" in asked[0] and "Save these settings anyway?" in asked[0]
    assert dialog.isVisible() and server.load_settings() is None and store.entries == {}
    assert "cannot be reached" in dialog.result_label.text() and dialog.result_label.property("role") == "error"
    assert dialog.buttons.isEnabled()


def _centre(db, admin) -> None:
    from app.services import residents

    for name in ("陈一", "林二"):
        residents.add_resident(db, residents.ResidentInput(name=name, estate="宝源花园"), actor=admin)


def _resident_names(url: str) -> list[str]:
    from sqlalchemy import select

    from app.db import open_database
    from app.models import Resident

    target = open_database(url, remember=False)
    try:
        with target.session() as s:
            return sorted(s.scalars(select(Resident.name)))
    finally:
        target.dispose()


@pytest.fixture
def desk_file(blank_database, tmp_path, admin):
    """This computer's SQLite database with two residents: what is moved onto the server."""
    import shutil

    from app.db import open_database, sqlite_url

    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path), remember=False)
    _centre(db, admin)
    yield db
    db.dispose()


def test_an_empty_server_database_is_offered_this_desks_data_before_saving(
        app, desk_file, qtbot, store, answers, admin, monkeypatch, english, postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    db = desk_file
    url = make_url(postgres.new())
    shown = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    dialog = ServerDialog(None, db, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.copy_progress.isTextVisible() and dialog.copy_progress.format() == "Copying… %p%"
    fill(qtbot, dialog, url.query["host"], url.database, url.username)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    asked = answers[0]
    assert asked[0].startswith("The server's database is empty. Copy this computer's data to it now?")
    assert db.label in asked[0]
    assert "the checksums of every table agree" in shown[0]
    assert dialog.result() == ServerDialog.DialogCode.Accepted
    assert server.load_settings() == ServerSettings(url.query["host"], 5432, url.database, url.username)
    target = url.render_as_string(hide_password=False)
    assert _resident_names(target) == ["林二", "陈一"]
    assert server.check_connection(server.load_settings()).empty is False  # a second Save offers nothing


def test_no_copy_saves_and_leaves_the_empty_server_alone(app, db, qtbot, store, answers, admin, english, postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    _centre(db, admin)
    url = make_url(postgres.new())
    answers[1].append(QMessageBox.StandardButton.No)
    dialog = ServerDialog(None, db, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, url.query["host"], url.database, url.username)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert "Copy this computer's data" in answers[0][0]
    assert dialog.result() == ServerDialog.DialogCode.Accepted and server.load_settings() is not None
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as con:
        assert inspect(con).get_table_names() == []
    engine.dispose()
