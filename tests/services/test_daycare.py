"""Eldercare day-care: enrolment, the one-scan desk, the board, paper sheets, meals, bills, figures."""
import datetime as dt
import inspect

import pytest
from sqlalchemy import event, func, select

from app.errors import NotFoundError, ValidationError
from app.models import Attendance, AuditLog, Meal
from app.services import access, audit, calendar, daycare, privacy, residents
from app.services.access import ADMINISTRATOR, DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.daycare import (AttendanceFix, Contact, PaperRow, PriceInput, ProfileInput)
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN

D = dt.date
T = dt.datetime
MONDAY = D(2026, 11, 2)
DESK_ACTOR = Actor("前台小林", DESK)


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return T(day.year, day.month, day.day, hh, mm, ss)


def audit_rows(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(AuditLog.id)))


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(model.id)))


@pytest.fixture
def lists(db):
    daycare.seed(db, actor=ADMIN)
    diets = {c.name: c.id for c in daycare.list_choices(db, daycare.DIETS)}
    cats = {c.name: c.id for c in daycare.list_choices(db, daycare.SUBSIDIES)}
    return diets, cats


@pytest.fixture
def people(db, lists):
    """Four residents: 陈阿婆 (standard, card), 林阿公 (80+, soft diet, peanut allergy, ID number),
    王奶奶 (low income, Mon/Wed only), 黄伯 (not enrolled); 陈阿婆's son 陈建国 is in the registry."""
    diets, cats = lists
    ids = {}
    for name, first17, phone in (("陈阿婆", "35058119400101002", "13800000001"),
                                 ("林阿公", "35058119380203001", "13800000002"),
                                 ("王奶奶", "35058119450304002", ""),
                                 ("黄伯", "35058119500405001", ""),
                                 ("陈建国", "35058119700506001", "13900000009")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, id_number=id_number(first17), phone=phone),
                                           actor=ADMIN)
    enrolled_on = D(2026, 10, 1)
    daycare.enrol(db, ProfileInput(ids["陈阿婆"], enrolled_on, daycare.SELF_CARE, diets["普食"],
                                   subsidy_category_id=cats["标准"],
                                   emergency_contacts=[Contact(ids["陈建国"], relation="儿子")],
                                   pickups=[Contact(ids["陈建国"], relation="儿子"),
                                            Contact(None, "陈小梅", "13700000007", "女儿")]),
                  actor=ADMIN, today=enrolled_on)
    daycare.enrol(db, ProfileInput(ids["林阿公"], enrolled_on, daycare.PARTIAL, diets["软食"], allergies="花生",
                                   subsidy_category_id=cats["80岁以上"], may_leave_alone=True),
                  actor=ADMIN, today=enrolled_on)
    daycare.enrol(db, ProfileInput(ids["王奶奶"], enrolled_on, daycare.DEPENDENT, diets["低盐"],
                                   subsidy_category_id=cats["低保/困难"], weekdays=frozenset({0, 2})),
                  actor=ADMIN, today=enrolled_on)
    return ids


def card(db, resident_id) -> str:
    return "ND:" + residents.get_resident(db, resident_id).member_code


# -- seed and lists -------------------------------------------------------------------------------

def test_the_seed_adds_the_default_lists_once_in_chinese(db):
    assert daycare.seed(db, actor=ADMIN) == 8
    assert [c.name for c in daycare.list_choices(db, daycare.DIETS)] == ["普食", "软食", "流食", "低糖", "低盐"]
    assert [c.special for c in daycare.list_choices(db, daycare.DIETS)] == [False, True, True, True, True]
    assert [c.name for c in daycare.list_choices(db, daycare.SUBSIDIES)] == ["标准", "80岁以上", "低保/困难"]
    assert daycare.seed(db, actor=ADMIN) == 0


