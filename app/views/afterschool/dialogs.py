"""The after-school forms: a class, a child's profile (school, allergies, who may collect the
child, a guardian's consent), enrolment, a reason (leave, withdrawal, a cancelled session …), an
added session, and the sign-out: who is collecting the child. Each form's `prepare()` (or a
button) returns the service call; the services check and write."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMenu, QPlainTextEdit, QPushButton, QSpinBox,
                               QTableView, QTimeEdit, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError, ValidationError
from app.i18n import _, format_date, format_number
from app.services import access, afterschool, privacy, residents
from app.services.access import Actor
from app.services.afterschool import (CONSENT_AGE, GRADES, ChildInfo, ChildInput, ClassInput, ClassRow,
                                      ConsentInput, PickupInput, SessionChild, UnlistedPickup)
from app.services.residents import RELATIONS
from app.views.afterschool.model import person_text
from app.views.daycare.settings import yuan_to_fen
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FieldErrors, FormDialog, SavingDialog, error_label
from app.views.shared.list_model import WEEKDAY_NAMES, ListModel
from app.views.shared.widgets import field_row

TOPIC = "afterschool"


def _qtime(t: dt.time | None, default: QTime) -> QTimeEdit:
    edit = QTimeEdit(QTime(t.hour, t.minute) if t else default)
    edit.setDisplayFormat("HH:mm")
    return edit


def _grade_combo(blank: str, value: int | None) -> QComboBox:
    combo = QComboBox()
    combo.addItem(blank, None)
    for code, label in GRADES.items():
        combo.addItem(_(label), code)
    combo.setCurrentIndex(max(0, combo.findData(value)))
    return combo


def _age_spin(value: int | None) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(-1, 18)
    spin.setSpecialValueText(_("any"))  # -1: no limit
    spin.setValue(-1 if value is None else value)
    return spin


def _money(fen: int) -> str:
    return "{}.{:02d}".format(fen // 100, fen % 100)


# -- a class ------------------------------------------------------------------------------------

class ClassDialog(FormDialog):
    """A new class (`row` None) or a change to one; every ClassInput field. The fee is typed in
    yuan and saved in fen."""

    topic = TOPIC

    def __init__(self, db: Database, row: ClassRow | None, parent: QWidget | None = None, *, actor: Actor):
        self.db, self.row, self.actor = db, row, actor
        self.saved_id: int | None = row.id if row else None
        today = dt.date.today()
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(60)
        self.type_combo = QComboBox()
        for choice in afterschool.list_choices(db):
            self.type_combo.addItem(choice.name, choice.id)
        if row and self.type_combo.findData(row.type_id) < 0:
            self.type_combo.addItem(row.type_name, row.type_id)  # retired since: kept
        if row:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(row.type_id)))
        self.start_edit = date_edit(row.term_start if row else today)
        self.end_edit = date_edit(row.term_end if row else today + dt.timedelta(days=120))
        self.day_checks: list[QCheckBox] = []
        days = row.weekdays if row else ClassInput().weekdays
        for number, name in enumerate(WEEKDAY_NAMES):
            check = QCheckBox(_(name))
            check.setChecked(number in days)
            self.day_checks.append(check)
        self.days_box = field_row(*self.day_checks)
        self.from_edit = _qtime(row.start_time if row else None, QTime(16, 30))
        self.to_edit = _qtime(row.end_time if row else None, QTime(18, 0))
        times = field_row(self.from_edit, QLabel("–"), self.to_edit)
        self.room_edit = QLineEdit(row.room if row else "")
        self.capacity_spin = QSpinBox()
        self.capacity_spin.setRange(1, 500)
        self.capacity_spin.setValue(row.capacity if row else 20)
        self.teacher_combo = QComboBox()
        self.teacher_combo.addItem(_("(not yet chosen)"), None)
        try:
            from app.services import accounts

            for staff in accounts.list_staff(db, actor=actor):
                if staff.active:
                    self.teacher_combo.addItem(_("{name} (staff)").format(name=staff.display_name or staff.username),
                                               f"staff:{staff.id}")
        except DeskError:
            pass  # only administrators list the accounts; others keep the teacher or choose a resident
        # Teachers are "staff:<id>" or "resident:<id>" in the combo.
        kept = (f"staff:{row.teacher_staff_id}" if row and row.teacher_staff_id is not None else
                f"resident:{row.teacher_resident_id}" if row and row.teacher_resident_id is not None else None)
        if kept is not None:
            if self.teacher_combo.findData(kept) < 0:
                self.teacher_combo.addItem(row.teacher, kept)
            self.teacher_combo.setCurrentIndex(self.teacher_combo.findData(kept))
        self.volunteer_button = QPushButton(_("A resident volunteer…"))
        self.volunteer_button.clicked.connect(self.choose_volunteer)
        teacher = field_row(self.teacher_combo, self.volunteer_button)
        self.age_min, self.age_max = _age_spin(row.age_min if row else None), _age_spin(row.age_max if row else None)
        ages = field_row(self.age_min, QLabel("–"), self.age_max)
        self.grade_min = _grade_combo(_("any"), row.grade_min if row else None)
        self.grade_max = _grade_combo(_("any"), row.grade_max if row else None)
        grades = field_row(self.grade_min, QLabel("–"), self.grade_max)
        self.fee_edit = QLineEdit(_money(row.fee_fen) if row else "0")
        self.fee_edit.setPlaceholderText(_("yuan per term, 0 when free"))
        self.note_edit = QLineEdit(row.note if row else "")
        super().__init__(_("Class — {name}").format(name=row.name) if row else _("New class"), [
            (_("Name"), "name", self.name_edit),
            (_("Type"), "type_id", self.type_combo),
            (_("Term from"), "term_start", self.start_edit),
            (_("Term until"), "term_end", self.end_edit),
            (_("Weekdays"), "weekdays", self.days_box),
            (_("Time"), "end_time", times),
            (_("Room"), "room", self.room_edit),
            (_("Capacity"), "capacity", self.capacity_spin),
            (_("Teacher or volunteer"), "teacher", teacher),
            (_("Age (years)"), "age", ages),
            (_("Grade"), "grade", grades),
            (_("Fee (yuan)"), "fee_fen", self.fee_edit),
            (_("Note"), "note", self.note_edit),
        ], parent, min_width=560)
        # The service names each half of a pair; the form shows the pair on one row.
        for key, shown_on in (("start_time", "end_time"), ("age_min", "age"), ("age_max", "age"),
                              ("grade_min", "grade"), ("grade_max", "grade"), ("teacher_staff_id", "teacher"),
                              ("teacher_resident_id", "teacher")):
            self.errors.fields[key] = self.errors.fields[shown_on]
        for check in self.day_checks:
            check.toggled.connect(lambda _on: self.errors.clear_field("weekdays"))

    def choose_volunteer(self) -> None:
        from app.views.shared.resident_picker import ResidentPickerDialog

        picker = ResidentPickerDialog(self.db, self)
        picker.setWindowTitle(_("Teacher or volunteer: choose the resident"))
        if picker.exec() != ResidentPickerDialog.DialogCode.Accepted or picker.chosen_id is None:
            return
        key = f"resident:{picker.chosen_id}"
        if self.teacher_combo.findData(key) < 0:
            name = residents.get_resident(self.db, picker.chosen_id).data.name
            self.teacher_combo.addItem(_("{name} (volunteer)").format(name=name), key)
        self.teacher_combo.setCurrentIndex(self.teacher_combo.findData(key))

    def prepare(self):
        kind, _sep, number = (self.teacher_combo.currentData() or "").partition(":")
        t0, t1 = self.from_edit.time(), self.to_edit.time()
        data = ClassInput(
            name=self.name_edit.text(), type_id=self.type_combo.currentData(),
            term_start=to_date(self.start_edit.date()), term_end=to_date(self.end_edit.date()),
            weekdays=frozenset(i for i, check in enumerate(self.day_checks) if check.isChecked()),
            start_time=dt.time(t0.hour(), t0.minute()), end_time=dt.time(t1.hour(), t1.minute()),
            room=self.room_edit.text(), capacity=self.capacity_spin.value(),
            teacher_staff_id=int(number) if kind == "staff" else None,
            teacher_resident_id=int(number) if kind == "resident" else None,
            age_min=None if self.age_min.value() < 0 else self.age_min.value(),
            age_max=None if self.age_max.value() < 0 else self.age_max.value(),
            grade_min=self.grade_min.currentData(), grade_max=self.grade_max.currentData(),
            fee_fen=yuan_to_fen(self.fee_edit.text() or "0", "fee_fen"), note=self.note_edit.text())
        db, actor, row = self.db, self.actor, self.row
        if row is None:
            return lambda: afterschool.add_class(db, data, actor=actor)
        return lambda: afterschool.update_class(db, row.id, data, actor=actor)

    def saved(self, result) -> None:
        if self.row is None:
            self.saved_id = result


# -- a child's profile ----------------------------------------------------------------------------

def _relation(code: str) -> str:
    return _(RELATIONS[code][0]) if code in RELATIONS else code


class PickupEditor(QWidget):
    """Who may collect the child: residents (from the family, or any resident) and typed adults,
    each with a relation and a phone; a ticked "guardian" needs a resident."""

    changed = Signal()

    def __init__(self, db: Database, links: list[residents.LinkInfo], people: list[PickupInput],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.db = db
        self.people: list[PickupInput] = list(people)
        self.model = ListModel([_("Name"), _("Relation"), _("Phone"), _("Guardian")], [], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setFixedHeight(110)
        self.family_button = QPushButton(_("From the family…"))
        menu = QMenu(self.family_button)
        for link in links:
            menu.addAction(person_text(link.relative_name, _relation(link.relation)),
                           lambda lk=link: self.add_relative(lk))
        self.family_button.setMenu(menu)
        self.family_button.setEnabled(bool(links))
        self.resident_button = QPushButton(_("A resident…"))
        self.resident_button.clicked.connect(self.add_resident)
        self.name_edit, self.phone_edit, self.relation_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.name_edit.setPlaceholderText(_("Name"))
        self.phone_edit.setPlaceholderText(_("Phone"))
        self.relation_edit.setPlaceholderText(_("Relation, e.g. aunt"))
        self.add_button = QPushButton(_("Add"))
        self.add_button.clicked.connect(self.add_typed)
        self.guardian_button = QPushButton(_("Guardian yes / no"))
        self.guardian_button.setToolTip(_("A guardian must be a resident in the registry."))
        self.guardian_button.clicked.connect(self.toggle_guardian)
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        typed = QHBoxLayout()
        typed.setContentsMargins(0, 0, 0, 0)
        for widget in (self.name_edit, self.relation_edit, self.phone_edit, self.add_button):
            typed.addWidget(widget)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for widget in (self.family_button, self.resident_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.guardian_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        layout.addLayout(typed)
        layout.addLayout(buttons)
        self._show()

    def _show(self) -> None:
        self.model.beginResetModel()
        self.model.rows = [(p.name, p.relation, p.phone, _("Guardian") if p.guardian else "") for p in self.people]
        self.model.endResetModel()

    def add(self, person: PickupInput) -> None:
        if person.relative_id is not None and any(p.relative_id == person.relative_id for p in self.people):
            return
        self.people.append(person)
        self._show()
        self.changed.emit()

    def add_relative(self, link: residents.LinkInfo) -> None:
        """A family link: a parent is the father or the mother (the desk must tell them apart at the
        door), anyone else keeps the link's own label."""
        relation = _relation(link.relation)
        if link.relation == "parent":
            gender = residents.get_resident(self.db, link.relative_id).data.gender
            relation = {"M": _("Father"), "F": _("Mother")}.get(gender or "", relation)
        self.add(PickupInput(relative_id=link.relative_id, name=link.relative_name, phone=link.relative_phone,
                             relation=relation, guardian=link.relation in ("guardian", "parent", "grandparent")))

    def add_resident(self) -> None:
        from app.views.shared.resident_picker import ResidentPickerDialog

        picker = ResidentPickerDialog(self.db, self)
        picker.setWindowTitle(_("Who may collect the child: choose the resident"))
        if picker.exec() == ResidentPickerDialog.DialogCode.Accepted and picker.chosen_id is not None:
            data = residents.get_resident(self.db, picker.chosen_id).data
            self.add(PickupInput(relative_id=picker.chosen_id, name=data.name, phone=data.phone,
                                 relation=self.relation_edit.text().strip()))

    def add_typed(self) -> None:
        """Typed people are checked by the service when the form is saved."""
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
            return
        self.add(PickupInput(name=self.name_edit.text().strip(), phone=self.phone_edit.text().strip(),
                             relation=self.relation_edit.text().strip()))
        for edit in (self.name_edit, self.phone_edit, self.relation_edit):
            edit.clear()

    def _selected(self) -> int:
        return self.view.selectionModel().currentIndex().row()

    def toggle_guardian(self) -> None:
        row = self._selected()
        if 0 <= row < len(self.people):
            p = self.people[row]
            self.people[row] = PickupInput(p.relative_id, p.name, p.phone, p.relation, not p.guardian, p.id)
            self._show()
            self.changed.emit()

    def remove_selected(self) -> None:
        row = self._selected()
        if 0 <= row < len(self.people):
            del self.people[row]
            self._show()
            self.changed.emit()

    def value(self) -> list[PickupInput]:
        if self.name_edit.text().strip():  # typed but not added: meant to be
            self.add_typed()
        return list(self.people)

    def guardian_names(self) -> list[str]:
        return [p.name for p in self.people if p.guardian]


