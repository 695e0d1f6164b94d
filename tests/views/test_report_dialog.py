"""The monthly / annual report dialog: a month chosen, notes typed, the PDF made on the worker and
shown in the preview, the same report saved as Excel; notes kept per month while the program runs."""
import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services import centre
from app.views.overview import report_dialog
from app.views.overview.report_dialog import ReportDialog
from app.views.shared import print_preview
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text
from tests.views.conftest import settle

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def fresh_notes(monkeypatch):
    monkeypatch.setattr(report_dialog, "_notes", {})


@pytest.fixture
def previews(monkeypatch, qtbot):
    """Print previews record the PDF they made instead of waiting for a person."""
    made = []

    def fake_exec(self):
        qtbot.waitUntil(lambda: self.pdf is not None, timeout=30000)
        made.append((self.windowTitle(), self.file_name, self.pdf))
        return 0

    monkeypatch.setattr(print_preview.PrintPreviewDialog, "exec", fake_exec)
    return made


@pytest.fixture
def dialog(app, db, qtbot):
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"), actor=ADMIN)
    d = ReportDialog(db, actor=ADMIN, kind="monthly", today=TODAY)
    qtbot.addWidget(d)
    return d


def test_the_months_offered_end_with_this_one_and_last_month_comes_first(dialog):
    assert dialog.period.itemData(0) == "2026-12"
    assert dialog.period.currentData() == "2026-11"  # early in December: November's report
    assert dialog.period.itemData(dialog.period.count() - 1) == "2021-01"


def test_late_in_the_month_last_month_still_comes_first(app, db, qtbot):
    """walk18: on 30 November the dialog offered November; a report is made for the month just ended."""
    d = ReportDialog(db, actor=ADMIN, kind="monthly", today=dt.date(2026, 11, 30))
    qtbot.addWidget(d)
    assert (d.period.itemData(0), d.period.currentData()) == ("2026-11", "2026-10")


def test_a_chosen_month_is_previewed_as_a_pdf_with_the_notes(dialog, qtbot, previews):
    dialog.period.setCurrentIndex(dialog.period.findData("2026-10"))
    dialog.notes.setPlainText("重阳节敬老活动圆满完成")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    (title, file_name, pdf), = previews
    assert pdf.startswith(b"%PDF") and file_name.endswith(".pdf") and "2026-10" in file_name
    text = "".join("".join(pdf_text(pdf)).split())
    assert "重阳节敬老活动圆满完成" in text and "莲坂村党建+邻里中心" in text


def test_the_annual_report_is_previewed_too(app, db, qtbot, previews):
    d = ReportDialog(db, actor=ADMIN, kind="annual", today=TODAY)
    qtbot.addWidget(d)
    assert d.period.currentData() == "2026"
    d.preview()
    (_title, file_name, pdf), = previews
    assert pdf.startswith(b"%PDF") and "2026" in file_name


def test_notes_are_kept_per_month_in_memory(app, db, qtbot, dialog):
    dialog.notes.setPlainText("十一月的说明")
    dialog.period.setCurrentIndex(dialog.period.findData("2026-10"))
    assert dialog.notes.toPlainText() == ""
    dialog.notes.setPlainText("十月的说明")
    dialog.close()
    again = ReportDialog(db, actor=ADMIN, kind="monthly", today=TODAY)
    qtbot.addWidget(again)
    assert again.notes.toPlainText() == "十一月的说明"
    again.period.setCurrentIndex(again.period.findData("2026-10"))
    assert again.notes.toPlainText() == "十月的说明"


def test_the_report_is_saved_as_excel(dialog, qtbot, tmp_path, monkeypatch):
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    path = tmp_path / "report.xlsx"
    dialog.save_xlsx(str(path))
    settle(qtbot)
    assert told and str(path) in told[0]
    assert len(openpyxl.load_workbook(path).sheetnames) >= 1


def test_a_future_month_is_refused_in_words(dialog, monkeypatch, previews):
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: said.append(args[2]))
    dialog.period.setCurrentIndex(0)  # December 2026 …
    dialog.today = dt.date(2026, 11, 30)  # … seen from the day before it begins
    dialog.preview()
    assert previews == [] and said and "2026-12" in said[0]
