import datetime as dt

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QApplication, QDialogButtonBox, QStyledItemDelegate, QStyleOptionViewItem,
                               QWidget)

from app.services import residents
from app.views.residents.dialog import ResidentDialog
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese


def names_shown(win) -> list[str]:
    model = win.tab_of("residents").search.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_the_window_opens_on_the_overview_and_ctrl_f_goes_to_the_search_box(window, qtbot):
    overview = window.tabs.widget(0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is overview)  # the first tab has the focus
    box = window.tab_of("residents").search.box
    box.setText("clj")  # the last search
    qtbot.keyClick(overview, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.tab_of("residents")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    qtbot.keyClicks(QApplication.focusWidget(), "shanx")  # a new name replaces it
    assert box.text() == "shanx"


def test_typing_initials_finds_the_resident_and_shows_the_record(window, qtbot):
    box = window.tab_of("residents").search.box
    qtbot.keyClicks(box, "clj")
    assert names_shown(window) == ["蔡良剑"]
    qtbot.waitUntil(lambda: "蔡良剑" in window.tab_of("residents").detail.text())  # after a pause in typing
    detail = window.tab_of("residents").detail.text()
    assert "蔡良剑" in detail and "110105********002X" in detail and "1949年12月31日" in detail
    assert window.tab_of("residents").count_label.text() == "共 1 人"


def test_polyphonic_surname_and_phone_tail(window, qtbot):
    box = window.tab_of("residents").search.box
    qtbot.keyClicks(box, "shanx")
    assert names_shown(window) == ["单雄信"]
    box.clear()
    qtbot.keyClicks(box, "1111")
    assert names_shown(window) == ["陈安"]


def test_arrows_move_in_results_and_enter_opens_the_record(window, registry, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(ResidentDialog, "exec", lambda self: opened.append(self.resident_id) or 0)
    box = window.tab_of("residents").search.box
    qtbot.keyClicks(box, "chen")
    assert names_shown(window) == ["陈安", "陈良"]
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert window.tab_of("residents").search.current_id() == registry["陈良"]
    qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert opened == [registry["陈安"]]


def test_grid_shows_masked_id_and_translated_gender(window):
    model = window.tab_of("residents").search.model
    window.tab_of("residents").search.box.setText("蔡良剑")
    assert model.index(0, 1).data() == "女"
    assert model.index(0, 2).data() == str(residents.age_on(dt.date(1949, 12, 31)))
    assert model.index(0, 4).data() == "110105********002X"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "姓名"


def test_editing_a_resident_with_a_bad_id_marks_the_field_and_saves_nothing(app, db, registry, qtbot, admin):
    rid = registry["单雄信"]
    dialog = ResidentDialog(db, rid, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.clear()
    type_chinese(dialog.name_edit, "单雄")
    qtbot.keyClicks(dialog.id_edit, "110105194912310021")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.text() == "保存"  # Qt's own buttons are translated
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    settle(qtbot)
    label = dialog.errors.fields["id_number"][1]
    assert label.isVisible() and "校验码" in label.text()
    assert dialog.id_edit.property("invalid") is True
    assert residents.get_resident(db, rid).data.name == "单雄信"  # nothing saved

    dialog.id_edit.clear()
    qtbot.keyClicks(dialog.id_edit, "110105491231002")  # old 15-digit number
    assert "1949年12月31日" in dialog.id_info.text() and "11010519491231002X" in dialog.id_info.text()
    assert not dialog.gender_combo.isEnabled()
    with qtbot.assertNotEmitted(dialog.saved):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        settle(qtbot)
    # 蔡良剑 already has this number: refused, naming the record.
    assert "蔡良剑" in dialog.errors.fields["id_number"][1].text()
    dialog.id_edit.clear()
    dialog.phone_edit.clear()
    qtbot.keyClicks(dialog.phone_edit, "0595 8888 1234")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    saved = residents.get_resident(db, rid).data
    assert (saved.name, saved.phone) == ("单雄", "0595-88881234")


def test_the_detail_pane_lists_the_latest_tickets_and_a_click_opens_one(window, db, registry, qtbot, admin):
    import re

    from app.services import counter
    from app.services.counter import TicketInput

    counter.ensure_default_catalogue(db, actor=admin)
    category = counter.list_categories(db)[0].id
    made = [counter.receive_ticket(db, TicketInput(category_id=category, resident_id=registry["陈良"],
                                                   description=f"第{i}件事"), actor=admin) for i in range(7)]
    tab = window.tab_of("residents")
    type_chinese(tab.search.box, "陈良")
    qtbot.waitUntil(lambda: "便民服务诉求：办理中 7 件，共 7 件" in tab.detail.text())  # after the pause
    text = tab.detail.text()
    links = re.findall(r"href='counter:([^']+)'", text)
    assert len(links) == counter.RESIDENT_LINES_SHOWN and set(links) <= {t.number for t in made}
    assert "已受理" in text  # each with its status (and date)
    tab.detail.linkActivated.emit(f"counter:{links[0]}")  # what a click on the link does
    assert window.tabs.currentWidget() is window.tab_of("counter")
    assert window.tab_of("counter").current.number == links[0]


def test_family_members_are_listed_with_the_punctuation_of_the_language(window, db, registry, app, qtbot):
    residents.link_family(db, registry["陈良"], registry["陈安"], "spouse", actor=ADMIN)
    tab = window.tab_of("residents")
    type_chinese(tab.search.box, "陈良")
    qtbot.waitUntil(lambda: "配偶：陈安" in tab.detail.text())  # after the pause in typing
    window.switch_language("en")
    tab = window.tab_of("residents")
    assert "Spouse: 陈安" in tab.detail.text() and "：" not in tab.detail.text().split("Family")[1]


def test_a_cell_cut_by_its_column_shows_the_whole_value_as_a_tooltip(window, db, registry):
    model = window.tab_of("residents").search.model
    row = model.row_of(registry["蔡良剑"])
    for column in range(model.columnCount()):
        index = model.index(row, column)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == (index.data() or "")


def test_the_grid_paints_each_cell_as_the_model_gives_it_and_an_inactive_resident_in_grey(window, db, registry,
                                                                                        admin):
    # The grid's delegate paints from the loaded row in one call (not seven roles a cell): what it
    # paints must be what the model answers, text and colour.
    residents.deactivate_resident(db, registry["陈良"], "已迁出", actor=admin)
    tab = window.tab_of("residents")
    tab.inactive_check.setChecked(True)
    tab.search.box.setText("chen")
    model, view = tab.search.model, tab.search.table
    assert names_shown(window) == ["陈安", "陈良（已停用）"]
    painted = {}
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            option = QStyleOptionViewItem()
            option.initFrom(view)
            view.itemDelegateForIndex(index).initStyleOption(option, index)
            assert option.text == (index.data() or "")
            brush = index.data(Qt.ItemDataRole.ForegroundRole)
            if brush is not None:
                assert option.palette.color(QPalette.ColorRole.Text) == brush.color()
            painted[row, column] = option.text, option.palette.color(QPalette.ColorRole.Text).name()
            # A column fitted to its contents (a double click on the header's edge) is as wide as Qt's own
            plain = QStyleOptionViewItem()
            plain.initFrom(view)
            assert (view.itemDelegateForIndex(index).sizeHint(plain, index)
                    == QStyledItemDelegate(view).sizeHint(plain, index))
    grey = QColor("#9a9a9a").name()
    assert painted[0, 0] == ("陈安", view.palette().color(QPalette.ColorRole.Text).name())
    assert painted[1, 0] == ("陈良（已停用）", grey)
    assert painted[0, 3] == ("13900001111", painted[0, 0][1])
    assert painted[1, 5] == ("宝源花园 3栋", grey)


def test_the_resident_dialog_is_titled_as_a_file(window, db, registry, admin):
    dialog = ResidentDialog(db, registry["陈良"], actor=admin)
    assert dialog.windowTitle() == "居民档案"
    dialog.close()


def test_the_first_page_does_not_wait_for_the_search_index(app, db, registry, qtbot, admin):
    from app.views.notices import Notices
    from app.views.residents.tab import ResidentsTab

    tab = ResidentsTab(db, Notices(), actor=admin)
    qtbot.addWidget(tab)
    assert tab.search.model.rowCount() == 4 and tab.search.model.index(0, 0).data() == "蔡良剑"
    assert residents._INDEX not in db.cache  # the list came from SQL
    tab.show()
    qtbot.waitUntil(lambda: residents._INDEX in db.cache)  # built on the worker once shown
    settle(qtbot)


def test_the_detail_pane_fills_after_a_pause_in_typing_and_at_once_for_arrows(window, registry, qtbot):
    tab = window.tab_of("residents")
    qtbot.keyClicks(tab.search.box, "chen")
    assert tab.search.current_id() == registry["陈安"]
    assert "陈安" not in tab.detail.text()  # not yet: typing may go on
    qtbot.waitUntil(lambda: "陈安" in tab.detail.text())
    qtbot.keyClick(tab.search.box, Qt.Key.Key_Down)
    assert "陈良" in tab.detail.text()  # an arrow shows the record at once


def test_after_a_save_the_grid_finds_the_resident_without_rebuilding_the_index(app, db, registry, qtbot, admin,
                                                                                monkeypatch):
    import threading

    from app.views import notices
    from app.views.residents.tab import ResidentsTab

    tab = ResidentsTab(db, notices.Notices(), actor=admin)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot)  # the index is built on the worker
    qtbot.keyClicks(tab.search.box, "chen")
    built_here = []
    build = residents._build
    monkeypatch.setattr(residents, "_build", lambda *args: built_here.append(
        threading.current_thread() is threading.main_thread()) or build(*args))
    rid = residents.add_resident(db, residents.ResidentInput(name="陈新"), actor=ADMIN)
    tab.notice.changed.emit(notices.RESIDENTS)  # as writes.save does after the save
    assert rid in [tab.search.model.resident_id(r) for r in range(tab.search.model.rowCount())]
    settle(qtbot)
    assert built_here == []  # patched with the saved row, not rebuilt


def test_after_a_change_notice_the_list_shows_it_at_once_and_the_detail_pane_after_a_pause(window, registry,
                                                                                          qtbot):
    # Both at once, with the search index rebuilt on the worker, froze the window for 50 ms after an import.
    from app.views import notices

    tab = window.tab_of("residents")
    qtbot.keyClicks(tab.search.box, "chenan")
    qtbot.waitUntil(lambda: "陈安" in tab.detail.text())
    residents.update_resident(window.db, registry["陈安"], residents.ResidentInput(name="陈安平"), actor=ADMIN)
    tab.notice.changed.emit(notices.RESIDENTS)  # as writes.save does after a save on another tab
    assert names_shown(window) == ["陈安平"]
    assert "陈安平" not in tab.detail.text()
    qtbot.waitUntil(lambda: "陈安平" in tab.detail.text())


def test_typing_and_the_detail_pane_relay_out_nothing_around_the_grid(window, qtbot):
    # A count label whose width followed each keystroke, Qt's clear button appearing with the
    # first character, and the detail pane's new height each re-laid out and repainted the whole
    # window (two to three times the grid's own paint); what changes now stays where it is.
    tab = window.tab_of("residents")
    relaid: list[str] = []

    class Spy(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.LayoutRequest:
                relaid.append(type(obj).__name__)
            return False

    spy = Spy()
    for widget in (window, tab):
        widget.installEventFilter(spy)
    settle(qtbot)  # the tab labels' counts, made once after the window is shown, relay out the tab bar
    qtbot.wait(300)
    settle(qtbot)
    relaid.clear()
    for char in "chen":
        qtbot.keyClicks(tab.search.box, char)
        qtbot.wait(10)
    qtbot.waitUntil(lambda: "陈安" in tab.detail.text())
    qtbot.wait(50)
    assert tab.count_label.text() == "共 2 人"
    assert relaid == []


def test_the_grid_has_no_horizontal_scroll_bar_in_a_1280_px_window_and_typing_restacks_nothing(window, db, qtbot,
                                                                                             admin):
    # A horizontal scroll bar beside the vertical one is raised above it, and it above that, at
    # every keystroke (QAbstractScrollArea), each repainted: the columns fit a 1280-px window,
    # beside the vertical scroll bar of a long list.
    for a in "春夏秋冬东南西北山水金木":
        for b in "平和安宁":
            residents.add_resident(db, residents.ResidentInput(name="陈" + a + b), actor=admin)
    window.resize(1280, 760)
    window.tabs.setCurrentWidget(window.tab_of("residents"))
    settle(qtbot)
    table = window.tab_of("residents").search.table
    restacked: list[str] = []

    class Spy(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.ZOrderChange:
                restacked.append(obj.objectName())
            return False

    spy = Spy()
    for child in table.findChildren(QWidget):
        child.installEventFilter(spy)
    for char in "chen":
        qtbot.keyClicks(window.tab_of("residents").search.box, char)
    settle(qtbot)
    assert table.verticalScrollBar().isVisible()
    assert not table.horizontalScrollBar().isVisible()
    assert restacked == []
