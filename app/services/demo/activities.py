"""The activity ledger's part of the demo: a year of activities up to today — about 8 a month in a
village, 40 in the urban community — across the kinds of activity and target groups: free clinics
and recreation for elders, science classes and the summer class for children, the youth evening
school, talks and sports for everyone, a monthly 邻里互助日 with alliance merchants as partners.
Participants are drawn from the demo's residents by age (elders to 一老 activities, children to 一少,
young adults to 青年), a core of regulars coming often; walk-ins not in the registry are a headcount.
A few volunteer-service activities have their participants credited with points (through
services/activities.py, so the points ledger and accounts are exactly the desk's).

The activities, partners and participants go in as plain inserts (the database gives the ids) with
the audit row the service writes for each. Runs after the points demo (it credits points)."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from app.i18n import _, format_number
from app.models import Activity, ActivityParticipant, ActivityPartner, ActivityType, AuditLog, Merchant, ServiceType
from app.services import access, activities, alliance, audit, points
from app.services.demo.common import DemoContext, DemoPart

PER_MONTH = {"village": 8, "town": 40}
# kind (index in activities.DEFAULT_TYPES), target group, weight, titles, start times, hours, registered
# (village, town ranges), walk-ins (village, town ranges), months held (None: all year)
KINDS = (
    (0, "elderly", 3, ("社区义诊", "免费测血压血糖", "中医义诊进社区", "眼科义诊", "口腔健康义诊"),
     ((8, 30), (9, 0)), (2, 3), ((8, 20), (15, 40)), ((3, 12), (10, 30)), None),
    (1, "elderly", 4, ("长者生日会", "棋牌娱乐", "茶话会", "南音欣赏", "长者手工编织"),
     ((9, 0), (14, 30)), (2, 2), ((10, 25), (15, 35)), ((0, 5), (0, 10)), None),
    (2, "elderly", 2, ("防诈骗知识讲座", "健康养生讲座", "防跌倒安全讲座", "医保政策解读"),
     ((9, 30), (15, 0)), (1, 2), ((10, 25), (20, 45)), ((0, 8), (5, 20)), None),
    (2, "everyone", 2, ("消防安全讲座", "垃圾分类宣讲", "民法典进社区", "家庭教育讲座"),
     ((9, 30), (19, 30)), (1, 2), ((6, 18), (15, 35)), ((5, 15), (10, 40)), None),
    (3, "everyone", 2, ("广场舞展演", "邻里趣味运动会", "书法交流", "乒乓球友谊赛", "中秋游园会"),
     ((8, 30), (19, 0)), (2, 3), ((8, 20), (15, 40)), ((10, 30), (20, 60)), None),
    (4, "children", 3, ("科普小课堂", "绘本阅读会", "亲子手工课", "小小消防员", "非遗剪纸体验"),
     ((9, 30), (15, 0)), (2, 2), ((6, 16), (10, 25)), ((0, 6), (2, 12)), None),
    (5, "children", 3, ("暑托班开班仪式", "暑期安全教育", "暑托班趣味游戏", "暑托班结业汇报"),
     ((8, 30), (14, 30)), (2, 3), ((10, 25), (20, 40)), ((0, 3), (0, 5)), (7, 8)),
    (6, "youth", 2, ("青年夜校：咖啡拉花", "青年夜校：手机摄影", "青年夜校：插花", "青年夜校：八段锦",
                      "青年夜校：烘焙"),
     ((19, 0), (19, 30)), (2, 2), ((6, 15), (12, 25)), ((0, 4), (2, 10)), None),
    (7, "everyone", 1, ("邻里互助日：义剪、家电维修", "邻里互助日：便民服务集市"),
     ((8, 30), (9, 0)), (3, 4), ((10, 25), (20, 45)), ((10, 30), (30, 80)), None),
    (8, "everyone", 2, ("志愿者环境整治", "文明劝导志愿行动", "关爱独居老人走访"),
     ((8, 0), (15, 0)), (2, 3), ((5, 12), (10, 20)), ((0, 0), (0, 0)), None),
)
VENUES = ("邻里中心一楼活动室", "邻里中心多功能厅", "党群服务中心会议室", "社区广场", "长者食堂", "四点半课堂教室",
          "文化礼堂", "社区卫生服务站")
ORGANISERS = ("林丽华", "陈国平", "黄秀英", "许志明", "蔡美玲")
TEAMS = ("红马甲志愿服务队", "巾帼志愿服务队", "青年志愿者协会", "退役军人志愿服务队")
BODIES = ("镇卫生院", "市中医院", "派出所", "消防救援站", "市图书馆", "妇联", "团委", "司法所")
REGULAR_SHARE = 0.25                    # of a group's pool; they fill about 60 % of the places
CREDITED = {"village": 6, "town": 24}   # volunteer-service activities whose participants earn points
HELPER_SERVICE = 5                      # points.DEFAULT_SERVICE_TYPES: 活动志愿服务, by the hour


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} activities").format(count=format_number(count)))


def _who(ctx: DemoContext, *permissions: str) -> access.Actor:
    return ctx.actor if all(access.may(ctx.actor, p) for p in permissions) else ctx.system


def _pools(ctx: DemoContext, rng: random.Random) -> dict[str, tuple[list[int], list[int]]]:
    """Residents by target group, each as (regulars, the rest)."""
    today, gone = ctx.today, ctx.shared.get("moved_away", set())
    groups: dict[str, list[int]] = {g: [] for g in activities.TARGET_GROUPS}
    for p in ctx.shared.get("people", []):
        if p.get("id") is None or p["id"] in gone or not p.get("birth_date"):
            continue
        age = (today - p["birth_date"]).days // 365
        if age >= 60:
            groups["elderly"].append(p["id"])
        elif 4 <= age < 14:
            groups["children"].append(p["id"])
        elif 18 <= age <= 35:
            groups["youth"].append(p["id"])
        if age >= 14:
            groups["everyone"].append(p["id"])
    pools = {}
    for group, ids in groups.items():
        rng.shuffle(ids)
        cut = max(1, round(len(ids) * REGULAR_SHARE)) if ids else 0
        pools[group] = (ids[:cut], ids[cut:])
    return pools


def _draw(rng: random.Random, pool: tuple[list[int], list[int]], n: int) -> list[int]:
    regulars, rest = pool
    k = min(len(regulars), round(n * 0.6))
    chosen = rng.sample(regulars, k) + rng.sample(rest, min(len(rest), n - k))
    return sorted(set(chosen))


def _plan(ctx: DemoContext, rng: random.Random, merchants: list[tuple[int, str]]) -> list[dict]:
    """The year's activities, each with its partners and participants, in date order."""
    today, scale = ctx.today, ctx.scale
    big = 0 if scale == "village" else 1
    start = today - dt.timedelta(days=364)
    planned = []
    month = start.replace(day=1)
    while month <= today:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        first, last = max(month, start), min(nxt - dt.timedelta(days=1), today)
        share = ((last - first).days + 1) / (nxt - month).days
        kinds = [k for k in KINDS if k[8] is None or month.month in k[8]]
        weights = [k[2] * (4 if k[8] else 1) for k in kinds]  # the summer class fills July and August
        n = round(PER_MONTH[scale] * share * rng.uniform(0.8, 1.2))
        for _i in range(n):
            planned.append((first + dt.timedelta(days=rng.randrange((last - first).days + 1)),
                            rng.choices(kinds, weights)[0]))
        # the monthly 邻里互助日 on the month's second Saturday, with alliance members
        saturday = month + dt.timedelta(days=(5 - month.weekday()) % 7 + 7)
        if first <= saturday <= last:
            planned.append((saturday, KINDS[8]))
        month = nxt
    planned.sort(key=lambda item: item[0])
    out = []
    for day, (kind, group, _w, titles, starts, hours, registered, walk_ins, _months) in planned:
        hour, minute = rng.choice(starts)
        begins = dt.time(hour, minute)
        ends = dt.time(min(hour + rng.choice(hours), 22), minute)
        partners = []
        if kind == 7 and merchants:
            partners = [("merchant", mid, name) for mid, name in rng.sample(merchants, min(len(merchants), 3))]
        elif kind in (0, 2) and rng.random() < 0.7:
            partners = [("body", None, rng.choice(BODIES))]
        elif kind == 8 or rng.random() < 0.15:
            partners = [("team", None, rng.choice(TEAMS))]
        if kind == 5 and merchants and rng.random() < 0.3:
            partners.append(("merchant", *rng.choice(merchants)))
        low, high = registered[big]
        out.append(dict(
            held_on=day, starts_at=begins, ends_at=ends, title=rng.choice(titles),
            kind=kind, target_group=group, venue=rng.choice(VENUES), organiser=rng.choice(ORGANISERS),
            headcount=rng.randint(*walk_ins[big]), notes="", partners=partners,
            participants=rng.randint(low, high)))
    return out


