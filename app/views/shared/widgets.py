"""Small helpers the feature tabs and their dialogs share (day care, after-school, alliance)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMenu, QMessageBox, QPushButton, QWidget

from app.i18n import _
from app.views.shared.forms import show_error
from app.views.worker import run_in_background


def button_bar(*widgets, stretch_at: int | None = None) -> QHBoxLayout:
    """The widgets in a row; the free space goes before widget `stretch_at` (after the last when None)."""
    bar = QHBoxLayout()
    for number, widget in enumerate(widgets):
        if number == stretch_at:
            bar.addStretch(1)
        bar.addWidget(widget)
    if stretch_at is None or stretch_at >= len(widgets):
        bar.addStretch(1)
    return bar


def push_button(text: str, handler, tooltip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.clicked.connect(lambda _checked=False: handler())  # handler() never gets `checked`
    if tooltip:
        button.setToolTip(tooltip)
    return button


def field_row(*widgets, stretch: bool = True) -> QWidget:
    """Widgets side by side as one field of a form (a widget, so a refusal can frame it red)."""
    box = QWidget()
    box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    if stretch:
        layout.addStretch(1)
    return box


def print_corner() -> tuple[QWidget, QPushButton, QMenu]:
    """A tab's Print button for the corner of its pages, and the menu to fill. A push button sizes
    itself with its menu arrow, and the margin keeps it off the window's edge (a tool button in
    the corner was clipped, the arrow over the text)."""
    button = QPushButton(_("Print"))
    button.setAutoDefault(False)
    corner = QWidget()
    layout = QHBoxLayout(corner)
    layout.setContentsMargins(0, 0, 6, 2)
    layout.addWidget(button)
    menu = QMenu(button)
    button.setMenu(menu)
    return corner, button, menu


def export_xlsx(parent: QWidget, control, file_name: str, write: Callable[[str], object], saved: str, *,
                path: str | None = None, refocus: Callable[[], None] | None = None) -> None:
    """Run `write(path)` on the worker, to `path` or to an .xlsx chosen in a save dialog (`file_name`
    suggested). `control` (the button or menu entry that asked) is off meanwhile; `saved`, with
    {path}, says where the file went; `refocus` gives the focus back (a scan box) after each dialog."""
    if path is None:
        path, _filter = QFileDialog.getSaveFileName(parent, _("Export to Excel"), file_name,
                                                    _("Excel files (*.xlsx)"))
        if refocus is not None:
            refocus()
    if not path:
        return
    if not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    control.setEnabled(False)

    def done(_result) -> None:
        control.setEnabled(True)
        QMessageBox.information(parent, _("Export to Excel"), saved.format(path=path))
        if refocus is not None:
            refocus()

    def failed(exc: Exception) -> None:
        control.setEnabled(True)
        show_error(parent, exc)

    run_in_background(parent, lambda _progress: write(path), on_done=done, on_error=failed)
