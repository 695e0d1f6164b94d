"""Staff accounts: passwords, signing in, roles.

Passwords are hashed with the standard library's scrypt (random 16-byte salt)
and stored as "scrypt$n$r$p$salt_b64$hash_b64". There is no default password:
a new database asks for its first administrator. Five wrong passwords in a row
make the account wait (30 s, doubling with each further wrong password, at
most 15 minutes) before the next try.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import _
from app.models import Staff
from app.services import access, audit
from app.services.access import ADMINISTRATOR, Actor

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1   # 16 MB, ~50 ms
FREE_TRIES = 5                                  # wrong passwords before the first wait
FIRST_WAIT = 30                                 # seconds; doubles with each further failure
LONGEST_WAIT = 15 * 60


class LoginError(DeskError):
    """Signing in failed (wrong name or password, a wait, a deactivated account)."""


@dataclass
class StaffInfo:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @property
    def role_label(self) -> str:
        return Actor(self.username, self.role).role_label


# -- passwords -----------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = unicodedata.normalize("NFKC", password).encode("utf-8")
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 1024 * 1024, dklen=32)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so that both cases take as long."""
    return hash_password("not a password")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError({"password": _("The password must have at least {n} characters.")
                               .format(n=MIN_PASSWORD)})
    if len(password) > MAX_PASSWORD:
        raise ValidationError({"password": _("The password is too long.")})


# -- helpers ---------------------------------------------------------------------------------

def clean_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username or "").strip().lower()


def _validate_new(session, username: str, display_name: str, role: str, password: str) -> dict:
    errors = {}
    name = clean_username(username)
    if not name:
        errors["username"] = _("Please enter a user name.")
    elif len(name) > 50 or any(ch.isspace() for ch in name):
        errors["username"] = _("A user name has at most 50 characters and no spaces.")
    elif session.scalar(select(Staff.id).where(Staff.username == name)) is not None:
        errors["username"] = _("The user name {name} is already taken.").format(name=name)
    if role not in access.ROLES:
        errors["role"] = _("Unknown role {role}; choose one of: {roles}.").format(
            role=role, roles=", ".join(access.ROLES))
    try:
        check_password_rules(password)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    display = " ".join((display_name or "").split())[:50] or name
    return {"username": name, "display_name": display, "role": role}


def _create(session, actor: Actor, values: dict, password: str) -> Staff:
    staff = Staff(**values, password_hash=hash_password(password), active=True, failed_attempts=0,
                  created_at=dt.datetime.now())
    session.add(staff)
    session.flush()
    audit.record(session, actor, "create", "staff", staff.id, staff.username,
                 audit.diff({}, dict(values, active=True)))
    return staff


