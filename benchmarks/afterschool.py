"""After-school classes at village and town scale (a demo year: ~60 and ~300 children): a whole
class of 40 marked present by scanning their member cards (each scan, then the session as the tab
shows it), the same class by one "all present", and the end-of-day view (still_here and the
session view).

Works on a copy of the cached demo database (common.demo_database); one built before the
after-school demo existed is rebuilt in a folder of its own. Today's session of the fullest
四点半课堂 is emptied first, so every scan signs a child in.
Run: python benchmarks/afterschool.py [village|town ...]
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import feature_database, summary, timed  # noqa: E402

CLASS_SIZE = 40




def _database(scale: str) -> Path:
    from app.models import ChildProfile

    return feature_database(scale, ChildProfile, "afterschool")


def _clear(db, class_id: int, day: dt.date) -> None:
    """Today's session of the class with nobody marked yet (a benchmark copy: plain delete)."""
    from sqlalchemy import delete

    from app.models import ClassAttendance

    with db.session() as s:
        s.execute(delete(ClassAttendance).where(ClassAttendance.class_id == class_id, ClassAttendance.day == day))


def run(scale: str) -> None:
    from sqlalchemy import select

    from app.db import open_database, sqlite_url
    from app.models import Resident
    from app.services import afterschool
    from app.services.access import ADMINISTRATOR, DESK, Actor

    actor, admin = Actor("benchmark", DESK), Actor("benchmark", ADMINISTRATOR)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "afterschool.sqlite3"
        shutil.copyfile(_database(scale), copy)
        db = open_database(sqlite_url(copy))
        today = dt.date.today()
        current = [c for c in afterschool.list_classes(db) if c.term_start <= today <= c.term_end]
        if not current:
            print(f"{scale}: no class in term today; nothing measured")
            return
        c = max(current, key=lambda row: row.enrolled)
        session = afterschool.session_on(db, c.id, today)
        if session is None:
            afterschool.add_session(db, c.id, today, actor=admin, reason="benchmark")
        elif session.cancelled:
            afterschool.restore_session(db, c.id, today, actor=admin)
        _clear(db, c.id, today)
        start_at = dt.datetime.combine(today, c.start_time) - dt.timedelta(minutes=5)
        children = [x.resident_id for x in afterschool.session_view(db, c.id, today, actor=actor, at=start_at).children]
        class_size = min(CLASS_SIZE, len(children))
        with db.session() as s:
            codes = dict(s.execute(select(Resident.id, Resident.member_code)
                                   .where(Resident.id.in_(children[:class_size]))).all())
        print(f"{scale}: {c.name}, {c.enrolled} enrolled, {class_size} scanned in; "
              f"{len(afterschool.list_classes(db))} classes in term")

        scans, with_view = [], []
        whole = time.perf_counter()
        for n, rid in enumerate(children[:class_size]):
            at = start_at + dt.timedelta(seconds=3 * n)
            begin = time.perf_counter()
            result = afterschool.scan(db, c.id, today, f"ND:{codes[rid]}", actor=actor, at=at)
            scanned = time.perf_counter()
            view = afterschool.session_view(db, c.id, today, actor=actor, at=at)
            done = time.perf_counter()
            assert result.outcome == afterschool.SIGNED_IN, result.message
            scans.append((scanned - begin) * 1000)
            with_view.append((done - begin) * 1000)
        whole = (time.perf_counter() - whole) * 1000
        assert view.present == class_size
        print(f"  {'scan in':34s} {summary(scans)}")
        print(f"  {'scan in → session view':34s} {summary(with_view)}")
        print(f"  {'the whole class, scan → view':34s} {whole:9.1f} ms for {class_size} children")

        _clear(db, c.id, today)
        begin = time.perf_counter()
        marked = afterschool.mark_all_present(db, c.id, today, children[:class_size], actor=actor, at=start_at)
        print(f"  {'all present in one call':34s} {(time.perf_counter() - begin) * 1000:9.1f} ms for {marked}")

        late = dt.datetime.combine(today, c.end_time) + dt.timedelta(minutes=30)
        samples, here = timed(lambda: afterschool.still_here(db, today, actor=actor, at=late))
        print(f"  {'still here (end of day)':34s} {summary(samples)}  {len(here)} children")
        samples, view = timed(lambda: afterschool.session_view(db, c.id, today, actor=actor, at=late))
        print(f"  {'session view (end of day)':34s} {summary(samples)}  {len(view.children)} children")
        db.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or ("village", "town"):
        run(name)
