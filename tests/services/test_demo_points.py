"""Volunteer points' part of the demo (app/services/demo/points.py) at both scales: every account equals
the sum of its entries and is never negative, no voucher redeemed twice, every entry audited, plausible
counts. The activities demo runs after it and credits some participants through the service: the
ledger's invariants hold for all entries, the points demo's own story (its volunteers, their share of
the adults) is checked on its own entries."""
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import ActivityParticipant, LedgerEntry, PointsAccount, Resident, Voucher, VoucherType
from app.models.audit import AuditLog
from app.services import demo, points
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 27)


def check_points(db, summary, adults_share=(0.06, 0.10)):
    with db.session() as s:
        accounts = dict(s.execute(select(PointsAccount.resident_id, PointsAccount.balance)).all())
        sums = dict(s.execute(select(LedgerEntry.resident_id, func.sum(LedgerEntry.points))
                              .group_by(LedgerEntry.resident_id)).all())
        entries = list(s.scalars(select(LedgerEntry).order_by(LedgerEntry.day, LedgerEntry.id)))
        vouchers = list(s.scalars(select(Voucher)))
        types = {t.id: t for t in s.scalars(select(VoucherType))}
        audited = Counter(s.scalars(select(AuditLog.entity_id).where(AuditLog.entity == "points_entry",
                                                                     AuditLog.action == "create")))
        by_activities = set(s.scalars(select(ActivityParticipant.points_entry_id)
                                      .where(ActivityParticipant.points_entry_id.is_not(None))))
        adults = s.scalar(select(func.count(Resident.id)).where(Resident.birth_date <= TODAY - dt.timedelta(
            days=18 * 365), Resident.birth_date > TODAY - dt.timedelta(days=76 * 365)))
    # The accounts are the sums of the entries, never negative, and no running balance ever was.
    assert accounts == sums and min(accounts.values()) >= 0
    running: dict[int, int] = {}
    for e in entries:
        running[e.resident_id] = running.get(e.resident_id, 0) + e.points
        assert running[e.resident_id] >= 0, e.id
    # Every entry has the audit row the service writes, once.
    assert set(audited) == {e.id for e in entries} and max(audited.values()) == 1
    # The activities demo's credits are earnings of its own, after the points demo's.
    by_id = {e.id: e for e in entries}
    assert by_activities and all(by_id[i].kind == points.EARN for i in by_activities)
    own = [e for e in entries if e.id not in by_activities]
    kinds = Counter(e.kind for e in own)
    volunteers = {e.resident_id for e in own if e.kind == points.EARN}
    assert summary.counts["points"] == len(volunteers)
    assert adults_share[0] * adults < len(volunteers) < adults_share[1] * adults
    assert kinds[points.EARN] > 15 * len(volunteers)  # a core of regulars most weeks
    assert all(0 < e.points <= 60 for e in entries if e.kind == points.EARN)
    hours = [e.quantity for e in own if e.kind == points.EARN and e.quantity > 1]
    assert 60 <= min(hours) and max(hours) <= 240 and sum(60 <= m <= 180 for m in hours) > 0.9 * len(hours)
    assert all(e.day < TODAY for e in entries if e.kind == points.EARN)
    # Vouchers: each spent once, most redeemed, a few expired and refunded, none redeemed twice.
    spends = Counter(e.voucher_id for e in entries if e.kind == points.SPEND)
    assert set(spends) == {v.id for v in vouchers} and max(spends.values()) == 1
    redeemed = [v for v in vouchers if v.redeemed_at is not None]
    refunded = [v for v in vouchers if v.refunded_at is not None]
    assert len(redeemed) > 0.7 * len(vouchers) and 0 < len(refunded) < 0.2 * len(vouchers)
    assert not [v for v in redeemed if v.refunded_at is not None]
    assert all(v.redeemed_at.date() <= v.expires_on and v.redeemed_merchant_id == types[v.voucher_type_id].merchant_id
               for v in redeemed)
    assert kinds[points.REFUND] == len(refunded) and all(v.expires_on < TODAY for v in refunded)
    assert {types[v.voucher_type_id].name for v in vouchers} >= {"粮油兑换券", "文具礼包"}
    assert any(t.merchant_id is not None for t in types.values())  # at an alliance member
    # One or two reversals with their reasons, each of an earning.
    reversals = [e for e in entries if e.kind == points.REVERSE]
    assert 1 <= len(reversals) <= 2 and all(e.note for e in reversals)
    assert all(by_id[e.reverses_id].kind == points.EARN and e.points == -by_id[e.reverses_id].points
               for e in reversals)
    return len(vouchers), len({e.resident_id for e in entries if e.kind == points.EARN})


def test_a_village_year_of_points(db):
    summary = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    count, earners = check_points(db, summary)
    assert 30 <= count <= 400
    again = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    # A second run adds nothing and counts what is there: everyone who earned, activities' credits included.
    assert not again.added and again.counts["points"] == earners > summary.counts["points"]


@pytest.mark.slow
def test_a_town_year_of_points(db):
    summary = demo.fill_demo(db, "town", seed=4, today=TODAY, actor=ADMIN)
    count, _earners = check_points(db, summary)
    assert 500 <= count <= 5000
