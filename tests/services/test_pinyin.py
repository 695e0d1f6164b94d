import pytest

from app.services.pinyin import search_keys


def keys(name: str) -> set[str]:
    return set(search_keys(name)[0].replace("|", " ").split())


def test_full_pinyin_and_initials():
    assert {"cailiangjian", "clj", "liangjian", "lj"} <= keys("蔡良剑")


@pytest.mark.parametrize("name, surname_reading, common_reading", [
    ("单雄信", "shan", "dan"), ("曾国藩", "zeng", "ceng"), ("解缙", "xie", "jie"),
    ("区志明", "ou", "qu"), ("仇英", "qiu", "chou"), ("查良镛", "zha", "cha"),
    ("朴正义", "piao", "pu"), ("盖叫天", "ge", "gai"), ("覃晓", "qin", "tan"),
])
def test_polyphonic_surnames_use_the_surname_reading_and_accept_the_common_one(
        name, surname_reading, common_reading):
    found = keys(name)
    rest = search_keys(name)[1].split()[1:]
    assert surname_reading + "".join(rest) in found
    assert common_reading + "".join(rest) in found
    assert search_keys(name)[1].startswith(surname_reading + " ")  # sorted by surname reading


def test_compound_surnames_are_read_as_one():
    assert {"yuchigong", "ycg"} <= keys("尉迟恭")
    assert {"ouyangxiu", "oyx"} <= keys("欧阳修")


def test_lv_can_be_typed_lu():
    assert {"lvbu", "lubu"} <= keys("吕布")


def test_latin_names_are_searchable():
    assert {"tomlee", "tl", "lee"} <= keys("Tom Lee")


@pytest.mark.parametrize("name, surname_reading, everyday_reading, everyday_initials", [
    ("尉迟恭", "yuchi", "weichi", "wcg"), ("万俟卨", "moqi", "wanqi", "wqx"), ("澹台灭明", "tantai", "dantai", "dtmm"),
])
def test_compound_surnames_also_accept_each_characters_everyday_reading(
        name, surname_reading, everyday_reading, everyday_initials):
    found = keys(name)
    given = "".join(search_keys(name)[1].split()[2:])
    assert {surname_reading + given, everyday_reading + given, everyday_initials} <= found
    assert search_keys(name)[1].replace(" ", "").startswith(surname_reading)  # sorted by the surname reading


# 䶮 U+4DAE is Ext-A, 𡈼 U+2123C and 𠇔 U+201D4 are Ext-B, 𪨶 U+2AA36 is Ext-C; pypinyin reads all but 𠇔.
@pytest.mark.parametrize("name, full, initials", [
    ("王䶮", "wangyan", "wy"), ("王𡈼", "wangting", "wt"), ("陈𪨶华", "chenshehua", "csh"),
])
def test_rare_characters_pypinyin_knows_get_their_reading(name, full, initials):
    assert {full, initials} <= keys(name)


def test_a_rare_character_without_a_reading_gets_no_key_of_its_own():
    # pypinyin has no reading for 𠇔: the keys are the surname's, never the character itself
    assert keys("李𠇔") == {"li", "l"}
    assert search_keys("李𠇔")[1] == "li"
    assert all(key.isascii() for key in keys("𠇔𠇔"))


def test_full_width_latin_names_are_keyed_as_half_width():
    assert {"tomlee", "tl", "lee"} <= keys("Ｔｏｍ　Ｌｅｅ")
