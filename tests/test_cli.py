import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_demo_fills_once_and_then_adds_nothing(tmp_path, capsys):
    db = tmp_path / "d.sqlite3"
    assert main(["--db", str(db), "demo", "--seed", "5"]) == 0
    assert "1,500 名居民" in capsys.readouterr().out
    assert main(["--db", str(db), "demo", "--lang", "en"]) == 0
    assert "nothing was added" in capsys.readouterr().out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 1500
    con.close()


def test_database_url_option(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    assert main(["--database-url", url, "demo"]) == 0
    assert (tmp_path / "u.sqlite3").exists()


def test_bad_database_is_a_user_error_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("hello")
    assert main(["--db", str(bad), "--lang", "en", "demo"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "not an SQLite file" in err
    assert bad.read_text() == "hello"


def test_bad_arguments_exit_2_without_traceback(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--scale", "city"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "命令行参数有误" in err and "Traceback" not in err


def test_main_py_runs_as_a_program(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--version"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout
