"""Service counter forms: receipt (受理回执), dispatch slip (转办单), letter of
authorisation (委托书) and the ticket ledger (服务台账)."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepInFrame, KeepTogether, Paragraph, Table, TableStyle

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead, escape
from app.services.counter import CounterFigures, TicketInfo, TicketRow, ticket_qr_payload
from app.services.validators import mask_phone

BLANK = "_" * 22  # a line to write on by hand
ID_BLANK = "_" * 34  # room for 18 handwritten digits


def _number_block(ticket: TicketInfo, width: float) -> Table:
    """The ticket number, large, beside its QR code (the number only: no personal data)."""
    s = toolkit.styles()
    label = Paragraph(escape(_("Ticket number")), s["body"])
    number = Paragraph(escape(ticket.number), ParagraphStyle(
        "number", parent=s["body"], fontSize=24, leading=30))
    qr_size = 26 * mm
    qr = toolkit.qr_drawing(ticket_qr_payload(ticket.number), qr_size)
    table = Table([[[label, toolkit.spacer(1), number], qr]],
                  colWidths=[width - qr_size - 6 * mm, qr_size + 6 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10),  # else Table sets Helvetica
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("BOX", (0, 0), (-1, -1), 0.8, toolkit.GRID),
                               ("LEFTPADDING", (0, 0), (0, 0), 4 * mm), ("TOPPADDING", (0, 0), (-1, -1), 3),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _proxy_line(ticket: TicketInfo) -> str:
    return _("{agent} runs this errand for {principal}: {matter}").format(
        agent=ticket.proxy_agent, principal=ticket.proxy_principal, matter=ticket.proxy_matter)


def _requester(ticket: TicketInfo, phone: str) -> str:
    return "  ".join(x for x in (ticket.requester, phone) if x)


# The receipt is one A4 sheet cut in two A5 halves: the stub (存根) the centre keeps, above, and the
# receipt (回执) the requester takes home, below. The cut line lies across the middle of the sheet.
HALF_PAGE = A4[1] / 2 - toolkit.TOP_MARGIN   # from the top of the writing area to the sheet's middle
CUT_HEIGHT = 8 * mm
STAMP_W, STAMP_H = 42 * mm, 30 * mm           # a round official seal is 40-42 mm across


class _CutLine(Flowable):
    """A dashed line across the page with "cut along this line" in its middle (the font has no ✂)."""

    def __init__(self, width: float, label: str):
        super().__init__()
        self.width, self.height, self.label = width, CUT_HEIGHT, label

    def wrap(self, *_args):
        return self.width, self.height

    def draw(self):
        canv, middle, y = self.canv, self.width / 2, self.height / 2
        gap = pdfmetrics.stringWidth(self.label, FONT, 8) / 2 + 3 * mm
        canv.saveState()
        canv.setStrokeColor(toolkit.GRID)
        canv.setLineWidth(0.6)
        canv.setDash(4, 3)
        canv.line(-toolkit.MARGIN / 2, y, middle - gap, y)
        canv.line(middle + gap, y, self.width + toolkit.MARGIN / 2, y)
        canv.setFont(FONT, 8)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawCentredString(middle, y - 2.8, self.label)
        canv.restoreState()


def _fixed_height(content: list, width: float, height: float) -> Table:
    """`content` at the top of a box exactly `height` tall, shrunk if it would not fit (a very long
    request), so that the cut line always lies across the middle of the sheet."""
    table = Table([[KeepInFrame(width, height, content, mode="shrink", vAlign="TOP")]], colWidths=[width],
                  rowHeights=[height])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "TOP")]
                              + [(side + "PADDING", (0, 0), (-1, -1), 0)
                                 for side in ("LEFT", "RIGHT", "TOP", "BOTTOM")]))
    return table


def _part_heading(title: str, centre_name: str, part: str, width: float) -> Table:
    """The centre and the form's title, centred, and which part of the sheet this is at the right."""
    s = toolkit.styles()
    centred = [Paragraph(escape(centre_name), ParagraphStyle("centre", parent=s["body"], alignment=TA_CENTER)),
               Paragraph(escape(title), ParagraphStyle("part_title", parent=s["title"], spaceAfter=0))]
    tag = Paragraph(escape(part), ParagraphStyle("part", parent=s["body"], alignment=TA_CENTER))
    side = 40 * mm
    table = Table([["", centred, tag]], colWidths=[side, width - 2 * side, side])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BOX", (2, 0), (2, 0), 0.8, toolkit.GRID),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("LEFTPADDING", (2, 0), (2, 0), 4), ("RIGHTPADDING", (2, 0), (2, 0), 4),
                               ("TOPPADDING", (2, 0), (2, 0), 4), ("BOTTOMPADDING", (2, 0), (2, 0), 5)]))
    return table


