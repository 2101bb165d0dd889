"""The demo city's data for the precision project (精准式工伤预防), 2022–2024.

:func:`precision_data` adds to what :func:`~trafficprev.datasets.democity.make_demo_city`
draws for the traffic project (2023–2024):

- **2022**, the year before: commuting accidents from a second simulation of the same world
  (its own seed stream, the same risky enterprises, no planted hotspot) and the workplace
  injuries of that year, written like the other exports;
- **occupational diseases** (第十四条第（四）项) at dusty, noisy and chemical enterprises, about
  1.5 % of a year's determinations, dated on the diagnosis;
- **planted enterprises** with extra workplace injuries (high on incidence and payout ratio,
  on incidence only, one large claim, training that worked and training that did not);
- the **contributions ledger** (工伤保险缴费台账) and the fund's **payouts ledger**
  (工伤保险待遇支付台账).

The rows of the 2023–2024 exports drawn before stay as they were: the new rows come from
their own seed streams (``[seed, 7]`` and up), are numbered after the existing ones of their
decision year and sorted in by time. Everything is synthetic; amounts follow the rules of
the 工伤保险条例 with illustrative wages, and the fund pays only a share of the ordinary
cases (:data:`FUND_PAID_SHARE`) so that the city's payout ratio stays realistic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._case_text import CaseFacts, basis_text, narrative_text, time_text
from ._cases import DemoConfig, Simulation, simulate
from ._synthetic import fake_id, fake_phone, worker_name
from ._world import World
from ._xlsx import Sheet, write_xlsx

__all__ = [
    "FUND_PAID_SHARE",
    "PrecisionData",
    "contributions",
    "payouts",
    "plant_enterprises",
    "precision_data",
    "risk_classes",
    "write_precision",
]

#: Seed streams of the precision data (``default_rng([config.seed, stream])``).
_STREAM_EXTRA, _STREAM_PLANTS, _STREAM_PAYOUTS, _STREAM_LEDGER = 7, 8, 9, 10
_STREAM_EARLIER, _STREAM_SIM, _STREAM_CASES = 11, 12, 13
#: Worker-name indices of the 2022 batch and of the added rows (the 2023–2024 rows use 0…).
_WORKERS_2022, _WORKERS_ADDED = 20_000, 30_000

#: Share of the ordinary recognised cases the fund pays (the others' workers were not
#: enrolled: their employer pays). The demo has about eight times the determinations per
#: insured worker of a real city; paying all of them would put the city's payout ratio
#: near 440 % (seed 2024), this share puts it at 50–80 % (seeds 1–10).
FUND_PAID_SHARE = 0.07
#: Occupational-disease determinations as a share of a year's determinations.
OD_SHARE = 0.015

CLASS_NAMES = ("一类", "二类", "三类", "四类", "五类", "六类", "七类", "八类")
#: Base rates of the eight industry risk classes (人社部发〔2015〕71号), share of the wage bill.
BASE_RATES = (0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019)
_CLASS_OF_INDUSTRY = {
    "制造业": 4,
    "建筑业": 6,
    "批发和零售业": 2,
    "住宿和餐饮业": 2,
    "交通运输、仓储和邮政业": 5,
    "卫生和社会工作": 2,
    "教育": 2,
    "公共管理、社会保障和社会组织": 1,
    "信息传输、软件和信息技术服务业": 1,
    "金融业": 1,
    "租赁和商务服务业": 2,
    "居民服务、修理和其他服务业": 2,
    "房地产业": 2,
}
#: Words of an enterprise name that place it in another GB/T 4754 division, and its class.
_CLASS_OF_NAME: dict[str, tuple[tuple[str, int], ...]] = {
    "制造业": (
        ("建材", 6),  # 非金属矿物制品业
        ("新材料", 6),  # 化学原料和化学制品制造业
        ("纸业", 5),
        ("家具", 5),
        ("食品", 3),
        ("粮油", 3),
        ("饮品", 3),
        ("纺织", 3),
        ("电子科技", 3),
    ),
    "建筑业": (("建筑安装", 5), ("装饰工程", 5)),
    "交通运输、仓储和邮政业": (("快递", 2), ("仓储", 2)),
    "卫生和社会工作": (("养老", 1), ("康复", 1)),
    "居民服务、修理和其他服务业": (("汽车维修", 3),),
}
#: Average wage by industry in 2022 (yuan a year; illustrative, Hunan-like), +4 % a year.
_WAGE_2022 = {
    "制造业": 68_000,
    "建筑业": 66_000,
    "批发和零售业": 60_000,
    "住宿和餐饮业": 58_000,
    "交通运输、仓储和邮政业": 74_000,
    "卫生和社会工作": 98_000,
    "教育": 96_000,
    "公共管理、社会保障和社会组织": 94_000,
    "信息传输、软件和信息技术服务业": 102_000,
    "金融业": 104_000,
    "租赁和商务服务业": 66_000,
    "居民服务、修理和其他服务业": 58_000,
    "房地产业": 76_000,
}
_WAGE_GROWTH = 1.04
#: National per-capita disposable income of urban residents (yuan; 一次性工亡补助金 = 20 ×
#: the previous year's) and Hunan's average monthly wage (illustrative; 丧葬补助金 = 6 ×).
_URBAN_INCOME = {2019: 42_359, 2020: 43_834, 2021: 47_412, 2022: 49_283, 2023: 51_821}
_PROVINCE_MONTHLY = {2019: 5_300, 2020: 5_600, 2021: 5_900, 2022: 6_200, 2023: 6_500}
#: 一次性伤残补助金 in months of the worker's wage, grades 1–10; 伤残津贴 grades 1–4.
_DISABILITY_MONTHS = (27, 25, 23, 21, 18, 16, 13, 11, 9, 7)
_ALLOWANCE_SHARE = (0.90, 0.85, 0.80, 0.75)

#: Occupational diseases by words of the enterprise name (manufacturing and construction).
_HAZARDS = (
    ("建材", ("矽肺", "噪声聋")),
    ("精密铸造", ("铸工尘肺", "噪声聋")),
    ("钢结构", ("电焊工尘肺", "噪声聋")),
    ("机械制造", ("电焊工尘肺", "噪声聋")),
    ("农机", ("电焊工尘肺", "噪声聋")),
    ("环保设备", ("电焊工尘肺",)),
    ("汽车零部件", ("噪声聋", "电焊工尘肺")),
    ("电气设备", ("噪声聋",)),
    ("纺织", ("噪声聋", "棉尘病")),
    ("纸业", ("噪声聋",)),
    ("塑胶制品", ("苯中毒",)),
    ("包装材料", ("苯中毒", "噪声聋")),
    ("家具", ("苯中毒", "噪声聋")),
    ("新材料", ("苯中毒",)),
    ("药业", ("苯中毒",)),
    ("电子科技", ("正己烷",)),
    ("建设工程", ("矽肺", "噪声聋")),
    ("路桥工程", ("矽肺", "噪声聋")),
    ("市政工程", ("矽肺",)),
    ("装饰工程", ("苯中毒",)),
)
#: Diagnoses of each disease: (text, weight, disability grades it leads to).
_DIAGNOSES: dict[str, tuple[tuple[str, float, tuple[int, ...]], ...]] = {
    "矽肺": (
        ("职业性矽肺壹期", 6.0, (7,)),
        ("职业性尘肺病（矽肺贰期）", 3.0, (4, 5)),
        ("职业性尘肺病（矽肺叁期）", 1.0, (2, 3)),
    ),
    "铸工尘肺": (("职业性铸工尘肺壹期", 7.0, (7,)), ("职业性铸工尘肺贰期", 3.0, (4, 5))),
    "电焊工尘肺": (
        ("职业性电焊工尘肺壹期", 7.0, (7,)),
        ("职业性尘肺病（电焊工尘肺贰期）", 3.0, (5,)),
    ),
    "噪声聋": (
        ("职业性噪声聋（轻度）", 6.0, (10,)),
        ("职业性噪声聋（中度）", 3.0, (8, 9)),
        ("职业性噪声聋（重度）", 1.0, (5, 6)),
    ),
    "苯中毒": (("职业性慢性轻度苯中毒", 7.0, (9,)), ("职业性慢性中度苯中毒", 3.0, (6, 7))),
    "正己烷": (("职业性慢性轻度正己烷中毒", 1.0, (9,)),),
    "棉尘病": (("职业性棉尘病（壹级）", 1.0, (9, 10)),),
}

#: Planted enterprises: (plant, how many, insured from–to, industries or None for any).
_HAZARDOUS = ("制造业", "建筑业", "交通运输、仓储和邮政业")
_PLANTS = (
    ("one_large_claim", 2, (8, 12), None),
    ("trained_drop", 1, (150, 600), _HAZARDOUS),
    ("trained_null", 2, (150, 600), _HAZARDOUS),
    ("incidence_only", 3, (60, 400), "class>=5"),
    ("both_high", 8, (50, 150), _HAZARDOUS),
)
_NEVER_PLANTED = ("公共管理、社会保障和社会组织", "教育")
#: Severity mixes (轻伤, 重伤, 死亡) of the planted extra injuries.
_MIX = {
    "both_high": (0.65, 0.30, 0.05),
    "trained_drop": (0.8, 0.18, 0.02),
    "trained_null": (0.8, 0.18, 0.02),
    "incidence_only": (1.0, 0.0, 0.0),
}
_TRAINED_RATE = {"trained_drop": (4.0, 1.5), "trained_null": (3.0, 3.0)}
#: Plants whose extra cases the fund always pays (the payout plants); the trained ones'
#: extra cases are paid like any other.
_ALWAYS_PAID = ("both_high", "incidence_only", "one_large_claim")

CONTRIBUTION_HEADER = [
    "统一社会信用代码",
    "单位名称",
    "年度",
    "参保人数",
    "缴费工资总额",
    "行业风险类别",
    "应缴金额",
    "实缴金额",
]
PAYOUT_HEADER = [
    "统一社会信用代码",
    "单位名称",
    "支付日期",
    "支付金额",
    "认定书编号",
    "待遇项目",
    "支付流水号",
]
_TITLE = "示范市{what}（合成演示数据，非真实数据）"
_NOTE = "本工作簿为 trafficprev 生成的合成演示数据（示范市），不含任何真实个人或单位信息。"
_DECISION = re.compile(r"〔(\d{4})〕(\d+)号")


@dataclass(frozen=True)
class PrecisionData:
    """What :func:`precision_data` adds to the demo city.

    Attributes
    ----------
    rows
        The 2023–2024 determination rows, the drawn ones and the added ones sorted by time
        (export columns plus ``_year``, ``_quarter``, ``_when``).
    added
        The added 2023–2024 rows alone (the last quarter's go into its CSV).
    truth
        The truth rows of every determination, 2022 included, in time order.
    rows_2022
        The 2022 determinations.
    measures, measures_truth
        The training rows of the trained planted enterprises, and their truth.
    plants
        ``truth/precision_enterprises.csv``.
    contributions, payouts
        The two ledgers, with their export columns.
    claims
        ``truth/precision_cases.csv``: per determination (and per 2021 determination paid
        from 2022) whether the fund paid it, the disability grade and the sum paid.
    """

    rows: pd.DataFrame
    added: pd.DataFrame
    truth: pd.DataFrame
    rows_2022: pd.DataFrame
    measures: pd.DataFrame
    measures_truth: pd.DataFrame
    plants: pd.DataFrame
    contributions: pd.DataFrame
    payouts: pd.DataFrame
    claims: pd.DataFrame


# --- enterprises ------------------------------------------------------------------------------


def risk_classes(enterprises: pd.DataFrame) -> pd.Series:
    """The industry risk class (1–8) of each enterprise, by its industry and name.

    Parameters
    ----------
    enterprises
        ``name`` and ``industry`` columns.

    Returns
    -------
    pandas.Series
        Class numbers 1–8 (人社部发〔2015〕71号), indexed like `enterprises`.
    """

    def one(industry: str, name: str) -> int:
        for word, cls in _CLASS_OF_NAME.get(industry, ()):
            if word in name:
                return cls
        return _CLASS_OF_INDUSTRY.get(industry, 3)

    return pd.Series(
        [one(i, n) for i, n in zip(enterprises["industry"], enterprises["name"], strict=True)],
        index=enterprises.index,
        dtype=int,
    )


def _candidates(
    pool: pd.DataFrame, size: tuple[int, int], industries: Any, rank: pd.Series
) -> pd.DataFrame:
    """`pool`'s enterprises fit for a plant, the best first: those whose insured headcount
    lies in `size` by their seeded rank, then the others by distance to `size`."""
    if industries == "class>=5":
        pool = pool[pool["risk_class"] >= 5]
    elif industries is not None:
        pool = pool[pool["industry"].isin(industries)]
    lo, hi = size
    dist = np.maximum(lo - pool["insured"], pool["insured"] - hi).clip(lower=0)
    return pool.assign(_d=dist, _r=rank.loc[pool.index]).sort_values(["_d", "_r"])


def plant_enterprises(
    world: World, sim: Simulation, config: DemoConfig, taken: Sequence[str], busy: Sequence[str]
) -> pd.DataFrame:
    """Choose the planted enterprises by a rule from the seed (never by their outcomes).

    Every register enterprise but the risky (commuting) ones, those `taken` by another
    measure, offices and schools is ranked by a seeded permutation; each plant in turn takes
    the best-ranked ones of its industries whose insured headcount is in its range (nearest
    outside it when too few are). A one-large-claim firm must have no determination in the
    drawn exports (`busy`: credit codes with one), so that its one death is all it has.

    Returns
    -------
    pandas.DataFrame
        ``credit_code, name, industry, insured, risk_class, plant, multiplier,
        multiplier_after, change_on, relative_drop, years, note``.
    """
    rng = np.random.default_rng([config.seed, _STREAM_PLANTS])
    ents = world.enterprises.sort_values("credit_code", ignore_index=True)
    ents = ents.assign(risk_class=risk_classes(ents))
    rank = pd.Series(rng.permutation(len(ents)), index=ents.index)
    excluded = set(sim.risky_enterprises["credit_code"]) | set(taken)
    pool = ents[~ents["credit_code"].isin(excluded) & ~ents["industry"].isin(_NEVER_PLANTED)]
    years = _years(config)
    rows = []
    for plant, count, size, industries in _PLANTS:
        fit = pool if plant != "one_large_claim" else pool[~pool["credit_code"].isin(busy)]
        chosen = _candidates(fit, size, industries, rank).head(count)
        pool = pool.drop(chosen.index)
        for k, e in enumerate(chosen.itertuples()):
            rows.append(_plant_row(plant, k, e, years, rng))
    return pd.DataFrame(rows)


def _plant_row(
    plant: str, k: int, e: Any, years: tuple[int, ...], rng: np.random.Generator
) -> dict[str, object]:
    """The truth row of the `k`-th enterprise `e` of `plant`."""
    row: dict[str, object] = {
        "credit_code": e.credit_code,
        "name": e.name,
        "industry": e.industry,
        "insured": int(e.insured),
        "risk_class": CLASS_NAMES[e.risk_class - 1],
        "plant": plant,
        "multiplier": np.nan,
        "multiplier_after": np.nan,
        "change_on": "",
        "relative_drop": np.nan,
        "years": f"{years[0]}-{years[-1]}",
    }
    if plant == "one_large_claim":
        year = years[1] if k == 0 else years[0]
        row.update(years=str(year), note=f"one death at work in {year} and no other case")
    elif plant in _TRAINED_RATE:
        before, after = _TRAINED_RATE[plant]
        row.update(
            multiplier=before,
            multiplier_after=after,
            change_on=f"{years[1]}-07-01",
            relative_drop=round(1 - after / before, 4),
            note=f"workplace injuries x{before:g}, x{after:g} from the training on "
            f"{years[1]}-07-01",
        )
    elif plant == "incidence_only":
        row.update(multiplier=4.0, note="workplace injuries x4, the extra ones minor (轻伤)")
    else:
        m = float(rng.choice([3.0, 3.5, 4.0, 4.5, 5.0]))
        row.update(multiplier=m, note=f"workplace injuries x{m:g}, a normal-to-severe mix")
    return row


def _years(config: DemoConfig) -> tuple[int, ...]:
    """The precision window: the year before the first quarter's to the last quarter's."""
    quarters = config.quarter_list()
    return tuple(range(int(quarters[0][:4]) - 1, int(quarters[-1][:4]) + 1))


# --- extra determinations ---------------------------------------------------------------------


def _day_between(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end), uniformly."""
    return start + dt.timedelta(days=int(rng.integers(max(1, (end - start).days))))


def _at_work(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    """A working hour on `day`."""
    return dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(60))))


