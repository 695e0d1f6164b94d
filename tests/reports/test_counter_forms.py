"""The service counter's forms: receipt, dispatch slip, letter of authorisation, ticket ledger."""
import dataclasses
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.errors import DeskError, NotFoundError, ValidationError
from app.reports import counter_forms, toolkit
from app.services import accounts, centre, counter, counter_print, grids, printing, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.counter import TicketInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN
from tests.reports.conftest import all_font_names, embedded_fonts, pdf_text

D = dt.date
ID = "11010519491231002X"
TODAY = D(2026, 11, 27)  # a Friday; 2 November 2026 is a Monday
RESULT = "已电话解答养老保险缴费年限和补缴办法，居民表示清楚"


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def text_positions(pdf: bytes) -> list[tuple[str, float]]:
    """Each piece of text on the first page with the height (points from the bottom) it is drawn at."""
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append((squeeze(text), cm[1] * tm[4] + cm[3] * tm[5] + cm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


@pytest.fixture
def desk(db):
    """Four tickets: a proxy errand, an overdue dispatched one, a followed-up one, one from October."""
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"),
                       actor=ADMIN)
    counter.ensure_default_catalogue(db, actor=ADMIN)
    by_level = {}
    for category in counter.list_categories(db):
        by_level.setdefault(category.default_level, category)
    elder, street = by_level["centre"], by_level["grid"]  # both promise 5 working days
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    first = grids.add_grid(db, root, "第一网格", "林燕", "13900000000", actor=ADMIN)
    group = grids.add_grid(db, first, "一组", actor=ADMIN)
    second = grids.add_grid(db, root, "第二网格", actor=ADMIN)
    cai = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=ID, phone="13812345678",
                                                   grid_id=group), actor=ADMIN)
    proxy = counter.receive_ticket(db, TicketInput(
        category_id=elder.id, resident_id=cai, description="父亲满八十周岁，申请高龄津贴", channel="counter",
        urgency="urgent", proxy_errand=True, proxy_agent="蔡小明", proxy_matter="代为申领高龄津贴"),
        actor=ADMIN, today=D(2026, 11, 20))
    lamp = counter.receive_ticket(db, TicketInput(
        category_id=street.id, walk_in_name="陈阿姨", walk_in_phone="13987654321", description="楼道灯坏了两周",
        channel="phone", grid_id=second), actor=ADMIN, today=D(2026, 11, 2))
    lamp = counter.move(db, lamp.id, "dispatch", actor=ADMIN, today=D(2026, 11, 2), assignee="林燕")
    done = counter.receive_ticket(db, TicketInput(
        category_id=elder.id, walk_in_name="黄伯", walk_in_phone="13700001111", description="咨询养老保险",
        grid_id=group), actor=ADMIN, today=D(2026, 11, 3))
    counter.move(db, done.id, "dispatch", actor=ADMIN, today=D(2026, 11, 3), assignee="王主任")
    counter.move(db, done.id, "start", actor=ADMIN, today=D(2026, 11, 4))
    counter.move(db, done.id, "resolve", actor=ADMIN, today=D(2026, 11, 5), note=RESULT)
    done = counter.follow_up(db, done.id, "satisfied", method="phone", actor=ADMIN, today=D(2026, 11, 6))
    october = counter.receive_ticket(db, TicketInput(
        category_id=street.id, walk_in_name="林先生", walk_in_phone="13600002222", description="垃圾清运",
        grid_id=first), actor=ADMIN, today=D(2026, 10, 30))
    return dict(proxy=proxy, lamp=lamp, done=done, october=october, elder=elder, street=street,
                first=first, group=group, second=second)


def only_the_bundled_font(pdf: bytes) -> bool:
    fonts = all_font_names(pdf)
    return fonts == embedded_fonts(pdf) and all("WenQuanYiMicroHei" in f for f in fonts)


# -- receipt ----------------------------------------------------------------------------------

