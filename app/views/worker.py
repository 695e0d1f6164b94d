"""The one helper for long jobs: run a function on a worker thread, report its
progress, and deliver its result or error back on the GUI thread.

    run_in_background(self, lambda progress: fill_demo(db, progress=progress),
                      on_done=..., on_error=..., on_progress=...)

The function receives a `progress(done, total)` callback it may call from the
worker thread; Qt's queued signals carry every call safely to the GUI thread.
The function must not create or drop Qt objects; Python's garbage collection
runs on the GUI thread only (see views/gui.py).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.errors import DeskError

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(False)  # Python keeps it alive until the relay reports
        self.finished = False

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except Exception as exc:  # delivered to on_error on the GUI thread
            if not isinstance(exc, DeskError):  # a refusal in words is no fault of the program
                log.exception("background job failed")
            self.finished = True
            self.signals.failed.emit(exc)
        else:
            self.finished = True
            self.signals.done.emit(result)


class _Relay(QObject):
    """Lives on the GUI thread, so the worker's signals reach the callbacks there."""

    def __init__(self, parent: QObject, job: "_Job", on_done, on_error, on_progress):
        super().__init__(parent)
        self.job, self.on_done, self.on_error, self.on_progress = job, on_done, on_error, on_progress

    @Slot(int, int)
    def progress(self, done: int, total: int) -> None:
        if self.on_progress:
            self.on_progress(done, total)

    @Slot(object)
    def done(self, result: Any) -> None:
        _running.discard(self)
        if self.on_done:
            self.on_done(result)

    @Slot(object)
    def failed(self, exc: Exception) -> None:
        _running.discard(self)
        if self.on_error:
            self.on_error(exc)


_running: set[_Relay] = set()
# Jobs whose relay went with its parent (a dialog closed mid-save): the result has nowhere to
# go, but the job is kept alive until it has finished running.
_orphans: list[_Job] = []


def _orphaned(relay: _Relay) -> bool:
    """Whether the relay went with its parent; its job then joins the orphans."""
    if shiboken6.isValid(relay):
        return False
    _running.discard(relay)
    _orphans.append(relay.job)
    return True


def run_in_background(parent: QObject, fn: Callable[[Callable[[int, int], None]], Any], *,
                      on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[Exception], None] | None = None,
                      on_progress: Callable[[int, int], None] | None = None) -> None:
    job = _Job(fn)
    relay = _Relay(parent, job, on_done, on_error, on_progress)
    _running.add(relay)  # keeps the job and its signals alive until it reports
    job.signals.progress.connect(relay.progress)
    job.signals.done.connect(relay.done)
    job.signals.failed.connect(relay.failed)
    QThreadPool.globalInstance().start(job)


def busy() -> bool:
    """Whether a job has yet to report back or, orphaned, to finish (tests wait for this to turn False)."""
    for relay in list(_running):
        _orphaned(relay)
    _orphans[:] = [job for job in _orphans if not job.finished]
    return bool(_running or _orphans)


def pending() -> list[str]:
    """What is still running or undelivered, for a test that waited too long."""
    busy()
    return [f"{relay.job.fn!r} finished={relay.job.finished}" for relay in _running] + \
        [f"orphan {job.fn!r}" for job in _orphans]


def wait_for_jobs(msecs: int = 30000) -> bool:
    """Wait for running jobs (used on close and in tests)."""
    return QThreadPool.globalInstance().waitForDone(msecs)
