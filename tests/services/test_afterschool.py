"""After-school classes: class types, classes and sessions, children's profiles, enrolment and waiting
lists, session attendance and safe pick-up, figures, permissions."""
import datetime as dt
import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import (AuditLog, ChildProfile, ClassAttendance, Consent, Enrolment, FamilyLink, PickupPerson,
                        Resident, SessionChange)
from app.services import access, afterschool, audit, calendar, privacy, residents
from app.services.access import ADMINISTRATOR, DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.afterschool import (ABSENT, ENROLLED, IGNORED, LEAVE, OFFERED, PASSED, PRESENT, REFUSED,
                                      SIGNED_IN, SIGNED_OUT, WAITING, WITHDRAWN, ChildInput, ClassInput,
                                      ConsentInput, PickupInput, UnlistedPickup)
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN

D = dt.date
TODAY = D(2026, 11, 2)            # a Monday
WED = D(2026, 11, 4)
DESK_ACTOR = Actor("前台小林", DESK)
VIEWER_ACTOR = Actor("来访者", VIEWER)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm)


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(model.id)))


def snapshot(db) -> tuple:
    return tuple(count(db, m) for m in (AuditLog, ChildProfile, PickupPerson, Consent, FamilyLink, Enrolment,
                                        ClassAttendance, SessionChange))


def class_input(type_id=None, **changes) -> ClassInput:
    values = dict(name="书法兴趣班", type_id=type_id, term_start=D(2026, 9, 1), term_end=D(2027, 1, 15),
                  weekdays=frozenset({0, 2, 4}), start_time=dt.time(16, 30), end_time=dt.time(18, 0),
                  room="二楼活动室", capacity=2, grade_min=1, grade_max=6, fee_fen=20000)
    values.update(changes)
    return ClassInput(**values)


def consent(given_by="李丽", resident_id=None) -> ConsentInput:
    return ConsentInput(given_by, resident_id, "written", D(2026, 9, 1))


# The seeded class types, by their English msgids' order (四点半课堂, 暑托班, 兴趣班, 周末班).
CARE, SUMMER, INTEREST, WEEKEND = range(4)


@pytest.fixture
def types(db):
    afterschool.seed(db, actor=ADMIN)
    return [c.id for c in afterschool.list_choices(db)]


@pytest.fixture
def people(db):
    """李丽 (mother of 小明 and 小红, phone), 张伟 (no phone), 小明/小红 (9), 小刚 (14, grade 8),
    小美 (9, no profile yet)."""
    ids = {}
    for name, birth, phone, first17 in (("李丽", D(1988, 5, 1), "13800000001", "35058119880501002"),
                                        ("张伟", D(1985, 1, 2), "", "35058119850102001"),
                                        ("小明", D(2017, 3, 1), "", "35058120170301001"),
                                        ("小红", D(2017, 6, 1), "", "35058120170601002"),
                                        ("小刚", D(2012, 1, 1), "", "35058120120101001"),
                                        ("小美", D(2017, 8, 1), "", "35058120170801002")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, id_number=id_number(first17),
                                                             birth_date=birth, phone=phone), actor=ADMIN)
    return ids


def child_input(people, name, **changes) -> ChildInput:
    values = dict(resident_id=people[name], school="实验小学", grade=3,
                  pickup=[PickupInput(people["李丽"], relation="母亲", guardian=True),
                          PickupInput(None, "王奶奶", "13700000007", "奶奶")],
                  consent=consent(resident_id=people["李丽"]))
    values.update(changes)
    return ChildInput(**values)


@pytest.fixture
def world(db, types, people):
    """The class 书法兴趣班 (Mon/Wed/Fri 16:30–18:00, 2 places, grades 1–6) with 小明 and 小红 enrolled,
    小刚 profiled (grade 8)."""
    cid = afterschool.add_class(db, class_input(types[CARE]), actor=ADMIN)
    for name in ("小明", "小红"):
        afterschool.save_child(db, child_input(people, name), actor=ADMIN, today=TODAY)
        afterschool.enrol(db, cid, people[name], actor=ADMIN, today=D(2026, 10, 1))
    afterschool.save_child(db, child_input(people, "小刚", grade=8, consent=None), actor=ADMIN, today=TODAY)
    return cid


def card_of(db, people, child, adult="李丽") -> str:
    return "NDP:" + next(p.card_code for p in afterschool.pickup_cards(db, people[child]) if p.name == adult)


# -- class types and settings -----------------------------------------------------------------------

def test_the_seed_adds_the_class_types_once_in_chinese(db):
    assert afterschool.seed(db, actor=ADMIN) == 4
    assert [c.name for c in afterschool.list_choices(db)] == [_(m) for m in afterschool.DEFAULT_CLASS_TYPES]
    assert afterschool.seed(db, actor=ADMIN) == 0


