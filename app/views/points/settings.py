"""Settings → volunteer points: the kinds of service (each counted by the hour or the occasion, with
its points; a change of points is a new rate from a date, so entries already made keep theirs), the
voucher catalogue, and the rule for expired vouchers (points returned or not)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox

from app.db import Database
from app.i18n import _, format_number
from app.services import access, alliance, points
from app.services.access import Actor
from app.services.points import (UNITS, VOUCHER_KINDS, RateRow, ServiceTypeRow, VoucherTypeInput, VoucherTypeRow,
                                 points_text)
from app.views.points.model import day_text, stock_text, validity_text
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog

TOPIC = "points"
RIGHT = Qt.AlignmentFlag.AlignRight


def _points_spin(value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, points.POINTS_MAX)
    spin.setValue(max(1, value))
    spin.setSuffix(_(" points"))
    return spin


# -- the kinds of service -------------------------------------------------------------------------

class ServiceTypeDialog(FormDialog):
    """A new kind of service (name, unit, points from a date) or a new name for one."""

    topic = TOPIC

    def __init__(self, db: Database, row: ServiceTypeRow | None, parent=None, *, actor: Actor):
        self.db, self.row, self.actor = db, row, actor
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(points.SERVICE_TYPES.name_max)
        fields = [(_("Name in the list"), "name", self.name_edit)]
        if row is None:
            self.unit_combo = QComboBox()
            for code, label in UNITS.items():
                self.unit_combo.addItem(_(label), code)
            self.points_spin = _points_spin(10)
            self.from_edit = date_edit(points.RATES_FROM)
            fields += [(_("Counted"), "unit", self.unit_combo), (_("Points"), "points", self.points_spin),
                       (_("Applies from"), "valid_from", self.from_edit)]
        super().__init__(_("Kind of volunteer service") if row else _("New kind of volunteer service"), fields,
                         parent, min_width=420)

    def prepare(self):
        db, actor, name, row = self.db, self.actor, self.name_edit.text(), self.row
        if row is not None:
            return lambda: points.rename_service_type(db, row.id, name, actor=actor)
        unit, value, since = self.unit_combo.currentData(), self.points_spin.value(), to_date(self.from_edit.date())
        return lambda: points.add_service_type(db, name, unit, value, actor=actor, valid_from=since)


class RateDialog(FormDialog):
    """New points for a kind of service from a date (entries already made keep the rate of their day)."""

    topic = TOPIC

    def __init__(self, db: Database, row: ServiceTypeRow, rates: list[RateRow], parent=None, *, actor: Actor,
                 today: dt.date | None = None):
        self.db, self.row, self.actor = db, row, actor
        self.points_spin = _points_spin(row.points or 10)
        self.from_edit = date_edit(today or dt.date.today())
        history = _("; ").join(_("{points} from {day}").format(points=points_text(r.points), day=day_text(r.valid_from))
                               for r in rates) or _("none yet")
        super().__init__(_("Points for {name}").format(name=row.name), [
            (_("Points") + " " + (_("per hour") if row.unit == points.HOUR else _("per occasion")), "points",
             self.points_spin),
            (_("Applies from"), "valid_from", self.from_edit),
        ], parent, intro=_("Rates so far: {history}. Service already recorded keeps the points of its day.").format(
            history=history), min_width=440)

    def prepare(self):
        db, actor, tid = self.db, self.actor, self.row.id
        value, since = self.points_spin.value(), to_date(self.from_edit.date())
        return lambda: points.set_rate(db, tid, value, since, actor=actor)


class ServiceTypesDialog(ListManagerDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        edit = access.POINTS_CATALOGUE
        columns = [
            Column(_("Kind of service"), lambda r: r.name),
            Column(_("Counted"), lambda r: r.unit_text),
            Column(_("Points now"), lambda r: format_number(r.points) if r.points is not None else "—", RIGHT),
            Column(_("In use"), lambda r: _("Yes") if r.active else _("Retired")),
        ]
        super().__init__(
            _("Volunteer service types"), columns, lambda: points.list_service_types(db, include_inactive=True),
            key=lambda r: r.id, parent=parent, actor=actor, topic=TOPIC, size=(620, 420), stretch=0,
            intro=_("Changing a kind's points adds a rate from a date; service already recorded keeps its points."),
            actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Rename…"), self.rename, selected=True, permission=edit),
                Action(_("Change the points…"), self.change_points, selected=True, default=True, permission=edit),
                Action(_("Retire / restore"), self.toggle, selected=True, permission=edit,
                       tooltip=_("A retired kind stays on the entries that have it but can no longer be chosen.")),
            ])

    def add(self) -> None:
        self.edit_with(ServiceTypeDialog(self.db, None, self, actor=self.actor), select=lambda new_id: new_id)

    def rename(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(ServiceTypeDialog(self.db, row, self, actor=self.actor))

    def change_points(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(RateDialog(self.db, row, points.list_rates(self.db, row.id), self, actor=self.actor))

    def toggle(self) -> None:
        row = self.current()
        if row is not None:
            db, actor = self.db, self.actor
            self.write(lambda: points.set_service_type_active(db, row.id, not row.active, actor=actor))


def edit_service_types(window) -> None:
    """Settings → Kinds of volunteer service… (app/features.py)."""
    ServiceTypesDialog(window.db, window, actor=window.actor).exec()


# -- the voucher catalogue ------------------------------------------------------------------------

class VoucherTypeDialog(FormDialog):
    """A catalogue entry: name, kind, who honours it (an alliance member or the centre), points, stock,
    validity."""

    topic = TOPIC

    def __init__(self, db: Database, row: VoucherTypeRow | None, merchants: list[tuple[int, str]], parent=None, *,
                 actor: Actor, today: dt.date | None = None):
        self.db, self.row, self.actor = db, row, actor
        today = today or dt.date.today()
        self.name_edit = QLineEdit(row.name if row else "")
        self.name_edit.setMaxLength(points.VOUCHER_NAME_MAX)
        self.kind_combo = QComboBox()
        for code, label in VOUCHER_KINDS.items():
            self.kind_combo.addItem(_(label), code)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(row.kind if row else points.GOODS)))
        self.merchant_combo = QComboBox()
        self.merchant_combo.addItem(_("The centre"), None)
        for mid, name in merchants:
            self.merchant_combo.addItem(name, mid)
        if row is not None and row.merchant_id is not None and self.merchant_combo.findData(row.merchant_id) < 0:
            self.merchant_combo.addItem(row.merchant, row.merchant_id)
        self.merchant_combo.setCurrentIndex(max(0, self.merchant_combo.findData(row.merchant_id if row else None)))
        self.points_spin = _points_spin(row.points if row else 100)
        self.stock_spin = QSpinBox()
        self.stock_spin.setRange(-1, points.POINTS_MAX)
        self.stock_spin.setSpecialValueText(_("no limit"))  # -1
        self.stock_spin.setValue(-1 if row is None or row.stock is None else row.stock)
        self.from_edit = date_edit(row.valid_from if row else today)
        self.to_edit = date_edit(row.valid_to if row else dt.date(today.year, 12, 31))
        self.days_spin = QSpinBox()
        self.days_spin.setRange(0, points.DAYS_VALID_MAX)
        self.days_spin.setSpecialValueText(_("until the end date"))  # 0
        self.days_spin.setValue(row.days_valid or 0 if row else 0)
        self.description_edit = QPlainTextEdit(row.description if row else "")
        self.description_edit.setFixedHeight(60)
        super().__init__(_("Voucher") if row else _("New voucher"), [
            (_("Name of the voucher"), "name", self.name_edit),
            (_("Kind of voucher"), "kind", self.kind_combo),
            (_("Honoured by"), "merchant_id", self.merchant_combo),
            (_("Points"), "points", self.points_spin),
            (_("Stock left"), "stock", self.stock_spin),
            (_("Can be issued from"), "valid_from", self.from_edit),
            (_("Valid until"), "valid_to", self.to_edit),
            (_("Good for (days after issue)"), "days_valid", self.days_spin),
            (_("Description"), "description", self.description_edit),
        ], parent, min_width=480)

    def prepare(self):
        data = VoucherTypeInput(
            name=self.name_edit.text(), kind=self.kind_combo.currentData(),
            merchant_id=self.merchant_combo.currentData(), points=self.points_spin.value(),
            stock=None if self.stock_spin.value() < 0 else self.stock_spin.value(),
            valid_from=to_date(self.from_edit.date()), valid_to=to_date(self.to_edit.date()),
            days_valid=self.days_spin.value() or None, description=self.description_edit.toPlainText())
        db, actor, row = self.db, self.actor, self.row
        if row is None:
            return lambda: points.add_voucher_type(db, data, actor=actor)
        return lambda: points.update_voucher_type(db, row.id, data, actor=actor)


class VoucherCatalogueDialog(ListManagerDialog):
    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        edit = access.POINTS_CATALOGUE
        columns = [
            Column(_("Voucher"), lambda r: r.name),
            Column(_("Kind"), lambda r: r.kind_text),
            Column(_("Honoured by"), lambda r: r.merchant),
            Column(_("Points"), lambda r: format_number(r.points), RIGHT),
            Column(_("Stock left"), stock_text, RIGHT),
            Column(_("Issued"), lambda r: format_number(r.issued), RIGHT),
            Column(_("Valid"), validity_text),
            Column(_("In use"), lambda r: _("Yes") if r.active else _("Withdrawn")),
        ]
        super().__init__(
            _("Voucher catalogue"), columns, lambda: points.list_voucher_types(db, include_inactive=True),
            key=lambda r: r.id, parent=parent, actor=actor, topic=TOPIC, size=(900, 460), stretch=0,
            actions=[
                Action(_("Add…"), self.add, permission=edit),
                Action(_("Edit…"), self.edit, selected=True, default=True, permission=edit),
                Action(_("Withdraw / offer again"), self.toggle, selected=True, permission=edit,
                       tooltip=_("Vouchers already issued stay good; a withdrawn one can no longer be issued.")),
            ])

    def _merchants(self) -> list[tuple[int, str]]:
        return [(m.id, m.name) for m in alliance.list_merchants(self.db, status=alliance.MEMBER)]

    def add(self) -> None:
        self.edit_with(VoucherTypeDialog(self.db, None, self._merchants(), self, actor=self.actor),
                       select=lambda new_id: new_id)

    def edit(self) -> None:
        row = self.current()
        if row is not None:
            self.edit_with(VoucherTypeDialog(self.db, row, self._merchants(), self, actor=self.actor))

    def toggle(self) -> None:
        row = self.current()
        if row is not None:
            db, actor = self.db, self.actor
            self.write(lambda: points.set_voucher_type_active(db, row.id, not row.active, actor=actor))


def edit_voucher_catalogue(window) -> None:
    """Settings → Voucher catalogue… (app/features.py)."""
    VoucherCatalogueDialog(window.db, window, actor=window.actor).exec()


# -- expired vouchers ---------------------------------------------------------------------------

class RefundRuleDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db, self.actor = db, actor
        self.refund_box = QCheckBox(_("Return the points of a voucher that expired unused"))
        self.refund_box.setChecked(points.refund_expired_rule(db))
        super().__init__(_("Expired vouchers"), [("", "refund", self.refund_box)], parent,
                         intro=_("When a voucher expires without being used, its points are lost unless the centre "
                                 "returns them to the resident."), min_width=440)

    def prepare(self):
        db, actor, refund = self.db, self.actor, self.refund_box.isChecked()
        return lambda: points.set_refund_expired_rule(db, refund, actor=actor)


def edit_refund_rule(window) -> None:
    """Settings → Expired vouchers… (app/features.py)."""
    RefundRuleDialog(window.db, window, actor=window.actor).exec()
