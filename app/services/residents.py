"""Residents registry (居民档案): the rules for adding, editing, finding and
deactivating residents, and the family links between them."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import FamilyLink, Grid, Resident, Tag, resident_tags
from app.services import access, audit, pinyin
from app.services.member_codes import code_from_scan, new_member_code
from app.services.validators import (InvalidValue, mask_id_number, normalise_phone, normalise_text,
                                     parse_id_number)

GENDERS = {"M": N_("Male"), "F": N_("Female")}

# relation code -> (label, inverse code). A link (A, B, code) reads "B is A's <label>".
RELATIONS: dict[str, tuple[str, str]] = {
    "guardian": (N_("Guardian"), "ward"),
    "ward": (N_("Ward"), "guardian"),
    "parent": (N_("Parent"), "child"),
    "child": (N_("Son or daughter"), "parent"),
    "spouse": (N_("Spouse"), "spouse"),
    "grandparent": (N_("Grandparent"), "grandchild"),
    "grandchild": (N_("Grandchild"), "grandparent"),
    "sibling": (N_("Sibling"), "sibling"),
    "carer": (N_("Carer"), "cared_for"),
    "cared_for": (N_("Cared for"), "carer"),
    "other": (N_("Other relative or friend"), "other"),
}

NAME_MAX = 50


def age_on(birth: dt.date | None, today: dt.date | None = None) -> int | None:
    if birth is None:
        return None
    today = today or dt.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@dataclass
class ResidentInput:
    """What a form (or an import row) supplies for one resident."""

    name: str = ""
    id_number: str = ""
    gender: str | None = None           # used only when there is no ID number
    birth_date: dt.date | None = None   # likewise
    phone: str = ""
    estate: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    grid_id: int | None = None
    tag_ids: list[int] = field(default_factory=list)
    notes: str = ""


@dataclass
class ResidentRow:
    """One line of the residents grid."""

    id: int
    name: str
    gender: str | None
    birth_date: dt.date | None
    phone: str
    id_number: str | None
    address: str
    grid: str
    tags: str
    active: bool

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


@dataclass
class LinkInfo:
    relative_id: int
    relative_name: str
    relation: str
    relative_phone: str


@dataclass
class ResidentDetail:
    id: int
    member_code: str
    data: ResidentInput
    id_kind: str
    active: bool
    deactivated_on: dt.date | None
    deactivation_reason: str
    grid_path: str
    grid_worker: str        # responsible grid worker of the resident's grid, with phone
    tag_names: list[str]
    links: list[LinkInfo]
    created_at: dt.datetime
    updated_at: dt.datetime


def format_address(estate: str, building: str, unit: str, room: str) -> str:
    parts = [estate]
    if building:
        parts.append(_("Bldg {building}").format(building=building))
    if unit:
        parts.append(_("Unit {unit}").format(unit=unit))
    if room:
        parts.append(_("Room {room}").format(room=room))
    return " ".join(p for p in parts if p)


# -- validation ----------------------------------------------------------------

def validate(data: ResidentInput, today: dt.date | None = None) -> dict:
    """Check and normalise a ResidentInput; return the column values to store.

    Raises ValidationError naming every wrong field at once.
    """
    errors: dict[str, str] = {}
    values: dict = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Please enter the resident's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is too long (at most {n} characters).").format(n=NAME_MAX)
    values["name"] = name

    values["id_number"], values["id_kind"] = None, ""
    values["gender"] = data.gender if data.gender in GENDERS else None
    values["birth_date"] = data.birth_date
    if (data.id_number or "").strip():
        try:
            info = parse_id_number(data.id_number, today)
        except InvalidValue as exc:
            errors["id_number"] = exc.message
        else:
            values.update(id_number=info.number, id_kind=info.kind,
                          gender=info.gender, birth_date=info.birth_date)
    if values["birth_date"] and values["birth_date"] > (today or dt.date.today()):
        errors["birth_date"] = _("The birth date is in the future.")

    values["phone"] = ""
    if (data.phone or "").strip():
        try:
            values["phone"] = normalise_phone(data.phone)
        except InvalidValue as exc:
            errors["phone"] = exc.message

    for key, limit in (("estate", 100), ("building", 20), ("unit", 20), ("room", 20)):
        text = (getattr(data, key) or "").strip()
        if len(text) > limit:
            errors[key] = _("Too long (at most {n} characters).").format(n=limit)
        values[key] = text
    values["notes"] = (data.notes or "").strip()
    values["grid_id"] = data.grid_id
    if errors:
        raise ValidationError(errors)
    return values


def _check_references(session, values: dict, tag_ids: list[int]) -> list[Tag]:
    errors = {}
    if values["grid_id"] is not None and session.get(Grid, values["grid_id"]) is None:
        errors["grid_id"] = _("The chosen grid no longer exists.")
    tags = list(session.scalars(select(Tag).where(Tag.id.in_(tag_ids)))) if tag_ids else []
    if len(tags) != len(set(tag_ids)):
        errors["tags"] = _("A chosen tag no longer exists.")
    if errors:
        raise ValidationError(errors)
    return tags


def _check_duplicate(session, id_number: str | None, own_id: int | None) -> None:
    if not id_number:
        return
    other = session.scalar(select(Resident).where(Resident.id_number == id_number))
    if other is not None and other.id != own_id:
        address = format_address(other.estate, other.building, other.unit, other.room)
        raise ValidationError({"id_number": _(
            "This ID number is already registered to {name} (record {id}{address}).").format(
                name=other.name, id=other.id, address=("，" + address) if address else "")})


AUDITED = ("name", "gender", "id_number", "birth_date", "phone", "estate", "building", "unit", "room",
           "notes")


def audit_values(values: dict, grid: str | None, tag_names: list[str]) -> dict:
    """A resident's fields as the audit trail compares them (grid and tags by name)."""
    out = {key: values.get(key) for key in AUDITED}
    out["grid"] = grid or None
    out["tags"] = "、".join(tag_names)
    return out


