"""The merchant alliance (爱心商铺联盟 / 社区合伙人).

Shops apply (recommended by a resident, self-nominated, or placed by the state-owned landlord's
lease, 国企招租限定), in batches (第一批, 第二批 …). Each is identified by its 统一社会信用代码 (18
characters, GB 32100 check character: validators.check_credit_code) or, for an individual business
without one, its 营业执照 number. An admission review records each of the centre's criteria (the
seed's 四美, an editable list) as met or not, the reviewer and the decision. The status moves only
through MOVES (申请 → 审核中 → 已入盟 or 未通过; 已入盟 → 暂停 → 已入盟 (恢复), or 退出), each move with
who, when and why, audited. Members promise public-benefit services (公益服务条款, an editable list
of kinds), receive complaints (the complaint rate per half-year: complaints per active member,
and its change from the previous half-year) and quarterly evaluations by several evaluators on
the criteria (0–10), averaged into a ranking. A member's window certificate carries a QR code
`NDM:<code>` that the desk scans to open the merchant.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import func, or_, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _, format_date, format_number, format_percent, ngettext
from app.models import (BusinessType, Commitment, CommitmentType, Complaint, Criterion, Evaluation, Grid, Merchant,
                        MerchantEvent, Resident, Review, ReviewItem)
from app.services import access, audit, choices
from app.services.fields import Field
from app.services import member_codes
from app.services.member_codes import new_member_code
from app.services.pinyin import search_keys
from app.services.validators import (InvalidValue, check_credit_code, mask_phone, normalise_phone,
                                     normalise_text, tidy_text)

# -- vocabularies ---------------------------------------------------------------------------

APPLIED, REVIEWING, MEMBER, REJECTED, SUSPENDED, LEFT = (
    "applied", "reviewing", "member", "rejected", "suspended", "left")
STATUSES: dict[str, str] = {
    APPLIED: N_("Applied"),            # 申请
    REVIEWING: N_("Under review"),     # 审核中
    MEMBER: N_("Member"),              # 已入盟
    REJECTED: N_("Not admitted"),      # 未通过
    SUSPENDED: N_("Suspended"),        # 暂停
    LEFT: N_("Left the alliance"),     # 退出
}

# action -> (the statuses it may start from, the status it leads to). The only place legal moves
# are defined: step() decides, move() writes, allowed_actions() offers.
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "start_review": (frozenset({APPLIED}), REVIEWING),
    "admit": (frozenset({REVIEWING}), MEMBER),
    "reject": (frozenset({REVIEWING}), REJECTED),
    "suspend": (frozenset({MEMBER}), SUSPENDED),
    "resume": (frozenset({SUSPENDED}), MEMBER),
    "leave": (frozenset({MEMBER, SUSPENDED}), LEFT),
    "reapply": (frozenset({REJECTED, LEFT}), APPLIED),  # a refused or former shop applies again
}
ACTIONS: dict[str, str] = {
    "start_review": N_("Start the review"),   # 开始审核
    "admit": N_("Admit"),                     # 准予入盟
    "reject": N_("Do not admit"),             # 不予通过
    "suspend": N_("Suspend"),                 # 暂停
    "resume": N_("Resume membership"),        # 恢复 (the counter's "Resume" is 恢复办理)
    "leave": N_("Leave the alliance"),        # 退出
    "reapply": N_("Apply again"),             # 重新申请
}
# What a merchant's history (办理记录) calls each event: the moves, and the application itself.
APPLY = "apply"
EVENT_ACTIONS: dict[str, str] = {APPLY: N_("Application entered"), **ACTIONS}  # 录入申请

RECOMMENDED, SELF, SOE_LEASE = "recommended", "self", "soe_lease"
APPLIED_VIA: dict[str, str] = {
    RECOMMENDED: N_("Recommended by a resident"),         # 居民推荐
    SELF: N_("Self-nominated"),                           # 商铺自荐
    SOE_LEASE: N_("State-owned landlord's lease terms"),  # 国企招租限定
}

ADMIT, REJECT = "admit", "reject"   # a review's decision

# The editable lists (`kind` of the *_choice functions) and what they ship with.
BUSINESS_TYPES, CRITERIA, COMMITMENT_TYPES = "business_type", "criterion", "commitment_type"
DEFAULT_BUSINESS_TYPES: list[str] = [
    N_("Food and drink"),              # 餐饮
    N_("Hairdressing and beauty"),     # 理发美容
    N_("Grocery and convenience"),     # 超市便利
    N_("Repairs and household services"),  # 维修家政
    N_("Pharmacy and health"),         # 药店健康
    N_("Other business"),              # 其他
]
# The seed names the criteria "四美" without spelling them out: four entries for the centre to fill in.
DEFAULT_CRITERIA: list[tuple[str, str]] = [
    (N_("Four Goods: criterion 1"), N_("To be filled in by the centre")),  # 四美之一 / 请中心填写
    (N_("Four Goods: criterion 2"), N_("To be filled in by the centre")),
    (N_("Four Goods: criterion 3"), N_("To be filled in by the centre")),
    (N_("Four Goods: criterion 4"), N_("To be filled in by the centre")),
]
DEFAULT_COMMITMENT_TYPES: list[str] = [
    N_("Free phone charging"),         # 免费手机充电
    N_("Free haircuts for elders"),    # 为老人免费理发
    N_("Public classes"),              # 公益课堂
    N_("Free drinking water"),         # 免费饮用水
    N_("Toilet open to the public"),   # 开放卫生间
    N_("Other public-benefit service"),  # 其他公益服务
]

SCORE_MAX = 10                         # an evaluation's score per criterion: 0-10
CERTIFICATE_PREFIX = "NDM:"            # a window certificate's QR code: NDM:<member code>


# -- what the forms supply ----------------------------------------------------------------------

@dataclass
class MerchantInput:
    name: str = ""
    credit_code: str = ""              # 统一社会信用代码; or
    licence_number: str = ""           # 营业执照 number of an individual business without one
    business_type_id: int | None = None
    contact_resident_id: int | None = None  # the owner or contact, a resident; or a name and phone
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    estate: str = ""
    grid_id: int | None = None
    applied_via: str = SELF
    recommended_by_id: int | None = None  # needed when applied_via is RECOMMENDED
    applied_on: dt.date | None = None  # None: today
    batch: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReviewItemInput:
    criterion_id: int
    met: bool
    note: str = ""


@dataclass
class ReviewInput:
    items: list[ReviewItemInput] = field(default_factory=list)  # every active criterion, once
    decision: str = ADMIT
    note: str = ""                     # required when not admitted
    reviewed_on: dt.date | None = None


@dataclass(frozen=True)
class CommitmentInput:
    type_id: int
    detail: str = ""
    frequency: str = ""
    since: dt.date | None = None       # None: today
    until: dt.date | None = None


@dataclass
class ComplaintInput:
    merchant_id: int | None = None
    received_on: dt.date | None = None
    complainant_id: int | None = None  # a resident; or a walk-in's name (and phone)
    complainant_name: str = ""
    complainant_phone: str = ""
    what: str = ""
    resolution: str = ""
    resolved_on: dt.date | None = None


# -- what the tab shows -------------------------------------------------------------------------

def _label(table: dict, key) -> str:
    return _(table[key]) if key in table else ("" if key is None else str(key))


@dataclass
class ChoiceRow(choices.ChoiceRow):
    """A business type, criterion or commitment type."""

    description: str = ""              # criteria only


@dataclass
class MerchantRow:
    """A merchant as lists show it (contact phone masked unless the reader may see it)."""

    id: int
    name: str
    credit_code: str
    licence_number: str
    business_type: str
    contact: str                       # "name phone"
    address: str
    estate: str
    grid: str
    applied_via: str
    applied_on: dt.date
    batch: str
    status: str
    status_since: dt.date
    joined_on: dt.date | None
    member_code: str | None
    commitments: int = 0               # in force today
    open_complaints: int = 0

    @property
    def status_text(self) -> str:
        return _label(STATUSES, self.status)

    @property
    def applied_via_text(self) -> str:
        return _label(APPLIED_VIA, self.applied_via)


@dataclass
class EventRow:
    action: str
    from_status: str
    to_status: str
    day: dt.date
    at: dt.datetime
    by: str
    reason: str

    @property
    def action_text(self) -> str:
        return _label(EVENT_ACTIONS, self.action)


@dataclass
class ReviewItemRow:
    criterion_id: int
    criterion: str
    met: bool
    note: str


@dataclass
class ReviewRow:
    id: int
    reviewed_on: dt.date
    reviewer: str
    decision: str
    note: str
    items: list[ReviewItemRow]


@dataclass
class CommitmentRow:
    id: int
    type_id: int
    type_name: str
    detail: str
    frequency: str
    since: dt.date
    until: dt.date | None

    def in_force(self, on: dt.date) -> bool:
        return self.since <= on and (self.until is None or on <= self.until)


@dataclass
class ComplaintRow:
    id: int
    merchant_id: int
    merchant: str
    received_on: dt.date
    complainant: str                   # a resident's name, or the walk-in's ("A resident"/"A walk-in" for a viewer)
    complainant_phone: str             # masked unless PERSONAL_DATA_FULL; "" for a viewer
    what: str
    resolution: str
    resolved_on: dt.date | None
    recorded_by: str


@dataclass
class MerchantInfo:
    """Everything about one merchant, for its page in the tab."""

    row: MerchantRow
    business_type_id: int | None
    contact_resident_id: int | None
    contact_name: str
    contact_phone: str                 # masked unless the reader may see it
    grid_id: int | None
    recommended_by_id: int | None
    recommended_by: str
    note: str
    left_on: dt.date | None
    events: list[EventRow]
    reviews: list[ReviewRow]
    commitments: list[CommitmentRow]
    complaints: list[ComplaintRow]
    allowed_actions: list[str]
    # The contact as forms print it: the name given, else the resident's; the phone given, else the
    # resident's (masked as contact_phone is). contact_name/contact_phone above are what was entered.
    contact_person: str = ""
    contact_person_phone: str = ""


@dataclass
class HalfYearRate:
    """Complaints per active member in a half-year (H1: January–June, H2: July–December) and the
    change from the previous half-year; `change` is None when there is nothing to compare with."""

    year: int
    half: int                          # 1 or 2
    complaints: int
    active_members: int                # members for at least a day of the half-year
    rate: float | None                 # complaints / active members (None: no members)
    previous_rate: float | None
    change: float | None               # (rate − previous) / previous: −0.15 is "down 15 %"


@dataclass
class RankingRow:
    rank: int
    merchant_id: int
    merchant: str
    evaluators: int
    average: float                     # the mean score over evaluators and criteria, 0-10
    by_criterion: dict[str, float]


@dataclass
class AllianceFigures:
    """Alliance figures for a date range (inclusive): members active on `date_to`, new (admitted in
    the range), suspended and left in the range; commitments in force on `date_to` by type;
    complaints received and resolved in the range; the half-year rate of the half containing
    `date_to`; evaluations recorded in the range (scores) and the members they cover."""

    date_from: dt.date
    date_to: dt.date
    active: int
    new: int
    suspended: int
    left: int
    commitments_by_type: dict[str, int]
    complaints: int
    complaints_resolved: int
    half_year: HalfYearRate
    evaluations: int
    evaluated_members: int


# -- the audit trail's words (services/audit.py ENTITIES / ENTITY_FIELDS) ----------------------

CHOICE_FIELDS = choices.choice_fields(description=Field(N_("Description")))
MERCHANT_FIELDS: dict[str, Field] = {
    "name": Field(N_("Shop name")),
    "credit_code": Field(N_("Unified social credit code")),
    "licence_number": Field(N_("Business licence number")),
    "business_type_id": Field(N_("Business type"), ref="business_type"),
    "contact_resident_id": Field(N_("Contact (resident)"), ref="resident"),
    "contact_name": Field(N_("Contact")),
    "contact_phone": Field(N_("Contact's phone")),
    "address": Field(N_("Address")),
    "estate": Field(N_("Estate")),
    "grid_id": Field(N_("Grid"), ref="grid"),
    "applied_via": Field(N_("How it applied"), codes=APPLIED_VIA),
    "recommended_by_id": Field(N_("Recommended by"), ref="resident"),
    "applied_on": Field(N_("Applied on"), kind="date"),
    "batch": Field(N_("Batch")),
    "note": Field(N_("Note")),
    "status": Field(N_("Status"), codes=STATUSES),
    "status_since": Field(N_("Status since"), kind="date"),
    "joined_on": Field(N_("Joined on"), kind="date"),
    "left_on": Field(N_("Left the alliance on"), kind="date"),
    "member_code": Field(N_("Certificate code")),
    "reason": Field(N_("Reason for the change")),
}
REVIEW_FIELDS: dict[str, Field] = {
    "reviewed_on": Field(N_("Reviewed on"), kind="date"),
    "reviewer": Field(N_("Reviewer")),
    "decision": Field(N_("Decision"), codes={ADMIT: N_("Admit"), REJECT: N_("Do not admit")}),
    "criteria": Field(N_("Criteria")),
    "note": Field(N_("Note")),
}
COMMITMENT_FIELDS: dict[str, Field] = {
    "commitments": Field(N_("Public-benefit commitments")),
}
COMPLAINT_FIELDS: dict[str, Field] = {
    "merchant_id": Field(N_("Merchant"), ref="merchant"),
    "received_on": Field(N_("Received on"), kind="date"),
    "complainant_id": Field(N_("Complainant (resident)"), ref="resident"),
    "complainant_name": Field(N_("Complainant")),
    "complainant_phone": Field(N_("Complainant's phone")),
    "what": Field(N_("Complaint")),
    "resolution": Field(N_("How it was resolved")),
    "resolved_on": Field(N_("Resolved on"), kind="date"),
}
EVALUATION_FIELDS: dict[str, Field] = {
    "quarter": Field(N_("Quarter")),
    "evaluator": Field(N_("Evaluator")),
    "scores": Field(N_("Scores")),
    "note": Field(N_("Note")),
}


# -- shared helpers -------------------------------------------------------------------------

NAME_MAX, CHOICE_NAME_MAX, ADDRESS_MAX, ESTATE_MAX, BATCH_MAX, LICENCE_MAX = 100, 50, 200, 100, 20, 30
PERSON_MAX, DETAIL_MAX, FREQUENCY_MAX = 50, 200, 50
LISTS = {BUSINESS_TYPES: choices.ChoiceList(BusinessType, BUSINESS_TYPES, access.ALLIANCE_LISTS, row=ChoiceRow),
         CRITERIA: choices.ChoiceList(Criterion, CRITERIA, access.ALLIANCE_LISTS, {"description": ""}, ChoiceRow),
         COMMITMENT_TYPES: choices.ChoiceList(CommitmentType, COMMITMENT_TYPES, access.ALLIANCE_LISTS, row=ChoiceRow)}
_STATUS_ORDER = {status: i for i, status in enumerate(STATUSES)}
_REASON_NEEDED = frozenset({"reject", "suspend", "leave"})
D = dt.date


def rounded_average(value: float) -> Decimal:
    """An average (score, complaints per member) to two decimals, half up: 7.125 → 7.13 (round() gives 7.12)."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def average_text(value: float) -> str:
    """An average as forms and screens show it, always with two decimals: 8 → "8.00", 7.125 → "7.13"."""
    return format_number(rounded_average(value), 2)