def test_the_class_types_are_an_editable_list(db, types):
    new = afterschool.add_choice(db, " 托管班 ", actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        afterschool.add_choice(db, afterschool.list_choices(db)[INTEREST].name, actor=ADMIN)
    assert "name" in err.value.fields
    afterschool.rename_choice(db, new, "午托班", actor=ADMIN)
    afterschool.set_choice_active(db, types[SUMMER], False, actor=ADMIN)
    names = [_(m) for m in afterschool.DEFAULT_CLASS_TYPES]
    assert [c.name for c in afterschool.list_choices(db)] == [names[0], names[2], names[3], "午托班"]
    assert len(afterschool.list_choices(db, include_inactive=True)) == 5


def test_grace_minutes_and_late_limit_are_settings(db):
    assert (afterschool.grace_minutes(db), afterschool.late_limit(db)) == (15, 3)
    assert afterschool.set_grace_minutes(db, "２０", actor=ADMIN) == 20
    assert afterschool.set_late_limit(db, 5, actor=DESK_ACTOR) == 5
    assert (afterschool.grace_minutes(db), afterschool.late_limit(db)) == (20, 5)
    for bad in (-1, 181, "x", None):
        with pytest.raises(ValidationError) as err:
            afterschool.set_grace_minutes(db, bad, actor=ADMIN)
        assert "grace_minutes" in err.value.fields
    for bad in (0, 21):
        with pytest.raises(ValidationError):
            afterschool.set_late_limit(db, bad, actor=ADMIN)
    assert afterschool.grace_minutes(db) == 20


# -- classes ------------------------------------------------------------------------------------------

def test_a_class_reads_back_and_is_found_by_name(db, types):
    cid = afterschool.add_class(db, class_input(types[INTEREST], teacher_resident_id=None), actor=ADMIN)
    row = afterschool.find_class(db, "书法兴趣班")
    assert row.id == cid and row.type_name == _(afterschool.DEFAULT_CLASS_TYPES[INTEREST]) and row.weekdays == frozenset({0, 2, 4})
    assert (row.capacity, row.free_places, row.fee_fen) == (2, 2, 20000)
    with pytest.raises(NotFoundError) as err:
        afterschool.find_class(db, "围棋班")
    assert "围棋班" in str(err.value)
    afterschool.set_class_active(db, cid, False, actor=ADMIN)
    assert afterschool.list_classes(db) == [] and len(afterschool.list_classes(db, include_inactive=True)) == 1


@pytest.mark.parametrize("changes, field", [
    (dict(name=" "), "name"),
    (dict(type_id=None), "type_id"),
    (dict(term_end=D(2026, 8, 1)), "term_end"),
    (dict(weekdays=frozenset()), "weekdays"),
    (dict(end_time=dt.time(16, 0)), "end_time"),
    (dict(capacity=0), "capacity"),
    (dict(capacity=501), "capacity"),
    (dict(age_min=8, age_max=6), "age_max"),
    (dict(age_max=19), "age_max"),
    (dict(grade_min=13), "grade_min"),
    (dict(fee_fen=-1), "fee_fen"),
    (dict(teacher_staff_id=999), "teacher"),
])
def test_a_class_is_checked_field_by_field(db, types, changes, field):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.add_class(db, class_input(**{"type_id": types[INTEREST], **changes}), actor=ADMIN)
    assert field in err.value.fields
    assert snapshot(db) == before


def test_a_class_name_is_unique(db, types):
    afterschool.add_class(db, class_input(types[INTEREST]), actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        afterschool.add_class(db, class_input(types[INTEREST]), actor=ADMIN)
    assert "name" in err.value.fields


# -- sessions -----------------------------------------------------------------------------------------

def test_sessions_follow_the_weekdays_and_skip_holidays(db, world):
    calendar.set_holiday(db, D(2026, 11, 6), "校庆", actor=ADMIN)
    days = [x.day for x in afterschool.sessions(db, world, D(2026, 11, 1), D(2026, 11, 8))]
    assert days == [D(2026, 11, 2), D(2026, 11, 4)]
    assert afterschool.session_on(db, world, D(2026, 11, 3)) is None
    assert afterschool.session_on(db, world, D(2027, 1, 18)) is None  # after the term


def test_cancel_add_and_restore_a_session(db, world):
    afterschool.cancel_session(db, world, WED, "教师培训", actor=DESK_ACTOR)
    s = afterschool.session_on(db, world, WED)
    assert s.cancelled and s.reason == "教师培训"
    with pytest.raises(ValidationError) as err:
        afterschool.cancel_session(db, world, D(2026, 11, 3), "x", actor=ADMIN)  # a Tuesday: none
    assert "day" in err.value.fields
    with pytest.raises(ValidationError) as err:
        afterschool.cancel_session(db, world, TODAY, " ", actor=ADMIN)
    assert "reason" in err.value.fields
    afterschool.restore_session(db, world, WED, actor=ADMIN)
    assert not afterschool.session_on(db, world, WED).cancelled
    afterschool.add_session(db, world, D(2026, 11, 7), actor=ADMIN, start_time=dt.time(9), end_time=dt.time(11),
                            reason="补课")
    added = afterschool.session_on(db, world, D(2026, 11, 7))
    assert added.added and added.start_time == dt.time(9) and not added.cancelled
    with pytest.raises(ValidationError):
        afterschool.add_session(db, world, D(2026, 11, 7), actor=ADMIN)  # already one
    afterschool.cancel_session(db, world, D(2026, 11, 7), "下雨", actor=ADMIN)
    assert afterschool.session_on(db, world, D(2026, 11, 7)).cancelled
    afterschool.restore_session(db, world, D(2026, 11, 7), actor=ADMIN)
    assert afterschool.session_on(db, world, D(2026, 11, 7)).added
    afterschool.cancel_session(db, world, TODAY, "停电", actor=ADMIN)
    afterschool.add_session(db, world, TODAY, actor=ADMIN)  # a cancelled session: restored
    assert not afterschool.session_on(db, world, TODAY).cancelled
    assert [x.day for x in afterschool.sessions(db, world, D(2026, 11, 2), D(2026, 11, 8))] == [
        TODAY, WED, D(2026, 11, 6), D(2026, 11, 7)]


def test_a_session_outside_the_term_is_refused(db, world):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.add_session(db, world, D(2027, 2, 1), actor=ADMIN)
    assert "term" in str(err.value) or "学期" in str(err.value) or "2027" in err.value.fields["day"]
    assert snapshot(db) == before


def test_a_session_with_attendance_cannot_be_cancelled(db, world, people):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 20))
    with pytest.raises(ValidationError):
        afterschool.cancel_session(db, world, TODAY, "停电", actor=ADMIN)
    assert not afterschool.session_on(db, world, TODAY).cancelled


# -- children -----------------------------------------------------------------------------------------

def test_a_child_under_14_needs_a_guardians_consent(db, types, people):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.save_child(db, child_input(people, "小美", consent=None), actor=ADMIN, today=TODAY)
    assert "consent" in err.value.fields
    assert snapshot(db) == before  # nothing half-saved
    with pytest.raises(ValidationError) as err:
        afterschool.save_child(db, child_input(people, "小美", consent=ConsentInput("", None, "written",
                                                                                     D(2026, 10, 1))),
                               actor=ADMIN, today=TODAY)
    assert "consent" in err.value.fields
    assert snapshot(db) == before


def test_the_consent_is_recorded_with_the_profile(db, types, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=DESK_ACTOR, today=TODAY)
    consents = privacy.list_consents(db, people["小美"])
    assert [(c.purpose, c.given_by, c.given_by_resident_id) for c in consents] == [
        ("after_school", "李丽", people["李丽"])]
    assert privacy.has_consent(db, people["小美"], "after_school", TODAY)
    info = afterschool.get_child(db, people["小美"], actor=DESK_ACTOR, today=TODAY)
    assert info.consent_in_force and info.school == "实验小学" and info.grade_text == _("Grade 3")
    # A later save needs no new consent.
    afterschool.save_child(db, child_input(people, "小美", consent=None, school="二中附小"), actor=ADMIN,
                           today=TODAY)
    assert len(privacy.list_consents(db, people["小美"])) == 1


def test_a_child_of_14_needs_no_consent(db, types, people):
    afterschool.save_child(db, child_input(people, "小刚", consent=None, grade=8), actor=ADMIN, today=TODAY)
    assert privacy.list_consents(db, people["小刚"]) == []


