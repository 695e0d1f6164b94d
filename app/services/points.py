"""Volunteer points (共治积分) and vouchers (积分兑换).

Residents earn points for volunteer service from a published list of service types (环境整治 and
others, an editable list), at a rate per hour or per occasion that applies from a date. Points buy
vouchers from a catalogue (物品券 / 服务券 / 消费券, honoured by an alliance merchant or by the centre,
with a points cost, a stock and a validity); issuing one deducts the points and makes an unguessable
code, printed as a slip with a QR code `NDV:<code>`. A voucher is redeemed once, at its merchant (or
the centre), before it expires; an expired voucher's points come back only if the centre's rule says
so (a setting).

Points are money-like. The ledger (models/points.py LedgerEntry) is never edited or deleted; a
mistake is reversed by a counter-entry that points at the entry it reverses and gives a reason (an
entry is reversed at most once). A balance never goes negative: every spend is one guarded UPDATE of
the resident's account (`balance >= cost`) inside the transaction that writes the entry, so a second
desk cannot spend the same points (on SQLite the write lock, on PostgreSQL the row's update lock,
serialise the two). Every write is audited.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from app.db import Database
from app.errors import DatabaseError, NotFoundError, ValidationError
from app.i18n import N_, _, format_date, format_datetime, format_number, ngettext
from app.models import (LedgerEntry, Merchant, PointsAccount, Resident, ServiceRate, ServiceType, Setting, Voucher,
                        VoucherType)
from app.services import access, audit, choices
from app.services.fields import Field
from app.services.member_codes import ALPHABET
from app.services.validators import mask_phone, normalise_text

# -- vocabularies ---------------------------------------------------------------------------

HOUR, OCCASION = "hour", "occasion"
UNITS: dict[str, str] = {
    HOUR: N_("Per hour"),              # 按小时
    OCCASION: N_("Per occasion"),      # 按次
}

EARN, SPEND, REFUND, REVERSE = "earn", "spend", "refund", "reverse"
ENTRY_KINDS: dict[str, str] = {
    EARN: N_("Earned"),                # 获得
    SPEND: N_("Voucher"),              # 兑换
    REFUND: N_("Expired voucher refunded"),  # 过期退回
    REVERSE: N_("Reversal"),           # 冲正
}

GOODS, SERVICE, CONSUMPTION = "goods", "service", "consumption"
VOUCHER_KINDS: dict[str, str] = {
    GOODS: N_("Goods voucher"),        # 物品券
    SERVICE: N_("Service voucher"),    # 服务券
    CONSUMPTION: N_("Consumption voucher"),  # 消费券
}

ISSUED, REDEEMED, EXPIRED, REFUNDED, VOIDED = "issued", "redeemed", "expired", "refunded", "voided"
VOUCHER_STATUSES: dict[str, str] = {
    ISSUED: N_("Not yet used"),        # 未使用
    REDEEMED: N_("Redeemed"),          # 已核销
    EXPIRED: N_("Expired"),            # 已过期
    REFUNDED: N_("Expired, points returned"),  # 已过期退分
    VOIDED: N_("Cancelled, points returned"),  # 已作废退分: its spend was reversed
}

# The service types shipped (an editable list; the seed names 环境整治 among six kinds of points),
# with their unit and points.
DEFAULT_SERVICE_TYPES: list[tuple[str, str, int]] = [
    (N_("Environmental clean-up"), HOUR, 10),      # 环境整治
    (N_("Caring for elders"), HOUR, 10),           # 关爱老人
    (N_("Neighbourhood mediation"), OCCASION, 20),  # 邻里调解
    (N_("Safety patrol"), HOUR, 10),               # 平安巡逻
    (N_("Civilised customs campaign"), OCCASION, 10),  # 文明劝导
    (N_("Community activity helper"), HOUR, 5),    # 活动志愿服务
]

REFUND_EXPIRED_KEY = "points.refund_expired"  # setting "1": expired vouchers' points come back
VOUCHER_PREFIX = "NDV:"                        # a voucher slip's QR code: NDV:<code>
CODE_LENGTH = 10                               # member_codes.ALPHABET, drawn by secrets: 32^10 codes
POINTS_MAX = 100000                            # any one entry or price; above is a typing slip


# -- what the forms supply ----------------------------------------------------------------------

@dataclass
class EarnInput:
    resident_id: int | None = None
    service_type_id: int | None = None
    day: dt.date | None = None         # None: today
    minutes: int = 0                   # by the hour: the time served
    occasions: int = 0                 # by the occasion: how many
    note: str = ""


@dataclass
class VoucherTypeInput:
    name: str = ""
    kind: str = GOODS
    merchant_id: int | None = None     # None: the centre honours it
    points: int = 0
    stock: int | None = None           # None: unlimited
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    days_valid: int | None = None      # a voucher is good for this many days after issue (capped by valid_to)
    description: str = ""


# -- what the tab shows -------------------------------------------------------------------------

def _label(table: dict, key) -> str:
    return _(table[key]) if key in table else ("" if key is None else str(key))


@dataclass
class ServiceTypeRow:
    id: int
    name: str
    unit: str
    active: bool
    sort_order: int
    points: int | None                 # the rate in force today (None: none yet)

    @property
    def unit_text(self) -> str:
        return _label(UNITS, self.unit)


@dataclass
class RateRow:
    id: int
    service_type_id: int
    service_type: str
    valid_from: dt.date
    points: int


@dataclass
class EntryRow:
    """A ledger line; `balance` is the running balance after it (statements), else None."""

    id: int
    resident_id: int
    resident: str
    kind: str
    points: int
    day: dt.date
    service_type: str
    quantity_text: str                 # "2 小时 30 分" / "3 次" / ""
    voucher_code: str                  # spend / refund
    reverses_id: int | None
    reversed_by_id: int | None
    note: str
    recorded_by: str
    created_at: dt.datetime
    balance: int | None = None

    @property
    def kind_text(self) -> str:
        return _label(ENTRY_KINDS, self.kind)

    @property
    def reversible(self) -> bool:
        return self.kind in (EARN, SPEND, REFUND) and self.reversed_by_id is None


@dataclass
class Statement:
    resident_id: int
    resident: str
    date_from: dt.date | None
    date_to: dt.date | None
    opening: int                       # the balance before date_from
    entries: list[EntryRow]
    closing: int


@dataclass
class BalanceRow:
    resident_id: int
    name: str
    phone: str                         # masked unless the reader may see it
    balance: int
    earned: int                        # all time
    last_day: dt.date | None           # the latest entry's day


@dataclass
class VoucherTypeRow:
    id: int
    name: str
    kind: str
    merchant_id: int | None
    merchant: str                      # the merchant's name, or the centre's
    points: int
    stock: int | None
    issued: int
    valid_from: dt.date
    valid_to: dt.date
    days_valid: int | None
    description: str
    active: bool

    @property
    def kind_text(self) -> str:
        return _label(VOUCHER_KINDS, self.kind)


@dataclass
class VoucherRow:
    id: int
    code: str
    voucher_type_id: int
    voucher_type: str
    kind: str
    merchant_id: int | None
    merchant: str
    resident_id: int
    resident: str
    points: int
    issued_at: dt.datetime
    issued_by: str
    expires_on: dt.date
    redeemed_at: dt.datetime | None
    redeemed_by: str
    refunded_at: dt.datetime | None
    status: str                        # on the day asked

    @property
    def status_text(self) -> str:
        return _label(VOUCHER_STATUSES, self.status)

    @property
    def payload(self) -> str:
        return VOUCHER_PREFIX + self.code


@dataclass
class PointsFigures:
    """Points figures for a date range (inclusive): points earned by service type, spent on
    vouchers, refunded, reversed (net of the reversed entries' sign), outstanding (all balances on
    `date_to`); vouchers issued / redeemed / expired in the range by kind and by merchant; distinct
    volunteers (residents who earned) and volunteer hours (by-the-hour services)."""

    date_from: dt.date
    date_to: dt.date
    earned_by_type: dict[str, int]
    earned: int
    spent: int
    refunded: int
    reversed: int
    outstanding: int
    vouchers_issued: dict[str, int]     # by kind text
    vouchers_redeemed: dict[str, int]
    vouchers_expired: dict[str, int]
    redeemed_by_merchant: dict[str, int]
    volunteers: int
    volunteer_hours: float


# -- the audit trail's words (services/audit.py ENTITIES / ENTITY_FIELDS) ----------------------

SERVICE_TYPE_FIELDS = choices.choice_fields(
    unit=Field(N_("Counted"), codes=UNITS),
    points=Field(N_("Points"), kind="number"),
    valid_from=Field(N_("Applies from"), kind="date"),
)
RATE_FIELDS: dict[str, Field] = {
    "service_type_id": Field(N_("Kind of volunteer service"), ref="points_service_type"),
    "points": Field(N_("Points"), kind="number"),
    "valid_from": Field(N_("Applies from"), kind="date"),
}
ENTRY_FIELDS: dict[str, Field] = {
    "resident_id": Field(N_("Resident record"), ref="resident"),
    "kind": Field(N_("Kind of entry"), codes=ENTRY_KINDS),
    "points": Field(N_("Points"), kind="number"),
    "day": Field(N_("Date"), kind="date"),
    "service_type_id": Field(N_("Kind of volunteer service"), ref="points_service_type"),
    "quantity": Field(N_("Minutes or occasions"), kind="number"),
    "voucher_id": Field(N_("Voucher code"), ref="points_voucher"),
    "reverses_id": Field(N_("Reverses entry"), kind="number"),
    "note": Field(N_("Note")),
    "reason": Field(N_("Reason for the reversal")),
}
VOUCHER_FIELDS: dict[str, Field] = {
    "resident_id": Field(N_("Resident record"), ref="resident"),
    "voucher_type_id": Field(N_("Voucher name"), ref="points_voucher_type"),
    "code": Field(N_("Voucher code")),
    "points": Field(N_("Points"), kind="number"),
    "expires_on": Field(N_("Good until"), kind="date"),
    "redeemed_at": Field(N_("Redeemed at")),
    "redeemed_merchant_id": Field(N_("Redeemed by the merchant"), ref="merchant"),
    "refunded_at": Field(N_("Points returned at")),
}
VOUCHER_TYPE_FIELDS: dict[str, Field] = {
    "name": Field(N_("Name")),
    "kind": Field(N_("Kind of voucher"), codes=VOUCHER_KINDS),
    "merchant_id": Field(N_("Honoured by"), ref="merchant"),
    "points": Field(N_("Points"), kind="number"),
    "stock": Field(N_("Stock"), kind="number"),
    "valid_from": Field(N_("Valid from"), kind="date"),
    "valid_to": Field(N_("Valid until"), kind="date"),
    "days_valid": Field(N_("Days a voucher is good for"), kind="number"),
    "description": Field(N_("Description")),
    "active": Field(N_("In use"), kind="bool"),
}


# -- shared helpers -------------------------------------------------------------------------

SERVICE_TYPES = choices.ChoiceList(ServiceType, "points_service_type", access.POINTS_CATALOGUE)
RATES_FROM = dt.date(2020, 1, 1)       # the seed's rates, and a new type's when no date is given
MINUTES_MAX, OCCASIONS_MAX = 24 * 60, 100
VOUCHER_NAME_MAX, NOTE_MAX, REASON_MAX, DAYS_VALID_MAX = 60, 200, 200, 3660
MEMBER = "member"                      # alliance.MEMBER: only members honour vouchers
_CODE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    return " ".join(normalise_text(text).split())


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contextlib.contextmanager
def _writing(db: Database):
    """A transaction holding the write lock from its start (Database.write_session): a second desk
    spending the same points waits, then sees the first's balance and is refused in words, instead
    of failing at commit. Waits as long as an ordinary session would, then says the database is busy."""
    try:
        with db.write_session(wait_seconds=5) as s:
            yield s
    except OperationalError as exc:
        if not re.search(r"database (table )?is (locked|busy)", str(exc.orig)):
            raise
        raise DatabaseError(_("The database is in use by another computer or program; "
                              "please try again in a moment.")) from exc


def _resident(s, resident_id: int | None) -> Resident:
    resident = s.get(Resident, resident_id) if resident_id is not None else None
    if resident is None:
        raise NotFoundError(_("The chosen resident no longer exists."))
    return resident


def _service_type(s, type_id: int | None) -> ServiceType:
    row = s.get(ServiceType, type_id) if type_id is not None else None
    if row is None:
        raise NotFoundError(_("That kind of volunteer service no longer exists."))
    return row


def _voucher_type(s, type_id: int | None) -> VoucherType:
    row = s.get(VoucherType, type_id) if type_id is not None else None
    if row is None:
        raise NotFoundError(_("That voucher is no longer in the catalogue."))
    return row


def _rate_in(s, type_id: int, day: dt.date) -> int | None:
    return s.scalar(select(ServiceRate.points).where(ServiceRate.service_type_id == type_id,
                                                     ServiceRate.valid_from <= day)
                    .order_by(ServiceRate.valid_from.desc()).limit(1))


def _points_of(unit: str, rate: int, minutes: int, occasions: int) -> int:
    if unit == HOUR:
        return (2 * rate * minutes + 60) // 120  # rate × minutes / 60, rounded half up
    return rate * occasions


def _centre_name(s) -> str:
    row = s.get(Setting, "centre.name")
    return row.value if row is not None and row.value else _("The centre")


def points_text(points: int) -> str:
    """"120 分" / "120 points"."""
    return _("{points} points").format(points=format_number(points))


def quantity_text(unit: str | None, quantity: int | None) -> str:
    """"2 小时 30 分钟" for minutes served, "3 次" for occasions, "" for neither."""
    if quantity is None or unit is None:
        return ""
    if unit == OCCASION:
        return _("{count} times").format(count=format_number(quantity))
    hours, minutes = divmod(quantity, 60)
    if not hours:
        return _("{minutes} min").format(minutes=minutes)
    if not minutes:
        return _("{hours} h").format(hours=format_number(hours))
    return _("{hours} h {minutes} min").format(hours=format_number(hours), minutes=minutes)


# -- service types and their rates (POINTS_CATALOGUE to change) -------------------------------

def list_service_types(db: Database, *, include_inactive: bool = False, on: dt.date | None = None
                       ) -> list[ServiceTypeRow]:
    """The service types in their order, each with the rate in force on `on` (today)."""
    on = on or dt.date.today()
    stmt = select(ServiceType).order_by(ServiceType.sort_order, ServiceType.id)
    if not include_inactive:
        stmt = stmt.where(ServiceType.active.is_(True))
    with db.session() as s:
        return [ServiceTypeRow(t.id, t.name, t.unit, t.active, t.sort_order, _rate_in(s, t.id, on))
                for t in s.scalars(stmt)]


def _check_points(points, key: str = "points") -> int:
    if not _is_int(points) or not 1 <= points <= POINTS_MAX:
        raise ValidationError({key: _("Points are a whole number from 1 to {n}.").format(
            n=format_number(POINTS_MAX))})
    return points


def add_service_type(db: Database, name: str, unit: str, points: int, *, actor: access.Actor,
                     valid_from: dt.date | None = None) -> int:
    """Add a kind of volunteer service at the end of the list, with its first rate (from RATES_FROM
    when no date is given); returns its id."""
    access.require(actor, access.POINTS_CATALOGUE)
    if unit not in UNITS:
        raise ValidationError({"unit": _("Please choose whether the service is counted by the hour or by "
                                         "the occasion.")})
    _check_points(points)
    valid_from = valid_from or RATES_FROM
    with db.session() as s:
        name = choices._checked_name(s, SERVICE_TYPES, name, None)
        order = (s.scalar(select(func.max(ServiceType.sort_order))) or 0) + 1
        row = ServiceType(name=name, unit=unit, active=True, sort_order=order)
        s.add(row)
        s.flush()
        s.add(ServiceRate(service_type_id=row.id, valid_from=valid_from, points=points))
        audit.record(s, actor, "create", "points_service_type", row.id, name,
                     audit.diff({}, {"name": name, "unit": unit, "points": points, "valid_from": valid_from}))
        return row.id


def rename_service_type(db: Database, type_id: int, name: str, *, actor: access.Actor) -> None:
    """Rename a kind of service (its entries show the new name)."""
    choices.rename_choice(db, SERVICE_TYPES, type_id, name, actor=actor)


def set_service_type_active(db: Database, type_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire a kind of service (its entries keep it; no new ones) or bring it back."""
    choices.set_choice_active(db, SERVICE_TYPES, type_id, active, actor=actor)


