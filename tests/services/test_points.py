"""Volunteer points: service types and rates by date, earning (rounding, refusals), the ledger and its
invariants (a property test), vouchers (issue, redeem by scan, refusals, two desks racing), reversals,
the refund rule, figures, permissions."""
import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.db import open_database
from app.errors import NotFoundError, ValidationError
from app.models import AuditLog, LedgerEntry, PointsAccount, ServiceRate, ServiceType, Voucher, VoucherType
from app.services import access, alliance, audit, points, residents
from app.services.access import ADMINISTRATOR, DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.points import EARN, REFUND, REVERSE, SPEND, EarnInput, VoucherTypeInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

D = dt.date
TODAY = D(2026, 11, 2)
DESK_ACTOR = Actor("前台小林", DESK)
GRID_ACTOR = Actor("网格员老黄", GRID_WORKER)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def person(db, name="张三", phone="13800000001") -> int:
    return residents.add_resident(db, ResidentInput(name=name, phone=phone), actor=ADMIN)


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(model.id)))


def snapshot(db) -> tuple:
    """Everything a refused write must leave as it was."""
    with db.session() as s:
        return (tuple(s.execute(select(LedgerEntry.id, LedgerEntry.points).order_by(LedgerEntry.id))),
                tuple(s.execute(select(PointsAccount.resident_id, PointsAccount.balance).order_by(PointsAccount.id))),
                tuple(s.execute(select(Voucher.id, Voucher.redeemed_at, Voucher.refunded_at).order_by(Voucher.id))),
                tuple(s.execute(select(VoucherType.id, VoucherType.stock, VoucherType.name).order_by(VoucherType.id))),
                tuple(s.execute(select(ServiceRate.id, ServiceRate.points).order_by(ServiceRate.id))),
                s.scalar(select(func.count(AuditLog.id))))


def check_ledger(db) -> None:
    """The ledger's invariants: every balance ≥ 0 and the sum of its entries; a reversal points at an
    entry at most once and is its opposite; a voucher is not both redeemed and refunded."""
    with db.session() as s:
        accounts = dict(s.execute(select(PointsAccount.resident_id, PointsAccount.balance)).all())
        sums = dict(s.execute(select(LedgerEntry.resident_id, func.sum(LedgerEntry.points))
                              .group_by(LedgerEntry.resident_id)).all())
        assert accounts == {r: accounts.get(r, 0) for r in sums} | accounts
        assert all(b >= 0 for b in accounts.values())
        assert {r: sums.get(r, 0) for r in accounts} == accounts
        entries = {e.id: e for e in s.scalars(select(LedgerEntry))}
        targets = [e.reverses_id for e in entries.values() if e.reverses_id is not None]
        assert len(targets) == len(set(targets))
        for e in entries.values():
            if e.kind == REVERSE:
                assert entries[e.reverses_id].kind != REVERSE and e.points == -entries[e.reverses_id].points
        for v in s.scalars(select(Voucher)):
            assert v.redeemed_at is None or v.refunded_at is None
            assert [e.points for e in entries.values() if e.voucher_id == v.id and e.kind == SPEND] == [-v.points]


@pytest.fixture
def types(db):
    points.seed(db, actor=ADMIN)
    return [t.id for t in points.list_service_types(db)]


HOURLY, MEDIATION = 0, 2      # indexes in the seed: 环境整治 10/hour, 邻里调解 20/occasion


def voucher_type(db, name="大米一袋", points_=30, stock=None, merchant_id=None, valid_from=D(2026, 1, 1),
                 valid_to=D(2026, 12, 31), days_valid=None, kind=points.GOODS) -> int:
    return points.add_voucher_type(db, VoucherTypeInput(name, kind, merchant_id, points_, stock, valid_from, valid_to,
                                                        days_valid), actor=ADMIN)


def earned(db, rid, type_id, day=D(2026, 10, 1), minutes=0, occasions=0):
    return points.earn(db, EarnInput(rid, type_id, day, minutes, occasions), actor=DESK_ACTOR, today=TODAY)


# -- lists, rates, seed -------------------------------------------------------------------------

def test_seed_ships_six_kinds_once_with_their_rates(db):
    assert points.seed(db, actor=ADMIN) == 6
    assert points.seed(db, actor=ADMIN) == 0
    rows = points.list_service_types(db)
    assert [(r.unit, r.points) for r in rows] == [(unit, p) for _name, unit, p in points.DEFAULT_SERVICE_TYPES]
    assert rows[0].name == "环境整治" or rows[0].name == "Environmental clean-up"
    assert all(r.valid_from == points.RATES_FROM for r in points.list_rates(db))


def test_service_types_are_added_renamed_retired_and_audited(db, types):
    tid = points.add_service_type(db, "垃圾分类督导", points.HOUR, 8, actor=ADMIN, valid_from=D(2026, 3, 1))
    assert points.rate_on(db, tid, D(2026, 2, 28)) is None and points.rate_on(db, tid, D(2026, 3, 1)) == 8
    with pytest.raises(ValidationError) as e:
        points.add_service_type(db, "垃圾分类督导", points.HOUR, 8, actor=ADMIN)
    assert "name" in e.value.fields
    for bad in (0, -3, points.POINTS_MAX + 1, 2.5):
        with pytest.raises(ValidationError):
            points.add_service_type(db, "新的", points.HOUR, bad, actor=ADMIN)
    with pytest.raises(ValidationError):
        points.add_service_type(db, "新的", "day", 5, actor=ADMIN)
    points.rename_service_type(db, tid, "垃圾分类", actor=ADMIN)
    points.set_service_type_active(db, tid, False, actor=ADMIN)
    assert tid not in [t.id for t in points.list_service_types(db)]
    assert [t.name for t in points.list_service_types(db, include_inactive=True) if t.id == tid] == ["垃圾分类"]
    trail = audit.query(db, actor=ADMIN, entity="points_service_type", entity_id=tid)
    assert [e.action for e in trail] == ["deactivate", "update", "create"]
    assert all(e.changes_text for e in trail)


