"""Alembic environment.

The program passes an open connection in config.attributes (app/db.py). From the
command line (alembic.ini at the project root), the database is, in this order:
`-x db=URL`, the environment variable DESK_DATABASE_URL, `sqlalchemy.url` in
alembic.ini, or else a throw-away SQLite database upgraded to head, so that
`alembic revision --autogenerate -m "..."` and `alembic check` compare the models
with the migrations on a fresh clone.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from logging.config import fileConfig
from pathlib import Path

from alembic import context

from app.models import Base

config = context.config
connection = config.attributes.get("connection")
cleanup = []
if connection is None:  # the alembic command line
    from app.db import build_engine, sqlite_url

    if config.cmd_opts is not None and config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)  # "Detected added table …"

    url = (context.get_x_argument(as_dictionary=True).get("db") or os.environ.get("DESK_DATABASE_URL")
           or config.get_main_option("sqlalchemy.url"))
    if not url:
        # A throw-away database at head. Made by the program itself in another process:
        # an Alembic command cannot run inside this one.
        folder = tempfile.mkdtemp(prefix="desk-alembic-")
        cleanup.append(lambda: shutil.rmtree(folder, ignore_errors=True))
        url = sqlite_url(Path(folder) / "head.sqlite3")
        root = str(Path(__file__).resolve().parents[2])
        subprocess.run([sys.executable, "-c", "import sys; from app.db import open_database; "
                        "open_database(sys.argv[1]).dispose()", url],
                       check=True, cwd=root, env=dict(os.environ, PYTHONPATH=root))
    engine = build_engine(url)
    cleanup.insert(0, engine.dispose)
    connection = engine.connect()
    cleanup.insert(0, connection.close)
    if engine.url.get_backend_name() == "sqlite":
        # Batch mode copies and drops tables; with foreign keys on, the drop would cascade
        # (app/db.py upgrade() does the same).
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()

try:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
finally:
    for step in cleanup:
        step()
