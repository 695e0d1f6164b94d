"""After-school forms read back, from hand-made rows: roster, session sheet, month summary, pick-up
cards. (tests/services/test_afterschool_print.py prints them from a class built through the service.)"""
import datetime as dt

from pypdf import PdfReader

from app.i18n import _, set_language
from app.reports import afterschool_forms as forms
from app.reports.toolkit import Letterhead
from app.services.afterschool import ABSENT, LEAVE, PRESENT, ClassRow, Session
from tests.reports.conftest import embedded_fonts, pdf_text

D = dt.date
LETTERHEAD = Letterhead("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234", D(2026, 11, 30))
CLASS = ClassRow(7, "四点半课堂（一班）", 1, "四点半课堂", D(2026, 9, 1), D(2027, 1, 15), frozenset(range(5)),
                 dt.time(16, 30), dt.time(18, 0), "二楼活动室", 30, None, None, "林老师", 6, 12, 1, 6, 0, "", True,
                 enrolled=2)
MOTHER = forms.Adult("王芳", "母亲", "13800000001")
FATHER = forms.Adult("张建国", "父亲", "13900000002")
NEIGHBOUR = forms.Adult("李阿姨", "邻居", "13700000003")


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def roster_lines():
    return [forms.RosterLine("张小明", "M", 8, "莲坂小学", 2, "350581********0012", (MOTHER, FATHER), False),
            forms.RosterLine("欧阳娜娜", "F", 10, "祥芝中心小学", 4, "350581********002X", (MOTHER,), True)]


def test_the_roster_lists_the_children_with_masked_ids_and_the_guardians_phones():
    pdf = forms.class_roster(CLASS, roster_lines(), LETTERHEAD, show_phones=True)
    text = flat(pdf)
    assert "四点半课堂（一班）" in text and "二楼活动室" in text and "林老师" in text
    assert "2026年9月1日" in text and "2027年1月15日" in text and "16:30–18:00" in text
    assert "周一、周二、周三、周四、周五" in text
    assert "1张小明男8莲坂小学" in text and "350581********0012王芳（母亲）13800000001张建国（父亲）13900000002否" in text
    assert "2欧阳娜娜女10祥芝中心小学" in text and "350581********002X王芳（母亲）13800000001是" in text
    assert embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_the_roster_leaves_the_phones_out_when_the_reader_may_not_see_them():
    text = flat(forms.class_roster(CLASS, roster_lines(), LETTERHEAD, show_phones=False))
    assert "350581********0012王芳（母亲）张建国（父亲）否" in text
    assert "1380000" not in text and "1390000" not in text and "****0001" not in text


ALLERGIC = [forms.RosterLine("张小明", "M", 8, "莲坂小学", 2, "350581********0012", (MOTHER,), False, "鸡蛋 / 虾蟹"),
            forms.RosterLine("欧阳娜娜", "F", 10, "祥芝中心小学", 4, "350581********002X", (MOTHER,), True)]
SHEET_ALLERGIC = [forms.SheetLine("张小明", (MOTHER,), False, "鸡蛋 / 虾蟹"),
                  forms.SheetLine("欧阳娜娜", (MOTHER,), True)]
LEFT_OUT = "Allergies are left out: this reader may not see children's medical notes."


def test_the_roster_and_sheet_have_an_allergies_column_when_the_reader_may_see_them():
    session = Session(7, D(2026, 11, 25), dt.time(16, 30), dt.time(18, 0))
    roster = forms.class_roster(CLASS, ALLERGIC, LETTERHEAD, show_phones=True, show_allergies=True)
    text = flat(roster)
    assert "过敏可自行回家" in text  # the header: 过敏 before the last column
    assert "王芳（母亲）13800000001鸡蛋/虾蟹否" in text and "王芳（母亲）13800000001是" in text
    assert squeezed(_(LEFT_OUT)) not in text and roster.missing_glyphs == 0
    sheet = forms.session_sheet(CLASS, session, SHEET_ALLERGIC, LETTERHEAD, show_allergies=True)
    text = flat(sheet)
    assert _("Allergies") in text
    assert "1张小明鸡蛋/虾蟹王芳（母亲）" in text and "2欧阳娜娜王芳（母亲）" in text
    assert squeezed(_(LEFT_OUT)) not in text and sheet.missing_glyphs == 0