def test_the_guardian_family_link_is_created(db, types, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    links = residents.get_resident(db, people["小美"]).links
    assert [(link.relative_id, link.relation) for link in links] == [(people["李丽"], "guardian")]
    assert [(link.relative_id, link.relation) for link in residents.get_resident(db, people["李丽"]).links] == [
        (people["小美"], "ward")]
    afterschool.save_child(db, child_input(people, "小美", consent=None), actor=ADMIN, today=TODAY)
    assert count(db, FamilyLink) == 2  # not twice


def test_a_guardian_must_be_in_the_registry_and_there_must_be_one(db, types, people):
    before = snapshot(db)
    for pickup in ([PickupInput(None, "王奶奶", "13700000007", "奶奶")],
                   [PickupInput(None, "王奶奶", "13700000007", "奶奶", guardian=True)]):
        with pytest.raises(ValidationError) as err:
            afterschool.save_child(db, child_input(people, "小美", pickup=pickup), actor=ADMIN, today=TODAY)
        assert "pickup" in err.value.fields
    assert snapshot(db) == before


@pytest.mark.parametrize("entry", [
    PickupInput(None, "王奶奶", "", "奶奶"),              # a name with no phone
    PickupInput(None, "王奶奶", "12345", "奶奶"),         # not a phone
    "张伟",                                              # a resident without a phone in the registry
])
def test_a_pickup_person_without_a_phone_is_refused(db, types, people, entry):
    if entry == "张伟":
        entry = PickupInput(people["张伟"], relation="舅舅")
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.save_child(db, child_input(people, "小美", pickup=[
            PickupInput(people["李丽"], relation="母亲", guardian=True), entry]), actor=ADMIN, today=TODAY)
    assert "pickup" in err.value.fields
    assert snapshot(db) == before


def test_pickup_entries_are_kept_updated_or_retired_never_deleted(db, types, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    first = afterschool.get_child(db, people["小美"], actor=ADMIN, today=TODAY).pickup
    mum, granny = first
    assert mum.phone == "13800000001" and mum.card_code and granny.card_code != mum.card_code
    afterschool.save_child(db, child_input(people, "小美", consent=None, pickup=[
        PickupInput(people["李丽"], relation="妈妈", guardian=True, id=mum.id),
        PickupInput(None, "赵叔叔", "13600000006", "邻居")]), actor=ADMIN, today=TODAY)
    now = afterschool.get_child(db, people["小美"], actor=ADMIN, today=TODAY).pickup
    assert [(p.name, p.relation) for p in now] == [("李丽", "妈妈"), ("赵叔叔", "邻居")]
    assert now[0].card_code == mum.card_code  # the same card
    assert count(db, PickupPerson) == 3  # 王奶奶 kept, inactive
    assert afterschool.find_pickup_card(db, "NDP:" + granny.card_code) is None
    assert afterschool.find_pickup_card(db, mum.card_code.lower()).name == "李丽"


def attendance_only(monkeypatch) -> Actor:
    """A role that may take attendance but not see phones or medical notes (none has that today)."""
    monkeypatch.setitem(access.PERMISSIONS, access.AFTERSCHOOL_ATTEND, frozenset({ADMINISTRATOR, DESK, GRID_WORKER}))
    return Actor("网格员", GRID_WORKER)


def test_phones_and_medical_notes_need_the_permissions(db, types, people, monkeypatch):
    afterschool.save_child(db, child_input(people, "小美", medical_notes="哮喘", allergies="花生"), actor=ADMIN,
                           today=TODAY)
    shown = afterschool.get_child(db, people["小美"], actor=attendance_only(monkeypatch), today=TODAY)
    assert shown.medical_notes is None and shown.pickup[0].phone == "138****0001"
    assert afterschool.get_child(db, people["小美"], actor=DESK_ACTOR, today=TODAY).medical_notes == "哮喘"
    # A save that leaves the notes None keeps them.
    afterschool.save_child(db, child_input(people, "小美", consent=None), actor=DESK_ACTOR, today=TODAY)
    assert afterschool.get_child(db, people["小美"], actor=ADMIN, today=TODAY).medical_notes == "哮喘"
    rows = audit.query(db, entity="afterschool_child", actor=ADMIN)
    assert rows and all("13800000001" not in str(r.changes) and "哮喘" not in str(r.changes) for r in rows)


def test_going_home_alone_needs_a_guardians_agreement(db, types, people):
    with pytest.raises(ValidationError) as err:
        afterschool.save_child(db, child_input(people, "小美", may_go_home_alone=True, alone_consent_by="王奶奶",
                                               alone_consent_on=TODAY), actor=ADMIN, today=TODAY)
    assert "alone_consent_by" in err.value.fields
    afterschool.save_child(db, child_input(people, "小美", may_go_home_alone=True, alone_consent_by="李丽",
                                           alone_consent_on=TODAY), actor=ADMIN, today=TODAY)
    assert afterschool.get_child(db, people["小美"], actor=ADMIN, today=TODAY).may_go_home_alone


# -- enrolment ----------------------------------------------------------------------------------------

def test_enrolment_needs_a_profile_and_is_not_made_twice(db, world, people):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY)
    assert "resident" in err.value.fields and ("profile" in str(err.value) or "资料" in str(err.value))
    with pytest.raises(ValidationError) as err:
        afterschool.enrol(db, world, people["小明"], actor=ADMIN, today=TODAY)
    assert "小明" in err.value.fields["resident"]
    assert snapshot(db) == before


def test_out_of_range_needs_a_reason(db, world, people):
    afterschool.update_class(db, world, class_input(afterschool.get_class(db, world).type_id, capacity=5),
                             actor=ADMIN)
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.enrol(db, world, people["小刚"], actor=DESK_ACTOR, today=TODAY)
    message = err.value.fields["out_of_range"]
    assert "小刚" in message and all(_(afterschool.GRADES[g]) in message for g in (1, 6, 8))
    assert snapshot(db) == before
    result = afterschool.enrol(db, world, people["小刚"], actor=DESK_ACTOR, today=TODAY,
                               out_of_range_reason="哥哥陪妹妹")
    assert result.status == ENROLLED
    row = next(r for r in afterschool.class_list(db, world, actor=ADMIN) if r.resident_id == people["小刚"])
    assert row.out_of_range_reason == "哥哥陪妹妹"


def test_a_full_class_puts_children_on_the_waiting_list_and_offers_freed_places(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    result = afterschool.enrol(db, world, people["小美"], actor=DESK_ACTOR, today=TODAY)
    assert (result.status, result.position) == (WAITING, 1)
    assert afterschool.get_class(db, world).waiting == 1
    assert [r.name for r in afterschool.waiting_list(db, world, actor=ADMIN)] == ["小美"]
    ming = next(r for r in afterschool.class_list(db, world, actor=ADMIN) if r.name == "小明")
    with pytest.raises(ValidationError):
        afterschool.withdraw(db, ming.id, " ", actor=DESK_ACTOR)
    offered = afterschool.withdraw(db, ming.id, "搬家", actor=DESK_ACTOR, on=TODAY)
    assert offered.name == "小美" and offered.status == OFFERED
    cls = afterschool.get_class(db, world)
    assert (cls.enrolled, cls.offered, cls.waiting) == (1, 1, 0)
    afterschool.confirm_offer(db, offered.id, actor=DESK_ACTOR, today=WED)
    assert [(r.name, r.status) for r in afterschool.class_list(db, world, actor=ADMIN)] == [("小红", ENROLLED),
                                                                              ("小美", ENROLLED)]
    left = afterschool.class_list(db, world, actor=ADMIN, include_left=True)
    assert [(r.name, r.status) for r in left][-1] == ("小明", WITHDRAWN)
    assert afterschool.get_child(db, people["小美"], actor=ADMIN).classes == [_("{name} ({status})").format(name="书法兴趣班", status=_("Enrolled"))]


def test_passing_an_offer_moves_it_to_the_next_child(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY)
    afterschool.enrol(db, world, people["小刚"], actor=ADMIN, today=TODAY, out_of_range_reason="家长要求")
    assert [(r.name, r.position) for r in afterschool.waiting_list(db, world, actor=ADMIN)] == [("小美", 1), ("小刚", 2)]
    ming = next(r for r in afterschool.class_list(db, world, actor=ADMIN) if r.name == "小明")
    offered = afterschool.withdraw(db, ming.id, "搬家", actor=ADMIN, on=TODAY)
    nxt = afterschool.pass_offer(db, offered.id, "时间不合适", actor=ADMIN)
    assert nxt.name == "小刚" and nxt.status == OFFERED
    with pytest.raises(ValidationError):
        afterschool.confirm_offer(db, offered.id, actor=ADMIN)  # passed: nothing to confirm
    statuses = {r.name: r.status for r in afterschool.class_list(db, world, actor=ADMIN, include_left=True)}
    assert statuses == {"小红": ENROLLED, "小刚": OFFERED, "小明": WITHDRAWN, "小美": PASSED}


def test_only_an_administrator_enrols_beyond_capacity(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        afterschool.enrol(db, world, people["小美"], actor=DESK_ACTOR, today=TODAY, over_capacity_reason="低保户")
    assert snapshot(db) == before
    result = afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY, over_capacity_reason="低保户")
    assert result.status == ENROLLED
    cls = afterschool.get_class(db, world)
    assert (cls.enrolled, cls.capacity, cls.free_places) == (3, 2, 0)


def test_the_term_must_not_be_over_and_the_class_active(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    with pytest.raises(ValidationError) as err:
        afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=D(2027, 2, 1))
    assert "class_id" in err.value.fields
    afterschool.set_class_active(db, world, False, actor=ADMIN)
    with pytest.raises(ValidationError):
        afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY)


_steps = st.lists(st.tuples(st.sampled_from(["enrol", "override", "withdraw", "confirm", "pass"]),
                            st.integers(0, 5)), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 3), steps=_steps)
