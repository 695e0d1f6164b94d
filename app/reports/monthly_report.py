"""The monthly and annual report for the town (月度报表 / 年度报表) as PDF.

Data in (services/report.py's MonthlyReport / AnnualReport), PDF out: a cover a reader who never
saw the program understands, a section per feature (a table and its charts), a notes box and the
填报人 / 审核人 / 盖章 block. Charts are reportlab graphics whose text goes through the toolkit's
canvas, so Chinese labels print in the bundled font.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Table, TableStyle

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.report import AnnualReport, Chart, MonthlyReport, Section, format_value

# Bars and slices, distinguishable in grey print too (dark to light).
PALETTE = [colors.HexColor(c) for c in ("#1f4e79", "#c0504d", "#4f8f3a", "#e3a21a", "#6f4a8e", "#2a9bb5",
                                        "#8c6d31", "#d16aa1", "#7f7f7f", "#a5c8e4", "#b6d7a8", "#f4c7a1")]
CHART_H = 58 * mm
NOTE_LINES = 4


# -- text ------------------------------------------------------------------------------------

def month_text(year: int, month: int) -> str:
    """"2026年11月" / "November 2026"."""
    return format_date(dt.date(year, month, 1), _("MMMM y"))


def numbered(number: int, title: str) -> str:
    return _("{number}. {title}").format(number=number, title=title)


def _style(name: str):
    return toolkit.styles()[name]


def _text(text: str, style: str = "body"):
    return toolkit.paragraph(text, _style(style))


# -- charts ------------------------------------------------------------------------------------

def _drawing(width: float, height: float) -> Drawing:
    # A drawing starts in Helvetica, which would be put in the PDF though no text uses it.
    return Drawing(width, height, initialFontName=FONT, initialFontSize=8)


def _no_data(width: float, height: float, text: str) -> Drawing:
    """The chart's place when it has nothing to show: a light box saying so."""
    d = _drawing(width, height)
    d.add(Rect(0, 0, width, height, strokeColor=colors.HexColor("#bbbbbb"), strokeWidth=0.5,
               fillColor=colors.HexColor("#fafafa")))
    d.add(String(width / 2, height / 2 - 4, text, fontName=FONT, fontSize=11, textAnchor="middle",
                 fillColor=colors.HexColor("#777777")))
    return d


def _short(label: str, size: float, room: float) -> str:
    """`label` cut with "…" to fit `room` points."""
    if toolkit.text_width(label, size) <= room:
        return label
    while len(label) > 1 and toolkit.text_width(label + "…", size) > room:
        label = label[:-1]
    return label + "…"


def bar_chart(items: Sequence[tuple[str, float]], width: float, height: float = CHART_H,
              value_format=format_number) -> Drawing:
    """Vertical bars with their values on top; the category labels slant when they would crowd."""
    d = _drawing(width, height)
    chart = VerticalBarChart()
    labels = [label for label, _value in items]
    values = [value for _label, value in items]
    size = 7
    slot = (width - 40) / max(len(items), 1)
    slant = any(toolkit.text_width(label, size) > slot - 2 for label in labels)
    left, bottom = 32, 14
    if slant:  # room below and left of the axis for the longest slanted label (35°)
        labels = [_short(label, size, 70) for label in labels]
        longest = max(toolkit.text_width(label, size) for label in labels)
        left, bottom = max(left, longest * 0.82 - slot / 2 + 4), 10 + longest * 0.58
    chart.x, chart.y = left, bottom
    chart.width, chart.height = width - left - 8, height - bottom - 10
    chart.data = [values]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = size
    if slant:
        chart.categoryAxis.labels.angle = 35
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dx, chart.categoryAxis.labels.dy = 3, -2
    chart.valueAxis.valueMin = 0
    top = max(values) if values else 0
    if top <= 5:  # counts: whole steps, never "0.5 场次"
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = max(top, 1) * 1.2, 1
    else:
        chart.valueAxis.valueMax = top * 1.18  # room for the value labels over the tallest bar
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = size
    chart.valueAxis.labelTextFormat = value_format
    chart.valueAxis.strokeColor = chart.categoryAxis.strokeColor = colors.HexColor("#888888")
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e4e4e4")
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.barWidth = 6
    chart.groupSpacing = 6
    chart.barLabelFormat = value_format
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    d.add(chart)
    return d


