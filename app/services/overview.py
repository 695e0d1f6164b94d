"""Today at a glance (概览): the figures and alerts of the overview tab.

Every number comes from the feature that owns it (the counter's tickets, day care's board, the
after-school still-here list, points' expiry window, the activity ledger), so the overview never
says something the feature's own tab does not. Each figure and alert names the feature whose tab
shows the list behind it, and the filter of that tab (`show_filter(code)`) when it has one.
Names appear only to those who may see them: the rest get counts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.i18n import _, format_number
from app.models.points import Voucher
from app.services import access, afterschool, counter, daycare, points

NAMES_SHOWN = 5  # an alert names at most this many people, then "…"

RED, AMBER = "red", "amber"  # an alert's colour: late (someone waits) / soon (nothing is late yet)


@dataclass(frozen=True)
class Figure:
    """One tile: the number, what it counts, and where its list is."""

    key: str
    label: str  # translated
    value: int
    feature: str  # app/features.py Feature.name whose tab shows the list
    filter: str = ""  # that tab's show_filter(code), "" for its first page
    alert: str = ""  # RED, AMBER or "" (calm)


@dataclass(frozen=True)
class Alert:
    kind: str  # "children_not_signed_out", "elders_not_checked_out", "tickets_overdue", "vouchers_expiring"
    text: str  # translated, with the count (and names, for those who may see them)
    count: int
    feature: str
    filter: str = ""
    severity: str = RED
    names: tuple[str, ...] = ()  # empty for a reader who may not see them


@dataclass
class Overview:
    at: dt.datetime
    elders_in: int  # checked in and not gone home
    elders_expected: int  # expected today and not arrived yet
    children_present: int  # marked present at today's sessions (人次, as the report counts)
    children_still_here: int  # signed in and not signed out
    tickets_open: int
    tickets_overdue: int
    tickets_due_today: int
    vouchers_expiring: int  # unused, expiring within points.EXPIRING_DAYS
    activities_this_week: list[tuple[dt.date, str]]  # (day, title), Monday to Sunday, by day
    alerts: list[Alert] = field(default_factory=list)
    activities_available: bool = True  # False while the activity ledger is not part of the program

    @property
    def figures(self) -> list[Figure]:
        return [
            Figure("elders_in", _("Elders in day care now"), self.elders_in, "daycare", "today"),
            Figure("elders_expected", _("Elders expected, not yet in"), self.elders_expected, "daycare", "today"),
            # As the elders' tile: who is here now, the same children the "Still here" list opens on.
            Figure("children_here", _("Children in class now"), self.children_still_here, "afterschool",
                   "still_here"),
            Figure("tickets_open", _("Open service requests"), self.tickets_open, "counter", "open"),
            Figure("tickets_overdue", _("Overdue service requests"), self.tickets_overdue, "counter", "overdue",
                   RED if self.tickets_overdue else ""),
            Figure("tickets_due_today", _("Service requests due today"), self.tickets_due_today, "counter",
                   "due_today", AMBER if self.tickets_due_today else ""),
        ]


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of `day`'s week."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _named(text: str, names: list[str]) -> str:
    if not names:
        return text
    shown = "、".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
    return _("{text}: {names}").format(text=text, names=shown)


def vouchers_expiring(db: Database, today: dt.date, days: int = points.EXPIRING_DAYS) -> int:
    """Unused vouchers (not redeemed, not refunded) that expire from today to `days` days on: the
    same window as the points tab's label."""
    with db.session() as s:
        return s.scalar(select(func.count(Voucher.id)).where(
            Voucher.redeemed_at.is_(None), Voucher.refunded_at.is_(None), Voucher.expires_on >= today,
            Voucher.expires_on < today + dt.timedelta(days=days))) or 0


def _activities(db: Database, day: dt.date) -> tuple[list[tuple[dt.date, str]], bool]:
    try:
        from app.services import activities
    except ImportError:  # the activity ledger is being built (issue 18); the overview goes without it
        return [], False
    monday, sunday = week_of(day)
    rows = activities.list_activities(db, date_from=monday, date_to=sunday)
    rows = sorted(rows, key=lambda r: (r.held_on, r.starts_at or dt.time(), r.id))  # the list is newest first
    return [(r.held_on, r.title) for r in rows], True


def today(db: Database, *, actor: access.Actor, today: dt.datetime | None = None) -> Overview:
    """The overview at `today` (a moment; now by default). Read-only and open to every role; names
    of children only for those who work with them, of elders for those who check them in and out."""
    at = (today or dt.datetime.now()).replace(microsecond=0)
    day = at.date()

    tickets, overdue, due_today = counter.open_counts(db, day)

    board = daycare.board(db, at)
    # Counts for everyone (as the after-school tab's label); the names below only for who may see them.
    still = afterschool._still_here(db, day, at, False)
    present = afterschool.person_times(db, day, day)
    expiring = vouchers_expiring(db, day)
    week, available = _activities(db, day)

    alerts = []
    late_children = [r for r in still if r.overdue]
    if late_children:
        names = [r.name for r in late_children] if afterschool.may_see_children(actor=actor) else []
        alerts.append(Alert("children_not_signed_out", _named(
            _("Children not signed out after their class ended: {count}").format(
                count=format_number(len(late_children))), names),
            len(late_children), "afterschool", "still_here", RED, tuple(names)))
    if board.still_here:
        names = [r.name for r in board.still_here] if access.may(actor, access.DAYCARE_ATTEND) else []
        alerts.append(Alert("elders_not_checked_out", _named(
            _("Elders not checked out after closing time ({time}): {count}").format(
                time=board.closing_time.strftime("%H:%M"), count=format_number(len(board.still_here))), names),
            len(board.still_here), "daycare", "today", RED, tuple(names)))
    if overdue:
        alerts.append(Alert("tickets_overdue", _("Service requests past their promised date: {count}").format(
            count=format_number(overdue)), overdue, "counter", "overdue", RED))
    if expiring:
        alerts.append(Alert("vouchers_expiring", _("Unused vouchers expiring within {days} days: {count}").format(
            days=format_number(points.EXPIRING_DAYS), count=format_number(expiring)),
            expiring, "points", "vouchers", AMBER))

    return Overview(at, len(board.in_now), len(board.expected), present, len(still), tickets, overdue,
                    due_today, expiring, week, alerts, available)