def test_any_sequence_keeps_the_capacity_and_the_waiting_order(db, types, people, capacity, steps):
    # Each example gets its own class; the children's profiles are made once.
    kids = []
    for number in range(6):
        name = "孩子{}".format(number)
        with db.session() as s:
            found = s.scalar(select(Resident.id).where(Resident.name == name))
        rid = found if found is not None else residents.add_resident(db, ResidentInput(name=name, birth_date=D(2017, 1, 1)),
                                                            actor=ADMIN)
        if afterschool.get_child(db, rid, actor=ADMIN) is None:
            afterschool.save_child(db, ChildInput(rid, grade=3, pickup=[
                PickupInput(people["李丽"], relation="母亲", guardian=True)], consent=consent()),
                actor=ADMIN, today=TODAY)
        kids.append(rid)
    number = len(afterschool.list_classes(db, include_inactive=True))
    cid = afterschool.add_class(db, class_input(types[INTEREST], name="班{}".format(number), capacity=capacity),
                                actor=ADMIN)
    overrides = 0
    previous_waiting: list[int] = []
    for action, k in steps:
        rows = afterschool.class_list(db, cid, actor=ADMIN)
        try:
            if action in ("enrol", "override"):
                result = afterschool.enrol(db, cid, kids[k], actor=ADMIN, today=TODAY,
                                           over_capacity_reason="特批" if action == "override" else "")
                full = len([r for r in rows if r.status in (ENROLLED, OFFERED)]) >= capacity or any(
                    r.status == WAITING for r in rows)
                if action == "override" and full:
                    overrides += 1
                assert result.status == (ENROLLED if action == "override" or not full else WAITING)
            elif rows:
                row = rows[k % len(rows)]
                if action == "withdraw":
                    afterschool.withdraw(db, row.id, "退班", actor=ADMIN, on=TODAY)
                elif action == "confirm":
                    afterschool.confirm_offer(db, row.id, actor=ADMIN, today=TODAY)
                else:
                    afterschool.pass_offer(db, row.id, "放弃", actor=ADMIN)
        except ValidationError:
            pass  # refused (on the list already, nothing offered): nothing changes
        rows = afterschool.class_list(db, cid, actor=ADMIN)
        holding = [r for r in rows if r.status in (ENROLLED, OFFERED)]
        waiting = [r for r in rows if r.status == WAITING]
        assert len(holding) <= capacity + overrides
        if waiting:  # nobody waits while a place is free
            assert len(holding) >= capacity
        assert [r.position for r in waiting] == list(range(1, len(waiting) + 1))
        assert waiting == sorted(waiting, key=lambda r: (r.requested_at, r.id))
        # Stable: the children still waiting keep their order.
        ids = [r.id for r in waiting]
        assert [i for i in previous_waiting if i in ids] == [i for i in ids if i in previous_waiting]
        previous_waiting = ids


# -- attendance ---------------------------------------------------------------------------------------

def test_marking_attendance(db, world, people, monkeypatch):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 25))
    afterschool.mark(db, world, TODAY, people["小红"], LEAVE, actor=DESK_ACTOR, at=at(TODAY, 16, 25), reason="发烧")
    view = afterschool.session_view(db, world, TODAY, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    assert [(c.name, c.status, c.signed_in_at) for c in view.children] == [
        ("小红", LEAVE, None), ("小明", PRESENT, at(TODAY, 16, 25))]
    assert view.present == 1 and view.session.end_time == dt.time(18)
    assert view.children[1].pickup[0].phone == "13800000001" and view.children[1].allergies == ""
    hidden = afterschool.session_view(db, world, TODAY, actor=attendance_only(monkeypatch))
    assert hidden.children[1].pickup[0].phone == "138****0001" and hidden.children[1].allergies is None
    with pytest.raises(ValidationError) as err:
        afterschool.mark(db, world, TODAY, people["小红"], LEAVE, actor=DESK_ACTOR, at=at(TODAY, 16, 25))
    assert "reason" in err.value.fields
    # Marked present again keeps the first sign-in time.
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 17))
    assert afterschool.session_view(db, world, TODAY, actor=ADMIN).children[1].signed_in_at == at(TODAY, 16, 25)


@pytest.mark.parametrize("day, who, field", [
    (D(2026, 11, 3), "小明", "day"),       # no session on a Tuesday
    (D(2026, 11, 6), "小明", "day"),       # a day in the future
    (TODAY, "小刚", "resident"),           # not enrolled
])
def test_marking_is_refused_without_a_session_or_an_enrolment(db, world, people, day, who, field):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.mark(db, world, day, people[who], ABSENT, actor=DESK_ACTOR, at=at(WED, 16))
    assert field in err.value.fields
    assert snapshot(db) == before


