"""Import residents from an Excel ledger or CSV: choose the file, check the
columns, see what would happen, then import. Bad rows go to a rejects file."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QScrollArea, QTableView, QVBoxLayout, QWidget,
                               QWizard, QWizardPage)

from app.db import Database
from app.services.access import Actor
from app.errors import DeskError
from app.i18n import _, format_number
from app.services import importer
from app.views import notices
from app.views.shared import writes
from app.views.shared.list_model import ListModel
from app.views.worker import run_in_background

PROBLEMS_SHOWN = 12  # row errors listed on the check page; all of them go to the rejects file


def _summary(result) -> str:
    lines = [_("New residents: {n}").format(n=format_number(result.imported)),
             _("Updated: {n}").format(n=format_number(result.updated)),
             _("Unchanged: {n}").format(n=format_number(result.unchanged)),
             _("Rows with errors: {n}").format(n=format_number(result.rejected))]
    if result.unknown_columns:
        lines.append(_("Columns not imported: {names}").format(names="、".join(result.unknown_columns)))
    return "\n".join(lines)


class FilePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle(_("Choose the file"))
        self.setSubTitle(_("An Excel ledger (.xlsx) or a CSV file, with one resident per row and "
                           "column headers such as 姓名, 身份证号, 联系电话, 小区."))
        self.path_edit = QLineEdit()
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton(_("Browse…"))
        browse.clicked.connect(self.browse)
        self.browse_button = browse
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        # Reading a big workbook takes a second or more: on the worker, with this to show for it.
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFormat(_("Reading the file…"))
        self.busy.setTextVisible(True)
        self.busy.hide()
        self.reading = False
        self._read_path: Path | None = None  # the file whose preview has arrived
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addStretch(1)

    def browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose the file"), "",
                                                    _("Spreadsheets (*.xlsx *.csv)"))
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip()) and not self.reading

    def validatePage(self) -> bool:
        """Next reads the file's first rows on the worker; the page moves on once they arrive."""
        path = Path(self.path_edit.text().strip())
        if self._read_path == path and self.wiz.preview is not None:
            self._read_path = None
            self.wiz.path = path
            return True
        if self.reading:
            return False
        if not path.is_file():
            self.error.setText(_("There is no file at {path}.").format(path=path))
            return False
        self.error.clear()
        self._set_reading(True)
        run_in_background(self, lambda _progress: importer.preview_file(path),
                          on_done=lambda preview: self._arrived(path, preview), on_error=self._failed)
        return False

    def _set_reading(self, reading: bool) -> None:
        self.reading = reading
        self.busy.setVisible(reading)
        self.path_edit.setEnabled(not reading)
        self.browse_button.setEnabled(not reading)
        self.completeChanged.emit()

    def _arrived(self, path: Path, preview) -> None:
        self._set_reading(False)
        self.wiz.preview = preview
        self._read_path = path
        self.wiz.next()

    def _failed(self, exc: Exception) -> None:
        self._set_reading(False)
        self.error.setText(exc.message if isinstance(exc, DeskError) else _(
            "Something went wrong and the action was not completed. Details were written to the log file."))


class MappingPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle(_("Check the columns"))
        self.setSubTitle(_("Each column of the file is matched to a field by its header. "
                           "Change a match if it is wrong; columns set to “do not import” are left out."))
        self.table = QTableView()
        self.table.setMaximumHeight(220)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.form_holder = QScrollArea()
        self.form_holder.setWidgetResizable(True)
        self.combos: dict[int, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The first rows of the file:")))
        layout.addWidget(self.table)
        layout.addWidget(QLabel(_("Columns:")))
        layout.addWidget(self.form_holder, 1)

    def initializePage(self) -> None:
        preview = self.wiz.preview
        self.table.setModel(ListModel(preview.headers, preview.rows, self, numbered=True))
        self.table.resizeColumnsToContents()
        holder = QWidget()
        form = QFormLayout(holder)
        self.combos.clear()
        for column, header in enumerate(preview.headers):
            combo = QComboBox()
            combo.addItem(_("(do not import)"), None)
            for field, label in importer.FIELD_LABELS.items():
                combo.addItem(_(label), field)
            combo.setCurrentIndex(max(0, combo.findData(preview.mapping.get(column))))
            self.combos[column] = combo
            form.addRow(header or _("(column {n} without header)").format(n=column + 1), combo)
        self.form_holder.setWidget(holder)

    def mapping(self) -> dict[int, str]:
        return {column: combo.currentData() for column, combo in self.combos.items()
                if combo.currentData() is not None}

    def validatePage(self) -> bool:
        chosen = list(self.mapping().values())
        if "name" not in chosen:
            self.setSubTitle(_("Choose which column holds the name: it is required."))
            return False
        if len(chosen) != len(set(chosen)):
            self.setSubTitle(_("Two columns are matched to the same field; choose one."))
            return False
        self.wiz.mapping = self.mapping()
        return True


class RunPage(QWizardPage):
    """Runs the import (or its dry run) in the background and shows the outcome."""

    def __init__(self, wizard: "ImportWizard", dry_run: bool):
        super().__init__()
        self.wiz, self.dry_run = wizard, dry_run
        self.done = False
        self.setTitle(_("What the import will do") if dry_run else _("Import"))
        self.progress = QProgressBar()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        if dry_run:
            self.setCommitPage(True)  # after this page, the import is for real
            self.setButtonText(QWizard.WizardButton.CommitButton, _("Import"))

    def initializePage(self) -> None:
        self.done = False
        self.progress.setRange(0, 0)
        self.progress.show()
        self.result_label.setText(_("Checking every row…") if self.dry_run else _("Importing…"))
        wiz = self.wiz
        rejects = None if self.dry_run else wiz.rejects_path()
        # The real import is a write like any other: writes.save sends the RESIDENTS notice.
        writes.save(self, lambda progress: importer.import_residents(
            wiz.db, wiz.path, dry_run=self.dry_run, rejects_path=rejects, mapping=wiz.mapping,
            progress=progress, actor=wiz.actor),
            topic=None if self.dry_run else notices.RESIDENTS, notices=writes.notices_of(wiz),
            on_saved=self._finished, on_failed=self._failed, on_progress=self._progress, report_errors=False)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _finished(self, result) -> None:
        self.progress.hide()
        text = _summary(result)
        if self.dry_run:
            text = _("Nothing has been changed yet. Importing will do this:") + "\n\n" + text
            if result.rejected:
                text += "\n\n" + _("Rows with errors are not imported; they are written to a "
                                   "rejects file with the reason, to correct and import again.")
                shown = [_("Row {row}: {reason}").format(row=p.row, reason=p.reason)
                         for p in result.problems[:PROBLEMS_SHOWN]]
                if len(result.problems) > PROBLEMS_SHOWN:
                    shown.append(_("… and {n} more").format(n=len(result.problems) - PROBLEMS_SHOWN))
                text += "\n\n" + "\n".join(shown)
        else:
            self.wiz.result = result
            if result.rejects_file:
                text += "\n\n" + _("Rows with errors were written to {path}.").format(path=result.rejects_file)
        self.result_label.setText(text)
        self.done = True
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.progress.hide()
        message = exc.message if isinstance(exc, DeskError) else _(
            "Something went wrong and the action was not completed. Details were written to the log file.")
        self.result_label.setText(message)
        self.result_label.setProperty("role", "error")

    def isComplete(self) -> bool:
        return self.done


class ImportWizard(QWizard):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.path: Path | None = None
        self.preview = None
        self.mapping: dict[int, str] | None = None
        self.result = None
        self.setWindowTitle(_("Import residents"))
        self.resize(820, 600)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = RunPage(self, dry_run=True)
        self.run_page = RunPage(self, dry_run=False)
        for page in (self.file_page, self.mapping_page, self.check_page, self.run_page):
            self.addPage(page)

    def rejects_path(self) -> Path:
        return importer.default_rejects_path(self.path)