def pie_chart(items: Sequence[tuple[str, float]], width: float, height: float = CHART_H) -> Drawing:
    """A pie of the non-zero items, with a legend naming each and its share (labels on thin slices
    would overlap)."""
    shown = [(label, value) for label, value in items if value]
    total = sum(value for _label, value in shown)
    d = _drawing(width, height)
    pie = Pie()
    side = min(height - 10, width * 0.42)
    pie.x, pie.y = 4, (height - side) / 2
    pie.width = pie.height = side
    pie.data = [value for _label, value in shown]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.5
    for n in range(len(shown)):
        pie.slices[n].fillColor = PALETTE[n % len(PALETTE)]
    d.add(pie)
    legend = Legend()
    legend.x, legend.y = side + 14, height - 6
    legend.alignment = "right"
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.dy = legend.dx = 6
    legend.deltay = 10 if len(shown) <= 8 else 8
    legend.columnMaximum = 12
    room = width - side - 34
    legend.colorNamePairs = [
        (PALETTE[n % len(PALETTE)],
         _short(_("{label}: {value} ({share})").format(label=label, value=format_number(value),
                                                         share=format_number(100 * value / total, 1) + "%"),
                7.5, room))
        for n, (label, value) in enumerate(shown)]
    d.add(legend)
    return d


def chart_flowables(chart: Chart, width: float, empty_text: str) -> list:
    """The chart's title over the chart, or over "no data" when every item is zero."""
    title = _text(chart.title, "cell")
    if not any(value for _label, value in chart.items):
        return [title, _no_data(width, CHART_H * 0.6, empty_text)]
    draw = pie_chart if chart.kind == "pie" else bar_chart
    return [title, draw(chart.items, width)]


def charts_grid(charts: Sequence[Chart], width: float, empty_text: str) -> Table | None:
    """Charts two to a row."""
    if not charts:
        return None
    half = (width - 6 * mm) / 2
    cells = [chart_flowables(chart, half, empty_text) for chart in charts]
    rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[half + 3 * mm, half + 3 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm), ("TOPPADDING", (0, 0), (-1, -1), 2),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


# -- shared pieces -----------------------------------------------------------------------------

def notes_box(notes: str, width: float) -> list:
    """备注: the desk's notes, or ruled lines to write on."""
    s = toolkit.styles()
    head = [toolkit.paragraph(_("Notes"), s["heading"])]
    if notes.strip():
        rows, heights = [head, [toolkit.paragraph(notes, s["body"])]], None
    else:
        rows, heights = [head] + [[""]] * NOTE_LINES, [None] + [9 * mm] * NOTE_LINES
    commands = [("FONT", (0, 0), (-1, -1), FONT, 10), ("BOX", (0, 0), (-1, -1), 0.6, toolkit.GRID),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]
    if heights:  # writing lines across the empty box, the last one left to its border
        commands.append(("LINEBELOW", (0, 1), (-1, NOTE_LINES - 1), 0.4, colors.HexColor("#c8c8c8")))
    table = Table(rows, colWidths=[width], rowHeights=heights)
    table.setStyle(TableStyle(commands))
    return [table]


def sign_off(prepared_by: str, width: float) -> list:
    """填报人 (the signed-in person, already filled in) / 审核人 / 盖章 / 日期."""
    return [toolkit.signature_block(width, labels=[_("Prepared by"), _("Reviewed by"), _("Stamp"), _("Date")],
                                    names=[prepared_by])]


