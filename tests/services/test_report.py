"""The monthly and annual report (services/report.py) on a hand-built centre whose every figure is known.

November 2026 is the month reported (today is 5 December 2026); October 2026 is the month before and
November 2025 the same month last year, where only the counter had one ticket.
"""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from app import features
from app.errors import ValidationError
from app.i18n import _
from app.models import AuditLog
from app.services import activities, afterschool, alliance, counter, daycare, points, report, residents
from app.services.access import DESK, VIEWER, Actor, PermissionDenied
from app.services.activities import ActivityInput, PartnerInput
from app.services.afterschool import UnlistedPickup
from app.services.counter import CategoryInput
from app.services.daycare import PriceInput, ProfileInput
from app.services.points import EarnInput, VoucherTypeInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN
from tests.services.test_afterschool import CARE, child_input, class_input
from tests.services.test_alliance import code, merchant_input
from tests.services.test_counter import DETAILS

D = dt.date
TODAY = D(2026, 12, 5)
DESK_ACTOR = Actor("前台小林", DESK)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm)


@pytest.fixture(autouse=True)
def with_activities(monkeypatch):
    """The activities' feature record, until it is in FEATURES (it comes first in the report)."""
    if not any(f.name == "activities" for f in features.FEATURES):
        record = features.Feature("activities", "Activities", topic="activities",
                                  figures="app.services.activities:figures",
                                  report="app.services.activities_report:report_section")
        monkeypatch.setattr(features, "FEATURES", (record, *features.FEATURES))


def person(db, name: str, first17: str | None = None, birth: dt.date | None = None, phone: str = "") -> int:
    from tests.services.test_afterschool import id_number

    return residents.add_resident(db, ResidentInput(name=name, id_number=id_number(first17) if first17 else "",
                                                    birth_date=birth, phone=phone), actor=ADMIN)


def resolve(db, ticket_id: int, day: dt.date) -> None:
    for action in ("dispatch", "start", "resolve"):
        counter.move(db, ticket_id, action, actor=ADMIN, today=day, **DETAILS[action])


def receive(db, category_id: int, day: dt.date, **kw):
    values = dict(category_id=category_id, description="咨询社保转移", walk_in_name="陈阿姨",
                  walk_in_phone="13812345678")
    values.update(kw)
    return counter.receive_ticket(db, counter.TicketInput(**values), actor=ADMIN, today=day)


def admit(db, name: str, first17: str, on: dt.date) -> int:
    mid = alliance.add_merchant(db, merchant_input(name=name, credit_code=code(first17)), actor=ADMIN, today=TODAY)
    alliance.move(db, mid, "start_review", actor=ADMIN, on=on, today=TODAY)
    criteria = [c.id for c in alliance.list_choices(db, alliance.CRITERIA)]
    alliance.record_review(db, mid, alliance.ReviewInput([alliance.ReviewItemInput(c, True) for c in criteria],
                                                         alliance.ADMIT, reviewed_on=on), actor=ADMIN, today=TODAY)
    return mid


