"""Volunteer points forms: a resident's statement (积分对账单), a voucher slip (积分兑换券, QR code
`NDV:<code>`) and the month's ledger (积分台账). Data in, PDF out: the data comes from
services/points_print.py."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.points import (EARN, ISSUED, REVERSE, VOUCHER_KINDS, EntryRow, Statement, VoucherRow,
                                 points_text)


def signed(points: int) -> str:
    """"+20" / "-30" / "0": a ledger's points with their direction."""
    sign = "+" if points > 0 else "-" if points < 0 else ""
    return sign + format_number(abs(points))


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from is None and date_to is None:
        return _("All entries")
    if date_from is None:
        return _("Until {end}").format(end=format_date(date_to))
    if date_to is None:
        return _("From {start}").format(start=format_date(date_from))
    return _("{start} to {end}").format(start=format_date(date_from), end=format_date(date_to))


def kind_mark(e: EntryRow) -> str:
    """The entry's kind, marked when a later entry reversed it ("获得（已冲正）")."""
    if e.reversed_by_id is not None:
        return _("{kind} (reversed)").format(kind=e.kind_text)
    return e.kind_text


def details_text(e: EntryRow) -> str:
    """What the entry was for: the service and how much, the voucher and its code, or the entry a
    reversal undoes."""
    if e.kind == EARN:
        return " ".join(x for x in (e.service_type, e.quantity_text) if x)
    if e.kind == REVERSE:
        return _("Reverses entry {number}").format(number=e.reverses_id)
    return " ".join(x for x in (e.note, e.voucher_code) if x)


def note_text(e: EntryRow) -> str:
    """The note (a reversal's reason), and for a reversed entry the entry that reversed it."""
    note = "" if e.kind not in (EARN, REVERSE) else e.note
    if e.reversed_by_id is not None:
        later = _("Reversed by entry {number}").format(number=e.reversed_by_id)
        return _("{note}; {more}").format(note=note, more=later) if note else later
    return note


def _body(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["body"])


def _note(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["small"])


# -- 积分对账单 ---------------------------------------------------------------------------------

STATEMENT_MM = (13, 28, 24, 46, 16, 16, 0)  # the note takes the rest


def points_statement(st: Statement, letterhead: Letterhead) -> bytes:
    """积分对账单 of one resident: the period, the opening balance, each entry with its running balance
    (entries later reversed, and the reversals, marked with the entry they point at), the closing
    balance and the period's totals by kind."""
    title = _("Points statement")
    width = toolkit.usable_width()
    story = toolkit.title_block(title, _("{name} · {period}").format(name=st.resident,
                                                                     period=period_text(st.date_from, st.date_to)))
    story.append(toolkit.field_table([
        (_("Resident"), st.resident), (_("Record number"), str(st.resident_id)),
        (_("Opening balance"), points_text(st.opening)), (_("Closing balance"), points_text(st.closing)),
    ], width))
    story.append(toolkit.spacer(3))
    widths = [w * mm for w in STATEMENT_MM]
    widths[-1] = width - sum(widths)
    header = [_("Entry no."), _("Date"), _("Kind"), _("Service or voucher"), _("Points"), _("Balance"), _("Note")]
    rows = [["", "", _("Opening balance"), "", "", format_number(st.opening), ""]]
    rows += [[str(e.id), format_date(e.day), kind_mark(e), details_text(e), signed(e.points),
              format_number(e.balance if e.balance is not None else 0), note_text(e)] for e in st.entries]
    rows.append(["", "", _("Closing balance"), "", "", format_number(st.closing), ""])
    story.append(toolkit.data_table(header, rows, widths, align_right=(0, 4, 5)))
    story.append(toolkit.spacer(3))
    totals: dict[str, int] = {}
    for e in st.entries:
        totals[e.kind_text] = totals.get(e.kind_text, 0) + e.points
    if st.entries:
        story.append(_body(_("In this period: {totals}.").format(totals=_(", ").join(
            _("{kind} {points}").format(kind=kind, points=signed(points)) for kind, points in totals.items()))))
    else:
        story.append(_body(_("No entry in this period.")))
    story.append(_note(_("Points are never edited: a mistake is put right by a reversal, an entry of the opposite "
                         "points that names the entry it reverses and the reason.")))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 积分兑换券 ---------------------------------------------------------------------------------

