"""Backups and restore: round trips, encryption, refusals that leave the database untouched."""
import datetime as dt
import errno
import hashlib
import sqlite3
import types

import pytest
from sqlalchemy.engine import make_url

from app import backup_sqlite
from app.db import known_revisions, open_database, sqlite_url
from app.errors import DeskError
from app.i18n import _
from app.paths import data_dir
from app.services import backup, demo, residents
from app.services.backup import (BackupError, DamagedBackup, DatabaseInUse, NewerBackup, NotABackup,
                                 PassphraseRequired, WeakPassphrase, WrongPassphrase)
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

PASS = "门前大桥下游过一群鸭"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_rows(path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what a faithful copy must reproduce."""
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def filled(db):
    demo.fill_demo(db, head_count=60)
    return db


@pytest.fixture
def usb(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


# -- round trips -------------------------------------------------------------------

def restored_rows(path) -> dict:
    """Every row of a restored database but the restore's own audit row, which the restore
    writes into the copy before it takes the database's place (and which must be there)."""
    rows = all_rows(path)
    restores = [row for row in rows["audit_log"] if row[4] == "restore"]
    assert len(restores) == 1
    rows["audit_log"] = [row for row in rows["audit_log"] if row[4] != "restore"]
    return rows


@pytest.mark.sqlite_only  # the database's file is swapped
def test_backup_and_restore_preserve_every_row_of_every_table(filled, db_path):
    backup.database_id(filled)  # stored in the database by its first backup
    before = all_rows(db_path)
    assert sum(len(rows) for rows in before.values()) > 100
    assert len(before) >= 7
    made = backup.backup_now(filled)
    assert made.path.parent == backup.database_folder(filled)
    assert made.path.parent.parent == data_dir() / "backups"
    assert made.path.name.startswith("desk-") and made.path.name.endswith("-manual.sqlite3")
    assert not made.encrypted and made.revision == known_revisions()[1]
    assert all_rows(made.path) == before

    residents.add_resident(filled, ResidentInput(name="备份之后"), actor=ADMIN)
    changed = all_rows(db_path)
    own_folder = backup.database_folder(filled)
    filled.dispose()

    result = backup.restore(db_path, made.path)
    assert restored_rows(db_path) == before
    assert not result.upgrade_needed
    # the state just before the restore was kept as a safety copy, with this database's backups
    assert result.safety_copy is not None and result.safety_copy.parent == own_folder
    assert result.safety_copy.name.startswith("desk-before-restore-")
    assert all_rows(result.safety_copy) == changed
    assert backup_sqlite.integrity_ok(result.safety_copy)
    reopened = open_database(sqlite_url(db_path))
    assert residents.count_residents(reopened, include_inactive=True) == 60
    reopened.dispose()
    # no temporary files or stale logs are left beside the database
    assert files_in(db_path.parent) == ["desk.sqlite3"]


@pytest.mark.sqlite_only  # the database's file is swapped
def test_encrypted_round_trip(filled, db_path, usb):
    before = all_rows(db_path)
    made = backup.backup_now(filled, folder=usb, passphrase=PASS)
    assert made.encrypted and made.path.parent == usb and made.path.suffix == ".ndbk"
    raw = made.path.read_bytes()
    assert raw.startswith(backup.MAGIC)
    assert backup_sqlite.SQLITE_HEADER not in raw
    some_name = before["residents"][0][1]
    assert some_name.encode("utf-8") not in raw
    assert files_in(usb) == [made.path.name]  # no plaintext or temporary file on the stick

    residents.add_resident(filled, ResidentInput(name="备份之后"), actor=ADMIN)
    filled.dispose()
    result = backup.restore(db_path, made.path, passphrase=PASS)
    assert restored_rows(db_path) == before
    assert result.revision == made.revision
    reopened = open_database(sqlite_url(db_path))
    assert residents.count_residents(reopened, include_inactive=True) == 60
    reopened.dispose()


def test_a_backup_inside_the_data_folder_may_be_encrypted_too(db):
    made = backup.backup_now(db, passphrase=PASS)
    assert made.encrypted and made.path.parent == backup.database_folder(db)


def test_an_older_backup_is_migrated_when_opened(tmp_path, db_path):
    from alembic import command

    from app.db import _alembic_config, build_engine

    old = tmp_path / "old.sqlite3"
    engine = build_engine(sqlite_url(old))
    with engine.begin() as con:
        command.upgrade(_alembic_config(con), "0001")
    with engine.begin() as con:
        con.exec_driver_sql("INSERT INTO residents (name, gender, birth_date, phone, id_number, id_kind, "
                            "estate, building, unit, room, grid_id, notes, search_keys, sort_key, active, "
                            "deactivated_on, deactivation_reason, created_at, updated_at) VALUES "
                            "('老档案', 'F', NULL, '', NULL, '', '', '', '', '', NULL, '', ' lao ', 'lao', 1, "
                            "NULL, '', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
    engine.dispose()
    open_database(sqlite_url(db_path)).dispose()

    result = backup.restore(db_path, old)
    assert result.revision == "0001" and result.upgrade_needed
    db = open_database(sqlite_url(db_path))
    with db.engine.connect() as con:
        assert con.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == known_revisions()[1]
    [rid] = residents.search_ids(db, "老档案")
    assert residents.get_resident(db, rid).data.name == "老档案"
    db.dispose()


def test_restore_onto_a_new_computer_without_a_database(db, tmp_path):
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)
    made = backup.backup_now(db)
    new_home = tmp_path / "new" / "desk.sqlite3"
    result = backup.restore(new_home, made.path)
    assert result.safety_copy is None
    fresh = open_database(sqlite_url(new_home))
    assert residents.count_residents(fresh) == 1
    fresh.dispose()


def test_restore_over_a_damaged_database_keeps_its_bytes(db, db_path):
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)
    made = backup.backup_now(db)
    db.dispose()
    db_path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    damaged = db_path.read_bytes()
    result = backup.restore(db_path, made.path)
    assert result.safety_copy.read_bytes() == damaged
    assert backup_sqlite.integrity_ok(db_path)


