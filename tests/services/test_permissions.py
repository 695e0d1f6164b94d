"""Every permission rule, through the services: for each role, each guarded function
either works or raises PermissionDenied (and then changes nothing)."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.db import open_database, sqlite_url
from app.i18n import _
from app.models import AuditLog
from app.services import (access, accounts, audit, backup, centre, exporter, grids, importer,
                          privacy, residents, residents_print, tags)
from app.services.access import (ADMINISTRATOR, DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied, may)
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

A, D, G, V = ADMINISTRATOR, DESK, GRID_WORKER, VIEWER

# The rules, written out: permission -> roles that have it.
EXPECTED = {
    access.RESIDENTS_CREATE: {A, D, G},
    access.RESIDENTS_UPDATE: {A, D, G},
    access.RESIDENTS_DEACTIVATE: {A, D},
    access.RESIDENTS_IMPORT: {A, D},
    access.RESIDENTS_EXPORT: {A, D, G},
    access.RESIDENTS_PRINT: {A, D},
    access.PERSONAL_DATA_FULL: {A},
    access.CONSENTS_RECORD: {A, D},
    access.HEALTH_NOTES_VIEW: {A, D},
    access.CHILD_MEDICAL_VIEW: {A, D},
    access.SETTINGS_EDIT: {A},
    access.RECORDS_DELETE: {A},
    access.USERS_MANAGE: {A},
    access.AUDIT_VIEW: {A},
    access.BACKUP_RESTORE: {A},
    access.BACKUP_COPY: {A},
    access.COUNTER_RECEIVE: {A, D, G},
    access.COUNTER_HANDLE: {A, D, G},
    access.DAYCARE_ENROL: {A, D},
    access.DAYCARE_ATTEND: {A, D},
    access.DAYCARE_PRICES: {A},
    access.AFTERSCHOOL_CLASSES: {A, D},
    access.AFTERSCHOOL_ENROL: {A, D},
    access.AFTERSCHOOL_ATTEND: {A, D},
    access.AFTERSCHOOL_OVERRIDE: {A},
    access.CHILD_CONTACTS_VIEW: {A, D},
    access.ALLIANCE_APPLY: {A, D, G},
    access.ALLIANCE_REVIEW: {A},
    access.ALLIANCE_COMPLAINTS: {A, D, G},
    access.ALLIANCE_EVALUATE: {A, D},
    access.ALLIANCE_LISTS: {A},
    access.POINTS_EARN: {A, D, G},
    access.POINTS_VOUCHERS: {A, D},
    access.POINTS_REVERSE: {A},
    access.POINTS_CATALOGUE: {A},
    access.ACTIVITIES_RECORD: {A, D, G},
    access.ACTIVITIES_TYPES: {A},
    access.REPORTS_MAKE: {A, D, G, V},
}


def test_the_permission_table_is_the_one_agreed():
    assert {p: set(roles) for p, roles in access.PERMISSIONS.items()} == EXPECTED
    for permission in EXPECTED:
        # viewers only read; a report is figures read, with no personal data, so they may make one
        assert may(Actor("访客", VIEWER), permission) == (permission == access.REPORTS_MAKE)
        assert may(Actor("王主任", ADMINISTRATOR), permission)  # administrators do everything


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "SCRYPT_N", 2 ** 10)  # the accounts' passwords are not the point here


@pytest.fixture
def world(db, tmp_path):
    """A grid tree, a tag, two linked residents, one who left long ago, a consent, a desk account."""
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", actor=ADMIN)
    sub = grids.add_grid(db, grid, "一组", actor=ADMIN)
    spare = grids.add_grid(db, grid, "二组", actor=ADMIN)
    tag = tags.add_tag(db, "楼栋长", actor=ADMIN)
    a = residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13812345678", grid_id=sub), actor=ADMIN)
    b = residents.add_resident(db, ResidentInput(name="林燕秀"), actor=ADMIN)
    gone = residents.add_resident(db, ResidentInput(name="王先生"), actor=ADMIN)
    residents.link_family(db, a, b, "spouse", actor=ADMIN)
    residents.deactivate_resident(db, gone, on=dt.date(2015, 1, 1), actor=ADMIN)
    consent = privacy.record_consent(db, a, "registry", "蔡良剑", "written", dt.date(2026, 1, 1), actor=ADMIN)
    accounts.create_first_administrator(db, "boss", "", "boss-password")
    clerk = accounts.add_staff(db, "clerk", "", DESK, "clerk-password", actor=Actor("boss", ADMINISTRATOR))
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("姓名,联系电话\n林芳,13900001111\n", encoding="utf-8")
    return dict(root=root, grid=grid, sub=sub, spare=spare, tag=tag, a=a, b=b, gone=gone, consent=consent,
                clerk=clerk, ledger=ledger, tmp=tmp_path)


def _restore(db, actor, w):
    made = w.get("backup") or backup.backup_now(db).path
    if db.path is None:  # a server database is restored in place, open (its URL names no file)
        backup.restore_database(db, made, actor=actor, safety_folder=w["tmp"])
        return
    db.dispose()
    backup.restore(db.path, made, actor=actor, safety_folder=w["tmp"])


# What a call needs made first, outside what is counted (a manual backup is itself audited).
PREPARE = {"restore": lambda db, w: w.setdefault("backup", backup.backup_now(db).path)}


# name -> (permission or permissions, call(db, actor, world))
GUARDED = {
    "add_resident": (access.RESIDENTS_CREATE,
                     lambda db, x, w: residents.add_resident(db, ResidentInput(name="新人"), actor=x)),
    "update_resident": (access.RESIDENTS_UPDATE, lambda db, x, w: residents.update_resident(
        db, w["a"], ResidentInput(name="蔡良剑", phone="13900000000"), actor=x)),
    "link_family": (access.RESIDENTS_UPDATE,
                    lambda db, x, w: residents.link_family(db, w["a"], w["b"], "sibling", actor=x)),
    "unlink_family": (access.RESIDENTS_UPDATE,
                      lambda db, x, w: residents.unlink_family(db, w["a"], w["b"], actor=x)),
    "deactivate_resident": (access.RESIDENTS_DEACTIVATE,
                            lambda db, x, w: residents.deactivate_resident(db, w["a"], "已迁出", actor=x)),
    "reactivate_resident": (access.RESIDENTS_DEACTIVATE,
                            lambda db, x, w: residents.reactivate_resident(db, w["gone"], actor=x)),
    "import_residents": (access.RESIDENTS_IMPORT,
                         lambda db, x, w: importer.import_residents(db, w["ledger"], actor=x)),
    "export_masked": (access.RESIDENTS_EXPORT,
                      lambda db, x, w: exporter.export_residents(db, w["tmp"] / "m.xlsx", actor=x)),
    "export_full": ((access.RESIDENTS_EXPORT, access.PERSONAL_DATA_FULL),
                    lambda db, x, w: exporter.export_residents(db, w["tmp"] / "f.xlsx", full=True, actor=x)),
    "print_member_cards": (access.RESIDENTS_PRINT,
                           lambda db, x, w: residents_print.member_cards_pdf(db, [w["a"]], actor=x)),
    "print_roster": (access.RESIDENTS_PRINT,
                     lambda db, x, w: residents_print.roster_pdf(db, residents_print.ResidentFilter(), actor=x)),
    "record_consent": (access.CONSENTS_RECORD, lambda db, x, w: privacy.record_consent(
        db, w["b"], "day_care", "林燕秀", "verbal", dt.date(2026, 2, 1), actor=x)),
    "withdraw_consent": (access.CONSENTS_RECORD, lambda db, x, w: privacy.withdraw_consent(db, w["consent"], actor=x)),
    "add_grid": (access.SETTINGS_EDIT, lambda db, x, w: grids.add_grid(db, w["grid"], "三组", actor=x)),
    "update_grid": (access.SETTINGS_EDIT,
                    lambda db, x, w: grids.update_grid(db, w["sub"], "一组", "林燕", "", actor=x)),
    "delete_grid": (access.RECORDS_DELETE, lambda db, x, w: grids.delete_grid(db, w["spare"], actor=x)),
    "add_tag": (access.SETTINGS_EDIT, lambda db, x, w: tags.add_tag(db, "志愿者", actor=x)),
    "rename_tag": (access.SETTINGS_EDIT, lambda db, x, w: tags.rename_tag(db, w["tag"], "楼长", actor=x)),
    "set_tag_active": (access.SETTINGS_EDIT, lambda db, x, w: tags.set_tag_active(db, w["tag"], False, actor=x)),
    "ensure_default_tags": (access.SETTINGS_EDIT, lambda db, x, w: tags.ensure_default_tags(db, actor=x)),
    "save_centre": (access.SETTINGS_EDIT,
                    lambda db, x, w: centre.save_centre(db, centre.CentreInfo("莲坂村邻里中心"), actor=x)),
    "set_setting": (access.SETTINGS_EDIT, lambda db, x, w: centre.set_setting(db, "x.y", "1", actor=x)),
    "purge_candidates": (access.RECORDS_DELETE, lambda db, x, w: privacy.purge_candidates(db, 5, actor=x)),
    "purge": (access.RECORDS_DELETE, lambda db, x, w: privacy.purge(db, 5, actor=x)),
    "add_staff": (access.USERS_MANAGE,
                  lambda db, x, w: accounts.add_staff(db, "newbie", "", VIEWER, "newbie-password", actor=x)),
    "list_staff": (access.USERS_MANAGE, lambda db, x, w: accounts.list_staff(db, actor=x)),
    "reset_password": (access.USERS_MANAGE,
                       lambda db, x, w: accounts.reset_password(db, w["clerk"], "fresh-password", actor=x)),
    "set_staff_active": (access.USERS_MANAGE,
                         lambda db, x, w: accounts.set_staff_active(db, w["clerk"], False, actor=x)),
    "set_staff_role": (access.USERS_MANAGE,
                       lambda db, x, w: accounts.set_staff_role(db, w["clerk"], GRID_WORKER, actor=x)),
    "audit_query": (access.AUDIT_VIEW, lambda db, x, w: audit.query(db, actor=x)),
    "audit_export": (access.AUDIT_VIEW, lambda db, x, w: audit.export_xlsx(db, w["tmp"] / "a.xlsx", actor=x)),
    "restore": (access.BACKUP_RESTORE, _restore),
}


def _audit_rows(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(AuditLog.id)))


@pytest.mark.parametrize("role", [A, D, G, V])
@pytest.mark.parametrize("name", sorted(GUARDED))
def test_each_guarded_service_works_or_is_refused_by_role(db, world, role, name):
    permissions, call = GUARDED[name]
    permissions = permissions if isinstance(permissions, tuple) else (permissions,)
    actor = Actor("某人", role)
    lacking = [p for p in permissions if role not in EXPECTED[p]]
    if not lacking:
        call(db, actor, world)
        return
    if name in PREPARE:
        PREPARE[name](db, world)
    before = _audit_rows(db)
    with pytest.raises(PermissionDenied) as err:
        call(db, actor, world)
    # The message says which roles may do it.
    needed = "、".join(_(access.ROLES[r]) for r in (A, D, G, V) if r in EXPECTED[lacking[0]])
    assert err.value.message.endswith("只有以下角色可以：{}。".format(needed)), err.value.message
    assert err.value.message.startswith("某人（{}）无权".format(_(access.ROLES[role])))
    assert _audit_rows(db) == before  # refused before anything was written


def test_every_writing_service_needs_an_actor():
    import inspect

    for fn in (residents.add_resident, residents.update_resident, residents.deactivate_resident,
               residents.reactivate_resident, residents.link_family, residents.unlink_family,
               grids.add_grid, grids.update_grid, grids.delete_grid, tags.add_tag, tags.rename_tag,
               tags.set_tag_active, tags.ensure_default_tags, centre.save_centre, centre.set_setting):
        param = inspect.signature(fn).parameters["actor"]
        assert param.kind is param.KEYWORD_ONLY and param.default is param.empty, fn.__name__


def test_actor_is_keyword_only_in_every_service_function():
    """Every public function of every module under app/services (found with pkgutil, so new
    modules and subpackages are covered) that takes `actor` takes it keyword-only."""
    import importlib
    import inspect
    import pkgutil

    import app.services

    modules = [app.services] + [importlib.import_module(m.name) for m in
                                pkgutil.walk_packages(app.services.__path__, "app.services.")]
    # The permission check and the audit entry take the actor as their subject, not as the
    # one acting: access.require(actor, PERMISSION), audit.record(session, actor, ...).
    subject = {"app.services.access.may", "app.services.access.require", "app.services.audit.entry",
               "app.services.audit.record", "app.services.printing.allowed"}
    checked, positional = [], []
    for module in modules:
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue  # private, not a function, or imported from elsewhere (checked there)
            param = inspect.signature(fn).parameters.get("actor")
            if param is None:
                continue
            checked.append(f"{module.__name__}.{name}")
            if param.kind is not param.KEYWORD_ONLY and checked[-1] not in subject:
                positional.append(f"{module.__name__}.{name}")
    assert len(checked) > 20 and "app.services.importer.import_residents" in checked  # the scan finds them
    assert positional == [], "actor= must be keyword-only in: " + ", ".join(positional)


def test_restore_without_an_actor_is_for_the_command_line(db, db_path, tmp_path):
    made = backup.backup_now(db)
    db.dispose()
    backup.restore(db_path, made.path, safety_folder=tmp_path)
    open_database(sqlite_url(db_path)).dispose()
