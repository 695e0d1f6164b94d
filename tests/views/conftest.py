import contextlib

import pytest
from sqlalchemy import text

from app.db import open_database
from app.services import grids, residents, tags
from app.services.residents import ResidentInput
from app.views.gui import create_application, install_translations
from app.views.main_window import MainWindow
from app.views.ui_settings import open_ui_settings
from tests.conftest import ADMIN


@pytest.fixture
def app(qapp):
    application = create_application()
    install_translations(application, "zh_CN")
    yield application
    install_translations(application, "zh_CN")


@pytest.fixture
def ui_settings(tmp_path):
    return open_ui_settings(tmp_path / "ui.ini")


@pytest.fixture
def registry(db):
    """A small registry: ids by name."""
    tags.ensure_default_tags(db, actor=ADMIN)
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    sub = grids.add_grid(db, grids.add_grid(db, root, "第一网格", "林燕", actor=ADMIN), "一组", actor=ADMIN)
    made = {}
    for name, id_number, phone in [("蔡良剑", "11010519491231002X", "13812345678"),
                                   ("单雄信", "", "0595-88881234"),
                                   ("陈安", "", "13900001111"),
                                   ("陈良", "", "")]:
        made[name] = residents.add_resident(db, ResidentInput(name=name, id_number=id_number, phone=phone,
                                                              estate="宝源花园", building="3", grid_id=sub), actor=ADMIN)
    return made


@pytest.fixture
def window(app, db, registry, ui_settings, qtbot, admin):
    win = MainWindow(db, ui_settings, on_language=lambda code: install_translations(app, code), actor=admin)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def type_chinese(widget, text: str) -> None:
    """Type Chinese the way an input method does: one committed string."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def settle(qtbot) -> None:
    """Wait until background saves (views/shared/writes.py) have reported back."""
    from app.views import worker

    try:
        qtbot.waitUntil(lambda: not worker.busy(), timeout=10000)
    except qtbot.TimeoutError:
        raise AssertionError(f"jobs still pending: {worker.pending()}") from None


def answer(monkeypatch, qtbot, dialog_class, act):
    """Replace a dialog's exec(): show it, let `act(dialog)` fill it in and click, wait for the
    save; returns the dialogs shown."""
    seen = []

    def run(dialog):
        dialog.show()
        seen.append(dialog)
        settle(qtbot)  # what the dialog reads on the worker as it opens
        act(dialog)
        settle(qtbot)
        return dialog.result() if callable(dialog.result) else (1 if dialog.isHidden() else 0)

    monkeypatch.setattr(dialog_class, "exec", run)
    return seen


def shown(tab, qtbot, width: int = 1366, height: int = 720):
    """A tab shown at a desk's screen size, its first load (on the worker) arrived."""
    qtbot.addWidget(tab)
    tab.resize(width, height)
    tab.show()
    qtbot.waitExposed(tab)
    settle(qtbot)
    return tab


@contextlib.contextmanager
def garbage_collector_paused():
    """For a test that times the window. The desk's collector walks what a desk holds; in the suite
    it walks what a thousand tests left behind, and a full pass over that took 1 s here and 2 s on
    CI, landing in whichever test came next."""
    from app.views.gui import garbage_collector

    collector = garbage_collector()
    collector.timer.stop()
    try:
        yield
    finally:
        collector.timer.start()


@contextlib.contextmanager
def another_desk_writing(db):
    """Another desk in the middle of a write until the block ends: a second Database on the same
    database holding the write lock (SQLite: BEGIN IMMEDIATE, which every writer waits for;
    PostgreSQL: write_session's advisory lock, plus the residents table an ordinary save inserts into)."""
    other = open_database(db.engine.url.render_as_string(hide_password=False))
    try:
        with other.write_session() as s:
            if other.engine.url.get_backend_name() == "postgresql":
                s.execute(text("LOCK TABLE residents IN EXCLUSIVE MODE"))  # reads go on, writes wait
            yield
    finally:
        other.dispose()