def _cover_title(centre: str, title: str, period: str) -> list:
    s = toolkit.styles()
    return [toolkit.spacer(6), toolkit.paragraph(centre, s["subtitle"]), toolkit.paragraph(title, s["title"]),
            toolkit.paragraph(period, s["subtitle"]), toolkit.spacer(2)]


def _summary_box(paragraphs: Sequence[str], width: float) -> Table:
    s = toolkit.styles()
    body = [toolkit.paragraph(text, s["body"]) for text in paragraphs if text]
    table = Table([[body]], colWidths=[width])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("BOX", (0, 0), (-1, -1), 0.6, toolkit.GRID),
                               ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f7f9fc")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                               ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return table


def _widths(width: float, first_mm: Sequence[float], rest: int) -> list[float]:
    fixed = [w * mm for w in first_mm]
    return fixed + [(width - sum(fixed)) / rest] * rest


HEADLINES = 2  # lines of each section on the cover


def _spanned(table: Table, spans: Sequence[tuple[int, int]]) -> Table:
    """The cover's table with each section's name written once across its rows."""
    table.setStyle(TableStyle([("SPAN", (0, first), (0, last)) for first, last in spans if last > first]))
    return table


# -- the monthly report ------------------------------------------------------------------------

def monthly_pdf(report: MonthlyReport, letterhead: Letterhead) -> bytes:
    """月度报表: the cover (summary and headline figures), a section per feature with its table
    (this month, last month, change, the same month last year, change) and charts, then the
    notes box and the sign-off block."""
    month = month_text(report.year, report.month)
    title = _("Monthly report, {month}").format(month=month)
    width = toolkit.usable_width()
    period = _("Reporting period: {start} to {end}").format(start=format_date(report.date_from),
                                                           end=format_date(report.date_to))
    story = _cover_title(report.centre, title, period)
    story.append(_text(_("Summary"), "heading"))
    summary = [report.summary]
    if report.empty:
        summary.insert(0, _("Nothing was recorded in {month}: no activity, service request, attendance or points "
                            "entry. Every figure in this report is zero.").format(month=month))
    story.append(_summary_box(summary, width))
    story.append(_text(_("Headline figures"), "heading"))
    header = [_("Section"), _("Indicator"), _("This month"), _("Last month"), _("Change on last month")]
    rows, spans = [], []
    for cs in report.sections:
        heads = cs.lines[:HEADLINES]
        if heads:
            spans.append((len(rows) + 1, len(rows) + len(heads)))
        for c in heads:
            rows.append([cs.section.title, c.line.label, format_value(c.line.kind, c.line.value),
                         format_value(c.line.kind, c.previous), c.change_previous])
    if rows:
        story.append(_spanned(toolkit.data_table(header, rows, _widths(width, (34, 62), 3), align_right=(2, 3, 4)),
                              spans))
    story.append(toolkit.spacer(2))
    story.append(_text(_("\"Change on last month\" compares with {previous}, \"change on last year\" with the same "
                         "month a year before; \"—\" means there is nothing to compare with.").format(
        previous=month_text(*_previous_month(report.year, report.month))), "small"))
    story.append(PageBreak())

    header = [_("Indicator"), _("This month"), _("Last month"), _("Change on last month"),
              _("Same month last year"), _("Change on last year")]
    widths = _widths(width, (56,), 5)
    empty_text = _("No data this month")
    for number, cs in enumerate(report.sections, 1):
        rows = [[c.line.label, format_value(c.line.kind, c.line.value), format_value(c.line.kind, c.previous),
                 c.change_previous, format_value(c.line.kind, c.last_year), c.change_last_year] for c in cs.lines]
        part = [_text(numbered(number, cs.section.title), "heading"),
                toolkit.data_table(header, rows, widths, align_right=(1, 2, 3, 4, 5))]
        grid = charts_grid(cs.section.charts, width, empty_text)
        if grid is not None:
            part += [toolkit.spacer(2), grid]
        story.append(KeepTogether(part))
        story.append(toolkit.spacer(3))
    story.append(KeepTogether(notes_box(report.notes, width) + [toolkit.spacer(6)]
                              + sign_off(report.prepared_by, width)))
    return toolkit.build_pdf(title, story, letterhead)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


