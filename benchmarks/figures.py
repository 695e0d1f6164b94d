"""The figures of issue 12, one function each, run one per process by `python -m benchmarks`.

Run alone: python benchmarks/figures.py FIGURE [--scale town] [--rounds N] [--quick]
It prints one JSON line per measured row: figure, scale, baseline, measured, unit, target.
The program is driven through what a person uses (the signed-in window, the search box, the
tab bar, menus, dialog buttons) and service functions that every version has, so the figures
stay comparable while the program's insides change. `DESK_BENCH_ROOT` names the checkout.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import ROOT, SCALES, demo_database  # noqa: E402

HERE = Path(__file__).resolve().parent
# Realistic searches, typed one character at a time (the same as benchmarks/search.py).
QUERIES = ["chen", "cailiangjian", "clj", "shanxiong", "lin", "zhang", "wxm", "陈", "林秀", "5678",
           "350581", "1234", "huang", "ouyang", "zs", "xie", "q", "z"]
ROWS: list[dict] = []


def emit(figure: str, scale: str, baseline: float | None, measured: float | None, unit: str, target: str,
         note: str = "") -> None:
    row = dict(figure=figure, scale=scale, baseline=baseline, measured=measured, unit=unit, target=target,
               note=note)
    print("ROW " + json.dumps(row, ensure_ascii=False), flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def working_copy(scale: str) -> Path:
    """A private copy of the cached demo database: a checkout may migrate or write to it."""
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    target = folder / f"{scale}.sqlite3"
    shutil.copyfile(demo_database(scale), target)
    return target


# -- driving the window ------------------------------------------------------------------------
def wait_until(condition, timeout_s: float = 60.0, poll_ms: int = 2) -> None:
    """Run the event loop (a real QEventLoop, not processEvents) until `condition()` holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    failed = []

    def poll() -> None:
        if condition():
            loop.quit()
        elif time.perf_counter() > deadline:
            failed.append(True)
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(poll_ms)
    loop.exec()
    timer.stop()
    if failed:
        raise TimeoutError(f"waited {timeout_s:.0f} s for {getattr(condition, '__name__', 'a condition')}")


def spin(ms: int) -> None:
    """Let the event loop run for `ms` milliseconds (what happens between a person's actions)."""
    end = time.perf_counter() + ms / 1000
    wait_until(lambda: time.perf_counter() >= end, timeout_s=ms / 1000 + 5)


def later(fn) -> None:
    """Do `fn` from the event loop, as a click would: a modal dialog it opens runs its own loop."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, fn)


def busy() -> bool:
    from app.views import worker

    return worker.busy()


def desk_application():
    from app.views.gui import create_application, install_translations

    if os.environ.get("DESK_BENCH_TRACE") == "events":
        _timed_application()
    app = create_application()
    install_translations(app, "zh_CN")
    return app


def _timed_application():
    """DESK_BENCH_TRACE=events: an application that times every event it delivers and prints (stderr)
    the ones over 20 ms with their receiver: time spent in Qt's C++ that no Python stack shows."""
    from PySide6.QtWidgets import QApplication

    class Timed(QApplication):
        depth = 0

        def notify(self, receiver, event):
            Timed.depth += 1
            start = time.perf_counter()
            try:
                return super().notify(receiver, event)
            finally:
                Timed.depth -= 1
                took = (time.perf_counter() - start) * 1000
                if took > 20:
                    print(f"EVENT {took:6.1f} ms depth {Timed.depth} {event.type().name} → "
                          f"{type(receiver).__name__} {receiver.objectName()}", file=sys.stderr)

    return Timed([sys.argv[0]])


def signed_in_window(db_path: Path, residents: bool = True):
    """The main window as it opens after sign-in, shown with its first tab ready; then, unless
    `residents` is false, the residents tab opened with its list filled (where most keys are typed)."""
    from app.db import open_database, sqlite_url
    from app.i18n import _
    from app.services.access import ADMINISTRATOR, Actor
    from app.views.main_window import MainWindow
    from app.views.ui_settings import open_ui_settings

    db = open_database(sqlite_url(db_path))
    window = MainWindow(db, open_ui_settings(db_path.with_suffix(".ini")), actor=Actor("bench", ADMINISTRATOR))
    window.resize(1280, 760)
    window.show()
    wait_until(lambda: first_tab_ready(window))
    if residents and not residents_ready(window):
        show_tab(window, _("Residents"))
        wait_until(lambda: residents_ready(window))
    return window


