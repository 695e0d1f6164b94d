"""Search-as-you-type for residents: one box and a result grid.

Used by the residents tab and by every picker that needs a person. Focus stays
in the box; Up/Down move through the results and Enter opens the chosen one.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QStyle, QTableView, QVBoxLayout, QWidget

from app.db import Database
from app.i18n import _
from app.views.residents.model import ResidentRowDelegate, ResidentTableModel


class ResidentSearch(QWidget):
    activated = Signal(int)         # Enter or double-click on a resident
    current_changed = Signal(object)  # resident id or None

    def __init__(self, db: Database, parent: QWidget | None = None, *, pick_single_only: bool = False):
        super().__init__(parent)
        # With pick_single_only the first result is chosen only when it is the only one: where a
        # wrong pick costs something (a ticket filed under the wrong person), the desk chooses.
        self.pick_single_only = pick_single_only
        # True while current_changed comes from typing (a new result list), for a listener whose
        # reaction is dear (the residents tab's detail pane) to wait for a pause.
        self.typing = False
        self.box = QLineEdit()
        # A clear button that is always there, blank and disabled while the box is empty: Qt's own
        # appears with the first character, and its appearing re-laid out and repainted the whole window.
        self._clear_icon = self.box.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton)
        self.clear_action = self.box.addAction(QIcon(), QLineEdit.ActionPosition.TrailingPosition)
        self.clear_action.setToolTip(_("Clear the search"))
        self.clear_action.setEnabled(False)
        self.clear_action.triggered.connect(self.box.clear)
        self.box.textChanged.connect(self._show_clear_button)
        self.box.setPlaceholderText(_("Search: name, pinyin (cailiangjian), initials (clj), "
                                      "or the last 4+ digits of a phone or ID number"))
        self.box.setObjectName("residentSearchBox")
        self.model = ResidentTableModel(db, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(ResidentRowDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The tags last, stretched over what is left but never below 60 px: at Qt's 100 the columns
        # overflowed a 1280-px window by a few pixels, and a horizontal scroll bar beside the vertical
        # one is re-stacked and repainted with it at every keystroke (QAbstractScrollArea raises both).
        for column, width in enumerate((110, 62, 48, 115, 165, 240, 90, 60)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.table, 1)

        self.box.textChanged.connect(self._search)
        self.box.installEventFilter(self)
        self.table.doubleClicked.connect(lambda index: self._activate(index.row()))
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.current_changed.emit(self.model.resident_id(current.row())))
        self.setFocusProxy(self.box)

    def _show_clear_button(self, text: str) -> None:
        if self.clear_action.isEnabled() != bool(text):
            self.clear_action.setEnabled(bool(text))
            self.clear_action.setIcon(self._clear_icon if text else QIcon())

    def _search(self) -> None:
        self.model.search(self.box.text())
        self.typing = True
        try:
            self.select_row(0 if not self.pick_single_only or self.model.rowCount() == 1 else -1)
        finally:
            self.typing = False

    def refresh(self, keep_id: int | None = None) -> None:
        keep_id = keep_id if keep_id is not None else self.current_id()
        self.model.refresh()
        row = self.model.row_of(keep_id) if keep_id is not None else 0
        self.select_row(max(row, 0))

    def set_include_inactive(self, include: bool) -> None:
        self.model.search(self.box.text(), include)
        self.select_row(0)

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            self.table.selectionModel().clearSelection()
            self.current_changed.emit(None)
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def current_row(self) -> int:
        index = self.table.selectionModel().currentIndex()
        return index.row() if index.isValid() else -1

    def current_id(self) -> int | None:
        return self.model.resident_id(self.current_row())

    def _activate(self, row: int) -> None:
        rid = self.model.resident_id(row)
        if rid is not None:
            self.activated.emit(rid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._activate(self.current_row())
                return True
            if watched is self.box:
                step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1,
                        Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}.get(key)
                if step is not None and self.model.rowCount():
                    row = min(max(self.current_row() + step, 0), self.model.rowCount() - 1)
                    self.select_row(row)
                    return True
            elif watched is self.table and event.text().strip() and not event.modifiers() & (
                    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                # Typing while the grid has focus goes on into the search box.
                self.box.setFocus()
                self.box.insert(event.text())
                return True
        return super().eventFilter(watched, event)
