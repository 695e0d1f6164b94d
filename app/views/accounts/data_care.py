"""Looking after the data: a backup to a folder (a USB stick), restoring a backup,
and purging the personal data of people who left long ago."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_date, format_number
from app.services import backup, privacy
from app.services.access import Actor
from app.views import notices
from app.views.shared import writes
from app.views.shared.forms import error_label, show_error


class PassphraseDialog(QDialog):
    """Choose the passphrase of an encrypted backup, after reading why it matters."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Passphrase for the backup"))
        self.setMinimumWidth(480)
        warning = QLabel(backup.passphrase_warning())
        warning.setWordWrap(True)
        self.first, self.second = QLineEdit(), QLineEdit()
        for edit in (self.first, self.second):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = error_label()
        form = QFormLayout()
        form.addRow(_("Passphrase"), self.first)
        form.addRow(_("Passphrase again"), self.second)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.first.text() != self.second.text():
            self.error.setText(_("The two passphrases are not the same."))
            self.error.show()
            return
        try:
            backup.check_passphrase(self.first.text())
        except DeskError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        super().accept()

    @property
    def passphrase(self) -> str:
        return self.first.text()


def back_up_to_folder(parent: QWidget, db: Database, actor: Actor) -> None:
    """Ask for the folder (and passphrase), then back up on the worker thread."""
    from app.views.worker import run_in_background

    folder = QFileDialog.getExistingDirectory(parent, _("Back up to a folder (e.g. a USB stick)"))
    if not folder:
        return
    passphrase = None
    if not backup.is_private_folder(folder):
        dialog = PassphraseDialog(parent)
        if not dialog.exec():
            return
        passphrase = dialog.passphrase
    run_in_background(parent, lambda progress: backup.backup_now(db, folder=folder, passphrase=passphrase,
                                                                 actor=actor),
                      on_done=lambda result: QMessageBox.information(
                          parent, _("Backup"), _("The backup was written to {path}.").format(path=result.path)),
                      on_error=lambda exc: show_error(parent, exc))


def choose_backup_to_restore(parent: QWidget, db: Database) -> tuple[str, str | None] | None:
    """Ask for the backup file (and its passphrase); None when the person gives up."""
    path, _filter = QFileDialog.getOpenFileName(parent, _("Restore from a backup"), str(backup.default_folder(db)),
                                                _("Backups (*.sqlite3 *.ndbk)"))
    if not path:
        return None
    passphrase = None
    if backup.is_encrypted(path):
        passphrase, ok = QInputDialog.getText(parent, _("Restore from a backup"),
                                              _("Passphrase of this backup:"), QLineEdit.EchoMode.Password)
        if not ok:
            return None
    if QMessageBox.question(parent, _("Restore from a backup"), _(
            "The data in the program will be replaced by the backup. The data as it is now is kept in "
            "a safety copy first. Continue?")) != QMessageBox.StandardButton.Yes:
        return None
    return path, passphrase


def purge_old_records(parent: QWidget, db: Database, actor: Actor) -> None:
    """Show what would go, then purge on the worker; the RESIDENTS notice follows (views/shared/writes.py)."""
    years, ok = QInputDialog.getInt(parent, _("Remove old personal data"),
                                    _("Remove the personal data of residents who left more than how many "
                                      "years ago?"), 5, 1, 50)
    if not ok:
        return
    try:
        plan = privacy.purge_candidates(db, years, actor=actor)
        if not plan.residents:
            QMessageBox.information(parent, _("Remove old personal data"),
                                    _("No resident left before {date}; nothing to remove.").format(
                                        date=format_date(plan.cutoff)))
            return
        if QMessageBox.question(parent, _("Remove old personal data"), _(
                "This removes for good {residents} residents who left before {date}, with their "
                "{links} family links, {tags} tags and {consents} consent records. The audit trail "
                "keeps that it happened. Continue?").format(
                    residents=format_number(plan.residents), date=format_date(plan.cutoff),
                    links=format_number(plan.family_links), tags=format_number(plan.tags),
                    consents=format_number(plan.consents))) != QMessageBox.StandardButton.Yes:
            return
    except DeskError as exc:
        show_error(parent, exc)
        return
    writes.save(parent, lambda: privacy.purge(db, years, actor=actor), topic=notices.RESIDENTS,
                on_saved=lambda done: QMessageBox.information(
                    parent, _("Remove old personal data"),
                    _("{residents} residents were removed.").format(residents=format_number(done.residents))))
