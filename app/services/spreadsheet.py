"""Reading ledgers kept in Excel, WPS or CSV: the part every import shares.

Centres arrive with years of ledgers: a merged title row above the header,
headers such as "身份证号码（必填）", a second header row under merged group
headers ("住址" over 小区 / 楼栋 / 单元 / 房号), files saved as GBK or UTF-16
CSV. This module opens such a file and finds its header and data rows; it
knows nothing about what the rows mean. An import describes its own columns
with a `Columns` table ({field: accepted header names}, labels, the required
fields) and checks the rows itself:

    columns = Columns(labels={"name": N_("Name"), ...}, aliases={"name": ("姓名", "name"), ...},
                      required=("name",))
    with read_table(path, columns) as table:
        table.layout.mapping        # column index -> field
        for number, values in table.rows(): ...

A file-level problem (not a spreadsheet, password-protected, damaged, empty,
no required column) raises ImportFileError.
"""
from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import itertools
import os
import re
import unicodedata
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import DeskError
from app.i18n import _, format_number
from app.services import xlsx

# openpyxl warns about styles and extensions it drops while reading; that is no news for staff.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")


class ImportFileError(DeskError):
    """The file as a whole cannot be imported (nothing was imported)."""


HEADER_SCAN = 10          # the header row is looked for in the first rows
MAX_DATA_ROWS = 200_000   # a file with more (non-empty) data rows is refused
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".et", ".ett"}
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}


# -- cells ------------------------------------------------------------------------

# Zero-width characters, and control characters (NUL, C0 but tab and line breaks, DEL, C1)
# that a text never means: they are dropped from every cell read.
_ZERO_WIDTH = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]")


def is_blank(value) -> bool:
    """True for an empty cell (None, or text of spaces, zero-width and control characters)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not _ZERO_WIDTH.sub("", value).strip()
    return False


def display(value) -> str:
    """A cell value as text (for previews and messages)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    return str(value).strip()


def cell_text(value) -> str:
    """A cell value as text without zero-width or control characters or surrounding spaces."""
    return _ZERO_WIDTH.sub("", display(value)).strip()


# -- headers ------------------------------------------------------------------------