# -- refusals: the current database stays as it was --------------------------------

@pytest.fixture
def encrypted_backup(filled, usb, db_path):  # tests taking it take `db` (the same database) too
    made = backup.backup_now(filled, folder=usb, passphrase=PASS)
    residents.add_resident(filled, ResidentInput(name="当前数据"), actor=ADMIN)
    filled.dispose()
    return made.path


def all_files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def assert_refused(db, db_path, backup_path, error, passphrase=PASS):
    """The restore of `backup_path` onto `db` (closed: its file; a server database: in place)
    is refused, and nothing changed."""
    server = backup.is_server_database(db)
    before = pg_sums(db) if server else digest(db_path)
    listing = files_in(db_path.parent)
    safety_before = all_files(data_dir() / "backups")
    with pytest.raises(error) as caught:
        if server:
            backup.restore_database(db, backup_path, passphrase=passphrase)
        else:
            backup.restore(db_path, backup_path, passphrase=passphrase)
    assert isinstance(caught.value, DeskError) and caught.value.message
    assert (pg_sums(db) if server else digest(db_path)) == before
    assert files_in(db_path.parent) == listing  # no temporary file left behind
    assert all_files(data_dir() / "backups") == safety_before  # refused before the safety copy
    return caught.value


def test_a_wrong_passphrase_is_refused_and_the_database_is_untouched(db, encrypted_backup, db_path, english):
    error = assert_refused(db, db_path, encrypted_backup, WrongPassphrase, passphrase="not the passphrase")
    assert "wrong passphrase, or the file was changed" in error.message


def test_an_encrypted_backup_needs_its_passphrase(db, encrypted_backup, db_path):
    assert_refused(db, db_path, encrypted_backup, PassphraseRequired, passphrase=None)


