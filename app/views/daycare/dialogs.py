"""The day-care forms: an elder's profile (enrol or change), the health-notes consent, contacts,
pause / resume / leave, and the correction of a day's attendance. Each is a FormDialog whose
`prepare()` returns the service call; the services check and write."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QHBoxLayout,
                               QLabel, QLineEdit, QMenu, QPlainTextEdit, QPushButton, QRadioButton, QTableView,
                               QTimeEdit, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import _
from app.services import access, daycare, privacy, residents
from app.services.access import Actor
from app.services.daycare import AttendanceFix, AttendanceRow, Contact, ProfileInfo, ProfileInput
from app.services.residents import RELATIONS
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FormDialog
from app.views.shared.list_model import WEEKDAY_NAMES, ListModel

TOPIC = "daycare"


def _person(c: Contact) -> str:
    return "{} ({})".format(c.name, c.relation) if c.relation else c.name


class ContactsEditor(QWidget):
    """A short list of people: chosen from the elder's family links, or typed (name, phone, relation)."""

    changed = Signal()

    def __init__(self, links: list[residents.LinkInfo], contacts: list[Contact], parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a refusal frames it red
        self.links = links
        self.contacts: list[Contact] = list(contacts)
        self.model = ListModel([_("Name"), _("Phone"), _("Relation")], [], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setFixedHeight(86)
        self.family_button = QPushButton(_("From the family…"))
        menu = QMenu(self.family_button)
        for link in links:
            menu.addAction(_("{name} ({relation})").format(name=link.relative_name, relation=_relation(link.relation)),
                           lambda lk=link: self.add(Contact(lk.relative_id, lk.relative_name, lk.relative_phone,
                                                            _relation(lk.relation))))
        self.family_button.setMenu(menu)
        self.family_button.setEnabled(bool(links))
        if not links:
            self.family_button.setToolTip(_("No family links are recorded for this resident."))
        self.name_edit, self.phone_edit, self.relation_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.name_edit.setPlaceholderText(_("Name"))
        self.phone_edit.setPlaceholderText(_("Phone"))
        self.relation_edit.setPlaceholderText(_("Relation"))
        self.add_button = QPushButton(_("Add"))
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        typed = QHBoxLayout()
        typed.setContentsMargins(0, 0, 0, 0)
        for widget in (self.name_edit, self.phone_edit, self.relation_edit, self.add_button):
            typed.addWidget(widget)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.family_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        layout.addLayout(typed)
        layout.addLayout(buttons)
        self._show()

    def _show(self) -> None:
        self.model.beginResetModel()
        self.model.rows = [(c.name, c.phone, c.relation) for c in self.contacts]
        self.model.endResetModel()

    def add(self, contact: Contact) -> None:
        if contact.relative_id is not None and any(c.relative_id == contact.relative_id for c in self.contacts):
            return
        self.contacts.append(contact)
        self._show()
        self.changed.emit()

    def add_typed(self) -> None:
        """Typed people are checked by the service when the form is saved."""
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
            return
        self.add(Contact(None, self.name_edit.text().strip(), self.phone_edit.text().strip(),
                         self.relation_edit.text().strip()))
        for edit in (self.name_edit, self.phone_edit, self.relation_edit):
            edit.clear()

    def remove_selected(self) -> None:
        row = self.view.selectionModel().currentIndex().row()
        if 0 <= row < len(self.contacts):
            del self.contacts[row]
            self._show()
            self.changed.emit()

    def value(self) -> list[Contact]:
        pending = self.name_edit.text().strip()
        if pending:  # typed but not added: meant to be
            self.add_typed()
        return list(self.contacts)


def _relation(code: str) -> str:
    return _(RELATIONS[code][0]) if code in RELATIONS else code


class ProfileDialog(FormDialog):
    """Enrol a resident (`profile` None) or change an elder's profile. The health notes are locked,
    with the reason shown, when the person may not see them or no consent is in force; "Record
    consent…" records one and unlocks them."""

    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, profile: ProfileInfo | None, parent: QWidget | None = None,
                 *, actor: Actor):
        self.db, self.resident_id, self.profile, self.actor = db, resident_id, profile, actor
        self.saved_id: int | None = None
        person = residents.get_resident(db, resident_id)
        self.person_name = person.data.name
        self.enrolled_edit = date_edit(profile.enrolled_on if profile else dt.date.today())
        self.care_combo = QComboBox()
        for code, label in daycare.CARE_LEVELS.items():
            self.care_combo.addItem(_(label), code)
        self.care_combo.setCurrentIndex(max(0, self.care_combo.findData(profile.care_level if profile else
                                                                         daycare.SELF_CARE)))
        self.diet_combo = QComboBox()
        self.diet_combo.addItem(_("(none)"), None)
        for choice in daycare.list_choices(db, daycare.DIETS):
            self.diet_combo.addItem(choice.name, choice.id)
        if profile and profile.diet_id is not None and self.diet_combo.findData(profile.diet_id) < 0:
            self.diet_combo.addItem(profile.diet, profile.diet_id)  # retired since: kept
        self.diet_combo.setCurrentIndex(max(0, self.diet_combo.findData(profile.diet_id if profile else None)))
        self.allergies_edit = QLineEdit(profile.allergies if profile else "")
        self.allergies_edit.setPlaceholderText(_("e.g. peanuts, penicillin"))
        self.health_box = self._build_health(profile)
        self.subsidy_combo = QComboBox()
        for choice in daycare.list_choices(db, daycare.SUBSIDIES):
            self.subsidy_combo.addItem(choice.name, choice.id)
        if profile and profile.subsidy_category_id is not None and \
                self.subsidy_combo.findData(profile.subsidy_category_id) < 0:
            self.subsidy_combo.addItem(profile.subsidy_category, profile.subsidy_category_id)
        if profile:
            self.subsidy_combo.setCurrentIndex(max(0, self.subsidy_combo.findData(profile.subsidy_category_id)))
        self.days_box = QWidget()
        self.days_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        days_row = QHBoxLayout(self.days_box)
        days_row.setContentsMargins(0, 0, 0, 0)
        self.day_checks: list[QCheckBox] = []
        days = profile.weekdays if profile else daycare.WEEKDAYS_DEFAULT
        for number, name in enumerate(WEEKDAY_NAMES):
            check = QCheckBox(_(name))
            check.setChecked(number in days)
            days_row.addWidget(check)
            self.day_checks.append(check)
        days_row.addStretch(1)
        self.alone_check = QCheckBox(_("May go home alone"))
        self.alone_check.setChecked(bool(profile and profile.may_leave_alone))
        self.emergency = ContactsEditor(person.links, profile.emergency_contacts if profile else [])
        self.pickups = ContactsEditor(person.links, profile.pickups if profile else [])
        title = (_("Day-care profile — {name}") if profile else _("Enrol in day-care — {name}")).format(
            name=self.person_name)
        super().__init__(title, [
            (_("Enrolled since"), "enrolled_on", self.enrolled_edit),
            (_("Care level"), "care_level", self.care_combo),
            (_("Diet"), "diet_id", self.diet_combo),
            (_("Allergies"), "allergies", self.allergies_edit),
            (_("Health notes"), "health_notes", self.health_box),
            (_("Emergency contacts"), "emergency_contacts", self.emergency),
            (_("May take the elder home"), "pickups", self.pickups),
            (_("Meal subsidy"), "subsidy_category_id", self.subsidy_combo),
            (_("Usual days"), "weekdays", self.days_box),
            ("", "may_leave_alone", self.alone_check),
        ], parent, intro=_("Resident {name}").format(name=self.person_name) if not profile else "", min_width=620)
        self.errors.add("resident_id", self.enrolled_edit, self.errors.general)
        for check in self.day_checks:
            check.toggled.connect(lambda _on: self.errors.clear_field("weekdays"))

    def _build_health(self, profile: ProfileInfo | None) -> QWidget:
        box = QWidget()
        box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.health_edit = QPlainTextEdit(profile.health_notes or "" if profile else "")
        self.health_edit.setTabChangesFocus(True)
        self.health_edit.setFixedHeight(70)
        self.health_note = QLabel()
        self.health_note.setProperty("role", "hint")
        self.health_note.setWordWrap(True)
        self.consent_button = QPushButton(_("Record consent…"))
        self.consent_button.clicked.connect(self.record_consent)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.health_note, 1)
        row.addWidget(self.consent_button)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.health_edit)
        layout.addLayout(row)
        self._lock_health()
        return box

    def health_state(self) -> str:
        """"open", "hidden" (no permission) or "locked" (no consent in force)."""
        if not access.may(self.actor, access.HEALTH_NOTES_VIEW):
            return "hidden"
        if not privacy.has_consent(self.db, self.resident_id, daycare.HEALTH_CONSENT):
            return "locked"
        return "open"

    def _lock_health(self) -> None:
        state = self.health_state()
        self.health_edit.setEnabled(state == "open")
        self.consent_button.setVisible(state == "locked")
        self.consent_button.setEnabled(access.may(self.actor, access.CONSENTS_RECORD))
        if state == "hidden":
            self.health_edit.setPlaceholderText(_("Hidden"))
            self.health_note.setText(_("Your role may not see health notes."))
        elif state == "locked":
            self.health_edit.setPlaceholderText(_("Locked"))
            self.health_note.setText(_("Locked until the elder (or a guardian) consents to health notes being "
                                       "kept."))
        else:
            self.health_edit.setPlaceholderText("")
            self.health_note.setText("")
        self.health_note.setVisible(state != "open")

    def record_consent(self) -> None:
        dialog = ConsentDialog(self.db, self.resident_id, self.person_name, self, actor=self.actor)
        if dialog.exec() == ConsentDialog.DialogCode.Accepted:
            self._lock_health()
            if self.health_edit.isEnabled():
                self.health_edit.setFocus()

    def prepare(self):
        notes = self.health_edit.toPlainText() if self.health_edit.isEnabled() else None
        data = ProfileInput(
            resident_id=self.resident_id, enrolled_on=to_date(self.enrolled_edit.date()),
            care_level=self.care_combo.currentData(), diet_id=self.diet_combo.currentData(),
            allergies=self.allergies_edit.text(), health_notes=notes,
            subsidy_category_id=self.subsidy_combo.currentData(),
            weekdays=frozenset(i for i, check in enumerate(self.day_checks) if check.isChecked()),
            may_leave_alone=self.alone_check.isChecked(),
            emergency_contacts=self.emergency.value(), pickups=self.pickups.value())
        db, actor, rid = self.db, self.actor, self.resident_id
        if self.profile is None:
            return lambda: daycare.enrol(db, data, actor=actor)
        return lambda: daycare.update_profile(db, rid, data, actor=actor)

    def saved(self, result) -> None:
        self.saved_id = result


