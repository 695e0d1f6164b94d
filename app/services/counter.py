"""One-stop service counter (一站式便民服务): requests as tickets, through the closed loop

    受理 received → 转办 dispatched → 处置中 handling → 办结 resolved → 已回访 followed_up → 归档 archived

with escalation grid → centre → town (小事不出网格、大事不出中心), holds that stop the
deadline clock, and a reopen when the resident was not satisfied. Deadlines are
counted in working days: weekends and the administrator's holidays are skipped,
make-up working days (调休上班) count (services/calendar.py).

What a step does to a ticket is decided in one place, the pure `step()` over a `TicketState`;
`move()`, `allowed_actions()` and the demo's replay all go through it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from sqlalchemy import case, func, or_, select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import N_, _, format_date, format_number, ngettext
from app.models import Grid, RequestCategory, Resident, Staff, Ticket, TicketEvent
from app.services import access, audit, centre, grids
from app.services.calendar import Calendar, calendar_in
from app.services.fields import Field
from app.services.validators import InvalidValue, normalise_phone, normalise_text

# -- vocabularies ---------------------------------------------------------------------------

GRID_LEVEL, CENTRE_LEVEL, TOWN_LEVEL = "grid", "centre", "town"
# The town level is called what the centre's settings say (街道, 镇 …): see level_label().
LEVELS: dict[str, str] = {
    GRID_LEVEL: N_("Grid"),
    CENTRE_LEVEL: N_("Centre"),
    TOWN_LEVEL: centre.UPPER_LEVELS[centre.DEFAULT_UPPER_LEVEL],
}
LEVEL_ORDER = [GRID_LEVEL, CENTRE_LEVEL, TOWN_LEVEL]

CHANNELS: dict[str, str] = {
    "counter": N_("At the counter"),
    "phone": N_("By phone"),
    "grid_worker": N_("Found by a grid worker"),
    "home_visit": N_("Home visit"),
}

# The article's three ways of dealing with a matter; the codes stay as they were stored.
URGENCIES: dict[str, str] = {
    "normal": N_("Minor matter"),       # 小事简议
    "urgent": N_("Urgent matter"),      # 急事快议
    "difficult": N_("Complex matter"),  # 难事众议
}

SATISFACTIONS: dict[str, str] = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "unsatisfied": N_("Not satisfied"),
}

# How the resident was reached for the follow-up (回访方式).
FOLLOW_UP_METHODS: dict[str, str] = {
    "phone": N_("Phone call"),        # 电话回访
    "home_visit": N_("Visit at home"),  # 上门回访
    "sms": N_("Text message"),        # 短信回访
    "wechat": N_("WeChat"),           # 微信回访
    "in_person": N_("In person"),     # 当面回访
}

RECEIVED, DISPATCHED, HANDLING = "received", "dispatched", "handling"
RESOLVED, FOLLOWED_UP, ARCHIVED = "resolved", "followed_up", "archived"
STATUSES: dict[str, str] = {
    RECEIVED: N_("Received"),
    DISPATCHED: N_("Dispatched"),
    HANDLING: N_("In progress"),
    RESOLVED: N_("Resolved"),
    FOLLOWED_UP: N_("Followed up"),
    ARCHIVED: N_("Archived"),
}
OPEN_STATUSES = (RECEIVED, DISPATCHED, HANDLING)

ACTION_LABELS: dict[str, str] = {
    "received": N_("Receive"),
    "dispatch": N_("Dispatch"),
    "start": N_("Start handling"),
    "resolve": N_("Resolve"),
    "follow_up": N_("Follow up"),
    "archive": N_("Archive"),
    "escalate": N_("Escalate"),
    "reopen": N_("Reopen"),
    "hold": N_("Put on hold"),
    "resume": N_("Resume"),
}

# The end of "A ticket that is … cannot be …" for each action.
ACTION_REFUSED: dict[str, str] = {
    "dispatch": N_("dispatched"),
    "start": N_("taken in hand"),
    "resolve": N_("resolved"),
    "follow_up": N_("followed up"),
    "archive": N_("archived"),
    "reopen": N_("reopened"),
    "escalate": N_("escalated"),
    "hold": N_("put on hold"),
    "resume": N_("resumed"),
}

# The state table: action -> (statuses it is allowed from, status it leads to; None = unchanged).
MOVES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "dispatch": ((RECEIVED,), DISPATCHED),
    "start": ((DISPATCHED,), HANDLING),
    "resolve": ((HANDLING,), RESOLVED),
    "follow_up": ((RESOLVED,), FOLLOWED_UP),
    "archive": ((FOLLOWED_UP,), ARCHIVED),
    "reopen": ((FOLLOWED_UP,), HANDLING),       # only when the resident was not satisfied
    "escalate": (OPEN_STATUSES, None),          # level grid → centre → town
    "hold": (OPEN_STATUSES, None),              # the deadline clock stops
    "resume": (OPEN_STATUSES, None),            # only when on hold; the deadline moves later
}

# The default catalogue: (msgid, default level, promised working days).
DEFAULT_CATALOGUE: list[tuple[str, str, int]] = [
    (N_("Social and medical insurance"), CENTRE_LEVEL, 5),
    (N_("Household registration and certificates"), CENTRE_LEVEL, 5),
    (N_("Elder benefits"), CENTRE_LEVEL, 5),
    (N_("Disability affairs"), CENTRE_LEVEL, 7),
    (N_("Assistance for families in difficulty"), CENTRE_LEVEL, 10),
    (N_("Employment"), CENTRE_LEVEL, 5),
    (N_("Legal advice"), CENTRE_LEVEL, 3),
    (N_("Disputes and mediation"), GRID_LEVEL, 5),
    (N_("Property and environment"), GRID_LEVEL, 3),
    (N_("Other"), GRID_LEVEL, 5),
]

NAME_MAX = 50
MAX_PROMISED_DAYS = 60
QR_PREFIX = "NDT:"  # what a receipt's QR code holds before the ticket number


def _label(table: dict[str, str], key: str | None) -> str:
    return _(table[key]) if key in table else (key or "")


def status_label(status: str) -> str:
    return _label(STATUSES, status)


def level_label(level: str | None, upper_level: str | None = None) -> str:
    """A level as people call it; the town level by the centre's setting (`upper_level`, a key of
    centre.UPPER_LEVELS; None: the default)."""
    if level == TOWN_LEVEL:
        return centre.upper_level_label(upper_level)
    return _label(LEVELS, level)


def level_labels(db: Database) -> dict[str, str]:
    """{level: label} in the order of LEVEL_ORDER, the town level by the centre's setting (for choices)."""
    upper = centre.upper_level(db)
    return {level: level_label(level, upper) for level in LEVEL_ORDER}


