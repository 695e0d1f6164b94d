"""Import of a 10,000-row ledger (target ≤ 5 s), as .xlsx and as GBK CSV.

Writes a realistic ledger (merged title row, Chinese names, valid ID numbers,
phones as numbers, estates, grids, tags, a few bad rows), imports it into a
fresh database, then imports it again (everything unchanged).
Run: python benchmarks/import_residents.py [ROWS]
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the project on sys.path)

HEADER = ["序号", "姓名", "性别", "身份证号码", "联系电话", "小区", "楼栋", "单元", "房号", "网格", "标签", "备注"]
ESTATES = ["宝源花园", "龙湖嘉天下", "融创江南府", "世茂云城", "万科金域蓝湾", "泰禾红树林", "中骏四季阳光"]
REGIONS = ["350581", "350582", "350583", "350521", "520221", "510722"]
SURNAMES = "陈林黄张吴王李蔡郑许洪杨施刘谢邱苏曾颜庄柯郭卢何周钟单解查仇区覃"
GIVEN = "伟强军建明国平志勇俊杰良剑文斌华荣海峰辉丽芳秀英敏静燕玲娟婷雪梅兰琴慧颖佳"
GRIDS = {"第一网格": ["1-1", "1-2", "1-3"], "第二网格": ["2-1", "2-2"], "第三网格": ["3-1", "3-2"]}
TAGS = ["老年人", "党员", "独居老人", "困难家庭", "退役军人"]


def ledger_rows(count: int, seed: int = 7) -> list[list]:
    from app.services.validators import check_char

    rng = random.Random(seed)
    subs = [f"{g} / {s}" for g, ss in GRIDS.items() for s in ss]
    used: set[str] = set()
    rows = []
    for n in range(1, count + 1):
        gender = rng.choice("MF")
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 33000))
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in used:
                used.add(number)
                break
        phone = float(rng.choice(["13", "15", "18"]) + f"{rng.randrange(10**9):09d}")
        tags = "、".join(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))))
        row = [n, rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
               "男" if gender == "M" else "女", number, phone, rng.choice(ESTATES), str(rng.randrange(1, 30)),
               str(rng.randrange(1, 4)), f"{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}",
               rng.choice(subs), tags, ""]
        if n % 500 == 0:      # a few bad rows: lost digits, bad check digit, bad phone
            kind = (n // 500) % 3
            if kind == 0:
                row[3] = 3.50581E+17
            elif kind == 1:
                row[3] = number[:17] + ("0" if number[17] != "0" else "1")
            else:
                row[4] = "12345"
        rows.append(row)
    return rows


def write_xlsx(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["状元里社区居民花名册"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    # A merged title row, as Chinese ledgers have (write-only mode cannot merge).
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    wb.save(path)


def write_gbk_csv(path: Path, rows: list[list]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(["%.6G" % v if isinstance(v, float) and v > 1e15
                         else str(int(v)) if isinstance(v, float) else v for v in row])
    path.write_bytes(out.getvalue().encode("gbk"))


def fresh_database(folder: Path, name: str):
    from app.db import open_database, sqlite_url
    from app.services import grids, tags

    from app.services.access import ADMINISTRATOR, Actor

    admin = Actor("benchmark", ADMINISTRATOR)
    db = open_database(sqlite_url(folder / f"{name}.sqlite3"))
    tags.ensure_default_tags(db, actor=admin)
    root = grids.add_grid(db, None, "状元里社区", actor=admin)
    for grid, subs in GRIDS.items():
        g = grids.add_grid(db, root, grid, actor=admin)
        for sub in subs:
            grids.add_grid(db, g, sub, actor=admin)
    return db


def main() -> None:
    from app.i18n import set_language
    from app.services import residents
    from app.services.importer import import_residents

    set_language("zh_CN")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = ledger_rows(count)
        xlsx, gbk = folder / "ledger.xlsx", folder / "ledger-gbk.csv"
        write_xlsx(xlsx, rows)
        write_gbk_csv(gbk, rows)
        print(f"{count:,} rows; xlsx {xlsx.stat().st_size / 1e6:.1f} MB, GBK CSV {gbk.stat().st_size / 1e6:.1f} MB")
        for label, path in (("xlsx", xlsx), ("GBK CSV", gbk)):
            db = fresh_database(folder, label.replace(" ", "-"))
            t0 = time.perf_counter()
            result = import_residents(db, path, rejects_path=folder / f"{path.stem}-rejects.xlsx")
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = import_residents(db, path)
            second = time.perf_counter() - t0
            t0 = time.perf_counter()
            found = len(residents.search_ids(db, "chen"))
            search = (time.perf_counter() - t0) * 1000
            print(f"  {label:8} import {first:6.2f} s  ({count / first:8,.0f} rows/s)  "
                  f"new {result.imported:,}, rejected {result.rejected}   target 5 s")
            print(f"  {'':8} again  {second:6.2f} s  ({count / second:8,.0f} rows/s)  "
                  f"unchanged {again.unchanged:,}, updated {again.updated}, new {again.imported}")
            print(f"  {'':8} first search after import {search:.0f} ms ({found:,} found)")
            db.dispose()


if __name__ == "__main__":
    main()
