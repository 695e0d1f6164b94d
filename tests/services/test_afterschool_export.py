"""After-school figures exported to xlsx: the figures, the unlisted pick-ups and each class's
attendance read back from a village demo year."""
import datetime as dt
import os
import stat

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.i18n import _
from app.models import AuditLog
from app.services import afterschool, afterschool_export, demo
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.exporter import ExportError
from tests.conftest import ADMIN
from tests.services.test_demo_afterschool import TODAY, registered  # noqa: F401 (fixture)


def sheets(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_a_year_exported_holds_the_figures_the_unlisted_pick_ups_and_each_class(db, tmp_path):
    demo.fill_demo(db, "village", seed=3, today=TODAY, actor=ADMIN)
    first = TODAY - dt.timedelta(days=364)
    path = tmp_path / "四点半课堂.xlsx"
    classes = afterschool_export.export_figures(db, path, first, TODAY, actor=ADMIN, today=TODAY)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    got = sheets(path)
    figures = dict(got[_("After-school figures")][1:])
    unlisted = got[_("Unlisted pick-ups")]
    per_class = got[_("Attendance by class")]
    f = afterschool.figures(db, first, TODAY, today=TODAY)
    assert figures[_("Attendance (person-times)")] == f.person_times > 0
    assert figures[_("Pick-ups by someone not on the list")] == f.unlisted_pickups == len(unlisted) - 1 >= 3
    assert figures[_("Sessions cancelled")] == f.sessions_cancelled >= 1
    assert figures[_("First day")].date() == first
    assert unlisted[0] == tuple(_(h) for h in afterschool_export.UNLISTED_HEADERS)
    assert all(row[2] and row[3] and row[4] for row in unlisted[1:])  # child, who, and the reason
    assert per_class[0] == tuple(_(h) for h in afterschool_export.CLASS_HEADERS)
    assert classes == len(per_class) - 1 >= 5
    assert sum(row[5] for row in per_class[1:]) == f.person_times
    assert sum(row[3] for row in per_class[1:]) == f.sessions_cancelled
    assert sum(row[10] for row in per_class[1:]) == f.unlisted_pickups
    assert all(0 <= row[8] <= 100 for row in per_class[1:] if row[8] is not None)
    with db.session() as s:
        trail = s.scalars(select(AuditLog.summary).where(AuditLog.action == "export")).all()
    assert len(trail) == 1 and path.name in trail[0]


def test_a_reversed_range_and_a_role_without_the_permission_are_refused(db, tmp_path):
    with pytest.raises(ExportError):
        afterschool_export.export_figures(db, tmp_path / "x.xlsx", TODAY, TODAY - dt.timedelta(days=1), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        afterschool_export.export_figures(db, tmp_path / "x.xlsx", TODAY, TODAY, actor=Actor("看看", VIEWER))
    assert not (tmp_path / "x.xlsx").exists()
    # An empty range is still a workbook with its headers.
    assert afterschool_export.export_figures(db, tmp_path / "empty.xlsx", TODAY, TODAY, actor=ADMIN) == 0
