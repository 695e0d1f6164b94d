"""Writing .xlsx files: the one place for what every export needs.

A bold, frozen header row; column widths from the content (Chinese characters
count double); dates as real dates; text that starts with "=" stays text (never
a formula); characters Excel refuses are dropped; the file is written to a
temporary file beside the target and renamed, so it is never half-written.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import DeskError
from app.i18n import _

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MAX_WIDTH = 60


def check_target(path: str | Path, error: type[DeskError] = DeskError) -> Path:
    """`path` as a Path, if a file may be written there: a new name, or an existing regular
    file. A device, a FIFO, a folder or a symbolic link is never replaced by a file."""
    if str(path).strip() == "":
        raise error(_("No output file was given."))
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise error(_("{path} cannot be written: {error}").format(path=path, error=exc.strerror or exc)) from exc
    if not stat.S_ISREG(mode):
        raise error(_("{path} is not an ordinary file (a folder, a link or a device); "
                      "choose a file name.").format(path=path))
    return path


def display_width(text: str) -> int:
    """Width of `text` in Excel's character units: CJK (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_table(path: str | Path, title: str, headers: Sequence[str], rows: Iterable[Sequence], *,
                error: type[DeskError] = DeskError, text_columns: Iterable[int] = (),
                max_width: int = MAX_WIDTH) -> int:
    """Write one sheet; returns the number of data rows. Failures raise `error`.

    Columns in `text_columns` are formatted as text (ID numbers, phones), so Excel
    does not turn them into numbers when someone edits the file.
    """
    return write_sheets(path, [Sheet(title, headers, rows, tuple(text_columns))], error=error,
                        max_width=max_width)[0]


@dataclass
class Sheet:
    """One sheet of `write_sheets`: what `write_table` writes as its one."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: Iterable[int] = ()


def write_sheets(path: str | Path, sheets: Sequence[Sheet], *, error: type[DeskError] = DeskError,
                 max_width: int = MAX_WIDTH) -> list[int]:
    """Write several sheets to one workbook, each as `write_table` writes its one; returns the
    number of data rows of each. Failures raise `error`."""
    from openpyxl import Workbook

    path = check_target(path, error)
    if not path.parent.is_dir():
        raise error(_("The folder {folder} does not exist.").format(folder=path.parent))
    wb = Workbook(write_only=True)
    counts = [_add_sheet(wb, sheet, max_width) for sheet in sheets]
    save_atomically(wb, path, error)
    return counts


def _add_sheet(wb, sheet: Sheet, max_width: int) -> int:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    headers, text_columns = sheet.headers, set(sheet.text_columns)
    ws = wb.create_sheet(sheet.title[:31])
    widths = [display_width(h) for h in headers]

    def cell(value, column: int):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, dt.datetime):
            c.number_format, shown = DATETIME_FORMAT, 19
        elif isinstance(value, dt.date):
            c.number_format, shown = DATE_FORMAT, 10
        else:
            if isinstance(value, str) and value.startswith("="):
                c.data_type = "s"  # text, never a formula
            shown = display_width(str(value))
        if column in text_columns:
            c.number_format = "@"
        while column >= len(widths):
            widths.append(0)
        widths[column] = max(widths[column], shown)
        return c

    # Widths and the frozen header must be set before the first row is written,
    # so the cells are made first and appended after.
    body = [[cell(v, i) for i, v in enumerate(row)] for row in sheet.rows]
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(max_width, max(8, width + 2))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header.append(c)
    ws.append(header)
    for cells in body:
        ws.append(cells)
    return len(body)


def save_atomically(wb, path: Path, error: type[DeskError] = DeskError) -> None:
    """Save to a temporary file beside `path`, then rename; a failure leaves no trace."""
    path = check_target(path, error)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent or ".")
        os.close(fd)
        wb.save(tmp)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        _discard(wb)
        raise error(_("{path} cannot be written: {error}").format(
            path=path, error=exc.strerror or exc)) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):  # cleanup never hides the error above
                Path(tmp).unlink(missing_ok=True)


def _discard(wb) -> None:
    """Close an unsaved write-only workbook's sheets and remove their temporary files, so
    nothing complains later ("I/O operation on closed file") when they are collected."""
    for ws in getattr(wb, "worksheets", ()):
        with contextlib.suppress(Exception):
            if hasattr(ws, "closed") and not ws.closed:
                ws.close()
        with contextlib.suppress(Exception):
            ws._writer.cleanup()
