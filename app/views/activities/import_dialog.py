"""Import an existing activity ledger (活动台账, the Excel sheet the desk kept before): choose the file,
see what it would do (read on the worker), import. Rejected rows go to a workbook beside the file
(services/activities_import.py); an activity already in the ledger (same date, title and type) is
updated from the file. The dialog itself is views/shared/ledger_import.py."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.i18n import _, format_number
from app.services.access import Actor
from app.views.notices import Notices
from app.views.shared.ledger_import import SheetImportDialog, summary_lines

TOPIC = "activities"


def import_activities(parent: QWidget | None, db: Database, notices: Notices | None, *,
                      actor: Actor) -> ActivityLedgerImportDialog:
    """The ledger import (the tab's button calls this); returns the dialog after it closed."""
    dialog = ActivityLedgerImportDialog(db, parent, notices=notices, actor=actor)
    dialog.exec()
    return dialog


def _lines(result) -> list[str]:
    if result.preview:
        counts = [_("Activities to add: {n}").format(n=format_number(result.added)),
                  _("Activities to update: {n}").format(n=format_number(result.updated))]
    else:
        counts = [_("Activities added: {n}").format(n=format_number(result.added)),
                  _("Activities updated: {n}").format(n=format_number(result.updated))]
    return summary_lines(result, counts)


def _run(db: Database, path: Path, actor: Actor, *, dry_run: bool):
    from app.services import activities_import

    return activities_import.import_activities(db, path, dry_run=dry_run, actor=actor)


class ActivityLedgerImportDialog(SheetImportDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, *, notices: Notices | None = None,
                 actor: Actor):
        super().__init__(
            parent, title=_("Import an activity ledger"),
            hint=_("An Excel activity ledger (.xlsx) or a CSV file with one activity per row and headers such as "
                   "日期, 开始时间, 结束时间, 活动名称, 活动类型, 服务对象, 地点, 组织者, 合作方, 参与人数. The kind "
                   "of activity must be in the list (Settings); an activity already in the ledger (the same date, "
                   "title and kind) is updated from the file."),
            preview=lambda path: _run(db, path, actor, dry_run=True),
            write=lambda path: _run(db, path, actor, dry_run=False),
            lines=_lines, topic=TOPIC, notices=notices)
        self.db, self.actor = db, actor
