import pytest

from app.errors import ValidationError
from app.services import audit, centre, grids, residents, tags
from app.services.residents import ResidentInput
from tests.conftest import ADMIN


def test_grid_tree_has_three_levels_with_workers_and_counts(db):
    root = grids.add_grid(db, None, "状元里社区", "王芳", "13800000001", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", "陈伟", "13800000002", actor=ADMIN)
    sub = grids.add_grid(db, grid, "1-1", "林燕", "0595 88881234", actor=ADMIN)
    residents.add_resident(db, ResidentInput(name="张三", grid_id=sub), actor=ADMIN)
    [tree] = grids.grid_tree(db)
    assert (tree.name, tree.level, tree.worker_name) == ("状元里社区", 1, "王芳")
    [g] = tree.children
    [s] = g.children
    assert (s.name, s.level, s.worker_phone, s.resident_count) == ("1-1", 3, "0595-88881234", 1)
    assert tree.resident_count == g.resident_count == 1  # counted up the tree
    assert grids.sub_grid_choices(db) == [(sub, "第一网格 / 1-1")]


def test_a_list_of_grids_to_choose_from_does_not_count_the_residents(db):
    # Counting reads every active resident: 40 ms at 100,000, each time a form with a grid box opens.
    from sqlalchemy import event

    root = grids.add_grid(db, None, "状元里社区", "王芳", "", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", "陈伟", "", actor=ADMIN)
    sub = grids.add_grid(db, grid, "1-1", "林燕", "", actor=ADMIN)
    residents.add_resident(db, ResidentInput(name="张三", grid_id=sub), actor=ADMIN)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        choices = grids.grid_choices(db), grids.grid_choices(db, paths=True), grids.sub_grid_choices(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert choices[2] == [(sub, "第一网格 / 1-1")] and len(choices[0]) == 3
    assert statements and not any("residents" in statement for statement in statements)


def test_a_sub_grid_cannot_have_children(db):
    root = grids.add_grid(db, None, "c", actor=ADMIN)
    sub = grids.add_grid(db, grids.add_grid(db, root, "g", actor=ADMIN), "s", actor=ADMIN)
    with pytest.raises(ValidationError):
        grids.add_grid(db, sub, "too deep", actor=ADMIN)


def test_grid_names_are_unique_among_siblings_and_phones_validated(db):
    root = grids.add_grid(db, None, "c", actor=ADMIN)
    grids.add_grid(db, root, "第一网格", actor=ADMIN)
    with pytest.raises(ValidationError, match="已有名为"):
        grids.add_grid(db, root, "第一网格", actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        grids.add_grid(db, root, "第二网格", "某人", "12345", actor=ADMIN)
    assert "worker_phone" in err.value.fields


def test_a_grid_in_use_cannot_be_deleted(db):
    root = grids.add_grid(db, None, "c", actor=ADMIN)
    g = grids.add_grid(db, root, "g", actor=ADMIN)
    sub = grids.add_grid(db, g, "s", actor=ADMIN)
    rid = residents.add_resident(db, ResidentInput(name="张三", grid_id=sub), actor=ADMIN)
    with pytest.raises(ValidationError, match="下级网格"):
        grids.delete_grid(db, g, actor=ADMIN)
    with pytest.raises(ValidationError, match="1 名居民"):
        grids.delete_grid(db, sub, actor=ADMIN)
    residents.update_resident(db, rid, ResidentInput(name="张三"), actor=ADMIN)
    grids.delete_grid(db, sub, actor=ADMIN)
    grids.update_grid(db, g, "第一网格", "陈伟", "", actor=ADMIN)
    assert grids.grid_tree(db)[0].children[0].name == "第一网格"


def test_default_tags_are_in_the_interface_language_and_editable(db):
    tags.ensure_default_tags(db, actor=ADMIN)
    names = [t.name for t in tags.list_tags(db)]
    assert names[:4] == ["老年人", "儿童", "新市民", "退役军人"]
    tags.ensure_default_tags(db, actor=ADMIN)  # a second call adds nothing
    assert len(tags.list_tags(db)) == len(names)
    new = tags.add_tag(db, "网格志愿者", actor=ADMIN)
    with pytest.raises(ValidationError, match="已存在"):
        tags.add_tag(db, "老年人", actor=ADMIN)
    tags.rename_tag(db, new, "楼栋长", actor=ADMIN)
    tags.set_tag_active(db, new, False, actor=ADMIN)
    assert "楼栋长" not in [t.name for t in tags.list_tags(db)]
    assert "楼栋长" in [t.name for t in tags.list_tags(db, include_inactive=True)]


def test_centre_details_are_saved_and_validated(db):
    assert centre.get_centre(db).name == ""
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "059588881234"), actor=ADMIN)
    assert centre.get_centre(db) == centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234",
                                                      "subdistrict")  # the level above: 街道 until told
    with pytest.raises(ValidationError) as err:
        centre.save_centre(db, centre.CentreInfo("", "", "1", "county"), actor=ADMIN)
    assert set(err.value.fields) == {"name", "phone", "upper_level"}


def test_the_level_above_the_centre_is_named_in_its_details(db):
    from app.services import counter

    assert (centre.upper_level(db), centre.upper_level_label(centre.upper_level(db))) == ("subdistrict", "街道")
    assert counter.level_labels(db) == {"grid": "网格", "centre": "中心", "town": "街道"}
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", upper_level="town"), actor=ADMIN)
    assert counter.level_labels(db)["town"] == "镇"
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村"), actor=ADMIN)  # None: kept
    assert centre.get_centre(db).upper_level == "town"
    category = counter.add_category(db, counter.CategoryInput("上级事项", "town", 5), actor=ADMIN)
    assert [c.level_label for c in counter.list_categories(db) if c.id == category] == ["镇"]
    ticket = counter.receive_ticket(db, counter.TicketInput(category_id=category, description="需要镇里协调",
                                                            walk_in_name="陈阿姨", walk_in_phone="13812345678"),
                                    actor=ADMIN)
    assert counter.get_ticket(db, ticket.id).level_label == "镇"
    assert [t.level_label for t in counter.list_tickets(db)] == ["镇"]
    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", upper_level="township"),
                       actor=ADMIN)
    assert counter.get_ticket(db, ticket.id).level_label == "乡"
    trail = audit.query(db, entity="centre", actor=ADMIN)[0]
    assert trail.changes_text == "上级名称：镇 → 乡"


