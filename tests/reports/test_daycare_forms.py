"""Day-care forms read back: sign-in sheet, kitchen order, meal bills, month summary."""
import datetime as dt

import pytest

from app.i18n import set_language
from app.reports import daycare_forms
from app.services import centre, daycare, daycare_print, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.daycare import Contact, PriceInput, ProfileInput
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN
from tests.reports.conftest import embedded_fonts, pdf_text

D = dt.date
MONDAY = D(2026, 11, 2)
NOV_16 = D(2026, 11, 16)  # the price changes on Monday the 16th
DESK_ACTOR = Actor("前台小林", DESK)
HEALTH = "高血压，每日服药两次"


def flat(pdf: bytes) -> str:
    return "".join("".join(pdf_text(pdf)).split())


def days(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(n)]


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


@pytest.fixture
def month(db):
    """November 2026 at a small centre: 陈阿婆 (standard) lunches 2–6 and 16–20 by check-in, dinners
    on the 3rd and 17th; 林阿公 (80+, soft diet, peanuts) lunches 2–6 and 16–18, the 18th delivered
    home; 王奶奶 (low income, Mondays and Wednesdays) lunches on the 4th and 18th. Lunch costs 15.00
    until the 15th and 16.00 from the 16th; the 80+ subsidy goes from 5.00 to 6.00."""
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"),
                       actor=ADMIN)
    daycare.seed(db, actor=ADMIN)
    diets = {c.name: c.id for c in daycare.list_choices(db, daycare.DIETS)}
    cats = {c.name: c.id for c in daycare.list_choices(db, daycare.SUBSIDIES)}
    ids = {}
    for name, first17, estate in (("陈阿婆", "35058119400101002", "莲坂新村"), ("林阿公", "35058119380203001", "莲坂村东片"),
                                  ("王奶奶", "35058119450304002", "莲坂村西片")):
        ids[name] = residents.add_resident(db, ResidentInput(
            name=name, id_number=first17 + check_char(first17), phone="13800000001", estate=estate,
            building="3", room="201", notes=HEALTH), actor=ADMIN)
    since = D(2026, 10, 1)
    daycare.enrol(db, ProfileInput(ids["陈阿婆"], since, daycare.SELF_CARE, diets["普食"],
                                   subsidy_category_id=cats["标准"],
                                   pickups=[Contact(None, "陈小梅", "13700000007", "女儿")]), actor=ADMIN, today=since)
    daycare.enrol(db, ProfileInput(ids["林阿公"], since, daycare.PARTIAL, diets["软食"], allergies="花生",
                                   subsidy_category_id=cats["80岁以上"], may_leave_alone=True),
                  actor=ADMIN, today=since)
    daycare.enrol(db, ProfileInput(ids["王奶奶"], since, daycare.DEPENDENT, diets["低盐"],
                                   subsidy_category_id=cats["低保/困难"], weekdays=frozenset({0, 2})),
                  actor=ADMIN, today=since)
    for cat, before, after in (("标准", 0, 0), ("80岁以上", 500, 600), ("低保/困难", 1000, 1000)):
        daycare.set_price(db, PriceInput(daycare.LUNCH, cats[cat], D(2026, 11, 1), 1500, before), actor=ADMIN)
        daycare.set_price(db, PriceInput(daycare.LUNCH, cats[cat], NOV_16, 1600, after), actor=ADMIN)
    daycare.set_price(db, PriceInput(daycare.DINNER, cats["标准"], D(2026, 11, 1), 1200, 0), actor=ADMIN)
    a, b, c = ids["陈阿婆"], ids["林阿公"], ids["王奶奶"]
    for day in days(MONDAY, 5) + days(NOV_16, 5):
        daycare.scan(db, a, at=at(day, 8), actor=DESK_ACTOR)
    for day in (D(2026, 11, 3), D(2026, 11, 17)):
        daycare.set_meal(db, a, day, daycare.DINNER, reserved=True, served=True, actor=DESK_ACTOR)
    for day in days(MONDAY, 5) + days(NOV_16, 2):
        daycare.set_meal(db, b, day, daycare.LUNCH, served=True, actor=DESK_ACTOR)
    daycare.set_meal(db, b, D(2026, 11, 18), daycare.LUNCH, delivery=True, served=True, actor=DESK_ACTOR)
    for day in (D(2026, 11, 4), D(2026, 11, 18)):
        daycare.set_meal(db, c, day, daycare.LUNCH, served=True, actor=DESK_ACTOR)
    daycare.set_walk_ins(db, MONDAY, daycare.LUNCH, 12, actor=DESK_ACTOR)
    daycare.set_walk_ins(db, D(2026, 11, 3), daycare.LUNCH, 5, actor=DESK_ACTOR)
    return ids


