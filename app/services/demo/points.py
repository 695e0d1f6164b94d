"""Volunteer points' part of the demo: a year of 共治积分. About 8 % of the adults volunteer, a quarter of
them regulars who turn out most weeks (Saturday clean-ups, evening patrols, elder visits), the rest now
and then; a few help at mediation and the monthly civilised-customs campaign. Points buy vouchers from a
small catalogue — a haircut at an alliance barber, rice and oil at the centre, a supermarket voucher
at an alliance shop (the centre's own when the alliance has none) — most redeemed within days, a few
left to expire and refunded by the centre's rule, one or two mistaken entries reversed.

The earning entries are many (about 25,000 at town scale), so they go in as plain inserts with the
audit row the service writes for each, and the accounts are set to their sums; everything else
(the catalogue, vouchers, redemptions, refunds, reversals) goes through services/points.py in day
order, after a running balance in Python makes sure every voucher is covered on the day it is issued."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from app.errors import ValidationError
from app.i18n import _, format_number
from app.models import AuditLog, LedgerEntry, Merchant, PointsAccount, ServiceType
from app.services import access, alliance, audit, points
from app.services.demo.common import DemoContext, DemoPart
from app.services.points import EARN, HOUR, VoucherTypeInput

VOLUNTEER_SHARE, REGULAR_SHARE = 0.08, 0.25
# Which service (index in points.DEFAULT_SERVICE_TYPES), on which weekday (Monday 0), a regular's
# weekly chance of it, and the minutes served (by the hour) — or 1 occasion.
WEEKLY = ((0, 5, 0.55, (60, 90, 120, 120, 150, 180)),     # 环境整治: Saturday clean-up
          (3, 1, 0.20, (120, 120, 150, 180)),             # 平安巡逻: Tuesday evening patrol
          (3, 3, 0.20, (120, 120, 150, 180)),             # and Thursday's
          (1, 2, 0.25, (60, 60, 90, 120)),                # 关爱老人: Wednesday elder visits
          (5, 6, 0.10, (120, 180, 240)))                  # 活动志愿服务: Sunday activities
OCCASIONAL_WEEKLY = 0.07  # an occasional volunteer's weekly chance of turning out
MEDIATION, CAMPAIGN = 2, 4
EARN_NOTES = {0: ("清理楼道杂物", "清扫公共绿地", "清理小广告", ""), 1: ("陪独居老人聊天", "帮老人代购药品", ""),
              3: ("夜间治安巡逻", ""), 5: ("社区活动现场服务", "协助维持秩序", ""), 2: ("调解邻里纠纷",),
              4: ("文明劝导：不乱停车、不乱扔垃圾",)}
# The catalogue: name, kind, honoured by (business type index of an alliance member, or None: the
# centre), points, stock (village, town; None: unlimited), days a voucher is good for, description.
CATALOGUE = (("理发服务券", points.SERVICE, 1, 100, None, 60, "凭券到店免费理发一次"),
             ("粮油兑换券", points.GOODS, None, 200, (60, 600), 30, "到邻里中心前台领取大米5斤、食用油1桶"),
             ("超市消费券", points.CONSUMPTION, 2, 50, None, 30, "凭券在店内抵扣5元，不找零"),
             ("家电维修服务券", points.SERVICE, 3, 150, None, 90, "上门维修小家电一次，材料费另计"),
             ("文具礼包", points.GOODS, None, 80, (40, 400), 30, "学生文具一套，到前台领取"))
REVERSALS = ("同一次服务重复登记", "登记错了人")


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} volunteers").format(count=format_number(count)))


def _who(ctx: DemoContext, permission: str) -> access.Actor:
    return ctx.actor if access.may(ctx.actor, permission) else ctx.system


def _merchants(ctx: DemoContext) -> dict[int, int]:
    """An alliance member for each business type index (the lowest id), from the alliance's demo."""
    types = [c.id for c in alliance.list_choices(ctx.db, alliance.BUSINESS_TYPES)]
    with ctx.db.session() as s:
        found = s.execute(select(Merchant.business_type_id, func.min(Merchant.id))
                          .where(Merchant.status == alliance.MEMBER).group_by(Merchant.business_type_id)).all()
    by_type = dict(found)
    return {n: by_type[t] for n, t in enumerate(types) if t in by_type}


