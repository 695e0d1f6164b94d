"""After-school classes (四点半课堂 / 暑托班 / 兴趣班 / 周末班): classes, enrolment with waiting
lists, session attendance and safe pick-up.

A class has a term, weekdays and times, a room, a capacity, a teacher (a staff account or a
resident volunteer), an age or grade range and a fee in fen. Its sessions are the scheduled
weekdays of the term that are not holidays of the shared calendar (services/calendar.py), plus
single sessions added; a session can be cancelled with a reason.

A child is a resident with a child profile (one, whatever the number of classes): school and
grade, allergies and medical notes (seen only with CHILD_MEDICAL_VIEW), the adults who may collect
the child (guardians — residents with a family link to the child — and others, each with a phone;
phones seen only with CHILD_CONTACTS_VIEW) and, only with a guardian's consent, "may go home
alone". A child under 14 needs a guardian's consent for after-school classes in force
(services/privacy.py, purpose "after_school").

A full class puts a child on its waiting list (in the order asked); a place that frees is offered
to the first waiting child and staff confirm or pass; an administrator can enrol beyond capacity
with a reason. At each session the desk marks children present (scan or click), absent, or on
leave, and signs each one out to an adult on the list (a pick-up card `NDP:<code>` scanned does it
in one step), to someone else (name, phone, relation and the staff member's reason: audited and
counted), or home alone where allowed; a sign-out after the end time plus the grace period is late.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _, format_date, format_number, ngettext
from app.models import (ChildProfile, ClassAttendance, ClassType, Consent, Enrolment, FamilyLink, PickupPerson,
                        Resident, SchoolClass, SessionChange, Setting, Staff)
from app.services import access, audit, choices, privacy
from app.services.calendar import calendar_in
from app.services.fields import Field
from app.services.member_codes import code_from_scan, new_member_code
from app.services.residents import age_on
from app.services.validators import InvalidValue, clean_id_number, mask_phone, normalise_phone, normalise_text

# -- vocabularies ---------------------------------------------------------------------------

WAITING, OFFERED, ENROLLED, PASSED, WITHDRAWN = "waiting", "offered", "enrolled", "passed", "withdrawn"
ENROLMENT_STATUSES: dict[str, str] = {
    WAITING: N_("Waiting"),            # 候补
    OFFERED: N_("Place offered"),      # 待确认
    ENROLLED: N_("Enrolled"),          # 在读
    PASSED: N_("Passed over"),         # 放弃
    WITHDRAWN: N_("Withdrawn"),        # 退班
}
HOLDING_PLACE = (OFFERED, ENROLLED)    # statuses that take one of the class's places

PRESENT, ABSENT, LEAVE = "present", "absent", "leave"
ATTENDANCE_STATUSES: dict[str, str] = {
    PRESENT: N_("Present"),            # 出勤
    ABSENT: N_("Absent"),              # 缺勤
    LEAVE: N_("On leave"),             # 请假
}

# School grades: 0 kindergarten, 1-6 primary, 7-9 junior middle, 10-12 senior middle.
GRADES: dict[int, str] = {
    0: N_("Kindergarten"),             # 幼儿园
    1: N_("Grade 1"), 2: N_("Grade 2"), 3: N_("Grade 3"),            # 一年级 …
    4: N_("Grade 4"), 5: N_("Grade 5"), 6: N_("Grade 6"),
    7: N_("Grade 7"), 8: N_("Grade 8"), 9: N_("Grade 9"),            # 初一 … 初三
    10: N_("Senior grade 1"), 11: N_("Senior grade 2"), 12: N_("Senior grade 3"),  # 高一 … 高三
}

# The class types shipped (an editable list: Settings → Class types).
DEFAULT_CLASS_TYPES: list[str] = [
    N_("After-school care (4:30 class)"),  # 四点半课堂
    N_("Summer day camp"),                 # 暑托班
    N_("Interest class"),                  # 兴趣班
    N_("Weekend class"),                   # 周末班
]

CONSENT_PURPOSE = "after_school"       # privacy.PURPOSES: a guardian's consent, needed under 14
CONSENT_AGE = 14                       # PIPL art. 31: under 14, a guardian consents
GRACE_KEY = "afterschool.grace_minutes"  # setting: minutes after the end time before a pick-up is late
DEFAULT_GRACE_MINUTES = 15
LATE_LIMIT_KEY = "afterschool.late_limit"  # setting: late pick-ups in a term that put the place at risk
DEFAULT_LATE_LIMIT = 3
PICKUP_CARD_PREFIX = "NDP:"            # a pick-up card's (接送卡) QR code: NDP:<code>
REPEAT_SECONDS = 60                    # a second scan of the same card within this is the same scan

# What a scan did (ScanResult.outcome).
SIGNED_IN, SIGNED_OUT, IGNORED, REFUSED = "signed_in", "signed_out", "ignored", "refused"


# -- what the form supplies -------------------------------------------------------------------

@dataclass
class ClassInput:
    name: str = ""
    type_id: int | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    weekdays: frozenset[int] = frozenset(range(5))  # 0 Monday … 6 Sunday
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    room: str = ""
    capacity: int = 0
    teacher_staff_id: int | None = None
    teacher_resident_id: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    grade_min: int | None = None
    grade_max: int | None = None
    fee_fen: int = 0
    note: str = ""


@dataclass(frozen=True)
class PickupInput:
    """An adult who may collect the child: a resident (`relative_id`; a blank name or phone is
    taken from the registry) or a name, phone and relation. `guardian` needs a resident; the
    family link to the child is made if there is none. `id` keeps an existing entry (its card)."""

    relative_id: int | None = None
    name: str = ""
    phone: str = ""
    relation: str = ""
    guardian: bool = False
    id: int | None = None


@dataclass(frozen=True)
class ConsentInput:
    """A guardian's consent given at the desk (知情同意书), recorded with the child's profile."""

    given_by: str = ""
    given_by_resident_id: int | None = None
    method: str = "written"           # privacy.METHODS
    given_on: dt.date | None = None


@dataclass
class ChildInput:
    """The child-profile form. `medical_notes=None` keeps the stored notes (a desk that may not
    see them never overwrites them)."""

    resident_id: int | None = None
    school: str = ""
    grade: int | None = None
    allergies: str = ""
    medical_notes: str | None = None
    may_go_home_alone: bool = False
    alone_consent_by: str = ""        # the guardian who agreed (a guardian's name)
    alone_consent_on: dt.date | None = None
    pickup: list[PickupInput] = field(default_factory=list)
    consent: ConsentInput | None = None  # needed under 14 unless a consent is already in force


@dataclass(frozen=True)
class UnlistedPickup:
    """Someone not on the child's list collects the child: all four are required."""

    name: str = ""
    phone: str = ""
    relation: str = ""
    reason: str = ""                  # the staff member's reason (e.g. "called the mother, she agreed")


# -- what the tab shows -------------------------------------------------------------------------

def _label(table: dict, key) -> str:
    return _(table[key]) if key in table else ("" if key is None else str(key))


ChoiceRow = choices.ChoiceRow  # a class type


@dataclass
class ClassRow:
    """A class as lists show it; `enrolled`, `offered`, `waiting` count its enrolments now."""

    id: int
    name: str
    type_id: int
    type_name: str
    term_start: dt.date
    term_end: dt.date
    weekdays: frozenset[int]
    start_time: dt.time
    end_time: dt.time
    room: str
    capacity: int
    teacher_staff_id: int | None
    teacher_resident_id: int | None
    teacher: str                      # the teacher's display name, or ""
    age_min: int | None
    age_max: int | None
    grade_min: int | None
    grade_max: int | None
    fee_fen: int
    note: str
    active: bool
    enrolled: int = 0
    offered: int = 0
    waiting: int = 0

    @property
    def free_places(self) -> int:
        return max(0, self.capacity - self.enrolled - self.offered)


@dataclass(frozen=True)
class Session:
    """One session of a class: scheduled (or `added`), possibly `cancelled` with a reason."""

    class_id: int
    day: dt.date
    start_time: dt.time
    end_time: dt.time
    cancelled: bool = False
    reason: str = ""
    added: bool = False


@dataclass
class PickupRow:
    """An adult on a child's list; `phone` is masked unless the reader may see it."""

    id: int
    relative_id: int | None
    name: str
    phone: str
    relation: str
    guardian: bool
    card_code: str | None
    active: bool


@dataclass
class ChildInfo:
    """A child's profile as the tab shows it. `medical_notes` is None when the reader may not see
    them; `consent_in_force`: a guardian's after-school consent is in force today."""

    resident_id: int
    name: str
    birth_date: dt.date | None
    age: int | None
    school: str
    grade: int | None
    allergies: str
    medical_notes: str | None
    may_go_home_alone: bool
    alone_consent_by: str
    alone_consent_on: dt.date | None
    pickup: list[PickupRow]
    consent_in_force: bool
    classes: list[str]                # the classes the child is enrolled in or waiting for, with status

    @property
    def grade_text(self) -> str:
        return _label(GRADES, self.grade)


@dataclass
class EnrolResult:
    enrolment_id: int
    status: str                       # ENROLLED or WAITING
    position: int | None              # on the waiting list, 1-based


@dataclass
class EnrolmentRow:
    """A child on a class's list (enrolled, offered a place, or waiting at `position`)."""

    id: int
    class_id: int
    resident_id: int
    name: str
    age: int | None
    grade: int | None
    school: str
    status: str
    position: int | None
    requested_at: dt.datetime
    offered_at: dt.datetime | None
    enrolled_on: dt.date | None
    left_on: dt.date | None
    left_reason: str
    over_capacity_reason: str
    out_of_range_reason: str
    has_alerts: bool                  # allergies or medical notes on file (their text needs the permission)

    @property
    def status_text(self) -> str:
        return _label(ENROLMENT_STATUSES, self.status)

    @property
    def grade_text(self) -> str:
        return _label(GRADES, self.grade)


@dataclass
class SessionChild:
    """A child enrolled in a session's class, and what happened at this session so far."""

    resident_id: int
    name: str
    age: int | None
    grade: int | None
    status: str | None                # None: not marked yet
    reason: str
    signed_in_at: dt.datetime | None
    signed_out_at: dt.datetime | None
    picked_up_by: str                 # "name (relation)", "went home alone", or ""
    unlisted: bool
    late: bool
    went_home_alone: bool
    may_go_home_alone: bool
    allergies: str | None             # None: the reader may not see them
    pickup: list[PickupRow]           # active adults on the list (phones masked without permission)
    late_count: int                   # late pick-ups this term, in this class

    @property
    def status_text(self) -> str:
        return _label(ATTENDANCE_STATUSES, self.status)

    @property
    def waiting_to_go(self) -> bool:
        return self.status == PRESENT and self.signed_out_at is None


@dataclass
class SessionView:
    """A class's session on a day: the session (None when the class has none that day) and its
    children (enrolled on that day)."""

    class_row: ClassRow
    day: dt.date
    session: Session | None
    children: list[SessionChild]

    @property
    def present(self) -> int:
        return sum(c.status == PRESENT for c in self.children)


@dataclass
class ScanResult:
    outcome: str                      # SIGNED_IN, SIGNED_OUT, IGNORED, REFUSED
    message: str                      # what to show, translated
    resident_ids: list[int] = field(default_factory=list)  # the children concerned
    class_id: int | None = None       # the class acted on (a child's card may sign in to another class)


