"""Import residents from a spreadsheet (.xlsx) or a CSV file.

Centres arrive with years of ledgers kept in Excel or WPS: a merged title row
above the header, headers such as "身份证号码（必填）", ID numbers that Excel
turned into 3.50581E+17, phones stored as 13812345678.0, files saved as GBK
CSV. The generic spreadsheet reader (app/services/spreadsheet.py) reads all of
that with the residents' column table (COLUMNS); this module checks every row
with the registry's own rules (residents.validate) and imports the good rows in
one transaction.

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

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DatabaseError, NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import AuditLog, Grid, Resident, Tag, resident_tags
from app.services import access, audit, pinyin, spreadsheet
from app.services.member_codes import new_member_code
from app.services.fields import RESIDENT_FIELDS
from app.services.residents import ResidentInput, audit_values, validate
from app.services.validators import InvalidValue, normalise_phone, parse_id_number
from app.services.spreadsheet import (HEADER_SCAN, Columns, ImportFileError, Layout, cell_text,  # noqa: F401
                                      default_rejects_path, display, is_blank, map_headers, read_table)


# The fields a column can be mapped to, with their labels (for the wizard and messages).
FIELDS: dict[str, str] = dict(RESIDENT_FIELDS)
FIELD_LABELS = FIELDS  # the name the import wizard uses
REQUIRED = ("name",)

# Header texts recognised for each field (compared as spreadsheet.norm_header() leaves them).
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

PROGRESS_EVERY = 250      # rows between progress() calls
_INSERT_BATCH = 1000
_TEXT_FIELDS = ("id_number", "phone")  # digits that must stay text in the rejects file
# The longest cell each field takes; longer is a row error. The name and the address parts are
# checked by residents.validate (NAME_MAX and its address limits), the rule every form obeys.
_MAX_LENGTH = {"notes": 2000, "phone": 30, "id_number": 30, "gender": 10, "birth_date": 30,
               "grid": 100, "tags": 500}

# The residents' columns, for the generic spreadsheet reader.
COLUMNS = Columns(labels=FIELDS, aliases=_ALIASES, required=REQUIRED)


def match_header(text) -> str | None:
    """The field a header text stands for ("身份证号码（必填）" -> "id_number"), or None."""
    return COLUMNS.names.match(text)


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


# -- cells ------------------------------------------------------------------------

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


def _code(value) -> str:
    """An ID or phone number cell as text; numbers that lost digits are refused."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise _CellProblem(_("Excel has turned this number into {value} and lost its last digits. "
                             "Format the column as text and type the number again.")
                           .format(value=f"{value:.6G}"))
    text = unicodedata.normalize("NFKC", cell_text(value)).lstrip("'‘’").strip()
    if _SCIENTIFIC.match(text):
        raise _CellProblem(_("Excel has turned this number into {value} and lost its last digits. "
                             "Format the column as text and type the number again.").format(value=text))
    if "*" in text:
        raise _CellProblem(_("The number is masked with * (from a masked export); the full number "
                             "is needed."))
    return text


def _gender(value) -> str:
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    if text not in _GENDERS:
        raise _CellProblem(_("{value} is not a gender; write 男 or 女.").format(value=cell_text(value)))
    return _GENDERS[text]


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value))
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        found = _DATE.match(text)
        if found:
            return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        pass
    raise _CellProblem(_("{value} is not a date; write it like 1950-03-01.").format(value=cell_text(value)))


# -- cells and rows of the features' ledger imports (day care, after-school) ------------------------

