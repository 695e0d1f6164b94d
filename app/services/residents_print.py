"""The residents' printable forms (app/features.py): 居民信息登记表, 花名册, member cards."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import _
from app.models import Grid, Resident, Tag
from app.reports import resident_forms
from app.services import access, residents
from app.services.member_codes import qr_payload
from app.services.printing import Progress, allowed, find_named, letterhead


@dataclass
class ResidentFilter:
    estate: str | None = None
    grid_id: int | None = None
    tag_id: int | None = None
    include_inactive: bool = False

    def describe(self, db: Database) -> str:
        parts = []
        with db.session() as s:
            if self.estate:
                parts.append(self.estate)
            if self.grid_id is not None:
                grid = s.get(Grid, self.grid_id)
                if grid is None:
                    raise NotFoundError(_("That grid no longer exists."))
                parts.append(grid.name)
            if self.tag_id is not None:
                tag = s.get(Tag, self.tag_id)
                if tag is None:
                    raise NotFoundError(_("That tag no longer exists."))
                parts.append(tag.name)
        if not parts:
            parts.append(_("All residents"))
        if self.include_inactive:
            parts.append(_("including inactive"))
        return " · ".join(parts)

    def ids(self, db: Database) -> list[int]:
        return residents.filtered_ids(db, estate=self.estate, grid_id=self.grid_id, tag_id=self.tag_id,
                                      include_inactive=self.include_inactive)


def registration_pdf(db: Database, resident_id: int, *, actor: access.Actor | None = None) -> bytes:
    allowed(actor, access.RESIDENTS_PRINT)
    return resident_forms.registration_form(residents.get_resident(db, resident_id), letterhead(db))


def roster_pdf(db: Database, flt: ResidentFilter, progress: Progress | None = None, *,
               actor: access.Actor | None = None) -> bytes:
    allowed(actor, access.RESIDENTS_PRINT)
    description = flt.describe(db)
    rows = residents.fetch_rows_in_order(db, flt.ids(db))
    return resident_forms.roster(rows, description, letterhead(db), progress)


def member_cards_pdf(db: Database, resident_ids: list[int], *, actor: access.Actor | None = None) -> bytes:
    allowed(actor, access.RESIDENTS_PRINT)
    if not resident_ids:
        raise ValidationError({"residents": _("Choose at least one resident for member cards.")})
    with db.session() as s:
        found = {rid: (name, code) for rid, name, code in s.execute(
            select(Resident.id, Resident.name, Resident.member_code).where(Resident.id.in_(resident_ids)))}
    cards = [resident_forms.MemberCard(found[i][0], found[i][1], qr_payload(found[i][1]))
             for i in resident_ids if i in found and found[i][1]]
    return resident_forms.member_cards(cards, letterhead(db))


# -- the command line's `print registration|roster|member-cards` --------------------------------

def _filter(db: Database, options) -> ResidentFilter:
    return ResidentFilter(
        estate=options.estate, include_inactive=options.include_inactive,
        grid_id=find_named(db, Grid, options.grid, _("grid")) if options.grid else None,
        tag_id=find_named(db, Tag, options.tag, _("tag")) if options.tag else None)


def registration_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    if not options.resident or len(options.resident) != 1:
        raise DeskError(_("The registration form needs exactly one --resident."))
    return registration_pdf(db, options.resident[0], actor=actor)


def roster_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return roster_pdf(db, _filter(db, options), actor=actor)


def member_cards_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    flt = _filter(db, options)  # an unknown grid or tag is refused even with --resident
    return member_cards_pdf(db, options.resident or flt.ids(db), actor=actor)


def some_resident(db: Database) -> list[str]:
    """Options that print a resident's form for the first active resident (app/features.py)."""
    ids = residents.filtered_ids(db)
    return ["--resident", str(ids[0])] if ids else []
