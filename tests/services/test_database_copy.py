"""Moving a centre between databases: SQLite ⇄ PostgreSQL, verified by per-table checksums."""
import datetime as dt
import shutil

import pytest
from sqlalchemy import func, insert, select, text, update

from app.db import open_database, sqlite_url
from app.models import AuditLog, Grid, Holiday, Resident, Setting
from app.services import demo, residents
from app.services.database_copy import CopyError, CopyReport, checksums, copy_database
from tests.conftest import ADMIN


@pytest.fixture(scope="module")
def village_file(tmp_path_factory):
    """A village demo database, filled once for the module; tests copy the file."""
    path = tmp_path_factory.mktemp("copy-source") / "village.sqlite3"
    db = open_database(sqlite_url(path), remember=False)
    demo.fill_demo(db, "village", seed=1, actor=ADMIN)
    db.dispose()
    return path


@pytest.fixture
def village(village_file, tmp_path):
    path = tmp_path / "village.sqlite3"
    shutil.copyfile(village_file, path)
    db = open_database(sqlite_url(path), remember=False)
    yield db
    db.dispose()


@pytest.fixture
def source(blank_database, tmp_path):
    """A small source: a few residents (with their audit rows) and awkward values."""
    path = tmp_path / "source.sqlite3"
    shutil.copyfile(blank_database, path)
    db = open_database(sqlite_url(path), remember=False)
    for _n in range(8):
        _new_resident(db)
    _fill_awkward(db)
    yield db
    db.dispose()


@pytest.fixture
def opened():
    """open(url) → a Database with allow_new, disposed at the end of the test."""
    dbs = []

    def open_(url):
        dbs.append(open_database(url, allow_new=True, remember=False))
        return dbs[-1]

    yield open_
    for db in dbs:
        db.dispose()


@pytest.fixture
def pg(postgres):
    if postgres is None:
        pytest.skip("needs DESK_TEST_DATABASE_URL")
    return postgres


def _new_resident(db) -> int:
    return residents.add_resident(db, residents.ResidentInput(name="新来的", estate="宝源花园", phone="13800000000"),
                                  actor=ADMIN)


def _max_id(db, column) -> int:
    with db.session() as s:
        return s.scalar(select(func.max(column)))


def _same_sums(report: CopyReport, sums) -> bool:
    return {t.table: t for t in report.tables} == sums


@pytest.mark.slow
def test_sqlite_to_sqlite_copies_everything_verifies_and_leaves_the_source_alone(village, opened, tmp_path):
    source = village
    before = checksums(source)
    calls = []
    target = opened(sqlite_url(tmp_path / "target.sqlite3"))
    report = copy_database(source, target, progress=lambda done, total: calls.append((done, total)))
    assert _same_sums(report, before)
    assert checksums(target) == before
    assert checksums(source) == before  # never written
    total = sum(t.rows for t in before.values())
    assert report.rows == total and before["residents"].rows == 1500
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert report.source == source.label and report.target == target.label
    assert len(report.revision) > 0
    new = _new_resident(target)
    assert new == _max_id(source, Resident.id) + 1


@pytest.mark.slow
def test_sqlite_to_postgresql_and_back_keeps_every_checksum(village, opened, pg, tmp_path):
    source = village
    before = checksums(source)
    onto_pg = opened(pg.new())
    first = copy_database(source, onto_pg)
    assert _same_sums(first, before) and checksums(onto_pg) == before
    back = opened(sqlite_url(tmp_path / "back.sqlite3"))
    second = copy_database(onto_pg, back)
    assert _same_sums(second, before) and checksums(back) == before
    assert checksums(source) == before and checksums(onto_pg) == before
    # The sequences were set past the copied ids: new rows get free ids (the resident, its audit row).
    new = _new_resident(onto_pg)
    assert new == _max_id(source, Resident.id) + 1
    assert _max_id(onto_pg, AuditLog.id) == _max_id(source, AuditLog.id) + 1


def test_a_target_that_holds_data_is_refused_and_left_alone(source, opened, tmp_path, postgres):
    targets = [opened(sqlite_url(tmp_path / "full.sqlite3"))]
    if postgres is not None:
        targets.append(opened(postgres.new()))
    for target in targets:
        _new_resident(target)
        held = checksums(target)
        with pytest.raises(CopyError, match="已有数据|already holds"):
            copy_database(source, target)
        assert checksums(target) == held


def test_replace_deletes_the_targets_rows_first(source, opened, tmp_path):
    target = opened(sqlite_url(tmp_path / "old.sqlite3"))
    _new_resident(target)
    report = copy_database(source, target, replace=True)
    assert _same_sums(report, checksums(source))


