"""audit.changes_since: what other desks changed, from the audit trail, without this desk's own
writes; an id committed after a larger one (PostgreSQL's sequences) is still seen."""
import datetime as dt
import time

import pytest

from app.db import open_database
from app.services import audit, counter, residents, tags
from app.services.counter import CategoryInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN


@pytest.fixture
def other(db):
    database = open_database(db.engine.url.render_as_string(hide_password=False), quick_check=False)
    yield database
    database.dispose()


def test_only_the_other_desks_changes_are_reported(db, other):
    cursor, kinds = audit.changes_since(db, None)
    assert kinds == set()
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)  # this desk's own
    cursor, kinds = audit.changes_since(db, cursor)
    assert kinds == set()
    rid = residents.add_resident(other, ResidentInput(name="李四"), actor=ADMIN)
    counter.add_category(other, CategoryInput("社保", "centre", 5), actor=ADMIN)
    cursor, kinds = audit.changes_since(db, cursor)
    assert kinds == {"resident", "request_category"}
    assert audit.changes_since(db, cursor)[1] == set()  # nothing new
    # The other desk sees this desk's writes, and not its own.
    start, _kinds = audit.changes_since(other, None)
    tags.add_tag(db, "独居", actor=ADMIN)
    residents.deactivate_resident(other, rid, "搬走", actor=ADMIN)
    assert audit.changes_since(other, start)[1] == {"tag"}


def test_a_rolled_back_write_is_not_counted_as_this_desks(db, other):
    cursor, _kinds = audit.changes_since(db, None)
    with pytest.raises(RuntimeError), db.session() as s:
        audit.record(s, ADMIN, "create", "tag", None, "作废")
        s.flush()
        raise RuntimeError
    tags.add_tag(other, "独居", actor=ADMIN)  # on SQLite it may take the id given back
    assert audit.changes_since(db, cursor)[1] == {"tag"}


def test_read_only_actions_change_nothing(db, other):
    cursor, _kinds = audit.changes_since(db, None)
    with other.session() as s:
        audit.record(s, ADMIN, "export", "resident", None, "导出")
        audit.record(s, ADMIN, "login", "staff", None, "")
    assert audit.changes_since(db, cursor)[1] == set()


def test_an_id_committed_after_a_larger_one_is_seen(db, other):
    cursor, _kinds = audit.changes_since(db, None)
    if db.engine.url.get_backend_name() == "postgresql":
        # A slow transaction takes its id first and commits last.
        with other.session() as slow:
            audit.record(slow, ADMIN, "update", "ticket", 1, "FW202611-0001")
            slow.flush()
            residents.add_resident(other, ResidentInput(name="李四"), actor=ADMIN)
            cursor, kinds = audit.changes_since(db, cursor)
            assert kinds == {"resident"} and len(cursor.gaps) == 1
    else:  # SQLite writes one at a time: make the gap by hand
        with other.session() as s:
            audit.record(s, ADMIN, "update", "ticket", 1, "FW202611-0001")
        cursor = audit.ChangeCursor(cursor.last_id + 1, {cursor.last_id + 1: time.monotonic()})
    cursor, kinds = audit.changes_since(db, cursor)
    assert kinds == {"ticket"} and cursor.gaps == {}


def test_gaps_are_forgotten_after_a_while(db):
    # (ids no row has: a rolled-back transaction's)
    cursor = audit.ChangeCursor(0, {-2: time.monotonic() - audit.GAP_SECONDS - 1, -1: time.monotonic()})
    assert audit.changes_since(db, cursor)[0].gaps.keys() == {-1}


def test_a_restored_older_copy_starts_over(db):
    residents.add_resident(db, ResidentInput(name="张三", birth_date=dt.date(1950, 1, 1)), actor=ADMIN)
    cursor, kinds = audit.changes_since(db, audit.ChangeCursor(10_000))
    assert kinds == {"database"} and cursor.last_id < 10_000
