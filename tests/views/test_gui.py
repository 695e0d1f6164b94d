import sqlite3

from PySide6.QtWidgets import QMessageBox

from app.db import open_database, sqlite_url
from app.views import gui


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
