"""Merchant alliance forms read back, from hand-made rows: application, agreement, window certificate,
roster, complaint ledger, ranking. (tests/services/test_alliance_print.py prints them from merchants
built through the service.)"""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.i18n import _, set_language
from app.reports import alliance_forms as forms
from app.reports.toolkit import Letterhead
from app.services.alliance import (MEMBER, RECOMMENDED, SELF, SUSPENDED, CommitmentRow, ComplaintRow, HalfYearRate,
                                   MerchantInfo, MerchantRow, RankingRow)
from tests.reports.conftest import embedded_fonts, pdf_text

D = dt.date
LETTERHEAD = Letterhead("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678", D(2026, 11, 30))
CODE = "91350581MA31Y8K2P0"


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


def z(msgid: str) -> str:
    """A label as the current catalogue has it (the new ones are English until integration)."""
    return squash(_(msgid))


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh_CN")


def merchant(name="阿明理发店", *, via=RECOMMENDED, batch="第一批", status=MEMBER, member_code="K7Q2M9XA",
             credit_code=CODE, licence="", contact="陈阿明 138****0001", commitments=2,
             joined=D(2026, 3, 1)) -> MerchantRow:
    return MerchantRow(1, name, credit_code, licence, "理发美容", contact, "状元里12号", "状元里小区", "第三网格",
                       via, D(2026, 2, 10), batch, status, joined or D(2026, 2, 10), joined, member_code,
                       commitments)


def info(row: MerchantRow, phone="138****0001") -> MerchantInfo:
    return MerchantInfo(row, 1, None, "陈阿明", phone, 3, 5 if row.applied_via == RECOMMENDED else None,
                        "林秀英" if row.applied_via == RECOMMENDED else "", "", None, [], [], [], [], [])


COMMITMENTS = [
    CommitmentRow(1, 1, "老人免费理发", "70岁以上老人", "每月第一个周二上午", D(2026, 3, 1), None),
    CommitmentRow(2, 2, "免费充电", "", "每天", D(2026, 3, 1), D(2026, 12, 31)),
]


def test_the_application_has_the_merchant_the_way_it_applied_and_lines_to_sign():
    pdf = forms.merchant_application(info(merchant()), COMMITMENTS, LETTERHEAD)
    text = flat(pdf)
    assert z("Alliance membership application") in text and "阿明理发店" in text and "2026年2月10日" in text
    assert z("Unified social credit code") + CODE in text and "理发美容" in text and "状元里12号" in text
    assert "陈阿明" in text and "138****0001" in text and "第三网格" in text and "状元里小区" in text
    assert z("Recommended by") + "林秀英" in text and "第一批" in text
    assert "1老人免费理发70岁以上老人每月第一个周二上午" in text and "2026年3月1日" in text
    assert "2免费充电每天2026年3月1日" in text and "2026年12月31日" in text
    for label in ("Applicant", "Recommending resident", "Received by (the centre)"):
        assert z(label) in text
    assert embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_the_application_in_english_leaves_a_line_to_write_a_third_service(english):
    text = flat(forms.merchant_application(info(merchant()), COMMITMENTS, LETTERHEAD))
    assert squash("阿明理发店 · applied on February 10, 2026") in text
    assert squash("Applied through Recommended by a resident Recommended by 林秀英") in text
    assert squash("1 老人免费理发 70岁以上老人 每月第一个周二上午 from March 1, 2026") in text
    assert squash("2 免费充电 每天 March 1, 2026 to December 31, 2026 3") in text
    assert squash("Signature and stamp: ______________") in text


def test_a_self_nominated_shop_without_a_credit_code_has_its_licence_number_and_no_recommender(english):
    row = merchant(via=SELF, credit_code="", licence="350581600123456", status="applied", member_code=None,
                   joined=None)
    text = flat(forms.merchant_application(info(row), [], LETTERHEAD))
    assert squash("Business licence number (no credit code) 350581600123456") in text
    assert "Self-nominated" in text and "Recommend" not in text
    assert squash("Details How often From – until 1 2 3") in text  # three blank lines for the services


def test_the_agreement_numbers_the_commitments_and_the_general_terms():
    pdf = forms.merchant_agreement(info(merchant()), COMMITMENTS, LETTERHEAD)
    text = flat(pdf)
    assert "K7Q2M9XA" in text and "状元里党建+邻里中心" in text and "0595-88885678" in text
    assert z("Party B") + "阿明理发店" in text and "石狮市湖滨街道状元里" in text
    for number, term in enumerate(forms.GENERAL_TERMS, 1):
        assert "{}{}".format(z("{number}.").format(number=number), z(term)) in text
    assert pdf.missing_glyphs == 0


