"""Eldercare day-care (日间照料 / 幸福院) and meals (助餐配餐).

An elder is a resident with a day-care profile: care level, diet, allergies, health notes (seen
only with the health-data permission and a "health_notes" consent in force, services/privacy.py),
emergency contacts and who may take them home, meal subsidy category, usual weekdays, and a
status: active, paused (from–to) or left. The desk checks elders in and out with one scan
(member card `ND:<code>`, ID number, or a resident chosen from a search); a second scan within a
minute is ignored. Meals are reserved from the usual days, served (lunch by check-in), delivered
home (送餐上门) or eaten by walk-ins; bills use the price and subsidy in force on each meal's date,
money in integer fen. Expected elders and default reservations follow the working-day calendar
(services/calendar.py): nobody is expected on a holiday.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bisect import bisect_right

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import aliased

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _, format_date, format_number, ngettext
from app.models import (Attendance, DaycareContact, DaycareProfile, Diet, Meal, MealPrice, Resident, Setting,
                        SubsidyCategory, WalkInMeals)
from app.services import access, audit, choices, privacy
from app.services.calendar import Calendar, calendar_in
from app.services.fields import Field
from app.services.member_codes import code_from_scan
from app.services.residents import age_on
from app.services.validators import InvalidValue, clean_id_number, normalise_phone, normalise_text

# -- vocabularies ---------------------------------------------------------------------------

SELF_CARE, PARTIAL, DEPENDENT = "self_care", "partial", "dependent"
CARE_LEVELS: dict[str, str] = {
    SELF_CARE: N_("Self-care"),              # 自理
    PARTIAL: N_("Partly dependent"),         # 半失能
    DEPENDENT: N_("Dependent"),              # 失能
}

LUNCH, DINNER = "lunch", "dinner"
MEALS: dict[str, str] = {
    LUNCH: N_("Lunch"),
    DINNER: N_("Dinner"),
}

ACTIVE, PAUSED, LEFT = "active", "paused", "left"
STATUSES: dict[str, str] = {
    ACTIVE: N_("Attending"),
    PAUSED: N_("Paused"),
    LEFT: N_("Has left"),
}

EMERGENCY, PICKUP = "emergency", "pickup"
HEALTH_CONSENT = "health_notes"  # the privacy.PURPOSES entry that unlocks health notes
DIETS, SUBSIDIES = "diet", "subsidy_category"  # the two editable lists (`kind` of the *_choice functions)

# Seeds: diets (msgid, special: the kitchen order names who has it) and subsidy categories.
DEFAULT_DIETS: list[tuple[str, bool]] = [
    (N_("Normal diet"), False),   # 普食
    (N_("Soft diet"), True),      # 软食
    (N_("Liquid diet"), True),    # 流食
    (N_("Low-sugar diet"), True),  # 低糖
    (N_("Low-salt diet"), True),   # 低盐
]
DEFAULT_SUBSIDIES: list[str] = [
    N_("Standard rate"),          # 标准
    N_("Aged 80 and over"),       # 80岁以上
    N_("Low income or hardship"),  # 低保/困难
]

REPEAT_SECONDS = 60               # a second scan within this is the same scan
CLOSING_TIME_KEY = "daycare.closing_time"  # setting "HH:MM"; after it, who is in is "still here"
DEFAULT_CLOSING_TIME = dt.time(17, 0)
WEEKDAYS_DEFAULT = frozenset(range(5))  # Monday to Friday

# What a scan did (ScanResult.outcome).
CHECKED_IN, CHECKING_OUT, CHECKED_OUT, IGNORED, REFUSED = (
    "checked_in", "checking_out", "checked_out", "ignored", "refused")


# -- dataclasses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """An emergency contact, a person who may take an elder home, or who did: a resident from
    the registry (`relative_id`; name and phone then come from the registry) or a name, phone and
    relation. `Contact.alone()` is "went home alone" (for elders who may)."""

    relative_id: int | None = None
    name: str = ""
    phone: str = ""
    relation: str = ""

    @classmethod
    def alone(cls) -> Contact:
        return cls(relation="self")

    @property
    def is_alone(self) -> bool:
        return self.relative_id is None and self.relation == "self"


@dataclass
class ProfileInput:
    """What the enrolment form supplies. `health_notes=None` keeps the stored notes (a desk that
    may not see them never overwrites them)."""

    resident_id: int | None = None
    enrolled_on: dt.date | None = None     # None: today
    care_level: str = SELF_CARE
    diet_id: int | None = None
    allergies: str = ""
    health_notes: str | None = None
    subsidy_category_id: int | None = None
    weekdays: frozenset[int] = WEEKDAYS_DEFAULT  # 0 Monday … 6 Sunday
    may_leave_alone: bool = False
    emergency_contacts: list[Contact] = field(default_factory=list)
    pickups: list[Contact] = field(default_factory=list)  # who may take the elder home


class _Labels:
    """The words for a row's care level and status codes."""

    @property
    def care_level_label(self) -> str:
        return _label(CARE_LEVELS, self.care_level)

    @property
    def status_label(self) -> str:
        return _label(STATUSES, self.status)


@dataclass
class ProfileInfo(_Labels):
    """An elder's current (or last) enrolment as the tab shows it. `health_notes` is None when the
    reader may not see them (`health_locked`: no consent in force; `health_hidden`: no permission)."""

    id: int
    resident_id: int
    name: str
    phone: str
    member_code: str | None
    age: int | None
    enrolled_on: dt.date
    care_level: str
    diet_id: int | None
    diet: str
    special_diet: bool
    allergies: str
    health_notes: str | None
    health_locked: bool
    health_hidden: bool
    subsidy_category_id: int | None
    subsidy_category: str
    weekdays: frozenset[int]
    may_leave_alone: bool
    emergency_contacts: list[Contact]
    pickups: list[Contact]
    status: str                      # on `today`: active / paused / left
    paused_from: dt.date | None
    paused_to: dt.date | None
    pause_reason: str
    left_on: dt.date | None
    left_reason: str


@dataclass
class ElderRow(_Labels):
    """One line of the elders list."""

    resident_id: int
    profile_id: int
    name: str
    age: int | None
    care_level: str
    diet: str
    subsidy_category: str
    weekdays: frozenset[int]
    status: str
    enrolled_on: dt.date
    left_on: dt.date | None


@dataclass
class AttendanceRow:
    id: int
    resident_id: int
    name: str
    day: dt.date
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    taken_home_by: Contact | None    # with the registry's name filled in
    from_paper: bool
    corrected: bool


@dataclass
class ScanResult:
    """What a scan (or a check-out) did. `message` is translated and says it in words.

    checked_in / checked_out: written; checking_out: nothing written yet, the desk asks who takes
    the elder home (`pickups`, the allowed people; `may_leave_alone`) and calls check_out();
    ignored: a repeat within a minute, nothing written; refused: nothing written."""

    outcome: str
    message: str
    resident_id: int | None = None
    name: str = ""
    at: dt.datetime | None = None
    pickups: list[Contact] = field(default_factory=list)
    may_leave_alone: bool = False
    attendance: AttendanceRow | None = None

    @property
    def written(self) -> bool:
        return self.outcome in (CHECKED_IN, CHECKED_OUT)


@dataclass
class AttendanceFix:
    """A correction of a past attendance record (the reason is required)."""

    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None = None
    taken_home_by: Contact | None = None


@dataclass
class PaperRow:
    """One line of a paper sign-in sheet (签到表): times on the sheet's day, lunch ticked."""

    resident_id: int
    checked_in: dt.time | None = None
    checked_out: dt.time | None = None
    lunch: bool = False
    taken_home_by: str = ""          # as written on the sheet


@dataclass
class BoardRow:
    resident_id: int
    name: str
    care_level: str
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    taken_home_by: str = ""          # in words: name (relation), or "went home alone"


@dataclass
class Board:
    """Today's board at `at`: in now, gone home, expected but not arrived; after closing time
    `still_here` repeats those still in (empty before)."""

    at: dt.datetime
    closing_time: dt.time
    in_now: list[BoardRow]
    gone_home: list[BoardRow]
    expected: list[BoardRow]
    still_here: list[BoardRow]


@dataclass
class MealRow:
    """One elder's meal on a day, stored or as it defaults (`stored` False: from the usual days
    and the check-in)."""

    resident_id: int
    name: str
    diet: str
    special_diet: bool
    allergies: str
    reserved: bool
    delivery: bool
    served: bool
    stored: bool


@dataclass
class DayMeals:
    day: dt.date
    meal: str
    rows: list[MealRow]
    walk_ins: int

    @property
    def reserved(self) -> int:
        return sum(r.reserved for r in self.rows)

    @property
    def served(self) -> int:
        return sum(r.served for r in self.rows)


@dataclass
class KitchenLine:
    meal: str
    diet: str
    count: int                       # reserved meals of this diet (deliveries included)
    delivery: int                    # of which delivered home


@dataclass
class KitchenNote:
    """A named elder on the kitchen order: a special diet or allergies."""

    meal: str
    name: str
    diet: str
    allergies: str
    delivery: bool


@dataclass
class KitchenOrder:
    day: dt.date
    lines: list[KitchenLine]         # by meal, then diet in the list's order
    notes: list[KitchenNote]
    walk_ins: dict[str, int]         # meal -> walk-ins recorded so far


@dataclass
class PriceInput:
    meal: str = LUNCH
    subsidy_category_id: int | None = None
    valid_from: dt.date | None = None
    price_fen: int | None = None
    subsidy_fen: int = 0


