"""Add / view / edit one resident."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QMessageBox, QPlainTextEdit, QPushButton, QCheckBox, QVBoxLayout,
                               QWidget, QCompleter)

from app.db import Database
from app.errors import ValidationError
from app.i18n import _, format_date
from app.services import access, grids, residents, tags
from app.services.access import Actor
from app.services.residents import GENDERS, RELATIONS, ResidentInput, age_on
from app.services.validators import ID_KIND_LABELS, InvalidValue, mask_id_number, mask_phone, parse_id_number
from app.views import notices
from app.views.shared import writes
from app.views.shared.forms import FieldErrors, SavingDialog, error_label

NO_DATE = QDate(1800, 1, 1)


class ResidentDialog(SavingDialog):
    """Shows a resident's record; saving goes through the residents service."""

    saved = Signal(int)

    def __init__(self, db: Database, resident_id: int | None = None, parent: QWidget | None = None, *,
                 actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.resident_id = resident_id
        self.loaded_at = None  # the record's updated_at as loaded into the form
        self.setWindowTitle(_("New resident") if resident_id is None else _("Resident's file"))
        self.setMinimumWidth(640)
        self._build()
        if resident_id is not None:
            self._load(residents.get_resident(db, resident_id))
        self._id_changed()
        self.name_edit.setFocus()
        may_change = access.may(actor, access.RESIDENTS_UPDATE if resident_id is not None
                                else access.RESIDENTS_CREATE)
        if not may_change:
            self._read_only()

    def _read_only(self) -> None:
        """A viewer sees the record, with ID number and phone masked, and cannot change it."""
        if not access.may(self.actor, access.PERSONAL_DATA_FULL):
            self.id_edit.blockSignals(True)
            self.id_edit.setText(mask_id_number(self.id_edit.text()))
            self.phone_edit.setText(mask_phone(self.phone_edit.text()))
            # The birth date is exactly what the mask hides: the age is enough here.
            self.id_info.setText(_("{age} years old").format(age=age_on(self.input_birth_date()))
                                 if self.input_birth_date() else "")
            self.birth_edit.setSpecialValueText("—")
            self.birth_edit.setDate(NO_DATE)
        for edit in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            edit.setReadOnly(True)
        for widget in (self.findChildren(QComboBox) + self.findChildren(QCheckBox)
                       + self.findChildren(QDateEdit) + [self.add_link_button, self.remove_link_button]):
            widget.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).hide()
        self.links_hint.hide()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        general = error_label()
        self.errors = FieldErrors(general)
        self.banner = QLabel()
        self.banner.setProperty("role", "error")
        self.banner.hide()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._build_person_rows(form)
        self._build_address_rows(form)
        self._build_tag_rows(form)
        self.links_box = self._build_links_box()
        self.links_hint = QLabel(_("Save the new record first, then add family links."))
        self.links_hint.setProperty("role", "hint")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.links_box)
        layout.addWidget(self.links_hint)
        layout.addWidget(general)
        layout.addWidget(self.buttons)
        self._update_link_state()

    def _row(self, form: QFormLayout, label: str, name: str, widget: QWidget, extra: QWidget | None = None) -> None:
        """A labelled field, an optional hint below it, and the line that shows its error."""
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        if extra is not None:
            box.addWidget(extra)
        box.addWidget(self.errors.add(name, widget))
        form.addRow(label, box)

    def _build_person_rows(self, form: QFormLayout) -> None:
        """Name, ID number (with what it tells as it is typed), gender and birth date, phone."""
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(50)
        self._row(form, _("Name"), "name", self.name_edit)

        self.id_edit = QLineEdit()
        self.id_edit.setMaxLength(20)
        self.id_edit.setPlaceholderText(_("18 characters; old 15-digit numbers are upgraded"))
        self.id_info = QLabel()
        self.id_info.setProperty("role", "hint")
        self.id_edit.textChanged.connect(self._id_changed)
        self._row(form, _("ID number"), "id_number", self.id_edit, self.id_info)

        self.gender_combo = QComboBox()
        self.gender_combo.addItem(_("Not given"), None)
        for code, label in GENDERS.items():
            self.gender_combo.addItem(_(label), code)
        self.birth_edit = QDateEdit()
        self.birth_edit.setCalendarPopup(True)
        self.birth_edit.setDisplayFormat("yyyy-MM-dd")
        self.birth_edit.setMinimumDate(NO_DATE)
        self.birth_edit.setMaximumDate(QDate.currentDate())
        self.birth_edit.setSpecialValueText(_("Unknown"))
        self.birth_edit.setDate(NO_DATE)
        person = QHBoxLayout()
        person.addWidget(self.gender_combo)
        person.addWidget(QLabel(_("Birth date")))
        person.addWidget(self.birth_edit, 1)
        holder = QWidget()
        holder.setLayout(person)
        person.setContentsMargins(0, 0, 0, 0)
        self._row(form, _("Gender"), "gender", holder)
        self.errors.add("birth_date", self.birth_edit)

        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText(_("Mobile or landline with area code"))
        self._row(form, _("Phone"), "phone", self.phone_edit)

    def _build_address_rows(self, form: QFormLayout) -> None:
        """Estate (completed from the estates already known), building, unit, room; the grid."""
        self.estate_edit = QLineEdit()
        estates = residents.list_estates(self.db)
        completer = QCompleter(estates, self.estate_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.estate_edit.setCompleter(completer)
        self.building_edit, self.unit_edit, self.room_edit = QLineEdit(), QLineEdit(), QLineEdit()
        address = QHBoxLayout()
        address.setContentsMargins(0, 0, 0, 0)
        address.addWidget(self.estate_edit, 3)
        for label, edit in ((_("Building"), self.building_edit), (_("Unit"), self.unit_edit),
                            (_("Room"), self.room_edit)):
            edit.setMaxLength(20)
            address.addWidget(QLabel(label))
            address.addWidget(edit, 1)
        holder = QWidget()
        holder.setLayout(address)
        self._row(form, _("Estate / address"), "estate", holder)

        self.grid_combo = QComboBox()
        self.grid_combo.addItem(_("(not assigned)"), None)
        for grid_id, label in grids.sub_grid_choices(self.db):
            self.grid_combo.addItem(label, grid_id)
        self._row(form, _("Grid"), "grid_id", self.grid_combo)

    def _build_tag_rows(self, form: QFormLayout) -> None:
        """The tags (four a row) and the notes."""
        tag_box = QWidget()
        tag_grid = QGridLayout(tag_box)
        tag_grid.setContentsMargins(0, 0, 0, 0)
        self.tag_checks: dict[int, QCheckBox] = {}
        for i, tag in enumerate(tags.list_tags(self.db, include_inactive=True)):
            check = QCheckBox(tag.name)
            self.tag_checks[tag.id] = check
            tag_grid.addWidget(check, i // 4, i % 4)
            check.setHidden(not tag.active)  # retired tags show only where already given
        self._row(form, _("Tags"), "tags", tag_box)

        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(60)
        self._row(form, _("Notes"), "notes", self.notes_edit)

    def _build_links_box(self) -> QGroupBox:
        box = QGroupBox(_("Family and carers"))
        links = QHBoxLayout(box)
        self.links_model = QStandardItemModel(self)
        self.links_view = QListView()
        self.links_view.setModel(self.links_model)
        self.links_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.links_view.setFixedHeight(90)
        links.addWidget(self.links_view, 1)
        buttons = QVBoxLayout()
        self.add_link_button = QPushButton(_("Add link…"))
        self.add_link_button.clicked.connect(self._add_link)
        self.remove_link_button = QPushButton(_("Remove link"))
        self.remove_link_button.clicked.connect(self._remove_link)
        buttons.addWidget(self.add_link_button)
        buttons.addWidget(self.remove_link_button)
        buttons.addStretch(1)
        links.addLayout(buttons)
        return box

    def _update_link_state(self) -> None:
        editing = self.resident_id is not None
        self.add_link_button.setEnabled(editing)
        self.remove_link_button.setEnabled(editing)
        self.links_hint.setVisible(not editing)

    # -- data ---------------------------------------------------------------------------
    def _load(self, detail: residents.ResidentDetail) -> None:
        d = detail.data
        self.loaded_at = detail.updated_at  # a save refuses to undo another desk's change since
        self.name_edit.setText(d.name)
        self.id_edit.setText(d.id_number)
        self.gender_combo.setCurrentIndex(max(0, self.gender_combo.findData(d.gender)))
        if d.birth_date:
            self.birth_edit.setDate(QDate(d.birth_date.year, d.birth_date.month, d.birth_date.day))
        self.phone_edit.setText(d.phone)
        self.estate_edit.setText(d.estate)
        self.building_edit.setText(d.building)
        self.unit_edit.setText(d.unit)
        self.room_edit.setText(d.room)
        self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(d.grid_id)))
        for tag_id, check in self.tag_checks.items():
            check.setChecked(tag_id in d.tag_ids)
            if tag_id in d.tag_ids:
                check.setHidden(False)
        self.notes_edit.setPlainText(d.notes)
        if not detail.active:
            self.banner.setText(_("This resident is inactive since {date}: {reason}").format(
                date=format_date(detail.deactivated_on), reason=detail.deactivation_reason or "—"))
            self.banner.show()
        self._show_links(detail.links)

    def _show_links(self, links: list[residents.LinkInfo]) -> None:
        self.links_model.clear()
        for link in links:
            text = _("{relation}: {name}").format(relation=_(RELATIONS[link.relation][0]),
                                                  name=link.relative_name)
            if link.relative_phone:
                text += f"  {link.relative_phone}"
            item = QStandardItem(text)
            item.setData(link.relative_id, Qt.ItemDataRole.UserRole)
            self.links_model.appendRow(item)

    def _id_changed(self) -> None:
        """Show the birth date and gender the ID number gives, as it is typed."""
        text = self.id_edit.text().strip()
        self.id_info.show()
        derived = False
        if not text:
            self.id_info.setText(_("Without an ID number, enter gender and birth date by hand."))
        else:
            try:
                info = parse_id_number(text)
            except InvalidValue as exc:
                self.id_info.setText(exc.message if len(text) >= 15 else "")
            else:
                derived = True
                parts = [_(ID_KIND_LABELS[info.kind]), format_date(info.birth_date),
                         _(GENDERS[info.gender]),
                         _("{age} years old").format(age=age_on(info.birth_date))]
                if info.upgraded:
                    parts.append(_("upgraded to {number}").format(number=info.number))
                self.id_info.setText(" · ".join(parts))
                self.gender_combo.setCurrentIndex(self.gender_combo.findData(info.gender))
                b = info.birth_date
                self.birth_edit.setDate(QDate(b.year, b.month, b.day))
        # Gender and birth date come from a valid ID number and cannot contradict it.
        self.gender_combo.setEnabled(not derived)
        self.birth_edit.setEnabled(not derived)

    def input_birth_date(self) -> dt.date | None:
        qd = self.birth_edit.date()
        return None if qd == NO_DATE else dt.date(qd.year(), qd.month(), qd.day())

    def input(self) -> ResidentInput:
        birth = self.input_birth_date()
        return ResidentInput(
            name=self.name_edit.text(), id_number=self.id_edit.text(),
            gender=self.gender_combo.currentData(), birth_date=birth, phone=self.phone_edit.text(),
            estate=self.estate_edit.text(), building=self.building_edit.text(),
            unit=self.unit_edit.text(), room=self.room_edit.text(),
            grid_id=self.grid_combo.currentData(),
            tag_ids=[tid for tid, check in self.tag_checks.items() if check.isChecked()],
            notes=self.notes_edit.toPlainText())

    def save(self) -> None:
        """Write the record on the worker; `saved(resident_id)` and the dialog closes once it is written."""
        data, db, actor, rid = self.input(), self.db, self.actor, self.resident_id
        loaded_at = self.loaded_at

        def call() -> int:
            if rid is None:
                return residents.add_resident(db, data, actor=actor)
            residents.update_resident(db, rid, data, actor=actor, loaded_at=loaded_at)
            return rid

        self.save_through(call, topic=notices.RESIDENTS, errors=self.errors, on_saved=self._written,
                          on_failed=self._not_written, busy=self.buttons)

    def _written(self, resident_id: int) -> None:
        self.resident_id = resident_id
        self.saved.emit(resident_id)
        self.accept()

    def _not_written(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError) and "id_number" in exc.fields:
            self.id_info.hide()  # the error below the field says it already

    # -- family links ----------------------------------------------------------------------
    def _change_links(self, change) -> None:
        """Write a family-link change on the worker, then show the links as they now are."""
        db, rid = self.db, self.resident_id

        def call() -> list[residents.LinkInfo]:
            change()
            return residents.get_resident(db, rid).links

        writes.save(self, call, topic=notices.RESIDENTS, on_saved=self._show_links, busy=self.links_box)

    def _add_link(self) -> None:
        from app.views.shared.resident_picker import ResidentPickerDialog

        picker = ResidentPickerDialog(self.db, self, exclude_id=self.resident_id,
                                      relations=list(RELATIONS))
        if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen_id is None:
            return
        db, rid, actor = self.db, self.resident_id, self.actor
        relative_id, relation = picker.chosen_id, picker.relation
        self._change_links(lambda: residents.link_family(db, rid, relative_id, relation, actor=actor))

    def _remove_link(self) -> None:
        index = self.links_view.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, self.windowTitle(), _("Choose a link in the list first."))
            return
        relative_id = index.data(Qt.ItemDataRole.UserRole)
        db, rid, actor = self.db, self.resident_id, self.actor
        self._change_links(lambda: residents.unlink_family(db, rid, relative_id, actor=actor))
