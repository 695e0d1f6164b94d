"""The activities tab (活动台账): the ledger of a period (filtered by type and target group, searched by
title, venue, organiser or partner) with its totals — activities held (场次) and person-times (人次) —
above the chosen activity's participants: a scan box for member cards and ID numbers, residents picked
several at once, the headcount of people not registered, and volunteer points credited in one step.
Everything is read on the worker when first shown and after each "activities" or "residents" notice;
every write goes through a FormDialog or writes.save."""
from __future__ import annotations

import dataclasses
import datetime as dt
import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import _, format_date, format_number
from app.services import access, activities, choices
from app.services.access import Actor
from app.services.activities import TARGET_GROUPS, ActivityDetail, ActivityRow, ParticipantRow
from app.views import notices
from app.views.activities.model import ActivityTableModel, ParticipantTableModel, time_text
from app.views.shared import writes
from app.views.shared.date_range import DateRange
from app.views.shared.forms import show_error
from app.views.shared.tables import scan_colours, select_row, table_view
from app.views.shared.widgets import button_bar, export_xlsx, print_corner, push_button
from app.views.worker import run_in_background

TOPIC = "activities"
ADDED, THERE, REFUSED = "added", "there", "refused"  # a scan's outcome, for the status line's colour
COLOURS = scan_colours(ADDED, "-", THERE, REFUSED)
HEADING = "font-weight: bold; font-size: 15px"
WIDTHS = (95, 95, 190, 90, 95, 130, 170, 60, 60, 60)  # the ledger's columns
TITLE_COLUMN = 2  # takes the room left