def norm_header(text) -> str:
    """A header text as compared: NFKC, no spaces, lower case, no "*", ":" or "（必填）"."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = re.sub(r"\s+", "", t).lower()
    t = t.strip("*:：")
    t = re.sub(r"\((必填|选填|可选|必须|required|optional)\)$", "", t)
    return t.strip("*:：")


class HeaderNames:
    """The header texts accepted for each field: {field: [accepted header names]}."""

    def __init__(self, aliases: Mapping[str, Iterable[str]]):
        self.aliases = {key: tuple(names) for key, names in aliases.items()}
        self._index = {norm_header(alias): key for key, names in self.aliases.items() for alias in names}

    def match(self, text) -> str | None:
        """The field a header text stands for ("身份证号码（必填）" -> "id_number"), or None."""
        t = norm_header(text)
        if not t:
            return None
        found = self._index.get(t)
        if found is None:  # a hint in brackets: "出生日期(yyyy-mm-dd)", "联系电话（手机）"
            base = re.sub(r"\([^()]*\)$", "", t)
            if base != t:
                found = self._index.get(base.strip("*:："))
        return found


def _names(names: HeaderNames | Mapping[str, Iterable[str]]) -> HeaderNames:
    return names if isinstance(names, HeaderNames) else HeaderNames(names)


def match_header(text, names: HeaderNames | Mapping[str, Iterable[str]]) -> str | None:
    """The field of `names` a header text stands for, or None."""
    return _names(names).match(text)


def map_headers(headers: Sequence[str], names: HeaderNames | Mapping[str, Iterable[str]]
                ) -> tuple[dict[int, str], list[str]]:
    """Column index -> field for a header row, and the header texts that match no field.

    Each field takes the first column that matches it; a later column with the
    same field counts as unknown. Empty headers are neither.
    """
    names = _names(names)
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    used: set[str] = set()
    for i, text in enumerate(headers):
        if not text:
            continue
        found = names.match(text)
        if found and found not in used:
            mapping[i] = found
            used.add(found)
        else:
            unknown.append(text)
    return mapping, unknown


@dataclass(frozen=True)
class Columns:
    """What a ledger's columns may be.

    `labels`: field -> label (an N_() message id, shown translated); `aliases`:
    field -> accepted header texts; `required`: fields a file must have. The
    header row is the first row with a header of `key` (the first required
    field unless given); the sheet of a workbook and the delimiter of a CSV file
    are chosen by it too.
    """
    labels: Mapping[str, str]
    aliases: Mapping[str, Iterable[str]]
    required: tuple[str, ...] = ()
    key: str | None = None
    names: HeaderNames = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "names", HeaderNames(self.aliases))
        if self.key is None and self.required:
            object.__setattr__(self, "key", self.required[0])

    def is_key(self, text) -> bool:
        """True when `text` is a header of the key field."""
        return self.key is not None and self.names.match(text) == self.key

    def label(self, name: str) -> str:
        return _(self.labels[name]) if name in self.labels else name


# -- reading files -------------------------------------------------------------

class Sheet:
    """A table read from a file: numbered rows (1-based), values as read.

    `head` holds the first rows (where the header is looked for), `rest()` the
    ones after them; `encoding` is set for text files, `total` is the number of
    rows when known cheaply.
    """

    def __init__(self, name: str, rows: Iterator[tuple[int, list]], *, sheet=None, sheets=(),
                 encoding=None, total=None, close=lambda: None):
        self.name = name
        self.sheet = sheet
        self.sheets = list(sheets)
        self.encoding = encoding
        self.total = total  # number of rows if known cheaply
        self._rows = rows
        self._close = close
        self.head: list[tuple[int, list]] = list(itertools.islice(rows, HEADER_SCAN + 1))

    def rest(self) -> Iterator[tuple[int, list]]:
        return self._rows

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _damaged(name: str) -> ImportFileError:
    return ImportFileError(_("{name} is damaged and cannot be read as an Excel workbook (.xlsx).")
                           .format(name=name))


def _guard(rows: Iterable, on_error: Callable[[], DeskError]) -> Iterator:
    """Turn any failure while reading the file into a file-level DeskError."""
    try:
        yield from rows
    except DeskError:
        raise
    except Exception as exc:  # a broken file can fail inside any parser layer
        raise on_error() from exc


def open_sheet(path: str | Path, sheet: str | None = None, *,
               is_key: Callable[[object], bool] | None = None) -> Sheet:
    """Open an .xlsx or CSV file and read its first rows.

    Without `sheet`, a workbook's active sheet is read, or the first sheet
    (active one first) whose first rows have a cell for which `is_key` is true.
    A CSV file's delimiter is chosen the same way (then sniffed). Close the
    result (or use it in a `with`).
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ImportFileError(_("The file {path} does not exist.").format(path=path))
    if not path.is_file():
        raise ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                                "or a CSV file.").format(name=name))
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ImportFileError(_("{path} cannot be read: {error}").format(path=path, error=exc.strerror or exc)) from exc
    if not head:
        raise ImportFileError(_("{name} is empty.").format(name=name))
    if head.startswith(_OLE2):
        raise ImportFileError(_(
            "{name} is password-protected or an old Excel 97-2003 workbook (.xls). Remove the "
            "password, or open it in Excel or WPS and save it as an Excel workbook (.xlsx); "
            "then import that file.").format(name=name))
    if head.startswith(b"PK"):
        return _open_xlsx(path, sheet, is_key)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise ImportFileError(_("{name} is not an Excel workbook (.xlsx): its content is something "
                                "else.").format(name=name))
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        raise ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                                "or a CSV file.").format(name=name))
    return _open_csv(path, is_key)


# .. xlsx

_MAX_MERGE_COLUMN = 500  # merges reaching further right (whole-row merges) are cut here
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+)(?::([A-Za-z]+[0-9]+))?"')


