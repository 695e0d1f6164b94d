"""Day-care closing time: read with a default, set by the administrator, audited."""
import datetime as dt

import pytest

from app.errors import ValidationError
from app.services import audit, daycare
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from tests.conftest import ADMIN


def test_the_default_is_five_and_the_administrator_sets_it(db):
    assert daycare.closing_time(db) == dt.time(17, 0)
    assert daycare.set_closing_time(db, "１６：３０", actor=ADMIN) == dt.time(16, 30)  # full-width typed
    assert daycare.closing_time(db) == dt.time(16, 30)
    assert daycare.board(db, dt.datetime(2026, 11, 2, 16, 45)).closing_time == dt.time(16, 30)
    daycare.set_closing_time(db, dt.time(18, 0, 30), actor=ADMIN)
    assert daycare.closing_time(db) == dt.time(18, 0)  # whole minutes
    rows = audit.query(db, entity="setting", actor=ADMIN)
    assert [(r.summary, r.changes) for r in rows if r.summary == daycare.CLOSING_TIME_KEY] == [
        (daycare.CLOSING_TIME_KEY, {daycare.CLOSING_TIME_KEY: ["16:30", "18:00"]}),
        (daycare.CLOSING_TIME_KEY, {daycare.CLOSING_TIME_KEY: [None, "16:30"]})]
    daycare.set_closing_time(db, "18:00", actor=ADMIN)  # no change, no audit row
    assert len([r for r in audit.query(db, entity="setting", actor=ADMIN)
                if r.summary == daycare.CLOSING_TIME_KEY]) == 2


@pytest.mark.parametrize("value", ["", "25:00", "soon", "17:60"])
def test_a_time_that_is_not_one_is_refused(db, value):
    with pytest.raises(ValidationError) as err:
        daycare.set_closing_time(db, value, actor=ADMIN)
    assert set(err.value.fields) == {"closing_time"}
    assert daycare.closing_time(db) == dt.time(17, 0)


@pytest.mark.parametrize("role", [DESK, GRID_WORKER, VIEWER])
def test_only_the_administrator_sets_it(db, role):
    with pytest.raises(PermissionDenied):
        daycare.set_closing_time(db, "16:00", actor=Actor("某人", role))
    assert daycare.closing_time(db) == dt.time(17, 0)
