"""Choose which residents a roster or a card sheet covers: estate, grid, tag."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout

from app.db import Database
from app.i18n import _
from app.services import grids, residents, tags


class ResidentFilterDialog(QDialog):
    def __init__(self, db: Database, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.estate_combo = QComboBox()
        self.estate_combo.addItem(_("All estates"), None)
        for estate in residents.list_estates(db):
            self.estate_combo.addItem(estate, estate)
        self.grid_combo = QComboBox()
        self.grid_combo.addItem(_("All grids"), None)
        for grid_id, label in grids.grid_choices(db):
            self.grid_combo.addItem(label, grid_id)
        self.tag_combo = QComboBox()
        self.tag_combo.addItem(_("Any tag"), None)
        for tag in tags.list_tags(db):
            self.tag_combo.addItem(tag.name, tag.id)
        self.inactive_check = QCheckBox(_("Include inactive residents"))
        form = QFormLayout()
        form.addRow(_("Estate"), self.estate_combo)
        form.addRow(_("Grid"), self.grid_combo)
        form.addRow(_("Tag"), self.tag_combo)
        form.addRow("", self.inactive_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self):
        from app.services.residents_print import ResidentFilter

        return ResidentFilter(estate=self.estate_combo.currentData(), grid_id=self.grid_combo.currentData(),
                              tag_id=self.tag_combo.currentData(),
                              include_inactive=self.inactive_check.isChecked())
