"""The residents' printable forms (app/features.py): 居民信息登记表, 花名册, member cards."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import _, format_number
from app.models import Grid, Resident, Tag
from app.reports import resident_forms
from app.services import access, audit, residents
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
    detail = residents.get_resident(db, resident_id)
    pdf = resident_forms.registration_form(detail, letterhead(db))
    _record_full_prints(db, [detail], actor)
    return pdf


def _full(value: str | None) -> bool:
    return bool(value) and "*" not in value


def _record_full_prints(db: Database, details: list[residents.ResidentDetail],
                        actor: access.Actor | None) -> None:
    """An audit row (in its own transaction) for each registration form that carries a full
    ID number or phone: the trail says who printed whose."""
    printed = [d for d in details if _full(d.data.id_number) or _full(d.data.phone)]
    if not printed:
        return
    with db.session() as s:
        for d in printed:
            audit.record(s, actor or access.current_os_actor(), "print", "resident", d.id,
                         _("Registration form of {name}, with the full ID number and phone").format(
                             name=d.data.name))


def roster_pdf(db: Database, flt: ResidentFilter, progress: Progress | None = None, *,
               actor: access.Actor | None = None) -> bytes:
    allowed(actor, access.RESIDENTS_PRINT)
    description = flt.describe(db)
    rows = residents.fetch_rows_in_order(db, flt.ids(db))
    return resident_forms.roster(rows, description, letterhead(db), progress)


def member_cards_pdf(db: Database, resident_ids: list[int], *, actor: access.Actor | None = None,
                     today: dt.date | None = None) -> bytes:
    """Member cards, issued `today` (by default the real today), with the centre's service phone."""
    allowed(actor, access.RESIDENTS_PRINT)
    if not resident_ids:
        raise ValidationError({"residents": _("Choose at least one resident for member cards.")})
    with db.session() as s:
        found = {rid: (name, code) for rid, name, code in s.execute(
            select(Resident.id, Resident.name, Resident.member_code).where(Resident.id.in_(resident_ids)))}
    cards = [resident_forms.MemberCard(found[i][0], found[i][1], qr_payload(found[i][1]))
             for i in resident_ids if i in found and found[i][1]]
    return resident_forms.member_cards(cards, letterhead(db, today))


# -- the command line's `print registration|roster|member-cards` --------------------------------

def _filter(db: Database, options) -> ResidentFilter:
    return ResidentFilter(
        estate=options.estate, include_inactive=options.include_inactive,
        grid_id=find_named(db, Grid, options.grid, _("grid")) if options.grid else None,
        tag_id=find_named(db, Tag, options.tag, _("tag")) if options.tag else None)


def _named_residents(db: Database, options) -> list[int]:
    """The residents named by --resident, in the order given, each once; an unknown
    number is refused (never a form with someone missing)."""
    wanted = list(dict.fromkeys(options.resident or []))
    with db.session() as s:
        found = set(s.scalars(select(Resident.id).where(Resident.id.in_(wanted)))) if wanted else set()
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFoundError(_("No resident has the record number {numbers}.").format(
            numbers=", ".join(missing)))
    return wanted


def registration_pdfs(db: Database, resident_ids: list[int], *, actor: access.Actor | None = None) -> bytes:
    """One PDF with a registration form per resident, each starting on a new page."""
    allowed(actor, access.RESIDENTS_PRINT)
    details = [residents.get_resident(db, i) for i in resident_ids]
    pdf = resident_forms.registration_forms(details, letterhead(db))
    _record_full_prints(db, details, actor)
    return pdf


def registration_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    """Forms for the residents named by --resident, or for those --estate/--grid/--tag select
    (never for everyone by accident: one of them is needed)."""
    flt = _filter(db, options)  # an unknown grid or tag is refused even with --resident
    if options.resident:
        ids = _named_residents(db, options)
    elif options.estate or options.grid or options.tag:
        ids = flt.ids(db)
        if not ids:
            raise NotFoundError(_("No resident matches {selection}.").format(selection=flt.describe(db)))
    else:
        raise DeskError(_("The registration form needs --resident (or --estate, --grid or --tag)."))
    return registration_pdfs(db, ids, actor=actor)


def roster_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    """The roster of the residents the filters select, or with --resident of just those
    residents (in the order given; the filters are still checked, as for member cards)."""
    flt = _filter(db, options)
    if not options.resident:
        return roster_pdf(db, flt, actor=actor)
    allowed(actor, access.RESIDENTS_PRINT)
    ids = _named_residents(db, options)
    description = _("Chosen residents ({count})").format(count=format_number(len(ids)))
    return resident_forms.roster(residents.fetch_rows_in_order(db, ids), description, letterhead(db))


def member_cards_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    flt = _filter(db, options)  # an unknown grid or tag is refused even with --resident
    ids = _named_residents(db, options) or flt.ids(db)
    if getattr(options, "daycare", False):  # the day-care feature's option (app/features.py)
        from app.services import daycare

        enrolled = {e.resident_id for e in daycare.list_elders(db) if e.status != "left"}
        ids = [rid for rid in ids if rid in enrolled]
        if not ids:
            raise NotFoundError(_("No elder enrolled in day care matches {selection}.").format(
                selection=flt.describe(db)))
    if getattr(options, "afterschool", False):  # the after-school feature's option (app/features.py)
        from app.services.afterschool_print import enrolled_children

        enrolled = enrolled_children(db)
        ids = [rid for rid in ids if rid in enrolled]
        if not ids:
            raise NotFoundError(_("No child enrolled in an after-school class matches {selection}.").format(
                selection=flt.describe(db)))
    return member_cards_pdf(db, ids, actor=actor)


def some_resident(db: Database) -> list[str]:
    """Options that print a resident's form for the first active resident (app/features.py)."""
    ids = residents.filtered_ids(db)
    return ["--resident", str(ids[0])] if ids else []
