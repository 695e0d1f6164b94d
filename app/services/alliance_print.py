"""The merchant alliance's printable forms (app/features.py): 入盟申请表, 入盟协议书, the window
certificate (爱心商铺), 联盟成员名册, 投诉台账 and 季度评议排名.

Each `<form>_pdf` gathers the form's data and calls app/reports/alliance_forms.py; each
`<form>_for(db, options, *, actor)` adapts it to the command line's `print FORM`. A merchant's own
forms show its contact's phone to staff who take applications (alliance.may_see_phones); the
roster and the complaint ledger are lists, so phones are masked there unless the reader has
PERSONAL_DATA_FULL."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _
from app.models import Resident
from app.models.alliance import Commitment, Complaint, Evaluation, Merchant
from app.reports import alliance_forms as forms
from app.services import access, alliance, audit
from app.services.alliance import MEMBER, SUSPENDED
from app.services.printing import allowed, letterhead, month_of


def _reader(actor: access.Actor | None) -> access.Actor:
    return actor or access.current_os_actor()


def _not_ended(info: alliance.MerchantInfo, today: dt.date) -> list[alliance.CommitmentRow]:
    """The commitments in force or still to come: what the agreement and the certificate promise."""
    return [c for c in info.commitments if c.until is None or c.until >= today]


# -- a merchant's own forms -----------------------------------------------------------------------

def merchant_application_pdf(db: Database, merchant_id: int, *, actor: access.Actor | None = None) -> bytes:
    """入盟申请表 of a merchant: its details, how it applied, the services it offers, lines to sign."""
    allowed(actor, access.ALLIANCE_APPLY)
    info = alliance.get_merchant(db, merchant_id, actor=_reader(actor))
    return forms.merchant_application(info, info.commitments, letterhead(db))


def merchant_agreement_pdf(db: Database, merchant_id: int, *, actor: access.Actor | None = None) -> bytes:
    """入盟协议书 of a merchant: the parties, its public-benefit commitments (those not ended), the
    alliance's general terms, and signature and stamp lines."""
    allowed(actor, access.ALLIANCE_APPLY)
    info = alliance.get_merchant(db, merchant_id, actor=_reader(actor))
    return forms.merchant_agreement(info, _not_ended(info, dt.date.today()), letterhead(db))


def merchant_certificate_pdf(db: Database, merchant_id: int, *, actor: access.Actor | None = None) -> bytes:
    """The window certificate of a member (refused for anyone else: a shop that applied, was not
    admitted, is suspended or left has no certificate to show). Each printing is audited: the
    certificate tells the public the shop is a member."""
    allowed(actor, access.ALLIANCE_APPLY)
    reader = _reader(actor)
    info = alliance.get_merchant(db, merchant_id, actor=reader)
    row = info.row
    if row.status != MEMBER or not row.member_code:
        raise ValidationError({"merchant": _("{name} is not a member of the alliance ({status}): only members get "
                                             "a window certificate.").format(name=row.name, status=row.status_text)})
    pdf = forms.merchant_certificate(info, _not_ended(info, dt.date.today()), letterhead(db))
    with db.session() as s:
        audit.record(s, reader, "print", "merchant", row.id,
                     _("Window certificate of {name}").format(name=row.name))
    return pdf


# -- the lists ------------------------------------------------------------------------------------

def _whole_contacts(db: Database, ids: list[int]) -> dict[int, str]:
    """Contacts with their whole phones ("name phone"), for a reader who may see them."""
    if not ids:
        return {}
    with db.session() as s:
        found = s.execute(select(Merchant.id, Merchant.contact_name, Merchant.contact_phone, Resident.name,
                                 Resident.phone)
                          .outerjoin(Resident, Resident.id == Merchant.contact_resident_id)
                          .where(Merchant.id.in_(ids))).all()
    return {mid: " ".join(x for x in (name or resident or "", phone or resident_phone or "") if x)
            for mid, name, phone, resident, resident_phone in found}


def roster_rows(db: Database, *, whole_phones: bool = False) -> list[alliance.MerchantRow]:
    """The members (suspended ones too) by batch (第一批, 第二批 … 第十一批; those without a batch last), then name."""
    rows = [r for r in alliance.list_merchants(db) if r.status in (MEMBER, SUSPENDED)]
    rows.sort(key=lambda r: (alliance.batch_order(r.batch), r.name, r.id))
    if whole_phones:
        contacts = _whole_contacts(db, [r.id for r in rows])
        for r in rows:
            r.contact = contacts.get(r.id, r.contact)
    return rows


