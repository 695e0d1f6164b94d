"""The activities tab's dialogs: an activity's form (new or edited, with its partners), picking several
residents at once as participants, and crediting volunteer points to the participants."""
from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QSizePolicy,
                               QSpinBox, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import ValidationError
from app.i18n import _, format_number
from app.services import activities
from app.services.access import Actor
from app.services.activities import PARTNER_KINDS, TARGET_GROUPS, ActivityDetail, ActivityInput, PartnerInput
from app.services.points import HOUR, OCCASIONS_MAX, ServiceTypeRow, points_text
from app.services.validators import normalise_text
from app.views.daycare.paper import parse_time
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FormDialog
from app.views.shared.list_model import ListModel
from app.views.shared.resident_search import ResidentSearch
from app.views.shared.tables import select_row, table_view
from app.views.shared.widgets import button_bar, field_row, push_button

TOPIC = "activities"
MERCHANT = "merchant"


def time_box(value: dt.time | None, placeholder: str) -> QLineEdit:
    """A time typed as 9:30, 0930 or full-width ９：３０; empty for none."""
    edit = QLineEdit(value.strftime("%H:%M") if value else "")
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(8)
    edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00:00__") + 24)
    return edit


def _clock(edit: QLineEdit, key: str) -> dt.time | None:
    try:
        return parse_time(edit.text())
    except ValueError:
        raise ValidationError({key: _("Type the time as HH:MM, e.g. 09:30, or leave it empty.")}) from None


class PartnersBox(QWidget):
    """The activity's partners: a small list, and a line to add one — an alliance member chosen from the
    members, or a volunteer team or an outside body typed by name."""

    def __init__(self, partners: list[PartnerInput], merchants: list[tuple[int, str]], parent=None):
        super().__init__(parent)
        self.partners = list(partners)
        self.model = ListModel([_("Kind of partner"), _("Partner's name")], [])
        self.view = table_view(self.model, wrap=False)
        self.view.setColumnWidth(0, 130)
        self.view.setMaximumHeight(self.view.verticalHeader().defaultSectionSize() * 4 + 30)
        self.kind_combo = QComboBox()
        for code, label in PARTNER_KINDS.items():
            self.kind_combo.addItem(_(label), code)
        self.merchant_combo = QComboBox()
        for merchant_id, name in merchants:
            self.merchant_combo.addItem(name, merchant_id)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(activities.PARTNER_MAX)
        self.name_edit.setPlaceholderText(_("e.g. 红马甲志愿服务队, 镇卫生院"))
        self.name_edit.returnPressed.connect(self.add)
        self.add_button = push_button(_("Add partner"), self.add)
        self.add_button.setAutoDefault(False)
        self.remove_button = push_button(_("Remove partner"), self.remove)
        self.remove_button.setAutoDefault(False)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        if not merchants:  # no members yet: a team or a body is what can be added
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData("team")))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(button_bar(self.kind_combo, self.merchant_combo, self.name_edit, self.add_button,
                                    self.remove_button, stretch_at=5))
        self._kind_changed()
        self._show()

    def _kind_changed(self) -> None:
        merchant = self.kind_combo.currentData() == MERCHANT
        self.merchant_combo.setVisible(merchant)
        self.name_edit.setVisible(not merchant)
        self.add_button.setEnabled(not merchant or self.merchant_combo.count() > 0)
        if merchant and not self.merchant_combo.count():
            self.merchant_combo.setVisible(True)
            self.merchant_combo.setEnabled(False)
            self.merchant_combo.setPlaceholderText(_("(no alliance members yet)"))

    def _show(self) -> None:
        self.model.beginResetModel()
        self.model.rows = [(_(PARTNER_KINDS.get(p.kind, p.kind)), p.name) for p in self.partners]
        self.model.endResetModel()
        self.remove_button.setEnabled(bool(self.partners))

    def add(self) -> None:
        kind = self.kind_combo.currentData()
        if kind == MERCHANT:
            merchant_id = self.merchant_combo.currentData()
            if merchant_id is None or any(p.merchant_id == merchant_id for p in self.partners):
                return
            partner = PartnerInput(kind, self.merchant_combo.currentText(), merchant_id)
        else:
            name = " ".join(self.name_edit.text().split())
            if not name or any(p.kind == kind and p.name == name for p in self.partners):
                return
            partner = PartnerInput(kind, name)
            self.name_edit.clear()
        self.partners.append(partner)
        self._show()
        select_row(self.view, len(self.partners) - 1)

    def remove(self) -> None:
        row = self.view.selectionModel().currentIndex().row()
        if 0 <= row < len(self.partners):
            del self.partners[row]
            self._show()
            select_row(self.view, min(row, len(self.partners) - 1))


