"""After-school forms: a class's roster (花名册), a session's sign-in and sign-out sheet for paper
use (签到签退表), a class's month attendance summary (月出勤汇总) and pick-up cards (接送卡).
Data in, PDF out: the data comes from services/afterschool_print.py. Medical notes are never on
these forms; allergies (roster, sheet) and guardians' phones only when the caller says the reader
may see them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Table, TableStyle

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.afterschool import ABSENT, GRADES, LEAVE, PICKUP_CARD_PREFIX, PRESENT, ClassRow, Session
from app.services.residents import GENDERS


@dataclass(frozen=True)
class Adult:
    """Someone who may collect a child; `phone` is "" when the reader may not see it."""

    name: str
    relation: str
    phone: str = ""


@dataclass(frozen=True)
class RosterLine:
    """A child on a class's roster."""

    name: str
    gender: str | None        # residents.GENDERS code
    age: int | None
    school: str
    grade: int | None          # afterschool.GRADES
    id_number: str             # masked
    guardians: tuple[Adult, ...]
    may_go_home_alone: bool
    allergies: str = ""        # printed only with show_allergies


@dataclass(frozen=True)
class SheetLine:
    """A child on a session's sign-in sheet and who may collect them."""

    name: str
    pickup: tuple[Adult, ...]
    may_go_home_alone: bool
    allergies: str = ""        # printed only with show_allergies


@dataclass(frozen=True)
class MonthLine:
    """A child's month in a class: the status at each session day (PRESENT, LEAVE, ABSENT, or
    missing: not marked, or not enrolled that day), late pick-ups and pick-ups by someone not on
    the list."""

    name: str
    marks: dict[dt.date, str]
    late: int = 0
    unlisted: int = 0

    def count(self, status: str) -> int:
        return sum(1 for s in self.marks.values() if s == status)


@dataclass(frozen=True)
class PickupCard:
    """A pick-up card (接送卡): one adult, one child; the QR code carries the card's code only."""

    child: str
    adult: str
    relation: str
    code: str

    @property
    def qr_payload(self) -> str:
        return PICKUP_CARD_PREFIX + self.code


# -- shared pieces -------------------------------------------------------------------------------

_A_MONDAY = dt.date(2024, 1, 1)


def weekday_name(day: int) -> str:
    """周一 … 周日 (Mon … Sun) for 0 … 6."""
    return format_date(_A_MONDAY + dt.timedelta(days=day), "EEE")


def weekdays_text(days: frozenset[int]) -> str:
    return _(", ").join(weekday_name(d) for d in sorted(days)) or "—"