def _get(session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFoundError(_("There is no staff account with number {id}.").format(id=staff_id))
    return staff


def _actor(staff: Staff) -> Actor:
    return Actor(staff.username, staff.role)


def _info(s: Staff) -> StaffInfo:
    return StaffInfo(s.id, s.username, s.display_name, s.role, s.active, s.failed_attempts,
                     s.locked_until, s.created_at, s.last_login_at)


def _check_not_last_administrator(session, staff: Staff) -> None:
    """Refuse to leave the centre without an active administrator."""
    if staff.role != ADMINISTRATOR or not staff.active:
        return
    others = session.scalar(select(func.count(Staff.id)).where(
        Staff.role == ADMINISTRATOR, Staff.active.is_(True), Staff.id != staff.id)) or 0
    if not others:
        raise ValidationError({"role": _(
            "{name} is the last active administrator; make someone else an administrator first.")
            .format(name=staff.username)})


# -- first start and recovery --------------------------------------------------------------

needs_first_administrator = access.needs_first_administrator


def create_first_administrator(db: Database, username: str, display_name: str, password: str) -> Actor:
    with db.session() as s:
        if s.scalar(select(func.count(Staff.id))):
            raise access.PermissionDenied(_("Staff accounts already exist; an administrator adds new ones."))
        values = _validate_new(s, username, display_name, ADMINISTRATOR, password)
        actor = Actor(values["username"], ADMINISTRATOR)
        _create(s, actor, values, password)
        return actor


def add_administrator_for_recovery(db: Database, username: str, password: str, *, display_name: str = "",
                                   role: str = ADMINISTRATOR, force: bool = False) -> int:
    """The command line's `users add --recovery`: regains access when no administrator can sign in.
    Refused while an active administrator exists, unless `force` (a forgotten administrator
    password). Recorded in the audit trail as a recovery by the operating-system user."""
    with db.session() as s:
        admins = s.scalar(select(func.count()).select_from(Staff).where(
            Staff.role == ADMINISTRATOR, Staff.active.is_(True)))
        if admins and not force:
            raise DeskError(_("An active administrator exists, who can add staff in the program; "
                              "to add an account from the command line anyway, add --force."))
        values = _validate_new(s, username, display_name, role, password)
        staff = _create(s, access.current_os_actor(), values, password)
        audit.record(s, access.current_os_actor(), "recovery", "staff", staff.id, staff.username)
        return staff.id


def record_recovery(db: Database, summary: str) -> None:
    """The command line's --recovery (no administrator signed in): audited as such."""
    with db.session() as s:
        audit.record(s, access.current_os_actor(), "recovery", "database", None, summary)


# -- administrators' work -------------------------------------------------------------------

def add_staff(db: Database, username: str, display_name: str, role: str, password: str, *, actor: Actor) -> int:
    access.require(actor, access.USERS_MANAGE)
    with db.session() as s:
        values = _validate_new(s, username, display_name, role, password)
        return _create(s, actor, values, password).id


def own_account(db: Database, *, actor: Actor) -> StaffInfo | None:
    """The signed-in person's account as it is now (None when the actor is not a staff account,
    e.g. the command line's operating-system user): an open window checks it has not been
    deactivated or given another role since sign-in."""
    table = Staff.__table__  # a plain row (its columns are the attributes _info reads): no ORM set-up at start
    with db.engine.connect() as con:
        row = con.execute(select(table).where(table.c.username == actor.name)).first()
    return _info(row) if row is not None else None


def list_staff(db: Database, *, actor: Actor) -> list[StaffInfo]:
    access.require(actor, access.USERS_MANAGE)
    with db.session() as s:
        return [_info(x) for x in s.scalars(select(Staff).order_by(Staff.active.desc(), Staff.username))]


def reset_password(db: Database, staff_id: int, new_password: str, *, actor: Actor) -> None:
    """Set a new password (someone forgot theirs); also ends a wait after wrong passwords."""
    access.require(actor, access.USERS_MANAGE)
    check_password_rules(new_password)
    with db.session() as s:
        staff = _get(s, staff_id)
        staff.password_hash = hash_password(new_password)
        staff.failed_attempts = 0
        staff.locked_until = None
        audit.record(s, actor, "update", "staff", staff.id,
                     _("{name}: password reset").format(name=staff.username))


def set_staff_active(db: Database, staff_id: int, active: bool, *, actor: Actor) -> None:
    access.require(actor, access.USERS_MANAGE)
    with db.session() as s:
        staff = _get(s, staff_id)
        if staff.active == active:
            return
        if not active:
            _check_not_last_administrator(s, staff)
        staff.active = active
        audit.record(s, actor, "reactivate" if active else "deactivate", "staff", staff.id, staff.username,
                     audit.diff({"active": not active}, {"active": active}))


def set_staff_role(db: Database, staff_id: int, role: str, *, actor: Actor) -> None:
    access.require(actor, access.USERS_MANAGE)
    if role not in access.ROLES:
        raise ValidationError({"role": _("Unknown role {role}; choose one of: {roles}.").format(
            role=role, roles=", ".join(access.ROLES))})
    with db.session() as s:
        staff = _get(s, staff_id)
        if staff.role == role:
            return
        if role != ADMINISTRATOR:
            _check_not_last_administrator(s, staff)
        old, staff.role = staff.role, role
        audit.record(s, actor, "update", "staff", staff.id, staff.username,
                     audit.diff({"role": old}, {"role": role}))


# -- everyone -----------------------------------------------------------------------------------

def change_password(db: Database, old_password: str, new_password: str, *, actor: Actor) -> None:
    """The signed-in person changes their own password."""
    check_password_rules(new_password)
    with db.session() as s:
        staff = s.scalar(select(Staff).where(Staff.username == actor.name))
        if staff is None or not verify_password(old_password, staff.password_hash):
            raise ValidationError({"old_password": _("The current password is not right.")})
        staff.password_hash = hash_password(new_password)
        audit.record(s, actor, "update", "staff", staff.id,
                     _("{name}: password changed").format(name=staff.username))


def _wait_seconds(failed_attempts: int) -> int:
    """How long to wait after this many wrong passwords in a row (0: no wait)."""
    if failed_attempts < FREE_TRIES:
        return 0
    return min(FIRST_WAIT * 2 ** min(failed_attempts - FREE_TRIES, 10), LONGEST_WAIT)


def login(db: Database, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check the user name and password; returns who is now acting.

    Raises LoginError; a wrong password and an unknown user name get the same message.
    """
    now = now or dt.datetime.now()
    name = clean_username(username)
    wrong = LoginError(_("The user name or the password is not right."))
    with db.session() as s:
        staff = s.scalar(select(Staff).where(Staff.username == name)) if name else None
        if staff is not None and staff.locked_until is not None and staff.locked_until > now:
            seconds = int((staff.locked_until - now).total_seconds() + 0.999)
            raise LoginError(_("Too many wrong passwords. Please wait {seconds} seconds and try again.")
                             .format(seconds=seconds))
        if staff is None:
            verify_password(password, _dummy_hash())  # as slow as a real check
            # Not the typed name: it may be a password typed into the wrong field.
            audit.record(s, Actor("?", ""), "login_failed", "staff", None, _("Unknown user name"))
            failure = wrong
        elif not verify_password(password, staff.password_hash):
            staff.failed_attempts += 1
            wait = _wait_seconds(staff.failed_attempts)
            staff.locked_until = now + dt.timedelta(seconds=wait) if wait else None
            audit.record(s, _actor(staff), "login_failed", "staff", staff.id,
                         _("Wrong password ({count} in a row)").format(count=staff.failed_attempts))
            failure = wrong
        elif not staff.active:
            audit.record(s, _actor(staff), "login_failed", "staff", staff.id, _("Account deactivated"))
            failure = LoginError(_("The account {name} has been deactivated. Please ask an administrator.")
                                 .format(name=staff.username))
        else:
            staff.failed_attempts = 0
            staff.locked_until = None
            staff.last_login_at = now
            audit.record(s, _actor(staff), "login", "staff", staff.id, staff.username)
            return _actor(staff)
    raise failure  # after the commit: the failed attempt is counted and recorded
