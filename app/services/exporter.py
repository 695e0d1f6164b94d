"""Export residents to an Excel workbook (.xlsx).

ID numbers and phones are masked unless full data is asked for by someone
whose role allows it (access.PERSONAL_DATA_FULL). The workbook is written to
a temporary file beside the target and renamed at the end, so a failed export
never leaves a half-written file.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError
from app.i18n import N_, _
from app.models import Grid, Resident, Tag, resident_tags
from app.services import access, audit
from app.services.importer import save_workbook_atomically
from app.services.residents import GENDERS, age_on, search_ids
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
STATUS = {True: N_("Active"), False: N_("Deactivated")}
DATE_FORMAT = "yyyy-mm-dd"
_CHUNK = 500
_MAX_WIDTH = 50


def display_width(text: str) -> int:
    """Width of `text` in Excel's character units: CJK (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
            tags: dict[int, list[str]] = {}
            for rid, name in s.execute(select(resident_tags.c.resident_id, Tag.name)
                                       .join(Tag, Tag.id == resident_tags.c.tag_id)
                                       .where(resident_tags.c.resident_id.in_(chunk))
                                       .order_by(Tag.sort_order, Tag.id)):
                tags.setdefault(rid, []).append(name)
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
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    actor = actor or access.current_os_actor()
    access.require(actor, access.RESIDENTS_EXPORT)
    if full:
        access.require(actor, access.PERSONAL_DATA_FULL)
    if not path.parent.is_dir():
        raise ExportError(_("The folder {folder} does not exist.").format(folder=path.parent))

    today = dt.date.today()
    ids = search_ids(db, query, include_inactive)
    headers = [_(label) for _key, label in COLUMNS]
    widths = [display_width(h) for h in headers]
    genders = {code: _(label) for code, label in GENDERS.items()}
    status = {state: _(label) for state, label in STATUS.items()}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Residents"))
    rows: list[list] = []
    for r, grid, tag_names in _records(db, ids):
        values = [
            r.name, genders.get(r.gender, ""), r.birth_date, age_on(r.birth_date, today),
            (r.id_number or "") if full else mask_id_number(r.id_number),
            (r.phone or "") if full else mask_phone(r.phone),
            r.estate, r.building, r.unit, r.room, grid, "、".join(tag_names), r.notes or "",
            status[bool(r.active)],
        ]
        cells = []
        for i, value in enumerate(values):
            if value is None or value == "":
                cells.append(None)
                continue
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
                widths[i] = max(widths[i], 10)
            elif isinstance(value, str):
                if value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                widths[i] = max(widths[i], display_width(value))
            else:
                widths[i] = max(widths[i], len(str(value)))
            cells.append(cell)
        rows.append(cells)

    # Column widths and the frozen header must be set before the first row is written.
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, width + 2)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for cells in rows:
        ws.append(cells)
    save_workbook_atomically(wb, path, ExportError)
    summary = (_("{count} residents to {file}, with full ID numbers and phones") if full
               else _("{count} residents to {file}, ID numbers and phones masked"))
    with db.session() as s:
        audit.record(s, actor, "export", "resident", None, summary.format(count=len(rows), file=path.name))
    return len(rows)
