"""Settings → Centre details (name, address, phone printed on every form)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from app.db import Database
from app.i18n import _
from app.services import centre
from app.services.access import Actor
from app.views.shared.forms import FormDialog


class CentreDialog(FormDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        info = centre.get_centre(db)
        name, address, phone = QLineEdit(info.name), QLineEdit(info.address), QLineEdit(info.phone)
        super().__init__(_("Centre details"), [(_("Centre name"), "name", name),
                                               (_("Address"), "address", address),
                                               (_("Phone"), "phone", phone)],
                         parent, ok_button=QDialogButtonBox.StandardButton.Save, min_width=480)
        self.db, self.actor = db, actor
        self.name_edit, self.address_edit, self.phone_edit = name, address, phone

    def save(self) -> None:
        centre.save_centre(self.db, centre.CentreInfo(self.name_edit.text(), self.address_edit.text(),
                                                      self.phone_edit.text()), actor=self.actor)
