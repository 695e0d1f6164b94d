import datetime as dt

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from app.services import audit, backup, residents
from app.views.accounts import data_care
from app.views.accounts.data_care import PassphraseDialog
from app.views.residents.dialog import ResidentDialog
from tests.views.conftest import settle


def test_backup_to_a_usb_folder_asks_for_a_passphrase_after_the_warning(window, qtbot, tmp_path, monkeypatch):
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    seen = {}

    def choose(self):
        seen["warning"] = self.findChildren(data_care.QLabel)[0].text()
        self.first.setText("short")
        self.second.setText("short")
        self.accept()
        seen["short"] = self.error.text()
        self.first.setText("lianban village 2026")
        self.second.setText("lianban village 2026")
        self.accept()
        return self.result()

    monkeypatch.setattr(PassphraseDialog, "exec", choose)
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda p, t, text: told.append(text)))
    window.back_up()
    qtbot.waitUntil(lambda: bool(told), timeout=20000)  # the backup runs on the worker
    assert seen["warning"] == backup.passphrase_warning() and seen["short"]
    [made] = list(usb.iterdir())
    assert backup.is_encrypted(made) and str(made) in told[0]


def test_restore_from_the_window_brings_the_data_back(window, db, registry, qtbot, tmp_path, monkeypatch, admin):
    (tmp_path / "usb").mkdir()
    kept = backup.backup_now(db, folder=tmp_path / "usb", passphrase="lianban village 2026")
    residents.deactivate_resident(db, registry["蔡良剑"], "已迁出", actor=admin)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(kept.path), "")))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("lianban village 2026", True)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda p, t, text: told.append(text)))
    window.restore()
    settle(qtbot)  # a server's restore runs on the worker
    assert "已从备份恢复" in told[0]
    assert residents.get_resident(window.db, registry["蔡良剑"]).active
    assert window.tab_of("residents").db is window.db
    [entry] = audit.query(window.db, action="restore", actor=admin)
    assert entry.actor_name == admin.name and str(kept.path) in entry.summary


def test_a_wrong_passphrase_leaves_the_data_as_it_was(window, db, registry, qtbot, tmp_path, monkeypatch, admin):
    (tmp_path / "usb").mkdir()
    kept = backup.backup_now(db, folder=tmp_path / "usb", passphrase="lianban village 2026")
    residents.deactivate_resident(db, registry["蔡良剑"], "已迁出", actor=admin)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(kept.path), "")))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("not the passphrase", True)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda p, t, text: warned.append(text)))
    window.restore()
    settle(qtbot)
    assert warned and not residents.get_resident(window.db, registry["蔡良剑"]).active


def test_purge_shows_the_counts_before_it_runs(window, db, registry, qtbot, monkeypatch, admin):
    residents.deactivate_resident(db, registry["陈良"], "已迁出", on=dt.date(2015, 1, 1), actor=admin)
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (5, True)))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda p, t, text: asked.append(text) or QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: None))
    window.purge()
    settle(qtbot)  # the purge runs on the worker
    assert "1 名居民" in asked[0]
    assert registry["陈良"] not in residents.search_ids(db, "", include_inactive=True)


def test_a_change_made_in_the_window_is_in_the_audit_trail_with_its_author(app, db, registry, qtbot, admin):
    dialog = ResidentDialog(db, registry["陈安"], actor=admin)
    qtbot.addWidget(dialog)
    dialog.phone_edit.clear()
    qtbot.keyClicks(dialog.phone_edit, "13922223333")
    dialog.save()
    settle(qtbot)  # the save runs on the worker
    [entry] = audit.query(db, entity="resident", entity_id=registry["陈安"], action="update", actor=admin)
    assert entry.actor_name == admin.name
    assert entry.changes["phone"] == ["139****1111", "139****3333"]


def test_only_administrators_copy_the_database_out_and_it_is_recorded(db, tmp_path, admin):
    from app.services.access import PermissionDenied, VIEWER, Actor

    usb = tmp_path / "usb"
    usb.mkdir()
    try:
        backup.backup_now(db, folder=usb, passphrase="lianban village 2026", actor=Actor("小林", VIEWER))
    except PermissionDenied as exc:
        assert "管理员" in exc.message
    else:
        raise AssertionError("a viewer copied the database out")
    assert not list(usb.iterdir())
    backup.backup_now(db, folder=usb, passphrase="lianban village 2026", actor=admin)
    [entry] = audit.query(db, action="backup", actor=admin)
    assert entry.actor_name == admin.name


def test_signing_in_as_someone_else_closes_the_dialogs_left_open(window, db, qtbot, admin, monkeypatch):
    from app.services import accounts
    from app.services.access import VIEWER
    from app.views.accounts.login_dialog import LoginDialog
    from app.views.accounts.staff_dialog import StaffDialog

    accounts.add_staff(db, "linyan", "林燕", VIEWER, "viewer-pass", actor=admin)
    staff = StaffDialog(db, admin, window)
    staff.show()

    def viewer_signs_in(self):
        self.username_edit.setText("linyan")
        self.password_edit.setText("viewer-pass")
        self.accept()
        return 1

    monkeypatch.setattr(LoginDialog, "exec", viewer_signs_in)
    window.lock()
    assert not staff.isVisible()