def test_the_level_above_reads_in_english_too(db, english):
    from app.services import counter

    assert counter.level_labels(db)["town"] == "Subdistrict"
    centre.save_centre(db, centre.CentreInfo("Lianban centre", upper_level="town"), actor=ADMIN)
    assert counter.level_labels(db)["town"] == "Town"


def test_the_responsible_grid_worker_is_the_nearest_one_up_the_tree(db):
    from app.services import grids

    root = grids.add_grid(db, None, "莲坂村", "村书记", actor=ADMIN)
    first = grids.add_grid(db, root, "第一网格", "林燕", actor=ADMIN)
    group = grids.add_grid(db, first, "一组", actor=ADMIN)
    own = grids.add_grid(db, first, "二组", "黄鹏强", actor=ADMIN)
    lonely = grids.add_grid(db, None, "园区", actor=ADMIN)
    assert grids.responsible_workers(db) == {root: "村书记", first: "林燕", group: "林燕", own: "黄鹏强",
                                             lonely: ""}


def test_grid_choices_as_an_indented_tree_or_as_paths(db):
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    first = grids.add_grid(db, root, "第一网格", actor=ADMIN)
    group = grids.add_grid(db, first, "一组", actor=ADMIN)
    assert grids.grid_choices(db) == [(root, "莲坂村"), (first, "　第一网格"), (group, "　　一组")]
    assert grids.grid_choices(db, paths=True) == [(root, "莲坂村"), (first, "第一网格"), (group, "第一网格 / 一组")]