def _show_level(value, lookup) -> str:
    return level_label(value, lookup.settings.get(centre.UPPER_LEVEL_KEY)) if value in LEVELS else str(value)


# The fields of a ticket and of a request category as the audit trail shows them (services/audit.py).
TICKET_FIELDS: dict[str, Field] = {
    "resident_id": Field(N_("Requester"), ref="resident"),
    "walk_in_name": Field(N_("Requester (not registered)")),
    "walk_in_phone": Field(N_("Requester's phone")),
    "grid_id": Field(N_("Grid"), ref="grid"),
    "channel": Field(N_("Came in"), codes=CHANNELS),
    "category_id": Field(N_("Kind of request"), ref="request_category"),
    "urgency": Field(N_("Urgency"), codes=URGENCIES),
    "level": Field(N_("Level"), show=_show_level),
    "assignee": Field(N_("Handled by")),
    "proxy_errand": Field(N_("By proxy"), kind="bool"),
    "proxy_principal": Field(N_("On behalf of")),
    "proxy_agent": Field(N_("Errand run by")),
    "proxy_matter": Field(N_("Authorised matter")),
    "received_on": Field(N_("Received on"), kind="date"),
    "due_on": Field(N_("Deadline"), kind="date"),
    "status": Field(N_("Status"), codes=STATUSES),
    "resolved_on": Field(N_("Resolved on"), kind="date"),
    "held_since": Field(N_("On hold since"), kind="date"),
    "held_days": Field(N_("Working days on hold"), kind="number"),
    "satisfaction": Field(N_("Satisfaction"), codes=SATISFACTIONS),
    "follow_up_method": Field(N_("Follow-up by"), codes=FOLLOW_UP_METHODS),
    "followed_up_on": Field(N_("Followed up on"), kind="date"),
    "archived_on": Field(N_("Archived on"), kind="date"),
}
CATEGORY_FIELDS: dict[str, Field] = {
    "name": Field(N_("Kind of request")),
    "default_level": Field(N_("Usually handled at"), show=_show_level),
    "promised_working_days": Field(N_("Promised working days"), kind="number"),
    "sort_order": Field(N_("Order")),
    "active": Field(N_("In use"), kind="bool"),
}


# -- categories (admin) -----------------------------------------------------------------------

@dataclass
class CategoryInput:
    name: str = ""
    default_level: str = CENTRE_LEVEL
    promised_working_days: int = 5
    sort_order: int = 0


@dataclass
class CategoryRow:
    id: int
    name: str
    default_level: str
    promised_working_days: int
    active: bool
    sort_order: int
    upper_level: str | None = None  # what the town level is called (centre.UPPER_LEVELS)

    @property
    def level_label(self) -> str:
        return level_label(self.default_level, self.upper_level)


def _category_row(c: RequestCategory, upper_level: str | None = None) -> CategoryRow:
    return CategoryRow(c.id, c.name, c.default_level, c.promised_working_days, c.active, c.sort_order,
                       upper_level)


def list_categories(db: Database, *, include_inactive: bool = False) -> list[CategoryRow]:
    stmt = select(RequestCategory).order_by(RequestCategory.sort_order, RequestCategory.id)
    if not include_inactive:
        stmt = stmt.where(RequestCategory.active.is_(True))
    with db.session() as s:
        upper = centre.upper_level_in(s)
        return [_category_row(c, upper) for c in s.scalars(stmt)]


def _validate_category(s, data: CategoryInput, own_id: int | None) -> dict:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Please enter the category's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
    else:
        other = s.scalar(select(RequestCategory.id).where(RequestCategory.name == name))
        if other is not None and other != own_id:
            errors["name"] = _("There is already a category called {name}.").format(name=name)
    if data.default_level not in LEVELS:
        errors["default_level"] = _("Please choose the level: grid, centre or town.")
    days = data.promised_working_days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_PROMISED_DAYS:
        errors["promised_working_days"] = _(
            "The promised time is between 1 and {n} working days.").format(n=MAX_PROMISED_DAYS)
    if errors:
        raise ValidationError(errors)
    return {"name": name, "default_level": data.default_level, "promised_working_days": days,
            "sort_order": int(data.sort_order or 0)}


def add_category(db: Database, data: CategoryInput, *, actor: access.Actor) -> int:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        values = _validate_category(s, data, None)
        category = RequestCategory(active=True, **values)
        s.add(category)
        s.flush()
        audit.record(s, actor, "create", "request_category", category.id, category.name,
                     audit.diff({}, values))
        return category.id


def update_category(db: Database, category_id: int, data: CategoryInput, *, actor: access.Actor) -> None:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        category = _get_category(s, category_id)
        values = _validate_category(s, data, category_id)
        before = {k: getattr(category, k) for k in values}
        for key, value in values.items():
            setattr(category, key, value)
        audit.record(s, actor, "update", "request_category", category.id, category.name,
                     audit.diff(before, values))


def set_category_active(db: Database, category_id: int, active: bool, *, actor: access.Actor) -> None:
    """Retire a category (old tickets keep it) or bring it back."""
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        category = _get_category(s, category_id)
        if category.active == bool(active):
            return
        category.active = bool(active)
        audit.record(s, actor, "reactivate" if active else "deactivate", "request_category", category.id,
                     category.name, audit.diff({"active": not active}, {"active": bool(active)}))