def test_the_sign_in_sheet_lists_the_expected_elders_with_blank_columns(db, month):
    tuesday = D(2026, 11, 24)
    pdf = daycare_print.sign_in_pdf(db, tuesday, actor=DESK_ACTOR)
    text = flat(pdf)
    assert "日间照料签到表" in text and "2026年11月24日星期二·应到2人" in text
    for column in ("序号", "姓名", "照护等级", "到达时间", "离开时间", "签名", "午餐", "备注"):
        assert column in text
    # Expected: 陈阿婆 and 林阿公 (weekdays); 王奶奶 comes on Mondays and Wednesdays only.
    assert "1陈阿婆自理" in text and "2林阿公半失能" in text and "王奶奶" not in text
    assert "半失能345678" in text  # blank numbered lines for others follow
    assert HEALTH not in text and "花生" not in text and "1380000" not in text
    wednesday = daycare_print.sign_in_pdf(db, D(2026, 11, 25), actor=DESK_ACTOR)
    assert "3王奶奶失能" in flat(wednesday)
    assert embedded_fonts(pdf) and pdf.missing_glyphs == 0


def test_the_sign_in_sheet_on_a_weekend_expects_nobody(db, month):
    text = flat(daycare_print.sign_in_pdf(db, D(2026, 11, 28), actor=DESK_ACTOR))
    assert "应到0人" in text and "陈阿婆" not in text


def test_the_kitchen_order_counts_by_diet_and_names_special_needs_and_deliveries(db, month):
    wednesday = D(2026, 11, 25)
    daycare.set_meal(db, month["王奶奶"], wednesday, daycare.LUNCH, delivery=True, actor=DESK_ACTOR)
    daycare.set_meal(db, month["陈阿婆"], wednesday, daycare.DINNER, reserved=True, actor=DESK_ACTOR)
    daycare.set_walk_ins(db, wednesday, daycare.LUNCH, 7, actor=DESK_ACTOR)
    text = flat(daycare_print.kitchen_order_pdf(db, wednesday, actor=DESK_ACTOR))
    assert "厨房订餐单" in text and "2026年11月25日星期三" in text
    assert "午餐：共3份，其中送餐上门1份" in text
    assert "普食110" in text and "软食110" in text and "低盐101" in text and "合计321" in text
    assert "晚餐：共1份，其中送餐上门0份" in text
    assert "散客已登记：7" in text
    # Names only for special diets and allergies: 林阿公 (soft, peanuts) and 王奶奶 (low salt).
    assert "午餐林阿公软食花生" in text and "午餐王奶奶低盐是" in text
    assert "午餐陈阿婆" not in text
    # Where the delivery goes; the phone masked; no health notes.
    assert "午餐王奶奶低盐莲坂村西片3栋201室138****0001" in text
    assert HEALTH not in text and "13800000001" not in text


def test_meal_bills_to_the_fen_across_the_price_change(db, month):
    pdf = daycare_print.meal_bills_pdf(db, D(2026, 11, 1), actor=DESK_ACTOR)
    text = flat(pdf)
    # Due: 陈阿婆 179.00, 林阿公 80.00, 王奶奶 (5.00 + 6.00) 11.00: 270.00 in all.
    assert "助餐账单" in text and "2026年11月·3份账单·应缴合计270.00元" in text
    chen = text[text.index("陈阿婆的助餐账单"):text.index("林阿公的助餐账单")]
    assert "标准" in chen and "餐数12" in chen
    assert "午餐2026/11/2–2026/11/6515.000.0075.000.0075.00" in chen
    assert "午餐2026/11/16–2026/11/20516.000.0080.000.0080.00" in chen
    assert "晚餐2026/11/3–2026/11/17212.000.0024.000.0024.00" in chen
    assert "合计12179.000.00179.00" in chen and "应缴金额：179.00元" in chen
    lin = text[text.index("林阿公的助餐账单"):text.index("王奶奶的助餐账单")]
    assert "80岁以上" in lin
    assert "午餐2026/11/2–2026/11/6515.005.0075.0025.0050.00" in lin
    assert "午餐2026/11/16–2026/11/18316.006.0048.0018.0030.00" in lin
    assert "合计8123.0043.0080.00" in lin and "应缴金额：80.00元" in lin
    wang = text[text.index("王奶奶的助餐账单"):]
    assert "午餐2026/11/4–2026/11/4115.0010.0015.0010.005.00" in wang
    assert "午餐2026/11/18–2026/11/18116.0010.0016.0010.006.00" in wang
    assert "应缴金额：11.00元" in wang
    assert HEALTH not in text and "花生" not in text and pdf.missing_glyphs == 0


