"""Merchant alliance forms printed from merchants built through the service (app/services/alliance_print.py),
and on the command line: `print merchant-application|merchant-agreement|merchant-certificate|alliance-roster|
complaint-ledger|alliance-ranking`."""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.cli import main
from app.db import open_database, sqlite_url
from app.errors import NotFoundError, ValidationError
from app.i18n import _, set_language
from app.services import alliance, alliance_print, audit, centre, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.alliance import (ADMIT, BUSINESS_TYPES, COMMITMENT_TYPES, CRITERIA, RECOMMENDED, SELF, SOE_LEASE,
                                   CommitmentInput, ComplaintInput, MerchantInput, ReviewInput, ReviewItemInput)
from app.services.residents import ResidentInput
from app.services.validators import check_char, credit_code_check_char
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text

D = dt.date
TODAY = D(2026, 11, 30)
DESK_ACTOR = Actor("前台小林", DESK)
CODE_A = "91350581MA31Y8K2P" + credit_code_check_char("91350581MA31Y8K2P")
CODE_C = "92350581MA2Y3L7N0" + credit_code_check_char("92350581MA2Y3L7N0")
CRITERIA_NAMES = ("诚信经营", "热心公益", "环境整洁", "服务周到")


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh_CN")


def _admit(db, merchant_id: int, started: dt.date, admitted: dt.date) -> None:
    alliance.move(db, merchant_id, "start_review", actor=ADMIN, on=started, today=TODAY)
    items = [ReviewItemInput(c.id, True) for c in alliance.list_choices(db, CRITERIA)]
    alliance.record_review(db, merchant_id, ReviewInput(items, ADMIT, reviewed_on=admitted), actor=ADMIN, today=TODAY)


