"""Volunteer points exported to xlsx: the figures, the balances and the vouchers of the range read back
from a village demo year; phones masked for whoever may not see them, usable codes left out."""
import datetime as dt
import os
import stat

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.i18n import _
from app.models import AuditLog, PointsAccount
from app.services import demo, points, points_export
from app.services.access import DESK, VIEWER, Actor, PermissionDenied
from app.services.exporter import ExportError
from tests.conftest import ADMIN
from tests.services.test_demo_points import TODAY


def sheets(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.fixture(scope="module")
def year(tmp_path_factory, blank_database):
    """A village demo year, made once for the module (copied for each test)."""
    import shutil

    from app.db import open_database, sqlite_url

    path = tmp_path_factory.mktemp("points") / "year.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path))
    try:
        demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    finally:
        db.dispose()
    return path


@pytest.fixture
def filled(year, tmp_path):
    import shutil

    from app.db import open_database, sqlite_url

    path = tmp_path / "copy.sqlite3"
    shutil.copyfile(year, path)
    db = open_database(sqlite_url(path))
    yield db
    db.dispose()


def test_a_year_exported_holds_the_figures_balances_and_vouchers(filled, tmp_path):
    db = filled
    first = TODAY - dt.timedelta(days=364)
    path = tmp_path / "共治积分.xlsx"
    count = points_export.export_figures(db, path, first, TODAY, actor=ADMIN, today=TODAY)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    got = sheets(path)
    f = points.figures(db, first, TODAY, today=TODAY)
    figures = dict(got[_("Points figures")][1:])
    assert figures[_("First day")].date() == first
    assert figures[_("Points earned")] == f.earned > 0
    assert figures[_("Points outstanding on the last day")] == f.outstanding
    assert f.earned - f.spent + f.refunded + f.reversed == f.outstanding  # the whole demo is in the year
    assert figures[_("Volunteers")] == f.volunteers > 0
    balances = got[_("Points balances")]
    assert balances[0] == tuple(_(h) for h in points_export.BALANCE_HEADERS)
    with db.session() as s:
        accounts = dict(s.execute(select(PointsAccount.resident_id, PointsAccount.balance)).all())
    assert count == len(balances) - 1 == len(accounts)
    assert {row[0]: row[3] for row in balances[1:]} == accounts
    assert sum(row[3] for row in balances[1:]) == f.outstanding
    vouchers = got[_("Vouchers")]
    issued = points.list_vouchers(db, date_from=first, date_to=TODAY, on=TODAY)
    assert len(vouchers) - 1 == len(issued) == sum(f.vouchers_issued.values()) > 0
    usable = {v.code for v in issued if v.status == points.ISSUED}
    codes = {row[11] for row in vouchers[1:]}
    assert not usable & codes  # a usable code never leaves in a file
    assert {v.code for v in issued if v.status == points.REDEEMED} <= codes
    with db.session() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
    assert row.entity == "points_entry" and path.name in row.summary


def test_phones_are_masked_for_the_desk_and_a_viewer_may_not_export(filled, tmp_path):
    db = filled
    path = tmp_path / "前台.xlsx"
    points_export.export_figures(db, path, dt.date(2026, 11, 1), TODAY, actor=Actor("前台小林", DESK), today=TODAY)
    phones = [row[2] for row in sheets(path)[_("Points balances")][1:] if row[2]]
    assert phones and all("*" in p for p in phones)
    with pytest.raises(PermissionDenied):
        points_export.export_figures(db, tmp_path / "x.xlsx", TODAY, TODAY, actor=Actor("来访者", VIEWER))
    with pytest.raises(ExportError):
        points_export.export_figures(db, tmp_path / "y.xlsx", TODAY, dt.date(2026, 1, 1), actor=ADMIN)
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "y.xlsx").exists()