@pytest.fixture
def centre(db):
    """The hand-built centre; returns the ids the tests need."""
    ids = {}
    # Residents: three elders, a mother and her two children, a third child.
    ids["陈阿婆"] = person(db, "陈阿婆", "35058119400101002")
    ids["林阿公"] = person(db, "林阿公", "35058119380203001")
    ids["黄伯"] = person(db, "黄伯", "35058119500405001")
    for name, birth, first17, phone in (("李丽", D(1988, 5, 1), "35058119880501002", "13800000001"),
                                        ("小明", D(2017, 3, 1), "35058120170301001", ""),
                                        ("小红", D(2017, 6, 1), "35058120170601002", ""),
                                        ("小美", D(2017, 8, 1), "35058120170801002", "")):
        ids[name] = person(db, name, first17, birth, phone)

    # Activities. November: 义诊 (elderly, 2 registered + 10, a partner) and 科普 (children, 1 + 5);
    # October: 文体 (everyone, 1 + 20). None in November 2025.
    activities.seed(db, actor=ADMIN)
    kinds = {c.name: c.id for c in __import__("app.services.choices", fromlist=["x"]).list_choices(
        db, activities.ACTIVITY_TYPES)}

    def activity(day, title, kind, group, headcount, people, partners=()):
        aid = activities.add_activity(db, ActivityInput(day, title, kinds[kind], group, headcount=headcount,
                                                        partners=list(partners)), actor=ADMIN, today=TODAY)
        activities.add_participants(db, aid, people, actor=ADMIN)

    activity(D(2026, 11, 3), "重阳义诊", "义诊", "elderly", 10, [ids["陈阿婆"], ids["林阿公"]],
             [PartnerInput("body", "市医院")])
    activity(D(2026, 11, 14), "科普小课堂", "儿童教育/科普", "children", 5, [ids["小明"]])
    activity(D(2026, 10, 10), "广场舞", "文体", "everyone", 20, [ids["陈阿婆"]])

    # Counter: 社保 (centre, 5 working days), 纠纷 (grid, 3 working days).
    a = counter.add_category(db, CategoryInput("社保", "centre", 5), actor=ADMIN)
    b = counter.add_category(db, CategoryInput("纠纷", "grid", 3), actor=ADMIN)
    last_year = receive(db, a, D(2025, 11, 3))                       # resolved in 2 days, on time
    resolve(db, last_year.id, D(2025, 11, 5))
    t5 = receive(db, b, D(2026, 10, 30))                             # October's one; resolved 11-02 (1 day)
    resolve(db, t5.id, D(2026, 11, 2))
    t1 = receive(db, a, D(2026, 11, 2), channel="counter")           # 3 days, satisfied
    resolve(db, t1.id, D(2026, 11, 5))
    counter.follow_up(db, t1.id, "satisfied", method="phone", actor=ADMIN, today=D(2026, 11, 6))
    t2 = receive(db, b, D(2026, 11, 2), channel="phone")             # 2 days in the grid, unsatisfied
    resolve(db, t2.id, D(2026, 11, 4))
    counter.follow_up(db, t2.id, "unsatisfied", method="phone", actor=ADMIN, today=D(2026, 11, 6))
    t3 = receive(db, b, D(2026, 11, 3), channel="grid_worker", proxy_errand=True, proxy_agent="李网格员",
                 proxy_matter="代办调解申请")                          # escalated, 4 days: late
    counter.move(db, t3.id, "escalate", actor=ADMIN, note="双方争执", today=D(2026, 11, 3))
    resolve(db, t3.id, D(2026, 11, 9))
    counter.follow_up(db, t3.id, "basically", method="phone", actor=ADMIN, today=D(2026, 11, 10))
    receive(db, a, D(2026, 11, 4), channel="home_visit")             # still open: overdue

    # Day care: 陈阿婆 (标准) and 林阿公 (80岁以上) enrolled 10-01, 黄伯 on 11-10.
    daycare.seed(db, actor=ADMIN)
    cats = {c.name: c.id for c in daycare.list_choices(db, daycare.SUBSIDIES)}
    daycare.set_price(db, PriceInput(daycare.LUNCH, cats["标准"], D(2025, 1, 1), 1500, 0), actor=ADMIN)
    daycare.set_price(db, PriceInput(daycare.LUNCH, cats["80岁以上"], D(2025, 1, 1), 1500, 500), actor=ADMIN)
    daycare.set_price(db, PriceInput(daycare.DINNER, cats["标准"], D(2025, 1, 1), 1200, 0), actor=ADMIN)
    for name, cat, since in (("陈阿婆", "标准", D(2026, 10, 1)), ("林阿公", "80岁以上", D(2026, 10, 1)),
                             ("黄伯", "标准", D(2026, 11, 10))):
        daycare.enrol(db, ProfileInput(ids[name], since, subsidy_category_id=cats[cat]), actor=ADMIN, today=since)
    for name, day in (("陈阿婆", D(2026, 11, 2)), ("陈阿婆", D(2026, 11, 3)), ("黄伯", D(2026, 11, 12))):
        daycare.scan(db, ids[name], at=at(day, 8), actor=DESK_ACTOR)
    daycare.set_meal(db, ids["林阿公"], D(2026, 11, 4), daycare.LUNCH, delivery=True, served=True, actor=DESK_ACTOR)
    daycare.set_meal(db, ids["陈阿婆"], D(2026, 11, 3), daycare.DINNER, reserved=True, served=True, actor=DESK_ACTOR)
    daycare.set_walk_ins(db, D(2026, 11, 2), daycare.LUNCH, 6, actor=DESK_ACTOR)

    # After-school: 书法兴趣班 (四点半课堂, Mon/Wed/Fri from 09-01, 2 places) with 小明 and 小红 since 10-01;
    # 小美 waits. November: 11-09 cancelled; on 11-02 both came, 小明 picked up late, 小红 by a neighbour.
    afterschool.seed(db, actor=ADMIN)
    types = [c.id for c in afterschool.list_choices(db)]
    cid = afterschool.add_class(db, class_input(types[CARE]), actor=ADMIN)
    people = {"李丽": ids["李丽"], "小明": ids["小明"], "小红": ids["小红"], "小美": ids["小美"]}
    for name in ("小明", "小红"):
        afterschool.save_child(db, child_input(people, name), actor=ADMIN, today=D(2026, 10, 1))
        afterschool.enrol(db, cid, ids[name], actor=ADMIN, today=D(2026, 10, 1))
    afterschool.save_child(db, child_input(people, "小美"), actor=ADMIN, today=D(2026, 11, 20))
    afterschool.enrol(db, cid, ids["小美"], actor=ADMIN, today=D(2026, 11, 20))
    afterschool.cancel_session(db, cid, D(2026, 11, 9), "停电", actor=ADMIN)
    day = D(2026, 11, 2)
    afterschool.mark_all_present(db, cid, day, [ids["小明"], ids["小红"]], actor=DESK_ACTOR, at=at(day, 16, 30))
    pickup = afterschool.pickup_cards(db, ids["小明"])[0].id
    afterschool.sign_out(db, cid, day, ids["小明"], actor=DESK_ACTOR, at=at(day, 18, 30), pickup_id=pickup)
    afterschool.sign_out(db, cid, day, ids["小红"], actor=DESK_ACTOR, at=at(day, 18),
                         unlisted=UnlistedPickup("赵叔叔", "13600000006", "邻居", "妈妈来电同意"))

    # Alliance: 甲店 since 03-10 (free phone charging), 丙店 since 04-01 suspended 11-20, 乙店 admitted 11-05;
    # two complaints about 甲店 in November, one resolved.
    alliance.seed(db, actor=ADMIN)
    jia = admit(db, "甲店", "91350100M00010001", D(2026, 3, 10))
    bing = admit(db, "丙店", "91350100M00010003", D(2026, 4, 1))
    admit(db, "乙店", "91350100M00010002", D(2026, 11, 5))
    kinds_of_service = [c.id for c in alliance.list_choices(db, alliance.COMMITMENT_TYPES)]
    alliance.set_commitments(db, jia, [alliance.CommitmentInput(kinds_of_service[0], since=D(2026, 3, 10))],
                             actor=ADMIN, today=TODAY)
    alliance.move(db, bing, "suspend", "整改", actor=ADMIN, on=D(2026, 11, 20), today=TODAY)
    for received, resolved in ((D(2026, 11, 10), D(2026, 11, 12)), (D(2026, 11, 20), None)):
        alliance.add_complaint(db, alliance.ComplaintInput(jia, received, complainant_name="路人", what="x",
                                                           resolution="已处理" if resolved else "",
                                                           resolved_on=resolved), actor=ADMIN, today=TODAY)

    # Points: 陈阿婆 40 for mediation in October; in November 15 for 1.5 hours of clean-up, 林阿公 20 for
    # mediation, 陈阿婆 a 30-point voucher, redeemed.
    points.seed(db, actor=ADMIN)
    services = [t.id for t in points.list_service_types(db)]
    hourly, mediation = services[0], services[2]

    def earn(rid, type_id, day, minutes=0, occasions=0):
        points.earn(db, EarnInput(rid, type_id, day, minutes, occasions), actor=DESK_ACTOR, today=TODAY)

    earn(ids["陈阿婆"], mediation, D(2026, 10, 5), occasions=2)
    earn(ids["陈阿婆"], hourly, D(2026, 11, 3), minutes=90)
    earn(ids["林阿公"], mediation, D(2026, 11, 4), occasions=1)
    rice = points.add_voucher_type(db, VoucherTypeInput("大米一袋", points.GOODS, None, 30, None, D(2026, 1, 1),
                                                        D(2026, 12, 31), None), actor=ADMIN)
    voucher = points.issue_voucher(db, ids["陈阿婆"], rice, actor=ADMIN, at=at(D(2026, 11, 10), 10))
    points.redeem(db, voucher.code, actor=DESK_ACTOR, at=at(D(2026, 11, 11), 10))
    ids["service_names"] = {t.id: t.name for t in points.list_service_types(db)}
    ids["hourly"], ids["mediation"] = hourly, mediation
    return ids


