"""The one-stop service counter: tickets, the closed loop, queries and figures."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import DeskError, ValidationError
from app.models import AuditLog, Ticket, TicketEvent
from app.services import audit, calendar, counter, grids, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.counter import CategoryInput, TicketInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

D = dt.date
DESK_ACTOR = Actor("前台小林", DESK)
NATIONAL_DAY = [D(2026, 10, d) for d in range(1, 8)]   # Thu 1 Oct … Wed 7 Oct 2026
MAKE_UP = [D(2026, 10, 10)]                              # Saturday worked in exchange (调休)


# Working days themselves are tests/services/test_calendar.py's.

@pytest.fixture
def national_day(db):
    for day in NATIONAL_DAY:
        calendar.set_holiday(db, day, "国庆节", actor=ADMIN)
    calendar.set_holiday(db, MAKE_UP[0], "国庆调休", actor=ADMIN, working=True)


# -- set-up helpers -------------------------------------------------------------------------------

@pytest.fixture
def cats(db):
    """Two categories: 社保 (centre, 5 working days) and 纠纷 (grid, 3 working days)."""
    a = counter.add_category(db, CategoryInput("社保", "centre", 5), actor=ADMIN)
    b = counter.add_category(db, CategoryInput("纠纷", "grid", 3), actor=ADMIN)
    return a, b


def walk_in(category, **kw):
    values = dict(category_id=category, description="咨询社保转移", walk_in_name="陈阿姨",
                  walk_in_phone="13812345678")
    values.update(kw)
    return TicketInput(**values)


TODAY = D(2026, 11, 2)  # a Monday


def receive(db, category_id, today=TODAY, actor=ADMIN, **kw):
    return counter.receive_ticket(db, walk_in(category_id, **kw), actor=actor, today=today)


# -- receiving ------------------------------------------------------------------------------------

def test_a_received_ticket_gets_a_number_a_deadline_an_event_and_an_audit_row(db, cats):
    t = receive(db, cats[0], walk_in_phone="138 1234 5678", proxy_errand=True, proxy_agent="前台小林",
                proxy_matter="代办社保卡补办")
    assert t.number == "FW202611-0001"
    assert (t.status, t.level, t.received_on, t.due_on) == ("received", "centre", TODAY, D(2026, 11, 9))
    assert t.requester == "陈阿姨" and t.requester_phone == "13812345678"
    assert t.proxy_errand and t.proxy_principal == "陈阿姨"
    assert [(e.action, e.from_status, e.to_status, e.actor_name) for e in counter.ticket_history(db, t.id)] \
        == [("received", "", "received", "王主任")]
    rows = audit.query(db, entity="ticket", entity_id=t.id, actor=ADMIN)
    assert len(rows) == 1 and rows[0].action == "create" and rows[0].summary == t.number
    assert rows[0].changes["walk_in_phone"][1] == "138****5678"  # masked in the trail


def test_a_resident_requester_brings_name_phone_and_grid(db, cats):
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", actor=ADMIN)
    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13900001111", grid_id=grid),
                                 actor=ADMIN)
    t = counter.receive_ticket(db, TicketInput(category_id=cats[1], description="楼道堆物", resident_id=rid,
                                               walk_in_name="不用"), actor=ADMIN, today=TODAY)
    assert (t.requester, t.requester_phone, t.grid_id, t.grid, t.level) == \
        ("蔡良剑", "13900001111", grid, "第一网格", "grid")
    assert t.due_on == D(2026, 11, 5)
    assert [r.id for r in counter.list_tickets(db, grid=root, today=TODAY)] == [t.id]  # sub-grids included
    assert counter.list_tickets(db, grid=grids.add_grid(db, root, "第二网格", actor=ADMIN), today=TODAY) == []


def test_ticket_numbers_run_per_month(db, cats):
    numbers = [receive(db, cats[0], today=D(2026, 9, 30)).number,
               receive(db, cats[0], today=D(2026, 9, 30)).number,
               receive(db, cats[0], today=D(2026, 10, 8)).number,
               receive(db, cats[1], today=D(2026, 9, 30), received_on=D(2026, 9, 29)).number,
               receive(db, cats[0], today=D(2026, 10, 8)).number]
    assert numbers == ["FW202609-0001", "FW202609-0002", "FW202610-0001", "FW202609-0003", "FW202610-0002"]


def test_the_deadline_follows_the_calendar(db, cats, national_day):
    t = receive(db, cats[1], today=D(2026, 9, 30))
    assert t.due_on == D(2026, 10, 10)


@pytest.mark.parametrize("changes, field", [
    (dict(walk_in_name="", walk_in_phone=""), "requester"),
    (dict(walk_in_name="   "), "requester"),
    (dict(walk_in_phone=""), "walk_in_phone"),
    (dict(walk_in_phone="12345"), "walk_in_phone"),
    (dict(category_id=None), "category_id"),
    (dict(category_id=999), "category_id"),
    (dict(description=" "), "description"),
    (dict(channel="email"), "channel"),
    (dict(urgency="soon"), "urgency"),
    (dict(level="province"), "level"),
    (dict(resident_id=999), "resident_id"),
    (dict(proxy_errand=True), "proxy_agent"),
    (dict(received_on=D(2026, 11, 3)), "received_on"),       # in the future
    (dict(received_on=D(2026, 10, 20)), "received_on"),      # its deadline is already past
])
def test_bad_input_is_refused_naming_the_field(db, cats, changes, field):
    data = walk_in(cats[0], **changes)
    with pytest.raises(ValidationError) as err:
        counter.receive_ticket(db, data, actor=ADMIN, today=TODAY)
    assert field in err.value.fields
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_an_inactive_category_cannot_be_chosen(db, cats):
    counter.set_category_active(db, cats[0], False, actor=ADMIN)
    with pytest.raises(ValidationError, match="不在使用") as err:
        receive(db, cats[0])
    assert "category_id" in err.value.fields
    assert [c.name for c in counter.list_categories(db)] == ["纠纷"]


# -- the state machine ------------------------------------------------------------------------

DETAILS = {
    "dispatch": dict(assignee="李网格员"),
    "start": {},
    "resolve": dict(note="已补办，社保卡已交居民"),
    "follow_up": dict(satisfaction="satisfied", method="phone"),
    "archive": dict(note="已办结归档"),
    "reopen": dict(note="居民仍不满意"),
    "escalate": dict(note="需要街道协调"),
    "hold": dict(note="等待居民补交材料"),
    "resume": {},
}

# state -> the actions on the way there from "received"
PATHS = {
    "received": [],
    "dispatched": ["dispatch"],
    "handling": ["dispatch", "start"],
    "resolved": ["dispatch", "start", "resolve"],
    "followed_up": ["dispatch", "start", "resolve", "follow_up"],
    "followed_up_unsatisfied": ["dispatch", "start", "resolve", "follow_up!"],
    "archived": ["dispatch", "start", "resolve", "follow_up", "archive"],
}

# (state, action) -> the status afterwards; every pair not listed is refused.
LEGAL = {
    ("received", "dispatch"): "dispatched",
    ("received", "escalate"): "received",
    ("received", "hold"): "received",
    ("dispatched", "start"): "handling",
    ("dispatched", "escalate"): "dispatched",
    ("dispatched", "hold"): "dispatched",
    ("handling", "resolve"): "resolved",
    ("handling", "escalate"): "handling",
    ("handling", "hold"): "handling",
    ("resolved", "follow_up"): "followed_up",
    ("followed_up", "archive"): "archived",
    ("followed_up_unsatisfied", "archive"): "archived",
    ("followed_up_unsatisfied", "reopen"): "handling",
}


def drive(db, ticket_id, actions, today=TODAY):
    for action in actions:
        if action == "follow_up!":
            counter.follow_up(db, ticket_id, "unsatisfied", "还没解决", method="phone", actor=ADMIN, today=today)
        else:
            counter.move(db, ticket_id, action, actor=ADMIN, today=today, **DETAILS[action])


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", list(DETAILS))
def test_every_move_of_the_state_machine(db, cats, state, action):
    t = receive(db, cats[0])
    drive(db, t.id, PATHS[state])
    events_before = len(counter.ticket_history(db, t.id))
    with db.session() as s:
        audits_before = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "ticket"))
    if (state, action) in LEGAL:
        after = counter.move(db, t.id, action, actor=DESK_ACTOR, today=TODAY, **DETAILS[action])
        assert after.status == LEGAL[state, action]
        last = counter.ticket_history(db, t.id)[-1]
        assert (last.action, last.actor_name, last.from_status, last.to_status, last.note) == \
            (action, "前台小林", state.replace("_unsatisfied", ""), after.status, DETAILS[action].get("note", ""))
        expected_events, expected_audits = events_before + 1, audits_before + 1
    else:
        with pytest.raises(DeskError):
            counter.move(db, t.id, action, actor=DESK_ACTOR, today=TODAY, **DETAILS[action])
        expected_events, expected_audits = events_before, audits_before
    assert len(counter.ticket_history(db, t.id)) == expected_events
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.entity == "ticket")) == expected_audits


def test_an_illegal_move_says_why(db, cats):
    t = receive(db, cats[0])
    drive(db, t.id, PATHS["followed_up"])
    with pytest.raises(DeskError, match="已回访.*不能转办") as err:
        counter.move(db, t.id, "dispatch", actor=ADMIN, today=TODAY, assignee="李网格员")
    assert t.number in str(err.value)
    u = receive(db, cats[0])
    with pytest.raises(DeskError, match="不能回访"):
        counter.follow_up(db, u.id, "satisfied", method="phone", actor=ADMIN, today=TODAY)
    with pytest.raises(DeskError, match="不满意"):
        counter.move(db, t.id, "reopen", actor=ADMIN, today=TODAY)


def test_details_each_move_needs(db, cats):
    t = receive(db, cats[0])
    with pytest.raises(ValidationError) as err:
        counter.move(db, t.id, "dispatch", actor=ADMIN, today=TODAY)
    assert "assignee" in err.value.fields
    for action in ("escalate", "hold"):
        with pytest.raises(ValidationError) as err:
            counter.move(db, t.id, action, actor=ADMIN, today=TODAY)
        assert "note" in err.value.fields
    drive(db, t.id, ["dispatch", "start"])
    for note in ("", "  \n "):  # a resolve without its result (办理结果), whoever calls
        with pytest.raises(ValidationError) as err:
            counter.move(db, t.id, "resolve", actor=ADMIN, today=TODAY, note=note)
        assert list(err.value.fields) == ["note"]
    assert "resolve" in counter.allowed_actions(counter.get_ticket(db, t.id, TODAY))  # asked for when taken
    assert counter.get_ticket(db, t.id, TODAY).status == "handling"
    drive(db, t.id, ["resolve"])
    with pytest.raises(ValidationError) as err:
        counter.follow_up(db, t.id, "so-so", method="phone", actor=ADMIN, today=TODAY)
    assert "satisfaction" in err.value.fields
    for method in (None, "", "carrier pigeon"):  # and a follow-up without how the resident was reached
        with pytest.raises(ValidationError) as err:
            counter.follow_up(db, t.id, "satisfied", "好", method=method, actor=ADMIN, today=TODAY)
        assert list(err.value.fields) == ["method"]
    with pytest.raises(ValidationError) as err:
        counter.move(db, t.id, "follow_up", actor=ADMIN, today=TODAY)
    assert sorted(err.value.fields) == ["method", "satisfaction"]
    assert counter.get_ticket(db, t.id, TODAY).status == "resolved"
    info = counter.follow_up(db, t.id, "unsatisfied", "没解决", method="sms", actor=ADMIN, today=TODAY)
    assert (info.follow_up_method, info.follow_up_method_label) == ("sms", "短信回访")
    with db.session() as s:
        assert s.get(Ticket, t.id).follow_up_method == "sms"
    with pytest.raises(ValidationError) as err:  # archiving an unsatisfied ticket needs a reason
        counter.move(db, t.id, "archive", actor=ADMIN, today=TODAY)
    assert "note" in err.value.fields
    with pytest.raises(ValidationError) as err:  # and so does reopening it: what is still to be done
        counter.move(db, t.id, "reopen", actor=ADMIN, today=TODAY)
    assert "note" in err.value.fields
    with pytest.raises(DeskError):
        counter.move(db, t.id, "fly", actor=ADMIN, today=TODAY)


def test_step_is_a_pure_function_of_the_state():
    cal = calendar.Calendar(set(NATIONAL_DAY), set(MAKE_UP))
    fresh = counter.TicketState(status="received", level="grid", received_on=D(2026, 9, 21),
                                due_on=D(2026, 9, 28), number="FW202609-0001")
    dispatched = counter.step(fresh, "dispatch", today=D(2026, 9, 21), calendar=cal,
                              details={"assignee": " 李网格员 "})
    assert (dispatched.status, dispatched.assignee) == ("dispatched", "李网格员")
    assert fresh.status == "received" and fresh.assignee == ""  # the old state is untouched
    # Held Thu 24 Sep, resumed Wed 30 Sep: 4 working days, so the deadline moves past National Day.
    held = counter.step(dispatched, "hold", today=D(2026, 9, 24), calendar=cal, note="等材料")
    assert held.on_hold and held.held_since == D(2026, 9, 24)
    with pytest.raises(counter.MoveRefused, match="挂起"):
        counter.step(held, "start", today=D(2026, 9, 25), calendar=cal)
    assert counter.allowed_actions(held) == ["escalate", "resume"]
    resumed = counter.step(held, "resume", today=D(2026, 9, 30), calendar=cal)
    assert (resumed.due_on, resumed.held_days, resumed.held_since) == (D(2026, 10, 9), 4, None)
    up = counter.step(resumed, "escalate", today=D(2026, 10, 8), calendar=cal, note="需要中心协调")
    assert (up.level, up.status) == ("centre", "dispatched")
    with pytest.raises(ValidationError) as err:  # allowed, but an escalation needs its reason
        counter.step(up, "escalate", today=D(2026, 10, 8), calendar=cal)
    assert "note" in err.value.fields
    started = counter.step(up, "start", today=D(2026, 10, 8), calendar=cal)
    with pytest.raises(ValidationError) as err:  # a resolve says what came of it
        counter.step(started, "resolve", today=D(2026, 10, 9), calendar=cal, note="  ")
    assert list(err.value.fields) == ["note"]
    done = counter.step(started, "resolve", today=D(2026, 10, 9), calendar=cal, note="已调解")
    assert (done.status, done.resolved_on) == ("resolved", D(2026, 10, 9))
    with pytest.raises(counter.MoveRefused, match="已办结"):  # the state table: not from resolved
        counter.step(done, "reopen", today=D(2026, 10, 9), calendar=cal, note="x")
    with pytest.raises(ValidationError) as err:  # a follow-up says how satisfied, and how reached
        counter.step(done, "follow_up", today=D(2026, 10, 12), calendar=cal, details={"satisfaction": "satisfied"})
    assert list(err.value.fields) == ["method"]
    with pytest.raises(ValidationError) as err:
        counter.step(done, "follow_up", today=D(2026, 10, 12), calendar=cal, details={"comment": "好"})
    assert sorted(err.value.fields) == ["method", "satisfaction"]
    happy = counter.step(done, "follow_up", today=D(2026, 10, 12), calendar=cal,
                         details={"satisfaction": "satisfied", "method": "home_visit"})
    assert (happy.satisfaction, happy.follow_up_method) == ("satisfied", "home_visit")
    with pytest.raises(counter.MoveRefused, match="不满意"):
        counter.step(happy, "reopen", today=D(2026, 10, 12), calendar=cal, note="x")
    unhappy = counter.step(done, "follow_up", today=D(2026, 10, 12), calendar=cal,
                           details={"satisfaction": "unsatisfied", "method": "phone", "comment": " 还漏水 "})
    assert (unhappy.status, unhappy.follow_up_comment, unhappy.followed_up_on) == \
        ("followed_up", "还漏水", D(2026, 10, 12))
    assert counter.allowed_actions(unhappy) == ["archive", "reopen"]
    again = counter.step(unhappy, "reopen", today=D(2026, 10, 12), calendar=cal, note="重新上门")
    assert (again.status, again.resolved_on) == ("handling", None)
    with pytest.raises(counter.MoveRefused, match="fly"):
        counter.step(again, "fly", today=D(2026, 10, 12), calendar=cal)
    town = counter.TicketState(status="handling", level="town", received_on=D(2026, 9, 21),
                               due_on=D(2026, 9, 28))
    assert "escalate" not in counter.allowed_actions(town)


def test_the_closed_loop_with_reopen(db, cats):
    t = receive(db, cats[0])
    drive(db, t.id, ["dispatch", "start"])
    assert counter.move(db, t.id, "resolve", actor=ADMIN, note="已维修", today=D(2026, 11, 4)).resolved_on == \
        D(2026, 11, 4)
    info = counter.follow_up(db, t.id, "unsatisfied", "还是漏水", method="phone", actor=ADMIN, today=D(2026, 11, 5))
    assert counter.allowed_actions(info) == ["archive", "reopen"]
    info = counter.move(db, t.id, "reopen", actor=ADMIN, note="重新上门", today=D(2026, 11, 5))
    assert (info.status, info.resolved_on) == ("handling", None)
    counter.move(db, t.id, "resolve", actor=ADMIN, note="重新维修", today=D(2026, 11, 6))
    info = counter.follow_up(db, t.id, "satisfied", method="phone", actor=ADMIN, today=D(2026, 11, 9))
    assert counter.allowed_actions(info) == ["archive"]
    info = counter.move(db, t.id, "archive", actor=ADMIN, today=D(2026, 11, 9))
    assert counter.allowed_actions(info) == []
    assert [e.to_status for e in counter.ticket_history(db, t.id)] == [
        "received", "dispatched", "handling", "resolved", "followed_up", "handling", "resolved",
        "followed_up", "archived"]
    with db.session() as s:
        assert s.get(Ticket, t.id).archived_on == D(2026, 11, 9)


def test_escalation_goes_grid_centre_town_and_no_further(db, cats):
    t = receive(db, cats[1])
    assert t.level == "grid"
    info = counter.move(db, t.id, "escalate", actor=ADMIN, note="网格解决不了", assignee="中心张主任",
                        today=TODAY)
    assert (info.level, info.assignee, info.status) == ("centre", "中心张主任", "received")
    assert counter.move(db, t.id, "escalate", actor=ADMIN, note="需要街道", today=TODAY).level == "town"
    with pytest.raises(DeskError, match="最高"):
        counter.move(db, t.id, "escalate", actor=ADMIN, note="再往上", today=TODAY)
    history = counter.ticket_history(db, t.id)
    assert [(e.action, e.actor_name, e.note) for e in history[1:]] == [
        ("escalate", "王主任", "网格解决不了"), ("escalate", "王主任", "需要街道")]


def test_the_history_shows_the_persons_name_not_the_account(db, cats):
    from app.services import accounts

    accounts.add_staff(db, "linyan", "林燕", DESK, "Lianban-2026!", actor=ADMIN)
    t = receive(db, cats[0], actor=Actor("linyan", DESK))
    counter.move(db, t.id, "dispatch", actor=Actor("linyan", DESK), today=TODAY, assignee="李网格员")
    counter.move(db, t.id, "start", actor=Actor("zhang", DESK), today=TODAY)  # the command line's OS user
    history = counter.ticket_history(db, t.id)
    assert [(e.actor_name, e.actor) for e in history] == [
        ("linyan", "林燕"), ("linyan", "林燕"), ("zhang", "zhang")]
    with db.session() as s:  # an account deleted since: the stored name
        from app.models import Staff
        s.delete(s.scalar(select(Staff).where(Staff.username == "linyan")))
    assert [e.actor for e in counter.ticket_history(db, t.id)] == ["linyan", "linyan", "zhang"]


def test_a_hold_stops_the_deadline_clock(db, cats, national_day):
    # Mon 21 Sep + 5 working days → Mon 28 Sep. Held Thu 24 Sep, resumed Wed 30 Sep: held for
    # Fri 25, Mon 28, Tue 29, Wed 30 = 4 working days → the deadline moves from Mon 28 Sep past
    # the National Day holidays to Tue 29, Wed 30, Thu 8 Oct, Fri 9 Oct.
    t = receive(db, cats[0], today=D(2026, 9, 21))
    assert t.due_on == D(2026, 9, 28)
    held = counter.move(db, t.id, "hold", actor=ADMIN, note="等居民补材料", today=D(2026, 9, 24))
    assert held.on_hold and counter.allowed_actions(held) == ["escalate", "resume"]
    with pytest.raises(DeskError, match="挂起"):
        counter.move(db, t.id, "dispatch", actor=ADMIN, today=D(2026, 9, 25), assignee="李网格员")
    with pytest.raises(DeskError):
        counter.move(db, t.id, "hold", actor=ADMIN, note="again", today=D(2026, 9, 25))
    on_hold = counter.get_ticket(db, t.id, today=D(2026, 9, 29))  # past the old deadline, but held
    assert not on_hold.overdue and counter.counts(db, D(2026, 9, 29)) == (0, 0)
    info = counter.move(db, t.id, "resume", actor=ADMIN, today=D(2026, 9, 30))
    assert (info.due_on, info.held_days, info.held_since, info.overdue) == (D(2026, 10, 9), 4, None, False)
    with pytest.raises(DeskError):
        counter.move(db, t.id, "resume", actor=ADMIN, today=D(2026, 9, 30))
    # A second hold adds up: held Fri 9 Oct, resumed Mon 12 Oct = Sat 10 Oct (a make-up working day)
    # and Mon 12 Oct = 2 working days, so the deadline Fri 9 Oct moves to Sat 10, Mon 12 Oct.
    counter.move(db, t.id, "hold", actor=ADMIN, note="等民政回复", today=D(2026, 10, 9))
    info = counter.move(db, t.id, "resume", actor=ADMIN, today=D(2026, 10, 12))
    assert (info.held_days, info.due_on, info.due_today) == (6, D(2026, 10, 12), True)
    assert not counter.get_ticket(db, t.id, today=D(2026, 10, 12)).overdue
    assert counter.get_ticket(db, t.id, today=D(2026, 10, 13)).overdue


# -- queries -------------------------------------------------------------------------------------

def test_lists_and_counts_show_overdue_and_due_today(db, cats):
    late = receive(db, cats[1], today=D(2026, 11, 2))       # due Thu 5 Nov
    due = receive(db, cats[1], today=D(2026, 11, 3))        # due Fri 6 Nov
    later = receive(db, cats[0], today=D(2026, 11, 3))      # due Tue 10 Nov
    done = receive(db, cats[1], today=D(2026, 11, 2))
    drive(db, done.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 4))
    today = D(2026, 11, 6)
    assert counter.counts(db, today) == (1, 1)
    rows = counter.list_tickets(db, today=today)
    assert [r.id for r in rows] == [late.id, due.id, later.id, done.id]
    assert [(r.overdue, r.due_today) for r in rows] == [(True, False), (False, True), (False, False),
                                                       (False, False)]
    assert [r.id for r in counter.list_tickets(db, overdue_only=True, today=today)] == [late.id]
    assert [r.id for r in counter.list_tickets(db, due_today_only=True, today=today)] == [due.id]
    assert [r.id for r in counter.list_tickets(db, status="resolved", today=today)] == [done.id]
    assert rows[3].resolved_within_grid and not rows[0].resolved_within_grid
    assert {r.id for r in counter.list_tickets(db, status="open", today=today)} == {late.id, due.id, later.id}
    assert [r.id for r in counter.list_tickets(db, category_id=cats[0], today=today)] == [later.id]
    assert {r.id for r in counter.list_tickets(db, date_from=D(2026, 11, 3), date_to=D(2026, 11, 3),
                                               today=today)} == {due.id, later.id}


def test_a_list_row_says_what_the_ticket_itself_says(db, cats):
    """The list reads plain rows in TicketInfo's field order; get_ticket reads the ORM objects."""
    import dataclasses

    resident = residents.add_resident(db, ResidentInput(name="林芳", phone="13900001111"), actor=ADMIN)
    plain = receive(db, cats[1], today=D(2026, 11, 2))
    held = counter.receive_ticket(db, TicketInput(category_id=cats[0], description="代办低保", resident_id=resident,
                                                  proxy_errand=True, proxy_agent="林燕", proxy_matter="低保"),
                                  actor=ADMIN, today=D(2026, 11, 3))
    drive(db, held.id, ["dispatch"], today=D(2026, 11, 3))
    counter.move(db, held.id, "hold", actor=ADMIN, note="等材料", today=D(2026, 11, 4))
    escalated = receive(db, cats[1], today=D(2026, 11, 2))
    counter.move(db, escalated.id, "escalate", actor=ADMIN, note="网格办不了", today=D(2026, 11, 3))
    done = receive(db, cats[1], today=D(2026, 11, 2))
    drive(db, done.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 4))
    today = D(2026, 11, 6)
    rows = counter.list_tickets(db, today=today)
    assert {r.id for r in rows} == {plain.id, held.id, escalated.id, done.id}
    for row in rows:
        assert dataclasses.astuple(row) == dataclasses.astuple(counter.get_ticket(db, row.id, today)), row.number


