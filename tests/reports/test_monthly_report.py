"""The monthly and annual report PDFs read back, from hand-built reports with known values: the
cover's summary and headline figures, every cell of every section table, the charts' labels or
"no data", the notes box and the sign-off block, in Chinese and English.
(tests/services/test_report.py builds the reports from data through the service.)"""
import datetime as dt
import io
import time

import pytest
from pypdf import PdfReader

from app.i18n import _, set_language
from app.reports import monthly_report as mr
from app.reports.toolkit import Letterhead
from app.services.report import (AnnualReport, Chart, Compared, ComparedSection, Line, MonthlyReport, Section,
                                 format_value)
from tests.reports.conftest import all_font_names, pdf_text

D = dt.date
LETTERHEAD = Letterhead("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678", D(2026, 12, 1))
CENTRE = "状元里党建+邻里中心"


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(params=["zh_CN", "en"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("zh_CN")


def activities(zero: bool = False) -> ComparedSection:
    lines = (Line("activities", "开展活动（场次）", "count", 0 if zero else 23),
             Line("person_times", "服务人次", "count", 0 if zero else 1234),
             Line("people", "服务人数", "count", 0 if zero else 456))
    charts = (Chart("按活动类型", "bar", () if zero else (("义诊", 3.0), ("康乐", 12.0), ("儿童教育/科普", 8.0))),
              Chart("按服务对象", "pie", (("一老", 0.0 if zero else 12.0), ("一少", 0.0 if zero else 8.0),
                                         ("青年", 0.0 if zero else 3.0), ("全体", 0.0))))
    section = Section("activities", "活动开展", lines, charts, "本月共开展活动 23 场次")
    return ComparedSection(section, (Compared(lines[0], 20, None), Compared(lines[1], 1300, 1000),
                                     Compared(lines[2], 456, None)))


def counter() -> ComparedSection:
    lines = (Line("received", "受理诉求（件）", "count", 52),
             Line("on_time", "按时办结率", "percent", 96.2),
             Line("satisfaction", "满意率", "percent", None))
    charts = (Chart("诉求类别", "bar", (("社保医保", 0.0), ("证明开具", 0.0))),)  # all zero: no data
    section = Section("counter", "便民服务", lines, charts, "受理便民服务诉求 52 件")
    return ComparedSection(section, (Compared(lines[0], 40, 61), Compared(lines[1], 94.1, None),
                                     Compared(lines[2], 88.0, None)))


def daycare() -> ComparedSection:
    lines = (Line("meals", "助餐（份）", "count", 2345), Line("subsidy", "助餐补贴（元）", "fen", 123456),
             Line("hours", "志愿服务时长（小时）", "hours", 37.5))
    section = Section("daycare", "日间照料", lines, (Chart("助餐", "pie", (("午餐", 2000.0), ("送餐", 345.0))),), "")
    return ComparedSection(section, (Compared(lines[0], 2300, None), Compared(lines[1], 120000, None),
                                     Compared(lines[2], 30.0, None)))


SUMMARY = "本月共开展活动 23 场次，服务 1,234 人次（456 人）；受理便民服务诉求 52 件，按时办结率 96.2%。"


def month(**kw) -> MonthlyReport:
    values = dict(centre=CENTRE, year=2026, month=11, date_from=D(2026, 11, 1), date_to=D(2026, 11, 30),
                  summary=SUMMARY, sections=(activities(), counter(), daycare()), empty=False,
                  notes="11月3日台风闭馆一天。", prepared_by="林小燕")
    values.update(kw)
    return MonthlyReport(**values)


def cells(*values) -> str:
    return squash("".join(values))


def test_the_monthly_cover_says_what_and_when(language):
    pdf = mr.monthly_pdf(month(), LETTERHEAD)
    assert pdf.missing_glyphs == 0
    first = squash(pdf_text(pdf)[0])
    assert CENTRE in first
    month_text = mr.month_text(2026, 11)
    assert month_text == ("November 2026" if language == "en" else month_text)
    assert squash(_("Monthly report, {month}").format(month=month_text)) in first
    assert squash(SUMMARY) in first
    # The headline table: each section's first two lines, this month, last month, change.
    assert cells("活动开展", "开展活动（场次）", "23", "20", "+3") in first
    assert cells("服务人次", "1,234", "1,300", "−66") in first
    assert cells("便民服务", "受理诉求（件）", "52", "40", "+12") in first
    assert cells("按时办结率", format_value("percent", 96.2), format_value("percent", 94.1)) in first
    assert "服务人数" not in first  # only two lines a section on the cover
    assert squash(_("Nothing was recorded in {month}: no activity, service request, attendance or points entry. "
                    "Every figure in this report is zero.").format(month=month_text)) not in first


def test_every_monthly_table_cell_is_printed(language):
    pdf = mr.monthly_pdf(month(), LETTERHEAD)
    body = squash("".join(pdf_text(pdf)[1:]))
    for header in (_("Indicator"), _("This month"), _("Last month"), _("Change on last month"),
                   _("Same month last year"), _("Change on last year")):
        assert squash(header) in body
    assert squash(_("{number}. {title}").format(number=1, title="活动开展")) in body
    assert squash(_("{number}. {title}").format(number=3, title="日间照料")) in body
    # label | this month | last month | change | last year | change
    assert cells("开展活动（场次）", "23", "20", "+3", "—", "—") in body
    assert cells("服务人次", "1,234", "1,300", "−66", "1,000", "+234") in body
    assert cells("服务人数", "456", "456", "0", "—", "—") in body
    assert cells("受理诉求（件）", "52", "40", "+12", "61", "−9") in body
    on_time = Compared(Line("on_time", "", "percent", 96.2), 94.1, None)
    assert cells("按时办结率", format_value("percent", 96.2), format_value("percent", 94.1),
                 on_time.change_previous, "—", "—") in body
    assert cells("满意率", "—", format_value("percent", 88.0), "—", "—", "—") in body
    assert cells("助餐（份）", "2,345", "2,300", "+45") in body
    assert cells("助餐补贴（元）", "1,234.56", "1,200.00", "+34.56") in body
    assert cells("志愿服务时长（小时）", format_value("hours", 37.5), format_value("hours", 30.0)) in body


def test_charts_are_labelled_and_a_zero_chart_says_no_data(language):
    pdf = mr.monthly_pdf(month(), LETTERHEAD)
    body = squash("".join(pdf_text(pdf)[1:]))
    for text in ("按活动类型", "按服务对象", "诉求类别", "义诊", "康乐", "儿童教育/科普"):
        assert squash(text) in body
    # The pie's legend: label, value and share; the zero slice (全体) is left out.
    assert squash(_("{label}: {value} ({share})").format(label="一老", value="12", share="52.2%")) in body
    assert "全体" not in body
    assert body.count(squash(_("No data this month"))) == 1  # the counter's all-zero chart
    assert "社保医保" not in body  # its items are not drawn


def test_the_notes_and_the_sign_off_block_end_the_monthly(language):
    pdf = mr.monthly_pdf(month(), LETTERHEAD)
    last = squash(pdf_text(pdf)[-1])
    for label in (_("Notes"), _("Prepared by"), _("Reviewed by"), _("Stamp"), _("Date")):
        assert squash(label) in last
    assert "11月3日台风闭馆一天。" in last and "林小燕" in last
    blank = flat(mr.monthly_pdf(month(notes="", prepared_by=""), LETTERHEAD))
    assert squash(_("Notes")) in blank and "林小燕" not in blank and "台风" not in blank
    assert 2 <= pages(pdf) <= 4
    assert {name.split("+", 1)[1] for name in all_font_names(pdf)} == {"WenQuanYiMicroHei-0"}  # charts too


def test_an_empty_month_says_so_with_zeros_and_no_charts(language):
    report = month(sections=(activities(zero=True),), empty=True, notes="",
                   summary="本月共开展活动 0 场次，服务 0 人次（0 人）。")
    pdf = mr.monthly_pdf(report, LETTERHEAD)
    assert pdf.missing_glyphs == 0
    text = flat(pdf)
    first = squash(pdf_text(pdf)[0])
    assert squash(_("Nothing was recorded in {month}: no activity, service request, attendance or points entry. "
                    "Every figure in this report is zero.").format(month=mr.month_text(2026, 11))) in first
    assert "本月共开展活动0场次，服务0人次（0人）。" in first
    assert cells("开展活动（场次）", "0", "20", "−20") in text
    assert text.count(squash(_("No data this month"))) == 2  # the empty bar chart and the all-zero pie
    assert squash(_("Prepared by")) in text


def annual(empty: bool = False) -> AnnualReport:
    """A year of one section: activities 2 × month number a month, 0 after October."""
    def section(activities_, people, on_time):
        lines = (Line("activities", "开展活动（场次）", "count", activities_), Line("people", "服务人数", "count", people),
                 Line("on_time", "按时办结率", "percent", on_time))
        return Section("activities", "活动开展", lines, (), "")

    months = tuple((section(0 if empty or m > 10 else 2 * m, 0 if empty or m > 10 else 10 * m,
                            None if empty or m > 10 else 90.0 + m / 10),) for m in range(1, 13))
    totals = (section(0 if empty else 110, 0 if empty else 300, None if empty else 90.5),)
    return AnnualReport(CENTRE, 2026, "全年开展活动 110 场次，服务 550 人次（300 人）。", totals, months, empty,
                        prepared_by="林小燕")


def test_the_annual_report_has_the_year_month_by_month(language):
    pdf = mr.annual_pdf(annual(), LETTERHEAD)
    assert pdf.missing_glyphs == 0
    texts = pdf_text(pdf)
    first = squash(texts[0])
    assert squash(_("Annual report, {year}").format(year=2026)) in first
    assert "全年开展活动110场次，服务550人次（300人）。" in first
    assert cells("活动开展", "开展活动（场次）", "110") in first
    body = squash("".join(texts[1:]))
    assert squash(_("Year total")) in body
    # 12 months and the year's own total (300 distinct people, not the sum of the months: 550).
    assert cells("开展活动（场次）", *[str(2 * m) for m in range(1, 11)], "0", "0", "110") in body
    assert cells("服务人数", *[str(10 * m) for m in range(1, 11)], "0", "0", "300") in body
    assert cells("按时办结率", *[format_value("percent", 90.0 + m / 10) for m in range(1, 11)], "—", "—",
                 format_value("percent", 90.5)) in body
    # The chart of the first line, month by month.
    assert squash(_("{line}, month by month").format(line="开展活动（场次）")) in body
    for label in (_("Prepared by"), _("Reviewed by"), _("Stamp"), "林小燕"):
        assert squash(label) in body
    assert 2 <= pages(pdf) <= 3


def test_an_empty_year_says_so(language):
    pdf = mr.annual_pdf(annual(empty=True), LETTERHEAD)
    text = flat(pdf)
    assert squash(_("Nothing was recorded in {year}: no activity, service request, attendance or points entry. "
                    "Every figure in this report is zero.").format(year=2026)) in text
    assert squash(_("No data this year")) in text
    assert cells("开展活动（场次）", *["0"] * 13) in text


def town_month() -> MonthlyReport:
    """Town scale: 7 sections of 8 lines and 2 charts (9 bars, a 4-slice pie)."""
    sections = []
    for n in range(7):
        lines = tuple(Line(f"k{i}", f"指标{n}-{i}（件）", "percent" if i == 2 else "count",
                           95.5 if i == 2 else 1000 + 37 * i) for i in range(8))
        charts = (Chart("按类型", "bar", tuple((f"类型{i}", float(i * 3 + 1)) for i in range(9))),
                  Chart("按对象", "pie", (("一老", 12.0), ("一少", 8.0), ("青年", 5.0), ("全体", 2.0))))
        section = Section(f"f{n}", f"板块{n}", lines, charts, "")
        sections.append(ComparedSection(section, tuple(Compared(ln, ln.value, ln.value) for ln in lines)))
    return month(sections=tuple(sections))


def test_the_reports_are_fast_at_town_scale():
    report = town_month()
    year = AnnualReport(CENTRE, 2026, "", tuple(cs.section for cs in report.sections),
                        tuple(tuple(cs.section for cs in report.sections) for _m in range(12)), False)
    mr.monthly_pdf(report, LETTERHEAD)  # fonts loaded once
    timings = []
    for _n in range(3):
        start = time.perf_counter()
        mr.monthly_pdf(report, LETTERHEAD)
        middle = time.perf_counter()
        mr.annual_pdf(year, LETTERHEAD)
        timings.append((middle - start, time.perf_counter() - middle))
    assert min(t[0] for t in timings) < 1.0 and min(t[1] for t in timings) < 3.0


def test_a_rare_character_in_the_preparers_name_prints():
    pdf = mr.monthly_pdf(month(prepared_by="陈𪨶华"), LETTERHEAD)
    assert pdf.missing_glyphs == 0 and "陈𪨶华" in flat(pdf)