class ActivityDialog(FormDialog):
    """A new activity (`detail` None) or a change to one. `types` are the list's entries (retired ones are
    offered only when the activity already has one); `merchants` the alliance's members. `saved_id` is the
    activity's id after OK."""

    topic = TOPIC

    def __init__(self, db: Database, detail: ActivityDetail | None, types, merchants: list[tuple[int, str]],
                 parent: QWidget | None = None, *, actor: Actor, today: dt.date | None = None):
        self.db, self.detail, self.actor = db, detail, actor
        data = detail.data if detail else ActivityInput(held_on=today or dt.date.today(), title="",
                                                        activity_type_id=None, target_group="")
        self.loaded_at = detail.updated_at if detail else None  # a save refuses to undo another desk's change
        self.saved_id: int | None = detail.row.id if detail else None
        self.date_edit = date_edit(data.held_on)
        self.start_edit = time_box(data.starts_at, _("e.g. 09:00"))
        self.end_edit = time_box(data.ends_at, _("e.g. 11:00"))
        self.title_edit = QLineEdit(data.title)
        self.title_edit.setMaxLength(activities.TITLE_MAX)
        self.title_edit.setPlaceholderText(_("e.g. 重阳节义诊"))
        self.type_combo = QComboBox()
        self.type_combo.addItem(_("(choose)"), None)
        for t in types:
            if t.active or t.id == data.activity_type_id:
                self.type_combo.addItem(t.name, t.id)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(data.activity_type_id)))
        self.group_combo = QComboBox()
        self.group_combo.addItem(_("(choose)"), "")
        for code, label in TARGET_GROUPS.items():
            self.group_combo.addItem(_(label), code)
        self.group_combo.setCurrentIndex(max(0, self.group_combo.findData(data.target_group)))
        self.venue_edit = QLineEdit(data.venue)
        self.venue_edit.setMaxLength(activities.VENUE_MAX)
        self.venue_edit.setPlaceholderText(_("e.g. 二楼多功能厅"))
        self.organiser_edit = QLineEdit(data.organiser)
        self.organiser_edit.setMaxLength(activities.ORGANISER_MAX)
        self.partners_box = PartnersBox(data.partners, merchants)
        self.headcount_spin = QSpinBox()
        self.headcount_spin.setRange(0, activities.HEADCOUNT_MAX)
        self.headcount_spin.setValue(data.headcount)
        self.headcount_spin.setToolTip(_("People who came and are not in the registry; registered residents "
                                         "are added as participants in the tab."))
        self.notes_edit = QPlainTextEdit(data.notes)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().height() * 3 + 14)
        self.times = field_row(self.start_edit, QLabel(_("to")), self.end_edit, stretch=False)
        self.times.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        title = _("Activity — {title}").format(title=detail.row.title) if detail else _("New activity")
        super().__init__(title, [
            (_("Date"), "held_on", self.date_edit),
            (_("Time"), "starts_at", self.times),
            (_("Title"), "title", self.title_edit),
            (_("Type"), "activity_type_id", self.type_combo),
            (_("Target group"), "target_group", self.group_combo),
            (_("Venue"), "venue", self.venue_edit),
            (_("Organiser"), "organiser", self.organiser_edit),
            (_("Partners"), "partners", self.partners_box),
            (_("Not registered"), "headcount", field_row(self.headcount_spin, QLabel(_("people")))),
            (_("Notes"), "notes", self.notes_edit),
        ], parent, min_width=600)
        # Both times on one line with one error line; the red frame on the box at fault, not around "至".
        times_error = self.errors.fields["starts_at"][1]
        self.errors.add("starts_at", self.start_edit, times_error)
        self.errors.add("ends_at", self.end_edit, times_error)
        self.title_edit.setFocus()

    def input(self) -> ActivityInput:
        """The form as the service takes it; a ValidationError for a time that is not one."""
        return ActivityInput(
            held_on=to_date(self.date_edit.date()), title=self.title_edit.text(),
            activity_type_id=self.type_combo.currentData(), target_group=self.group_combo.currentData() or "",
            starts_at=_clock(self.start_edit, "starts_at"), ends_at=_clock(self.end_edit, "ends_at"),
            venue=self.venue_edit.text(), organiser=self.organiser_edit.text(),
            headcount=self.headcount_spin.value(), notes=self.notes_edit.toPlainText(),
            partners=[dataclasses.replace(p) for p in self.partners_box.partners])

    def prepare(self):
        data, db, actor, loaded_at = self.input(), self.db, self.actor, self.loaded_at
        if self.detail is None:
            return lambda: activities.add_activity(db, data, actor=actor)
        activity_id = self.detail.row.id

        def call() -> int:
            activities.update_activity(db, activity_id, data, actor=actor, loaded_at=loaded_at)
            return activity_id

        return call

    def saved(self, result) -> None:
        self.saved_id = result

    def held_on(self) -> dt.date:
        return to_date(self.date_edit.date())


