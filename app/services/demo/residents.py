"""The residents' part of the demo: the centre's details, tags, the grid tree with its grid
workers, the residents with their families, and some who have moved away."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from app.i18n import _, format_number
from app.models import FamilyLink, Resident, Tag, resident_tags
from app.services import audit, centre, grids, pinyin, tags
from app.services.demo.common import SCALES, SURNAMES, DemoContext, DemoPart, Names, mobile
from app.services.member_codes import new_member_code
from app.services.residents import RELATIONS
from app.services.validators import check_char

LOCAL_REGIONS = ["350581", "350582", "350583", "350521"]          # 石狮 晋江 南安 惠安
NEW_RESIDENT_REGIONS = ["520221", "510722", "430524", "360731", "412723", "450821"]


def _id_number(rng: random.Random, region: str, birth: dt.date, gender: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} residents").format(count=format_number(count)))


def fill(ctx: DemoContext) -> DemoPart:
    """Residents of the scale (or `ctx.head_count`); leaves ctx.shared["people"] (the rows),
    ["links"] (family links, both directions) and ["moved_away"] (ids) for later fillers."""
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(Resident.id))) or 0)
    spec, today, system, progress = ctx.spec, ctx.today, ctx.system, ctx.progress
    rng = random.Random(ctx.seed)
    names = Names(rng)

    name, address, phone = spec["centre"]
    if not centre.get_centre(db).name:
        centre.save_centre(db, centre.CentreInfo(name, address, phone), actor=system)
    tags.ensure_default_tags(db, actor=system)
    with db.session() as s:
        tag_ids = list(s.scalars(select(Tag.id).order_by(Tag.sort_order)))
    elderly, child, newcomer, veteran, party, disabled, low_income, alone = (tag_ids + [None] * 8)[:8]

    # Grid tree with its grid workers.
    root = grids.add_grid(db, None, spec["community"], names.person("F"), mobile(rng), actor=system)
    sub_grids: list[int] = []
    for grid_name, subs in spec["grids"].items():
        g = grids.add_grid(db, root, grid_name, names.person(rng.choice("MF")), mobile(rng), actor=system)
        for sub in subs:
            sub_grids.append(grids.add_grid(db, g, sub, names.person(rng.choice("MF")), mobile(rng),
                                            actor=system))
    estates = spec["estates"]
    # Each estate is covered by one or more neighbouring sub-grids (big estates by several).
    estate_grids = {e: sub_grids[i * len(sub_grids) // len(estates):
                                 max(i * len(sub_grids) // len(estates) + 1,
                                     (i + 1) * len(sub_grids) // len(estates))]
                    for i, e in enumerate(estates)}

    total = ctx.population
    people: list[dict] = []
    person_tags: list[dict] = []
    links: list[dict] = []
    used_ids: set[str] = set()
    with db.session() as s:
        used_codes = set(s.scalars(select(Resident.member_code).where(Resident.member_code.is_not(None))))
    now = dt.datetime.now().replace(microsecond=0)

    def add(name: str, gender: str, birth: dt.date, home: dict, is_new: bool, extra_tags=()) -> int:
        # Until the rows are inserted a resident is known by its place in `people`; the
        # database gives the ids (several desks may add residents to one PostgreSQL database).
        rid = len(people)
        id_number = None
        if rng.random() < 0.93:
            region = rng.choice(NEW_RESIDENT_REGIONS if is_new else LOCAL_REGIONS)
            id_number = _id_number(rng, region, birth, gender)
            while id_number in used_ids:
                id_number = _id_number(rng, region, birth, gender)
            used_ids.add(id_number)
        age = today.year - birth.year
        phone = mobile(rng) if 16 <= age and rng.random() < 0.9 else ""
        keys, sort_key = pinyin.search_keys(name)
        code = new_member_code()
        while code in used_codes:
            code = new_member_code()
        used_codes.add(code)
        people.append(dict(name=name, member_code=code, gender=gender, id_number=id_number,
                           id_kind="mainland" if id_number else "", birth_date=birth, phone=phone,
                           notes="", active=True, deactivation_reason="", search_keys=keys,
                           sort_key=sort_key, created_at=now, updated_at=now, **home))
        chosen = set(extra_tags)
        if age >= 60:
            chosen.add(elderly)
        if age < 14:
            chosen.add(child)
        if is_new:
            chosen.add(newcomer)
        if 30 <= age and gender == "M" and rng.random() < 0.06:
            chosen.add(veteran)
        if age >= 20 and rng.random() < 0.08:
            chosen.add(party)
        if rng.random() < 0.02:
            chosen.add(disabled)
        person_tags.extend({"resident_id": rid, "tag_id": t} for t in chosen if t)
        return rid

    def link(a: int, b: int, relation: str) -> None:
        links.append({"resident_id": a, "relative_id": b, "relation": relation, "note": ""})
        links.append({"resident_id": b, "relative_id": a, "relation": RELATIONS[relation][1], "note": ""})

    def birth(age_from: int, age_to: int) -> dt.date:
        return today - dt.timedelta(days=rng.randrange(age_from * 365 + 1, age_to * 365 + 364))

    while len(people) < total:
        estate = rng.choice(estates)
        building = rng.randrange(1, 25)
        covering = estate_grids[estate]
        home = dict(estate=estate, building=str(building), unit=str(rng.randrange(1, 4)),
                    room=f"{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}",
                    grid_id=covering[building % len(covering)])
        is_new = rng.random() < 0.18
        surname = rng.choice(SURNAMES)
        kind = rng.random()
        if kind < 0.12:  # an elder living alone
            g = rng.choice("MF")
            add(names.person(g), g, birth(70, 92), home, False, {alone, low_income if rng.random() < 0.3 else None})
            continue
        husband = add(names.person("M", surname), "M", birth(28, 80), home, is_new)
        h_age = today.year - people[-1]["birth_date"].year
        wife = add(names.person("F"), "F", birth(max(20, h_age - 6), h_age + 2), home, is_new)
        link(husband, wife, "spouse")
        if h_age < 60:
            for _i in range(rng.choice((0, 1, 1, 2, 2, 3))):
                g = rng.choice("MF")
                kid = add(names.person(g, surname), g, birth(max(0, h_age - 45), max(1, h_age - 24)), home, is_new)
                # Parents are a minor's guardians; grown-up children are linked as children.
                relation = "guardian" if today.year - people[-1]["birth_date"].year < 18 else "parent"
                link(kid, husband, relation)
                link(kid, wife, relation)
            if rng.random() < 0.35 and h_age < 50:
                g = rng.choice("MF")
                elder = add(names.person(g, surname), g, birth(h_age + 24, h_age + 34), home, False)
                link(husband, elder, "parent")
        if progress and len(people) % 500 < 4:
            progress(len(people), total)
    people = people[:total]
    person_tags = [t for t in person_tags if t["resident_id"] < total]
    links = [ln for ln in links if ln["resident_id"] < total and ln["relative_id"] < total]

    with db.session() as s:
        for start in range(0, len(people), 2000):
            s.execute(insert(Resident.__table__), people[start:start + 2000])
            if progress:
                progress(min(start + 2000, total), total)
        # The database gave the ids; each row is found again by its (unique) member code, which
        # is as fast as plain inserts (RETURNING in the rows' order costs SQLite twice the time).
        by_code = dict(s.execute(select(Resident.member_code, Resident.id)).all())
        ids = [by_code[p["member_code"]] for p in people]
        for p, rid in zip(people, ids):
            p["id"] = rid
        for row in person_tags:
            row["resident_id"] = ids[row["resident_id"]]
        for row in links:
            row["resident_id"], row["relative_id"] = ids[row["resident_id"]], ids[row["relative_id"]]
        if person_tags:
            s.execute(insert(resident_tags), person_tags)
        if links:
            s.execute(insert(FamilyLink), links)
        audit.record(s, ctx.actor, "create", "demo", None, _("{count} demo residents ({scale})").format(
            count=total, scale=_(SCALES[ctx.scale])))
    # Some residents have moved away (deactivated, still on record).
    moved = [ids[n] for n in rng.sample(range(total), k=max(1, total // 100))]
    with db.session() as s:
        for rid in moved:
            r = s.get(Resident, rid)
            before = {"active": True, "deactivated_on": None, "deactivation_reason": ""}
            r.active = False
            r.deactivated_on = today - dt.timedelta(days=rng.randrange(10, 700))
            r.deactivation_reason = _("Moved away")
            # Like any deactivation, each is in the audit trail.
            audit.record(s, ctx.actor, "deactivate", "resident", rid, r.name, audit.diff(before, {
                "active": False, "deactivated_on": r.deactivated_on, "deactivation_reason": r.deactivation_reason}))
    ctx.shared.update(people=people, links=links, moved_away=set(moved))
    return _part(total)
