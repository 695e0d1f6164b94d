import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.db import known_revisions, open_database, sqlite_url
from app.errors import DatabaseError
from app.models import Base


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrations_from_empty_to_head_match_the_models(db):
    _known, head = known_revisions()
    with db.engine.connect() as con:
        assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        diff = compare_metadata(MigrationContext.configure(con, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_every_migration_downgrades_to_empty_and_back(db_path):
    from alembic import command

    from app.db import _alembic_config

    db = open_database(sqlite_url(db_path))
    with db.engine.begin() as con:
        con.exec_driver_sql("PRAGMA foreign_keys=OFF")
        command.downgrade(_alembic_config(con), "base")
    with db.engine.connect() as con:
        assert con.execute(text("SELECT count(*) FROM sqlite_master WHERE name='residents'")).scalar() == 0
    db.dispose()
    db = open_database(sqlite_url(db_path))  # upgraded again at start
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM residents")).scalar() == 0
    db.dispose()


@pytest.mark.sqlite_only  # SQLite's pragmas
def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(db):
    with db.engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert con.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_a_new_database_is_marked_created_and_an_existing_one_is_not(db_path):
    first = open_database(sqlite_url(db_path))
    assert first.created
    first.dispose()
    second = open_database(sqlite_url(db_path))
    assert not second.created
    second.dispose()


def test_a_database_from_a_newer_version_is_refused_and_untouched(db_path):
    db = open_database(sqlite_url(db_path))
    db.dispose()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="更新版本"):
        open_database(sqlite_url(db_path))
    assert digest(db_path) == before
    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_a_file_that_is_not_a_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("这不是数据库" * 20, encoding="utf-8")
    before = digest(path)
    with pytest.raises(DatabaseError, match="不是 SQLite 文件"):
        open_database(sqlite_url(path))
    assert digest(path) == before


def test_a_corrupt_database_is_refused_with_a_message(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    with pytest.raises(DatabaseError):
        open_database(sqlite_url(path))


def test_a_failed_transaction_leaves_nothing_behind(db):
    from app.models import Setting

    with pytest.raises(RuntimeError):
        with db.session() as s:
            s.add(Setting(key="x", value="1"))
            s.flush()
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.get(Setting, "x") is None


def test_the_quick_revision_reader_agrees_with_alembic():
    from alembic.script import ScriptDirectory

    from app.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    assert known_revisions() == ({r.revision for r in script.walk_revisions()}, script.get_current_head())


def test_upgrading_an_old_database_keeps_every_row_and_gives_member_codes(db_path):
    """Batch migrations rebuild tables; links to them (tags, family) must survive."""
    from alembic import command

    from app.db import _alembic_config

    db = open_database(sqlite_url(db_path))
    with db.engine.begin() as con:
        command.downgrade(_alembic_config(con), "0001")
    with db.engine.begin() as con:
        for name in ("老居民", "老伴"):
            con.execute(text(
                "INSERT INTO residents (name, id_kind, phone, estate, building, unit, room, notes, active, "
                "deactivation_reason, search_keys, sort_key, created_at, updated_at) VALUES "
                f"('{name}', '', '', '', '', '', '', '', 1, '', ' x | ', 'x', '2020-01-01 00:00:00', "
                "'2020-01-01 00:00:00')"))
        con.execute(text("INSERT INTO tags (name, sort_order, active) VALUES ('老年人', 0, 1)"))
        con.execute(text("INSERT INTO resident_tags VALUES (1, 1)"))
        con.execute(text("INSERT INTO family_links (resident_id, relative_id, relation, note) "
                         "VALUES (1, 2, 'spouse', ''), (2, 1, 'spouse', '')"))
    db.dispose()
    db = open_database(sqlite_url(db_path))
    with db.engine.connect() as con:
        codes = con.execute(text("SELECT member_code FROM residents")).scalars().all()
        assert con.execute(text("SELECT count(*) FROM resident_tags")).scalar() == 1
        assert con.execute(text("SELECT count(*) FROM family_links")).scalar() == 2
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert len(codes) == 2 and all(len(c) == 8 for c in codes)
    db.dispose()


ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


def test_alembic_ini_autogenerate_finds_nothing_on_a_database_at_head(db, monkeypatch):
    """`alembic check` / `alembic revision --autogenerate` as docs/ARCHITECTURE.md gives them:
    alembic.ini's configuration, env.py connecting by itself (here to DESK_DATABASE_URL)."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import AutogenerateDiffsDetected
    from sqlalchemy import Column, Integer, Table

    monkeypatch.setenv("DESK_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    command.check(Config(ALEMBIC_INI))  # models and migrations agree
    scratch = Table("scratch_table", Base.metadata, Column("id", Integer, primary_key=True))
    try:  # and a model change is seen
        with pytest.raises(AutogenerateDiffsDetected, match="scratch_table"):
            command.check(Config(ALEMBIC_INI))
    finally:
        Base.metadata.remove(scratch)


def test_alembic_ini_on_a_fresh_clone_compares_with_a_throw_away_database(monkeypatch):
    from alembic import command
    from alembic.config import Config

    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    command.check(Config(ALEMBIC_INI))  # no database given: one is made at head and deleted
