"""Import an existing merchant list (爱心商铺名单) kept in Excel, WPS or CSV.

Columns: 序号, 商铺名称, 统一社会信用代码 (or 营业执照号), 行业/经营类别, 负责人, 联系电话, 经营地址, 小区,
网格, 申请方式, 推荐人, 申请日期, 批次, 状态 (申请, 审核中, 已入盟, 暂停, 退出, 未通过), 入盟日期,
公益服务 ("免费充电、老人理发"), 备注. The shared reader (services/spreadsheet.py) reads the file with this
module's column table; each row then goes through the alliance's own service calls (add_merchant or
update_merchant, move, set_commitments), so every rule and audit row is the form's.

- A file-level problem raises ImportFileError; nothing is imported.
- A row failing a check (an invalid credit code, an unknown business type …) goes to the rejects
  workbook with the reason.
- A merchant already on file (the same credit code or licence number) is updated, not duplicated;
  its status moves along the state table to the list's, where a legal path leads there.
- A shop listed as 已入盟 is admitted on its 入盟日期 with the reason "Imported from the merchant
  list" (the list carries no review); 暂停, 退出 and 未通过 are recorded on the day of the import.
- The services in 公益服务 are matched to the kinds of commitment (免费充电 finds 免费手机充电); one
  that matches none is kept as "other" with its words. Existing commitments are kept.
- Importing the same file twice changes nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.i18n import N_, _
from app.models import BusinessType, Commitment, CommitmentType, Grid, Merchant, Resident
from app.services import access, alliance, audit, spreadsheet
from app.services.alliance import CommitmentInput, MerchantInput
from app.services.importer import LedgerImportResult
from app.services.importer import (_CJK_GAP, RowProblem, _CellProblem, _code, _date, _LedgerPlanner, _norm, _phone,
                                   _plan_rows, _report_rejects, _save_plans, _split_contact)
from app.services.spreadsheet import Columns, ImportFileError, Layout, cell_text
from app.services.validators import InvalidValue, check_credit_code, tidy_text

__all__ = ["COLUMNS", "FIELDS", "IMPORT_REASON", "ImportFileError", "MerchantListResult", "RowProblem",
           "import_merchants", "parse_applied_via", "parse_status", "preview"]

FIELDS: dict[str, str] = {
    "number": N_("No."),
    "name": N_("Shop name"),
    "credit_code": N_("Unified social credit code"),
    "licence_number": N_("Business licence number"),
    "business_type": N_("Business type"),
    "contact": N_("Contact"),
    "phone": N_("Contact's phone"),
    "address": N_("Address"),
    "estate": N_("Estate"),
    "grid": N_("Grid"),
    "applied_via": N_("How it applied"),
    "recommender": N_("Recommended by"),
    "applied_on": N_("Applied on"),
    "batch": N_("Batch"),
    "status": N_("Status"),
    "joined_on": N_("Joined on"),
    "commitments": N_("Public-benefit commitments"),
    "note": N_("Note"),
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "no", "no.", "#"),
    "name": ("商铺名称", "店铺名称", "商户名称", "商家名称", "门店名称", "名称", "店名", "shop name", "name"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "unified social credit code", "credit code"),
    "licence_number": ("营业执照号", "营业执照号码", "营业执照注册号", "注册号", "执照号", "business licence number"),
    "business_type": ("行业", "经营类别", "行业类别", "经营类型", "业态", "类别", "business type"),
    "contact": ("负责人", "联系人", "经营者", "店主", "法定代表人", "法人", "contact"),
    "phone": ("联系电话", "电话", "手机", "手机号", "联系方式", "contact's phone", "phone"),
    "address": ("经营地址", "地址", "店铺地址", "门店地址", "经营场所", "address"),
    "estate": ("小区", "所在小区", "所属小区", "estate"),
    "grid": ("网格", "所属网格", "所在网格", "grid"),
    "applied_via": ("申请方式", "加入方式", "来源", "推荐方式", "how it applied"),
    "recommender": ("推荐人", "推荐居民", "recommended by"),
    "applied_on": ("申请日期", "申请时间", "applied on"),
    "batch": ("批次", "入盟批次", "batch"),
    "status": ("状态", "审核状态", "当前状态", "status"),
    "joined_on": ("入盟日期", "入盟时间", "加入日期", "joined on"),
    "commitments": ("公益服务", "公益服务内容", "公益承诺", "服务承诺", "公益服务条款",
                    "public-benefit commitments"),
    "note": ("备注", "说明", "note"),
}

COLUMNS = Columns(labels=FIELDS, aliases=_ALIASES, required=("name",))
_TEXT_FIELDS = ("credit_code", "licence_number", "phone")  # digits that stay text in the rejects file
_MAX_LENGTH = {"name": 100, "credit_code": 30, "licence_number": 40, "business_type": 50, "contact": 80,
               "phone": 30, "address": 200, "estate": 100, "grid": 100, "applied_via": 30, "recommender": 80,
               "applied_on": 30, "batch": 20, "status": 20, "joined_on": 30, "commitments": 500, "note": 2000}
PROGRESS_EVERY = 10
IMPORT_REASON = N_("Imported from the merchant list")
_SPLIT = re.compile(r"[、,，;；/／|\n]+")
_NONE_WORDS = {"无", "没有", "暂无", "-", "--", "—", "/", "none", "n/a", "na"}

_STATUS_WORDS = {
    alliance.APPLIED: ("申请", "已申请", "待审核", "新申请", "申请中"),
    alliance.REVIEWING: ("审核中", "考察中", "审核", "正在审核"),
    alliance.MEMBER: ("已入盟", "入盟", "在盟", "正常", "已加入", "联盟成员", "成员"),
    alliance.REJECTED: ("未通过", "不通过", "审核未通过", "不予通过"),
    alliance.SUSPENDED: ("暂停", "已暂停", "暂停资格"),
    alliance.LEFT: ("退出", "已退出", "退盟", "已退盟"),
}
_VIA_WORDS = {
    alliance.RECOMMENDED: ("居民推荐", "推荐", "群众推荐"),
    alliance.SELF: ("自荐", "商铺自荐", "自主申请", "自行申请", "主动申请", "自愿申请"),
    alliance.SOE_LEASE: ("国企招租", "国企招租限定", "招租限定", "国企招租条款"),
}
# Moves a row's status may need, found along the state table; the actions after "start_review"
# need ALLIANCE_REVIEW.
_REVIEW_ACTIONS = {"admit", "reject", "suspend", "resume", "leave"}


@dataclass
class MerchantListResult(LedgerImportResult):
    """What an import did, or (preview) would do."""
    added: int = 0                # new merchants

    @property
    def to_import(self) -> int:
        return self.added + self.updated


@dataclass
class _Planned:
    row: int
    raw: list
    merchant_id: int | None       # None: a new merchant
    data: MerchantInput
    save: bool                    # the details are new or change
    moves: list[tuple[str, dt.date]]
    commitments: list[CommitmentInput] | None  # None: unchanged


# -- cells -------------------------------------------------------------------------------------

def _words(table: dict[str, tuple[str, ...]], labels: dict[str, str], value) -> str | None:
    text = _norm(cell_text(value))
    for key, words in table.items():
        if text in {_norm(w) for w in words} or text in (_norm(_(labels[key])), _norm(labels[key]), key):
            return key
    return None


def parse_status(value) -> str:
    """状态 as lists write it (已入盟, 审核中, 暂停 …, or the program's own words) → a status key."""
    found = _words(_STATUS_WORDS, alliance.STATUSES, value)
    if found is None:
        raise _CellProblem(_("{value} is not a status; write 申请, 审核中, 已入盟, 暂停, 退出 or 未通过.").format(
            value=cell_text(value)))
    return found


def parse_applied_via(value) -> str:
    """申请方式: 居民推荐, 自荐, 国企招租 (or the program's own words) → a key of alliance.APPLIED_VIA."""
    found = _words(_VIA_WORDS, alliance.APPLIED_VIA, value)
    if found is None:
        raise _CellProblem(_("{value} is not a way of applying; write 居民推荐, 自荐 or 国企招租.").format(
            value=cell_text(value)))
    return found


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _path(start: str, goal: str) -> list[str] | None:
    """The shortest list of actions along alliance.MOVES from `start` to `goal` (None: there is none)."""
    seen, queue = {start: []}, deque([start])
    while queue:
        status = queue.popleft()
        if status == goal:
            return seen[status]
        for action in alliance.allowed_actions(status):
            if action == "reapply":  # a list never re-admits a shop that left or was refused: the tab does
                continue
            nxt = alliance.step(status, action)
            if nxt not in seen:
                seen[nxt] = seen[status] + [action]
                queue.append(nxt)
    return None


def _clean(text: str) -> str:
    return tidy_text(text)  # Chinese punctuation as written (阿婆糕点铺（二店）)


# -- planning ----------------------------------------------------------------------------------

class _Planner(_LedgerPlanner):
    fields, max_length = FIELDS, _MAX_LENGTH
    note = N_("This row looks like a note (合计, 制表人 …), not a shop.")
    no_name = N_("Please enter the shop's name.")

    def __init__(self, s, layout: Layout, today: dt.date, actor: access.Actor | None):
        super().__init__(s, layout, today)
        self.actor = actor
        self.skipped_commitments = 0
        self.by_code = {m.credit_code: m for m in s.scalars(select(Merchant).where(Merchant.credit_code.is_not(None)))}
        self.by_licence = {m.licence_number: m for m in s.scalars(select(Merchant).where(
            Merchant.licence_number.is_not(None)))}
        self.types = {_norm(name): tid for tid, name in s.execute(select(BusinessType.id, BusinessType.name))}
        self.kinds = [(tid, name) for tid, name in s.execute(
            select(CommitmentType.id, CommitmentType.name).where(CommitmentType.active.is_(True))
            .order_by(CommitmentType.sort_order, CommitmentType.id))]
        self.other_kind = next((tid for tid, name in self.kinds if "其他" in name or "other" in name.casefold()), None)
        grids = {g.id: g for g in s.scalars(select(Grid))}
        self.grids: dict[str, int | None] = {}
        for g in grids.values():
            keys = {_norm(g.name)}
            parent = grids.get(g.parent_id)
            if parent is not None:
                keys.add(_norm(f"{parent.name}/{g.name}"))
            for key in keys:
                self.grids[key] = None if key in self.grids and self.grids[key] != g.id else g.id

    def add(self, number: int, raw: list) -> None:
        read = self.read(number, raw)
        if read is None:
            return
        got, problems = read
        if problems:
            self.rejects.append((number, raw, self.reason(problems)))
            return
        try:
            plan = self._plan(number, raw, got)
        except _CellProblem as exc:
            self.rejects.append((number, raw, exc.message))
            return
        if plan is None:
            self.unchanged += 1
        else:
            self.plans.append(plan)

    def _cell(self, f: str, value):
        if f in ("name", "contact", "recommender"):
            return _CJK_GAP.sub("", _clean(cell_text(value)))
        if f == "credit_code":
            try:
                return check_credit_code(_code(value))
            except InvalidValue as exc:
                raise _CellProblem(exc.message) from None
        if f == "licence_number":
            return re.sub(r"\s", "", _code(value)).upper()
        if f == "phone":
            return _phone(value)
        if f == "business_type":
            key = _norm(cell_text(value))
            if key not in self.types:
                raise _CellProblem(_("Unknown business type {name}. Add it under Settings first, or correct the "
                                     "spelling.").format(name=cell_text(value)))
            return self.types[key]
        if f == "grid":
            key = re.sub(r"[／\\>＞-]", "/", _norm(cell_text(value)))
            if key not in self.grids:
                raise _CellProblem(_("No grid is called {name}.").format(name=cell_text(value)))
            if self.grids[key] is None:
                raise _CellProblem(_("Several grids are called {name}; write it as grid / sub-grid.").format(
                    name=cell_text(value)))
            return self.grids[key]
        if f == "applied_via":
            return parse_applied_via(value)
        if f == "status":
            return parse_status(value)
        if f in ("applied_on", "joined_on"):
            day = _date(value)
            if day > self.today:
                raise _CellProblem(_("The date is in the future."))
            return day
        if f == "commitments":
            text = cell_text(value)
            return [] if _norm(text) in _NONE_WORDS else [_clean(p) for p in _SPLIT.split(text) if p.strip()]
        return _clean(cell_text(value))  # address, estate, batch, note

    def _resident(self, text: str, phone: str | None, what: str) -> int | None:
        """A registered resident named in a cell ("王小明 13800000000" or just the name), or None when the
        name is not registered (`what` says which column asked, for the message when it is ambiguous)."""
        name, own_phone, _relation = _split_contact(text)
        phone = own_phone or phone
        query = select(Resident.id).where(Resident.name == name, Resident.active.is_(True))
        if phone:
            query = query.where(Resident.phone == phone)
        found = self.s.scalars(query.limit(2)).all()
        if len(found) > 1:
            raise _CellProblem(self.reason([(what, _("Several residents are called {name}; add the phone number.")
                                             .format(name=name))]))
        return found[0] if found else None

    def _commitments(self, texts: list[str]) -> list[tuple[int, str]]:
        items = []
        for text in texts:
            key = _norm(text)
            exact = [tid for tid, name in self.kinds if _norm(name) == key]
            loose = [tid for tid, name in self.kinds if _subsequence(key, _norm(name))]
            found = exact or (loose if len(loose) == 1 else [])
            if found:
                items.append((found[0], "" if exact else text))
            elif self.other_kind is not None:
                items.append((self.other_kind, text))
            else:
                raise _CellProblem(self.reason([("commitments", _("{name} matches no kind of public-benefit "
                                                                  "service.").format(name=text))]))
        return items

    def _plan(self, number: int, raw: list, got: dict) -> _Planned | None:
        code, licence = got.get("credit_code"), got.get("licence_number")
        if code and licence:
            raise _CellProblem(self.reason([("licence_number", _("Please give either the credit code or the "
                                                                 "business licence number, not both."))]))
        if not code and not licence:
            raise _CellProblem(_("The row has neither a unified social credit code nor a business licence "
                                 "number."))
        key = code or licence
        if key in self.claimed:
            raise _CellProblem(_("Duplicate of row {row} (the same shop).").format(row=self.claimed[key]))
        own = self.by_code.get(code) if code else self.by_licence.get(licence)

        contact_id = None
        contact_name = got.get("contact", "")
        phone = got.get("phone")
        if contact_name:
            name, own_phone, _relation = _split_contact(contact_name)
            if own_phone and not phone:
                phone = _phone(own_phone)
            contact_name = name
            contact_id = self._resident(name, phone, "contact")
        recommended_by = None
        if got.get("recommender"):
            recommended_by = self._resident(got["recommender"], None, "recommender")
            if recommended_by is None:
                raise _CellProblem(self.reason([("recommender", _("{name} is not a registered resident; register "
                                                                  "them first.").format(name=got["recommender"]))]))
        via = got.get("applied_via", alliance.RECOMMENDED if recommended_by else None)

        status = got.get("status", alliance.MEMBER if "joined_on" in got else None)
        joined = got.get("joined_on")
        if status in (alliance.MEMBER, alliance.SUSPENDED, alliance.LEFT) and joined is None and (
                own is None or own.joined_on is None):
            raise _CellProblem(self.reason([("joined_on", _("Needed for a member of the alliance."))]))
        applied = got.get("applied_on") or (own.applied_on if own else None) or joined or self.today
        if joined is not None and joined < applied:
            raise _CellProblem(self.reason([("joined_on", _("The date is before the application."))]))

        if own is None:
            data = MerchantInput(name=got["name"], credit_code=code or "", licence_number=licence or "",
                                 business_type_id=got.get("business_type"), contact_resident_id=contact_id,
                                 contact_name=contact_name, contact_phone=phone or "",
                                 address=got.get("address", ""), estate=got.get("estate", ""),
                                 grid_id=got.get("grid"), applied_via=via or alliance.SELF,
                                 recommended_by_id=recommended_by, applied_on=applied, batch=got.get("batch", ""),
                                 note=got.get("note", ""))
            save, current, since = True, alliance.APPLIED, applied
        else:
            keep = via or own.applied_via
            data = MerchantInput(
                name=got["name"], credit_code=own.credit_code or "", licence_number=own.licence_number or "",
                business_type_id=got.get("business_type", own.business_type_id),
                contact_resident_id=contact_id if contact_name else own.contact_resident_id,
                contact_name=contact_name or own.contact_name, contact_phone=phone or own.contact_phone,
                address=got.get("address", own.address), estate=got.get("estate", own.estate),
                grid_id=got.get("grid", own.grid_id), applied_via=keep,
                recommended_by_id=recommended_by or (own.recommended_by_id if keep == alliance.RECOMMENDED else None),
                applied_on=got.get("applied_on", own.applied_on), batch=got.get("batch", own.batch),
                note=got.get("note", own.note))
            values = {k: getattr(data, k) for k in alliance.MERCHANT_KEYS}
            values["contact_phone"] = values["contact_phone"] or ""
            save = any(values[k] != (getattr(own, k) or ("" if isinstance(values[k], str) else None))
                       for k in values)
            current, since = own.status, own.status_since

        moves: list[tuple[str, dt.date]] = []
        if status is not None and status != current:
            actions = _path(current, status)
            if actions is None:
                raise _CellProblem(self.reason([("status", _(
                    "The shop is on file as “{on_file}”; the list says “{listed}”. Change it in the alliance "
                    "tab.").format(on_file=_(alliance.STATUSES[current]), listed=_(alliance.STATUSES[status])))]))
            if self.actor is not None and any(a in _REVIEW_ACTIONS for a in actions) and not access.may(
                    self.actor, access.ALLIANCE_REVIEW):
                raise _CellProblem(self.reason([("status", _("Only an administrator can record a shop as "
                                                             "“{status}”.").format(
                    status=_(alliance.STATUSES[status])))]))
            # The review starts when the present status began; admission on 入盟日期; the rest
            # (not admitted, suspended, left, resumed) on the day of the import, which is all the list says.
            day = since
            for action in actions:
                if action == "admit" and joined is not None:
                    day = max(day, joined)
                elif action != "start_review":
                    day = max(day, self.today)
                moves.append((action, day))
        final = status if moves else current

        commitments = None
        texts = got.get("commitments") or []
        if texts:
            wanted = self._commitments(texts)
            if final not in (alliance.MEMBER, alliance.REVIEWING, alliance.SUSPENDED):
                self.skipped_commitments += 1
            else:
                held = [] if own is None else list(self.s.scalars(select(Commitment).where(
                    Commitment.merchant_id == own.id).order_by(Commitment.id)))
                have = {(c.type_id, c.detail) for c in held}
                since_day = joined or (own.joined_on if own else None) or self.today
                new = [CommitmentInput(tid, detail, "", since_day) for tid, detail in dict.fromkeys(wanted)
                       if (tid, detail) not in have]
                if new:
                    commitments = [CommitmentInput(c.type_id, c.detail, c.frequency, c.since, c.until)
                                   for c in held] + new
        self.claimed[key] = number  # only a row that goes through claims its shop
        if not (save or moves or commitments):
            return None
        return _Planned(number, raw, None if own is None else own.id, data, save, moves, commitments)


_SERVICE_FIELDS = {"name": "name", "credit_code": "credit_code", "licence_number": "licence_number",
                   "business_type_id": "business_type", "contact_resident_id": "contact", "contact_name": "contact",
                   "contact_phone": "phone", "address": "address", "estate": "estate", "grid_id": "grid",
                   "applied_via": "applied_via", "recommended_by_id": "recommender", "applied_on": "applied_on",
                   "batch": "batch", "on": "joined_on", "reason": "", "action": "status", "items": "commitments"}


def _plan(db: Database, path: Path, today: dt.date, actor: access.Actor | None) -> tuple[Layout, _Planner, int]:
    return _plan_rows(db, path, COLUMNS, lambda s, layout: _Planner(s, layout, today, actor))


def _result(layout: Layout, planner: _Planner, total: int, *, preview: bool) -> MerchantListResult:
    result = MerchantListResult(unchanged=planner.unchanged, rejected=len(planner.rejects), empty=planner.empty,
                                rows=total, columns={f: t for f, t in layout.columns.items() if f != "number"},
                                unknown_columns=list(layout.unknown), preview=preview)
    if planner.skipped_commitments:
        result.notes.append(_("The public-benefit services of {n} shops that are not members were not imported.")
                            .format(n=planner.skipped_commitments))
    if preview:
        for plan in planner.plans:
            if plan.merchant_id is None:
                result.added += 1
            else:
                result.updated += 1
    return result


# -- public API ----------------------------------------------------------------------------------

def preview(db: Database, path: str | Path, *, actor: access.Actor | None = None,
            today: dt.date | None = None) -> MerchantListResult:
    """What importing `path` would do; nothing is written."""
    path = Path(path)
    layout, planner, total = _plan(db, path, today or dt.date.today(), actor)
    result = _result(layout, planner, total, preview=True)
    result.problems = [RowProblem(n, reason) for n, _v, reason in planner.rejects]
    return result


def import_merchants(db: Database, path: str | Path, *, actor: access.Actor, rejects_path: str | Path | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     today: dt.date | None = None) -> MerchantListResult:
    """Add or update the merchants of the list at `path` (rejected rows go to `rejects_path`, by default
    beside the file); returns what was done."""
    access.require(actor, access.ALLIANCE_APPLY)
    path = Path(path)
    rejects_path = spreadsheet.rejects_path_for(path, rejects_path)
    today = today or dt.date.today()
    layout, planner, total = _plan(db, path, today, actor)
    result = _result(layout, planner, total, preview=False)
    reason = _(IMPORT_REASON)

    def save(plan: _Planned) -> None:
        mid = plan.merchant_id
        if mid is None:
            mid = alliance.add_merchant(db, plan.data, actor=actor, today=today)
            plan.merchant_id = mid  # a later failure leaves it on file: the next import finds it
        elif plan.save:
            alliance.update_merchant(db, mid, plan.data, actor=actor, today=today)
        for action, day in plan.moves:
            alliance.move(db, mid, action, reason, actor=actor, on=day, today=today)
        if plan.commitments is not None:
            alliance.set_commitments(db, mid, plan.commitments, actor=actor, today=today)

    def counted(plan: _Planned) -> None:
        new = plan.merchant_id is None
        save(plan)
        if new:
            result.added += 1
        else:
            result.updated += 1

    rejects = _save_plans(planner, counted, _SERVICE_FIELDS, every=PROGRESS_EVERY, progress=progress)
    _report_rejects(result, rejects, rejects_path, layout, _TEXT_FIELDS)
    if result.to_import:
        with db.session() as s:
            audit.record(s, actor, "import", "merchant", None, _("{file}: {added} added, {updated} updated").format(
                file=path.name, added=result.added, updated=result.updated))
    return result