def test_a_cancelled_session_takes_no_attendance(db, world, people):
    afterschool.cancel_session(db, world, TODAY, "停电", actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16))
    assert "书法兴趣班" in err.value.fields["day"]
    result = afterschool.scan(db, world, TODAY, people_card(db, people["小明"]), actor=DESK_ACTOR,
                              at=at(TODAY, 16))
    assert result.outcome == REFUSED


def people_card(db, resident_id) -> str:
    return "ND:" + residents.get_resident(db, resident_id).member_code


def test_mark_all_present_is_all_or_nothing(db, world, people):
    before = snapshot(db)
    with pytest.raises(ValidationError):
        afterschool.mark_all_present(db, world, TODAY, [people["小明"], people["小刚"]], actor=DESK_ACTOR,
                                     at=at(TODAY, 16, 30))
    assert snapshot(db) == before
    assert afterschool.mark_all_present(db, world, TODAY, [people["小明"], people["小红"]], actor=DESK_ACTOR,
                                        at=at(TODAY, 16, 30)) == 2
    assert afterschool.session_view(db, world, TODAY, actor=ADMIN).present == 2


def test_scanning_a_childs_card_signs_in_once(db, world, people):
    card = people_card(db, people["小明"])
    first = afterschool.scan(db, world, TODAY, card, actor=DESK_ACTOR, at=at(TODAY, 16, 20))
    assert first.outcome == SIGNED_IN and first.resident_ids == [people["小明"]]
    again = afterschool.scan(db, world, TODAY, card, actor=DESK_ACTOR, at=at(TODAY, 16, 20))
    assert again.outcome == IGNORED and "16:20" in again.message
    by_id = afterschool.scan(db, world, TODAY, id_number("35058120170601002"), actor=DESK_ACTOR,
                             at=at(TODAY, 16, 21))
    assert by_id.outcome == SIGNED_IN and by_id.resident_ids == [people["小红"]]
    before = snapshot(db)
    for text in (people_card(db, people["小刚"]), "ND:XXXXXXXX", "胡乱"):
        assert afterschool.scan(db, world, TODAY, text, actor=DESK_ACTOR, at=at(TODAY, 16, 22)).outcome == REFUSED
    assert snapshot(db) == before


def test_a_pickup_card_signs_out_the_adults_children(db, world, people):
    afterschool.mark_all_present(db, world, TODAY, [people["小明"], people["小红"]], actor=DESK_ACTOR,
                                 at=at(TODAY, 16, 30))
    result = afterschool.scan(db, world, TODAY, card_of(db, people, "小明"), actor=DESK_ACTOR, at=at(TODAY, 18, 5))
    assert result.outcome == SIGNED_OUT and sorted(result.resident_ids) == sorted([people["小明"], people["小红"]])
    view = afterschool.session_view(db, world, TODAY, actor=ADMIN)
    assert [(c.picked_up_by, c.late, c.waiting_to_go) for c in view.children] == [("李丽（母亲）", False, False)] * 2
    again = afterschool.scan(db, world, TODAY, card_of(db, people, "小明"), actor=DESK_ACTOR, at=at(TODAY, 18, 5))
    assert again.outcome == IGNORED
    later = afterschool.scan(db, world, TODAY, card_of(db, people, "小红", "王奶奶"), actor=DESK_ACTOR,
                             at=at(TODAY, 18, 30))
    assert later.outcome == REFUSED  # nobody left to collect


def other_class(db, types, name="围棋班", **changes) -> int:
    values = dict(name=name, end_time=dt.time(17, 30), capacity=5)
    values.update(changes)
    return afterschool.add_class(db, class_input(types[INTEREST], **values), actor=ADMIN)


def test_a_childs_card_signs_in_at_the_one_class_with_a_session_that_day(db, world, people, types):
    go = other_class(db, types)
    dance = other_class(db, types, name="舞蹈班", weekdays=frozenset({1, 3}))  # Tue/Thu: nothing on Monday
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    afterschool.enrol(db, go, people["小美"], actor=ADMIN, today=D(2026, 10, 1))
    # 书法兴趣班 chosen at the door; 小美 is only in 围棋班, which meets now.
    result = afterschool.scan(db, world, TODAY, people_card(db, people["小美"]), actor=DESK_ACTOR,
                              at=at(TODAY, 16, 25))
    assert (result.outcome, result.class_id, result.resident_ids) == (SIGNED_IN, go, [people["小美"]])
    assert "围棋班" in result.message and "16:25" in result.message
    assert afterschool.session_view(db, go, TODAY, actor=DESK_ACTOR).children[0].status == PRESENT
    again = afterschool.scan(db, world, TODAY, people_card(db, people["小美"]), actor=DESK_ACTOR,
                             at=at(TODAY, 16, 26))
    assert (again.outcome, again.class_id) == (IGNORED, go) and "围棋班" in again.message
    # The chosen class has no session today (the walk-through's case): 小明 goes to 书法兴趣班.
    mine = afterschool.scan(db, dance, TODAY, people_card(db, people["小明"]), actor=DESK_ACTOR,
                            at=at(TODAY, 16, 27))
    assert (mine.outcome, mine.class_id) == (SIGNED_IN, world) and "书法兴趣班" in mine.message
    # At its own class the message stays short and names no class.
    own = afterschool.scan(db, world, TODAY, people_card(db, people["小红"]), actor=DESK_ACTOR, at=at(TODAY, 16, 28))
    assert (own.outcome, own.class_id) == (SIGNED_IN, world) and "书法兴趣班" not in own.message


def test_a_childs_card_with_several_sessions_elsewhere_asks_for_the_class(db, world, people, types):
    go, chess = other_class(db, types), other_class(db, types, name="象棋班")
    dance = other_class(db, types, name="舞蹈班", weekdays=frozenset({1, 3}))
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    for cid in (go, chess):
        afterschool.enrol(db, cid, people["小美"], actor=ADMIN, today=D(2026, 10, 1))
    before = snapshot(db)
    result = afterschool.scan(db, dance, TODAY, people_card(db, people["小美"]), actor=DESK_ACTOR,
                              at=at(TODAY, 16, 25))
    assert result.outcome == REFUSED and "围棋班" in result.message and "象棋班" in result.message
    assert snapshot(db) == before
    # A cancelled session does not count: only 围棋班 is left.
    afterschool.cancel_session(db, chess, TODAY, "老师生病", actor=ADMIN)
    result = afterschool.scan(db, dance, TODAY, people_card(db, people["小美"]), actor=DESK_ACTOR,
                              at=at(TODAY, 16, 26))
    assert (result.outcome, result.class_id) == (SIGNED_IN, go)
    # Not enrolled anywhere with a session today: refused as before, nothing written.
    before = snapshot(db)
    refused = afterschool.scan(db, world, TODAY, people_card(db, people["小刚"]), actor=DESK_ACTOR,
                               at=at(TODAY, 16, 27))
    assert refused.outcome == REFUSED and snapshot(db) == before


