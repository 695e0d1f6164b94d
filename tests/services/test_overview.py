"""The overview (概览): today's figures and alerts, from each feature's own functions, names only for
those who may see them."""
import datetime as dt

import pytest

from app.services import afterschool, choices, counter, daycare, overview, points, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor
from app.services.afterschool import PRESENT, ChildInput, ClassInput, ConsentInput, PickupInput
from app.services.counter import CategoryInput, TicketInput
from app.services.daycare import ProfileInput
from app.services.points import EarnInput, VoucherTypeInput
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN

D = dt.date
MONDAY = D(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 18, 30)  # after the class's end (18:00 + 15 minutes' grace) and closing (17:00)
DESK_ACTOR = Actor("前台小林", DESK)


def person(db, name, first17, birth=None, phone=""):
    return residents.add_resident(db, ResidentInput(name=name, id_number=first17 + check_char(first17),
                                                    birth_date=birth, phone=phone), actor=ADMIN)


@pytest.fixture
def day(db):
    """Monday 2026-11-02: 陈阿婆 checked in to day care (林阿公 expected, not in); 小明 present at 书法班
    (16:30–18:00) and not signed out; a ticket received 10-20 promised in 5 working days (overdue), one
    due today; a voucher expiring in 3 days."""
    daycare.seed(db, actor=ADMIN)
    chen = person(db, "陈阿婆", "35058119400101002", phone="13800000001")
    lin = person(db, "林阿公", "35058119380203001")
    for rid in (chen, lin):
        daycare.enrol(db, ProfileInput(rid, D(2026, 10, 1)), actor=ADMIN, today=D(2026, 10, 1))
    daycare.scan(db, rid_card(db, chen), at=dt.datetime(2026, 11, 2, 8, 30), actor=DESK_ACTOR)

    afterschool.seed(db, actor=ADMIN)
    mother = person(db, "李丽", "35058119880501002", D(1988, 5, 1), "13800000009")
    child = person(db, "小明", "35058120170301001", D(2017, 3, 1))
    cid = afterschool.add_class(db, ClassInput(
        name="书法班", type_id=afterschool.list_choices(db)[0].id, term_start=D(2026, 9, 1), term_end=D(2027, 1, 15),
        weekdays=frozenset({0, 2, 4}), start_time=dt.time(16, 30), end_time=dt.time(18, 0), room="二楼",
        capacity=10), actor=ADMIN)
    afterschool.save_child(db, ChildInput(resident_id=child, school="实验小学", grade=3,
                                          pickup=[PickupInput(mother, relation="母亲", guardian=True)],
                                          consent=ConsentInput("李丽", mother, "written", D(2026, 9, 1))),
                           actor=ADMIN, today=MONDAY)
    afterschool.enrol(db, cid, child, actor=ADMIN, today=D(2026, 10, 1))
    afterschool.mark(db, cid, MONDAY, child, PRESENT, actor=DESK_ACTOR, at=dt.datetime(2026, 11, 2, 16, 30))

    cat = counter.add_category(db, CategoryInput("社保", "centre", 5), actor=ADMIN)
    late = counter.receive_ticket(db, TicketInput(category_id=cat, description="社保转移", walk_in_name="陈阿姨",
                                                  walk_in_phone="13812345678"), actor=ADMIN, today=D(2026, 10, 20))
    due = counter.receive_ticket(db, TicketInput(category_id=cat, description="医保", walk_in_name="王先生",
                                                 walk_in_phone="13812345679"), actor=ADMIN, today=D(2026, 10, 26))
    assert late.due_on < MONDAY and due.due_on == MONDAY

    points.seed(db, actor=ADMIN)
    service = points.list_service_types(db)[2].id  # 邻里调解, 20 points an occasion
    points.earn(db, EarnInput(lin, service, D(2026, 10, 1), occasions=3), actor=DESK_ACTOR, today=MONDAY)
    vt = points.add_voucher_type(db, VoucherTypeInput("大米一袋", points.GOODS, None, 30, None, D(2026, 1, 1),
                                                      D(2026, 11, 5)), actor=ADMIN)
    points.issue_voucher(db, lin, vt, actor=DESK_ACTOR, at=dt.datetime(2026, 11, 1, 10))
    return {"chen": chen, "lin": lin, "child": child, "class": cid}


def rid_card(db, rid):
    return "ND:" + residents.get_resident(db, rid).member_code


