"""Who may do what: the acting person, roles and permissions.

Staff accounts arrive later; until then every command acts as the operating-
system user with the front-desk role (`current_os_actor()`). Services that
guard something take an `Actor` and call `require(actor, permission)`.
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
PERSONAL_DATA_FULL = "personal_data.full"   # unmasked ID numbers and phones (exports, prints)
RESIDENTS_IMPORT = "residents.import"
RESIDENTS_EXPORT = "residents.export"

# permission -> the roles that have it. Anything not listed here is refused.
PERMISSIONS: dict[str, frozenset[str]] = {
    PERSONAL_DATA_FULL: frozenset({ADMINISTRATOR}),
    RESIDENTS_IMPORT: frozenset({ADMINISTRATOR, DESK}),
    RESIDENTS_EXPORT: frozenset({ADMINISTRATOR, DESK, GRID_WORKER}),
}

# What each permission allows, as the end of "… may not {action}".
PERMISSION_LABELS: dict[str, str] = {
    PERSONAL_DATA_FULL: N_("see or export full ID numbers and phone numbers"),
    RESIDENTS_IMPORT: N_("import residents"),
    RESIDENTS_EXPORT: N_("export residents"),
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
    """The operating-system user, acting with the front-desk role (no staff accounts yet)."""
    return Actor(os_user_name(), DESK)
