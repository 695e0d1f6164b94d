"""Import a class list (花名册) into one after-school class: choose the file, see what it would do
(read on the worker), import. Rejected rows go to a workbook beside the file
(services/afterschool_import.py); a full class puts the rest on its waiting list."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_number
from app.services.access import Actor
from app.views.notices import Notices
from app.views.shared import writes
from app.views.worker import run_in_background

TOPIC = "afterschool"
PROBLEMS_SHOWN = 8  # row errors listed in the dialog; all of them go to the rejects file


def import_class_list(parent: QWidget | None, db: Database, notices: Notices | None, class_id: int, *,
                      actor: Actor) -> ClassListImportDialog:
    """The class list import for `class_id` (the tab's menu entry calls this); returns the dialog after it closed."""
    dialog = ClassListImportDialog(db, class_id, parent, notices=notices, actor=actor)
    dialog.exec()
    return dialog


def _lines(result) -> list[str]:
    if result.preview:
        lines = [_("To enrol: {n}").format(n=format_number(result.enrolled)),
                 _("To put on the waiting list: {n}").format(n=format_number(result.waiting)),
                 _("Profiles to update: {n}").format(n=format_number(result.updated))]
    else:
        lines = [_("Enrolled: {n}").format(n=format_number(result.enrolled)),
                 _("Put on the waiting list: {n}").format(n=format_number(result.waiting)),
                 _("Profiles updated: {n}").format(n=format_number(result.updated))]
    lines += [_("Unchanged: {n}").format(n=format_number(result.unchanged)),
              _("Rows with errors: {n}").format(n=format_number(result.rejected))]
    if result.unknown_columns:
        lines.append(_("Columns not imported: {names}").format(names="、".join(result.unknown_columns)))
    lines += result.notes
    return lines


class ClassListImportDialog(QDialog):
    def __init__(self, db: Database, class_id: int, parent: QWidget | None = None, *,
                 notices: Notices | None = None, actor: Actor):
        super().__init__(parent)
        self.db, self.class_id, self.notices, self.actor = db, class_id, notices, actor
        self.path: Path | None = None    # the file whose preview is shown
        self.preview = None
        self.result = None
        self._reads = 0                  # only the latest read is shown
        self.setWindowTitle(_("Import a class list"))
        self.resize(620, 420)
        hint = QLabel(_("An Excel class list (.xlsx) or a CSV file with one child per row and headers such as 姓名, "
                        "身份证号码, 学校, 年级, 监护人, 监护人电话, 其他接送人, 知情同意书日期. Each child and "
                        "guardian must already be registered as residents; a child is found by ID number, or by "
                        "name and a guardian's phone. When the class is full, the rest go on its waiting list."))
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.browse_button = QPushButton(_("Browse…"))
        self.browse_button.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose the file"), "", _("Spreadsheets (*.xlsx *.csv)"))
        if path:
            self.check(Path(path))

    def check(self, path: Path) -> None:
        """Read the file on the worker and show what importing it would do."""
        from app.services import afterschool_import

        self.path_edit.setText(str(path))
        self.path, self.preview, self.result = path, None, None
        self.import_button.setEnabled(False)
        self.summary.setText(_("Reading the file…"))
        self.problems.clear()
        self._reads += 1
        read, db, class_id = self._reads, self.db, self.class_id
        run_in_background(self, lambda _progress: afterschool_import.preview(db, path, class_id),
                          on_done=lambda preview: self._previewed(read, preview),
                          on_error=lambda exc: self._failed(read, exc))

    def _previewed(self, read: int, preview) -> None:
        if read != self._reads:
            return
        self.preview = preview
        self._show(preview)
        self.import_button.setEnabled(bool(preview.to_import or preview.rejected))

    def _failed(self, read: int, exc: Exception) -> None:
        if read != self._reads:
            return
        self.summary.clear()
        self.problems.setText(exc.message if isinstance(exc, DeskError) else _(
            "Something went wrong and the action was not completed. Details were written to the log file."))

    def _show(self, result) -> None:
        self.summary.setText("\n".join(_lines(result)))
        shown = [_("Row {row}: {reason}").format(row=p.row, reason=p.reason) for p in result.problems[:PROBLEMS_SHOWN]]
        if len(result.problems) > PROBLEMS_SHOWN:
            shown.append(_("… and {n} more.").format(n=format_number(len(result.problems) - PROBLEMS_SHOWN)))
        if result.rejects_file is not None:
            shown.append(_("The rows with errors were saved to {path}; correct them there and import that file.")
                         .format(path=result.rejects_file))
        self.problems.setText("\n".join(shown))

    def start_import(self) -> None:
        from app.services import afterschool_import

        path, db, class_id, actor = self.path, self.db, self.class_id, self.actor
        if path is None:
            return
        self.browse_button.setEnabled(False)
        writes.save(self, lambda: afterschool_import.import_class_list(db, path, class_id, actor=actor), topic=TOPIC,
                    notices=self.notices, on_saved=self._imported,
                    on_failed=lambda _exc: self.browse_button.setEnabled(True), busy=self.import_button)

    def _imported(self, result) -> None:
        self.result = result
        self.browse_button.setEnabled(True)
        self.import_button.setEnabled(False)  # done: importing again would only find it unchanged
        self._show(result)
