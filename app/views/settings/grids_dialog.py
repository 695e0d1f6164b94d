"""Settings → Grids: the community → grid → sub-grid tree and its grid workers."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from app.db import Database
from app.i18n import _, format_number
from app.services import access, grids
from app.services.access import Actor
from app.views import notices
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


class GridEditDialog(FormDialog):
    """Name and grid worker of a new grid below `parent_id` (None: a new community), or of `grid`."""

    topic = notices.GRIDS

    def __init__(self, db: Database, grid: grids.GridNode | None = None, parent_id: int | None = None,
                 parent=None, *, actor: Actor):
        self.db, self.grid, self.parent_id, self.actor = db, grid, parent_id, actor
        edits = (QLineEdit(grid.name if grid else ""), QLineEdit(grid.worker_name if grid else ""),
                 QLineEdit(grid.worker_phone if grid else ""))
        super().__init__(_("Edit grid") if grid else _("New grid"),
                         [(_("Name of the grid"), "name", edits[0]), (_("Grid worker"), "worker_name", edits[1]),
                          (_("Grid worker's phone"), "worker_phone", edits[2])], parent, min_width=380)
        self.name_edit, self.worker_edit, self.phone_edit = edits

    def prepare(self):
        db, actor, grid, parent_id = self.db, self.actor, self.grid, self.parent_id
        name, worker, phone = self.name_edit.text(), self.worker_edit.text(), self.phone_edit.text()
        if grid is None:
            return lambda: grids.add_grid(db, parent_id, name, worker, phone, actor=actor)
        return lambda: grids.update_grid(db, grid.id, name, worker, phone, actor=actor)


class GridsDialog(ListManagerDialog):
    topic = notices.GRIDS

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        edit = access.SETTINGS_EDIT
        super().__init__(
            _("Grids"),
            [Column(_("Grid"), lambda n: n.name), Column(_("Grid worker"), lambda n: n.worker_name),
             Column(_("Phone"), lambda n: n.worker_phone),
             Column(_("Number of residents"), lambda n: format_number(n.resident_count),
                    Qt.AlignmentFlag.AlignRight)],
            lambda: grids.grid_tree(db), key=lambda n: n.id, children=lambda n: n.children,
            parent=parent, actor=actor, size=(700, 500), stretch=0, actions=[
                Action(_("New community…"), self.add_community, permission=edit),
                Action(_("Add below…"), self.add_grid, selected=True, permission=edit,
                       when=lambda n: n.level < grids.SUB_GRID,
                       tooltip=_("A new grid below the chosen one; a sub-grid has none below it.")),
                Action(_("Edit…"), self.edit_grid, selected=True, default=True, permission=edit),
                Action(_("Delete"), self.delete_grid, selected=True, permission=access.RECORDS_DELETE,
                       tooltip=_("Only an empty grid can be deleted: no grids below it and no residents.")),
            ])

    def add_community(self) -> None:
        self.add_grid(root=True)

    def add_grid(self, root: bool = False) -> None:
        node = None if root else self.current()
        if not root and node is None:
            return
        dialog = GridEditDialog(self.db, None, None if node is None else node.id, self, actor=self.actor)
        self.edit_with(dialog, select=lambda new_id: new_id)

    def edit_grid(self) -> None:
        node = self.current()
        if node is not None:
            self.edit_with(GridEditDialog(self.db, node, node.parent_id, self, actor=self.actor))

    def delete_grid(self) -> None:
        node = self.current()
        if node is None:
            return
        if QMessageBox.question(self, _("Delete grid"), _("Delete {name}?").format(name=node.name)) \
                != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.db, self.actor
        self.write(lambda: grids.delete_grid(db, node.id, actor=actor), select=node.parent_id)


def edit_grids(window) -> None:
    """Settings → Grids… (app/features.py)."""
    GridsDialog(window.db, window, actor=window.actor).exec()
