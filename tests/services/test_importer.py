import csv
import datetime as dt
import io
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.db import open_database, sqlite_url
from app.errors import DatabaseError, DeskError
from app.models import Resident
from app.services import access, grids, importer, residents, tags
from app.services.importer import ImportFileError, import_residents, preview_file
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN
from tests.services.test_spreadsheet import NOT_READABLE
from tests.services.sheets import two_header_rows_xlsx, write_csv, write_xlsx

HEADER = ["姓名", "性别", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "网格", "标签", "备注"]
VALID = "11010519491231002X"  # female, born 1949-12-31


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


ID_A = make_id("35058119500301123")   # male, 1950-03-01
ID_B = make_id("35058219800715064")   # female, 1980-07-15
ID_C = make_id("52022120100102001")   # male, 2010-01-02


def read_xlsx(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Resident.id)))


def find(db, id_number):
    rid = residents.search_ids(db, id_number[-6:], include_inactive=True)
    details = [residents.get_resident(db, r) for r in rid]
    return next(d for d in details if d.data.id_number == id_number)


@pytest.fixture
def centre(db):
    return setup_centre(db)


def setup_centre(db) -> dict:
    """Default tags and a grid tree: 莲坂村 / 第一网格 / 一组, 二组; 第二网格 / 三组, 一组."""
    tags.ensure_default_tags(db, actor=ADMIN)
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    g1 = grids.add_grid(db, root, "第一网格", actor=ADMIN)
    g2 = grids.add_grid(db, root, "第二网格", actor=ADMIN)
    ids = {"一组": grids.add_grid(db, g1, "一组", actor=ADMIN), "二组": grids.add_grid(db, g1, "二组", actor=ADMIN),
           "三组": grids.add_grid(db, g2, "三组", actor=ADMIN), "第二网格/一组": grids.add_grid(db, g2, "一组", actor=ADMIN)}
    tag_ids = {t.name: t.id for t in tags.list_tags(db)}
    return {"grids": ids, "tags": tag_ids}


# -- reading real-world files ------------------------------------------------------------