def change_text(change: float) -> str:
    """A rate's change without its sign, as forms and screens show it: 0.1667 → "16.7%"."""
    return format_percent(abs(change), 1)


def _clean(text: str | None) -> str:
    return tidy_text(text)  # 阿婆糕点铺（二店） stays as written


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_BATCH_NUMBER = re.compile(r"\d+|[零〇一二两三四五六七八九十百]+")


def _chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十一 → 11, 二十三 → 23, 一百零五 → 105 (batch numbers: small)."""
    total, digit = 0, 0
    for ch in text:
        if ch in ("十", "百"):
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
        else:
            digit = digit * 10 + _CN_DIGITS[ch] if digit else _CN_DIGITS[ch]
    return total + digit


def batch_order(batch: str | None) -> tuple:
    """Sort key of a batch: by its number (第一批 … 第十一批, "2"), then those without a number
    alphabetically, then no batch. A plain string sort puts 第三批 (三 U+4E09) before 第二批 (二 U+4E8C)."""
    batch = batch or ""
    if not batch:
        return (2, 0, "")
    match = _BATCH_NUMBER.search(batch)
    if match is None:
        return (1, 0, batch)
    text = match.group()
    return (0, int(text) if text.isdigit() else _chinese_number(text), batch)


def _list(kind: str) -> choices.ChoiceList:
    if kind not in LISTS:
        raise ValueError(f"unknown alliance list: {kind!r}")  # a programming error, not the user's
    return LISTS[kind]


def _resident(s, resident_id: int | None) -> Resident:
    resident = s.get(Resident, resident_id) if resident_id is not None else None
    if resident is None:
        raise NotFoundError(_("The chosen resident no longer exists."))
    return resident


def _merchant(s, merchant_id: int | None) -> Merchant:
    m = s.get(Merchant, merchant_id) if merchant_id is not None else None
    if m is None:
        raise NotFoundError(_("That merchant is not on file."))
    return m


def _not_future(day: dt.date, today: dt.date, key: str, errors: dict) -> None:
    if day > today:
        errors[key] = _("The date cannot be in the future.")


# -- the editable lists: business types, criteria (四美), kinds of commitment (services/choices.py)

def list_choices(db: Database, kind: str, *, include_inactive: bool = False) -> list[ChoiceRow]:
    """One of the lists (BUSINESS_TYPES, CRITERIA, COMMITMENT_TYPES) in its order."""
    return choices.list_choices(db, _list(kind), include_inactive=include_inactive)


def add_choice(db: Database, kind: str, name: str, *, actor: access.Actor, description: str = "") -> int:
    """Add an entry at the end of a list; `description` is kept for criteria only."""
    return choices.add_choice(db, _list(kind), name, actor=actor, description=description)


def rename_choice(db: Database, kind: str, choice_id: int, name: str, *, actor: access.Actor,
                  description: str | None = None) -> None:
    """Rename an entry (a criterion's description too, unless None)."""
    choices.rename_choice(db, _list(kind), choice_id, name, actor=actor, description=description)


def set_choice_active(db: Database, kind: str, choice_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire an entry (records that use it keep it) or bring it back."""
    choices.set_choice_active(db, _list(kind), choice_id, active, actor=actor)


def seed(db: Database, *, actor: access.Actor) -> int:
    """The three default lists in the current language, each only when empty; how many entries were added."""
    return choices.seed(db, [
        (LISTS[BUSINESS_TYPES], [{"name": _(name)} for name in DEFAULT_BUSINESS_TYPES]),
        (LISTS[CRITERIA], [{"name": _(name), "description": _(description)} for name, description in DEFAULT_CRITERIA]),
        (LISTS[COMMITMENT_TYPES], [{"name": _(name)} for name in DEFAULT_COMMITMENT_TYPES]),
    ], actor=actor)


# -- merchants ------------------------------------------------------------------------------

MERCHANT_KEYS = ("name", "credit_code", "licence_number", "business_type_id", "contact_resident_id",
                 "contact_name", "contact_phone", "address", "estate", "grid_id", "applied_via",
                 "recommended_by_id", "applied_on", "batch", "note")


def _status_text(status: str) -> str:
    return _label(STATUSES, status)


def _validate_merchant(s, data: MerchantInput, own: Merchant | None, today: dt.date) -> dict:
    """The merchant's column values, or ValidationError naming every wrong field."""
    errors: dict[str, str] = {}
    v: dict = {}
    v["name"] = _clean(data.name)
    if not v["name"]:
        errors["name"] = _("Please enter the shop's name.")
    elif len(v["name"]) > NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
    code_text = (data.credit_code or "").strip()
    licence = re.sub(r"\s", "", normalise_text(data.licence_number)).upper()
    v["credit_code"] = v["licence_number"] = None
    if code_text and licence:
        errors["licence_number"] = _("Please give either the credit code or the business licence number, "
                                     "not both.")
    elif not code_text and not licence:
        errors["credit_code"] = _("Please enter the unified social credit code (or, for an individual "
                                  "business without one, the business licence number).")
    elif code_text:
        try:
            v["credit_code"] = check_credit_code(code_text)
        except InvalidValue as e:
            errors["credit_code"] = e.message
    elif len(licence) > LICENCE_MAX:
        errors["licence_number"] = _("The licence number is too long (at most {n} characters).").format(
            n=LICENCE_MAX)
    else:
        v["licence_number"] = licence
    for key, column, label in (("credit_code", Merchant.credit_code, N_("The credit code {code}")),
                               ("licence_number", Merchant.licence_number, N_("The licence number {code}"))):
        if v[key] is not None:
            other = s.scalar(select(Merchant).where(column == v[key]))
            if other is not None and other is not own:
                message = _("{what} is already on file as {name} ({status}).")
                if "reapply" in allowed_actions(other.status):
                    message = _("{what} is already on file as {name} ({status}): to apply again, open that shop "
                                "and choose “{action}”.")
                errors[key] = message.format(what=_(label).format(code=v[key]), name=other.name,
                                             status=_status_text(other.status), action=_(ACTIONS["reapply"]))
    v["business_type_id"] = data.business_type_id
    if data.business_type_id is not None and s.get(BusinessType, data.business_type_id) is None:
        errors["business_type_id"] = _("That business type no longer exists.")
    v["contact_resident_id"] = data.contact_resident_id
    v["contact_name"] = _clean(data.contact_name)[:PERSON_MAX]
    v["contact_phone"] = ""
    if data.contact_resident_id is not None and s.get(Resident, data.contact_resident_id) is None:
        errors["contact_resident_id"] = _("The chosen resident no longer exists.")
    if data.contact_resident_id is None and not v["contact_name"]:
        errors["contact_name"] = _("Please choose the contact among the residents, or enter a name and phone.")
    if (data.contact_phone or "").strip():
        try:
            v["contact_phone"] = normalise_phone(data.contact_phone)
        except InvalidValue as e:
            errors["contact_phone"] = e.message
    elif data.contact_resident_id is None:
        errors["contact_phone"] = _("Please enter the contact's phone.")
    v["address"] = _clean(data.address)
    v["estate"] = _clean(data.estate)
    if len(v["address"]) > ADDRESS_MAX:
        errors["address"] = _("The address is too long (at most {n} characters).").format(n=ADDRESS_MAX)
    if len(v["estate"]) > ESTATE_MAX:
        errors["estate"] = _("The estate's name is too long (at most {n} characters).").format(n=ESTATE_MAX)
    v["grid_id"] = data.grid_id
    if data.grid_id is not None and s.get(Grid, data.grid_id) is None:
        errors["grid_id"] = _("That grid no longer exists.")
    v["applied_via"] = data.applied_via
    v["recommended_by_id"] = None
    if data.applied_via not in APPLIED_VIA:
        errors["applied_via"] = _("Please choose how the shop applied.")
    elif data.applied_via == RECOMMENDED:
        if data.recommended_by_id is None:
            errors["recommended_by_id"] = _("Please choose the resident who recommended the shop.")
        elif s.get(Resident, data.recommended_by_id) is None:
            errors["recommended_by_id"] = _("The chosen resident no longer exists.")
        v["recommended_by_id"] = data.recommended_by_id
    v["applied_on"] = data.applied_on or today
    _not_future(v["applied_on"], today, "applied_on", errors)
    v["batch"] = _clean(data.batch)
    if len(v["batch"]) > BATCH_MAX:
        errors["batch"] = _("The batch is too long (at most {n} characters).").format(n=BATCH_MAX)
    v["note"] = (data.note or "").strip()
    if errors:
        raise ValidationError(errors)
    return v


def add_merchant(db: Database, data: MerchantInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Record a shop's application (status APPLIED since the day it applied); returns its id."""
    access.require(actor, access.ALLIANCE_APPLY)
    today = today or dt.date.today()
    with db.session() as s:
        v = _validate_merchant(s, data, None, today)
        now = dt.datetime.now()
        m = Merchant(**v, status=APPLIED, status_since=v["applied_on"], created_at=now, updated_at=now)
        s.add(m)
        s.flush()
        # The history (办理记录) starts with who entered the application, and when.
        s.add(MerchantEvent(merchant_id=m.id, action=APPLY, from_status="", to_status=APPLIED, day=v["applied_on"],
                            at=now, by=actor.name[:50], reason=""))
        audit.record(s, actor, "create", "merchant", m.id, m.name,
                     audit.diff({}, {**v, "status": APPLIED}))
        return m.id


def update_merchant(db: Database, merchant_id: int, data: MerchantInput, *, actor: access.Actor,
                    today: dt.date | None = None) -> None:
    """Change a merchant's details (the same checks as add_merchant); its status moves only through move()."""
    access.require(actor, access.ALLIANCE_APPLY)
    today = today or dt.date.today()
    with db.session() as s:
        m = _merchant(s, merchant_id)
        v = _validate_merchant(s, data, m, today)
        before = {k: getattr(m, k) for k in v}
        if m.status == APPLIED and v["applied_on"] != m.applied_on:
            before["status_since"], v["status_since"] = m.status_since, v["applied_on"]
        for k, value in v.items():
            setattr(m, k, value)
        changes = audit.diff(before, v)
        if changes:
            m.updated_at = dt.datetime.now()
            audit.record(s, actor, "update", "merchant", m.id, m.name, changes)


def _people(s, ids) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    return dict(s.execute(select(Resident.id, Resident.name).where(Resident.id.in_(ids))).all()) if ids else {}


def _contact_text(name: str, phone: str, see_phones: bool) -> str:
    phone = phone if see_phones else mask_phone(phone)
    return " ".join(x for x in (name, phone) if x)


def _rows(s, merchants: list[Merchant], see_phones: bool, today: dt.date) -> list[MerchantRow]:
    ids = [m.id for m in merchants]
    if not ids:
        return []
    types = dict(s.execute(select(BusinessType.id, BusinessType.name)).all())
    grids = dict(s.execute(select(Grid.id, Grid.name)).all())
    people = {r.id: r for r in s.scalars(select(Resident).where(Resident.id.in_(
        sorted({m.contact_resident_id for m in merchants if m.contact_resident_id is not None}))))}
    in_force = dict(s.execute(select(Commitment.merchant_id, func.count(Commitment.id)).where(
        Commitment.merchant_id.in_(ids), Commitment.since <= today,
        or_(Commitment.until.is_(None), Commitment.until >= today)).group_by(Commitment.merchant_id)).all())
    open_ = dict(s.execute(select(Complaint.merchant_id, func.count(Complaint.id)).where(
        Complaint.merchant_id.in_(ids), Complaint.resolved_on.is_(None)).group_by(Complaint.merchant_id)).all())
    out = []
    for m in merchants:
        resident = people.get(m.contact_resident_id)
        name = m.contact_name or (resident.name if resident else "")
        phone = m.contact_phone or (resident.phone if resident else "")
        out.append(MerchantRow(m.id, m.name, m.credit_code or "", m.licence_number or "",
                               types.get(m.business_type_id, ""), _contact_text(name, phone, see_phones),
                               m.address, m.estate, grids.get(m.grid_id, ""), m.applied_via, m.applied_on, m.batch,
                               m.status, m.status_since, m.joined_on, m.member_code, in_force.get(m.id, 0),
                               open_.get(m.id, 0)))
    return out


def _sort_key(m: Merchant):
    return _STATUS_ORDER.get(m.status, 99), batch_order(m.batch), m.name, m.id


def may_see_phones(reader: access.Actor | None) -> bool:
    """Staff who take applications see contacts' phones on a merchant's page; others see them masked."""
    return access.may(reader, access.PERSONAL_DATA_FULL) or access.may(reader, access.ALLIANCE_APPLY)


def _query_match(needle: str, row: MerchantRow, phone: str) -> bool:
    """`needle` (cleaned, casefolded) in the row's texts; 4+ digits anywhere in the contact's phone; letters
    in the shop name's pinyin, whole or initials (阿婆糕点铺: apogaodianpu, apgdp)."""
    if any(needle in (x or "").casefold() for x in (row.name, row.credit_code, row.licence_number, row.address,
                                                    row.estate, row.contact)):
        return True
    digits = re.sub(r"[\s-]", "", needle)
    if len(digits) >= 4 and digits.isdigit() and digits in phone:
        return True
    letters = needle.replace(" ", "")
    return letters.isascii() and letters.isalpha() and letters in search_keys(row.name)[0].replace(" ", "")


def list_merchants(db: Database, *, status: str | None = None, query: str = "", include_left: bool = False,
                   today: dt.date | None = None) -> list[MerchantRow]:
    """Merchants by status (in STATUSES' order), batch and name; `query` finds a part of the name, the credit
    code or licence number, the address or the contact, 4+ digits of the contact's phone, or the name's
    pinyin (whole or initials). Those that left only with `include_left` (or `status=LEFT`). Phones masked."""
    today = today or dt.date.today()
    stmt = select(Merchant)
    if status is not None:
        stmt = stmt.where(Merchant.status == status)
    elif not include_left:
        stmt = stmt.where(Merchant.status != LEFT)
    needle = normalise_text(query).strip().casefold()  # full-width digits and letters as typed on a phone pad
    with db.session() as s:
        merchants = sorted(s.scalars(stmt), key=_sort_key)
        rows = _rows(s, merchants, False, today)
        if needle:
            residents = dict(s.execute(select(Resident.id, Resident.phone).where(Resident.id.in_(
                sorted({m.contact_resident_id for m in merchants if m.contact_resident_id is not None})))).all())
            phones = {m.id: m.contact_phone or residents.get(m.contact_resident_id) or "" for m in merchants}
    if needle:
        rows = [r for r in rows if _query_match(needle, r, phones[r.id])]
    return rows


def find_merchant(db: Database, name: str, today: dt.date | None = None) -> MerchantRow:
    """The merchant of that exact name (the command line's --merchant), else NotFoundError."""
    name = _clean(name)
    with db.session() as s:
        found = sorted(s.scalars(select(Merchant).where(Merchant.name == name)), key=_sort_key)
        if not found:
            raise NotFoundError(_("No merchant is called “{name}”.").format(name=name))
        return _rows(s, found[:1], False, today or dt.date.today())[0]


def _events(s, merchant_id: int) -> list[EventRow]:
    return [EventRow(e.action, e.from_status, e.to_status, e.day, e.at, e.by, e.reason)
            for e in s.scalars(select(MerchantEvent).where(MerchantEvent.merchant_id == merchant_id)
                               .order_by(MerchantEvent.at, MerchantEvent.id))]


def _reviews(s, merchant_id: int) -> list[ReviewRow]:
    criteria = dict(s.execute(select(Criterion.id, Criterion.name)).all())
    out = []
    for r in s.scalars(select(Review).where(Review.merchant_id == merchant_id)
                       .order_by(Review.reviewed_on, Review.id)):
        items = [ReviewItemRow(i.criterion_id, criteria.get(i.criterion_id, ""), i.met, i.note)
                 for i in s.scalars(select(ReviewItem).join(Criterion, Criterion.id == ReviewItem.criterion_id)
                                    .where(ReviewItem.review_id == r.id)
                                    .order_by(Criterion.sort_order, Criterion.id))]
        out.append(ReviewRow(r.id, r.reviewed_on, r.reviewer, r.decision, r.note, items))
    return out


def _commitment_rows(s, merchant_id: int) -> list[CommitmentRow]:
    return [CommitmentRow(c.id, c.type_id, name, c.detail, c.frequency, c.since, c.until)
            for c, name in s.execute(select(Commitment, CommitmentType.name)
                                     .join(CommitmentType, CommitmentType.id == Commitment.type_id)
                                     .where(Commitment.merchant_id == merchant_id)
                                     .order_by(Commitment.since, CommitmentType.sort_order, Commitment.id))]


def get_merchant(db: Database, merchant_id: int, *, actor: access.Actor, today: dt.date | None = None
                 ) -> MerchantInfo:
    """Everything about one merchant; the contact's phone in full for staff who take applications
    (may_see_phones); complainants as list_complaints shows them."""
    today = today or dt.date.today()
    see = may_see_phones(actor)
    with db.session() as s:
        m = _merchant(s, merchant_id)
        row = _rows(s, [m], see, today)[0]
        people = _people(s, [m.recommended_by_id])
        complaints = _complaint_rows(s, [Complaint.merchant_id == m.id], actor)
        resident = s.get(Resident, m.contact_resident_id) if m.contact_resident_id is not None else None
        person = m.contact_name or (resident.name if resident else "")
        phone = m.contact_phone or (resident.phone or "" if resident else "")
        return MerchantInfo(row, m.business_type_id, m.contact_resident_id, m.contact_name,
                            m.contact_phone if see else mask_phone(m.contact_phone), m.grid_id, m.recommended_by_id,
                            people.get(m.recommended_by_id, ""), m.note, m.left_on, _events(s, m.id),
                            _reviews(s, m.id), _commitment_rows(s, m.id), complaints, allowed_actions(m.status),
                            person, phone if see else mask_phone(phone))


# -- the state table ------------------------------------------------------------------------

def step(status: str, action: str) -> str:
    """The status `action` leads to from `status` (pure); ValidationError {"action": …} when the state
    table MOVES does not allow it."""
    if action not in MOVES:
        raise ValidationError({"action": _("“{action}” is not something that can be done to a merchant.")
                               .format(action=action)})
    starts, to = MOVES[action]
    if status not in starts:
        raise ValidationError({"action": _("“{action}” is not possible for a merchant whose status is "
                                           "“{status}”.").format(action=_(ACTIONS[action]),
                                                                 status=_status_text(status))})
    return to


def allowed_actions(status: str) -> list[str]:
    """The actions step() accepts from `status`, in the order of MOVES."""
    return [action for action, (starts, _to) in MOVES.items() if status in starts]


def _permission(action: str) -> str:
    return access.ALLIANCE_APPLY if action in ("start_review", "reapply") else access.ALLIANCE_REVIEW


def _unused_member_code(s) -> str:
    while True:
        code = new_member_code()
        if s.scalar(select(Merchant.id).where(Merchant.member_code == code)) is None:
            return code


def _move(s, m: Merchant, action: str, reason: str, actor: access.Actor, on: dt.date, today: dt.date,
          batch: str | None = None) -> None:
    """Take `action` on `m` inside the caller's transaction: event and audit row included."""
    to = step(m.status, action)
    reason = (reason or "").strip()
    errors = {}
    if action in _REASON_NEEDED and not reason:
        errors["reason"] = _("Please enter the reason.")
    batch = _clean(batch) if action == "reapply" and batch is not None else None
    if batch is not None and len(batch) > BATCH_MAX:
        errors["batch"] = _("The batch is too long (at most {n} characters).").format(n=BATCH_MAX)
    if on > today:
        errors["on"] = _("The date cannot be in the future.")
    elif on < m.status_since:
        errors["on"] = _("The date is before the merchant's present status began ({day}).").format(
            day=format_date(m.status_since))
    if errors:
        raise ValidationError(errors)
    keys = ("status", "status_since", "joined_on", "left_on", "member_code", "applied_on", "batch")
    before = {k: getattr(m, k) for k in keys}
    from_status = m.status
    m.status, m.status_since = to, on
    if action == "reapply":
        m.applied_on = on
        if batch is not None:
            m.batch = batch
    if to == MEMBER:
        if m.member_code is None:
            m.member_code = _unused_member_code(s)
        if m.joined_on is None or m.left_on is not None:  # first joined, or rejoined after leaving
            m.joined_on, m.left_on = on, None
    if to == LEFT:
        m.left_on = on
    now = dt.datetime.now()
    m.updated_at = now
    s.add(MerchantEvent(merchant_id=m.id, action=action, from_status=from_status, to_status=to, day=on, at=now,
                        by=actor.name[:50], reason=reason))
    after = {k: getattr(m, k) for k in keys}
    audit.record(s, actor, "update", "merchant", m.id, "{}{}".format(m.name, _(ACTIONS[action])),
                 {**audit.diff(before, after), **({"reason": [None, reason]} if reason else {})})


def move(db: Database, merchant_id: int, action: str, reason: str = "", *, actor: access.Actor,
         on: dt.date | None = None, today: dt.date | None = None, batch: str | None = None) -> MerchantRow:
    """Move a merchant along the state table (start_review and reapply: ALLIANCE_APPLY; the rest
    ALLIANCE_REVIEW). A reason is needed to reject, suspend or leave; admit gives a member code and, the
    first time (or after leaving), the joining date; leave sets the leaving date. reapply (a refused or
    former shop applies again) makes `on` the application day and, when `batch` is given, its new batch
    (`batch` is ignored for other actions). Admit and reject are normally done by record_review()."""
    access.require(actor, _permission(action) if action in MOVES else access.ALLIANCE_REVIEW)
    today = today or dt.date.today()
    with db.session() as s:
        m = _merchant(s, merchant_id)
        _move(s, m, action, reason, actor, on or today, today, batch)
        s.flush()
        return _rows(s, [m], False, today)[0]


# -- admission review -----------------------------------------------------------------------

def record_review(db: Database, merchant_id: int, data: ReviewInput, *, actor: access.Actor,
                  today: dt.date | None = None) -> int:
    """Record an admission review (every active criterion met or not) and, in the same transaction, admit
    or reject the merchant. Admitting needs every criterion met unless the note explains; not admitting
    needs a note. Returns the review's id."""
    access.require(actor, access.ALLIANCE_REVIEW)
    today = today or dt.date.today()
    with db.session() as s:
        m = _merchant(s, merchant_id)
        if data.decision not in (ADMIT, REJECT):
            raise ValidationError({"decision": _("Please choose the decision.")})
        step(m.status, data.decision)  # refuses a review unless the merchant is under review
        criteria = {c.id: c for c in s.scalars(select(Criterion).where(Criterion.active.is_(True))
                                                .order_by(Criterion.sort_order, Criterion.id))}
        errors: dict[str, str] = {}
        if not criteria:
            raise ValidationError({"items": _("The list of criteria is empty: an administrator can fill it in "
                                              "under Settings.")})
        given = [i.criterion_id for i in data.items]
        if len(given) != len(set(given)) or set(given) - set(criteria):
            errors["items"] = _("Each criterion in use can be assessed once only.")
        missing = [c.name for cid, c in criteria.items() if cid not in given]
        if missing:
            errors["items"] = _("Please say whether each criterion is met: {names}.").format(
                names=_(", ").join(missing))
        note = (data.note or "").strip()
        if data.decision == REJECT and not note:
            errors["note"] = _("Please enter why the shop is not admitted.")
        if data.decision == ADMIT and not note and not all(i.met for i in data.items):
            errors["note"] = _("Not every criterion is met: please explain in the note why the shop is admitted.")
        on = data.reviewed_on or today
        if on > today:
            errors["reviewed_on"] = _("The date cannot be in the future.")
        elif on < m.status_since:
            errors["reviewed_on"] = _("The date is before the merchant's present status began ({day}).").format(
                day=format_date(m.status_since))
        if errors:
            raise ValidationError(errors)
        review = Review(merchant_id=m.id, reviewed_on=on, reviewer=actor.name[:50], decision=data.decision,
                        note=note, created_at=dt.datetime.now())
        s.add(review)
        s.flush()
        for item in data.items:
            s.add(ReviewItem(review_id=review.id, criterion_id=item.criterion_id, met=bool(item.met),
                             note=_clean(item.note)[:200]))
        met_text = _("; ").join("{}{}".format(criteria[i.criterion_id].name, "✓" if i.met else "✗")
                                for i in data.items)
        audit.record(s, actor, "create", "merchant_review", review.id, m.name, audit.diff({}, {
            "reviewed_on": on, "reviewer": review.reviewer, "decision": data.decision, "criteria": met_text,
            "note": note}))
        _move(s, m, data.decision, note, actor, on, today)
        return review.id


# -- complaints -----------------------------------------------------------------------------

def _complaint_rows(s, where, reader: access.Actor | None) -> list[ComplaintRow]:
    """Who complained is for those who handle complaints (ALLIANCE_COMPLAINTS), their phone in full only
    with PERSONAL_DATA_FULL; anyone else reads "a resident" or "a walk-in"."""
    see_who = access.may(reader, access.ALLIANCE_COMPLAINTS)
    see_phones = access.may(reader, access.PERSONAL_DATA_FULL)
    stmt = (select(Complaint, Merchant.name, Resident.name, Resident.phone)
            .join(Merchant, Merchant.id == Complaint.merchant_id)
            .outerjoin(Resident, Resident.id == Complaint.complainant_id)
            .where(*where).order_by(Complaint.received_on, Complaint.id))
    out = []
    for c, merchant, resident, resident_phone in s.execute(stmt):
        if see_who:
            phone = c.complainant_phone or (resident_phone or "")
            who, phone = resident or c.complainant_name, phone if see_phones else mask_phone(phone)
        else:
            who, phone = _("A resident") if c.complainant_id is not None else _("A walk-in"), ""
        out.append(ComplaintRow(c.id, c.merchant_id, merchant, c.received_on, who, phone, c.what, c.resolution,
                                c.resolved_on, c.recorded_by))
    return out


def add_complaint(db: Database, data: ComplaintInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Record a complaint about a merchant (from a resident or a walk-in); returns its id."""
    access.require(actor, access.ALLIANCE_COMPLAINTS)
    today = today or dt.date.today()
    with db.session() as s:
        m = _merchant(s, data.merchant_id)
        errors: dict[str, str] = {}
        what = (data.what or "").strip()
        if not what:
            errors["what"] = _("Please enter what the complaint is about.")
        name = _clean(data.complainant_name)[:PERSON_MAX]
        if data.complainant_id is not None:
            if s.get(Resident, data.complainant_id) is None:
                errors["complainant_id"] = _("The chosen resident no longer exists.")
        elif not name:
            errors["complainant_name"] = _("Please choose the resident who complains, or enter the name.")
        phone = ""
        if (data.complainant_phone or "").strip():
            try:
                phone = normalise_phone(data.complainant_phone)
            except InvalidValue as e:
                errors["complainant_phone"] = e.message
        received = data.received_on or today
        _not_future(received, today, "received_on", errors)
        resolution = (data.resolution or "").strip()
        _check_resolution(resolution, data.resolved_on, received, today, errors, optional=True)
        if errors:
            raise ValidationError(errors)
        c = Complaint(merchant_id=m.id, received_on=received, complainant_id=data.complainant_id,
                      complainant_name=name, complainant_phone=phone, what=what, resolution=resolution,
                      resolved_on=data.resolved_on, recorded_by=actor.name[:50], created_at=dt.datetime.now())
        s.add(c)
        s.flush()
        audit.record(s, actor, "create", "complaint", c.id, m.name, audit.diff({}, {
            "merchant_id": m.id, "received_on": received, "complainant_id": data.complainant_id,
            "complainant_name": name, "complainant_phone": phone, "what": what, "resolution": resolution,
            "resolved_on": data.resolved_on}))
        return c.id


def _check_resolution(resolution: str, resolved_on: dt.date | None, received: dt.date, today: dt.date,
                      errors: dict, optional: bool = False) -> None:
    if optional and not resolution and resolved_on is None:
        return
    if not resolution:
        errors["resolution"] = _("Please enter how the complaint was resolved.")
    if resolved_on is None:
        errors["resolved_on"] = _("Please enter when the complaint was resolved.")
    elif resolved_on > today:
        errors["resolved_on"] = _("The date cannot be in the future.")
    elif resolved_on < received:
        errors["resolved_on"] = _("A complaint cannot be resolved before it was received ({day}).").format(
            day=format_date(received))


def resolve_complaint(db: Database, complaint_id: int, resolution: str, resolved_on: dt.date | None, *,
                      actor: access.Actor, today: dt.date | None = None) -> None:
    """Say how and when a complaint was resolved (or correct it)."""
    access.require(actor, access.ALLIANCE_COMPLAINTS)
    today = today or dt.date.today()
    with db.session() as s:
        c = s.get(Complaint, complaint_id) if complaint_id is not None else None
        if c is None:
            raise NotFoundError(_("That complaint is no longer on file."))
        resolution = (resolution or "").strip()
        errors: dict[str, str] = {}
        _check_resolution(resolution, resolved_on, c.received_on, today, errors)
        if errors:
            raise ValidationError(errors)
        before = {"resolution": c.resolution, "resolved_on": c.resolved_on}
        c.resolution, c.resolved_on = resolution, resolved_on
        changes = audit.diff(before, {"resolution": resolution, "resolved_on": resolved_on})
        if changes:
            audit.record(s, actor, "update", "complaint", c.id, s.get(Merchant, c.merchant_id).name, changes)


def list_complaints(db: Database, *, merchant_id: int | None = None, date_from: dt.date | None = None,
                    date_to: dt.date | None = None, actor: access.Actor) -> list[ComplaintRow]:
    """Complaints by the day received (dates inclusive); who complained only for ALLIANCE_COMPLAINTS, their
    phones in full only with PERSONAL_DATA_FULL."""
    where = []
    if merchant_id is not None:
        where.append(Complaint.merchant_id == merchant_id)
    if date_from is not None:
        where.append(Complaint.received_on >= date_from)
    if date_to is not None:
        where.append(Complaint.received_on <= date_to)
    with db.session() as s:
        return _complaint_rows(s, where, actor)


def _half_range(year: int, half: int) -> tuple[dt.date, dt.date]:
    return (D(year, 1, 1), D(year, 6, 30)) if half == 1 else (D(year, 7, 1), D(year, 12, 31))


def _members_between(date_from: dt.date, date_to: dt.date):
    """Merchants who were members (suspended ones included) for at least a day of the range."""
    return (Merchant.joined_on.is_not(None), Merchant.joined_on <= date_to,
            or_(Merchant.left_on.is_(None), Merchant.left_on >= date_from),
            Merchant.status.in_((MEMBER, SUSPENDED, LEFT)))


def _member_spans(s) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """Each merchant's spells as a member (suspended included), replayed from its history: (from the day
    it was admitted, to the day it left or was otherwise moved out, inclusive; None: still a member). A
    member without that history (a row written directly) counts from joined_on to left_on."""
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for mid, to, day in s.execute(select(MerchantEvent.merchant_id, MerchantEvent.to_status, MerchantEvent.day)
                                  .order_by(MerchantEvent.day, MerchantEvent.at, MerchantEvent.id)):
        own = spans.setdefault(mid, [])
        inside = bool(own) and own[-1][1] is None
        if to in (MEMBER, SUSPENDED) and not inside:
            own.append((day, None))
        elif to not in (MEMBER, SUSPENDED) and inside:
            own[-1] = (own[-1][0], day)
    for mid, joined, left in s.execute(select(Merchant.id, Merchant.joined_on, Merchant.left_on).where(
            Merchant.joined_on.is_not(None), Merchant.status.in_((MEMBER, SUSPENDED, LEFT)))):
        if not spans.get(mid):
            spans[mid] = [(joined, left)]
    return spans


def _member_on(spans: list[tuple[dt.date, dt.date | None]], start: dt.date, end: dt.date) -> bool:
    """A member for at least one day from `start` to `end`."""
    return any(since <= end and (until is None or until >= start) for since, until in spans)


def _rate_of(s, year: int, half: int) -> tuple[int, int, float | None]:
    """Complaints about shops that were members on the day received (complaints about applicants or former
    members are recorded but do not count), and the members of the half-year."""
    start, end = _half_range(year, half)
    spans = _member_spans(s)
    members = sum(_member_on(own, start, end) for own in spans.values())
    complaints = sum(_member_on(spans.get(mid, []), day, day) for mid, day in s.execute(
        select(Complaint.merchant_id, Complaint.received_on).where(
            Complaint.received_on >= start, Complaint.received_on <= end)))
    return complaints, members, (complaints / members if members else None)


def complaint_rate(db: Database, year: int, half: int) -> HalfYearRate:
    """Complaints received in a half-year about members per active member, and its change from the
    half-year before."""
    if half not in (1, 2):
        raise ValidationError({"half": _("A half-year is 1 (January to June) or 2 (July to December).")})
    previous = (year, 1) if half == 2 else (year - 1, 2)
    with db.session() as s:
        complaints, members, rate = _rate_of(s, year, half)
        _c, _m, before = _rate_of(s, *previous)
    change = (rate - before) / before if rate is not None and before else None
    return HalfYearRate(year, half, complaints, members, rate, before, change)


# -- commitments ----------------------------------------------------------------------------

def _commitments_text(s, rows) -> str:
    names = dict(s.execute(select(CommitmentType.id, CommitmentType.name)).all())
    return _("; ").join("{} {} {}–{}".format(names.get(c.type_id, ""), c.frequency, c.since.isoformat(),
                                             c.until.isoformat() if c.until else "").strip()
                        for c in rows)


def set_commitments(db: Database, merchant_id: int, items: list[CommitmentInput], *, actor: access.Actor,
                    today: dt.date | None = None) -> None:
    """Replace a member's (or a merchant under review's) public-benefit commitments."""
    access.require(actor, access.ALLIANCE_APPLY)
    today = today or dt.date.today()
    with db.session() as s:
        m = _merchant(s, merchant_id)
        if m.status not in (MEMBER, REVIEWING, SUSPENDED):
            raise ValidationError({"items": _("Only a member, or a shop under review, promises public-benefit "
                                              "services; {name} is “{status}”.").format(
                name=m.name, status=_status_text(m.status))})
        old = list(s.scalars(select(Commitment).where(Commitment.merchant_id == m.id).order_by(Commitment.id)))
        kept_types = {c.type_id for c in old}
        active = set(s.scalars(select(CommitmentType.id).where(CommitmentType.active.is_(True))))
        new, problems = [], []
        for n, item in enumerate(items, 1):
            since = item.since or today
            detail, frequency = _clean(item.detail), _clean(item.frequency)
            if item.type_id not in active and item.type_id not in kept_types:
                problems.append(_("Line {n}: please choose the kind of service.").format(n=n))
            elif item.until is not None and item.until < since:
                problems.append(_("Line {n}: the end date is before the start date.").format(n=n))
            elif len(detail) > DETAIL_MAX or len(frequency) > FREQUENCY_MAX:
                problems.append(_("Line {n}: the text is too long.").format(n=n))
            new.append(Commitment(merchant_id=m.id, type_id=item.type_id, detail=detail, frequency=frequency,
                                  since=since, until=item.until))
        if problems:
            raise ValidationError({"items": "\n".join(problems)})
        before = _commitments_text(s, old)
        for c in old:
            s.delete(c)
        s.add_all(new)
        after = _commitments_text(s, new)
        if before != after:
            m.updated_at = dt.datetime.now()
            audit.record(s, actor, "update", "commitment", m.id, m.name,
                         audit.diff({"commitments": before}, {"commitments": after}))


# -- quarterly evaluations ------------------------------------------------------------------

_QUARTER_FORMS = (
    re.compile(r"(?P<y>\d{4})\s*-?\s*Q(?P<q>[1-4])"),                    # 2026-Q3, 2026Q3, 2026 Q3
    re.compile(r"(?P<y>\d{4})\s*年\s*第?\s*(?P<q>[1-4一二三四])\s*季度?"),  # 2026年第三季度, 2026年3季度
    re.compile(r"(?P<y>\d{4})\s*-\s*(?P<q>[1-4])"),                       # 2026-3
    re.compile(r"Q(?P<q>[1-4])\s*(?P<y>\d{4})"),                           # Q3 2026 (the English forms)
)


def parse_quarter(text: str | None) -> tuple[int, int]:
    """"2026-Q3" (or "2026Q3", "2026 Q3", "2026-3", "2026年第三季度", "2026年3季度", full-width) → (2026, 3);
    ValidationError otherwise."""
    raw = normalise_text(text).strip().upper()
    for form in _QUARTER_FORMS:
        match = form.fullmatch(raw)
        if match and 1900 < int(match.group("y")) < 3000:
            q = match.group("q")
            return int(match.group("y")), int(q) if q.isdigit() else _CN_DIGITS[q]
    raise ValidationError({"quarter": _("A quarter is written like 2026-Q3.")})


def quarter_text(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def quarter_range(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = D(year, 3 * quarter - 2, 1)
    end = D(year + 1, 1, 1) if quarter == 4 else D(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def record_evaluation(db: Database, merchant_id: int, quarter: str, evaluator: str, scores: dict[int, int], *,
                      actor: access.Actor, note: str = "", today: dt.date | None = None) -> None:
    """One evaluator's scores (0..SCORE_MAX) of a member on every active criterion for a quarter; the same
    evaluator again replaces their scores."""
    access.require(actor, access.ALLIANCE_EVALUATE)
    today = today or dt.date.today()
    year, q = parse_quarter(quarter)
    quarter = quarter_text(year, q)
    start, end = quarter_range(year, q)
    with db.session() as s:
        m = _merchant(s, merchant_id)
        errors: dict[str, str] = {}
        if start > today:
            errors["quarter"] = _("{quarter} has not begun yet.").format(quarter=quarter)
        elif s.scalar(select(Merchant.id).where(Merchant.id == m.id, *_members_between(start, end))) is None:
            errors["quarter"] = _("{name} was not a member of the alliance in {quarter}.").format(
                name=m.name, quarter=quarter)
        evaluator = _clean(evaluator)
        if not evaluator:
            errors["evaluator"] = _("Please enter the evaluator's name.")
        elif len(evaluator) > PERSON_MAX:
            errors["evaluator"] = _("The name is too long (at most {n} characters).").format(n=PERSON_MAX)
        criteria = dict(s.execute(select(Criterion.id, Criterion.name).where(Criterion.active.is_(True))
                                  .order_by(Criterion.sort_order, Criterion.id)).all())
        missing = [name for cid, name in criteria.items() if cid not in scores]
        bad = [cid for cid, v in scores.items() if cid not in criteria or isinstance(v, bool)
               or not isinstance(v, int) or not 0 <= v <= SCORE_MAX]
        if not criteria:
            errors["scores"] = _("The list of criteria is empty: an administrator can fill it in under Settings.")
        elif missing:
            errors["scores"] = _("Please score every criterion: {names}.").format(names=_(", ").join(missing))
        elif bad:
            errors["scores"] = _("Each score is a whole number from 0 to {n}.").format(n=SCORE_MAX)
        note = _clean(note)[:200]
        if errors:
            raise ValidationError(errors)
        same = (Evaluation.merchant_id == m.id, Evaluation.quarter == quarter, Evaluation.evaluator == evaluator)
        old = list(s.scalars(select(Evaluation).where(*same)))
        before = {"scores": _scores_text(criteria, {e.criterion_id: e.score for e in old})} if old else {}
        for e in old:
            s.delete(e)
        s.flush()
        now = dt.datetime.now()
        s.add_all(Evaluation(merchant_id=m.id, quarter=quarter, evaluator=evaluator, criterion_id=cid,
                             score=scores[cid], note=note, created_at=now) for cid in criteria)
        after = {"quarter": quarter, "evaluator": evaluator, "scores": _scores_text(criteria, scores), "note": note}
        audit.record(s, actor, "update" if old else "create", "evaluation", m.id,
                     "{} {}".format(m.name, quarter), audit.diff(before and {**after, **before}, after))


def _scores_text(criteria: dict[int, str], scores: dict[int, int]) -> str:
    return _("; ").join("{} {}".format(name, scores[cid]) for cid, name in criteria.items() if cid in scores)


def has_evaluation(db: Database, merchant_id: int, quarter: str, evaluator: str) -> bool:
    """Whether `evaluator` already scored the merchant for the quarter (recording again replaces it)."""
    try:
        quarter = quarter_text(*parse_quarter(quarter))
    except ValidationError:
        return False
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Evaluation).where(
            Evaluation.merchant_id == merchant_id, Evaluation.quarter == quarter,
            Evaluation.evaluator == _clean(evaluator))) > 0


def ranking(db: Database, quarter: str) -> list[RankingRow]:
    """A quarter's members by their average score (over evaluators and criteria), best first; equal
    averages share a rank (1, 1, 3). ValidationError when nothing was recorded for the quarter."""
    quarter = quarter_text(*parse_quarter(quarter))
    with db.session() as s:
        rows = s.execute(select(Evaluation.merchant_id, Merchant.name, Evaluation.evaluator, Criterion.name,
                                Evaluation.score, Criterion.sort_order, Criterion.id)
                         .join(Merchant, Merchant.id == Evaluation.merchant_id)
                         .join(Criterion, Criterion.id == Evaluation.criterion_id)
                         .where(Evaluation.quarter == quarter)
                         .order_by(Criterion.sort_order, Criterion.id)).all()
    if not rows:
        raise ValidationError({"quarter": _("No evaluations were recorded for {quarter}.").format(quarter=quarter)})
    by_merchant: dict[int, dict] = {}
    for mid, name, evaluator, criterion, score, _order, _cid in rows:
        entry = by_merchant.setdefault(mid, {"name": name, "evaluators": set(), "scores": [], "criteria": {}})
        entry["evaluators"].add(evaluator)
        entry["scores"].append(score)
        entry["criteria"].setdefault(criterion, []).append(score)
    # Compare exact fractions (total, count) so that equal averages tie whatever the float rounding.
    keyed = sorted(by_merchant.items(), key=lambda kv: (-Fraction(sum(kv[1]["scores"]), len(kv[1]["scores"])),
                                                        kv[1]["name"], kv[0]))
    out: list[RankingRow] = []
    previous = None
    for position, (mid, e) in enumerate(keyed, 1):
        average = Fraction(sum(e["scores"]), len(e["scores"]))
        rank = out[-1].rank if previous == average else position
        previous = average
        out.append(RankingRow(rank, mid, e["name"], len(e["evaluators"]), float(average),
                              {c: sum(v) / len(v) for c, v in e["criteria"].items()}))
    return out


# -- for the rest of the program ----------------------------------------------------------

def find_by_certificate(db: Database, text: str, today: dt.date | None = None) -> MerchantRow | None:
    """The merchant of a scanned window certificate ("NDM:XXXXXXXX" or the bare member code), or None."""
    raw = normalise_text(text).strip().upper()
    if raw.startswith(CERTIFICATE_PREFIX):
        raw = raw[len(CERTIFICATE_PREFIX):].strip()
    if len(raw) != member_codes.LENGTH or any(c not in member_codes.ALPHABET for c in raw):
        return None
    with db.session() as s:
        m = s.scalar(select(Merchant).where(Merchant.member_code == raw))
        return _rows(s, [m], False, today or dt.date.today())[0] if m is not None else None


def certificate_payload(member_code: str) -> str:
    """What a window certificate's QR code carries."""
    return CERTIFICATE_PREFIX + member_code


def resident_lines(db: Database, resident_id: int) -> list:
    """The residents' detail pane (app/features.py): the merchants the resident is the contact of or
    recommended (each opens in the tab: ref is the merchant's id), and how many complaints they made."""
    from app.features import DetailItem, DetailLine

    with db.session() as s:
        contact = list(s.scalars(select(Merchant).where(Merchant.contact_resident_id == resident_id)
                                 .order_by(Merchant.name, Merchant.id)))
        recommended = list(s.scalars(select(Merchant).where(Merchant.recommended_by_id == resident_id)
                                     .order_by(Merchant.name, Merchant.id)))
        complaints = s.scalar(select(func.count(Complaint.id)).where(Complaint.complainant_id == resident_id)) or 0
    lines = []
    for merchants, heading in ((contact, N_("Merchant alliance: contact of")),
                               (recommended, N_("Merchant alliance: recommended"))):
        if merchants:
            lines.append(DetailLine(_(heading), tuple(DetailItem(_("{name} · {status}").format(
                name=m.name, status=_status_text(m.status)), str(m.id)) for m in merchants)))
    if complaints:
        lines.append(DetailLine(_("Complaints about merchants: {count}").format(count=format_number(complaints))))
    return lines


OPEN_COMPLAINT_DAYS = 30               # an unresolved complaint older than this turns the tab's label red


def badge_label(to_review: int, late_complaints: int) -> tuple[str, bool]:
    """The tab's label: applications waiting for (or in) review; an alert when a complaint is open too long."""
    label = _("Merchant alliance")
    if to_review:
        label = _("{tab} ({counts})").format(tab=label, counts=_("{count} to review").format(
            count=format_number(to_review)))
    return label, bool(late_complaints)


def badge(db: Database, today: dt.date | None = None) -> tuple[str, bool]:
    """The tab's label before the tab is built (app/features.py `badge`): counted on the worker."""
    today = today or dt.date.today()
    with db.session() as s:
        to_review = s.scalar(select(func.count(Merchant.id)).where(Merchant.status.in_((APPLIED, REVIEWING)))) or 0
        late = s.scalar(select(func.count(Complaint.id)).where(
            Complaint.resolved_on.is_(None),
            Complaint.received_on < today - dt.timedelta(days=OPEN_COMPLAINT_DAYS))) or 0
    return badge_label(to_review, late)


def figures(db: Database, date_from: dt.date, date_to: dt.date) -> AllianceFigures:
    """The monthly report's alliance numbers for any date range (inclusive); see AllianceFigures."""
    with db.session() as s:
        # The status each merchant had at the end of the range: the last move made by then.
        status_at: dict[int, str] = {}
        for mid, to in s.execute(select(MerchantEvent.merchant_id, MerchantEvent.to_status)
                                 .where(MerchantEvent.day <= date_to)
                                 .order_by(MerchantEvent.day, MerchantEvent.at, MerchantEvent.id)):
            status_at[mid] = to
        active = sum(status == MEMBER for status in status_at.values())

        def moves(action: str) -> int:
            return s.scalar(select(func.count(func.distinct(MerchantEvent.merchant_id))).where(
                MerchantEvent.action == action, MerchantEvent.day >= date_from, MerchantEvent.day <= date_to)) or 0

        new = s.scalar(select(func.count(Merchant.id)).where(
            Merchant.joined_on >= date_from, Merchant.joined_on <= date_to)) or 0
        by_type = dict(s.execute(select(CommitmentType.name, func.count(Commitment.id))
                                 .join(Commitment, Commitment.type_id == CommitmentType.id)
                                 .where(Commitment.since <= date_to,
                                        or_(Commitment.until.is_(None), Commitment.until >= date_to))
                                 .group_by(CommitmentType.name).order_by(CommitmentType.name)).all())
        complaints = s.scalar(select(func.count(Complaint.id)).where(
            Complaint.received_on >= date_from, Complaint.received_on <= date_to)) or 0
        resolved = s.scalar(select(func.count(Complaint.id)).where(
            Complaint.resolved_on >= date_from, Complaint.resolved_on <= date_to)) or 0
        start, end = dt.datetime.combine(date_from, dt.time()), dt.datetime.combine(date_to, dt.time.max)
        scored = (Evaluation.created_at >= start, Evaluation.created_at <= end)
        evaluations = s.scalar(select(func.count(Evaluation.id)).where(*scored)) or 0
        evaluated = s.scalar(select(func.count(func.distinct(Evaluation.merchant_id))).where(*scored)) or 0
        suspended, left = moves("suspend"), moves("leave")
    half = complaint_rate(db, date_to.year, 1 if date_to.month <= 6 else 2)
    return AllianceFigures(date_from, date_to, active, new, suspended, left, by_type, complaints, resolved, half,
                           evaluations, evaluated)


# -- the monthly report's section ---------------------------------------------------------------

def report_section(f: AllianceFigures):
    """The alliance's section of the monthly report (services/report.py) from its figures. The
    half-year complaint rate (complaints per member) is written as a percentage."""
    from app.services import report
    from app.services.report import Line

    rate, before = f.half_year.rate, f.half_year.previous_rate
    lines = (
        Line("active", _("Members"), "count", f.active),
        Line("new", _("New members"), "count", f.new),
        Line("suspended", _("Suspended"), "count", f.suspended),
        Line("left", _("Left the alliance"), "count", f.left),
        Line("commitments", _("Public-benefit commitments in force"), "count", sum(f.commitments_by_type.values())),
        Line("complaints", _("Complaints received"), "count", f.complaints),
        Line("complaints_resolved", _("Complaints resolved"), "count", f.complaints_resolved),
        Line("complaint_rate", _("Complaint rate this half-year"), "percent",
             None if rate is None else round(rate * 100, 1)),
        # The rate before beside the rate now: the change columns read in percentage points, never a
        # percentage of a percentage ("−33.3%" beside "±0 pp", walk18).
        Line("complaint_rate_before", _("Complaint rate the half-year before"), "percent",
             None if before is None else round(before * 100, 1)),
    )
    # Each count with its own noun (ngettext): "1 complaint" reads right in English.
    phrase = _("the merchant alliance had {members} ({new} new) and received {complaints}, {resolved} resolved").format(
        members=ngettext("{n} member", "{n} members", f.active).format(n=report.number(f.active)),
        new=report.number(f.new),
        complaints=ngettext("{n} complaint", "{n} complaints", f.complaints).format(n=report.number(f.complaints)),
        resolved=report.number(f.complaints_resolved))
    return report.Section("alliance", _("Merchant alliance"), lines,
                          (report.chart(_("Commitments by kind of service"), "bar", f.commitments_by_type),), phrase)
