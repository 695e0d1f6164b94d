"""The points tab's grids: residents' balances, one resident's statement, the voucher catalogue,
vouchers issued, and the participants of a service being recorded. Each is held whole (a centre has
hundreds of volunteers, not hundreds of thousands)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.i18n import N_, _, format_date, format_datetime, format_number
from app.services.points import (EARN, EXPIRED, ISSUED, REDEEMED, REFUND, REFUNDED, REVERSE, SPEND, VOIDED,
                                 BalanceRow, EntryRow, VoucherRow, VoucherTypeRow, points_text)
from app.views.shared.list_model import RowListModel

RED = QBrush(QColor("#b71c1c"))
GREY = QBrush(QColor("#757575"))
GREEN = QBrush(QColor("#1b5e20"))
BLUE = QBrush(QColor("#0d47a1"))
AMBER = QBrush(QColor("#8d6e00"))
STATUS_COLOURS = {ISSUED: BLUE, REDEEMED: GREEN, EXPIRED: AMBER, REFUNDED: GREY, VOIDED: GREY}


def day_text(day) -> str:
    return format_date(day, "short") if day else ""


def signed(points: int) -> str:
    """"+20" / "−120": a statement's movement."""
    return ("+" if points > 0 else "−" if points < 0 else "") + format_number(abs(points))



class BalanceTableModel(RowListModel):
    key_field = "resident_id"
    numeric = ("balance", "earned")
    columns = [
        ("name", N_("Name")),
        ("phone", N_("Phone")),
        ("balance", N_("Balance")),
        ("earned", N_("Earned in all")),
        ("last_day", N_("Last entry")),
    ]

    def _text(self, row: BalanceRow, key: str) -> str:
        if key in ("balance", "earned"):
            return format_number(getattr(row, key))
        if key == "last_day":
            return day_text(row.last_day)
        return super()._text(row, key)


def entry_what(row: EntryRow) -> str:
    """What an entry was for: the service and how long, the voucher, the reversal's entry."""
    if row.kind == EARN:
        parts = [row.service_type, row.quantity_text]
    elif row.kind in (SPEND, REFUND):
        parts = [row.note, row.voucher_code]
    else:
        parts = [_("reverses entry {n}").format(n=row.reverses_id)] if row.reverses_id else []
    return " ".join(p for p in parts if p)


class StatementTableModel(RowListModel):
    key_field = "id"
    numeric = ("points", "balance", "id")
    columns = [
        ("id", N_("No.")),
        ("day", N_("Date")),
        ("kind", N_("Entry")),
        ("what", N_("For")),
        ("points", N_("Points")),
        ("balance", N_("Balance")),
        ("note", N_("Note")),
        ("recorded_by", N_("By")),
    ]

    def _text(self, row: EntryRow, key: str) -> str:
        if key == "id":
            return str(row.id)
        if key == "day":
            return day_text(row.day)
        if key == "kind":
            if row.reversed_by_id is not None:
                return _("{kind} (reversed)").format(kind=row.kind_text)
            return row.kind_text
        if key == "what":
            return entry_what(row)
        if key == "points":
            return signed(row.points)
        if key == "balance":
            return format_number(row.balance) if row.balance is not None else ""
        if key == "note":
            return "" if row.kind in (SPEND, REFUND) else row.note  # a voucher's name is under "For"
        return super()._text(row, key)

    def _foreground(self, row: EntryRow, key: str):
        if row.reversed_by_id is not None or row.kind == REVERSE:
            return GREY
        if key == "points":
            return GREEN if row.points > 0 else RED
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            row = self.rows[index.row()]
            if row.reversed_by_id is not None and self.columns[index.column()][0] in ("points", "what"):
                font = QFont()
                font.setStrikeOut(True)  # reversed: still on the statement, no longer counting
                return font
            return None
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            row = self.rows[index.row()]
            text = _("Recorded {at} by {name}").format(at=format_datetime(row.created_at, "short"),
                                                       name=row.recorded_by)
            if row.reversed_by_id is not None:
                text += "\n" + _("Reversed by entry {n}").format(n=row.reversed_by_id)
            return text
        return super().data(index, role)


def stock_text(row: VoucherTypeRow) -> str:
    return _("no limit") if row.stock is None else format_number(row.stock)


def validity_text(row: VoucherTypeRow) -> str:
    text = _("{start} – {end}").format(start=day_text(row.valid_from), end=day_text(row.valid_to))
    if row.days_valid:
        text = _("{period}; {n} days after issue").format(period=text, n=format_number(row.days_valid))
    return text


class VoucherTypeTableModel(RowListModel):
    key_field = "id"
    numeric = ("points", "stock")
    columns = [
        ("name", N_("Voucher")),
        ("kind", N_("Kind")),
        ("merchant", N_("Honoured by")),
        ("points", N_("Points")),
        ("stock", N_("Stock left")),
        ("valid", N_("Valid")),
    ]

    def _text(self, row: VoucherTypeRow, key: str) -> str:
        if key == "kind":
            return row.kind_text
        if key == "points":
            return format_number(row.points)
        if key == "stock":
            return stock_text(row)
        if key == "valid":
            return validity_text(row)
        return super()._text(row, key)

    def _foreground(self, row: VoucherTypeRow, key: str):
        return RED if key == "stock" and row.stock == 0 else None


class VoucherTableModel(RowListModel):
    key_field = "id"
    numeric = ("points",)
    columns = [
        ("code", N_("Code")),
        ("resident", N_("Resident")),
        ("voucher_type", N_("Voucher")),
        ("merchant", N_("Honoured by")),
        ("points", N_("Points")),
        ("issued_at", N_("Issued")),
        ("expires_on", N_("Good until")),
        ("status", N_("Status")),
    ]

    def _text(self, row: VoucherRow, key: str) -> str:
        if key == "points":
            return format_number(row.points)
        if key == "issued_at":
            return day_text(row.issued_at.date())
        if key == "expires_on":
            return day_text(row.expires_on)
        if key == "status":
            if row.status == REDEEMED and row.redeemed_at is not None:
                return _("{status} {day}").format(status=row.status_text, day=day_text(row.redeemed_at.date()))
            return row.status_text
        return super()._text(row, key)

    def _foreground(self, row: VoucherRow, key: str):
        return STATUS_COLOURS.get(row.status) if key == "status" else None


@dataclass
class Participant:
    resident_id: int
    name: str
    phone: str  # masked unless the desk may see it


class ParticipantModel(RowListModel):
    """The residents a service is being recorded for: (resident_id, name, phone) rows."""

    key_field = "resident_id"
    columns = [("name", N_("Name")), ("phone", N_("Phone"))]


__all__ = ["BalanceTableModel", "StatementTableModel", "VoucherTypeTableModel", "VoucherTableModel",
           "Participant", "ParticipantModel", "points_text", "signed", "entry_what"]
