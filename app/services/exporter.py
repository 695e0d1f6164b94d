"""Export residents to an Excel workbook (.xlsx).

ID numbers and phones are masked unless full data is asked for by someone
whose role allows it (access.PERSONAL_DATA_FULL); a masked export has no
birth-date and notes columns at all (see MASKED_LEAVES_OUT). The workbook is written to
a temporary file beside the target and renamed at the end, so a failed export
never leaves a half-written file.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError
from app.i18n import N_, _
from app.models import Grid, Resident
from app.services import access, audit, xlsx
from app.services.residents import GENDERS, age_on, search_ids, tags_of
from app.services.validators import mask_id_number, mask_phone


class ExportError(DeskError):
    """The export file cannot be written."""


# (key, header msgid); the header texts are also recognised by the importer.
COLUMNS: list[tuple[str, str]] = [
    ("name", N_("Name")),
    ("gender", N_("Gender")),
    ("birth_date", N_("Birth date")),
    ("age", N_("Age")),
    ("id_number", N_("ID number")),
    ("phone", N_("Contact phone")),
    ("estate", N_("Estate")),
    ("building", N_("Building")),
    ("unit", N_("Unit")),
    ("room", N_("Room")),
    ("grid", N_("Grid")),
    ("tags", N_("Tags")),
    ("notes", N_("Notes")),
    ("status", N_("Status")),
]
# Columns a masked export leaves out: the birth date would give the masked digits of the ID
# number back, and notes may be health data. Left out rather than left empty, so nobody
# reads an empty column as "not recorded".
MASKED_LEAVES_OUT = frozenset({"birth_date", "notes"})
STATUS = {True: N_("Active"), False: N_("Deactivated")}
_CHUNK = 500


def _grid_labels(session) -> dict[int, str]:
    """grid id -> "grid / sub-grid" (the path without the community), as the importer reads it."""
    grids = {g.id: g for g in session.scalars(select(Grid))}
    labels = {}
    for gid, g in grids.items():
        names = [g.name]
        parent = grids.get(g.parent_id)
        while parent is not None:
            names.insert(0, parent.name)
            parent = grids.get(parent.parent_id)
        labels[gid] = " / ".join(names[1:] if len(names) > 1 else names)
    return labels


def _records(db: Database, ids: list[int]):
    """The residents of `ids`, in that order, with grid label and tag names."""
    with db.session() as s:
        grid_labels = _grid_labels(s)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = {r.id: r for r in s.execute(
                select(Resident.id, Resident.name, Resident.gender, Resident.birth_date,
                       Resident.id_number, Resident.phone, Resident.estate, Resident.building,
                       Resident.unit, Resident.room, Resident.grid_id, Resident.notes, Resident.active)
                .where(Resident.id.in_(chunk)))}
            tags = tags_of(s, chunk)
            for rid in chunk:
                row = rows.get(rid)
                if row is not None:
                    yield row, grid_labels.get(row.grid_id, "") if row.grid_id else "", tags.get(rid, [])


def export_residents(db: Database, path: str | Path, *, query: str = "", include_inactive: bool = False,
                     full: bool = False, actor: access.Actor | None = None) -> int:
    """Write the residents matching `query` (in the residents list's order) to `path`.

    Returns the number of residents written. `full=True` writes whole ID and
    phone numbers and needs the actor (default: the operating-system user) to
    have access.PERSONAL_DATA_FULL; otherwise PermissionDenied is raised. The
    export is recorded in the audit trail.
    """
    path = Path(path)
    actor = actor or access.current_os_actor()
    access.require(actor, access.RESIDENTS_EXPORT)
    if full:
        access.require(actor, access.PERSONAL_DATA_FULL)
    db.check_integrity()  # a damaged database would give a short export: DatabaseError instead
    today = dt.date.today()
    ids = search_ids(db, query, include_inactive)
    genders = {code: _(label) for code, label in GENDERS.items()}
    status = {state: _(label) for state, label in STATUS.items()}
    # A masked export keeps the age but has no birth-date and notes columns (MASKED_LEAVES_OUT).
    columns = [(key, label) for key, label in COLUMNS if full or key not in MASKED_LEAVES_OUT]
    keys = [key for key, _label in columns]

    def values(r, grid: str, tag_names: list[str]) -> dict:
        return {"name": r.name, "gender": genders.get(r.gender, ""), "birth_date": r.birth_date,
                "age": age_on(r.birth_date, today),
                "id_number": (r.id_number or "") if full else mask_id_number(r.id_number),
                "phone": (r.phone or "") if full else mask_phone(r.phone),
                "estate": r.estate, "building": r.building, "unit": r.unit, "room": r.room, "grid": grid,
                "tags": "、".join(tag_names), "notes": r.notes or "", "status": status[bool(r.active)]}

    rows = [[row[key] for key in keys] for row in (values(*record) for record in _records(db, ids))]
    xlsx.write_table(path, _("Residents"), [_(label) for _key, label in columns], rows,
                     error=ExportError, text_columns=(keys.index("id_number"), keys.index("phone")))
    summary = (_("{count} residents to {file}, with full ID numbers and phones") if full
               else _("{count} residents to {file}, ID numbers and phones masked"))
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "resident", None,
                                                      summary.format(count=len(rows), file=path.name)))
    return len(rows)


def record_or_remove(db: Database, path: Path, record) -> None:
    """Run `record(session)` (the audit row of a file just written to `path`) in its own
    transaction; when that fails the file is removed: no personal data leaves unaudited."""
    try:
        with db.session() as s:
            record(s)
    except Exception as exc:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        raise ExportError(_("{file} was not kept: the export could not be recorded in the audit trail "
                            "({error}).").format(file=path.name, error=getattr(exc, "orig", None) or exc)) from exc