def test_a_target_at_another_revision_is_refused(source, opened, tmp_path, postgres):
    targets = [opened(sqlite_url(tmp_path / "other.sqlite3"))]
    if postgres is not None:
        targets.append(opened(postgres.new()))
    for target in targets:
        with target.engine.begin() as con:
            con.execute(text("UPDATE alembic_version SET version_num = '0001_older'"))
        with pytest.raises(CopyError, match="0001_older"):
            copy_database(source, target)
        assert all(s.rows == 0 for s in checksums(target).values())


def test_the_same_database_is_refused(source, opened):
    with pytest.raises(CopyError):
        copy_database(source, source)
    again = opened(source.url)  # the same file opened a second time
    with pytest.raises(CopyError):
        copy_database(source, again, replace=True)
    assert checksums(source)["residents"].rows == 8


def test_same_postgresql_database_is_refused(source, opened, pg):
    url = pg.new()
    one, two = opened(url), opened(url)
    copy_database(source, one)
    with pytest.raises(CopyError):
        copy_database(one, two, replace=True)


def test_a_value_too_long_for_postgresql_names_table_and_column_and_writes_nothing(source, opened, pg):
    with source.engine.begin() as con:  # SQLite keeps a name longer than VARCHAR(50)
        con.execute(update(Resident).where(Resident.id == 7).values(name="长" * 51))
    target = opened(pg.new())
    with pytest.raises(CopyError) as raised:
        copy_database(source, target)
    assert "residents" in raised.value.message and "name" in raised.value.message
    assert "长长" not in raised.value.message  # no personal data in the message
    assert all(s.rows == 0 for s in checksums(target).values())  # the tables before residents too


def test_a_grid_whose_parent_has_a_larger_id_is_copied(source, opened, tmp_path, postgres):
    with source.engine.begin() as con:
        con.execute(insert(Grid).values(id=500, parent_id=None, level=1, name="后建社区"))
        con.execute(insert(Grid).values(id=400, parent_id=500, level=2, name="先建网格"))
    before = checksums(source)
    targets = [opened(sqlite_url(tmp_path / "grids.sqlite3"))]
    if postgres is not None:
        targets.append(opened(postgres.new()))
    for target in targets:
        assert _same_sums(copy_database(source, target), before)
        with target.session() as s:
            assert s.scalar(select(Grid.parent_id).where(Grid.id == 400)) == 500


AWKWARD = [
    ("", dt.datetime(2026, 1, 2, 3, 4, 5, 678901), None, True),
    ("中文：邻里中心前台 𠀀𪚥", dt.datetime(1999, 12, 31, 23, 59, 59), 2 ** 31 - 1, False),
    ("line\nbreak\t\"quoted\" \\ back", dt.datetime(2026, 11, 27), -(2 ** 31), True),
    ("emoji 🙂 and ' quote", dt.datetime(2000, 2, 29, 0, 0, 0, 1), 0, False),
]


def _fill_awkward(db) -> None:
    with db.session() as s:
        for n, (word, at, number, flag) in enumerate(AWKWARD):
            s.execute(insert(Setting).values(key=f"键{n}" if n % 2 else f"Key{n}", value=word))
            s.execute(insert(Holiday).values(day=dt.date(2026, 1, 1) + dt.timedelta(days=n), name=word[:50],
                                             working=flag))
            s.execute(insert(AuditLog).values(at=at, actor_name=word[:50], action="update", entity="x",
                                              entity_id=number, summary=word, changes=""))


def test_checksums_are_the_same_on_sqlite_and_postgresql_for_awkward_values(opened, pg, tmp_path):
    lite = opened(sqlite_url(tmp_path / "awkward.sqlite3"))
    server = opened(pg.new())
    _fill_awkward(lite)
    _fill_awkward(server)
    assert checksums(lite) == checksums(server)
    assert checksums(lite)["settings"].rows == len(AWKWARD)
    back = opened(sqlite_url(tmp_path / "awkward-back.sqlite3"))
    assert _same_sums(copy_database(server, back), checksums(lite))


def test_checksums_see_a_changed_value(opened, tmp_path):
    db = opened(sqlite_url(tmp_path / "a.sqlite3"))
    _fill_awkward(db)
    before = checksums(db)
    with db.session() as s:
        s.execute(update(AuditLog).where(AuditLog.id == 1).values(at=dt.datetime(2026, 1, 2, 3, 4, 5, 678902)))
    after = checksums(db)
    assert after["audit_log"] != before["audit_log"] and after["settings"] == before["settings"]
