"""The form toolkit: A4 page templates, tables, signature block, QR codes.

A form is a function: data in, PDF bytes out. Nothing here imports Qt or
touches the database. Every PDF embeds a subset of the bundled Chinese font, and
of the rare-character fallback fonts when a name needs them.

Every piece of text reaches the page through `runs()`, which splits it by the
font that has each character: Paragraph markup through `markup()` (also called
`escape()`), plain table cells and anything drawn on the canvas through the
page canvas's drawString family; LongTable draws its rows' runs itself. A
character no bundled font has prints as 〓 and is counted, never dropped.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import logging
import re
import threading
import unicodedata
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from app.i18n import _, current_language, format_date
from app.paths import resource_path

log = logging.getLogger(__name__)

FONT = "WenQuanYiMicroHei"
# Rare characters (生僻字: CJK Ext-A, Ext-B to Ext-F) the main font lacks, tried in this order;
# resources/fonts/README.md says what each covers and how it was made.
FALLBACK_FONTS = (("RareHanA", "RareHanA.ttf"), ("RareHanB", "RareHanB.ttf"))
MISSING = "〓"  # printed for a character no bundled font has (the main font has it)
MARGIN = 15 * mm
TOP_MARGIN, BOTTOM_MARGIN = 16 * mm, 14 * mm

# Text with Chinese (or other CJK) in it wraps between any two characters; other text at spaces.
_CJK_TEXT = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
                       "\U00020000-\U0003ffff]")
# Marks that draw nothing by themselves (variation selectors, zero-width joiners): left out
# when no font has them, rather than printed as MISSING.
_INVISIBLE = ("Mn", "Me", "Cf")


def register_font() -> str:
    """Register the bundled TrueType font with reportlab once; returns its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "wqy-microhei.ttc")),
                                       subfontIndex=0))
    return FONT


