import datetime as dt
import getpass
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db import open_database, sqlite_url
from app.errors import ValidationError
from app.models import AuditLog, Resident
from app.services import access, audit, centre, exporter, grids, residents, tags
from app.services.access import Actor, PermissionDenied
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

ID = "11010519491231002X"
DESK = Actor("小李", access.DESK)


def rows(db, **where):
    with db.session() as s:
        stmt = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditLog, key) == value)
        return list(s.scalars(stmt))


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- the diff ---------------------------------------------------------------------------------

def test_diff_keeps_changed_fields_only_and_masks_sensitive_values():
    old = {"name": "蔡良剑", "id_number": None, "phone": "13812345678", "notes": "高血压", "estate": "",
           "birth_date": dt.date(1949, 12, 31), "password_hash": "scrypt$x"}
    new = {"name": "蔡良剑", "id_number": ID, "phone": "13900001111", "notes": "糖尿病", "estate": None,
           "birth_date": dt.date(1950, 1, 1), "password_hash": "scrypt$y", "worker_phone": "0595-88881234"}
    assert audit.diff(old, new) == {
        "id_number": [None, "110105********002X"],
        "phone": ["138****5678", "139****1111"],
        "notes": ["***", "***"],
        "birth_date": ["1949", "1950"],  # the year only
        "worker_phone": [None, "0595-****1234"],
    }


def test_the_trail_cannot_be_edited_or_deleted_from_the_program():
    names = [n for n in dir(audit) if not n.startswith("_")]
    assert not [n for n in names if n.split("_")[0] in ("update", "delete", "edit", "remove", "clear", "purge")]


# -- changes through the services ----------------------------------------------------------

def test_adding_and_editing_a_resident_is_recorded_with_who_and_what_changed(db):
    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=ID, phone="13812345678",
                                                   notes="独居，高血压"), actor=DESK)
    [created] = rows(db, entity="resident")
    assert (created.actor_name, created.actor_role, created.action, created.entity_id, created.summary) == (
        "小李", access.DESK, "create", rid, "蔡良剑")
    changes = json.loads(created.changes)
    assert changes["id_number"] == [None, "110105********002X"]
    assert changes["phone"] == [None, "138****5678"]
    assert changes["notes"] == [None, "***"]
    assert changes["birth_date"] == [None, "1949"]  # the year only
    assert ID not in created.changes and "13812345678" not in created.changes and "高血压" not in created.changes

    residents.update_resident(db, rid, ResidentInput(name="蔡良剑", id_number=ID, phone="13900001111",
                                                     estate="宝源花园", notes="独居，高血压"), actor=ADMIN)
    updated = rows(db, action="update")[-1]
    assert (updated.actor_name, updated.entity_id) == ("王主任", rid)
    assert json.loads(updated.changes) == {"phone": ["138****5678", "139****1111"], "estate": [None, "宝源花园"]}
    # Saving without a change adds nothing.
    residents.update_resident(db, rid, ResidentInput(name="蔡良剑", id_number=ID, phone="13900001111",
                                                     estate="宝源花园", notes="独居，高血压"), actor=ADMIN)
    assert len(rows(db, action="update")) == 1


