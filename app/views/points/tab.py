"""The volunteer points tab (共治积分): residents' balances (searched by name, pinyin or phone tail; a
scanned member card ND:… opens the resident) beside the chosen resident's statement with its running
balance and, for administrators, Reverse…; the Earn page, where a service is recorded for one
resident or a list of participants at once (cards scanned into the list, or picked from the
registry) with the points it gives shown before saving; the Vouchers page: the catalogue and
Issue…, the Redeem box for a scanned slip NDV:…, and the vouchers issued. Everything is read on the
worker when first shown and after each "points" notice; every write goes through writes.save or a
FormDialog.

A tab of its own rather than a page of the merchant tab: the desk's work here is resident-centred
(who served, a voucher at the counter, a slip brought back), the merchant tab shop-centred."""
from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _, format_number
from app.services import access, points
from app.services.access import Actor
from app.services.points import (EXPIRED, HOUR, ISSUED, REDEEMED, REFUNDED, BalanceRow, EntryRow, ServiceTypeRow,
                                 Statement, VoucherRow, points_text)
from app.views import notices
from app.views.points.model import (BalanceTableModel, Participant, ParticipantModel, StatementTableModel,
                                    VoucherTableModel, VoucherTypeTableModel)
from app.views.shared import writes
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FieldErrors, error_label, show_error
from app.views.shared.tables import select_row, table_view
from app.views.shared.widgets import button_bar, export_xlsx, field_row, print_corner, push_button
from app.views.worker import run_in_background

TOPIC = "points"
BALANCES, EARN, VOUCHERS = range(3)  # the pages (Earn only for those who may record service)
HEADING = "font-weight: bold; font-size: 15px"
CARD_PREFIX = "ND:"
HOURS = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{1,2})\s*$|^\s*(\d{1,2}(?:\.\d+)?)\s*$")
# The issued vouchers' filter: (label, statuses shown; None: all)
VOUCHER_FILTERS = [
    (N_("Every voucher"), None),
    (N_("Not yet used"), (ISSUED,)),
    (N_("Redeemed"), (REDEEMED,)),
    (N_("Expired"), (EXPIRED, REFUNDED)),
]


def minutes_of(text: str) -> int | None:
    """"2:30" (h:mm) or "2.5" (hours) as minutes; None when it is neither."""
    match = HOURS.match(text.replace("：", ":"))
    if not match:
        return None
    if match.group(3) is not None:
        return round(float(match.group(3)) * 60)
    hours, minutes = int(match.group(1)), int(match.group(2))
    return hours * 60 + minutes if minutes < 60 else None


