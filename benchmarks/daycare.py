"""Day care at village and town scale (a demo year: ~60 and ~400 elders): one scan at the desk →
saved and shown on today's board (issue 13: median ≤ 50 ms at town scale), the check-out, and
the day-care forms.

Works on a copy of the cached demo database (common.demo_database). Run: python benchmarks/daycare.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import demo_database, summary  # noqa: E402


def timed(fn, repeat: int = 5) -> tuple[list[float], object]:
    samples, result = [], None
    for _i in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def run(scale: str) -> None:
    from app.db import open_database, sqlite_url
    from app.services import daycare, daycare_print
    from app.services.access import DESK, Actor
    from app.services.daycare import Contact

    actor = Actor("benchmark", DESK)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "daycare.sqlite3"
        shutil.copyfile(demo_database(scale), copy)
        db = open_database(sqlite_url(copy))
        now = dt.datetime.now().replace(microsecond=0)
        board = daycare.board(db, now)
        waiting = [row.resident_id for row in board.expected]
        elders = [e.resident_id for e in daycare.list_elders(db, status=daycare.ACTIVE)]
        print(f"{scale}: {len(elders)} elders attending; board: {len(board.in_now)} in, "
              f"{len(board.gone_home)} gone home, {len(waiting)} expected")
        # Everyone not yet in today can be scanned in once; the expected first, as at the desk.
        here = {row.resident_id for row in board.in_now + board.gone_home}
        queue = waiting + [rid for rid in elders if rid not in here and rid not in set(waiting)]
        samples, scanned = [], []
        for n, rid in enumerate(queue[:60]):
            at = now + dt.timedelta(seconds=n)
            start = time.perf_counter()
            result = daycare.scan(db, rid, at=at, actor=actor)
            shown = daycare.board(db, at)
            samples.append((time.perf_counter() - start) * 1000)
            assert result.outcome == daycare.CHECKED_IN, result.message
            assert any(row.resident_id == rid for row in shown.in_now)
            scanned.append(rid)
        print(f"  {'scan in → board':28s} {summary(samples)}")
        samples = []
        later = now + dt.timedelta(hours=1)
        for n, rid in enumerate(scanned):
            at = later + dt.timedelta(seconds=n)
            start = time.perf_counter()
            asking = daycare.scan(db, rid, at=at, actor=actor)
            done = daycare.check_out(db, rid, Contact(None, "王秀英", "13800000000", "女儿"), at=at, actor=actor)
            shown = daycare.board(db, at)
            samples.append((time.perf_counter() - start) * 1000)
            assert asking.outcome == daycare.CHECKING_OUT and done.outcome == daycare.CHECKED_OUT, done.message
            assert any(row.resident_id == rid for row in shown.gone_home)
        print(f"  {'scan out, check-out → board':28s} {summary(samples)}")
        samples, _board = timed(lambda: daycare.board(db, now), 9)
        print(f"  {'board alone':28s} {summary(samples)}")
        today, month = now.date(), now.date().replace(day=1)
        for label, fn, repeat in [
            ("sign-in sheet (PDF)", lambda: daycare_print.sign_in_pdf(db, today, actor=actor), 3),
            ("kitchen order (PDF)", lambda: daycare_print.kitchen_order_pdf(db, today, actor=actor), 3),
            ("meal bills, month (PDF)", lambda: daycare_print.meal_bills_pdf(db, month, actor=actor), 3),
            ("month summary (PDF)", lambda: daycare_print.month_summary_pdf(db, month, actor=actor), 3),
            ("figures for a year", lambda: daycare.figures(db, today - dt.timedelta(days=364), today), 3),
        ]:
            samples, result = timed(fn, repeat)
            size = f"  {len(result) // 1024} KiB" if isinstance(result, bytes) else ""
            print(f"  {label:28s} {summary(samples)}{size}")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