def set_rate(db: Database, type_id: int, points: int, valid_from: dt.date, *, actor: access.Actor) -> int:
    """The points per hour or occasion of a kind of service from `valid_from` on (entries already made
    keep their points); a rate from the same day is replaced. Returns the rate's id."""
    access.require(actor, access.POINTS_CATALOGUE)
    _check_points(points)
    if not isinstance(valid_from, dt.date):
        raise ValidationError({"valid_from": _("Please enter the date the rate applies from.")})
    with db.session() as s:
        t = _service_type(s, type_id)
        rate = s.scalar(select(ServiceRate).where(ServiceRate.service_type_id == t.id,
                                                  ServiceRate.valid_from == valid_from))
        if rate is not None:
            if rate.points != points:
                audit.record(s, actor, "update", "points_rate", rate.id, t.name,
                             audit.diff({"points": rate.points}, {"points": points}))
                rate.points = points
            return rate.id
        rate = ServiceRate(service_type_id=t.id, valid_from=valid_from, points=points)
        s.add(rate)
        s.flush()
        audit.record(s, actor, "create", "points_rate", rate.id, t.name, audit.diff({}, {
            "service_type_id": t.id, "points": points, "valid_from": valid_from}))
        return rate.id


def list_rates(db: Database, type_id: int | None = None) -> list[RateRow]:
    """Every rate (or one type's), by the list's order and the date each applies from."""
    stmt = (select(ServiceRate, ServiceType.name).join(ServiceType, ServiceType.id == ServiceRate.service_type_id)
            .order_by(ServiceType.sort_order, ServiceType.id, ServiceRate.valid_from))
    if type_id is not None:
        stmt = stmt.where(ServiceRate.service_type_id == type_id)
    with db.session() as s:
        return [RateRow(r.id, r.service_type_id, name, r.valid_from, r.points) for r, name in s.execute(stmt)]