def test_ledger_with_merged_title_and_decorated_headers(db, centre, tmp_path):
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ["莲坂村居民花名册（2026年）"],
        ["序号", "姓名*", "性别", "身份证号码（必填）", "手机号", "小区", "楼栋", "单元", "房号", "网格",
         "标签", "备注"],
        [1, "王　伟", "男", ID_A, 13812345678.0, "莲坂新村", 3, "2", "１０１", "第一网格 / 一组",
         "老年人、党员", "腿脚不便"],
        [2, " 李秀英 ", "女", VALID, "１３９ １２３４ ５６７８", "莲坂新村", "3", 2, 102, "三组", "独居老人", None],
        [3, "陈一", None, 350583600101011, "0595-88881234", "莲坂新村", None, None, None, None, None, None],
    ], merges=["A1:L1"])
    result = import_residents(db, path)
    assert (result.imported, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    assert result.unknown_columns == ["序号"]
    assert result.columns["id_number"] == "身份证号码（必填）"
    a = find(db, ID_A)
    assert (a.data.name, a.data.phone, a.data.gender, a.data.birth_date) == (
        "王伟", "13812345678", "M", dt.date(1950, 3, 1))
    assert (a.data.estate, a.data.building, a.data.unit, a.data.room) == ("莲坂新村", "3", "2", "101")
    assert a.grid_path == "莲坂村 / 第一网格 / 一组"
    assert set(a.tag_names) == {"老年人", "党员"} and a.data.notes == "腿脚不便"
    assert a.member_code  # every new resident gets a member code
    b = find(db, VALID)
    assert (b.data.name, b.data.phone, b.data.grid_id) == ("李秀英", "13912345678", centre["grids"]["三组"])
    old_card = find(db, make_id("35058319600101011"))
    assert old_card.data.name == "陈一"  # a 15-digit number stored as a number, upgraded to 18


def test_files_are_read_through_the_spreadsheet_reader(db, centre, tmp_path):
    """How the files are read is tested in test_spreadsheet.py; here, that the rows it reads are imported."""
    # 姓名 and 身份证号 span two header rows; 住址 spans 小区/楼栋/单元/房号 below it.
    path = two_header_rows_xlsx(tmp_path / "two-rows.xlsx", ID_B, ID_A)
    preview = preview_file(path)
    assert preview.header_row == 3
    assert preview.mapping == {0: "name", 1: "id_number", 2: "estate", 3: "building", 4: "unit",
                               5: "room", 6: "phone"}
    result = import_residents(db, path)
    assert (result.imported, result.rejected, result.unknown_columns) == (2, 0, [])
    assert find(db, ID_B).data.room == "301"
    # merged data cells apply to every row they cover
    path = write_xlsx(tmp_path / "households.xlsx", [
        ["小区", "姓名", "身份证号"],
        ["宝源花园", "林芳芳", ID_C],
        [None, "林强强", make_id("35058219800715066")],
        ["龙湖嘉天下", "蔡良剑", VALID],
    ], merges=["A2:A3"])
    assert import_residents(db, path).imported == 3
    assert find(db, make_id("35058219800715066")).data.estate == "宝源花园"
    assert find(db, VALID).data.estate == "龙湖嘉天下"
    # the sheet with the name column is chosen
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由社区填写"])
    data = wb.create_sheet("居民")
    data.append(["姓名", "身份证号"])
    data.append(["林芳", make_id("35058219800715065")])
    wb.save(tmp_path / "two-sheets.xlsx")
    preview = preview_file(tmp_path / "two-sheets.xlsx")
    assert (preview.sheet, preview.sheets) == ("居民", ["说明", "居民"])
    assert import_residents(db, tmp_path / "two-sheets.xlsx").imported == 1


def test_notes_below_the_table_are_not_residents(db, tmp_path):
    path = write_xlsx(tmp_path / "footer.xlsx", [
        ["序号", "姓名", "身份证号"], [1, "林芳", ID_B], [None, None, None],
        ["合计：1人", None, None], [None, "制表人：王芳", None], [None, "合计", None]])
    result = import_residents(db, path)
    assert (result.imported, result.empty, result.rejected) == (1, 2, 2)
    assert all("不是居民信息" in p.reason for p in result.problems)


@pytest.mark.parametrize("encoding,bom,delimiter", [("gbk", False, ",")])  # every encoding: test_spreadsheet.py
def test_csv_rows_are_imported(db, centre, tmp_path, encoding, bom, delimiter):
    path = write_csv(tmp_path / "ledger.csv", [
        ["姓名", "性别", "身份证号", "联系电话", "小区", "标签"],
        ["蔡良剑", "男", ID_A, "13812345678", "状元里小区", "老年人，党员"],
        ["单雄", "男", "", "0595-88881234", "状元里小区", ""],
    ], encoding=encoding, delimiter=delimiter, bom=bom)
    result = import_residents(db, path)
    assert (result.imported, result.rejected) == (2, 0), result.problems
    assert set(find(db, ID_A).tag_names) == {"老年人", "党员"}
    assert residents.search_ids(db, "shanxiong")  # pinyin keys computed for imported rows


def test_excel_sep_line_and_numbers_as_text_in_csv(db, centre, tmp_path):
    path = tmp_path / "sep.csv"
    path.write_bytes(f"sep=;\r\n姓名;身份证号;联系电话\r\n林芳;'{ID_B};13812345678\r\n".encode("gbk"))
    result = import_residents(db, path)
    assert result.imported == 1 and find(db, ID_B).data.phone == "13812345678"


# -- file-level problems: refused as a whole, nothing imported --------------------------------------
# (which files are refused, and with which message: test_spreadsheet.py)

@pytest.mark.parametrize("name,content,message", NOT_READABLE[:1] + NOT_READABLE[4:5] + NOT_READABLE[-1:])
def test_files_that_are_not_readable_spreadsheets(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_residents(db, path)
    assert count(db) == 0


def test_empty_sheet_header_only_and_missing_name_column(db, tmp_path):
    with pytest.raises(ImportFileError, match="是空的"):
        import_residents(db, write_xlsx(tmp_path / "empty.xlsx", []))
    with pytest.raises(ImportFileError, match="标题行下面没有数据"):
        import_residents(db, write_xlsx(tmp_path / "header.xlsx", [["标题"], HEADER, [None] * 5]))
    with pytest.raises(ImportFileError, match="缺少必填列“姓名”"):
        import_residents(db, write_xlsx(tmp_path / "noname.xlsx", [["身份证号", "电话"], [ID_A, "13812345678"]]))
    with pytest.raises(ImportFileError, match="不存在"):
        import_residents(db, tmp_path / "nowhere.xlsx")
    assert count(db) == 0


def test_rejects_file_may_not_overwrite_the_input(db, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名"], ["林芳"]])
    with pytest.raises(ImportFileError):
        import_residents(db, path, rejects_path=path)
    assert path.read_text(encoding="utf-8").startswith("姓名")


# -- row-level problems: the good rows go in, the bad ones to the rejects file ------------------------

def test_bad_rows_go_to_the_rejects_file_with_original_values_and_reason(db, centre, tmp_path):
    bad_check = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    rows = [
        ["序号", "姓名", "性别", "身份证号码", "联系电话", "出生日期", "网格", "标签", "备注"],
        [1, "林芳", "女", ID_B, "13800000001", None, "第一网格 / 一组", "老年人", "好"],  # good
        [2, "错校验", "男", bad_check, "13800000002", None, None, None, None],
        [3, "错电话", "男", ID_C, "123", None, None, None, None],
        [4, "怪标签", "男", None, "13800000004", None, None, "外星人、老年人", None],
        [5, "怪网格", "女", None, "13800000005", None, "九组", None, None],
        [6, "同名网格", "女", None, "13800000006", None, "一组", None, None],  # two sub-grids 一组
        [7, "重复", "女", ID_B, "13800000007", None, None, None, None],
        [8, "科学计数", "男", 3.50581199001011e17, "13800000008", None, None, None, None],
        [9, "文本科学计数", "男", "3.50581E+17", "13800000009", None, None, None, None],
        [10, "脱敏", "女", "110105********002X", "138****5678", None, None, None, None],
        [11, "怪性别", "x", None, "13800000011", "1950-03-01", None, None, None],
        [12, "怪日期", "男", None, "13800000012", "明年", None, None, None],
        [13, None, "男", ID_A, None, None, None, None, "没有姓名"],
    ]
    path = write_xlsx(tmp_path / "ledger.xlsx", rows)
    rejects = tmp_path / "ledger-rejects.xlsx"
    result = import_residents(db, path, rejects_path=rejects)
    assert (result.imported, result.rejected, result.rejects_file) == (1, 12, rejects)
    back = read_xlsx(rejects)
    assert back[0] == tuple(rows[0]) + ("错误原因",)
    reasons = {r[1]: r[-1] for r in back[1:]}
    originals = {r[1]: r[:-1] for r in back[1:]}
    assert "林芳" not in reasons
    assert "网格：有多个子网格都叫“一组”，请写成“网格 / 子网格”" in reasons["同名网格"]
    assert "身份证号码：身份证号校验码不符" in reasons["错校验"]
    assert "联系电话：电话应为 11 位手机号" in reasons["错电话"]
    assert "标签：没有标签“外星人”" in reasons["怪标签"]
    assert "没有名为“九组”的子网格" in reasons["怪网格"]
    assert "末尾几位已经丢失" in reasons["科学计数"] and "末尾几位已经丢失" in reasons["文本科学计数"]
    assert "需要填写完整号码" in reasons["脱敏"]
    assert "“x”不是性别" in reasons["怪性别"]
    assert "“明年”不是日期" in reasons["怪日期"]
    assert "请填写居民姓名" in reasons[None]
    # original values, original types
    assert originals["错电话"] == (3, "错电话", "男", ID_C, "123", None, None, None, None)
    assert originals["科学计数"][3] == 3.50581199001011e17
    assert count(db) == 1 and find(db, ID_B).grid_path == "莲坂村 / 第一网格 / 一组"
    problems = {p.row: p.reason for p in result.problems}
    assert sorted(problems) == list(range(3, 15))


def test_duplicates_within_the_file(db, centre, tmp_path):
    path = write_csv(tmp_path / "dups.csv", [
        ["姓名", "身份证号", "联系电话", "小区"],
        ["林芳", ID_B, "13800000001", "宝源花园"],
        ["林芳", ID_B.lower(), "13800000001", "宝源花园"],        # same ID
        ["陈一", "", "13800000002", ""],
        ["陈一", "", "13800000002", ""],                          # same name and phone
        ["王二", "", "", "宝源花园"],
        ["王二", "", "", "宝源花园"],                              # same name and address
        ["林芳", "", "13800000001", ""],                          # row 2's resident again
    ], "gbk")
    result = import_residents(db, path, rejects_path=tmp_path / "r.xlsx")
    assert (result.imported, result.rejected) == (3, 4)
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons[3] == "与第 2 行重复（身份证号相同）。"
    assert reasons[5] == "与第 4 行重复（姓名和电话相同）。"
    assert reasons[7] == "与第 6 行重复（姓名和住址相同）。"
    assert reasons[8] == "与第 2 行重复（姓名和电话相同）。"


def test_fixed_rejects_file_imports_and_its_reason_column_is_ignored(db, centre, tmp_path):
    bad = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    path = write_xlsx(tmp_path / "ledger.xlsx", [
        ["姓名", "身份证号", "联系电话", "标签"],
        ["林芳", ID_B, "13800000001", "老年人"],
        ["林强", bad, "13800000002", "老人"],
    ])
    rejects = tmp_path / "ledger-rejects.xlsx"
    first = import_residents(db, path, rejects_path=rejects)
    assert (first.imported, first.rejected) == (1, 1)
    wb = openpyxl.load_workbook(rejects)
    ws = wb.active
    assert ws["B2"].value == bad and ws["B2"].number_format == "@"  # ID numbers stay text
    ws["B2"] = ID_A
    ws["D2"] = "老年人"
    wb.save(rejects)
    again = import_residents(db, rejects)
    assert (again.imported, again.rejected, again.unknown_columns) == (1, 0, ["错误原因"])
    assert find(db, ID_A).tag_names == ["老年人"]


# -- matching existing residents -------------------------------------------------------------------

def test_importing_the_same_file_twice_changes_nothing(db, centre, tmp_path):
    path = write_xlsx(tmp_path / "ledger.xlsx", [
        ["姓名", "性别", "身份证号", "联系电话", "出生日期", "小区", "楼栋", "网格", "标签", "备注"],
        ["林芳", "女", ID_B, 13800000001.0, None, "宝源花园", 5, "二组", "老年人、党员", "x"],
        ["陈小宝", "男", None, None, dt.datetime(2015, 6, 1), "宝源花园", 5, "二组", "儿童", None],
        ["陈大宝", "M", "", "0595-88881234", "2012/6/1", "宝源花园", "5", None, None, None],
        ["张三", "女", ID_A, "13800000003", "1999-01-01", "宝源花园", "6", None, None, None],
    ])
    first = import_residents(db, path)
    assert (first.imported, first.updated, first.unchanged, first.rejected) == (4, 0, 0, 0)
    with db.session() as s:
        stamps = dict(s.execute(select(Resident.id, Resident.updated_at)).all())
    second = import_residents(db, path)
    assert (second.imported, second.updated, second.unchanged, second.rejected) == (0, 0, 4, 0)
    with db.session() as s:
        assert dict(s.execute(select(Resident.id, Resident.updated_at)).all()) == stamps
    # the ID number wins over the gender and birth date columns
    a = find(db, ID_A)
    assert (a.data.gender, a.data.birth_date) == ("M", dt.date(1950, 3, 1))
    kid = residents.get_resident(db, residents.search_ids(db, "陈小宝")[0]).data
    assert (kid.gender, kid.birth_date) == ("M", dt.date(2015, 6, 1))


@pytest.mark.parametrize("text", ["1950-03-01", "1950/3/1", "1950年3月1日", "19500301", "1950.03.01",
                                  "1950-03-01 00:00:00"])
def test_birth_date_spellings(db, tmp_path, text):
    path = write_csv(tmp_path / "b.csv", [["姓名", "出生日期", "性别"], ["林芳", text, "female"]], "gbk")
    assert import_residents(db, path).imported == 1
    d = residents.get_resident(db, residents.search_ids(db, "林芳")[0]).data
    assert (d.birth_date, d.gender) == (dt.date(1950, 3, 1), "F")


def test_update_by_id_number_keeps_what_the_file_does_not_have(db, centre, tmp_path):
    rid = residents.add_resident(db, ResidentInput(
        name="林芳", id_number=ID_B, phone="13800000001", estate="宝源花园", building="5", unit="1",
        room="301", grid_id=centre["grids"]["二组"], tag_ids=[centre["tags"]["党员"]], notes="独生子女"), actor=ADMIN)
    before = residents.get_resident(db, rid)
    path = write_csv(tmp_path / "phones.csv", [
        ["姓名", "身份证号", "联系电话", "小区", "备注"],
        ["林芳", ID_B, "13900000009", "", ""],     # empty cells keep the stored value
    ])
    result = import_residents(db, path)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 0)
    after = residents.get_resident(db, rid)
    assert after.data.phone == "13900000009"
    assert (after.data.estate, after.data.room, after.data.notes) == ("宝源花园", "301", "独生子女")
    assert (after.data.grid_id, after.tag_names) == (before.data.grid_id, ["党员"])
    assert after.member_code == before.member_code
    assert after.updated_at > before.updated_at
    assert residents.search_ids(db, "0009") == [rid]  # the search index sees the new phone
    # a tags column replaces the tags; a changed name gets new search keys
    path = write_csv(tmp_path / "tags.csv", [["姓名", "身份证号", "标签"], ["林芳芳", ID_B, "老年人"]])
    assert import_residents(db, path).updated == 1
    after = residents.get_resident(db, rid)
    assert after.tag_names == ["老年人"] and after.data.name == "林芳芳"
    assert residents.search_ids(db, "linfangfang") == [rid]


def test_rows_without_id_number_match_by_name_and_phone(db, centre, tmp_path):
    known = residents.add_resident(db, ResidentInput(name="陈一", phone="13800000002"), actor=ADMIN)
    path = write_csv(tmp_path / "a.csv", [
        ["姓名", "联系电话", "小区"],
        ["陈一", "138 0000 0002", "宝源花园"],   # the same person: updated
        ["陈一", "13800000003", "宝源花园"],     # a namesake with another phone: new
    ])
    result = import_residents(db, path)
    assert (result.imported, result.updated) == (1, 1)
    assert residents.get_resident(db, known).data.estate == "宝源花园"
    # an ID number arriving later completes the record registered without one
    path = write_csv(tmp_path / "b.csv", [["姓名", "联系电话", "身份证号"], ["陈一", "13800000002", ID_A]])
    result = import_residents(db, path)
    assert (result.imported, result.updated) == (0, 1)
    assert residents.get_resident(db, known).data.id_number == ID_A


def test_dry_run_counts_exactly_and_writes_nothing(db, centre, tmp_path):
    residents.add_resident(db, ResidentInput(name="林芳", id_number=ID_B, phone="13800000001"), actor=ADMIN)
    path = write_xlsx(tmp_path / "ledger.xlsx", [
        ["姓名", "身份证号", "联系电话"],
        ["林芳", ID_B, "13800000001"], ["林强", ID_A, "13800000002"], ["陈一", VALID, "13800000009"],
        ["坏", "123", ""], [None, None, None],
    ])
    rejects = tmp_path / "dry-rejects.xlsx"
    dry = import_residents(db, path, dry_run=True, rejects_path=rejects)
    assert count(db) == 1 and dry.dry_run
    assert len(read_xlsx(rejects)) == 2  # the rejects file may still be written when asked
    real = import_residents(db, path)
    assert (dry.imported, dry.updated, dry.unchanged, dry.rejected, dry.empty) == \
           (real.imported, real.updated, real.unchanged, real.rejected, real.empty) == (2, 0, 1, 1, 1)
    assert count(db) == 3


def test_explicit_mapping_overrides_the_headers(db, tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["户主", "证件", "X"], ["林芳", ID_B, "宝源花园"]], "gbk")
    preview = preview_file(path)
    assert preview.missing == ["name"] and preview.mapping == {}
    assert preview.rows == [["林芳", ID_B, "宝源花园"]] and preview.encoding == "gb18030"
    result = import_residents(db, path, mapping={0: "name", 1: "id_number", 2: "estate"})
    assert (result.imported, result.unknown_columns) == (1, [])
    assert find(db, ID_B).data.estate == "宝源花园"
    with pytest.raises(ImportFileError, match="有两列都对应到了“姓名”"):
        import_residents(db, path, mapping={0: "name", 2: "name"})
    with pytest.raises(ImportFileError, match="请选择“姓名”所在的列"):
        import_residents(db, path, mapping={1: "id_number"})


def test_preview_shows_header_rows_and_suggested_mapping(tmp_path):
    rows = [["花名册"], ["姓名", "电话", "籍贯"]] + [[f"居民{i}", f"1380000{i:04d}", "福建"] for i in range(30)]
    preview = preview_file(write_xlsx(tmp_path / "p.xlsx", rows, merges=["A1:C1"]), rows=5)
    assert preview.headers == ["姓名", "电话", "籍贯"] and preview.header_row == 2
    assert preview.mapping == {0: "name", 1: "phone"} and preview.unknown_columns == ["籍贯"]
    assert len(preview.rows) == 5 and preview.rows[0] == ["居民0", "13800000000", "福建"]
    assert preview.data_rows == 30 and preview.missing == []
    assert importer.FIELD_LABELS["phone"] == "Contact phone"


def test_progress_is_reported(db, tmp_path):
    rows = [["姓名", "联系电话"]] + [[f"居民{i}", f"138{i:08d}"] for i in range(600)]
    calls = []
    import_residents(db, write_csv(tmp_path / "p.csv", rows), progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (250, 600) and calls[-1] == (600, 600)


def test_a_workbook_is_imported_as_it_is_read_with_progress_of_its_recorded_size(db, tmp_path, monkeypatch):
    rows = [["姓名", "联系电话"]] + [[f"居民{i}", f"138{i:08d}"] for i in range(600)]
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    planned = []
    real_add = importer._Planner.add

    def add(self, number, values):
        planned.append(number)
        real_add(self, number, values)

    read = []
    real_rows = importer.read_table

    def read_table(*args, **kwargs):
        table = real_rows(*args, **kwargs)
        sheet_rows = table.sheet.rest()

        def counted():
            for item in sheet_rows:
                read.append((item[0], len(planned)))
                yield item
        table.sheet._rows = counted()
        return table

    monkeypatch.setattr(importer._Planner, "add", add)
    monkeypatch.setattr(importer, "read_table", read_table)
    calls = []
    result = import_residents(db, path, progress=lambda d, t: calls.append((d, t)))
    assert result.imported == 600
    assert calls[0] == (250, 600) and calls[-1] == (600, 600)
    # Streamed, not read whole first: each row is planned before the file's next row is read.
    assert read and all(number - planned_before <= 1 + importer.HEADER_SCAN + 1 for number, planned_before in read)


def test_a_file_with_only_empty_rows_below_the_header_is_refused(db, tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", [["姓名", "联系电话"], [None, None], ["", " "]])
    with pytest.raises(ImportFileError, match="e.xlsx"):
        import_residents(db, path)
    assert residents.count_residents(db) == 0


def test_a_viewer_may_not_import(db, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名"], ["林芳"]])
    with pytest.raises(access.PermissionDenied):
        import_residents(db, path, actor=access.Actor("小王", access.VIEWER))
    assert import_residents(db, path, actor=access.Actor("小李", access.DESK)).imported == 1


def test_a_failure_while_writing_leaves_nothing_behind(db, centre, tmp_path, monkeypatch):
    residents.add_resident(db, ResidentInput(name="林芳", id_number=ID_B), actor=ADMIN)
    path = write_csv(tmp_path / "a.csv", [["姓名", "身份证号", "标签"],
                                          ["林芳", ID_B, "党员"], ["林强", ID_A, "老年人"]])

    def broken(*args, **kwargs):
        raise SQLAlchemyError("disk I/O error")

    monkeypatch.setattr(importer, "update", broken)  # after the inserts, inside the transaction
    with pytest.raises(DatabaseError, match="没有导入任何数据"):
        import_residents(db, path)
    assert count(db) == 1
    assert find(db, ID_B).tag_names == []


# -- size --------------------------------------------------------------------------------------------

@pytest.mark.slow  # ~10 s
def test_fifty_thousand_rows_import(db, tmp_path):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "性别", "身份证号", "联系电话", "小区", "楼栋", "房号"])
    surnames, given = "陈林黄张吴王李蔡郑许", "伟强军明丽芳秀英敏静"
    for i in range(50_000):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 25000)
        number = make_id(f"350581{birth:%Y%m%d}{i % 997:03d}")
        writer.writerow([surnames[i % 10] + given[(i // 10) % 10] + given[(i // 100) % 10], "",
                         number, f"13{i:09d}", "宝源花园", str(i % 30), str(100 + i % 7)])
    path = tmp_path / "big.csv"
    path.write_bytes(out.getvalue().encode("gbk"))
    started = time.perf_counter()
    result = import_residents(db, path)
    assert time.perf_counter() - started < 30
    assert result.imported + result.rejected == 50_000 and result.imported > 49_000
    assert count(db) == result.imported
    with db.session() as s:
        codes = s.scalars(select(Resident.member_code)).all()
    assert len(set(codes)) == len(codes) and all(codes)


# -- property: messy cells never crash, every row is accounted for -----------------------------------

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ids = st.sampled_from([ID_A, ID_B, ID_C, VALID, ID_A.lower(), "110105491231002"])
_messy_text = st.one_of(
    st.text(max_size=30),
    st.builds(lambda s, a, b: a + s + b, st.sampled_from(["13812345678", ID_A, "林芳", "老年人", "一组"]),
              st.sampled_from(["", " ", "\t", "\u3000", "\u200b"]), st.sampled_from(["", " ", "\n", "\u3000"])),
    _ids.map(lambda s: s.translate(_FULLWIDTH)),
    st.sampled_from(["3.50581E+17", "1.38123E+10", "男", "女", "F", "1950-03-01", "1950年3月1日", "老年人、党员",
                     "一组", "第一网格 / 二组", "外星人", "0595-88881234", "'" + ID_B, "", " "]),
)
_messy_cell = st.one_of(
    st.none(), _messy_text, _ids,
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([13812345678.0, 3.50581199001011e17, 110105491231002]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
_COLUMNS = ["姓名", "性别", "身份证号", "联系电话", "出生日期", "小区", "房号", "网格", "标签", "备注"]
_PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                     HealthCheck.too_slow])


def _check_accounting(result, rows_written: int) -> None:
    assert result.imported + result.updated + result.unchanged + result.rejected + result.empty == result.rows
    assert result.rows == rows_written
    assert len(result.problems) == result.rejected
    if result.rejected and result.rejects_file:
        assert len(read_xlsx(result.rejects_file)) == result.rejected + 1


@pytest.mark.slow  # ~3 s
@_PROPERTY_SETTINGS
@given(rows=st.lists(st.lists(_messy_cell, min_size=len(_COLUMNS), max_size=len(_COLUMNS)),
                     min_size=1, max_size=12),
       dry_run=st.booleans())
def test_messy_xlsx_cells_never_crash_and_every_row_is_counted(db, centre, rows, dry_run):
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(Path(tmp) / "messy.xlsx", [_COLUMNS] + clean)
        written = max((i + 1 for i, row in enumerate(clean) if any(v is not None for v in row)), default=0)
        try:
            result = import_residents(db, path, dry_run=dry_run, rejects_path=Path(tmp) / "r.xlsx")
        except DeskError as exc:
            event(type(exc).__name__)
            assert exc.message and "Traceback" not in exc.message
            return
        event("imported" if result.imported else "rejected" if result.rejected else "other")
        _check_accounting(result, written)


@_PROPERTY_SETTINGS
@given(rows=st.lists(st.lists(st.one_of(_messy_text, st.just("")), min_size=len(_COLUMNS),
                              max_size=len(_COLUMNS)), min_size=1, max_size=12),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_messy_csv_cells_never_crash_and_every_row_is_counted(db, centre, rows, encoding):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([_COLUMNS] + rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messy.csv"
        path.write_bytes(out.getvalue().encode(encoding, errors="replace"))
        try:
            result = import_residents(db, path, rejects_path=Path(tmp) / "r.xlsx")
        except DeskError as exc:
            event(type(exc).__name__)
            assert exc.message
            return
        event("imported" if result.imported else "rejected" if result.rejected else "other")
        _check_accounting(result, len(rows))


_plausible_row = st.tuples(
    st.sampled_from(["林芳", " 林 芳 ", "陈一", "王　伟", "John Smith", "", "欧阳娜娜"]),
    st.sampled_from(["男", "女", "M", "female", "", None, "?"]),
    st.one_of(_ids, _ids.map(lambda s: " " + s.translate(_FULLWIDTH)), st.sampled_from(["", None, 3.50581e17])),
    st.sampled_from(["13812345678", 13812345678.0, "138 1234 5678", "0595-88881234", "", None, "12345"]),
    st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 1, 1)),
              st.sampled_from(["1950/3/1", "1950年3月1日", "1950-02-30"])),
    st.sampled_from(["宝源花园", "", None, "  龙湖 "]),
    st.sampled_from(["101", 101, "１０２", None]),
    st.sampled_from(["第一网格 / 一组", "二组", "一组", "九组", None]),
    st.sampled_from(["老年人", "老年人、党员", "党员, 儿童", "外星人", "", None]),
    st.sampled_from(["", None, "备注", "=1+1"]),
)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """A database with the centre's tags and grids, copied for each generated example."""
    path = tmp_path_factory.mktemp("template") / "centre.sqlite3"
    database = open_database(sqlite_url(path))
    setup_centre(database)
    database.dispose()
    return path


@pytest.mark.slow  # ~5 s
@_PROPERTY_SETTINGS
@given(rows=st.lists(_plausible_row, min_size=1, max_size=15),
       earlier=st.lists(_plausible_row, max_size=8))
def test_plausible_rows_are_accounted_for_and_a_second_import_changes_nothing(template_db, rows, earlier):
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(template_db, Path(tmp) / "db.sqlite3")
        db = open_database(sqlite_url(Path(tmp) / "db.sqlite3"))
        try:
            if earlier:  # residents registered by an earlier import
                try:
                    import_residents(db, write_xlsx(Path(tmp) / "earlier.xlsx", [_COLUMNS] + earlier))
                except DeskError:
                    pass
            _import_twice(db, Path(tmp), rows)
        finally:
            db.dispose()


def _import_twice(db, tmp: Path, rows) -> None:
    path = write_xlsx(tmp / "ledger.xlsx", [_COLUMNS] + [list(r) for r in rows])
    written = max((i + 1 for i, row in enumerate(rows) if any(v is not None for v in row)), default=0)
    try:
        result = import_residents(db, path, rejects_path=tmp / "r.xlsx")
    except DeskError as exc:
        event(type(exc).__name__)
        return
    event("imported" if result.imported else "updated/unchanged" if result.updated + result.unchanged
          else "rejected")
    _check_accounting(result, written)
    if True:
        second = import_residents(db, path)
        _check_accounting(second, written)
        assert (second.imported, second.updated, second.rejected) == (0, 0, result.rejected)
        assert second.unchanged == result.imported + result.updated + result.unchanged


def test_a_repeated_id_with_another_phone_does_not_make_a_second_import_add_someone(template_db, tmp_path):
    """Found by hypothesis: the third row matched the resident only through the phone
    the first row was about to replace, so the second import took it for a new person."""
    shutil.copy(template_db, tmp_path / "db.sqlite3")
    db = open_database(sqlite_url(tmp_path / "db.sqlite3"))
    base = ["林芳", "男", "350581195003011230", "13812345678", None, "宝源花园", "101", "第一网格 / 一组", "老年人", ""]
    try:
        import_residents(db, write_xlsx(tmp_path / "earlier.xlsx", [_COLUMNS, base]))
        landline = base[:3] + ["0595-88881234"] + base[4:]
        no_id = base[:2] + [""] + base[3:]
        for rows in ([landline, base, no_id], [landline, landline, no_id]):
            path = write_xlsx(tmp_path / "ledger.xlsx", [_COLUMNS] + rows)
            first = import_residents(db, path)
            second = import_residents(db, path)
            assert (second.imported, second.updated) == (0, 0)
            assert second.rejected == first.rejected
            assert second.unchanged == first.imported + first.updated + first.unchanged
    finally:
        db.dispose()


# -- hardening: control characters, over-long cells, over-large files -------------------------------

def test_control_characters_are_stripped_from_every_imported_text(db, centre, tmp_path):
    path = write_csv(tmp_path / "ctrl.csv", [
        ["姓名", "身份证号", "联系电话", "小区", "房号", "网格", "标签", "备注"],
        ["林\x00芳", ID_B, "138\x0000000001", "宝源\x07花园", "1\x1b01", "一组\x00", "老年人\x7f",
         "第一行\n第二行\x00\x85"],
        ["\x00\x01\x1f", None, "", "", "", "", "", ""],   # nothing but control characters: empty
    ])
    result = import_residents(db, path)
    assert (result.imported, result.rejected, result.empty) == (0, 1, 1)  # 一组 is in two grids
    assert "一组" in result.problems[0].reason and "\x00" not in result.problems[0].reason
    path = write_csv(tmp_path / "ctrl.csv", [
        ["姓名", "身份证号", "联系电话", "小区", "房号", "网格", "标签", "备注"],
        ["林\x00芳", ID_B, "138\x0000000001", "宝源\x07花园", "1\x1b01", "二组\x00", "老年人\x7f",
         "第一行\n第二行\x00\x85"],
    ])
    result = import_residents(db, path)
    assert (result.imported, result.rejected) == (1, 0)
    stored = find(db, ID_B).data
    assert (stored.name, stored.phone, stored.estate, stored.room) == ("林芳", "13800000001", "宝源花园", "101")
    assert stored.notes == "第一行\n第二行"  # a line break in a cell is kept
    assert stored.tag_ids == [centre["tags"]["老年人"]] and stored.grid_id == centre["grids"]["二组"]


def test_over_long_cells_are_row_errors_by_the_registry_s_own_limits(db, centre, tmp_path):
    ok = ["林" * residents.NAME_MAX, "13800000001", "园" * 100, "备" * 2000]
    rows = [["姓名", "联系电话", "小区", "备注"], ok,
            ["林" * (residents.NAME_MAX + 1), "13800000002", "", ""],
            ["长备注", "13800000003", "", "备" * 2001],
            ["长电话", "1" * 31, "", ""],
            ["长小区", "13800000005", "园" * 101, ""]]
    rejects = tmp_path / "r.xlsx"
    result = import_residents(db, write_xlsx(tmp_path / "long.xlsx", rows), rejects_path=rejects)
    assert (result.imported, result.rejected) == (1, 4)
    reasons = {r[0][:3]: r[-1] for r in read_xlsx(rejects)[1:]}
    # the name's limit is the one every form obeys (residents.validate)
    assert reasons["林" * 3] == "姓名：姓名过长（最多 {n} 个字）。".format(n=residents.NAME_MAX)
    assert reasons["长备注"] == "备注：内容过长（最多 2000 个字）。"
    assert reasons["长电话"] == "联系电话：内容过长（最多 30 个字）。"
    assert reasons["长小区"] == "小区：内容过长（最多 100 个字）。"
    assert count(db) == 1


def test_a_file_over_the_row_limit_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    from app.services import spreadsheet

    assert spreadsheet.MAX_DATA_ROWS == 200_000
    monkeypatch.setattr(spreadsheet, "MAX_DATA_ROWS", 5)
    names = [[f"居民{c}"] for c in "一二三四五六"]
    # CSV: counted while streaming; empty rows do not count
    path = write_csv(tmp_path / "five.csv", [["姓名"]] + names[:3] + [[""], [""]] + names[3:5])
    assert import_residents(db, path).imported == 5
    path = write_csv(tmp_path / "six.csv", [["姓名"]] + names)
    with pytest.raises(ImportFileError, match="超过 5 行"):
        import_residents(db, path)
    with pytest.raises(ImportFileError, match="超过 5 行"):
        preview_file(path)
    # xlsx: the size the workbook records refuses it before any data row is read
    path = write_xlsx(tmp_path / "six.xlsx", [["姓名"]] + names)
    read = []
    real = spreadsheet.Sheet.rest
    monkeypatch.setattr(spreadsheet.Sheet, "rest", lambda self: read.append(1) or real(self))
    with pytest.raises(ImportFileError, match="超过 5 行"):
        import_residents(db, path)
    assert not read and count(db) == 5


def test_a_big5_csv_imports_its_traditional_names_and_a_gbk_one_still_imports(db, tmp_path):
    big5 = write_csv(tmp_path / "big5.csv", [["name", "phone"], ["陳大文", "13800000001"],
                                             ["黃美玲", "13800000002"]], encoding="big5")
    result = import_residents(db, big5)
    assert result.imported == 2 and preview_file(big5).encoding == "big5"
    gbk = write_csv(tmp_path / "gbk.csv", [["name", "phone"], ["王伟", "13800000003"], ["李秀英", "13800000004"]],
                    encoding="gbk")
    assert import_residents(db, gbk).imported == 2 and preview_file(gbk).encoding == "gb18030"
    with db.session() as s:
        assert sorted(s.scalars(select(Resident.name))) == sorted(["陳大文", "黃美玲", "王伟", "李秀英"])


# -- two imports at once -------------------------------------------------------------------------------

def test_two_imports_of_a_file_without_id_numbers_at_once_add_each_resident_once(db, tmp_path):
    """Each desk has its own connection: the second import waits for the first one's write
    lock, then finds the rows it inserted and matches them (no 2 x 1,500 residents)."""
    import threading

    rows = [["姓名", "联系电话", "小区"]] + [[f"居民{i}", f"138{i:08d}", "宝源花园"] for i in range(1500)]
    path = write_csv(tmp_path / "no-ids.csv", rows)
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        desk = open_database(db.engine.url.render_as_string(hide_password=False))
        try:
            start.wait()
            results.append(import_residents(desk, path, actor=ADMIN))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            desk.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 2
    assert count(db) == 1500
    assert sorted((r.imported, r.unchanged) for r in results) == [(0, 1500), (1500, 0)]
