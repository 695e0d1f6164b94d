"""The generic spreadsheet reader (app/services/spreadsheet.py), with a ledger's own column table.

The resident import uses it with the residents' columns (tests/services/test_importer.py);
these tests use a table of their own, as the day-care or merchant ledgers will.
"""
import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.errors import DeskError
from app.services import importer, spreadsheet
from app.services.spreadsheet import (Columns, HeaderNames, ImportFileError, Layout, map_headers, open_sheet,
                                      read_table, write_rejects)
from tests.services.sheets import two_header_rows_xlsx, write_csv, write_xlsx

ID_A = "350581195003011230"   # values only: the reader does not check them
ID_B = "350582198007150640"
VALID = "11010519491231002X"
HEADER = ["姓名", "性别", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "网格", "标签", "备注"]

# A ledger's column table: {field: accepted header names}, the labels, the required field.
ALIASES = {
    "name": ["姓名", "名字", "name"],
    "gender": ["性别"],
    "id_number": ["身份证号", "身份证号码", "身份证"],
    "phone": ["联系电话", "手机号", "电话"],
    "estate": ["小区"],
    "building": ["楼栋"],
    "unit": ["单元"],
    "room": ["房号"],
    "notes": ["备注"],
}
LEDGER = Columns(labels={"name": "Name", "gender": "Gender", "id_number": "ID number", "phone": "Contact phone",
                         "estate": "Estate", "building": "Building", "unit": "Unit", "room": "Room",
                         "notes": "Notes"},
                 aliases=ALIASES, required=("name",))


def read(path, columns=LEDGER, **kwargs):
    """(layout, data rows, the table) of a file, the file closed again."""
    with read_table(path, columns, **kwargs) as table:
        return table.layout, list(table.rows()), table


def values(rows) -> list[list]:
    """The non-empty data rows, trailing empty cells dropped."""
    out = []
    for _number, cells in rows:
        cells = list(cells)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            out.append(cells)
    return out


# -- header names and mapping ------------------------------------------------------------------

def test_headers_map_by_their_accepted_names():
    mapping, unknown = map_headers(["序号", "姓名*", "身份证号码（必填）", "手机号:", "Name", "电话(手机)", "", "籍贯"],
                                   ALIASES)
    assert mapping == {1: "name", 2: "id_number", 3: "phone"}
    assert unknown == ["序号", "Name", "电话(手机)", "籍贯"]  # a field already taken counts as unknown
    names = HeaderNames({"child": ["幼儿姓名", "child"], "guardian": ["监护人"]})
    assert names.match(" 幼儿 姓名 （必填）") == "child" and names.match("监护人(父母)") == "guardian"
    assert names.match("姓名") is None and names.match(None) is None
    assert map_headers(["监护人", "幼儿姓名"], names) == ({0: "guardian", 1: "child"}, [])
    assert importer.match_header("身份证号码（必填）") == "id_number"  # the residents' table
    assert importer.suggest_mapping(["姓名", "电话", "籍贯"]) == {0: "name", 1: "phone"}


# -- reading real-world files ------------------------------------------------------------------

def test_merged_title_row_and_decorated_headers(tmp_path):
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ["莲坂村居民花名册（2026年）"],
        ["序号", "姓名*", "性别", "身份证号码（必填）", "手机号", "小区"],
        [1, "王　伟", "男", ID_A, 13812345678.0, "莲坂新村"],
    ], merges=["A1:F1"])
    layout, rows, _table = read(path)
    assert layout.header_row == 2 and layout.unknown == ["序号"]
    assert layout.columns["id_number"] == "身份证号码（必填）"
    assert values(rows) == [[1, "王　伟", "男", ID_A, 13812345678, "莲坂新村"]]


def test_merged_header_cells_and_two_header_rows(tmp_path):
    # 姓名 and 身份证号 span two header rows; 住址 spans 小区/楼栋/单元/房号 below it.
    path = two_header_rows_xlsx(tmp_path / "two-rows.xlsx", ID_B, ID_A)
    layout, rows, _table = read(path)
    assert layout.header_row == 3
    assert layout.mapping == {0: "name", 1: "id_number", 2: "estate", 3: "building", 4: "unit",
                              5: "room", 6: "phone"}
    assert layout.unknown == []
    assert [number for number, _v in rows] == [4, 5]
    assert values(rows) == [["林芳", ID_B, "宝源花园", "5", "1", "301", "13800000001"],
                            ["林强", ID_A, "宝源花园", "5", "1", "302", "13800000002"]]


