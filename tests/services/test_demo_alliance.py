"""The merchant alliance's part of the demo (app/services/demo/alliance.py) at both scales."""
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import Commitment, Complaint, Evaluation, Merchant, MerchantEvent, Review, ReviewItem
from app.models.audit import AuditLog
from app.services import alliance, demo
from app.services.demo.alliance import _halves, _quarters
from app.services.validators import check_credit_code
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 27)


def check_alliance(db, summary, batches):
    first, second = batches
    assert summary.counts["alliance"] == first + second
    with db.session() as s:
        merchants = list(s.scalars(select(Merchant)))
        events = list(s.scalars(select(MerchantEvent)))
        reviews = list(s.scalars(select(Review)))
        items = Counter(s.scalars(select(ReviewItem.review_id)))
        commitments = Counter(s.scalars(select(Commitment.merchant_id)))
        complaints = list(s.scalars(select(Complaint)))
        scored = set(s.execute(select(Evaluation.merchant_id, Evaluation.quarter, Evaluation.evaluator)).all())
        audited = Counter(s.scalars(select(AuditLog.entity).where(AuditLog.entity.in_(
            ("merchant", "merchant_review", "commitment", "complaint", "evaluation")))))
    status = Counter(m.status for m in merchants)
    assert status[alliance.REVIEWING] == 2 and status[alliance.APPLIED] == 1 and status[alliance.REJECTED] == 1
    assert status[alliance.SUSPENDED] == 1 and status[alliance.LEFT] == 1
    assert status[alliance.MEMBER] == first + second - 2
    joined = [m for m in merchants if m.joined_on]
    assert Counter(m.batch for m in joined) == {"第一批": first, "第二批": second}
    assert {m.joined_on for m in joined if m.batch == "第一批"} == {TODAY - dt.timedelta(days=456)}
    # Every member: an admit event, an admission review with every criterion, 1-3 commitments, a code.
    admitted = {e.merchant_id for e in events if e.action == "admit"}
    criteria = len(alliance.list_choices(db, alliance.CRITERIA))
    by_merchant = {r.merchant_id: r for r in reviews}
    for m in joined:
        assert m.id in admitted and m.member_code
        assert by_merchant[m.id].decision == alliance.ADMIT and items[by_merchant[m.id].id] == criteria
        assert 1 <= commitments[m.id] <= 3
    refused = next(m for m in merchants if m.status == alliance.REJECTED)
    assert by_merchant[refused.id].decision == alliance.REJECT and by_merchant[refused.id].note
    assert all(e.reason for e in events if e.action in ("reject", "suspend", "leave"))
    # Every identifier valid; a few individual businesses give a licence number instead.
    assert all(check_credit_code(m.credit_code) == m.credit_code for m in merchants if m.credit_code)
    assert all(bool(m.credit_code) != bool(m.licence_number) for m in merchants)
    assert any(m.applied_via == alliance.RECOMMENDED and m.recommended_by_id for m in merchants)
    # Every change audited as the service writes it (an application's own event is its creation's row).
    assert all(any(e.merchant_id == m.id and e.action == alliance.APPLY for e in events) for m in merchants)
    assert audited["merchant"] == len(merchants) + sum(e.action != alliance.APPLY for e in events)
    assert audited["merchant_review"] == len(reviews) and audited["complaint"] == len(complaints)
    # Complaints only about members, the rate down by about 15 %, some still open.
    windows = {m.id: (m.joined_on, m.left_on or TODAY) for m in joined}
    assert all(windows[c.merchant_id][0] <= c.received_on <= windows[c.merchant_id][1] for c in complaints)
    assert any(c.resolved_on for c in complaints)
    year, half = _halves(TODAY)[1]
    rate = alliance.complaint_rate(db, year, half)
    assert rate.change is not None and rate.change < 0
    # Evaluations by two or three evaluators for the last two quarters.
    quarters = {alliance.quarter_text(*q) for q in _quarters(TODAY)}
    assert {q for _m, q, _e in scored} == quarters
    per = Counter((m, q) for m, q, _e in scored)
    assert set(per.values()) <= {2, 3}
    assert alliance.ranking(db, max(quarters))
    return rate


def test_a_village_alliance(db):
    summary = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    check_alliance(db, summary, (4, 3))
    again = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    assert not again.added and again.counts["alliance"] == summary.counts["alliance"]
    with db.session() as s:
        assert s.scalar(select(func.count(Merchant.id))) == 4 + 4 + 3


@pytest.mark.slow
def test_a_town_alliance(db):
    summary = demo.fill_demo(db, "town", seed=4, today=TODAY, actor=ADMIN)
    rate = check_alliance(db, summary, (23, 18))
    assert -0.2 <= rate.change <= -0.1  # the seed's "down 15 %"
    assert alliance.figures(db, TODAY - dt.timedelta(days=364), TODAY).active == 23 + 18 - 2


def test_the_last_complete_half_years_and_quarters():
    assert _halves(dt.date(2026, 11, 27)) == [(2025, 2), (2026, 1)]
    assert _halves(dt.date(2026, 3, 1)) == [(2025, 1), (2025, 2)]
    assert _quarters(dt.date(2026, 11, 27)) == [(2026, 2), (2026, 3)]
    assert _quarters(dt.date(2026, 2, 1)) == [(2025, 3), (2025, 4)]
