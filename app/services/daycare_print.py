"""Day-care's printable forms (app/features.py): 签到表, 厨房订餐单, 助餐账单, 日间照料月报.

Each `<form>_pdf` gathers the form's data and calls app/reports/daycare_forms.py; each
`<form>_for(db, options, *, actor)` adapts it to the command line's `print FORM`. None of the
forms carries health notes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError
from app.i18n import _
from app.models import Resident
from app.reports import daycare_forms
from app.services import access, daycare
from app.services.printing import allowed, letterhead, month_of
from app.services.residents import format_address
from app.services.validators import mask_phone


def sign_in_lines(db: Database, day: dt.date) -> list[daycare_forms.SignInLine]:
    """The elders expected on `day` (usual weekday, not paused, a working day), in pinyin order."""
    expected = set(daycare.expected_ids(db, day))
    return [daycare_forms.SignInLine(e.name, e.care_level)
            for e in daycare.list_elders(db, today=day) if e.resident_id in expected]


def sign_in_pdf(db: Database, day: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """签到表 of `day`, to fill in by hand when the desk cannot scan (entered later from paper)."""
    allowed(actor, access.DAYCARE_ATTEND)
    return daycare_forms.sign_in_sheet(day, sign_in_lines(db, day), letterhead(db))


def deliveries(db: Database, day: dt.date) -> list[daycare_forms.Delivery]:
    """The day's meals delivered home, with the elder's address and masked phone."""
    rows = [(meal, row) for meal in daycare.MEALS for row in daycare.day_meals(db, day, meal).rows
            if row.reserved and row.delivery]
    with db.session() as s:
        found = {r.id: r for r in s.scalars(select(Resident).where(
            Resident.id.in_({row.resident_id for _meal, row in rows})))} if rows else {}
    out = []
    for meal, row in rows:
        r = found.get(row.resident_id)
        address = format_address(r.estate, r.building, r.unit, r.room) if r is not None else ""
        out.append(daycare_forms.Delivery(meal, row.name, row.diet, row.allergies.strip(), address,
                                          mask_phone(r.phone if r is not None else "")))
    return out


def kitchen_order_pdf(db: Database, day: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """厨房订餐单 of `day`."""
    allowed(actor, access.DAYCARE_ATTEND)
    return daycare_forms.kitchen_order(daycare.kitchen_order(db, day), deliveries(db, day), letterhead(db))


def meal_bills_pdf(db: Database, month: dt.date, resident_ids: list[int] | None = None, *,
                   actor: access.Actor | None = None) -> bytes:
    """助餐账单 of the month: every elder with meals served, or only `resident_ids`."""
    allowed(actor, access.DAYCARE_ATTEND)
    first = month.replace(day=1)
    if resident_ids:
        bills = [bill for rid in dict.fromkeys(resident_ids) for bill in daycare.meal_bills(db, first, rid)]
    else:
        bills = daycare.meal_bills(db, first)
    return daycare_forms.meal_bills(bills, first, letterhead(db))


def month_summary_pdf(db: Database, month: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """日间照料月报 of the month."""
    allowed(actor, access.DAYCARE_ATTEND)
    first, last = month_of(month)
    return daycare_forms.month_summary(daycare.month_summary(db, first), daycare.figures(db, first, last),
                                       letterhead(db))


# -- the command line's `print daycare-sign-in|kitchen-order|meal-bills|daycare-month` ---------

def parse_month(text: str | None) -> dt.date:
    """'2026-11' (full-width digits too) as the first of that month; DeskError otherwise."""
    from app.services.validators import normalise_text

    raw = normalise_text(text or "").strip()
    try:
        year, month = raw.split("-")
        if len(year) != 4 or not 1 <= len(month) <= 2:
            raise ValueError(raw)
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise DeskError(_("{value} is not a month; write it as YYYY-MM.").format(value=text or "")) from None


def sign_in_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return sign_in_pdf(db, options.date, actor=actor)


def kitchen_order_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return kitchen_order_pdf(db, options.date, actor=actor)


def meal_bills_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return meal_bills_pdf(db, parse_month(options.month), getattr(options, "resident", None), actor=actor)


def month_summary_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return month_summary_pdf(db, parse_month(options.month), actor=actor)


def some_day(db: Database) -> list[str]:
    """Options that print a day's form: today (app/features.py)."""
    return ["--date", dt.date.today().isoformat()]


def some_month(db: Database) -> list[str]:
    """Options that print a month's form: this month (app/features.py)."""
    return ["--month", dt.date.today().strftime("%Y-%m")]
