"""The after-school tab, driven like the desk drives it: enrolment and the waiting list, a card
scanned into the box, the sign-out dialog (an adult on the list, and someone who is not), the
end-of-day list, and what a role that may not see children's phones or allergies is shown."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.i18n import _
from app.services import afterschool, residents
from app.services.access import VIEWER, Actor
from app.services.afterschool import ChildInput, ClassInput, ConsentInput, PickupInput
from app.services.residents import ResidentInput
from app.views.afterschool.dialogs import EnrolDialog, SignOutDialog
from app.views.afterschool.tab import CLASS_LIST, STILL_HERE, AfterSchoolTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese

TODAY = dt.date.today()


def at(hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY, dt.time(hh, mm))


@pytest.fixture
def people(db):
    """Three children (9, 8 and 10 years old), their mother 王芳 and 书法班 with one place."""
    afterschool.seed(db, actor=ADMIN)
    ids = {}
    for name, birth, phone in (("王芳", dt.date(1988, 5, 1), "13800001111"),
                               ("李小明", TODAY.replace(year=TODAY.year - 9, day=1), ""),
                               ("李小红", TODAY.replace(year=TODAY.year - 8, day=1), ""),
                               ("李小刚", TODAY.replace(year=TODAY.year - 10, day=1), "")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, birth_date=birth, phone=phone,
                                                             gender="F" if name == "王芳" else "M"), actor=ADMIN)
    for child, allergies in (("李小明", "花生"), ("李小红", ""), ("李小刚", "")):
        afterschool.save_child(db, ChildInput(
            resident_id=ids[child], school="实验小学", grade=3, allergies=allergies,
            pickup=[PickupInput(relative_id=ids["王芳"], relation="妈妈", guardian=True)],
            consent=ConsentInput(given_by="王芳", given_by_resident_id=ids["王芳"], given_on=TODAY)), actor=ADMIN,
            today=TODAY)
    type_id = afterschool.list_choices(db)[0].id
    ids["class"] = afterschool.add_class(db, ClassInput(
        name="书法班", type_id=type_id, term_start=TODAY - dt.timedelta(days=30),
        term_end=TODAY + dt.timedelta(days=60), weekdays=frozenset(range(7)), start_time=dt.time(15, 0),
        end_time=dt.time(17, 30), room="201", capacity=1), actor=ADMIN)
    return ids


def make_tab(db, qtbot, actor=ADMIN, now=None):
    widget = AfterSchoolTab(db, Notices(), actor=actor, clock=lambda: now or at(16, 0))
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot)  # the first load runs on the worker
    return widget


@pytest.fixture
def tab(app, db, people, qtbot):
    return make_tab(db, qtbot)


def answer(monkeypatch, qtbot, dialog_class, act):
    """Replace a dialog's exec(): show it, let `act(dialog)` click, wait for the save."""
    seen = []

    def run(dialog):
        dialog.show()
        seen.append(dialog)
        act(dialog)
        settle(qtbot)
        return dialog.result() if callable(dialog.result) else (1 if dialog.isHidden() else 0)

    monkeypatch.setattr(dialog_class, "exec", run)
    return seen


