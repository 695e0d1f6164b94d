import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt

from app.errors import ValidationError
from app.views.shared.date_range import DateRange

TODAY = dt.date(2026, 3, 18)


@pytest.fixture
def period(app, qtbot):
    widget = DateRange(dt.date(2026, 3, 1), dt.date(2026, 3, 31), today=TODAY)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose_quick(qtbot, period, label):
    """Pick a quick choice from the drop-down as a person does, with the keyboard."""
    combo = period.quick_combo
    combo.setFocus()
    target = combo.findText(label)
    assert target >= 0, label
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


def test_an_end_before_the_start_is_marked_and_refused(period, qtbot):
    changes = []
    period.changed.connect(lambda: changes.append(period.dates()))
    period.to_edit.setFocus()
    period.to_edit.setDate(QDate(2026, 2, 20))
    assert changes[-1] == (dt.date(2026, 3, 1), dt.date(2026, 2, 20))
    assert not period.is_valid() and period.to_edit.property("invalid") is True
    with pytest.raises(ValidationError) as refused:
        period.range()
    assert refused.value.fields == {"date_to": "结束日期早于开始日期。"}
    period.from_edit.setDate(QDate(2026, 2, 1))
    assert period.range() == (dt.date(2026, 2, 1), dt.date(2026, 2, 20))
    assert period.to_edit.property("invalid") is False


def test_quick_choices_set_both_dates_and_show_what_they_are(period, qtbot):
    assert period.quick_combo.currentText() == "本月"  # 1–31 March is this month
    changes = []
    period.changed.connect(lambda: changes.append(period.range()))
    choose_quick(qtbot, period, "上月")
    assert period.range() == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert changes[-1] == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    choose_quick(qtbot, period, "今年")
    assert period.range() == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    period.choose("last_year")
    assert period.range() == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert period.quick_combo.currentText() == "去年"
    period.from_edit.setDate(QDate(2025, 6, 1))  # dates of one's own: no quick choice
    assert period.quick_combo.currentIndex() == 0 and period.quick_combo.currentText() == "自选日期"


def test_january_looks_back_to_december(app, qtbot):
    period = DateRange(today=dt.date(2026, 1, 10))
    qtbot.addWidget(period)
    assert period.range() == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    period.choose("last_month")
    assert period.range() == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
