"""After-school classes' printable forms (app/features.py): 花名册, 签到签退表, 月出勤汇总, 接送卡.

Each `<form>_pdf` gathers the form's data and calls app/reports/afterschool_forms.py; each
`<form>_for(db, options, *, actor)` adapts it to the command line's `print FORM`. Medical notes are
on none of them; allergies (roster, session sheet) only for a reader with CHILD_MEDICAL_VIEW, and
guardians' phones only for a reader with CHILD_CONTACTS_VIEW."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.db import Database
from app.errors import DeskError, NotFoundError, ValidationError
from app.i18n import _, format_date
from app.models import Resident
from app.models.afterschool import ChildProfile, ClassAttendance, Enrolment, PickupPerson
from app.reports import afterschool_forms as forms
from app.services import access, afterschool, audit
from app.services.afterschool import ENROLLED, WITHDRAWN
from app.services.daycare_print import parse_month
from app.services.printing import allowed, letterhead, month_of
from app.services.validators import mask_id_number


def _reader(actor: access.Actor | None) -> access.Actor:
    return actor or access.current_os_actor()


def _adult(p: afterschool.PickupRow, show_phone: bool) -> forms.Adult:
    return forms.Adult(p.name, p.relation, p.phone if show_phone else "")


# -- 花名册 -----------------------------------------------------------------------------------

def roster_lines(db: Database, class_id: int, *, actor: access.Actor, show_phones: bool,
                 show_allergies: bool = False) -> list[forms.RosterLine]:
    """The children enrolled in the class now, in the class list's (pinyin) order."""
    enrolled = [e for e in afterschool.class_list(db, class_id, actor=actor) if e.status == ENROLLED]
    ids = [e.resident_id for e in enrolled]
    with db.session() as s:
        people = {rid: (gender, number) for rid, gender, number in s.execute(
            select(Resident.id, Resident.gender, Resident.id_number).where(Resident.id.in_(ids)))} if ids else {}
    out = []
    for e in enrolled:
        child = afterschool.get_child(db, e.resident_id, actor=actor)
        gender, number = people.get(e.resident_id, (None, None))
        guardians = tuple(_adult(p, show_phones) for p in (child.pickup if child else []) if p.guardian)
        out.append(forms.RosterLine(e.name, gender, e.age, e.school, e.grade,
                                    mask_id_number(number), guardians,
                                    bool(child and child.may_go_home_alone),
                                    (child.allergies or "") if child and show_allergies else ""))
    return out


def class_roster_pdf(db: Database, class_id: int, *, actor: access.Actor | None = None) -> bytes:
    """花名册 of a class: its details and the children enrolled (ID numbers masked; guardians'
    phones when the reader may see them)."""
    allowed(actor, access.AFTERSCHOOL_ENROL)
    reader = _reader(actor)
    show_phones = access.may(reader, access.CHILD_CONTACTS_VIEW)
    show_allergies = access.may(reader, access.CHILD_MEDICAL_VIEW)
    cls = afterschool.get_class(db, class_id)
    lines = roster_lines(db, class_id, actor=reader, show_phones=show_phones, show_allergies=show_allergies)
    return forms.class_roster(cls, lines, letterhead(db), show_phones=show_phones, show_allergies=show_allergies)


# -- 签到签退表 --------------------------------------------------------------------------------

def _session(db: Database, cls: afterschool.ClassRow, day: dt.date) -> afterschool.Session:
    session = afterschool.session_on(db, cls.id, day)
    if session is None or session.cancelled:
        raise ValidationError({"day": _("There is no session of {name} on {date}.").format(
            name=cls.name, date=format_date(day))})
    return session


