"""The activity ledger (活动台账): every activity the centre runs — its date and time, type, target
group (一老 / 一少 / 青年 / 全体), venue, organiser and partners (alliance merchants, volunteer teams,
outside bodies) — and who came: registered residents (chosen, or scanned by member card or ID number)
plus a headcount of people not in the registry. Participants may be credited volunteer points in
one step (services/points.py's earning, in the same transaction).

The monthly report's numbers come from `figures`: activities held (场次), person-times (人次 =
registered participants + headcounts) and distinct people (人数, registered residents only).
Every write is audited in its own transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, distinct, func, or_, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _, format_number
from app.models import (Activity, ActivityParticipant, ActivityPartner, ActivityType, LedgerEntry, Merchant, Resident,
                        ServiceType)
from app.services import access, audit, choices, points
from app.services.fields import Field
from app.services.validators import mask_phone, normalise_text, tidy_text

# -- vocabularies ---------------------------------------------------------------------------

ELDERLY, CHILDREN, YOUTH, EVERYONE = "elderly", "children", "youth", "everyone"
TARGET_GROUPS: dict[str, str] = {
    ELDERLY: N_("Elderly (一老)"),     # 一老
    CHILDREN: N_("Children (一少)"),   # 一少
    YOUTH: N_("Youth"),                # 青年
    EVERYONE: N_("Everyone"),          # 全体
}
MERCHANT, TEAM, BODY = "merchant", "team", "body"
PARTNER_KINDS: dict[str, str] = {
    MERCHANT: N_("Alliance merchant"),
    TEAM: N_("Volunteer team"),
    BODY: N_("Outside body"),
}

ACTIVITY_TYPES = choices.ChoiceList(ActivityType, "activity_type", access.ACTIVITIES_TYPES)
# The kinds a new centre starts with (the article's own words; the administrator edits the list).
DEFAULT_TYPES = ("义诊", "康乐", "讲座", "文体", "儿童教育/科普", "暑托", "青年夜校", "邻里互助日", "志愿服务")

TITLE_MAX, VENUE_MAX, ORGANISER_MAX, PARTNER_MAX, NOTES_MAX = 100, 100, 100, 100, 2000
HEADCOUNT_MAX = 5000          # more walk-ins than this at one activity is a typing slip
PARTNERS_MAX = 20
EARLIEST = dt.date(2000, 1, 1)
PLANNED_DAYS = 366            # an activity may be entered up to a year ahead


# -- what the forms supply ----------------------------------------------------------------------

@dataclass
class PartnerInput:
    kind: str
    name: str = ""
    merchant_id: int | None = None     # kind MERCHANT: the alliance merchant (its name when `name` is blank)


@dataclass
class ActivityInput:
    held_on: dt.date
    title: str
    activity_type_id: int | None
    target_group: str
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    venue: str = ""
    organiser: str = ""
    headcount: int = 0                 # people who came and are not in the registry
    notes: str = ""
    partners: list[PartnerInput] = field(default_factory=list)


# -- what the tab shows -------------------------------------------------------------------------

@dataclass
class ActivityRow:
    """A line of the ledger list."""

    id: int
    held_on: dt.date
    starts_at: dt.time | None
    ends_at: dt.time | None
    title: str
    activity_type: str
    target_group: str
    target_group_label: str
    venue: str
    organiser: str
    partners: str                      # the partners' names joined by "、"
    registered: int
    headcount: int

    @property
    def person_times(self) -> int:
        return self.registered + self.headcount


@dataclass
class ParticipantRow:
    resident_id: int
    name: str
    member_code: str
    phone_masked: str
    points: int | None                 # the points credited for this activity, None if none
    added: bool = True                 # add_participant_by_scan: False when the resident was there already


@dataclass
class ActivityDetail:
    row: ActivityRow
    data: ActivityInput
    participants: list[ParticipantRow]
    updated_at: dt.datetime


@dataclass
class ActivityFigures:
    date_from: dt.date
    date_to: dt.date
    activities: int                       # 场次
    person_times: int                     # 人次 = registered participants + headcounts
    people: int                           # 人数: distinct registered residents in the range
    headcount: int                        # of which unregistered
    by_type: dict[str, int]               # activities per type name (in list order)
    by_target_group: dict[str, int]       # activities per target-group label (all four, zeros included)
    person_times_by_target_group: dict[str, int]
    with_partners: int                    # activities with at least one partner


# -- the audit trail's words (services/audit.py ENTITIES / ENTITY_FIELDS) ----------------------

ACTIVITY_FIELDS: dict[str, Field] = {
    "held_on": Field(N_("Date"), kind="date"),
    "starts_at": Field(N_("Start time")),
    "ends_at": Field(N_("End time")),
    "title": Field(N_("Activity")),
    "activity_type_id": Field(N_("Kind of activity"), ref="activity_type"),
    "target_group": Field(N_("Target group"), codes=TARGET_GROUPS),
    "venue": Field(N_("Venue")),
    "organiser": Field(N_("Organiser")),
    "headcount": Field(N_("People not registered"), kind="number"),
    "notes": Field(N_("Notes")),
    "partners": Field(N_("Partners")),
    "registered": Field(N_("Registered participants"), kind="number"),
    "credited": Field(N_("Participants credited with points"), kind="number"),
}
PARTICIPANT_FIELDS: dict[str, Field] = {
    "activity_id": Field(N_("Activity"), ref="activity"),
    "resident_id": Field(N_("Resident record"), ref="resident"),
}
CHOICE_FIELDS = choices.choice_fields()


# -- helpers --------------------------------------------------------------------------------------

def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def group_label(key: str | None) -> str:
    return _(TARGET_GROUPS[key]) if key in TARGET_GROUPS else (key or "")


def _activity(s, activity_id, *, lock: bool = False) -> Activity:
    row = s.get(Activity, activity_id, with_for_update=lock) if activity_id is not None else None
    if row is None:
        raise NotFoundError(_("That activity is no longer in the ledger."))
    return row


def _partner_names(partners: list[tuple[str, str]]) -> str:
    return "、".join(name for _kind, name in partners)


def _check(s, data: ActivityInput, own: Activity | None, today: dt.date) -> tuple[dict, list[tuple]]:
    """The activity's column values and its partners [(kind, merchant_id, name)], or
    ValidationError with a message for each wrong field."""
    errors: dict[str, str] = {}
    held_on = data.held_on
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        errors["held_on"] = _("Please enter the date of the activity.")
    elif not EARLIEST <= held_on <= today + dt.timedelta(days=PLANNED_DAYS):
        errors["held_on"] = _("The date must be between 2000 and a year from today.")
    title = tidy_text(data.title)
    if not title:
        errors["title"] = _("Please enter the activity's title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is too long (at most {n} characters).").format(n=TITLE_MAX)
    t = s.get(ActivityType, data.activity_type_id) if _is_int(data.activity_type_id) else None
    if t is None:
        errors["activity_type_id"] = _("Please choose the kind of activity.")
    elif not t.active and (own is None or own.activity_type_id != t.id):
        errors["activity_type_id"] = _("“{name}” is no longer in use.").format(name=t.name)
    if data.target_group not in TARGET_GROUPS:
        errors["target_group"] = _("Please choose whom the activity is for.")
    starts, ends = data.starts_at, data.ends_at
    for key, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and not isinstance(value, dt.time):
            errors[key] = _("Please enter a time such as 14:30.")
    if isinstance(starts, dt.time) and isinstance(ends, dt.time) and ends <= starts:
        errors["ends_at"] = _("The activity must end after it starts.")
    if ends is not None and starts is None and "ends_at" not in errors:
        errors["starts_at"] = _("Please enter when the activity starts.")
    values = {"title": title, "venue": tidy_text(data.venue), "organiser": tidy_text(data.organiser)}
    for key, limit in (("venue", VENUE_MAX), ("organiser", ORGANISER_MAX)):
        if len(values[key]) > limit:
            errors[key] = _("Too long (at most {n} characters).").format(n=limit)
    headcount = data.headcount
    if not _is_int(headcount) or not 0 <= headcount <= HEADCOUNT_MAX:
        errors["headcount"] = _("The number of people not registered is a whole number from 0 to {n}.").format(
            n=format_number(HEADCOUNT_MAX))
    notes = (data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("The notes are too long (at most {n} characters).").format(n=NOTES_MAX)
    partners, problem = _check_partners(s, data.partners or [])
    if problem:
        errors["partners"] = problem
    if errors:
        raise ValidationError(errors)
    values.update(held_on=held_on, starts_at=starts, ends_at=ends, activity_type_id=t.id,
                  target_group=data.target_group, headcount=headcount, notes=notes)
    return values, partners


def _check_partners(s, given: list[PartnerInput]) -> tuple[list[tuple], str]:
    """[(kind, merchant_id, name)] in the order given, duplicates dropped; or a message."""
    if len(given) > PARTNERS_MAX:
        return [], _("At most {n} partners.").format(n=PARTNERS_MAX)
    out: list[tuple] = []
    seen: set = set()
    for p in given:
        if p.kind not in PARTNER_KINDS:
            return [], _("Please choose what kind of partner each one is.")
        name = tidy_text(p.name)
        merchant_id = None
        if p.kind == MERCHANT:
            merchant = s.get(Merchant, p.merchant_id) if _is_int(p.merchant_id) else None
            if merchant is None:
                return [], _("Please choose the alliance merchant from the list.")
            merchant_id, name = merchant.id, name or merchant.name
        if not name:
            return [], _("Please enter each partner's name.")
        if len(name) > PARTNER_MAX:
            return [], _("A partner's name is too long (at most {n} characters).").format(n=PARTNER_MAX)
        key = (p.kind, merchant_id, name)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out, ""


def _snapshot(a: Activity, partners: list[tuple]) -> dict:
    return {"held_on": a.held_on, "starts_at": a.starts_at.strftime("%H:%M") if a.starts_at else None,
            "ends_at": a.ends_at.strftime("%H:%M") if a.ends_at else None, "title": a.title,
            "activity_type_id": a.activity_type_id, "target_group": a.target_group, "venue": a.venue,
            "organiser": a.organiser, "headcount": a.headcount, "notes": a.notes,
            "partners": "、".join(name for _k, _m, name in partners)}


def _partners_of(s, activity_id: int) -> list[tuple]:
    return [tuple(r) for r in s.execute(select(ActivityPartner.kind, ActivityPartner.merchant_id,
                                               ActivityPartner.name)
                                        .where(ActivityPartner.activity_id == activity_id)
                                        .order_by(ActivityPartner.id))]


def _set_partners(s, activity_id: int, partners: list[tuple]) -> None:
    s.execute(delete(ActivityPartner).where(ActivityPartner.activity_id == activity_id))
    for kind, merchant_id, name in partners:
        s.add(ActivityPartner(activity_id=activity_id, kind=kind, merchant_id=merchant_id, name=name))


# -- activities (ACTIVITIES_RECORD) -------------------------------------------------------------

def add_activity(db: Database, data: ActivityInput, *, actor: access.Actor, today: dt.date | None = None) -> int:
    """Record an activity; returns its id."""
    access.require(actor, access.ACTIVITIES_RECORD)
    today = today or dt.date.today()
    with db.session() as s:
        values, partners = _check(s, data, None, today)
        now = dt.datetime.now()
        a = Activity(created_at=now, updated_at=now, **values)
        s.add(a)
        s.flush()
        _set_partners(s, a.id, partners)
        audit.record(s, actor, "create", "activity", a.id, a.title, audit.diff({}, _snapshot(a, partners)))
        return a.id


def update_activity(db: Database, activity_id: int, data: ActivityInput, *, actor: access.Actor,
                    loaded_at: dt.datetime | None = None, today: dt.date | None = None) -> None:
    """Change an activity's details and partners. `loaded_at`: its `updated_at` when the form was
    filled; if it was saved since (at another desk), the save is refused instead of undoing that change."""
    access.require(actor, access.ACTIVITIES_RECORD)
    today = today or dt.date.today()
    # The write lock: a second desk saving the same activity waits, then sees this save's updated_at.
    with db.write_session(wait_seconds=5) as s:
        a = _activity(s, activity_id, lock=True)
        if loaded_at is not None and a.updated_at != loaded_at:
            raise ValidationError({"updated_at": _(
                "This activity was changed at another desk meanwhile; close the form and open it again to "
                "see the change, then make yours.")})
        values, partners = _check(s, data, a, today)
        old_partners = _partners_of(s, a.id)
        before = _snapshot(a, old_partners)
        for key, value in values.items():
            setattr(a, key, value)
        if partners != old_partners:
            _set_partners(s, a.id, partners)
        changes = audit.diff(before, _snapshot(a, partners))
        if changes:  # saving unchanged is no change
            a.updated_at = dt.datetime.now()
            audit.record(s, actor, "update", "activity", a.id, a.title, changes)


def delete_activity(db: Database, activity_id: int, *, actor: access.Actor) -> None:
    """Remove an activity entered by mistake, with its partners and participants; refused once
    points were credited for it (the points ledger is never edited: reverse those entries first)."""
    access.require(actor, access.ACTIVITIES_RECORD)
    with db.session() as s:
        a = _activity(s, activity_id)
        credited = s.scalar(select(func.count(ActivityParticipant.id)).where(
            ActivityParticipant.activity_id == a.id, ActivityParticipant.points_entry_id.is_not(None)))
        if credited:
            raise ValidationError({"points": _(
                "Points were credited to {n} participants of this activity; the activity stays in the ledger "
                "with them.").format(n=format_number(credited))})
        before = _snapshot(a, _partners_of(s, a.id))
        registered = s.scalar(select(func.count(ActivityParticipant.id)).where(
            ActivityParticipant.activity_id == a.id)) or 0
        if registered:
            before["registered"] = registered
        audit.record(s, actor, "delete", "activity", a.id, a.title, audit.diff(before, {}))
        # The partners and participants first, as statements: the ORM knows no cascade between them.
        for model in (ActivityParticipant, ActivityPartner):
            s.execute(delete(model).where(model.activity_id == a.id))
        s.delete(a)


def _rows_stmt():
    registered = (select(ActivityParticipant.activity_id, func.count(ActivityParticipant.id).label("n"))
                  .group_by(ActivityParticipant.activity_id).subquery())
    return (select(Activity.id, Activity.held_on, Activity.starts_at, Activity.ends_at, Activity.title,
                   ActivityType.name, Activity.target_group, Activity.venue, Activity.organiser,
                   func.coalesce(registered.c.n, 0), Activity.headcount)
            .join(ActivityType, ActivityType.id == Activity.activity_type_id)
            .outerjoin(registered, registered.c.activity_id == Activity.id))


def _rows(con, stmt) -> list[ActivityRow]:
    found = con.execute(stmt).all()
    names: dict[int, list[str]] = {}
    ids = [r[0] for r in found]
    for start in range(0, len(ids), 900):  # bound parameters per statement stay under SQLite's limit
        for aid, name in con.execute(select(ActivityPartner.activity_id, ActivityPartner.name)
                                     .where(ActivityPartner.activity_id.in_(ids[start:start + 900]))
                                     .order_by(ActivityPartner.id)):
            names.setdefault(aid, []).append(name)
    return [ActivityRow(aid, held_on, starts, ends, title, type_name, group, group_label(group), venue, organiser,
                        "、".join(names.get(aid, ())), registered, headcount)
            for aid, held_on, starts, ends, title, type_name, group, venue, organiser, registered, headcount in found]


def list_activities(db: Database, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                    query: str = "", type_id: int | None = None, target_group: str | None = None) -> list[ActivityRow]:
    """The ledger, newest first: activities in the range (inclusive; None: open), of a type, for a
    target group, whose title, venue, organiser or a partner's name contains `query`."""
    stmt = _rows_stmt().order_by(Activity.held_on.desc(), Activity.starts_at.desc().nulls_last(),
                                 Activity.id.desc())
    if date_from is not None:
        stmt = stmt.where(Activity.held_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Activity.held_on <= date_to)
    if type_id is not None:
        stmt = stmt.where(Activity.activity_type_id == type_id)
    if target_group:
        stmt = stmt.where(Activity.target_group == target_group)
    term = " ".join(tidy_text(normalise_text(query)).split())
    if term:
        partner = select(ActivityPartner.id).where(ActivityPartner.activity_id == Activity.id,
                                                   ActivityPartner.name.icontains(term, autoescape=True))
        stmt = stmt.where(or_(Activity.title.icontains(term, autoescape=True),
                              Activity.venue.icontains(term, autoescape=True),
                              Activity.organiser.icontains(term, autoescape=True), partner.exists()))
    with db.engine.connect() as con:
        return _rows(con, stmt)


