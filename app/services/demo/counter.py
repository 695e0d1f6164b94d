"""The service counter's part of the demo: the public holidays, and a year of tickets ending on
the demo's day, each with a history the closed loop allows (replayed through counter.step), so
that the desk's day has some tickets overdue, some due today and some on hold."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate, groupby

from sqlalchemy import func, insert, select

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_number
from app.models import Grid, Ticket, TicketEvent
from app.services import access, audit, calendar, counter
from app.services.demo.common import SCALES, DemoContext, DemoPart, Names, mobile
from app.services.validators import normalise_phone


# Chinese public holidays as the State Council published them, and the weekend days worked in
# exchange (调休上班): (name, first day off, last day off, make-up working days).
PUBLIC_HOLIDAYS: list[tuple[str, dt.date, dt.date, tuple[dt.date, ...]]] = [
    ("元旦", dt.date(2025, 1, 1), dt.date(2025, 1, 1), ()),
    ("春节", dt.date(2025, 1, 28), dt.date(2025, 2, 4), (dt.date(2025, 1, 26), dt.date(2025, 2, 8))),
    ("清明节", dt.date(2025, 4, 4), dt.date(2025, 4, 6), ()),
    ("劳动节", dt.date(2025, 5, 1), dt.date(2025, 5, 5), (dt.date(2025, 4, 27),)),
    ("端午节", dt.date(2025, 5, 31), dt.date(2025, 6, 2), ()),
    ("国庆节、中秋节", dt.date(2025, 10, 1), dt.date(2025, 10, 8),
     (dt.date(2025, 9, 28), dt.date(2025, 10, 11))),
    ("元旦", dt.date(2026, 1, 1), dt.date(2026, 1, 3), (dt.date(2026, 1, 4),)),
    ("春节", dt.date(2026, 2, 15), dt.date(2026, 2, 23), (dt.date(2026, 2, 14), dt.date(2026, 2, 28))),
    ("清明节", dt.date(2026, 4, 4), dt.date(2026, 4, 6), ()),
    ("劳动节", dt.date(2026, 5, 1), dt.date(2026, 5, 5), (dt.date(2026, 5, 9),)),
    ("端午节", dt.date(2026, 6, 19), dt.date(2026, 6, 21), ()),
    ("中秋节", dt.date(2026, 9, 25), dt.date(2026, 9, 27), ()),
    ("国庆节", dt.date(2026, 10, 1), dt.date(2026, 10, 7), (dt.date(2026, 9, 20), dt.date(2026, 10, 10))),
]
SPRING_FESTIVAL = "春节"


@dataclass(frozen=True)
class RequestKind:
    """What residents bring to the counter under one default category."""

    weight: int                       # share of the year's tickets
    on_the_spot: float                # share settled the day they are received (consultations)
    descriptions: tuple[str, ...]
    errands: tuple[str, ...] = ()     # matters staff run for the resident (代办)


# Keyed by the default catalogue's msgids (counter.DEFAULT_CATALOGUE).
REQUEST_KINDS: dict[str, RequestKind] = {
    "Social and medical insurance": RequestKind(24, 0.35, (
        "咨询城乡居民医保缴费标准", "办理城乡居民医保参保登记",
        "咨询灵活就业人员养老保险缴费", "查询个人社保缴费记录",
        "办理医保异地就医备案", "申请门诊慢特病待遇认定", "激活电子社保卡",
        "咨询新生儿医保参保", "办理养老保险待遇领取资格认证", "打印社保参保证明",
    ), (
        "代办城乡居民医保参保缴费", "代办养老金领取资格认证",
        "代办医保异地就医备案", "代交慢特病申报材料",
    )),
    "Household registration and certificates": RequestKind(18, 0.3, (
        "开具居住证明", "办理居住证申领", "咨询无犯罪记录证明办理流程",
        "咨询新生儿户口登记", "开具家庭成员关系证明", "预约身份证到期换领",
        "咨询子女入学所需户籍材料", "开具独生子女证明", "咨询户口迁入所需材料",
    ), (
        "代办居住证明开具", "代交户口迁移材料", "代办身份证换领预约",
    )),
    "Elder benefits": RequestKind(14, 0.2, (
        "办理老年人优待证", "申请高龄津贴", "咨询居家养老服务补贴",
        "申请长者食堂助餐补贴", "办理老年人公交爱心卡", "申请居家适老化改造",
        "咨询养老机构入住补贴", "申请居家养老紧急呼叫设备",
    ), (
        "代办高龄津贴申领", "代办老年人优待证",
        "代办老年人公交卡年审", "代交居家养老服务补贴申请",
    )),
    "Disability affairs": RequestKind(5, 0.1, (
        "办理残疾人证年审", "申请残疾人两项补贴", "咨询残疾评定流程",
        "申请辅助器具适配", "申请残疾人居家托养服务",
    ), (
        "代办残疾人证年审", "代办辅助器具申领",
    )),
    "Assistance for families in difficulty": RequestKind(5, 0.05, (
        "申请最低生活保障", "申请临时救助", "咨询低保边缘家庭认定",
        "申请困难家庭子女助学", "因病致困申请医疗救助", "咨询特困人员供养政策",
    ), (
        "代交低保申请材料", "代办医疗救助报销",
    )),
    "Employment": RequestKind(6, 0.4, (
        "办理失业登记", "咨询失业保险金申领", "求职登记，希望推荐附近岗位",
        "咨询职业技能培训补贴", "咨询灵活就业社保补贴", "办理就业创业证",
    )),
    "Legal advice": RequestKind(4, 0.45, (
        "咨询拖欠工资如何维权", "咨询遗产继承公证事宜", "咨询婚姻家庭纠纷法律问题",
        "咨询房屋租赁合同纠纷", "申请法律援助", "咨询交通事故赔偿",
    )),
    "Disputes and mediation": RequestKind(9, 0.05, (
        "邻居装修噪音扰民，请求协调", "楼上漏水渗到家中，协商未果",
        "邻里因楼道堆放杂物发生争执", "家庭赡养纠纷，请求调解",
        "宅基地边界争议，请求调解", "饲养宠物扰民，请求协调",
        "停车位被长期占用", "房东租客押金纠纷，请求调解",
    )),
    "Property and environment": RequestKind(11, 0.05, (
        "路灯损坏，夜间出行不便", "楼道垃圾长期无人清理", "电梯频繁故障，请求督促维修",
        "化粪池堵塞外溢", "绿化带被私自开垦种菜", "楼顶违规搭建",
        "道路积水，排水沟堵塞", "流浪犬出没，担心伤人", "电动车楼道充电，存在安全隐患",
    )),
    "Other": RequestKind(4, 0.5, (
        "咨询社区活动报名", "反映公交站点设置不合理", "咨询垃圾分类投放时间",
        "建议增设健身器材", "咨询老年大学报名",
    )),
}
# How requests come in (counter, phone, found by a grid worker, home visit): neighbours'
# quarrels and broken street lights are what grid workers find on their rounds.
CHANNEL_MIX = {"grid": (35, 25, 35, 5), "other": (70, 17, 5, 8), "errand": (20, 30, 0, 50)}
HOLD_REASONS = ("等待居民补充材料", "等待上级部门审核", "居民外出务工，约定返回后办理",
                "等待维修配件到货", "等待当事人约定调解时间")
ESCALATION_REASONS = {
    counter.CENTRE_LEVEL: ("网格内协调未果，提交中心处理", "涉及多户居民，需中心统筹协调"),
    counter.TOWN_LEVEL: ("涉及多个部门，提请上级协调", "超出中心职权，上报处理"),
}
# What came of a request (办理结果): a consultation answered on the spot, or the matter done.
RESULTS_ON_THE_SPOT = ("当场解答，居民已了解办理流程和所需材料", "当场办结，材料已交居民本人",
                       "已现场指导居民在线办理完成")
RESULTS = {
    counter.GRID_LEVEL: ("网格员上门协调，双方达成一致", "已联系物业现场处理，问题已解决",
                         "网格员现场查看并督促整改完毕"),
    counter.CENTRE_LEVEL: ("材料审核通过，已按政策办理完毕并告知居民", "已办理完成，结果已电话告知居民",
                           "已协调相关部门办理完毕"),
    counter.TOWN_LEVEL: ("上级部门已受理并答复，结果已告知居民", "经上级协调处理完毕，已告知居民"),
}
# How residents are reached for the follow-up: mostly by phone (电话回访).
FOLLOW_UP_METHOD_MIX = {"phone": 70, "home_visit": 10, "sms": 5, "wechat": 7, "in_person": 8}
FOLLOW_UP_COMMENTS = {"satisfied": ("居民表示满意", "居民对办理结果满意", ""),
                      "basically": ("居民表示基本满意，希望办理再快一些", "基本满意"),
                      "unsatisfied": ("居民对处理结果不满意", "居民认为问题未彻底解决")}
ARCHIVED_ANYWAY = ("诉求超出政策范围，已向居民解释说明", "已多次协调，居民仍有意见，转入常态跟踪")
REOPEN_NOTE = "回访不满意，重新处置"
# Counter hours, 8:30–12:00 and 14:30–17:30, as minutes after midnight.
WORKING_MINUTES = [*range(8 * 60 + 30, 12 * 60), *range(14 * 60 + 30, 17 * 60 + 30)]


@dataclass
class _Step:
    """One move of a ticket (the first is its receipt), planned for a day."""

    day: dt.date
    action: str
    actor: str
    note: str = ""
    assignee: str = ""
    satisfaction: str = ""
    method: str = ""
    comment: str = ""
    from_status: str = ""   # set by _replay
    to_status: str = ""
    at: dt.datetime | None = None


@dataclass
class _Request:
    row: dict           # the tickets row; _replay fills in what the steps decide
    level: str          # at receipt
    due_on: dt.date     # the deadline promised at receipt
    steps: list[_Step]


@dataclass
class _Desk:
    """Who and what the demo's counter works with while it plans a year of requests."""

    rng: random.Random
    names: Names
    calendar: calendar.Calendar
    kinds: list[tuple[counter.CategoryRow, RequestKind]]
    requesters: list[dict]        # adult residents still living here
    cum_weights: list[int]        # elders come to the counter more often than anyone
    elders: list[dict]            # the oldest, for whom errands are run
    relatives: dict[int, list[str]]
    grid_workers: dict[int, str]  # sub-grid id -> its grid worker
    staff: list[str]
    town_offices: list[str]
    sums: dict = field(default_factory=dict)

    def add(self, day: dt.date, n: int) -> dt.date:
        """The service's calendar; the same few sums recur thousands of times."""
        key = (day, n)
        if key not in self.sums:
            self.sums[key] = self.calendar.add(day, n)
        return self.sums[key]


