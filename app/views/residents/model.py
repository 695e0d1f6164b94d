"""The residents grid: holds only the ids of the current result list and loads
row contents a page at a time, so 30,000 residents scroll smoothly."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

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
_ROLES_SHOWN = frozenset(int(role) for role in (Qt.ItemDataRole.DisplayRole, ID_ROLE, Qt.ItemDataRole.ToolTipRole,
                                                Qt.ItemDataRole.ForegroundRole))


class _EveryoneIds:
    """The ids of the empty query (everyone, in pinyin order) as a list the model can use,
    read from SQL as needed: the count and the first rows at once, all ids only when the
    list is scrolled (or searched) beyond them. The first paint never waits for the search
    index, whatever the number of residents."""

    FIRST = 500

    def __init__(self, db: Database, include_inactive: bool):
        self.db, self.include_inactive = db, include_inactive
        self._count = residents.count_residents(db, include_inactive)
        self._first = residents.page_ids(db, 0, self.FIRST, include_inactive)
        self._all: list[int] | None = None if self._count > len(self._first) else self._first

    def _everyone(self) -> list[int]:
        if self._all is None:
            self._all = residents.page_ids(self.db, include_inactive=self.include_inactive)
        return self._all

    def __len__(self) -> int:
        # As counted, until the model is reset: a row written meanwhile shows at the next
        # refresh (its notice), and a row gone meanwhile is an empty line until then.
        return self._count

    def __getitem__(self, key):
        start, stop = (key.start or 0, key.stop) if isinstance(key, slice) else (key, key + 1)
        if self._all is None and 0 <= start and stop is not None and stop <= len(self._first):
            return self._first[key]
        return self._everyone()[key]

    def index(self, resident_id: int) -> int:
        if self._all is None and resident_id in self._first:
            return self._first.index(resident_id)
        return self._everyone().index(resident_id)


class ResidentTableModel(QAbstractTableModel):
    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.ids: list[int] | _EveryoneIds = []
        self._cache: dict[int, tuple[ResidentRow, tuple[str, ...]]] = {}
        self._by_row: dict[int, tuple[ResidentRow, tuple[str, ...]]] = {}  # the same, by row, until reset
        self.query = ""
        self.include_inactive = False

    # -- loading ------------------------------------------------------------------
    def search(self, query: str, include_inactive: bool | None = None) -> None:
        if include_inactive is not None and include_inactive != self.include_inactive:
            self.include_inactive = include_inactive
            self._cache.clear()
        # Typing on (or back) keeps the rows already loaded: most of the next list was on this one
        # (4 ms a keystroke); another query, or a change notice (refresh), loads them afresh.
        if not (query.startswith(self.query) or self.query.startswith(query)):
            self._cache.clear()
        self.query = query
        if residents.blank_query(query):
            ids = _EveryoneIds(self.db, self.include_inactive)
        else:
            ids = residents.search_ids(self.db, query, self.include_inactive)
        self.beginResetModel()
        self.ids = ids
        self._by_row = {}
        self.endResetModel()

    def refresh(self) -> None:
        self._cache.clear()
        self.search(self.query)

    def _row(self, row: int) -> tuple[ResidentRow, tuple[str, ...]] | None:
        found = self._by_row.get(row)  # asked for each cell and role of a paint
        if found is not None:
            return found
        rid = self.resident_id(row)
        if rid is None:
            return None
        found = self._cache.get(rid)
        if found is None:
            if len(self._cache) > 5000:
                self._cache.clear()
                self._by_row.clear()
            start = max(0, row - PAGE // 4)
            for key, value in residents.fetch_rows(self.db, self.ids[start:start + PAGE]).items():
                self._cache[key] = (value, self._display(value))
            found = self._cache.get(rid)
        if found is not None:
            self._by_row[row] = found
        return found

    @staticmethod
    def _display(row: ResidentRow) -> tuple[str, ...]:
        """The text of each column, worked out once when the row is loaded."""
        name = _("{name} (inactive)").format(name=row.name) if not row.active else row.name
        gender = _(GENDERS[row.gender]) if row.gender else ""
        age = "" if row.age is None else str(row.age)
        return (name, gender, age, row.phone, row.id_number_masked, row.address, row.grid, row.tags)

    def resident_id(self, row: int) -> int | None:
        try:
            return self.ids[row] if 0 <= row < len(self.ids) else None
        except IndexError:  # everyone's list, shorter than counted (see _EveryoneIds)
            return None

    def cell(self, row: int, column: int) -> tuple[str, bool] | None:
        """A cell's text and whether its resident is active (None: no such row), for the delegate."""
        found = self._row(row)
        return None if found is None else (found[1][column], found[0].active)

    def row_active(self, row: int) -> bool | None:
        """Whether the resident on `row` is active (None: no such row), from the loaded page."""
        found = self._row(row) if 0 <= row < len(self.ids) else None
        return None if found is None else found[0].active

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
        # Called for about ten roles per cell on every paint: the roles not shown return at once.
        if role not in _ROLES_SHOWN:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            found = self._row(index.row())
            return found[1][index.column()] if found else None
        if role == ID_ROLE:
            return self.resident_id(index.row())
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


class ResidentRowDelegate(QStyledItemDelegate):
    """Paints a cell of the residents grid from its loaded row in one call into Python, where Qt's
    own delegate asks the model for seven roles per cell, a call each: with the measuring below,
    the repaint after every keystroke takes 3.5 ms instead of 5.1. What it paints is what those
    roles give: the text, grey if inactive (a test compares the two)."""

    def __init__(self, model: ResidentTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self._sizing = False

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        option.index = index
        cell = self.model.cell(index.row(), index.column())
        if cell is None:
            return
        option.text = cell[0]
        if self._sizing:
            # Flagged as shown, the text is measured as well as drawn: wanted for a size (a column
            # fitted to its contents), not for a paint (the same pixels, 0.8 ms a repaint slower).
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        if not cell[1]:
            option.palette.setBrush(QPalette.ColorRole.Text, INACTIVE_BRUSH)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        self._sizing = True
        try:
            return super().sizeHint(option, index)
        finally:
            self._sizing = False