def _participants(s, activity_id: int, resident_ids=None) -> list[ParticipantRow]:
    stmt = (select(Resident.id, Resident.name, Resident.member_code, Resident.phone, LedgerEntry.points)
            .join(ActivityParticipant, ActivityParticipant.resident_id == Resident.id)
            .outerjoin(LedgerEntry, LedgerEntry.id == ActivityParticipant.points_entry_id)
            .where(ActivityParticipant.activity_id == activity_id)
            .order_by(Resident.sort_key, Resident.id))
    if resident_ids is not None:
        stmt = stmt.where(Resident.id.in_(resident_ids))
    return [ParticipantRow(rid, name, code or "", mask_phone(phone), pts)
            for rid, name, code, phone, pts in s.execute(stmt)]


def get_activity(db: Database, activity_id: int) -> ActivityDetail:
    """An activity with its details as the form edits them, and its participants (phones masked)."""
    with db.session() as s:
        a = _activity(s, activity_id)
        row = _rows(s, _rows_stmt().where(Activity.id == a.id))[0]
        partners = [PartnerInput(kind, name, merchant_id) for kind, merchant_id, name in _partners_of(s, a.id)]
        data = ActivityInput(held_on=a.held_on, title=a.title, activity_type_id=a.activity_type_id,
                             target_group=a.target_group, starts_at=a.starts_at, ends_at=a.ends_at, venue=a.venue,
                             organiser=a.organiser, headcount=a.headcount, notes=a.notes, partners=partners)
        return ActivityDetail(row, data, _participants(s, a.id), a.updated_at)


