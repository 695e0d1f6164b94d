import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import NotFoundError, ValidationError
from app.models import FamilyLink, Resident
from app.services import grids, residents, tags
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

VALID_ID = "11010519491231002X"


def count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Resident.id)))


def test_add_derives_birth_date_and_gender_from_the_id_number(db):
    rid = residents.add_resident(db, ResidentInput(name=" 蔡良剑 ", id_number=VALID_ID.lower(),
                                                   gender="M", phone="138 1234 5678"), actor=ADMIN)
    detail = residents.get_resident(db, rid)
    assert detail.data.name == "蔡良剑"
    assert detail.data.id_number == VALID_ID
    assert detail.data.gender == "F"  # the ID number wins over the form
    assert detail.data.birth_date == dt.date(1949, 12, 31)
    assert detail.data.phone == "13812345678"


def test_without_id_number_gender_and_birth_date_come_from_the_form(db):
    rid = residents.add_resident(db, ResidentInput(name="王小明", gender="M", birth_date=dt.date(2015, 3, 1)), actor=ADMIN)
    d = residents.get_resident(db, rid).data
    assert (d.gender, d.birth_date, d.id_number) == ("M", dt.date(2015, 3, 1), "")


def test_invalid_fields_are_all_reported_and_nothing_is_saved(db):
    with pytest.raises(ValidationError) as err:
        residents.add_resident(db, ResidentInput(name="  ", id_number="110105194912310021", phone="123"), actor=ADMIN)
    assert set(err.value.fields) == {"name", "id_number", "phone"}
    assert "请填写居民姓名" in err.value.fields["name"]
    assert count(db) == 0


def test_the_same_id_number_twice_is_refused_naming_the_existing_record(db):
    first = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=VALID_ID, estate="宝源花园",
                                                     building="3"), actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        residents.add_resident(db, ResidentInput(name="别人", id_number=VALID_ID), actor=ADMIN)
    message = err.value.fields["id_number"]
    assert "蔡良剑" in message and str(first) in message and "宝源花园" in message
    assert count(db) == 1


def test_a_fifteen_digit_number_matches_its_eighteen_digit_record(db):
    residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=VALID_ID), actor=ADMIN)
    with pytest.raises(ValidationError):
        residents.add_resident(db, ResidentInput(name="蔡良剑", id_number="110105491231002"), actor=ADMIN)


def test_edit_keeps_own_id_number_and_updates_search_keys(db):
    rid = residents.add_resident(db, ResidentInput(name="张三", id_number=VALID_ID), actor=ADMIN)
    residents.update_resident(db, rid, ResidentInput(name="单雄信", id_number=VALID_ID, estate="龙湖嘉天下"), actor=ADMIN)
    assert residents.search_ids(db, "shanxiongxin") == [rid]
    assert residents.search_ids(db, "zhangsan") == []


def test_edit_of_a_missing_resident_is_not_found(db):
    with pytest.raises(NotFoundError):
        residents.update_resident(db, 999, ResidentInput(name="x"), actor=ADMIN)


def test_tags_and_grid_are_stored(db):
    tags.ensure_default_tags(db, actor=ADMIN)
    all_tags = tags.list_tags(db)
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", "林燕", "13900000000", actor=ADMIN)
    sub = grids.add_grid(db, grid, "一组", actor=ADMIN)
    rid = residents.add_resident(db, ResidentInput(name="李四", grid_id=sub, tag_ids=[all_tags[0].id]), actor=ADMIN)
    d = residents.get_resident(db, rid)
    assert d.grid_path == "莲坂村 / 第一网格 / 一组"
    assert d.tag_names == ["老年人"]
    row = residents.fetch_rows(db, [rid])[rid]
    assert row.grid == "一组" and row.tags == "老年人"


def test_unknown_grid_or_tag_is_refused(db):
    with pytest.raises(ValidationError) as err:
        residents.add_resident(db, ResidentInput(name="李四", grid_id=42, tag_ids=[7]), actor=ADMIN)
    assert set(err.value.fields) == {"grid_id", "tags"}
    assert count(db) == 0


