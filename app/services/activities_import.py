"""Import an activity ledger (活动台账) kept in Excel, WPS or CSV.

Columns: 序号, 日期, 开始时间, 结束时间, 活动名称, 活动类型, 服务对象 (一老, 一少, 青年, 全体 …), 地点, 组织者,
合作方 ("老王理发店、红马甲志愿服务队"), 参与人数(未登记), 备注. The shared reader (services/spreadsheet.py)
reads the file with this module's column table; each row then goes through the ledger's own service
calls (add_activity or update_activity), so every rule and audit row is the form's.

- A file-level problem raises ImportFileError; nothing is imported.
- A row failing a check (an unknown kind of activity, a date that is not one …) goes to the rejects
  workbook with the reason.
- An activity already in the ledger (the same date, title and kind) is updated, not duplicated; a
  column the file does not have keeps what is on file. Importing the same file twice changes nothing
  the second time.
- A partner named like an alliance merchant is that merchant; a name with 队 / 志愿 / 协会 is a
  volunteer team; any other an outside body. Registered participants are not in a ledger: the desk
  adds them (or they come from the sign-in sheet).
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
from app.errors import ValidationError
from app.i18n import N_, _
from app.models import Activity, ActivityPartner, ActivityType, Merchant
from app.services import access, activities, audit, spreadsheet
from app.services.activities import ActivityInput, PartnerInput
from app.services.importer import LedgerImportResult
from app.services.importer import (RowProblem, _CellProblem, _date, _LedgerPlanner, _norm, _plan_rows, _report_rejects,
                                   _save_plans)
from app.services.spreadsheet import Columns, ImportFileError, Layout, cell_text
from app.services.validators import tidy_text

__all__ = ["COLUMNS", "FIELDS", "ActivityImportResult", "ImportFileError", "RowProblem", "import_activities",
           "parse_target_group", "parse_time"]

FIELDS: dict[str, str] = {
    "number": N_("No."),
    "held_on": N_("Date"),
    "starts_at": N_("Start time"),
    "ends_at": N_("End time"),
    "name": N_("Activity"),
    "activity_type": N_("Kind of activity"),
    "target_group": N_("Target group"),
    "venue": N_("Venue"),
    "organiser": N_("Organiser"),
    "partners": N_("Partners"),
    "headcount": N_("People not registered"),
    "notes": N_("Notes"),
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "no", "no.", "#"),
    "held_on": ("日期", "活动日期", "活动时间", "举办日期", "开展日期", "时间", "date"),
    "starts_at": ("开始时间", "开始", "起始时间", "start time", "starts at"),
    "ends_at": ("结束时间", "结束", "end time", "ends at"),
    "name": ("活动名称", "活动主题", "活动内容", "名称", "主题", "activity", "title"),
    "activity_type": ("活动类型", "活动类别", "类型", "类别", "kind of activity", "type"),
    "target_group": ("服务对象", "活动对象", "参与对象", "对象", "target group"),
    "venue": ("地点", "活动地点", "场地", "venue"),
    "organiser": ("组织者", "组织人", "负责人", "主办", "organiser", "organizer"),
    "partners": ("合作方", "合作单位", "协办单位", "协办", "共建单位", "partners"),
    "headcount": ("参与人数(未登记)", "参与人数（未登记）", "未登记人数", "参与人数", "人数", "参加人数", "服务人次",
                  "people not registered", "headcount"),
    "notes": ("备注", "说明", "notes", "note"),
}

COLUMNS = Columns(labels=FIELDS, aliases=_ALIASES, required=("held_on", "name"))
_TEXT_FIELDS: tuple[str, ...] = ()
_MAX_LENGTH = {"name": activities.TITLE_MAX, "activity_type": 50, "target_group": 20, "venue": activities.VENUE_MAX,
               "organiser": activities.ORGANISER_MAX, "partners": 1000, "headcount": 20, "notes": activities.NOTES_MAX,
               "held_on": 30, "starts_at": 20, "ends_at": 20}
PROGRESS_EVERY = 10
_SPLIT = re.compile(r"[、,，;；/／|\n]+")
_NONE_WORDS = {"无", "没有", "暂无", "-", "--", "—", "/", "none", "n/a", "na"}
_TEAM = re.compile(r"队|志愿|协会|社团|义工")
_GROUP_WORDS = {
    activities.ELDERLY: ("一老", "老年人", "老人", "长者", "老年", "60岁以上老人", "elderly"),
    activities.CHILDREN: ("一少", "儿童", "少儿", "青少年", "学生", "未成年人", "小学生", "children"),
    activities.YOUTH: ("青年", "年轻人", "青年人", "新市民青年", "youth"),
    activities.EVERYONE: ("全体", "全体居民", "居民", "社区居民", "所有人", "不限", "群众", "everyone"),
}
_CLOCK = re.compile(r"^(上午|下午|晚上)?(\d{1,2})(?:[:：.点时](\d{1,2})?(?:分)?(半)?)?(?::(\d{2}))?$")


@dataclass
class ActivityImportResult(LedgerImportResult):
    """What an import did, or (dry run) would do."""
    added: int = 0                # new activities

    @property
    def to_import(self) -> int:
        return self.added + self.updated


@dataclass
class _Planned:
    row: int
    raw: list
    activity_id: int | None       # None: a new activity
    data: ActivityInput
    loaded_at: dt.datetime | None


# -- cells -------------------------------------------------------------------------------------

def parse_target_group(value) -> str:
    """服务对象 as ledgers write it (一老, 儿童, 全体居民 …, or the program's own words) → a target group."""
    text = _norm(cell_text(value))
    for key, words in _GROUP_WORDS.items():
        if text in {_norm(w) for w in words} or text in (_norm(_(activities.TARGET_GROUPS[key])), key):
            return key
    raise _CellProblem(_("{value} is not a target group; write 一老, 一少, 青年 or 全体.").format(
        value=cell_text(value)))


def parse_time(value) -> dt.time:
    """A time cell: a real time, "14:30", "14：30", "9点", "9点半", "下午2:30"."""
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # Excel's fraction of a day
        minutes = round(value * 24 * 60)
        if minutes < 24 * 60:
            return dt.time(minutes // 60, minutes % 60)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
    found = _CLOCK.match(text)
    if found:
        part, hour, minute, half = found.group(1), int(found.group(2)), found.group(3), found.group(4)
        minute = 30 if half else int(minute or 0)
        if part in ("下午", "晚上") and hour < 12:
            hour += 12
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise _CellProblem(_("{value} is not a time; write it like 14:30.").format(value=cell_text(value)))


def _headcount(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
        found = re.fullmatch(r"(\d+)(人|人次|名)?", text)
        if found is None:
            raise _CellProblem(_("{value} is not a number of people.").format(value=cell_text(value)))
        number = int(found.group(1))
    if not 0 <= number <= activities.HEADCOUNT_MAX:
        raise _CellProblem(_("The number of people not registered is a whole number from 0 to {n}.").format(
            n=activities.HEADCOUNT_MAX))
    return number


def _key(held_on: dt.date, title: str, type_id: int) -> tuple:
    return held_on, _norm(title), type_id


# -- planning ----------------------------------------------------------------------------------

class _Planner(_LedgerPlanner):
    fields, max_length = FIELDS, _MAX_LENGTH
    note = N_("This row looks like a note (合计, 制表人 …), not an activity.")
    no_name = N_("Please enter the activity's title.")

    def __init__(self, s, layout: Layout, today: dt.date):
        super().__init__(s, layout, today)
        self.types = {_norm(name): tid for tid, name in s.execute(select(ActivityType.id, ActivityType.name))}
        self.merchants = {_norm(name): mid for mid, name in s.execute(select(Merchant.id, Merchant.name)
                                                                     .order_by(Merchant.id.desc()))}
        self.on_file: dict[tuple, Activity] = {}
        for a in s.scalars(select(Activity).order_by(Activity.id.desc())):
            self.on_file[_key(a.held_on, a.title, a.activity_type_id)] = a  # the oldest when there are two
        self.partners: dict[int, list[PartnerInput]] = {}
        for aid, kind, mid, name in s.execute(select(ActivityPartner.activity_id, ActivityPartner.kind,
                                                     ActivityPartner.merchant_id, ActivityPartner.name)
                                              .order_by(ActivityPartner.id)):
            self.partners.setdefault(aid, []).append(PartnerInput(kind, name, mid))

    def add(self, number: int, raw: list) -> None:
        read = self.read(number, raw)
        if read is None:
            return
        got, problems = read
        if "held_on" not in got and "held_on" not in dict(problems):
            problems.append(("held_on", _("Please enter the date of the activity.")))
        if "activity_type" not in got and "activity_type" not in dict(problems):
            problems.append(("activity_type", _("Please enter the kind of activity.")))
        if problems:
            self.reject(number, raw, self.reason(problems))
            return
        try:
            plan = self._plan(number, raw, got)
        except _CellProblem as exc:
            self.reject(number, raw, exc.message)
            return
        if plan is None:
            self.unchanged += 1
        else:
            self.plans.append(plan)

    def _cell(self, f: str, value):
        if f == "held_on":
            return _date(value)
        if f in ("starts_at", "ends_at"):
            return parse_time(value)
        if f == "activity_type":
            key = _norm(cell_text(value))
            if key not in self.types:
                raise _CellProblem(_("Unknown kind of activity {name}. Add it under Settings first, or correct the "
                                     "spelling.").format(name=cell_text(value)))
            return self.types[key]
        if f == "target_group":
            return parse_target_group(value)
        if f == "headcount":
            return _headcount(value)
        if f == "partners":
            text = cell_text(value)
            if _norm(text) in _NONE_WORDS:
                return []
            return [self._partner(tidy_text(p)) for p in _SPLIT.split(text) if p.strip()]
        if f == "notes":
            return cell_text(value).strip()
        return tidy_text(cell_text(value))  # name, venue, organiser

    def _partner(self, name: str) -> PartnerInput:
        mid = self.merchants.get(_norm(name))
        if mid is not None:
            return PartnerInput(activities.MERCHANT, name, mid)
        return PartnerInput(activities.TEAM if _TEAM.search(name) else activities.BODY, name)

    def _plan(self, number: int, raw: list, got: dict) -> _Planned | None:
        key = _key(got["held_on"], got["name"], got["activity_type"])
        if key in self.claimed:
            raise _CellProblem(_("Duplicate of row {row} (the same date, title and kind).").format(
                row=self.claimed[key]))
        own = self.on_file.get(key)
        if own is None:
            data = ActivityInput(held_on=got["held_on"], title=got["name"], activity_type_id=got["activity_type"],
                                 target_group=got.get("target_group", activities.EVERYONE),
                                 starts_at=got.get("starts_at"), ends_at=got.get("ends_at"),
                                 venue=got.get("venue", ""), organiser=got.get("organiser", ""),
                                 headcount=got.get("headcount", 0), notes=got.get("notes", ""),
                                 partners=got.get("partners", []))
        else:
            data = ActivityInput(held_on=own.held_on, title=got["name"], activity_type_id=own.activity_type_id,
                                 target_group=got.get("target_group", own.target_group),
                                 starts_at=got.get("starts_at", own.starts_at), ends_at=got.get("ends_at", own.ends_at),
                                 venue=got.get("venue", own.venue), organiser=got.get("organiser", own.organiser),
                                 headcount=got.get("headcount", own.headcount), notes=got.get("notes", own.notes),
                                 partners=got.get("partners", self.partners.get(own.id, [])))
        # The form's own checks, so a dry run rejects what the import would.
        try:
            values, partners = activities._check(self.s, data, own, self.today)
        except ValidationError as exc:
            raise _CellProblem(self.reason([(_SERVICE_FIELDS.get(k, ""), v) for k, v in exc.fields.items()])) from None
        self.claimed[key] = number
        if own is not None:
            same = all(getattr(own, k) == v for k, v in values.items())
            had = [(p.kind, p.merchant_id, p.name) for p in self.partners.get(own.id, [])]
            if same and had == partners:
                return None
        return _Planned(number, raw, None if own is None else own.id, data,
                        None if own is None else own.updated_at)


_SERVICE_FIELDS = {"held_on": "held_on", "title": "name", "activity_type_id": "activity_type",
                   "target_group": "target_group", "starts_at": "starts_at", "ends_at": "ends_at", "venue": "venue",
                   "organiser": "organiser", "headcount": "headcount", "notes": "notes", "partners": "partners",
                   "updated_at": ""}


def _result(layout: Layout, planner: _Planner, total: int, *, preview: bool) -> ActivityImportResult:
    result = ActivityImportResult(unchanged=planner.unchanged, rejected=len(planner.rejects), empty=planner.empty,
                                  rows=total, columns={f: t for f, t in layout.columns.items() if f != "number"},
                                  unknown_columns=list(layout.unknown), preview=preview)
    if preview:
        for plan in planner.plans:
            if plan.activity_id is None:
                result.added += 1
            else:
                result.updated += 1
    return result


# -- public API ----------------------------------------------------------------------------------

def import_activities(db: Database, path: str | Path, *, dry_run: bool = False,
                      rejects_path: str | Path | None = None, actor: access.Actor,
                      progress: Callable[[int, int], None] | None = None,
                      today: dt.date | None = None) -> ActivityImportResult:
    """Add or update the activities of the ledger at `path` (rejected rows go to `rejects_path`, by
    default beside the file); `dry_run`: what it would do, nothing written. Returns what was done."""
    access.require(actor, access.ACTIVITIES_RECORD)
    path = Path(path)
    today = today or dt.date.today()
    layout, planner, total = _plan_rows(db, path, COLUMNS, lambda s, lay: _Planner(s, lay, today))
    result = _result(layout, planner, total, preview=dry_run)
    if dry_run:
        result.problems = [RowProblem(n, reason) for n, _v, reason in planner.rejects]
        return result
    rejects_path = spreadsheet.rejects_path_for(path, rejects_path)

    def save(plan: _Planned) -> None:
        if plan.activity_id is None:
            activities.add_activity(db, plan.data, actor=actor, today=today)
            result.added += 1
        else:
            activities.update_activity(db, plan.activity_id, plan.data, actor=actor, loaded_at=plan.loaded_at,
                                       today=today)
            result.updated += 1

    rejects = _save_plans(planner, save, _SERVICE_FIELDS, every=PROGRESS_EVERY, progress=progress)
    _report_rejects(result, rejects, rejects_path, layout, _TEXT_FIELDS)
    if result.to_import:
        with db.session() as s:
            audit.record(s, actor, "import", "activity", None, _(
                "{file}: {added} activities added, {updated} updated").format(
                    file=path.name, added=result.added, updated=result.updated))
    return result
