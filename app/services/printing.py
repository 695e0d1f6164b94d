"""Printable forms by name: the forms every feature declares in app/features.py, the
letterhead they share, and the look-ups the command line's `print FORM` needs.

The window's print preview calls a feature's form function directly (e.g.
`counter_print.receipt_pdf`); the command line goes through `print_form(name, …)`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from app import features
from app.db import Database
from app.errors import DeskError, NotFoundError
from app.i18n import _
from app.reports.toolkit import Letterhead
from app.services import access, centre

Progress = Callable[[int, int], None]


def forms() -> dict[str, str]:
    """Every printable form's name and (untranslated) label, in the order of the features."""
    return {name: form.label for name, (_feature, form) in features.forms().items()}


def letterhead(db: Database, today: dt.date | None = None) -> Letterhead:
    info = centre.get_centre(db)
    return Letterhead(info.name or _("Neighbourhood centre"), info.address, info.phone,
                      today or dt.date.today())


def allowed(actor: access.Actor | None, permission: str) -> None:
    """A form needs `permission`; `actor` defaults to the operating-system user (the command line)."""
    access.require(actor or access.current_os_actor(), permission)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `day`'s month: the ledger's usual period."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def find_named(db: Database, model, name: str, what: str) -> int:
    """The id of the record of `model` (a grid, tag, kind of request …) called `name`, or with
    that record number; `what` names the kind in messages."""
    with db.session() as s:
        found = list(s.scalars(select(model.id).where(model.name == name)))
        if not found and name.isdigit() and s.get(model, int(name)) is not None:
            found = [int(name)]
    if len(found) != 1:
        message = (_("There is no {what} called {name}.") if not found
                   else _("Several {what}s are called {name}; give its record number instead."))
        raise NotFoundError(message.format(what=what, name=name))
    return found[0]


def print_form(db: Database, name: str, options, *, actor: access.Actor | None = None) -> bytes:
    """The PDF of the form `name`, made from the command line's options."""
    found = features.forms().get(name)
    if found is None:
        raise DeskError(_("There is no form called {name}.").format(name=name))
    return features.resolve(found[1].make)(db, options, actor=actor)
