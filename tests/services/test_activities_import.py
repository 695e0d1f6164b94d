"""Importing an activity ledger (活动台账): new activities with their partners, one on file updated, rejects
with reasons, a dry run, the same file twice, any cell contents (a property test)."""
import datetime as dt

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Activity, ActivityPartner, AuditLog
from app.services import activities, alliance
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.activities_import import ImportFileError, import_activities, parse_target_group, parse_time
from app.services.alliance import MerchantInput
from app.services.importer import _CellProblem
from tests.conftest import ADMIN
from tests.services.sheets import write_csv, write_xlsx

TODAY = dt.date(2026, 11, 20)
HEADER = ["序号", "日期", "开始时间", "结束时间", "活动名称", "活动类型", "服务对象", "地点", "组织者", "合作方",
          "参与人数(未登记)"]
ROWS = [
    [1, dt.datetime(2026, 10, 3), dt.time(9, 0), dt.time(11, 30), "重阳节义诊", "义诊", "一老", "邻里中心一楼", "林丽华",
     "市中医院、红马甲志愿服务队", 15],
    [2, "2026-10-15", "14:30", "16：00", "科普小课堂", "儿童教育/科普", "儿童", "四点半课堂教室", "黄秀英", "", "6人"],
    [3, "2026年10月20日", "下午7点半", "", "青年夜校：咖啡拉花", "青年夜校", "青年", "", "", "老王理发店", 0],
]


@pytest.fixture
def ledger_db(db):
    activities.seed(db, actor=ADMIN)
    alliance.seed(db, actor=ADMIN)
    alliance.add_merchant(db, MerchantInput(name="老王理发店", licence_number="350582600123456", contact_name="王建国",
                                            contact_phone="13800000009", applied_on=dt.date(2026, 1, 5)),
                          actor=ADMIN, today=TODAY)
    return db


def ledger(tmp_path, rows, name="活动台账.xlsx", header=HEADER):
    return write_xlsx(tmp_path / name, [["莲坂村邻里中心活动台账（2026年10月）"], header, *rows], merges=["A1:K1"])


def snapshot(db):
    with db.session() as s:
        return ([tuple(r) for r in s.execute(select(Activity.held_on, Activity.title, Activity.starts_at,
                                                    Activity.ends_at, Activity.target_group, Activity.headcount,
                                                    Activity.updated_at).order_by(Activity.id))],
                [tuple(r) for r in s.execute(select(ActivityPartner.activity_id, ActivityPartner.kind,
                                                    ActivityPartner.merchant_id, ActivityPartner.name)
                                             .order_by(ActivityPartner.id))],
                s.scalar(select(func.count(AuditLog.id))))