def test_the_receipt_shows_the_number_the_promise_and_a_masked_phone(db, desk, monkeypatch):
    payloads = []
    real = toolkit.qr_drawing
    monkeypatch.setattr(toolkit, "qr_drawing", lambda payload, size: payloads.append(payload) or real(payload, size))
    t = desk["proxy"]
    assert (t.number, t.due_on) == ("FW202611-0001", D(2026, 11, 27))
    pdf = counter_print.receipt_pdf(db, t.id, actor=ADMIN)
    [page] = pdf_text(pdf)
    text = squeeze(page)
    for value in ("FW202611-0001", "蔡良剑", "138****5678", t.category, "父亲满八十周岁，申请高龄津贴",
                  t.channel_label, t.urgency_label, "2026年11月20日", "2026年11月27日", "0595-88881234",
                  "蔡小明", "代为申领高龄津贴", "经办人："):
        assert squeeze(value) in text, value
    assert "13812345678" not in text and ID not in text
    assert payloads == ["NDT:FW202611-0001"] == [counter.ticket_qr_payload(t.number)]
    assert only_the_bundled_font(pdf)


def test_the_receipt_fills_in_who_received_it_and_when_and_has_room_for_the_stamp(db, desk):
    text = flat(counter_print.receipt_pdf(db, desk["proxy"].id, actor=ADMIN))
    # ADMIN has no staff account (as the command line's user): the account name is shown
    assert text.count("经办人：王主任") == 2 and text.count("日期：2026年11月20日") == 2  # stub and receipt
    assert "盖章" in text and "申请人签名：" in text
    accounts.add_staff(db, "linyan", "林燕", DESK, "secret-pass-1", actor=ADMIN)
    ticket = counter.receive_ticket(db, TicketInput(
        category_id=desk["street"].id, walk_in_name="陈阿姨", walk_in_phone="13987654321", description="路灯不亮",
        channel="counter"),
        actor=Actor("linyan", DESK), today=D(2026, 11, 24))
    text = flat(counter_print.receipt_pdf(db, ticket.id, actor=ADMIN))  # reprinted by someone else
    assert text.count("经办人：林燕") == 2 and "linyan" not in text and "王主任" not in text
    assert text.count("日期：2026年11月24日") == 2


def test_the_receipt_is_a_stub_and_a_receipt_cut_apart_across_the_middle_of_the_sheet(db, desk):
    pdf = counter_print.receipt_pdf(db, desk["proxy"].id, actor=ADMIN)
    [page] = pdf_text(pdf)
    text = squeeze(page)
    stub, cut, part = text.find("存根联·中心留存"), text.find("沿此虚线剪开"), text.find("回执联·交申请人")
    assert 0 <= stub < cut < part
    assert "FW202611-0001" in text[stub:cut] and "FW202611-0001" in text[part:]  # the number on both
    assert "盖章" in text[part:] and "申请人签名" in text[stub:cut]
    positions = text_positions(pdf)
    [cut_y] = [y for word, y in positions if "沿此虚线剪开" in word]
    assert abs(cut_y - 842 / 2) < 4  # A4 is 842 points tall: two A5 halves
    stub_ys = [y for word, y in positions if "存根联" in word]
    part_ys = [y for word, y in positions if "回执联" in word]
    assert stub_ys and part_ys and min(stub_ys) > cut_y > max(part_ys)


def test_a_long_request_still_fits_the_receipt_on_one_sheet(db, desk):
    ticket = counter.receive_ticket(db, TicketInput(
        category_id=desk["street"].id, walk_in_name="陈阿姨", walk_in_phone="13987654321",
        description="楼道灯坏了。" * 120, channel="counter"),
        actor=ADMIN, today=D(2026, 11, 24))
    pdf = counter_print.receipt_pdf(db, ticket.id, actor=ADMIN)
    [page] = pdf_text(pdf)
    assert "沿此虚线剪开" in page


def test_the_receipt_asks_to_quote_the_number_and_names_a_proxy_errand(db, desk, english):
    proxy = flat(counter_print.receipt_pdf(db, desk["proxy"].id, actor=ADMIN))
    assert squeeze("Quote the ticket number FW202611-0001 when you call the centre on 0595-88881234") in proxy
    assert squeeze("This is a proxy errand") in proxy and squeeze("蔡小明 runs this errand for 蔡良剑") in proxy
    plain = flat(counter_print.receipt_pdf(db, desk["lamp"].id, actor=ADMIN))
    assert "139****4321" in plain and "13987654321" not in plain
    assert "proxyerrand" not in plain.lower()
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心"), actor=ADMIN)  # no phone number
    quiet = flat(counter_print.receipt_pdf(db, desk["lamp"].id, actor=ADMIN))
    assert squeeze("Quote the ticket number FW202611-0002 when you ask about your request") in quiet


