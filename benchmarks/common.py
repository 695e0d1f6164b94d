"""Helpers shared by the benchmark scripts: demo databases at each scale."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The checkout being measured: this one, or another (`python -m benchmarks --root DIR` sets it).
ROOT = Path(os.environ.get("DESK_BENCH_ROOT") or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(ROOT))

SCALES = {"village": 1500, "town": 26000, "town-30k": 30000, "town-2x": 52000, "town-4x": 104000}


def schema_head() -> str:
    """The newest migration of the checkout measured ("0006"): databases are cached per schema,
    since a newer program migrates a database that an older one then refuses."""
    return max(p.name.split("_")[0] for p in (ROOT / "app" / "migrations" / "versions").glob("0*.py"))


def demo_database(scale: str, folder: Path | None = None) -> Path:
    """A demo database of the given scale, built once per folder (and schema)."""
    from app.db import open_database, sqlite_url
    from app.services.demo import fill_demo

    folder = folder or Path(tempfile.gettempdir()) / "desk-bench" / f"schema-{schema_head()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{scale}.sqlite3"
    if not path.exists():
        # Built under another name and renamed, so an interrupted build is never taken for a database.
        partial = folder / f"{scale}.partial.sqlite3"
        partial.unlink(missing_ok=True)
        db = open_database(sqlite_url(partial))
        fill_demo(db, "village" if scale == "village" else "town", head_count=SCALES[scale])
        db.dispose()
        partial.rename(path)
    return path


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})"


def timed(fn, repeat: int = 21) -> tuple[list[float], object]:
    """`fn()` run `repeat` times: the times in ms, and the last result."""
    samples, result = [], None
    for _i in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def feature_database(scale: str, model, name: str) -> Path:
    """The cached demo database, or, when it was built before the feature's demo existed (no row of
    `model`), one rebuilt in a folder of its own (`name`)."""
    from sqlalchemy import func, select

    from app.db import open_database, sqlite_url

    path = demo_database(scale)
    db = open_database(sqlite_url(path))
    with db.session() as s:
        rows = s.scalar(select(func.count()).select_from(model))
    db.dispose()
    if rows:
        return path
    return demo_database(scale, Path(tempfile.gettempdir()) / "desk-bench" / f"{name}-{schema_head()}")