def test_a_ledger_is_imported_and_a_second_import_changes_nothing(ledger_db, tmp_path):
    db = ledger_db
    path = ledger(tmp_path, ROWS)
    preview = import_activities(db, path, dry_run=True, actor=ADMIN, today=TODAY)
    assert (preview.added, preview.updated, preview.rejected, preview.preview) == (3, 0, 0, True)
    assert snapshot(db)[0] == []  # a dry run writes nothing
    result = import_activities(db, path, actor=ADMIN, today=TODAY)
    assert (result.added, result.updated, result.unchanged, result.rejected, result.rows) == (3, 0, 0, 0, 3)
    rows = {r.title: r for r in activities.list_activities(db)}
    clinic, science, youth = rows["重阳节义诊"], rows["科普小课堂"], rows["青年夜校：咖啡拉花"]
    assert (clinic.held_on, clinic.starts_at, clinic.ends_at, clinic.target_group, clinic.headcount) == (
        dt.date(2026, 10, 3), dt.time(9), dt.time(11, 30), "elderly", 15)
    assert (science.starts_at, science.ends_at, science.target_group, science.headcount) == (
        dt.time(14, 30), dt.time(16), "children", 6)
    assert (youth.starts_at, youth.target_group, youth.activity_type) == (dt.time(19, 30), "youth", "青年夜校")
    partners = {(kind, name): mid for _a, kind, mid, name in snapshot(db)[1]}
    assert set(partners) == {("body", "市中医院"), ("team", "红马甲志愿服务队"), ("merchant", "老王理发店")}
    assert partners[("merchant", "老王理发店")] is not None
    with db.session() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity == "activity",
                                                              AuditLog.action == "import")) == 1
    before = snapshot(db)
    again = import_activities(db, path, actor=ADMIN, today=TODAY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot(db) == before


def test_an_activity_on_file_is_updated_not_duplicated(ledger_db, tmp_path):
    db = ledger_db
    import_activities(db, ledger(tmp_path, ROWS), actor=ADMIN, today=TODAY)
    changed = [[1, dt.datetime(2026, 10, 3), "", "", "重阳节义诊", "义诊", "一老", "邻里中心二楼", "", "无", 20]]
    result = import_activities(db, ledger(tmp_path, changed, "second.xlsx"), actor=ADMIN, today=TODAY)
    assert (result.added, result.updated) == (0, 1)
    [clinic] = activities.list_activities(db, query="重阳")
    assert (clinic.venue, clinic.headcount, clinic.starts_at, clinic.organiser) == ("邻里中心二楼", 20, dt.time(9),
                                                                                    "林丽华")
    assert clinic.partners == ""  # 无: no partners (a blank cell keeps what is on file, as the organiser)
    assert len(activities.list_activities(db)) == 3


def test_bad_rows_go_to_the_rejects_file_with_the_reason(ledger_db, tmp_path):
    db = ledger_db
    rows = [
        [1, "2026-10-05", "9:00", "8:00", "健康讲座", "讲座", "全体", "", "", "", 3],   # ends before it starts
        [2, "不是日期", "", "", "广场舞", "文体", "全体", "", "", "", ""],
        [3, "2026-10-06", "", "", "插花", "花艺", "全体", "", "", "", ""],               # unknown kind
        [4, "2026-10-07", "", "", "茶话会", "康乐", "外星人", "", "", "", ""],
        [5, "2026-10-08", "", "", "棋牌", "康乐", "一老", "", "", "", "很多"],
        [6, "2026-10-08", "", "", "棋牌", "康乐", "一老", "", "", "", 2],
        [7, "2026-10-08", "", "", "棋牌", "康乐", "一老", "", "", "", 3],                  # the same activity again
        [8, "", "", "", "合计：", "", "", "", "", "", ""],
        [9, "2026-10-09", "", "", "讲座", "", "全体", "", "", "", ""],                   # no kind
    ]
    result = import_activities(db, ledger(tmp_path, rows), actor=ADMIN, today=TODAY)
    assert (result.added, result.rejected) == (1, 8)
    reasons = {p.row: p.reason for p in result.problems}
    assert "结束" in reasons[3] and "不是日期" in reasons[4] and "花艺" in reasons[5] and "外星人" in reasons[6]
    assert "很多" in reasons[7] and "8" in reasons[9] and set(reasons) == {3, 4, 5, 6, 7, 9, 10, 11}
    book = list(openpyxl.load_workbook(result.rejects_file).active.iter_rows(values_only=True))
    assert len(book) == 1 + 8


def test_a_gbk_csv_and_permissions_and_file_problems(ledger_db, tmp_path):
    db = ledger_db
    rows = [[str(v.date() if isinstance(v, dt.datetime) else v) for v in ROWS[1]]]
    path = write_csv(tmp_path / "台账.csv", [HEADER, *rows], encoding="gbk")
    assert import_activities(db, path, actor=ADMIN, today=TODAY).added == 1
    with pytest.raises(PermissionDenied):
        import_activities(db, path, actor=Actor("来访者", VIEWER), today=TODAY)
    with pytest.raises(ImportFileError):
        import_activities(db, ledger(tmp_path, [], "empty.xlsx"), actor=ADMIN, today=TODAY)
    with pytest.raises(ImportFileError):  # no date column
        import_activities(db, write_xlsx(tmp_path / "nodate.xlsx", [["活动名称", "活动类型"], ["讲座", "讲座"]]),
                          actor=ADMIN, today=TODAY)


def test_times_and_target_groups_as_ledgers_write_them():
    assert parse_time("14:30") == parse_time("14：30") == parse_time("下午2点半") == dt.time(14, 30)
    assert parse_time("9点") == parse_time(dt.datetime(2026, 1, 1, 9)) == parse_time(0.375) == dt.time(9)
    assert parse_time("19:30:00") == dt.time(19, 30)
    for bad in ("25:00", "九点", "9-11"):
        with pytest.raises(_CellProblem):
            parse_time(bad)
    assert [parse_target_group(w) for w in ("一老", "长者", "儿童", "青年", "全体居民", "everyone")] == [
        "elderly", "elderly", "children", "youth", "everyone", "everyone"]
    with pytest.raises(_CellProblem):
        parse_target_group("外星人")


_cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                  st.datetimes(min_value=dt.datetime(1, 1, 1)), st.times(), st.sampled_from(
                      ["2026-10-03", "2026年10月3日", "9:00", "下午2点半", "重阳节义诊", "义诊", "讲座", "花艺", "一老",
                       "儿童", "全体", "外星人", "老王理发店", "红马甲志愿服务队、市医院", "无", "12人", "合计："]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=10, max_size=10), min_size=1, max_size=4))
def test_any_cell_contents_give_clean_rejects_and_a_second_import_changes_nothing(ledger_db, tmp_path_factory, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    db = ledger_db
    folder = tmp_path_factory.mktemp("ledger")
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
    path = write_xlsx(folder / "any.xlsx", [HEADER[1:], *clean])
    try:
        result = import_activities(db, path, actor=ADMIN, today=TODAY)
    except ImportFileError:
        return  # every row empty: a file-level message, nothing imported
    assert result.added + result.updated + result.unchanged + result.rejected + result.empty == result.rows
    assert all(p.reason for p in result.problems)
    if result.rejected:
        book = list(openpyxl.load_workbook(result.rejects_file).active.iter_rows(values_only=True))
        assert len(book) == result.rejected + 1
    before = snapshot(db)
    again = import_activities(db, path, actor=ADMIN, today=TODAY)
    assert again.added == again.updated == 0 and snapshot(db) == before