def rate_on(db: Database, type_id: int, day: dt.date) -> int | None:
    """The points per hour or occasion of a kind of service on `day` (None: no rate yet)."""
    with db.session() as s:
        return _rate_in(s, type_id, day)


def seed(db: Database, *, actor: access.Actor) -> int:
    """The shipped kinds of service in the current language, with their rates from RATES_FROM, when
    the list is empty; how many were added."""
    access.require(actor, access.POINTS_CATALOGUE)
    with db.session() as s:
        if s.scalar(select(func.count(ServiceType.id))):
            return 0
        for order, (name, unit, points) in enumerate(DEFAULT_SERVICE_TYPES):
            row = ServiceType(name=_(name), unit=unit, active=True, sort_order=order)
            s.add(row)
            s.flush()
            s.add(ServiceRate(service_type_id=row.id, valid_from=RATES_FROM, points=points))
            audit.record(s, actor, "create", "points_service_type", row.id, row.name, audit.diff(
                {}, {"name": row.name, "unit": unit, "points": points, "valid_from": RATES_FROM}))
    return len(DEFAULT_SERVICE_TYPES)


def _refund_rule_in(s) -> bool:
    row = s.get(Setting, REFUND_EXPIRED_KEY)
    return row is not None and row.value == "1"


def refund_expired_rule(db: Database) -> bool:
    """Whether an expired, unused voucher's points come back (the centre's rule; off until set)."""
    with db.session() as s:
        return _refund_rule_in(s)


def set_refund_expired_rule(db: Database, refund: bool, *, actor: access.Actor) -> None:
    access.require(actor, access.POINTS_CATALOGUE)
    value = "1" if refund else "0"
    with db.session() as s:
        row = s.get(Setting, REFUND_EXPIRED_KEY)
        old = row.value if row is not None else None
        if old != value:
            s.merge(Setting(key=REFUND_EXPIRED_KEY, value=value))
            audit.record(s, actor, "settings", "setting", None, REFUND_EXPIRED_KEY,
                         audit.diff({REFUND_EXPIRED_KEY: old}, {REFUND_EXPIRED_KEY: value}))


# -- earning (POINTS_EARN) --------------------------------------------------------------------

def points_for(db: Database, type_id: int, day: dt.date, minutes: int = 0, occasions: int = 0) -> int:
    """The points a service earns at the rate of its day: by the hour rate × minutes / 60 rounded half
    up, by the occasion rate × occasions; 0 when the type has no rate on that day."""
    with db.session() as s:
        t = _service_type(s, type_id)
        rate = _rate_in(s, t.id, day)
    return _points_of(t.unit, rate, minutes, occasions) if rate is not None else 0


def _account_add(s, resident_id: int, points: int, now: dt.datetime) -> None:
    """Add (positive) points to a resident's account, creating it when missing."""
    done = s.execute(update(PointsAccount.__table__).where(PointsAccount.resident_id == resident_id)
                     .values(balance=PointsAccount.balance + points, updated_at=now)).rowcount
    if not done:
        s.add(PointsAccount(resident_id=resident_id, balance=points, updated_at=now))
        s.flush()


def _account_take(s, resident_id: int, points: int, now: dt.datetime) -> bool:
    """Take points from an account only if its balance covers them: one guarded UPDATE that a second
    desk cannot interleave. False when it does not (nothing changed)."""
    table = PointsAccount.__table__
    return s.execute(update(table).where(table.c.resident_id == resident_id, table.c.balance >= points)
                     .values(balance=table.c.balance - points, updated_at=now)).rowcount == 1


def _balance_in(s, resident_id: int) -> int:
    return s.scalar(select(PointsAccount.balance).where(PointsAccount.resident_id == resident_id)) or 0


