"""Who may do what: the acting person, roles and permissions.

Staff log in (services/accounts.py) and act with their role; the command line
acts as the operating-system user with the front-desk role
(`current_os_actor()`). Services that guard something take an `Actor` and call
`require(actor, permission)` before they touch the database.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from app.errors import DeskError
from app.i18n import N_, _

ADMINISTRATOR = "administrator"
DESK = "desk"
GRID_WORKER = "grid_worker"
VIEWER = "viewer"

ROLES: dict[str, str] = {
    ADMINISTRATOR: N_("Administrator"),
    DESK: N_("Front desk"),
    GRID_WORKER: N_("Grid worker"),
    VIEWER: N_("Viewer"),
}

# Permissions.
RESIDENTS_CREATE = "residents.create"
RESIDENTS_UPDATE = "residents.update"         # also family links
RESIDENTS_DEACTIVATE = "residents.deactivate"  # and reactivate
RESIDENTS_IMPORT = "residents.import"
RESIDENTS_EXPORT = "residents.export"         # masked ID numbers and phones
RESIDENTS_PRINT = "residents.print"
PERSONAL_DATA_FULL = "personal_data.full"   # unmasked ID numbers and phones (exports, prints)
CONSENTS_RECORD = "consents.record"
HEALTH_NOTES_VIEW = "health_notes.view"       # day-care elders' health notes
CHILD_MEDICAL_VIEW = "child_medical.view"     # after-school children's medical notes
SETTINGS_EDIT = "settings.edit"               # centre details, grids, tags
RECORDS_DELETE = "records.delete"             # deleting records, purging old personal data
USERS_MANAGE = "users.manage"
AUDIT_VIEW = "audit.view"
BACKUP_RESTORE = "backup.restore"
BACKUP_COPY = "backup.copy"                   # a backup to a folder outside the program (USB stick)
COUNTER_RECEIVE = "counter.receive"           # receive a request at the service counter (受理)
COUNTER_HANDLE = "counter.handle"             # move a ticket on: dispatch, handle, resolve, follow up …
DAYCARE_ENROL = "daycare.enrol"               # enrol elders in day-care, change, pause, resume, leave
DAYCARE_ATTEND = "daycare.attend"             # check-in and check-out, corrections, paper sheets, meals
DAYCARE_PRICES = "daycare.prices"             # meal prices and subsidies, diets, subsidy categories
AFTERSCHOOL_CLASSES = "afterschool.classes"   # classes, their sessions (cancel, add), class types, settings
AFTERSCHOOL_ENROL = "afterschool.enrol"       # children's profiles, pick-up lists, enrolment, waiting lists
AFTERSCHOOL_ATTEND = "afterschool.attend"     # session attendance, sign-in and sign-out
AFTERSCHOOL_OVERRIDE = "afterschool.override"  # enrol beyond a class's capacity (with a reason)
CHILD_CONTACTS_VIEW = "child_contacts.view"   # guardians' and pick-up adults' phones
ALLIANCE_APPLY = "alliance.apply"             # merchants' applications and details, their commitments
ALLIANCE_REVIEW = "alliance.review"           # admission reviews, admit / reject, suspend, resume, leave
ALLIANCE_COMPLAINTS = "alliance.complaints"   # record and resolve complaints about merchants
ALLIANCE_EVALUATE = "alliance.evaluate"       # quarterly evaluations
ALLIANCE_LISTS = "alliance.lists"             # business types, criteria (四美), kinds of commitment
POINTS_EARN = "points.earn"                   # record volunteer service and its points
POINTS_VOUCHERS = "points.vouchers"           # issue vouchers for points, redeem them
POINTS_REVERSE = "points.reverse"             # reverse a ledger entry (a counter-entry with a reason)
POINTS_CATALOGUE = "points.catalogue"         # service types and rates, the voucher catalogue, the refund rule
ACTIVITIES_RECORD = "activities.record"       # record activities, their partners and participants; import a ledger
ACTIVITIES_TYPES = "activities.types"         # the list of kinds of activity
REPORTS_MAKE = "reports.make"                 # the monthly and annual reports (figures only, no personal data)

_STAFF = frozenset({ADMINISTRATOR, DESK})
_ADMIN = frozenset({ADMINISTRATOR})

# permission -> the roles that have it. Anything not listed here is refused;
# viewers have none of them: they only read.
PERMISSIONS: dict[str, frozenset[str]] = {
    RESIDENTS_CREATE: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    RESIDENTS_UPDATE: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    RESIDENTS_DEACTIVATE: _STAFF,
    RESIDENTS_IMPORT: _STAFF,
    RESIDENTS_EXPORT: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    RESIDENTS_PRINT: _STAFF,
    PERSONAL_DATA_FULL: _ADMIN,
    CONSENTS_RECORD: _STAFF,
    HEALTH_NOTES_VIEW: _STAFF,
    CHILD_MEDICAL_VIEW: _STAFF,
    SETTINGS_EDIT: _ADMIN,
    RECORDS_DELETE: _ADMIN,
    USERS_MANAGE: _ADMIN,
    AUDIT_VIEW: _ADMIN,
    BACKUP_RESTORE: _ADMIN,
    BACKUP_COPY: _ADMIN,
    COUNTER_RECEIVE: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    COUNTER_HANDLE: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    DAYCARE_ENROL: _STAFF,
    DAYCARE_ATTEND: _STAFF,
    DAYCARE_PRICES: _ADMIN,
    AFTERSCHOOL_CLASSES: _STAFF,
    AFTERSCHOOL_ENROL: _STAFF,
    AFTERSCHOOL_ATTEND: _STAFF,
    AFTERSCHOOL_OVERRIDE: _ADMIN,
    CHILD_CONTACTS_VIEW: _STAFF,
    ALLIANCE_APPLY: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    ALLIANCE_REVIEW: _ADMIN,
    ALLIANCE_COMPLAINTS: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    ALLIANCE_EVALUATE: _STAFF,
    ALLIANCE_LISTS: _ADMIN,
    POINTS_EARN: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    POINTS_VOUCHERS: _STAFF,
    POINTS_REVERSE: _ADMIN,
    POINTS_CATALOGUE: _ADMIN,
    ACTIVITIES_RECORD: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
    ACTIVITIES_TYPES: _ADMIN,
    REPORTS_MAKE: frozenset({ADMINISTRATOR, DESK, GRID_WORKER, VIEWER}),
}

# What each permission allows, as the end of "… may not {action}".
PERMISSION_LABELS: dict[str, str] = {
    RESIDENTS_CREATE: N_("add residents"),
    RESIDENTS_UPDATE: N_("change residents' records"),
    RESIDENTS_DEACTIVATE: N_("deactivate or reactivate residents"),
    RESIDENTS_IMPORT: N_("import residents"),
    RESIDENTS_EXPORT: N_("export residents"),
    RESIDENTS_PRINT: N_("print residents' forms"),
    PERSONAL_DATA_FULL: N_("see or export full ID numbers and phone numbers"),
    CONSENTS_RECORD: N_("record or withdraw consents"),
    HEALTH_NOTES_VIEW: N_("see health notes"),
    CHILD_MEDICAL_VIEW: N_("see children's medical notes"),
    SETTINGS_EDIT: N_("change the settings (centre details, grids, tags)"),
    RECORDS_DELETE: N_("delete records or purge personal data"),
    USERS_MANAGE: N_("manage staff accounts"),
    AUDIT_VIEW: N_("see the audit trail"),
    BACKUP_RESTORE: N_("restore a backup"),
    BACKUP_COPY: N_("copy the database to another folder"),
    COUNTER_RECEIVE: N_("receive requests at the service counter"),
    COUNTER_HANDLE: N_("handle service counter tickets"),
    DAYCARE_ENROL: N_("enrol elders in day-care or change their enrolment"),
    DAYCARE_ATTEND: N_("check elders in and out of day-care or record their meals"),
    DAYCARE_PRICES: N_("set day-care meal prices, subsidies and diets"),
    AFTERSCHOOL_CLASSES: N_("set up after-school classes and their sessions"),
    AFTERSCHOOL_ENROL: N_("enrol children in after-school classes or change their pick-up lists"),
    AFTERSCHOOL_ATTEND: N_("take after-school attendance or sign children out"),
    AFTERSCHOOL_OVERRIDE: N_("enrol a child beyond a class's capacity"),
    CHILD_CONTACTS_VIEW: N_("see the phones of children's guardians and pick-up adults"),
    ALLIANCE_APPLY: N_("record merchants' applications and their public-benefit commitments"),
    ALLIANCE_REVIEW: N_("review merchants, admit them to the alliance, suspend them or end their membership"),
    ALLIANCE_COMPLAINTS: N_("record and resolve complaints about merchants"),
    ALLIANCE_EVALUATE: N_("record the quarterly evaluations of merchants"),
    ALLIANCE_LISTS: N_("change the alliance's lists (business types, criteria, kinds of commitment)"),
    POINTS_EARN: N_("record volunteer service and its points"),
    POINTS_VOUCHERS: N_("issue or redeem vouchers"),
    POINTS_REVERSE: N_("reverse entries of the points ledger"),
    POINTS_CATALOGUE: N_("change the points rates, the voucher catalogue or the refund rule"),
    ACTIVITIES_RECORD: N_("record activities and who took part"),
    ACTIVITIES_TYPES: N_("change the list of kinds of activity"),
    REPORTS_MAKE: N_("make the monthly and annual reports"),
}


class PermissionDenied(DeskError):
    """The acting person's role does not allow this."""


