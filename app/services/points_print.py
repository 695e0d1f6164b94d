"""Volunteer points' printable forms (app/features.py): 积分对账单, the voucher slip (积分兑换券) and
积分台账.

Each `<form>_pdf` gathers the form's data and calls app/reports/points_forms.py; each
`<form>_for(db, options, *, actor)` adapts it to the command line's `print FORM`. A statement and the
ledger need POINTS_EARN (whoever records service may see what it earned); a voucher slip is worth
points, so it needs POINTS_VOUCHERS and each printing is recorded in the audit trail."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import _
from app.models import LedgerEntry, Voucher, VoucherType
from app.reports import points_forms as forms
from app.services import access, audit, points
from app.services.daycare_print import parse_month
from app.services.printing import allowed, letterhead, month_of


def _reader(actor: access.Actor | None) -> access.Actor:
    return actor or access.current_os_actor()


def points_statement_pdf(db: Database, resident_id: int, date_from: dt.date | None = None,
                         date_to: dt.date | None = None, *, actor: access.Actor | None = None) -> bytes:
    """积分对账单 of a resident from `date_from` to `date_to` (either open: from the first entry, until
    the last)."""
    allowed(actor, access.POINTS_EARN)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValidationError({"date_to": _("The period ends before it starts.")})
    return forms.points_statement(points.statement(db, resident_id, date_from, date_to), letterhead(db))


def voucher_slip_pdf(db: Database, code: str, *, actor: access.Actor | None = None) -> bytes:
    """The slip of the voucher with `code` ("NDV:CODE" or the bare code); a voucher no longer usable
    prints with its status across it. Audited: the slip is worth points."""
    allowed(actor, access.POINTS_VOUCHERS)
    v = points.find_voucher(db, code)
    if v is None:
        raise NotFoundError(_("No voucher has the code “{code}”.").format(code=" ".join((code or "").split())))
    with db.session() as s:
        description = s.scalar(select(VoucherType.description).where(VoucherType.id == v.voucher_type_id)) or ""
    pdf = forms.voucher_slip(v, description, letterhead(db))
    with db.session() as s:
        audit.record(s, _reader(actor), "print", "points_voucher", v.id,
                     _("Voucher slip: {voucher} of {name}").format(voucher=v.voucher_type, name=v.resident))
    return pdf


def points_ledger_pdf(db: Database, month: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """积分台账 of `month`'s entries (any day of the month names it)."""
    allowed(actor, access.POINTS_EARN)
    first, last = month_of(month)
    return forms.points_ledger(first, points.ledger(db, first, last), letterhead(db))


# -- the command line's `print points-statement|voucher|points-ledger` ----------------------------

def points_statement_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    residents = list(getattr(options, "resident", None) or [])
    if len(residents) != 1:
        raise DeskError(_("This form needs --resident with one resident's record number."))
    return points_statement_pdf(db, residents[0], getattr(options, "date_from", None),
                                getattr(options, "date_to", None), actor=actor)


def voucher_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    if not getattr(options, "code", None):
        raise DeskError(_("This form needs --code with the voucher's code."))
    return voucher_slip_pdf(db, options.code, actor=actor)


def points_ledger_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return points_ledger_pdf(db, parse_month(getattr(options, "month", None)), actor=actor)


# -- the options that print each form for a filled database (the bundle's smoke test) -----------

def some_volunteer(db: Database) -> list[str]:
    """The resident with the most entries."""
    with db.session() as s:
        rid = s.scalar(select(LedgerEntry.resident_id).group_by(LedgerEntry.resident_id)
                       .order_by(func.count(LedgerEntry.id).desc(), LedgerEntry.resident_id).limit(1))
    return ["--resident", str(rid)] if rid is not None else []


def some_voucher(db: Database) -> list[str]:
    """The latest voucher not yet used (else the latest)."""
    with db.session() as s:
        code = s.scalar(select(Voucher.code).where(Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_(None))
                        .order_by(Voucher.issued_at.desc(), Voucher.id.desc()).limit(1)) \
            or s.scalar(select(Voucher.code).order_by(Voucher.id.desc()).limit(1))
    return ["--code", code] if code else []


def some_month(db: Database) -> list[str]:
    """The month of the latest entry (this month when there is none)."""
    with db.session() as s:
        last = s.scalar(select(func.max(LedgerEntry.day)))
    return ["--month", (last or dt.date.today()).strftime("%Y-%m")]


__all__ = ["points_statement_pdf", "voucher_slip_pdf", "points_ledger_pdf"]
