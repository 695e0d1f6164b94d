"""Residents registry (居民档案): the rules for adding, editing, finding and
deactivating residents, and the family links between them."""
from __future__ import annotations

import datetime as dt
import re
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from operator import add

from sqlalchemy import String, delete, func, or_, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import AuditLog, FamilyLink, Grid, Resident, Tag, resident_tags
from app.services import access, audit, pinyin
from app.services.member_codes import code_from_scan, new_member_code
from app.services.validators import (InvalidValue, mask_id_number, normalise_phone, normalise_text,
                                     parse_id_number)

# The tables themselves, for the reads the window makes at start and at every keystroke: a query
# on the mapped classes sets up the whole ORM first (15 ms) and compiles through it.
_RES, _GRID, _TAG = Resident.__table__, Grid.__table__, Tag.__table__

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


def update_resident(db: Database, resident_id: int, data: ResidentInput, *, actor: access.Actor,
                    loaded_at: dt.datetime | None = None) -> None:
    """`loaded_at`: the record's `updated_at` when the form was filled; if it was saved since (at
    another desk), the save is refused instead of silently undoing that desk's change."""
    access.require(actor, access.RESIDENTS_UPDATE)
    values = validate(data)
    # The write lock (and the row's lock on PostgreSQL): a second desk saving at the same
    # moment waits, then sees this save's updated_at.
    with db.write_session(wait_seconds=5) as s:
        resident = s.get(Resident, resident_id, with_for_update=True) or resident_row(s, resident_id)
        if loaded_at is not None and resident.updated_at != loaded_at:
            raise ValidationError({"updated_at": _(
                "This resident's record was changed at another desk meanwhile; close the form and "
                "open it again to see the change, then make yours.")})
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
    # Plain rows, no ORM objects or lazy loads: the detail pane reads this at every pause in typing.
    with db.engine.connect() as con:
        r = con.execute(select(*Resident.__table__.c, Grid.worker_name.label("grid_worker_name"),
                               Grid.worker_phone.label("grid_worker_phone"))
                        .outerjoin(Grid, Grid.id == Resident.grid_id)
                        .where(Resident.id == resident_id)).first()
        if r is None:
            raise NotFoundError(_("There is no resident with record number {id}.").format(id=resident_id))
        tags = con.execute(select(Tag.id, Tag.name)
                           .join(resident_tags, resident_tags.c.tag_id == Tag.id)
                           .where(resident_tags.c.resident_id == resident_id)
                           .order_by(Tag.sort_order, Tag.id)).all()
        links = con.execute(
            select(FamilyLink.relative_id, Resident.name, FamilyLink.relation, Resident.phone)
            .join(Resident, Resident.id == FamilyLink.relative_id)
            .where(FamilyLink.resident_id == resident_id)
            .order_by(FamilyLink.id)).all()
        path, grid_id = [], r.grid_id
        while grid_id is not None:  # a few levels: village, grid, group
            grid = con.execute(select(Grid.name, Grid.parent_id).where(Grid.id == grid_id)).first()
            if grid is None:
                break
            path.append(grid.name)
            grid_id = grid.parent_id
    return ResidentDetail(
        id=r.id, member_code=r.member_code or "",
        data=ResidentInput(name=r.name, id_number=r.id_number or "", gender=r.gender,
                           birth_date=r.birth_date, phone=r.phone, estate=r.estate,
                           building=r.building, unit=r.unit, room=r.room, grid_id=r.grid_id,
                           tag_ids=[t.id for t in tags], notes=r.notes),
        id_kind=r.id_kind, active=r.active, deactivated_on=r.deactivated_on,
        deactivation_reason=r.deactivation_reason,
        grid_path=" / ".join(reversed(path)),
        grid_worker=" ".join(x for x in (r.grid_worker_name, r.grid_worker_phone) if x)
        if r.grid_id is not None else "",
        tag_names=[t.name for t in tags],
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
# the residents table (id, search keys, name, phone, ID number). Cheap queries (latest update,
# latest audit entry; the row count when those moved: `_index`) notice changes made by this desk
# or by another desk sharing the database; the rows changed since are patched in (a save costs a
# millisecond, not a rebuild), and only a purge or a bulk change rebuilds it. The empty query needs
# no index: it is read from SQL a page at a time (`page_ids`), so the first paint
# never waits for the index, which the window builds on its worker (`warm_index`).

_DIGITS = re.compile(r"^\d{3,17}[\dX]$")
# A phone typed the international way: +86 or 0086, then the number (a landline without its 0).
# "0086" alone stays a tail: it is only the country code when a whole number follows.
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086(?=\d{9}))")
_INDEX = "residents.search"
_LOCK = "residents.search_lock"
_SEP = "\0"  # between residents in the joined texts; never in a key, name, phone or query
_REMEMBERED = 256  # results kept per list for narrowing and backspace
_CHUNK = 1024  # residents per joined text: a patch re-joins the one or two it touches, not all
_FIELDS = ("keys", "names", "tails")
_PATCH_MOST = 20  # changed residents patched into the index; more (an import) rebuild it


