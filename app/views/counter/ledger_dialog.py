"""Choose what the service ticket ledger (服务台账) covers: a period of receipt, and
optionally one kind of request, one status and one grid."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox

from app.db import Database
from app.i18n import _
from app.services import counter, grids
from app.views.shared.date_range import DateRange
from app.views.shared.forms import FormDialog


class LedgerDialog(FormDialog):
    """Defaults to the current month, the period the town asks about."""

    confirm_discard = False  # it only chooses a period and filters: nothing to lose

    def __init__(self, db: Database, parent=None, today: dt.date | None = None):
        from app.services.counter_print import LEDGER_STATUSES, month_of

        today = today or dt.date.today()
        self.period = DateRange(*month_of(today), today=today)
        self.from_edit, self.to_edit = self.period.from_edit, self.period.to_edit
        self.category_combo = QComboBox()
        self.category_combo.addItem(_("All kinds"), None)
        for c in counter.list_categories(db, include_inactive=True):
            self.category_combo.addItem(c.name, c.id)
        self.status_combo = QComboBox()
        self.status_combo.addItem(_("Any status"), None)
        for code, label in LEDGER_STATUSES.items():
            self.status_combo.addItem(_(label), code)
        self.grid_combo = QComboBox()
        self.grid_combo.addItem(_("All grids"), None)
        for gid, name in grids.grid_choices(db):
            self.grid_combo.addItem(name, gid)
        super().__init__(_("Service ticket ledger"), [
            (_("Received between"), "date_to", self.period),
            (_("Kind of request"), "category_id", self.category_combo),
            (_("Status"), "status", self.status_combo),
            (_("Grid"), "grid_id", self.grid_combo),
        ], parent)
        self._chosen = None

    def prepare(self) -> None:
        """Nothing is written: the choice is checked and kept for the preview."""
        from app.services.counter_print import LedgerFilter

        chosen = LedgerFilter(*self.period.dates(), self.category_combo.currentData(),
                              self.status_combo.currentData(), self.grid_combo.currentData())
        chosen.check()  # a period that ends before it starts is marked here, before any PDF is made
        self._chosen = chosen

    def chosen(self):
        return self._chosen
