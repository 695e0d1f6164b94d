"""Every figure of issue 12 ("Fast at town scale") beside its baseline, in one table.

Run from the project folder:  .venv/bin/python -m benchmarks [--quick] [--root DIR] [--only NAMES]
Each figure runs in its own process (offscreen Qt, a private copy of the cached demo database,
the data folder under /tmp/desk-bench), so no memory or Qt state carries over. `--root DIR`
measures another checkout (e.g. /tmp/before) with this harness, for interleaved before/after runs.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURES = ["startup", "keystroke", "search", "stalls", "idle", "cards", "memory"]
BY_SCALE = {"startup", "keystroke", "search"}  # the others are the town-scale figures
SCALES = ["town", "town-2x", "town-4x"]
# Rounds per figure: (full run, --quick).
ROUNDS = {"startup": (7, 3), "keystroke": (2, 1), "search": (3, 1), "stalls": (3, 1), "cards": (3, 1),
          "memory": (2, 1)}
IDLE_SECONDS = (30, 10)
FIGURE_OF = {"cards": "member-cards"}  # names in benchmarks/figures.py


def bytecode_state(root: Path) -> str:
    """How many of the program's modules have up-to-date bytecode in __pycache__."""
    sources = list((root / "app").rglob("*.py"))
    cached = 0
    for source in sources:
        pyc = Path(importlib.util.cache_from_source(str(source)))
        if pyc.exists() and pyc.stat().st_mtime >= source.stat().st_mtime:
            cached += 1
    return f"{cached}/{len(sources)} app modules have current .pyc"


def header(root: Path) -> list[str]:
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return [
        f"checkout: {root}",
        f"Python {platform.python_version()} ({sys.executable}); {os.cpu_count()} CPUs; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"bytecode: PYTHONDONTWRITEBYTECODE={flag or '(unset)'} here; the benchmark processes run without it "
        f"(bytecode written and reused, as an installed program has it); before the run: {bytecode_state(root)}",
    ]


def run_figure(name: str, scale: str, args, env: dict) -> list[dict]:
    quick = 1 if args.quick else 0
    command = [sys.executable, str(HERE / "figures.py"), FIGURE_OF.get(name, name), "--scale", scale]
    if name == "idle":
        command = [sys.executable, str(HERE / "figures.py"), "idle", "--scale", scale,
                   "--seconds", str(args.idle_seconds or IDLE_SECONDS[quick])]
    else:
        command += ["--rounds", str(args.rounds or ROUNDS[name][quick])]
    started = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(HERE), timeout=1800)
    except subprocess.TimeoutExpired:
        return [dict(figure=name, scale=scale, error="timed out after 30 min")]
    rows = [json.loads(line[4:]) for line in run.stdout.splitlines() if line.startswith("ROW ")]
    if run.returncode != 0 or not rows:
        tail = " | ".join(run.stderr.strip().splitlines()[-3:])
        return [dict(figure=name, scale=scale, error=f"exit {run.returncode}: {tail}")]
    for row in rows:
        row["seconds"] = time.perf_counter() - started
    return rows


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:.1f} ms"


def table(rows: list[dict]) -> list[str]:
    cells = [("figure", "scale", "baseline", "measured", "ratio", "target", "note")]
    for row in rows:
        if "error" in row:
            cells.append((row["figure"], row["scale"], "—", "FAILED", "—", "", row["error"][:160]))
            continue
        base, value, unit = row["baseline"], row["measured"], row["unit"]
        ratio = f"{value / base:.1f}×" if base and value is not None else "—"
        cells.append((row["figure"], row["scale"], number(base, unit), number(value, unit), ratio,
                      row["target"], row.get("note", "")))
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(len(c))) + " |" for c in cells]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the checkout to measure")
    parser.add_argument("--only", help=f"comma-separated figures: {','.join(FIGURES)}")
    parser.add_argument("--scales", default=",".join(SCALES), help="for start-up, keystroke and search")
    parser.add_argument("--rounds", type=int, help="rounds for every figure (default: per figure)")
    parser.add_argument("--idle-seconds", type=int, help=f"idle window time (default {IDLE_SECONDS[0]} s)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, town scale only")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    root = args.root.resolve()
    names = args.only.split(",") if args.only else FIGURES
    unknown = set(names) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    scales = ["town"] if args.quick else args.scales.split(",")
    bench_dir = Path(tempfile.gettempdir()) / "desk-bench"
    (bench_dir / "xdg").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESK_BENCH_ROOT": str(root),
           "XDG_DATA_HOME": str(bench_dir / "xdg")}  # the data folder (known databases, log) stays here
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    lines = header(root)
    print("\n".join(lines), flush=True)
    rows: list[dict] = []
    for name in names:
        for scale in (scales if name in BY_SCALE else ["town"]):
            print(f"… {name} at {scale}", file=sys.stderr, flush=True)
            rows += run_figure(name, scale, args, env)
    lines += ["", *table(rows), "", f"after the run: {bytecode_state(root)}; "
              "ratio = measured / baseline; stalls are the longest gap of a 4 ms GUI-thread timer"]
    print("\n".join(lines[3:]))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
