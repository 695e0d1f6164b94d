"""Settings → Kinds of activity… (the shared list-manager dialog)."""
from __future__ import annotations

from app.i18n import N_
from app.services.activities import ACTIVITY_TYPES
from app.views.shared.choices_dialog import Choices, edit_choices

ACTIVITY_TYPE_LIST = Choices(
    ACTIVITY_TYPES, "activities", (N_("Kinds of activity"), N_("Kind of activity"), N_("New kind of activity")),
    N_("A retired kind stays with the activities recorded under it but can no longer be chosen."),
    name_header=N_("Name in the list"), form_width=460)


def edit_activity_types(window) -> None:
    """Settings → Kinds of activity… (app/features.py)."""
    edit_choices(window, ACTIVITY_TYPE_LIST)
