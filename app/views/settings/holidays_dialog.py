"""Settings → Holidays: the shared calendar's public holidays and make-up working days
(services/calendar.py). The service counter's deadlines skip the one and count the other."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QCheckBox, QDateEdit, QLineEdit, QMessageBox, QSpinBox

from app.db import Database
from app.i18n import _, format_date
from app.services import access, calendar
from app.services.access import Actor
from app.views import notices
from app.views.shared.date_range import to_date, to_qdate
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


class HolidayDialog(FormDialog):
    topic = notices.CATALOGUE

    def __init__(self, db: Database, parent=None, *, actor: Actor, day: dt.date | None = None):
        self.db, self.actor = db, actor
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setDate(to_qdate(day or dt.date.today()))
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(calendar.NAME_MAX)
        self.name_edit.setPlaceholderText(_("e.g. National Day"))
        self.working_check = QCheckBox(_("A make-up working day instead of a holiday"))
        super().__init__(_("Add a day"), [
            (_("Date"), "day", self.day_edit),
            (_("Name of the day"), "name", self.name_edit),
            ("", "working", self.working_check),
        ], parent)

    def day(self) -> dt.date:
        return to_date(self.day_edit.date())

    def prepare(self):
        db, actor, day, name, working = (self.db, self.actor, self.day(), self.name_edit.text(),
                                         self.working_check.isChecked())
        return lambda: calendar.set_holiday(db, day, name, working=working, actor=actor)


class HolidaysDialog(ListManagerDialog):
    """The days of one year; a new day is shown in its year, chosen."""

    topic = notices.CATALOGUE

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(dt.date.today().year)
        self.year_spin.setPrefix(_("Year "))
        edit = access.SETTINGS_EDIT
        super().__init__(
            _("Holidays"),
            [Column(_("Date"), lambda h: format_date(h.day)),
             Column(_("Weekday"), lambda h: format_date(h.day, "EEEE")),
             Column(_("Name of the day"), lambda h: h.name),
             Column(_("Kind"), lambda h: _("Make-up working day") if h.working else _("Holiday"))],
            lambda: calendar.list_holidays(db, self.year_spin.value()), key=lambda h: h.day,
            parent=parent, actor=actor, extra=(self.year_spin,), size=(600, 480), stretch=2, actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Remove"), self.remove, selected=True, permission=edit),
            ])
        self.year_spin.valueChanged.connect(lambda _v: self.reload())

    def add(self) -> None:
        shown = self.year_spin.value()
        today = dt.date.today()
        dialog = HolidayDialog(self.db, self, actor=self.actor,
                               day=today if today.year == shown else dt.date(shown, 1, 1))

        def added(_result) -> dt.date:
            day = dialog.day()
            self.year_spin.blockSignals(True)  # the reload that follows shows its year
            self.year_spin.setValue(day.year)
            self.year_spin.blockSignals(False)
            return day

        self.edit_with(dialog, select=added)

    def remove(self) -> None:
        day = self.current()
        if day is None:
            return
        if QMessageBox.question(self, _("Holidays"), _("Remove {date} from the calendar? Deadlines already "
                                                       "set stay as they are.").format(date=format_date(day.day))) \
                != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.db, self.actor
        self.write(lambda: calendar.remove_holiday(db, day.day, actor=actor))


def edit_holidays(window) -> None:
    """Settings → Holidays…"""
    HolidaysDialog(window.db, window, actor=window.actor).exec()