def _merged_ranges(ws) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range of a read-only sheet.

    openpyxl's read-only mode does not report merged cells; they sit after the
    cell data in the sheet's XML, so the XML is scanned once (streamed).
    """
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    get_source = getattr(ws, "_get_source", None)
    if get_source is None:
        return []
    refs: set[tuple[bytes, bytes | None]] = set()
    carry = b""
    with get_source() as src:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            buf = carry + chunk
            if b"mergeCell" in buf:
                refs.update(m.groups() for m in _MERGE.finditer(buf))
            carry = buf[-300:]
    out = []
    for first, last in refs:
        c1, r1 = coordinate_from_string(first.decode().upper())
        c2, r2 = coordinate_from_string((last or first).decode().upper())
        c1, c2 = column_index_from_string(c1), column_index_from_string(c2)
        if c1 <= _MAX_MERGE_COLUMN:
            out.append((r1, c1, r2, min(c2, _MAX_MERGE_COLUMN)))
    return sorted(out)


def _fill_merged(rows: Iterator[tuple[int, list]], ranges) -> Iterator[tuple[int, list]]:
    """Give every cell of a merged range the value of its top-left cell."""
    if not ranges:
        yield from rows
        return
    pending = deque(ranges)
    active: list[list] = []  # [min_row, min_col, max_row, max_col, value]
    for number, values in rows:
        while pending and pending[0][0] <= number:
            r1, c1, r2, c2 = pending.popleft()
            if r2 >= number:
                active.append([r1, c1, r2, c2, None])
        if active:
            width = max(a[3] for a in active)
            if len(values) < width:
                values = values + [None] * (width - len(values))
            for entry in active:
                r1, c1, r2, c2, value = entry
                if r1 == number:
                    value = entry[4] = values[c1 - 1]
                for c in range(c1, c2 + 1):
                    if (number, c) != (r1, c1) and is_blank(values[c - 1]):
                        values[c - 1] = value
            active = [a for a in active if a[2] > number]
        yield number, values


def _open_xlsx(path: Path, sheet: str | None, is_key: Callable[[object], bool] | None) -> Sheet:
    import openpyxl

    name = path.name
    fh = open(path, "rb")
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # BadZipFile, KeyError, XML errors … all mean a damaged workbook
        fh.close()
        raise _damaged(name) from exc

    def close():
        try:
            wb.close()
        finally:
            fh.close()

    try:
        worksheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        sizes: dict[str, int | None] = {}
        titles = [ws.title for ws in worksheets]
        if not worksheets:
            raise ImportFileError(_("{name} is empty.").format(name=name))
        if sheet is not None:
            chosen = next((ws for ws in worksheets if ws.title == sheet), None)
            if chosen is None:
                raise ImportFileError(_("There is no sheet called {sheet} in {name}.")
                                      .format(sheet=sheet, name=name))
        else:
            # The active sheet first, then the others: the first with a key column wins.
            active = wb.active if wb.active in worksheets else worksheets[0]
            order = [active] + [ws for ws in worksheets if ws is not active]
            chosen = active
            for ws in order if is_key is not None else ():
                sizes[ws.title] = ws.max_row
                ws.reset_dimensions()  # some programs record a wrong size; read what is there
                head = list(_guard(ws.iter_rows(min_row=1, max_row=HEADER_SCAN, values_only=True),
                                   lambda: _damaged(name)))
                if any(is_key(v) for row in head for v in row):
                    chosen = ws
                    break
        total = sizes.get(chosen.title, chosen.max_row)
        total = total if isinstance(total, int) else None
        try:
            ranges = _merged_ranges(chosen)
        except Exception as exc:
            raise _damaged(name) from exc
        chosen.reset_dimensions()

        def numbered():
            for number, values in enumerate(chosen.iter_rows(min_row=1, values_only=True), 1):
                yield number, list(values)

        rows = _fill_merged(_guard(numbered(), lambda: _damaged(name)), ranges)
        return Sheet(name, rows, sheet=chosen.title, sheets=titles, total=total, close=close)
    except BaseException:
        close()
        raise


# .. csv

def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), GB18030 (GBK), Big5
    (when GB18030 gives odd characters and Big5 does not), UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" as Excel saves it
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif data[:65536].count(b"\x00") * 10 <= len(data[:65536]):  # a stray NUL is dropped with the cell's
        # other control characters; many of them mean UTF-16 without a BOM, or no text at all
        try:
            utf8 = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            utf8 = None
        else:  # short GBK text can be valid UTF-8 too (一 D2BB reads as Cyrillic һ)
            if data.startswith(b"\xef\xbb\xbf") or not _Reading(utf8, _gb2312_hanzi).many_odd:
                return utf8, "utf-8"
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            gb = _Reading(text, _gb2312_hanzi)
            if not gb.odd and gb.unusual * 4 < gb.wide:
                return text, "gb18030"
            if utf8 is not None:
                return utf8, "utf-8"
            # Almost any bytes decode as GB18030: Big5 (traditional Chinese, as Taiwan and Hong
            # Kong save CSV) comes out as kana, box drawing, private-use and rare characters. When
            # the file reads as Big5 without odd characters and with fewer rare ones, it is Big5
            # and is imported as such.
            try:
                big5 = _Reading(data.decode("cp950"), _big5_frequent)
            except UnicodeDecodeError:
                big5 = None
            if big5 is not None and not big5.odd and big5.unusual < max(gb.unusual, 1):
                return big5.text, "big5"
            if gb.many_odd:
                raise ImportFileError(_(
                    "{name} does not seem to be {encoding} text: read that way it gives characters such "
                    "as {sample} that a ledger does not have. Please open it in Excel or WPS and save it as "
                    "CSV UTF-8 or as an Excel workbook (.xlsx); then import that file.").format(
                        name=name, encoding="GB18030 (GBK)", sample=" ".join(gb.odd[:5])))
            return text, "gb18030"  # traditional characters typed in GBK, a few odd signs
        if utf8 is not None:
            return utf8, "utf-8"
        raise ImportFileError(_("The text encoding of {name} is not recognised. Please save it as "
                                "CSV UTF-8 or as an Excel workbook (.xlsx).").format(name=name))
    raise ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                            "or a CSV file.").format(name=name))


# Characters a Chinese ledger does not hold but a wrong guess at its encoding gives: Greek and
# Cyrillic, box drawing, kana, bopomofo, private-use, CJK compatibility and vertical forms.
_ODD = re.compile("[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\ue000-\uf8ff"
                  "\uf900-\ufaff\ufe30-\ufe4f]")
_ODD_SAMPLE = 500_000  # characters looked at


def _gb2312_hanzi(ch: str) -> bool:
    """One of GB2312's 6,763 hanzi (what simplified-Chinese names and addresses are written in)."""
    try:
        return len(ch.encode("gb2312")) == 2 and "\u4e00" <= ch <= "\u9fff"
    except UnicodeEncodeError:
        return False


