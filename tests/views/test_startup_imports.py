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


def test_models_are_declared_without_string_annotations():
    """`from __future__ import annotations` in a model module makes SQLAlchemy evaluate each
    annotation's text at start-up (app/models/__init__.py)."""
    found = [path.name for path in (ROOT / "app" / "models").glob("*.py")
             if "from __future__ import annotations" in path.read_text(encoding="utf-8").splitlines()]
    assert found == []
