"""After-school classes' part of the demo (app/services/demo/afterschool.py) at both scales."""
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from app import features
from app.models import (ChildProfile, ClassAttendance, Consent, Enrolment, FamilyLink, PickupPerson, SchoolClass,
                        SessionChange)
from app.services import afterschool, demo
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 27)  # a Friday, in the autumn term


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The feature's record names the filler; until it is in app/features.py, a stand-in does."""
    if not any(f.demo == "app.services.demo.afterschool:fill" for f in features.FEATURES):
        stand_in = features.Feature(name="afterschool", label="After-school", topic="afterschool",
                                    demo="app.services.demo.afterschool:fill")
        monkeypatch.setattr(features, "FEATURES", (*features.FEATURES, stand_in))


def check_year(db, summary, children_range, care_classes):
    assert children_range[0] <= summary.counts["afterschool"] <= children_range[1]
    with db.session() as s:
        classes = {c.id: c for c in s.scalars(select(SchoolClass))}
        profiles = {p.resident_id: p for p in s.scalars(select(ChildProfile))}
        pickups = list(s.scalars(select(PickupPerson)))
        enrolments = list(s.scalars(select(Enrolment)))
        rows = list(s.scalars(select(ClassAttendance)))
        cancelled = list(s.scalars(select(SessionChange).where(SessionChange.cancelled.is_(True))))
        consented = set(s.scalars(select(Consent.resident_id).where(Consent.purpose == afterschool.CONSENT_PURPOSE)))
        links = set(s.execute(select(FamilyLink.resident_id, FamilyLink.relative_id)
                              .where(FamilyLink.relation == "guardian")).all())
    names = [c.name for c in classes.values()]
    assert sum("四点半课堂" in n for n in names) == care_classes
    assert all(any(kind in n for n in names) for kind in ("暑托班", "书法", "围棋", "舞蹈"))
    # Every child: a consent, at least one guardian with a family link, every adult with a phone and a card.
    assert set(profiles) <= consented
    by_child: dict[int, list[PickupPerson]] = {}
    child_of = {p.id: p.resident_id for p in profiles.values()}
    for p in pickups:
        by_child.setdefault(child_of[p.child_id], []).append(p)
        assert p.phone and p.card_code and p.name
    for rid in profiles:
        found = [p for p in by_child[rid] if p.guardian]
        assert found and all((rid, p.relative_id) in links for p in found)
        assert len(by_child[rid]) > len(found)  # another adult may collect the child too
    assert any(p.allergies for p in profiles.values())
    alone = [p for p in profiles.values() if p.may_go_home_alone]
    assert alone and all(p.alone_consent_by and p.alone_consent_on for p in alone)
    # Places: never beyond capacity without a reason; a full class with a waiting list and an offer.
    status = Counter((e.class_id, e.status) for e in enrolments)
    for class_id, c in classes.items():
        holding = status[(class_id, afterschool.ENROLLED)] + status[(class_id, afterschool.OFFERED)]
        excess = sum(1 for e in enrolments if e.class_id == class_id and e.over_capacity_reason
                     and e.status in afterschool.HOLDING_PLACE)
        assert holding - excess <= c.capacity, c.name
    assert any(status[(i, afterschool.WAITING)] for i in classes)
    assert any(status[(i, afterschool.OFFERED)] for i in classes)
    assert all(e.left_reason for e in enrolments if e.status == afterschool.WITHDRAWN)
    # Attendance only on the class's sessions, while enrolled; the cancelled ones have none.
    sessions = {i: {x.day for x in afterschool.sessions(db, i, c.term_start, c.term_end) if not x.cancelled}
                for i, c in classes.items()}
    enrolled = {(e.class_id, e.resident_id): e for e in enrolments if e.enrolled_on is not None}
    for a in rows:
        assert a.day in sessions[a.class_id] and a.day <= TODAY
        e = enrolled[(a.class_id, a.resident_id)]
        assert e.enrolled_on <= a.day and (e.left_on is None or a.day < e.left_on)
        if a.status == afterschool.LEAVE:
            assert a.reason
        if a.signed_out_at is not None:
            assert a.signed_in_at < a.signed_out_at
            assert (a.picked_up_by_id is not None) + a.went_home_alone + a.unlisted == 1
            assert not a.went_home_alone or profiles[a.resident_id].may_go_home_alone
            assert not a.unlisted or (a.unlisted_reason and a.picked_up_by_name and a.picked_up_by_phone)
    assert cancelled and all(c.reason for c in cancelled)
    assert not {(c.class_id, c.day) for c in cancelled} & {(a.class_id, a.day) for a in rows}
    counts = Counter(a.status for a in rows)
    assert counts[afterschool.PRESENT] > 0.8 * len(rows) and counts[afterschool.ABSENT] and counts[afterschool.LEAVE]
    assert sum(a.late for a in rows) >= 3 and sum(a.unlisted for a in rows) >= 3
    return rows


def test_a_village_year_of_after_school_classes(db):
    summary = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    rows = check_year(db, summary, (40, 70), care_classes=3)
    assert len(rows) > 3000
    figures = afterschool.figures(db, TODAY - dt.timedelta(days=364), TODAY)
    assert figures.person_times == sum(a.status == afterschool.PRESENT for a in rows)
    assert figures.unlisted_pickups >= 3 and figures.sessions_cancelled >= 1
    again = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    assert not again.added and again.counts["afterschool"] == summary.counts["afterschool"]
    with db.session() as s:
        assert s.scalar(select(func.count(ChildProfile.id))) == summary.counts["afterschool"]


@pytest.mark.slow
def test_a_town_year_of_after_school_classes(db):
    summary = demo.fill_demo(db, "town", seed=4, today=TODAY, actor=ADMIN)
    check_year(db, summary, (200, 330), care_classes=6)
    # Today's 四点半课堂 is under way at 17:45 on a demo day that is not the real today.
    here = afterschool.still_here(db, TODAY, actor=ADMIN, at=dt.datetime.combine(TODAY, dt.time(17, 45)))
    assert here