class ConsentDialog(FormDialog):
    """Consent to keeping an elder's health notes (privacy purpose "health_notes")."""

    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, name: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.resident_id, self.actor = db, resident_id, actor
        self.given_by_edit = QLineEdit(name)
        self.given_on_edit = date_edit(dt.date.today())
        self.way_box = QWidget()
        self.way_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.way_group = QButtonGroup(None)
        row = QHBoxLayout(self.way_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.signed_radio = QRadioButton(_("Signed consent form"))
        self.verbal_radio = QRadioButton(_("Verbal, with a witness"))
        for radio in (self.signed_radio, self.verbal_radio):
            self.way_group.addButton(radio)
            row.addWidget(radio)
        row.addStretch(1)
        self.signed_radio.setChecked(True)
        self.witness_edit = QLineEdit()
        self.witness_edit.setPlaceholderText(_("Name of the witness"))
        self.witness_edit.setEnabled(False)
        self.verbal_radio.toggled.connect(self.witness_edit.setEnabled)
        super().__init__(_("Consent to health notes — {name}").format(name=name), [
            (_("Consent given by"), "given_by", self.given_by_edit),
            (_("On"), "given_on", self.given_on_edit),
            (_("How"), "method", self.way_box),
            (_("Witness"), "witness", self.witness_edit),
        ], parent, intro=_("The elder, or a guardian, agrees that the centre keeps notes on the elder's health "
                           "for day-care. Keep the signed form."))

    def prepare(self):
        verbal = self.verbal_radio.isChecked()
        witness = self.witness_edit.text().strip()
        if verbal and not witness:
            raise ValidationError({"witness": _("A verbal consent needs the name of a witness.")})
        note = _("Witness: {name}").format(name=witness) if verbal else ""
        db, rid, actor = self.db, self.resident_id, self.actor
        given_by, given_on = self.given_by_edit.text(), to_date(self.given_on_edit.date())
        method = "verbal" if verbal else "written"
        return lambda: privacy.record_consent(db, rid, daycare.HEALTH_CONSENT, given_by, method, given_on,
                                              note=note, actor=actor)


class PauseDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, name: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.resident_id, self.actor = db, resident_id, actor
        self.from_edit = date_edit(dt.date.today())
        self.to_edit = date_edit(dt.date.today() + dt.timedelta(days=7))
        self.open_check = QCheckBox(_("Until resumed"))
        self.open_check.toggled.connect(lambda on: self.to_edit.setEnabled(not on))
        until = QWidget()
        row = QHBoxLayout(until)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.to_edit)
        row.addWidget(self.open_check)
        row.addStretch(1)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(_("e.g. in hospital, visiting family"))
        super().__init__(_("Pause day-care — {name}").format(name=name), [
            (_("Paused from"), "paused_from", self.from_edit),
            (_("Until (last day)"), "paused_to", until),
            (_("Reason for the pause"), "pause_reason", self.reason_edit),
        ], parent, intro=_("While paused the elder is not expected, no lunch is reserved and a scan is refused."))

    def prepare(self):
        db, rid, actor = self.db, self.resident_id, self.actor
        start = to_date(self.from_edit.date())
        end = None if self.open_check.isChecked() else to_date(self.to_edit.date())
        reason = self.reason_edit.text()
        return lambda: daycare.pause(db, rid, start, end, reason, actor=actor)


class ResumeDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, name: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.resident_id, self.actor = db, resident_id, actor
        self.on_edit = date_edit(dt.date.today())
        super().__init__(_("Resume day-care — {name}").format(name=name),
                         [(_("Comes again from"), "resumed_on", self.on_edit)], parent, min_width=360)

    def prepare(self):
        db, rid, actor, on = self.db, self.resident_id, self.actor, to_date(self.on_edit.date())
        return lambda: daycare.resume(db, rid, on, actor=actor)


class LeaveDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, resident_id: int, name: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.resident_id, self.actor = db, resident_id, actor
        self.on_edit = date_edit(dt.date.today())
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(_("e.g. moved to a care home"))
        super().__init__(_("Leaves day-care — {name}").format(name=name), [
            (_("Last day"), "left_on", self.on_edit),
            (_("Reason for leaving"), "left_reason", self.reason_edit),
        ], parent, intro=_("The elder's records stay; meals reserved after the last day are cancelled."))

    def prepare(self):
        db, rid, actor = self.db, self.resident_id, self.actor
        on, reason = to_date(self.on_edit.date()), self.reason_edit.text()
        return lambda: daycare.leave(db, rid, on, reason, actor=actor)


def _qtime(at: dt.datetime | None) -> QTime:
    return QTime(at.hour, at.minute) if at is not None else QTime(17, 0)


