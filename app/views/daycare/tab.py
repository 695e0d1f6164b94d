"""The day-care tab (日间照料): the check-in desk on top, then today's board, the elders and
the day's meals. Everything is read on the worker when first shown and after each "daycare"
notice; every write goes through writes.save or a FormDialog."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QMenu, QMessageBox, QPushButton, QSpinBox, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from app.db import Database
from app.i18n import N_, _, format_number
from app.services import access, daycare
from app.services.access import Actor
from app.services.daycare import AttendanceRow, Board, ElderRow, MealRow
from app.views import notices
from app.views.daycare.desk import CheckInDesk
from app.views.daycare.import_dialog import import_button
from app.views.daycare.model import BoardModel, ElderTableModel, MealTableModel
from app.views.shared import writes
from app.views.shared.forms import show_error
from app.views.shared.list_model import clock_text
from app.views.shared.tables import select_row, table_view
from app.views.shared.widgets import export_xlsx
from app.views.worker import run_in_background

TOPIC = "daycare"
REFRESH_MS = 60 * 1000  # other desks' scans, and closing time passing
STATUS_FILTER = [(None, N_("All elders")), (daycare.ACTIVE, N_("Attending")), (daycare.PAUSED, N_("Paused")),
                 (daycare.LEFT, N_("Has left"))]


def _heading() -> QLabel:
    label = QLabel()
    label.setStyleSheet("font-weight: bold; font-size: 15px")
    return label


class DaycareTab(QWidget):
    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        super().__init__(parent)
        self.db, self.notice, self.actor = db, notice, actor
        self.clock = clock  # the time of scans and of the board (tests set it)
        self.board: Board | None = None
        self.records: dict[int, AttendanceRow] = {}  # today's attendance by resident
        self._loaded = False
        self._fetches = 0  # loads asked for: only the latest one is shown
        self._select_on_arrival: int | None = None

        self.desk = CheckInDesk(db, self, actor=actor, clock=self._now)
        self.pages = QTabWidget()
        self.pages.addTab(self._build_board(), _("Today"))
        self.pages.addTab(self._build_elders(), _("Enrolled elders"))
        self.pages.addTab(self._build_meals(), _("Meals of the day"))
        self.pages.currentChanged.connect(lambda _i: self.desk.refocus())
        self.pages.setCornerWidget(self._build_print_bar(), Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.desk)
        layout.addWidget(self.pages, 1)
        self.setFocusProxy(self.desk)

        may_attend = access.may(actor, access.DAYCARE_ATTEND)
        self.desk.box.setEnabled(may_attend)
        if not may_attend:
            self.desk.box.setPlaceholderText(_("Your role may not check elders in or out."))
        notice.changed.connect(self._on_notice)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self._follow_selection()

    def _now(self) -> dt.datetime:
        return self.clock().replace(microsecond=0)

    # -- building ------------------------------------------------------------------------------
    def _build_board(self) -> QWidget:
        page = QWidget()
        self.board_models = {kind: BoardModel(kind, self) for kind in ("in_now", "gone_home", "expected")}
        self.board_views = {kind: table_view(model) for kind, model in self.board_models.items()}
        self.board_headings = {kind: _heading() for kind in self.board_models}
        columns = QHBoxLayout()
        for kind in ("in_now", "gone_home", "expected"):
            column = QVBoxLayout()
            column.addWidget(self.board_headings[kind])
            column.addWidget(self.board_views[kind], 1)
            columns.addLayout(column, 3 if kind == "gone_home" else 2)
            self.board_views[kind].selectionModel().currentRowChanged.connect(
                lambda current, _previous, k=kind: self._board_chosen(k, current.row()))
            self.board_views[kind].doubleClicked.connect(lambda _index: self.correct())
            for column, width in enumerate({"in_now": (100, 130), "gone_home": (100, 60, 60),
                                            "expected": (100, 130)}[kind]):
                self.board_views[kind].setColumnWidth(column, width)
        self.board_status = QLabel()
        self.board_status.setProperty("role", "hint")
        self.correct_button = QPushButton(_("Correct the record…"))
        self.correct_button.setToolTip(_("Change the times or who took the elder home, with a reason"))
        self.correct_button.clicked.connect(self.correct)
        self.paper_button = QPushButton(_("Enter a day from the paper sheet…"))
        self.paper_button.clicked.connect(self.enter_from_paper)
        self.paper_button.setEnabled(access.may(self.actor, access.DAYCARE_ATTEND))
        bar = QHBoxLayout()
        bar.addWidget(self.board_status, 1)
        bar.addWidget(self.correct_button)
        bar.addWidget(self.paper_button)
        layout = QVBoxLayout(page)
        layout.addLayout(columns, 1)
        layout.addLayout(bar)
        self.board_choice: tuple[str, int] | None = None
        return page

    def _build_elders(self) -> QWidget:
        page = QWidget()
        self.status_combo = QComboBox()
        for code, label in STATUS_FILTER:
            self.status_combo.addItem(_(label), code)
        self.status_combo.setCurrentIndex(1)
        self.status_combo.currentIndexChanged.connect(lambda _i: self._show_elders())
        may_enrol = access.may(self.actor, access.DAYCARE_ENROL)
        self.enrol_button = QPushButton(_("Enrol…"))
        self.enrol_button.clicked.connect(lambda: self.enrol())
        self.edit_button = QPushButton(_("Profile…"))
        self.edit_button.clicked.connect(self.edit_profile)
        self.pause_button = QPushButton(_("Pause…"))
        self.pause_button.clicked.connect(self.pause)
        self.resume_button = QPushButton(_("Resume…"))
        self.resume_button.clicked.connect(self.resume)
        self.leave_button = QPushButton(_("Leaves…"))
        self.leave_button.clicked.connect(self.leave)
        self.enrol_button.setEnabled(may_enrol)
        self.elder_count = QLabel()
        self.elder_count.setProperty("role", "hint")
        bar = QHBoxLayout()
        bar.addWidget(self.status_combo)
        bar.addWidget(self.elder_count)
        bar.addStretch(1)
        for button in (self.enrol_button, self.edit_button, self.pause_button, self.resume_button,
                       self.leave_button):
            bar.addWidget(button)
        bar.addWidget(import_button(self))  # "Import a day-care ledger…" (views/daycare/import_dialog.py)
        self.elders_model = ElderTableModel(self)
        self.all_elders: list[ElderRow] = []
        self.elders_view = table_view(self.elders_model)
        for column, width in enumerate((110, 50, 90, 80, 110, 190, 120)):
            self.elders_view.setColumnWidth(column, width)
        self.elders_view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow_selection())
        self.elders_view.doubleClicked.connect(lambda _index: self.edit_profile())
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.elders_view, 1)
        return page

    def _build_meals(self) -> QWidget:
        from app.views.shared.date_range import date_edit

        page = QWidget()
        self.meal_day = date_edit(dt.date.today())
        self.meal_day.dateChanged.connect(lambda _d: self.load_meals())
        self.meal_combo = QComboBox()
        for code, label in daycare.MEALS.items():
            self.meal_combo.addItem(_(label), code)
        self.meal_combo.currentIndexChanged.connect(lambda _i: self.load_meals())
        self.walk_in_spin = QSpinBox()
        self.walk_in_spin.setRange(0, daycare.WALK_INS_MAX)
        self.walk_in_spin.setToolTip(_("Diners who are not enrolled elders"))
        self.walk_in_button = QPushButton(_("Save"))
        self.walk_in_button.clicked.connect(self.save_walk_ins)
        may_attend = access.may(self.actor, access.DAYCARE_ATTEND)
        self.walk_in_spin.setEnabled(may_attend)
        self.walk_in_button.setEnabled(may_attend)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Day")))
        bar.addWidget(self.meal_day)
        bar.addWidget(self.meal_combo)
        bar.addStretch(1)
        bar.addWidget(QLabel(_("Walk-in diners")))
        bar.addWidget(self.walk_in_spin)
        bar.addWidget(self.walk_in_button)
        self.meals_model = MealTableModel(self.set_meal, self)
        self.meals_model.editable = may_attend
        self.meals_view = table_view(self.meals_model, stretch=False)
        for column, width in enumerate((120, 90, 180, 80, 110, 80)):
            self.meals_view.setColumnWidth(column, width)
        self.meals_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # allergies
        self.kitchen_label = QLabel()
        self.kitchen_label.setObjectName("kitchenOrder")
        self.kitchen_label.setWordWrap(True)
        self.kitchen_label.setTextFormat(Qt.TextFormat.RichText)
        self.kitchen_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.kitchen_label.setMinimumWidth(260)
        self.kitchen_label.setStyleSheet("QLabel#kitchenOrder { background: #fafafa; border: 1px solid #dddddd; "
                                         "padding: 8px; }")
        body = QHBoxLayout()
        body.addWidget(self.meals_view, 3)
        body.addWidget(self.kitchen_label, 1)
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addLayout(body, 1)
        return page

    def _build_print_bar(self) -> QWidget:
        """Print (the four forms) and the figures export, beside the pages' tabs."""
        self.print_button = QToolButton()
        self.print_button.setText(_("Print"))
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.print_button)
        self.print_sign_in_action = menu.addAction(_("Sign-in sheet…"), lambda: self.print_sign_in())
        self.print_kitchen_action = menu.addAction(_("Kitchen order…"), lambda: self.print_kitchen_order())
        menu.addSeparator()
        self.print_bills_action = menu.addAction(_("Meal bills…"), lambda: self.print_meal_bills())
        self.print_summary_action = menu.addAction(_("Month summary…"), lambda: self.print_month_summary())
        self.print_button.setMenu(menu)
        self.print_button.setEnabled(access.may(self.actor, access.DAYCARE_ATTEND))  # the forms' permission
        self.export_button = QPushButton(_("Export figures…"))
        self.export_button.setToolTip(_("The day-care figures of a period, to Excel, for the monthly report"))
        self.export_button.clicked.connect(lambda: self.export_figures())
        bar = QWidget()
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.addWidget(self.print_button)
        layout.addWidget(self.export_button)
        return bar

    # -- loading ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()
        self.desk.refocus()

    def refresh(self) -> None:
        """Read the board, today's records, the elders and the meals on the worker."""
        self._loaded = True
        self._fetches += 1
        asked, db, at = self._fetches, self.db, self._now()
        day, meal = self._meal_choice()

        def fetch(_progress):
            return (daycare.board(db, at), daycare.attendance(db, at.date()), daycare.list_elders(db),
                    daycare.day_meals(db, day, meal), daycare.kitchen_order(db, day))

        def arrived(result) -> None:
            if asked == self._fetches:
                self._show(*result)

        run_in_background(self, fetch, on_done=arrived, on_error=lambda exc: show_error(self, exc))

    def load_meals(self) -> None:
        self.refresh()

    def _meal_choice(self) -> tuple[dt.date, str]:
        from app.views.shared.date_range import to_date

        return to_date(self.meal_day.date()), self.meal_combo.currentData()

    def _show(self, board: Board, records: list[AttendanceRow], elders: list[ElderRow], meals, kitchen) -> None:
        self.board = board
        self.records = {r.resident_id: r for r in records}
        self._show_board(board)
        self.all_elders = elders
        self.desk.set_elders(elders)
        self._show_elders()
        self._show_meals(meals, kitchen)

    def _show_board(self, board: Board) -> None:
        closed = bool(board.still_here) or board.at.time() >= board.closing_time
        lists = {"in_now": board.in_now, "gone_home": board.gone_home, "expected": board.expected}
        for kind, rows in lists.items():
            self.board_models[kind].set_rows(rows)
        n = {kind: format_number(len(rows)) for kind, rows in lists.items()}
        if closed and board.in_now:
            self.board_headings["in_now"].setText(_("Still here at closing ({n})").format(n=n["in_now"]))
            self.board_headings["in_now"].setStyleSheet("font-weight: bold; font-size: 15px; color: #b71c1c")
        else:
            self.board_headings["in_now"].setText(_("In now ({n})").format(n=n["in_now"]))
            self.board_headings["in_now"].setStyleSheet("font-weight: bold; font-size: 15px; color: #1b5e20")
        self.board_headings["gone_home"].setText(_("Gone home ({n})").format(n=n["gone_home"]))
        self.board_headings["expected"].setText(_("Expected, not arrived ({n})").format(n=n["expected"]))
        self.board_status.setText(_("Closing time {time}; board as of {now}.").format(
            time=board.closing_time.strftime("%H:%M"), now=clock_text(board.at)))
        self._follow_board()

    def _show_elders(self) -> None:
        status = self.status_combo.currentData()
        keep = self._select_on_arrival or self.current_elder_id()
        self._select_on_arrival = None
        rows = [r for r in self.all_elders if status is None or r.status == status]
        self.elders_model.set_rows(rows)
        self.elder_count.setText(_("{n} elders").format(n=format_number(len(rows))))
        select_row(self.elders_view, self.elders_model.row_of(keep))
        self._follow_selection()

    def _show_meals(self, meals, kitchen) -> None:
        self.meals_model.set_rows(meals.rows)
        self.walk_in_spin.blockSignals(True)
        self.walk_in_spin.setValue(meals.walk_ins)
        self.walk_in_spin.blockSignals(False)
        self.kitchen_label.setText(self._kitchen_html(meals, kitchen))

    def _kitchen_html(self, meals, kitchen) -> str:
        import html

        esc = html.escape
        parts = [f"<b>{esc(_('Kitchen order'))}</b>"]
        for code, label in daycare.MEALS.items():
            lines = [line for line in kitchen.lines if line.meal == code]
            total = sum(line.count for line in lines)
            walk_ins = kitchen.walk_ins.get(code, 0)
            parts.append("<p style='margin:6px 0 2px 0'><b>{}</b> {}</p>".format(
                esc(_(label)), esc(_("{n} reserved, {w} walk-in").format(n=format_number(total),
                                                                         w=format_number(walk_ins)))))
            for line in lines:
                extra = _(" ({n} delivered)").format(n=format_number(line.delivery)) if line.delivery else ""
                parts.append("&nbsp;&nbsp;{}: {}{}<br>".format(esc(line.diet or _("(no diet)")),
                                                               format_number(line.count), esc(extra)))
            for note in (n for n in kitchen.notes if n.meal == code):
                words = _(", ").join(x for x in (note.diet, note.allergies and _("allergic to {what}").format(
                    what=note.allergies)) if x)
                parts.append("&nbsp;&nbsp;<span style='color:#b71c1c'>• {} — {}</span><br>".format(
                    esc(note.name), esc(words)))
        parts.append("<p style='color:#555'>{}</p>".format(esc(_("{meal}: {reserved} reserved, {served} served").format(
            meal=_(daycare.MEALS[meals.meal]), reserved=format_number(meals.reserved),
            served=format_number(meals.served)))))
        return "".join(parts)

    def _on_notice(self, what: str) -> None:
        if what in (TOPIC, notices.RESIDENTS, notices.CATALOGUE) and self._loaded:
            self.refresh()

    # -- the board -----------------------------------------------------------------------------------
    def _board_chosen(self, kind: str, row: int) -> None:
        if row < 0:
            return
        self.board_choice = (kind, self.board_models[kind].row(row).resident_id)
        for other, view in self.board_views.items():
            if other != kind:
                view.selectionModel().clearSelection()
        self._follow_board()

    def _chosen_record(self) -> AttendanceRow | None:
        if self.board_choice is None or self.board_choice[0] == "expected":
            return None
        return self.records.get(self.board_choice[1])

    def _follow_board(self) -> None:
        self.correct_button.setEnabled(self._chosen_record() is not None
                                       and access.may(self.actor, access.DAYCARE_ATTEND))

    def correct(self) -> None:
        from app.views.daycare.dialogs import CorrectionDialog

        record = self._chosen_record()
        if record is None:
            return
        CorrectionDialog(self.db, record, self, actor=self.actor).exec()
        self.desk.refocus()

    def enter_from_paper(self) -> None:
        from app.views.daycare.paper import PaperDialog

        dialog = PaperDialog(self.db, self, actor=self.actor)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.written is not None:
            self.desk.show_line("hint", _("{n} days entered from the paper sheet.").format(
                n=format_number(dialog.written)))
        self.desk.refocus()

    # -- elders ------------------------------------------------------------------------------------
    def current_elder(self) -> ElderRow | None:
        return self.elders_model.row(self.elders_view.selectionModel().currentIndex().row())

    def current_elder_id(self) -> int | None:
        elder = self.current_elder()
        return elder.resident_id if elder else None

    def _follow_selection(self) -> None:
        elder = self.current_elder()
        may = access.may(self.actor, access.DAYCARE_ENROL)
        status = elder.status if elder else None
        self.edit_button.setEnabled(elder is not None)
        self.pause_button.setEnabled(may and status == daycare.ACTIVE)
        self.resume_button.setEnabled(may and status == daycare.PAUSED)
        self.leave_button.setEnabled(may and status in (daycare.ACTIVE, daycare.PAUSED))

    def select_elder(self, resident_id: int) -> None:
        """Show the elder in the Elders page (once the list has arrived)."""
        self.pages.setCurrentIndex(1)
        if self.elders_model.row_of(resident_id) < 0:
            self.status_combo.setCurrentIndex(0)  # all elders: a paused or left one too
        self._select_on_arrival = resident_id
        self._show_elders()

    def enrol(self, resident_id: int | None = None) -> None:
        from app.views.daycare.dialogs import ProfileDialog
        from app.views.shared.resident_picker import ResidentPickerDialog

        if resident_id is None:
            picker = ResidentPickerDialog(self.db, self)
            picker.setWindowTitle(_("Enrol in day-care: choose the resident"))
            if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen_id is None:
                self.desk.refocus()
                return
            resident_id = picker.chosen_id
        profile = daycare.get_profile(self.db, resident_id, actor=self.actor)
        if profile is not None and profile.status != daycare.LEFT:
            QMessageBox.information(self, _("Day care"), _("{name} is already enrolled in day-care.").format(
                name=profile.name))
            self.select_elder(resident_id)
            return
        dialog = ProfileDialog(self.db, resident_id, None, self, actor=self.actor)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.status_combo.setCurrentIndex(1)
            self.select_elder(resident_id)
        self.desk.refocus()

    def edit_profile(self) -> None:
        from app.views.daycare.dialogs import ProfileDialog

        elder = self.current_elder()
        if elder is None:
            return
        profile = daycare.get_profile(self.db, elder.resident_id, actor=self.actor)
        if profile is None:
            return
        dialog = ProfileDialog(self.db, elder.resident_id, profile, self, actor=self.actor)
        if not access.may(self.actor, access.DAYCARE_ENROL) or profile.status == daycare.LEFT:
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).setEnabled(False)
        dialog.exec()
        self.desk.refocus()

    def _status_dialog(self, dialog_class) -> None:
        elder = self.current_elder()
        if elder is None:
            return
        dialog_class(self.db, elder.resident_id, elder.name, self, actor=self.actor).exec()
        self.desk.refocus()

    def pause(self) -> None:
        from app.views.daycare.dialogs import PauseDialog

        self._status_dialog(PauseDialog)

    def resume(self) -> None:
        from app.views.daycare.dialogs import ResumeDialog

        self._status_dialog(ResumeDialog)

    def leave(self) -> None:
        from app.views.daycare.dialogs import LeaveDialog

        self._status_dialog(LeaveDialog)

    # -- meals -------------------------------------------------------------------------------------
    def set_meal(self, row: MealRow, key: str, value: bool) -> None:
        day, meal = self._meal_choice()
        db, actor, rid = self.db, self.actor, row.resident_id
        writes.save(self, lambda: daycare.set_meal(db, rid, day, meal, actor=actor, **{key: value}), topic=TOPIC,
                    on_saved=self.meals_model.replace)

    def save_walk_ins(self) -> None:
        day, meal = self._meal_choice()
        db, actor, count = self.db, self.actor, self.walk_in_spin.value()
        writes.save(self, lambda: daycare.set_walk_ins(db, day, meal, count, actor=actor), topic=TOPIC,
                    busy=self.walk_in_button)

    # -- printing and export --------------------------------------------------------------------
    # Forms load reportlab and QtPdf, which start-up does without: imported when asked for.
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview

        preview(self, title, make_pdf, file_name)
        self.desk.refocus()

    def _ask(self, dialog):
        """`dialog`'s choice, or None when it is cancelled."""
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.desk.refocus()
        return dialog.chosen() if accepted else None

    def print_sign_in(self, day: dt.date | None = None) -> None:
        """签到表 of a day (asked, today by default), to fill in by hand when scanning is down."""
        from app.services import daycare_print
        from app.views.daycare.printing import DayDialog

        title = _("Day-care sign-in sheet")
        day = day or self._ask(DayDialog(title, self._now().date(), self))
        if day is None:
            return
        db, actor = self.db, self.actor
        self._preview(title, lambda _progress: daycare_print.sign_in_pdf(db, day, actor=actor),
                      _("sign-in-sheet-{date}.pdf").format(date=day.isoformat()))

    def print_kitchen_order(self, day: dt.date | None = None) -> None:
        """厨房订餐单 of a day (asked; the Meals page's day by default)."""
        from app.services import daycare_print
        from app.views.daycare.printing import DayDialog

        title = _("Kitchen order")
        day = day or self._ask(DayDialog(title, self._meal_choice()[0], self))
        if day is None:
            return
        db, actor = self.db, self.actor
        self._preview(title, lambda _progress: daycare_print.kitchen_order_pdf(db, day, actor=actor),
                      _("kitchen-order-{date}.pdf").format(date=day.isoformat()))

    def print_meal_bills(self, month: dt.date | None = None, resident_id: int | None = None) -> None:
        """助餐账单 of a month: every elder with meals, or the elder selected in the Elders page."""
        from app.services import daycare_print
        from app.views.daycare.printing import MonthDialog

        title = _("Meal bills")
        if month is None:
            elder = self.current_elder()
            chosen = self._ask(MonthDialog(title, self._now().date(), self, whose=True,
                                           elder=(elder.resident_id, elder.name) if elder else None))
            if chosen is None:
                return
            month, resident_id = chosen
        db, actor, ids = self.db, self.actor, [resident_id] if resident_id else None
        name = _("meal-bills-{month}.pdf").format(month=month.strftime("%Y-%m"))
        self._preview(title, lambda _progress: daycare_print.meal_bills_pdf(db, month, ids, actor=actor), name)

    def print_month_summary(self, month: dt.date | None = None) -> None:
        """日间照料月报 of a month, for the funder."""
        from app.services import daycare_print
        from app.views.daycare.printing import MonthDialog

        title = _("Day-care month summary")
        if month is None:
            chosen = self._ask(MonthDialog(title, self._now().date(), self))
            if chosen is None:
                return
            month = chosen[0]
        db, actor = self.db, self.actor
        self._preview(title, lambda _progress: daycare_print.month_summary_pdf(db, month, actor=actor),
                      _("daycare-month-{month}.pdf").format(month=month.strftime("%Y-%m")))

    def export_figures(self, period: tuple[dt.date, dt.date] | None = None) -> None:
        """The figures of a period (asked) to an .xlsx chosen in a save dialog, written on the worker."""
        from app.views.daycare.printing import FiguresDialog

        period = period or self._ask(FiguresDialog(self, self._now().date()))
        if period is None:
            return
        from app.services import daycare_export

        start, end = period
        db = self.db
        export_xlsx(self, self.export_button, _("daycare-figures-{start}-{end}.xlsx").format(
            start=start.isoformat(), end=end.isoformat()),
            lambda path: daycare_export.export_figures(db, path, start, end),
            _("The day-care figures were saved to {path}."), refocus=self.desk.refocus)

    # -- from elsewhere ----------------------------------------------------------------------------
    def for_resident(self, resident_id: int) -> None:
        """From the residents tab: the elder in the Elders page, or enrol them if they are not."""
        profile = daycare.get_profile(self.db, resident_id, actor=self.actor)
        if profile is None or profile.status == daycare.LEFT:
            if access.may(self.actor, access.DAYCARE_ENROL):
                self.enrol(resident_id)
            return
        self.select_elder(resident_id)

    def show_filter(self, code: str) -> None:
        """From the overview: "today" shows today's board (who is in, expected, still here)."""
        if code == "today":
            self.pages.setCurrentIndex(0)

    def open_item(self, ref: str) -> None:
        """An elder clicked in a resident's detail pane (app/features.py DetailItem)."""
        if ref.isdigit():
            self.select_elder(int(ref))