def test_figures_on_a_hand_built_month(db, cats):
    a, b = cats
    # T5: received Fri 30 Oct (before the month), due Wed 4 Nov, resolved Mon 2 Nov: 1 day, on time, grid.
    t5 = receive(db, b, today=D(2026, 10, 30))
    drive(db, t5.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 2))
    # T1: 社保 at the counter, Mon 2 Nov, due Mon 9 Nov, resolved Thu 5 Nov (3 days), satisfied.
    t1 = receive(db, a, today=D(2026, 11, 2), channel="counter")
    drive(db, t1.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 5))
    counter.follow_up(db, t1.id, "satisfied", method="phone", actor=ADMIN, today=D(2026, 11, 6))
    # T2: 纠纷 by phone, Mon 2 Nov, due Thu 5 Nov, resolved Wed 4 Nov (2 days) in the grid, unsatisfied.
    t2 = receive(db, b, today=D(2026, 11, 2), channel="phone")
    drive(db, t2.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 4))
    counter.follow_up(db, t2.id, "unsatisfied", method="phone", actor=ADMIN, today=D(2026, 11, 6))
    # T3: 纠纷 found by a grid worker, Tue 3 Nov, due Fri 6 Nov, escalated to the centre, 代办,
    # resolved Mon 9 Nov (4 days, late), basically satisfied.
    t3 = receive(db, b, today=D(2026, 11, 3), channel="grid_worker", proxy_errand=True, proxy_agent="李网格员",
                 proxy_matter="代办调解申请")
    counter.move(db, t3.id, "escalate", actor=ADMIN, note="双方争执", today=D(2026, 11, 3))
    drive(db, t3.id, ["dispatch", "start", "resolve"], today=D(2026, 11, 9))
    counter.follow_up(db, t3.id, "basically", method="phone", actor=ADMIN, today=D(2026, 11, 10))
    # T4: 社保 on a home visit, Wed 4 Nov, due Wed 11 Nov, still open on 12 Nov: overdue.
    receive(db, a, today=D(2026, 11, 4), channel="home_visit")

    f = counter.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=D(2026, 11, 12))
    assert f.received == 4
    assert f.by_category == {"社保": 2, "纠纷": 2}
    assert f.by_channel == {"counter": 1, "phone": 1, "grid_worker": 1, "home_visit": 1}
    assert f.by_level == {"centre": 3, "grid": 1}
    assert (f.resolved, f.resolved_on_time, f.on_time_rate) == (4, 3, 75.0)
    assert (f.resolved_within_grid, f.within_grid_rate) == (2, 50.0)
    assert f.average_days_to_resolve == 2.5
    assert (f.followed_up, f.satisfied, f.satisfaction_rate) == (3, 2, 66.7)
    assert (f.proxy_errands, f.open_overdue) == (1, 1)

    october = counter.figures(db, D(2026, 10, 1), D(2026, 10, 31), today=D(2026, 11, 12))
    assert (october.received, october.resolved) == (1, 0)
    assert october.on_time_rate is None and october.satisfaction_rate is None
    assert october.average_days_to_resolve is None and october.within_grid_rate is None
    empty = counter.figures(db, D(2027, 1, 1), D(2027, 1, 31))
    assert (empty.received, empty.by_category, empty.proxy_errands) == (0, {}, 0)