def test_the_roster_and_sheet_leave_allergies_out_with_a_note():
    session = Session(7, D(2026, 11, 25), dt.time(16, 30), dt.time(18, 0))
    for pdf in (forms.class_roster(CLASS, ALLERGIC, LETTERHEAD, show_phones=True),
                forms.session_sheet(CLASS, session, SHEET_ALLERGIC, LETTERHEAD)):
        text = flat(pdf)
        assert "鸡蛋" not in text and "过敏" not in text.replace(squeezed(_(LEFT_OUT)), "")
        assert squeezed(_(LEFT_OUT)) in text


def test_an_empty_roster_says_so():
    set_language("en")
    try:
        text = " ".join(pdf_text(forms.class_roster(CLASS, [], LETTERHEAD)))
    finally:
        set_language("zh_CN")
    assert "Class roster" in text and "No child is enrolled in this class." in text


def test_the_session_sheet_has_blank_columns_and_who_may_collect_each_child():
    session = Session(7, D(2026, 11, 25), dt.time(16, 30), dt.time(18, 0))
    lines = [forms.SheetLine("张小明", (MOTHER, FATHER, NEIGHBOUR), False),
             forms.SheetLine("欧阳娜娜", (forms.Adult("王芳", "母亲"),), True)]
    set_language("en")
    try:
        pdf = forms.session_sheet(CLASS, session, lines, LETTERHEAD)
        text = flat(pdf)
    finally:
        set_language("zh_CN")
    assert "After-schoolsign-inandsign-outsheet" in text
    assert "四点半课堂（一班）·November25,2026Wednesday·16:30–18:00" in text
    for column in ("No.", "Name", "Maybecollectedby", "Sign-intime", "Sign-outtime", "Collectedby/relation",
                   "Signature"):
        assert column in text
    assert "1张小明王芳(母亲),张建国(父亲),李阿姨(邻居)2欧阳娜娜王芳(母亲),maygohomealone" in text
    # Who may collect: names and relations, never phones.
    assert "1380000" not in text and "1370000" not in text
    assert pdf.missing_glyphs == 0


def test_the_month_summary_counts_ticks_leave_absence_late_and_unlisted_pick_ups():
    days = [D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 5)]
    lines = [forms.MonthLine("张小明", {days[0]: PRESENT, days[1]: PRESENT, days[2]: LEAVE, days[3]: PRESENT}, 2, 1),
             forms.MonthLine("欧阳娜娜", {days[1]: PRESENT, days[2]: ABSENT, days[3]: PRESENT}, 0, 0)]
    cancelled = [Session(7, D(2026, 11, 6), dt.time(16, 30), dt.time(18, 0), True, "停电")]
    pdf = forms.class_month(CLASS, D(2026, 11, 1), days, lines, cancelled, LETTERHEAD)
    text = flat(pdf)
    assert "四点半课堂（一班）·2026年11月" in text
    assert "2周一3周二4周三5周四" in text
    #             2  3  4  5   present leave absent late unlisted
    leave, absent = _("Lv"), _("Ab")  # 假, 缺
    assert f"1张小明✓✓{leave}✓31021" in text
    assert f"2欧阳娜娜✓{absent}✓20100" in text
    assert "合计120251121" in text  # per session: 1, 2, 0, 2 present; then 5 present, 1 leave, 1 absent, 2, 1
    assert "2026年11月6日停电" in text
    assert pdf.missing_glyphs == 0


def test_pick_up_cards_eight_to_a_page_with_the_card_code():
    cards = [forms.PickupCard("张小明", "王芳", "母亲", "K7Q4M2XP"), forms.PickupCard("张小明", "张建国", "父亲", "A2B3C4D5")]
    pdf = forms.pickup_cards(cards * 5, LETTERHEAD)
    pages = PdfReader(__import__("io").BytesIO(pdf)).pages
    assert len(pages) == 2
    text = flat(pdf)
    assert text.count("K7Q4M2XP") == 5 and text.count("A2B3C4D5") == 5
    assert "张小明" in text and "王芳" in text and "母亲" in text and "莲坂村党建+邻里中心" in text
    assert cards[0].qr_payload == "NDP:K7Q4M2XP"
    assert pdf.missing_glyphs == 0


def test_weekday_names_and_month_text():
    assert forms.weekday_name(0) == "周一" and forms.weekday_name(6) == "周日"
    set_language("en")
    try:
        assert forms.weekday_name(0) == "Mon"
        assert forms.month_text(D(2026, 3, 1)) == "2026-03"
    finally:
        set_language("zh_CN")
    assert forms.month_text(D(2026, 3, 1)) == "2026年3月"
