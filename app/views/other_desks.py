"""What other desks change, seen within seconds: every few seconds the worker asks the audit trail
(every write is audited) which kinds of record other desks or programs changed since the last look,
and the window sends those change notices as if it had saved them itself, so every tab listening
refreshes. This window's own saves already sent theirs (views/shared/writes.py) and are left out."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from app import features
from app.db import Database
from app.services import audit
from app.views import notices
from app.views.worker import run_in_background

POLL_MS = 3_000

# Kinds of record (audit entity) -> the notice topic, or the feature whose topic it is. A kind that
# starts with a feature's name ("daycare_meal", "points_voucher") is that feature's; a kind not
# known here refreshes everything.
ENTITY_TOPICS: dict[str, str | None] = {
    "resident": notices.RESIDENTS, "consent": notices.RESIDENTS,
    "grid": notices.GRIDS, "tag": notices.TAGS, "centre": notices.CENTRE,
    "ticket": notices.TICKETS, "request_category": notices.CATALOGUE, "holiday": notices.CATALOGUE,
    "staff": None, "audit_log": None,  # shown in no tab
}
ENTITY_FEATURES: dict[str, str] = {
    "meal_price": "daycare", "diet": "daycare", "subsidy_category": "daycare",
    "class_type": "afterschool",
    **dict.fromkeys(("merchant", "merchant_review", "commitment", "complaint", "evaluation", "business_type",
                     "criterion", "commitment_type"), "alliance"),
}


def all_topics() -> tuple[str, ...]:
    return (*notices.SETTINGS_TOPICS, *(f.topic for f in features.FEATURES))


def topics_of(kinds: Iterable[str]) -> set[str]:
    """The notice topics the changed kinds of record concern."""
    by_name = {f.name: f.topic for f in features.FEATURES}
    topics: set[str] = set()
    for kind in kinds:
        if kind in ENTITY_TOPICS:
            topic = ENTITY_TOPICS[kind]
        elif kind in ENTITY_FEATURES:
            topic = by_name.get(ENTITY_FEATURES[kind])
        else:
            topic = next((t for name, t in by_name.items() if kind == name or kind.startswith(name + "_")), "")
        if topic == "":  # not known: everything may have changed
            return set(all_topics())
        if topic:
            topics.add(topic)
    return topics


class OtherDesks(QObject):
    """Polls on the worker, one question at a time, and emits `notice.changed(topic)` on the GUI
    thread for what other desks changed. `database()` is the window's database (a restore replaces
    it); `paused()` says when not to ask (a locked window)."""

    def __init__(self, parent: QObject, database: Callable[[], Database], notice: notices.Notices,
                 paused: Callable[[], bool] = lambda: False):
        super().__init__(parent)
        self.database, self.notice, self.paused = database, notice, paused
        self.cursor: audit.ChangeCursor | None = None  # None: the next look only notes where the trail is
        self.asking = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.poll()

    def poll(self) -> None:
        if self.asking or self.paused():
            return
        self.asking = True
        db, cursor = self.database(), self.cursor

        def done(result) -> None:
            self.asking = False
            self.cursor, kinds = result
            for topic in sorted(topics_of(kinds)):
                self.notice.changed.emit(topic)

        def failed(_exc) -> None:
            self.asking = False  # the database is busy or gone: the next look tries again

        run_in_background(self, lambda _progress: audit.changes_since(db, cursor), on_done=done, on_error=failed)
