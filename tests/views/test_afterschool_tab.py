"""The after-school tab, driven like the desk drives it: enrolment and the waiting list, a card
scanned into the box, the sign-out dialog (an adult on the list, and someone who is not), the
end-of-day list, and what a role that may not see children's phones or allergies is shown."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from app.i18n import _
from app.services import afterschool, residents
from app.services.access import GRID_WORKER, VIEWER, Actor
from app.services.afterschool import ChildInput, ClassInput, ConsentInput, PickupInput
from app.services.residents import ResidentInput
from app.views.afterschool.dialogs import EnrolDialog, PickupEditor, SignOutDialog
from app.views.afterschool.tab import CLASS_LIST, SESSIONS, STILL_HERE, AfterSchoolTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import answer, settle, type_chinese

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
    assert tab.session_model.headerData(5, Qt.Orientation.Horizontal) == _("Late / not on list")
    # Not a normal pick-up: the amber ⚠ line says the person was not on the list.
    assert tab.outcome == afterschool.IGNORED
    assert tab.status_line.text().count("⚠") == 1 and "张阿姨" in tab.status_line.text()
    assert _("{name} signed out to {who}, who is not on the list; the reason is recorded.").format(
        name="李小明", who=_("{name} ({relation})").format(name="张阿姨", relation="邻居")) in tab.status_line.text()


def signed_out(db, people) -> bool:
    return afterschool.session_view(db, people["class"], TODAY, actor=ADMIN).children[0].signed_out_at is not None


def test_enter_never_signs_a_child_out_to_an_adult_nobody_clicked(app, db, people, present, qtbot, monkeypatch):
    tab = make_tab(db, qtbot, now=at(17, 0))
    choose_child(tab, qtbot, "李小明")
    steps = {}

    def press_enter(dialog):
        steps["no default"] = not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))
        steps["adult not focused"] = dialog.focusWidget() not in dialog.buttons
        QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
        dialog.buttons[0].setFocus()  # even on the mother's button, Enter is not a click
        QTest.keyClick(dialog.buttons[0], Qt.Key.Key_Return)
        settle(qtbot)
        steps["open, nothing recorded"] = dialog.isVisible() and not signed_out(db, people)
        dialog.other_box.setChecked(True)
        type_chinese(dialog.name_edit, "张阿姨")
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # means "sign out to this person": refused
        settle(qtbot)
        steps["refused"] = dialog.isVisible() and not dialog.errors.fields["name"][1].isVisible() and all(
            dialog.errors.fields[k][1].isVisible() for k in ("phone", "relation", "reason"))
        steps["nobody signed out"] = not signed_out(db, people)
        dialog.discard()

    answer(monkeypatch, qtbot, SignOutDialog, press_enter)
    tab.sign_out()
    settle(qtbot)

    assert steps == {"no default": True, "adult not focused": True, "open, nothing recorded": True,
                     "refused": True, "nobody signed out": True}
    assert not signed_out(db, people) and tab.outcome == "hint"


def test_the_sign_out_dialog_grows_to_show_the_warning_and_every_error(app, db, people, present, qtbot,
                                                                       monkeypatch):
    tab = make_tab(db, qtbot, now=at(17, 0))
    choose_child(tab, qtbot, "李小明")
    steps = {}

    def whole(label) -> bool:
        return label.isVisible() and label.height() >= label.heightForWidth(label.width())

    def refuse(dialog):
        steps["labels hidden"] = not any(label.isVisible() for label in dialog.other_labels)
        dialog.other_box.setChecked(True)
        steps["labels shown"] = all(label.isVisible() for label in dialog.other_labels)
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
        labels = [dialog.warning] + [dialog.errors.fields[k][1] for k in ("name", "phone", "relation", "reason")]
        steps["empty: all readable"] = all(whole(label) for label in labels)
        type_chinese(dialog.name_edit, "张阿姨")
        QTest.keyClicks(dialog.phone_edit, "12")
        type_chinese(dialog.relation_edit, "邻居")
        type_chinese(dialog.reason_edit, "妈妈来电话同意")
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        settle(qtbot)  # the service refuses the phone
        steps["bad phone: readable"] = whole(dialog.warning) and whole(dialog.errors.fields["phone"][1])
        dialog.discard()

    answer(monkeypatch, qtbot, SignOutDialog, refuse)
    tab.sign_out()
    settle(qtbot)

    assert steps == {"labels hidden": True, "labels shown": True, "empty: all readable": True,
                     "bad phone: readable": True}
    assert not signed_out(db, people)


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
    # 17:30 + 15 minutes has passed: how long past the end, not the header's word again.
    assert tab.still_model.texts(4) == [_("{n} min over").format(n="30")]
    assert "13800001111" in tab.still_model.texts(5)[0]
    assert "李小明" not in tab.still_heading.text() and "1" in tab.still_heading.text()
    assert tab.current_label()[1] is True


@pytest.mark.parametrize("role", [VIEWER, GRID_WORKER])
def test_a_viewer_sees_the_classes_and_counts_but_no_child(app, db, people, present, qtbot, monkeypatch, role):
    asked = []
    for name in ("session_view", "class_list", "still_here", "get_child"):
        monkeypatch.setattr(afterschool, name, lambda *a, _n=name, **k: asked.append(_n))
    tab = make_tab(db, qtbot, actor=Actor("访客", role), now=at(17, 0))
    tab.pages.setCurrentIndex(STILL_HERE)

    assert asked == []  # nothing of the children is read for this role
    assert tab.class_model.texts(0) == ["书法班"] and tab.class_model.texts(4) == ["1 / 1 / 0"]
    line = _("Your role may not see the children's details.")
    for page in (0, CLASS_LIST, STILL_HERE):
        shown = tab.pages.widget(page).currentWidget()
        assert isinstance(shown, QLabel) and shown.text() == line and shown.isVisibleTo(tab.pages.widget(page))
    assert not tab.still_view.isVisibleTo(tab) and not tab.session_view.isVisibleTo(tab.pages.widget(0))
    texts = [w.text() for w in tab.findChildren(QLabel) if w.isVisibleTo(tab)] + [
        m.index(r, c).data() or "" for m in (tab.session_model, tab.enrolment_model, tab.still_model)
        for r in range(m.rowCount()) for c in range(m.columnCount())]
    assert not any(name in text for text in texts for name in ("李小明", "王芳"))
    assert not tab.profile_button.isEnabled() and not tab.scan_box.isEnabled() and not tab.enrol_button.isEnabled()
    assert _("Your role may not take attendance.") in tab.status_line.text()


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


def test_the_enrol_dialog_says_the_range_and_the_child_s_grade_before_ok(tab, db, people, qtbot, monkeypatch):
    type_id = afterschool.list_choices(db)[0].id
    older = afterschool.add_class(db, ClassInput(
        name="奥数班", type_id=type_id, term_start=TODAY - dt.timedelta(days=30),
        term_end=TODAY + dt.timedelta(days=60), weekdays=frozenset(range(7)), start_time=dt.time(15, 0),
        end_time=dt.time(17, 30), room="202", capacity=10, grade_min=4, grade_max=6), actor=ADMIN)
    tab.select_class(older)
    settle(qtbot)
    steps = {}

    def ok_without_then_with_a_reason(dialog):
        rule = _("the class is for {range}; {name} is in {grade}").format(
            range="{}–{}".format(_(afterschool.GRADES[4]), _(afterschool.GRADES[6])), name="李小明",
            grade=_(afterschool.GRADES[3]))
        steps["said at once"] = dialog.range_note.isVisible() and rule in dialog.range_note.text()
        steps["reason field"] = dialog.range_edit.isVisible() and dialog.range_edit.height() >= \
            dialog.range_edit.sizeHint().height()
        click_ok(dialog)
        settle(qtbot)
        error = dialog.errors.fields["out_of_range"][1]
        steps["refused"] = dialog.isVisible() and error.text() == _("Please give a reason.") and rule in \
            dialog.range_note.text()
        steps["not squashed"] = dialog.range_edit.height() >= dialog.range_edit.sizeHint().height() and \
            error.height() >= error.heightForWidth(error.width()) and \
            dialog.range_note.height() >= dialog.range_note.heightForWidth(dialog.range_note.width())
        type_chinese(dialog.range_edit, "老师同意")
        click_ok(dialog)

    answer(monkeypatch, qtbot, EnrolDialog, ok_without_then_with_a_reason)
    tab.enrol(people["李小明"])
    settle(qtbot)

    assert steps == {"said at once": True, "reason field": True, "refused": True, "not squashed": True}
    assert tab.enrolment_model.texts(0) == ["李小明"] and status_texts(tab) == [_("Enrolled")]


def test_a_child_already_on_the_list_is_told_at_once(tab, db, people, qtbot, monkeypatch):
    enrol_now(db, people, "李小明")
    enrol_now(db, people, "李小红")  # waiting, No. 1
    tab.refresh()
    settle(qtbot)
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    seen = answer(monkeypatch, qtbot, EnrolDialog, click_ok)

    tab.enrol(people["李小红"])
    tab.enrol(people["李小明"])

    assert seen == []  # no enrol dialog opened
    assert said == [_("{name} is already on the waiting list of {cls}, at position {n}.").format(
        name="李小红", cls="书法班", n="1"), _("{name} is already enrolled in {cls}.").format(name="李小明", cls="书法班")]


def test_the_status_line_goes_back_to_the_hint_on_another_day_or_class(tab, db, people, qtbot):
    ready = _("Ready: scan a card, or choose a child and a button.")
    assert ready in tab.status_line.text()
    tab.show_line(afterschool.IGNORED, "李小红 候补")
    tab.day_edit.setDate(tab.day_edit.date().addDays(1))
    settle(qtbot)
    assert tab.outcome == "hint" and ready in tab.status_line.text()

    other = afterschool.add_class(db, ClassInput(
        name="围棋班", type_id=afterschool.list_choices(db)[0].id, term_start=TODAY, term_end=TODAY,
        weekdays=frozenset(range(7)), start_time=dt.time(15, 0), end_time=dt.time(16, 0), capacity=5), actor=ADMIN)
    tab.show_line(afterschool.SIGNED_IN, "李小明")
    tab.select_class(other)
    settle(qtbot)
    assert tab.outcome == "hint" and ready in tab.status_line.text()


def test_a_child_offered_a_place_takes_it_but_is_not_enrolled(tab, db, people, qtbot):
    enrol_now(db, people, "李小明")
    enrol_now(db, people, "李小红")
    [first] = [e for e in afterschool.class_list(db, people["class"], actor=ADMIN) if e.resident_id == people["李小明"]]
    afterschool.withdraw(db, first.id, "搬家", actor=ADMIN, on=TODAY)  # 李小红 is offered the place
    tab.refresh()
    settle(qtbot)

    assert tab.class_model.texts(4) == ["1 / 1 / 0"]
    assert tab.class_model.headerData(4, Qt.Orientation.Horizontal) == _("Taken / max / wait")
    assert "已占 / 名额 / 候补：1 / 1 / 0" in tab.heading.text()
    assert tab.list_count.text() == _("{enrolled} enrolled, {offered} offered a place, {waiting} waiting").format(
        enrolled="0", offered="1", waiting="0")


def test_a_parent_from_the_family_is_the_father_or_the_mother(app, db, people, qtbot):
    father = residents.add_resident(db, ResidentInput(name="李军", gender="M"), actor=ADMIN)
    aunt = residents.add_resident(db, ResidentInput(name="王丽", gender="F"), actor=ADMIN)
    child = people["李小明"]
    residents.link_family(db, child, people["王芳"], "parent", actor=ADMIN)
    residents.link_family(db, child, father, "parent", actor=ADMIN)
    residents.link_family(db, child, aunt, "other", actor=ADMIN)
    editor = PickupEditor(db, residents.get_resident(db, child).links, [])
    qtbot.addWidget(editor)

    for action in editor.family_button.menu().actions():
        action.trigger()

    relations = {p.name: (p.relation, p.guardian) for p in editor.people}
    assert relations == {"王芳": (_("Mother"), True), "李军": (_("Father"), True),
                         "王丽": (_(residents.RELATIONS["other"][0]), False)}


def test_a_cancelled_day_s_message_has_its_own_line(tab, db, people, qtbot):
    afterschool.cancel_session(db, people["class"], TODAY, "老师生病，今天停课一次，请家长提前安排接送", actor=ADMIN)
    tab.refresh()
    settle(qtbot)

    label = tab.session_label
    assert "老师生病" in label.text()
    assert label.geometry().top() >= tab.today_button.geometry().bottom()  # below the day bar, not beside it
    assert label.width() > tab.today_button.geometry().right()  # the page's width to wrap in
    tab.pages.setCurrentIndex(SESSIONS)
    assert tab.term_model.texts(3).count(_("As scheduled")) == len(tab.term_model.rows) - 1


def test_the_print_button_is_whole_at_1366_pixels(tab, qtbot):
    from PySide6.QtCore import QPoint

    tab.resize(1366, 740)
    qtbot.wait(50)
    button = tab.print_button
    assert button.isVisible() and button.width() >= button.sizeHint().width()
    assert button.height() >= button.sizeHint().height() - 4
    assert button.mapTo(tab, QPoint(button.width(), 0)).x() <= tab.width()
