"""The one dialog behind each feature's ledger import (day care's ledger, an after-school class
list): choose the file, see what it would do (read on the worker), import. Rejected rows go to a
workbook beside the file (the feature's `services/<feature>_import.py` writes it). A feature gives
the title, the hint, its preview and import calls, its count lines and its notice topic."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import DeskError
from app.i18n import _, format_number
from app.views.notices import Notices
from app.views.shared import writes
from app.views.worker import run_in_background

PROBLEMS_SHOWN = 8  # row errors listed in the dialog; all of them go to the rejects file


def summary_lines(result, counts: list[str], not_imported: Sequence[str] = ()) -> list[str]:
    """The feature's `counts` lines, then what every import result says (unchanged, rejected,
    columns not imported, notes)."""
    lines = counts + [_("Unchanged: {n}").format(n=format_number(result.unchanged)),
                      _("Rows with errors: {n}").format(n=format_number(result.rejected))]
    columns = [*not_imported, *result.unknown_columns]
    if columns:
        lines.append(_("Columns not imported: {names}").format(names="、".join(columns)))
    lines += result.notes
    return lines


class SheetImportDialog(QDialog):
    """`preview(path)` and `write(path)` run on the worker (they call the feature's service);
    `lines(result)` says a preview or a result in words; a successful import sends `topic`."""

    def __init__(self, parent: QWidget | None, *, title: str, hint: str, preview: Callable[[Path], Any],
                 write: Callable[[Path], Any], lines: Callable[[Any], list[str]], topic: str,
                 notices: Notices | None = None):
        super().__init__(parent)
        self._read_file, self._write_file, self._lines, self.topic = preview, write, lines, topic
        self.notices = notices
        self.path: Path | None = None    # the file whose preview is shown
        self.preview = None
        self.result = None
        self._reads = 0                  # only the latest read is shown
        self.setWindowTitle(title)
        self.resize(620, 420)
        hint_label = QLabel(hint)
        hint_label.setWordWrap(True)
        hint_label.setProperty("role", "hint")
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
        layout.addWidget(hint_label)
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
        self.path_edit.setText(str(path))
        self.path, self.preview, self.result = path, None, None
        self.import_button.setEnabled(False)
        self.summary.setText(_("Reading the file…"))
        self.problems.clear()
        self._reads += 1
        read, read_file = self._reads, self._read_file
        run_in_background(self, lambda _progress: read_file(path),
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
        self.summary.setText("\n".join(self._lines(result)))
        shown = [_("Row {row}: {reason}").format(row=p.row, reason=p.reason) for p in result.problems[:PROBLEMS_SHOWN]]
        if len(result.problems) > PROBLEMS_SHOWN:
            shown.append(_("… and {n} more.").format(n=format_number(len(result.problems) - PROBLEMS_SHOWN)))
        if result.rejects_file is not None:
            shown.append(_("The rows with errors were saved to {path}; correct them there and import that file.")
                         .format(path=result.rejects_file))
        self.problems.setText("\n".join(shown))

    def start_import(self) -> None:
        path, write_file = self.path, self._write_file
        if path is None:
            return
        self.browse_button.setEnabled(False)
        # With no `notices`, writes.save sends the notice through the nearest parent's (the tab's).
        writes.save(self, lambda: write_file(path), topic=self.topic, notices=self.notices, on_saved=self._imported,
                    on_failed=lambda _exc: self.browse_button.setEnabled(True), busy=self.import_button)

    def _imported(self, result) -> None:
        self.result = result
        self.browse_button.setEnabled(True)
        self.import_button.setEnabled(False)  # done: importing again would only find it unchanged
        self._show(result)