def _norm(text: str) -> str:
    """Words as a ledger's cell is compared: NFKC, no spaces, case folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _id_number(value, today: dt.date) -> str:
    """An ID number cell, checked (check digit, a birth date before `today`)."""
    try:
        return parse_id_number(_code(value), today).number
    except InvalidValue as exc:
        raise _CellProblem(exc.message) from None


def _phone(value) -> str:
    try:
        return normalise_phone(_code(value))
    except InvalidValue as exc:
        raise _CellProblem(exc.message) from None


_TRAILING_PHONE = re.compile(r"^(.*?)[\s,，、/:：]*((?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_BRACKETED = re.compile(r"^(.*?)\s*\(([^()]*)\)$")


def _split_contact(text: str) -> tuple[str, str, str]:
    """A contact cell as name, phone and relation: "王小明（儿子）13812345678" is common."""
    text = unicodedata.normalize("NFKC", text).strip()
    phone = relation = ""
    found = _TRAILING_PHONE.match(text)
    if found and found.group(1):
        text, phone = found.group(1).strip(), found.group(2)
    found = _BRACKETED.match(text)
    if found and found.group(1):
        text, relation = found.group(1).strip(), found.group(2).strip()
    return text, phone, relation


def _read_cells(present: dict, max_length: dict[str, int],
                parse: Callable[[str, object], object]) -> tuple[dict, list[tuple[str, str]]]:
    """A ledger row's filled cells through `parse(field, value)`: the values read, and a
    (field, problem) for each cell too long or refused."""
    got: dict = {}
    problems: list[tuple[str, str]] = []
    for f, value in present.items():
        limit = max_length.get(f)
        if limit is not None and len(cell_text(value)) > limit:
            problems.append((f, _("Too long (at most {n} characters).").format(n=limit)))
            continue
        try:
            got[f] = parse(f, value)
        except _CellProblem as exc:
            problems.append((f, exc.message))
    return got, problems


@dataclass
class LedgerImportResult:
    """What a feature's ledger import did, or (preview) would do: the counts every one has; each
    feature's result adds its own (enrolled, waiting, added …) and `to_import`."""

    updated: int = 0              # rows on file whose record changed
    unchanged: int = 0            # rows changing nothing
    rejected: int = 0
    empty: int = 0                # empty rows skipped
    rows: int = 0                 # data rows below the header (empty ones included)
    rejects_file: Path | None = None
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)    # field -> header text in the file
    unknown_columns: list[str] = field(default_factory=list)  # headers matching no field
    notes: list[str] = field(default_factory=list)            # sentences for staff
    preview: bool = False


class _LedgerPlanner:
    """What the features' ledger imports (day care, after-school, alliance) plan rows with: the
    columns' names in messages, and a row's cells read, its empty rows and notes set aside.
    A subclass names its fields and limits, parses a cell in `_cell(field, value)` and plans in `add`."""

    fields: dict[str, str] = {}                     # field -> msgid (the feature's FIELDS)
    max_length: dict[str, int] = {}
    not_read: frozenset[str] = frozenset({"number"})  # columns recognised but never read
    note: str                                        # msgid: a row that is only a note (合计 …)
    no_name = N_("Please enter the name.")

    def __init__(self, s: Session, layout: Layout, today: dt.date):
        self.s, self.columns, self.today = s, layout.columns, today
        self.items = sorted(layout.mapping.items())
        self.plans: list = []
        self.rejects: list[tuple[int, list, str]] = []
        self.unchanged = 0
        self.empty = 0
        self.claimed: dict = {}  # what a row matched -> that row's number

    def label(self, key: str) -> str:
        return self.columns.get(key) or _(self.fields.get(key, key))

    def reason(self, problems: list[tuple[str, str]]) -> str:
        return _("; ").join(_("{column}: {problem}").format(column=self.label(k), problem=p) if k else p
                            for k, p in problems)

    def reject(self, number: int, raw: list, reason: str) -> None:
        self.rejects.append((number, raw, reason))

    def read(self, number: int, raw: list) -> tuple[dict, list[tuple[str, str]]] | None:
        """The row's cells read and the (field, problem)s found; None for an empty row (counted)
        or a note such as 合计 (rejected)."""
        cells = {f: (raw[i] if i < len(raw) else None) for i, f in self.items}
        present = {f: v for f, v in cells.items() if f not in self.not_read and not is_blank(v)}
        if not present:
            self.empty += 1
            return None
        got, problems = _read_cells(present, self.max_length, self._cell)
        name = got.get("name", "")
        if set(present) == {"name"} and _NOTE.search(name):
            self.reject(number, raw, _(self.note))
            return None
        if not name and "name" not in dict(problems):
            problems.append(("name", _(self.no_name)))
        return got, problems

    def _cell(self, f: str, value):
        raise NotImplementedError


def _plan_rows(db: Database, path: Path, columns: Columns, make_planner: Callable[[Session, Layout], Any]):
    """Read a ledger's rows, in one read transaction, into `make_planner(session, layout)` (which has
    `add(number, values)` and counts `empty` rows); returns (layout, planner, rows read). A file
    with no data rows raises ImportFileError."""
    with read_table(path, columns) as table, db.session() as s:
        layout = table.layout
        planner = make_planner(s, layout)
        total = 0
        for number, values in table.rows():
            total += 1
            planner.add(number, values)
        if planner.empty == total:
            raise ImportFileError(_("{name} has no data rows below the header row.").format(name=path.name))
        return layout, planner, total


def _save_plans(planner, save: Callable[[Any], None], service_fields: dict[str, str], *, every: int,
                progress: Callable[[int, int], None] | None) -> list[tuple[int, list, str]]:
    """Save each planned row (`.row`, `.raw`) through `save(plan)`, the form's own service calls, one
    transaction each: a row another desk changed since the plan is refused with the service's reason
    (its fields named through `service_fields`), the others still go in. Returns every rejected
    row, the planner's and these, in the file's order."""
    rejects = list(planner.rejects)
    for done, plan in enumerate(planner.plans, 1):
        try:
            save(plan)
        except ValidationError as exc:
            rejects.append((plan.row, plan.raw, planner.reason(
                [(service_fields.get(k, ""), v) for k, v in exc.fields.items()])))
        except NotFoundError as exc:
            rejects.append((plan.row, plan.raw, exc.message))
        if progress and (done % every == 0 or done == len(planner.plans)):
            progress(done, len(planner.plans))
    rejects.sort(key=lambda r: r[0])
    return rejects