def test_the_agreement_clauses_read_in_english(english):
    text = flat(forms.merchant_agreement(info(merchant()), COMMITMENTS, LETTERHEAD))
    assert squash("Alliance membership agreement Member code K7Q2M9XA") in text
    assert squash("Party A 状元里党建+邻里中心 Party B 阿明理发店") in text
    assert squash("Unified social credit code " + CODE) in text
    assert squash("Part one: public-benefit services "
                  "1. 老人免费理发: 70岁以上老人. How often: 每月第一个周二上午; from March 1, 2026. "
                  "2. 免费充电. How often: 每天; March 1, 2026 to December 31, 2026. Part two: general terms") in text
    assert squash("1. Party B treats residents politely") in text
    assert squash("3. Party B accepts the vouchers residents earn with volunteer points") in text
    assert squash("7. If Party B breaks these terms or is often complained about, Party A may suspend or end") in text
    assert squash("Party A (stamp): 状元里党建+邻里中心") in text and squash("Party B (stamp): 阿明理发店") in text
    assert squash("Representative: ______________") in text


def test_an_agreement_without_commitments_says_so(english):
    text = flat(forms.merchant_agreement(info(merchant(member_code=None)), [], LETTERHEAD))
    assert squash("None agreed yet; to be added in writing.") in text and "Member code" not in text


def test_the_certificate_has_the_shop_its_batch_its_services_and_the_qr_code(english):
    pdf = forms.merchant_certificate(info(merchant()), COMMITMENTS, LETTERHEAD)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = flat(pdf)
    assert squash("Caring Shop 阿明理发店 第一批 alliance member") in text
    assert squash("· 老人免费理发 (每月第一个周二上午)") in text and squash("· 免费充电 (每天)") in text
    assert "K7Q2M9XA" in text and "状元里党建+邻里中心" in text and squash("Valid from March 1, 2026") in text
    assert pdf.missing_glyphs == 0


def test_the_certificate_in_chinese_draws_every_character():
    pdf = forms.merchant_certificate(info(merchant()), COMMITMENTS, LETTERHEAD)
    text = flat(pdf)
    assert "阿明理发店" in text and "第一批" in text and "老人免费理发" in text
    assert embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_the_certificate_sums_up_many_services_and_needs_a_member_code(english):
    many = [CommitmentRow(n, n, f"服务{n}", "", "", D(2026, 3, 1), None) for n in range(1, 10)]
    text = flat(forms.merchant_certificate(info(merchant(batch="")), many, LETTERHEAD))
    assert "·服务5" in text and "服务6" not in text and "and4more" in text and "Alliancemember" in text
    with pytest.raises(ValueError):
        forms.merchant_certificate(info(merchant(member_code=None)), [], LETTERHEAD)


def roster_rows():
    return [merchant(), merchant("好邻居便利店", commitments=1),
            merchant("老街药房", batch="第二批", status=SUSPENDED, contact="王药师 139****0002", commitments=0)]


def test_the_roster_groups_the_members_by_batch(english):
    text = flat(forms.alliance_roster(roster_rows(), LETTERHEAD))
    assert squash("Alliance roster Members: 3 第一批 · members: 2") in text and squash("第二批 · members: 1") in text
    assert squash("1 阿明理发店 理发美容 状元里12号 陈阿明 138****0001 March 1, 2026 2 Member") in text
    assert squash("2 好邻居便利店") in text and squash("1 老街药房") in text
    assert squash("王药师 139****0002 March 1, 2026 0 Suspended") in text
    assert text.index("第一批") < text.index("好邻居便利店") < text.index("第二批") < text.index("老街药房")
    assert squash("Phones are masked") in text


def test_the_roster_in_chinese_with_whole_phones_has_no_masking_note():
    rows = [merchant(contact="陈阿明 13800000001")]
    pdf = forms.alliance_roster(rows, LETTERHEAD, phones_masked=False)
    text = flat(pdf)
    assert "陈阿明13800000001" in text and z("Phones are masked: this reader may not see them in full.") not in text
    assert z("Member") in text and pdf.missing_glyphs == 0


