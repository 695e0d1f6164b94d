"""The alliance's forms: an application (a new merchant or a change to one), a move along the state
table (what the move needs: the date, the reason), the admission review, the commitments, a complaint
and its resolution, and an evaluator's scores. Each `prepare()` returns the service call; the service
checks and writes."""
from __future__ import annotations

import datetime as dt
import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import _, format_date
from app.services import alliance, grids, residents
from app.services.access import Actor
from app.services.alliance import (ACTIONS, ADMIT, APPLIED_VIA, COMMITMENT_TYPES, CRITERIA, MOVES, RECOMMENDED, REJECT,
                                   SCORE_MAX, SELF, BUSINESS_TYPES, CommitmentInput, CommitmentRow, ComplaintInput,
                                   ComplaintRow, MerchantInfo, MerchantInput, ReviewInput, ReviewItemInput)
from app.services.validators import InvalidValue, check_credit_code
from app.views.alliance.model import CommitmentTableModel, status_text
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FormDialog, fit_height
from app.views.shared.tables import table_view
from app.views.shared.widgets import field_row

TOPIC = "alliance"
BATCHES = ("第一批", "第二批", "第三批")  # as the centre names them (the seed's words); any other may be typed
CODE, LICENCE = "credit_code", "licence_number"


def _text_box(text: str = "", height: int = 70) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


def _mark(dialog: FormDialog, key: str, message: str) -> None:
    """Show one field's error at once (a credit code checked as it is typed), leaving the others."""
    widget, label = dialog.errors.fields[key]
    widget.setProperty("invalid", bool(message))
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    label.setText(message)
    label.setVisible(bool(message))
    fit_height(dialog)


def _pick_resident(parent, db: Database) -> tuple[int, str, str] | None:
    """(id, name, phone) of a resident found with the residents' search, or None."""
    from app.views.shared.resident_picker import ResidentPickerDialog

    picker = ResidentPickerDialog(db, parent)
    if picker.exec() != ResidentPickerDialog.DialogCode.Accepted or picker.chosen_id is None:
        return None
    data = residents.get_resident(db, picker.chosen_id).data
    return picker.chosen_id, data.name, data.phone


class _PersonRow(QWidget):
    """A resident chosen with the search (its name shown), with "Choose…" and "Clear" beside it."""

    def __init__(self, db: Database, empty: str, on_change=None):
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.db, self.empty, self.on_change = db, empty, on_change
        self.resident_id: int | None = None
        self.phone = ""
        self.label = QLabel(empty)
        self.choose_button = QPushButton(_("Choose a resident…"))
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(lambda _c=False: self.choose())
        self.clear_button = QPushButton(_("Clear"))
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(lambda _c=False: self.set(None, ""))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.clear_button)
        self.clear_button.setVisible(False)

    def choose(self) -> None:
        found = _pick_resident(self, self.db)
        if found is not None:
            self.set(found[0], found[1], found[2])

    def set(self, resident_id: int | None, name: str, phone: str = "") -> None:
        self.resident_id, self.phone = resident_id, phone
        self.label.setText(name if resident_id is not None else self.empty)
        self.clear_button.setVisible(resident_id is not None)
        if self.on_change is not None:
            self.on_change()


def _resident_name(db: Database, resident_id: int | None) -> str:
    return residents.get_resident(db, resident_id).data.name if resident_id is not None else ""


# -- an application -------------------------------------------------------------------------------