def values(section) -> dict:
    return {line.key: line.value for line in section.lines}


def compared(cs) -> dict:
    return {c.line.key: (c.line.value, c.previous, c.last_year) for c in cs.lines}


# Every line of November 2026: (this month, October 2026, November 2025).
EXPECTED = {
    "activities": {
        "activities": (2, 1, None), "person_times": (18, 21, None), "people": (3, 1, None),
        "headcount": (15, 20, None), "with_partners": (1, 0, None)},
    "counter": {
        "received": (4, 1, 1), "resolved": (4, 0, 1), "on_time": (3, 0, 1), "on_time_rate": (75.0, None, 100.0),
        "within_grid_rate": (50.0, None, 0.0), "satisfaction_rate": (66.7, None, None),
        "average_days": (2.5, None, 2.0), "proxy_errands": (1, 0, 0), "overdue": (1, 0, 0)},
    "daycare": {
        "enrolled": (3, 2, None), "new": (1, 2, None), "left": (0, 0, None), "person_days": (3, 0, None),
        "elders": (2, 0, None), "meals_lunch": (4, 0, None), "meals_dinner": (1, 0, None), "meals": (5, 0, None),
        "delivered": (1, 0, None), "walk_ins": (6, 0, None), "subsidy": (500, 0, None)},
    "afterschool": {
        "classes": (1, 1, None), "children": (2, 2, None), "person_times": (2, 0, None),
        "sessions_held": (12, 13, None), "sessions_cancelled": (1, 0, None), "late_pickups": (1, 0, None),
        "unlisted_pickups": (1, 0, None), "waiting": (1, 0, None)},
    "alliance": {
        # October had members only (stock), nothing happened: its event lines are "—", not 0.
        "active": (2, 2, None), "new": (1, None, None), "suspended": (1, None, None), "left": (0, None, None),
        "commitments": (1, 1, None), "complaints": (2, None, None), "complaints_resolved": (1, None, None),
        "complaint_rate": (66.7, 66.7, None), "complaint_rate_before": (0.0, 0.0, None)},
    "points": {
        "earned": (35, 40, None), "spent": (30, 0, None), "refunded": (0, 0, None), "outstanding": (45, 40, None),
        "vouchers_issued": (1, 0, None), "vouchers_redeemed": (1, 0, None), "volunteers": (2, 1, None),
        "hours": (1.5, 0.0, None)},
}