def ensure_default_catalogue(db: Database, *, actor: access.Actor) -> int:
    """Seed the default categories when there are none yet; returns how many were added."""
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(RequestCategory)):
            return 0
        for order, (msgid, level, days) in enumerate(DEFAULT_CATALOGUE):
            category = RequestCategory(name=_(msgid), default_level=level, promised_working_days=days,
                                       active=True, sort_order=order)
            s.add(category)
            s.flush()
            audit.record(s, actor, "create", "request_category", category.id, category.name,
                         audit.diff({}, {"name": category.name, "default_level": level,
                                         "promised_working_days": days}))
        return len(DEFAULT_CATALOGUE)


def _get_category(s, category_id: int) -> RequestCategory:
    category = s.get(RequestCategory, category_id)
    if category is None:
        raise NotFoundError(_("Request category {id} does not exist.").format(id=category_id))
    return category


# -- tickets ----------------------------------------------------------------------------------

@dataclass
class TicketInput:
    """What the counter form supplies when a request is received."""

    category_id: int | None = None
    description: str = ""
    resident_id: int | None = None   # the requester from the registry, or …
    walk_in_name: str = ""           # … someone who is not registered
    walk_in_phone: str = ""
    channel: str = "counter"
    urgency: str = "normal"
    level: str | None = None         # None: the category's default level
    assignee: str = ""
    grid_id: int | None = None       # None: the resident's grid
    proxy_errand: bool = False       # 代办
    proxy_principal: str = ""        # None given: the requester
    proxy_agent: str = ""
    proxy_matter: str = ""
    received_on: dt.date | None = None  # None: today (earlier dates for paper tickets entered late)
    dispatch_now: bool = False       # received and dispatched to `assignee` in one step (受理即转办)


@dataclass
class TicketInfo:
    """A ticket as lists, receipts and detail views show it."""

    id: int
    number: str
    requester: str
    requester_phone: str
    resident_id: int | None
    category_id: int
    category: str
    channel: str
    description: str
    urgency: str
    level: str
    assignee: str
    grid_id: int | None
    grid: str
    status: str
    received_on: dt.date
    due_on: dt.date
    resolved_on: dt.date | None
    held_since: dt.date | None
    held_days: int
    satisfaction: str | None
    follow_up_comment: str
    follow_up_method: str | None
    proxy_errand: bool
    proxy_principal: str
    proxy_agent: str
    proxy_matter: str
    overdue: bool
    due_today: bool
    escalated: bool = False  # moved up a level at least once (not 小事不出网格)
    upper_level: str | None = None  # what the town level is called (centre.UPPER_LEVELS)

    @property
    def on_hold(self) -> bool:
        return self.held_since is not None

    @property
    def resolved_within_grid(self) -> bool:
        """Resolved without leaving the grid (小事不出网格)."""
        return self.resolved_on is not None and self.level == GRID_LEVEL

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def level_label(self) -> str:
        return level_label(self.level, self.upper_level)

    @property
    def channel_label(self) -> str:
        return _label(CHANNELS, self.channel)

    @property
    def urgency_label(self) -> str:
        return _label(URGENCIES, self.urgency)

    @property
    def satisfaction_label(self) -> str:
        return _label(SATISFACTIONS, self.satisfaction)

    @property
    def follow_up_method_label(self) -> str:
        return _label(FOLLOW_UP_METHODS, self.follow_up_method)


TicketRow = TicketInfo  # one line of the tickets list


@dataclass
class EventRow:
    at: dt.datetime
    actor_name: str   # as stored: the account name (or the command line's OS user)
    action: str
    from_status: str
    to_status: str
    note: str
    actor: str = ""   # as people know them: the staff member's display name, else actor_name

    @property
    def action_label(self) -> str:
        return _label(ACTION_LABELS, self.action)


def _overdue(t: Ticket, today: dt.date) -> bool:
    """Open and past its deadline; the clock of a ticket on hold stopped when it was held."""
    if t.status not in OPEN_STATUSES:
        return False
    return (t.held_since or today) > t.due_on


def _due_today(t: Ticket, today: dt.date) -> bool:
    return t.status in OPEN_STATUSES and t.held_since is None and t.due_on == today


@dataclass
class _Requester:
    name: str
    phone: str


def _info(t: Ticket, category: str, resident: Resident | _Requester | None, grid: str, today: dt.date,
          escalated: bool = False, upper_level: str | None = None) -> TicketInfo:
    return TicketInfo(
        id=t.id, number=t.number,
        requester=resident.name if resident is not None else t.walk_in_name,
        requester_phone=resident.phone if resident is not None else t.walk_in_phone,
        resident_id=t.resident_id, category_id=t.category_id, category=category, channel=t.channel,
        description=t.description, urgency=t.urgency, level=t.level, assignee=t.assignee,
        grid_id=t.grid_id, grid=grid, status=t.status, received_on=t.received_on, due_on=t.due_on,
        resolved_on=t.resolved_on, held_since=t.held_since, held_days=t.held_days,
        satisfaction=t.satisfaction, follow_up_comment=t.follow_up_comment, follow_up_method=t.follow_up_method,
        proxy_errand=t.proxy_errand, proxy_principal=t.proxy_principal, proxy_agent=t.proxy_agent,
        proxy_matter=t.proxy_matter, overdue=_overdue(t, today), due_today=_due_today(t, today),
        escalated=escalated, upper_level=upper_level)


def _escalated_ids(s, ticket_ids=None) -> set[int]:
    stmt = select(TicketEvent.ticket_id).where(TicketEvent.action == "escalate").distinct()
    if ticket_ids is not None:
        stmt = stmt.where(TicketEvent.ticket_id.in_(ticket_ids))
    return set(s.scalars(stmt))


def _load_info(s, t: Ticket, today: dt.date) -> TicketInfo:
    category = s.get(RequestCategory, t.category_id)
    resident = s.get(Resident, t.resident_id) if t.resident_id is not None else None
    grid = s.get(Grid, t.grid_id) if t.grid_id is not None else None
    return _info(t, category.name if category else "", resident, grid.name if grid else "", today,
                 bool(_escalated_ids(s, [t.id])), centre.upper_level_in(s))


