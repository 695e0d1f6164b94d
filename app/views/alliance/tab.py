"""The merchant alliance tab (爱心商铺联盟): the merchants (filtered by status, searched by name, code,
address or contact; a scanned window certificate NDM:… opens its shop) beside the chosen merchant's
page (its details, the moves its status allows, its history, commitments and complaints); the
complaints across shops with the half-year complaint rate; the quarter's evaluations and ranking.
Everything is read on the worker when first shown and after each "alliance" notice; every write
goes through a FormDialog or writes.save."""
from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _, format_date, format_number
from app.services import access, alliance
from app.services.access import Actor
from app.services.alliance import (ACTIONS, LEFT, MEMBER, STATUSES, SUSPENDED, ComplaintRow, HalfYearRate,
                                   MerchantInfo, MerchantRow)
from app.views import notices
from app.views.alliance.dialogs import quarter_combo
from app.views.alliance.model import (CommitmentTableModel, ComplaintTableModel, EventTableModel, MerchantTableModel,
                                      RankingTableModel, open_first)
from app.views.shared.date_range import DateRange
from app.views.shared.forms import show_error
from app.views.shared.tables import select_row, table_view
from app.views.shared.widgets import button_bar, export_xlsx, print_corner, push_button
from app.views.worker import run_in_background

TOPIC = "alliance"
MERCHANTS, COMPLAINTS, EVALUATIONS = range(3)  # the pages
HISTORY, COMMITMENTS, OWN_COMPLAINTS = range(3)  # a merchant's page's parts
WITH_LEFT = "*"  # the status filter's "all, with those who left"
MOVE_BUTTONS = ("start_review", "suspend", "resume", "leave", "reapply")  # "admit"/"reject" are the review's
HEADING = "font-weight: bold; font-size: 15px"


def _table(model) -> QTableView:
    return table_view(model, wrap=False)


def _widths(view: QTableView, widths, wide: dict[int, list[str]] | None = None) -> None:
    """Column widths; a column in `wide` is at least as wide as the longest of its texts (English words run
    longer than the Chinese ones the widths were set for)."""
    for column, width in enumerate(widths):
        texts = (wide or {}).get(column, [])
        view.setColumnWidth(column, max([width, *(view.fontMetrics().horizontalAdvance(t) + 20 for t in texts)]))


def _status_texts() -> list[str]:
    return [_(label) for label in STATUSES.values()]


LONG_NAME = "过路的张阿姨"  # a walk-in complainant as the desk writes one down


