"""Settings → Staff accounts (administrators): add staff, reset passwords,
change roles, deactivate accounts."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QInputDialog, QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout)

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import N_, _, format_datetime
from app.services import accounts
from app.services.access import ROLES, Actor
from app.views.shared.forms import FieldErrors, error_label, show_error

COLUMNS = [N_("User name"), N_("Full name"), N_("Role"), N_("Status"), N_("Last sign-in")]


class StaffModel(QAbstractTableModel):
    def __init__(self, staff: list[accounts.StaffInfo], parent=None):
        super().__init__(parent)
        self.staff = staff

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.staff)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        s = self.staff[index.row()]
        status = _("Active") if s.active else _("Deactivated")
        if s.active and s.locked_until is not None:
            status = _("Waiting after wrong passwords")
        return (s.username, s.display_name, s.role_label, status,
                format_datetime(s.last_login_at) if s.last_login_at else "")[index.column()]


class NewStaffDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle(_("New staff account"))
        self.username_edit, self.name_edit = QLineEdit(), QLineEdit()
        self.role_combo = QComboBox()
        for code, label in ROLES.items():
            self.role_combo.addItem(_(label), code)
        self.role_combo.setCurrentIndex(self.role_combo.findData("desk"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors(error_label())
        form = QFormLayout()
        for label, key, widget in ((_("User name"), "username", self.username_edit),
                                   (_("Full name"), "display_name", self.name_edit),
                                   (_("Role"), "role", self.role_combo),
                                   (_("Password"), "password", self.password_edit)):
            form.addRow(label, widget)
            form.addRow("", self.errors.add(key, widget))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.errors.clear()
        try:
            accounts.add_staff(self.db, self.actor, self.username_edit.text(), self.name_edit.text(),
                               self.role_combo.currentData(), self.password_edit.text())
        except ValidationError as exc:
            self.errors.show(exc)
            return
        except DeskError as exc:
            show_error(self, exc)
            return
        super().accept()


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
        self.model = StaffModel(accounts.list_staff(self.db, self.actor), self)
        self.table.setModel(self.model)
        self.table.resizeColumnsToContents()

    def _current(self) -> accounts.StaffInfo | None:
        index = self.table.currentIndex()
        return self.model.staff[index.row()] if index.isValid() else None

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