def _set_public_holidays(db: Database, first: dt.date, last: dt.date, system: access.Actor) -> None:
    """The holidays of the years the demo covers, leaving days the administrator set alone."""
    known = {h.day for h in calendar.list_holidays(db)}
    for name, start, end, make_up in PUBLIC_HOLIDAYS:
        if not first.year <= start.year <= last.year:
            continue
        for day in (start + dt.timedelta(days=i) for i in range((end - start).days + 1)):
            if day not in known:
                calendar.set_holiday(db, day, name, actor=system)
        for day in make_up:
            if day not in known:
                calendar.set_holiday(db, day, f"{name}调休上班", actor=system, working=True)


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} service counter tickets").format(count=format_number(count)))


def fill(ctx: DemoContext) -> DemoPart:
    """The default catalogue, the public holidays and a year of tickets from the residents the
    residents' filler left in ctx.shared (adults still living here); the counter has its own
    random stream, so the residents stay as they are whatever the counter draws."""
    if not ctx.adding:
        with ctx.db.session() as s:
            return _part(s.scalar(select(func.count(Ticket.id))) or 0)
    people, links = ctx.shared.get("people", []), ctx.shared.get("links", [])
    gone = ctx.shared.get("moved_away", set())
    requesters = [p for p in people if p["id"] not in gone and ctx.today.year - p["birth_date"].year >= 18]
    spec = ctx.spec
    return _part(_fill_counter(ctx.db, ctx.scale, spec, random.Random(f"counter-{ctx.seed}"), requesters, links,
                               ctx.today, per_day=spec["tickets_per_day"] * ctx.population / spec["residents"],
                               actor=ctx.actor, system=ctx.system, progress=ctx.progress))


