"""Resident forms: registration form (居民信息登记表), roster (花名册), member cards."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.residents import GENDERS, RELATIONS, ResidentDetail, ResidentRow, age_on, format_address
from app.services.validators import ID_KIND_LABELS, mask_id_number, mask_phone


def registration_form(detail: ResidentDetail, letterhead: Letterhead) -> bytes:
    """居民信息登记表 for one resident, with a consent line for the resident to sign."""
    return registration_forms([detail], letterhead)


def registration_forms(details: Sequence[ResidentDetail], letterhead: Letterhead) -> bytes:
    """One registration form per resident in one PDF, each starting on a new page."""
    story: list = []
    for detail in details:
        if story:
            story.append(PageBreak())
        story += _registration_story(detail, letterhead)
    return toolkit.build_pdf(_("Resident registration form"), story, letterhead)


def _registration_story(detail: ResidentDetail, letterhead: Letterhead) -> list:
    d = detail.data
    s = toolkit.styles()
    width = toolkit.usable_width()
    age = age_on(d.birth_date)
    pairs = [
        (_("Name"), d.name),
        (_("Gender"), _(GENDERS[d.gender]) if d.gender else ""),
        (_("Birth date"), format_date(d.birth_date)),
        (_("Age"), "" if age is None else str(age)),
        (_("ID type"), _(ID_KIND_LABELS[detail.id_kind]) if detail.id_kind else ""),
        (_("ID number"), d.id_number),
        (_("Phone"), d.phone),
        (_("Member code"), detail.member_code),
        (_("Estate"), d.estate),
        (_("Building / unit / room"), " / ".join(x for x in (d.building, d.unit, d.room) if x)),
        (_("Grid"), detail.grid_path),
        (_("Grid worker"), detail.grid_worker),
        (_("Tags"), "、".join(detail.tag_names)),
        (_("Status"), _("Active") if detail.active else _("Inactive since {date}").format(
            date=format_date(detail.deactivated_on))),
    ]
    story = toolkit.title_block(_("Resident registration form"), letterhead.centre_name)
    story.append(toolkit.field_table(pairs, width))
    story.append(toolkit.field_table([(_("Notes"), d.notes)], width, columns=1))
    story.append(Paragraph(_("Family and carers"), s["heading"]))
    if detail.links:
        story.append(toolkit.data_table(
            [_("Relation"), _("Name"), _("Phone")],
            [[_(RELATIONS[ln.relation][0]), ln.relative_name, ln.relative_phone] for ln in detail.links],
            [width * 0.25, width * 0.4, width * 0.35], zebra=False))
    else:
        story.append(Paragraph(_("None recorded."), s["body"]))
    story.append(toolkit.spacer(6))
    story.append(Paragraph(_(
        "I agree that the neighbourhood centre collects and uses the information above to provide "
        "services to me and my family, and keeps it safe. I may ask to see, correct or remove it."),
        s["body"]))
    story.append(toolkit.spacer(8))
    story.append(Paragraph(_("Signature of the resident (or guardian): ______________________    "
                             "Date: ______________"), s["body"]))
    story.append(toolkit.spacer(10))
    story.append(toolkit.signature_block(width))
    return story


ROSTER_COLUMNS_MM = (12, 24, 11, 11, 38, 27, 72, 30, 42)


def roster(rows: Sequence[ResidentRow], description: str, letterhead: Letterhead,
           progress: Callable[[int, int], None] | None = None) -> bytes:
    """花名册: one line per resident, ID numbers and phones masked, A4 landscape."""
    header = [_("No."), _("Name"), _("Gender"), _("Age"), _("ID number"), _("Phone"), _("Address"),
              _("Grid"), _("Tags")]
    widths = [w * mm for w in ROSTER_COLUMNS_MM]
    title = _("Resident roster")
    story = toolkit.title_block(title, _("{filter} · {count} residents").format(
        filter=description, count=format_number(len(rows))))
    genders = {code: _(label) for code, label in GENDERS.items()}
    lines = [[str(number), r.name, genders.get(r.gender, ""), "" if r.age is None else str(r.age),
              mask_id_number(r.id_number), mask_phone(r.phone), r.address, r.grid, r.tags]
             for number, r in enumerate(rows, 1)]
    if progress:
        progress(len(rows), len(rows))
    if rows:
        story.append(toolkit.LongTable(header, lines, widths, align_right=(0, 3)))
    else:
        story.append(Paragraph(_("No residents match this filter."), toolkit.styles()["body"]))
    story.append(toolkit.spacer(8))
    story.append(toolkit.signature_block(toolkit.usable_width(wide=True)))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


@dataclass(frozen=True)
class MemberCard:
    name: str
    member_code: str
    qr_payload: str


CARD_W, CARD_H = 85.6 * mm, 54 * mm   # ID-1, the size of a bank card
CARDS_ACROSS, CARDS_DOWN = 2, 4


def member_cards(cards: Sequence[MemberCard], letterhead: Letterhead) -> bytes:
    """Member cards, eight to an A4 sheet, to cut out along the dashed lines; each carries the centre's
    service phone (when it has one) and the day it was issued (the letterhead's printing date)."""
    per_page = CARDS_ACROSS * CARDS_DOWN
    area_w = toolkit.usable_width()
    area_h = A4[1] - toolkit.TOP_MARGIN - toolkit.BOTTOM_MARGIN
    story = []
    for start in range(0, max(len(cards), 1), per_page):
        page = list(cards[start:start + per_page])
        story.append(toolkit.DrawOnPage(area_w, area_h, lambda canv, page=page: _draw_cards(
            canv, page, letterhead, area_w, area_h)))
        if start + per_page < len(cards):
            story.append(PageBreak())
    return toolkit.build_pdf(_("Member cards"), story, letterhead)


def _draw_cards(canv, cards: Sequence[MemberCard], letterhead: Letterhead, area_w: float,
                area_h: float) -> None:
    gap_x = (area_w - CARDS_ACROSS * CARD_W) / (CARDS_ACROSS + 1)
    gap_y = (area_h - CARDS_DOWN * CARD_H) / (CARDS_DOWN + 1)
    for index, card in enumerate(cards):
        col, row = index % CARDS_ACROSS, index // CARDS_ACROSS
        x = gap_x + col * (CARD_W + gap_x)
        y = area_h - (row + 1) * (CARD_H + gap_y)
        _draw_card(canv, card, letterhead, x, y)


def _draw_card(canv, card: MemberCard, letterhead: Letterhead, x: float, y: float) -> None:
    canv.saveState()
    canv.setDash(3, 2)
    canv.setStrokeColor(colors.HexColor("#999999"))
    canv.roundRect(x, y, CARD_W, CARD_H, 3 * mm)
    canv.setDash()
    # header band with the centre's name
    canv.setFillColor(colors.HexColor("#b71c1c"))
    canv.rect(x, y + CARD_H - 11 * mm, CARD_W, 11 * mm, stroke=0, fill=1)
    canv.setFillColor(colors.white)
    canv.setFont(FONT, 9.5)
    canv.drawString(x + 4 * mm, y + CARD_H - 7.2 * mm, _fit(letterhead.centre_name, 9.5, CARD_W - 30 * mm))
    canv.drawRightString(x + CARD_W - 4 * mm, y + CARD_H - 7.2 * mm, _("Member card"))
    # photo box
    canv.setFillColor(colors.HexColor("#777777"))
    canv.setStrokeColor(colors.HexColor("#777777"))
    canv.rect(x + 4 * mm, y + 10 * mm, 20 * mm, 26 * mm)
    canv.setFont(FONT, 8)
    canv.drawCentredString(x + 14 * mm, y + 22 * mm, _("Photo"))
    # name and member number
    canv.setFillColor(colors.black)
    canv.setFont(FONT, 14)
    canv.drawString(x + 27 * mm, y + 30 * mm, _fit(card.name, 14, 31 * mm))
    canv.setFont(FONT, 7.5)
    canv.setFillColor(colors.HexColor("#555555"))
    canv.drawString(x + 27 * mm, y + 21 * mm, _("Member No."))
    canv.setFont(FONT, 10)
    canv.setFillColor(colors.black)
    canv.drawString(x + 27 * mm, y + 15.5 * mm, card.member_code)
    # QR code with the opaque member code only
    size = 23 * mm
    qr = toolkit.qr_drawing(card.qr_payload, size)
    qr.drawOn(canv, x + CARD_W - size - 3 * mm, y + 9.5 * mm)
    # footer: the centre's service phone and the day the card was issued
    canv.setStrokeColor(colors.HexColor("#cccccc"))
    canv.setLineWidth(0.4)
    canv.line(x + 4 * mm, y + 7 * mm, x + CARD_W - 4 * mm, y + 7 * mm)
    canv.setFont(FONT, 7)
    canv.setFillColor(colors.HexColor("#333333"))
    room = (CARD_W - 8 * mm) / 2 - 1 * mm
    if letterhead.centre_phone:
        canv.drawString(x + 4 * mm, y + 3 * mm, _fit(toolkit.with_colon(_("Service phone"))
                                                      + letterhead.centre_phone, 7, room))
    issued = format_date(letterhead.printed_on or dt.date.today(), "medium")
    canv.drawRightString(x + CARD_W - 4 * mm, y + 3 * mm, _fit(toolkit.with_colon(_("Issued on")) + issued, 7,
                                                               room))
    canv.restoreState()


def _fit(text: str, size: float, width: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` at font `size`."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


__all__ = ["registration_form", "roster", "member_cards", "MemberCard", "format_address"]