def _planted_items(
    plants: pd.DataFrame, base_rate: float, years: tuple[int, ...], rng: np.random.Generator
) -> list[dict[str, object]]:
    """The planted workplace injuries, on random days.

    A planted enterprise's rate is its multiplier times the city's workplace rate per
    insured worker (`base_rate`; after the training, the multiplier after it). In the first
    year no baseline injury is drawn there, so the plant writes all of them; in the drawn
    years it adds (multiplier − 1) times the rate. Counts are rounded expectations, not
    draws, so that the planted change shows beyond the baseline's own noise.
    """
    out: list[dict[str, object]] = []
    for p in plants.itertuples():
        if p.plant == "one_large_claim":
            year = int(p.years)
            day = _day_between(rng, dt.date(year, 2, 1), dt.date(year, 10, 1))
            out.append(_item(p, _at_work(rng, day), "死亡"))
            continue
        change = dt.date.fromisoformat(p.change_on) if p.plant in _TRAINED_RATE else None
        for year in years:
            lo, hi = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
            parts = [(lo, hi, p.multiplier)]
            if change is not None and change <= lo:
                parts = [(lo, hi, p.multiplier_after)]
            elif change is not None and change < hi:
                parts = [(lo, change, p.multiplier), (change, hi, p.multiplier_after)]
            drawn = 0.0 if year == years[0] else 1.0
            for a, b, multiplier in parts:
                mean = (multiplier - drawn) * base_rate * p.insured * (b - a).days / 365.25
                for _ in range(round(mean)):
                    when = _at_work(rng, _day_between(rng, a, b))
                    severity = str(rng.choice(["轻伤", "重伤", "死亡"], p=_MIX[p.plant]))
                    out.append(_item(p, when, severity, minor=p.plant == "incidence_only"))
    return out