def fill(ctx: DemoContext) -> DemoPart:
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(Activity.id))) or 0)
    rng = random.Random(f"activities-{ctx.seed}")
    activities.seed(db, actor=ctx.system)
    with db.session() as s:
        types = {name: tid for tid, name in s.execute(select(ActivityType.id, ActivityType.name))}
        merchants = [tuple(r) for r in s.execute(select(Merchant.id, Merchant.name)
                                                 .where(Merchant.status == alliance.MEMBER).order_by(Merchant.id))]
    kind_ids = [types.get(name) for name in activities.DEFAULT_TYPES]
    if None in kind_ids:
        return _part(0)  # the centre changed the list before asking for the demo
    pools = _pools(ctx, rng)
    plan = _plan(ctx, rng, merchants)
    recorder = _who(ctx, access.ACTIVITIES_RECORD)
    rows = []
    for n, a in enumerate(plan):
        at = dt.datetime.combine(a["held_on"], a["ends_at"]) + dt.timedelta(minutes=30 + n % 30)
        rows.append(dict(held_on=a["held_on"], starts_at=a["starts_at"], ends_at=a["ends_at"], title=a["title"],
                         activity_type_id=kind_ids[a["kind"]], target_group=a["target_group"], venue=a["venue"],
                         organiser=a["organiser"], headcount=a["headcount"], notes="", created_at=at, updated_at=at))
    table = Activity.__table__
    returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    with db.session() as s:  # plain inserts with the service's audit rows; the database gives the ids
        ids = s.scalars(returning, rows).all() if rows else []
        trail, partner_rows, participant_rows = [], [], []
        for a, r, aid in zip(plan, rows, ids, strict=True):
            a["id"] = aid
            snapshot = {k: r[k] for k in ("held_on", "title", "activity_type_id", "target_group", "venue",
                                          "organiser", "headcount")}
            snapshot.update(starts_at=r["starts_at"].strftime("%H:%M"), ends_at=r["ends_at"].strftime("%H:%M"),
                            partners="、".join(name for _k, _m, name in a["partners"]))
            trail.append(audit.entry(recorder, "create", "activity", aid, r["title"], audit.diff({}, snapshot),
                                     r["created_at"]))
            for kind, mid, name in a["partners"]:
                partner_rows.append(dict(activity_id=aid, kind=kind, merchant_id=mid, name=name))
            for rid in _draw(rng, pools[a["target_group"]], a["participants"]):
                participant_rows.append(dict(activity_id=aid, resident_id=rid, points_entry_id=None,
                                             added_at=r["created_at"]))
        s.execute(insert(AuditLog.__table__), trail)
        if partner_rows:
            s.execute(insert(ActivityPartner.__table__), partner_rows)
        ptable = ActivityParticipant.__table__
        preturning = insert(ptable).returning(ptable.c.id, sort_by_parameter_order=True)
        titles = {a["id"]: a["title"] for a in plan}
        for begin in range(0, len(participant_rows), 5000):
            chunk = participant_rows[begin:begin + 5000]
            pids = s.scalars(preturning, chunk).all()
            s.execute(insert(AuditLog.__table__), [
                audit.entry(recorder, "create", "activity_participant", pid, titles[p["activity_id"]],
                            {"activity_id": [None, p["activity_id"]], "resident_id": [None, p["resident_id"]]},
                            p["added_at"]) for p, pid in zip(chunk, pids, strict=True)])

    # -- a few volunteer-service activities credited with points, through the service ------------------
    points.seed(db, actor=ctx.system)  # only when the points demo has not (an empty list)
    with db.session() as s:
        helper = s.scalars(select(ServiceType.id).order_by(ServiceType.sort_order, ServiceType.id)).all()
    service = helper[HELPER_SERVICE] if len(helper) > HELPER_SERVICE else None
    done = [a for a in plan if a["kind"] == 8 and a["held_on"] < ctx.today and a["participants"]]
    if service is not None and points.rate_on(db, service, ctx.today) is not None:
        crediter = _who(ctx, access.ACTIVITIES_RECORD, access.POINTS_EARN)
        for a in rng.sample(done, min(len(done), CREDITED[ctx.scale])):
            activities.credit_points(db, a["id"], service, actor=crediter, today=ctx.today)
    return _part(len(plan))
