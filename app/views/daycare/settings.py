"""Settings → day-care: meal prices and subsidies (with the day each applies from), the diets and
the meal subsidy categories, all through the shared list-manager dialog; and the closing time."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QComboBox, QLineEdit, QTimeEdit

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _, format_date
from app.services import access, daycare
from app.services.access import Actor
from app.services.daycare import PriceInput, format_money
from app.services.validators import normalise_text
from app.views.shared.choices_dialog import Choices, Extra, edit_choices
from app.views.shared.date_range import date_edit, to_date
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog

TOPIC = "daycare"
RIGHT = Qt.AlignmentFlag.AlignRight


def yuan_to_fen(text: str, field: str) -> int:
    """"12.5" or "１２.５０" yuan → 1250 fen, exactly (no floats)."""
    cleaned = normalise_text(text or "").strip().replace(",", "").replace("¥", "").replace("元", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError({field: _("Please enter an amount in yuan, such as 12.50.")}) from None
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValidationError({field: _("Please enter an amount in yuan, such as 12.50.")})
    return int(fen)


class PriceDialog(FormDialog):
    topic = TOPIC

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db, self.actor = db, actor
        self.meal_combo = QComboBox()
        for code, label in daycare.MEALS.items():
            self.meal_combo.addItem(_(label), code)
        self.category_combo = QComboBox()
        for choice in daycare.list_choices(db, daycare.SUBSIDIES):
            self.category_combo.addItem(choice.name, choice.id)
        self.from_edit = date_edit(dt.date.today().replace(day=1))
        self.price_edit = QLineEdit()
        self.price_edit.setPlaceholderText(_("yuan, e.g. 12.00"))
        self.subsidy_edit = QLineEdit("0")
        self.subsidy_edit.setPlaceholderText(_("yuan, e.g. 4.00"))
        super().__init__(_("New meal price"), [
            (_("Meal"), "meal", self.meal_combo),
            (_("Meal subsidy category"), "subsidy_category_id", self.category_combo),
            (_("Applies from"), "valid_from", self.from_edit),
            (_("Price (yuan)"), "price_fen", self.price_edit),
            (_("Subsidy (yuan)"), "subsidy_fen", self.subsidy_edit),
        ], parent, intro=_("A new price applies from its day on; meals before it keep the price then in "
                           "force, so past bills never change."))

    def prepare(self):
        data = PriceInput(self.meal_combo.currentData(), self.category_combo.currentData(),
                          to_date(self.from_edit.date()), yuan_to_fen(self.price_edit.text(), "price_fen"),
                          yuan_to_fen(self.subsidy_edit.text() or "0", "subsidy_fen"))
        db, actor = self.db, self.actor
        return lambda: daycare.set_price(db, data, actor=actor)


class PricesDialog(ListManagerDialog):
    topic = TOPIC

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db = db
        super().__init__(
            _("Meal prices and subsidies"),
            [Column(_("Meal"), lambda p: _(daycare.MEALS.get(p.meal, p.meal))),
             Column(_("Meal subsidy category"), lambda p: p.subsidy_category),
             Column(_("Applies from"), lambda p: format_date(p.valid_from, "short")),
             Column(_("Price"), lambda p: format_money(p.price_fen), RIGHT),
             Column(_("Subsidy"), lambda p: format_money(p.subsidy_fen), RIGHT),
             Column(_("Elder pays"), lambda p: format_money(p.due_fen), RIGHT)],
            lambda: daycare.list_prices(db), key=lambda p: p.id, parent=parent, actor=actor, size=(720, 460),
            stretch=1, intro=_("Prices in yuan. Each line applies from its day until the next line of the same meal "
                               "and category."),
            actions=[Action(_("Add a price…"), self.add, permission=access.DAYCARE_PRICES)])

    def add(self) -> None:
        self.edit_with(PriceDialog(self.db, self, actor=self.actor), select=lambda new_id: new_id)


# The diets and the meal subsidy categories (views/shared/choices_dialog.py).
_RETIRED = N_("A retired entry stays with the elders who have it but can no longer be chosen.")
DIETS = Choices(daycare.LISTS[daycare.DIETS], TOPIC, (N_("Diets"), N_("Diet"), N_("New diet")), _RETIRED,
                (Extra("special", N_("Name the elders with this diet on the kitchen order"), N_("On the kitchen order"),
                       lambda c: _("By name") if c.special else _("Count only")),), size=(520, 420))
SUBSIDIES = Choices(daycare.LISTS[daycare.SUBSIDIES], TOPIC,
                    (N_("Meal subsidy categories"), N_("Meal subsidy category"), N_("New meal subsidy category")),
                    _RETIRED, size=(520, 420))


def edit_prices(window) -> None:
    """Settings → Meal prices and subsidies… (app/features.py)."""
    PricesDialog(window.db, window, actor=window.actor).exec()


def edit_diets(window) -> None:
    """Settings → Diets… (app/features.py)."""
    edit_choices(window, DIETS)


def edit_subsidy_categories(window) -> None:
    """Settings → Meal subsidy categories… (app/features.py)."""
    edit_choices(window, SUBSIDIES)


class ClosingTimeDialog(FormDialog):
    """After the closing time the board lists whoever is still in as "still here"."""

    topic = TOPIC  # the board reloads with the new time

    def __init__(self, db: Database, parent=None, *, actor: Actor):
        self.db, self.actor = db, actor
        now = daycare.closing_time(db)
        self.time_edit = QTimeEdit(QTime(now.hour, now.minute))
        self.time_edit.setDisplayFormat("HH:mm")
        super().__init__(_("Day-care closing time"), [(_("Closing time"), "closing_time", self.time_edit)], parent,
                         intro=_("From this time on, elders not yet gone home are listed on the board as still "
                                 "here."), min_width=360)

    def prepare(self):
        t = self.time_edit.time()
        db, actor, value = self.db, self.actor, dt.time(t.hour(), t.minute())
        return lambda: daycare.set_closing_time(db, value, actor=actor)


def edit_closing_time(window) -> None:
    """Settings → Day-care closing time… (app/features.py)."""
    ClosingTimeDialog(window.db, window, actor=window.actor).exec()