@dataclass
class PriceRow:
    id: int
    meal: str
    subsidy_category_id: int
    subsidy_category: str
    valid_from: dt.date
    price_fen: int
    subsidy_fen: int

    @property
    def due_fen(self) -> int:
        return self.price_fen - self.subsidy_fen


@dataclass
class BillLine:
    """Meals of one kind at one price: a price change mid-month makes two lines."""

    meal: str
    count: int
    unit_price_fen: int
    unit_subsidy_fen: int
    first_day: dt.date
    last_day: dt.date

    @property
    def amount_fen(self) -> int:
        return self.count * self.unit_price_fen

    @property
    def subsidy_fen(self) -> int:
        return self.count * self.unit_subsidy_fen

    @property
    def due_fen(self) -> int:
        return self.amount_fen - self.subsidy_fen


class _Totals:
    """The money of a bill or a summary: the sums of its lines, in fen."""

    @property
    def amount_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def subsidy_fen(self) -> int:
        return sum(line.subsidy_fen for line in self.lines)

    @property
    def due_fen(self) -> int:
        return sum(line.due_fen for line in self.lines)


@dataclass
class MealBill(_Totals):
    """One elder's meals of a month (月度账单)."""

    resident_id: int
    name: str
    month: dt.date                   # the first of the month
    subsidy_category: str
    lines: list[BillLine]

    @property
    def meals(self) -> int:
        return sum(line.count for line in self.lines)


@dataclass
class SummaryLine:
    """The month's meals of one subsidy category and meal kind, for the funder."""

    subsidy_category: str
    meal: str
    meals: int
    delivered: int
    elders: int
    amount_fen: int
    subsidy_fen: int
    due_fen: int


@dataclass
class MonthSummary(_Totals):
    month: dt.date
    lines: list[SummaryLine]
    walk_ins: dict[str, int]         # meal -> walk-in diners

    @property
    def meals(self) -> int:
        return sum(line.meals for line in self.lines)


@dataclass
class ChoiceRow(choices.ChoiceRow):
    """A diet or a subsidy category."""

    special: bool = False            # diets: the kitchen order names who has it


@dataclass
class DaycareFigures:
    """Day-care figures for a date range (inclusive).

    enrolled: elders enrolled on `date_to`; new / left: enrolments starting / ending in the
    range; person_days (人次): attendance records; distinct_elders (人数); meals_served by meal
    (at the centre and delivered), delivered, walk_ins by meal; subsidy_paid_fen: the subsidy of
    the meals served (meals without a price in force count nothing)."""

    date_from: dt.date
    date_to: dt.date
    enrolled: int
    new: int
    left: int
    person_days: int
    distinct_elders: int
    meals_served: dict[str, int]
    delivered: int
    walk_ins: dict[str, int]
    subsidy_paid_fen: int


def _label(table: dict[str, str], key: str | None) -> str:
    return _(table[key]) if key in table else (key or "")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _mask_of(weekdays) -> int:
    return sum(1 << d for d in set(weekdays))


