import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from app.db import open_database, sqlite_url
from app.models import AuditLog, FamilyLink, Grid, Resident, Ticket, TicketEvent
from app.services import calendar, centre, counter, demo, residents
from app.services.validators import normalise_phone, parse_id_number
from tests.conftest import ADMIN


def test_village_demo_is_realistic_and_repeatable(db):
    summary = demo.fill_demo(db, "village", seed=3)
    assert summary.added and summary.counts["residents"] == 1500
    with db.session() as s:
        assert s.scalar(select(func.count(Resident.id))) == 1500
        sample = s.scalars(select(Resident).where(Resident.id_number.is_not(None)).limit(200)).all()
        links = s.scalar(select(func.count(FamilyLink.id)))
        levels = dict(s.execute(select(Grid.level, func.count(Grid.id)).group_by(Grid.level)).all())
    for r in sample:
        info = parse_id_number(r.id_number)
        assert (info.birth_date, info.gender) == (r.birth_date, r.gender)
    assert links > 500 and links % 2 == 0
    assert levels == {1: 1, 2: 3, 3: 6}
    assert centre.get_centre(db).name == "莲坂村党建+邻里中心"
    assert residents.search_ids(db, "chen")  # pinyin keys were computed
    again = demo.fill_demo(db, "village", seed=3)
    assert not again.added
    assert residents.count_residents(db, include_inactive=True) == 1500


def test_town_scale_has_23_estates_and_39_sub_grids(db):
    assert len(demo.TOWN["estates"]) == 23
    assert sum(len(subs) for subs in demo.TOWN["grids"].values()) == 39
    assert demo.TOWN["residents"] == 26000
    assert {"宝源花园", "龙湖嘉天下", "融创江南府"} <= set(demo.TOWN["estates"])


# -- the service counter's year ---------------------------------------------------------------

TODAY = dt.date(2026, 11, 27)  # a Friday


def _replay_history(ticket: Ticket, events: list[TicketEvent], cal: calendar.Calendar, promised: int) -> None:
    """Walk the events through counter.MOVES and the deadline rules, as counter.move would."""
    assert (events[0].action, events[0].from_status, events[0].to_status) == ("received", "", counter.RECEIVED)
    assert events[0].at.date() == ticket.received_on
    status, held_since, held_days = counter.RECEIVED, None, 0
    due = cal.add(ticket.received_on, promised)
    for before, event in zip(events, events[1:]):
        assert before.at < event.at, ticket.number
        allowed, target = counter.MOVES[event.action]
        assert status in allowed and event.from_status == status, (ticket.number, event.action, status)
        if held_since is not None:
            assert event.action in ("resume", "escalate"), ticket.number
        if event.action == "hold":
            assert held_since is None and event.note
            held_since = event.at.date()
        elif event.action == "resume":
            held = cal.between(held_since, event.at.date())
            due, held_days, held_since = cal.add(due, held), held_days + held, None
        elif event.action in ("escalate", "resolve"):
            assert event.note.strip(), (ticket.number, event.action)  # why it went up; what came of it
        status = target or status
        assert event.to_status == status
    for event in events:
        assert 8 <= event.at.hour < 18 and event.at.date() <= TODAY
        assert calendar.is_working_day(event.at.date(), cal.holidays, cal.working_days)
    assert status == ticket.status and held_since == ticket.held_since, ticket.number
    assert (due, held_days) == (ticket.due_on, ticket.held_days), ticket.number

    last = {event.action: event.at.date() for event in events}
    assert ticket.resolved_on == (last["resolve"] if status not in counter.OPEN_STATUSES else None)
    assert ticket.followed_up_on == last.get("follow_up")
    assert ticket.archived_on == last.get("archive")
    # A reopened ticket keeps its earlier follow-up (as counter.move does) until the next one.
    follow_up = ticket.followed_up_on if status in (counter.FOLLOWED_UP, counter.ARCHIVED) else None
    dates = [ticket.received_on, ticket.resolved_on, follow_up, ticket.archived_on, TODAY]
    dates = [d for d in dates if d is not None]
    assert dates == sorted(dates), ticket.number
    assert ticket.followed_up_on is None or ticket.received_on <= ticket.followed_up_on <= TODAY
    # Every follow-up says how satisfied the resident was and how they were reached.
    assert (ticket.followed_up_on is None) == (ticket.satisfaction is None) == (ticket.follow_up_method is None)
    assert ticket.follow_up_method is None or ticket.follow_up_method in counter.FOLLOW_UP_METHODS