@pytest.fixture
def shops(db):
    """状元里's alliance: 阿明理发店 (第一批, recommended by 林秀英, its contact the resident 陈阿明, three services,
    one of them ended) and 好邻居便利店 (第一批, a licence number, one service) joined on 20 February 2026;
    老街药房 (第二批, the state-owned landlord's lease) joined on 10 July and was suspended on 1 October;
    新开面馆 applied on 1 November. Three complaints (one in the first half-year, two in the second) and
    two evaluators' scores for Q3 2026."""
    centre.save_centre(db, centre.CentreInfo("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678"), actor=ADMIN)
    alliance.seed(db, actor=ADMIN)
    for choice, name in zip(alliance.list_choices(db, CRITERIA), CRITERIA_NAMES, strict=True):
        alliance.rename_choice(db, CRITERIA, choice.id, name, actor=ADMIN)
    ids = {}
    ids["美发"] = alliance.add_choice(db, BUSINESS_TYPES, "美发", actor=ADMIN)
    ids["便利店"] = alliance.add_choice(db, BUSINESS_TYPES, "便利店", actor=ADMIN)
    for name in ("长者义剪", "爱心充电", "免费茶水"):
        ids[name] = alliance.add_choice(db, COMMITMENT_TYPES, name, actor=ADMIN)
    for name, first17, phone in (("林秀英", "35058119560101002", "13800000003"),
                                 ("陈阿明", "35058119800202001", "13800000001")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, gender="F" if name == "林秀英" else "M",
                                                             id_number=first17 + check_char(first17), phone=phone,
                                                             estate="状元里小区"), actor=ADMIN)
    ids["阿明理发店"] = alliance.add_merchant(db, MerchantInput(
        name="阿明理发店", credit_code=CODE_A, business_type_id=ids["美发"], contact_resident_id=ids["陈阿明"],
        address="状元里12号", estate="状元里小区", applied_via=RECOMMENDED, recommended_by_id=ids["林秀英"],
        applied_on=D(2026, 2, 10), batch="第一批"), actor=ADMIN, today=TODAY)
    ids["好邻居便利店"] = alliance.add_merchant(db, MerchantInput(
        name="好邻居便利店", licence_number="350581600123456", business_type_id=ids["便利店"], contact_name="王店长",
        contact_phone="13900000002", address="状元里3号", applied_via=SELF, applied_on=D(2026, 2, 11),
        batch="第一批"), actor=ADMIN, today=TODAY)
    ids["老街药房"] = alliance.add_merchant(db, MerchantInput(
        name="老街药房", credit_code=CODE_C, contact_name="黄药师", contact_phone="13700000005", address="老街8号",
        applied_via=SOE_LEASE, applied_on=D(2026, 7, 1), batch="第二批"), actor=ADMIN, today=TODAY)
    ids["新开面馆"] = alliance.add_merchant(db, MerchantInput(
        name="新开面馆", licence_number="350581600654321", contact_name="周老板", contact_phone="13500000007",
        address="状元里20号", applied_via=SELF, applied_on=D(2026, 11, 1), batch="第三批"), actor=ADMIN, today=TODAY)
    _admit(db, ids["阿明理发店"], D(2026, 2, 15), D(2026, 2, 20))
    _admit(db, ids["好邻居便利店"], D(2026, 2, 15), D(2026, 2, 20))
    _admit(db, ids["老街药房"], D(2026, 7, 5), D(2026, 7, 10))
    alliance.set_commitments(db, ids["阿明理发店"], [
        CommitmentInput(ids["长者义剪"], "70岁以上老人", "每月第一个周二上午", D(2026, 3, 1)),
        CommitmentInput(ids["爱心充电"], "", "每天", D(2026, 3, 1), D(2030, 12, 31)),
        CommitmentInput(ids["免费茶水"], "夏季", "每天", D(2026, 3, 1), D(2026, 5, 31)),
    ], actor=ADMIN, today=TODAY)
    alliance.set_commitments(db, ids["好邻居便利店"], [CommitmentInput(ids["爱心充电"], "", "每天", D(2026, 3, 1))],
                             actor=ADMIN, today=TODAY)
    alliance.move(db, ids["老街药房"], "suspend", "多次被投诉", actor=ADMIN, on=D(2026, 10, 1), today=TODAY)
    for merchant, received, who, what, resolution, resolved in (
            ("阿明理发店", D(2026, 3, 15), ids["林秀英"], "排队时插队", "已向居民道歉", D(2026, 3, 17)),
            ("老街药房", D(2026, 8, 9), "路人甲", "拒收积分券", "", None),
            ("老街药房", D(2026, 9, 2), ids["林秀英"], "药品过期", "已下架并道歉", D(2026, 9, 5))):
        resident = who if isinstance(who, int) else None
        alliance.add_complaint(db, ComplaintInput(
            merchant_id=ids[merchant], received_on=received, complainant_id=resident,
            complainant_name="" if resident else who, complainant_phone="" if resident else "13600000006",
            what=what, resolution=resolution, resolved_on=resolved), actor=ADMIN, today=TODAY)
    criteria = [c.id for c in alliance.list_choices(db, CRITERIA)]
    for merchant, first, second in (("阿明理发店", (10, 9, 9, 9), (9, 9, 8, 9)),
                                    ("好邻居便利店", (9, 8, 8, 9), (8, 9, 9, 8)),
                                    ("老街药房", (8, 9, 8, 9), (9, 8, 9, 8))):
        for evaluator, scores in (("评议员甲", first), ("评议员乙", second)):
            alliance.record_evaluation(db, ids[merchant], "2026-Q3", evaluator, dict(zip(criteria, scores,
                                                                                        strict=True)),
                                       actor=ADMIN, today=TODAY)
    return ids


# -- a merchant's own forms -----------------------------------------------------------------------

def test_the_application_has_the_merchant_its_recommender_and_its_services(db, shops):
    pdf = alliance_print.merchant_application_pdf(db, shops["阿明理发店"], actor=DESK_ACTOR)
    text = flat(pdf)
    assert "阿明理发店" in text and CODE_A in text and "美发" in text and "状元里12号" in text
    assert "陈阿明" in text and "13800000001" in text  # the desk takes applications: the whole phone
    assert squash(_("Recommended by")) + "林秀英" in text and "第一批" in text and "2026年2月10日" in text
    assert "1长者义剪70岁以上老人每月第一个周二上午" in text and "2爱心充电每天" in text
    assert "3免费茶水夏季每天" in text  # what it offered, the ended one too
    assert pdf.missing_glyphs == 0


def test_the_application_masks_the_phone_for_a_grid_worker_who_may_not_see_it(db, shops, monkeypatch):
    monkeypatch.setattr(alliance, "may_see_phones", lambda actor: False)
    text = flat(alliance_print.merchant_application_pdf(db, shops["好邻居便利店"], actor=Actor("网格员", GRID_WORKER)))
    assert "王店长" in text and "139****0002" in text and "13900000002" not in text
    assert "350581600123456" in text


