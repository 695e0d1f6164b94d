"""The after-school grids: the classes, a session's children, a class's list, the sessions of a
term and the end-of-day "still here" list. Each is short and held whole."""
from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QBrush, QColor

from app.i18n import N_, _, format_date, format_number
from app.services.afterschool import (ENROLLED, OFFERED, WAITING, ClassRow, EnrolmentRow, Session, SessionChild,
                                      StillHere)
from app.views.shared.list_model import WEEKDAY_NAMES, RowListModel, clock_text, weekdays_text

RED = QBrush(QColor("#b71c1c"))
GREY = QBrush(QColor("#757575"))
AMBER = QBrush(QColor("#8d6e00"))
BLUE = QBrush(QColor("#0d47a1"))


def schedule_text(row: ClassRow) -> str:
    """"Mon–Fri 16:30–18:00"."""
    return "{} {}–{}".format(weekdays_text(row.weekdays), clock_text(row.start_time), clock_text(row.end_time))


def places_text(row: ClassRow) -> str:
    """taken / capacity / waiting, as the class list always shows it: a child offered a place takes
    it (it is not free) but is not enrolled yet, so the heading never says "enrolled"."""
    return "{} / {} / {}".format(format_number(row.enrolled + row.offered), format_number(row.capacity),
                                 format_number(row.waiting))


def person_text(name: str, relation: str) -> str:
    return _("{name} ({relation})").format(name=name, relation=relation) if relation else name


class ClassTableModel(RowListModel):
    key_field = "id"
    columns = [
        ("name", N_("Class")),
        ("type_name", N_("Type")),
        ("schedule", N_("Schedule")),
        ("room", N_("Room")),
        ("places", N_("Taken / max / wait")),
    ]

    def _text(self, row: ClassRow, key: str) -> str:
        if key == "schedule":
            return schedule_text(row)
        if key == "places":
            return places_text(row)
        if key == "name" and not row.active:
            return _("{name} (archived)").format(name=row.name)
        return super()._text(row, key)

    def _foreground(self, row: ClassRow, key: str):
        if not row.active:
            return GREY
        if key == "places" and row.free_places == 0:
            return AMBER
        return None



class SessionTableModel(RowListModel):
    """A session's children; `show_allergies` is False for a role that may not see them (the
    column is then empty, never a hint that something is there)."""

    columns = [
        ("name", N_("Child")),
        ("status", N_("Status")),
        ("signed_in_at", N_("In")),
        ("signed_out_at", N_("Out")),
        ("picked_up_by", N_("Collected by")),
        ("marks", N_("Late / not on list")),
        ("allergies", N_("Allergies")),
    ]

    def _text(self, row: SessionChild, key: str) -> str:
        if key == "status":
            text = row.status_text if row.status else _("Not marked")
            return _("{status}: {reason}").format(status=text, reason=row.reason) if row.reason else text
        if key in ("signed_in_at", "signed_out_at"):
            return clock_text(getattr(row, key))
        if key == "picked_up_by":
            return _("Went home alone") if row.went_home_alone else row.picked_up_by
        if key == "marks":
            marks = []
            if row.late:
                marks.append(_("Late"))
            if row.unlisted:
                marks.append(_("Not on the list"))
            return _(", ").join(marks)
        if key == "allergies":
            return "⚠ " + row.allergies if row.allergies else ""
        return super()._text(row, key)

    def _foreground(self, row: SessionChild, key: str):
        if key in ("marks", "allergies"):
            return RED
        if key == "status" and row.waiting_to_go:
            return BLUE
        if key == "status" and row.status is None:
            return GREY
        return None



class EnrolmentTableModel(RowListModel):
    columns = [
        ("name", N_("Child")),
        ("status", N_("Status")),
        ("age", N_("Age")),
        ("grade", N_("Grade")),
        ("school", N_("School")),
        ("since", N_("Since")),
        ("note", N_("Note")),
    ]

    def _text(self, row: EnrolmentRow, key: str) -> str:
        if key == "status":
            if row.status == WAITING and row.position is not None:
                return _("Waiting, No. {n}").format(n=format_number(row.position))
            return row.status_text
        if key == "age":
            return format_number(row.age) if row.age is not None else ""
        if key == "grade":
            return row.grade_text
        if key == "since":
            day = row.enrolled_on if row.status == ENROLLED else (
                row.offered_at.date() if row.status == OFFERED and row.offered_at else row.requested_at.date())
            return format_date(day, "short") if day else ""
        if key == "note":
            return _(", ").join(x for x in (row.over_capacity_reason, row.out_of_range_reason, row.left_reason) if x)
        return super()._text(row, key)

    def _foreground(self, row: EnrolmentRow, key: str):
        if key == "status":
            return {WAITING: AMBER, OFFERED: BLUE}.get(row.status, None if row.status == ENROLLED else GREY)
        return None


class TermSessionsModel(RowListModel):
    key_field = "day"
    columns = [
        ("day", N_("Day")),
        ("weekday", N_("Weekday")),
        ("time", N_("Time")),
        ("state", N_("Session")),
    ]

    def _text(self, row: Session, key: str) -> str:
        if key == "day":
            return format_date(row.day, "short")
        if key == "weekday":
            return _(WEEKDAY_NAMES[row.day.weekday()])
        if key == "time":
            return "{}–{}".format(clock_text(row.start_time), clock_text(row.end_time))
        if key == "state":
            if row.cancelled:
                return _("Cancelled: {reason}").format(reason=row.reason) if row.reason else _("Cancelled")
            if row.added:
                return _("Added: {reason}").format(reason=row.reason) if row.reason else _("Added")
            return _("As scheduled")
        return super()._text(row, key)

    def _foreground(self, row: Session, key: str):
        return GREY if row.cancelled else None



class StillHereModel(RowListModel):
    now: dt.datetime | None = None  # the tab sets it before the rows: the minutes overdue
    columns = [
        ("name", N_("Child")),
        ("class_name", N_("Class")),
        ("signed_in_at", N_("In")),
        ("end_time", N_("Ends")),
        ("overdue", N_("Overdue")),
        ("guardians", N_("Guardians to call")),
    ]

    def _text(self, row: StillHere, key: str) -> str:
        if key == "signed_in_at":
            return clock_text(row.signed_in_at)
        if key == "end_time":
            return clock_text(row.end_time)
        if key == "overdue":
            # How long past the end time, not the header's word again.
            if not row.overdue or self.now is None:
                return ""
            end = dt.datetime.combine(self.now.date(), row.end_time)
            return _("{n} min over").format(n=format_number(max(0, int((self.now - end).total_seconds()) // 60)))
        if key == "guardians":
            # One guardian a line: two names with phones do not fit one line beside the class.
            return "\n".join("{} {}".format(person_text(p.name, p.relation), p.phone).strip()
                             for p in row.guardians)
        return super()._text(row, key)

    def _foreground(self, row: StillHere, key: str):
        return RED if row.overdue else None
