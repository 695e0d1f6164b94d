import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QInputDialog

from app.services import accounts, residents
from app.services.access import DESK, VIEWER, Actor
from app.services.residents import ResidentInput
from app.views import gui
from app.views.accounts.audit_viewer import AuditViewer
from app.views.accounts.login_dialog import FirstAdministratorDialog, LoginDialog
from app.views.accounts.staff_dialog import NewStaffDialog, StaffDialog
from app.views.main_window import MainWindow
from tests.views.conftest import settle


def test_first_start_creates_the_administrator_with_no_default_password(app, db, qtbot):
    assert accounts.needs_first_administrator(db)
    dialog = FirstAdministratorDialog(db)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username_edit, "wangfang")
    qtbot.keyClicks(dialog.password_edit, "short")
    qtbot.keyClicks(dialog.repeat_edit, "short")
    dialog.accept()
    settle(qtbot)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "8" in dialog.errors.fields["password"][1].text()
    dialog.password_edit.setText("lianban-2026")
    dialog.repeat_edit.setText("lianban-2027")
    dialog.accept()
    assert dialog.errors.fields["repeat"][1].text() == "两次输入的密码不一致。"
    dialog.repeat_edit.setText("lianban-2026")
    dialog.accept()
    settle(qtbot)
    assert dialog.actor.name == "wangfang" and dialog.actor.role == "administrator"
    assert not accounts.needs_first_administrator(db)


def test_sign_in_dialog_refuses_a_wrong_password_in_words(app, db, qtbot, admin):
    accounts.add_staff(db, "linyan", "林燕", DESK, "desk-pass-1", actor=admin)
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username_edit, "linyan")
    qtbot.keyClicks(dialog.password_edit, "wrong-pass")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is None and dialog.error.text() and dialog.password_edit.text() == ""
    qtbot.keyClicks(dialog.password_edit, "desk-pass-1")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor == Actor("linyan", DESK)


def test_run_gui_asks_for_the_administrator_and_quits_quietly_on_cancel(app, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(FirstAdministratorDialog, "exec", lambda self: seen.append("first") or 0)
    from app.db import sqlite_url

    assert gui.run_gui(sqlite_url(tmp_path / "new.sqlite3"), "zh_CN", tmp_path / "ui.ini") == 0
    assert seen == ["first"]


@pytest.fixture
def desk_file(tmp_path, monkeypatch):
    """This computer's database file with the administrator set up; run_gui's window not run."""
    import sys

    from PySide6.QtWidgets import QApplication

    from app.db import open_database, sqlite_url

    path = tmp_path / "desk.sqlite3"
    db = open_database(sqlite_url(path))
    accounts.create_first_administrator(db, "wangfang", "王芳", "lianban-2026")
    db.dispose()
    monkeypatch.setattr(QApplication, "exec", lambda *args: 0)  # the window closed at once
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui sets its own
    monkeypatch.setattr(gui, "_backup_on_close", lambda db: None)
    return sqlite_url(path)


def test_once_signed_in_to_a_file_the_next_start_shows_the_dialog_before_opening_it(app, tmp_path, desk_file,
                                                                                   monkeypatch):
    seen = []

    def sign_in(self):
        seen.append(self.db is None)
        self.username_edit.setText("wangfang")
        self.password_edit.setText("lianban-2026")
        self.accept()  # OK at once: before the file has opened, it opens first
        return self.result()

    monkeypatch.setattr(LoginDialog, "exec", sign_in)
    ini = tmp_path / "ui.ini"
    assert gui.run_gui(desk_file, "zh_CN", ini) == 0
    assert gui.run_gui(desk_file, "zh_CN", ini) == 0
    assert seen == [False, True]  # the first start opened the file first; the second, the dialog first


def test_a_file_that_cannot_be_opened_after_the_dialog_showed_is_explained_and_exit_2(app, tmp_path, desk_file,
                                                                                       monkeypatch):
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from app.views.ui_settings import open_ui_settings

    open_ui_settings(tmp_path / "ui.ini").setValue(gui.SIGNED_IN_TO, desk_file)
    con = sqlite3.connect(desk_file.removeprefix("sqlite:///"))
    con.execute("UPDATE alembic_version SET version_num='9999'")  # written by a newer version since
    con.commit()
    con.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text)))
    monkeypatch.setattr(LoginDialog, "exec", lambda self: self.accept() or self.result())
    assert gui.run_gui(desk_file, "zh_CN", tmp_path / "ui.ini") == 2
    assert "更新版本" in shown[0]