def test_merged_data_cells_apply_to_every_row_they_cover(tmp_path):
    path = write_xlsx(tmp_path / "households.xlsx", [
        ["小区", "姓名", "身份证号"],
        ["宝源花园", "林芳", ID_B],
        [None, "林强", ID_A],
        ["龙湖嘉天下", "蔡良剑", VALID],
    ], merges=["A2:A3"])
    _layout, rows, _table = read(path)
    assert values(rows) == [["宝源花园", "林芳", ID_B], ["宝源花园", "林强", ID_A], ["龙湖嘉天下", "蔡良剑", VALID]]


def test_the_sheet_with_the_name_column_is_chosen(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由社区填写"])
    data = wb.create_sheet("居民")
    data.append(["姓名", "身份证号"])
    data.append(["林芳", ID_B])
    wb.save(tmp_path / "two-sheets.xlsx")
    _layout, rows, table = read(tmp_path / "two-sheets.xlsx")
    assert (table.sheet.sheet, table.sheet.sheets) == ("居民", ["说明", "居民"])
    assert values(rows) == [["林芳", ID_B]] and table.data_rows == 1
    # asked for by name; without a key column the active sheet is read
    with open_sheet(tmp_path / "two-sheets.xlsx", "说明") as sheet:
        assert sheet.head == [(1, ["本表由社区填写"])]
    with open_sheet(tmp_path / "two-sheets.xlsx") as sheet:
        assert sheet.sheet == "说明"
    with pytest.raises(ImportFileError, match="没有名为“其他”的工作表"):
        open_sheet(tmp_path / "two-sheets.xlsx", "其他")


def test_a_wrong_size_recorded_in_the_workbook_does_not_hide_data(tmp_path):
    path = write_xlsx(tmp_path / "wps.xlsx", [["序号", "姓名", "身份证号"], [1, "林芳", ID_B], [2, "林强", ID_A]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:C3" />' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:C3" />', b'<dimension ref="A1"/>')
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    _layout, rows, _table = read(path)
    assert values(rows) == [[1, "林芳", ID_B], [2, "林强", ID_A]]


@pytest.mark.parametrize("encoding,bom,delimiter,detected", [
    ("gbk", False, ",", "gb18030"), ("gb18030", False, ",", "gb18030"), ("utf-8", True, ",", "utf-8"),
    ("utf-8", False, ",", "utf-8"), ("utf-8", True, "\t", "utf-8"), ("gbk", False, ";", "gb18030"),
    ("utf-16", False, "\t", "utf-16"),
])
def test_csv_encodings_and_delimiters_are_detected(tmp_path, encoding, bom, delimiter, detected):
    path = write_csv(tmp_path / "ledger.csv", [
        ["姓名", "性别", "身份证号", "联系电话", "小区", "标签"],
        ["蔡良剑", "男", ID_A, "13812345678", "状元里小区", "老年人，党员"],
        ["单雄", "男", "", "0595-88881234", "状元里小区", ""],
    ], encoding=encoding, delimiter=delimiter, bom=bom)
    layout, rows, table = read(path)
    assert table.encoding == detected
    assert layout.mapping == {0: "name", 1: "gender", 2: "id_number", 3: "phone", 4: "estate"}
    assert layout.unknown == ["标签"]
    assert values(rows) == [["蔡良剑", "男", ID_A, "13812345678", "状元里小区", "老年人，党员"],
                            ["单雄", "男", None, "0595-88881234", "状元里小区"]]


BIG5_NAMES = ["陳大文", "黃美玲", "張偉強", "劉德華", "鄭秀英", "吳建國"]


def test_a_big5_csv_with_an_ascii_header_reads_as_big5_not_as_garbled_gbk(tmp_path):
    rows = [["name", "phone", "estate"]] + [[n, f"1381234567{i}", "寶源花園"] for i, n in enumerate(BIG5_NAMES)]
    path = write_csv(tmp_path / "big5.csv", rows, encoding="big5")
    layout, read_rows, table = read(path)
    assert table.encoding == "big5"
    assert values(read_rows) == rows[1:]
    path = write_csv(tmp_path / "one.csv", [["name"], ["陳大文"], ["黃美玲"]], encoding="big5")
    assert values(read(path)[1]) == [["陳大文"], ["黃美玲"]]


def test_a_csv_that_reads_as_neither_gbk_nor_big5_is_refused_naming_the_guess(tmp_path):
    # Big5 names, then a name only GBK has: no encoding gives sensible text
    data = "name\n".encode() + "\n".join(BIG5_NAMES).encode("big5") + "\n王喆\n".encode("gbk")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFileError, match=r"不像是 GB18030 \(GBK\) 编码.*CSV UTF-8"):
        read(path)


def test_gbk_files_of_common_and_rare_names_still_read_as_gbk(tmp_path):
    names = ["王喆", "李堃", "张伟", "刘昇", "陈一", "林芳", "黄丽", "周杰", "陳大文", "黃美玲"]  # traditional ones too
    rows = [["name", "notes"]] + [[n, "独居老人，★重点①"] for n in names]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    _layout, read_rows, table = read(path)
    assert table.encoding == "gb18030" and values(read_rows) == rows[1:]


_GB2312_HANZI = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
                 if (hi, lo) < (0xD7, 0xFA)]
_BIG5_COMMON = [ch for ch in (bytes([hi, lo]).decode("big5", "ignore") for hi in range(0xA4, 0xC6)
                              for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))) if ch]


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(names=st.lists(st.text(st.sampled_from(_GB2312_HANZI), min_size=2, max_size=4), min_size=2, max_size=20))
def test_gbk_names_always_read_back_as_written(names):
    text = "name,phone\n" + "".join(f"{n},13812345678\n" for n in names)
    assert spreadsheet.decode_text(text.encode("gbk"), "a.csv") == (text, "gb18030")


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(names=st.lists(st.text(st.sampled_from(_BIG5_COMMON), min_size=2, max_size=4), min_size=1, max_size=20))
def test_big5_names_read_back_as_written_or_are_refused_never_garbled(names):
    text = "name,phone\n" + "".join(f"{n},13812345678\n" for n in names)
    try:
        decoded, encoding = spreadsheet.decode_text(text.encode("big5"), "a.csv")
    except ImportFileError as exc:
        event("refused")
        assert "UTF-8" in exc.message
        return
    event(encoding)
    # the only misreading left: bytes that are also plain GBK of common simplified hanzi
    assert decoded == text or all(spreadsheet._gb2312_hanzi(ch) for ch in decoded if ch > "\x7f")


