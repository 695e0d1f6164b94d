"""The day-care tab, driven like the desk drives it: a USB scanner typing into the box, the board,
the paper sheet, enrolment and the health-notes lock."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app.i18n import _
from app.services import daycare, privacy, residents
from app.services.access import GRID_WORKER, Actor
from app.services.daycare import Contact, ProfileInput
from app.services.residents import ResidentInput
from app.services.validators import check_char
from app.views.daycare import desk as desk_module
from app.views.daycare.dialogs import ConsentDialog, ProfileDialog
from app.views.daycare.paper import PaperDialog, parse_time
from app.views.daycare.tab import DaycareTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese

TODAY = dt.date.today()
SINCE = TODAY - dt.timedelta(days=60)


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


LIN_ID = id_number("35058119380203001")


def at(hh: int, mm: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


@pytest.fixture
def elders(db):
    """陈阿婆 (taken home by her son 陈建国 or daughter 陈小梅), 林阿公 (may go home alone; ID number),
    王奶奶 (paused), 黄伯 (not enrolled)."""
    daycare.seed(db, actor=ADMIN)
    normal, soft, _liquid, _sugar, salt = [c.id for c in daycare.list_choices(db, daycare.DIETS)]
    ids = {}
    for name, number, phone in (("陈阿婆", id_number("35058119400101002"), "13800000001"),
                                ("林阿公", LIN_ID, "13800000002"),
                                ("王奶奶", id_number("35058119450304002"), ""),
                                ("黄伯", id_number("35058119500405001"), ""),
                                ("陈建国", id_number("35058119700506001"), "13900000009")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, id_number=number, phone=phone), actor=ADMIN)
    every_day = frozenset(range(7))
    daycare.enrol(db, ProfileInput(ids["陈阿婆"], SINCE, daycare.SELF_CARE, normal, weekdays=every_day,
                                   pickups=[Contact(ids["陈建国"], relation="儿子"),
                                            Contact(None, "陈小梅", "13700000007", "女儿")]), actor=ADMIN)
    daycare.enrol(db, ProfileInput(ids["林阿公"], SINCE, daycare.PARTIAL, soft, allergies="花生",
                                   weekdays=every_day, may_leave_alone=True), actor=ADMIN)
    daycare.enrol(db, ProfileInput(ids["王奶奶"], SINCE, daycare.DEPENDENT, salt, weekdays=every_day),
                  actor=ADMIN)
    daycare.pause(db, ids["王奶奶"], SINCE + dt.timedelta(days=1), None, "住院", actor=ADMIN)
    return ids


@pytest.fixture
def clock():
    return {"now": at(8, 30)}


@pytest.fixture
def tab(app, db, elders, clock, qtbot):
    widget = DaycareTab(db, Notices(), actor=ADMIN, clock=lambda: clock["now"])
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    settle(qtbot)  # the first load runs on the worker
    return widget


@pytest.fixture
def beeps(monkeypatch):
    heard = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: heard.append(1)))
    return heard


def card(db, resident_id: int) -> str:
    return "ND:" + residents.get_resident(db, resident_id).member_code


def scan_keys(qtbot, tab, text: str) -> None:
    """As a USB scanner (or an ID-card reader in keyboard mode) types: the characters, then Enter."""
    QTest.keyClicks(tab.desk.box, text)
    QTest.keyClick(tab.desk.box, Qt.Key.Key_Return)
    settle(qtbot)  # the scan, then the board's reload
    settle(qtbot)


def board_names(tab, kind: str) -> list[str]:
    return [row.name for row in tab.board_models[kind].rows]


def test_a_card_scan_checks_in_and_the_next_checks_out_with_who_took_her_home(tab, db, elders, clock, qtbot,
                                                                            monkeypatch):
    scan_keys(qtbot, tab, card(db, elders["陈阿婆"]))

    assert tab.desk.outcome == daycare.CHECKED_IN
    assert "陈阿婆" in tab.desk.result.text() and "08:30" in tab.desk.result.text()
    assert tab.desk.box.text() == "" and tab.window().focusWidget() is tab.desk.box
    assert board_names(tab, "in_now") == ["陈阿婆"] and "陈阿婆" not in board_names(tab, "expected")
    assert tab.board_headings["in_now"].text() == _("In now ({n})").format(n="1")

    asked = {}

    def pick_the_son(dialog):
        dialog.show()
        asked["choices"] = [b.text() for b in dialog.buttons]
        qtbot.mouseClick(dialog.buttons[0], Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(desk_module.TakenHomeDialog, "exec", pick_the_son)
    clock["now"] = at(16, 5)
    scan_keys(qtbot, tab, card(db, elders["陈阿婆"]))

    # Her son and daughter were offered; "went home alone" was not (she may not).
    assert asked["choices"] == ["陈建国 (儿子)", "陈小梅 (女儿)"]
    assert tab.desk.outcome == daycare.CHECKED_OUT and "陈建国" in tab.desk.result.text()
    [record] = daycare.attendance(db, TODAY)
    assert record.checked_out_at == at(16, 5) and record.taken_home_by.relative_id == elders["陈建国"]
    assert board_names(tab, "gone_home") == ["陈阿婆"] and board_names(tab, "in_now") == []
    assert tab.board_models["gone_home"].index(0, 3).data() == "陈建国 (儿子)"
    assert tab.window().focusWidget() is tab.desk.box


def test_someone_else_taking_an_elder_home_needs_name_phone_and_relation(tab, db, elders, clock, qtbot,
                                                                          monkeypatch):
    scan_keys(qtbot, tab, card(db, elders["陈阿婆"]))
    marked = {}

    def neighbour(dialog):
        dialog.show()
        dialog.name_edit.setText("李大姐")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
        marked.update({k: label.text() for k, (_w, label) in dialog.errors.fields.items() if label.text()})
        dialog.phone_edit.setText("13600000006")
        type_chinese(dialog.relation_edit, "邻居")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(desk_module.TakenHomeDialog, "exec", neighbour)
    clock["now"] = at(15, 0)
    scan_keys(qtbot, tab, card(db, elders["陈阿婆"]))

    assert set(marked) == {"phone", "relation"}
    [record] = daycare.attendance(db, TODAY)
    assert record.taken_home_by.name == "李大姐" and record.taken_home_by.relation == "邻居"


def test_an_id_number_checks_in_and_a_repeat_within_a_minute_is_only_noted(tab, db, elders, clock, qtbot, beeps):
    scan_keys(qtbot, tab, LIN_ID)
    assert tab.desk.outcome == daycare.CHECKED_IN and "林阿公" in tab.desk.result.text()

    clock["now"] = at(8, 30) + dt.timedelta(seconds=20)
    scan_keys(qtbot, tab, LIN_ID)

    assert tab.desk.outcome == daycare.IGNORED
    assert "林阿公" in tab.desk.result.text()
    assert len(daycare.attendance(db, TODAY)) == 1 and beeps == []
    assert tab.window().focusWidget() is tab.desk.box


def test_an_unknown_card_and_a_paused_elder_are_refused_with_a_beep_and_nothing_recorded(tab, db, elders, qtbot,
                                                                                        beeps):
    scan_keys(qtbot, tab, "ND:ZZZZZZZZ")
    assert tab.desk.outcome == daycare.REFUSED and beeps == [1]
    assert "#b71c1c" in tab.desk.result.styleSheet()

    scan_keys(qtbot, tab, card(db, elders["王奶奶"]))
    assert tab.desk.outcome == daycare.REFUSED and "王奶奶" in tab.desk.result.text() and beeps == [1, 1]
    assert daycare.attendance(db, TODAY) == [] and board_names(tab, "in_now") == []
    assert tab.window().focusWidget() is tab.desk.box


def test_a_name_typed_in_the_box_finds_enrolled_elders_only_and_enter_checks_in(tab, db, elders, qtbot):
    type_chinese(tab.desk.box, "陈")
    qtbot.waitUntil(lambda: tab.desk.matches.isVisible())
    # 陈建国 is a resident but not an elder.
    assert [row[0] for row in tab.desk.matches_model.rows] == ["陈阿婆"]
    QTest.keyClick(tab.desk.box, Qt.Key.Key_Return)
    settle(qtbot)
    settle(qtbot)
    assert tab.desk.outcome == daycare.CHECKED_IN and board_names(tab, "in_now") == ["陈阿婆"]
    assert not tab.desk.matches.isVisible()


def test_after_closing_time_the_board_says_who_is_still_here(tab, db, elders, clock, qtbot):
    scan_keys(qtbot, tab, card(db, elders["陈阿婆"]))
    scan_keys(qtbot, tab, LIN_ID)
    assert tab.board_headings["in_now"].text() == _("In now ({n})").format(n="2")

    clock["now"] = at(17, 30)
    tab.refresh()
    settle(qtbot)

    assert tab.board.still_here and tab.board_headings["in_now"].text() == _("Still here at closing ({n})").format(n="2")
    assert board_names(tab, "in_now") == ["陈阿婆", "林阿公"]


def test_a_correction_needs_a_reason_and_changes_the_times(tab, db, elders, qtbot, monkeypatch):
    from app.views.daycare.dialogs import CorrectionDialog

    scan_keys(qtbot, tab, LIN_ID)
    tab.board_views["in_now"].selectRow(0)
    assert tab.correct_button.isEnabled()
    seen = {}

    def fix(dialog):
        dialog.show()
        dialog.in_edit.setTime(dialog.in_edit.time().fromString("08:10", "HH:mm"))
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        seen["error"] = dialog.errors.fields["reason"][1].text()
        type_chinese(dialog.reason_edit, "扫码枪故障，补录")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(CorrectionDialog, "exec", fix)
    qtbot.mouseClick(tab.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot)

    assert seen["error"]
    [record] = daycare.attendance(db, TODAY)
    assert record.checked_in_at == at(8, 10) and record.corrected


def test_a_past_day_is_entered_from_the_paper_sheet_all_or_nothing(app, db, elders, qtbot):
    day = TODAY - dt.timedelta(days=3)
    holder = DaycareTab(db, Notices(), actor=ADMIN)
    qtbot.addWidget(holder)
    dialog = PaperDialog(db, holder, actor=ADMIN, day=day)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [line["name"] for line in dialog.model.lines]
    if not names:  # a weekend or holiday on the calendar: nobody expected, both are added by hand
        for name in ("陈阿婆", "林阿公"):
            dialog.add_combo.setCurrentIndex(dialog.add_combo.findText(name))
            dialog.add_elder()
        names = [line["name"] for line in dialog.model.lines]
    assert set(names) == {"陈阿婆", "林阿公"}  # the paused elder is not expected
    chen, lin = names.index("陈阿婆"), names.index("林阿公")
    model = dialog.model

    def put(row, column, value, role=Qt.ItemDataRole.EditRole):
        model.setData(model.index(row, column), value, role)

    put(chen, 1, "８：０５")  # full-width, as an IME in 全角 mode types it
    put(chen, 2, "1530")
    put(chen, 3, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    put(chen, 4, "儿子")
    put(lin, 1, "9:00")
    put(lin, 2, "8:00")  # out before in: the service refuses the line
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)

    assert set(model.errors) == {lin} and daycare.attendance(db, day) == []
    assert model.index(lin, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert dialog.errors.general.isVisibleTo(dialog) and dialog.errors.general.text()

    put(lin, 2, "16:00")
    assert model.errors == {}
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)

    assert dialog.written == 2
    records = {r.name: r for r in daycare.attendance(db, day)}
    assert records["陈阿婆"].checked_in_at == dt.datetime.combine(day, dt.time(8, 5))
    assert records["陈阿婆"].from_paper and records["林阿公"].checked_out_at.time() == dt.time(16, 0)
    lunch = {r.name: r.served for r in daycare.day_meals(db, day, daycare.LUNCH).rows}
    assert lunch["陈阿婆"]


def test_paper_times_are_read_as_written():
    assert parse_time("8:30") == dt.time(8, 30) and parse_time("830") == dt.time(8, 30)
    assert parse_time("１６：０５") == dt.time(16, 5) and parse_time("") is None
    for bad in ("8", "25:00", "noon"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_a_resident_is_enrolled_through_the_profile_dialog(tab, db, elders, qtbot, monkeypatch):
    seen = {}

    def fill_in(dialog):
        dialog.show()
        seen["locked"] = not dialog.health_edit.isEnabled() and dialog.consent_button.isVisibleTo(dialog)
        dialog.care_combo.setCurrentIndex(dialog.care_combo.findData(daycare.PARTIAL))
        type_chinese(dialog.allergies_edit, "青霉素")
        for number, check in enumerate(dialog.day_checks):
            check.setChecked(number in (0, 2, 4))
        dialog.pickups.name_edit.setText("黄小明")
        dialog.pickups.phone_edit.setText("13500000005")
        dialog.pickups.relation_edit.setText("孙子")
        qtbot.mouseClick(dialog.pickups.add_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(ProfileDialog, "exec", fill_in)
    tab.for_resident(elders["黄伯"])
    settle(qtbot)

    assert seen["locked"]
    profile = daycare.get_profile(db, elders["黄伯"], actor=ADMIN)
    assert profile.care_level == daycare.PARTIAL and profile.allergies == "青霉素"
    assert profile.weekdays == frozenset({0, 2, 4})
    assert [(c.name, c.relation) for c in profile.pickups] == [("黄小明", "孙子")]
    assert tab.pages.currentIndex() == 1 and tab.current_elder_id() == elders["黄伯"]


def test_health_notes_stay_locked_until_a_consent_is_recorded(tab, db, elders, qtbot, monkeypatch):
    rid = elders["林阿公"]
    dialog = ProfileDialog(db, rid, daycare.get_profile(db, rid, actor=ADMIN), tab, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.health_edit.isEnabled() and dialog.health_state() == "locked"
    assert dialog.consent_button.isVisibleTo(dialog) and dialog.health_note.isVisibleTo(dialog)

    def consent(consent_dialog):
        consent_dialog.show()
        qtbot.mouseClick(consent_dialog.verbal_radio, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(consent_dialog.buttons.button(consent_dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        settle(qtbot)
        assert consent_dialog.errors.fields["witness"][1].text()  # a verbal consent needs a witness
        type_chinese(consent_dialog.witness_edit, "林燕")
        qtbot.mouseClick(consent_dialog.buttons.button(consent_dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        settle(qtbot)
        return consent_dialog.result()

    monkeypatch.setattr(ConsentDialog, "exec", consent)
    qtbot.mouseClick(dialog.consent_button, Qt.MouseButton.LeftButton)

    assert privacy.has_consent(db, rid, daycare.HEALTH_CONSENT)
    assert dialog.health_edit.isEnabled() and not dialog.consent_button.isVisibleTo(dialog)
    type_chinese(dialog.health_edit, "高血压，按时服药")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert daycare.get_profile(db, rid, actor=ADMIN).health_notes == "高血压，按时服药"


def test_a_role_without_the_health_permission_sees_the_notes_hidden(app, db, elders, qtbot):
    worker = Actor("网格员", GRID_WORKER)
    rid = elders["林阿公"]
    dialog = ProfileDialog(db, rid, daycare.get_profile(db, rid, actor=worker), None, actor=worker)
    qtbot.addWidget(dialog)
    assert not dialog.health_edit.isEnabled() and dialog.health_edit.toPlainText() == ""
    assert not dialog.consent_button.isVisibleTo(dialog)


def test_meals_are_ticked_in_the_grid_and_the_kitchen_order_follows(tab, db, elders, qtbot):
    tab.pages.setCurrentIndex(2)
    model = tab.meals_model
    row = model.row_of(elders["林阿公"])
    assert model.index(row, 3).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked  # reserved by default
    model.setData(model.index(row, 4), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    settle(qtbot)
    settle(qtbot)
    [meal] = [m for m in daycare.day_meals(db, TODAY, daycare.LUNCH).rows if m.resident_id == elders["林阿公"]]
    assert meal.delivery and meal.stored
    assert "林阿公" in tab.kitchen_label.text() and "花生" in tab.kitchen_label.text()
    tab.walk_in_spin.setValue(4)
    qtbot.mouseClick(tab.walk_in_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert daycare.day_meals(db, TODAY, daycare.LUNCH).walk_ins == 4


# -- printing, the figures export and the closing time --------------------------------------------

@pytest.fixture
def previews(monkeypatch, qtbot):
    """Print previews record the PDF they made instead of waiting for a person."""
    from app.views.shared import print_preview

    made = []

    def fake_exec(self):
        qtbot.waitUntil(lambda: self.pdf is not None, timeout=20000)
        made.append((self.windowTitle(), self.pdf, self.file_name))
        return 0

    monkeypatch.setattr(print_preview.PrintPreviewDialog, "exec", fake_exec)
    return made


def pdf_words(pdf: bytes) -> str:
    from tests.reports.conftest import pdf_text

    return "".join("".join(pdf_text(pdf)).split())


def click_ok(qtbot, prepare=None):
    """A dialog's exec(): optionally set it up, then OK as a person clicks it."""
    def run(dialog):
        dialog.show()
        if prepare is not None:
            prepare(dialog)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()
    return run