# -- participants --------------------------------------------------------------------------------

def _add(s, actor, a: Activity, residents: list[Resident], now: dt.datetime) -> int:
    there = set(s.scalars(select(ActivityParticipant.resident_id).where(ActivityParticipant.activity_id == a.id)))
    added = 0
    for r in residents:
        if r.id in there:
            continue
        there.add(r.id)
        p = ActivityParticipant(activity_id=a.id, resident_id=r.id, added_at=now)
        s.add(p)
        s.flush()
        audit.record(s, actor, "create", "activity_participant", p.id, "{}: {}".format(a.title, r.name),
                     {"activity_id": [None, a.id], "resident_id": [None, r.id]})
        added += 1
    return added


def add_participants(db: Database, activity_id: int, resident_ids: list[int], *, actor: access.Actor) -> int:
    """Add registered residents to an activity (those already there are skipped); returns how many
    were added. A resident who no longer exists or has moved away refuses the lot."""
    access.require(actor, access.ACTIVITIES_RECORD)
    ids = list(dict.fromkeys(resident_ids or []))
    with points._writing(db) as s:  # the write lock: two desks adding the same person meet no UNIQUE error
        a = _activity(s, activity_id)
        if not ids:
            return 0
        people = {r.id: r for r in s.scalars(select(Resident).where(Resident.id.in_(ids)))}
        if len(people) < len(ids):
            raise ValidationError({"resident_ids": _("A chosen resident no longer exists.")})
        gone = [people[i].name for i in ids if not people[i].active]
        if gone:
            raise ValidationError({"resident_ids": _("Moved away (deactivated): {names}.").format(
                names=_(", ").join(gone))})
        return _add(s, actor, a, [people[i] for i in ids], dt.datetime.now())


