"""Import a day-care ledger (日间照料 / 幸福院 花名册) kept in Excel, WPS or CSV.

A centre starting with the program has its elders in a ledger: 序号, 姓名, 身份证号码, 联系电话,
入托日期, 护理等级 (自理/半失能/失能), 饮食, 过敏, 紧急联系人, 联系人电话, 与本人关系, 补贴类别,
星期 (一三五, 周一至周五), 备注. The shared reader (services/spreadsheet.py) reads the file with
this module's column table; each row is matched to a registered resident (by ID number, else by
name and phone) and enrolled, or their current profile updated, through daycare.enrol /
daycare.update_profile, so every rule and audit row is the enrolment form's.

- A file-level problem raises ImportFileError; nothing is imported.
- A row that cannot be matched or fails a check goes to the rejects workbook with the reason;
  the other rows are imported (each elder in its own transaction, as the form saves them).
- Diets and subsidy categories must already be in the lists (Settings); an unknown one is a
  row error, never a new list entry.
- Health notes are never imported: they need the elder's consent and are entered at the desk.
  A health column is named in the result's `notes`.
- An empty cell keeps what is stored (an emergency contact already listed under that name is
  kept as stored); a row that changes nothing counts as unchanged, so
  importing the same file twice changes nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _
from app.models import DaycareProfile, Diet, Resident, SubsidyCategory
from app.services import access, audit, daycare, spreadsheet
from app.services.daycare import Contact, ProfileInput
from app.services.importer import LedgerImportResult
from app.services.importer import (_CJK_GAP, RowProblem, _CellProblem, _date, _id_number, _LedgerPlanner, _norm,
                                   _phone, _plan_rows, _report_rejects, _save_plans, _split_contact)
from app.services.spreadsheet import Columns, ImportFileError, Layout, cell_text
from app.services.validators import InvalidValue, normalise_phone

__all__ = ["COLUMNS", "FIELDS", "ImportFileError", "LedgerResult", "RowProblem", "import_ledger", "preview",
           "parse_weekdays"]

FIELDS: dict[str, str] = {
    "number": N_("No."),
    "name": N_("Name"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "enrolled_on": N_("Enrolled since"),
    "care_level": N_("Care level"),
    "diet": N_("Diet"),
    "allergies": N_("Allergies"),
    "contact_name": N_("Emergency contact"),
    "contact_phone": N_("Emergency contact's phone"),
    "relation": N_("Relation"),
    "subsidy": N_("Meal subsidy category"),
    "weekdays": N_("Usual days"),
    "health_notes": N_("Health notes"),
    "notes": N_("Notes"),
}

# Header texts recognised for each field (compared as spreadsheet.norm_header() leaves them).
_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "no", "no.", "#"),
    "name": ("姓名", "老人姓名", "长者姓名", "名字", "name"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "身份证", "公民身份号码", "id number", "id no"),
    "phone": ("联系电话", "本人电话", "老人电话", "电话", "手机", "手机号", "手机号码", "phone", "mobile"),
    "enrolled_on": ("入托日期", "入院日期", "入托时间", "入院时间", "入住日期", "登记日期", "加入日期", "开始日期",
                    "enrolled since", "enrolled on"),
    "care_level": ("护理等级", "护理级别", "照护等级", "能力等级", "自理能力", "失能等级", "自理情况", "care level"),
    "diet": ("饮食", "饮食要求", "饮食类型", "膳食", "膳食要求", "diet"),
    "allergies": ("过敏", "过敏史", "过敏情况", "过敏源", "食物过敏", "allergies"),
    "contact_name": ("紧急联系人", "紧急联系人姓名", "联系人", "联系人姓名", "家属", "家属姓名", "emergency contact"),
    "contact_phone": ("联系人电话", "紧急联系人电话", "紧急联系电话", "联系人手机", "家属电话", "家属联系电话",
                      "emergency contact's phone", "contact phone"),
    "relation": ("与本人关系", "与老人关系", "关系", "亲属关系", "与联系人关系", "relation", "relationship"),
    "subsidy": ("补贴类别", "补贴类型", "助餐补贴", "补贴对象", "补贴标准", "meal subsidy category", "subsidy"),
    "weekdays": ("星期", "每周来院", "来院日", "来院时间", "每周来院日", "托管日", "上托日", "服务日", "usual days",
                 "weekdays"),
    "health_notes": ("健康状况", "健康情况", "病史", "既往病史", "疾病史", "慢性病", "健康备注", "health notes"),
    "notes": ("备注", "说明", "notes", "remarks"),
}

COLUMNS = Columns(labels=FIELDS, aliases=_ALIASES, required=("name",))
_NOT_IMPORTED = ("health_notes", "notes")  # read so they can be named, never stored
_TEXT_FIELDS = ("id_number", "phone", "contact_phone")  # digits that must stay text in the rejects file
_MAX_LENGTH = {"allergies": 500, "name": 50, "contact_name": 80, "relation": 20, "diet": 50, "subsidy": 50,
               "weekdays": 50, "care_level": 20, "id_number": 30, "phone": 30, "contact_phone": 30,
               "enrolled_on": 30}
PROGRESS_EVERY = 10  # elders between progress() calls (each is its own transaction)

# What ledgers write for "none" in an optional cell (过敏：无).
_NONE_WORDS = {"无", "没有", "暂无", "否", "-", "--", "—", "/", "none", "n/a", "na"}

# Care levels as ledgers write them; the labels in the current language are accepted too.
_CARE_WORDS = {
    daycare.SELF_CARE: ("自理", "能自理", "完全自理", "生活自理", "self-care", "self care", "self_care"),
    daycare.PARTIAL: ("半失能", "半自理", "部分失能", "部分自理", "轻度失能", "中度失能", "介助", "partly dependent",
                      "partial"),
    daycare.DEPENDENT: ("失能", "完全失能", "全失能", "重度失能", "不能自理", "不自理", "介护", "dependent"),
}


@dataclass
class LedgerResult(LedgerImportResult):
    """What an import did, or (preview) would do."""
    enrolled: int = 0             # residents enrolled
    not_imported: list[str] = field(default_factory=list)     # headers read but never stored

    @property
    def to_import(self) -> int:
        return self.enrolled + self.updated


@dataclass
class _Planned:
    row: int
    raw: list
    resident_id: int
    name: str
    data: ProfileInput
    update: bool


# -- cells -------------------------------------------------------------------------------------

def _optional(value) -> str:
    """An optional cell as text; "无", "-" and the like are empty."""
    text = cell_text(value)
    return "" if _norm(text) in _NONE_WORDS else text


def _care_level(value) -> str:
    text = _norm(cell_text(value))
    for code, words in _CARE_WORDS.items():
        if text in words or text == _norm(_(daycare.CARE_LEVELS[code])):
            return code
    raise _CellProblem(_("{value} is not a care level; write {choices}.").format(
        value=cell_text(value), choices="、".join(_(label) for label in daycare.CARE_LEVELS.values())))


_DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
              "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_EVERY_DAY = {"每天", "每日", "天天", "全周", "全天"}
_COUNT = re.compile(r"[\d一二三四五六七两]\s*[天次]")


def parse_weekdays(value) -> frozenset[int]:
    """The usual days of a ledger cell: 一三五, 周一至周五, 星期一、三, 1-5, 每天, 工作日 (0 Monday … 6 Sunday)."""
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
    problem = _CellProblem(_("{value} is not a list of days; write them like 一三五 or 周一至周五.").format(
        value=cell_text(value)))
    if text in _EVERY_DAY:
        return frozenset(range(7))
    if text in ("工作日", "周一至周五"):
        return frozenset(range(5))
    if _COUNT.search(text):
        raise problem  # "每周3天" says how many days, not which
    for word in ("每周", "每星期", "星期", "礼拜", "周"):
        text = text.replace(word, "")
    for dash in ("至", "到", "~", "—", "–", "-"):
        text = text.replace(dash, "~")
    days: set[int] = set()
    for part in re.split(r"[、,;/和及.]+", text):
        if not part:
            continue
        ends = part.split("~")
        if len(ends) == 2 and len(ends[0]) == 1 and len(ends[1]) == 1 \
                and ends[0] in _DAY_CHARS and ends[1] in _DAY_CHARS:
            first, last = _DAY_CHARS[ends[0]], _DAY_CHARS[ends[1]]
            if first > last:
                raise problem
            days.update(range(first, last + 1))
        elif all(ch in _DAY_CHARS for ch in part):
            days.update(_DAY_CHARS[ch] for ch in part)
        else:
            raise problem
    if not days:
        raise problem
    return frozenset(days)


# -- planning --------------------------------------------------------------------------------------

class _Choices:
    """Diets or subsidy categories in use, found by name ("低保" finds "低保/困难" when only it has that part)."""

    def __init__(self, s, model):
        self.exact: dict[str, int] = {}
        parts: dict[str, set[int]] = {}
        for choice_id, name in s.execute(select(model.id, model.name).where(model.active.is_(True))):
            self.exact.setdefault(_norm(name), choice_id)
            for part in re.split(r"[/、,，;；|]+", unicodedata.normalize("NFKC", name)):
                if _norm(part):
                    parts.setdefault(_norm(part), set()).add(choice_id)
        self.parts = {key: next(iter(ids)) for key, ids in parts.items() if len(ids) == 1}

    def find(self, text: str) -> int | None:
        key = _norm(text)
        return self.exact.get(key, self.parts.get(key))


class _Planner(_LedgerPlanner):
    fields, max_length, not_read = FIELDS, _MAX_LENGTH, frozenset({"number", *_NOT_IMPORTED})
    note = N_("This row looks like a note (合计, 制表人 …), not a resident.")

    def __init__(self, s, layout: Layout, today: dt.date):
        super().__init__(s, layout, today)
        self.layout = layout
        self.diets = _Choices(s, Diet)
        self.subsidies = _Choices(s, SubsidyCategory)

    def add(self, number: int, raw: list) -> None:
        read = self.read(number, raw)
        if read is None:
            return
        got, problems = read
        name = got.get("name", "")
        contact = self._contact(got, problems)
        if problems:
            self.reject(number, raw, self.reason(problems))
            return
        rid, why = self._resident(name, got.get("id_number"), got.get("phone"))
        if rid is None:
            self.reject(number, raw, why)
            return
        if rid in self.claimed:
            self.reject(number, raw, _("Duplicate of row {row} (the same resident).").format(row=self.claimed[rid]))
            return
        self._plan(number, raw, rid, name, got, contact)

    def _cell(self, f: str, value):
        if f == "name":
            return _CJK_GAP.sub("", cell_text(value))
        if f == "id_number":
            return _id_number(value, self.today)
        if f in ("phone", "contact_phone"):
            return _phone(value)
        if f == "enrolled_on":
            day = _date(value)
            if day > self.today:
                raise _CellProblem(_("The date is in the future."))
            return day
        if f == "care_level":
            return _care_level(value)
        if f in ("diet", "subsidy"):
            text = _optional(value)
            if not text:
                return None
            found = (self.diets if f == "diet" else self.subsidies).find(text)
            if found is None:
                if f == "diet":
                    raise _CellProblem(_("No diet in use is called {name}. Add it under Settings first, or "
                                         "correct the spelling.").format(name=text))
                raise _CellProblem(_("No meal subsidy category in use is called {name}. Add it under Settings "
                                     "first, or correct the spelling.").format(name=text))
            return found
        if f == "weekdays":
            return parse_weekdays(value)
        return _optional(value)  # allergies, contact name, relation

    def _contact(self, got: dict, problems: list) -> Contact | None:
        """The row's emergency contact as typed (the name cell may hold the relation and phone too)."""
        name, phone, relation = got.get("contact_name", ""), got.get("contact_phone", ""), got.get("relation", "")
        if name:
            name, in_phone, in_relation = _split_contact(name)
            relation = relation or in_relation
            if in_phone and not phone:
                try:
                    phone = normalise_phone(in_phone)
                except InvalidValue as exc:
                    problems.append(("contact_name", exc.message))
                    return None
        if not (name or phone or relation):
            return None
        return Contact(None, name, phone, relation)  # checked in _plan: one already listed needs no more

    def _resident(self, name: str, id_number: str | None, phone: str | None) -> tuple[int | None, str]:
        """The registered resident a row is, or None and why not."""
        s = self.s
        key = _norm(name)
        if id_number:
            found = s.execute(select(Resident.id, Resident.name).where(Resident.id_number == id_number)).first()
            if found is not None:
                if _norm(found.name) != key:
                    return None, _("The registry has this ID number under the name {registered}, not {name}.").format(
                        registered=found.name, name=name)
                return found.id, ""
            if not phone:
                return None, _("No registered resident has this ID number. Register {name} in the residents tab "
                               "first.").format(name=name)
        if not phone:
            return None, _("The row has neither an ID number nor a phone number to find {name} in the "
                           "registry.").format(name=name)
        query = select(Resident.id, Resident.id_number).where(Resident.name == name, Resident.phone == phone)
        found = s.execute(query.limit(2)).all()
        if id_number:  # the ID number was not found: only a resident registered without one is them
            found = [r for r in found if not r.id_number]
        if not found:
            return None, _("No registered resident is called {name} with this phone number. Register them in the "
                           "residents tab first, or add the ID number.").format(name=name)
        if len(found) > 1:
            return None, _("Several registered residents are called {name} with this phone number; add the ID "
                           "number to the row.").format(name=name)
        return found[0].id, ""

    def _plan(self, number: int, raw: list, rid: int, name: str, got: dict, contact: Contact | None) -> None:
        s = self.s
        own = s.scalar(select(DaycareProfile).where(DaycareProfile.resident_id == rid,
                                                    DaycareProfile.left_on.is_(None)))
        if own is None:
            data = ProfileInput(rid, got.get("enrolled_on"), got.get("care_level", daycare.SELF_CARE),
                                got.get("diet"), got.get("allergies", ""), None, got.get("subsidy"),
                                got.get("weekdays", daycare.WEEKDAYS_DEFAULT), False,
                                [contact] if contact else [], [])
        else:
            emergency = daycare._contacts(s, own.id, daycare.EMERGENCY)
            if contact is not None and any(_norm(c.name) == _norm(contact.name) for c in emergency):
                contact = None  # already listed: kept as entered at the desk
            elif contact is not None:
                emergency = [contact] + emergency  # a new contact first; the others stay
            stored = daycare._days_of(own.weekdays)
            data = ProfileInput(rid, got.get("enrolled_on"), got.get("care_level", own.care_level),
                                got.get("diet", own.diet_id), got.get("allergies", own.allergies), None,
                                got.get("subsidy", own.subsidy_category_id), got.get("weekdays", stored),
                                own.may_leave_alone, emergency, daycare._contacts(s, own.id, daycare.PICKUP))
            if "diet" in got and got["diet"] is None:
                data.diet_id = own.diet_id  # "无" in the diet column keeps the stored diet
            if "subsidy" in got and got["subsidy"] is None:
                data.subsidy_category_id = own.subsidy_category_id
        if contact is not None:
            missing = [(key, _("Needed for the emergency contact (name, phone and relation)."))
                       for key, value in (("contact_name", contact.name), ("contact_phone", contact.phone),
                                          ("relation", contact.relation)) if not value]
            if missing:
                self.reject(number, raw, self.reason(missing))
                return
        try:
            daycare._validate_profile(s, data, own, self.today)  # the form's checks, read only
        except ValidationError as exc:
            self.reject(number, raw, self.reason([(_SERVICE_FIELDS.get(k, ""), v) for k, v in exc.fields.items()]))
            return
        self.claimed[rid] = number
        if own is not None and (data.enrolled_on in (None, own.enrolled_on)
                                and (data.care_level, data.diet_id, data.allergies.strip(), data.subsidy_category_id,
                                     data.weekdays) == (own.care_level, own.diet_id, own.allergies,
                                                        own.subsidy_category_id, daycare._days_of(own.weekdays))
                                and data.emergency_contacts == daycare._contacts(s, own.id, daycare.EMERGENCY)):
            self.unchanged += 1
            return
        self.plans.append(_Planned(number, raw, rid, name, data, own is not None))


