"""Importing an after-school class list (花名册): matching children and guardians, profiles and
enrolment (waiting list once full), rejects with reasons, the same file twice."""
import datetime as dt

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import AuditLog, ChildProfile, Consent, Enrolment, PickupPerson
from app.services import afterschool, residents
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.afterschool import ClassInput
from app.services.afterschool_import import (ImportFileError, import_class_list, parse_grade, parse_yes_no,
                                             preview)
from app.services.importer import _CellProblem
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN
from tests.services.sheets import write_csv, write_xlsx

TODAY = dt.date(2026, 11, 2)
HEADER = ["序号", "姓名", "身份证号码", "性别", "学校", "年级", "监护人", "监护人电话", "与孩子关系", "其他接送人",
          "接送人电话", "过敏", "知情同意书日期", "可否独自离开"]


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


ID_MING = id_number("35058120180301001")   # 陈小明, boy, 8
ID_HONG = id_number("35058120170512002")   # 林小红, girl, 9
ID_HUA = id_number("35058120160720003")    # 王小华, 10


@pytest.fixture
def people(db):
    ids = {}
    for name, number, phone in (("陈小明", ID_MING, ""), ("林小红", ID_HONG, ""), ("王小华", ID_HUA, ""),
                                ("陈建国", "", "13900000009"), ("林美玲", "", "13700000001"),
                                ("王大伟", "", "13600000002")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, id_number=number, phone=phone), actor=ADMIN)
    ids["张小宝"] = residents.add_resident(db, ResidentInput(name="张小宝", gender="M",
                                                             birth_date=dt.date(2019, 1, 9)), actor=ADMIN)
    residents.link_family(db, ids["陈小明"], ids["陈建国"], "guardian", actor=ADMIN)
    residents.link_family(db, ids["林小红"], ids["林美玲"], "guardian", actor=ADMIN)
    residents.link_family(db, ids["张小宝"], ids["王大伟"], "guardian", actor=ADMIN)
    afterschool.seed(db, actor=ADMIN)
    kind = afterschool.list_choices(db)[0].id
    ids["class"] = afterschool.add_class(db, ClassInput(
        name="四点半课堂（秋季）", type_id=kind, term_start=dt.date(2026, 9, 1), term_end=dt.date(2027, 1, 16),
        start_time=dt.time(16, 30), end_time=dt.time(18, 0), capacity=2, age_min=6, age_max=12, grade_min=1,
        grade_max=6), actor=ADMIN)
    return ids


def class_list(tmp_path, rows, name="四点半课堂花名册.xlsx"):
    return write_xlsx(tmp_path / name, [["状元里社区四点半课堂花名册"], HEADER, *rows], merges=["A1:N1"])


ROWS = [
    [1, "陈小明", ID_MING, "男", "青阳中心小学", "三年级", "陈建国", "13900000009", "父亲", "李秀英（奶奶）", "13800000003",
     "花生", dt.datetime(2026, 8, 28), "否"],
    [2, "林 小红", ID_HONG, "女", "青阳中心小学", 4, "林美玲", "", "母亲", "", "", "无", "2026年8月30日", "是"],
    [3, "张小宝", "", "男", "状元里小学", "二年级", "王大伟", "13600000002", "舅舅", "", "", "", "2026-09-01", ""],
]


def read_rejects(path):
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def counts(db):
    with db.session() as s:
        return (s.scalar(select(func.count(ChildProfile.id))), s.scalar(select(func.count(Enrolment.id))),
                s.scalar(select(func.count(PickupPerson.id))), s.scalar(select(func.count(Consent.id))))


def test_a_class_list_is_matched_enrolled_and_the_rest_waits(db, people, tmp_path):
    path = class_list(tmp_path, ROWS + [[4, None], [5, "合计：3人"]])
    shown = preview(db, path, people["class"], today=TODAY)
    assert (shown.enrolled, shown.waiting, shown.rejected, shown.empty) == (2, 1, 1, 1)
    assert any("waiting list" in note or "候补" in note for note in shown.notes)
    assert counts(db) == (0, 0, 0, 0)  # a preview writes nothing

    done = import_class_list(db, path, people["class"], actor=ADMIN, today=TODAY)
    assert (done.enrolled, done.waiting, done.rejected) == (2, 1, 1)
    assert done.notes and read_rejects(done.rejects_file)[1][1] == "合计：3人"
    listed = {r.resident_id: r for r in afterschool.class_list(db, people["class"], actor=ADMIN)}
    assert listed[people["张小宝"]].status == afterschool.WAITING and listed[people["张小宝"]].position == 1
    ming = afterschool.get_child(db, people["陈小明"], actor=ADMIN, today=TODAY)
    assert (ming.school, ming.grade, ming.allergies, ming.consent_in_force) == ("青阳中心小学", 3, "花生", True)
    assert [(p.name, p.relation, p.guardian) for p in ming.pickup] == [("陈建国", "父亲", True),
                                                                        ("李秀英", "奶奶", False)]
    hong = afterschool.get_child(db, people["林小红"], actor=ADMIN, today=TODAY)
    assert hong.may_go_home_alone and hong.alone_consent_by == "林美玲" and hong.grade == 4
    assert hong.allergies == ""
    with db.session() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "import")) == 1

    # The same file again changes nothing.
    before = counts(db)
    again = import_class_list(db, path, people["class"], actor=ADMIN, today=TODAY)
    assert (again.enrolled, again.waiting, again.updated, again.unchanged) == (0, 0, 0, 3)
    assert counts(db) == before