def _joined(texts: list[str]) -> tuple[str, list[int]]:
    """The texts joined by _SEP, and where each begins (plus one past the end)."""
    lengths = accumulate(map(len, texts), initial=0)
    return _SEP.join(texts), list(map(add, lengths, range(len(texts) + 1)))  # + one _SEP each


class _Residents:
    """One list (everyone, or the active only) in pinyin order, ready to scan.

    Parallel lists, indexed by position: ids, all keys " cailiangjian clj | liangjian lj ",
    keys of the whole name, the NFKC name, "phone\\nID number\\n" for tail matching, and
    (sort key, id), the list's order. A query is matched by str.find over the joined texts
    (C speed; a position maps to its resident by bisect), or, when a shorter query's matches
    are remembered, over those alone: "chen" can only match what "che" matched. The texts
    are joined a chunk of the list at a time, so that `patched` re-joins only what changed.
    """

    def __init__(self, ids, keys, wholes, names, tails, orders, chunks=None):
        self.ids, self.keys, self.wholes, self.names, self.tails = ids, keys, wholes, names, tails
        self.orders = orders
        # [(residents in the chunk, {field: joined text of the chunk})], in list order
        self.chunks = self._chunks(0, len(ids)) if chunks is None else chunks
        # (cjk, term) -> (positions matched, in list order; ids in result order)
        self.found: dict[tuple[bool, str], tuple[list[int], list[int]]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _chunks(self, start: int, end: int) -> list:
        return [(min(end, at + _CHUNK) - at,
                 {field: _joined(getattr(self, field)[at:min(end, at + _CHUNK)]) for field in _FIELDS})
                for at in range(start, end, _CHUNK)]

    def _scan(self, field: str, needle: str) -> list[int]:
        out: list[int] = []
        offset = 0
        for count, joined in self.chunks:
            text, starts = joined[field]
            find = text.find
            pos = find(needle)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                out.append(offset + i)
                pos = find(needle, starts[i + 1])  # on from the next resident
            offset += count
        return out

    def patched(self, changed: set[int], rows) -> _Residents:
        """A copy without the residents `changed`, then with `rows` (as `_build` reads them) in order.

        Copy, not change: another thread may be scanning this one. Nothing remembered is kept
        (positions move); the first letters are scanned afresh (≈10 ms at 100,000 residents).
        """
        lists = [list(column) for column in (self.ids, self.keys, self.wholes, self.names, self.tails,
                                             self.orders)]
        ids, orders = lists[0], lists[5]
        counts = [count for count, _joined_texts in self.chunks] or [0]
        dirty: set[int] = set()

        def chunk_of(pos: int) -> int:  # the chunk holding position pos; one past the end: the last
            at = 0
            for k, count in enumerate(counts):
                at += count
                if pos < at:
                    return k
            return len(counts) - 1

        gone = []
        for rid in changed:
            try:
                gone.append(ids.index(rid))  # C speed: 0.5 ms at 100,000
            except ValueError:
                pass  # new, or not in this list
        for pos in sorted(gone, reverse=True):
            k = chunk_of(pos)
            counts[k] -= 1
            dirty.add(k)
            for column in lists:
                del column[pos]
        for entry in zip(*_columns(rows)):
            pos = bisect_left(orders, entry[5])
            k = chunk_of(pos)
            counts[k] += 1
            dirty.add(k)
            for column, value in zip(lists, entry):
                column.insert(pos, value)
        out = _Residents(*lists, chunks=[])
        old = self.chunks or [None]
        at = 0
        for k, count in enumerate(counts):
            out.chunks += out._chunks(at, at + count) if k in dirty or not count else [old[k]]
            at += count
        return out

    def tails_ending(self, digits: str) -> list[int]:
        return [self.ids[i] for i in self._scan("tails", digits + "\n")]

    def match(self, term: str, cjk: bool) -> list[int]:
        remembered = self.found.get((cjk, term))
        if remembered is None:
            remembered = self.found[(cjk, term)] = self._match(term, cjk)
            if len(self.found) > _REMEMBERED:  # keep the one-letter results: every query starts there
                self.found = {k: v for k, v in list(self.found.items()) if len(k[1]) == 1}
        return remembered[1]

    def _match(self, term: str, cjk: bool) -> tuple[list[int], list[int]]:
        if _SEP in term:
            return [], []
        needle = term if cjk else " " + term
        texts = self.names if cjk else self.keys
        base = None
        for n in range(len(term) - 1, 0, -1):  # the longest remembered start of the query
            base = self.found.get((cjk, term[:n]))
            if base is not None:
                break
        # Scanning a few remembered matches in Python beats the joined text; many, it does not.
        if base is not None and len(base[0]) * 4 < len(self.ids):
            matched = [i for i in base[0] if needle in texts[i]]
        else:
            matched = self._scan("names" if cjk else "keys", needle)
        ids = self.ids
        if cjk:  # exact name, then names starting with the term, then names containing it
            names = self.names
            return matched, ([ids[i] for i in matched if names[i] == term]
                             + [ids[i] for i in matched if names[i] != term and names[i].startswith(term)]
                             + [ids[i] for i in matched if not names[i].startswith(term)])
        # whole-name pinyin or initials first, then matches on the given name alone
        wholes = self.wholes
        return matched, ([ids[i] for i in matched if needle in wholes[i]]
                         + [ids[i] for i in matched if needle not in wholes[i]])

    def warm(self) -> None:
        """Remember every one-letter query (the start of every query) ahead of typing."""
        for letter in "abcdefghijklmnopqrstuvwxyz":
            self.match(letter, False)


_ROWS = select(
    Resident.id, Resident.search_keys, Resident.name,
    # "phone\nID number\n", phone without dashes (ID numbers are ASCII: upper() is enough)
    func.replace(func.coalesce(Resident.phone, ""), "-", "", type_=String) + "\n"
    + func.upper(func.coalesce(Resident.id_number, ""), type_=String) + "\n",
    Resident.active, Resident.sort_key)
_STAMP = select(select(func.count()).select_from(Resident).scalar_subquery(),
               select(func.max(Resident.updated_at)).scalar_subquery())


# Every keystroke asks whether the residents changed. The stamp's count reads a whole index
# (0.7 ms at 100,000 residents, more on a server), so a keystroke reads two latest values instead,
# each one step down an index: the latest update (any save moves it) and the audit trail's latest
# entry (a purge, the only way residents are deleted, writes one in its transaction). When either
# moved, or RECHECK_S after the last check, the stamp is read as well.
_CHANGES = select(select(func.max(Resident.updated_at)).scalar_subquery(),
                  select(func.max(AuditLog.id)).scalar_subquery())
_CHECKED = "residents.search_checked"
RECHECK_S = 10


def _stamp(db: Database) -> tuple:
    # Row count and latest update, each answered from an index, in one round trip.
    with db.engine.connect() as con:
        return tuple(con.execute(_STAMP).one())


def _build(db: Database, stamp: tuple) -> tuple:
    with db.engine.connect() as con:  # plain rows: no ORM overhead for 100,000 of them
        rows = con.execute(_ROWS.order_by(Resident.sort_key, Resident.id)).all()

    everyone = _residents(rows)
    active = _residents([row for row in rows if row[4]]) if not all(row[4] for row in rows) else everyone
    return stamp, everyone, active


def _patch(db: Database, cached: tuple, stamp: tuple) -> tuple | None:
    """The cached index with the rows changed since its stamp re-read, or None: rebuild it."""
    (count, latest), everyone, active = cached
    if latest is None or stamp[0] < count:  # empty before, or a purge: deleted rows leave no trace
        return None
    with db.engine.connect() as con:  # the updated_at index finds them
        rows = con.execute(_ROWS.where(Resident.updated_at > latest)
                           .limit(_PATCH_MOST + 1)).all()
    if len(rows) > _PATCH_MOST:
        return None
    changed = {row[0] for row in rows}
    patched = everyone.patched(changed, rows)
    if len(patched) != stamp[0]:  # some deleted while others were added (or added since the stamp)
        return None
    if active is everyone and all(row[4] for row in rows):
        return stamp, patched, patched
    return stamp, patched, active.patched(changed, [row for row in rows if row[4]])


def _columns(rows) -> list[list]:
    """_Residents' lists from rows (id, search keys, name, "phone\nID number\n", active, sort key)."""
    if not rows:
        return [[] for _column in range(6)]
    ids, keys, names, tails, _active, sort_keys = (list(column) for column in zip(*rows))
    # The name as a query is normalised (NFKC), so 全角 letters and compatibility
    # ideographs match either way (one call for all: NFKC never joins across _SEP).
    names = normalise_text(_SEP.join(names)).split(_SEP)
    return [ids, keys, [k.partition("|")[0] for k in keys], names, tails, list(zip(sort_keys, ids))]


def _residents(rows) -> _Residents:
    """The list from rows (as `_columns` takes them), in list order."""
    return _Residents(*_columns(rows))


def _index(db: Database, include_inactive: bool) -> _Residents:
    with db.engine.connect() as con:
        changes = tuple(con.execute(_CHANGES).one())
    cached, checked = db.cache.get(_INDEX), db.cache.get(_CHECKED)
    if not cached or checked is None or checked[0] != changes or time.monotonic() - checked[1] > RECHECK_S:
        stamp = _stamp(db)  # read after `changes`: a save in between is seen again next time
        # The worker may be building it (warm_index): wait for that rather than build it twice.
        with db.cache.setdefault(_LOCK, threading.Lock()):
            cached = db.cache.get(_INDEX)
            if not cached or cached[0] != stamp:
                cached = db.cache[_INDEX] = (cached and _patch(db, cached, stamp)) or _build(db, stamp)
            db.cache[_CHECKED] = (changes, time.monotonic())
    return cached[1] if include_inactive else cached[2]


def warm_index(db: Database) -> None:
    """Build the search index ahead of the first keystroke (the window runs this on its worker)."""
    _index(db, False).warm()


def blank_query(query: str) -> bool:
    return not "".join(normalise_text(query).split())


def page_ids(db: Database, offset: int = 0, limit: int | None = None,
             include_inactive: bool = False) -> list[int]:
    """Ids of the empty query's list (everyone, in pinyin order) from `offset`, straight from SQL."""
    r = _RES.c
    stmt = select(r.id).order_by(r.sort_key, r.id)
    with db.engine.connect() as con:
        if limit is None and offset == 0:
            # All of them: the sort-key index alone has every id in order; the few inactive
            # ones come from their own index (30 ms at 100,000 residents, not 200).
            ids = list(con.scalars(stmt))
            if include_inactive:
                return ids
            inactive = set(con.scalars(select(r.id).where(r.active.is_(False))))
            return [i for i in ids if i not in inactive] if inactive else ids
        if not include_inactive:
            # "IS NOT 0", not "IS 1": SQLite then walks the sort-key index and stops after the
            # page, instead of sorting every active resident to return fifty.
            stmt = stmt.where(r.active.is_not(False))
        return list(con.scalars(stmt.offset(offset).limit(limit)))


def search_ids(db: Database, query: str = "", include_inactive: bool = False) -> list[int]:
    """Ids of the residents matching `query`, best matches first, then in pinyin order.

    The query is a name (or part of one), full pinyin or initials (cailiangjian,
    clj), the last 4+ digits of a phone or ID number (a phone also as +86 …), or a scanned
    member card. Full-width (全角) input finds what half-width input finds.
    """
    term = "".join(normalise_text(query).split())
    if not term:
        return page_ids(db, include_inactive=include_inactive)
    code = code_from_scan(term)
    if code:  # a scanned member card (or its code typed in)
        with db.engine.connect() as con:
            found = con.scalar(select(Resident.id).where(Resident.member_code == code))
        if found is not None:
            return [found]
    return _find(_index(db, include_inactive), term)


def _find(entries: _Residents, term: str) -> list[int]:
    """search_ids on the index, for a term (normalised, without spaces) that is not a member card."""
    # "0595-88881234", "138-1234-5678", "(0595) 8888 1234", "+86 138 1234 5678"
    digits = _COUNTRY_CODE.sub("", term.replace("-", "").replace("(", "").replace(")", "").upper())
    if _DIGITS.match(digits):
        if len(digits) < 4:
            return []
        return entries.tails_ending(digits)
    cjk = pinyin._has_cjk(term)
    return list(entries.match(term if cjk else term.lower(), cjk))


def tags_of(session, resident_ids) -> dict[int, list[str]]:
    """Resident id → tag names in the list's order, for a batch of residents (a Session or a Connection)."""
    out: dict[int, list[str]] = {}
    for rid, tag in session.execute(select(resident_tags.c.resident_id, _TAG.c.name)
                                    .join(_TAG, _TAG.c.id == resident_tags.c.tag_id)
                                    .where(resident_tags.c.resident_id.in_(resident_ids))
                                    .order_by(_TAG.c.sort_order, _TAG.c.id)):
        out.setdefault(rid, []).append(tag)
    return out

def fetch_rows(db: Database, ids: list[int]) -> dict[int, ResidentRow]:
    """The grid lines for `ids` (a page of the result list)."""
    out: dict[int, ResidentRow] = {}
    if not ids:
        return out
    with db.engine.connect() as con:  # plain rows: the grid asks for a page at every keystroke
        r = _RES.c
        rows = con.execute(
            select(r.id, r.name, r.gender, r.birth_date, r.phone, r.id_number, r.estate, r.building, r.unit,
                   r.room, _GRID.c.name, r.active)
            .select_from(_RES.outerjoin(_GRID, _GRID.c.id == r.grid_id)).where(r.id.in_(ids)))
        tag_names = tags_of(con, ids)
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
    # Everyone less the few inactive: both counts come from small indexes, where counting the
    # active walks most of one (the residents tab's first paint waits for this).
    with db.engine.connect() as con:
        count = con.scalar(select(func.count()).select_from(_RES)) or 0
        if not include_inactive:
            count -= con.scalar(select(func.count()).select_from(_RES).where(_RES.c.active.is_(False))) or 0
        return count


def list_estates(db: Database) -> list[str]:
    """Estates already used, for the address field's suggestions."""
    with db.session() as s:
        return [e for e in s.scalars(select(Resident.estate).distinct().order_by(Resident.estate)) if e]
