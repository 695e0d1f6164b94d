"""One period widget: two dates with calendar pop-ups and quick choices (this month, last month …).

    period = DateRange(*month_of(today), today=today)
    start, end = period.range()  # a ValidationError on `field` when the end is before the start

An end before the start is marked red as soon as it is chosen, and `range()` refuses it, so a
form's FieldErrors shows the message beside the period. `changed` is sent after every change.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from app.errors import ValidationError
from app.i18n import N_, _


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _last_month(day: dt.date) -> tuple[dt.date, dt.date]:
    return _month(day.replace(day=1) - dt.timedelta(days=1))


# The quick choices: (label, period for today).
QUICK: dict[str, tuple[str, Callable[[dt.date], tuple[dt.date, dt.date]]]] = {
    "today": (N_("Today"), lambda d: (d, d)),
    "this_month": (N_("This month"), _month),
    "last_month": (N_("Last month"), _last_month),
    "this_year": (N_("This year"), lambda d: (dt.date(d.year, 1, 1), dt.date(d.year, 12, 31))),
    "last_year": (N_("Last year"), lambda d: (dt.date(d.year - 1, 1, 1), dt.date(d.year - 1, 12, 31))),
}


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_edit(day: dt.date | None) -> QDateEdit:
    """A date box with a calendar pop-up, on `day` (today if None)."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(to_qdate(day or dt.date.today()))
    return edit


def to_date(qdate: QDate) -> dt.date:
    return dt.date(qdate.year(), qdate.month(), qdate.day())


class DateRange(QWidget):
    """From/to dates; `quick` names the QUICK choices offered (none: no menu)."""

    changed = Signal()

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None, parent: QWidget | None = None,
                 *, today: dt.date | None = None, quick: tuple[str, ...] = tuple(QUICK), field: str = "date_to"):
        super().__init__(parent)
        self.today = today or dt.date.today()
        self.field = field  # the name a refusal gives (as the services name the end of a period)
        start, end = start or _month(self.today)[0], end or _month(self.today)[1]
        self.from_edit, self.to_edit = QDateEdit(), QDateEdit()
        for edit, day in ((self.from_edit, start), (self.to_edit, end)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(to_qdate(day))
            edit.dateChanged.connect(lambda _d: self._changed())
        self.from_edit.setToolTip(_("First day"))
        self.to_edit.setToolTip(_("Last day"))
        self.quick_combo = QComboBox()
        self.quick_combo.addItem(_("Chosen dates"), None)
        for code in quick:
            self.quick_combo.addItem(_(QUICK[code][0]), code)
        self.quick_combo.setToolTip(_("Quick choice of a period"))
        self.quick_combo.currentIndexChanged.connect(self._quick_chosen)
        self.quick_combo.setVisible(bool(quick))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.from_edit)
        layout.addWidget(QLabel(_("to")))
        layout.addWidget(self.to_edit)
        layout.addWidget(self.quick_combo)
        layout.addStretch(1)
        self._changing = False
        self._changed()

    def dates(self) -> tuple[dt.date, dt.date]:
        """The two dates as they stand, even when the end is before the start."""
        return to_date(self.from_edit.date()), to_date(self.to_edit.date())

    def is_valid(self) -> bool:
        start, end = self.dates()
        return end >= start

    def range(self) -> tuple[dt.date, dt.date]:
        """The period chosen; a ValidationError when it ends before it starts."""
        if not self.is_valid():
            raise ValidationError({self.field: _("The period ends before it starts.")})
        return self.dates()

    def set_range(self, start: dt.date, end: dt.date) -> None:
        self._changing = True
        try:
            self.from_edit.setDate(to_qdate(start))
            self.to_edit.setDate(to_qdate(end))
        finally:
            self._changing = False
        self._changed()

    def choose(self, code: str) -> None:
        """Take a quick choice (a QUICK code)."""
        self.set_range(*QUICK[code][1](self.today))

    def _quick_chosen(self, index: int) -> None:
        code = self.quick_combo.itemData(index)
        if code is not None and not self._changing:
            self.choose(code)

    def _changed(self) -> None:
        if self._changing:
            return
        valid = self.is_valid()
        self.to_edit.setProperty("invalid", not valid)
        self.to_edit.style().unpolish(self.to_edit)
        self.to_edit.style().polish(self.to_edit)
        self.to_edit.setToolTip(_("Last day") if valid else _("The period ends before it starts."))
        # The menu shows the quick choice these dates are, or "Chosen dates".
        shown = 0
        for i in range(1, self.quick_combo.count()):
            if QUICK[self.quick_combo.itemData(i)][1](self.today) == self.dates():
                shown = i
                break
        self._changing = True
        self.quick_combo.setCurrentIndex(shown)
        self._changing = False
        self.changed.emit()