@dataclass
class SignOutResult:
    late: bool
    late_count: int                   # late pick-ups of this child in this class this term
    warning: str = ""                 # e.g. the late limit reached, translated ("" when none)


@dataclass
class StillHere:
    """A child signed in and not signed out (the end-of-day view), with the guardians to call."""

    class_id: int
    class_name: str
    resident_id: int
    name: str
    signed_in_at: dt.datetime
    end_time: dt.time
    overdue: bool                     # past the end time plus the grace period
    guardians: list[PickupRow]        # phones masked without CHILD_CONTACTS_VIEW


@dataclass
class UnlistedLine:
    day: dt.date
    class_name: str
    child: str
    collected_by: str                 # "name (relation)"
    reason: str


@dataclass
class AfterSchoolFigures:
    """After-school figures for a date range (inclusive).

    classes_by_type: classes with a session in the range, per class type name; children: distinct
    children enrolled at any time in the range; person_times (人次): children present at sessions;
    sessions_held / sessions_cancelled: in the range, up to today; late_pickups; unlisted: the
    pick-ups by someone not on the list, with reasons; waiting: children on waiting lists on
    `date_to` (or now, for a range ending later)."""

    date_from: dt.date
    date_to: dt.date
    classes_by_type: dict[str, int]
    children: int
    person_times: int
    sessions_held: int
    sessions_cancelled: int
    late_pickups: int
    unlisted: list[UnlistedLine]
    waiting: int

    @property
    def unlisted_pickups(self) -> int:
        return len(self.unlisted)


# -- the audit trail's words (services/audit.py ENTITIES / ENTITY_FIELDS) ----------------------

def _weekdays_text(value, _lookup=None) -> str:
    names = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
    days = _days_of(int(value)) if _is_int(value) else frozenset()
    return "、".join(_(names[d]) for d in sorted(days)) or "—"


def _grade_text(value, _lookup=None) -> str:
    return _label(GRADES, value)


def _yuan(fen, _lookup=None) -> str:
    from app.services.daycare import format_money

    return format_money(int(fen))


CHOICE_FIELDS = choices.choice_fields()
CLASS_FIELDS: dict[str, Field] = {
    "name": Field(N_("Class")),
    "type_id": Field(N_("Kind of class"), ref="class_type"),
    "term_start": Field(N_("Term starts"), kind="date"),
    "term_end": Field(N_("Term ends"), kind="date"),
    "weekdays": Field(N_("Days of the week"), show=_weekdays_text),
    "start_time": Field(N_("Starts at")),
    "end_time": Field(N_("Ends at")),
    "room": Field(N_("Room")),
    "capacity": Field(N_("Places"), kind="number"),
    "teacher_staff_id": Field(N_("Teacher (staff)"), ref="staff"),
    "teacher_resident_id": Field(N_("Teacher (volunteer)"), ref="resident"),
    "age_min": Field(N_("Youngest age"), kind="number"),
    "age_max": Field(N_("Oldest age"), kind="number"),
    "grade_min": Field(N_("Lowest grade"), show=_grade_text),
    "grade_max": Field(N_("Highest grade"), show=_grade_text),
    "fee_fen": Field(N_("Fee (yuan)"), show=_yuan),
    "note": Field(N_("Note")),
    "active": Field(N_("In use"), kind="bool"),
}
SESSION_FIELDS: dict[str, Field] = {
    "day": Field(N_("Day"), kind="date"),
    "cancelled": Field(N_("Cancelled"), kind="bool"),
    "reason": Field(N_("Reason given")),  # not "Reason": that is 错误原因 (rejects)
    "start_time": Field(N_("Starts at")),
    "end_time": Field(N_("Ends at")),
}
CHILD_FIELDS: dict[str, Field] = {
    "school": Field(N_("School")),
    "grade": Field(N_("Grade"), show=_grade_text),
    "allergies": Field(N_("Allergies")),
    "medical_notes": Field(N_("Medical notes")),
    "may_go_home_alone": Field(N_("May go home alone"), kind="bool"),
    "alone_consent_by": Field(N_("Agreed by (guardian)")),
    "alone_consent_on": Field(N_("Agreed on"), kind="date"),
    "pickup": Field(N_("Who may collect the child")),
}
ENROLMENT_FIELDS: dict[str, Field] = {
    "status": Field(N_("Status"), codes=ENROLMENT_STATUSES),
    "enrolled_on": Field(N_("In the class since"), kind="date"),  # day care's is 入托
    "left_on": Field(N_("Left on"), kind="date"),
    "left_reason": Field(N_("Reason for leaving")),
    "over_capacity_reason": Field(N_("Reason for enrolling beyond capacity")),
    "out_of_range_reason": Field(N_("Reason for enrolling outside the age or grade range")),
}
ATTENDANCE_FIELDS: dict[str, Field] = {
    "status": Field(N_("Attendance"), codes=ATTENDANCE_STATUSES),
    "reason": Field(N_("Reason given")),  # not "Reason": that is 错误原因 (rejects)
    "signed_in_at": Field(N_("Signed in")),
    "signed_out_at": Field(N_("Signed out")),
    "picked_up_by": Field(N_("Collected by")),
    "picked_up_by_phone": Field(N_("Phone of the person collecting")),
    "late": Field(N_("Late pick-up"), kind="bool"),
    "unlisted": Field(N_("Not on the pick-up list"), kind="bool"),
    "unlisted_reason": Field(N_("Why they could collect the child")),
}


# -- shared helpers -------------------------------------------------------------------------

NAME_MAX, CLASS_NAME_MAX, ROOM_MAX, SCHOOL_MAX, RELATION_MAX, REASON_MAX = 50, 60, 50, 100, 20, 200
CLASS_TYPES = choices.ChoiceList(ClassType, "class_type", access.AFTERSCHOOL_CLASSES)
CAPACITY_MAX = 500
AGE_MAX = 18
GRACE_MAX = 180
LATE_LIMIT_MIN, LATE_LIMIT_MAX = 1, 20


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _mask_of(weekdays) -> int:
    return sum(1 << d for d in set(weekdays))


