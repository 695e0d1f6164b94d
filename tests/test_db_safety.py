"""Opening the database safely: another program's file, a damaged file, what a killed restore
left behind, and a database file moved, deleted or replaced while the program runs."""
import hashlib
import os
import shutil
import sqlite3
import time

import pytest

from app import backup_sqlite
from app.db import KNOWN_DATABASES, open_database, sqlite_url, was_opened_before
from app.errors import DatabaseError
from app.models import Setting
from app.paths import data_dir, data_folder
from app.services import backup, exporter


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path) -> list:
    return [p for p in backup_sqlite.sidecar_files(path) if p.exists()]


# -- (7) another program's database ---------------------------------------------------------

def test_another_programs_database_is_refused_and_left_byte_for_byte(tmp_path):
    path = tmp_path / "photos.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT)")
    con.executemany("INSERT INTO albums (title) VALUES (?)", [(f"album {i}",) for i in range(50)])
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(DatabaseError) as caught:
        open_database(sqlite_url(path))
    assert str(path) in caught.value.message and "另一个程序" in caught.value.message
    assert digest(path) == before
    assert side_files(path) == []  # no write-ahead log: not switched to WAL
    con = sqlite3.connect(path)
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {"albums"}
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()


def test_a_server_database_of_another_program_is_refused_untouched(postgres, english):
    """Not migrated in beside its tables: copy-database, the window and every command refuse it."""
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = postgres.new()
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as con:
        con.exec_driver_sql("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)")
    with pytest.raises(DatabaseError) as caught:
        open_database(url, allow_new=True, remember=False)
    assert "another program's tables" in caught.value.message
    assert make_url(url).database in caught.value.message and "not been changed" in caught.value.message
    with engine.connect() as con:
        assert inspect(con).get_table_names() == ["invoices"]
    engine.dispose()


def test_an_empty_sqlite_file_never_opened_before_becomes_a_new_database(tmp_path):
    path = tmp_path / "new.sqlite3"
    sqlite3.connect(path).close()  # an SQLite file without tables
    db = open_database(sqlite_url(path))
    with db.session() as s:
        assert s.get(Setting, "nothing") is None
    db.dispose()


# -- (6) a damaged database --------------------------------------------------------------------

def filled_database(path) -> None:
    """A database of ours with many rows, in one self-contained file."""
    open_database(sqlite_url(path)).dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                    [(f"filler.{i}", "x" * 50 + str(i)) for i in range(5000)])
    con.commit()
    con.close()


def damage(path) -> None:
    """Overwrite 64 bytes in the middle of a page of the filler rows, which fill the file's last
    75 or so pages (the pages before them are every table's and index's own, mostly empty: damage
    to an empty one no check can see, and each feature adds some)."""
    page_size = 4096
    pages = path.stat().st_size // page_size
    with open(path, "r+b") as fh:
        fh.seek((pages - 20) * page_size + 2000)
        fh.write(b"\xff" * 64)


def test_a_damaged_database_is_refused_at_start_saying_to_restore(db_path):
    filled_database(db_path)
    damage(db_path)
    before = digest(db_path)
    with pytest.raises(DatabaseError) as caught:
        open_database(sqlite_url(db_path))
    assert str(db_path) in caught.value.message and "备份" in caught.value.message
    assert digest(db_path) == before


def test_the_message_names_the_latest_backup(db_path):
    filled_database(db_path)
    db = open_database(sqlite_url(db_path))
    made = backup.backup_now(db)
    db.dispose()
    damage(db_path)
    with pytest.raises(DatabaseError) as caught:
        open_database(sqlite_url(db_path))
    assert str(made.path) in caught.value.message


def test_a_database_damaged_while_open_is_neither_exported_nor_backed_up(db_path, tmp_path, admin):
    filled_database(db_path)
    db = open_database(sqlite_url(db_path))
    db.engine.dispose()  # the next connection reads the file as it now is
    damage(db_path)
    out = tmp_path / "residents.xlsx"
    with pytest.raises(DatabaseError, match="备份"):
        exporter.export_residents(db, out, actor=admin)
    assert not out.exists()
    with pytest.raises(DatabaseError, match="备份"):
        backup.backup_now(db)
    assert backup.list_backups(backup.default_folder()) == []
    db.dispose()


# -- (4) what a killed restore left behind -------------------------------------------------------

def test_decrypted_copies_left_by_a_killed_restore_are_removed_on_the_next_open(db_path):
    open_database(sqlite_url(db_path)).dispose()
    old = db_path.parent / ".ndtmp-0123456789abcdef.tmp"
    old_journal = old.with_name(old.name + "-journal")
    new = db_path.parent / ".ndtmp-fedcba9876543210.tmp"  # a restore running right now
    for path in (old, old_journal, new):
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    open_database(sqlite_url(db_path)).dispose()
    assert not old.exists() and not old_journal.exists()
    assert new.exists()