def test_deactivate_hides_from_search_and_reactivate_brings_back(db):
    rid = residents.add_resident(db, ResidentInput(name="王五"), actor=ADMIN)
    residents.deactivate_resident(db, rid, "已迁出", on=dt.date(2026, 11, 1), actor=ADMIN)
    assert residents.search_ids(db, "王五") == []
    assert residents.search_ids(db, "王五", include_inactive=True) == [rid]
    d = residents.get_resident(db, rid)
    assert (d.active, d.deactivated_on, d.deactivation_reason) == (False, dt.date(2026, 11, 1), "已迁出")
    residents.reactivate_resident(db, rid, actor=ADMIN)
    assert residents.search_ids(db, "王五") == [rid]


def test_family_links_are_stored_both_ways(db):
    child = residents.add_resident(db, ResidentInput(name="陈小安"), actor=ADMIN)
    mother = residents.add_resident(db, ResidentInput(name="林燕秀", phone="13918733425"), actor=ADMIN)
    residents.link_family(db, child, mother, "guardian", actor=ADMIN)
    [link] = residents.get_resident(db, child).links
    assert (link.relative_name, link.relation, link.relative_phone) == ("林燕秀", "guardian", "13918733425")
    [back] = residents.get_resident(db, mother).links
    assert (back.relative_name, back.relation) == ("陈小安", "ward")
    residents.link_family(db, child, mother, "parent", actor=ADMIN)  # replaces, never duplicates
    assert [ln.relation for ln in residents.get_resident(db, child).links] == ["parent"]
    residents.unlink_family(db, mother, child, actor=ADMIN)
    with db.session() as s:
        assert s.scalar(select(func.count(FamilyLink.id))) == 0


def test_a_resident_cannot_be_linked_to_themselves(db):
    rid = residents.add_resident(db, ResidentInput(name="陈小安"), actor=ADMIN)
    with pytest.raises(ValidationError):
        residents.link_family(db, rid, rid, "spouse", actor=ADMIN)


@pytest.fixture
def people(db):
    made = {}
    for name, id_number, phone in [
        ("蔡良剑", VALID_ID, "13812345678"),
        ("单雄信", "", "0595-88881234"),
        ("曾国藩", "", ""),
        ("尉迟恭", "", ""),
        ("陈良", "", ""),
        ("蔡小", "", ""),
    ]:
        made[name] = residents.add_resident(db, ResidentInput(name=name, id_number=id_number, phone=phone), actor=ADMIN)
    return made


@pytest.mark.parametrize("query, name", [
    ("蔡良剑", "蔡良剑"), ("良剑", "蔡良剑"), ("cailiangjian", "蔡良剑"), ("CLJ", "蔡良剑"),
    ("cai liang", "蔡良剑"), ("shanxiongxin", "单雄信"), ("sxx", "单雄信"), ("danxiongxin", "单雄信"),
    ("zengguofan", "曾国藩"), ("cengguofan", "曾国藩"), ("yuchigong", "尉迟恭"),
    ("ycg", "尉迟恭"), ("5678", "蔡良剑"), ("1234", "单雄信"), ("0595-88881234", "单雄信"),
    ("059588881234", "单雄信"), ("138-1234-5678", "蔡良剑"), ("13812345678", "蔡良剑"), ("002X", "蔡良剑"), ("002x", "蔡良剑"),
])
def test_search_finds_by_name_pinyin_initials_and_tails(db, people, query, name):
    assert people[name] in residents.search_ids(db, query)


def test_search_ranks_whole_name_matches_before_given_name_matches(db, people):
    # 陈良 matches "liang" by its given name only, so 蔡良剑 (cai…) comes first for "cai"
    # and 陈良 (given name liang) comes after whole-name matches for "liang".
    assert set(residents.search_ids(db, "cai")[:2]) == {people["蔡良剑"], people["蔡小"]}
    assert residents.search_ids(db, "liangjian") == [people["蔡良剑"]]


def test_search_exact_name_comes_first(db, people):
    assert residents.search_ids(db, "陈良")[0] == people["陈良"]


def test_short_digit_strings_do_not_match_tails(db, people):
    assert residents.search_ids(db, "678") == []


def test_like_wildcards_in_a_query_are_literal(db, people):
    assert residents.search_ids(db, "%") == []
    assert residents.search_ids(db, "_") == []


def test_empty_query_lists_everyone_in_pinyin_order(db, people):
    found = residents.search_ids(db, "")
    assert len(found) == len(people)
    assert found[0] == people["蔡良剑"] or found[0] == people["蔡小"]