def test_every_line_of_a_hand_built_month_with_its_comparisons(db, centre, english):
    progress = []
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY, notes=" 本月无特殊情况 ", prepared_by="王主任",
                       progress=lambda done, total: progress.append((done, total)))
    assert (r.year, r.month, r.date_from, r.date_to, r.empty) == (2026, 11, D(2026, 11, 1), D(2026, 11, 30), False)
    assert (r.notes, r.prepared_by) == ("本月无特殊情况", "王主任")
    assert [cs.section.feature for cs in r.sections] == list(EXPECTED)  # activities first
    for cs in r.sections:
        assert compared(cs) == EXPECTED[cs.section.feature], cs.section.feature
    n = len(EXPECTED)
    assert progress == [(i, 3 * n) for i in range(1, 3 * n + 1)]  # one step per figures call

    by = {cs.section.feature: cs for cs in r.sections}
    assert [(c.title, c.kind, dict(c.items)) for c in by["activities"].section.charts][1] == (
        "Activities by target group", "pie", {"Elderly (一老)": 1.0, "Children (一少)": 1.0, "Youth": 0.0,
                                              "Everyone": 0.0})
    assert {k: v for k, v in by["activities"].section.charts[0].items if v} == {"义诊": 1.0, "儿童教育/科普": 1.0}
    assert dict(by["counter"].section.charts[0].items) == {"社保": 2.0, "纠纷": 2.0}
    assert dict(by["daycare"].section.charts[0].items) == {"Lunch": 4.0, "Dinner": 1.0}
    care = afterschool.list_choices(db)[CARE].name
    assert dict(by["afterschool"].section.charts[0].items) == {care: 1.0}
    charging = alliance.list_choices(db, alliance.COMMITMENT_TYPES)[0].name
    assert dict(by["alliance"].section.charts[0].items) == {charging: 1.0}
    names = centre["service_names"]
    assert dict(by["points"].section.charts[0].items) == {names[centre["hourly"]]: 15.0,
                                                          names[centre["mediation"]]: 20.0}
    # The changes as the report writes them.
    counted = {c.line.key: c for c in by["counter"].lines}
    assert (counted["received"].change_previous, counted["received"].change_last_year) == ("+3", "+3")
    assert (counted["on_time_rate"].change_previous, counted["on_time_rate"].change_last_year) == ("—", "−25 pp")
    assert counted["average_days"].change_last_year == "+0.5"
    assert {c.line.key: c.change_previous for c in by["points"].lines}["earned"] == "−5"
    assert {c.line.key: c.change_last_year for c in by["points"].lines}["earned"] == "—"  # no points then
    assert {c.line.key: c.change_previous for c in by["daycare"].lines}["subsidy"] == "+5.00"

    assert r.summary == (
        "This month the centre held 2 activities serving 18 person-times (3 people); "
        "received 4 service requests, resolved 3 on time (on-time rate 75.0%), satisfaction rate 66.7%; "
        "day care served elders 3 person-days (2 people) and 5 meals (1 delivered home); "
        "after-school classes held 12 sessions, 2 child-times (2 children enrolled); "
        "the merchant alliance had 2 members (1 new) and received 2 complaints, 1 resolved; "
        "2 volunteers earned 35 points (1.5 hours of service), 30 points were spent on 1 voucher.")


