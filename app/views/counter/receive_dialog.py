"""Receive a request at the counter (受理): who asks, what about, by when.

The requester is found with the residents' search (type a name, or scan a member
card); someone who is not registered is taken as a walk-in by name and phone and
can be registered later from the ticket.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDateEdit, QDialogButtonBox,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QRadioButton, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _, format_date
from app.services import counter, grids, residents
from app.services.access import Actor
from app.services.counter import CHANNELS, URGENCIES, TicketInfo, TicketInput
from app.views import notices
from app.views.shared.forms import FieldErrors, SavingDialog, error_label
from app.views.shared.resident_search import ResidentSearch


class ReceiveDialog(SavingDialog):
    received = Signal(object)  # the new TicketInfo

    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor, query: str = "",
                 resident_id: int | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.ticket: TicketInfo | None = None
        self._level_touched = False
        self._suggested = ""  # the grid worker last filled in as the assignee
        self.setWindowTitle(_("New request"))
        self.resize(1100, 700)
        self.errors = FieldErrors(error_label())

        who_box = self._build_requester_box()
        request_box = self._build_request_box()
        self.buttons = self._build_buttons()
        columns = QHBoxLayout()
        columns.addWidget(who_box, 5)
        columns.addWidget(request_box, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

        self._who_changed()
        self._update_due()
        self._start_with(query, resident_id)

    # -- building ----------------------------------------------------------------------------
    def _build_requester_box(self) -> QGroupBox:
        """Who is asking: a registered resident found with the residents' search, or a walk-in."""
        self.resident_radio = QRadioButton(_("A registered resident"))
        self.walk_in_radio = QRadioButton(_("Not registered (walk-in)"))
        self.resident_radio.setChecked(True)
        who = QButtonGroup(self)
        who.addButton(self.resident_radio)
        who.addButton(self.walk_in_radio)
        self.search = ResidentSearch(self.db, self, pick_single_only=True)
        self.search.current_changed.connect(lambda _rid: self._requester_changed())
        self.search.activated.connect(lambda _rid: self.category_combo.setFocus())
        self.search.model.modelReset.connect(self._offer_walk_in)
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("chosenRequester")
        self.chosen_label.setWordWrap(True)
        self.no_match = QLabel()
        self.no_match.setProperty("role", "hint")
        self.no_match.setWordWrap(True)
        self.walk_in_box = self._build_walk_in_box()
        self.resident_radio.toggled.connect(self._who_changed)

        who_box = QGroupBox(_("Who is asking"))
        who_layout = QVBoxLayout(who_box)
        radios = QHBoxLayout()
        radios.addWidget(self.resident_radio)
        radios.addWidget(self.walk_in_radio)
        radios.addStretch(1)
        who_layout.addLayout(radios)
        who_layout.addWidget(self.search, 1)
        who_layout.addWidget(self.errors.add("requester", self.search.box))
        who_layout.addWidget(self.errors.add("resident_id", self.search.table))
        who_layout.addWidget(self.chosen_label)
        who_layout.addWidget(self.no_match)
        who_layout.addWidget(self.walk_in_box)
        return who_box

    def _build_walk_in_box(self) -> QWidget:
        self.walk_in_name = QLineEdit()
        self.walk_in_name.setMaxLength(counter.NAME_MAX)
        self.walk_in_phone = QLineEdit()
        self.walk_in_phone.setPlaceholderText(_("Mobile or landline, for the follow-up call"))
        box = QWidget()
        walk_in_form = QFormLayout(box)
        walk_in_form.setContentsMargins(0, 0, 0, 0)
        walk_in_form.addRow(_("Name"), self.walk_in_name)
        walk_in_form.addRow("", self.errors.add("walk_in_name", self.walk_in_name))
        walk_in_form.addRow(_("Phone"), self.walk_in_phone)
        walk_in_form.addRow("", self.errors.add("walk_in_phone", self.walk_in_phone))
        return box

    def _build_request_box(self) -> QGroupBox:
        """The request: its fields, the promised date, the proxy errand and the receipt."""
        self._build_request_fields()
        self._build_proxy_fields()
        self.print_check = QCheckBox(_("Print the receipt for the resident"))
        self.print_check.setChecked(True)
        self.channel_combo.currentIndexChanged.connect(
            lambda _i: self.print_check.setChecked(self.channel_combo.currentData() == "counter"))
        self.form = self._build_request_form()
        self.proxy_check.toggled.connect(self._proxy_toggled)
        self._proxy_toggled(False)
        request_box = QGroupBox(_("The request"))
        request_layout = QVBoxLayout(request_box)
        request_layout.addLayout(self.form)
        request_layout.addStretch(1)
        request_layout.addWidget(self.print_check)
        return request_box

    def _build_request_fields(self) -> None:
        self.channel_combo = QComboBox()
        for code, label in CHANNELS.items():
            self.channel_combo.addItem(_(label), code)
        self.category_combo = QComboBox()
        self.category_combo.addItem(_("— choose —"), None)
        self.categories = {c.id: c for c in counter.list_categories(self.db)}
        for c in self.categories.values():
            self.category_combo.addItem(_("{name} ({days} working days)").format(
                name=c.name, days=c.promised_working_days), c.id)
        self.category_combo.currentIndexChanged.connect(self._category_changed)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(_("What does the resident ask for? In their words."))
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(80)
        self.urgency_combo = QComboBox()
        for code, label in URGENCIES.items():
            self.urgency_combo.addItem(_(label), code)
        self.urgency_combo.setToolTip(_("Minor matters are settled simply, urgent ones at once, and complex "
                                        "ones discussed together"))
        self._build_handler_fields()
        self.received_edit = QDateEdit()
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setDisplayFormat("yyyy-MM-dd")
        today = dt.date.today()
        self.received_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.received_edit.setDate(QDate(today.year, today.month, today.day))
        self.received_edit.dateChanged.connect(self._update_due)
        self.due_label = QLabel()
        self.due_label.setObjectName("promisedDate")

    def _build_handler_fields(self) -> None:
        """Level, grid and assignee: a grid-level matter is offered to that grid's worker."""
        self.level_combo = QComboBox()
        for code, label in counter.level_labels(self.db).items():  # the level above: as the centre calls it
            self.level_combo.addItem(label, code)
        self.level_combo.setCurrentIndex(self.level_combo.findData(counter.CENTRE_LEVEL))  # most kinds' level
        self.level_combo.activated.connect(lambda _i: setattr(self, "_level_touched", True))
        self.grid_combo = QComboBox()
        self.grid_combo.addItem(_("— the requester's grid —"), None)
        for gid, name in grids.grid_choices(self.db, paths=True):
            self.grid_combo.addItem(name, gid)
        self.grid_combo.setToolTip(_("Where the matter is: its grid worker handles grid-level tickets"))
        self.workers = grids.responsible_workers(self.db)
        self.grid_combo.currentIndexChanged.connect(lambda _i: self._suggest_assignee())
        self.level_combo.currentIndexChanged.connect(lambda _i: self._suggest_assignee())
        self.assignee_combo = QComboBox()
        self.assignee_combo.setEditable(True)
        self.assignee_combo.addItem("")
        self.assignee_combo.addItems(counter.assignee_choices(self.db))
        self.assignee_combo.lineEdit().setPlaceholderText(_("Optional: a grid worker or staff member"))
        self.dispatch_check = QCheckBox(_("Dispatch to this person now"))

    def _build_proxy_fields(self) -> None:
        self.proxy_check = QCheckBox(_("Proxy errand: staff run the errand for the resident"))
        self.proxy_principal = QLineEdit()
        self.proxy_principal.setPlaceholderText(_("Default: the requester"))
        self.proxy_agent = QLineEdit()
        self.proxy_matter = QLineEdit()
        self.proxy_matter.setMaxLength(200)

    def _build_request_form(self) -> QFormLayout:
        form = QFormLayout()
        for label, key, widget in ((_("Came in"), "channel", self.channel_combo),
                                   (_("Kind of request"), "category_id", self.category_combo),
                                   (_("Request"), "description", self.description),
                                   (_("Urgency"), "urgency", self.urgency_combo),
                                   (_("Level"), "level", self.level_combo),
                                   (_("Grid"), "grid_id", self.grid_combo),
                                   (_("Assigned to"), "assignee", self.assignee_combo),
                                   ("", "dispatch_now", self.dispatch_check),
                                   (_("Received on"), "received_on", self.received_edit)):
            form.addRow(label, widget)
            form.addRow("", self.errors.add(key, widget))
        form.addRow(_("Promised by"), self.due_label)
        form.addRow("", self.proxy_check)
        self.proxy_rows = [self.proxy_principal]
        form.addRow(_("Authorised by"), self.proxy_principal)
        for label, key, widget in ((_("Errand run by"), "proxy_agent", self.proxy_agent),
                                   (_("Matter authorised"), "proxy_matter", self.proxy_matter)):
            form.addRow(label, widget)
            error = self.errors.add(key, widget)
            form.addRow("", error)
            self.proxy_rows += [widget, error]
        return form

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Receive"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons

    def _start_with(self, query: str, resident_id: int | None) -> None:
        """From the residents tab this person asks; from the counter, what was typed is searched."""
        if resident_id is not None:
            self.search.box.setText(residents.get_resident(self.db, resident_id).data.name)
            self.search.select_row(self.search.model.row_of(resident_id))
            self.category_combo.setFocus()
        else:
            if query:
                self.search.box.setText(query)
            self.search.box.setFocus()

    # -- live behaviour --------------------------------------------------------------------------
    def _proxy_toggled(self, on: bool) -> None:
        for widget in self.proxy_rows:
            self.form.setRowVisible(widget, on)
        if on:
            self.proxy_agent.setFocus()

    def _who_changed(self) -> None:
        registered = self.resident_radio.isChecked()
        self.search.setEnabled(registered)
        self.walk_in_box.setVisible(not registered)
        if not registered:
            typed = self.search.box.text().strip()
            if typed and not self.walk_in_name.text() and not any(ch.isdigit() for ch in typed):
                self.walk_in_name.setText(typed)  # what was typed in the search is the name
            self.no_match.hide()
            self.walk_in_name.setFocus()
        else:
            self._offer_walk_in()
        self._requester_changed()

    def _offer_walk_in(self) -> None:
        typed = self.search.box.text().strip()
        show = self.resident_radio.isChecked() and bool(typed) and self.search.model.rowCount() == 0
        self.no_match.setText(_("No resident matches \"{text}\". If the person is not registered, "
                                "choose \"Not registered (walk-in)\".").format(text=typed))
        self.no_match.setVisible(show)

    def _requester_changed(self) -> None:
        """A registered requester's grid is where the matter is, unless the desk chose another."""
        rid = self.search.current_id() if self.resident_radio.isChecked() else None
        grid_id, chosen = None, ""
        if rid is not None:
            try:
                detail = residents.get_resident(self.db, rid)
            except DeskError:
                detail = None
            if detail is not None:
                grid_id = detail.data.grid_id
                age = residents.age_on(detail.data.birth_date)
                chosen = _("Requester: {name}").format(name=detail.data.name)
                if age is not None:
                    chosen += " · " + _("{age} years old").format(age=age)
                if detail.grid_path:
                    chosen += " · " + detail.grid_path
        elif self.resident_radio.isChecked() and self.search.model.rowCount() > 1:
            chosen = _("Choose the person in the list (arrow keys or a click).")
        self.chosen_label.setText(chosen)
        self.chosen_label.setVisible(bool(chosen))
        self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(grid_id)))
        self._suggest_assignee()

    def _suggest_assignee(self) -> None:
        """A grid-level matter goes to that grid's worker (小事不出网格)."""
        worker = ""
        if self.level_combo.currentData() == counter.GRID_LEVEL:
            worker = self.workers.get(self.grid_combo.currentData(), "")
        # Replace only what was filled in here before, never a name the desk typed.
        typed = self.assignee_combo.currentText().strip()
        if typed in ("", self._suggested):
            self.assignee_combo.setEditText(worker)
            self._suggested = worker

    def _category_changed(self) -> None:
        category = self.categories.get(self.category_combo.currentData())
        if category is not None and not self._level_touched:
            self.level_combo.setCurrentIndex(self.level_combo.findData(category.default_level))
        self._update_due()

    def _received_on(self) -> dt.date:
        d = self.received_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def _update_due(self) -> None:
        category_id = self.category_combo.currentData()
        due = counter.promised_date(self.db, category_id, self._received_on()) if category_id else None
        self.due_label.setText(format_date(due) if due else _("(choose the kind of request)"))

    # -- saving ------------------------------------------------------------------------------------
    def ticket_input(self) -> TicketInput:
        registered = self.resident_radio.isChecked()
        return TicketInput(
            category_id=self.category_combo.currentData(),
            description=self.description.toPlainText(),
            resident_id=self.search.current_id() if registered else None,
            walk_in_name="" if registered else self.walk_in_name.text(),
            walk_in_phone="" if registered else self.walk_in_phone.text(),
            channel=self.channel_combo.currentData(),
            urgency=self.urgency_combo.currentData(),
            level=self.level_combo.currentData(),
            assignee=self.assignee_combo.currentText(),
            grid_id=self.grid_combo.currentData(),
            dispatch_now=self.dispatch_check.isChecked(),
            proxy_errand=self.proxy_check.isChecked(),
            proxy_principal=self.proxy_principal.text(),
            proxy_agent=self.proxy_agent.text(),
            proxy_matter=self.proxy_matter.text(),
            received_on=self._received_on())

    def accept(self) -> None:
        """Receive on the worker; the dialog closes once the ticket is written."""
        data = self.ticket_input()
        db, actor, walk_in = self.db, self.actor, self.walk_in_radio.isChecked()

        def receive() -> TicketInfo:
            try:
                return counter.receive_ticket(db, data, actor=actor)
            except ValidationError as exc:
                if walk_in and "requester" in exc.fields:
                    # For a walk-in, "who is asking" is the name field, not the greyed-out search.
                    exc.fields["walk_in_name"] = exc.fields.pop("requester")
                raise

        self.save_through(receive, topic=notices.TICKETS, errors=self.errors, on_saved=self._received,
                          busy=self.buttons)

    def _received(self, ticket: TicketInfo) -> None:
        self.ticket = ticket
        self.received.emit(ticket)
        super().accept()