def _get_ticket(s, ticket_id: int) -> Ticket:
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFoundError(_("Ticket {id} does not exist.").format(id=ticket_id))
    return ticket


def get_ticket(db: Database, ticket_id: int, today: dt.date | None = None) -> TicketInfo:
    with db.session() as s:
        return _load_info(s, _get_ticket(s, ticket_id), today or dt.date.today())


def ticket_qr_payload(number: str) -> str:
    """What a printed ticket's QR code holds: the ticket number only, never personal data."""
    return QR_PREFIX + number


def find_ticket_id(db: Database, text: str) -> int:
    """The id of the ticket numbered `text` (FW202611-0042, also as scanned: NDT:FW202611-0042),
    or with that record number."""
    text = _clean(text).upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):].strip()
    with db.session() as s:
        found = s.scalar(select(Ticket.id).where(Ticket.number == text))
        if found is None and text.isdigit() and s.get(Ticket, int(text)) is not None:
            found = int(text)
    if found is None:
        raise NotFoundError(_("There is no ticket {number}.").format(number=text))
    return found


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _validate_ticket(s, data: TicketInput, today: dt.date, cal: Calendar) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}

    resident = None
    walk_in_name = _clean(data.walk_in_name)
    if data.resident_id is not None:
        resident = s.get(Resident, data.resident_id)
        if resident is None:
            errors["resident_id"] = _("The chosen resident no longer exists.")
        walk_in_name = ""
    elif not walk_in_name:
        errors["requester"] = _("Please choose a resident or enter the name of the person asking.")
    elif len(walk_in_name) > NAME_MAX:
        errors["walk_in_name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
    values["resident_id"] = data.resident_id
    values["walk_in_name"] = walk_in_name
    values["walk_in_phone"] = ""
    if data.resident_id is None and walk_in_name:
        if not (data.walk_in_phone or "").strip():
            errors["walk_in_phone"] = _("Please enter a phone number, so the centre can follow up.")
        else:
            try:
                values["walk_in_phone"] = normalise_phone(data.walk_in_phone)
            except InvalidValue as exc:
                errors["walk_in_phone"] = exc.message

    category = None
    if data.category_id is None:
        errors["category_id"] = _("Please choose the kind of request.")
    else:
        category = s.get(RequestCategory, data.category_id)
        if category is None or not category.active:
            errors["category_id"] = _("The chosen kind of request is not in use.")
    values["category_id"] = data.category_id

    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("Please describe the request.")
    values["description"] = description

    if data.channel not in CHANNELS:
        errors["channel"] = _("Please choose how the request came in.")
    if data.urgency not in URGENCIES:
        errors["urgency"] = _("Please choose the urgency.")
    if data.level is not None and data.level not in LEVELS:
        errors["level"] = _("Please choose the level: grid, centre or town.")
    values.update(channel=data.channel, urgency=data.urgency, assignee=_clean(data.assignee)[:NAME_MAX])
    if data.dispatch_now and not values["assignee"]:
        errors["assignee"] = _("Please enter who the ticket is dispatched to.")
    values["level"] = data.level or (category.default_level if category is not None else GRID_LEVEL)

    grid_id = data.grid_id
    if grid_id is None and resident is not None:
        grid_id = resident.grid_id
    if grid_id is not None and s.get(Grid, grid_id) is None:
        errors["grid_id"] = _("The chosen grid no longer exists.")
    values["grid_id"] = grid_id

    values["proxy_errand"] = bool(data.proxy_errand)
    values["proxy_principal"] = values["proxy_agent"] = values["proxy_matter"] = ""
    if data.proxy_errand:
        principal = _clean(data.proxy_principal) or (resident.name if resident is not None else walk_in_name)
        agent, matter = _clean(data.proxy_agent), (data.proxy_matter or "").strip()
        if not agent:
            errors["proxy_agent"] = _("Please enter who runs the errand for the resident.")
        if not matter:
            errors["proxy_matter"] = _("Please enter the matter the resident authorised.")
        values.update(proxy_principal=principal[:NAME_MAX], proxy_agent=agent[:NAME_MAX],
                      proxy_matter=matter[:200])

    received_on = data.received_on or today
    if received_on > today:
        errors["received_on"] = _("The date of receipt is in the future.")
    elif category is not None and category.active:
        due = cal.add(received_on, category.promised_working_days)
        if due < today:
            errors["received_on"] = _(
                "The promised deadline ({date}) would already be past; a ticket cannot start overdue.").format(
                    date=due.isoformat())
        values["due_on"] = due
    values["received_on"] = received_on
    if errors:
        raise ValidationError(errors)
    return values


def _next_number(s, received_on: dt.date) -> str:
    prefix = f"FW{received_on:%Y%m}-"
    numbers = s.scalars(select(Ticket.number).where(Ticket.number.like(prefix + "%")))
    last = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


AUDITED = ("resident_id", "walk_in_name", "walk_in_phone", "grid_id", "channel", "category_id", "urgency",
           "level", "assignee", "proxy_errand", "proxy_principal", "proxy_agent", "proxy_matter",
           "received_on", "due_on", "status")


def receive_ticket(db: Database, data: TicketInput, *, actor: access.Actor,
                   today: dt.date | None = None) -> TicketInfo:
    """Receive a request (受理): a numbered ticket with its promised deadline."""
    access.require(actor, access.COUNTER_RECEIVE)
    today = today or dt.date.today()
    # The write lock from the start: a second desk receiving at the same moment waits, then
    # numbers after this one (on PostgreSQL a failed insert would abort the transaction).
    with db.write_session(wait_seconds=5) as s:
        values = _validate_ticket(s, data, today, calendar_in(s))
        now = dt.datetime.now()
        ticket = Ticket(number=_next_number(s, values["received_on"]), status=RECEIVED, held_days=0,
                        follow_up_comment="", created_at=now, updated_at=now, **values)
        s.add(ticket)
        s.flush()
        s.add(TicketEvent(ticket_id=ticket.id, at=now, actor_name=actor.name[:50], from_status="",
                          to_status=RECEIVED, action="received", note=""))
        if data.dispatch_now:
            access.require(actor, access.COUNTER_HANDLE)
            ticket.status = DISPATCHED
            s.add(TicketEvent(ticket_id=ticket.id, at=now, actor_name=actor.name[:50],
                              from_status=RECEIVED, to_status=DISPATCHED, action="dispatch",
                              note=""))
        audit.record(s, actor, "create", "ticket", ticket.id, ticket.number,
                     audit.diff({}, {k: getattr(ticket, k) for k in AUDITED}))
        return _load_info(s, ticket, today)


# -- the closed loop: one pure function decides what a step does --------------------------------

@dataclass(frozen=True)
class TicketState:
    """What the closed loop's rules read and write of a ticket: the input and output of step()."""

    status: str
    level: str
    received_on: dt.date
    due_on: dt.date
    assignee: str = ""
    resolved_on: dt.date | None = None
    held_since: dt.date | None = None
    held_days: int = 0
    satisfaction: str | None = None
    follow_up_comment: str = ""
    follow_up_method: str | None = None
    followed_up_on: dt.date | None = None
    archived_on: dt.date | None = None
    number: str = ""  # only for the message of a refusal

    @property
    def on_hold(self) -> bool:
        return self.held_since is not None

    @classmethod
    def of(cls, ticket) -> TicketState:
        """The state of a Ticket or a TicketInfo; fields it lacks (a TicketInfo has no follow-up
        or archive date) get their defaults."""
        return cls(**{f.name: getattr(ticket, f.name) for f in fields(cls) if hasattr(ticket, f.name)})


class MoveRefused(DeskError):
    """step() refuses: the state table, or the ticket's state, does not allow this step."""


def _not_an_action(action: str) -> MoveRefused:
    return MoveRefused(_("{action} is not something a ticket can do.").format(action=action))


def _refusal(state: TicketState, action: str) -> MoveRefused | None:
    """Why `action` may not be taken from `state` (None: it may, given what it needs)."""
    if action not in MOVES:
        return _not_an_action(action)
    allowed, _target = MOVES[action]
    if state.status not in allowed:
        return MoveRefused(_("A ticket that is {status} cannot be {action} ({number}).").format(
            status=status_label(state.status), action=_label(ACTION_REFUSED, action), number=state.number))
    if state.on_hold and action not in ("resume", "escalate"):
        return MoveRefused(_("Ticket {number} is on hold; resume it first.").format(number=state.number))
    if action == "reopen" and state.satisfaction != "unsatisfied":
        return MoveRefused(_("Only a ticket whose requester was not satisfied can be reopened: {number}.")
                           .format(number=state.number))
    if action == "escalate" and state.level == TOWN_LEVEL:
        return MoveRefused(_("Ticket {number} is already at the highest level; it cannot be escalated further.")
                           .format(number=state.number))
    if action == "resume" and not state.on_hold:
        return MoveRefused(_("Ticket {number} is not on hold.").format(number=state.number))
    return None


def step(state: TicketState, action: str, *, today: dt.date, calendar: Calendar, note: str = "",
         details: Mapping[str, object] | None = None) -> TicketState:
    """The ticket after `action` taken on `today`: pure, no database.

    Raises MoveRefused when the state table `MOVES` or the ticket's state does not allow the step
    (on hold, not on hold, already at the town level, reopen without an unsatisfied follow-up),
    ValidationError when the step lacks what it needs: `details` (assignee, satisfaction, method,
    comment) and `note` as move() describes — a resolve says what came of it, a follow-up says how
    satisfied the resident was and how they were reached. `calendar` counts the working days a
    resume adds to the deadline.
    """
    refused = _refusal(state, action)
    if refused is not None:
        raise refused
    details = details or {}
    unknown = set(details) - {"assignee", "satisfaction", "method", "comment"}
    if unknown:
        raise TypeError(f"unexpected details: {sorted(unknown)}")
    note = (note or "").strip()
    changes: dict = {}
    if action == "dispatch":
        assignee = _clean(details.get("assignee"))
        if not assignee:
            raise ValidationError({"assignee": _("Please enter who the ticket is dispatched to.")})
        changes["assignee"] = assignee[:NAME_MAX]
    elif action == "resolve":
        if not note:
            raise ValidationError({"note": _("Please enter the result: what was done for the resident.")})
        changes["resolved_on"] = max(today, state.received_on)
    elif action == "follow_up":
        satisfaction, method = details.get("satisfaction"), details.get("method")
        missing = {}
        if satisfaction not in SATISFACTIONS:
            missing["satisfaction"] = _("Please choose how satisfied the resident is.")
        if method not in FOLLOW_UP_METHODS:
            missing["method"] = _("Please choose how the resident was reached.")
        if missing:
            raise ValidationError(missing)
        changes.update(satisfaction=satisfaction, follow_up_method=method,
                       follow_up_comment=(details.get("comment") or "").strip(), followed_up_on=today)
    elif action == "archive":
        if state.satisfaction == "unsatisfied" and not note:
            raise ValidationError({"note": _(
                "The resident was not satisfied: reopen the ticket, or say why it is archived anyway.")})
        changes["archived_on"] = today
    elif action == "reopen":
        if not note:
            raise ValidationError({"note": _("Please say what is still to be done.")})
        changes["resolved_on"] = None
    elif action == "escalate":
        if not note:
            raise ValidationError({"note": _("Please say why the ticket is escalated.")})
        changes["level"] = next_level(state.level)
        if _clean(details.get("assignee")):
            changes["assignee"] = _clean(details.get("assignee"))[:NAME_MAX]
    elif action == "hold":
        if not note:
            raise ValidationError({"note": _("Please say what the ticket is waiting for.")})
        changes["held_since"] = today
    elif action == "resume":
        held = max(0, calendar.between(state.held_since, today))
        changes.update(due_on=calendar.add(state.due_on, held), held_days=state.held_days + held,
                       held_since=None)
    target = MOVES[action][1]
    if target is not None:
        changes["status"] = target
    return replace(state, **changes)


def move(db: Database, ticket_id: int, action: str, *, actor: access.Actor, note: str = "",
         today: dt.date | None = None, **details) -> TicketInfo:
    """Move a ticket along the closed loop; step() decides, refusing any move the state table does not allow.

    Actions and their details:
      dispatch (assignee required) · start · resolve (note: the result, required) ·
      follow_up (satisfaction and method required, comment) ·
      archive (a note is required when the resident was not satisfied) · reopen (only after an
      unsatisfied follow-up; note: what is still to be done) · escalate (note: why; optional
      assignee) · hold (note: why) · resume.
    Every move adds an event and an audit row in the same transaction.
    """
    access.require(actor, access.COUNTER_HANDLE)
    if action not in MOVES:
        raise _not_an_action(action)
    today = today or dt.date.today()
    note = (note or "").strip()
    with db.session() as s:
        ticket = _get_ticket(s, ticket_id)
        before = {k: getattr(ticket, k) for k in (*AUDITED, "resolved_on", "held_since", "held_days",
                                                  "satisfaction", "follow_up_method", "followed_up_on",
                                                  "archived_on")}
        from_status = ticket.status
        after_step = step(TicketState.of(ticket), action, today=today, calendar=calendar_in(s), note=note,
                          details=details)
        for f in fields(TicketState):
            value = getattr(after_step, f.name)
            if getattr(ticket, f.name) != value:
                setattr(ticket, f.name, value)
        ticket.updated_at = dt.datetime.now()
        s.add(TicketEvent(ticket_id=ticket.id, at=ticket.updated_at, actor_name=actor.name[:50],
                          from_status=from_status, to_status=ticket.status, action=action, note=note))
        after = {k: getattr(ticket, k) for k in before}
        audit.record(s, actor, "update", "ticket", ticket.id,
                     "{} {}".format(ticket.number, _label(ACTION_LABELS, action)), audit.diff(before, after))
        s.flush()
        return _load_info(s, ticket, today)


def follow_up(db: Database, ticket_id: int, satisfaction: str, comment: str = "", *, method: str | None,
              actor: access.Actor, today: dt.date | None = None) -> TicketInfo:
    """Record the resident's satisfaction (反馈评价) and how they were reached (a key of
    FOLLOW_UP_METHODS); 'unsatisfied' leaves the ticket open to reopen."""
    return move(db, ticket_id, "follow_up", actor=actor, today=today, satisfaction=satisfaction,
                method=method, comment=comment)


def allowed_actions(ticket: TicketInfo | TicketState, today: dt.date | None = None) -> list[str]:
    """The actions step() accepts for `ticket` now (for the buttons of a view), in the order of
    `MOVES`; what a step needs besides (an assignee, a note …) is asked for when it is taken."""
    state = ticket if isinstance(ticket, TicketState) else TicketState.of(ticket)
    today = today or dt.date.today()
    out = []
    for action in MOVES:
        try:
            step(state, action, today=today, calendar=Calendar())
        except MoveRefused:
            continue
        except ValidationError:
            pass  # allowed; its details are still to be given
        out.append(action)
    return out


def deadline_after_resume(db: Database, ticket_id: int, today: dt.date | None = None) -> dt.date | None:
    """The deadline a ticket on hold would get if resumed `today` (None: it is not on hold)."""
    today = today or dt.date.today()
    with db.session() as s:
        ticket = _get_ticket(s, ticket_id)
        if ticket.held_since is None:
            return None
        return step(TicketState.of(ticket), "resume", today=today, calendar=calendar_in(s)).due_on


def next_level(level: str) -> str | None:
    """The level an escalation leads to (grid → centre → town), None at the top."""
    if level not in LEVEL_ORDER:
        return CENTRE_LEVEL
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def promised_date(db: Database, category_id: int, received_on: dt.date) -> dt.date | None:
    """The deadline a new ticket of this kind would get (for the counter form's live preview)."""
    with db.session() as s:
        category = s.get(RequestCategory, category_id)
        if category is None:
            return None
        return calendar_in(s).add(received_on, category.promised_working_days)


def link_requester(db: Database, ticket_id: int, resident_id: int, *, actor: access.Actor) -> TicketInfo:
    """A walk-in has been registered as a resident: the ticket now points at the record."""
    access.require(actor, access.COUNTER_RECEIVE)
    with db.session() as s:
        ticket = _get_ticket(s, ticket_id)
        resident = s.get(Resident, resident_id)
        if resident is None:
            raise NotFoundError(_("The chosen resident no longer exists."))
        before = {k: getattr(ticket, k) for k in ("resident_id", "walk_in_name", "walk_in_phone", "grid_id")}
        ticket.resident_id = resident_id
        ticket.walk_in_name = ticket.walk_in_phone = ""
        if ticket.grid_id is None:
            ticket.grid_id = resident.grid_id
        ticket.updated_at = dt.datetime.now()
        audit.record(s, actor, "update", "ticket", ticket.id, ticket.number,
                     audit.diff(before, {k: getattr(ticket, k) for k in before}))
        s.flush()
        return _load_info(s, ticket, dt.date.today())


def assignee_choices(db: Database) -> list[str]:
    """Names to dispatch to: the grid workers, then the active staff."""
    with db.session() as s:
        workers = s.scalars(select(Grid.worker_name).where(Grid.worker_name != "").order_by(Grid.id))
        staff = s.execute(select(Staff.display_name, Staff.username).where(Staff.active)
                          .order_by(Staff.display_name))
        names = [*workers, *((display or username) for display, username in staff)]
    return list(dict.fromkeys(names))


# -- queries ----------------------------------------------------------------------------------

def list_tickets(db: Database, *, status: str | None = None, category_id: int | None = None,
                 grid: int | None = None, overdue_only: bool = False, due_today_only: bool = False,
                 date_from: dt.date | None = None, date_to: dt.date | None = None,
                 on_hold_only: bool = False, query: str = "", resident_id: int | None = None,
                 today: dt.date | None = None) -> list[TicketRow]:
    """Tickets: overdue first, then open ones by deadline, then closed ones newest first. `grid`
    includes its sub-grids; dates (inclusive) are dates of receipt; `status="open"` means received,
    dispatched or being handled. `query` matches the ticket number (also as scanned from a
    receipt's QR code), the requester's name or phone, the assignee and the description."""
    today = today or dt.date.today()
    # Plain rows in TicketInfo's field order (a year's tickets are thousands: ORM objects and
    # attribute look-ups cost more than the query), the requester's name and phone only.
    registered = Resident.id.is_not(None)
    stmt = select(
        Ticket.id, Ticket.number, case((registered, Resident.name), else_=Ticket.walk_in_name),
        case((registered, Resident.phone), else_=Ticket.walk_in_phone), Ticket.resident_id, Ticket.category_id,
        func.coalesce(RequestCategory.name, ""), Ticket.channel, Ticket.description, Ticket.urgency, Ticket.level,
        Ticket.assignee, Ticket.grid_id, func.coalesce(Grid.name, ""), Ticket.status, Ticket.received_on,
        Ticket.due_on, Ticket.resolved_on, Ticket.held_since, Ticket.held_days, Ticket.satisfaction,
        Ticket.follow_up_comment, Ticket.follow_up_method, Ticket.proxy_errand, Ticket.proxy_principal,
        Ticket.proxy_agent, Ticket.proxy_matter) \
        .join(RequestCategory, RequestCategory.id == Ticket.category_id) \
        .outerjoin(Resident, Resident.id == Ticket.resident_id) \
        .outerjoin(Grid, Grid.id == Ticket.grid_id)
    if status == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
    elif status:
        stmt = stmt.where(Ticket.status == status)
    if category_id is not None:
        stmt = stmt.where(Ticket.category_id == category_id)
    if resident_id is not None:
        stmt = stmt.where(Ticket.resident_id == resident_id)
    if date_from is not None:
        stmt = stmt.where(Ticket.received_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Ticket.received_on <= date_to)
    if overdue_only or due_today_only:
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_on <= today)
    if on_hold_only:
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES), Ticket.held_since.is_not(None))
    query = _clean(normalise_text(query))  # full-width (全角) input finds what ASCII finds
    if query.upper().startswith(QR_PREFIX):
        query = query[len(QR_PREFIX):].strip()
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.ilike(like, escape="\\") for column in (
            Ticket.number, Ticket.walk_in_name, Ticket.walk_in_phone, Ticket.assignee, Ticket.description,
            Resident.name, Resident.phone))))
    if grid is not None:
        stmt = stmt.where(Ticket.grid_id.in_(grids.grid_and_descendants(db, grid)))
    upper = centre.upper_level(db)
    with db.engine.connect() as con:
        found = con.execute(stmt).all()
        # A short list (one resident's tickets) asks only about its own tickets.
        escalated = _escalated_ids(con, [t[0] for t in found] if len(found) < 500 else None)
    rows = []
    for t in found:
        status, due_on, held_since = t[14], t[16], t[18]
        still_open = status in OPEN_STATUSES  # as _overdue and _due_today say
        rows.append(TicketInfo(*t, still_open and (held_since or today) > due_on,
                               still_open and held_since is None and due_on == today, t[0] in escalated, upper))
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    if due_today_only:
        rows = [r for r in rows if r.due_today]
    # Open tickets by deadline (the work to do), then closed ones newest first.
    rows.sort(key=lambda r: (not r.overdue, r.status not in OPEN_STATUSES,
                             r.due_on.toordinal() if r.status in OPEN_STATUSES else -r.received_on.toordinal(),
                             r.id if r.status in OPEN_STATUSES else -r.id))
    return rows