class ChildDialog(FormDialog):
    """A child's profile, new (`info` None) or changed. Medical notes only for a role that may see
    them; the consent box only while a child under 14 has none in force."""

    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, info: ChildInfo | None, parent: QWidget | None = None,
                 *, actor: Actor, today: dt.date | None = None):
        self.db, self.resident_id, self.info, self.actor = db, resident_id, info, actor
        self.today = today or dt.date.today()
        self.saved_id: int | None = None
        person = residents.get_resident(db, resident_id)
        self.person_name = person.data.name
        age = residents.age_on(person.data.birth_date, self.today)
        self.school_edit = QLineEdit(info.school if info else "")
        self.grade_combo = _grade_combo(_("(not given)"), info.grade if info else None)
        self.allergies_edit = QLineEdit(info.allergies if info and info.allergies else "")
        self.allergies_edit.setPlaceholderText(_("e.g. peanuts, penicillin"))
        self.medical_edit = QPlainTextEdit(info.medical_notes or "" if info else "")
        self.medical_edit.setTabChangesFocus(True)
        self.medical_edit.setFixedHeight(60)
        self.may_see_medical = access.may(actor, access.CHILD_MEDICAL_VIEW)
        people = [PickupInput(p.relative_id, p.name, p.phone, p.relation, p.guardian, p.id)
                  for p in (info.pickup if info else []) if p.active]
        self.pickup = PickupEditor(db, person.links, people)
        # A guardian's consent, given at the desk: only asked while a child under 14 has none.
        self.needs_consent = (age is None or age < CONSENT_AGE) and not (info and info.consent_in_force)
        self.consent_check = QCheckBox(_("A guardian consents now (signed form or in person)"))
        self.consent_by = QComboBox()
        self.consent_by.setEditable(True)
        self.consent_method = QComboBox()
        for code, label in privacy.METHODS.items():
            self.consent_method.addItem(_(label), code)
        self.consent_on = date_edit(self.today)
        consent_box = QWidget()
        consent_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(consent_box)
        grid.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(_("{name} is under 14: a guardian must consent to the centre keeping this profile.").format(
            name=self.person_name))
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        grid.addWidget(hint, 0, 0, 1, 4)
        grid.addWidget(self.consent_check, 1, 0, 1, 4)
        grid.addWidget(QLabel(_("Given by")), 2, 0)
        grid.addWidget(self.consent_by, 2, 1)
        grid.addWidget(self.consent_method, 2, 2)
        grid.addWidget(self.consent_on, 2, 3)
        self.consent_check.toggled.connect(self._follow)
        self.alone_check = QCheckBox(_("May go home alone"))
        self.alone_check.setChecked(bool(info and info.may_go_home_alone))
        self.alone_by = QComboBox()
        self.alone_by.setEditable(True)
        self.alone_on = date_edit(info.alone_consent_on if info and info.alone_consent_on else self.today)
        alone = field_row(self.alone_check, QLabel(_("agreed by")), self.alone_by, self.alone_on)
        self.alone_check.toggled.connect(self._follow)
        self.pickup.changed.connect(self._guardians_changed)
        fields = [
            (_("School"), "school", self.school_edit),
            (_("Grade"), "grade", self.grade_combo),
            (_("Allergies"), "allergies", self.allergies_edit),
        ]
        if self.may_see_medical:
            fields.append((_("Medical notes"), "medical_notes", self.medical_edit))
        fields.append((_("Who may collect the child"), "pickup", self.pickup))
        if self.needs_consent:
            fields.append((_("Guardian's consent"), "consent", consent_box))
        fields.append((_("Going home alone"), "alone_consent_by", alone))
        title = (_("Child profile — {name}") if info else _("New child profile — {name}")).format(
            name=self.person_name)
        age_text = _("{n} years old").format(n=format_number(age)) if age is not None else _("no birth date")
        super().__init__(title, fields, parent, min_width=640,
                         intro=_("{name}, {age}. Phones and medical notes are shown only to staff who may see "
                                 "them.").format(name=self.person_name, age=age_text))
        self.errors.add("resident", self.school_edit, self.errors.general)
        self._guardians_changed()
        if info and info.alone_consent_by:
            self.alone_by.setEditText(info.alone_consent_by)
        self._follow()

    def _guardians_changed(self) -> None:
        names = self.pickup.guardian_names()
        for combo in (self.consent_by, self.alone_by):
            typed = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setEditText(typed if typed else (names[0] if names else ""))
            combo.blockSignals(False)

    def _follow(self, *_args) -> None:
        for widget in (self.consent_by, self.consent_method, self.consent_on):
            widget.setEnabled(self.consent_check.isChecked())
        for widget in (self.alone_by, self.alone_on):
            widget.setEnabled(self.alone_check.isChecked())

    def prepare(self):
        consent = None
        if self.needs_consent and self.consent_check.isChecked():
            given_by = self.consent_by.currentText().strip()
            relative = next((p.relative_id for p in self.pickup.people if p.name == given_by and p.guardian), None)
            consent = ConsentInput(given_by=given_by, given_by_resident_id=relative,
                                   method=self.consent_method.currentData(), given_on=to_date(self.consent_on.date()))
        alone = self.alone_check.isChecked()
        data = ChildInput(
            resident_id=self.resident_id, school=self.school_edit.text(), grade=self.grade_combo.currentData(),
            allergies=self.allergies_edit.text(),
            medical_notes=self.medical_edit.toPlainText() if self.may_see_medical else None,
            may_go_home_alone=alone, alone_consent_by=self.alone_by.currentText().strip() if alone else "",
            alone_consent_on=to_date(self.alone_on.date()) if alone else None,
            pickup=self.pickup.value(), consent=consent)
        db, actor, today = self.db, self.actor, self.today
        return lambda: afterschool.save_child(db, data, actor=actor, today=today)

    def saved(self, result) -> None:
        self.saved_id = result