def first_tab_ready(window) -> bool:
    """The tab the window opens on shows its data: the residents list (a checkout that opens on
    it) or the overview's figures (issue 18 made the overview the first tab)."""
    if residents_ready(window):
        return True
    tab = getattr(window, "tabs", None)
    current = tab.currentWidget() if tab is not None else None
    return current is not None and getattr(current, "current", None) is not None


def search_box(window):
    from PySide6.QtWidgets import QLineEdit

    return window.findChild(QLineEdit, "residentSearchBox")


def residents_grid(window):
    """The grid beside the residents' search box."""
    from PySide6.QtWidgets import QTableView

    box = search_box(window)
    if box is None:
        return None
    grids = box.parentWidget().findChildren(QTableView)
    return grids[0] if grids else None


def residents_ready(window) -> bool:
    box, grid = search_box(window), residents_grid(window)
    return bool(box is not None and box.isVisible() and box.isEnabled() and grid is not None
                and grid.model() is not None and grid.model().rowCount() > 0)


def show_tab(window, label_start: str) -> None:
    """Click the tab whose label starts with `label_start` (a label may carry counts)."""
    from PySide6.QtWidgets import QTabWidget

    tabs = window.findChild(QTabWidget)
    bar = tabs.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i).startswith(label_start))
    bar.setCurrentIndex(index)
    wait_until(lambda: tabs.currentIndex() == index)


def counter_ready(window) -> bool:
    from PySide6.QtWidgets import QLineEdit

    box = window.findChild(QLineEdit, "ticketSearchBox")
    return box is not None and box.isVisible() and not busy()


def modal(kind=None):
    from PySide6.QtWidgets import QApplication

    widget = QApplication.activeModalWidget()
    return widget if widget is not None and (kind is None or isinstance(widget, kind)) else None


class StallMeter:
    """A timer ticking every few ms on the GUI thread; the gaps between ticks are the stalls."""

    def __init__(self, tick_ms: int = 4):
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.tick_ms = tick_ms
        self.ticks: list[tuple[float, float]] = []  # (when, gap since the tick before)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append((now, (now - self.last) * 1000))
        self.last = now

    def start(self) -> None:
        self.ticks.clear()
        self.started = self.last = time.perf_counter()
        self.timer.start(self.tick_ms)
        if os.environ.get("DESK_BENCH_TRACE"):
            self._trace_start()

    def stop(self) -> float:
        """Stops; returns the longest gap (ms), counting the one still open at the stop."""
        self._tick()
        self.timer.stop()
        if getattr(self, "_tracing", False):
            self._trace_stop()
        return self.longest()

    # DESK_BENCH_TRACE=1: a watcher thread samples the GUI thread's stack while a gap is open
    # (over 30 ms), and stop() prints where the stalls were spent (stderr): a profile, not a guess.
    def _trace_start(self) -> None:
        import gc
        import threading

        started = {}

        def collected(phase, info) -> None:
            if phase == "start":
                started["t"] = time.perf_counter()
            elif "t" in started:
                took = (time.perf_counter() - started.pop("t")) * 1000
                if took > 5:
                    print(f"TRACE gc gen {info['generation']} {took:6.1f} ms at {time.perf_counter():.3f} "
                          f"thread {threading.current_thread().name}", file=sys.stderr)
        if not getattr(StallMeter, "_gc_traced", False):
            StallMeter._gc_traced = True
            gc.callbacks.append(collected)

        self._tracing, self._gaps = True, {}
        gui = threading.get_ident()

        def watch() -> None:
            import traceback

            while self._tracing:
                time.sleep(0.002)
                opened = self.last
                if time.perf_counter() - opened > 0.02:
                    frame = sys._current_frames().get(gui)
                    if frame is not None:
                        stack = traceback.extract_stack(frame)[-10:]
                        self._gaps.setdefault(opened, []).append(" < ".join(
                            f"{f.name}({Path(f.filename).name}:{f.lineno})" for f in reversed(stack)))
        self._watcher = threading.Thread(target=watch, daemon=True)
        self._watcher.start()

    def _trace_stop(self) -> None:
        import collections

        self._tracing = False
        self._watcher.join()
        longest = sorted(self._gaps.items(), key=lambda item: -len(item[1]))[:3]
        for when, gap in sorted(self.ticks, key=lambda t: -t[1])[:5]:
            print(f"TRACE gap {gap:6.1f} ms ended at {when:.3f}", file=sys.stderr)
        for opened, samples in longest:
            print(f"TRACE gap at {opened - self.started:6.2f} s ({opened:.3f}): {len(samples)} samples of 2 ms",
                  file=sys.stderr)
            for stack, count in collections.Counter(samples).most_common(6):
                print(f"TRACE   {count:4d}  {stack}", file=sys.stderr)
        print("TRACE ----", file=sys.stderr)

    def longest(self) -> float:
        return max((gap for _when, gap in self.ticks), default=0.0)

    def per_second_longest(self) -> list[float]:
        seconds: dict[int, float] = {}
        for when, gap in self.ticks:
            second = int(when - self.started)
            seconds[second] = max(seconds.get(second, 0.0), gap)
        return [seconds[s] for s in sorted(seconds)]


