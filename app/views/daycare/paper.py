"""Entering a past day from the paper sign-in sheet (签到表): a grid prefilled with the elders
expected that day — time in, time out, lunch tick, who took them home — saved all or nothing
(daycare.enter_from_paper). A refused line is coloured and says why."""
from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _, format_number
from app.services import calendar, daycare
from app.services.access import Actor
from app.services.daycare import PaperRow
from app.services.validators import normalise_text
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FieldErrors, SavingDialog, error_label

TOPIC = "daycare"
ERROR_BACKGROUND = QBrush(QColor("#fde0dc"))
_TIME = re.compile(r"^(\d{1,2})[:：.\s]?(\d{2})$")


def parse_time(text: str) -> dt.time | None:
    """"8:30", "830", "08.30", full-width "８：３０" → 08:30; "" → None; anything else: ValueError."""
    text = normalise_text(text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(text)
    return dt.time(int(match.group(1)), int(match.group(2)))  # ValueError when out of range


class PaperModel(QAbstractTableModel):
    COLUMNS = [("name", N_("Elder")), ("in", N_("Time in")), ("out", N_("Time out")), ("lunch", N_("Lunch")),
               ("taken", N_("Taken home by"))]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list[dict] = []  # resident_id, name, in, out, lunch, taken
        self.errors: dict[int, str] = {}  # line -> message

    def set_elders(self, elders: list[tuple[int, str]]) -> None:
        self.beginResetModel()
        self.lines = [{"resident_id": rid, "name": name, "in": "", "out": "", "lunch": False, "taken": ""}
                      for rid, name in elders]
        self.errors = {}
        self.endResetModel()

    def add(self, resident_id: int, name: str) -> int:
        found = next((i for i, line in enumerate(self.lines) if line["resident_id"] == resident_id), None)
        if found is not None:
            return found
        self.beginInsertRows(QModelIndex(), len(self.lines), len(self.lines))
        self.lines.append({"resident_id": resident_id, "name": name, "in": "", "out": "", "lunch": False,
                           "taken": ""})
        self.endInsertRows()
        return len(self.lines) - 1

    def set_errors(self, errors: dict[int, str]) -> None:
        self.errors = errors
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, len(self.COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def flags(self, index):
        key = self.COLUMNS[index.column()][0]
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if key == "lunch":
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if key != "name":
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line, key = self.lines[index.row()], self.COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole) and key != "lunch":
            return line[key]
        if role == Qt.ItemDataRole.CheckStateRole and key == "lunch":
            return Qt.CheckState.Checked if line["lunch"] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and index.row() in self.errors:
            return ERROR_BACKGROUND
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.errors.get(index.row()) or (_("For example 8:30 or 830") if key in ("in", "out") else None)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if not index.isValid():
            return False
        line, key = self.lines[index.row()], self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.CheckStateRole and key == "lunch":
            line["lunch"] = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role == Qt.ItemDataRole.EditRole and key in ("in", "out", "taken"):
            line[key] = str(value).strip()
        else:
            return False
        if index.row() in self.errors:  # changed: its mark goes
            del self.errors[index.row()]
            self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.COLUMNS) - 1))
        else:
            self.dataChanged.emit(index, index)
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(self.COLUMNS[section][1])
        return str(section + 1)

    def paper_rows(self) -> list[PaperRow]:
        """The lines as the service takes them; a ValidationError names lines whose times are not times."""
        rows, errors = [], {}
        for number, line in enumerate(self.lines):
            try:
                checked_in, checked_out = parse_time(line["in"]), parse_time(line["out"])
            except ValueError:
                errors["row {}".format(number)] = _("Line {n}: write times as 8:30 or 830.").format(n=number + 1)
                continue
            rows.append(PaperRow(line["resident_id"], checked_in, checked_out, line["lunch"], line["taken"]))
        if errors:
            raise ValidationError(errors)
        return rows


class PaperDialog(SavingDialog):
    """A past day from the paper sheet; `written` after a save is how many days were recorded."""

    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor, day: dt.date | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.written: int | None = None
        self.setWindowTitle(_("Enter a day from the paper sheet"))
        self.resize(760, 560)
        self.day_edit = date_edit(day or self._last_working_day(db))
        self.day_edit.dateChanged.connect(lambda _d: self.load())
        self.model = PaperModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 90, 90, 60)):
            self.view.setColumnWidth(column, width)
        self.add_combo = QComboBox()
        self.add_combo.setMinimumWidth(180)
        self.add_button = QPushButton(_("Add to the sheet"))
        self.add_button.clicked.connect(self.add_elder)
        self.errors = FieldErrors(error_label())
        day_error = self.errors.add("day", self.day_edit)
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        hint = QLabel(_("Type the times as written on the sheet (8:30 or 830), tick lunch, and leave the line "
                        "blank for an elder who did not come. Nothing is saved unless every line is right."))
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        form = QFormLayout()
        form.addRow(_("Day of the sheet"), self.day_edit)
        form.addRow("", day_error)
        add_row = QHBoxLayout()
        add_row.addWidget(QLabel(_("Someone not expected came:")))
        add_row.addWidget(self.add_combo)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        add_row.addWidget(self.count_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        layout.addLayout(add_row)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)
        self.load()

    @staticmethod
    def _last_working_day(db: Database) -> dt.date:
        """The sheet is usually of the last day the centre was open."""
        cal = calendar.calendar(db)
        day = dt.date.today() - dt.timedelta(days=1)
        for _step in range(14):
            if cal.is_working_day(day):
                return day
            day -= dt.timedelta(days=1)
        return dt.date.today() - dt.timedelta(days=1)

    def day(self) -> dt.date:
        return to_date(self.day_edit.date())

    def load(self) -> None:
        """The elders expected on the day (their usual days, a working day, not paused)."""
        day = self.day()
        elders = {r.resident_id: r.name for r in daycare.list_elders(self.db, today=day)
                  if r.enrolled_on <= day and (r.left_on is None or r.left_on >= day)}
        expected = [rid for rid in daycare.expected_ids(self.db, day) if rid in elders]
        self.model.set_elders([(rid, elders[rid]) for rid in expected])
        self.add_combo.clear()
        for rid, name in sorted(elders.items(), key=lambda item: item[1]):
            if rid not in expected:
                self.add_combo.addItem(name, rid)
        self.add_button.setEnabled(self.add_combo.count() > 0)
        self.count_label.setText(_("{n} expected").format(n=format_number(len(expected))))
        self.errors.clear()

    def add_elder(self) -> None:
        rid = self.add_combo.currentData()
        if rid is None:
            return
        row = self.model.add(rid, self.add_combo.currentText())
        self.add_combo.removeItem(self.add_combo.currentIndex())
        self.add_button.setEnabled(self.add_combo.count() > 0)
        self.view.setCurrentIndex(self.model.index(row, 1))
        self.view.setFocus()

    def _mark(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            marked = {}
            for key, message in exc.fields.items():
                if key.startswith("row "):
                    marked[int(key.split()[1])] = message
            self.model.set_errors(marked)

    def save(self) -> None:
        self.view.setCurrentIndex(QModelIndex())  # commits a cell still being edited
        self.errors.clear()
        try:
            rows = self.model.paper_rows()
        except ValidationError as exc:
            self.errors.show(exc)
            self._mark(exc)
            return
        db, day, actor = self.db, self.day(), self.actor

        def saved(written: int) -> None:
            self.written = written
            self.accept()

        self.save_through(lambda: daycare.enter_from_paper(db, day, rows, actor=actor), topic=TOPIC,
                          errors=self.errors, on_saved=saved, on_failed=self._mark, busy=self.buttons)
