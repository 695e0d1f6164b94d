import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__, features
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
    out = capsys.readouterr().out
    assert "1,500 名居民" in out and "件便民服务工单" in out
    assert main(["--db", str(db), "demo", "--lang", "en"]) == 0
    assert "nothing was added" in capsys.readouterr().out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 1500
    con.close()


def test_a_command_collects_garbage_again(tmp_path, monkeypatch):
    """main.py turns the cycle collector off while the modules load; a command (which may build a
    whole town in memory) runs with it on, as Python has it."""
    import gc

    from app import cli

    bad = tmp_path / "bad.sqlite3"
    bad.write_text("hello")
    was = gc.isenabled()  # off once a test has made the window's collector: it stays so
    monkeypatch.setattr(cli, "COLLECTOR_OFF_AT_START", True)
    gc.disable()
    try:
        assert main(["--db", str(bad), "--lang", "en", "demo"]) == 2
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_a_command_leaves_the_collector_as_it_found_it_when_main_py_did_not_turn_it_off(tmp_path):
    """The tests call main() in a process whose window collects on the GUI thread only."""
    import gc

    bad = tmp_path / "bad.sqlite3"
    bad.write_text("hello")
    was = gc.isenabled()
    gc.disable()
    try:
        assert main(["--db", str(bad), "--lang", "en", "demo"]) == 2
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


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