@pytest.mark.parametrize("where", ["ciphertext", "tag", "salt", "nonce", "scrypt"])
def test_a_changed_encrypted_backup_is_refused(db, encrypted_backup, db_path, where):
    data = bytearray(encrypted_backup.read_bytes())
    offset = {"ciphertext": len(data) // 2, "tag": len(data) - 1, "salt": 12, "nonce": 30, "scrypt": 8}[where]
    data[offset] ^= 0x01
    encrypted_backup.write_bytes(bytes(data))
    assert_refused(db, db_path, encrypted_backup, WrongPassphrase)


def test_a_changed_revision_in_the_header_is_refused(db, encrypted_backup, db_path):
    data = bytearray(encrypted_backup.read_bytes())
    data[39] ^= 0x01  # first character of the clear-text revision
    encrypted_backup.write_bytes(bytes(data))
    assert_refused(db, db_path, encrypted_backup, BackupError)


def test_a_truncated_encrypted_backup_is_refused(db, encrypted_backup, db_path):
    encrypted_backup.write_bytes(encrypted_backup.read_bytes()[:30])
    assert_refused(db, db_path, encrypted_backup, WrongPassphrase)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def other_programs_database(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    con.execute("INSERT INTO photos (caption) VALUES ('春节')")
    con.commit()
    con.close()


@pytest.mark.parametrize("kind", ["text", "png", "empty", "other-sqlite"])
def test_a_foreign_file_is_refused(db, db_path, tmp_path, kind, english):
    db.dispose()
    foreign = tmp_path / f"foreign-{kind}.sqlite3"
    if kind == "text":
        foreign.write_text("这不是备份\n" * 50, encoding="utf-8")
    elif kind == "png":
        foreign.write_bytes(PNG)
    elif kind == "empty":
        foreign.write_bytes(b"")
    else:
        other_programs_database(foreign)
    foreign_before = digest(foreign)
    error = assert_refused(db, db_path, foreign, NotABackup)
    assert "is not a Neighbourhood Desk backup" in error.message
    assert digest(foreign) == foreign_before


def test_a_damaged_sqlite_backup_is_refused(db, db_path, tmp_path):
    made = backup.backup_now(db)
    db.dispose()
    data = bytearray(made.path.read_bytes())
    data[100:4096 * 3] = b"\x00" * (4096 * 3 - 100)  # wipe the schema pages
    made.path.write_bytes(bytes(data))
    assert_refused(db, db_path, made.path, DamagedBackup)


def test_a_backup_from_a_newer_version_is_refused(db, db_path, english):
    made = backup.backup_now(db)
    db.dispose()
    con = sqlite3.connect(made.path)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    error = assert_refused(db, db_path, made.path, NewerBackup)
    assert "newer version" in error.message


def test_an_encrypted_backup_from_a_newer_version_is_refused_before_the_passphrase(db, db_path, usb):
    made = backup.backup_now(db)
    db.dispose()
    newer = usb / "desk-2030-01-01-120000-manual.ndbk"
    newer.write_bytes(backup.encrypt(made.path.read_bytes(), PASS, "9999"))
    assert_refused(db, db_path, newer, NewerBackup, passphrase=None)


def test_a_newer_file_format_is_refused(db, db_path, usb):
    made = backup.backup_now(db, folder=usb, passphrase=PASS)
    db.dispose()
    data = bytearray(made.path.read_bytes())
    data[6] = 2  # format version
    made.path.write_bytes(bytes(data))
    assert_refused(db, db_path, made.path, NewerBackup)


@pytest.mark.sqlite_only  # a file open elsewhere
def test_restore_is_refused_while_the_database_is_open(db, db_path):
    made = backup.backup_now(db)
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)
    before = all_rows(db_path)
    with pytest.raises(DatabaseInUse):
        backup.restore(db_path, made.path)
    assert all_rows(db_path) == before
    assert residents.count_residents(db) == 1  # the open database still works


def test_a_missing_backup_file_gives_a_clear_message(db, db_path, tmp_path):
    db.dispose()
    with pytest.raises(BackupError):
        backup.restore(db_path, tmp_path / "gone.ndbk")


# -- making backups: refusals and failures -----------------------------------------

def test_an_unencrypted_backup_outside_the_data_folder_is_refused(db, usb, english):
    with pytest.raises(BackupError, match="must be encrypted"):
        backup.backup_now(db, folder=usb)
    assert files_in(usb) == []


def test_an_unencrypted_backup_in_a_folder_inside_the_data_folder_is_allowed(db):
    inside = data_dir() / "extra"
    inside.mkdir()
    assert not backup.backup_now(db, folder=inside).encrypted


def test_a_short_passphrase_is_refused(db, usb, english):
    with pytest.raises(WeakPassphrase, match="at least 8 characters"):
        backup.backup_now(db, folder=usb, passphrase="1234567")
    assert files_in(usb) == []
    backup.check_passphrase("1357-2468")


def test_a_missing_folder_is_reported(db, tmp_path):
    with pytest.raises(BackupError, match=str(tmp_path / "E")):
        backup.backup_now(db, folder=tmp_path / "E", passphrase=PASS)


def test_a_database_on_another_kind_of_server_is_backed_up_by_the_server(english):
    # PostgreSQL is backed up by this program (the tests at the end); no other server is supported.
    fake = types.SimpleNamespace(engine=types.SimpleNamespace(url=make_url("mysql://desk@server/desk")))
    with pytest.raises(BackupError, match="made by its server"):
        backup.backup_now(fake)


def _full_disk_copy(src, dest):
    with open(dest, "wb") as fh:
        fh.write(b"SQLite format 3\x00" + b"\x00" * 1000)  # half-written
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.sqlite_only  # SQLite's online backup API
def test_a_full_disk_leaves_no_backup_and_no_temporary_file(db, monkeypatch, english):
    monkeypatch.setattr(backup_sqlite, "copy_sqlite", _full_disk_copy)
    folder = backup.database_folder(db)
    with pytest.raises(BackupError) as caught:
        backup.backup_now(db)
    assert "disk is full" in caught.value.message and "disk may be full" in caught.value.message
    assert files_in(folder) == []
    with pytest.raises(BackupError):
        backup.auto_backup(db)
    assert files_in(folder) == []


def test_a_full_usb_stick_leaves_no_backup_and_no_temporary_file(db, usb, monkeypatch):
    def full(path, data):
        path.write_bytes(data[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup, "_write_new_file", full)
    with pytest.raises(BackupError):
        backup.backup_now(db, folder=usb, passphrase=PASS)
    assert files_in(usb) == []


@pytest.mark.sqlite_only  # SQLite's online backup API
def test_a_real_sqlite_write_error_is_reported(db, monkeypatch):
    def broken(src, dest):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup_sqlite, "copy_sqlite", broken)
    with pytest.raises(BackupError):
        backup.backup_now(db)
    assert files_in(backup.database_folder(db)) == []


@pytest.mark.sqlite_only  # the database's file is swapped
def test_a_failed_safety_copy_stops_the_restore(db, db_path, monkeypatch):
    made = backup.backup_now(db)
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)
    db.dispose()
    before = digest(db_path)
    monkeypatch.setattr(backup_sqlite, "copy_sqlite", _full_disk_copy)
    with pytest.raises(BackupError):
        backup.restore(db_path, made.path)
    assert digest(db_path) == before
    assert files_in(db_path.parent) == ["desk.sqlite3"]
    assert [b.kind for b in backup.list_backups(made.path.parent)] == ["manual"]