def drive(steps, timeout_s: float = 300.0) -> None:
    """Run the generator `steps` from the event loop: it acts (through `later`) and yields the
    condition to wait for before its next step."""
    state = {"wait": lambda: True, "done": False}

    def advance() -> bool:
        try:
            while state["wait"]():
                state["wait"] = next(steps)
        except StopIteration:
            state["done"] = True
        return state["done"]

    wait_until(advance, timeout_s=timeout_s, poll_ms=10)


def settled(ms: int = 250):
    """A condition: no job on the worker for `ms` milliseconds (work that follows a job's result)."""
    quiet = {"since": None}

    def condition() -> bool:
        if busy():
            quiet["since"] = None
            return False
        quiet["since"] = quiet["since"] or time.perf_counter()
        return time.perf_counter() - quiet["since"] >= ms / 1000
    return condition


def job_stall(window, steps) -> tuple[float, float]:
    """Longest stall while `steps` runs to completion, and over the idle window for as long."""
    meter = StallMeter()
    meter.start()
    drive(steps)
    measured, took = meter.stop(), time.perf_counter() - meter.started
    meter.start()
    spin(int(took * 1000))
    return meter.stop(), measured


# -- 1. start-up -----------------------------------------------------------------------------------
def startup(scale: str, rounds: int) -> None:
    """Start → signed-in window painted with its first tab's data shown (the overview's figures),
    a fresh Python each round (what a person waits for after typing the password); baseline: a
    bare PySide6 QMainWindow with one QTabWidget tab, launched the same way; beside it the stack's
    floor (that bare window after importing the ORM and the models). Rounds interleave."""
    db_path = working_copy(scale)
    child = [sys.executable, str(HERE / "startup_child.py")]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed program has its bytecode

    def once(mode: str) -> list[float]:
        """The times the child printed, the first from the start."""
        start = time.time()
        out = subprocess.run([*child, mode, str(db_path)], capture_output=True, text=True, env=env,
                             cwd=str(ROOT), check=True)
        times = [float(line) for line in out.stdout.split()]
        return [times[0] - start, *(t - times[0] for t in times[1:])]

    # Staff set up and signed in before, as on every start after the first (not timed).
    subprocess.run([*child, "prepare-sign-in", str(db_path)], capture_output=True, env=env, cwd=str(ROOT), check=True)
    once("bare"), once("floor"), once("desk"), once("sign-in")  # writes the bytecode, warms the disk cache
    bare, floor, desk, dialog, opened, waited = [], [], [], [], [], []
    for _round in range(rounds):
        bare.append(once("bare")[0])
        floor.append(once("floor")[0])
        desk.append(once("desk")[0])
        painted, ok, window = once("sign-in")
        dialog.append(painted)
        opened.append(window - ok)
        waited.append(painted + window - ok)
    median = statistics.median
    emit("start → signed-in window painted (median)", scale, median(bare), median(desk), "s",
         "≤ 0.6 s, ≤ 4× bare" if scale == "town" else "≤ 0.7 s (flat)",
         f"n={rounds}; sign-in skipped; {median(desk) / median(floor):.2f}× the stack's floor")
    # What the stack costs before the program does anything: the ratio's floor (benchmarks/README.md).
    emit("start: the stack's floor, bare window (median)", scale, median(bare), median(floor), "s", "",
         f"n={rounds}; SQLAlchemy ORM, SQLite dialect, the models and their mappers, then the bare window")
    # As a person starts the desk: the sign-in dialog, a password typed, the window.
    emit("start → sign-in dialog painted (median)", scale, median(bare), median(dialog), "s", "",
         f"n={rounds}")
    emit("sign-in OK → window painted with its data (median)", scale, None, median(opened), "s", "",
         f"n={rounds}; {startup_typing_s():.0f} s typed first")
    emit("start → signed-in window, as a person waits (median)", scale, median(bare), median(waited), "s", "",
         f"n={rounds}; the two above added up, round by round: the typing left out")


