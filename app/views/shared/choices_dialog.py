"""Settings → one of a feature's editable lists (services/choices.py: diets, class types, business
types, criteria…): the list-manager dialog with Add, Rename and Retire / restore, and the small
form that names an entry (and edits its extra columns: a check box for a bool, a line for text).

A feature describes each list once and opens it from its Settings entry:

    CLASS_TYPES = Choices(afterschool.CLASS_TYPES, TOPIC, (N_("Class types"), N_("Class type"),
                          N_("New class type")), N_("A retired type stays with …"))

    def edit_class_types(window) -> None:
        edit_choices(window, CLASS_TYPES)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit

from app.db import Database
from app.i18n import N_, _
from app.services import choices
from app.services.access import Actor
from app.services.choices import ChoiceList
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


@dataclass(frozen=True)
class Extra:
    """A column of the list beyond the name (one of `ChoiceList.extras`), as people see it."""

    key: str
    label: str                                   # msgid: the form's label (a bool's check box text)
    header: str                                  # msgid: the list's column
    show: Callable[[Any], str] | None = None     # the column's text for a row; its value when None


@dataclass(frozen=True)
class Choices:
    """One editable list as its Settings window shows it (words are msgids)."""

    source: ChoiceList
    topic: str                                   # the change notice a save sends (views/notices.py)
    titles: tuple[str, str, str]                 # the list, an entry, a new entry
    retire_tip: str                              # what retiring an entry means
    extras: tuple[Extra, ...] = ()
    name_header: str = N_("Name")
    size: tuple[int, int] = (480, 400)
    form_width: int = 380


class ChoiceDialog(FormDialog):
    """An entry's name and extras; OK adds it (row None) or saves it."""

    def __init__(self, db: Database, spec: Choices, row: Any | None, parent=None, *, actor: Actor):
        self.db, self.spec, self.row, self.actor = db, spec, row, actor
        self.topic = spec.topic
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(spec.source.name_max)
        fields = [(_("Name in the list"), "name", self.name_edit)]
        self.extra_edits: dict[str, QCheckBox | QLineEdit] = {}
        for extra in spec.extras:
            value = getattr(row, extra.key) if row else spec.source.extras[extra.key]
            if isinstance(value, bool):
                edit = QCheckBox(_(extra.label))
                edit.setChecked(value)
                fields.append(("", extra.key, edit))
            else:
                edit = QLineEdit(value)
                fields.append((_(extra.label), extra.key, edit))
            self.extra_edits[extra.key] = edit
        super().__init__(_(spec.titles[1]) if row else _(spec.titles[2]), fields, parent,
                         min_width=spec.form_width)

    def prepare(self):
        db, lst, actor, name, row = self.db, self.spec.source, self.actor, self.name_edit.text(), self.row
        extras = {key: edit.isChecked() if isinstance(edit, QCheckBox) else edit.text()
                  for key, edit in self.extra_edits.items()}
        if row is None:
            return lambda: choices.add_choice(db, lst, name, actor=actor, **extras)
        return lambda: choices.rename_choice(db, lst, row.id, name, actor=actor, **extras)


def _column(extra: Extra) -> Column:
    return Column(_(extra.header), extra.show or (lambda c: getattr(c, extra.key)))


class ChoicesDialog(ListManagerDialog):
    def __init__(self, db: Database, spec: Choices, parent=None, *, actor: Actor):
        self.db, self.spec = db, spec
        lst, edit = spec.source, spec.source.permission
        columns = [Column(_(spec.name_header), lambda c: c.name), *map(_column, spec.extras),
                   Column(_("In use"), lambda c: _("Yes") if c.active else _("Retired"))]
        super().__init__(
            _(spec.titles[0]), columns, lambda: choices.list_choices(db, lst, include_inactive=True),
            key=lambda c: c.id, parent=parent, actor=actor, topic=spec.topic, size=spec.size, stretch=0,
            actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Rename…"), self.rename, selected=True, default=True, permission=edit),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=edit,
                       tooltip=_(spec.retire_tip)),
            ])

    def add(self) -> None:
        self.edit_with(ChoiceDialog(self.db, self.spec, None, self, actor=self.actor), select=lambda new_id: new_id)

    def rename(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(ChoiceDialog(self.db, self.spec, row, self, actor=self.actor))

    def toggle(self) -> None:
        row = self.current()
        if row is not None:
            db, lst, actor = self.db, self.spec.source, self.actor
            self.write(lambda: choices.set_choice_active(db, lst, row.id, not row.active, actor=actor))


def edit_choices(window, spec: Choices) -> None:
    """Open a list's Settings window (a feature's edit_* entry in app/features.py)."""
    ChoicesDialog(window.db, spec, window, actor=window.actor).exec()
