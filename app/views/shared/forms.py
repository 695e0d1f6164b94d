"""Shared form helpers: marking wrong fields, showing errors without tracebacks."""
from __future__ import annotations

import logging

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QMessageBox, QVBoxLayout, QWidget

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


class FieldErrors:
    """Maps a service's field names to the widgets that show them."""

    def __init__(self, general: QLabel):
        self.general = general
        self.fields: dict[str, tuple[QWidget, QLabel]] = {}

    def add(self, name: str, widget: QWidget, label: QLabel | None = None) -> QLabel:
        label = label or error_label()
        self.fields[name] = (widget, label)
        return label

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
        if first is not None:
            first.setFocus()


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the user what went wrong, in their language; never a traceback."""
    if isinstance(exc, DeskError):
        message = exc.message
    else:
        log.error("unexpected error", exc_info=exc)
        message = _("Something went wrong and the action was not completed. "
                    "Details were written to the log file.")
    QMessageBox.warning(parent, _("Neighbourhood Desk"), message)


class FormDialog(QDialog):
    """A dialog of labelled fields. OK calls `save()`, which calls a service: a
    ValidationError marks the fields it names, any other DeskError is shown, and
    the dialog stays open; nothing else closes it."""

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

    def save(self) -> None:
        raise NotImplementedError

    def accept(self) -> None:
        if try_save(self, self.errors, self.save):
            super().accept()


def try_save(parent: QWidget, errors: FieldErrors, save) -> bool:
    """Call `save()`: a ValidationError marks its fields, any other DeskError is shown; True if saved."""
    errors.clear()
    try:
        save()
    except ValidationError as exc:
        errors.show(exc)
        return False
    except DeskError as exc:
        show_error(parent, exc)
        return False
    return True
