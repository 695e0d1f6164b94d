"""Importing a day-care ledger: matching residents, enrolling or updating, rejects with reasons."""
import datetime as dt

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.i18n import _
from app.models import AuditLog, DaycareProfile
from app.services import daycare, residents, spreadsheet
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.daycare import Contact, ProfileInput
from app.services.daycare_import import ImportFileError, import_ledger, parse_weekdays, preview
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN
from tests.services.sheets import write_csv, write_xlsx

TODAY = dt.date(2026, 11, 2)
HEADER = ["序号", "姓名", "身份证号码", "联系电话", "入托日期", "护理等级", "饮食", "过敏", "紧急联系人",
          "联系人电话", "与本人关系", "补贴类别", "星期", "健康状况", "备注"]


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


ID_CHEN = id_number("35058119400101002")
ID_LIN = id_number("35058119380203001")
ID_WANG = id_number("35058119450304002")


@pytest.fixture
def people(db):
    # Named as a Chinese centre's lists are (seed() names them in the catalogue's language).
    for name, special in (("普食", False), ("软食", True), ("低盐", True)):
        daycare.add_choice(db, daycare.DIETS, name, actor=ADMIN, special=special)
    for name in ("标准", "80岁以上", "低保/困难"):
        daycare.add_choice(db, daycare.SUBSIDIES, name, actor=ADMIN)
    ids = {}
    for name, number, phone in (("陈阿婆", ID_CHEN, "13800000001"), ("林阿公", ID_LIN, "13800000002"),
                                ("王奶奶", ID_WANG, ""), ("黄伯", "", "13800000004"),
                                ("张伯", "", "13800000005"), ("陈建国", "", "13900000009")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, id_number=number, phone=phone), actor=ADMIN)
    return ids


def choices(db, kind) -> dict[str, int]:
    return {c.name: c.id for c in daycare.list_choices(db, kind)}


def ledger(tmp_path, rows, name="幸福院花名册.xlsx"):
    return write_xlsx(tmp_path / name, [["XX社区日间照料中心花名册"], HEADER, *rows], merges=["A1:O1"])


def profile(db, rid):
    return daycare.get_profile(db, rid, actor=ADMIN, today=TODAY)


def read_rejects(path):
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def test_a_ledger_is_matched_and_enrolled(db, people, tmp_path):
    path = ledger(tmp_path, [
        [1, "陈阿婆", ID_CHEN, "", dt.datetime(2026, 10, 8), "自理", "普食", "无", "陈建国（儿子）", "13900000009", "",
         "标准", "一三五", "高血压", "老党员"],
        [2, "林 阿公", "", 13800000002.0, "2026年9月1日", "半失能", "软食", "花生", "林小红", "13700000001", "女儿",
         "80岁以上", "周一至周五", "", ""],
        [3, "黄伯", "", "138 0000 0004", "2026-10-01", "失能", "低盐", "", "", "", "", "低保", "每天", "", ""],
        [4, None, None, None, None, None, None, None, None, None, None, None, None, None, None],
        [5, "合计：3人"],
    ])
    shown = preview(db, path, today=TODAY)
    assert (shown.enrolled, shown.updated, shown.rejected, shown.empty) == (3, 0, 1, 1)
    assert count(db) == 0  # a preview writes nothing
    assert any("健康状况" in note for note in shown.notes)
    assert shown.not_imported == ["健康状况", "备注"]

    result = import_ledger(db, path, actor=ADMIN, today=TODAY)
    assert (result.enrolled, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 1)
    diets, cats = choices(db, daycare.DIETS), choices(db, daycare.SUBSIDIES)
    chen = profile(db, people["陈阿婆"])
    assert chen.enrolled_on == dt.date(2026, 10, 8)
    assert (chen.care_level, chen.diet_id, chen.allergies) == (daycare.SELF_CARE, diets["普食"], "")
    assert chen.weekdays == {0, 2, 4}
    assert chen.emergency_contacts == [Contact(None, "陈建国", "13900000009", "儿子")]
    assert chen.health_notes in ("", None)  # never imported
    with db.session() as s:
        assert s.scalar(select(DaycareProfile.health_notes).where(DaycareProfile.resident_id == people["陈阿婆"])) == ""
    lin = profile(db, people["林阿公"])
    assert (lin.care_level, lin.allergies, lin.subsidy_category_id) == (daycare.PARTIAL, "花生", cats["80岁以上"])
    assert lin.weekdays == set(range(5))
    huang = profile(db, people["黄伯"])
    assert (huang.care_level, huang.subsidy_category_id, huang.weekdays) == (
        daycare.DEPENDENT, cats["低保/困难"], set(range(7)))
    assert result.rejects_file == spreadsheet.default_rejects_path(path)
    rows = read_rejects(result.rejects_file)
    assert rows[0][:2] == ("序号", "姓名") and rows[0][-1] == _("Reason")
    assert rows[1][1] == "合计：3人"
    with db.session() as s:
        summary = s.scalar(select(AuditLog.summary).where(AuditLog.action == "import"))
    assert summary.startswith("幸福院花名册.xlsx")

    # The same file again changes nothing.
    again = import_ledger(db, path, actor=ADMIN, today=TODAY)
    assert (again.enrolled, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 1)


