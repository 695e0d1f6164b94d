import sys
import threading

from PySide6.QtCore import QObject, Signal

from app.errors import DeskError
from app.views.worker import run_in_background, wait_for_jobs


def test_result_and_progress_arrive_on_the_gui_thread(app, qtbot):
    parent = QObject()
    gui = threading.get_ident()
    seen = {"progress": [], "threads": set()}
    done = []

    def job(progress):
        seen["worker"] = threading.get_ident()
        for i in range(3):
            progress(i + 1, 3)
        return "ok"

    def on_progress(d, t):
        seen["progress"].append((d, t))
        seen["threads"].add(threading.get_ident())

    run_in_background(parent, job, on_done=done.append, on_progress=on_progress)
    qtbot.waitUntil(lambda: done == ["ok"])
    assert seen["progress"] == [(1, 3), (2, 3), (3, 3)]
    assert seen["threads"] == {gui} and seen["worker"] != gui


def test_errors_are_delivered_not_raised(app, qtbot):
    errors = []
    parent = QObject()  # callbacks are tied to a living parent (a window or dialog)

    def job(progress):
        raise DeskError("坏了")

    run_in_background(parent, job, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert str(errors[0]) == "坏了"
    assert wait_for_jobs(1000)


def test_emitting_signals_does_not_wear_out_python_booleans():
    """PySide6 6.12 drops a reference to True on every emit(); from Python 3.12 on
    True is immortal and this is harmless, on 3.11 the program would crash after a
    few thousand signals. pyproject.toml therefore requires Python 3.12."""
    class Emitter(QObject):
        ping = Signal(object)

    emitter = Emitter()
    before = sys.getrefcount(True)
    for _ in range(5000):
        emitter.ping.emit(1)
    assert sys.getrefcount(True) > before - 1000


def test_a_job_whose_parent_is_gone_is_not_waited_for_forever(qtbot):
    """A dialog closed and deleted mid-save: its result has nowhere to go, busy() turns False
    once the job has finished, and nothing is called on the deleted dialog."""
    import threading

    from PySide6.QtWidgets import QWidget

    from app.views import worker

    release = threading.Event()
    parent = QWidget()
    called = []
    worker.run_in_background(parent, lambda progress: release.wait(5), on_done=called.append)
    assert worker.busy()
    parent.deleteLater()
    qtbot.wait(50)
    assert worker.busy()  # still running
    release.set()
    qtbot.waitUntil(lambda: not worker.busy(), timeout=5000)
    assert called == []