def test_deactivation_links_grids_tags_and_centre_are_recorded(db):
    a = residents.add_resident(db, ResidentInput(name="陈小安"), actor=ADMIN)
    b = residents.add_resident(db, ResidentInput(name="林燕秀"), actor=ADMIN)
    residents.link_family(db, a, b, "guardian", actor=DESK)
    residents.unlink_family(db, a, b, actor=DESK)
    residents.deactivate_resident(db, a, "已迁出", on=dt.date(2026, 11, 1), actor=DESK)
    residents.reactivate_resident(db, a, actor=DESK)
    links = [json.loads(r.changes)["family_link"] for r in rows(db, action="update")]
    assert links == [[None, "监护人：林燕秀（记录 2）"], [None, "被监护人：陈小安（记录 1）"],
                     ["监护人：林燕秀（记录 2）", None], ["被监护人：陈小安（记录 1）", None]]
    [off] = rows(db, action="deactivate")
    assert json.loads(off.changes) == {"active": [True, False], "deactivated_on": [None, "2026-11-01"],
                                       "deactivation_reason": [None, "已迁出"]}
    assert rows(db, action="reactivate")[0].entity_id == a

    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    grids.update_grid(db, root, "莲坂村", "林燕", "13812345678", actor=ADMIN)
    grids.delete_grid(db, root, actor=ADMIN)
    assert [(r.action, r.entity_id) for r in rows(db, entity="grid")] == [
        ("create", root), ("update", root), ("delete", root)]
    assert json.loads(rows(db, entity="grid")[1].changes)["worker_phone"] == [None, "138****5678"]
    tag = tags.add_tag(db, "楼栋长", actor=ADMIN)
    tags.rename_tag(db, tag, "楼长", actor=ADMIN)
    tags.set_tag_active(db, tag, False, actor=ADMIN)
    assert [r.action for r in rows(db, entity="tag")] == ["create", "update", "deactivate"]
    centre.save_centre(db, centre.CentreInfo("莲坂村邻里中心", "", ""), actor=ADMIN)
    [c] = rows(db, entity="centre")
    assert c.action == "settings" and json.loads(c.changes) == {"name": [None, "莲坂村邻里中心"]}


def test_a_failed_change_leaves_no_audit_row(db, monkeypatch):
    residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=ID), actor=ADMIN)
    before = len(rows(db))
    with pytest.raises(ValidationError):  # duplicate ID number
        residents.add_resident(db, ResidentInput(name="别人", id_number=ID), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        residents.deactivate_resident(db, 1, actor=Actor("访客", access.VIEWER))
    assert len(rows(db)) == before

    # A failure after the audit row was added rolls both back: the change and its row.
    real = audit.record

    def record_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        residents.add_resident(db, ResidentInput(name="王五"), actor=ADMIN)
    assert len(rows(db)) == before and count(db, Resident) == 1


# -- the importer and the command line ---------------------------------------------------------

def _ledger(path, data):
    wb = openpyxl.Workbook()
    for row in data:
        wb.active.append(row)
    wb.save(path)
    return path


def test_a_resident_changed_by_an_import_can_be_traced(db, tmp_path):
    from app.services.importer import import_residents

    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=ID, phone="13812345678"), actor=ADMIN)
    path = _ledger(tmp_path / "a.xlsx", [["姓名", "身份证号", "联系电话"], ["蔡良剑", ID, "13900001111"],
                                         ["林芳", "", "13812340000"]])
    result = import_residents(db, path, actor=DESK)
    assert (result.imported, result.updated) == (1, 1)
    [summary] = rows(db, action="import")
    assert summary.actor_name == "小李" and "a.xlsx" in summary.summary
    [changed] = rows(db, action="update", entity_id=rid)
    assert json.loads(changed.changes) == {"phone": ["138****5678", "139****1111"]}
    new = rows(db, action="create", actor_name="小李")
    assert [r.summary for r in new] == ["林芳"]
    assert json.loads(new[0].changes)["phone"] == [None, "138****0000"]
    assert import_residents(db, path, actor=DESK).unchanged == 2
    assert len(rows(db, action="import")) == 1  # nothing written, nothing recorded


def test_command_line_changes_are_recorded_as_the_operating_system_user(tmp_path, capsys):
    path = tmp_path / "d.sqlite3"
    source = _ledger(tmp_path / "花名册.xlsx", [["姓名", "身份证号", "联系电话"], ["蔡良剑", ID, "13812345678"]])
    assert main(["--db", str(path), "demo"]) == 0  # demo data goes only into an empty database
    assert main(["--db", str(path), "import", "residents", str(source)]) == 0
    db = open_database(sqlite_url(path))
    try:
        user = getpass.getuser()
        created = rows(db, action="create", entity="resident")
        assert [(r.actor_name, r.actor_role, r.summary) for r in created] == [(user, access.DESK, "蔡良剑")]
        assert json.loads(created[0].changes)["id_number"] == [None, "110105********002X"]
        [imported] = rows(db, action="import")
        assert imported.actor_name == user
        [demo] = rows(db, entity="demo")
        assert demo.actor_name == user and "1500" in demo.summary
    finally:
        db.dispose()