def _report_rejects(result, rejects: list[tuple[int, list, str]], rejects_path: Path, layout: Layout,
                    text_fields: Iterable[str]) -> None:
    """Count the rejected rows in `result` and write them, with their reasons, to `rejects_path`."""
    result.rejected = len(rejects)
    result.problems = [RowProblem(n, reason) for n, _v, reason in rejects]
    if rejects:
        spreadsheet.write_rejects(rejects_path, layout, rejects, text_fields=text_fields)
        result.rejects_file = rejects_path


def _short(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _grid_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# -- what the database already holds ------------------------------------------------

_STORED = ("name", "id_number", "id_kind", "gender", "birth_date", "phone", "estate", "building",
           "unit", "room", "notes", "grid_id")


class _Registry:
    """Residents, tags and grids as they are before the import, loaded once (in the import's
    transaction, which holds the write lock: nobody else adds residents meanwhile)."""

    def __init__(self, s: Session):
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

class _Planner:
    def __init__(self, registry: _Registry, layout: Layout, today: dt.date):
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
        present = {f: v for f, v in cells.items() if not is_blank(v)}
        if not present:
            self.empty += 1
            return
        problems: list[tuple[str, str]] = []
        data = ResidentInput()
        has_id = "id_number" in present
        for f, value in present.items():
            limit = _MAX_LENGTH.get(f)
            if limit is not None and isinstance(value, str) and len(value) > limit \
                    and len(cell_text(value)) > limit:
                problems.append((f, _("Too long (at most {n} characters).").format(n=limit)))
                continue
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
                    data.grid_id = self.reg.grid_id(cell_text(value))
                elif f == "tags":
                    data.tag_ids = self.reg.tag_ids(cell_text(value))
                elif f == "name":
                    data.name = _CJK_GAP.sub("", cell_text(value))
                elif f in ("building", "unit", "room"):
                    setattr(data, f, _short(cell_text(value)))
                else:
                    setattr(data, f, cell_text(value))
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


# -- public API ------------------------------------------------------------------------------------

def suggest_mapping(headers: list[str]) -> dict[int, str]:
    """Column index -> field for a header row, matched by header text."""
    return map_headers(headers, COLUMNS.names)[0]


def preview_file(path: str | Path, rows: int = 20, *, sheet: str | None = None) -> Preview:
    """The header, the first `rows` data rows and the suggested mapping of a file.

    A file without a recognised name column is still previewed (so the column
    can be chosen by hand); `missing` then lists it.
    """
    path = Path(path)
    with read_table(path, COLUMNS, sheet=sheet, strict=False) as table:
        layout = table.layout
        shown: list[list[str]] = []
        counted = 0
        data = table.rows()
        for _number, values in data:
            counted += 1
            if all(is_blank(v) for v in values):
                continue
            shown.append([display(v) for v in values])
            if len(shown) >= rows:
                break
        if table.encoding is not None:  # CSV: cheap to count exactly
            data_rows = counted + sum(1 for _r in data)
        else:
            data_rows = table.data_rows
        missing = [f for f in REQUIRED if f not in layout.mapping.values()]
        return Preview(layout.headers, shown, layout.mapping, layout.unknown, missing,
                       layout.header_row, data_rows, table.sheet.sheet, table.sheet.sheets, table.encoding)


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
    # The rows are read as they are planned, never held all at once: a 50,000-row workbook
    # held whole (raw and planned) was most of an import's memory. CSV files are read whole.
    table = read_table(path, COLUMNS, mapping=mapping, header_row=header_row, sheet=sheet)
    layout = table.layout
    try:
        rows: Iterable[tuple[int, list]] = table.rows()
        if table.encoding is not None:  # CSV: read whole anyway, so the progress can be exact
            rows = list(rows)
    except BaseException:
        table.close()
        raise
    # For progress: a workbook's recorded size; 0 (unknown) shows a busy bar.
    expected = len(rows) if isinstance(rows, list) else table.data_rows or 0

    # Matching and inserting happen in one transaction holding the write lock: a second import
    # of the same file at the same time waits, then matches the rows this one inserted.
    writing = False
    try:
        with table, db.session() if dry_run else db.write_session() as s:
            registry = _Registry(s)
            planner = _Planner(registry, layout, dt.date.today())
            total = 0
            for total, (number, values) in enumerate(rows, 1):
                planner.add(number, values)
                if progress and total % PROGRESS_EVERY == 0:
                    progress(total, max(expected, total) if expected else 0)
            if planner.empty == total:
                raise ImportFileError(_("{name} has no data rows below the header row.").format(name=path.name))

            result = ImportResult(
                imported=len(planner.new), updated=len(planner.updates), unchanged=planner.unchanged,
                rejected=len(planner.rejects), empty=planner.empty, rows=total,
                unknown_columns=list(layout.unknown), mapping=dict(layout.mapping), columns=layout.columns,
                problems=[RowProblem(n, reason) for n, _v, reason in planner.rejects], dry_run=dry_run)
            if planner.rejects and rejects_path is not None:
                write_rejects(rejects_path, layout, planner.rejects)
                result.rejects_file = rejects_path
            if not dry_run and (planner.new or planner.updates):
                writing = True
                _write(s, registry, planner, actor, path.name)
    except SQLAlchemyError as exc:
        error = getattr(exc, "orig", None) or exc
        if writing:
            raise DatabaseError(_("The import could not be saved, so nothing was imported: {error}")
                                .format(error=error)) from exc
        raise DatabaseError(_("The database cannot be read: {error}").format(error=error)) from exc
    if progress:
        progress(total, total)
    return result


# -- writing ------------------------------------------------------------------------------------

def _audit_values(registry: _Registry, values: dict, tag_ids) -> dict:
    chosen = set(tag_ids)  # names in the tags' own order, as residents.py lists them
    return audit_values(values, registry.grid_names.get(values["grid_id"]),
                        [name for tag_id, name in registry.tag_names.items() if tag_id in chosen])


def _write(s: Session, registry: _Registry, planner: _Planner, actor: access.Actor, file_name: str) -> None:
    now = dt.datetime.now()
    codes = registry.codes
    known: dict[str, tuple[str, str]] = {}  # names repeat: each one's keys are computed once

    def search_keys(name: str) -> tuple[str, str]:
        if name not in known:
            known[name] = pinyin.search_keys(name)  # as residents._apply does
        return known[name]

    changes = []
    for rid, values, _tags in planner.updates:
        keys, sort_key = search_keys(values["name"])
        changes.append(dict(values, id=rid, search_keys=keys, sort_key=sort_key, updated_at=now))
    # The audit trail: one row for the import, one per resident it creates or changes (in that
    # order). New residents are inserted, tagged and audited a batch at a time, so that only
    # one batch of their rows and audit entries is held at once.
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
        for start in range(0, len(trail), _INSERT_BATCH):
            s.execute(insert(AuditLog), trail[start:start + _INSERT_BATCH])
        for start in range(0, len(planner.new), _INSERT_BATCH):
            planned = planner.new[start:start + _INSERT_BATCH]
            batch = []
            for values, _tags in planned:
                keys, sort_key = search_keys(values["name"])
                code = new_member_code()
                while code in codes:
                    code = new_member_code()
                codes.add(code)
                batch.append(dict(values, member_code=code, active=True, deactivation_reason="",
                                  search_keys=keys, sort_key=sort_key, created_at=now, updated_at=now))
            ids = s.scalars(insert(Resident).returning(Resident.id, sort_by_parameter_order=True),
                            batch).all()
            links = [{"resident_id": rid, "tag_id": t} for rid, (_v, tag_ids) in zip(ids, planned) for t in tag_ids]
            if links:
                s.execute(insert(resident_tags), links)
            s.execute(insert(AuditLog), [
                audit.entry(actor, "create", "resident", rid, values["name"],
                            audit.diff({}, _audit_values(registry, values, tag_ids)), at=now)
                for rid, (values, tag_ids) in zip(ids, planned)])
        for start in range(0, len(changes), _INSERT_BATCH):
            s.execute(update(Resident), changes[start:start + _INSERT_BATCH])
        retagged = [(rid, tags) for rid, _v, tags in planner.updates if tags is not None]
        for start in range(0, len(retagged), 500):
            chunk = retagged[start:start + 500]
            s.execute(delete(resident_tags).where(resident_tags.c.resident_id.in_([r for r, _t in chunk])))
            links = [{"resident_id": rid, "tag_id": t} for rid, tags in chunk for t in tags]
            if links:
                s.execute(insert(resident_tags), links)
    except SQLAlchemyError as exc:
        raise DatabaseError(_("The import could not be saved, so nothing was imported: {error}")
                            .format(error=getattr(exc, "orig", None) or exc)) from exc


def write_rejects(path: str | Path, layout: Layout, rejects: list[tuple[int, list, str]]) -> Path:
    """The rejected rows with their original header texts and values, plus a reason column."""
    return spreadsheet.write_rejects(path, layout, rejects, text_fields=_TEXT_FIELDS)