def fill(ctx: DemoContext) -> DemoPart:
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(func.distinct(LedgerEntry.resident_id)))
                                  .where(LedgerEntry.kind == EARN)) or 0)
    rng = random.Random(f"points-{ctx.seed}")
    today = ctx.today
    points.seed(db, actor=ctx.system)
    with db.session() as s:
        service_types = list(s.execute(select(ServiceType.id, ServiceType.unit).order_by(ServiceType.sort_order,
                                                                                          ServiceType.id)))
    if len(service_types) < len(points.DEFAULT_SERVICE_TYPES):
        return _part(0)  # the centre changed the list before asking for the demo
    gone = ctx.shared.get("moved_away", set())
    adults = [p for p in ctx.shared.get("people", []) if p["id"] not in gone and p["birth_date"]
              and 18 <= (today - p["birth_date"]).days // 365 <= 75]
    volunteers = rng.sample(adults, round(len(adults) * VOLUNTEER_SHARE))
    if not volunteers:
        return _part(0)
    regulars = volunteers[:max(1, round(len(volunteers) * REGULAR_SHARE))]
    older = [p for p in regulars if (today - p["birth_date"]).days // 365 >= 50] or regulars
    mediators, names = older[:max(1, len(older) // 8)], {p["id"]: p["name"] for p in volunteers}

    # -- a year of service -----------------------------------------------------------------------
    recorder = _who(ctx, access.POINTS_EARN)
    rates = {tid: points.rate_on(db, tid, today) or 0 for tid, _unit in service_types}
    start, last = today - dt.timedelta(days=364), today - dt.timedelta(days=1)
    earned: list[tuple[dt.date, int, int, int, str]] = []  # (day, resident, type index, quantity, note)
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= last:
        for index, weekday, chance, minutes in WEEKLY:
            day = monday + dt.timedelta(days=weekday)
            if not start <= day <= last:
                continue
            turnout = [p for p in regulars if rng.random() < chance]
            turnout += [p for p in volunteers[len(regulars):] if rng.random() < OCCASIONAL_WEEKLY * chance]
            served = rng.choice(minutes)
            for p in turnout:
                earned.append((day, p["id"], index, served, rng.choice(EARN_NOTES[index])))
        for _i in range(rng.choice((0, 0, 1, 1, 2))):  # 邻里调解, now and then
            day = monday + dt.timedelta(days=rng.randrange(5))
            if start <= day <= last:
                earned.append((day, rng.choice(mediators)["id"], MEDIATION, 1, EARN_NOTES[MEDIATION][0]))
        monday += dt.timedelta(days=7)
    month = start.replace(day=1)
    while month <= last:  # 文明劝导: the first Saturday of each month, most regulars and some others
        day = month + dt.timedelta(days=(5 - month.weekday()) % 7)
        if start <= day <= last:
            for p in volunteers:
                if rng.random() < (0.5 if p in regulars else 0.08):
                    earned.append((day, p["id"], CAMPAIGN, 1, EARN_NOTES[CAMPAIGN][0]))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    earned.sort()

    rows, sums = [], {}
    for n, (day, rid, index, quantity, note) in enumerate(earned):
        tid, unit = service_types[index]
        minutes, occasions = (quantity, 0) if unit == HOUR else (0, quantity)
        pts = points._points_of(unit, rates[tid], minutes, occasions)
        at = dt.datetime.combine(day, dt.time(17 if unit == HOUR else 12, 0)) + dt.timedelta(minutes=n % 50)
        rows.append(dict(resident_id=rid, kind=EARN, points=pts, day=day, service_type_id=tid,
                         quantity=quantity, voucher_id=None, reverses_id=None, note=note,
                         recorded_by=recorder.name[:50], created_at=at))
        sums[rid] = sums.get(rid, 0) + pts
    ledger = LedgerEntry.__table__
    returning = insert(ledger).returning(ledger.c.id, sort_by_parameter_order=True)
    with db.session() as s:  # plain table inserts, the accounts their sums; the database gives the ids
        for begin in range(0, len(rows), 5000):
            chunk = rows[begin:begin + 5000]
            trail = []
            for r, entry_id in zip(chunk, s.scalars(returning, chunk).all(), strict=True):
                r["id"] = entry_id  # for the reversals below
                trail.append(audit.entry(
                    recorder, "create", "points_entry", entry_id,
                    "{} {:+d}".format(names[r["resident_id"]], r["points"]),
                    audit.diff({}, {k: r[k] for k in ("resident_id", "kind", "points", "day", "service_type_id",
                                                      "quantity", "note")}), r["created_at"]))
            s.execute(insert(AuditLog.__table__), trail)
        now = dt.datetime.combine(last, dt.time(18, 0))
        s.execute(insert(PointsAccount.__table__), [dict(resident_id=rid, balance=total, updated_at=now)
                                                    for rid, total in sums.items()])

    # -- the catalogue, and vouchers as points allow ---------------------------------------------
    merchants = _merchants(ctx)
    catalogue = []
    for name, kind, business, cost, stock, days, description in CATALOGUE:
        merchant = merchants.get(business) if business is not None else None
        if business is not None and merchant is None:
            if business != 2:
                continue  # no barber or repairer in the alliance: no such voucher
            name, description = "生活用品兑换券", "到邻里中心前台领取生活用品一份"  # the centre's instead
        stock_n = None if stock is None else stock[0 if ctx.scale == "village" else 1]
        tid = points.add_voucher_type(db, VoucherTypeInput(
            name=name, kind=kind, merchant_id=merchant, points=cost, stock=stock_n, valid_from=start,
            valid_to=today + dt.timedelta(days=180), days_valid=days, description=description), actor=ctx.system)
        catalogue.append((tid, cost, merchant, days))
    desk = _who(ctx, access.POINTS_VOUCHERS)
    balance = {rid: 0 for rid in sums}
    by_entry_day: dict[dt.date, list[tuple[int, int]]] = {}
    for r in rows:
        by_entry_day.setdefault(r["day"], []).append((r["resident_id"], r["points"]))
    redemptions: list[tuple[dt.datetime, str, int | None]] = []
    day = start
    while day <= last:
        for rid, pts in by_entry_day.get(day, ()):
            balance[rid] += pts
        if day.weekday() < 5:  # the desk issues vouchers on working days
            for rid in rng.sample(list(balance), min(len(balance), max(1, len(balance) // 120))):
                affordable = [c for c in catalogue if c[1] <= balance[rid]]
                if not affordable or rng.random() < 0.5:
                    continue
                tid, cost, merchant, days = rng.choice(affordable)
                at = dt.datetime.combine(day, dt.time(rng.randrange(9, 17), rng.randrange(60)))
                try:
                    v = points.issue_voucher(db, rid, tid, actor=desk, at=at)
                except ValidationError:
                    continue  # out of stock
                balance[rid] -= cost
                if rng.random() < 0.9:  # most are used within days; the rest left to expire
                    used = at + dt.timedelta(days=rng.randrange(1, min(days, 20)), hours=rng.randrange(-3, 4))
                    if used.date() <= last:
                        redemptions.append((used, v.code, merchant))
        day += dt.timedelta(days=1)
    redeemer = _who(ctx, access.POINTS_VOUCHERS)
    for at, code, merchant in sorted(redemptions):
        points.redeem(db, code, actor=redeemer, merchant_id=merchant, at=at)

    # -- the centre refunds expired vouchers; two mistakes put right ---------------------------------
    points.set_refund_expired_rule(db, True, actor=ctx.system)
    points.refund_expired(db, actor=_who(ctx, access.POINTS_VOUCHERS), today=today)
    reverser = _who(ctx, access.POINTS_REVERSE)
    recent = rows[-400:]  # recent earnings, still covered by the balance (reverse() refuses otherwise)
    for r, reason in zip(rng.sample(recent, min(len(REVERSALS), len(recent))), REVERSALS):
        if points.balance(db, r["resident_id"]) >= r["points"]:
            points.reverse(db, r["id"], reason, actor=reverser, today=today)
    return _part(len(sums))

