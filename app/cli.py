"""Command line (see docs/CLI.md): the same services as the window."""
from __future__ import annotations

import argparse
import contextlib
import gc
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from app import __version__, features
from app.errors import DatabaseError, DeskError
from app.i18n import _, format_number, format_percent, set_language, translate_argparse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, exit 2
        self.exit(2, _("Invalid command line: {detail}").format(detail=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    translate_argparse()  # argparse's own words (usage, options, errors) in the interface language
    parser = _Parser(prog="main.py", description=_("Neighbourhood Desk (邻里中心前台)"))
    parser.add_argument("--version", action="version", version=f"Neighbourhood Desk {__version__}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="PATH", help=_("SQLite database file"))
    where.add_argument("--database-url", metavar="URL", help=_("SQLAlchemy database URL"))
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=_("interface language"))
    # --lang is also accepted after the command (main.py demo --lang en).
    common = _Parser(add_help=False)
    common.add_argument("--lang", choices=["zh_CN", "en"], default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = commands.add_parser("demo", parents=[common], help=_("fill realistic demo data"))
    demo.add_argument("--scale", choices=["village", "town"], default="village")
    demo.add_argument("--seed", type=int, default=1)

    imp = commands.add_parser("import", parents=[common], help=_("import data from a spreadsheet"))
    imp_what = imp.add_subparsers(dest="what", required=True, parser_class=_Parser)
    imp_res = imp_what.add_parser("residents", parents=[common],
                                  help=_("import residents from an .xlsx or .csv file"))
    imp_res.add_argument("file", metavar="FILE", help=_("the .xlsx or .csv file to import"))
    imp_res.add_argument("--dry-run", action="store_true",
                         help=_("check the file and report what would happen; change nothing"))
    imp_res.add_argument("--rejects", metavar="OUT.xlsx",
                         help=_("where to write the rejected rows (default: FILE-rejects.xlsx)"))
    imp_res.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    exp = commands.add_parser("export", parents=[common], help=_("export data to a spreadsheet"))
    exp_what = exp.add_subparsers(dest="what", required=True, parser_class=_Parser)
    exp_res = exp_what.add_parser("residents", parents=[common], help=_("export residents to .xlsx"))
    exp_res.add_argument("-o", "--output", metavar="FILE.xlsx", required=True, help=_("the file to write"))
    exp_res.add_argument("--full", action="store_true",
                         help=_("full ID and phone numbers instead of masked ones (administrators only)"))
    exp_res.add_argument("--query", default="", help=_("only residents matching this search"))
    exp_res.add_argument("--include-inactive", action="store_true", help=_("include deactivated residents"))

    prn = commands.add_parser("print", parents=[common], help=_("write a printable form as PDF"))
    forms = features.forms()
    prn.add_argument("form", choices=list(forms), help=_("the form: {forms}").format(forms=", ".join(forms)))
    prn.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help=_("the file to write"))
    added: set[str] = set()
    for feature in features.FEATURES:  # each feature brings the options of its forms
        for option in feature.print_options:
            if option.flags[0] in added:
                continue
            added.add(option.flags[0])
            kwargs = dict(option.kwargs)
            if kwargs.get("type") == "date":
                kwargs["type"] = _date_argument
            elif kwargs.get("type") is int:  # record numbers: what an SQLite integer holds
                kwargs["type"] = _record_number
            prn.add_argument(*option.flags, help=_(option.help), **kwargs)

    rep = commands.add_parser("report", parents=[common], help=_("write the monthly or annual report as PDF"))
    rep_what = rep.add_subparsers(dest="what", required=True, parser_class=_Parser)
    rep_month = rep_what.add_parser("monthly", parents=[common], help=_("the report of one month"))
    rep_month.add_argument("month", metavar="YYYY-MM", help=_("the month, such as 2026-11"))
    rep_year = rep_what.add_parser("annual", parents=[common], help=_("the report of one year"))
    rep_year.add_argument("year", metavar="YYYY", help=_("the year, such as 2026"))
    for sub in (rep_month, rep_year):
        sub.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help=_("the file to write"))
        sub.add_argument("--xlsx", metavar="FILE.xlsx", help=_("also write the figures to this workbook"))
        sub.add_argument("--notes", default="", metavar="TEXT", help=_("the notes printed in the report"))
        sub.add_argument("--prepared-by", default="", metavar="NAME", help=_(
            "the name printed as 填报人 (without it the line is left blank to sign by hand)"))

    bak = commands.add_parser("backup", parents=[common], help=_("back up the database"))
    bak.add_argument("--to", metavar="DIR", help=_("folder for the backup (e.g. a USB stick); outside the "
                                                   "program's folder an administrator's name and password, "
                                                   "then a passphrase to encrypt it, are read from standard "
                                                   "input"))
    bak.add_argument("--recovery", action="store_true", help=_(
        "no administrator can sign in: act as one without a password (recorded in the audit trail)"))
    res = commands.add_parser("restore", parents=[common], help=_(
        "restore the database from a backup (an administrator's name and password are read from "
        "standard input)"))
    res.add_argument("file", metavar="FILE", help=_("the backup file"))
    res.add_argument("--recovery", action="store_true", help=_(
        "no administrator can sign in (or the database cannot be opened): restore without signing "
        "in (recorded in the audit trail)"))

    cpy = commands.add_parser("copy-database", parents=[common], help=_(
        "copy the whole database into another, empty one (an SQLite file or PostgreSQL) and verify "
        "the copy; an administrator's name and password are read from standard input"))
    cpy.add_argument("--to", required=True, metavar="URL_OR_PATH", help=_(
        "the target: server (the centre's server this desk is set up for), a database URL "
        "(postgresql+psycopg://…) or the path of an SQLite file"))
    cpy.add_argument("--recovery", action="store_true", help=_(
        "no administrator can sign in: act as one without a password (recorded in the audit trail)"))

    check = commands.add_parser("self-test", parents=[common], help=_(
        "open the window offscreen for a few seconds, as the command line's user, and report any "
        "error (to check an installation)"))
    check.add_argument("--seconds", type=float, default=3.0, help=_("how long the window stays open"))

    users = commands.add_parser("users", parents=[common], help=_("staff accounts"))
    users_what = users.add_subparsers(dest="what", required=True, parser_class=_Parser)
    users_add = users_what.add_parser("add", parents=[common], help=_(
        "add a staff account (also to regain access when no administrator can sign in); "
        "the password is read from standard input"))
    users_add.add_argument("name", metavar="NAME", help=_("the user name to sign in with"))
    users_add.add_argument("--role", required=True, metavar="ROLE",
                           help=_("administrator, desk, grid_worker or viewer"))
    users_add.add_argument("--display-name", default="", metavar="TEXT", help=_("the name shown to others"))
    users_add.add_argument("--recovery", action="store_true", help=_(
        "required: this is the way back in when no administrator can sign in (recorded in the audit "
        "trail); otherwise an administrator adds staff in the program"))
    users_add.add_argument("--force", action="store_true", help=_(
        "add the account even though an active administrator exists"))
    return parser


def _date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a date; write it as YYYY-MM-DD.").format(
            value=text)) from None


