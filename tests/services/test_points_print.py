"""Volunteer points forms printed from entries made through the service (app/services/points_print.py),
and on the command line: `print points-statement|voucher|points-ledger`."""
import datetime as dt

import pytest

from app.cli import main
from app.db import open_database, sqlite_url
from app.errors import NotFoundError
from app.i18n import _
from app.reports import toolkit
from app.services import audit, centre, points, points_print, residents
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.points import EarnInput, VoucherTypeInput
from app.services.residents import ResidentInput
from app.services.validators import check_char
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text

# The forms' English is asserted word for word (the Chinese catalogue is checked by test_i18n).
pytestmark = pytest.mark.usefixtures("english")

D = dt.date
T = dt.datetime


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


def build(db) -> dict:
    """林秀英: +20 on 20 October (环境整治 2 h); in November +15 (环境整治 1 h 30 min, later reversed: the wrong
    person), +30 (平安巡逻 3 h), a 理发服务券 for 50, the reversal (-15), +20 (邻里调解 once): closing 20.
    陈阿明: +30 (the same patrol), a 粮油兑换券 for 20 redeemed at the centre the next day: 10."""
    centre.save_centre(db, centre.CentreInfo("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678"), actor=ADMIN)
    ids = {}
    for name, first17 in (("林秀英", "35058119560101002"), ("陈阿明", "35058119800202001")):
        ids[name] = residents.add_resident(db, ResidentInput(name=name, gender="F" if name == "林秀英" else "M",
                                                             id_number=first17 + check_char(first17),
                                                             estate="状元里小区"), actor=ADMIN)
    points.seed(db, actor=ADMIN)
    types = {t.name: t.id for t in points.list_service_types(db)}
    clean, patrol, mediation = types["Environmental clean-up"], types["Safety patrol"], types["Neighbourhood mediation"]
    lin, chen = ids["林秀英"], ids["陈阿明"]
    today = D(2026, 11, 30)
    points.earn(db, EarnInput(lin, clean, D(2026, 10, 20), minutes=120), actor=ADMIN, today=today)
    ids["wrong"] = points.earn(db, EarnInput(lin, clean, D(2026, 11, 7), minutes=90, note="清理楼道"), actor=ADMIN,
                               today=today)
    points.earn_many(db, [lin, chen], patrol, D(2026, 11, 10), minutes=180, actor=ADMIN, today=today)
    haircut = points.add_voucher_type(db, VoucherTypeInput(
        name="理发服务券", kind=points.SERVICE, points=50, valid_from=D(2026, 1, 1), valid_to=D(2030, 12, 31),
        description="凭券免费理发一次"), actor=ADMIN)
    rice = points.add_voucher_type(db, VoucherTypeInput(
        name="粮油兑换券", kind=points.GOODS, points=20, valid_from=D(2026, 1, 1), valid_to=D(2030, 12, 31)),
        actor=ADMIN)
    ids["haircut"] = points.issue_voucher(db, lin, haircut, actor=ADMIN, at=T(2026, 11, 12, 10, 30)).code
    ids["reversal"] = points.reverse(db, ids["wrong"], "登记错了人", actor=ADMIN, today=D(2026, 11, 13))
    points.earn(db, EarnInput(lin, mediation, D(2026, 11, 20), occasions=1), actor=ADMIN, today=today)
    ids["rice"] = points.issue_voucher(db, chen, rice, actor=ADMIN, at=T(2026, 11, 15, 9)).code
    points.redeem(db, ids["rice"], actor=ADMIN, at=T(2026, 11, 16, 14))
    return ids


@pytest.fixture
def book(db):
    return build(db)


def test_the_statement_reads_back_with_its_running_balance_and_the_reversal(db, book, english):
    pdf = points_print.points_statement_pdf(db, book["林秀英"], D(2026, 11, 1), D(2026, 11, 30), actor=ADMIN)
    text = flat(pdf)
    wrong, reversal = book["wrong"], book["reversal"]
    assert squash("林秀英 · November 1, 2026 to November 30, 2026") in text
    assert squash("Opening balance 20 points") in text and squash("Closing balance 20 points") in text
    assert squash(f"{wrong} November 7, 2026 Earned (reversed) Environmental clean-up 1 h 30 min +15 35 清理楼道; "
                  f"Reversed by entry {reversal}") in text
    assert squash("November 10, 2026 Earned Safety patrol 3 h +30 65") in text
    assert squash(f"November 12, 2026 Voucher 理发服务券 {book['haircut']} -50 15") in text
    assert squash(f"{reversal} November 13, 2026 Reversal Reverses entry {wrong} -15 0 登记错了人") in text
    assert squash("November 20, 2026 Earned Neighbourhood mediation 1 times +20 20") in text
    assert squash("Closing balance 20") in text
    assert squash("In this period: Earned +65, Voucher -50, Reversal -15.") in text
    assert "October" not in text  # before the period: in the opening balance only


def test_an_open_statement_starts_at_zero_and_covers_every_entry(db, book, english):
    text = flat(points_print.points_statement_pdf(db, book["林秀英"], actor=ADMIN))
    assert squash("林秀英 · All entries") in text and squash("Opening balance 0 points") in text
    assert squash("October 20, 2026 Earned Environmental clean-up 2 h +20 20") in text


