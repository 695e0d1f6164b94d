"""Spreadsheets written for the import tests: .xlsx with merged cells, CSV in any encoding."""
import csv
import io
from pathlib import Path

import openpyxl


def write_xlsx(path: Path, rows, merges=(), sheet_title=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if sheet_title:
        ws.title = sheet_title
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def write_csv(path: Path, rows, encoding="utf-8", delimiter=",", bom=False) -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def two_header_rows_xlsx(path: Path, first_id: str, second_id: str) -> Path:
    """A ledger with a merged title, 姓名 and 身份证号 spanning two header rows, and 住址 over
    小区/楼栋/单元/房号: two residents, 林芳 and 林强, with the given ID numbers."""
    return write_xlsx(path, [
        ["居民信息登记表"],
        ["姓名", "身份证号", "住址", None, None, None, "联系电话"],
        [None, None, "小区", "楼栋", "单元", "房号", None],
        ["林芳", first_id, "宝源花园", "5", "1", "301", "13800000001"],
        ["林强", second_id, "宝源花园", "5", "1", "302", "13800000002"],
    ], merges=["A1:G1", "A2:A3", "B2:B3", "C2:F2", "G2:G3"])