def count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(DaycareProfile.id)))


def test_unmatched_ambiguous_and_bad_rows_are_rejected_with_reasons(db, people, tmp_path):
    residents.add_resident(db, ResidentInput(name="张伯", phone="13800000005", estate="别处"), actor=ADMIN)
    path = write_csv(tmp_path / "ledger.csv", [HEADER[1:14], *[
        ["赵某", "", "13811112222", "", "", "", "", "", "", "", "", "", ""],           # nobody
        ["张伯", "", "13800000005", "", "", "", "", "", "", "", "", "", ""],           # two 张伯
        ["王奶奶", "", "", "", "", "", "", "", "", "", "", "", ""],                    # no key
        ["林大爷", ID_LIN, "", "", "", "", "", "", "", "", "", "", ""],                # another's ID number
        ["陈阿婆", ID_CHEN, "", "", "半半", "", "", "", "", "", "", "", ""],           # care level
        ["黄伯", "", "13800000004", "", "", "清真餐", "", "", "", "", "", "", ""],      # unknown diet
        ["陈建国", "", "13900000009", "", "", "", "", "", "", "", "特困", "", ""],      # unknown category
        ["王奶奶", ID_WANG, "", "2099-01-01", "", "", "", "", "", "", "", "每周3天", ""],  # future, count
        ["林阿公", ID_LIN, "", "", "", "", "", "李四", "", "", "", "", ""],            # contact incomplete
        ["林阿公", ID_LIN, "", "", "", "", "", "", "", "", "", "", ""],                # fine
        ["林阿公", ID_LIN, "", "", "", "", "", "", "", "", "", "", ""],                # duplicate
        ["某人", "3.50581E+17", "", "", "", "", "", "", "", "", "", "", ""],           # Excel's number
    ]], encoding="gbk")
    result = import_ledger(db, path, actor=ADMIN, today=TODAY, rejects_path=tmp_path / "out.xlsx")
    assert (result.enrolled, result.rejected) == (1, 11)
    reasons = {p.row: p.reason for p in result.problems}
    assert "赵某" in reasons[2]
    assert "张伯" in reasons[3]
    assert reasons[3] != reasons[2]
    assert "王奶奶" in reasons[4]
    assert "林阿公" in reasons[5]  # the registry's name for that ID number
    assert reasons[6].startswith("护理等级")
    assert "清真餐" in reasons[7] and reasons[7].startswith("饮食")
    assert "特困" in reasons[8] and reasons[8].startswith("补贴类别")
    assert "入托日期" in reasons[9] and "星期" in reasons[9]
    assert "联系人电话" in reasons[10] and "与本人关系" in reasons[10]
    assert 11 not in reasons and "11" in reasons[12]
    assert reasons[13].startswith("身份证号码")
    assert daycare.list_choices(db, daycare.DIETS, include_inactive=True)  # nothing created:
    assert "清真餐" not in choices(db, daycare.DIETS) and "特困" not in choices(db, daycare.SUBSIDIES)
    rows = read_rejects(tmp_path / "out.xlsx")
    assert len(rows) == 12 and rows[11][1] == "3.50581E+17"


