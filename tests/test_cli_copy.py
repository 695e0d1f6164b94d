"""`copy-database --to URL_OR_PATH`: a centre moved between databases from the command line."""
import io
import shutil
import sys

import pytest
from sqlalchemy import select

from app.cli import main
from app.db import open_database, sqlite_url
from app.models import AuditLog
from app.services import residents
from app.services.database_copy import checksums
from tests.conftest import ADMIN


def _sums(url: str) -> dict:
    db = open_database(url, remember=False)
    try:
        return checksums(db)
    finally:
        db.dispose()


def _audit(url: str) -> list[tuple[str, str]]:
    db = open_database(url, remember=False)
    try:
        with db.session() as s:
            return [tuple(r) for r in s.execute(select(AuditLog.action, AuditLog.summary).order_by(AuditLog.id))]
    finally:
        db.dispose()


@pytest.fixture
def centre(blank_database, tmp_path, monkeypatch):
    """A small centre's database file with an administrator wangfang / lianban-2026."""
    path = tmp_path / "centre.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path), remember=False)
    for name in ("陈一", "林二", "黄三"):
        residents.add_resident(db, residents.ResidentInput(name=name, estate="宝源花园"), actor=ADMIN)
    db.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO("lianban-2026\n"))
    assert main(["--db", str(path), "users", "add", "wangfang", "--role", "administrator", "--recovery"]) == 0
    return path


def _without_audit(sums: dict) -> dict:
    return {name: s for name, s in sums.items() if name != "audit_log"}


def test_copy_to_a_new_file_with_an_administrator(centre, tmp_path, capsys, monkeypatch):
    target = tmp_path / "copy.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("wangfang\nlianban-2026\n"))
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(centre), "copy-database", "--to", str(target)]) == 0
    out, err = capsys.readouterr()
    assert "(100%)" in err and "Copied" in err
    assert "the checksums of every table agree" in out
    assert any(line.split() == ["residents", "3"] for line in out.splitlines())
    source, copy = _sums(sqlite_url(centre)), _sums(sqlite_url(target))
    assert _without_audit(copy) == _without_audit(source)
    # The sign-in is in the source (before the copy, so in the copy too); the copy itself only in the target.
    source_audit, copy_audit = _audit(sqlite_url(centre)), _audit(sqlite_url(target))
    assert source_audit[-1][0] == "login"
    assert copy_audit[:-1] == source_audit and copy_audit[-1] == ("restore", f"Copied from {centre}")


def test_a_wrong_password_copies_nothing_and_leaves_no_file(centre, tmp_path, capsys, monkeypatch):
    target = tmp_path / "copy.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("wangfang\nwrong\n"))
    capsys.readouterr()
    assert main(["--db", str(centre), "copy-database", "--to", str(target)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not target.exists()


def test_a_target_with_data_or_the_same_file_is_refused_with_one_line(centre, tmp_path, capsys, english):
    full = tmp_path / "full.sqlite3"
    assert main(["--db", str(centre), "copy-database", "--to", str(full), "--recovery"]) == 0
    held = _sums(sqlite_url(full))
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(centre), "copy-database", "--to", str(full), "--recovery"]) == 2
    err = capsys.readouterr().err
    assert "already holds data" in err and len(err.strip().splitlines()) == 1
    assert "recreate it empty" in err  # what to do next
    assert _sums(sqlite_url(full)) == held
    assert main(["--lang", "en", "--db", str(centre), "copy-database", "--to", str(centre), "--recovery"]) == 2
    assert "same database" in capsys.readouterr().err


def test_copy_database_needs_its_target(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["copy-database"])
    assert exited.value.code == 2
    assert "--to" in capsys.readouterr().err


def test_to_postgresql_and_back(centre, tmp_path, capsys, postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    url = postgres.new()
    assert main(["--db", str(centre), "copy-database", "--to", url, "--recovery"]) == 0
    back = tmp_path / "back.sqlite3"
    assert main(["--database-url", url, "copy-database", "--to", str(back), "--recovery"]) == 0
    assert _without_audit(_sums(sqlite_url(back))) == _without_audit(_sums(sqlite_url(centre)))
    assert _sums(url)["audit_log"].rows == _sums(sqlite_url(centre))["audit_log"].rows + 2  # recovery, copy


def test_a_server_database_of_another_program_is_refused_with_one_line(centre, capsys, postgres, english):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    url = postgres.new()
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as con:
        con.exec_driver_sql("CREATE TABLE invoices (id integer PRIMARY KEY)")
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(centre), "copy-database", "--to", url, "--recovery"]) == 2
    err = capsys.readouterr().err
    assert "another program's tables" in err and len(err.strip().splitlines()) == 1
    with engine.connect() as con:
        assert inspect(con).get_table_names() == ["invoices"]
    engine.dispose()


def test_nothing_on_standard_input_says_where_the_administrator_is_read_from(centre, tmp_path, capsys,
                                                                              monkeypatch, english):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(centre), "copy-database", "--to", str(tmp_path / "c.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert "read from standard input" in err and "--recovery" in err and "password" in err
    assert "not right" not in err and not (tmp_path / "c.sqlite3").exists()


def test_a_backup_of_the_server_says_what_it_is_doing_first(centre, capsys, postgres, english):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    url = postgres.new()
    assert main(["--db", str(centre), "copy-database", "--to", url, "--recovery"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "--database-url", url, "backup"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("Backing up server ") and "copying the server's data into a file" in err
    assert "Backup written to" in out