def test_one_elders_bill(db, month):
    text = flat(daycare_print.meal_bills_pdf(db, D(2026, 11, 1), [month["林阿公"]], actor=DESK_ACTOR))
    assert "1份账单·应缴合计80.00元" in text and "林阿公的助餐账单" in text and "陈阿婆" not in text
    text = flat(daycare_print.meal_bills_pdf(db, D(2026, 11, 1), [month["王奶奶"], month["林阿公"]],
                                             actor=DESK_ACTOR))
    assert text.index("王奶奶的助餐账单") < text.index("林阿公的助餐账单")  # in the order asked
    # An elder with no meals that month still gets a bill that says so.
    text = flat(daycare_print.meal_bills_pdf(db, D(2026, 12, 1), [month["王奶奶"]], actor=DESK_ACTOR))
    assert "王奶奶的助餐账单（2026年12月）" in text and "本月没有用餐记录。" in text and "应缴金额：0.00元" in text


def test_the_month_summary_for_the_funder(db, month):
    pdf = daycare_print.month_summary_pdf(db, D(2026, 11, 1), actor=DESK_ACTOR)
    text = flat(pdf)
    assert "日间照料月报" in text and "2026年11月（2026年11月1日至2026年11月30日）" in text
    # 陈阿婆 checked in on 10 days; the others' meals were recorded without a check-in.
    assert "出勤人次10" in text and "出勤人数1" in text and "月末在册长者3" in text
    assert "午餐供餐数20" in text and "晚餐供餐数2" in text and "送餐上门1" in text
    assert "散客（午餐）17" in text and "散客（晚餐）0" in text
    # Subsidy: 林阿公 43.00 + 王奶奶 20.00.
    assert "补贴支出（元）63.00" in text
    assert "标准午餐1001155.000.00155.00" in text
    assert "标准晚餐20124.000.0024.00" in text
    assert "80岁以上午餐811123.0043.0080.00" in text
    assert "低保/困难午餐20131.0020.0011.00" in text
    assert "合计221333.0063.00270.00" in text
    assert "散客（不计费）：午餐17、晚餐0" in text
    assert HEALTH not in text


def test_a_month_without_prices_is_a_clear_error(db, month):
    from app.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        daycare_print.meal_bills_pdf(db, D(2026, 10, 1), actor=DESK_ACTOR)
    assert "2026-10" in str(err.value)


@pytest.mark.parametrize("actor", [Actor("网格员", GRID_WORKER), Actor("访客", VIEWER)])
def test_only_day_care_staff_print_the_forms(db, month, actor):
    for make in (lambda: daycare_print.sign_in_pdf(db, MONDAY, actor=actor),
                 lambda: daycare_print.kitchen_order_pdf(db, MONDAY, actor=actor),
                 lambda: daycare_print.meal_bills_pdf(db, MONDAY, actor=actor),
                 lambda: daycare_print.month_summary_pdf(db, MONDAY, actor=actor)):
        with pytest.raises(PermissionDenied):
            make()


def test_the_forms_in_english(db, month):
    set_language("en")
    try:
        text = " ".join(pdf_text(daycare_print.meal_bills_pdf(db, D(2026, 11, 1), [month["林阿公"]],
                                                              actor=DESK_ACTOR)))
        assert "Amount due: 80.00 yuan" in text and "2026-11" in text
        assert "Day-care sign-in sheet" in " ".join(pdf_text(daycare_print.sign_in_pdf(db, MONDAY,
                                                                                      actor=DESK_ACTOR)))
    finally:
        set_language("zh_CN")


def test_month_text():
    assert daycare_forms.month_text(D(2026, 3, 1)) == "2026年3月"