def startup_typing_s() -> float:
    sys.path.insert(0, str(HERE))
    from startup_child import TYPING_S

    return TYPING_S


# -- 2. keystroke ------------------------------------------------------------------------------------
def keystrokes(box, paint_target, changed, between_ms: int = 60, as_qt_paints: bool = False) -> list[float]:
    """Type every query a character at a time; each sample is key press → grid changed → painted:
    the whole window repainted (strict), or `as_qt_paints`: the layout and paint events the key
    caused delivered as the event loop would (a label that changed size relays out and repaints
    the whole window; a grid that only changed its rows repaints itself)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    samples = []
    for query in QUERIES:
        box.setFocus()
        QTest.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(box, Qt.Key.Key_Backspace)
        spin(150)
        for char in query:
            changed.clear()
            t0 = time.perf_counter()
            type_char(box, char)
            if not changed:  # a grid filled later (a debounce, the worker) is waited for
                wait_until(lambda: bool(changed), timeout_s=5, poll_ms=1)
            if as_qt_paints:
                for _step in range(6):  # a relayout climbs the parents one posted event at a time
                    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                    QApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
            else:
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                paint_target.repaint()
            samples.append((time.perf_counter() - t0) * 1000)
            spin(between_ms)  # a person types a key every 100–200 ms
    return samples


def type_char(box, char: str) -> None:
    """A key press; a Chinese character arrives as an input method's commit, as from a real IME."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    if char.isascii():
        QTest.keyClicks(box, char)
    else:
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(box, event)


def watch_model(model) -> list:
    changed: list = []
    for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved,
                   model.dataChanged):
        signal.connect(lambda *_args: changed.append(True))
    return changed


def keystroke(scale: str, rounds: int) -> None:
    """Keystroke → residents grid painted, p95: realistic queries typed into the real search box
    of the real residents tab, the whole window laid out and repainted after each key; baseline:
    the same keys into a line edit beside a plain QTableView of 50 rows, reset and repainted."""
    from PySide6.QtCore import QAbstractTableModel, Qt
    from PySide6.QtWidgets import QLineEdit, QMainWindow, QTableView, QVBoxLayout, QWidget

    desk_application()

    class Fifty(QAbstractTableModel):
        def rowCount(self, _parent=None):
            return 50

        def columnCount(self, _parent=None):
            return 7

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return f"陈秀英 {index.row()}-{index.column()}"
            return None

    bare = QMainWindow()
    holder = QWidget()
    line, table, model = QLineEdit(), QTableView(), Fifty()
    table.setModel(model)
    layout = QVBoxLayout(holder)
    layout.addWidget(line)
    layout.addWidget(table)
    bare.setCentralWidget(holder)
    bare.resize(1280, 760)
    bare.show()
    line.textChanged.connect(lambda _text: (model.beginResetModel(), model.endResetModel()))
    bare_changed = watch_model(model)
    baseline = keystrokes(line, bare, bare_changed)
    baseline_qt = keystrokes(line, bare, bare_changed, as_qt_paints=True)
    bare.close()

    window = signed_in_window(working_copy(scale))
    changed = watch_model(residents_grid(window).model())
    keystrokes(search_box(window), window, changed, between_ms=0)  # warm-up, not counted
    measured, measured_qt = [], []
    for _round in range(rounds):
        measured += keystrokes(search_box(window), window, changed)
        measured_qt += keystrokes(search_box(window), window, changed, as_qt_paints=True)
    median = statistics.median
    emit("keystroke → residents grid painted (p95)", scale, p95(baseline), p95(measured), "ms", "≤ 16 ms",
         f"n={len(measured)}; whole window repainted; medians {median(baseline):.1f} / {median(measured):.1f} ms")
    emit("keystroke → painted as Qt paints it (p95)", scale, p95(baseline_qt), p95(measured_qt), "ms", "≤ 16 ms",
         f"n={len(measured_qt)}; only what the key changed; medians {median(baseline_qt):.1f} / "
         f"{median(measured_qt):.1f} ms")