def _days_of(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def _time(at: dt.datetime | None) -> str:
    return at.strftime("%H:%M") if at is not None else ""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _resident(s, resident_id: int) -> Resident:
    resident = s.get(Resident, resident_id) if resident_id is not None else None
    if resident is None:
        raise NotFoundError(_("The chosen resident no longer exists."))
    return resident


def _class(s, class_id: int) -> SchoolClass:
    c = s.get(SchoolClass, class_id) if class_id is not None else None
    if c is None:
        raise NotFoundError(_("That class no longer exists."))
    return c


def _int_setting(s, key: str, default: int) -> int:
    row = s.get(Setting, key)
    try:
        return int(row.value) if row is not None and row.value else default
    except ValueError:
        return default


def _set_int_setting(db: Database, key: str, value, low: int, high: int, field_name: str, message: str,
                     actor: access.Actor) -> int:
    if isinstance(value, str):
        try:
            value = int(normalise_text(value).strip())
        except ValueError:
            value = None
    if not _is_int(value) or not low <= value <= high:
        raise ValidationError({field_name: message})
    with db.session() as s:
        row = s.get(Setting, key)
        old = row.value if row is not None else None
        if old != str(value):
            s.merge(Setting(key=key, value=str(value)))
            audit.record(s, actor, "settings", "setting", None, key, audit.diff({key: old}, {key: str(value)}))
    return value


# -- settings (Settings → After-school) -----------------------------------------------------

def grace_minutes(db: Database) -> int:
    """Minutes after a session's end time before a pick-up counts as late (default 15)."""
    with db.session() as s:
        return _int_setting(s, GRACE_KEY, DEFAULT_GRACE_MINUTES)


def set_grace_minutes(db: Database, minutes: int, *, actor: access.Actor) -> int:
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    return _set_int_setting(db, GRACE_KEY, minutes, 0, GRACE_MAX, "grace_minutes",
                            _("Please enter the minutes of grace (0 to {n}).").format(n=GRACE_MAX), actor)


def late_limit(db: Database) -> int:
    """Late pick-ups of a child in a class's term that bring a warning (default 3)."""
    with db.session() as s:
        return _int_setting(s, LATE_LIMIT_KEY, DEFAULT_LATE_LIMIT)


def set_late_limit(db: Database, n: int, *, actor: access.Actor) -> int:
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    return _set_int_setting(db, LATE_LIMIT_KEY, n, LATE_LIMIT_MIN, LATE_LIMIT_MAX, "late_limit",
                            _("Please enter a number of late pick-ups from {low} to {high}.").format(
                                low=LATE_LIMIT_MIN, high=LATE_LIMIT_MAX), actor)


# -- class types (services/choices.py) ------------------------------------------------------

def list_choices(db: Database, *, include_inactive: bool = False) -> list[ChoiceRow]:
    """The class types in their order."""
    return choices.list_choices(db, CLASS_TYPES, include_inactive=include_inactive)


def add_choice(db: Database, name: str, *, actor: access.Actor) -> int:
    return choices.add_choice(db, CLASS_TYPES, name, actor=actor)


def rename_choice(db: Database, choice_id: int, name: str, *, actor: access.Actor) -> None:
    choices.rename_choice(db, CLASS_TYPES, choice_id, name, actor=actor)


def set_choice_active(db: Database, choice_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire a class type (its classes keep it) or bring it back."""
    choices.set_choice_active(db, CLASS_TYPES, choice_id, active, actor=actor)


def seed(db: Database, *, actor: access.Actor) -> int:
    """The default class types, in the current language, when the list is empty; how many were added."""
    return choices.seed(db, [(CLASS_TYPES, [{"name": _(msgid)} for msgid in DEFAULT_CLASS_TYPES])], actor=actor)


# -- classes --------------------------------------------------------------------------------

def _range_errors(low, high, lowest: int, highest: int, low_key: str, high_key: str, message: str,
                  errors: dict) -> None:
    for key, value in ((low_key, low), (high_key, high)):
        if value is not None and (not _is_int(value) or not lowest <= value <= highest):
            errors[key] = message
    if low_key not in errors and high_key not in errors and low is not None and high is not None and low > high:
        errors[high_key] = _("The upper limit is below the lower one.")


def _validate_class(s, data: ClassInput, own: SchoolClass | None) -> dict:
    errors: dict[str, str] = {}
    name = _clean(data.name)
    if not name:
        errors["name"] = _("Please enter the class's name.")
    elif len(name) > CLASS_NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=CLASS_NAME_MAX)
    else:
        other = s.scalar(select(SchoolClass.id).where(SchoolClass.name == name))
        if other is not None and (own is None or other != own.id):
            errors["name"] = _("There is already a class called “{name}”.").format(name=name)
    kind = s.get(ClassType, data.type_id) if data.type_id is not None else None
    if kind is None or (not kind.active and (own is None or own.type_id != data.type_id)):
        errors["type_id"] = _("Please choose the kind of class.")
    if data.term_start is None:
        errors["term_start"] = _("Please enter the first day of the term.")
    if data.term_end is None:
        errors["term_end"] = _("Please enter the last day of the term.")
    elif data.term_start is not None and data.term_end < data.term_start:
        errors["term_end"] = _("The term ends before it starts.")
    weekdays = set(data.weekdays or ())
    if not weekdays or not weekdays <= set(range(7)):
        errors["weekdays"] = _("Please choose the days of the week the class meets.")
    if data.start_time is None:
        errors["start_time"] = _("Please enter the time the class starts.")
    if data.end_time is None:
        errors["end_time"] = _("Please enter the time the class ends.")
    elif data.start_time is not None and data.end_time <= data.start_time:
        errors["end_time"] = _("The class ends before it starts.")
    if not _is_int(data.capacity) or not 1 <= data.capacity <= CAPACITY_MAX:
        errors["capacity"] = _("Please enter the number of places (1 to {n}).").format(n=CAPACITY_MAX)
    _range_errors(data.age_min, data.age_max, 0, AGE_MAX, "age_min", "age_max",
                  _("Please enter an age from 0 to {n}.").format(n=AGE_MAX), errors)
    _range_errors(data.grade_min, data.grade_max, min(GRADES), max(GRADES), "grade_min", "grade_max",
                  _("Please choose a grade from the list."), errors)
    if not _is_int(data.fee_fen) or data.fee_fen < 0:
        errors["fee_fen"] = _("Please enter the fee (0 or more).")
    if data.teacher_staff_id is not None and data.teacher_resident_id is not None:
        errors["teacher"] = _("Please choose either a staff member or a volunteer as the teacher, not both.")
    elif data.teacher_staff_id is not None and s.get(Staff, data.teacher_staff_id) is None:
        errors["teacher"] = _("The chosen staff member no longer exists.")
    elif data.teacher_resident_id is not None and s.get(Resident, data.teacher_resident_id) is None:
        errors["teacher"] = _("The chosen resident no longer exists.")
    room, note = _clean(data.room), (data.note or "").strip()
    if len(room) > ROOM_MAX:
        errors["room"] = _("Too long (at most {n} characters).").format(n=ROOM_MAX)
    if errors:
        raise ValidationError(errors)
    return {"name": name, "type_id": data.type_id, "term_start": data.term_start, "term_end": data.term_end,
            "weekdays": _mask_of(weekdays), "start_time": data.start_time.replace(second=0, microsecond=0),
            "end_time": data.end_time.replace(second=0, microsecond=0), "room": room, "capacity": data.capacity,
            "teacher_staff_id": data.teacher_staff_id, "teacher_resident_id": data.teacher_resident_id,
            "age_min": data.age_min, "age_max": data.age_max, "grade_min": data.grade_min,
            "grade_max": data.grade_max, "fee_fen": data.fee_fen, "note": note}


def _class_audit(values: dict) -> dict:
    out = dict(values)
    for key in ("start_time", "end_time"):
        if out.get(key) is not None:
            out[key] = out[key].strftime("%H:%M")
    return out


CLASS_KEYS = ("name", "type_id", "term_start", "term_end", "weekdays", "start_time", "end_time", "room", "capacity",
              "teacher_staff_id", "teacher_resident_id", "age_min", "age_max", "grade_min", "grade_max", "fee_fen",
              "note")


def add_class(db: Database, data: ClassInput, *, actor: access.Actor) -> int:
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    with db.session() as s:
        values = _validate_class(s, data, None)
        now = dt.datetime.now()
        c = SchoolClass(active=True, created_at=now, updated_at=now, **values)
        s.add(c)
        s.flush()
        audit.record(s, actor, "create", "afterschool_class", c.id, c.name, audit.diff({}, _class_audit(values)))
        return c.id


def update_class(db: Database, class_id: int, data: ClassInput, *, actor: access.Actor) -> None:
    """Change a class; more places offer the freed ones to the waiting list."""
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    with db.session() as s:
        c = _class(s, class_id)
        values = _validate_class(s, data, c)
        before = {k: getattr(c, k) for k in CLASS_KEYS}
        for key, value in values.items():
            setattr(c, key, value)
        c.updated_at = dt.datetime.now()
        audit.record(s, actor, "update", "afterschool_class", c.id, c.name,
                     audit.diff(_class_audit(before), _class_audit(values)))
        s.flush()
        _offer_places(s, c, actor)


def set_class_active(db: Database, class_id: int, active: bool, *, actor: access.Actor) -> None:
    """Archive a class (kept for the figures) or restore it."""
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    with db.session() as s:
        c = _class(s, class_id)
        if c.active == bool(active):
            return
        c.active = bool(active)
        c.updated_at = dt.datetime.now()
        audit.record(s, actor, "reactivate" if active else "deactivate", "afterschool_class", c.id, c.name,
                     audit.diff({"active": not active}, {"active": bool(active)}))


def _teacher_names(s, classes) -> dict[int, str]:
    staff_ids = {c.teacher_staff_id for c in classes if c.teacher_staff_id is not None}
    resident_ids = {c.teacher_resident_id for c in classes if c.teacher_resident_id is not None}
    staff = {i: d or u for i, d, u in s.execute(select(Staff.id, Staff.display_name, Staff.username)
                                                 .where(Staff.id.in_(staff_ids)))} if staff_ids else {}
    people = dict(s.execute(select(Resident.id, Resident.name).where(Resident.id.in_(resident_ids)))
                  .all()) if resident_ids else {}
    return {c.id: staff.get(c.teacher_staff_id) or people.get(c.teacher_resident_id) or "" for c in classes}


def _class_rows(s, where=()) -> list[ClassRow]:
    found = list(s.execute(select(SchoolClass, ClassType.name, ClassType.sort_order)
                           .join(ClassType, ClassType.id == SchoolClass.type_id).where(*where)))
    classes = [c for c, _n, _o in found]
    counts: dict[tuple[int, str], int] = {}
    if classes:
        counts = {(cid, status): n for cid, status, n in s.execute(
            select(Enrolment.class_id, Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.class_id.in_([c.id for c in classes]),
                   Enrolment.status.in_((WAITING, OFFERED, ENROLLED)))
            .group_by(Enrolment.class_id, Enrolment.status))}
    teachers = _teacher_names(s, classes)
    rows = []
    for c, type_name, _order in sorted(found, key=lambda t: (t[2], t[0].type_id, t[0].name, t[0].id)):
        rows.append(ClassRow(c.id, c.name, c.type_id, type_name, c.term_start, c.term_end, _days_of(c.weekdays),
                             c.start_time, c.end_time, c.room, c.capacity, c.teacher_staff_id,
                             c.teacher_resident_id, teachers.get(c.id, ""), c.age_min, c.age_max, c.grade_min,
                             c.grade_max, c.fee_fen, c.note, c.active, counts.get((c.id, ENROLLED), 0),
                             counts.get((c.id, OFFERED), 0), counts.get((c.id, WAITING), 0)))
    return rows


def list_classes(db: Database, *, include_inactive: bool = False) -> list[ClassRow]:
    """The classes with their enrolled, offered and waiting counts, by kind then name."""
    with db.session() as s:
        return _class_rows(s, () if include_inactive else (SchoolClass.active.is_(True),))


def get_class(db: Database, class_id: int) -> ClassRow:
    with db.session() as s:
        rows = _class_rows(s, (SchoolClass.id == class_id,))
    if not rows:
        raise NotFoundError(_("That class no longer exists."))
    return rows[0]


def find_class(db: Database, name: str) -> ClassRow:
    """The class of that exact name (the command line's --class)."""
    with db.session() as s:
        rows = _class_rows(s, (SchoolClass.name == _clean(name),))
    if not rows:
        raise NotFoundError(_("No class is called “{name}”.").format(name=_clean(name)))
    return rows[0]


# -- sessions -------------------------------------------------------------------------------

def _scheduled(c: SchoolClass, day: dt.date, holidays: set[dt.date]) -> bool:
    return (c.term_start <= day <= c.term_end and bool(c.weekdays & (1 << day.weekday()))
            and day not in holidays)


def _session_of(c: SchoolClass, day: dt.date, change: SessionChange | None, holidays: set[dt.date]) -> Session | None:
    """The class's session on `day` (cancelled ones too), from the schedule and that day's change."""
    if _scheduled(c, day, holidays):
        if change is not None and change.start_time is not None:  # an added session on a day now scheduled
            return Session(c.id, day, change.start_time, change.end_time or c.end_time, change.cancelled,
                           change.reason if change.cancelled else "", True)
        cancelled = change is not None and change.cancelled
        return Session(c.id, day, c.start_time, c.end_time, cancelled, change.reason if cancelled else "")
    if change is not None and change.start_time is not None:  # an added session (stored with its times)
        return Session(c.id, day, change.start_time, change.end_time or c.end_time, change.cancelled,
                       change.reason if change.cancelled else "", True)
    return None


def _sessions(s, c: SchoolClass, date_from: dt.date, date_to: dt.date, holidays: set[dt.date] | None = None
              ) -> list[Session]:
    if holidays is None:
        holidays = calendar_in(s).holidays
    changes = {ch.day: ch for ch in s.scalars(select(SessionChange).where(
        SessionChange.class_id == c.id, SessionChange.day >= date_from, SessionChange.day <= date_to))}
    out = []
    day, last = max(date_from, c.term_start), min(date_to, c.term_end)
    while day <= last:
        found = _session_of(c, day, changes.get(day), holidays)
        if found is not None:
            out.append(found)
        day += dt.timedelta(days=1)
    out += [found for d, ch in changes.items() if not c.term_start <= d <= c.term_end
            for found in [_session_of(c, d, ch, holidays)] if found is not None]
    return sorted(out, key=lambda x: x.day)


def _session_on(s, c: SchoolClass, day: dt.date) -> Session | None:
    change = s.scalar(select(SessionChange).where(SessionChange.class_id == c.id, SessionChange.day == day))
    return _session_of(c, day, change, calendar_in(s).holidays)


def sessions(db: Database, class_id: int, date_from: dt.date, date_to: dt.date) -> list[Session]:
    """The class's sessions in the range (cancelled ones with cancelled=True), by day."""
    with db.session() as s:
        return _sessions(s, _class(s, class_id), date_from, date_to)


def session_on(db: Database, class_id: int, day: dt.date) -> Session | None:
    with db.session() as s:
        return _session_on(s, _class(s, class_id), day)


def _session_label(c: SchoolClass, day: dt.date) -> str:
    return "{} {}".format(c.name, day.isoformat())


def cancel_session(db: Database, class_id: int, day: dt.date, reason: str, *, actor: access.Actor) -> None:
    """Cancel one session (a reason is required; not once attendance is recorded)."""
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    reason = _clean(reason)[:REASON_MAX]
    with db.session() as s:
        c = _class(s, class_id)
        session = _session_on(s, c, day)
        if not reason:
            raise ValidationError({"reason": _("Please give the reason for cancelling the session.")})
        if session is None or session.cancelled:
            raise ValidationError({"day": _("There is no session of {name} on {date}.").format(
                name=c.name, date=format_date(day))})
        if s.scalar(select(func.count(ClassAttendance.id)).where(ClassAttendance.class_id == class_id,
                                                                  ClassAttendance.day == day)):
            raise ValidationError({"day": _("Attendance is already recorded for that session; it cannot be "
                                            "cancelled.")})
        change = s.scalar(select(SessionChange).where(SessionChange.class_id == class_id, SessionChange.day == day))
        if change is None:
            change = SessionChange(class_id=class_id, day=day, created_at=dt.datetime.now(),
                                   created_by=actor.name[:50])
            s.add(change)
        change.cancelled, change.reason = True, reason
        s.flush()
        audit.record(s, actor, "update", "afterschool_session", change.id, _session_label(c, day),
                     audit.diff({}, {"day": day, "cancelled": True, "reason": reason}))


def add_session(db: Database, class_id: int, day: dt.date, *, actor: access.Actor,
                start_time: dt.time | None = None, end_time: dt.time | None = None, reason: str = "") -> None:
    """A session outside the schedule, within the term; a cancelled session is restored instead."""
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    with db.session() as s:
        c = _class(s, class_id)
        if day is None or not c.term_start <= day <= c.term_end:
            raise ValidationError({"day": _("The day is outside the class's term ({start}–{end}).").format(
                start=format_date(c.term_start), end=format_date(c.term_end))})
        session = _session_on(s, c, day)
        if session is not None and not session.cancelled:
            raise ValidationError({"day": _("{name} already has a session on {date}.").format(
                name=c.name, date=format_date(day))})
        if session is not None:
            _restore(s, c, day, actor)
            return
        start, end = start_time or c.start_time, end_time or c.end_time
        if end <= start:
            raise ValidationError({"end_time": _("The class ends before it starts.")})
        change = s.scalar(select(SessionChange).where(SessionChange.class_id == class_id, SessionChange.day == day))
        if change is None:  # a left-over cancellation of a day no longer scheduled is reused
            change = SessionChange(class_id=class_id, day=day, created_at=dt.datetime.now(),
                                   created_by=actor.name[:50])
            s.add(change)
        change.cancelled, change.reason = False, _clean(reason)[:REASON_MAX]
        change.start_time, change.end_time = start, end
        s.flush()
        audit.record(s, actor, "create", "afterschool_session", change.id, _session_label(c, day),
                     audit.diff({}, {"day": day, "start_time": start.strftime("%H:%M"),
                                     "end_time": end.strftime("%H:%M"), "reason": change.reason}))


def _restore(s, c: SchoolClass, day: dt.date, actor: access.Actor) -> None:
    change = s.scalar(select(SessionChange).where(SessionChange.class_id == c.id, SessionChange.day == day))
    if change is None or not change.cancelled:
        raise ValidationError({"day": _("The session of {name} on {date} is not cancelled.").format(
            name=c.name, date=format_date(day))})
    audit.record(s, actor, "update", "afterschool_session", change.id, _session_label(c, day),
                 audit.diff({"cancelled": True, "reason": change.reason}, {"cancelled": False}))
    if change.start_time is None:  # a scheduled session: the schedule alone says it again
        s.delete(change)
    else:
        change.cancelled, change.reason = False, ""


def restore_session(db: Database, class_id: int, day: dt.date, *, actor: access.Actor) -> None:
    """Undo a cancellation."""
    access.require(actor, access.AFTERSCHOOL_CLASSES)
    with db.session() as s:
        c = _class(s, class_id)
        _restore(s, c, day, actor)


# -- children -------------------------------------------------------------------------------

def _consent_in_force(s, resident_id: int, on: dt.date) -> bool:
    return bool(s.scalar(select(func.count(Consent.id)).where(
        Consent.resident_id == resident_id, Consent.purpose == CONSENT_PURPOSE, Consent.given_on <= on,
        or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > on))))


def _needs_consent(birth: dt.date | None, on: dt.date) -> bool:
    age = age_on(birth, on)
    return age is None or age < CONSENT_AGE


def _with_relation(name: str, relation: str) -> str:
    # Full-width brackets in Chinese ("张阿姨（邻居）"), as on the sign-out buttons.
    return _("{name} ({relation})").format(name=name, relation=relation) if relation else name


def _pickups_text(entries) -> str:
    """For the trail: names and relations, never phones."""
    return "；".join(_with_relation(e.name, e.relation) for e in entries)


def _validate_pickups(s, data: ChildInput, child: Resident, own: ChildProfile | None,
                      errors: dict) -> list[tuple[PickupInput, str, str, str]]:
    """(entry, name, phone, relation) of each pick-up entry, checked."""
    out = []
    known = set(s.scalars(select(PickupPerson.id).where(PickupPerson.child_id == own.id))) if own else set()
    for number, p in enumerate(data.pickup or [], start=1):
        relation = _clean(p.relation)[:RELATION_MAX]
        name, raw_phone = _clean(p.name), (p.phone or "").strip()
        if p.id is not None and p.id not in known:
            errors["pickup"] = _("Pick-up person {n}: that entry no longer exists.").format(n=number)
            continue
        if p.relative_id is not None:
            relative = s.get(Resident, p.relative_id)
            if relative is None:
                errors["pickup"] = _("Pick-up person {n}: the chosen resident no longer exists.").format(n=number)
                continue
            if relative.id == child.id:
                errors["pickup"] = _("Pick-up person {n}: a child cannot collect themselves.").format(n=number)
                continue
            name = name or relative.name
            raw_phone = raw_phone or relative.phone
        elif p.guardian:
            errors["pickup"] = _("Pick-up person {n}: a guardian must be chosen from the registry.").format(
                n=number)
            continue
        if not name:
            errors["pickup"] = _("Pick-up person {n}: please enter a name.").format(n=number)
            continue
        if len(name) > NAME_MAX:
            errors["pickup"] = _("Pick-up person {n}: the name is too long (at most {max} characters).").format(
                n=number, max=NAME_MAX)
            continue
        if not raw_phone:
            errors["pickup"] = _("Pick-up person {n}: please enter a phone number.").format(n=number)
            continue
        try:
            phone = normalise_phone(raw_phone)
        except InvalidValue as exc:
            errors["pickup"] = _("Pick-up person {n}: {problem}").format(n=number, problem=exc.message)
            continue
        out.append((p, name, phone, relation))
    if "pickup" not in errors and not any(p.guardian for p, *_rest in out):
        errors["pickup"] = _("Please enter at least one guardian (a resident from the registry).")
    return out


def _unused_card(s, taken: set[str]) -> str:
    while True:
        code = new_member_code()
        if code not in taken and s.scalar(select(PickupPerson.id).where(PickupPerson.card_code == code)) is None:
            taken.add(code)
            return code


def _link_guardian(s, actor: access.Actor, child: Resident, guardian_id: int) -> None:
    """The family link child → guardian, when the two have none."""
    from app.services.residents import _audit_links, _pair  # the residents' own link helpers

    if s.scalar(select(func.count(FamilyLink.id)).where(_pair(child.id, guardian_id))):
        return
    s.add(FamilyLink(resident_id=child.id, relative_id=guardian_id, relation="guardian", note=""))
    s.add(FamilyLink(resident_id=guardian_id, relative_id=child.id, relation="ward", note=""))
    _audit_links(s, actor, child, s.get(Resident, guardian_id), {}, {child.id: "guardian", guardian_id: "ward"})


def _child_audit(s, p: ChildProfile) -> dict:
    values = {k: getattr(p, k) for k in ("school", "grade", "allergies", "medical_notes", "may_go_home_alone",
                                         "alone_consent_by", "alone_consent_on")}
    values["pickup"] = _pickups_text(s.scalars(select(PickupPerson).where(
        PickupPerson.child_id == p.id, PickupPerson.active.is_(True)).order_by(PickupPerson.sort_order,
                                                                                PickupPerson.id)))
    return values


def save_child(db: Database, data: ChildInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Create or update a child's profile and pick-up list (and the guardian's consent, when given);
    returns the profile's id."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    today = today or dt.date.today()
    with db.session() as s:
        errors: dict[str, str] = {}
        child = s.get(Resident, data.resident_id) if data.resident_id is not None else None
        if child is None:
            raise ValidationError({"resident": _("Please choose the child from the registry.")})
        if not child.active:
            raise ValidationError({"resident": _("{name}'s record is deactivated; reactivate it first.").format(
                name=child.name)})
        own = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == child.id))
        school = _clean(data.school)
        if len(school) > SCHOOL_MAX:
            errors["school"] = _("Too long (at most {n} characters).").format(n=SCHOOL_MAX)
        if data.grade is not None and data.grade not in GRADES:
            errors["grade"] = _("Please choose a grade from the list.")
        entries = _validate_pickups(s, data, child, own, errors)
        guardians = [name for p, name, *_rest in entries if p.guardian]
        alone_by = _clean(data.alone_consent_by)
        if data.may_go_home_alone:
            if not alone_by or alone_by not in guardians:
                errors["alone_consent_by"] = _("A child may go home alone only when a guardian agreed: please "
                                               "choose the guardian.")
            elif data.alone_consent_on is None or data.alone_consent_on > today:
                errors["alone_consent_by"] = _("Please enter the day the guardian agreed (not in the future).")
        consent = data.consent
        if consent is not None:
            problems, given_by = privacy.consent_errors(CONSENT_PURPOSE, consent.given_by, consent.method,
                                                        consent.given_on)
            if consent.given_on is not None and consent.given_on > today:
                problems["given_on"] = _("Please enter the date the consent was given (not in the future).")
            if problems:
                errors["consent"] = " ".join(problems.values())
            if consent.given_by_resident_id is not None and s.get(Resident, consent.given_by_resident_id) is None:
                errors["consent"] = _("The chosen resident no longer exists.")
        elif _needs_consent(child.birth_date, today) and not _consent_in_force(s, child.id, today):
            errors["consent"] = _("{name} is under {age}: a guardian's consent to after-school classes is "
                                  "needed.").format(name=child.name, age=CONSENT_AGE)
        notes = own.medical_notes if own is not None else ""
        if data.medical_notes is not None and data.medical_notes.strip() != (notes or ""):
            access.require(actor, access.CHILD_MEDICAL_VIEW)
            notes = data.medical_notes.strip()
        if errors:
            raise ValidationError(errors)
        if consent is not None:
            access.require(actor, access.CONSENTS_RECORD)
        now = dt.datetime.now()
        before = _child_audit(s, own) if own is not None else {}
        if own is None:
            own = ChildProfile(resident_id=child.id, created_at=now)
            s.add(own)
        own.school, own.grade, own.medical_notes = school, data.grade, notes
        own.allergies = (data.allergies or "").strip()
        own.may_go_home_alone = bool(data.may_go_home_alone)
        own.alone_consent_by = alone_by[:NAME_MAX] if data.may_go_home_alone else ""
        own.alone_consent_on = data.alone_consent_on if data.may_go_home_alone else None
        own.updated_at = now
        s.flush()
        stored = {p.id: p for p in s.scalars(select(PickupPerson).where(PickupPerson.child_id == own.id))}
        taken: set[str] = set()
        kept = set()
        for order, (p, name, phone, relation) in enumerate(entries):
            row = stored.get(p.id) if p.id is not None else None
            if row is None:
                row = PickupPerson(child_id=own.id, card_code=_unused_card(s, taken))
                s.add(row)
            row.relative_id, row.name, row.phone, row.relation = p.relative_id, name, phone, relation
            row.guardian, row.active, row.sort_order = bool(p.guardian), True, order
            if row.card_code is None:
                row.card_code = _unused_card(s, taken)
            kept.add(row.id)
            if p.guardian:
                _link_guardian(s, actor, child, p.relative_id)
        for row in stored.values():
            if row.id not in kept:
                row.active = False  # attendance points at it: never deleted
        s.flush()
        audit.record(s, actor, "update" if before else "create", "afterschool_child", own.id, child.name,
                     audit.diff(before, _child_audit(s, own)))
        if consent is not None:
            privacy.add_consent(s, child, CONSENT_PURPOSE, given_by, consent.method, consent.given_on,
                                consent.given_by_resident_id, actor=actor)
        return own.id


