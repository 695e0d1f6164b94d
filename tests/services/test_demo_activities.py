"""The activity ledger's part of the demo (app/services/demo/activities.py) at both scales, run by
fill_demo as a feature's filler after the points demo: plausible counts per month, participants of the
right ages, alliance partners, every row audited, some activities credited with points, the same for
the same seed, nothing added the second time."""
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from app import features
from app.models import Activity, ActivityParticipant, ActivityPartner, AuditLog, LedgerEntry, Resident
from app.services import activities, demo
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 27)


def test_the_activities_demo_runs_after_the_points_demo():
    """It credits points through the service, which opens accounts the points demo would insert again."""
    names = [f.name for f in features.FEATURES if f.demo]
    assert names.index("activities") > names.index("points")


def check(db, summary, per_month):
    with db.session() as s:
        rows = list(s.scalars(select(Activity).order_by(Activity.held_on, Activity.id)))
        people = list(s.execute(select(ActivityParticipant.activity_id, ActivityParticipant.resident_id,
                                       ActivityParticipant.points_entry_id, Resident.birth_date, Resident.active)
                                .join(Resident, Resident.id == ActivityParticipant.resident_id)))
        partners = list(s.scalars(select(ActivityPartner)))
        audited = Counter(s.execute(select(AuditLog.entity, AuditLog.entity_id).where(
            AuditLog.entity.in_(("activity", "activity_participant")), AuditLog.action == "create")).all())
        participant_ids = s.scalars(select(ActivityParticipant.id)).all()
        credited_entries = s.scalar(select(func.count(LedgerEntry.id)).where(
            LedgerEntry.id.in_(select(ActivityParticipant.points_entry_id))))
    assert summary.counts["activities"] == len(rows)
    assert rows[0].held_on >= TODAY - dt.timedelta(days=364) and rows[-1].held_on <= TODAY
    assert 10 * per_month <= len(rows) <= 15 * per_month
    by_month = Counter((a.held_on.year, a.held_on.month) for a in rows)
    full = [n for (y, m), n in by_month.items() if (y, m) not in {(TODAY.year, TODAY.month)}
            and dt.date(y, m, 1) > TODAY - dt.timedelta(days=330)]
    assert all(0.6 * per_month <= n <= 1.6 * per_month for n in full), by_month
    kinds = Counter(a.activity_type_id for a in rows)
    assert len(kinds) >= 8
    assert set(a.target_group for a in rows) == set(activities.TARGET_GROUPS)
    groups = {a.id: a.target_group for a in rows}
    for aid, _rid, _entry, birth, active in people:
        age = (TODAY - birth).days // 365
        assert active
        if groups[aid] == "elderly":
            assert age >= 60
        elif groups[aid] == "children":
            assert age < 14
        elif groups[aid] == "youth":
            assert 18 <= age <= 35
    assert any(p.kind == "merchant" and p.merchant_id for p in partners)
    assert all(p.name for p in partners)
    # every activity and participant has the service's audit row, once
    assert {i for (e, i) in audited if e == "activity"} == {a.id for a in rows}
    assert {i for (e, i) in audited if e == "activity_participant"} == set(participant_ids)
    assert max(audited.values()) == 1
    credited = [p for p in people if p[2] is not None]
    assert credited and credited_entries == len(credited)
    f = activities.figures(db, TODAY - dt.timedelta(days=364), TODAY)
    assert f.activities == len(rows) and f.person_times == len(people) + sum(a.headcount for a in rows)
    assert 0 < f.people < len(people)  # regulars come more than once
    return f


def test_a_village_year_of_activities(db):
    summary = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    f = check(db, summary, 8)
    assert 1000 <= f.person_times <= 4000
    again = demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    assert not again.added and again.counts["activities"] == summary.counts["activities"]
    # ids from the database: the desk records the next activity as usual (PostgreSQL's sequences too)
    with db.session() as s:
        top = s.scalar(select(func.max(Activity.id)))
        kind = s.scalar(select(Activity.activity_type_id).limit(1))
    new = activities.add_activity(db, activities.ActivityInput(held_on=TODAY, title="茶话会", activity_type_id=kind,
                                                               target_group="elderly"), actor=ADMIN, today=TODAY)
    assert new > top


def test_the_same_seed_gives_the_same_year(db, postgres, tmp_path):
    from app.db import open_database, sqlite_url

    def story(database):
        demo.fill_demo(database, "village", seed=5, today=TODAY, actor=ADMIN, head_count=400)
        with database.session() as s:
            return [tuple(r) for r in s.execute(select(Activity.held_on, Activity.title, Activity.headcount,
                                                       func.count(ActivityParticipant.id))
                                                .outerjoin(ActivityParticipant,
                                                           ActivityParticipant.activity_id == Activity.id)
                                                .group_by(Activity.id).order_by(Activity.id))]

    other = open_database(postgres.new(empty=False) if postgres is not None else sqlite_url(tmp_path / "b.sqlite3"))
    try:
        assert story(db) == story(other)
    finally:
        other.dispose()


@pytest.mark.slow
def test_a_town_year_of_activities(db):
    summary = demo.fill_demo(db, "town", seed=4, today=TODAY, actor=ADMIN)
    f = check(db, summary, 40)
    assert 8000 <= f.person_times <= 40000