# -- dispatch slip ----------------------------------------------------------------------------

def test_the_dispatch_slip_carries_the_full_phone_and_room_to_report_back(db, desk, english):
    t = desk["lamp"]
    pdf = counter_print.dispatch_slip_pdf(db, t.id, actor=ADMIN)
    [page] = pdf_text(pdf)
    text = squeeze(page)
    assert t.due_on == D(2026, 11, 9)  # 5 working days
    for value in ("FW202611-0002", "November 2, 2026", "November 9, 2026", t.level_label, t.urgency_label,
                  "林燕", "第二网格", "陈阿姨", "13987654321", t.category, t.channel_label, "楼道灯坏了两周",
                  "How it was handled", "Result", "Handler's signature", "Date handled",
                  "Returned to the desk on", "For staff only"):
        assert squeeze(value) in text, value
    assert only_the_bundled_font(pdf)


def test_the_dispatch_slip_dates_in_chinese(db, desk):
    text = flat(counter_print.dispatch_slip_pdf(db, desk["lamp"].id, actor=ADMIN))
    assert "2026年11月2日" in text and "2026年11月9日" in text and "13987654321" in text


# -- letter of authorisation ------------------------------------------------------------------

def test_the_letter_of_authorisation_prints_the_principals_id_number_masked(db, desk):
    pdf = counter_print.authorisation_pdf(db, desk["proxy"].id, actor=Actor("desk", DESK))
    [page] = pdf_text(pdf)
    text = squeeze(page)
    for value in ("FW202611-0001", "蔡良剑", "蔡小明", "代为申领高龄津贴", "莲坂村党建+邻里中心",
                  "委托人：蔡良剑身份证号：110105********002X", "受托人：蔡小明身份证号：____",
                  "经办人：", "负责人：", "盖章：", "日期："):
        assert value in text, value
    assert ID not in text and "13812345678" not in text
    assert only_the_bundled_font(pdf)


def test_who_may_see_personal_data_in_full_gets_the_whole_id_number(db, desk):
    text = flat(counter_print.authorisation_pdf(db, desk["proxy"].id, actor=ADMIN))
    assert "委托人：蔡良剑身份证号：" + ID in text and "受托人：蔡小明身份证号：____" in text


def test_a_principal_other_than_the_resident_writes_the_id_number_by_hand(db, desk):
    ticket = counter.receive_ticket(db, TicketInput(
        category_id=desk["elder"].id, resident_id=desk["proxy"].resident_id, description="代父亲办理",
        channel="counter", proxy_errand=True, proxy_principal="蔡父", proxy_agent="蔡良剑",
        proxy_matter="代为办理高龄津贴"), actor=ADMIN, today=D(2026, 11, 24))
    text = flat(counter_print.authorisation_pdf(db, ticket.id, actor=ADMIN))
    assert "委托人：蔡父身份证号：____" in text and ID not in text and ID[-4:] not in text


def test_the_letter_has_signature_lines_for_principal_and_agent(db, desk, english):
    text = flat(counter_print.authorisation_pdf(db, desk["proxy"].id, actor=ADMIN))
    for value in ("Principal (signature or fingerprint):", "Agent (signature):", "Checked by the centre",
                  "I, 蔡良剑, cannot attend", "authorise 蔡小明"):
        assert squeeze(value) in text, value
    assert "：" not in text  # English forms use English colons


def test_a_ticket_that_is_not_a_proxy_errand_has_no_letter(db, desk):
    with pytest.raises(DeskError) as refused:
        counter_print.authorisation_pdf(db, desk["lamp"].id, actor=ADMIN)
    assert "FW202611-0002" in refused.value.message


# -- ledger -----------------------------------------------------------------------------------

