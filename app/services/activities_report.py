"""The activities' section of the monthly report (services/report.py), apart from the activity
ledger's service so the two can change independently."""
from __future__ import annotations

from app.i18n import _, ngettext
from app.services import report
from app.services.report import Line


def report_section(f) -> report.Section:
    """From activities.figures(): 场次, 人次, 人数, by type and by target group."""
    lines = (
        Line("activities", _("Activities held"), "count", f.activities),
        Line("person_times", _("Person-times served"), "count", f.person_times),
        Line("people", _("People served"), "count", f.people),
        Line("headcount", _("Of whom not registered (headcount)"), "count", f.headcount),
        Line("with_partners", _("Activities with partners"), "count", f.with_partners),
    )
    # Each count with its own noun (ngettext): "1 activity" reads right in English.
    phrase = _("held {activities} serving {person_times} ({people})").format(
        activities=ngettext("{n} activity", "{n} activities", f.activities).format(n=report.number(f.activities)),
        person_times=ngettext("{n} person-time", "{n} person-times", f.person_times).format(
            n=report.number(f.person_times)),
        people=ngettext("{n} person", "{n} people", f.people).format(n=report.number(f.people)))
    charts = (report.chart(_("Activities by type"), "bar", f.by_type),
              report.chart(_("Activities by target group"), "pie", f.by_target_group))
    return report.Section("activities", _("Activities"), lines, charts, phrase)