def add_participant_by_scan(db: Database, activity_id: int, text: str, *, actor: access.Actor) -> ParticipantRow:
    """Add the resident whose member card (ND:<code>, or the code typed) or ID number was scanned, as
    the day-care desk finds them; a resident already there is returned with `added` False."""
    from app.services.daycare import _find_scanned  # the day-care desk's scan, reused as it is

    access.require(actor, access.ACTIVITIES_RECORD)
    with points._writing(db) as s:
        a = _activity(s, activity_id)
        resident = _find_scanned(s, text) if str(text or "").strip() else None
        if resident is None:
            raise ValidationError({"scan": _("No resident has this member card or ID number.")})
        if not resident.active:
            raise ValidationError({"scan": _("{name} has moved away (deactivated).").format(name=resident.name)})
        added = _add(s, actor, a, [resident], dt.datetime.now())
        row = _participants(s, a.id, [resident.id])[0]
        row.added = bool(added)
        return row


def remove_participant(db: Database, activity_id: int, resident_id: int, *, actor: access.Actor) -> None:
    """Take a resident off an activity's list; refused once points were credited for it."""
    access.require(actor, access.ACTIVITIES_RECORD)
    with db.session() as s:
        a = _activity(s, activity_id)
        p = s.scalar(select(ActivityParticipant).where(ActivityParticipant.activity_id == a.id,
                                                      ActivityParticipant.resident_id == resident_id))
        if p is None:
            raise NotFoundError(_("That resident is not on the activity's list."))
        if p.points_entry_id is not None:
            raise ValidationError({"points": _(
                "Points were credited for this activity; the participant stays on the list.")})
        name = s.scalar(select(Resident.name).where(Resident.id == resident_id)) or ""
        audit.record(s, actor, "delete", "activity_participant", p.id, "{}: {}".format(a.title, name),
                     {"activity_id": [a.id, None], "resident_id": [resident_id, None]})
        s.delete(p)


