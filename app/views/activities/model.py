"""The activities tab's grids: the ledger list of the filtered period and the chosen activity's
participants. Both are held whole (a large community runs ~250 activities a year)."""
from __future__ import annotations

from PySide6.QtGui import QBrush, QColor

from app.i18n import N_, format_date, format_number
from app.services.activities import ActivityRow, ParticipantRow
from app.services.points import points_text
from app.views.shared.list_model import RowListModel, clock_text

GREEN = QBrush(QColor("#1b5e20"))


def time_text(row: ActivityRow) -> str:
    """"09:00–11:00", "09:00" or ""."""
    start, end = clock_text(row.starts_at), clock_text(row.ends_at)
    return f"{start}–{end}" if start and end else start or end



class ActivityTableModel(RowListModel):
    key_field = "id"
    numeric = ("registered", "headcount", "person_times")
    columns = [
        ("held_on", N_("Date")),
        ("time", N_("Time")),
        ("title", N_("Activity")),
        ("activity_type", N_("Type")),
        ("target_group_label", N_("Target group")),
        ("venue", N_("Venue")),
        ("partners", N_("Partners")),
        ("registered", N_("Registered")),
        ("headcount", N_("Not registered")),
        ("person_times", N_("Person-times")),
    ]

    def _text(self, row: ActivityRow, key: str) -> str:
        if key == "held_on":
            return format_date(row.held_on, "yyyy-MM-dd")  # padded, as the period above: 10-07 under 10-27
        if key == "time":
            return time_text(row)
        if key in self.numeric:
            return format_number(getattr(row, key))
        return super()._text(row, key)


class ParticipantTableModel(RowListModel):
    key_field = "resident_id"
    numeric = ("points",)
    columns = [
        ("name", N_("Name")),
        ("phone_masked", N_("Phone")),
        ("points", N_("Points credited")),
    ]

    def _text(self, row: ParticipantRow, key: str) -> str:
        if key == "points":
            return points_text(row.points) if row.points is not None else "—"
        return super()._text(row, key)

    def _foreground(self, row: ParticipantRow, key: str):
        return GREEN if key == "points" and row.points is not None else None