RESIDENT_LINES_SHOWN = 5


def resident_lines(db: Database, resident_id: int) -> list:
    """What the residents' detail pane shows of a resident's service requests (app/features.py):
    how many are open and in all, then the latest few (open ones first) with date and status,
    each opening the ticket on the counter tab."""
    from app.features import DetailItem, DetailLine

    tickets = list_tickets(db, resident_id=resident_id)
    if not tickets:
        return []
    still_open = [t for t in tickets if t.status in OPEN_STATUSES]
    summary = _("Service requests: {open} open, {total} in all").format(
        open=format_number(len(still_open)), total=format_number(len(tickets)))
    latest = sorted(tickets, key=lambda t: (t.status not in OPEN_STATUSES, -t.received_on.toordinal()))
    items = tuple(DetailItem(_("{number} · {date} · {status}").format(
        number=t.number, date=format_date(t.received_on), status=status_label(t.status)), t.number)
        for t in latest[:RESIDENT_LINES_SHOWN])
    return [DetailLine(summary, items)]


def open_counts(db: Database, today: dt.date | None = None) -> tuple[int, int, int]:
    """(open, overdue, due today): the overview's tiles; three columns of the open tickets."""
    today = today or dt.date.today()
    with db.session() as s:
        tickets = s.execute(select(Ticket.status, Ticket.due_on, Ticket.held_since)
                            .where(Ticket.status.in_(OPEN_STATUSES))).all()
    return len(tickets), sum(_overdue(t, today) for t in tickets), sum(_due_today(t, today) for t in tickets)


