"""Volunteer points forms read back, from hand-made rows: a statement with its running balance and a
reversal, a voucher slip with its code and QR payload, the month's ledger with its totals.
(tests/services/test_points_print.py prints them from entries made through the service.)"""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.i18n import _, set_language
from app.reports import points_forms as forms
from app.reports import toolkit
from app.reports.toolkit import Letterhead
from app.services.points import (EARN, EXPIRED, ISSUED, REVERSE, SERVICE, SPEND, EntryRow, Statement, VoucherRow)
from tests.reports.conftest import embedded_fonts, pdf_text

D = dt.date
T = dt.datetime
LETTERHEAD = Letterhead("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678", D(2026, 11, 30))


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh_CN")


def entry(id_, kind, points, day, *, service="", quantity="", code="", reverses=None, reversed_by=None, note="",
          balance=None, resident="林秀英"):
    return EntryRow(id_, 7, resident, kind, points, day, service, quantity, code, reverses, reversed_by, note, "前台小林",
                    T(2026, 11, 1, 9), balance)


def statement() -> Statement:
    """林秀英 in November: 40 before; +20 clean-up, +30 patrol reversed (-30), -50 haircut voucher."""
    entries = [entry(11, EARN, 20, D(2026, 11, 7), service="环境整治", quantity="2 h", note="清理楼道", balance=60),
               entry(12, EARN, 30, D(2026, 11, 10), service="平安巡逻", quantity="3 h", reversed_by=14, balance=90),
               entry(13, SPEND, -50, D(2026, 11, 12), code="K7Q2M9XAPB", note="理发服务券", balance=40),
               entry(14, REVERSE, -30, D(2026, 11, 13), reverses=12, note="重复登记", balance=10)]
    return Statement(7, "林秀英", D(2026, 11, 1), D(2026, 11, 30), 40, entries, 10)


def voucher(status=ISSUED) -> VoucherRow:
    return VoucherRow(3, "K7Q2M9XAPB", 2, "理发服务券", SERVICE, 5, "阿明理发店", 7, "林秀英", 100,
                      T(2026, 11, 12, 10, 30), "前台小林", D(2027, 1, 10), None, "", None, status)


def test_the_statement_has_the_running_balance_and_marks_the_reversal(english):
    pdf = forms.points_statement(statement(), LETTERHEAD)
    text = flat(pdf)
    assert squash("Points statement") in text and squash("林秀英 · November 1, 2026 to November 30, 2026") in text
    assert squash("Opening balance 40 points") in text and squash("Closing balance 10 points") in text
    # entry no., date, kind, details, points, running balance, note
    assert squash("11 November 7, 2026 Earned 环境整治 2 h +20 60 清理楼道") in text
    assert squash("12 November 10, 2026 Earned (reversed) 平安巡逻 3 h +30 90 Reversed by entry 14") in text
    assert squash("13 November 12, 2026 Voucher 理发服务券 K7Q2M9XAPB -50 40") in text
    assert squash("14 November 13, 2026 Reversal Reverses entry 12 -30 10 重复登记") in text
    assert squash("In this period: Earned +50, Voucher -50, Reversal -30.") in text
    assert pdf.missing_glyphs == 0


def test_the_statement_in_chinese_draws_every_character():
    pdf = forms.points_statement(statement(), LETTERHEAD)
    text = flat(pdf)
    assert "林秀英" in text and "环境整治" in text and "重复登记" in text
    assert embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_a_statement_without_entries_says_so(english):
    empty = Statement(7, "林秀英", None, None, 0, [], 0)
    text = flat(forms.points_statement(empty, LETTERHEAD))
    assert squash("林秀英 · All entries") in text and squash("No entry in this period.") in text


def test_the_voucher_slip_has_everything_to_honour_it_and_the_qr_code(english, monkeypatch):
    payloads = []
    real = toolkit.qr_drawing
    monkeypatch.setattr(toolkit, "qr_drawing", lambda payload, size: payloads.append(payload) or real(payload, size))
    pdf = forms.voucher_slip(voucher(), "凭券到店免费理发一次", LETTERHEAD)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = flat(pdf)
    for value in ("Points voucher", "理发服务券", "Service voucher · 100 points", "Honoured by: 阿明理发店",
                  "Holder: 林秀英", "Voucher issued on: November 12, 2026", "Good until: January 10, 2027",
                  "凭券到店免费理发一次", "K7Q2M9XAPB", "One use only", "状元里党建+邻里中心"):
        assert squash(value) in text, value
    assert payloads == ["NDV:K7Q2M9XAPB"]
    assert squash("Not yet used") not in text  # a usable voucher carries no status
    assert pdf.missing_glyphs == 0


def test_a_voucher_no_longer_usable_says_so_across_the_slip(english):
    text = flat(forms.voucher_slip(voucher(EXPIRED), "", LETTERHEAD))
    assert "Expired" in text


def ledger_rows() -> list[EntryRow]:
    return [entry(21, EARN, 20, D(2026, 11, 7), service="环境整治", quantity="2 h", resident="林秀英"),
            entry(22, EARN, 15, D(2026, 11, 7), service="环境整治", quantity="1 h 30 min", resident="陈阿明"),
            entry(23, EARN, 20, D(2026, 11, 9), service="邻里调解", quantity="1 times", resident="陈阿明",
                  reversed_by=25),
            entry(24, SPEND, -100, D(2026, 11, 12), code="K7Q2M9XAPB", note="理发服务券", resident="林秀英"),
            entry(25, REVERSE, -20, D(2026, 11, 13), reverses=23, note="登记错了人", resident="陈阿明")]


def test_the_ledger_lists_the_month_and_totals_by_kind_and_service_type(english):
    pdf = forms.points_ledger(D(2026, 11, 1), ledger_rows(), LETTERHEAD)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = flat(pdf)
    assert squash("Points ledger") in text and squash("2026-11 · entries: 5") in text
    assert squash("22 November 7, 2026 陈阿明 Earned 环境整治 1 h 30 min +15 前台小林") in text
    assert squash("23 November 9, 2026 陈阿明 Earned (reversed) 邻里调解 1 times +20 前台小林 Reversed by entry 25") in text
    assert squash("24 November 12, 2026 林秀英 Voucher 理发服务券 K7Q2M9XAPB -100 前台小林") in text
    assert squash("Totals by kind of entry Kind Entries Points Earned 3 +55 Voucher 1 -100 Reversal 1 -20 "
                  "Total 5 -65") in text
    assert squash("Points earned by service type Service type Entries Points 环境整治 2 +35 邻里调解 1 +20 "
                  "Total 3 +55") in text
    assert pdf.missing_glyphs == 0


def test_an_empty_month_says_so(english):
    text = flat(forms.points_ledger(D(2026, 2, 1), [], LETTERHEAD))
    assert squash("No entry in this month.") in text and squash("Total 0 0") in text


def test_the_ledger_in_chinese_draws_every_character():
    pdf = forms.points_ledger(D(2026, 11, 1), ledger_rows(), LETTERHEAD)
    assert "陈阿明" in flat(pdf) and pdf.missing_glyphs == 0
    assert _("Points ledger")  # the title is a catalogue entry