def _entry(s, actor, resident: Resident, kind: str, points: int, day: dt.date, now: dt.datetime, *,
           service_type_id=None, quantity=None, voucher_id=None, reverses_id=None, note="", reason="") -> LedgerEntry:
    e = LedgerEntry(resident_id=resident.id, kind=kind, points=points, day=day, service_type_id=service_type_id,
                    quantity=quantity, voucher_id=voucher_id, reverses_id=reverses_id, note=note or reason,
                    recorded_by=actor.name[:50], created_at=now)
    s.add(e)
    s.flush()
    values = {"resident_id": resident.id, "kind": kind, "points": points, "day": day,
              "service_type_id": service_type_id, "quantity": quantity, "voucher_id": voucher_id,
              "reverses_id": reverses_id, "note": note, "reason": reason}
    audit.record(s, actor, "create", "points_entry", e.id, "{} {:+d}".format(resident.name, points),
                 audit.diff({}, values))
    return e


def _check_earning(s, t: ServiceType | None, day: dt.date | None, minutes, occasions, today: dt.date,
                   errors: dict) -> tuple[int, int]:
    """(quantity, points) of a service, or the problems in `errors`."""
    if t is None:
        errors["service_type_id"] = _("Please choose the kind of service.")
        return 0, 0
    if not t.active:
        errors["service_type_id"] = _("“{name}” is no longer in use.").format(name=t.name)
    if day is None:
        errors["day"] = _("Please enter the date of the service.")
        return 0, 0
    if day > today:
        errors["day"] = _("The date cannot be in the future.")
    if t.unit == HOUR:
        quantity = minutes
        if not _is_int(minutes) or not 1 <= minutes <= MINUTES_MAX:
            errors["minutes"] = _("The time served is from 1 minute to 24 hours.")
            return 0, 0
    else:
        quantity = occasions
        if not _is_int(occasions) or not 1 <= occasions <= OCCASIONS_MAX:
            errors["occasions"] = _("The number of occasions is from 1 to {n}.").format(n=OCCASIONS_MAX)
            return 0, 0
    rate = _rate_in(s, t.id, day)
    if rate is None:
        errors["day"] = _("“{name}” has no points rate on {day}.").format(name=t.name, day=format_date(day))
        return quantity, 0
    points = _points_of(t.unit, rate, minutes, occasions)
    if not 1 <= points <= POINTS_MAX:
        errors["minutes" if t.unit == HOUR else "occasions"] = _(
            "This earns {points}; an entry is from 1 to {n} points.").format(
                points=points_text(points), n=format_number(POINTS_MAX))
    return quantity, points


def earn(db: Database, data: EarnInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Record one resident's volunteer service and its points (at the rate of its day); returns the
    entry's id."""
    access.require(actor, access.POINTS_EARN)
    today = today or dt.date.today()
    day = data.day or today
    note = _clean(data.note)
    with _writing(db) as s:
        errors: dict[str, str] = {}
        resident = s.get(Resident, data.resident_id) if data.resident_id is not None else None
        if resident is None:
            errors["resident_id"] = _("Please choose the resident.")
        elif not resident.active:
            errors["resident_id"] = _("{name} has moved away (deactivated).").format(name=resident.name)
        t = s.get(ServiceType, data.service_type_id) if data.service_type_id is not None else None
        quantity, points = _check_earning(s, t, day, data.minutes, data.occasions, today, errors)
        if len(note) > NOTE_MAX:
            errors["note"] = _("The note is too long (at most {n} characters).").format(n=NOTE_MAX)
        if errors:
            raise ValidationError(errors)
        now = dt.datetime.now()
        _account_add(s, resident.id, points, now)
        return _entry(s, actor, resident, EARN, points, day, now, service_type_id=t.id, quantity=quantity,
                      note=note).id


def earn_many(db: Database, resident_ids: list[int], type_id: int, day: dt.date, *, actor: access.Actor,
              minutes: int = 0, occasions: int = 0, note: str = "", today: dt.date | None = None) -> int:
    """The same service for a list of participants, all or nothing (a resident listed twice, or one
    moved away, refuses the lot); returns how many entries were written."""
    access.require(actor, access.POINTS_EARN)
    today = today or dt.date.today()
    day = day or today
    note = _clean(note)
    with _writing(db) as s:
        errors: dict[str, str] = {}
        ids = list(resident_ids or [])
        people = {r.id: r for r in s.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}
        twice = sorted({people[i].name for i in ids if ids.count(i) > 1 and i in people})
        if not ids:
            errors["resident_ids"] = _("Please choose the participants.")
        elif len(people) < len(set(ids)):
            errors["resident_ids"] = _("A chosen resident no longer exists.")
        elif twice:
            errors["resident_ids"] = _("Listed twice: {names}.").format(names=_(", ").join(twice))
        else:
            gone = [people[i].name for i in ids if not people[i].active]
            if gone:
                errors["resident_ids"] = _("Moved away (deactivated): {names}.").format(names=_(", ").join(gone))
        t = s.get(ServiceType, type_id) if type_id is not None else None
        quantity, points = _check_earning(s, t, day, minutes, occasions, today, errors)
        if len(note) > NOTE_MAX:
            errors["note"] = _("The note is too long (at most {n} characters).").format(n=NOTE_MAX)
        if errors:
            raise ValidationError(errors)
        now = dt.datetime.now()
        for i in ids:
            _account_add(s, i, points, now)
            _entry(s, actor, people[i], EARN, points, day, now, service_type_id=t.id, quantity=quantity, note=note)
        return len(ids)


# -- the ledger and balances ----------------------------------------------------------------

def balance(db: Database, resident_id: int) -> int:
    """A resident's points now (0 without an account)."""
    with db.session() as s:
        return _balance_in(s, resident_id)


def _entry_rows(s, where, order=None) -> list[EntryRow]:
    later = aliased(LedgerEntry)
    stmt = (select(LedgerEntry, Resident.name, ServiceType.name, ServiceType.unit, Voucher.code, later.id)
            .join(Resident, Resident.id == LedgerEntry.resident_id)
            .outerjoin(ServiceType, ServiceType.id == LedgerEntry.service_type_id)
            .outerjoin(Voucher, Voucher.id == LedgerEntry.voucher_id)
            .outerjoin(later, later.reverses_id == LedgerEntry.id)
            .where(*where).order_by(*(order or (LedgerEntry.day, LedgerEntry.id))))
    return [EntryRow(e.id, e.resident_id, name, e.kind, e.points, e.day, type_name or "",
                     quantity_text(unit, e.quantity) if e.kind == EARN else "", code or "", e.reverses_id,
                     reversed_by, e.note, e.recorded_by, e.created_at)
            for e, name, type_name, unit, code, reversed_by in s.execute(stmt)]


def statement(db: Database, resident_id: int, date_from: dt.date | None = None, date_to: dt.date | None = None
              ) -> Statement:
    """A resident's entries in the range (inclusive; None: open) by day, with the running balance, the
    balance before (opening) and after (closing)."""
    with db.session() as s:
        resident = _resident(s, resident_id)
        where = [LedgerEntry.resident_id == resident.id]
        opening = 0
        if date_from is not None:
            opening = s.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.resident_id == resident.id, LedgerEntry.day < date_from)) or 0
            where.append(LedgerEntry.day >= date_from)
        if date_to is not None:
            where.append(LedgerEntry.day <= date_to)
        entries = _entry_rows(s, where)
    running = opening
    for e in entries:
        running += e.points
        e.balance = running
    return Statement(resident.id, resident.name, date_from, date_to, opening, entries, running)