def _utf16_hex(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()  # a surrogate pair above U+FFFF


class _FallbackFont(TTFont):
    """A fallback font whose text can be copied and searched in the PDF.

    reportlab writes a supplementary-plane character (Ext-B …) into the ToUnicode map as
    <201D4>, which is not UTF-16, so readers lose it; this rewrites the map with surrogate pairs.
    """

    def addObjects(self, doc):
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)  # forgets the document's subsets
        for n, subset in enumerate(subsets):
            base = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = "\n".join([
                    "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                    f"/CIDSystemInfo << /Registry ({base}) /Ordering ({base}) /Supplement 0 >> def",
                    f"/CMapName /{base} def", "/CMapType 2 def",
                    "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
                    f"{len(subset)} beginbfchar",
                    *(f"<{i:02X}> <{_utf16_hex(code)}>" for i, code in enumerate(subset)),
                    "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


class _Glyphs:
    """Which bundled font has which character; the fallbacks are read on first need."""

    def __init__(self):
        register_font()
        main = pdfmetrics.getFont(FONT).face.charToGlyph
        self.main = frozenset(code for code, glyph in main.items() if glyph) | frozenset(range(32))
        # One C-speed test for the usual case, text the main font draws entirely.
        ranges, start, prev = [], None, None
        for code in sorted(self.main):
            if start is None or code != prev + 1:
                if start is not None:
                    ranges.append((start, prev))
                start = code
            prev = code
        ranges.append((start, prev))
        self.main_only = re.compile("[" + "".join(
            f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]*")
        self._fallbacks: list[tuple[str, frozenset[int]]] | None = None
        self._lock = threading.Lock()

    def fallbacks(self) -> list[tuple[str, frozenset[int]]]:
        if self._fallbacks is None:
            with self._lock:
                if self._fallbacks is None:
                    loaded = []
                    for name, filename in FALLBACK_FONTS:
                        if name not in pdfmetrics.getRegisteredFontNames():
                            pdfmetrics.registerFont(_FallbackFont(name, str(resource_path("fonts", filename))))
                        cmap = pdfmetrics.getFont(name).face.charToGlyph
                        loaded.append((name, frozenset(code for code, glyph in cmap.items() if glyph)))
                    self._fallbacks = loaded
        return self._fallbacks


_glyphs: _Glyphs | None = None
_missing = threading.local()  # characters printed as MISSING on this thread since the last build


def _glyph_table() -> _Glyphs:
    global _glyphs
    if _glyphs is None:
        _glyphs = _Glyphs()
    return _glyphs


def runs(text: str, *, count: bool = False) -> list[tuple[str, str]]:
    """`text` as (font name, text) runs, each character in the first bundled font that has it.

    A character no bundled font has becomes MISSING (and, when `count`, is counted for the
    next build_pdf on this thread to report); a mark that draws nothing by itself is left out.
    """
    glyphs = _glyph_table()
    if glyphs.main_only.fullmatch(text):
        return [(FONT, text)]
    out: list[tuple[str, list[str]]] = []
    for ch in text:
        code = ord(ch)
        font = FONT if code in glyphs.main else None
        if font is None:
            font = next((name for name, cmap in glyphs.fallbacks() if code in cmap), None)
        if font is None:
            if unicodedata.category(ch) in _INVISIBLE:
                continue
            font, ch = FONT, MISSING
            if count:
                _missing.count = getattr(_missing, "count", 0) + 1
        if out and out[-1][0] == font:
            out[-1][1].append(ch)
        else:
            out.append((font, [ch]))
    return [(font, "".join(chars)) for font, chars in out] or [(FONT, "")]


def text_width(text: str, size: float, font: str = FONT) -> float:
    """Width of `text` as runs() draws it (`font` for the characters the main font has)."""
    if _glyph_table().main_only.fullmatch(text):
        return pdfmetrics.stringWidth(text, font, size)
    return sum(pdfmetrics.stringWidth(part, font if name == FONT else name, size)
               for name, part in runs(text, count=False))


def _main_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: str | None) -> str:
    """Plain text as Paragraph markup: escaped, with rare characters in their fallback font."""
    text = text or ""
    if _glyph_table().main_only.fullmatch(text):
        return _xml(text)
    return "".join(_xml(part) if name == FONT else f'<font name="{name}">{_xml(part)}</font>'
                   for name, part in runs(text, count=True))


escape = markup  # the forms' name for it


class Pdf(bytes):
    """A form's PDF; `missing_glyphs` counts characters no bundled font has (printed as 〓)."""

    missing_glyphs: int = 0


@dataclass(frozen=True)
class Letterhead:
    """What every page carries: the centre and when the form was printed."""

    centre_name: str
    centre_address: str = ""
    centre_phone: str = ""
    printed_on: dt.date | None = None


def styles() -> dict[str, ParagraphStyle]:
    """The forms' paragraph styles. Paragraphs made by `paragraph()` (and every toolkit helper)
    wrap by their own text; one a form makes itself wraps the interface language's way."""
    register_font()
    cjk = "CJK" if current_language().startswith("zh") else None
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap=cjk)
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


_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def wrap_style(text: str, style: ParagraphStyle) -> ParagraphStyle:
    """`style`, wrapping between any two characters when `text` has Chinese in it and at spaces
    otherwise (so English never breaks inside a word: "Gende/r")."""
    wanted = "CJK" if _CJK_TEXT.search(text) else None
    if style.wordWrap == wanted:
        return style
    twins = _twins.setdefault(style, {})
    if wanted not in twins:
        twins[wanted] = ParagraphStyle(f"{style.name}-{wanted or 'words'}", parent=style, wordWrap=wanted)
    return twins[wanted]


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text (newlines kept), each character in a font that has it."""
    text = "" if text is None else str(text)
    return Paragraph(markup(text).replace("\n", "<br/>"), wrap_style(text, style))


class _RunCanvas(rl_canvas.Canvas):
    """A canvas whose drawString family draws each run of text in the font that has it."""

    def drawString(self, x, y, text, *args, **kwargs):
        parts = runs(text, count=True)
        if len(parts) == 1 and parts[0][0] == FONT:
            return super().drawString(x, y, parts[0][1], *args, **kwargs)
        own, size, leading = self._fontname, self._fontsize, self._leading
        self.saveState()
        for name, part in parts:
            font = own if name == FONT else name
            self.setFont(font, size, leading)
            super().drawString(x, y, part, *args, **kwargs)
            x += pdfmetrics.stringWidth(part, font, size)
        self.restoreState()

    def drawRightString(self, x, y, text, *args, **kwargs):
        self.drawString(x - text_width(text, self._fontsize, self._fontname), y, text, *args, **kwargs)

    def drawCentredString(self, x, y, text, *args, **kwargs):
        self.drawString(x - text_width(text, self._fontsize, self._fontname) / 2, y, text, *args, **kwargs)


def _numbered_canvas(letterhead: Letterhead, title: str):
    """A canvas that draws header and footer once the page count is known."""

    class NumberedCanvas(_RunCanvas):
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
              subject: str = "") -> Pdf:
    """Lay out `story` on A4 (landscape when `wide`) with header and page numbers.

    Characters no bundled font has are printed as 〓; how many is logged (never the text: it
    is personal data) and returned as the result's `missing_glyphs`.
    """
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
    try:
        doc.build(story, canvasmaker=_numbered_canvas(letterhead, title))
    finally:
        missing, _missing.count = getattr(_missing, "count", 0), 0
    if missing:
        log.warning("%d character(s) no bundled font has were printed as %s", missing, MISSING)
    pdf = Pdf(buffer.getvalue())
    pdf.missing_glyphs = missing
    return pdf


def usable_width(wide: bool = False) -> float:
    size = landscape(A4) if wide else A4
    return size[0] - 2 * MARGIN


def title_block(title: str, subtitle: str = "") -> list:
    s = styles()
    out = [paragraph(title, s["title"])]
    if subtitle:
        out.append(paragraph(subtitle, s["subtitle"]))
    return out


def cell(text: str, style: ParagraphStyle, width: float, padding: float = 6) -> object:
    """A plain string when it fits the column, otherwise a wrapping paragraph.

    Plain strings are much faster to lay out; long rosters depend on it.
    """
    text = "" if text is None else str(text)
    if "\n" not in text and text_width(text, style.fontSize) <= width - padding:
        return text
    return paragraph(text, style)


GRID = colors.HexColor("#888888")
HEAD_BG = colors.HexColor("#e8edf3")
ZEBRA = colors.HexColor("#f6f6f6")


def data_table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float], *,
               font_size: float = 9, zebra: bool = True, align_right: Sequence[int] = ()) -> Table:
    """A table whose header row repeats on every page and whose cells wrap Chinese text."""
    s = styles()
    style = ParagraphStyle("tcell", parent=s["cell"], fontSize=font_size, leading=font_size * 1.3)
    head_style = ParagraphStyle("thead", parent=style, alignment=TA_CENTER)
    data = [[paragraph(h, head_style) for h in header]]
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


def sign_in_table(data: list[list], widths: Sequence[float], row_height: float,
                  extra: Sequence[tuple] = (), padding: float = 6) -> Table:
    """A paper sheet to fill in by hand: the header row (data[0]) repeats on every page, every
    other row is at least `row_height` tall (room to write a time or sign) and taller where a cell's
    text needs it (a child's four pick-up adults), the first column (the line's number) to the
    right, `padding` left and right of each cell; `extra` adds TableStyle commands."""
    heights: list[float | None] = [None]
    for row in data[1:]:
        needed = [cell.wrap(width - 2 * padding, 10_000)[1] + 6  # 6: above and below, Table's default
                  for cell, width in zip(row, widths) if hasattr(cell, "wrap")]
        heights.append(max([row_height, *needed]))
    table = Table(data, colWidths=list(widths), rowHeights=heights, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        *extra,
    ]))
    return table


def field_table(pairs: Sequence[tuple[str, str]], width: float, columns: int = 2) -> Table:
    """Label/value pairs in a ruled grid, `columns` pairs per row (a registration form)."""
    s = styles()
    label_w = 30 * mm
    value_w = width / columns - label_w
    data, row = [], []
    for label, value in pairs:
        row += [paragraph(label, s["cell"]), cell(value, s["cell"], value_w)]
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


def signature_block(width: float, labels: Sequence[str] = (), names: Sequence[str] = ()) -> Table:
    """经办人 / 负责人 / 盖章 / 日期 (or four other `labels`, the stamp third), with room to sign and
    stamp; `names` are written on the lines already known (a report's 填报人)."""
    s = styles()
    labels = labels or [_("Handled by"), _("Person in charge"), _("Stamp"), _("Date")]
    line = "_" * 14
    names = list(names) + [""] * 4
    data = [[paragraph(with_colon(label), s["body"]) for label in labels],
            [names[0] or line, names[1] or line, "", names[3] or line]]
    quarter = width / 4
    table = Table(data, colWidths=[quarter] * 4, rowHeights=[8 * mm, 22 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
        ("BOX", (2, 1), (2, 1), 0.6, GRID),  # the stamp box
        ("ALIGN", (2, 1), (2, 1), "CENTER"),
    ]))
    return table


class QrCode(Flowable):
    """A QR code (error correction M, a quiet zone of 4 modules) `size` points square, drawn
    straight on the canvas as one filled path of its dark runs: reportlab's QrCodeWidget builds
    a checked shape object per run and draws the code twice to measure it (most of the time of a
    sheet of member cards)."""

    QUIET = 4

    def __init__(self, payload: str, size: float):
        super().__init__()
        self.payload = payload
        self.width = self.height = size

    def wrap(self, *_args):
        return self.width, self.height

    def draw(self):
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(self.payload)
        code.make()
        box = self.width / (code.getModuleCount() + 2 * self.QUIET)
        canv = self.canv
        path = canv.beginPath()
        for r, modules in enumerate(code.modules):
            c = 0
            for dark, run in itertools.groupby(map(bool, modules)):
                count = len(list(run))
                if dark:
                    path.rect((c + self.QUIET) * box, self.height - (r + self.QUIET + 1) * box, count * box, box)
                c += count
        canv.saveState()
        canv.setFillColor(colors.black)
        canv.drawPath(path, stroke=0, fill=1)
        canv.restoreState()


def qr_drawing(payload: str, size: float = 22 * mm) -> QrCode:
    return QrCode(payload, size)


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


class _Smaller(str):
    """A LongTable line that is one word wider than its cell, set in its padding and smaller
    (if need be) to fit."""

    size: float

    def __new__(cls, text: str, size: float):
        line = super().__new__(cls, text)
        line.size = size
        return line


class LongTable(Flowable):
    """A ruled table for long lists (rosters, ledgers of thousands of rows).

    reportlab's Table spends ~25 µs per cell on layout and drawing, too slow for
    a 26,000-row roster; this draws each page's text in one text object and its
    rules in one path. Cells wrap Chinese text character by character; the header
    row repeats on every page. Use `data_table` for short tables.
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
                 font_size: float = 8.5, align_right: Sequence[int] = (), padding: float = 3,
                 _heights: list[float] | None = None, _lines: list | None = None,
                 _plain: list[bool] | None = None):
        super().__init__()
        register_font()
        self.header, self.rows, self.widths = list(header), rows, list(widths)
        self.font_size, self.align_right, self.padding = font_size, set(align_right), padding
        self.leading = font_size * 1.25
        main_only = _glyph_table().main_only.fullmatch
        self.head_plain = bool(main_only("".join(self.header)))
        self.head_lines = [self._wrap(h, w, self.head_plain) for h, w in zip(self.header, self.widths)]
        self.head_height = self._row_height(self.head_lines)
        if _lines is None:
            # One test a row: does the main font have every character (nearly always)?
            _plain = [bool(main_only("".join(map(str, row)))) for row in rows]
            _lines = [[self._wrap(v, w, plain) for v, w in zip(row, self.widths)] for row, plain in zip(rows, _plain)]
            _heights = [self._row_height(cells) for cells in _lines]
        self.lines, self.heights, self.plain = _lines, _heights, _plain

    def _wrap(self, text, width: float, plain: bool = False) -> list[str]:
        text = "" if text is None else str(text)
        room = width - 2 * self.padding
        size = self.font_size
        if (pdfmetrics.stringWidth(text, FONT, size) if plain else text_width(text, size)) <= room:
            return [text]
        measure = _main_width if plain else text_width
        # Chinese breaks between any two characters; other text (English) at spaces. A word
        # wider than the cell is set smaller to fit ("Gender" in a narrow column, never
        # "Gende/r"); only Chinese, or a word that would have to shrink below 60 %, is cut.
        cjk = _CJK_TEXT.search(text) is not None
        pieces = re.findall(r"\S+\s*|\s+", text) if " " in text or not cjk else list(text)
        out, current = [], ""
        for piece in pieces:
            if current and measure(current + piece.rstrip(), size) > room:
                out.append(current.rstrip())
                current = ""
            word = piece.rstrip()
            if measure(word, size) > room and not _CJK_TEXT.search(word):
                smaller = min(size, size * (width - 1) / measure(word, size))  # in the padding too
                if smaller >= 0.6 * size:
                    out.append(_Smaller(word, smaller))
                    continue
            while measure(piece.rstrip(), size) > room and len(piece) > 1:
                cut = len(piece) - 1
                while cut > 1 and measure(piece[:cut], size) > room:
                    cut -= 1
                out.append(piece[:cut])
                piece = piece[cut:]
            current += piece
        return out + [current.rstrip()] if current.strip() or not out else out

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
                          _lines=self.lines[:count], _plain=self.plain[:count], **kw),
                LongTable(self.header, self.rows[count:], self.widths, _heights=self.heights[count:],
                          _lines=self.lines[count:], _plain=self.plain[count:], **kw)]

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
        rows = [(self.head_lines, self.head_height, True, self.head_plain)] + [
            (cells, h, False, plain) for cells, h, plain in zip(self.lines, self.heights, self.plain)]
        y = top
        rules = []
        for cells, height, is_head, plain in rows:
            first_line = y - self.padding - self.font_size * 0.85
            for column, lines in enumerate(cells):
                for n, line in enumerate(lines):
                    if not line:
                        continue
                    squeezed = type(line) is _Smaller
                    size = line.size if squeezed else self.font_size
                    if plain:
                        parts, width = None, pdfmetrics.stringWidth(line, FONT, size)
                    else:
                        parts, width = runs(line, count=True), text_width(line, size)
                    if size != self.font_size:
                        text.setFont(FONT, size, self.leading)
                    if is_head or squeezed:  # a word set smaller sits in the middle, over the padding
                        x = xs[column] + (self.widths[column] - width) / 2
                    elif column in self.align_right:
                        x = xs[column + 1] - self.padding - width
                    else:
                        x = xs[column] + self.padding
                    text.setTextOrigin(x, first_line - n * self.leading)
                    if parts is None:
                        text.textOut(line)
                    elif len(parts) == 1 and parts[0][0] == FONT:
                        text.textOut(parts[0][1])
                    else:
                        for font, part in parts:
                            text.setFont(font, size, self.leading)
                            text.textOut(part)
                        text.setFont(FONT, self.font_size, self.leading)
                    if size != self.font_size:
                        text.setFont(FONT, self.font_size, self.leading)
            y -= height
            rules.append((0, y, xs[-1], y))
        canv.drawText(text)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.4)
        rules.append((0, top, xs[-1], top))
        rules += [(x, top, x, 0) for x in xs]
        canv.lines(rules)
        canv.restoreState()