def test_the_figures_of_a_hand_built_day(db, day):
    o = overview.today(db, actor=ADMIN, today=NOW)
    assert (o.elders_in, o.elders_expected, o.children_present, o.children_still_here) == (1, 1, 1, 1)
    assert (o.tickets_open, o.tickets_overdue, o.tickets_due_today, o.vouchers_expiring) == (2, 1, 1, 1)
    tiles = {f.key: (f.value, f.feature, f.filter, f.alert) for f in o.figures}
    assert tiles["tickets_overdue"] == (1, "counter", "overdue", overview.RED)
    assert tiles["tickets_due_today"] == (1, "counter", "due_today", overview.AMBER)
    assert tiles["elders_in"] == (1, "daycare", "today", "")
    # The children's tile and the list it opens agree: signed in and not signed out (walk18: 27 vs 0).
    assert tiles["children_here"] == (o.children_still_here, "afterschool", "still_here", "")
    assert tiles["children_here"][0] == len(afterschool.still_here(db, MONDAY, actor=ADMIN, at=NOW))
    # The same numbers as the features' own tab labels.
    assert counter.counts(db, MONDAY) == (o.tickets_overdue, o.tickets_due_today)
    assert afterschool.badge(db, NOW) == afterschool.badge_label(1, 1)
    assert points.badge(db, MONDAY) == points.badge_label(o.vouchers_expiring)


def test_the_alerts_of_a_hand_built_day(db, day):
    alerts = overview.today(db, actor=ADMIN, today=NOW).alerts
    assert [(a.kind, a.count, a.feature, a.filter, a.severity) for a in alerts] == [
        ("children_not_signed_out", 1, "afterschool", "still_here", overview.RED),
        ("elders_not_checked_out", 1, "daycare", "today", overview.RED),  # closing time is 17:00
        ("tickets_overdue", 1, "counter", "overdue", overview.RED),
        ("vouchers_expiring", 1, "points", "vouchers", overview.AMBER)]
    assert alerts[0].names == ("小明",) and "小明" in alerts[0].text
    # At 17:05 the elder still in is late, the child not yet (18:00 + 15 minutes' grace).
    late = overview.today(db, actor=ADMIN, today=dt.datetime(2026, 11, 2, 17, 5)).alerts
    elders = next(a for a in late if a.kind == "elders_not_checked_out")
    assert (elders.count, elders.names, elders.feature) == (1, ("陈阿婆",), "daycare")
    assert "17:00" in elders.text
    assert not any(a.kind == "children_not_signed_out" for a in late)  # 18:00 + grace not reached


def test_nothing_to_say_before_the_day_starts(db, day):
    o = overview.today(db, actor=ADMIN, today=dt.datetime(2026, 11, 2, 8, 0))
    assert (o.elders_in, o.elders_expected) == (0, 2)  # the board as it was at 8:00
    assert [a.kind for a in o.alerts] == ["tickets_overdue", "vouchers_expiring"]


@pytest.mark.parametrize("role", [VIEWER, GRID_WORKER])
def test_a_viewer_or_grid_worker_sees_counts_without_names(db, day, role):
    who = Actor("来访者", role)
    o = overview.today(db, actor=who, today=dt.datetime(2026, 11, 2, 18, 30))
    mine = overview.today(db, actor=ADMIN, today=dt.datetime(2026, 11, 2, 18, 30))
    assert [f.value for f in o.figures] == [f.value for f in mine.figures]
    assert [(a.kind, a.count) for a in o.alerts] == [(a.kind, a.count) for a in mine.alerts]
    assert all(a.names == () for a in o.alerts)
    assert not any(name in a.text for a in o.alerts for name in ("小明", "陈阿婆", "林阿公"))


def test_the_week_runs_monday_to_sunday():
    assert overview.week_of(D(2026, 11, 4)) == (D(2026, 11, 2), D(2026, 11, 8))
    assert overview.week_of(D(2026, 11, 8)) == (D(2026, 11, 2), D(2026, 11, 8))


def test_this_weeks_activities_by_day(db):
    from app.services import activities
    from app.services.activities import ActivityInput

    activities.seed(db, actor=ADMIN)
    kind = choices.list_choices(db, activities.ACTIVITY_TYPES)[0].id
    for day, title in ((D(2026, 11, 6), "亲子阅读"), (D(2026, 11, 2), "敬老义诊"), (D(2026, 11, 9), "下周的"),
                       (D(2026, 11, 1), "上周的")):
        activities.add_activity(db, ActivityInput(day, title, kind, "everyone"), actor=ADMIN)
    o = overview.today(db, actor=ADMIN, today=dt.datetime(2026, 11, 4, 9, 0))
    assert o.activities_available
    assert o.activities_this_week == [(D(2026, 11, 2), "敬老义诊"), (D(2026, 11, 6), "亲子阅读")]
