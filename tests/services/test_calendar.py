"""The shared calendar: working days, holidays and make-up working days."""
import datetime as dt

import pytest

from app.services import calendar
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from tests.conftest import ADMIN

D = dt.date
NATIONAL_DAY = [D(2026, 10, d) for d in range(1, 8)]   # Thu 1 Oct … Wed 7 Oct 2026
MAKE_UP = [D(2026, 10, 10)]                              # Saturday worked in exchange (调休)


def test_the_day_of_receipt_does_not_count_and_weekends_are_skipped():
    assert D(2026, 10, 1).weekday() == 3  # the dates below are hand-counted from this Thursday
    assert calendar.add_working_days(D(2026, 9, 25), 3) == D(2026, 9, 30)   # Fri → Mon, Tue, Wed
    assert calendar.add_working_days(D(2026, 11, 6), 1) == D(2026, 11, 9)   # Fri → Mon
    assert calendar.add_working_days(D(2026, 11, 7), 1) == D(2026, 11, 9)   # Sat → Mon
    assert calendar.add_working_days(D(2026, 11, 6), 0) == D(2026, 11, 6)
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2026, 11, 6), -1)


def test_holidays_are_skipped_and_make_up_days_count():
    # Wed 30 Sep + 3: 1–7 Oct off, then Thu 8, Fri 9 and the make-up Saturday 10 Oct.
    assert calendar.add_working_days(D(2026, 9, 30), 3, NATIONAL_DAY, MAKE_UP) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 9, 30), 3, NATIONAL_DAY) == D(2026, 10, 12)  # Mon
    assert calendar.add_working_days(D(2026, 9, 30), 1, NATIONAL_DAY) == D(2026, 10, 8)
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 10), NATIONAL_DAY, MAKE_UP) == 3
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 10), NATIONAL_DAY) == 2
    assert calendar.working_days_between(D(2026, 9, 25), D(2026, 9, 30)) == 3
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 9, 25)) == -3
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert calendar.working_days_between(D(2026, 10, 2), D(2026, 10, 4), NATIONAL_DAY) == 0
    assert calendar.is_working_day(D(2026, 10, 10), NATIONAL_DAY, MAKE_UP)
    assert not calendar.is_working_day(D(2026, 10, 10), NATIONAL_DAY)


@pytest.fixture
def national_day(db):
    for day in NATIONAL_DAY:
        calendar.set_holiday(db, day, "国庆节", actor=ADMIN)
    calendar.set_holiday(db, MAKE_UP[0], "国庆调休", actor=ADMIN, working=True)


def test_holidays_are_kept_by_the_administrator(db, national_day):
    rows = calendar.list_holidays(db, 2026)
    assert len(rows) == 8 and rows[-1] == calendar.HolidayRow(D(2026, 10, 10), "国庆调休", True)
    cal = calendar.calendar(db)
    assert cal.add(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert cal.is_working_day(D(2026, 10, 10)) and not cal.is_working_day(D(2026, 10, 7))
    calendar.remove_holiday(db, D(2026, 10, 10), actor=ADMIN)
    assert calendar.calendar(db).add(D(2026, 9, 30), 3) == D(2026, 10, 12)
    assert calendar.list_holidays(db, 2027) == []


def test_only_administrators_keep_the_holidays(db):
    for actor in (Actor("访客", VIEWER), Actor("李网格员", GRID_WORKER), Actor("前台小林", DESK)):
        with pytest.raises(PermissionDenied):
            calendar.set_holiday(db, D(2026, 10, 1), "国庆节", actor=actor)
        with pytest.raises(PermissionDenied):
            calendar.remove_holiday(db, D(2026, 10, 1), actor=actor)
    assert calendar.list_holidays(db) == []
