"""Settings → Request catalogue (事项目录): the kinds of request the service counter receives,
where each is usually handled, and the working days it promises."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox

from app.db import Database
from app.i18n import _
from app.services import access, counter
from app.services.access import Actor
from app.services.counter import CategoryInput, CategoryRow
from app.views import notices
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


class CategoryDialog(FormDialog):
    topic = notices.CATALOGUE

    def __init__(self, db: Database, category: CategoryRow | None, parent=None, *, actor: Actor):
        self.db, self.category, self.actor = db, category, actor
        self.name_edit = QLineEdit(category.name if category else "")
        self.name_edit.setMaxLength(counter.NAME_MAX)
        self.level_combo = QComboBox()
        for code, label in counter.level_labels(db).items():  # the level above: as the centre calls it
            self.level_combo.addItem(label, code)
        self.level_combo.setCurrentIndex(self.level_combo.findData(
            category.default_level if category else counter.CENTRE_LEVEL))
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, counter.MAX_PROMISED_DAYS)
        self.days_spin.setValue(category.promised_working_days if category else 5)
        self.days_spin.setSuffix(_(" working days"))
        super().__init__(_("Kind of request") if category else _("New kind of request"), [
            (_("Kind of request"), "name", self.name_edit),
            (_("Usually handled at"), "default_level", self.level_combo),
            (_("Promised within"), "promised_working_days", self.days_spin),
        ], parent, intro=_("A changed promise applies to new tickets; tickets already received keep "
                           "their date."))

    def prepare(self):
        db, actor, category = self.db, self.actor, self.category
        data = CategoryInput(self.name_edit.text(), self.level_combo.currentData(), self.days_spin.value(),
                             category.sort_order if category else 100)
        if category is None:
            return lambda: counter.add_category(db, data, actor=actor)
        return lambda: counter.update_category(db, category.id, data, actor=actor)


class CatalogueDialog(ListManagerDialog):
    topic = notices.CATALOGUE

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        edit = access.SETTINGS_EDIT
        super().__init__(
            _("Request catalogue"),
            [Column(_("Kind of request"), lambda c: c.name), Column(_("Usually handled at"), lambda c: c.level_label),
             Column(_("Promised within"), lambda c: _("{days} working days").format(days=c.promised_working_days),
                    Qt.AlignmentFlag.AlignRight),
             Column(_("In use"), lambda c: _("Yes") if c.active else _("Retired"))],
            lambda: counter.list_categories(db, include_inactive=True), key=lambda c: c.id,
            parent=parent, actor=actor, size=(660, 500), stretch=0, actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Change…"), self.edit, selected=True, default=True, permission=edit),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=edit,
                       tooltip=_("A retired kind stays on the tickets that have it but can no longer be "
                                 "chosen.")),
            ])

    def add(self) -> None:
        self.edit_with(CategoryDialog(self.db, None, self, actor=self.actor), select=lambda new_id: new_id)

    def edit(self) -> None:
        category = self.current()
        if category is not None:
            self.edit_with(CategoryDialog(self.db, category, self, actor=self.actor))

    def toggle(self) -> None:
        category = self.current()
        if category is not None:
            db, actor = self.db, self.actor
            self.write(lambda: counter.set_category_active(db, category.id, not category.active, actor=actor))


def edit_catalogue(window) -> None:
    """Settings → Request catalogue… (app/features.py)."""
    CatalogueDialog(window.db, window, actor=window.actor).exec()
