"""The audit trail (操作日志): who did what, when, to which record, and what changed.

Every service that changes data calls `record()` with the session of its own
transaction, so a change that fails leaves no audit row and a change that is
committed always has one. The program has no way to edit or delete the trail.

Sensitive values never reach the trail unmasked: `diff()` masks ID numbers and
phones, replaces notes (which often hold health details) by "***", and leaves
password hashes out. That is also why a purge can keep the trail as it is.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import N_, _
from app.models import (Activity, ActivityType, AuditLog, BusinessType, ClassType, CommitmentType, Criterion, Diet,
                        Grid, Merchant, RequestCategory, Resident, ServiceType, Setting, Staff, SubsidyCategory, Ticket,
                        Voucher, VoucherType)
from app.services import access, xlsx
from app.services.fields import RESIDENT_FIELDS, Field, Lookup, field_label, show_value
from app.services.validators import mask_id_number, mask_phone

ACTIONS: dict[str, str] = {
    "create": N_("Create"),
    "update": N_("Change"),
    "deactivate": N_("Deactivate"),
    "reactivate": N_("Reactivate"),
    "delete": N_("Delete"),
    "login": N_("Sign in"),
    "login_failed": N_("Failed sign-in"),
    "export": N_("Export"),
    "print": N_("Print"),  # a form carrying a full ID number or phone
    "import": N_("Import"),
    "purge": N_("Purge"),
    "backup": N_("Backup"),
    "restore": N_("Restore"),
    "recovery": N_("Recovery from the command line"),
    "settings": N_("Change settings"),
}

ENTITIES: dict[str, str] = {
    "resident": N_("Resident"),
    "grid": N_("Grid"),
    "tag": N_("Tag"),
    "centre": N_("Centre details"),
    "setting": N_("Setting"),
    "staff": N_("Staff account"),
    "consent": N_("Consent"),
    "audit_log": N_("Audit trail"),
    "demo": N_("Demo data"),
    "database": N_("Database"),
    "ticket": N_("Service ticket"),
    "request_category": N_("Request category"),
    "holiday": N_("Holiday"),
    "daycare_profile": N_("Day-care enrolment"),
    "daycare_attendance": N_("Day-care attendance"),
    "daycare_meal": N_("Day-care meal"),
    "meal_price": N_("Meal price"),
    "diet": N_("Diet"),
    "subsidy_category": N_("Meal subsidy category"),
    "class_type": N_("Kind of class"),
    "afterschool_class": N_("After-school class"),
    "afterschool_session": N_("After-school session"),
    "afterschool_child": N_("Child in after-school classes"),
    "afterschool_enrolment": N_("After-school enrolment"),
    "afterschool_attendance": N_("After-school attendance"),
    "afterschool": N_("After-school classes"),
    "merchant": N_("Alliance merchant"),
    "merchant_review": N_("Merchant's admission review"),
    "commitment": N_("Public-benefit commitments"),
    "complaint": N_("Complaint about a merchant"),
    "evaluation": N_("Merchant evaluation"),
    "business_type": N_("Business type"),
    "criterion": N_("Alliance criterion"),
    "commitment_type": N_("Kind of public-benefit service"),
    "points_service_type": N_("Kind of volunteer service"),
    "points_rate": N_("Volunteer points rate"),
    "points_entry": N_("Volunteer points entry"),
    "points_voucher": N_("Points voucher"),
    "points_voucher_type": N_("Voucher in the catalogue"),
    "activity": N_("Activity in the ledger"),
    "activity_type": N_("Kind of activity"),
    "report": N_("Monthly or annual report"),
    "activity_participant": N_("Activity participant"),
}

# Field names shown in the trail for any kind of record without its own table in ENTITY_FIELDS
# (the rest are shown as they are stored).
FIELD_LABELS: dict[str, str] = {
    **RESIDENT_FIELDS,
    "active": N_("Active"),
    "deactivated_on": N_("Deactivated on"),
    "deactivation_reason": N_("Reason for deactivation"),
    "family_link": N_("Family and carers"),
    "address": N_("Address"),
    "role": N_("Role"),
    "username": N_("User name"),
    "display_name": N_("Display name"),
    "worker_name": N_("Grid worker"),
    "worker_phone": N_("Grid worker's phone"),
    "resident_id": N_("Resident record"),
    "purpose": N_("Purpose"),
    "given_by": N_("Given by"),
    "method": N_("Method"),
    "given_on": N_("Given on"),
    "withdrawn_on": N_("Withdrawn on"),
}

# Each kind of record's fields (services/fields.py: Field), as "module:attribute", imported when
# the trail is first shown (the counter's module itself records into the trail).
ENTITY_FIELDS: dict[str, str] = {
    "resident": "app.services.fields:RESIDENT_TRAIL",
    "staff": "app.services.fields:STAFF_TRAIL",
    "consent": "app.services.fields:CONSENT_TRAIL",
    "centre": "app.services.fields:CENTRE_TRAIL",
    "grid": "app.services.fields:GRID_TRAIL",
    "holiday": "app.services.fields:HOLIDAY_TRAIL",
    "ticket": "app.services.counter:TICKET_FIELDS",
    "request_category": "app.services.counter:CATEGORY_FIELDS",
    "daycare_profile": "app.services.daycare:PROFILE_FIELDS",
    "daycare_attendance": "app.services.daycare:ATTENDANCE_FIELDS",
    "daycare_meal": "app.services.daycare:MEAL_FIELDS",
    "meal_price": "app.services.daycare:PRICE_FIELDS",
    "diet": "app.services.daycare:CHOICE_FIELDS",
    "subsidy_category": "app.services.daycare:CHOICE_FIELDS",
    "class_type": "app.services.afterschool:CHOICE_FIELDS",
    "afterschool_class": "app.services.afterschool:CLASS_FIELDS",
    "afterschool_session": "app.services.afterschool:SESSION_FIELDS",
    "afterschool_child": "app.services.afterschool:CHILD_FIELDS",
    "afterschool_enrolment": "app.services.afterschool:ENROLMENT_FIELDS",
    "afterschool_attendance": "app.services.afterschool:ATTENDANCE_FIELDS",
    "merchant": "app.services.alliance:MERCHANT_FIELDS",
    "merchant_review": "app.services.alliance:REVIEW_FIELDS",
    "commitment": "app.services.alliance:COMMITMENT_FIELDS",
    "complaint": "app.services.alliance:COMPLAINT_FIELDS",
    "evaluation": "app.services.alliance:EVALUATION_FIELDS",
    "business_type": "app.services.alliance:CHOICE_FIELDS",
    "criterion": "app.services.alliance:CHOICE_FIELDS",
    "commitment_type": "app.services.alliance:CHOICE_FIELDS",
    "points_service_type": "app.services.points:SERVICE_TYPE_FIELDS",
    "points_rate": "app.services.points:RATE_FIELDS",
    "points_entry": "app.services.points:ENTRY_FIELDS",
    "points_voucher": "app.services.points:VOUCHER_FIELDS",
    "points_voucher_type": "app.services.points:VOUCHER_TYPE_FIELDS",
    "activity": "app.services.activities:ACTIVITY_FIELDS",
    "activity_type": "app.services.activities:CHOICE_FIELDS",
    "activity_participant": "app.services.activities:PARTICIPANT_FIELDS",
}
_COMMON: dict[str, Field] = {
    **{key: Field(label) for key, label in FIELD_LABELS.items()},
    "active": Field(FIELD_LABELS["active"], kind="bool"),
    "resident_id": Field(FIELD_LABELS["resident_id"], ref="resident"),
}
# What a `Field.ref` points at: the table and the column people know it by.
REFERENCES = {
    "grid": (Grid, Grid.name),
    "resident": (Resident, Resident.name),
    "request_category": (RequestCategory, RequestCategory.name),
    "ticket": (Ticket, Ticket.number),
    "staff": (Staff, Staff.display_name),
    "diet": (Diet, Diet.name),
    "subsidy_category": (SubsidyCategory, SubsidyCategory.name),
    "class_type": (ClassType, ClassType.name),
    "business_type": (BusinessType, BusinessType.name),
    "criterion": (Criterion, Criterion.name),
    "commitment_type": (CommitmentType, CommitmentType.name),
    "merchant": (Merchant, Merchant.name),
    "points_service_type": (ServiceType, ServiceType.name),
    "points_voucher_type": (VoucherType, VoucherType.name),
    "points_voucher": (Voucher, Voucher.code),
    "activity_type": (ActivityType, ActivityType.name),
    "activity": (Activity, Activity.title),
}


def entity_fields(entity: str) -> dict[str, Field]:
    """The fields of one kind of record as the trail shows them (common ones for the rest)."""
    ref = ENTITY_FIELDS.get(entity)
    if ref is None:
        return _COMMON
    module, _sep, attribute = ref.partition(":")
    return {**_COMMON, **getattr(importlib.import_module(module), attribute)}


def describe_changes(entity: str, changes: dict[str, list], lookup: Lookup | None = None) -> str:
    """`{field: [old, new]}` in words: "Status: In progress → Resolved; Grid: — → 五组"; fields and
    values the program does not know (old rows) are shown as they are stored."""
    table = entity_fields(entity)
    parts = []
    for key, pair in changes.items():
        f = table.get(key)
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        parts.append(_("{field}: {old} → {new}").format(
            field=field_label(f, key), old=show_value(f, old, lookup), new=show_value(f, new, lookup)))
    return _("; ").join(parts)


MASK = "***"
# Free-text notes and health details: only the fact that they changed is kept.
FULLY_MASKED = frozenset({"notes", "health_notes", "medical_notes", "allergies", "diet_needs",
                          "building", "unit", "room"})  # no full address or birth date in the trail,
                                                         # so a purge leaves nothing personal behind
NEVER = frozenset({"password", "password_hash"})


def mask(field: str, value):
    """`value` of `field` as the trail may keep it."""
    if value is None or value == "":
        return value
    if field in FULLY_MASKED:
        return MASK
    if field.endswith("id_number"):
        return mask_id_number(str(value))
    if field.endswith("phone"):
        return mask_phone(str(value))
    if field == "birth_date":
        return str(value)[:4]  # the year only
    return value


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def diff(old: dict, new: dict) -> dict[str, list]:
    """{field: [old, new]} for the fields that differ, masked; empty, missing and None are all None."""
    out: dict[str, list] = {}
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if key in NEVER or a == b or (a in (None, "") and b in (None, "")):
            continue
        out[key] = [None if a == "" else mask(key, _plain(a)), None if b == "" else mask(key, _plain(b))]
    return out


def entry(actor: access.Actor, action: str, entity: str, entity_id: int | None, summary: str,
          changes: dict | None = None, at: dt.datetime | None = None) -> dict:
    """The column values of one audit row (for bulk inserts; `record` adds one)."""
    changes = {k: v for k, v in (changes or {}).items() if k not in NEVER}
    return dict(at=at or dt.datetime.now(), actor_name=actor.name[:50], actor_role=actor.role[:20],
                action=action, entity=entity, entity_id=entity_id, summary=summary or "",
                changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else "")


def record(session, actor: access.Actor, action: str, entity: str, entity_id: int | None,
           summary: str, changes: dict | None = None) -> None:
    """Add an audit row to `session`: committed (or rolled back) with the change itself."""
    row = AuditLog(**entry(actor, action, entity, entity_id, summary, changes))
    session.add(row)
    session.info.setdefault(_NEW_ROWS, []).append(row)  # for changes_since, once committed


# -- what other desks changed ----------------------------------------------------------------
# Each window asks every few seconds for the audit rows written since (every write is audited)
# and refreshes the tabs they concern. Rows this Database committed itself are left out (its own
# saves already sent their notices): `record` keeps the new rows in the session, and at commit
# their ids go to the set of the session's engine (one per Database).

_NEW_ROWS = "audit.new_rows"
_own: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Engine -> ids it committed
_own_lock = threading.Lock()
# Writes that change nothing another desk shows.
READ_ONLY_ACTIONS = frozenset({"login", "login_failed", "export", "print", "backup"})
# On PostgreSQL ids come from a sequence, so a transaction may commit a smaller id after a larger
# one is seen: an id missing below the latest seen is asked for again for this long (a rolled-back
# id never appears and is then forgotten).
GAP_SECONDS = 600.0
GAPS_KEPT = 2000


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    rows = session.info.pop(_NEW_ROWS, None)
    if not rows:
        return
    # Rows a rolled-back savepoint took back are no longer persistent: not this desk's.
    ids = [state.identity[0] for state in map(inspect, rows) if state.persistent and state.identity]
    engine = session.get_bind()
    with _own_lock:
        _own.setdefault(engine, set()).update(ids)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(_NEW_ROWS, None)


@dataclass
class ChangeCursor:
    """How far a window has read the trail: the largest id seen and the ids below it not seen yet
    (-> when first missed, time.monotonic())."""

    last_id: int
    gaps: dict[int, float] = field(default_factory=dict)


def changes_since(db: Database, cursor: ChangeCursor | None) -> tuple[ChangeCursor, set[str]]:
    """The kinds of record (`entity`, e.g. "resident", "ticket") that other desks or programs changed
    since `cursor`, and the cursor to ask with next time; None starts at the latest row (no kinds)."""
    table = AuditLog.__table__
    if cursor is None:
        with db.engine.connect() as con:
            return ChangeCursor(con.execute(select(func.max(table.c.id))).scalar() or 0), set()
    now = time.monotonic()
    gaps = {i: since for i, since in cursor.gaps.items() if now - since < GAP_SECONDS}
    where = table.c.id > cursor.last_id
    if gaps:
        where = or_(where, table.c.id.in_(sorted(gaps)))
    with db.engine.connect() as con:
        rows = con.execute(select(table.c.id, table.c.entity, table.c.action).where(where)
                           .order_by(table.c.id)).all()
        if not rows:
            latest = con.execute(select(func.max(table.c.id))).scalar() or 0
            if latest < cursor.last_id:  # a restored copy: older than what was seen
                return ChangeCursor(latest), {"database"}
    with _own_lock:
        own = _own.get(db.engine, set())
        mine = own.intersection(row.id for row in rows)
        own.difference_update(mine)
    kinds: set[str] = set()
    last = cursor.last_id
    for row in rows:
        gaps.pop(row.id, None)
        if row.id > last:
            gaps.update((missing, now) for missing in range(last + 1, row.id))
            last = row.id
        if row.id not in mine and row.action not in READ_ONLY_ACTIONS:
            kinds.add(row.entity)
    if len(gaps) > GAPS_KEPT:  # a huge jump (rows deleted by a restore): keep the newest
        gaps = dict(sorted(gaps.items())[-GAPS_KEPT:])
    return ChangeCursor(last, gaps), kinds


# -- reading -------------------------------------------------------------------------------

@dataclass
class AuditEntry:
    id: int
    at: dt.datetime
    actor_name: str
    actor_role: str
    action: str
    entity: str
    entity_id: int | None
    summary: str
    changes: dict[str, list]
    lookup: Lookup = field(default_factory=Lookup, repr=False, compare=False)

    @property
    def action_label(self) -> str:
        return _(ACTIONS[self.action]) if self.action in ACTIONS else self.action

    @property
    def entity_label(self) -> str:
        return _(ENTITIES[self.entity]) if self.entity in ENTITIES else self.entity

    @property
    def role_label(self) -> str:
        return access.Actor(self.actor_name, self.actor_role).role_label if self.actor_role else ""

    @property
    def changes_text(self) -> str:
        """Like "Phone: 138****5678 → 139****0000; Status: In progress → Resolved", in the
        interface's language now (the row keeps codes and ids)."""
        return describe_changes(self.entity, self.changes, self.lookup)