def test_a_pickup_card_signs_out_the_adults_children_in_every_class(db, world, people, types):
    go = other_class(db, types)
    afterschool.enrol(db, go, people["小红"], actor=ADMIN, today=D(2026, 10, 1))
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    afterschool.mark(db, go, TODAY, people["小红"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    result = afterschool.scan(db, world, TODAY, card_of(db, people, "小明"), actor=DESK_ACTOR, at=at(TODAY, 17, 40))
    assert result.outcome == SIGNED_OUT and result.class_id == world
    assert result.resident_ids == [people["小明"], people["小红"]]  # the chosen class first
    assert "小明" in result.message and "小红" in result.message and "围棋班" in result.message
    assert "书法兴趣班" not in result.message  # the chosen class goes without saying
    shown = afterschool.session_view(db, go, TODAY, actor=ADMIN).children[0]
    assert (shown.name, shown.picked_up_by, shown.signed_out_at) == ("小红", "李丽（母亲）", at(TODAY, 17, 40))
    assert afterschool.scan(db, world, TODAY, card_of(db, people, "小明"), actor=DESK_ACTOR,
                            at=at(TODAY, 17, 40)).outcome == IGNORED
    assert afterschool.still_here(db, TODAY, actor=DESK_ACTOR, at=at(TODAY, 17, 41)) == []


def test_a_pickup_card_at_another_class_names_the_class(db, world, people, types):
    go = other_class(db, types)
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    result = afterschool.scan(db, go, TODAY, card_of(db, people, "小明", "王奶奶"), actor=DESK_ACTOR,
                              at=at(TODAY, 17, 40))
    assert (result.outcome, result.class_id, result.resident_ids) == (SIGNED_OUT, world, [people["小明"]])
    assert "书法兴趣班" in result.message and "王奶奶" in result.message


def test_signing_out_to_someone_on_the_list(db, world, people):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    granny = next(p for p in afterschool.pickup_cards(db, people["小明"]) if p.name == "王奶奶")
    other = next(p for p in afterschool.pickup_cards(db, people["小红"]) if p.name == "王奶奶")
    with pytest.raises(ValidationError) as err:
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18), pickup_id=other.id)
    assert "pickup" in err.value.fields  # 小红's entry, not 小明's
    with pytest.raises(ValidationError):
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18), alone=True)
    with pytest.raises(ValidationError):
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18))  # nobody
    result = afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18, 15),
                                  pickup_id=granny.id)
    assert (result.late, result.late_count, result.warning) == (False, 0, "")  # within the 15 minutes' grace
    with pytest.raises(ValidationError):
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18, 20),
                             pickup_id=granny.id)  # already out
    with pytest.raises(ValidationError):
        afterschool.mark(db, world, TODAY, people["小明"], ABSENT, actor=DESK_ACTOR, at=at(TODAY, 18, 20))
    afterschool.undo_sign_out(db, world, TODAY, people["小明"], "点错了", actor=DESK_ACTOR)
    assert afterschool.session_view(db, world, TODAY, actor=ADMIN).children[1].waiting_to_go


def test_a_child_never_signed_in_cannot_be_signed_out(db, world, people):
    granny = next(p for p in afterschool.pickup_cards(db, people["小明"]) if p.name == "王奶奶")
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18),
                             pickup_id=granny.id)
    assert "resident" in err.value.fields
    assert snapshot(db) == before


@pytest.mark.parametrize("missing", ["name", "phone", "relation", "reason"])
def test_an_unlisted_adult_needs_all_four(db, world, people, missing):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    details = dict(name="赵叔叔", phone="13600000006", relation="邻居", reason="打电话问过妈妈，同意")
    details[missing] = ""
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18),
                             unlisted=UnlistedPickup(**details))
    assert missing in err.value.fields
    assert snapshot(db) == before


def test_an_unlisted_pickup_is_audited_with_the_staff_member(db, world, people):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    afterschool.sign_out(db, world, TODAY, people["小明"], actor=DESK_ACTOR, at=at(TODAY, 18),
                         unlisted=UnlistedPickup("赵叔叔", "13600000006", "邻居", "打电话问过妈妈，同意"))
    view = afterschool.session_view(db, world, TODAY, actor=ADMIN).children[1]
    assert view.unlisted and view.picked_up_by == "赵叔叔（邻居）"
    rows = [r for r in audit.query(db, entity="afterschool_attendance", actor=ADMIN) if "赵叔叔" in str(r.changes)]
    assert len(rows) == 1 and rows[0].actor_name == "前台小林"
    assert "打电话问过妈妈" in str(rows[0].changes) and "13600000006" not in str(rows[0].changes)


def test_late_pickups_count_with_the_grace_and_warn_at_the_limit(db, world, people):
    afterschool.set_grace_minutes(db, 10, actor=ADMIN)
    afterschool.set_late_limit(db, 2, actor=ADMIN)
    results = []
    for day, (hh, mm) in ((D(2026, 10, 26), (18, 10)), (D(2026, 10, 28), (18, 11)), (D(2026, 10, 30), (18, 40))):
        afterschool.mark(db, world, day, people["小明"], PRESENT, actor=DESK_ACTOR, at=at(day, 16, 30))
        results.append(afterschool.sign_out(db, world, day, people["小明"], actor=DESK_ACTOR, at=at(day, hh, mm),
                                            pickup_id=afterschool.pickup_cards(db, people["小明"])[0].id))
    assert [(r.late, r.late_count) for r in results] == [(False, 0), (True, 1), (True, 2)]
    assert results[1].warning == "" and "小明" in results[2].warning and "2" in results[2].warning
    assert afterschool.session_view(db, world, TODAY, actor=ADMIN).children[1].late_count == 2


