"""The activity ledger (活动台账) to an Excel workbook: the list as the tab shows it (any filter), one line
per activity with its person-times. The columns carry the import's names (services/activities_import.py),
so an exported ledger imports again unchanged. Organisers and partners are named, so the export is
recorded in the audit trail (the file is removed when it cannot be); services/xlsx.py writes it
(temporary file, renamed, 0600)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.db import Database
from app.i18n import N_, _
from app.services import access, activities, audit, xlsx
from app.services.exporter import ExportError, record_or_remove

HEADERS = (N_("Date"), N_("Start time"), N_("End time"), N_("Activity"), N_("Kind of activity"),
           N_("Target group"), N_("Venue"), N_("Organiser"), N_("Partners"), N_("Registered participants"),
           N_("People not registered"), N_("Person-times"))


def _clock(t: dt.time | None) -> str:
    return t.strftime("%H:%M") if t is not None else ""


def ledger_rows(rows: list[activities.ActivityRow]) -> list[list]:
    """The list's lines, oldest first (as a paper ledger runs)."""
    return [[r.held_on, _clock(r.starts_at), _clock(r.ends_at), r.title, r.activity_type, r.target_group_label,
             r.venue, r.organiser, r.partners, r.registered, r.headcount, r.person_times]
            for r in reversed(rows)]


def export_ledger(db: Database, path: str | Path, *, actor: access.Actor, date_from: dt.date | None = None,
                  date_to: dt.date | None = None, query: str = "", type_id: int | None = None,
                  target_group: str | None = None) -> int:
    """Write the ledger's activities matching the filters (as list_activities) to `path`; returns how many."""
    access.require(actor, access.ACTIVITIES_RECORD)
    if date_from is not None and date_to is not None and date_to < date_from:
        raise ExportError(_("The period ends before it starts."))
    rows = ledger_rows(activities.list_activities(db, date_from=date_from, date_to=date_to, query=query,
                                                  type_id=type_id, target_group=target_group))
    path = xlsx.check_target(path, ExportError)
    xlsx.write_table(path, _("Activity ledger"), [_(h) for h in HEADERS], rows, error=ExportError)
    span = "{} – {}".format(date_from.isoformat() if date_from else "…", date_to.isoformat() if date_to else "…")
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "activity", None, _(
        "Activity ledger {period} to {file}: {count} activities").format(period=span, file=path.name,
                                                                         count=len(rows))))
    return len(rows)
