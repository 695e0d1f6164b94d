"""Resident roster PDF (花名册) at town scale: 26,000 rows (target ≤ 5 s).

Run: python benchmarks/roster_pdf.py
"""
from __future__ import annotations

import time

from common import demo_database


def main() -> None:
    from app.db import open_database, sqlite_url
    from app.services import residents_print

    for scale in ("village", "town"):
        db = open_database(sqlite_url(demo_database(scale)))
        start = time.perf_counter()
        pdf = residents_print.roster_pdf(db, residents_print.ResidentFilter())
        took = time.perf_counter() - start
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        print(f"roster of all residents, {scale:7s}: {took:6.2f} s, {len(pdf) / 1e6:5.1f} MB, "
              f"~{pages} pages (target 5 s at town scale)")
        db.dispose()


if __name__ == "__main__":
    main()