class MerchantDialog(FormDialog):
    """A new application (`info` None) or a change to a merchant's details; every MerchantInput field.
    `saved_id` is the merchant's id after OK."""

    topic = TOPIC

    def __init__(self, db: Database, info: MerchantInfo | None, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        self.db, self.info, self.actor = db, info, actor
        self.today = today or dt.date.today()
        row = info.row if info else None
        self.saved_id: int | None = row.id if row else None
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(alliance.NAME_MAX)
        # One box for the identifier, its kind chosen beside it: an individual business without a credit
        # code gives its licence number, and the page marks it as such.
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(_("Unified social credit code"), CODE)
        self.kind_combo.addItem(_("Business licence number"), LICENCE)
        self.code_edit = QLineEdit(row.credit_code or row.licence_number if row else "")
        self.code_edit.setPlaceholderText(_("18 characters, e.g. 91350100M000100Y43"))
        self.code_edit.setMinimumWidth(self.code_edit.fontMetrics().horizontalAdvance(
            self.code_edit.placeholderText()) + 24)  # the example whole, in English too
        if row and not row.credit_code and row.licence_number:
            self.kind_combo.setCurrentIndex(1)
        self.code_box = field_row(self.kind_combo, self.code_edit, stretch=False)
        self.type_combo = QComboBox()
        self.type_combo.addItem(_("(not chosen)"), None)
        for choice in alliance.list_choices(db, BUSINESS_TYPES):
            self.type_combo.addItem(choice.name, choice.id)
        if info and info.business_type_id is not None and self.type_combo.findData(info.business_type_id) < 0:
            self.type_combo.addItem(row.business_type, info.business_type_id)  # retired since: kept
        if info:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(info.business_type_id)))
        self.contact_row = _PersonRow(db, _("(not a registered resident)"), self._contact_changed)
        self.contact_name_edit = QLineEdit(info.contact_name if info else "")
        self.contact_phone_edit = QLineEdit(info.contact_phone if info else "")
        self.address_edit = QLineEdit(row.address if row else "")
        self.estate_edit = QLineEdit(row.estate if row else "")
        self.grid_combo = QComboBox()
        self.grid_combo.addItem(_("(not assigned)"), None)
        for grid_id, label in grids.grid_choices(db, paths=True):
            self.grid_combo.addItem(label, grid_id)
        if info:
            self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(info.grid_id)))
        self.via_combo = QComboBox()
        for code, label in APPLIED_VIA.items():
            self.via_combo.addItem(_(label), code)
        self.via_combo.setCurrentIndex(max(0, self.via_combo.findData(row.applied_via if row else SELF)))
        self.recommender_row = _PersonRow(db, _("(nobody chosen)"))
        self.applied_edit = date_edit(row.applied_on if row else self.today)
        self.batch_combo = QComboBox()
        self.batch_combo.setEditable(True)
        self.batch_combo.addItems(BATCHES)
        self.batch_combo.setEditText(row.batch if row else "")
        self.note_edit = _text_box(info.note if info else "", 60)
        super().__init__(_("Merchant — {name}").format(name=row.name) if row else _("New alliance application"), [
            (_("Shop name"), "name", self.name_edit),
            (_("Credit code or licence"), CODE, self.code_box),
            (_("Business type"), "business_type_id", self.type_combo),
            (_("Contact (resident)"), "contact_resident_id", self.contact_row),
            (_("Contact's name"), "contact_name", self.contact_name_edit),
            (_("Contact's phone"), "contact_phone", self.contact_phone_edit),
            (_("Shop address"), "address", self.address_edit),
            (_("Estate"), "estate", self.estate_edit),
            (_("Grid"), "grid_id", self.grid_combo),
            (_("How it applied"), "applied_via", self.via_combo),
            (_("Recommended by"), "recommended_by_id", self.recommender_row),
            (_("Applied on"), "applied_on", self.applied_edit),
            (_("Batch"), "batch", self.batch_combo),
            (_("Note"), "note", self.note_edit),
        ], parent, min_width=560)
        self.errors.fields[LICENCE] = self.errors.fields[CODE]  # the same box, whichever kind was chosen
        # An explicit minimum width stops the layout from widening the window: the longer English labels and
        # the code's example would be cut off.
        self.setMinimumWidth(max(self.minimumWidth(), self.layout().totalMinimumSize().width()))
        self.code_edit.textChanged.connect(lambda _t: self._code_typed())
        self.code_edit.editingFinished.connect(lambda: self._check_code(final=True))
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._code_typed())
        self.via_combo.currentIndexChanged.connect(lambda _i: self._via_changed())
        if info:
            if info.contact_resident_id is not None:
                self.contact_row.set(info.contact_resident_id, _resident_name(db, info.contact_resident_id))
            if info.recommended_by_id is not None:
                self.recommender_row.set(info.recommended_by_id, info.recommended_by)
        self._via_changed()
        self._contact_changed()

    # -- what changes as it is filled in ---------------------------------------------------------
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def _code_typed(self) -> None:
        self.errors.clear_field(CODE)
        self.code_edit.setPlaceholderText(_("18 characters, e.g. 91350100M000100Y43") if self.kind() == CODE
                                          else _("As printed on the business licence"))
        self._check_code(final=False)

    def _check_code(self, *, final: bool) -> None:
        """A credit code is checked as soon as it is whole (18 characters), or when the box is left."""
        text = self.code_edit.text().strip()
        if self.kind() != CODE or not text or (not final and len(text) < 18):
            return
        try:
            check_credit_code(text)
        except InvalidValue as exc:
            _mark(self, CODE, exc.message)

    def _via_changed(self) -> None:
        recommended = self.via_combo.currentData() == RECOMMENDED
        self.recommender_row.setEnabled(recommended)
        self.recommender_row.choose_button.setEnabled(recommended)

    def _contact_changed(self) -> None:
        # A resident's own name is on file; a phone typed beside it is kept as the shop's number.
        chosen = self.contact_row.resident_id is not None
        if chosen:
            self.contact_name_edit.setText(self.contact_row.label.text())
        self.contact_name_edit.setReadOnly(chosen)
        self.contact_phone_edit.setPlaceholderText(_("Optional: the resident's phone is on file") if chosen else "")

    def set_contact(self, resident_id: int | None, name: str = "") -> None:
        self.contact_row.set(resident_id, name)

    def set_recommender(self, resident_id: int | None, name: str = "") -> None:
        self.recommender_row.set(resident_id, name)

    # -- saving ------------------------------------------------------------------------------------
    def data(self) -> MerchantInput:
        code = self.code_edit.text()
        via = self.via_combo.currentData()
        contact = self.contact_row.resident_id
        return MerchantInput(
            name=self.name_edit.text(), credit_code=code if self.kind() == CODE else "",
            licence_number=code if self.kind() == LICENCE else "", business_type_id=self.type_combo.currentData(),
            contact_resident_id=contact, contact_name="" if contact is not None else self.contact_name_edit.text(),
            contact_phone=self.contact_phone_edit.text(), address=self.address_edit.text(),
            estate=self.estate_edit.text(), grid_id=self.grid_combo.currentData(), applied_via=via,
            recommended_by_id=self.recommender_row.resident_id if via == RECOMMENDED else None,
            applied_on=to_date(self.applied_edit.date()), batch=self.batch_combo.currentText(),
            note=self.note_edit.toPlainText())

    def prepare(self):
        db, actor, data, mid = self.db, self.actor, self.data(), self.saved_id
        if mid is None:
            return lambda: alliance.add_merchant(db, data, actor=actor)
        return lambda: alliance.update_merchant(db, mid, data, actor=actor)

    def saved(self, result) -> None:
        if self.saved_id is None:
            self.saved_id = result