def _big5_frequent(ch: str) -> bool:
    """One of Big5's 5,401 frequent hanzi (A440-C67E)."""
    try:
        code = ch.encode("cp950")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and b"\xa4\x40" <= code <= b"\xc6\x7e"


class _Reading:
    """What a decoded text holds: `odd` characters (most frequent first), `unusual` ones (odd
    ones and hanzi that `common` does not count) and `wide` ones (all but ASCII), in its first
    _ODD_SAMPLE characters."""

    def __init__(self, text: str, common: Callable[[str], bool]):
        self.text = text
        sample = text[:_ODD_SAMPLE]
        counts = collections.Counter(sample)
        odd = collections.Counter({ch: n for ch, n in counts.items() if _ODD.match(ch)})
        self.odd = [ch for ch, _n in odd.most_common()]
        self.wide = sum(n for ch, n in counts.items() if ch > "\x7f")
        self.unusual = sum(odd.values()) + sum(n for ch, n in counts.items()
                                                if "\u3400" <= ch <= "\u9fff" and not common(ch))
        found = sum(odd.values())
        self.many_odd = found >= 2 and found * 20 >= self.wide  # more than a stray few


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, values in enumerate(reader, 1):
        yield number, [v if v != "" else None for v in values]


def _choose_delimiter(text: str, is_key: Callable[[object], bool] | None) -> str:
    for delimiter in (",", "\t", ";") if is_key is not None else ():
        try:
            head = [v for _n, v in itertools.islice(_csv_rows(text, delimiter), HEADER_SCAN)]
        except csv.Error:
            continue
        if any(is_key(v) for row in head for v in row):
            return delimiter
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _open_csv(path: Path, is_key: Callable[[object], bool] | None) -> Sheet:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("{path} cannot be read: {error}").format(path=path, error=exc.strerror or exc)) from exc
    text, encoding = decode_text(data, name)
    if not text.strip():
        raise ImportFileError(_("{name} is empty.").format(name=name))
    first, _sep, rest = text.partition("\n")
    delimiter = None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:  # Excel's "sep=;" line
        delimiter, text = first.strip()[4], rest
    delimiter = delimiter or _choose_delimiter(text, is_key)

    def bad() -> DeskError:
        return ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                                 "or a CSV file.").format(name=name))

    rows = _guard(_csv_rows(text, delimiter), bad)
    return Sheet(name, rows, encoding=encoding)


