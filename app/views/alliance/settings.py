"""Settings → the alliance's three lists (the shared list-manager dialog): business types, the
admission criteria (四美, each with a description) and the kinds of public-benefit service."""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from app.db import Database
from app.i18n import N_, _
from app.services import access, alliance
from app.services.access import Actor
from app.services.alliance import BUSINESS_TYPES, COMMITMENT_TYPES, CRITERIA, ChoiceRow
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog

TOPIC = "alliance"
# kind -> (the list's title, an entry's title, a new entry's title)
TITLES = {
    BUSINESS_TYPES: (N_("Business types"), N_("Business type"), N_("New business type")),
    CRITERIA: (N_("Admission criteria (四美)"), N_("Admission criterion"), N_("New admission criterion")),
    COMMITMENT_TYPES: (N_("Kinds of public-benefit service"), N_("Kind of service"), N_("New kind of service")),
}


class ChoiceDialog(FormDialog):
    """An entry's name (and, for a criterion, what it means: reviewers and evaluators see it)."""

    topic = TOPIC

    def __init__(self, db: Database, kind: str, row: ChoiceRow | None, parent=None, *, actor: Actor):
        self.db, self.kind, self.row, self.actor = db, kind, row, actor
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(alliance.CHOICE_NAME_MAX)
        fields = [(_("Name in the list"), "name", self.name_edit)]
        self.description_edit = None
        if kind == CRITERIA:
            self.description_edit = QLineEdit(row.description if row else "")
            fields.append((_("Description"), "description", self.description_edit))
        super().__init__(_(TITLES[kind][1]) if row else _(TITLES[kind][2]), fields, parent, min_width=460)

    def prepare(self):
        db, kind, actor, name, row = self.db, self.kind, self.actor, self.name_edit.text(), self.row
        description = self.description_edit.text() if self.description_edit is not None else None
        if row is None:
            return lambda: alliance.add_choice(db, kind, name, actor=actor, description=description or "")
        return lambda: alliance.rename_choice(db, kind, row.id, name, actor=actor, description=description)


class ChoicesDialog(ListManagerDialog):
    topic = TOPIC

    def __init__(self, db: Database, kind: str, parent=None, *, actor: Actor):
        self.db, self.kind = db, kind
        edit = access.ALLIANCE_LISTS
        columns = [Column(_("Name in the list"), lambda c: c.name)]
        if kind == CRITERIA:
            columns.append(Column(_("Description"), lambda c: c.description))
        columns.append(Column(_("In use"), lambda c: _("Yes") if c.active else _("Retired")))
        super().__init__(
            _(TITLES[kind][0]), columns, lambda: alliance.list_choices(db, kind, include_inactive=True),
            key=lambda c: c.id, parent=parent, actor=actor, size=(600 if kind == CRITERIA else 480, 400), stretch=0,
            actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Rename…"), self.rename, selected=True, default=True, permission=edit),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=edit,
                       tooltip=_("A retired entry stays where it was used but can no longer be chosen.")),
            ])

    def add(self) -> None:
        self.edit_with(ChoiceDialog(self.db, self.kind, None, self, actor=self.actor), select=lambda new_id: new_id)

    def rename(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(ChoiceDialog(self.db, self.kind, row, self, actor=self.actor))

    def toggle(self) -> None:
        row = self.current()
        if row is not None:
            db, kind, actor = self.db, self.kind, self.actor
            self.write(lambda: alliance.set_choice_active(db, kind, row.id, not row.active, actor=actor))


def edit_business_types(window) -> None:
    """Settings → Business types… (app/features.py)."""
    ChoicesDialog(window.db, BUSINESS_TYPES, window, actor=window.actor).exec()


def edit_criteria(window) -> None:
    """Settings → Admission criteria (四美)… (app/features.py)."""
    ChoicesDialog(window.db, CRITERIA, window, actor=window.actor).exec()


def edit_commitment_types(window) -> None:
    """Settings → Kinds of public-benefit service… (app/features.py)."""
    ChoicesDialog(window.db, COMMITMENT_TYPES, window, actor=window.actor).exec()
