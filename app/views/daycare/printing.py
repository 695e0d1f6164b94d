"""What the day-care tab's Print menu and figures export ask first: a day, a month (and whose
bills), or a period. Each only chooses; the forms are made on the worker in the print preview,
the workbook by services/daycare_export.py."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QDateEdit

from app.i18n import _
from app.services.printing import month_of
from app.views.shared.date_range import DateRange, date_edit, to_date
from app.views.shared.forms import FormDialog


class DayDialog(FormDialog):
    """The day of a sign-in sheet or a kitchen order (default: today)."""

    confirm_discard = False  # it only chooses

    def __init__(self, title: str, day: dt.date, parent=None):
        self.day_edit = date_edit(day)
        super().__init__(title, [(_("Day"), "date", self.day_edit)], parent, min_width=320)

    def prepare(self) -> None:
        return None

    def chosen(self) -> dt.date:
        return to_date(self.day_edit.date())


def month_edit(month: dt.date) -> QDateEdit:
    edit = date_edit(month.replace(day=1))
    edit.setDisplayFormat("yyyy-MM")  # the calendar still opens on a day; only its month counts
    return edit


class MonthDialog(FormDialog):
    """The month of the bills or the summary; the bills also ask: every elder, or the one selected."""

    confirm_discard = False

    def __init__(self, title: str, month: dt.date, parent=None, *, elder: tuple[int, str] | None = None,
                 whose: bool = False):
        self.month_edit = month_edit(month)
        fields = [(_("Month"), "month", self.month_edit)]
        self.whose_combo = None
        if whose:
            self.whose_combo = QComboBox()
            self.whose_combo.addItem(_("Every elder with meals that month"), None)
            if elder is not None:
                self.whose_combo.addItem(_("Only {name}").format(name=elder[1]), elder[0])
            fields.append((_("Bills of"), "resident_id", self.whose_combo))
        super().__init__(title, fields, parent, min_width=360)

    def prepare(self) -> None:
        return None

    def chosen(self) -> tuple[dt.date, int | None]:
        whose = self.whose_combo.currentData() if self.whose_combo is not None else None
        return to_date(self.month_edit.date()).replace(day=1), whose


class FiguresDialog(FormDialog):
    """The period of the figures export (default: this month, as the counter's ledger)."""

    confirm_discard = False

    def __init__(self, parent=None, today: dt.date | None = None, title: str | None = None, intro: str | None = None):
        today = today or dt.date.today()
        self.period = DateRange(*month_of(today), today=today)
        super().__init__(title or _("Export day-care figures"), [(_("Period"), "date_to", self.period)], parent,
                         intro=intro or _("The figures of the period, and the meals by subsidy category of each "
                                          "whole month in it, for the monthly report."), min_width=460)
        self._chosen: tuple[dt.date, dt.date] | None = None

    def prepare(self) -> None:
        self._chosen = self.period.range()  # an end before the start is marked here

    def chosen(self) -> tuple[dt.date, dt.date] | None:
        return self._chosen
