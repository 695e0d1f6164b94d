"""Starting the window: Qt application, fonts, translations, error handling."""
from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.errors import DatabaseError
from app.i18n import _, normalise_language, set_language
from app.paths import resource_path
from app.views.shared.forms import INVALID_STYLE

log = logging.getLogger(__name__)
FONT_FILE = ("fonts", "wqy-microhei.ttc")
# Preferred interface fonts; the bundled one guarantees Chinese glyphs anywhere.
FONT_FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC"]

_translators: list[QTranslator] = []


def register_fonts() -> list[str]:
    """Register the bundled fonts with Qt; returns their family names: the Chinese font's,
    then the rare-character fallbacks' (生僻字, CJK Ext-A and Ext-B to F; resources/fonts/README.md),
    which the window lists last so a PC without such a font still shows every name."""
    families: list[str] = []
    for parts in (FONT_FILE, ("fonts", "RareHanA.ttf"), ("fonts", "RareHanB.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(resource_path(*parts)))
        if font_id >= 0:
            families += [f for f in QFontDatabase.applicationFontFamilies(font_id) if f not in families]
    return families


def install_translations(app: QApplication, lang: str) -> str:
    """Switch our catalogue and Qt's own (dialog buttons) to `lang`."""
    lang = set_language(lang)
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    if lang != "en":
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name in ("qtbase", "qt"):
            translator = QTranslator(app)
            if translator.load(QLocale(lang), name, "_", qt_dir):
                app.installTranslator(translator)
                _translators.append(translator)
                break
    QLocale.setDefault(QLocale(lang))
    return lang


YOUNG_MS = 50  # the young generation is collected this often (a few ms at most)
OLDER_S = 2  # ... the middle one every 2 s — but not while a job runs, unless for BUSY_OLDER_S
BUSY_OLDER_S = 30
FULL_IDLE_S = 5  # a full collection waits for this long without a key press or click, or a job running,
FULL_EVERY_S = 60  # ... comes at most once a minute,
FULL_LATEST_S = 600  # ... and at the latest after ten minutes, idle or not (memory stays bounded)
START_S = 60  # nothing is collected until start-up is frozen: by the window, or after this long


class _GarbageCollector(QObject):
    """Python's cycle collector runs on whichever thread happens to allocate; if it frees a
    Qt object on a worker thread, Qt crashes. So automatic collection is off and the GUI
    thread collects instead: the young generation often (cheap: only what is new and alive), the
    middle one every few seconds, everything only when the desk is idle, since a full pass over a
    town's objects stalls the window for 50-400 ms. While a job runs, what it builds up (a 10k-row
    import: rows, records) survives into the middle generation, whose collection then took 60 ms;
    it waits for the job's end, when most of that is gone (freed as the job drops it). What start-up
    made (modules, the window) is frozen once the window is up, so no pass walks it again; until
    then nothing is collected: the start makes a few hundred objects of cyclic garbage among
    450,000, and each young pass over them cost 15-20 ms of the start, a pass at the freeze 180 ms.
    A rebuilt window thaws it, for the old tabs to be collected (a full pass, then frozen anew)."""

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.started = self.last_full = self.last_older = self.last_busy = time.monotonic()
        self.freeze_due = False
        self.starting = True  # start-up not frozen yet (nor START_S over)
        self.thawed = False  # what is to be frozen includes a rebuilt window's old tabs
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(YOUNG_MS)

    def idle(self, now: float, seconds: float) -> bool:
        # Quiet since the last input and the last job: a job that ends shows its result, which
        # the person looks at and acts on (a 10k import waited for without a click is not idle).
        from app.views.activity import activity

        return now - max(activity().last_input, self.last_busy) >= seconds

    def tick(self) -> None:
        from app.views.worker import busy

        now = time.monotonic()
        if busy():
            self.last_busy = now
        since_full, since_older = now - self.last_full, now - self.last_older
        if self.starting and (self.freeze_due or now - self.started >= START_S):
            # As it is: the start's few hundred cyclic objects stay, the 180 ms pass is saved. After
            # START_S with no window to freeze it (a sign-in left open), rather than one young pass
            # over all of it.
            gc.freeze()
            self.freeze_due = self.starting = False
        elif self.starting:
            pass  # nothing is collected while the desk starts
        elif self.freeze_due and (self.idle(now, 1) or since_full >= FULL_EVERY_S):
            if self.thawed:  # garbage first, as what is frozen is never examined again: the old tabs
                gc.collect()
                self.last_full = now
            else:
                gc.collect(1)
            gc.freeze()
            self.freeze_due = self.thawed = False
        elif since_full >= FULL_LATEST_S or (since_full >= FULL_EVERY_S and self.idle(now, FULL_IDLE_S)):
            gc.collect()
            self.last_full = self.last_older = now
        elif since_older >= BUSY_OLDER_S or (since_older >= OLDER_S and not busy()):
            gc.collect(1)
            self.last_older = now
        else:
            gc.collect(0)

    def freeze_start_up(self) -> None:
        """Freeze what exists at the next tick (the window shown, its first data loaded, what a
        first click needs loaded: main_window's warm-up)."""
        self.freeze_due = True

    def thaw(self) -> None:
        """The window rebuilt its tabs: the old ones may be frozen; collect them, then freeze anew."""
        if gc.get_freeze_count():
            gc.unfreeze()
            self.freeze_due = self.thawed = True


def _collect_garbage_on_the_gui_thread(app: QApplication) -> _GarbageCollector:
    if getattr(app, "_garbage", None) is None:
        gc.disable()
        app._garbage = _GarbageCollector(app)
    return app._garbage


def garbage_collector() -> _GarbageCollector | None:
    app = QApplication.instance()
    return getattr(app, "_garbage", None)


# How long a worker thread running Python may keep the interpreter lock when the window asks for it
# (Python's default is 5 ms): every paint or timer that runs Python waits up to this long while a job
# runs, and one repaint runs Python several times. 1 ms keeps the window smooth; jobs lose a little.
SWITCH_INTERVAL_S = 0.001


def create_application(argv: list[str] | None = None) -> QApplication:
    # Qt's raster engine hands a large fill (a scroll bar's gradient, a grid's background) to a pool of
    # threads and waits for them: on a desk PC's two cores the hand-off cost more than the fill (about
    # 0.4 ms of a keystroke's repaint). Read by Qt once, before the first paint.
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    _collect_garbage_on_the_gui_thread(app)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    bundled = register_fonts()
    font = QFont(app.font())
    font.setFamilies(FONT_FAMILIES + bundled)
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    app.setStyleSheet(INVALID_STYLE)
    return app


def _log_to_file() -> None:
    from app.paths import data_dir

    if any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers):
        return  # once per process
    log_file = data_dir() / "desk.log"
    try:  # readable by the user only
        log_file.touch(mode=0o600, exist_ok=True)
        log_file.chmod(0o600)
    except OSError:
        pass
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _excepthook(exc_type, exc, tb) -> None:
    # An unexpected error is logged and reported in words, never as a traceback.
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    from app.views.shared.forms import show_error

    show_error(QApplication.activeWindow(), exc)


SIGNED_IN_TO = "signIn/database"  # desk.ini: this computer's database file someone last signed in to


def run_gui(url: str | None, lang: str | None, ui_settings_path: Path | None = None) -> int:
    """`url` None: the desk's own choice (Settings → Database server…), see open_start_database."""
    from app.views.ui_settings import open_ui_settings

    _log_to_file()
    app = create_application()
    settings = open_ui_settings(ui_settings_path)
    install_translations(app, normalise_language(lang or settings.value("language") or None))
    sys.excepthook = _excepthook
    local = this_computers_database(url)
    if local is not None and settings.value(SIGNED_IN_TO) == local:
        signed_in = sign_in_before_opening(local)
        if isinstance(signed_in, int):
            return signed_in
        db, actor = signed_in
    else:
        db = open_start_database(url)
        if db is None:
            return 2
        actor = sign_in(db)
        if actor is None:  # the person closed the sign-in dialog
            db.dispose()
            return 0
    if local is not None:
        settings.setValue(SIGNED_IN_TO, local)
    seed_defaults(db)
    from app.views.main_window import MainWindow  # loaded while the sign-in dialog waited

    window = MainWindow(db, settings, on_language=lambda code: install_translations(app, code), actor=actor)
    if window.ui_settings.value("window/geometry") is None:
        window.showMaximized()  # first start: use the whole screen
    else:
        window.show()
    if db.created:
        window.fill_demo_data()
    else:
        window.check_database(then=window.daily_backup)
    code = app.exec()
    from app.views.worker import wait_for_jobs

    wait_for_jobs()
    _backup_on_close(window.db)  # the window's: a restore may have reopened it
    window.db.dispose()
    return code


def this_computers_database(url: str | None) -> str | None:
    """The address of the SQLite file the window starts on; None when it starts on a server."""
    from app.paths import default_database_path, sqlite_url
    from app.services import server

    if url is None:
        return None if server.load_settings() is not None else sqlite_url(default_database_path())
    return url if url.startswith("sqlite:") else None


def sign_in_before_opening(url: str):
    """Sign in to this computer's database file with the dialog painted first, the file opened
    150 ms later (prepare_main_window): the database stack, about 0.2 s of the start, then loads
    while the person types instead of before the dialog shows. Only once someone has signed in to
    this file (SIGNED_IN_TO): a first start opens it first, as it may need the administrator set up.
    Returns (db, actor), or the exit code: 0 when the dialog was closed, 2 when the file could not
    be opened (the person was told why)."""
    from app.views.accounts.login_dialog import LoginDialog

    dialog = LoginDialog(None)
    state: dict = {"error": None, "first": False}

    def open_file() -> bool:
        """Open the file, once; False when the dialog closes instead: the file could not be opened,
        or it has no staff (emptied or replaced since): the administrator is set up as on a first start."""
        if dialog.db is None and state["error"] is None:
            from app.db import open_database
            from app.services import access

            try:
                dialog.db = open_database(url, quick_check=False)
            except DatabaseError as exc:
                state["error"] = exc.message
            else:
                state["first"] = access.needs_first_administrator(dialog.db)
        if state["error"] is not None or state["first"]:
            dialog.reject()
            return False
        return True

    dialog.open_database = open_file  # OK pressed within the first 150 ms opens it at once
    prepare_main_window(dialog, opening=open_file)
    actor = dialog.actor if dialog.exec() else None
    db = dialog.db
    if state["error"] is not None:
        QMessageBox.critical(None, _("Neighbourhood Desk"), state["error"])
        return 2
    if state["first"]:
        actor = sign_in(db)
    if actor is None:  # the person closed the sign-in dialog
        if db is not None:
            db.dispose()
        return 0
    return db, actor


def open_start_database(url: str | None):
    """The database the window starts with, or None once the person was told why. Without a URL:
    the centre's server when this desk is set up for one — if it cannot be used, the person may
    retry, change the server settings or quit, and the desk never falls back to a file of its own —
    else this computer's SQLite file. The quick check runs on the worker once the window is up."""
    from app.db import open_database
    from app.paths import default_database_path, sqlite_url
    from app.services import server

    while True:
        chosen = server.load_settings() if url is None else None
        try:
            if chosen is None:
                return open_database(url or sqlite_url(default_database_path()), quick_check=False)
            return open_database(server.url_for(chosen, server.password_for(chosen)), quick_check=False)
        except server.ServerError as exc:  # the password could not be read
            message = exc.message
        except DatabaseError as exc:
            if chosen is None:
                QMessageBox.critical(None, _("Neighbourhood Desk"), exc.message)
                return None
            message = server.open_failure(exc, chosen)
        from app.views.settings.server_dialog import ask_when_unreachable

        if not ask_when_unreachable(message, chosen):
            return None


def seed_defaults(db) -> None:
    """What a new centre starts with (default tags, lists of kinds …), which the
    administrator then edits: each feature's seed, added only where it is missing."""
    from app import features
    from app.services import access

    system = access.Actor("system", access.ADMINISTRATOR)
    for feature in features.FEATURES:
        if feature.seed:
            features.resolve(feature.seed)(db, actor=system)


class _ErrorCount(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def self_test(url: str, seconds: float) -> int:
    """`self-test`: the window as the command line's user (the desk role, as every command), built
    offscreen — never on a screen — with every tab shown once, closed after `seconds`. Exit 0
    when nothing was logged as an error, 1 otherwise (the bundle's smoke test runs it)."""
    import os

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _log_to_file()
    errors = _ErrorCount()
    logging.getLogger().addHandler(errors)
    hook, sys.excepthook = sys.excepthook, (
        lambda kind, exc, tb: log.error("unexpected error", exc_info=(kind, exc, tb)))
    try:
        return _open_and_close(url, seconds, errors)
    finally:
        sys.excepthook = hook
        logging.getLogger().removeHandler(errors)


def _open_and_close(url: str, seconds: float, errors: _ErrorCount) -> int:
    from app.db import open_database

    app = create_application()
    install_translations(app, "zh_CN")
    try:
        db = open_database(url)
    except DatabaseError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        tabs = _show_every_tab(app, db, seconds)
    except Exception as exc:  # a window that cannot even be built fails the test in words
        log.error("unexpected error", exc_info=exc)
        tabs = 0
    finally:
        from app.views.worker import wait_for_jobs

        wait_for_jobs()
        db.dispose()
    if errors.messages:
        for message in errors.messages:
            print(" ".join(message.splitlines()), file=sys.stderr)
        return 1
    print(_("Self-test passed: the window opened with {count} tabs and logged no error.").format(count=tabs))
    return 0


def _show_every_tab(app: QApplication, db, seconds: float) -> int:
    import tempfile

    from app.services import access
    from app.views.main_window import MainWindow
    from app.views.ui_settings import open_ui_settings

    seed_defaults(db)
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(db, open_ui_settings(Path(folder) / "ui.ini"), actor=access.current_os_actor())
        window.resize(1280, 760)
        window.show()
        steps = [lambda i=i: window.tabs.setCurrentIndex(i) for i in range(window.tabs.count())]
        for n, step in enumerate(steps):
            QTimer.singleShot(200 * (n + 1), step)
        # A loop of its own, not app.exec()/quit(): quitting the application ends its life
        # for good (queued signals of later work would never arrive in the same process).
        loop = QEventLoop()
        QTimer.singleShot(int(max(seconds, 0.2 * (len(steps) + 1)) * 1000), loop.quit)
        loop.exec()
        window.grab()  # paints every widget of the last tab once more
        window.close()
        return window.tabs.count()


def sign_in(db):
    """The first start sets up the administrator (no default password); later starts sign in.
    While the dialog waits for the password, the main window is made ready to open."""
    from app.services import access
    from app.views.accounts.login_dialog import FirstAdministratorDialog, LoginDialog

    dialog = FirstAdministratorDialog(db) if access.needs_first_administrator(db) else LoginDialog(db)
    prepare_main_window(dialog)
    return dialog.actor if dialog.exec() else None


PREPARE_AFTER_MS = 150  # the sign-in dialog is painted first; nobody types a password that fast


def prepare_main_window(dialog: QObject, opening=None) -> None:
    """What opening the main window would do first, done while `dialog` (the sign-in) waits for a
    person to type: `opening` (the database file, see sign_in_before_opening), the window's modules
    and its first tab's, the features' services (each seeds its lists after OK), the ORM's set-up
    (the overview reads through it) and the dates' locale data: about 0.1 s less between OK and the
    window with its figures. The dialog itself needs none of it (it opens about 0.15 s sooner
    without it). One step a timer tick on the GUI thread (each 10–80 ms, before anyone types much;
    opening the file about 0.2 s), so the dialog never waits long; steps not done when the dialog
    closes are done as the window opens."""
    from app import features

    first = next(f for f in features.FEATURES if f.tab)

    def models() -> None:
        import app.models  # noqa: F401

    def services() -> None:
        from app.services import accounts, centre, residents  # noqa: F401  (signing in, the window's first reads)

    def window_modules() -> None:
        import app.views.main_window  # noqa: F401

    def orm() -> None:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()

    def dates() -> None:
        import datetime as dt

        from app.i18n import format_date, format_number

        format_date(dt.date.today(), "EEEE, MMMM d")
        format_number(1)

    def seeds() -> None:  # their services, for seed_defaults after OK
        for feature in features.FEATURES:
            if feature.seed:
                features.resolve(feature.seed)

    steps = [models, services, window_modules, lambda: features.resolve(first.tab), seeds, orm, dates]
    if opening is not None:
        steps.insert(0, opening)

    def step() -> None:
        if steps:
            steps.pop(0)()
            QTimer.singleShot(0, dialog, step)

    QTimer.singleShot(PREPARE_AFTER_MS, dialog, step)


def _backup_on_close(db) -> None:
    """The day's backup on closing; a failure is logged, never shown as a crash."""
    from app.errors import DeskError
    from app.services import backup

    try:
        backup.backup_on_close(db)
    except DeskError as exc:
        log.warning("backup on close failed: %s", exc.message)