# -- a move ---------------------------------------------------------------------------------------

class MoveDialog(FormDialog):
    """Asks what a move needs (the day it takes effect; the reason, required to reject, suspend or
    leave) and calls alliance.move."""

    topic = TOPIC

    def __init__(self, db: Database, info: MerchantInfo, action: str, parent: QWidget | None = None, *,
                 actor: Actor, today: dt.date | None = None):
        self.db, self.info, self.action, self.actor = db, info, action, actor
        row = info.row
        self.on_edit = date_edit(today or dt.date.today())
        self.reason_edit = _text_box()
        self.batch_combo = QComboBox()  # applying again: often in a later batch
        self.batch_combo.setEditable(True)
        self.batch_combo.addItems(BATCHES)
        self.batch_combo.setEditText(row.batch)
        needed = action in ("reject", "suspend", "leave")
        self.reason_edit.setPlaceholderText(_("Required: it is kept with the history") if needed
                                            else _("Optional"))
        to = MOVES[action][1]
        intro = _("{name}: “{status}” becomes “{next}”.").format(name=row.name, status=row.status_text,
                                                                 next=status_text(to))
        fields = [(_("Takes effect on"), "on", self.on_edit)]
        if action == "reapply":
            fields.append((_("Batch"), "batch", self.batch_combo))
        fields.append((_("Reason for the change") if needed else _("Note"), "reason", self.reason_edit))
        super().__init__(_("{action} — {name}").format(action=_(ACTIONS[action]), name=row.name), fields, parent,
                         intro=intro, min_width=460)
        self.errors.fields["action"] = self.errors.fields["reason"]
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_(ACTIONS[action]))

    def prepare(self):
        db, mid, action, actor = self.db, self.info.row.id, self.action, self.actor
        reason, on = self.reason_edit.toPlainText(), to_date(self.on_edit.date())
        batch = self.batch_combo.currentText() if action == "reapply" else None
        return lambda: alliance.move(db, mid, action, reason, actor=actor, on=on, batch=batch)


