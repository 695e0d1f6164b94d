"""One change-notice signal: after a change, the view that made it says what
changed and every tab refreshes itself."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

RESIDENTS, GRIDS, TAGS, CENTRE = "residents", "grids", "tags", "centre"
TICKETS, CATALOGUE = "tickets", "catalogue"  # service counter tickets; request kinds and holidays


class Notices(QObject):
    changed = Signal(str)