def _fill_counter(db: Database, scale: str, spec: dict, rng: random.Random, requesters: list[dict],
                  links: list[dict], today: dt.date, per_day: float, *, actor: access.Actor,
                  system: access.Actor, progress: Callable[[int, int], None] | None) -> int:
    """A year of tickets ending `today`, each with a history the state table allows; returns how many."""
    first = today - dt.timedelta(days=364)
    counter.ensure_default_catalogue(db, actor=system)
    _set_public_holidays(db, first, today + dt.timedelta(days=60), system)
    cal = calendar.calendar(db)
    by_name = {c.name: c for c in counter.list_categories(db)}
    kinds = [(by_name.get(_(msgid)) or by_name.get(msgid), kind) for msgid, kind in REQUEST_KINDS.items()]
    kinds = [(category, kind) for category, kind in kinds if category is not None]  # still in the catalogue
    with db.session() as s:
        grid_workers = dict(s.execute(select(Grid.id, Grid.worker_name).where(Grid.level == 3)).all())
        numbers = list(s.scalars(select(Ticket.number).where(Ticket.number.like("FW%"))))
    if not kinds or not grid_workers:
        return 0
    names = Names(rng)
    by_id = {p["id"]: p for p in requesters}
    relatives: dict[int, list[str]] = {}
    for ln in links:
        if ln["relative_id"] in by_id:
            relatives.setdefault(ln["resident_id"], []).append(by_id[ln["relative_id"]]["name"])
    ages = [today.year - p["birth_date"].year for p in requesters]
    desk = _Desk(rng, names, cal, kinds, requesters,
                 cum_weights=list(accumulate(3 if age >= 60 else 1 for age in ages)),
                 elders=[p for p, age in zip(requesters, ages) if age >= 70], relatives=relatives,
                 grid_workers=grid_workers,
                 staff=[names.person(rng.choice("MF")) for _i in range(max(4, round(per_day / 2.5)))],
                 town_offices=spec["town_offices"])

    working = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
    working = [d for d in working if calendar.is_working_day(d, cal.holidays, cal.working_days)]
    quiet = [(start - dt.timedelta(days=10), end + dt.timedelta(days=7))
             for name, start, end, _make_up in PUBLIC_HOLIDAYS if name == SPRING_FESTIVAL]
    requests: list[_Request] = []
    for done, day in enumerate(working, 1):
        mean = per_day * (1.2 if day.weekday() == 0 else 0.7 if day.weekday() >= 5 else 1.0)
        if any(a <= day <= b for a, b in quiet):
            mean *= 0.4  # migrant workers have gone home; the desk is quiet around Spring Festival
        requests.extend(_plan_request(desk, day) for _i in range(max(0, round(rng.gauss(mean, mean ** 0.5)))))
        if progress and (done % 25 == 0 or done == len(working)):
            progress(done, len(working))

    # Today's picture: what is past has happened, the rest is still ahead.
    for r in requests:
        r.steps = [step for step in r.steps if step.day <= today]
        _replay(r, cal)
    _make_sure_of_today(desk, requests, today, per_day)

    clock = dt.datetime.now().replace(microsecond=0)
    for r in requests:
        for day, same_day in groupby(r.steps, key=lambda step: step.day):
            same_day = list(same_day)
            for step, minute in zip(same_day, sorted(rng.sample(WORKING_MINUTES, len(same_day)))):
                step.at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)))
            if day == clock.date():  # nothing today may have happened later than now
                for back, step in enumerate(reversed(same_day), start=1):
                    step.at = min(step.at, clock - dt.timedelta(minutes=back))
        r.row["created_at"], r.row["updated_at"] = r.steps[0].at, r.steps[-1].at
    # Numbers in order of receipt, consecutive per month after any the database already has.
    last: dict[str, int] = {}
    for number in numbers:
        prefix, _dash, n = number.rpartition("-")
        if n.isdigit():
            last[prefix] = max(last.get(prefix, 0), int(n))
    received = sorted(requests, key=lambda r: r.row["created_at"])
    rows = []
    for r in received:
        prefix = f"FW{r.row['received_on']:%Y%m}"
        last[prefix] = last.get(prefix, 0) + 1
        r.row["number"] = f"{prefix}-{last[prefix]:04d}"
        rows.append(r.row)
    with db.session() as s:  # plain table inserts: twice as fast as the ORM's bulk insert
        for start in range(0, len(rows), 2000):
            s.execute(insert(Ticket.__table__), rows[start:start + 2000])
            if progress:
                progress(min(start + 2000, len(rows)), len(rows))
        # The database gave the ids: each ticket is found again by its (unique) number.
        by_number = dict(s.execute(select(Ticket.number, Ticket.id).where(Ticket.number.like("FW%"))).all())
        events = [dict(ticket_id=by_number[r.row["number"]], at=step.at, actor_name=step.actor,
                       from_status=step.from_status, to_status=step.to_status, action=step.action, note=step.note)
                  for r in received for step in r.steps]
        for start in range(0, len(events), 10000):
            s.execute(insert(TicketEvent.__table__), events[start:start + 10000])
        # One row for them all, under tickets (the trail's single "demo data" row is the residents').
        audit.record(s, actor, "create", "ticket", None, _("{count} demo service-counter tickets ({scale})")
                     .format(count=len(rows), scale=_(SCALES[scale])))
    return len(rows)