def list_balances(db: Database, query: str = "", *, actor: access.Actor | None) -> list[BalanceRow]:
    """Residents with an account: found like the residents' search (best matches first), else in pinyin
    order; phones masked unless the reader has PERSONAL_DATA_FULL."""
    from app.services import residents

    see = access.may(actor, access.PERSONAL_DATA_FULL)
    with db.session() as s:
        accounts = dict(s.execute(select(PointsAccount.resident_id, PointsAccount.balance)).all())
    if not accounts:
        return []
    if _clean(query):
        ids = [i for i in residents.search_ids(db, query, include_inactive=True) if i in accounts]
    else:
        ids = None
    with db.session() as s:
        stmt = select(Resident.id, Resident.name, Resident.phone).join(
            PointsAccount, PointsAccount.resident_id == Resident.id).order_by(Resident.sort_key, Resident.id)
        people = {rid: (name, phone) for rid, name, phone in s.execute(stmt)}
        reversed_earn = aliased(LedgerEntry)
        earned = dict(s.execute(select(LedgerEntry.resident_id, func.sum(LedgerEntry.points))
                                .outerjoin(reversed_earn, reversed_earn.id == LedgerEntry.reverses_id)
                                .where((LedgerEntry.kind == EARN)
                                       | ((LedgerEntry.kind == REVERSE) & (reversed_earn.kind == EARN)))
                                .group_by(LedgerEntry.resident_id)).all())
        last = dict(s.execute(select(LedgerEntry.resident_id, func.max(LedgerEntry.day))
                              .group_by(LedgerEntry.resident_id)).all())
    order = ids if ids is not None else list(people)
    return [BalanceRow(rid, people[rid][0], people[rid][1] if see else mask_phone(people[rid][1]),
                       accounts[rid], earned.get(rid) or 0, last.get(rid))
            for rid in order if rid in people]


# -- vouchers -----------------------------------------------------------------------------------

def _status(v: Voucher, on: dt.date, voided: bool) -> str:
    if v.redeemed_at is not None:
        return REDEEMED
    if v.refunded_at is not None:
        return VOIDED if voided else REFUNDED
    return EXPIRED if v.expires_on < on else ISSUED


def _voided(s, voucher_ids) -> set[int]:
    """Vouchers whose spend was reversed (cancelled, not expired)."""
    ids = sorted(set(voucher_ids))
    if not ids:
        return set()
    spend = aliased(LedgerEntry)
    out: set[int] = set()
    for start in range(0, len(ids), 500):
        out.update(s.scalars(select(spend.voucher_id).join(LedgerEntry, LedgerEntry.reverses_id == spend.id)
                             .where(spend.kind == SPEND, spend.voucher_id.in_(ids[start:start + 500]))))
    return out


def _voucher_rows(s, where, on: dt.date) -> list[VoucherRow]:
    stmt = (select(Voucher, VoucherType, Resident.name, Merchant.name)
            .join(VoucherType, VoucherType.id == Voucher.voucher_type_id)
            .join(Resident, Resident.id == Voucher.resident_id)
            .outerjoin(Merchant, Merchant.id == VoucherType.merchant_id)
            .where(*where).order_by(Voucher.issued_at, Voucher.id))
    found = list(s.execute(stmt))
    voided = _voided(s, [v.id for v, *_rest in found if v.refunded_at is not None])
    centre = _centre_name(s) if found else ""
    return [VoucherRow(v.id, v.code, t.id, t.name, t.kind, t.merchant_id, merchant or centre, v.resident_id, name,
                       v.points, v.issued_at, v.issued_by, v.expires_on, v.redeemed_at, v.redeemed_by, v.refunded_at,
                       _status(v, on, v.id in voided))
            for v, t, name, merchant in found]


def _new_code(s) -> str:
    while True:  # 32^10 codes: a collision is all but impossible, but never fatal
        code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
        if s.scalar(select(Voucher.id).where(Voucher.code == code)) is None:
            return code


def issue_voucher(db: Database, resident_id: int, voucher_type_id: int, *, actor: access.Actor,
                  at: dt.datetime | None = None) -> VoucherRow:
    """Give a resident a voucher for their points: the type in use and valid that day, stock left, the
    balance covering its points (one guarded UPDATE each), a spend entry and an unguessable code, in one
    transaction."""
    access.require(actor, access.POINTS_VOUCHERS)
    at = at or dt.datetime.now()
    day = at.date()
    with _writing(db) as s:
        resident = _resident(s, resident_id)
        t = _voucher_type(s, voucher_type_id)
        if not resident.active:
            raise ValidationError({"resident_id": _("{name} has moved away (deactivated).").format(
                name=resident.name)})
        if not t.active:
            raise ValidationError({"voucher_type_id": _("“{name}” is no longer offered.").format(name=t.name)})
        if not t.valid_from <= day <= t.valid_to:
            raise ValidationError({"voucher_type_id": _("“{name}” can be issued from {start} to {end}.").format(
                name=t.name, start=format_date(t.valid_from), end=format_date(t.valid_to))})
        if t.merchant_id is not None:
            merchant = s.get(Merchant, t.merchant_id)
            if merchant is None or merchant.status != MEMBER:
                raise ValidationError({"voucher_type_id": _(
                    "{merchant} is not an alliance member at present, so “{name}” cannot be issued.").format(
                        merchant=merchant.name if merchant else "", name=t.name)})
        if t.stock is not None:
            table = VoucherType.__table__
            left = s.execute(update(table).where(table.c.id == t.id, table.c.stock > 0)
                             .values(stock=table.c.stock - 1)).rowcount
            if not left:
                raise ValidationError({"voucher_type_id": _("“{name}” is out of stock.").format(name=t.name)})
        if not _account_take(s, resident.id, t.points, at):
            raise ValidationError({"voucher_type_id": _("{name} has {balance}; this voucher costs {cost}.").format(
                name=resident.name, balance=points_text(_balance_in(s, resident.id)), cost=points_text(t.points))})
        expires = t.valid_to
        if t.days_valid:
            expires = min(expires, day + dt.timedelta(days=t.days_valid - 1))
        v = Voucher(code=_new_code(s), voucher_type_id=t.id, resident_id=resident.id, points=t.points, issued_at=at,
                    issued_by=actor.name[:50], expires_on=expires)
        s.add(v)
        s.flush()
        audit.record(s, actor, "create", "points_voucher", v.id, "{} {}".format(resident.name, t.name), audit.diff(
            {}, {"resident_id": resident.id, "voucher_type_id": t.id, "code": v.code, "points": t.points,
                 "expires_on": expires}))
        _entry(s, actor, resident, SPEND, -t.points, day, at, voucher_id=v.id, note=t.name)
        return _voucher_rows(s, [Voucher.id == v.id], day)[0]


def code_of(text: str | None) -> str | None:
    """The voucher code in a scanned or typed text ("NDV:CODE", the bare code, any case, full-width
    colon or letters), or None when it cannot be one."""
    raw = _CODE.sub("", normalise_text(text)).upper()
    if raw.startswith(VOUCHER_PREFIX):
        raw = raw[len(VOUCHER_PREFIX):]
    if len(raw) == CODE_LENGTH and all(c in ALPHABET for c in raw):
        return raw
    return None


