"""The day-care grids: the elders, the three lists of today's board and a day's meals. Each list
is short (a town centre has a few hundred elders) and held whole."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.i18n import N_, _, format_date, format_number
from app.services.daycare import CARE_LEVELS, BoardRow, ElderRow, MealRow
from app.views.shared.list_model import RowListModel, clock_text, weekdays_text

PAUSED_TEXT = QBrush(QColor("#8d6e00"))
LEFT_TEXT = QBrush(QColor("#757575"))


def care_level_text(code: str) -> str:
    return _(CARE_LEVELS[code]) if code in CARE_LEVELS else code


class ElderTableModel(RowListModel):
    columns = [
        ("name", N_("Name")),
        ("age", N_("Age")),
        ("care_level", N_("Care level")),
        ("diet", N_("Diet")),
        ("subsidy_category", N_("Meal subsidy")),
        ("weekdays", N_("Usual days")),
        ("status", N_("Status")),
        ("enrolled_on", N_("Enrolled since")),
    ]

    def _text(self, row: ElderRow, key: str) -> str:
        if key == "age":
            return format_number(row.age) if row.age is not None else ""
        if key == "care_level":
            return row.care_level_label
        if key == "weekdays":
            return weekdays_text(row.weekdays)
        if key == "status":
            if row.left_on is not None:
                return _("Left on {date}").format(date=format_date(row.left_on, "short"))
            return row.status_label
        if key == "enrolled_on":
            return format_date(row.enrolled_on, "short")
        return super()._text(row, key)

    def _foreground(self, row: ElderRow, key: str):
        return PAUSED_TEXT if row.status == "paused" else LEFT_TEXT if row.status == "left" else None


class BoardModel(RowListModel):
    """One of the board's lists: in now, gone home, or expected."""

    KINDS = {
        "in_now": [("name", N_("Name")), ("care_level", N_("Care level")), ("checked_in_at", N_("In"))],
        "gone_home": [("name", N_("Name")), ("checked_in_at", N_("In")), ("checked_out_at", N_("Out")),
                      ("taken_home_by", N_("Taken home by"))],
        "expected": [("name", N_("Name")), ("care_level", N_("Care level"))],
    }

    def __init__(self, kind: str, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.columns = self.KINDS[kind]

    def _text(self, row: BoardRow, key: str) -> str:
        if key in ("checked_in_at", "checked_out_at"):
            return clock_text(getattr(row, key))
        if key == "care_level":
            return care_level_text(row.care_level)
        return super()._text(row, key)


class MealTableModel(RowListModel):
    """A day's meal per elder; the three ticks are changed in place (`on_tick(row, key, value)`
    saves and the model shows the saved row)."""

    columns = [
        ("name", N_("Name")),
        ("diet", N_("Diet")),
        ("allergies", N_("Allergies")),
        ("reserved", N_("Reserved")),
        ("delivery", N_("Delivered home")),
        ("served", N_("Served")),
    ]
    TICKS = ("reserved", "delivery", "served")

    def __init__(self, on_tick: Callable[[MealRow, str, bool], None], parent=None):
        super().__init__(parent)
        self.on_tick = on_tick
        self.editable = True

    def _text(self, row: MealRow, key: str) -> str:
        if key in self.TICKS:
            return ""
        return super()._text(row, key)

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and self.columns[index.column()][0] in self.TICKS and self.editable:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, key = self.rows[index.row()], self.columns[index.column()][0]
        if role == Qt.ItemDataRole.CheckStateRole and key in self.TICKS:
            return Qt.CheckState.Checked if getattr(row, key) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and key == "allergies" and row.allergies:
            return QBrush(QColor("#b71c1c"))
        return super().data(index, role)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        key = self.columns[index.column()][0]
        if key not in self.TICKS:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.on_tick(self.rows[index.row()], key, checked)
        return True

    def replace(self, saved: MealRow) -> None:
        """Show a saved row in place."""
        row = self.row_of(saved.resident_id)
        if row >= 0:
            self.rows[row] = saved
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