def _pickup_rows(s, child_id: int, see_phones: bool, active_only: bool = True) -> list[PickupRow]:
    stmt = select(PickupPerson).where(PickupPerson.child_id == child_id)
    if active_only:
        stmt = stmt.where(PickupPerson.active.is_(True))
    return [_pickup_row(p, see_phones) for p in s.scalars(stmt.order_by(PickupPerson.sort_order, PickupPerson.id))]


def _pickup_row(p: PickupPerson, see_phones: bool) -> PickupRow:
    return PickupRow(p.id, p.relative_id, p.name, p.phone if see_phones else mask_phone(p.phone), p.relation,
                     p.guardian, p.card_code, p.active)


def _class_texts(s, resident_id: int) -> list[str]:
    """"Class (status)" for each class the child is enrolled in, offered or waiting for."""
    out = []
    for e, name in s.execute(select(Enrolment, SchoolClass.name).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                             .where(Enrolment.resident_id == resident_id,
                                    Enrolment.status.in_((WAITING, OFFERED, ENROLLED)))
                             .order_by(SchoolClass.name, Enrolment.id)):
        if e.status == WAITING:
            out.append(_("{name} (waiting, No. {n})").format(name=name, n=format_number(_position(s, e))))
        else:
            out.append(_("{name} ({status})").format(name=name, status=_(ENROLMENT_STATUSES[e.status])))
    return out


