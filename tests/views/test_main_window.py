from PySide6.QtCore import QSize
from PySide6.QtGui import QFontDatabase

from app.db import open_database, sqlite_url
from app.services import residents
from app.views.gui import install_translations, register_fonts
from app.views.main_window import MainWindow


def test_only_real_tabs_and_the_database_in_the_status_bar(window, db):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "概览", "居民档案", "便民服务", "日间照料", "四点半课堂", "爱心商铺", "共治积分", "活动"]
    assert window.tabs.currentIndex() == 0  # the window opens on the overview
    assert window.db_label.text() == f"数据库：{db.label}"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "设置(&S)", "语言(&L)", "帮助(&H)"]


def test_language_switches_live_and_is_remembered(window, ui_settings, qtbot):
    qtbot.keyClicks(window.tab_of("residents").search.box, "clj")
    window.switch_language("en")
    assert window.tabs.tabText(0) == "Overview" and window.tabs.tabText(1) == "Residents"
    assert window.tab_of("residents").search.model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) == "Name"
    assert window.tab_of("residents").search.box.text() == "clj"  # the search survives
    assert ui_settings.value("language") == "en"
    window.switch_language("zh_CN")
    assert window.tabs.tabText(0) == "概览" and window.tabs.tabText(1) == "居民档案"


def test_window_remembers_its_size(app, db, ui_settings, qtbot, admin):
    first = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(first)
    first.show()
    size = QSize(max(700, first.minimumSizeHint().width()), 500)  # the offscreen screen is 800 wide
    first.resize(size)
    first.close()
    second = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(second)
    assert second.size() == size


def test_first_start_fills_demo_data_in_the_background(app, tmp_path, ui_settings, qtbot, admin):
    db = open_database(sqlite_url(tmp_path / "new.sqlite3"))
    assert db.created
    win = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(win)
    win.show()
    win.fill_demo_data()
    qtbot.waitUntil(lambda: win.tab_of("residents").search.model.rowCount() > 1000, timeout=30000)
    assert residents.count_residents(db, include_inactive=True) == 1500
    assert win.windowTitle().startswith("莲坂村党建+邻里中心")
    assert not win.progress.isVisible()
    db.dispose()


def test_bundled_chinese_font_is_registered(app):
    families = register_fonts()
    assert "WenQuanYi Micro Hei" in families
    assert "WenQuanYi Micro Hei" in QFontDatabase.families()
    assert "WenQuanYi Micro Hei" in app.font().families()
    assert families[-2:] == ["RareHanA", "RareHanB"]  # rare characters (生僻字) as the last fallbacks


def test_qt_dialog_buttons_follow_the_language(app):
    from PySide6.QtWidgets import QDialogButtonBox

    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    install_translations(app, "en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"


def test_daily_backup_runs_in_the_background(app, db, ui_settings, qtbot, tmp_path, monkeypatch, admin):
    from app.services import backup

    made = []
    monkeypatch.setattr(backup, "auto_backup", lambda database, **kw: made.append(database) or [])
    win = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(win)
    win.daily_backup()
    qtbot.waitUntil(lambda: made == [db])


def test_a_failed_daily_backup_is_shown_in_the_status_bar(app, db, ui_settings, qtbot, monkeypatch, admin):
    from app.services import backup

    def full_disk(database, **kw):
        raise backup.BackupError("磁盘已满")

    monkeypatch.setattr(backup, "auto_backup", full_disk)
    win = MainWindow(db, ui_settings, actor=admin)
    qtbot.addWidget(win)
    win.daily_backup()
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == "自动备份失败：磁盘已满")


def test_the_about_box_shows_the_package_version(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app import __version__

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about()
    assert f"邻里中心前台 {__version__}" in shown[0]


def test_the_about_box_lists_the_parts_that_exist(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app import features
    from app.i18n import _

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about()
    # The features there are, in the order of the tabs; nothing promised that is not built yet. The
    # overview is a view of the others, not a part.
    parts = "、".join(_(f.label) for f in features.FEATURES if f.name != "overview")
    assert parts.startswith("居民档案、便民服务") and f"邻里中心前台工作软件：{parts}。无需联网" in shown[0]
    assert "概览" not in shown[0]
    window.switch_language("en")
    window.about()
    parts = ", ".join(f.label for f in features.FEATURES if f.name != "overview")
    assert parts.endswith("Volunteer points, Activities")
    assert f"centre: {parts}. Works offline." in shown[1] and "day-care" not in shown[1]


def test_the_counter_label_counts_before_the_counter_tab_is_built(window, db, qtbot):
    import datetime as dt

    from app.services import counter
    from app.services.counter import TicketInput
    from app.views.main_window import _Unbuilt
    from tests.conftest import ADMIN
    from tests.views.conftest import settle

    counter.ensure_default_catalogue(db, actor=ADMIN)
    category = counter.list_categories(db)[0].id
    late = dt.date.today() - dt.timedelta(days=30)
    counter.receive_ticket(db, TicketInput(category_id=category, description="咨询社保转移", walk_in_name="陈阿姨",
                                           walk_in_phone="13812345678"), actor=ADMIN, today=late)
    window.notice.changed.emit("tickets")  # counted on the worker
    settle(qtbot)
    i = window.tabs.indexOf(window.feature_tabs["counter"])
    assert i == 2 and isinstance(window.tabs.widget(i), _Unbuilt)  # not built to say so
    assert window.tabs.tabText(i) == "便民服务（1 件逾期）"
    assert window.tabs.tabBar().tabTextColor(i).name() == "#b71c1c"
    window.switch_language("en")  # a rebuild counts again, in the new language
    settle(qtbot)
    assert isinstance(window.tabs.widget(i), _Unbuilt) and window.tabs.tabText(i) == "Service counter (1 overdue)"
    tab = window.tab_of("counter")
    assert window.tabs.tabText(i) == "Service counter (1 overdue)" and tab.current_label()[1]


def test_a_tab_keeps_what_was_typed_across_rebuilds_before_it_is_shown_again(window, qtbot):
    from app.views.main_window import _Unbuilt

    qtbot.keyClicks(window.tab_of("residents").search.box, "clj")
    window.tabs.setCurrentIndex(1)
    window.switch_language("en")
    window.switch_language("zh_CN")  # the residents tab was not shown in between
    assert isinstance(window.tabs.widget(0), _Unbuilt)
    window.tabs.setCurrentIndex(0)
    assert window.tab_of("residents").search.box.text() == "clj"


def test_a_database_found_damaged_after_start_closes_the_window_saying_so(window, qtbot, monkeypatch):
    from app.errors import DatabaseError
    from app.views import main_window
    from tests.views.conftest import settle

    shown = []
    monkeypatch.setattr(main_window.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    backed_up = []
    window.check_database(then=lambda: backed_up.append(True))  # a sound database: then the backup
    settle(qtbot)
    assert backed_up == [True] and window.isVisible() and not shown

    def damaged():
        raise DatabaseError("数据库已损坏，请恢复最近的备份。")
    monkeypatch.setattr(window.db, "check_integrity", damaged)
    window.check_database(then=lambda: backed_up.append(True))
    settle(qtbot)
    assert shown == ["数据库已损坏，请恢复最近的备份。"] and not window.isVisible() and backed_up == [True]