# -- the admission review -------------------------------------------------------------------------

def is_placeholder(criterion) -> bool:
    """Whether a criterion is still one of the shipped stand-ins (四美之一…, "to be filled in by the centre"),
    in either language: the centre has not written its own."""
    names = [n for name, _d in alliance.DEFAULT_CRITERIA for n in (name, _(name))]
    prefixes = {os.path.commonprefix(names[0::2]), os.path.commonprefix(names[1::2])}
    descriptions = {d for _n, desc in alliance.DEFAULT_CRITERIA for d in (desc, _(desc))}
    return criterion.description in descriptions or any(p and criterion.name.startswith(p) for p in prefixes)


def _choice_pair(yes: str, no: str) -> tuple[QButtonGroup, QRadioButton, QRadioButton]:
    group = QButtonGroup()
    first, second = QRadioButton(yes), QRadioButton(no)
    group.addButton(first)
    group.addButton(second)
    return group, first, second


class ReviewDialog(FormDialog):
    """审核: each criterion in use met or not (with a note), the decision and its note; OK records the
    review and admits or refuses the shop in the same transaction."""

    topic = TOPIC

    def __init__(self, db: Database, info: MerchantInfo, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        self.db, self.info, self.actor = db, info, actor
        self.criteria = alliance.list_choices(db, CRITERIA)
        self.items_box = QWidget()
        self.items_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(self.items_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.met: dict[int, tuple[QButtonGroup, QRadioButton, QRadioButton, QLineEdit]] = {}
        for n, criterion in enumerate(self.criteria):
            name = QLabel(criterion.name)
            name.setToolTip(criterion.description)
            group, met, not_met = _choice_pair(_("Met"), _("Not met"))
            note = QLineEdit()
            note.setPlaceholderText(_("Note"))
            grid.addWidget(name, n, 0)
            grid.addWidget(met, n, 1)
            grid.addWidget(not_met, n, 2)
            grid.addWidget(note, n, 3)
            group.buttonToggled.connect(lambda *_a: self.errors.clear_field("items"))
            self.met[criterion.id] = (group, met, not_met, note)
        grid.setColumnStretch(3, 1)
        if not self.criteria:
            grid.addWidget(QLabel(_("The list of criteria is empty: an administrator can fill it in under "
                                    "Settings.")), 0, 0)
        self.placeholder_note = QLabel(_("These are still the sample criteria the program came with: the centre "
                                         "has not written its own yet. An administrator can enter them under "
                                         "Settings → Admission criteria (四美)."))
        self.placeholder_note.setWordWrap(True)
        self.placeholder_note.setVisible(any(is_placeholder(c) for c in self.criteria))
        self.decision_group, self.admit_radio, self.reject_radio = _choice_pair(_("Admit"), _("Do not admit"))
        self.decision_box = field_row(self.admit_radio, self.reject_radio)
        self.note_edit = _text_box()
        self.note_edit.setPlaceholderText(_("Required when the shop is not admitted, or admitted with a criterion "
                                            "not met"))
        self.on_edit = date_edit(today or dt.date.today())
        row = info.row
        super().__init__(_("Admission review — {name}").format(name=row.name), [
            ("", "placeholder", self.placeholder_note),
            (_("Criteria"), "items", self.items_box),
            (_("Decision"), "decision", self.decision_box),
            (_("Note"), "note", self.note_edit),
            (_("Reviewed on"), "reviewed_on", self.on_edit),
        ], parent, intro=_("{name} applied on {date} ({via}). Say for each criterion whether the shop meets it.")
            .format(name=row.name, date=format_date(row.applied_on), via=row.applied_via_text), min_width=620)
        self.errors.fields["action"] = self.errors.fields["decision"]
        self.decision_group.buttonToggled.connect(lambda *_a: self.errors.clear_field("decision"))

    def set_item(self, criterion_id: int, met: bool, note: str = "") -> None:
        _group, yes, no, edit = self.met[criterion_id]
        (yes if met else no).setChecked(True)
        edit.setText(note)

    def set_decision(self, decision: str) -> None:
        (self.admit_radio if decision == ADMIT else self.reject_radio).setChecked(True)

    def prepare(self):
        errors = {}
        missing = [c.name for c in self.criteria if self.met[c.id][0].checkedButton() is None]
        if missing:
            errors["items"] = _("Please say whether each criterion is met: {names}.").format(
                names=_(", ").join(missing))
        checked = self.decision_group.checkedButton()
        if checked is None:
            errors["decision"] = _("Please choose the decision.")
        if errors:
            raise ValidationError(errors)
        items = [ReviewItemInput(c.id, self.met[c.id][1].isChecked(), self.met[c.id][3].text())
                 for c in self.criteria]
        data = ReviewInput(items=items, decision=ADMIT if checked is self.admit_radio else REJECT,
                           note=self.note_edit.toPlainText(), reviewed_on=to_date(self.on_edit.date()))
        db, mid, actor = self.db, self.info.row.id, self.actor
        return lambda: alliance.record_review(db, mid, data, actor=actor)


# -- commitments ----------------------------------------------------------------------------------

class CommitmentLineDialog(FormDialog):
    """One commitment: the kind of service, what exactly, how often, since and until. Writes nothing:
    the list is saved whole by CommitmentsDialog."""

    def __init__(self, db: Database, line: CommitmentRow | None, parent: QWidget | None = None,
                 today: dt.date | None = None):
        today = today or dt.date.today()
        self.type_combo = QComboBox()
        self.type_combo.addItem(_("(choose)"), None)
        for choice in alliance.list_choices(db, COMMITMENT_TYPES):
            self.type_combo.addItem(choice.name, choice.id)
        if line and self.type_combo.findData(line.type_id) < 0:
            self.type_combo.addItem(line.type_name, line.type_id)  # retired since: the shop keeps it
        if line:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(line.type_id)))
        self.detail_edit = QLineEdit(line.detail if line else "")
        self.detail_edit.setPlaceholderText(_("e.g. two chairs by the door, ask at the till"))
        self.frequency_edit = QLineEdit(line.frequency if line else "")
        self.frequency_edit.setPlaceholderText(_("e.g. every day, Tuesday mornings"))
        self.since_edit = date_edit(line.since if line else today)
        self.open_check = QCheckBox(_("No end date"))
        self.until_edit = date_edit(line.until if line and line.until else today.replace(month=12, day=31))
        self.open_check.toggled.connect(lambda on: self.until_edit.setEnabled(not on))
        self.open_check.setChecked(line is None or line.until is None)
        self.line: CommitmentRow | None = None
        super().__init__(_("Public-benefit service"), [
            (_("Service"), "type_id", self.type_combo),
            (_("Detail"), "detail", self.detail_edit),
            (_("How often"), "frequency", self.frequency_edit),
            (_("Starts on"), "since", self.since_edit),
            (_("Ends on"), "until", field_row(self.until_edit, self.open_check)),
        ], parent, min_width=460)

    def prepare(self) -> None:
        since = to_date(self.since_edit.date())
        until = None if self.open_check.isChecked() else to_date(self.until_edit.date())
        errors = {}
        if self.type_combo.currentData() is None:
            errors["type_id"] = _("Please choose the kind of service.")
        if until is not None and until < since:
            errors["until"] = _("The end date is before the start date.")
        if errors:
            raise ValidationError(errors)
        self.line = CommitmentRow(0, self.type_combo.currentData(), self.type_combo.currentText(),
                                  self.detail_edit.text().strip(), self.frequency_edit.text().strip(), since, until)
        return None