# -- 3. search -------------------------------------------------------------------------------------
def search(scale: str, rounds: int) -> None:
    """Search p95 with the model ready: `residents.search_ids` over every prefix of the queries,
    the index warmed first; baseline: a bare linear scan (`query in name`) over as many names."""
    from app.db import open_database, sqlite_url
    from app.services import residents
    from sqlalchemy import text

    db = open_database(sqlite_url(working_copy(scale)))
    prefixes = [q[:i] for q in QUERIES for i in range(1, len(q) + 1)]
    with db.session() as s:
        names = [n for (n,) in s.execute(text("select name from residents"))]
    for prefix in prefixes:
        residents.search_ids(db, prefix)  # the index is built and warm
    measured, baseline = [], []
    for _round in range(rounds):
        for prefix in prefixes:
            t0 = time.perf_counter()
            residents.search_ids(db, prefix)
            measured.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            [n for n in names if prefix in n]
            baseline.append((time.perf_counter() - t0) * 1000)
    emit("search, model ready (p95)", scale, p95(baseline), p95(measured), "ms", "≤ 5 ms at 4×",
         f"n={len(measured)}; baseline: linear scan of {len(names):,} names")


# -- 4. stalls during jobs ----------------------------------------------------------------------------
def ledger_xlsx(rows: int, scale: str | None = None) -> Path:
    """A realistic residents ledger (benchmarks/import_residents.py), built once; with `scale`,
    its grid column names the grids of that demo database, so the rows import into it."""
    import random
    import sqlite3

    import import_residents

    path = Path(tempfile.gettempdir()) / "desk-bench" / f"ledger-{scale or 'fresh'}-{rows}.xlsx"
    if not path.exists():
        ledger = import_residents.ledger_rows(rows)
        if scale:
            with sqlite3.connect(demo_database(scale)) as con:
                names = [f"{a} / {b}" for a, b in con.execute(
                    "select g.name, s.name from grids s join grids g on s.parent_id = g.id "
                    "where g.parent_id is not null")]
            rng = random.Random(7)
            for row in ledger:
                row[9] = rng.choice(names)
        partial = path.with_suffix(".partial.xlsx")
        import_residents.write_xlsx(partial, ledger)
        partial.rename(path)
    return path


def import_steps(window, path: Path):
    """Residents tab → Import… → file → Next through every page → Finish, as a person clicks."""
    from PySide6.QtWidgets import QLineEdit, QPushButton, QWizard

    from app.i18n import _

    tab = search_box(window).window()
    button = next(b for b in tab.findChildren(QPushButton) if b.text() == _("Import…"))
    later(button.click)
    yield lambda: modal(QWizard) is not None
    wizard = modal(QWizard)
    wizard.currentPage().findChild(QLineEdit).setText(str(path))
    kinds = (QWizard.WizardButton.FinishButton, QWizard.WizardButton.CommitButton, QWizard.WizardButton.NextButton)
    while True:
        yield lambda: not busy() and any(wizard.button(k).isVisible() and wizard.button(k).isEnabled()
                                         for k in kinds)
        kind = next(k for k in kinds if wizard.button(k).isVisible() and wizard.button(k).isEnabled())
        page = wizard.currentId()
        if os.environ.get("DESK_BENCH_TRACE"):
            print(f"TRACE step {time.perf_counter():.3f} page {page} {kind.name}", file=sys.stderr)
        later(wizard.button(kind).click)
        if kind == QWizard.WizardButton.FinishButton:
            yield lambda: not wizard.isVisible()
            break
        yield lambda p=page: wizard.currentId() != p or not wizard.isVisible()
    yield settled()


