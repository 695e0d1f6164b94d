"""The points tab's forms: issue a voucher to a resident (the balance and the cost shown before OK,
a refusal said plainly), redeem a scanned slip at the centre or a merchant, reverse a ledger entry
with its reason. Each form's `prepare()` returns the service call; the services check and write."""
from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from app.db import Database
from app.errors import ValidationError
from app.i18n import _, format_date, format_datetime
from app.services import points
from app.services.access import Actor
from app.services.points import ISSUED, VOUCHER_KINDS, EntryRow, VoucherRow, VoucherTypeRow, points_text
from app.views.points.model import entry_what, signed, stock_text
from app.views.shared.forms import FormDialog
from app.views.shared.widgets import field_row
from app.views.worker import run_in_background

TOPIC = "points"


def detail_table(lines: list[tuple[str, str]]) -> str:
    """Label / value lines as a small HTML table (values escaped)."""
    rows = "".join(f"<tr><td style='color:#666;padding-right:10px'>{html.escape(label)}</td>"
                   f"<td>{html.escape(value)}</td></tr>" for label, value in lines if value)
    return f"<table>{rows}</table>"


class IssueDialog(FormDialog):
    """A voucher from the catalogue for a resident: the balance, the cost and what is left are shown
    as the voucher is chosen; too few points or no stock is said before OK, and the service refuses
    it again (a second desk may have spent the points meanwhile)."""

    topic = TOPIC
    confirm_discard = False  # it only chooses: nothing typed to lose

    def __init__(self, db: Database, catalogue: list[VoucherTypeRow], parent: QWidget | None = None, *,
                 actor: Actor, resident: tuple[int, str] | None = None, voucher_type_id: int | None = None,
                 today: dt.date | None = None):
        self.db, self.actor = db, actor
        self.today = today or dt.date.today()
        self.resident_id = resident[0] if resident else None
        self.balance: int | None = None
        self.issued: VoucherRow | None = None
        self._asked = 0
        self.resident_label = QLabel(resident[1] if resident else _("(none chosen)"))
        self.choose_button = QPushButton(_("Choose…"))
        self.choose_button.clicked.connect(self.choose_resident)
        self.type_combo = QComboBox()
        for row in catalogue:
            self.type_combo.addItem(_("{name} — {merchant}, {points}").format(
                name=row.name, merchant=row.merchant, points=points_text(row.points)), row.id)
        self.catalogue = {row.id: row for row in catalogue}
        if voucher_type_id is not None and self.type_combo.findData(voucher_type_id) >= 0:
            self.type_combo.setCurrentIndex(self.type_combo.findData(voucher_type_id))
        self.type_combo.currentIndexChanged.connect(lambda _i: self._show_sum())
        self.sum_label = QLabel()
        self.sum_label.setObjectName("issueSum")
        self.sum_label.setWordWrap(True)
        super().__init__(_("Issue a voucher"), [
            (_("Resident"), "resident_id", field_row(self.resident_label, self.choose_button)),
            (_("Voucher"), "voucher_type_id", self.type_combo),
            ("", "sum", self.sum_label),
        ], parent, intro=_("The voucher's points are taken from the resident's balance; the slip is printed "
                           "next."), min_width=520)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Issue"))
        if not catalogue:
            self.sum_label.setText(_("No voucher can be issued today: the catalogue has none in use and valid."))
        self._load_balance()

    def current_type(self) -> VoucherTypeRow | None:
        return self.catalogue.get(self.type_combo.currentData())

    def choose_resident(self) -> None:
        from app.services import residents
        from app.views.shared.resident_picker import ResidentPickerDialog

        picker = ResidentPickerDialog(self.db, self)
        if picker.exec() and picker.chosen_id is not None:
            self.resident_id = picker.chosen_id
            self.resident_label.setText(residents.get_resident(self.db, picker.chosen_id).data.name)
            self.errors.clear_field("resident_id")
            self._load_balance()

    def _load_balance(self) -> None:
        self.balance = None
        self._show_sum()
        if self.resident_id is None:
            return
        self._asked += 1
        asked, db, rid = self._asked, self.db, self.resident_id

        def arrived(balance: int) -> None:
            if asked == self._asked:
                self.balance = balance
                self._show_sum()

        run_in_background(self, lambda _p: points.balance(db, rid), on_done=arrived, on_error=lambda _e: None)

    def _show_sum(self) -> None:
        row = self.current_type()
        if row is None:
            return
        ok = True
        cost = points_text(row.points)
        if self.resident_id is None:
            text = _("Costs {cost}. Choose the resident.").format(cost=cost)
        elif self.balance is None:
            text = _("Costs {cost}.").format(cost=cost)
        elif self.balance < row.points:
            ok = False
            text = _("{name} has {balance}; this voucher costs {cost}.").format(
                name=self.resident_label.text(), balance=points_text(self.balance), cost=cost)
        else:
            text = _("Balance {balance} − {cost} = {left} left.").format(
                balance=points_text(self.balance), cost=cost, left=points_text(self.balance - row.points))
        if row.stock == 0:
            ok = False
            text = _("“{name}” is out of stock.").format(name=row.name)
        elif row.stock is not None:
            text += " " + _("Stock left: {n}.").format(n=stock_text(row))
        self.sum_label.setText(text)
        self.sum_label.setStyleSheet("" if ok else "color: #b71c1c; font-weight: bold")

    def prepare(self):
        db, actor, rid, tid = self.db, self.actor, self.resident_id, self.type_combo.currentData()
        if rid is None:
            raise ValidationError({"resident_id": _("Please choose the resident.")})
        return lambda: points.issue_voucher(db, rid, tid, actor=actor)

    def saved(self, result) -> None:
        self.issued = result