class PointsTab(QWidget):
    label_changed = Signal(str, bool)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        super().__init__(parent)
        self.db, self.notice, self.actor = db, notice, actor
        self._today = today
        self.resident_id: int | None = None
        self.statement: Statement | None = None
        self.service_types: list[ServiceTypeRow] = []
        self.vouchers: list[VoucherRow] = []
        self._loaded = False
        self._fetches = 0
        self._statement_fetches = 0
        self._preview_asked = 0
        self._label = (_("Volunteer points"), False)
        self.may_earn = access.may(actor, access.POINTS_EARN)
        self.may_vouchers = access.may(actor, access.POINTS_VOUCHERS)
        self.may_reverse = access.may(actor, access.POINTS_REVERSE)
        self.see_phones = access.may(actor, access.PERSONAL_DATA_FULL)

        self.pages = QTabWidget()
        self.pages.addTab(self._build_balances(), _("Balances"))
        self.earn_page = self._build_earn()
        if self.may_earn:
            self.pages.addTab(self.earn_page, _("Earn"))
        self.pages.addTab(self._build_vouchers(), _("Vouchers"))
        self.pages.setCornerWidget(self._build_print_button(), Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setFocusProxy(self.search_box)
        notice.changed.connect(self._on_notice)
        self._show_statement(None)

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def page_index(self, page: QWidget) -> int:
        return self.pages.indexOf(page)

    # -- building ------------------------------------------------------------------------------
    def _build_balances(self) -> QWidget:
        splitter = QSplitter()
        left = QWidget()
        self.search_box = QLineEdit()
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(_("Find: name, pinyin, last digits of the phone — or scan a member card"))
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self._search_entered)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(lambda: self.refresh(balances_only=True))
        self.balance_model = BalanceTableModel(self)
        self.balance_view = table_view(self.balance_model, wrap=False)
        for column, width in enumerate((90, 110, 70, 70)):
            self.balance_view.setColumnWidth(column, width)
        self.balance_view.selectionModel().currentRowChanged.connect(lambda *_a: self._resident_chosen())
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_box)
        left_layout.addWidget(self.balance_view, 1)
        left_layout.addWidget(self.count_label)

        right = QWidget()
        self.heading = QLabel()
        self.heading.setStyleSheet(HEADING)
        self.heading.setWordWrap(True)
        self.statement_model = StatementTableModel(self)
        self.statement_view = table_view(self.statement_model, wrap=False)
        for column, width in enumerate((50, 85, 95, 210, 55, 60, 120)):
            self.statement_view.setColumnWidth(column, width)
        self.statement_view.selectionModel().currentRowChanged.connect(lambda *_a: self._entry_chosen())
        self.reverse_button = push_button(_("Reverse…"), self.reverse_entry,
                                          _("Take back the chosen entry with a counter-entry and a reason"))
        self.reverse_button.setVisible(self.may_reverse)
        self.earn_for_button = push_button(_("Record service…"), self.earn_for_chosen)
        self.earn_for_button.setVisible(self.may_earn)
        self.issue_for_button = push_button(_("Issue a voucher…"), lambda: self.issue_voucher())
        self.issue_for_button.setVisible(self.may_vouchers)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.statement_view, 1)
        right_layout.addLayout(button_bar(self.earn_for_button, self.issue_for_button, self.reverse_button,
                                          stretch_at=2))
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([480, 820])
        return splitter

    def _build_earn(self) -> QWidget:
        page = QWidget()
        self.participant_model = ParticipantModel(self)
        self.participant_view = table_view(self.participant_model, wrap=False)
        self.participant_view.setColumnWidth(0, 140)
        self.scan_box = QLineEdit()
        self.scan_box.setClearButtonEnabled(True)
        self.scan_box.setPlaceholderText(_("Scan a member card (or type a name and press Enter) to add"))
        self.scan_box.returnPressed.connect(self._scan_entered)
        self.pick_button = push_button(_("Pick from the registry…"), lambda: self.pick_participant())
        self.remove_button = push_button(_("Remove"), self.remove_participant)
        self.clear_button = push_button(_("Clear the list"), lambda: self.set_participants([]))
        self.participant_count = QLabel()
        self.participant_count.setProperty("role", "hint")
        participants = QGroupBox(_("Who served"))
        p_layout = QVBoxLayout(participants)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_box, 1)
        scan_row.addWidget(self.pick_button)
        p_layout.addLayout(scan_row)
        p_layout.addWidget(self.participant_view, 1)
        p_layout.addLayout(button_bar(self.participant_count, self.remove_button, self.clear_button, stretch_at=1))

        self.type_combo = QComboBox()
        self.type_combo.currentIndexChanged.connect(lambda _i: self._unit_changed())
        self.day_edit = date_edit(self.today())
        self.day_edit.setMaximumDate(self.day_edit.date().addDays(0))
        self.hours_edit = QLineEdit()
        self.hours_edit.setPlaceholderText(_("h:mm, e.g. 2:30"))
        self.hours_edit.setMaximumWidth(120)
        self.occasions_spin = QSpinBox()
        self.occasions_spin.setRange(1, points.OCCASIONS_MAX)
        self.quantity_label = QLabel(_("Time served"))
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(points.NOTE_MAX)
        self.note_edit.setPlaceholderText(_("e.g. the activity, the place"))
        self.preview_label = QLabel()
        self.preview_label.setObjectName("earnPreview")
        self.preview_label.setStyleSheet("font-size: 15px; font-weight: bold; color: #1b5e20")
        self.preview_label.setWordWrap(True)
        for signal in (self.hours_edit.textChanged, self.occasions_spin.valueChanged, self.day_edit.dateChanged):
            signal.connect(lambda *_a: self._preview_timer.start())
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(120)
        self._preview_timer.timeout.connect(self._update_preview)
        self.earn_button = push_button(_("Record the points"), self.save_earning)
        self.earn_button.setDefault(True)
        self.earn_result = QLabel()
        self.earn_result.setObjectName("earnResult")
        self.earn_result.setWordWrap(True)
        self.earn_result.setStyleSheet("color: #1b5e20")

        form_box = QGroupBox(_("The service"))
        form = QFormLayout(form_box)
        self.earn_errors = FieldErrors(error_label())
        self.quantity_row = field_row(self.hours_edit, self.occasions_spin)
        for label, key, widget in ((_("Kind of service"), "service_type_id", self.type_combo),
                                   (_("Date"), "day", self.day_edit),
                                   (self.quantity_label, "minutes", self.quantity_row),
                                   (_("Note"), "note", self.note_edit)):
            form.addRow(label, widget)
            form.addRow("", self.earn_errors.add(key, widget))
        self.earn_errors.fields["occasions"] = self.earn_errors.fields["minutes"]
        self.earn_errors.fields["resident_ids"] = self.earn_errors.fields["resident_id"] = (
            participants, self.earn_errors.add("_participants", participants))
        form.addRow("", self.preview_label)
        form.addRow("", self.earn_errors.general)
        form.addRow("", field_row(self.earn_button))
        form.addRow("", self.earn_result)
        p_layout.addWidget(self.earn_errors.fields["_participants"][1])

        layout = QHBoxLayout(page)
        layout.addWidget(participants, 1)
        layout.addWidget(form_box, 1)
        self.set_participants([])
        return page

    def _build_vouchers(self) -> QWidget:
        page = QWidget()
        self.redeem_box = QLineEdit()
        self.redeem_box.setClearButtonEnabled(True)
        self.redeem_box.setPlaceholderText(_("Scan a voucher slip (NDV:…) or type its code, then Enter"))
        self.redeem_box.returnPressed.connect(self._redeem_entered)
        redeem_row = QWidget()
        redeem_layout = QHBoxLayout(redeem_row)
        redeem_layout.setContentsMargins(0, 0, 0, 0)
        redeem_label = QLabel(_("Redeem:"))
        redeem_label.setStyleSheet(HEADING)
        redeem_layout.addWidget(redeem_label)
        redeem_layout.addWidget(self.redeem_box, 1)
        redeem_row.setVisible(self.may_vouchers)

        catalogue = QGroupBox(_("Voucher catalogue"))
        self.catalogue_model = VoucherTypeTableModel(self)
        self.catalogue_view = table_view(self.catalogue_model, wrap=False)
        for column, width in enumerate((100, 95, 125, 45, 65)):
            self.catalogue_view.setColumnWidth(column, width)
        self.catalogue_view.doubleClicked.connect(lambda _i: self.issue_voucher(from_catalogue=True))
        self.issue_button = push_button(_("Issue…"), lambda: self.issue_voucher(from_catalogue=True),
                                        _("Issue the chosen voucher to the resident chosen on the Balances page"))
        self.issue_button.setVisible(self.may_vouchers)
        c_layout = QVBoxLayout(catalogue)
        c_layout.addWidget(self.catalogue_view, 1)
        c_layout.addLayout(button_bar(self.issue_button))

        issued = QGroupBox(_("Vouchers issued"))
        self.voucher_filter = QComboBox()
        for label, statuses in VOUCHER_FILTERS:
            self.voucher_filter.addItem(_(label), statuses)
        self.voucher_filter.setCurrentIndex(1)
        self.voucher_filter.currentIndexChanged.connect(lambda _i: self._show_vouchers())
        self.voucher_model = VoucherTableModel(self)
        self.voucher_view = table_view(self.voucher_model, wrap=False)
        for column, width in enumerate((100, 62, 90, 100, 42, 78, 78)):
            self.voucher_view.setColumnWidth(column, width)
        self.voucher_count = QLabel()
        self.voucher_count.setProperty("role", "hint")
        self.slip_button = push_button(_("Print the slip again…"), lambda: self.print_slip())
        self.slip_button.setVisible(self.may_vouchers)
        i_layout = QVBoxLayout(issued)
        i_layout.addLayout(button_bar(self.voucher_filter, self.voucher_count, stretch_at=2))
        i_layout.addWidget(self.voucher_view, 1)
        i_layout.addLayout(button_bar(self.slip_button))

        splitter = QSplitter()
        splitter.addWidget(catalogue)
        splitter.addWidget(issued)
        splitter.setSizes([600, 700])
        layout = QVBoxLayout(page)
        layout.addWidget(redeem_row)
        layout.addWidget(splitter, 1)
        return page

    def _build_print_button(self) -> QWidget:
        corner, self.print_button, menu = print_corner()
        self.print_statement_action = menu.addAction(_("Statement of the chosen resident…"),
                                                     lambda: self.print_statement())
        self.print_ledger_action = menu.addAction(_("Points ledger for a month…"), lambda: self.print_ledger())
        self.print_slip_action = menu.addAction(_("Voucher slip again…"), lambda: self.print_slip())
        menu.addSeparator()
        self.export_action = menu.addAction(_("Export figures to Excel…"), lambda: self.export_figures())
        self.print_slip_action.setEnabled(self.may_vouchers)
        self.print_ledger_action.setEnabled(self.may_earn)
        self.export_action.setEnabled(self.may_earn)
        return corner

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def refresh(self, *, balances_only: bool = False) -> None:
        """Read the balances (and the chosen resident's statement), the kinds of service, the catalogue,
        the vouchers issued and the label — on the worker; `balances_only` while the search is typed."""
        self._loaded = True
        self._fetches += 1
        asked, db, actor, today = self._fetches, self.db, self.actor, self.today()
        query, wanted = self.search_box.text(), self.resident_id
        if query.strip().upper().startswith(CARD_PREFIX):
            query = ""  # a card being scanned: Enter opens its resident

        def fetch(_progress):
            rows = points.list_balances(db, query, actor=actor)
            if wanted is None and rows:
                chosen = rows[0].resident_id
            else:
                chosen = wanted
            statement = points.statement(db, chosen) if chosen is not None else None
            if balances_only:
                return rows, statement, None
            rest = (points.list_service_types(db, on=today), points.list_voucher_types(db, on=today),
                    points.list_vouchers(db, on=today), points.badge(db, today=today))
            return rows, statement, rest

        def arrived(result) -> None:
            if asked == self._fetches:
                self._show(*result)

        run_in_background(self, fetch, on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def load_statement(self) -> None:
        self._statement_fetches += 1
        asked, db, rid = self._statement_fetches, self.db, self.resident_id

        def arrived(statement) -> None:
            if asked == self._statement_fetches and rid == self.resident_id:
                self._show_statement(statement)

        run_in_background(self, lambda _p: points.statement(db, rid) if rid is not None else None,
                          on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def _show(self, rows: list[BalanceRow], statement: Statement | None, rest) -> None:
        self.balance_model.set_rows(rows)
        self.balance_view.selectionModel().blockSignals(True)
        select_row(self.balance_view, self.balance_model.row_of(statement.resident_id) if statement else -1)
        self.balance_view.selectionModel().blockSignals(False)
        self.count_label.setText(_("{n} residents with points, {total} in all").format(
            n=format_number(len(rows)), total=points_text(sum(r.balance for r in rows))))
        self._show_statement(statement)
        if rest is None:
            return
        types, catalogue, vouchers, label = rest
        self._show_types(types)
        keep = self.current_catalogue_row()
        self.catalogue_model.set_rows(catalogue)
        if keep is not None:
            select_row(self.catalogue_view, self.catalogue_model.row_of(keep.id))
        elif catalogue:
            select_row(self.catalogue_view, 0)
        self.vouchers = vouchers
        self._show_vouchers()
        self._label = label
        self.label_changed.emit(*label)

    def _show_types(self, types: list[ServiceTypeRow]) -> None:
        self.service_types = [t for t in types if t.active]
        keep = self.type_combo.currentData()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        for t in self.service_types:
            rate = _("{points} per hour") if t.unit == HOUR else _("{points} per occasion")
            self.type_combo.addItem(_("{name} ({rate})").format(
                name=t.name, rate=rate.format(points=points_text(t.points or 0))), t.id)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(keep)))
        self.type_combo.blockSignals(False)
        self._unit_changed()

    def _show_vouchers(self) -> None:
        keep = self.current_voucher()
        statuses = self.voucher_filter.currentData()
        rows = [v for v in reversed(self.vouchers) if statuses is None or v.status in statuses]  # newest first
        self.voucher_model.set_rows(rows)
        self.voucher_count.setText(_("{n} vouchers").format(n=format_number(len(rows))))
        if keep is not None:
            select_row(self.voucher_view, self.voucher_model.row_of(keep.id))

    def _show_statement(self, statement: Statement | None) -> None:
        self.statement = statement
        self.resident_id = statement.resident_id if statement else self.resident_id
        for button in (self.earn_for_button, self.issue_for_button):
            button.setEnabled(statement is not None)
        self.print_statement_action.setEnabled(statement is not None)
        if statement is None:
            self.heading.setText(_("Nobody has points yet: record a service on the Earn page.")
                                 if not self.balance_model.rows else _("No resident chosen."))
            self.statement_model.set_rows([])
            self._entry_chosen()
            return
        self.heading.setText(_("{name} — balance {points}").format(name=statement.resident,
                                                                  points=points_text(statement.closing)))
        keep = self.current_entry()
        self.statement_model.set_rows(list(reversed(statement.entries)))  # the latest entry at the top
        if keep is not None:
            select_row(self.statement_view, self.statement_model.row_of(keep.id))
        self._entry_chosen()

    def current_label(self) -> tuple[str, bool]:
        return self._label

    def _on_notice(self, what: str) -> None:
        if what in (TOPIC, notices.RESIDENTS, "alliance") and self._loaded:
            self.refresh()

    # -- what is chosen ----------------------------------------------------------------------------
    def current_balance(self) -> BalanceRow | None:
        return self.balance_model.row(self.balance_view.selectionModel().currentIndex().row())

    def current_entry(self) -> EntryRow | None:
        return self.statement_model.row(self.statement_view.selectionModel().currentIndex().row())

    def current_catalogue_row(self):
        return self.catalogue_model.row(self.catalogue_view.selectionModel().currentIndex().row())

    def current_voucher(self) -> VoucherRow | None:
        return self.voucher_model.row(self.voucher_view.selectionModel().currentIndex().row())

    def _resident_chosen(self) -> None:
        row = self.current_balance()
        if row is not None and row.resident_id != self.resident_id:
            self.resident_id = row.resident_id
            self.load_statement()

    def _entry_chosen(self) -> None:
        entry = self.current_entry()
        self.reverse_button.setEnabled(entry is not None and entry.reversible)

    def select_resident(self, resident_id: int) -> None:
        """Show that resident's statement (with or without points yet), the search cleared."""
        self.resident_id = resident_id
        self.pages.setCurrentIndex(BALANCES)
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.refresh()

    def _find_resident(self, text: str, found) -> None:
        """The resident a card (ND:…) or a typed text names, on the worker: found(id or None, ids)."""
        from app.services import residents

        db = self.db

        def fetch(_p):
            return residents.search_ids(db, text)[:2]

        run_in_background(self, fetch, on_done=lambda ids: found(ids[0] if len(ids) == 1 else None, ids),
                          on_error=lambda exc: show_error(self, exc))

    def _search_entered(self) -> None:
        """Enter (or a scanner's Enter after a member card's QR code) opens the resident it names."""
        text = self.search_box.text().strip()
        if not text.upper().startswith(CARD_PREFIX):
            return
        self._search_timer.stop()

        def found(rid, _ids) -> None:
            if rid is not None:
                self.select_resident(rid)
            else:
                QMessageBox.information(self, _("Member card"), _("No resident has the card {code}.").format(
                    code=text))

        self._find_resident(text, found)

    # -- earning -----------------------------------------------------------------------------------
    def current_type(self) -> ServiceTypeRow | None:
        return next((t for t in self.service_types if t.id == self.type_combo.currentData()), None)

    def _unit_changed(self) -> None:
        t = self.current_type()
        by_hour = t is None or t.unit == HOUR
        self.hours_edit.setVisible(by_hour)
        self.occasions_spin.setVisible(not by_hour)
        self.quantity_label.setText(_("Time served") if by_hour else _("Occasions"))
        self._update_preview()

    def set_participants(self, people: list[Participant]) -> None:
        self.participant_model.set_rows(people)
        self.participant_count.setText(_("{n} participants").format(n=format_number(len(people))))
        self.remove_button.setEnabled(bool(people))
        self.clear_button.setEnabled(bool(people))
        self._update_preview()

    def add_participant(self, resident_id: int) -> None:
        from app.services import residents
        from app.services.validators import mask_phone

        if self.participant_model.row_of(resident_id) >= 0:
            select_row(self.participant_view, self.participant_model.row_of(resident_id))
            return
        data = residents.get_resident(self.db, resident_id).data
        phone = data.phone if self.see_phones else mask_phone(data.phone)
        self.set_participants([*self.participant_model.rows, Participant(resident_id, data.name, phone)])
        select_row(self.participant_view, len(self.participant_model.rows) - 1)
        self.earn_errors.clear_field("_participants")

    def remove_participant(self) -> None:
        index = self.participant_view.selectionModel().currentIndex().row()
        people = list(self.participant_model.rows)
        if 0 <= index < len(people):
            del people[index]
            self.set_participants(people)
            select_row(self.participant_view, min(index, len(people) - 1))

    def pick_participant(self, text: str = "") -> None:
        from app.views.shared.resident_picker import ResidentPickerDialog

        picker = ResidentPickerDialog(self.db, self)
        if text:
            picker.search.box.setText(text)
        if picker.exec() and picker.chosen_id is not None:
            self.add_participant(picker.chosen_id)
        self.scan_box.setFocus()

    def _scan_entered(self) -> None:
        """A card scanned (or a name typed) into the participants' box: one match is added at once;
        several (or none) open the picker with the text."""
        text = self.scan_box.text().strip()
        if not text:
            return

        def found(rid, _ids) -> None:
            self.scan_box.clear()
            if rid is not None:
                self.add_participant(rid)
            elif text.upper().startswith(CARD_PREFIX):
                self.earn_errors.general.setText(_("No resident has the card {code}.").format(code=text))
                self.earn_errors.general.show()
            else:
                self.pick_participant(text)

        self._find_resident(text, found)

    def earn_for_chosen(self) -> None:
        """From a statement: record a service for that resident."""
        if self.statement is None:
            return
        self.set_participants([])
        self.add_participant(self.statement.resident_id)
        self.pages.setCurrentWidget(self.earn_page)
        self.hours_edit.setFocus()

    def _quantity(self) -> tuple[int, int] | None:
        """(minutes, occasions) as typed; None when the time is not h:mm."""
        t = self.current_type()
        if t is not None and t.unit != HOUR:
            return 0, self.occasions_spin.value()
        minutes = minutes_of(self.hours_edit.text())
        return None if minutes is None else (minutes, 0)

    def _update_preview(self) -> None:
        """The points the service will give, asked of the service (its rate on that day) on the worker."""
        t, quantity, n = self.current_type(), self._quantity(), len(self.participant_model.rows)
        self._preview_asked += 1
        if t is None:
            self.preview_label.setText(_("No kinds of service yet: an administrator adds them under Settings."))
            return
        if quantity is None or quantity == (0, 0):
            self.preview_label.setText(_("Type the time served as h:mm (e.g. 2:30)."))
            return
        minutes, occasions = quantity
        if minutes > points.MINUTES_MAX or occasions > points.OCCASIONS_MAX:  # no points shown beside the error
            self.preview_label.setText(_("The time served is from 1 minute to 24 hours.") if minutes else
                                       _("The number of occasions is from 1 to {n}.").format(n=points.OCCASIONS_MAX))
            return
        asked, db, day = self._preview_asked, self.db, to_date(self.day_edit.date())

        def arrived(each: int) -> None:
            if asked != self._preview_asked:
                return
            if not each:
                self.preview_label.setText(_("No points for this service on that day (no rate yet)."))
            elif n > 1:
                self.preview_label.setText(_("{each} each for {n} participants, {total} in all").format(
                    each=points_text(each), n=format_number(n), total=points_text(each * n)))
            else:
                self.preview_label.setText(_("This gives {points}").format(points=points_text(each)))

        run_in_background(self, lambda _p: points.points_for(db, t.id, day, *quantity), on_done=arrived,
                          on_error=lambda _e: None)

    def save_earning(self) -> None:
        self.earn_errors.clear()
        self.earn_result.clear()
        t, quantity = self.current_type(), self._quantity()
        ids = [p.resident_id for p in self.participant_model.rows]
        if quantity is None:
            self.earn_errors.show(ValidationError({"minutes": _("Type the time served as h:mm (e.g. 2:30).")}))
            return
        minutes, occasions = quantity
        db, actor, day, note = self.db, self.actor, to_date(self.day_edit.date()), self.note_edit.text()
        tid = t.id if t else None
        if len(ids) == 1:
            data = points.EarnInput(resident_id=ids[0], service_type_id=tid, day=day, minutes=minutes,
                                    occasions=occasions, note=note)

            def call() -> int:
                points.earn(db, data, actor=actor)
                return 1
        else:
            def call() -> int:
                return points.earn_many(db, ids, tid, day, actor=actor, minutes=minutes, occasions=occasions,
                                        note=note)
        names = [p.name for p in self.participant_model.rows]
        preview = self.preview_label.text()

        def saved(_count) -> None:
            self.earn_result.setText(_("Recorded for {names}: {what}.").format(
                names=_(", ").join(names), what=preview))
            self.set_participants([])
            self.hours_edit.clear()
            self.note_edit.clear()
            self.scan_box.setFocus()

        writes.save(self, call, topic=TOPIC, errors=self.earn_errors, on_saved=saved, busy=self.earn_button)

    # -- vouchers ----------------------------------------------------------------------------------
    def issue_voucher(self, *, from_catalogue: bool = False) -> None:
        from app.views.points.dialogs import IssueDialog

        today = self.today()
        catalogue = [r for r in self.catalogue_model.rows if r.active and r.valid_from <= today <= r.valid_to]
        chosen = self.current_catalogue_row() if from_catalogue else None
        resident = (self.statement.resident_id, self.statement.resident) if self.statement else None
        dialog = IssueDialog(self.db, catalogue, self, actor=self.actor, resident=resident,
                             voucher_type_id=chosen.id if chosen else None, today=today)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.issued is not None:
            self.print_slip(dialog.issued.code)

    def _redeem_entered(self) -> None:
        """A slip scanned into the Redeem box: its voucher is shown, with Redeem."""
        from app.services import alliance, centre

        text, db, today = self.redeem_box.text().strip(), self.db, self.today()
        if not text:
            return

        def fetch(_p):
            voucher = points.find_voucher(db, text, on=today)
            members = alliance.list_merchants(db, status=alliance.MEMBER, today=today) if voucher else []
            return voucher, [(m.id, m.name) for m in members], centre.get_setting(db, "centre.name")

        def found(result) -> None:
            voucher, merchants, centre_name = result
            self.redeem_box.clear()
            if voucher is None:
                QMessageBox.information(self, _("Redeem a voucher"), _("No voucher has the code “{code}”.").format(
                    code=text))
            else:
                self.open_voucher(voucher, merchants, centre_name)
            self.redeem_box.setFocus()

        run_in_background(self, fetch, on_done=found, on_error=lambda exc: show_error(self, exc))

    def open_voucher(self, voucher: VoucherRow, merchants: list[tuple[int, str]], centre_name: str = "") -> None:
        from app.views.points.dialogs import RedeemDialog

        RedeemDialog(self.db, voucher, merchants, self, actor=self.actor, centre=centre_name).exec()

    def reverse_entry(self) -> None:
        from app.views.points.dialogs import ReverseDialog

        entry = self.current_entry()
        if entry is not None and entry.reversible and self.may_reverse and self.statement is not None:
            ReverseDialog(self.db, entry, self.statement.resident, self, actor=self.actor).exec()

    # -- printing ----------------------------------------------------------------------------------
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview

        preview(self, title, make_pdf, file_name)

    def _print_module(self):
        try:
            from app.services import points_print
        except ModuleNotFoundError as exc:  # written by another part of the work
            if exc.name != "app.services.points_print":
                raise
            QMessageBox.information(self, _("Print"), _("Printing the points forms is not available in this "
                                                        "version."))
            return None
        return points_print

    def print_slip(self, code: str | None = None) -> None:
        """A voucher's slip: the one just issued, or the one chosen among the vouchers issued."""
        if code is None:
            voucher = self.current_voucher()
            if voucher is None:
                QMessageBox.information(self, _("Voucher slip"), _("Choose a voucher in the list of vouchers "
                                                                   "issued first."))
                return
            code = voucher.code
        module = self._print_module()
        if module is None:
            return
        db, actor = self.db, self.actor
        self._preview(_("Voucher slip"), lambda _p: module.voucher_slip_pdf(db, code, actor=actor),
                      _("voucher-{code}.pdf").format(code=code))

    def _ask_period(self, title: str, intro: str) -> tuple[dt.date, dt.date] | None:
        from app.views.daycare.printing import FiguresDialog

        dialog = FiguresDialog(self, self.today(), title, intro)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def print_statement(self) -> None:
        if self.statement is None:
            return
        title = _("Points statement")
        period = self._ask_period(title, _("The entries of the period, with the balance before and after."))
        module = self._print_module() if period else None
        if module is None:
            return
        db, actor, rid, (start, end) = self.db, self.actor, self.statement.resident_id, period
        self._preview(title, lambda _p: module.points_statement_pdf(db, rid, start, end, actor=actor),
                      _("points-statement-{name}.pdf").format(name=self.statement.resident))

    def print_ledger(self) -> None:
        from app.views.daycare.printing import MonthDialog

        title = _("Points ledger")
        dialog = MonthDialog(title, self.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        month = dialog.chosen()[0]
        module = self._print_module()
        if module is None:
            return
        db, actor = self.db, self.actor
        self._preview(title, lambda _p: module.points_ledger_pdf(db, month, actor=actor),
                      _("points-ledger-{month}.pdf").format(month=month.strftime("%Y-%m")))

    def export_figures(self, period: tuple[dt.date, dt.date] | None = None, path: str | None = None) -> None:
        try:
            from app.services import points_export
        except ModuleNotFoundError as exc:
            if exc.name != "app.services.points_export":
                raise
            QMessageBox.information(self, _("Export to Excel"), _("Exporting the points figures is not "
                                                                  "available in this version."))
            return
        title = _("Export points figures")
        period = period or self._ask_period(title, _("Points earned and spent, vouchers issued and redeemed in "
                                                     "the period, for the monthly report."))
        if period is None:
            return
        start, end = period
        db, actor = self.db, self.actor
        export_xlsx(self, self.export_action, _("points-figures-{start}-{end}.xlsx").format(
            start=start.isoformat(), end=end.isoformat()),
            lambda path: points_export.export_figures(db, path, start, end, actor=actor),
            _("The points figures were saved to {path}."), path=path)

    # -- from elsewhere ----------------------------------------------------------------------------
    def for_resident(self, resident_id: int) -> None:
        """From the residents tab: that resident's statement."""
        self.select_resident(resident_id)

    def show_filter(self, code: str) -> None:
        """From the overview: "vouchers" shows the vouchers page (the last one)."""
        if code == "vouchers":
            self.pages.setCurrentIndex(self.pages.count() - 1)

    def open_item(self, ref: str) -> None:
        """A line of a resident's detail pane: a resident's id, or a voucher's code."""
        if ref.isdigit():
            self.select_resident(int(ref))
        elif points.code_of(ref):
            self.pages.setCurrentIndex(self.pages.count() - 1)
            self.redeem_box.setText(ref)
            self._redeem_entered()

