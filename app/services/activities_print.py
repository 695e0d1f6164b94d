"""The activity ledger's printable forms (app/features.py): an activity's sign-in sheet (活动签到表) and
the activity ledger of a period (活动台账).

Each `<form>_pdf` gathers the form's data and calls app/reports/activities_forms.py; each
`<form>_for(db, options, *, actor)` adapts it to the command line's `print FORM`. Both need
ACTIVITIES_RECORD: whoever records activities prints their sheets (phones on the sheet are masked)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _
from app.models.activities import Activity, ActivityParticipant
from app.reports import activities_forms as forms
from app.services import access, activities
from app.services.printing import allowed, letterhead, month_of


def sign_in_sheet_pdf(db: Database, activity_id: int, *, actor: access.Actor | None = None) -> bytes:
    """活动签到表 of the activity `activity_id` (NotFoundError when there is none)."""
    allowed(actor, access.ACTIVITIES_RECORD)
    return forms.sign_in_sheet(activities.get_activity(db, activity_id), letterhead(db))


def activity_ledger_pdf(db: Database, date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                        actor: access.Actor | None = None) -> bytes:
    """活动台账 of the activities held from `date_from` to `date_to` (default: this month)."""
    allowed(actor, access.ACTIVITIES_RECORD)
    first, last = month_of(dt.date.today())
    date_from, date_to = date_from or first, date_to or last
    if date_from > date_to:
        raise ValidationError({"date_to": _("The period ends before it starts.")})
    rows = activities.list_activities(db, date_from=date_from, date_to=date_to)
    return forms.activity_ledger(rows, date_from, date_to, letterhead(db))


# -- the command line's `print activity-sign-in|activity-ledger` ----------------------------------

def activity_sign_in_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    activity_id = getattr(options, "activity", None)
    if activity_id is None:
        raise DeskError(_("This form needs --activity with the activity's record number."))
    return sign_in_sheet_pdf(db, int(activity_id), actor=actor)


def activity_ledger_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return activity_ledger_pdf(db, getattr(options, "date_from", None), getattr(options, "date_to", None),
                               actor=actor)


# -- the options that print each form for a filled database (the bundle's smoke test) -----------

def some_activity(db: Database) -> list[str]:
    """The activity with the most registered participants (the latest among equals)."""
    with db.session() as s:
        joined = select(Activity.id).outerjoin(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
        found = s.scalar(joined.group_by(Activity.id)
                         .order_by(func.count(ActivityParticipant.id).desc(), Activity.held_on.desc(),
                                   Activity.id.desc()).limit(1))
    return ["--activity", str(found)] if found is not None else []


def some_activity_month(db: Database) -> list[str]:
    """The month of the latest activity (the ledger's default, this month, may have none)."""
    with db.session() as s:
        last = s.scalar(select(func.max(Activity.held_on)))
    if last is None:
        return []
    first, end = month_of(last)
    return ["--from", first.isoformat(), "--to", end.isoformat()]


__all__ = ["sign_in_sheet_pdf", "activity_ledger_pdf"]