@pytest.fixture
def lunches(db, elders, tab, qtbot):
    """A lunch price since enrolment; 陈阿婆 and 林阿公 checked in today (lunch served)."""
    standard = daycare.list_choices(db, daycare.SUBSIDIES)[0].id
    daycare.set_price(db, daycare.PriceInput(daycare.LUNCH, standard, SINCE, 1500, 500), actor=ADMIN)
    for name in ("陈阿婆", "林阿公"):
        daycare.scan(db, elders[name], at=at(8, 30), actor=ADMIN)
    tab.refresh()
    settle(qtbot)


def test_the_print_menu_shows_each_day_care_form_in_the_preview(tab, db, elders, lunches, qtbot, monkeypatch,
                                                                 previews):
    from app.views.daycare.printing import DayDialog, MonthDialog

    monkeypatch.setattr(DayDialog, "exec", click_ok(qtbot))
    assert tab.print_button.isEnabled() and tab.pages.cornerWidget() is not None
    tab.print_sign_in_action.trigger()
    title, pdf, file_name = previews[-1]
    assert title == _("Print preview — {title}").format(title=_("Day-care sign-in sheet"))
    assert "陈阿婆" in pdf_words(pdf) and "林阿公" in pdf_words(pdf) and "王奶奶" not in pdf_words(pdf)  # paused
    assert TODAY.isoformat() in file_name

    tab.print_kitchen_action.trigger()
    assert _("Kitchen order") in previews[-1][0] and "林阿公" in pdf_words(previews[-1][1])  # named: peanut allergy

    tab.select_elder(elders["林阿公"])  # "only the selected elder" is offered for the bills
    settle(qtbot)
    offered = {}

    def only_lin(dialog):
        offered["choices"] = [dialog.whose_combo.itemText(i) for i in range(dialog.whose_combo.count())]
        dialog.whose_combo.setCurrentIndex(1)

    monkeypatch.setattr(MonthDialog, "exec", click_ok(qtbot, only_lin))
    tab.print_bills_action.trigger()
    assert offered["choices"][1] == _("Only {name}").format(name="林阿公")
    words = pdf_words(previews[-1][1])
    assert "林阿公" in words and "陈阿婆" not in words and "10.00" in words  # 15.00 less 5.00 subsidy

    monkeypatch.setattr(MonthDialog, "exec", click_ok(qtbot))
    tab.print_bills_action.trigger()
    words = pdf_words(previews[-1][1])
    assert "林阿公" in words and "陈阿婆" in words
    tab.print_summary_action.trigger()
    assert _("Day-care month summary") in previews[-1][0] and "10.00" in pdf_words(previews[-1][1])  # subsidy paid
    assert len(previews) == 5


