"""One way to write from the window.

    writes.save(self, lambda: residents.add_resident(db, data, actor=actor),
                topic=notices.RESIDENTS, errors=self.errors, on_saved=self.done, busy=self.buttons)

The service call runs on the worker (views/worker.py), so a second desk holding the
database lock never freezes the window; while it runs `busy` is disabled. Back on the GUI
thread a ValidationError marks the fields it names (`errors`), any other error is shown in
words, and a success sends the change notice `topic` itself before `on_saved(result)`.
The notice goes to `notices` or, if none is given, to the first parent that has one
(the main window and every tab keep theirs in `.notice`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.errors import ValidationError
from app.views.notices import Notices
from app.views.shared.forms import FieldErrors, show_error
from app.views.worker import run_in_background


def notices_of(widget: QObject | None) -> Notices | None:
    """The change-notice signal of the nearest parent that has one."""
    while widget is not None:
        found = getattr(widget, "notice", None)
        if isinstance(found, Notices):
            return found
        widget = widget.parent()
    return None


def save(parent: QWidget, call: Callable[[], Any], *, topic: str | Iterable[str] | None = None,
         errors: FieldErrors | None = None, on_saved: Callable[[Any], None] | None = None,
         on_failed: Callable[[Exception], None] | None = None, busy: QWidget | None = None,
         notices: Notices | None = None, on_progress: Callable[[int, int], None] | None = None,
         report_errors: bool = True) -> None:
    """Run the service call `call()` on the worker; see the module's docstring. A long write
    (an import) takes `call(progress)` with `on_progress`; `report_errors=False` leaves showing
    an error to `on_failed` (a wizard page that says it in place)."""
    if errors is not None:
        errors.clear()
    if busy is not None:
        busy.setEnabled(False)
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    target = notices or notices_of(parent)

    def finish() -> None:
        QApplication.restoreOverrideCursor()
        if busy is not None:
            busy.setEnabled(True)

    def done(result: Any) -> None:
        finish()
        if target is not None and topic:
            for what in ((topic,) if isinstance(topic, str) else topic):
                target.changed.emit(what)
        if on_saved is not None:
            on_saved(result)

    def failed(exc: Exception) -> None:
        finish()
        if not report_errors:
            pass
        elif isinstance(exc, ValidationError) and errors is not None:
            errors.show(exc)
        else:
            show_error(parent, exc)
        if on_failed is not None:
            on_failed(exc)

    job = call if on_progress is not None else (lambda _progress: call())
    run_in_background(parent, job, on_done=done, on_error=failed, on_progress=on_progress)