def _filled(label: str, value: str) -> str:
    """'经办人：王主任' for a Paragraph, the value underlined as if written on the line."""
    return "{}<u>&nbsp;{}&nbsp;</u>".format(escape(toolkit.with_colon(label)), escape(value))


def receipt(ticket: TicketInfo, letterhead: Letterhead, received_by: str = "") -> bytes:
    """受理回执 on one A4 sheet: above the cut line the stub (存根) the centre keeps, with room for the
    requester to sign; below it the receipt (回执) for the requester, with the number to quote, its QR
    code, the promised date and a place for the centre's stamp. `received_by`: who received the request
    (经办人). The phone is masked on both parts."""
    s = toolkit.styles()
    width = toolkit.usable_width()
    title = _("Service request receipt")
    requester = _requester(ticket, mask_phone(ticket.requester_phone))
    received = format_date(ticket.received_on)
    request_rows = [(_("Request"), ticket.description)]
    if ticket.proxy_errand:
        request_rows.append((_("Proxy errand"), _proxy_line(ticket)))
    line = ParagraphStyle("line", parent=s["body"], fontSize=10.5, leading=16)

    stub = [_part_heading(title, letterhead.centre_name, _("Stub · kept by the centre"), width),
            toolkit.spacer(4)]
    stub.append(toolkit.field_table([
        (_("Ticket number"), ticket.number), (_("Received on"), received),
        (_("Requester"), requester), (_("Kind of request"), ticket.category),
        (_("Channel"), ticket.channel_label), (_("Urgency"), ticket.urgency_label),
        (_("Promised by"), format_date(ticket.due_on)), (_("Grid"), ticket.grid),
    ], width))
    stub.append(toolkit.field_table(request_rows, width, columns=1))
    stub.append(toolkit.spacer(6))
    signed = Table([[Paragraph(_filled(_("Handled by"), received_by), line),
                     Paragraph(_filled(_("Date"), received), line),
                     Paragraph(escape(toolkit.with_colon(_("Requester's signature"))) + "_" * 16, line)]],
                   colWidths=[width * 0.3, width * 0.3, width * 0.4], rowHeights=[12 * mm])
    signed.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    stub.append(signed)

    part = [_part_heading(title, letterhead.centre_name, _("Receipt · for the requester"), width),
            toolkit.spacer(3), _number_block(ticket, width), toolkit.spacer(3)]
    part.append(toolkit.field_table([
        (_("Requester"), requester), (_("Kind of request"), ticket.category),
        (_("Received on"), received), (_("Promised by"), format_date(ticket.due_on)),
        (_("Channel"), ticket.channel_label), (_("Urgency"), ticket.urgency_label),
    ], width))
    part.append(toolkit.field_table(request_rows, width, columns=1))
    part.append(toolkit.spacer(3))
    if letterhead.centre_phone:
        call = _("Please keep this receipt. Quote the ticket number {number} when you call the centre "
                 "on {phone}.").format(number=ticket.number, phone=letterhead.centre_phone)
    else:
        call = _("Please keep this receipt. Quote the ticket number {number} when you ask about your "
                 "request.").format(number=ticket.number)
    notes = [Paragraph(escape(call), s["body"])]
    if ticket.proxy_errand:
        notes.append(Paragraph(escape(_("This is a proxy errand: the centre runs it for you with your "
                                        "letter of authorisation.")), s["body"]))
    notes += [toolkit.spacer(4), Paragraph(_filled(_("Handled by"), received_by), line),
              Paragraph(_filled(_("Date"), received), line)]
    stamp = Paragraph(escape(_("Stamp")), ParagraphStyle("stamp", parent=s["body"], alignment=TA_CENTER,
                                                          textColor=colors.HexColor("#999999")))
    closing = Table([[notes, "", stamp]], colWidths=[width - STAMP_W - 6 * mm, 6 * mm, STAMP_W],
                    rowHeights=[STAMP_H])
    closing.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                                 ("VALIGN", (2, 0), (2, 0), "MIDDLE"),
                                 ("LEFTPADDING", (0, 0), (0, 0), 0),
                                 ("BOX", (2, 0), (2, 0), 0.6, toolkit.GRID, None, (2, 2))]))
    part.append(closing)

    stub_height = HALF_PAGE - CUT_HEIGHT / 2
    rest = A4[1] - toolkit.TOP_MARGIN - toolkit.BOTTOM_MARGIN - HALF_PAGE - CUT_HEIGHT / 2 - 1 * mm
    story = [_fixed_height(stub, width, stub_height), _CutLine(width, _("Cut along this line")),
             _fixed_height(part, width, rest)]
    return toolkit.build_pdf(title, story, letterhead)