# -- catalogue --------------------------------------------------------------------------------

def test_the_default_catalogue_is_seeded_once_in_chinese(db):
    assert counter.ensure_default_catalogue(db, actor=ADMIN) == 10
    assert counter.ensure_default_catalogue(db, actor=ADMIN) == 0
    rows = counter.list_categories(db)
    assert len(rows) == 10 and all(r.promised_working_days >= 1 for r in rows)
    assert rows[0].name == "社会保险和医疗保险" and rows[-1].name == "其他"
    assert {r.default_level for r in rows} <= {"grid", "centre", "town"}
    assert len(audit.query(db, entity="request_category", actor=ADMIN)) == 10


def test_categories_are_validated_and_edited(db, cats):
    with pytest.raises(ValidationError) as err:
        counter.add_category(db, CategoryInput("社保", "province", 0), actor=ADMIN)
    assert set(err.value.fields) == {"name", "default_level", "promised_working_days"}
    counter.update_category(db, cats[0], CategoryInput("社保医保", "centre", 7, 3), actor=ADMIN)
    row = next(r for r in counter.list_categories(db) if r.id == cats[0])
    assert (row.name, row.promised_working_days, row.sort_order) == ("社保医保", 7, 3)
    assert receive(db, cats[0]).due_on == D(2026, 11, 11)
    counter.set_category_active(db, cats[0], False, actor=ADMIN)
    assert len(counter.list_categories(db, include_inactive=True)) == 2
    changes = audit.query(db, entity="request_category", entity_id=cats[0], actor=ADMIN)
    assert [e.action for e in changes] == ["deactivate", "update", "create"]