def test_a_rate_change_applies_from_its_day(db, types):
    rid = person(db)
    hourly = types[HOURLY]
    rate_id = points.set_rate(db, hourly, 15, D(2026, 6, 1), actor=ADMIN)
    assert points.set_rate(db, hourly, 16, D(2026, 6, 1), actor=ADMIN) == rate_id  # the same day: replaced
    assert points.rate_on(db, hourly, D(2026, 5, 31)) == 10
    assert points.rate_on(db, hourly, D(2026, 6, 1)) == 16
    assert points.list_service_types(db, on=D(2026, 5, 31))[HOURLY].points == 10
    assert points.list_service_types(db, on=D(2026, 6, 1))[HOURLY].points == 16
    earned(db, rid, hourly, D(2026, 5, 31), minutes=60)
    earned(db, rid, hourly, D(2026, 6, 1), minutes=60)
    assert [e.points for e in points.statement(db, rid).entries] == [10, 16]
    assert points.balance(db, rid) == 26
    assert [r.points for r in points.list_rates(db, hourly)] == [10, 16]
    with pytest.raises(ValidationError):
        points.set_rate(db, hourly, 0, D(2026, 7, 1), actor=ADMIN)
    assert points.rate_on(db, hourly, D(2019, 12, 31)) is None


@pytest.mark.parametrize("rate, minutes, expected", [
    (10, 60, 10), (10, 3, 1), (10, 2, 0), (10, 9, 2), (10, 93, 16), (10, 95, 16), (10, 87, 15),
    (5, 6, 1), (5, 18, 2), (5, 1440, 120), (7, 30, 4), (7, 90, 11),
])
def test_minutes_are_rounded_half_up(db, types, rate, minutes, expected):
    points.set_rate(db, types[HOURLY], rate, D(2026, 1, 1), actor=ADMIN)
    assert points.points_for(db, types[HOURLY], D(2026, 2, 1), minutes=minutes) == expected


def test_per_occasion_and_no_rate(db, types):
    assert points.points_for(db, types[MEDIATION], D(2026, 2, 1), occasions=3) == 60
    assert points.points_for(db, types[MEDIATION], D(2019, 2, 1), occasions=3) == 0
    with pytest.raises(NotFoundError):
        points.points_for(db, 999, D(2026, 2, 1), occasions=1)


def test_the_refund_rule_is_off_until_set_and_audited(db):
    assert points.refund_expired_rule(db) is False
    points.set_refund_expired_rule(db, True, actor=ADMIN)
    assert points.refund_expired_rule(db) is True
    points.set_refund_expired_rule(db, True, actor=ADMIN)  # unchanged: no second row
    points.set_refund_expired_rule(db, False, actor=ADMIN)
    assert points.refund_expired_rule(db) is False
    assert len(audit.query(db, actor=ADMIN, entity="setting")) == 2


# -- earning ------------------------------------------------------------------------------------

def test_earning_creates_the_account_and_a_statement(db, types):
    rid = person(db)
    assert points.balance(db, rid) == 0
    eid = points.earn(db, EarnInput(rid, types[HOURLY], D(2026, 10, 1), minutes=150, note="清扫楼道"),
                      actor=GRID_ACTOR, today=TODAY)
    earned(db, rid, types[MEDIATION], D(2026, 10, 5), occasions=2)
    st_ = points.statement(db, rid)
    assert [(e.id == eid, e.kind, e.points, e.balance) for e in st_.entries] == [
        (True, EARN, 25, 25), (False, EARN, 40, 65)]
    assert st_.opening == 0 and st_.closing == 65 == points.balance(db, rid)
    assert st_.entries[0].recorded_by == "网格员老黄" and st_.entries[0].note == "清扫楼道"
    assert st_.entries[0].quantity_text and st_.entries[0].reversible
    part = points.statement(db, rid, D(2026, 10, 2), D(2026, 10, 31))
    assert (part.opening, [e.points for e in part.entries], part.closing) == (25, [40], 65)
    trail = audit.query(db, actor=ADMIN, entity="points_entry", entity_id=eid)
    assert len(trail) == 1 and trail[0].changes["points"] == [None, 25]


def test_quantity_text(english):
    assert points.quantity_text(points.HOUR, 150) == "2 h 30 min"
    assert points.quantity_text(points.HOUR, 45) == "45 min"
    assert points.quantity_text(points.HOUR, 120) == "2 h"
    assert points.quantity_text(points.OCCASION, 3) == "3 times"
    assert points.quantity_text(None, None) == ""