def test_the_agreement_has_the_services_not_ended_and_the_general_terms(db, shops, english):
    text = flat(alliance_print.merchant_agreement_pdf(db, shops["阿明理发店"], actor=DESK_ACTOR))
    code = alliance.get_merchant(db, shops["阿明理发店"], actor=ADMIN).row.member_code
    assert squash(f"Member code {code}") in text
    assert squash("Party A 状元里党建+邻里中心 Party B 阿明理发店") in text
    assert squash("1. 长者义剪: 70岁以上老人. How often: 每月第一个周二上午; from March 1, 2026. "
                  "2. 爱心充电. How often: 每天; March 1, 2026 to December 31, 2030. Part two") in text
    assert "免费茶水" not in text  # ended in May
    assert squash("8. This agreement takes effect when both parties have signed and stamped it.") in text


def test_the_certificate_carries_the_member_code_and_is_audited(db, shops):
    member = alliance.get_merchant(db, shops["阿明理发店"], actor=ADMIN).row
    pdf = alliance_print.merchant_certificate_pdf(db, member.id, actor=DESK_ACTOR)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
    text = flat(pdf)
    assert "阿明理发店" in text and "第一批" in text and member.member_code in text and "状元里党建+邻里中心" in text
    for service, frequency in (("长者义剪", "每月第一个周二上午"), ("爱心充电", "每天")):
        assert squash(_("{service} ({frequency})").format(service=service, frequency=frequency)) in text
    assert "免费茶水" not in text
    assert "2026年2月20日" in text  # valid from the day it joined
    assert alliance.find_by_certificate(db, alliance.CERTIFICATE_PREFIX + member.member_code).id == member.id
    printed = audit.query(db, actor=ADMIN, entity="merchant", entity_id=member.id, action="print")
    assert [(e.actor_name, e.summary) for e in printed] == [("前台小林", _("Window certificate of {name}").format(
        name="阿明理发店"))]


@pytest.mark.parametrize("name", ["老街药房", "新开面馆"])
def test_the_certificate_refuses_a_shop_that_is_not_a_member(db, shops, name):
    with pytest.raises(ValidationError) as err:
        alliance_print.merchant_certificate_pdf(db, shops[name], actor=DESK_ACTOR)
    assert name in err.value.fields["merchant"]


# -- the lists ------------------------------------------------------------------------------------

def test_the_roster_lists_the_members_by_batch_with_masked_phones(db, shops, english):
    text = flat(alliance_print.alliance_roster_pdf(db, actor=DESK_ACTOR))
    assert squash("Alliance roster Members: 3 第一批 · members: 2") in text
    assert squash("1 好邻居便利店 便利店 状元里3号 王店长 139****0002 February 20, 2026 1 Member") in text
    assert squash("2 阿明理发店 美发 状元里12号 陈阿明 138****0001 February 20, 2026 2 Member") in text
    assert squash("第二批 · members: 1 No.") in text and squash("Status 1 老街药房") in text and squash("黄药师 137****0005 July 10, 2026 0 Suspended") in text
    assert "新开面馆" not in text and squash("Phones are masked") in text


def test_the_roster_shows_whole_phones_to_an_administrator(db, shops):
    text = flat(alliance_print.alliance_roster_pdf(db, actor=ADMIN))
    assert "王店长13900000002" in text and "陈阿明13800000001" in text and "黄药师13700000005" in text


def test_the_complaint_ledger_lists_the_half_year_with_totals_and_the_rate(db, shops, english):
    text = flat(alliance_print.complaint_ledger_pdf(db, D(2026, 7, 1), D(2026, 12, 31), actor=DESK_ACTOR))
    assert squash("Complaint ledger July 1, 2026 to December 31, 2026") in text
    assert squash("1 August 9, 2026 老街药房 路人甲 136****0006 拒收积分券") in text
    assert squash("2 September 2, 2026 老街药房 林秀英 138****0003 药品过期 已下架并道歉 September 5, 2026") in text
    assert "排队时插队" not in text
    assert squash("Complaints: 2; resolved: 1; still open: 1.") in text
    # H2: 2 complaints / 3 members (老街药房 suspended still counts); H1: 1 / 2.
    assert squash("Complaint rate in the second half of 2026: on average 0.67 complaints per member shop (complaints "
                  "about members: 2; members: 3). Up 33.3% from the first half of 2026.") in text