# -- automatic backups and rotation ------------------------------------------------

def test_auto_backup_makes_one_daily_and_one_monthly_backup(db):
    day = dt.date(2025, 11, 27)
    made = backup.auto_backup(db, today=day)
    assert sorted(m.path.name for m in made) == ["desk-2025-11-27-daily.sqlite3", "desk-2025-11-27-monthly.sqlite3"]
    assert backup.auto_backup(db, today=day) == []  # nothing more the same day
    assert [m.kind for m in backup.auto_backup(db, today=day + dt.timedelta(days=1))] == ["daily"]
    assert [m.kind for m in backup.auto_backup(db, today=dt.date(2025, 12, 1))] == ["daily", "monthly"]
    assert backup.backup_on_close(db)  # today's date: a new daily backup


@pytest.mark.sqlite_only  # rotation of backup files, not the database: dozens of backups take 9-27 s on PostgreSQL
def test_rotation_keeps_7_daily_and_12_monthly_backups(db):
    folder = backup.database_folder(db)
    (folder / "notes.txt").write_text("not a backup")
    (folder / "desk-2020-01-01-daily.sqlite3.bak").write_text("not ours either")
    days = [dt.date(2025, m, d) for m in range(1, 13) for d in (1, 2)]   # 24 days, 12 months
    days += [dt.date(2026, 1, 5)] + [dt.date(2026, 2, d) for d in range(1, 11)]
    for day in days:
        backup.auto_backup(db, today=day)
    infos = backup.list_backups(db=db)
    daily = [b.date for b in infos if b.kind == "daily"]
    monthly = [b.date for b in infos if b.kind == "monthly"]
    assert daily == [dt.date(2026, 2, d) for d in range(10, 3, -1)]
    # a month without a backup on the 1st gets its monthly one on the first day it is used
    assert monthly == [dt.date(2026, 2, 1), dt.date(2026, 1, 5)] + [dt.date(2025, m, 1) for m in range(12, 2, -1)]
    assert (folder / "notes.txt").exists() and (folder / "desk-2020-01-01-daily.sqlite3.bak").exists()


@pytest.mark.sqlite_only  # rotation of backup files, not the database: dozens of backups take 9-27 s on PostgreSQL
def test_rotation_leaves_safety_copies_and_manual_backups(db):
    for d in range(1, 10):
        backup.backup_now(db, kind="manual", today=dt.date(2026, 3, d))
    for d in range(1, 10):
        backup.auto_backup(db, today=dt.date(2026, 3, d))
    kinds = [b.kind for b in backup.list_backups(db=db)]
    assert kinds.count("manual") == 9 and kinds.count("daily") == 7 and kinds.count("monthly") == 1


def test_stale_temporary_files_are_removed(db):
    import os
    import time

    folder = backup.database_folder(db)
    stale = folder / ".ndtmp-0123456789abcdef.tmp"
    stale.write_bytes(b"half a backup")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = folder / ".ndtmp-fedcba9876543210.tmp"
    fresh.write_bytes(b"a backup being written right now")
    backup.auto_backup(db)
    assert not stale.exists() and fresh.exists()


# -- listing -------------------------------------------------------------------------

def test_list_backups_newest_first(db, usb):
    a = backup.backup_now(db, today=dt.date(2026, 1, 3))
    b = backup.backup_now(db, today=dt.date(2026, 5, 1), kind="daily")
    c = backup.backup_now(db, today=dt.date(2026, 3, 9))
    infos = backup.list_backups(db=db)
    assert [i.path for i in infos] == [b.path, c.path, a.path]
    assert [i.kind for i in infos] == ["daily", "manual", "manual"]
    assert infos[0].date == dt.date(2026, 5, 1) and infos[0].size == b.size and not infos[0].encrypted
    assert infos[0].kind_label == _("Daily backup")
    e1 = backup.backup_now(db, folder=usb, passphrase=PASS, today=dt.date(2026, 6, 1))
    e2 = backup.backup_now(db, folder=usb, passphrase=PASS, today=dt.date(2026, 6, 1))
    assert e1.path != e2.path  # two manual backups the same second do not overwrite each other
    (usb / "holiday.jpg").write_bytes(PNG)
    listed = backup.list_backups(usb)
    assert {i.path for i in listed} == {e1.path, e2.path} and all(i.encrypted for i in listed)
    assert backup.list_backups(usb / "missing") == []