def _plan_request(desk: _Desk, day: dt.date, kinds: list | None = None) -> _Request:
    """One request received on `day` (of one of `kinds`, default any) and its whole life, planned
    ahead (cut at today later)."""
    rng = desk.rng
    kinds = kinds or desk.kinds
    errand = bool(desk.elders) and any(k.errands for _c, k in kinds) and rng.random() < 0.08  # 代办
    kinds = [(c, k) for c, k in kinds if k.errands] if errand else kinds
    category, kind = rng.choices(kinds, weights=[k.weight for _c, k in kinds])[0]
    level = category.default_level
    grid_level = level == counter.GRID_LEVEL
    row = dict(resident_id=None, walk_in_name="", walk_in_phone="", grid_id=None, proxy_errand=errand,
               proxy_principal="", proxy_agent="", proxy_matter="", category_id=category.id, received_on=day)
    resident = None
    if errand:
        resident = rng.choice(desk.elders)
        family = desk.relatives.get(resident["id"])
        row.update(proxy_principal=resident["name"], proxy_matter=rng.choice(kind.errands),
                   proxy_agent=rng.choice(family) if family and rng.random() < 0.45 else rng.choice(desk.staff))
        channel = rng.choices(list(counter.CHANNELS), weights=CHANNEL_MIX["errand"])[0]
        description = "老人行动不便，委托" + row["proxy_matter"]
    else:
        if desk.requesters and rng.random() < 0.9:
            resident = rng.choices(desk.requesters, cum_weights=desk.cum_weights)[0]
        channel = rng.choices(list(counter.CHANNELS), weights=CHANNEL_MIX["grid" if grid_level else "other"])[0]
        description = rng.choice(kind.descriptions)
    if resident is not None:
        row.update(resident_id=resident["id"], grid_id=resident["grid_id"])
        if grid_level and rng.random() < 0.6:
            description = f"{resident['estate']}{resident['building']}号楼：{description}"
    else:
        # Someone not (yet) registered: a name and a mobile to call back.
        row.update(walk_in_name=desk.names.person(rng.choice("MF")), walk_in_phone=normalise_phone(mobile(rng)))
        channel = rng.choice(("counter", "counter", "phone"))
        if grid_level:
            row["grid_id"] = rng.choice(sorted(desk.grid_workers))
    urgency = rng.choices(list(counter.URGENCIES), weights=(85, 12, 3 + 5 * grid_level))[0]
    row.update(channel=channel, description=description, urgency=urgency)
    promised = category.promised_working_days

    # Who takes the request in, and who handles it at each level: the grid worker, a member of
    # staff, a town office (whose answers a member of staff records).
    receiver = rng.choice(desk.staff)
    handlers = {counter.GRID_LEVEL: desk.grid_workers.get(row["grid_id"]) or receiver,
                counter.CENTRE_LEVEL: rng.choice(desk.staff), counter.TOWN_LEVEL: rng.choice(desk.staff)}
    town_office = rng.choice(desk.town_offices)

    def assignee(at_level: str) -> str:
        return town_office if at_level == counter.TOWN_LEVEL else handlers.get(at_level, receiver)

    # How far it goes up (小事不出网格、大事不出中心), and whether it is done in time.
    room = 2 - counter.LEVEL_ORDER.index(level) if level in counter.LEVEL_ORDER else 0
    up = (0.10 if grid_level else 0.025) * (4 if urgency == "difficult" else 1)
    escalations = 0
    while escalations < room and rng.random() < (up if escalations == 0 else 0.15):
        escalations += 1
    late = rng.random() < (0.3 if escalations else 0.2 if urgency == "difficult" else 0.06)
    if late:
        resolve = promised + 1 + min(20, int(rng.expovariate(1 / 3)))
    elif escalations:
        resolve = rng.randint(min(2, promised), promised)
    elif rng.random() < kind.on_the_spot or urgency == "urgent" and rng.random() < 0.5:
        resolve = 0
    else:
        resolve = 1 + int(rng.triangular(0, promised, 0))
    dispatch = min(resolve, 0 if channel == "grid_worker" or rng.random() < 0.85 else 1)
    start = min(resolve, dispatch + (0 if rng.random() < 0.6 else 1))

    # (working days after receipt, step), in order.
    found_by = handlers[counter.GRID_LEVEL] if channel == "grid_worker" else receiver
    plan = [(0, _Step(day, "received", found_by)),
            (dispatch, _Step(day, "dispatch", receiver, assignee=assignee(level))),
            (start, _Step(day, "start", handlers.get(level, receiver)))]
    at_level = level
    for offset in sorted(rng.randint(start, resolve) for _i in range(escalations)):
        upper = counter.LEVEL_ORDER[counter.LEVEL_ORDER.index(at_level) + 1]
        plan.append((offset, _Step(day, "escalate", handlers.get(at_level, receiver),
                                   rng.choice(ESCALATION_REASONS[upper]), assignee=assignee(upper))))
        at_level = upper
    closer = handlers.get(at_level, receiver)
    if resolve > start and rng.random() < (0.15 if urgency == "difficult" else 0.045):
        # On hold for some working days: what comes later moves later, as the deadline does.
        held_at, held = rng.randint(start, resolve - 1), rng.randint(2, 10)
        plan = [(o if o <= held_at else o + held, step) for o, step in plan]
        position = sum(1 for o, _step in plan if o <= held_at)
        plan[position:position] = [(held_at, _Step(day, "hold", closer, rng.choice(HOLD_REASONS))),
                                   (held_at + held, _Step(day, "resume", closer))]
        resolve += held
    spot = resolve == 0 and not escalations and rng.random() < 0.7
    plan.append((resolve, _Step(day, "resolve", closer, rng.choice(RESULTS_ON_THE_SPOT if spot else
                                                                   RESULTS[at_level]))))
    # A follow-up a few days later; a resident not satisfied may have the ticket reopened.
    offset = resolve + rng.choice((0, 1, 1, 2, 2, 3, 4))
    satisfaction = rng.choices(list(counter.SATISFACTIONS), weights=(66, 22, 26 if late else 11))[0]
    plan.append((offset, _Step(day, "follow_up", receiver, satisfaction=satisfaction, method=_method(rng),
                               comment=rng.choice(FOLLOW_UP_COMMENTS[satisfaction]))))
    if satisfaction == "unsatisfied" and rng.random() < 0.3:
        offset += rng.choice((0, 1))
        plan.append((offset, _Step(day, "reopen", receiver, REOPEN_NOTE)))
        offset += rng.randint(1, 4)
        plan.append((offset, _Step(day, "resolve", closer, rng.choice(RESULTS[at_level]))))
        offset += rng.randint(1, 2)
        satisfaction = rng.choices(list(counter.SATISFACTIONS), weights=(55, 40, 5))[0]
        plan.append((offset, _Step(day, "follow_up", receiver, satisfaction=satisfaction, method=_method(rng),
                                   comment=rng.choice(FOLLOW_UP_COMMENTS[satisfaction]))))
    note = rng.choice(ARCHIVED_ANYWAY) if satisfaction == "unsatisfied" else ""
    offset += rng.randint(0, 8) if rng.random() < 0.98 else rng.randint(20, 40)  # some wait for month's end
    plan.append((offset, _Step(day, "archive", desk.staff[0] if rng.random() < 0.7 else receiver, note)))
    for offset, step in plan:
        step.day = desk.add(day, offset)
    return _Request(row, level, desk.add(day, promised), [step for _o, step in plan])