def test_a_hot_journal_left_by_a_killed_restore_is_rolled_back_on_open(tmp_path, db_path):
    filled_database(db_path)
    writer = sqlite3.connect(db_path)
    writer.execute("PRAGMA cache_size=1")  # changed pages spill into the file before commit
    writer.execute("BEGIN")
    writer.execute("UPDATE settings SET value = 'half-done' WHERE key LIKE 'filler.%'")
    killed = tmp_path / "killed"
    killed.mkdir()
    copy = killed / db_path.name
    shutil.copyfile(db_path, copy)  # the files as a killed process leaves them
    shutil.copyfile(db_path.with_name(db_path.name + "-journal"), copy.with_name(copy.name + "-journal"))
    writer.rollback()
    writer.close()
    db = open_database(sqlite_url(copy))
    with db.engine.connect() as con:
        assert con.exec_driver_sql("SELECT count(*) FROM settings WHERE value = 'half-done'").scalar() == 0
        assert con.exec_driver_sql("SELECT count(*) FROM settings WHERE key LIKE 'filler.%'").scalar() == 5000
    db.dispose()


# -- (1) the file moved, deleted or replaced under the open program --------------------------------

@pytest.mark.sqlite_only  # the database file itself goes; a server database has none
@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_nothing_is_saved_to_a_database_file_gone_from_under_the_program(db, db_path, tmp_path, how):
    if how == "deleted":
        db_path.unlink()
    else:
        other = tmp_path / "other.sqlite3"
        shutil.copyfile(db_path, other)
        os.replace(other, db_path)
    with pytest.raises(DatabaseError, match="程序运行期间") as caught:
        with db.session() as s:
            s.add(Setting(key="lost", value="1"))
    assert str(db_path) in caught.value.message
    with pytest.raises(DatabaseError, match="程序运行期间"):
        backup.backup_on_close(db)
    with pytest.raises(DatabaseError, match="程序运行期间"):
        backup.backup_now(db)
    if how == "deleted":
        assert not db_path.exists()  # no empty database made in its place


def test_reading_an_unchanged_database_still_works(db):
    with db.session() as s:
        s.add(Setting(key="kept", value="1"))
    with db.session() as s:
        assert s.get(Setting, "kept").value == "1"


@pytest.mark.parametrize("empty", ["0 bytes", "no tables"])
def test_an_empty_file_where_a_database_was_opened_before_is_refused(db_path, empty):
    data_dir()  # the program's data folder, made at start, holds the list
    open_database(sqlite_url(db_path)).dispose()
    assert was_opened_before(db_path)
    listed = (data_folder() / KNOWN_DATABASES).read_text(encoding="utf-8")
    assert str(db_path.resolve()) in listed.splitlines()
    db_path.unlink()
    if empty == "0 bytes":
        db_path.write_bytes(b"")
    else:
        sqlite3.connect(db_path).close()
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="空") as caught:
        open_database(sqlite_url(db_path))
    assert str(db_path) in caught.value.message
    assert digest(db_path) == before
    db = open_database(sqlite_url(db_path), allow_new=True)  # asked for explicitly
    db.dispose()


def test_a_path_never_opened_before_still_starts_a_new_database(db_path):
    db_path.write_bytes(b"")
    db = open_database(sqlite_url(db_path))
    assert db.created
    db.dispose()


def test_a_database_opened_where_there_is_no_data_folder_is_not_listed(db_path):
    open_database(sqlite_url(db_path)).dispose()  # a script's scratch database
    assert not data_folder().exists()
    assert not was_opened_before(db_path)


def test_the_quick_check_can_wait_for_the_window_but_never_before_a_migration(db_path):
    filled_database(db_path)
    damage(db_path)
    # At head: the window opens it and runs Database.check_integrity() on the worker.
    db = open_database(sqlite_url(db_path), quick_check=False)
    with pytest.raises(DatabaseError, match="备份"):
        db.check_integrity()
    db.dispose()
    # A migration is never run on a damaged file, checked or not.
    import shutil
    from pathlib import Path

    old = db_path.with_name("old.sqlite3")
    shutil.copyfile(Path(__file__).parent / "fixtures" / "db-0005.sqlite3", old)
    with open(old, "r+b") as fh:  # a table page's cell pointers
        fh.seek((old.stat().st_size // 4096 // 2) * 4096 + 8)
        fh.write(b"\xff" * 64)
    before = digest(old)
    with pytest.raises(DatabaseError, match="备份"):
        open_database(sqlite_url(old), quick_check=False)
    assert digest(old) == before
