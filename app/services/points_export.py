"""Volunteer points to an Excel workbook, for the monthly report (issue 16).

Three sheets: the figures of any date range (points.figures); every resident's balance (as the tab
lists them: phones in full only for whoever may see them); the vouchers issued in the range with
what became of them. A voucher still usable has no code in the file — a list of usable codes would
be as good as the slips themselves. The file names people, so the export needs POINTS_VOUCHERS and
is recorded in the audit trail (the file is removed when it cannot be); services/xlsx.py writes it
(temporary file, renamed, 0600)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.db import Database
from app.i18n import N_, _
from app.services import access, audit, points, xlsx
from app.services.exporter import ExportError, record_or_remove

BALANCE_HEADERS = (N_("Record number"), N_("Name"), N_("Phone"), N_("Balance"), N_("Points earned"),
                   N_("Latest entry"))
VOUCHER_HEADERS = (N_("Voucher name"), N_("Kind of voucher"), N_("Honoured by"), N_("Holder"), N_("Points"),
                   N_("Issued at"), N_("Issued by"), N_("Good until"), N_("Status"), N_("Redeemed at"),
                   N_("Redeemed by"), N_("Voucher code"))


def figure_rows(f: points.PointsFigures) -> list[list]:
    """(label, value) lines of the figures."""
    rows: list[list] = [[_("First day"), f.date_from], [_("Last day"), f.date_to],
                        [_("Points earned"), f.earned]]
    rows += [[_("Points earned: {type}").format(type=name), value] for name, value in f.earned_by_type.items()]
    rows += [[_("Points spent on vouchers"), f.spent], [_("Points of expired vouchers returned"), f.refunded],
             [_("Points reversed (net)"), f.reversed], [_("Points outstanding on the last day"), f.outstanding],
             [_("Volunteers"), f.volunteers], [_("Volunteer hours"), f.volunteer_hours]]
    for label, counts in ((N_("Vouchers issued: {kind}"), f.vouchers_issued),
                          (N_("Vouchers redeemed: {kind}"), f.vouchers_redeemed),
                          (N_("Vouchers expired unused: {kind}"), f.vouchers_expired)):
        rows += [[_(label).format(kind=kind), count] for kind, count in counts.items()]
    rows += [[_("Vouchers redeemed at {merchant}").format(merchant=name), count]
             for name, count in f.redeemed_by_merchant.items()]
    return rows


def voucher_rows(db: Database, date_from: dt.date, date_to: dt.date, today: dt.date) -> list[list]:
    return [[v.voucher_type, _(points.VOUCHER_KINDS.get(v.kind, v.kind)), v.merchant, v.resident, v.points,
             v.issued_at.replace(microsecond=0), v.issued_by, v.expires_on, v.status_text,
             v.redeemed_at.replace(microsecond=0) if v.redeemed_at else None, v.redeemed_by,
             "" if v.status == points.ISSUED else v.code]
            for v in points.list_vouchers(db, date_from=date_from, date_to=date_to, on=today)]


def export_figures(db: Database, path: str | Path, date_from: dt.date, date_to: dt.date, *, actor: access.Actor,
                   today: dt.date | None = None) -> int:
    """Write the range's figures, every balance and the range's vouchers to `path`.

    Returns the number of residents with a points account."""
    access.require(actor, access.POINTS_VOUCHERS)
    if date_to < date_from:
        raise ExportError(_("The period ends before it starts."))
    today = today or dt.date.today()
    figures = points.figures(db, date_from, date_to, today=today)
    balances = [[b.resident_id, b.name, b.phone, b.balance, b.earned, b.last_day]
                for b in points.list_balances(db, actor=actor)]
    vouchers = voucher_rows(db, date_from, date_to, today)
    path = Path(path)
    xlsx.write_sheets(path, [
        xlsx.Sheet(_("Points figures"), [_("Figure"), _("Value")], figure_rows(figures)),
        xlsx.Sheet(_("Points balances"), [_(h) for h in BALANCE_HEADERS], balances, text_columns=(2,)),
        xlsx.Sheet(_("Vouchers"), [_(h) for h in VOUCHER_HEADERS], vouchers, text_columns=(11,)),
    ], error=ExportError)
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "points_entry", None, _(
        "Points figures {first} to {last} to {file}, with {residents} balances and {vouchers} vouchers").format(
            first=date_from.isoformat(), last=date_to.isoformat(), file=path.name, residents=len(balances),
            vouchers=len(vouchers))))
    return len(balances)