def _snapshot(session, r: Resident) -> dict:
    grid = session.get(Grid, r.grid_id) if r.grid_id is not None else None
    tags = sorted(r.tags, key=lambda t: (t.sort_order, t.id))
    return audit_values({key: getattr(r, key) for key in AUDITED}, grid.name if grid else None,
                        [t.name for t in tags])


def _status(r: Resident) -> dict:
    return {"active": r.active, "deactivated_on": r.deactivated_on,
            "deactivation_reason": r.deactivation_reason}


def _apply(resident: Resident, values: dict, tags: list[Tag]) -> None:
    for key, value in values.items():
        setattr(resident, key, value)
    resident.search_keys, resident.sort_key = pinyin.search_keys(values["name"])
    resident.tags = tags
    resident.updated_at = dt.datetime.now()


# -- commands ------------------------------------------------------------------

def _unused_code(session) -> str:
    while True:
        code = new_member_code()
        if session.scalar(select(Resident.id).where(Resident.member_code == code)) is None:
            return code


def add_resident(db: Database, data: ResidentInput, *, actor: access.Actor) -> int:
    access.require(actor, access.RESIDENTS_CREATE)
    values = validate(data)
    with db.session() as s:
        _check_duplicate(s, values["id_number"], None)
        tags = _check_references(s, values, data.tag_ids)
        resident = Resident(created_at=dt.datetime.now(), active=True, member_code=_unused_code(s))
        _apply(resident, values, tags)
        s.add(resident)
        s.flush()
        audit.record(s, actor, "create", "resident", resident.id, resident.name,
                     audit.diff({}, _snapshot(s, resident)))
        return resident.id


def update_resident(db: Database, resident_id: int, data: ResidentInput, *, actor: access.Actor) -> None:
    access.require(actor, access.RESIDENTS_UPDATE)
    values = validate(data)
    with db.session() as s:
        resident = resident_row(s, resident_id)
        _check_duplicate(s, values["id_number"], resident_id)
        tags = _check_references(s, values, data.tag_ids)
        before = _snapshot(s, resident)
        _apply(resident, values, tags)
        changes = audit.diff(before, _snapshot(s, resident))
        if changes:
            audit.record(s, actor, "update", "resident", resident_id, resident.name, changes)


def deactivate_resident(db: Database, resident_id: int, reason: str = "",
                        on: dt.date | None = None, *, actor: access.Actor) -> None:
    """Mark a resident as no longer served (moved away, deceased …); nothing is deleted."""
    access.require(actor, access.RESIDENTS_DEACTIVATE)
    with db.session() as s:
        resident = resident_row(s, resident_id)
        before = _status(resident)
        resident.active = False
        resident.deactivated_on = on or dt.date.today()
        resident.deactivation_reason = reason.strip()[:200]
        resident.updated_at = dt.datetime.now()
        audit.record(s, actor, "deactivate", "resident", resident_id, resident.name,
                     audit.diff(before, _status(resident)))