def find_voucher(db: Database, text: str, on: dt.date | None = None) -> VoucherRow | None:
    """The voucher of a scanned slip or a typed code, or None."""
    code = code_of(text)
    if code is None:
        return None
    with db.session() as s:
        rows = _voucher_rows(s, [Voucher.code == code], on or dt.date.today())
    return rows[0] if rows else None


def redeem(db: Database, text: str, *, actor: access.Actor, merchant_id: int | None = None,
           at: dt.datetime | None = None) -> VoucherRow:
    """Redeem a voucher (scanned or typed) at its merchant (`merchant_id`; None: the centre) once: one
    guarded UPDATE, so two desks cannot both redeem it. Unknown: NotFoundError; used, expired, cancelled or
    another merchant's: ValidationError saying which."""
    access.require(actor, access.POINTS_VOUCHERS)
    at = at or dt.datetime.now()
    code = code_of(text)
    if code is None:
        raise NotFoundError(_("No voucher has the code “{code}”.").format(code=_clean(text)))
    with _writing(db) as s:
        v = s.scalar(select(Voucher).where(Voucher.code == code))
        if v is None:
            raise NotFoundError(_("No voucher has the code “{code}”.").format(code=code))
        t = s.get(VoucherType, v.voucher_type_id)
        row = _voucher_rows(s, [Voucher.id == v.id], at.date())[0]

        def names(mid: int | None) -> str:
            m = s.get(Merchant, mid) if mid is not None else None
            return m.name if m is not None else _centre_name(s)

        if v.redeemed_at is not None:
            raise ValidationError({"code": _("This voucher was already redeemed on {when} at {where}.").format(
                when=format_datetime(v.redeemed_at), where=names(v.redeemed_merchant_id))})
        if row.status == VOIDED:
            raise ValidationError({"code": _("This voucher was cancelled on {day} and its points returned.").format(
                day=format_date(v.refunded_at.date()))})
        if v.refunded_at is not None:
            raise ValidationError({"code": _("This voucher expired on {day} and its points were returned.").format(
                day=format_date(v.expires_on))})
        if v.expires_on < at.date():
            raise ValidationError({"code": _("This voucher expired on {day}.").format(day=format_date(v.expires_on))})
        if merchant_id != t.merchant_id:
            raise ValidationError({"code": _("This voucher is honoured by {merchant}, not by {here}.").format(
                merchant=names(t.merchant_id), here=names(merchant_id))})
        table = Voucher.__table__
        done = s.execute(update(table).where(table.c.id == v.id, table.c.redeemed_at.is_(None),
                                             table.c.refunded_at.is_(None))
                         .values(redeemed_at=at, redeemed_by=actor.name[:50], redeemed_merchant_id=merchant_id)
                         ).rowcount
        if not done:  # only without the write lock (another database server): the other desk was first
            raise ValidationError({"code": _("This voucher was redeemed a moment ago at another desk.")})
        audit.record(s, actor, "update", "points_voucher", v.id, "{} {}".format(row.resident, t.name), audit.diff(
            {"redeemed_at": None, "redeemed_merchant_id": None},
            {"redeemed_at": at.replace(microsecond=0), "redeemed_merchant_id": merchant_id}))
        s.expire_all()
        return _voucher_rows(s, [Voucher.id == v.id], at.date())[0]


# -- the voucher catalogue (POINTS_CATALOGUE to change) -------------------------------------------

VOUCHER_TYPE_KEYS = ("name", "kind", "merchant_id", "points", "stock", "valid_from", "valid_to", "days_valid",
                     "description")


def list_voucher_types(db: Database, *, include_inactive: bool = False, on: dt.date | None = None
                       ) -> list[VoucherTypeRow]:
    """The catalogue by kind and name; with `on`, only what can be issued that day (in use, valid)."""
    stmt = (select(VoucherType, Merchant.name).outerjoin(Merchant, Merchant.id == VoucherType.merchant_id)
            .order_by(VoucherType.kind, VoucherType.name, VoucherType.id))
    if not include_inactive or on is not None:
        stmt = stmt.where(VoucherType.active.is_(True))
    if on is not None:
        stmt = stmt.where(VoucherType.valid_from <= on, VoucherType.valid_to >= on)
    with db.session() as s:
        issued = dict(s.execute(select(Voucher.voucher_type_id, func.count(Voucher.id))
                                .group_by(Voucher.voucher_type_id)).all())
        centre = _centre_name(s)
        kinds = list(VOUCHER_KINDS)
        rows = [VoucherTypeRow(t.id, t.name, t.kind, t.merchant_id, merchant or centre, t.points, t.stock,
                               issued.get(t.id, 0), t.valid_from, t.valid_to, t.days_valid, t.description, t.active)
                for t, merchant in s.execute(stmt)]
    return sorted(rows, key=lambda r: (kinds.index(r.kind) if r.kind in kinds else 99, r.name, r.id))


def _validate_voucher_type(s, data: VoucherTypeInput, own: VoucherType | None) -> dict:
    errors: dict[str, str] = {}
    v: dict = {"name": _clean(data.name), "kind": data.kind, "merchant_id": data.merchant_id,
               "points": data.points, "stock": data.stock, "valid_from": data.valid_from,
               "valid_to": data.valid_to, "days_valid": data.days_valid,
               "description": (data.description or "").strip()}
    if not v["name"]:
        errors["name"] = _("Please enter the voucher's name.")
    elif len(v["name"]) > VOUCHER_NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=VOUCHER_NAME_MAX)
    else:
        other = s.scalar(select(VoucherType.id).where(VoucherType.name == v["name"]))
        if other is not None and (own is None or other != own.id):
            errors["name"] = _("{name} is already in the catalogue.").format(name=v["name"])
    if data.kind not in VOUCHER_KINDS:
        errors["kind"] = _("Please choose the kind of voucher.")
    if data.merchant_id is not None and (own is None or data.merchant_id != own.merchant_id):
        m = s.get(Merchant, data.merchant_id)
        if m is None:
            errors["merchant_id"] = _("That merchant is not on file.")
        elif m.status != MEMBER:
            errors["merchant_id"] = _("{name} is not an alliance member at present.").format(name=m.name)
    if not _is_int(data.points) or not 1 <= data.points <= POINTS_MAX:
        errors["points"] = _("Points are a whole number from 1 to {n}.").format(n=format_number(POINTS_MAX))
    if data.stock is not None and (not _is_int(data.stock) or not 0 <= data.stock <= POINTS_MAX):
        errors["stock"] = _("The stock is a whole number from 0 to {n}, or empty for no limit.").format(
            n=format_number(POINTS_MAX))
    if not isinstance(data.valid_from, dt.date):
        errors["valid_from"] = _("Please enter the first day it can be issued.")
    if not isinstance(data.valid_to, dt.date):
        errors["valid_to"] = _("Please enter the last day it can be used.")
    elif isinstance(data.valid_from, dt.date) and data.valid_to < data.valid_from:
        errors["valid_to"] = _("The end date is before the start date.")
    if data.days_valid is not None and (not _is_int(data.days_valid) or not 1 <= data.days_valid <= DAYS_VALID_MAX):
        errors["days_valid"] = _("A voucher is good for 1 to {n} days, or empty for until the end date.").format(
            n=format_number(DAYS_VALID_MAX))
    if errors:
        raise ValidationError(errors)
    return v


