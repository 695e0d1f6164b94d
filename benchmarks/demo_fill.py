"""Demo data: how long `fill_demo` takes at each scale, and the year of counter tickets it makes.

Fills a fresh database per round (residents, then a year of service-counter tickets ending
today) and prints the time for the whole fill and for the tickets alone, then the counter's
figures for the year as the monthly report would show them.
Run: python benchmarks/demo_fill.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the project on sys.path)


def run(scale: str, rounds: int = 3) -> None:
    from app.db import open_database, sqlite_url
    from app.services import counter, demo
    from app.services.access import ADMINISTRATOR, Actor
    from app.services.demo import counter as counter_demo

    real = counter_demo.fill  # the counter's part (app/features.py resolves it when the demo runs)
    spent: list[float] = []

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    counter_demo.fill = timed
    today = dt.date.today()
    totals = []
    try:
        for _round in range(rounds):
            with tempfile.TemporaryDirectory() as folder:
                db = open_database(sqlite_url(Path(folder) / "demo.sqlite3"))
                start = time.perf_counter()
                summary = demo.fill_demo(db, scale, today=today, actor=Actor("bench", ADMINISTRATOR))
                totals.append(time.perf_counter() - start)
                year = counter.figures(db, today - dt.timedelta(days=364), today, today=today)
                overdue, due_today = counter.counts(db, today)
                on_hold = sum(1 for t in counter.list_tickets(db, status="open", today=today) if t.on_hold)
                db.dispose()
    finally:
        counter_demo.fill = real
    print(f"fill_demo {scale:8s}: median {statistics.median(totals):5.2f} s, of which tickets "
          f"{statistics.median(spent):5.2f} s (n={rounds}; {summary.counts['residents']} residents, "
          f"{summary.counts['counter']} tickets)")
    print(f"  year to {today}: received {year.received}, resolved {year.resolved}, on time {year.on_time_rate}%, "
          f"within the grid {year.within_grid_rate}%, satisfied {year.satisfaction_rate}%, "
          f"proxy errands {year.proxy_errands}; today: {overdue} overdue, {due_today} due today, "
          f"{on_hold} on hold")


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
