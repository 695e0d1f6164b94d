"""When someone last pressed a key or moved the mouse: the idle lock and the garbage collector ask.

It watches the top-level windows, not the whole application: an application-wide Python event
filter runs Python for every event of every widget (paint, layout, timers), and while a worker
thread runs Python each of those calls waits for the interpreter lock — a progress bar's repaint
then stalls the window for 100 ms and more. A window sees the keyboard and mouse before its widgets.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication

_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                 QEvent.Type.InputMethod}


class Activity(QObject):
    input_seen = Signal()  # a key, click, mouse movement or wheel turn in any of the program's windows

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.last_input = time.monotonic()
        self._watched: set[int] = set()
        app.focusWindowChanged.connect(self.watch)  # a dialog opening gets the focus: watched from then on
        for window in app.topLevelWindows():
            self.watch(window)

    def watch(self, window: QWindow | None) -> None:
        if window is not None and id(window) not in self._watched:
            self._watched.add(id(window))
            window.installEventFilter(self)
            window.destroyed.connect(lambda _obj=None, key=id(window): self._watched.discard(key))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self.last_input = time.monotonic()
            self.input_seen.emit()
        return False


def activity() -> Activity:
    """The application's one watcher, made on first use."""
    app = QApplication.instance()
    found = getattr(app, "_activity", None)
    if found is None:
        found = app._activity = Activity(app)
    return found