def alliance_roster_pdf(db: Database, *, actor: access.Actor | None = None) -> bytes:
    """联盟成员名册: the members by batch; contacts' phones masked unless the reader has
    PERSONAL_DATA_FULL."""
    allowed(actor, access.ALLIANCE_APPLY)
    whole = access.may(_reader(actor), access.PERSONAL_DATA_FULL)
    return forms.alliance_roster(roster_rows(db, whole_phones=whole), letterhead(db), phones_masked=not whole)


def complaint_ledger_pdf(db: Database, date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                         actor: access.Actor | None = None) -> bytes:
    """投诉台账 of the complaints received from `date_from` to `date_to` (default: this month), with
    the complaint rate of the half-year containing `date_to`."""
    allowed(actor, access.ALLIANCE_COMPLAINTS)
    first, last = month_of(dt.date.today())
    date_from, date_to = date_from or first, date_to or last
    if date_from > date_to:
        raise ValidationError({"date_to": _("The period ends before it starts.")})
    rows = alliance.list_complaints(db, date_from=date_from, date_to=date_to, actor=_reader(actor))
    rate = alliance.complaint_rate(db, date_to.year, 1 if date_to.month <= 6 else 2)
    return forms.complaint_ledger(rows, date_from, date_to, rate, letterhead(db))


def alliance_ranking_pdf(db: Database, quarter: str, *, actor: access.Actor | None = None) -> bytes:
    """季度评议排名 of `quarter` ("2026-Q3"); a quarter without evaluations is refused (alliance.ranking)."""
    allowed(actor, access.ALLIANCE_EVALUATE)
    year, number = alliance.parse_quarter(quarter)
    rows = alliance.ranking(db, "{}-Q{}".format(year, number))
    return forms.alliance_ranking(year, number, rows, letterhead(db))


# -- the command line's `print merchant-application|…|alliance-ranking` ---------------------------

def _merchant_of(db: Database, options) -> int:
    return alliance.find_merchant(db, getattr(options, "merchant", None) or "").id


def merchant_application_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return merchant_application_pdf(db, _merchant_of(db, options), actor=actor)


def merchant_agreement_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return merchant_agreement_pdf(db, _merchant_of(db, options), actor=actor)


def merchant_certificate_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return merchant_certificate_pdf(db, _merchant_of(db, options), actor=actor)


def alliance_roster_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return alliance_roster_pdf(db, actor=actor)


def complaint_ledger_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return complaint_ledger_pdf(db, getattr(options, "date_from", None), getattr(options, "date_to", None),
                                actor=actor)


def alliance_ranking_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    if not getattr(options, "quarter", None):
        raise DeskError(_("This form needs --quarter with the quarter, as YYYY-Qn."))
    return alliance_ranking_pdf(db, options.quarter, actor=actor)


# -- the options that print each form for a filled database (the bundle's smoke test) -----------

def some_member(db: Database) -> list[str]:
    """A member with the most commitments (the certificate needs a member)."""
    with db.session() as s:
        name = s.scalar(select(Merchant.name).outerjoin(Commitment, Commitment.merchant_id == Merchant.id)
                        .where(Merchant.status == MEMBER, Merchant.member_code.is_not(None))
                        .group_by(Merchant.id).order_by(func.count(Commitment.id).desc(), Merchant.id).limit(1))
    return ["--merchant", name] if name else []


def some_quarter(db: Database) -> list[str]:
    """The latest quarter with evaluations."""
    with db.session() as s:
        quarter = s.scalar(select(func.max(Evaluation.quarter)))
    return ["--quarter", quarter] if quarter else []


def some_half_year(db: Database) -> list[str]:
    """The half-year of the latest complaint (the ledger's default, this month, may have none)."""
    with db.session() as s:
        last = s.scalar(select(func.max(Complaint.received_on)))
    if last is None:
        return []
    first = dt.date(last.year, 1, 1) if last.month <= 6 else dt.date(last.year, 7, 1)
    end = dt.date(last.year, 6, 30) if last.month <= 6 else dt.date(last.year, 12, 31)
    return ["--from", first.isoformat(), "--to", end.isoformat()]


__all__ = ["merchant_application_pdf", "merchant_agreement_pdf", "merchant_certificate_pdf", "alliance_roster_pdf",
           "complaint_ledger_pdf", "alliance_ranking_pdf"]