def test_a_file_emptied_since_asks_for_the_administrator_after_the_dialog_showed(app, tmp_path, desk_file,
                                                                                  monkeypatch):
    from app.db import sqlite_url
    from app.views.ui_settings import open_ui_settings

    new_file = sqlite_url(tmp_path / "new.sqlite3")  # signed in to before, gone since: made anew
    open_ui_settings(tmp_path / "ui.ini").setValue(gui.SIGNED_IN_TO, new_file)
    seen = []
    monkeypatch.setattr(LoginDialog, "exec", lambda self: seen.append("login") or self.accept() or self.result())
    monkeypatch.setattr(FirstAdministratorDialog, "exec", lambda self: seen.append("first") or 0)
    assert gui.run_gui(new_file, "zh_CN", tmp_path / "ui.ini") == 0
    assert seen == ["login", "first"]


def test_lock_screen_cannot_be_dismissed_and_switches_user(window, db, qtbot, admin, monkeypatch):
    accounts.add_staff(db, "linyan", "林燕", VIEWER, "viewer-pass", actor=admin)
    assert window.tab_of("residents").add_button.isEnabled()

    def sign_in_as_viewer(self):
        assert self.username_edit.text() == admin.name  # the lock screen offers the same person
        self.username_edit.setText("linyan")
        self.password_edit.setText("viewer-pass")
        self.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LoginDialog, "exec", sign_in_as_viewer)
    window.lock()
    assert window.actor == Actor("linyan", VIEWER)
    assert window.user_label.text() == "当前用户：林燕（只读用户）"
    tab = window.tab_of("residents")
    assert not tab.add_button.isEnabled() and not tab.import_button.isEnabled()
    assert not tab.deactivate_button.isEnabled()
    settings_menu = window.menuBar().actions()[1].menu()
    assert not [a for a in settings_menu.actions() if a.text() == "员工账号…"][0].isEnabled()


def test_idle_time_locks_the_window(window, qtbot, monkeypatch):
    locked = []
    monkeypatch.setattr(MainWindow, "lock", lambda self: locked.append(True))
    window.idle_timer.timeout.disconnect()
    window.idle_timer.timeout.connect(window.lock)
    window.set_idle_minutes(0)
    assert not window.idle_timer.isActive()
    window.idle_timer.setInterval(50)
    window.idle_timer.start()
    qtbot.waitUntil(lambda: locked == [True], timeout=3000)


def test_administrator_adds_staff_and_resets_a_password(app, db, qtbot, admin, monkeypatch):
    dialog = StaffDialog(db, admin)
    qtbot.addWidget(dialog)

    def fill(self):
        qtbot.keyClicks(self.username_edit, "chenwei")
        self.role_combo.setCurrentIndex(self.role_combo.findData("grid_worker"))
        qtbot.keyClicks(self.password_edit, "grid-pass-1")
        self.accept()
        settle(qtbot)
        return self.result()

    monkeypatch.setattr(NewStaffDialog, "exec", fill)
    dialog.add()
    usernames = [s.username for s in dialog.items()]
    assert "chenwei" in usernames
    row = usernames.index("chenwei")
    assert dialog.model.index(row, 2).data() == "网格员"
    dialog.view.setCurrentIndex(dialog.model.index(row, 0))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("new-pass-22", True)))
    dialog.reset_password()
    settle(qtbot)
    assert accounts.login(db, "chenwei", "new-pass-22").role == "grid_worker"


