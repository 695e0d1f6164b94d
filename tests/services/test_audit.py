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
    assert main(["--db", str(path), "import", "residents", str(source)]) == 0
    assert main(["--db", str(path), "demo"]) == 0
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
    assert "联系电话: — → 138****5678" in entry.changes_text


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
