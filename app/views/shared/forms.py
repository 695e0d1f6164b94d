"""Shared form helpers: marking wrong fields, showing errors without tracebacks."""
from __future__ import annotations

import logging

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QDateTimeEdit, QDialog,
                               QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QMessageBox,
                               QPlainTextEdit, QSpinBox, QTextEdit, QVBoxLayout, QWidget)

from app.errors import DeskError, ValidationError
from app.i18n import _

log = logging.getLogger(__name__)

# Applied once to the application: a wrong field gets a red frame.
INVALID_STYLE = """
*[invalid="true"] { border: 1px solid #c62828; background: #fff4f4; }
QLabel[role="error"] { color: #c62828; }
QLabel[role="hint"] { color: #555555; }
"""


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def change_signals(widget: QWidget) -> list[SignalInstance]:
    """The signals an input widget sends when its value changes; none for a container (a row of
    several fields), whose parts are watched one by one where it matters."""
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        return [widget.textChanged]
    if isinstance(widget, QComboBox):
        return [widget.currentIndexChanged, widget.editTextChanged] if widget.isEditable() \
            else [widget.currentIndexChanged]
    if isinstance(widget, QDateTimeEdit):  # QDateEdit and QTimeEdit too
        return [widget.dateTimeChanged]
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return [widget.valueChanged]
    if isinstance(widget, QAbstractButton):
        return [widget.toggled]
    changed = getattr(widget, "changed", None)  # a shared input widget such as DateRange
    return [changed] if isinstance(changed, SignalInstance) else []


class FieldErrors:
    """Maps a service's field names to the widgets that show them. A field's error goes away
    as soon as that field is changed."""

    def __init__(self, general: QLabel):
        self.general = general
        self.fields: dict[str, tuple[QWidget, QLabel]] = {}

    def add(self, name: str, widget: QWidget, label: QLabel | None = None) -> QLabel:
        label = label or error_label()
        self.fields[name] = (widget, label)
        for signal in change_signals(widget):
            signal.connect(lambda *_args, n=name: self.clear_field(n))
        return label

    def clear_field(self, name: str) -> None:
        widget, label = self.fields[name]
        if label.isHidden() and not widget.property("invalid"):
            return  # nothing shown: no restyling on every key press
        _set_invalid(widget, False)
        label.hide()
        label.clear()

    def clear(self) -> None:
        for widget, label in self.fields.values():
            _set_invalid(widget, False)
            label.hide()
            label.clear()
        self.general.hide()
        self.general.clear()

    def show(self, error: ValidationError) -> None:
        self.clear()
        rest = []
        first = None
        for name, message in error.fields.items():
            if name in self.fields:
                widget, label = self.fields[name]
                _set_invalid(widget, True)
                label.setText(message)
                label.show()
                first = first or widget
            else:
                rest.append(message)
        if rest:
            self.general.setText("\n".join(rest))
            self.general.show()
        fit_height(self.general.window())
        if first is not None:
            first.setFocus()


def fit_height(window: QWidget) -> None:
    """Grow a window to the height its layout now needs (error lines shown under the fields), so the
    buttons never sit over the last field; never shrinks it, keeps its width."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    need = (layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth()
            else layout.totalSizeHint().height())
    if need > window.height():
        window.resize(window.width(), need)


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the user what went wrong, in their language; never a traceback."""
    if isinstance(exc, DeskError):
        message = exc.message
    else:
        log.error("unexpected error", exc_info=exc)
        message = _("Something went wrong and the action was not completed. "
                    "Details were written to the log file.")
    QMessageBox.warning(parent, _("Neighbourhood Desk"), message)


# The widgets whose changes count as input the user would lose by closing a form.
_INPUT_WIDGETS = (QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox, QAbstractButton)


class SavingDialog(QDialog):
    """A dialog whose OK runs its write through views/shared/writes.py; while the write runs,
    Cancel (or Esc) waits for it: the save under way decides whether the dialog closes.

    Cancel, Esc or the window's close button on a form the user has changed since it was
    opened asks before the input is thrown away; `discard()` closes without asking. A dialog
    that only chooses something (a period, a filter) sets `confirm_discard = False`."""

    confirm_discard = True
    _saving = False
    _dirty = False
    _watching = False

    def showEvent(self, event) -> None:
        if not self._watching:
            # From the first showing on: what the constructor filled in is not the user's input.
            self._watching = True
            for widget in self.findChildren(QWidget):
                if isinstance(widget, _INPUT_WIDGETS) and widget.window() is self:
                    for signal in change_signals(widget):
                        signal.connect(self._mark_dirty)
        super().showEvent(event)

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    def is_dirty(self) -> bool:
        """Whether the user changed anything since the dialog was first shown."""
        return self._dirty

    def discard(self) -> None:
        """Close at once, throwing away what was filled in (e.g. when someone else signs in)."""
        QDialog.reject(self)

    def closeEvent(self, event) -> None:
        if event.spontaneous():  # the window's close button: like Cancel
            super().closeEvent(event)
        elif not self._saving:  # close() from the program: it has decided, nobody to ask
            self.discard()
            event.accept()
        else:
            event.ignore()

    def save_through(self, call, *, topic: str | None, errors: FieldErrors | None, on_saved,
                     on_failed=None, busy: QWidget | None = None) -> None:
        from app.views.shared import writes

        self._saving = True

        def saved(result) -> None:
            self._saving = False
            on_saved(result)

        def failed(exc) -> None:
            self._saving = False
            if on_failed is not None:
                on_failed(exc)

        writes.save(self, call, topic=topic, errors=errors, on_saved=saved, on_failed=failed, busy=busy)

    def reject(self) -> None:
        if self._saving:
            return
        if self.confirm_discard and self._dirty and QMessageBox.question(
                self, self.windowTitle(),
                _("Discard what you have filled in? Cancel goes back to the form."),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel) != QMessageBox.StandardButton.Discard:
            return
        super().reject()


class FormDialog(SavingDialog):
    """A dialog of labelled fields. OK calls `prepare()`, which reads the widgets and returns
    the service call; views/shared/writes.py runs it on the worker. A ValidationError marks
    the fields it names, any other error is shown, and the dialog stays open; a success sends
    the change notice `topic`, calls `saved(result)` and closes the dialog."""

    topic: str | None = None  # the change notice a save sends (views/notices.py)

    def __init__(self, title: str, fields: list[tuple[str, str, QWidget]], parent: QWidget | None = None,
                 *, intro: str = "", ok_button=QDialogButtonBox.StandardButton.Ok, min_width: int = 420):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(min_width)
        self.errors = FieldErrors(error_label())
        form = QFormLayout()
        for label, key, widget in fields:
            form.addRow(label, widget)
            form.addRow("", self.errors.add(key, widget))
        self.buttons = QDialogButtonBox(ok_button | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

    def prepare(self):
        """Read the widgets (on the GUI thread) and return the service call that saves them,
        or None when the dialog only chooses something and writes nothing."""
        raise NotImplementedError

    def saved(self, result) -> None:
        """After a successful save, before the dialog closes."""

    def accept(self) -> None:
        self.errors.clear()
        try:
            call = self.prepare()  # may refuse what the widgets hold before anything is written
        except ValidationError as exc:
            self.errors.show(exc)
            return
        except DeskError as exc:
            show_error(self, exc)
            return
        if call is None:  # a dialog that only chooses (a period, a filter) writes nothing
            self.saved(None)
            super().accept()
            return

        def saved(result) -> None:
            self.saved(result)
            super(FormDialog, self).accept()

        self.save_through(call, topic=self.topic, errors=self.errors, on_saved=saved, busy=self.buttons)