def clock(value: dt.time | dt.datetime | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def month_text(month: dt.date) -> str:
    return _("{year}-{month:02d}").format(year=month.year, month=month.month)


def grade_text(grade: int | None) -> str:
    return _(GRADES[grade]) if grade in GRADES else ""


def _day_text(day: dt.date) -> str:
    return "{} {}".format(format_date(day), format_date(day, "EEEE"))


def adult_text(adult: Adult, *, phone: bool = True) -> str:
    """"王芳（母亲）138…" — the relation in brackets, the phone when there is one."""
    text = _("{name} ({relation})").format(name=adult.name, relation=adult.relation) if adult.relation \
        else adult.name
    return "{} {}".format(text, adult.phone) if phone and adult.phone else text


def _class_fields(cls: ClassRow) -> list[tuple[str, str]]:
    return [
        (_("Class type"), cls.type_name),
        (_("Term"), _("{start} to {end}").format(start=format_date(cls.term_start), end=format_date(cls.term_end))),
        (_("Schedule"), "{} {}–{}".format(weekdays_text(cls.weekdays), clock(cls.start_time), clock(cls.end_time))),
        (_("Room"), cls.room),
        (_("Teacher"), cls.teacher),
        (_("Capacity"), _("{capacity} places, {enrolled} enrolled").format(
            capacity=format_number(cls.capacity), enrolled=format_number(cls.enrolled))),
    ]


def _note(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["small"])


def _allergies_left_out() -> object:
    return _note(_("Allergies are left out: this reader may not see children's medical notes."))


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# -- 花名册 -----------------------------------------------------------------------------------

ROSTER_MM = (10, 24, 11, 11, 44, 18, 40, 87, 22)  # 267 mm: landscape A4 between the margins
ROSTER_ALLERGIES_MM = (10, 22, 10, 10, 36, 16, 40, 71, 32, 20)  # the same with 过敏 before the last


def class_roster(cls: ClassRow, lines: Sequence[RosterLine], letterhead: Letterhead, *,
                 show_phones: bool = False, show_allergies: bool = False) -> bytes:
    """花名册 of a class: its details, then one line per child enrolled (ID numbers masked, the
    guardians with their relation, their phones when `show_phones`, allergies when
    `show_allergies`)."""
    title = _("Class roster")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("{name} · {count} children").format(
        name=cls.name, count=format_number(len(lines))))
    story.append(toolkit.field_table(_class_fields(cls), width, columns=3))
    story.append(toolkit.spacer(4))
    genders = {code: _(label) for code, label in GENDERS.items()}
    header = [_("No."), _("Name"), _("Gender"), _("Age"), _("School"), _("Grade"), _("ID number"),
              _("Guardians") if not show_phones else _("Guardians and phones"), _("May go home alone")]
    rows = [[str(n), line.name, genders.get(line.gender or "", ""), "" if line.age is None else str(line.age),
             line.school, grade_text(line.grade), line.id_number,
             "\n".join(adult_text(g, phone=show_phones) for g in line.guardians),
             _yes_no(line.may_go_home_alone)]
            for n, line in enumerate(lines, 1)]
    widths = ROSTER_MM
    if show_allergies:
        header.insert(-1, _("Allergies"))
        for row, line in zip(rows, lines, strict=True):
            row.insert(-1, line.allergies)
        widths = ROSTER_ALLERGIES_MM
    if rows:
        story.append(toolkit.data_table(header, rows, [w * mm for w in widths], align_right=(0, 3)))
    else:
        story.append(toolkit.paragraph(_("No child is enrolled in this class."), toolkit.styles()["body"]))
    if not show_phones:
        story.append(toolkit.spacer(2))
        story.append(_note(_("Phones are left out: this reader may not see guardians' phones.")))
    if not show_allergies:
        story.append(toolkit.spacer(2))
        story.append(_allergies_left_out())
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


# -- 签到签退表 --------------------------------------------------------------------------------

SHEET_MM = (9, 22, 47, 17, 17, 36, 32)  # 180 mm: portrait A4
SHEET_ALLERGIES_MM = (9, 20, 40, 23, 16, 16, 31, 25)  # the same with 过敏 after the name
SHEET_ROW = 11 * mm                      # room to write a time, a name and sign