def counts(db: Database, today: dt.date | None = None) -> tuple[int, int]:
    """(overdue, due today) among open tickets: for the tab's label."""
    return open_counts(db, today)[1:]


def counts_label(overdue: int, due_today: int) -> tuple[str, bool]:
    """The counter tab's label: what must not be missed (overdue and due-today tickets), and
    whether it is an alert (anything overdue)."""
    parts = []
    if overdue:
        parts.append(_("{count} overdue").format(count=format_number(overdue)))
    if due_today:
        parts.append(_("{count} due today").format(count=format_number(due_today)))
    label = _("Service counter")
    if parts:
        label = _("{tab} ({counts})").format(tab=label, counts=" · ".join(parts))
    return label, bool(overdue)


def tab_label(db: Database) -> tuple[str, bool]:
    """The tab's label before the tab is built (app/features.py `badge`): counted on the worker."""
    return counts_label(*counts(db))


def ticket_history(db: Database, ticket_id: int) -> list[EventRow]:
    with db.session() as s:
        _get_ticket(s, ticket_id)
        # Events keep the account name; the history shows the person's name, resolved now (an OS
        # user of the command line or a deleted account keeps the stored name).
        events = s.execute(select(TicketEvent, Staff.display_name)
                           .outerjoin(Staff, Staff.username == TicketEvent.actor_name)
                           .where(TicketEvent.ticket_id == ticket_id)
                           .order_by(TicketEvent.at, TicketEvent.id))
        return [EventRow(e.at, e.actor_name, e.action, e.from_status, e.to_status, e.note,
                         (display or "").strip() or e.actor_name) for e, display in events]