def ledger_steps(window):
    """Counter tab → Print → Service ticket ledger… → OK → the preview shown → closed."""
    from PySide6.QtGui import QAction
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtWidgets import QDialog, QDialogButtonBox

    from app.i18n import _

    action = next(a for a in window.findChildren(QAction) if a.text() == _("Service ticket ledger…"))
    later(action.trigger)
    yield lambda: modal(QDialog) is not None
    chooser = modal(QDialog)
    later(chooser.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click)
    yield lambda: modal(QDialog) not in (None, chooser) and modal(QDialog).findChild(QPdfDocument) is not None
    preview = modal(QDialog)
    document = preview.findChild(QPdfDocument)
    yield lambda: not busy() and document.pageCount() > 0
    yield settled()
    preview.grab()  # the first page painted
    later(preview.reject)
    yield lambda: not preview.isVisible()


def all_tickets_steps(window):
    """Counter tab's "show" list → All tickets, until the list is loaded and painted."""
    from PySide6.QtWidgets import QComboBox, QLineEdit

    tab = window.findChild(QLineEdit, "ticketSearchBox").parentWidget()
    combo = next(c for c in tab.findChildren(QComboBox) if c.findData("all") >= 0)
    later(lambda: combo.setCurrentIndex(combo.findData("all")))
    yield lambda: combo.currentData() == "all"
    yield settled()
    window.repaint()


def stalls(scale: str, rounds: int) -> None:
    """Longest event-loop stall (a 4 ms timer's longest gap) while a job runs to completion: a
    10k-row residents import through the import wizard, the counter's ledger previewed, the
    counter list switched to all tickets; baseline: the same timer over the idle window for as
    long as the job took. The worst of `rounds` rounds (each import into a fresh copy)."""
    from app.i18n import _
    from app.services import residents

    desk_application()
    path = ledger_xlsx(10_000, scale)
    results: dict[str, list[tuple[float, float]]] = {"import": [], "ledger": [], "all": []}
    for _round in range(rounds):
        window = signed_in_window(working_copy(scale))
        spin(1500)  # a person starts an import a moment after the window is up:
        wait_until(settled())  # the start-up's background jobs (search index, warm-up) are done
        before = residents.count_residents(window.db, include_inactive=True)
        results["import"].append(job_stall(window, import_steps(window, path)))
        imported = residents.count_residents(window.db, include_inactive=True) - before
        show_tab(window, _("Service counter"))
        wait_until(lambda: counter_ready(window))
        spin(300)
        results["ledger"].append(job_stall(window, ledger_steps(window)))
        results["all"].append(job_stall(window, all_tickets_steps(window)))
        window.close()
        window.db.dispose()
        # The next round's window starts as in a fresh desk: this one's start-up objects were
        # frozen (never examined again), so the next would not be, and its idle full collection
        # would pass over this round's leftovers as well (150 ms, where one window takes 20).
        window = None  # dropped, for the collection below
        gc.unfreeze()
        gc.collect()
    for key, label in (("import", "10k import (wizard)"), ("ledger", "ledger preview"),
                       ("all", '"all tickets"')):
        idle = max(b for b, _m in results[key])
        worst = max(m for _b, m in results[key])
        note = f"worst of {rounds}" + (f"; {imported:,} residents imported" if key == "import" else "")
        emit(f"longest stall: {label}", scale, idle, worst, "ms", "≤ 50 ms", note)


# -- 5. idle ---------------------------------------------------------------------------------------
def idle(scale: str, seconds: int, bare: bool) -> None:
    """Idle-window stall p95: the longest gap of a 4 ms timer in each second of a window left
    alone (the periodic garbage collection shows here); baseline: a bare window, alone."""
    if bare:
        from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

        app = QApplication([sys.argv[0]])  # noqa: F841  (kept alive)
        window = QMainWindow()
        tabs = QTabWidget()
        tabs.addTab(QWidget(), "居民档案")
        window.setCentralWidget(tabs)
        window.resize(1280, 760)
        window.show()
    else:
        desk_application()
        window = signed_in_window(working_copy(scale), residents=False)  # as it opens
    spin(1000)
    meter = StallMeter()
    meter.start()
    spin(seconds * 1000)
    meter.stop()
    per_second = meter.per_second_longest()
    print(json.dumps({"p95": p95(per_second), "n": len(per_second)}), flush=True)


