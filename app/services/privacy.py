"""Personal-data protection: consents, and purging residents who left long ago.

A consent says who agreed (the resident, or a guardian for a child) to which
use of the data (the registry, day-care, after-school classes, health notes),
how and when; it can be withdrawn. A purge deletes the records of residents
deactivated more than N years ago, with their family links, tags and consents.
The audit trail stays: it never held their data unmasked.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import Consent, FamilyLink, Resident, resident_tags
from app.services import access, audit
from app.services.residents import resident_row

PURPOSES: dict[str, str] = {
    "registry": N_("Residents registry"),
    "day_care": N_("Day-care"),
    "after_school": N_("After-school classes"),
    "health_notes": N_("Health notes"),
}
METHODS: dict[str, str] = {
    "written": N_("Written"),
    "verbal": N_("Verbal"),
    "electronic": N_("Electronic"),
}
_CHUNK = 500


@dataclass
class ConsentInfo:
    id: int
    resident_id: int
    given_by: str
    given_by_resident_id: int | None
    purpose: str
    method: str
    given_on: dt.date
    withdrawn_on: dt.date | None
    recorded_by: str
    note: str

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None or self.withdrawn_on > dt.date.today()


def _label(name: str, purpose: str) -> str:
    return "{}: {}".format(name, _(PURPOSES[purpose]) if purpose in PURPOSES else purpose)


def consent_errors(purpose: str, given_by: str, method: str, given_on: dt.date | None) -> tuple[dict, str]:
    """({field: message}, the cleaned `given_by`) for a consent about to be recorded."""
    errors = {}
    if purpose not in PURPOSES:
        errors["purpose"] = _("Please choose what the consent is for.")
    if method not in METHODS:
        errors["method"] = _("Please choose how the consent was given.")
    given_by = " ".join((given_by or "").split())
    if not given_by:
        errors["given_by"] = _("Please enter who gave the consent.")
    elif len(given_by) > 50:
        errors["given_by"] = _("The name is too long (at most {n} characters).").format(n=50)
    if given_on is None or given_on > dt.date.today():
        errors["given_on"] = _("Please enter the date the consent was given (not in the future).")
    return errors, given_by


def add_consent(session, resident: Resident, purpose: str, given_by: str, method: str, given_on: dt.date,
                given_by_resident_id: int | None = None, note: str = "", *, actor: access.Actor) -> int:
    """Write a checked consent (consent_errors) and its audit row in the caller's transaction
    (record_consent, and services that take a consent with the record it covers)."""
    consent = Consent(resident_id=resident.id, given_by=given_by, given_by_resident_id=given_by_resident_id,
                      purpose=purpose, method=method, given_on=given_on, recorded_by=actor.name[:50],
                      note=(note or "").strip()[:200])
    session.add(consent)
    session.flush()
    audit.record(session, actor, "create", "consent", consent.id, _label(resident.name, purpose),
                 audit.diff({}, {"resident_id": resident.id, "purpose": purpose, "given_by": given_by,
                                 "method": method, "given_on": given_on}))
    return consent.id


def record_consent(db: Database, resident_id: int, purpose: str, given_by: str, method: str,
                   given_on: dt.date, given_by_resident_id: int | None = None, note: str = "", *,
                   actor: access.Actor) -> int:
    access.require(actor, access.CONSENTS_RECORD)
    errors, given_by = consent_errors(purpose, given_by, method, given_on)
    if errors:
        raise ValidationError(errors)
    with db.session() as s:
        resident = resident_row(s, resident_id)
        if given_by_resident_id is not None:
            resident_row(s, given_by_resident_id)
        return add_consent(s, resident, purpose, given_by, method, given_on, given_by_resident_id, note, actor=actor)


def withdraw_consent(db: Database, consent_id: int, on: dt.date | None = None, *, actor: access.Actor) -> None:
    access.require(actor, access.CONSENTS_RECORD)
    on = on or dt.date.today()
    with db.session() as s:
        consent = s.get(Consent, consent_id)
        if consent is None:
            raise NotFoundError(_("That consent no longer exists."))
        if consent.withdrawn_on is not None:
            raise ValidationError({"withdrawn_on": _("This consent was already withdrawn.")})
        if on < consent.given_on:
            raise ValidationError({"withdrawn_on": _("A consent cannot be withdrawn before it was given.")})
        consent.withdrawn_on = on
        name = s.get(Resident, consent.resident_id).name
        audit.record(s, actor, "update", "consent", consent_id, _label(name, consent.purpose),
                     audit.diff({"withdrawn_on": None}, {"withdrawn_on": on}))


def has_consent(db: Database, resident_id: int, purpose: str, on: dt.date | None = None) -> bool:
    """True when a consent for `purpose` is in force for the resident (today, or on `on`)."""
    on = on or dt.date.today()
    with db.session() as s:
        return s.scalar(select(func.count(Consent.id)).where(
            Consent.resident_id == resident_id, Consent.purpose == purpose, Consent.given_on <= on,
            or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > on))) > 0


def list_consents(db: Database, resident_id: int) -> list[ConsentInfo]:
    with db.session() as s:
        return [ConsentInfo(c.id, c.resident_id, c.given_by, c.given_by_resident_id, c.purpose, c.method,
                            c.given_on, c.withdrawn_on, c.recorded_by, c.note)
                for c in s.scalars(select(Consent).where(Consent.resident_id == resident_id)
                                   .order_by(Consent.given_on.desc(), Consent.id.desc()))]


# -- purge ----------------------------------------------------------------------------------

@dataclass
class PurgePlan:
    """What a purge would remove: residents deactivated before `cutoff`, and their linked rows."""

    years: int
    cutoff: dt.date
    residents: int
    family_links: int   # relationships (each stored as two rows)
    tags: int           # tags given to those residents
    consents: int
    resident_ids: list[int]


@dataclass
class PurgeResult:
    years: int
    cutoff: dt.date
    residents: int
    family_links: int
    tags: int
    consents: int


def _cutoff(years: int, today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _plan(session, years: int, today: dt.date | None) -> PurgePlan:
    if not isinstance(years, int) or years < 1:
        raise ValidationError({"years": _("Please give a number of years (at least 1).")})
    cutoff = _cutoff(years, today or dt.date.today())
    ids = list(session.scalars(select(Resident.id).where(
        Resident.active.is_(False), Resident.deactivated_on.is_not(None), Resident.deactivated_on < cutoff)
        .order_by(Resident.id)))
    pairs: set[frozenset] = set()
    tags = consents = 0
    for chunk in _chunks(ids):
        for a, b in session.execute(select(FamilyLink.resident_id, FamilyLink.relative_id).where(
                or_(FamilyLink.resident_id.in_(chunk), FamilyLink.relative_id.in_(chunk)))):
            pairs.add(frozenset((a, b)))
        tags += session.scalar(select(func.count()).select_from(resident_tags)
                               .where(resident_tags.c.resident_id.in_(chunk))) or 0
        consents += session.scalar(select(func.count(Consent.id)).where(Consent.resident_id.in_(chunk))) or 0
    return PurgePlan(years, cutoff, len(ids), len(pairs), tags, consents, ids)


def purge_candidates(db: Database, years: int, today: dt.date | None = None, *, actor: access.Actor) -> PurgePlan:
    """Counts of what `purge` would remove, to show before it runs."""
    access.require(actor, access.RECORDS_DELETE)
    with db.session() as s:
        return _plan(s, years, today)


def purge(db: Database, years: int, today: dt.date | None = None, *, actor: access.Actor) -> PurgeResult:
    """Delete the residents deactivated more than `years` years ago, with their family links,
    tags and consents, in one transaction; the purge is audited with the counts."""
    access.require(actor, access.RECORDS_DELETE)
    with db.session() as s:
        plan = _plan(s, years, today)
        for chunk in _chunks(plan.resident_ids):
            s.execute(delete(FamilyLink).where(
                or_(FamilyLink.resident_id.in_(chunk), FamilyLink.relative_id.in_(chunk))))
            s.execute(delete(resident_tags).where(resident_tags.c.resident_id.in_(chunk)))
            s.execute(delete(Consent).where(Consent.resident_id.in_(chunk)))
            s.execute(update(Consent).where(Consent.given_by_resident_id.in_(chunk))
                      .values(given_by_resident_id=None))
            s.execute(delete(Resident).where(Resident.id.in_(chunk)))
        audit.record(s, actor, "purge", "resident", None, _(
            "Residents deactivated before {date}: {residents} residents, {links} family links, "
            "{tags} tags and {consents} consents removed").format(
                date=plan.cutoff.isoformat(), residents=plan.residents, links=plan.family_links,
                tags=plan.tags, consents=plan.consents))
    return PurgeResult(plan.years, plan.cutoff, plan.residents, plan.family_links, plan.tags, plan.consents)