class CorrectionDialog(FormDialog):
    """Correct a day's attendance: the times and who took the elder home, with a reason (audited)."""

    topic = TOPIC

    def __init__(self, db: Database, record: AttendanceRow, parent: QWidget | None = None, *, actor: Actor):
        self.db, self.record, self.actor = db, record, actor
        self.result_row: AttendanceRow | None = None
        self.in_edit = QTimeEdit(_qtime(record.checked_in_at))
        self.in_edit.setDisplayFormat("HH:mm")
        self.out_edit = QTimeEdit(_qtime(record.checked_out_at))
        self.out_edit.setDisplayFormat("HH:mm")
        self.gone_check = QCheckBox(_("Has gone home"))
        self.gone_check.setChecked(record.checked_out_at is not None)
        self.gone_check.toggled.connect(self._follow)
        out = QWidget()
        row = QHBoxLayout(out)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.gone_check)
        row.addWidget(self.out_edit)
        row.addStretch(1)
        who = record.taken_home_by
        self.who_edit = QLineEdit("" if who is None or who.is_alone else who.name)
        self.relation_edit = QLineEdit("" if who is None or who.is_alone else who.relation)
        self.relation_edit.setPlaceholderText(_("Relation"))
        self.alone_check = QCheckBox(_("Went home alone"))
        self.alone_check.setChecked(bool(who and who.is_alone))
        self.alone_check.toggled.connect(self._follow)
        taken = QWidget()
        row = QHBoxLayout(taken)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.who_edit, 2)
        row.addWidget(self.relation_edit, 1)
        row.addWidget(self.alone_check)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(_("Why the record is corrected"))
        super().__init__(_("Correct attendance — {name}").format(name=record.name), [
            (_("Checked in"), "checked_in_at", self.in_edit),
            (_("Checked out"), "checked_out_at", out),
            (_("Taken home by"), "taken_home_by", taken),
            (_("Reason for the correction"), "reason", self.reason_edit),
        ], parent, intro=_("{name}, {date}. The correction and its reason are kept in the audit trail.").format(
            name=record.name, date=QDate(record.day.year, record.day.month, record.day.day).toString("yyyy-MM-dd")))
        self._follow()

    def _follow(self, *_args) -> None:
        gone = self.gone_check.isChecked()
        self.out_edit.setEnabled(gone)
        self.alone_check.setEnabled(gone)
        self.who_edit.setEnabled(gone and not self.alone_check.isChecked())
        self.relation_edit.setEnabled(gone and not self.alone_check.isChecked())

    def prepare(self):
        day = self.record.day
        checked_in = dt.datetime.combine(day, self.in_edit.time().toPython())
        checked_out = None
        who = None
        if self.gone_check.isChecked():
            checked_out = dt.datetime.combine(day, self.out_edit.time().toPython())
            if self.alone_check.isChecked():
                who = Contact.alone()
            elif self.who_edit.text().strip():
                old = self.record.taken_home_by
                same = old is not None and old.relative_id is not None and old.name == self.who_edit.text().strip()
                who = Contact(old.relative_id if same else None, "" if same else self.who_edit.text(),
                              "", self.relation_edit.text())
        fix = AttendanceFix(checked_in, checked_out, who)
        db, aid, reason, actor = self.db, self.record.id, self.reason_edit.text(), self.actor
        return lambda: daycare.correct_attendance(db, aid, fix, reason, actor=actor)

    def saved(self, result) -> None:
        self.result_row = result
