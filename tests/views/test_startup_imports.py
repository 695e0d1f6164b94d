"""Start-up imports only what the first window needs: the report, spreadsheet, migration and
pinyin stacks load when they are first used (issue 12: each costs tens of milliseconds)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.db import open_database, sqlite_url
from app.services import residents
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "alembic", "pypinyin")

# The program's own entry (main.py → app.cli → the window), signed in without the dialog as
# benchmarks/startup.py does; what is imported is noted when the main window is first shown.
CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from app.cli import main
from app.services.access import ADMINISTRATOR, Actor
from app.views import gui
from app.views.main_window import MainWindow
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

gui.sign_in = lambda db: Actor("guard", ADMINISTRATOR)
seen = {}
original = MainWindow.showEvent

def shown(self, event):
    if not seen:
        seen["modules"] = sorted({name.partition(".")[0] for name in sys.modules})
        QTimer.singleShot(0, QApplication.instance().quit)
    original(self, event)

MainWindow.showEvent = shown
code = main(["--db", sys.argv[2]])
print(json.dumps({"code": code, **seen}))
"""


@pytest.mark.slow  # a fresh process: about 2.5 s
def test_the_first_window_shows_without_the_report_spreadsheet_migration_and_pinyin_stacks(
        blank_database, tmp_path):
    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path))  # at head: nothing to migrate
    residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13812345678", estate="宝源花园"), actor=ADMIN)
    db.dispose()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and "PySide6" in result["modules"]
    assert [name for name in HEAVY if name in result["modules"]] == []


# The real sign-in, its dialog answered: what was loaded when it showed, and what while it waited.
SIGN_IN_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from app.cli import main
from app.services.access import ADMINISTRATOR, Actor
from app.views.accounts import login_dialog
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

seen = {}
PREPARED = ("app.models", "app.services.accounts", "app.views.main_window", "app.views.overview.tab")

def answered(dialog):
    dialog.show()
    seen["at_dialog"] = [name for name in PREPARED if name in sys.modules]
    loop, end = QEventLoop(), time.monotonic() + 30
    timer = QTimer()
    timer.timeout.connect(lambda: (all(n in sys.modules for n in PREPARED) or time.monotonic() > end) and loop.quit())
    timer.start(10)
    loop.exec()  # a person typing the password
    seen["while_typing"] = [name for name in PREPARED if name in sys.modules]
    dialog.actor = Actor("guard", ADMINISTRATOR)
    from app.views.main_window import MainWindow  # the window closes once shown

    original = MainWindow.showEvent

    def shown(self, event):
        QTimer.singleShot(0, QApplication.instance().quit)
        original(self, event)

    MainWindow.showEvent = shown
    return 1

login_dialog.LoginDialog.exec = answered
code = main(["--db", sys.argv[2]])
print(json.dumps({"code": code, **seen}))
"""


def _with_administrator(blank_database, tmp_path) -> Path:
    from app.services import accounts

    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path))
    accounts.create_first_administrator(db, "admin", "管理员", "a long pass phrase 1")
    db.dispose()
    return path


def _start(child: str, path: Path) -> dict:
    """`child` run as a fresh process on the database at `path`: what it printed last."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", child, str(ROOT), str(path)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a fresh process: about 3 s
def test_the_sign_in_dialog_shows_before_the_models_load_and_they_load_while_it_waits(
        blank_database, tmp_path):
    """The dialog opens about 0.1 s sooner without the models; the window's modules load while the
    person types (views/gui.py prepare_main_window), so the window follows OK at once."""
    path = _with_administrator(blank_database, tmp_path)
    result = _start(SIGN_IN_CHILD, path)
    assert result["code"] == 0
    assert result["at_dialog"] == []
    assert result["while_typing"] == ["app.models", "app.services.accounts", "app.views.main_window",
                                      "app.views.overview.tab"]


def test_models_are_declared_without_string_annotations():
    """`from __future__ import annotations` in a model module makes SQLAlchemy evaluate each
    annotation's text at start-up (app/models/__init__.py)."""
    found = [path.name for path in (ROOT / "app" / "models").glob("*.py")
             if "from __future__ import annotations" in path.read_text(encoding="utf-8").splitlines()]
    assert found == []


# A later start, someone signed in to the file before: the login dialog, OK pressed at once.
EARLY_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from app.cli import main
from app.views.accounts import login_dialog
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

seen = {}

def answered(dialog):
    dialog.show()
    seen["stack_at_dialog"] = sorted({name.partition(".")[0] for name in sys.modules} & {"sqlalchemy", "sqlite3"})
    seen["file_open_at_dialog"] = dialog.db is not None
    dialog.username_edit.setText("admin")
    dialog.password_edit.setText("a long pass phrase 1")
    dialog.accept()
    from app.views.main_window import MainWindow  # the window closes once shown

    original = MainWindow.showEvent

    def shown(self, event):
        seen["signed_in"] = self.actor.name
        QTimer.singleShot(0, QApplication.instance().quit)
        original(self, event)

    MainWindow.showEvent = shown
    return dialog.result()

login_dialog.LoginDialog.exec = answered
login_dialog.FirstAdministratorDialog.exec = lambda dialog: 0
code = main(["--db", sys.argv[2]])
print(json.dumps({"code": code, **seen}))
"""


@pytest.mark.slow  # two fresh processes: about 6 s
def test_a_later_start_shows_the_login_dialog_before_the_database_stack_loads(blank_database, tmp_path):
    """Once someone has signed in to this computer's file, the next start paints the login dialog
    first and opens the file while the person types (views/gui.py sign_in_before_opening)."""
    path = _with_administrator(blank_database, tmp_path)
    first, later = _start(EARLY_CHILD, path), _start(EARLY_CHILD, path)
    assert first["code"] == 0 and first["signed_in"] == "admin"
    assert first["file_open_at_dialog"] and "sqlalchemy" in first["stack_at_dialog"]
    assert later["code"] == 0 and later["signed_in"] == "admin"
    assert later["stack_at_dialog"] == [] and not later["file_open_at_dialog"]