def test_village_demo_has_a_year_of_service_counter_tickets(db):
    summary = demo.fill_demo(db, "village", seed=5, today=TODAY, actor=ADMIN)
    cal = calendar.calendar(db)
    assert cal.working_days >= {dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 10, 10)}
    assert dt.date(2026, 2, 17) in cal.holidays and dt.date(2025, 12, 1) not in cal.holidays
    promised = {c.id: c.promised_working_days for c in counter.list_categories(db)}
    with db.session() as s:
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
        events: dict[int, list[TicketEvent]] = {}
        for event in s.scalars(select(TicketEvent).order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)):
            events.setdefault(event.ticket_id, []).append(event)
        workers = dict(s.execute(select(Grid.id, Grid.worker_name)).all())
        demo_audit = s.scalars(select(AuditLog.summary).where(AuditLog.entity.in_(("demo", "ticket")))
                               .order_by(AuditLog.id)).all()
    assert summary.counts["counter"] == len(tickets)
    assert 850 <= len(tickets) <= 1300  # 3–6 a working day
    assert len(demo_audit) == 2 and str(len(tickets)) in demo_audit[1]  # the residents, the tickets

    # The whole year, quieter around Spring Festival.
    by_month = Counter(f"{t.received_on:%Y-%m}" for t in tickets)
    year = [f"{TODAY.year - (m > TODAY.month):d}-{m:02d}" for m in range(1, 13)]
    assert all(by_month[month] >= 15 for month in year), by_month
    assert by_month["2026-02"] < min(by_month[m] for m in ("2025-12", "2026-04", "2026-09"))
    assert min(t.received_on for t in tickets) >= TODAY - dt.timedelta(days=365)

    for t in tickets:
        _replay_history(t, events[t.id], cal, promised[t.category_id])
        assert t.description and all(e.actor_name for e in events[t.id])
        if t.resident_id is None:
            assert t.walk_in_name and normalise_phone(t.walk_in_phone) == t.walk_in_phone
        if t.proxy_errand:
            assert t.proxy_principal and t.proxy_agent and t.proxy_matter
        if t.level == counter.GRID_LEVEL and t.status != counter.RECEIVED:
            assert t.assignee == workers[t.grid_id]  # 小事不出网格: the requester's own grid worker
    assert sum(t.resident_id is not None for t in tickets) > 0.8 * len(tickets)

    # Numbers in order of receipt, consecutive within each month.
    numbers = [t.number for t in sorted(tickets, key=lambda t: events[t.id][0].at)]
    assert len(set(numbers)) == len(numbers)
    per_month: dict[str, list[int]] = {}
    for number in numbers:
        prefix, n = number.split("-")
        per_month.setdefault(prefix, []).append(int(n))
    for prefix, ns in per_month.items():
        assert ns == list(range(1, len(ns) + 1)), prefix
    assert all(t.number.startswith(f"FW{t.received_on:%Y%m}-") for t in tickets)

    # The desk's day: a few overdue, some due today, some on hold; old tickets archived.
    overdue, due_today = counter.counts(db, TODAY)
    assert 1 <= overdue <= 10 and due_today >= 1
    assert any(t.held_since is not None for t in tickets if t.status in counter.OPEN_STATUSES)
    assert {t.status for t in tickets if t.status in counter.OPEN_STATUSES} >= {counter.HANDLING}
    old = [t for t in tickets if t.received_on < TODAY - dt.timedelta(days=90)]
    assert sum(t.status == counter.ARCHIVED for t in old) > 0.97 * len(old)
    assert {e.action for es in events.values() for e in es} == {"received", *counter.MOVES}
    listed = counter.list_tickets(db, status="open", today=TODAY)
    assert listed and all(row.overdue for row in listed[:overdue])
    assert len(counter.list_tickets(db, overdue_only=True, today=TODAY)) == overdue

    year_figures = counter.figures(db, TODAY - dt.timedelta(days=364), TODAY, today=TODAY)
    assert year_figures.received == len(tickets)
    assert 80 <= year_figures.on_time_rate <= 95
    assert year_figures.satisfaction_rate >= 80
    assert year_figures.proxy_errands > 0.04 * len(tickets)
    assert year_figures.resolved_within_grid > 0
    assert set(year_figures.by_channel) == set(counter.CHANNELS)
    methods = Counter(t.follow_up_method for t in tickets if t.follow_up_method)
    assert set(methods) == set(counter.FOLLOW_UP_METHODS) and methods.most_common(1)[0][0] == "phone"

    again = demo.fill_demo(db, "village", seed=5, today=TODAY, actor=ADMIN)
    assert not again.added
    with db.session() as s:
        assert s.scalar(select(func.count(Ticket.id))) == len(tickets)


def test_the_same_seed_gives_the_same_tickets(tmp_path):
    def tickets(name: str) -> list[tuple]:
        database = open_database(sqlite_url(tmp_path / name))
        demo.fill_demo(database, "village", seed=8, today=TODAY, head_count=300, actor=ADMIN)
        with database.session() as s:
            rows = s.execute(select(Ticket.number, Ticket.description, Ticket.status, Ticket.due_on,
                                    Ticket.assignee, TicketEvent.action, TicketEvent.at)
                             .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                             .order_by(TicketEvent.id)).all()
        database.dispose()
        return [tuple(row) for row in rows]

    first = tickets("a.sqlite3")
    assert len(first) > 500 and first == tickets("b.sqlite3")