def test_csv_rows_without_consent_or_registry_match_are_rejected(db, people, tmp_path):
    path = write_csv(tmp_path / "名单.csv", [HEADER,
        [1, "陈小明", ID_MING, "男", "", "三年级", "陈建国", "", "父亲", "", "", "", "", ""],         # no consent
        [2, "林小红", "", "", "", "一年级", "林美玲", "13700000001", "", "", "", "", "2026-08-01", ""],  # found by phone
        [3, "赵六", "", "", "", "一年级", "赵大", "13500000000", "", "", "", "", "2026-08-01", ""],     # unknown
        [4, "王小华", ID_HUA, "", "", "五年级", "王小华的爸", "13100000000", "", "", "", "", "2026-08-01", ""],
        [5, "陈小明", ID_MING, "女", "", "三年级", "陈建国", "", "", "", "", "", "2026-08-01", ""],    # gender
        [6, "张小宝", "", "", "", "初五", "王大伟", "13600000002", "", "", "", "", "2026-08-01", "也许"],
        [7, "张小宝", "", "", "", "一年级", "王大伟", "13600000002", "", "王阿姨", "", "", "2026-08-01", ""],
    ], encoding="gbk")
    result = import_class_list(db, path, people["class"], actor=ADMIN, today=TODAY)
    assert result.enrolled == 1 and result.rejected == 6
    reasons = {p.row: p.reason for p in result.problems}
    assert "知情同意书" in reasons[2] or "consent" in reasons[2]
    assert all(reasons[n] for n in (4, 5, 6, 7, 8))
    assert "知情同意书" not in reasons[4]
    rows = read_rejects(result.rejects_file)
    assert len(rows) == 7 and rows[1][2] == ID_MING  # the ID number kept as text
    assert afterschool.class_list(db, people["class"], actor=ADMIN)[0].resident_id == people["林小红"]


def test_permission_and_file_problems(db, people, tmp_path):
    path = class_list(tmp_path, ROWS[:1])
    with pytest.raises(PermissionDenied):
        import_class_list(db, path, people["class"], actor=Actor("看看", VIEWER), today=TODAY)
    with pytest.raises(ImportFileError):
        import_class_list(db, path, people["class"], actor=ADMIN, rejects_path=path, today=TODAY)
    with pytest.raises(ImportFileError):
        preview(db, write_xlsx(tmp_path / "空.xlsx", [HEADER]), people["class"], today=TODAY)
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFileError):
        preview(db, broken, people["class"], today=TODAY)
    assert counts(db) == (0, 0, 0, 0)


@pytest.mark.parametrize("text, grade", [
    ("一年级", 1), ("三年级2班", 3), ("六年级", 6), ("初一", 7), ("初三", 9), ("高二", 11), (5, 5), ("4年级", 4),
    ("幼儿园", 0), ("大班", 0), ("小学二年级", 2), (" 五 年级 ", 5),
])
def test_grades(text, grade):
    assert parse_grade(text) == grade


@pytest.mark.parametrize("text", ["七年级x", "初五", "13", 3.5, "三班", "高"])
def test_grades_refused(text):
    with pytest.raises(_CellProblem):
        parse_grade(text)


def test_yes_no():
    assert parse_yes_no("是") and parse_yes_no("可以") and parse_yes_no("√")
    assert not parse_yes_no("否") and not parse_yes_no(None) and not parse_yes_no("不可以")
    with pytest.raises(_CellProblem):
        parse_yes_no("看情况")


_cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                  st.datetimes(min_value=dt.datetime(1, 1, 1)), st.sampled_from(
                      ["陈小明", "林小红", "张小宝", ID_MING, ID_HONG, "13600000002", "13900000009", "陈建国", "王大伟",
                       "三年级", "初一", "是", "否", "无", "李秀英（奶奶）13800000003", "2026-09-01", "男", "女"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=13, max_size=13), min_size=1, max_size=4))
def test_any_cell_contents_give_clean_rejects(db, people, tmp_path_factory, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    folder = tmp_path_factory.mktemp("list")
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
    path = write_xlsx(folder / "any.xlsx", [HEADER[1:], *clean])
    try:
        result = import_class_list(db, path, people["class"], actor=ADMIN, today=TODAY)
    except ImportFileError:
        return  # every row empty: a file-level message, nothing imported
    assert (result.enrolled + result.waiting + result.updated + result.unchanged + result.rejected + result.empty
            == result.rows)
    assert all(p.reason for p in result.problems)
    if result.rejected:
        assert len(read_rejects(result.rejects_file)) == result.rejected + 1
