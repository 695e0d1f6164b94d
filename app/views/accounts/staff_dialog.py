"""Settings → Staff accounts (administrators): add staff, reset passwords,
change roles, deactivate accounts."""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout,
                               QInputDialog, QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout)

from app.db import Database
from app.errors import DeskError
from app.i18n import N_, _, format_datetime
from app.services import accounts
from app.services.access import ROLES, Actor
from app.views.shared.forms import FormDialog, show_error
from app.views.shared.list_model import ListModel

COLUMNS = [N_("User name"), N_("Full name"), N_("Role"), N_("Status"), N_("Last sign-in")]


def _staff_row(s: accounts.StaffInfo) -> list[str]:
    status = _("Active") if s.active else _("Deactivated")
    if s.active and s.locked_until is not None:
        status = _("Waiting after wrong passwords")
    return [s.username, s.display_name, s.role_label, status,
            format_datetime(s.last_login_at) if s.last_login_at else ""]


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

    def save(self) -> None:
        accounts.add_staff(self.db, self.actor, self.username_edit.text(), self.name_edit.text(),
                           self.role_combo.currentData(), self.password_edit.text())


class StaffDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle(_("Staff accounts"))
        self.resize(720, 420)
        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        add = QPushButton(_("Add…"))
        add.clicked.connect(self.add)
        reset = QPushButton(_("Reset password…"))
        reset.clicked.connect(self.reset_password)
        role = QPushButton(_("Change role…"))
        role.clicked.connect(self.change_role)
        self.toggle_button = QPushButton(_("Deactivate / reactivate"))
        self.toggle_button.clicked.connect(self.toggle)
        bar = QHBoxLayout()
        for b in (add, reset, role, self.toggle_button):
            bar.addWidget(b)
        bar.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.staff = accounts.list_staff(self.db, self.actor)
        self.model = ListModel([_(c) for c in COLUMNS], [_staff_row(s) for s in self.staff], self)
        self.table.setModel(self.model)
        self.table.resizeColumnsToContents()

    def _current(self) -> accounts.StaffInfo | None:
        index = self.table.currentIndex()
        return self.staff[index.row()] if index.isValid() else None

    def _run(self, fn) -> None:
        try:
            fn()
        except DeskError as exc:
            show_error(self, exc)
        self.reload()

    def add(self) -> None:
        if NewStaffDialog(self.db, self.actor, self).exec():
            self.reload()

    def reset_password(self) -> None:
        staff = self._current()
        if staff is None:
            return
        password, ok = QInputDialog.getText(
            self, _("Reset password"), _("New password for {name} (at least 8 characters):")
            .format(name=staff.display_name or staff.username), QLineEdit.EchoMode.Password)
        if ok:
            self._run(lambda: accounts.reset_password(self.db, self.actor, staff.id, password))

    def change_role(self) -> None:
        staff = self._current()
        if staff is None:
            return
        labels = [_(label) for label in ROLES.values()]
        chosen, ok = QInputDialog.getItem(self, _("Change role"), _("Role of {name}:").format(
            name=staff.display_name or staff.username), labels, list(ROLES).index(staff.role), False)
        if ok:
            code = list(ROLES)[labels.index(chosen)]
            self._run(lambda: accounts.set_staff_role(self.db, self.actor, staff.id, code))

    def toggle(self) -> None:
        staff = self._current()
        if staff is None:
            return
        if staff.active and QMessageBox.question(
                self, _("Deactivate account"), _("{name} will no longer be able to sign in. Continue?")
                .format(name=staff.display_name or staff.username)) != QMessageBox.StandardButton.Yes:
            return
        self._run(lambda: accounts.set_staff_active(self.db, self.actor, staff.id, not staff.active))