def add_voucher_type(db: Database, data: VoucherTypeInput, *, actor: access.Actor) -> int:
    """Add a voucher to the catalogue; returns its id."""
    access.require(actor, access.POINTS_CATALOGUE)
    with db.session() as s:
        v = _validate_voucher_type(s, data, None)
        now = dt.datetime.now()
        t = VoucherType(**v, active=True, created_at=now, updated_at=now)
        s.add(t)
        s.flush()
        audit.record(s, actor, "create", "points_voucher_type", t.id, t.name, audit.diff({}, v))
        return t.id


def update_voucher_type(db: Database, type_id: int, data: VoucherTypeInput, *, actor: access.Actor) -> None:
    """Change a catalogue entry (vouchers already issued keep their points and expiry)."""
    access.require(actor, access.POINTS_CATALOGUE)
    with db.session() as s:
        t = _voucher_type(s, type_id)
        v = _validate_voucher_type(s, data, t)
        before = {k: getattr(t, k) for k in v}
        for k, value in v.items():
            setattr(t, k, value)
        changes = audit.diff(before, v)
        if changes:
            t.updated_at = dt.datetime.now()
            audit.record(s, actor, "update", "points_voucher_type", t.id, t.name, changes)


def set_voucher_type_active(db: Database, type_id: int, active: bool, *, actor: access.Actor) -> None:
    """Stop offering a voucher (those issued stay good) or offer it again."""
    access.require(actor, access.POINTS_CATALOGUE)
    with db.session() as s:
        t = _voucher_type(s, type_id)
        if t.active == bool(active):
            return
        t.active, t.updated_at = bool(active), dt.datetime.now()
        audit.record(s, actor, "reactivate" if active else "deactivate", "points_voucher_type", t.id, t.name,
                     audit.diff({"active": not active}, {"active": bool(active)}))


# -- reversals and refunds ----------------------------------------------------------------------

def reverse(db: Database, entry_id: int, reason: str, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Reverse a ledger entry by a counter-entry with a reason (POINTS_REVERSE): an entry once only, never a
    reversal; an earn or refund only while the balance still covers it; a spend only while its voucher is
    unused (the voucher is then cancelled). Returns the counter-entry's id."""
    access.require(actor, access.POINTS_REVERSE)
    today = today or dt.date.today()
    reason = _clean(reason)
    if not reason:
        raise ValidationError({"reason": _("Please enter the reason for the reversal.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason is too long (at most {n} characters).").format(n=REASON_MAX)})
    with _writing(db) as s:
        e = s.get(LedgerEntry, entry_id) if entry_id is not None else None
        if e is None:
            raise NotFoundError(_("That entry of the points ledger no longer exists."))
        if e.kind == REVERSE:
            raise ValidationError({"entry": _("A reversal cannot itself be reversed.")})
        done = s.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == e.id))
        if done is not None:
            raise ValidationError({"entry": _("This entry was already reversed (entry {id}).").format(id=done)})
        resident = _resident(s, e.resident_id)
        now = dt.datetime.now()
        if e.points > 0:
            if not _account_take(s, resident.id, e.points, now):
                raise ValidationError({"entry": _(
                    "{name} has {balance} now: the {points} of this entry were already spent, so it cannot be "
                    "reversed.").format(name=resident.name, balance=points_text(_balance_in(s, resident.id)),
                                        points=points_text(e.points))})
        else:
            v = s.get(Voucher, e.voucher_id) if e.voucher_id is not None else None
            if v is not None:
                if v.redeemed_at is not None:
                    raise ValidationError({"entry": _("The voucher {code} was redeemed on {when}; its points cannot "
                                                      "be given back.").format(code=v.code,
                                                                               when=format_datetime(v.redeemed_at))})
                if v.refunded_at is not None:
                    raise ValidationError({"entry": _("The points of the voucher {code} were already returned.")
                                          .format(code=v.code)})
                table = Voucher.__table__
                if not s.execute(update(table).where(table.c.id == v.id, table.c.redeemed_at.is_(None),
                                                     table.c.refunded_at.is_(None))
                                 .values(refunded_at=now)).rowcount:
                    raise ValidationError({"entry": _("The voucher {code} was used a moment ago at another desk.")
                                          .format(code=v.code)})
                audit.record(s, actor, "update", "points_voucher", v.id, "{} {}".format(resident.name, v.code),
                             audit.diff({"refunded_at": None}, {"refunded_at": now.replace(microsecond=0)}))
                # The voided voucher's item goes back on the shelf (a voucher type with a stock).
                types = VoucherType.__table__
                s.execute(update(types).where(types.c.id == v.voucher_type_id, types.c.stock.is_not(None))
                          .values(stock=types.c.stock + 1))
            _account_add(s, resident.id, -e.points, now)
        return _entry(s, actor, resident, REVERSE, -e.points, today, now, service_type_id=e.service_type_id,
                      voucher_id=e.voucher_id, reverses_id=e.id, reason=reason).id