def test_audit_viewer_shows_who_changed_what(app, db, qtbot, admin):
    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13812345678"), actor=admin)
    residents.update_resident(db, rid, ResidentInput(name="蔡良剑", phone="13900001111"), actor=admin)
    viewer = AuditViewer(db, admin)
    qtbot.addWidget(viewer)
    model = viewer.model
    texts = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    change = next(t for t in texts if t[2] == "修改")
    assert change[1].startswith("王主任") and change[3] == f"居民 #{rid}"
    assert "138****5678 → 139****1111" in change[5]
    assert viewer.count_label.text() == f"显示 {len(texts)} 条记录（最新的在前）。"


def test_a_lock_screen_stays_until_someone_signs_in(app, db, qtbot, admin):
    dialog = LoginDialog(db, locked_by=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel) is None


def test_an_open_window_follows_a_deactivation_or_a_new_role(app, db, ui_settings, qtbot, admin, monkeypatch):
    accounts.add_staff(db, "linyan", "林燕", DESK, "desk-pass-1", actor=admin)
    staff_id = next(s.id for s in accounts.list_staff(db, actor=admin) if s.username == "linyan")
    desk_person = accounts.login(db, "linyan", "desk-pass-1")
    win = MainWindow(db, ui_settings, actor=desk_person)
    qtbot.addWidget(win)
    assert win.account_timer.isActive()
    win.check_account()  # nothing changed: nothing happens
    assert win.actor == desk_person
    # At another desk, the administrator makes 林燕 a viewer …
    accounts.set_staff_role(db, staff_id, VIEWER, actor=admin)
    win.check_account()
    assert win.actor == Actor("linyan", VIEWER) and not win.tab_of("residents").add_button.isEnabled()
    # … then deactivates the account: the window locks.
    locked = []
    monkeypatch.setattr(MainWindow, "lock", lambda self: locked.append(True))
    accounts.set_staff_active(db, staff_id, False, actor=admin)
    win.check_account()
    assert locked == [True]


def test_actors_without_an_account_are_left_alone(window, admin):
    window.check_account()  # the test administrator (like the command line's user) has no staff row
    assert window.actor == admin