def test_the_complaint_ledger_shows_whole_phones_to_an_administrator(db, shops):
    text = flat(alliance_print.complaint_ledger_pdf(db, D(2026, 1, 1), D(2026, 6, 30), actor=ADMIN))
    assert "林秀英13800000003排队时插队已向居民道歉2026年3月17日" in text and "老街药房" not in text


def test_the_ranking_averages_each_member_and_ties_share_a_rank(db, shops, english):
    text = flat(alliance_print.alliance_ranking_pdf(db, "2026-Q3", actor=DESK_ACTOR))
    assert squash("Alliance ranking Q3 2026 · members evaluated: 3") in text
    assert squash("Rank Merchant Evaluators Average " + " ".join(CRITERIA_NAMES)) in text
    assert squash("1 阿明理发店 2 9.00 9.50 9.00 8.50 9.00") in text
    assert squash("2 好邻居便利店 2 8.50 8.50 8.50 8.50 8.50 2 老街药房 2 8.50 8.50 8.50 8.50 8.50") in text


def test_a_quarter_without_evaluations_is_refused(db, shops):
    with pytest.raises(ValidationError) as err:
        alliance_print.alliance_ranking_pdf(db, "2026-Q2", actor=DESK_ACTOR)
    assert "2026-Q2" in err.value.fields["quarter"]


@pytest.mark.parametrize("actor", [Actor("访客", VIEWER)])
def test_a_viewer_prints_none_of_the_forms(db, shops, actor):
    for make in (lambda: alliance_print.merchant_application_pdf(db, shops["阿明理发店"], actor=actor),
                 lambda: alliance_print.merchant_agreement_pdf(db, shops["阿明理发店"], actor=actor),
                 lambda: alliance_print.merchant_certificate_pdf(db, shops["阿明理发店"], actor=actor),
                 lambda: alliance_print.alliance_roster_pdf(db, actor=actor),
                 lambda: alliance_print.complaint_ledger_pdf(db, D(2026, 7, 1), D(2026, 12, 31), actor=actor),
                 lambda: alliance_print.alliance_ranking_pdf(db, "2026-Q3", actor=actor)):
        with pytest.raises(PermissionDenied):
            make()


def test_a_grid_worker_may_not_print_the_ranking(db, shops):
    with pytest.raises(PermissionDenied):
        alliance_print.alliance_ranking_pdf(db, "2026-Q3", actor=Actor("网格员", GRID_WORKER))


def test_the_samples_name_a_member_a_quarter_and_a_half_year(db, shops):
    assert alliance_print.some_member(db) == ["--merchant", "阿明理发店"]
    assert alliance_print.some_quarter(db) == ["--quarter", "2026-Q3"]
    assert alliance_print.some_half_year(db) == ["--from", "2026-07-01", "--to", "2026-12-31"]


def test_an_unknown_merchant_is_not_found(db, shops):
    class Options:
        merchant = "没有这家店"

    with pytest.raises(NotFoundError):
        alliance_print.merchant_application_for(db, Options(), actor=DESK_ACTOR)


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def shops_db(tmp_path):
    path = tmp_path / "al.sqlite3"
    db = open_database(sqlite_url(path))
    try:
        ids = shops.__wrapped__(db)
    finally:
        db.dispose()
    return path, ids


def test_the_certificate_prints_from_the_command_line(shops_db, tmp_path, capsys):
    path, ids = shops_db
    out = tmp_path / "certificate.pdf"
    assert main(["--db", str(path), "print", "merchant-certificate", "--merchant", "阿明理发店", "-o", str(out)]) == 0
    text = flat(out.read_bytes())
    assert "阿明理发店" in text and "第一批" in text and "长者义剪" in text
    db = open_database(sqlite_url(path))
    try:
        code = alliance.get_merchant(db, ids["阿明理发店"], actor=ADMIN).row.member_code
    finally:
        db.dispose()
    assert code in text
    assert "Traceback" not in capsys.readouterr().err


