"""Activity forms printed from activities recorded through the service (app/services/activities_print.py):
the sign-in sheet of one activity and the ledger of a period, their command-line adapters (as
`print activity-sign-in --activity ID` and `print activity-ledger --from --to` call them) and the
options the bundle's smoke test prints them with."""
import argparse
import datetime as dt

import pytest

from app.errors import DeskError, NotFoundError, ValidationError
from app.services import activities, activities_print, centre, residents
from app.services.access import VIEWER, Actor, PermissionDenied
from app.services.activities import ActivityInput, PartnerInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.usefixtures("english")

D, T = dt.date, dt.time


def squash(text: str) -> str:
    return "".join(text.split())


def flat(pdf: bytes) -> str:
    return squash("".join(pdf_text(pdf)))


def options(**values) -> argparse.Namespace:
    return argparse.Namespace(**{"activity": None, "date_from": None, "date_to": None, **values})


@pytest.fixture
def book(db) -> dict:
    """October 2026: 重阳节义诊 on the 29th (2 registered, 12 others, 镇卫生院), 广场舞联谊 on the 3rd (30 others);
    防诈骗讲座 on 2 November (1 registered)."""
    centre.save_centre(db, centre.CentreInfo("状元里党建+邻里中心", "石狮市湖滨街道状元里", "0595-88885678"), actor=ADMIN)
    activities.seed(db, actor=ADMIN)
    kinds = {c.name: c.id for c in activities.choices.list_choices(db, activities.ACTIVITY_TYPES)}
    people = {name: residents.add_resident(db, ResidentInput(name=name, phone=phone), actor=ADMIN)
              for name, phone in (("林秀英", "13812345678"), ("蔡良剑", "13900001111"))}

    def add(day, title, kind, group, headcount, who, **more):
        aid = activities.add_activity(db, ActivityInput(held_on=day, title=title, activity_type_id=kinds[kind],
                                                        target_group=group, headcount=headcount, **more), actor=ADMIN)
        activities.add_participants(db, aid, [people[n] for n in who], actor=ADMIN)
        return aid

    return {
        "clinic": add(D(2026, 10, 29), "重阳节义诊", "义诊", "elderly", 12, ["林秀英", "蔡良剑"], starts_at=T(9),
                      ends_at=T(11, 30), venue="二楼多功能厅", organiser="社工小林",
                      partners=[PartnerInput("body", "镇卫生院")]),
        "dance": add(D(2026, 10, 3), "广场舞联谊", "文体", "everyone", 30, []),
        "talk": add(D(2026, 11, 2), "防诈骗讲座", "讲座", "everyone", 0, ["林秀英"]),
    }


def test_the_sign_in_sheet_of_an_activity(db, book):
    pdf = activities_print.activity_sign_in_for(db, options(activity=book["clinic"]), actor=ADMIN)
    text = flat(pdf)
    assert squash("状元里党建+邻里中心") in text and squash("Activity sign-in sheet") in text
    for pair in ("Activity 重阳节义诊", "Type 义诊", "Date October 29, 2026 Thursday", "Time 09:00–11:30",
                 "Venue 二楼多功能厅", "Organiser 社工小林", "Target group Elderly (一老)", "Partners 镇卫生院"):
        assert squash(pair) in text, pair
    assert squash("1 蔡良剑 139****1111 2 林秀英 138****5678 3 4") in text  # masked, in pinyin order
    assert "13812345678" not in text
    assert squash("Registered participants: 2") in text


def test_the_ledger_of_a_period_with_its_totals(db, book):
    pdf = activities_print.activity_ledger_for(db, options(date_from=D(2026, 10, 1), date_to=D(2026, 10, 31)),
                                               actor=ADMIN)
    text = flat(pdf)
    assert squash("October 1, 2026 to October 31, 2026 · 2 activities") in text
    assert squash("1 10/3/26 广场舞联谊 文体 Everyone 0 30 30") in text
    assert squash("2 10/29/26 09:00–11:30 重阳节义诊 义诊 Elderly (一老) 二楼多功能厅 镇卫生院 2 12 14") in text
    assert squash("Total 2 activities 2 42 44") in text
    assert "防诈骗讲座" not in text  # November


def test_refusals(db, book):
    with pytest.raises(DeskError, match="--activity"):
        activities_print.activity_sign_in_for(db, options(), actor=ADMIN)
    with pytest.raises(NotFoundError):
        activities_print.sign_in_sheet_pdf(db, 999999, actor=ADMIN)
    with pytest.raises(ValidationError):
        activities_print.activity_ledger_pdf(db, D(2026, 11, 1), D(2026, 10, 1), actor=ADMIN)
    viewer = Actor("访客", VIEWER)
    with pytest.raises(PermissionDenied):
        activities_print.sign_in_sheet_pdf(db, book["clinic"], actor=viewer)
    with pytest.raises(PermissionDenied):
        activities_print.activity_ledger_pdf(db, actor=viewer)


def test_the_samples_print_each_form(db, book):
    assert activities_print.some_activity(db) == ["--activity", str(book["clinic"])]  # the most participants
    assert activities_print.some_activity_month(db) == ["--from", "2026-11-01", "--to", "2026-11-30"]


def test_samples_of_an_empty_ledger(db):
    assert activities_print.some_activity(db) == [] and activities_print.some_activity_month(db) == []
