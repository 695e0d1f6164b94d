"""What every feature's demo filler shares: the two scales, the context it is handed, the part
it hands back, and Chinese names and mobile numbers."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.db import Database
from app.i18n import N_
from app.services import access

DEMO_MARKER = "demo.scale"
SCALES = {"village": N_("village centre"), "town": N_("urban community")}

SURNAMES = ("陈" * 12 + "林" * 10 + "黄" * 8 + "张" * 7 + "吴" * 6 + "王" * 6 + "李" * 6 + "蔡" * 6
            + "郑" * 5 + "许" * 5 + "洪" * 4 + "杨" * 4 + "施" * 4 + "刘" * 4 + "谢" * 3 + "邱" * 3
            + "苏" * 3 + "曾" * 3 + "颜" * 3 + "庄" * 3 + "柯" * 3 + "郭" * 3 + "卢" * 2 + "何" * 2
            + "周" * 2 + "钟" * 2 + "单" + "解" + "查" + "仇" + "区" + "覃" + "龚" + "纪" + "傅" + "粘"
            + "骆" + "萧" + "尤" + "童" + "范" + "方" + "江" + "高" + "罗" + "朱")
COMPOUND = ["欧阳", "尉迟", "司马", "上官"]
GIVEN_M = "伟强军建明国平志勇俊杰良剑文斌华荣海峰辉鹏涛东新宏振家福坤福祥忠宗南金水"
GIVEN_F = "丽芳秀英敏静燕玲娟婷雪梅兰琴慧颖佳妮霞红月凤珍萍碧淑惠美玉雅晶欣怡"
GIVEN_ANY = "子梓宇浩晨思雨嘉俊欣一可诗睿轩涵博安乐"

VILLAGE = {
    "centre": ("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村中心路18号", "0595-88881234"),
    "community": "莲坂村",
    "grids": {"第一网格": ["一组", "二组"], "第二网格": ["三组", "四组"], "第三网格": ["园区宿舍", "五组"]},
    "estates": ["莲坂新村", "莲坂村东片", "莲坂村西片", "莲坂村南片", "园区职工宿舍", "莲坂村北片"],
    "residents": 1500,
    "tickets_per_day": 4.2,
    "town_offices": ["祥芝镇综治中心", "祥芝镇社会事务办", "祥芝镇司法所", "祥芝镇村建办"],
}
TOWN_ESTATES = ["宝源花园", "龙湖嘉天下", "融创江南府", "世茂云城", "万科金域蓝湾", "泰禾红树林",
                "中骏四季阳光", "阳光城翡丽湾", "碧桂园天玺", "保利城", "建发央著", "金辉优步大道",
                "绿城桂语江南", "大唐世家", "宝龙城市广场", "永隆国际城", "香江名苑", "锦绣华庭",
                "名仕花园", "新湖广场", "华侨新村", "状元里小区", "玉湖新村"]
TOWN = {
    "centre": ("状元里社区党建+邻里中心", "晋江市青阳街道状元里社区状元街99号", "0595-85661234"),
    "community": "状元里社区",
    # 6 second-level grids, 39 third-level grids in all.
    "grids": {f"第{n}网格": [f"{n}-{i}" for i in range(1, k + 1)]
              for n, k in zip("一二三四五六", (7, 7, 7, 6, 6, 6))},
    "estates": TOWN_ESTATES,
    "residents": 26000,
    "tickets_per_day": 20.0,
    "town_offices": ["青阳街道综治中心", "青阳街道社会事务办", "青阳司法所", "青阳街道城建办"],
}
SPECS = {"village": VILLAGE, "town": TOWN}


@dataclass
class DemoContext:
    """What fill_demo hands each feature's filler, in the order of app.features.FEATURES."""

    db: Database
    scale: str                    # "village" or "town"
    spec: dict                    # VILLAGE or TOWN
    seed: int
    today: dt.date                # the demo's year ends on this day
    actor: access.Actor           # who adds the demo (the audit trail names them)
    system: access.Actor          # the "demo" system actor that sets up settings and catalogues
    progress: Callable[[int, int], None] | None = None
    head_count: int | None = None  # residents wanted instead of the scale's (benchmarks)
    # False when the database already holds the demo: a filler then adds nothing and only
    # reports what of its part is there.
    adding: bool = True
    # What earlier fillers leave for later ones, e.g. the residents' "people", "links" and
    # "moved_away" (ids) for the counter's requesters.
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def population(self) -> int:
        """The number of residents the demo has (the scale's, or `head_count`)."""
        return self.head_count or self.spec["residents"]


@dataclass(frozen=True)
class DemoPart:
    """What one filler added (or, when the demo was there already, found): a count and the
    same as a translated phrase such as "1,500 名居民"."""

    count: int
    phrase: str


class Names:
    """Chinese names drawn from `rng`: common Minnan surnames first, a few rare and compound ones."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self, gender: str, surname: str | None = None) -> str:
        rng = self.rng
        if surname is None:
            surname = rng.choice(COMPOUND) if rng.random() < 0.004 else rng.choice(SURNAMES)
        pool = GIVEN_M if gender == "M" else GIVEN_F
        given = rng.choice(pool + GIVEN_ANY)
        if rng.random() < 0.8:
            given += rng.choice(pool)
        return surname + given


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randrange(0, 10)) + f"{rng.randrange(0, 10**8):08d}"
