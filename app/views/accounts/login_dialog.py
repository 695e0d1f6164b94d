"""Signing in: the first administrator on a new database, the login dialog,
and the lock screen (which doubles as the quick user switch)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import DeskError, ValidationError
from app.i18n import _
from app.services.access import Actor
from app.views.shared.forms import FormDialog, error_label

if TYPE_CHECKING:
    from app.db import Database  # not imported before the dialog shows (views/gui.py sign_in_before_opening)


class FirstAdministratorDialog(FormDialog):
    """A new database has no staff: the first person sets up the administrator."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        username, name, password, repeat = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (password, repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        super().__init__(_("Set up the administrator"), [
            (_("User name"), "username", username), (_("Full name"), "display_name", name),
            (_("Password"), "password", password), (_("Password again"), "repeat", repeat)], parent,
            intro=_("This is the first start. Create the administrator account: the administrator "
                    "adds the other staff and sets their roles. There is no default password — "
                    "choose one of at least 8 characters and keep it safe."), min_width=460)
        self.db = db
        self.actor: Actor | None = None
        self.username_edit, self.name_edit, self.password_edit, self.repeat_edit = username, name, password, repeat

    def prepare(self):
        if self.password_edit.text() != self.repeat_edit.text():
            raise ValidationError({"repeat": _("The two passwords are not the same.")})
        db, username, name, password = (self.db, self.username_edit.text(), self.name_edit.text(),
                                        self.password_edit.text())
        from app.services import accounts  # not before the dialog shows (views/gui.py prepare_main_window)

        return lambda: accounts.create_first_administrator(db, username, name, password)

    def saved(self, actor: Actor) -> None:
        self.actor = actor


class LoginDialog(QDialog):
    """Sign in with user name and password. As a lock screen it cannot be dismissed.

    The check runs on the GUI thread on purpose: nothing else can happen until someone is signed
    in (there is no window yet, or it is locked behind this dialog), and the caller reads `actor`
    as soon as exec() returns."""

    def __init__(self, db: Database | None, parent: QWidget | None = None, *, locked_by: Actor | None = None):
        super().__init__(parent)
        self.db = db
        # Without `db` (shown before the file is opened): opens it, False when the dialog closed instead.
        self.open_database: Callable[[], bool] | None = None
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
        if self.db is None and not (self.open_database is not None and self.open_database()):
            return
        try:
            from app.services import accounts  # not before the dialog shows (views/gui.py prepare_main_window)

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
