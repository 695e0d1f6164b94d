"""Import a day-care ledger: choose the file, see what it would do (read on the worker), import.
Rejected rows go to a workbook beside the file (services/daycare_import.py). The dialog itself is
views/shared/ledger_import.py."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QPushButton, QWidget

from app.db import Database
from app.i18n import _, format_number
from app.services import access
from app.services.access import Actor
from app.views.shared.ledger_import import SheetImportDialog, summary_lines

TOPIC = "daycare"


def import_button(tab) -> QPushButton:
    """The elders page's "Import a day-care ledger…" button (for roles that may enrol)."""
    button = QPushButton(_("Import a day-care ledger…"))
    button.setEnabled(access.may(tab.actor, access.DAYCARE_ENROL))

    def run() -> None:
        LedgerImportDialog(tab.db, tab, actor=tab.actor).exec()
        tab.desk.refocus()

    button.clicked.connect(run)
    return button


def _lines(result) -> list[str]:
    if result.preview:
        counts = [_("To enrol: {n}").format(n=format_number(result.enrolled)),
                  _("Profiles to update: {n}").format(n=format_number(result.updated))]
    else:
        counts = [_("Enrolled: {n}").format(n=format_number(result.enrolled)),
                  _("Profiles updated: {n}").format(n=format_number(result.updated))]
    return summary_lines(result, counts, result.not_imported)


def _preview(db: Database, path: Path):
    from app.services import daycare_import

    return daycare_import.preview(db, path)


def _import(db: Database, path: Path, actor: Actor):
    from app.services import daycare_import

    return daycare_import.import_ledger(db, path, actor=actor)


class LedgerImportDialog(SheetImportDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor):
        super().__init__(
            parent, title=_("Import a day-care ledger"),
            hint=_("An Excel ledger (.xlsx) or a CSV file with one elder per row and headers such as 姓名, "
                   "身份证号码, 联系电话, 护理等级, 饮食, 补贴类别, 星期. Each elder must already be registered "
                   "as a resident; they are found by ID number, or by name and phone."),
            preview=lambda path: _preview(db, path), write=lambda path: _import(db, path, actor),
            lines=_lines, topic=TOPIC)
        self.db, self.actor = db, actor
