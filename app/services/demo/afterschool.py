"""After-school classes' part of the demo: a 四点半课堂 each school term of the year (two in town),
last summer's 暑托班 and this term's 兴趣班 (书法, 围棋, 舞蹈), with about 60 children at a village
centre (about 300 in town) aged 6–12, picked among the demo's residents.

The class types come from the service's seed; everything else is written with plain table inserts
(the database gives the ids), following the service's rules: a child has guardians (the parents of
the family links, or an adult of the same household, linked as guardian here) and a consent; a
child attends only the sessions of a class they are enrolled in on that day (scheduled weekdays in
the term, no holidays, not the cancelled session); the current 四点半课堂 is full with a waiting list,
one place offered after a withdrawal and one child enrolled beyond capacity with a reason. Today's
session is partly done: some children signed out, some still here."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from app.i18n import _, format_number
from app.models import (ChildProfile, ClassAttendance, ClassType, Consent, Enrolment, FamilyLink, PickupPerson,
                        SchoolClass, SessionChange)
from app.services import afterschool, audit, calendar
from app.services.demo.common import SCALES, DemoContext, DemoPart, Names, mobile
from app.services.member_codes import new_member_code
from app.services.residents import RELATIONS
from app.services.validators import normalise_phone

CHILDREN = {"village": 60, "town": 300}
SCHOOLS = {"village": ("莲坂小学", "祥芝中心小学"),
           "town": ("青阳中心小学", "状元里小学", "晋江市实验小学", "青阳第二实验小学")}
ALLERGIES = ("花生", "芒果", "虾蟹", "牛奶", "鸡蛋", "海鲜")
LEAVE_REASONS = ("感冒发烧，在家休息", "家里有事", "回老家", "去医院复查", "学校有活动")
ABSENT_REASONS = ("", "", "没来，也没请假", "家长忘了说")
WITHDRAW_REASONS = ("转学", "家里请了家教", "搬家了", "报了学校的课后托管")
CANCEL_REASONS = ("台风停课", "教室消防检修", "老师生病")
UNLISTED = (("舅舅", "已电话联系母亲，母亲同意由舅舅接走，核对了身份证"),
            ("姑姑", "父亲来电说明今天由姑姑来接，核对了身份证"),
            ("邻居", "监护人电话确认并发来微信说明，核对了身份证"),
            ("表姐", "母亲在电话里同意，登记了身份证号"))
OTHER_ADULTS = (("奶奶", "F"), ("外婆", "F"), ("爷爷", "M"), ("外公", "M"), ("保姆", "F"), ("姑姑", "F"))


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} children in after-school classes").format(count=format_number(count)))


def _at(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _grade(birth: dt.date, day: dt.date) -> int:
    """The school grade on `day`: a child six by 31 August starts grade 1 that September."""
    school_year = day.year if day.month >= 9 else day.year - 1
    return school_year - birth.year - 6 + (1 if (birth.month, birth.day) <= (8, 31) else 0)


def _terms(first: dt.date, today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The school terms (name, first day, last day) that overlap the demo's year and have begun."""
    terms = []
    for year in range(first.year - 1, today.year + 1):
        terms.append((f"{year}春季", dt.date(year, 2, 24), dt.date(year, 7, 3)))
        terms.append((f"{year}秋季", dt.date(year, 9, 1), dt.date(year + 1, 1, 16)))
    return [t for t in terms if t[1] <= today and t[2] >= first]