NOVEMBER = counter_print.LedgerFilter(D(2026, 11, 1), D(2026, 11, 30))


def ledger(db, flt=NOVEMBER) -> str:
    return flat(counter_print.ledger_pdf(db, flt, actor=ADMIN, today=TODAY))


def test_the_ledger_lists_the_month_by_number_and_marks_overdue_in_words(db, desk, english):
    pdf = counter_print.ledger_pdf(db, NOVEMBER, actor=ADMIN, today=TODAY)
    text = flat(pdf)
    numbers = ["FW202611-0001", "FW202611-0002", "FW202611-0003"]
    assert [text.find(n) for n in numbers] == sorted(text.find(n) for n in numbers)  # by number
    assert min(text.find(n) for n in numbers) > 0 and "FW202610-0001" not in text
    assert squeeze("November 1, 2026 to November 30, 2026 · 3 tickets") in text
    for value in ("138****5678", "139****4321", "137****1111", "Dispatched (overdue)", "林燕",
                  "11/2/26", "11/9/26", "11/5/26", "11/20/26", "11/27/26", "Satisfied"):
        assert squeeze(value) in text, value
    assert "13987654321" not in text and text.count("(overdue)") == 1
    assert only_the_bundled_font(pdf)


def test_the_ledger_ends_with_the_period_figures(db, desk, english):
    text = ledger(db)
    figures = counter.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=TODAY)
    assert (figures.received, figures.resolved, figures.proxy_errands, figures.open_overdue) == (3, 1, 1, 1)
    for value in ("Figures for November 1, 2026 to November 30, 2026", "Tickets received", "Tickets resolved",
                  "Resolved on time", "100% (1 / 1)", "Resolved within the grid", "0% (0 / 1)",
                  "Average working days to resolve", "Satisfaction rate", "Proxy errands", "Open and overdue"):
        assert squeeze(value) in text, value
    assert squeeze("the status filter above does not apply") not in text  # no filter, nothing to warn about


def test_the_ledger_shows_chinese_dates(db, desk):
    text = ledger(db)
    assert "2026年11月1日" in text  # the period, in full
    assert "2026/11/20" in text and "2026/11/27" in text and "2026/11/5" in text  # short, in the table


def test_the_ledger_shows_each_request_and_its_result(db, desk):
    pdf = counter_print.ledger_pdf(db, NOVEMBER, actor=ADMIN, today=TODAY)
    [page] = pdf_text(pdf)
    text = squeeze(page)
    assert "诉求内容" in text and "办理结果" in text
    for request in ("父亲满八十周岁，申请高龄津贴", "楼道灯坏了两周", "咨询养老保险"):
        assert request in text, request
    assert RESULT in text  # wrapped inside its cell, line after line
    assert only_the_bundled_font(pdf)


def test_long_requests_and_results_wrap_inside_their_columns(db, desk, monkeypatch):
    long_request = "楼道灯坏了两周，晚上老人上下楼很不方便，" * 3
    long_result = "已联系物业更换楼道灯泡，并检查了同一单元其他楼层的照明线路，" * 3
    lines = []
    real = toolkit.LongTable.__init__

    def spy(self, header, rows, widths, **kwargs):
        real(self, header, rows, widths, **kwargs)
        lines.append((header, self.lines, widths))

    monkeypatch.setattr(toolkit.LongTable, "__init__", spy)
    base = counter.get_ticket(db, desk["done"].id, today=TODAY)
    row = dataclasses.replace(base, description=long_request + "\n" + "第二行")
    counter_forms.ledger([row], "November", counter.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=TODAY),
                         printing.letterhead(db, TODAY), results={row.id: long_result})
    header, [cells], widths = lines[0]
    request, result = cells[header.index("诉求内容")], cells[header.index("办理结果")]
    assert len(request) > 2 and len(result) > 2  # wrapped onto several lines
    assert "".join(request).replace(" ", "") == long_request + "第二行" and "".join(result) == long_result
    short = ("受理编号", "受理日期", "电话", "承诺办结日期", "办结日期", "满意度")  # these never wrap
    assert all(len(cells[header.index(name)]) == 1 for name in short)
    assert sum(widths) == pytest.approx(toolkit.usable_width(wide=True))


