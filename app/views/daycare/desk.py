"""The check-in desk: one box that is always focused. A member card (`ND:<code>` + Enter, as a USB
scanner types it), an ID number (typed, or from an ID-card reader in keyboard mode) or a name
picked from the matches checks an elder in, or starts the check-out. Each outcome is said in a
big coloured line; a refusal also flashes the box red and beeps, so the desk notices it without
looking at the screen."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget)

from app.db import Database
from app.i18n import _
from app.services import daycare, residents
from app.services.access import Actor
from app.services.daycare import Contact, ElderRow, ScanResult
from app.services.member_codes import QR_PREFIX, code_from_scan
from app.services.validators import clean_id_number, normalise_text
from app.views.daycare.model import care_level_text
from app.views.shared.forms import FieldErrors, SavingDialog, error_label
from app.views.shared.list_model import ListModel
from app.views.shared.tables import scan_colours

TOPIC = "daycare"
MATCHES_SHOWN = 8
# The result line's colours: background, text.
COLOURS = scan_colours(daycare.CHECKED_IN, daycare.CHECKED_OUT, daycare.IGNORED, daycare.REFUSED)
FLASH_MS = 700
BOX_STYLE = "QLineEdit#daycareScanBox { font-size: 20px; padding: 6px; %s }"


def is_scan(text: str) -> bool:
    """Whether the box holds a card or an ID number rather than a name to look up."""
    text = normalise_text(text).strip()
    if text.upper().startswith(QR_PREFIX):
        return True
    return len(clean_id_number(text)) == 18 and text[:17].isdigit()


class CheckInDesk(QFrame):
    """The top of the tab. `clock()` says the time of a scan (tests set it)."""

    scanned = Signal(object)  # the ScanResult shown last

    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        super().__init__(parent)
        self.db, self.actor, self.clock = db, actor, clock
        self.elders: dict[int, ElderRow] = {}  # enrolled, attending: who a name search may pick
        self.last: ScanResult | None = None
        self.setObjectName("daycareDesk")
        self.setStyleSheet("QFrame#daycareDesk { border: 1px solid #d0d0d0; background: #fbfbfb; }")
        self.box = QLineEdit()
        self.box.setObjectName("daycareScanBox")
        self.box.setPlaceholderText(_("Scan the member card or ID card, or type a name or pinyin, then Enter"))
        self.box.setStyleSheet(BOX_STYLE % "")
        self.box.setClearButtonEnabled(True)
        self.box.returnPressed.connect(self.enter)
        self.box.installEventFilter(self)
        self.box.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._search)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(FLASH_MS)
        self._flash_timer.timeout.connect(lambda: self.box.setStyleSheet(BOX_STYLE % ""))

        self.result = QLabel(_("Ready: scan a card or type a name."))
        self.result.setObjectName("daycareScanResult")
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(48)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.outcome = "hint"
        self._paint_result("hint")

        self.matches_model = ListModel([_("Name"), _("Care level"), _("Age")], [], self)
        self.match_ids: list[int] = []
        self.matches = QTableView()
        self.matches.setModel(self.matches_model)
        self.matches.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.matches.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matches.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matches.verticalHeader().hide()
        self.matches.horizontalHeader().setStretchLastSection(True)
        self.matches.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the box keeps the keyboard
        self.matches.setMaximumHeight(190)
        self.matches.clicked.connect(lambda index: self._pick(index.row()))
        self.matches.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.result)
        layout.addWidget(self.matches)
        self.setFocusProxy(self.box)

    # -- what the desk may pick ---------------------------------------------------------------------
    def set_elders(self, rows: list[ElderRow]) -> None:
        self.elders = {r.resident_id: r for r in rows if r.status == daycare.ACTIVE}
        if self.matches.isVisible():
            self._search()

    def _search(self) -> None:
        text = self.box.text().strip()
        if not text or is_scan(text):
            self._show_matches([])
            return
        found = [rid for rid in residents.search_ids(self.db, text) if rid in self.elders]
        self._show_matches(found[:MATCHES_SHOWN])

    def _show_matches(self, ids: list[int]) -> None:
        self.match_ids = ids
        self.matches_model.beginResetModel()
        self.matches_model.rows = [(self.elders[i].name, care_level_text(self.elders[i].care_level),
                                    "" if self.elders[i].age is None else str(self.elders[i].age)) for i in ids]
        self.matches_model.endResetModel()
        self.matches.setVisible(bool(ids))
        if ids:
            self.matches.selectionModel().setCurrentIndex(
                self.matches_model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress and self.matches.isVisible():
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(event.key())
            if step is not None:
                current = self.matches.selectionModel().currentIndex().row()
                row = min(max(current + step, 0), len(self.match_ids) - 1)
                self.matches.selectionModel().setCurrentIndex(
                    self.matches_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.box.clear()
                return True
        return super().eventFilter(watched, event)

    # -- scanning -------------------------------------------------------------------------------
    def enter(self) -> None:
        """Enter in the box: a card or ID number is scanned; a name scans the chosen match."""
        self._search_timer.stop()
        text = self.box.text().strip()
        if not text:
            return
        if is_scan(text):
            self.box.clear()
            self.scan(text)
            return
        self._search()
        if self.match_ids:
            row = self.matches.selectionModel().currentIndex().row()
            self._pick(max(row, 0))
        elif code_from_scan(text) is not None:  # a card's code typed without ND:
            self.box.clear()
            self.scan(text)
        else:
            self.show_line(daycare.IGNORED, _("No elder attending day-care matches “{text}”.").format(text=text))
            self.refocus()

    def _pick(self, row: int) -> None:
        if 0 <= row < len(self.match_ids):
            rid = self.match_ids[row]
            self.box.clear()
            self._show_matches([])
            self.scan(rid)

    def scan(self, what: str | int) -> None:
        """Scan a card, an ID number or a resident id (on the worker) and say what it did."""
        from app.views.shared import writes

        db, actor, at = self.db, self.actor, self.clock()
        writes.save(self, lambda: daycare.scan(db, what, at=at, actor=actor), topic=TOPIC,
                    on_saved=self._scanned, on_failed=lambda _exc: self.refocus())

    def _scanned(self, result: ScanResult) -> None:
        if result.outcome == daycare.CHECKING_OUT:
            dialog = TakenHomeDialog(self.db, result, self, actor=self.actor, clock=self.clock)
            self.show_line("hint", result.message)
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.checked_out is not None:
                result = dialog.checked_out
            else:
                self.show_line("hint", _("{name} is still checked in.").format(name=result.name))
                self.refocus()
                return
        self.show_result(result)

    def show_result(self, result: ScanResult) -> None:
        self.last = result
        self.show_line(result.outcome, result.message)
        if result.outcome == daycare.REFUSED:
            QApplication.beep()
            self.flash(COLOURS[daycare.REFUSED][0])
        elif result.outcome == daycare.IGNORED:
            self.flash(COLOURS[daycare.IGNORED][0])
        elif result.written:
            self.flash(COLOURS[result.outcome][0])
        self.refocus()
        self.scanned.emit(result)

    def show_line(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        big = outcome in (daycare.CHECKED_IN, daycare.CHECKED_OUT, daycare.REFUSED)
        mark = {daycare.CHECKED_IN: "✔ ", daycare.CHECKED_OUT: "✔ ", daycare.REFUSED: "✖ ",
                daycare.IGNORED: "⚠ "}.get(outcome, "")
        size = 22 if big else 16
        self.result.setText(f"<span style='font-size:{size}px;font-weight:{700 if big else 400}'>"
                            f"{html.escape(mark + message)}</span>")
        self._paint_result(outcome)

    def _paint_result(self, outcome: str) -> None:
        background, colour = COLOURS.get(outcome, COLOURS["hint"])
        self.result.setStyleSheet(f"QLabel#daycareScanResult {{ background: {background}; color: {colour}; "
                                  f"padding: 6px 10px; border-radius: 3px; }}")

    def flash(self, colour: str) -> None:
        """Colour the box for a moment: seen from the corner of an eye."""
        self.box.setStyleSheet(BOX_STYLE % f"background: {colour};")
        self._flash_timer.start()

    def refocus(self) -> None:
        self.box.setFocus()


class TakenHomeDialog(SavingDialog):
    """Who is taking the elder home: a big button for each person allowed, "went home alone" when
    allowed, or someone else (name, phone, relation). Checks out; `checked_out` is the result."""

    def __init__(self, db: Database, result: ScanResult, parent: QWidget | None = None, *, actor: Actor,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        super().__init__(parent)
        self.db, self.scan, self.actor, self.clock = db, result, actor, clock
        self.checked_out: ScanResult | None = None
        self.confirm_discard = False  # a few keystrokes at most: Esc simply goes back to the desk
        self.setWindowTitle(_("Check out — {name}").format(name=result.name))
        self.setMinimumWidth(460)
        title = QLabel(result.message)
        title.setStyleSheet("font-size: 18px; font-weight: bold")
        title.setWordWrap(True)
        self.errors = FieldErrors(error_label())
        self.buttons: list[QPushButton] = []
        grid = QGridLayout()
        choices = [(self._person_text(c), c) for c in result.pickups]
        if result.may_leave_alone:
            choices.append((_("Went home alone"), Contact.alone()))
        for number, (text, contact) in enumerate(choices):
            button = QPushButton(text)
            button.setMinimumHeight(44)
            button.setStyleSheet("font-size: 16px")
            button.clicked.connect(lambda _checked=False, c=contact: self.choose(c))
            grid.addWidget(button, number // 2, number % 2)
            self.buttons.append(button)
        if not choices:
            grid.addWidget(QLabel(_("Nobody is on the list of who may take this elder home.")), 0, 0)
        other = QGroupBox(_("Someone else"))
        self.name_edit, self.phone_edit, self.relation_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.name_edit.setPlaceholderText(_("Name"))
        self.phone_edit.setPlaceholderText(_("Phone"))
        self.relation_edit.setPlaceholderText(_("Relation, e.g. neighbour"))
        self.other_button = QPushButton(_("Check out with this person"))
        self.other_button.clicked.connect(self.choose_other)
        row = QHBoxLayout()
        for edit in (self.name_edit, self.phone_edit, self.relation_edit):
            row.addWidget(edit)
        other_layout = QVBoxLayout(other)
        other_layout.addLayout(row)
        for key, edit in (("name", self.name_edit), ("phone", self.phone_edit), ("relation", self.relation_edit)):
            other_layout.addWidget(self.errors.add(key, edit))
        other_layout.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignRight)
        cancel = QPushButton(_("Not now — still here"))
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(other)
        layout.addWidget(self.errors.general)
        layout.addWidget(cancel, 0, Qt.AlignmentFlag.AlignRight)
        if self.buttons:
            self.buttons[0].setFocus()

    @staticmethod
    def _person_text(c: Contact) -> str:
        return "{} ({})".format(c.name, c.relation) if c.relation else c.name

    def choose_other(self) -> None:
        self.choose(Contact(None, self.name_edit.text(), self.phone_edit.text(), self.relation_edit.text()))

    def choose(self, who: Contact) -> None:
        db, rid, actor, at = self.db, self.scan.resident_id, self.actor, self.clock()

        def saved(result: ScanResult) -> None:
            self.checked_out = result
            self.accept()

        self.save_through(lambda: daycare.check_out(db, rid, who, at=at, actor=actor), topic=TOPIC,
                          errors=self.errors, on_saved=saved, busy=self)
