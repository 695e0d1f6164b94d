import datetime as dt

import openpyxl
import pytest

from app.services import access, exporter, grids, residents, tags
from app.services.access import Actor, PermissionDenied
from app.services.exporter import ExportError, export_residents
from app.services.xlsx import display_width
from app.services.importer import import_residents
from app.services.residents import ResidentInput

VALID = "11010519491231002X"
ADMIN = Actor("王主任", access.ADMINISTRATOR)
DESK = Actor("小李", access.DESK)
HEADERS = ("姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "网格",
           "标签", "备注", "状态")
# A masked export has no birth-date and notes columns (rather than empty ones).
MASKED_HEADERS = tuple(h for h in HEADERS if h not in ("出生日期", "备注"))


@pytest.fixture
def people(db):
    tags.ensure_default_tags(db, actor=ADMIN)
    tag_ids = {t.name: t.id for t in tags.list_tags(db)}
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    sub = grids.add_grid(db, grids.add_grid(db, root, "第一网格", actor=ADMIN), "一组", actor=ADMIN)
    ids = {
        "cai": residents.add_resident(db, ResidentInput(
            name="蔡良剑", id_number=VALID, phone="13812345678", estate="宝源花园", building="3", unit="2",
            room="1101", grid_id=sub, tag_ids=[tag_ids["老年人"], tag_ids["党员"]], notes="腿脚不便"), actor=ADMIN),
        "lin": residents.add_resident(db, ResidentInput(
            name="林小宝", gender="M", birth_date=dt.date(2015, 6, 1), phone="0595-88881234", estate="龙湖嘉天下"), actor=ADMIN),
        "gone": residents.add_resident(db, ResidentInput(name="陈搬走", phone="13900000000"), actor=ADMIN),
    }
    residents.deactivate_resident(db, ids["gone"], "迁出", actor=ADMIN)
    return ids


def rows_of(path):
    ws = openpyxl.load_workbook(path).active
    return ws, list(ws.iter_rows(values_only=True))


def test_masked_export_has_chinese_headers_real_dates_and_widths(db, people, tmp_path):
    path = tmp_path / "居民.xlsx"
    assert export_residents(db, path, actor=DESK) == 2
    ws, rows = rows_of(path)
    assert rows[0] == MASKED_HEADERS
    by_name = {r[0]: dict(zip(MASKED_HEADERS, r)) for r in rows[1:]}
    cai = by_name["蔡良剑"]
    assert cai["身份证号"] == "110105********002X" and cai["联系电话"] == "138****5678"
    # The birth date would give the masked digits back, and notes may be health data: the
    # masked file has no such columns, so nobody takes an empty one for "not recorded".
    assert cai["性别"] == "女" and "出生日期" not in cai and "备注" not in cai
    assert not any(value in ("腿脚不便", dt.datetime(1949, 12, 31)) for row in rows for value in row)
    assert cai["年龄"] == residents.age_on(dt.date(1949, 12, 31))
    assert (cai["小区"], cai["楼栋"], cai["单元"], cai["房号"]) == ("宝源花园", "3", "2", "1101")
    assert cai["网格"] == "第一网格 / 一组" and cai["标签"] == "老年人、党员"
    assert cai["状态"] == "在册"
    lin = by_name["林小宝"]
    assert lin["联系电话"] == "0595-****1234" and lin["身份证号"] is None
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    widths = {c: ws.column_dimensions[c].width for c in "ABFD"}
    assert widths["A"] >= display_width("蔡良剑") and widths["D"] >= len("110105********002X")
    assert widths["F"] >= display_width("宝源花园") == 8  # CJK characters count double
    assert ws["D2"].number_format == "@" and ws["E2"].number_format == "@"  # ID and phone stay text


def test_a_full_export_has_real_dates_and_the_notes(db, people, tmp_path):
    path = tmp_path / "full.xlsx"
    export_residents(db, path, full=True, actor=ADMIN)
    ws, rows = rows_of(path)
    assert rows[0] == HEADERS
    cai = {r[0]: dict(zip(HEADERS, r)) for r in rows[1:]}["蔡良剑"]
    assert cai["出生日期"] == dt.datetime(1949, 12, 31) and cai["备注"] == "腿脚不便"
    assert ws["C2"].is_date and "yy" in ws["C2"].number_format
    assert ws["E2"].number_format == "@" and ws["F2"].number_format == "@"