def reactivate_resident(db: Database, resident_id: int, *, actor: access.Actor) -> None:
    access.require(actor, access.RESIDENTS_DEACTIVATE)
    with db.session() as s:
        resident = resident_row(s, resident_id)
        before = _status(resident)
        resident.active = True
        resident.deactivated_on = None
        resident.deactivation_reason = ""
        resident.updated_at = dt.datetime.now()
        audit.record(s, actor, "reactivate", "resident", resident_id, resident.name,
                     audit.diff(before, _status(resident)))


def resident_row(session, resident_id: int) -> Resident:
    """The resident's row in an open session, or NotFoundError (for this and other services)."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFoundError(_("There is no resident with record number {id}.").format(id=resident_id))
    return resident


def get_resident(db: Database, resident_id: int) -> ResidentDetail:
    from app.services.grids import grid_path

    with db.session() as s:
        r = resident_row(s, resident_id)
        links = s.execute(
            select(FamilyLink.relative_id, Resident.name, FamilyLink.relation, Resident.phone)
            .join(Resident, Resident.id == FamilyLink.relative_id)
            .where(FamilyLink.resident_id == resident_id)
            .order_by(FamilyLink.id)).all()
        return ResidentDetail(
            id=r.id, member_code=r.member_code or "",
            data=ResidentInput(name=r.name, id_number=r.id_number or "", gender=r.gender,
                               birth_date=r.birth_date, phone=r.phone, estate=r.estate,
                               building=r.building, unit=r.unit, room=r.room, grid_id=r.grid_id,
                               tag_ids=[t.id for t in r.tags], notes=r.notes),
            id_kind=r.id_kind, active=r.active, deactivated_on=r.deactivated_on,
            deactivation_reason=r.deactivation_reason,
            grid_path=grid_path(s, r.grid_id),
            grid_worker=" ".join(x for x in (r.grid.worker_name, r.grid.worker_phone) if x) if r.grid else "",
            tag_names=[t.name for t in r.tags],
            links=[LinkInfo(*row) for row in links],
            created_at=r.created_at, updated_at=r.updated_at)


# -- family links ----------------------------------------------------------------

def _pair(resident_id: int, relative_id: int):
    return or_((FamilyLink.resident_id == resident_id) & (FamilyLink.relative_id == relative_id),
               (FamilyLink.resident_id == relative_id) & (FamilyLink.relative_id == resident_id))


def _audit_links(session, actor: access.Actor, a: Resident, b: Resident, before: dict[int, str],
                 after: dict[int, str]) -> None:
    """One audit row on each of the two records: "{relation}: {name} (record {id})"."""
    for person, other in ((a, b), (b, a)):
        def text(relation: str | None) -> str | None:
            if relation is None:
                return None
            return _("{relation}: {name} (record {id})").format(
                relation=_(RELATIONS[relation][0]), name=other.name, id=other.id)  # noqa: B023 (used at once)

        old, new = text(before.get(person.id)), text(after.get(person.id))
        if old != new:
            audit.record(session, actor, "update", "resident", person.id, person.name,
                         {"family_link": [old, new]})


def _links_between(session, resident_id: int, relative_id: int) -> dict[int, str]:
    """resident id -> how the other one is related to them."""
    return {rid: relation for rid, relation in session.execute(
        select(FamilyLink.resident_id, FamilyLink.relation).where(_pair(resident_id, relative_id)))}


def link_family(db: Database, resident_id: int, relative_id: int, relation: str, note: str = "", *,
                actor: access.Actor) -> None:
    """Record that `relative` is `resident`'s `relation`, and the inverse link."""
    access.require(actor, access.RESIDENTS_UPDATE)
    if relation not in RELATIONS:
        raise ValidationError({"relation": _("Please choose a relation.")})
    if resident_id == relative_id:
        raise ValidationError({"relation": _("A resident cannot be linked to themselves.")})
    inverse = RELATIONS[relation][1]
    with db.session() as s:
        resident = resident_row(s, resident_id)
        relative = resident_row(s, relative_id)
        before = _links_between(s, resident_id, relative_id)
        s.execute(delete(FamilyLink).where(_pair(resident_id, relative_id)))
        s.add(FamilyLink(resident_id=resident_id, relative_id=relative_id, relation=relation, note=note))
        s.add(FamilyLink(resident_id=relative_id, relative_id=resident_id, relation=inverse, note=note))
        _audit_links(s, actor, resident, relative, before, {resident_id: relation, relative_id: inverse})


