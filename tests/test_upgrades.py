"""Upgrades keep every record.

tests/fixtures/db-<revision>.sqlite3 are real databases written by the program at each schema
revision (tests/fixtures/README.md says how each was made; add one whenever a migration lands).
Each is copied, upgraded to head by open_database, and must still hold every row it held, with
the same values; the upgraded database must pass SQLite's checks and work with the services.
A database from a newer program is refused and left byte for byte as it was.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.db import MIGRATIONS_DIR, open_database, sqlite_url
from app.errors import DatabaseError

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("db-*.sqlite3"))
NAME = re.compile(r"db-(.+)\.sqlite3")

# Rows a migration legitimately adds to a table that existed before it: {table: rows added}.
# None so far (each migration adds columns or new tables only); a migration that writes, say,
# an audit row about itself must say so here, with a comment naming the migration.
ROWS_ADDED_BY_MIGRATIONS: dict[str, int] = {}


def _revision_of(path: Path) -> str:
    return NAME.fullmatch(path.name).group(1)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def _tables(con: sqlite3.Connection) -> list[str]:
    return [name for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]


def _rows(con: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple]:
    """Every row of `table` (only `columns`), sorted by all of them (a table rebuilt by a
    migration may hand out rowids anew)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {cols} FROM "{table}" ORDER BY {cols}').fetchall()


def _snapshot(path: Path) -> dict:
    """What the database holds, read with the sqlite3 module: the revision, every table's row
    count and full contents, and a few values a person would look for."""
    con = _connect(path)
    try:
        tables = _tables(con)
        snap = {
            "revision": con.execute("SELECT version_num FROM alembic_version").fetchall(),
            "counts": {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables},
            "contents": {t: (_columns(con, t), _rows(con, t, _columns(con, t))) for t in tables},
            "first_residents": con.execute(
                "SELECT id, name, id_number, gender, birth_date, phone, estate, active FROM residents "
                "ORDER BY id LIMIT 5").fetchall(),
            "inactive": con.execute("SELECT id, deactivated_on, deactivation_reason FROM residents "
                                    "WHERE NOT active ORDER BY id").fetchall(),
            "grids": con.execute("SELECT id, parent_id, name, worker_name FROM grids ORDER BY id").fetchall(),
            "tags": con.execute("SELECT id, name FROM tags ORDER BY id").fetchall(),
            "tags_of": {},
            "settings": dict(con.execute("SELECT key, value FROM settings")),
        }
        for rid, *_rest in snap["first_residents"]:
            snap["tags_of"][rid] = sorted(name for (name,) in con.execute(
                "SELECT t.name FROM resident_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.resident_id = ?",
                (rid,)))
        if "audit_log" in tables:
            snap["audit"] = con.execute("SELECT id, at, actor_name, action, entity, summary FROM audit_log "
                                        "ORDER BY id").fetchall()
        if "tickets" in tables:
            snap["tickets"] = con.execute("SELECT id, number, resident_id, status, received_on, due_on FROM tickets "
                                          "ORDER BY id").fetchall()
            snap["events_of_first_ticket"] = con.execute(
                "SELECT count(*) FROM ticket_events WHERE ticket_id = (SELECT min(id) FROM tickets)").fetchone()[0]
        return snap
    finally:
        con.close()


