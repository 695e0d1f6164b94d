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