# -- enrolment ----------------------------------------------------------------------------------

def _range_text(low: int | None, high: int | None, show) -> str:
    if low is not None and high is not None:
        return "{}–{}".format(show(low), show(high)) if low != high else show(low)
    if low is not None:
        return _("{value} and above").format(value=show(low))
    return _("up to {value}").format(value=show(high)) if high is not None else ""


def range_problem(row: ClassRow, child: ChildInfo) -> str:
    """Why the child is outside the class's age or grade range, in the service's words ("" when
    inside): the desk reads the rule and the child's age or grade before pressing OK."""
    age, grade, problems = child.age, child.grade, []
    if age is not None and ((row.age_min is not None and age < row.age_min)
                            or (row.age_max is not None and age > row.age_max)):
        problems.append(_("the class is for ages {range}; {name} is {age}").format(
            range=_range_text(row.age_min, row.age_max, str), name=child.name, age=age))
    if grade is not None and ((row.grade_min is not None and grade < row.grade_min)
                              or (row.grade_max is not None and grade > row.grade_max)):
        problems.append(_("the class is for {range}; {name} is in {grade}").format(
            range=_range_text(row.grade_min, row.grade_max, lambda g: _(GRADES[g])), name=child.name,
            grade=_(GRADES[grade])))
    if not problems:
        return ""
    return _("Outside the class's range: {problems}. Give a reason to enrol anyway.").format(
        problems=_("; ").join(problems))


