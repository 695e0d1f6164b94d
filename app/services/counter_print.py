"""The service counter's printable forms (app/features.py): 受理回执, 转办单, 委托书, 服务台账."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import N_, _, format_date
from app.models import Grid, RequestCategory, Resident, Staff, TicketEvent
from app.reports import counter_forms
from app.services import access, audit, counter
from app.services.printing import Progress, allowed, find_named, letterhead, month_of
from app.services.validators import mask_id_number


def received_by(db: Database, ticket_id: int) -> str:
    """Who received the ticket (经办人): the staff member's display name, else the account name
    (the command line's operating-system user has no account)."""
    with db.session() as s:
        found = s.execute(select(TicketEvent.actor_name, Staff.display_name)
                          .outerjoin(Staff, Staff.username == TicketEvent.actor_name)
                          .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "received")
                          .order_by(TicketEvent.at, TicketEvent.id).limit(1)).first()
    if found is None:
        return ""
    account, display = found
    return display or account


def receipt_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """受理回执: the stub the centre keeps and the receipt for the resident (phone masked)."""
    allowed(actor, access.COUNTER_RECEIVE)
    ticket = counter.get_ticket(db, ticket_id)
    return counter_forms.receipt(ticket, letterhead(db), received_by(db, ticket_id))


def dispatch_slip_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """转办单 for the handler (staff-internal: the full phone)."""
    allowed(actor, access.COUNTER_HANDLE)
    ticket = counter.get_ticket(db, ticket_id)
    labels = {"dispatch": _("Instructions"), "escalate": _("Why it was escalated")}
    instructions = [(labels[e.action], e.note) for e in counter.ticket_history(db, ticket_id)
                    if e.action in labels and e.note]
    pdf = counter_forms.dispatch_slip(ticket, letterhead(db), instructions)
    if ticket.requester_phone and "*" not in ticket.requester_phone:
        _record_print(db, actor, ticket.id, _("Dispatch slip {number}, with the requester's full phone").format(
            number=ticket.number))
    return pdf


def _record_print(db: Database, actor: access.Actor | None, ticket_id: int, summary: str) -> None:
    """The audit row of a form that carries a full phone or ID number, in its own transaction."""
    with db.session() as s:
        audit.record(s, actor or access.current_os_actor(), "print", "ticket", ticket_id, summary)


def authorisation_pdf(db: Database, ticket_id: int, *, actor: access.Actor | None = None) -> bytes:
    """委托书 for a proxy errand (代办); refused for any other ticket. When the principal is the resident
    who asked, it carries their ID number from the file: masked unless `actor` may see it in full."""
    actor = actor or access.current_os_actor()
    allowed(actor, access.COUNTER_RECEIVE)
    ticket = counter.get_ticket(db, ticket_id)
    if not ticket.proxy_errand:
        raise DeskError(_("Ticket {number} is not a proxy errand, so it has no letter of authorisation.")
                        .format(number=ticket.number))
    principal_id = ""
    if ticket.resident_id is not None:
        with db.session() as s:
            resident = s.get(Resident, ticket.resident_id)
            # The principal may be someone else the desk named (the requester's parent …): no number then.
            if resident is not None and resident.id_number and resident.name == ticket.proxy_principal:
                principal_id = resident.id_number
    if principal_id and not access.may(actor, access.PERSONAL_DATA_FULL):
        principal_id = mask_id_number(principal_id)
    pdf = counter_forms.authorisation_letter(ticket, letterhead(db), principal_id)
    if principal_id and "*" not in principal_id:
        _record_print(db, actor, ticket.id, _("Letter of authorisation {number}, with the full ID number").format(
            number=ticket.number))
    return pdf


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
    rows = flt.rows(db, today)
    return counter_forms.ledger(rows, description, figures, letterhead(db, today), progress,
                                filtered=bool(flt.status), results=results(db, rows))


def results(db: Database, rows: list[counter.TicketRow]) -> dict[int, str]:
    """办理结果 of the resolved tickets among `rows`: ticket id → the note of its latest resolution
    (a reopened ticket being handled again has none yet)."""
    resolved = [r.id for r in rows if r.resolved_on is not None]
    found: dict[int, str] = {}
    with db.session() as s:
        for start in range(0, len(resolved), 500):  # SQLite limits the parameters of one statement
            for ticket_id, note in s.execute(
                    select(TicketEvent.ticket_id, TicketEvent.note)
                    .where(TicketEvent.ticket_id.in_(resolved[start:start + 500]),
                           TicketEvent.action == "resolve", TicketEvent.note != "")
                    .order_by(TicketEvent.at, TicketEvent.id)):
                found[ticket_id] = note  # the latest wins
    return found


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