def voucher_lines(row: VoucherRow) -> list[tuple[str, str]]:
    kind = _(VOUCHER_KINDS[row.kind]) if row.kind in VOUCHER_KINDS else row.kind
    status = row.status_text
    if row.redeemed_at is not None:
        status = _("{status} on {when} by {name}").format(status=status, when=format_datetime(row.redeemed_at,
                                                                                             "short"),
                                                          name=row.redeemed_by)
    return [
        (_("Code"), row.code),
        (_("Resident"), row.resident),
        (_("Voucher"), _("{name} ({kind})").format(name=row.voucher_type, kind=kind)),
        (_("Honoured by"), row.merchant),
        (_("Points"), points_text(row.points)),
        (_("Issued"), _("{when} by {name}").format(when=format_datetime(row.issued_at, "short"),
                                                   name=row.issued_by)),
        (_("Good until"), format_date(row.expires_on)),
        (_("Status"), status),
    ]


class RedeemDialog(FormDialog):
    """A scanned slip: the voucher, and where it is redeemed (the centre unless the desk chooses a
    merchant; the service refuses what the voucher does not allow)."""

    topic = TOPIC
    confirm_discard = False  # it only chooses: nothing typed to lose

    def __init__(self, db: Database, voucher: VoucherRow, merchants: list[tuple[int, str]],
                 parent: QWidget | None = None, *, actor: Actor, centre: str = ""):
        self.db, self.actor, self.voucher = db, actor, voucher
        self.result_row: VoucherRow | None = None
        self.detail = QLabel(detail_table(voucher_lines(voucher)))
        self.detail.setObjectName("voucherDetail")
        self.where_combo = QComboBox()
        self.where_combo.addItem(centre or _("The centre"), None)
        for mid, name in merchants:
            self.where_combo.addItem(name, mid)
        if voucher.merchant_id is not None and self.where_combo.findData(voucher.merchant_id) < 0:
            self.where_combo.addItem(voucher.merchant, voucher.merchant_id)
        # The desk is at the centre: a merchant's slip handed in at the counter is refused there unless
        # the desk chooses the merchant (recording slips a shop brought back), never used up by one click.
        self.where_combo.setCurrentIndex(0)
        self.state = QLabel()
        self.state.setWordWrap(True)
        super().__init__(_("Redeem a voucher"), [
            ("", "detail", self.detail),
            (_("Redeemed at"), "code", self.where_combo),
            ("", "status", self.state),
        ], parent, min_width=480)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Redeem"))
        if voucher.status != ISSUED:
            self.state.setText(_("This voucher cannot be redeemed: {status}.").format(status=voucher.status_text))
            self.state.setStyleSheet("color: #b71c1c; font-weight: bold")
            self.buttons.button(self.buttons.StandardButton.Ok).setEnabled(False)
            self.where_combo.setEnabled(False)

    def prepare(self):
        db, actor, code, where = self.db, self.actor, self.voucher.code, self.where_combo.currentData()
        return lambda: points.redeem(db, code, actor=actor, merchant_id=where)

    def saved(self, result) -> None:
        self.result_row = result


class ReverseDialog(FormDialog):
    """Reverse one ledger entry: a counter-entry with the reason; the service refuses plainly when the
    points were already spent."""

    topic = TOPIC

    def __init__(self, db: Database, entry: EntryRow, resident: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.actor, self.entry = db, actor, entry
        self.reason_edit = QLineEdit()
        self.reason_edit.setMaxLength(points.REASON_MAX)
        self.reason_edit.setPlaceholderText(_("e.g. recorded for the wrong resident"))
        intro = _("Entry {n} of {name}: {day}, {kind} {what}, {points}. A counter-entry takes it back; the entry "
                  "stays on the statement.").format(n=entry.id, name=resident, day=format_date(entry.day),
                                                    kind=entry.kind_text, what=entry_what(entry),
                                                    points=signed(entry.points))
        super().__init__(_("Reverse an entry"), [(_("The reason"), "reason", self.reason_edit)], parent,
                         intro=intro, min_width=480)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Reverse"))

    def prepare(self):
        reason = self.reason_edit.text().strip()
        if not reason:
            raise ValidationError({"reason": _("Please give a reason.")})
        db, actor, eid = self.db, self.actor, self.entry.id
        return lambda: points.reverse(db, eid, reason, actor=actor)