def may_see_children(*, actor: access.Actor | None) -> bool:
    """True when `actor` may read the children themselves (lists, profiles, pick-up adults): staff
    who take attendance or enrol. Everyone else sees counts only."""
    return access.may(actor, access.AFTERSCHOOL_ATTEND) or access.may(actor, access.AFTERSCHOOL_ENROL)


def _require_children(actor: access.Actor | None) -> None:
    # Who may collect a child is what an impostor needs to know: shown only to who needs it.
    if not may_see_children(actor=actor):
        access.require(actor, access.AFTERSCHOOL_ATTEND)  # raises PermissionDenied, saying why


def get_child(db: Database, resident_id: int, *, actor: access.Actor, today: dt.date | None = None
              ) -> ChildInfo | None:
    """A child's profile; None when there is none. Phones masked without CHILD_CONTACTS_VIEW,
    medical notes None without CHILD_MEDICAL_VIEW."""
    _require_children(actor)
    today = today or dt.date.today()
    with db.session() as s:
        p = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == resident_id))
        if p is None:
            return None
        r = _resident(s, resident_id)
        return ChildInfo(
            resident_id=r.id, name=r.name, birth_date=r.birth_date, age=age_on(r.birth_date, today),
            school=p.school, grade=p.grade, allergies=p.allergies,
            medical_notes=p.medical_notes if access.may(actor, access.CHILD_MEDICAL_VIEW) else None,
            may_go_home_alone=p.may_go_home_alone, alone_consent_by=p.alone_consent_by,
            alone_consent_on=p.alone_consent_on,
            pickup=_pickup_rows(s, p.id, access.may(actor, access.CHILD_CONTACTS_VIEW)),
            consent_in_force=_consent_in_force(s, r.id, today), classes=_class_texts(s, r.id))


# -- enrolment and waiting lists ------------------------------------------------------------

def _waiting_order():
    return (Enrolment.requested_at, Enrolment.id)


def _position(s, e: Enrolment) -> int:
    """1-based place of a waiting enrolment on its class's list (by request time, ties by id)."""
    return 1 + (s.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.class_id == e.class_id, Enrolment.status == WAITING,
        or_(Enrolment.requested_at < e.requested_at,
            (Enrolment.requested_at == e.requested_at) & (Enrolment.id < e.id)))) or 0)


def _holding(s, class_id: int) -> int:
    return s.scalar(select(func.count(Enrolment.id)).where(Enrolment.class_id == class_id,
                                                          Enrolment.status.in_(HOLDING_PLACE))) or 0


def _enrolment_label(s, e: Enrolment) -> str:
    return "{} — {}".format(s.get(Resident, e.resident_id).name, s.get(SchoolClass, e.class_id).name)


def _offer_places(s, c: SchoolClass, actor: access.Actor) -> list[Enrolment]:
    """Offer the free places of a class to its first waiting children; the offers made."""
    offered = []
    free = c.capacity - _holding(s, c.id)
    if free <= 0:
        return offered
    now = dt.datetime.now()
    for e in s.scalars(select(Enrolment).where(Enrolment.class_id == c.id, Enrolment.status == WAITING)
                       .order_by(*_waiting_order()).limit(free)):
        e.status, e.offered_at, e.updated_at = OFFERED, now, now
        audit.record(s, actor, "update", "afterschool_enrolment", e.id, _enrolment_label(s, e),
                     audit.diff({"status": WAITING}, {"status": OFFERED}))
        offered.append(e)
    s.flush()
    return offered


def _range_text(low: int | None, high: int | None, show) -> str:
    if low is not None and high is not None:
        return "{}–{}".format(show(low), show(high)) if low != high else show(low)
    if low is not None:
        return _("{value} and above").format(value=show(low))
    if high is not None:
        return _("up to {value}").format(value=show(high))
    return ""


def _out_of_range(c: SchoolClass, child: Resident, grade: int | None, today: dt.date) -> str:
    """Why the child is outside the class's age or grade range, in words ("" when inside)."""
    age = age_on(child.birth_date, today)
    problems = []
    if (c.age_min is not None or c.age_max is not None) and age is not None and (
            (c.age_min is not None and age < c.age_min) or (c.age_max is not None and age > c.age_max)):
        problems.append(_("the class is for ages {range}; {name} is {age}").format(
            range=_range_text(c.age_min, c.age_max, str), name=child.name, age=age))
    if (c.grade_min is not None or c.grade_max is not None) and grade is not None and (
            (c.grade_min is not None and grade < c.grade_min) or (c.grade_max is not None and grade > c.grade_max)):
        problems.append(_("the class is for {range}; {name} is in {grade}").format(
            range=_range_text(c.grade_min, c.grade_max, lambda g: _(GRADES[g])), name=child.name,
            grade=_(GRADES[grade])))
    if not problems:
        return ""
    return _("Outside the class's range: {problems}. Give a reason to enrol anyway.").format(
        problems=_("; ").join(problems))


def enrol(db: Database, class_id: int, resident_id: int, *, actor: access.Actor, today: dt.date | None = None,
          over_capacity_reason: str = "", out_of_range_reason: str = "") -> EnrolResult:
    """Enrol a child in a class, or put them on its waiting list when it is full (an administrator
    may enrol beyond capacity with a reason)."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    today = today or dt.date.today()
    over_reason = _clean(over_capacity_reason)[:REASON_MAX]
    range_reason = _clean(out_of_range_reason)[:REASON_MAX]
    with db.session() as s:
        c = _class(s, class_id)
        child = _resident(s, resident_id)
        if not c.active:
            raise ValidationError({"class_id": _("{name} is archived; no one can be enrolled.").format(name=c.name)})
        if c.term_end < today:
            raise ValidationError({"class_id": _("The term of {name} ended on {date}.").format(
                name=c.name, date=format_date(c.term_end))})
        profile = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == resident_id))
        if profile is None:
            raise ValidationError({"resident": _("Fill in the child's profile first: school, guardians, who may "
                                                 "collect the child.")})
        if _needs_consent(child.birth_date, today) and not _consent_in_force(s, resident_id, today):
            raise ValidationError({"consent": _("{name} is under {age}: a guardian's consent to after-school "
                                                "classes is needed.").format(name=child.name, age=CONSENT_AGE)})
        if s.scalar(select(Enrolment.id).where(Enrolment.class_id == class_id, Enrolment.resident_id == resident_id,
                                               Enrolment.status.in_((WAITING, OFFERED, ENROLLED)))) is not None:
            raise ValidationError({"resident": _("{name} is already on this class's list.").format(name=child.name)})
        problem = _out_of_range(c, child, profile.grade, today)
        if problem and not range_reason:
            raise ValidationError({"out_of_range": problem})
        waiting = s.scalar(select(func.count(Enrolment.id)).where(Enrolment.class_id == class_id,
                                                                  Enrolment.status == WAITING)) or 0
        full = _holding(s, class_id) >= c.capacity or waiting > 0
        if full and over_reason:
            access.require(actor, access.AFTERSCHOOL_OVERRIDE)
        status = WAITING if full and not over_reason else ENROLLED
        now = dt.datetime.now()
        # Asked on `today` (the waiting list's order and the report's "waiting at the end of the
        # month" follow it); now's time keeps the order of requests made the same day.
        e = Enrolment(class_id=class_id, resident_id=resident_id, status=status,
                      requested_at=dt.datetime.combine(today, now.time()),
                      enrolled_on=today if status == ENROLLED else None, left_reason="",
                      over_capacity_reason=over_reason if full else "",
                      out_of_range_reason=range_reason if problem else "", created_by=actor.name[:50],
                      created_at=now, updated_at=now)
        s.add(e)
        s.flush()
        audit.record(s, actor, "create", "afterschool_enrolment", e.id, "{} — {}".format(child.name, c.name),
                     audit.diff({}, {"status": status, "enrolled_on": e.enrolled_on,
                                     "over_capacity_reason": e.over_capacity_reason,
                                     "out_of_range_reason": e.out_of_range_reason}))
        return EnrolResult(e.id, status, _position(s, e) if status == WAITING else None)


def _enrolment(s, enrolment_id: int) -> Enrolment:
    e = s.get(Enrolment, enrolment_id) if enrolment_id is not None else None
    if e is None:
        raise NotFoundError(_("That enrolment no longer exists."))
    return e


def _enrolment_rows(s, where, today: dt.date) -> list[EnrolmentRow]:
    found = list(s.execute(select(Enrolment, Resident.name, Resident.birth_date, Resident.sort_key,
                                  ChildProfile.grade, ChildProfile.school, ChildProfile.allergies,
                                  ChildProfile.medical_notes)
                           .join(Resident, Resident.id == Enrolment.resident_id)
                           .outerjoin(ChildProfile, ChildProfile.resident_id == Enrolment.resident_id)
                           .where(*where)))
    positions: dict[int, int] = {}
    for cid in {row[0].class_id for row in found}:
        for n, eid in enumerate(s.scalars(select(Enrolment.id).where(Enrolment.class_id == cid,
                                                                      Enrolment.status == WAITING)
                                          .order_by(*_waiting_order())), start=1):
            positions[eid] = n
    rows = []
    for e, name, birth, _key, grade, school, allergies, notes in found:
        rows.append(EnrolmentRow(e.id, e.class_id, e.resident_id, name, age_on(birth, today), grade, school or "",
                                 e.status, positions.get(e.id), e.requested_at, e.offered_at, e.enrolled_on,
                                 e.left_on, e.left_reason, e.over_capacity_reason, e.out_of_range_reason,
                                 bool((allergies or "").strip() or (notes or "").strip())))
    keys = {e.id: (key or "", e.resident_id) for e, _n, _b, key, *_rest in found}
    group = {ENROLLED: 0, OFFERED: 0, WAITING: 1}

    def order(r: EnrolmentRow):
        g = group.get(r.status, 2)
        if g == 0:
            return (g, keys[r.id], 0)
        if g == 1:
            return (g, (), r.position or 0)
        return (g, (), -(r.left_on or dt.date.min).toordinal())
    return sorted(rows, key=order)


def _row_of(s, e: Enrolment | None) -> EnrolmentRow | None:
    if e is None:
        return None
    rows = _enrolment_rows(s, (Enrolment.id == e.id,), dt.date.today())
    return rows[0] if rows else None


def withdraw(db: Database, enrolment_id: int, reason: str, *, actor: access.Actor, on: dt.date | None = None
             ) -> EnrolmentRow | None:
    """A child leaves a class (or its waiting list) with a reason; a place that frees is offered to
    the first waiting child, whose row is returned (None when nobody was offered it)."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    on = on or dt.date.today()
    reason = _clean(reason)[:REASON_MAX]
    with db.session() as s:
        e = _enrolment(s, enrolment_id)
        if not reason:
            raise ValidationError({"reason": _("Please give the reason for leaving.")})
        if e.status not in (WAITING, OFFERED, ENROLLED):
            raise ValidationError({"status": _("This child has already left the class's list.")})
        if e.enrolled_on is not None and on < e.enrolled_on:
            raise ValidationError({"left_on": _("The child cannot leave before the enrolment ({date}).").format(
                date=format_date(e.enrolled_on))})
        before = {"status": e.status, "left_on": None, "left_reason": ""}
        e.status, e.left_on, e.left_reason, e.updated_at = WITHDRAWN, on, reason, dt.datetime.now()
        audit.record(s, actor, "update", "afterschool_enrolment", e.id, _enrolment_label(s, e),
                     audit.diff(before, {"status": WITHDRAWN, "left_on": on, "left_reason": reason}))
        s.flush()
        offered = _offer_places(s, s.get(SchoolClass, e.class_id), actor)
        return _row_of(s, offered[0] if offered else None)


