"""Settings → Grids: the community → grid → sub-grid tree and its grid workers."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout,
                               QLineEdit, QMessageBox, QPushButton, QTreeView, QVBoxLayout)

from app.db import Database
from app.services.access import Actor
from app.errors import DeskError
from app.i18n import _, format_number
from app.services import grids
from app.views.shared.forms import FormDialog, show_error

ID_ROLE = Qt.ItemDataRole.UserRole
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 1


class GridEditDialog(FormDialog):
    """Name and grid worker of one grid node; `action(name, worker, phone)` saves it."""

    def __init__(self, title: str, name: str = "", worker: str = "", phone: str = "", parent=None):
        edits = QLineEdit(name), QLineEdit(worker), QLineEdit(phone)
        super().__init__(title, [(_("Name"), "name", edits[0]), (_("Grid worker"), "worker_name", edits[1]),
                                 (_("Grid worker's phone"), "worker_phone", edits[2])], parent, min_width=380)
        self.name_edit, self.worker_edit, self.phone_edit = edits
        self.action = None  # set by the caller

    def save(self) -> None:
        self.action(self.name_edit.text(), self.worker_edit.text(), self.phone_edit.text())


class GridsDialog(QDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.changed = False
        self.setWindowTitle(_("Grids"))
        self.resize(640, 480)
        self.model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.doubleClicked.connect(lambda _i: self.edit_grid())
        self.add_button = QPushButton(_("Add below…"))
        self.add_button.clicked.connect(self.add_grid)
        self.edit_button = QPushButton(_("Edit…"))
        self.edit_button.clicked.connect(self.edit_grid)
        self.delete_button = QPushButton(_("Delete"))
        self.delete_button.clicked.connect(self.delete_grid)
        self.root_button = QPushButton(_("New community…"))
        self.root_button.clicked.connect(lambda: self.add_grid(root=True))
        buttons = QHBoxLayout()
        for b in (self.root_button, self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        layout.addWidget(close)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        self.model.clear()
        self.model.setHorizontalHeaderLabels([_("Grid"), _("Grid worker"), _("Phone"), _("Number of residents")])
        found = None

        def add(parent: QStandardItem, node: grids.GridNode):
            nonlocal found
            cells = [QStandardItem(node.name), QStandardItem(node.worker_name),
                     QStandardItem(node.worker_phone), QStandardItem(format_number(node.resident_count))]
            cells[0].setData(node.id, ID_ROLE)
            cells[0].setData(node.level, LEVEL_ROLE)
            parent.appendRow(cells)
            if node.id == select_id:
                found = cells[0]
            for child in node.children:
                add(cells[0], child)

        for root in grids.grid_tree(self.db):
            add(self.model.invisibleRootItem(), root)
        self.tree.expandToDepth(0)
        self.tree.setColumnWidth(0, 220)
        if found is not None:
            self.tree.setCurrentIndex(found.index())

    def _current(self):
        index = self.tree.currentIndex().siblingAtColumn(0)
        if not index.isValid():
            return None
        item = self.model.itemFromIndex(index)
        return item

    def add_grid(self, root: bool = False) -> None:
        item = None if root else self._current()
        if not root and item is None:
            QMessageBox.information(self, self.windowTitle(), _("Choose the grid to add below first."))
            return
        parent_id = None if item is None else item.data(ID_ROLE)
        dialog = GridEditDialog(_("New grid"), parent=self)
        new_id = []
        dialog.action = lambda n, w, p: new_id.append(
            grids.add_grid(self.db, parent_id, n, w, p, actor=self.actor))
        if dialog.exec():
            self.changed = True
            self.reload(new_id[0])

    def edit_grid(self) -> None:
        item = self._current()
        if item is None:
            return
        row = item.index().row()
        parent = item.parent() or self.model.invisibleRootItem()
        worker, phone = parent.child(row, 1).text(), parent.child(row, 2).text()
        grid_id = item.data(ID_ROLE)
        dialog = GridEditDialog(_("Edit grid"), item.text(), worker, phone, self)
        dialog.action = lambda n, w, p: grids.update_grid(self.db, grid_id, n, w, p, actor=self.actor)
        if dialog.exec():
            self.changed = True
            self.reload(grid_id)

    def delete_grid(self) -> None:
        item = self._current()
        if item is None:
            return
        if QMessageBox.question(self, _("Delete grid"), _("Delete {name}?").format(name=item.text())) \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            grids.delete_grid(self.db, item.data(ID_ROLE), actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.changed = True
        self.reload()