def test_every_bad_earning_is_refused_and_the_ledger_unchanged(db, types):
    rid = person(db)
    gone = person(db, "李四", "13800000002")
    residents.deactivate_resident(db, gone, "搬走", actor=ADMIN)
    retired = points.add_service_type(db, "旧服务", points.OCCASION, 5, actor=ADMIN)
    points.set_service_type_active(db, retired, False, actor=ADMIN)
    earned(db, rid, types[HOURLY], minutes=60)
    before = snapshot(db)
    cases = [
        (EarnInput(rid, types[HOURLY], TODAY + dt.timedelta(days=1), minutes=60), "day"),
        (EarnInput(rid, types[HOURLY], TODAY, minutes=0), "minutes"),
        (EarnInput(rid, types[HOURLY], TODAY, minutes=-30), "minutes"),
        (EarnInput(rid, types[HOURLY], TODAY, minutes=24 * 60 + 1), "minutes"),
        (EarnInput(rid, types[HOURLY], TODAY, minutes=2), "minutes"),         # rounds to 0 points
        (EarnInput(rid, types[MEDIATION], TODAY, occasions=0), "occasions"),
        (EarnInput(rid, types[MEDIATION], TODAY, occasions=101), "occasions"),
        (EarnInput(rid, types[MEDIATION], TODAY, minutes=60), "occasions"),   # per occasion: not minutes
        (EarnInput(rid, retired, TODAY, occasions=1), "service_type_id"),
        (EarnInput(rid, None, TODAY, occasions=1), "service_type_id"),
        (EarnInput(rid, types[HOURLY], D(2019, 6, 1), minutes=60), "day"),    # no rate yet
        (EarnInput(gone, types[HOURLY], TODAY, minutes=60), "resident_id"),
        (EarnInput(None, types[HOURLY], TODAY, minutes=60), "resident_id"),
        (EarnInput(9999, types[HOURLY], TODAY, minutes=60), "resident_id"),
        (EarnInput(rid, types[HOURLY], TODAY, minutes=60, note="长" * 201), "note"),
    ]
    for data, key in cases:
        with pytest.raises(ValidationError) as e:
            points.earn(db, data, actor=DESK_ACTOR, today=TODAY)
        assert key in e.value.fields, (data, e.value.fields)
    assert snapshot(db) == before


def test_earning_for_a_list_is_all_or_nothing(db, types):
    a, b, c = person(db, "甲"), person(db, "乙", "13800000002"), person(db, "丙", "13800000003")
    before = snapshot(db)
    with pytest.raises(ValidationError) as e:
        points.earn_many(db, [a, b, a], types[HOURLY], D(2026, 10, 1), actor=DESK_ACTOR, minutes=60, today=TODAY)
    assert "甲" in e.value.fields["resident_ids"]
    residents.deactivate_resident(db, c, "搬走", actor=ADMIN)
    before = snapshot(db)
    for ids in ([a, b, c], [], [a, 9999]):
        with pytest.raises(ValidationError):
            points.earn_many(db, ids, types[HOURLY], D(2026, 10, 1), actor=DESK_ACTOR, minutes=60, today=TODAY)
    with pytest.raises(ValidationError):
        points.earn_many(db, [a, b], types[HOURLY], D(2026, 10, 1), actor=DESK_ACTOR, minutes=0, today=TODAY)
    assert snapshot(db) == before
    assert points.earn_many(db, [a, b], types[MEDIATION], D(2026, 10, 1), actor=DESK_ACTOR, occasions=1,
                            note="调解纠纷", today=TODAY) == 2
    assert (points.balance(db, a), points.balance(db, b)) == (20, 20)
    check_ledger(db)


def test_balances_search_and_masked_phones(db, types):
    a, b = person(db, "张三", "13812345678"), person(db, "李四", "13900000002")
    person(db, "王五", "13700000003")  # no account: not listed
    earned(db, a, types[HOURLY], minutes=60)
    earned(db, b, types[MEDIATION], occasions=1)
    eid = earned(db, b, types[MEDIATION], occasions=1)
    points.reverse(db, eid, "重复录入", actor=ADMIN, today=TODAY)
    rows = points.list_balances(db, actor=DESK_ACTOR)
    assert [(r.name, r.balance, r.earned) for r in rows] == [("李四", 20, 20), ("张三", 10, 10)]
    assert "****" in rows[1].phone
    assert points.list_balances(db, actor=ADMIN)[1].phone == "13812345678"
    assert [r.name for r in points.list_balances(db, "zhangsan", actor=DESK_ACTOR)] == ["张三"]
    assert [r.name for r in points.list_balances(db, "5678", actor=DESK_ACTOR)] == ["张三"]
    assert points.list_balances(db, "王五", actor=DESK_ACTOR) == []
    assert rows[0].last_day == TODAY


# -- vouchers -----------------------------------------------------------------------------------

def test_a_voucher_is_issued_coded_and_redeemed_once(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=3)  # 60
    vt = voucher_type(db, stock=5, days_valid=30)
    v = points.issue_voucher(db, rid, vt, actor=DESK_ACTOR, at=at(D(2026, 11, 1)))
    assert v.status == points.ISSUED and v.points == 30 and v.payload == "NDV:" + v.code
    assert len(v.code) == points.CODE_LENGTH and v.expires_on == D(2026, 11, 30)
    assert points.balance(db, rid) == 30
    assert points.list_voucher_types(db)[0].stock == 4 and points.list_voucher_types(db)[0].issued == 1
    spend = points.statement(db, rid).entries[-1]
    assert (spend.kind, spend.points, spend.voucher_code) == (SPEND, -30, v.code)
    for text in (v.payload, v.code, v.code.lower(), "ndv：" + v.code.lower(), " NDV: " + v.code + " ",
                 "ＮＤＶ：" + v.code):
        found = points.find_voucher(db, text, on=D(2026, 11, 2))
        assert found is not None and found.id == v.id, text
    assert points.find_voucher(db, "NDV:0000000000") is None and points.find_voucher(db, "hello") is None
    done = points.redeem(db, "ndv:" + v.code, actor=DESK_ACTOR, at=at(D(2026, 11, 2)))
    assert done.status == points.REDEEMED and done.redeemed_by == "前台小林"
    before = snapshot(db)
    with pytest.raises(ValidationError) as e:
        points.redeem(db, v.payload, actor=DESK_ACTOR, at=at(D(2026, 11, 3)))
    assert "2026" in e.value.fields["code"]
    assert snapshot(db) == before
    check_ledger(db)