# -- permissions and the audit trail ----------------------------------------------------------

def test_viewers_may_not_receive_or_move_and_only_administrators_edit_the_catalogue(db, cats):
    viewer, worker = Actor("访客", VIEWER), Actor("李网格员", GRID_WORKER)
    with pytest.raises(PermissionDenied):
        receive(db, cats[0], actor=viewer)
    t = receive(db, cats[0], actor=worker)
    with pytest.raises(PermissionDenied):
        counter.move(db, t.id, "dispatch", actor=viewer, assignee="x", today=TODAY)
    counter.move(db, t.id, "dispatch", actor=worker, assignee="李网格员", today=TODAY)
    for actor in (viewer, worker, DESK_ACTOR):
        with pytest.raises(PermissionDenied):
            counter.add_category(db, CategoryInput("新类别", "grid", 3), actor=actor)
        with pytest.raises(PermissionDenied):
            counter.update_category(db, cats[0], CategoryInput("改名", "grid", 3), actor=actor)
        with pytest.raises(PermissionDenied):
            counter.set_category_active(db, cats[0], False, actor=actor)
        with pytest.raises(PermissionDenied):
            counter.ensure_default_catalogue(db, actor=actor)
        with pytest.raises(PermissionDenied):
            calendar.set_holiday(db, D(2026, 10, 1), "国庆节", actor=actor)
        with pytest.raises(PermissionDenied):
            calendar.remove_holiday(db, D(2026, 10, 1), actor=actor)
    assert counter.get_ticket(db, t.id).status == "dispatched"


