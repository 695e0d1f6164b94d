"""Importing a merchant list (爱心商铺名单): new shops at their status, one on file updated, rejects
with reasons, the same file twice."""
import datetime as dt

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.i18n import _
from app.models import AuditLog, Commitment, Merchant, MerchantEvent
from app.services import alliance, residents
from app.services.access import DESK, VIEWER, Actor, PermissionDenied
from app.services.alliance import MerchantInput
from app.services.alliance_import import (IMPORT_REASON, ImportFileError, import_merchants, parse_applied_via,
                                          parse_status, preview)
from app.services.importer import _CellProblem
from app.services.residents import ResidentInput
from app.services.validators import credit_code_check_char
from tests.conftest import ADMIN
from tests.services.sheets import write_csv, write_xlsx

TODAY = dt.date(2026, 11, 2)
HEADER = ["序号", "商铺名称", "统一社会信用代码", "营业执照号", "行业", "负责人", "联系电话", "经营地址", "小区", "网格",
          "申请方式", "推荐人", "申请日期", "批次", "状态", "入盟日期", "公益服务"]


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


WANG = code("92350582MA2Y00001")
HUIMIN = code("91350582MA3X00002")
FULOU = code("92350582MA4W00003")
BAD = WANG[:-1] + ("0" if WANG[-1] != "0" else "1")


@pytest.fixture
def lists(db):
    alliance.seed(db, actor=ADMIN)
    ids = {"陈美玲": residents.add_resident(db, ResidentInput(name="陈美玲", phone="13700000001"), actor=ADMIN),
           "黄国平": residents.add_resident(db, ResidentInput(name="黄国平", phone="13900000002"), actor=ADMIN)}
    return ids


ROWS = [
    [1, "老王理发店", WANG, "", "理发美容", "王建国", "13800000001", "状元街12号", "状元里小区", "", "居民推荐", "陈美玲",
     dt.datetime(2025, 7, 1), "第一批", "已入盟", dt.datetime(2025, 8, 20), "免费充电、老人理发"],
    [2, "惠民超市", HUIMIN, "", "超市便利", "黄国平", "", "宝源花园3号楼1号店面", "宝源花园", "", "自荐", "",
     "2026-09-10", "第三批", "审核中", "", ""],
    [3, "小李家电维修", "", "350582600123456", "维修家政", "李小龙 13600000003", "", "玉湖新村5号", "", "", "", "",
     "2026年10月8日", "", "申请", "", ""],
]


def merchant_list(tmp_path, rows, name="爱心商铺名单.xlsx"):
    return write_xlsx(tmp_path / name, [["状元里社区爱心商铺名单"], HEADER, *rows], merges=["A1:Q1"])


def read_rejects(path):
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def counts(db):
    with db.session() as s:
        return tuple(s.scalar(select(func.count(model.id))) for model in (Merchant, MerchantEvent, Commitment))


def with_english_names(db):
    """The seeded lists are in the test's language; the file writes Chinese kinds."""
    for kind, names in ((alliance.BUSINESS_TYPES, ["餐饮", "理发美容", "超市便利", "维修家政", "药店健康", "其他"]),
                        (alliance.COMMITMENT_TYPES, ["免费手机充电", "为老人免费理发", "公益课堂", "免费饮用水",
                                                     "开放卫生间", "其他公益服务"])):
        for row, name in zip(alliance.list_choices(db, kind), names):
            alliance.rename_choice(db, kind, row.id, name, actor=ADMIN)


