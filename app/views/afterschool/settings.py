"""Settings → after-school: the class types (the shared list-manager dialog) and the pick-up
rules (grace minutes after the end time, late pick-ups in a term before the warning)."""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QSpinBox

from app.db import Database
from app.i18n import _
from app.services import access, afterschool
from app.services.access import Actor
from app.services.afterschool import ChoiceRow
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog

TOPIC = "afterschool"


class ClassTypeDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, row: ChoiceRow | None, parent=None, *, actor: Actor):
        self.db, self.row, self.actor = db, row, actor
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(50)
        super().__init__(_("Class type") if row else _("New class type"),
                         [(_("Name in the list"), "name", self.name_edit)], parent, min_width=380)

    def prepare(self):
        db, actor, name, row = self.db, self.actor, self.name_edit.text(), self.row
        if row is None:
            return lambda: afterschool.add_choice(db, name, actor=actor)
        return lambda: afterschool.rename_choice(db, row.id, name, actor=actor)


class ClassTypesDialog(ListManagerDialog):
    topic = TOPIC

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        edit = access.AFTERSCHOOL_CLASSES
        super().__init__(
            _("Class types"),
            [Column(_("Name"), lambda c: c.name),
             Column(_("In use"), lambda c: _("Yes") if c.active else _("Retired"))],
            lambda: afterschool.list_choices(db, include_inactive=True), key=lambda c: c.id, parent=parent,
            actor=actor, size=(480, 400), stretch=0, actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Rename…"), self.rename, selected=True, default=True, permission=edit),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=edit,
                       tooltip=_("A retired type stays with the classes that have it but can no longer be chosen.")),
            ])

    def add(self) -> None:
        self.edit_with(ClassTypeDialog(self.db, None, self, actor=self.actor), select=lambda new_id: new_id)

    def rename(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(ClassTypeDialog(self.db, row, self, actor=self.actor))

    def toggle(self) -> None:
        row = self.current()
        if row is not None:
            db, actor = self.db, self.actor
            self.write(lambda: afterschool.set_choice_active(db, row.id, not row.active, actor=actor))


def edit_class_types(window) -> None:
    """Settings → Class types… (app/features.py)."""
    ClassTypesDialog(window.db, window, actor=window.actor).exec()


class PickupRulesDialog(FormDialog):
    """When a pick-up counts as late, and how many late pick-ups in a term bring a warning."""

    topic = TOPIC  # the session view and the still-here list reload with the new rules

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db, self.actor = db, actor
        self.grace_spin = QSpinBox()
        self.grace_spin.setRange(0, 180)
        self.grace_spin.setSuffix(_(" min"))
        self.grace_spin.setValue(afterschool.grace_minutes(db))
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(1, 20)
        self.limit_spin.setValue(afterschool.late_limit(db))
        super().__init__(_("Pick-up rules"), [
            (_("Late after the end time plus"), "grace_minutes", self.grace_spin),
            (_("Warn at this many late pick-ups in a term"), "late_limit", self.limit_spin),
        ], parent, intro=_("A child collected after the class's end time plus these minutes is recorded as "
                           "picked up late."), min_width=420)

    def prepare(self):
        db, actor, grace, limit = self.db, self.actor, self.grace_spin.value(), self.limit_spin.value()

        def save() -> None:
            afterschool.set_grace_minutes(db, grace, actor=actor)
            afterschool.set_late_limit(db, limit, actor=actor)

        return save


def edit_pickup_rules(window) -> None:
    """Settings → Pick-up rules… (app/features.py)."""
    PickupRulesDialog(window.db, window, actor=window.actor).exec()
