"""The residents grid: holds only the ids of the current result list and loads
row contents a page at a time, so 30,000 residents scroll smoothly."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.db import Database
from app.i18n import N_, _
from app.services import residents
from app.services.residents import GENDERS, ResidentRow

PAGE = 50  # rows loaded per fetch: a screenful and some
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
INACTIVE_BRUSH = QBrush(QColor("#9a9a9a"))


class ResidentTableModel(QAbstractTableModel):
    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.ids: list[int] = []
        self._cache: dict[int, tuple[ResidentRow, tuple[str, ...]]] = {}
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

    def _row(self, row: int) -> tuple[ResidentRow, tuple[str, ...]] | None:
        rid = self.ids[row]
        found = self._cache.get(rid)
        if found is None:
            if len(self._cache) > 5000:
                self._cache.clear()
            start = max(0, row - PAGE // 4)
            for key, value in residents.fetch_rows(self.db, self.ids[start:start + PAGE]).items():
                self._cache[key] = (value, self._display(value))
            found = self._cache.get(rid)
        return found

    @staticmethod
    def _display(row: ResidentRow) -> tuple[str, ...]:
        """The text of each column, worked out once when the row is loaded."""
        name = _("{name} (inactive)").format(name=row.name) if not row.active else row.name
        gender = _(GENDERS[row.gender]) if row.gender else ""
        age = "" if row.age is None else str(row.age)
        return (name, gender, age, row.phone, row.id_number_masked, row.address, row.grid, row.tags)

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
        if role == Qt.ItemDataRole.DisplayRole:
            found = self._row(index.row())
            return found[1][index.column()] if found else None
        if role == ID_ROLE:
            return self.ids[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole value, where a narrow column cuts it
            found = self._row(index.row())
            if found is None:
                return None
            text = found[1][index.column()] or ""
            return text if found[0].active else "\n".join(filter(None, [text, _("Moved away or no longer served")]))
        if role == Qt.ItemDataRole.ForegroundRole:
            found = self._row(index.row())
            return INACTIVE_BRUSH if found is not None and not found[0].active else None
        return None
