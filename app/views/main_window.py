"""The main window: tabs, menus, status bar. Rebuilt in place when the
interface language changes."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QTabWidget

from app import APP_NAME, __version__
from app.db import Database
from app.i18n import LANGUAGES, _, current_language, format_number
from app.services import centre
from app.views import notices
from app.views.residents.tab import ResidentsTab
from app.views.settings.centre_dialog import CentreDialog
from app.views.settings.grids_dialog import GridsDialog
from app.views.settings.tags_dialog import TagsDialog
from app.views.shared.forms import show_error
from app.views.worker import run_in_background


class MainWindow(QMainWindow):
    def __init__(self, db: Database, ui_settings: QSettings, on_language=None):
        super().__init__()
        self.db = db
        self.ui_settings = ui_settings
        self.on_language = on_language  # callback(lang) that installs translations
        self.notice = notices.Notices(self)
        self.notice.changed.connect(self._on_notice)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.db_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.db_label)
        self._build()
        geometry = ui_settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 760)

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self._update_title()
        self.db_label.setText(_("Database: {name}").format(name=self.db.label))
        old = self.centralWidget()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.residents_tab = ResidentsTab(self.db, self.notice)
        self.tabs.addTab(self.residents_tab, _("Residents"))
        self.setCentralWidget(self.tabs)
        if old is not None:
            old.deleteLater()
        self._build_menus()
        self.residents_tab.setFocus()

    def _update_title(self) -> None:
        name = centre.get_centre(self.db).name
        title = _("Neighbourhood Desk")
        self.setWindowTitle(f"{name} — {title}" if name else title)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(_("&File"))
        quit_action = file_menu.addAction(_("&Quit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        settings = bar.addMenu(_("&Settings"))
        settings.addAction(_("Centre details…"), self.edit_centre)
        settings.addAction(_("Grids…"), self.edit_grids)
        settings.addAction(_("Tags…"), self.edit_tags)

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

    def edit_centre(self) -> None:
        if CentreDialog(self.db, self).exec():
            self._update_title()
            self.notice.changed.emit(notices.CENTRE)

    def edit_grids(self) -> None:
        dialog = GridsDialog(self.db, self)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.GRIDS)

    def edit_tags(self) -> None:
        dialog = TagsDialog(self.db, self)
        dialog.exec()
        if dialog.changed:
            self.notice.changed.emit(notices.TAGS)

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
            self.statusBar().showMessage(_("Demo data added: {count} residents.").format(
                count=format_number(summary.residents)), 8000)
            self._update_title()
            self.notice.changed.emit(notices.RESIDENTS)

        def failed(exc) -> None:
            self.progress.hide()
            self.statusBar().clearMessage()
            show_error(self, exc)

        run_in_background(self, lambda report: demo.fill_demo(self.db, "village", progress=report),
                          on_done=done, on_error=failed, on_progress=progress)

    def daily_backup(self) -> None:
        """Today's automatic backup (once a day), in the background."""
        from app.services import backup

        def failed(exc) -> None:
            self.statusBar().showMessage(_("The automatic backup failed: {error}").format(
                error=getattr(exc, "message", exc)))

        run_in_background(self, lambda progress: backup.auto_backup(self.db), on_error=failed)

    def closeEvent(self, event) -> None:
        self.ui_settings.setValue("window/geometry", self.saveGeometry())
        self.ui_settings.sync()
        super().closeEvent(event)