# -- messages ------------------------------------------------------------------------

def test_messages_are_translated(db, usb):
    with pytest.raises(BackupError) as caught:
        backup.backup_now(db, folder=usb)
    assert "加密" in caught.value.message
    with pytest.raises(WeakPassphrase) as caught:
        backup.check_passphrase("短")
    assert "8" in caught.value.message and "口令" in caught.value.message
    assert "口令" in backup.passphrase_warning()
    assert _(backup.PASSPHRASE_WARNING) == backup.passphrase_warning()


def test_the_key_derivation_stays_quick():
    import time

    start = time.perf_counter()
    backup._derive_key(PASS, b"\x00" * 16, backup.SCRYPT_LOG2_N, backup.SCRYPT_R, backup.SCRYPT_P)
    assert time.perf_counter() - start < 1.0


# -- one backup folder per database ---------------------------------------------------

@pytest.fixture
def second_db(tmp_path, blank_database):
    import shutil

    path = tmp_path / "other" / "branch.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(blank_database, path)
    database = open_database(sqlite_url(path))
    yield database
    database.dispose()


def names(infos) -> list[str]:
    return [i.path.name for i in infos]


def test_two_databases_keep_separate_automatic_backups(db, second_db):
    residents.add_resident(db, ResidentInput(name="总部居民"), actor=ADMIN)
    residents.add_resident(second_db, ResidentInput(name="分部居民"), actor=ADMIN)
    made_a = backup.auto_backup(db)
    made_b = backup.auto_backup(second_db)  # the same day: the second database gets its own
    assert [m.kind for m in made_a] == ["daily", "monthly"] == [m.kind for m in made_b]
    folder_a, folder_b = backup.database_folder(db), backup.database_folder(second_db)
    assert folder_a != folder_b and folder_a.parent == folder_b.parent == data_dir() / "backups"
    assert folder_a.name.startswith(backup._database_stem(db) + "-") and folder_b.name.startswith("branch-")
    assert backup.database_id(db) != backup.database_id(second_db)
    assert {m.path.parent for m in made_a} == {folder_a} and {m.path.parent for m in made_b} == {folder_b}
    # each list shows only its own database's backups
    assert set(names(backup.list_backups(db=db))) == {m.path.name for m in made_a}
    assert {i.path for i in backup.list_backups(db=second_db)} == {m.path for m in made_b}
    [daily_a] = [m.path for m in made_a if m.kind == "daily"]
    [daily_b] = [m.path for m in made_b if m.kind == "daily"]
    assert "总部居民" in str(all_rows(daily_a)["residents"]) and "分部居民" not in str(all_rows(daily_a))
    assert "分部居民" in str(all_rows(daily_b)["residents"])
    # a manual backup and the safety copy of a restore go to the database's own folder too
    assert backup.backup_now(second_db).path.parent == folder_b


def test_the_identity_is_kept_and_travels_with_a_restored_backup(db, tmp_path):
    ident = backup.database_id(db)
    assert len(ident) == 32 and backup.database_id(db) == ident  # made once, then kept
    made = backup.backup_now(db)
    elsewhere = tmp_path / "new-pc" / "centre.sqlite3"
    backup.restore(elsewhere, made.path)
    restored = open_database(sqlite_url(elsewhere))
    try:
        # the same centre's database: the same identity, the same backup folder
        assert backup.database_id(restored) == ident
        assert backup.database_folder(restored) == backup.database_folder(db)
    finally:
        restored.dispose()


def test_closing_after_a_change_refreshes_todays_backup(db):
    made = backup.auto_backup(db)  # at start
    [daily] = [m.path for m in made if m.kind == "daily"]
    residents.add_resident(db, ResidentInput(name="下午登记"), actor=ADMIN)
    assert backup.changed_since(db, daily)
    refreshed = backup.backup_on_close(db)
    assert [(r.kind, r.path) for r in refreshed] == [("daily", daily)]  # replaced, not a second file
    assert "下午登记" in str(all_rows(daily)["residents"])
    assert not backup.changed_since(db, daily)
    assert sorted(b.kind for b in backup.list_backups(db=db)) == ["daily", "monthly"]