class ActivitiesTab(QWidget):
    label_changed = Signal(str, bool)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        super().__init__(parent)
        self.db, self.notice, self.actor = db, notice, actor
        self._today = today  # tests fix the day; None: the real one
        self.activity_id: int | None = None
        self.detail: ActivityDetail | None = None
        self.types: list = []        # the kinds of activity, retired ones too (old activities have them)
        self.merchants: list[tuple[int, str]] = []  # the alliance's members, for partners
        self._loaded = False
        self._reveal: dt.date | None = None  # the day of an activity just saved: the list widens to show it
        self._fetches = 0            # loads asked for: only the latest one is shown
        self._detail_fetches = 0
        self.may_record = access.may(actor, access.ACTIVITIES_RECORD)
        self.may_credit = self.may_record and access.may(actor, access.POINTS_EARN)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._build_ledger())
        splitter.addWidget(self._build_participants())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 390])  # the participants get room while the desk scans (1366×768)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.setFocusProxy(self.search_box)
        notice.changed.connect(self._on_notice)
        self._show_detail(None)

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # -- building ------------------------------------------------------------------------------
    def _build_ledger(self) -> QWidget:
        page = QWidget()
        today = self.today()
        self.period = DateRange(today=today)
        self.period.changed.connect(lambda: self.refresh() if self.period.is_valid() else None)
        self.type_filter = QComboBox()
        self.type_filter.addItem(_("Every type"), None)
        self.type_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.group_filter = QComboBox()
        self.group_filter.addItem(_("Every target group"), None)
        for code, label in TARGET_GROUPS.items():
            self.group_filter.addItem(_(label), code)
        self.group_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search_box = QLineEdit()
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(_("Find: title, venue, organiser or partner"))
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.refresh)

        self.activity_model = ActivityTableModel(self)
        self.activity_view = table_view(self.activity_model, stretch=False, wrap=False)
        metrics = self.activity_view.fontMetrics()
        for column, width in enumerate(WIDTHS):  # at least as wide as the heading (English runs longer)
            heading = self.activity_model.headerData(column, Qt.Orientation.Horizontal)
            self.activity_view.setColumnWidth(column, max(width, metrics.horizontalAdvance(heading) + 18))
        self.activity_view.horizontalHeader().setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.activity_view.selectionModel().currentRowChanged.connect(lambda *_a: self._activity_chosen())
        self.activity_view.doubleClicked.connect(lambda _i: self.edit_activity())
        self.totals_label = QLabel()
        self.totals_label.setObjectName("activityTotals")
        self.totals_label.setStyleSheet("font-weight: bold")

        self.new_button = push_button(_("New activity…"), self.new_activity)
        self.edit_button = push_button(_("Edit…"), self.edit_activity)
        self.delete_button = push_button(_("Delete"), self.delete_activity,
                                         _("Remove an activity entered by mistake, with its participants"))
        self.import_button = push_button(_("Import ledger…"), self.import_ledger,
                                         _("Take in an Excel or CSV activity ledger (台账)"))
        self.export_button = push_button(_("Export…"), lambda: self.export_ledger(),
                                         _("The activities listed, to an Excel file"))
        corner, self.print_button, menu = print_corner()
        corner.layout().setContentsMargins(0, 0, 0, 0)
        self.print_sign_in_action = menu.addAction(_("Sign-in sheet of the chosen activity"),
                                                   lambda: self.print_sign_in())
        self.print_ledger_action = menu.addAction(_("Activity ledger of the period"), lambda: self.print_ledger())
        for button in (self.new_button, self.edit_button, self.delete_button, self.import_button):
            button.setVisible(self.may_record)
        self.print_button.setEnabled(self.may_record)
        self.export_button.setEnabled(self.may_record)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.period)
        filters.addWidget(self.type_filter)
        filters.addWidget(self.group_filter)
        filters.addWidget(self.search_box, 1)
        layout.addLayout(filters)
        layout.addWidget(self.activity_view, 1)
        layout.addLayout(button_bar(self.totals_label, self.new_button, self.edit_button, self.delete_button,
                                    self.import_button, self.export_button, corner, stretch_at=1))
        return page

    def _build_participants(self) -> QWidget:
        self.participants_box = QGroupBox(_("Participants"))
        self.heading = QLabel()
        self.heading.setStyleSheet(HEADING)
        self.heading.setWordWrap(True)
        self.scan_box = QLineEdit()
        self.scan_box.setObjectName("activityScanBox")
        self.scan_box.setStyleSheet("QLineEdit#activityScanBox { font-size: 18px; padding: 4px; }")
        self.scan_box.setPlaceholderText(_("Scan a member card or an ID number, then Enter, to add the resident"))
        self.scan_box.setClearButtonEnabled(True)
        self.scan_box.returnPressed.connect(self.scan)
        self.status_line = QLabel()
        self.status_line.setObjectName("activityStatus")
        self.status_line.setWordWrap(True)
        self.status_line.setTextFormat(Qt.TextFormat.RichText)
        self.outcome = "hint"
        self.participant_model = ParticipantTableModel(self)
        self.participant_view = table_view(self.participant_model, wrap=False)
        self.participant_view.setMinimumHeight(self.participant_view.verticalHeader().defaultSectionSize() * 7)
        for column, width in enumerate((130, 130, 110)):
            self.participant_view.setColumnWidth(column, width)
        self.participant_view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow())
        self.add_button = push_button(_("Add residents…"), self.add_residents,
                                      _("Find residents by name, pinyin or phone and add several at once"))
        self.remove_button = push_button(_("Remove"), self.remove_participant)
        self.participant_count = QLabel()
        self.participant_count.setProperty("role", "hint")

        self.headcount_spin = QSpinBox()
        self.headcount_spin.setRange(0, activities.HEADCOUNT_MAX)
        self.headcount_spin.setToolTip(_("People who came and are not in the registry"))
        self.headcount_spin.valueChanged.connect(lambda _v: self._follow())
        self.headcount_spin.editingFinished.connect(self.save_headcount)
        self.headcount_button = push_button(_("Save"), self.save_headcount)
        self.credit_button = push_button(_("Credit volunteer points…"), self.credit_points,
                                         _("Volunteer points for every participant not credited yet, in one step"))
        self.credit_result = QLabel()
        self.credit_result.setObjectName("creditResult")
        self.credit_result.setWordWrap(True)
        self.credit_result.setStyleSheet("color: #1b5e20")
        for widget in (self.scan_box, self.add_button, self.remove_button, self.headcount_button):
            widget.setVisible(self.may_record)
        self.headcount_spin.setReadOnly(not self.may_record)
        self.credit_button.setVisible(self.may_credit)

        left = QVBoxLayout()
        left.addWidget(self.scan_box)
        left.addWidget(self.status_line)
        left.addWidget(self.participant_view, 1)
        left.addLayout(button_bar(self.participant_count, self.add_button, self.remove_button, stretch_at=1))
        right = QVBoxLayout()
        headcount_label = QLabel(_("Not registered"))
        headcount_label.setToolTip(self.headcount_spin.toolTip())
        right.addLayout(button_bar(headcount_label, self.headcount_spin, QLabel(_("people")), self.headcount_button))
        self.person_times_label = QLabel()
        self.person_times_label.setStyleSheet(HEADING)
        right.addWidget(self.person_times_label)
        right.addSpacing(12)
        right.addLayout(button_bar(self.credit_button))
        right.addWidget(self.credit_result)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self.participants_box)
        layout.addWidget(self.heading)
        layout.addLayout(body, 1)
        self.show_hint()
        return self.participants_box

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def filters(self) -> dict:
        start, end = self.period.dates()
        return {"date_from": start, "date_to": end, "query": self.search_box.text(),
                "type_id": self.type_filter.currentData(), "target_group": self.group_filter.currentData()}

    def refresh(self) -> None:
        """Read the kinds of activity, the alliance's members, the filtered list and the chosen activity —
        on the worker."""
        if not self.period.is_valid():
            return
        first = not self._loaded
        self._loaded = True
        self._fetches += 1
        asked, db, wanted, filters, today = self._fetches, self.db, self.activity_id, self.filters(), self.today()
        reveal, self._reveal = self._reveal, None

        def fetch(_progress):
            from app.services import alliance

            types = choices.list_choices(db, activities.ACTIVITY_TYPES, include_inactive=True)
            members = [(m.id, m.name) for m in alliance.list_merchants(db, status=alliance.MEMBER, today=today)]
            shown = filters
            rows = activities.list_activities(db, **shown)
            if reveal is not None and all(r.id != wanted for r in rows):
                # An activity just saved that the period or the filters hide: its month, then no filters.
                if not filters["date_from"] <= reveal <= filters["date_to"]:
                    start = reveal.replace(day=1)
                    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
                    shown = {**shown, "date_from": start, "date_to": end}
                    rows = activities.list_activities(db, **shown)
                if all(r.id != wanted for r in rows):
                    shown = {**shown, "query": "", "type_id": None, "target_group": None}
                    rows = activities.list_activities(db, **shown)
            # The first load opens on the newest activity; later, one that left the list is not replaced by
            # another (a scan would go to an activity nobody chose).
            chosen = next((r for r in rows if r.id == wanted), rows[0] if first and rows and wanted is None else None)
            detail = activities.get_activity(db, chosen.id) if chosen else None
            return types, members, rows, detail, (shown if shown is not filters else None)

        def arrived(result) -> None:
            if asked == self._fetches:
                *shown, widened = result
                if widened is not None:
                    self._show_filters(widened)
                self._show(*shown)
                if widened is not None:
                    self.show_line("hint", _("The list now shows the activity just saved."))

        run_in_background(self, fetch, on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def load_detail(self) -> None:
        """Only the chosen activity (another row clicked, or its participants changed)."""
        self._detail_fetches += 1
        asked, db, aid = self._detail_fetches, self.db, self.activity_id

        def arrived(detail) -> None:
            if asked == self._detail_fetches and aid == self.activity_id:
                self._show_detail(detail)

        run_in_background(self, lambda _p: activities.get_activity(db, aid) if aid is not None else None,
                          on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def _show(self, types, members, rows: list[ActivityRow], detail: ActivityDetail | None) -> None:
        self.types, self.merchants = types, members
        self._show_types(types)
        self.activity_model.set_rows(rows)
        if detail is not None:  # one the filters hide stays wanted: it comes back chosen with them
            self.activity_id = detail.row.id
        self.activity_view.selectionModel().blockSignals(True)
        select_row(self.activity_view, self.activity_model.row_of(self.activity_id))
        self.activity_view.selectionModel().blockSignals(False)
        registered = sum(r.registered for r in rows)
        headcount = sum(r.headcount for r in rows)
        self.totals_label.setText(_("{n} activities, {person_times} person-times ({registered} registered, "
                                    "{others} not registered)").format(
            n=format_number(len(rows)), person_times=format_number(registered + headcount),
            registered=format_number(registered), others=format_number(headcount)))
        self._show_detail(detail)

    def _show_filters(self, filters: dict) -> None:
        """The filters an activity just saved needed, put in the widgets without reading the list again."""
        for widget in (self.period, self.type_filter, self.group_filter, self.search_box):
            widget.blockSignals(True)
        self.period.set_range(filters["date_from"], filters["date_to"])
        if filters["type_id"] is None:
            self.type_filter.setCurrentIndex(0)
        if filters["target_group"] is None:
            self.group_filter.setCurrentIndex(0)
        self.search_box.setText(filters["query"])
        for widget in (self.period, self.type_filter, self.group_filter, self.search_box):
            widget.blockSignals(False)
        self._search_timer.stop()

    def _show_types(self, types) -> None:
        keep = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem(_("Every type"), None)
        for t in types:
            self.type_filter.addItem(t.name if t.active else _("{name} (retired)").format(name=t.name), t.id)
        self.type_filter.setCurrentIndex(max(0, self.type_filter.findData(keep)))
        self.type_filter.blockSignals(False)

    def _show_detail(self, detail: ActivityDetail | None) -> None:
        self.detail = detail
        self.participants_box.setEnabled(detail is not None)
        self.headcount_spin.blockSignals(True)
        self.headcount_spin.setValue(detail.data.headcount if detail else 0)
        self.headcount_spin.blockSignals(False)
        for widget in (self.scan_box, self.headcount_spin, self.credit_button):
            widget.setEnabled(detail is not None)  # nothing to act on until an activity is chosen
        if detail is None:
            self.participants_box.setTitle(_("Participants"))
            self.heading.setText(_("No activities in this period yet: record one with “New activity…”.")
                                 if not self.activity_model.rows else _("No activity chosen: click one in the list."))
            self.participant_model.set_rows([])
            self.participant_count.setText("")
            self.person_times_label.setText("")
            self._follow()
            return
        row = detail.row
        self.participants_box.setTitle(_("Participants of “{title}”").format(title=row.title))
        when = " ".join(x for x in (format_date(row.held_on), time_text(row)) if x)
        self.heading.setText(_("{title} · {when} · {venue}").format(title=row.title, when=when, venue=row.venue)
                             if row.venue else _("{title} · {when}").format(title=row.title, when=when))
        keep = self.current_participant()
        self.participant_model.set_rows(detail.participants)
        if keep is not None:
            select_row(self.participant_view, self.participant_model.row_of(keep.resident_id))
        credited = sum(p.points is not None for p in detail.participants)
        self.participant_count.setText(_("{n} registered, {credited} credited with points").format(
            n=format_number(len(detail.participants)), credited=format_number(credited)))
        self.person_times_label.setText(_("Person-times: {n}").format(n=format_number(row.person_times)))
        self._follow()

    def _follow(self) -> None:
        detail = self.detail
        chosen = self.current_participant()
        self.edit_button.setEnabled(detail is not None)
        self.delete_button.setEnabled(detail is not None)
        self.print_sign_in_action.setEnabled(detail is not None)
        self.remove_button.setEnabled(chosen is not None and chosen.points is None)
        self.headcount_button.setEnabled(detail is not None and self.headcount_spin.value() != detail.data.headcount)
        self.credit_button.setEnabled(detail is not None and any(p.points is None for p in detail.participants))
        self.scan_box.setEnabled(detail is not None)
        self.headcount_spin.setEnabled(detail is not None)

    def current_label(self) -> tuple[str, bool]:
        return _("Activities"), False

    def _on_notice(self, what: str) -> None:
        if what in (TOPIC, notices.RESIDENTS, "alliance") and self._loaded:
            self.refresh()

    # -- what is chosen ----------------------------------------------------------------------------
    def current_activity(self) -> ActivityRow | None:
        return self.activity_model.row(self.activity_view.selectionModel().currentIndex().row())

    def current_participant(self) -> ParticipantRow | None:
        return self.participant_model.row(self.participant_view.selectionModel().currentIndex().row())

    def _activity_chosen(self) -> None:
        row = self.current_activity()
        if row is not None and row.id != self.activity_id:
            self.activity_id = row.id
            self.credit_result.clear()
            self.show_hint()
            self.load_detail()

    def select_activity(self, activity_id: int) -> None:
        self.activity_id = activity_id
        self.refresh()

    # -- the status line ---------------------------------------------------------------------------
    def show_hint(self) -> None:
        self.show_line("hint", _("Ready: scan a member card or an ID number to add a participant.")
                       if self.may_record else _("Your role may not record participants."))

    def show_line(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        mark = {ADDED: "✔ ", THERE: "⚠ ", REFUSED: "✖ "}.get(outcome, "")
        big = outcome != "hint"
        background, colour = COLOURS.get(outcome, COLOURS["hint"])
        self.status_line.setText(f"<span style='font-size:{16 if big else 13}px;font-weight:{700 if big else 400}'>"
                                 f"{html.escape(mark + message)}</span>")
        self.status_line.setStyleSheet(f"QLabel#activityStatus {{ background: {background}; color: {colour}; "
                                       f"padding: 5px 10px; border-radius: 3px; }}")

    # -- participants ------------------------------------------------------------------------------
    def scan(self) -> None:
        """A member card (ND:…) or an ID number scanned: the resident joins the chosen activity."""
        text = self.scan_box.text().strip()
        self.scan_box.clear()
        if not text or self.detail is None:
            return
        db, actor, aid = self.db, self.actor, self.detail.row.id  # the activity the heading names

        def scanned(row: ParticipantRow) -> None:
            if row.added:
                self.show_line(ADDED, _("{name} added.").format(name=row.name))
            else:
                self.show_line(THERE, _("{name} is already on the list.").format(name=row.name))
            self.scan_box.setFocus()

        def refused(exc: Exception) -> None:
            self.show_line(REFUSED, exc.message if isinstance(exc, ValidationError) else _("Not added."))
            QApplication.beep()
            self.scan_box.setFocus()

        writes.save(self, lambda: activities.add_participant_by_scan(db, aid, text, actor=actor), topic=TOPIC,
                    on_saved=scanned, on_failed=refused, report_errors=False)

    def add_residents(self) -> None:
        from app.views.activities.dialog import PickResidentsDialog

        if self.detail is None:
            return
        picker = PickResidentsDialog(self.db, self, already={p.resident_id for p in self.detail.participants})
        if picker.exec() != QDialog.DialogCode.Accepted or not picker.ids():
            return
        db, actor, aid, ids = self.db, self.actor, self.detail.row.id, picker.ids()
        writes.save(self, lambda: activities.add_participants(db, aid, ids, actor=actor), topic=TOPIC,
                    busy=self.add_button, on_saved=lambda n: self.show_line(ADDED, _("{n} residents added.").format(
                        n=format_number(n))))

    def remove_participant(self) -> None:
        chosen = self.current_participant()
        if chosen is None or self.detail is None:
            return
        db, actor, aid, rid = self.db, self.actor, self.detail.row.id, chosen.resident_id
        removed = _("{name} taken off the list.").format(name=chosen.name)
        writes.save(self, lambda: activities.remove_participant(db, aid, rid, actor=actor), topic=TOPIC,
                    busy=self.remove_button, on_saved=lambda _r: self.show_line("hint", removed))

    def save_headcount(self) -> None:
        """The headcount typed beside the list: the activity saved with it (refused if another desk changed
        the activity meanwhile)."""
        detail, value = self.detail, self.headcount_spin.value()
        if detail is None or value == detail.data.headcount or not self.may_record:
            return
        db, actor, aid = self.db, self.actor, detail.row.id
        data = dataclasses.replace(detail.data, headcount=value)
        # A refusal (another desk changed the activity) shows its message; the list is read again.
        writes.save(self, lambda: activities.update_activity(db, aid, data, actor=actor, loaded_at=detail.updated_at),
                    topic=TOPIC, busy=self.headcount_button, on_failed=lambda _e: self.refresh())

    def credit_points(self) -> None:
        """Volunteer points for the participants not credited yet: the kinds of service are read on the
        worker, then the dialog asks which."""
        from app.services import points

        if self.detail is None or not self.may_credit:
            return
        detail, db = self.detail, self.db

        def ask(types) -> None:
            from app.views.activities.dialog import CreditDialog

            if not types:
                QMessageBox.information(self, _("Credit volunteer points"), _(
                    "No kinds of service yet: an administrator adds them under Settings."))
                return
            dialog = CreditDialog(self.db, detail, types, self, actor=self.actor)
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.credited is not None:
                self.credit_result.setText(_("Points credited to {n} participants.").format(
                    n=format_number(dialog.credited)))

        run_in_background(self, lambda _p: points.list_service_types(db, on=detail.row.held_on), on_done=ask,
                          on_error=lambda exc: show_error(self, exc))

    # -- activities --------------------------------------------------------------------------------
    def new_activity(self) -> None:
        from app.views.activities.dialog import ActivityDialog

        dialog = ActivityDialog(self.db, None, self.types, self.merchants, self, actor=self.actor,
                                today=self.today())
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved_id is not None:
            self._saved(dialog)
            self.scan_box.setFocus()

    def _saved(self, dialog) -> None:
        """The activity just saved is the chosen one, shown even when the period or the filters hid it."""
        self.activity_id = dialog.saved_id
        self._reveal = dialog.held_on()
        self.refresh()

    def edit_activity(self) -> None:
        from app.views.activities.dialog import ActivityDialog

        if self.detail is not None and self.may_record:
            dialog = ActivityDialog(self.db, self.detail, self.types, self.merchants, self, actor=self.actor,
                                    today=self.today())
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self._saved(dialog)  # its new date may be outside the period

    def delete_activity(self) -> None:
        detail = self.detail
        if detail is None or not self.may_record:
            return
        question = _("Delete “{title}” of {date} with its {n} participants? This is for an activity entered by "
                     "mistake.").format(title=detail.row.title, date=format_date(detail.row.held_on),
                                        n=format_number(len(detail.participants)))
        if QMessageBox.question(self, _("Delete the activity"), question,
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                QMessageBox.StandardButton.Cancel) != QMessageBox.StandardButton.Yes:
            return
        db, actor, aid = self.db, self.actor, detail.row.id
        self.activity_id = None
        writes.save(self, lambda: activities.delete_activity(db, aid, actor=actor), topic=TOPIC,
                    busy=self.delete_button)

    def import_ledger(self) -> None:
        from app.views.activities.import_dialog import import_activities

        import_activities(self, self.db, self.notice, actor=self.actor)

    def export_ledger(self, path: str | None = None) -> None:
        """The activities listed (the filters as they stand) to an .xlsx, written on the worker."""
        try:
            from app.services import activities_export
        except ModuleNotFoundError as exc:  # written by another part of the work
            if exc.name != "app.services.activities_export":
                raise
            QMessageBox.information(self, _("Export to Excel"), _("Exporting the activity ledger is not "
                                                                  "available in this version."))
            return
        filters, db, actor = self.filters(), self.db, self.actor
        export_xlsx(self, self.export_button, _("activities-{start}-{end}.xlsx").format(
            start=filters["date_from"].isoformat(), end=filters["date_to"].isoformat()),
            lambda path: activities_export.export_ledger(db, path, actor=actor, **filters),
            _("The activity ledger was saved to {path}."), path=path)

    # -- printing ----------------------------------------------------------------------------------
    # Forms load reportlab and QtPdf, which start-up does without: imported when asked for.
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview

        preview(self, title, make_pdf, file_name)

    def print_sign_in(self) -> None:
        from app.services import activities_print

        if self.detail is None:
            return
        db, actor, aid = self.db, self.actor, self.detail.row.id
        self._preview(_("Activity sign-in sheet"), lambda _p: activities_print.sign_in_sheet_pdf(db, aid, actor=actor),
                      _("activity-sign-in-{date}.pdf").format(date=self.detail.row.held_on.isoformat()))

    def print_ledger(self) -> None:
        from app.services import activities_print

        if not self.period.is_valid():
            return
        (start, end), db, actor = self.period.dates(), self.db, self.actor
        self._preview(_("Activity ledger"),
                      lambda _p: activities_print.activity_ledger_pdf(db, start, end, actor=actor),
                      _("activity-ledger-{start}-{end}.pdf").format(start=start.isoformat(), end=end.isoformat()))
