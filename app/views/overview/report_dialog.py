"""The monthly and annual work report (月度/年度工作报表) from the window: choose the month (or year),
type the notes the town should read, then preview and print it, or save the same figures as Excel.
The report is counted and laid out on the worker (services/report.py, reports/monthly_report.py),
with progress in the preview. The months and years offered end with the current one: a future
period cannot be chosen, and the service refuses one all the same."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_date
from app.services.access import Actor
from app.views.shared.forms import show_error
from app.views.shared.widgets import export_xlsx, push_button

YEARS_BACK = 5  # the periods offered: this year and the five before
NOTES_MAX = 2000

# The last notes typed for a period, kept while the program runs (never written anywhere): the
# desk previews, spots a mistake, closes and comes back to change one word.
_notes: dict[tuple[str, str], str] = {}


def _prepared_by(db: Database, actor: Actor) -> str:
    """填报人: the signed-in person's full name (their account name without one)."""
    from app.services import accounts

    account = accounts.own_account(db, actor=actor)
    return (account.display_name if account is not None else "") or actor.name


def make_report(db: Database, kind: str, year: int, month: int, notes: str, *, actor: Actor,
                today: dt.date | None = None, progress=None):
    """The report's dataclass, on the worker."""
    from app.services import report

    prepared_by = _prepared_by(db, actor)
    if kind == "annual":
        return report.annual(db, year, actor=actor, today=today, notes=notes, prepared_by=prepared_by,
                             progress=progress)
    return report.monthly(db, year, month, actor=actor, today=today, notes=notes, prepared_by=prepared_by,
                          progress=progress)


def make_pdf(db: Database, kind: str, year: int, month: int, notes: str, *, actor: Actor,
             today: dt.date | None = None, progress=None) -> bytes:
    from app.reports import monthly_report
    from app.services.printing import letterhead

    built = make_report(db, kind, year, month, notes, actor=actor, today=today, progress=progress)
    pdf = monthly_report.annual_pdf if kind == "annual" else monthly_report.monthly_pdf
    return pdf(built, letterhead(db, today))


def write_xlsx(db: Database, kind: str, year: int, month: int, notes: str, path: str, *, actor: Actor,
               today: dt.date | None = None) -> None:
    from app.services import report

    built = make_report(db, kind, year, month, notes, actor=actor, today=today)
    write = report.annual_xlsx if kind == "annual" else report.monthly_xlsx
    write(built, path, db=db, actor=actor)


class ReportDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor, kind: str = "monthly",
                 today: dt.date | None = None):
        super().__init__(parent)
        self.db, self.actor, self.kind = db, actor, kind
        self.today = today or dt.date.today()
        annual = kind == "annual"
        self.setWindowTitle(_("Annual report") if annual else _("Monthly report"))
        self.setMinimumWidth(520)

        self.period = QComboBox()
        if annual:
            for year in range(self.today.year, self.today.year - YEARS_BACK - 1, -1):
                self.period.addItem(str(year), f"{year:04d}")
        else:
            year, month = self.today.year, self.today.month
            while year >= self.today.year - YEARS_BACK:
                self.period.addItem(format_date(dt.date(year, month, 1), _("MMMM y")), f"{year:04d}-{month:02d}")
                year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            # A report is made for the month just ended: last month first (this month stays in the list).
            self.period.setCurrentIndex(1)
        self._shown = self.period.currentData()  # "YYYY-MM" (a year: "YYYY")
        self.period.currentIndexChanged.connect(self._period_changed)

        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(_("What the town should read with the figures: highlights, problems, "
                                        "plans for next month. Printed in the report's notes box."))
        self.notes.setTabChangesFocus(True)
        self.notes.setPlainText(_notes.get((kind, self._shown), ""))
        self.notes.textChanged.connect(self._keep_notes)  # kept as typed, whichever way the dialog closes
        self.notes.setMinimumHeight(150)

        form = QFormLayout()
        form.addRow(_("Year") if annual else _("Month"), self.period)
        form.addRow(_("Notes"), self.notes)
        intro = QLabel(_("The year month by month and the year's totals, for every part of the centre's work.")
                       if annual else
                       _("Activities, service requests, day care, after-school classes, the merchant alliance and "
                         "volunteer points, compared with the month before and the same month last year."))
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555555")

        self.preview_button = push_button(_("Preview and print…"), self.preview)
        self.preview_button.setDefault(True)
        self.xlsx_button = push_button(_("Save as Excel…"), self.save_xlsx)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.xlsx_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    # -- the period and its notes -------------------------------------------------------------------
    def _keep_notes(self) -> None:
        _notes[(self.kind, self._shown)] = self.notes.toPlainText()[:NOTES_MAX]

    def _period_changed(self, _index: int) -> None:
        self._shown = self.period.currentData()
        self.notes.setPlainText(_notes.get((self.kind, self._shown), ""))

    def chosen(self) -> tuple[int, int] | None:
        """(year, month; 0 for a year), or None after telling the user why it cannot be made."""
        from app.services import report

        year, _sep, month_text = self.period.currentData().partition("-")
        year, month = int(year), int(month_text or 0)
        try:  # the service's own check, in its words (a future period)
            if self.kind == "annual":
                report.check_year(year, today=self.today)
            else:
                report.check_month(year, month, today=self.today)
        except DeskError as exc:
            show_error(self, exc)
            return None
        return year, month

    def _file_name(self, year: int, month: int, ext: str) -> str:
        if self.kind == "annual":
            return _("annual-report-{year}.{ext}").format(year=year, ext=ext)
        return _("monthly-report-{year}-{month:02d}.{ext}").format(year=year, month=month, ext=ext)

    # -- output -----------------------------------------------------------------------------------
    def preview(self) -> None:
        period = self.chosen()
        if period is None:
            return
        from app.views.shared.print_preview import preview  # QtPdf loads only when needed

        self._keep_notes()
        year, month = period
        db, actor, kind, today, notes = self.db, self.actor, self.kind, self.today, self.notes.toPlainText()
        preview(self, self.windowTitle(),
                lambda progress: make_pdf(db, kind, year, month, notes, actor=actor, today=today, progress=progress),
                self._file_name(year, month, "pdf"))

    def save_xlsx(self, path: str | None = None) -> None:
        period = self.chosen()
        if period is None:
            return
        self._keep_notes()
        year, month = period
        db, actor, kind, today, notes = self.db, self.actor, self.kind, self.today, self.notes.toPlainText()
        export_xlsx(self, self.xlsx_button, self._file_name(year, month, "xlsx"),
                    lambda p: write_xlsx(db, kind, year, month, notes, p, actor=actor, today=today),
                    _("The report was saved to {path}."), path=path)