# -- figures ----------------------------------------------------------------------------------

@dataclass
class CounterFigures:
    """The counter's figures for a date range (inclusive).

    received, by_* and proxy_errands count tickets received in the range; resolved, the on-time and
    within-grid rates and the average count tickets resolved in the range; satisfaction counts the
    follow-ups made in the range. Rates are percentages rounded to 1 decimal, None when nothing to
    divide by. Days to resolve are working days from receipt to resolution, hold included.
    """

    date_from: dt.date
    date_to: dt.date
    received: int
    by_category: dict[str, int]
    by_channel: dict[str, int]
    by_level: dict[str, int]
    resolved: int
    resolved_on_time: int
    on_time_rate: float | None
    resolved_within_grid: int
    within_grid_rate: float | None
    average_days_to_resolve: float | None
    followed_up: int
    satisfied: int          # satisfied + basically satisfied
    satisfaction_rate: float | None
    proxy_errands: int
    open_overdue: int       # open tickets received in the range and overdue on `today`


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date | None = None, *,
            category_id: int | None = None, grid: int | None = None) -> CounterFigures:
    """The figures of the tickets of one kind and/or one grid (with its sub-grids) when given."""
    today = today or dt.date.today()
    base = select(Ticket)
    if category_id is not None:
        base = base.where(Ticket.category_id == category_id)
    if grid is not None:
        base = base.where(Ticket.grid_id.in_(grids.grid_and_descendants(db, grid)))
    with db.session() as s:
        cal = calendar_in(s)
        names = dict(s.execute(select(RequestCategory.id, RequestCategory.name)).all())
        received = list(s.scalars(base.where(Ticket.received_on >= date_from, Ticket.received_on <= date_to)))
        resolved = list(s.scalars(base.where(Ticket.resolved_on >= date_from, Ticket.resolved_on <= date_to)))
        followed = list(s.scalars(base.where(Ticket.followed_up_on >= date_from, Ticket.followed_up_on <= date_to,
                                             Ticket.satisfaction.is_not(None))))
    on_time = sum(1 for t in resolved if t.resolved_on <= t.due_on)
    in_grid = sum(1 for t in resolved if t.level == GRID_LEVEL)
    days = [cal.between(t.received_on, t.resolved_on) for t in resolved]
    happy = sum(1 for t in followed if t.satisfaction in ("satisfied", "basically"))
    return CounterFigures(
        date_from=date_from, date_to=date_to, received=len(received),
        by_category=dict(Counter(names.get(t.category_id, "") for t in received)),
        by_channel=dict(Counter(t.channel for t in received)),
        by_level=dict(Counter(t.level for t in received)),
        resolved=len(resolved), resolved_on_time=on_time, on_time_rate=_rate(on_time, len(resolved)),
        resolved_within_grid=in_grid, within_grid_rate=_rate(in_grid, len(resolved)),
        average_days_to_resolve=round(sum(days) / len(days), 1) if days else None,
        followed_up=len(followed), satisfied=happy, satisfaction_rate=_rate(happy, len(followed)),
        proxy_errands=sum(1 for t in received if t.proxy_errand),
        open_overdue=sum(1 for t in received if _overdue(t, today)))


