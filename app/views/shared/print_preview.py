"""Print preview inside the program: any form, shown with QtPdf, printed with the
system printer dialog or saved as PDF. The PDF is made off the GUI thread."""
from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.errors import DeskError
from app.i18n import _
from app.paths import safe_file_name
from app.views.shared.forms import show_error
from app.views.worker import run_in_background

ZOOM_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)


class PrintPreviewDialog(QDialog):
    """Shows the PDF that `make_pdf(progress)` returns; prints it or saves it."""

    def __init__(self, parent: QWidget | None, title: str, make_pdf: Callable[..., bytes],
                 file_name: str = "form.pdf"):
        super().__init__(parent)
        self.setWindowTitle(_("Print preview — {title}").format(title=title))
        self.resize(980, 820)
        self.file_name = safe_file_name(file_name, "form.pdf")  # may hold data (a ticket number, a name)
        self.pdf: bytes | None = None
        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None

        self.view = QPdfView(self)  # gets the document once its pages are measured (_measured)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.pageNavigator().currentPageChanged.connect(self._page_changed)

        self.print_button = QPushButton(_("Print…"))
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton(_("Save as PDF…"))
        self.save_button.clicked.connect(self.save_pdf)
        self.zoom_out = QPushButton("−")
        self.zoom_out.setToolTip(_("Zoom out"))
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setToolTip(_("Zoom in"))
        self.zoom_in.clicked.connect(lambda: self.step_zoom(1))
        for b in (self.zoom_out, self.zoom_in):
            b.setFixedWidth(34)
        self.fit_button = QPushButton(_("Fit width"))
        self.fit_button.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.page_spin = QSpinBox()
        self.page_spin.setMinimum(1)
        self.page_spin.valueChanged.connect(self.go_to_page)
        self.page_total = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.status = QLabel(_("Preparing the form…"))

        bar = QHBoxLayout()
        for w in (self.print_button, self.save_button):
            bar.addWidget(w)
        bar.addSpacing(20)
        for w in (self.zoom_out, self.zoom_in, self.fit_button):
            bar.addWidget(w)
        bar.addSpacing(20)
        bar.addWidget(QLabel(_("Page")))
        bar.addWidget(self.page_spin)
        bar.addWidget(self.page_total)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._set_ready(False)
        run_in_background(self, make_pdf, on_done=self._loaded, on_error=self._failed,
                          on_progress=self._progress)

    # -- loading ---------------------------------------------------------------------------
    def _set_ready(self, ready: bool) -> None:
        for w in (self.print_button, self.save_button, self.zoom_in, self.zoom_out, self.fit_button,
                  self.page_spin):
            w.setEnabled(ready)
        self.progress.setVisible(not ready)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _loaded(self, pdf: bytes) -> None:
        self.pdf = pdf
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        pages = self.document.pageCount()
        # The view lays out every page at once, and pdfium reads a page's size from the file the
        # first time it is asked (a quarter of a millisecond a page: 60 ms for a year's ledger).
        # Asked first on the worker, the sizes are at hand when the view asks; QtPdf runs one
        # pdfium call at a time, and the document is neither made nor dropped there.
        document = self.document
        run_in_background(self, lambda _progress: [document.pagePointSize(i) for i in range(pages)],
                          on_done=self._measured, on_error=lambda _exc: self._measured(None))

    def _measured(self, _sizes) -> None:
        self.view.setDocument(self.document)
        pages = self.document.pageCount()
        self.page_spin.setMaximum(max(pages, 1))
        self.page_total.setText(_("of {total}").format(total=pages))
        self.status.setText("")
        self._set_ready(pages > 0)

    def _failed(self, exc: Exception) -> None:
        self.progress.hide()
        self.status.setText(_("The form could not be made."))
        show_error(self, exc)

    # -- viewing ---------------------------------------------------------------------------------
    def step_zoom(self, direction: int) -> None:
        current = self.view.zoomFactor()
        if self.view.zoomMode() != QPdfView.ZoomMode.Custom:
            current = 1.0
        steps = [z for z in ZOOM_STEPS if (z > current + 0.01 if direction > 0 else z < current - 0.01)]
        target = (min(steps) if direction > 0 else max(steps)) if steps else current
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(target)

    def go_to_page(self, number: int) -> None:
        navigator = self.view.pageNavigator()
        if navigator.currentPage() != number - 1:
            navigator.jump(number - 1, QPointF(), navigator.currentZoom())

    def _page_changed(self, page: int) -> None:
        self.page_spin.blockSignals(True)
        self.page_spin.setValue(page + 1)
        self.page_spin.blockSignals(False)

    # -- output --------------------------------------------------------------------------------------
    def save_pdf(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save as PDF"), self.file_name,
                                                    _("PDF files (*.pdf)"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            # Readable by the user only: forms carry names, phones and ID numbers.
            with open(path, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as fh:
                fh.write(self.pdf or b"")
            if os.name != "nt":
                os.chmod(path, 0o600)  # an older file of that name may have been open to others
        except OSError as exc:
            show_error(self, DeskError(_("The file could not be saved: {error}").format(error=exc.strerror)))
            return
        self.status.setText(_("Saved."))

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        printer.setFromTo(1, self.document.pageCount())
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Render every chosen page onto `printer`; returns the number of pages printed."""
        first, last = printer.fromPage(), printer.toPage()
        if first == 0:
            first, last = 1, self.document.pageCount()
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, self.windowTitle(), _("The printer could not be started."))
            return 0
        printed = 0
        try:
            dpi = min(printer.resolution(), 300)  # sharp enough; a 1200 dpi page is 500 MB
            for number in range(first, last + 1):
                if printed:
                    printer.newPage()
                points = self.document.pagePointSize(number - 1)
                size = QSize(int(points.width() / 72 * dpi), int(points.height() / 72 * dpi))
                image = self.document.render(number - 1, size)
                area = painter.viewport()
                fitted = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(area.topLeft(), fitted), image)
                printed += 1
        finally:
            painter.end()
        return printed


def preview(parent: QWidget | None, title: str, make_pdf: Callable[..., bytes], file_name: str) -> None:
    """Show a form in the preview, modal, until it is closed."""
    PrintPreviewDialog(parent, title, make_pdf, file_name).exec()