def idle_pair(scale: str, seconds: int) -> None:
    """Both idle windows, each in its own process, one after the other."""
    out = {}
    for mode in ("bare", "desk"):
        run = subprocess.run([sys.executable, __file__, "idle-one", "--scale", scale, "--seconds", str(seconds),
                              *(["--bare"] if mode == "bare" else [])],
                             capture_output=True, text=True, check=True)
        out[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    emit("idle-window stall (p95 of per-second longest)", scale, out["bare"]["p95"], out["desk"]["p95"], "ms",
         "≤ 16 ms", f"{seconds} s each")


# -- 6. member cards ---------------------------------------------------------------------------------
def member_cards(scale: str, rounds: int) -> None:
    """Member cards for 500 residents through the call the window makes
    (`residents_print.member_cards_pdf`); baseline: the roster of the same 500 residents
    (the same data read, a plain table drawn instead of cards and QR codes)."""
    from app.db import open_database, sqlite_url
    from app.reports import resident_forms
    from app.services import residents, residents_print
    from app.services.access import ADMINISTRATOR, Actor

    actor = Actor("bench", ADMINISTRATOR)
    db = open_database(sqlite_url(working_copy(scale)))
    ids = residents_print.ResidentFilter().ids(db)[:500]
    cards, roster = [], []
    for _round in range(rounds):
        t0 = time.perf_counter()
        resident_forms.roster(residents.fetch_rows_in_order(db, ids), "", residents_print.letterhead(db))
        roster.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        residents_print.member_cards_pdf(db, ids, actor=actor)
        cards.append(time.perf_counter() - t0)
    emit("member cards, 500 residents (median)", scale, statistics.median(roster), statistics.median(cards),
         "s", "≤ 3 s", f"n={rounds}; baseline: roster of the same 500")


# -- 7. memory -------------------------------------------------------------------------------------
def memory_one(scale: str) -> None:
    """In a fresh process: RSS after the imports, then the peak over a 50k-row xlsx import."""
    from app.i18n import set_language
    from app.services import importer  # noqa: F401  (the modules the import needs)
    from app.services.importer import import_residents

    import import_residents as ledger

    set_language("zh_CN")
    path = ledger_xlsx(50_000)
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    db = ledger.fresh_database(folder, "memory")
    before = _rss_now_mib()
    import_residents(db, path, rejects_path=folder / "rejects.xlsx")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before": before, "peak": peak}), flush=True)


def _rss_now_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(scale: str, rounds: int) -> None:
    """Peak memory (ru_maxrss) of a 50,000-row xlsx residents import into a fresh database, in a
    fresh process; baseline: the same process's RSS after importing the modules, before the import."""
    ledger_xlsx(50_000)  # built here, so its making is not in the figure
    peaks, befores = [], []
    for _round in range(rounds):
        run = subprocess.run([sys.executable, __file__, "memory-one", "--scale", scale],
                             capture_output=True, text=True, check=True)
        out = json.loads(run.stdout.strip().splitlines()[-1])
        peaks.append(out["peak"])
        befores.append(out["before"])
    emit("peak memory, 50k-row xlsx import", "50k rows", statistics.median(befores), statistics.median(peaks),
         "MiB", "≤ 250 MiB", f"n={rounds}")


FIGURES = {"startup": startup, "keystroke": keystroke, "search": search, "stalls": stalls,
           "member-cards": member_cards, "memory": memory}
BY_SCALE = {"startup", "keystroke", "search"}  # the others are measured at town scale


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figure", choices=[*FIGURES, "idle", "idle-one", "memory-one"])
    parser.add_argument("--scale", default="town", choices=list(SCALES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    if args.figure == "idle":
        idle_pair(args.scale, args.seconds)
    elif args.figure == "idle-one":
        idle(args.scale, args.seconds, args.bare)
    elif args.figure == "memory-one":
        memory_one(args.scale)
    else:
        FIGURES[args.figure](args.scale, args.rounds)
    from app.views import worker

    if "PySide6.QtWidgets" in sys.modules:
        worker.wait_for_jobs()
    sys.stdout.flush()
    os._exit(0)  # no Qt teardown: a figure's process ends here


if __name__ == "__main__":
    main()
