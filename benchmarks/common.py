"""Helpers shared by the benchmark scripts: demo databases at each scale."""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {"village": 1500, "town": 26000, "town-30k": 30000}


def demo_database(scale: str, folder: Path | None = None) -> Path:
    """A demo database of the given scale, built once per folder."""
    from app.db import open_database, sqlite_url
    from app.services.demo import fill_demo

    folder = folder or Path(tempfile.gettempdir()) / "desk-bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{scale}.sqlite3"
    if not path.exists():
        db = open_database(sqlite_url(path))
        fill_demo(db, "village" if scale == "village" else "town", head_count=SCALES[scale])
        db.dispose()
    return path


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})"