# -- layout: header row and column mapping -------------------------------------------------

@dataclass
class Layout:
    header_row: int               # 1-based number of the (last) header row
    headers: list[str]            # header texts (two-row headers combined)
    mapping: dict[int, str]       # column index -> field
    unknown: list[str]            # header texts mapped to no field
    labels: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def columns(self) -> dict[str, str]:
        """field -> its header text in the file (its label when the header is empty)."""
        return {f: self.headers[i] if i < len(self.headers) and self.headers[i] else _(self.labels.get(f, f))
                for i, f in self.mapping.items()}


def _header_index(head: list[tuple[int, list]], columns: Columns) -> int | None:
    for i, (_number, values) in enumerate(head[:HEADER_SCAN]):
        if any(columns.is_key(v) for v in values):
            return i
    return None


def find_layout(sheet: Sheet, columns: Columns, mapping: Mapping[int, str] | None = None,
                header_row: int | None = None, *, strict: bool = True) -> tuple[Layout, list[tuple[int, list]]]:
    """Find the header row, map the columns; return the layout and the data rows read so far.

    `header_row` (1-based) says where the header is; otherwise it is the first
    row with a key header (or, when `mapping` is given or not `strict`, the
    first non-empty row). `mapping` (column index -> field) replaces the
    matching by header text. `strict` requires the required fields.
    """
    head = sheet.head
    index = None
    key_label = columns.label(columns.key) if columns.key else ""
    if header_row is not None:
        index = next((i for i, (n, _v) in enumerate(head) if n == header_row), None)
        if index is None:
            raise ImportFileError(_("Row {row} of {name} is not among its first rows.")
                                  .format(row=header_row, name=sheet.name))
    else:
        index = _header_index(head, columns)
        if index is None and (mapping is not None or not strict or columns.key is None):
            index = next((i for i, (_n, v) in enumerate(head) if any(not is_blank(x) for x in v)), None)
    if index is None:
        if all(all(is_blank(x) for x in v) for _n, v in head):
            raise ImportFileError(_("{name} is empty.").format(name=sheet.name))
        raise ImportFileError(_("Missing required column {column}: none of the first {count} rows of "
                                "{name} has a column headed {column}.").format(
                                    column=key_label, count=HEADER_SCAN, name=sheet.name))
    match = columns.names.match
    number, values = head[index]
    headers = [cell_text(v) for v in values]
    data_start = index + 1
    # A second header row under merged group headers ("住址" over 小区 / 楼栋 / 单元 / 房号).
    if index + 1 < len(head):
        below = [cell_text(v) for v in head[index + 1][1]]
        if any(match(t) and not match(headers[i] if i < len(headers) else "")
               for i, t in enumerate(below)):
            width = max(len(headers), len(below))
            headers += [""] * (width - len(headers))
            below += [""] * (width - len(below))
            headers = [b if (match(b) or (b and not match(a))) else a
                       for a, b in zip(headers, below)]
            number = head[index + 1][0]
            data_start = index + 2
    while headers and not headers[-1]:
        headers.pop()
    if mapping is None:
        chosen, unknown = map_headers(headers, columns.names)
        missing = [f for f in columns.required if f not in chosen.values()]
        if missing and strict:
            raise ImportFileError(_("Missing required column {column}: none of the first {count} rows "
                                    "of {name} has a column headed {column}.").format(
                                        column=columns.label(missing[0]), count=HEADER_SCAN, name=sheet.name))
    else:
        chosen = {}
        for column, f in mapping.items():
            if not f:
                continue
            if f not in columns.labels:
                raise ValueError(f"unknown field {f!r}")
            if f in chosen.values():
                raise ImportFileError(_("Two columns are both assigned to {field}.").format(field=columns.label(f)))
            chosen[int(column)] = f
        missing = [f for f in columns.required if f not in chosen.values()]
        if missing and strict:
            raise ImportFileError(_("Please choose the column that holds the {column}.")
                                  .format(column=columns.label(missing[0])))
        unknown = [t for i, t in enumerate(headers) if t and i not in chosen]
    return Layout(number, headers, chosen, unknown, columns.labels), head[data_start:]


