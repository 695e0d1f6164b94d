"""The merchant alliance's part of the demo: the seed's 状元里 story — a first batch of about 23 shops
admitted some fifteen months before the demo's today, a second batch of 18 about six months before
(4 and 3 in a village) — with their reviews, public-benefit commitments, complaints (the rate per
member down about 15 % from one half-year to the next), two quarters of evaluations, one member
suspended, one that left, one shop not admitted, two applications under review and one just in.

Everything goes through services/alliance.py (a few hundred small calls, about a second), so the
statuses, events and audit rows are exactly what the desk would have written."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from app.i18n import _, format_number
from app.models import Merchant
from app.services import access, alliance
from app.services.alliance import CommitmentInput, ComplaintInput, MerchantInput, ReviewInput, ReviewItemInput
from app.services.demo.common import SURNAMES, DemoContext, DemoPart, Names, mobile
from app.services.validators import CREDIT_CODE_CHARS, credit_code_check_char

BATCHES = {"village": (4, 3), "town": (23, 18)}
AREA = {"village": "350581", "town": "350582"}  # 石狮市, 晋江市
# Shop names by the seed's business types, in the order of alliance.DEFAULT_BUSINESS_TYPES.
# {s}: a surname, {e}: the estate.
SHOPS = (
    ("福满楼餐馆", "{s}记沙县小吃", "阿{s}面线糊", "{s}家牛肉羹", "好运来快餐店", "{e}早餐店", "老{s}土笋冻",
     "{s}记卤味", "鲜果时光奶茶店"),
    ("老王理发店", "老{s}理发店", "靓丽美容院", "丝艺造型", "{s}师傅快剪", "{e}美发屋"),
    ("惠民超市", "{s}记便利店", "邻家便利店", "{e}生活超市", "{s}家水果店", "新鲜粮油店"),
    ("小李家电维修", "小{s}家电维修", "{s}师傅开锁修鞋", "安心家政服务部", "便民修车铺", "{s}记五金水电"),
    ("康济大药房", "仁和堂药店", "百姓大药房", "{s}氏推拿理疗", "{e}眼镜店"),
    ("晨光文具店", "{s}家照相馆", "爱心洗衣店", "{s}记裁缝铺", "{s}记打印复印"),
)
TYPE_WEIGHTS = (5, 3, 3, 2, 2, 1)
# Kinds of commitment (the order of DEFAULT_COMMITMENT_TYPES) that suit each business type, with a
# detail and how often.
SERVICES = {
    0: ((3, "为环卫工人、快递员免费提供饮用水", "每天营业时间"), (4, "卫生间向路人开放", "每天营业时间"),
        (0, "店内提供免费手机充电", "每天营业时间")),
    1: ((1, "为辖区70岁以上老人免费理发", "每月第一个周二上午"), (0, "店内提供免费手机充电", "每天营业时间")),
    2: ((0, "收银台提供免费手机充电", "每天营业时间"), (3, "免费提供热水和饮用水", "每天营业时间"),
        (5, "为独居老人免费送货上门", "每周两次")),
    3: ((5, "为困难家庭免费上门维修小家电", "每月一次"), (2, "家电安全使用公益讲座", "每季度一次"),
        (0, "店内提供免费手机充电", "每天营业时间")),
    4: ((2, "健康知识公益讲座、免费测血压", "每月一次"), (3, "免费提供温开水", "每天营业时间"),
        (0, "店内提供免费手机充电", "每天营业时间")),
    5: ((0, "店内提供免费手机充电", "每天营业时间"), (2, "为社区儿童开设公益手工课", "每月一次"),
        (3, "免费提供饮用水", "每天营业时间")),
}
EVALUATORS = ("社区书记林丽华", "居民代表陈国平", "网格员黄秀英")
COMPLAINTS = (("买到过期食品，要求退换被拒", "已约谈店主，退货并赔礼道歉，下架过期商品"),
              ("实际收费与公示价格不符", "已核实，店主退还差价并重新公示价目表"),
              ("承诺的免费充电没有提供", "已提醒店主履行公益承诺，复查已恢复"),
              ("店门口堆放杂物，占用消防通道", "网格员督促清理，已整改"),
              ("夜间营业噪音扰民", "已协调店主晚上十点后降低音量，居民表示满意"),
              ("短斤少两", "已约谈店主，校准电子秤并补足差额"),
              ("服务态度差，与老人发生争执", "店主当面道歉，已加强店员培训"),
              ("油烟直排，影响楼上住户", "已督促加装油烟净化器"))
REJECT_NOTE = "店内卫生和消防检查不合格，消防通道堆放杂物；整改后可下一批再申请"
SUSPEND_REASON = "半年内多次被投诉短斤少两，暂停资格，整改后复查"
LEAVE_REASON = "店铺转让，经营者搬离本社区"
ADMIT_NOTE = "门店证照齐全，四美标准基本达到；营业时间较短一项已承诺改进"


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} alliance merchants").format(count=format_number(count)))


def credit_code(rng: random.Random, area: str, individual: bool) -> str:
    """A made-up 统一社会信用代码 with a correct check character (92: 个体工商户, 91: company)."""
    first17 = ("92" if individual else "91") + area + "".join(rng.choice(CREDIT_CODE_CHARS[:10] + "ABCDEFGHJKLMN")
                                                              for _i in range(9))
    return first17 + credit_code_check_char(first17)


def _who(ctx: DemoContext, permission: str) -> access.Actor:
    """The person adding the demo where they may do it, otherwise the demo's system actor."""
    return ctx.actor if access.may(ctx.actor, permission) else ctx.system