def test_audit_rows_are_written_in_the_same_transaction(db, cats, monkeypatch):
    t = receive(db, cats[0])

    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        receive(db, cats[0])
    with pytest.raises(RuntimeError):
        counter.move(db, t.id, "dispatch", actor=ADMIN, assignee="李网格员", today=TODAY)
    with db.session() as s:  # neither the ticket nor the move nor its event were kept
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.get(Ticket, t.id).status == "received"
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == 1


# -- what the counter tab needs -----------------------------------------------------------------

def test_the_search_finds_a_ticket_by_number_scanned_receipt_name_phone_and_words(db, cats):
    sub = grids.add_grid(db, None, "一组", "黄鹏强", actor=ADMIN)
    cai = residents.add_resident(db, ResidentInput(name="蔡良剑", phone="13900001111", grid_id=sub), actor=ADMIN)
    a = counter.receive_ticket(db, walk_in(cats[0]), actor=ADMIN, today=TODAY)
    b = counter.receive_ticket(db, TicketInput(category_id=cats[1], description="楼道堆放杂物_100%",
                                               resident_id=cai), actor=ADMIN, today=TODAY)

    def found(query):
        return [t.number for t in counter.list_tickets(db, query=query, today=TODAY)]

    assert found(a.number) == [a.number]
    assert found("ndt:" + b.number) == [b.number]          # as a scanner types the receipt's QR code
    assert found("陈阿姨") == [a.number] and found("5678") == [a.number]
    assert found("蔡良剑") == [b.number] and found("1111") == [b.number]
    assert found("１１１１") == [b.number] and found("ｎｄｔ：" + b.number) == [b.number]  # 全角 input
    assert found("杂物_100%") == [b.number] and found("物%0") == []  # LIKE wildcards are literal
    assert sorted(found("")) == sorted([a.number, b.number])
    assert found("不存在") == []


