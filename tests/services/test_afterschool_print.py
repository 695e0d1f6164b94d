"""After-school forms printed from a class built through the service (app/services/afterschool_print.py),
and on the command line: `print class-roster|session-sheet|class-month|pickup-cards`."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.cli import main
from app.db import open_database, sqlite_url
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.services import afterschool, afterschool_print, audit, centre, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.afterschool import ChildInput, ClassInput, ConsentInput, PickupInput
from app.services.residents import ResidentInput
from app.services.validators import check_char, mask_id_number
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text

D = dt.date
TERM_START = D(2026, 9, 1)
DESK_ACTOR = Actor("前台小林", DESK)
NO_CONTACTS = Actor("前台小陈", DESK)  # the desk, but made unable to see phones below
CLASS_NAME = "四点半课堂（一班）"


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


@pytest.fixture
def school(db):
    """莲坂村's 四点半课堂（一班）: Monday to Friday 16:30–18:00 from 1 September 2026, two places.
    张小明 (8, collected by his mother 王芳, his father 张建国 or the neighbour 李阿姨) and 欧阳娜娜 (10,
    her mother 欧阳丽; may go home alone) are enrolled; 陈小宝 waits for a place."""
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"),
                       actor=ADMIN)
    afterschool.seed(db, actor=ADMIN)
    type_id = afterschool.list_choices(db)[0].id
    ids = {}
    for name, gender, first17, phone in (
            ("王芳", "F", "35058119880101002", "13800000001"), ("张建国", "M", "35058119870202001", "13900000002"),
            ("欧阳丽", "F", "35058119900303002", "13600000004"), ("陈大海", "M", "35058119850404001", "13500000005"),
            ("张小明", "M", "35058120180305001", ""), ("欧阳娜娜", "F", "35058120160601002", ""),
            ("陈小宝", "M", "35058120170707001", "")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, gender=gender, id_number=id_number(first17),
                                                             phone=phone, estate="莲坂新村"), actor=ADMIN)
    class_id = afterschool.add_class(db, ClassInput(
        name=CLASS_NAME, type_id=type_id, term_start=TERM_START, term_end=D(2027, 1, 15),
        weekdays=frozenset(range(5)), start_time=dt.time(16, 30), end_time=dt.time(18, 0), room="二楼活动室",
        capacity=2, age_min=6, age_max=12, grade_min=1, grade_max=6), actor=ADMIN)
    consent = ConsentInput(given_by="家长", method="written", given_on=D(2026, 8, 30))
    children = (
        ("张小明", "莲坂小学", 2, [PickupInput(relative_id=ids["王芳"], relation="母亲", guardian=True),
                               PickupInput(relative_id=ids["张建国"], relation="父亲", guardian=True),
                               PickupInput(name="李阿姨", phone="13700000003", relation="邻居")], False),
        ("欧阳娜娜", "祥芝中心小学", 4, [PickupInput(relative_id=ids["欧阳丽"], relation="母亲", guardian=True)], True),
        ("陈小宝", "莲坂小学", 3, [PickupInput(relative_id=ids["陈大海"], relation="父亲", guardian=True)], False),
    )
    for name, school_name, grade, pickup, alone in children:
        afterschool.save_child(db, ChildInput(
            resident_id=ids[name], school=school_name, grade=grade, pickup=pickup, may_go_home_alone=alone,
            alone_consent_by="欧阳丽" if alone else "", alone_consent_on=D(2026, 8, 30) if alone else None,
            consent=consent), actor=ADMIN, today=D(2026, 8, 31))
        afterschool.enrol(db, class_id, ids[name], actor=ADMIN, today=TERM_START)
    ids["class"] = class_id
    return ids


def test_the_roster_lists_the_enrolled_children_with_masked_ids_and_guardians(db, school):
    pdf = afterschool_print.class_roster_pdf(db, school["class"], actor=DESK_ACTOR)
    text = flat(pdf)
    assert CLASS_NAME in text and "二楼活动室" in text and "2026年9月1日" in text and "16:30–18:00" in text
    ming = mask_id_number(id_number("35058120180305001"))
    nana = mask_id_number(id_number("35058120160601002"))
    assert ming.startswith("350581********")
    # In pinyin order: 欧阳娜娜 (ou), 张小明 (zhang); the child waiting is not on the roster.
    assert "1欧阳娜娜女10祥芝中心小学" in text and f"{nana}欧阳丽（母亲）13600000004是" in text
    assert "2张小明男8莲坂小学" in text
    assert f"{ming}王芳（母亲）13800000001张建国（父亲）13900000002否" in text
    assert "李阿姨" not in text  # not a guardian
    assert "陈小宝" not in text
    assert "20180305" not in text and pdf.missing_glyphs == 0


def test_the_roster_hides_the_phones_from_a_reader_who_may_not_see_them(db, school, monkeypatch):
    from app.services import access

    real = access.may
    monkeypatch.setattr(access, "may", lambda actor, permission: (
        False if permission == access.CHILD_CONTACTS_VIEW else real(actor, permission)))
    text = flat(afterschool_print.class_roster_pdf(db, school["class"], actor=NO_CONTACTS))
    assert "王芳（母亲）张建国（父亲）否" in text
    assert "13800000001" not in text and "138****0001" not in text and "1360000" not in text


def _allergic(db, school) -> None:
    from app.models import ChildProfile

    with db.session() as s:
        s.scalars(select(ChildProfile).where(ChildProfile.resident_id == school["张小明"])).one().allergies = \
            "鸡蛋 / 虾蟹"


def _no_medical(monkeypatch) -> None:
    from app.services import access

    real = access.may
    monkeypatch.setattr(access, "may", lambda actor, permission: (
        False if permission == access.CHILD_MEDICAL_VIEW else real(actor, permission)))


def test_the_roster_and_the_sheet_print_allergies_for_a_reader_who_may_see_them(db, school):
    _allergic(db, school)
    ming = mask_id_number(id_number("35058120180305001"))
    roster = afterschool_print.class_roster_pdf(db, school["class"], actor=DESK_ACTOR)
    text = flat(roster)
    assert _("Allergies") in text and f"{ming}王芳（母亲）13800000001张建国（父亲）13900000002鸡蛋/虾蟹否" in text
    assert "13600000004是" in text  # 欧阳娜娜: none recorded, an empty cell
    assert "病史" not in text and roster.missing_glyphs == 0
    sheet = afterschool_print.session_sheet_pdf(db, school["class"], D(2026, 11, 25), actor=DESK_ACTOR)
    text = flat(sheet)
    assert _("Allergies") in text and "2张小明鸡蛋/虾蟹王芳（母亲）" in text and sheet.missing_glyphs == 0


def test_the_roster_and_the_sheet_leave_allergies_out_without_the_permission(db, school, monkeypatch):
    _allergic(db, school)
    _no_medical(monkeypatch)
    note = "".join(_("Allergies are left out: this reader may not see children's medical notes.").split())
    for pdf in (afterschool_print.class_roster_pdf(db, school["class"], actor=NO_CONTACTS),
                afterschool_print.session_sheet_pdf(db, school["class"], D(2026, 11, 25), actor=NO_CONTACTS)):
        text = flat(pdf)
        assert "鸡蛋" not in text and "虾蟹" not in text and note in text
        assert "张小明" in text


def test_pick_up_cards_one_per_adult_with_the_card_code_and_an_audit_row(db, school):
    rows = afterschool.get_child(db, school["张小明"], actor=ADMIN).pickup
    pdf = afterschool_print.pickup_cards_pdf(db, school["张小明"], actor=DESK_ACTOR)
    text = flat(pdf)
    assert text.count("张小明") == 3 and "王芳" in text and "张建国" in text and "李阿姨" in text
    for row in rows:
        assert row.card_code and row.card_code in text
    assert "1380000" not in text and "1370000" not in text
    printed = audit.query(db, actor=ADMIN, entity="resident", entity_id=school["张小明"], action="print")
    assert [e.actor_name for e in printed] == ["前台小林"] and "张小明" in printed[0].summary


def test_a_child_without_a_profile_has_no_cards(db, school):
    with pytest.raises(NotFoundError):
        afterschool_print.pickup_cards_pdf(db, school["王芳"], actor=DESK_ACTOR)
    with pytest.raises(NotFoundError):
        afterschool_print.pickup_cards_pdf(db, 999999, actor=DESK_ACTOR)


def test_the_session_sheet_refuses_a_day_without_a_session(db, school):
    with pytest.raises(ValidationError) as err:
        afterschool_print.session_sheet_pdf(db, school["class"], D(2026, 11, 28), actor=DESK_ACTOR)  # Saturday
    assert CLASS_NAME in str(err.value)


def test_the_session_sheet_lists_the_children_and_who_may_collect_them(db, school):
    pdf = afterschool_print.session_sheet_pdf(db, school["class"], D(2026, 11, 25), actor=DESK_ACTOR)
    text = flat(pdf)
    assert CLASS_NAME in text and "2026年11月25日星期三" in text and "16:30–18:00" in text
    assert "1欧阳娜娜欧阳丽（母亲）、" in text
    assert "2张小明王芳（母亲）、张建国（父亲）、李阿姨（邻居）" in text
    assert "陈小宝" not in text  # waiting, not enrolled
    assert "1380000" not in text and "1370000" not in text and "1360000" not in text
    assert pdf.missing_glyphs == 0


@pytest.fixture
def november(db, school):
    """November 2026: the session of the 11th cancelled (停电); 张小明 present on the 2nd (his mother),
    3rd (his father, late) and 4th (his uncle, not on the list), on leave on the 5th; 欧阳娜娜 present
    on the 2nd (home alone), absent on the 3rd."""
    from app.services.afterschool import ABSENT, LEAVE, PRESENT, UnlistedPickup

    cid, ming, nana = school["class"], school["张小明"], school["欧阳娜娜"]
    afterschool.cancel_session(db, cid, D(2026, 11, 11), "停电", actor=ADMIN)
    adults = {p.name: p.id for p in afterschool.get_child(db, ming, actor=ADMIN).pickup}
    for day in (D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 4)):
        afterschool.mark(db, cid, day, ming, PRESENT, actor=DESK_ACTOR, at=at(day, 16, 25))
    afterschool.sign_out(db, cid, D(2026, 11, 2), ming, actor=DESK_ACTOR, at=at(D(2026, 11, 2), 17, 55),
                         pickup_id=adults["王芳"])
    late = afterschool.sign_out(db, cid, D(2026, 11, 3), ming, actor=DESK_ACTOR, at=at(D(2026, 11, 3), 18, 40),
                                pickup_id=adults["张建国"])
    assert late.late
    afterschool.sign_out(db, cid, D(2026, 11, 4), ming, actor=DESK_ACTOR, at=at(D(2026, 11, 4), 18, 0),
                         unlisted=UnlistedPickup("王小舅", "13300000006", "舅舅", "电话联系了母亲，同意"))
    afterschool.mark(db, cid, D(2026, 11, 5), ming, LEAVE, actor=DESK_ACTOR, at=at(D(2026, 11, 5), 16),
                     reason="感冒")
    afterschool.mark(db, cid, D(2026, 11, 2), nana, PRESENT, actor=DESK_ACTOR, at=at(D(2026, 11, 2), 16, 20))
    afterschool.sign_out(db, cid, D(2026, 11, 2), nana, actor=DESK_ACTOR, at=at(D(2026, 11, 2), 18, 0), alone=True)
    afterschool.mark(db, cid, D(2026, 11, 3), nana, ABSENT, actor=DESK_ACTOR, at=at(D(2026, 11, 3), 17))
    return school


def test_the_month_summary_ticks_and_counts(db, november):
    pdf = afterschool_print.class_month_pdf(db, november["class"], D(2026, 11, 17), actor=DESK_ACTOR)
    text = flat(pdf)
    leave, absent = _("Lv"), _("Ab")  # 假, 缺
    assert CLASS_NAME in text and "2026年11月" in text
    # 20 sessions: the weekdays of November but the 11th (cancelled).
    assert "2周一3周二4周三5周四6周五9周一10周二12周四" in text and "11周三" not in text
    #                   2 3  present leave absent late unlisted
    assert f"1欧阳娜娜✓{absent}10100" in text
    #                 2 3 4 5
    assert f"2张小明✓✓✓{leave}31011" in text
    #       per session: 2nd 2, 3rd 1, 4th 1, then 0s; then the column totals
    assert "合计2110" + "0" * 16 + "41111" in text
    assert "2026年11月11日停电" in text
    assert "陈小宝" not in text and "王小舅" not in text and pdf.missing_glyphs == 0


def test_a_child_who_left_still_counts_in_the_month_they_came(db, november):
    from app.services.afterschool import ENROLLED

    enrolment = next(e for e in afterschool.class_list(db, november["class"], actor=ADMIN)
                     if e.resident_id == november["张小明"] and e.status == ENROLLED)
    afterschool.withdraw(db, enrolment.id, "搬家", actor=ADMIN, on=D(2026, 11, 20))
    text = flat(afterschool_print.class_month_pdf(db, november["class"], D(2026, 11, 1), actor=DESK_ACTOR))
    assert "张小明✓✓✓" in text
    text = flat(afterschool_print.class_month_pdf(db, november["class"], D(2026, 12, 1), actor=DESK_ACTOR))
    assert "张小明" not in text


@pytest.mark.parametrize("actor", [Actor("网格员", GRID_WORKER), Actor("访客", VIEWER)])
def test_only_after_school_staff_print_the_forms(db, school, actor):
    for make in (lambda: afterschool_print.class_roster_pdf(db, school["class"], actor=actor),
                 lambda: afterschool_print.session_sheet_pdf(db, school["class"], D(2026, 11, 25), actor=actor),
                 lambda: afterschool_print.class_month_pdf(db, school["class"], D(2026, 11, 1), actor=actor),
                 lambda: afterschool_print.pickup_cards_pdf(db, school["张小明"], actor=actor)):
        with pytest.raises(PermissionDenied):
            make()


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def school_db(tmp_path):
    path = tmp_path / "as.sqlite3"
    db = open_database(sqlite_url(path))
    try:
        ids = school.__wrapped__(db)
    finally:
        db.dispose()
    return path, ids


def test_the_class_forms_print_from_the_command_line(school_db, tmp_path, capsys):
    path, ids = school_db
    out = tmp_path / "roster.pdf"
    assert main(["--db", str(path), "print", "class-roster", "--class", CLASS_NAME, "-o", str(out)]) == 0
    text = flat(out.read_bytes())
    assert "1欧阳娜娜女10祥芝中心小学" in text and "2张小明男8莲坂小学" in text and "陈小宝" not in text
    assert "王芳（母亲）13800000001" in text  # the command line's desk may see the phones
    assert main(["--db", str(path), "print", "session-sheet", "--class", CLASS_NAME, "--date", "2026-11-25",
                 "-o", str(out)]) == 0
    assert "2张小明王芳（母亲）" in flat(out.read_bytes())
    assert main(["--db", str(path), "print", "class-month", "--class", CLASS_NAME, "--month", "2026-11",
                 "-o", str(out)]) == 0
    assert "2张小明" in flat(out.read_bytes())
    assert "Traceback" not in capsys.readouterr().err


def test_pick_up_cards_and_member_cards_of_the_children_from_the_command_line(school_db, tmp_path, capsys):
    path, ids = school_db
    out = tmp_path / "cards.pdf"
    assert main(["--db", str(path), "print", "pickup-cards", "--resident", str(ids["欧阳娜娜"]), "-o", str(out)]) == 0
    text = flat(out.read_bytes())
    assert "欧阳娜娜" in text and "欧阳丽" in text and "张小明" not in text
    assert main(["--db", str(path), "print", "member-cards", "--afterschool", "-o", str(out)]) == 0
    text = flat(out.read_bytes())
    assert "欧阳娜娜" in text and "张小明" in text
    assert "陈小宝" not in text and "王芳" not in text  # waiting; a parent


@pytest.mark.parametrize("argv, message", [
    (["print", "class-roster"], "--class"),
    (["print", "class-roster", "--class", "没有这个班"], "没有这个班"),
    (["print", "session-sheet", "--class", CLASS_NAME], "--date"),
    (["print", "session-sheet", "--class", CLASS_NAME, "--date", "2026-11-28"], CLASS_NAME),
    (["print", "class-month", "--class", CLASS_NAME], "--month"),
    (["print", "class-month", "--class", CLASS_NAME, "--month", "2026-13"], "2026-13"),
    (["print", "pickup-cards"], "--resident"),
    (["print", "pickup-cards", "--resident", "999999"], "999999"),
])
def test_after_school_forms_user_errors_exit_2_with_one_line(school_db, tmp_path, capsys, argv, message):
    path, _ids = school_db
    out = tmp_path / "x.pdf"
    assert main(["--db", str(path), *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.strip().count("\n") == 0 and "Traceback" not in err
    assert not out.exists()
