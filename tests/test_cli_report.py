"""`report monthly YYYY-MM` and `report annual YYYY` on the command line."""
import pytest
from openpyxl import load_workbook

from app.cli import main
from app.db import open_database, sqlite_url
from tests.reports.conftest import pdf_text
from tests.services.test_report import with_activities  # noqa: F401 - the activities' section, until integrated


@pytest.fixture
def centre_db(tmp_path):
    """A database with the hand-built centre of tests/services/test_report.py."""
    from tests.services import test_report

    path = tmp_path / "report.sqlite3"
    db = open_database(sqlite_url(path))
    try:
        test_report.centre.__wrapped__(db)
    finally:
        db.dispose()
    return path


def flat(path) -> str:
    return "".join("".join(pdf_text(path.read_bytes())).split())


def test_the_monthly_report_with_its_workbook(centre_db, tmp_path, capsys):
    pdf, book = tmp_path / "月报.pdf", tmp_path / "月报.xlsx"
    assert main(["--db", str(centre_db), "report", "monthly", "2026-11", "-o", str(pdf), "--xlsx", str(book),
                 "--notes", "本月重阳节活动较多"]) == 0
    text = flat(pdf)
    assert "本月重阳节活动较多" in text
    for name in ("便民服务", "日间照料", "四点半课堂", "爱心商铺", "共治积分"):
        assert name in text
    wb = load_workbook(book)
    cover = {row[0]: row[1] for row in wb[wb.sheetnames[0]].iter_rows(min_row=2, values_only=True)}
    assert "本月重阳节活动较多" in cover.values()
    assert len(wb.sheetnames) == 7  # the cover and six sections
    out = capsys.readouterr()
    assert str(pdf) in out.out and str(book) in out.out and "Traceback" not in out.err


def test_the_annual_report(centre_db, tmp_path, capsys):
    pdf, book = tmp_path / "年报.pdf", tmp_path / "年报.xlsx"
    assert main(["--db", str(centre_db), "report", "annual", "2026", "-o", str(pdf), "--xlsx", str(book)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and "便民服务" in flat(pdf)
    assert len(load_workbook(book).sheetnames) == 7


@pytest.mark.parametrize("argv", [["monthly", "2026-13"], ["monthly", "abc"], ["monthly", "2999-01"],
                                  ["annual", "2999"], ["annual", "26"]])
def test_bad_periods_are_refused_before_the_database_is_opened(tmp_path, capsys, argv):
    missing = tmp_path / "none.sqlite3"
    out = tmp_path / "r.pdf"
    assert main(["--db", str(missing), "report", *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not missing.exists() and not out.exists()


def test_the_output_is_required(centre_db, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(centre_db), "report", "monthly", "2026-11"])
    assert exit_.value.code == 2


def test_prepared_by_is_blank_or_the_name_given_never_the_login_name(centre_db, tmp_path, monkeypatch):
    import getpass

    from app.services import report

    login = getpass.getuser()
    made = []
    real = report.monthly
    monkeypatch.setattr(report, "monthly", lambda *a, **k: made.append(k["prepared_by"]) or real(*a, **k))
    assert main(["--db", str(centre_db), "report", "monthly", "2026-11", "-o", str(tmp_path / "a.pdf")]) == 0
    assert main(["--db", str(centre_db), "report", "monthly", "2026-11", "-o", str(tmp_path / "b.pdf"),
                 "--prepared-by", " 王芳 "]) == 0
    assert made == ["", "王芳"]
    assert "王芳" in flat(tmp_path / "b.pdf")
    assert login not in made