# -- the monthly report's section ---------------------------------------------------------------

def report_section(f: CounterFigures):
    """The counter's section of the monthly report (services/report.py) from its figures."""
    from app.services import report
    from app.services.report import Line

    lines = (
        Line("received", _("Requests received"), "count", f.received),
        Line("resolved", _("Requests resolved"), "count", f.resolved),
        Line("on_time", _("Requests resolved on time"), "count", f.resolved_on_time),
        Line("on_time_rate", _("On-time rate"), "percent", f.on_time_rate),
        Line("within_grid_rate", _("Resolved within the grid"), "percent", f.within_grid_rate),
        Line("satisfaction_rate", _("Satisfaction rate"), "percent", f.satisfaction_rate),
        Line("average_days", _("Average working days to resolve"), "days", f.average_days_to_resolve),
        Line("proxy_errands", _("Proxy errands"), "count", f.proxy_errands),
        Line("overdue", _("Still open and overdue"), "count", f.open_overdue),
    )
    # Each count with its own noun (ngettext): "1 service request" reads right in English.
    phrase = _("received {requests}, resolved {on_time} on time").format(
        requests=ngettext("{n} service request", "{n} service requests", f.received).format(
            n=report.number(f.received)), on_time=report.number(f.resolved_on_time))
    if f.on_time_rate is not None:
        phrase += _(" (on-time rate {rate})").format(rate=report.number(f.on_time_rate, "percent"))
    if f.satisfaction_rate is not None:
        phrase += _(", satisfaction rate {rate}").format(rate=report.number(f.satisfaction_rate, "percent"))
    return report.Section("counter", _("Service counter"), lines,
                          (report.chart(_("Requests by kind"), "bar", f.by_category),), phrase)
