"""Fields as people call them, and their values as people read them.

`RESIDENT_FIELDS` is the one table of a resident's field names for import columns, the audit
trail and exports. The audit trail stores codes and ids (`{field: [old, new]}`); when it is
shown, each kind of record's `Field` table (field → label, how to show a value) turns them into
words in the interface's language: the resident's here, the ticket's beside the counter
(services/counter.py), found through `services/audit.py: ENTITY_FIELDS`.
"""
from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.i18n import N_, _, format_date, format_number

RESIDENT_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "gender": N_("Gender"),
    "id_number": N_("ID number"),
    "phone": N_("Contact phone"),
    "birth_date": N_("Birth date"),
    "estate": N_("Estate"),
    "building": N_("Building"),
    "unit": N_("Unit"),
    "room": N_("Room"),
    "grid": N_("Grid"),
    "tags": N_("Tags"),
    "notes": N_("Notes"),
}

EMPTY = "—"


@dataclass
class Lookup:
    """What showing values needs from the database, read once for a whole page of the trail:
    names of referenced records {(ref, id): name} and the settings {key: value}."""

    names: dict[tuple[str, int], str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    """One field of a kind of record: its label (a msgid) and how a stored value is shown.

    codes: {code: msgid}, or "module:attribute" naming such a table (imported when first shown,
      for tables whose module imports the audit trail itself);
    ref: what an id points at ("grid", "resident", "request_category", "ticket", "staff"): shown by
      the name or number people know, "#id" when the record is gone;
    kind: "text", "bool" (yes/no), "date", "number";
    show: a function (value, Lookup) -> text for anything else.
    """

    label: str
    codes: Mapping[str, str] | str | None = None
    ref: str | None = None
    kind: str = "text"
    show: Callable[[object, Lookup], str] | None = None


def _codes(table: Mapping[str, str] | str) -> Mapping[str, str]:
    if isinstance(table, str):
        module, _sep, attribute = table.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return table


def show_value(f: Field | None, value, lookup: Lookup | None = None) -> str:
    """`value` as stored in the trail, in words; anything not understood is shown as it is."""
    if value is None or value == "":
        return EMPTY
    lookup = lookup or Lookup()
    if f is not None:
        if f.show is not None:
            return f.show(value, lookup)
        if f.codes is not None:
            codes = _codes(f.codes)
            if isinstance(value, str) and value in codes:
                return _(codes[value])
        elif f.ref is not None:
            if isinstance(value, int) and not isinstance(value, bool):
                return lookup.names.get((f.ref, value)) or f"#{value}"
        elif f.kind == "bool" and isinstance(value, bool):
            return _("Yes") if value else _("No")
        elif f.kind == "date" and isinstance(value, str):
            try:
                return format_date(dt.date.fromisoformat(value[:10]))
            except ValueError:
                pass
        elif f.kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_number(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def field_label(f: Field | None, key: str) -> str:
    return _(f.label) if f is not None else key


# A resident's fields in the trail (residents.audit_values and the status fields).
RESIDENT_TRAIL: dict[str, Field] = {
    **{key: Field(label) for key, label in RESIDENT_FIELDS.items()},
    "gender": Field(RESIDENT_FIELDS["gender"], codes="app.services.residents:GENDERS"),
    "active": Field(N_("Active"), kind="bool"),
    "deactivated_on": Field(N_("Deactivated on"), kind="date"),
    "deactivation_reason": Field(N_("Reason for deactivation")),
}

# A staff account's fields.
STAFF_TRAIL: dict[str, Field] = {
    "username": Field(N_("User name")),
    "display_name": Field(N_("Display name")),
    "role": Field(N_("Role"), codes="app.services.access:ROLES"),
    "active": Field(N_("In use"), kind="bool"),
}

# A consent's fields.
CONSENT_TRAIL: dict[str, Field] = {
    "resident_id": Field(N_("Resident"), ref="resident"),
    "purpose": Field(N_("Purpose"), codes="app.services.privacy:PURPOSES"),
    "given_by": Field(N_("Given by")),
    "method": Field(N_("Method"), codes="app.services.privacy:METHODS"),
    "given_on": Field(N_("Given on"), kind="date"),
    "withdrawn_on": Field(N_("Withdrawn on"), kind="date"),
}

# The centre's details.
CENTRE_TRAIL: dict[str, Field] = {
    "name": Field(N_("Centre name")),
    "address": Field(N_("Address")),
    "phone": Field(N_("Phone")),
    "upper_level": Field(N_("Level above the centre"), codes="app.services.centre:UPPER_LEVELS"),
}

# A grid's fields.
GRID_TRAIL: dict[str, Field] = {
    "name": Field(N_("Grid name")),
    "worker_name": Field(N_("Grid worker")),
    "worker_phone": Field(N_("Grid worker's phone")),
}

# A holiday or make-up working day.
HOLIDAY_TRAIL: dict[str, Field] = {
    "name": Field(N_("Holiday")),
    "working": Field(N_("Working day"), kind="bool"),
}
