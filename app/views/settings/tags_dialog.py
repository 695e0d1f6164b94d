"""Settings → Tags: the centre's list of resident tags."""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from app.db import Database
from app.i18n import _, format_number
from app.services import access, tags
from app.services.access import Actor
from app.views import notices
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog


def _tag_text(tag: tags.TagInfo) -> str:
    text = _("{name} ({count} residents)").format(name=tag.name, count=format_number(tag.resident_count))
    return text + " — " + _("retired") if not tag.active else text


class TagDialog(FormDialog):
    """The name of a new tag, or a tag's new name."""

    topic = notices.TAGS

    def __init__(self, db: Database, tag: tags.TagInfo | None, parent=None, *, actor: Actor):
        self.db, self.tag, self.actor = db, tag, actor
        self.name_edit = QLineEdit(tag.name if tag else "")
        self.name_edit.setMaxLength(50)
        super().__init__(_("Rename tag") if tag else _("New tag"), [(_("Name of the tag"), "name", self.name_edit)],
                         parent, min_width=360)

    def prepare(self):
        db, actor, name, tag = self.db, self.actor, self.name_edit.text(), self.tag
        if tag is None:
            return lambda: tags.add_tag(db, name, actor=actor)
        return lambda: tags.rename_tag(db, tag.id, name, actor=actor)


class TagsDialog(ListManagerDialog):
    topic = notices.TAGS

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        super().__init__(
            _("Tags"), [Column(_("Tag"), _tag_text)], lambda: tags.list_tags(db, include_inactive=True),
            key=lambda t: t.id, parent=parent, actor=actor, size=(460, 460), actions=[
                Action(_("Add…"), self.add, permission=access.SETTINGS_EDIT),
                Action(_("Rename…"), self.rename, selected=True, default=True, permission=access.SETTINGS_EDIT),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=access.SETTINGS_EDIT,
                       tooltip=_("A retired tag stays on the residents who have it but can no longer be "
                                 "chosen.")),
            ])

    def add(self) -> None:
        self.edit_with(TagDialog(self.db, None, self, actor=self.actor), select=lambda new_id: new_id)

    def rename(self) -> None:
        tag = self.current()
        if tag is not None:
            self.edit_with(TagDialog(self.db, tag, self, actor=self.actor))

    def toggle(self) -> None:
        tag = self.current()
        if tag is not None:
            db, actor = self.db, self.actor
            self.write(lambda: tags.set_tag_active(db, tag.id, not tag.active, actor=actor))


def edit_tags(window) -> None:
    """Settings → Tags… (app/features.py)."""
    TagsDialog(window.db, window, actor=window.actor).exec()