def test_order_and_query_follow_the_residents_list(db, people, tmp_path):
    export_residents(db, tmp_path / "all.xlsx", include_inactive=True)
    _ws, rows = rows_of(tmp_path / "all.xlsx")
    expected = [residents.fetch_rows(db, [i])[i].name for i in residents.search_ids(db, "", True)]
    assert [r[0] for r in rows[1:]] == expected
    assert {r[0]: r[-1] for r in rows[1:]}["陈搬走"] == "已停用"
    assert export_residents(db, tmp_path / "q.xlsx", query="clj") == 1
    assert rows_of(tmp_path / "q.xlsx")[1][1][0] == "蔡良剑"


def test_full_data_only_for_roles_that_may(db, people, tmp_path):
    path = tmp_path / "full.xlsx"
    with pytest.raises(PermissionDenied, match="无权查看或导出完整的身份证号和电话号码"):
        export_residents(db, path, full=True, actor=DESK)
    with pytest.raises(PermissionDenied):
        export_residents(db, path, full=True)  # the operating-system user has the desk role
    assert not path.exists()
    assert export_residents(db, path, full=True, actor=ADMIN) == 2
    by_name = {r[0]: r for r in rows_of(path)[1][1:]}
    assert by_name["蔡良剑"][4:6] == (VALID, "13812345678")
    assert by_name["林小宝"][5] == "0595-88881234"
    with pytest.raises(PermissionDenied):
        export_residents(db, tmp_path / "v.xlsx", actor=Actor("访客", access.VIEWER))


def test_a_full_export_imports_back_unchanged(db, people, tmp_path):
    path = tmp_path / "full.xlsx"
    export_residents(db, path, full=True, actor=ADMIN, include_inactive=True)
    result = import_residents(db, path)
    assert (result.imported, result.updated, result.rejected, result.unchanged) == (0, 0, 0, 3)
    assert set(result.unknown_columns) == {"年龄", "状态"}


def test_a_masked_export_does_not_import_as_data(db, people, tmp_path):
    path = tmp_path / "masked.xlsx"
    export_residents(db, path)
    result = import_residents(db, path, dry_run=True)
    assert result.rejected == 2 and "完整号码" in result.problems[0].reason


def test_english_headers(db, people, tmp_path, english):
    export_residents(db, tmp_path / "en.xlsx")
    header = rows_of(tmp_path / "en.xlsx")[1][0]
    assert header[:5] == ("Name", "Gender", "Age", "ID number", "Contact phone")
    assert header[-1] == "Status" and "Birth date" not in header and "Notes" not in header


def test_text_that_looks_like_a_formula_stays_text(db, tmp_path):
    residents.add_resident(db, ResidentInput(name="=HYPERLINK(1)", notes="=1+1"), actor=ADMIN)
    export_residents(db, tmp_path / "f.xlsx", full=True, actor=ADMIN)
    ws, rows = rows_of(tmp_path / "f.xlsx")
    assert rows[1][0] == "=HYPERLINK(1)" and ws["A2"].data_type == "s" and ws["M2"].data_type == "s"


def test_a_failed_export_leaves_no_half_written_file(db, people, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.xlsx"
    target.write_bytes(b"the previous export")
    real_save = openpyxl.Workbook.save

    def broken_save(self, filename):
        real_save(self, filename)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(ExportError, match="无法写入"):
        export_residents(db, target)
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in folder.iterdir()] == ["out.xlsx"]  # no temporary file left


def test_missing_folder_is_a_clear_error(db, tmp_path):
    with pytest.raises(ExportError, match="不存在"):
        export_residents(db, tmp_path / "nowhere" / "out.xlsx")


def test_an_empty_registry_exports_the_header(db, tmp_path):
    assert export_residents(db, tmp_path / "e.xlsx") == 0
    assert rows_of(tmp_path / "e.xlsx")[1] == [MASKED_HEADERS]


def test_display_width():
    assert display_width("abc") == 3 and display_width("蔡良剑") == 6 and display_width("１") == 2
    assert [label for _key, label in exporter.COLUMNS][0] == "Name"


def test_an_export_that_cannot_be_audited_is_not_kept(db, people, tmp_path, monkeypatch):
    from app.services import audit

    def broken(*args, **kwargs):
        raise RuntimeError("the trail is locked")

    monkeypatch.setattr(audit, "record", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError, match="审计"):
        export_residents(db, folder / "out.xlsx", full=True, actor=ADMIN)
    assert list(folder.iterdir()) == []
