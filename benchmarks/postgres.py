"""The desk on PostgreSQL beside SQLite, at town scale (issue 17): what a keystroke in the residents
search costs the service (`residents.search_ids` over every prefix of the queries, then the first
page of rows the grid fetches, `residents.fetch_rows`), and the counter's ticket list as the tab
loads it (open tickets, and all of them, with the overdue/due-today counts). Median and p95 of each.

The PostgreSQL database: DESK_BENCH_DATABASE_URL (empty, or holding the town demo this script
filled before), else a database `desk_bench_town` made on the server of DESK_TEST_DATABASE_URL (the
test cluster, .ci/postgres); neither set: only SQLite is measured, and the script says so.
The town demo is filled once per database (a few minutes on PostgreSQL) and then reused.
Run: python benchmarks/postgres.py [--rounds N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os

from common import demo_database, summary, timed

from search import QUERIES

DATABASE = "desk_bench_town"
PAGE = 50  # rows the residents grid fetches at a time (views/residents/model.py)


def postgres_url() -> str | None:
    """The PostgreSQL database to measure, created on the test server when needed; None if none."""
    url = os.environ.get("DESK_BENCH_DATABASE_URL", "")
    if url:
        return url
    test_url = os.environ.get("DESK_TEST_DATABASE_URL", "")
    if not test_url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    base = make_url(test_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as con:
        if not con.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}).first():
            con.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    admin.dispose()
    return base.set(database=DATABASE).render_as_string(hide_password=False)


def with_demo(url: str):
    """The database at `url`, holding the town demo (filled now if it is empty)."""
    import time

    from app.db import open_database
    from app.services import centre, residents
    from app.services.access import ADMINISTRATOR, Actor
    from app.services.demo import DEMO_MARKER, fill_demo

    db = open_database(url)
    if centre.get_setting(db, DEMO_MARKER) != "town":
        if residents.count_residents(db, include_inactive=True):
            raise SystemExit(f"{db.label} holds residents that are not the town demo: give an empty database")
        print(f"filling the town demo into {db.label} (once) …", flush=True)
        start = time.perf_counter()
        fill_demo(db, "town", seed=1, actor=Actor("bench", ADMINISTRATOR))
        print(f"  filled in {time.perf_counter() - start:.0f} s", flush=True)
    return db


def measure(name: str, db, rounds: int) -> None:
    from app.services import counter, residents

    today = dt.date.today()
    print(f"{name}: {db.label}, {residents.count_residents(db, include_inactive=True)} residents")
    residents.search_ids(db, "chen")  # the index built (the window builds it after the first paint)
    search, page = [], []
    for _round in range(rounds):
        for query in QUERIES:
            for i in range(1, len(query) + 1):
                samples, ids = timed(lambda text=query[:i]: residents.search_ids(db, text), repeat=1)
                search += samples
                page += timed(lambda ids=ids: residents.fetch_rows(db, ids[:PAGE]), repeat=1)[0]
    print(f"  search_ids, each keystroke    {summary(search)}")
    print(f"  first page of rows ({PAGE})     {summary(page)}")
    open_list, shown = timed(lambda: (counter.list_tickets(db, status="open", today=today), counter.counts(db, today)),
                             repeat=5 * rounds)
    print(f"  tickets tab, open ({len(shown[0]):5d})   {summary(open_list)}")
    every, shown = timed(lambda: (counter.list_tickets(db, today=today), counter.counts(db, today)),
                         repeat=3 * rounds)
    print(f"  tickets tab, all ({len(shown[0]):5d})    {summary(every)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from app.db import open_database, sqlite_url

    db = open_database(sqlite_url(demo_database("town")))
    measure("SQLite", db, args.rounds)
    db.dispose()
    url = postgres_url()
    if url is None:
        print("PostgreSQL: skipped (set DESK_BENCH_DATABASE_URL, or DESK_TEST_DATABASE_URL for the test cluster)")
        return
    db = with_demo(url)
    measure("PostgreSQL", db, args.rounds)
    db.dispose()


if __name__ == "__main__":
    main()