def test_expiry_is_the_end_date_or_the_days_after_issue(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=10)
    short = voucher_type(db, "理发券", 10, days_valid=30, valid_to=D(2026, 11, 15), kind=points.SERVICE)
    plain = voucher_type(db, "超市券", 10, kind=points.CONSUMPTION)
    assert points.issue_voucher(db, rid, short, actor=ADMIN, at=at(D(2026, 11, 1))).expires_on == D(2026, 11, 15)
    assert points.issue_voucher(db, rid, plain, actor=ADMIN, at=at(D(2026, 11, 1))).expires_on == D(2026, 12, 31)


def test_bad_issues_are_refused_and_the_ledger_unchanged(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=1)  # 20
    dear = voucher_type(db, "电饭煲", 50)
    none_left = voucher_type(db, "毛巾", 5, stock=0)
    retired = voucher_type(db, "旧券", 5)
    points.set_voucher_type_active(db, retired, False, actor=ADMIN)
    later = voucher_type(db, "明年券", 5, valid_from=D(2027, 1, 1), valid_to=D(2027, 12, 31))
    gone = person(db, "李四", "13800000002")
    earned(db, gone, types[MEDIATION], occasions=1)
    residents.deactivate_resident(db, gone, "搬走", actor=ADMIN)
    cheap = voucher_type(db, "肥皂", 5)
    before = snapshot(db)
    when = at(D(2026, 11, 1))
    with pytest.raises(ValidationError) as e:
        points.issue_voucher(db, rid, dear, actor=DESK_ACTOR, at=when)
    assert "张三" in e.value.fields["voucher_type_id"] and "20" in e.value.fields["voucher_type_id"]
    assert "50" in e.value.fields["voucher_type_id"]
    for resident, vt in ((rid, none_left), (rid, retired), (rid, later), (gone, cheap)):
        with pytest.raises(ValidationError):
            points.issue_voucher(db, resident, vt, actor=DESK_ACTOR, at=when)
    with pytest.raises(NotFoundError):
        points.issue_voucher(db, rid, 999, actor=DESK_ACTOR, at=when)
    with pytest.raises(NotFoundError):
        points.issue_voucher(db, 999, cheap, actor=DESK_ACTOR, at=when)
    assert snapshot(db) == before


def test_the_catalogue_refuses_bad_entries(db, types):
    lists = alliance.seed(db, actor=ADMIN)
    assert lists
    applied = alliance.add_merchant(db, alliance.MerchantInput(
        name="状元里便利店", credit_code="91350100M000100Y43", contact_name="陈老板", contact_phone="13800000001",
        applied_on=D(2026, 3, 1)), actor=ADMIN, today=TODAY)
    vt = voucher_type(db)
    before = snapshot(db)
    good = dict(name="洗衣液", kind=points.GOODS, points=10, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    for changes, key in [({"name": ""}, "name"), ({"name": "大米一袋"}, "name"), ({"kind": "cash"}, "kind"),
                         ({"points": 0}, "points"), ({"points": -5}, "points"),
                         ({"points": points.POINTS_MAX + 1}, "points"), ({"stock": -1}, "stock"),
                         ({"valid_to": D(2025, 12, 31)}, "valid_to"), ({"valid_from": None}, "valid_from"),
                         ({"days_valid": 0}, "days_valid"), ({"merchant_id": applied}, "merchant_id"),
                         ({"merchant_id": 999}, "merchant_id")]:
        with pytest.raises(ValidationError) as e:
            points.add_voucher_type(db, VoucherTypeInput(**{**good, **changes}), actor=ADMIN)
        assert key in e.value.fields, changes
    with pytest.raises(ValidationError):
        points.update_voucher_type(db, vt, VoucherTypeInput(**{**good, "points": 0}), actor=ADMIN)
    assert snapshot(db) == before
    points.update_voucher_type(db, vt, VoucherTypeInput(**{**good, "name": "大米一袋", "stock": 3}), actor=ADMIN)
    row = points.list_voucher_types(db)[0]
    assert (row.name, row.points, row.stock) == ("大米一袋", 10, 3)
    assert [e.action for e in audit.query(db, actor=ADMIN, entity="points_voucher_type")] == ["update", "create"]


def member_shop(db) -> int:
    alliance.seed(db, actor=ADMIN)
    mid = alliance.add_merchant(db, alliance.MerchantInput(
        name="状元里便利店", credit_code="91350100M000100Y43", contact_name="陈老板", contact_phone="13800000001",
        applied_on=D(2026, 3, 1)), actor=ADMIN, today=TODAY)
    alliance.move(db, mid, "start_review", actor=ADMIN, on=D(2026, 3, 5), today=TODAY)
    criteria = [c.id for c in alliance.list_choices(db, alliance.CRITERIA)]
    alliance.record_review(db, mid, alliance.ReviewInput([alliance.ReviewItemInput(c, True) for c in criteria],
                                                         alliance.ADMIT, reviewed_on=D(2026, 3, 10)),
                           actor=ADMIN, today=TODAY)
    return mid


def test_bad_redemptions_are_refused_and_the_ledger_unchanged(db, types):
    shop = member_shop(db)
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=10)  # 200
    at_shop = voucher_type(db, "便利店代金券", 10, merchant_id=shop, kind=points.CONSUMPTION)
    at_centre = voucher_type(db, "大米一袋", 10, days_valid=10)
    shop_v = points.issue_voucher(db, rid, at_shop, actor=ADMIN, at=at(D(2026, 10, 1)))
    centre_v = points.issue_voucher(db, rid, at_centre, actor=ADMIN, at=at(D(2026, 10, 1)))
    before = snapshot(db)
    with pytest.raises(NotFoundError):
        points.redeem(db, "NDV:0000000000", actor=DESK_ACTOR, at=at(D(2026, 10, 2)))
    with pytest.raises(NotFoundError):
        points.redeem(db, "rubbish", actor=DESK_ACTOR, at=at(D(2026, 10, 2)))
    with pytest.raises(ValidationError) as e:
        points.redeem(db, shop_v.payload, actor=DESK_ACTOR, at=at(D(2026, 10, 2)))  # at the centre
    assert "状元里便利店" in e.value.fields["code"]
    with pytest.raises(ValidationError):
        points.redeem(db, centre_v.payload, actor=DESK_ACTOR, merchant_id=shop, at=at(D(2026, 10, 2)))
    with pytest.raises(ValidationError) as e:
        points.redeem(db, centre_v.payload, actor=DESK_ACTOR, at=at(D(2026, 10, 11)))  # expired on the 10th
    assert "2026" in e.value.fields["code"]
    assert snapshot(db) == before
    assert points.redeem(db, shop_v.code, actor=DESK_ACTOR, merchant_id=shop,
                         at=at(D(2026, 10, 2))).status == points.REDEEMED
    assert points.redeem(db, centre_v.code, actor=DESK_ACTOR, at=at(D(2026, 10, 10))).status == points.REDEEMED
    check_ledger(db)


