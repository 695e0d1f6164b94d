from sqlalchemy import func, select

from app.models import FamilyLink, Grid, Resident
from app.services import centre, demo, residents
from app.services.validators import parse_id_number


def test_village_demo_is_realistic_and_repeatable(db):
    summary = demo.fill_demo(db, "village", seed=3)
    assert summary.added and summary.residents == 1500
    with db.session() as s:
        assert s.scalar(select(func.count(Resident.id))) == 1500
        sample = s.scalars(select(Resident).where(Resident.id_number.is_not(None)).limit(200)).all()
        links = s.scalar(select(func.count(FamilyLink.id)))
        levels = dict(s.execute(select(Grid.level, func.count(Grid.id)).group_by(Grid.level)).all())
    for r in sample:
        info = parse_id_number(r.id_number)
        assert (info.birth_date, info.gender) == (r.birth_date, r.gender)
    assert links > 500 and links % 2 == 0
    assert levels == {1: 1, 2: 3, 3: 6}
    assert centre.get_centre(db).name == "莲坂村党建+邻里中心"
    assert residents.search_ids(db, "chen")  # pinyin keys were computed
    again = demo.fill_demo(db, "village", seed=3)
    assert not again.added
    assert residents.count_residents(db, include_inactive=True) == 1500


def test_town_scale_has_23_estates_and_39_sub_grids(db):
    assert len(demo.TOWN["estates"]) == 23
    assert sum(len(subs) for subs in demo.TOWN["grids"].values()) == 39
    assert demo.TOWN["residents"] == 26000
    assert {"宝源花园", "龙湖嘉天下", "融创江南府"} <= set(demo.TOWN["estates"])
