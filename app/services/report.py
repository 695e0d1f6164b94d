"""The monthly and annual work report (月度/年度工作报表).

Each feature's figures function counts a period; the feature's `report` function turns those
figures into a `Section` (lines, charts, one clause of the cover summary). This module calls
them for the month, the month before and the same month last year, and compares. The PDF
(app/reports/monthly_report.py) and the xlsx below lay out the same dataclasses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from collections.abc import Callable, Mapping
from pathlib import Path

from app.errors import ValidationError
from app.i18n import _, format_number, format_percent

KINDS = ("count", "percent", "fen", "points", "hours", "days")  # how a value is written and compared

# Lines that describe the state at the end of the period (members, enrolled elders, balances) rather
# than something that happened in it: a month with only these is still a month where nothing happened.
STOCK_KEYS = frozenset({"enrolled", "active", "commitments", "complaint_rate", "complaint_rate_before",
                        "outstanding", "waiting", "overdue"})


@dataclass(frozen=True)
class Line:
    key: str  # stable id within its section, e.g. "received"
    label: str  # translated, e.g. "受理诉求（件）"
    kind: str  # one of KINDS; percent values are 0–100 with one decimal
    value: int | float | None  # None: nothing to divide by (a rate with no cases)


@dataclass(frozen=True)
class Chart:
    title: str  # translated
    kind: str  # "bar" or "pie"
    # (label, value); a chart whose items are all zero is drawn as "no data" text
    items: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Section:
    feature: str  # the Feature.name
    title: str  # translated section heading, e.g. "便民服务"
    lines: tuple[Line, ...]
    charts: tuple[Chart, ...]
    phrase: str  # one clause for the cover summary in the official phrasing


def format_value(kind: str, value: int | float | None) -> str:
    """A line's value as the report writes it ("—" when there is nothing to divide by)."""
    if value is None:
        return "—"
    if kind == "percent":
        return format_percent(value / 100, 1, fixed=True)
    if kind == "fen":
        return format_number(value / 100, 2)
    if kind in ("hours", "days"):
        return format_number(value, 1)
    return format_number(value)


def _change(kind: str, now: int | float | None, then: int | float | None) -> str:
    """now − then with its sign ("+5", "−3", "+2.1 pp"); "—" when either is missing."""
    if now is None or then is None:
        return "—"
    diff = round(now - then, 1) if kind in ("percent", "hours", "days") else now - then
    if diff == 0:
        return _("±0 pp") if kind == "percent" else "0"
    sign = "+" if diff > 0 else "−"
    if kind in ("percent", "hours", "days"):
        text = sign + format_number(abs(diff))  # 25, 2.1: no ".0" to read past
    else:
        text = sign + format_value(kind, abs(diff))
    return _("{change} pp").format(change=text) if kind == "percent" else text


@dataclass(frozen=True)
class Compared:
    line: Line
    previous: int | float | None  # the same line last month (None: no data then / no such line)
    last_year: int | float | None  # the same month last year (None: no data that month)

    @property
    def change_previous(self) -> str:
        """"+5", "−3", "+2.1 个百分点", "—"."""
        return _change(self.line.kind, self.line.value, self.previous)

    @property
    def change_last_year(self) -> str:
        return _change(self.line.kind, self.line.value, self.last_year)


@dataclass(frozen=True)
class ComparedSection:
    section: Section
    lines: tuple[Compared, ...]


@dataclass(frozen=True)
class MonthlyReport:
    centre: str  # the centre's name (services/centre.py)
    year: int
    month: int
    date_from: dt.date
    date_to: dt.date
    summary: str  # the cover paragraph
    sections: tuple[ComparedSection, ...]  # activities first, then the features' order in FEATURES
    empty: bool  # nothing at all happened that month
    notes: str = ""  # the notes box the desk fills before printing
    prepared_by: str = ""  # 填报人


@dataclass(frozen=True)
class AnnualReport:
    centre: str
    year: int
    summary: str
    totals: tuple[Section, ...]  # each feature's figures over the whole year
    months: tuple[tuple[Section, ...], ...]  # 12 entries (Jan..Dec), same order as totals
    empty: bool
    notes: str = ""
    prepared_by: str = ""
    as_of: dt.date | None = None  # the figures' last day: 31 December, or today in the year still running



