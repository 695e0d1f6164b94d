import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog

from app.reports import toolkit
from app.views.residents.filter_dialog import ResidentFilterDialog
from app.views.shared.print_preview import PrintPreviewDialog


def three_pages(progress):
    from reportlab.lib.units import mm

    rows = [[str(i), "宝源花园"] for i in range(150)]
    progress(1, 1)
    return toolkit.build_pdf("测试", [toolkit.data_table(["序号", "住址"], rows, [20 * mm, 60 * mm])],
                             toolkit.Letterhead("莲坂村", printed_on=dt.date(2026, 11, 27)))


def test_preview_pages_through_zooms_and_saves(app, qtbot, tmp_path, monkeypatch):
    dialog = PrintPreviewDialog(None, "测试", three_pages, "test.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled(), timeout=20000)
    pages = dialog.document.pageCount()
    assert pages >= 3 and dialog.page_total.text() == f"/ 共 {pages} 页"
    # The view gets the document once the worker has had pdfium measure every page.
    assert dialog.view.document() is dialog.document and not dialog.progress.isVisible()
    qtbot.mouseClick(dialog.zoom_in, Qt.MouseButton.LeftButton)
    assert dialog.view.zoomFactor() == 1.25
    qtbot.mouseClick(dialog.zoom_out, Qt.MouseButton.LeftButton)
    assert dialog.view.zoomFactor() == 1.0
    dialog.page_spin.setValue(3)
    assert dialog.view.pageNavigator().currentPage() == 2
    target = tmp_path / "saved"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "saved.pdf"
    assert saved.read_bytes() == dialog.pdf and saved.read_bytes().startswith(b"%PDF")
    assert dialog.status.text() == "已保存。"


def test_printing_renders_every_page_to_the_printer(app, qtbot, tmp_path):
    dialog = PrintPreviewDialog(None, "测试", three_pages)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.document.pageCount() > 0, timeout=20000)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == dialog.document.pageCount()
    assert (tmp_path / "printed.pdf").stat().st_size > 1000


def test_a_failing_form_shows_a_message_not_a_traceback(app, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.errors import DeskError

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: shown.append(text)))

    def broken(progress):
        raise DeskError("没有数据")

    dialog = PrintPreviewDialog(None, "测试", broken)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: shown == ["没有数据"], timeout=10000)
    assert dialog.status.text() == "表格生成失败。" and not dialog.print_button.isEnabled()


def test_roster_from_the_residents_tab_goes_to_the_preview(window, qtbot, monkeypatch):
    from app.views.shared import print_preview

    made = {}

    def fake_exec(self):
        qtbot.waitUntil(lambda: self.document.pageCount() > 0, timeout=20000)
        made["pages"] = self.document.pageCount()
        made["title"] = self.windowTitle()
        return 0

    monkeypatch.setattr(print_preview.PrintPreviewDialog, "exec", fake_exec)
    monkeypatch.setattr(ResidentFilterDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    window.tab_of("residents").print_roster()
    assert made == {"pages": 1, "title": "打印预览 — 居民花名册"}