# The service's ValidationError keys -> this file's fields (for the reason's column name).
_SERVICE_FIELDS = {"enrolled_on": "enrolled_on", "care_level": "care_level", "diet_id": "diet",
                   "subsidy_category_id": "subsidy", "weekdays": "weekdays", "emergency_contacts": "contact_name",
                   "pickups": "", "resident_id": "name"}


def _plan(db: Database, path: Path, today: dt.date) -> tuple[Layout, _Planner, int]:
    return _plan_rows(db, path, COLUMNS, lambda s, layout: _Planner(s, layout, today))


def _result(layout: Layout, planner: _Planner, total: int, *, preview: bool) -> LedgerResult:
    columns = layout.columns
    result = LedgerResult(
        enrolled=sum(1 for p in planner.plans if not p.update), updated=sum(1 for p in planner.plans if p.update),
        unchanged=planner.unchanged, rejected=len(planner.rejects), empty=planner.empty, rows=total,
        columns={f: text for f, text in columns.items() if f not in _NOT_IMPORTED and f != "number"},
        unknown_columns=list(layout.unknown), not_imported=[columns[f] for f in _NOT_IMPORTED if f in columns],
        preview=preview)
    if "health_notes" in columns:
        result.notes.append(_("The column {column} was not imported: health notes are entered at the desk, once the "
                              "elder (or a guardian) has consented.").format(column=columns["health_notes"]))
    else:
        result.notes.append(_("Health notes are not imported: they are entered at the desk, once the elder (or a "
                              "guardian) has consented."))
    return result


