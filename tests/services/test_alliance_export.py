"""Alliance figures exported to xlsx: the figures, the roster, the complaints and the half-year
rates read back from a village demo year; phones masked for whoever may not see them."""
import datetime as dt
import os
import stat

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.i18n import _
from app.models import AuditLog, Merchant
from app.services import alliance, alliance_export, demo
from app.services.access import GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.exporter import ExportError
from tests.conftest import ADMIN
from tests.services.test_demo_alliance import TODAY


def sheets(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_a_year_exported_holds_the_figures_roster_complaints_and_rates(db, tmp_path):
    demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    first = TODAY - dt.timedelta(days=364)
    path = tmp_path / "爱心商铺.xlsx"
    members = alliance_export.export_figures(db, path, first, TODAY, actor=ADMIN, today=TODAY)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    got = sheets(path)
    figures = dict(got[_("Alliance figures")][1:])
    f = alliance.figures(db, first, TODAY)
    assert figures[_("Members on the last day")] == f.active == 5
    assert figures[_("Complaints received")] == f.complaints == len(got[_("Complaints")]) - 1 > 0
    assert figures[_("First day")].date() == first
    roster = got[_("Alliance roster")]
    with db.session() as s:
        assert members == len(roster) - 1 == len(s.scalars(select(Merchant)).all())
        phones = {m.contact_phone for m in s.scalars(select(Merchant)) if m.contact_phone}
    assert roster[0] == tuple(_(h) for h in alliance_export.ROSTER_HEADERS)
    assert any(p in (row[4] or "") for row in roster[1:] for p in phones)  # in full for the administrator
    assert all(row[1] is None or isinstance(row[1], str) for row in roster[1:])
    rates = got[_("Complaint rate by half-year")]
    assert [r[0] for r in rates[1:]] == [_("{year} H{half}").format(year=2025, half=2),
                                         _("{year} H{half}").format(year=2026, half=1),
                                         _("{year} H{half}").format(year=2026, half=2)]
    assert rates[2][5] < 0  # down from the half-year before
    with db.session() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
    assert row.entity == "merchant" and path.name in row.summary


def test_phones_are_masked_for_a_grid_worker_and_a_viewer_may_not_export(db, tmp_path):
    demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    path = tmp_path / "网格员.xlsx"
    alliance_export.export_figures(db, path, dt.date(2026, 1, 1), TODAY, actor=Actor("网格员", GRID_WORKER),
                                   today=TODAY)
    complaints = sheets(path)[_("Complaints")][1:]
    assert all("*" in (row[3] or "*") for row in complaints)
    with pytest.raises(PermissionDenied):
        alliance_export.export_figures(db, tmp_path / "x.xlsx", TODAY, TODAY, actor=Actor("看看", VIEWER))
    with pytest.raises(ExportError):
        alliance_export.export_figures(db, tmp_path / "x.xlsx", TODAY, dt.date(2026, 1, 1), actor=ADMIN)
    assert not (tmp_path / "x.xlsx").exists()
