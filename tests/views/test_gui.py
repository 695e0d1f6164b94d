import sqlite3

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


def test_garbage_cycles_are_still_collected_on_the_gui_thread(app):
    import gc
    import weakref

    from app.views.gui import garbage_collector

    class Node:
        pass

    collector = garbage_collector()
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
    activity().last_input -= 3600  # … and idle
    collector.tick()
    assert gone_old() is None


def test_the_start_up_objects_are_frozen_once_and_thawed_by_a_rebuild(app, monkeypatch):
    import gc

    from app.views.gui import garbage_collector

    collector = garbage_collector()
    monkeypatch.setattr(activity(), "last_input", activity().last_input - 10)  # idle
    try:
        collector.freeze_start_up()
        collector.tick()
        assert gc.get_freeze_count() > 0 and not collector.freeze_due
        collector.thaw()  # a rebuilt window: the old tabs may be collected
        assert gc.get_freeze_count() == 0 and collector.freeze_due
    finally:
        gc.unfreeze()
        collector.freeze_due = False
