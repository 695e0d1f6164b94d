"""Command line (see shared/CLI.md): the same services as the window."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from app import __version__
from app.errors import DeskError
from app.i18n import _, format_number, set_language


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, exit 2
        self.exit(2, _("Invalid command line: {detail}").format(detail=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
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
    prn.add_argument("form", choices=PRINTABLE_FORMS, help=_(
        "the form: registration, roster, member-cards, receipt, dispatch-slip, authorisation or ledger"))
    prn.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help=_("the file to write"))
    prn.add_argument("--resident", type=int, action="append", metavar="ID",
                     help=_("record number of a resident (registration, member-cards); may repeat"))
    prn.add_argument("--estate", help=_("only residents of this estate (roster, member-cards)"))
    prn.add_argument("--grid", help=_("only residents or tickets of this grid and the grids below it"))
    prn.add_argument("--tag", help=_("only residents with this tag"))
    prn.add_argument("--include-inactive", action="store_true", help=_("include deactivated residents"))
    prn.add_argument("--ticket", metavar="NUMBER",
                     help=_("the ticket number, such as FW202611-0042 (receipt, dispatch-slip, authorisation)"))
    prn.add_argument("--from", dest="date_from", type=_date_argument, metavar="YYYY-MM-DD",
                     help=_("ledger: first day of receipt (default: the first day of this month)"))
    prn.add_argument("--to", dest="date_to", type=_date_argument, metavar="YYYY-MM-DD",
                     help=_("ledger: last day of receipt (default: the last day of this month)"))
    prn.add_argument("--category", metavar="NAME", help=_("ledger: only tickets of this kind of request"))
    prn.add_argument("--status", choices=LEDGER_STATUSES,
                     help=_("ledger: only tickets in this status; open: not yet resolved"))

    bak = commands.add_parser("backup", parents=[common], help=_("back up the database"))
    bak.add_argument("--to", metavar="DIR", help=_("folder for the backup (e.g. a USB stick); outside the "
                                                   "program's folder the backup is encrypted with a "
                                                   "passphrase read from standard input"))
    res = commands.add_parser("restore", parents=[common], help=_("restore the database from a backup"))
    res.add_argument("file", metavar="FILE", help=_("the backup file"))

    users = commands.add_parser("users", parents=[common], help=_("staff accounts"))
    users_what = users.add_subparsers(dest="what", required=True, parser_class=_Parser)
    users_add = users_what.add_parser("add", parents=[common], help=_(
        "add a staff account (also to regain access when no administrator can sign in); "
        "the password is read from standard input"))
    users_add.add_argument("name", metavar="NAME", help=_("the user name to sign in with"))
    users_add.add_argument("--role", required=True, metavar="ROLE",
                           help=_("administrator, desk, grid_worker or viewer"))
    users_add.add_argument("--display-name", default="", metavar="TEXT", help=_("the name shown to others"))
    return parser


PRINTABLE_FORMS = ["registration", "roster", "member-cards",  # app.services.printing.FORMS
                   "receipt", "dispatch-slip", "authorisation", "ledger"]
TICKET_FORMS = ("receipt", "dispatch-slip", "authorisation")
# app.services.printing.LEDGER_STATUSES (the parser is built before anything heavy is imported)
LEDGER_STATUSES = ["received", "dispatched", "handling", "resolved", "followed_up", "archived", "open"]


def _date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a date; write it as YYYY-MM-DD.").format(
            value=text)) from None


def database_url(args: argparse.Namespace) -> str:
    from app.db import sqlite_url
    from app.paths import default_database_path

    if args.database_url:
        return args.database_url
    return sqlite_url(args.db or default_database_path())


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
        print(_("Demo data added ({scale}): {count} residents, {tickets} service counter tickets.").format(
            scale=_(SCALES[args.scale]), count=format_number(summary.residents),
            tickets=format_number(summary.tickets)))
    else:
        print(_("This database already holds demo data ({scale}); nothing was added.").format(
            scale=_(SCALES.get(summary.scale, summary.scale))))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import access, importer
    from app.services.importer import ImportFileError, import_residents

    source = Path(args.file)
    if not source.exists():  # before the database is opened (or created)
        raise ImportFileError(_("The file {path} does not exist.").format(path=source))
    rejects = Path(args.rejects) if args.rejects else None
    if rejects is None and not args.dry_run:
        rejects = importer.default_rejects_path(source)
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

    target = Path(args.output)
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


def _find_named(db, model, name: str, what: str) -> int:
    """The id of the grid or tag called `name` (or with that record number)."""
    from sqlalchemy import select

    from app.errors import NotFoundError

    with db.session() as s:
        found = list(s.scalars(select(model.id).where(model.name == name)))
        if not found and name.isdigit() and s.get(model, int(name)) is not None:
            found = [int(name)]
    if len(found) != 1:
        message = (_("There is no {what} called {name}.") if not found
                   else _("Several {what}s are called {name}; give its record number instead."))
        raise NotFoundError(message.format(what=what, name=name))
    return found[0]


def _write_atomically(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + ".part")
    try:
        temp.write_bytes(data)
        temp.replace(path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise DeskError(_("The file could not be saved: {error}").format(error=exc.strerror)) from exc


def cmd_print(args: argparse.Namespace) -> int:
    if args.form in TICKET_FORMS and not args.ticket:  # before the database is opened (or created)
        raise DeskError(_("This form needs --ticket with the ticket number."))
    from app.db import open_database
    from app.models import Grid, RequestCategory, Tag
    from app.services import counter, printing

    db = open_database(database_url(args))
    try:
        grid_id = _find_named(db, Grid, args.grid, _("grid")) if args.grid else None
        if args.form in TICKET_FORMS:
            ticket_id = counter.find_ticket_id(db, args.ticket)
            form = {"receipt": printing.receipt_pdf, "dispatch-slip": printing.dispatch_slip_pdf,
                    "authorisation": printing.authorisation_pdf}[args.form]
            pdf = form(db, ticket_id)
        elif args.form == "ledger":
            first, last = printing.month_of(dt.date.today())
            category_id = (_find_named(db, RequestCategory, args.category, _("kind of request"))
                           if args.category else None)
            pdf = printing.ledger_pdf(db, printing.LedgerFilter(
                args.date_from or first, args.date_to or last, category_id, args.status, grid_id))
        else:
            flt = printing.ResidentFilter(
                estate=args.estate, include_inactive=args.include_inactive, grid_id=grid_id,
                tag_id=_find_named(db, Tag, args.tag, _("tag")) if args.tag else None)
            if args.form == "registration":
                if not args.resident or len(args.resident) != 1:
                    raise DeskError(_("The registration form needs exactly one --resident."))
                pdf = printing.registration_pdf(db, args.resident[0])
            elif args.form == "roster":
                pdf = printing.roster_pdf(db, flt)
            else:
                pdf = printing.member_cards_pdf(db, args.resident or flt.ids(db))
    finally:
        db.dispose()
    _write_atomically(Path(args.output), pdf)
    print(_("Written to {path}.").format(path=args.output))
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


def cmd_backup(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services import backup

    db = open_database(database_url(args))
    try:
        passphrase = None
        if args.to and not backup.is_private_folder(args.to):
            print(backup.passphrase_warning(), file=sys.stderr)  # before the passphrase is chosen
            passphrase = _read_passphrase(confirm=True)
        result = backup.backup_now(db, folder=args.to, passphrase=passphrase)
    finally:
        db.dispose()
    print(_("Backup written to {path}.").format(path=result.path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from app.services import backup

    url = make_url(database_url(args))
    if url.get_backend_name() != "sqlite" or not url.database:
        raise DeskError(_("Only a database file can be restored here; a database server restores "
                          "its own backups."))
    source = Path(args.file)
    passphrase = _read_passphrase() if backup.is_encrypted(source) else None
    result = backup.restore(url.database, source, passphrase=passphrase)
    from app.db import open_database

    db = open_database(database_url(args))  # migrates an older backup; records the restore
    try:
        backup.record_restore(db, None, result)
    finally:
        db.dispose()
    if result.safety_copy:
        print(_("The database as it was is kept in {path}.").format(path=result.safety_copy))
    print(_("Restored from {path}.").format(path=source))
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
    password = _read_new_password()
    accounts.check_password_rules(password)
    db = open_database(database_url(args))
    try:
        accounts.add_administrator_for_recovery(db, args.name, password, display_name=args.display_name,
                                                role=args.role)
    finally:
        db.dispose()
    print(_("Staff account {name} added with the role {role}.").format(
        name=accounts.clean_username(args.name), role=_(access.ROLES[args.role])))
    return 0


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
    args = build_parser().parse_args(argv)
    if args.command is None:
        from app.views.gui import run_gui

        return run_gui(database_url(args), args.lang)
    handlers = {"demo": cmd_demo, "import": cmd_import, "export": cmd_export, "print": cmd_print,
                "backup": cmd_backup, "restore": cmd_restore, "users": cmd_users}
    try:
        return handlers[args.command](args)
    except DeskError as exc:
        print(" ".join(exc.message.splitlines()), file=sys.stderr)  # one line
        return 2
