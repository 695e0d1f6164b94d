"""The alliance's grids: the merchants, a merchant's history and commitments, complaints and a
quarter's ranking. Each is short and held whole (a centre has tens of shops, not thousands)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.i18n import N_, _, format_date, format_datetime, format_number
from app.services.alliance import (APPLIED, LEFT, MEMBER, REJECTED, REVIEWING, STATUSES, SUSPENDED, CommitmentRow,
                                   ComplaintRow, EventRow, MerchantRow, RankingRow, average_text)
from app.views.shared.list_model import RowListModel

RED = QBrush(QColor("#b71c1c"))
GREY = QBrush(QColor("#757575"))
AMBER = QBrush(QColor("#8d6e00"))
BLUE = QBrush(QColor("#0d47a1"))
GREEN = QBrush(QColor("#1b5e20"))
STATUS_COLOURS = {APPLIED: BLUE, REVIEWING: AMBER, MEMBER: GREEN, REJECTED: GREY, SUSPENDED: RED, LEFT: GREY}


def day_text(day) -> str:
    return format_date(day, "short") if day else ""


def status_text(status: str) -> str:
    return _(STATUSES[status]) if status in STATUSES else status


class MerchantTableModel(RowListModel):
    key_field = "id"
    columns = [
        ("name", N_("Shop")),
        ("status", N_("Status")),
        ("business_type", N_("Business type")),
        ("batch", N_("Batch")),
        ("contact", N_("Contact")),  # the address is on the shop's page; the search finds it
    ]

    def _text(self, row: MerchantRow, key: str) -> str:
        if key == "status":
            return row.status_text
        return super()._text(row, key)

    def _foreground(self, row: MerchantRow, key: str):
        return STATUS_COLOURS.get(row.status) if key == "status" else None


class EventTableModel(RowListModel):
    key_field = "at"
    columns = [
        ("day", N_("Date")),
        ("action", N_("Step")),
        ("to_status", N_("Status")),
        ("by", N_("By")),
        ("reason", N_("Why")),
    ]

    def _text(self, row: EventRow, key: str) -> str:
        if key == "day":
            return day_text(row.day)
        if key == "action":
            return row.action_text
        if key == "to_status":
            return status_text(row.to_status)
        return super()._text(row, key)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            # When it was written, to the minute: the day column is the day the move took effect.
            row = self.rows[index.row()]
            return _("Recorded {at} by {name}").format(at=format_datetime(row.at, "short"), name=row.by)
        return super().data(index, role)


class CommitmentTableModel(RowListModel):
    key_field = "id"
    columns = [
        ("type_name", N_("Service")),
        ("detail", N_("Detail")),
        ("frequency", N_("How often")),
        ("since", N_("Starts on")),
        ("until", N_("Ends on")),
    ]

    def _text(self, row: CommitmentRow, key: str) -> str:
        if key in ("since", "until"):
            return day_text(getattr(row, key))
        return super()._text(row, key)


class ComplaintTableModel(RowListModel):
    """Complaints; `with_merchant` False on a merchant's own page (the shop's name is the heading)."""

    key_field = "id"
    all_columns = [
        ("received_on", N_("Received on")),
        ("merchant", N_("Shop")),
        ("complainant", N_("Complainant")),
        ("complainant_phone", N_("Phone")),
        ("what", N_("Complaint")),
        ("resolved_on", N_("Resolved on")),
        ("resolution", N_("How it was resolved")),
    ]

    def __init__(self, parent=None, *, with_merchant: bool = True):
        super().__init__(parent)
        self.columns = [c for c in self.all_columns if with_merchant or c[0] != "merchant"]

    def _text(self, row: ComplaintRow, key: str) -> str:
        if key == "received_on":
            return day_text(row.received_on)
        if key == "resolved_on":
            return day_text(row.resolved_on) if row.resolved_on else _("Open")
        return super()._text(row, key)

    def _foreground(self, row: ComplaintRow, key: str):
        return RED if key == "resolved_on" and row.resolved_on is None else None


def open_first(rows: list[ComplaintRow]) -> list[ComplaintRow]:
    """Open complaints first, the oldest at the top (the longest waiting); then the resolved, newest first."""
    open_ = sorted((r for r in rows if r.resolved_on is None), key=lambda r: (r.received_on, r.id))
    done = sorted((r for r in rows if r.resolved_on is not None), key=lambda r: (r.received_on, r.id), reverse=True)
    return open_ + done


class RankingTableModel(RowListModel):
    key_field = "merchant_id"
    columns = [
        ("rank", N_("Rank")),
        ("merchant", N_("Shop")),
        ("average", N_("Average")),
        ("evaluators", N_("Evaluators")),
        ("by_criterion", N_("By criterion")),
    ]

    def _text(self, row: RankingRow, key: str) -> str:
        if key == "rank":
            return format_number(row.rank)
        if key == "average":
            return average_text(row.average)  # 8.00 beside 7.13, as the printed ranking has it
        if key == "evaluators":
            return format_number(row.evaluators)
        if key == "by_criterion":
            return _("; ").join("{} {}".format(name, format_number(round(score, 1)))
                                for name, score in row.by_criterion.items())
        return super()._text(row, key)
