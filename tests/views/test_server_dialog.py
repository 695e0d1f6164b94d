"""Settings → Database server and the start-up question when the server cannot be used
(issue 17 §5), driven through the widgets."""
from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QRadioButton
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


def test_saving_keeps_the_address_in_the_file_and_the_password_in_the_store(app, qtbot, store):
    dialog = make_dialog(qtbot)
    fill(qtbot, dialog, "192.168.1.10", password="Lianban-2026")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert dialog.result() == ServerDialog.DialogCode.Accepted and dialog.changed
    assert server.load_settings() == ServerSettings("192.168.1.10", 5432, "desk", "desk")
    assert server.password_for(server.load_settings()) == "Lianban-2026"
    assert b"Lianban-2026" not in server.settings_path().read_bytes()

    again = make_dialog(qtbot)  # opened again: the server chosen, the password not shown
    assert again.server_radio.isChecked() and again.host_edit.text() == "192.168.1.10"
    assert again.password_edit.text() == "" and again.password_edit.placeholderText()
    click(qtbot, again.local_radio)
    click(qtbot, again.buttons.button(QDialogButtonBox.StandardButton.Save))
    settle(qtbot)
    assert server.load_settings() is None and store.entries == {}


def test_no_credential_store_keeps_the_dialog_open_with_what_was_typed(app, qtbot, warnings, english):
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        dialog = make_dialog(qtbot)
        fill(qtbot, dialog, "192.168.1.10", password="Lianban-2026")
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
        settle(qtbot)
    finally:
        keyring.set_keyring(before)
    assert "could not be kept" in warnings[0]
    assert dialog.isVisible() and dialog.host_edit.text() == "192.168.1.10"
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
        fill(qtbot, self, "desk-server")
        click(qtbot, self.buttons.button(QDialogButtonBox.StandardButton.Save))
        settle(qtbot)
        return self.result()

    asked, restarted = [], []
    monkeypatch.setattr(ServerDialog, "exec", choose_server)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(server_dialog, "restart_program", restarted.append)
    entry(window).trigger()
    assert "centre's database server" in asked[0] and "Restart the program now?" in asked[0]
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
