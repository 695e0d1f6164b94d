"""Import residents from a spreadsheet (.xlsx) or a CSV file.

Centres arrive with years of ledgers kept in Excel or WPS: a merged title row
above the header, headers such as "身份证号码（必填）", ID numbers that Excel
turned into 3.50581E+17, phones stored as 13812345678.0, files saved as GBK
CSV. This module reads all of that, checks every row with the registry's own
rules (residents.validate) and imports the good rows in one transaction.

- A file-level problem (not a spreadsheet, password-protected, damaged, no
  name column, no data) raises ImportFileError and nothing is imported.
- A row-level problem never stops the other rows: the row goes to a rejects
  workbook (original columns and values plus a reason column) that staff fix
  and import again.
- A row whose ID number is already registered updates that resident (only the
  columns the file has, and only non-empty cells: an empty cell keeps the
  stored value); a row that changes nothing counts as unchanged, so importing
  the same file twice changes nothing the second time.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import unicodedata
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.db import Database
from app.errors import DatabaseError, DeskError, ValidationError
from app.i18n import _
from app.models import AuditLog, Grid, Resident, Tag, resident_tags
from app.services import access, audit, pinyin, xlsx
from app.services.member_codes import new_member_code
from app.services.fields import RESIDENT_FIELDS
from app.services.residents import ResidentInput, audit_values, validate


# openpyxl warns about styles and extensions it drops while reading; that is no news for staff.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")


class ImportFileError(DeskError):
    """The file as a whole cannot be imported (nothing was imported)."""


# The fields a column can be mapped to, with their labels (for the wizard and messages).
FIELDS: dict[str, str] = dict(RESIDENT_FIELDS)
FIELD_LABELS = FIELDS  # the name the import wizard uses
REQUIRED = ("name",)

# Header texts recognised for each field, compared after _norm_header().
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "居民姓名", "人员姓名", "name", "full name", "resident name"),
    "gender": ("性别", "gender", "sex"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "身份证", "公民身份号码",
                  "身份证件号码", "id number", "id no", "id no.", "id card", "id card number", "id"),
    "phone": ("联系电话", "手机号", "手机号码", "电话", "手机", "电话号码", "联系方式", "联系号码",
              "phone", "contact phone", "phone number", "mobile", "telephone", "tel"),
    "birth_date": ("出生日期", "出生年月日", "出生年月", "生日", "birth date", "date of birth",
                   "birthday", "dob"),
    "estate": ("小区", "小区名称", "所在小区", "居住小区", "estate"),
    "building": ("楼栋", "楼号", "栋", "幢", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "房间号", "门牌号", "室", "room"),
    "grid": ("网格", "所属网格", "网格名称", "grid", "sub-grid"),
    "tags": ("标签", "人员标签", "人员类别", "tags", "tag"),
    "notes": ("备注", "说明", "notes", "note", "remarks"),
}

HEADER_SCAN = 10          # the header row is looked for in the first rows
PROGRESS_EVERY = 250      # rows between progress() calls
_INSERT_BATCH = 1000
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".et", ".ett"}
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}
_TEXT_FIELDS = ("id_number", "phone")  # digits that must stay text in the rejects file


def _norm_header(text) -> str:
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = re.sub(r"\s+", "", t).lower()
    t = t.strip("*:：")
    t = re.sub(r"\((必填|选填|可选|必须|required|optional)\)$", "", t)
    return t.strip("*:：")


_ALIAS_INDEX = {_norm_header(alias): key for key, aliases in _ALIASES.items() for alias in aliases}


def match_header(text) -> str | None:
    """The field a header text stands for ("身份证号码（必填）" -> "id_number"), or None."""
    t = _norm_header(text)
    if not t:
        return None
    found = _ALIAS_INDEX.get(t)
    if found is None:  # a hint in brackets: "出生日期(yyyy-mm-dd)", "联系电话（手机）"
        base = re.sub(r"\([^()]*\)$", "", t)
        if base != t:
            found = _ALIAS_INDEX.get(base.strip("*:："))
    return found


# -- results -------------------------------------------------------------------

@dataclass
class RowProblem:
    row: int        # row number in the file (as Excel shows it)
    reason: str


@dataclass
class ImportResult:
    imported: int = 0           # new residents
    updated: int = 0            # existing residents changed
    unchanged: int = 0          # rows matching a resident exactly
    rejected: int = 0
    empty: int = 0              # empty rows skipped
    rows: int = 0               # data rows read below the header (empty ones included)
    rejects_file: Path | None = None
    unknown_columns: list[str] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)   # column index -> field
    columns: dict[str, str] = field(default_factory=dict)   # field -> header text in the file
    problems: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class Preview:
    headers: list[str]
    rows: list[list[str]]                 # the first data rows, as text
    mapping: dict[int, str]               # suggested column index -> field
    unknown_columns: list[str]
    missing: list[str]                    # required fields without a column
    header_row: int                       # 1-based row number of the header
    data_rows: int | None                 # rows below the header (None if not known cheaply)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None


# -- reading files -------------------------------------------------------------

class _Source:
    """A table read from a file: numbered rows (1-based), values as read."""

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


def _open_source(path: Path, sheet: str | None = None) -> _Source:
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
        raise ImportFileError(_("{path} cannot be read: {error}").format(path=path, error=exc.strerror or exc))
    if not head:
        raise ImportFileError(_("{name} is empty.").format(name=name))
    if head.startswith(_OLE2):
        raise ImportFileError(_(
            "{name} is password-protected or an old Excel 97-2003 workbook (.xls). Remove the "
            "password, or open it in Excel or WPS and save it as an Excel workbook (.xlsx); "
            "then import that file.").format(name=name))
    if head.startswith(b"PK"):
        return _open_xlsx(path, sheet)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise ImportFileError(_("{name} is not an Excel workbook (.xlsx): its content is something "
                                "else.").format(name=name))
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        raise ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                                "or a CSV file.").format(name=name))
    return _open_csv(path)


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
                    if (number, c) != (r1, c1) and _is_blank(values[c - 1]):
                        values[c - 1] = value
            active = [a for a in active if a[2] > number]
        yield number, values


def _open_xlsx(path: Path, sheet: str | None) -> _Source:
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
            # The active sheet first, then the others: the first with a name column wins.
            active = wb.active if wb.active in worksheets else worksheets[0]
            order = [active] + [ws for ws in worksheets if ws is not active]
            chosen = active
            for ws in order:
                sizes[ws.title] = ws.max_row
                ws.reset_dimensions()  # some programs record a wrong size; read what is there
                head = list(_guard(ws.iter_rows(min_row=1, max_row=HEADER_SCAN, values_only=True),
                                   lambda: _damaged(name)))
                if any(match_header(v) == "name" for row in head for v in row):
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
        return _Source(name, rows, sheet=chosen.title, sheets=titles, total=total, close=close)
    except BaseException:
        close()
        raise


# .. csv

def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" as Excel saves it
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:65536]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
            except UnicodeDecodeError:
                continue
        raise ImportFileError(_("The text encoding of {name} is not recognised. Please save it as "
                                "CSV UTF-8 or as an Excel workbook (.xlsx).").format(name=name))
    raise ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                            "or a CSV file.").format(name=name))


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, values in enumerate(reader, 1):
        yield number, [v if v != "" else None for v in values]


def _choose_delimiter(text: str) -> str:
    for delimiter in (",", "\t", ";"):
        try:
            head = [v for _n, v in itertools.islice(_csv_rows(text, delimiter), HEADER_SCAN)]
        except csv.Error:
            continue
        if any(match_header(v) == "name" for row in head for v in row):
            return delimiter
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _open_csv(path: Path) -> _Source:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("{path} cannot be read: {error}").format(path=path, error=exc.strerror or exc))
    text, encoding = _decode(data, name)
    if not text.strip():
        raise ImportFileError(_("{name} is empty.").format(name=name))
    first, _sep, rest = text.partition("\n")
    delimiter = None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:  # Excel's "sep=;" line
        delimiter, text = first.strip()[4], rest
    delimiter = delimiter or _choose_delimiter(text)

    def bad() -> DeskError:
        return ImportFileError(_("{name} is not a spreadsheet. Please import an Excel workbook (.xlsx) "
                                 "or a CSV file.").format(name=name))

    rows = _guard(_csv_rows(text, delimiter), bad)
    return _Source(name, rows, encoding=encoding)


# -- cells ------------------------------------------------------------------------

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?e[+-]?\d+$", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NOTE = re.compile(r"[:：]|^(合计|总计|小计|共计|制表|填表|审核)")
_TAG_SPLIT = re.compile(r"[、,，;；/／|\s]+")
_GENDERS = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F", "female": "F"}


class _CellProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _is_blank(value) -> bool:
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


def _text(value) -> str:
    return _ZERO_WIDTH.sub("", display(value)).strip()


def _code(value) -> str:
    """An ID or phone number cell as text; numbers that lost digits are refused."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise _CellProblem(_("Excel has turned this number into {value} and lost its last digits. "
                             "Format the column as text and type the number again.")
                           .format(value=f"{value:.6G}"))
    text = unicodedata.normalize("NFKC", _text(value)).lstrip("'‘’").strip()
    if _SCIENTIFIC.match(text):
        raise _CellProblem(_("Excel has turned this number into {value} and lost its last digits. "
                             "Format the column as text and type the number again.").format(value=text))
    if "*" in text:
        raise _CellProblem(_("The number is masked with * (from a masked export); the full number "
                             "is needed."))
    return text