def test_closing_without_a_change_rewrites_nothing(db):
    residents.add_resident(db, ResidentInput(name="上午登记"), actor=ADMIN)
    made = backup.auto_backup(db)
    before = {m.path: (m.path.stat().st_mtime_ns, m.path.stat().st_ino, digest(m.path)) for m in made}
    residents.search_ids(db, "上午")  # reading changes nothing
    assert backup.backup_on_close(db) == []
    assert backup.auto_backup(db) == []  # nor does a second start the same day
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino, digest(p)) for p in before} == before


def test_a_restore_that_brings_the_trail_back_to_the_same_length_still_counts_as_a_change(db, db_path):
    early = backup.backup_now(db)
    residents.add_resident(db, ResidentInput(name="之后的人"), actor=ADMIN)
    [daily] = [m.path for m in backup.auto_backup(db) if m.kind == "daily"]
    db.dispose()
    result = backup.restore(db_path, early.path)  # one audit row fewer than the daily backup...
    reopened = open_database(sqlite_url(db_path))
    try:
        backup.record_restore(reopened, result, actor=None)  # ...and one more: the same last id
        assert backup.changed_since(reopened, daily)
        assert [r.kind for r in backup.backup_on_close(reopened)] == ["daily"]
        assert "之后的人" not in str(all_rows(daily)["residents"])
    finally:
        reopened.dispose()


@pytest.mark.sqlite_only  # rotation of backup files, not the database: dozens of backups take 9-27 s on PostgreSQL
def test_rotation_leaves_the_other_databases_backups_alone(db, second_db):
    for d in range(1, 4):
        backup.auto_backup(second_db, today=dt.date(2026, 1, d))
    others = files_in(backup.database_folder(second_db))
    for d in range(1, 21):
        backup.auto_backup(db, today=dt.date(2026, 3, d))
    assert files_in(backup.database_folder(second_db)) == others
    assert [b.kind for b in backup.list_backups(db=db)].count("daily") == backup.KEEP_DAILY


@pytest.mark.sqlite_only  # copies of the database's file
def test_backups_from_before_the_per_database_folders_are_listed_restorable_and_never_rotated(db, db_path):
    residents.add_resident(db, ResidentInput(name="老备份里的人"), actor=ADMIN)
    shared = data_dir() / "backups"
    shared.mkdir(parents=True, exist_ok=True)
    old_daily = [shared / f"desk-2025-06-{d:02}-daily.sqlite3" for d in range(1, 10)]
    for path in old_daily:  # as the earlier version wrote them: one folder for every database
        backup_sqlite.copy_sqlite(db_path, path)
    old_safety = shared / "desk-before-restore-20250610-101010.sqlite3"
    backup_sqlite.copy_sqlite(db_path, old_safety)
    for d in range(1, 10):
        backup.auto_backup(db, today=dt.date(2026, 3, d))
    assert all(p.exists() for p in old_daily)  # not this database's to rotate
    listed = backup.list_backups(db=db)
    assert {i.path for i in listed if i.legacy} == {*old_daily, old_safety}
    assert all(i.path.parent == backup.database_folder(db) for i in listed if not i.legacy)
    assert listed[0].date == dt.date(2026, 3, 9)  # newest first, old ones after
    assert {i.path for i in backup.list_backups()} == {*old_daily, old_safety}
    db.dispose()
    result = backup.restore(db_path, old_daily[0])
    assert not result.upgrade_needed
    reopened = open_database(sqlite_url(db_path))
    try:
        assert residents.search_ids(reopened, "老备份里的人")
    finally:
        reopened.dispose()


@pytest.mark.skipif(__import__("os").name == "nt", reason="POSIX permissions")
def test_backups_are_private_to_the_user(db, db_path):
    made = backup.auto_backup(db)
    folder = backup.database_folder(db)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(m.path.stat().st_mode & 0o777 == 0o600 for m in made)
    encrypted = backup.backup_now(db, passphrase=PASS)
    assert encrypted.path.stat().st_mode & 0o777 == 0o600
    if backup.is_server_database(db):
        result = backup.restore_database(db, made[0].path)
    else:
        db.dispose()
        result = backup.restore(db_path, made[0].path)
    assert result.safety_copy.stat().st_mode & 0o777 == 0o600


# -- audit -------------------------------------------------------------------------

def _backup_rows(database) -> list[str]:
    from sqlalchemy import select

    from app.models import AuditLog

    with database.session() as s:
        return list(s.scalars(select(AuditLog.summary).where(AuditLog.action == "backup").order_by(AuditLog.id)))


@pytest.mark.parametrize("where", ["usb", "data folder"])
def test_a_backup_that_cannot_be_audited_is_not_kept(db, usb, monkeypatch, where):
    from app.services import audit

    def broken(*args, **kwargs):
        raise RuntimeError("the trail is locked")

    monkeypatch.setattr(audit, "record", broken)
    folder = usb if where == "usb" else None
    with pytest.raises(BackupError, match="审计"):
        backup.backup_now(db, folder=folder, passphrase=PASS if folder else None, actor=ADMIN)
    assert files_in(usb) == []
    assert [b for b in backup.list_backups(db=db) if b.kind == "manual"] == []