def credit_points(db: Database, activity_id: int, service_type_id: int, *, actor: access.Actor, quantity: int = 1,
                  minutes: int | None = None, today: dt.date | None = None) -> int:
    """Credit volunteer points for the activity, on its day, to every participant not credited yet, in
    one transaction (all or nothing); returns how many were credited. A kind of service counted by
    the occasion earns `quantity` occasions; one counted by the hour earns `minutes` (default: the
    activity's start to end). Needs POINTS_EARN as well as ACTIVITIES_RECORD."""
    access.require(actor, access.ACTIVITIES_RECORD)
    access.require(actor, access.POINTS_EARN)
    today = today or dt.date.today()
    # points.earn_many owns its transaction and returns a count, not the entries; its steps are used
    # here instead, so the entries and the participants' points_entry_id commit together.
    with points._writing(db) as s:
        a = _activity(s, activity_id)
        waiting = list(s.execute(select(ActivityParticipant, Resident)
                                 .join(Resident, Resident.id == ActivityParticipant.resident_id)
                                 .where(ActivityParticipant.activity_id == a.id,
                                        ActivityParticipant.points_entry_id.is_(None))
                                 .order_by(Resident.sort_key, Resident.id)).all())
        errors: dict[str, str] = {}
        t = s.get(ServiceType, service_type_id) if _is_int(service_type_id) else None
        if t is not None and t.unit == points.HOUR and minutes is None:
            if a.starts_at is None or a.ends_at is None:
                errors["minutes"] = _("Please enter the time served (the activity has no start and end time).")
            else:
                minutes = ((a.ends_at.hour - a.starts_at.hour) * 60 + a.ends_at.minute - a.starts_at.minute)
        quantity_, pts = 0, 0
        if "minutes" not in errors:
            quantity_, pts = points._check_earning(s, t, a.held_on, minutes or 0, quantity, today, errors)
        gone = [r.name for _p, r in waiting if not r.active]
        if gone:
            errors["resident_ids"] = _("Moved away (deactivated): {names}.").format(names=_(", ").join(gone))
        if errors:
            raise ValidationError(errors)
        if not waiting:
            return 0
        now = dt.datetime.now()
        for p, r in waiting:
            points._account_add(s, r.id, pts, now)
            p.points_entry_id = points._entry(s, actor, r, points.EARN, pts, a.held_on, now, service_type_id=t.id,
                                              quantity=quantity_, note=a.title[:points.NOTE_MAX]).id
        audit.record(s, actor, "update", "activity", a.id, a.title, {"credited": [None, len(waiting)]})
        return len(waiting)