def ledger_rows():
    return [ComplaintRow(1, 1, "阿明理发店", D(2026, 7, 3), "林秀英", "138****0003", "排队时插队", "已向居民道歉",
                         D(2026, 7, 5), "前台"),
            ComplaintRow(2, 2, "老街药房", D(2026, 8, 9), "路人甲", "", "拒收积分券", "", None, "前台")]


def test_the_complaint_ledger_totals_and_the_half_year_rate_line(english):
    rate = HalfYearRate(2026, 2, 17, 40, 0.425, 0.5, -0.15)
    text = flat(forms.complaint_ledger(ledger_rows(), D(2026, 7, 1), D(2026, 12, 31), rate, LETTERHEAD))
    assert squash("Complaint ledger July 1, 2026 to December 31, 2026") in text
    assert squash("1 July 3, 2026 阿明理发店 林秀英 138****0003 排队时插队 已向居民道歉 July 5, 2026") in text
    assert squash("2 August 9, 2026 老街药房 路人甲 拒收积分券") in text
    assert squash("Complaints: 2; resolved: 1; still open: 1.") in text
    # 0.425 rounds half up to 0.43 (round() would give 0.42), always with two decimals.
    assert squash("Complaint rate in the second half of 2026: on average 0.43 complaints per member shop "
                  "(complaints about members: 17; members: 40). Down 15% from the first half of 2026.") in text


def test_the_complaint_ledger_in_chinese():
    rate = HalfYearRate(2026, 2, 17, 40, 0.425, 0.5, -0.15)
    pdf = forms.complaint_ledger(ledger_rows(), D(2026, 7, 1), D(2026, 12, 31), rate, LETTERHEAD)
    text = flat(pdf)
    assert "2026年7月3日阿明理发店林秀英138****0003排队时插队已向居民道歉2026年7月5日" in text
    assert "0.43" in text and "17" in text and pdf.missing_glyphs == 0


@pytest.mark.parametrize("rate, line", [
    (HalfYearRate(2026, 1, 10, 20, 0.5, None, None), "Nothing to compare with in the second half of 2025."),
    (HalfYearRate(2026, 1, 10, 20, 0.5, 0.4, 0.25), "Up 25% from the second half of 2025."),
    (HalfYearRate(2026, 1, 8, 20, 0.4, 0.4, 0.0), "Unchanged from the second half of 2025."),
    (HalfYearRate(2026, 1, 0, 0, None, None, None), "Complaint rate in the first half of 2026: the alliance had no "
                                                    "members."),
])
def test_the_rate_line_says_up_down_unchanged_or_nothing_to_compare(english, rate, line):
    assert line in forms.rate_text(rate)


def test_an_empty_ledger_says_so(english):
    rate = HalfYearRate(2026, 1, 0, 3, 0.0, 0.2, -1.0)
    text = flat(forms.complaint_ledger([], D(2026, 1, 1), D(2026, 1, 31), rate, LETTERHEAD))
    assert squash("No complaint was received in this period.") in text
    assert squash("Complaints: 0; resolved: 0; still open: 0.") in text and squash("Down 100%") in text


def ranking_rows():
    return [RankingRow(1, 1, "阿明理发店", 3, 9.25, {"诚信经营": 9.5, "热心公益": 9.0}),
            RankingRow(2, 2, "好邻居便利店", 2, 8.5, {"诚信经营": 8.0, "热心公益": 9.0}),
            RankingRow(2, 3, "老街药房", 2, 8.5, {"诚信经营": 9.0, "热心公益": 8.0})]


def test_the_ranking_lists_rank_evaluators_average_and_each_criterion(english):
    pdf = forms.alliance_ranking(2026, 3, ranking_rows(), LETTERHEAD)
    text = flat(pdf)
    assert squash("Alliance ranking Q3 2026 · members evaluated: 3") in text
    assert squash("Rank Merchant Evaluators Average 诚信经营 热心公益") in text
    assert squash("1 阿明理发店 3 9.25 9.50 9.00") in text  # averages always with two decimals
    assert squash("2 好邻居便利店 2 8.50 8.00 9.00 2 老街药房 2 8.50 9.00 8.00") in text


def test_the_ranking_in_chinese():
    pdf = forms.alliance_ranking(2026, 3, ranking_rows(), LETTERHEAD)
    text = flat(pdf)
    assert "1阿明理发店39.259.509.00" in text and "2老街药房28.509.008.00" in text and pdf.missing_glyphs == 0
    assert float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width) < 600  # four criteria fit a portrait page