# -- reading the trail ----------------------------------------------------------------------

@pytest.fixture
def history(db):
    """Three changes by two people on two days."""
    a = residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13812345678"), actor=DESK)
    residents.add_resident(db, ResidentInput(name="林芳"), actor=ADMIN)
    residents.deactivate_resident(db, a, "已迁出", actor=DESK)
    with db.session() as s:
        first = s.scalars(select(AuditLog).order_by(AuditLog.id)).first()
        first.at = dt.datetime(2026, 11, 1, 10, 0)
    return a


def test_query_filters_by_person_record_action_and_dates(db, history):
    assert [e.action for e in audit.query(db, actor=ADMIN)] == ["deactivate", "create", "create"]  # newest first
    assert {e.actor_name for e in audit.query(db, person="小李", actor=ADMIN)} == {"小李"}
    assert [e.action for e in audit.query(db, entity="resident", entity_id=history, actor=ADMIN)] == [
        "deactivate", "create"]
    assert len(audit.query(db, action="create", actor=ADMIN)) == 2
    assert len(audit.query(db, date_to=dt.date(2026, 11, 1), actor=ADMIN)) == 1
    assert len(audit.query(db, date_from=dt.date(2026, 11, 2), actor=ADMIN)) == 2
    assert len(audit.query(db, limit=1, actor=ADMIN)) == 1
    entry = audit.query(db, action="create", person="小李", actor=ADMIN)[0]
    assert entry.action_label == "新增" and entry.entity_label == "居民" and entry.role_label == "前台"
    assert "联系电话：— → 138****5678" in entry.changes_text


# -- the change column in words --------------------------------------------------------------

@pytest.fixture
def counter_story(db):
    """A resident in 五组, a request received for her as a proxy errand and taken to its end, and a
    change to her record; the ticket's events by an account whose display name is 林燕."""
    from app.services import accounts, counter

    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    group = grids.add_grid(db, root, "五组", "黄鹏强", actor=ADMIN)
    who = residents.add_resident(db, ResidentInput(name="陈阿姨", gender="F", phone="13812345678", grid_id=group),
                                 actor=ADMIN)
    category = counter.add_category(db, counter.CategoryInput("社保", "grid", 5), actor=ADMIN)
    accounts.add_staff(db, "linyan", "林燕", access.DESK, "Lianban-2026!", actor=ADMIN)
    desk = Actor("linyan", access.DESK)
    today = dt.date(2026, 11, 2)
    ticket = counter.receive_ticket(db, counter.TicketInput(
        category_id=category, description="代办医保", resident_id=who, proxy_errand=True,
        proxy_agent="林燕", proxy_matter="代办医保参保"), actor=desk, today=today)
    counter.move(db, ticket.id, "dispatch", actor=desk, today=today, assignee="黄鹏强")
    counter.move(db, ticket.id, "start", actor=desk, today=today)
    counter.move(db, ticket.id, "escalate", actor=desk, today=today, note="需要中心办理")
    counter.move(db, ticket.id, "resolve", actor=desk, today=today, note="已办好医保参保")
    counter.move(db, ticket.id, "follow_up", actor=desk, today=today, satisfaction="satisfied", method="phone")
    residents.update_resident(db, who, ResidentInput(name="陈阿姨", gender="F", phone="13900001111"), actor=ADMIN)
    return ticket


def _texts(db) -> dict[tuple[str, str], str]:
    """{(record type, summary): change text} of the trail, oldest first."""
    return {(e.entity, e.summary): e.changes_text for e in reversed(audit.query(db, actor=ADMIN))}


