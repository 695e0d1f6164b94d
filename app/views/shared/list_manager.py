"""One dialog for the short lists an administrator looks after (tags, grids, staff, the request
catalogue, holidays): a title, the list, a row of actions above it, Close below.

    ListManagerDialog(_("Tags"), [Column(_("Tag"), lambda t: t.name)], lambda: tags.list_tags(db),
                      key=lambda t: t.id, actions=[Action(_("Add…"), add), Action(_("Rename…"), rename,
                      selected=True, default=True)], topic=notices.TAGS, parent=window, actor=actor)

`load()` returns the rows (any objects); `key(row)` is a row's id, by which the selection is kept
across a reload. A list of nested rows (the grid tree) passes `children=` and is shown as a tree.
An action's button is enabled only while a row is chosen (`selected`), while `when(row)` holds, and
only for those who `may` do `permission` (a courtesy: the services check again). Double-click runs
the `default` action. Every change goes through `write()` (a service call) or `edit_with()` (a
FormDialog): both save through views/shared/writes.py, which sends the change notice, then the
list reloads keeping the row chosen, and `changed` is True.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DeskError
from app.services import access
from app.services.access import Actor
from app.views.notices import Notices
from app.views.shared import writes
from app.views.shared.forms import FormDialog, show_error

ROW_ROLE = Qt.ItemDataRole.UserRole  # the row object behind a cell


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], object]  # the text shown for a row
    align: Qt.AlignmentFlag | None = None  # e.g. numbers to the right


@dataclass(frozen=True)
class Action:
    label: str
    handler: Callable[[], None]  # reads the chosen row with `dialog.current()`
    selected: bool = False  # needs a chosen row
    permission: str | None = None  # offered only to those who may (services/access.py)
    when: Callable[[Any], bool] | None = None  # and only while this holds for the chosen row
    default: bool = False  # run on double-click
    tooltip: str = ""


class _Rows:
    """What the table and the tree model share: columns, row objects, lookup by key."""

    columns: list[Column]
    key: Callable[[Any], object]

    def _cell(self, row: Any, column: int, role) -> object:
        col = self.columns[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = col.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align is not None:
            return int(col.align | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return row
        return None

    def _header(self, section: int, orientation, role) -> object:
        if orientation != Qt.Orientation.Horizontal or section >= len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].align is not None:
            return int(self.columns[section].align | Qt.AlignmentFlag.AlignVCenter)  # over its numbers
        return None

    @property
    def rows(self) -> list[tuple[str, ...]]:
        """The text of every row as shown (top level), e.g. for tests."""
        return [tuple(self._cell(r, c, Qt.ItemDataRole.DisplayRole) for c in range(len(self.columns)))
                for r in self.items]


class RowsModel(_Rows, QAbstractTableModel):
    """A flat list of row objects, one column per `Column`."""

    def __init__(self, columns: Sequence[Column], key: Callable[[Any], object], parent=None):
        QAbstractTableModel.__init__(self, parent)
        self.columns, self.key, self.items = list(columns), key, []

    def set_rows(self, rows: Iterable[Any]) -> None:
        self.beginResetModel()
        self.items = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return self._cell(self.items[index.row()], index.column(), role) if index.isValid() else None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        return self._header(section, orientation, role)

    def index_of(self, key: object) -> QModelIndex:
        for row, item in enumerate(self.items):
            if self.key(item) == key:
                return self.index(row, 0)
        return QModelIndex()

    def all_items(self) -> list[Any]:
        return list(self.items)


class _Node:
    __slots__ = ("children", "parent", "position", "row")

    def __init__(self, row: Any, parent: _Node | None, position: int):
        self.row, self.parent, self.position, self.children = row, parent, position, []


class TreeRowsModel(_Rows, QAbstractItemModel):
    """Nested row objects (`children(row)` lists a row's children), shown by a QTreeView."""

    def __init__(self, columns: Sequence[Column], key: Callable[[Any], object],
                 children: Callable[[Any], Iterable[Any]], parent=None):
        QAbstractItemModel.__init__(self, parent)
        self.columns, self.key, self.children_of = list(columns), key, children
        self.items: list[Any] = []
        self._root = _Node(None, None, 0)
        self._nodes: list[_Node] = []  # keeps every node alive while indexes point at it

    def set_rows(self, rows: Iterable[Any]) -> None:
        self.beginResetModel()
        self.items = list(rows)
        self._root = _Node(None, None, 0)
        self._nodes = []

        def add(parent: _Node, row: Any) -> None:
            node = _Node(row, parent, len(parent.children))
            parent.children.append(node)
            self._nodes.append(node)
            for child in self.children_of(row):
                add(node, child)

        for row in self.items:
            add(self._root, row)
        self.endResetModel()

    def _node(self, index: QModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row, column, parent=QModelIndex()):
        node = self._node(parent)
        if not (0 <= row < len(node.children) and 0 <= column < len(self.columns)):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index=None):
        if index is None:  # QObject.parent()
            return QAbstractItemModel.parent(self)
        if not index.isValid():
            return QModelIndex()
        up = index.internalPointer().parent
        return QModelIndex() if up is None or up is self._root else self.createIndex(up.position, 0, up)

    def rowCount(self, parent=QModelIndex()):
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent=QModelIndex()):
        return len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return self._cell(index.internalPointer().row, index.column(), role) if index.isValid() else None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        return self._header(section, orientation, role)

    def index_of(self, key: object) -> QModelIndex:
        for node in self._nodes:
            if self.key(node.row) == key:
                return self.createIndex(node.position, 0, node)
        return QModelIndex()

    def all_items(self) -> list[Any]:
        """Every row, parents before their children."""
        return [node.row for node in self._nodes]