def test_the_voucher_slip_has_the_code_and_its_qr_payload_and_is_audited(db, book, english, monkeypatch):
    payloads = []
    real = toolkit.qr_drawing
    monkeypatch.setattr(toolkit, "qr_drawing", lambda payload, size: payloads.append(payload) or real(payload, size))
    code = book["haircut"]
    text = flat(points_print.voucher_slip_pdf(db, "ndv：" + code.lower(), actor=ADMIN))  # as scanned, any case
    for value in ("理发服务券", "Service voucher · 50 points", "Honoured by: 状元里党建+邻里中心", "Holder: 林秀英",
                  "Voucher issued on: November 12, 2026", "Good until: December 31, 2030", "凭券免费理发一次", code,
                  "One use only"):
        assert squash(value) in text, value
    assert payloads == [f"NDV:{code}"]
    [row] = audit.query(db, actor=ADMIN, action="print")
    assert row.entity == "points_voucher" and "理发服务券" in row.summary and code not in row.summary


def test_a_redeemed_voucher_prints_with_its_status(db, book, english):
    text = flat(points_print.voucher_slip_pdf(db, book["rice"], actor=ADMIN))
    assert "粮油兑换券" in text and "Redeemed" in text


def test_the_ledger_has_every_entry_of_the_month_and_its_totals(db, book, english):
    text = flat(points_print.points_ledger_pdf(db, D(2026, 11, 18), actor=ADMIN))
    assert squash("2026-11 · entries: 7") in text and "October" not in text
    assert squash(f"November 15, 2026 陈阿明 Voucher 粮油兑换券 {book['rice']} -20") in text
    assert squash("Totals by kind of entry Kind Entries Points Earned 4 +95 Voucher 2 -70 Reversal 1 -15 "
                  "Total 7 +10") in text
    assert squash("Points earned by service type Service type Entries Points Environmental clean-up 1 +15 "
                  "Neighbourhood mediation 1 +20 Safety patrol 2 +60 Total 4 +95") in text


def test_the_forms_need_their_permissions_and_a_real_voucher(db, book):
    viewer = Actor("来访者", VIEWER)
    with pytest.raises(PermissionDenied):
        points_print.points_statement_pdf(db, book["林秀英"], actor=viewer)
    with pytest.raises(PermissionDenied):
        points_print.voucher_slip_pdf(db, book["haircut"], actor=viewer)
    with pytest.raises(PermissionDenied):
        points_print.points_ledger_pdf(db, D(2026, 11, 1), actor=viewer)
    with pytest.raises(NotFoundError):
        points_print.voucher_slip_pdf(db, "ABCDEFGHJK", actor=ADMIN)


def test_the_samples_name_a_volunteer_a_voucher_and_a_month(db, book):
    assert points_print.some_volunteer(db) == ["--resident", str(book["林秀英"])]
    assert points_print.some_voucher(db) == ["--code", book["haircut"]]
    assert points_print.some_month(db) == ["--month", "2026-11"]


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def book_db(tmp_path):
    path = tmp_path / "pt.sqlite3"
    db = open_database(sqlite_url(path))
    try:
        ids = build(db)
    finally:
        db.dispose()
    return path, ids


def test_a_voucher_prints_from_the_command_line(book_db, tmp_path, capsys, monkeypatch):
    payloads = []
    real = toolkit.qr_drawing
    monkeypatch.setattr(toolkit, "qr_drawing", lambda payload, size: payloads.append(payload) or real(payload, size))
    path, ids = book_db
    out = tmp_path / "voucher.pdf"
    assert main(["--db", str(path), "print", "voucher", "--code", ids["haircut"], "-o", str(out)]) == 0
    text = flat(out.read_bytes())
    assert "理发服务券" in text and "林秀英" in text and ids["haircut"] in text
    assert payloads == ["NDV:" + ids["haircut"]]
    assert "Traceback" not in capsys.readouterr().err


def test_the_statement_and_the_ledger_print_from_the_command_line(book_db, tmp_path, capsys):
    path, ids = book_db
    out = tmp_path / "form.pdf"
    for argv, expected in (
            (["points-statement", "--resident", str(ids["林秀英"]), "--from", "2026-11-01", "--to", "2026-11-30"],
             "登记错了人"),
            (["points-statement", "--resident", str(ids["陈阿明"])], "粮油兑换券"),
            (["points-ledger", "--month", "2026-11"], "陈阿明")):
        assert main(["--db", str(path), "print", *argv, "-o", str(out)]) == 0, argv
        assert expected in flat(out.read_bytes()), argv
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["print", "voucher"], "--code"),
    (["print", "voucher", "--code", "ABCDEFGHJK"], "ABCDEFGHJK"),
    (["print", "points-statement"], "--resident"),
    (["print", "points-statement", "--resident", "1", "--resident", "2"], "--resident"),
    (["print", "points-statement", "--resident", "999"], None),
    (["print", "points-statement", "--resident", "1", "--from", "2026-12-01", "--to", "2026-11-01"], None),
    (["print", "points-ledger"], "--month"),
    (["print", "points-ledger", "--month", "2026-13"], "2026-13"),
])
def test_points_forms_user_errors_exit_2_with_one_line(book_db, tmp_path, capsys, argv, message):
    path, _ids = book_db
    out = tmp_path / "x.pdf"
    assert main(["--db", str(path), *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    if message is None:
        assert _("The chosen resident no longer exists.") in err or _("The period ends before it starts.") in err
    else:
        assert message in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert not out.exists()
