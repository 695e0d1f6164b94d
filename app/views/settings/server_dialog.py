"""Settings → Database server: whether this desk works on the centre's PostgreSQL server (its
address, database, user; the password in the system's credential store) or on this computer's own
database, with a connection test that says what is wrong. Also the start-up question when the
server cannot be reached: retry, change these settings, or quit — never a silent fall back to a
local database. The choice takes effect at the next start (the window offers to restart)."""
from __future__ import annotations

import sys

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import (QButtonGroup, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QRadioButton, QSpinBox, QWidget)

from app.errors import DeskError, ValidationError
from app.i18n import _, format_number
from app.services import access, server
from app.services.server import ServerError, ServerSettings
from app.views.shared.forms import FormDialog, fit_height, show_error
from app.views.worker import run_in_background


class ServerDialog(FormDialog):
    """The desk's database: this computer's file or the centre's server. OK saves the choice
    (the password into the credential store on the worker); `changed` says whether it differs
    from the one the dialog was opened with. Saving a server tests it first; opened from the
    window (`db`, `actor`), an empty server database is offered this desk's data."""

    def __init__(self, parent: QWidget | None = None, db=None, actor=None):
        self.db, self.actor = db, actor
        self.previous = server.load_settings()
        shown = self.previous or ServerSettings("")
        self.host_edit = QLineEdit(shown.host)
        self.host_edit.setPlaceholderText(_("e.g. 192.168.1.10 or desk-server"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(shown.port)
        self.database_edit = QLineEdit(shown.database)
        self.user_edit = QLineEdit(shown.user)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        has_store = server.has_credential_store()
        if not has_store:
            self.password_edit.setPlaceholderText(_("none: this computer has no credential store"))
        elif self.previous is not None:
            try:
                stored = bool(server.password_for(self.previous))
            except ServerError:  # a store that is there but refuses now: it may hold one
                stored = True
            self.password_edit.setPlaceholderText(
                _("unchanged (kept in this computer's credential store)") if stored
                else _("none stored: the desk connects without a password"))
        super().__init__(_("Database server"), [
            (_("Server"), "host", self.host_edit),
            (_("Port"), "port", self.port_spin),
            (_("Database"), "database", self.database_edit),
            (_("User name"), "user", self.user_edit),
            (_("Password"), "password", self.password_edit),
        ], parent, ok_button=QDialogButtonBox.StandardButton.Save, min_width=520)
        self.changed = False
        self.local_radio = QRadioButton(_("Use this computer's own database (no server)"))
        self.server_radio = QRadioButton(_("Use the centre's database server, shared by every desk"))
        choice = QButtonGroup(self)
        for radio in (self.local_radio, self.server_radio):
            choice.addButton(radio)
        (self.server_radio if self.previous is not None else self.local_radio).setChecked(True)
        self.server_radio.toggled.connect(self._show_choice)
        hint = QLabel(_("The password is kept in this computer's credential store, never in a file. "
                        "A change takes effect when the program starts again.") if has_store else _(
            "This computer has no credential store the program can use, so no password can be kept "
            "(never in a file): let the server accept this desk without one, or set up the system's "
            "credential store first. A change takes effect when the program starts again."))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.test_button = QPushButton(_("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        self.copy_progress = QProgressBar()
        self.copy_progress.setFormat(_("Copying… %p%"))
        self.copy_progress.setTextVisible(True)
        self.copy_progress.hide()
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout = self.layout()
        layout.insertWidget(0, self.local_radio)
        layout.insertWidget(1, self.server_radio)
        layout.insertWidget(2, hint)
        layout.insertLayout(layout.indexOf(self.errors.general), test_row)
        layout.insertWidget(layout.indexOf(self.errors.general), self.result_label)
        layout.insertWidget(layout.indexOf(self.errors.general), self.copy_progress)
        self._show_choice()
        for edit in (self.host_edit, self.database_edit, self.user_edit, self.password_edit):
            edit.textChanged.connect(self.result_label.hide)  # an old result no longer applies
        self.port_spin.valueChanged.connect(self.result_label.hide)

    def _show_choice(self) -> None:
        on_server = self.server_radio.isChecked()
        for widget in (self.host_edit, self.port_spin, self.database_edit, self.user_edit,
                       self.password_edit, self.test_button):
            widget.setEnabled(on_server)
        self.result_label.hide()

    def settings(self) -> ServerSettings:
        return ServerSettings(self.host_edit.text().strip(), self.port_spin.value(),
                              self.database_edit.text().strip(), self.user_edit.text().strip())

    def _show_result(self, text: str, failed: bool) -> None:
        self.result_label.setProperty("role", "error" if failed else "hint")
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)
        self.result_label.setText(text)
        self.result_label.show()
        fit_height(self)

    def test_connection(self) -> None:
        """Connect once on the worker (up to the connect timeout), never on the window's thread."""
        self.errors.clear()
        settings, typed, previous = self.settings(), self.password_edit.text(), self.previous
        try:
            server.check_settings(settings)
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.test_button.setEnabled(False)
        self._show_result(_("Connecting to {where}…").format(where=settings.where), False)

        def done(message: str) -> None:
            self.test_button.setEnabled(self.server_radio.isChecked())
            self._show_result(message, False)

        def failed(exc: Exception) -> None:
            self.test_button.setEnabled(self.server_radio.isChecked())
            if isinstance(exc, DeskError):
                self._show_result(exc.message, True)
            else:
                self.result_label.hide()
                show_error(self, exc)

        run_in_background(self, lambda _progress: server.test_connection(
            settings, server.password_to_use(typed, previous)), on_done=done, on_error=failed)

    def _busy(self, busy: bool) -> None:
        """While Save's test or copy runs: no second Save, and Cancel waits (SavingDialog)."""
        self._saving = busy
        self.buttons.setEnabled(not busy)
        self.test_button.setEnabled(not busy and self.server_radio.isChecked())

    def accept(self) -> None:
        """Save. A server is tested first, as by Test connection: a failure is shown and asks
        whether to save anyway (a desk may be set up before the server is switched on); an empty
        database is offered this desk's data, since a desk that starts on it fills its lists and
        nothing can be copied onto it after that."""
        if self._saving:
            return
        if self.local_radio.isChecked():
            super().accept()
            return
        self.errors.clear()
        settings, typed, previous = self.settings(), self.password_edit.text(), self.previous
        try:
            server.check_settings(settings)
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self._busy(True)
        self._show_result(_("Connecting to {where}…").format(where=settings.where), False)

        def test(_progress):
            password = server.password_to_use(typed, previous)
            return server.url_for(settings, password), server.check_connection(settings, password)

        def tested(found) -> None:
            url, connection = found
            self._busy(False)
            self._show_result(connection.message, False)
            if connection.empty and self._may_copy() and QMessageBox.question(
                    self, _("Database server"),
                    _("The server's database is empty. Copy this computer's data to it now?") + "\n\n" + _(
                        "This computer's database: {source}. Copy it before any desk starts on the "
                        "server: a desk that starts on an empty database sets up its own lists there, "
                        "and then nothing can be copied onto it.").format(source=self.db.label),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.Yes) == QMessageBox.StandardButton.Yes:
                self._copy(url, settings)
                return
            FormDialog.accept(self)

        def failed(exc: Exception) -> None:
            self._busy(False)
            if not isinstance(exc, DeskError):
                self.result_label.hide()
                show_error(self, exc)
                return
            self._show_result(exc.message, True)
            if QMessageBox.question(
                    self, _("Database server"),
                    exc.message + "\n\n" + _("Save these settings anyway? The desk will try the server "
                                              "each time it starts."),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes:
                FormDialog.accept(self)

        run_in_background(self, test, on_done=tested, on_error=failed)

    def _may_copy(self) -> bool:
        return self.db is not None and access.may(self.actor, access.BACKUP_COPY)

    def _copy(self, url: str, settings: ServerSettings) -> None:
        """This desk's data onto the server on the worker; the settings are saved only after a
        verified copy (a failure leaves the dialog open and nothing saved)."""
        from app.services import database_copy

        self._busy(True)
        self._show_result(_("Copying this computer's data to {where}…").format(where=settings.where), False)
        self.copy_progress.setRange(0, 0)
        self.copy_progress.show()

        def progress(done: int, total: int) -> None:
            self.copy_progress.setRange(0, total)
            self.copy_progress.setValue(done)

        def copied(report) -> None:
            self.copy_progress.hide()
            self._busy(False)
            message = _("{rows} rows in {tables} tables copied from {source} to {target}; the checksums of every "
                        "table agree.").format(rows=format_number(report.rows),
                                               tables=format_number(len(report.tables)),
                                               source=report.source, target=report.target)
            self._show_result(message, False)
            QMessageBox.information(self, _("Database server"), message)
            FormDialog.accept(self)

        def failed(exc: Exception) -> None:
            self.copy_progress.hide()
            self._busy(False)
            if isinstance(exc, DeskError):
                self._show_result(exc.message, True)
            show_error(self, exc)

        db, actor = self.db, self.actor
        run_in_background(self, lambda report: database_copy.copy_to_server(
            db, url, actor=actor, progress=report), on_done=copied, on_error=failed, on_progress=progress)

    def prepare(self):
        previous, typed = self.previous, self.password_edit.text()
        if self.local_radio.isChecked():
            self.changed = previous is not None
            return lambda: server.configure(None, previous=previous)
        settings = self.settings()
        server.check_settings(settings)  # marks the fields before anything is stored
        self.changed = settings != previous or bool(typed)
        return lambda: server.configure(settings, server.password_to_use(typed, previous), previous)


def restart_program(window: QWidget) -> None:
    """Start the program again with the same arguments, then close this window (its closing
    backup and saved geometry as on any close)."""
    frozen = getattr(sys, "frozen", False)  # the bundle: the executable is the program
    if QProcess.startDetached(sys.executable, sys.argv[1:] if frozen else sys.argv):
        window.close()
    else:
        show_error(window, DeskError(_("The program could not be started again; close it and start it "
                                       "yourself.")))


def edit_server(window) -> None:
    """Settings → Database server… (administrators); a change asks to restart the program."""
    dialog = ServerDialog(window, window.db, window.actor)
    if not dialog.exec() or not dialog.changed:
        return
    where = _("the centre's database server") if server.load_settings() else _("this computer's own database")
    answer = QMessageBox.question(
        window, _("Database server"),
        _("Saved. The desk will work on {where} from its next start. Restart the program now?").format(
            where=where),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        restart_program(window)


class UnreachableDialog(QMessageBox):
    """At start: the server this desk works on cannot be used. Retry, Server settings…, Quit."""

    RETRY, SETTINGS, QUIT = "retry", "settings", "quit"

    def __init__(self, message: str, settings: ServerSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        # Wide enough for the server's address on one line (QMessageBox's texts only, not its icon).
        self.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 440px; }")
        self.setWindowTitle(_("Neighbourhood Desk"))
        self.setText(_("This desk works on the centre's database server {where}, which cannot be used "
                       "now.").format(where=settings.where))
        self.setInformativeText(message + "\n\n" + _(
            "The desk does not switch to a database of its own: what is entered here must reach "
            "the centre's records."))
        self.retry_button = self.addButton(_("Retry"), QMessageBox.ButtonRole.AcceptRole)
        self.settings_button = self.addButton(_("Server settings…"), QMessageBox.ButtonRole.ActionRole)
        self.quit_button = self.addButton(_("Quit"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.retry_button)
        self.setEscapeButton(self.quit_button)

    def choice(self) -> str:
        clicked = self.clickedButton()
        if clicked is self.retry_button:
            return self.RETRY
        if clicked is self.settings_button:
            return self.SETTINGS
        return self.QUIT


def ask_when_unreachable(message: str, settings: ServerSettings) -> bool:
    """Before the window: False to quit; True to try again (after the settings, if chosen)."""
    dialog = UnreachableDialog(message, settings)
    dialog.exec()
    choice = dialog.choice()
    if choice == UnreachableDialog.SETTINGS:
        ServerDialog().exec()
    return choice != UnreachableDialog.QUIT