def test_excel_sep_line_in_csv(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_bytes(f"sep=;\r\n姓名;身份证号;联系电话\r\n林芳;'{ID_B};13812345678\r\n".encode("gbk"))
    layout, rows, _table = read(path)
    assert layout.mapping == {0: "name", 1: "id_number", 2: "phone"}
    assert values(rows) == [["林芳", "'" + ID_B, "13812345678"]]


# -- file-level problems -----------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
NOT_READABLE = [
    ("notes.xlsx", "姓名,电话\n张三,13812345678\n".encode(), "不是 Excel 工作簿"),
    ("picture.xlsx", PNG, "不是 Excel 工作簿"),
    ("picture.csv", PNG, "不是表格文件"),
    ("report.pdf", b"%PDF-1.4\n...", "不是表格文件"),
    ("secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, "密码保护"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, ".xls"),
    ("empty.csv", b"", "是空的"),
    ("blank.csv", b"\r\n \r\n", "是空的"),
    ("bytes.csv", "姓名,电话\n张三,".encode() + b"\xff\x80\n", "无法识别"),
]


@pytest.mark.parametrize("name,content,message", NOT_READABLE)
def test_files_that_are_not_readable_spreadsheets(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        read(path)


def test_truncated_workbook_is_reported_as_damaged(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER] + [["林芳", "女", ID_B]] * 50)
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 200):
        broken = tmp_path / f"cut{cut}.xlsx"
        broken.write_bytes(data[:cut])
        with pytest.raises(ImportFileError, match="已损坏"):
            read(broken)
    # a zip that is not a workbook (say, a renamed .docx)
    other = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportFileError, match="已损坏"):
        read(other)


def test_empty_sheet_and_missing_required_column(tmp_path):
    with pytest.raises(ImportFileError, match="是空的"):
        read(write_xlsx(tmp_path / "empty.xlsx", []))
    with pytest.raises(ImportFileError, match="缺少必填列“姓名”"):
        read(write_xlsx(tmp_path / "noname.xlsx", [["身份证号", "电话"], [ID_A, "13812345678"]]))
    with pytest.raises(ImportFileError, match="缺少必填列“姓名”"):
        read(write_csv(tmp_path / "noname.csv", [["名称", "电话"], ["林芳", "1"]], "gbk"))
    with pytest.raises(ImportFileError, match="不存在"):
        read(tmp_path / "nowhere.xlsx")
    with pytest.raises(ImportFileError, match="不是表格文件"):
        read(tmp_path)  # a folder
    # not strict (a preview): the first non-empty row is the header, nothing is required
    layout, rows, _table = read(tmp_path / "noname.csv", strict=False)
    assert (layout.header_row, layout.mapping, layout.unknown) == (1, {1: "phone"}, ["名称"])
    assert values(rows) == [["林芳", "1"]]