@pytest.mark.parametrize("passphrase", ["aaaaaaaa", "11111111", "一一一一一一一一", "12345678", "1234567890",
                                        "87654321", "90123456", "abcdefgh", "ABCDEFGHIJ", "hgfedcba",
                                        "1234 5678"])
def test_an_obvious_passphrase_is_refused(db, usb, passphrase):
    with pytest.raises(WeakPassphrase, match="容易"):
        backup.check_passphrase(passphrase)
    with pytest.raises(WeakPassphrase):
        backup.backup_now(db, folder=usb, passphrase=passphrase)
    assert files_in(usb) == []


def test_the_centres_name_is_refused_as_a_passphrase(db, usb):
    from app.services import centre

    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", ""), actor=ADMIN)
    for passphrase in ("莲坂村党建+邻里中心", "莲坂村党建邻里中心", "莲坂村党建邻里中心2026!"):
        with pytest.raises(WeakPassphrase, match="名称"):
            backup.backup_now(db, folder=usb, passphrase=passphrase)
    assert files_in(usb) == []
    assert backup.backup_now(db, folder=usb, passphrase="莲坂村门前大桥下游过一群鸭").encrypted
    for fine in ("1357-2468", "abcdefgz", PASS):
        backup.check_passphrase(fine, names=("莲坂村党建+邻里中心",))