def test_every_resident_gets_an_opaque_member_code_that_scanning_finds(db):
    from app.services.member_codes import ALPHABET, qr_payload

    rid = residents.add_resident(db, ResidentInput(name="蔡良剑", id_number=VALID_ID), actor=ADMIN)
    code = residents.get_resident(db, rid).member_code
    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert VALID_ID[-4:] not in code
    assert residents.search_ids(db, qr_payload(code)) == [rid]
    assert residents.search_ids(db, code.lower()) == [rid]


# -- full-width (全角) input, +86 phones, rare characters ------------------------------------------

# What a Chinese input method types in full-width mode: ASCII 0x21-0x7E as U+FF01-FF5E, space as U+3000.
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}


@pytest.mark.parametrize("query, name", [
    ("５６７８", "蔡良剑"), ("ｓｘｘ", "单雄信"), ("ＣＬＪ", "蔡良剑"), ("ｃａｉ　ｌｉａｎｇ", "蔡良剑"), ("００２Ｘ", "蔡良剑"),
    ("１３８－１２３４－５６７８", "蔡良剑"), ("０５９５－８８８８１２３４", "单雄信"),
    ("+86 138 1234 5678", "蔡良剑"), ("+8613812345678", "蔡良剑"), ("0086 138-1234-5678", "蔡良剑"),
    ("＋８６　１３８　１２３４　５６７８", "蔡良剑"), ("+86 595 8888 1234", "单雄信"), ("+86-595-88881234", "单雄信"),
    ("(0595) 8888-1234", "单雄信"), ("weichigong", "尉迟恭"), ("wcg", "尉迟恭"), ("ｗｅｉｃｈｉ", "尉迟恭"),
])
def test_search_accepts_full_width_input_international_phones_and_everyday_compound_readings(db, people, query, name):
    assert people[name] in residents.search_ids(db, query)


def test_0086_alone_is_still_the_tail_of_a_number(db):
    rid = residents.add_resident(db, ResidentInput(name="林秀", phone="13900000086"), actor=ADMIN)
    assert residents.search_ids(db, "0086") == [rid]


def test_a_compatibility_ideograph_finds_its_unified_character_and_back(db):
    # U+F90A is the compatibility form of 金 (U+91D1), as old registry exports sometimes carry it
    plain = residents.add_resident(db, ResidentInput(name="金小明"), actor=ADMIN)
    compat = residents.add_resident(db, ResidentInput(name="\uf90a小红"), actor=ADMIN)
    assert residents.search_ids(db, "\uf90a小明") == [plain]
    assert residents.search_ids(db, "金小红") == [compat]
    assert set(residents.search_ids(db, "jin")) == {plain, compat}


@pytest.fixture
def rare(db):
    # 䶮 U+4DAE Ext-A (yan), 𠇔 U+201D4 Ext-B (pypinyin has no reading), 𪨶 U+2AA36 Ext-C (she)
    return {name: residents.add_resident(db, ResidentInput(name=name), actor=ADMIN)
            for name in ("王䶮", "李𠇔", "陈𪨶华", "李四")}


@pytest.mark.parametrize("query, names", [
    ("䶮", ["王䶮"]), ("𠇔", ["李𠇔"]), ("𪨶", ["陈𪨶华"]), ("𪨶华", ["陈𪨶华"]), ("李𠇔", ["李𠇔"]),
    ("wangyan", ["王䶮"]), ("wy", ["王䶮"]), ("chenshehua", ["陈𪨶华"]), ("csh", ["陈𪨶华"]), ("she", ["陈𪨶华"]),
])
def test_rare_characters_are_found_by_name_and_by_the_pinyin_pypinyin_knows(db, rare, query, names):
    assert residents.search_ids(db, query) == [rare[n] for n in names]


def test_a_rare_character_without_pinyin_is_found_by_the_rest_of_the_name(db, rare):
    assert set(residents.search_ids(db, "li")) == {rare["李𠇔"], rare["李四"]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="0123456789abcdeghijlnoqsuvwxyzCGLX -+()", max_size=14))
def test_a_full_width_query_finds_exactly_what_its_half_width_query_finds(db, people, query):
    assert residents.search_ids(db, query.translate(FULL_WIDTH)) == residents.search_ids(db, query)
