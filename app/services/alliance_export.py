"""Merchant-alliance figures to an Excel workbook, for the monthly report (issue 15).

Four sheets: the figures of any date range (alliance.figures); the roster (every merchant, its
status, contact and commitments in force); the complaints received in the range; the complaint rate
of each half-year the range touches, with its change. The roster and the complaints name people
and phones (in full only for whoever may see them in the tab), so the export needs ALLIANCE_APPLY
and is recorded in the audit trail (the file is removed when it cannot be); services/xlsx.py
writes it (temporary file, renamed, 0600)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.i18n import N_, _
from app.models import Merchant
from app.services import access, alliance, audit, xlsx
from app.services.exporter import ExportError, record_or_remove

ROSTER_HEADERS = (N_("Shop name"), N_("Unified social credit code"), N_("Business licence number"),
                  N_("Business type"), N_("Contact"), N_("Address"), N_("Estate"), N_("Grid"), N_("How it applied"),
                  N_("Applied on"), N_("Batch"), N_("Status"), N_("Status since"), N_("Joined on"),
                  N_("Certificate code"), N_("Commitments in force"), N_("Open complaints"))
COMPLAINT_HEADERS = (N_("Received on"), N_("Merchant"), N_("Complainant"), N_("Complainant's phone"),
                     N_("Complaint"), N_("How it was resolved"), N_("Resolved on"), N_("Recorded by"))
RATE_HEADERS = (N_("Half-year"), N_("Complaints"), N_("Active members"), N_("Complaints per member"),
                N_("Previous half-year"), N_("Change (%)"))


def figure_rows(f: alliance.AllianceFigures) -> list[list]:
    """(label, value) lines of the figures."""
    rows: list[list] = [
        [_("First day"), f.date_from], [_("Last day"), f.date_to],
        [_("Members on the last day"), f.active],
        [_("Admitted in the period"), f.new],
        [_("Suspended in the period"), f.suspended],
        [_("Left in the period"), f.left],
    ]
    rows += [[_("Commitments in force: {type}").format(type=name), count]
             for name, count in f.commitments_by_type.items()]
    rows += [[_("Complaints received"), f.complaints], [_("Complaints resolved"), f.complaints_resolved],
             [_("Evaluation scores recorded"), f.evaluations], [_("Members evaluated"), f.evaluated_members]]
    return rows


def _half_years(date_from: dt.date, date_to: dt.date) -> list[tuple[int, int]]:
    halves, year, half = [], date_from.year, 1 if date_from.month <= 6 else 2
    while (year, half) <= (date_to.year, 1 if date_to.month <= 6 else 2):
        halves.append((year, half))
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return halves


def _rounded(value: float | None, digits: int = 3):
    return None if value is None else round(value, digits)


def rate_rows(db: Database, date_from: dt.date, date_to: dt.date) -> list[list]:
    rows = []
    for year, half in _half_years(date_from, date_to):
        r = alliance.complaint_rate(db, year, half)
        rows.append([_("{year} H{half}").format(year=year, half=half), r.complaints, r.active_members,
                     _rounded(r.rate), _rounded(r.previous_rate),
                     None if r.change is None else round(100 * r.change, 1)])
    return rows


def roster_rows(db: Database, *, actor: access.Actor, today: dt.date) -> list[list]:
    """Every merchant, as the tab lists them (phones in full only for whoever may see them)."""
    with db.session() as s:
        merchants = sorted(s.scalars(select(Merchant)), key=alliance._sort_key)
        rows = alliance._rows(s, merchants, alliance.may_see_phones(actor), today)
    return [[r.name, r.credit_code, r.licence_number, r.business_type, r.contact, r.address, r.estate, r.grid,
             r.applied_via_text, r.applied_on, r.batch, r.status_text, r.status_since, r.joined_on, r.member_code,
             r.commitments, r.open_complaints] for r in rows]


def export_figures(db: Database, path: str | Path, date_from: dt.date, date_to: dt.date, *, actor: access.Actor,
                   today: dt.date | None = None) -> int:
    """Write the range's figures, the roster, the range's complaints and the half-year rates to `path`.

    Returns the number of merchants on the roster."""
    access.require(actor, access.ALLIANCE_APPLY)
    if date_to < date_from:
        raise ExportError(_("The period ends before it starts."))
    today = today or dt.date.today()
    figures = alliance.figures(db, date_from, date_to)
    roster = roster_rows(db, actor=actor, today=today)
    complaints = [[c.received_on, c.merchant, c.complainant, c.complainant_phone, c.what, c.resolution,
                   c.resolved_on, c.recorded_by]
                  for c in alliance.list_complaints(db, date_from=date_from, date_to=date_to, actor=actor)]
    path = Path(path)
    xlsx.write_sheets(path, [
        xlsx.Sheet(_("Alliance figures"), [_("Figure"), _("Value")], figure_rows(figures)),
        xlsx.Sheet(_("Alliance roster"), [_(h) for h in ROSTER_HEADERS], roster, text_columns=(1, 2)),
        xlsx.Sheet(_("Complaints"), [_(h) for h in COMPLAINT_HEADERS], complaints, text_columns=(3,)),
        xlsx.Sheet(_("Complaint rate by half-year"), [_(h) for h in RATE_HEADERS],
                   rate_rows(db, date_from, date_to)),
    ], error=ExportError)
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "merchant", None, _(
        "Alliance figures {first} to {last} to {file}, with {members} merchants and {complaints} complaints").format(
            first=date_from.isoformat(), last=date_to.isoformat(), file=path.name, members=len(roster),
            complaints=len(complaints))))
    return len(roster)