class EnrolDialog(FormDialog):
    """Enrol a child in a class: says whether there is a place or the waiting-list position the
    child will get; asks the reason when the age or grade is outside the class's range, and lets
    an administrator enrol beyond capacity with a reason. `result` is the EnrolResult."""

    topic = TOPIC

    def __init__(self, db: Database, row: ClassRow, child: ChildInfo, parent: QWidget | None = None, *,
                 actor: Actor, today: dt.date | None = None):
        self.db, self.row, self.child, self.actor, self.today = db, row, child, actor, today
        self.result: afterschool.EnrolResult | None = None
        self.full = row.free_places == 0
        if self.full:
            intro = _("{cls} is full ({enrolled} of {capacity} places): {name} goes on the waiting list at "
                      "position {n}.").format(cls=row.name, enrolled=format_number(row.enrolled + row.offered),
                                             capacity=format_number(row.capacity), name=child.name,
                                             n=format_number(row.waiting + 1))
        else:
            intro = _("{cls}: {free} of {capacity} places free. {name} will be enrolled.").format(
                cls=row.name, free=format_number(row.free_places), capacity=format_number(row.capacity),
                name=child.name)
        self.range_note = QLabel()
        self.range_note.setWordWrap(True)
        self.range_note.setStyleSheet("color: #b71c1c")
        self.range_edit = QLineEdit()
        self.range_edit.setPlaceholderText(_("Why the child may still join, e.g. with the teacher's agreement"))
        self.beyond_check = QCheckBox(_("Enrol beyond capacity (administrators)"))
        self.beyond_edit = QLineEdit()
        self.beyond_edit.setPlaceholderText(_("Reason for exceeding the capacity"))
        self.beyond_check.toggled.connect(self.beyond_edit.setEnabled)
        self.beyond_edit.setEnabled(False)
        range_box = QWidget()
        box = QVBoxLayout(range_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.range_note)
        box.addWidget(self.range_edit)
        self.range_box = range_box
        fields = [(_("Outside the range"), "out_of_range", range_box)]
        if self.full and access.may(actor, access.AFTERSCHOOL_OVERRIDE):
            fields.append((_("Beyond capacity"), "over_capacity_reason",
                           field_row(self.beyond_check, self.beyond_edit, stretch=False)))
        super().__init__(_("Enrol — {name}").format(name=child.name), fields, parent, intro=intro, min_width=520)
        self.errors.add("resident", self.range_edit, self.errors.general)
        self.form = next(item.layout() for item in (self.layout().itemAt(i) for i in range(self.layout().count()))
                         if isinstance(item.layout(), QFormLayout))
        problem = range_problem(row, child)
        self.range_note.setText(problem)
        self.set_out_of_range(bool(problem))
        shown = self.errors.show

        def show(exc: ValidationError) -> None:
            # The service's refusal (its words are the rule) goes in the note above the reason, and
            # the error under the field only asks for the reason: the two never repeat each other.
            fields = dict(exc.fields)
            if "out_of_range" in fields:
                self.range_note.setText(fields["out_of_range"])
                fields["out_of_range"] = _("Please give a reason.")
                self.set_out_of_range(True)
            shown(ValidationError(fields))
            self.adjustSize()  # the note and the errors whole, the reason field never squashed

        self.errors.show = show

    def set_out_of_range(self, shown: bool) -> None:
        self.form.setRowVisible(self.range_box, shown)
        self.adjustSize()

    def prepare(self):
        db, actor, cid, rid, today = self.db, self.actor, self.row.id, self.child.resident_id, self.today
        over = self.beyond_edit.text().strip() if self.beyond_check.isChecked() else ""
        if self.beyond_check.isChecked() and not over:
            raise ValidationError({"over_capacity_reason": _("Please give the reason for exceeding the capacity.")})
        reason = self.range_edit.text().strip()
        return lambda: afterschool.enrol(db, cid, rid, actor=actor, today=today, over_capacity_reason=over,
                                         out_of_range_reason=reason)

    def saved(self, result) -> None:
        self.result = result


