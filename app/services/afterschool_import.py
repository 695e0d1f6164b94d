"""Import a class list (花名册) kept in Excel, WPS or CSV into one after-school class.

Columns: 序号, 姓名, 身份证号码, 性别, 学校, 年级 (一年级, 初一, 3 …), 监护人, 监护人电话, 与孩子关系,
其他接送人, 接送人电话, 过敏, 知情同意书日期 (the day a guardian signed the consent), 可否独自离开.
The shared reader (services/spreadsheet.py) reads the file with this module's column table. Each
row is matched to a registered child (by ID number, else by name and a guardian's phone) and a
registered guardian (by the child's family links, else name and phone); then, each child in its
own transaction, afterschool.save_child and afterschool.enrol run, so every rule and audit row is
the form's.

- A file-level problem raises ImportFileError; nothing is imported.
- A row that cannot be matched or fails a check goes to the rejects workbook with the reason.
- A child under 14 needs a consent in force or the consent date in the row.
- A full class puts the rest on its waiting list, in the file's order (the result says how many).
- A child already on the class's list whose profile the row would not change counts as
  unchanged, so importing the same file twice changes nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import NotFoundError
from app.i18n import N_, _
from app.models import ChildProfile, Enrolment, FamilyLink, PickupPerson, Resident, SchoolClass
from app.services import access, afterschool, audit, spreadsheet
from app.services.afterschool import ChildInput, ConsentInput, PickupInput
from app.services.importer import LedgerImportResult
from app.services.importer import (_CJK_GAP, RowProblem, _CellProblem, _code, _date, _id_number, _LedgerPlanner,
                                   _norm, _phone, _plan_rows, _report_rejects, _save_plans, _split_contact)
from app.services.spreadsheet import Columns, ImportFileError, Layout, cell_text, is_blank
from app.services.validators import InvalidValue, normalise_phone

__all__ = ["COLUMNS", "FIELDS", "ClassListResult", "ImportFileError", "RowProblem", "import_class_list",
           "parse_grade", "parse_yes_no", "preview"]

FIELDS: dict[str, str] = {
    "number": N_("No."),
    "name": N_("Name"),
    "id_number": N_("ID number"),
    "gender": N_("Gender"),
    "school": N_("School"),
    "grade": N_("Grade"),
    "guardian": N_("Guardian"),
    "guardian_phone": N_("Guardian's phone"),
    "relation": N_("Relation to the child"),
    "other": N_("Other pick-up person"),
    "other_phone": N_("Pick-up person's phone"),
    "allergies": N_("Allergies"),
    "consent_on": N_("Consent signed on"),
    "alone": N_("May go home alone"),
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "no", "no.", "#"),
    "name": ("姓名", "学生姓名", "孩子姓名", "儿童姓名", "幼儿姓名", "名字", "name"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "身份证", "公民身份号码", "id number", "id no"),
    "gender": ("性别", "gender", "sex"),
    "school": ("学校", "就读学校", "所在学校", "school"),
    "grade": ("年级", "就读年级", "年级班级", "grade"),
    "guardian": ("监护人", "监护人姓名", "家长", "家长姓名", "guardian"),
    "guardian_phone": ("监护人电话", "监护人联系电话", "家长电话", "家长联系电话", "联系电话", "guardian's phone"),
    "relation": ("与孩子关系", "与学生关系", "与儿童关系", "关系", "与本人关系", "relation to the child", "relation"),
    "other": ("其他接送人", "接送人", "其他接送人姓名", "接送人姓名", "other pick-up person"),
    "other_phone": ("接送人电话", "其他接送人电话", "接送人联系电话", "pick-up person's phone"),
    "allergies": ("过敏", "过敏史", "过敏情况", "食物过敏", "allergies"),
    "consent_on": ("知情同意书日期", "知情同意书", "同意书日期", "签署日期", "同意日期", "consent signed on"),
    "alone": ("可否独自离开", "能否独自离开", "可否独自回家", "能否独自回家", "独自离开", "may go home alone"),
}

COLUMNS = Columns(labels=FIELDS, aliases=_ALIASES, required=("name",))
_TEXT_FIELDS = ("id_number", "guardian_phone", "other_phone")  # digits that stay text in the rejects file
_MAX_LENGTH = {"name": 50, "id_number": 30, "gender": 10, "school": 100, "grade": 20, "guardian": 50,
               "guardian_phone": 30, "relation": 20, "other": 200, "other_phone": 100, "allergies": 500,
               "consent_on": 30, "alone": 10}
PROGRESS_EVERY = 10
_NONE_WORDS = {"无", "没有", "暂无", "-", "--", "—", "/", "none", "n/a", "na"}
_YES = {"是", "可", "可以", "能", "同意", "允许", "√", "✓", "y", "yes", "true", "1"}
_NO = {"否", "不", "不可", "不可以", "不能", "不同意", "不允许", "×", "✗", "x", "n", "no", "false", "0", "无"}
_GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass
class ClassListResult(LedgerImportResult):
    """What an import did, or (preview) would do."""
    enrolled: int = 0             # children given a place
    waiting: int = 0              # children put on the waiting list (the class was full)

    @property
    def to_import(self) -> int:
        return self.enrolled + self.waiting + self.updated


@dataclass
class _Planned:
    row: int
    raw: list
    resident_id: int
    data: ChildInput
    save: bool                    # the profile is new or changes
    enrol: bool                   # not on the class's list yet


# -- cells -------------------------------------------------------------------------------------

def _optional(value) -> str:
    text = cell_text(value)
    return "" if _norm(text) in _NONE_WORDS else text


def parse_grade(value) -> int:
    """A grade as class lists write it: 一年级, 三年级2班, 初一, 高二, 幼儿园/大班, 3, "5年级" → 0–12."""
    text = _norm(cell_text(value))
    problem = _CellProblem(_("{value} is not a grade; write it like 三年级, 初一 or 3.").format(value=cell_text(value)))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 0 <= value <= 12 or value != int(value):  # NaN and infinity fail the range test
            raise problem
        return int(value)
    if text in ("幼儿园", "大班", "中班", "小班", "学前班", "kindergarten"):
        return 0
    for label_grade, label in afterschool.GRADES.items():
        if text == _norm(_(label)):
            return label_grade
    text = re.sub(r"\d+班$|[一二三四五六七八九]班$", "", text)
    for prefix, offset in (("初", 6), ("高", 9)):
        if text.startswith(prefix):
            rest = text[1:].removesuffix("年级")
            if rest in ("一", "二", "三"):
                return offset + _DIGITS[rest]
            if rest in ("1", "2", "3"):
                return offset + int(rest)
            raise problem
    rest = text.removesuffix("年级").removesuffix("年").removeprefix("小学")
    if rest in _DIGITS and _DIGITS[rest] <= 6:
        return _DIGITS[rest]
    if rest.isdigit() and 0 <= int(rest) <= 12:
        return int(rest)
    raise problem


def parse_yes_no(value) -> bool:
    """可否独自离开: 是/可以/√ → True; 否/不可以/× or empty → False."""
    if is_blank(value):
        return False
    text = _norm(cell_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _CellProblem(_("{value} is neither yes nor no; write 是 or 否.").format(value=cell_text(value)))


def _people(names: str, phones: str) -> list[tuple[str, str, str]]:
    """The other pick-up people of a row as (name, phone, relation): "李秀英（奶奶）13800000000、王阿姨"
    and phones in their own column, paired in order."""
    found = []
    phone_list = [p for p in re.split(r"[、,，;；/\s]+", unicodedata.normalize("NFKC", phones)) if p]
    for n, part in enumerate(p for p in re.split(r"[、;；/]+", names) if p.strip()):
        name, phone, relation = _split_contact(part)
        found.append((name, phone or (phone_list[n] if n < len(phone_list) else ""), relation))
    return found


# -- planning ----------------------------------------------------------------------------------

class _Planner(_LedgerPlanner):
    fields, max_length = FIELDS, _MAX_LENGTH
    note = N_("This row looks like a note (合计, 制表人 …), not a child.")

    def __init__(self, s, layout: Layout, class_id: int, today: dt.date):
        super().__init__(s, layout, today)
        self.c = s.get(SchoolClass, class_id)
        if self.c is None:
            raise NotFoundError(_("That class no longer exists."))
        self.listed = set(s.scalars(select(Enrolment.resident_id).where(
            Enrolment.class_id == class_id,
            Enrolment.status.in_((afterschool.WAITING, afterschool.OFFERED, afterschool.ENROLLED)))))

    def add(self, number: int, raw: list) -> None:
        read = self.read(number, raw)
        if read is None:
            return
        got, problems = read
        name = got.get("name", "")
        if problems:
            self.rejects.append((number, raw, self.reason(problems)))
            return
        try:
            child = self._child(name, got)
            if child.id in self.claimed:
                raise _CellProblem(_("Duplicate of row {row} (the same child).").format(row=self.claimed[child.id]))
            plan = self._plan(number, raw, child, got)
        except _CellProblem as exc:
            self.rejects.append((number, raw, exc.message))
            return
        self.claimed[child.id] = number
        if plan is None:
            self.unchanged += 1
        else:
            self.plans.append(plan)

    def _cell(self, f: str, value):
        if f in ("name", "guardian"):
            return _CJK_GAP.sub("", cell_text(value))
        if f == "id_number":
            return _id_number(value, self.today)
        if f == "guardian_phone":
            return _phone(value)
        if f == "gender":
            text = _norm(cell_text(value))
            if text not in _GENDERS:
                raise _CellProblem(_("{value} is not a gender; write 男 or 女.").format(value=cell_text(value)))
            return _GENDERS[text]
        if f == "grade":
            return parse_grade(value)
        if f == "consent_on":
            day = _date(value)
            if day > self.today:
                raise _CellProblem(_("The date is in the future."))
            return day
        if f == "alone":
            return parse_yes_no(value)
        if f == "other_phone":
            return unicodedata.normalize("NFKC", _code(value))
        return _optional(value)  # school, relation, other, allergies

    def _child(self, name: str, got: dict) -> Resident:
        """The registered child a row is (by ID number, else name and a guardian's phone)."""
        s, id_number, phone = self.s, got.get("id_number"), got.get("guardian_phone")
        if id_number:
            found = s.scalar(select(Resident).where(Resident.id_number == id_number))
            if found is None:
                raise _CellProblem(_("No registered resident has this ID number. Register {name} in the residents "
                                     "tab first.").format(name=name))
            if _norm(found.name) != _norm(name):
                raise _CellProblem(_("The registry has this ID number under the name {registered}, not "
                                     "{name}.").format(registered=found.name, name=name))
        else:
            if not phone:
                raise _CellProblem(_("The row has neither the child's ID number nor a guardian's phone to find "
                                     "{name} in the registry.").format(name=name))
            named = s.scalars(select(Resident).where(Resident.name == name, Resident.active.is_(True))).all()
            matches = [r for r in named if phone in self._adult_phones(r.id)]
            if not matches:
                raise _CellProblem(_("No registered child is called {name} with a guardian with this phone "
                                     "number. Register them (and the family link) first, or add the ID "
                                     "number.").format(name=name))
            if len(matches) > 1:
                raise _CellProblem(_("Several registered children are called {name} with this guardian's phone; "
                                     "add the ID number to the row.").format(name=name))
            found = matches[0]
        if not found.active:
            raise _CellProblem(_("{name}'s record is deactivated; reactivate it first.").format(name=found.name))
        if got.get("gender") and found.gender and got["gender"] != found.gender:
            raise _CellProblem(_("The registry has a different gender for {name}.").format(name=found.name))
        return found

    def _relatives(self, rid: int) -> list[Resident]:
        return list(self.s.scalars(select(Resident).join(FamilyLink, FamilyLink.relative_id == Resident.id)
                                   .where(FamilyLink.resident_id == rid)))

    def _adult_phones(self, rid: int) -> set[str]:
        phones = {r.phone for r in self._relatives(rid) if r.phone}
        profile = self.s.scalar(select(ChildProfile.id).where(ChildProfile.resident_id == rid))
        if profile is not None:
            phones |= set(self.s.scalars(select(PickupPerson.phone).where(PickupPerson.child_id == profile)))
        return phones

    def _guardian(self, child: Resident, name: str, phone: str | None) -> Resident:
        """The guardian named in the row: among the child's relatives, else a resident with that
        name and phone (a guardian must be in the registry)."""
        key = _norm(name)
        mine = [r for r in self._relatives(child.id) if _norm(r.name) == key]
        if len(mine) == 1:
            return mine[0]
        if phone:
            found = self.s.scalars(select(Resident).where(Resident.name == name, Resident.phone == phone,
                                                          Resident.id != child.id).limit(2)).all()
            if len(found) == 1:
                return found[0]
        raise _CellProblem(_("The guardian {name} is not found in the registry (a guardian must be a registered "
                             "resident: register them, or add their phone number to the row).").format(name=name))

    def _plan(self, number: int, raw: list, child: Resident, got: dict) -> _Planned | None:
        s = self.s
        own = s.scalar(select(ChildProfile).where(ChildProfile.resident_id == child.id))
        stored = [] if own is None else list(s.scalars(select(PickupPerson).where(
            PickupPerson.child_id == own.id, PickupPerson.active.is_(True)).order_by(PickupPerson.sort_order,
                                                                                     PickupPerson.id)))
        pickup = [PickupInput(p.relative_id, p.name, p.phone, p.relation, p.guardian, p.id) for p in stored]
        guardian = None
        if got.get("guardian"):
            guardian = self._guardian(child, got["guardian"], got.get("guardian_phone"))
            if not any(p.relative_id == guardian.id and p.guardian for p in pickup):
                pickup = [p for p in pickup if p.relative_id != guardian.id]
                phone = got.get("guardian_phone") or guardian.phone
                if not phone:
                    raise _CellProblem(self.reason([("guardian_phone", _("Needed for the guardian."))]))
                pickup.insert(0, PickupInput(guardian.id, guardian.name, phone, got.get("relation", ""), True))
        elif not any(p.guardian for p in pickup):
            raise _CellProblem(self.reason([("guardian", _("Please enter the guardian (a registered resident)."))]))
        for name, phone, relation in _people(got.get("other", ""), got.get("other_phone", "")):
            if any(_norm(p.name) == _norm(name) for p in pickup):
                continue  # already on the list: kept as entered at the desk
            if not phone:
                raise _CellProblem(self.reason([("other_phone", _("Needed for {name}.").format(name=name))]))
            try:
                phone = normalise_phone(phone)
            except InvalidValue as exc:
                raise _CellProblem(self.reason([("other_phone", exc.message)])) from None
            pickup.append(PickupInput(None, name, phone, relation))
        guardians = [p for p in pickup if p.guardian]
        first = guardian or s.get(Resident, guardians[0].relative_id)
        consent = None
        if afterschool._needs_consent(child.birth_date, self.today) and not afterschool._consent_in_force(
                s, child.id, self.today):
            if "consent_on" not in got:
                raise _CellProblem(_("{name} is under {age}: the date the guardian signed the consent (知情同意书) "
                                     "is needed.").format(name=child.name, age=afterschool.CONSENT_AGE))
            consent = ConsentInput(first.name, first.id, "written", got["consent_on"])
        alone = got.get("alone", own.may_go_home_alone if own is not None else False)
        alone_by, alone_on = (own.alone_consent_by, own.alone_consent_on) if own is not None else ("", None)
        if alone and not (own is not None and own.may_go_home_alone):
            if "consent_on" not in got:
                raise _CellProblem(self.reason([("alone", _("Needs the date a guardian agreed (the consent date)."))]))
            alone_by, alone_on = first.name, got["consent_on"]
        data = ChildInput(child.id, got.get("school", own.school if own else ""),
                          got.get("grade", own.grade if own else None),
                          got.get("allergies", own.allergies if own else ""), None, alone,
                          alone_by if alone else "", alone_on if alone else None, pickup, consent)
        problem = afterschool._out_of_range(self.c, child, data.grade, self.today)
        enrol = child.id not in self.listed
        if enrol and problem:
            raise _CellProblem(problem)
        save = own is None or consent is not None or (
            (data.school.strip(), data.grade, data.allergies.strip(), data.may_go_home_alone)
            != (own.school, own.grade, own.allergies, own.may_go_home_alone)
            or pickup != [PickupInput(p.relative_id, p.name, p.phone, p.relation, p.guardian, p.id) for p in stored])
        if not (save or enrol):
            return None
        return _Planned(number, raw, child.id, data, save, enrol)


_SERVICE_FIELDS = {"school": "school", "grade": "grade", "pickup": "", "consent": "consent_on",
                   "alone_consent_by": "alone", "resident": "name", "out_of_range": "", "class_id": ""}


def _plan(db: Database, path: Path, class_id: int, today: dt.date) -> tuple[Layout, _Planner, int]:
    return _plan_rows(db, path, COLUMNS, lambda s, layout: _Planner(s, layout, class_id, today))


def _result(db: Database, layout: Layout, planner: _Planner, total: int, class_id: int, *,
            preview: bool) -> ClassListResult:
    columns = layout.columns
    result = ClassListResult(unchanged=planner.unchanged, rejected=len(planner.rejects), empty=planner.empty,
                             rows=total, columns={f: t for f, t in columns.items() if f != "number"},
                             unknown_columns=list(layout.unknown), preview=preview)
    if preview:
        cls = afterschool.get_class(db, class_id)  # counts only: no children read
        free, waiting = cls.free_places, cls.waiting > 0
        for plan in planner.plans:
            if not plan.enrol:
                result.updated += 1
            elif free > 0 and not waiting:
                result.enrolled += 1
                free -= 1
            else:
                result.waiting += 1
    return result


def _waiting_note(result: ClassListResult) -> None:
    if result.waiting:
        result.notes.append(_("The class is full: {n} children go on its waiting list, in the file's order.").format(
            n=result.waiting))


# -- public API ----------------------------------------------------------------------------------

def preview(db: Database, path: str | Path, class_id: int, *, today: dt.date | None = None) -> ClassListResult:
    """What importing `path` into the class would do; nothing is written."""
    path = Path(path)
    layout, planner, total = _plan(db, path, class_id, today or dt.date.today())
    result = _result(db, layout, planner, total, class_id, preview=True)
    result.problems = [RowProblem(n, reason) for n, _v, reason in planner.rejects]
    _waiting_note(result)
    return result


def import_class_list(db: Database, path: str | Path, class_id: int, *, actor: access.Actor,
                      rejects_path: str | Path | None = None, progress: Callable[[int, int], None] | None = None,
                      today: dt.date | None = None) -> ClassListResult:
    """Save the children's profiles of the list at `path` and enrol them in the class (the waiting
    list once it is full); rejected rows go to `rejects_path` (default: beside the file)."""
    access.require(actor, access.AFTERSCHOOL_ENROL)
    path = Path(path)
    rejects_path = spreadsheet.rejects_path_for(path, rejects_path)
    today = today or dt.date.today()
    layout, planner, total = _plan(db, path, class_id, today)
    result = _result(db, layout, planner, total, class_id, preview=False)

    def save(plan: _Planned) -> None:
        if plan.save:
            afterschool.save_child(db, plan.data, actor=actor, today=today)
        if plan.enrol:
            enrolled = afterschool.enrol(db, class_id, plan.resident_id, actor=actor, today=today)
            if enrolled.status == afterschool.WAITING:
                result.waiting += 1
            else:
                result.enrolled += 1
        else:
            result.updated += 1

    rejects = _save_plans(planner, save, _SERVICE_FIELDS, every=PROGRESS_EVERY, progress=progress)
    _waiting_note(result)
    _report_rejects(result, rejects, rejects_path, layout, _TEXT_FIELDS)
    if result.to_import:
        with db.session() as s:
            audit.record(s, actor, "import", "afterschool_enrolment", class_id, _(
                "{file}: {enrolled} enrolled, {waiting} on the waiting list, {updated} updated").format(
                    file=path.name, enrolled=result.enrolled, waiting=result.waiting, updated=result.updated))
    return result