def test_the_report_is_the_features_figures(db, centre):
    """One source of truth: each section's values are what the feature's figures function gives."""
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    by = {cs.section.feature: values(cs.section) for cs in r.sections}
    month = (D(2026, 11, 1), D(2026, 11, 30))
    c = counter.figures(db, *month, today=TODAY)
    assert (by["counter"]["received"], by["counter"]["on_time_rate"], by["counter"]["satisfaction_rate"]) == (
        c.received, c.on_time_rate, c.satisfaction_rate)
    d = daycare.figures(db, *month)
    assert (by["daycare"]["person_days"], by["daycare"]["elders"], by["daycare"]["subsidy"]) == (
        d.person_days, d.distinct_elders, d.subsidy_paid_fen)
    s = afterschool.figures(db, *month, today=TODAY)
    assert (by["afterschool"]["person_times"], by["afterschool"]["unlisted_pickups"]) == (
        s.person_times, s.unlisted_pickups)
    a = alliance.figures(db, *month)
    assert (by["alliance"]["active"], by["alliance"]["complaints"]) == (a.active, a.complaints)
    p = points.figures(db, *month, today=TODAY)
    assert (by["points"]["earned"], by["points"]["outstanding"]) == (p.earned, p.outstanding)
    act = activities.figures(db, *month)
    assert (by["activities"]["activities"], by["activities"]["person_times"], by["activities"]["people"]) == (
        act.activities, act.person_times, act.people)
    # Every feature's section, made from the same figures, is the report's section.
    for cs in r.sections:
        feature = features.feature(cs.section.feature) if cs.section.feature != "activities" else None
        if feature is not None:
            function = features.resolve(feature.figures)
            kwargs = {"today": TODAY} if feature.name in ("counter", "afterschool", "points") else {}
            assert features.resolve(feature.report)(function(db, *month, **kwargs)) == cs.section


