"""Start-up to a usable window (target ≤ 0.6 s on a 2-core machine).

Measures, in a fresh process each time, the wall time from launching Python to
the main window shown with the residents list filled and the search box ready
(after sign-in: the time a person spends typing the password is not counted).
Run: python benchmarks/startup.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from common import ROOT, demo_database

CHILD = r"""
import os, sys, time
sys.path.insert(0, sys.argv[2])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from app.views.gui import create_application, install_translations
from app.views.main_window import MainWindow
from app.views.ui_settings import open_ui_settings
from app.db import open_database, sqlite_url
from pathlib import Path
app = create_application()
install_translations(app, "zh_CN")
db = open_database(sqlite_url(sys.argv[1]))
from app.services.access import ADMINISTRATOR, Actor
win = MainWindow(db, open_ui_settings(Path(sys.argv[1]).with_suffix(".ini")), actor=Actor("bench", ADMINISTRATOR))
win.show()
app.processEvents()
assert win.tab_of("residents").search.model.rowCount() > 0
print(time.time())
"""


def run(scale: str, rounds: int = 7) -> None:
    path = demo_database(scale)
    samples = []
    for _ in range(rounds):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT)], capture_output=True,
                             text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]) - start)
    print(f"start-up to usable window, {scale:8s}: median {statistics.median(samples):.3f} s, "
          f"worst {max(samples):.3f} s (n={rounds}; target 0.6 s)")


if __name__ == "__main__":
    for scale in sys.argv[1:] or ("village", "town"):
        run(scale)