def test_going_home_alone_only_when_allowed(db, world, people):
    afterschool.save_child(db, child_input(people, "小红", consent=None, may_go_home_alone=True,
                                           alone_consent_by="李丽", alone_consent_on=D(2026, 9, 1)),
                           actor=ADMIN, today=TODAY)
    afterschool.mark(db, world, TODAY, people["小红"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    afterschool.sign_out(db, world, TODAY, people["小红"], actor=DESK_ACTOR, at=at(TODAY, 18), alone=True)
    child = afterschool.session_view(db, world, TODAY, actor=ADMIN).children[0]
    assert child.went_home_alone and child.picked_up_by == _("went home alone")


def test_the_end_of_day_list(db, world, people, types, monkeypatch):
    other = afterschool.add_class(db, class_input(types[INTEREST], name="围棋班", end_time=dt.time(17, 30),
                                                  capacity=5), actor=ADMIN)
    afterschool.enrol(db, other, people["小红"], actor=ADMIN, today=D(2026, 10, 1))
    afterschool.mark_all_present(db, world, TODAY, [people["小明"], people["小红"]], actor=DESK_ACTOR,
                                 at=at(TODAY, 16, 30))
    afterschool.mark(db, other, TODAY, people["小红"], PRESENT, actor=DESK_ACTOR, at=at(TODAY, 16, 30))
    granny = next(p for p in afterschool.pickup_cards(db, people["小红"]) if p.name == "王奶奶")
    afterschool.sign_out(db, world, TODAY, people["小红"], actor=DESK_ACTOR, at=at(TODAY, 18), pickup_id=granny.id)
    rows = afterschool.still_here(db, TODAY, actor=attendance_only(monkeypatch), at=at(TODAY, 17, 50))
    assert [(r.class_name, r.name, r.overdue) for r in rows] == [("围棋班", "小红", True), ("书法兴趣班", "小明", False)]
    assert [g.phone for g in rows[0].guardians] == ["138****0001"]  # guardians only, masked
    assert afterschool.badge(db, at(TODAY, 17, 50)) == afterschool.badge_label(2, 1)
    assert afterschool.badge(db, at(TODAY, 17, 50))[1] and not afterschool.badge(db, at(TODAY, 17, 40))[1]
    assert afterschool.badge(db, at(TODAY, 20)) == afterschool.badge_label(2, 2)
    assert afterschool.badge_label(0, 0) == (_("After-school"), False)
    assert afterschool.still_here(db, TODAY, actor=ADMIN, at=at(TODAY, 17, 50))[0].guardians[0].phone == "13800000001"


# -- figures, detail lines ----------------------------------------------------------------------------

def test_figures_on_a_hand_built_month(db, world, people, types):
    """November 2026: 书法兴趣班 meets Mon/Wed/Fri = 13 sessions; 11-06 is a holiday, 11-09 cancelled,
    11-14 (a Saturday) added: 12 held, 1 cancelled. A weekend class with no session in November."""
    calendar.set_holiday(db, D(2026, 11, 6), "校庆", actor=ADMIN)
    afterschool.cancel_session(db, world, D(2026, 11, 9), "停电", actor=ADMIN)
    afterschool.add_session(db, world, D(2026, 11, 14), actor=ADMIN)
    afterschool.add_class(db, class_input(types[WEEKEND], name="美术周末班", term_start=D(2026, 12, 5),
                                          weekdays=frozenset({5})), actor=ADMIN)
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY)  # waiting
    pickup = afterschool.pickup_cards(db, people["小明"])[0].id
    for day in (D(2026, 11, 2), D(2026, 11, 4), D(2026, 11, 11)):
        afterschool.mark_all_present(db, world, day, [people["小明"], people["小红"]], actor=DESK_ACTOR,
                                     at=at(day, 16, 30))
        afterschool.sign_out(db, world, day, people["小明"], actor=DESK_ACTOR, at=at(day, 18, 30), pickup_id=pickup)
    afterschool.sign_out(db, world, D(2026, 11, 4), people["小红"], actor=DESK_ACTOR, at=at(D(2026, 11, 4), 18),
                         unlisted=UnlistedPickup("赵叔叔", "13600000006", "邻居", "妈妈来电同意"))
    afterschool.mark(db, world, D(2026, 11, 13), people["小明"], ABSENT, actor=DESK_ACTOR, at=at(D(2026, 11, 13), 17))
    f = afterschool.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=D(2026, 12, 1))
    assert f.classes_by_type == {_(afterschool.DEFAULT_CLASS_TYPES[CARE]): 1}
    assert (f.children, f.person_times, f.sessions_held, f.sessions_cancelled) == (2, 6, 12, 1)
    assert (f.late_pickups, f.unlisted_pickups, f.waiting) == (3, 1, 1)
    assert [(x.day, x.child, x.collected_by, x.reason) for x in f.unlisted] == [
        (D(2026, 11, 4), "小红", "赵叔叔（邻居）", "妈妈来电同意")]
    # Half the month, as seen on 11-10: sessions up to that day only.
    half = afterschool.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=D(2026, 11, 10))
    assert (half.sessions_held, half.sessions_cancelled) == (2, 1)  # 11-02, 11-04; 11-09
    # October: the same two children enrolled since 10-01, no attendance.
    october = afterschool.figures(db, D(2026, 10, 1), D(2026, 10, 31), today=D(2026, 12, 1))
    assert (october.children, october.person_times, october.waiting) == (2, 0, 0)


def test_the_residents_detail_pane_line(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    afterschool.enrol(db, world, people["小美"], actor=ADMIN, today=TODAY)
    assert [x.heading for x in afterschool.resident_lines(db, people["小明"])] == [
        _("After-school: {classes}").format(classes=_("{name} ({status})").format(name="书法兴趣班", status=_("Enrolled")))]
    assert afterschool.resident_lines(db, people["小美"])[0].heading == _("After-school: {classes}").format(
        classes=_("{name} (waiting, No. {n})").format(name="书法兴趣班", n=1))
    assert afterschool.resident_lines(db, people["李丽"]) == []


# -- permissions --------------------------------------------------------------------------------------

A, DK, G, V = ADMINISTRATOR, DESK, GRID_WORKER, VIEWER
EXPECTED = {access.AFTERSCHOOL_CLASSES: {A, DK}, access.AFTERSCHOOL_ENROL: {A, DK},
            access.AFTERSCHOOL_ATTEND: {A, DK}, access.AFTERSCHOOL_OVERRIDE: {A},
            access.CHILD_CONTACTS_VIEW: {A, DK}, access.CHILD_MEDICAL_VIEW: {A, DK}}


def _pickup(db, p, child="小明"):
    return afterschool.pickup_cards(db, p[child])[0].id


# name -> (permission, call(db, actor, people, class id))
GUARDED = {
    "add_choice": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.add_choice(db, "午托班", actor=x)),
    "rename_choice": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.rename_choice(
        db, afterschool.list_choices(db)[0].id, "午托", actor=x)),
    "set_choice_active": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.set_choice_active(
        db, afterschool.list_choices(db)[1].id, False, actor=x)),
    "seed": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.seed(db, actor=x)),
    "set_grace_minutes": (access.AFTERSCHOOL_CLASSES,
                          lambda db, x, p, c: afterschool.set_grace_minutes(db, 5, actor=x)),
    "set_late_limit": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.set_late_limit(db, 4, actor=x)),
    "add_class": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.add_class(
        db, class_input(afterschool.list_choices(db)[0].id, name="围棋班"), actor=x)),
    "update_class": (access.AFTERSCHOOL_CLASSES, lambda db, x, p, c: afterschool.update_class(
        db, c, class_input(afterschool.list_choices(db)[0].id, capacity=3), actor=x)),
    "set_class_active": (access.AFTERSCHOOL_CLASSES,
                         lambda db, x, p, c: afterschool.set_class_active(db, c, False, actor=x)),
    "cancel_session": (access.AFTERSCHOOL_CLASSES,
                       lambda db, x, p, c: afterschool.cancel_session(db, c, D(2026, 11, 9), "停电", actor=x)),
    "add_session": (access.AFTERSCHOOL_CLASSES,
                    lambda db, x, p, c: afterschool.add_session(db, c, D(2026, 11, 7), actor=x)),
    "restore_session": (access.AFTERSCHOOL_CLASSES,
                        lambda db, x, p, c: afterschool.restore_session(db, c, D(2026, 11, 6), actor=x)),
    "save_child": (access.AFTERSCHOOL_ENROL, lambda db, x, p, c: afterschool.save_child(
        db, child_input(p, "小美"), actor=x, today=TODAY)),
    "enrol": (access.AFTERSCHOOL_ENROL, lambda db, x, p, c: afterschool.enrol(
        db, c, p["小刚"], actor=x, today=TODAY, out_of_range_reason="家长要求")),
    "withdraw": (access.AFTERSCHOOL_ENROL, lambda db, x, p, c: afterschool.withdraw(
        db, afterschool.class_list(db, c, actor=ADMIN)[0].id, "搬家", actor=x, on=TODAY)),
    "confirm_offer": (access.AFTERSCHOOL_ENROL, lambda db, x, p, c: afterschool.confirm_offer(
        db, afterschool.waiting_list(db, c, actor=ADMIN)[0].id, actor=x)),  # refused as not offered, after the permission
    "pass_offer": (access.AFTERSCHOOL_ENROL, lambda db, x, p, c: afterschool.pass_offer(
        db, afterschool.waiting_list(db, c, actor=ADMIN)[0].id, "", actor=x)),
    "mark": (access.AFTERSCHOOL_ATTEND, lambda db, x, p, c: afterschool.mark(
        db, c, TODAY, p["小红"], ABSENT, actor=x, at=at(TODAY, 17))),
    "mark_all_present": (access.AFTERSCHOOL_ATTEND, lambda db, x, p, c: afterschool.mark_all_present(
        db, c, TODAY, [p["小红"]], actor=x, at=at(TODAY, 17))),
    "scan": (access.AFTERSCHOOL_ATTEND, lambda db, x, p, c: afterschool.scan(
        db, c, TODAY, people_card(db, p["小红"]), actor=x, at=at(TODAY, 17))),
    "sign_out": (access.AFTERSCHOOL_ATTEND, lambda db, x, p, c: afterschool.sign_out(
        db, c, TODAY, p["小明"], actor=x, at=at(TODAY, 18), pickup_id=_pickup(db, p))),
    "undo_sign_out": (access.AFTERSCHOOL_ATTEND, lambda db, x, p, c: afterschool.undo_sign_out(
        db, c, WED, p["小明"], "点错", actor=x)),
}


