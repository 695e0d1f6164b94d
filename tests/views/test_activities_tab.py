"""The activities tab, driven as the desk drives it: a new activity typed into the form (a wrong time and a
missing target group marked red, then saved), a member card scanned into its participants (green, then
amber for the same card, red for an unknown one), several residents picked at once, the headcount
typed, volunteer points credited in one step, the totals line under the list, a delete confirmed, and
the forms printed from the tab."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.i18n import _
from app.services import activities, alliance, points, residents
from app.services.access import VIEWER, Actor
from app.services.activities import ActivityInput, PartnerInput
from app.services.points import OCCASION
from app.views.activities.dialog import ActivityDialog, CreditDialog, PickResidentsDialog
from app.views.activities.tab import ADDED, REFUSED, THERE, ActivitiesTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import answer, settle, shown, type_chinese

TODAY = dt.date.today()


@pytest.fixture
def kinds(db):
    activities.seed(db, actor=ADMIN)
    return {c.name: c.id for c in activities.choices.list_choices(db, activities.ACTIVITY_TYPES)}


def make_tab(db, qtbot, actor=ADMIN):
    return shown(ActivitiesTab(db, Notices(), actor=actor), qtbot, height=760)



def click_ok(dialog, qtbot) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    settle(qtbot)


def invalid(widget) -> bool:
    return bool(widget.property("invalid"))


def card(db, resident_id: int) -> str:
    return "ND:" + residents.get_resident(db, resident_id).member_code


def activity(db, kinds, title="重阳节义诊", headcount=0, **more) -> int:
    data = ActivityInput(held_on=TODAY, title=title, activity_type_id=kinds["义诊"], target_group="elderly",
                         headcount=headcount, **more)
    return activities.add_activity(db, data, actor=ADMIN)


def test_a_new_activity_typed_in_with_wrong_fields_marked_red_then_saved(db, qtbot, kinds, monkeypatch):
    tab = make_tab(db, qtbot)
    assert tab.heading.text() == _("No activities in this period yet: record one with “New activity…”.")
    steps = []

    def fill(dialog: ActivityDialog) -> None:
        type_chinese(dialog.title_edit, "重阳节义诊进社区")
        dialog.type_combo.setCurrentIndex(dialog.type_combo.findText("义诊"))
        QTest.keyClicks(dialog.start_edit, "9:00")
        QTest.keyClicks(dialog.end_edit, "25:99")  # not a time
        type_chinese(dialog.venue_edit, "二楼多功能厅")
        dialog.partners_box.kind_combo.setCurrentIndex(dialog.partners_box.kind_combo.findData("body"))
        type_chinese(dialog.partners_box.name_edit, "镇卫生院")
        dialog.partners_box.add_button.click()
        dialog.headcount_spin.setValue(12)
        click_ok(dialog, qtbot)
        steps.append(("time", dialog.isVisible(), invalid(dialog.end_edit) and not invalid(dialog.start_edit),
                      dialog.errors.fields["starts_at"][1].text()))
        dialog.end_edit.clear()
        type_chinese(dialog.end_edit, "１１：３０")  # full-width, as a Chinese IME in 全角 types it
        click_ok(dialog, qtbot)  # the target group is not chosen: the service says so
        steps.append(("group", dialog.isVisible(), invalid(dialog.group_combo),
                      dialog.errors.fields["target_group"][1].text()))
        dialog.group_combo.setCurrentIndex(dialog.group_combo.findData("elderly"))
        assert not invalid(dialog.group_combo)  # the mark goes once the field changes
        click_ok(dialog, qtbot)

    seen = answer(monkeypatch, qtbot, ActivityDialog, fill)
    tab.new_button.click()
    settle(qtbot)
    assert steps[0] == ("time", True, True, _("Type the time as HH:MM, e.g. 09:30, or leave it empty."))
    assert steps[1] == ("group", True, True, _("Please choose whom the activity is for."))
    assert not seen[0].isVisible() and seen[0].saved_id is not None
    row = tab.activity_model.rows[0]
    assert (row.title, row.activity_type, row.venue, row.partners, row.headcount) == (
        "重阳节义诊进社区", "义诊", "二楼多功能厅", "镇卫生院", 12)
    assert (row.starts_at, row.ends_at) == (dt.time(9, 0), dt.time(11, 30))
    assert tab.activity_model.texts(1) == ["09:00–11:30"]
    assert tab.detail.row.id == seen[0].saved_id  # the new activity is the chosen one, its pane open


def test_an_edit_saved_at_another_desk_meanwhile_is_not_undone(db, qtbot, kinds, monkeypatch):
    aid = activity(db, kinds)
    tab = make_tab(db, qtbot)
    messages = []

    def fill(dialog: ActivityDialog) -> None:
        detail = activities.get_activity(db, aid)  # another desk saves first
        activities.update_activity(db, aid, ActivityInput(**{**detail.data.__dict__, "venue": "活动室"}), actor=ADMIN)
        dialog.title_edit.setText("重阳节义诊（改）")
        click_ok(dialog, qtbot)
        messages.append((dialog.isVisible(), dialog.errors.general.text()))
        dialog.discard()

    answer(monkeypatch, qtbot, ActivityDialog, fill)
    tab.edit_button.click()
    settle(qtbot)
    assert messages == [(True, _("This activity was changed at another desk meanwhile; close the form and open it "
                                 "again to see the change, then make yours."))]
    assert activities.get_activity(db, aid).row.title == "重阳节义诊"


def test_scanning_member_cards_adds_participants_with_the_status_line_coloured(db, qtbot, kinds, registry):
    aid = activity(db, kinds)
    tab = make_tab(db, qtbot)
    assert tab.detail.row.id == aid and tab.outcome == "hint"
    QTest.keyClicks(tab.scan_box, card(db, registry["蔡良剑"]))
    QTest.keyClick(tab.scan_box, Qt.Key.Key_Return)
    settle(qtbot)
    assert tab.outcome == ADDED and "蔡良剑" in tab.status_line.text()
    assert "#e3f4e1" in tab.status_line.styleSheet()  # green
    assert tab.participant_model.texts(0) == ["蔡良剑"]
    assert tab.participant_model.texts(1) == ["138****5678"]  # masked
    QTest.keyClicks(tab.scan_box, "11010519491231002X")  # her ID number: she is there already
    QTest.keyClick(tab.scan_box, Qt.Key.Key_Return)
    settle(qtbot)
    assert tab.outcome == THERE and "#fff4cc" in tab.status_line.styleSheet()  # amber
    QTest.keyClicks(tab.scan_box, "ND:ZZZZZZZZ")
    QTest.keyClick(tab.scan_box, Qt.Key.Key_Return)
    settle(qtbot)
    assert tab.outcome == REFUSED and "#fde0dc" in tab.status_line.styleSheet()  # red
    assert _("No resident has this member card or ID number.") in tab.status_line.text()
    assert tab.participant_model.texts(0) == ["蔡良剑"] and tab.scan_box.text() == ""
    assert tab.activity_model.texts(7) == ["1"]  # 登记人数 in the list


def test_several_residents_picked_at_once_the_headcount_and_the_totals_line(db, qtbot, kinds, registry,
                                                                            monkeypatch):
    activity(db, kinds, title="广场舞联谊", headcount=4)
    activity(db, kinds, title="防诈骗讲座", headcount=3)
    tab = make_tab(db, qtbot)
    assert tab.totals_label.text() == _("{n} activities, {person_times} person-times ({registered} registered, "
                                        "{others} not registered)").format(n=2, person_times=7, registered=0, others=7)

    def pick(dialog: PickResidentsDialog) -> None:
        for text in ("陈安", "单雄信"):
            dialog.search.box.setText(text)
            QTest.keyClick(dialog.search.box, Qt.Key.Key_Return)
        assert dialog.model.rows == [("陈安",), ("单雄信",)]
        click_ok(dialog, qtbot)

    answer(monkeypatch, qtbot, PickResidentsDialog, pick)
    chosen = tab.detail.row.title
    tab.add_button.click()
    settle(qtbot)
    assert sorted(tab.participant_model.texts(0)) == sorted(["陈安", "单雄信"])
    assert tab.outcome == ADDED
    tab.headcount_spin.setValue(10)
    tab.headcount_button.click()
    settle(qtbot)
    assert tab.detail.row.title == chosen and tab.detail.data.headcount == 10
    assert tab.person_times_label.text() == _("Person-times: {n}").format(n=12)
    others = 3 if chosen == "广场舞联谊" else 4
    assert tab.totals_label.text() == _("{n} activities, {person_times} person-times ({registered} registered, "
                                        "{others} not registered)").format(
        n=2, person_times=12 + others, registered=2, others=10 + others)
    tab.group_filter.setCurrentIndex(tab.group_filter.findData("children"))
    settle(qtbot)
    assert tab.activity_model.rows == [] and tab.totals_label.text() == _(
        "{n} activities, {person_times} person-times ({registered} registered, {others} not registered)").format(
        n=0, person_times=0, registered=0, others=0)


def test_points_credited_to_every_participant_in_one_step(db, qtbot, kinds, registry, monkeypatch):
    points.add_service_type(db, "活动志愿", OCCASION, 20, actor=ADMIN)
    aid = activity(db, kinds)
    activities.add_participants(db, aid, [registry["陈安"], registry["陈良"]], actor=ADMIN)
    tab = make_tab(db, qtbot)
    assert tab.credit_button.isEnabled()

    def credit(dialog: CreditDialog) -> None:
        assert dialog.type_combo.currentText().startswith("活动志愿")
        click_ok(dialog, qtbot)

    answer(monkeypatch, qtbot, CreditDialog, credit)
    tab.credit_button.click()
    settle(qtbot)
    assert tab.credit_result.text() == _("Points credited to {n} participants.").format(n=2)
    assert tab.participant_model.texts(2) == [points.points_text(20)] * 2
    assert points.balance(db, registry["陈安"]) == 20
    assert not tab.credit_button.isEnabled()  # nobody left to credit
    tab.participant_view.selectRow(0)
    assert not tab.remove_button.isEnabled()  # credited: stays on the list


def test_a_delete_asks_first_and_a_partner_merchant_comes_from_the_alliance(db, qtbot, kinds, monkeypatch):
    alliance.seed(db, actor=ADMIN)
    aid = activity(db, kinds, partners=[PartnerInput("team", "红马甲志愿服务队")])
    tab = make_tab(db, qtbot)
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    tab.delete_button.click()
    settle(qtbot)
    assert [r.id for r in tab.activity_model.rows] == [aid]
    tab.delete_button.click()
    settle(qtbot)
    assert tab.activity_model.rows == [] and tab.detail is None


def test_the_forms_print_from_the_tab(db, qtbot, kinds, registry, monkeypatch):
    aid = activity(db, kinds)
    activities.add_participants(db, aid, [registry["蔡良剑"]], actor=ADMIN)
    tab = make_tab(db, qtbot)
    made = []
    monkeypatch.setattr(tab, "_preview", lambda title, make_pdf, name: made.append((title, make_pdf(None), name)))
    tab.print_sign_in_action.trigger()
    tab.print_ledger_action.trigger()
    assert [m[0] for m in made] == [_("Activity sign-in sheet"), _("Activity ledger")]
    assert all(m[1].startswith(b"%PDF") for m in made)


def test_a_viewer_sees_the_ledger_but_records_nothing(db, qtbot, kinds):
    activity(db, kinds)
    tab = make_tab(db, qtbot, Actor("访客", VIEWER))
    assert len(tab.activity_model.rows) == 1
    for widget in (tab.new_button, tab.edit_button, tab.delete_button, tab.import_button, tab.scan_box,
                   tab.add_button, tab.credit_button):
        assert not widget.isVisibleTo(tab)
    assert not tab.print_button.isEnabled()


def test_the_list_exports_and_a_ledger_imports_through_the_shared_dialog(db, qtbot, kinds, tmp_path, monkeypatch):
    from openpyxl import Workbook, load_workbook

    from app.views.activities.import_dialog import ActivityLedgerImportDialog

    activity(db, kinds, title="广场舞联谊", headcount=4)
    tab = make_tab(db, qtbot)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    out = tmp_path / "ledger.xlsx"
    tab.export_ledger(path=str(out))
    settle(qtbot)
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "广场舞联谊" in cells
    sheet = tmp_path / "old.xlsx"
    book = Workbook()
    book.active.append(["日期", "活动名称", "活动类型", "服务对象", "参与人数"])
    book.active.append([TODAY, "防诈骗讲座", "讲座", "全体", 25])
    book.save(sheet)

    def run(dialog):
        dialog.show()
        dialog.check(sheet)
        settle(qtbot)
        assert _("Activities to add: {n}").format(n=1) in dialog.summary.text()
        dialog.import_button.click()
        settle(qtbot)
        return 0

    monkeypatch.setattr(ActivityLedgerImportDialog, "exec", run)
    tab.import_button.click()
    settle(qtbot)
    assert sorted(tab.activity_model.texts(2)) == sorted(["广场舞联谊", "防诈骗讲座"])


def test_a_new_activity_outside_the_period_and_filters_is_shown_chosen_and_scanned_into(db, qtbot, kinds,
                                                                                       registry, monkeypatch):
    """Issue 18 walk-through: the period was last month and a type filter was on; the activity saved for today
    must come into view chosen, and the scan go to it, never to the first row of the old list."""
    last_month = TODAY.replace(day=1) - dt.timedelta(days=3)
    old = activities.add_activity(db, ActivityInput(held_on=last_month, title="科普小课堂", target_group="children",
                                                    activity_type_id=kinds["讲座"]), actor=ADMIN)
    tab = make_tab(db, qtbot)
    tab.period.choose("last_month")
    tab.type_filter.setCurrentIndex(tab.type_filter.findData(kinds["讲座"]))
    settle(qtbot)
    assert tab.detail is None and not tab.scan_box.isEnabled()  # nothing chosen yet: nothing to scan into
    tab.activity_view.selectRow(0)
    settle(qtbot)
    assert tab.detail.row.id == old and tab.scan_box.isEnabled()

    def fill(dialog: ActivityDialog) -> None:
        type_chinese(dialog.title_edit, "重阳节义诊")
        dialog.type_combo.setCurrentIndex(dialog.type_combo.findText("义诊"))
        dialog.group_combo.setCurrentIndex(dialog.group_combo.findData("elderly"))
        click_ok(dialog, qtbot)

    seen = answer(monkeypatch, qtbot, ActivityDialog, fill)
    tab.new_button.click()
    settle(qtbot)
    new = seen[0].saved_id
    assert tab.detail.row.id == new and tab.activity_id == new
    assert tab.period.dates() == (TODAY.replace(day=1), (TODAY.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                                  - dt.timedelta(days=1))  # this month, as the tab opens
    assert tab.type_filter.currentData() is None  # the type filter hid it
    assert tab.activity_model.row_of(new) == tab.activity_view.currentIndex().row()
    assert "重阳节义诊" in tab.participants_box.title()
    QTest.keyClicks(tab.scan_box, card(db, registry["蔡良剑"]))
    QTest.keyClick(tab.scan_box, Qt.Key.Key_Return)
    settle(qtbot)
    assert [p.name for p in activities.get_activity(db, new).participants] == ["蔡良剑"]
    assert activities.get_activity(db, old).participants == []


def test_the_chosen_activity_filtered_out_is_not_replaced_by_another(db, qtbot, kinds):
    activity(db, kinds, title="广场舞联谊")
    kid = activities.add_activity(db, ActivityInput(held_on=TODAY, title="科普小课堂", target_group="children",
                                                    activity_type_id=kinds["讲座"]), actor=ADMIN)
    tab = make_tab(db, qtbot)
    tab.activity_view.selectRow(tab.activity_model.row_of(kid))
    settle(qtbot)
    assert tab.detail.row.id == kid
    tab.group_filter.setCurrentIndex(tab.group_filter.findData("elderly"))
    settle(qtbot)
    assert [r.title for r in tab.activity_model.rows] == ["广场舞联谊"]
    assert tab.detail is None and tab.heading.text() == _("No activity chosen: click one in the list.")
    for widget in (tab.scan_box, tab.headcount_spin, tab.credit_button):
        assert not widget.isEnabled()
    tab.group_filter.setCurrentIndex(0)  # back: the one chosen comes back chosen
    settle(qtbot)
    assert tab.detail.row.id == kid


def test_the_participants_have_room_and_dates_are_padded(db, qtbot, kinds):
    activities.add_activity(db, ActivityInput(held_on=dt.date(TODAY.year, TODAY.month, 7), title="讲座",
                                              activity_type_id=kinds["讲座"], target_group="everyone"), actor=ADMIN)
    tab = make_tab(db, qtbot)
    assert tab.activity_model.texts(0) == [f"{TODAY.year}-{TODAY.month:02d}-07"]
    rows = tab.participant_view.height() // tab.participant_view.verticalHeader().defaultSectionSize()
    assert rows >= 6  # at 1366×760 the list shows several participants, not three
