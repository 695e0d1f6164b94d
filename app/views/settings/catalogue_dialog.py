"""Settings → Request catalogue (事项目录) and Settings → Holidays: what the
service counter promises, and the calendar its deadlines are counted on."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QHBoxLayout, QHeaderView, QLineEdit, QMessageBox, QPushButton, QSpinBox,
                               QTableView, QVBoxLayout)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_date
from app.services import counter
from app.services.access import Actor
from app.services.counter import LEVELS, CategoryInput, CategoryRow
from app.views.shared.forms import FormDialog, show_error
from app.views.shared.list_model import ListModel


class CategoryDialog(FormDialog):
    def __init__(self, db: Database, category: CategoryRow | None, parent=None, *, actor: Actor):
        self.db, self.category, self.actor = db, category, actor
        self.name_edit = QLineEdit(category.name if category else "")
        self.name_edit.setMaxLength(counter.NAME_MAX)
        self.level_combo = QComboBox()
        for code, label in LEVELS.items():
            self.level_combo.addItem(_(label), code)
        self.level_combo.setCurrentIndex(self.level_combo.findData(
            category.default_level if category else counter.CENTRE_LEVEL))
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, counter.MAX_PROMISED_DAYS)
        self.days_spin.setValue(category.promised_working_days if category else 5)
        self.days_spin.setSuffix(_(" working days"))
        super().__init__(_("Kind of request") if category else _("New kind of request"), [
            (_("Kind of request"), "name", self.name_edit),
            (_("Usually handled at"), "default_level", self.level_combo),
            (_("Promised within"), "promised_working_days", self.days_spin),
        ], parent, intro=_("A changed promise applies to new tickets; tickets already received keep "
                           "their date."))

    def save(self) -> None:
        data = CategoryInput(self.name_edit.text(), self.level_combo.currentData(), self.days_spin.value(),
                             self.category.sort_order if self.category else 100)
        if self.category is None:
            counter.add_category(self.db, data, actor=self.actor)
        else:
            counter.update_category(self.db, self.category.id, data, actor=self.actor)


class _ListDialog(QDialog):
    """A list with buttons above it and Close below."""

    def __init__(self, title: str, headers: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 460)
        self.changed = False
        self.model = ListModel(headers, [], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.button_row = QHBoxLayout()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.button_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)

    def add_button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self.button_row.addWidget(button)
        return button

    def set_rows(self, rows: list) -> None:
        self.model.beginResetModel()
        self.model.rows = rows
        self.model.endResetModel()

    def current_row(self) -> int:
        index = self.view.selectionModel().currentIndex()
        return index.row() if index.isValid() else -1


class CatalogueDialog(_ListDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(_("Request catalogue"),
                         [_("Kind of request"), _("Usually handled at"), _("Promised within"), _("In use")], parent)
        self.db, self.actor = db, actor
        self.add_button(_("Add…"), self.add)
        self.add_button(_("Change…"), self.edit)
        self.add_button(_("Retire / restore"), self.toggle).setToolTip(
            _("A retired kind stays on the tickets that have it but can no longer be chosen."))
        self.button_row.addStretch(1)
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.reload()

    def reload(self) -> None:
        self.categories = counter.list_categories(self.db, include_inactive=True)
        self.set_rows([(c.name, c.level_label, _("{days} working days").format(days=c.promised_working_days),
                        _("Yes") if c.active else _("Retired")) for c in self.categories])

    def _selected(self) -> CategoryRow | None:
        row = self.current_row()
        return self.categories[row] if 0 <= row < len(self.categories) else None

    def add(self) -> None:
        if CategoryDialog(self.db, None, self, actor=self.actor).exec() == QDialog.DialogCode.Accepted:
            self.changed = True
            self.reload()

    def edit(self) -> None:
        category = self._selected()
        if category and CategoryDialog(self.db, category, self, actor=self.actor).exec() == \
                QDialog.DialogCode.Accepted:
            self.changed = True
            self.reload()

    def toggle(self) -> None:
        category = self._selected()
        if category is None:
            return
        try:
            counter.set_category_active(self.db, category.id, not category.active, actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.changed = True
        self.reload()


class HolidayDialog(FormDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db, self.actor = db, actor
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        today = dt.date.today()
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(_("e.g. National Day"))
        self.working_check = QCheckBox(_("A make-up working day instead of a holiday"))
        super().__init__(_("Add a day"), [
            (_("Date"), "day", self.day_edit),
            (_("Name of the day"), "name", self.name_edit),
            ("", "working", self.working_check),
        ], parent)

    def save(self) -> None:
        d = self.day_edit.date()
        counter.set_holiday(self.db, dt.date(d.year(), d.month(), d.day()), self.name_edit.text(),
                            working=self.working_check.isChecked(), actor=self.actor)


class HolidaysDialog(_ListDialog):
    """Public holidays and make-up working days; deadlines skip the one and count the other."""

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(_("Holidays"), [_("Date"), _("Weekday"), _("Name of the day"), _("Kind")], parent)
        self.db, self.actor = db, actor
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(dt.date.today().year)
        self.year_spin.setPrefix(_("Year "))
        self.year_spin.valueChanged.connect(lambda _v: self.reload())
        self.button_row.addWidget(self.year_spin)
        self.add_button(_("Add…"), self.add)
        self.add_button(_("Remove"), self.remove)
        self.button_row.addStretch(1)
        self.reload()

    def reload(self) -> None:
        self.days = counter.list_holidays(self.db, self.year_spin.value())
        self.set_rows([(format_date(h.day), format_date(h.day, "EEEE"), h.name,
                        _("Make-up working day") if h.working else _("Holiday")) for h in self.days])

    def add(self) -> None:
        if HolidayDialog(self.db, self, actor=self.actor).exec() == QDialog.DialogCode.Accepted:
            self.changed = True
            self.reload()

    def remove(self) -> None:
        row = self.current_row()
        if not 0 <= row < len(self.days):
            return
        day = self.days[row]
        if QMessageBox.question(self, _("Holidays"), _("Remove {date} from the calendar? Deadlines already "
                                                       "set stay as they are.").format(date=format_date(day.day))) \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            counter.remove_holiday(self.db, day.day, actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.changed = True
        self.reload()