def _item(
    p: Any, when: dt.datetime, severity: str, *, minor: bool = False, diagnosis: str = ""
) -> dict[str, object]:
    """One extra determination to write: time, enterprise, severity, plant, diagnosis."""
    return {
        "when": when,
        "credit_code": p.credit_code,
        "severity": severity,
        "plant": getattr(p, "plant", ""),
        "minor": minor,
        "diagnosis": diagnosis,
    }


def _disease_items(
    world: World,
    exclude: Sequence[str],
    years: tuple[int, ...],
    per_year: float,
    rng: np.random.Generator,
) -> list[dict[str, object]]:
    """Occupational diseases: Poisson(`per_year`) a year at dusty, noisy or chemical
    enterprises (by insured headcount), dated on a weekday (the diagnosis)."""
    ents = world.enterprises.sort_values("credit_code", ignore_index=True)
    stems = [
        next((s for word, s in _HAZARDS if word in name), ())
        if industry in ("制造业", "建筑业") and code not in exclude
        else ()
        for name, industry, code in zip(
            ents["name"], ents["industry"], ents["credit_code"], strict=True
        )
    ]
    exposed = [i for i, s in enumerate(stems) if s]
    if not exposed:
        return []
    p = ents.loc[exposed, "insured"].to_numpy(float)
    out: list[dict[str, object]] = []
    for year in years:
        for _ in range(int(rng.poisson(per_year))):
            k = exposed[int(rng.choice(len(exposed), p=p / p.sum()))]
            stem = stems[k][int(rng.integers(len(stems[k])))]
            texts = _DIAGNOSES[stem]
            w = np.array([t[1] for t in texts])
            diagnosis = texts[int(rng.choice(len(texts), p=w / w.sum()))][0]
            day = _day_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 20))
            day += dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)
            when = dt.datetime.combine(day, dt.time())
            out.append(_item(ents.loc[k], when, "职业病", diagnosis=diagnosis))
    return out