# -- reversals ------------------------------------------------------------------------------------

def test_reversals_need_a_reason_and_happen_once(db, types):
    rid = person(db)
    eid = earned(db, rid, types[MEDIATION], occasions=2)  # 40
    before = snapshot(db)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as e:
            points.reverse(db, eid, reason, actor=ADMIN, today=TODAY)
        assert "reason" in e.value.fields
    assert snapshot(db) == before
    rev = points.reverse(db, eid, "录错了人", actor=ADMIN, today=TODAY)
    assert points.balance(db, rid) == 0
    entries = points.statement(db, rid).entries
    assert [(e.kind, e.points, e.reverses_id, e.reversed_by_id) for e in entries] == [
        (EARN, 40, None, rev), (REVERSE, -40, eid, None)]
    assert entries[1].note == "录错了人" and not entries[0].reversible and not entries[1].reversible
    before = snapshot(db)
    for target in (eid, rev):
        with pytest.raises(ValidationError):
            points.reverse(db, target, "再来一次", actor=ADMIN, today=TODAY)
    with pytest.raises(NotFoundError):
        points.reverse(db, 9999, "不存在", actor=ADMIN, today=TODAY)
    assert snapshot(db) == before
    check_ledger(db)


def test_an_earning_already_spent_cannot_be_reversed(db, types):
    rid = person(db)
    eid = earned(db, rid, types[MEDIATION], occasions=2)  # 40
    points.issue_voucher(db, rid, voucher_type(db, points_=30), actor=ADMIN, at=at(D(2026, 11, 1)))
    before = snapshot(db)
    with pytest.raises(ValidationError) as e:
        points.reverse(db, eid, "录错了", actor=ADMIN, today=TODAY)
    assert "10" in e.value.fields["entry"] and "40" in e.value.fields["entry"]
    assert snapshot(db) == before


def test_reversing_a_spend_cancels_an_unused_voucher_but_not_a_used_one(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=3)  # 60
    vt = voucher_type(db, points_=20)
    used = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 11, 1)))
    unused = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 11, 1)))
    points.redeem(db, used.code, actor=ADMIN, at=at(D(2026, 11, 1)))
    spends = {e.voucher_code: e.id for e in points.statement(db, rid).entries if e.kind == SPEND}
    before = snapshot(db)
    with pytest.raises(ValidationError):
        points.reverse(db, spends[used.code], "发错了", actor=ADMIN, today=TODAY)
    assert snapshot(db) == before
    points.reverse(db, spends[unused.code], "发错了", actor=ADMIN, today=TODAY)
    assert points.balance(db, rid) == 40
    row = points.find_voucher(db, unused.code, on=TODAY)
    assert row.status == points.VOIDED and row.refunded_at is not None
    assert [v.id for v in points.list_vouchers(db, status=points.VOIDED, on=TODAY)] == [unused.id]
    before = snapshot(db)
    with pytest.raises(ValidationError):
        points.redeem(db, unused.code, actor=ADMIN, at=at(D(2026, 11, 2)))
    assert snapshot(db) == before
    check_ledger(db)