def test_a_reopened_ticket_shows_no_result_until_resolved_again(db, desk):
    t = desk["lamp"]
    counter.move(db, t.id, "start", actor=ADMIN, today=D(2026, 11, 3))
    counter.move(db, t.id, "resolve", actor=ADMIN, today=D(2026, 11, 4), note="已更换灯泡")
    counter.follow_up(db, t.id, "unsatisfied", method="phone", actor=ADMIN, today=D(2026, 11, 5))
    counter.move(db, t.id, "reopen", actor=ADMIN, today=D(2026, 11, 5), note="灯又坏了")
    assert "已更换灯泡" not in ledger(db)
    counter.move(db, t.id, "resolve", actor=ADMIN, today=D(2026, 11, 6), note="更换了整条线路")
    text = ledger(db)
    assert "更换了整条线路" in text and "已更换灯泡" not in text


@pytest.mark.parametrize("changes, shown, hidden", [
    ({"status": "open"}, ["0001", "0002"], ["0003"]),
    ({"status": "followed_up"}, ["0003"], ["0001", "0002"]),
    ({"grid": "first"}, ["0001", "0003"], ["0002"]),        # 一组 is below 第一网格
    ({"grid": "second"}, ["0002"], ["0001", "0003"]),
    ({"category": "street"}, ["0002"], ["0001", "0003"]),  # the October one is outside the period
])
def test_the_ledger_filters(db, desk, english, changes, shown, hidden):
    flt = dataclasses.replace(NOVEMBER, status=changes.get("status"),
                              grid_id=desk[changes["grid"]] if "grid" in changes else None,
                              category_id=desk[changes["category"]].id if "category" in changes else None)
    text = ledger(db, flt)
    for tail in shown:
        assert "FW202611-" + tail in text
    for tail in hidden:
        assert "FW202611-" + tail not in text
    assert squeeze("{} tickets".format(len(shown))) in text
    # The figures follow the kind and grid filters; only a status filter cannot apply to them.
    assert (squeeze("the status filter above does not apply") in text) == ("status" in changes)
    if "status" not in changes:
        assert squeeze("Tickets received{}".format(len(shown))) in text
    assert squeeze(flt.describe(db)) in text


def test_the_ledger_description_names_every_filter(db, desk, english):
    flt = counter_print.LedgerFilter(D(2026, 11, 1), D(2026, 11, 30), category_id=desk["elder"].id, status="open",
                                grid_id=desk["first"])
    assert flt.describe(db) == "November 1, 2026 to November 30, 2026 · {} · Not yet resolved · 第一网格".format(
        desk["elder"].name)


def test_the_ledger_date_range_is_inclusive(db, desk):
    october = ledger(db, counter_print.LedgerFilter(D(2026, 10, 30), D(2026, 11, 2)))
    assert "FW202610-0001" in october and "FW202611-0002" in october
    assert "FW202611-0001" not in october and "FW202611-0003" not in october


def test_an_empty_ledger_says_so_and_still_has_figures(db, desk, english):
    text = ledger(db, counter_print.LedgerFilter(D(2026, 9, 1), D(2026, 9, 30)))
    assert squeeze("No tickets match this filter.") in text and squeeze("0 tickets") in text
    assert squeeze("Tickets received") in text


def test_a_bad_ledger_filter_is_refused(db, desk):
    with pytest.raises(ValidationError) as backwards:
        counter_print.ledger_pdf(db, counter_print.LedgerFilter(D(2026, 11, 30), D(2026, 11, 1)), actor=ADMIN)
    assert "date_to" in backwards.value.fields
    with pytest.raises(ValidationError):
        counter_print.ledger_pdf(db, dataclasses.replace(NOVEMBER, status="lost"), actor=ADMIN)
    with pytest.raises(NotFoundError):
        counter_print.ledger_pdf(db, dataclasses.replace(NOVEMBER, category_id=999), actor=ADMIN)
    with pytest.raises(NotFoundError):
        counter_print.ledger_pdf(db, dataclasses.replace(NOVEMBER, grid_id=999), actor=ADMIN)