# -- a reason, a session ----------------------------------------------------------------------------

class ReasonDialog(FormDialog):
    """One reason for one service call: `call(reason)` is what OK runs."""

    topic = TOPIC

    def __init__(self, title: str, intro: str, call, parent: QWidget | None = None, *, placeholder: str = "",
                 field: str = "reason"):
        self.call, self.field = call, field
        self.result = None
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(placeholder)
        super().__init__(title, [(_("The reason"), field, self.reason_edit)], parent, intro=intro, min_width=440)

    def prepare(self):
        reason = self.reason_edit.text().strip()
        if not reason:
            raise ValidationError({self.field: _("Please give a reason.")})
        call = self.call
        return lambda: call(reason)

    def saved(self, result) -> None:
        self.result = result


class AddSessionDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, row: ClassRow, day: dt.date, parent: QWidget | None = None, *, actor: Actor):
        self.db, self.row, self.actor = db, row, actor
        self.day_edit = date_edit(day)
        self.from_edit = _qtime(row.start_time, QTime(16, 30))
        self.to_edit = _qtime(row.end_time, QTime(18, 0))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(_("e.g. make-up for a cancelled session"))
        super().__init__(_("Add a session — {name}").format(name=row.name), [
            (_("Day"), "day", self.day_edit),
            (_("Time"), "end_time", field_row(self.from_edit, QLabel("–"), self.to_edit)),
            (_("The reason"), "reason", self.reason_edit),
        ], parent, intro=_("Term: {start} – {end}.").format(start=format_date(row.term_start, "short"),
                                                           end=format_date(row.term_end, "short")))
        self.errors.fields["start_time"] = self.errors.fields["end_time"]

    def prepare(self):
        t0, t1 = self.from_edit.time(), self.to_edit.time()
        db, actor, cid, day = self.db, self.actor, self.row.id, to_date(self.day_edit.date())
        start, end, reason = dt.time(t0.hour(), t0.minute()), dt.time(t1.hour(), t1.minute()), self.reason_edit.text()
        return lambda: afterschool.add_session(db, cid, day, actor=actor, start_time=start, end_time=end,
                                               reason=reason)