def confirm_offer(db: Database, enrolment_id: int, *, actor: access.Actor, today: dt.date | None = None) -> None:
    """The family takes the place offered: the child is enrolled from `today`."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    today = today or dt.date.today()
    with db.session() as s:
        e = _enrolment(s, enrolment_id)
        if e.status != OFFERED:
            raise ValidationError({"status": _("No place is offered to this child now.")})
        e.status, e.enrolled_on, e.updated_at = ENROLLED, today, dt.datetime.now()
        audit.record(s, actor, "update", "afterschool_enrolment", e.id, _enrolment_label(s, e),
                     audit.diff({"status": OFFERED}, {"status": ENROLLED, "enrolled_on": today}))


def pass_offer(db: Database, enrolment_id: int, reason: str, *, actor: access.Actor) -> EnrolmentRow | None:
    """The family does not take the place: it goes to the next waiting child (returned)."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    reason = _clean(reason)[:REASON_MAX]
    with db.session() as s:
        e = _enrolment(s, enrolment_id)
        if e.status != OFFERED:
            raise ValidationError({"status": _("No place is offered to this child now.")})
        e.status, e.left_on, e.left_reason, e.updated_at = PASSED, dt.date.today(), reason, dt.datetime.now()
        audit.record(s, actor, "update", "afterschool_enrolment", e.id, _enrolment_label(s, e),
                     audit.diff({"status": OFFERED}, {"status": PASSED, "left_reason": reason}))
        s.flush()
        offered = _offer_places(s, s.get(SchoolClass, e.class_id), actor)
        return _row_of(s, offered[0] if offered else None)


def class_list(db: Database, class_id: int, *, actor: access.Actor, include_left: bool = False
               ) -> list[EnrolmentRow]:
    """Enrolled and offered children by name, then the waiting list in order (then those who left)."""
    _require_children(actor)
    statuses = (ENROLLED, OFFERED, WAITING) + ((PASSED, WITHDRAWN) if include_left else ())
    with db.session() as s:
        _class(s, class_id)
        return _enrolment_rows(s, (Enrolment.class_id == class_id, Enrolment.status.in_(statuses)),
                               dt.date.today())


def waiting_list(db: Database, class_id: int, *, actor: access.Actor) -> list[EnrolmentRow]:
    _require_children(actor)
    with db.session() as s:
        _class(s, class_id)
        return _enrolment_rows(s, (Enrolment.class_id == class_id, Enrolment.status == WAITING), dt.date.today())


# -- attendance -----------------------------------------------------------------------------

def _enrolled_on_day(day: dt.date):
    """Conditions: the enrolment covers `day` (enrolled on or before it, not left by then)."""
    return (Enrolment.enrolled_on.is_not(None), Enrolment.enrolled_on <= day,
            or_(Enrolment.left_on.is_(None), Enrolment.left_on > day))


def _is_enrolled(s, class_id: int, resident_id: int, day: dt.date) -> bool:
    return s.scalar(select(Enrolment.id).where(Enrolment.class_id == class_id, Enrolment.resident_id == resident_id,
                                               *_enrolled_on_day(day)).limit(1)) is not None


def _record(s, class_id: int, resident_id: int, day: dt.date) -> ClassAttendance | None:
    return s.scalar(select(ClassAttendance).where(ClassAttendance.class_id == class_id,
                                                  ClassAttendance.resident_id == resident_id,
                                                  ClassAttendance.day == day))


def _late_count(s, c: SchoolClass, resident_id: int) -> int:
    return s.scalar(select(func.count(ClassAttendance.id)).where(
        ClassAttendance.class_id == c.id, ClassAttendance.resident_id == resident_id,
        ClassAttendance.late.is_(True), ClassAttendance.day >= c.term_start,
        ClassAttendance.day <= c.term_end)) or 0


def _no_session(c: SchoolClass, day: dt.date) -> str:
    return _("There is no session of {name} on {date}.").format(name=c.name, date=format_date(day))


def _attendance_label(child: str, c: SchoolClass, day: dt.date) -> str:
    return "{} — {} {}".format(child, c.name, day.isoformat())


def _picked_up_text(a: ClassAttendance) -> str:
    if a.went_home_alone:
        return _("went home alone")
    if a.picked_up_by_name:
        return _with_relation(a.picked_up_by_name, a.picked_up_by_relation)
    return ""


def _open_session(s, c: SchoolClass, day: dt.date) -> Session:
    session = _session_on(s, c, day)
    if session is None or session.cancelled:
        raise ValidationError({"day": _no_session(c, day)})
    return session


def session_view(db: Database, class_id: int, day: dt.date, *, actor: access.Actor,
                 at: dt.datetime | None = None) -> SessionView:
    """A class's session on `day` and the children enrolled that day, with what happened so far."""
    _require_children(actor)
    see_medical = access.may(actor, access.CHILD_MEDICAL_VIEW)
    see_phones = access.may(actor, access.CHILD_CONTACTS_VIEW)
    with db.session() as s:
        c = _class(s, class_id)
        row = _class_rows(s, (SchoolClass.id == class_id,))[0]
        session = _session_on(s, c, day)
        found = list(s.execute(select(Resident.id, Resident.name, Resident.birth_date, Resident.sort_key,
                                      ChildProfile.id.label("profile_id"), ChildProfile.grade,
                                      ChildProfile.allergies, ChildProfile.may_go_home_alone)
                               .join(Enrolment, Enrolment.resident_id == Resident.id)
                               .outerjoin(ChildProfile, ChildProfile.resident_id == Resident.id)
                               .where(Enrolment.class_id == class_id, *_enrolled_on_day(day))
                               .order_by(Resident.sort_key, Resident.id)))
        records = {a.resident_id: a for a in s.scalars(select(ClassAttendance).where(
            ClassAttendance.class_id == class_id, ClassAttendance.day == day))}
        late = dict(s.execute(select(ClassAttendance.resident_id, func.count(ClassAttendance.id)).where(
            ClassAttendance.class_id == class_id, ClassAttendance.late.is_(True),
            ClassAttendance.day >= c.term_start, ClassAttendance.day <= c.term_end)
            .group_by(ClassAttendance.resident_id)).all())
        children, seen = [], set()
        for r in found:
            if r.id in seen:
                continue
            seen.add(r.id)
            a = records.get(r.id)
            children.append(SessionChild(
                r.id, r.name, age_on(r.birth_date, day), r.grade, a.status if a else None, a.reason if a else "",
                a.signed_in_at if a else None, a.signed_out_at if a else None, _picked_up_text(a) if a else "",
                bool(a and a.unlisted), bool(a and a.late), bool(a and a.went_home_alone),
                bool(r.may_go_home_alone), (r.allergies or "") if see_medical else None,
                _pickup_rows(s, r.profile_id, see_phones) if r.profile_id is not None else [],
                late.get(r.id, 0)))
    return SessionView(row, day, session, children)


def _check_markable(s, c: SchoolClass, day: dt.date, child: Resident, now: dt.datetime) -> ClassAttendance | None:
    if day > now.date():
        raise ValidationError({"day": _("{date} is in the future; attendance is taken on the day.").format(
            date=format_date(day))})
    _open_session(s, c, day)
    if not _is_enrolled(s, c.id, child.id, day):
        raise ValidationError({"resident": _("{name} is not enrolled in {cls} on {date}.").format(
            name=child.name, cls=c.name, date=format_date(day))})
    record = _record(s, c.id, child.id, day)
    if record is not None and record.signed_out_at is not None:
        raise ValidationError({"resident": _("{name} was already signed out at {time}; undo the sign-out first."
                                             ).format(name=child.name, time=_time(record.signed_out_at))})
    return record


def _sign_in_time(day: dt.date, at: dt.datetime, session: Session) -> dt.datetime:
    # A past day marked later: the session's start, not the moment of typing.
    return at if at.date() == day else dt.datetime.combine(day, session.start_time)


def _mark(s, actor, c: SchoolClass, day: dt.date, child: Resident, status: str, at: dt.datetime,
          reason: str) -> bool:
    """Mark one child (checked); True when something changed."""
    record = _check_markable(s, c, day, child, at)
    session = _open_session(s, c, day)
    if status not in ATTENDANCE_STATUSES:
        raise ValidationError({"status": _("Please choose present, absent or on leave.")})
    reason = _clean(reason)[:REASON_MAX]
    if status == LEAVE and not reason:
        raise ValidationError({"reason": _("Please give the reason for the leave.")})
    before = ({"status": record.status, "reason": record.reason, "signed_in_at": _time(record.signed_in_at)}
              if record is not None else {})
    if record is None:
        record = ClassAttendance(class_id=c.id, resident_id=child.id, day=day, recorded_by=actor.name[:50],
                                 from_paper=False, late=False, unlisted=False, went_home_alone=False)
        s.add(record)
    elif record.status == status and (status != PRESENT or record.signed_in_at is not None) and (
            status == PRESENT or record.reason == reason):
        return False
    record.status = status
    if status == PRESENT:
        record.reason = ""
        record.signed_in_at = record.signed_in_at or _sign_in_time(day, at, session)
    else:
        record.reason, record.signed_in_at = reason, None
    s.flush()
    audit.record(s, actor, "update" if before else "create", "afterschool_attendance", record.id,
                 _attendance_label(child.name, c, day),
                 audit.diff(before, {"status": status, "reason": record.reason,
                                     "signed_in_at": _time(record.signed_in_at)}))
    return True


def mark(db: Database, class_id: int, day: dt.date, resident_id: int, status: str, *, actor: access.Actor,
         at: dt.datetime | None = None, reason: str = "") -> None:
    """Mark a child present (signed in at `at`), absent, or on leave (with a reason)."""
    access.require(actor, access.AFTERSCHOOL_ATTEND)
    at = at or dt.datetime.now()
    with db.session() as s:
        _mark(s, actor, _class(s, class_id), day, _resident(s, resident_id), status, at, reason)