def test_escalated_tickets_are_marked_and_grid_resolutions_are_not(db, cats):
    grid_ticket = counter.receive_ticket(db, walk_in(cats[1]), actor=ADMIN, today=TODAY)
    raised = counter.receive_ticket(db, walk_in(cats[1]), actor=ADMIN, today=TODAY)
    counter.move(db, raised.id, "escalate", actor=ADMIN, note="网格解决不了", today=TODAY)
    for t in (grid_ticket, raised):
        for action, kw in (("dispatch", {"assignee": "黄鹏强"}), ("start", {}), ("resolve", {"note": "已处理"})):
            counter.move(db, t.id, action, actor=ADMIN, today=TODAY, **kw)
    rows = {t.id: t for t in counter.list_tickets(db, today=TODAY)}
    assert not rows[grid_ticket.id].escalated and rows[grid_ticket.id].resolved_within_grid
    assert rows[raised.id].escalated and not rows[raised.id].resolved_within_grid
    assert counter.get_ticket(db, raised.id, TODAY).escalated


def test_on_hold_filter_lists_only_waiting_tickets(db, cats):
    waiting = counter.receive_ticket(db, walk_in(cats[0]), actor=ADMIN, today=TODAY)
    counter.receive_ticket(db, walk_in(cats[0]), actor=ADMIN, today=TODAY)
    counter.move(db, waiting.id, "hold", actor=ADMIN, note="等居民补材料", today=TODAY)
    assert [t.id for t in counter.list_tickets(db, on_hold_only=True, today=TODAY)] == [waiting.id]


