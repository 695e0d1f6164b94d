"""Day care's part of the demo (app/services/demo/daycare.py) at village scale."""
import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from app.models import Attendance, DaycareProfile, Meal, MealPrice, Resident
from app.services import calendar, daycare, demo
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 27)  # a Friday


def test_a_village_year_of_day_care_with_today_partly_checked_in(db):
    summary = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    assert 50 <= summary.counts["daycare"] <= 70
    elders = daycare.list_elders(db, today=TODAY)
    statuses = Counter(e.status for e in elders)
    assert statuses[daycare.ACTIVE] >= 40 and statuses[daycare.LEFT] >= 1
    with db.session() as s:
        profiles = {p.resident_id: p for p in s.scalars(select(DaycareProfile))}
        births = dict(s.execute(select(Resident.id, Resident.birth_date)
                                .where(Resident.id.in_(list(profiles)))).all())
        visits = list(s.scalars(select(Attendance)))
        served = s.scalar(select(func.count(Meal.id)).where(Meal.served.is_(True)))
        prices = {(p.meal, p.subsidy_category_id): p for p in s.scalars(select(MealPrice))}
        changes = s.scalar(select(func.count(func.distinct(MealPrice.valid_from))))
    assert all((TODAY - births[rid]).days >= 65 * 365 for rid in profiles)  # elderly residents only
    assert changes == 2 and len(prices) == 6                                 # one mid-year price rise
    # A year of attendance, only while enrolled and never on a day off (today aside).
    cal = calendar.calendar(db)
    assert len(visits) > 5000 and served > len(visits)
    for a in visits:
        p = profiles[a.resident_id]
        assert p.enrolled_on <= a.day <= TODAY and (p.left_on is None or a.day <= p.left_on)
        assert a.day == TODAY or calendar.is_working_day(a.day, cal.holidays, cal.working_days)
        assert a.checked_out_at is None or a.checked_in_at < a.checked_out_at
    assert sum(a.from_paper for a in visits) > 0
    # Today: some in, some gone home, some expected who have not come yet.
    board = daycare.board(db, dt.datetime.combine(TODAY, dt.time(11, 0)))
    assert board.in_now and board.expected and board.gone_home
    assert len(board.in_now) > len(board.expected)
    assert all(a.checked_out_at is None or a.checked_out_at.date() == TODAY for a in visits if a.day == TODAY)
    # The year's forms work on it: bills for last month, the figures.
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    bills = daycare.meal_bills(db, last_month)
    assert bills and all(b.due_fen == b.amount_fen - b.subsidy_fen >= 0 for b in bills)
    figures = daycare.figures(db, TODAY - dt.timedelta(days=364), TODAY)
    assert figures.person_days == len(visits) and figures.walk_ins[daycare.LUNCH] > 0 and figures.delivered > 0
    again = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    assert not again.added and again.counts["daycare"] == summary.counts["daycare"]
