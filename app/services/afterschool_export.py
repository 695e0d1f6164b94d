"""After-school figures to an Excel workbook, for the monthly report (issue 14).

Three sheets: the figures of any date range (afterschool.figures); the pick-ups by someone not on
the child's list, with the staff member's reasons; each class's sessions and attendance. The
second sheet names children and adults, so the export needs AFTERSCHOOL_ENROL and is recorded in
the audit trail (the file is removed when it cannot be); services/xlsx.py writes it (temporary
file, renamed, 0600)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import case, func, or_, select

from app.db import Database
from app.i18n import N_, _
from app.models import ClassAttendance, ClassType, Enrolment, SchoolClass
from app.services import access, afterschool, audit, xlsx
from app.services.exporter import ExportError, record_or_remove

UNLISTED_HEADERS = (N_("Date"), N_("Class"), N_("Child"), N_("Collected by"), N_("Reason given"))
CLASS_HEADERS = (N_("Class"), N_("Class type"), N_("Sessions held"), N_("Sessions cancelled"), N_("Children enrolled"),
                 N_("Present"), N_("Absent"), N_("On leave"), N_("Attendance rate (%)"), N_("Late pick-ups"),
                 N_("Pick-ups by someone not on the list"))


def figure_rows(f: afterschool.AfterSchoolFigures) -> list[list]:
    """(label, value) lines of the figures."""
    rows: list[list] = [[_("First day"), f.date_from], [_("Last day"), f.date_to]]
    rows += [[_("Classes: {type}").format(type=name), count] for name, count in f.classes_by_type.items()]
    rows += [
        [_("Children enrolled"), f.children],
        [_("Attendance (person-times)"), f.person_times],
        [_("Sessions held"), f.sessions_held],
        [_("Sessions cancelled"), f.sessions_cancelled],
        [_("Late pick-ups"), f.late_pickups],
        [_("Pick-ups by someone not on the list"), f.unlisted_pickups],
        [_("Children on waiting lists"), f.waiting],
    ]
    return rows


def class_rows(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date) -> list[list]:
    """Each class with a session or attendance in the range: sessions, children, attendance."""
    with db.session() as s:
        in_range = (ClassAttendance.day >= date_from, ClassAttendance.day <= date_to)
        marks: dict[int, dict] = {}
        for class_id, status, n, late, unlisted in s.execute(
                select(ClassAttendance.class_id, ClassAttendance.status, func.count(ClassAttendance.id),
                       func.sum(case((ClassAttendance.late.is_(True), 1), else_=0)),
                       func.sum(case((ClassAttendance.unlisted.is_(True), 1), else_=0)))
                .where(*in_range).group_by(ClassAttendance.class_id, ClassAttendance.status)):
            row = marks.setdefault(class_id, {"late": 0, "unlisted": 0})
            row[status] = n
            row["late"] += late or 0
            row["unlisted"] += unlisted or 0
        children = dict(s.execute(
            select(Enrolment.class_id, func.count(func.distinct(Enrolment.resident_id)))
            .where(Enrolment.enrolled_on.is_not(None), Enrolment.enrolled_on <= date_to,
                   or_(Enrolment.left_on.is_(None), Enrolment.left_on > date_from))
            .group_by(Enrolment.class_id)).all())
        classes = s.execute(select(SchoolClass.id, SchoolClass.name, ClassType.name)
                            .join(ClassType, ClassType.id == SchoolClass.type_id)
                            .where(SchoolClass.term_start <= date_to, SchoolClass.term_end >= date_from)
                            .order_by(ClassType.sort_order, SchoolClass.name)).all()
    rows = []
    for class_id, name, type_name in classes:
        past = afterschool.sessions(db, class_id, date_from, min(date_to, today))
        held, cancelled = sum(not x.cancelled for x in past), sum(x.cancelled for x in past)
        m = marks.get(class_id, {"late": 0, "unlisted": 0})
        present, absent, leave = (m.get(k, 0) for k in (afterschool.PRESENT, afterschool.ABSENT, afterschool.LEAVE))
        if not (held or cancelled or present + absent + leave):
            continue
        marked = present + absent + leave
        rate = round(100 * present / marked, 1) if marked else None
        rows.append([name, type_name, held, cancelled, children.get(class_id, 0), present, absent, leave, rate,
                     m["late"], m["unlisted"]])
    return rows


def export_figures(db: Database, path: str | Path, date_from: dt.date, date_to: dt.date, *, actor: access.Actor,
                   today: dt.date | None = None) -> int:
    """Write the range's figures, its unlisted pick-ups and each class's attendance to `path`.

    Returns the number of classes on the attendance sheet."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    if date_to < date_from:
        raise ExportError(_("The period ends before it starts."))
    today = today or dt.date.today()
    figures = afterschool.figures(db, date_from, date_to, today=today)
    unlisted = [[u.day, u.class_name, u.child, u.collected_by, u.reason] for u in figures.unlisted]
    per_class = class_rows(db, date_from, date_to, today)
    path = Path(path)
    counts = xlsx.write_sheets(path, [
        xlsx.Sheet(_("After-school figures"), [_("Figure"), _("Value")], figure_rows(figures)),
        xlsx.Sheet(_("Unlisted pick-ups"), [_(h) for h in UNLISTED_HEADERS], unlisted),
        xlsx.Sheet(_("Attendance by class"), [_(h) for h in CLASS_HEADERS], per_class),
    ], error=ExportError)
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "afterschool", None, _(
        "After-school figures {first} to {last} to {file}, with {count} unlisted pick-ups").format(
            first=date_from.isoformat(), last=date_to.isoformat(), file=path.name, count=len(unlisted))))
    return counts[2]