def unlink_family(db: Database, resident_id: int, relative_id: int, *, actor: access.Actor) -> None:
    access.require(actor, access.RESIDENTS_UPDATE)
    with db.session() as s:
        before = _links_between(s, resident_id, relative_id)
        if not before:
            return
        s.execute(delete(FamilyLink).where(_pair(resident_id, relative_id)))
        _audit_links(s, actor, resident_row(s, resident_id), resident_row(s, relative_id), before, {})


# -- search ------------------------------------------------------------------------
#
# Search runs on every keystroke, so it works on a compact in-memory index of
# the residents table (id, search keys, name, phone, ID number), rebuilt when the
# table changes. A cheap stamp query (row count, latest update) notices changes
# made by this desk or by another desk sharing the database.

_DIGITS = re.compile(r"^\d{3,17}[\dX]$")
# A phone typed the international way: +86 or 0086, then the number (a landline without its 0).
# "0086" alone stays a tail: it is only the country code when a whole number follows.
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086(?=\d{9}))")
_INDEX = "residents.search"
_LAST = "residents.last_search"


# One entry per resident, a plain tuple because it is scanned 30,000 times a keystroke:
# (id, all keys " cailiangjian clj | liangjian lj ", keys of the whole name, name,
#  "phone\nID number\n" for tail matching).
_Entry = tuple[int, str, str, str, str]


_STAMP = select(select(func.count()).select_from(Resident).scalar_subquery(),
               select(func.max(Resident.updated_at)).scalar_subquery())


def _stamp(db: Database) -> tuple:
    # Row count and latest update, each answered from an index, in one round trip.
    with db.engine.connect() as con:
        return tuple(con.execute(_STAMP).one())


def _index(db: Database, include_inactive: bool) -> list[_Entry]:
    stamp = _stamp(db)
    cached = db.cache.get(_INDEX)
    if not cached or cached[0] != stamp:
        everyone, active = [], []
        with db.engine.connect() as con:  # plain rows: no ORM overhead for 30,000 of them
            rows = con.execute(select(Resident.id, Resident.search_keys, Resident.name, Resident.phone,
                                    Resident.id_number, Resident.active)
                             .order_by(Resident.sort_key, Resident.id))
            for rid, keys, name, phone, id_number, is_active in rows:
                # The name as a query is normalised (NFKC), so 全角 letters and compatibility
                # ideographs match either way.
                entry = (rid, keys, keys.partition("|")[0], normalise_text(name),
                         f"{(phone or '').replace('-', '')}\n{(id_number or '').upper()}\n")
                everyone.append(entry)
                if is_active:
                    active.append(entry)
        cached = db.cache[_INDEX] = (stamp, everyone, active)
    return cached[1] if include_inactive else cached[2]


def search_ids(db: Database, query: str = "", include_inactive: bool = False) -> list[int]:
    """Ids of the residents matching `query`, best matches first, then in pinyin order.

    The query is a name (or part of one), full pinyin or initials (cailiangjian,
    clj), the last 4+ digits of a phone or ID number (a phone also as +86 …), or a scanned
    member card. Full-width (全角) input finds what half-width input finds.
    """
    term = "".join(normalise_text(query).split())
    entries = _index(db, include_inactive)
    if not term:
        return [e[0] for e in entries]
    code = code_from_scan(term)
    if code:  # a scanned member card (or its code typed in)
        with db.session() as s:
            found = s.scalar(select(Resident.id).where(Resident.member_code == code))
        if found is not None:
            return [found]
    # "0595-88881234", "138-1234-5678", "(0595) 8888 1234", "+86 138 1234 5678"
    digits = _COUNTRY_CODE.sub("", term.replace("-", "").replace("(", "").replace(")", "").upper())
    if _DIGITS.match(digits):
        if len(digits) < 4:
            return []
        tail = digits + "\n"
        return [rid for rid, _k, _w, _n, tails in entries if tail in tails]
    cjk = pinyin._has_cjk(term)
    if not cjk:
        term = term.lower()
    # Typing on narrows the previous result: "chen" can only match what "che" matched.
    base, last = entries, db.cache.get(_LAST)
    if last and last[0] is base and last[1] == cjk and term.startswith(last[2]):
        entries = last[3]
    first: list[int] = []
    second: list[int] = []
    third: list[int] = []
    matched: list[_Entry] = []
    if cjk:
        # exact name, then names starting with the term, then names containing it
        for entry in entries:
            name = entry[3]
            if term in name:
                matched.append(entry)
                (first if name == term else second if name.startswith(term) else third).append(entry[0])
    else:
        # whole-name pinyin or initials first, then matches on the given name alone
        word = " " + term
        for entry in entries:
            if word in entry[1]:
                matched.append(entry)
                (first if word in entry[2] else second).append(entry[0])
    db.cache[_LAST] = (base, cjk, term, matched)
    return first + second + third



