"""A test run never writes into the real user data folder.

tests/conftest.py points HOME/XDG (and platformdirs' Windows override) at a temporary folder for
every test (`user_folders`), and its session fixture `real_data_folder_untouched` compares the
real data folder, read before any test ran, before and after the whole run. These tests check
both: every place the program writes is under pytest's temporary folder, and the session check
really fails a run that writes into the real folder (run in a separate pytest with a stand-in home).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.paths import data_dir, data_folder, default_database_path
from app.services import backup
from tests.conftest import REAL_DATA_FOLDER, folder_listing

ROOT = Path(__file__).resolve().parent.parent


def test_the_data_folder_of_a_test_is_under_pytests_temporary_folder(tmp_path_factory, db):
    base = tmp_path_factory.getbasetemp().resolve()
    for path in (data_folder(), data_dir(), default_database_path(), backup.default_folder(),
                 backup.database_folder(db)):
        assert path.resolve().is_relative_to(base), path
    assert not data_dir().resolve().is_relative_to(REAL_DATA_FOLDER.resolve())
    assert not REAL_DATA_FOLDER.resolve().is_relative_to(base)  # read before the monkeypatch


def test_folder_listing_sees_new_changed_and_removed_files(tmp_path):
    folder = tmp_path / "NeighbourhoodDesk"
    assert folder_listing(folder) is None  # and it was not created
    assert not folder.exists()
    folder.mkdir()
    (folder / "desk.sqlite3").write_bytes(b"x")
    first = folder_listing(folder)
    (folder / "backups").mkdir()
    assert folder_listing(folder) != first
    (folder / "backups").rmdir()
    assert folder_listing(folder) == first
    (folder / "desk.sqlite3").write_bytes(b"xy")
    assert folder_listing(folder) != first


STRAY = """
from tests.conftest import REAL_DATA_FOLDER

def test_writes_into_the_real_folder():
    REAL_DATA_FOLDER.mkdir(parents=True, exist_ok=True)
    (REAL_DATA_FOLDER / "backups").mkdir(exist_ok=True)
    (REAL_DATA_FOLDER / "backups" / "desk-2026-01-01-daily.sqlite3").write_bytes(b"stray")
"""

CAREFUL = """
from app.paths import data_dir

def test_writes_only_where_it_should():
    (data_dir() / "desk.log").write_text("fine")
"""


def _run_suite(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess:
    """A pytest run with tests/conftest.py and a stand-in real home under tmp_path."""
    test = tmp_path / name
    test.write_text(source, encoding="utf-8")
    home = tmp_path / "real-home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "--rootdir", str(tmp_path), "--basetemp", str(tmp_path / f"basetemp-{name}"), str(test)],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.mark.slow
def test_the_session_check_fails_a_run_that_writes_into_the_real_folder(tmp_path):
    real = tmp_path / "real-home" / ".local" / "share" / "NeighbourhoodDesk"
    careful = _run_suite(tmp_path, "test_careful.py", CAREFUL)
    assert careful.returncode == 0, careful.stdout + careful.stderr
    assert not real.exists()  # the check never creates the folder
    stray = _run_suite(tmp_path, "test_stray.py", STRAY)
    assert stray.returncode != 0
    assert "changed the real data folder" in stray.stdout and "backups" in stray.stdout
