"""Write the synthetic test fixtures and the bundled example (run from the repo root).

    python tests/data/make_fixtures.py

Everything is made up and looks it: names are 测试/示例 names, ID numbers fail their
checksum, phone numbers start with 100 (no such mobile prefix), decision numbers carry
the fictional 示 prefix, enterprises are 示范市 companies. The output is deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import numpy as np
import openpyxl
import xlwt
from openpyxl.styles import Alignment, Font

from trafficprev.datasets._synthetic import credit_code, fake_id

#: ID numbers and credit codes come from the package's synthetic helpers (IDs always fail
#: their check character); everything else from the stdlib generator in main().
NP_RNG = np.random.default_rng(20241001)

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests" / "data"
EXAMPLE = ROOT / "trafficprev" / "datasets" / "example"

HEADER = [
    "认定书编号",
    "职工姓名",
    "身份证号码",
    "性别",
    "联系电话",
    "用人单位",
    "统一社会信用代码",
    "所属行业",
    "受伤时间",
    "受伤地点",
    "受伤经过",
    "事故责任",
    "认定依据",
    "认定结论",
    "认定日期",
    "伤情",
    "年龄",
]

ROADS = [
    "常德大道",
    "桃花源路",
    "朝阳路",
    "月亮大道",
    "洞庭大道",
    "皂果路",
    "善卷路",
    "人民路",
    "建设东路",
    "武陵大道",
    "紫缘路",
    "德山大道",
]
LANDMARKS = ["示范小区北门", "第一中学南门", "农贸市场", "公交总站", "体育中心"]
EMPLOYERS = [
    "示范市测试机械有限公司",
    "示范市样例烟草物流有限公司",
    "示范市演示建设工程有限公司",
    "示范市虚构人民医院",
    "示范市模拟电子科技有限公司",
    "示范市假想食品有限公司",
    "示范市样本快递服务有限公司",
    "示范市测试商贸有限责任公司",
]
INDUSTRIES = [
    "制造业",
    "交通运输、仓储和邮政业",
    "建筑业",
    "卫生和社会工作",
    "制造业",
    "制造业",
    "交通运输、仓储和邮政业",
    "批发和零售业",
]
NAMES = [f"测试{c}{d}" for c in "甲乙丙丁戊己庚辛" for d in "一二三四五六七八九"]


def narrative(rng: random.Random, name: str, when: dt.datetime, direction: str) -> tuple[str, str]:
    r1, r2 = rng.sample(ROADS, 2)
    mode = rng.choice(["驾驶电动自行车", "骑电动车", "驾驶二轮摩托车", "步行", "骑自行车"])
    cp = rng.choice(["小型轿车", "小型普通客车", "重型自卸货车", "电动自行车", "小型轿车"])
    place = rng.choice(
        [
            f"{r1}与{r2}交叉路口",
            f"{r1}{rng.choice(LANDMARKS)}附近",
            f"{r1}往{r2}方向约{rng.choice([50, 100, 200])}米处",
        ]
    )
    own = rng.choice(["无", "次要", "同等", "无"])
    other = {"无": "全部", "次要": "主要", "同等": "同等"}[own]
    trip = "上班途中" if direction == "上班" else rng.choice(["下班途中", "下班回家途中"])
    text = (
        f"{when:%Y年%-m月%-d日%-H时%M分}许，{name}{mode}{trip}，行驶至{place}时，"
        f"与示例人员驾驶的{cp}发生碰撞，致{name}受伤。经交警大队认定，{name}负事故{own}责任，"
        f"对方负{other}责任。符合《工伤保险条例》第十四条第（六）项之规定，予以认定为工伤。"
    )
    return text, place


def determinations(
    rng: random.Random, n: int, year: int, quarter: int, start_no: int
) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n):
        month = 3 * (quarter - 1) + 1 + rng.randrange(3)
        day = 1 + rng.randrange(28)
        direction = rng.choice(["上班", "下班"])
        hour = (
            rng.choice([7, 7, 8, 12, 17, 18, 19])
            if direction == "下班"
            else rng.choice([6, 7, 7, 8, 13])
        )
        when = dt.datetime(year, month, day, hour, rng.randrange(60))
        male = rng.random() < 0.58
        name = NAMES[(start_no + i) % len(NAMES)]
        birth = dt.date(rng.randrange(1965, 2003), 1 + rng.randrange(12), 1 + rng.randrange(28))
        age = when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))
        k = rng.randrange(len(EMPLOYERS))
        text, place = narrative(rng, name, when, direction)
        time_text = rng.choice(
            [
                f"{when:%Y-%m-%d %H:%M}",
                f"{when:%Y/%-m/%-d %-H:%M}",
                f"{when:%Y年%-m月%-d日%-H时%M分}许",
            ]
        )
        rows.append(
            [
                f"示人社工伤认字〔{year}〕{start_no + i:04d}号",
                name,
                fake_id(NP_RNG, birth, male, region="430702"),
                "男" if male else "女",
                f"100{rng.randrange(10**8):08d}",
                EMPLOYERS[k],
                CREDITS[k],
                INDUSTRIES[k],
                time_text,
                place if rng.random() < 0.7 else "",
                text,
                "",
                "第十四条第（六）项",
                "认定工伤",
                f"{when.date() + dt.timedelta(days=40):%Y-%m-%d}",
                rng.choice(["轻伤", "轻伤", "重伤"]),
                rng.choice([f"{age}", f"{age}岁", ""]),
            ]
        )
    return rows


CREDITS: list[str] = []


def write_xlsx(
    path: Path,
    title: str,
    header: list[str],
    rows: list[list[object]],
    extra_sheet: bool = True,
    id_as_number: bool = False,
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "认定台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([])
    ws.append(header)
    id_col = header.index("身份证号码") if "身份证号码" in header else None
    for row in rows:
        row = list(row)
        if id_as_number and id_col is not None and str(row[id_col]).isdigit():
            row[id_col] = int(row[id_col])
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, not one
    if extra_sheet:
        notes = wb.create_sheet("填表说明")
        notes.append(["本表为合成测试数据，不含任何真实个人信息。"])
    wb.save(path)


def write_xls(path: Path, header: list[str], rows: list[list[object]]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for j, h in enumerate(header):
        ws.write(0, j, h)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write(i, j, v, date_style)
            else:
                ws.write(i, j, v)
    wb.save(str(path))


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def main() -> None:
    rng = random.Random(20241001)
    CREDITS.extend(credit_code(NP_RNG, prefix="9143070") for _ in EMPLOYERS)
    TESTS.mkdir(parents=True, exist_ok=True)
    EXAMPLE.mkdir(parents=True, exist_ok=True)

    # ---- bundled example: two quarters, an enterprise register, campaign candidates ----
    q3 = determinations(rng, 36, 2024, 3, 1)
    q3[5][8] = "2024年13月5日"  # impossible date -> rejected
    q3[9][5] = ""  # empty employer -> rejected
    q3.append(list(q3[3]))  # identical duplicate
    q4 = determinations(rng, 28, 2024, 4, 101)
    conflict = list(q3[7])
    conflict[15] = "重伤"  # same decision number, another version
    conflict[14] = "2024-12-30"
    q4.append(conflict)
    q4[2][8] = "2099-01-01 08:00"  # in the future -> rejected
    workplace = [
        "在车间操作冲压设备时被机器压伤左手，予以认定为工伤。",
        "在仓库搬运货物时从货架上摔下致右腿骨折，予以认定为工伤。",
        "在工地绑扎钢筋时被坠落的模板砸伤头部，予以认定为工伤。",
        "在厨房切菜时不慎被刀具割伤左手食指，予以认定为工伤。",
    ]
    for row, text in zip(
        [q3[20], q3[21], q3[22], q4[4], q4[10], q4[11], q4[12]], workplace * 2, strict=False
    ):
        row[9], row[10], row[12] = "单位车间", text, "第十四条第（一）项"
    q4[15][10] = q4[15][10].split("经交警")[0] + "经交警大队认定，该职工闯红灯，负事故主要责任。"
    q4[15][11:14] = ["主要责任", "第十四条、第十五条", "不予认定"]
    q3[25][11] = "次要责任"
    write_xlsx(
        EXAMPLE / "determinations_2024Q3.xlsx",
        "示范市2024年第三季度工伤认定台账（合成演示数据）",
        HEADER,
        q3,
    )
    write_csv(EXAMPLE / "determinations_2024Q4.csv", HEADER, q4, "gb18030")
    ent_rows = [
        [
            CREDITS[k],
            EMPLOYERS[k],
            INDUSTRIES[k],
            f"示范市{ROADS[k]}{10 + k}号",
            f"{111.66 + 0.01 * k:.5f}",
            f"{29.03 + 0.005 * k:.5f}",
            "WGS84",
            300 + 150 * k,
            "武陵区",
        ]
        for k in range(len(EMPLOYERS))
    ]
    write_csv(
        EXAMPLE / "enterprises.csv",
        [
            "统一社会信用代码",
            "单位名称",
            "所属行业",
            "单位地址",
            "经度",
            "纬度",
            "坐标系",
            "参保人数",
            "所属区县",
        ],
        ent_rows,
        "utf-8-sig",
    )
    write_csv(
        EXAMPLE / "campaign_sites.csv",
        ["名称", "类型", "地址", "经度", "纬度", "坐标系", "规模"],
        [
            ["示范花园小区", "大型社区", "示范市朝阳路1号", "111.672", "29.041", "WGS84", "12000"],
            ["示范经济开发区", "工业园区", "示范市德山大道", "111.720", "28.990", "WGS84", "35000"],
            ["示范中央商务区", "CBD", "示范市人民路", "111.690", "29.035", "GCJ02", "20000"],
            ["示范第一中学", "学校", "示范市紫缘路", "111.660", "29.050", "WGS84", "3000"],
        ],
        "utf-8-sig",
    )

    # ---- test fixtures ----------------------------------------------------------------
    rows = determinations(rng, 12, 2024, 1, 501)
    variant = [
        "认定书编号",
        "姓名",
        "身份证号",
        "性别",
        "手机号码",
        "单位名称",
        "统一社会信用代码",
        "行业",
        "事故时间",
        "事故地点",
        "事故经过",
        "责任认定",
        "认定依据",
        "认定结论",
        "认定日期",
        "伤情",
        "年龄",
        "备注",
        "家庭住址",
    ]
    for r in rows:
        r += ["合成数据", "示范市测试路1号（合成）"]
    rows[0][17] = "=1+1"  # a formula-looking cell in an unknown column
    write_xlsx(
        TESTS / "merged_title.xlsx",
        "示范市2024年第一季度工伤认定台账（合成测试数据）",
        variant,
        rows,
    )
    rows = determinations(rng, 8, 2024, 2, 601)
    write_xlsx(
        TESTS / "id_as_number.xlsx",
        "合成测试数据",
        HEADER,
        rows,
        extra_sheet=False,
        id_as_number=True,
    )
    rows = determinations(rng, 10, 2024, 2, 701)
    rows[0][8] = dt.datetime(2024, 5, 6, 7, 45)  # a real Excel date cell
    write_xls(TESTS / "quarter.xls", HEADER, rows)
    rows = determinations(rng, 10, 2024, 3, 801)
    rows[0][1] = "测试䶮"  # CJK Ext-A: not in GBK, in GB18030
    write_csv(TESTS / "gb18030.csv", HEADER, rows, "gb18030")
    write_csv(TESTS / "utf8_bom.csv", HEADER, determinations(rng, 10, 2024, 3, 901), "utf-8-sig")
    write_csv(
        TESTS / "missing_column.csv",
        [h for h in HEADER if h != "受伤时间"],
        [r[:8] + r[9:] for r in determinations(rng, 3, 2024, 3, 950)],
        "utf-8",
    )
    bad = determinations(rng, 14, 2024, 4, 960)
    bad[0][0] = ""  # empty decision number
    bad[1][5] = "   "  # blank employer
    bad[2][8] = "去年春天"  # unparseable time
    bad[3][8] = "2024年2月30日"  # impossible date
    bad[4][8] = "3月5日"  # no year
    bad[5][8] = "2099-05-01 08:00"  # future
    bad[6][8] = "1985-05-01"  # before min_injury_year
    bad[7][14] = "2024-01-01"  # decided before the injury
    bad[8][3] = "未知性别"  # bad sex: kept, flagged
    bad[9][2] = "4307021985"  # malformed ID: kept, flagged
    bad[10] = bad[10] + ["多出来的单元格"]  # more cells than the header
    bad[11][8] = ""  # empty time
    bad.append(list(bad[12]))  # identical duplicate
    dup = list(bad[13])
    dup[15] = "死亡"
    bad.append(dup)  # conflicting duplicate (same decided_on)
    bad.append([""] * len(HEADER))  # fully blank row: skipped and counted
    write_csv(TESTS / "bad_values.csv", HEADER, bad, "utf-8")


if __name__ == "__main__":
    main()