def test_the_diets_are_an_editable_list(db, lists):
    diets, _cats = lists
    new = daycare.add_choice(db, daycare.DIETS, " 糖尿病餐 ", actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        daycare.add_choice(db, daycare.DIETS, "软食", actor=ADMIN)
    assert "name" in err.value.fields
    daycare.rename_choice(db, daycare.DIETS, new, "糖尿病饮食", actor=ADMIN, special=True)
    daycare.set_choice_active(db, daycare.DIETS, diets["流食"], False, actor=ADMIN)
    assert [c.name for c in daycare.list_choices(db, daycare.DIETS)] == ["普食", "软食", "低糖", "低盐", "糖尿病饮食"]
    assert len(daycare.list_choices(db, daycare.DIETS, include_inactive=True)) == 6


# -- enrolment ------------------------------------------------------------------------------------

def test_an_enrolment_is_audited_and_reads_back(db, people):
    p = daycare.get_profile(db, people["陈阿婆"], actor=ADMIN, today=MONDAY)
    assert (p.name, p.care_level, p.diet, p.subsidy_category, p.status) == ("陈阿婆", "self_care", "普食", "标准", "active")
    assert p.weekdays == frozenset(range(5)) and p.enrolled_on == D(2026, 10, 1)
    assert p.pickups == [Contact(people["陈建国"], "陈建国", "13900000009", "儿子"),
                         Contact(None, "陈小梅", "13700000007", "女儿")]
    assert p.emergency_contacts[0].name == "陈建国"
    rows = audit.query(db, entity="daycare_profile", entity_id=p.id, actor=ADMIN)
    assert len(rows) == 1 and rows[0].action == "create" and rows[0].summary == "陈阿婆"
    assert "13700000007" not in str(rows[0].changes)  # no phones in the trail
    assert daycare.get_profile(db, people["黄伯"], actor=ADMIN) is None


@pytest.mark.parametrize("changes, field", [
    (dict(resident_id=None), "resident_id"),
    (dict(care_level="bedridden"), "care_level"),
    (dict(weekdays=frozenset({7})), "weekdays"),
    (dict(pickups=[Contact(None, "某人", "", "邻居")]), "pickups"),
    (dict(emergency_contacts=[Contact(None, "某人", "123", "邻居")]), "emergency_contacts"),
])
def test_bad_enrolments_are_refused_naming_the_field(db, people, changes, field):
    values = dict(resident_id=people["黄伯"], care_level=daycare.SELF_CARE)
    values.update(changes)
    before = audit_rows(db)
    with pytest.raises(ValidationError) as err:
        daycare.enrol(db, ProfileInput(**values), actor=ADMIN)
    assert field in err.value.fields
    assert audit_rows(db) == before


def test_one_enrolment_at_a_time_and_a_new_one_after_leaving(db, people):
    with pytest.raises(ValidationError) as err:
        daycare.enrol(db, ProfileInput(people["陈阿婆"]), actor=ADMIN)
    assert err.value.fields == {"resident_id": "陈阿婆已经参加日间照料。"}
    daycare.leave(db, people["陈阿婆"], D(2026, 11, 10), "搬去女儿家", actor=ADMIN, today=D(2026, 11, 12))
    with pytest.raises(ValidationError) as err:
        daycare.enrol(db, ProfileInput(people["陈阿婆"], D(2026, 11, 10)), actor=ADMIN)
    assert "enrolled_on" in err.value.fields
    again = daycare.enrol(db, ProfileInput(people["陈阿婆"], D(2026, 11, 20)), actor=ADMIN, today=D(2026, 11, 20))
    assert daycare.get_profile(db, people["陈阿婆"], actor=ADMIN, today=D(2026, 11, 20)).id == again


def test_pause_resume_and_leave(db, people):
    rid = people["林阿公"]
    with pytest.raises(ValidationError) as err:
        daycare.pause(db, rid, D(2026, 11, 10), D(2026, 11, 5), actor=ADMIN)
    assert "paused_to" in err.value.fields
    daycare.pause(db, rid, D(2026, 11, 3), None, "住院", actor=ADMIN)
    assert daycare.get_profile(db, rid, actor=ADMIN, today=D(2026, 11, 2)).status == "active"
    assert daycare.get_profile(db, rid, actor=ADMIN, today=D(2026, 11, 20)).status == "paused"
    daycare.resume(db, rid, D(2026, 11, 16), actor=ADMIN)
    p = daycare.get_profile(db, rid, actor=ADMIN, today=D(2026, 11, 16))
    assert (p.status, p.paused_from, p.paused_to) == ("active", D(2026, 11, 3), D(2026, 11, 15))
    with pytest.raises(ValidationError):
        daycare.resume(db, rid, D(2026, 11, 20), actor=ADMIN)  # not paused then
    with pytest.raises(ValidationError) as err:
        daycare.leave(db, rid, D(2026, 11, 20), "", actor=ADMIN, today=D(2026, 11, 30))
    assert "left_reason" in err.value.fields
    with pytest.raises(ValidationError) as err:
        daycare.leave(db, rid, D(2026, 12, 20), "去世", actor=ADMIN, today=D(2026, 11, 30))
    assert "left_on" in err.value.fields
    daycare.leave(db, rid, D(2026, 11, 20), "入住养老院", actor=ADMIN, today=D(2026, 11, 30))
    p = daycare.get_profile(db, rid, actor=ADMIN, today=D(2026, 11, 30))
    assert (p.status, p.left_on, p.left_reason) == ("left", D(2026, 11, 20), "入住养老院")
    with pytest.raises(NotFoundError):
        daycare.pause(db, rid, D(2026, 11, 25), actor=ADMIN)
    actions = [r.changes for r in audit.query(db, entity="daycare_profile", entity_id=p.id, actor=ADMIN)]
    assert len(actions) == 4  # enrol, pause, resume, leave
    assert [e.status for e in daycare.list_elders(db, today=D(2026, 11, 30))] == ["active", "left", "active"]
    assert [e.name for e in daycare.list_elders(db, status="left", today=D(2026, 11, 30))] == ["林阿公"]


def test_health_notes_need_the_permission_and_a_consent(db, people):
    rid = people["林阿公"]
    data = ProfileInput(rid, D(2026, 10, 1), daycare.PARTIAL, allergies="花生", health_notes="高血压，每日服药")
    with pytest.raises(ValidationError) as err:
        daycare.update_profile(db, rid, data, actor=ADMIN)
    assert "health_notes" in err.value.fields
    assert daycare.get_profile(db, rid, actor=ADMIN).health_locked
    consent = privacy.record_consent(db, rid, "health_notes", "林阿公", "written", D(2026, 11, 1), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        daycare.update_profile(db, rid, data, actor=Actor("网格员", GRID_WORKER))
    daycare.update_profile(db, rid, data, actor=DESK_ACTOR)
    shown = daycare.get_profile(db, rid, actor=DESK_ACTOR)
    assert shown.health_notes == "高血压，每日服药" and not shown.health_locked
    for role in (GRID_WORKER, VIEWER):
        hidden = daycare.get_profile(db, rid, actor=Actor("某人", role))
        assert hidden.health_notes is None and hidden.health_hidden
    # A form from someone who may not see the notes sends None: they stay as they are.
    daycare.update_profile(db, rid, ProfileInput(rid, D(2026, 10, 1), daycare.DEPENDENT), actor=DESK_ACTOR)
    assert daycare.get_profile(db, rid, actor=ADMIN).health_notes == "高血压，每日服药"
    privacy.withdraw_consent(db, consent, actor=ADMIN)
    locked = daycare.get_profile(db, rid, actor=ADMIN)
    assert locked.health_notes is None and locked.health_locked
    trail = audit.query(db, entity="daycare_profile", actor=ADMIN)
    assert all("高血压" not in str(r.changes) for r in trail)  # masked in the trail


# -- the desk -------------------------------------------------------------------------------------

def test_the_scan_cycle_by_card_and_id_number(db, people):
    rid = people["陈阿婆"]
    first = daycare.scan(db, card(db, rid), at=at(MONDAY, 8, 5), actor=DESK_ACTOR)
    assert (first.outcome, first.resident_id, first.message) == ("checked_in", rid, "陈阿婆 08:05 签到。")
    rows = audit_rows(db)
    again = daycare.scan(db, card(db, rid).lower(), at=at(MONDAY, 8, 5, 40), actor=DESK_ACTOR)
    assert again.outcome == "ignored" and not again.written and audit_rows(db) == rows
    # The ID number, typed full-width, as an ID-card reader in keyboard mode may send it.
    full_width = id_number("35058119400101002").translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    out = daycare.scan(db, full_width, at=at(MONDAY, 16, 30), actor=DESK_ACTOR)
    assert out.outcome == "checking_out" and not out.written and audit_rows(db) == rows
    assert [c.name for c in out.pickups] == ["陈建国", "陈小梅"] and not out.may_leave_alone
    with pytest.raises(ValidationError) as err:
        daycare.check_out(db, rid, Contact.alone(), at=at(MONDAY, 16, 31), actor=DESK_ACTOR)
    assert "taken_home_by" in err.value.fields
    with pytest.raises(ValidationError) as err:
        daycare.check_out(db, rid, Contact(None, "邻居张姐", "", ""), at=at(MONDAY, 16, 31), actor=DESK_ACTOR)
    assert set(err.value.fields) == {"phone", "relation"}
    done = daycare.check_out(db, rid, out.pickups[1], at=at(MONDAY, 16, 31), actor=DESK_ACTOR)
    assert done.outcome == "checked_out" and done.message == "陈阿婆 16:31 由 陈小梅 (女儿) 接回家。"
    day = daycare.attendance(db, MONDAY)
    assert [(a.name, a.checked_in_at, a.checked_out_at, a.taken_home_by.name, a.from_paper) for a in day] == \
        [("陈阿婆", at(MONDAY, 8, 5), at(MONDAY, 16, 31), "陈小梅", False)]
    assert daycare.scan(db, card(db, rid), at=at(MONDAY, 16, 31, 30), actor=DESK_ACTOR).outcome == "ignored"
    late = daycare.scan(db, rid, at=at(MONDAY, 17, 0), actor=DESK_ACTOR)  # chosen from the search
    assert late.outcome == "refused" and "已经回家" in late.message
    # Lunch was served by the check-in.
    lunch = daycare.day_meals(db, MONDAY, daycare.LUNCH)
    assert [(r.name, r.reserved, r.served, r.stored) for r in lunch.rows if r.resident_id == rid] == \
        [("陈阿婆", True, True, True)]


def test_a_registry_relative_or_anyone_named_may_take_an_elder_home(db, people):
    a, b = people["陈阿婆"], people["林阿公"]
    daycare.scan(db, a, at=at(MONDAY, 8), actor=DESK_ACTOR)
    daycare.scan(db, b, at=at(MONDAY, 8, 1), actor=DESK_ACTOR)
    son = daycare.check_out(db, a, Contact(people["陈建国"]), at=at(MONDAY, 15), actor=DESK_ACTOR)
    assert son.attendance.taken_home_by == Contact(people["陈建国"], "陈建国", "", "儿子")
    alone = daycare.check_out(db, b, Contact.alone(), at=at(MONDAY, 15, 30), actor=DESK_ACTOR)
    assert alone.message == "林阿公 15:30 自行回家。"
    tuesday = MONDAY + dt.timedelta(days=1)
    daycare.scan(db, a, at=at(tuesday, 8), actor=DESK_ACTOR)
    other = daycare.check_out(db, a, Contact(None, "张秀英", "138 0000 1234", "邻居"), at=at(tuesday, 15),
                              actor=DESK_ACTOR)
    assert other.attendance.taken_home_by == Contact(None, "张秀英", "13800001234", "邻居")
    rows = audit.query(db, entity="daycare_attendance", entity_id=other.attendance.id, actor=ADMIN)
    assert "13800001234" not in str([r.changes for r in rows])


def test_unknown_paused_left_and_not_enrolled_are_refused_with_nothing_recorded(db, people):
    daycare.pause(db, people["林阿公"], D(2026, 11, 1), D(2026, 11, 30), "住院", actor=ADMIN)
    daycare.leave(db, people["王奶奶"], D(2026, 10, 30), "搬家", actor=ADMIN, today=D(2026, 11, 1))
    before = (audit_rows(db), count(db, Attendance), count(db, Meal))
    cases = [("ND:ZZZZZZZZ", "查无此卡"), (id_number("11010119900307001"), "查无此卡"), ("随便输入", "查无此卡"),
             (card(db, people["林阿公"]), "暂停"), (card(db, people["王奶奶"]), "离开"),
             (card(db, people["黄伯"]), "没有参加"), (people["黄伯"], "没有参加")]
    for text, words in cases:
        result = daycare.scan(db, text, at=at(MONDAY, 8), actor=DESK_ACTOR)
        assert result.outcome == "refused" and words in result.message, (text, result.message)
    nobody = daycare.check_out(db, people["陈阿婆"], Contact(people["陈建国"]), at=at(MONDAY, 9), actor=DESK_ACTOR)
    assert nobody.outcome == "refused" and "没有签到" in nobody.message
    assert (audit_rows(db), count(db, Attendance), count(db, Meal)) == before


def test_a_correction_needs_a_reason_and_is_audited(db, people):
    rid = people["陈阿婆"]
    daycare.scan(db, rid, at=at(MONDAY, 8), actor=DESK_ACTOR)
    record = daycare.attendance(db, MONDAY)[0]
    fix = AttendanceFix(at(MONDAY, 7, 50), at(MONDAY, 15, 0), Contact(None, "陈小梅"))
    with pytest.raises(ValidationError) as err:
        daycare.correct_attendance(db, record.id, fix, "  ", actor=DESK_ACTOR)
    assert set(err.value.fields) == {"reason"}
    with pytest.raises(ValidationError) as err:
        daycare.correct_attendance(db, record.id, AttendanceFix(at(MONDAY, 9), at(MONDAY, 8)), "补录", actor=DESK_ACTOR)
    assert "checked_out_at" in err.value.fields
    fixed = daycare.correct_attendance(db, record.id, fix, "忘记签退，家属电话确认", actor=DESK_ACTOR)
    assert (fixed.checked_in_at, fixed.checked_out_at, fixed.corrected) == (at(MONDAY, 7, 50), at(MONDAY, 15), True)
    assert fixed.taken_home_by.name == "陈小梅" and fixed.taken_home_by.relation == "女儿"  # from the list
    row = audit.query(db, entity="daycare_attendance", entity_id=record.id, actor=ADMIN)[0]
    assert row.action == "update" and "忘记签退" in row.summary
    assert row.changes["checked_in_at"] == ["08:00", "07:50"] and row.changes["reason"][1] == "忘记签退，家属电话确认"


def test_a_paper_sheet_is_entered_all_or_nothing(db, people):
    day = D(2026, 11, 4)  # a Wednesday
    bad = [PaperRow(people["陈阿婆"], dt.time(8, 10), dt.time(16, 0), True, "陈建国"),
           PaperRow(people["黄伯"], dt.time(8, 20), None, True),          # not enrolled
           PaperRow(people["林阿公"], None, dt.time(15, 0))]              # out without in
    before = (audit_rows(db), count(db, Attendance), count(db, Meal))
    with pytest.raises(ValidationError) as err:
        daycare.enter_from_paper(db, day, bad, actor=DESK_ACTOR, today=D(2026, 11, 5))
    assert set(err.value.fields) == {"row 1", "row 2"} and "黄伯" in err.value.fields["row 1"]
    assert (audit_rows(db), count(db, Attendance), count(db, Meal)) == before
    with pytest.raises(ValidationError) as err:
        daycare.enter_from_paper(db, D(2026, 11, 6), bad[:1], actor=DESK_ACTOR, today=D(2026, 11, 5))
    assert "day" in err.value.fields
    good = [bad[0], PaperRow(people["林阿公"], dt.time(8, 30), dt.time(15, 0), False),
            PaperRow(people["王奶奶"], None, None, True)]  # stayed home, lunch only
    assert daycare.enter_from_paper(db, day, good, actor=DESK_ACTOR, today=D(2026, 11, 5)) == 2
    rows = daycare.attendance(db, day)
    assert [(r.name, r.from_paper, r.checked_in_at.time()) for r in rows] == \
        [("陈阿婆", True, dt.time(8, 10)), ("林阿公", True, dt.time(8, 30))]
    assert rows[0].taken_home_by.name == "陈建国"
    lunch = {r.name: r.served for r in daycare.day_meals(db, day, daycare.LUNCH).rows}
    assert lunch == {"陈阿婆": True, "林阿公": False, "王奶奶": True}
    with pytest.raises(ValidationError):  # the same day again: already recorded
        daycare.enter_from_paper(db, day, good[:1], actor=DESK_ACTOR, today=D(2026, 11, 5))


def test_the_board_in_gone_expected_and_still_here(db, people):
    a, b, c = people["陈阿婆"], people["林阿公"], people["王奶奶"]
    daycare.scan(db, a, at=at(MONDAY, 8), actor=DESK_ACTOR)
    daycare.scan(db, b, at=at(MONDAY, 8, 10), actor=DESK_ACTOR)
    daycare.check_out(db, b, Contact.alone(), at=at(MONDAY, 11), actor=DESK_ACTOR)
    noon = daycare.board(db, at(MONDAY, 12))
    assert [r.name for r in noon.in_now] == ["陈阿婆"]
    assert [(r.name, r.taken_home_by) for r in noon.gone_home] == [("林阿公", "自行回家")]
    assert [r.name for r in noon.expected] == ["王奶奶"] and noon.still_here == []
    early = daycare.board(db, at(MONDAY, 8, 5))  # as it was before 林阿公 came
    assert [r.name for r in early.in_now] == ["陈阿婆"] and [r.name for r in early.expected] == ["林阿公", "王奶奶"]
    evening = daycare.board(db, at(MONDAY, 17, 30))
    assert [r.name for r in evening.still_here] == ["陈阿婆"]
    assert set(daycare.expected_ids(db, MONDAY + dt.timedelta(days=1))) == {a, b}  # 王奶奶 comes Mon and Wed
    calendar.set_holiday(db, D(2026, 11, 9), "测试假日", actor=ADMIN)
    assert daycare.expected_ids(db, D(2026, 11, 9)) == []
    daycare.pause(db, c, D(2026, 11, 16), D(2026, 11, 16), actor=ADMIN)
    assert c not in daycare.expected_ids(db, D(2026, 11, 16))


def test_the_board_says_who_took_each_elder_home_and_the_latest_care_level(db, people):
    a, b = people["陈阿婆"], people["林阿公"]
    daycare.leave(db, a, D(2026, 11, 10), "搬去女儿家", actor=ADMIN, today=D(2026, 11, 12))
    assert a not in daycare.expected_ids(db, D(2026, 11, 10))  # still enrolled on the last day, not expected
    daycare.enrol(db, ProfileInput(a, D(2026, 11, 20), daycare.DEPENDENT, weekdays=frozenset(range(7)),
                                   pickups=[Contact(people["陈建国"], relation="儿子")]),
                  actor=ADMIN, today=D(2026, 11, 20))
    monday = D(2026, 11, 23)
    daycare.scan(db, a, at=at(monday, 8), actor=DESK_ACTOR)
    daycare.scan(db, b, at=at(monday, 8, 5), actor=DESK_ACTOR)
    daycare.check_out(db, a, Contact(people["陈建国"]), at=at(monday, 15), actor=DESK_ACTOR)
    daycare.check_out(db, b, Contact(None, "张秀英", "13800001234", "邻居"), at=at(monday, 15, 10), actor=DESK_ACTOR)
    statements = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        shown = daycare.board(db, at(monday, 16))
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert [(r.name, r.care_level, r.taken_home_by) for r in shown.gone_home] == \
        [("陈阿婆", daycare.DEPENDENT, "陈建国 (儿子)"), ("林阿公", daycare.PARTIAL, "张秀英 (邻居)")]
    assert len(statements) <= 5  # a handful of plain selects, however many elders are enrolled


# -- meals, prices and bills ----------------------------------------------------------------------

NOV_16 = D(2026, 11, 16)


def prices(db, cats):
    lunch, dinner = daycare.LUNCH, daycare.DINNER
    for cat, subsidy_before, subsidy_after in (("标准", 0, 0), ("80岁以上", 500, 600), ("低保/困难", 1000, 1000)):
        daycare.set_price(db, PriceInput(lunch, cats[cat], D(2026, 11, 1), 1500, subsidy_before), actor=ADMIN)
        daycare.set_price(db, PriceInput(lunch, cats[cat], NOV_16, 1600, subsidy_after), actor=ADMIN)
    daycare.set_price(db, PriceInput(dinner, cats["标准"], D(2026, 11, 1), 1200, 0), actor=ADMIN)


def days(first: dt.date, n: int):
    return [first + dt.timedelta(days=i) for i in range(n)]


@pytest.fixture
def month(db, people, lists):
    """November 2026: 陈阿婆 lunches 2–6 and 16–20 (checked in), dinners 3 and 17; 林阿公 lunches 2–6
    and 16–18, the 18th delivered home; 12 walk-ins at lunch on the 2nd."""
    _diets, cats = lists
    prices(db, cats)
    a, b = people["陈阿婆"], people["林阿公"]
    for day in days(MONDAY, 5) + days(NOV_16, 5):
        daycare.scan(db, a, at=at(day, 8), actor=DESK_ACTOR)
    for day in (D(2026, 11, 3), D(2026, 11, 17)):
        daycare.set_meal(db, a, day, daycare.DINNER, reserved=True, served=True, actor=DESK_ACTOR)
    for day in days(MONDAY, 5) + days(NOV_16, 2):
        daycare.set_meal(db, b, day, daycare.LUNCH, served=True, actor=DESK_ACTOR)
    daycare.set_meal(db, b, D(2026, 11, 18), daycare.LUNCH, delivery=True, served=True, actor=DESK_ACTOR)
    daycare.set_walk_ins(db, MONDAY, daycare.LUNCH, 12, actor=DESK_ACTOR)
    return cats


def test_bills_on_a_hand_built_month_with_a_price_change(db, people, month):
    bills = {b.name: b for b in daycare.meal_bills(db, D(2026, 11, 1))}
    assert set(bills) == {"陈阿婆", "林阿公"}
    chen = bills["陈阿婆"]
    assert [(x.meal, x.count, x.unit_price_fen, x.unit_subsidy_fen) for x in chen.lines] == \
        [("lunch", 5, 1500, 0), ("lunch", 5, 1600, 0), ("dinner", 2, 1200, 0)]
    assert (chen.meals, chen.amount_fen, chen.subsidy_fen, chen.due_fen) == (12, 17900, 0, 17900)
    lin = bills["林阿公"]
    assert [(x.count, x.unit_price_fen, x.unit_subsidy_fen, x.due_fen) for x in lin.lines] == \
        [(5, 1500, 500, 5000), (3, 1600, 600, 3000)]
    assert (lin.meals, lin.amount_fen, lin.subsidy_fen, lin.due_fen, lin.subsidy_category) == \
        (8, 12300, 4300, 8000, "80岁以上")
    assert daycare.meal_bills(db, D(2026, 11, 30), resident_id=people["林阿公"])[0].due_fen == 8000
    summary = daycare.month_summary(db, D(2026, 11, 5))
    assert [(x.subsidy_category, x.meal, x.meals, x.delivered, x.elders, x.amount_fen, x.subsidy_fen, x.due_fen)
            for x in summary.lines] == [("标准", "lunch", 10, 0, 1, 15500, 0, 15500),
                                        ("标准", "dinner", 2, 0, 1, 2400, 0, 2400),
                                        ("80岁以上", "lunch", 8, 1, 1, 12300, 4300, 8000)]
    assert (summary.meals, summary.subsidy_fen, summary.due_fen, summary.walk_ins) == \
        (20, 4300, 25900, {"lunch": 12, "dinner": 0})


def test_a_price_change_never_rewrites_past_bills(db, people, month):
    before = [b.due_fen for b in daycare.meal_bills(db, D(2026, 11, 1))]
    with pytest.raises(ValidationError) as err:
        daycare.set_price(db, PriceInput(daycare.LUNCH, month["标准"], D(2026, 11, 5), 2000), actor=ADMIN)
    assert "valid_from" in err.value.fields
    daycare.set_price(db, PriceInput(daycare.LUNCH, month["标准"], D(2026, 11, 21), 2000), actor=ADMIN)
    assert [b.due_fen for b in daycare.meal_bills(db, D(2026, 11, 1))] == before
    # A later change of category leaves the meals already served where they were.
    daycare.update_profile(db, people["陈阿婆"], ProfileInput(subsidy_category_id=month["低保/困难"],
                                                             diet_id=None), actor=ADMIN)
    assert [b.due_fen for b in daycare.meal_bills(db, D(2026, 11, 1))] == before


@pytest.mark.parametrize("price, subsidy, field", [(None, 0, "price_fen"), (-100, 0, "price_fen"),
                                                    (1500, -1, "subsidy_fen"), (1500, 1600, "subsidy_fen")])
def test_bad_prices_are_refused(db, lists, price, subsidy, field):
    _diets, cats = lists
    before = audit_rows(db)
    with pytest.raises(ValidationError) as err:
        daycare.set_price(db, PriceInput(daycare.LUNCH, cats["标准"], D(2026, 11, 1), price, subsidy), actor=ADMIN)
    assert field in err.value.fields and audit_rows(db) == before
    assert daycare.list_prices(db) == []


def test_a_bill_without_a_price_is_refused(db, people, month):
    with pytest.raises(ValidationError) as err:
        daycare.meal_bills(db, D(2026, 10, 1))
    assert "month" in err.value.fields and "2026-10" in err.value.fields["month"]
    daycare.set_meal(db, people["林阿公"], D(2026, 11, 20), daycare.DINNER, served=True, actor=DESK_ACTOR)
    with pytest.raises(ValidationError) as err:  # no dinner price for the 80+ category
        daycare.meal_bills(db, D(2026, 11, 1))
    assert "晚餐" in err.value.fields["month"]


def test_a_meal_outside_the_enrolment_is_refused(db, people, lists):
    before = audit_rows(db)
    for rid, day in ((people["黄伯"], MONDAY), (people["陈阿婆"], D(2026, 9, 30))):
        with pytest.raises(ValidationError) as err:
            daycare.set_meal(db, rid, day, daycare.LUNCH, served=True, actor=DESK_ACTOR)
        assert "day" in err.value.fields
    with pytest.raises(ValidationError):
        daycare.set_meal(db, people["陈阿婆"], MONDAY, "breakfast", served=True, actor=DESK_ACTOR)
    with pytest.raises(ValidationError):
        daycare.set_walk_ins(db, MONDAY, daycare.LUNCH, -1, actor=DESK_ACTOR)
    assert audit_rows(db) == before


def test_reservations_default_from_the_usual_days_and_can_change(db, people):
    tuesday = MONDAY + dt.timedelta(days=1)
    lunch = {r.name: (r.reserved, r.stored) for r in daycare.day_meals(db, tuesday, daycare.LUNCH).rows}
    assert lunch == {"陈阿婆": (True, False), "林阿公": (True, False), "王奶奶": (False, False)}
    assert not any(r.reserved for r in daycare.day_meals(db, tuesday, daycare.DINNER).rows)
    daycare.set_meal(db, people["陈阿婆"], tuesday, daycare.LUNCH, reserved=False, actor=DESK_ACTOR)
    daycare.set_meal(db, people["王奶奶"], tuesday, daycare.LUNCH, reserved=True, delivery=True, actor=DESK_ACTOR)
    lunch = {r.name: (r.reserved, r.delivery) for r in daycare.day_meals(db, tuesday, daycare.LUNCH).rows}
    assert lunch == {"陈阿婆": (False, False), "林阿公": (True, False), "王奶奶": (True, True)}
    # A cancelled lunch is not served by the check-in.
    daycare.scan(db, people["陈阿婆"], at=at(tuesday, 8), actor=DESK_ACTOR)
    assert not next(r for r in daycare.day_meals(db, tuesday, daycare.LUNCH).rows if r.name == "陈阿婆").served


def test_the_kitchen_order_counts_by_diet_and_names_only_special_needs(db, people):
    tuesday = MONDAY + dt.timedelta(days=1)
    daycare.set_meal(db, people["王奶奶"], tuesday, daycare.LUNCH, reserved=True, delivery=True, actor=DESK_ACTOR)
    daycare.set_meal(db, people["陈阿婆"], tuesday, daycare.DINNER, reserved=True, actor=DESK_ACTOR)
    order = daycare.kitchen_order(db, tuesday)
    assert [(x.meal, x.diet, x.count, x.delivery) for x in order.lines] == \
        [("lunch", "普食", 1, 0), ("lunch", "软食", 1, 0), ("lunch", "低盐", 1, 1), ("dinner", "普食", 1, 0)]
    assert [(n.meal, n.name, n.diet, n.allergies, n.delivery) for n in order.notes] == \
        [("lunch", "林阿公", "软食", "花生", False), ("lunch", "王奶奶", "低盐", "", True)]


# -- figures --------------------------------------------------------------------------------------

def test_figures_on_a_known_set(db, people, month):
    daycare.enrol(db, ProfileInput(people["黄伯"], D(2026, 11, 10)), actor=ADMIN, today=D(2026, 11, 10))
    daycare.leave(db, people["王奶奶"], D(2026, 11, 25), "搬家", actor=ADMIN, today=D(2026, 11, 30))
    daycare.scan(db, people["林阿公"], at=at(MONDAY, 9), actor=DESK_ACTOR)
    f = daycare.figures(db, D(2026, 11, 1), D(2026, 11, 30))
    assert (f.enrolled, f.new, f.left) == (3, 1, 1)
    assert (f.person_days, f.distinct_elders) == (11, 2)
    assert f.meals_served == {"lunch": 18, "dinner": 2} and f.delivered == 1
    assert f.walk_ins == {"lunch": 12, "dinner": 0} and f.subsidy_paid_fen == 4300
    first_half = daycare.figures(db, D(2026, 11, 1), D(2026, 11, 15))
    assert (first_half.person_days, first_half.meals_served, first_half.subsidy_paid_fen) == \
        (6, {"lunch": 10, "dinner": 1}, 2500)
    assert first_half.enrolled == 4 and first_half.left == 0


# -- permissions ----------------------------------------------------------------------------------

A, DK, G, V = ADMINISTRATOR, DESK, GRID_WORKER, VIEWER
EXPECTED = {access.DAYCARE_ENROL: {A, DK}, access.DAYCARE_ATTEND: {A, DK}, access.DAYCARE_PRICES: {A}}

# name -> (permission, call(db, actor, people, cats))
GUARDED = {
    "enrol": (access.DAYCARE_ENROL, lambda db, x, p, c: daycare.enrol(db, ProfileInput(p["黄伯"]), actor=x)),
    "update_profile": (access.DAYCARE_ENROL, lambda db, x, p, c: daycare.update_profile(
        db, p["陈阿婆"], ProfileInput(care_level=daycare.PARTIAL), actor=x)),
    "pause": (access.DAYCARE_ENROL, lambda db, x, p, c: daycare.pause(db, p["陈阿婆"], MONDAY, actor=x)),
    "resume": (access.DAYCARE_ENROL, lambda db, x, p, c: daycare.resume(db, p["王奶奶"], MONDAY, actor=x)),
    "leave": (access.DAYCARE_ENROL,
              lambda db, x, p, c: daycare.leave(db, p["陈阿婆"], MONDAY, "搬家", actor=x, today=MONDAY)),
    "scan": (access.DAYCARE_ATTEND, lambda db, x, p, c: daycare.scan(db, p["陈阿婆"], at=at(MONDAY, 8), actor=x)),
    "check_out": (access.DAYCARE_ATTEND, lambda db, x, p, c: daycare.check_out(
        db, p["林阿公"], Contact.alone(), at=at(MONDAY, 15), actor=x)),
    "correct_attendance": (access.DAYCARE_ATTEND, lambda db, x, p, c: daycare.correct_attendance(
        db, daycare.attendance(db, MONDAY)[0].id, AttendanceFix(at(MONDAY, 7)), "补正", actor=x)),
    "enter_from_paper": (access.DAYCARE_ATTEND, lambda db, x, p, c: daycare.enter_from_paper(
        db, D(2026, 11, 3), [PaperRow(p["陈阿婆"], dt.time(8))], actor=x, today=D(2026, 11, 4))),
    "set_meal": (access.DAYCARE_ATTEND,
                 lambda db, x, p, c: daycare.set_meal(db, p["陈阿婆"], MONDAY, "dinner", reserved=True, actor=x)),
    "set_walk_ins": (access.DAYCARE_ATTEND, lambda db, x, p, c: daycare.set_walk_ins(db, MONDAY, "lunch", 3, actor=x)),
    "set_price": (access.DAYCARE_PRICES, lambda db, x, p, c: daycare.set_price(
        db, PriceInput("lunch", c["标准"], D(2026, 12, 1), 1500), actor=x)),
    "add_choice": (access.DAYCARE_PRICES, lambda db, x, p, c: daycare.add_choice(db, daycare.DIETS, "半流食", actor=x)),
    "rename_choice": (access.DAYCARE_PRICES,
                      lambda db, x, p, c: daycare.rename_choice(db, daycare.SUBSIDIES, c["标准"], "普通", actor=x)),
    "set_choice_active": (access.DAYCARE_PRICES, lambda db, x, p, c: daycare.set_choice_active(
        db, daycare.SUBSIDIES, c["标准"], False, actor=x)),
    "seed": (access.DAYCARE_PRICES, lambda db, x, p, c: daycare.seed(db, actor=x)),
}


def test_the_new_permissions_are_the_ones_agreed():
    for permission, roles in EXPECTED.items():
        assert set(access.PERMISSIONS[permission]) == roles
        assert permission in access.PERMISSION_LABELS
    assert {p for p in access.PERMISSIONS if p.startswith("daycare.")} == set(EXPECTED)
    assert {g[0] for g in GUARDED.values()} == set(EXPECTED)


@pytest.mark.parametrize("role", [A, DK, G, V])
@pytest.mark.parametrize("name", sorted(GUARDED))
def test_each_daycare_write_works_or_is_refused_by_role(db, people, lists, role, name):
    permission, call = GUARDED[name]
    _diets, cats = lists
    daycare.pause(db, people["王奶奶"], D(2026, 10, 20), actor=ADMIN)
    daycare.scan(db, people["林阿公"], at=at(MONDAY, 8), actor=ADMIN)
    actor = Actor("某人", role)
    if role in EXPECTED[permission]:
        call(db, actor, people, cats)
        return
    before = audit_rows(db)
    with pytest.raises(PermissionDenied):
        call(db, actor, people, cats)
    assert audit_rows(db) == before


def test_actor_is_keyword_only_in_every_writing_function():
    for name in GUARDED:
        param = inspect.signature(getattr(daycare, name)).parameters["actor"]
        assert param.kind is param.KEYWORD_ONLY and param.default is param.empty, name


def test_every_write_is_in_the_audit_trail_in_words(db, people, month):
    entries = audit.query(db, actor=ADMIN)
    kinds = {e.entity for e in entries}
    assert {"daycare_profile", "daycare_attendance", "daycare_meal", "meal_price", "diet",
            "subsidy_category"} <= kinds
    for e in entries:
        assert e.entity_label and e.changes_text is not None
    assert any("15.00" in e.changes_text and "标准" in e.changes_text for e in entries if e.entity == "meal_price")


def test_the_enrolment_date_cannot_move_past_days_already_recorded(db, people):
    rid = people["陈阿婆"]
    daycare.scan(db, rid, at=at(MONDAY, 8), actor=DESK_ACTOR)
    with pytest.raises(ValidationError) as err:
        daycare.update_profile(db, rid, ProfileInput(enrolled_on=D(2026, 11, 3)), actor=ADMIN)
    assert "enrolled_on" in err.value.fields
    daycare.update_profile(db, rid, ProfileInput(enrolled_on=D(2026, 9, 1)), actor=ADMIN)
    assert daycare.get_profile(db, rid, actor=ADMIN).enrolled_on == D(2026, 9, 1)


def test_the_residents_detail_pane_line(db, people):
    daycare.scan(db, people["陈阿婆"], at=at(MONDAY, 8), actor=DESK_ACTOR)
    lines = daycare.resident_lines(db, people["陈阿婆"], today=D(2026, 11, 5))
    assert [line.heading for line in lines] == ["日间照料：在托，2026年10月1日入托；本月来了 1 天"]
    assert daycare.resident_lines(db, people["黄伯"]) == []