def tags_of(session, resident_ids) -> dict[int, list[str]]:
    """Resident id → tag names in the list's order, for a batch of residents."""
    out: dict[int, list[str]] = {}
    for rid, tag in session.execute(select(resident_tags.c.resident_id, Tag.name)
                                    .join(Tag, Tag.id == resident_tags.c.tag_id)
                                    .where(resident_tags.c.resident_id.in_(resident_ids))
                                    .order_by(Tag.sort_order, Tag.id)):
        out.setdefault(rid, []).append(tag)
    return out

def fetch_rows(db: Database, ids: list[int]) -> dict[int, ResidentRow]:
    """The grid lines for `ids` (a page of the result list)."""
    out: dict[int, ResidentRow] = {}
    if not ids:
        return out
    with db.session() as s:
        rows = s.execute(
            select(Resident.id, Resident.name, Resident.gender, Resident.birth_date, Resident.phone,
                   Resident.id_number, Resident.estate, Resident.building, Resident.unit, Resident.room,
                   Grid.name, Resident.active)
            .outerjoin(Grid, Grid.id == Resident.grid_id).where(Resident.id.in_(ids)))
        tag_names = tags_of(s, ids)
        for (rid, name, gender, birth, phone, id_number, estate, building, unit, room, grid,
             active) in rows:
            out[rid] = ResidentRow(
                id=rid, name=name, gender=gender, birth_date=birth, phone=phone, id_number=id_number,
                address=format_address(estate, building, unit, room), grid=grid or "",
                tags="、".join(tag_names.get(rid, ())), active=active)
    return out


def filtered_ids(db: Database, *, estate: str | None = None, grid_id: int | None = None,
                 tag_id: int | None = None, include_inactive: bool = False) -> list[int]:
    """Residents of an estate, a grid (with the grids below it) and/or a tag, in pinyin order."""
    stmt = select(Resident.id)
    if estate:
        stmt = stmt.where(Resident.estate == estate)
    if grid_id is not None:
        from app.services.grids import grid_and_descendants

        stmt = stmt.where(Resident.grid_id.in_(grid_and_descendants(db, grid_id)))
    if tag_id is not None:
        stmt = stmt.where(Resident.id.in_(select(resident_tags.c.resident_id)
                                          .where(resident_tags.c.tag_id == tag_id)))
    if not include_inactive:
        stmt = stmt.where(Resident.active.is_(True))
    with db.session() as s:
        return list(s.scalars(stmt.order_by(Resident.sort_key, Resident.id)))


def fetch_rows_in_order(db: Database, ids: list[int], chunk: int = 500) -> list[ResidentRow]:
    """Grid lines for many ids, in the order given (for printing and export)."""
    out: list[ResidentRow] = []
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        found = fetch_rows(db, part)
        out.extend(found[i] for i in part if i in found)
    return out


def count_residents(db: Database, include_inactive: bool = False) -> int:
    stmt = select(func.count(Resident.id))
    if not include_inactive:
        stmt = stmt.where(Resident.active.is_(True))
    with db.session() as s:
        return s.scalar(stmt) or 0


def list_estates(db: Database) -> list[str]:
    """Estates already used, for the address field's suggestions."""
    with db.session() as s:
        return [e for e in s.scalars(select(Resident.estate).distinct().order_by(Resident.estate)) if e]