def _migration_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def _head() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_one_fixture_per_migration():
    """Forgetting the fixture of a new migration fails here (tests/fixtures/README.md says how to make it)."""
    have = {_revision_of(p) for p in FIXTURE_FILES}
    assert have == _migration_revisions(), (
        f"fixtures for {sorted(have)}, migrations {sorted(_migration_revisions())}: "
        "make the missing ones as tests/fixtures/README.md says")
    # Each is a whole database at its own revision: no journal beside it, nothing half-written.
    for path in FIXTURE_FILES:
        assert not list(FIXTURES.glob(path.name + "-*")), f"{path.name} has a -wal/-shm/-journal file beside it"
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(_revision_of(path),)]
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert con.execute("SELECT count(*) FROM residents").fetchone()[0] > 0
        finally:
            con.close()


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[_revision_of(p) for p in FIXTURE_FILES])
def test_upgrade_keeps_every_record(fixture, tmp_path):
    fixture_hash = _sha256(fixture)
    copy = tmp_path / "desk.sqlite3"
    shutil.copyfile(fixture, copy)
    before = _snapshot(copy)
    assert before["revision"] == [(_revision_of(fixture),)]

    open_database(sqlite_url(copy)).dispose()  # migrates to head
    after = _snapshot(copy)

    assert after["revision"] == [(_head(),)]
    # Every table there was is still there, with exactly its rows; new tables may have rows
    # (none do so far, but a migration could seed one).
    assert set(before["counts"]) <= set(after["counts"]), "a migration dropped a table"
    for table, count in before["counts"].items():
        if table == "alembic_version":
            continue
        assert after["counts"][table] == count + ROWS_ADDED_BY_MIGRATIONS.get(table, 0), table
    # Every value of every column there was is unchanged (new columns may be filled in).
    con = _connect(copy)
    try:
        for table, (columns, rows) in before["contents"].items():
            if table == "alembic_version" or table in ROWS_ADDED_BY_MIGRATIONS:
                continue
            assert set(columns) <= set(after["contents"][table][0]), f"a migration dropped a column of {table}"
            assert _rows(con, table, columns) == rows, f"values in {table} changed"
    finally:
        con.close()
    # The values a person would look for, said once more in their own words.
    for key in ("first_residents", "inactive", "grids", "tags", "tags_of", "settings", "audit", "tickets",
                "events_of_first_ticket"):
        if key in before:
            assert after[key] == before[key], key

    con = _connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # Revision 0002 gave every resident a member code; whatever the start, each has its own.
        assert con.execute("SELECT count(*), count(DISTINCT member_code) FROM residents").fetchone() == (
            before["counts"]["residents"], before["counts"]["residents"])
    finally:
        con.close()

    db = open_database(sqlite_url(copy))  # now at head: opened as it is
    try:
        _check_services(db, before)
    finally:
        db.dispose()
    assert _sha256(fixture) == fixture_hash, "the test changed the fixture itself"


def _check_services(db, before: dict) -> None:
    """The program works with the upgraded database: search, a resident's record, the counter."""
    from app.services import counter, residents

    everyone = residents.search_ids(db, "", include_inactive=True)
    columns, rows = before["contents"]["residents"]
    assert sorted(everyone) == sorted(row[columns.index("id")] for row in rows) and everyone
    assert residents.count_residents(db, include_inactive=True) == before["counts"]["residents"]
    for rid, name, id_number, *_rest in before["first_residents"]:
        detail = residents.get_resident(db, rid)
        assert detail.data.name == name
        assert (detail.data.id_number or None) == id_number
        assert sorted(detail.tag_names) == before["tags_of"][rid]
        assert detail.member_code
        assert rid in residents.search_ids(db, name, include_inactive=True)
        if id_number:
            assert rid in residents.search_ids(db, id_number[-6:], include_inactive=True)

    tickets = before.get("tickets", [])
    listed = counter.list_tickets(db)
    assert {t.id for t in listed} == {t[0] for t in tickets}
    counter.counts(db)  # the tab's label
    if tickets:
        first_id, number = tickets[0][0], tickets[0][1]
        assert counter.find_ticket_id(db, number) == first_id
        assert counter.get_ticket(db, first_id).number == number
        assert len(counter.ticket_history(db, first_id)) == before["events_of_first_ticket"]


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[_revision_of(p) for p in FIXTURE_FILES])
def test_upgraded_schema_is_the_models(fixture, tmp_path):
    """An upgraded database has the same tables, columns and indexes as a new one: a migration
    edited after it shipped (its old databases never get the change) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import Base

    copy = tmp_path / "desk.sqlite3"
    shutil.copyfile(fixture, copy)
    db = open_database(sqlite_url(copy))
    try:
        with db.engine.connect() as con:
            assert compare_metadata(MigrationContext.configure(con, opts={"compare_type": True}), Base.metadata) == []
    finally:
        db.dispose()


def test_database_from_a_newer_program_is_refused_untouched(tmp_path):
    fixture = FIXTURE_FILES[-1]
    fixture_hash = _sha256(fixture)
    copy = tmp_path / "desk.sqlite3"
    shutil.copyfile(fixture, copy)
    con = sqlite3.connect(copy)
    with con:
        con.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    con.close()
    files_before = sorted(p.name for p in tmp_path.iterdir())
    hash_before = _sha256(copy)

    with pytest.raises(DatabaseError):
        open_database(sqlite_url(copy))

    assert _sha256(copy) == hash_before
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before  # no -wal/-shm/-journal left either
    assert _sha256(fixture) == fixture_hash
