"""The main window: tabs, menus, status bar. Rebuilt in place when the
interface language changes."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QInputDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QTabWidget)

from app import __version__
from app.db import Database
from app.errors import DeskError
from app.i18n import LANGUAGES, _, current_language, format_number
from app.services import centre
from app.services import access
from app.services.access import Actor
from app.views import notices
from app.views.counter.tab import CounterTab
from app.views.residents.tab import ResidentsTab
from app.views.settings.centre_dialog import CentreDialog
from app.views.settings.grids_dialog import GridsDialog
from app.views.settings.tags_dialog import TagsDialog
from app.views.shared.forms import show_error
from app.views.worker import run_in_background


DEFAULT_IDLE_MINUTES = 10
ACCOUNT_CHECK_MS = 30_000  # how often an open window re-reads its own account
_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                 QEvent.Type.Wheel}


class _IdleWatcher(QObject):
    """Restarts the idle timer on every key press or mouse movement in the program."""

    def __init__(self, timer: QTimer, parent: QObject):
        super().__init__(parent)
        self.timer = timer

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.interval() > 0:
            self.timer.start()
        return False


class MainWindow(QMainWindow):
    def __init__(self, db: Database, ui_settings: QSettings, on_language=None, *, actor: Actor):
        super().__init__()
        self.db = db
        self.actor = actor  # who is signed in: every service call acts as them
        self.ui_settings = ui_settings
        self.on_language = on_language  # callback(lang) that installs translations
        self.notice = notices.Notices(self)
        self.notice.changed.connect(self._on_notice)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.db_label = QLabel()
        self.user_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.db_label)
        # The desk PC is shared: after some idle minutes the window locks itself.
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self._idle_watcher = _IdleWatcher(self.idle_timer, self)
        QApplication.instance().installEventFilter(self._idle_watcher)
        self.set_idle_minutes(int(ui_settings.value("lock/idle_minutes", DEFAULT_IDLE_MINUTES)))
        # An administrator may deactivate or re-role someone at another desk: their open window
        # follows within a minute instead of keeping the old rights until the next sign-in.
        self.account_timer = QTimer(self)
        self.account_timer.setInterval(ACCOUNT_CHECK_MS)
        self.account_timer.timeout.connect(self.check_account)
        self.account_timer.start()
        self._build()
        geometry = ui_settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 760)

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self._update_title()
        self.db_label.setText(_("Database: {name}").format(name=self.db.label))
        self.user_label.setText(_("Signed in: {name} ({role})").format(name=self.actor.name,
                                                                      role=self.actor.role_label))
        old = self.centralWidget()
        kept_tab = old.currentIndex() if isinstance(old, QTabWidget) else 0
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.residents_tab = ResidentsTab(self.db, self.notice, actor=self.actor)
        self.tabs.addTab(self.residents_tab, _("Residents"))
        self.counter_tab = CounterTab(self.db, self.notice, actor=self.actor)
        self.counter_tab.counts_changed.connect(self._counter_counts)
        self.residents_tab.request_for.connect(self.request_for_resident)
        self.tabs.addTab(self.counter_tab, _("Service counter"))
        self._counter_counts(*self.counter_tab.last_counts)
        self.setCentralWidget(self.tabs)
        if old is not None:
            old.deleteLater()
        self._build_menus()
        self.tabs.setCurrentIndex(kept_tab)
        self.tabs.currentWidget().setFocus()

    def _update_title(self) -> None:
        name = centre.get_centre(self.db).name
        title = _("Neighbourhood Desk")
        self.setWindowTitle(f"{name} — {title}" if name else title)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(_("&File"))
        lock = file_menu.addAction(_("Lock"), self.lock)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        file_menu.addAction(_("Switch user…"), self.switch_user)
        file_menu.addAction(_("Change my password…"), self.change_password)
        file_menu.addSeparator()
        file_menu.addAction(_("Back up to a folder…"), self.back_up).setEnabled(
            access.may(self.actor, access.BACKUP_COPY))
        file_menu.addAction(_("Restore from a backup…"), self.restore).setEnabled(
            access.may(self.actor, access.BACKUP_RESTORE))
        file_menu.addSeparator()
        quit_action = file_menu.addAction(_("&Quit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        settings = bar.addMenu(_("&Settings"))
        # Only what this person may change is offered; the services check again.
        may_edit = access.may(self.actor, access.SETTINGS_EDIT)
        for label, slot in ((_("Centre details…"), self.edit_centre), (_("Grids…"), self.edit_grids),
                            (_("Tags…"), self.edit_tags)):
            settings.addAction(label, slot).setEnabled(may_edit)
        settings.addAction(_("Request catalogue…"), self.edit_catalogue).setEnabled(may_edit)
        settings.addAction(_("Holidays…"), self.edit_holidays).setEnabled(may_edit)
        settings.addSeparator()
        settings.addAction(_("Staff accounts…"), self.edit_staff).setEnabled(
            access.may(self.actor, access.USERS_MANAGE))
        settings.addAction(_("Audit trail…"), self.show_audit).setEnabled(
            access.may(self.actor, access.AUDIT_VIEW))
        settings.addAction(_("Remove old personal data…"), self.purge).setEnabled(
            access.may(self.actor, access.RECORDS_DELETE))
        settings.addAction(_("Lock after idle time…"), self.choose_idle_minutes)

        language = bar.addMenu(_("&Language"))
        group = QActionGroup(self)
        for code, label in LANGUAGES.items():
            action = QAction(label, self, checkable=True)
            action.setChecked(code == current_language())
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.switch_language(c))
            group.addAction(action)
            language.addAction(action)

        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(_("About Neighbourhood Desk"), self.about)

    # -- actions ----------------------------------------------------------------------------
    def switch_language(self, lang: str) -> None:
        if lang == current_language():
            return
        self.ui_settings.setValue("language", lang)
        if self.on_language:
            self.on_language(lang)
        query = self.residents_tab.search.box.text()
        self._build()
        self.residents_tab.search.box.setText(query)

    # -- who is at the desk ------------------------------------------------------------------
    def set_actor(self, actor: Actor) -> None:
        """Someone else signed in: rebuild so every tab acts as them, with their rights."""
        query = self.residents_tab.search.box.text() if actor.name == self.actor.name else ""
        self.actor = actor
        self._build()
        self.residents_tab.search.box.setText(query)

    def check_account(self) -> None:
        """Lock when the signed-in account was deactivated; take up a changed role."""
        from app.services import accounts

        if getattr(self, "_locked", False):
            return
        try:
            account = accounts.own_account(self.db, self.actor)
        except DeskError:
            return  # the database is busy or gone; the next check tries again
        if account is None:
            return
        if not account.active:
            self.statusBar().showMessage(_("Your account has been deactivated."), 10000)
            self.lock()
        elif account.role != self.actor.role:
            self.set_actor(Actor(self.actor.name, account.role))
            self.statusBar().showMessage(_("Your role is now {role}.").format(role=self.actor.role_label), 10000)

    def lock(self) -> None:
        from app.views.accounts.login_dialog import LoginDialog

        if getattr(self, "_locked", False):
            return
        self._locked = True
        self.idle_timer.stop()
        try:
            dialog = LoginDialog(self.db, self, locked_by=self.actor)
            self.locker = dialog
            dialog.exec()
        finally:
            self._locked = False
            self.locker = None
        if dialog.actor is not None and dialog.actor != self.actor:
            # Someone else is at the desk: close what the previous person left open
            # (a staff or settings dialog would otherwise go on acting as them).
            for child in self.findChildren(QDialog):
                if child is not dialog and child.isVisible():
                    child.reject()
            self.set_actor(dialog.actor)
        self.set_idle_minutes(self.idle_minutes)

    def switch_user(self) -> None:
        from app.views.accounts.login_dialog import LoginDialog

        dialog = LoginDialog(self.db, self)
        if dialog.exec() and dialog.actor is not None:
            self.set_actor(dialog.actor)

    def change_password(self) -> None:
        from PySide6.QtWidgets import QLineEdit

        from app.services import accounts

        old, ok = QInputDialog.getText(self, _("Change my password"), _("Current password:"),
                                       QLineEdit.EchoMode.Password)
        if not ok:
            return
        new, ok = QInputDialog.getText(self, _("Change my password"),
                                       _("New password (at least 8 characters):"), QLineEdit.EchoMode.Password)
        if not ok:
            return
        try:
            accounts.change_password(self.db, self.actor, old, new)
        except DeskError as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(_("Your password was changed."), 5000)

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_minutes = max(0, minutes)
        self.idle_timer.setInterval(self.idle_minutes * 60_000)
        if self.idle_minutes:
            self.idle_timer.start()
        else:
            self.idle_timer.stop()

    def choose_idle_minutes(self) -> None:
        minutes, ok = QInputDialog.getInt(
            self, _("Lock after idle time"),
            _("Lock the desk after this many minutes without use (0 = never):"), self.idle_minutes, 0, 240)
        if ok:
            self.ui_settings.setValue("lock/idle_minutes", minutes)
            self.set_idle_minutes(minutes)

    # -- looking after the data ---------------------------------------------------------------
    def back_up(self) -> None:
        from app.views.accounts.data_care import back_up_to_folder

        back_up_to_folder(self, self.db, self.actor)

    def restore(self) -> None:
        """Close the database, restore the chosen backup, open it again."""
        from app.db import open_database
        from app.services import backup
        from app.views.accounts.data_care import choose_backup_to_restore
        from app.views.worker import wait_for_jobs

        if self.db.engine.url.get_backend_name() != "sqlite":
            show_error(self, DeskError(_("Only a database file can be restored here; a database server "
                                         "restores its own backups.")))
            return
        chosen = choose_backup_to_restore(self)
        if chosen is None:
            return
        path, passphrase = chosen
        wait_for_jobs()
        url = self.db.engine.url.render_as_string(hide_password=False)
        db_file = self.db.engine.url.database
        self.db.dispose()
        result = None
        try:
            result = backup.restore(db_file, path, passphrase=passphrase, actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
        try:
            self.db = open_database(url)  # the restored one, or the untouched one after a refusal
            if result is not None:
                backup.record_restore(self.db, self.actor, result)
        except DeskError as exc:
            show_error(self, exc)
            self.close()  # nothing sensible can be shown without a database
            return
        if result is None:
            return
        self._build()
        self.notice.changed.emit(notices.RESIDENTS)
        QMessageBox.information(self, _("Restore from a backup"), _(
            "The backup was restored. The data as it was before is kept in {path}.").format(
                path=result.safety_copy or "—"))

    def purge(self) -> None:
        from app.views.accounts.data_care import purge_old_records

        purge_old_records(self, self.db, self.actor)
        self.notice.changed.emit(notices.RESIDENTS)

    def edit_staff(self) -> None:
        from app.views.accounts.staff_dialog import StaffDialog

        StaffDialog(self.db, self.actor, self).exec()

    def show_audit(self) -> None:
        from app.views.accounts.audit_viewer import AuditViewer

        AuditViewer(self.db, self.actor, self).exec()

    def edit_centre(self) -> None:
        if CentreDialog(self.db, self, actor=self.actor).exec():
            self._update_title()
            self.notice.changed.emit(notices.CENTRE)

    def edit_grids(self) -> None:
        dialog = GridsDialog(self.db, self, actor=self.actor)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.GRIDS)

    def edit_tags(self) -> None:
        dialog = TagsDialog(self.db, self, actor=self.actor)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.TAGS)

    def edit_catalogue(self) -> None:
        from app.views.settings.catalogue_dialog import CatalogueDialog

        dialog = CatalogueDialog(self.db, self, actor=self.actor)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.CATALOGUE)

    def edit_holidays(self) -> None:
        from app.views.settings.catalogue_dialog import HolidaysDialog

        dialog = HolidaysDialog(self.db, self, actor=self.actor)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.CATALOGUE)

    def request_for_resident(self, resident_id: int) -> None:
        """From the residents tab: receive a request from this resident on the counter tab."""
        self.tabs.setCurrentWidget(self.counter_tab)
        self.counter_tab.new_request(query="", resident_id=resident_id)

    def _counter_counts(self, overdue: int, due_today: int) -> None:
        """The counter tab's label says what must not be missed: overdue and due-today tickets."""
        index = self.tabs.indexOf(self.counter_tab)
        parts = []
        if overdue:
            parts.append(_("{count} overdue").format(count=format_number(overdue)))
        if due_today:
            parts.append(_("{count} due today").format(count=format_number(due_today)))
        label = _("Service counter")
        if parts:
            label = _("{tab} ({counts})").format(tab=label, counts=" · ".join(parts))
        self.tabs.setTabText(index, label)
        self.tabs.tabBar().setTabTextColor(index, QColor("#b71c1c") if overdue else QColor())

    def about(self) -> None:
        QMessageBox.about(self, _("About Neighbourhood Desk"), _(
            "<h3>Neighbourhood Desk {version}</h3>"
            "<p>The front desk of a neighbourhood centre: residents, service requests, "
            "day-care, after-school classes, merchant alliance and monthly reports. "
            "Works offline.</p><p>Database: {db}</p>").format(version=__version__, db=self.db.label))

    def _on_notice(self, what: str) -> None:
        if what == notices.CENTRE:
            self._update_title()

    # -- first start ---------------------------------------------------------------------------
    def fill_demo_data(self) -> None:
        """Fill a new database with village demo data, in the background."""
        from app.services import demo

        self.progress.setRange(0, 0)
        self.progress.setFormat(_("Adding demo data… %p%"))
        self.progress.show()
        self.statusBar().showMessage(_("Adding demo data…"))

        def progress(done: int, total: int) -> None:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

        def done(summary) -> None:
            self.progress.hide()
            self.statusBar().showMessage(_("Demo data added: {count} residents, {tickets} service counter "
                                           "tickets.").format(count=format_number(summary.residents),
                                                              tickets=format_number(summary.tickets)), 8000)
            self._update_title()
            self.notice.changed.emit(notices.RESIDENTS)
            self.notice.changed.emit(notices.CATALOGUE)  # the demo's request kinds and tickets

        def failed(exc) -> None:
            self.progress.hide()
            self.statusBar().clearMessage()
            show_error(self, exc)

        run_in_background(self, lambda report: demo.fill_demo(self.db, "village", progress=report,
                                                                  actor=self.actor),
                          on_done=done, on_error=failed, on_progress=progress)

    def daily_backup(self) -> None:
        """Today's automatic backup (once a day), in the background."""
        from app.services import backup

        def failed(exc) -> None:
            self.statusBar().showMessage(_("The automatic backup failed: {error}").format(
                error=getattr(exc, "message", exc)))

        run_in_background(self, lambda progress: backup.auto_backup(self.db), on_error=failed)

    def closeEvent(self, event) -> None:
        QApplication.instance().removeEventFilter(self._idle_watcher)
        self.idle_timer.stop()
        self.ui_settings.setValue("window/geometry", self.saveGeometry())
        self.ui_settings.sync()
        super().closeEvent(event)