def session_sheet(cls: ClassRow, session: Session, lines: Sequence[SheetLine], letterhead: Letterhead, *,
                  show_allergies: bool = False) -> bytes:
    """签到签退表 of one session, filled in by hand when the desk cannot scan (entered later from
    paper): the children enrolled that day (their allergies when `show_allergies`) and who may
    collect each one, blank columns for the times, who collected the child and their relation,
    and a signature."""
    title = _("After-school sign-in and sign-out sheet")
    s = toolkit.styles()
    story = toolkit.title_block(title, _("{class_name} · {day} · {start}–{end}").format(
        class_name=cls.name, day=_day_text(session.day), start=clock(session.start_time),
        end=clock(session.end_time)))
    story.append(toolkit.field_table([
        (_("Room"), cls.room), (_("Teacher"), cls.teacher),
        (_("Children enrolled"), format_number(len(lines))), (_("Children present"), "")], toolkit.usable_width()))
    story.append(toolkit.spacer(3))
    header = [_("No."), _("Name"), _("May be collected by"), _("Sign-in time"), _("Sign-out time"),
              _("Collected by / relation"), _("Signature")]
    if show_allergies:
        header.insert(2, _("Allergies"))
    widths = [w * mm for w in (SHEET_ALLERGIES_MM if show_allergies else SHEET_MM)]
    small = s["small"]
    data = [[toolkit.paragraph(h, s["cell"]) for h in header]]
    for number, line in enumerate(lines, 1):
        who = [adult_text(a, phone=False) for a in line.pickup]
        if line.may_go_home_alone:
            who.append(_("may go home alone"))
        row = [str(number), toolkit.cell(line.name, s["cell"], widths[1]),
               toolkit.paragraph(_(", ").join(who), small), "", "", "", ""]
        if show_allergies:
            row.insert(2, toolkit.paragraph(line.allergies, small) if line.allergies else "")
        data.append(row)
    if not lines:
        data.append(["", _("No child is enrolled in this class on this day."), *[""] * (len(header) - 2)])
    extra = [("SPAN", (1, 1), (-1, 1))] if not lines else []
    story.append(toolkit.sign_in_table(data, widths, SHEET_ROW, extra, padding=3))
    story.append(toolkit.spacer(2))
    story.append(_note(_("Write times as HH:MM. Hand a child only to an adult listed beside the child; anyone "
                         "else: call a guardian first and write down their name, phone, relation and why.")))
    if not show_allergies:
        story.append(_allergies_left_out())
    story.append(toolkit.spacer(4))
    story.append(KeepTogether([toolkit.signature_block(toolkit.usable_width())]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 月出勤汇总 --------------------------------------------------------------------------------

MONTH_FIXED_MM = (8, 22)          # No., name
MONTH_TOTAL_MM = 12               # each total column
MONTH_TOTALS = 5                  # present, on leave, absent, late, unlisted


def _mark(status: str | None) -> str:
    if status == PRESENT:
        return "✓"
    if status == LEAVE:
        return _("Lv")  # 假
    if status == ABSENT:
        return _("Ab")  # 缺
    return ""


def class_month(cls: ClassRow, month: dt.date, days: Sequence[dt.date], lines: Sequence[MonthLine],
                cancelled: Sequence[Session], letterhead: Letterhead) -> bytes:
    """月出勤汇总 of a class: a grid of children × the month's session days (✓ present, 假 on
    leave, 缺 absent), each child's totals, late pick-ups and pick-ups by someone not on the list,
    and each session's number present; the sessions cancelled are listed below."""
    title = _("Class month attendance")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("{name} · {month} · {count} sessions").format(
        name=cls.name, month=month_text(month), count=format_number(len(days))))
    story.append(toolkit.field_table(_class_fields(cls), width, columns=3))
    story.append(toolkit.spacer(3))
    fixed = sum(MONTH_FIXED_MM) * mm + MONTH_TOTALS * MONTH_TOTAL_MM * mm
    day_w = (width - fixed) / max(len(days), 1)
    day_w = min(day_w, 14 * mm)
    font = 8 if day_w >= 8 * mm else 7
    s = toolkit.styles()
    head = ParagraphStyle("mhead", parent=s["cell"], fontSize=font, leading=font * 1.2, alignment=TA_CENTER)
    header = ([_("No."), _("Name")] + ["{}\n{}".format(d.day, weekday_name(d.weekday())) for d in days]
              + [_("Present"), _("On leave"), _("Absent"), _("Late pick-ups"), _("Unlisted pick-ups")])
    widths = ([w * mm for w in MONTH_FIXED_MM] + [day_w] * len(days) + [MONTH_TOTAL_MM * mm] * MONTH_TOTALS)
    data = [[toolkit.paragraph(h, head) for h in header]]
    for number, line in enumerate(lines, 1):
        data.append([str(number), toolkit.cell(line.name, s["cell"], widths[1])]
                    + [_mark(line.marks.get(d)) for d in days]
                    + [format_number(line.count(PRESENT)), format_number(line.count(LEAVE)),
                       format_number(line.count(ABSENT)), format_number(line.late), format_number(line.unlisted)])
    data.append(["", _("Total")] + [format_number(sum(1 for x in lines if x.marks.get(d) == PRESENT)) for d in days]
                + [format_number(sum(x.count(status) for x in lines)) for status in (PRESENT, LEAVE, ABSENT)]
                + [format_number(sum(x.late for x in lines)), format_number(sum(x.unlisted for x in lines))])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, font + 1),
        ("GRID", (0, 0), (-1, -1), 0.4, toolkit.GRID),
        ("BACKGROUND", (0, 0), (-1, 0), toolkit.HEAD_BG),
        ("BACKGROUND", (0, -1), (-1, -1), toolkit.HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 1), (-1, -1), "CENTER"),
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    story.append(table)
    story.append(toolkit.spacer(2))
    story.append(_note(_("✓ present · {leave} on leave · {absent} absent · blank: not marked or not enrolled that "
                         "day. Late pick-ups: signed out after the end time plus the grace period. Unlisted "
                         "pick-ups: collected by someone not on the child's list.").format(
        leave=_mark(LEAVE), absent=_mark(ABSENT))))
    if cancelled:
        story.append(toolkit.spacer(1.5))
        story.append(_note(_("Sessions cancelled: {list}").format(list=_("; ").join(
            "{} {}".format(format_date(c.day), c.reason).strip() for c in cancelled))))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


# -- 接送卡 ----------------------------------------------------------------------------------

