"""Shared form behaviour (views/shared/forms.py): errors that go away once a field is
corrected, and half-filled forms that are not thrown away by one stray Esc."""
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QHBoxLayout,
                               QLineEdit, QMessageBox, QSpinBox, QWidget)

from app.errors import ValidationError
from app.services import counter
from app.views.counter.receive_dialog import ReceiveDialog
from app.views.residents.dialog import ResidentDialog
from app.views.settings.centre_dialog import CentreDialog
from app.views.shared.forms import FieldErrors, error_label
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese


def shown(errors: FieldErrors) -> dict[str, str]:
    return {name: label.text() for name, (_w, label) in errors.fields.items() if not label.isHidden()}


def test_a_fields_error_goes_away_when_that_field_changes(app, qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    line, combo, day, check, spin = QLineEdit(), QComboBox(), QDateEdit(), QCheckBox(), QSpinBox()
    combo.addItems(["a", "b"])
    row = QWidget()  # a container (a row of several fields): nothing to watch
    QHBoxLayout(row).addWidget(QLineEdit())
    errors = FieldErrors(error_label())
    widgets = {"line": line, "combo": combo, "day": day, "check": check, "spin": spin, "row": row}
    for name, widget in widgets.items():
        errors.add(name, widget)
    everything = ValidationError({name: f"wrong {name}" for name in widgets})
    errors.show(everything)
    assert set(shown(errors)) == set(widgets) and line.property("invalid") is True
    line.setText("x")
    combo.setCurrentIndex(1)
    day.setDate(QDate(2020, 1, 2))
    check.setChecked(True)
    spin.setValue(3)
    assert shown(errors) == {"row": "wrong row"}  # only the container keeps its error
    assert line.property("invalid") is False and combo.property("invalid") is False
    errors.show(everything)  # marked again after the next save attempt
    assert set(shown(errors)) == set(widgets)


def test_the_resident_dialogs_id_error_goes_once_the_number_is_corrected(app, db, qtbot, admin):
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.name_edit, "曾小梅")
    qtbot.keyClicks(dialog.id_edit, "350581198503150021")  # a wrong check digit
    dialog.save()
    settle(qtbot)
    assert "id_number" in shown(dialog.errors) and dialog.id_edit.property("invalid") is True
    qtbot.keyClick(dialog.id_edit, Qt.Key.Key_Backspace)
    assert "id_number" not in shown(dialog.errors) and dialog.id_edit.property("invalid") is False
    assert dialog.isVisible()


def test_the_receive_dialogs_proxy_errors_go_field_by_field(app, db, registry, qtbot):
    counter.ensure_default_catalogue(db, actor=ADMIN)
    dialog = ReceiveDialog(db, actor=ADMIN, resident_id=registry["陈安"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.category_combo.setCurrentIndex(1)
    type_chinese(dialog.description, "代办医保报销")
    dialog.proxy_check.setChecked(True)
    dialog.accept()
    settle(qtbot)
    assert {"proxy_agent", "proxy_matter"} <= set(shown(dialog.errors))
    type_chinese(dialog.proxy_agent, "林燕")
    assert "proxy_agent" not in shown(dialog.errors) and dialog.proxy_agent.property("invalid") is False
    assert "proxy_matter" in shown(dialog.errors)  # still wrong: still marked
    type_chinese(dialog.proxy_matter, "医保报销")
    assert "proxy_matter" not in shown(dialog.errors)


@pytest.fixture
def asked(monkeypatch):
    """The "discard what you filled in?" question, answered with `asked.answer`."""
    questions = []

    def question(parent, title, text, *args, **kwargs):
        questions.append(text)
        return question.answer

    question.answer = QMessageBox.StandardButton.Cancel
    question.questions = questions
    monkeypatch.setattr(QMessageBox, "question", question)
    return question


def test_an_untouched_form_closes_at_once_on_esc(app, db, qtbot, admin, asked):
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert asked.questions == []


def test_an_opened_record_is_not_input_until_the_user_changes_it(app, db, registry, qtbot, admin, asked):
    dialog = ResidentDialog(db, registry["蔡良剑"], actor=admin)  # the constructor fills every field
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and asked.questions == []


def test_esc_on_a_half_filled_form_asks_first(app, db, qtbot, admin, asked):
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.name_edit, "曾小梅")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert asked.questions == ["放弃已填写的内容？点“取消”可继续填写。"]
    assert dialog.isVisible() and dialog.name_edit.text() == "曾小梅"  # keep editing
    asked.answer = QMessageBox.StandardButton.Discard
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert len(asked.questions) == 2 and not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_a_form_dialog_asks_too_and_the_program_can_close_it_unasked(app, db, qtbot, admin, asked):
    dialog = CentreDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.phone_edit, "0595")
    dialog.reject()
    assert dialog.isVisible() and len(asked.questions) == 1
    dialog.discard()  # e.g. another person signed in at the locked desk
    assert not dialog.isVisible() and len(asked.questions) == 1
    dialog.show()
    dialog.close()  # close() from the program decides by itself
    assert not dialog.isVisible() and len(asked.questions) == 1


def test_a_receive_dialog_with_a_choice_made_asks_before_closing(app, db, registry, qtbot, asked):
    counter.ensure_default_catalogue(db, actor=ADMIN)
    dialog = ReceiveDialog(db, actor=ADMIN, resident_id=registry["陈安"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and asked.questions == []  # the requester came with it: nothing typed
    dialog = ReceiveDialog(db, actor=ADMIN, resident_id=registry["陈安"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.urgency_combo.setCurrentIndex(1)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(asked.questions) == 1
