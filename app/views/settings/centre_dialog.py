"""Settings → Centre details (name, address, phone printed on every form)."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit

from app.db import Database
from app.i18n import _
from app.services import centre
from app.services.access import Actor
from app.views import notices
from app.views.shared.forms import FormDialog


class CentreDialog(FormDialog):
    topic = notices.CENTRE

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        info = centre.get_centre(db)
        name, address, phone = QLineEdit(info.name), QLineEdit(info.address), QLineEdit(info.phone)
        upper = QComboBox()  # 上级名称: what the level above the centre is called
        for code, label in centre.UPPER_LEVELS.items():
            upper.addItem(_(label), code)
        upper.setCurrentIndex(max(0, upper.findData(info.upper_level)))
        super().__init__(_("Centre details"), [(_("Centre name"), "name", name),
                                               (_("Address"), "address", address),
                                               (_("Phone"), "phone", phone),
                                               (_("Level above the centre"), "upper_level", upper)],
                         parent, ok_button=QDialogButtonBox.StandardButton.Save, min_width=480)
        self.db, self.actor = db, actor
        self.name_edit, self.address_edit, self.phone_edit = name, address, phone
        self.upper_combo = upper

    def prepare(self):
        db, actor = self.db, self.actor
        info = centre.CentreInfo(self.name_edit.text(), self.address_edit.text(), self.phone_edit.text(),
                                 self.upper_combo.currentData())
        return lambda: centre.save_centre(db, info, actor=actor)


def edit_centre(window) -> None:
    """Settings → Centre details…; the window's title follows the CENTRE notice."""
    CentreDialog(window.db, window, actor=window.actor).exec()
