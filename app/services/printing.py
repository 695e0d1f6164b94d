"""Printable forms by name: gathers the data a form needs and calls the report.

The window's print preview and the command line's `print FORM` both come here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import Grid, Resident, Tag
from app.reports import resident_forms
from app.reports.toolkit import Letterhead
from app.services import access, centre, residents
from app.services.member_codes import qr_payload

Progress = Callable[[int, int], None]

FORMS = {
    "registration": N_("Resident registration form"),
    "roster": N_("Resident roster"),
    "member-cards": N_("Member cards"),
}


def letterhead(db: Database, today: dt.date | None = None) -> Letterhead:
    info = centre.get_centre(db)
    return Letterhead(info.name or _("Neighbourhood centre"), info.address, info.phone,
                      today or dt.date.today())


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


def _allowed(actor: access.Actor | None) -> None:
    """Printing needs access.RESIDENTS_PRINT; `actor` defaults to the operating-system user."""
    access.require(actor or access.current_os_actor(), access.RESIDENTS_PRINT)


def registration_pdf(db: Database, resident_id: int, *, actor: access.Actor | None = None) -> bytes:
    _allowed(actor)
    return resident_forms.registration_form(residents.get_resident(db, resident_id), letterhead(db))


def roster_pdf(db: Database, flt: ResidentFilter, progress: Progress | None = None, *,
               actor: access.Actor | None = None) -> bytes:
    _allowed(actor)
    description = flt.describe(db)
    rows = residents.fetch_rows_in_order(db, flt.ids(db))
    return resident_forms.roster(rows, description, letterhead(db), progress)


def member_cards_pdf(db: Database, resident_ids: list[int], *, actor: access.Actor | None = None) -> bytes:
    _allowed(actor)
    if not resident_ids:
        raise ValidationError({"residents": _("Choose at least one resident for member cards.")})
    with db.session() as s:
        found = {rid: (name, code) for rid, name, code in s.execute(
            select(Resident.id, Resident.name, Resident.member_code).where(Resident.id.in_(resident_ids)))}
    cards = [resident_forms.MemberCard(found[i][0], found[i][1], qr_payload(found[i][1]))
             for i in resident_ids if i in found and found[i][1]]
    return resident_forms.member_cards(cards, letterhead(db))