def _gender(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    if text not in _GENDERS:
        raise _CellProblem(_("{value} is not a gender; write 男 or 女.").format(value=_text(value)))
    return _GENDERS[text]


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        found = _DATE.match(text)
        if found:
            return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        pass
    raise _CellProblem(_("{value} is not a date; write it like 1950-03-01.").format(value=_text(value)))


def _short(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _grid_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# -- what the database already holds ------------------------------------------------

_STORED = ("name", "id_number", "id_kind", "gender", "birth_date", "phone", "estate", "building",
           "unit", "room", "notes", "grid_id")


class _Registry:
    """Residents, tags and grids as they are before the import, loaded once."""

    def __init__(self, db: Database):
        self.residents: dict[int, dict] = {}
        self.tags_of: dict[int, set[int]] = {}
        self.by_id_number: dict[str, int] = {}
        self.by_name_phone: dict[tuple[str, str], int] = {}
        self.by_name_home: dict[tuple, int] = {}
        self.codes: set[str] = set()
        self.tags: dict[str, int] = {}
        self.tags_loose: dict[str, int] = {}
        self.grids: dict[str, int | None] = {}  # key -> id (None when ambiguous)
        self.tag_names: dict[int, str] = {}
        self.grid_names: dict[int, str] = {}
        columns = [getattr(Resident, c) for c in _STORED]
        with db.session() as s:
            for rid, code, *values in s.execute(select(Resident.id, Resident.member_code, *columns)
                                                .order_by(Resident.id)):
                record = dict(zip(_STORED, values))
                self.residents[rid] = record
                if code:
                    self.codes.add(code)
                if record["id_number"]:
                    self.by_id_number[record["id_number"]] = rid
                if record["phone"]:
                    self.by_name_phone.setdefault((record["name"], record["phone"]), rid)
                else:
                    self.by_name_home.setdefault(_home_key(record), rid)
            for rid, tag_id in s.execute(select(resident_tags.c.resident_id, resident_tags.c.tag_id)):
                self.tags_of.setdefault(rid, set()).add(tag_id)
            for tag_id, name in s.execute(select(Tag.id, Tag.name).order_by(Tag.sort_order, Tag.id)):
                self.tags.setdefault(name, tag_id)
                self.tag_names[tag_id] = name
                self.tags_loose.setdefault(_short(name).casefold(), tag_id)
            grids = {g.id: g for g in s.scalars(select(Grid))}
        self.grid_names = {gid: g.name for gid, g in grids.items()}
        for g in grids.values():
            if g.level != 3:
                continue
            names = [g.name]
            parent = grids.get(g.parent_id)
            while parent is not None:
                names.insert(0, parent.name)
                parent = grids.get(parent.parent_id)
            keys = {_grid_key(g.name)}
            for start in range(len(names) - 1):
                keys.add(_grid_key("/".join(names[start:])))
            for key in keys:
                if key in self.grids and self.grids[key] != g.id:
                    self.grids[key] = None  # two sub-grids share this name
                else:
                    self.grids[key] = g.id

    def grid_id(self, text: str) -> int:
        key = _grid_key(text)
        if key not in self.grids:
            raise _CellProblem(_("No sub-grid is called {name}.").format(name=text))
        found = self.grids[key]
        if found is None:
            raise _CellProblem(_("Several sub-grids are called {name}; write it as grid / sub-grid.")
                               .format(name=text))
        return found

    def tag_ids(self, text: str) -> list[int]:
        ids, unknown = [], []
        for name in _TAG_SPLIT.split(text):
            if not name:
                continue
            found = self.tags.get(name) or self.tags_loose.get(_short(name).casefold())
            if found is None:
                unknown.append(name)
            elif found not in ids:
                ids.append(found)
        if unknown:
            raise _CellProblem(_("Unknown tag {names}. Add it in the tag settings first, or correct "
                                 "the spelling.").format(names="、".join(unknown)))
        return ids


def _home_key(values: dict) -> tuple:
    return (values["name"], values["birth_date"], values["estate"], values["building"],
            values["unit"], values["room"])


# -- planning: what each row does ------------------------------------------------------

@dataclass
class _Layout:
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    unknown: list[str]

    @property
    def columns(self) -> dict[str, str]:
        return {f: self.headers[i] if i < len(self.headers) and self.headers[i] else _(FIELDS[f])
                for i, f in self.mapping.items()}


class _Planner:
    def __init__(self, registry: _Registry, layout: _Layout, today: dt.date):
        self.reg = registry
        self.layout = layout
        self.columns = layout.columns
        self.today = today
        self.new: list[tuple[dict, list[int]]] = []
        self.updates: list[tuple[int, dict, list[int] | None]] = []
        self.unchanged = 0
        self.empty = 0
        self.rejects: list[tuple[int, list, str]] = []
        self.seen: dict[tuple, tuple[int, bool]] = {}  # key -> (row number, has an ID number)
        self.claimed: dict[int, int] = {}      # existing resident -> row number that matched it
        self.items = sorted(layout.mapping.items())

    def label(self, key: str) -> str:
        key = {"grid_id": "grid", "tag_ids": "tags"}.get(key, key)
        return self.columns.get(key) or _(FIELDS.get(key, key))

    def reason(self, problems: list[tuple[str, str]]) -> str:
        return _("; ").join(_("{column}: {problem}").format(column=self.label(k), problem=p)
                            if k else p for k, p in problems)

    def add(self, number: int, values: list) -> None:
        cells = {f: (values[i] if i < len(values) else None) for i, f in self.items}
        present = {f: v for f, v in cells.items() if not _is_blank(v)}
        if not present:
            self.empty += 1
            return
        problems: list[tuple[str, str]] = []
        data = ResidentInput()
        has_id = "id_number" in present
        for f, value in present.items():
            try:
                if f == "id_number":
                    data.id_number = _code(value)
                elif f == "phone":
                    data.phone = _code(value)
                elif f == "gender":
                    if not has_id:
                        data.gender = _gender(value)
                elif f == "birth_date":
                    if not has_id:
                        data.birth_date = _date(value)
                elif f == "grid":
                    data.grid_id = self.reg.grid_id(_text(value))
                elif f == "tags":
                    data.tag_ids = self.reg.tag_ids(_text(value))
                elif f == "name":
                    data.name = _CJK_GAP.sub("", _text(value))
                elif f in ("building", "unit", "room"):
                    setattr(data, f, _short(_text(value)))
                else:
                    setattr(data, f, _text(value))
            except _CellProblem as exc:
                problems.append((f, exc.message))
        if set(present) == {"name"} and _NOTE.search(data.name):
            problems.append(("", _("This row looks like a note (合计, 制表人 …), not a resident.")))
        row_values = None
        try:
            row_values = validate(data, self.today)
        except ValidationError as exc:
            problems.extend(exc.fields.items())
        if problems or row_values is None:
            self.reject(number, values, self.reason(problems))
            return
        self.place(number, values, row_values, present, data)

    def reject(self, number: int, values: list, reason: str) -> None:
        self.rejects.append((number, values, reason))

    @staticmethod
    def _person_key(values: dict) -> tuple:
        """Who a record without an ID number is: name and phone, or name, birth date and address."""
        if values["phone"]:
            return ("np", values["name"], values["phone"])
        return ("nh",) + _home_key(values)

    def _duplicate(self, key: tuple, row: int) -> str:
        if key[0] == "id":
            return _("Duplicate of row {row} (same ID number).").format(row=row)
        if key[0] == "np":
            return _("Duplicate of row {row} (same name and phone number).").format(row=row)
        return _("Duplicate of row {row} (same name and address).").format(row=row)

    def _register(self, number: int, final: dict) -> None:
        # Keys of the record as it will be stored, so that later rows of the file meet it
        # exactly as a second import of the file would meet it in the database.
        if final["id_number"]:
            self.seen.setdefault(("id", final["id_number"]), (number, True))
        self.seen.setdefault(self._person_key(final), (number, bool(final["id_number"])))

    def _rekey(self, rid: int, stored: dict, new: dict) -> None:
        """Later rows find the resident by the name and phone this file gives them, as a
        second import of the file will: not by the phone this row replaces."""
        reg = self.reg
        if reg.by_name_phone.get((stored["name"], stored["phone"])) == rid:
            del reg.by_name_phone[(stored["name"], stored["phone"])]
        if reg.by_name_home.get(_home_key(stored)) == rid:
            del reg.by_name_home[_home_key(stored)]
        if new["phone"]:  # indexed like the registry: by phone, or by home without one
            reg.by_name_phone.setdefault((new["name"], new["phone"]), rid)
        else:
            reg.by_name_home.setdefault(_home_key(new), rid)

    def place(self, number: int, raw: list, values: dict, present: dict, data: ResidentInput) -> None:
        reg = self.reg
        id_number = values["id_number"]
        person = self._person_key(values)
        if person[0] == "np":
            candidate = reg.by_name_phone.get((values["name"], values["phone"]))
        else:
            candidate = reg.by_name_home.get(_home_key(values))
        # Duplicates within the file.
        hit = self.seen.get(("id", id_number)) if id_number else None
        if hit is not None:
            # Same person as that row: a later row without ID number but with this
            # name and phone is them too (whatever phone the first row stored).
            self.seen.setdefault(person, hit)
            self.reject(number, raw, self._duplicate(("id",), hit[0]))
            return
        hit = self.seen.get(person)
        if hit is not None and not (id_number and hit[1]):  # two ID numbers are two people
            self.reject(number, raw, self._duplicate(person, hit[0]))
            return
        # The resident this row is, if already registered.
        if id_number:
            rid = reg.by_id_number.get(id_number)
            if rid is None and candidate is not None and not reg.residents[candidate]["id_number"]:
                rid = candidate  # registered earlier without an ID number
        else:
            rid = candidate
        if rid is not None and rid in self.claimed:
            self.reject(number, raw, _("Duplicate of row {row} (the same resident).")
                        .format(row=self.claimed[rid]))
            return
        if rid is None:
            self._register(number, values)
            self.new.append((values, data.tag_ids))
            return
        # An existing resident: the file's non-empty cells over the stored values.
        stored = reg.residents[rid]
        merged = ResidentInput(
            name=stored["name"], id_number=stored["id_number"] or "", gender=stored["gender"],
            birth_date=stored["birth_date"], phone=stored["phone"], estate=stored["estate"],
            building=stored["building"], unit=stored["unit"], room=stored["room"],
            grid_id=stored["grid_id"], tag_ids=sorted(reg.tags_of.get(rid, ())), notes=stored["notes"])
        for f in present:
            if f == "grid":
                merged.grid_id = data.grid_id
            elif f == "tags":
                merged.tag_ids = data.tag_ids
            elif f in ("gender", "birth_date") and id_number:
                continue
            else:
                setattr(merged, f, getattr(data, f))
        if id_number:
            merged.id_number = id_number
        try:
            new_values = validate(merged, self.today)
        except ValidationError as exc:
            self.reject(number, raw, self.reason(list(exc.fields.items())))
            return
        self._register(number, new_values)
        self._rekey(rid, stored, new_values)
        self.claimed[rid] = number
        tags_changed = set(merged.tag_ids) != reg.tags_of.get(rid, set())
        if not tags_changed and all(new_values[k] == stored[k] for k in _STORED):
            self.unchanged += 1
            return
        self.updates.append((rid, new_values, merged.tag_ids if tags_changed else None))


# -- layout: header row and column mapping -------------------------------------------------

def _header_index(head: list[tuple[int, list]]) -> int | None:
    for i, (_number, values) in enumerate(head[:HEADER_SCAN]):
        if any(match_header(v) == "name" for v in values):
            return i
    return None


def _suggest(headers: list[str]) -> tuple[dict[int, str], list[str]]:
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    used: set[str] = set()
    for i, text in enumerate(headers):
        if not text:
            continue
        found = match_header(text)
        if found and found not in used:
            mapping[i] = found
            used.add(found)
        else:
            unknown.append(text)
    return mapping, unknown


def suggest_mapping(headers: list[str]) -> dict[int, str]:
    """Column index -> field for a header row, matched by header text."""
    return _suggest(headers)[0]


def _layout(source: _Source, mapping: dict[int, str] | None, header_row: int | None,
            *, strict: bool = True) -> tuple[_Layout, list[tuple[int, list]]]:
    """Find the header row, map the columns; return the layout and the data rows read so far."""
    head = source.head
    index = None
    if header_row is not None:
        index = next((i for i, (n, _v) in enumerate(head) if n == header_row), None)
        if index is None:
            raise ImportFileError(_("Row {row} of {name} is not among its first rows.")
                                  .format(row=header_row, name=source.name))
    else:
        index = _header_index(head)
        if index is None and (mapping is not None or not strict):
            index = next((i for i, (_n, v) in enumerate(head) if any(not _is_blank(x) for x in v)), None)
    if index is None:
        if all(all(_is_blank(x) for x in v) for _n, v in head):
            raise ImportFileError(_("{name} is empty.").format(name=source.name))
        raise ImportFileError(_("Missing required column {column}: none of the first {count} rows of "
                                "{name} has a column headed {column}.").format(
                                    column=_(FIELDS["name"]), count=HEADER_SCAN, name=source.name))
    number, values = head[index]
    headers = [_text(v) for v in values]
    data_start = index + 1
    # A second header row under merged group headers ("住址" over 小区 / 楼栋 / 单元 / 房号).
    if index + 1 < len(head):
        below = [_text(v) for v in head[index + 1][1]]
        if any(match_header(t) and not match_header(headers[i] if i < len(headers) else "")
               for i, t in enumerate(below)):
            width = max(len(headers), len(below))
            headers += [""] * (width - len(headers))
            below += [""] * (width - len(below))
            headers = [b if (match_header(b) or (b and not match_header(a))) else a
                       for a, b in zip(headers, below)]
            number = head[index + 1][0]
            data_start = index + 2
    while headers and not headers[-1]:
        headers.pop()
    if mapping is None:
        chosen, unknown = _suggest(headers)
        if "name" not in chosen.values() and strict:
            raise ImportFileError(_("Missing required column {column}: none of the first {count} rows "
                                    "of {name} has a column headed {column}.").format(
                                        column=_(FIELDS["name"]), count=HEADER_SCAN, name=source.name))
    else:
        chosen = {}
        for column, f in mapping.items():
            if not f:
                continue
            if f not in FIELDS:
                raise ValueError(f"unknown field {f!r}")
            if f in chosen.values():
                raise ImportFileError(_("Two columns are both assigned to {field}.").format(field=_(FIELDS[f])))
            chosen[int(column)] = f
        if "name" not in chosen.values() and strict:
            raise ImportFileError(_("Please choose the column that holds the {column}.")
                                  .format(column=_(FIELDS["name"])))
        unknown = [t for i, t in enumerate(headers) if t and i not in chosen]
    return _Layout(number, headers, chosen, unknown), head[data_start:]


# -- public API ------------------------------------------------------------------------------------

def default_rejects_path(source: str | Path) -> Path:
    """Where rejected rows go when no place was given: beside the file, named after it."""
    source = Path(source)
    return source.with_name(source.stem + _("-rejects") + ".xlsx")


def preview_file(path: str | Path, rows: int = 20, *, sheet: str | None = None) -> Preview:
    """The header, the first `rows` data rows and the suggested mapping of a file.

    A file without a recognised name column is still previewed (so the column
    can be chosen by hand); `missing` then lists it.
    """
    path = Path(path)
    source = _open_source(path, sheet)
    try:
        layout, head_rows = _layout(source, None, None, strict=False)
        shown: list[list[str]] = []
        counted = 0
        for _number, values in itertools.chain(head_rows, source.rest()):
            counted += 1
            if all(_is_blank(v) for v in values):
                continue
            shown.append([display(v) for v in values])
            if len(shown) >= rows:
                break
        data_rows = None
        if source.encoding is not None:  # CSV: cheap to count exactly
            data_rows = counted + sum(1 for _r in source.rest())
        elif source.total is not None:
            data_rows = max(0, source.total - layout.header_row)
        missing = [f for f in REQUIRED if f not in layout.mapping.values()]
        return Preview(layout.headers, shown, layout.mapping, layout.unknown, missing,
                       layout.header_row, data_rows, source.sheet, source.sheets, source.encoding)
    finally:
        source.close()


def import_residents(db: Database, path: str | Path, *, dry_run: bool = False,
                     rejects_path: str | Path | None = None, mapping: dict[int, str] | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     header_row: int | None = None, sheet: str | None = None,
                     actor: access.Actor | None = None) -> ImportResult:
    """Import the residents in `path` (.xlsx or .csv).

    `mapping` (column index -> field, see FIELDS) overrides the header matching;
    `header_row` (1-based) says where the header is when it cannot be found.
    Rejected rows are written to `rejects_path` when given. A dry run counts
    exactly what would happen and writes nothing to the database. The audit
    trail gets one row for the import and one per new or changed resident.
    `actor` defaults to the operating-system user.
    """
    path = Path(path)
    actor = actor or access.current_os_actor()
    access.require(actor, access.RESIDENTS_IMPORT)
    if rejects_path is not None:
        rejects_path = Path(rejects_path)
        if rejects_path.exists() and path.exists() and os.path.samefile(rejects_path, path):
            raise ImportFileError(_("The rejects file cannot be the file being imported."))
    source = _open_source(path, sheet)
    try:
        layout, head_rows = _layout(source, mapping, header_row)
        rows = list(itertools.chain(head_rows, source.rest()))
    finally:
        source.close()
    data_columns = list(layout.mapping)
    if not any(any(not _is_blank(values[i]) for i in data_columns if i < len(values))
               for _n, values in rows):
        raise ImportFileError(_("{name} has no data rows below the header row.").format(name=path.name))

    try:
        registry = _Registry(db)
    except SQLAlchemyError as exc:
        raise DatabaseError(_("The database cannot be read: {error}").format(
            error=getattr(exc, "orig", None) or exc)) from exc
    planner = _Planner(registry, layout, dt.date.today())
    total = len(rows)
    for done, (number, values) in enumerate(rows, 1):
        planner.add(number, values)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)

    result = ImportResult(
        imported=len(planner.new), updated=len(planner.updates), unchanged=planner.unchanged,
        rejected=len(planner.rejects), empty=planner.empty, rows=total,
        unknown_columns=list(layout.unknown), mapping=dict(layout.mapping), columns=layout.columns,
        problems=[RowProblem(n, reason) for n, _v, reason in planner.rejects], dry_run=dry_run)
    if planner.rejects and rejects_path is not None:
        write_rejects(rejects_path, layout, planner.rejects)
        result.rejects_file = rejects_path
    if not dry_run and (planner.new or planner.updates):
        _write(db, registry, planner, actor, path.name)
    if progress:
        progress(total, total)
    return result


# -- writing ------------------------------------------------------------------------------------

def _audit_values(registry: _Registry, values: dict, tag_ids) -> dict:
    chosen = set(tag_ids)  # names in the tags' own order, as residents.py lists them
    return audit_values(values, registry.grid_names.get(values["grid_id"]),
                        [name for tag_id, name in registry.tag_names.items() if tag_id in chosen])


def _write(db: Database, registry: _Registry, planner: _Planner, actor: access.Actor, file_name: str) -> None:
    now = dt.datetime.now()
    codes = registry.codes
    known: dict[str, tuple[str, str]] = {}  # names repeat: each one's keys are computed once

    def search_keys(name: str) -> tuple[str, str]:
        if name not in known:
            known[name] = pinyin.search_keys(name)  # as residents._apply does
        return known[name]

    new_rows = []
    for values, _tags in planner.new:
        keys, sort_key = search_keys(values["name"])
        code = new_member_code()
        while code in codes:
            code = new_member_code()
        codes.add(code)
        new_rows.append(dict(values, member_code=code, active=True, deactivation_reason="",
                             search_keys=keys, sort_key=sort_key, created_at=now, updated_at=now))
    changes = []
    for rid, values, _tags in planner.updates:
        keys, sort_key = search_keys(values["name"])
        changes.append(dict(values, id=rid, search_keys=keys, sort_key=sort_key, updated_at=now))
    # The audit trail: one row for the import, one per resident it creates or changes.
    trail = [audit.entry(actor, "import", "resident", None, _(
        "{file}: {imported} new, {updated} updated").format(
            file=file_name, imported=len(planner.new), updated=len(planner.updates)), at=now)]
    for rid, values, tag_ids in planner.updates:
        stored = registry.residents[rid]
        old_tags = registry.tags_of.get(rid, set())
        trail.append(audit.entry(actor, "update", "resident", rid, values["name"], audit.diff(
            _audit_values(registry, stored, old_tags),
            _audit_values(registry, values, old_tags if tag_ids is None else tag_ids)), at=now))
    try:
        with db.session() as s:
            links: list[dict] = []
            for start in range(0, len(new_rows), _INSERT_BATCH):
                batch = new_rows[start:start + _INSERT_BATCH]
                ids = s.scalars(insert(Resident).returning(Resident.id, sort_by_parameter_order=True),
                                batch).all()
                for rid, (values, tag_ids) in zip(ids, planner.new[start:start + _INSERT_BATCH]):
                    links.extend({"resident_id": rid, "tag_id": t} for t in tag_ids)
                    trail.append(audit.entry(actor, "create", "resident", rid, values["name"],
                                             audit.diff({}, _audit_values(registry, values, tag_ids)), at=now))
            for start in range(0, len(changes), _INSERT_BATCH):
                s.execute(update(Resident), changes[start:start + _INSERT_BATCH])
            retagged = [(rid, tags) for rid, _v, tags in planner.updates if tags is not None]
            for start in range(0, len(retagged), 500):
                chunk = retagged[start:start + 500]
                s.execute(delete(resident_tags).where(resident_tags.c.resident_id.in_([r for r, _t in chunk])))
                for rid, tags in chunk:
                    links.extend({"resident_id": rid, "tag_id": t} for t in tags)
            for start in range(0, len(links), 5000):
                s.execute(insert(resident_tags), links[start:start + 5000])
            for start in range(0, len(trail), _INSERT_BATCH):
                s.execute(insert(AuditLog), trail[start:start + _INSERT_BATCH])
    except SQLAlchemyError as exc:
        raise DatabaseError(_("The import could not be saved, so nothing was imported: {error}")
                            .format(error=getattr(exc, "orig", None) or exc)) from exc


def write_rejects(path: str | Path, layout: _Layout, rejects: list[tuple[int, list, str]]) -> Path:
    """The rejected rows with their original header texts and values, plus a reason column."""
    path = Path(path)
    width = max([len(layout.headers)] + [len(v) for _n, v, _r in rejects])
    while width > len(layout.headers) and all(len(v) < width or _is_blank(v[width - 1])
                                              for _n, v, _r in rejects):
        width -= 1
    headers = layout.headers + [""] * (width - len(layout.headers)) + [_("Reason")]
    text_columns = {i for i, f in layout.mapping.items() if f in _TEXT_FIELDS}

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