def test_no_personal_data_in_the_report(db, centre):
    """The unlisted pick-up is a count: the neighbour's name and phone appear nowhere."""
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    text = repr(r)
    for secret in ("赵叔叔", "13600000006", "陈阿姨", "13812345678", "路人"):
        assert secret not in text


def test_the_summary_in_chinese_is_the_official_phrasing(db, centre):
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    by = {cs.section.feature: cs.section for cs in r.sections}
    assert "2" in by["activities"].phrase and "18" in by["activities"].phrase
    assert r.summary.startswith(_("This month the centre {clauses}.").split("{")[0])


def test_a_month_with_nothing_says_so(db, centre, english):
    r = report.monthly(db, 2025, 6, actor=ADMIN, today=TODAY)
    assert r.empty
    assert r.summary.startswith("Nothing was recorded this month")
    for cs in r.sections:
        for c in cs.lines:
            assert c.line.value in (0, None), (cs.section.feature, c.line.key)
            assert c.previous is None and c.last_year is None
    # A month where only the stock is there (alliance members and their commitments) is empty too.
    august = report.monthly(db, 2026, 8, actor=ADMIN, today=TODAY)
    by = {cs.section.feature: values(cs.section) for cs in august.sections}
    assert august.empty and (by["alliance"]["active"], by["alliance"]["commitments"]) == (2, 1)


def test_an_empty_database_gives_a_valid_report(db):
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    assert r.empty and r.sections
    y = report.annual(db, 2026, actor=ADMIN, today=TODAY)
    assert y.empty and len(y.months) == 12


@pytest.mark.parametrize("text", ["2026-13", "abc", "2026-00", "26-11", "2026/11", "", "2027-01", "2026-12-01"])
def test_bad_or_future_months_are_refused(text):
    with pytest.raises(ValidationError) as err:
        report.parse_month(text, today=TODAY)
    assert err.value.fields["month"]


def test_months_and_years_are_read_as_typed():
    assert report.parse_month("2026-11", today=TODAY) == (2026, 11)
    assert report.parse_month("２０２６－１２", today=TODAY) == (2026, 12)  # full-width
    assert report.parse_month("2026-3", today=TODAY) == (2026, 3)
    assert report.parse_year("2026", today=TODAY) == 2026
    for text in ("2027", "abc", "20261", ""):
        with pytest.raises(ValidationError):
            report.parse_year(text, today=TODAY)


def test_the_report_functions_refuse_a_future_period_and_need_the_permission(db):
    with pytest.raises(ValidationError):
        report.monthly(db, 2027, 1, actor=ADMIN, today=TODAY)
    with pytest.raises(ValidationError):
        report.monthly(db, 2026, 13, actor=ADMIN, today=TODAY)
    with pytest.raises(ValidationError):
        report.annual(db, 2027, actor=ADMIN, today=TODAY)
    viewer = Actor("来访者", VIEWER)
    assert not report.monthly(db, 2026, 11, actor=viewer, today=TODAY).sections[0].section.lines[0].value
    with pytest.raises(PermissionDenied):
        report.monthly(db, 2026, 11, actor=Actor("x", "nobody"), today=TODAY)