def test_reversing_a_refund_takes_the_points_back(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=1)  # 20
    points.issue_voucher(db, rid, voucher_type(db, points_=20, days_valid=5), actor=ADMIN, at=at(D(2026, 10, 1)))
    points.set_refund_expired_rule(db, True, actor=ADMIN)
    assert points.refund_expired(db, actor=ADMIN, today=TODAY) == 1
    refund = points.statement(db, rid).entries[-1]
    assert (refund.kind, refund.points) == (REFUND, 20)
    points.reverse(db, refund.id, "规则误开", actor=ADMIN, today=TODAY)
    assert points.balance(db, rid) == 0
    assert points.refund_expired(db, actor=ADMIN, today=TODAY) == 0  # not refunded again
    check_ledger(db)


# -- the refund rule ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [False, True])
def test_expired_vouchers_are_refunded_only_by_the_rule(db, types, rule):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=3)  # 60
    vt = voucher_type(db, points_=20, days_valid=10)
    old = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 10, 1)))       # expires 10-10
    used = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 10, 1)))
    fresh = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 10, 30)))    # expires 11-08
    points.redeem(db, used.code, actor=ADMIN, at=at(D(2026, 10, 2)))
    points.set_refund_expired_rule(db, rule, actor=ADMIN)
    assert points.list_vouchers(db, status=points.EXPIRED, on=TODAY)[0].id == old.id
    assert points.refund_expired(db, actor=DESK_ACTOR, today=TODAY) == (1 if rule else 0)
    assert points.refund_expired(db, actor=DESK_ACTOR, today=TODAY) == 0
    assert points.balance(db, rid) == (20 if rule else 0)
    status = {v.id: v.status for v in points.list_vouchers(db, on=TODAY)}
    assert status == {old.id: points.REFUNDED if rule else points.EXPIRED, used.id: points.REDEEMED,
                      fresh.id: points.ISSUED}
    assert [v.id for v in points.list_vouchers(db, resident_id=rid, date_from=D(2026, 10, 30), on=TODAY)] == [fresh.id]
    check_ledger(db)


# -- two desks at once ----------------------------------------------------------------------------

def race(db, call) -> list:
    """`call(database)` from two threads, each with its own Database on the same database, started together."""
    other = open_database(db.engine.url.render_as_string(hide_password=False))  # the other desk
    start = threading.Barrier(2)
    results: list = [None, None]

    def run(i, database):
        start.wait()
        try:
            results[i] = call(database)
        except Exception as exc:  # the test looks at what each got
            results[i] = exc

    try:
        threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate((db, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.dispose()
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_desks_cannot_spend_the_same_points(db, types, attempt):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=1)  # 20: one voucher's worth
    vt = voucher_type(db, points_=20)
    results = race(db, lambda d: points.issue_voucher(d, rid, vt, actor=DESK_ACTOR))
    assert sorted(type(r).__name__ for r in results) == ["ValidationError", "VoucherRow"], results
    assert points.balance(db, rid) == 0 and count(db, Voucher) == 1
    check_ledger(db)


@pytest.mark.parametrize("attempt", range(3))
def test_two_desks_cannot_redeem_one_voucher_twice(db, types, attempt):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=1)
    v = points.issue_voucher(db, rid, voucher_type(db, points_=20), actor=DESK_ACTOR)
    results = race(db, lambda d: points.redeem(d, v.payload, actor=DESK_ACTOR))
    assert sorted(type(r).__name__ for r in results) == ["ValidationError", "VoucherRow"], results
    with db.session() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity == "points_voucher",
                                                             AuditLog.action == "update")) == 1
    check_ledger(db)


def test_the_last_item_in_stock_goes_to_one_desk(db, types):
    a, b = person(db, "甲"), person(db, "乙", "13800000002")
    points.earn_many(db, [a, b], types[MEDIATION], D(2026, 10, 1), actor=DESK_ACTOR, occasions=1, today=TODAY)
    vt = voucher_type(db, points_=10, stock=1)
    results = race(db, lambda d: points.issue_voucher(d, a if d is db else b, vt, actor=DESK_ACTOR))
    assert sorted(type(r).__name__ for r in results) == ["ValidationError", "VoucherRow"], results
    assert points.list_voucher_types(db)[0].stock == 0 and points.balance(db, a) + points.balance(db, b) == 30
    check_ledger(db)


# -- the invariants, for any sequence -------------------------------------------------------------

operations = st.lists(st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 2), st.integers(1, 200)),
    st.tuples(st.just("issue"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("redeem"), st.integers(0, 30), st.sampled_from(["unused", "any", "elsewhere"])),
    st.tuples(st.just("reverse"), st.integers(0, 60)),
    st.tuples(st.just("refund"), st.integers(0, 20)),
    st.tuples(st.just("wait"), st.integers(1, 15)),
), max_size=25)