def click_ok(dialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()


def status_texts(tab) -> list[str]:
    return tab.enrolment_model.texts(1)


def enrol_now(db, people, child: str) -> None:
    afterschool.enrol(db, people["class"], people[child], actor=ADMIN, today=TODAY)


def row_of(model, name: str) -> int:
    return next(i for i, r in enumerate(model.rows) if r.name == name)


def test_enrolling_a_child_in_a_class_with_a_free_place(tab, db, people, qtbot, monkeypatch):
    seen = answer(monkeypatch, qtbot, EnrolDialog, click_ok)
    assert tab.class_model.texts(4) == ["0 / 1 / 0"]

    tab.enrol(people["李小明"])
    settle(qtbot)

    assert "李小明" in seen[0].windowTitle()
    assert "李小明" in tab.status_line.text()
    assert tab.pages.currentIndex() == CLASS_LIST
    assert tab.enrolment_model.texts(0) == ["李小明"] and status_texts(tab) == [_("Enrolled")]
    assert tab.class_model.texts(4) == ["1 / 1 / 0"]  # enrolled / capacity / waiting, always shown


def test_a_full_class_puts_the_next_child_on_the_waiting_list_at_position_1(tab, db, people, qtbot, monkeypatch):
    enrol_now(db, people, "李小明")
    tab.refresh()
    settle(qtbot)
    seen = answer(monkeypatch, qtbot, EnrolDialog, click_ok)

    tab.enrol(people["李小红"])
    settle(qtbot)

    waiting = _("Waiting, No. {n}").format(n="1")
    intro = [w.text() for w in seen[0].findChildren(type(tab.heading)) if "李小红" in w.text()]
    assert intro and "1" in intro[0]
    assert tab.enrolment_model.texts(0) == ["李小明", "李小红"]
    assert status_texts(tab) == [_("Enrolled"), waiting]
    assert "李小红" in tab.status_line.text() and "1" in tab.status_line.text()
    assert tab.class_model.texts(4) == ["1 / 1 / 1"]


@pytest.fixture
def present(db, people):
    """李小明 enrolled and signed in at 15:05."""
    enrol_now(db, people, "李小明")
    afterschool.mark(db, people["class"], TODAY, people["李小明"], afterschool.PRESENT, actor=ADMIN, at=at(15, 5))


def choose_child(tab, qtbot, name: str) -> None:
    tab.refresh()
    settle(qtbot)
    row = row_of(tab.session_model, name)
    tab.session_view.selectRow(row)
    tab.session_view.setCurrentIndex(tab.session_model.index(row, 0))


def test_signing_out_to_an_adult_on_the_list(app, db, people, present, qtbot, monkeypatch):
    tab = make_tab(db, qtbot, now=at(17, 0))
    choose_child(tab, qtbot, "李小明")
    assert tab.sign_out_button.isEnabled()
    offered = {}

    def pick_mother(dialog):
        offered["buttons"] = [b.text() for b in dialog.buttons]
        offered["warning shown"] = dialog.warning.isVisible()
        qtbot.mouseClick(dialog.buttons[0], Qt.MouseButton.LeftButton)

    answer(monkeypatch, qtbot, SignOutDialog, pick_mother)
    qtbot.mouseClick(tab.sign_out_button, Qt.MouseButton.LeftButton)
    settle(qtbot)

    # The mother, her relation and phone (staff may see it); no "went home alone" (he may not).
    assert len(offered["buttons"]) == 1 and "王芳" in offered["buttons"][0] and "13800001111" in offered["buttons"][0]
    assert not offered["warning shown"]
    assert "李小明" in tab.status_line.text() and "王芳" in tab.status_line.text()
    settle(qtbot)
    row = row_of(tab.session_model, "李小明")
    assert tab.session_model.index(row, 3).data() == "17:00"
    assert "王芳" in tab.session_model.index(row, 4).data()
    assert tab.session_model.index(row, 5).data() == ""  # not late, on the list


def test_someone_not_on_the_list_needs_name_phone_relation_and_a_reason(app, db, people, present, qtbot,
                                                                         monkeypatch):
    tab = make_tab(db, qtbot, now=at(17, 0))
    choose_child(tab, qtbot, "李小明")
    steps = {}

    def someone_else(dialog):
        assert not dialog.warning.isVisible()
        dialog.other_box.setChecked(True)
        steps["warning"] = dialog.warning.isVisible() and dialog.warning.text() == _(
            "⚠ This person is not on the child's list. Check who they are and call a guardian before letting the "
            "child go. The pick-up and your reason are recorded.")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
        steps["empty refused"] = dialog.isVisible() and all(
            dialog.errors.fields[k][1].isVisible() for k in ("name", "phone", "relation", "reason"))
        type_chinese(dialog.name_edit, "张阿姨")
        QTest.keyClicks(dialog.phone_edit, "13900002222")
        type_chinese(dialog.relation_edit, "邻居")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
        steps["no reason refused"] = dialog.isVisible() and dialog.errors.fields["reason"][1].isVisible()
        steps["nothing written"] = afterschool.session_view(db, people["class"], TODAY, actor=ADMIN).children[0] \
            .signed_out_at is None
        type_chinese(dialog.reason_edit, "妈妈来电话同意")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)

    answer(monkeypatch, qtbot, SignOutDialog, someone_else)
    tab.sign_out()
    settle(qtbot)

    assert steps == {"warning": True, "empty refused": True, "no reason refused": True, "nothing written": True}
    row = row_of(tab.session_model, "李小明")
    assert "张阿姨" in tab.session_model.index(row, 4).data()
    assert _("Not on the list") in tab.session_model.index(row, 5).data()