def test_a_long_ledger_repeats_its_header_on_every_page(db, desk, english):
    base = counter.get_ticket(db, desk["lamp"].id, today=TODAY)
    rows = [dataclasses.replace(base, id=i, number="FW202611-{:04d}".format(i)) for i in range(1, 401)]
    figures = counter.figures(db, D(2026, 11, 1), D(2026, 11, 30), today=TODAY)
    progress = []
    pdf = counter_forms.ledger(rows[::-1], "November", figures, printing.letterhead(db, TODAY),
                               lambda done, total: progress.append((done, total)))
    pages = pdf_text(pdf)
    assert len(pages) > 5 and progress[-1] == (400, 400)
    # the header on every page of the table (the figures may take a page of their own)
    assert all("Ticket number" in page for page in pages if "FW202611-" in page)
    text = squeeze("".join(pages))
    assert text.find("FW202611-0001") < text.find("FW202611-0002") < text.find("FW202611-0400")
    assert text.find("FW202611-0400") < text.find(squeeze("Tickets received"))


def test_month_of():
    assert printing.month_of(D(2026, 2, 14)) == (D(2026, 2, 1), D(2026, 2, 28))
    assert printing.month_of(D(2026, 12, 31)) == (D(2026, 12, 1), D(2026, 12, 31))


# -- who may print ----------------------------------------------------------------------------

def test_a_viewer_may_print_none_of_the_counter_forms(db, desk):
    viewer = Actor("只读小张", VIEWER)
    t = desk["proxy"].id
    for make in (lambda: counter_print.receipt_pdf(db, t, actor=viewer),
                 lambda: counter_print.authorisation_pdf(db, t, actor=viewer),
                 lambda: counter_print.dispatch_slip_pdf(db, t, actor=viewer),
                 lambda: counter_print.ledger_pdf(db, NOVEMBER, actor=viewer)):
        with pytest.raises(PermissionDenied) as refused:
            make()
        assert "只读小张" in refused.value.message


def test_a_grid_worker_may_print_them(db, desk):
    worker = Actor("林燕", GRID_WORKER)
    assert counter_print.dispatch_slip_pdf(db, desk["lamp"].id, actor=worker).startswith(b"%PDF")
    assert counter_print.receipt_pdf(db, desk["lamp"].id, actor=worker).startswith(b"%PDF")


def test_the_counter_forms_are_listed():
    assert {"receipt", "dispatch-slip", "authorisation", "ledger"} <= set(printing.forms())


# -- finding a ticket -------------------------------------------------------------------------

def test_a_ticket_is_found_by_number_scan_or_record_number(db, desk):
    t = desk["lamp"]
    for text in ("FW202611-0002", " fw202611-0002 ", "NDT:FW202611-0002", str(t.id)):
        assert counter.find_ticket_id(db, text) == t.id
    with pytest.raises(NotFoundError) as missing:
        counter.find_ticket_id(db, "FW202611-0099")
    assert "FW202611-0099" in missing.value.message


def test_the_dispatch_slip_repeats_the_desks_instructions_and_escalations(db, desk, english):
    t = desk["lamp"]
    counter.move(db, t.id, "escalate", actor=ADMIN, note="需要物业公司配合", today=D(2026, 11, 3))
    counter.move(db, t.id, "hold", actor=ADMIN, note="等物业回复", today=D(2026, 11, 4))
    text = flat(counter_print.dispatch_slip_pdf(db, t.id, actor=ADMIN))
    for value in ("Why it was escalated", "需要物业公司配合", "On hold since", "November 4, 2026"):
        assert squeeze(value) in text, value


def test_the_ledger_marks_late_resolutions_and_escalations(db, desk, english):
    t = desk["lamp"]  # due 9 November
    counter.move(db, t.id, "escalate", actor=ADMIN, note="需要物业公司配合", today=D(2026, 11, 3))
    counter.move(db, t.id, "start", actor=ADMIN, today=D(2026, 11, 3))
    counter.move(db, t.id, "resolve", actor=ADMIN, today=D(2026, 11, 12), note="已更换灯泡")
    text = ledger(db)
    assert squeeze("Resolved (late)") in text and squeeze("(escalated)") in text