def _method(rng: random.Random) -> str:
    return rng.choices(list(FOLLOW_UP_METHOD_MIX), weights=list(FOLLOW_UP_METHOD_MIX.values()))[0]


# The fields of a tickets row that counter.step() may change.
_LOOP_FIELDS = ("status", "level", "assignee", "due_on", "resolved_on", "held_since", "held_days", "satisfaction",
                "follow_up_comment", "follow_up_method", "followed_up_on", "archived_on")


def _replay(request: _Request, cal: calendar.Calendar) -> dict:
    """Set the ticket's fields from its steps through counter.step, exactly as counter.move would."""
    row = request.row
    state = counter.TicketState(status=counter.RECEIVED, level=request.level, received_on=row["received_on"],
                                due_on=request.due_on)
    request.steps[0].to_status = counter.RECEIVED
    for planned in request.steps[1:]:
        planned.from_status = state.status
        try:
            state = counter.step(state, planned.action, today=planned.day, calendar=cal, note=planned.note,
                                 details=dict(assignee=planned.assignee, satisfaction=planned.satisfaction,
                                              method=planned.method, comment=planned.comment))
        except DeskError as exc:
            raise AssertionError(f"demo plan: {planned.action} from {state.status}: {exc}") from exc
        planned.to_status = state.status
    row.update((name, getattr(state, name)) for name in _LOOP_FIELDS)
    return row