SLIP_W, SLIP_H = 148 * mm, 105 * mm  # A6 landscape, at the top of the A4 sheet, to cut out
SLIP_GREEN = colors.HexColor("#1b5e20")


def voucher_slip(v: VoucherRow, description: str, letterhead: Letterhead) -> bytes:
    """积分兑换券: an A6 card (cut from the A4 sheet) with the voucher's name, kind and points, who honours
    it, whose it is, when it was issued and until when it is good, its code in text and as a QR code
    (`NDV:<code>`), and "one use only". A voucher no longer usable says so across the card."""
    width = toolkit.usable_width()
    story = [toolkit.DrawOnPage(width, SLIP_H + 12 * mm,
                                lambda canv: _draw_slip(canv, v, description, letterhead, width))]
    return toolkit.build_pdf(_("Points voucher"), story, letterhead)


def _draw_slip(canv, v: VoucherRow, description: str, letterhead: Letterhead, width: float) -> None:
    x0, y0 = (width - SLIP_W) / 2, 12 * mm
    canv.saveState()
    # The cut line round the card.
    canv.setDash(3, 3)
    canv.setStrokeColor(colors.HexColor("#999999"))
    canv.setLineWidth(0.5)
    canv.rect(x0 - 3 * mm, y0 - 3 * mm, SLIP_W + 6 * mm, SLIP_H + 6 * mm)
    canv.setDash()
    canv.setFont(FONT, 7)
    canv.setFillColor(colors.HexColor("#777777"))
    canv.drawString(x0 - 3 * mm, y0 - 7 * mm, _("Cut along the dashed line"))
    canv.setStrokeColor(SLIP_GREEN)
    canv.setLineWidth(1.5)
    canv.rect(x0, y0, SLIP_W, SLIP_H)
    top = y0 + SLIP_H
    # Heading: the centre and the title.
    canv.setFillColor(SLIP_GREEN)
    canv.setFont(FONT, 9)
    canv.drawString(x0 + 6 * mm, top - 8 * mm, _fit(letterhead.centre_name, 9, SLIP_W - 12 * mm))
    canv.setFont(FONT, 16)
    canv.drawString(x0 + 6 * mm, top - 17 * mm, _("Points voucher"))
    # The voucher: name large, kind and points.
    canv.setFillColor(colors.black)
    text_w = SLIP_W - 52 * mm
    canv.setFont(FONT, 15)
    canv.drawString(x0 + 6 * mm, top - 28 * mm, _fit(v.voucher_type, 15, text_w))
    canv.setFont(FONT, 11)
    lines = [
        _("{kind} · {points}").format(kind=_(VOUCHER_KINDS.get(v.kind, v.kind)), points=points_text(v.points)),
        toolkit.with_colon(_("Honoured by")) + v.merchant,
        toolkit.with_colon(_("Holder")) + v.resident,
        toolkit.with_colon(_("Voucher issued on")) + format_date(v.issued_at.date()),
        toolkit.with_colon(_("Good until")) + format_date(v.expires_on),
    ]
    if description:
        lines.append(" ".join(description.split()))
    for n, line in enumerate(lines):
        canv.drawString(x0 + 6 * mm, top - (38 + n * 7) * mm, _fit(line, 11, text_w))
    # The QR code and the code in text on the right.
    qr = 38 * mm
    qr_x, qr_y = x0 + SLIP_W - qr - 6 * mm, top - 22 * mm - qr
    toolkit.qr_drawing(v.payload, qr).drawOn(canv, qr_x, qr_y)
    canv.setFont(FONT, 11)
    canv.drawCentredString(qr_x + qr / 2, qr_y - 3 * mm, _code_groups(v.code))
    # The foot: one use only.
    canv.setStrokeColor(SLIP_GREEN)
    canv.setLineWidth(0.5)
    canv.line(x0 + 6 * mm, y0 + 12 * mm, x0 + SLIP_W - 6 * mm, y0 + 12 * mm)
    canv.setFont(FONT, 9)
    canv.setFillColor(SLIP_GREEN)
    canv.drawString(x0 + 6 * mm, y0 + 6 * mm, _fit(_("One use only; not exchangeable for cash. Show this voucher "
                                                     "where it is honoured."), 9, SLIP_W - 12 * mm))
    if v.status != ISSUED:  # a reprint of a voucher that can no longer be used
        canv.setFillColor(colors.HexColor("#b71c1c"))
        canv.setFont(FONT, 22)
        canv.translate(x0 + SLIP_W - 28 * mm, y0 + 20 * mm)  # below the QR code, clear of the text
        canv.rotate(12)
        canv.drawCentredString(0, 0, v.status_text)
    canv.restoreState()