@pytest.fixture
def world(db, types):
    people = [person(db, name, f"1380000000{i}") for i, name in enumerate(("甲", "乙", "丙"))]
    vouchers = [voucher_type(db, "小", 7, days_valid=5), voucher_type(db, "中", 25, stock=4, days_valid=20),
                voucher_type(db, "大", 60)]
    points.set_refund_expired_rule(db, True, actor=ADMIN)
    return people, vouchers, types[HOURLY]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_ledger_invariants_hold_for_any_sequence(db, world, ops):
    # The database carries over between examples: each one continues a longer sequence, which the
    # invariants must survive all the same.
    people, vouchers, hourly = world
    day = D(2026, 1, 1)
    redeemed: set[int] = set()
    for op in ops:
        kind = op[0]
        before = snapshot(db)
        try:
            if kind == "earn":
                points.earn(db, EarnInput(people[op[1]], hourly, day, minutes=op[2]), actor=DESK_ACTOR, today=day)
            elif kind == "issue":
                cost = [7, 25, 60][op[2]]
                had = points.balance(db, people[op[1]])
                try:
                    points.issue_voucher(db, people[op[1]], vouchers[op[2]], actor=DESK_ACTOR, at=at(day))
                except ValidationError:
                    stock = {r.id: r.stock for r in points.list_voucher_types(db)}[vouchers[op[2]]]
                    assert had < cost or stock == 0 or day > D(2026, 12, 31)
                    raise
            elif kind == "redeem":
                codes = [v.code for v in points.list_vouchers(db, status=points.ISSUED if op[2] == "unused" else None,
                                                              on=day)]
                if codes:
                    code = codes[op[1] % len(codes)]
                    row = points.redeem(db, code, actor=DESK_ACTOR, merchant_id=999 if op[2] == "elsewhere" else None,
                                        at=at(day))
                    assert row.id not in redeemed
                    redeemed.add(row.id)
            elif kind == "reverse":
                with db.session() as s:
                    ids = list(s.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id)))
                if ids:
                    points.reverse(db, ids[op[1] % len(ids)], "更正", actor=ADMIN, today=day)
            elif kind == "refund":
                points.refund_expired(db, actor=DESK_ACTOR, today=day + dt.timedelta(days=op[1]))
            else:
                day += dt.timedelta(days=op[1])
        except (ValidationError, NotFoundError):
            assert snapshot(db) == before  # a refusal changes nothing
            event(f"{kind} refused")
        else:
            event(f"{kind} done")
        check_ledger(db)
    with db.session() as s:
        redemptions = list(s.scalars(select(AuditLog.entity_id).where(AuditLog.entity == "points_voucher",
                                                                    AuditLog.changes.contains("redeemed_at"))))
    assert len(redemptions) == len(set(redemptions))  # no voucher redeemed twice, over every example


# -- figures ---------------------------------------------------------------------------------------

def test_figures_of_a_hand_built_month(db, types):
    shop = member_shop(db)
    a, b, c = person(db, "甲"), person(db, "乙", "13800000002"), person(db, "丙", "13800000003")
    hourly, mediation = types[HOURLY], types[MEDIATION]
    # Before the month: 甲 earns 100 and gets a voucher that expires in the month.
    earned(db, a, mediation, D(2026, 9, 20), occasions=5)                             # 甲 +100
    rice = voucher_type(db, "大米一袋", 30, days_valid=15)
    shop_voucher = voucher_type(db, "便利店代金券", 20, merchant_id=shop, kind=points.CONSUMPTION)
    points.issue_voucher(db, a, rice, actor=ADMIN, at=at(D(2026, 9, 25)))              # 甲 −30, expires 10-09
    # October.
    earned(db, a, hourly, D(2026, 10, 3), minutes=90)                                 # 甲 +15, 1.5 h
    earned(db, b, hourly, D(2026, 10, 4), minutes=180)                                # 乙 +30, 3 h
    wrong = earned(db, c, hourly, D(2026, 10, 5), minutes=60)                         # 丙 +10, reversed
    earned(db, c, mediation, D(2026, 10, 6), occasions=1)                             # 丙 +20
    points.reverse(db, wrong, "录错了", actor=ADMIN, today=D(2026, 10, 7))             # 丙 −10
    v1 = points.issue_voucher(db, a, shop_voucher, actor=ADMIN, at=at(D(2026, 10, 10)))  # 甲 −20
    v2 = points.issue_voucher(db, b, rice, actor=ADMIN, at=at(D(2026, 10, 12)))       # 乙 −30
    points.redeem(db, v1.code, actor=DESK_ACTOR, merchant_id=shop, at=at(D(2026, 10, 11)))
    points.redeem(db, v2.code, actor=DESK_ACTOR, at=at(D(2026, 10, 13)))
    points.set_refund_expired_rule(db, True, actor=ADMIN)
    points.refund_expired(db, actor=ADMIN, today=D(2026, 10, 20))                     # 甲 +30
    # After the month: not counted.
    earned(db, b, hourly, D(2026, 11, 1), minutes=60)
    f = points.figures(db, D(2026, 10, 1), D(2026, 10, 31), today=TODAY)
    names = {t.id: t.name for t in points.list_service_types(db)}
    assert f.earned_by_type == {names[hourly]: 55, names[mediation]: 20}
    assert (f.earned, f.spent, f.refunded, f.reversed) == (75, 50, 30, -10)
    assert f.outstanding == 100 - 30 + 75 - 50 + 30 - 10 == 115
    goods, consumption = points._label(points.VOUCHER_KINDS, points.GOODS), \
        points._label(points.VOUCHER_KINDS, points.CONSUMPTION)
    assert f.vouchers_issued == {goods: 1, consumption: 1}
    assert f.vouchers_redeemed == {goods: 1, consumption: 1}
    assert f.vouchers_expired == {goods: 1}
    centre = points.list_voucher_types(db)[0].merchant
    assert f.redeemed_by_merchant == {"状元里便利店": 1, centre: 1}
    assert (f.volunteers, f.volunteer_hours) == (3, 4.5)
    before = points.figures(db, D(2026, 9, 1), D(2026, 9, 30), today=TODAY)
    assert before.outstanding + f.earned - f.spent + f.refunded + f.reversed == f.outstanding