def test_the_year(db, centre, english):
    progress = []
    y = report.annual(db, 2026, actor=ADMIN, today=TODAY, progress=lambda d, t: progress.append((d, t)))
    assert not y.empty and len(y.months) == 12
    totals = {s.feature: values(s) for s in y.totals}
    # Distinct counts over the year, never the sum of the months: 陈阿婆 came to activities in October and
    # November (3 people in the year, 1 + 3 by month).
    assert (totals["activities"]["activities"], totals["activities"]["person_times"],
            totals["activities"]["people"]) == (3, 39, 3)
    assert sum(values(m[0])["people"] for m in y.months) == 4
    assert (totals["counter"]["received"], totals["counter"]["resolved"]) == (5, 4)
    assert (totals["daycare"]["elders"], totals["daycare"]["person_days"]) == (2, 3)
    assert (totals["points"]["earned"], totals["points"]["volunteers"]) == (75, 2)
    # Oct, Nov; Dec 2 and 4 by today. September's sessions had nobody enrolled yet (from 10-01): not held.
    assert totals["afterschool"]["sessions_held"] == 13 + 12 + 2
    # Each month's sections are that month's report sections; December (the current month) is counted.
    november = {s.feature: s for s in y.months[10]}
    month = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    assert all(cs.section == november[cs.section.feature] for cs in month.sections)
    assert y.summary.startswith("In 2026 the centre held 3 activities serving 39 person-times (3 people); ")
    n = len(EXPECTED)
    assert progress[-1] == (13 * n, 13 * n)


def test_months_to_come_are_blank_not_zeros(db, centre):
    """walk18: December's zeros read as "nothing happened"; a month not begun has no values ("—")."""
    y = report.annual(db, 2026, actor=ADMIN, today=D(2026, 11, 20))
    december = y.months[11]
    assert all(line.value is None for s in december for line in s.lines)
    assert y.as_of == D(2026, 11, 20)
    assert report.annual(db, 2025, actor=ADMIN, today=D(2026, 11, 20)).as_of == D(2025, 12, 31)
    assert all(value == 0 for s in december for c in s.charts for _label, value in c.items)


def test_the_workbook_holds_the_reports_values(db, centre, tmp_path, english):
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY, notes="备注", prepared_by="王主任")
    path = tmp_path / "月报.xlsx"
    report.monthly_xlsx(r, path, db=db, actor=ADMIN)
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 1 + len(r.sections)
    cover = {row[0]: row[1] for row in wb[wb.sheetnames[0]].iter_rows(min_row=2, values_only=True)}
    assert (cover["Summary"], cover["Notes"], cover["Prepared by"]) == (r.summary, "备注", "王主任")
    for name, cs in zip(wb.sheetnames[1:], r.sections, strict=True):
        rows = list(wb[name].iter_rows(min_row=2, values_only=True))
        for row, c in zip(rows, cs.lines, strict=False):
            scale = 100 if c.line.kind == "fen" else 1
            expect = [None if v is None else (v / scale if scale != 1 else v)
                      for v in (c.line.value, c.previous, c.last_year)]
            assert [row[1], row[2], row[4]] == expect, (name, c.line.key)
            assert (row[3], row[5]) == (c.change_previous, c.change_last_year)
        charted = [row for row in rows[len(cs.lines):] if row[0] is not None]
        assert len(charted) == sum(1 + len(ch.items) for ch in cs.section.charts)
    with db.session() as s:
        exported = s.query(AuditLog).filter(AuditLog.action == "export", AuditLog.entity == "report").all()
    assert len(exported) == 1 and path.name in exported[0].summary


def test_the_annual_workbook(db, centre, tmp_path):
    y = report.annual(db, 2026, actor=ADMIN, today=TODAY)
    path = tmp_path / "年报.xlsx"
    report.annual_xlsx(y, path, db=db, actor=ADMIN)
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 1 + len(y.totals)
    for name, total, i in zip(wb.sheetnames[1:], y.totals, range(len(y.totals)), strict=True):
        rows = list(wb[name].iter_rows(min_row=2, values_only=True))
        for row, line in zip(rows, total.lines, strict=False):
            scale = 100 if line.kind == "fen" else 1
            months = [values(m[i])[line.key] for m in y.months]
            assert list(row[1:14]) == [None if v is None else (v / scale if scale != 1 else v)
                                       for v in [line.value, *months]]


def test_the_cover_phrases_read_right_with_counts_of_one(english):
    """"received 1 complaints" on the town's cover: every phrase takes its noun's number (ngettext)."""
    import types

    from app.services import activities_report

    one = types.SimpleNamespace(
        activities=1, person_times=1, people=1, headcount=0, with_partners=0, by_type={}, by_target_group={},
        received=1, resolved=1, resolved_on_time=1, on_time_rate=None, within_grid_rate=None,
        satisfaction_rate=None, average_days_to_resolve=None, proxy_errands=0, open_overdue=0, by_category={})
    assert activities_report.report_section(one).phrase == "held 1 activity serving 1 person-time (1 person)"
    assert counter.report_section(one).phrase == "received 1 service request, resolved 1 on time"


