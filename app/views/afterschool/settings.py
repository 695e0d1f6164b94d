"""Settings → after-school: the class types (the shared list-manager dialog) and the pick-up
rules (grace minutes after the end time, late pick-ups in a term before the warning)."""
from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

from app.db import Database
from app.i18n import N_, _
from app.services import afterschool
from app.services.access import Actor
from app.views.shared.choices_dialog import Choices, edit_choices
from app.views.shared.forms import FormDialog

TOPIC = "afterschool"


CLASS_TYPES = Choices(afterschool.CLASS_TYPES, TOPIC, (N_("Class types"), N_("Class type"), N_("New class type")),
                      N_("A retired type stays with the classes that have it but can no longer be chosen."))


def edit_class_types(window) -> None:
    """Settings → Class types… (app/features.py)."""
    edit_choices(window, CLASS_TYPES)


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