def _code_groups(code: str) -> str:
    """"ABCDE FGHJK": easier to read aloud or type from the slip."""
    return code[:5] + " " + code[5:] if len(code) > 5 else code


def _fit(text: str, size: float, width: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` at font `size`."""
    if toolkit.text_width(text, size) <= width:
        return text
    while text and toolkit.text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


# -- 积分台账 ------------------------------------------------------------------------------------

LEDGER_MM = (12, 26, 22, 26, 24, 37, 16, 18, 0)  # landscape: the note takes the rest


def month_text(month: dt.date) -> str:
    return _("{year}-{month:02d}").format(year=month.year, month=month.month)


def points_ledger(month: dt.date, rows: Sequence[EntryRow], letterhead: Letterhead) -> bytes:
    """积分台账 of a month: every entry (day, resident, kind, service type, quantity, points, who
    recorded it, note), then the totals by kind and, for points earned, by service type."""
    title = _("Points ledger")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("{month} · entries: {count}").format(
        month=month_text(month), count=format_number(len(rows))))
    widths = [w * mm for w in LEDGER_MM]
    widths[-1] = width - sum(widths)
    header = [_("Entry no."), _("Date"), _("Resident"), _("Kind"), _("Service type"), _("Quantity or voucher"),
              _("Points"), _("Recorded by"), _("Note")]
    lines = [[str(e.id), format_date(e.day), e.resident, kind_mark(e), e.service_type,
              e.quantity_text if e.kind == EARN else details_text(e), signed(e.points), e.recorded_by,
              note_text(e)] for e in rows]
    if lines:
        story.append(toolkit.LongTable(header, lines, widths, font_size=8, align_right=(0, 6)))
    else:
        story.append(_body(_("No entry in this month.")))
    story.append(toolkit.spacer(4))
    by_kind: dict[str, list[int]] = {}
    by_type: dict[str, list[int]] = {}
    for e in rows:
        k = by_kind.setdefault(e.kind_text, [0, 0])
        k[0] += 1
        k[1] += e.points
        if e.kind == EARN:
            t = by_type.setdefault(e.service_type, [0, 0])
            t[0] += 1
            t[1] += e.points
    cols = [60 * mm, 22 * mm, 28 * mm]
    kind_rows = [[kind, format_number(n), signed(p)] for kind, (n, p) in by_kind.items()]
    kind_rows.append([_("Total"), format_number(len(rows)), signed(sum(e.points for e in rows))])
    type_rows = [[name, format_number(n), signed(p)] for name, (n, p) in sorted(by_type.items())]
    type_rows.append([_("Total"), format_number(sum(n for n, _p in by_type.values())),
                      signed(sum(p for _n, p in by_type.values()))])
    tables = []
    for heading, first, lines_ in ((_("Totals by kind of entry"), _("Kind"), kind_rows),
                                   (_("Points earned by service type"), _("Service type"), type_rows)):
        table = toolkit.data_table([first, _("Entries"), _("Points")], lines_, cols, zebra=False, align_right=(1, 2))
        table.hAlign = "LEFT"
        tables += [_body(heading), table, toolkit.spacer(3)]
    story.append(KeepTogether(tables + [toolkit.spacer(3), toolkit.signature_block(width)]))  # signed with its totals
    return toolkit.build_pdf(title, story, letterhead, wide=True)


__all__ = ["points_statement", "voucher_slip", "points_ledger", "signed", "period_text", "kind_mark"]
