"""Two desks at once: two Database objects (two connection pools) on one database, as two computers
at the front desk have. On SQLite two engines on one file; on PostgreSQL (DESK_TEST_DATABASE_URL)
two pools on one server database, where these races are the point."""
import datetime as dt
import threading

import pytest

from app.db import open_database
from app.errors import ValidationError
from app.services import counter, points, residents
from app.services.access import DESK, Actor
from app.services.counter import CategoryInput, TicketInput
from app.services.points import EarnInput, VoucherTypeInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

D = dt.date
TODAY = D(2026, 11, 2)
DESK_A, DESK_B = Actor("前台小林", DESK), Actor("前台小陈", DESK)


@pytest.fixture
def other(db):
    """The second desk: its own engine on the database of `db` (the URL with its password, if any)."""
    database = open_database(db.engine.url.render_as_string(hide_password=False), quick_check=False)
    yield database
    database.dispose()


def together(calls) -> list:
    """Run the calls in threads released at the same moment; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        start.wait()
        try:
            results[i] = call()
        except Exception as exc:  # the test looks at what each got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def person(db, name="张三", phone="13800000001") -> int:
    return residents.add_resident(db, ResidentInput(name=name, phone=phone), actor=ADMIN)


def test_two_desks_receiving_at_once_get_unique_consecutive_numbers(db, other):
    category = counter.add_category(db, CategoryInput("社保", "centre", 5), actor=ADMIN)

    def desk(database, actor, n=4):
        return [counter.receive_ticket(database, TicketInput(category_id=category, description="咨询社保",
                                                             walk_in_name="陈阿姨", walk_in_phone="13812345678"),
                                       actor=actor, today=TODAY).number for _i in range(n)]

    results = together([lambda: desk(db, DESK_A), lambda: desk(other, DESK_B)])
    assert all(isinstance(r, list) for r in results), results
    numbers = sorted(results[0] + results[1])
    assert numbers == [f"FW202611-{n:04d}" for n in range(1, 9)]
    assert len(counter.list_tickets(other, today=TODAY)) == 8


def test_two_desks_cannot_spend_the_last_points_twice(db, other):
    points.seed(db, actor=ADMIN)
    mediation = points.list_service_types(db)[2].id  # 邻里调解: 20 points an occasion
    rid = person(db)
    points.earn(db, EarnInput(rid, mediation, D(2026, 10, 1), occasions=1), actor=DESK_A, today=TODAY)
    vt = points.add_voucher_type(db, VoucherTypeInput("大米一袋", points.GOODS, None, 20, None, D(2026, 1, 1),
                                                      D(2026, 12, 31), None), actor=ADMIN)
    when = dt.datetime(2026, 11, 2, 10)
    results = together([lambda: points.issue_voucher(db, rid, vt, actor=DESK_A, at=when),
                        lambda: points.issue_voucher(other, rid, vt, actor=DESK_B, at=when)])
    assert sorted(type(r).__name__ for r in results) == ["ValidationError", "VoucherRow"], results
    refused = next(r for r in results if isinstance(r, ValidationError))
    assert "voucher_type_id" in refused.fields
    assert points.balance(db, rid) == 0 and points.balance(other, rid) == 0


def test_a_stale_form_does_not_undo_the_other_desks_save(db, other):
    rid = person(db)
    form_a, form_b = residents.get_resident(db, rid), residents.get_resident(other, rid)
    form_a.data.phone = "13900000002"
    residents.update_resident(db, rid, form_a.data, actor=DESK_A, loaded_at=form_a.updated_at)
    form_b.data.notes = "行动不便"
    with pytest.raises(ValidationError) as refused:
        residents.update_resident(other, rid, form_b.data, actor=DESK_B, loaded_at=form_b.updated_at)
    assert "updated_at" in refused.value.fields and "另一台前台电脑" in str(refused.value)
    assert residents.get_resident(other, rid).data.phone == "13900000002"  # desk A's change stays
    # Opened again, desk B's form saves.
    again = residents.get_resident(other, rid)
    again.data.notes = "行动不便"
    residents.update_resident(other, rid, again.data, actor=DESK_B, loaded_at=again.updated_at)
    assert residents.get_resident(db, rid).data.notes == "行动不便"


def test_two_desks_saving_one_form_at_the_same_moment_one_is_refused(db, other):
    rid = person(db)
    loaded = residents.get_resident(db, rid)

    def save(database, actor, phone):
        data = residents.get_resident(database, rid).data
        data.phone = phone
        residents.update_resident(database, rid, data, actor=actor, loaded_at=loaded.updated_at)
        return phone

    results = together([lambda: save(db, DESK_A, "13900000002"), lambda: save(other, DESK_B, "13900000003")])
    saved = [r for r in results if isinstance(r, str)]
    assert len(saved) == 1 and sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert residents.get_resident(db, rid).data.phone == saved[0]


def test_without_the_form_time_a_save_is_as_before(db, other):
    rid = person(db)
    data = residents.get_resident(db, rid).data
    residents.update_resident(other, rid, residents.get_resident(other, rid).data, actor=DESK_B)
    data.phone = "13900000002"
    residents.update_resident(db, rid, data, actor=DESK_A)  # the command line and imports pass none
    assert residents.get_resident(other, rid).data.phone == "13900000002"


def test_a_resident_added_at_one_desk_is_found_at_the_other(db, other):
    person(db, "陈大明")
    assert residents.search_ids(db, "陈大明")  # desk A's index is built
    rid = person(other, "林小红", "13800000009")
    assert residents.search_ids(db, "林小红") == [rid]
    assert rid in residents.search_ids(db, "lxh")
    data = residents.get_resident(other, rid).data
    data.name = "林晓红"
    residents.update_resident(other, rid, data, actor=DESK_B)
    assert residents.search_ids(db, "林晓红") == [rid] and residents.search_ids(db, "林小红") == []