def test_the_change_column_reads_as_chinese(db, counter_story):
    texts = _texts(db)
    number = counter_story.number
    received = texts["ticket", number]
    for part in ("申请人：— → 陈阿姨", "网格：— → 五组", "来源渠道：— → 窗口受理", "事项类别：— → 社保",
                 "紧急程度：— → 小事简议", "办理层级：— → 网格", "代办：— → 是", "受理日期：— → 2026年11月2日",
                 "状态：— → 已受理"):
        assert part in received, (part, received)
    assert "resident_id" not in received and "#" not in received and "grid_worker" not in received
    assert texts["ticket", f"{number} 转办"] == "经办人：— → 黄鹏强；状态：已受理 → 已转办"
    assert texts["ticket", f"{number} 上报"] == "办理层级：网格 → 中心"
    assert texts["ticket", f"{number} 办结"] == "状态：处置中 → 已办结；办结日期：— → 2026年11月2日"
    assert "回访方式：— → 电话回访" in texts["ticket", f"{number} 回访"]
    assert "满意度：— → 满意" in texts["ticket", f"{number} 回访"]
    created = audit.query(db, entity="resident", action="create", actor=ADMIN)[0].changes_text
    assert created.startswith("姓名：— → 陈阿姨；性别：— → 女") and "网格：— → 五组" in created
    assert texts["resident", "陈阿姨"] == "联系电话：138****5678 → 139****1111；网格：五组 → —"


def test_the_change_column_reads_as_english(db, counter_story, english):
    texts = {e.summary.split(" ")[-1] if e.entity == "ticket" else e.entity: e.changes_text
             for e in reversed(audit.query(db, entity="ticket", actor=ADMIN))}
    received = texts[counter_story.number]
    for part in ("Requester: — → 陈阿姨", "Grid: — → 五组", "Came in: — → At the counter",
                 "Urgency: — → Minor matter", "By proxy: — → Yes", "Status: — → Received"):
        assert part in received, (part, received)
    assert "Status: In progress → Resolved" in texts["办结"]
    assert "Follow-up by: — → Phone call" in texts["回访"]
    resident = audit.query(db, entity="resident", action="create", actor=ADMIN)[0]
    assert "Gender: — → Female" in resident.changes_text


def test_old_rows_and_gone_records_still_read(db, counter_story):
    with db.session() as s:  # a row from an older program: fields it no longer has, a value it does not know
        s.add(AuditLog(at=dt.datetime(2026, 1, 5), actor_name="旧系统", actor_role="", action="update",
                       entity="ticket", entity_id=None, summary="旧记录",
                       changes=json.dumps({"old_field": [1, 2], "status": ["lost", "resolved"],
                                           "grid_id": [None, 999999]}, ensure_ascii=False)))
    old = next(e for e in audit.query(db, actor=ADMIN) if e.summary == "旧记录")
    assert old.changes_text == "old_field：1 → 2；状态：lost → 已办结；网格：— → #999999"


def test_the_export_has_the_same_change_text(db, counter_story, tmp_path):
    path = tmp_path / "trail.xlsx"
    audit.export_xlsx(db, path, entity="ticket", actor=ADMIN)
    sheet = openpyxl.load_workbook(path).active
    changes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "状态：处置中 → 已办结；办结日期：— → 2026年11月2日" in changes


def test_only_administrators_read_or_export_the_trail(db, history, tmp_path):
    for role in (access.DESK, access.GRID_WORKER, access.VIEWER):
        with pytest.raises(PermissionDenied):
            audit.query(db, actor=Actor("某人", role))
        with pytest.raises(PermissionDenied):
            audit.export_xlsx(db, tmp_path / "t.xlsx", actor=Actor("某人", role))
    assert not (tmp_path / "t.xlsx").exists()


