"""Settings → Tags: the centre's list of resident tags."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QInputDialog,
                               QListView, QPushButton, QVBoxLayout)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_number
from app.services import tags
from app.services.access import Actor
from app.views.shared.forms import show_error

ID_ROLE = Qt.ItemDataRole.UserRole


class TagsDialog(QDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.changed = False
        self.setWindowTitle(_("Tags"))
        self.resize(420, 420)
        self.model = QStandardItemModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.doubleClicked.connect(lambda _i: self.rename())
        add = QPushButton(_("Add…"))
        add.clicked.connect(self.add)
        rename = QPushButton(_("Rename…"))
        rename.clicked.connect(self.rename)
        self.toggle_button = QPushButton(_("Retire / restore"))
        self.toggle_button.setToolTip(_("A retired tag stays on the residents who have it but "
                                        "can no longer be chosen."))
        self.toggle_button.clicked.connect(self.toggle)
        buttons = QHBoxLayout()
        for b in (add, rename, self.toggle_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.model.clear()
        for tag in tags.list_tags(self.db, include_inactive=True):
            text = _("{name} ({count} residents)").format(name=tag.name, count=format_number(tag.resident_count))
            if not tag.active:
                text += " — " + _("retired")
            item = QStandardItem(text)
            item.setData(tag.id, ID_ROLE)
            item.setData(tag, ID_ROLE + 1)
            self.model.appendRow(item)

    def _current(self):
        index = self.view.currentIndex()
        return index.data(ID_ROLE + 1) if index.isValid() else None

    def _run(self, fn) -> None:
        try:
            fn()
        except DeskError as exc:
            show_error(self, exc)
            return
        self.changed = True
        self.reload()

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, _("New tag"), _("Name of the tag:"))
        if ok:
            self._run(lambda: tags.add_tag(self.db, name, actor=self.actor))

    def rename(self) -> None:
        tag = self._current()
        if tag is None:
            return
        name, ok = QInputDialog.getText(self, _("Rename tag"), _("Name of the tag:"), text=tag.name)
        if ok:
            self._run(lambda: tags.rename_tag(self.db, tag.id, name, actor=self.actor))

    def toggle(self) -> None:
        tag = self._current()
        if tag is not None:
            self._run(lambda: tags.set_tag_active(self.db, tag.id, not tag.active, actor=self.actor))