# -- public API ----------------------------------------------------------------------------------

def preview(db: Database, path: str | Path, *, today: dt.date | None = None) -> LedgerResult:
    """What importing `path` would do (counts, the rejected rows and why); nothing is written."""
    path = Path(path)
    layout, planner, total = _plan(db, path, today or dt.date.today())
    result = _result(layout, planner, total, preview=True)
    result.problems = [RowProblem(n, reason) for n, _v, reason in planner.rejects]
    return result


def import_ledger(db: Database, path: str | Path, *, actor: access.Actor, rejects_path: str | Path | None = None,
                  progress: Callable[[int, int], None] | None = None, today: dt.date | None = None) -> LedgerResult:
    """Enrol (or update) the elders of the ledger at `path`; rejected rows go to `rejects_path`
    (default: beside the file, "<name>-rejects.xlsx"). The audit trail gets each enrolment or
    change, as from the form, and one row for the import."""
    access.require(actor, access.DAYCARE_ENROL)
    path = Path(path)
    rejects_path = spreadsheet.rejects_path_for(path, rejects_path)
    today = today or dt.date.today()
    layout, planner, total = _plan(db, path, today)
    result = _result(layout, planner, total, preview=False)
    result.enrolled = result.updated = 0

    def save(plan: _Planned) -> None:
        if plan.update:
            daycare.update_profile(db, plan.resident_id, plan.data, actor=actor, today=today)
            result.updated += 1
        else:
            daycare.enrol(db, plan.data, actor=actor, today=today)
            result.enrolled += 1

    rejects = _save_plans(planner, save, _SERVICE_FIELDS, every=PROGRESS_EVERY, progress=progress)
    _report_rejects(result, rejects, rejects_path, layout, _TEXT_FIELDS)
    if result.to_import:
        with db.session() as s:
            audit.record(s, actor, "import", "daycare_profile", None, _(
                "{file}: {enrolled} enrolled, {updated} updated").format(
                    file=path.name, enrolled=result.enrolled, updated=result.updated))
    return result
