"""The activity ledger: the rules of an activity (per-field messages), partners, participants by list and by
scan, crediting points in one step, the stale-form check, permissions, audit rows, and figures on a
hand-built month with known answers."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import NotFoundError, ValidationError
from app.models import Activity, ActivityParticipant, ActivityPartner, AuditLog, LedgerEntry, PointsAccount
from app.services import activities, alliance, audit, points, residents
from app.services.access import DESK, GRID_WORKER, VIEWER, Actor, PermissionDenied
from app.services.activities import ActivityInput, PartnerInput
from app.services.alliance import MerchantInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

D = dt.date
TODAY = D(2026, 11, 20)
DESK_ACTOR = Actor("前台小林", DESK)
GRID_ACTOR = Actor("网格员老黄", GRID_WORKER)
VIEWER_ACTOR = Actor("来访者", VIEWER)


@pytest.fixture
def kinds(db):
    activities.seed(db, actor=ADMIN)
    return {row.name: row.id for row in choices_of(db)}


def choices_of(db):
    from app.services import choices
    return choices.list_choices(db, activities.ACTIVITY_TYPES)


def person(db, name, phone="", id_number="") -> int:
    return residents.add_resident(db, ResidentInput(name=name, phone=phone, id_number=id_number), actor=ADMIN)


def activity(kinds, **changes) -> ActivityInput:
    values = dict(held_on=D(2026, 11, 5), title="重阳节义诊", activity_type_id=kinds["义诊"], target_group="elderly",
                  starts_at=dt.time(9), ends_at=dt.time(11, 30), venue="邻里中心一楼", organiser="林丽华", headcount=12)
    values.update(changes)
    return ActivityInput(**values)


def trail(db, entity):
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(AuditLog.action, AuditLog.entity_id, AuditLog.changes)
                                            .where(AuditLog.entity == entity).order_by(AuditLog.id))]


def test_seed_adds_the_default_kinds_once(db):
    assert activities.seed(db, actor=ADMIN) == len(activities.DEFAULT_TYPES)
    assert activities.seed(db, actor=ADMIN) == 0
    assert [c.name for c in choices_of(db)] == list(activities.DEFAULT_TYPES)
    assert len(trail(db, "activity_type")) == len(activities.DEFAULT_TYPES)


def test_an_activity_is_recorded_listed_and_read_back(db, kinds):
    aid = activities.add_activity(db, activity(kinds, partners=[
        PartnerInput("team", "红马甲志愿服务队"), PartnerInput("body", " 石狮市医院 ")]), actor=DESK_ACTOR, today=TODAY)
    [row] = activities.list_activities(db)
    assert (row.id, row.title, row.activity_type, row.target_group, row.partners, row.registered, row.headcount,
            row.person_times) == (aid, "重阳节义诊", "义诊", "elderly", "红马甲志愿服务队、石狮市医院", 0, 12, 12)
    assert row.target_group_label == activities.group_label("elderly")
    detail = activities.get_activity(db, aid)
    assert detail.data.starts_at == dt.time(9) and detail.data.partners[1].name == "石狮市医院"
    assert detail.participants == [] and detail.updated_at is not None
    [(action, entity_id, changes)] = trail(db, "activity")
    assert action == "create" and entity_id == aid and "石狮市医院" in changes
    text = audit.describe_changes("activity", {"activity_type_id": [None, kinds["义诊"]],
                                               "target_group": [None, "elderly"]})
    assert activities.group_label("elderly") in text


def test_each_wrong_field_has_its_own_message(db, kinds):
    with pytest.raises(ValidationError) as e:
        activities.add_activity(db, ActivityInput(held_on=None, title=" ", activity_type_id=999999,
                                                  target_group="old", starts_at=dt.time(10), ends_at=dt.time(9),
                                                  headcount=-1, venue="x" * 101,
                                                  partners=[PartnerInput("merchant", merchant_id=999999)]),
                                actor=ADMIN, today=TODAY)
    assert set(e.value.fields) == {"held_on", "title", "activity_type_id", "target_group", "ends_at", "headcount",
                                   "venue", "partners"}
    assert all(e.value.fields.values())
    for changes, key in ((dict(headcount=True), "headcount"), (dict(headcount=100000), "headcount"),
                         (dict(held_on=D(1999, 1, 1)), "held_on"), (dict(held_on=TODAY + dt.timedelta(days=400)),
                                                                     "held_on"),
                         (dict(title="题" * 101), "title"), (dict(partners=[PartnerInput("team", "")]), "partners"),
                         (dict(partners=[PartnerInput("club", "某某")]), "partners"),
                         (dict(starts_at=None, ends_at=dt.time(10)), "starts_at"),
                         (dict(ends_at=dt.time(9)), "ends_at")):
        with pytest.raises(ValidationError) as e:
            activities.add_activity(db, activity(kinds, **changes), actor=ADMIN, today=TODAY)
        assert set(e.value.fields) == {key}, changes
    with db.session() as s:
        assert s.scalar(select(func.count(Activity.id))) == 0


def test_a_partner_merchant_must_exist_and_gives_its_name(db, kinds):
    alliance.seed(db, actor=ADMIN)
    mid = alliance.add_merchant(db, MerchantInput(name="老王理发店", licence_number="350582600123456",
                                                  contact_name="王建国", contact_phone="13800000009", applied_on=D(2026, 1, 5)),
                                actor=ADMIN, today=TODAY)
    aid = activities.add_activity(db, activity(kinds, partners=[PartnerInput("merchant", merchant_id=mid),
                                                                PartnerInput("merchant", merchant_id=mid)]),
                                  actor=ADMIN, today=TODAY)
    assert activities.get_activity(db, aid).row.partners == "老王理发店"  # named from the alliance, once
    assert [r.id for r in activities.list_activities(db, query="理发")] == [aid]


def test_a_retired_kind_is_kept_by_its_activities_but_not_offered(db, kinds):
    from app.services import choices
    aid = activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)
    choices.set_choice_active(db, activities.ACTIVITY_TYPES, kinds["义诊"], False, actor=ADMIN)
    activities.update_activity(db, aid, activity(kinds, title="义诊（改）"), actor=ADMIN, today=TODAY)
    with pytest.raises(ValidationError) as e:
        activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)
    assert set(e.value.fields) == {"activity_type_id"}


def test_update_is_audited_and_a_stale_form_is_refused(db, kinds):
    aid = activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)
    loaded = activities.get_activity(db, aid).updated_at
    activities.update_activity(db, aid, activity(kinds, headcount=20, partners=[PartnerInput("team", "巾帼志愿队")]),
                               actor=DESK_ACTOR, loaded_at=loaded, today=TODAY)
    detail = activities.get_activity(db, aid)
    assert detail.row.headcount == 20 and detail.row.partners == "巾帼志愿队"
    action, _id, changes = trail(db, "activity")[-1]
    assert action == "update" and "headcount" in changes and "巾帼志愿队" in changes
    with pytest.raises(ValidationError) as e:  # the form loaded before that save
        activities.update_activity(db, aid, activity(kinds, headcount=5), actor=ADMIN, loaded_at=loaded, today=TODAY)
    assert set(e.value.fields) == {"updated_at"}
    before = len(trail(db, "activity"))
    activities.update_activity(db, aid, detail.data, actor=ADMIN, loaded_at=detail.updated_at, today=TODAY)
    assert len(trail(db, "activity")) == before  # saved unchanged: nothing recorded
    assert activities.get_activity(db, aid).updated_at == detail.updated_at
    with pytest.raises(NotFoundError):
        activities.update_activity(db, 999999, activity(kinds), actor=ADMIN)


def test_participants_by_list_and_by_scan(db, kinds):
    aid = activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)
    a = person(db, "陈阿婆", "13800000001")
    b = person(db, "林阿公")
    c = person(db, "黄奶奶", "13800000003")
    assert activities.add_participants(db, aid, [a, b, a], actor=GRID_ACTOR) == 2
    assert activities.add_participants(db, aid, [a, b], actor=GRID_ACTOR) == 0  # already there
    code = residents.get_resident(db, c).member_code
    row = activities.add_participant_by_scan(db, aid, f"ND:{code}", actor=DESK_ACTOR)
    assert (row.resident_id, row.name, row.phone_masked, row.points, row.added) == (c, "黄奶奶", "138****0003", None,
                                                                                    True)
    assert activities.add_participant_by_scan(db, aid, code, actor=DESK_ACTOR).added is False
    with pytest.raises(ValidationError):
        activities.add_participant_by_scan(db, aid, "ND:NOSUCHCD", actor=DESK_ACTOR)
    detail = activities.get_activity(db, aid)
    assert {p.resident_id for p in detail.participants} == {a, b, c}
    assert detail.row.registered == 3 and detail.row.person_times == 15
    activities.remove_participant(db, aid, b, actor=DESK_ACTOR)
    with pytest.raises(NotFoundError):
        activities.remove_participant(db, aid, b, actor=DESK_ACTOR)
    assert [x[0] for x in trail(db, "activity_participant")] == ["create"] * 3 + ["delete"]
    residents.deactivate_resident(db, b, actor=ADMIN)
    with pytest.raises(ValidationError) as e:
        activities.add_participants(db, aid, [b], actor=ADMIN)
    assert "林阿公" in e.value.fields["resident_ids"]
    with pytest.raises(ValidationError):
        activities.add_participants(db, aid, [999999], actor=ADMIN)


def test_a_scanned_id_number_finds_the_resident(db, kinds):
    from app.services.validators import check_char
    first17 = "35058119450506123"
    number = first17 + check_char(first17)
    rid = person(db, "蔡良剑", id_number=number)
    aid = activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)
    assert activities.add_participant_by_scan(db, aid, number, actor=ADMIN).resident_id == rid


def test_points_are_credited_once_to_each_participant_in_one_step(db, kinds):
    points.seed(db, actor=ADMIN)
    types = {t.name: t for t in points.list_service_types(db)}
    helper = next(t for t in types.values() if t.unit == points.HOUR and t.points == 5)  # 活动志愿服务, 5/h
    mediation = next(t for t in types.values() if t.unit == points.OCCASION and t.points == 20)
    aid = activities.add_activity(db, activity(kinds), actor=ADMIN, today=TODAY)  # 09:00–11:30
    a, b = person(db, "陈阿婆"), person(db, "林阿公")
    activities.add_participants(db, aid, [a, b], actor=ADMIN)
    with pytest.raises(PermissionDenied):  # crediting needs POINTS_EARN too
        activities.credit_points(db, aid, helper.id, actor=VIEWER_ACTOR, today=TODAY)
    assert activities.credit_points(db, aid, helper.id, actor=DESK_ACTOR, today=TODAY) == 2
    assert points.balance(db, a) == 13  # 5 × 150 / 60 = 12.5, rounded half up
    c = person(db, "黄奶奶")
    activities.add_participants(db, aid, [c], actor=ADMIN)
    assert activities.credit_points(db, aid, mediation.id, actor=DESK_ACTOR, quantity=2, today=TODAY) == 1
    assert activities.credit_points(db, aid, mediation.id, actor=DESK_ACTOR, today=TODAY) == 0
    assert points.balance(db, c) == 40 and points.balance(db, a) == 13
    by_person = {p.resident_id: p.points for p in activities.get_activity(db, aid).participants}
    assert by_person == {a: 13, b: 13, c: 40}
    with db.session() as s:
        entries = list(s.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))
        linked = set(s.scalars(select(ActivityParticipant.points_entry_id)))
    assert {e.id for e in entries} == linked and all(e.day == D(2026, 11, 5) and e.note == "重阳节义诊"
                                                     for e in entries)
    assert len(trail(db, "points_entry")) == 3
    # Credited: neither the participant nor the activity can be removed any more.
    with pytest.raises(ValidationError):
        activities.remove_participant(db, aid, a, actor=ADMIN)
    with pytest.raises(ValidationError):
        activities.delete_activity(db, aid, actor=ADMIN)


def test_crediting_is_all_or_nothing(db, kinds):
    points.seed(db, actor=ADMIN)
    helper = next(t for t in points.list_service_types(db) if t.unit == points.HOUR)
    aid = activities.add_activity(db, activity(kinds, starts_at=None, ends_at=None), actor=ADMIN, today=TODAY)
    a, b = person(db, "陈阿婆"), person(db, "林阿公")
    activities.add_participants(db, aid, [a, b], actor=ADMIN)
    with pytest.raises(ValidationError) as e:  # by the hour, and the activity has no times
        activities.credit_points(db, aid, helper.id, actor=ADMIN, today=TODAY)
    assert set(e.value.fields) == {"minutes"}
    residents.deactivate_resident(db, b, actor=ADMIN)
    with pytest.raises(ValidationError) as e:
        activities.credit_points(db, aid, helper.id, actor=ADMIN, minutes=60, today=TODAY)
    assert "林阿公" in e.value.fields["resident_ids"]
    future = activities.add_activity(db, activity(kinds, held_on=TODAY + dt.timedelta(days=3)), actor=ADMIN,
                                     today=TODAY)
    activities.add_participants(db, future, [a], actor=ADMIN)
    with pytest.raises(ValidationError):  # the service has not happened yet
        activities.credit_points(db, future, helper.id, actor=ADMIN, today=TODAY)
    with db.session() as s:
        assert s.scalar(select(func.count(LedgerEntry.id))) == 0
        assert s.scalar(select(func.count(PointsAccount.resident_id))) == 0


def test_delete_takes_partners_and_participants_along_and_is_audited(db, kinds):
    aid = activities.add_activity(db, activity(kinds, partners=[PartnerInput("team", "红马甲")]), actor=ADMIN,
                                  today=TODAY)
    activities.add_participants(db, aid, [person(db, "陈阿婆")], actor=ADMIN)
    activities.delete_activity(db, aid, actor=DESK_ACTOR)
    with db.session() as s:
        assert [s.scalar(select(func.count(m.id))) for m in (Activity, ActivityPartner, ActivityParticipant)] == [0, 0, 0]
    action, entity_id, changes = trail(db, "activity")[-1]
    assert action == "delete" and entity_id == aid and "registered" in changes
    with pytest.raises(NotFoundError):
        activities.get_activity(db, aid)
    with pytest.raises(NotFoundError):
        activities.delete_activity(db, aid, actor=ADMIN)


def test_permissions(db, kinds):
    aid = activities.add_activity(db, activity(kinds), actor=GRID_ACTOR, today=TODAY)
    rid = person(db, "陈阿婆")
    for call in (lambda: activities.add_activity(db, activity(kinds), actor=VIEWER_ACTOR),
                 lambda: activities.update_activity(db, aid, activity(kinds), actor=VIEWER_ACTOR),
                 lambda: activities.delete_activity(db, aid, actor=VIEWER_ACTOR),
                 lambda: activities.add_participants(db, aid, [rid], actor=VIEWER_ACTOR),
                 lambda: activities.add_participant_by_scan(db, aid, "x", actor=VIEWER_ACTOR),
                 lambda: activities.remove_participant(db, aid, rid, actor=VIEWER_ACTOR),
                 lambda: activities.credit_points(db, aid, 1, actor=VIEWER_ACTOR),
                 lambda: activities.seed(db, actor=DESK_ACTOR)):
        with pytest.raises(PermissionDenied):
            call()


def test_the_list_filters_and_orders_newest_first(db, kinds):
    def add(day, title, kind, group, start=None, **more):
        return activities.add_activity(db, activity(kinds, held_on=day, title=title, activity_type_id=kinds[kind],
                                                    target_group=group, starts_at=start, ends_at=None, **more),
                                       actor=ADMIN, today=TODAY)
    first = add(D(2026, 10, 30), "50%折扣讲座", "讲座", "everyone", venue="会议室")
    morning = add(D(2026, 11, 3), "四点半课堂_科普", "儿童教育/科普", "children", dt.time(9))
    afternoon = add(D(2026, 11, 3), "广场舞", "文体", "elderly", dt.time(15), organiser="舞蹈队")
    undated = add(D(2026, 11, 3), "健康讲座", "讲座", "elderly")
    assert [r.id for r in activities.list_activities(db)] == [afternoon, morning, undated, first]
    assert [r.id for r in activities.list_activities(db, date_from=D(2026, 11, 1))] == [afternoon, morning, undated]
    assert [r.id for r in activities.list_activities(db, date_to=D(2026, 10, 31))] == [first]
    assert {r.id for r in activities.list_activities(db, type_id=kinds["讲座"])} == {first, undated}
    assert [r.id for r in activities.list_activities(db, target_group="children")] == [morning]
    assert [r.id for r in activities.list_activities(db, query="舞蹈")] == [afternoon]
    assert [r.id for r in activities.list_activities(db, query="会议")] == [first]
    assert [r.id for r in activities.list_activities(db, query="%")] == [first]  # no wildcard
    assert [r.id for r in activities.list_activities(db, query="_")] == [morning]
    assert [r.id for r in activities.list_activities(db, query="ｋｅ")] == []


def test_figures_of_a_hand_built_month(db, kinds):
    a, b, c = person(db, "陈阿婆"), person(db, "林阿公"), person(db, "小明")
    clinic = activities.add_activity(db, activity(kinds, held_on=D(2026, 10, 3), headcount=10,
                                                  partners=[PartnerInput("body", "市医院")]), actor=ADMIN, today=TODAY)
    dance = activities.add_activity(db, activity(kinds, held_on=D(2026, 10, 31), title="广场舞",
                                                 activity_type_id=kinds["文体"], headcount=0), actor=ADMIN, today=TODAY)
    science = activities.add_activity(db, activity(kinds, held_on=D(2026, 10, 15), title="科普", target_group="children",
                                                   activity_type_id=kinds["儿童教育/科普"], headcount=7),
                                      actor=ADMIN, today=TODAY)
    outside = activities.add_activity(db, activity(kinds, held_on=D(2026, 11, 1), headcount=50), actor=ADMIN,
                                      today=TODAY)
    activities.add_participants(db, clinic, [a, b], actor=ADMIN)
    activities.add_participants(db, dance, [a], actor=ADMIN)         # 陈阿婆 twice in the month
    activities.add_participants(db, science, [c], actor=ADMIN)
    activities.add_participants(db, outside, [a, b, c], actor=ADMIN)  # another month
    f = activities.figures(db, D(2026, 10, 1), D(2026, 10, 31))
    assert (f.activities, f.person_times, f.people, f.headcount, f.with_partners) == (3, 4 + 17, 3, 17, 1)
    assert list(f.by_type) == list(activities.DEFAULT_TYPES)  # every kind in the list's order, zeros too
    assert {k: v for k, v in f.by_type.items() if v} == {"义诊": 1, "文体": 1, "儿童教育/科普": 1}
    g = activities.group_label
    assert f.by_target_group == {g("elderly"): 2, g("children"): 1, g("youth"): 0, g("everyone"): 0}
    assert f.person_times_by_target_group == {g("elderly"): 13, g("children"): 8, g("youth"): 0, g("everyone"): 0}
    assert sum(f.by_target_group.values()) == f.activities
    assert sum(f.person_times_by_target_group.values()) == f.person_times
    one_day = activities.figures(db, D(2026, 10, 31), D(2026, 10, 31))
    assert (one_day.activities, one_day.person_times, one_day.people) == (1, 1, 1)
    empty = activities.figures(db, D(2025, 1, 1), D(2025, 1, 31))
    assert (empty.activities, empty.person_times, empty.people, empty.with_partners) == (0, 0, 0, 0)
    assert set(empty.by_target_group.values()) == {0}


def test_the_ledger_exports_audited_and_imports_again_unchanged(db, kinds, tmp_path):
    import openpyxl

    from app.services import activities_export, activities_import
    from app.services.exporter import ExportError

    activities.add_activity(db, activity(kinds, partners=[PartnerInput("team", "红马甲志愿服务队")]), actor=ADMIN,
                            today=TODAY)
    activities.add_activity(db, activity(kinds, held_on=D(2026, 11, 1), title="科普", target_group="children",
                                         activity_type_id=kinds["儿童教育/科普"], starts_at=None, ends_at=None),
                            actor=ADMIN, today=TODAY)
    path = tmp_path / "台账.xlsx"
    assert activities_export.export_ledger(db, path, actor=DESK_ACTOR) == 2
    sheet = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert sheet[1][3] == "科普" and sheet[2][3] == "重阳节义诊" and sheet[2][-1] == 12  # oldest first, 人次
    [(action, _id, _changes)] = [r for r in trail(db, "activity") if r[0] == "export"]
    result = activities_import.import_activities(db, path, actor=ADMIN, today=TODAY)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 2)
    assert activities_export.export_ledger(db, tmp_path / "none.xlsx", actor=ADMIN, date_from=D(2020, 1, 1),
                                           date_to=D(2020, 1, 31)) == 0
    with pytest.raises(ExportError):
        activities_export.export_ledger(db, tmp_path / "x.xlsx", actor=ADMIN, date_from=D(2026, 2, 1),
                                        date_to=D(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        activities_export.export_ledger(db, tmp_path / "y.xlsx", actor=VIEWER_ACTOR)
