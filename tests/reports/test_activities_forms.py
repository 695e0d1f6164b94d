"""Activity forms read back, from hand-made rows: the sign-in sheet with the activity's details, the
registered participants (masked phones) and blank numbered lines to 20; the ledger of a period with
person-times per line and the totals line. (tests/services/test_activities_print.py prints them from
activities recorded through the service.)"""
import datetime as dt

import pytest

from app.i18n import set_language
from app.reports import activities_forms as forms
from app.reports.toolkit import Letterhead
from app.services.activities import ActivityDetail, ActivityInput, ActivityRow, ParticipantRow
from tests.reports.conftest import embedded_fonts, pdf_text

D, T = dt.date, dt.time
LETTERHEAD = Letterhead("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678", D(2026, 11, 30))


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh_CN")


def row(id_=7, day=D(2026, 10, 29), title="重阳节义诊进社区", registered=3, headcount=12, starts=T(9, 0),
        ends=T(11, 30), partners="镇卫生院、阿明理发店") -> ActivityRow:
    return ActivityRow(id_, day, starts, ends, title, "义诊", "elderly", "Elderly (一老)", "二楼多功能厅", "社工小林",
                       partners, registered, headcount)


def numbers(pages: list[str]) -> list[int]:
    """The sheet's line numbers: the lines of text that are a number only."""
    return [int(line) for page in pages for line in page.splitlines() if line.strip().isdigit()]


def detail(people: int = 3) -> ActivityDetail:
    names = ["林秀英", "蔡良剑", "单雄信"] + [f"居民{n}" for n in range(4, people + 1)]
    participants = [ParticipantRow(n, name, "", "138****5678", None) for n, name in enumerate(names[:people], 1)]
    return ActivityDetail(row(registered=people), ActivityInput(D(2026, 10, 29), "重阳节义诊进社区", 1, "elderly"),
                          participants, dt.datetime(2026, 10, 29, 12))


def test_the_sign_in_sheet_has_the_activity_its_participants_and_blank_lines_to_twenty(english):
    pdf = forms.sign_in_sheet(detail(), LETTERHEAD)
    pages = pdf_text(pdf)
    assert len(pages) == 1  # twenty lines and the signatures on one A4 page
    text = squash(pages[0])
    assert squash("Activity sign-in sheet") in text
    for pair in ("Activity 重阳节义诊进社区", "Type 义诊", "Date October 29, 2026 Thursday", "Time 09:00–11:30",
                 "Venue 二楼多功能厅", "Organiser 社工小林", "Target group Elderly (一老)",
                 "Partners 镇卫生院、阿明理发店"):
        assert squash(pair) in text
    assert squash("No. Name Phone Signature Notes") in text
    assert squash("1 林秀英 138****5678 2 蔡良剑 138****5678 3 单雄信 138****5678 4 5 6") in text
    assert numbers(pages) == list(range(1, 21))
    assert squash("Registered participants: 3") in text
    assert pdf.missing_glyphs == 0


def test_a_full_sheet_still_leaves_blank_lines_for_walk_ins(english):
    pages = pdf_text(forms.sign_in_sheet(detail(24), LETTERHEAD))
    assert "24\n居民24\n138****5678\n25\n" in pages[0]
    assert numbers(pages) == list(range(1, 30))  # 24 registered, 5 blank


def test_the_sign_in_sheet_in_chinese_embeds_the_font():
    pdf = forms.sign_in_sheet(detail(), LETTERHEAD)
    assert "林秀英" in squash(pdf_text(pdf)[0]) and embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_the_ledger_has_person_times_per_line_and_a_totals_line(english):
    rows = [row(2, D(2026, 10, 20), "防诈骗讲座", 10, 5, T(14, 30), None, ""),
            row(1, D(2026, 10, 3), "广场舞联谊", 0, 30, None, None, "")]  # newest first, as the list gives them
    text = squash("".join(pdf_text(forms.activity_ledger(rows, D(2026, 10, 1), D(2026, 10, 31), LETTERHEAD))))
    assert squash("Activity ledger") in text
    assert squash("October 1, 2026 to October 31, 2026 · 2 activities") in text
    # oldest first: no., date, time, title, type, target group, venue, partners, registered, others, 人次
    assert squash("1 10/3/26 广场舞联谊 义诊 Elderly (一老) 二楼多功能厅 0 30 30") in text
    assert squash("2 10/20/26 14:30 防诈骗讲座 义诊 Elderly (一老) 二楼多功能厅 10 5 15") in text
    assert squash("Total 2 activities 10 35 45") in text
    assert squash("In this period: 2 activities held, 45 person-times served (10 registered, 35 not "
                  "registered).") in text


def test_an_empty_ledger_says_so(english):
    text = squash("".join(pdf_text(forms.activity_ledger([], D(2026, 10, 1), D(2026, 10, 31), LETTERHEAD))))
    assert squash("No activity in this period.") in text and "Total" not in text
