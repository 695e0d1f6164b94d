"""Command line (see shared/CLI.md): the same services as the window."""
from __future__ import annotations

import argparse
import sys

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
    return parser


def database_url(args: argparse.Namespace) -> str:
    from app.db import sqlite_url
    from app.paths import default_database_path

    if args.database_url:
        return args.database_url
    return sqlite_url(args.db or default_database_path())


def cmd_demo(args: argparse.Namespace) -> int:
    from app.db import open_database
    from app.services.demo import SCALES, fill_demo

    db = open_database(database_url(args))
    try:
        summary = fill_demo(db, args.scale, seed=args.seed)
    finally:
        db.dispose()
    if summary.added:
        print(_("Demo data added ({scale}): {count} residents.").format(
            scale=_(SCALES[args.scale]), count=format_number(summary.residents)))
    else:
        print(_("This database already holds demo data ({scale}); nothing was added.").format(
            scale=_(SCALES.get(summary.scale, summary.scale))))
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
    handlers = {"demo": cmd_demo}
    try:
        return handlers[args.command](args)
    except DeskError as exc:
        print(exc.message, file=sys.stderr)
        return 2
