"""Day-care figures exported to xlsx (issue 13, part 6): the cells read back."""
import os
import stat
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.i18n import _
from app.services import daycare, daycare_export
from app.services.exporter import ExportError
from tests.services.test_daycare import ADMIN, D, lists, month, people  # noqa: F401 (fixtures)


def sheets(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_whole_months_of_a_range():
    wm = daycare_export.whole_months
    assert wm(D(2026, 11, 1), D(2026, 11, 30)) == [D(2026, 11, 1)]
    assert wm(D(2026, 11, 2), D(2026, 11, 30)) == []
    assert wm(D(2026, 10, 1), D(2027, 1, 30)) == [D(2026, 10, 1), D(2026, 11, 1), D(2026, 12, 1)]
    assert wm(D(2026, 12, 1), D(2027, 1, 31)) == [D(2026, 12, 1), D(2027, 1, 1)]


def test_a_month_exported_holds_the_figures_and_the_meals_by_category(db, people, month, tmp_path):  # noqa: F811
    path = tmp_path / "figures.xlsx"
    assert daycare_export.export_figures(db, path, D(2026, 11, 1), D(2026, 11, 30)) == 3
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # written privately
    got = sheets(path)
    figures, categories = got[_("Day-care figures")], got[_("Meals by subsidy category")]
    values = dict(figures[1:])
    f = daycare.figures(db, D(2026, 11, 1), D(2026, 11, 30))
    assert figures[0] == (_("Figure"), _("Value"))
    assert values[_("First day")].date() == D(2026, 11, 1) and values[_("Last day")].date() == D(2026, 11, 30)
    assert values[_("Attendance (person-days)")] == f.person_days == 10
    assert values[_("Elders who came")] == 1
    assert values[_("Elders enrolled on the last day")] == 3
    assert values[_("{meal} served").format(meal=_("Lunch"))] == 18
    assert values[_("{meal} served").format(meal=_("Dinner"))] == 2
    assert values[_("Meals delivered home")] == 1
    assert values[_("Walk-in diners, {meal}").format(meal=_("Lunch"))] == 12
    assert Decimal(str(values[_("Subsidy paid (yuan)")])) == Decimal("43.00")  # 4300 fen, as a number cell
    month_text = _("{year}-{month:02d}").format(year=2026, month=11)
    standard, eighty = (c.name for c in daycare.list_choices(db, daycare.SUBSIDIES)[:2])
    assert categories[0] == tuple(_(h) for h in daycare_export.SUMMARY_HEADERS)
    assert categories[1:] == [(month_text, standard, _("Lunch"), 10, 0, 1, 155, 0, 155),
                              (month_text, standard, _("Dinner"), 2, 0, 1, 24, 0, 24),
                              (month_text, eighty, _("Lunch"), 8, 1, 1, 123, 43, 80)]


def test_part_months_give_figures_only_and_a_month_without_prices_says_why(db, people, month, tmp_path):  # noqa: F811
    path = tmp_path / "part.xlsx"
    assert daycare_export.export_figures(db, path, D(2026, 11, 2), D(2026, 11, 15)) == 0
    got = sheets(path)
    assert dict(got[_("Day-care figures")][1:])[_("Attendance (person-days)")] == 5
    assert got[_("Meals by subsidy category")][1:] == []
    # October has no price at all: one line saying so instead of lines that look like no meals.
    daycare_export.export_figures(db, path, D(2026, 10, 1), D(2026, 11, 30))
    lines = sheets(path)[_("Meals by subsidy category")][1:]
    assert lines[0][0] == _("{year}-{month:02d}").format(year=2026, month=10)
    assert "2026-10" in lines[0][1] and len(lines) == 4


def test_a_bad_period_or_target_is_refused(db, tmp_path):
    with pytest.raises(ExportError):
        daycare_export.export_figures(db, tmp_path / "x.xlsx", D(2026, 11, 30), D(2026, 11, 1))
    with pytest.raises(ExportError):
        daycare_export.export_figures(db, tmp_path / "no-such-folder" / "x.xlsx", D(2026, 11, 1), D(2026, 11, 30))
    assert not (tmp_path / "x.xlsx").exists()
    assert daycare_export.yuan(1) == Decimal("0.01") and daycare_export.yuan(-250) == Decimal("-2.50")
