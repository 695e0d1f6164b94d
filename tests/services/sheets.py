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