def mark_all_present(db: Database, class_id: int, day: dt.date, resident_ids, *, actor: access.Actor,
                     at: dt.datetime | None = None) -> int:
    """Mark these children present, all or none; returns how many changed."""
    access.require(actor, access.AFTERSCHOOL_ATTEND)
    at = at or dt.datetime.now()
    with db.session() as s:
        c = _class(s, class_id)
        return sum(_mark(s, actor, c, day, _resident(s, rid), PRESENT, at, "") for rid in resident_ids)


def _find_child(s, raw: str) -> Resident | None:
    code = code_from_scan(raw)
    if code is not None:
        found = s.scalar(select(Resident).where(Resident.member_code == code))
        if found is not None:
            return found
    number = clean_id_number(raw)
    if len(number) == 18:
        return s.scalar(select(Resident).where(Resident.id_number == number))
    return None


def _card(s, text: str) -> PickupPerson | None:
    raw = normalise_text(str(text)).strip().upper()
    if raw.startswith(PICKUP_CARD_PREFIX):
        raw = raw[len(PICKUP_CARD_PREFIX):]
    if not raw:
        return None
    return s.scalar(select(PickupPerson).where(PickupPerson.card_code == raw, PickupPerson.active.is_(True)))


def _same_adult(p: PickupPerson):
    """Conditions matching the other active entries of the same adult (on other children's lists)."""
    if p.relative_id is not None:
        return (PickupPerson.relative_id == p.relative_id, PickupPerson.active.is_(True))
    return (PickupPerson.relative_id.is_(None), PickupPerson.name == p.name, PickupPerson.phone == p.phone,
            PickupPerson.active.is_(True))


def _open_classes(s, resident_id: int, day: dt.date, but: int) -> list[SchoolClass]:
    """The other classes the child is enrolled in on `day` that hold a session (not cancelled) then."""
    found = s.scalars(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                      .where(Enrolment.resident_id == resident_id, SchoolClass.id != but, *_enrolled_on_day(day))
                      .distinct().order_by(SchoolClass.name, SchoolClass.id))
    return [c for c in found if (x := _session_on(s, c, day)) is not None and not x.cancelled]


def scan(db: Database, class_id: int, day: dt.date, text: str, *, actor: access.Actor,
         at: dt.datetime) -> ScanResult:
    """One scan at the door: a child's member card (or ID number) signs the child in at the chosen
    class, or at the one other class the child has a session of that day (two classes may run at
    once); a pick-up card signs out that adult's children at every session of the day. Nothing is
    written on a refusal."""
    access.require(actor, access.AFTERSCHOOL_ATTEND)
    raw = normalise_text(str(text)).strip()
    with db.session() as s:
        c = _class(s, class_id)
        card = _card(s, raw) if raw.upper().startswith(PICKUP_CARD_PREFIX) else None
        child = None if card is not None or raw.upper().startswith(PICKUP_CARD_PREFIX) else _find_child(s, raw)
        if card is None and child is None:
            card = _card(s, raw)  # a pick-up card's bare code
        if card is not None:
            return _scan_pickup(s, actor, c, day, card, at)
        if child is None:
            return ScanResult(REFUSED, _("Nobody has this card or ID number; nothing recorded."))
        if not _is_enrolled(s, c.id, child.id, day):
            others = _open_classes(s, child.id, day, c.id)
            if len(others) > 1:
                return ScanResult(REFUSED, _("{name} has sessions of {classes} on {date}: choose the class first, "
                                             "then scan again. Nothing recorded.").format(
                    name=child.name, classes="、".join(x.name for x in others), date=format_date(day)), [child.id])
            if others:
                return _scan_child(s, actor, others[0], day, child, at, elsewhere=True)
        session = _session_on(s, c, day)
        if session is None or session.cancelled:
            return ScanResult(REFUSED, _("There is no session of {name} on {date}; nothing recorded.").format(
                name=c.name, date=format_date(day)), [child.id], c.id)
        if not _is_enrolled(s, c.id, child.id, day):
            return ScanResult(REFUSED, _("{name} is not enrolled in {cls} on {date}; nothing recorded.").format(
                name=child.name, cls=c.name, date=format_date(day)), [child.id], c.id)
        return _scan_child(s, actor, c, day, child, at, elsewhere=False)


def _scan_child(s, actor, c: SchoolClass, day: dt.date, child: Resident, at: dt.datetime, *,
                elsewhere: bool) -> ScanResult:
    """A child's card at a class the child is enrolled in that holds a session on `day`."""
    record = _record(s, c.id, child.id, day)
    if record is not None and record.signed_out_at is not None:
        return ScanResult(REFUSED, _("{name} was already signed out at {time}; nothing recorded.").format(
            name=child.name, time=_time(record.signed_out_at)), [child.id], c.id)
    if record is not None and record.status == PRESENT and record.signed_in_at is not None:
        message = (_("{name} is already signed in to {cls} (since {time}).") if elsewhere
                   else _("{name} is already signed in (since {time})."))
        return ScanResult(IGNORED, message.format(name=child.name, cls=c.name, time=_time(record.signed_in_at)),
                          [child.id], c.id)
    _mark(s, actor, c, day, child, PRESENT, at, "")
    message = _("{name} signed in to {cls} at {time}.") if elsewhere else _("{name} signed in at {time}.")
    return ScanResult(SIGNED_IN, message.format(name=child.name, cls=c.name, time=_time(at)), [child.id], c.id)


def _scan_pickup(s, actor, c: SchoolClass, day: dt.date, card: PickupPerson, at: dt.datetime) -> ScanResult:
    """A pick-up card: that adult's children signed in anywhere on `day` go home with them (one
    adult may collect children from two classes at once)."""
    entries = dict(s.execute(select(ChildProfile.resident_id, PickupPerson)
                             .join(ChildProfile, ChildProfile.id == PickupPerson.child_id)
                             .where(*_same_adult(card))).all())
    records = list(s.execute(select(ClassAttendance, SchoolClass, Resident)
                             .join(SchoolClass, SchoolClass.id == ClassAttendance.class_id)
                             .join(Resident, Resident.id == ClassAttendance.resident_id)
                             .where(ClassAttendance.day == day, ClassAttendance.resident_id.in_(entries))
                             .order_by(SchoolClass.id != c.id, SchoolClass.name, Resident.sort_key, Resident.id))
                   ) if entries else []
    done, names, classes, repeat = [], [], [], False
    for record, cls, child in records:
        entry = entries[child.id]
        if record.signed_out_at is not None and record.picked_up_by_id == entry.id:
            repeat = repeat or 0 <= (at - record.signed_out_at).total_seconds() < REPEAT_SECONDS
        if record.status != PRESENT or record.signed_in_at is None or record.signed_out_at is not None:
            continue
        session = _session_on(s, cls, day)
        if session is None or session.cancelled:
            continue  # cancelled after the sign-in: nothing to sign out of
        _sign_out(s, actor, cls, day, child, record, at, entry, None, False)
        done.append(child.id)
        classes.append(cls.id)
        names.append(child.name if cls.id == c.id else _("{name} ({cls})").format(name=child.name, cls=cls.name))
    if not done and repeat:
        return ScanResult(IGNORED, _("{name}'s card was scanned a moment ago; the repeat is ignored.").format(
            name=card.name))
    if not done:
        return ScanResult(REFUSED, _("None of the children {name} may collect is signed in today; nothing "
                                     "recorded.").format(name=card.name))
    return ScanResult(SIGNED_OUT, _("{names} went home at {time} with {who}.").format(
        names="、".join(names), time=_time(at), who=card.name), done, classes[0])


def _sign_out(s, actor, c: SchoolClass, day: dt.date, child: Resident, record: ClassAttendance, at: dt.datetime,
              pickup: PickupPerson | None, unlisted: tuple[str, str, str, str] | None, alone: bool) -> SignOutResult:
    session = _open_session(s, c, day)
    if at < record.signed_in_at:
        raise ValidationError({"at": _("{name} signed in at {time}; the sign-out cannot be earlier.").format(
            name=child.name, time=_time(record.signed_in_at))})
    grace = _int_setting(s, GRACE_KEY, DEFAULT_GRACE_MINUTES)
    late = at > dt.datetime.combine(day, session.end_time) + dt.timedelta(minutes=grace)
    record.signed_out_at, record.late, record.went_home_alone = at, late, alone
    record.picked_up_by_id = pickup.id if pickup is not None else None
    record.unlisted = unlisted is not None
    if pickup is not None:
        name, phone, relation, reason = pickup.name, pickup.phone, pickup.relation, ""
    elif unlisted is not None:
        name, phone, relation, reason = unlisted
    else:
        name = phone = relation = reason = ""
    record.picked_up_by_name, record.picked_up_by_phone = name[:NAME_MAX], phone
    record.picked_up_by_relation, record.unlisted_reason = relation[:RELATION_MAX], reason
    s.flush()
    changes = {"signed_out_at": _time(at), "picked_up_by": _picked_up_text(record), "late": late or None}
    if unlisted is not None:
        changes.update(unlisted=True, picked_up_by_phone=phone, unlisted_reason=reason)
    audit.record(s, actor, "update", "afterschool_attendance", record.id, _attendance_label(child.name, c, day),
                 audit.diff({}, changes))
    count = _late_count(s, c, child.id)
    warning = ""
    limit = _int_setting(s, LATE_LIMIT_KEY, DEFAULT_LATE_LIMIT)
    if late and count >= limit:
        warning = _("{name} was collected late {n} times this term (the limit is {limit}); the place may be at "
                    "risk.").format(name=child.name, n=count, limit=limit)
    return SignOutResult(late, count, warning)


