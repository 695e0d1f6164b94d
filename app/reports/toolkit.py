"""The form toolkit: A4 page templates, tables, signature block, QR codes.

A form is a function: data in, PDF bytes out. Nothing here imports Qt or
touches the database. Every PDF embeds a subset of the bundled Chinese font.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from app.i18n import _, format_date
from app.paths import resource_path

FONT = "WenQuanYiMicroHei"
MARGIN = 15 * mm
TOP_MARGIN, BOTTOM_MARGIN = 16 * mm, 14 * mm


def register_font() -> str:
    """Register the bundled TrueType font with reportlab once; returns its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "wqy-microhei.ttc")),
                                       subfontIndex=0))
    return FONT


@dataclass(frozen=True)
class Letterhead:
    """What every page carries: the centre and when the form was printed."""

    centre_name: str
    centre_address: str = ""
    centre_phone: str = ""
    printed_on: dt.date | None = None


def styles() -> dict[str, ParagraphStyle]:
    register_font()
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER,
                                spaceAfter=4 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, alignment=TA_CENTER,
                                   spaceAfter=4 * mm, textColor=colors.HexColor("#444444")),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=16, spaceBefore=3 * mm,
                                  spaceAfter=2 * mm),
    }


def _numbered_canvas(letterhead: Letterhead, title: str):
    """A canvas that draws header and footer once the page count is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT  # no stray Helvetica
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, height - 10 * mm, letterhead.centre_name)
            self.drawRightString(width - MARGIN, height - 10 * mm, title)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            self.line(MARGIN, height - 11.5 * mm, width - MARGIN, height - 11.5 * mm)
            printed = _("Printed {date}").format(date=format_date(letterhead.printed_on or dt.date.today()))
            self.drawString(MARGIN, 8 * mm, printed)
            self.drawRightString(width - MARGIN, 8 * mm,
                                 _("Page {page} of {total}").format(page=self._pageNumber, total=total))
            self.restoreState()

    return NumberedCanvas


def build_pdf(title: str, story: list, letterhead: Letterhead, *, wide: bool = False,
              subject: str = "") -> bytes:
    """Lay out `story` on A4 (landscape when `wide`) with header and page numbers."""
    register_font()
    size = landscape(A4) if wide else A4
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN, title=title,
                          author=letterhead.centre_name, subject=subject or title,
                          creator="Neighbourhood Desk")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=_numbered_canvas(letterhead, title))
    return buffer.getvalue()


def usable_width(wide: bool = False) -> float:
    size = landscape(A4) if wide else A4
    return size[0] - 2 * MARGIN


def title_block(title: str, subtitle: str = "") -> list:
    s = styles()
    out = [Paragraph(escape(title), s["title"])]
    if subtitle:
        out.append(Paragraph(escape(subtitle), s["subtitle"]))
    return out


def escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str, style: ParagraphStyle, width: float, padding: float = 6) -> object:
    """A plain string when it fits the column, otherwise a wrapping paragraph.

    Plain strings are much faster to lay out; long rosters depend on it.
    """
    text = "" if text is None else str(text)
    if pdfmetrics.stringWidth(text, FONT, style.fontSize) <= width - padding and "\n" not in text:
        return text
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


GRID = colors.HexColor("#888888")
HEAD_BG = colors.HexColor("#e8edf3")
ZEBRA = colors.HexColor("#f6f6f6")


def data_table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float], *,
               font_size: float = 9, zebra: bool = True, align_right: Sequence[int] = ()) -> Table:
    """A table whose header row repeats on every page and whose cells wrap Chinese text."""
    s = styles()
    style = ParagraphStyle("tcell", parent=s["cell"], fontSize=font_size, leading=font_size * 1.3)
    head_style = ParagraphStyle("thead", parent=style, alignment=TA_CENTER)
    data = [[Paragraph(escape(h), head_style) for h in header]]
    for row in rows:
        data.append([cell(value, style, w) for value, w in zip(row, widths)])
    table = Table(data, colWidths=list(widths), repeatRows=1)
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in align_right:
        commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    if zebra:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
    table.setStyle(TableStyle(commands))
    return table


def field_table(pairs: Sequence[tuple[str, str]], width: float, columns: int = 2) -> Table:
    """Label/value pairs in a ruled grid, `columns` pairs per row (a registration form)."""
    s = styles()
    label_w = 30 * mm
    value_w = width / columns - label_w
    data, row = [], []
    for label, value in pairs:
        row += [Paragraph(escape(label), s["cell"]), cell(value, s["cell"], value_w)]
        if len(row) == columns * 2:
            data.append(row)
            row = []
    if row:
        row += [""] * (columns * 2 - len(row))
        data.append(row)
    table = Table(data, colWidths=[label_w, value_w] * columns, rowHeights=None)
    commands = [("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]
    for c in range(columns):
        commands.append(("BACKGROUND", (c * 2, 0), (c * 2, -1), HEAD_BG))
    table.setStyle(TableStyle(commands))
    return table


def with_colon(label: str) -> str:
    """"经办人：" in Chinese, "Handled by:" in English."""
    return _("{label}: ").format(label=label)


def signature_block(width: float) -> Table:
    """经办人 / 负责人 / 盖章 / 日期, with room to sign and stamp."""
    s = styles()
    labels = [_("Handled by"), _("Person in charge"), _("Stamp"), _("Date")]
    line = "_" * 14
    data = [[Paragraph(escape(with_colon(label)), s["body"]) for label in labels],
            [line, line, "", line]]
    quarter = width / 4
    table = Table(data, colWidths=[quarter] * 4, rowHeights=[8 * mm, 22 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
        ("BOX", (2, 1), (2, 1), 0.6, GRID),  # the stamp box
        ("ALIGN", (2, 1), (2, 1), "CENTER"),
    ]))
    return table


def qr_drawing(payload: str, size: float = 22 * mm) -> Drawing:
    widget = QrCodeWidget(payload, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.initialFontName = FONT  # else rendering the drawing selects Helvetica into the PDF
    return drawing


def spacer(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


class DrawOnPage(Flowable):
    """A flowable that fills a whole page by drawing on the canvas (card sheets)."""

    def __init__(self, width: float, height: float, draw: Callable[[object], None]):
        super().__init__()
        self.width, self.height, self._draw = width, height, draw

    def wrap(self, *_args):
        return self.width, self.height

    def draw(self):
        self._draw(self.canv)


class LongTable(Flowable):
    """A ruled table for long lists (rosters, ledgers of thousands of rows).

    reportlab's Table spends ~25 µs per cell on layout and drawing, too slow for
    a 26,000-row roster; this draws each page's text in one text object and its
    rules in one path. Cells wrap Chinese text character by character; the header
    row repeats on every page. Use `data_table` for short tables.
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
                 font_size: float = 8.5, align_right: Sequence[int] = (), padding: float = 3,
                 _heights: list[float] | None = None, _lines: list | None = None):
        super().__init__()
        register_font()
        self.header, self.rows, self.widths = list(header), rows, list(widths)
        self.font_size, self.align_right, self.padding = font_size, set(align_right), padding
        self.leading = font_size * 1.25
        self.head_lines = [self._wrap(h, w) for h, w in zip(self.header, self.widths)]
        self.head_height = self._row_height(self.head_lines)
        if _lines is None:
            _lines = [[self._wrap(v, w) for v, w in zip(row, self.widths)] for row in rows]
            _heights = [self._row_height(cells) for cells in _lines]
        self.lines, self.heights = _lines, _heights

    def _wrap(self, text, width: float) -> list[str]:
        text = "" if text is None else str(text)
        room = width - 2 * self.padding
        if pdfmetrics.stringWidth(text, FONT, self.font_size) <= room:
            return [text]
        # Chinese breaks between any two characters; words with spaces (English) break at the
        # spaces, and only a word longer than the cell is cut.
        pieces = re.findall(r"\S+\s*|\s+", text) if " " in text else list(text)
        out, current = [], ""
        for piece in pieces:
            if current and pdfmetrics.stringWidth(current + piece.rstrip(), FONT, self.font_size) > room:
                out.append(current.rstrip())
                current = ""
            while pdfmetrics.stringWidth(piece.rstrip(), FONT, self.font_size) > room and len(piece) > 1:
                cut = len(piece) - 1
                while cut > 1 and pdfmetrics.stringWidth(piece[:cut], FONT, self.font_size) > room:
                    cut -= 1
                out.append(piece[:cut])
                piece = piece[cut:]
            current += piece
        return out + [current.rstrip()]

    def _row_height(self, cells: list[list[str]]) -> float:
        return max(len(c) for c in cells) * self.leading + 2 * self.padding - (self.leading - self.font_size)

    def wrap(self, avail_width, avail_height):
        self.width = sum(self.widths)
        self.height = self.head_height + sum(self.heights)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        used, count = self.head_height, 0
        for height in self.heights:
            if used + height > avail_height:
                break
            used += height
            count += 1
        if count == 0 or count == len(self.heights):
            return [] if count == 0 else [self]
        kw = dict(font_size=self.font_size, align_right=self.align_right, padding=self.padding)
        return [LongTable(self.header, self.rows[:count], self.widths, _heights=self.heights[:count],
                          _lines=self.lines[:count], **kw),
                LongTable(self.header, self.rows[count:], self.widths, _heights=self.heights[count:],
                          _lines=self.lines[count:], **kw)]

    def draw(self):
        canv = self.canv
        xs = [0.0]
        for w in self.widths:
            xs.append(xs[-1] + w)
        top = self.height
        canv.saveState()
        canv.setFillColor(HEAD_BG)
        canv.rect(0, top - self.head_height, xs[-1], self.head_height, stroke=0, fill=1)
        canv.setFillColor(ZEBRA)
        y = top - self.head_height
        for i, height in enumerate(self.heights):
            if i % 2:
                canv.rect(0, y - height, xs[-1], height, stroke=0, fill=1)
            y -= height
        canv.setFillColor(colors.black)
        text = canv.beginText()
        text.setFont(FONT, self.font_size, self.leading)
        rows = [(self.head_lines, self.head_height, True)] + [
            (cells, h, False) for cells, h in zip(self.lines, self.heights)]
        y = top
        rules = []
        for cells, height, is_head in rows:
            first_line = y - self.padding - self.font_size * 0.85
            for column, lines in enumerate(cells):
                for n, line in enumerate(lines):
                    if not line:
                        continue
                    width = pdfmetrics.stringWidth(line, FONT, self.font_size)
                    if is_head:
                        x = xs[column] + (self.widths[column] - width) / 2
                    elif column in self.align_right:
                        x = xs[column + 1] - self.padding - width
                    else:
                        x = xs[column] + self.padding
                    text.setTextOrigin(x, first_line - n * self.leading)
                    text.textOut(line)
            y -= height
            rules.append((0, y, xs[-1], y))
        canv.drawText(text)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.4)
        rules.append((0, top, xs[-1], top))
        rules += [(x, top, x, 0) for x in xs]
        canv.lines(rules)
        canv.restoreState()