class CommitmentsDialog(FormDialog):
    """A member's public-benefit commitments (公益服务条款), edited as a list and saved whole."""

    topic = TOPIC

    def __init__(self, db: Database, info: MerchantInfo, parent: QWidget | None = None, *, actor: Actor):
        self.db, self.info, self.actor = db, info, actor
        self.model = CommitmentTableModel()
        self.model.set_rows(info.commitments)
        self.view = table_view(self.model, wrap=False)
        for column, width in enumerate((150, 180, 110, 90)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _i: self.change())
        add, change, remove = (QPushButton(_("Add…")), QPushButton(_("Change…")), QPushButton(_("Remove")))
        for button, handler in ((add, self.add), (change, self.change), (remove, self.remove)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, h=handler: h())
        self.editor = QWidget()
        self.editor.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self.editor)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        bar = QHBoxLayout()
        for button in (add, change, remove):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        super().__init__(_("Public-benefit commitments — {name}").format(name=info.row.name),
                         [(_("Public-benefit commitments"), "items", self.editor)], parent, min_width=720)
        self.resize(760, 420)

    def _current(self) -> int:
        return self.view.selectionModel().currentIndex().row()

    def _changed(self, rows) -> None:
        self.model.set_rows(rows)
        self._mark_dirty()
        self.errors.clear_field("items")

    def add(self, line: CommitmentRow | None = None) -> None:
        if line is None:
            dialog = CommitmentLineDialog(self.db, None, self)
            if dialog.exec() != FormDialog.DialogCode.Accepted or dialog.line is None:
                return
            line = dialog.line
        self._changed([*self.model.rows, line])

    def change(self) -> None:
        n = self._current()
        line = self.model.row(n)
        if line is None:
            return
        dialog = CommitmentLineDialog(self.db, line, self)
        if dialog.exec() == FormDialog.DialogCode.Accepted and dialog.line is not None:
            rows = list(self.model.rows)
            rows[n] = dialog.line
            self._changed(rows)

    def remove(self) -> None:
        n = self._current()
        if self.model.row(n) is not None:
            self._changed([r for i, r in enumerate(self.model.rows) if i != n])

    def prepare(self):
        items = [CommitmentInput(r.type_id, r.detail, r.frequency, r.since, r.until) for r in self.model.rows]
        db, mid, actor = self.db, self.info.row.id, self.actor
        return lambda: alliance.set_commitments(db, mid, items, actor=actor)