# -- figures for the monthly report -----------------------------------------------------------------

def figures(db: Database, date_from: dt.date, date_to: dt.date) -> ActivityFigures:
    """The range's (inclusive) activities (场次), person-times (人次: registered participants plus
    headcounts), distinct registered people (人数), by type and by target group."""
    in_range = (Activity.held_on >= date_from) & (Activity.held_on <= date_to)
    with db.engine.connect() as con:
        per_group = {g: (n, heads) for g, n, heads in con.execute(
            select(Activity.target_group, func.count(Activity.id), func.coalesce(func.sum(Activity.headcount), 0))
            .where(in_range).group_by(Activity.target_group))}
        registered = dict(con.execute(
            select(Activity.target_group, func.count(ActivityParticipant.id))
            .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
            .where(in_range).group_by(Activity.target_group)).all())
        people = con.scalar(select(func.count(distinct(ActivityParticipant.resident_id)))
                            .join(Activity, Activity.id == ActivityParticipant.activity_id).where(in_range)) or 0
        per_type = dict(con.execute(select(Activity.activity_type_id, func.count(Activity.id)).where(in_range)
                                    .group_by(Activity.activity_type_id)).all())
        types = con.execute(select(ActivityType.id, ActivityType.name, ActivityType.active)
                            .order_by(ActivityType.sort_order, ActivityType.id)).all()
        with_partners = con.scalar(select(func.count(distinct(ActivityPartner.activity_id)))
                                   .join(Activity, Activity.id == ActivityPartner.activity_id).where(in_range)) or 0
    headcount = sum(int(h) for _n, h in per_group.values())
    total_registered = sum(registered.values())
    return ActivityFigures(
        date_from=date_from, date_to=date_to,
        activities=sum(n for n, _h in per_group.values()),
        person_times=total_registered + headcount, people=people, headcount=headcount,
        # every type in use, and a retired one only where it was held
        by_type={name: per_type.get(tid, 0) for tid, name, active in types if active or per_type.get(tid)},
        by_target_group={group_label(g): per_group.get(g, (0, 0))[0] for g in TARGET_GROUPS},
        person_times_by_target_group={group_label(g): registered.get(g, 0) + int(per_group.get(g, (0, 0))[1])
                                      for g in TARGET_GROUPS},
        with_partners=with_partners)


# -- the list of kinds -----------------------------------------------------------------------------

def seed(db: Database, *, actor: access.Actor) -> int:
    """The default kinds of activity, when the list is empty; how many were added."""
    return choices.seed(db, [(ACTIVITY_TYPES, [{"name": name} for name in DEFAULT_TYPES])], actor=actor)
