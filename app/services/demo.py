"""Realistic demo data: a village centre (~1,500 residents) or a large urban
community (26,000 residents, 23 estates, 39 third-level grids).

Running it again on a database that already holds demo data adds nothing.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.db import Database
from app.i18n import N_, _
from app.models import FamilyLink, Resident, Tag, resident_tags
from app.services import access, audit, centre, grids, pinyin, tags
from app.services.member_codes import new_member_code
from app.services.residents import RELATIONS
from app.services.validators import check_char

DEMO_MARKER = "demo.scale"
SCALES = {"village": N_("village centre"), "town": N_("urban community")}

SURNAMES = ("陈" * 12 + "林" * 10 + "黄" * 8 + "张" * 7 + "吴" * 6 + "王" * 6 + "李" * 6 + "蔡" * 6
            + "郑" * 5 + "许" * 5 + "洪" * 4 + "杨" * 4 + "施" * 4 + "刘" * 4 + "谢" * 3 + "邱" * 3
            + "苏" * 3 + "曾" * 3 + "颜" * 3 + "庄" * 3 + "柯" * 3 + "郭" * 3 + "卢" * 2 + "何" * 2
            + "周" * 2 + "钟" * 2 + "单" + "解" + "查" + "仇" + "区" + "覃" + "龚" + "纪" + "傅" + "粘"
            + "骆" + "萧" + "尤" + "童" + "范" + "方" + "江" + "高" + "罗" + "朱")
COMPOUND = ["欧阳", "尉迟", "司马", "上官"]
GIVEN_M = "伟强军建明国平志勇俊杰良剑文斌华荣海峰辉鹏涛东新宏振家福坤福祥忠宗南金水"
GIVEN_F = "丽芳秀英敏静燕玲娟婷雪梅兰琴慧颖佳妮霞红月凤珍萍碧淑惠美玉雅晶欣怡"
GIVEN_ANY = "子梓宇浩晨思雨嘉俊欣一可诗睿轩涵博安乐"

VILLAGE = {
    "centre": ("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村中心路18号", "0595-88881234"),
    "community": "莲坂村",
    "grids": {"第一网格": ["一组", "二组"], "第二网格": ["三组", "四组"], "第三网格": ["园区宿舍", "五组"]},
    "estates": ["莲坂新村", "莲坂村东片", "莲坂村西片", "莲坂村南片", "园区职工宿舍", "莲坂村北片"],
    "residents": 1500,
}
TOWN_ESTATES = ["宝源花园", "龙湖嘉天下", "融创江南府", "世茂云城", "万科金域蓝湾", "泰禾红树林",
                "中骏四季阳光", "阳光城翡丽湾", "碧桂园天玺", "保利城", "建发央著", "金辉优步大道",
                "绿城桂语江南", "大唐世家", "宝龙城市广场", "永隆国际城", "香江名苑", "锦绣华庭",
                "名仕花园", "新湖广场", "华侨新村", "状元里小区", "玉湖新村"]
TOWN = {
    "centre": ("状元里社区党建+邻里中心", "晋江市青阳街道状元里社区状元街99号", "0595-85661234"),
    "community": "状元里社区",
    # 6 second-level grids, 39 third-level grids in all.
    "grids": {f"第{n}网格": [f"{n}-{i}" for i in range(1, k + 1)]
              for n, k in zip("一二三四五六", (7, 7, 7, 6, 6, 6))},
    "estates": TOWN_ESTATES,
    "residents": 26000,
}
LOCAL_REGIONS = ["350581", "350582", "350583", "350521"]          # 石狮 晋江 南安 惠安
NEW_RESIDENT_REGIONS = ["520221", "510722", "430524", "360731", "412723", "450821"]


@dataclass
class DemoSummary:
    scale: str
    added: bool
    residents: int


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self, gender: str, surname: str | None = None) -> str:
        rng = self.rng
        if surname is None:
            surname = rng.choice(COMPOUND) if rng.random() < 0.004 else rng.choice(SURNAMES)
        pool = GIVEN_M if gender == "M" else GIVEN_F
        given = rng.choice(pool + GIVEN_ANY)
        if rng.random() < 0.8:
            given += rng.choice(pool)
        return surname + given


def _id_number(rng: random.Random, region: str, birth: dt.date, gender: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randrange(0, 10)) + f"{rng.randrange(0, 10**8):08d}"


def fill_demo(db: Database, scale: str = "village", seed: int = 1,
              progress: Callable[[int, int], None] | None = None,
              today: dt.date | None = None, head_count: int | None = None,
              actor: access.Actor | None = None) -> DemoSummary:
    """Fill the database; `head_count` overrides the scale's number of residents (benchmarks).

    `actor` (default: the operating-system user) needs to be allowed to add
    residents; the audit trail records them adding the demo data. The demo's
    own centre details, grids and tags are set up by a system actor named "demo".
    """
    if scale not in ("village", "town"):
        raise ValueError(scale)
    actor = actor or access.current_os_actor()
    access.require(actor, access.RESIDENTS_CREATE)
    system = access.Actor("demo", access.ADMINISTRATOR)
    existing = centre.get_setting(db, DEMO_MARKER)
    if existing:
        with db.session() as s:
            count = s.scalar(select(func.count(Resident.id))) or 0
        return DemoSummary(existing, False, count)
    spec = VILLAGE if scale == "village" else TOWN
    rng = random.Random(seed)
    names = _Names(rng)
    today = today or dt.date.today()

    name, address, phone = spec["centre"]
    if not centre.get_centre(db).name:
        centre.save_centre(db, centre.CentreInfo(name, address, phone), actor=system)
    tags.ensure_default_tags(db, actor=system)
    with db.session() as s:
        tag_ids = list(s.scalars(select(Tag.id).order_by(Tag.sort_order)))
    elderly, child, newcomer, veteran, party, disabled, low_income, alone = (tag_ids + [None] * 8)[:8]

    # Grid tree with its grid workers.
    root = grids.add_grid(db, None, spec["community"], names.person("F"), _mobile(rng), actor=system)
    sub_grids: list[int] = []
    for grid_name, subs in spec["grids"].items():
        g = grids.add_grid(db, root, grid_name, names.person(rng.choice("MF")), _mobile(rng), actor=system)
        for sub in subs:
            sub_grids.append(grids.add_grid(db, g, sub, names.person(rng.choice("MF")), _mobile(rng),
                                            actor=system))
    estates = spec["estates"]
    # Each estate is covered by one or more neighbouring sub-grids (big estates by several).
    estate_grids = {e: sub_grids[i * len(sub_grids) // len(estates):
                                 max(i * len(sub_grids) // len(estates) + 1,
                                     (i + 1) * len(sub_grids) // len(estates))]
                    for i, e in enumerate(estates)}

    with db.session() as s:
        next_id = (s.scalar(select(func.max(Resident.id))) or 0) + 1
    total = head_count or spec["residents"]
    people: list[dict] = []
    person_tags: list[dict] = []
    links: list[dict] = []
    used_ids: set[str] = set()
    with db.session() as s:
        used_codes = set(s.scalars(select(Resident.member_code).where(Resident.member_code.is_not(None))))
    now = dt.datetime.now().replace(microsecond=0)

    def add(name: str, gender: str, birth: dt.date, home: dict, is_new: bool, extra_tags=()) -> int:
        nonlocal next_id
        rid = next_id
        next_id += 1
        id_number = None
        if rng.random() < 0.93:
            region = rng.choice(NEW_RESIDENT_REGIONS if is_new else LOCAL_REGIONS)
            id_number = _id_number(rng, region, birth, gender)
            while id_number in used_ids:
                id_number = _id_number(rng, region, birth, gender)
            used_ids.add(id_number)
        age = today.year - birth.year
        phone = _mobile(rng) if 16 <= age and rng.random() < 0.9 else ""
        keys, sort_key = pinyin.search_keys(name)
        code = new_member_code()
        while code in used_codes:
            code = new_member_code()
        used_codes.add(code)
        people.append(dict(id=rid, name=name, member_code=code, gender=gender, id_number=id_number,
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
    kept = {p["id"] for p in people}
    person_tags = [t for t in person_tags if t["resident_id"] in kept]
    links = [ln for ln in links if ln["resident_id"] in kept and ln["relative_id"] in kept]

    with db.session() as s:
        for start in range(0, len(people), 2000):
            s.execute(insert(Resident), people[start:start + 2000])
            if progress:
                progress(min(start + 2000, total), total)
        if person_tags:
            s.execute(insert(resident_tags), person_tags)
        if links:
            s.execute(insert(FamilyLink), links)
        audit.record(s, actor, "create", "demo", None, _("{count} demo residents ({scale})").format(
            count=total, scale=_(SCALES[scale])))
    # Some residents have moved away (deactivated, still on record).
    with db.session() as s:
        for rid in rng.sample(sorted(kept), k=max(1, total // 100)):
            r = s.get(Resident, rid)
            r.active = False
            r.deactivated_on = today - dt.timedelta(days=rng.randrange(10, 700))
            r.deactivation_reason = _("Moved away")
    centre.set_setting(db, DEMO_MARKER, scale, actor=system)
    return DemoSummary(scale, True, total)
