"""The service counter's printable forms (app/features.py): 受理回执, 转办单, 委托书, 服务台账."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import N_, _, format_date
from app.models import Grid, RequestCategory
from app.reports import counter_forms
from app.services import access, counter
from app.services.printing import Progress, allowed, find_named, letterhead, month_of


def receipt_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """受理回执 for the resident (phone masked)."""
    allowed(actor, access.COUNTER_RECEIVE)
    return counter_forms.receipt(counter.get_ticket(db, ticket_id), letterhead(db))


def dispatch_slip_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """转办单 for the handler (staff-internal: the full phone)."""
    allowed(actor, access.COUNTER_HANDLE)
    ticket = counter.get_ticket(db, ticket_id)
    labels = {"dispatch": _("Instructions"), "escalate": _("Why it was escalated")}
    instructions = [(labels[e.action], e.note) for e in counter.ticket_history(db, ticket_id)
                    if e.action in labels and e.note]
    return counter_forms.dispatch_slip(ticket, letterhead(db), instructions)


def authorisation_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """委托书 for a proxy errand (代办); refused for any other ticket."""
    allowed(actor, access.COUNTER_RECEIVE)
    ticket = counter.get_ticket(db, ticket_id)
    if not ticket.proxy_errand:
        raise DeskError(_("Ticket {number} is not a proxy errand, so it has no letter of authorisation.")
                        .format(number=ticket.number))
    return counter_forms.authorisation_letter(ticket, letterhead(db))


# The ledger's status choices: every status, and "open" (received, dispatched or being handled).
LEDGER_STATUSES: dict[str, str] = {"open": N_("Not yet resolved"), **counter.STATUSES}


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
    allowed(actor, access.COUNTER_HANDLE)
    description = flt.describe(db)
    # The figures follow the kind and grid filters; a status filter cannot apply to them.
    figures = counter.figures(db, flt.date_from, flt.date_to, today=today, category_id=flt.category_id,
                              grid=flt.grid_id)
    return counter_forms.ledger(flt.rows(db, today), description, figures, letterhead(db, today), progress,
                                filtered=bool(flt.status))


# -- the command line's `print receipt|dispatch-slip|authorisation|ledger` ----------------------

def _ticket_id(db: Database, options) -> int:
    if not options.ticket:
        raise DeskError(_("This form needs --ticket with the ticket number."))
    return counter.find_ticket_id(db, options.ticket)


def receipt_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return receipt_pdf(db, _ticket_id(db, options), actor=actor)


def dispatch_slip_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return dispatch_slip_pdf(db, _ticket_id(db, options), actor=actor)


def authorisation_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return authorisation_pdf(db, _ticket_id(db, options), actor=actor)


def ledger_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    first, last = month_of(dt.date.today())
    grid_id = find_named(db, Grid, options.grid, _("grid")) if options.grid else None
    category_id = find_named(db, RequestCategory, options.category, _("kind of request")) if options.category else None
    return ledger_pdf(db, LedgerFilter(options.date_from or first, options.date_to or last, category_id,
                                       options.status, grid_id), actor=actor)


def some_ticket(db: Database) -> list[str]:
    """Options that print a ticket's form for the first ticket of the list (app/features.py)."""
    tickets = counter.list_tickets(db)
    return ["--ticket", tickets[0].number] if tickets else []


def some_proxy_errand(db: Database) -> list[str]:
    """Options that print the letter of authorisation of a proxy errand (app/features.py)."""
    errands = [t for t in counter.list_tickets(db) if t.proxy_errand]
    return ["--ticket", errands[0].number] if errands else []
