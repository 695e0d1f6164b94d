"""The short editable lists a feature offers in its combo boxes (diets, class types, business
types, criteria…): one table each with a name, an active flag and a sort order, perhaps a column
or two more (a diet's `special`, a criterion's `description`).

A feature describes each list once and calls these functions with it:

    CLASS_TYPES = choices.ChoiceList(ClassType, "class_type", access.AFTERSCHOOL_CLASSES)
    choices.add_choice(db, CLASS_TYPES, "托管班", actor=actor)

Names are unique within a list; a retired entry stays with the records that use it but is no
longer offered; every change writes an audit row under the list's entity name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.services import access, audit
from app.services.fields import Field
from app.services.validators import tidy_text

NAME_MAX = 50


@dataclass
class ChoiceRow:
    """An entry of a list; a feature whose list has more columns subclasses it."""

    id: int
    name: str
    active: bool
    sort_order: int


@dataclass(frozen=True)
class ChoiceList:
    """One editable list: its table, its entity name in the audit trail, who may edit it.

    `extras` are the columns beyond the name that a person edits, with the value a new entry
    takes: a bool column stores a truth value, a text column trimmed text. `row` is the
    dataclass `list_choices` returns (it has a field for each extra).
    """

    model: type
    entity: str
    permission: str
    extras: dict[str, bool | str] = field(default_factory=dict)
    row: type = ChoiceRow
    name_max: int = NAME_MAX


def choice_fields(**extras: Field) -> dict[str, Field]:
    """A list's field table for the audit trail (services/audit.py ENTITY_FIELDS)."""
    return {"name": Field(N_("Name in the list")), **extras, "active": Field(N_("In use"), kind="bool")}


def _extra(default: bool | str, value) -> bool | str:
    return bool(value) if isinstance(default, bool) else str(value or "").strip()


def _checked_name(s, lst: ChoiceList, name: str, own_id: int | None) -> str:
    name = tidy_text(name)
    if not name:
        raise ValidationError({"name": _("Please enter a name.")})
    if len(name) > lst.name_max:
        raise ValidationError({"name": _("The name is too long (at most {n} characters).").format(n=lst.name_max)})
    other = s.scalar(select(lst.model.id).where(lst.model.name == name))
    if other is not None and other != own_id:
        raise ValidationError({"name": _("{name} is already in the list.").format(name=name)})
    return name


def _entry(s, lst: ChoiceList, choice_id: int | None):
    row = s.get(lst.model, choice_id) if choice_id is not None else None
    if row is None:
        raise NotFoundError(_("That entry of the list no longer exists."))
    return row


def list_choices(db: Database, lst: ChoiceList, *, include_inactive: bool = False) -> list:
    """The list's entries in their order (the active ones unless `include_inactive`)."""
    model = lst.model
    stmt = select(model).order_by(model.sort_order, model.id)
    if not include_inactive:
        stmt = stmt.where(model.active.is_(True))
    with db.session() as s:
        return [lst.row(c.id, c.name, c.active, c.sort_order,
                        **{key: default if getattr(c, key) is None else getattr(c, key)
                           for key, default in lst.extras.items()})
                for c in s.scalars(stmt)]


def add_choice(db: Database, lst: ChoiceList, name: str, *, actor: access.Actor, **extras) -> int:
    """Add an entry at the end of the list; extras the list does not have are ignored."""
    access.require(actor, lst.permission)
    with db.session() as s:
        name = _checked_name(s, lst, name, None)
        values = {"name": name, **{key: _extra(default, extras.get(key, default))
                                   for key, default in lst.extras.items()}}
        order = (s.scalar(select(func.max(lst.model.sort_order))) or 0) + 1
        row = lst.model(active=True, sort_order=order, **values)
        s.add(row)
        s.flush()
        audit.record(s, actor, "create", lst.entity, row.id, name, audit.diff({}, values))
        return row.id


def rename_choice(db: Database, lst: ChoiceList, choice_id: int, name: str, *, actor: access.Actor,
                  **extras) -> None:
    """Rename an entry, and change each extra given (None: left as it is)."""
    access.require(actor, lst.permission)
    with db.session() as s:
        row = _entry(s, lst, choice_id)
        name = _checked_name(s, lst, name, choice_id)
        before, after = {"name": row.name}, {"name": name}
        row.name = name
        for key, default in lst.extras.items():
            if extras.get(key) is not None:
                before[key], after[key] = getattr(row, key), _extra(default, extras[key])
                setattr(row, key, after[key])
        changes = audit.diff(before, after)
        if changes:  # saving an entry unchanged is no change to record
            audit.record(s, actor, "update", lst.entity, row.id, name, changes)


def set_choice_active(db: Database, lst: ChoiceList, choice_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire an entry (records that use it keep it) or bring it back."""
    access.require(actor, lst.permission)
    with db.session() as s:
        row = _entry(s, lst, choice_id)
        if row.active == bool(active):
            return
        row.active = bool(active)
        audit.record(s, actor, "reactivate" if active else "deactivate", lst.entity, row.id, row.name,
                     audit.diff({"active": not active}, {"active": bool(active)}))


def seed(db: Database, defaults: list[tuple[ChoiceList, list[dict]]], *, actor: access.Actor) -> int:
    """Fill each empty list with its default entries ({"name": …, extras…}, already translated)
    in one transaction; returns how many entries were added."""
    for lst, _entries in defaults:
        access.require(actor, lst.permission)
    added = 0
    with db.session() as s:
        for lst, entries in defaults:
            if s.scalar(select(func.count(lst.model.id))):
                continue
            for order, values in enumerate(entries):
                row = lst.model(active=True, sort_order=order, **values)
                s.add(row)
                s.flush()
                audit.record(s, actor, "create", lst.entity, row.id, row.name, audit.diff({}, values))
                added += 1
    return added
