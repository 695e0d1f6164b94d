"""Settings → Staff accounts (administrators): add staff, reset passwords,
change roles, deactivate accounts."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QInputDialog, QLineEdit, QMessageBox

from app.db import Database
from app.i18n import _, format_datetime
from app.services import access, accounts
from app.services.access import ROLES, Actor
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


def _status(s: accounts.StaffInfo) -> str:
    if not s.active:
        return _("Deactivated")
    return _("Waiting after wrong passwords") if s.locked_until is not None else _("Active")


def _name(s: accounts.StaffInfo) -> str:
    return s.display_name or s.username


class NewStaffDialog(FormDialog):
    def __init__(self, db: Database, actor: Actor, parent=None):
        username, name, password, role = QLineEdit(), QLineEdit(), QLineEdit(), QComboBox()
        for code, label in ROLES.items():
            role.addItem(_(label), code)
        role.setCurrentIndex(role.findData("desk"))
        password.setEchoMode(QLineEdit.EchoMode.Password)
        super().__init__(_("New staff account"), [(_("User name"), "username", username),
                                                  (_("Full name"), "display_name", name),
                                                  (_("Role"), "role", role), (_("Password"), "password", password)],
                         parent)
        self.db, self.actor = db, actor
        self.username_edit, self.name_edit, self.password_edit, self.role_combo = username, name, password, role

    def prepare(self):
        db, actor = self.db, self.actor
        username, name, role, password = (self.username_edit.text(), self.name_edit.text(),
                                          self.role_combo.currentData(), self.password_edit.text())
        return lambda: accounts.add_staff(db, username, name, role, password, actor=actor)


class StaffDialog(ListManagerDialog):
    def __init__(self, db: Database, actor: Actor, parent=None):
        self.db = db
        manage = access.USERS_MANAGE
        super().__init__(
            _("Staff accounts"),
            [Column(_("User name"), lambda s: s.username), Column(_("Full name"), lambda s: s.display_name),
             Column(_("Role"), lambda s: s.role_label), Column(_("Status"), _status),
             Column(_("Last sign-in"), lambda s: format_datetime(s.last_login_at) if s.last_login_at else "")],
            lambda: accounts.list_staff(db, actor=actor), key=lambda s: s.id, parent=parent, actor=actor,
            size=(760, 440), actions=[
                Action(_("Add…"), self.add, permission=manage),
                Action(_("Reset password…"), self.reset_password, selected=True, permission=manage),
                Action(_("Change role…"), self.change_role, selected=True, default=True, permission=manage),
                Action(_("Deactivate / reactivate"), self.toggle, selected=True, permission=manage),
            ])

    def add(self) -> None:
        self.edit_with(NewStaffDialog(self.db, self.actor, self), select=lambda new_id: new_id)

    def reset_password(self) -> None:
        staff = self.current()
        if staff is None:
            return
        password, ok = QInputDialog.getText(
            self, _("Reset password"), _("New password for {name} (at least 8 characters):")
            .format(name=_name(staff)), QLineEdit.EchoMode.Password)
        if ok:
            db, actor = self.db, self.actor
            self.write(lambda: accounts.reset_password(db, staff.id, password, actor=actor))

    def change_role(self) -> None:
        staff = self.current()
        if staff is None:
            return
        labels = [_(label) for label in ROLES.values()]
        chosen, ok = QInputDialog.getItem(self, _("Change role"), _("Role of {name}:").format(name=_name(staff)),
                                          labels, list(ROLES).index(staff.role), False)
        if ok:
            code = list(ROLES)[labels.index(chosen)]
            db, actor = self.db, self.actor
            self.write(lambda: accounts.set_staff_role(db, staff.id, code, actor=actor))

    def toggle(self) -> None:
        staff = self.current()
        if staff is None:
            return
        if staff.active and QMessageBox.question(
                self, _("Deactivate account"), _("{name} will no longer be able to sign in. Continue?")
                .format(name=_name(staff))) != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.db, self.actor
        self.write(lambda: accounts.set_staff_active(db, staff.id, not staff.active, actor=actor))


def edit_staff(window) -> None:
    """Settings → Staff accounts…"""
    StaffDialog(window.db, window.actor, window).exec()
