"""Merchant alliance forms: a merchant's application (入盟申请表), its agreement (入盟协议书) with the
public-benefit commitments (公益服务条款), the window certificate (爱心商铺, QR code `NDM:<code>`), the
members' roster (联盟成员名册), the complaint ledger (投诉台账) and a quarter's ranking (季度评议排名).
Data in, PDF out: the data comes from services/alliance_print.py, phones already masked where the
reader may not see them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Table, TableStyle

from app.i18n import N_, _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.alliance import (RECOMMENDED, CommitmentRow, ComplaintRow, HalfYearRate, MerchantInfo,
                                   MerchantRow, RankingRow, average_text, certificate_payload, change_text)

# The alliance's general terms, the same for every member (the agreement's second part).
GENERAL_TERMS: tuple[str, ...] = (
    N_("Party B treats residents politely and honestly, and takes particular care of elders, children and "
       "people with disabilities."),
    N_("Party B provides the public-benefit services above as agreed, and tells Party A before changing or "
       "stopping any of them."),
    N_("Party B accepts the vouchers residents earn with volunteer points on the centre's points platform, "
       "on the terms the centre publishes."),
    N_("Party B accepts the centre's handling of residents' complaints and puts right what it is asked to."),
    N_("Party B takes part in the quarterly evaluation; the results may be made known to residents."),
    N_("Party A lists Party B as an alliance member, gives it the window certificate and makes its services "
       "known to residents."),
    N_("If Party B breaks these terms or is often complained about, Party A may suspend or end its "
       "membership; Party B may leave the alliance after telling Party A one month before."),
    N_("This agreement takes effect when both parties have signed and stamped it. It is made in two copies; "
       "each party keeps one."),
)

BLANK = "_" * 14


# -- shared pieces -------------------------------------------------------------------------------

def _note(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["small"])


def _heading(text: str) -> object:
    style = toolkit.styles()["heading"]
    style.keepWithNext = 1  # never alone at the foot of a page
    return toolkit.paragraph(text, style)


def _body(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["body"])


def _code_pair(row: MerchantRow) -> tuple[str, str]:
    """统一社会信用代码, or the business licence number of a shop without one (marked as such)."""
    if row.credit_code:
        return _("Unified social credit code"), row.credit_code
    return _("Business licence number (no credit code)"), row.licence_number or ""


def _contact(info: MerchantInfo) -> str:
    """"name phone": a registered resident's name when the contact is one."""
    return " ".join(x for x in (info.contact_person, info.contact_person_phone) if x) or info.row.contact


def period_text(since: dt.date, until: dt.date | None) -> str:
    """"2026年3月1日起" or "2026年3月1日至2026年12月31日"."""
    if until is None:
        return _("from {since}").format(since=format_date(since))
    return _("{since} to {until}").format(since=format_date(since), until=format_date(until))


def commitment_text(c: CommitmentRow) -> str:
    """One commitment as a clause: "免费充电：店内插座，随时可用。频次：每天；2026年3月1日起。"."""
    what = c.type_name if not c.detail else _("{service}: {detail}").format(service=c.type_name, detail=c.detail)
    return _("{what}. How often: {frequency}; {period}.").format(
        what=what.rstrip("。.；;"), frequency=c.frequency or _("as agreed"), period=period_text(c.since, c.until))


