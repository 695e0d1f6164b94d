"""The service counter's forms: receipt, dispatch slip, letter of authorisation, ticket ledger."""
import dataclasses
import datetime as dt

import pytest

from app.errors import DeskError, NotFoundError, ValidationError
from app.reports import counter_forms, toolkit
from app.services import centre, counter, counter_print, grids, printing, residents
from app.services.access import GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.counter import TicketInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN
from tests.reports.conftest import all_font_names, embedded_fonts, pdf_text

D = dt.date
ID = "11010519491231002X"
TODAY = D(2026, 11, 27)  # a Friday; 2 November 2026 is a Monday


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


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
    counter.move(db, done.id, "resolve", actor=ADMIN, today=D(2026, 11, 5))
    done = counter.follow_up(db, done.id, "satisfied", actor=ADMIN, today=D(2026, 11, 6))
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

def test_the_letter_of_authorisation_leaves_the_id_number_to_be_written_by_hand(db, desk):
    pdf = counter_print.authorisation_pdf(db, desk["proxy"].id, actor=ADMIN)
    [page] = pdf_text(pdf)
    text = squeeze(page)
    for value in ("FW202611-0001", "蔡良剑", "蔡小明", "代为申领高龄津贴", "莲坂村党建+邻里中心",
                  "身份证号：____", "经办人：", "负责人：", "盖章：", "日期："):
        assert value in text, value
    assert ID not in text and ID[-6:] not in text and "13812345678" not in text
    assert only_the_bundled_font(pdf)


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
                  "Nov 2, 2026", "Nov 9, 2026", "Nov 5, 2026", "Nov 20, 2026", "Nov 27, 2026", "Satisfied"):
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
    assert "2026年11月1日" in text and "2026年11月20日" in text and "2026年11月27日" in text


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
    assert all("Ticket number" in page for page in pages)
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
    counter.move(db, t.id, "resolve", actor=ADMIN, today=D(2026, 11, 12))
    text = ledger(db)
    assert squeeze("Resolved (late)") in text and squeeze("(escalated)") in text
