"""The main window: tabs, menus, status bar. Rebuilt in place when the
interface language changes."""
from __future__ import annotations

import contextlib
import gc
import html

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import (QDialog, QInputDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QTabWidget, QWidget)
from shiboken6 import isValid

from app import __version__, features
from app.db import Database
from app.errors import DeskError
from app.i18n import LANGUAGES, _, current_language
from app.services import centre
from app.services import access
from app.services.access import Actor
from app.views import notices
from app.views.activity import activity
from app.views.other_desks import OtherDesks
from app.views.settings.centre_dialog import edit_centre
from app.views.shared import writes
from app.views.shared.forms import SavingDialog, show_error
from app.views.worker import run_in_background


DEFAULT_IDLE_MINUTES = 10
BADGE_DELAY_MS = 200  # unopened tabs' labels are counted this long after the window is shown
WARM_UP_MS = 1_000  # after the window is shown
ACCOUNT_CHECK_MS = 30_000  # how often an open window re-reads its own account
BADGE_MS = 5 * 60_000  # an unopened tab's label is counted again (at midnight, what is due changes)

def _freeze_start_up() -> None:
    from app.views.gui import garbage_collector

    collector = garbage_collector()
    # Made by create_application (not by a bare test application); once: a rebuilt window
    # thaws and freezes anew itself.
    if collector is not None and not gc.get_freeze_count():
        collector.freeze_start_up()


