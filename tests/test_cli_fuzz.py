"""Property test: whatever the command line, main() ends with 0, 1 or 2 and never a traceback.

The arguments are built from the real commands and options, with random values (huge numbers,
empty strings, odd unicode, paths under tmp_path). Every run passes --db under tmp_path; the
suite's conftest points HOME at a temporary folder, so the real data folder is never touched.
"""
from __future__ import annotations

import io
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import features
from app.cli import main
from app.services import access

ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
HUGE = st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str)
NAMES = ("out.pdf", "out.xlsx", "in.csv", "folder", "", "d.sqlite3", "missing/x.pdf", "链接")


def _value(draw, tmp) -> str:
    kind = draw(st.sampled_from(["text", "int", "path", "empty", "date"]))
    if kind == "text":
        return draw(ODD_TEXT)
    if kind == "int":
        return draw(HUGE)
    if kind == "path":
        return str(tmp / draw(st.sampled_from(NAMES)))
    if kind == "date":
        return draw(st.sampled_from(["2026-02-30", "2026-11-01", "0000-01-01", "9999-12-31", "今天"]))
    return ""


@st.composite
def command_lines(draw, tmp):
    value = lambda: _value(draw, tmp)  # noqa: E731
    command = draw(st.sampled_from(["print", "export", "import", "backup", "restore", "users"]))
    if command == "print":
        argv = ["print", draw(st.sampled_from(list(features.forms()))), "-o", value()]
        options = [o for f in features.FEATURES for o in f.print_options]
        for option in draw(st.lists(st.sampled_from(options), max_size=3)):
            argv.append(option.flags[0])
            if option.kwargs.get("action") != "store_true":
                argv.append(value())
    elif command == "export":
        argv = ["export", "residents", "-o", value()]
        argv += draw(st.sampled_from([[], ["--full"], ["--query", value()], ["--include-inactive"]]))
    elif command == "import":
        argv = ["import", "residents", value()]
        argv += draw(st.sampled_from([[], ["--dry-run"], ["--json"], ["--rejects", value()]]))
    elif command == "backup":
        argv = ["backup"] + draw(st.sampled_from([[], ["--to", value()]]))
    elif command == "restore":
        argv = ["restore", value()]
    else:
        role = draw(st.one_of(st.sampled_from(list(access.ROLES)), ODD_TEXT))
        argv = ["users", "add", value(), "--role", role]
        argv += draw(st.sampled_from([[], ["--recovery"], ["--recovery", "--force"]]))
    if draw(st.booleans()):
        argv += ["--lang", draw(st.sampled_from(["en", "zh_CN"]))]
    return argv


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "folder").mkdir()
    (tmp / "in.csv").write_text("姓名,身份证号,电话\n张三,123,456\n", encoding="utf-8")
    (tmp / "链接").symlink_to(tmp / "in.csv")
    return tmp


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_command_line_ends_in_words_never_a_traceback(place, data, capsys, monkeypatch):
    # A value that is not a path under `place` (今天, -123) is a file name relative to the current
    # folder: there, not in the checkout (an export wrote such files into the project folder).
    monkeypatch.chdir(place)
    argv = ["--db", str(place / "d.sqlite3"), *data.draw(command_lines(place))]
    monkeypatch.setattr(sys, "stdin", io.StringIO("王主任\nnot the password\nsecret-pass-1\n" * 2))
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: --help, a bad option
        code = exit_.code
    captured = capsys.readouterr()
    assert code in (0, 1, 2), argv
    assert code != 1, (argv, captured.err)  # 1 only for faults that are not the user's: none here
    assert "Traceback" not in captured.err + captured.out, argv
