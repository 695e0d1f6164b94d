"""Helper for tests/test_crash.py (not a test): adds residents until it is killed.

Usage: python tests/crash_writer.py DATABASE PREFIX

Prints "LOADED" once the program's modules are imported, then waits for "go" on
stdin (so that the parent can start the next writer's slow imports while the
current one is still running). Then it adds residents named PREFIX-1,
PREFIX-2 … one transaction each, and prints each name only AFTER its commit
has returned: every name printed is a promise that the row is in the database.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import open_database, sqlite_url  # noqa: E402
from app.services import residents  # noqa: E402
from app.services.access import ADMINISTRATOR, Actor  # noqa: E402
from app.services.residents import ResidentInput  # noqa: E402

ADMIN = Actor("crash-writer", ADMINISTRATOR)


def main() -> None:
    path, prefix = sys.argv[1], sys.argv[2]
    sys.stdout.write("LOADED\n")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != "go":
        return
    db = open_database(sqlite_url(path))
    n = 0
    while True:
        n += 1
        name = f"{prefix}-{n}"
        residents.add_resident(db, ResidentInput(name=name), actor=ADMIN)  # committed when it returns
        sys.stdout.write(name + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