class PickResidentsDialog(QDialog):
    """Several residents at once: find one (name, pinyin, phone tail), Enter adds them to the list below
    and the search starts again. `chosen` holds (id, name) after OK."""

    def __init__(self, db: Database, parent: QWidget | None = None, *, already: set[int] = frozenset()):
        super().__init__(parent)
        self.setWindowTitle(_("Add residents as participants"))
        self.resize(760, 560)
        self.already = set(already)
        self.chosen: list[tuple[int, str]] = []
        self.search = ResidentSearch(db, self)
        self.search.activated.connect(lambda _rid: self.take())
        self.model = ListModel([_("To add")], [])
        self.view = table_view(self.model, wrap=False)
        self.add_button = push_button(_("Add to the list"), self.take)
        self.add_button.setAutoDefault(False)
        self.drop_button = push_button(_("Take off the list"), self.drop)
        self.drop_button.setAutoDefault(False)
        self.message = QLabel()
        self.message.setProperty("role", "hint")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search, 3)
        layout.addLayout(button_bar(self.add_button, self.drop_button, self.message, stretch_at=3))
        layout.addWidget(self.view, 2)
        layout.addWidget(self.buttons)
        self._show()
        self.search.box.setFocus()

    def _show(self) -> None:
        self.model.beginResetModel()
        self.model.rows = [(name,) for _rid, name in self.chosen]
        self.model.endResetModel()
        self.drop_button.setEnabled(bool(self.chosen))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Add {n}").format(n=format_number(len(self.chosen))))
        ok.setEnabled(bool(self.chosen))

    def take(self) -> None:
        rid = self.search.current_id()
        if rid is None:
            self.message.setText(_("Find and choose a resident first."))
            return
        row = self.search.model.row_of(rid)
        name = self.search.model.index(row, 0).data() if row >= 0 else str(rid)
        if rid in self.already or any(r == rid for r, _n in self.chosen):
            self.message.setText(_("{name} is already on the list.").format(name=name))
        else:
            self.chosen.append((rid, name))
            self.message.setText("")
            self._show()
        self.search.box.selectAll()
        self.search.box.setFocus()

    def drop(self) -> None:
        row = self.view.selectionModel().currentIndex().row()
        if 0 <= row < len(self.chosen):
            del self.chosen[row]
            self._show()

    def ids(self) -> list[int]:
        return [rid for rid, _name in self.chosen]