@dataclass(frozen=True)
class Actor:
    name: str
    role: str

    @property
    def role_label(self) -> str:
        return _(ROLES[self.role]) if self.role in ROLES else self.role


def may(actor: Actor | None, permission: str) -> bool:
    """True when `actor`'s role has `permission` (unknown permissions: never)."""
    return actor is not None and actor.role in PERMISSIONS.get(permission, frozenset())


def require(actor: Actor | None, permission: str) -> None:
    """Raise PermissionDenied, saying why, unless `actor` may do `permission`."""
    if may(actor, permission):
        return
    action = _(PERMISSION_LABELS[permission]) if permission in PERMISSION_LABELS else permission
    roles = "、".join(_(ROLES[r]) for r in ROLES if r in PERMISSIONS.get(permission, ()))
    if actor is None:
        raise PermissionDenied(_("Nobody is signed in, so this program may not {action}.")
                               .format(action=action))
    raise PermissionDenied(_("{name} ({role}) may not {action}; only these roles may: {roles}.").format(
        name=actor.name, role=actor.role_label, action=action, roles=roles or "—"))


def os_user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry, no environment variables (services, containers)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "?"


def current_os_actor() -> Actor:
    """The operating-system user, acting with the front-desk role (the command line)."""
    return Actor(os_user_name(), DESK)


def needs_first_administrator(db) -> bool:
    """True while there is no staff account: the first start must create an administrator. Read
    without the models, which load while the sign-in dialog waits (views/gui.py)."""
    from sqlalchemy import func, select, table

    with db.session() as s:
        return not s.scalar(select(func.count()).select_from(table("staff")))