def _overdue(row: dict, today: dt.date) -> bool:
    return row["status"] in counter.OPEN_STATUSES and (row["held_since"] or today) > row["due_on"]


def _due_today(row: dict, today: dt.date) -> bool:
    return row["status"] in counter.OPEN_STATUSES and row["held_since"] is None and row["due_on"] == today


def _on_hold(row: dict, today: dt.date) -> bool:
    return row["status"] in counter.OPEN_STATUSES and row["held_since"] is not None


def _make_sure_of_today(desk: _Desk, requests: list[_Request], today: dt.date, per_day: float) -> None:
    """Chance alone may leave a small centre with nothing overdue, due today or on hold on the
    demo's day: a few recent tickets then still wait for their resolution, or are put on hold."""
    rng, cal = desk.rng, desk.calendar
    recent = [r for r in requests if r.row["received_on"] >= today - dt.timedelta(days=45)]

    def working(day: dt.date) -> bool:
        return calendar.is_working_day(day, cal.holidays, cal.working_days)

    def still_open(r: _Request) -> _Request:
        """The same ticket with its resolution still ahead (as it was before it was resolved)."""
        first = next((i for i, step in enumerate(r.steps) if step.action == "resolve"), len(r.steps))
        return _Request(r.row, r.level, r.due_on, r.steps[:first])

    def wanted_open(r: _Request, is_wanted) -> bool:
        row = _replay(still_open(r), cal)
        # Overdue since lately: nobody leaves a ticket untouched for months.
        fits = is_wanted(row, today) and row["held_since"] is None and row["due_on"] >= today - dt.timedelta(days=14)
        _replay(r, cal)  # the row is shared: back to the ticket as it was
        return fits

    lately = [d for d in (today - dt.timedelta(days=i) for i in range(1, 15)) if working(d)][:8]
    for wanted, is_wanted, due_days in ((max(2, round(per_day * 0.3)), _overdue, lately),
                                        (max(1, round(per_day * 0.15)), _due_today, [today])):
        missing = max(0, wanted - sum(1 for r in requests if is_wanted(r.row, today)))
        candidates = [r for r in recent if missing and wanted_open(r, is_wanted)]
        chosen = rng.sample(candidates, min(missing, len(candidates)))
        # After a quiet fortnight there may be none: requests received on the day that makes them due.
        for _attempt in range(20 * (missing - len(chosen))):
            if len(chosen) == missing or not due_days:
                break
            category, kind = rng.choices(desk.kinds, weights=[k.weight for _c, k in desk.kinds])[0]
            due, day = rng.choice(due_days), today
            for _back in range(90):
                day -= dt.timedelta(days=1)
                if working(day) and desk.add(day, category.promised_working_days) <= due:
                    break
            r = _plan_request(desk, day, [(category, kind)])
            r.steps = [step for step in r.steps if step.day <= today]
            _replay(r, cal)
            if r.due_on == due and wanted_open(r, is_wanted):
                requests.append(r)
                chosen.append(r)
        for r in chosen:
            r.steps = still_open(r).steps
            _replay(r, cal)

    missing = max(2, round(per_day * 0.2)) - sum(1 for r in requests if _on_hold(r.row, today))
    candidates = [r for r in recent if r.row["status"] in (counter.DISPATCHED, counter.HANDLING)
                  and not (_on_hold(r.row, today) or _overdue(r.row, today) or _due_today(r.row, today))]
    for r in rng.sample(candidates, min(max(0, missing), len(candidates))):
        since = r.steps[-1].day
        days = [since + dt.timedelta(days=i) for i in range((today - since).days + 1)]
        r.steps.append(_Step(rng.choice([d for d in days if working(d)] or [today]), "hold", r.steps[-1].actor,
                             rng.choice(HOLD_REASONS)))
        _replay(r, cal)