def _numbered(items: Sequence[str], width: float) -> Table:
    """Numbered clauses, the numbers in their own column so wrapped lines stay aligned."""
    s = toolkit.styles()
    data = [[_("{number}.").format(number=n), toolkit.paragraph(text, s["body"])] for n, text in enumerate(items, 1)]
    table = Table(data, colWidths=[9 * mm, width - 9 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _sign_columns(columns: Sequence[Sequence[str]], width: float) -> Table:
    """Signature columns side by side: each a heading, then "label: ______" lines to write on."""
    s = toolkit.styles()
    depth = max(len(c) for c in columns)
    data = []
    for r in range(depth):
        row = []
        for column in columns:
            text = column[r] if r < len(column) else ""
            row.append(toolkit.paragraph(text if r == 0 else toolkit.with_colon(text) + BLANK if text else "",
                                         s["body"]))
        data.append(row)
    table = Table(data, colWidths=[width / len(columns)] * len(columns),
                  rowHeights=[10 * mm] + [13 * mm] * (depth - 1))
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _commitments_table(items: Sequence[CommitmentRow], width: float, blank_rows: int = 0) -> Table:
    widths = [w * mm for w in (10, 38, 62, 30, 0)]
    widths[-1] = width - sum(widths)
    header = [_("No."), _("Public-benefit service"), _("Details"), _("How often"), _("From – until")]
    rows = [[str(n), c.type_name, c.detail, c.frequency, period_text(c.since, c.until)]
            for n, c in enumerate(items, 1)]
    rows += [[str(len(rows) + 1 + n), "", "", "", ""] for n in range(blank_rows)]
    return toolkit.data_table(header, rows, widths, zebra=False, align_right=(0,))


# -- 入盟申请表 -----------------------------------------------------------------------------------

def merchant_application(info: MerchantInfo, commitments: Sequence[CommitmentRow], letterhead: Letterhead) -> bytes:
    """入盟申请表: the merchant's details, how it applied, the public-benefit services it offers (blank
    lines to write more), a declaration, and lines for the applicant, the recommending resident (when
    recommended) and the centre's receiver to sign."""
    row = info.row
    title = _("Alliance membership application")
    width = toolkit.usable_width()
    story = toolkit.title_block(title, _("{name} · applied on {date}").format(
        name=row.name, date=format_date(row.applied_on)))
    story.append(_heading(_("The merchant")))
    story.append(toolkit.field_table([
        (_("Shop name"), row.name), _code_pair(row),
        (_("Business type"), row.business_type), (_("Shop address"), row.address),
        (_("Estate"), row.estate), (_("Grid"), row.grid),
        (_("Owner or contact"), info.contact_person or row.contact), (_("Contact phone"), info.contact_person_phone),
    ], width))
    story.append(_heading(_("The application")))
    pairs = [(_("Applied through"), row.applied_via_text), (_("Applied on"), format_date(row.applied_on)),
             (_("Batch"), row.batch), (_("Status"), row.status_text)]
    if row.applied_via == RECOMMENDED:
        pairs.insert(1, (_("Recommended by"), info.recommended_by))
    story.append(toolkit.field_table(pairs, width))
    story.append(_heading(_("Public-benefit services offered")))
    story.append(_commitments_table(commitments, width, blank_rows=max(0, 3 - len(commitments))))
    story.append(toolkit.spacer(4))
    story.append(_body(_("We apply to join the merchant alliance. The details above are true; we have read the "
                         "alliance's terms and will keep them, provide the services we offer, and accept "
                         "complaints handling and the quarterly evaluation.")))
    story.append(toolkit.spacer(6))
    columns = [[_("Applicant"), _("Signature and stamp"), _("Date")]]
    if row.applied_via == RECOMMENDED:
        columns.append([_("Recommending resident"), _("Signature"), _("Date")])
    columns.append([_("Received by (the centre)"), _("Signature"), _("Date")])
    story.append(KeepTogether([_sign_columns(columns, width)]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 入盟协议书 -----------------------------------------------------------------------------------

def merchant_agreement(info: MerchantInfo, commitments: Sequence[CommitmentRow], letterhead: Letterhead) -> bytes:
    """入盟协议书 between the centre (甲方) and the merchant (乙方): the public-benefit services the
    merchant promises as numbered clauses with how often and from when until when, the alliance's
    general terms, and signature and stamp lines for both parties."""
    row = info.row
    title = _("Alliance membership agreement")
    width = toolkit.usable_width()
    subtitle = _("Member code {code}").format(code=row.member_code) if row.member_code else ""
    story = toolkit.title_block(title, subtitle)
    code_label, code = _code_pair(row)
    story.append(toolkit.field_table([
        (_("Party A"), letterhead.centre_name), (_("Party B"), row.name),
        (_("Office address"), letterhead.centre_address), (code_label, code),
        (_("Phone"), letterhead.centre_phone), (_("Shop address"), row.address),
        (_("Person in charge"), ""), (_("Contact"), _contact(info)),
    ], width))
    story.append(toolkit.spacer(3))
    story.append(_body(_("To serve the residents together, Party B joins the merchant alliance of Party A and "
                         "both parties agree as follows.")))
    story.append(_heading(_("Part one: public-benefit services")))
    if commitments:
        story.append(_numbered([commitment_text(c) for c in commitments], width))
    else:
        story.append(_body(_("None agreed yet; to be added in writing.")))
    story.append(_heading(_("Part two: general terms")))
    story.append(_numbered([_(term) for term in GENERAL_TERMS], width))
    story.append(toolkit.spacer(8))
    story.append(KeepTogether([_sign_columns([
        [_("Party A (stamp): {name}").format(name=letterhead.centre_name), _("Representative"), _("Date")],
        [_("Party B (stamp): {name}").format(name=row.name), _("Representative"), _("Date")],
    ], width)]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 爱心商铺 window certificate -------------------------------------------------------------------

CERT_RED = colors.HexColor("#b71c1c")
CERT_LINES = 6                  # commitments shown; more are summed up on one line


def batch_member_text(batch: str) -> str:
    return _("{batch} alliance member").format(batch=batch) if batch else _("Alliance member")


def merchant_certificate(info: MerchantInfo, commitments: Sequence[CommitmentRow], letterhead: Letterhead) -> bytes:
    """The window certificate (landscape A4): 爱心商铺 large, the shop's name, its batch, the services
    it offers as short lines, a QR code of `NDM:<member code>` (the desk scans it to open the
    merchant), the centre's name and the date it is valid from."""
    if not info.row.member_code:
        raise ValueError("a certificate needs a member code")  # the service refuses non-members first
    size = landscape(A4)
    area_w = toolkit.usable_width(wide=True)
    area_h = size[1] - toolkit.TOP_MARGIN - toolkit.BOTTOM_MARGIN
    story = [toolkit.DrawOnPage(area_w, area_h, lambda canv: _draw_certificate(
        canv, info, commitments, letterhead, area_w, area_h))]
    return toolkit.build_pdf(_("Window certificate"), story, letterhead, wide=True)


def _draw_certificate(canv, info: MerchantInfo, commitments: Sequence[CommitmentRow], letterhead: Letterhead,
                      w: float, h: float) -> None:
    row = info.row
    canv.saveState()
    canv.setStrokeColor(CERT_RED)
    canv.setLineWidth(3)
    canv.rect(2 * mm, 2 * mm, w - 4 * mm, h - 4 * mm)
    canv.setLineWidth(0.8)
    canv.rect(5 * mm, 5 * mm, w - 10 * mm, h - 10 * mm)
    centre_x = w / 2
    canv.setFillColor(CERT_RED)
    canv.setFont(FONT, 60)
    canv.drawCentredString(centre_x, h - 38 * mm, _fit(_("Caring Shop"), 60, w - 30 * mm))
    canv.setFillColor(colors.black)
    canv.setFont(FONT, 28)
    canv.drawCentredString(centre_x, h - 58 * mm, _fit(row.name, 28, w - 30 * mm))
    canv.setFont(FONT, 15)
    canv.setFillColor(colors.HexColor("#333333"))
    canv.drawCentredString(centre_x, h - 69 * mm, _fit(batch_member_text(row.batch), 15, w - 30 * mm))
    canv.setStrokeColor(CERT_RED)
    canv.setLineWidth(0.6)
    canv.line(20 * mm, h - 76 * mm, w - 20 * mm, h - 76 * mm)
    # The services on the left, the QR code on the right.
    qr = 42 * mm
    text_x, text_w = 22 * mm, w - qr - 58 * mm
    lines = [_("{service} ({frequency})").format(service=c.type_name, frequency=c.frequency) if c.frequency
             else c.type_name for c in commitments]
    if len(lines) > CERT_LINES:
        more = format_number(len(lines) - CERT_LINES + 1)
        lines = lines[:CERT_LINES - 1] + [_("and {count} more").format(count=more)]
    if lines:  # no services yet: the public sign says nothing rather than "to be agreed"
        canv.setFillColor(colors.black)
        canv.setFont(FONT, 12)
        canv.drawString(text_x, h - 86 * mm, _("Our public-benefit services:"))
        canv.setFont(FONT, 13)
        for n, line in enumerate(lines):
            canv.drawString(text_x + 4 * mm, h - (95 + n * 8) * mm, _fit("· " + line, 13, text_w))
    qr_x, qr_y = w - qr - 22 * mm, h - 80 * mm - qr
    toolkit.qr_drawing(certificate_payload(row.member_code), qr).drawOn(canv, qr_x, qr_y)
    canv.setFont(FONT, 9)
    canv.drawCentredString(qr_x + qr / 2, qr_y - 3 * mm, row.member_code)
    # The centre and the date at the foot.
    canv.setFont(FONT, 14)
    canv.drawCentredString(centre_x, 22 * mm, _fit(letterhead.centre_name, 14, w - 30 * mm))
    canv.setFont(FONT, 11)
    canv.setFillColor(colors.HexColor("#333333"))
    valid = row.joined_on or row.status_since
    canv.drawCentredString(centre_x, 14 * mm, _("Valid from {date}").format(date=format_date(valid)))
    canv.restoreState()


def _fit(text: str, size: float, width: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` at font `size`."""
    if toolkit.text_width(text, size) <= width:
        return text
    while text and toolkit.text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


# -- 联盟成员名册 ----------------------------------------------------------------------------------

ROSTER_MM = (10, 52, 32, 70, 42, 28, 15, 18)  # 267 mm: landscape A4 between the margins


def alliance_roster(rows: Sequence[MerchantRow], letterhead: Letterhead, *, phones_masked: bool = True) -> bytes:
    """联盟成员名册: the members by batch (in the order given), each with its business type, address,
    contact, the day it joined, the commitments in force and its status."""
    title = _("Alliance roster")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("Members: {count}").format(count=format_number(len(rows))))
    header = [_("No."), _("Shop name"), _("Business type"), _("Shop address"), _("Contact"), _("Joined"),
              _("Services"), _("Status")]
    widths = [w * mm for w in ROSTER_MM]
    batches: dict[str, list[MerchantRow]] = {}
    for row in rows:
        batches.setdefault(row.batch, []).append(row)
    for batch, members in batches.items():
        story.append(_heading(_("{batch} · members: {count}").format(
            batch=batch or _("No batch"), count=format_number(len(members)))))
        story.append(toolkit.data_table(header, [
            [str(n), m.name, m.business_type, m.address, m.contact, format_date(m.joined_on),
             format_number(m.commitments), m.status_text] for n, m in enumerate(members, 1)],
            widths, align_right=(0, 6)))
    if not rows:
        story.append(_body(_("The alliance has no members yet.")))
    if phones_masked:
        story.append(toolkit.spacer(2))
        story.append(_note(_("Phones are masked: this reader may not see them in full.")))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


# -- 投诉台账 ------------------------------------------------------------------------------------

LEDGER_MM = (10, 26, 40, 24, 28, 58, 55, 26)  # 267 mm; 28 mm hold a phone (11 digits or a landline), 26 a long date


def half_year_text(year: int, half: int) -> str:
    return (_("the first half of {year}") if half == 1 else _("the second half of {year}")).format(year=year)


def rate_text(rate: HalfYearRate) -> str:
    """The half-year line: complaints per member and its change from the half-year before."""
    half = half_year_text(rate.year, rate.half)
    if rate.rate is None:
        return _("Complaint rate in {half}: the alliance had no members.").format(half=half)
    text = _("Complaint rate in {half}: on average {rate} complaints per member shop (complaints about "
             "members: {complaints}; members: {members}).") \
        .format(half=half, rate=average_text(rate.rate), complaints=format_number(rate.complaints),
                members=format_number(rate.active_members))
    previous = half_year_text(rate.year - 1, 2) if rate.half == 1 else half_year_text(rate.year, 1)
    if rate.change is None:
        change = _("Nothing to compare with in {previous}.")
    elif round(rate.change * 100, 1) == 0:
        change = _("Unchanged from {previous}.")
    elif rate.change < 0:
        change = _("Down {percent} from {previous}.")
    else:
        change = _("Up {percent} from {previous}.")
    percent = change_text(rate.change or 0)  # "15.3%": the sign comes with the words
    return text + " " + change.format(previous=previous, percent=percent)


def complaint_ledger(rows: Sequence[ComplaintRow], date_from: dt.date, date_to: dt.date, rate: HalfYearRate,
                     letterhead: Letterhead) -> bytes:
    """投诉台账 of the complaints received from `date_from` to `date_to`: the day, the merchant, who
    complained (phone masked unless the reader may see it), what, how it was resolved and when;
    then the totals and the complaint rate of the half-year containing `date_to`."""
    title = _("Complaint ledger")
    width = toolkit.usable_width(wide=True)
    story = toolkit.title_block(title, _("{start} to {end}").format(start=format_date(date_from),
                                                                    end=format_date(date_to)))
    header = [_("No."), _("Received on"), _("Merchant"), _("Complainant"), _("Phone"), _("Complaint"),
              _("Resolution"), _("Resolved on")]
    data = [[str(n), format_date(c.received_on), c.merchant, c.complainant, c.complainant_phone,
             " ".join(c.what.split()), " ".join(c.resolution.split()), format_date(c.resolved_on)]
            for n, c in enumerate(rows, 1)]
    if data:
        story.append(toolkit.data_table(header, data, [w * mm for w in LEDGER_MM], align_right=(0,)))
    else:
        story.append(_body(_("No complaint was received in this period.")))
    resolved = sum(1 for c in rows if c.resolved_on is not None)
    story.append(toolkit.spacer(3))
    story.append(_body(_("Complaints: {count}; resolved: {resolved}; still open: {open}.").format(
        count=format_number(len(rows)), resolved=format_number(resolved), open=format_number(len(rows) - resolved))))
    story.append(_body(rate_text(rate)))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


# -- 季度评议排名 ----------------------------------------------------------------------------------

def quarter_text(year: int, quarter: int) -> str:
    return _("Q{quarter} {year}").format(year=year, quarter=quarter)


def score_text(value: float) -> str:
    return average_text(value)


def alliance_ranking(year: int, quarter: int, rows: Sequence[RankingRow], letterhead: Letterhead) -> bytes:
    """季度评议排名: each evaluated member's rank (ties share one), how many evaluated it, its average
    and its average on each criterion (0–10)."""
    title = _("Alliance ranking")
    criteria = list(dict.fromkeys(name for r in rows for name in r.by_criterion))
    wide = len(criteria) > 4
    width = toolkit.usable_width(wide=wide)
    story = toolkit.title_block(title, _("{quarter} · members evaluated: {count}").format(
        quarter=quarter_text(year, quarter), count=format_number(len(rows))))
    fixed = [12 * mm, 56 * mm, 18 * mm, 18 * mm]
    each = (width - sum(fixed)) / max(len(criteria), 1)
    header = [_("Rank"), _("Merchant"), _("Evaluators"), _("Average"), *criteria]
    data = [[format_number(r.rank), r.merchant, format_number(r.evaluators), score_text(r.average),
             *("" if name not in r.by_criterion else score_text(r.by_criterion[name]) for name in criteria)]
            for r in rows]
    story.append(toolkit.data_table(header, data, fixed + [each] * len(criteria),
                                    align_right=(0, *range(2, len(header)))))
    story.append(toolkit.spacer(2))
    story.append(_note(_("Each evaluator scores every criterion from 0 to 10; the average is taken over evaluators "
                         "and criteria. Members with the same average share a rank.")))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead, wide=wide)


__all__ = ["GENERAL_TERMS", "merchant_application", "merchant_agreement", "merchant_certificate", "alliance_roster",
           "complaint_ledger", "alliance_ranking", "commitment_text", "rate_text", "quarter_text", "half_year_text"]