def session_sheet_pdf(db: Database, class_id: int, day: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """签到签退表 of the class's session on `day`: the children enrolled that day and who may
    collect each one (names and relations), with blank columns to fill in by hand."""
    allowed(actor, access.AFTERSCHOOL_ATTEND)
    cls = afterschool.get_class(db, class_id)
    session = _session(db, cls, day)
    reader = _reader(actor)
    show_allergies = access.may(reader, access.CHILD_MEDICAL_VIEW)
    view = afterschool.session_view(db, class_id, day, actor=reader)  # allergies None without the permission
    lines = [forms.SheetLine(c.name, tuple(_adult(p, False) for p in c.pickup), c.may_go_home_alone,
                             c.allergies or "")
             for c in view.children]
    return forms.session_sheet(cls, session, lines, letterhead(db), show_allergies=show_allergies)


# -- 月出勤汇总 --------------------------------------------------------------------------------

def month_lines(db: Database, class_id: int, first: dt.date, last: dt.date, *, actor: access.Actor
                ) -> list[forms.MonthLine]:
    """Each child enrolled in the class at some time between `first` and `last` (or with
    attendance recorded then), in the class list's order, with their marks and pick-up counts."""
    with db.session() as s:
        marks: dict[int, dict[dt.date, str]] = {}
        late: dict[int, int] = {}
        unlisted: dict[int, int] = {}
        for rid, day, status, was_late, was_unlisted in s.execute(
                select(ClassAttendance.resident_id, ClassAttendance.day, ClassAttendance.status,
                       ClassAttendance.late, ClassAttendance.unlisted)
                .where(ClassAttendance.class_id == class_id, ClassAttendance.day >= first,
                       ClassAttendance.day <= last)):
            marks.setdefault(rid, {})[day] = status
            late[rid] = late.get(rid, 0) + bool(was_late)
            unlisted[rid] = unlisted.get(rid, 0) + bool(was_unlisted)
    order: dict[int, str] = {}
    for e in afterschool.class_list(db, class_id, actor=actor, include_left=True):
        if (e.status in (ENROLLED, WITHDRAWN) and e.enrolled_on is not None and e.enrolled_on <= last
                and (e.left_on is None or e.left_on > first)) or e.resident_id in marks:
            order.setdefault(e.resident_id, e.name)
    missing = [rid for rid in marks if rid not in order]  # recorded, then the enrolment was removed
    if missing:
        with db.session() as s:
            names = dict(s.execute(select(Resident.id, Resident.name).where(Resident.id.in_(missing))).all())
        for rid in missing:
            order[rid] = names.get(rid, "")
    return [forms.MonthLine(name, marks.get(rid, {}), late.get(rid, 0), unlisted.get(rid, 0))
            for rid, name in order.items()]


def class_month_pdf(db: Database, class_id: int, month: dt.date, *, actor: access.Actor | None = None) -> bytes:
    """月出勤汇总 of a class for `month` (any day of it)."""
    allowed(actor, access.AFTERSCHOOL_ATTEND)
    first, last = month_of(month)
    cls = afterschool.get_class(db, class_id)
    found = afterschool.sessions(db, class_id, first, last)
    days = [x.day for x in found if not x.cancelled]
    cancelled = [x for x in found if x.cancelled]
    lines = month_lines(db, class_id, first, last, actor=_reader(actor))
    return forms.class_month(cls, first, days, lines, cancelled, letterhead(db))


# -- 接送卡 ----------------------------------------------------------------------------------

def _cards(db: Database, resident_id: int) -> tuple[str, list[forms.PickupCard]]:
    with db.session() as s:
        name = s.scalar(select(Resident.name).where(Resident.id == resident_id))
    if name is None:
        raise NotFoundError(_("No resident has the record number {numbers}.").format(numbers=resident_id))
    cards = [forms.PickupCard(name, p.name, p.relation, p.card_code)
             for p in afterschool.pickup_cards(db, resident_id) if p.card_code]
    if not cards:
        raise NotFoundError(_("{name} has nobody on the pick-up list yet.").format(name=name))
    return name, cards


def pickup_cards_pdfs(db: Database, resident_ids: list[int], *, actor: access.Actor | None = None) -> bytes:
    """接送卡 of each adult who may collect these children, in the order given; each printing
    is audited (a card hands a child over)."""
    allowed(actor, access.AFTERSCHOOL_ENROL)
    if not resident_ids:
        raise ValidationError({"resident": _("Choose a child for the pick-up cards.")})
    found = [(rid, *_cards(db, rid)) for rid in dict.fromkeys(resident_ids)]
    pdf = forms.pickup_cards([card for _rid, _name, cards in found for card in cards], letterhead(db))
    with db.session() as s:
        for rid, name, cards in found:
            audit.record(s, _reader(actor), "print", "resident", rid,
                         _("Pick-up cards of {name} ({count})").format(name=name, count=len(cards)))
    return pdf


def pickup_cards_pdf(db: Database, resident_id: int, *, actor: access.Actor | None = None) -> bytes:
    """接送卡 of each adult on the child's pick-up list, eight to a page."""
    return pickup_cards_pdfs(db, [resident_id], actor=actor)


# -- the command line's `print class-roster|session-sheet|class-month|pickup-cards` --------------

def _class_of(db: Database, options) -> afterschool.ClassRow:
    return afterschool.find_class(db, options.class_name or "")


def class_roster_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return class_roster_pdf(db, _class_of(db, options).id, actor=actor)


def session_sheet_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    if not getattr(options, "date", None):
        raise DeskError(_("This form needs --date with the day, as YYYY-MM-DD."))
    return session_sheet_pdf(db, _class_of(db, options).id, options.date, actor=actor)


def class_month_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    if not getattr(options, "month", None):
        raise DeskError(_("This form needs --month with the month, as YYYY-MM."))
    month = parse_month(options.month)
    return class_month_pdf(db, _class_of(db, options).id, month, actor=actor)


def pickup_cards_for(db: Database, options, *, actor: access.Actor | None = None) -> bytes:
    return pickup_cards_pdfs(db, list(options.resident or []), actor=actor)


def enrolled_children(db: Database) -> set[int]:
    """The children enrolled in an after-school class now (member-cards --afterschool)."""
    with db.session() as s:
        return set(s.scalars(select(Enrolment.resident_id).where(Enrolment.status == ENROLLED).distinct()))


# -- the options that print each form for a filled database (the bundle's smoke test) -----------

def _some_class(db: Database) -> afterschool.ClassRow | None:
    classes = afterschool.list_classes(db)
    return max(classes, key=lambda c: c.enrolled) if classes else None


def some_class(db: Database) -> list[str]:
    cls = _some_class(db)
    return ["--class", cls.name] if cls else []


def some_session(db: Database) -> list[str]:
    """A class and a day it meets: the next session from today, else its last one."""
    cls = _some_class(db)
    if cls is None:
        return []
    held = [x.day for x in afterschool.sessions(db, cls.id, cls.term_start, cls.term_end) if not x.cancelled]
    if not held:
        return ["--class", cls.name]
    today = dt.date.today()
    day = next((d for d in held if d >= today), held[-1])
    return ["--class", cls.name, "--date", day.isoformat()]


def some_class_month(db: Database) -> list[str]:
    """A class and this month (or the class's last month, when its term is over)."""
    cls = _some_class(db)
    if cls is None:
        return []
    month = min(max(dt.date.today(), cls.term_start), cls.term_end)
    return ["--class", cls.name, "--month", month.strftime("%Y-%m")]


def some_child(db: Database) -> list[str]:
    """A child with pick-up cards to print."""
    with db.session() as s:
        rid = s.scalar(select(ChildProfile.resident_id)
                       .join(PickupPerson, PickupPerson.child_id == ChildProfile.id)
                       .where(PickupPerson.active.is_(True), PickupPerson.card_code.is_not(None))
                       .group_by(ChildProfile.resident_id).order_by(func.min(ChildProfile.id)).limit(1))
    return ["--resident", str(rid)] if rid is not None else []
