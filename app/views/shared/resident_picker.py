"""Pick a resident (and a relation) with the same search as the residents tab."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from app.db import Database
from app.i18n import _
from app.services.residents import RELATIONS
from app.views.shared.resident_search import ResidentSearch


class ResidentPickerDialog(QDialog):
    def __init__(self, db: Database, parent=None, exclude_id: int | None = None,
                 relations: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Choose a resident"))
        self.resize(760, 460)
        self.exclude_id = exclude_id
        self.chosen_id: int | None = None
        self.relation: str | None = None
        self.search = ResidentSearch(db, self)
        self.search.activated.connect(lambda _rid: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.search, 1)
        self.relation_combo = None
        if relations:
            form = QFormLayout()
            self.relation_combo = QComboBox()
            for code in relations:
                self.relation_combo.addItem(_(RELATIONS[code][0]), code)
            form.addRow(_("The chosen person is this resident's"), self.relation_combo)
            layout.addLayout(form)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.box.setFocus()

    def accept(self) -> None:
        rid = self.search.current_id()
        if rid is None:
            self.message.setText(_("Find and choose a resident first."))
            return
        if rid == self.exclude_id:
            self.message.setText(_("A resident cannot be linked to themselves."))
            return
        self.chosen_id = rid
        if self.relation_combo is not None:
            self.relation = self.relation_combo.currentData()
        super().accept()
