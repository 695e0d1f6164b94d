"""What a locked desk shows: nothing personal.

While the sign-in box waits, the main window's tabs are taken out (a plain panel with the
centre's name stands in their place) and every other window of the program — an open resident
record, a message box, a print preview — gets an opaque cover. Covering instead of hiding keeps
a dialog's modal loop running, so the person who signs in again finds their half-filled form
as they left it; when someone else signs in, the windows are closed instead (MainWindow.lock).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QToolTip, QVBoxLayout, QWidget
from shiboken6 import isValid

from app.i18n import _


def _label(text: str, name: str, scale: float) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def _panel_layout(widget: QWidget, heading: str, *, large: bool) -> None:
    layout = QVBoxLayout(widget)
    layout.addStretch(1)
    if heading:
        layout.addWidget(_label(heading, "lockedCentre", 2.0 if large else 1.4))
    layout.addWidget(_label(_("Locked. Sign in to go on."), "lockedMessage", 1.4 if large else 1.1))
    layout.addStretch(1)


class LockedPanel(QWidget):
    """Stands in for the main window's tabs while the desk is locked."""

    def __init__(self, centre_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lockedPanel")
        _panel_layout(self, centre_name or _("Neighbourhood Desk"), large=True)


class LockCover(QWidget):
    """An opaque panel over the whole of another window; it follows the window's size and
    stays above any child added while it is there."""

    def __init__(self, target: QWidget):
        super().__init__(target)
        self.target = target
        self.setObjectName("lockCover")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        _panel_layout(self, "", large=False)
        self.setGeometry(target.rect())
        target.installEventFilter(self)
        self.raise_()
        self.show()

    def paintEvent(self, event) -> None:
        color = self.palette().color(QPalette.ColorRole.Window)
        color.setAlpha(255)
        QPainter(self).fillRect(self.rect(), color)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.target:
            if event.type() == QEvent.Type.Resize:
                self.setGeometry(self.target.rect())
            elif event.type() == QEvent.Type.ChildAdded and event.child() is not self:
                self.raise_()
        return False

    def remove(self) -> None:
        self.target.removeEventFilter(self)
        self.hide()
        self.setParent(None)  # gone from the window at once
        self.deleteLater()


class LockScreen:
    """Hides everything personal in `window` and the program's other windows until `lift()`."""

    def __init__(self, window: QMainWindow, centre_name: str):
        self.window = window
        app = QApplication.instance()
        self.focus = app.focusWidget()
        self.active = app.activeWindow()
        QToolTip.hideText()
        while (popup := app.activePopupWidget()) is not None:  # an open list of a combo box, a menu
            popup.close()
        self.central = window.takeCentralWidget()  # out of the window, not only painted over
        self.panel = LockedPanel(centre_name)
        window.setCentralWidget(self.panel)
        self.panel.show()  # now, not when the event loop gets round to it
        window.statusBar().clearMessage()  # a message may name someone
        self.covers = [LockCover(w) for w in app.topLevelWidgets()
                       if w is not window and w.isVisible()
                       and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup)]

    def covered_windows(self) -> list[QWidget]:
        """The windows that were open when the desk locked and are still there."""
        return [cover.target for cover in self.covers if isValid(cover.target) and cover.target.isVisible()]

    def lift(self, *, restore_focus: bool = True) -> None:
        """Show everything again (the same person signed in, or before the windows are closed)."""
        for cover in self.covers:
            if isValid(cover) and isValid(cover.target):  # a window may have closed itself meanwhile
                cover.remove()
        self.covers = []
        self.window.takeCentralWidget()
        self.panel.deleteLater()
        if self.central is not None:
            self.window.setCentralWidget(self.central)
            self.central.show()
        if restore_focus:
            if self.active is not None and isValid(self.active) and self.active.isVisible():
                self.active.activateWindow()
            if self.focus is not None and isValid(self.focus) and self.focus.isVisible():
                self.focus.setFocus()
