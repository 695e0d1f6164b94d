"""The service counter tab (一站式便民服务): receive requests, move tickets through
the closed loop, see what is overdue, print receipts, slips and the ledger."""
from __future__ import annotations

import dataclasses
import datetime as dt
import html

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMenu, QMessageBox, QPushButton, QSplitter, QTableView,
                               QToolButton, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError
from app.i18n import N_, _, format_date, format_datetime, format_number
from app.services import access, centre, counter, grids
from app.services.access import Actor
from app.services.counter import ACTION_LABELS, TicketInfo
from app.views import notices
from app.views.counter.model import COLUMNS, TicketTableModel, level_text, status_text
from app.views.shared import writes
from app.views.shared.forms import show_error
from app.views.shared.list_model import ListModel
from app.views.worker import run_in_background

# The "show" filter: (code, label). Open tickets first: that is the desk's work.
SHOW = [
    ("open", N_("Open tickets")),
    ("overdue", N_("Overdue")),
    ("due_today", N_("Due today")),
    ("on_hold", N_("On hold")),
    ("resolved", N_("Resolved, to follow up")),
    ("followed_up", N_("Followed up, to archive")),
    ("archived", N_("Archived")),
    ("all", N_("All tickets")),
]
PERIODS = [
    ("any", N_("Any time")),
    ("this_month", N_("This month")),
    ("last_month", N_("Last month")),
    ("last_90", N_("Last 90 days")),
    ("this_year", N_("This year")),
]
REFRESH_MS = 5 * 60 * 1000  # other desks' changes and midnight's new overdue tickets