def _days_of(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def _weekdays_text(value, _lookup=None) -> str:
    names = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
    days = _days_of(int(value)) if isinstance(value, int) else frozenset()
    return "、".join(_(names[d]) for d in sorted(days)) or "—"


def _yuan(fen, _lookup=None) -> str:
    return format_money(int(fen))


def format_money(fen: int) -> str:
    """Integer fen as yuan with two decimals ("1,012.50"), without going through floats."""
    sign = "-" if fen < 0 else ""
    return "{}{}.{:02d}".format(sign, format_number(abs(fen) // 100), abs(fen) % 100)


# The fields of each kind of record as the audit trail shows them (services/audit.py).
PROFILE_FIELDS: dict[str, Field] = {
    "enrolled_on": Field(N_("Enrolled since"), kind="date"),
    "care_level": Field(N_("Care level"), codes=CARE_LEVELS),
    "diet_id": Field(N_("Diet"), ref="diet"),
    "allergies": Field(N_("Allergies")),
    "health_notes": Field(N_("Health notes")),
    "subsidy_category_id": Field(N_("Meal subsidy category"), ref="subsidy_category"),
    "weekdays": Field(N_("Usual days"), show=_weekdays_text),
    "may_leave_alone": Field(N_("May go home alone"), kind="bool"),
    "emergency_contacts": Field(N_("Emergency contacts")),
    "pickups": Field(N_("May take the elder home")),
    "paused_from": Field(N_("Paused from"), kind="date"),
    "paused_to": Field(N_("Paused until"), kind="date"),
    "pause_reason": Field(N_("Reason for the pause")),
    "left_on": Field(N_("Left on"), kind="date"),
    "left_reason": Field(N_("Reason for leaving")),
}
ATTENDANCE_FIELDS: dict[str, Field] = {
    "day": Field(N_("Day"), kind="date"),
    "checked_in_at": Field(N_("Checked in")),
    "checked_out_at": Field(N_("Checked out")),
    "taken_home_by": Field(N_("Taken home by")),
    "lunch_served": Field(N_("Lunch served"), kind="bool"),
    "from_paper": Field(N_("Entered from the paper sheet"), kind="bool"),
    "reason": Field(N_("Reason for the correction")),
}
MEAL_FIELDS: dict[str, Field] = {
    "day": Field(N_("Day"), kind="date"),
    "meal": Field(N_("Meal"), codes=MEALS),
    "reserved": Field(N_("Reserved"), kind="bool"),
    "delivery": Field(N_("Delivered home"), kind="bool"),
    "served": Field(N_("Served"), kind="bool"),
    "count": Field(N_("Walk-in diners"), kind="number"),
}
PRICE_FIELDS: dict[str, Field] = {
    "meal": Field(N_("Meal"), codes=MEALS),
    "subsidy_category_id": Field(N_("Meal subsidy category"), ref="subsidy_category"),
    "valid_from": Field(N_("Applies from"), kind="date"),
    "price_fen": Field(N_("Price (yuan)"), show=_yuan),
    "subsidy_fen": Field(N_("Subsidy (yuan)"), show=_yuan),
}
CHOICE_FIELDS = choices.choice_fields(special=Field(N_("Named on the kitchen order"), kind="bool"))

NAME_MAX, RELATION_MAX, REASON_MAX = 50, 20, 200
WALK_INS_MAX = 10000
PRICE_MAX = 100000  # 1,000 yuan: anything above is a typing slip
LISTS = {DIETS: choices.ChoiceList(Diet, DIETS, access.DAYCARE_PRICES, {"special": True}, ChoiceRow),
         SUBSIDIES: choices.ChoiceList(SubsidyCategory, SUBSIDIES, access.DAYCARE_PRICES, row=ChoiceRow)}


# -- shared helpers -------------------------------------------------------------------------

def _list(kind: str) -> choices.ChoiceList:
    if kind not in LISTS:
        raise ValueError(kind)
    return LISTS[kind]


def _resident(s, resident_id: int) -> Resident:
    resident = s.get(Resident, resident_id)
    if resident is None:
        raise NotFoundError(_("The chosen resident no longer exists."))
    return resident


def _latest_profile(s, resident_id: int) -> DaycareProfile | None:
    """The profile not left, else the last one."""
    return s.scalar(select(DaycareProfile).where(DaycareProfile.resident_id == resident_id)
                    .order_by(DaycareProfile.left_on.is_not(None), DaycareProfile.id.desc()).limit(1))


def _open_profile(s, resident_id: int) -> DaycareProfile:
    """The enrolment that has not ended, or NotFoundError."""
    profile = s.scalar(select(DaycareProfile).where(DaycareProfile.resident_id == resident_id,
                                                    DaycareProfile.left_on.is_(None)))
    if profile is None:
        name = _resident(s, resident_id).name
        raise NotFoundError(_("{name} is not enrolled in day-care.").format(name=name))
    return profile


def _profile_on(s, resident_id: int, day: dt.date) -> DaycareProfile | None:
    return s.scalar(select(DaycareProfile).where(DaycareProfile.resident_id == resident_id,
                                                 DaycareProfile.enrolled_on <= day,
                                                 or_(DaycareProfile.left_on.is_(None),
                                                     DaycareProfile.left_on >= day)))


def _enrolled_on(s, day: dt.date, *columns) -> list:
    """Plain rows (resident_id, name, then `columns`) for every enrolment in force on `day`, in the
    registry's order; no ORM objects, as the board and the meal lists read ~400 at town scale."""
    return list(s.execute(select(DaycareProfile.resident_id, Resident.name, *columns)
                          .join(Resident, Resident.id == DaycareProfile.resident_id)
                          .where(DaycareProfile.enrolled_on <= day,
                                 or_(DaycareProfile.left_on.is_(None), DaycareProfile.left_on >= day))
                          .order_by(Resident.sort_key, Resident.id)).all())


def _paused_on(p: DaycareProfile, day: dt.date) -> bool:
    return p.paused_from is not None and p.paused_from <= day and (p.paused_to is None or day <= p.paused_to)


def _status(p: DaycareProfile, day: dt.date) -> str:
    if p.left_on is not None:
        return LEFT
    return PAUSED if _paused_on(p, day) else ACTIVE


def _contacts(s, profile_id: int, kind: str) -> list[Contact]:
    rows = s.execute(select(DaycareContact, Resident.name, Resident.phone)
                     .outerjoin(Resident, Resident.id == DaycareContact.relative_id)
                     .where(DaycareContact.profile_id == profile_id, DaycareContact.kind == kind)
                     .order_by(DaycareContact.sort_order, DaycareContact.id))
    return [Contact(c.relative_id, name or c.name, phone or c.phone, c.relation) for c, name, phone in rows]


def _contacts_text(contacts: list[Contact]) -> str:
    """For the trail: names and relations, never phones."""
    return "；".join(_person_text(c) for c in contacts)


def _person_text(c: Contact | None) -> str:
    if c is None:
        return ""
    if c.is_alone:
        return _("went home alone")
    return "{} ({})".format(c.name, c.relation) if c.relation else c.name


def _choice_name(s, model, choice_id: int | None) -> str:
    if choice_id is None:
        return ""
    row = s.get(model, choice_id)
    return row.name if row is not None else ""


# -- enrolment ------------------------------------------------------------------------------

def _validate_contacts(s, contacts, resident_id: int | None, field_name: str, errors: dict) -> list[Contact]:
    out: list[Contact] = []
    for number, c in enumerate(contacts or [], start=1):
        relation = _clean(c.relation)[:RELATION_MAX]
        if c.relative_id is not None:
            if c.relative_id == resident_id:
                errors[field_name] = _("Contact {n}: an elder cannot be their own contact.").format(n=number)
            elif s.get(Resident, c.relative_id) is None:
                errors[field_name] = _("Contact {n}: the chosen resident no longer exists.").format(n=number)
            out.append(Contact(c.relative_id, "", "", relation))
            continue
        name = _clean(c.name)
        if not name or not relation or not (c.phone or "").strip():
            errors[field_name] = _("Contact {n}: please choose a resident, or enter a name, phone and "
                                   "relation.").format(n=number)
            continue
        if len(name) > NAME_MAX:
            errors[field_name] = _("Contact {n}: the name is too long (at most {max} characters).").format(
                n=number, max=NAME_MAX)
            continue
        try:
            phone = normalise_phone(c.phone)
        except InvalidValue as exc:
            errors[field_name] = _("Contact {n}: {problem}").format(n=number, problem=exc.message)
            continue
        out.append(Contact(None, name, phone, relation))
    return out


def _validate_profile(s, data: ProfileInput, own: DaycareProfile | None, today: dt.date) -> tuple[dict, list, list]:
    errors: dict[str, str] = {}
    values: dict = {}
    rid = data.resident_id if own is None else own.resident_id
    if own is None:
        resident = s.get(Resident, rid) if rid is not None else None
        if rid is None:
            errors["resident_id"] = _("Please choose the resident to enrol.")
        elif resident is None:
            errors["resident_id"] = _("The chosen resident no longer exists.")
        elif not resident.active:
            errors["resident_id"] = _("{name}'s record is deactivated; reactivate it first.").format(
                name=resident.name)
        else:
            current = s.scalar(select(DaycareProfile).where(DaycareProfile.resident_id == rid)
                               .order_by(DaycareProfile.id.desc()).limit(1))
            if current is not None and current.left_on is None:
                errors["resident_id"] = _("{name} is already enrolled in day-care.").format(name=resident.name)
            elif current is not None and data.enrolled_on is not None and data.enrolled_on <= current.left_on:
                errors["enrolled_on"] = _("{name} left day-care on {date}; a new enrolment starts after "
                                          "that.").format(name=resident.name, date=format_date(current.left_on))
    enrolled_on = data.enrolled_on or (own.enrolled_on if own is not None else today)
    values["enrolled_on"] = enrolled_on
    if data.care_level not in CARE_LEVELS:
        errors["care_level"] = _("Please choose the care level.")
    values["care_level"] = data.care_level
    if data.diet_id is not None:
        diet = s.get(Diet, data.diet_id)
        if diet is None or (not diet.active and (own is None or own.diet_id != data.diet_id)):
            errors["diet_id"] = _("The chosen diet is not in use.")
    values["diet_id"] = data.diet_id
    category_id = data.subsidy_category_id
    if category_id is None:  # the first category in use (standard, when seeded)
        category_id = s.scalar(select(SubsidyCategory.id).where(SubsidyCategory.active.is_(True))
                               .order_by(SubsidyCategory.sort_order, SubsidyCategory.id).limit(1))
        if category_id is None:
            errors["subsidy_category_id"] = _("Please set up the meal subsidy categories first.")
    else:
        category = s.get(SubsidyCategory, category_id)
        if category is None or (not category.active and (own is None or own.subsidy_category_id != category_id)):
            errors["subsidy_category_id"] = _("The chosen meal subsidy category is not in use.")
    values["subsidy_category_id"] = category_id
    weekdays = set(data.weekdays or ())
    if not weekdays <= set(range(7)):
        errors["weekdays"] = _("Please choose the usual days from Monday to Sunday.")
    values["weekdays"] = _mask_of(weekdays & set(range(7)))
    values["allergies"] = (data.allergies or "").strip()
    values["may_leave_alone"] = bool(data.may_leave_alone)
    emergency = _validate_contacts(s, data.emergency_contacts, rid, "emergency_contacts", errors)
    pickups = _validate_contacts(s, data.pickups, rid, "pickups", errors)
    if errors:
        raise ValidationError(errors)
    return values, emergency, pickups


def _check_health_notes(db: Database, resident_id: int, new: str | None, old: str, actor: access.Actor,
                        today: dt.date) -> str:
    """The health notes to store: changing them needs the permission and a consent in force."""
    if new is None or new.strip() == (old or ""):
        return old or ""
    access.require(actor, access.HEALTH_NOTES_VIEW)
    if not privacy.has_consent(db, resident_id, HEALTH_CONSENT, today):
        raise ValidationError({"health_notes": _(
            "Health notes can be recorded only after the elder (or a guardian) has consented to it.")})
    return new.strip()


def _write_contacts(s, profile_id: int, kind: str, contacts: list[Contact]) -> None:
    s.execute(delete(DaycareContact).where(DaycareContact.profile_id == profile_id, DaycareContact.kind == kind))
    for order, c in enumerate(contacts):
        s.add(DaycareContact(profile_id=profile_id, kind=kind, relative_id=c.relative_id, name=c.name,
                             phone=c.phone, relation=c.relation, sort_order=order))


def _profile_audit(s, p: DaycareProfile) -> dict:
    values = {k: getattr(p, k) for k in ("enrolled_on", "care_level", "diet_id", "allergies", "health_notes",
                                         "subsidy_category_id", "weekdays", "may_leave_alone")}
    values["emergency_contacts"] = _contacts_text(_contacts(s, p.id, EMERGENCY))
    values["pickups"] = _contacts_text(_contacts(s, p.id, PICKUP))
    return values


def enrol(db: Database, data: ProfileInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Enrol a resident (one profile not left per resident); returns the profile's id."""
    access.require(actor, access.DAYCARE_ENROL)
    today = today or dt.date.today()
    with db.session() as s:
        values, emergency, pickups = _validate_profile(s, data, None, today)
    notes = _check_health_notes(db, data.resident_id, data.health_notes, "", actor, today)
    with db.session() as s:
        values, emergency, pickups = _validate_profile(s, data, None, today)  # again, in the writing transaction
        now = dt.datetime.now()
        profile = DaycareProfile(resident_id=data.resident_id, health_notes=notes, created_at=now, updated_at=now,
                                 **values)
        s.add(profile)
        s.flush()
        _write_contacts(s, profile.id, EMERGENCY, emergency)
        _write_contacts(s, profile.id, PICKUP, pickups)
        s.flush()
        audit.record(s, actor, "create", "daycare_profile", profile.id, s.get(Resident, profile.resident_id).name,
                     audit.diff({}, _profile_audit(s, profile)))
        return profile.id


def update_profile(db: Database, resident_id: int, data: ProfileInput, *, actor: access.Actor,
                   today: dt.date | None = None) -> None:
    """Change the current enrolment of a resident (not their status)."""
    access.require(actor, access.DAYCARE_ENROL)
    today = today or dt.date.today()
    with db.session() as s:
        old_notes = _open_profile(s, resident_id).health_notes
    notes = _check_health_notes(db, resident_id, data.health_notes, old_notes, actor, today)
    with db.session() as s:
        profile = _open_profile(s, resident_id)
        values, emergency, pickups = _validate_profile(s, data, profile, today)
        if values["enrolled_on"] > profile.enrolled_on and (
                s.scalar(select(func.count(Attendance.id)).where(
                    Attendance.resident_id == resident_id, Attendance.day >= profile.enrolled_on,
                    Attendance.day < values["enrolled_on"]))
                or s.scalar(select(func.count(Meal.id)).where(
                    Meal.resident_id == resident_id, Meal.served.is_(True), Meal.day >= profile.enrolled_on,
                    Meal.day < values["enrolled_on"]))):
            # Days already recorded stay inside the enrolment.
            raise ValidationError({"enrolled_on": _("The elder already came before that date.")})
        earlier = s.scalar(select(func.max(DaycareProfile.left_on)).where(
            DaycareProfile.resident_id == resident_id, DaycareProfile.id != profile.id))
        if earlier is not None and values["enrolled_on"] <= earlier:
            raise ValidationError({"enrolled_on": _("{name} left day-care on {date}; a new enrolment starts after "
                                                    "that.").format(name=s.get(Resident, resident_id).name,
                                                                    date=format_date(earlier))})
        before = _profile_audit(s, profile)
        for key, value in values.items():
            setattr(profile, key, value)
        profile.health_notes = notes
        _write_contacts(s, profile.id, EMERGENCY, emergency)
        _write_contacts(s, profile.id, PICKUP, pickups)
        profile.updated_at = dt.datetime.now()
        s.flush()
        audit.record(s, actor, "update", "daycare_profile", profile.id, s.get(Resident, resident_id).name,
                     audit.diff(before, _profile_audit(s, profile)))


def _status_change(s, actor, profile: DaycareProfile, changes: dict) -> None:
    before = {k: getattr(profile, k) for k in changes}
    for key, value in changes.items():
        setattr(profile, key, value)
    profile.updated_at = dt.datetime.now()
    audit.record(s, actor, "update", "daycare_profile", profile.id, s.get(Resident, profile.resident_id).name,
                 audit.diff(before, changes))


def pause(db: Database, resident_id: int, date_from: dt.date, date_to: dt.date | None = None,
          reason: str = "", *, actor: access.Actor) -> None:
    """Pause attendance from `date_from` to `date_to` (inclusive; None: until resumed)."""
    access.require(actor, access.DAYCARE_ENROL)
    with db.session() as s:
        profile = _open_profile(s, resident_id)
        errors = {}
        if date_from is None:
            errors["paused_from"] = _("Please enter the first day of the pause.")
        elif date_from < profile.enrolled_on:
            errors["paused_from"] = _("The pause cannot start before the enrolment ({date}).").format(
                date=format_date(profile.enrolled_on))
        elif date_to is not None and date_to < date_from:
            errors["paused_to"] = _("The pause ends before it starts.")
        if errors:
            raise ValidationError(errors)
        _status_change(s, actor, profile, {"paused_from": date_from, "paused_to": date_to,
                                           "pause_reason": _clean(reason)[:REASON_MAX]})


def resume(db: Database, resident_id: int, on: dt.date, *, actor: access.Actor) -> None:
    """End a pause: the elder attends again from `on`."""
    access.require(actor, access.DAYCARE_ENROL)
    with db.session() as s:
        profile = _open_profile(s, resident_id)
        if profile.paused_from is None or (profile.paused_to is not None and profile.paused_to < on):
            raise ValidationError({"resumed_on": _("{name}'s day-care is not paused then.").format(
                name=s.get(Resident, resident_id).name)})
        if on <= profile.paused_from:  # resumed before the pause began: no pause at all
            changes = {"paused_from": None, "paused_to": None, "pause_reason": ""}
        else:
            changes = {"paused_to": on - dt.timedelta(days=1)}
        _status_change(s, actor, profile, changes)


def leave(db: Database, resident_id: int, on: dt.date, reason: str, *, actor: access.Actor,
          today: dt.date | None = None) -> None:
    """The elder left day-care on `on` (their last day; not in the future), with a reason."""
    access.require(actor, access.DAYCARE_ENROL)
    today = today or dt.date.today()
    with db.session() as s:
        profile = _open_profile(s, resident_id)
        errors = {}
        reason = _clean(reason)[:REASON_MAX]
        if not reason:
            errors["left_reason"] = _("Please enter why the elder left.")
        if on is None or on > today:
            errors["left_on"] = _("Please enter the day the elder left (not in the future).")
        elif on < profile.enrolled_on:
            errors["left_on"] = _("The elder cannot leave before the enrolment ({date}).").format(
                date=format_date(profile.enrolled_on))
        if errors:
            raise ValidationError(errors)
        # Reservations after the last day go; meals served stay billed.
        s.execute(delete(Meal).where(Meal.resident_id == resident_id, Meal.day > on, Meal.served.is_(False)))
        _status_change(s, actor, profile, {"left_on": on, "left_reason": reason})


def get_profile(db: Database, resident_id: int, *, actor: access.Actor,
                today: dt.date | None = None) -> ProfileInfo | None:
    """A resident's current (or last) enrolment; None if never enrolled."""
    today = today or dt.date.today()
    hidden = not access.may(actor, access.HEALTH_NOTES_VIEW)
    locked = not privacy.has_consent(db, resident_id, HEALTH_CONSENT, today)
    with db.session() as s:
        p = _latest_profile(s, resident_id)
        if p is None:
            return None
        r = _resident(s, resident_id)
        diet = s.get(Diet, p.diet_id) if p.diet_id is not None else None
        return ProfileInfo(
            id=p.id, resident_id=r.id, name=r.name, phone=r.phone, member_code=r.member_code,
            age=age_on(r.birth_date, today), enrolled_on=p.enrolled_on, care_level=p.care_level,
            diet_id=p.diet_id, diet=diet.name if diet else "", special_diet=bool(diet and diet.special),
            allergies=p.allergies, health_notes=None if hidden or locked else p.health_notes,
            health_locked=locked, health_hidden=hidden, subsidy_category_id=p.subsidy_category_id,
            subsidy_category=_choice_name(s, SubsidyCategory, p.subsidy_category_id),
            weekdays=_days_of(p.weekdays), may_leave_alone=p.may_leave_alone,
            emergency_contacts=_contacts(s, p.id, EMERGENCY), pickups=_contacts(s, p.id, PICKUP),
            status=_status(p, today), paused_from=p.paused_from, paused_to=p.paused_to,
            pause_reason=p.pause_reason, left_on=p.left_on, left_reason=p.left_reason)


def list_elders(db: Database, *, status: str | None = None, today: dt.date | None = None) -> list[ElderRow]:
    """Enrolled elders (the latest profile of each) in pinyin order; `status` narrows."""
    today = today or dt.date.today()
    with db.session() as s:
        diets = dict(s.execute(select(Diet.id, Diet.name)).all())
        cats = dict(s.execute(select(SubsidyCategory.id, SubsidyCategory.name)).all())
        latest: dict[int, tuple[DaycareProfile, Resident]] = {}
        for p, r in s.execute(select(DaycareProfile, Resident).join(Resident, Resident.id == DaycareProfile.resident_id)
                              .order_by(DaycareProfile.id)):
            if p.resident_id not in latest or latest[p.resident_id][0].left_on is not None:
                latest[p.resident_id] = (p, r)
        rows = [ElderRow(r.id, p.id, r.name, age_on(r.birth_date, today), p.care_level, diets.get(p.diet_id, ""),
                         cats.get(p.subsidy_category_id, ""), _days_of(p.weekdays), _status(p, today),
                         p.enrolled_on, p.left_on)
                for p, r in sorted(latest.values(), key=lambda pr: (pr[1].sort_key, pr[1].id))]
    return [row for row in rows if status is None or row.status == status]


def resident_lines(db: Database, resident_id: int, today: dt.date | None = None) -> list:
    """What the residents' detail pane shows of a resident's day-care (app/features.py): the status,
    since when, and the days attended this month."""
    from app.features import DetailLine

    today = today or dt.date.today()
    with db.session() as s:
        p = _latest_profile(s, resident_id)
        if p is None:
            return []
        days = s.scalar(select(func.count(Attendance.id)).where(
            Attendance.resident_id == resident_id, Attendance.day >= today.replace(day=1), Attendance.day <= today))
    return [DetailLine(_("Day-care: {status}, enrolled since {date}; {days} days this month").format(
        status=_label(STATUSES, _status(p, today)), date=format_date(p.enrolled_on), days=format_number(days or 0)))]


# -- check-in desk --------------------------------------------------------------------------

def _find_scanned(s, text: str | int) -> Resident | None:
    if isinstance(text, int) and not isinstance(text, bool):
        return s.get(Resident, text)
    raw = normalise_text(str(text)).strip()
    code = code_from_scan(raw)
    if code is not None:
        return s.scalar(select(Resident).where(Resident.member_code == code))
    number = clean_id_number(raw)
    if len(number) == 18:
        return s.scalar(select(Resident).where(Resident.id_number == number))
    return None


def _time(at: dt.datetime | None) -> str:
    return at.strftime("%H:%M") if at is not None else ""


def _attendance_row(a: Attendance, name: str, taken_name: str | None = None) -> AttendanceRow:
    taken = None
    if a.taken_home_by_id is not None or a.taken_home_by_name or a.taken_home_by_relation:
        taken = Contact(a.taken_home_by_id, taken_name or a.taken_home_by_name, a.taken_home_by_phone,
                        a.taken_home_by_relation)
    return AttendanceRow(a.id, a.resident_id, name, a.day, a.checked_in_at, a.checked_out_at, taken,
                         a.from_paper, a.corrected)


def _refused(message: str, resident: Resident | None = None, at: dt.datetime | None = None) -> ScanResult:
    return ScanResult(REFUSED, message, resident.id if resident else None, resident.name if resident else "", at)


def _mark_lunch(s, profile: DaycareProfile, day: dt.date, from_paper: bool = False) -> bool:
    """Lunch served on a check-in, unless the reservation was cancelled (a ticked box on the paper
    sheet is served whatever was reserved); True when marked."""
    meal = s.scalar(select(Meal).where(Meal.resident_id == profile.resident_id, Meal.day == day,
                                       Meal.meal == LUNCH))
    if meal is None:
        s.add(Meal(resident_id=profile.resident_id, day=day, meal=LUNCH, reserved=True, delivery=False,
                   served=True, subsidy_category_id=profile.subsidy_category_id, from_paper=from_paper))
        return True
    if meal.served or not (meal.reserved or from_paper):
        return False
    meal.reserved = meal.served = True
    meal.delivery = False
    meal.from_paper = meal.from_paper or from_paper
    meal.subsidy_category_id = profile.subsidy_category_id
    return True


def scan(db: Database, text: str | int, *, at: dt.datetime, actor: access.Actor) -> ScanResult:
    """One scan at the desk: a member card, an ID number, or a resident id from the search."""
    access.require(actor, access.DAYCARE_ATTEND)
    day = at.date()
    with db.session() as s:
        resident = _find_scanned(s, text)
        if resident is None:
            return _refused(_("Nobody has this card or ID number; nothing recorded."), at=at)
        profile = _profile_on(s, resident.id, day)
        if profile is None or profile.left_on is not None:
            last = _latest_profile(s, resident.id)
            if last is not None and last.left_on is not None:
                return _refused(_("{name} left day-care on {date}; nothing recorded.").format(
                    name=resident.name, date=format_date(last.left_on)), resident, at)
            return _refused(_("{name} is not enrolled in day-care; nothing recorded.").format(name=resident.name),
                            resident, at)
        if _paused_on(profile, day):
            return _refused(_("{name}'s day-care is paused; nothing recorded.").format(name=resident.name),
                            resident, at)
        record = s.scalar(select(Attendance).where(Attendance.resident_id == resident.id, Attendance.day == day))
        if record is None:
            record = Attendance(resident_id=resident.id, day=day, checked_in_at=at, from_paper=False,
                                corrected=False)
            s.add(record)
            lunch = _mark_lunch(s, profile, day)
            s.flush()
            audit.record(s, actor, "create", "daycare_attendance", record.id, resident.name,
                         audit.diff({}, {"day": day, "checked_in_at": _time(at), "lunch_served": lunch or None}))
            return ScanResult(CHECKED_IN, _("{name} checked in at {time}.").format(name=resident.name, time=_time(at)),
                              resident.id, resident.name, at, attendance=_attendance_row(record, resident.name))
        last = record.checked_out_at or record.checked_in_at
        if 0 <= (at - last).total_seconds() < REPEAT_SECONDS:
            return ScanResult(IGNORED, _("{name} was scanned a moment ago; the repeat is ignored.").format(
                name=resident.name), resident.id, resident.name, at,
                attendance=_attendance_row(record, resident.name))
        if record.checked_out_at is not None:
            return _refused(_("{name} already went home today at {time}; nothing recorded.").format(
                name=resident.name, time=_time(record.checked_out_at)), resident, at)
        return ScanResult(CHECKING_OUT, _("Who is taking {name} home?").format(name=resident.name),
                          resident.id, resident.name, at, pickups=_contacts(s, profile.id, PICKUP),
                          may_leave_alone=profile.may_leave_alone,
                          attendance=_attendance_row(record, resident.name))


def _taken_home_by(s, profile: DaycareProfile | None, who: Contact | None, *, strict: bool) -> Contact:
    """Who took the elder home, checked: someone on the allowed list, home alone when allowed, or
    anyone else with name, phone and relation (with `strict`; corrections need only a name)."""
    if who is None:
        raise ValidationError({"taken_home_by": _("Please choose who took the elder home.")})
    if who.is_alone:
        if strict and profile is not None and not profile.may_leave_alone:
            raise ValidationError({"taken_home_by": _(
                "This elder may not go home alone; please choose who took them home.")})
        return Contact.alone()
    allowed = _contacts(s, profile.id, PICKUP) if profile is not None else []
    if who.relative_id is not None:
        relative = s.get(Resident, who.relative_id)
        if relative is None:
            raise ValidationError({"taken_home_by": _("The chosen resident no longer exists.")})
        listed = next((c for c in allowed if c.relative_id == who.relative_id), None)
        relation = _clean(who.relation) or (listed.relation if listed else "")
        if not relation and strict:
            raise ValidationError({"relation": _("Please enter their relation to the elder.")})
        return Contact(relative.id, relative.name, relative.phone, relation[:RELATION_MAX])
    name = _clean(who.name)
    listed = next((c for c in allowed if c.relative_id is None and c.name == name), None)
    if listed is not None and not (who.phone or "").strip():
        return listed
    errors = {}
    if not name:
        errors["name"] = _("Please enter the name of the person who took the elder home.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
    phone = ""
    if (who.phone or "").strip():
        try:
            phone = normalise_phone(who.phone)
        except InvalidValue as exc:
            errors["phone"] = exc.message
    elif strict:
        errors["phone"] = _("Please enter their phone number.")
    relation = _clean(who.relation)[:RELATION_MAX]
    if not relation and strict:
        errors["relation"] = _("Please enter their relation to the elder.")
    if errors:
        raise ValidationError(errors)
    return Contact(None, name, phone, relation)


def _set_taken_home(a: Attendance, who: Contact | None) -> None:
    a.taken_home_by_id = who.relative_id if who else None
    a.taken_home_by_name = who.name[:NAME_MAX] if who and who.relative_id is None else ""
    a.taken_home_by_phone = who.phone if who and who.relative_id is None else ""
    a.taken_home_by_relation = who.relation if who else ""


def check_out(db: Database, resident_id: int, taken_home_by: Contact, *, at: dt.datetime,
              actor: access.Actor) -> ScanResult:
    """Check an elder out, recording who took them home (the allowed list or anyone named)."""
    access.require(actor, access.DAYCARE_ATTEND)
    with db.session() as s:
        resident = _resident(s, resident_id)
        record = s.scalar(select(Attendance).where(Attendance.resident_id == resident_id,
                                                   Attendance.day == at.date()))
        if record is None:
            return _refused(_("{name} is not checked in today, so cannot be checked out; nothing recorded.")
                            .format(name=resident.name), resident, at)
        if record.checked_out_at is not None:
            return _refused(_("{name} already went home today at {time}; nothing recorded.").format(
                name=resident.name, time=_time(record.checked_out_at)), resident, at)
        if at < record.checked_in_at:
            return _refused(_("{name} checked in at {time}; the check-out cannot be earlier.").format(
                name=resident.name, time=_time(record.checked_in_at)), resident, at)
        who = _taken_home_by(s, _profile_on(s, resident_id, at.date()), taken_home_by, strict=True)
        record.checked_out_at = at
        _set_taken_home(record, who)
        audit.record(s, actor, "update", "daycare_attendance", record.id, resident.name,
                     audit.diff({}, {"checked_out_at": _time(at), "taken_home_by": _person_text(who)}))
        text = (_("{name} went home alone at {time}.") if who.is_alone
                else _("{name} went home at {time} with {who}.")).format(
                    name=resident.name, time=_time(at), who=_person_text(who))
        return ScanResult(CHECKED_OUT, text, resident.id, resident.name, at,
                          attendance=_attendance_row(record, resident.name, who.name))


def correct_attendance(db: Database, attendance_id: int, fix: AttendanceFix, reason: str, *,
                       actor: access.Actor) -> AttendanceRow:
    """Correct a recorded day: times and who took the elder home; the reason is audited."""
    access.require(actor, access.DAYCARE_ATTEND)
    reason = _clean(reason)[:REASON_MAX]
    with db.session() as s:
        record = s.get(Attendance, attendance_id)
        if record is None:
            raise NotFoundError(_("That attendance record no longer exists."))
        errors = {}
        if not reason:
            errors["reason"] = _("Please give the reason for the correction.")
        if fix.checked_in_at is None or fix.checked_in_at.date() != record.day:
            errors["checked_in_at"] = _("The check-in must be on {date}.").format(date=format_date(record.day))
        elif fix.checked_out_at is not None and (fix.checked_out_at < fix.checked_in_at
                                                 or fix.checked_out_at.date() != record.day):
            errors["checked_out_at"] = _("The check-out must be after the check-in, on the same day.")
        if errors:
            raise ValidationError(errors)
        who = None
        if fix.checked_out_at is not None and fix.taken_home_by is not None:
            who = _taken_home_by(s, _profile_on(s, record.resident_id, record.day), fix.taken_home_by, strict=False)
        old_who = _attendance_row(record, "").taken_home_by
        before = {"checked_in_at": _time(record.checked_in_at), "checked_out_at": _time(record.checked_out_at),
                  "taken_home_by": _person_text(old_who) if old_who else ""}
        record.checked_in_at, record.checked_out_at = fix.checked_in_at, fix.checked_out_at
        if fix.checked_out_at is None or fix.taken_home_by is not None:
            _set_taken_home(record, who)
        record.corrected = True
        name = s.get(Resident, record.resident_id).name
        after_who = _attendance_row(record, "").taken_home_by
        after = {"checked_in_at": _time(record.checked_in_at), "checked_out_at": _time(record.checked_out_at),
                 "taken_home_by": _person_text(who or after_who) if (who or after_who) else ""}
        audit.record(s, actor, "update", "daycare_attendance", record.id,
                     _("{name}, {date}: {reason}").format(name=name, date=record.day.isoformat(), reason=reason),
                     {**audit.diff(before, after), "reason": [None, reason]})
        s.flush()
        return _attendance_row(record, name, who.name if who else None)


def enter_from_paper(db: Database, day: dt.date, rows: list[PaperRow], *, actor: access.Actor,
                     today: dt.date | None = None) -> int:
    """A past day from the paper sign-in sheet, all rows or none; returns the records written."""
    access.require(actor, access.DAYCARE_ATTEND)
    today = today or dt.date.today()
    if day is None or day > today:
        raise ValidationError({"day": _("Please enter the day of the sheet (not in the future).")})
    with db.session() as s:
        errors: dict[str, str] = {}
        seen: set[int] = set()
        plan = []
        for index, row in enumerate(rows):
            key = "row {}".format(index)
            resident = s.get(Resident, row.resident_id)
            if resident is None:
                errors[key] = _("Line {n}: the chosen resident no longer exists.").format(n=index + 1)
                continue
            if row.resident_id in seen:
                errors[key] = _("Line {n}: {name} is on the sheet twice.").format(n=index + 1, name=resident.name)
                continue
            seen.add(row.resident_id)
            if row.checked_in is None and row.checked_out is None and not row.lunch:
                continue  # a blank line: did not come
            profile = _profile_on(s, row.resident_id, day)
            if profile is None:
                errors[key] = _("Line {n}: {name} was not enrolled in day-care on {date}.").format(
                    n=index + 1, name=resident.name, date=format_date(day))
                continue
            if row.checked_in is None and row.checked_out is not None:
                errors[key] = _("Line {n}: a time out needs a time in.").format(n=index + 1)
                continue
            if row.checked_in is not None and row.checked_out is not None and row.checked_out < row.checked_in:
                errors[key] = _("Line {n}: the time out is before the time in.").format(n=index + 1)
                continue
            if row.checked_in is not None and s.scalar(select(Attendance.id).where(
                    Attendance.resident_id == row.resident_id, Attendance.day == day)) is not None:
                errors[key] = _("Line {n}: {name}'s day is already recorded; correct it instead.").format(
                    n=index + 1, name=resident.name)
                continue
            plan.append((row, resident, profile))
        if errors:
            raise ValidationError(errors)
        written = 0
        for row, resident, profile in plan:
            lunch = _mark_lunch(s, profile, day, from_paper=True) if row.lunch else False
            changes = {"day": day, "from_paper": True, "lunch_served": lunch or None}
            if row.checked_in is None:
                s.flush()
                audit.record(s, actor, "create", "daycare_meal", None, resident.name,
                             audit.diff({}, {"day": day, "meal": LUNCH, "served": True, "from_paper": True}))
                continue
            record = Attendance(resident_id=resident.id, day=day, from_paper=True, corrected=False,
                                checked_in_at=dt.datetime.combine(day, row.checked_in),
                                checked_out_at=dt.datetime.combine(day, row.checked_out) if row.checked_out else None,
                                taken_home_by_name=_clean(row.taken_home_by)[:NAME_MAX])
            s.add(record)
            s.flush()
            changes.update(checked_in_at=_time(record.checked_in_at), checked_out_at=_time(record.checked_out_at),
                           taken_home_by=record.taken_home_by_name)
            audit.record(s, actor, "create", "daycare_attendance", record.id, resident.name, audit.diff({}, changes))
            written += 1
        return written


def attendance(db: Database, day: dt.date) -> list[AttendanceRow]:
    """The day's attendance records, by check-in time."""
    taker = aliased(Resident)
    with db.session() as s:
        found = s.execute(select(Attendance, Resident.name, taker.name)
                          .join(Resident, Resident.id == Attendance.resident_id)
                          .outerjoin(taker, taker.id == Attendance.taken_home_by_id)
                          .where(Attendance.day == day).order_by(Attendance.checked_in_at, Attendance.id))
        return [_attendance_row(a, name, taken) for a, name, taken in found]


def _closing_time(s) -> dt.time:
    row = s.get(Setting, CLOSING_TIME_KEY)
    try:
        return dt.time.fromisoformat(row.value) if row is not None and row.value else DEFAULT_CLOSING_TIME
    except ValueError:
        return DEFAULT_CLOSING_TIME


_TAKER = aliased(Resident, name="taker")  # who took an elder home; built once so the board's query is cached


def _expected_in(s, day: dt.date) -> list:
    """Rows (resident_id, name, care_level, …) of the elders expected on `day`."""
    if not calendar_in(s).is_working_day(day):
        return []
    bit = 1 << day.weekday()
    return [e for e in _enrolled_on(s, day, DaycareProfile.care_level, DaycareProfile.weekdays,
                                    DaycareProfile.paused_from, DaycareProfile.paused_to, DaycareProfile.left_on)
            if e.weekdays & bit and e.left_on is None and not _paused_on(e, day)]


def board(db: Database, at: dt.datetime) -> Board:
    """Today's board at `at`: plain rows in one transaction (it is redrawn after every scan)."""
    day = at.date()
    with db.session() as s:
        closing = _closing_time(s)
        expected = _expected_in(s, day)
        records = [a for a in s.execute(
            select(Attendance.resident_id, Resident.name, Attendance.checked_in_at, Attendance.checked_out_at,
                   Attendance.taken_home_by_id, Attendance.taken_home_by_name, Attendance.taken_home_by_relation,
                   _TAKER.name.label("taker"))
            .join(Resident, Resident.id == Attendance.resident_id)
            .outerjoin(_TAKER, _TAKER.id == Attendance.taken_home_by_id)
            .where(Attendance.day == day).order_by(Attendance.checked_in_at, Attendance.id))
            if a.checked_in_at <= at]  # the board as it was at `at`
        arrived = {a.resident_id for a in records}
        care = {}
        if records:  # the latest enrolment's level (a resident may have enrolled twice)
            care = dict(s.execute(select(DaycareProfile.resident_id, DaycareProfile.care_level)
                                  .where(DaycareProfile.resident_id.in_(arrived)).order_by(DaycareProfile.id)).all())
    in_now, gone = [], []
    for a in records:
        taken = ""
        if a.taken_home_by_id is not None or a.taken_home_by_name or a.taken_home_by_relation:
            taken = _person_text(Contact(a.taken_home_by_id, a.taker or a.taken_home_by_name, "",
                                         a.taken_home_by_relation))
        row = BoardRow(a.resident_id, a.name, care.get(a.resident_id, ""), a.checked_in_at, a.checked_out_at, taken)
        (gone if a.checked_out_at is not None and a.checked_out_at <= at else in_now).append(row)
    waiting = [BoardRow(e.resident_id, e.name, e.care_level) for e in expected if e.resident_id not in arrived]
    return Board(at, closing, in_now, gone, waiting, list(in_now) if at.time() >= closing else [])


def expected_ids(db: Database, day: dt.date) -> list[int]:
    """Residents expected on `day`: enrolled, usual weekday, not paused, a working day."""
    with db.session() as s:
        return [e.resident_id for e in _expected_in(s, day)]


# -- meals ----------------------------------------------------------------------------------

def _check_meal(meal: str) -> None:
    if meal not in MEALS:
        raise ValidationError({"meal": _("Please choose lunch or dinner.")})


def _default_reserved(p: DaycareProfile, day: dt.date, meal: str, cal: Calendar) -> bool:
    """Lunch on the usual days (working days, not paused); dinner only when reserved."""
    return (meal == LUNCH and cal.is_working_day(day) and bool(p.weekdays & (1 << day.weekday()))
            and not _paused_on(p, day))


def _meal_rows(s, day: dt.date, meals=tuple(MEALS)) -> dict[str, list[MealRow]]:
    """{meal: rows} for `meals`, from one read of the elders, diets and stored meals (plain rows)."""
    cal = calendar_in(s)
    diets = {d.id: (d.name, d.special) for d in s.execute(select(Diet.id, Diet.name, Diet.special))}
    stored = {(m.resident_id, m.meal): m for m in s.execute(
        select(Meal.resident_id, Meal.meal, Meal.reserved, Meal.delivery, Meal.served)
        .where(Meal.day == day, Meal.meal.in_(meals)))}
    elders = _enrolled_on(s, day, DaycareProfile.diet_id, DaycareProfile.allergies, DaycareProfile.weekdays,
                          DaycareProfile.paused_from, DaycareProfile.paused_to)
    found = {}
    for meal in meals:
        rows = found[meal] = []
        for e in elders:
            diet, special = diets.get(e.diet_id, ("", False))
            m = stored.get((e.resident_id, meal))
            if m is not None:
                reserved, delivery, served = m.reserved, m.delivery, m.served
            else:
                reserved, delivery, served = _default_reserved(e, day, meal, cal), False, False
            rows.append(MealRow(e.resident_id, e.name, diet, bool(special), e.allergies,
                                reserved, delivery, served, m is not None))
    return found


def _walk_ins(s, day: dt.date) -> dict[str, int]:
    found = dict(s.execute(select(WalkInMeals.meal, WalkInMeals.count).where(WalkInMeals.day == day)).all())
    return {meal: found.get(meal, 0) for meal in MEALS}


def day_meals(db: Database, day: dt.date, meal: str) -> DayMeals:
    """Every elder enrolled on `day` with their meal, stored or as it defaults; walk-ins."""
    _check_meal(meal)
    with db.session() as s:
        return DayMeals(day, meal, _meal_rows(s, day, (meal,))[meal], _walk_ins(s, day)[meal])


def set_meal(db: Database, resident_id: int, day: dt.date, meal: str, *, reserved: bool | None = None,
             delivery: bool | None = None, served: bool | None = None, actor: access.Actor) -> MealRow:
    """Change an elder's meal on a day (None: leave as it is, or as it defaults)."""
    access.require(actor, access.DAYCARE_ATTEND)
    _check_meal(meal)
    with db.session() as s:
        resident = _resident(s, resident_id)
        profile = _profile_on(s, resident_id, day)
        if profile is None:
            raise ValidationError({"day": _("{name} is not enrolled in day-care on {date}; no meal can be "
                                            "recorded.").format(name=resident.name, date=format_date(day))})
        row = s.scalar(select(Meal).where(Meal.resident_id == resident_id, Meal.day == day, Meal.meal == meal))
        action = "update"
        if row is None:
            action = "create"
            row = Meal(resident_id=resident_id, day=day, meal=meal, from_paper=False, delivery=False, served=False,
                       reserved=_default_reserved(profile, day, meal, calendar_in(s)))
            s.add(row)
        before = {"reserved": row.reserved, "delivery": row.delivery, "served": row.served}
        if reserved is not None:
            row.reserved = bool(reserved)
        if delivery is not None:
            row.delivery = bool(delivery)
        if served is not None:
            row.served = bool(served)
        row.subsidy_category_id = profile.subsidy_category_id
        s.flush()
        after = {"reserved": row.reserved, "delivery": row.delivery, "served": row.served}
        changes = audit.diff(before, after) if action == "update" else audit.diff({}, {"day": day, "meal": meal,
                                                                                         **after})
        audit.record(s, actor, action, "daycare_meal", row.id, "{} {} {}".format(
            resident.name, day.isoformat(), _label(MEALS, meal)), changes)
        diet = s.get(Diet, profile.diet_id) if profile.diet_id is not None else None
        return MealRow(resident_id, resident.name, diet.name if diet else "", bool(diet and diet.special),
                       profile.allergies, row.reserved, row.delivery, row.served, True)


def set_walk_ins(db: Database, day: dt.date, meal: str, count: int, *, actor: access.Actor) -> None:
    """The number of unregistered diners of a meal."""
    access.require(actor, access.DAYCARE_ATTEND)
    _check_meal(meal)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= WALK_INS_MAX:
        raise ValidationError({"count": _("Please enter the number of walk-in diners (0 or more).")})
    with db.session() as s:
        row = s.scalar(select(WalkInMeals).where(WalkInMeals.day == day, WalkInMeals.meal == meal))
        old = row.count if row is not None else 0
        if row is None:
            row = WalkInMeals(day=day, meal=meal, count=count)
            s.add(row)
        row.count = count
        s.flush()
        if old != count:
            audit.record(s, actor, "update", "daycare_meal", None, _("Walk-in diners, {date} {meal}").format(
                date=day.isoformat(), meal=_label(MEALS, meal)), audit.diff({"count": old}, {"count": count}))


def kitchen_order(db: Database, day: dt.date) -> KitchenOrder:
    """Counts by meal and diet; names only for special diets and allergies."""
    with db.session() as s:
        order = [d.name for d in s.scalars(select(Diet).order_by(Diet.sort_order, Diet.id))]
        lines, notes = [], []
        for meal, rows in _meal_rows(s, day).items():
            counts: dict[str, list[int]] = {}
            for row in rows:
                if not row.reserved:
                    continue
                tally = counts.setdefault(row.diet, [0, 0])
                tally[0] += 1
                tally[1] += row.delivery
                if row.special_diet or row.allergies.strip():
                    notes.append(KitchenNote(meal, row.name, row.diet, row.allergies.strip(), row.delivery))
            for diet in sorted(counts, key=lambda d: (d not in order, order.index(d) if d in order else 0, d)):
                lines.append(KitchenLine(meal, diet, counts[diet][0], counts[diet][1]))
        return KitchenOrder(day, lines, notes, _walk_ins(s, day))


# -- prices and bills -----------------------------------------------------------------------

def set_price(db: Database, data: PriceInput, *, actor: access.Actor) -> int:
    """A meal's price and one category's subsidy from a date on (past bills keep theirs)."""
    access.require(actor, access.DAYCARE_PRICES)
    errors: dict[str, str] = {}
    if data.meal not in MEALS:
        errors["meal"] = _("Please choose lunch or dinner.")
    price = data.price_fen
    if price is None or isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= PRICE_MAX:
        errors["price_fen"] = _("Please enter the meal's price (0 or more).")
    subsidy = data.subsidy_fen
    if subsidy is None or isinstance(subsidy, bool) or not isinstance(subsidy, int) or subsidy < 0:
        errors["subsidy_fen"] = _("Please enter the subsidy (0 or more).")
    elif "price_fen" not in errors and subsidy > price:
        errors["subsidy_fen"] = _("The subsidy cannot be more than the price.")
    if data.valid_from is None:
        errors["valid_from"] = _("Please enter the day the price applies from.")
    with db.session() as s:
        if data.subsidy_category_id is None or s.get(SubsidyCategory, data.subsidy_category_id) is None:
            errors["subsidy_category_id"] = _("Please choose the meal subsidy category.")
        if errors:
            raise ValidationError(errors)
        same = (MealPrice.meal == data.meal, MealPrice.subsidy_category_id == data.subsidy_category_id)
        earliest = s.scalar(select(func.min(MealPrice.valid_from)).where(*same))
        following = s.scalar(select(func.min(MealPrice.valid_from))
                             .where(*same, MealPrice.valid_from > data.valid_from))
        if earliest is not None:
            # Meals already served at a price then in force must keep it.
            billed = select(func.max(Meal.day)).where(
                Meal.meal == data.meal, Meal.subsidy_category_id == data.subsidy_category_id, Meal.served.is_(True),
                Meal.day >= max(data.valid_from, earliest))
            if following is not None:
                billed = billed.where(Meal.day < following)
            last = s.scalar(billed)
            if last is not None:
                raise ValidationError({"valid_from": _(
                    "Meals up to {date} were served at the price then in force; a new price can apply from "
                    "{next} at the earliest.").format(date=format_date(last),
                                                      next=format_date(last + dt.timedelta(days=1)))})
        row = s.scalar(select(MealPrice).where(*same, MealPrice.valid_from == data.valid_from))
        values = {"meal": data.meal, "subsidy_category_id": data.subsidy_category_id, "valid_from": data.valid_from,
                  "price_fen": price, "subsidy_fen": subsidy}
        name = "{} {} {}".format(_label(MEALS, data.meal), _choice_name(s, SubsidyCategory, data.subsidy_category_id),
                                 data.valid_from.isoformat())
        if row is None:
            row = MealPrice(**values)
            s.add(row)
            s.flush()
            audit.record(s, actor, "create", "meal_price", row.id, name, audit.diff({}, values))
        else:
            before = {"price_fen": row.price_fen, "subsidy_fen": row.subsidy_fen}
            row.price_fen, row.subsidy_fen = price, subsidy
            audit.record(s, actor, "update", "meal_price", row.id, name,
                         audit.diff(before, {"price_fen": price, "subsidy_fen": subsidy}))
        return row.id


def list_prices(db: Database) -> list[PriceRow]:
    """Every price row, by meal, category and date."""
    with db.session() as s:
        rows = s.execute(select(MealPrice, SubsidyCategory.name, SubsidyCategory.sort_order)
                         .join(SubsidyCategory, SubsidyCategory.id == MealPrice.subsidy_category_id))
        out = [(list(MEALS).index(p.meal) if p.meal in MEALS else 9, order, p.subsidy_category_id, p.valid_from,
                PriceRow(p.id, p.meal, p.subsidy_category_id, name, p.valid_from, p.price_fen, p.subsidy_fen))
               for p, name, order in rows]
    return [row for *_key, row in sorted(out, key=lambda t: t[:4])]


def _month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


class _Prices:
    """The price rows, to find the one in force for a meal, a category and a day."""

    def __init__(self, s):
        self.rows: dict[tuple[str, int], list[tuple[dt.date, int, int]]] = {}
        for p in s.scalars(select(MealPrice).order_by(MealPrice.valid_from)):
            self.rows.setdefault((p.meal, p.subsidy_category_id), []).append((p.valid_from, p.price_fen,
                                                                               p.subsidy_fen))

    def on(self, meal: str, category_id: int | None, day: dt.date) -> tuple[int, int] | None:
        rows = self.rows.get((meal, category_id), [])
        index = bisect_right([r[0] for r in rows], day)
        return rows[index - 1][1:] if index else None

    def any_before(self, day: dt.date) -> bool:
        return any(r[0][0] <= day for r in self.rows.values() if r)


def _served(s, first: dt.date, last: dt.date, resident_id: int | None = None):
    stmt = (select(Meal, Resident.name).join(Resident, Resident.id == Meal.resident_id)
            .where(Meal.served.is_(True), Meal.day >= first, Meal.day <= last)
            .order_by(Resident.sort_key, Resident.id, Meal.day, Meal.meal))
    if resident_id is not None:
        stmt = stmt.where(Meal.resident_id == resident_id)
    return list(s.execute(stmt).all())


def _priced(s, month: dt.date, resident_id: int | None = None):
    """The month's served meals with (price, subsidy) each; ValidationError when a price is missing."""
    first, last = _month_range(month)
    prices = _Prices(s)
    if not prices.any_before(last):
        raise ValidationError({"month": _("No meal price is set for {month}; the administrator sets the "
                                          "prices first.").format(month=month.strftime("%Y-%m"))})
    cats = dict(s.execute(select(SubsidyCategory.id, SubsidyCategory.name)).all())
    out = []
    for meal, name in _served(s, first, last, resident_id):
        found = prices.on(meal.meal, meal.subsidy_category_id, meal.day)
        if found is None:
            raise ValidationError({"month": _(
                "No {meal} price for {category} is in force on {date}; the administrator sets it first.").format(
                    meal=_label(MEALS, meal.meal), category=cats.get(meal.subsidy_category_id, "—"),
                    date=format_date(meal.day))})
        out.append((meal, name, found[0], found[1], cats.get(meal.subsidy_category_id, "")))
    return out


def meal_bills(db: Database, month: dt.date, resident_id: int | None = None) -> list[MealBill]:
    """Each elder's bill for the month of `month` (elders with served meals; or one elder)."""
    first, _last = _month_range(month)
    with db.session() as s:
        priced = _priced(s, month, resident_id)
        bills: dict[int, MealBill] = {}
        for meal, name, price, subsidy, category in priced:
            bill = bills.setdefault(meal.resident_id, MealBill(meal.resident_id, name, first, category, []))
            bill.subsidy_category = category
            line = next((x for x in bill.lines if (x.meal, x.unit_price_fen, x.unit_subsidy_fen) ==
                         (meal.meal, price, subsidy)), None)
            if line is None:
                bill.lines.append(BillLine(meal.meal, 1, price, subsidy, meal.day, meal.day))
            else:
                line.count += 1
                line.last_day = max(line.last_day, meal.day)
        if resident_id is not None and resident_id not in bills:
            resident = _resident(s, resident_id)
            profile = _latest_profile(s, resident_id)
            bills[resident_id] = MealBill(resident_id, resident.name, first, _choice_name(
                s, SubsidyCategory, profile.subsidy_category_id if profile else None), [])
    meal_order = list(MEALS)
    for bill in bills.values():
        bill.lines.sort(key=lambda x: (meal_order.index(x.meal) if x.meal in meal_order else 9, x.first_day))
    return list(bills.values())


def month_summary(db: Database, month: dt.date) -> MonthSummary:
    """The month's meals by subsidy category and meal, subsidy paid, walk-ins (for the funder)."""
    first, last = _month_range(month)
    with db.session() as s:
        priced = _priced(s, month)
        order = {c.id: (c.sort_order, c.id) for c in s.scalars(select(SubsidyCategory))}
        walk_ins = dict(s.execute(select(WalkInMeals.meal, func.sum(WalkInMeals.count))
                                  .where(WalkInMeals.day >= first, WalkInMeals.day <= last)
                                  .group_by(WalkInMeals.meal)).all())
    groups: dict[tuple, SummaryLine] = {}
    elders: dict[tuple, set[int]] = {}
    meal_order = list(MEALS)
    for meal, _name, price, subsidy, category in priced:
        key = (order.get(meal.subsidy_category_id, (99, 0)), category,
               meal_order.index(meal.meal) if meal.meal in meal_order else 9, meal.meal)
        line = groups.setdefault(key, SummaryLine(category, meal.meal, 0, 0, 0, 0, 0, 0))
        line.meals += 1
        line.delivered += meal.delivery
        line.amount_fen += price
        line.subsidy_fen += subsidy
        line.due_fen += price - subsidy
        elders.setdefault(key, set()).add(meal.resident_id)
    for key, line in groups.items():
        line.elders = len(elders[key])
    return MonthSummary(first, [groups[k] for k in sorted(groups)],
                        {meal: int(walk_ins.get(meal) or 0) for meal in MEALS})


# -- lists: diets and subsidy categories (services/choices.py) ---------------------------------

def list_choices(db: Database, kind: str, *, include_inactive: bool = False) -> list[ChoiceRow]:
    """The diets (kind DIETS) or subsidy categories (SUBSIDIES) in their order."""
    return choices.list_choices(db, _list(kind), include_inactive=include_inactive)


def add_choice(db: Database, kind: str, name: str, *, actor: access.Actor, special: bool = True) -> int:
    """Add a diet or a subsidy category."""
    return choices.add_choice(db, _list(kind), name, actor=actor, special=special)


def rename_choice(db: Database, kind: str, choice_id: int, name: str, *, actor: access.Actor,
                  special: bool | None = None) -> None:
    """Rename a diet or subsidy category (a diet's `special` too when given)."""
    choices.rename_choice(db, _list(kind), choice_id, name, actor=actor, special=special)


def set_choice_active(db: Database, kind: str, choice_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire a diet or subsidy category (elders keep it) or bring it back."""
    choices.set_choice_active(db, _list(kind), choice_id, active, actor=actor)


def seed(db: Database, *, actor: access.Actor) -> int:
    """The default diets and subsidy categories where there are none; returns how many were added."""
    return choices.seed(db, [
        (LISTS[DIETS], [{"name": _(msgid), "special": special} for msgid, special in DEFAULT_DIETS]),
        (LISTS[SUBSIDIES], [{"name": _(msgid)} for msgid in DEFAULT_SUBSIDIES]),
    ], actor=actor)


# -- figures --------------------------------------------------------------------------------

def figures(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> DaycareFigures:
    """The monthly report's day-care numbers for any date range; the elders enrolled are counted on its
    last day, or today for a range that ends later (a year's report made in November)."""
    as_of = min(date_to, today or dt.date.today())
    with db.session() as s:
        enrolled = s.scalar(select(func.count(func.distinct(DaycareProfile.resident_id))).where(
            DaycareProfile.enrolled_on <= as_of,
            or_(DaycareProfile.left_on.is_(None), DaycareProfile.left_on >= as_of)))
        new = s.scalar(select(func.count(DaycareProfile.id)).where(
            DaycareProfile.enrolled_on >= date_from, DaycareProfile.enrolled_on <= date_to))
        left = s.scalar(select(func.count(DaycareProfile.id)).where(
            DaycareProfile.left_on >= date_from, DaycareProfile.left_on <= date_to))
        in_range = (Attendance.day >= date_from, Attendance.day <= date_to)
        person_days = s.scalar(select(func.count(Attendance.id)).where(*in_range))
        distinct = s.scalar(select(func.count(func.distinct(Attendance.resident_id))).where(*in_range))
        prices = _Prices(s)
        served = {meal: 0 for meal in MEALS}
        delivered = subsidy = 0
        # Counted by (meal, category, day, delivery) in the database: a town's year is 100,000 meals.
        for meal, category, day, delivery, count in s.execute(
                select(Meal.meal, Meal.subsidy_category_id, Meal.day, Meal.delivery, func.count(Meal.id))
                .where(Meal.served.is_(True), Meal.day >= date_from, Meal.day <= date_to)
                .group_by(Meal.meal, Meal.subsidy_category_id, Meal.day, Meal.delivery)):
            served[meal] = served.get(meal, 0) + count
            delivered += count if delivery else 0
            found = prices.on(meal, category, day)
            subsidy += found[1] * count if found else 0
        walk = dict(s.execute(select(WalkInMeals.meal, func.sum(WalkInMeals.count))
                              .where(WalkInMeals.day >= date_from, WalkInMeals.day <= date_to)
                              .group_by(WalkInMeals.meal)).all())
    return DaycareFigures(date_from, date_to, enrolled or 0, new or 0, left or 0, person_days or 0, distinct or 0,
                          served, delivered, {meal: int(walk.get(meal) or 0) for meal in MEALS}, subsidy)


# -- closing time (Settings → Day-care closing time…) -----------------------------------------

def closing_time(db: Database) -> dt.time:
    """After this time whoever is still in is listed as "still here" (default 17:00)."""
    with db.session() as s:
        return _closing_time(s)


def set_closing_time(db: Database, value: dt.time | str, *, actor: access.Actor) -> dt.time:
    """Set the closing time (a time, or "HH:MM" typed, full-width too); audited like the other
    settings. Gated like the feature's other Settings entries (DAYCARE_PRICES)."""
    access.require(actor, access.DAYCARE_PRICES)
    if isinstance(value, dt.time):
        closing = value
    else:
        try:
            closing = dt.time.fromisoformat(normalise_text(value).strip())
        except ValueError:
            raise ValidationError({"closing_time": _("Please enter a time such as 17:00.")}) from None
    closing = closing.replace(second=0, microsecond=0, tzinfo=None)
    text = closing.strftime("%H:%M")
    with db.session() as s:
        row = s.get(Setting, CLOSING_TIME_KEY)
        old = row.value if row is not None else None
        if old != text:
            s.merge(Setting(key=CLOSING_TIME_KEY, value=text))
            audit.record(s, actor, "settings", "setting", None, CLOSING_TIME_KEY,
                         audit.diff({CLOSING_TIME_KEY: old}, {CLOSING_TIME_KEY: text}))
    return closing


# -- the monthly report's section ---------------------------------------------------------------

def report_section(f: DaycareFigures):
    """Day care's section of the monthly report (services/report.py) from its figures."""
    from app.services import report
    from app.services.report import Line

    meals = sum(f.meals_served.values())
    lines = (
        Line("enrolled", _("Elders enrolled"), "count", f.enrolled),
        Line("new", _("Newly enrolled"), "count", f.new),
        Line("left", _("Left day care"), "count", f.left),
        Line("person_days", _("Attendance (person-days)"), "count", f.person_days),
        Line("elders", _("Elders who came"), "count", f.distinct_elders),
        *(Line(f"meals_{meal}", _("Meals served: {meal}").format(meal=_(label)), "count",
               f.meals_served.get(meal, 0)) for meal, label in MEALS.items()),
        Line("meals", _("Meals served"), "count", meals),
        Line("delivered", _("Meals delivered home"), "count", f.delivered),
        Line("walk_ins", _("Walk-in meals"), "count", sum(f.walk_ins.values())),
        Line("subsidy", _("Meal subsidy (yuan)"), "fen", f.subsidy_paid_fen),  # the unit in the label, as （人）
    )
    # Each count with its own noun (ngettext): "1 meal" reads right in English.
    phrase = _("day care served elders {person_days} ({elders}) and {meals} ({delivered} delivered home)").format(
        person_days=ngettext("{n} person-day", "{n} person-days", f.person_days).format(
            n=report.number(f.person_days)),
        elders=ngettext("{n} person", "{n} people", f.distinct_elders).format(n=report.number(f.distinct_elders)),
        meals=ngettext("{n} meal", "{n} meals", meals).format(n=report.number(meals)),
        delivered=report.number(f.delivered))
    chart = report.chart(_("Meals served by meal"), "bar",
                         {_(label): f.meals_served.get(meal, 0) for meal, label in MEALS.items()})
    return report.Section("daycare", _("Day care"), lines, (chart,), phrase)
