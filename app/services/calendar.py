"""The shared calendar: working days and the administrator's holidays.

Monday to Friday are working days, except the holidays the administrator enters; a make-up
working day (调休上班) on a weekend counts. The service counter's deadlines are counted on it,
and so are the closures, sessions and meal days of the features to come.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import Holiday
from app.services import access, audit

NAME_MAX = 50


# -- working days ---------------------------------------------------------------------------

def is_working_day(day: dt.date, holidays: Iterable[dt.date] = (),
                   working_days: Iterable[dt.date] = ()) -> bool:
    """Monday to Friday unless a holiday; a make-up working day (调休) always works."""
    if day in working_days:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, n: int, holidays: Iterable[dt.date] = (),
                     working_days: Iterable[dt.date] = ()) -> dt.date:
    """The `n`th working day after `start` (the day of receipt does not count); `start` for 0."""
    if n < 0:
        raise ValueError("n must not be negative")
    holidays, working_days = set(holidays), set(working_days)
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays, working_days):
            n -= 1
    return day


def working_days_between(a: dt.date, b: dt.date, holidays: Iterable[dt.date] = (),
                         working_days: Iterable[dt.date] = ()) -> int:
    """Working days after `a` up to and including `b` (negative when `b` is before `a`)."""
    if b < a:
        return -working_days_between(b, a, holidays, working_days)
    holidays, working_days = set(holidays), set(working_days)
    count, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays, working_days):
            count += 1
    return count


@dataclass
class Calendar:
    """The administrator's holidays and make-up working days."""

    holidays: set[dt.date] = field(default_factory=set)
    working_days: set[dt.date] = field(default_factory=set)

    def is_working_day(self, day: dt.date) -> bool:
        return is_working_day(day, self.holidays, self.working_days)

    def add(self, start: dt.date, n: int) -> dt.date:
        return add_working_days(start, n, self.holidays, self.working_days)

    def between(self, a: dt.date, b: dt.date) -> int:
        return working_days_between(a, b, self.holidays, self.working_days)


def calendar_in(session) -> Calendar:
    """The calendar as `session` sees it (for services that already hold a transaction)."""
    cal = Calendar()
    for day, working in session.execute(select(Holiday.day, Holiday.working)):
        (cal.working_days if working else cal.holidays).add(day)
    return cal


def calendar(db: Database) -> Calendar:
    with db.session() as s:
        return calendar_in(s)


# -- holidays (admin) -------------------------------------------------------------------------

@dataclass
class HolidayRow:
    day: dt.date
    name: str
    working: bool


def list_holidays(db: Database, year: int | None = None) -> list[HolidayRow]:
    stmt = select(Holiday).order_by(Holiday.day)
    if year is not None:
        stmt = stmt.where(Holiday.day >= dt.date(year, 1, 1), Holiday.day <= dt.date(year, 12, 31))
    with db.session() as s:
        return [HolidayRow(h.day, h.name, h.working) for h in s.scalars(stmt)]


def set_holiday(db: Database, day: dt.date, name: str, *, actor: access.Actor, working: bool = False) -> None:
    """Add or change a day of the calendar: a holiday, or (working=True) a make-up working day."""
    access.require(actor, access.SETTINGS_EDIT)
    name = " ".join((name or "").split())
    if not isinstance(day, dt.date):
        raise ValidationError({"day": _("Please choose a date.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("The name is too long (at most {n} characters).").format(n=NAME_MAX)})
    with db.session() as s:
        holiday = s.get(Holiday, day)
        before = {} if holiday is None else {"name": holiday.name, "working": holiday.working}
        if holiday is None:
            holiday = Holiday(day=day)
            s.add(holiday)
        holiday.name, holiday.working = name, bool(working)
        audit.record(s, actor, "settings", "holiday", None, day.isoformat(),
                     audit.diff(before, {"name": name, "working": bool(working)}))


def remove_holiday(db: Database, day: dt.date, *, actor: access.Actor) -> None:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        holiday = s.get(Holiday, day)
        if holiday is None:
            raise NotFoundError(_("{day} is not on the holiday list.").format(day=day.isoformat()))
        audit.record(s, actor, "delete", "holiday", None, day.isoformat(),
                     audit.diff({"name": holiday.name, "working": holiday.working}, {}))
        s.delete(holiday)
