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
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.i18n import N_, _
from app.models import AuditLog
from app.services import access, xlsx
from app.services.fields import RESIDENT_FIELDS
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
    "import": N_("Import"),
    "purge": N_("Purge"),
    "backup": N_("Backup"),
    "restore": N_("Restore"),
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
}

# Field names shown in the trail (the rest are shown as they are stored).
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
    session.add(AuditLog(**entry(actor, action, entity, entity_id, summary, changes)))


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
        """Like "Phone: 138****5678 → 139****0000; Tags: — → 老年人"."""
        def show(value) -> str:
            if value is None or value == "":
                return "—"
            return str(value)

        def label(key: str) -> str:
            return _(FIELD_LABELS[key]) if key in FIELD_LABELS else key

        return "; ".join("{}: {} → {}".format(label(k), show(old), show(new))
                         for k, (old, new) in self.changes.items())


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
        return [AuditEntry(r.id, r.at, r.actor_name, r.actor_role, r.action, r.entity, r.entity_id,
                           r.summary, json.loads(r.changes) if r.changes else {})
                for r in s.scalars(stmt)]


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
    with db.session() as s:
        record(s, actor, "export", "audit_log", None,
               _("{count} audit entries to {file}").format(count=len(rows), file=path.name))
    return len(rows)
