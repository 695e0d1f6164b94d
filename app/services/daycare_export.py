"""Day-care figures to an Excel workbook, for the monthly report (issue 13, part 6).

Two sheets: the figures of any date range (daycare.figures), and the meals by subsidy category
(daycare.month_summary) of every whole month inside the range. Only counts and sums, no names, so
the file needs no audit row; it is written by services/xlsx.py (temporary file, renamed, 0600)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _
from app.services import daycare, xlsx
from app.services.exporter import ExportError

SUMMARY_HEADERS = (N_("Month"), N_("Meal subsidy category"), N_("Meal"), N_("Meals"), N_("Delivered home"),
                   N_("Elders"), N_("Amount (yuan)"), N_("Subsidy (yuan)"), N_("Paid by elders (yuan)"))


def yuan(fen: int) -> Decimal:
    """Integer fen as an exact number of yuan (a number cell, so the sheet can sum it)."""
    return Decimal(fen).scaleb(-2)


def _meal(code: str) -> str:
    return _(daycare.MEALS[code]) if code in daycare.MEALS else code


def whole_months(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """The first days of the months that lie wholly within the range."""
    months = []
    first = date_from.replace(day=1)
    if first != date_from:
        first = (first + dt.timedelta(days=32)).replace(day=1)
    while True:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if last > date_to:
            return months
        months.append(first)
        first = last + dt.timedelta(days=1)


def figure_rows(f: daycare.DaycareFigures) -> list[list]:
    """(label, value) lines of the figures, in the month summary form's order."""
    rows: list[list] = [
        [_("First day"), f.date_from],
        [_("Last day"), f.date_to],
        [_("Attendance (person-days)"), f.person_days],
        [_("Elders who came"), f.distinct_elders],
        [_("Elders enrolled on the last day"), f.enrolled],
        [_("New enrolments"), f.new],
        [_("Elders who left"), f.left],
    ]
    rows += [[_("{meal} served").format(meal=_meal(meal)), f.meals_served.get(meal, 0)] for meal in daycare.MEALS]
    rows.append([_("Meals delivered home"), f.delivered])
    rows += [[_("Walk-in diners, {meal}").format(meal=_meal(meal)), f.walk_ins.get(meal, 0)]
             for meal in daycare.MEALS]
    rows.append([_("Subsidy paid (yuan)"), yuan(f.subsidy_paid_fen)])
    return rows


def summary_rows(db: Database, months: list[dt.date]) -> list[list]:
    """Each month's meals by category; a month the service cannot price gets one line saying why,
    so nobody reads its missing lines as no meals."""
    rows = []
    for first in months:
        month = _("{year}-{month:02d}").format(year=first.year, month=first.month)
        try:
            summary = daycare.month_summary(db, first)
        except ValidationError as exc:
            rows.append([month, exc.message])
            continue
        rows += [[month, x.subsidy_category, _meal(x.meal), x.meals, x.delivered, x.elders, yuan(x.amount_fen),
                  yuan(x.subsidy_fen), yuan(x.due_fen)] for x in summary.lines]
    return rows


def export_figures(db: Database, path: str | Path, date_from: dt.date, date_to: dt.date) -> int:
    """Write the range's figures and each whole month's meals by category to `path`.

    Returns the number of lines on the categories sheet."""
    if date_to < date_from:
        raise ExportError(_("The period ends before it starts."))
    figures = daycare.figures(db, date_from, date_to)
    summary = summary_rows(db, whole_months(date_from, date_to))
    counts = xlsx.write_sheets(path, [
        xlsx.Sheet(_("Day-care figures"), [_("Figure"), _("Value")], figure_rows(figures)),
        xlsx.Sheet(_("Meals by subsidy category"), [_(h) for h in SUMMARY_HEADERS], summary),
    ], error=ExportError)
    return counts[1]