def test_the_other_alliance_forms_print_from_the_command_line(shops_db, tmp_path, capsys):
    path, _ids = shops_db
    out = tmp_path / "form.pdf"
    for argv, expected in (
            (["merchant-application", "--merchant", "好邻居便利店"], "350581600123456"),
            (["merchant-agreement", "--merchant", "阿明理发店"], "长者义剪"),
            (["alliance-roster"], "老街药房"),
            (["complaint-ledger", "--from", "2026-07-01", "--to", "2026-12-31"], "拒收积分券"),
            (["alliance-ranking", "--quarter", "2026-Q3"], "阿明理发店")):
        assert main(["--db", str(path), "print", *argv, "-o", str(out)]) == 0, argv
        assert expected in flat(out.read_bytes()), argv
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["print", "merchant-certificate"], "--merchant"),
    (["print", "merchant-application"], "--merchant"),
    (["print", "merchant-agreement", "--merchant", "没有这家店"], "没有这家店"),
    (["print", "merchant-certificate", "--merchant", "新开面馆"], "新开面馆"),
    (["print", "merchant-certificate", "--merchant", "老街药房"], "老街药房"),
    (["print", "alliance-ranking"], "--quarter"),
    (["print", "alliance-ranking", "--quarter", "2026-Q5"], "2026-Q3"),
    (["print", "alliance-ranking", "--quarter", "2026-Q1"], "2026-Q1"),
    (["print", "complaint-ledger", "--from", "2026-12-01", "--to", "2026-11-01"], None),
])
def test_alliance_forms_user_errors_exit_2_with_one_line(shops_db, tmp_path, capsys, argv, message):
    path, _ids = shops_db
    out = tmp_path / "x.pdf"
    assert main(["--db", str(path), *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert (message or _("The period ends before it starts.")) in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert not out.exists()


# -- walk-through 2 -------------------------------------------------------------------------------

def test_the_roster_prints_batches_by_their_number(db, shops):
    _admit(db, shops["新开面馆"], D(2026, 11, 5), D(2026, 11, 10))  # 第三批: 三 sorts before 二 as text
    with db.session() as s:
        s.get(alliance.Merchant, shops["好邻居便利店"]).batch = "第十一批"
    rows = alliance_print.roster_rows(db)
    assert [r.batch for r in rows] == ["第一批", "第二批", "第三批", "第十一批"]
    text = flat(alliance_print.alliance_roster_pdf(db, actor=ADMIN))
    assert text.index("第一批") < text.index("第二批") < text.index("第三批") < text.index("第十一批")


def test_the_agreement_and_application_name_a_resident_contact(db, shops, english):
    text = flat(alliance_print.merchant_agreement_pdf(db, shops["阿明理发店"], actor=DESK_ACTOR))
    assert squash("Contact 陈阿明 13800000001") in text  # the contact is the registered resident 陈阿明
    text = flat(alliance_print.merchant_application_pdf(db, shops["阿明理发店"], actor=DESK_ACTOR))
    assert squash("Owner or contact 陈阿明 Contact phone 13800000001") in text
    info = alliance.get_merchant(db, shops["阿明理发店"], actor=DESK_ACTOR)
    assert info.contact_name == "" and info.contact_person == "陈阿明"  # what was entered stays apart


def test_a_certificate_without_services_leaves_the_services_out(db, shops):
    alliance.move(db, shops["老街药房"], "resume", actor=ADMIN, on=D(2026, 11, 1), today=TODAY)
    text = flat(alliance_print.merchant_certificate_pdf(db, shops["老街药房"], actor=DESK_ACTOR))
    assert "老街药房" in text and squash(_("Our public-benefit services:")) not in text
    assert squash(_("To be agreed with the centre")) not in text


def test_the_ledger_never_wraps_a_phone(db, shops):
    for actor, phone in ((DESK_ACTOR, "136****0006"), (ADMIN, "13600000006")):
        pages = pdf_text(alliance_print.complaint_ledger_pdf(db, D(2026, 7, 1), D(2026, 12, 31), actor=actor))
        assert any(phone in line for page in pages for line in page.splitlines()), phone


def test_the_ledger_says_resolved_and_open_and_averages_per_member(db, shops):
    text = flat(alliance_print.complaint_ledger_pdf(db, D(2026, 7, 1), D(2026, 12, 31), actor=ADMIN))
    assert squash(_("Complaints: {count}; resolved: {resolved}; still open: {open}.").format(
        count=2, resolved=1, open=1)) in text
    assert "0.67" in text and "33.3%" in text
