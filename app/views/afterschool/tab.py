"""The after-school tab (四点半课堂): the classes on the left (enrolled / capacity / waiting always
shown); for the chosen class, the session of a day (scan box, marks, sign-out), the class's list
with its waiting list, the sessions of the term; and the end-of-day "still here" list across
classes. Everything is read on the worker when first shown and after each "afterschool" notice;
every write goes through writes.save or a FormDialog."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QCheckBox, QDialog, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QSplitter, QTableView, QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_date, format_number
from app.services import access, afterschool
from app.services.access import Actor, PermissionDenied
from app.services.afterschool import ABSENT, LEAVE, PRESENT, ClassRow, EnrolmentRow, ScanResult, SessionChild
from app.views import notices
from app.views.afterschool.model import (ClassTableModel, EnrolmentTableModel, SessionTableModel, StillHereModel,
                                         TermSessionsModel, places_text, schedule_text)
from app.views.shared import writes
from app.views.shared.date_range import date_edit, to_date, to_qdate
from app.views.shared.forms import show_error
from app.views.shared.list_model import clock_text
from app.views.shared.tables import scan_colours, select_row, table_view
from app.views.shared.widgets import button_bar, export_xlsx, print_corner, push_button
from app.views.worker import run_in_background

TOPIC = "afterschool"
REFRESH_MS = 60 * 1000  # other desks' scans, and end times passing
SESSION, CLASS_LIST, SESSIONS, STILL_HERE = range(4)  # the pages
# The status line's colours: background, text.
COLOURS = scan_colours(afterschool.SIGNED_IN, afterschool.SIGNED_OUT, afterschool.IGNORED, afterschool.REFUSED)


def _table(model) -> QTableView:
    return table_view(model, wrap=False)


def _readable(call):
    """A read that a role may not make gives None (the page says so) instead of an error."""
    try:
        return call()
    except PermissionDenied:
        return None


class AfterSchoolTab(QWidget):
    label_changed = Signal(str, bool)  # the tab's label, and whether it is an alert (a child overdue)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        super().__init__(parent)
        self.db, self.notice, self.actor = db, notice, actor
        self.clock = clock  # the time of scans, marks and sign-outs (tests set it)
        self.classes: list[ClassRow] = []
        self.class_id: int | None = None
        self.view = None  # the SessionView shown
        self.still: list = []
        self._loaded = False
        self._fetches = 0  # loads asked for: only the latest one is shown
        self._label = (_("After-school"), False)
        self.may_attend = access.may(actor, access.AFTERSCHOOL_ATTEND)
        self.may_enrol = access.may(actor, access.AFTERSCHOOL_ENROL)
        self.may_classes = access.may(actor, access.AFTERSCHOOL_CLASSES)
        # Children's names, presence and pick-up adults only for staff who work with them: a viewer
        # or a grid worker sees the classes and their counts, nothing of a child is read for them.
        self.may_see_children = afterschool.may_see_children(actor=actor)

        splitter = QSplitter()
        splitter.addWidget(self._build_classes())
        right = QWidget()
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; font-size: 15px")
        self.pages = QTabWidget()
        self.pages.addTab(self._children_only(self._build_session()), _("Session"))
        self.pages.addTab(self._children_only(self._build_class_list()), _("Class list"))
        self.pages.addTab(self._build_sessions(), _("Sessions of the term"))
        self.pages.addTab(self._children_only(self._build_still_here()), _("Still here"))
        self.pages.setCornerWidget(self._build_print_button(), Qt.Corner.TopRightCorner)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.pages, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([610, 750])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        notice.changed.connect(self._on_notice)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self._follow()

    def _now(self) -> dt.datetime:
        return self.clock().replace(microsecond=0)

    # -- building ------------------------------------------------------------------------------
    def _children_only(self, page: QWidget) -> QWidget:
        """The page for a role that may see the children; one plain line for any other."""
        if self.may_see_children:
            return page
        holder = QStackedWidget()
        holder.addWidget(page)
        line = QLabel(_("Your role may not see the children's details."))
        line.setAlignment(Qt.AlignmentFlag.AlignCenter)
        line.setWordWrap(True)
        holder.addWidget(line)
        holder.setCurrentWidget(line)
        return holder

    def _build_classes(self) -> QWidget:
        page = QWidget()
        self.class_model = ClassTableModel(self)
        self.class_view = _table(self.class_model)
        # A class's name whole, as centres name them; the last column (the places) stretches, and is
        # never narrower than the header's default section size: 90, so no scroll bar at 1366 pixels.
        self.class_view.horizontalHeader().setDefaultSectionSize(90)
        for column, width in enumerate((165, 80, 150, 60)):
            self.class_view.setColumnWidth(column, width)
        self.class_view.selectionModel().currentRowChanged.connect(lambda *_a: self._class_chosen())
        self.class_view.doubleClicked.connect(lambda _i: self.edit_class())
        self.archived_check = QCheckBox(_("Show archived"))
        self.archived_check.toggled.connect(lambda _on: self.refresh())
        self.new_class_button = push_button(_("New class…"), self.new_class)
        self.edit_class_button = push_button(_("Class…"), self.edit_class)
        self.archive_button = push_button(_("Archive / restore"), self.archive_class,
                                      _("An archived class keeps its records and figures but is no longer listed."))
        self.new_class_button.setEnabled(self.may_classes)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(_("Classes"))
        title.setStyleSheet("font-weight: bold; font-size: 15px")
        layout.addLayout(button_bar(title, self.archived_check, stretch_at=1))
        layout.addWidget(self.class_view, 1)
        layout.addLayout(button_bar(self.new_class_button, self.edit_class_button, self.archive_button))
        return page

    def _build_session(self) -> QWidget:
        page = QWidget()
        self.day_edit = date_edit(self._now().date())
        self.day_edit.dateChanged.connect(lambda _d: self._moved())
        self.today_button = push_button(_("Today"), lambda: self.day_edit.setDate(to_qdate(self._now().date())))
        self.session_label = QLabel()
        self.session_label.setWordWrap(True)
        self.scan_box = QLineEdit()
        self.scan_box.setObjectName("afterschoolScanBox")
        self.scan_box.setStyleSheet("QLineEdit#afterschoolScanBox { font-size: 18px; padding: 4px; }")
        self.scan_box.setPlaceholderText(_("Scan the child's card to sign in, or a pick-up card to sign out, then "
                                           "Enter"))
        self.scan_box.setClearButtonEnabled(True)
        self.scan_box.returnPressed.connect(self.scan)
        self.scan_box.setEnabled(self.may_attend)
        if not self.may_attend:
            self.scan_box.setPlaceholderText(_("Your role may not sign children in or out."))
        self.status_line = QLabel()
        self.status_line.setObjectName("afterschoolStatus")
        self.status_line.setWordWrap(True)
        self.status_line.setTextFormat(Qt.TextFormat.RichText)
        self.outcome = "hint"
        self.show_hint()
        self.session_model = SessionTableModel(self)
        self.session_view = _table(self.session_model)
        for column, width in enumerate((110, 120, 55, 55, 140, 110)):
            self.session_view.setColumnWidth(column, width)
        self.session_view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow())
        self.session_view.doubleClicked.connect(lambda _i: self.sign_out())
        self.present_button = push_button(_("Present"), lambda: self.mark(PRESENT))
        self.absent_button = push_button(_("Absent"), lambda: self.mark(ABSENT))
        self.leave_button = push_button(_("On leave…"), lambda: self.mark(LEAVE))
        self.all_present_button = push_button(_("Mark all present"), self.mark_all_present,
                                          _("Every child not marked yet is marked present now"))
        self.sign_out_button = push_button(_("Sign out…"), self.sign_out)
        self.undo_button = push_button(_("Undo sign-out…"), self.undo_sign_out,
                                   _("A sign-out recorded by mistake: the child is back as signed in"))
        self.cards_button = push_button(_("Pick-up cards…"), self.print_pickup_cards)
        layout = QVBoxLayout(page)
        layout.addLayout(button_bar(QLabel(_("Day")), self.day_edit, self.today_button))
        layout.addWidget(self.session_label)  # its own line: a cancelled day's reason wraps whole
        layout.addWidget(self.scan_box)
        layout.addWidget(self.status_line)
        layout.addWidget(self.session_view, 1)
        layout.addLayout(button_bar(self.present_button, self.absent_button, self.leave_button, self.all_present_button,
                                    self.sign_out_button, self.undo_button, stretch_at=4))
        return page

    def _build_class_list(self) -> QWidget:
        page = QWidget()
        self.enrolment_model = EnrolmentTableModel(self)
        self.enrolment_view = _table(self.enrolment_model)
        for column, width in enumerate((110, 110, 45, 80, 120, 90)):
            self.enrolment_view.setColumnWidth(column, width)
        self.enrolment_view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow())
        self.enrolment_view.doubleClicked.connect(lambda _i: self.child_profile())
        self.left_check = QCheckBox(_("Show those who left"))
        self.left_check.toggled.connect(lambda _on: self.refresh())
        self.list_count = QLabel()
        self.list_count.setProperty("role", "hint")
        self.enrol_button = push_button(_("Enrol in the class…"), lambda: self.enrol())
        self.withdraw_button = push_button(_("Withdraw…"), self.withdraw)
        self.confirm_button = push_button(_("Confirm place"), self.confirm_offer)
        self.pass_button = push_button(_("Pass…"), self.pass_offer, _("The child does not take the place; the next "
                                                                   "waiting child is offered it"))
        self.profile_button = push_button(_("Child profile…"), self.child_profile)
        self.import_button = push_button(_("Import a class list…"), self.import_list)
        layout = QVBoxLayout(page)
        layout.addLayout(button_bar(self.list_count, self.left_check, self.import_button, stretch_at=1))
        layout.addWidget(self.enrolment_view, 1)
        layout.addLayout(button_bar(self.enrol_button, self.withdraw_button, self.confirm_button, self.pass_button,
                                    self.profile_button, stretch_at=4))
        return page

    def _build_sessions(self) -> QWidget:
        page = QWidget()
        self.term_model = TermSessionsModel(self)
        self.term_view = _table(self.term_model)
        for column, width in enumerate((100, 60, 100)):
            self.term_view.setColumnWidth(column, width)
        self.term_view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow())
        self.term_view.doubleClicked.connect(lambda _i: self._open_session())
        self.term_count = QLabel()
        self.term_count.setProperty("role", "hint")
        self.cancel_session_button = push_button(_("Cancel session…"), self.cancel_session)
        self.add_session_button = push_button(_("Add a session…"), self.add_session)
        self.restore_session_button = push_button(_("Restore session"), self.restore_session)
        layout = QVBoxLayout(page)
        layout.addWidget(self.term_count)
        layout.addWidget(self.term_view, 1)
        layout.addLayout(button_bar(self.cancel_session_button, self.restore_session_button, self.add_session_button))
        return page

    def _build_still_here(self) -> QWidget:
        page = QWidget()
        self.still_heading = QLabel()
        self.still_heading.setStyleSheet("font-weight: bold; font-size: 15px")
        self.still_model = StillHereModel(self)
        self.still_view = _table(self.still_model)
        for column, width in enumerate((90, 165, 55, 55, 60)):
            self.still_view.setColumnWidth(column, width)
        self.still_view.setWordWrap(True)  # the guardians, one a line
        self.still_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.still_view.doubleClicked.connect(lambda index: self._open_still(index.row()))
        refresh = push_button(_("Refresh"), self.refresh)
        layout = QVBoxLayout(page)
        layout.addLayout(button_bar(self.still_heading, refresh, stretch_at=1))
        layout.addWidget(self.still_view, 1)
        return page

    def _build_print_button(self) -> QWidget:
        corner, self.print_button, menu = print_corner()
        self.print_roster_action = menu.addAction(_("Class roster…"), lambda: self.print_roster())
        self.print_sheet_action = menu.addAction(_("Session sign-in / sign-out sheet…"),
                                                 lambda: self.print_session_sheet())
        self.print_month_action = menu.addAction(_("Class month summary…"), lambda: self.print_class_month())
        menu.addSeparator()
        self.print_cards_action = menu.addAction(_("Pick-up cards of the chosen child…"),
                                                 lambda: self.print_pickup_cards())
        menu.addSeparator()
        self.export_action = menu.addAction(_("Export figures to Excel…"), lambda: self.export_figures())
        self.export_action.setEnabled(self.may_enrol)  # the sheet of unlisted pick-ups names children
        self.print_button.setEnabled(self.may_attend)  # the forms' permission
        return corner

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def day(self) -> dt.date:
        return to_date(self.day_edit.date())

    def refresh(self) -> None:
        """Read the classes and, for the chosen class, the day's session, its list and its sessions;
        and the still-here list of today — all on the worker."""
        self._loaded = True
        self._fetches += 1
        asked, db, actor, at, day = self._fetches, self.db, self.actor, self._now(), self.day()
        archived, left, wanted = self.archived_check.isChecked(), self.left_check.isChecked(), self.class_id
        children = self.may_see_children

        def fetch(_progress):
            classes = afterschool.list_classes(db, include_inactive=archived)
            chosen = next((c for c in classes if c.id == wanted), classes[0] if classes else None)
            detail = None
            if chosen is not None:
                at_day = at if day == at.date() else None
                terms = afterschool.sessions(db, chosen.id, chosen.term_start, chosen.term_end)
                if children:
                    detail = (_readable(lambda: afterschool.session_view(db, chosen.id, day, actor=actor,
                                                                         at=at_day)),
                              _readable(lambda: afterschool.class_list(db, chosen.id, include_left=left,
                                                                       actor=actor)) or [], terms)
                else:
                    detail = (None, [], terms)
            still = _readable(lambda: afterschool.still_here(db, at.date(), actor=actor, at=at)) if children else None
            return classes, chosen, detail, still

        def arrived(result) -> None:
            if asked == self._fetches:
                self._show(*result)

        run_in_background(self, fetch, on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def _show(self, classes: list[ClassRow], chosen: ClassRow | None, detail, still) -> None:
        self.classes = classes
        self.class_id = chosen.id if chosen else None
        self.class_model.set_rows(classes)
        self.class_view.selectionModel().blockSignals(True)
        select_row(self.class_view, self.class_model.row_of(self.class_id))
        self.class_view.selectionModel().blockSignals(False)
        if chosen is None:
            self.heading.setText(_("No classes yet: add one with “New class…”.") if not classes else "")
            self.view = None
            self.session_model.set_rows([])
            self.enrolment_model.set_rows([])
            self.term_model.set_rows([])
            self.session_label.setText("")
        else:
            self.heading.setText(_("{name} — {schedule}, room {room}; taken / max / waiting: {places}").format(
                name=chosen.name, schedule=schedule_text(chosen), room=chosen.room or "—",
                places=places_text(chosen)))
            self._show_session(chosen, detail[0])
            self._show_list(detail[1])
            self._show_terms(detail[2])
        self._show_still(still)
        self._follow()

    def _show_session(self, chosen: ClassRow, view) -> None:
        keep = self.current_child()
        self.view = view
        day_text = format_date(self.day(), "full")
        if view is None:
            self.session_model.set_rows([])
            self.session_label.setText(_("Your role may not see the session's attendance."))
            return
        self.session_model.set_rows(view.children)
        session = view.session
        if session is None:
            text = _("No session of {cls} on {date}.").format(cls=chosen.name, date=day_text)
            style = "color: #8d6e00; font-weight: bold"
        elif session.cancelled:
            text = _("The session of {date} is cancelled: {reason}").format(date=day_text, reason=session.reason)
            style = "color: #b71c1c; font-weight: bold"
        else:
            waiting = sum(c.waiting_to_go for c in view.children)
            text = _("{date}, {start}–{end}: {present} of {n} present, {waiting} still here.").format(
                date=day_text, start=clock_text(session.start_time), end=clock_text(session.end_time),
                present=format_number(view.present), n=format_number(len(view.children)),
                waiting=format_number(waiting))
            style = ""
        self.session_label.setText(text)
        self.session_label.setStyleSheet(style)
        if keep is not None:
            select_row(self.session_view, self.session_model.row_of(keep.resident_id))

    def _show_list(self, rows: list[EnrolmentRow]) -> None:
        keep = self.current_enrolment()
        self.enrolment_model.set_rows(rows)
        counts = {s: sum(r.status == s for r in rows) for s in (afterschool.ENROLLED, afterschool.OFFERED,
                                                                afterschool.WAITING)}
        self.list_count.setText(_("{enrolled} enrolled, {offered} offered a place, {waiting} waiting").format(
            enrolled=format_number(counts[afterschool.ENROLLED]), offered=format_number(counts[afterschool.OFFERED]),
            waiting=format_number(counts[afterschool.WAITING])))
        if keep is not None:
            select_row(self.enrolment_view, next((i for i, r in enumerate(rows) if r.id == keep.id), -1))

    def _show_terms(self, sessions) -> None:
        keep = self.current_session()
        self.term_model.set_rows(sessions)
        held = sum(not s.cancelled for s in sessions)
        self.term_count.setText(_("{n} sessions this term, {c} cancelled").format(
            n=format_number(held), c=format_number(len(sessions) - held)))
        select_row(self.term_view, self.term_model.row_of(keep.day if keep else self.day()))

    def _show_still(self, still) -> None:
        self.still = still or []
        self.still_model.now = self._now()
        self.still_model.set_rows(self.still)
        overdue = sum(s.overdue for s in self.still)
        if still is None:
            self.still_heading.setText(_("Your role may not see who is still here."))
        elif overdue:
            self.still_heading.setText(_("Still here: {n} children, {late} overdue").format(
                n=format_number(len(self.still)), late=format_number(overdue)))
        else:
            self.still_heading.setText(_("Still here: {n} children").format(n=format_number(len(self.still))))
        self.still_heading.setStyleSheet("font-weight: bold; font-size: 15px" + ("; color: #b71c1c" if overdue
                                                                                  else ""))
        self._label = afterschool.badge_label(len(self.still), overdue)
        self.label_changed.emit(*self._label)

    def current_label(self) -> tuple[str, bool]:
        """The tab's label: the children still here, an alert when one is overdue."""
        return self._label

    def _on_notice(self, what: str) -> None:
        if what in (TOPIC, notices.RESIDENTS, notices.CATALOGUE) and self._loaded:
            self.refresh()

    # -- what is chosen ------------------------------------------------------------------------------
    def current_class(self) -> ClassRow | None:
        return self.class_model.row(self.class_view.selectionModel().currentIndex().row())

    def current_child(self) -> SessionChild | None:
        return self.session_model.row(self.session_view.selectionModel().currentIndex().row())

    def current_enrolment(self) -> EnrolmentRow | None:
        return self.enrolment_model.row(self.enrolment_view.selectionModel().currentIndex().row())

    def current_session(self):
        return self.term_model.row(self.term_view.selectionModel().currentIndex().row())

    def _class_chosen(self) -> None:
        row = self.current_class()
        if row is not None and row.id != self.class_id:
            self.class_id = row.id
            self.show_hint()  # the last message was about another class
            self.refresh()

    def select_class(self, class_id: int) -> None:
        if class_id != self.class_id:
            self.show_hint()
        self.class_id = class_id
        self.refresh()

    def _moved(self) -> None:
        """Another day: the last message was about the day left."""
        self.show_hint()
        self.refresh()

    def _session_open(self) -> bool:
        session = self.view.session if self.view is not None else None
        return session is not None and not session.cancelled

    def _follow(self) -> None:
        row = self.current_class()
        child = self.current_child()
        entry = self.current_enrolment()
        session = self.current_session()
        attend = self.may_attend and self._session_open()
        self.edit_class_button.setEnabled(row is not None)
        self.archive_button.setEnabled(self.may_classes and row is not None)
        signed_out = child is not None and child.signed_out_at is not None
        self.present_button.setEnabled(attend and child is not None and not signed_out)
        self.absent_button.setEnabled(attend and child is not None and not signed_out)
        self.leave_button.setEnabled(attend and child is not None and not signed_out)
        self.all_present_button.setEnabled(attend and any(c.status is None for c in self.session_model.rows))
        self.sign_out_button.setEnabled(attend and child is not None and child.waiting_to_go)
        self.undo_button.setEnabled(attend and signed_out)
        self.enrol_button.setEnabled(self.may_enrol and row is not None and row.active)
        self.import_button.setEnabled(self.may_enrol and row is not None and row.active)
        holding = entry is not None and entry.status in (afterschool.ENROLLED, afterschool.OFFERED,
                                                         afterschool.WAITING)
        self.withdraw_button.setEnabled(self.may_enrol and holding)
        offered = entry is not None and entry.status == afterschool.OFFERED
        self.confirm_button.setEnabled(self.may_enrol and offered)
        self.pass_button.setEnabled(self.may_enrol and offered)
        self.profile_button.setEnabled(self.may_see_children and entry is not None)
        self.cancel_session_button.setEnabled(self.may_classes and session is not None and not session.cancelled)
        self.restore_session_button.setEnabled(self.may_classes and session is not None and session.cancelled)
        self.add_session_button.setEnabled(self.may_classes and row is not None)

    # -- the status line --------------------------------------------------------------------------------
    def show_hint(self) -> None:
        self.show_line("hint", _("Ready: scan a card, or choose a child and a button.") if self.may_attend
                       else _("Your role may not take attendance."))

    def show_line(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        mark = {afterschool.SIGNED_IN: "✔ ", afterschool.SIGNED_OUT: "✔ ", afterschool.REFUSED: "✖ ",
                afterschool.IGNORED: "⚠ "}.get(outcome, "")
        big = outcome != "hint"
        background, colour = COLOURS.get(outcome, COLOURS["hint"])
        self.status_line.setText(f"<span style='font-size:{18 if big else 14}px;font-weight:{700 if big else 400}'>"
                                 f"{html.escape(mark + message)}</span>")
        self.status_line.setStyleSheet(f"QLabel#afterschoolStatus {{ background: {background}; color: {colour}; "
                                       f"padding: 6px 10px; border-radius: 3px; }}")

    # -- the session ---------------------------------------------------------------------------------
    def scan(self) -> None:
        text = self.scan_box.text().strip()
        self.scan_box.clear()
        if not text or self.class_id is None:
            return
        db, actor, cid, day, at = self.db, self.actor, self.class_id, self.day(), self._now()

        def scanned(result: ScanResult) -> None:
            self.show_line(result.outcome, result.message)
            if result.outcome == afterschool.REFUSED:
                QApplication.beep()
            self.scan_box.setFocus()

        writes.save(self, lambda: afterschool.scan(db, cid, day, text, actor=actor, at=at), topic=TOPIC,
                    on_saved=scanned, on_failed=lambda _exc: self.scan_box.setFocus())

    def mark(self, status: str) -> None:
        from app.views.afterschool.dialogs import ReasonDialog

        child = self.current_child()
        if child is None or self.class_id is None:
            return
        db, actor, cid, day, at, rid = self.db, self.actor, self.class_id, self.day(), self._now(), child.resident_id
        if status == LEAVE:
            dialog = ReasonDialog(_("On leave — {name}").format(name=child.name),
                                  _("{name} is on leave from the session of {date}.").format(
                                      name=child.name, date=format_date(day, "short")),
                                  lambda reason: afterschool.mark(db, cid, day, rid, LEAVE, actor=actor, at=at,
                                                                  reason=reason),
                                  self, placeholder=_("e.g. ill, family trip"))
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.show_line("hint", _("{name} is on leave.").format(name=child.name))
            return
        label = _(afterschool.ATTENDANCE_STATUSES[status])
        writes.save(self, lambda: afterschool.mark(db, cid, day, rid, status, actor=actor, at=at), topic=TOPIC,
                    on_saved=lambda _r: self.show_line(
                        afterschool.SIGNED_IN if status == PRESENT else "hint",
                        _("{name}: {status}.").format(name=child.name, status=label)))

    def mark_all_present(self) -> None:
        if self.class_id is None:
            return
        ids = [c.resident_id for c in self.session_model.rows if c.status is None]
        if not ids:
            return
        db, actor, cid, day, at = self.db, self.actor, self.class_id, self.day(), self._now()
        writes.save(self, lambda: afterschool.mark_all_present(db, cid, day, ids, actor=actor, at=at), topic=TOPIC,
                    busy=self.all_present_button,
                    on_saved=lambda n: self.show_line(afterschool.SIGNED_IN, _("{n} children marked present.").format(
                        n=format_number(n if isinstance(n, int) else len(ids)))))

    def sign_out(self) -> None:
        from app.views.afterschool.dialogs import SignOutDialog

        child = self.current_child()
        if child is None or self.class_id is None or not child.waiting_to_go or not self.may_attend:
            return
        dialog = SignOutDialog(self.db, self.class_id, self.day(), child, self, actor=self.actor, at=self._now())
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result is None:
            return
        result = dialog.result
        if dialog.unlisted:
            message = _("{name} signed out to {who}, who is not on the list; the reason is recorded.").format(
                name=child.name, who=dialog.who)
        else:
            message = _("{name} signed out to {who}.").format(name=child.name, who=dialog.who)
        if result.late:
            message += " " + _("Late pick-up ({n} this term).").format(n=format_number(result.late_count))
        # Amber with ⚠ when someone should look again: late, or a person not on the list.
        self.show_line(afterschool.IGNORED if result.late or dialog.unlisted else afterschool.SIGNED_OUT, message)
        if result.warning:
            QMessageBox.warning(self, _("Late pick-up"), result.warning)

    def undo_sign_out(self) -> None:
        from app.views.afterschool.dialogs import ReasonDialog

        child = self.current_child()
        if child is None or self.class_id is None:
            return
        db, actor, cid, day, rid = self.db, self.actor, self.class_id, self.day(), child.resident_id
        ReasonDialog(_("Undo sign-out — {name}").format(name=child.name),
                     _("{name} is back as signed in; the mistake and its reason are kept in the audit trail.").format(
                         name=child.name),
                     lambda reason: afterschool.undo_sign_out(db, cid, day, rid, reason, actor=actor), self).exec()

    # -- the class list ----------------------------------------------------------------------------------
    def enrol(self, resident_id: int | None = None) -> None:
        """Choose a child from the registry; a child with no profile gets one first."""
        from app.views.afterschool.dialogs import ChildDialog, EnrolDialog
        from app.views.shared.resident_picker import ResidentPickerDialog

        row = self.current_class()
        if row is None:
            return
        if resident_id is None:
            picker = ResidentPickerDialog(self.db, self)
            picker.setWindowTitle(_("Enrol in {cls}: choose the child").format(cls=row.name))
            if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen_id is None:
                return
            resident_id = picker.chosen_id
        if self._already_listed(row, resident_id):
            return
        child = afterschool.get_child(self.db, resident_id, actor=self.actor, today=self._now().date())
        if child is None:
            dialog = ChildDialog(self.db, resident_id, None, self, actor=self.actor, today=self._now().date())
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            child = afterschool.get_child(self.db, resident_id, actor=self.actor, today=self._now().date())
            if child is None:
                return
        dialog = EnrolDialog(self.db, row, child, self, actor=self.actor, today=self._now().date())
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result is None:
            return
        result = dialog.result
        if result.status == afterschool.WAITING:
            self.show_line(afterschool.IGNORED, _("{name} is on the waiting list of {cls} at position {n}.").format(
                name=child.name, cls=row.name, n=format_number(result.position or 0)))
        else:
            self.show_line(afterschool.SIGNED_IN, _("{name} is enrolled in {cls}.").format(name=child.name,
                                                                                          cls=row.name))
        self.pages.setCurrentIndex(CLASS_LIST)

    def _already_listed(self, row: ClassRow, resident_id: int) -> bool:
        """A child already enrolled, offered a place or waiting: say so and show the line, instead of
        a second enrolment the service would refuse after the form is filled."""
        entry = next((e for e in self.enrolment_model.rows if e.resident_id == resident_id and e.status in (
            afterschool.ENROLLED, afterschool.OFFERED, afterschool.WAITING)), None)
        if entry is None or row.id != self.class_id:
            return False
        if entry.status == afterschool.WAITING:
            text = _("{name} is already on the waiting list of {cls}, at position {n}.").format(
                name=entry.name, cls=row.name, n=format_number(entry.position or 0))
        elif entry.status == afterschool.OFFERED:
            text = _("{name} has already been offered a place in {cls}.").format(name=entry.name, cls=row.name)
        else:
            text = _("{name} is already enrolled in {cls}.").format(name=entry.name, cls=row.name)
        self.pages.setCurrentIndex(CLASS_LIST)
        select_row(self.enrolment_view, self.enrolment_model.rows.index(entry))
        QMessageBox.information(self, _("Enrol in the class"), text)
        return True

    def withdraw(self) -> None:
        from app.views.afterschool.dialogs import ReasonDialog

        entry = self.current_enrolment()
        if entry is None:
            return
        db, actor, eid, on = self.db, self.actor, entry.id, self._now().date()
        dialog = ReasonDialog(_("Withdraw — {name}").format(name=entry.name),
                              _("{name} leaves the class (or its waiting list) today.").format(name=entry.name),
                              lambda reason: afterschool.withdraw(db, eid, reason, actor=actor, on=on), self,
                              placeholder=_("e.g. moved away, changed school"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.show_line("hint", _("{name} has left the class.").format(name=entry.name))
            if dialog.result is not None:
                self.offer(dialog.result)

    def offer(self, offered: EnrolmentRow) -> None:
        """A place freed and the first waiting child was offered it: confirm now, pass, or later."""
        box = QMessageBox(QMessageBox.Icon.Question, _("A place is free"),
                          _("A place is free. Offer it to {name}, first on the waiting list?").format(
                              name=offered.name), parent=self)
        confirm = box.addButton(_("Confirm the place"), QMessageBox.ButtonRole.AcceptRole)
        passed = box.addButton(_("Pass…"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(_("Later"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is confirm:
            self._confirm(offered)
        elif box.clickedButton() is passed:
            self._pass(offered)

    def _confirm(self, entry: EnrolmentRow) -> None:
        db, actor, eid, today = self.db, self.actor, entry.id, self._now().date()
        writes.save(self, lambda: afterschool.confirm_offer(db, eid, actor=actor, today=today), topic=TOPIC,
                    on_saved=lambda _r: self.show_line(afterschool.SIGNED_IN, _("{name} is enrolled.").format(
                        name=entry.name)))

    def _pass(self, entry: EnrolmentRow) -> None:
        from app.views.afterschool.dialogs import ReasonDialog

        db, actor, eid = self.db, self.actor, entry.id
        dialog = ReasonDialog(_("Pass — {name}").format(name=entry.name),
                              _("{name} does not take the place; the next waiting child is offered it.").format(
                                  name=entry.name),
                              lambda reason: afterschool.pass_offer(db, eid, reason, actor=actor), self,
                              placeholder=_("e.g. the family no longer needs it"))
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result is not None:
            self.offer(dialog.result)

    def confirm_offer(self) -> None:
        entry = self.current_enrolment()
        if entry is not None and entry.status == afterschool.OFFERED:
            self._confirm(entry)

    def pass_offer(self) -> None:
        entry = self.current_enrolment()
        if entry is not None and entry.status == afterschool.OFFERED:
            self._pass(entry)

    def import_list(self) -> None:
        """A class list from an Excel or CSV file (views/afterschool/import_dialog.py)."""
        from app.views.afterschool.import_dialog import import_class_list

        row = self.current_class()
        if row is not None:
            import_class_list(self, self.db, self.notice, row.id, actor=self.actor)

    def _chosen_child_id(self) -> int | None:
        if self.pages.currentIndex() == SESSION and self.current_child() is not None:
            return self.current_child().resident_id
        entry = self.current_enrolment()
        return entry.resident_id if entry else None

    def child_profile(self, resident_id: int | None = None) -> None:
        from app.views.afterschool.dialogs import ChildDialog

        resident_id = resident_id or self._chosen_child_id()
        if resident_id is None:
            return
        if not self.may_see_children:  # also from the residents tab: the service would refuse
            QMessageBox.information(self, _("Child profile"), _("Your role may not see the children's details."))
            return
        info = afterschool.get_child(self.db, resident_id, actor=self.actor, today=self._now().date())
        dialog = ChildDialog(self.db, resident_id, info, self, actor=self.actor, today=self._now().date())
        if not self.may_enrol:
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).setEnabled(False)
        dialog.exec()

    # -- classes and sessions --------------------------------------------------------------------------
    def new_class(self) -> None:
        from app.views.afterschool.dialogs import ClassDialog

        dialog = ClassDialog(self.db, None, self, actor=self.actor)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved_id is not None:
            self.select_class(dialog.saved_id)

    def edit_class(self) -> None:
        from app.views.afterschool.dialogs import ClassDialog

        row = self.current_class()
        if row is None:
            return
        dialog = ClassDialog(self.db, row, self, actor=self.actor)
        if not self.may_classes:
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).setEnabled(False)
        dialog.exec()

    def archive_class(self) -> None:
        row = self.current_class()
        if row is None:
            return
        if row.active and QMessageBox.question(
                self, _("Archive the class"), _("Archive {cls}? Its records stay and count in the figures.").format(
                    cls=row.name)) != QMessageBox.StandardButton.Yes:
            return
        db, actor, cid, active = self.db, self.actor, row.id, not row.active
        writes.save(self, lambda: afterschool.set_class_active(db, cid, active, actor=actor), topic=TOPIC)

    def _open_session(self) -> None:
        session = self.current_session()
        if session is not None:
            self.day_edit.setDate(to_qdate(session.day))
            self.pages.setCurrentIndex(SESSION)

    def _open_still(self, row: int) -> None:
        entry = self.still_model.row(row)
        if entry is not None:
            self.day_edit.blockSignals(True)
            self.day_edit.setDate(to_qdate(self._now().date()))
            self.day_edit.blockSignals(False)
            self.pages.setCurrentIndex(SESSION)
            self.select_class(entry.class_id)

    def cancel_session(self) -> None:
        from app.views.afterschool.dialogs import ReasonDialog

        session, row = self.current_session(), self.current_class()
        if session is None or row is None:
            return
        db, actor, cid, day = self.db, self.actor, row.id, session.day
        ReasonDialog(_("Cancel session — {cls}").format(cls=row.name),
                     _("The session of {date} is cancelled; the families should be told.").format(
                         date=format_date(day, "full")),
                     lambda reason: afterschool.cancel_session(db, cid, day, reason, actor=actor), self,
                     placeholder=_("e.g. the teacher is ill")).exec()

    def restore_session(self) -> None:
        session, row = self.current_session(), self.current_class()
        if session is None or row is None:
            return
        db, actor, cid, day = self.db, self.actor, row.id, session.day
        writes.save(self, lambda: afterschool.restore_session(db, cid, day, actor=actor), topic=TOPIC)

    def add_session(self) -> None:
        from app.views.afterschool.dialogs import AddSessionDialog

        row = self.current_class()
        if row is not None:
            AddSessionDialog(self.db, row, self.day(), self, actor=self.actor).exec()

    # -- printing ------------------------------------------------------------------------------------
    # Forms load reportlab and QtPdf, which start-up does without: imported when asked for.
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview

        preview(self, title, make_pdf, file_name)

    def _ask(self, dialog):
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def print_roster(self) -> None:
        """花名册 of the chosen class."""
        from app.services import afterschool_print

        row = self.current_class()
        if row is None:
            return
        db, actor, cid = self.db, self.actor, row.id
        self._preview(_("Class roster"), lambda _p: afterschool_print.class_roster_pdf(db, cid, actor=actor),
                      _("class-roster-{cls}.pdf").format(cls=row.name))

    def print_session_sheet(self, day: dt.date | None = None) -> None:
        """The sign-in / sign-out sheet of a session, for paper use (the Session page's day by default)."""
        from app.services import afterschool_print
        from app.views.daycare.printing import DayDialog

        row = self.current_class()
        if row is None:
            return
        title = _("Session sheet")
        day = day or self._ask(DayDialog(title, self.day(), self))
        if day is None:
            return
        db, actor, cid = self.db, self.actor, row.id
        self._preview(title, lambda _p: afterschool_print.session_sheet_pdf(db, cid, day, actor=actor),
                      _("session-sheet-{cls}-{date}.pdf").format(cls=row.name, date=day.isoformat()))

    def print_class_month(self, month: dt.date | None = None) -> None:
        """The attendance summary of a class for a month."""
        from app.services import afterschool_print
        from app.views.daycare.printing import MonthDialog

        row = self.current_class()
        if row is None:
            return
        title = _("Class month summary")
        if month is None:
            chosen = self._ask(MonthDialog(title, self.day(), self))
            if chosen is None:
                return
            month = chosen[0]
        db, actor, cid = self.db, self.actor, row.id
        self._preview(title, lambda _p: afterschool_print.class_month_pdf(db, cid, month, actor=actor),
                      _("class-month-{cls}-{month}.pdf").format(cls=row.name, month=month.strftime("%Y-%m")))

    def print_pickup_cards(self) -> None:
        """The pick-up cards (接送卡) of the chosen child's adults."""
        from app.services import afterschool_print

        rid = self._chosen_child_id()
        if rid is None:
            QMessageBox.information(self, _("Pick-up cards"), _("Choose a child in the session or the class list "
                                                                "first."))
            return
        db, actor = self.db, self.actor
        self._preview(_("Pick-up cards"), lambda _p: afterschool_print.pickup_cards_pdf(db, rid, actor=actor),
                      _("pickup-cards-{id}.pdf").format(id=rid))

    def export_figures(self, period: tuple[dt.date, dt.date] | None = None, path: str | None = None) -> None:
        """The figures of a period (asked), its unlisted pick-ups and each class's attendance to an
        .xlsx chosen in a save dialog, written on the worker."""
        from app.views.daycare.printing import FiguresDialog

        title = _("Export after-school figures")
        period = period or self._ask(FiguresDialog(self, self._now().date(), title, _(
            "The figures of the period, the pick-ups by someone not on a child's list, and each class's "
            "attendance, for the monthly report.")))
        if period is None:
            return
        from app.services import afterschool_export

        start, end = period
        db, actor = self.db, self.actor
        export_xlsx(self, self.export_action, _("afterschool-figures-{start}-{end}.xlsx").format(
            start=start.isoformat(), end=end.isoformat()),
            lambda path: afterschool_export.export_figures(db, path, start, end, actor=actor),
            _("The after-school figures were saved to {path}."), path=path)

    # -- from elsewhere ----------------------------------------------------------------------------
    def for_resident(self, resident_id: int) -> None:
        """From the residents tab: the child's profile (a new one when the child has none)."""
        try:
            self.child_profile(resident_id)
        except DeskError as exc:
            show_error(self, exc)

    def show_filter(self, code: str) -> None:
        """From the overview: "still_here" shows the children signed in and not signed out."""
        if code == "still_here":
            self.pages.setCurrentIndex(STILL_HERE)

    def open_item(self, ref: str) -> None:
        """A line clicked in a resident's detail pane: "class:<id>" shows the class's list, a
        resident id the child's profile."""
        if ref.startswith("class:") and ref[6:].isdigit():
            self.pages.setCurrentIndex(CLASS_LIST)
            self.select_class(int(ref[6:]))
        elif ref.isdigit():
            self.for_resident(int(ref))
