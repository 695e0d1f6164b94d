"""Service counter at village and town scale (a demo year of tickets): the tab's lists,
the label's counts, a year's figures and a month's ledger.

Run: python benchmarks/counter.py
"""
from __future__ import annotations

import datetime as dt
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import demo_database, summary  # noqa: E402


def timed(fn, repeat: int = 5) -> tuple[list[float], object]:
    samples, result = [], None
    for _i in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.db import open_database, sqlite_url
    from app.services import counter, counter_print
    from app.services.access import ADMINISTRATOR, Actor
    from app.views import notices
    from app.views.counter.tab import CounterTab
    from app.views.gui import create_application, install_translations

    app = create_application()
    install_translations(app, "zh_CN")
    actor = Actor("benchmark", ADMINISTRATOR)
    today = dt.date.today()
    for scale in ("village", "town"):
        db = open_database(sqlite_url(demo_database(scale)))
        every = counter.list_tickets(db, today=today)
        print(f"{scale}: {len(every)} tickets")
        for label, fn in [
            ("open tickets list", lambda: counter.list_tickets(db, status="open", today=today)),
            ("all tickets list", lambda: counter.list_tickets(db, today=today)),
            ("search '噪音'", lambda: counter.list_tickets(db, query="噪音", today=today)),
            ("overdue/due-today counts", lambda: counter.counts(db, today)),
            ("figures for a year", lambda: counter.figures(db, today - dt.timedelta(days=364), today, today)),
        ]:
            samples, _result = timed(fn)
            print(f"  {label:28s} {summary(samples)}")
        first, last = counter_print.month_of(today)
        samples, pdf = timed(lambda: counter_print.ledger_pdf(db, counter_print.LedgerFilter(first, last),
                                                              actor=actor), 3)
        print(f"  {'ledger of this month (PDF)':28s} {summary(samples)}  {len(pdf) // 1024} KiB")
        samples, pdf = timed(lambda: counter_print.ledger_pdf(
            db, counter_print.LedgerFilter(today - dt.timedelta(days=364), today), actor=actor), 1)
        print(f"  {'ledger of a year (PDF)':28s} {summary(samples)}  {len(pdf) // 1024} KiB")
        tab = CounterTab(db, notices.Notices(), actor=actor)
        tab.resize(1300, 700)
        tab.show()
        QApplication.processEvents()

        def show_all():
            tab.show_filter("all")
            tab.repaint()
            tab.show_filter("open")
            tab.repaint()

        samples, _result = timed(show_all)
        print(f"  {'tab: all, then open again':28s} {summary(samples)}")
        tab.close()
        db.dispose()


if __name__ == "__main__":
    main()