class _Unbuilt(QWidget):
    """Stands in a feature's place in the tabs until the tab is first shown (or asked for)."""

    def __init__(self, feature: features.Feature):
        super().__init__()
        self.feature = feature
        self.badges = 0  # labels asked for: only the latest one is shown


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
        activity().input_seen.connect(self._input_seen)
        self.set_idle_minutes(int(ui_settings.value("lock/idle_minutes", DEFAULT_IDLE_MINUTES)))
        # An administrator may deactivate or re-role someone at another desk: their open window
        # follows within a minute instead of keeping the old rights until the next sign-in.
        self.account_timer = QTimer(self)
        self.account_timer.setInterval(ACCOUNT_CHECK_MS)
        self.account_timer.timeout.connect(self.check_account)
        self.account_timer.start()
        self.badge_timer = QTimer(self)
        self.badge_timer.setInterval(BADGE_MS)
        self.badge_timer.timeout.connect(self._count_badges)
        self.badge_timer.start()
        # Another desk's saves reach this window's tabs within seconds (views/other_desks.py).
        self.other_desks = OtherDesks(self, lambda: self.db, self.notice,
                                      paused=lambda: getattr(self, "_locked", False))
        self._build()
        geometry = ui_settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 760)

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self._update_title()
        self.db_label.setText(_("Database: {name}").format(name=self.db.label))
        self.user_label.setText(_("Signed in: {name} ({role})").format(name=self._display_name(),
                                                                      role=self.actor.role_label))
        old = self.centralWidget()
        kept_tab = old.currentIndex() if isinstance(old, QTabWidget) else 0
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.feature_tabs: dict[str, QWidget] = {}  # each feature's tab, or its stand-in until built
        self._kept_states: dict = {}  # view states for tabs not built yet
        for feature in features.FEATURES:
            if feature.tab:
                self._add_tab(feature)
        self.setCentralWidget(self.tabs)
        if old is not None:
            old.deleteLater()
            from app.views.gui import garbage_collector

            if (collector := garbage_collector()) is not None:
                collector.thaw()  # the old tabs may be among the frozen start-up objects
        self._build_menus()
        self.tabs.setCurrentIndex(kept_tab)
        self._build_tab(kept_tab)
        self.tabs.currentChanged.connect(self._build_tab)
        self.tabs.currentWidget().setFocus()

    def _add_tab(self, feature: features.Feature) -> None:
        """A feature's place in the tabs: a light stand-in, replaced by the tab itself when it is
        first shown or asked for (`tab_of`), so an unopened tab costs nothing at start. Its label
        meanwhile is the feature's `badge` (e.g. what is overdue), counted on the worker.

        What a tab may offer besides being a widget: `label_changed(text, alert)` with
        `current_label()` (e.g. overdue counts on the label), `resident_action(feature, id)`
        (a button beside a resident that hands over to another feature's tab, whose
        `for_resident(id)` takes it), `item_opened(feature, ref)` (a link to another feature's
        item, whose tab's `open_item(ref)` shows it), and `view_state()`/`restore_view_state()`
        to keep what was typed across a rebuild."""
        holder = _Unbuilt(feature)
        self.tabs.addTab(holder, _(feature.label))
        self.feature_tabs[feature.name] = holder
        if self.isVisible():  # a rebuild; at start, counted once the window is painted (showEvent)
            self._count_badge(holder)

    def _count_badge(self, holder: _Unbuilt) -> None:
        if not holder.feature.badge:
            return
        badge = features.resolve(holder.feature.badge)
        holder.badges += 1
        asked, db = holder.badges, self.db

        def arrived(label: tuple[str, bool]) -> None:
            if isValid(holder) and holder.badges == asked and self.tabs.indexOf(holder) >= 0:
                self._set_tab_label(holder, *label)

        # A failure (a busy database) leaves the label as it was; the next notice counts again.
        run_in_background(holder, lambda progress: badge(db), on_done=arrived, on_error=lambda exc: None)

    def _build_tab(self, index: int) -> QWidget | None:
        """The tab at `index`, built now if it was not yet (it then takes the stand-in's place)."""
        holder = self.tabs.widget(index)
        if not isinstance(holder, _Unbuilt):
            return holder
        feature = holder.feature
        tab = features.resolve(feature.tab)(self.db, self.notice, actor=self.actor)
        current = self.tabs.currentIndex()
        blocked = self.tabs.blockSignals(True)  # the same tab stays current: no change to report
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, tab, _(feature.label))
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(blocked)
        holder.deleteLater()
        self.feature_tabs[feature.name] = tab
        if hasattr(tab, "label_changed"):
            tab.label_changed.connect(lambda text, alert, t=tab: self._set_tab_label(t, text, alert))
            self._set_tab_label(tab, *tab.current_label())
        if hasattr(tab, "resident_action"):
            tab.resident_action.connect(self.act_for_resident)
        if hasattr(tab, "item_opened"):
            tab.item_opened.connect(self.open_item)
        if hasattr(tab, "open_feature"):  # the overview's figures open the tab behind them
            tab.open_feature.connect(self.open_feature)
        if feature.name in self._kept_states:
            tab.restore_view_state(self._kept_states.pop(feature.name))
        return tab

    def tab_of(self, feature_name: str) -> QWidget:
        """The tab of the feature called `feature_name` (app/features.py), built if it was not yet."""
        return self._build_tab(self.tabs.indexOf(self.feature_tabs[feature_name]))

    def _view_states(self) -> dict:
        states = dict(self._kept_states)  # of tabs that were not built again since the last rebuild
        states.update({name: tab.view_state() for name, tab in self.feature_tabs.items()
                       if not isinstance(tab, _Unbuilt) and hasattr(tab, "view_state")})
        return states

    def _restore_view_states(self, states: dict) -> None:
        """Each tab gets its state back when it is built (the current one at once)."""
        self._kept_states = {name: state for name, state in states.items() if name in self.feature_tabs}
        for name in list(self._kept_states):
            if not isinstance(self.feature_tabs[name], _Unbuilt):
                self.feature_tabs[name].restore_view_state(self._kept_states.pop(name))

    def _display_name(self) -> str:
        """The signed-in person's full name for the status bar (their account name without one)."""
        from app.services import accounts

        try:
            account = accounts.own_account(self.db, actor=self.actor)
        except DeskError:
            account = None  # the database is busy: the account name will do
        return (account.display_name if account is not None else "") or self.actor.name

    def _update_title(self) -> None:
        name = centre.get_centre(self.db).name
        self.centre_name = name
        title = _("Neighbourhood Desk")
        self.setWindowTitle(f"{name} — {title}" if name else title)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(_("&File"))
        # The window opens on the overview: a name can still be typed at once, after Ctrl+F.
        file_menu.addAction(_("Find a resident"), self.find_resident).setShortcut(QKeySequence("Ctrl+F"))
        lock = file_menu.addAction(_("Lock"), self.lock)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        file_menu.addAction(_("Switch user…"), self.switch_user)
        file_menu.addAction(_("Change my password…"), self.change_password)
        file_menu.addSeparator()
        may_report = access.may(self.actor, access.REPORTS_MAKE)
        file_menu.addAction(_("Monthly report…"), lambda: self.open_report("monthly")).setEnabled(may_report)
        file_menu.addAction(_("Annual report…"), lambda: self.open_report("annual")).setEnabled(may_report)
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
        settings.addAction(_("Centre details…"), self.edit_centre).setEnabled(may_edit)
        for feature in features.FEATURES:
            for entry in feature.settings:
                settings.addAction(_(entry.label), lambda e=entry: features.resolve(e.open)(self)).setEnabled(
                    access.may(self.actor, entry.permission))
        settings.addAction(_("Holidays…"), self.edit_holidays).setEnabled(may_edit)
        settings.addSeparator()
        settings.addAction(_("Staff accounts…"), self.edit_staff).setEnabled(
            access.may(self.actor, access.USERS_MANAGE))
        settings.addAction(_("Audit trail…"), self.show_audit).setEnabled(
            access.may(self.actor, access.AUDIT_VIEW))
        settings.addAction(_("Remove old personal data…"), self.purge).setEnabled(
            access.may(self.actor, access.RECORDS_DELETE))
        settings.addAction(_("Lock after idle time…"), self.choose_idle_minutes)
        settings.addAction(_("Database server…"), self.edit_server).setEnabled(may_edit)

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
        states = self._view_states()
        self._build()
        self._restore_view_states(states)

    # -- who is at the desk ------------------------------------------------------------------
    def set_actor(self, actor: Actor) -> None:
        """Someone else signed in: rebuild so every tab acts as them, with their rights."""
        states = self._view_states() if actor.name == self.actor.name else {}
        self.actor = actor
        self._build()
        self._restore_view_states(states)

    def check_account(self) -> None:
        """Lock when the signed-in account was deactivated; take up a changed role."""
        from app.services import accounts

        if getattr(self, "_locked", False):
            return
        try:
            account = accounts.own_account(self.db, actor=self.actor)
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
        """Hide everything personal behind the sign-in box (accounts/lock_screen.py) until
        someone signs in: the same person finds everything as it was, anyone else a fresh window."""
        from app.views.accounts.lock_screen import LockScreen
        from app.views.accounts.login_dialog import LoginDialog

        if getattr(self, "_locked", False):
            return
        self._locked = True
        self.idle_timer.stop()
        screen = LockScreen(self, getattr(self, "centre_name", ""))
        dialog = None
        try:
            dialog = LoginDialog(self.db, self, locked_by=self.actor)
            self.locker = dialog
            dialog.exec()
        finally:
            self._locked = False
            self.locker = None
            someone_else = dialog is not None and dialog.actor is not None and dialog.actor != self.actor
            left_open = screen.covered_windows()
            screen.lift(restore_focus=not someone_else)
        if someone_else:
            # Someone else is at the desk: close what the previous person left open, unasked
            # (a staff or settings dialog would otherwise go on acting as them).
            for child in left_open:
                if isValid(child) and child.isVisible():
                    if isinstance(child, SavingDialog):
                        child.discard()
                    elif isinstance(child, QDialog):
                        child.reject()
                    else:
                        child.close()
            self.set_actor(dialog.actor)
        self.set_idle_minutes(self.idle_minutes)

    def switch_user(self) -> None:
        from app.views.accounts.login_dialog import LoginDialog

        dialog = LoginDialog(self.db, self)
        dialog.setWindowTitle(_("Switch user"))
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
        db, actor = self.db, self.actor
        writes.save(self, lambda: accounts.change_password(db, old, new, actor=actor),
                    on_saved=lambda _result: self.statusBar().showMessage(_("Your password was changed."), 5000))

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
        """Restore the chosen backup: a file is swapped, a server's rows are replaced."""
        from app.db import open_database
        from app.services import backup
        from app.views.accounts.data_care import choose_backup_to_restore
        from app.views.worker import wait_for_jobs

        chosen = choose_backup_to_restore(self, self.db)
        if chosen is None:
            return
        path, passphrase = chosen
        wait_for_jobs()
        url = self.db.engine.url.render_as_string(hide_password=False)
        if backup.is_server_database(self.db):
            self._restore_on_server(path, passphrase, url)
            return
        # A file: the database is closed, the file swapped, and opened again.
        db_file = self.db.engine.url.database
        self.db.dispose()
        result = None
        try:
            result = backup.restore(db_file, path, passphrase=passphrase, actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
        try:
            self.db = open_database(url)  # the restored one (its audit trail records the restore)
        except DeskError as exc:
            show_error(self, exc)
            self.close()  # nothing sensible can be shown without a database
            return
        if result is None:
            return
        self._build()
        self._everything_changed()
        QMessageBox.information(self, _("Restore from a backup"), _(
            "The backup was restored. The data as it was before is kept in {path}.").format(
                path=result.safety_copy or "—"))

    def _restore_on_server(self, path: str, passphrase: str | None, url: str) -> None:
        """No file to swap: the server's rows are replaced in one transaction, which at town scale
        takes a minute, so on the worker with the status bar's progress; the window takes no input
        meanwhile (the other desks see the old data until the transaction commits)."""
        from app.db import open_database
        from app.services import backup

        self.centralWidget().setEnabled(False)
        self.menuBar().setEnabled(False)
        progress = self._show_progress(_("Restoring… %p%"), _("Restoring from the backup…"))

        def settled() -> None:
            self.progress.hide()
            self.statusBar().clearMessage()
            self.centralWidget().setEnabled(True)
            self.menuBar().setEnabled(True)

        def failed(exc: BaseException) -> None:
            settled()
            show_error(self, exc)  # the data is as it was

        def finished(result) -> None:
            settled()
            self.db.dispose()
            self.db = open_database(url)
            self._build()
            self._everything_changed()
            QMessageBox.information(self, _("Restore from a backup"), _(
                "The backup was restored. The data as it was before is kept in {path}.").format(
                    path=result.safety_copy or "—"))

        run_in_background(self, lambda report: backup.restore_database(
            self.db, path, passphrase=passphrase, actor=self.actor, progress=report),
            on_done=finished, on_error=failed, on_progress=progress)

    def purge(self) -> None:
        from app.views.accounts.data_care import purge_old_records

        purge_old_records(self, self.db, self.actor)  # its write sends the notice

    def edit_staff(self) -> None:
        from app.views.accounts.staff_dialog import edit_staff

        edit_staff(self)

    def show_audit(self) -> None:
        from app.views.accounts.audit_viewer import AuditViewer

        AuditViewer(self.db, self.actor, self).exec()

    def edit_centre(self) -> None:
        edit_centre(self)  # its save sends the CENTRE notice, which renames the window

    def edit_holidays(self) -> None:
        """The shared calendar's holidays, which every deadline and closure counts with."""
        from app.views.settings.holidays_dialog import edit_holidays

        edit_holidays(self)

    def edit_server(self) -> None:
        """This desk's database: its own file or the centre's server (a restart switches)."""
        from app.views.settings.server_dialog import edit_server

        edit_server(self)

    def act_for_resident(self, feature_name: str, resident_id: int) -> None:
        """From the residents tab: hand this resident to another feature's tab."""
        tab = self.tab_of(feature_name)
        self.tabs.setCurrentWidget(tab)
        tab.for_resident(resident_id)

    def open_item(self, feature_name: str, ref: str) -> None:
        """A feature's item clicked elsewhere (in a resident's detail pane): its tab shows it."""
        tab = self.tab_of(feature_name)
        self.tabs.setCurrentWidget(tab)
        tab.open_item(ref)

    def find_resident(self) -> None:
        tab = self.tab_of("residents")
        self.tabs.setCurrentWidget(tab)
        tab.search.box.setFocus()
        tab.search.box.selectAll()  # typing replaces the last search

    def open_feature(self, feature_name: str, filter_code: str = "") -> None:
        """A figure of the overview clicked: the feature's tab, showing `filter_code` when it has filters."""
        if feature_name not in self.feature_tabs:  # a feature this program does not have (yet)
            return
        tab = self.tab_of(feature_name)
        self.tabs.setCurrentWidget(tab)
        if filter_code and hasattr(tab, "show_filter"):
            tab.show_filter(filter_code)

    def open_report(self, kind: str) -> None:
        from app.views.overview.report_dialog import ReportDialog

        ReportDialog(self.db, self, actor=self.actor, kind=kind).exec()

    def _set_tab_label(self, tab: QWidget, text: str, alert: bool) -> None:
        """A tab's label may say what must not be missed (e.g. what is overdue), in red."""
        index = self.tabs.indexOf(tab)
        self.tabs.setTabText(index, text)
        self.tabs.tabBar().setTabTextColor(index, QColor("#b71c1c") if alert else QColor())

    def about(self) -> None:
        parts = _(", ").join(_(feature.label) for feature in features.FEATURES  # what exists, no promises
                             if feature is not features.OVERVIEW)  # a view of the others, not a part
        QMessageBox.about(self, _("About Neighbourhood Desk"), _(
            "<h3>Neighbourhood Desk {version}</h3>"
            "<p>The front desk of a neighbourhood centre: {parts}. Works offline.</p>"
            "<p>Database: {db}</p>").format(version=__version__, parts=html.escape(parts),
                                            db=html.escape(self.db.label)))

    def _everything_changed(self) -> None:
        """After a restore or the demo: every topic, so every tab refreshes itself."""
        for what in (*notices.SETTINGS_TOPICS, *(f.topic for f in features.FEATURES)):
            self.notice.changed.emit(what)

    def _on_notice(self, what: str) -> None:
        if what == notices.CENTRE:
            self._update_title()
        self._count_badges()

    def _count_badges(self) -> None:
        for holder in self.feature_tabs.values():  # a built tab keeps its own label
            if isinstance(holder, _Unbuilt):
                self._count_badge(holder)

    def _input_seen(self) -> None:
        """Every key press or mouse movement restarts the idle lock's count."""
        if self.idle_timer.interval() > 0:
            self.idle_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_warming", False):
            self._warming = True
            QTimer.singleShot(BADGE_DELAY_MS, lambda: isValid(self) and self._count_badges())
            # Once the window is up and painted, the worker loads what the first print or import
            # needs, so that click does not stall the window (features.warm_up); then what start-up
            # made is frozen for the garbage collector (views/gui.py).
            QTimer.singleShot(WARM_UP_MS, lambda: isValid(self) and run_in_background(
                self, lambda _progress: features.warm_up(), on_done=lambda _result: _freeze_start_up(),
                on_error=lambda _exc: _freeze_start_up()))

    def _show_progress(self, bar_format: str, message: str):
        """The status bar's progress bar for a job on the worker; returns its progress(done, total)."""
        self.progress.setRange(0, 0)
        self.progress.setFormat(bar_format)
        self.progress.show()
        self.statusBar().showMessage(message)

        def progress(done: int, total: int) -> None:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

        return progress

    # -- first start ---------------------------------------------------------------------------
    def fill_demo_data(self) -> None:
        """Fill a new database with village demo data, in the background."""
        from app.services import demo

        progress = self._show_progress(_("Adding demo data… %p%"), _("Adding demo data…"))

        def done(summary) -> None:
            self.progress.hide()
            self.statusBar().showMessage(_("Demo data added: {parts}.").format(parts=summary.describe()), 8000)
            self._update_title()
            self._everything_changed()  # every feature's demo data

        def failed(exc) -> None:
            self.progress.hide()
            self.statusBar().clearMessage()
            show_error(self, exc)

        run_in_background(self, lambda report: demo.fill_demo(self.db, "village", progress=report,
                                                                  actor=self.actor),
                          on_done=done, on_error=failed, on_progress=progress)

    def check_database(self, then=None) -> None:
        """SQLite's quick check of the open database, on the worker (it reads the whole file, so
        start-up leaves it until the window is up); a damaged database closes the window, saying to
        restore the latest backup, before anything is written to it. `then()` follows a pass."""
        def damaged(exc) -> None:
            self.close()
            QMessageBox.critical(None, _("Neighbourhood Desk"), getattr(exc, "message", str(exc)))

        run_in_background(self, lambda _progress: self.db.check_integrity(),
                          on_done=lambda _result: then and then(), on_error=damaged)

    def daily_backup(self) -> None:
        """Today's automatic backup of this database (remade when it changed since), in the background."""
        from app.services import backup

        def failed(exc) -> None:
            self.statusBar().showMessage(_("The automatic backup failed: {error}").format(
                error=getattr(exc, "message", exc)))

        run_in_background(self, lambda progress: backup.auto_backup(self.db), on_error=failed)

    def closeEvent(self, event) -> None:
        with contextlib.suppress(RuntimeError):  # closed twice
            activity().input_seen.disconnect(self._input_seen)
        self.idle_timer.stop()
        self.ui_settings.setValue("window/geometry", self.saveGeometry())
        self.ui_settings.sync()
        super().closeEvent(event)
