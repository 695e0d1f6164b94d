"""Settings → the alliance's three lists (the shared list-manager dialog): business types, the
admission criteria (四美, each with a description) and the kinds of public-benefit service."""
from __future__ import annotations

from app.i18n import N_
from app.services import alliance
from app.services.alliance import BUSINESS_TYPES, COMMITMENT_TYPES, CRITERIA
from app.views.shared.choices_dialog import Choices, Extra, edit_choices

TOPIC = "alliance"
# kind -> (the list's title, an entry's title, a new entry's title)
TITLES = {
    BUSINESS_TYPES: (N_("Business types"), N_("Business type"), N_("New business type")),
    CRITERIA: (N_("Admission criteria (四美)"), N_("Admission criterion"), N_("New admission criterion")),
    COMMITMENT_TYPES: (N_("Kinds of public-benefit service"), N_("Kind of service"), N_("New kind of service")),
}


_RETIRED = N_("A retired entry stays where it was used but can no longer be chosen.")
LISTS = {kind: Choices(alliance.LISTS[kind], TOPIC, TITLES[kind], _RETIRED, name_header=N_("Name in the list"),
                       form_width=460) for kind in (BUSINESS_TYPES, COMMITMENT_TYPES)}
LISTS[CRITERIA] = Choices(alliance.LISTS[CRITERIA], TOPIC, TITLES[CRITERIA], _RETIRED,
                          (Extra("description", N_("Description"), N_("Description")),),
                          name_header=N_("Name in the list"), size=(600, 400), form_width=460)


def edit_business_types(window) -> None:
    """Settings → Business types… (app/features.py)."""
    edit_choices(window, LISTS[BUSINESS_TYPES])


def edit_criteria(window) -> None:
    """Settings → Admission criteria (四美)… (app/features.py)."""
    edit_choices(window, LISTS[CRITERIA])


def edit_commitment_types(window) -> None:
    """Settings → Kinds of public-benefit service… (app/features.py)."""
    edit_choices(window, LISTS[COMMITMENT_TYPES])