def test_the_new_permissions_are_the_ones_agreed():
    for permission, roles in EXPECTED.items():
        assert set(access.PERMISSIONS[permission]) == roles
        assert permission in access.PERMISSION_LABELS
    assert {p for p in access.PERMISSIONS if p.startswith("afterschool.")} == {
        p for p in EXPECTED if p.startswith("afterschool.")}
    assert {g[0] for g in GUARDED.values()} == {p for p in EXPECTED if p.startswith("afterschool.")} - {
        access.AFTERSCHOOL_OVERRIDE}


@pytest.mark.parametrize("role", [A, DK, G, V])
@pytest.mark.parametrize("name", sorted(GUARDED))
def test_each_afterschool_write_works_or_is_refused_by_role(db, world, people, role, name):
    permission, call = GUARDED[name]
    afterschool.cancel_session(db, world, D(2026, 11, 6), "校庆", actor=ADMIN)
    afterschool.enrol(db, world, people["小刚"], actor=ADMIN, today=TODAY, out_of_range_reason="家长要求")  # waiting
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=ADMIN, at=at(TODAY, 16, 30))
    afterschool.mark(db, world, WED, people["小明"], PRESENT, actor=ADMIN, at=at(WED, 16, 30))
    afterschool.sign_out(db, world, WED, people["小明"], actor=ADMIN, at=at(WED, 18), pickup_id=_pickup(db, people))
    actor = Actor("某人", role)
    if role in EXPECTED[permission]:
        try:
            call(db, actor, people, world)
        except ValidationError:
            assert name in ("confirm_offer", "pass_offer", "enrol")  # the rule after the permission
        return
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        call(db, actor, people, world)
    assert snapshot(db) == before


# name -> call(db, actor, people, class id): the reading functions that return children
READERS = {
    "session_view": lambda db, x, p, c: afterschool.session_view(db, c, TODAY, actor=x),
    "still_here": lambda db, x, p, c: afterschool.still_here(db, TODAY, actor=x, at=at(TODAY, 18)),
    "get_child": lambda db, x, p, c: afterschool.get_child(db, p["小明"], actor=x, today=TODAY),
    "class_list": lambda db, x, p, c: afterschool.class_list(db, c, actor=x),
    "waiting_list": lambda db, x, p, c: afterschool.waiting_list(db, c, actor=x),
}


@pytest.mark.parametrize("role", [A, DK, G, V])
@pytest.mark.parametrize("name", sorted(READERS))
def test_only_staff_read_the_children(db, world, people, role, name):
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=ADMIN, at=at(TODAY, 16, 30))
    actor = Actor("某人", role)
    assert afterschool.may_see_children(actor=actor) == (role in (A, DK))
    if role in (A, DK):
        assert READERS[name](db, actor, people, world) is not None
        return
    with pytest.raises(PermissionDenied):
        READERS[name](db, actor, people, world)
    with pytest.raises(PermissionDenied):
        READERS[name](db, None, people, world)


def test_counts_stay_open_to_every_role(db, world, people):
    """list_classes, get_class, figures, badge and resident_lines take no actor: counts and names of classes."""
    afterschool.mark(db, world, TODAY, people["小明"], PRESENT, actor=ADMIN, at=at(TODAY, 16, 30))
    assert afterschool.get_class(db, world).enrolled == 2 and len(afterschool.list_classes(db)) == 1
    assert afterschool.badge(db, at(TODAY, 18)) == afterschool.badge_label(1, 0)
    assert afterschool.figures(db, TODAY, TODAY, today=TODAY).person_times == 1
    # The residents' pane (every role sees it): class names and status only, no pick-up adult.
    lines = afterschool.resident_lines(db, people["小明"])
    assert [x.heading for x in lines] == [_("After-school: {classes}").format(
        classes=_("{name} ({status})").format(name="书法兴趣班", status=_("Enrolled")))]
    assert all("李丽" not in str(x) and "王奶奶" not in str(x) for x in lines)


def test_reading_functions_take_the_actor_keyword_only():
    for name in READERS:
        param = inspect.signature(getattr(afterschool, name)).parameters["actor"]
        assert param.kind is param.KEYWORD_ONLY and param.default is param.empty, name


def test_the_override_permission(db, world, people):
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=TODAY)
    for role in (DK, G, V):
        with pytest.raises(PermissionDenied):
            afterschool.enrol(db, world, people["小美"], actor=Actor("某人", role), today=TODAY,
                              over_capacity_reason="特批")
    assert afterschool.enrol(db, world, people["小美"], actor=Actor("某人", A), today=TODAY,
                             over_capacity_reason="特批").status == ENROLLED


def test_actor_is_keyword_only_in_every_writing_function():
    for name in GUARDED:
        param = inspect.signature(getattr(afterschool, name)).parameters["actor"]
        assert param.kind is param.KEYWORD_ONLY and param.default is param.empty, name