def _sign_and_date(who: str, width: float) -> Table:
    """'who: ______   Date: ______', with room above the lines to sign."""
    s = toolkit.styles()
    cells = [Paragraph(escape(toolkit.with_colon(label)) + BLANK, s["body"]) for label in (who, _("Date"))]
    table = Table([cells], colWidths=[width * 0.6, width * 0.4], rowHeights=[12 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def dispatch_slip(ticket: TicketInfo, letterhead: Letterhead, instructions: Sequence[tuple[str, str]] = ()) -> bytes:
    """转办单 for the handler: the full phone (they call the requester), what the desk asked for
    (`instructions`: (step, note) of dispatches and escalations) and room to report back."""
    s = toolkit.styles()
    width = toolkit.usable_width()
    title = _("Dispatch slip")
    story = toolkit.title_block(title, letterhead.centre_name)
    story += [_number_block(ticket, width), toolkit.spacer(4)]
    pairs = [
        (_("Received on"), format_date(ticket.received_on)),
        (_("Promised by"), format_date(ticket.due_on)),
        (_("Level"), ticket.level_label),
        (_("Urgency"), ticket.urgency_label),
        (_("Assigned to"), ticket.assignee),
        (_("Grid"), ticket.grid),
        (_("Requester"), ticket.requester),
        (_("Phone"), ticket.requester_phone),
        (_("Kind of request"), ticket.category),
        (_("Channel"), ticket.channel_label),
    ]
    story.append(toolkit.field_table(pairs, width))
    rows = [(_("Request"), ticket.description)]
    if ticket.proxy_errand:
        rows.append((_("Proxy errand"), _proxy_line(ticket)))
    rows += [(step, note) for step, note in instructions]
    if ticket.on_hold:
        rows.append((_("On hold since"), format_date(ticket.held_since)))
    story.append(toolkit.field_table(rows, width, columns=1))
    story.append(Paragraph(escape(_("To be filled in by the handler")), s["heading"]))
    story.append(_handling_box(width))
    story.append(toolkit.spacer(4))
    story.append(Paragraph(escape(_(
        "For staff only: this slip carries the requester's full phone number. Return it to the desk "
        "when the matter is handled.")), s["small"]))
    return toolkit.build_pdf(title, story, letterhead)


def _handling_box(width: float) -> Table:
    s = toolkit.styles()
    label_w = 34 * mm
    half = (width - 2 * label_w) / 2

    def label(text: str) -> Paragraph:
        return Paragraph(escape(text), s["cell"])

    data = [
        [label(_("How it was handled")), "", "", ""],
        [label(_("Result")), _tick_boxes([_("Resolved"), _("Not resolved yet"), _("Needs escalating")]),
         "", ""],
        [label(_("Handler's signature")), "", label(_("Date handled")), ""],
        [label(_("Returned to the desk on")), "", label(_("Received back by")), ""],
    ]
    table = Table(data, colWidths=[label_w, half, label_w, half],
                  rowHeights=[70 * mm, 12 * mm, 14 * mm, 14 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, toolkit.GRID),
        ("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 1), (3, 1)),
        ("BACKGROUND", (0, 0), (0, -1), toolkit.HEAD_BG),
        ("BACKGROUND", (2, 2), (2, 3), toolkit.HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _tick_boxes(choices: Sequence[str]) -> Table:
    """Empty squares to tick, each followed by its choice (the font's □ is too small to tick)."""
    box = 3.6 * mm
    cells, widths = [], []
    commands = [("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for side in ("LEFT", "RIGHT", "TOP", "BOTTOM"):
        commands.append((side + "PADDING", (0, 0), (-1, -1), 0))
    for choice in choices:
        column = len(cells)
        commands += [("BOX", (column, 0), (column, 0), 0.7, colors.black),
                     ("LEFTPADDING", (column + 1, 0), (column + 1, 0), 2 * mm)]
        cells += ["", choice]
        widths += [box, pdfmetrics.stringWidth(choice, FONT, 10) + 11 * mm]
    table = Table([cells], colWidths=widths, rowHeights=[box], hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def authorisation_letter(ticket: TicketInfo, letterhead: Letterhead, principal_id: str = "") -> bytes:
    """委托书: the principal authorises the agent. `principal_id`: the principal's ID number from the
    resident's file, as the person printing may see it (masked unless they may see it in full); without
    it, and always for the agent, there is a line to write the number by hand."""
    s = toolkit.styles()
    width = toolkit.usable_width()
    title = _("Letter of authorisation")
    letter = ParagraphStyle("letter", parent=s["body"], fontSize=11.5, leading=24)
    story = toolkit.title_block(title, _("Ticket {number}").format(number=ticket.number))
    for role, name, number in ((_("Principal"), ticket.proxy_principal, principal_id),
                               (_("Agent"), ticket.proxy_agent, "")):
        id_line = _filled(_("ID number"), number) if number else escape(toolkit.with_colon(_("ID number"))
                                                                         + ID_BLANK)
        story.append(Paragraph("{}<u>&nbsp;&nbsp;{}&nbsp;&nbsp;</u>&nbsp;&nbsp;&nbsp;&nbsp;{}".format(
            escape(toolkit.with_colon(role)), escape(name), id_line), letter))
    story.append(toolkit.spacer(4))
    story.append(Paragraph(escape(_(
        "I, {principal}, cannot attend to this matter in person and authorise {agent} to handle it on my "
        "behalf at {centre} (ticket {number}). I accept what the agent does within this authorisation.")
        .format(principal=ticket.proxy_principal, agent=ticket.proxy_agent, centre=letterhead.centre_name,
                number=ticket.number)), ParagraphStyle("indent", parent=letter, firstLineIndent=23)))
    story.append(Paragraph(escape(toolkit.with_colon(_("Matter authorised")) + ticket.proxy_matter), letter))
    story.append(Paragraph(escape(_("This authorisation is valid from the day it is signed until the matter "
                                  "is completed.")), letter))
    story.append(toolkit.spacer(8))
    story.append(_sign_and_date(_("Principal (signature or fingerprint)"), width))
    story.append(toolkit.spacer(4))
    story.append(_sign_and_date(_("Agent (signature)"), width))
    story.append(toolkit.spacer(8))
    story.append(Paragraph(escape(_("Checked by the centre")), s["heading"]))
    story.append(toolkit.signature_block(width))
    return toolkit.build_pdf(title, story, letterhead)


# -- ledger ---------------------------------------------------------------------------------

# Landscape A4 leaves 267 mm. Short dates (2026/11/27) leave room for the request and its result,
# which wrap inside their cells; the other columns fit their usual contents on one line.
LEDGER_COLUMNS_MM = (23, 17, 15, 22, 19, 32, 14, 12, 14, 17, 17, 17, 31, 17)


def _number_key(row: TicketRow) -> tuple:
    """FW202611-0042 sorts by month, then numerically (so -10000 follows -9999)."""
    prefix, _sep, tail = row.number.partition("-")
    return (prefix, int(tail) if tail.isdigit() else 0, row.number)


def _one_line(text: str) -> str:
    """A note typed over several lines, as one line for a ledger cell (which wraps it)."""
    return " ".join((text or "").split())


def _percent(rate: float | None, part: int, whole: int) -> str:
    if rate is None:
        return "—"
    return "{}% ({} / {})".format(format_number(rate), format_number(part), format_number(whole))


def ledger(rows: Sequence[TicketRow], description: str, figures: CounterFigures, letterhead: Letterhead,
           progress: Callable[[int, int], None] | None = None, *, filtered: bool = False,
           results: Mapping[int, str] | None = None) -> bytes:
    """服务台账: one line per ticket by number, with the request and the result (`results`: ticket id →
    how it was resolved), overdue marked in words, then the period's figures."""
    results = results or {}
    s = toolkit.styles()
    title = _("Service ticket ledger")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("{filter} · {count} tickets").format(
        filter=description, count=format_number(len(rows))))
    header = [_("Ticket number"), _("Received on"), _("Requester"), _("Phone"), _("Kind of request"),
              _("Request"), _("Channel"), _("Level"), _("Assigned to"), _("Status"), _("Promised by"),
              _("Resolved on"), _("How it was resolved"), _("Satisfaction")]
    lines = []
    days: dict = {}  # a year's ledger repeats each date many times; babel is slow

    def day(value):
        if value not in days:
            days[value] = format_date(value, "short")
        return days[value]

    for r in sorted(rows, key=_number_key):
        # "overdue" in words, so it survives black-and-white printing
        status = r.status_label
        if r.overdue:
            status = _("{status} (overdue)").format(status=status)
        elif r.resolved_on is not None and r.resolved_on > r.due_on:
            status = _("{status} (late)").format(status=status)
        level = _("{level} (escalated)").format(level=r.level_label) if r.escalated else r.level_label
        lines.append([r.number, day(r.received_on), r.requester, mask_phone(r.requester_phone), r.category,
                      _one_line(r.description), r.channel_label, level, r.assignee, status, day(r.due_on),
                      day(r.resolved_on), _one_line(results.get(r.id, "")), r.satisfaction_label])
    if progress:
        progress(len(rows), len(rows))
    if lines:
        story.append(toolkit.LongTable(header, lines, [w * mm for w in LEDGER_COLUMNS_MM], font_size=8))
    else:
        story.append(Paragraph(escape(_("No tickets match this filter.")), s["body"]))
    f = figures
    summary = [Paragraph(escape(_("Figures for {start} to {end}").format(
        start=format_date(f.date_from), end=format_date(f.date_to))), s["heading"])]
    summary.append(Paragraph(escape(_("Received: tickets received in the period. Resolved, on time and within "
                                    "the grid: tickets resolved in the period, whenever received. Satisfaction: "
                                    "follow-ups made in the period.")), s["small"]))
    if filtered:
        summary.append(Paragraph(escape(_("Tickets of every status: the status filter above does not apply "
                                        "to the figures.")), s["small"]))
        summary.append(toolkit.spacer(1.5))
    average = "—" if f.average_days_to_resolve is None else format_number(f.average_days_to_resolve)
    pairs = [
        (_("Tickets received"), format_number(f.received)),
        (_("Tickets resolved"), format_number(f.resolved)),
        (_("Resolved on time"), _percent(f.on_time_rate, f.resolved_on_time, f.resolved)),
        (_("Resolved within the grid"), _percent(f.within_grid_rate, f.resolved_within_grid, f.resolved)),
        (_("Average working days to resolve"), average),
        (_("Satisfaction rate"), _percent(f.satisfaction_rate, f.satisfied, f.followed_up)),
        (_("Proxy errands"), format_number(f.proxy_errands)),
        (_("Open and overdue"), format_number(f.open_overdue)),
    ]
    summary += [toolkit.field_table(pairs, width, columns=4), toolkit.spacer(8), toolkit.signature_block(width)]
    story.append(KeepTogether(summary))  # figures and signatures on one page, never a page of their own
    return toolkit.build_pdf(title, story, letterhead, wide=True)


__all__ = ["receipt", "dispatch_slip", "authorisation_letter", "ledger", "LEDGER_COLUMNS_MM"]
