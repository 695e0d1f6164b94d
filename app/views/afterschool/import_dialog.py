"""Import a class list (花名册) into one after-school class: choose the file, see what it would do
(read on the worker), import. Rejected rows go to a workbook beside the file
(services/afterschool_import.py); a full class puts the rest on its waiting list. The dialog
itself is views/shared/ledger_import.py."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.i18n import _, format_number
from app.services.access import Actor
from app.views.notices import Notices
from app.views.shared.ledger_import import SheetImportDialog, summary_lines

TOPIC = "afterschool"


def import_class_list(parent: QWidget | None, db: Database, notices: Notices | None, class_id: int, *,
                      actor: Actor) -> ClassListImportDialog:
    """The class list import for `class_id` (the tab's menu entry calls this); returns the dialog after it closed."""
    dialog = ClassListImportDialog(db, class_id, parent, notices=notices, actor=actor)
    dialog.exec()
    return dialog


def _lines(result) -> list[str]:
    if result.preview:
        counts = [_("To enrol: {n}").format(n=format_number(result.enrolled)),
                  _("To put on the waiting list: {n}").format(n=format_number(result.waiting)),
                  _("Profiles to update: {n}").format(n=format_number(result.updated))]
    else:
        counts = [_("Enrolled: {n}").format(n=format_number(result.enrolled)),
                  _("Put on the waiting list: {n}").format(n=format_number(result.waiting)),
                  _("Profiles updated: {n}").format(n=format_number(result.updated))]
    return summary_lines(result, counts)


def _preview(db: Database, path: Path, class_id: int):
    from app.services import afterschool_import

    return afterschool_import.preview(db, path, class_id)


def _import(db: Database, path: Path, class_id: int, actor: Actor):
    from app.services import afterschool_import

    return afterschool_import.import_class_list(db, path, class_id, actor=actor)


class ClassListImportDialog(SheetImportDialog):
    def __init__(self, db: Database, class_id: int, parent: QWidget | None = None, *,
                 notices: Notices | None = None, actor: Actor):
        super().__init__(
            parent, title=_("Import a class list"),
            hint=_("An Excel class list (.xlsx) or a CSV file with one child per row and headers such as 姓名, "
                   "身份证号码, 学校, 年级, 监护人, 监护人电话, 其他接送人, 知情同意书日期. Each child and "
                   "guardian must already be registered as residents; a child is found by ID number, or by "
                   "name and a guardian's phone. When the class is full, the rest go on its waiting list."),
            preview=lambda path: _preview(db, path, class_id), write=lambda path: _import(db, path, class_id, actor),
            lines=_lines, topic=TOPIC, notices=notices)
        self.db, self.class_id, self.actor = db, class_id, actor
