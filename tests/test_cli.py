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
    assert rows[0][:6] == ("姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话")
    assert rows[1][4:6] == ("110105********002X", "138****5678")
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


def test_backup_and_restore_from_the_command_line(tmp_path, capsys, monkeypatch):
    import io

    db = tmp_path / "b.sqlite3"
    assert main(["--db", str(db), "demo"]) == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["--db", str(db), "backup", "--to", str(usb)]) == 0
    [made] = list(usb.iterdir())
    assert made.suffix == ".ndbk"
    con = sqlite3.connect(db)
    con.execute("DELETE FROM family_links")
    con.execute("DELETE FROM resident_tags")
    con.execute("DELETE FROM residents")
    con.commit()
    con.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong passphrase!\n"))
    assert main(["--db", str(db), "restore", str(made)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
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
                 "--display-name", "王芳"]) == 0
    assert "wangfang" in capsys.readouterr().out
    assert _staff(db) == [("wangfang", "王芳", "administrator")]
    database = open_database(sqlite_url(db))
    try:
        assert accounts.login(database, "wangfang", "lianban-2026").role == "administrator"
    finally:
        database.dispose()
    con = sqlite3.connect(db)
    actor, action = con.execute("SELECT actor_name, action FROM audit_log WHERE entity='staff'").fetchone()
    con.close()
    assert (actor, action) == (getpass.getuser(), "create")
    # Recovery: works again when accounts exist.
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-pass-1\n"))
    assert main(["--db", str(db), "users", "add", "xiaoli", "--role", "desk"]) == 0
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
    assert main(["--db", str(db), "users", "add", "wangfang", "--role", "administrator"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["--db", str(db)] + argv) == 2
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
    assert main(["--db", str(db), "--lang", "en", "users", "add", "wangfang", "--role", "administrator"]) == 2
    assert "not the same" in capsys.readouterr().err
    assert not db.exists()
