"""The overview tab (概览): tiles with today's numbers, refreshed by change notices, each opening the
tab behind it."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt

from app import features
from app.i18n import N_
from app.services import counter
from app.services.access import VIEWER, Actor
from app.services.counter import CategoryInput, TicketInput
from app.views import notices
from app.views.main_window import MainWindow
from app.views.overview.tab import DEBOUNCE_MS, OverviewTab
from tests.conftest import ADMIN
from tests.views.conftest import settle

TODAY = dt.date.today()
OVERVIEW = features.Feature("overview", N_("Overview"), topic="overview", tab="app.views.overview.tab:OverviewTab")


def ticket(db, category, received_on, name="陈阿姨"):
    return counter.receive_ticket(db, TicketInput(category_id=category, description="咨询社保转移",
                                                  walk_in_name=name, walk_in_phone="13812345678"),
                                  actor=ADMIN, today=received_on)


@pytest.fixture
def tickets(db):
    """Two open tickets: one received a month ago (overdue), one today."""
    category = counter.add_category(db, CategoryInput("社保", "centre", 5), actor=ADMIN)
    ticket(db, category, TODAY - dt.timedelta(days=30))
    ticket(db, category, TODAY, "王先生")
    return category


@pytest.fixture
def tab(app, db, tickets, qtbot):
    notice = notices.Notices()
    tab = OverviewTab(db, notice, actor=ADMIN)
    qtbot.addWidget(tab)
    tab.resize(1280, 700)
    tab.show()
    settle(qtbot)
    return tab


def numbers(tab) -> dict[str, str]:
    return {key: tile.number.text() for key, tile in tab.tiles.items()}


def test_the_tiles_show_todays_numbers_and_the_alert(tab):
    shown = numbers(tab)
    assert (shown["tickets_open"], shown["tickets_overdue"], shown["tickets_due_today"]) == ("2", "1", "0")
    assert (shown["elders_in"], shown["children_here"]) == ("0", "0")
    assert tab.tiles["tickets_overdue"].property("alert") == "red"
    assert tab.tiles["tickets_open"].property("alert") == ""  # calm unless something is late
    assert [row.alert.kind for row in tab.alert_rows] == ["tickets_overdue"]


def test_a_change_notice_refreshes_the_figures_once(tab, db, tickets, qtbot, monkeypatch):
    ticket(db, tickets, TODAY - dt.timedelta(days=40), "林先生")
    from app.services import overview

    reads = []
    real = overview.today
    monkeypatch.setattr(overview, "today", lambda *a, **k: reads.append(1) or real(*a, **k))
    for _i in range(5):  # a burst (another desk's import): one read after it
        tab.notice.changed.emit(notices.TICKETS)
    qtbot.waitUntil(lambda: numbers(tab)["tickets_overdue"] == "2", timeout=5000)
    settle(qtbot)
    assert numbers(tab)["tickets_open"] == "3" and len(reads) == 1


def test_a_hidden_overview_reads_its_figures_when_shown_again(tab, db, tickets, qtbot, monkeypatch):
    """Each save of an import sends a notice: a hidden overview reads once, when it is shown."""
    from app.services import overview

    reads = []
    real = overview.today
    monkeypatch.setattr(overview, "today", lambda *a, **k: reads.append(1) or real(*a, **k))
    tab.hide()
    ticket(db, tickets, TODAY - dt.timedelta(days=40), "林先生")
    tab.notice.changed.emit(notices.TICKETS)
    qtbot.wait(DEBOUNCE_MS + 200)
    settle(qtbot)
    assert reads == [] and numbers(tab)["tickets_overdue"] == "1"
    tab.show()
    qtbot.waitUntil(lambda: numbers(tab)["tickets_overdue"] == "2", timeout=5000)
    settle(qtbot)
    assert len(reads) == 1


def test_a_viewer_sees_the_figures(app, db, tickets, qtbot):
    viewer = OverviewTab(db, notices.Notices(), actor=Actor("来访者", VIEWER))
    qtbot.addWidget(viewer)
    settle(qtbot)
    assert numbers(viewer)["tickets_overdue"] == "1"


@pytest.fixture
def window_with_overview(app, db, tickets, ui_settings, qtbot, monkeypatch):
    monkeypatch.setattr(features, "FEATURES", (OVERVIEW, *features.FEATURES))
    win = MainWindow(db, ui_settings, actor=ADMIN)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    settle(qtbot)
    return win


def test_the_overview_is_the_first_tab_and_the_overdue_tile_opens_the_counters_overdue_list(window_with_overview,
                                                                                            qtbot):
    win = window_with_overview
    overview_tab = win.tabs.widget(0)
    assert isinstance(overview_tab, OverviewTab) and win.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: numbers(overview_tab).get("tickets_overdue") == "1", timeout=5000)
    qtbot.mouseClick(overview_tab.tiles["tickets_overdue"], Qt.MouseButton.LeftButton)
    settle(qtbot)
    counter_tab = win.tab_of("counter")
    assert win.tabs.currentWidget() is counter_tab
    assert counter_tab.show_combo.currentData() == "overdue"


def test_an_alert_opens_its_list_from_the_keyboard(window_with_overview, qtbot):
    win = window_with_overview
    overview_tab = win.tabs.widget(0)
    qtbot.waitUntil(lambda: bool(getattr(overview_tab, "alert_rows", [])), timeout=5000)
    row = overview_tab.alert_rows[0]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_Return)
    settle(qtbot)
    assert win.tabs.currentWidget() is win.tab_of("counter")
