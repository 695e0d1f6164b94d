"""The monthly and annual report at village and town scale on the demo's year of data: the data
(services/report.py: every feature's figures for the month, the month before and the same month last
year; for the year, the year and its twelve months) and the PDF (app/reports/monthly_report.py) timed
apart, and the xlsx. Targets (issue 18): the monthly report's PDF, data included, ≤ 1 s; the annual ≤ 3 s.

Works on a copy of the cached demo database (common.feature_database: one built before the activities'
demo existed is rebuilt in a folder of its own); DESK_BENCH_REPORT_DB=PATH measures that database instead.
Run: python benchmarks/report.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import feature_database, summary, timed  # noqa: E402


def _database(scale: str) -> Path:
    if os.environ.get("DESK_BENCH_REPORT_DB"):
        return Path(os.environ["DESK_BENCH_REPORT_DB"])
    from app.models import Activity

    return feature_database(scale, Activity, "report")


def run(scale: str, repeat: int = 7) -> None:
    from app.db import open_database, sqlite_url
    from app.reports import monthly_report
    from app.services import printing, report
    from app.services.access import DESK, Actor

    actor = Actor("benchmark", DESK)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.sqlite3"
        shutil.copyfile(_database(scale), copy)
        db = open_database(sqlite_url(copy))
        today = dt.date.today()
        last = today.replace(day=1) - dt.timedelta(days=1)  # the last whole month
        letterhead = printing.letterhead(db)
        month = report.monthly(db, last.year, last.month, actor=actor)
        lines = sum(len(cs.lines) for cs in month.sections)
        print(f"{scale}: {last:%Y-%m}, {len(month.sections)} sections, {lines} lines; {month.summary[:60]}…")

        samples, month = timed(lambda: report.monthly(db, last.year, last.month, actor=actor), repeat)
        data_ms = summary(samples)
        print(f"  {'monthly: data':28s} {data_ms}")
        samples, pdf = timed(lambda: monthly_report.monthly_pdf(month, letterhead), repeat)
        print(f"  {'monthly: PDF':28s} {summary(samples)}  {len(pdf) // 1024} KB")
        samples, _r = timed(lambda: monthly_report.monthly_pdf(
            report.monthly(db, last.year, last.month, actor=actor), letterhead), repeat)
        print(f"  {'monthly: data + PDF':28s} {summary(samples)}  target ≤ 1000 ms")
        book = Path(folder) / "month.xlsx"
        samples, _r = timed(lambda: report.monthly_xlsx(month, book, db=db, actor=actor), repeat)
        print(f"  {'monthly: xlsx':28s} {summary(samples)}")

        samples, year = timed(lambda: report.annual(db, today.year, actor=actor), max(3, repeat // 2))
        print(f"  {'annual: data':28s} {summary(samples)}")
        samples, pdf = timed(lambda: monthly_report.annual_pdf(year, letterhead), max(3, repeat // 2))
        print(f"  {'annual: PDF':28s} {summary(samples)}  {len(pdf) // 1024} KB")
        samples, _r = timed(lambda: monthly_report.annual_pdf(report.annual(db, today.year, actor=actor),
                                                              letterhead), max(3, repeat // 2))
        print(f"  {'annual: data + PDF':28s} {summary(samples)}  target ≤ 3000 ms")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ["village", "town"]:
        run(name)
