import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import NotFoundError, ValidationError
from app.models import AuditLog, Consent, FamilyLink, Resident, resident_tags
from app.services import access, privacy, residents, tags
from app.services.access import Actor, PermissionDenied
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN

DESK = Actor("小李", access.DESK)
TODAY = dt.date(2026, 11, 27)
OLD_ID = "35058119500301123" + check_char("35058119500301123")


def add(db, name, **kw) -> int:
    return residents.add_resident(db, ResidentInput(name=name, **kw), actor=ADMIN)


def count(db, what) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(what))


# -- consents --------------------------------------------------------------------------------

def test_a_guardian_consents_for_a_child_and_withdraws(db):
    child, mother = add(db, "陈小安"), add(db, "林燕秀")
    assert not privacy.has_consent(db, child, "after_school")
    cid = privacy.record_consent(db, child, "after_school", "林燕秀", "written", dt.date(2026, 9, 1), given_by_resident_id=mother, note="签字表存档", actor=DESK)
    assert privacy.has_consent(db, child, "after_school")
    assert not privacy.has_consent(db, child, "health_notes")
    assert not privacy.has_consent(db, child, "after_school", on=dt.date(2026, 8, 31))
    [info] = privacy.list_consents(db, child)
    assert (info.given_by, info.given_by_resident_id, info.method, info.recorded_by, info.in_force) == (
        "林燕秀", mother, "written", "小李", True)
    privacy.withdraw_consent(db, cid, on=dt.date(2026, 11, 1), actor=DESK)
    assert not privacy.has_consent(db, child, "after_school")
    assert privacy.has_consent(db, child, "after_school", on=dt.date(2026, 10, 31))
    with pytest.raises(ValidationError):
        privacy.withdraw_consent(db, cid, actor=DESK)
    with db.session() as s:
        trail = [(r.action, r.entity, r.entity_id, r.actor_name) for r in
                 s.scalars(select(AuditLog).where(AuditLog.entity == "consent").order_by(AuditLog.id))]
    assert trail == [("create", "consent", cid, "小李"), ("update", "consent", cid, "小李")]


def test_consents_are_checked(db):
    rid = add(db, "陈小安")
    with pytest.raises(ValidationError) as err:
        privacy.record_consent(db, rid, "marketing", " ", "telepathy", TODAY + dt.timedelta(days=400), actor=DESK)
    assert set(err.value.fields) == {"purpose", "given_by", "method", "given_on"}
    with pytest.raises(NotFoundError):
        privacy.record_consent(db, 999, "registry", "某人", "verbal", dt.date(2026, 1, 1), actor=DESK)
    with pytest.raises(NotFoundError):
        privacy.withdraw_consent(db, 999, actor=DESK)
    cid = privacy.record_consent(db, rid, "registry", "陈小安", "verbal", dt.date(2026, 1, 1), actor=DESK)
    with pytest.raises(ValidationError):
        privacy.withdraw_consent(db, cid, on=dt.date(2025, 12, 31), actor=DESK)
    with pytest.raises(PermissionDenied):
        privacy.record_consent(db, rid, "registry", "陈小安", "verbal", dt.date(2026, 1, 1), actor=Actor("网格员", access.GRID_WORKER))
    assert count(db, Consent) == 1


# -- purge -----------------------------------------------------------------------------------

@pytest.fixture
def centre_people(db):
    """Two residents who left more than five years ago, one who left last year, one still here."""
    tags.ensure_default_tags(db, actor=ADMIN)
    elderly = tags.list_tags(db)[0].id
    people = {
        "gone_2019": add(db, "蔡老伯", id_number=OLD_ID, phone="13812345678", tag_ids=[elderly]),
        "gone_2020": add(db, "林阿姨", phone="13900001111"),
        "gone_2025": add(db, "王先生"),
        "here": add(db, "陈小安"),
    }
    residents.link_family(db, people["gone_2019"], people["gone_2020"], "spouse", actor=ADMIN)
    residents.link_family(db, people["here"], people["gone_2020"], "guardian", actor=ADMIN)
    privacy.record_consent(db, people["gone_2019"], "registry", "蔡老伯", "written", dt.date(2018, 1, 1), actor=ADMIN)
    privacy.record_consent(db, people["here"], "after_school", "林阿姨", "written", dt.date(2019, 9, 1), given_by_resident_id=people["gone_2020"], actor=ADMIN)
    for key, day in (("gone_2019", dt.date(2019, 5, 1)), ("gone_2020", dt.date(2021, 11, 26)),
                     ("gone_2025", dt.date(2025, 6, 1))):
        residents.deactivate_resident(db, people[key], "已迁出", on=day, actor=ADMIN)
    return people


def test_the_purge_plan_counts_what_would_be_removed_and_changes_nothing(db, centre_people):
    plan = privacy.purge_candidates(db, 5, today=TODAY, actor=ADMIN)
    assert plan.cutoff == dt.date(2021, 11, 27)
    assert plan.resident_ids == [centre_people["gone_2019"], centre_people["gone_2020"]]
    assert (plan.residents, plan.family_links, plan.tags, plan.consents) == (2, 2, 1, 1)
    assert count(db, Resident) == 4 and count(db, FamilyLink) == 4
    later = privacy.purge_candidates(db, 5, today=dt.date(2030, 7, 1), actor=ADMIN)
    assert later.residents == 3
    exactly = privacy.purge_candidates(db, 5, today=dt.date(2026, 11, 26), actor=ADMIN)
    assert exactly.residents == 1  # deactivated exactly five years ago: not yet "more than"


def test_purge_removes_those_residents_and_their_rows_and_keeps_a_masked_trail(db, centre_people):
    plan = privacy.purge_candidates(db, 5, today=TODAY, actor=ADMIN)
    result = privacy.purge(db, 5, today=TODAY, actor=ADMIN)
    assert (result.residents, result.family_links, result.tags, result.consents) == (
        plan.residents, plan.family_links, plan.tags, plan.consents)
    with db.session() as s:
        assert sorted(s.scalars(select(Resident.name))) == sorted(["王先生", "陈小安"])
        assert s.scalar(select(func.count()).select_from(FamilyLink)) == 0
        assert s.scalar(select(func.count()).select_from(resident_tags)) == 0
        [kept] = s.scalars(select(Consent)).all()  # the child's consent stays, without the link
        assert (kept.resident_id, kept.given_by_resident_id) == (centre_people["here"], None)
        trail = list(s.scalars(select(AuditLog).order_by(AuditLog.id)))
    purge_row = trail[-1]
    assert (purge_row.action, purge_row.actor_name) == ("purge", "王主任")
    assert "2" in purge_row.summary and "2021-11-27" in purge_row.summary
    everything = " ".join(r.summary + r.changes for r in trail)
    assert OLD_ID not in everything and "13812345678" not in everything and "13900001111" not in everything
    assert residents.search_ids(db, "蔡老伯", include_inactive=True) == []
    assert privacy.purge(db, 5, today=TODAY, actor=ADMIN).residents == 0  # nothing left to purge


def test_only_administrators_purge_and_years_must_make_sense(db, centre_people):
    for role in (access.DESK, access.GRID_WORKER, access.VIEWER):
        with pytest.raises(PermissionDenied):
            privacy.purge_candidates(db, 5, today=TODAY, actor=Actor("某人", role))
        with pytest.raises(PermissionDenied):
            privacy.purge(db, 5, today=TODAY, actor=Actor("某人", role))
    with pytest.raises(ValidationError):
        privacy.purge(db, 0, today=TODAY, actor=ADMIN)
    assert count(db, Resident) == 4
