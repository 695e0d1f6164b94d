"""The merchant alliance at village and town scale (a demo year: 7 and 41 members, 11 and 45
merchants): the tab's list (list_merchants, all and a search), one merchant's page (get_merchant),
the half-year complaint rate, a quarter's ranking and a year's figures.

Works on a copy of the cached demo database (common.demo_database); one built before the
alliance demo existed is rebuilt in a folder of its own.
Run: python benchmarks/alliance.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from common import feature_database, summary, timed  # noqa: E402




def _database(scale: str) -> Path:
    from app.models import Merchant

    return feature_database(scale, Merchant, "alliance")


def run(scale: str) -> None:
    from app.db import open_database, sqlite_url
    from app.services import alliance
    from app.services.access import DESK, Actor
    from app.services.demo.alliance import _halves, _quarters

    actor = Actor("benchmark", DESK)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "alliance.sqlite3"
        shutil.copyfile(_database(scale), copy)
        db = open_database(sqlite_url(copy))
        today = dt.date.today()
        rows = alliance.list_merchants(db, include_left=True)
        print(f"{scale}: {len(rows)} merchants")
        samples, listed = timed(lambda: alliance.list_merchants(db))
        print(f"  {'list_merchants (the tab)':34s} {summary(samples)}  {len(listed)} rows")
        samples, found = timed(lambda: alliance.list_merchants(db, query="超市"))
        print(f"  {'list_merchants, search 超市':34s} {summary(samples)}  {len(found)} rows")
        busiest = max(rows, key=lambda r: r.open_complaints + r.commitments)
        samples, _info = timed(lambda: alliance.get_merchant(db, busiest.id, actor=actor))
        print(f"  {'get_merchant (one page)':34s} {summary(samples)}")
        year, half = _halves(today)[1]
        samples, rate = timed(lambda: alliance.complaint_rate(db, year, half))
        change = "—" if rate.change is None else f"{100 * rate.change:+.1f} %"
        print(f"  {'complaint_rate (a half-year)':34s} {summary(samples)}  change {change}")
        quarter = alliance.quarter_text(*_quarters(today)[1])
        samples, ranked = timed(lambda: alliance.ranking(db, quarter))
        print(f"  {'ranking (a quarter)':34s} {summary(samples)}  {len(ranked)} members")
        samples, _f = timed(lambda: alliance.figures(db, today - dt.timedelta(days=364), today))
        print(f"  {'figures (a year)':34s} {summary(samples)}")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