class Table:
    """An open file with its header found: `layout`, then the data rows from `rows()`."""

    def __init__(self, sheet: Sheet, layout: Layout, head_rows: list[tuple[int, list]]):
        self.sheet = sheet
        self.layout = layout
        self._head_rows = head_rows

    name = property(lambda self: self.sheet.name)
    encoding = property(lambda self: self.sheet.encoding)

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number as Excel shows it, values) of every row below the header, empty ones included.
        Read once. A file with more than MAX_DATA_ROWS non-empty data rows raises ImportFileError
        when the row after the limit is read; a workbook whose recorded size says so, at once."""
        total = self.data_rows
        if total is not None and total > MAX_DATA_ROWS:
            raise self.too_many()
        return self._limited(itertools.chain(self._head_rows, self.sheet.rest()))

    def _limited(self, rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
        counted = 0
        for number, values in rows:
            if not all(is_blank(v) for v in values):
                counted += 1
                if counted > MAX_DATA_ROWS:
                    raise self.too_many()
            yield number, values

    def too_many(self) -> ImportFileError:
        return ImportFileError(_("{name} has more than {limit} data rows, more than one import can take. "
                                 "Please split it into several files and import them one by one.").format(
                                     name=self.name, limit=format_number(MAX_DATA_ROWS)))

    @property
    def data_rows(self) -> int | None:
        """Rows below the header in a workbook, if the workbook records its size (None for CSV)."""
        total = self.sheet.total
        return None if total is None else max(0, total - self.layout.header_row)

    def close(self) -> None:
        self.sheet.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_table(path: str | Path, columns: Columns, *, mapping: Mapping[int, str] | None = None,
               header_row: int | None = None, sheet: str | None = None, strict: bool = True) -> Table:
    """Open `path` (.xlsx or CSV) and find its header (see `find_layout`). Close the table after use."""
    opened = open_sheet(path, sheet, is_key=columns.is_key if columns.key else None)
    try:
        layout, head_rows = find_layout(opened, columns, mapping, header_row, strict=strict)
    except BaseException:
        opened.close()
        raise
    return Table(opened, layout, head_rows)


# -- rejects -------------------------------------------------------------------------------------

def default_rejects_path(source: str | Path) -> Path:
    """Where rejected rows go when no place was given: beside the file, named after it."""
    source = Path(source)
    return source.with_name(source.stem + _("-rejects") + ".xlsx")


def rejects_path_for(source: Path, chosen: str | Path | None) -> Path:
    """Where a ledger import's rejected rows go: `chosen`, or beside the file; never the file itself."""
    place = Path(chosen) if chosen is not None else default_rejects_path(source)
    if place.exists() and source.exists() and os.path.samefile(place, source):
        raise ImportFileError(_("The rejects file cannot be the file being imported."))
    return place


def write_rejects(path: str | Path, layout: Layout, rejects: Sequence[tuple[int, list, str]], *,
                  text_fields: Iterable[str] = ()) -> Path:
    """The rejected rows (row number, values, reason) with their original header texts and
    values, plus a reason column. Columns of `text_fields` are written as text, and a number
    Excel stored in them goes back as the digits typed (ID numbers, phones)."""
    path = Path(path)
    width = max([len(layout.headers)] + [len(v) for _n, v, _r in rejects])
    while width > len(layout.headers) and all(len(v) < width or is_blank(v[width - 1])
                                              for _n, v, _r in rejects):
        width -= 1
    headers = layout.headers + [""] * (width - len(layout.headers)) + [_("Reason")]
    text_fields = set(text_fields)
    text_columns = {i for i, f in layout.mapping.items() if f in text_fields}

    def original(value, column: int):
        # An ID number or phone that Excel stored as a number goes back as the digits typed.
        if (column in text_columns and isinstance(value, (int, float)) and not isinstance(value, bool)
                and (isinstance(value, int) or abs(value) < 1e15)):
            return display(value)
        return value

    rows = [[original(v, i) for i, v in enumerate(list(values[:width]) + [None] * (width - len(values[:width])))]
            + [reason] for _number, values, reason in rejects]
    xlsx.write_table(path, _("Rejected rows"), headers, rows, error=ImportFileError, text_columns=text_columns)
    return path