# -- the annual report -------------------------------------------------------------------------

def annual_pdf(report: AnnualReport, letterhead: Letterhead) -> bytes:
    """年度报表 (A4 landscape: twelve months side by side): the cover with the year's summary and
    headline totals, then per section its lines month by month with the year's total, and a
    chart of its first line month by month; the notes box and the sign-off block at the end."""
    title = _("Annual report, {year}").format(year=report.year)
    width = toolkit.usable_width(wide=True)
    # A year still running says where its figures stop (截至 11月30日); the months after are "—".
    period = _("Reporting period: {start} to {end}").format(start=format_date(dt.date(report.year, 1, 1)),
                                                           end=format_date(report.as_of or dt.date(report.year,
                                                                                                    12, 31)))
    story = _cover_title(report.centre, title, period)
    story.append(_text(_("Summary"), "heading"))
    summary = [report.summary]
    if report.empty:
        summary.insert(0, _("Nothing was recorded in {year}: no activity, service request, attendance or points "
                            "entry. Every figure in this report is zero.").format(year=report.year))
    story.append(_summary_box(summary, width))
    story.append(_text(_("Headline figures"), "heading"))
    rows, spans = [], []
    for section in report.totals:
        heads = section.lines[:HEADLINES]
        if heads:
            spans.append((len(rows) + 1, len(rows) + len(heads)))
        rows += [[section.title, line.label, format_value(line.kind, line.value)] for line in heads]
    if rows:
        story.append(_spanned(toolkit.data_table([_("Section"), _("Indicator"), _("Year total")], rows,
                                                 [60 * mm, 100 * mm, 40 * mm], align_right=(2,)), spans))

    month_names = [format_date(dt.date(report.year, m, 1), "LLL") for m in range(1, 13)]
    header = [_("Indicator")] + month_names + [_("Year total")]
    widths = _widths(width, (52,), 13)
    for number, total in enumerate(report.totals, 1):
        by_month = [_month_values(months, total.feature) for months in report.months]
        rows = [[line.label] + [format_value(line.kind, values.get(line.key)) for values in by_month]
                + [format_value(line.kind, line.value)] for line in total.lines]
        part = [_text(numbered(number, total.title), "heading"),
                toolkit.data_table(header, rows, widths, font_size=8, align_right=range(1, 14))]
        if total.lines:
            first = total.lines[0]
            items = tuple((name, values.get(first.key) or 0) for name, values in zip(month_names, by_month))
            chart_title = _("{line}, month by month").format(line=first.label)
            chart = toolkit.paragraph(chart_title, _style("cell"))
            if any(value for _name, value in items):
                drawing = bar_chart(items, width * 0.7, CHART_H,
                                    value_format=lambda v, kind=first.kind: format_value(kind, v))
            else:
                drawing = _no_data(width * 0.7, CHART_H * 0.6, _("No data this year"))
            part += [toolkit.spacer(3), chart, drawing]
        story.append(PageBreak())  # the cover, then a section a page
        story.append(KeepTogether(part))
    story.append(toolkit.spacer(6))
    story.append(KeepTogether(notes_box(report.notes, width) + [toolkit.spacer(6)]
                              + sign_off(report.prepared_by, width)))
    return toolkit.build_pdf(title, story, letterhead, wide=True)


def _month_values(sections: Sequence[Section], feature: str) -> dict[str, int | float | None]:
    """One month's values of a feature's lines by key (empty when the month lacks the feature)."""
    for section in sections:
        if section.feature == feature:
            return {line.key: line.value for line in section.lines}
    return {}