def refund_expired(db: Database, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """When the centre's rule says so, give back the points of every voucher that expired unused (a refund
    entry each); how many. Running it again refunds nothing twice."""
    access.require(actor, access.POINTS_VOUCHERS)
    today = today or dt.date.today()
    with _writing(db) as s:
        if not _refund_rule_in(s):
            return 0
        now = dt.datetime.combine(today, dt.datetime.now().time())
        table = Voucher.__table__
        count = 0
        for v in list(s.scalars(select(Voucher).where(Voucher.expires_on < today, Voucher.redeemed_at.is_(None),
                                                      Voucher.refunded_at.is_(None)).order_by(Voucher.id))):
            if not s.execute(update(table).where(table.c.id == v.id, table.c.redeemed_at.is_(None),
                                                 table.c.refunded_at.is_(None)).values(refunded_at=now)).rowcount:
                continue
            resident = s.get(Resident, v.resident_id)
            audit.record(s, actor, "update", "points_voucher", v.id, "{} {}".format(resident.name, v.code),
                         audit.diff({"refunded_at": None}, {"refunded_at": now.replace(microsecond=0)}))
            _account_add(s, resident.id, v.points, now)
            _entry(s, actor, resident, REFUND, v.points, today, now, voucher_id=v.id,
                   note=s.get(VoucherType, v.voucher_type_id).name)
            count += 1
        return count


def list_vouchers(db: Database, *, resident_id: int | None = None, status: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None,
                  on: dt.date | None = None) -> list[VoucherRow]:
    """Vouchers issued in the range (inclusive; None: open), of a resident, in a status on `on` (today), by
    when they were issued."""
    on = on or dt.date.today()
    where = []
    if resident_id is not None:
        where.append(Voucher.resident_id == resident_id)
    if date_from is not None:
        where.append(Voucher.issued_at >= dt.datetime.combine(date_from, dt.time()))
    if date_to is not None:
        where.append(Voucher.issued_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
    if status == REDEEMED:
        where.append(Voucher.redeemed_at.is_not(None))
    elif status in (ISSUED, EXPIRED):
        where += [Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_(None),
                  Voucher.expires_on >= on if status == ISSUED else Voucher.expires_on < on]
    elif status in (REFUNDED, VOIDED):
        where += [Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_not(None)]
    with db.session() as s:
        rows = _voucher_rows(s, where, on)
    return [r for r in rows if status is None or r.status == status]


def ledger(db: Database, date_from: dt.date, date_to: dt.date) -> list[EntryRow]:
    """Every entry of the range (inclusive) by day, for the monthly ledger form."""
    with db.session() as s:
        return _entry_rows(s, [LedgerEntry.day >= date_from, LedgerEntry.day <= date_to])


# -- for the rest of the program ----------------------------------------------------------

def resident_lines(db: Database, resident_id: int, today: dt.date | None = None) -> list:
    """The residents' detail pane: "共治积分：余额 120 分，未使用的券 1 张" for a resident with an account."""
    from app.features import DetailLine

    today = today or dt.date.today()
    with db.session() as s:
        bal = s.scalar(select(PointsAccount.balance).where(PointsAccount.resident_id == resident_id))
        if bal is None:
            return []
        unused = s.scalar(select(func.count(Voucher.id)).where(
            Voucher.resident_id == resident_id, Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_(None),
            Voucher.expires_on >= today)) or 0
    return [DetailLine(_("Volunteer points: balance {points}, {count} unused vouchers").format(
        points=points_text(bal), count=format_number(unused)))]


EXPIRING_DAYS = 7                      # the tab's label counts unused vouchers expiring this soon


def badge_label(expiring: int) -> tuple[str, bool]:
    """The tab's label: unused vouchers that expire within a week (no alert colour: nothing is late)."""
    label = _("Volunteer points")
    if expiring:
        label = _("{tab} ({counts})").format(tab=label, counts=_("{count} vouchers expire this week").format(
            count=format_number(expiring)))
    return label, False


def badge(db: Database, today: dt.date | None = None) -> tuple[str, bool]:
    """The tab's label before the tab is built (app/features.py `badge`): counted on the worker."""
    today = today or dt.date.today()
    with db.session() as s:
        expiring = s.scalar(select(func.count(Voucher.id)).where(
            Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_(None), Voucher.expires_on >= today,
            Voucher.expires_on < today + dt.timedelta(days=EXPIRING_DAYS))) or 0
    return badge_label(expiring)


def figures(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> PointsFigures:
    """The monthly report's points numbers for any date range (inclusive). Entries count by their day:
    earned (by type), spent, refunded and the reversals' signed total, so that earned − spent + refunded +
    reversed is the change of the outstanding balance. Vouchers: issued, redeemed and expired (unused
    until their last day, which is in the range and before `today`; cancelled ones are not) by kind and the
    redeemed by merchant. Volunteers and their hours leave out earnings that were reversed (a mistake is
    no service)."""
    today = today or dt.date.today()
    in_range = (LedgerEntry.day >= date_from, LedgerEntry.day <= date_to)
    start = dt.datetime.combine(date_from, dt.time())
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())

    def total(kind: str) -> int:
        return s.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.kind == kind, *in_range)) or 0

    with db.session() as s:
        by_type = {name: points for name, points in s.execute(
            select(ServiceType.name, func.sum(LedgerEntry.points))
            .join(ServiceType, ServiceType.id == LedgerEntry.service_type_id)
            .where(LedgerEntry.kind == EARN, *in_range)
            .group_by(ServiceType.id, ServiceType.name, ServiceType.sort_order)
            .order_by(ServiceType.sort_order, ServiceType.id))}
        earned, spent, refunded, reversed_ = total(EARN), -total(SPEND), total(REFUND), total(REVERSE)
        outstanding = s.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.day <= date_to)) or 0

        def by_kind(*where) -> dict[str, int]:
            counts = dict(s.execute(select(VoucherType.kind, func.count(Voucher.id))
                                    .join(VoucherType, VoucherType.id == Voucher.voucher_type_id)
                                    .where(*where).group_by(VoucherType.kind)).all())
            return {_label(VOUCHER_KINDS, k): counts[k] for k in [*VOUCHER_KINDS, *sorted(set(counts) - set(
                VOUCHER_KINDS))] if counts.get(k)}

        issued = by_kind(Voucher.issued_at >= start, Voucher.issued_at < end)
        redeemed = by_kind(Voucher.redeemed_at >= start, Voucher.redeemed_at < end)
        spend, reversal = aliased(LedgerEntry), aliased(LedgerEntry)
        voided = (select(spend.voucher_id).join(reversal, reversal.reverses_id == spend.id)
                  .where(spend.kind == SPEND, spend.voucher_id.is_not(None)))
        expired = by_kind(Voucher.expires_on >= date_from, Voucher.expires_on <= date_to, Voucher.expires_on < today,
                          Voucher.redeemed_at.is_(None), Voucher.id.not_in(voided))
        centre = _centre_name(s)
        by_merchant = {name or centre: n for name, n in s.execute(
            select(Merchant.name, func.count(Voucher.id))
            .outerjoin(Merchant, Merchant.id == Voucher.redeemed_merchant_id)
            .where(Voucher.redeemed_at >= start, Voucher.redeemed_at < end)
            .group_by(Merchant.id, Merchant.name).order_by(Merchant.name))}
        kept = (LedgerEntry.kind == EARN, *in_range,
                LedgerEntry.id.not_in(select(reversal.reverses_id).where(reversal.reverses_id.is_not(None))))
        volunteers = s.scalar(select(func.count(func.distinct(LedgerEntry.resident_id))).where(*kept)) or 0
        minutes = s.scalar(select(func.coalesce(func.sum(LedgerEntry.quantity), 0))
                           .join(ServiceType, ServiceType.id == LedgerEntry.service_type_id)
                           .where(ServiceType.unit == HOUR, *kept)) or 0
    return PointsFigures(date_from, date_to, by_type, earned, spent, refunded, reversed_, outstanding, issued,
                         redeemed, expired, by_merchant, volunteers, round(minutes / 60, 2))


# -- the monthly report's section ---------------------------------------------------------------

def report_section(f: PointsFigures):
    """The points' section of the monthly report (services/report.py) from its figures."""
    from app.services import report
    from app.services.report import Line

    issued, redeemed = sum(f.vouchers_issued.values()), sum(f.vouchers_redeemed.values())
    lines = (
        Line("earned", _("Points earned"), "points", f.earned),
        Line("spent", _("Points spent on vouchers"), "points", f.spent),
        Line("refunded", _("Points of expired vouchers returned"), "points", f.refunded),
        Line("outstanding", _("Points outstanding"), "points", f.outstanding),
        Line("vouchers_issued", _("Vouchers issued"), "count", issued),
        Line("vouchers_redeemed", _("Vouchers redeemed"), "count", redeemed),
        Line("volunteers", _("Volunteers"), "count", f.volunteers),
        Line("hours", _("Volunteer hours"), "hours", f.volunteer_hours),
    )
    # Each count with its own noun (ngettext): "1 volunteer earned 1 point" reads right in English.
    phrase = _("{volunteers} {earned} ({hours} of service), {spent} on {issued}").format(
        volunteers=ngettext("{n} volunteer earned", "{n} volunteers earned", f.volunteers).format(
            n=report.number(f.volunteers)),
        earned=ngettext("{n} point", "{n} points", f.earned).format(n=report.number(f.earned, "points")),
        hours=ngettext("{n} hour", "{n} hours", 1 if f.volunteer_hours == 1 else 2).format(
            n=report.number(f.volunteer_hours, "hours")),
        spent=ngettext("{n} point was spent", "{n} points were spent", f.spent).format(
            n=report.number(f.spent, "points")),
        issued=ngettext("{n} voucher", "{n} vouchers", issued).format(n=report.number(issued)))
    return report.Section("points", _("Volunteer points"), lines,
                          (report.chart(_("Points earned by service type"), "bar", f.earned_by_type),), phrase)
