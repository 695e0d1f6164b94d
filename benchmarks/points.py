"""Volunteer points at village and town scale (a demo year: about 80 and 1,400 volunteers, 2,000 and
33,000 entries): the tab's balances list (list_balances, all and a search), the busiest volunteer's
year statement (points.statement, and the 积分对账单 PDF), the month's ledger, and issuing a voucher
(issue_voucher: the write lock, two guarded UPDATEs, the spend entry and the audit row).

Works on a copy of the cached demo database (common.demo_database); one built before the points
demo existed is rebuilt in a folder of its own.
Run: python benchmarks/points.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from common import feature_database, summary, timed  # noqa: E402




def _database(scale: str) -> Path:
    from app.models import LedgerEntry

    return feature_database(scale, LedgerEntry, "points")


def run(scale: str) -> None:
    from sqlalchemy import func, select

    from app.db import open_database, sqlite_url
    from app.models import LedgerEntry
    from app.services import points, points_print
    from app.services.access import DESK, Actor

    actor = Actor("benchmark", DESK)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "points.sqlite3"
        shutil.copyfile(_database(scale), copy)
        db = open_database(sqlite_url(copy))
        today = dt.date.today()
        with db.session() as s:
            entries = s.scalar(select(func.count(LedgerEntry.id)))
            busiest = s.scalar(select(LedgerEntry.resident_id).group_by(LedgerEntry.resident_id)
                               .order_by(func.count(LedgerEntry.id).desc()).limit(1))
        rows = points.list_balances(db, actor=actor)
        print(f"{scale}: {len(rows)} accounts, {entries} entries")
        samples, listed = timed(lambda: points.list_balances(db, actor=actor))
        print(f"  {'list_balances (the tab)':34s} {summary(samples)}  {len(listed)} rows")
        samples, found = timed(lambda: points.list_balances(db, "陈", actor=actor))
        print(f"  {'list_balances, search 陈':34s} {summary(samples)}  {len(found)} rows")
        first = today - dt.timedelta(days=364)
        samples, st = timed(lambda: points.statement(db, busiest, first, today))
        print(f"  {'statement (a year, busiest)':34s} {summary(samples)}  {len(st.entries)} entries")
        samples, _pdf = timed(lambda: points_print.points_statement_pdf(db, busiest, first, today, actor=actor),
                              repeat=7)
        print(f"  {'statement PDF (a year)':34s} {summary(samples)}")
        month = today.replace(day=1)
        samples, _pdf = timed(lambda: points_print.points_ledger_pdf(db, month, actor=actor), repeat=5)
        print(f"  {'ledger PDF (this month)':34s} {summary(samples)}  "
              f"{len(points.ledger(db, month, today))} entries")
        cheapest = min((t for t in points.list_voucher_types(db, on=today) if t.stock is None),
                       key=lambda t: t.points)
        richest = max(rows, key=lambda r: r.balance)
        repeat = min(21, richest.balance // cheapest.points)
        samples, _v = timed(lambda: points.issue_voucher(db, richest.resident_id, cheapest.id, actor=actor),
                            repeat=repeat)
        print(f"  {'issue_voucher':34s} {summary(samples)}")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