def test_export_writes_chinese_headers_masked_values_and_is_itself_recorded(db, history, tmp_path):
    path = tmp_path / "操作日志.xlsx"
    assert audit.export_xlsx(db, path, person="小李", actor=ADMIN) == 2
    sheet = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert sheet[0] == ("时间", "操作人", "角色", "操作", "对象", "记录号", "摘要", "变更内容")
    assert [r[1:6] for r in sheet[1:]] == [("小李", "前台", "停用", "居民", history),
                                           ("小李", "前台", "新增", "居民", history)]
    assert "138****5678" in sheet[2][7] and "13812345678" not in repr(sheet)
    assert [p.name for p in tmp_path.iterdir() if "sqlite3" not in p.name] == ["操作日志.xlsx"]  # no temp file
    [export] = rows(db, action="export")
    assert export.actor_name == "王主任" and export.entity == "audit_log"


def test_exports_of_residents_are_recorded(db, tmp_path):
    residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13812345678"), actor=ADMIN)
    exporter.export_residents(db, tmp_path / "r.xlsx", actor=DESK)
    [row] = rows(db, action="export")
    assert row.actor_name == "小李" and "r.xlsx" in row.summary


# -- forms with full personal data, plaintext backups ----------------------------------------------

def _rows(db, action: str) -> list[AuditLog]:
    with db.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_forms_with_a_full_id_number_or_phone_are_recorded(db, counter_story):
    from app.services import counter_print, residents_print

    clerk = Actor("xiaoli", access.DESK)
    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number="11010519491231002X"), actor=ADMIN)
    residents_print.registration_pdf(db, rid, actor=clerk)
    residents_print.registration_pdfs(db, [rid, counter_story.resident_id], actor=ADMIN)
    counter_print.receipt_pdf(db, counter_story.id, actor=clerk)  # the phone masked: not recorded
    counter_print.dispatch_slip_pdf(db, counter_story.id, actor=clerk)
    printed = [(r.actor_name, r.entity, r.entity_id) for r in _rows(db, "print")]
    assert printed == [("xiaoli", "resident", rid), ("王主任", "resident", rid),
                       ("王主任", "resident", counter_story.resident_id), ("xiaoli", "ticket", counter_story.id)]
    text = " ".join(r.summary + r.changes for r in _rows(db, "print"))
    assert "11010519491231002X" not in text and "13900001111" not in text and "13812345678" not in text
    assert _rows(db, "print")[0].summary == "蔡良剑的居民信息登记表（含完整身份证号和电话）"


def test_a_plaintext_backup_is_recorded_and_automatic_ones_are_not(db):
    from app.services import backup

    backup.auto_backup(db)
    assert _rows(db, "backup") == []
    result = backup.backup_now(db, actor=ADMIN)
    [row] = _rows(db, "backup")
    assert (row.actor_name, row.entity) == ("王主任", "database") and str(result.path) in row.summary
    assert row.summary.startswith("未加密备份")


def test_an_audit_export_that_cannot_be_recorded_is_not_kept(db, tmp_path, monkeypatch):
    from app.services.exporter import ExportError

    target = tmp_path / "audit.xlsx"
    real_record = audit.record

    def refuse(session, actor, action, *args, **kwargs):
        if action == "export":
            raise RuntimeError("the disk is full")
        return real_record(session, actor, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(ExportError):
        audit.export_xlsx(db, target, actor=ADMIN)
    assert not target.exists()


def test_the_demos_moved_away_residents_are_deactivated_in_the_audit_trail(db):
    from app.services import demo

    demo.fill_demo(db, "village", seed=4, head_count=200, actor=ADMIN)
    rows = audit.query(db, actor=ADMIN, action="deactivate")
    inactive = residents.count_residents(db, include_inactive=True) - residents.count_residents(db)
    assert inactive >= 1 and len(rows) == inactive


def test_every_kind_of_record_written_to_the_trail_has_a_name_there():
    # The trail shows a record's kind in words; a new feature's kind missing from ENTITIES showed
    # its code (afterschool_enrolment) to the administrator reading it.
    import ast
    from pathlib import Path

    import app

    kinds = set()
    for path in Path(app.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
                    and len(node.args) > 3 and isinstance(node.args[3], ast.Constant)):
                kinds.add(node.args[3].value)
    assert {"afterschool_enrolment", "ticket", "daycare_profile"} <= kinds  # the scan finds them
    assert kinds - set(audit.ENTITIES) == set()
