"""Signing in: the first administrator on a new database, the login dialog,
and the lock screen (which doubles as the quick user switch)."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _
from app.services import accounts
from app.services.access import Actor
from app.views.shared.forms import FieldErrors, error_label


class FirstAdministratorDialog(QDialog):
    """A new database has no staff: the first person sets up the administrator."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(_("Set up the administrator"))
        self.setMinimumWidth(460)
        intro = QLabel(_("This is the first start. Create the administrator account: the administrator "
                         "adds the other staff and sets their roles. There is no default password — "
                         "choose one of at least 8 characters and keep it safe."))
        intro.setWordWrap(True)
        self.username_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors(error_label())
        form = QFormLayout()
        for label, key, edit in ((_("User name"), "username", self.username_edit),
                                 (_("Full name"), "display_name", self.name_edit),
                                 (_("Password"), "password", self.password_edit),
                                 (_("Password again"), "repeat", self.repeat_edit)):
            form.addRow(label, edit)
            form.addRow("", self.errors.add(key, edit))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.errors.clear()
        if self.password_edit.text() != self.repeat_edit.text():
            self.errors.show(ValidationError({"repeat": _("The two passwords are not the same.")}))
            return
        try:
            self.actor = accounts.create_first_administrator(
                self.db, self.username_edit.text(), self.name_edit.text(), self.password_edit.text())
        except ValidationError as exc:
            self.errors.show(exc)
            return
        except DeskError as exc:
            self.errors.show(ValidationError({"general": exc.message}))
            return
        super().accept()


class LoginDialog(QDialog):
    """Sign in with user name and password. As a lock screen it cannot be dismissed."""

    def __init__(self, db: Database, parent: QWidget | None = None, *, locked_by: Actor | None = None):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(_("Sign in") if locked_by is None else _("Locked"))
        self.setMinimumWidth(400)
        self.message = QLabel(_("Sign in to Neighbourhood Desk.") if locked_by is None else _(
            "The desk was locked. {name} can sign in again, or another member of staff can "
            "sign in instead.").format(name=locked_by.name))
        self.message.setWordWrap(True)
        self.username_edit = QLineEdit(locked_by.name if locked_by else "")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = error_label()
        form = QFormLayout()
        form.addRow(_("User name"), self.username_edit)
        form.addRow(_("Password"), self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | (QDialogButtonBox.StandardButton.Cancel if locked_by is None
                                      else QDialogButtonBox.StandardButton.NoButton))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.locked = locked_by is not None
        (self.password_edit if locked_by else self.username_edit).setFocus()

    def accept(self) -> None:
        try:
            self.actor = accounts.login(self.db, self.username_edit.text(), self.password_edit.text())
        except DeskError as exc:
            self.error.setText(exc.message)
            self.error.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        super().accept()

    def reject(self) -> None:
        if not self.locked:  # a lock screen stays until someone signs in
            super().reject()
