"""Printable forms by name: gathers the data a form needs and calls the report.

The window's print preview and the command line's `print FORM` both come here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import N_, _, format_date
from app.models import Grid, RequestCategory, Resident, Tag
from app.reports import counter_forms, resident_forms
from app.reports.toolkit import Letterhead
from app.services import access, centre, counter, residents
from app.services.member_codes import qr_payload

Progress = Callable[[int, int], None]

FORMS = {
    "registration": N_("Resident registration form"),
    "roster": N_("Resident roster"),
    "member-cards": N_("Member cards"),
    "receipt": N_("Service request receipt"),
    "dispatch-slip": N_("Dispatch slip"),
    "authorisation": N_("Letter of authorisation"),
    "ledger": N_("Service ticket ledger"),
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


def _allowed(actor: access.Actor | None, permission: str = access.RESIDENTS_PRINT) -> None:
    """Residents' forms need access.RESIDENTS_PRINT; `actor` defaults to the operating-system user."""
    access.require(actor or access.current_os_actor(), permission)


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


# -- service counter ------------------------------------------------------------------------

def receipt_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """受理回执 for the resident (phone masked)."""
    _allowed(actor, access.COUNTER_RECEIVE)
    return counter_forms.receipt(counter.get_ticket(db, ticket_id), letterhead(db))


def dispatch_slip_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """转办单 for the handler (staff-internal: the full phone)."""
    _allowed(actor, access.COUNTER_HANDLE)
    ticket = counter.get_ticket(db, ticket_id)
    labels = {"dispatch": _("Instructions"), "escalate": _("Why it was escalated")}
    instructions = [(labels[e.action], e.note) for e in counter.ticket_history(db, ticket_id)
                    if e.action in labels and e.note]
    return counter_forms.dispatch_slip(ticket, letterhead(db), instructions)


def authorisation_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """委托书 for a proxy errand (代办); refused for any other ticket."""
    _allowed(actor, access.COUNTER_RECEIVE)
    ticket = counter.get_ticket(db, ticket_id)
    if not ticket.proxy_errand:
        raise DeskError(_("Ticket {number} is not a proxy errand, so it has no letter of authorisation.")
                        .format(number=ticket.number))
    return counter_forms.authorisation_letter(ticket, letterhead(db))


# The ledger's status choices: every status, and "open" (received, dispatched or being handled).
LEDGER_STATUSES: dict[str, str] = {"open": N_("Not yet resolved"), **counter.STATUSES}


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `day`'s month: the ledger's usual period."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@dataclass
class LedgerFilter:
    """Which tickets the ledger lists: received in [date_from, date_to], optionally of one category,
    status (or "open") and grid (with its sub-grids)."""

    date_from: dt.date
    date_to: dt.date
    category_id: int | None = None
    status: str | None = None
    grid_id: int | None = None

    def check(self) -> None:
        errors = {}
        if self.date_to < self.date_from:
            errors["date_to"] = _("The period ends before it starts.")
        if self.status and self.status not in LEDGER_STATUSES:
            errors["status"] = _("Unknown status {status}; choose one of: {statuses}.").format(
                status=self.status, statuses=", ".join(LEDGER_STATUSES))
        if errors:
            raise ValidationError(errors)

    def describe(self, db: Database) -> str:
        self.check()
        parts = [_("{start} to {end}").format(start=format_date(self.date_from), end=format_date(self.date_to))]
        with db.session() as s:
            if self.category_id is not None:
                category = s.get(RequestCategory, self.category_id)
                if category is None:
                    raise NotFoundError(_("That kind of request no longer exists."))
                parts.append(category.name)
            if self.status:
                parts.append(_(LEDGER_STATUSES[self.status]))
            if self.grid_id is not None:
                grid = s.get(Grid, self.grid_id)
                if grid is None:
                    raise NotFoundError(_("That grid no longer exists."))
                parts.append(grid.name)
        return " · ".join(parts)

    def rows(self, db: Database, today: dt.date | None = None) -> list[counter.TicketRow]:
        return counter.list_tickets(db, status=self.status or None, category_id=self.category_id,
                                    grid=self.grid_id, date_from=self.date_from, date_to=self.date_to,
                                    today=today)


def ledger_pdf(db: Database, flt: LedgerFilter, progress: Progress | None = None, *,
               actor: access.Actor | None = None, today: dt.date | None = None) -> bytes:
    """服务台账 of the tickets received in the period, then the period's figures."""
    _allowed(actor, access.COUNTER_HANDLE)
    description = flt.describe(db)
    # The figures follow the kind and grid filters; a status filter cannot apply to them.
    figures = counter.figures(db, flt.date_from, flt.date_to, today=today, category_id=flt.category_id,
                              grid=flt.grid_id)
    return counter_forms.ledger(flt.rows(db, today), description, figures, letterhead(db, today), progress,
                                filtered=bool(flt.status))