# -- building sections (the features' report functions use these) ----------------------------

def chart(title: str, kind: str, counts: Mapping[str, int | float]) -> Chart:
    """A chart of (label, value) items in the mapping's order."""
    return Chart(title, kind, tuple((str(label), float(value)) for label, value in counts.items()))


def number(value: int | float, kind: str = "count") -> str:
    """A value inside a phrase, written as its line writes it."""
    return format_value(kind, value)


def happened(section: Section) -> bool:
    """Whether anything happened in the section's period (a line other than a stock is not zero)."""
    return any(line.value for line in section.lines if line.key not in STOCK_KEYS)


def has_data(section: Section) -> bool:
    """Whether the feature had any data at all in the period (a stock counts: it was there before)."""
    return any(line.value for line in section.lines)


def zeroed(section: Section) -> Section:
    """The section of a month that has not begun: no values ("—", never a 0 that reads as real), charts
    of zeros (drawn as "no data")."""
    lines = tuple(Line(ln.key, ln.label, ln.kind, None) for ln in section.lines)
    charts = tuple(Chart(c.title, c.kind, tuple((label, 0.0) for label, _v in c.items)) for c in section.charts)
    return Section(section.feature, section.title, lines, charts, "")


# -- periods ---------------------------------------------------------------------------------

def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _digits(text) -> str:
    from app.services.validators import normalise_text

    return normalise_text(str(text)).strip()


def parse_month(text, *, today: dt.date | None = None) -> tuple[int, int]:
    """"2026-11" → (2026, 11); refused when malformed or in the future."""
    today = today or dt.date.today()
    raw = _digits(text)
    year_text, sep, month_text = raw.partition("-")
    if (sep != "-" or len(year_text) != 4 or not year_text.isdigit() or not month_text.isdigit()
            or len(month_text) > 2 or not 1 <= int(month_text) <= 12 or int(year_text) < 1900):
        raise ValidationError({"month": _("“{text}” is not a month; write it as YYYY-MM, such as 2026-11.").format(
            text=str(text).strip())})
    year, month = int(year_text), int(month_text)
    check_month(year, month, today=today)
    return year, month


def parse_year(text, *, today: dt.date | None = None) -> int:
    """"2026" → 2026; refused when malformed or in the future."""
    today = today or dt.date.today()
    raw = _digits(text)
    if len(raw) != 4 or not raw.isdigit() or int(raw) < 1900:
        raise ValidationError({"year": _("“{text}” is not a year; write it as YYYY, such as 2026.").format(
            text=str(text).strip())})
    check_year(int(raw), today=today)
    return int(raw)