# -- complaints ---------------------------------------------------------------------------------

class ComplaintDialog(FormDialog):
    """A complaint about a shop: which shop (fixed when opened from its page), when, from whom (a
    resident chosen with the search, or a walk-in's name and phone), what."""

    topic = TOPIC

    def __init__(self, db: Database, merchants: list[tuple[int, str]], parent: QWidget | None = None, *,
                 actor: Actor, merchant_id: int | None = None, resident: tuple[int, str] | None = None,
                 today: dt.date | None = None):
        self.db, self.actor = db, actor
        self.merchant_combo = QComboBox()
        self.merchant_combo.addItem(_("(choose the shop)"), None)
        for mid, name in merchants:
            self.merchant_combo.addItem(name, mid)
        self.merchant_combo.setCurrentIndex(max(0, self.merchant_combo.findData(merchant_id)))
        self.merchant_combo.setEnabled(merchant_id is None)
        self.received_edit = date_edit(today or dt.date.today())
        self.person_row = _PersonRow(db, _("(a walk-in: type the name below)"), self._person_changed)
        self.name_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.what_edit = _text_box(height=80)
        super().__init__(_("Complaint about a shop"), [
            (_("Shop"), "merchant_id", self.merchant_combo),
            (_("Received on"), "received_on", self.received_edit),
            (_("Complainant (resident)"), "complainant_id", self.person_row),
            (_("Complainant"), "complainant_name", self.name_edit),
            (_("Complainant's phone"), "complainant_phone", self.phone_edit),
            (_("Complaint"), "what", self.what_edit),
        ], parent, min_width=520)
        if resident is not None:
            self.person_row.set(*resident)

    def _person_changed(self) -> None:
        chosen = self.person_row.resident_id is not None
        self.name_edit.setText(self.person_row.label.text() if chosen else "")
        self.name_edit.setReadOnly(chosen)

    def prepare(self):
        mid = self.merchant_combo.currentData()
        if mid is None:
            raise ValidationError({"merchant_id": _("Please choose the shop the complaint is about.")})
        rid = self.person_row.resident_id
        data = ComplaintInput(merchant_id=mid, received_on=to_date(self.received_edit.date()), complainant_id=rid,
                              complainant_name="" if rid is not None else self.name_edit.text(),
                              complainant_phone=self.phone_edit.text(), what=self.what_edit.toPlainText())
        db, actor = self.db, self.actor
        return lambda: alliance.add_complaint(db, data, actor=actor)


class ResolveDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, complaint: ComplaintRow, parent: QWidget | None = None, *, actor: Actor,
                 today: dt.date | None = None):
        self.db, self.complaint, self.actor = db, complaint, actor
        self.resolution_edit = _text_box(complaint.resolution, 80)
        self.on_edit = date_edit(complaint.resolved_on or today or dt.date.today())
        super().__init__(_("Resolve the complaint"), [
            (_("How it was resolved"), "resolution", self.resolution_edit),
            (_("Resolved on"), "resolved_on", self.on_edit),
        ], parent, intro=_("{merchant}, received {date} from {name}: {what}").format(
            merchant=complaint.merchant, date=format_date(complaint.received_on), name=complaint.complainant,
            what=complaint.what), min_width=480)

    def prepare(self):
        db, cid, actor = self.db, self.complaint.id, self.actor
        text, on = self.resolution_edit.toPlainText(), to_date(self.on_edit.date())
        return lambda: alliance.resolve_complaint(db, cid, text, on, actor=actor)


# -- evaluations --------------------------------------------------------------------------------

def quarter_of(day: dt.date) -> str:
    return alliance.quarter_text(day.year, (day.month - 1) // 3 + 1)


def recent_quarters(today: dt.date, count: int = 8) -> list[str]:
    """This quarter and the ones before it, newest first."""
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _n in range(count):
        out.append(alliance.quarter_text(year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


def quarter_combo(today: dt.date, chosen: str | None = None) -> QComboBox:
    """The recent quarters to choose from; another can be typed as 2026-Q3."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(recent_quarters(today))
    combo.setCurrentText(chosen or quarter_of(today))
    return combo


class EvaluationDialog(FormDialog):
    """One evaluator's scores (0–10) of a member on each criterion in use, for a quarter; the same
    evaluator again replaces their scores."""

    topic = TOPIC

    def __init__(self, db: Database, members: list[tuple[int, str]], quarter: str, parent: QWidget | None = None,
                 *, actor: Actor, merchant_id: int | None = None, today: dt.date | None = None):
        self.db, self.actor = db, actor
        self.merchant_combo = QComboBox()
        self.merchant_combo.addItem(_("(choose the member)"), None)
        for mid, name in members:
            self.merchant_combo.addItem(name, mid)
        self.merchant_combo.setCurrentIndex(max(0, self.merchant_combo.findData(merchant_id)))
        self.quarter_combo = quarter_combo(today or dt.date.today(), quarter)
        self.evaluator_edit = QLineEdit(actor.name)
        self.criteria = alliance.list_choices(db, CRITERIA)
        self.scores_box = QWidget()
        self.scores_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(self.scores_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[int, QSpinBox] = {}
        for n, criterion in enumerate(self.criteria):
            label = QLabel(criterion.name)
            label.setToolTip(criterion.description)
            spin = QSpinBox()
            spin.setRange(-1, SCORE_MAX)
            spin.setSpecialValueText("—")  # not scored yet: each score is given on purpose
            spin.setValue(-1)
            spin.valueChanged.connect(lambda _v: self.errors.clear_field("scores"))
            grid.addWidget(label, n, 0)
            grid.addWidget(spin, n, 1)
            self.spins[criterion.id] = spin
        grid.setColumnStretch(2, 1)
        self.note_edit = QLineEdit()
        super().__init__(_("Quarterly evaluation"), [
            (_("Member shop"), "merchant_id", self.merchant_combo),
            (_("Quarter"), "quarter", self.quarter_combo),
            (_("Evaluator"), "evaluator", self.evaluator_edit),
            (_("Scores (0–{n})").format(n=SCORE_MAX), "scores", self.scores_box),
            (_("Note"), "note", self.note_edit),
        ], parent, min_width=480)

    def set_scores(self, scores: dict[int, int]) -> None:
        for cid, value in scores.items():
            self.spins[cid].setValue(value)

    def accept(self) -> None:
        # The evaluator box is pre-filled with the signed-in name: two workers (or one typing for a
        # colleague) would otherwise overwrite each other's scores without a word.
        if self._replaces_scores() and QMessageBox.question(
                self, self.windowTitle(),
                _("{evaluator} already scored {shop} for {quarter}; replace those scores?").format(
                    evaluator=self.evaluator_edit.text().strip(), shop=self.merchant_combo.currentText(),
                    quarter=self.quarter_combo.currentText().strip()),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        super().accept()

    def _replaces_scores(self) -> bool:
        mid, evaluator = self.merchant_combo.currentData(), self.evaluator_edit.text()
        if mid is None or not evaluator.strip():
            return False
        return alliance.has_evaluation(self.db, mid, self.quarter_combo.currentText(), evaluator)

    def prepare(self):
        mid = self.merchant_combo.currentData()
        errors = {}
        if mid is None:
            errors["merchant_id"] = _("Please choose the member.")
        missing = [c.name for c in self.criteria if self.spins[c.id].value() < 0]
        if missing:
            errors["scores"] = _("Please score every criterion: {names}.").format(names=_(", ").join(missing))
        if errors:
            raise ValidationError(errors)
        scores = {cid: spin.value() for cid, spin in self.spins.items()}
        db, actor = self.db, self.actor
        quarter, evaluator, note = self.quarter_combo.currentText(), self.evaluator_edit.text(), self.note_edit.text()
        return lambda: alliance.record_evaluation(db, mid, quarter, evaluator, scores, actor=actor, note=note)


class QuarterDialog(FormDialog):
    """The quarter of the ranking form."""

    confirm_discard = False

    def __init__(self, title: str, quarter: str, parent: QWidget | None = None, today: dt.date | None = None):
        self.quarter_combo = quarter_combo(today or dt.date.today(), quarter)
        self._chosen: str | None = None
        super().__init__(title, [(_("Quarter"), "quarter", self.quarter_combo)], parent, min_width=320)

    def prepare(self) -> None:
        year, q = alliance.parse_quarter(self.quarter_combo.currentText())  # marks a wrong one here
        self._chosen = alliance.quarter_text(year, q)

    def chosen(self) -> str | None:
        return self._chosen