def test_the_phrases_with_counts_of_one_in_english_and_chinese(db, centre, english):
    from app import i18n

    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    by = {cs.section.feature: cs.section for cs in r.sections}
    assert by["alliance"].phrase == "the merchant alliance had 2 members (1 new) and received 2 complaints, 1 resolved"
    assert by["daycare"].phrase == "day care served elders 3 person-days (2 people) and 5 meals (1 delivered home)"
    i18n.set_language("zh_CN")
    try:
        if i18n.ngettext("{n} complaint", "{n} complaints", 1) == "{n} complaint":
            pytest.skip("the Chinese catalogue is compiled at integration")
        r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
        by = {cs.section.feature: cs.section for cs in r.sections}
        assert by["alliance"].phrase == "爱心商铺联盟在册商户 2 家（新增 1 家），受理投诉 2 件、办结 1 件"
        assert by["points"].phrase == "2 名志愿者获得共治积分 35 分（服务 1.5 小时），兑换积分 30 分（1 张券）"
    finally:
        i18n.set_language("en")


def test_a_month_with_only_stock_figures_compares_its_stock_and_nothing_else():
    """walk18: day care a year before had 42 elders enrolled and no attendance recorded; its 0 meals read as a
    month to compare with ("+635"). Only the stock lines of such a month are compared."""
    def section(enrolled, person_days, subsidy, new=0):
        return report.Section("daycare", "Day care", (
            report.Line("enrolled", "Elders enrolled", "count", enrolled),
            report.Line("new", "New", "count", new),
            report.Line("person_days", "Attendance", "count", person_days),
            report.Line("subsidy", "Meal subsidy", "fen", subsidy)), (), "")

    now = section(54, 635, 188800)
    cs = report._compare(now, section(52, 0, 0, new=1), section(42, 0, 0))
    assert {c.line.key: (c.previous, c.last_year) for c in cs.lines} == {
        "enrolled": (52, 42), "new": (1, None), "person_days": (0, None), "subsidy": (0, None)}
    assert [c.change_last_year for c in cs.lines][2:] == ["—", "—"]


def test_the_elders_enrolled_of_a_range_ending_later_are_counted_today(db, centre):
    """A year's report made on 5 November: the elders enrolled then, not those enrolled by 31 December."""
    assert daycare.figures(db, D(2026, 1, 1), D(2026, 12, 31), today=D(2026, 11, 5)).enrolled == 2
    assert daycare.figures(db, D(2026, 1, 1), D(2026, 12, 31), today=D(2026, 12, 5)).enrolled == 3
    assert daycare.figures(db, D(2026, 10, 1), D(2026, 10, 31), today=D(2026, 12, 5)).enrolled == 2


def test_sessions_of_a_class_with_nobody_enrolled_are_not_held(db, centre):
    """The class's term began in September, its children were enrolled from 1 October."""
    september = afterschool.figures(db, D(2026, 9, 1), D(2026, 9, 30), today=TODAY)
    assert (september.sessions_held, september.person_times, september.classes_by_type) == (0, 0, {})
    assert afterschool.figures(db, D(2026, 10, 1), D(2026, 10, 31), today=TODAY).sessions_held == 13


def test_amounts_name_their_unit_and_the_alliance_rates_are_rates(db, centre, english):
    r = report.monthly(db, 2026, 11, actor=ADMIN, today=TODAY)
    by = {cs.section.feature: {c.line.key: c for c in cs.lines} for cs in r.sections}
    assert by["daycare"]["subsidy"].line.label == "Meal subsidy (yuan)"
    rates = [c for c in by["alliance"].values() if c.line.kind == "percent"]
    assert [c.line.key for c in rates] == ["complaint_rate", "complaint_rate_before"]
    assert all(c.change_previous.endswith("pp") or c.change_previous == "—" for c in rates)
