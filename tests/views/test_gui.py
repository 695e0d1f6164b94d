import os
import sqlite3

import pytest
from PySide6.QtWidgets import QMessageBox

from app.db import open_database, sqlite_url
from app.views import gui
from app.views.activity import activity


def test_a_newer_database_gets_a_dialog_and_exit_2(app, tmp_path, monkeypatch):
    path = tmp_path / "future.sqlite3"
    open_database(sqlite_url(path)).dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text)))
    assert gui.run_gui(sqlite_url(path), "zh_CN", tmp_path / "ui.ini") == 2
    assert "更新版本" in shown[0]


def test_unexpected_errors_are_shown_in_words_and_logged(app, monkeypatch, caplog):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: shown.append(text)))
    try:
        raise KeyError("boom")
    except KeyError as exc:
        gui._excepthook(type(exc), exc, exc.__traceback__)
    assert shown == ["出现意外错误，操作未完成。详细信息已写入日志文件。"]
    assert "boom" in caplog.text


@pytest.fixture
def no_job(monkeypatch):
    """No job running, whatever an earlier test left on the worker: the collector waits for jobs."""
    from app.views import worker

    monkeypatch.setattr(worker, "busy", lambda: False)


def test_garbage_cycles_are_still_collected_on_the_gui_thread(app, no_job, monkeypatch):
    import gc
    import weakref

    from app.views.gui import garbage_collector

    class Node:
        pass

    collector = garbage_collector()
    monkeypatch.setattr(collector, "starting", False)  # the desk is up
    assert collector is not None and not gc.isenabled()  # never on whichever thread allocates
    old = Node()
    old.me = old  # a cycle: only the collector frees it
    gc.collect(1)  # `old` now lives in the oldest generation
    young = Node()
    young.me = young
    gone_young, gone_old = weakref.ref(young), weakref.ref(old)
    del old
    del young
    collector.last_older -= 3600
    collector.tick()  # the young generations, as every few seconds
    assert gone_young() is None and gone_old() is not None
    collector.last_full -= 3600  # long since the last full collection …
    activity().last_input -= 3600  # … and idle: no input …
    collector.last_busy -= 3600  # … and no job
    collector.tick()
    assert gone_old() is None


def test_a_full_collection_waits_until_a_job_has_been_over_for_a_while(app, no_job, monkeypatch):
    # A 10k import waited for without a click ends in its result page: a full pass then froze
    # the window for about 95 ms just as the person looked at it.
    import gc
    import time

    from app.views import gui

    collector = gui.garbage_collector()
    generations = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: generations.append(generation))
    monkeypatch.setattr(activity(), "last_input", activity().last_input - 3600)  # no key for an hour
    monkeypatch.setattr(collector, "last_full", time.monotonic() - gui.FULL_EVERY_S - 1)  # due, not overdue
    monkeypatch.setattr(collector, "last_busy", time.monotonic() - 1)  # the import ended a second ago
    monkeypatch.setattr(collector, "freeze_due", False)
    monkeypatch.setattr(collector, "starting", False)
    collector.tick()
    assert generations and max(generations) < 2
    collector.last_busy -= gui.FULL_IDLE_S
    collector.tick()
    assert generations[-1] == 2


def test_nothing_is_collected_while_the_desk_starts_and_the_start_is_frozen_without_a_pass(app, no_job, monkeypatch):
    # The start makes a few hundred cyclic objects among 450,000: young passes over them cost
    # 15-20 ms each of the start, and a pass before the freeze 180 ms.
    import gc

    from app.views import gui

    done = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: done.append(generation))
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    collector = gui._GarbageCollector(app)  # as create_application makes it
    never_frozen = gui._GarbageCollector(app)  # no window froze its start (a long sign-in)
    collector.timer.stop()
    never_frozen.timer.stop()
    try:
        collector.tick()
        assert done == []  # starting
        collector.freeze_start_up()  # the window is up, its data shown, what a first click needs loaded
        collector.tick()
        assert done == ["freeze"]
        collector.tick()
        assert done == ["freeze", 0]  # the young generation from then on
        never_frozen.started -= gui.START_S  # a sign-in left open: the start is frozen all the same
        never_frozen.tick()
        assert done[-1] == "freeze"
        never_frozen.tick()
        assert done[-1] == 0
    finally:
        collector.deleteLater()
        never_frozen.deleteLater()


def test_a_rebuilt_window_s_old_tabs_are_collected_then_frozen_anew(app, no_job, monkeypatch):
    import gc

    from app.views.gui import garbage_collector

    collector = garbage_collector()
    monkeypatch.setattr(activity(), "last_input", activity().last_input - 10)  # idle
    monkeypatch.setattr(collector, "last_busy", collector.last_busy - 10)
    collect, generations = gc.collect, []
    monkeypatch.setattr(gc, "collect", lambda generation=2: (generations.append(generation), collect(generation))[1])
    monkeypatch.setattr(collector, "starting", False)
    gc.freeze()  # as the start left it
    try:
        collector.thaw()  # a rebuilt window: the old tabs may be collected
        assert gc.get_freeze_count() == 0 and collector.freeze_due
        collector.tick()
        assert generations == [2] and gc.get_freeze_count() > 0 and not collector.freeze_due
    finally:
        gc.unfreeze()
        collector.freeze_due = collector.thawed = False


def test_qt_paints_on_the_gui_thread_without_a_thread_pool(app, monkeypatch):
    # Qt hands large fills to a pool of threads and waits for them: dearer than the fill on a
    # desk PC's two cores. Whoever starts the desk with the variable set keeps their value.
    monkeypatch.delenv("QT_NO_GUI_THREADPOOL", raising=False)
    assert gui.create_application() is app
    assert os.environ["QT_NO_GUI_THREADPOOL"] == "1"