def fill(ctx: DemoContext) -> DemoPart:
    """Classes, children and their year from the residents the residents' filler left in ctx.shared."""
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(ChildProfile.id))) or 0)
    rng = random.Random(f"afterschool-{ctx.seed}")
    today = ctx.today
    first = today - dt.timedelta(days=364)
    afterschool.seed(db, actor=ctx.system)
    with db.session() as s:
        types = list(s.execute(select(ClassType.id, ClassType.name).order_by(ClassType.sort_order, ClassType.id)))
    if len(types) < 3:
        return _part(0)
    by_name = {name: tid for tid, name in types}
    care, summer, interest = (by_name.get(_(label), types[i][0])
                              for i, label in enumerate(afterschool.DEFAULT_CLASS_TYPES[:3]))

    gone = ctx.shared.get("moved_away", set())
    people = [p for p in ctx.shared.get("people", []) if p["id"] not in gone and p["birth_date"]]
    if not people:
        return _part(0)
    by_id = {p["id"]: p for p in people}
    household: dict[tuple, list[dict]] = {}
    for p in people:
        household.setdefault((p["estate"], p["building"], p["unit"], p["room"]), []).append(p)
    guardians: dict[int, list[int]] = {}
    for link in ctx.shared.get("links", []):
        if link["relation"] == "guardian" and link["relative_id"] in by_id:
            guardians.setdefault(link["resident_id"], []).append(link["relative_id"])
    kids = sorted((p for p in people if 6 <= _age(p["birth_date"], today) <= 12), key=lambda p: p["id"])
    wanted = max(8, round(CHILDREN[ctx.scale] * ctx.population / ctx.spec["residents"]))
    chosen = rng.sample(kids, min(wanted, len(kids)))
    adults = [p for p in people if 25 <= _age(p["birth_date"], today) <= 65]
    names = Names(rng)
    now = dt.datetime.now().replace(microsecond=0)

    # -- the children: profiles, guardians (family links), pick-up adults, consents --------------
    new_links: list[dict] = []
    profiles, pickups, consents = [], {}, []
    for kid in chosen:
        rid = kid["id"]
        mine = [by_id[g] for g in guardians.get(rid, [])]
        if not mine:  # no parent in the registry: an adult of the same household becomes guardian
            home = household[(kid["estate"], kid["building"], kid["unit"], kid["room"])]
            grown = [p for p in home if 20 <= _age(p["birth_date"], today) <= 70]
            if not grown:
                continue
            mine = [grown[0]]
            new_links += [dict(resident_id=rid, relative_id=grown[0]["id"], relation="guardian", note=""),
                          dict(resident_id=grown[0]["id"], relative_id=rid, relation=RELATIONS["guardian"][1],
                               note="")]
        people_here = []
        for g in mine:
            people_here.append(dict(relative_id=g["id"], name=g["name"], guardian=True,
                                    phone=normalise_phone(g["phone"] or mobile(rng)),
                                    relation="父亲" if g["gender"] == "M" else "母亲"))
        for _i in range(rng.choice((1, 1, 2))):
            relation, gender = rng.choice(OTHER_ADULTS)
            surname = kid["name"][0] if relation in ("奶奶", "爷爷", "姑姑") else None
            people_here.append(dict(relative_id=None, name=names.person(gender, surname), guardian=False,
                                    phone=normalise_phone(mobile(rng)), relation=relation))
        pickups[rid] = people_here
        age = _age(kid["birth_date"], today)
        alone = age >= 10 and rng.random() < 0.15
        signed = first + dt.timedelta(days=rng.randrange(0, 60))
        profiles.append(dict(resident_id=rid, school=rng.choice(SCHOOLS[ctx.scale]),
                             grade=max(1, min(6, _grade(kid["birth_date"], today))),
                             allergies=rng.choice(ALLERGIES) if rng.random() < 0.08 else "", medical_notes="",
                             may_go_home_alone=alone, alone_consent_by=mine[0]["name"] if alone else "",
                             alone_consent_on=signed if alone else None, created_at=now, updated_at=now))
        consents.append(dict(resident_id=rid, given_by=mine[0]["name"], given_by_resident_id=mine[0]["id"],
                             purpose=afterschool.CONSENT_PURPOSE, method="written", given_on=signed,
                             withdrawn_on=None, recorded_by=ctx.actor.name, note=""))
    if not profiles:
        return _part(0)

    with db.session() as s:
        if new_links:
            s.execute(insert(FamilyLink), new_links)
        s.execute(insert(Consent.__table__), consents)
        s.execute(insert(ChildProfile.__table__), profiles)
        child_ids = dict(s.execute(select(ChildProfile.resident_id, ChildProfile.id)).all())
        used = set(s.scalars(select(PickupPerson.card_code).where(PickupPerson.card_code.is_not(None))))
        rows = []
        for rid, adults_here in pickups.items():
            for order, p in enumerate(adults_here):
                code = new_member_code()
                while code in used:
                    code = new_member_code()
                used.add(code)
                rows.append(dict(child_id=child_ids[rid], card_code=code, active=True, sort_order=order, **p))
        s.execute(insert(PickupPerson.__table__), rows)
        ids = {(c, o): i for i, c, o in s.execute(select(PickupPerson.id, PickupPerson.child_id,
                                                         PickupPerson.sort_order))}
    for rid, adults_here in pickups.items():
        for order, p in enumerate(adults_here):
            p["id"] = ids[(child_ids[rid], order)]

    # -- the classes --------------------------------------------------------------------------------
    big = ctx.scale == "town"
    care_cap, interest_cap, summer_cap = (45, 20, 60) if big else (30, 12, 30)
    specs = []  # (SchoolClass fields, is the current 四点半课堂)
    terms = _terms(first, today)
    for n, (term, start, end) in enumerate(terms):
        current = n == len(terms) - 1
        groups = ((f"四点半课堂（{term}·一班）", 1, 3), (f"四点半课堂（{term}·二班）", 4, 6)) if big \
            else ((f"四点半课堂（{term}）", 1, 6),)
        for name, g_min, g_max in groups:
            specs.append((dict(name=name, type_id=care, term_start=start, term_end=end, weekdays=0b11111,
                               start_time=dt.time(16, 30), end_time=dt.time(18, 0), room="二楼四点半课堂教室",
                               capacity=care_cap, age_min=6, age_max=12, grade_min=g_min, grade_max=g_max,
                               fee_fen=0, note="放学后作业辅导，志愿者轮值", active=end >= today), current))
    summer_year = today.year if today >= dt.date(today.year, 7, 7) else today.year - 1
    specs.append((dict(name=f"{summer_year}暑托班", type_id=summer, term_start=dt.date(summer_year, 7, 7),
                       term_end=dt.date(summer_year, 8, 22), weekdays=0b11111, start_time=dt.time(8, 30),
                       end_time=dt.time(17, 0), room="多功能厅", capacity=summer_cap, age_min=6, age_max=12,
                       grade_min=1, grade_max=6, fee_fen=30000, note="含午餐和午休",
                       active=dt.date(summer_year, 8, 22) >= today), False))
    if terms:
        term, start, end = terms[-1]
        for name, days, t0, t1, room, fee in (
                (f"书法兴趣班（{term}）", 0b01010, dt.time(16, 30), dt.time(17, 30), "书画室", 20000),
                (f"围棋兴趣班（{term}）", 0b00100, dt.time(16, 30), dt.time(18, 0), "棋艺室", 20000),
                (f"少儿舞蹈班（{term}）", 0b100000, dt.time(9, 0), dt.time(10, 30), "舞蹈室", 30000)):
            specs.append((dict(name=name, type_id=interest, term_start=start, term_end=end, weekdays=days,
                               start_time=t0, end_time=t1, room=room, capacity=interest_cap, age_min=6, age_max=12,
                               grade_min=1, grade_max=6, fee_fen=fee, note="", active=end >= today), False))
    teachers = rng.sample(adults, min(len(adults), len(specs)))
    with db.session() as s:
        classes = []
        for n, (fields, current) in enumerate(specs):
            teacher = teachers[n]["id"] if teachers and fields["type_id"] == interest else None
            row = SchoolClass(teacher_resident_id=teacher, created_at=now, updated_at=now, **fields)
            s.add(row)
            s.flush()
            classes.append((row.id, fields, current))

    # -- enrolments ---------------------------------------------------------------------------------
    children = [p["resident_id"] for p in profiles]
    births = {rid: by_id[rid]["birth_date"] for rid in children}
    enrolments: list[dict] = []
    weekday_busy: dict[int, int] = {}  # child -> weekdays taken by this term's 四点半课堂 (no clash)
    for class_id, c, current in classes:
        start, end = c["term_start"], c["term_end"]
        fits = [rid for rid in children if 6 <= _age(births[rid], start) <= 12
                and c["grade_min"] <= _grade(births[rid], start) <= c["grade_max"]
                and not (c["type_id"] == interest and weekday_busy.get(rid, 0) & c["weekdays"])]
        rng.shuffle(fits)
        full = current or rng.random() < 0.3
        waiting = (6 if big else 5) if current else 0
        taken = fits[:min(len(fits), c["capacity"] + waiting if full else round(c["capacity"] * rng.uniform(.6, .9)))]
        opened = start - dt.timedelta(days=14)
        places = c["capacity"]
        for n, rid in enumerate(taken):
            asked = dt.datetime.combine(opened, dt.time(9, 0)) + dt.timedelta(minutes=7 * n)
            row = dict(class_id=class_id, resident_id=rid, status=afterschool.ENROLLED, requested_at=asked,
                       offered_at=None, enrolled_on=min(start, today), left_on=None, left_reason="",
                       over_capacity_reason="", out_of_range_reason="", created_by=ctx.actor.name,
                       created_at=asked, updated_at=asked)
            if n >= places:
                row.update(status=afterschool.WAITING, enrolled_on=None)
            if c["type_id"] == care and current:
                weekday_busy[rid] = c["weekdays"]
            enrolments.append(row)
        mine = [e for e in enrolments if e["class_id"] == class_id]
        lasted = (min(end, today) - start).days
        if current and len(mine) > places and lasted >= 30:
            # Two left mid-term; the first waiting took their places; a place freed two days ago is
            # offered to the next one, not yet confirmed.
            queue = [e for e in mine if e["status"] == afterschool.WAITING]
            held = [e for e in mine if e["status"] == afterschool.ENROLLED]
            for k, leaving in enumerate(rng.sample(held, 3)):
                left = (today - dt.timedelta(days=2) if k == 2
                        else start + dt.timedelta(days=rng.randrange(7, lasted - 7)))
                leaving.update(status=afterschool.WITHDRAWN, left_on=left, left_reason=rng.choice(WITHDRAW_REASONS))
                if queue:
                    nxt = queue.pop(0)
                    at = dt.datetime.combine(left, dt.time(10, 0))
                    if k == 2:
                        nxt.update(status=afterschool.OFFERED, offered_at=at)
                    else:
                        nxt.update(status=afterschool.ENROLLED, offered_at=at, enrolled_on=left + dt.timedelta(days=2))
            if queue and big:  # an administrator enrolled one beyond capacity, with the reason
                queue[0].update(status=afterschool.ENROLLED, enrolled_on=start + dt.timedelta(days=1),
                                over_capacity_reason="双职工家庭，放学无人接，主任同意加一个位置")
        elif not current and mine and lasted >= 30 and rng.random() < 0.7:
            leaving = rng.choice([e for e in mine if e["status"] == afterschool.ENROLLED])
            leaving.update(status=afterschool.WITHDRAWN, left_on=start + dt.timedelta(days=rng.randrange(7, lasted)),
                           left_reason=rng.choice(WITHDRAW_REASONS))
    with db.session() as s:
        s.execute(insert(Enrolment.__table__), enrolments)

    # -- sessions and attendance ------------------------------------------------------------------
    cal = calendar.calendar(db)
    changes, attendance = [], []
    clock = now if today == now.date() else _at(today, 17 * 60 + 45)
    may_alone = {p["resident_id"] for p in profiles if p["may_go_home_alone"]}
    grace = afterschool.DEFAULT_GRACE_MINUTES
    for class_id, c, _current in classes:
        days = []
        day = max(c["term_start"], first)
        while day <= min(c["term_end"], today):
            if c["weekdays"] & (1 << day.weekday()) and day not in cal.holidays:
                days.append(day)
            day += dt.timedelta(days=1)
        past = [d for d in days if d < today - dt.timedelta(days=3)]
        if past and (c["type_id"] == care or rng.random() < 0.6):
            off = rng.choice(past)
            changes.append(dict(class_id=class_id, day=off, cancelled=True, reason=rng.choice(CANCEL_REASONS),
                                start_time=None, end_time=None, created_at=_at(off, 10 * 60),
                                created_by=ctx.actor.name))
            days.remove(off)
        start_m, end_m = _minutes(c["start_time"]), _minutes(c["end_time"])
        held = [e for e in enrolments if e["class_id"] == class_id and e["enrolled_on"] is not None]
        for day in days:
            if day == today and clock < _at(day, start_m):
                continue  # today's session has not begun
            for e in held:
                if not (e["enrolled_on"] <= day and (e["left_on"] is None or e["left_on"] > day)):
                    continue
                rid = e["resident_id"]
                row = dict(class_id=class_id, resident_id=rid, day=day, status=afterschool.PRESENT, reason="",
                           signed_in_at=None, signed_out_at=None, picked_up_by_id=None, picked_up_by_name="",
                           picked_up_by_phone="", picked_up_by_relation="", went_home_alone=False, unlisted=False,
                           unlisted_reason="", late=False, recorded_by=ctx.actor.name, from_paper=False)
                roll = rng.random()
                if roll < 0.04:
                    row.update(status=afterschool.ABSENT, reason=rng.choice(ABSENT_REASONS))
                elif roll < 0.10:
                    row.update(status=afterschool.LEAVE, reason=rng.choice(LEAVE_REASONS))
                else:
                    signed_in = _at(day, start_m + rng.randrange(-10, 16))
                    if signed_in > clock:
                        continue  # not come yet
                    row["signed_in_at"] = signed_in
                    late = rng.random() < 0.02
                    out = end_m + (rng.randrange(grace + 1, grace + 45) if late else rng.randrange(-25, grace))
                    if _at(day, out) <= clock:
                        row.update(signed_out_at=_at(day, out), late=late)
                        if rid in may_alone and rng.random() < 0.6:
                            row["went_home_alone"] = True
                        else:
                            who = rng.choices(pickups[rid], weights=[4 if p["guardian"] else 1
                                                                     for p in pickups[rid]])[0]
                            row.update(picked_up_by_id=who["id"], picked_up_by_name=who["name"],
                                       picked_up_by_phone=who["phone"], picked_up_by_relation=who["relation"])
                attendance.append(row)
    # A few children collected by someone not on their list, each with the staff member's reason.
    collected = [a for a in attendance if a["picked_up_by_id"] is not None and a["day"] < today]
    for a in rng.sample(collected, min(len(collected), 12 if big else 4)):
        relation, reason = rng.choice(UNLISTED)
        a.update(picked_up_by_id=None, picked_up_by_name=names.person(rng.choice("MF")),
                 picked_up_by_phone=normalise_phone(mobile(rng)), picked_up_by_relation=relation, unlisted=True,
                 unlisted_reason=reason)
    with db.session() as s:
        if changes:
            s.execute(insert(SessionChange.__table__), changes)
        for begin in range(0, len(attendance), 10000):
            s.execute(insert(ClassAttendance.__table__), attendance[begin:begin + 10000])
        audit.record(s, ctx.actor, "create", "afterschool_child", None, _(
            "{count} demo after-school children with their classes and attendance ({scale})").format(
                count=len(profiles), scale=_(SCALES[ctx.scale])))
    return _part(len(profiles))