def test_changing_my_password_saves_on_the_worker_and_says_so(app, db, ui_settings, qtbot, admin, monkeypatch):
    accounts.add_staff(db, "linyan", "林燕", DESK, "desk-pass-1", actor=admin)
    desk_person = accounts.login(db, "linyan", "desk-pass-1")
    win = MainWindow(db, ui_settings, actor=desk_person)
    qtbot.addWidget(win)
    answers = iter([("desk-pass-1", True), ("new-desk-pass", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: next(answers))
    win.change_password()
    settle(qtbot)
    assert win.statusBar().currentMessage() == "您的密码已修改。"
    assert accounts.login(db, "linyan", "new-desk-pass") == desk_person


def _visible_texts(widget) -> str:
    from PySide6.QtWidgets import QLabel, QLineEdit

    return " ".join(w.text() for w in widget.findChildren(QLabel) + widget.findChildren(QLineEdit)
                    if w.isVisible() and w.window() is widget)  # the window's own, not its dialogs'


def test_a_locked_desk_shows_no_personal_data_and_gives_it_back(window, db, registry, qtbot, admin, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.views.accounts.lock_screen import LockCover, LockedPanel
    from app.views.residents.dialog import ResidentDialog

    tab = window.tab_of("residents")
    window.tabs.setCurrentWidget(tab)  # the window opens on the overview
    tab.search.box.setText("蔡良剑")
    qtbot.waitUntil(lambda: "蔡良剑" in tab.detail.text())  # the detail pane shows the resident
    assert "蔡良剑" in _visible_texts(window)
    record = ResidentDialog(db, registry["蔡良剑"], window, actor=admin)
    qtbot.addWidget(record)
    record.show()
    record.phone_edit.setText("1391234")  # half typed when the desk locks
    seen = {}

    def while_locked(self):
        seen["tabs visible"] = window.tabs.isVisible() or tab.detail.isVisible()
        seen["panel"] = isinstance(window.centralWidget(), LockedPanel)
        seen["window texts"] = _visible_texts(window)
        cover = record.findChild(LockCover)
        seen["record open"] = record.isVisible()
        # The cover is on top and opaque: the record looks exactly like the bare cover.
        seen["record covered"] = cover is not None and record.grab().toImage() == cover.grab().toImage()
        window.grab().save("/tmp/g-locked-window.png")
        record.grab().save("/tmp/g-locked-record.png")
        self.actor = admin  # the same person signs in again
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LoginDialog, "exec", while_locked)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("nobody is asked anything"))
    window.lock()
    assert seen["panel"] and not seen["tabs visible"]
    for secret in ("蔡良剑", "宝源花园", "13812345678", "1391234"):
        assert secret not in seen["window texts"]
    assert seen["record open"] and seen["record covered"]
    # Signed in again: everything as it was, the half-typed phone included.
    assert window.centralWidget() is window.tabs and tab.detail.isVisible() and "蔡良剑" in tab.detail.text()
    assert record.isVisible() and record.findChild(LockCover) is None and record.phone_edit.text() == "1391234"


def test_when_someone_else_signs_in_the_previous_persons_forms_close_unasked(window, db, registry, qtbot,
                                                                             admin, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.views.residents.dialog import ResidentDialog

    accounts.add_staff(db, "linyan", "林燕", DESK, "desk-pass-1", actor=admin)
    record = ResidentDialog(db, registry["蔡良剑"], window, actor=admin)
    qtbot.addWidget(record)
    record.show()
    record.phone_edit.setText("1391234")

    def someone_else(self):
        self.actor = accounts.login(db, "linyan", "desk-pass-1")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LoginDialog, "exec", someone_else)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("nobody is asked anything"))
    window.lock()
    assert not record.isVisible() and record.result() == QDialog.DialogCode.Rejected
    assert window.actor.name == "linyan"
    qtbot.waitUntil(window.tabs.isVisible)  # the rebuilt tabs
    assert window.user_label.text() == "当前用户：林燕（前台）"


def test_the_idle_lock_hides_the_data_too(window, qtbot, admin, monkeypatch):
    seen = []

    def while_locked(self):
        seen.append(window.tabs.isVisible())
        self.actor = admin
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LoginDialog, "exec", while_locked)
    window.idle_timer.setInterval(50)
    window.idle_timer.start()
    qtbot.waitUntil(lambda: seen == [False], timeout=3000)
    assert window.tabs.isVisible()


def test_the_status_bar_names_the_person_not_the_account(app, db, ui_settings, qtbot, admin):
    accounts.add_staff(db, "linyan", "林燕", DESK, "desk-pass-1", actor=admin)
    win = MainWindow(db, ui_settings, actor=accounts.login(db, "linyan", "desk-pass-1"))
    qtbot.addWidget(win)
    assert win.user_label.text() == "当前用户：林燕（前台）"
    win = MainWindow(db, ui_settings, actor=admin)  # no staff row (like the command line's user)
    qtbot.addWidget(win)
    assert win.user_label.text() == "当前用户：王主任（管理员）"


def test_switch_user_is_titled_like_its_menu_entry(window, monkeypatch):
    titles = []
    monkeypatch.setattr(LoginDialog, "exec", lambda self: titles.append(self.windowTitle()) or 0)
    file_menu = window.menuBar().actions()[0].menu()
    entry = next(a for a in file_menu.actions() if a.text() == "切换用户…")
    entry.trigger()
    assert titles == ["切换用户"]