def test_a_request_can_be_received_and_dispatched_in_one_step(db, cats):
    t = counter.receive_ticket(db, walk_in(cats[1], assignee="黄鹏强", dispatch_now=True), actor=ADMIN, today=TODAY)
    assert t.status == "dispatched" and t.assignee == "黄鹏强"
    assert [(e.action, e.to_status) for e in counter.ticket_history(db, t.id)] == [
        ("received", "received"), ("dispatch", "dispatched")]
    with pytest.raises(ValidationError) as refused:
        counter.receive_ticket(db, walk_in(cats[1], dispatch_now=True), actor=ADMIN, today=TODAY)
    assert "assignee" in refused.value.fields
    assert len(counter.list_tickets(db, today=TODAY)) == 1


def test_promised_date_previews_the_deadline(db, cats, national_day):
    # Five working days after Wed 30 Sep: Thu 8, Fri 9, the make-up Sat 10, Mon 12, Tue 13 Oct.
    assert counter.promised_date(db, cats[0], D(2026, 9, 30)) == D(2026, 10, 13)
    assert counter.promised_date(db, 9999, D(2026, 9, 30)) is None


def test_a_walk_in_registered_later_is_linked_to_the_ticket(db, cats):
    sub = grids.add_grid(db, None, "一组", "黄鹏强", actor=ADMIN)
    t = counter.receive_ticket(db, walk_in(cats[0]), actor=ADMIN, today=TODAY)
    rid = residents.add_resident(db, ResidentInput(name="陈阿姨", phone="13812345678", grid_id=sub), actor=ADMIN)
    linked = counter.link_requester(db, t.id, rid, actor=DESK_ACTOR)
    assert (linked.resident_id, linked.requester, linked.grid_id) == (rid, "陈阿姨", sub)
    with pytest.raises(DeskError):
        counter.link_requester(db, t.id, 9999, actor=DESK_ACTOR)
    with pytest.raises(PermissionDenied):
        counter.link_requester(db, t.id, rid, actor=Actor("访客", VIEWER))


