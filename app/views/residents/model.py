"""The residents grid: holds only the ids of the current result list and loads
row contents a page at a time, so 30,000 residents scroll smoothly."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.db import Database
from app.i18n import N_, _
from app.services import residents
from app.services.residents import GENDERS, ResidentRow

PAGE = 200
COLUMNS = [
    ("name", N_("Name")),
    ("gender", N_("Gender")),
    ("age", N_("Age")),
    ("phone", N_("Phone")),
    ("id_number", N_("ID number")),
    ("address", N_("Address")),
    ("grid", N_("Grid")),
    ("tags", N_("Tags")),
]
ID_ROLE = Qt.ItemDataRole.UserRole


class ResidentTableModel(QAbstractTableModel):
    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.ids: list[int] = []
        self._cache: dict[int, ResidentRow] = {}
        self.query = ""
        self.include_inactive = False

    # -- loading ------------------------------------------------------------------
    def search(self, query: str, include_inactive: bool | None = None) -> None:
        if include_inactive is not None:
            self.include_inactive = include_inactive
        self.query = query
        ids = residents.search_ids(self.db, query, self.include_inactive)
        self.beginResetModel()
        self.ids = ids
        self._cache.clear()
        self.endResetModel()

    def refresh(self) -> None:
        self.search(self.query)

    def _row(self, row: int) -> ResidentRow | None:
        rid = self.ids[row]
        found = self._cache.get(rid)
        if found is None:
            if len(self._cache) > 5000:
                self._cache.clear()
            start = max(0, row - PAGE // 4)
            self._cache.update(residents.fetch_rows(self.db, self.ids[start:start + PAGE]))
            found = self._cache.get(rid)
        return found

    def resident_id(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, resident_id: int) -> int:
        try:
            return self.ids.index(resident_id)
        except ValueError:
            return -1

    # -- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section][1])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == ID_ROLE:
            return self.ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.ToolTipRole):
            return None
        row = self._row(index.row())
        if row is None:  # deleted since the search ran
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#9a9a9a")) if not row.active else None
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _("Moved away or no longer served") if not row.active else None
        if key == "gender":
            return _(GENDERS[row.gender]) if row.gender else ""
        if key == "age":
            return "" if row.age is None else str(row.age)
        if key == "id_number":
            return row.id_number_masked
        if key == "name" and not row.active:
            return _("{name} (inactive)").format(name=row.name)
        return getattr(row, key)