def half_of(day: dt.date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def rate_text(rate: HalfYearRate) -> str:
    """The Complaints page's heading: a half-year's complaints per member and the change, as the seed says it."""
    half = (_("{year}, first half") if rate.half == 1 else _("{year}, second half")).format(year=rate.year)
    if rate.rate is None:
        return _("{half}: {n} complaints, no members.").format(half=half, n=format_number(rate.complaints))
    text = _("{half}: {n} complaints, {members} members — {rate} complaints per member").format(
        half=half, n=format_number(rate.complaints), members=format_number(rate.active_members),
        rate=alliance.average_text(rate.rate))
    if rate.change is None:
        return text + _("; no earlier half-year to compare with.")
    # The sign comes with the number (format_percent): "{percent}%" in a message reads as printf.
    percent = alliance.change_text(rate.change)  # as the printed ledger has it
    if rate.change < 0:
        return text + _(", down {percent} on the half-year before it.").format(percent=percent)
    if rate.change > 0:
        return text + _(", up {percent} on the half-year before it.").format(percent=percent)
    return text + _(", the same as the half-year before it.")


class AllianceTab(QWidget):
    label_changed = Signal(str, bool)  # the tab's label, and whether it is an alert (a complaint open too long)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        super().__init__(parent)
        self.db, self.notice, self.actor = db, notice, actor
        self._today = today  # tests fix the day; None: the real one
        self.merchant_id: int | None = None
        self._shown_anyway: int | None = None  # a shop opened from elsewhere, listed whatever the filter
        self.info: MerchantInfo | None = None
        self._loaded = False
        self._fetches = 0  # loads asked for: only the latest one is shown
        self._merchant_fetches = 0
        self._label = (_("Merchant alliance"), False)
        self.may_apply = access.may(actor, access.ALLIANCE_APPLY)
        self.may_review = access.may(actor, access.ALLIANCE_REVIEW)
        self.may_complaints = access.may(actor, access.ALLIANCE_COMPLAINTS)
        self.may_evaluate = access.may(actor, access.ALLIANCE_EVALUATE)

        self.pages = QTabWidget()
        self.pages.addTab(self._build_merchants(), _("Merchants"))
        self.pages.addTab(self._build_complaints(), _("Complaints"))
        self.pages.addTab(self._build_evaluations(), _("Evaluations"))
        self.pages.setCornerWidget(self._build_print_button(), Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setFocusProxy(self.search_box)
        notice.changed.connect(self._on_notice)
        self._show_merchant(None)

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # -- building ------------------------------------------------------------------------------
    def _build_merchants(self) -> QWidget:
        splitter = QSplitter()
        left = QWidget()
        self.status_combo = QComboBox()
        self.status_combo.addItem(_("Every shop but those that left"), None)
        for code, label in STATUSES.items():
            self.status_combo.addItem(_(label), code)
        self.status_combo.addItem(_("Every shop, with those that left"), WITH_LEFT)
        self.status_combo.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.search_box = QLineEdit()
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(_("Find: name, code, address, contact — or scan a certificate"))
        self.search_box.textChanged.connect(lambda _t: self._filter_changed(self._search_timer.start))
        self.search_box.returnPressed.connect(self._search_entered)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.refresh)
        self.merchant_model = MerchantTableModel(self)
        self.merchant_view = _table(self.merchant_model)
        _widths(self.merchant_view, (145, 95, 125, 55), {1: _status_texts()})
        self.merchant_view.selectionModel().currentRowChanged.connect(lambda *_a: self._merchant_chosen())
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        self.new_button = push_button(_("New application…"), self.new_application)
        self.new_button.setVisible(self.may_apply)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.status_combo)
        filters.addWidget(self.search_box, 1)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.merchant_view, 1)
        left_layout.addLayout(button_bar(self.count_label, self.new_button, stretch_at=1))
        splitter.addWidget(left)
        splitter.addWidget(self._build_merchant_page())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 700])
        return splitter

    def _build_merchant_page(self) -> QWidget:
        page = QWidget()
        self.heading = QLabel()
        self.heading.setStyleSheet(HEADING)
        self.heading.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("merchantDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_buttons: dict[str, QPushButton] = {}
        for action in MOVE_BUTTONS:
            self.action_buttons[action] = push_button(_(ACTIONS[action]) + "…", lambda a=action: self.move(a))
        self.review_button = push_button(_("Review…"), self.review, _("Record the admission review: each criterion "
                                                                  "met or not, and the decision"))
        self.edit_button = push_button(_("Edit details…"), self.edit_merchant)
        actions = QWidget()
        bar = QHBoxLayout(actions)
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.review_button, *self.action_buttons.values()):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.edit_button)

        self.parts = QTabWidget()
        self.event_model = EventTableModel(self)
        self.event_view = _table(self.event_model)
        _widths(self.event_view, (90, 120, 95, 80), {1: [_(a) for a in ACTIONS.values()], 2: _status_texts()})
        self.parts.addTab(self.event_view, _("History"))

        self.commitment_model = CommitmentTableModel(self)
        self.commitment_view = _table(self.commitment_model)
        for column, width in enumerate((140, 170, 100, 90)):
            self.commitment_view.setColumnWidth(column, width)
        self.commitments_button = push_button(_("Edit the commitments…"), self.edit_commitments)
        commitments = QWidget()
        c_layout = QVBoxLayout(commitments)
        c_layout.addWidget(self.commitment_view, 1)
        c_layout.addLayout(button_bar(self.commitments_button))
        self.parts.addTab(commitments, _("Commitments"))

        self.own_complaint_model = ComplaintTableModel(self, with_merchant=False)
        self.own_complaint_view = _table(self.own_complaint_model)
        _widths(self.own_complaint_view, (90, 80, 100, 180, 80), {1: [LONG_NAME]})
        self.own_complaint_view.doubleClicked.connect(lambda _i: self.resolve_complaint(self.own_complaint_view))
        self.add_own_complaint_button = push_button(_("Add a complaint…"), lambda: self.add_complaint(self.merchant_id))
        self.resolve_own_button = push_button(_("Resolve…"), lambda: self.resolve_complaint(self.own_complaint_view))
        own = QWidget()
        o_layout = QVBoxLayout(own)
        o_layout.addWidget(self.own_complaint_view, 1)
        o_layout.addLayout(button_bar(self.add_own_complaint_button, self.resolve_own_button))
        self.parts.addTab(own, _("Complaints"))
        for button in (self.add_own_complaint_button, self.resolve_own_button):
            button.setVisible(self.may_complaints)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.detail)
        layout.addWidget(actions)
        layout.addWidget(self.parts, 1)
        return page

    def _build_complaints(self) -> QWidget:
        page = QWidget()
        self.rate_label = QLabel()
        self.rate_label.setStyleSheet(HEADING)
        self.rate_label.setWordWrap(True)
        today = self.today()
        self.period = DateRange(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), today=today)
        self.period.changed.connect(lambda: self.refresh() if self.period.is_valid() else None)
        self.complaint_model = ComplaintTableModel(self)
        self.complaint_view = _table(self.complaint_model)
        _widths(self.complaint_view, (90, 130, 80, 100, 220, 80), {2: [LONG_NAME]})
        self.complaint_view.doubleClicked.connect(lambda _i: self.resolve_complaint(self.complaint_view))
        self.complaint_count = QLabel()
        self.complaint_count.setProperty("role", "hint")
        self.add_complaint_button = push_button(_("Add a complaint…"), lambda: self.add_complaint(None))
        self.resolve_button = push_button(_("Resolve…"), lambda: self.resolve_complaint(self.complaint_view))
        self.open_shop_button = push_button(_("Open the shop"), self._open_complaint_shop)
        for button in (self.add_complaint_button, self.resolve_button):
            button.setVisible(self.may_complaints)
        layout = QVBoxLayout(page)
        layout.addWidget(self.rate_label)
        layout.addLayout(button_bar(QLabel(_("Received on")), self.period, self.complaint_count, stretch_at=2))
        layout.addWidget(self.complaint_view, 1)
        layout.addLayout(button_bar(self.add_complaint_button, self.resolve_button, self.open_shop_button))
        return page

    def _build_evaluations(self) -> QWidget:
        page = QWidget()
        self.quarter_box = quarter_combo(self.today())
        self.quarter_box.currentTextChanged.connect(lambda _t: self._quarter_timer.start())
        self._quarter_timer = QTimer(self)  # typed "2026-Q3": once the typing stops
        self._quarter_timer.setSingleShot(True)
        self._quarter_timer.setInterval(300)
        self._quarter_timer.timeout.connect(self.refresh)
        self.evaluate_button = push_button(_("Record an evaluation…"), self.record_evaluation)
        self.evaluate_button.setVisible(self.may_evaluate)
        self.ranking_heading = QLabel()
        self.ranking_heading.setStyleSheet(HEADING)
        self.ranking_note = QLabel()
        self.ranking_note.setObjectName("rankingRefusal")
        self.ranking_note.setWordWrap(True)
        self.ranking_note.setStyleSheet("color: #8d6e00; font-size: 14px; padding: 12px")
        self.ranking_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.ranking_model = RankingTableModel(self)
        self.ranking_view = _table(self.ranking_model)
        for column, width in enumerate((50, 170, 70, 80)):
            self.ranking_view.setColumnWidth(column, width)
        self.ranking_view.doubleClicked.connect(lambda index: self._open_ranked(index.row()))
        layout = QVBoxLayout(page)
        layout.addLayout(button_bar(QLabel(_("Quarter")), self.quarter_box, self.evaluate_button, stretch_at=2))
        layout.addWidget(self.ranking_heading)
        layout.addWidget(self.ranking_note)
        layout.addWidget(self.ranking_view, 1)
        return page

    def _build_print_button(self) -> QWidget:
        corner, self.print_button, menu = print_corner()
        self.print_application_action = menu.addAction(_("Application form…"), lambda: self.print_application())
        self.print_agreement_action = menu.addAction(_("Membership agreement…"), lambda: self.print_agreement())
        self.print_certificate_action = menu.addAction(_("Window certificate…"), lambda: self.print_certificate())
        menu.addSeparator()
        self.print_roster_action = menu.addAction(_("Alliance roster…"), lambda: self.print_roster())
        self.print_ledger_action = menu.addAction(_("Complaint ledger…"), lambda: self.print_ledger())
        self.print_ranking_action = menu.addAction(_("Quarterly ranking…"), lambda: self.print_ranking())
        menu.addSeparator()
        self.export_action = menu.addAction(_("Export figures to Excel…"), lambda: self.export_figures())
        self.import_action = menu.addAction(_("Import a merchant list…"), lambda: self.import_merchants())
        self.print_roster_action.setEnabled(self.may_apply)
        self.print_ledger_action.setEnabled(self.may_complaints)
        self.print_ranking_action.setEnabled(self.may_evaluate)
        self.export_action.setEnabled(self.may_apply)
        self.import_action.setEnabled(self.may_apply)
        self.print_button.setEnabled(self.may_apply or self.may_complaints or self.may_evaluate)
        return corner

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        """Read the merchants (and the chosen one's page), the complaints of the period with the
        half-year rate, the quarter's ranking and the label's counts — all on the worker."""
        self._loaded = True
        self._fetches += 1
        asked, db, actor, today = self._fetches, self.db, self.actor, self.today()
        status = self.status_combo.currentData()
        query, wanted = self.search_box.text(), self.merchant_id
        anyway = self._shown_anyway if self._shown_anyway == wanted else None
        if query.strip().upper().startswith(alliance.CERTIFICATE_PREFIX):
            query = ""  # a certificate being scanned: Enter opens its shop
        start, end = self.period.dates()
        quarter = self.quarter_box.currentText()

        def fetch(_progress):
            rows = alliance.list_merchants(db, status=None if status == WITH_LEFT else status, query=query,
                                           include_left=status == WITH_LEFT, today=today)
            if anyway is not None and all(r.id != anyway for r in rows):  # hidden by the filter: shown anyway
                rows += [r for r in alliance.list_merchants(db, include_left=True, today=today) if r.id == anyway]
            chosen = next((r for r in rows if r.id == wanted), rows[0] if rows else None)
            info = alliance.get_merchant(db, chosen.id, actor=actor, today=today) if chosen else None
            complaints = alliance.list_complaints(db, date_from=start, date_to=end, actor=actor) \
                if end >= start else []
            rate = alliance.complaint_rate(db, *half_of(min(end, today)))
            try:
                ranked, refusal = alliance.ranking(db, quarter), ""
            except ValidationError as exc:
                ranked, refusal = [], "\n".join(exc.fields.values())
            return rows, info, complaints, rate, (ranked, refusal), alliance.badge(db, today=today)

        def arrived(result) -> None:
            if asked == self._fetches:
                self._show(*result)

        run_in_background(self, fetch, on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def _filter_changed(self, then=None) -> None:
        """The user chose a filter or typed: a shop opened from elsewhere is no longer listed regardless."""
        self._shown_anyway = None
        (then or self.refresh)()

    def load_merchant(self) -> None:
        """Only the chosen merchant's page (another row clicked)."""
        self._merchant_fetches += 1
        asked, db, actor, mid, today = self._merchant_fetches, self.db, self.actor, self.merchant_id, self.today()

        def arrived(info) -> None:
            if asked == self._merchant_fetches and mid == self.merchant_id:
                self._show_merchant(info)

        run_in_background(self, lambda _p: alliance.get_merchant(db, mid, actor=actor, today=today),
                          on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def _show(self, rows: list[MerchantRow], info: MerchantInfo | None, complaints: list[ComplaintRow],
              rate: HalfYearRate, ranking, label: tuple[str, bool]) -> None:
        self.merchant_model.set_rows(rows)
        self.merchant_id = info.row.id if info else None
        self.merchant_view.selectionModel().blockSignals(True)
        select_row(self.merchant_view, self.merchant_model.row_of(self.merchant_id))
        self.merchant_view.selectionModel().blockSignals(False)
        counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
        self.count_label.setText(_("{n} shops: {members} members, {waiting} applying or under review").format(
            n=format_number(len(rows)), members=format_number(counts[MEMBER]),
            waiting=format_number(counts[alliance.APPLIED] + counts[alliance.REVIEWING])))
        self._show_merchant(info)
        self._show_complaints(complaints, rate)
        self._show_ranking(*ranking)
        self._label = label
        self.label_changed.emit(*label)

    def _show_complaints(self, rows: list[ComplaintRow], rate: HalfYearRate) -> None:
        keep = self.current_complaint(self.complaint_view)
        self.complaint_model.set_rows(open_first(rows))
        still_open = sum(r.resolved_on is None for r in rows)
        self.complaint_count.setText(_("{n} complaints, {open} open").format(n=format_number(len(rows)),
                                                                            open=format_number(still_open)))
        self.rate_label.setText(rate_text(rate))
        if keep is not None:
            select_row(self.complaint_view, self.complaint_model.row_of(keep.id))

    def _show_ranking(self, rows, refusal: str) -> None:
        quarter = self.quarter_box.currentText()
        self.ranking_model.set_rows(rows)
        self.ranking_heading.setText(_("Ranking, {quarter}").format(quarter=quarter) if rows else "")
        self.ranking_heading.setVisible(bool(rows))
        self.ranking_note.setText(refusal)
        self.ranking_note.setVisible(bool(refusal))
        self.ranking_view.setVisible(bool(rows))

    def _show_merchant(self, info: MerchantInfo | None) -> None:
        self.info = info
        allowed = info.allowed_actions if info else []
        for action, button in self.action_buttons.items():
            permitted = self.may_apply if action in ("start_review", "reapply") else self.may_review
            button.setVisible(action in allowed and permitted)
        self.review_button.setVisible("admit" in allowed and self.may_review)
        self.edit_button.setVisible(info is not None and self.may_apply)
        status = info.row.status if info else None
        self.commitments_button.setVisible(self.may_apply and status in (alliance.REVIEWING, MEMBER, SUSPENDED))
        self.add_own_complaint_button.setEnabled(info is not None)
        self.print_application_action.setEnabled(info is not None and self.may_apply)
        self.print_agreement_action.setEnabled(info is not None and self.may_apply
                                               and status in (alliance.REVIEWING, MEMBER, SUSPENDED))
        self.print_certificate_action.setEnabled(info is not None and self.may_apply and status == MEMBER
                                                 and bool(info.row.member_code))
        if info is None:
            self.heading.setText(_("No shops yet: record one with “New application…”.")
                                 if not self.merchant_model.rows else _("No shop chosen."))
            self.detail.setText("")
            for model in (self.event_model, self.commitment_model, self.own_complaint_model):
                model.set_rows([])
            return
        row = info.row
        if row.status == alliance.APPLIED:  # "since" reads oddly with "applied" (自…起申请)
            heading = _("{name} — applied on {date}").format(name=row.name, date=format_date(row.status_since))
        else:
            heading = _("{name} — {status} since {date}").format(name=row.name, status=row.status_text,
                                                                 date=format_date(row.status_since))
        self.heading.setText(heading)
        self.detail.setText(self._detail_html(info))
        self.event_model.set_rows(list(reversed(info.events)))  # the latest move first
        self.commitment_model.set_rows(info.commitments)
        self.own_complaint_model.set_rows(open_first(info.complaints))
        still_open = sum(c.resolved_on is None for c in info.complaints)
        self.parts.setTabText(OWN_COMPLAINTS, _("Complaints ({n})").format(n=format_number(len(info.complaints)))
                              if not still_open else _("Complaints ({n}, {open} open)").format(
                                  n=format_number(len(info.complaints)), open=format_number(still_open)))
        self.parts.setTabText(COMMITMENTS, _("Commitments ({n})").format(n=format_number(len(info.commitments))))

    def _detail_html(self, info: MerchantInfo) -> str:
        esc = html.escape
        row = info.row

        def line(label: str, value: str, style: str = "") -> str:
            if not value:
                return ""
            return (f"<tr><td style='color:#666;padding-right:8px'>{esc(label)}</td>"
                    f"<td style='{style}'>{esc(value)}</td></tr>")

        if row.credit_code:
            identifier = line(_("Unified social credit code"), row.credit_code)
        else:
            identifier = line(_("Business licence number"), _("{number} (no credit code)").format(
                number=row.licence_number))
        contact = " ".join(x for x in (info.contact_name or row.contact.split(" ")[0], info.contact_phone) if x)
        if info.contact_resident_id is not None:
            contact = _("{contact} (resident)").format(contact=contact)
        via = row.applied_via_text
        if info.recommended_by:
            via = _("{via}: {name}").format(via=via, name=info.recommended_by)
        review = info.reviews[-1] if info.reviews else None
        review_text = ""
        if review is not None:
            review_text = _("{date}, {reviewer}: {criteria}").format(
                date=format_date(review.reviewed_on), reviewer=review.reviewer,
                criteria=_("; ").join("{} {}".format(i.criterion, "✓" if i.met else "✗") for i in review.items))
        rows = [
            identifier,
            line(_("Business type"), row.business_type),
            line(_("Contact"), contact),
            line(_("Shop address"), row.address),
            line(_("Estate"), row.estate),
            line(_("Grid"), row.grid),
            line(_("How it applied"), via),
            line(_("Applied on"), format_date(row.applied_on)),
            line(_("Batch"), row.batch),
            line(_("Joined on"), format_date(row.joined_on)),
            line(_("Certificate code"), alliance.certificate_payload(row.member_code) if row.member_code else ""),
            line(_("Left the alliance on"), format_date(info.left_on) if row.status == LEFT else ""),
            line(_("Last review"), review_text),
            line(_("Note"), info.note),
        ]
        return f"<table>{''.join(rows)}</table>"

    def current_label(self) -> tuple[str, bool]:
        """The tab's label: shops to review; an alert when a complaint has been open too long."""
        return self._label

    def _on_notice(self, what: str) -> None:
        if what in (TOPIC, notices.RESIDENTS, notices.GRIDS) and self._loaded:
            self.refresh()

    # -- what is chosen ----------------------------------------------------------------------------
    def current_merchant(self) -> MerchantRow | None:
        return self.merchant_model.row(self.merchant_view.selectionModel().currentIndex().row())

    def current_complaint(self, view: QTableView) -> ComplaintRow | None:
        return view.model().row(view.selectionModel().currentIndex().row())

    def _merchant_chosen(self) -> None:
        row = self.current_merchant()
        if row is not None and row.id != self.merchant_id:
            self.merchant_id = row.id
            self.load_merchant()

    def select_merchant(self, merchant_id: int, *, anywhere: bool = False) -> None:
        """Show that merchant's page; `anywhere`: whatever its status — the search is cleared, and the shop
        is listed even where the status filter (left as the user set it) would hide it."""
        self.merchant_id = merchant_id
        self.pages.setCurrentIndex(MERCHANTS)
        if anywhere:
            self.search_box.blockSignals(True)
            self.search_box.clear()
            self.search_box.blockSignals(False)
            self._shown_anyway = merchant_id
        self.refresh()

    def _search_entered(self) -> None:
        """Enter (or a scanner's Enter after a window certificate's QR code) opens the shop it names."""
        self._search_timer.stop()
        text, db = self.search_box.text().strip(), self.db
        if not text:
            return

        def found(row: MerchantRow | None) -> None:
            if row is not None:
                self.select_merchant(row.id, anywhere=True)
            elif text.upper().startswith(alliance.CERTIFICATE_PREFIX):
                QMessageBox.information(self, _("Window certificate"),
                                        _("No shop has the certificate number {code}.").format(code=text))
            else:
                self.refresh()

        run_in_background(self, lambda _p: alliance.find_by_certificate(db, text), on_done=found,
                          on_error=lambda exc: show_error(self, exc))

    def _open_complaint_shop(self) -> None:
        complaint = self.current_complaint(self.complaint_view)
        if complaint is not None:
            self.select_merchant(complaint.merchant_id, anywhere=True)

    def _open_ranked(self, row: int) -> None:
        ranked = self.ranking_model.row(row)
        if ranked is not None:
            self.select_merchant(ranked.merchant_id, anywhere=True)

    # -- writing -----------------------------------------------------------------------------------
    def new_application(self) -> None:
        from app.views.alliance.dialogs import MerchantDialog

        dialog = MerchantDialog(self.db, None, self, actor=self.actor, today=self.today())
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved_id is not None:
            self.select_merchant(dialog.saved_id, anywhere=True)

    def edit_merchant(self) -> None:
        from app.views.alliance.dialogs import MerchantDialog

        if self.info is not None:
            MerchantDialog(self.db, self.info, self, actor=self.actor, today=self.today()).exec()

    def move(self, action: str) -> None:
        from app.views.alliance.dialogs import MoveDialog

        if self.info is not None and action in self.info.allowed_actions:
            MoveDialog(self.db, self.info, action, self, actor=self.actor, today=self.today()).exec()

    def review(self) -> None:
        from app.views.alliance.dialogs import ReviewDialog

        if self.info is not None and "admit" in self.info.allowed_actions:
            ReviewDialog(self.db, self.info, self, actor=self.actor, today=self.today()).exec()

    def edit_commitments(self) -> None:
        from app.views.alliance.dialogs import CommitmentsDialog

        if self.info is not None:
            CommitmentsDialog(self.db, self.info, self, actor=self.actor).exec()

    def _merchant_choices(self, also: int | None = None) -> list[tuple[int, str]]:
        """Members and suspended shops (what complaints and evaluations are about), and `also` whatever its
        status (a complaint added on that shop's own page)."""
        rows = alliance.list_merchants(self.db, include_left=True, today=self.today())
        rows = [r for r in rows if r.status in (MEMBER, SUSPENDED) or r.id == also]
        return sorted(((r.id, r.name) for r in rows), key=lambda pair: pair[1])

    def add_complaint(self, merchant_id: int | None, resident: tuple[int, str] | None = None) -> None:
        from app.views.alliance.dialogs import ComplaintDialog

        ComplaintDialog(self.db, self._merchant_choices(merchant_id), self, actor=self.actor, merchant_id=merchant_id,
                        resident=resident, today=self.today()).exec()

    def resolve_complaint(self, view: QTableView) -> None:
        from app.views.alliance.dialogs import ResolveDialog

        complaint = self.current_complaint(view)
        if complaint is not None and self.may_complaints:
            ResolveDialog(self.db, complaint, self, actor=self.actor, today=self.today()).exec()

    def record_evaluation(self) -> None:
        from app.views.alliance.dialogs import EvaluationDialog

        ranked = self.ranking_model.row(self.ranking_view.selectionModel().currentIndex().row())
        EvaluationDialog(self.db, self._merchant_choices(), self.quarter_box.currentText(), self,
                         actor=self.actor, merchant_id=ranked.merchant_id if ranked else None,
                         today=self.today()).exec()

    # -- printing ----------------------------------------------------------------------------------
    # Forms load reportlab and QtPdf, which start-up does without: imported when asked for.
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview

        preview(self, title, make_pdf, file_name)

    def _merchant_form(self, title: str, form_name: str, file_name: str) -> None:
        from app.services import alliance_print

        if self.info is None:
            return
        form, db, actor, mid = getattr(alliance_print, form_name), self.db, self.actor, self.info.row.id
        self._preview(title, lambda _p: form(db, mid, actor=actor), file_name.format(name=self.info.row.name))

    def print_application(self) -> None:
        self._merchant_form(_("Alliance membership application"), "merchant_application_pdf",
                            _("alliance-application-{name}.pdf"))

    def print_agreement(self) -> None:
        self._merchant_form(_("Alliance membership agreement"), "merchant_agreement_pdf",
                            _("alliance-agreement-{name}.pdf"))

    def print_certificate(self) -> None:
        self._merchant_form(_("Window certificate"), "merchant_certificate_pdf", _("alliance-certificate-{name}.pdf"))

    def print_roster(self) -> None:
        from app.services import alliance_print

        db, actor = self.db, self.actor
        self._preview(_("Alliance roster"), lambda _p: alliance_print.alliance_roster_pdf(db, actor=actor),
                      _("alliance-roster.pdf"))

    def _ask_period(self, title: str, intro: str) -> tuple[dt.date, dt.date] | None:
        from app.views.daycare.printing import FiguresDialog

        dialog = FiguresDialog(self, self.today(), title, intro)
        dialog.period.set_range(*self.period.dates())
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def print_ledger(self) -> None:
        from app.services import alliance_print

        title = _("Complaint ledger")
        period = self._ask_period(title, _("The complaints received in the period, with how each was resolved."))
        if period is None:
            return
        db, actor, (start, end) = self.db, self.actor, period
        self._preview(title, lambda _p: alliance_print.complaint_ledger_pdf(db, start, end, actor=actor),
                      _("complaint-ledger-{start}-{end}.pdf").format(start=start.isoformat(), end=end.isoformat()))

    def print_ranking(self) -> None:
        from app.services import alliance_print
        from app.views.alliance.dialogs import QuarterDialog

        title = _("Alliance ranking")
        dialog = QuarterDialog(title, self.quarter_box.currentText(), self, today=self.today())
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen() is None:
            return
        db, actor, quarter = self.db, self.actor, dialog.chosen()
        try:
            alliance.ranking(db, quarter)  # a quarter without evaluations: said here, not in an empty preview
        except ValidationError as exc:
            show_error(self, exc)
            return
        self._preview(title, lambda _p: alliance_print.alliance_ranking_pdf(db, quarter, actor=actor),
                      _("alliance-ranking-{quarter}.pdf").format(quarter=quarter))

    def export_figures(self, period: tuple[dt.date, dt.date] | None = None, path: str | None = None) -> None:
        """The alliance's figures of a period (asked) to an .xlsx chosen in a save dialog, written on the worker."""
        try:
            from app.services import alliance_export
        except ModuleNotFoundError as exc:  # written by another part of the work; absent in an older checkout
            if exc.name != "app.services.alliance_export":
                raise
            QMessageBox.information(self, _("Export to Excel"), _("Exporting the alliance's figures is not "
                                                                  "available in this version."))
            return
        title = _("Export alliance figures")
        period = period or self._ask_period(title, _("Members, commitments, complaints and evaluations of the "
                                                     "period, for the monthly report."))
        if period is None:
            return
        start, end = period
        db, actor = self.db, self.actor
        export_xlsx(self, self.export_action, _("alliance-figures-{start}-{end}.xlsx").format(
            start=start.isoformat(), end=end.isoformat()),
            lambda path: alliance_export.export_figures(db, path, start, end, actor=actor),
            _("The alliance figures were saved to {path}."), path=path)

    def import_merchants(self) -> None:
        """A merchant list from an Excel or CSV file (views/alliance/import_dialog.py)."""
        try:
            from app.views.alliance.import_dialog import import_merchants
        except ModuleNotFoundError as exc:
            if exc.name != "app.views.alliance.import_dialog":
                raise
            QMessageBox.information(self, _("Import a merchant list"), _("Importing a merchant list is not "
                                                                         "available in this version."))
            return
        import_merchants(self, self.db, self.notice, actor=self.actor)

    # -- from elsewhere ----------------------------------------------------------------------------
    def for_resident(self, resident_id: int) -> None:
        """From the residents tab: this resident's complaint about a shop (the shop is chosen in the form)."""
        from app.services import residents

        try:
            name = residents.get_resident(self.db, resident_id).data.name
        except DeskError as exc:
            show_error(self, exc)
            return
        self.pages.setCurrentIndex(COMPLAINTS)
        self.add_complaint(None, (resident_id, name))

    def open_item(self, ref: str) -> None:
        """A line clicked in a resident's detail pane: the merchant's id (services/alliance.resident_lines)."""
        if ref.isdigit():
            self.select_merchant(int(ref), anywhere=True)
