"""The tickets grid. A filtered list of tickets is short enough to hold whole (a
town centre receives about 5,000 a year and the tab shows open ones by default)."""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.i18n import N_, _, format_date
from app.services.counter import TicketRow

COLUMNS = [
    ("number", N_("Ticket")),
    ("received_on", N_("Received on")),
    ("due_on", N_("Promised by")),
    ("requester", N_("Requester")),
    ("category", N_("Kind of request")),
    ("urgency", N_("Urgency")),
    ("level", N_("Level")),
    ("assignee", N_("Assigned to")),
    ("status", N_("Status")),
]
ID_ROLE = Qt.ItemDataRole.UserRole
OVERDUE_BACKGROUND = QBrush(QColor("#fde0dc"))
OVERDUE_TEXT = QBrush(QColor("#b71c1c"))
DUE_TODAY_BACKGROUND = QBrush(QColor("#fff4cc"))
HELD_TEXT = QBrush(QColor("#757575"))


def status_text(row: TicketRow) -> str:
    """The status as the grid and the detail pane say it: overdue and holds are spelled out,
    so they survive a colour-blind eye and a black-and-white printout."""
    text = row.status_label
    if row.on_hold:
        text = _("{status}, on hold").format(status=text)
    if row.overdue:
        text = _("{status} — overdue").format(status=text)
    elif row.due_today:
        text = _("{status} — due today").format(status=text)
    return text


def level_text(row: TicketRow) -> str:
    """The level, and whether the ticket stayed in the grid (小事不出网格) or was escalated."""
    if row.escalated:
        return _("{level} (escalated)").format(level=row.level_label)
    if row.resolved_within_grid:
        return _("Resolved in the grid")
    return row.level_label


class TicketTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[TicketRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[TicketRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def ticket_id(self, row: int) -> int | None:
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def row_of(self, ticket_id: int | None) -> int:
        for i, r in enumerate(self.rows):
            if r.id == ticket_id:
                return i
        return -1

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def _text(self, row: TicketRow, key: str) -> str:
        if key in ("received_on", "due_on"):
            return format_date(getattr(row, key), "short")
        if key == "urgency":
            return row.urgency_label
        if key == "level":
            return level_text(row)
        if key == "status":
            return status_text(row)
        if key == "requester":
            return row.requester if row.resident_id is not None else _("{name} (walk-in)").format(
                name=row.requester)
        return str(getattr(row, key) or "")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and key == "number":
                return row.description
            return self._text(row, key)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.overdue:
                return OVERDUE_BACKGROUND
            if row.due_today:
                return DUE_TODAY_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue:
                return OVERDUE_TEXT
            if row.on_hold:
                return HELD_TEXT
        if role == Qt.ItemDataRole.FontRole and row.overdue and key in ("number", "status", "due_on"):
            return self._bold
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section][1])
        return None
