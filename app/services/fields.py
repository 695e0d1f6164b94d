"""A resident's fields as people call them: one table for import columns, the
audit trail and exports."""
from app.i18n import N_

RESIDENT_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "gender": N_("Gender"),
    "id_number": N_("ID number"),
    "phone": N_("Contact phone"),
    "birth_date": N_("Birth date"),
    "estate": N_("Estate"),
    "building": N_("Building"),
    "unit": N_("Unit"),
    "room": N_("Room"),
    "grid": N_("Grid"),
    "tags": N_("Tags"),
    "notes": N_("Notes"),
}