def test_a_card_scanned_into_the_box_signs_the_child_in(tab, db, people, qtbot):
    enrol_now(db, people, "李小明")
    tab.refresh()
    settle(qtbot)
    assert tab.session_model.texts(1) == [_("Not marked")]

    QTest.keyClicks(tab.scan_box, "ND:" + residents.get_resident(db, people["李小明"]).member_code)
    QTest.keyClick(tab.scan_box, Qt.Key.Key_Return)
    settle(qtbot)
    settle(qtbot)

    assert tab.outcome == afterschool.SIGNED_IN and "李小明" in tab.status_line.text()
    assert tab.scan_box.text() == ""
    assert tab.session_model.texts(1) == [_("Present")] and tab.session_model.texts(2) == ["16:00"]


def test_still_here_lists_a_child_signed_in_and_not_out(app, db, people, present, qtbot):
    tab = make_tab(db, qtbot, now=at(18, 0))
    tab.pages.setCurrentIndex(STILL_HERE)

    assert tab.still_model.texts(0) == ["李小明"]
    assert tab.still_model.texts(4) == [_("Overdue")]  # 17:30 + 15 minutes has passed
    assert "13800001111" in tab.still_model.texts(5)[0]
    assert "李小明" not in tab.still_heading.text() and "1" in tab.still_heading.text()
    assert tab.current_label()[1] is True


def test_a_viewer_sees_masked_phones_and_no_allergies(app, db, people, present, qtbot):
    tab = make_tab(db, qtbot, actor=Actor("访客", VIEWER), now=at(17, 0))

    assert tab.session_model.texts(0) == ["李小明"]
    assert tab.session_model.texts(6) == [""]  # no allergy marker, no text
    [guardians] = tab.still_model.texts(5)
    assert "王芳" in guardians and "13800001111" not in guardians and "*" in guardians
    assert not tab.scan_box.isEnabled() and not tab.enrol_button.isEnabled()


def test_staff_see_the_allergy_marker(tab, db, people, present, qtbot):
    tab.refresh()
    settle(qtbot)
    assert tab.session_model.texts(6) == ["⚠ 花生"]


def test_the_figures_go_to_excel_from_the_print_menu(tab, db, people, present, qtbot, monkeypatch, tmp_path):
    import openpyxl
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    assert tab.export_action.isEnabled()
    tab.export_figures((TODAY.replace(day=1), TODAY), str(tmp_path / "figures"))
    settle(qtbot)

    book = openpyxl.load_workbook(tmp_path / "figures.xlsx")
    figures = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert figures[_("Attendance (person-times)")] == 1  # 李小明, present today
    assert said == [_("The after-school figures were saved to {path}.").format(path=tmp_path / "figures.xlsx")]
    assert not make_tab(db, qtbot, actor=Actor("访客", VIEWER)).export_action.isEnabled()
