"""Small read-only grid models for short lists, loaded whole: `ListModel` for plain rows of
values (staff, audit rows, file previews), `RowListModel` for the features' lists of row objects
(day care, after-school), and the cell texts those lists share.

Large lists (the residents) have their own lazy model.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.i18n import N_, _

WEEKDAY_NAMES = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]


def weekdays_text(days) -> str:
    """Days of the week, short enough for a grid cell: "Every day", "Mon–Fri" or "Mon, Wed, Fri"."""
    days = set(days)
    if days == set(range(7)):
        return _("Every day")
    if days == set(range(5)):
        return _("Mon–Fri")
    return _(", ").join(_(WEEKDAY_NAMES[d]) for d in sorted(days)) or "—"


def clock_text(at: dt.datetime | dt.time | None) -> str:
    return at.strftime("%H:%M") if at is not None else ""


class ListModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[object]], parent=None, *,
                 numbered: bool = False):
        super().__init__(parent)
        self.headers, self.rows, self.numbered = list(headers), rows, numbered

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.rows[index.row()]
        value = row[index.column()] if index.column() < len(row) else None
        return "" if value is None else str(value)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if section < len(self.headers) else ""
        return str(section + 1) if self.numbered else None


RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RowListModel(QAbstractTableModel):
    """A list of row objects with (key, header) columns; `_text(row, key)` says a cell and
    `_foreground(row, key)` colours it; the `numeric` columns stand to the right; `row_of(key)`
    finds the row whose `key_field` is `key`."""

    columns: list[tuple[str, str]] = []
    numeric: tuple[str, ...] = ()
    key_field = "resident_id"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int):
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def row_of(self, key) -> int:
        return next((i for i, r in enumerate(self.rows) if getattr(r, self.key_field) == key), -1)

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def _text(self, row, key: str) -> str:
        value = getattr(row, key)
        return "" if value is None else str(value)

    def _foreground(self, row, key: str):
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, key = self.rows[index.row()], self.columns[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if key in self.numeric else None
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.columns[section][1])
        return None

    def texts(self, column: int) -> list[str]:
        """What one column shows, top to bottom (tests and screenshots read it)."""
        return [self.index(r, column).data() for r in range(self.rowCount())]
