"""The activity ledger at village and town scale (a demo year: about 100 and 480 activities, 1,500 and
10,000 registered participations): the tab's list (list_activities: the year, a month, a search),
one activity's detail (get_activity, the busiest), and the monthly report's figures (a month, a year).

Works on a copy of the cached demo database (common.demo_database). When that was built before the
activities demo was part of fill_demo, the copy gets the activities demo's part here, from the
residents it holds.
Run: python benchmarks/activities.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import demo_database, summary, timed  # noqa: E402


def _fill_if_missing(db, scale: str) -> None:
    from sqlalchemy import func, select

    from app.models import Activity, Resident
    from app.services import access
    from app.services.demo import activities as demo_activities
    from app.services.demo.common import SPECS, DemoContext

    with db.session() as s:
        if s.scalar(select(func.count(Activity.id))):
            return
        people = [dict(id=rid, birth_date=birth) for rid, birth in s.execute(
            select(Resident.id, Resident.birth_date).where(Resident.active.is_(True)).order_by(Resident.id))]
    actor = access.Actor("benchmark", access.ADMINISTRATOR)
    ctx = DemoContext(db=db, scale=scale, spec=SPECS[scale], seed=1, today=dt.date.today(), actor=actor,
                      system=actor, shared={"people": people, "moved_away": set()})
    start = time.perf_counter()
    demo_activities.fill(ctx)
    print(f"  (activities demo added to the copy in {time.perf_counter() - start:.1f} s)")


def run(scale: str) -> None:
    from sqlalchemy import func, select

    from app.db import open_database, sqlite_url
    from app.models import Activity, ActivityParticipant
    from app.services import activities

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "activities.sqlite3"
        shutil.copyfile(demo_database(scale), copy)
        db = open_database(sqlite_url(copy))
        _fill_if_missing(db, "village" if scale == "village" else "town")
        today = dt.date.today()
        with db.session() as s:
            count = s.scalar(select(func.count(Activity.id)))
            joined = s.scalar(select(func.count(ActivityParticipant.id)))
            busiest = s.scalar(select(ActivityParticipant.activity_id).group_by(ActivityParticipant.activity_id)
                               .order_by(func.count(ActivityParticipant.id).desc()).limit(1))
        print(f"{scale}: {count} activities, {joined} registered participations")
        year_start = today - dt.timedelta(days=364)
        month = today.replace(day=1)
        samples, rows = timed(lambda: activities.list_activities(db))
        print(f"  {'list_activities (all)':34s} {summary(samples)}  {len(rows)} rows")
        samples, rows = timed(lambda: activities.list_activities(db, date_from=month, date_to=today))
        print(f"  {'list_activities (this month)':34s} {summary(samples)}  {len(rows)} rows")
        samples, rows = timed(lambda: activities.list_activities(db, query="讲座"))
        print(f"  {'list_activities, search 讲座':34s} {summary(samples)}  {len(rows)} rows")
        samples, detail = timed(lambda: activities.get_activity(db, busiest))
        print(f"  {'get_activity (busiest)':34s} {summary(samples)}  {len(detail.participants)} participants")
        last_month_end = month - dt.timedelta(days=1)
        samples, f = timed(lambda: activities.figures(db, last_month_end.replace(day=1), last_month_end))
        print(f"  {'figures (last month)':34s} {summary(samples)}  {f.activities} activities, "
              f"{f.person_times} person-times")
        samples, f = timed(lambda: activities.figures(db, year_start, today))
        print(f"  {'figures (a year)':34s} {summary(samples)}  {f.activities} activities, "
              f"{f.person_times} person-times, {f.people} people")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