def _halves(today: dt.date) -> list[tuple[int, int]]:
    """The two last half-years that ended before today, the earlier first."""
    year, half = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
    before = (year, 1) if half == 2 else (year - 1, 2)
    return [before, (year, half)]


def _quarters(today: dt.date) -> list[tuple[int, int]]:
    """The two last quarters that ended before today, the earlier first."""
    year, q = today.year, (today.month - 1) // 3  # the quarter before today's
    if q == 0:
        year, q = year - 1, 4
    before = (year, q - 1) if q > 1 else (year - 1, 4)
    return [before, (year, q)]


def _complaint_counts(members: tuple[int, int]) -> tuple[int, int]:
    """Complaints in the two half-years whose rate per member falls closest to 15 %."""
    n1, n2 = members
    if not n1 or not n2:
        return (0, 0)
    best = None
    for c1 in range(max(2, round(n1 * 0.35)), max(3, round(n1 * 0.6)) + 1):
        for c2 in range(1, 2 * n2):
            change = (c2 / n2 - c1 / n1) / (c1 / n1)
            if change < 0 and (best is None or abs(change + 0.15) < best[0]):
                best = (abs(change + 0.15), c1, c2)
    return (best[1], best[2]) if best else (n1, max(1, n2 - 1))


def fill(ctx: DemoContext) -> DemoPart:
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(Merchant.id)).where(Merchant.joined_on.is_not(None))) or 0)
    rng = random.Random(f"alliance-{ctx.seed}")
    today = ctx.today
    names = Names(rng)
    applier, reviewer = _who(ctx, access.ALLIANCE_APPLY), _who(ctx, access.ALLIANCE_REVIEW)
    complaints_by, evaluator = _who(ctx, access.ALLIANCE_COMPLAINTS), _who(ctx, access.ALLIANCE_EVALUATE)
    alliance.seed(db, actor=ctx.system)
    types = [c.id for c in alliance.list_choices(db, alliance.BUSINESS_TYPES)]
    kinds = [c.id for c in alliance.list_choices(db, alliance.COMMITMENT_TYPES)]
    criteria = [c.id for c in alliance.list_choices(db, alliance.CRITERIA)]
    if len(types) < len(SHOPS) or len(kinds) < 6 or not criteria:
        return _part(0)  # the centre changed the lists before asking for the demo

    gone = ctx.shared.get("moved_away", set())
    people = [p for p in ctx.shared.get("people", []) if p["id"] not in gone and p["phone"]
              and p["birth_date"] and 25 <= (today - p["birth_date"]).days // 365 <= 70]
    estates = ctx.spec["estates"]

    # -- the shops: name, identifier, contact, address, how they applied --------------------------
    first_n, second_n = BATCHES[ctx.scale]
    admit_1, admit_2 = today - dt.timedelta(days=456), today - dt.timedelta(days=182)
    plan = ([("第一批", admit_1)] * first_n + [("第二批", admit_2)] * (second_n + 1)  # one of them refused
            + [("第三批", None)] * 3)
    used: set[str] = set()
    shops = []
    for n, (batch, decided) in enumerate(plan):
        kind = 0 if n == 0 else rng.choices(range(len(SHOPS)), TYPE_WEIGHTS)[0]
        if n < len(SHOPS) and ctx.scale == "town":
            kind = n  # each of the seed's examples once
        home = rng.choice(people) if people else None
        estate = home["estate"] if home else rng.choice(estates)
        for _try in range(50):
            name = rng.choice(SHOPS[kind]).format(s=rng.choice(SURNAMES), e=estate)
            if name not in used:
                break
        used.add(name)
        individual = rng.random() < 0.6
        data = MerchantInput(name=name, business_type_id=types[kind], estate=estate,
                             grid_id=home["grid_id"] if home else None, batch=batch,
                             address=f"{estate}{rng.randrange(1, 25)}号楼{rng.randrange(1, 12)}号店面")
        if individual and rng.random() < 0.2:  # an old-style 营业执照 number, no credit code
            data.licence_number = AREA[ctx.scale] + "600" + f"{rng.randrange(10**6):06d}"
        else:
            data.credit_code = credit_code(rng, AREA[ctx.scale], individual)
        if home is not None and rng.random() < 0.6:
            data.contact_resident_id, data.contact_phone = home["id"], home["phone"]
        else:
            data.contact_name, data.contact_phone = names.person(rng.choice("MF")), mobile(rng)
        roll = rng.random()
        if people and roll < 0.4:
            data.applied_via, data.recommended_by_id = alliance.RECOMMENDED, rng.choice(people)["id"]
        else:
            data.applied_via = alliance.SELF if roll < 0.85 else alliance.SOE_LEASE
        if decided is not None:
            data.applied_on = decided - dt.timedelta(days=rng.randrange(12, 45))
        shops.append([data, kind, decided])
    # The third batch: two under review, one applied three days ago.
    for k, (data, _kind, _day) in enumerate(shops[-3:]):
        data.applied_on = today - dt.timedelta(days=(3 if k == 2 else rng.randrange(20, 40)))

    refused = first_n + second_n  # the last of the second batch
    members: list[tuple[int, int, dt.date]] = []  # (id, business type index, joined on)
    for n, (data, kind, decided) in enumerate(shops):
        mid = alliance.add_merchant(db, data, actor=applier, today=today)
        if n >= len(shops) - 1:
            continue
        started = (decided - dt.timedelta(days=rng.randrange(5, 10)) if decided
                   else today - dt.timedelta(days=rng.randrange(3, 10)))
        alliance.move(db, mid, "start_review", actor=applier, on=started, today=today)
        if decided is None:
            continue
        if n == refused:
            items = [ReviewItemInput(c, i % 2 == 1, "" if i % 2 else "不达标") for i, c in enumerate(criteria)]
            alliance.record_review(db, mid, ReviewInput(items, alliance.REJECT, REJECT_NOTE, decided),
                                   actor=reviewer, today=today)
            continue
        short = rng.random() < 0.1  # admitted with one criterion not quite met, explained
        items = [ReviewItemInput(c, not (short and i == len(criteria) - 1)) for i, c in enumerate(criteria)]
        alliance.record_review(db, mid, ReviewInput(items, alliance.ADMIT, ADMIT_NOTE if short else "", decided),
                               actor=reviewer, today=today)
        members.append((mid, kind, decided))

    # One member of the first batch left four months ago, one is suspended since seven weeks ago.
    left_id, suspended_id = members[1][0], members[2][0]
    left_on, suspended_on = today - dt.timedelta(days=120), today - dt.timedelta(days=50)
    for mid, kind, joined in members:
        offers = rng.sample(SERVICES[kind], rng.randint(1, min(3, len(SERVICES[kind]))))
        alliance.set_commitments(db, mid, [
            CommitmentInput(kinds[k], detail, often, joined, left_on if mid == left_id else None)
            for k, detail, often in offers], actor=applier, today=today)
    alliance.move(db, left_id, "leave", LEAVE_REASON, actor=reviewer, on=left_on, today=today)

    # -- complaints: the rate per member falls about 15 % from one half-year to the next -----------
    windows = {mid: (joined, left_on if mid == left_id else today) for mid, _k, joined in members}
    halves = _halves(today)
    counts = _complaint_counts(tuple(alliance.complaint_rate(db, y, h).active_members for y, h in halves))
    spans = [(dt.date(y, 1, 1), dt.date(y, 6, 30)) if h == 1 else (dt.date(y, 7, 1), dt.date(y, 12, 31))
             for y, h in halves]
    current = (spans[1][1] + dt.timedelta(days=1), today)
    elapsed = ((today - current[0]).days + 1) / 182
    counts += (round(counts[1] * 0.9 * elapsed),)  # the current half-year so far, lower still
    spans.append(current)
    added = 0
    for (start, end), count in zip(spans, counts):
        for _i in range(count):
            for _try in range(200):
                day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
                open_ = [mid for mid, (a, b) in windows.items() if a <= day <= b]
                if open_:
                    break
            else:
                continue
            # The shop later suspended drew more than its share before its suspension.
            mid = suspended_id if suspended_id in open_ and day < suspended_on and rng.random() < 0.3 \
                else rng.choice(open_)
            what, resolution = rng.choice(COMPLAINTS)
            if mid == suspended_id:
                what, resolution = COMPLAINTS[5]
            data = ComplaintInput(merchant_id=mid, received_on=day, what=what)
            if people and rng.random() < 0.7:
                data.complainant_id = rng.choice(people)["id"]
            else:
                data.complainant_name, data.complainant_phone = names.person(rng.choice("MF")), mobile(rng)
            if (today - day).days > 20 and rng.random() < 0.92:
                data.resolution = resolution
                data.resolved_on = min(today, day + dt.timedelta(days=rng.randrange(1, 12)))
            alliance.add_complaint(db, data, actor=complaints_by, today=today)
            added += 1
    alliance.move(db, suspended_id, "suspend", SUSPEND_REASON, actor=reviewer, on=suspended_on, today=today)

    # -- quarterly evaluations by two or three evaluators -----------------------------------------
    quality = {mid: rng.uniform(6.0, 9.3) for mid, _k, _j in members}
    quality[suspended_id] = 4.5
    for year, q in _quarters(today):
        start, end = alliance.quarter_range(year, q)
        quarter = alliance.quarter_text(year, q)
        for mid, _kind, joined in members:
            if joined > end or (mid == left_id and left_on < start):
                continue
            for who in rng.sample(EVALUATORS, rng.choice((2, 3, 3))):
                scores = {c: max(0, min(alliance.SCORE_MAX, round(rng.gauss(quality[mid], 0.8)))) for c in criteria}
                alliance.record_evaluation(db, mid, quarter, who, scores, actor=evaluator, today=today)
    return _part(len(members))