# -- sign-out -------------------------------------------------------------------------------------

class SignOutDialog(SavingDialog):
    """Who is collecting the child: a big button for each adult on the list (name, relation,
    phone), "went home alone" when the child may, or someone else — a clear warning, and their
    name, phone, relation and the staff member's reason. `result` is the SignOutResult."""

    def __init__(self, db: Database, class_id: int, day: dt.date, child: SessionChild,
                 parent: QWidget | None = None, *, actor: Actor, at: dt.datetime | None = None):
        super().__init__(parent)
        self.db, self.class_id, self.day, self.child, self.actor, self.at = db, class_id, day, child, actor, at
        self.result = None
        self.who = ""  # what the status line says: who collected the child
        self.unlisted = False  # collected by someone not on the list
        self.confirm_discard = False
        self.setWindowTitle(_("Sign out — {name}").format(name=child.name))
        self.setMinimumWidth(560)
        title = QLabel(_("Who is collecting {name}?").format(name=child.name))
        title.setStyleSheet("font-size: 18px; font-weight: bold")
        self.errors = FieldErrors(error_label())
        self.buttons: list[QPushButton] = []
        grid = QGridLayout()
        choices = [("{}  {}".format(person_text(p.name, p.relation), p.phone).strip(), p.id, person_text(p.name,
                                                                                                         p.relation))
                   for p in child.pickup if p.active]
        for number, (text, pickup_id, who) in enumerate(choices):
            button = QPushButton(text)
            button.setMinimumHeight(44)
            button.setStyleSheet("font-size: 16px")
            button.clicked.connect(lambda _checked=False, pid=pickup_id, w=who: self.choose(w, pickup_id=pid))
            grid.addWidget(button, number // 2, number % 2)
            self.buttons.append(button)
        self.alone_button = None
        if child.may_go_home_alone:
            self.alone_button = QPushButton(_("Went home alone"))
            self.alone_button.setMinimumHeight(44)
            self.alone_button.setStyleSheet("font-size: 16px")
            self.alone_button.clicked.connect(lambda: self.choose(_("went home alone"), alone=True))
            grid.addWidget(self.alone_button, len(choices) // 2, len(choices) % 2)
        if not choices:
            grid.addWidget(QLabel(_("Nobody is on the list of who may collect this child.")), 0, 0)
        self.other_box = QGroupBox(_("Someone else"))
        self.other_box.setCheckable(True)
        self.other_box.setChecked(False)
        self.warning = QLabel(_("⚠ This person is not on the child's list. Check who they are and call a guardian "
                                "before letting the child go. The pick-up and your reason are recorded."))
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b71c1c; font-weight: bold; background: #fde0dc; padding: 6px")
        self.name_edit, self.phone_edit, self.relation_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.reason_edit = QLineEdit()
        self.name_edit.setPlaceholderText(_("Name"))
        self.phone_edit.setPlaceholderText(_("Phone"))
        self.relation_edit.setPlaceholderText(_("Relation, e.g. neighbour"))
        self.reason_edit.setPlaceholderText(_("Your reason, e.g. called the mother, she agreed"))
        self.other_button = QPushButton(_("Sign out to this person"))
        self.other_button.clicked.connect(self.choose_other)
        other = QGridLayout(self.other_box)
        other.addWidget(self.warning, 0, 0, 1, 3)
        row = 1
        self.other_labels: list[QLabel] = []
        for key, label, edit in (("name", _("Name"), self.name_edit), ("phone", _("Phone"), self.phone_edit),
                                 ("relation", _("Relation"), self.relation_edit),
                                 ("reason", _("The reason"), self.reason_edit)):
            self.other_labels.append(QLabel(label))
            other.addWidget(self.other_labels[-1], row, 0)
            other.addWidget(edit, row, 1, 1, 2)
            other.addWidget(self.errors.add(key, edit), row + 1, 1, 1, 2)
            row += 2
        other.addWidget(self.other_button, row, 2)
        self.other_box.toggled.connect(self._follow)
        cancel = QPushButton(_("Not now — still here"))
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.other_box)
        layout.addWidget(self.errors.general)
        layout.addWidget(cancel, 0, Qt.AlignmentFlag.AlignRight)
        # Enter never picks an adult: no button is a default one, none takes the default on focus,
        # and keyPressEvent gives Enter only to the "someone else" section. Focus starts on "not now".
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        cancel.setFocus()
        shown = self.errors.show

        def show(exc: ValidationError) -> None:
            shown(exc)
            self.adjustSize()  # the warning and every error readable, never squashed

        self.errors.show = show
        self._follow(False)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if self.other_box.isChecked() and focus is not None and self.other_box.isAncestorOf(focus):
                self.choose_other()
            event.accept()
            return  # anywhere else Enter does nothing: only a click chooses who takes the child
        super().keyPressEvent(event)

    def _follow(self, on: bool) -> None:
        for widget in (self.warning, self.name_edit, self.phone_edit, self.relation_edit, self.reason_edit,
                       self.other_button, *self.other_labels):
            widget.setVisible(on)
        for key in ("name", "phone", "relation", "reason"):
            self.errors.clear_field(key)
        if on:
            self.name_edit.setFocus()
        self.adjustSize()

    def choose_other(self) -> None:
        values = {"name": self.name_edit.text().strip(), "phone": self.phone_edit.text().strip(),
                  "relation": self.relation_edit.text().strip(), "reason": self.reason_edit.text().strip()}
        missing = {key: _("Required for someone not on the list.") for key, value in values.items() if not value}
        if missing:
            self.errors.show(ValidationError(missing))
            return
        self.choose(person_text(values["name"], values["relation"]), unlisted=UnlistedPickup(**values))

    def choose(self, who: str, *, pickup_id: int | None = None, unlisted: UnlistedPickup | None = None,
               alone: bool = False) -> None:
        db, cid, day, rid, actor, at = self.db, self.class_id, self.day, self.child.resident_id, self.actor, self.at
        self.who, self.unlisted = who, unlisted is not None

        def saved(result) -> None:
            self.result = result
            self.accept()

        self.save_through(lambda: afterschool.sign_out(db, cid, day, rid, actor=actor, at=at, pickup_id=pickup_id,
                                                       unlisted=unlisted, alone=alone),
                          topic=TOPIC, errors=self.errors, on_saved=saved, busy=self)