def check_month(year: int, month: int, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    if not 1 <= month <= 12 or year < 1900:
        raise ValidationError({"month": _("There is no month {month} in a year.").format(month=month)})
    if (year, month) > (today.year, today.month):
        raise ValidationError({"month": _("{year}-{month:02d} has not come yet: a report covers a month that "
                                          "has begun.").format(year=year, month=month)})


def check_year(year: int, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    if year > today.year:
        raise ValidationError({"year": _("{year} has not come yet: a report covers a year that has begun.").format(
            year=year)})


# -- the report ------------------------------------------------------------------------------

def reported_features() -> list:
    """The features with a report section: activities first, then the order of FEATURES."""
    from app import features

    found = [f for f in features.FEATURES if f.report and f.figures]
    return sorted(found, key=lambda f: f.name != "activities")  # a stable sort keeps the rest in order


def _figures_call(feature) -> Callable:
    import inspect

    from app import features

    function = features.resolve(feature.figures)
    takes_today = "today" in inspect.signature(function).parameters
    return function, takes_today


class _Sections:
    """Each feature's section for a period, counting the figures calls for `progress`."""

    def __init__(self, db, today: dt.date, total: int, progress):
        from app import features

        self.db, self.today, self.total, self.progress, self.done = db, today, total, progress, 0
        self.features = reported_features()
        self.calls = [_figures_call(f) for f in self.features]
        self.makers = [features.resolve(f.report) for f in self.features]

    def of(self, date_from: dt.date, date_to: dt.date) -> list[Section]:
        sections = []
        for (function, takes_today), make in zip(self.calls, self.makers, strict=True):
            kwargs = {"today": self.today} if takes_today else {}
            sections.append(make(function(self.db, date_from, date_to, **kwargs)))
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)
        return sections


def _compare(now: Section, previous: Section | None, last_year: Section | None) -> ComparedSection:
    def values(section: Section | None) -> dict:
        if section is None or not has_data(section):
            return {}
        # Only stock figures then (elders enrolled, members): nothing happened, so attendance, meals or
        # subsidy of 0 would read as a real month to compare with (walk18: "+635") — those stay "—".
        kept = happened(section)
        return {line.key: line.value for line in section.lines if kept or line.key in STOCK_KEYS}

    before, year_ago = values(previous), values(last_year)
    return ComparedSection(now, tuple(Compared(line, before.get(line.key), year_ago.get(line.key))
                                      for line in now.lines))


def _summary(sections: list[Section], lead: str, empty_text: str, **values) -> str:
    """The cover paragraph: the activities' clause (always), then each section where something happened."""
    clauses = [s.phrase for s in sections if s.phrase and (happened(s) or s.feature == "activities")]
    if not any(happened(s) for s in sections):
        return empty_text.format(**values)
    return lead.format(clauses=_("; ").join(clauses), **values)


def monthly(db, year: int, month: int, *, actor, today=None, notes="", prepared_by="", progress=None) -> MonthlyReport:
    """The month's report: each feature's section for the month, compared with the month before and
    the same month last year."""
    from app.services import access, centre

    access.require(actor, access.REPORTS_MAKE)
    today = today or dt.date.today()
    check_month(year, month, today=today)
    date_from, date_to = month_range(year, month)
    sections = _Sections(db, today, 0, progress)
    sections.total = 3 * len(sections.features)
    now = sections.of(date_from, date_to)
    previous = sections.of(*month_range(*_shift(year, month, -1)))
    last_year = sections.of(*month_range(year - 1, month)) if year > 1900 else [None] * len(now)
    compared = tuple(_compare(*trio) for trio in zip(now, previous, last_year, strict=True))
    empty = not any(happened(s) for s in now)
    summary = _summary(now, _("This month the centre {clauses}."),
                       _("Nothing was recorded this month: no activities, service requests, day-care attendance, "
                         "classes, merchant changes or points."))
    return MonthlyReport(centre.get_centre(db).name, year, month, date_from, date_to, summary, compared, empty,
                         notes.strip(), prepared_by.strip())


def annual(db, year: int, *, actor, today=None, notes="", prepared_by="", progress=None) -> AnnualReport:
    """The year's report: each feature's figures over the whole year (a distinct count is counted over
    the year, never summed over months) and its sections month by month."""
    from app.services import access, centre

    access.require(actor, access.REPORTS_MAKE)
    today = today or dt.date.today()
    check_year(year, today=today)
    sections = _Sections(db, today, 0, progress)
    months_due = [m for m in range(1, 13) if (year, m) <= (today.year, today.month)]
    sections.total = (1 + len(months_due)) * len(sections.features)
    totals = sections.of(dt.date(year, 1, 1), dt.date(year, 12, 31))
    months = []
    for month in range(1, 13):
        if month in months_due:
            months.append(tuple(sections.of(*month_range(year, month))))
        else:
            months.append(tuple(zeroed(s) for s in totals))
    empty = not any(happened(s) for s in totals)
    summary = _summary(totals, _("In {year} the centre {clauses}."),
                       _("Nothing was recorded in {year}: no activities, service requests, day-care attendance, "
                         "classes, merchant changes or points."), year=year)
    return AnnualReport(centre.get_centre(db).name, year, summary, tuple(totals), tuple(months), empty,
                        notes.strip(), prepared_by.strip(), min(dt.date(year, 12, 31), today))


# -- xlsx ------------------------------------------------------------------------------------

def cell_value(line: Line | None, value: int | float | None = None) -> int | float | None:
    """A line's value as the workbook holds it: amounts in yuan (the line counts fen)."""
    if line is not None and line.kind == "fen" and value is not None:
        return round(value / 100, 2)
    return value


def _label(line: Line) -> str:
    return line.label  # a line's label names its unit ("Meal subsidy (yuan)"), in the PDF as here


def _chart_rows(section: Section, width: int) -> list[list]:
    rows: list[list] = []
    for c in section.charts:
        rows.append([None] * width)
        rows.append([c.title] + [None] * (width - 1))
        rows += [[label, value] + [None] * (width - 2) for label, value in c.items]
    return rows


def _cover(centre_name: str, title: str, period: str, summary: str, notes: str, prepared_by: str):
    from app.services import xlsx

    return xlsx.Sheet(_("Cover"), [_("Item"), _("Value")], [
        [_("Centre"), centre_name], [_("Report"), title], [_("Period"), period], [_("Summary"), summary],
        [_("Notes"), notes], [_("Prepared by"), prepared_by]])


def _sheet_title(section: Section, used: set[str]) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\ , unique in the workbook.
    title = "".join(ch for ch in section.title if ch not in "[]:*?/\\")[:28] or section.feature
    name, n = title, 2
    while name in used:
        name, n = f"{title} {n}", n + 1
    used.add(name)
    return name


def _write(db, actor, path, sheets, summary: str) -> None:
    from app.services import audit, xlsx
    from app.services.exporter import ExportError, record_or_remove

    path = Path(path)
    xlsx.write_sheets(path, sheets, error=ExportError)
    record_or_remove(db, path, lambda s: audit.record(s, actor, "export", "report", None, _(
        "{report} to {file}").format(report=summary, file=path.name)))


def monthly_xlsx(report: MonthlyReport, path, *, db, actor) -> None:
    """Write the report to an xlsx workbook (cover + one sheet per section); audited as an export."""
    from app.services import access, xlsx

    access.require(actor, access.REPORTS_MAKE)
    title = _("Monthly report {year}-{month:02d}").format(year=report.year, month=report.month)
    sheets = [_cover(report.centre, title, f"{report.date_from.isoformat()} – {report.date_to.isoformat()}",
                     report.summary, report.notes, report.prepared_by)]
    used: set[str] = {sheets[0].title}
    headers = [_("Indicator"), _("This month"), _("Last month"), _("Change on last month"),
               _("Same month last year"), _("Change on last year")]
    for cs in report.sections:
        rows = [[_label(c.line), cell_value(c.line, c.line.value), cell_value(c.line, c.previous),
                 c.change_previous, cell_value(c.line, c.last_year), c.change_last_year] for c in cs.lines]
        sheets.append(xlsx.Sheet(_sheet_title(cs.section, used), headers,
                                 rows + _chart_rows(cs.section, len(headers))))
    _write(db, actor, path, sheets, title)


def annual_xlsx(report: AnnualReport, path, *, db, actor) -> None:
    """The annual report to xlsx: a cover, and per section the year's total and each month."""
    from app.services import access, xlsx

    access.require(actor, access.REPORTS_MAKE)
    title = _("Annual report {year}").format(year=report.year)
    sheets = [_cover(report.centre, title, str(report.year), report.summary, report.notes, report.prepared_by)]
    used: set[str] = {sheets[0].title}
    headers = [_("Indicator"), _("Year")] + [_("Month {month}").format(month=m) for m in range(1, 13)]
    for i, total in enumerate(report.totals):
        rows = []
        by_month = [{ln.key: ln.value for ln in months[i].lines} for months in report.months]
        for line in total.lines:
            rows.append([_label(line), cell_value(line, line.value)]
                        + [cell_value(line, values.get(line.key)) for values in by_month])
        sheets.append(xlsx.Sheet(_sheet_title(total, used), headers, rows + _chart_rows(total, len(headers))))
    _write(db, actor, path, sheets, title)