def test_argparse_speaks_the_interface_language(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "用法：" in out and "选项" in out and "位置参数" in out and "显示此帮助信息并退出" in out
    assert "usage" not in out and "options" not in out and "show this help" not in out
    with pytest.raises(SystemExit):
        main(["print", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "选项" in out
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--scale", "city"])
    assert exit_.value.code == 2
    assert "无效的选项值：'city'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "residents"])
    assert "缺少以下参数：-o/--output" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ") and "options:" in out and "show this help message and exit" in out
    assert "用法" not in out and "选项" not in out
    with pytest.raises(SystemExit):
        main(["demo", "--lang", "en", "--scale", "city"])
    assert "invalid choice: 'city'" in capsys.readouterr().err


def test_main_py_help_in_chinese_and_english(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                              text=True, encoding="utf-8", cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})

    chinese = run("--help")
    assert chinese.returncode == 0 and "用法" in chinese.stdout and "选项" in chinese.stdout
    english = run("--help", "--lang", "en")
    assert english.returncode == 0 and "usage" in english.stdout and "options" in english.stdout


def test_main_py_runs_as_a_program(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--version"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout


# -- import / export residents -------------------------------------------------------------

def _ledger(path: Path, rows) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"  # wrong check digit


def _count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM residents").fetchone()[0]
    finally:
        con.close()


def test_import_residents_json_and_default_rejects_file(tmp_path, capsys):
    import json

    import openpyxl

    db = tmp_path / "d.sqlite3"
    source = _ledger(tmp_path / "花名册.xlsx", [["姓名", "身份证号", "联系电话"],
                                                ["蔡良剑", GOOD_ID, "13812345678"],
                                                ["林芳", BAD_ID, "13812345679"]])
    assert main(["--db", str(db), "import", "residents", str(source), "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    rejects = tmp_path / "花名册-错误清单.xlsx"
    assert result == {"imported": 1, "updated": 0, "unchanged": 0, "rejected": 1,
                      "rejects_file": str(rejects), "unknown_columns": [], "dry_run": False}
    rows = list(openpyxl.load_workbook(rejects).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "身份证号", "联系电话", "错误原因") and rows[1][:3] == ("林芳", BAD_ID, "13812345679")
    assert _count(db) == 1
    # again: nothing changes
    assert main(["--db", str(db), "import", "residents", str(source), "--json"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_import_residents_human_summary_and_explicit_rejects(tmp_path, capsys):
    db = tmp_path / "d.sqlite3"
    source = tmp_path / "ledger.csv"
    source.write_bytes(f"序号,姓名,身份证号\r\n1,蔡良剑,{GOOD_ID}\r\n2,林芳,{BAD_ID}\r\n".encode("gbk"))
    out_file = tmp_path / "fix-me.xlsx"
    assert main(["--db", str(db), "import", "residents", str(source), "--rejects", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "新增居民：1；更新：0；无变化：0；有错误：1。" in out
    assert "未导入的列：序号" in out and "第 3 行：身份证号：" in out
    assert str(out_file) in out and out_file.exists()
    assert not (tmp_path / "ledger-错误清单.xlsx").exists()


def test_import_dry_run_changes_nothing(tmp_path, capsys):
    db = tmp_path / "d.sqlite3"
    source = _ledger(tmp_path / "a.xlsx", [["姓名", "身份证号"], ["蔡良剑", GOOD_ID], ["林芳", BAD_ID]])
    assert main(["--db", str(db), "import", "residents", str(source), "--dry-run", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written" in out and "Would be new: 1" in out
    assert _count(db) == 0 and not (tmp_path / "a-错误清单.xlsx").exists()


@pytest.mark.parametrize("name,content,message", [
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "不是 Excel 工作簿"),
    ("secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "密码保护"),
    ("noname.csv", "身份证号,电话\r\n1,2\r\n".encode("gbk"), "缺少必填列“姓名”"),
])
def test_import_of_a_bad_file_is_a_one_line_user_error(tmp_path, capsys, name, content, message):
    db = tmp_path / "d.sqlite3"
    main(["--db", str(db), "demo", "--seed", "3"])
    before = _count(db)
    capsys.readouterr()
    (tmp_path / name).write_bytes(content)
    assert main(["--db", str(db), "import", "residents", str(tmp_path / name), "--json"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.strip().count("\n") == 0
    assert "Traceback" not in captured.err and captured.out == ""
    assert _count(db) == before


def test_import_missing_file_in_english(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "d.sqlite3"), "import", "residents", str(tmp_path / "x.xlsx"),
                 "--lang", "en"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "d.sqlite3").exists()  # no database was created for nothing


def test_export_residents_masked_and_full_refused(tmp_path, capsys):
    import openpyxl

    db = tmp_path / "d.sqlite3"
    source = _ledger(tmp_path / "a.xlsx", [["姓名", "身份证号", "联系电话"], ["蔡良剑", GOOD_ID, "13812345678"]])
    main(["--db", str(db), "import", "residents", str(source)])
    capsys.readouterr()
    out_file = tmp_path / "export.xlsx"
    assert main(["--db", str(db), "export", "residents", "-o", str(out_file)]) == 0
    assert "已将 1 位居民导出到" in capsys.readouterr().out
    rows = list(openpyxl.load_workbook(out_file).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "性别", "年龄", "身份证号", "联系电话")  # no birth date when masked
    assert "备注" not in rows[0]
    assert rows[1][3:5] == ("110105********002X", "138****5678")
    full = tmp_path / "full.xlsx"
    assert main(["--db", str(db), "export", "residents", "-o", str(full), "--full"]) == 2
    err = capsys.readouterr().err
    assert "无权查看或导出完整的身份证号" in err and err.strip().count("\n") == 0
    assert not full.exists()
    assert main(["--db", str(db), "export", "residents", "-o", str(tmp_path / "no" / "x.xlsx")]) == 2
    assert "不存在" in capsys.readouterr().err


def test_import_and_export_need_their_arguments(capsys):
    for argv in (["import"], ["import", "residents"], ["export", "residents"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow  # starts the program in a subprocess, ~2 s
def test_import_json_is_the_last_line_of_the_program(tmp_path):
    import json

    source = tmp_path / "a.csv"
    source.write_text(f"姓名,身份证号\n蔡良剑,{GOOD_ID}\n", encoding="utf-8-sig")
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(tmp_path / "d.sqlite3"),
                             "import", "residents", str(source), "--json"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["imported"] == 1


def test_print_forms_to_pdf(tmp_path, capsys):
    from pypdf import PdfReader

    db = tmp_path / "p.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    roster = tmp_path / "roster.pdf"
    assert main(["--db", str(db), "print", "roster", "--grid", "一组", "-o", str(roster)]) == 0
    text = "".join(page.extract_text() for page in PdfReader(roster).pages)
    assert "居民花名册" in text and "一组" in text
    reg = tmp_path / "reg.pdf"
    assert main(["--db", str(db), "print", "registration", "--resident", "1", "-o", str(reg)]) == 0
    assert "居民信息登记表" in PdfReader(reg).pages[0].extract_text()
    cards = tmp_path / "cards.pdf"
    assert main(["--db", str(db), "print", "member-cards", "--resident", "1", "--resident", "2",
                 "-o", str(cards)]) == 0
    assert len(PdfReader(cards).pages) == 1


def test_print_with_an_unknown_grid_or_missing_resident_exits_2(tmp_path, capsys):
    db = tmp_path / "p.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    capsys.readouterr()
    out = tmp_path / "x.pdf"
    assert main(["--db", str(db), "print", "roster", "--grid", "火星", "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip() == "没有名为“火星”的网格。"
    assert main(["--db", str(db), "print", "registration", "--resident", "999999", "-o", str(out)]) == 2
    assert "999999" in capsys.readouterr().err
    assert not out.exists()


def _names(db: Path, ids) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [con.execute("SELECT name FROM residents WHERE id = ?", (i,)).fetchone()[0] for i in ids]
    finally:
        con.close()


def test_print_resident_forms_with_several_residents_and_the_filters(tmp_path, capsys):
    from pypdf import PdfReader

    db = tmp_path / "p.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    first, second, third = _names(db, [3, 1, 2])
    # registration: one PDF, one form per resident in the order given, each on a new page
    reg = tmp_path / "reg.pdf"
    assert main(["--db", str(db), "print", "registration", "--resident", "3", "--resident", "1",
                 "-o", str(reg)]) == 0
    pages = [page.extract_text() for page in PdfReader(reg).pages]
    starts = [i for i, text in enumerate(pages) if "居民信息登记表" in text and "姓名" in text]
    assert len(starts) == 2 and starts[0] == 0
    assert f"姓名\n{first}\n" in pages[starts[0]] and f"姓名\n{second}\n" in pages[starts[1]]
    # roster: with --resident just those residents
    roster = tmp_path / "roster.pdf"
    assert main(["--db", str(db), "print", "roster", "--resident", "3", "--resident", "1",
                 "-o", str(roster)]) == 0
    text = "".join(page.extract_text() for page in PdfReader(roster).pages)
    assert first in text and second in text and third not in text
    assert text.index(first) < text.index(second)  # in the order given
    # registration for a grid; an unknown resident, or no selection at all, is a user error
    by_grid = tmp_path / "grid.pdf"
    assert main(["--db", str(db), "print", "registration", "--grid", "一组", "-o", str(by_grid)]) == 0
    assert len(PdfReader(by_grid).pages) > 2
    capsys.readouterr()
    out = tmp_path / "x.pdf"
    assert main(["--db", str(db), "print", "roster", "--resident", "1", "--resident", "999999",
                 "-o", str(out)]) == 2
    assert "999999" in capsys.readouterr().err
    assert main(["--db", str(db), "print", "registration", "-o", str(out)]) == 2
    assert "--resident" in capsys.readouterr().err
    assert not out.exists()


def test_backup_and_restore_from_the_command_line(tmp_path, capsys, monkeypatch):
    import io

    db = tmp_path / "b.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(db), "users", "add", "wangfang", "--role", "administrator", "--recovery"]) == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr("sys.stdin", io.StringIO("wangfang\nlianban-2026\ncorrect horse battery\n"))
    assert main(["--db", str(db), "backup", "--to", str(usb)]) == 0
    [made] = list(usb.iterdir())
    assert made.suffix == ".ndbk"
    con = sqlite3.connect(db)
    con.execute("DELETE FROM family_links")
    con.execute("DELETE FROM resident_tags")
    con.execute("DELETE FROM residents")
    con.commit()
    con.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("wangfang\nlianban-2026\nwrong passphrase!\n"))
    assert main(["--db", str(db), "restore", str(made)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("wangfang\nlianban-2026\ncorrect horse battery\n"))
    assert main(["--db", str(db), "restore", str(made)]) == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 1500
    con.close()


# -- staff accounts ----------------------------------------------------------------------------

def _staff(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT username, display_name, role FROM staff ORDER BY id").fetchall()
    finally:
        con.close()


def test_users_add_reads_the_password_from_stdin_and_is_audited(tmp_path, capsys, monkeypatch):
    import getpass
    import io

    from app.db import open_database, sqlite_url
    from app.services import accounts

    db = tmp_path / "d.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(db), "users", "add", "WangFang", "--role", "administrator",
                 "--display-name", "王芳", "--recovery"]) == 0
    assert "wangfang" in capsys.readouterr().out
    assert _staff(db) == [("wangfang", "王芳", "administrator")]
    database = open_database(sqlite_url(db))
    try:
        assert accounts.login(database, "wangfang", "lianban-2026").role == "administrator"
    finally:
        database.dispose()
    con = sqlite3.connect(db)
    rows = con.execute("SELECT actor_name, action FROM audit_log WHERE entity='staff' "
                       "AND action IN ('create', 'recovery') ORDER BY id").fetchall()
    con.close()
    assert rows == [(getpass.getuser(), "create"), (getpass.getuser(), "recovery")]
    # While an active administrator exists, only with --force.
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-pass-1\n"))
    assert main(["--db", str(db), "--lang", "en", "users", "add", "xiaoli", "--role", "desk", "--recovery"]) == 2
    assert "--force" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-pass-1\n"))
    assert main(["--db", str(db), "users", "add", "xiaoli", "--role", "desk", "--recovery", "--force"]) == 0
    assert _staff(db)[1] == ("xiaoli", "xiaoli", "desk")


@pytest.mark.parametrize("argv, stdin, message", [
    (["users", "add", "xiaoli", "--role", "desk"], "short\n", "至少需要 8 个字符"),
    (["users", "add", "xiaoli", "--role", "boss"], "long-enough\n", "未知角色"),
    (["users", "add", "wangfang", "--role", "viewer"], "long-enough\n", "已被使用"),
    (["users", "add", "two words", "--role", "viewer"], "long-enough\n", "不能有空格"),
])
def test_users_add_bad_input_exits_2_with_one_line(tmp_path, capsys, monkeypatch, argv, stdin, message):
    import io

    db = tmp_path / "d.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(db), "users", "add", "wangfang", "--role", "administrator", "--recovery"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["--db", str(db)] + argv + ["--recovery", "--force"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and message in err, err
    assert len(_staff(db)) == 1


def test_users_add_at_a_terminal_asks_twice(tmp_path, capsys, monkeypatch):
    import getpass
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["lianban-2026", "lianban-2027"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    db = tmp_path / "d.sqlite3"
    assert main(["--db", str(db), "--lang", "en", "users", "add", "wangfang", "--role", "administrator",
                 "--recovery"]) == 2
    assert "not the same" in capsys.readouterr().err
    assert not db.exists()


# -- service counter forms -----------------------------------------------------------------------

def _counter_desk(path: Path) -> dict:
    """A database with a proxy errand (FW202611-0001) and a dispatched ticket (FW202611-0002)."""
    import datetime as dt

    from app.db import open_database, sqlite_url
    from app.services import counter, grids
    from app.services.counter import TicketInput
    from tests.conftest import ADMIN

    db = open_database(sqlite_url(path))
    try:
        counter.ensure_default_catalogue(db, actor=ADMIN)
        first, second = counter.list_categories(db)[:2]
        grid = grids.add_grid(db, None, "第一网格", actor=ADMIN)
        proxy = counter.receive_ticket(db, TicketInput(
            category_id=first.id, walk_in_name="蔡良剑", walk_in_phone="13812345678", description="申请高龄津贴",
            grid_id=grid, proxy_errand=True, proxy_agent="蔡小明", proxy_matter="代为申领高龄津贴"),
            actor=ADMIN, today=dt.date(2026, 11, 20))
        lamp = counter.receive_ticket(db, TicketInput(
            category_id=second.id, walk_in_name="陈阿姨", walk_in_phone="13987654321", description="楼道灯坏了"),
            actor=ADMIN, today=dt.date(2026, 11, 2))
        counter.move(db, lamp.id, "dispatch", actor=ADMIN, today=dt.date(2026, 11, 2), assignee="林燕")
        return {"proxy": proxy.number, "lamp": lamp.number, "lamp_id": lamp.id, "first": first.name,
                "second": second.name}
    finally:
        db.dispose()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join("".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_print_counter_forms_to_pdf(tmp_path, capsys):
    db = tmp_path / "c.sqlite3"
    desk = _counter_desk(db)
    receipt = tmp_path / "receipt.pdf"
    assert main(["--db", str(db), "print", "receipt", "--ticket", "fw202611-0001", "-o", str(receipt)]) == 0
    assert str(receipt) in capsys.readouterr().out
    text = _pdf_text(receipt)
    assert "FW202611-0001" in text and "138****5678" in text and "13812345678" not in text
    slip = tmp_path / "slip.pdf"
    assert main(["--db", str(db), "print", "dispatch-slip", "--ticket", str(desk["lamp_id"]), "-o", str(slip)]) == 0
    text = _pdf_text(slip)
    assert "FW202611-0002" in text and "13987654321" in text and "林燕" in text
    letter = tmp_path / "letter.pdf"
    assert main(["--db", str(db), "print", "authorisation", "--ticket", "NDT:FW202611-0001", "-o", str(letter)]) == 0
    text = _pdf_text(letter)
    assert "蔡良剑" in text and "蔡小明" in text and "代为申领高龄津贴" in text


def test_print_the_ledger_with_filters(tmp_path, capsys):
    db = tmp_path / "c.sqlite3"
    desk = _counter_desk(db)
    out = tmp_path / "ledger.pdf"
    november = ["--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out)]
    assert main(["--db", str(db), "print", "ledger", *november]) == 0
    text = _pdf_text(out)
    assert "2026年11月1日" in text and "2026年11月30日" in text
    assert "FW202611-0001" in text and "FW202611-0002" in text and "139****4321" in text
    assert main(["--db", str(db), "print", "ledger", "--category", desk["second"], *november]) == 0
    text = _pdf_text(out)
    assert "FW202611-0002" in text and "FW202611-0001" not in text and desk["second"] in text
    assert main(["--db", str(db), "print", "ledger", "--grid", "第一网格", *november]) == 0
    text = _pdf_text(out)
    assert "FW202611-0001" in text and "FW202611-0002" not in text
    assert main(["--db", str(db), "print", "ledger", "--status", "dispatched", *november]) == 0
    text = _pdf_text(out)
    assert "FW202611-0002" in text and "FW202611-0001" not in text
    assert main(["--db", str(db), "print", "ledger", "--from", "2026-11-03", "--to", "2026-11-30",
                 "-o", str(out)]) == 0
    text = _pdf_text(out)
    assert "FW202611-0001" in text and "FW202611-0002" not in text


def test_print_the_ledger_of_this_month_by_default(tmp_path, capsys):
    import datetime as dt

    from app.db import open_database, sqlite_url
    from app.i18n import format_date
    from app.services import counter, printing
    from app.services.counter import TicketInput
    from tests.conftest import ADMIN

    db = tmp_path / "c.sqlite3"
    _counter_desk(db)
    database = open_database(sqlite_url(db))
    try:
        category = counter.list_categories(database)[0].id
        today = counter.receive_ticket(database, TicketInput(category_id=category, walk_in_name="林先生",
                                                             walk_in_phone="13600002222", description="今天的"),
                                       actor=ADMIN)
    finally:
        database.dispose()
    out = tmp_path / "ledger.pdf"
    assert main(["--db", str(db), "print", "ledger", "-o", str(out)]) == 0
    text = _pdf_text(out)
    first, last = printing.month_of(dt.date.today())
    assert today.number in text and format_date(first) in text and format_date(last) in text


@pytest.mark.parametrize("argv, message", [
    (["print", "receipt", "--ticket", "FW202611-0099"], "FW202611-0099"),
    (["print", "dispatch-slip"], "--ticket"),
    (["print", "authorisation", "--ticket", "FW202611-0002"], "FW202611-0002"),
    (["print", "ledger", "--category", "火星"], "火星"),
    (["print", "ledger", "--grid", "火星"], "没有名为“火星”的网格。"),
    (["print", "ledger", "--from", "2026-12-01", "--to", "2026-11-01"], ""),
])
def test_print_counter_forms_user_errors_exit_2_with_one_line(tmp_path, capsys, argv, message):
    db = tmp_path / "c.sqlite3"
    _counter_desk(db)
    out = tmp_path / "x.pdf"
    assert main(["--db", str(db), *argv, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.strip() and captured.err.strip().count("\n") == 0
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()


@pytest.mark.parametrize("option", [["--from", "2026-11-31"], ["--to", "30.11.2026"], ["--status", "lost"]])
def test_print_ledger_bad_dates_or_status_exit_2(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(tmp_path / "c.sqlite3"), "print", "ledger", *option, "-o", str(tmp_path / "x.pdf")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "命令行参数有误" in err and option[1] in err and err.strip().count("\n") == 0
    assert not (tmp_path / "c.sqlite3").exists()  # refused before the database is opened


def test_printable_forms_match_the_printing_service():
    from app import features
    from app.cli import build_parser
    from app.services import counter_print, printing

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    print_parser = commands.choices["print"]
    form_arg = next(a for a in print_parser._actions if a.dest == "form")
    assert list(form_arg.choices) == list(printing.forms())
    assert ["registration", "roster", "member-cards", "receipt", "dispatch-slip", "authorisation",
            "ledger", "daycare-sign-in", "kitchen-order", "meal-bills", "daycare-month",
            "class-roster", "session-sheet", "class-month", "pickup-cards", "merchant-application",
            "merchant-agreement", "merchant-certificate", "alliance-roster", "complaint-ledger",
            "alliance-ranking", "points-statement", "voucher", "points-ledger", "activity-sign-in",
            "activity-ledger"] == list(printing.forms())
    status_arg = next(a for a in print_parser._actions if a.dest == "status")
    assert set(status_arg.choices) == set(counter_print.LEDGER_STATUSES)
    # Every form's function exists and every feature's permission is a real one.
    from app.services import access

    for _feature, form in features.forms().values():
        assert callable(features.resolve(form.make))
    for feature in features.FEATURES:
        for entry in feature.settings:
            assert entry.permission in access.PERMISSIONS
        if feature.resident_action:
            assert feature.resident_action.permission in access.PERMISSIONS


def test_self_test_opens_the_window_offscreen_and_reports_no_error(tmp_path, capsys, qapp):
    db = tmp_path / "s.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "self-test", "--seconds", "0.5"]) == 0
    out = capsys.readouterr().out
    tabs = sum(1 for f in features.FEATURES if f.tab)
    assert "自检通过" in out and f"共 {tabs} 个标签页" in out


def test_self_test_fails_when_the_window_logs_an_error(tmp_path, capsys, qapp, monkeypatch):
    from app.views.residents.tab import ResidentsTab

    def broken(self, resident_id):
        raise RuntimeError("a broken detail pane")

    monkeypatch.setattr(ResidentsTab, "_show_detail", broken)
    assert main(["--db", str(tmp_path / "s.sqlite3"), "self-test", "--seconds", "0.5"]) == 1
    assert "unexpected error" in capsys.readouterr().err


def test_a_printed_form_is_private_to_the_user_and_unknown_card_holders_are_refused(tmp_path, capsys):
    import stat

    db = tmp_path / "p.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    out = tmp_path / "roster.pdf"
    assert main(["--db", str(db), "print", "roster", "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    capsys.readouterr()
    cards = tmp_path / "cards.pdf"
    assert main(["--db", str(db), "print", "member-cards", "--resident", "999999", "-o", str(cards)]) == 2
    assert "999999" in capsys.readouterr().err and not cards.exists()


@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory", "empty"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, capsys, kind):
    db = tmp_path / "o.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    capsys.readouterr()
    target = tmp_path / "target"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        target.symlink_to(victim)
    elif kind == "directory":
        target.mkdir()
    output = "" if kind == "empty" else str(target)
    for argv in (["print", "roster", "-o", output], ["export", "residents", "-o", output]):
        assert main(["--db", str(db), *argv]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    if kind == "fifo":
        import stat

        assert stat.S_ISFIFO(os.lstat(target).st_mode)
    elif kind == "symlink":
        assert target.is_symlink() and victim.read_text() == "keep me"
    elif kind == "directory":
        assert target.is_dir() and not any(target.iterdir())
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_the_rejects_file_must_be_a_regular_file(tmp_path, capsys):
    from app.errors import DeskError
    from app.services import spreadsheet

    link = tmp_path / "rejects.xlsx"
    link.symlink_to(tmp_path / "elsewhere.xlsx")
    layout = spreadsheet.Layout(header_row=1, headers=["姓名"], mapping={0: "name"}, unknown=[])
    with pytest.raises(DeskError):
        spreadsheet.write_rejects(link, layout, [(2, ["张三"], "reason")])
    assert link.is_symlink() and not (tmp_path / "elsewhere.xlsx").exists()


def test_an_out_of_range_record_number_is_a_user_error(tmp_path, capsys):
    db = tmp_path / "n.sqlite3"
    for value in ("99999999999999999999", "0", "-5"):
        with pytest.raises(SystemExit) as exit_:
            main(["--db", str(db), "print", "member-cards", "--resident", value, "-o", str(tmp_path / "c.pdf")])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert value in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("failure", ["full-disk", "unwritable-folder"])
def test_a_form_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch, failure):
    import errno

    db = tmp_path / "w.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    capsys.readouterr()
    code = errno.ENOSPC if failure == "full-disk" else errno.EACCES

    def refuse(*_args, **_kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", refuse)
    if failure == "unwritable-folder":  # the cleanup fails too, inside the error handler
        monkeypatch.setattr(os, "unlink", refuse)
    assert main(["--db", str(db), "print", "roster", "-o", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert os.strerror(code) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.pdf").exists()
    monkeypatch.undo()
    if failure == "full-disk":
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_rejects_file_that_cannot_be_written_leaves_no_noise(tmp_path, capsys, monkeypatch):
    import errno
    import gc
    import sys as sys_

    from openpyxl import Workbook

    source = tmp_path / "in.csv"
    source.write_text("姓名,身份证号\n张三,123\n", encoding="utf-8")

    def full(self, filename):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Workbook, "save", full)
    noise = []
    monkeypatch.setattr(sys_, "unraisablehook", noise.append)
    assert main(["--db", str(tmp_path / "r.sqlite3"), "import", "residents", str(source),
                 "--rejects", str(tmp_path / "rej.xlsx")]) == 2
    gc.collect()
    err = capsys.readouterr().err
    assert os.strerror(errno.ENOSPC) in err and len(err.strip().splitlines()) == 1
    assert noise == []


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(tmp_path, capsys, monkeypatch):
    from app import cli
    from app.paths import data_dir

    def broken(args):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(cli, "cmd_demo", broken)
    assert main(["--db", str(tmp_path / "x.sqlite3"), "demo", "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "unexpected error" in captured.err and "details in the log" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err + captured.out
    log = (data_dir() / "desk.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "something inside broke" in log


def test_users_add_without_recovery_is_refused(tmp_path, capsys, monkeypatch):
    import io

    db = tmp_path / "d.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(db), "--lang", "en", "users", "add", "boss", "--role", "administrator"]) == 2
    assert "--recovery" in capsys.readouterr().err
    assert not db.exists()


def test_restore_and_backup_to_a_folder_need_an_administrator_or_recovery(tmp_path, capsys, monkeypatch):
    import io

    db = tmp_path / "b.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(db), "users", "add", "wangfang", "--role", "administrator", "--recovery"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-pass-1\n"))
    assert main(["--db", str(db), "users", "add", "xiaoli", "--role", "desk", "--recovery", "--force"]) == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    for stdin in ("wangfang\nwrong-password\nsecret-pass-1\n", "xiaoli\ndesk-pass-1\nsecret-pass-1\n", ""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        assert main(["--db", str(db), "--lang", "en", "backup", "--to", str(usb)]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not list(usb.iterdir())
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough phrase\n"))
    assert main(["--db", str(db), "backup", "--to", str(usb), "--recovery"]) == 0
    [made] = list(usb.iterdir())
    monkeypatch.setattr(sys, "stdin", io.StringIO("xiaoli\ndesk-pass-1\nlong enough phrase\n"))
    assert main(["--db", str(db), "--lang", "en", "restore", str(made)]) == 2
    assert "may not" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough phrase\n"))
    assert main(["--db", str(db), "restore", str(made), "--recovery"]) == 0
    con = sqlite3.connect(db)
    actions = [a for (a,) in con.execute("SELECT action FROM audit_log WHERE entity='database' ORDER BY id")]
    con.close()
    assert actions[-2:] == ["restore", "recovery"]  # the restore records itself before the swap


def test_demo_refuses_a_database_with_real_residents(tmp_path, capsys):
    db = tmp_path / "real.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    con = sqlite3.connect(db)
    con.execute("DELETE FROM settings WHERE key LIKE '%demo%'")
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["--db", str(db), "--lang", "en", "demo"]) == 2
    assert "not demo data" in capsys.readouterr().err
