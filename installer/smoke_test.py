"""Run the built bundle the way a centre would, and fail loudly if any part of it is missing.

    python installer/smoke_test.py [dist/NeighbourhoodDesk-<version>]

Checks, against the bundle (not the checkout): its size against the budget; `--version` of both
programs equals the package's version; `demo` on a new database; `print` of every form that
app/features.py registers, with each form's sample options (so a new form is covered the day it
is added); `export residents`; the window opened offscreen by `self-test` with no error in the
log; and that a database from a newer release is refused untouched. CI runs it after the tests
(`./desk bundle` builds the bundle first). Exit 0 when every check passed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import APP_ID, __version__, features  # noqa: E402

SIZE_BUDGET_MB = 250  # unpacked
TIMEOUT = 300  # seconds for one command of the bundle


class SmokeFailure(Exception):
    pass


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def program(bundle: Path, name: str) -> Path:
    path = bundle / (name + (".exe" if os.name == "nt" else ""))
    if not path.is_file():
        raise SmokeFailure(f"{path} is missing")
    return path


def run(cli: Path, home: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"),
           # Windows: platformdirs asks the system for the folder unless told otherwise.
           "WIN_PD_OVERRIDE_LOCAL_APPDATA": str(home / "data")}
    started = time.monotonic()
    done = subprocess.run([str(cli), *args], capture_output=True, text=True, encoding="utf-8", errors="replace",
                          env=env, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    took = time.monotonic() - started
    if done.returncode != expect:
        raise SmokeFailure(f"{' '.join(args)}: exit {done.returncode} (expected {expect})\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    print(f"  ok  {' '.join(args)[:90]}  ({took:.1f} s)")
    return done


def samples(database: Path) -> dict[str, list[str]]:
    """Each form's sample options, read from the demo database with the checkout's services."""
    from app.db import open_database, sqlite_url

    db = open_database(sqlite_url(database), migrate=False)
    try:
        return {name: features.resolve(form.sample)(db) if form.sample else []
                for name, (_feature, form) in features.forms().items()}
    finally:
        db.dispose()


def check(bundle: Path) -> None:
    size = folder_size(bundle) / 2**20
    print(f"bundle {bundle}: {size:.0f} MB unpacked (budget {SIZE_BUDGET_MB} MB)")
    if size > SIZE_BUDGET_MB:
        raise SmokeFailure(f"the bundle is {size:.0f} MB, over the budget of {SIZE_BUDGET_MB} MB")
    window, cli = program(bundle, APP_ID), program(bundle, f"{APP_ID}-cli")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        home = work / "home"
        home.mkdir()
        for exe in (window, cli):
            shown = run(exe, home, "--version").stdout.strip()
            if shown != f"Neighbourhood Desk {__version__}":
                raise SmokeFailure(f"{exe.name} --version says {shown!r}, the package is {__version__}")
        db = work / "demo.sqlite3"
        run(cli, home, "--db", str(db), "demo")
        for name, args in samples(db).items():
            out = work / f"{name}.pdf"
            run(cli, home, "--db", str(db), "print", name, *args, "-o", str(out))
            if not out.read_bytes().startswith(b"%PDF") or out.stat().st_size < 1000:
                raise SmokeFailure(f"print {name} wrote no real PDF")
        xlsx = work / "residents.xlsx"
        run(cli, home, "--db", str(db), "export", "residents", "-o", str(xlsx))
        if not zipfile.is_zipfile(xlsx):
            raise SmokeFailure("export residents wrote no .xlsx")
        run(cli, home, "--db", str(db), "self-test", "--seconds", "3")
        log = home / "data" / APP_ID / "desk.log"
        errors = [line for line in log.read_text(encoding="utf-8").splitlines() if " ERROR " in line] \
            if log.exists() else []
        if errors:
            raise SmokeFailure("the log has errors:\n" + "\n".join(errors[:10]))
        # The PostgreSQL driver is in the bundle (several desks): a server that is not there is
        # refused with the program's own message, not "no module named psycopg".
        absent = run(cli, home, "--db", str(db), "copy-database", "--to",
                     "postgresql+psycopg://desk@/centre?host=/nonexistent-socket-folder", expect=2)
        if any(sign in absent.stderr for sign in ("No module", "Can't load plugin", "no pq wrapper", "libpq")):
            raise SmokeFailure(f"the PostgreSQL driver is missing from the bundle: {absent.stderr!r}")
        # A database from a newer release is refused, and left as it was.
        newer = work / "newer.sqlite3"
        shutil.copyfile(db, newer)
        with sqlite3.connect(newer) as con:
            con.execute("UPDATE alembic_version SET version_num = 'ffff_from_a_newer_release'")
        con.close()
        before = hashlib.sha256(newer.read_bytes()).hexdigest()
        refused = run(cli, home, "--db", str(newer), "demo", expect=2)
        if "newer version" not in refused.stderr and "更新版本" not in refused.stderr:
            raise SmokeFailure(f"a newer database was refused without saying why: {refused.stderr!r}")
        if hashlib.sha256(newer.read_bytes()).hexdigest() != before:
            raise SmokeFailure("a newer database was changed")


def main() -> int:
    bundle = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / f"{APP_ID}-{__version__}"
    try:
        check(bundle)
    except (SmokeFailure, subprocess.TimeoutExpired, OSError) as exc:
        print(f"BUNDLE SMOKE TEST FAILED: {exc}", file=sys.stderr)
        return 1
    print("bundle smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
