"""The centre's configurable list of resident tags."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import Tag, resident_tags
from app.services import access, audit

# The list a new centre starts with; staff rename or add to it in Settings.
DEFAULT_TAGS = [N_("Elderly"), N_("Child"), N_("Newcomer"), N_("Veteran"), N_("Party member"),
                N_("Disabled"), N_("Low-income family"), N_("Living alone")]


@dataclass
class TagInfo:
    id: int
    name: str
    active: bool
    resident_count: int


def list_tags(db: Database, include_inactive: bool = False) -> list[TagInfo]:
    with db.session() as s:
        counts = dict(s.execute(select(resident_tags.c.tag_id, func.count())
                                .group_by(resident_tags.c.tag_id)).all())
        stmt = select(Tag).order_by(Tag.sort_order, Tag.id)
        if not include_inactive:
            stmt = stmt.where(Tag.active.is_(True))
        return [TagInfo(t.id, t.name, t.active, counts.get(t.id, 0)) for t in s.scalars(stmt)]


def _clean(session, name: str, own_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Please enter the tag's name.")})
    if len(name) > 50:
        raise ValidationError({"name": _("The tag's name is too long (at most 50 characters).")})
    same = session.scalar(select(Tag.id).where(Tag.name == name))
    if same is not None and same != own_id:
        raise ValidationError({"name": _("The tag {name} already exists.").format(name=name)})
    return name


def add_tag(db: Database, name: str, *, actor: access.Actor) -> int:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        name = _clean(s, name, None)
        order = s.scalar(select(func.count(Tag.id))) or 0
        tag = Tag(name=name, sort_order=order, active=True)
        s.add(tag)
        s.flush()
        audit.record(s, actor, "create", "tag", tag.id, name, audit.diff({}, {"name": name}))
        return tag.id


def _get(session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFoundError(_("That tag no longer exists."))
    return tag


def rename_tag(db: Database, tag_id: int, name: str, *, actor: access.Actor) -> None:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        tag = _get(s, tag_id)
        old, tag.name = tag.name, _clean(s, name, tag_id)
        if old != tag.name:
            audit.record(s, actor, "update", "tag", tag_id, tag.name,
                         audit.diff({"name": old}, {"name": tag.name}))


def set_tag_active(db: Database, tag_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire a tag (kept on the residents who have it) or bring it back."""
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        tag = _get(s, tag_id)
        if tag.active != active:
            tag.active = active
            audit.record(s, actor, "reactivate" if active else "deactivate", "tag", tag_id, tag.name,
                         audit.diff({"active": not active}, {"active": active}))


def ensure_default_tags(db: Database, *, actor: access.Actor) -> None:
    """Give a new centre the default list (in the interface language)."""
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        if s.scalar(select(func.count(Tag.id))):
            return
        for i, name in enumerate(DEFAULT_TAGS):
            tag = Tag(name=_(name), sort_order=i, active=True)
            s.add(tag)
            s.flush()
            audit.record(s, actor, "create", "tag", tag.id, tag.name, audit.diff({}, {"name": tag.name}))