def test_detail_lines_and_badge(db, types, english):
    rid = person(db)
    assert points.resident_lines(db, rid) == []
    earned(db, rid, types[MEDIATION], occasions=6)  # 120
    vt = voucher_type(db, points_=10, days_valid=5)
    points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(TODAY))
    lines = points.resident_lines(db, rid, today=TODAY)
    assert [line.heading for line in lines] == ["Volunteer points: balance 110 points, 1 unused vouchers"]
    assert points.badge(db, today=TODAY) == ("Volunteer points (1 vouchers expire this week)", False)
    assert points.badge(db, today=TODAY + dt.timedelta(days=10)) == ("Volunteer points", False)


def test_the_ledger_form_lists_a_month(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], D(2026, 9, 30), occasions=1)
    earned(db, rid, types[MEDIATION], D(2026, 10, 1), occasions=1)
    rows = points.ledger(db, D(2026, 10, 1), D(2026, 10, 31))
    assert [(r.day, r.resident, r.points) for r in rows] == [(D(2026, 10, 1), "张三", 20)]


def test_every_audited_kind_reads_in_words(db, types):
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=3)
    v = points.issue_voucher(db, rid, voucher_type(db), actor=ADMIN)
    points.redeem(db, v.code, actor=ADMIN)
    points.set_rate(db, types[HOURLY], 12, D(2026, 6, 1), actor=ADMIN)
    rows = audit.query(db, actor=ADMIN)
    kinds = {e.entity for e in rows}
    assert {"points_entry", "points_voucher", "points_voucher_type", "points_rate"} <= kinds
    for e in rows:
        if e.entity.startswith("points_"):
            assert e.entity_label != e.entity and "#" not in e.changes_text, e.changes_text


# -- permissions ------------------------------------------------------------------------------------

NEW_PERMISSIONS = {access.POINTS_EARN: {ADMINISTRATOR, DESK, GRID_WORKER},
                   access.POINTS_VOUCHERS: {ADMINISTRATOR, DESK},
                   access.POINTS_REVERSE: {ADMINISTRATOR},
                   access.POINTS_CATALOGUE: {ADMINISTRATOR}}
ROLES = (ADMINISTRATOR, DESK, GRID_WORKER, VIEWER)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_every_new_permission(db, types, role):
    actor = Actor("某人", role)
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=5)
    eid = earned(db, rid, types[MEDIATION], occasions=1)
    vt = voucher_type(db, points_=10)
    v = points.issue_voucher(db, rid, vt, actor=ADMIN)
    calls = {
        access.POINTS_EARN: [lambda: points.earn(db, EarnInput(rid, types[HOURLY], TODAY, minutes=30), actor=actor,
                                                 today=TODAY),
                             lambda: points.earn_many(db, [rid], types[HOURLY], TODAY, actor=actor, minutes=30,
                                                      today=TODAY)],
        access.POINTS_VOUCHERS: [lambda: points.issue_voucher(db, rid, vt, actor=actor),
                                 lambda: points.redeem(db, v.code, actor=actor),
                                 lambda: points.refund_expired(db, actor=actor)],
        access.POINTS_REVERSE: [lambda: points.reverse(db, eid, "更正", actor=actor)],
        access.POINTS_CATALOGUE: [
            lambda: points.add_service_type(db, "新服务", points.HOUR, 5, actor=actor),
            lambda: points.rename_service_type(db, types[0], "改名", actor=actor),
            lambda: points.set_service_type_active(db, types[1], False, actor=actor),
            lambda: points.set_rate(db, types[0], 12, D(2026, 6, 1), actor=actor),
            lambda: points.set_refund_expired_rule(db, True, actor=actor),
            lambda: points.add_voucher_type(db, VoucherTypeInput("新券", points.GOODS, None, 5, None, D(2026, 1, 1),
                                                                 D(2026, 12, 31)), actor=actor),
            lambda: points.update_voucher_type(db, vt, VoucherTypeInput("大米一袋", points.GOODS, None, 12, None,
                                                                        D(2026, 1, 1), D(2026, 12, 31)), actor=actor),
            lambda: points.set_voucher_type_active(db, vt, False, actor=actor),
            lambda: points.seed(db, actor=actor)],
    }
    for permission, roles in NEW_PERMISSIONS.items():
        assert access.may(actor, permission) == (role in roles), permission
        for call in calls[permission]:
            before = snapshot(db)
            if role in roles:
                call()
            else:
                with pytest.raises(PermissionDenied):
                    call()
                assert snapshot(db) == before
    assert count(db, ServiceType) >= 6


def test_a_voided_voucher_puts_its_item_back_in_stock(db, types):
    # A walk-through found the stock one item short for good after each cancelled goods voucher.
    rid = person(db)
    earned(db, rid, types[MEDIATION], occasions=3)  # 60
    vt = voucher_type(db, points_=20, stock=2)
    voucher = points.issue_voucher(db, rid, vt, actor=ADMIN, at=at(D(2026, 11, 1)))
    assert [t.stock for t in points.list_voucher_types(db) if t.id == vt] == [1]
    spend = next(e.id for e in points.statement(db, rid).entries if e.voucher_code == voucher.code)
    points.reverse(db, spend, "发错了人", actor=ADMIN, today=TODAY)
    assert [t.stock for t in points.list_voucher_types(db) if t.id == vt] == [2]
    check_ledger(db)