def period_range(code: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    first = today.replace(day=1)
    if code == "this_month":
        return first, today
    if code == "last_month":
        end = first - dt.timedelta(days=1)
        return end.replace(day=1), end
    if code == "last_90":
        return today - dt.timedelta(days=89), today
    if code == "this_year":
        return today.replace(month=1, day=1), today
    return None, None


class CounterTab(QWidget):
    label_changed = Signal(str, bool)  # the tab's label, and whether it is an alert (something overdue)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.notice = notice
        self.current: TicketInfo | None = None
        self._counts = (0, 0)  # overdue, due today: for the tab's label

        bar = self._build_toolbar()
        strip = self._build_summary_strip()
        self._build_table()
        pane = self._build_detail_pane()
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(pane)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.split = split
        self._sized = False

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(strip)
        layout.addWidget(split, 1)
        self.setFocusProxy(self.search_box)

        notice.changed.connect(self._on_notice)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self.new_button.setEnabled(access.may(actor, access.COUNTER_RECEIVE))
        # Start-up only needs the counts for the tab's label; the list loads when the tab is first seen.
        self._loaded = False
        self._fetches = 0  # lists asked for: only the latest one is shown
        self._waiting = False  # for the latest one
        self._select_on_arrival: int | None = None  # a ticket to select when the list arrives
        self._widen_if_empty = False  # Enter in the search box: nothing found here, look among all
        self._show_ticket(None)
        self._update_counts()

    # -- building ------------------------------------------------------------------------------------
    def _build_toolbar(self) -> QHBoxLayout:
        """New request, the print menu, the search box and the filters."""
        self.new_button = QPushButton(_("New request…"))
        self.new_button.setShortcut("Ctrl+N")
        self.new_button.setToolTip(_("Receive a request (Ctrl+N); what is typed in the search box is carried over"))
        self.new_button.clicked.connect(lambda: self.new_request())
        self.print_button = self._build_print_button()
        self._build_filters()
        bar = QHBoxLayout()
        bar.addWidget(self.new_button)
        bar.addWidget(self.print_button)
        bar.addSpacing(12)
        bar.addWidget(self.search_box, 3)
        bar.addWidget(self.show_combo, 1)
        bar.addWidget(self.category_combo, 1)
        bar.addWidget(self.grid_combo, 1)
        bar.addWidget(self.period_combo)
        return bar

    def _build_print_button(self) -> QToolButton:
        button = QToolButton()
        button.setText(_("Print"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.print_receipt_action = menu.addAction(_("Receipt for the resident"), lambda: self.print_receipt())
        self.print_slip_action = menu.addAction(_("Dispatch slip"), self.print_dispatch_slip)
        self.print_letter_action = menu.addAction(_("Letter of authorisation"), self.print_authorisation)
        menu.addSeparator()
        self.print_ledger_action = menu.addAction(_("Service ticket ledger…"), self.print_ledger)
        button.setMenu(menu)
        return button

    def _build_filters(self) -> None:
        self.search_box = QLineEdit()
        self.search_box.setObjectName("ticketSearchBox")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(_("Find: ticket number (or scan the receipt), name, phone, words"))
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self._search_entered)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.reload)
        self.show_combo = QComboBox()
        for code, label in SHOW:
            self.show_combo.addItem(_(label), code)
        self.category_combo = QComboBox()
        self.grid_combo = QComboBox()
        self.period_combo = QComboBox()
        for code, label in PERIODS:
            self.period_combo.addItem(_(label), code)
        for combo in (self.show_combo, self.category_combo, self.grid_combo, self.period_combo):
            combo.currentIndexChanged.connect(lambda _i: self.reload())

    def _build_summary_strip(self) -> QHBoxLayout:
        """Overdue and due-today counts (links to those filters) and what the list holds."""
        self.summary = QLabel()
        self.summary.setObjectName("counterSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.linkActivated.connect(self._summary_link)
        self.list_summary = QLabel()
        self.list_summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        strip = QHBoxLayout()
        strip.addWidget(self.summary, 1)
        strip.addWidget(self.list_summary)
        return strip

    def _build_table(self) -> None:
        self.model = TicketTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fit_columns()
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_ticket(self.model.ticket_id(current.row())))

    def _build_detail_pane(self) -> QWidget:
        """The ticket, what can be done with it now, its whole history."""
        self.detail = QLabel()
        self.detail.setObjectName("ticketDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = self._build_action_buttons()
        self._build_history()
        pane = QWidget()
        pane.setObjectName("ticketPane")
        pane.setStyleSheet("QWidget#ticketPane { background: #fafafa; border: 1px solid #dddddd; }")
        pane_layout = QVBoxLayout(pane)
        pane_layout.addWidget(self.detail)
        pane_layout.addWidget(actions)
        pane_layout.addWidget(self.history_title)
        pane_layout.addWidget(self.history, 1)
        return pane

    def _build_action_buttons(self) -> QWidget:
        """One button per step of the closed loop (shown when the step is allowed), and registering a walk-in."""
        self.action_bar = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        for action in ("dispatch", "start", "resolve", "follow_up", "archive", "reopen", "escalate", "hold",
                       "resume"):
            button = QPushButton(_(ACTION_LABELS[action]) + ("…" if action != "start" else ""))
            button.clicked.connect(lambda _checked=False, a=action: self.move(a))
            self.action_buttons[action] = button
        self.register_button = QPushButton(_("Register as resident…"))
        self.register_button.setToolTip(_("Add this walk-in to the residents and link the ticket to the record"))
        self.register_button.clicked.connect(self.register_walk_in)
        actions = QWidget()
        grid = QHBoxLayout(actions)
        grid.setContentsMargins(0, 0, 0, 0)
        for button in (*self.action_buttons.values(), self.register_button):
            grid.addWidget(button)
        grid.addStretch(1)
        return actions

    def _build_history(self) -> None:
        self.history_title = QLabel(_("History"))
        self.history_title.setStyleSheet("font-weight: bold")
        self.history_model = ListModel([_("When"), _("Who"), _("Step"), _("Status"), _("Note")], [], self)
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setWordWrap(True)
        self.history.horizontalHeader().setStretchLastSection(True)
        fm = self.history.fontMetrics()
        when = format_datetime(dt.datetime(2026, 12, 28, 22, 58), "short")
        for column, width in enumerate((fm.horizontalAdvance(when) + 16, 62, 64, 64)):
            self.history.setColumnWidth(column, width)

    def _fit_columns(self) -> None:
        """Widths from the longest text each column can hold in this language, so "overdue" and
        "escalated" are never the part cut off."""
        fm = self.table.fontMetrics()
        sample = TicketInfo(
            id=0, number="FW202612-0000", requester="", requester_phone="", resident_id=None, category_id=0,
            category="", channel="", description="", urgency="", level="", assignee="", grid_id=None, grid="",
            status="", received_on=dt.date(2026, 12, 28), due_on=dt.date(2026, 12, 28), resolved_on=None,
            held_since=None, held_days=0, satisfaction=None, follow_up_comment="", follow_up_method=None,
            proxy_errand=False,
            proxy_principal="", proxy_agent="", proxy_matter="", overdue=True, due_today=False)
        statuses = []
        for status in counter.STATUSES:
            if status in counter.OPEN_STATUSES:  # only open tickets wait or run late
                statuses += [status_text(dataclasses.replace(sample, status=status, held_since=held))
                             for held in (None, sample.received_on)]
            else:
                statuses.append(status_text(dataclasses.replace(sample, status=status, overdue=False)))
        upper = centre.upper_level(self.db)
        levels = [level_text(dataclasses.replace(sample, level=level, escalated=True, upper_level=upper))
                  for level in counter.LEVELS]
        levels.append(level_text(dataclasses.replace(sample, level=counter.GRID_LEVEL,
                                                     resolved_on=sample.received_on)))
        samples = {"number": [sample.number], "received_on": [format_date(sample.received_on, "short")],
                   "due_on": [format_date(sample.due_on, "short")], "requester": ["欧阳思雨思"],
                   "category": ["社会保险和医"], "urgency": [_(label) for label in counter.URGENCIES.values()],
                   "level": levels, "assignee": ["祥芝镇社会"], "status": statuses}
        for column, (key, _header) in enumerate(COLUMNS):
            texts = samples[key]
            header = self.model.headerData(column, Qt.Orientation.Horizontal) or ""
            width = max(fm.horizontalAdvance(t) for t in [*texts, header]) + 20
            self.table.setColumnWidth(column, width)

    def showEvent(self, event) -> None:
        # The grid gets two thirds of the width the first time the tab is seen (the pane's
        # wrapped text would otherwise ask for half).
        super().showEvent(event)
        if not self._loaded:
            self.reload()
        if not self._sized and self.split.width() > 0:
            self._sized = True
            self.split.setSizes([self.split.width() * 7 // 10, self.split.width() * 3 // 10])

    # -- filters and loading ---------------------------------------------------------------------
    def _fill_filter_choices(self) -> None:
        for combo in (self.category_combo, self.grid_combo):
            combo.blockSignals(True)
        kept_category, kept_grid = self.category_combo.currentData(), self.grid_combo.currentData()
        self.category_combo.clear()
        self.category_combo.addItem(_("All kinds"), None)
        for c in counter.list_categories(self.db, include_inactive=True):
            self.category_combo.addItem(c.name, c.id)
        self.grid_combo.clear()
        self.grid_combo.addItem(_("All grids"), None)
        for gid, name in grids.grid_choices(self.db):
            self.grid_combo.addItem(name, gid)
        self.category_combo.setCurrentIndex(max(0, self.category_combo.findData(kept_category)))
        self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(kept_grid)))
        for combo in (self.category_combo, self.grid_combo):
            combo.blockSignals(False)

    def show_filter(self, code: str) -> None:
        self.show_combo.setCurrentIndex(self.show_combo.findData(code))

    def _update_counts(self) -> None:
        try:
            overdue, due_today = counter.counts(self.db)
        except DeskError as exc:
            show_error(self, exc)
            return
        self._set_counts(overdue, due_today)

    def _set_counts(self, overdue: int, due_today: int) -> None:
        self._counts = (overdue, due_today)
        self.label_changed.emit(*self.current_label())

    def current_label(self) -> tuple[str, bool]:
        """The tab's label says what must not be missed: overdue and due-today tickets; an alert when
        anything is overdue."""
        return counter.counts_label(*self._counts)

    def refresh(self) -> None:
        """After a change anywhere: the list if it has been seen, the label's counts always."""
        if self._loaded:
            self.reload()
        else:
            self._update_counts()

    def reload(self) -> None:
        """Fetch the list under the current filters on the worker (a year's tickets take longer
        than a frame); the rows replace the grid's when they arrive, keeping the selected ticket."""
        if not self._loaded:
            self._loaded = True
            self._fill_filter_choices()
        today = dt.date.today()
        show = self.show_combo.currentData()
        date_from, date_to = period_range(self.period_combo.currentData(), today)
        status = show if show in ("open", "resolved", "followed_up", "archived") else None
        if show in ("overdue", "due_today", "on_hold"):
            status = "open"
        filters = dict(status=status, category_id=self.category_combo.currentData(),
                       grid=self.grid_combo.currentData(), overdue_only=show == "overdue",
                       due_today_only=show == "due_today", on_hold_only=show == "on_hold",
                       date_from=date_from, date_to=date_to, query=self.search_box.text(), today=today)
        self._fetches += 1
        self._waiting = True
        self._widen_if_empty = False
        fetch, db = self._fetches, self.db
        run_in_background(self, lambda _progress: (counter.list_tickets(db, **filters), counter.counts(db, today)),
                          on_done=lambda result: self._rows_arrived(fetch, *result),
                          on_error=lambda exc: self._fetch_failed(fetch, exc))

    def _rows_arrived(self, fetch: int, rows: list[TicketInfo], counts: tuple[int, int]) -> None:
        if fetch != self._fetches:
            return  # the filters changed since: a newer list is on its way
        self._waiting = False
        wanted, self._select_on_arrival = self._select_on_arrival, None
        widen, self._widen_if_empty = self._widen_if_empty, False
        if self.show_combo.currentData() != "all":
            if wanted is not None and all(r.id != wanted for r in rows):
                self._select_on_arrival = wanted
                self._show_everything()  # fetches again
                return
            if widen and not rows:
                self.show_filter("all")  # fetches again
                return
        keep = wanted if wanted is not None else self.current.id if self.current is not None else None
        self.model.set_rows(rows)
        self._update_summary(rows, *counts)
        self._set_counts(*counts)
        row = self.model.row_of(keep)
        self.select_row(row if row >= 0 else 0)

    def _fetch_failed(self, fetch: int, exc: Exception) -> None:
        if fetch == self._fetches:
            self._waiting = False
            self._select_on_arrival = None
            show_error(self, exc)

    def _update_summary(self, rows: list[TicketInfo], overdue: int, due_today: int) -> None:
        parts = []
        if overdue:
            parts.append("<a href='overdue' style='color:#b71c1c;font-weight:bold'>{}</a>".format(
                html.escape(_("{count} overdue").format(count=format_number(overdue)))))
        else:
            parts.append("<span style='color:#2e7d32'>{}</span>".format(html.escape(_("Nothing overdue"))))
        if due_today:
            parts.append("<a href='due_today' style='color:#8a6d00;font-weight:bold'>{}</a>".format(
                html.escape(_("{count} due today").format(count=format_number(due_today)))))
        self.summary.setText(" · ".join(parts))
        resolved = [r for r in rows if r.resolved_on is not None]
        in_grid = sum(1 for r in resolved if r.resolved_within_grid)
        escalated = sum(1 for r in rows if r.escalated)
        text = _("{count} tickets").format(count=format_number(len(rows)))
        if resolved:
            text += " · " + _("resolved in the grid: {n} of {total}").format(
                n=format_number(in_grid), total=format_number(len(resolved)))
        if escalated:
            text += " · " + _("escalated: {n}").format(n=format_number(escalated))
        self.list_summary.setText(text)

    def _summary_link(self, code: str) -> None:
        self.search_box.clear()
        self.period_combo.setCurrentIndex(0)
        self.show_filter(code)

    def _search_entered(self) -> None:
        """Enter (or a scanner's Enter after the receipt's QR code) finds that ticket in any state:
        when nothing under the current filters matches, the search goes on among all tickets."""
        self._search_timer.stop()
        self.reload()
        self._widen_if_empty = True  # set after reload(), which clears it

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            self.table.selectionModel().clearSelection()
            self._show_ticket(None)
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def select_ticket(self, ticket_id: int) -> None:
        """Select a ticket; one not under the current filters is shown among all tickets."""
        row = self.model.row_of(ticket_id)
        if row >= 0:
            self.select_row(row)
        if self._waiting or row < 0:  # the list on its way may no longer hold it (a step just taken)
            self._select_on_arrival = ticket_id
            if row < 0:
                self.table.selectionModel().clear()
                self._show_ticket(ticket_id)  # the pane shows it at once; the list follows
            if not self._waiting:
                self._show_everything()

    def _show_everything(self) -> None:
        """Clear the search and the filters, show all tickets, loading once."""
        for widget in (self.search_box, self.period_combo, self.show_combo, self.category_combo,
                       self.grid_combo):
            widget.blockSignals(True)
        self.search_box.clear()
        for combo in (self.period_combo, self.category_combo, self.grid_combo):
            combo.setCurrentIndex(0)
        self.show_combo.setCurrentIndex(self.show_combo.findData("all"))
        for widget in (self.search_box, self.period_combo, self.show_combo, self.category_combo,
                       self.grid_combo):
            widget.blockSignals(False)
        self.reload()

    def _on_notice(self, what: str) -> None:
        if what in (notices.CATALOGUE, notices.GRIDS) and self._loaded:
            self._fill_filter_choices()
        if what in (notices.TICKETS, notices.CATALOGUE, notices.GRIDS, notices.RESIDENTS, notices.CENTRE):
            self.refresh()  # the centre's details name the level above it

    # -- the detail pane ----------------------------------------------------------------------------
    def _show_ticket(self, ticket_id: int | None) -> None:
        self.current = None
        if ticket_id is not None:
            try:
                self.current = counter.get_ticket(self.db, ticket_id)
            except DeskError:
                self.current = None
        t = self.current
        allowed = counter.allowed_actions(t) if t is not None else []
        may_handle = access.may(self.actor, access.COUNTER_HANDLE)
        for action, button in self.action_buttons.items():
            button.setVisible(action in allowed)
            button.setEnabled(may_handle)
        self.register_button.setVisible(t is not None and t.resident_id is None)
        self.register_button.setEnabled(access.may(self.actor, access.RESIDENTS_CREATE))
        may_receive = access.may(self.actor, access.COUNTER_RECEIVE)
        self.print_receipt_action.setEnabled(t is not None and may_receive)
        self.print_letter_action.setEnabled(t is not None and t.proxy_errand and may_receive)
        # A dispatch slip is for someone to act on: an open ticket with a handler.
        self.print_slip_action.setEnabled(t is not None and may_handle and t.status in counter.OPEN_STATUSES
                                          and bool(t.assignee))
        self.print_ledger_action.setEnabled(may_handle)
        if t is None:
            self.detail.setText(_("No ticket selected."))
            self.history_model.beginResetModel()
            self.history_model.rows = []
            self.history_model.endResetModel()
            return
        self.detail.setText(self._detail_html(t))
        events = counter.ticket_history(self.db, t.id)
        self.history_model.beginResetModel()
        self.history_model.rows = [(format_datetime(e.at, "short"), e.actor, e.action_label,
                                    counter.status_label(e.to_status), e.note) for e in events]
        self.history_model.endResetModel()
        self.history.resizeRowsToContents()

    def _detail_html(self, t: TicketInfo) -> str:
        esc = html.escape

        def line(label: str, value: str, style: str = "") -> str:
            if not value:
                return ""
            return (f"<tr><td style='color:#666;padding-right:8px'>{esc(label)}</td>"
                    f"<td style='{style}'>{esc(value)}</td></tr>")

        requester = t.requester if t.resident_id is not None else _("{name} (walk-in)").format(name=t.requester)
        due_style = "color:#b71c1c;font-weight:bold" if t.overdue else ""
        rows = [
            line(_("Requester"), requester),
            line(_("Phone"), t.requester_phone),
            line(_("Kind of request"), t.category),
            line(_("Came in"), t.channel_label),
            line(_("Urgency"), t.urgency_label),
            line(_("Level"), level_text(t)),
            line(_("Grid"), t.grid),
            line(_("Assigned to"), t.assignee),
            line(_("Status"), status_text(t), due_style),
            line(_("Received on"), format_date(t.received_on)),
            line(_("Promised by"), format_date(t.due_on), due_style),
            line(_("On hold since"), format_date(t.held_since)),
            line(_("Resolved on"), format_date(t.resolved_on)),
        ]
        if t.status in (counter.FOLLOWED_UP, counter.ARCHIVED):
            rows += [line(_("Satisfaction"), t.satisfaction_label), line(_("Follow-up by"), t.follow_up_method_label),
                     line(_("Comment"), t.follow_up_comment)]
        elif t.satisfaction:  # reopened: the last follow-up says why
            rows.append(line(_("Last follow-up"), " — ".join(
                x for x in (t.satisfaction_label, t.follow_up_method_label, t.follow_up_comment) if x)))
        proxy = ""
        if t.proxy_errand:
            proxy = "<p><b>{}</b> {}</p>".format(esc(_("Proxy errand:")), esc(_(
                "{principal} authorised {agent}: {matter}").format(
                    principal=t.proxy_principal, agent=t.proxy_agent, matter=t.proxy_matter)))
        return (f"<h2 style='margin:0'>{esc(t.number)}</h2><p>{esc(t.description)}</p>"
                f"<table>{''.join(rows)}</table>{proxy}")

    # -- actions ------------------------------------------------------------------------------------
    def open_item(self, number: str) -> None:
        """A ticket clicked in a resident's detail pane (app/features.py DetailItem): show it."""
        try:
            ticket_id = counter.find_ticket_id(self.db, number)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.select_ticket(ticket_id)

    def for_resident(self, resident_id: int) -> None:
        """From the residents tab: receive a request from this resident."""
        self.new_request(query="", resident_id=resident_id)

    def new_request(self, query: str | None = None, resident_id: int | None = None) -> TicketInfo | None:
        """Receive a request: from the search box's text, or for a resident chosen on the residents tab."""
        from app.views.counter.receive_dialog import ReceiveDialog

        text = self.search_box.text() if query is None else query
        if text.upper().startswith(counter.QR_PREFIX) or text.upper().startswith("FW"):
            text = ""  # a ticket number is not a person
        dialog = ReceiveDialog(self.db, self, actor=self.actor, query=text, resident_id=resident_id)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.ticket is None:
            return None
        ticket = dialog.ticket  # the dialog's save has told every tab (notices.TICKETS)
        self.search_box.clear()
        self.select_ticket(ticket.id)  # maybe once the list has arrived: print this ticket, not the selected one
        if dialog.print_check.isChecked():
            self.print_receipt(ticket)
        return ticket

    def move(self, action: str) -> None:
        from app.views.counter.move_dialog import MoveDialog

        if self.current is None:
            return
        dialog = MoveDialog(self.db, self.current, action, self, actor=self.actor)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        ticket = dialog.result_ticket
        if action == "follow_up" and ticket is not None and ticket.satisfaction == "unsatisfied":
            answer = QMessageBox.question(self, _("Not satisfied"), _(
                "{name} is not satisfied with how {number} was handled. Reopen the ticket now?").format(
                    name=ticket.requester, number=ticket.number))
            if answer == QMessageBox.StandardButton.Yes:
                db, tid, actor = self.db, ticket.id, self.actor
                note = ticket.follow_up_comment or _("The resident was not satisfied.")
                writes.save(self, lambda: counter.move(db, tid, "reopen", actor=actor, note=note),
                            topic=notices.TICKETS, on_saved=lambda _t: self.select_ticket(tid),
                            on_failed=lambda _exc: self.select_ticket(tid))
                return
        if ticket is not None:
            self.select_ticket(ticket.id)

    def register_walk_in(self) -> None:
        from app.views.residents.dialog import ResidentDialog

        t = self.current
        if t is None or t.resident_id is not None:
            return
        dialog = ResidentDialog(self.db, None, self, actor=self.actor)
        dialog.name_edit.setText(t.requester)
        dialog.phone_edit.setText(t.requester_phone)
        created: list[int] = []
        dialog.saved.connect(created.append)
        if dialog.exec() != QDialog.DialogCode.Accepted or not created:
            return
        db, tid, rid, actor = self.db, t.id, created[0], self.actor
        writes.save(self, lambda: counter.link_requester(db, tid, rid, actor=actor), topic=notices.TICKETS,
                    on_saved=lambda _result: self.select_ticket(tid),
                    on_failed=lambda _exc: self.select_ticket(tid))

    # -- printing -----------------------------------------------------------------------------------
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview  # QtPdf loads only when needed

        preview(self, title, make_pdf, file_name)

    def _print_ticket(self, title: str, form, file_name: str, ticket: TicketInfo | None = None) -> None:
        """A form of `ticket` (the selected one by default): `form(db, ticket_id, actor=...)` from
        services.printing."""
        ticket = ticket or self.current
        if ticket is None:
            return
        tid, number = ticket.id, ticket.number
        self._preview(title, lambda progress: form(self.db, tid, actor=self.actor), file_name.format(number=number))

    # Forms load reportlab, which start-up does without.
    def print_receipt(self, ticket: TicketInfo | None = None) -> None:
        from app.services import counter_print as printing

        self._print_ticket(_("Service request receipt"), printing.receipt_pdf, _("receipt-{number}.pdf"), ticket)

    def print_dispatch_slip(self) -> None:
        from app.services import counter_print as printing

        self._print_ticket(_("Dispatch slip"), printing.dispatch_slip_pdf, _("dispatch-slip-{number}.pdf"))

    def print_authorisation(self) -> None:
        from app.services import counter_print as printing

        self._print_ticket(_("Letter of authorisation"), printing.authorisation_pdf,
                           _("authorisation-{number}.pdf"))

    def print_ledger(self) -> None:
        from app.services import counter_print as printing
        from app.views.counter.ledger_dialog import LedgerDialog

        dialog = LedgerDialog(self.db, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        chosen = dialog.chosen()
        self._preview(_("Service ticket ledger"),
                      lambda progress: printing.ledger_pdf(self.db, chosen, progress, actor=self.actor),
                      _("ticket-ledger.pdf"))