def sign_out(db: Database, class_id: int, day: dt.date, resident_id: int, *, actor: access.Actor,
             at: dt.datetime | None = None, pickup_id: int | None = None, unlisted: UnlistedPickup | None = None,
             alone: bool = False) -> SignOutResult:
    """Sign a child out to an adult on the list, to someone else (all four details; audited), or
    home alone where a guardian allowed it."""
    access.require(actor, access.AFTERSCHOOL_ATTEND)
    at = at or dt.datetime.now()
    if sum((pickup_id is not None, unlisted is not None, bool(alone))) != 1:
        raise ValidationError({"pickup": _("Please choose who collects the child.")})
    with db.session() as s:
        c = _class(s, class_id)
        child = _resident(s, resident_id)
        profile = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == resident_id))
        record = _record(s, class_id, resident_id, day)
        if record is None or record.status != PRESENT or record.signed_in_at is None:
            raise ValidationError({"resident": _("{name} is not signed in at this session, so cannot be signed "
                                                 "out.").format(name=child.name)})
        if record.signed_out_at is not None:
            raise ValidationError({"resident": _("{name} was already signed out at {time}.").format(
                name=child.name, time=_time(record.signed_out_at))})
        pickup, details = None, None
        if pickup_id is not None:
            pickup = s.get(PickupPerson, pickup_id)
            if pickup is None or profile is None or pickup.child_id != profile.id or not pickup.active:
                raise ValidationError({"pickup": _("That person is not on {name}'s pick-up list.").format(
                    name=child.name)})
        elif unlisted is not None:
            errors = {}
            name, relation, reason = (_clean(unlisted.name), _clean(unlisted.relation)[:RELATION_MAX],
                                      _clean(unlisted.reason)[:REASON_MAX])
            if not name:
                errors["name"] = _("Please enter the name of the person collecting the child.")
            elif len(name) > NAME_MAX:
                errors["name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
            phone = ""
            try:
                phone = normalise_phone(unlisted.phone or "")
            except InvalidValue as exc:
                errors["phone"] = exc.message if (unlisted.phone or "").strip() else _(
                    "Please enter their phone number.")
            if not relation:
                errors["relation"] = _("Please enter their relation to the child.")
            if not reason:
                errors["reason"] = _("Please give the reason this person may collect the child (e.g. a guardian "
                                     "was called).")
            if errors:
                raise ValidationError(errors)
            details = (name, phone, relation, reason)
        elif profile is None or not profile.may_go_home_alone:
            raise ValidationError({"pickup": _("{name} may not go home alone; please choose who collects the "
                                               "child.").format(name=child.name)})
        return _sign_out(s, actor, c, day, child, record, at, pickup, details, bool(alone))


def undo_sign_out(db: Database, class_id: int, day: dt.date, resident_id: int, reason: str, *,
                  actor: access.Actor) -> None:
    """A sign-out made by mistake: the child is signed in again (audited with the reason)."""
    access.require(actor, access.AFTERSCHOOL_ATTEND)
    reason = _clean(reason)[:REASON_MAX]
    with db.session() as s:
        c = _class(s, class_id)
        child = _resident(s, resident_id)
        if not reason:
            raise ValidationError({"reason": _("Please give the reason for the correction.")})
        record = _record(s, class_id, resident_id, day)
        if record is None or record.signed_out_at is None:
            raise ValidationError({"resident": _("{name} is not signed out.").format(name=child.name)})
        before = {"signed_out_at": _time(record.signed_out_at), "picked_up_by": _picked_up_text(record),
                  "late": record.late or None, "unlisted": record.unlisted or None}
        record.signed_out_at, record.picked_up_by_id, record.late, record.went_home_alone = None, None, False, False
        record.picked_up_by_name = record.picked_up_by_phone = record.picked_up_by_relation = ""
        record.unlisted, record.unlisted_reason = False, ""
        audit.record(s, actor, "update", "afterschool_attendance", record.id, _attendance_label(child.name, c, day),
                     {**audit.diff(before, {}), "reason": [None, reason]})


def still_here(db: Database, day: dt.date, *, actor: access.Actor, at: dt.datetime | None = None) -> list[StillHere]:
    """Children signed in and not signed out on `day`, in every class (the end-of-day list)."""
    _require_children(actor)
    return _still_here(db, day, at or dt.datetime.now(), access.may(actor, access.CHILD_CONTACTS_VIEW))


def _still_here(db: Database, day: dt.date, at: dt.datetime, see_phones: bool) -> list[StillHere]:
    with db.session() as s:
        grace = dt.timedelta(minutes=_int_setting(s, GRACE_KEY, DEFAULT_GRACE_MINUTES))
        found = list(s.execute(select(ClassAttendance, SchoolClass, Resident.name, Resident.sort_key,
                                      ChildProfile.id.label("profile_id"))
                               .join(SchoolClass, SchoolClass.id == ClassAttendance.class_id)
                               .join(Resident, Resident.id == ClassAttendance.resident_id)
                               .outerjoin(ChildProfile, ChildProfile.resident_id == ClassAttendance.resident_id)
                               .where(ClassAttendance.day == day, ClassAttendance.status == PRESENT,
                                      ClassAttendance.signed_in_at.is_not(None),
                                      ClassAttendance.signed_out_at.is_(None))))
        out = []
        for a, c, name, key, profile_id in found:
            session = _session_on(s, c, day)
            end = session.end_time if session is not None else c.end_time
            guardians = [p for p in (_pickup_rows(s, profile_id, see_phones) if profile_id else []) if p.guardian]
            out.append(((end, c.name, key or "", a.resident_id),
                        StillHere(c.id, c.name, a.resident_id, name, a.signed_in_at, end,
                                  at > dt.datetime.combine(day, end) + grace, guardians)))
    return [row for _key, row in sorted(out, key=lambda t: t[0])]


# -- pick-up cards --------------------------------------------------------------------------

def find_pickup_card(db: Database, text: str) -> PickupRow | None:
    """The active pick-up entry of a scanned card ("NDP:XXXXXXXX" or the bare code); phone masked."""
    with db.session() as s:
        card = _card(s, text or "")
        return _pickup_row(card, False) if card is not None else None


def pickup_cards(db: Database, resident_id: int) -> list[PickupRow]:
    """The child's active pick-up entries, phones in full (to print the cards)."""
    with db.session() as s:
        profile = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == resident_id))
        return _pickup_rows(s, profile.id, True) if profile is not None else []


# -- for the rest of the program ----------------------------------------------------------

def resident_lines(db: Database, resident_id: int, today: dt.date | None = None) -> list:
    """The residents' detail pane: the classes a child is in or waiting for (app/features.py)."""
    from app.features import DetailLine

    with db.session() as s:
        has_profile = s.scalar(select(ChildProfile.id).where(ChildProfile.resident_id == resident_id)) is not None
        classes = _class_texts(s, resident_id)
    if classes:
        return [DetailLine(_("After-school: {classes}").format(classes="; ".join(classes)))]
    if has_profile:
        return [DetailLine(_("After-school: no class at present"))]
    return []


def badge_label(still: int, overdue: int) -> tuple[str, bool]:
    """The tab's label: children still here (signed in, not out), an alert when one is overdue."""
    label = _("After-school")
    if still:
        label = _("{tab} ({counts})").format(tab=label, counts=_("{count} still here").format(
            count=format_number(still)))
    return label, bool(overdue)


def badge(db: Database, at: dt.datetime | None = None) -> tuple[str, bool]:
    """The tab's label before the tab is built (app/features.py `badge`): counted on the worker."""
    at = at or dt.datetime.now()
    rows = _still_here(db, at.date(), at, False)  # counts only: open to every role
    return badge_label(len(rows), sum(r.overdue for r in rows))


def _present(s, date_from: dt.date, date_to: dt.date) -> int:
    return s.scalar(select(func.count(ClassAttendance.id)).where(
        ClassAttendance.day >= date_from, ClassAttendance.day <= date_to, ClassAttendance.status == PRESENT)) or 0


def person_times(db: Database, date_from: dt.date, date_to: dt.date) -> int:
    """Children marked present at sessions in the range (人次), as `figures` counts them."""
    with db.session() as s:
        return _present(s, date_from, date_to)


def figures(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> AfterSchoolFigures:
    """The monthly report's after-school numbers for any date range (inclusive)."""
    today = today or dt.date.today()
    with db.session() as s:
        holidays = calendar_in(s).holidays
        types = dict(s.execute(select(ClassType.id, ClassType.name)).all())
        by_type: dict[str, int] = {}
        held = cancelled = 0
        # A session counts as held only on a day the class had a child enrolled: a timetable with nobody
        # in it (a class set up before enrolment opened) held nothing (walk18: 17 "held", 0 attendance).
        spans: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
        for class_id, start, end in s.execute(select(Enrolment.class_id, Enrolment.enrolled_on, Enrolment.left_on)
                                              .where(Enrolment.enrolled_on.is_not(None),
                                                     Enrolment.enrolled_on <= date_to)):
            spans.setdefault(class_id, []).append((start, end))
        for c in s.scalars(select(SchoolClass).where(SchoolClass.term_start <= date_to)
                           .order_by(SchoolClass.name, SchoolClass.id)):
            found = [x for x in _sessions(s, c, date_from, date_to, holidays)
                     if any(start <= x.day and (end is None or end > x.day) for start, end in spans.get(c.id, ()))]
            if any(not x.cancelled for x in found):
                name = types.get(c.type_id, "")
                by_type[name] = by_type.get(name, 0) + 1
            past = [x for x in found if x.day <= today]
            held += sum(not x.cancelled for x in past)
            cancelled += sum(x.cancelled for x in past)
        children = s.scalar(select(func.count(func.distinct(Enrolment.resident_id))).where(
            Enrolment.enrolled_on.is_not(None), Enrolment.enrolled_on <= date_to,
            or_(Enrolment.left_on.is_(None), Enrolment.left_on > date_from))) or 0
        in_range = (ClassAttendance.day >= date_from, ClassAttendance.day <= date_to)
        person_times = _present(s, date_from, date_to)
        late = s.scalar(select(func.count(ClassAttendance.id)).where(*in_range, ClassAttendance.late.is_(True))) or 0
        unlisted = [UnlistedLine(a.day, cname, child, _with_relation(a.picked_up_by_name, a.picked_up_by_relation),
                                 a.unlisted_reason)
                    for a, cname, child in s.execute(
                        select(ClassAttendance, SchoolClass.name, Resident.name)
                        .join(SchoolClass, SchoolClass.id == ClassAttendance.class_id)
                        .join(Resident, Resident.id == ClassAttendance.resident_id)
                        .where(*in_range, ClassAttendance.unlisted.is_(True))
                        .order_by(ClassAttendance.day, SchoolClass.name, Resident.sort_key, ClassAttendance.id))]
        # Waiting at the end of the range: asked by then, and not yet offered, enrolled or gone.
        moment = dt.datetime.combine(date_to, dt.time.max) if date_to < today else dt.datetime.now()
        waiting = s.scalar(select(func.count(func.distinct(Enrolment.resident_id))).where(
            Enrolment.requested_at <= moment,
            or_(Enrolment.offered_at.is_(None), Enrolment.offered_at > moment),
            or_(Enrolment.enrolled_on.is_(None), Enrolment.enrolled_on > moment.date()),
            or_(Enrolment.left_on.is_(None), Enrolment.left_on > moment.date()),
            Enrolment.status.in_((WAITING, OFFERED, ENROLLED, PASSED, WITHDRAWN)))) or 0
    return AfterSchoolFigures(date_from, date_to, dict(sorted(by_type.items())), children, person_times, held,
                              cancelled, late, unlisted, waiting)


# -- the monthly report's section ---------------------------------------------------------------

def report_section(f: AfterSchoolFigures):
    """After-school's section of the monthly report (services/report.py) from its figures. The pick-ups
    by someone not on the list appear only as a count: their names are personal data."""
    from app.services import report
    from app.services.report import Line

    lines = (
        Line("classes", _("Classes held"), "count", sum(f.classes_by_type.values())),
        Line("children", _("Children enrolled"), "count", f.children),
        Line("person_times", _("Attendance (child-times)"), "count", f.person_times),
        Line("sessions_held", _("Sessions held"), "count", f.sessions_held),
        Line("sessions_cancelled", _("Sessions cancelled"), "count", f.sessions_cancelled),
        Line("late_pickups", _("Late pick-ups"), "count", f.late_pickups),
        Line("unlisted_pickups", _("Picked up by someone not on the list"), "count", f.unlisted_pickups),
        Line("waiting", _("Children on waiting lists"), "count", f.waiting),
    )
    # Each count with its own noun (ngettext): "1 session" reads right in English.
    phrase = _("after-school classes held {sessions}, {person_times} ({children} enrolled)").format(
        sessions=ngettext("{n} session", "{n} sessions", f.sessions_held).format(n=report.number(f.sessions_held)),
        person_times=ngettext("{n} child-time", "{n} child-times", f.person_times).format(
            n=report.number(f.person_times)),
        children=ngettext("{n} child", "{n} children", f.children).format(n=report.number(f.children)))
    return report.Section("afterschool", _("After-school"), lines,
                          (report.chart(_("Classes by type"), "bar", f.classes_by_type),), phrase)