def test_an_enrolled_elder_is_updated_keeping_what_the_file_leaves_out(db, people, tmp_path):
    diets = choices(db, daycare.DIETS)
    daycare.enrol(db, ProfileInput(people["陈阿婆"], dt.date(2026, 10, 1), daycare.SELF_CARE, diets["普食"],
                                   allergies="海鲜", weekdays=frozenset({0, 2}),
                                   emergency_contacts=[Contact(people["陈建国"], relation="儿子")],
                                   pickups=[Contact(None, "陈小梅", "13700000007", "女儿")]),
                  actor=ADMIN, today=TODAY)
    path = ledger(tmp_path, [[1, "陈阿婆", ID_CHEN, "", "", "半自理", "软食", "", "陈建国", "", "", "", "", "", ""]])
    result = import_ledger(db, path, actor=ADMIN, today=TODAY)
    assert (result.enrolled, result.updated, result.rejected) == (0, 1, 0)
    chen = profile(db, people["陈阿婆"])
    assert (chen.care_level, chen.diet_id, chen.allergies) == (daycare.PARTIAL, diets["软食"], "海鲜")
    assert chen.weekdays == {0, 2} and chen.enrolled_on == dt.date(2026, 10, 1)
    assert chen.emergency_contacts == [Contact(people["陈建国"], "陈建国", "13900000009", "儿子")]
    assert chen.pickups == [Contact(None, "陈小梅", "13700000007", "女儿")]
    assert import_ledger(db, path, actor=ADMIN, today=TODAY).unchanged == 1


def test_permission_and_file_problems(db, people, tmp_path):
    path = ledger(tmp_path, [[1, "黄伯", "", "13800000004"]])
    with pytest.raises(PermissionDenied):
        import_ledger(db, path, actor=Actor("看看", VIEWER), today=TODAY)
    assert count(db) == 0
    with pytest.raises(ImportFileError):
        import_ledger(db, path, actor=ADMIN, rejects_path=path, today=TODAY)
    with pytest.raises(ImportFileError):
        preview(db, write_xlsx(tmp_path / "空.xlsx", [HEADER]), today=TODAY)
    with pytest.raises(ImportFileError):
        preview(db, write_xlsx(tmp_path / "无姓名.xlsx", [["身份证号码", "星期"], [ID_CHEN, "一"]]), today=TODAY)


@pytest.mark.parametrize("text, days", [
    ("一三五", {0, 2, 4}), ("周一至周五", {0, 1, 2, 3, 4}), ("星期一、三、五", {0, 2, 4}), ("周二，周四", {1, 3}),
    ("1-5", {0, 1, 2, 3, 4}), (135, {0, 2, 4}), ("每天", set(range(7))), ("周六日", {5, 6}), ("工作日", set(range(5))),
    ("周一到周日", set(range(7))), ("星期天", {6}), ("礼拜二", {1}),
])
def test_weekdays(text, days):
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["每周3天", "五天", "周五至周一", "上午", "8", "周一至", "两次"])
def test_weekdays_refused(text):
    from app.services.importer import _CellProblem

    with pytest.raises(_CellProblem):
        parse_weekdays(text)


_cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                  st.datetimes(min_value=dt.datetime(1, 1, 1)), st.sampled_from(
                      ["陈阿婆", "林阿公", "黄伯", ID_CHEN, ID_LIN, "13800000004", "自理", "失能", "软食", "低保",
                       "一三五", "周一至周五", "无", "王小明（儿子）13812345678", "2026-10-01"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=13, max_size=13), min_size=1, max_size=4))
def test_any_cell_contents_give_clean_rejects(db, people, tmp_path_factory, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    folder = tmp_path_factory.mktemp("ledger")
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
    path = write_xlsx(folder / "any.xlsx", [HEADER[1:14], *clean])
    try:
        result = import_ledger(db, path, actor=ADMIN, today=TODAY)
    except ImportFileError:
        return  # every row empty: a file-level message, nothing imported
    assert result.enrolled + result.updated + result.unchanged + result.rejected + result.empty == result.rows
    assert all(p.reason for p in result.problems)
    if result.rejected:
        assert len(read_rejects(result.rejects_file)) == result.rejected + 1
