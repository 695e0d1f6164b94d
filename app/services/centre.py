"""Centre settings kept in the database: name, address, phone, and what the level above the
centre is called (街道 in a city, 镇 or 乡 in the countryside)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import ValidationError
from app.i18n import N_, _
from app.models import Setting
from app.services import access, audit
from app.services.validators import InvalidValue, normalise_phone


# The level above the centre (上级名称), where the counter escalates what the centre cannot solve.
UPPER_LEVELS: dict[str, str] = {
    "subdistrict": N_("Subdistrict"),  # 街道
    "town": N_("Town"),                # 镇
    "township": N_("Township"),        # 乡
}
DEFAULT_UPPER_LEVEL = "subdistrict"


def upper_level_label(code: str | None) -> str:
    """The name of the level above the centre, in the interface's language (a value the
    program does not know is shown as it is)."""
    code = code or DEFAULT_UPPER_LEVEL
    return _(UPPER_LEVELS[code]) if code in UPPER_LEVELS else code


@dataclass
class CentreInfo:
    name: str = ""
    address: str = ""
    phone: str = ""
    upper_level: str | None = None  # a key of UPPER_LEVELS; None when saving: leave it as it is


_KEYS = {"name": "centre.name", "address": "centre.address", "phone": "centre.phone",
         "upper_level": "centre.upper_level"}
UPPER_LEVEL_KEY = _KEYS["upper_level"]


def upper_level_in(session) -> str:
    """The configured level above the centre (a key of UPPER_LEVELS), read in an open session."""
    row = session.get(Setting, UPPER_LEVEL_KEY)
    return row.value if row is not None and row.value else DEFAULT_UPPER_LEVEL


def upper_level(db: Database) -> str:
    with db.session() as s:
        return upper_level_in(s)


def get_setting(db: Database, key: str, default: str = "") -> str:
    with db.session() as s:
        row = s.get(Setting, key)
        return row.value if row else default


def set_setting(db: Database, key: str, value: str, *, actor: access.Actor) -> None:
    access.require(actor, access.SETTINGS_EDIT)
    with db.session() as s:
        row = s.get(Setting, key)
        old = row.value if row else None
        s.merge(Setting(key=key, value=value))
        if old != value:
            audit.record(s, actor, "settings", "setting", None, key, audit.diff({key: old}, {key: value}))


def get_centre(db: Database) -> CentreInfo:
    table = Setting.__table__  # the window's title at start: no ORM set-up (see residents._RES)
    with db.engine.connect() as con:
        rows = dict(con.execute(select(table.c.key, table.c.value).where(table.c.key.in_(_KEYS.values()))).all())
    info = CentreInfo(**{field: rows.get(key, "") for field, key in _KEYS.items()})
    info.upper_level = info.upper_level or DEFAULT_UPPER_LEVEL
    return info


def save_centre(db: Database, info: CentreInfo, *, actor: access.Actor) -> CentreInfo:
    access.require(actor, access.SETTINGS_EDIT)
    errors = {}
    name = " ".join(info.name.split())
    if not name:
        errors["name"] = _("Please enter the centre's name.")
    phone = ""
    if info.phone.strip():
        try:
            phone = normalise_phone(info.phone)
        except InvalidValue as exc:
            errors["phone"] = exc.message
    upper = info.upper_level
    if upper is not None and upper not in UPPER_LEVELS:
        errors["upper_level"] = _("Please choose what the level above the centre is called.")
    if errors:
        raise ValidationError(errors)
    clean = CentreInfo(name=name[:100], address=" ".join(info.address.split())[:200], phone=phone,
                       upper_level=upper)
    with db.session() as s:
        old = dict(s.execute(select(Setting.key, Setting.value).where(Setting.key.in_(_KEYS.values()))).all())
        before = {field: old.get(key, "") for field, key in _KEYS.items()}
        before["upper_level"] = before["upper_level"] or DEFAULT_UPPER_LEVEL
        if clean.upper_level is None:
            clean.upper_level = before["upper_level"]
        for field, key in _KEYS.items():
            s.merge(Setting(key=key, value=getattr(clean, field)))
        changes = audit.diff(before, vars(clean))
        if changes:
            audit.record(s, actor, "settings", "centre", None, clean.name, changes)
    return clean