class CreditDialog(FormDialog):
    """Volunteer points for the activity's participants not yet credited, in one step: the kind of service
    from the points' list, and the time each served (a kind counted by the hour: the activity's start to
    end unless changed) or the occasions. `credited` is how many got points."""

    topic = TOPIC

    def __init__(self, db: Database, detail: ActivityDetail, types: list[ServiceTypeRow], parent=None, *,
                 actor: Actor):
        self.db, self.detail, self.actor = db, detail, actor
        self.types = [t for t in types if t.active]
        self.credited: int | None = None
        waiting = sum(p.points is None for p in detail.participants)
        self.type_combo = QComboBox()
        for t in self.types:
            rate = _("{points} per hour") if t.unit == HOUR else _("{points} per occasion")
            self.type_combo.addItem(_("{name} ({rate})").format(
                name=t.name, rate=rate.format(points=points_text(t.points or 0))), t.id)
        self.hours_edit = QLineEdit(_duration(detail.data.starts_at, detail.data.ends_at))
        self.hours_edit.setPlaceholderText(_("h:mm, e.g. 2:30"))
        self.hours_edit.setMaximumWidth(120)
        self.occasions_spin = QSpinBox()
        self.occasions_spin.setRange(1, OCCASIONS_MAX)
        self.quantity_row = field_row(self.hours_edit, self.occasions_spin)
        self.type_combo.currentIndexChanged.connect(lambda _i: self._unit_changed())
        intro = _("{n} participants of “{title}” have no points for it yet; each gets the points of the kind of "
                  "service chosen, on the activity's date.").format(n=format_number(waiting), title=detail.row.title)
        super().__init__(_("Credit volunteer points"), [
            (_("Kind of service"), "service_type_id", self.type_combo),
            (_("Each served"), "minutes", self.quantity_row),
        ], parent, intro=intro, min_width=460)
        self.errors.fields["occasions"] = self.errors.fields["minutes"]
        self.errors.fields["day"] = self.errors.fields["service_type_id"]  # no rate on the activity's day
        self._unit_changed()

    def current_type(self) -> ServiceTypeRow | None:
        return next((t for t in self.types if t.id == self.type_combo.currentData()), None)

    def _unit_changed(self) -> None:
        t = self.current_type()
        by_hour = t is None or t.unit == HOUR
        self.hours_edit.setVisible(by_hour)
        self.occasions_spin.setVisible(not by_hour)

    def prepare(self):
        from app.views.points.tab import minutes_of

        t = self.current_type()
        if t is None:
            raise ValidationError({"service_type_id": _("No kinds of service yet: an administrator adds them "
                                                        "under Settings.")})
        minutes = None
        if t.unit == HOUR:
            minutes = minutes_of(normalise_text(self.hours_edit.text()))
            if minutes is None:
                raise ValidationError({"minutes": _("Type the time served as h:mm (e.g. 2:30).")})
        db, actor, aid, occasions = self.db, self.actor, self.detail.row.id, self.occasions_spin.value()
        return lambda: activities.credit_points(db, aid, t.id, actor=actor, quantity=occasions, minutes=minutes)

    def saved(self, result) -> None:
        self.credited = result


def _duration(starts_at: dt.time | None, ends_at: dt.time | None) -> str:
    """The activity's length as h:mm ("" without both times)."""
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        return ""
    minutes = (ends_at.hour - starts_at.hour) * 60 + ends_at.minute - starts_at.minute
    return f"{minutes // 60}:{minutes % 60:02d}"
