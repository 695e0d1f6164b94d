"""Centre settings kept in the database: name, address, phone."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import ValidationError
from app.i18n import _
from app.models import Setting
from app.services import access, audit
from app.services.validators import InvalidValue, normalise_phone


@dataclass
class CentreInfo:
    name: str = ""
    address: str = ""
    phone: str = ""


_KEYS = {"name": "centre.name", "address": "centre.address", "phone": "centre.phone"}


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
    with db.session() as s:
        rows = dict(s.execute(select(Setting.key, Setting.value)
                              .where(Setting.key.in_(_KEYS.values()))).all())
    return CentreInfo(**{field: rows.get(key, "") for field, key in _KEYS.items()})


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
    if errors:
        raise ValidationError(errors)
    clean = CentreInfo(name=name[:100], address=" ".join(info.address.split())[:200], phone=phone)
    with db.session() as s:
        old = dict(s.execute(select(Setting.key, Setting.value).where(Setting.key.in_(_KEYS.values()))).all())
        for field, key in _KEYS.items():
            s.merge(Setting(key=key, value=getattr(clean, field)))
        changes = audit.diff({field: old.get(key, "") for field, key in _KEYS.items()}, vars(clean))
        if changes:
            audit.record(s, actor, "settings", "centre", None, clean.name, changes)
    return clean
