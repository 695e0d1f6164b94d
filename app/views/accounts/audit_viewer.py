"""Settings → Audit trail (administrators): who changed what, when; filter and
export. The trail can only be read here, never edited."""
from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.db import Database
from app.errors import DeskError
from app.i18n import N_, _, format_datetime, format_number
from app.services import audit
from app.services.access import Actor
from app.views.shared.date_range import DateRange, to_date
from app.views.shared.forms import show_error
from app.views.shared.list_model import ListModel

COLUMNS = [N_("Time"), N_("Staff member"), N_("Action"), N_("Record"), N_("What"), N_("Changes")]
SHOWN = 2000  # newest rows shown; the export has them all


def _audit_row(e: audit.AuditEntry) -> list[str]:
    record = e.entity_label + (f" #{e.entity_id}" if e.entity_id is not None else "")
    who = f"{e.actor_name}（{e.role_label}）" if e.role_label else e.actor_name
    return [format_datetime(e.at), who, e.action_label, record, e.summary, e.changes_text]


class AuditViewer(QDialog):
    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle(_("Audit trail"))
        self.resize(1100, 640)
        self.person_edit = QLineEdit()
        self.person_edit.setPlaceholderText(_("Staff member"))
        self.entity_combo = QComboBox()
        self.entity_combo.addItem(_("All records"), None)
        for code, label in audit.ENTITIES.items():
            self.entity_combo.addItem(_(label), code)
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText(_("Record number"))
        self.id_edit.setMaximumWidth(110)
        self.action_combo = QComboBox()
        self.action_combo.addItem(_("All actions"), None)
        for code, label in audit.ACTIONS.items():
            self.action_combo.addItem(_(label), code)
        today = QDate.currentDate()
        self.period = DateRange(to_date(today.addMonths(-1)), to_date(today))
        show = QPushButton(_("Show"))
        show.clicked.connect(self.reload)
        export = QPushButton(_("Export to Excel…"))
        export.clicked.connect(self.export)
        filters = QHBoxLayout()
        for w in (self.person_edit, self.entity_combo, self.id_edit, self.action_combo, QLabel(_("From")),
                  self.period, show, export):
            filters.addWidget(w)
        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = QLabel()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(close)
        self.reload()

    def filters(self) -> dict:
        record = self.id_edit.text().strip()
        date_from, date_to = self.period.range()  # a ValidationError when it ends before it starts
        return dict(person=self.person_edit.text().strip() or None, entity=self.entity_combo.currentData(),
                    entity_id=int(record) if record.isdigit() else None,
                    action=self.action_combo.currentData(),
                    date_from=date_from, date_to=date_to)

    def reload(self) -> None:
        try:
            entries = audit.query(self.db, limit=SHOWN, **self.filters(), actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.model = ListModel([_(c) for c in COLUMNS], [_audit_row(e) for e in entries], self)
        self.table.setModel(self.model)
        for column, width in enumerate((185, 150, 90, 120, 240)):
            self.table.setColumnWidth(column, width)
        self.count_label.setText(_("{count} entries shown (newest first).").format(count=format_number(len(entries))))

    def export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export to Excel"), _("audit-trail.xlsx"),
                                                    _("Excel files (*.xlsx)"))
        if not path:
            return
        try:
            count = audit.export_xlsx(self.db, path, **self.filters(), actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        QMessageBox.information(self, _("Export to Excel"), _("{count} entries were saved to {path}.")
                                .format(count=format_number(count), path=path))