class ListManagerDialog(QDialog):
    """See the module's docstring. Subclasses pass their columns, `load` and actions to
    `__init__`, which loads the list once."""

    topic: str | None = None  # the change notice a write sends (views/notices.py)

    def __init__(self, title: str, columns: Sequence[Column], load: Callable[[], Iterable[Any]], *,
                 key: Callable[[Any], object], actions: Sequence[Action] = (), parent: QWidget | None = None,
                 actor: Actor | None = None, children: Callable[[Any], Iterable[Any]] | None = None,
                 topic: str | None = None, notices: Notices | None = None, intro: str = "",
                 extra: Sequence[QWidget] = (), size: tuple[int, int] = (640, 460), stretch: int = -1):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(*size)
        self.load, self.actor = load, actor
        self.stretch = stretch % len(columns)  # the column that takes the width left over
        if notices is not None:  # writes.save and the editors find it here (else on a parent)
            self.notice = notices
        if topic is not None:
            self.topic = topic
        self.changed = False  # True after any change was saved
        if children is None:
            self.model: RowsModel | TreeRowsModel = RowsModel(columns, key, self)
            self.view: QAbstractItemView = QTableView()
            self.view.verticalHeader().hide()
            self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
            self.view.setWordWrap(False)
            self.view.horizontalHeader().setHighlightSections(False)
        else:
            self.model = TreeRowsModel(columns, key, children, self)
            self.view = QTreeView()
            self.view.setUniformRowHeights(True)
            self.view.setStyleSheet("QTreeView::item { padding: 4px 0px; }")  # as tall as a table's rows
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentChanged.connect(lambda *_a: self.follow_selection())
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self.follow_selection())

        self.bar = QWidget()  # the actions; disabled while a write runs
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in extra:
            row.addWidget(widget)
        self.list_actions: list[Action] = list(actions)
        self.action_buttons: list[QPushButton] = []
        for action in self.list_actions:
            button = QPushButton(action.label)
            if action.tooltip:
                button.setToolTip(action.tooltip)
            button.clicked.connect(lambda _checked=False, a=action: self._run(a))
            row.addWidget(button)
            self.action_buttons.append(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            text.setProperty("role", "hint")
            layout.addWidget(text)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)
        self.reload()

    # -- the list ---------------------------------------------------------------------------
    def current(self) -> Any | None:
        """The chosen row object, or None."""
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row(), index.parent()):
            return None
        return index.siblingAtColumn(0).data(ROW_ROLE)

    def current_key(self) -> object | None:
        row = self.current()
        return None if row is None else self.model.key(row)

    def items(self) -> list[Any]:
        """Every row loaded (in a tree, parents before their children)."""
        return self.model.all_items()

    def select(self, key: object | None) -> bool:
        """Choose the row whose key is `key`; False when it is not in the list."""
        index = self.model.index_of(key) if key is not None else QModelIndex()
        if not index.isValid():
            self.view.clearSelection()
            self.view.selectionModel().setCurrentIndex(QModelIndex(),
                                                       self.view.selectionModel().SelectionFlag.NoUpdate)
            self.follow_selection()
            return False
        self.view.selectionModel().setCurrentIndex(
            index, self.view.selectionModel().SelectionFlag.ClearAndSelect
            | self.view.selectionModel().SelectionFlag.Rows)
        self.view.scrollTo(index)  # a tree opens the parents of the row
        self.follow_selection()
        return True

    def reload(self, select: object | None = None) -> None:
        """Load the list again, keeping the row chosen (or choosing `select`, a key)."""
        key = select if select is not None else self.current_key()
        expanded = self._expanded_keys() if isinstance(self.view, QTreeView) else None
        try:
            rows = list(self.load())
        except DeskError as exc:
            show_error(self, exc)
            rows = []
        self.model.set_rows(rows)
        if isinstance(self.view, QTreeView):
            if expanded is None or not self.items() or not getattr(self, "_loaded", False):
                self.view.expandToDepth(0)
            else:
                for k in expanded:
                    index = self.model.index_of(k)
                    if index.isValid():
                        self.view.expand(index)
        self._fit_columns()
        self._loaded = True
        self.select(key)

    def _fit_columns(self) -> None:
        """Each column as wide as its widest text plus some air; `stretch` takes what is left."""
        header = self.view.header() if isinstance(self.view, QTreeView) else self.view.horizontalHeader()
        last = self.model.columnCount() - 1
        header.setStretchLastSection(self.stretch == last)
        for column in range(last + 1):
            if column == self.stretch:
                if column != last:
                    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.resizeColumnToContents(column)
            self.view.setColumnWidth(column, self.view.columnWidth(column) + 20)

    def _expanded_keys(self) -> list[object]:
        keys = []
        for node in getattr(self.model, "_nodes", []):
            if node.children and self.view.isExpanded(self.model.createIndex(node.position, 0, node)):
                keys.append(self.model.key(node.row))
        return keys

    # -- the actions -------------------------------------------------------------------------
    def _allowed(self, action: Action) -> bool:
        return action.permission is None or self.actor is None or access.may(self.actor, action.permission)

    def follow_selection(self) -> None:
        """Enable each action's button for the chosen row."""
        row = self.current()
        for action, button in zip(self.list_actions, self.action_buttons):
            enabled = self._allowed(action)
            if action.selected:
                enabled = enabled and row is not None
            if enabled and action.when is not None and row is not None:
                enabled = bool(action.when(row))
            button.setEnabled(enabled)

    def button(self, handler: Callable[[], None]) -> QPushButton:
        """The button of the action whose handler is `handler`."""
        for action, button in zip(self.list_actions, self.action_buttons):
            if action.handler == handler:
                return button
        raise KeyError(handler)

    def _run(self, action: Action) -> None:
        row = self.current()
        if not self._allowed(action) or (action.selected and row is None) \
                or (action.when is not None and row is not None and not action.when(row)):
            return
        action.handler()

    def _double_clicked(self, _index) -> None:
        for action in self.list_actions:
            if action.default:
                self._run(action)
                return

    # -- changes -----------------------------------------------------------------------------
    def write(self, call: Callable[[], Any], *, select: object | Callable[[Any], object] | None = None,
              topic: str | None = None) -> None:
        """Run the service call `call()` through writes.save; on success the list reloads and
        chooses `select` (a key, or a function of the call's result; default: the row chosen)."""
        writes.save(self, call, topic=topic or self.topic, on_saved=lambda result: self.after_change(select, result),
                    busy=self.bar)

    def edit_with(self, dialog: FormDialog, *, select: object | Callable[[Any], object] | None = None) -> None:
        """Show an editor (a FormDialog, which saves itself); once it has saved, reload as `write()`."""
        chained = dialog.saved

        def saved(result: Any) -> None:
            chained(result)
            self.after_change(select, result)

        dialog.saved = saved  # FormDialog.accept() calls self.saved(result) after a successful save
        dialog.exec()

    def after_change(self, select: object | Callable[[Any], object] | None = None, result: Any = None) -> None:
        self.changed = True
        self.reload(select(result) if callable(select) else select)
