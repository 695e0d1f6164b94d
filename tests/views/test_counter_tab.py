"""The service counter tab, driven like the desk drives it."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from app.services import calendar, centre, counter, residents
from app.services.access import VIEWER, Actor
from app.services.counter import TicketInput
from app.views.counter import model as ticket_model
from app.views.counter.move_dialog import MoveDialog
from app.views.counter.receive_dialog import ReceiveDialog
from app.views.shared import print_preview
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text
from tests.views.conftest import settle, type_chinese

TODAY = dt.date.today()


@pytest.fixture
def catalogue(db):
    counter.ensure_default_catalogue(db, actor=ADMIN)
    from app.services import centre

    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"),
                       actor=ADMIN)
    return {c.name: c.id for c in counter.list_categories(db)}


@pytest.fixture
def tab(window, catalogue, qtbot):
    window.tabs.setCurrentWidget(window.tab_of("counter"))
    window.tab_of("counter").reload()
    settle(qtbot)  # the list is fetched on the worker
    return window.tab_of("counter")


@pytest.fixture
def previews(monkeypatch, qtbot):
    """Print previews record the PDF they made instead of waiting for a person."""
    made = []

    def fake_exec(self):
        qtbot.waitUntil(lambda: self.pdf is not None, timeout=20000)
        made.append((self.windowTitle(), self.pdf))
        return 0

    monkeypatch.setattr(print_preview.PrintPreviewDialog, "exec", fake_exec)
    return made


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def test_a_walk_in_request_goes_from_the_search_box_to_a_printed_receipt(window, tab, catalogue, qtbot,
                                                                           monkeypatch, previews):
    seen = {}

    def fill_in(dialog: ReceiveDialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        # What was typed in the tab's search box is already in the dialog's; nobody matches.
        seen["query"] = dialog.search.box.text()
        seen["hint"] = dialog.no_match.isVisibleTo(dialog)
        qtbot.mouseClick(dialog.walk_in_radio, Qt.MouseButton.LeftButton)
        seen["name"] = dialog.walk_in_name.text()
        qtbot.keyClicks(dialog.walk_in_phone, "13700001111")
        dialog.category_combo.setCurrentIndex(dialog.category_combo.findData(catalogue["老年人福利"]))
        seen["due"] = dialog.due_label.text()
        type_chinese(dialog.description, "办理老年人优待证")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(ReceiveDialog, "exec", fill_in)
    type_chinese(tab.search_box, "李阿婆")
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)

    number = "FW{:%Y%m}-0001".format(TODAY)
    due = calendar.calendar(window.tab_of("counter").db).add(TODAY, 5)
    assert seen["query"] == "李阿婆" and seen["hint"] and seen["name"] == "李阿婆"
    assert seen["due"] == "{0.year}年{0.month}月{0.day}日".format(due)
    # The new ticket is listed and shown, and its receipt was printed.
    assert tab.current.number == number and tab.search_box.text() == ""
    assert tab.model.rowCount() == 1 and "李阿婆" in tab.model.index(0, 3).data()
    assert number in tab.detail.text() and "办理老年人优待证" in tab.detail.text()
    [(title, pdf)] = previews
    assert title == "打印预览 — 受理回执"
    text = flat(pdf)
    for value in (number, "李阿婆", "137****1111", "老年人福利", "办理老年人优待证",
                  "{0.year}年{0.month}月{0.day}日".format(due), "0595-88881234"):
        assert value in text, value


def test_missing_requester_and_kind_are_marked_and_nothing_is_saved(window, tab, qtbot, monkeypatch, previews):
    marked = {}

    def submit_empty(dialog: ReceiveDialog):
        dialog.search.box.clear()
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        marked["visible"] = dialog.isVisible() or dialog.result() == 0
        marked["errors"] = {name: label.text() for name, (_w, label) in dialog.errors.fields.items()
                            if label.text()}
        return 0

    monkeypatch.setattr(ReceiveDialog, "exec", submit_empty)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert marked["errors"] == {"requester": "请选择居民，或填写来办人的姓名。",
                                "category_id": "请选择事项类别。",
                                "description": "请填写诉求内容。"}
    assert counter.list_tickets(tab.db) == [] and previews == []


def test_a_registered_resident_found_by_name_gets_the_grid_worker(window, tab, catalogue, registry, qtbot,
                                                                  monkeypatch, previews):
    seen = {}

    def fill_in(dialog: ReceiveDialog):
        type_chinese(dialog.search.box, "蔡良剑")
        qtbot.waitUntil(lambda: dialog.search.current_id() == registry["蔡良剑"])
        dialog.channel_combo.setCurrentIndex(dialog.channel_combo.findData("phone"))
        dialog.category_combo.setCurrentIndex(dialog.category_combo.findData(catalogue["物业和环境"]))
        type_chinese(dialog.description, "楼道堆放杂物")
        seen["grid"] = dialog.grid_combo.currentText().strip()
        seen["assignee"] = dialog.assignee_combo.currentText()  # the sub-grid's nearest grid worker
        dialog.dispatch_check.setChecked(True)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(ReceiveDialog, "exec", fill_in)
    tab.new_request()
    t = tab.current
    assert seen == {"grid": "第一网格 / 一组", "assignee": "林燕"}
    assert (t.requester, t.level, t.status, t.assignee, t.grid) == ("蔡良剑", "grid", "dispatched", "林燕", "一组")
    assert previews == []  # a phoned-in request needs no paper receipt


def received(db, category, today, **kw):
    values = dict(category_id=category, description="咨询社保转移", walk_in_name="陈阿姨",
                  walk_in_phone="13812345678")
    values.update(kw)
    return counter.receive_ticket(db, TicketInput(**values), actor=ADMIN, today=today)


def test_overdue_tickets_stand_out_in_the_label_the_summary_and_the_rows(window, db, catalogue, qtbot):
    late = received(db, catalogue["法律咨询"], TODAY - dt.timedelta(days=30))
    received(db, catalogue["法律咨询"], TODAY)
    window.notice.changed.emit("tickets")
    tab = window.tab_of("counter")
    index = window.tabs.indexOf(tab)
    # The label counts even before anyone opened the tab.
    assert window.tabs.tabText(index) == "便民服务（1 件逾期）"
    assert window.tabs.tabBar().tabTextColor(index).name() == "#b71c1c"
    assert tab.model.rowCount() == 0
    window.tabs.setCurrentWidget(tab)
    settle(qtbot)  # the list is fetched on the worker
    assert "1 件逾期" in tab.summary.text()
    row = tab.model.row_of(late.id)
    assert row == 0  # overdue first
    status = tab.model.index(row, 8)
    assert status.data().endswith("已逾期")
    assert status.data(Qt.ItemDataRole.BackgroundRole) == ticket_model.OVERDUE_BACKGROUND
    # The summary's link filters to the overdue ones.
    tab._summary_link("overdue")
    settle(qtbot)
    assert tab.show_combo.currentData() == "overdue" and tab.model.rowCount() == 1


def test_the_tab_says_its_own_label_and_whether_it_is_an_alert(window, db, catalogue, qtbot):
    tab = window.tab_of("counter")
    assert tab.current_label() == ("便民服务", False)
    received(db, catalogue["法律咨询"], TODAY - dt.timedelta(days=30))
    with qtbot.waitSignal(tab.label_changed) as told:
        tab.refresh()
    assert told.args == ["便民服务（1 件逾期）", True] and tab.current_label() == ("便民服务（1 件逾期）", True)


def test_the_closed_loop_from_the_buttons_with_an_unsatisfied_follow_up(window, db, catalogue, qtbot,
                                                                        monkeypatch):
    t = received(db, catalogue["矛盾纠纷调解"], TODAY)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    steps = []
    refused = {}

    def answer(dialog: MoveDialog):
        steps.append(dialog.action)
        if dialog.assignee is not None and dialog.action == "dispatch":
            dialog.assignee.setEditText("黄鹏强")
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        if dialog.action == "follow_up":
            dialog.choose_satisfaction("unsatisfied")
            type_chinese(dialog.note, "噪音还在")
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # how the resident was reached is missing
            settle(qtbot)
            refused["follow_up"] = (dialog.errors.fields["method"][1].text(), dialog.result())
            dialog.choose_method("home_visit")
        if dialog.action == "resolve":
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no result yet: the service refuses
            settle(qtbot)
            refused["resolve"] = (dialog.errors.fields["note"][1].text(), dialog.result())
            type_chinese(dialog.note, "已上门协调")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(MoveDialog, "exec", answer)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    for action in ("dispatch", "start", "resolve", "follow_up"):
        button = tab.action_buttons[action]
        assert button.isVisibleTo(tab) and button.isEnabled(), action
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot)  # the reopen after the answer
    assert steps == ["dispatch", "start", "resolve", "follow_up"]
    assert refused == {"resolve": ("请填写办理结果：为居民办了什么、结果如何。", QDialog.DialogCode.Rejected),
                       "follow_up": ("请选择回访方式。", QDialog.DialogCode.Rejected)}
    # Not satisfied: the desk was asked and the ticket is being handled again.
    assert tab.current.status == "handling" and tab.current.satisfaction == "unsatisfied"
    history = [tab.history_model.rows[i][2] for i in range(len(tab.history_model.rows))]
    assert history == ["受理", "转办", "开始处置", "办结", "回访", "重新办理"]
    assert tab.history_model.rows[4][4] == "噪音还在"
    assert "上门回访" in tab.detail.text()  # the last follow-up: how the resident was reached
    assert not tab.action_buttons["archive"].isVisibleTo(tab)


def test_a_missing_reason_keeps_the_step_dialog_open(window, db, catalogue, qtbot, monkeypatch):
    t = received(db, catalogue["法律咨询"], TODAY)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    shown = {}

    def no_reason(dialog: MoveDialog):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        shown["error"] = dialog.errors.fields["note"][1].text()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(MoveDialog, "exec", no_reason)
    qtbot.mouseClick(tab.action_buttons["hold"], Qt.MouseButton.LeftButton)
    assert shown["error"] == "请说明挂起原因（等待什么）。"
    assert counter.get_ticket(db, t.id).held_since is None


def test_scanning_a_receipt_finds_the_ticket_even_when_archived(window, db, catalogue, qtbot):
    t = received(db, catalogue["法律咨询"], TODAY)
    for action, kw in (("dispatch", {"assignee": "林燕"}), ("start", {}), ("resolve", {"note": "已解答"}),
                       ("follow_up", {"satisfaction": "satisfied", "method": "phone"}), ("archive", {})):
        counter.move(db, t.id, action, actor=ADMIN, **kw)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    assert tab.model.rowCount() == 0  # open tickets only
    qtbot.keyClicks(tab.search_box, "NDT:" + t.number)
    qtbot.keyClick(tab.search_box, Qt.Key.Key_Return)
    settle(qtbot)  # nothing open matches: the search goes on among all tickets
    assert tab.show_combo.currentData() == "all"
    assert tab.current is not None and tab.current.number == t.number and tab.current.status == "archived"


def test_the_list_comes_from_the_worker_and_only_the_latest_one_is_shown(window, db, catalogue, qtbot):
    from app.views import worker

    still_open = received(db, catalogue["法律咨询"], TODAY)
    done = received(db, catalogue["法律咨询"], TODAY)
    for action, kw in (("dispatch", {"assignee": "林燕"}), ("start", {}), ("resolve", {"note": "已解答"})):
        counter.move(db, done.id, action, actor=ADMIN, **kw)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    assert [tab.model.ticket_id(r) for r in range(tab.model.rowCount())] == [still_open.id]
    tab.show_filter("all")  # fetched on the worker: the window goes on meanwhile
    assert worker.busy() and tab.model.rowCount() == 1
    tab.show_filter("open")  # changed again before "all" arrived: that list is dropped
    settle(qtbot)
    assert [tab.model.ticket_id(r) for r in range(tab.model.rowCount())] == [still_open.id]
    assert tab.current is not None and tab.current.id == still_open.id
    tab.select_ticket(done.id)  # not an open one: shown at once, found among all tickets
    assert tab.current.id == done.id
    settle(qtbot)
    assert tab.show_combo.currentData() == "all" and tab.model.rowCount() == 2
    assert tab.model.ticket_id(tab.table.currentIndex().row()) == done.id


def test_a_walk_in_can_be_registered_from_the_ticket(window, db, catalogue, qtbot, monkeypatch):
    from app.views.residents.dialog import ResidentDialog

    t = received(db, catalogue["法律咨询"], TODAY)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    assert tab.register_button.isVisibleTo(tab)

    def save(dialog: ResidentDialog):
        assert dialog.name_edit.text() == "陈阿姨" and dialog.phone_edit.text() == "13812345678"
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(ResidentDialog, "exec", save)
    qtbot.mouseClick(tab.register_button, Qt.MouseButton.LeftButton)
    settle(qtbot)  # linking the ticket to the new record
    linked = counter.get_ticket(db, t.id)
    assert linked.resident_id is not None
    assert residents.get_resident(db, linked.resident_id).data.name == "陈阿姨"
    assert not tab.register_button.isVisibleTo(tab)


def test_a_viewer_sees_tickets_but_cannot_move_them(app, db, catalogue, ui_settings, qtbot):
    from app.views.main_window import MainWindow

    t = received(db, catalogue["法律咨询"], TODAY)
    win = MainWindow(db, ui_settings, actor=Actor("访客", VIEWER))
    qtbot.addWidget(win)
    tab = win.tab_of("counter")
    tab.select_ticket(t.id)
    settle(qtbot)  # not in the (unloaded) list: every ticket is fetched, then it is selected
    assert tab.current.id == t.id
    assert not tab.new_button.isEnabled()
    assert tab.action_buttons["dispatch"].isVisibleTo(tab) and not tab.action_buttons["dispatch"].isEnabled()
    assert not tab.print_receipt_action.isEnabled() and not tab.print_ledger_action.isEnabled()


def test_the_ledger_goes_from_its_dialog_to_the_preview(window, db, catalogue, qtbot, monkeypatch, previews):
    from app.views.counter.ledger_dialog import LedgerDialog

    t = received(db, catalogue["法律咨询"], TODAY)

    def choose(dialog: LedgerDialog):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(LedgerDialog, "exec", choose)
    window.tab_of("counter").print_ledger()
    [(title, pdf)] = previews
    assert title == "打印预览 — 服务台账" and t.number in flat(pdf)


def test_the_ledger_dialog_refuses_a_period_that_ends_before_it_starts(window, db, catalogue, qtbot):
    from PySide6.QtCore import QDate

    from app.views.counter.ledger_dialog import LedgerDialog

    dialog = LedgerDialog(db, window)
    qtbot.addWidget(dialog)
    dialog.to_edit.setDate(QDate(2000, 1, 1))
    dialog.from_edit.setDate(QDate(2000, 2, 1))
    dialog.accept()
    assert dialog.errors.fields["date_to"][1].text() == "结束日期早于开始日期。"
    assert dialog.chosen() is None


def test_catalogue_and_holidays_from_the_settings_menu(window, db, catalogue, qtbot, monkeypatch):
    from app.views.settings.catalogue_dialog import CatalogueDialog, CategoryDialog
    from app.views.settings.holidays_dialog import HolidayDialog, HolidaysDialog

    def add_category(dialog: CategoryDialog):
        type_chinese(dialog.name_edit, "房屋租赁备案")
        dialog.days_spin.setValue(4)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    window.tabs.setCurrentWidget(window.tab_of("counter"))
    monkeypatch.setattr(CategoryDialog, "exec", add_category)
    dialog = CatalogueDialog(db, window, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.add()
    assert dialog.changed and ("房屋租赁备案", "中心", "4 个工作日", "是") in dialog.model.rows

    def add_day(d: HolidayDialog):
        from PySide6.QtCore import QDate

        d.day_edit.setDate(QDate(TODAY.year, 10, 1))
        type_chinese(d.name_edit, "国庆节")
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return d.result()

    monkeypatch.setattr(HolidayDialog, "exec", add_day)
    days = HolidaysDialog(db, window, actor=ADMIN)
    qtbot.addWidget(days)
    days.add()
    assert [row[2] for row in days.model.rows] == ["国庆节"]
    assert calendar.list_holidays(db, TODAY.year)[0].day == dt.date(TODAY.year, 10, 1)
    # The tab's kind filter learns the new kind.
    window.notice.changed.emit("catalogue")
    assert window.tab_of("counter").category_combo.findText("房屋租赁备案") >= 0


def test_switching_language_keeps_the_counter_tab_and_its_counts(window, db, catalogue, qtbot):
    received(db, catalogue["法律咨询"], TODAY - dt.timedelta(days=30))
    window.tabs.setCurrentWidget(window.tab_of("counter"))
    window.switch_language("en")
    assert window.tabs.currentWidget() is window.tab_of("counter")
    qtbot.waitUntil(lambda: window.tab_of("counter").model.rowCount() == 1)  # loads when shown
    assert window.tabs.currentIndex() == 2  # after the overview and the residents
    assert window.tabs.tabText(2) == "Service counter (1 overdue)"
    assert window.tab_of("counter").model.headerData(0, Qt.Orientation.Horizontal) == "Ticket"
    assert window.tab_of("counter").model.index(0, 8).data() == "Received — overdue"
    window.switch_language("zh_CN")
    assert window.tabs.tabText(2) == "便民服务（1 件逾期）"


def test_ctrl_n_receives_on_the_counter_tab_and_adds_a_resident_on_the_residents_tab(window, tab, qtbot,
                                                                                      monkeypatch):
    from app.views.residents.dialog import ResidentDialog

    opened = []
    monkeypatch.setattr(ReceiveDialog, "exec", lambda self: opened.append("request") or 0)
    monkeypatch.setattr(ResidentDialog, "exec", lambda self: opened.append("resident") or 0)
    window.activateWindow()
    qtbot.waitActive(window)
    tab.search_box.setFocus()
    qtbot.keyClick(tab.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: opened == ["request"])  # a button's shortcut clicks it after a short animation
    window.tabs.setCurrentWidget(window.tab_of("residents"))
    qtbot.keyClick(window.tab_of("residents").search.box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: opened == ["request", "resident"])


def test_the_requester_is_chosen_not_guessed_and_a_walk_in_error_sits_on_the_name(window, db, catalogue,
                                                                                  registry, qtbot):
    dialog = ReceiveDialog(db, window, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.search.box, "陈")  # 陈安 and 陈良: two people, nobody is picked for the desk
    assert dialog.search.model.rowCount() == 2 and dialog.search.current_id() is None
    assert dialog.chosen_label.text() == "请在列表中选择来办人（方向键或鼠标点击）。"
    qtbot.keyClick(dialog.search.box, Qt.Key.Key_Down)
    assert dialog.search.current_id() in (registry["陈安"], registry["陈良"])
    assert dialog.chosen_label.text().startswith("来办人：陈")
    qtbot.mouseClick(dialog.walk_in_radio, Qt.MouseButton.LeftButton)
    dialog.walk_in_name.clear()
    dialog.accept()
    settle(qtbot)
    errors = {name: label.text() for name, (_w, label) in dialog.errors.fields.items() if label.text()}
    assert errors["walk_in_name"] == "请选择居民，或填写来办人的姓名。" and "requester" not in errors
    assert dialog.walk_in_name.property("invalid") is True


def test_step_dialogs_say_what_the_desk_needs_to_know(window, db, catalogue, qtbot):
    t = received(db, catalogue["矛盾纠纷调解"], TODAY)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    assert not tab.print_slip_action.isEnabled()  # nobody to hand a slip to yet
    escalate = MoveDialog(db, tab.current, "escalate", window, actor=ADMIN)
    qtbot.addWidget(escalate)
    assert "工单将从“网格”上报到“中心”。" in escalate.findChild(type(tab.detail)).text()
    for action, kw in (("dispatch", {"assignee": "林燕"}), ("start", {}), ("resolve", {"note": "已调解"})):
        counter.move(db, t.id, action, actor=ADMIN, **kw)
    tab.select_ticket(t.id)
    follow = MoveDialog(db, tab.current, "follow_up", window, actor=ADMIN)
    qtbot.addWidget(follow)
    intro = follow.findChild(type(tab.detail)).text()
    assert "回访电话：13812345678" in intro and "办理结果：已调解" in intro


def test_the_level_above_the_centre_is_called_as_the_centre_says(window, db, catalogue, qtbot):
    from app.services import accounts

    accounts.add_staff(db, "linyan", "林燕", "desk", "Lianban-2026!", actor=ADMIN)
    t = received(db, catalogue["社会保险和医疗保险"], TODAY)
    counter.move(db, t.id, "dispatch", actor=Actor("linyan", "desk"), assignee="林燕", today=TODAY)
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", upper_level="town"), actor=ADMIN)
    tab = window.tab_of("counter")
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    escalate = MoveDialog(db, tab.current, "escalate", window, actor=ADMIN)
    qtbot.addWidget(escalate)
    assert "工单将从“中心”上报到“镇”。" in escalate.findChild(type(tab.detail)).text()
    counter.move(db, t.id, "escalate", actor=ADMIN, note="需要镇里协调", today=TODAY)
    tab.reload()
    settle(qtbot)
    tab.select_ticket(t.id)
    assert "镇（已上报）" in tab.detail.text()
    row = next(r for r in range(tab.model.rowCount()) if tab.model.rows[r].id == t.id)
    level_column = [key for key, _header in ticket_model.COLUMNS].index("level")
    assert tab.model.index(row, level_column).data() == "镇（已上报）"
    # The history names the person, not the account.
    assert [tab.history_model.rows[i][1] for i in range(len(tab.history_model.rows))][1:] == ["林燕", "王主任"]
    assert tab.current.urgency_label == "小事简议"


def test_a_request_for_a_resident_found_on_the_residents_tab(window, db, catalogue, registry, qtbot, monkeypatch,
                                                             previews):
    earlier = received(db, catalogue["法律咨询"], TODAY, resident_id=registry["单雄信"], walk_in_name="")
    seen = {}

    def fill_in(dialog: ReceiveDialog):
        seen["requester"] = dialog.search.current_id()
        dialog.category_combo.setCurrentIndex(dialog.category_combo.findData(catalogue["户籍和证明"]))
        type_chinese(dialog.description, "开具居住证明")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(ReceiveDialog, "exec", fill_in)
    residents_tab = window.tab_of("residents")
    type_chinese(residents_tab.search.box, "单雄信")
    qtbot.waitUntil(lambda: earlier.number in residents_tab.detail.text())  # filled after the pause in typing
    assert "便民服务诉求：办理中 1 件，共 1 件" in residents_tab.detail.text()
    qtbot.mouseClick(residents_tab.action_buttons["counter"], Qt.MouseButton.LeftButton)
    assert seen["requester"] == registry["单雄信"]
    assert window.tabs.currentWidget() is window.tab_of("counter")
    assert window.tab_of("counter").current.requester == "单雄信" and len(previews) == 1  # the receipt
    qtbot.waitUntil(lambda: "办理中 2 件，共 2 件" in residents_tab.detail.text())  # heard of it, shown after a pause
