"""`print daycare-sign-in|kitchen-order|meal-bills|daycare-month` on the command line."""
import datetime as dt

import pytest

from app.cli import main
from app.db import open_database, sqlite_url
from tests.reports.conftest import pdf_text


@pytest.fixture
def centre_db(tmp_path):
    """A database with the hand-built November of tests/reports/test_daycare_forms.py."""
    from tests.reports import test_daycare_forms as forms

    path = tmp_path / "dc.sqlite3"
    db = open_database(sqlite_url(path))
    try:
        ids = forms.month.__wrapped__(db)
    finally:
        db.dispose()
    return path, ids


def flat(path) -> str:
    return "".join("".join(pdf_text(path.read_bytes())).split())


def test_the_four_forms_print_from_the_command_line(centre_db, tmp_path, capsys):
    db, ids = centre_db
    out = tmp_path / "f.pdf"
    assert main(["--db", str(db), "print", "daycare-sign-in", "--date", "2026-11-25", "-o", str(out)]) == 0
    assert "日间照料签到表" in flat(out) and "3王奶奶失能" in flat(out)
    assert main(["--db", str(db), "print", "kitchen-order", "--date", "2026-11-25", "-o", str(out)]) == 0
    assert "午餐：共3份" in flat(out)
    assert main(["--db", str(db), "print", "meal-bills", "--month", "2026-11", "-o", str(out)]) == 0
    assert "3份账单·应缴合计270.00元" in flat(out)
    assert main(["--db", str(db), "print", "meal-bills", "--month", "２０２６-11", "--resident", str(ids["林阿公"]),
                 "-o", str(out)]) == 0
    assert "1份账单·应缴合计80.00元" in flat(out) and "陈阿婆" not in flat(out)
    assert main(["--db", str(db), "print", "daycare-month", "--month", "2026-11", "-o", str(out)]) == 0
    assert "补贴支出（元）63.00" in flat(out)
    assert "Traceback" not in capsys.readouterr().err


def test_member_cards_for_the_enrolled_elders(centre_db, tmp_path, capsys):
    from app.services import residents
    from tests.conftest import ADMIN

    path, ids = centre_db
    db = open_database(sqlite_url(path))
    residents.add_resident(db, residents.ResidentInput(name="张小明", gender="男"), actor=ADMIN)  # not an elder
    db.dispose()
    out = tmp_path / "cards.pdf"
    assert main(["--db", str(path), "print", "member-cards", "--daycare", "-o", str(out)]) == 0
    text = flat(out)
    assert "林阿公" in text and "陈阿婆" in text and "王奶奶" in text and "张小明" not in text
    assert main(["--db", str(path), "print", "member-cards", "-o", str(out)]) == 0
    assert "张小明" in flat(out)


@pytest.mark.parametrize("argv, message", [
    (["print", "daycare-sign-in"], "--date"),
    (["print", "kitchen-order"], "--date"),
    (["print", "meal-bills"], "--month"),
    (["print", "daycare-month"], "--month"),
    (["print", "meal-bills", "--month", "2026-13"], "2026-13"),
    (["print", "daycare-month", "--month", "11/2026"], "11/2026"),
    (["print", "meal-bills", "--month", "2026-10"], "2026-10"),         # no price set for October
    (["print", "meal-bills", "--month", "2026-11", "--resident", "999999"], ""),
])
def test_daycare_forms_user_errors_exit_2_with_one_line(centre_db, tmp_path, capsys, argv, message):
    db, _ids = centre_db
    out = tmp_path / "x.pdf"
    assert main(["--db", str(db), *argv, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.strip() and captured.err.strip().count("\n") == 0
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()


def test_a_missing_date_is_refused_before_the_database_is_opened(tmp_path, capsys):
    db = tmp_path / "new.sqlite3"
    assert main(["--db", str(db), "print", "kitchen-order", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "--date" in capsys.readouterr().err
    assert not db.exists()
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(db), "print", "kitchen-order", "--date", "2026-11-31", "-o", str(tmp_path / "x.pdf")])
    assert exit_.value.code == 2 and "2026-11-31" in capsys.readouterr().err


def test_the_samples_print_today_and_this_month():
    from app.services import daycare_print

    assert daycare_print.some_day(None) == ["--date", dt.date.today().isoformat()]
    assert daycare_print.some_month(None) == ["--month", dt.date.today().strftime("%Y-%m")]


def test_member_cards_for_elders_when_nobody_is_enrolled(tmp_path, capsys):
    path = tmp_path / "empty.sqlite3"
    open_database(sqlite_url(path)).dispose()
    assert main(["--db", str(path), "print", "member-cards", "--daycare", "-o", str(tmp_path / "c.pdf")]) == 2
    err = capsys.readouterr().err
    assert "“全部居民”中没有在日间照料登记的长者" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c.pdf").exists()