def _record_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value < 2 ** 63:
        raise argparse.ArgumentTypeError(_("{value} is not a record number.").format(value=text))
    return value


def database_url(args: argparse.Namespace) -> str:
    """--database-url, --db, else the centre's server when this desk is set up for one
    (Settings → Database server…), else this computer's own SQLite file."""
    from app.paths import default_database_path, sqlite_url
    from app.services import server

    if args.database_url:
        return args.database_url
    if args.db:
        return sqlite_url(args.db)
    return server.configured_url() or sqlite_url(default_database_path())


def cmd_demo(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import access
    from app.services.demo import SCALES, fill_demo

    db = open_database(database_url(args))
    try:
        summary = fill_demo(db, args.scale, seed=args.seed, actor=access.current_os_actor())
    finally:
        db.dispose()
    if summary.added:
        print(_("Demo data added ({scale}): {parts}.").format(scale=_(SCALES[args.scale]),
                                                             parts=summary.describe()))
    else:
        print(_("This database already holds demo data ({scale}); nothing was added.").format(
            scale=_(SCALES.get(summary.scale, summary.scale))))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import access, importer
    from app.services.importer import ImportFileError, import_residents

    if not args.file.strip():
        raise ImportFileError(_("No file to import was given."))
    source = Path(args.file)
    if not source.exists():  # before the database is opened (or created)
        raise ImportFileError(_("The file {path} does not exist.").format(path=source))
    if not source.is_file():
        raise ImportFileError(_("{path} is not a file.").format(path=source))
    rejects = Path(args.rejects) if args.rejects else None
    if rejects is None and not args.dry_run:
        rejects = importer.default_rejects_path(source)
    if rejects is not None:
        from app.services.xlsx import check_target

        check_target(rejects, ImportFileError)
    db = open_database(database_url(args))
    try:
        result = import_residents(db, source, dry_run=args.dry_run, rejects_path=rejects,
                                  actor=access.current_os_actor())
    finally:
        db.dispose()
    if args.json:
        print(json.dumps({
            "imported": result.imported, "updated": result.updated, "unchanged": result.unchanged,
            "rejected": result.rejected,
            "rejects_file": str(result.rejects_file) if result.rejects_file else None,
            "unknown_columns": result.unknown_columns, "dry_run": result.dry_run}))
        return 0
    if result.dry_run:
        print(_("Dry run: nothing was written to the database."))
        print(_("Would be new: {imported}; updated: {updated}; unchanged: {unchanged}; "
                "rejected: {rejected}.").format(
                    imported=format_number(result.imported), updated=format_number(result.updated),
                    unchanged=format_number(result.unchanged), rejected=format_number(result.rejected)))
    else:
        print(_("New residents: {imported}; updated: {updated}; unchanged: {unchanged}; "
                "rejected: {rejected}.").format(
                    imported=format_number(result.imported), updated=format_number(result.updated),
                    unchanged=format_number(result.unchanged), rejected=format_number(result.rejected)))
    if result.unknown_columns:
        print(_("Columns not imported: {columns}").format(columns="、".join(result.unknown_columns)))
    for problem in result.problems[:5]:
        print(_("Row {row}: {reason}").format(row=problem.row, reason=problem.reason))
    if len(result.problems) > 5:
        print(_("… and {count} more rejected rows.").format(count=format_number(len(result.problems) - 5)))
    if result.rejects_file:
        print(_("Rejected rows were written to {path}; correct them there and import that file again.")
              .format(path=result.rejects_file))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import access
    from app.services.exporter import export_residents

    from app.services.xlsx import check_target

    target = check_target(args.output)
    actor = access.current_os_actor()
    access.require(actor, access.RESIDENTS_EXPORT)  # refused before the database is opened
    if args.full:
        access.require(actor, access.PERSONAL_DATA_FULL)
    db = open_database(database_url(args))
    try:
        count = export_residents(db, target, query=args.query, include_inactive=args.include_inactive,
                                 full=args.full, actor=actor)
    finally:
        db.dispose()
    print(_("Exported {count} residents to {path}.").format(count=format_number(count), path=target))
    if not args.full:
        print(_("ID numbers and phone numbers are masked."))
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`: only a new
    name or a regular file is ever replaced (never a device, a FIFO, a folder or a link)."""
    from app.services.xlsx import check_target

    path = check_target(path)
    temp = None
    try:
        # Private to the user from the first byte (mkstemp: mode 0600, a new file, no link
        # followed): forms carry names, phones and ID numbers.
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".part", dir=path.parent)
        with open(fd, "wb") as out:
            out.write(data)
        check_target(path)  # still not replaced by something else meanwhile
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        raise DeskError(_("The file could not be saved: {error}").format(
            error=exc.strerror or exc)) from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):  # cleanup never hides the error above
                os.unlink(temp)


def cmd_print(args: argparse.Namespace) -> int:
    needs = features.forms()[args.form][1].needs
    if needs and not getattr(args, needs[0], None):  # before the database is opened (or created)
        raise DeskError(_(needs[1]))
    from app.services.xlsx import check_target

    check_target(args.output)
    from app.db import open_database
    from app.services import printing

    db = open_database(database_url(args))
    try:
        pdf = printing.print_form(db, args.form, args)
    finally:
        db.dispose()
    _write_atomically(Path(args.output), pdf)
    print(_("Written to {path}.").format(path=args.output))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """`report monthly YYYY-MM` / `report annual YYYY`: the PDF, and the workbook with --xlsx."""
    from app.services import report
    from app.services.xlsx import check_target

    # Everything that can be refused is refused before the database is opened (or created).
    period = report.parse_month(args.month) if args.what == "monthly" else report.parse_year(args.year)
    check_target(args.output)
    if args.xlsx:
        check_target(args.xlsx)
    from app.db import open_database
    from app.reports import monthly_report
    from app.services import access, printing

    actor = access.current_os_actor()
    db = open_database(database_url(args))
    try:
        if args.what == "monthly":
            made = report.monthly(db, *period, actor=actor, notes=args.notes, prepared_by=args.prepared_by.strip())
            pdf = monthly_report.monthly_pdf(made, printing.letterhead(db))
        else:
            made = report.annual(db, period, actor=actor, notes=args.notes, prepared_by=args.prepared_by.strip())
            pdf = monthly_report.annual_pdf(made, printing.letterhead(db))
        _write_atomically(Path(args.output), pdf)
        print(_("Written to {path}.").format(path=args.output))
        if args.xlsx:
            write = report.monthly_xlsx if args.what == "monthly" else report.annual_xlsx
            write(made, args.xlsx, db=db, actor=actor)
            print(_("Written to {path}.").format(path=args.xlsx))
    finally:
        db.dispose()
    return 0


def _read_passphrase(confirm: bool = False) -> str:
    """The passphrase from standard input (one line), as scripts provide it; at a
    terminal it is typed without echo, twice when it is being chosen."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(_("Passphrase: "))
        if confirm and getpass.getpass(_("Passphrase again: ")) != first:
            raise DeskError(_("The two passphrases are not the same."))
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _read_line(prompt: str, secret: bool = False) -> str:
    """One line of standard input; at a terminal asked for with `prompt` (a secret without echo)."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        import getpass

        if secret:
            return getpass.getpass(prompt)
        print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().rstrip("\r\n")


def _administrator(db, args: argparse.Namespace, permission: str, what: str):
    """The administrator the window would ask for: a name and a password from standard input,
    or --recovery (nobody can sign in), which is recorded in the audit trail."""
    from app.services import access, accounts

    if args.recovery:
        accounts.record_recovery(db, what)
        return access.Actor(access.os_user_name(), access.ADMINISTRATOR)
    name = _read_line(_("Administrator's user name: "))
    if not name.strip():  # nothing piped in: not a wrong password
        raise DeskError(_("An administrator's user name and password are read from standard input, one "
                          "line each; or add --recovery when no administrator can sign in."))
    actor = accounts.login(db, name, _read_line(_("Password: "), secret=True))
    access.require(actor, permission)
    return actor


def cmd_backup(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import access, backup

    db = open_database(database_url(args))
    try:
        passphrase = actor = None
        if args.to and not backup.is_private_folder(args.to):
            actor = _administrator(db, args, access.BACKUP_COPY, _("Backup to {folder}").format(folder=args.to))
            print(backup.passphrase_warning(), file=sys.stderr)  # before the passphrase is chosen
            passphrase = _read_passphrase(confirm=True)
        if backup.is_server_database(db):  # a copy of the whole server: seconds to minutes
            print(_("Backing up {database} (copying the server's data into a file)…").format(database=db.label),
                  file=sys.stderr, flush=True)
        result = backup.backup_now(db, folder=args.to, passphrase=passphrase, actor=actor)
    finally:
        db.dispose()
    print(_("Backup written to {path}.").format(path=result.path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from app.services import backup

    url = make_url(database_url(args))
    source = Path(args.file)
    from app.db import open_database
    from app.services import access

    if url.get_backend_name() == "postgresql":  # restored in place, in one transaction
        db = open_database(database_url(args))
        try:
            actor = None if args.recovery else _administrator(db, args, access.BACKUP_RESTORE, "")
            passphrase = _read_passphrase() if backup.is_encrypted(source) else None
            result = backup.restore_database(db, source, passphrase=passphrase, audit_as=actor)
            if args.recovery:
                from app.services import accounts

                accounts.record_recovery(db, _("Restore from {path}").format(path=source))
        finally:
            db.dispose()
        print(_("The database as it was is kept in {path}.").format(path=result.safety_copy))
        print(_("Restored from {path}.").format(path=source))
        return 0
    if url.get_backend_name() != "sqlite" or not url.database:
        raise DeskError(_("Only a database file can be restored here; a database server restores "
                          "its own backups."))
    actor = None
    if not args.recovery:  # an administrator of the database being replaced signs in
        if not Path(url.database).is_file():
            raise DeskError(_("There is no database {path} to sign in to; to restore anyway, add "
                              "--recovery.").format(path=url.database))
        current = open_database(database_url(args))
        try:
            actor = _administrator(current, args, access.BACKUP_RESTORE, "")
        finally:
            current.dispose()
    passphrase = _read_passphrase() if backup.is_encrypted(source) else None
    result = backup.restore(url.database, source, passphrase=passphrase, audit_as=actor)  # records itself

    if args.recovery:
        db = open_database(database_url(args))
        try:
            from app.services import accounts

            accounts.record_recovery(db, _("Restore from {path}").format(path=source))
        finally:
            db.dispose()
    if result.safety_copy:
        print(_("The database as it was is kept in {path}.").format(path=result.safety_copy))
    print(_("Restored from {path}.").format(path=source))
    return 0


def _without_password(target: str) -> str:
    if "://" not in target:
        return target
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(target).render_as_string(hide_password=True)
    except ArgumentError:
        return "-"


def cmd_copy_database(args: argparse.Namespace) -> int:
    from app.db import open_database, sqlite_url
    from app.services import access, audit, database_copy

    if args.to == "server":  # the centre's server this desk is set up for (password from the credential store)
        from app.services import server

        target_url = server.configured_url()
        if target_url is None:
            raise DeskError(_("This desk is not set up for a database server: an administrator sets it up "
                              "under Settings → Database server… first."))
    else:
        target_url = args.to if "://" in args.to else sqlite_url(args.to)
    new_file = None if "://" in args.to or args.to == "server" else Path(args.to).expanduser()
    if new_file is not None and new_file.exists():
        new_file = None  # not ours to remove when the copy fails
    source = open_database(database_url(args))
    try:
        target = open_database(target_url, allow_new=True, remember=False)  # unreachable: before signing in
        step = [0]

        def progress(done: int, total: int) -> None:
            tenth = done * 10 // total if total else 10
            if tenth > step[0]:
                step[0] = tenth
                print(_("Copied {done} of {total} rows ({percent}).").format(
                    done=format_number(done), total=format_number(total), percent=format_percent(tenth / 10)),
                      file=sys.stderr)

        try:
            # Everyone's personal data leaves with the copy: an administrator, as for `backup --to`.
            # Their sign-in (or --recovery) is recorded in the source before its snapshot is read.
            actor = _administrator(source, args, access.BACKUP_COPY, _("Copy of the database to {target}").format(
                target=_without_password(args.to)))
            report = database_copy.copy_database(source, target, progress=progress)
            # In the target, after verification (so the checksums compared are the copy's): who
            # copied it from where. A later copy back starts from this target as its source.
            with target.session() as s:
                audit.record(s, actor, "restore", "database", None,
                             _("Copied from {source}").format(source=source.label))
        except BaseException:
            target.dispose()
            if new_file is not None:  # a file made for the copy goes again with a failed copy
                for suffix in ("", "-wal", "-shm", "-journal"):
                    with contextlib.suppress(OSError):
                        os.unlink(f"{new_file}{suffix}")
            raise
        target.dispose()
    finally:
        source.dispose()
    width = max(len(t.table) for t in report.tables)
    for t in report.tables:
        print(f"{t.table:<{width}}  {format_number(t.rows):>10}")
    print(_("{rows} rows in {tables} tables copied from {source} to {target}; the checksums of every table "
            "agree.").format(rows=format_number(report.rows), tables=format_number(len(report.tables)),
                             source=report.source, target=report.target))
    return 0


def _read_new_password() -> str:
    """A new password: one line of standard input, or typed twice at a terminal."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(_("Password: "))
        if getpass.getpass(_("The same password again: ")) != first:
            raise DeskError(_("The two passwords are not the same; nothing was changed."))
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.errors import ValidationError
    from app.services import access, accounts

    if args.role not in access.ROLES:  # checked before anything is read or opened
        raise ValidationError({"role": _("Unknown role {role}; choose one of: {roles}.").format(
            role=args.role, roles=", ".join(access.ROLES))})
    if not args.recovery:
        raise DeskError(_("Staff are added in the program by an administrator; the command line adds "
                          "an account only to regain access: add --recovery."))
    password = _read_new_password()
    accounts.check_password_rules(password)
    db = open_database(database_url(args))
    try:
        accounts.add_administrator_for_recovery(db, args.name, password, display_name=args.display_name,
                                                role=args.role, force=args.force)
    finally:
        db.dispose()
    print(_("Staff account {name} added with the role {role}.").format(
        name=accounts.clean_username(args.name), role=_(access.ROLES[args.role])))
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from app.views.gui import self_test

    return self_test(database_url(args), args.seconds)


# main.py turns the cycle collector off before importing this module (a faster start); a command
# turns it back on. Anyone else who calls main() (the tests) keeps the collector as they had it.
COLLECTOR_OFF_AT_START = not gc.isenabled()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The language must be known before argparse prints anything.
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    set_language(lang)
    try:
        try:
            args = build_parser().parse_args(argv)
            if args.command is None:
                from app.views.gui import run_gui

                # Without --db/--database-url the window decides, so it can offer to retry an
                # unreachable server or change its settings.
                return run_gui(database_url(args) if args.db or args.database_url else None, args.lang)
            if COLLECTOR_OFF_AT_START:
                gc.enable()  # main.py turned it off for the start-up; only the window collects on its own
            handlers = {"demo": cmd_demo, "import": cmd_import, "export": cmd_export, "print": cmd_print,
                        "report": cmd_report, "backup": cmd_backup, "restore": cmd_restore, "users": cmd_users,
                        "self-test": cmd_self_test, "copy-database": cmd_copy_database}
            return handlers[args.command](args)
        except Exception as exc:
            if not _database_stack_error(exc):
                raise
            # e.g. locked by another desk: no statement, no parameters
            reason = " ".join(str(getattr(exc, "orig", None) or type(exc).__name__).splitlines())
            raise DatabaseError(_("The database could not be used ({error}).").format(
                error=reason)) from None
    except DeskError as exc:
        print(" ".join(exc.message.splitlines()), file=sys.stderr)  # one line
        return 2
    except Exception as exc:  # noqa: BLE001 - the last resort: one line here, the traceback in the log
        where = _log_unexpected(exc)
        print(_("An unexpected error occurred ({error}); details in the log {path}.").format(
            error=type(exc).__name__, path=where), file=sys.stderr)
        return 1


def _database_stack_error(exc: BaseException) -> bool:
    """An SQLAlchemy error. Its module is not imported up front: the window's sign-in dialog opens
    before the database stack loads (views/gui.py); such an error exists only once it is loaded."""
    module = sys.modules.get("sqlalchemy.exc")
    return module is not None and isinstance(exc, module.SQLAlchemyError)


def _log_unexpected(exc: BaseException) -> str:
    """Append the traceback to the program's log (never to the terminal); returns where."""
    import traceback

    try:
        from app.paths import data_dir

        path = data_dir() / "desk.log"
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} ERROR app.cli: unexpected error\n")
            log.write("".join(traceback.format_exception(exc)))
        return str(path)
    except Exception:  # noqa: BLE001 - no log to write to: still no traceback on the terminal
        return "-"