@pytest.mark.sqlite_only  # the database's file is swapped
def test_the_restore_is_in_the_restored_database_even_if_the_program_dies_after_the_swap(filled, db_path,
                                                                                      monkeypatch):
    """Its audit row is written into the checked copy before the rename: nothing has to run after it."""
    made = backup.backup_now(filled)
    filled.dispose()
    renamed = []
    real_replace = backup.os.replace

    def replace_then_die(src, dst):
        real_replace(src, dst)
        if str(dst) == str(db_path):
            renamed.append(dst)
            raise KeyboardInterrupt  # the process is killed right after the swap

    monkeypatch.setattr(backup.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        backup.restore(db_path, made.path, audit_as=ADMIN)
    assert renamed and str(renamed[0]) == str(db_path)
    monkeypatch.undo()
    restores = [row for row in all_rows(db_path)["audit_log"] if row[4] == "restore"]
    assert len(restores) == 1 and ADMIN.name in restores[0]


# -- PostgreSQL: a logical archive in an SQLite file, restored in one transaction -------------

@pytest.fixture
def pg(postgres):
    """A PostgreSQL database with a few residents, whatever DESK_TEST_DATABASE_URL says (skipped
    without a server)."""
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    database = open_database(postgres.fresh())
    for name in ("张三", "李四", "王五"):
        residents.add_resident(database, ResidentInput(name=name), actor=ADMIN)
    backup.database_id(database)  # stored by the first backup: made now, so the sums before it hold
    yield database
    database.dispose()


def file_sums(path) -> dict:
    """database_copy.checksums of an SQLite file, read without migrating or writing it."""
    from app.db import Database, build_engine
    from app.services.database_copy import checksums

    database = Database(build_engine(sqlite_url(path)))
    try:
        return checksums(database)
    finally:
        database.dispose()


def pg_sums(database) -> dict:
    from app.services.database_copy import checksums

    return checksums(database)


def test_a_postgresql_database_is_backed_up_into_a_checked_sqlite_file(pg):
    before = pg_sums(pg)
    made = backup.backup_now(pg)
    folder = backup.database_folder(pg)
    assert made.path.parent == folder and folder.parent == data_dir() / "backups"
    assert folder.name.startswith(make_url(pg.url).database + "-")
    assert made.path.name.endswith("-manual.sqlite3") and not made.encrypted
    assert backup_sqlite.integrity_ok(made.path) and made.revision == known_revisions()[1]
    assert backup_sqlite.read_revision(made.path) == known_revisions()[1]
    assert file_sums(made.path) == before
    assert files_in(folder) == [made.path.name]  # one file: no temporary copy, no write-ahead log


def test_an_encrypted_backup_of_postgresql_leaves_the_data_folder_encrypted(pg, usb, tmp_path):
    before = pg_sums(pg)
    made = backup.backup_now(pg, folder=usb, passphrase=PASS, actor=ADMIN)
    assert made.encrypted and files_in(usb) == [made.path.name]
    raw = made.path.read_bytes()
    assert backup_sqlite.SQLITE_HEADER not in raw and "张三".encode() not in raw
    assert files_in(backup.database_folder(pg)) == []  # the plain copy it went through is gone
    plain = tmp_path / "decrypted.sqlite3"
    plain.write_bytes(backup.decrypt(raw, PASS))
    assert file_sums(plain) == before
    with pytest.raises(BackupError, match="加密"):
        backup.backup_now(pg, folder=usb)


def test_automatic_backups_of_postgresql_are_remade_only_after_a_change(pg):
    day = dt.date(2026, 3, 2)
    made = backup.auto_backup(pg, today=day)
    assert sorted(m.kind for m in made) == ["daily", "monthly"]
    [daily] = [m.path for m in made if m.kind == "daily"]
    stamp = (daily.stat().st_mtime_ns, daily.stat().st_ino)
    assert not backup.changed_since(pg, daily)
    assert backup.auto_backup(pg, today=day) == []  # nothing changed: nothing rewritten
    assert (daily.stat().st_mtime_ns, daily.stat().st_ino) == stamp
    residents.add_resident(pg, ResidentInput(name="下午登记"), actor=ADMIN)
    assert backup.changed_since(pg, daily)
    assert [(m.kind, m.path) for m in backup.auto_backup(pg, today=day)] == [("daily", daily)]
    assert file_sums(daily) == pg_sums(pg) and not backup.changed_since(pg, daily)


def test_a_restore_onto_postgresql_replaces_its_rows_after_a_safety_backup(pg):
    made = backup.backup_now(pg)
    in_backup = file_sums(made.path)
    residents.add_resident(pg, ResidentInput(name="备份之后"), actor=ADMIN)
    current = pg_sums(pg)
    result = backup.restore_database(pg, made.path, actor=ADMIN)
    restored = pg_sums(pg)
    assert {t: s for t, s in restored.items() if t != "audit_log"} == {
        t: s for t, s in in_backup.items() if t != "audit_log"}
    assert restored["audit_log"].rows == in_backup["audit_log"].rows + 1  # the restore, by whom, from what
    assert result.safety_copy.parent == backup.database_folder(pg)
    assert file_sums(result.safety_copy) == current
    assert [b.kind for b in backup.list_backups(db=pg)].count("before-restore") == 1
    assert residents.search_ids(pg, "备份之后") == []
    residents.add_resident(pg, ResidentInput(name="恢复之后"), actor=ADMIN)  # the id sequences follow
    assert files_in(backup.default_folder()) == [backup.database_folder(pg).name]  # no decrypted copy left


def test_a_restore_onto_postgresql_reports_progress_from_the_safety_copy_on(pg):
    """One bar for both copies: the safety copy fills the first half, so it shows a percentage
    from the start instead of a busy bar without text."""
    made = backup.backup_now(pg)
    seen = []
    backup.restore_database(pg, made.path, actor=ADMIN, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 2000) and seen[-1] == (2000, 2000)
    assert {total for _, total in seen} == {2000} and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert any(0 < done < 1000 for done, _ in seen) and (1000, 2000) in seen


def test_an_older_backup_is_migrated_in_a_copy_before_it_goes_onto_postgresql(pg, tmp_path):
    from alembic import command

    from app.db import _alembic_config, build_engine

    old = tmp_path / "old.sqlite3"
    engine = build_engine(sqlite_url(old))
    with engine.begin() as con:
        command.upgrade(_alembic_config(con), "0001")
    engine.dispose()
    kept = digest(old)
    result = backup.restore_database(pg, old, actor=ADMIN)
    assert result.revision == "0001" and digest(old) == kept
    assert residents.count_residents(pg, include_inactive=True) == 0


def test_a_newer_backup_is_refused_by_postgresql_untouched(pg, english):
    made = backup.backup_now(pg)
    con = sqlite3.connect(made.path)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    before, listing = pg_sums(pg), files_in(backup.database_folder(pg))
    with pytest.raises(NewerBackup, match="newer version"):
        backup.restore_database(pg, made.path, actor=ADMIN)
    assert pg_sums(pg) == before
    assert files_in(backup.database_folder(pg)) == listing  # refused before the safety backup


def test_a_failure_in_the_middle_of_a_restore_leaves_postgresql_as_it_was(pg, monkeypatch, english):
    from sqlalchemy.exc import OperationalError

    from app.services import database_copy

    made = backup.backup_now(pg)
    residents.add_resident(pg, ResidentInput(name="当前数据"), actor=ADMIN)
    before = pg_sums(pg)
    real = database_copy._copy_table
    written = []

    def copy_then_fail(source_con, target_con, tbl, **kwargs):
        real(source_con, target_con, tbl, **kwargs)
        if target_con.dialect.name == "postgresql":  # not the safety backup's copy
            written.append(tbl.name)
            if tbl.name == "residents":
                raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(database_copy, "_copy_table", copy_then_fail)
    with pytest.raises(BackupError, match="has not been changed"):
        backup.restore_database(pg, made.path, actor=ADMIN)
    assert "residents" in written
    assert pg_sums(pg) == before
    assert residents.search_ids(pg, "当前数据")
