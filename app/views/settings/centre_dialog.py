"""Settings → Centre details (name, address, phone printed on every form)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _
from app.services import centre
from app.services.access import Actor
from app.views.shared.forms import FieldErrors, error_label, show_error


class CentreDialog(QDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.setWindowTitle(_("Centre details"))
        self.setMinimumWidth(480)
        info = centre.get_centre(db)
        self.name_edit = QLineEdit(info.name)
        self.address_edit = QLineEdit(info.address)
        self.phone_edit = QLineEdit(info.phone)
        general = error_label()
        self.errors = FieldErrors(general)
        form = QFormLayout()
        for label, name, edit in ((_("Centre name"), "name", self.name_edit),
                                  (_("Address"), "address", self.address_edit),
                                  (_("Phone"), "phone", self.phone_edit)):
            form.addRow(label, edit)
            form.addRow("", self.errors.add(name, edit))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(general)
        layout.addWidget(buttons)

    def save(self) -> None:
        self.errors.clear()
        try:
            centre.save_centre(self.db, centre.CentreInfo(self.name_edit.text(), self.address_edit.text(),
                                                          self.phone_edit.text()), actor=self.actor)
        except ValidationError as exc:
            self.errors.show(exc)
            return
        except DeskError as exc:
            show_error(self, exc)
            return
        self.accept()