CARD_W, CARD_H = 85.6 * mm, 54 * mm   # ID-1, like the member cards
CARDS_ACROSS, CARDS_DOWN = 2, 4
CARD_COLOUR = colors.HexColor("#1b5e20")  # green, to tell it from a member card at a glance


def pickup_cards(cards: Sequence[PickupCard], letterhead: Letterhead) -> bytes:
    """接送卡, eight to an A4 sheet, to cut out along the dashed lines: the centre, the child, the
    adult and their relation, and a QR code of the card's code (scanned at sign-out)."""
    per_page = CARDS_ACROSS * CARDS_DOWN
    area_w = toolkit.usable_width()
    area_h = A4[1] - toolkit.TOP_MARGIN - toolkit.BOTTOM_MARGIN
    story: list = []
    for start in range(0, max(len(cards), 1), per_page):
        page = list(cards[start:start + per_page])
        story.append(toolkit.DrawOnPage(area_w, area_h, lambda canv, page=page: _draw_cards(
            canv, page, letterhead, area_w, area_h)))
        if start + per_page < len(cards):
            story.append(PageBreak())
    return toolkit.build_pdf(_("Pick-up cards"), story, letterhead)


def _draw_cards(canv, cards: Sequence[PickupCard], letterhead: Letterhead, area_w: float, area_h: float) -> None:
    gap_x = (area_w - CARDS_ACROSS * CARD_W) / (CARDS_ACROSS + 1)
    gap_y = (area_h - CARDS_DOWN * CARD_H) / (CARDS_DOWN + 1)
    for index, card in enumerate(cards):
        col, row = index % CARDS_ACROSS, index // CARDS_ACROSS
        _draw_card(canv, card, letterhead, gap_x + col * (CARD_W + gap_x), area_h - (row + 1) * (CARD_H + gap_y))


def _draw_card(canv, card: PickupCard, letterhead: Letterhead, x: float, y: float) -> None:
    canv.saveState()
    canv.setDash(3, 2)
    canv.setStrokeColor(colors.HexColor("#999999"))
    canv.roundRect(x, y, CARD_W, CARD_H, 3 * mm)
    canv.setDash()
    canv.setFillColor(CARD_COLOUR)
    canv.rect(x, y + CARD_H - 11 * mm, CARD_W, 11 * mm, stroke=0, fill=1)
    canv.setFillColor(colors.white)
    canv.setFont(FONT, 9.5)
    canv.drawString(x + 4 * mm, y + CARD_H - 7.2 * mm, _fit(letterhead.centre_name, 9.5, CARD_W - 30 * mm))
    canv.drawRightString(x + CARD_W - 4 * mm, y + CARD_H - 7.2 * mm, _("Pick-up card"))
    text_w = CARD_W - 33 * mm
    for label, value, top, size in ((_("Child"), card.child, 36, 14),
                                    (_("Collected by"), card.adult, 23.5, 12)):
        canv.setFont(FONT, 7.5)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawString(x + 4 * mm, y + top * mm, label)
        canv.setFont(FONT, size)
        canv.setFillColor(colors.black)
        canv.drawString(x + 4 * mm, y + (top - 5.5) * mm, _fit(value, size, text_w))
    canv.setFont(FONT, 9)
    canv.drawString(x + 4 * mm, y + 13 * mm, _fit(toolkit.with_colon(_("Relation")) + card.relation, 9, text_w))
    size = 23 * mm
    toolkit.qr_drawing(card.qr_payload, size).drawOn(canv, x + CARD_W - size - 3 * mm, y + 9.5 * mm)
    canv.setStrokeColor(colors.HexColor("#cccccc"))
    canv.setLineWidth(0.4)
    canv.line(x + 4 * mm, y + 7 * mm, x + CARD_W - 4 * mm, y + 7 * mm)
    canv.setFont(FONT, 7)
    canv.setFillColor(colors.HexColor("#333333"))
    canv.drawString(x + 4 * mm, y + 3 * mm, _fit(_("Show this card when collecting the child."), 7, CARD_W - 34 * mm))
    canv.drawRightString(x + CARD_W - 4 * mm, y + 3 * mm, card.code)
    canv.restoreState()


def _fit(text: str, size: float, width: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` at font `size`."""
    if toolkit.text_width(text, size) <= width:
        return text
    while text and toolkit.text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


__all__ = ["Adult", "RosterLine", "SheetLine", "MonthLine", "PickupCard", "class_roster", "session_sheet",
           "class_month", "pickup_cards", "month_text", "weekday_name"]
