"""One start, in a fresh process (benchmarks/figures.py runs it): prints the wall-clock time at
which the window is painted. `bare`: a bare PySide6 QMainWindow with one QTabWidget tab.
`desk DB`: the program's entry module imported as `main.py` would be, then the signed-in main
window (sign-in itself skipped) shown until its first tab shows its data (the overview's figures;
in a checkout from before issue 18, the residents list filled and the search box ready), then
painted. `sign-in DB`: as a person starts it, through the sign-in dialog (see `sign_in`; `prepare-sign-in
DB` first, untimed). `floor`: the
stack's floor, the bare window after importing what any first read needs (SQLAlchemy's ORM, the
SQLite dialect, the program's models, their mappers configured), none of the program's own work.
Run: python benchmarks/startup_child.py bare|floor|desk|prepare-sign-in|sign-in [DB]
"""
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_until(condition) -> None:
    """A real event loop until `condition()` holds (a list filled on the worker is waited for)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start(1)
    loop.exec()


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "居民档案")
    window.setCentralWidget(tabs)
    window.resize(1280, 760)
    window.show()
    wait_until(window.isVisible)
    window.repaint()
    print(time.time(), flush=True)
    del app


def checkout_on_path() -> str:
    """The checkout measured (DESK_BENCH_ROOT, else this one), first on the import path."""
    root = os.environ.get("DESK_BENCH_ROOT") or str(Path(__file__).resolve().parent.parent)
    sys.path.insert(0, root)
    return root


def floor() -> None:
    """The stack alone, in the order the program imports it (the database stack, then PySide6),
    with the cycle collector off as main.py has it while modules load."""
    import gc

    gc.disable()
    checkout_on_path()
    import sqlalchemy.dialects.sqlite  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    import app.models  # noqa: F401

    configure_mappers()
    bare()


def desk(db_path: Path) -> None:
    root = checkout_on_path()
    import main  # noqa: F401  (the entry module's imports, in its order)
    import app.views.gui  # noqa: F401  (then what the command line imports to open the window, first)
    from app.db import open_database, sqlite_url
    from app.services.access import ADMINISTRATOR, Actor
    from app.views.gui import create_application, install_translations
    from app.views.main_window import MainWindow
    from app.views.ui_settings import open_ui_settings

    app = create_application()
    install_translations(app, "zh_CN")
    try:  # as the window opens it: SQLite's quick check waits for the window (where a version has that)
        db = open_database(sqlite_url(db_path), quick_check=False)
    except TypeError:
        db = open_database(sqlite_url(db_path))
    window = MainWindow(db, open_ui_settings(db_path.with_suffix(".ini")), actor=Actor("bench", ADMINISTRATOR))
    window.resize(1280, 760)
    window.show()

    wait_until(lambda: _first_tab_ready(window))
    window.repaint()
    print(time.time(), flush=True)
    assert Path(sys.modules["app"].__file__).resolve().is_relative_to(Path(root).resolve()), "wrong checkout"
    os._exit(0)  # closing the window and the database is not part of the start


TYPING_S = 2.0  # a user name and a password typed, from the dialog painted to OK


def sign_in(db_path: Path) -> None:
    """As a person starts the desk (`gui.run_gui`, as `python main.py` runs it): the sign-in dialog
    painted (first time printed), TYPING_S of typing, OK (second time), the main window painted
    with its first tab's data (third time). The dialog's answer is filled in (no password checked).
    `prepare-sign-in` first: the login's dialog, as on every start after the first."""
    root = checkout_on_path()
    import main  # noqa: F401
    import app.views.gui as gui
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    from app.services.access import ADMINISTRATOR, Actor
    from app.views.accounts import login_dialog

    try:  # without the database stack, as the command line has it since the dialog opens first
        from app.paths import sqlite_url
    except ImportError:  # a checkout from before
        from app.db import sqlite_url

    def window_ready() -> None:
        window = next((w for w in QApplication.topLevelWidgets() if hasattr(w, "tabs") and w.isVisible()), None)
        if window is None or not _first_tab_ready(window):
            return
        window.repaint()
        print(time.time(), flush=True)  # the window painted with its data
        assert Path(sys.modules["app"].__file__).resolve().is_relative_to(Path(root).resolve()), "wrong checkout"
        os._exit(0)

    def answered(dialog) -> int:
        dialog.show()
        wait_until(dialog.isVisible)
        dialog.repaint()
        print(time.time(), flush=True)  # the dialog painted
        end = time.perf_counter() + TYPING_S
        wait_until(lambda: time.perf_counter() >= end)
        dialog.actor = Actor("bench", ADMINISTRATOR)
        QDialog.accept(dialog)  # closed as OK closes it, the answer filled in
        print(time.time(), flush=True)  # OK
        poll.start(1)
        return 1

    poll = QTimer()
    poll.timeout.connect(window_ready)
    login_dialog.LoginDialog.exec = answered
    login_dialog.FirstAdministratorDialog.exec = answered
    gui.run_gui(sqlite_url(db_path), "zh_CN", db_path.with_suffix(".ini"))


def prepare_sign_in(db_path: Path) -> None:
    """Not timed: the database as on any start after the first, a member of staff set up and
    signed in to it before (desk.ini beside it says so), so the sign-in dialog is the login's."""
    checkout_on_path()
    from PySide6.QtCore import QSettings

    from app.db import open_database, sqlite_url
    from app.services import access, accounts

    db = open_database(sqlite_url(db_path))
    if access.needs_first_administrator(db):
        accounts.create_first_administrator(db, "bench", "测试员", "bench-pass-2026")
    db.dispose()
    settings = QSettings(str(db_path.with_suffix(".ini")), QSettings.Format.IniFormat)
    settings.setValue("signIn/database", sqlite_url(db_path))
    settings.sync()


def _first_tab_ready(window) -> bool:
    from PySide6.QtWidgets import QLineEdit, QTableView

    current = window.tabs.currentWidget() if hasattr(window, "tabs") else None
    if current is not None and getattr(current, "current", None) is not None:
        return True
    box = window.findChild(QLineEdit, "residentSearchBox")
    if box is None or not (box.isVisible() and box.isEnabled()):
        return False
    return any(t.model() is not None and t.model().rowCount() > 0 for t in box.parentWidget().findChildren(QTableView))


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    elif sys.argv[1] == "floor":
        floor()
    elif sys.argv[1] == "sign-in":
        sign_in(Path(sys.argv[2]))
    elif sys.argv[1] == "prepare-sign-in":
        prepare_sign_in(Path(sys.argv[2]))
    else:
        desk(Path(sys.argv[2]))
