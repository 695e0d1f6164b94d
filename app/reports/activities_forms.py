"""Activity forms: an activity's sign-in sheet (活动签到表) and the activity ledger of a period (活动台账).
Data in, PDF out: the data comes from services/activities_print.py."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Table, TableStyle

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead

if TYPE_CHECKING:
    from app.services.activities import ActivityDetail, ActivityRow


def time_text(starts_at: dt.time | None, ends_at: dt.time | None) -> str:
    """"09:00–11:00", "09:00", or "" when no time was given."""
    start = starts_at.strftime("%H:%M") if starts_at else ""
    end = ends_at.strftime("%H:%M") if ends_at else ""
    return f"{start}–{end}" if start and end else start or end


def day_text(day: dt.date) -> str:
    """The date with its weekday, as a sign-in sheet is headed."""
    return "{} {}".format(format_date(day), format_date(day, "EEEE"))


def _small(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["small"])


def _body(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["body"])


# -- 活动签到表 -------------------------------------------------------------------------------

SIGN_IN_MM = (12, 38, 34, 0, 34)  # 180 mm portrait: the signature takes the rest
SIGN_IN_ROW = 7.5 * mm            # room to sign; 20 lines and the signatures fit one page
SIGN_IN_LINES = 20                # lines on the sheet at least, registered or not
WALK_IN_LINES = 5                 # blank lines at least, however many registered


def sign_in_sheet(detail: ActivityDetail, letterhead: Letterhead) -> bytes:
    """活动签到表: the activity (title, date and time, venue, organiser, type, target group, partners),
    the registered participants with masked phones and a column to sign, then blank numbered lines for
    people who come without registering — at least 20 lines in all, and never fewer than 5 blank."""
    row = detail.row
    title = _("Activity sign-in sheet")
    width = toolkit.usable_width()
    story = toolkit.title_block(title)  # the activity is the first line of the table below
    pairs = [(_("Activity"), row.title), (_("Type"), row.activity_type),
             (_("Date"), day_text(row.held_on)), (_("Time"), time_text(row.starts_at, row.ends_at)),
             (_("Venue"), row.venue), (_("Organiser"), row.organiser),
             (_("Target group"), row.target_group_label), (_("Partners"), row.partners)]
    story.append(toolkit.field_table(pairs, width))
    story.append(toolkit.spacer(4))
    widths = [w * mm for w in SIGN_IN_MM]
    widths[3] = width - sum(widths)
    s = toolkit.styles()
    header = [_("No."), _("Name"), _("Phone"), _("Signature"), _("Notes")]
    data = [[toolkit.paragraph(h, s["cell"]) for h in header]]
    for number, p in enumerate(detail.participants, 1):
        data.append([str(number), toolkit.cell(p.name, s["cell"], widths[1]), p.phone_masked, "", ""])
    registered = len(detail.participants)
    lines = max(SIGN_IN_LINES, registered + WALK_IN_LINES)
    data += [[str(n), "", "", "", ""] for n in range(registered + 1, lines + 1)]
    story.append(toolkit.sign_in_table(data, widths, SIGN_IN_ROW))
    story.append(toolkit.spacer(2))
    story.append(_small(_("Registered residents sign beside their name; anyone else writes their name and phone "
                          "on a blank line and signs. Phones are shown in part only.")))
    story.append(toolkit.spacer(3))
    blank = "_" * 8
    tally = Table([[_body(toolkit.with_colon(_("Registered participants")) + format_number(registered)),
                    _body(toolkit.with_colon(_("Not registered")) + blank),
                    _body(toolkit.with_colon(_("Person-times")) + blank)]], colWidths=[width / 3] * 3)
    tally.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(KeepTogether([tally, toolkit.spacer(4), toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 活动台账 -------------------------------------------------------------------------------

LEDGER_MM = (10, 20, 19, 0, 22, 22, 30, 38, 17, 17, 17)  # 277 mm landscape: the title takes the rest
LEDGER_NUMBERS = (0, 8, 9, 10)


def period_text(date_from: dt.date, date_to: dt.date) -> str:
    return _("{start} to {end}").format(start=format_date(date_from), end=format_date(date_to))


def activity_ledger(rows: Sequence[ActivityRow], date_from: dt.date, date_to: dt.date,
                    letterhead: Letterhead) -> bytes:
    """活动台账 of a period: one line per activity, oldest first (date, time, title, type, target group,
    venue, partners, registered participants, others, person-times), a totals line, and the period's
    activities (场次) and person-times (人次) in words above the signatures."""
    title = _("Activity ledger")
    width = toolkit.usable_width(wide=True)
    rows = sorted(rows, key=lambda r: (r.held_on, r.starts_at or dt.time.min, r.id))
    registered = sum(r.registered for r in rows)
    headcount = sum(r.headcount for r in rows)
    story = toolkit.title_block(title, _("{period} · {n} activities").format(
        period=period_text(date_from, date_to), n=format_number(len(rows))))
    widths = [w * mm for w in LEDGER_MM]
    widths[3] = width - sum(widths)
    header = [_("No."), _("Date"), _("Time"), _("Activity"), _("Type"), _("Target group"), _("Venue"),
              _("Partners"), _("Registered"), _("Not registered"), _("Person-times")]
    lines = [[str(n), format_date(r.held_on, "short"), time_text(r.starts_at, r.ends_at), r.title, r.activity_type,
              r.target_group_label, r.venue, r.partners, format_number(r.registered), format_number(r.headcount),
              format_number(r.person_times)] for n, r in enumerate(rows, 1)]
    if lines:
        lines.append(["", _("Total"), "", _("{n} activities").format(n=format_number(len(rows))), "", "", "", "",
                      format_number(registered), format_number(headcount), format_number(registered + headcount)])
        story.append(toolkit.LongTable(header, lines, widths, font_size=8, align_right=LEDGER_NUMBERS))
    else:
        story.append(_body(_("No activity in this period.")))
    story.append(toolkit.spacer(4))
    summary = _body(_("In this period: {activities} activities held, {person_times} person-times served "
                      "({registered} registered, {others} not registered).").format(
        activities=format_number(len(rows)), person_times=format_number(registered + headcount),
        registered=format_number(registered), others=format_number(headcount)))
    story.append(KeepTogether([summary, toolkit.spacer(6), toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


__all__ = ["sign_in_sheet", "activity_ledger", "time_text"]