def _date_cell(when: dt.datetime, rng: np.random.Generator) -> str:
    """A date-only 受伤时间 cell (an occupational disease is dated on its diagnosis)."""
    y, m, d = when.year, when.month, when.day
    forms = (f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}/{m}/{d}", f"{y}年{m:02d}月{d:02d}日")
    return forms[int(rng.choice(4, p=[0.4, 0.4, 0.15, 0.05]))]


def _added_rows(
    items: list[dict[str, object]], world: World, rng: np.random.Generator, first_worker: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Export rows (decision numbers still empty) and truth rows of the extra items."""
    from .democity import _truth_row

    ents = world.enterprises.set_index("credit_code")
    rows, truth = [], []
    for i, it in enumerate(items):
        when, code = it["when"], str(it["credit_code"])
        ent = ents.loc[code]
        od = bool(it["diagnosis"])
        male = rng.random() < (0.85 if od else 0.62)
        age = int(np.clip(rng.normal(50, 7) if od else rng.normal(42, 10), 18, 63))
        birth = dt.date(when.year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        facts = CaseFacts(
            worker=worker_name(first_worker + i),
            employer=str(ent["name"]),
            when=when,
            direction="无",
            mode="其他",
            counterpart="未知",
            responsibility="未认定",
            traffic=False,
            severity="重伤" if od else str(it["severity"]),
            disease=str(it["diagnosis"]) or None,
        )
        decided = when.date() + dt.timedelta(
            days=int(rng.integers(20, 60) if od else rng.integers(25, 90))
        )
        rows.append(
            {
                "认定书编号": "",
                "职工姓名": facts.worker,
                "身份证号码": fake_id(rng, birth, male),
                "性别": "男" if male else "女",
                "年龄": str(age) if rng.random() < 0.8 else "",
                "联系电话": fake_phone(rng),
                "用人单位": facts.employer,
                "统一社会信用代码": code,
                "所属行业": ent["industry"],
                "受伤时间": _date_cell(when, rng) if od else time_text(when, rng),
                "受伤地点": str(rng.choice(["", "", "单位车间", "厂区内", "工作岗位"])),
                "受伤经过": narrative_text(facts, rng),
                "事故责任": "",
                "认定依据": basis_text(facts, rng),
                "认定结论": str(rng.choice(["认定工伤", "予以认定"], p=[0.85, 0.15])),
                "认定日期": f"{decided:%Y-%m-%d}",
                "伤情": "职业病" if od else str(it["severity"]),
                "_year": when.year,
                "_quarter": f"{when.year}Q{(when.month - 1) // 3 + 1}",
                "_when": when,
                "_plant": str(it["plant"]),
                "_minor": bool(it["minor"]),
                "_diagnosis": str(it["diagnosis"]),
            }
        )
        truth.append(_truth_row("", {}, facts, None, code))
    return pd.DataFrame(rows), pd.DataFrame(truth)


def _number(
    rows: pd.DataFrame, truth: pd.DataFrame, start: dict[int, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Number `rows` (and their aligned `truth`) in decision-date order, each decision year
    from ``start[year] + 1`` (from 1 for a year not in `start`)."""
    rows, truth = rows.reset_index(drop=True), truth.reset_index(drop=True)
    order = rows.sort_values(["认定日期", "_when"], kind="stable").index
    counter = dict(start)
    numbers = pd.Series("", index=rows.index, dtype=object)
    for k in order:
        year = int(rows.at[k, "认定日期"][:4])
        counter[year] = counter.get(year, 0) + 1
        numbers[k] = f"示人社工伤认字〔{year}〕{counter[year]:04d}号"
    return rows.assign(认定书编号=numbers), truth.assign(decision_no=numbers)


def _last_numbers(numbers: pd.Series) -> dict[int, int]:
    """The highest number of each decision year in `numbers` (〔2023〕1281号 → {2023: 1281})."""
    found = numbers.str.extract(_DECISION).dropna().astype(int)
    return {int(y): int(n) for y, n in found.groupby(0)[1].max().items()}


# --- contributions ------------------------------------------------------------------------------


def _wage(industry: str, year: int) -> float:
    """The average yearly wage of `industry` in `year`."""
    return _WAGE_2022.get(industry, 65_000) * _WAGE_GROWTH ** (year - 2022)


def contributions(world: World, plants: pd.DataFrame, config: DemoConfig) -> pd.DataFrame:
    """The contributions ledger: one row per enterprise and year of the window.

    参保人数 is the year's average insured headcount, the register's in the last year and
    drifting a few per cent a year before; 缴费工资总额 is that times the industry's average
    wage times the enterprise's own level (0.75–1.35); 应缴金额 applies the base rate of
    the risk class (人社部发〔2015〕71号) and the enterprise's floating rate (most 100 %;
    50–150 %, 120 % for the incidence-only plants); 实缴金额 falls short of it for about
    3 % of the rows.

    Returns
    -------
    pandas.DataFrame
        The :data:`CONTRIBUTION_HEADER` columns, by credit code and year.
    """
    rng = np.random.default_rng([config.seed, _STREAM_LEDGER])
    ents = world.enterprises.sort_values("credit_code", ignore_index=True)
    classes = risk_classes(ents)
    years = _years(config)
    high = set(plants.loc[plants["plant"] == "incidence_only", "credit_code"])
    rows = []
    for e, cls in zip(ents.itertuples(), classes, strict=True):
        level = float(np.clip(np.exp(rng.normal(0.0, 0.12)), 0.75, 1.35))
        if cls == 1:
            floating = float(rng.choice([1.0, 1.2, 1.5], p=[0.9, 0.07, 0.03]))
        else:
            floating = float(
                rng.choice([0.5, 0.8, 1.0, 1.2, 1.5], p=[0.04, 0.08, 0.75, 0.09, 0.04])
            )
        if e.credit_code in high:
            floating = 1.2
        insured = [e.insured * float(np.exp(rng.normal(0.0, 0.01)))]
        for _ in years[1:]:
            insured.insert(0, insured[0] / float(np.exp(rng.normal(0.02, 0.04))))
        for year, n in zip(years, insured, strict=True):
            n = max(1.0, round(n * 12) / 12)
            wage_bill = round(n * _wage(e.industry, year) * level)
            due = round(wage_bill * BASE_RATES[cls - 1] * floating, 2)
            paid = due if rng.random() >= 0.03 else round(due * rng.uniform(0.4, 0.95), 2)
            rows.append(
                [
                    e.credit_code,
                    e.name,
                    year,
                    round(n, 2),
                    wage_bill,
                    CLASS_NAMES[cls - 1],
                    due,
                    paid,
                ]
            )
    return pd.DataFrame(rows, columns=CONTRIBUTION_HEADER)


# --- payouts ----------------------------------------------------------------------------------


def _money(rng: np.random.Generator, lo: float, hi: float, median: float) -> float:
    """An amount around `median` (log-normal), within [lo, hi], in yuan and fen."""
    return round(float(np.clip(median * np.exp(rng.normal(0.0, 0.6)), lo, hi)), 2)


def _monthly(start: dt.date, amount: float, item: str, end: dt.date) -> list[tuple]:
    """A monthly payment on the 15th from the month after `start` up to `end`."""
    out = []
    year, month = start.year, start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = dt.date(year, month, 15)
        if day > end:
            return out
        out.append((day, round(amount, 2), item))


def _grade(rng: np.random.Generator, severity: str, minor: bool, diagnosis: str) -> int:
    """The disability grade a case ends with (0: none)."""
    if diagnosis:
        for texts in _DIAGNOSES.values():
            for text, _, grades in texts:
                if text == diagnosis:
                    return int(grades[int(rng.integers(len(grades)))])
    if severity == "重伤":
        r = rng.random()
        if r < 0.05:
            return int(rng.choice([1, 2, 3, 4], p=[0.1, 0.2, 0.3, 0.4]))
        if r < 0.9:
            return int(rng.choice(range(5, 11), p=np.array([1, 2, 3, 4, 5, 5]) / 20))
        return 0
    if severity == "轻伤" and not minor and rng.random() < 0.25:
        return 10 if rng.random() < 0.7 else 9
    return 0


def _claim_payments(
    claim: pd.Series, rng: np.random.Generator, end: dt.date
) -> tuple[list[tuple], int]:
    """Every payment (date, amount, 待遇项目) of one case the fund pays, and its grade.

    Medical bills by severity, 一次性伤残补助金 (7–27 months of the worker's wage) and
    伤残津贴 (grades 1–4, monthly), 一次性工亡补助金 (20 × the previous year's national urban
    per-capita disposable income), 丧葬补助金 (6 months of the province's average wage) and
    供养亲属抚恤金 (monthly); lump sums 1–12 months after the decision.
    """
    decided, year, severity = claim["decided"], claim["injured"].year, claim["severity"]
    wage = _wage(claim["industry"], year) / 12 * float(np.exp(rng.normal(0.0, 0.25)))
    wage = float(np.clip(wage, 0.6 * _PROVINCE_MONTHLY[year - 1], 3 * _PROVINCE_MONTHLY[year - 1]))

    def after(lo: int, hi: int) -> dt.date:
        return decided + dt.timedelta(days=int(rng.integers(lo, hi)))

    pay: list[tuple] = []
    if severity == "死亡":
        if rng.random() < 0.5:
            pay.append((after(30, 120), _money(rng, 5_000, 80_000, 20_000), "医疗费"))
        when = after(30, 120)
        pay.append((when, float(20 * _URBAN_INCOME[year - 1]), "一次性工亡补助金"))
        pay.append((when, float(6 * _PROVINCE_MONTHLY[year - 1]), "丧葬补助金"))
        n = int(rng.choice(4, p=[0.3, 0.3, 0.25, 0.15]))
        if n:
            pay += _monthly(when, min(0.4 + 0.3 * (n - 1), 1.0) * wage, "供养亲属抚恤金", end)
        return pay, 0
    if severity == "职业病":
        bills = [_money(rng, 5_000, 80_000, 20_000) for _ in range(1 + int(rng.random() < 0.4))]
    elif severity == "重伤":
        total = _money(rng, 30_000, 200_000, 70_000)
        k = 1 + int(rng.integers(3))
        bills = [round(total / k, 2)] * k
    elif claim["minor"]:
        bills = [_money(rng, 800, 5_000, 2_000)]
    else:
        bills = [_money(rng, 2_000, 20_000, 6_000)]
    pay += [(after(30, 240), amount, "医疗费") for amount in bills]
    grade = _grade(rng, severity, bool(claim["minor"]), str(claim["diagnosis"]))
    if grade:
        when = after(90, 366)
        pay.append((when, round(_DISABILITY_MONTHS[grade - 1] * wage, 2), "一次性伤残补助金"))
        if grade <= 4:
            pay += _monthly(when, _ALLOWANCE_SHARE[grade - 1] * wage, "伤残津贴", end)
    return pay, grade


def _earlier_claims(
    world: World, config: DemoConfig, exclude: Sequence[str], rng: np.random.Generator
) -> pd.DataFrame:
    """The recognised cases decided in the year before the window (no export holds them):
    some of their payments fall in the window. Numbered 〔year〕0001… in decision order."""
    year = _years(config)[0] - 1
    ents = world.enterprises.sort_values("credit_code", ignore_index=True)
    ents = ents[~ents["credit_code"].isin(exclude)].reset_index(drop=True)
    n = int(rng.poisson(config.n_determinations * 4 / config.quarters * 0.95))
    p = ents["insured"].to_numpy(float)
    picks = rng.choice(len(ents), size=n, p=p / p.sum())
    decided = np.sort(rng.integers(0, 365, size=n))
    lags = rng.integers(25, 90, size=n)
    severity = rng.choice(["轻伤", "重伤", "死亡"], size=n, p=[0.8, 0.18, 0.02])
    start = dt.date(year, 1, 1)
    return pd.DataFrame(
        {
            "decision_no": [f"示人社工伤认字〔{year}〕{k + 1:04d}号" for k in range(n)],
            "credit_code": ents.loc[picks, "credit_code"].to_numpy(),
            "name": ents.loc[picks, "name"].to_numpy(),
            "industry": ents.loc[picks, "industry"].to_numpy(),
            "injured": [
                start + dt.timedelta(days=int(d - g)) for d, g in zip(decided, lags, strict=True)
            ],
            "decided": [start + dt.timedelta(days=int(d)) for d in decided],
            "severity": severity,
            "plant": "",
            "minor": False,
            "diagnosis": "",
            "recognised": True,
            "in_exports": False,
        }
    )


def _export_claims(rows: pd.DataFrame) -> pd.DataFrame:
    """The cases of the export rows `rows`, in the columns of :func:`_earlier_claims`."""
    return pd.DataFrame(
        {
            "decision_no": rows["认定书编号"].to_numpy(),
            "credit_code": rows["统一社会信用代码"].to_numpy(),
            "name": rows["用人单位"].to_numpy(),
            "industry": rows["所属行业"].to_numpy(),
            "injured": [w.date() for w in rows["_when"]],
            "decided": [dt.date.fromisoformat(d) for d in rows["认定日期"]],
            "severity": rows["伤情"].to_numpy(),
            "plant": rows["_plant"].to_numpy(),
            "minor": rows["_minor"].to_numpy(bool),
            "diagnosis": rows["_diagnosis"].to_numpy(),
            "recognised": (rows["认定结论"] != "不予认定工伤").to_numpy(),
            "in_exports": True,
        }
    )


def payouts(claims: pd.DataFrame, config: DemoConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fund's payments in the window, and per case what the fund paid.

    A recognised case is paid with probability :data:`FUND_PAID_SHARE`, an extra case of a
    payout plant (both high, incidence only, one large claim) always; refused ones never.

    Returns
    -------
    payments
        The :data:`PAYOUT_HEADER` columns, by payment date.
    claims
        `claims` with ``fund_paid``, ``disability_grade`` and ``paid_in_window``.
    """
    rng = np.random.default_rng([config.seed, _STREAM_PAYOUTS])
    years = _years(config)
    start, end = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    claims = claims.sort_values(["decided", "decision_no"], ignore_index=True)
    out, paid, grades, totals = [], [], [], []
    for _, c in claims.iterrows():
        always = c["plant"] in _ALWAYS_PAID
        fund = bool(c["recognised"]) and (always or rng.random() < FUND_PAID_SHARE)
        pay, grade = _claim_payments(c, rng, end) if fund else ([], 0)
        pay = [p for p in pay if start <= p[0] <= end]
        out += [(c["credit_code"], c["name"], d, a, c["decision_no"], item) for d, a, item in pay]
        paid.append(fund)
        grades.append(grade)
        totals.append(round(sum(a for _, a, _ in pay), 2))
    frame = pd.DataFrame(out, columns=["code", "name", "day", "amount", "no", "item"])
    frame = frame.sort_values(["day", "no", "item"], kind="stable", ignore_index=True)
    seq = frame.groupby("day").cumcount() + 1
    payments = pd.DataFrame(
        {
            "统一社会信用代码": frame["code"],
            "单位名称": frame["name"],
            "支付日期": [f"{d:%Y-%m-%d}" for d in frame["day"]],
            "支付金额": [f"{a:.2f}" for a in frame["amount"]],
            "认定书编号": frame["no"],
            "待遇项目": frame["item"],
            "支付流水号": [f"ZF{d:%Y%m%d}{k:04d}" for d, k in zip(frame["day"], seq, strict=True)],
        }
    )
    claims = claims.assign(fund_paid=paid, disability_grade=grades, paid_in_window=totals)
    return payments, claims


# --- assembly ----------------------------------------------------------------------------------


def _first_year(
    world: World,
    sim: Simulation,
    config: DemoConfig,
    extra: tuple[pd.DataFrame, pd.DataFrame],
    plants: pd.DataFrame,
    last_numbers: dict[int, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The determinations of the year before the traffic quarters, and their truth.

    Its commuting accidents come from a second simulation of the same world (its own seed
    stream, the same risky enterprises, no hotspot active, none at a one-large-claim firm),
    its workplace injuries are drawn like the other years' (none at the planted enterprises:
    the plant writes theirs), `extra` (rows, truth) are added. Numbered by decision date:
    〔year〕0001…, and those decided the next year from the next thousand above that
    year's `last_numbers` (a range no other export uses).
    """
    from .democity import determinations

    year = _years(config)[0]
    n = round(config.n_determinations * 4 / config.quarters)
    first = replace(config, first_quarter=f"{year}Q1", quarters=4, n_determinations=n)
    lonely = plants.loc[plants["plant"] == "one_large_claim", ["credit_code", "name", "insured"]]
    risky = pd.concat([sim.risky_enterprises, lonely.assign(risk_multiplier=0.0)])
    again = simulate(world, first, stream=_STREAM_SIM, risky=risky, hotspots=sim.hotspots)
    rows, truth = determinations(
        world,
        again,
        first,
        stream=_STREAM_CASES,
        weights=pd.Series(0.0, index=plants["credit_code"].tolist(), dtype=float),
        first_worker=_WORKERS_2022,
    )
    rows = pd.concat([rows.assign(_plant="", _minor=False, _diagnosis=""), extra[0]])
    truth = pd.concat([truth, extra[1]])
    start = {year + 1: 1000 * math.ceil(last_numbers.get(year + 1, 0) / 1000)}
    rows, truth = _number(rows, truth, start)
    order = rows.sort_values("_when", kind="stable").index
    return rows.loc[order].reset_index(drop=True), truth.loc[order].reset_index(drop=True)


def _training(plants: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The measures rows (and truth rows) of the trained planted enterprises."""
    trained = plants[plants["plant"].isin(list(_TRAINED_RATE))]
    rows = [["培训", e.name, "", "", "", e.change_on] for e in trained.itertuples()]
    truth = [
        ("培训", e.name, e.credit_code, e.change_on, "rate_drops" if e.relative_drop else "none")
        for e in trained.itertuples()
    ]
    return (
        pd.DataFrame(rows, columns=["类型", "道路或单位", "经度", "纬度", "坐标系", "实施日期"]),
        pd.DataFrame(
            truth,
            columns=["kind", "target", "hotspot_or_credit_code", "implemented_on", "planted"],
        ),
    )


def _extra_cases(
    world: World, plants: pd.DataFrame, config: DemoConfig, drawn_truth: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The planted extra injuries and the occupational diseases of every year of the window,
    as export rows (not numbered yet) and truth rows, in time order.

    The planted counts scale with the city's workplace-injury rate per insured worker and
    year in the drawn determinations (`drawn_truth`)."""
    years = _years(config)
    per_year = config.n_determinations * 4 / config.quarters
    workplace = int((~drawn_truth["commuting"].astype(bool)).sum())
    base_rate = workplace / (float(world.enterprises["insured"].sum()) * config.quarters / 4)
    lonely = plants.loc[plants["plant"] == "one_large_claim", "credit_code"].tolist()
    rng = np.random.default_rng([config.seed, _STREAM_EXTRA])
    items = _planted_items(plants, base_rate, years, rng)
    items += _disease_items(world, lonely, years, OD_SHARE * per_year, rng)
    items.sort(key=lambda it: (it["when"], str(it["credit_code"])))
    return _added_rows(items, world, rng, _WORKERS_ADDED)


def _in_time_order(truths: Sequence[pd.DataFrame], rows: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The truth frames, each aligned with its rows frame, merged and sorted by injury time
    (a stable sort: rows of the same time keep their order)."""
    merged = pd.concat(truths, ignore_index=True)
    merged["_when"] = pd.concat([r["_when"] for r in rows], ignore_index=True).to_numpy()
    return merged.sort_values("_when", kind="stable", ignore_index=True).drop(columns="_when")


def precision_data(
    world: World,
    sim: Simulation,
    config: DemoConfig,
    drawn: tuple[pd.DataFrame, pd.DataFrame],
    measures_truth: pd.DataFrame,
) -> PrecisionData:
    """Everything the precision project adds to the demo city.

    Parameters
    ----------
    world, sim, config
        The city, its commuting simulation and the configuration.
    drawn
        The determination rows and truth rows drawn for the traffic quarters (unchanged).
    measures_truth
        The truth of the existing measures (the enterprises trained there are not planted).

    Returns
    -------
    PrecisionData
        The merged 2023–2024 rows, the 2022 rows, the ledgers and the truth.
    """
    rows, truth = drawn
    rows = rows.assign(_plant="", _minor=False, _diagnosis="")
    trained = measures_truth.loc[measures_truth["kind"] == "培训", "hotspot_or_credit_code"]
    busy = rows["统一社会信用代码"].unique().tolist()
    plants = plant_enterprises(world, sim, config, trained.tolist(), busy)
    lonely = plants.loc[plants["plant"] == "one_large_claim", "credit_code"].tolist()
    extra, extra_truth = _extra_cases(world, plants, config, truth)
    later = (extra["_year"] > _years(config)[0]).to_numpy()
    added, added_truth = _number(
        extra[later], extra_truth[later], _last_numbers(rows["认定书编号"])
    )
    rows_2022, truth_2022 = _first_year(
        world,
        sim,
        config,
        (extra[~later], extra_truth[~later]),
        plants,
        _last_numbers(pd.concat([rows["认定书编号"], added["认定书编号"]])),
    )
    merged = pd.concat([rows, added]).sort_values("_when", kind="stable", ignore_index=True)
    claims = pd.concat(
        [
            _export_claims(rows_2022),
            _export_claims(merged),
            _earlier_claims(
                world, config, lonely, np.random.default_rng([config.seed, _STREAM_EARLIER])
            ),
        ],
        ignore_index=True,
    )
    payments, claims = payouts(claims, config)
    measures, measures_planted = _training(plants)
    return PrecisionData(
        rows=merged,
        added=added,
        truth=_in_time_order([truth, added_truth, truth_2022], [rows, added, rows_2022]),
        rows_2022=rows_2022,
        measures=measures,
        measures_truth=measures_planted,
        plants=plants,
        contributions=contributions(world, plants, config),
        payouts=payments,
        claims=claims,
    )


# --- writers -----------------------------------------------------------------------------------

_CONTRIBUTION_NOTES = (
    _NOTE,
    "一行为一个单位一个年度的工伤保险缴费情况。参保人数为年度平均参保人数（可含小数）。",
    "行业风险类别按《人力资源社会保障部 财政部关于调整工伤保险费率政策的通知》"
    "（人社部发〔2015〕71号）划分为一类至八类，基准费率依次为缴费工资总额的 0.2%、0.4%、0.7%、"
    "0.9%、1.1%、1.3%、1.6%、1.9%。",
    "应缴金额 = 缴费工资总额 × 基准费率 × 单位浮动费率（一类可上浮至120%、150%；二类至八类可"
    "上浮至120%、150%或下浮至80%、50%）。实缴金额低于应缴金额的为欠缴。",
    "工资数额为示意性数据，非官方统计数据。",
)


def write_precision(out: Path, data: PrecisionData) -> dict[str, Path]:
    """Write the precision files into `out` (``precision/`` and ``truth/``).

    Returns
    -------
    dict
        Name -> path of every file written.
    """
    from .democity import _write_xlsx

    folder = out / "precision"
    folder.mkdir(parents=True, exist_ok=True)
    year = int(data.rows_2022["_year"].min())
    years = sorted(data.contributions["年度"].unique())
    span = f"{years[0]}—{years[-1]}年"
    paths = {
        "precision_determinations": folder / f"determinations_{year}.xlsx",
        "contributions": folder / "contributions.xlsx",
        "payouts": folder / "payouts.csv",
        "truth_precision_enterprises": out / "truth" / "precision_enterprises.csv",
        "truth_precision_cases": out / "truth" / "precision_cases.csv",
    }
    _write_xlsx(
        paths["precision_determinations"],
        _TITLE.format(what=f"{year}年工伤认定台账"),
        data.rows_2022,
    )
    write_xlsx(
        paths["contributions"],
        [
            Sheet(
                "缴费台账",
                [CONTRIBUTION_HEADER, *data.contributions.itertuples(index=False)],
                title=_TITLE.format(what=f"工伤保险缴费台账（{span}）"),
            ),
            Sheet("说明", [[line] for line in _CONTRIBUTION_NOTES]),
        ],
        creator="trafficprev demo city (合成演示数据)",
    )
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_TITLE.format(what=f"工伤保险待遇支付台账（{span}）")])
    writer.writerow(PAYOUT_HEADER)
    writer.writerows(data.payouts[PAYOUT_HEADER].itertuples(index=False))
    paths["payouts"].write_bytes(buf.getvalue().encode("gb18030"))
    data.plants.to_csv(paths["truth_precision_enterprises"], index=False, encoding="utf-8")
    claims = data.claims.assign(injured_year=[d.year for d in data.claims["injured"]])
    claims[
        [
            "decision_no",
            "credit_code",
            "injured_year",
            "severity",
            "diagnosis",
            "plant",
            "in_exports",
            "recognised",
            "fund_paid",
            "disability_grade",
            "paid_in_window",
        ]
    ].to_csv(paths["truth_precision_cases"], index=False, encoding="utf-8")
    return paths
