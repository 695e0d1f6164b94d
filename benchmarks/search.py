"""Keystroke-to-results search time at 30,000 residents (target p95 ≤ 16 ms).

Types realistic queries one character at a time into the real search widget
(offscreen) and times each keystroke until the visible rows are painted.
Run: python benchmarks/search.py [village|town-30k …]  (both scales by default)
"""
from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import demo_database, summary  # noqa: E402

QUERIES = ["chen", "cailiangjian", "clj", "shanxiong", "lin", "zhang", "wxm", "陈", "林秀", "5678",
           "350581", "1234", "huang", "ouyang", "zs", "xie", "q", "z"]


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.db import open_database, sqlite_url
    from app.services import residents
    from app.views.gui import create_application, install_translations
    from app.views.shared.resident_search import ResidentSearch

    app = create_application()
    install_translations(app, "zh_CN")
    for scale in sys.argv[1:] or ("village", "town-30k"):
        db = open_database(sqlite_url(demo_database(scale)))
        print(f"{scale}: {residents.count_residents(db, include_inactive=True)} residents")
        widget = ResidentSearch(db)
        widget.resize(1000, 700)
        widget.show()
        QApplication.processEvents()
        service, keystroke = [], []
        for query in QUERIES:
            widget.box.clear()
            for i in range(1, len(query) + 1):
                text = query[:i]
                t0 = time.perf_counter()
                residents.search_ids(db, text)
                service.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                widget.box.setText(text)             # search + model reset
                widget.table.viewport().repaint()    # visible rows loaded and painted
                keystroke.append((time.perf_counter() - t0) * 1000)
        print(f"  service query alone      {summary(service)}")
        print(f"  keystroke to results     {summary(keystroke)}   target p95 16 ms")
        widget.close()
        db.dispose()


if __name__ == "__main__":
    main()