def test_assignee_choices_are_grid_workers_then_staff(db):
    from app.services import accounts

    grids.add_grid(db, None, "一组", "黄鹏强", actor=ADMIN)
    grids.add_grid(db, None, "二组", "黄鹏强", actor=ADMIN)
    accounts.add_staff(db, "lin", "林燕", DESK, "secret-pass-1", actor=ADMIN)
    assert counter.assignee_choices(db) == ["黄鹏强", "林燕"]


def test_figures_can_be_narrowed_to_one_kind_and_one_grid(db, cats):
    top = grids.add_grid(db, None, "第一网格", "林燕", actor=ADMIN)
    below = grids.add_grid(db, top, "一组", actor=ADMIN)
    other = grids.add_grid(db, None, "第二网格", actor=ADMIN)
    counter.receive_ticket(db, walk_in(cats[0], grid_id=below), actor=ADMIN, today=TODAY)
    counter.receive_ticket(db, walk_in(cats[1], grid_id=below, proxy_errand=True, proxy_agent="王主任",
                                       proxy_matter="代办"), actor=ADMIN, today=TODAY)
    counter.receive_ticket(db, walk_in(cats[1], grid_id=other), actor=ADMIN, today=TODAY)
    whole = counter.figures(db, TODAY, TODAY, TODAY)
    assert whole.received == 3 and whole.proxy_errands == 1
    kind = counter.figures(db, TODAY, TODAY, TODAY, category_id=cats[1])
    assert kind.received == 2 and kind.by_category == {"纠纷": 2}
    in_grid = counter.figures(db, TODAY, TODAY, TODAY, grid=top)  # sub-grids included
    assert in_grid.received == 2 and in_grid.proxy_errands == 1
    both = counter.figures(db, TODAY, TODAY, TODAY, category_id=cats[1], grid=other)
    assert both.received == 1 and both.proxy_errands == 0


# -- property: the buttons and the rules agree --------------------------------------------------


STEP_DETAILS = dict(DETAILS, follow_up=None, reopen=dict(note="居民仍不满意"))


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_sequence_of_steps_obeys_the_state_table(db, cats, data):
    """allowed_actions() (what the tab offers) and move() (what the service does) agree at every
    step; a refused step changes nothing; dates and the history stay consistent."""
    day = TODAY
    t = counter.receive_ticket(db, walk_in(cats[1]), actor=ADMIN, today=day)
    events = 1
    for _step in range(data.draw(st.integers(0, 14))):
        # Mostly a step the tab offers (so the walk reaches follow-up, archive and reopen), sometimes any.
        offered_now = counter.allowed_actions(counter.get_ticket(db, t.id, day))
        pool = offered_now if offered_now and data.draw(st.integers(0, 3)) else sorted(counter.MOVES)
        action = data.draw(st.sampled_from(pool))
        days_later = data.draw(st.integers(0, 3))
        satisfaction = data.draw(st.sampled_from(sorted(counter.SATISFACTIONS)))
        method = data.draw(st.sampled_from(sorted(counter.FOLLOW_UP_METHODS)))
        bare = data.draw(st.integers(0, 5)) == 0  # sometimes without what the step needs
        day = calendar.add_working_days(day, days_later)
        before = counter.get_ticket(db, t.id, day)
        offered = action in counter.allowed_actions(before)
        details = {} if bare else STEP_DETAILS[action] or dict(satisfaction=satisfaction, method=method, comment="")
        try:
            after = counter.move(db, t.id, action, actor=ADMIN, today=day, **details)
        except ValidationError:
            assert offered and bare, (action, before.status)  # only a step short of its details
            assert counter.get_ticket(db, t.id, day) == before  # nothing half-saved
            continue
        except DeskError:
            assert not offered, (action, before.status)
            assert counter.get_ticket(db, t.id, day) == before  # nothing half-saved
            continue
        assert offered, (action, before.status)
        events += 1
        target = counter.MOVES[action][1]
        assert after.status == (target or before.status)
        assert after.due_on >= before.due_on and after.held_days >= before.held_days
        if after.resolved_on is not None:
            assert after.received_on <= after.resolved_on <= day
        assert counter.LEVEL_ORDER.index(after.level) >= counter.LEVEL_ORDER.index(before.level)
    history = counter.ticket_history(db, t.id)
    assert len(history) == events
    assert all(a.to_status == b.from_status for a, b in zip(history, history[1:]))