def test_explicit_mapping_and_header_row(tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["说明"], ["户主", "证件", "X"], ["林芳", ID_B, "宝源花园"]], "gbk")
    layout, rows, _table = read(path, mapping={0: "name", 1: "id_number", 2: "estate"}, header_row=2)
    assert (layout.header_row, layout.mapping, layout.unknown) == (2, {0: "name", 1: "id_number", 2: "estate"}, [])
    assert layout.columns == {"name": "户主", "id_number": "证件", "estate": "X"}
    assert values(rows) == [["林芳", ID_B, "宝源花园"]]
    with pytest.raises(ImportFileError, match="有两列都对应到了“姓名”"):
        read(path, mapping={0: "name", 2: "name"})
    with pytest.raises(ImportFileError, match="请选择“姓名”所在的列"):
        read(path, mapping={1: "id_number"})
    with pytest.raises(ValueError):
        read(path, mapping={0: "name", 1: "shoe_size"})
    with pytest.raises(ImportFileError, match="第 20 行"):
        read(path, header_row=20)


# -- the rejects file -----------------------------------------------------------------------------

def test_rejects_keep_header_texts_and_values_with_a_reason(tmp_path):
    layout = Layout(2, ["姓名", "身份证号", "联系电话"], {0: "name", 1: "id_number", 2: "phone"}, [])
    rejects = [(3, ["林芳", 350581195003011230, 13812345678.0, None, None], "不对"),
               (4, ["林强", "=1+1", None], "也不对")]
    path = write_rejects(tmp_path / "r.xlsx", layout, rejects, text_fields=("id_number", "phone"))
    ws = openpyxl.load_workbook(path).active
    assert list(ws.iter_rows(values_only=True)) == [
        ("姓名", "身份证号", "联系电话", "错误原因"),
        ("林芳", "350581195003011230", "13812345678", "不对"),
        ("林强", "=1+1", None, "也不对")]
    assert ws["B2"].number_format == "@" and ws["C2"].number_format == "@"
    assert spreadsheet.default_rejects_path(tmp_path / "花名册.xlsx") == tmp_path / "花名册-错误清单.xlsx"
    with pytest.raises(ImportFileError, match="不存在"):
        write_rejects(tmp_path / "nowhere" / "r.xlsx", layout, rejects)


# -- property: any file either reads or is refused with a message -----------------------------------

_PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.function_scoped_fixture])
_cell = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                  st.sampled_from(["林芳", "13812345678", "", " ", "\u3000", "\u200b"])
                  ).filter(lambda t: LEDGER.names.match(t) is None)  # a header name makes a second header row


@_PROPERTY_SETTINGS
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=6), min_size=1, max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       delimiter=st.sampled_from([",", "\t", ";"]))
def test_csv_cells_come_back_as_written(tmp_path, rows, encoding, delimiter):
    """Written with a header row, any CSV reads back cell for cell (empty cells as None)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([["姓名", "备注"]] + rows)
    path = tmp_path / "ledger.csv"
    try:
        path.write_bytes(out.getvalue().encode(encoding))
    except UnicodeEncodeError:
        event("not encodable")
        return
    try:
        layout, read_rows, _table = read(path)
    except ImportFileError as exc:  # e.g. a text that is also valid in another encoding
        event("refused")
        assert exc.message
        return
    event("read")
    assert layout.header_row == 1 and layout.mapping == {0: "name", 1: "notes"}
    expected = [[v if v != "" else None for v in row] for row in rows]
    got = [cells for _n, cells in read_rows]
    # csv writes a row of one empty cell as '""', which reads back as one empty cell
    assert got == expected or [c for c in got if c != [None]] == [c for c in expected if c != [None]]


@_PROPERTY_SETTINGS
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".xls"]),
       prefix=st.sampled_from([b"", b"PK\x03\x04", "姓名,电话\n".encode(), b"\xff\xfe"]))
def test_any_bytes_read_or_are_refused_with_a_message(tmp_path, data, suffix, prefix):
    path = tmp_path / f"file{suffix}"
    path.write_bytes(prefix + data)
    try:
        layout, _rows, _table = read(path, strict=False)
    except DeskError as exc:
        event(type(exc).__name__)
        assert isinstance(exc, ImportFileError) and exc.message and "Traceback" not in exc.message
        return
    event("read")
    assert isinstance(layout.header_row, int)


def test_dates_and_numbers_display_as_typed():
    assert spreadsheet.display(dt.datetime(1950, 3, 1)) == "1950-03-01"
    assert spreadsheet.display(13812345678.0) == "13812345678" and spreadsheet.display(None) == ""
    assert spreadsheet.cell_text(" \u200b林芳\u3000") == "林芳"
    assert spreadsheet.is_blank("\u200b ") and not spreadsheet.is_blank(0)