def test_a_merchant_list_is_imported_at_each_status(db, lists, tmp_path):
    with_english_names(db)
    path = merchant_list(tmp_path, ROWS + [[4, None], [5, "合计：3家"]])
    shown = preview(db, path, today=TODAY)
    assert (shown.added, shown.updated, shown.rejected, shown.empty) == (3, 0, 1, 1)
    assert counts(db) == (0, 0, 0)  # a preview writes nothing

    done = import_merchants(db, path, actor=ADMIN, today=TODAY)
    assert (done.added, done.updated, done.rejected) == (3, 0, 1)
    assert read_rejects(done.rejects_file)[1][1] == "合计：3家"
    by_name = {m.name: m for m in alliance.list_merchants(db, today=TODAY)}
    wang = alliance.get_merchant(db, by_name["老王理发店"].id, actor=ADMIN, today=TODAY)
    assert wang.row.status == alliance.MEMBER and wang.row.joined_on == dt.date(2025, 8, 20)
    assert wang.row.member_code and wang.recommended_by == "陈美玲" and wang.row.batch == "第一批"
    admit = [e for e in wang.events if e.action == "admit"]
    assert admit[0].day == dt.date(2025, 8, 20) and admit[0].reason == _(IMPORT_REASON)
    assert sorted(c.type_name for c in wang.commitments) == ["为老人免费理发", "免费手机充电"]
    assert all(c.since == dt.date(2025, 8, 20) for c in wang.commitments)
    huimin = alliance.get_merchant(db, by_name["惠民超市"].id, actor=ADMIN, today=TODAY)
    assert huimin.row.status == alliance.REVIEWING and huimin.contact_resident_id == lists["黄国平"]
    li = alliance.get_merchant(db, by_name["小李家电维修"].id, actor=ADMIN, today=TODAY)
    assert li.row.licence_number == "350582600123456" and li.contact_name == "李小龙"
    assert li.contact_phone == "13600000003" and li.row.status == alliance.APPLIED
    with db.session() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "import")) == 1

    # The same file again changes nothing.
    before = counts(db)
    again = import_merchants(db, path, actor=ADMIN, today=TODAY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(db) == before


def test_a_merchant_on_file_is_updated_not_duplicated(db, lists, tmp_path):
    with_english_names(db)
    mid = alliance.add_merchant(db, MerchantInput(name="惠民超市", credit_code=HUIMIN.lower(), contact_name="黄先生",
                                                  contact_phone="13500000000", applied_on=dt.date(2026, 9, 1)),
                                actor=ADMIN, today=TODAY)
    path = write_csv(tmp_path / "名单.csv", [HEADER, [1, "惠民超市（状元里店）", HUIMIN, "", "超市便利", "", "", "",
                                                   "", "", "", "", "", "第三批", "审核中", "", ""]], encoding="gbk")
    done = import_merchants(db, path, actor=ADMIN, today=TODAY)
    assert (done.added, done.updated) == (0, 1)
    info = alliance.get_merchant(db, mid, actor=ADMIN, today=TODAY)
    assert info.row.name == "惠民超市（状元里店）" and info.row.status == alliance.REVIEWING
    assert info.contact_name == "黄先生" and info.row.batch == "第三批"
    assert counts(db)[0] == 1


def test_bad_rows_go_to_the_rejects_file_with_the_reason(db, lists, tmp_path):
    with_english_names(db)
    path = merchant_list(tmp_path, [
        [1, "老王理发店", BAD, "", "理发美容", "王建国", "13800000001", "", "", "", "", "", "", "", "", "", ""],
        [2, "惠民超市", HUIMIN, "", "洗浴桑拿", "黄国平", "", "", "", "", "", "", "", "", "", "", ""],
        [3, "福满楼餐馆", FULOU, "", "餐饮", "", "", "", "", "", "", "", "", "", "已入盟", "", ""],   # no 入盟日期
        [4, "无码小店", "", "", "餐饮", "张三", "13800000009", "", "", "", "", "", "", "", "", "", ""],
        [5, "福满楼", FULOU, "", "餐饮", "林福", "13800000005", "", "", "", "", "不认识的人", "", "", "", "", ""],
        [6, "福满楼", FULOU, "", "餐饮", "林福", "13800000005", "", "", "", "", "", "", "", "开张", "", ""],
    ])
    result = import_merchants(db, path, actor=ADMIN, today=TODAY)
    assert result.added == 0 and result.rejected == 6
    reasons = {p.row: p.reason for p in result.problems}
    assert "统一社会信用代码" in reasons[3] and "洗浴桑拿" in reasons[4] and "入盟日期" in reasons[5]
    assert all(reasons[n] for n in range(3, 9))
    rows = read_rejects(result.rejects_file)
    assert len(rows) == 7 and rows[1][2] == BAD  # the code kept as text, with the reason beside it
    assert counts(db) == (0, 0, 0)


def test_permission_and_file_problems(db, lists, tmp_path):
    path = merchant_list(tmp_path, ROWS[:1])
    with pytest.raises(PermissionDenied):
        import_merchants(db, path, actor=Actor("看看", VIEWER), today=TODAY)
    with pytest.raises(ImportFileError):
        import_merchants(db, path, actor=ADMIN, rejects_path=path, today=TODAY)
    with pytest.raises(ImportFileError):
        preview(db, write_xlsx(tmp_path / "空.xlsx", [HEADER]), today=TODAY)
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFileError):
        preview(db, broken, today=TODAY)
    # The desk may add applications, not members: that row is refused with the reason.
    with_english_names(db)
    result = import_merchants(db, path, actor=Actor("前台", DESK), today=TODAY)
    assert result.rejected == 1 and counts(db) == (0, 0, 0)


def test_words_of_status_and_applied_via():
    assert parse_status("已入盟") == alliance.MEMBER and parse_status(" 审核中 ") == alliance.REVIEWING
    assert parse_status("退出") == alliance.LEFT and parse_status("Suspended") == alliance.SUSPENDED
    assert parse_applied_via("居民推荐") == alliance.RECOMMENDED and parse_applied_via("国企招租") == alliance.SOE_LEASE
    for bad in ("开张", "3"):
        with pytest.raises(_CellProblem):
            parse_status(bad)
    with pytest.raises(_CellProblem):
        parse_applied_via("朋友介绍")


_cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                  st.datetimes(min_value=dt.datetime(1, 1, 1)), st.sampled_from(
                      ["老王理发店", "惠民超市", WANG, HUIMIN, BAD, "350582600123456", "理发美容", "餐饮", "洗浴",
                       "陈美玲", "13700000001", "王建国 13800000001", "已入盟", "审核中", "暂停", "退出", "居民推荐",
                       "自荐", "2025-08-20", "第一批", "免费充电、老人理发", "无"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=16, max_size=16), min_size=1, max_size=4))
def test_any_cell_contents_give_clean_rejects(db, lists, tmp_path_factory, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    folder = tmp_path_factory.mktemp("list")
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
    path = write_xlsx(folder / "any.xlsx", [HEADER[1:], *clean])
    try:
        result = import_merchants(db, path, actor=ADMIN, today=TODAY)
    except ImportFileError:
        return  # every row empty: a file-level message, nothing imported
    assert result.added + result.updated + result.unchanged + result.rejected + result.empty == result.rows
    assert all(p.reason for p in result.problems)
    if result.rejected:
        assert len(read_rejects(result.rejects_file)) == result.rejected + 1
