"""Moving a centre between databases (issue 17 §3): SQLite ⇄ PostgreSQL, or file to file.

Every table of the models is copied from the open source into an empty target at the same
schema revision, in one transaction on the target, then verified table by table (row count and
a checksum of canonical values that is the same on both kinds of database). The source is only
read, in one snapshot. Portable Core statements only: what is PostgreSQL-specific (the snapshot,
the id sequences) lives in app/db.py.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, String, Table, column, delete, func, insert, select, table, tuple_, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.db import Database
from app.errors import DeskError
from app.i18n import _
from app.models import Base

PAGE = 2000
_INT32 = 2 ** 31  # PostgreSQL's integer; SQLite's holds 64 bits


class CopyError(DeskError):
    """The copy was refused or failed; nothing was written to the target."""


@dataclass(frozen=True)
class TableSum:
    table: str
    rows: int
    checksum: str  # sha256 hex of the table's rows in primary-key order, values in a canonical text form


@dataclass
class CopyReport:
    source: str             # Database.label of the source (no password)
    target: str             # label of the target
    revision: str           # schema revision of both
    tables: list[TableSum]  # per table, as verified on the target (equal to the source's)
    rows: int               # total rows copied


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents first; alembic_version is not a model


def _canonical(value):
    """One value as both kinds of database give it back for the same data."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _row_text(row) -> bytes:
    return (json.dumps([_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _sorts_alike(tbl: Table) -> bool:
    """Whether the databases order this table's key alike: numbers and dates do; text follows
    each database's collation, so such tables (settings) are sorted here instead."""
    return not any(isinstance(c.type, String) for c in tbl.primary_key.columns)


class _Summer:
    """Row count and checksum of one table, fed its rows in primary-key order."""

    def __init__(self, tbl: Table):
        self.table = tbl
        self.rows = 0
        self._hash = hashlib.sha256()
        self._key = [tbl.columns.values().index(c) for c in tbl.primary_key.columns]
        self._held: list | None = None if _sorts_alike(tbl) else []

    def add(self, rows: Iterable) -> None:
        for row in rows:
            self.rows += 1
            if self._held is not None:
                self._held.append(tuple(row))
            else:
                self._hash.update(_row_text(row))

    def result(self) -> TableSum:
        if self._held is not None:  # code-point order, as SQLite's binary collation
            for row in sorted(self._held, key=lambda r: [r[i] for i in self._key]):
                self._hash.update(_row_text(row))
        return TableSum(self.table.name, self.rows, self._hash.hexdigest())


def _pages(connection, tbl: Table) -> Iterator[list]:
    """The table's rows in primary-key order, PAGE at a time (keyset: no OFFSET)."""
    key = list(tbl.primary_key.columns)
    last = None
    while True:
        query = select(tbl).order_by(*key).limit(PAGE)
        if last is not None:
            query = query.where(key[0] > last[0] if len(key) == 1 else tuple_(*key) > tuple_(*last))
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        if len(rows) < PAGE:
            return
        last = [getattr(rows[-1], c.key) for c in key]


def _table_sum(connection, tbl: Table) -> TableSum:
    summer = _Summer(tbl)
    for rows in _pages(connection, tbl):
        summer.add(rows)
    return summer.result()


def checksums(db: Database, *, connection=None) -> dict[str, TableSum]:
    """Every table of the models (not alembic_version): row count and checksum. Same result on SQLite and
    PostgreSQL for the same data (canonical values: None, int, str, bool as 0/1, date/datetime isoformat,
    bytes hex, float repr)."""
    if connection is not None:
        return {t.name: _table_sum(connection, t) for t in _tables()}
    with db.read_snapshot() as con:
        return {t.name: _table_sum(con, t) for t in _tables()}


_VERSION = table("alembic_version", column("version_num"))


def _revision(connection) -> str | None:
    try:
        return connection.execute(select(_VERSION.c.version_num)).scalar()
    except DBAPIError:
        return None


def _where(db: Database) -> tuple:
    """What names one database, for telling whether source and target are the same."""
    if db.path is not None:
        try:
            st = os.stat(db.path)
            return ("file", st.st_dev, st.st_ino)
        except OSError:
            return ("file", str(db.path))
    url = make_url(db.url)
    host = url.host or url.query.get("host") or ""
    return (url.get_backend_name(), host, url.port or "", url.database or "")


def _same(source: Database, target: Database) -> bool:
    return source is target or source.engine is target.engine or _where(source) == _where(target)


def _misfit(tbl: Table, rows: list[dict]) -> tuple[str, int] | None:
    """The first (column, row number) whose value PostgreSQL would refuse: text longer than its
    VARCHAR, an integer beyond 32 bits, a NUL character, text where a number belongs."""
    checks = []
    for col in tbl.columns:
        if isinstance(col.type, String):
            checks.append((col.key, "text", col.type.length))
        elif isinstance(col.type, Integer):
            checks.append((col.key, "int", None))
    for n, row in enumerate(rows):
        for key, kind, limit in checks:
            value = row[key]
            if value is None:
                continue
            if kind == "text":
                if not isinstance(value, str) or "\x00" in value or (limit and len(value) > limit):
                    return key, n
            elif isinstance(value, bool) or not isinstance(value, int) or not -_INT32 <= value < _INT32:
                return key, n
    return None


def _first_line(exc: DBAPIError) -> str:
    # The driver's first line only: PostgreSQL's DETAIL line may quote a row's values.
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


def _self_references(tbl: Table) -> list[str]:
    """Nullable columns that point at the same table (grids' parent, a ledger entry's reversal)."""
    return [c.key for c in tbl.columns if c.nullable
            and any(fk.column.table is tbl for fk in c.foreign_keys)]


def _copy_table(source_con, target_con, tbl: Table, *, strict: bool,
                summer: _Summer, done: Callable[[int], None]) -> None:
    keys = [c.key for c in tbl.columns]
    refs = _self_references(tbl)
    seen: set = set()   # ids already inserted, for the self-references
    later: list[tuple] = []  # (id, column, value): a row pointing at a row not yet inserted
    pk = tbl.primary_key.columns.values()[0] if refs else None
    for page in _pages(source_con, tbl):
        summer.add(page)
        rows = [dict(zip(keys, row)) for row in page]
        if strict:
            misfit = _misfit(tbl, rows)
            if misfit is not None:
                key, n = misfit
                raise CopyError(_("A value in the table {table}, column {column} (the row with the key {key}) "
                                  "does not fit the target database (too long or of the wrong kind); nothing "
                                  "was copied. Correct it in the source and copy again.").format(
                                      table=tbl.name, column=key,
                                      key=", ".join(str(page[n][i]) for i, c in enumerate(tbl.columns)
                                                    if c.primary_key)))
        for row in rows:
            if refs:
                for ref in refs:
                    if row[ref] is not None and row[ref] not in seen:
                        later.append((row[pk.key], ref, row[ref]))
                        row[ref] = None
                seen.add(row[pk.key])
        try:
            target_con.execute(insert(tbl), rows)
        except DBAPIError as exc:
            raise CopyError(_("The rows of the table {table} could not be written to the target database "
                              "({error}); nothing was copied.").format(table=tbl.name,
                                                                      error=_first_line(exc))) from None
        done(len(rows))
    for row_id, ref, value in later:
        target_con.execute(update(tbl).where(pk == row_id).values({ref: value}))


def is_empty(connection) -> bool:
    """No table of the models holds a row (alembic_version aside)."""
    return all(connection.execute(select(1).select_from(t).limit(1)).first() is None for t in _tables())


def copy_database(source: Database, target: Database, *, progress=None, replace: bool = False) -> CopyReport:
    """Copy every table from `source` into `target` in one transaction on the target, then verify row counts and
    checksums per table (against the source's, read in the same snapshot as the copy). The source is never written.
    Refuses (CopyError, a DeskError with a translated message; nothing written):
      - target at a different schema revision than the source;
      - target not empty (any table other than alembic_version has a row), unless replace=True (restore of a backup
        onto PostgreSQL: the target's rows are deleted in the same transaction first);
      - source and target the same database.
    `progress(done_rows, total_rows)` is called now and then (for the worker's progress bar and the CLI).
    After inserting into PostgreSQL, each table's id sequence is set past the largest id (through app/db.py, the only
    place with PostgreSQL-only SQL: `db.reset_sequences(connection)`)."""
    if _same(source, target):
        raise CopyError(_("The source and the target are the same database; nothing was copied."))
    strict = target.engine.url.get_backend_name() != "sqlite"  # SQLite keeps whatever it is given
    tables = _tables()
    with source.read_snapshot() as src:
        revision = _revision(src)
        with target.write_session() as session:
            dst = session.connection()
            if _revision(dst) != revision:
                raise CopyError(_("The target database is at another schema revision ({target}) than the source "
                                  "({source}); open both with the same version of the program first. Nothing was "
                                  "copied.").format(target=_revision(dst) or "-", source=revision or "-"))
            if not is_empty(dst):
                if not replace:
                    raise CopyError(_("The target database already holds data, so nothing was copied: a "
                                      "centre is copied only onto an empty database. If it is a new server "
                                      "database that the program has already started on, ask whoever looks "
                                      "after the server to recreate it empty, then copy before any desk "
                                      "starts on it."))
                for tbl in reversed(tables):  # children first
                    dst.execute(delete(tbl))
            total = sum(src.execute(select(func.count()).select_from(t)).scalar() for t in tables)
            done = 0

            def advance(n: int) -> None:
                nonlocal done
                done += n
                if progress is not None:
                    progress(done, total)

            if progress is not None:
                progress(0, total)
            sums = {}
            for tbl in tables:
                summer = _Summer(tbl)
                _copy_table(src, dst, tbl, strict=strict, summer=summer, done=advance)
                sums[tbl.name] = summer.result()
            target.reset_sequences(dst)
            copied = checksums(target, connection=dst)
            for tbl in tables:
                if copied[tbl.name] != sums[tbl.name]:
                    raise CopyError(_("The copy of the table {table} does not match the source ({source} rows, "
                                      "{target} in the copy); nothing was copied.").format(
                                          table=tbl.name, source=sums[tbl.name].rows,
                                          target=copied[tbl.name].rows))
    return CopyReport(source=source.label, target=target.label, revision=revision or "",
                      tables=[copied[t.name] for t in tables], rows=total)


def copy_to_server(source: Database, url: str, *, actor, progress=None) -> CopyReport:
    """Settings → Database server…: this desk's data onto the server's empty database, by an
    administrator, recorded in the target after verification as the command line's copy is."""
    from app.db import open_database
    from app.services import access, audit

    access.require(actor, access.BACKUP_COPY)  # everyone's personal data leaves with the copy
    target = open_database(url, allow_new=True, remember=False)
    try:
        report = copy_database(source, target, progress=progress)
        with target.session() as s:
            audit.record(s, actor, "restore", "database", None,
                         _("Copied from {source}").format(source=source.label))
    finally:
        target.dispose()
    return report
