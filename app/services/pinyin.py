"""Pinyin search keys for names.

A resident is found by full pinyin (cailiangjian), initials (clj), or the same
for the given name alone. Surnames with a special reading use it (单 shan,
曾 zeng …); the common reading is kept as well, because staff type either.
"""
from __future__ import annotations

import re
import unicodedata

# Han characters: radicals, Ext-A, the unified block, compatibility ideographs, Ext-B to Ext-H
# (the rare characters, 生僻字, of the public-security registry and GB 18030-2022).
CJK = re.compile("[\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003347f]")

# Compound surnames first: 尉迟 must not be read as 尉 + 迟.
COMPOUND_SURNAMES = {
    "欧阳": "ou yang", "尉迟": "yu chi", "司马": "si ma", "诸葛": "zhu ge", "上官": "shang guan",
    "东方": "dong fang", "皇甫": "huang fu", "令狐": "ling hu", "长孙": "zhang sun",
    "慕容": "mu rong", "司徒": "si tu", "公孙": "gong sun", "夏侯": "xia hou", "万俟": "mo qi",
    "澹台": "tan tai", "轩辕": "xuan yuan", "宇文": "yu wen", "端木": "duan mu", "申屠": "shen tu",
    "南宫": "nan gong", "西门": "xi men", "独孤": "du gu", "呼延": "hu yan", "闻人": "wen ren",
    "司空": "si kong", "钟离": "zhong li", "公羊": "gong yang", "赫连": "he lian",
    "太叔": "tai shu", "濮阳": "pu yang",
}

# Single-character surnames whose surname reading differs from the everyday one.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "查": "zha", "朴": "piao",
    "盖": "ge", "覃": "qin", "任": "ren", "华": "hua", "纪": "ji", "缪": "miao", "翟": "zhai",
    "召": "shao", "乐": "yue", "秘": "bi", "员": "yun", "种": "chong", "折": "she", "繁": "po",
    "句": "gou", "黑": "he", "那": "na", "冼": "xian", "谌": "chen", "隗": "wei", "訾": "zi",
    "瞿": "qu", "重": "chong", "柏": "bai", "薄": "bo", "蕃": "pi", "阚": "kan", "尉": "wei",
    "长": "chang", "宓": "fu", "莘": "shen", "都": "du", "叶": "ye", "沈": "shen", "万": "wan",
    "燕": "yan", "石": "shi", "宁": "ning", "曲": "qu", "应": "ying", "相": "xiang",
}


def _no_pinyin(text: str) -> str:
    """What pypinyin gives for text it has no reading for: Latin letters stay, a rare character
    it does not know gives nothing (so no key is made of the character itself)."""
    return CJK.sub("", text)


def _syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [p.strip().lower() for p in lazy_pinyin(text, style=Style.NORMAL, errors=_no_pinyin) if p.strip()]


def _has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) for a Chinese name."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def surname_readings(surname: str) -> list[list[str]]:
    """The surname reading first, then the everyday reading(s) if they differ.

    A compound surname's everyday reading is each character's own: 尉迟 is yu chi as a
    surname, but staff also type wei chi.
    """
    common = _syllables(surname)
    special = COMPOUND_SURNAMES.get(surname) or SURNAME_READINGS.get(surname)
    if special is None:
        return [common]
    readings = [special.split(), common]
    if len(surname) > 1:
        readings.append([s for ch in surname for s in _syllables(ch)])
    return [list(r) for r in dict.fromkeys(tuple(r) for r in readings)]


def search_keys(name: str) -> tuple[str, str]:
    """(keys, sort_key) of a name; keys are matched by word prefix with LIKE."""
    if not _has_cjk(name):
        name = unicodedata.normalize("NFKC", name)
        words = name.lower().split()
        if not words:
            return " ", ""
        whole = list(dict.fromkeys(["".join(words), "".join(w[0] for w in words)]))
        return " " + " ".join(whole) + " | " + " ".join(words[1:]) + " ", " ".join(words)
    # Full-width letters and compatibility ideographs as the search query is normalised.
    name = "".join(unicodedata.normalize("NFKC", name).split())
    surname, given = split_name(name)
    given_syl = _syllables(given)
    readings = surname_readings(surname)
    whole: list[str] = []
    for reading in readings:
        syl = reading + given_syl
        whole += ["".join(syl), "".join(s[0] for s in syl)]
    part = ["".join(given_syl), "".join(s[0] for s in given_syl)] if given_syl else []
    # 吕 is lv in pinyin but often typed lu.
    whole += [k.replace("v", "u") for k in whole if "v" in k]
    part += [k.replace("v", "u") for k in part if "v" in k]
    whole = list(dict.fromkeys(k for k in whole if k))
    part = [k for k in dict.fromkeys(part) if k and k not in whole]
    sort_key = " ".join(readings[0] + given_syl)
    # Keys of the whole name come before "|", the given name's after it, so a
    # search can rank whole-name matches first with a plain LIKE.
    return " " + " ".join(whole) + " | " + " ".join(part) + " ", sort_key