def _lookup(s, entries: list[AuditEntry]) -> Lookup:
    """The names of the records the entries' changes point at, and the settings, in a few queries."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        table = entity_fields(e.entity)
        for key, pair in e.changes.items():
            f = table.get(key)
            if f is None or f.ref not in REFERENCES or not isinstance(pair, list):
                continue
            wanted.setdefault(f.ref, set()).update(
                v for v in pair if isinstance(v, int) and not isinstance(v, bool))
    names: dict[tuple[str, int], str] = {}
    for ref, ids in wanted.items():
        model, column = REFERENCES[ref]
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            rows = s.execute(select(model.id, column).where(model.id.in_(ids[start:start + 500])))
            names.update(((ref, rid), name) for rid, name in rows if name)
    if "staff" in wanted:  # an account without a display name is known by its user name
        rows = s.execute(select(Staff.id, Staff.username).where(Staff.id.in_(sorted(wanted["staff"]))))
        for rid, username in rows:
            names.setdefault(("staff", rid), username)
    return Lookup(names, dict(s.execute(select(Setting.key, Setting.value)).all()))


def query(db: Database, *, actor: access.Actor, person: str | None = None, entity: str | None = None,
          entity_id: int | None = None, action: str | None = None, date_from: dt.date | None = None,
          date_to: dt.date | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Audit rows, newest first. `person` is the acting user's name; dates are inclusive."""
    access.require(actor, access.AUDIT_VIEW)
    stmt = select(AuditLog)
    if person:
        stmt = stmt.where(AuditLog.actor_name == person)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if date_from is not None:
        stmt = stmt.where(AuditLog.at >= dt.datetime.combine(date_from, dt.time()))
    if date_to is not None:
        stmt = stmt.where(AuditLog.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
    stmt = stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.session() as s:
        entries = [AuditEntry(r.id, r.at, r.actor_name, r.actor_role, r.action, r.entity, r.entity_id,
                              r.summary, _changes(r.changes)) for r in s.scalars(stmt)]
        lookup = _lookup(s, entries)
    for e in entries:
        e.lookup = lookup
    return entries


def _changes(text: str) -> dict:
    try:
        changes = json.loads(text) if text else {}
    except ValueError:
        return {"": text}
    return changes if isinstance(changes, dict) else {"": changes}


EXPORT_COLUMNS = [N_("Time"), N_("Staff member"), N_("Role"), N_("Action"), N_("Record type"),
                  N_("Record number"), N_("Summary"), N_("Changes")]


def export_xlsx(db: Database, path: str | Path, *, actor: access.Actor, **filters) -> int:
    """Write the audit rows matching `filters` (see `query`) to an .xlsx file; returns the count.

    Written to a temporary file and renamed, like every export. The export itself is audited.
    """
    from app.services.exporter import ExportError

    path = Path(path)
    access.require(actor, access.AUDIT_VIEW)
    rows = [[e.at.replace(microsecond=0), e.actor_name, e.role_label, e.action_label, e.entity_label,
             e.entity_id, e.summary, e.changes_text] for e in query(db, actor=actor, **filters)]
    xlsx.write_table(path, _("Audit trail"), [_(h) for h in EXPORT_COLUMNS], rows, error=ExportError)
    from app.services.exporter import record_or_remove  # the file goes if its audit row cannot be written

    record_or_remove(db, path, lambda s: record(s, actor, "export", "audit_log", None, _(
        "{count} audit entries to {file}").format(count=len(rows), file=path.name)))
    return len(rows)