def test_a_cancelled_choice_prints_nothing_and_a_grid_worker_has_no_print_menu(app, tab, db, qtbot, monkeypatch,
                                                                              previews):
    from app.views.daycare.printing import DayDialog

    monkeypatch.setattr(DayDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    tab.print_sign_in()
    assert previews == []
    other = DaycareTab(db, Notices(), actor=Actor("网格员", GRID_WORKER))
    qtbot.addWidget(other)
    assert not other.print_button.isEnabled() and other.export_button.isEnabled()  # figures hold no names


def test_the_figures_are_exported_to_a_workbook_whose_cells_hold_them(tab, db, elders, lunches, qtbot, monkeypatch,
                                                                      tmp_path):
    from openpyxl import load_workbook
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from app.views.daycare.printing import FiguresDialog

    asked, told = {}, []
    monkeypatch.setattr(FiguresDialog, "exec", click_ok(qtbot))

    def save_as(parent, caption, name, filters):
        asked["name"] = name
        return str(tmp_path / "figures"), filters  # no extension typed: .xlsx is added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text: told.append(text)))
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told), timeout=10000)
    first = TODAY.replace(day=1)
    assert first.isoformat() in asked["name"] and tab.export_button.isEnabled()
    path = tmp_path / "figures.xlsx"
    assert told == [_("The day-care figures were saved to {path}.").format(path=path)]
    book = load_workbook(path)
    figures = dict(list(book[_("Day-care figures")].iter_rows(values_only=True))[1:])
    assert figures[_("Attendance (person-days)")] == 2 and figures[_("Elders who came")] == 2
    assert figures[_("{meal} served").format(meal=_("Lunch"))] == 2
    assert figures[_("Subsidy paid (yuan)")] == 10  # 2 × 5.00 yuan
    assert figures[_("First day")].date() == first


def test_the_closing_time_is_set_in_its_dialog_and_the_board_follows(tab, db, elders, clock, qtbot):
    from PySide6.QtCore import QTime

    from app.views.daycare.settings import ClosingTimeDialog

    daycare.scan(db, elders["陈阿婆"], at=at(8, 30), actor=ADMIN)
    clock["now"] = at(16, 15)
    dialog = ClosingTimeDialog(db, tab, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.time_edit.time() == QTime(17, 0)
    dialog.time_edit.setTime(QTime(16, 0))
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    settle(qtbot)
    settle(qtbot)  # the notice reloads the board
    assert daycare.closing_time(db) == dt.time(16, 0)
    assert tab.board_headings["in_now"].text() == _("Still here at closing ({n})").format(n="1")
    assert "16:00" in tab.board_status.text()
