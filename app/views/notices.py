"""One change-notice signal: after a change, the view that made it says what
changed and every tab refreshes itself."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

RESIDENTS, GRIDS, TAGS, CENTRE = "residents", "grids", "tags", "centre"
TICKETS, CATALOGUE = "tickets", "catalogue"  # service counter tickets; request kinds and holidays
# What the settings dialogs change (a feature's own topic is in app/features.py).
SETTINGS_TOPICS = (CENTRE, GRIDS, TAGS, CATALOGUE)


class Notices(QObject):
    changed = Signal(str)
