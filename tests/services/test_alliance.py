"""The merchant alliance: lists, merchants and credit codes, the review state machine, commitments,
complaints and the half-year rate, evaluations and the ranking, figures, permissions."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import (AuditLog, Commitment, Complaint, Evaluation, Merchant, MerchantEvent, Review, ReviewItem)
from app.services import access, alliance, residents
from app.services.access import ADMINISTRATOR, DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.alliance import (APPLIED, LEFT, MEMBER, REJECTED, REVIEWING, SUSPENDED, CommitmentInput,
                                   ComplaintInput, MerchantInput, ReviewInput, ReviewItemInput)
from app.services.residents import ResidentInput
from app.services.validators import CREDIT_CODE_CHARS, credit_code_check_char
from tests.conftest import ADMIN

D = dt.date
TODAY = D(2026, 11, 2)
DESK_ACTOR = Actor("前台小林", DESK)
GRID_ACTOR = Actor("网格员老黄", GRID_WORKER)
VIEWER_ACTOR = Actor("来访者", VIEWER)
CODE = "91350100M000100Y43"          # GB 32100's own example


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(model.id)))


def snapshot(db) -> tuple:
    return tuple(count(db, m) for m in (AuditLog, Merchant, MerchantEvent, Review, ReviewItem, Commitment,
                                        Complaint, Evaluation))


def merchant_input(**changes) -> MerchantInput:
    values = dict(name="状元里便利店", credit_code=CODE, contact_name="陈老板", contact_phone="13800000001",
                  address="状元里12号", estate="状元里", applied_via=alliance.SELF, applied_on=D(2026, 3, 1),
                  batch="第一批")
    values.update(changes)
    return MerchantInput(**values)


@pytest.fixture
def lists(db):
    alliance.seed(db, actor=ADMIN)
    return {kind: [c.id for c in alliance.list_choices(db, kind)]
            for kind in (alliance.BUSINESS_TYPES, alliance.CRITERIA, alliance.COMMITMENT_TYPES)}


@pytest.fixture
def shop(db, lists):
    return alliance.add_merchant(db, merchant_input(business_type_id=lists[alliance.BUSINESS_TYPES][2]),
                                 actor=DESK_ACTOR, today=TODAY)


def all_met(lists, met=True) -> list[ReviewItemInput]:
    return [ReviewItemInput(cid, met) for cid in lists[alliance.CRITERIA]]


def admitted(db, lists, name="状元里便利店", on=D(2026, 3, 10), first17=None, **changes) -> int:
    mid = alliance.add_merchant(db, merchant_input(name=name, credit_code=code(first17) if first17 else CODE,
                                                   **changes), actor=DESK_ACTOR, today=TODAY)
    alliance.move(db, mid, "start_review", actor=DESK_ACTOR, on=on, today=TODAY)
    alliance.record_review(db, mid, ReviewInput(all_met(lists), alliance.ADMIT, reviewed_on=on), actor=ADMIN,
                           today=TODAY)
    return mid


# -- credit codes ---------------------------------------------------------------------------------

first17s = st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(first17=first17s)
def test_a_generated_valid_code_passes(first17):
    full = code(first17)
    assert alliance.check_credit_code(full) == full
    assert alliance.check_credit_code(" " + full.lower() + " ") == full


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(first17=first17s, position=st.integers(0, 17), data=st.data())
def test_any_one_character_substitution_fails(first17, position, data):
    full = code(first17)
    other = data.draw(st.sampled_from([c for c in CREDIT_CODE_CHARS if c != full[position]]))
    changed = full[:position] + other + full[position + 1:]
    with pytest.raises(alliance.InvalidValue):
        alliance.check_credit_code(changed)


def test_published_codes_pass_and_bad_ones_say_what_is_wrong():
    for good in (CODE, "91110000600037341L", "911100001000079554", "９１３５０１００Ｍ０００１００Ｙ４３"):
        assert alliance.check_credit_code(good) == good.translate(
            {ord(c): ord(c) - 0xFEE0 for c in good if ord(c) > 0xFF00})
    for bad, word in (("91350100M000100Y4", "18"), ("91350100M000100I43", "I"), ("91350100M000100Y44", "")):
        with pytest.raises(alliance.InvalidValue) as err:
            alliance.check_credit_code(bad)
        assert word in err.value.message


# -- lists ----------------------------------------------------------------------------------------

def test_the_seed_adds_the_three_lists_once(db):
    assert alliance.seed(db, actor=ADMIN) == 6 + 4 + 6
    assert [c.name for c in alliance.list_choices(db, alliance.CRITERIA)] == [
        _(n) for n, _d in alliance.DEFAULT_CRITERIA]
    assert alliance.list_choices(db, alliance.CRITERIA)[0].description == _("To be filled in by the centre")
    assert alliance.seed(db, actor=ADMIN) == 0


def test_the_lists_are_editable(db, lists):
    kind = alliance.CRITERIA
    new = alliance.add_choice(db, kind, " 美在诚信 ", actor=ADMIN, description="明码标价")
    with pytest.raises(ValidationError) as err:
        alliance.add_choice(db, kind, "美在诚信", actor=ADMIN)
    assert "name" in err.value.fields
    alliance.rename_choice(db, kind, lists[kind][0], "美在服务", actor=ADMIN, description="热情周到")
    alliance.set_choice_active(db, kind, lists[kind][1], False, actor=ADMIN)
    rows = alliance.list_choices(db, kind)
    assert [r.name for r in rows][0] == "美在服务" and rows[0].description == "热情周到"
    assert rows[-1].id == new and rows[-1].description == "明码标价"
    assert len(rows) == 4 and len(alliance.list_choices(db, kind, include_inactive=True)) == 5
    with pytest.raises(NotFoundError):
        alliance.rename_choice(db, alliance.BUSINESS_TYPES, 9999, "x", actor=ADMIN)


# -- merchants ------------------------------------------------------------------------------------

def test_a_merchant_is_recorded_as_applied(db, shop):
    info = alliance.get_merchant(db, shop, actor=DESK_ACTOR)
    assert (info.row.status, info.row.status_since, info.row.credit_code) == (APPLIED, D(2026, 3, 1), CODE)
    assert info.row.business_type == _("Grocery and convenience")
    assert info.contact_phone == "13800000001" and info.row.contact == "陈老板 13800000001"
    assert alliance.get_merchant(db, shop, actor=VIEWER_ACTOR).contact_phone == "138****0001"
    assert alliance.list_merchants(db)[0].contact == "陈老板 138****0001"
    assert info.allowed_actions == ["start_review"]
    assert alliance.find_merchant(db, "状元里便利店").id == shop
    with pytest.raises(NotFoundError):
        alliance.find_merchant(db, "没有这家")


def test_a_code_already_on_file_is_refused_naming_the_merchant(db, shop):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        alliance.add_merchant(db, merchant_input(name="别的店", credit_code=CODE.lower()), actor=DESK_ACTOR,
                              today=TODAY)
    assert "状元里便利店" in err.value.fields["credit_code"] and _("Applied") in err.value.fields["credit_code"]
    assert snapshot(db) == before
    alliance.update_merchant(db, shop, merchant_input(address="状元里14号"), actor=DESK_ACTOR, today=TODAY)
    assert alliance.get_merchant(db, shop, actor=ADMIN).row.address == "状元里14号"


def test_a_merchant_needs_one_identifier_a_contact_and_a_recommender(db, lists):
    before = snapshot(db)
    bad = merchant_input(name=" ", credit_code="", contact_name="", contact_phone="123",
                         applied_via=alliance.RECOMMENDED, applied_on=D(2027, 1, 1))
    with pytest.raises(ValidationError) as err:
        alliance.add_merchant(db, bad, actor=DESK_ACTOR, today=TODAY)
    assert set(err.value.fields) >= {"name", "credit_code", "contact_name", "contact_phone", "recommended_by_id",
                                     "applied_on"}
    with pytest.raises(ValidationError) as err:
        alliance.add_merchant(db, merchant_input(licence_number="350100600012345"), actor=DESK_ACTOR, today=TODAY)
    assert "licence_number" in err.value.fields
    assert snapshot(db) == before
    rid = residents.add_resident(db, ResidentInput(name="李丽", phone="13900000002"), actor=ADMIN)
    mid = alliance.add_merchant(db, merchant_input(credit_code="", licence_number="350100600012345",
                                                   contact_name="", contact_phone="", contact_resident_id=rid,
                                                   applied_via=alliance.RECOMMENDED, recommended_by_id=rid),
                                actor=GRID_ACTOR, today=TODAY)
    info = alliance.get_merchant(db, mid, actor=ADMIN)
    assert (info.row.licence_number, info.row.contact, info.recommended_by) == ("350100600012345",
                                                                               "李丽 13900000002", "李丽")


def test_list_merchants_sorts_filters_and_searches(db, lists):
    a = admitted(db, lists, "甲店", first17="91350100M00010001", batch="第二批")
    b = admitted(db, lists, "乙店", first17="91350100M00010002", batch="第一批")
    c = alliance.add_merchant(db, merchant_input(name="丙店", credit_code=code("91350100M00010003")),
                              actor=DESK_ACTOR, today=TODAY)
    alliance.move(db, a, "leave", "搬走了", actor=ADMIN, on=D(2026, 6, 1), today=TODAY)
    assert [r.id for r in alliance.list_merchants(db)] == [c, b]
    assert [r.id for r in alliance.list_merchants(db, include_left=True)] == [c, b, a]
    assert [r.id for r in alliance.list_merchants(db, status=LEFT)] == [a]
    assert [r.id for r in alliance.list_merchants(db, query="10002")] == [b]
    assert [r.id for r in alliance.list_merchants(db, query="陈老板", status=APPLIED)] == [c]


# -- the state table ------------------------------------------------------------------------------

def test_step_follows_the_state_table():
    assert alliance.step(APPLIED, "start_review") == REVIEWING
    assert alliance.step(SUSPENDED, "resume") == MEMBER
    assert alliance.allowed_actions(MEMBER) == ["suspend", "leave"]
    assert alliance.allowed_actions(REJECTED) == ["reapply"] and alliance.allowed_actions(LEFT) == ["reapply"]
    for status, action in ((APPLIED, "admit"), (MEMBER, "resume"), (LEFT, "leave"), (APPLIED, "fly")):
        with pytest.raises(ValidationError) as err:
            alliance.step(status, action)
        assert "action" in err.value.fields


def test_a_review_admits_with_every_criterion_met(db, lists, shop):
    alliance.move(db, shop, "start_review", actor=DESK_ACTOR, on=D(2026, 3, 5), today=TODAY)
    rid = alliance.record_review(db, shop, ReviewInput(all_met(lists), alliance.ADMIT, "",
                                                       D(2026, 3, 10)), actor=ADMIN, today=TODAY)
    info = alliance.get_merchant(db, shop, actor=ADMIN)
    assert (info.row.status, info.row.joined_on, info.row.status_since) == (MEMBER, D(2026, 3, 10), D(2026, 3, 10))
    assert len(info.row.member_code) == 8
    assert [e.action for e in info.events] == ["apply", "start_review", "admit"]
    assert info.reviews[0].id == rid and all(i.met for i in info.reviews[0].items)
    assert info.reviews[0].reviewer == ADMIN.name and len(info.reviews[0].items) == 4


def test_a_review_refuses_what_is_missing_and_saves_nothing(db, lists, shop):
    alliance.move(db, shop, "start_review", actor=DESK_ACTOR, on=D(2026, 3, 5), today=TODAY)
    before = snapshot(db)
    items = all_met(lists)
    cases = [(ReviewInput(items[:3], alliance.ADMIT), "items"),
             (ReviewInput(items + items[:1], alliance.ADMIT), "items"),
             (ReviewInput([ReviewItemInput(items[0].criterion_id, False), *items[1:]], alliance.ADMIT), "note"),
             (ReviewInput(items, alliance.REJECT), "note"),
             (ReviewInput(items, "maybe"), "decision"),
             (ReviewInput(items, alliance.ADMIT, reviewed_on=D(2026, 3, 1)), "reviewed_on")]
    for data, key in cases:
        with pytest.raises(ValidationError) as err:
            alliance.record_review(db, shop, data, actor=ADMIN, today=TODAY)
        assert key in err.value.fields, (data, err.value.fields)
    assert snapshot(db) == before
    unmet = [ReviewItemInput(items[0].criterion_id, False, "无障碍通道未建"), *items[1:]]
    alliance.record_review(db, shop, ReviewInput(unmet, alliance.ADMIT, "限期三个月整改"), actor=ADMIN, today=TODAY)
    assert alliance.get_merchant(db, shop, actor=ADMIN).row.status == MEMBER


def test_a_rejection_needs_a_note_and_ends_the_application(db, lists, shop):
    alliance.move(db, shop, "start_review", actor=DESK_ACTOR, on=D(2026, 3, 5), today=TODAY)
    alliance.record_review(db, shop, ReviewInput(all_met(lists, False), alliance.REJECT, "证照不全"),
                           actor=ADMIN, today=TODAY)
    info = alliance.get_merchant(db, shop, actor=ADMIN)
    assert (info.row.status, info.row.member_code, info.row.joined_on) == (REJECTED, None, None)
    assert info.events[-1].reason == "证照不全"
    with pytest.raises(ValidationError):
        alliance.record_review(db, shop, ReviewInput(all_met(lists)), actor=ADMIN, today=TODAY)


def test_moves_need_reasons_and_keep_the_first_joining_date(db, lists):
    mid = admitted(db, lists)
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        alliance.move(db, mid, "suspend", " ", actor=ADMIN, on=D(2026, 5, 1), today=TODAY)
    assert "reason" in err.value.fields
    with pytest.raises(ValidationError) as err:
        alliance.move(db, mid, "suspend", "投诉未处理", actor=ADMIN, on=D(2027, 5, 1), today=TODAY)
    assert "on" in err.value.fields
    assert snapshot(db) == before
    alliance.move(db, mid, "suspend", "投诉未处理", actor=ADMIN, on=D(2026, 5, 1), today=TODAY)
    row = alliance.move(db, mid, "resume", actor=ADMIN, on=D(2026, 6, 1), today=TODAY)
    assert (row.status, row.joined_on, row.status_since) == (MEMBER, D(2026, 3, 10), D(2026, 6, 1))
    row = alliance.move(db, mid, "leave", "店铺转让", actor=ADMIN, on=D(2026, 9, 1), today=TODAY)
    assert row.status == LEFT and alliance.get_merchant(db, mid, actor=ADMIN).left_on == D(2026, 9, 1)


STEP_REASON = {"reject": "不符合条件", "suspend": "暂停整改", "leave": "退出"}


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_sequence_of_moves_obeys_the_state_table(db, lists, data):
    """Random actions: only the legal ones succeed, the status is always one of STATUSES, every success
    writes exactly one event (and one audit row), a refusal changes nothing."""
    with db.session() as s:
        n = s.scalar(select(func.count(Merchant.id)))
    mid = alliance.add_merchant(db, merchant_input(name=f"店{n}", credit_code=code(f"9135010000000{n:04d}")),
                                actor=DESK_ACTOR, today=TODAY)
    status = APPLIED
    for _step in range(data.draw(st.integers(0, 12))):
        offered = alliance.allowed_actions(status)
        pool = offered if offered and data.draw(st.integers(0, 2)) else sorted(alliance.MOVES)
        action = data.draw(st.sampled_from(pool))
        before = snapshot(db)
        events = count(db, MerchantEvent)
        try:
            row = alliance.move(db, mid, action, STEP_REASON.get(action, ""), actor=ADMIN, on=TODAY, today=TODAY)
        except ValidationError:
            assert action not in offered, (status, action)
            assert snapshot(db) == before
            continue
        assert action in offered, (status, action)
        assert row.status == alliance.MOVES[action][1] and row.status in alliance.STATUSES
        assert count(db, MerchantEvent) == events + 1
        assert count(db, AuditLog) == before[0] + 1
        status = row.status
        if status == MEMBER:
            assert row.member_code and row.joined_on is not None


# -- permissions ----------------------------------------------------------------------------------

NEW_PERMISSIONS = {access.ALLIANCE_APPLY: {ADMINISTRATOR, DESK, GRID_WORKER},
                   access.ALLIANCE_REVIEW: {ADMINISTRATOR},
                   access.ALLIANCE_COMPLAINTS: {ADMINISTRATOR, DESK, GRID_WORKER},
                   access.ALLIANCE_EVALUATE: {ADMINISTRATOR, DESK},
                   access.ALLIANCE_LISTS: {ADMINISTRATOR}}
ROLES = (ADMINISTRATOR, DESK, GRID_WORKER, VIEWER)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_every_new_permission(db, lists, role):
    actor = Actor("某人", role)
    mid = alliance.add_merchant(db, merchant_input(), actor=ADMIN, today=TODAY)
    alliance.move(db, mid, "start_review", actor=ADMIN, on=TODAY, today=TODAY)
    member = admitted(db, lists, "乙店", first17="91350100M00010002")
    calls = {
        access.ALLIANCE_LISTS: lambda: alliance.add_choice(db, alliance.COMMITMENT_TYPES, "代收快递", actor=actor),
        access.ALLIANCE_APPLY: lambda: alliance.update_merchant(db, mid, merchant_input(batch="第二批"),
                                                                actor=actor, today=TODAY),
        access.ALLIANCE_REVIEW: lambda: alliance.record_review(db, mid, ReviewInput(all_met(lists)), actor=actor,
                                                               today=TODAY),
        access.ALLIANCE_COMPLAINTS: lambda: alliance.add_complaint(db, ComplaintInput(
            member, TODAY, complainant_name="路人", what="态度差"), actor=actor, today=TODAY),
        access.ALLIANCE_EVALUATE: lambda: alliance.record_evaluation(
            db, member, "2026-Q4", "评议员甲", {c: 8 for c in lists[alliance.CRITERIA]}, actor=actor, today=TODAY),
    }
    for permission, roles in NEW_PERMISSIONS.items():
        assert access.may(actor, permission) == (role in roles), permission
        before = snapshot(db)
        if role in roles:
            calls[permission]()
        else:
            with pytest.raises(PermissionDenied):
                calls[permission]()
            assert snapshot(db) == before


# -- commitments ----------------------------------------------------------------------------------

def test_commitments_replace_the_list_and_only_for_members(db, lists, shop):
    kinds = lists[alliance.COMMITMENT_TYPES]
    items = [CommitmentInput(kinds[0], "门口充电桩", "每天", D(2026, 4, 1)),
             CommitmentInput(kinds[1], "", "每月一次", D(2026, 4, 1), D(2026, 9, 30))]
    with pytest.raises(ValidationError) as err:
        alliance.set_commitments(db, shop, items, actor=DESK_ACTOR, today=TODAY)
    assert "items" in err.value.fields
    mid = admitted(db, lists, "乙店", first17="91350100M00010002")
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        alliance.set_commitments(db, mid, [items[0], CommitmentInput(kinds[2], since=D(2026, 5, 1),
                                                                     until=D(2026, 4, 1))],
                                 actor=DESK_ACTOR, today=TODAY)
    assert "2" in err.value.fields["items"]
    assert snapshot(db) == before
    alliance.set_commitments(db, mid, items, actor=DESK_ACTOR, today=TODAY)
    info = alliance.get_merchant(db, mid, actor=ADMIN, today=TODAY)
    assert [c.frequency for c in info.commitments] == ["每天", "每月一次"]
    assert info.row.commitments == 1  # the second ended in September
    alliance.set_commitments(db, mid, items[:1], actor=DESK_ACTOR, today=TODAY)
    assert count(db, Commitment) == 1


# -- complaints and the half-year rate -------------------------------------------------------------

def test_complaints_are_recorded_and_resolved(db, lists):
    mid = admitted(db, lists)
    before = snapshot(db)
    with pytest.raises(NotFoundError):
        alliance.add_complaint(db, ComplaintInput(9999, TODAY, complainant_name="路人", what="x"), actor=DESK_ACTOR)
    for data, key in ((ComplaintInput(mid, TODAY, complainant_name="路人", what=" "), "what"),
                      (ComplaintInput(mid, TODAY, what="态度差"), "complainant_name"),
                      (ComplaintInput(mid, TODAY, complainant_name="路人", complainant_phone="12", what="x"),
                       "complainant_phone"),
                      (ComplaintInput(mid, D(2026, 12, 1), complainant_name="路人", what="x"), "received_on")):
        with pytest.raises(ValidationError) as err:
            alliance.add_complaint(db, data, actor=DESK_ACTOR, today=TODAY)
        assert key in err.value.fields
    assert snapshot(db) == before
    cid = alliance.add_complaint(db, ComplaintInput(mid, D(2026, 10, 1), complainant_name="路人",
                                                    complainant_phone="13700000007", what="缺斤少两"),
                                 actor=GRID_ACTOR, today=TODAY)
    assert alliance.list_merchants(db)[0].open_complaints == 1
    with pytest.raises(ValidationError) as err:
        alliance.resolve_complaint(db, cid, "退款", D(2026, 9, 1), actor=DESK_ACTOR, today=TODAY)
    assert "resolved_on" in err.value.fields
    alliance.resolve_complaint(db, cid, "已退款并道歉", D(2026, 10, 3), actor=DESK_ACTOR, today=TODAY)
    row = alliance.list_complaints(db, merchant_id=mid, actor=DESK_ACTOR)[0]
    assert (row.resolution, row.complainant_phone, row.recorded_by) == ("已退款并道歉", "137****0007", GRID_ACTOR.name)
    assert alliance.list_complaints(db, actor=ADMIN)[0].complainant_phone == "13700000007"
    assert alliance.list_complaints(db, date_from=D(2026, 10, 2), actor=ADMIN) == []


def build_half_years(db, lists):
    """H1 2026: 20 members, 10 complaints; H2 2026: 40 members (one left in H1 only and one admitted on
    July 1 count once), 17 complaints."""
    with db.session() as s:
        now = dt.datetime.now()
        for n in range(41):
            joined = D(2026, 1, 5) if n < 20 else D(2026, 7, 1)
            left = D(2026, 6, 30) if n == 0 else None  # a member on the last day of H1: in H1 only
            s.add(Merchant(name=f"店{n}", credit_code=code(f"9135010000000{n:04d}"), applied_via=alliance.SELF,
                           applied_on=joined, status=LEFT if left else (SUSPENDED if n == 5 else MEMBER),
                           status_since=joined, joined_on=joined, left_on=left, created_at=now, updated_at=now))
        s.add(Merchant(name="未通过的店", licence_number="X1", applied_via=alliance.SELF, applied_on=D(2026, 1, 1),
                       status=REJECTED, status_since=D(2026, 2, 1), created_at=now, updated_at=now))
        s.flush()
        first = s.scalar(select(func.min(Merchant.id)))
        for n in range(10):
            s.add(Complaint(merchant_id=first + n, received_on=D(2026, 2, 1) + dt.timedelta(days=n), what="x",
                            created_at=now))
        for n in range(17):
            s.add(Complaint(merchant_id=first + 1 + n, received_on=D(2026, 7, 1) + dt.timedelta(days=9 * n),
                            what="x", created_at=now))


def test_the_complaint_rate_per_half_year_and_its_change(db, lists):
    build_half_years(db, lists)
    h1 = alliance.complaint_rate(db, 2026, 1)
    assert (h1.complaints, h1.active_members, h1.rate, h1.previous_rate, h1.change) == (10, 20, 0.5, None, None)
    h2 = alliance.complaint_rate(db, 2026, 2)
    assert (h2.complaints, h2.active_members) == (17, 40)
    assert h2.rate == pytest.approx(0.425) and h2.previous_rate == 0.5
    assert h2.change == pytest.approx(-0.15)
    empty = alliance.complaint_rate(db, 2025, 1)
    assert (empty.rate, empty.change) == (None, None)
    with pytest.raises(ValidationError):
        alliance.complaint_rate(db, 2026, 3)


# -- evaluations and the ranking ------------------------------------------------------------------

def test_parse_quarter():
    assert alliance.parse_quarter("2026-Q3") == (2026, 3)
    assert alliance.parse_quarter(" ２０２６ｑ１ ") == (2026, 1)
    for text in ("2026年第三季度", "2026年3季度", "2026年第3季度", "2026 Q3", "2026-3", "Q3 2026", "２０２６年第三季度"):
        assert alliance.parse_quarter(text) == (2026, 3), text
    assert alliance.quarter_text(*alliance.parse_quarter("2026年第四季度")) == "2026-Q4"
    for bad in ("2026-Q5", "2026-5", "20263", "2026年第五季度", "Q3", "", None):
        with pytest.raises(ValidationError) as err:
            alliance.parse_quarter(bad)
        assert "quarter" in err.value.fields


def test_evaluations_average_into_a_ranking_with_ties(db, lists):
    crit = lists[alliance.CRITERIA]
    a = admitted(db, lists, "甲店", first17="91350100M00010001")
    b = admitted(db, lists, "乙店", first17="91350100M00010002")
    c = admitted(db, lists, "丙店", first17="91350100M00010003")
    with pytest.raises(ValidationError) as err:
        alliance.ranking(db, "2026-Q3")
    assert err.value.fields["quarter"] == _("No evaluations were recorded for {quarter}.").format(quarter="2026-Q3")

    def score(mid, evaluator, values):
        alliance.record_evaluation(db, mid, "2026-q3", evaluator, dict(zip(crit, values, strict=True)),
                                   actor=DESK_ACTOR, today=TODAY)

    score(a, "评议员甲", [10, 10, 8, 8])
    score(a, "评议员乙", [6, 6, 6, 6])     # a: 60 / 8 = 7.5
    score(b, "评议员甲", [8, 7, 8, 7])     # b: 7.5
    score(c, "评议员甲", [9, 9, 9, 9])
    score(c, "评议员甲", [5, 5, 5, 5])     # the same evaluator again replaces: c 5.0
    rows = alliance.ranking(db, "2026-Q3")
    assert [(r.rank, r.merchant, r.average, r.evaluators) for r in rows] == [
        (1, "乙店", 7.5, 1), (1, "甲店", 7.5, 2), (3, "丙店", 5.0, 1)]
    assert rows[1].by_criterion[_("Four Goods: criterion 1")] == 8.0
    assert count(db, Evaluation) == 4 * 4


def test_an_evaluation_is_checked_and_nothing_half_saved(db, lists, shop):
    crit = lists[alliance.CRITERIA]
    full = {c: 8 for c in crit}
    before = snapshot(db)
    for mid, quarter, evaluator, scores, key in ((shop, "2026-Q3", "甲", full, "quarter"),  # not a member
                                                 (shop, "2027-Q1", "甲", full, "quarter"),
                                                 (shop, "2026Q", "甲", full, "quarter")):
        with pytest.raises(ValidationError) as err:
            alliance.record_evaluation(db, mid, quarter, evaluator, scores, actor=DESK_ACTOR, today=TODAY)
        assert key in err.value.fields
    mid = admitted(db, lists, "乙店", first17="91350100M00010002", on=D(2026, 8, 1))
    for evaluator, scores, key in (("", full, "evaluator"), ("甲", {crit[0]: 8}, "scores"),
                                   ("甲", {**full, crit[0]: 11}, "scores"), ("甲", {**full, crit[0]: True}, "scores")):
        with pytest.raises(ValidationError) as err:
            alliance.record_evaluation(db, mid, "2026-Q2", "甲", full, actor=DESK_ACTOR, today=TODAY)
        assert "quarter" in err.value.fields  # joined in August: not a member in Q2
        with pytest.raises(ValidationError) as err:
            alliance.record_evaluation(db, mid, "2026-Q3", evaluator, scores, actor=DESK_ACTOR, today=TODAY)
        assert key in err.value.fields
    assert snapshot(db)[1:] == (before[1] + 1, *snapshot(db)[2:])
    assert count(db, Evaluation) == 0


# -- certificate, resident lines, badge, figures, the trail --------------------------------------

def test_a_scanned_certificate_finds_the_member(db, lists):
    mid = admitted(db, lists)
    member_code = alliance.get_merchant(db, mid, actor=ADMIN).row.member_code
    assert alliance.find_by_certificate(db, alliance.certificate_payload(member_code)).id == mid
    assert alliance.find_by_certificate(db, " ndm:" + member_code.lower()).id == mid
    assert alliance.find_by_certificate(db, member_code).id == mid
    assert alliance.find_by_certificate(db, "NDM:00000000") is None
    assert alliance.find_by_certificate(db, "ND:" + member_code) is None


def test_resident_lines_show_contacts_recommendations_and_complaint_counts(db, lists):
    rid = residents.add_resident(db, ResidentInput(name="李丽", phone="13900000002"), actor=ADMIN)
    assert alliance.resident_lines(db, rid) == []
    mid = admitted(db, lists, contact_resident_id=rid, contact_name="", contact_phone="",
                   applied_via=alliance.RECOMMENDED, recommended_by_id=rid)
    alliance.add_complaint(db, ComplaintInput(mid, TODAY, complainant_id=rid, what="价格不符"), actor=ADMIN,
                           today=TODAY)
    lines = alliance.resident_lines(db, rid)
    assert [len(line.items) for line in lines] == [1, 1, 0]
    assert lines[0].items[0].ref == str(mid) and "状元里便利店" in lines[0].items[0].text
    assert "1" in lines[2].heading


def test_the_badge_counts_applications_and_warns_of_old_complaints(db, lists, shop):
    assert alliance.badge(db, today=TODAY) == (_("{tab} ({counts})").format(
        tab=_("Merchant alliance"), counts=_("{count} to review").format(count="1")), False)
    mid = admitted(db, lists, "乙店", first17="91350100M00010002")
    alliance.add_complaint(db, ComplaintInput(mid, D(2026, 9, 1), complainant_name="路人", what="x"), actor=ADMIN,
                           today=TODAY)
    assert alliance.badge(db, today=TODAY)[1] is True
    assert alliance.badge(db, today=D(2026, 9, 20))[1] is False


def test_figures_for_a_date_range(db, lists):
    a = admitted(db, lists, "甲店", first17="91350100M00010001", on=D(2026, 3, 10))
    b = admitted(db, lists, "乙店", first17="91350100M00010002", on=D(2026, 4, 10))
    c = admitted(db, lists, "丙店", first17="91350100M00010003", on=D(2026, 4, 12))
    alliance.move(db, b, "suspend", "整改", actor=ADMIN, on=D(2026, 4, 20), today=TODAY)
    alliance.move(db, c, "leave", "关店", actor=ADMIN, on=D(2026, 4, 25), today=TODAY)
    kinds = lists[alliance.COMMITMENT_TYPES]
    alliance.set_commitments(db, a, [CommitmentInput(kinds[0], since=D(2026, 3, 10)),
                                     CommitmentInput(kinds[3], since=D(2026, 3, 10), until=D(2026, 4, 1))],
                             actor=ADMIN, today=TODAY)
    alliance.add_complaint(db, ComplaintInput(a, D(2026, 4, 2), complainant_name="路人", what="x",
                                              resolution="已处理", resolved_on=D(2026, 4, 3)), actor=ADMIN, today=TODAY)
    f = alliance.figures(db, D(2026, 4, 1), D(2026, 4, 30))
    assert (f.active, f.new, f.suspended, f.left) == (1, 2, 1, 1)
    assert f.commitments_by_type == {_("Free phone charging"): 1}
    assert (f.complaints, f.complaints_resolved) == (1, 1)
    assert (f.half_year.year, f.half_year.half, f.half_year.complaints, f.half_year.active_members) == (2026, 1, 1, 3)
    march = alliance.figures(db, D(2026, 3, 1), D(2026, 3, 31))
    assert (march.active, march.new, march.suspended, march.left) == (1, 1, 0, 0)


def test_every_alliance_record_reads_in_the_trail(db, lists):
    from app.services import audit

    mid = admitted(db, lists)
    alliance.add_complaint(db, ComplaintInput(mid, TODAY, complainant_name="路人", complainant_phone="13700000007",
                                              what="x"), actor=ADMIN, today=TODAY)
    entries = audit.query(db, actor=ADMIN)
    kinds = {e.entity for e in entries}
    assert {"merchant", "merchant_review", "complaint", "criterion", "business_type"} <= kinds
    for e in entries:
        assert e.entity in audit.ENTITIES and e.changes_text is not None
    complaint = next(e for e in entries if e.entity == "complaint")
    assert "137****0007" in complaint.changes_text and "状元里便利店" in complaint.changes_text


# -- walk-through 2 -------------------------------------------------------------------------------

def test_batches_sort_by_their_number():
    batches = ["第三批", "", "试点批", "第十一批", "第二批", "第10批", "A组", "第一批", "第十批", "2", "第二十三批"]
    assert sorted(batches, key=alliance.batch_order) == [
        "第一批", "2", "第二批", "第三批", "第10批", "第十批", "第十一批", "第二十三批", "A组", "试点批", ""]


def test_entering_an_application_starts_its_history(db, shop):
    events = alliance.get_merchant(db, shop, actor=DESK_ACTOR).events
    assert [(e.action, e.from_status, e.to_status, e.day, e.by) for e in events] == [
        ("apply", "", APPLIED, D(2026, 3, 1), "前台小林")]
    assert events[0].action_text == _("Application entered")


def test_a_refused_or_former_shop_applies_again(db, lists):
    refused = alliance.add_merchant(db, merchant_input(), actor=DESK_ACTOR, today=TODAY)
    alliance.move(db, refused, "start_review", actor=DESK_ACTOR, on=D(2026, 3, 5), today=TODAY)
    alliance.record_review(db, refused, ReviewInput(all_met(lists, False), alliance.REJECT, "不符合",
                                                    reviewed_on=D(2026, 3, 6)), actor=ADMIN, today=TODAY)
    with pytest.raises(ValidationError) as err:  # the duplicate says what to do
        alliance.add_merchant(db, merchant_input(name="另一家"), actor=DESK_ACTOR, today=TODAY)
    assert _(alliance.ACTIONS["reapply"]) in err.value.fields["credit_code"]
    with pytest.raises(PermissionDenied):
        alliance.move(db, refused, "reapply", actor=VIEWER_ACTOR, today=TODAY)
    row = alliance.move(db, refused, "reapply", actor=GRID_ACTOR, on=D(2026, 9, 1), today=TODAY, batch="第二批")
    assert (row.status, row.status_since, row.applied_on, row.batch) == (APPLIED, D(2026, 9, 1), D(2026, 9, 1),
                                                                           "第二批")
    assert alliance.get_merchant(db, refused, actor=ADMIN).events[-1].reason == ""  # no reason needed
    # A member that left comes back: joined again on the new day, no longer "left".
    former = admitted(db, lists, "老店", first17="91350100M00020002")
    alliance.move(db, former, "leave", "搬走", actor=ADMIN, on=D(2026, 4, 1), today=TODAY)
    alliance.move(db, former, "reapply", actor=DESK_ACTOR, on=D(2026, 6, 1), today=TODAY)
    assert alliance.get_merchant(db, former, actor=ADMIN).row.batch == "第一批"  # no batch given: kept
    alliance.move(db, former, "start_review", actor=DESK_ACTOR, on=D(2026, 6, 2), today=TODAY)
    alliance.record_review(db, former, ReviewInput(all_met(lists), alliance.ADMIT, reviewed_on=D(2026, 6, 3)),
                           actor=ADMIN, today=TODAY)
    info = alliance.get_merchant(db, former, actor=ADMIN)
    assert (info.row.status, info.row.joined_on, info.left_on) == (MEMBER, D(2026, 6, 3), None)


def test_complainants_are_shown_by_role(db, lists):
    mid = admitted(db, lists)
    rid = residents.add_resident(db, ResidentInput(name="尤乐琴", gender="F", phone="13712345678"), actor=ADMIN)
    alliance.add_complaint(db, ComplaintInput(mid, D(2026, 4, 1), complainant_id=rid, what="态度差"),
                           actor=DESK_ACTOR, today=TODAY)
    alliance.add_complaint(db, ComplaintInput(mid, D(2026, 4, 2), complainant_name="过路的张先生",
                                              complainant_phone="18974410468", what="缺斤少两"),
                           actor=DESK_ACTOR, today=TODAY)
    for actor, seen in ((ADMIN, [("尤乐琴", "13712345678"), ("过路的张先生", "18974410468")]),
                        (DESK_ACTOR, [("尤乐琴", "137****5678"), ("过路的张先生", "189****0468")]),
                        (GRID_ACTOR, [("尤乐琴", "137****5678"), ("过路的张先生", "189****0468")]),
                        (VIEWER_ACTOR, [(_("A resident"), ""), (_("A walk-in"), "")])):
        for rows in (alliance.list_complaints(db, actor=actor), alliance.get_merchant(db, mid, actor=actor).complaints):
            assert [(c.complainant, c.complainant_phone) for c in rows] == seen, actor.role


def test_the_rate_counts_only_complaints_about_members_on_the_day(db, lists):
    member = admitted(db, lists, "成员店", on=D(2026, 3, 10), first17="91350100M00030003")
    applicant = alliance.add_merchant(db, merchant_input(name="申请店", credit_code=code("91350100M00030004")),
                                      actor=DESK_ACTOR, today=TODAY)
    for mid, day in ((member, D(2026, 3, 1)), (member, D(2026, 3, 10)), (member, D(2026, 5, 1)),
                     (applicant, D(2026, 5, 2))):  # before joining; the day it joined; a member; an applicant
        alliance.add_complaint(db, ComplaintInput(mid, day, complainant_name="某人", what="x"), actor=DESK_ACTOR,
                               today=TODAY)
    rate = alliance.complaint_rate(db, 2026, 1)
    assert (rate.complaints, rate.active_members, rate.rate) == (2, 1, 2.0)
    assert len(alliance.list_complaints(db, actor=ADMIN)) == 4  # all recorded


def test_the_search_finds_phone_digits_and_pinyin(db, lists):
    alliance.add_merchant(db, merchant_input(name="阿婆糕点铺", contact_phone="13905951234"), actor=DESK_ACTOR,
                          today=TODAY)
    rid = residents.add_resident(db, ResidentInput(name="施勇平", gender="M", phone="13430877660"), actor=ADMIN)
    alliance.add_merchant(db, merchant_input(name="老童土笋冻", credit_code=code("91350100M00040004"),
                                             contact_name="", contact_phone="", contact_resident_id=rid),
                          actor=DESK_ACTOR, today=TODAY)
    def names(query):
        return [r.name for r in alliance.list_merchants(db, query=query, today=TODAY)]

    assert names("1390595") == names("5951234") == names("139 0595") == ["阿婆糕点铺"]
    assert names("0877") == ["老童土笋冻"]  # the resident contact's phone
    assert names("apgdp") == names("gaodian") == names("GDP") == ["阿婆糕点铺"]
    assert names("lttsd") == ["老童土笋冻"] and names("595") == [] and names("zzz") == []  # 3 digits: too few


def test_averages_round_half_up_with_two_decimals():
    assert [alliance.average_text(x) for x in (8, 7.125, 9.12, 0.425, 2 / 3)] == ["8.00", "7.13", "9.12", "0.43",
                                                                                 "0.67"]
    assert alliance.change_text(-0.16667) == "16.7%" and alliance.change_text(0.25) == "25%"
