"""Target groups (特定人群) and circumstance combinations (多发情形): the baseline against
statsmodels, the ranking beside mlxtend's association rules, the planted groups of the demo,
false call-outs in null worlds and the time at 100,000 cases.

    python benchmarks/bench_groups.py            # demo, 2nd world, 20 null worlds, 100,000
    python benchmarks/bench_groups.py --quick    # small tables only (smoke run)

The synthetic case table (:func:`synthetic`): independent fields with shares like the demo's
(industry, mode, sex, age, counterpart, place kind; 4 % of the industries, modes and
counterparts unknown, 20 % of the ages, 5 % of the places, 14 % of the times date-only),
except the two associations :data:`~trafficprev.groups.BLOCKS` keeps (the
time of day follows the direction; a 单方 accident is 全部 or 意外 responsibility), plus a
planted group: `planted` of the cases are 制造业 · 电动自行车 · 下班 · 22:30–01:30 (the demo's
G1). No record is real.

Six parts:

(a) **Baseline against statsmodels.** ``combinations`` (no exposure, the default blocks) on
    the demo window's cases (the 2024 window of the 2024Q4 run, as ``analyse_quarter``
    ranks them) and on a generated table of 20,000; beside it, for every sub-table of
    orders 2–4 (every combination of the fields, its full grid of categories, 未知
    included, with the joint categories of a block that occur), statsmodels'
    ``GLM(n, X, family=Poisson())`` with X = intercept + every main effect + the block
    interactions (a block inside the sub-table as one joint factor), fitted to tol 1e-13.
    Reported: the largest relative difference between each tested cell's expected count E
    and the GLM's fitted value (orders 2–4; order 1 is saturated, E = n), and the time of
    our whole table (counting, baseline, tests, pruning, bootstrap; and with ``n_boot=2``,
    nearly without the bootstrap; median of 3 after a warm-up) beside statsmodels fitting
    the same sub-tables from the same case frame (their fitted values only; one run, BLAS on
    one thread like ours: on the busy 2-core machine idle BLAS threads spin and the time
    jumps), as a ratio.
(b) **Beside mlxtend's association rules.** The same fields one-hot encoded (each
    ``field=value`` an item, 未知 and 未认定 left out as ``combinations`` leaves them out of any
    group), ``apriori`` (``low_memory=True``: the default needs 45 GB at 100,000 cases) and
    ``fpgrowth`` with ``max_len = max_order`` and a support of at least k cases (``min_support =
    (k − ½) / N``: fpgrowth turns k / N into ``ceil(k / N · N)`` cases, which floating point
    makes k + 1 for some N), then ``association_rules(metric="lift", min_threshold=1)``, ranked
    by lift (ties support). The frequent itemsets are then the cells we count, one for one (we
    test those whose baseline is not their own count: not a single field without exposure, nor a
    cell inside one block). On the demo, on a planted world (seed 7, (c)) and on 100,000
    generated cases: for each planted group the rank of the first row / rule that holds its core
    values; the top 10 of each side by side for the two worlds; the time of each at 100,000
    cases beside ours, as a ratio (one run of mlxtend; the one-hot encoding not timed).
    mlxtend's lift is ``P(A ∧ C) / (P(A) · P(C))``: against independence of antecedent and
    consequent only (the blocks' structure — going home in the evening, a 单方 accident's full
    responsibility — counts as a finding), with no test, no multiplicity control (every one of
    10⁴–10⁶ rules is a candidate) and no exposure (an industry with many insured has many
    cases). Its top 10 are rules of 3 or 4 cases whose items are each rare (an animal as
    counterpart, a rare industry). (d) counts its rules with lift > 2 in the null worlds.
(c) **The planted groups are ranked first**: the shipped demo through the package's own reading
    (``analyse_quarter`` on ``demo_files()``, quarter 2024Q4, as of 2025-01-15,
    ``result.targets``), and five second worlds (``make_demo_city`` with ``DemoConfig(seed=s,
    scale=0.8)``, s = 7–11, each area built from its own files, the same run; (b) shows the
    first). With 15 planted cases of each group in a window of about 385, G1 (a lift near 3 over
    a baseline of 5–6 cases) is at the edge of what the FDR step calls out; the count of worlds
    that call each group out is the figure. For each planted group (``truth/groups.csv``): its
    cases in the window, the rank of the first called-out row whose values hold the group's core
    values (G1 制造业 · 电动自行车 · 夜间, G2 步行 · 清晨), the first matching kept row
    whether called out or not (its lift interval and adjusted p), the number of called-out
    rows, whether G1's and G2's rows are called out before any other, and the rank of the
    core's circumstance part among the 多发情形 called out.
(d) **False call-outs in 20 null worlds**: ``group_world(DemoConfig(seed=s,
    n_risky_enterprises=0), share=0)`` for seeds 1–20 (planted hotspots and measures as
    usual; no planted group, no risky enterprise), exported with ``export_csv`` and read
    with ``read_determinations``; the recognised commuting cases of 2024Q1–Q4 (the run
    itself ranks the window's refused commuting cases too) geocoded on an area built from
    the world's own files (location: 交叉口 / 路段 from the geocoding level, no snapping),
    then ``combinations`` with TARGET_FIELDS (exposure: the register's insured by industry,
    ``exposure_of``) and with CIRCUMSTANCE_FIELDS, the pipeline's settings. Reported: the
    worlds in which anything is called out (the target: at most 5 %, 1 of 20) and
    mlxtend's rules with lift > 2 (support ≥ k cases) in the same cases.
(e) **Time at 100,000 cases**: :func:`synthetic` with a 4 % planted group and without one,
    ``combinations`` of the nine TARGET_FIELDS with max_order 4 and n_boot 200: median wall
    and CPU (this process) of 3 runs after a warm-up, cells tested, rows called out, the
    planted group's rank. The other rows called out beside a planted group follow from it:
    the baseline takes its margins from all the cases, which the planted cases (all 制造业,
    电动自行车, 下班, 夜间) shift, so cells without those values lie truly a few per cent
    above it (at 100,000 cases half of the others are such lifts of 1.05–1.09 of two
    fields, e.g. 步行 · 上班途中), and a few cells of 3–4 fields clear the bar on that shift
    plus chance (lift up to 5.3, n = 9); the same table without the planted group calls out
    nothing.

(f) **Sweeps of synthetic tables** (the figures of ``docs/groups.md``): :func:`synthetic`
    of 1,500 cases (nine TARGET_FIELDS, order 4, 50 bootstrap replicates, seed = table)
    without a planted group, the share of tables that call anything out (also at 300 and
    5,000 cases); with 20, 30 and 60 planted cases (60 also with ``min_called=3``: three cases
    may be called out), the tables that call the planted group out
    (a row holding its core), that rank it first, and that call out a row unrelated to it (a
    row with none of 制造业 · 电动自行车 · 下班 · 夜间, or another value of one of those
    fields), with the mean share of such rows among those called out.

``--quick`` (CI's smoke run, figures not measurements; every timing one run, no warm-up):
(a) on a generated table of 2,000 cases and the five CIRCUMSTANCE_FIELDS, (b) 2,000 generated
cases and the circumstance fields, (c) the tiny generated city the quick runs share
(``_shared.small_city``: 300 determinations, two planted groups of 3) instead of the demo and
the second worlds, (d) that tiny city's cases (geocoded once per process, the register's
exposure) instead of generated null worlds, (e) 3,000 cases, (f) one table per row.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mlxtend
import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth

ROOT = Path(__file__).resolve().parents[1]
for _folder in (ROOT, ROOT / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from _shared import markdown_table  # noqa: E402

from trafficprev.groups import (  # noqa: E402
    BLOCKS,
    CIRCUMSTANCE_FIELDS,
    TARGET_FIELDS,
    combination_frame,
    combinations,
)

#: The pipeline's settings of the ranking (``Settings``: k_police, group_max_order, …).
K, MAX_ORDER, N_BOOT = 3, 4, 200
#: Values that are never part of a group (``combinations`` leaves them out; so does (b)).
NOT_ITEMS = ("未知", "未认定")
#: The planted group of :func:`synthetic` (the demo's G1), as core values.
SYNTHETIC_CORE = {"industry": "制造业", "mode": "电动自行车", "time_band": "夜间"}
WINDOW = ("2024Q1", "2024Q2", "2024Q3", "2024Q4")
QUARTER, AS_OF = "2024Q4", dt.date(2025, 1, 15)

INDUSTRIES = {
    "制造业": 0.22, "建筑业": 0.12, "批发和零售业": 0.12, "交通运输、仓储和邮政业": 0.10,
    "住宿和餐饮业": 0.08, "居民服务、修理和其他服务业": 0.07, "卫生和社会工作": 0.06,
    "教育": 0.05, "公共管理、社会保障和社会组织": 0.05, "租赁和商务服务业": 0.05,
    "信息传输、软件和信息技术服务业": 0.04, "": 0.04,
}  # fmt: skip
MODES = {
    "电动自行车": 0.5, "摩托车": 0.14, "步行": 0.11, "小型汽车": 0.1, "自行车": 0.05,
    "乘车": 0.03, "公交": 0.03, "": 0.04,
}  # fmt: skip
COUNTERPARTS = {
    "小型汽车": 0.5, "电动自行车": 0.13, "货车": 0.09, "摩托车": 0.06, "渣土车": 0.04,
    "单方": 0.05, "公交客车": 0.03, "行人": 0.02, "逃逸未查获": 0.02, "动物": 0.02, "": 0.04,
}  # fmt: skip
RESPONSIBILITIES = {
    "无": 0.5, "次要": 0.2, "同等": 0.11, "主要": 0.08, "意外": 0.05, "未认定": 0.06,
}  # fmt: skip


def _draw(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    p = np.array(list(shares.values()))
    return rng.choice(np.array(list(shares), dtype=object), n, p=p / p.sum())


def synthetic(n: int, seed: int, planted: float = 0.04) -> pd.DataFrame:
    """`n` synthetic commuting cases (module docstring): independent fields but for the
    blocks' structure, the first ``round(planted · n)`` of them the planted group."""
    rng = np.random.default_rng(seed)
    m = round(planted * n)
    direction = np.where(rng.random(n) < 0.56, "上班", "下班").astype(object)
    u = rng.random(n)
    to_work = np.where(
        u < 0.8,
        rng.normal(460, 45, n),
        np.where(u < 0.92, rng.uniform(300, 660, n), rng.uniform(660, 1440, n)),
    )
    to_home = np.where(
        u < 0.75,
        rng.normal(1080, 70, n),
        np.where(u < 0.9, rng.uniform(660, 1260, n), rng.uniform(1260, 1740, n)),
    )
    minute = np.where(direction == "上班", to_work, to_home)
    industry, mode = _draw(rng, INDUSTRIES, n), _draw(rng, MODES, n)
    industry[:m], mode[:m], direction[:m] = "制造业", "电动自行车", "下班"
    minute[:m] = rng.uniform(22.5 * 60, 25.5 * 60, m)
    day = rng.integers(0, 366, n)
    offset = day * 1440 + np.round(minute).astype(np.int64) % 1440
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(offset, "min")
    kinds = np.array(["minute", "hour", "day"], dtype=object)
    precision = rng.choice(kinds, n, p=[0.8, 0.06, 0.14])
    precision[:m] = "minute"
    counterpart = _draw(rng, COUNTERPARTS, n)
    responsibility = _draw(rng, RESPONSIBILITIES, n)
    single = counterpart == "单方"
    responsibility[single] = rng.choice(
        np.array(["全部", "意外"], dtype=object), int(single.sum()), p=[0.7, 0.3]
    )
    age = pd.array(np.clip(np.round(rng.normal(41, 10, n)), 18, 65).astype(int), dtype="Int64")
    age[rng.random(n) < 0.2] = pd.NA
    places = np.array(["I:j", "S:s", ""], dtype=object)  # a unit id's kind: 交叉口 / 路段 / none
    return pd.DataFrame(
        {
            "injured_at": pd.DatetimeIndex(when).astype("datetime64[ns]"),
            "time_precision": precision,
            "industry": industry,
            "mode": mode,
            "direction": direction,
            "age": age,
            "sex": np.where(rng.random(n) < 0.58, "男", "女").astype(object),
            "counterpart": counterpart,
            "responsibility": responsibility,
            "unit_id": rng.choice(places, n, p=[0.2, 0.75, 0.05]),
        }
    )  # fmt: skip


# --- timing and tables ------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU (this process) time of one call, and its result."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU (this process) times of `repeat` calls after one untimed warm-up
    call (none when `repeat` is 1: a quick run), and the result."""
    wall, cpu, out = [], [], (fn() if repeat > 1 else None)
    for _ in range(repeat):
        w, c, out = timed(fn)
        wall.append(w)
        cpu.append(c)
    return statistics.median(wall), statistics.median(cpu), out


def one_thread() -> contextlib.AbstractContextManager:
    """BLAS on one thread (threadpoolctl, where installed), as ``combinations`` runs: on a
    busy 2-core machine idle BLAS threads spin and the time of the fits jumps."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn (mlxtend)
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|")


# --- (a) the baseline against statsmodels -----------------------------------------------------


def _factors(combo: tuple[str, ...], blocks: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The factors of a sub-table's model: a block's fields inside `combo` (two or more) as
    one joint factor, every other field its own."""
    joint = [tuple(f for f in combo if f in b) for b in blocks]
    joint = [j for j in joint if len(j) >= 2]
    inside = {f for j in joint for f in j}
    return [(f,) for f in combo if f not in inside] + joint


def glm_fitted(
    codes: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    combo: tuple[str, ...],
    blocks: Sequence[Sequence[str]],
) -> pd.DataFrame:
    """statsmodels' Poisson GLM fitted values on the full grid of `combo`'s sub-table: one
    row per category tuple (the categories that occur; a block's joint categories that
    occur), a column per field (its value) and ``fitted``."""
    factors = _factors(combo, blocks)
    fcodes, fvalues = [], []
    for fac in factors:
        radix = [len(labels[f]) for f in fac]
        key = np.zeros(len(codes[fac[0]]), dtype=np.int64)
        for f, r in zip(fac, radix, strict=True):
            key = key * r + codes[f]
        c, uniq = pd.factorize(key, sort=True)
        fcodes.append(c.astype(np.int64))
        parts = np.unravel_index(np.asarray(uniq), radix)  # each level's codes per field
        fvalues.append({f: labels[f][p] for f, p in zip(fac, parts, strict=True)})
    sizes = [int(c.max()) + 1 for c in fcodes]
    key = np.ravel_multi_index(fcodes, sizes)
    n = np.bincount(key, minlength=int(np.prod(sizes))).astype(float)
    grid = np.unravel_index(np.arange(len(n)), sizes)
    columns = [np.ones(len(n))]
    for g, size in zip(grid, sizes, strict=True):
        columns += [(g == lv).astype(float) for lv in range(1, size)]  # treatment coding
    design = np.column_stack(columns)
    if design.shape[1] >= len(n):  # saturated (one factor)
        fitted = n
    else:
        fit = sm.GLM(n, design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200)
        fitted = np.asarray(fit.fittedvalues)
    out = {f: vals[f][g] for vals, g in zip(fvalues, grid, strict=True) for f in vals}
    return pd.DataFrame({**{f: out[f] for f in combo}, "fitted": fitted})


def statsmodels_table(
    cases: pd.DataFrame, fields: Sequence[str], max_order: int
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Fitted values of every sub-table of orders 2..`max_order`, from the cases."""
    frame = combination_frame(cases, fields)
    codes, labels = {}, {}
    for f in fields:
        c, u = pd.factorize(frame[f].to_numpy(dtype=object), sort=True)
        codes[f], labels[f] = c.astype(np.int64), np.asarray(u, dtype=object)
    return {
        combo: glm_fitted(codes, labels, combo, BLOCKS)
        for order in range(2, max_order + 1)
        for combo in itertools.combinations(fields, order)
    }


def against_statsmodels(
    out: Any, fits: dict[tuple[str, ...], pd.DataFrame], fields: Sequence[str]
) -> tuple[int, float, float]:
    """(cells compared, largest relative difference of E from the GLM's fitted value over
    the cells of orders 2–4, largest relative difference of E from n over order 1)."""
    cells = pd.concat([out.table, out.pruned], ignore_index=True)
    present = cells[list(fields)].ne("").to_numpy()
    order1 = cells[present.sum(axis=1) == 1]
    n1 = order1["n"].to_numpy(float)
    worst1 = float(np.max(np.abs(order1["expected"].to_numpy(float) - n1) / n1, initial=0.0))
    worst, compared = 0.0, len(order1)
    for combo, fitted in fits.items():
        want = np.array([f in combo for f in fields])
        mine = cells[(present == want).all(axis=1)]
        if mine.empty:
            continue
        joined = mine.merge(fitted, on=list(combo), how="left", validate="one_to_one")
        e, g = joined["expected"].to_numpy(float), joined["fitted"].to_numpy(float)
        worst = max(worst, float(np.max(np.abs(e - g) / g)))
        compared += len(joined)
    return compared, worst, worst1


def part_a(tables: list[tuple[str, pd.DataFrame, tuple[str, ...]]], repeat: int) -> None:
    rows = []
    for name, cases, fields in tables:

        def run(nb: int, cases: pd.DataFrame = cases, fields: tuple = fields) -> Any:
            return combinations(cases, fields, k=K, max_order=MAX_ORDER, n_boot=nb)

        w200, c200, out = median_of(lambda run=run: run(N_BOOT), repeat)
        w2, c2, _ = median_of(lambda run=run: run(2), repeat)
        with one_thread():
            w_sm, c_sm, fits = timed(
                lambda cs=cases, fs=fields: statsmodels_table(cs, fs, MAX_ORDER)
            )
        compared, worst, worst1 = against_statsmodels(out, fits, fields)
        rows.append(
            [name, f"{len(cases):,}", str(len(fields)), f"{out.n_cells:,}", f"{compared:,}",
             f"{len(fits)}", f"{worst:.1e}", f"{worst1:.1e}", f"{w200:.2f} / {c200:.2f}",
             f"{w2:.2f} / {c2:.2f}", f"{w_sm:.1f} / {c_sm:.1f}", f"{w_sm / w200:.0f}",
             f"{w_sm / w2:.0f}"]
        )  # fmt: skip
    print("(a) expected counts E against statsmodels GLM(Poisson), main effects + block "
          "interactions, on each sub-table (no exposure)\n")  # fmt: skip
    print(
        markdown_table(
            ["cases", "N", "fields", "cells tested", "cells compared",
             "sub-tables fitted (orders 2–4)", "max rel. diff E vs GLM (orders 2–4)",
             "max rel. diff E vs n (order 1)",
             "ours s / CPU s (n_boot 200)", "ours s / CPU s (n_boot 2)",
             "statsmodels s / CPU s", "statsmodels / ours", "statsmodels / ours (n_boot 2)"],
            rows,
            "lrrrrrrrrrrrr",
        )
    )  # fmt: skip


# --- (b) mlxtend's association rules ------------------------------------------------------------


def one_hot(cases: pd.DataFrame, fields: Sequence[str]) -> pd.DataFrame:
    """The cases' categories as items ``field=value`` (bool columns), 未知 / 未认定 left out."""
    frame = combination_frame(cases, fields)
    items = pd.get_dummies(frame, prefix_sep="=", dtype=bool)
    keep = [c for c in items.columns if c.split("=", 1)[1] not in NOT_ITEMS]
    return items[keep]


def mine_rules(items: pd.DataFrame, algorithm: str, k: int = K) -> tuple[int, pd.DataFrame]:
    """(frequent itemsets, rules with lift ≥ 1 ranked by lift then support) of mlxtend.

    The support threshold is (k − ½) / N, i.e. at least k cases: fpgrowth turns k / N into
    the count ``ceil(k / N · N)``, which floating point makes k + 1 for some N (325, 331 …)."""
    n = len(items)
    least = (k - 0.5) / n
    if algorithm == "apriori":
        found = apriori(items, min_support=least, use_colnames=True, max_len=MAX_ORDER,
                        low_memory=True)  # fmt: skip
    else:
        found = fpgrowth(items, min_support=least, use_colnames=True, max_len=MAX_ORDER)
    if found.empty:
        return 0, pd.DataFrame(columns=["antecedents", "consequents", "support", "lift"])
    rules = association_rules(
        found, num_itemsets=n, metric="lift", min_threshold=1.0,
        return_metrics=["support", "confidence", "lift"],
    )  # fmt: skip
    text = rules["antecedents"].map(_items) + " ⇒ " + rules["consequents"].map(_items)
    rules = rules.assign(text=text).sort_values(
        ["lift", "support", "text"], ascending=[False, False, True], kind="mergesort"
    )
    return len(found), rules.reset_index(drop=True)


def _items(items: frozenset) -> str:
    return "、".join(sorted(items))


def core_items(core: dict[str, str]) -> frozenset:
    return frozenset(f"{f}={v}" for f, v in core.items())


def rule_rank(rules: pd.DataFrame, core: dict[str, str]) -> int | None:
    """Rank (1-based) of the first rule whose items hold `core`."""
    want = core_items(core)
    hit = [want <= (a | c) for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)]
    idx = np.flatnonzero(hit)
    return int(idx[0]) + 1 if len(idx) else None


def row_matches(table: pd.DataFrame, core: dict[str, str]) -> np.ndarray:
    """Rows of a ranked table whose values hold `core` (fields absent from it: no match)."""
    if not set(core) <= set(table.columns):
        return np.zeros(len(table), dtype=bool)
    hit = np.ones(len(table), dtype=bool)
    for f, v in core.items():
        hit &= (table[f].astype(str) == v).to_numpy()
    return hit


def table_rank(table: pd.DataFrame, core: dict[str, str], called_only: bool = False) -> int | None:
    """``rank`` of the first row of `table` (called-out rows only) holding `core`."""
    hit = row_matches(table, core)
    if called_only:
        hit &= table["called_out"].to_numpy(dtype=bool)
    idx = np.flatnonzero(hit)
    return int(table["rank"].iloc[idx[0]]) if len(idx) else None


def _rank_text(rank: int | None, of: int = 10) -> str:
    if rank is None:
        return "—"
    return f"**{rank}**" if rank <= of else str(rank)


def side_by_side(name: str, table: pd.DataFrame, rules: pd.DataFrame, n: int) -> None:
    """The top 10 of ours and of mlxtend (fpgrowth) on the same cases."""
    rows = []
    for i in range(10):
        ours = ["", "", "", ""]
        if i < len(table):
            r = table.iloc[i]
            ours = [_cell(r["group"]), str(int(r["n"])), f"{r['lift']:.2f}",
                    "yes" if bool(r["called_out"]) else "no"]  # fmt: skip
        theirs = ["", "", ""]
        if i < len(rules):
            r = rules.iloc[i]
            theirs = [_cell(r["text"]), str(round(r["support"] * n)), f"{r['lift']:.1f}"]
        rows.append([str(i + 1), *ours, *theirs])
    print(f"\n{name}: the top 10 of each (ours: the kept table, called-out rows first; mlxtend: "
          "rules by lift)\n")  # fmt: skip
    print(
        markdown_table(
            ["#", "ours: group", "n", "lift", "called out", "mlxtend: rule", "n", "lift"],
            rows,
            "rlrrllrr",
        )
    )


def part_b(
    sets: list[dict[str, Any]], big: dict[str, Any], quick: bool, show: Sequence[str]
) -> None:
    """`sets`: name, cases, fields, table and n_cells (ours), cores {group: core}; `big`: the
    timed set."""
    print("\n(b) beside mlxtend association rules (min_support: k cases, max_len = max_order, "
          "metric lift ≥ 1; items: field=value)\n")  # fmt: skip
    summary = []
    for s in sets:
        items = one_hot(s["cases"], s["fields"])
        n_sets, rules = mine_rules(items, "fpgrowth")
        s["rules"] = rules
        for group, core in s["cores"].items():
            ours = table_rank(s["table"], core)
            summary.append(
                [s["name"], f"{len(items):,}", group, _cell(" · ".join(core.values())),
                 _rank_text(ours), _rank_text(table_rank(s["table"], core, called_only=True)),
                 f"{int(s['table']['called_out'].sum())}", _rank_text(rule_rank(rules, core)),
                 f"{s['n_cells']:,}", f"{n_sets:,}", f"{len(rules):,}",
                 f"{int((rules['lift'] > 2).sum()):,}"]
            )  # fmt: skip
    print(
        markdown_table(
            ["cases", "N", "planted", "core", "ours: rank (bold: top 10)",
             "ours: rank among called out", "ours: called out", "mlxtend: rank of first rule",
             "ours: cells tested", "mlxtend: itemsets", "rules", "rules lift > 2"],
            summary,
            "lrllrrrrrrrr",
        )
    )  # fmt: skip
    for s in sets:
        if s["name"] in show:
            side_by_side(s["name"], s["table"], s["rules"], len(s["cases"]))
    # time at the large size
    items = one_hot(big["cases"], big["fields"])
    rows = [["ours: combinations (n_boot 200, median of runs)", f"{big['wall']:.2f}",
             f"{big['cpu']:.2f}", "1"]]  # fmt: skip
    for algorithm in ("apriori", "fpgrowth"):
        w, c, (n_sets, rules) = timed(lambda a=algorithm: mine_rules(items, a))
        rows.append([f"mlxtend {algorithm} + association_rules ({n_sets:,} itemsets, "
                     f"{len(rules):,} rules)", f"{w:.2f}", f"{c:.2f}",
                     f"{w / big['wall']:.1f}"])  # fmt: skip
    print(f"\ntime at {len(big['cases']):,} cases, {len(big['fields'])} fields "
          f"(one run of mlxtend{'' if quick else '; one-hot encoding not timed'})\n")  # fmt: skip
    print(markdown_table(["", "wall s", "CPU s", "/ ours (wall)"], rows, "lrrr"))


# --- (c) the planted groups -------------------------------------------------------------------


def read_truth(folder: Path) -> dict[str, dict[str, str]]:
    """Group id -> its core values, from ``truth/groups.csv``."""
    truth = pd.read_csv(folder / "truth" / "groups.csv", dtype=str, keep_default_na=False)
    cores = {}
    for _, row in truth.iterrows():
        values = dict(part.split("=", 1) for part in row["fields"].split("|"))
        cores[row["group_id"]] = {f: values[f] for f in row["core"].split("|")}
    return cores


def analyse(files: dict[str, list[Path]], area: Any) -> Any:
    """``analyse_quarter`` of 2024Q4 as of 2025-01-15 on a city's files."""
    from trafficprev import Settings
    from trafficprev.pipeline import analyse_quarter

    return analyse_quarter(
        area=area,
        inputs=files["determinations"],
        enterprises=files["enterprises"],
        campaign_sites=files["campaign_sites"],
        measures=files["measures"],
        quarter=QUARTER,
        settings=Settings(as_of=AS_OF),
        quiet=True,
    )


def tiny_city() -> dict[str, Any]:
    """The quick runs' shared tiny city (``_shared.small_city``), analysed: (c) of a quick
    run."""
    import _shared

    w, c, result = timed(lambda: analyse(_shared.small_files(), _shared.small_area()))
    return {"name": "tiny city", "result": result, "folder": _shared.small_city(), "wall": w,
            "cpu": c}  # fmt: skip


def demo_city() -> dict[str, Any]:
    """The shipped demo, analysed."""
    import _shared

    from trafficprev.datasets import demo_dir, demo_files

    w, c, result = timed(lambda: analyse(demo_files(), _shared.demo_area()))
    return {"name": "shipped demo", "result": result, "folder": demo_dir(), "wall": w, "cpu": c}


#: Seeds of the second worlds of (c) (scale 0.8: another shape and size than the demo's).
SECOND_SEEDS = (7, 8, 9, 10, 11)


def second_world(tmp: Path, seed: int = 7, scale: float = 0.8) -> dict[str, Any]:
    """``make_demo_city(DemoConfig(seed, scale))``: its area from its own files, analysed."""
    from trafficprev.area import build_area
    from trafficprev.datasets.democity import DemoConfig, make_demo_city

    folder = tmp / f"world{seed}"
    paths = make_demo_city(folder, DemoConfig(seed=seed, scale=scale))
    area = build_area(f"world{seed}", osm=paths["roads"], pois=paths["pois"],
                      admin=paths["divisions"])  # fmt: skip
    files = {
        "determinations": sorted(v for k, v in paths.items() if k.startswith("determinations_")),
        "enterprises": [paths["enterprises"]],
        "campaign_sites": [paths["campaign_sites"]],
        "measures": [paths["measures"]],
    }
    w, c, result = timed(lambda: analyse(files, area))
    name = f"seed {seed}, scale {scale}"
    return {"name": name, "result": result, "folder": folder, "wall": w, "cpu": c}


def planted_rows(city: dict[str, Any]) -> list[list[str]]:
    """Section (c)'s rows of one analysed city."""
    result, folder = city["result"], city["folder"]
    cores = read_truth(folder)
    targets = result.targets
    table, circ = targets.groups, targets.circumstances
    called = table[table["called_out"].to_numpy(dtype=bool)]
    members = pd.read_csv(folder / "truth" / "group_cases.csv", dtype=str)
    window = set(result.hotspots.cases["decision_no"].astype(str))
    # which planted group each called-out row holds (in rank order)
    labels = []
    for i in range(len(called)):
        row = called.iloc[[i]]
        hit = [g for g, core in cores.items() if row_matches(row, core)[0]]
        labels.append(hit[0] if hit else "other")
    first = {g: labels.index(g) for g in cores if g in labels}
    before = max(first.values()) + 1 if len(first) == len(cores) else len(labels)
    clean = len(first) == len(cores) and set(labels[:before]) <= set(cores)
    adjusted = "q_value" if "q_value" in table else "p_holm"
    rows = []
    for g, core in cores.items():
        rank = table_rank(table, core, called_only=True)
        any_rank = table_rank(table, core)  # the first matching kept row, called out or not
        circ_core = {f: v for f, v in core.items() if f in CIRCUMSTANCE_FIELDS}
        in_window = int(members.loc[members["group_id"] == g, "decision_no"].isin(window).sum())
        row = [city["name"], g, _cell(" · ".join(core.values())), str(in_window),
               str(rank) if rank is not None else "—"]  # fmt: skip
        if any_rank is None:
            row += ["—"] * 6
        else:
            r = table[table["rank"] == any_rank].iloc[0]
            row += [str(any_rank), _cell(r["group"]), f"{int(r['n'])}",
                    f"{r['lift']:.1f} [{r['lift_low']:.1f}, {r['lift_high']:.1f}]",
                    f"{r[adjusted]:.2g}", "yes" if bool(r["called_out"]) else "no"]  # fmt: skip
        circ_rank = table_rank(circ, circ_core, called_only=True)
        row += [str(len(called)), "yes" if clean else "no",
                f"{_cell(' · '.join(circ_core.values()))}: {circ_rank or '—'}",
                f"{targets.n_cases:,}"]  # fmt: skip
        rows.append(row)
    return rows


def part_c(cities: list[dict[str, Any]], worlds: str = "second worlds (scale 0.8)") -> None:
    print("\n(c) the planted groups in the 2024Q4 run's target groups (2024 window; "
          "match: the row's values hold the group's core values)\n")  # fmt: skip
    rows = [r for city in cities for r in planted_rows(city)]
    print(
        markdown_table(
            ["city", "group", "core", "planted cases in window", "rank (first called-out match)",
             "first matching row: rank", "its group", "n", "lift [interval]", "adjusted p",
             "called out", "called-out rows", "G1 and G2 first",
             "多发情形 (circumstance part): rank called out", "window cases"],
            rows,
            "lllrrrlrrrlrlll",
        )
    )  # fmt: skip
    seconds = [c for c in cities if c["name"] != "shipped demo"]
    for g in ("G1", "G2"):
        hits = sum(r[1] == g and r[4] != "—" for c in seconds for r in planted_rows(c))
        print(f"\n{g} called out in {hits} of {len(seconds)} {worlds}", end="")
    clean = sum(planted_rows(c)[0][12] == "yes" for c in seconds)
    print(f"; G1 and G2 the first two called out in {clean} of {len(seconds)}")
    times = ", ".join(f"{c['name']} {c['wall']:.1f} s (CPU {c['cpu']:.1f} s)" for c in cities)
    print(f"\nanalyse_quarter, the whole run: {times}")


# --- (d) null worlds --------------------------------------------------------------------------


def _window_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """The recognised commuting cases of :data:`WINDOW`."""
    quarter = cases["injured_at"].dt.to_period("Q").astype(str)
    recognised = cases["conclusion"].isin(["认定工伤", "视同工伤"])
    return cases[cases["commuting"] & recognised & quarter.isin(WINDOW)]


def null_world(seed: int, tmp: Path, quick: bool) -> dict[str, Any]:
    """One null world's window cases, ranked both ways, and mlxtend's rules (`quick`: the
    tiny city the quick runs share instead, geocoded once per process; not a null world)."""
    from trafficprev.intake import read_enterprises
    from trafficprev.targets import exposure_of

    if quick:
        import _shared

        cases = _window_cases(_shared.small_geocoded())
        register = read_enterprises(_shared.small_files()["enterprises"]).records
        exposure = exposure_of(register)
    else:
        from trafficprev.area import build_area
        from trafficprev.datasets._group_demo import export_csv, group_world
        from trafficprev.datasets._world import (
            build_world,
            write_divisions_csv,
            write_enterprises_csv,
            write_osm,
            write_pois_csv,
        )
        from trafficprev.datasets.democity import DemoConfig
        from trafficprev.geocode import geocode
        from trafficprev.intake import read_determinations

        config = DemoConfig(seed=seed, n_risky_enterprises=0)
        world_rows = group_world(config, share=0)
        folder = tmp / f"null{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        path = export_csv(world_rows.rows, folder / "determinations.csv")
        cases = _window_cases(read_determinations([path]).cases)
        world = build_world(config.seed, scale=config.scale)
        write_osm(world, folder / "roads.osm")
        write_pois_csv(world, folder / "pois.csv")
        write_divisions_csv(world, folder / "divisions.csv")
        write_enterprises_csv(world, folder / "enterprises.csv")
        area = build_area(f"null{seed}", osm=folder / "roads.osm", pois=folder / "pois.csv",
                          admin=folder / "divisions.csv")  # fmt: skip
        cases = geocode(cases, area).cases
        exposure = exposure_of(read_enterprises([folder / "enterprises.csv"]).records)
    common = {"k": K, "max_order": MAX_ORDER, "n_boot": N_BOOT}
    people = combinations(cases, TARGET_FIELDS, exposure=exposure, **common)
    circ = combinations(cases, CIRCUMSTANCE_FIELDS, **common)
    _, rules = mine_rules(one_hot(cases, TARGET_FIELDS), "fpgrowth")
    return {
        "seed": seed,
        "n": len(cases),
        "people": people,
        "circ": circ,
        "rules2": int((rules["lift"] > 2).sum()),
        "rules": len(rules),
    }


def part_d(seeds: Sequence[int], quick: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        worlds = [null_world(s, Path(tmp), quick) for s in seeds]
    if quick:
        print("\n(d) --quick: the tiny city instead of null worlds (it has two planted groups of "
              f"3 cases; geocoded, industry exposure from the register): seed {seeds[0]}, the "
              "recognised commuting cases of 2024\n")  # fmt: skip
    else:
        what = "DemoConfig, geocoded, industry exposure from the register"
        print(f"\n(d) null worlds (no planted group; {what}): seeds {seeds[0]}–{seeds[-1]}, "
              "the recognised commuting cases of 2024\n")  # fmt: skip
    rows = []
    for w in worlds:
        p, c = w["people"], w["circ"]
        top = p.called_out["group"].tolist() + c.called_out["group"].tolist()
        rows.append(
            [str(w["seed"]), f"{w['n']:,}", f"{p.n_cells:,}", str(len(p.called_out)),
             f"{c.n_cells:,}", str(len(c.called_out)), _cell("; ".join(top) or "—"),
             f"{w['rules']:,}", f"{w['rules2']:,}"]
        )  # fmt: skip
    print(
        markdown_table(
            ["seed", "cases", "特定人群 cells", "called out", "多发情形 cells", "called out",
             "groups called out", "mlxtend rules (lift ≥ 1)", "… lift > 2"],
            rows,
            "rrrrrrlrr",
        )
    )  # fmt: skip
    any_people = sum(len(w["people"].called_out) > 0 for w in worlds)
    any_circ = sum(len(w["circ"].called_out) > 0 for w in worlds)
    either = sum(len(w["people"].called_out) + len(w["circ"].called_out) > 0 for w in worlds)
    r2 = [w["rules2"] for w in worlds]
    print()
    print(
        markdown_table(
            ["null worlds", "特定人群: worlds with a call-out", "多发情形: worlds with a call-out",
             "either", "target", "mlxtend rules lift > 2 (median, range)"],
            [[str(len(worlds)), f"{any_people} ({any_people / len(worlds):.0%})",
              f"{any_circ} ({any_circ / len(worlds):.0%})",
              f"{either} ({either / len(worlds):.0%})", "≤ 5 % each",
              f"{statistics.median(r2):,.0f} ({min(r2):,}–{max(r2):,})"]],
            "rrrrrr",
        )
    )  # fmt: skip


# --- (e) time at 100,000 cases ----------------------------------------------------------------


def time_big(n: int, repeat: int) -> list[dict[str, Any]]:
    """``combinations`` of the TARGET_FIELDS on `n` synthetic cases, with and without the
    planted group."""
    out = []
    for planted in (0.04, 0.0):
        cases = synthetic(n, seed=20, planted=planted)
        w, c, res = median_of(
            lambda cs=cases: combinations(cs, TARGET_FIELDS, k=K, max_order=MAX_ORDER,
                                          n_boot=N_BOOT),
            repeat,
        )  # fmt: skip
        out.append({"planted": planted, "cases": cases, "fields": TARGET_FIELDS, "wall": w,
                    "cpu": c, "result": res})  # fmt: skip
    return out


def part_e(runs: list[dict[str, Any]], repeat: int) -> None:
    how = f"median of {repeat} after a warm-up" if repeat > 1 else "one run"
    print(f"\n(e) time of combinations, {len(TARGET_FIELDS)} fields, max_order {MAX_ORDER}, "
          f"n_boot {N_BOOT} ({how}; no exposure)\n")  # fmt: skip
    rows = []
    for r in runs:
        res = r["result"]
        called = res.called_out
        planted = row_matches(called, SYNTHETIC_CORE)
        others = called[~planted]
        rank = table_rank(res.table, SYNTHETIC_CORE, called_only=True)
        rows.append(
            [f"{len(r['cases']):,}", f"{r['planted']:.0%}", f"{r['wall']:.2f}", f"{r['cpu']:.2f}",
             f"{res.n_cells:,}", f"{len(res.table):,}", str(len(called)),
             str(rank) if rank is not None else "—", str(len(others)),
             str(int((others["lift"] < 1.2).sum())),
             f"{others['lift'].max():.2f}" if len(others) else "—"]
        )  # fmt: skip
    print(
        markdown_table(
            ["cases", "planted", "wall s", "CPU s", "cells tested", "kept", "called out",
             "planted rank", "other rows called out", "… of them lift < 1.2",
             "their largest lift"],
            rows,
            "rrrrrrrrrrr",
        )
    )  # fmt: skip


# --- main -------------------------------------------------------------------------------------


def _unrelated(table: pd.DataFrame) -> np.ndarray:
    """Rows unrelated to the planted group: none of its values (制造业, 电动自行车, 下班,
    夜间), or another value of one of its fields. A row holding some of them and other
    fields besides (制造业 · 夜间 · 45–54岁) shares its cases and counts as related."""
    planted = {**SYNTHETIC_CORE, "direction": "下班"}
    hits = np.zeros(len(table), dtype=bool)
    other = np.zeros(len(table), dtype=bool)
    for f, value in planted.items():
        v = table[f].astype(str).to_numpy()
        hits |= v == value
        other |= (v != "") & (v != value)
    return ~hits | other


def sweep(n: int, planted: int, seeds: Sequence[int], min_called: int = 5) -> list[str]:
    """One row of (f): ``planted`` cases of the planted group among `n`, one table a seed."""
    found = first = stray = 0
    shares = []
    for s in seeds:
        table = combinations(
            synthetic(n, seed=s, planted=planted / n), TARGET_FIELDS, k=K,
            max_order=MAX_ORDER, n_boot=50, seed=s, min_called=min_called,
        ).table  # fmt: skip
        called = table[table["called_out"].to_numpy(dtype=bool)]
        hit = row_matches(called, SYNTHETIC_CORE)
        found += bool(hit.any())
        first += bool(len(called)) and bool(hit[0])
        bad = _unrelated(called)
        stray += bool(bad.any())
        if len(called):
            shares.append(bad.mean())
    m = len(seeds)
    share = f"{np.mean(shares):.1%}" if shares else "—"
    return [f"{n:,}", str(planted), str(min_called), str(m), f"{found} ({found / m:.0%})",
            f"{first} ({first / m:.0%})", f"{stray} ({stray / m:.1%})", share]  # fmt: skip


def part_f(quick: bool) -> None:
    print(
        "\n(f) sweeps of synthetic tables (TARGET_FIELDS, order 4, 50 replicates, seed = table)\n"
    )
    few = range(1) if quick else None
    plan = [(1_500, 0, few or range(400), 5), (300, 0, few or range(400), 5),
            (5_000, 0, few or range(100), 5), (1_500, 20, few or range(200), 5),
            (1_500, 30, few or range(200), 5), (1_500, 60, few or range(200), 5),
            (1_500, 60, few or range(200), 3)]  # fmt: skip
    rows = [sweep(*row) for row in plan]
    print(
        markdown_table(
            ["cases", "planted", "min_called", "tables", "planted group called out", "… first",
             "tables calling out an unrelated row", "mean share of such rows"],
            rows,
            "rrrrrrrr",
        )
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tables only (smoke run)")
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = 1 if quick else 3
    big_n = 3_000 if quick else 100_000
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"statsmodels {statsmodels.__version__}, mlxtend {mlxtend.__version__}; k = {K}, "
        f"max_order = {MAX_ORDER}, n_boot = {N_BOOT}\n"
    )
    cities: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if quick:
            cities = [tiny_city()]
        else:
            cities = [demo_city(), *(second_world(Path(tmp), seed=s) for s in SECOND_SEEDS)]
        # (a)
        tables = [("generated", synthetic(2_000, seed=3), CIRCUMSTANCE_FIELDS)]
        if not quick:
            demo_cases = cities[0]["result"].hotspots.cases
            tables = [("demo window", demo_cases, TARGET_FIELDS),
                      ("generated", synthetic(20_000, seed=3), TARGET_FIELDS)]  # fmt: skip
        part_a(tables, repeat)
        # (b), with (e)'s timing of ours
        runs = time_big(big_n, repeat)
        if quick:
            small, fields = synthetic(2_000, seed=5), CIRCUMSTANCE_FIELDS
            w, c, out = median_of(
                lambda: combinations(small, fields, k=K, max_order=MAX_ORDER, n_boot=N_BOOT), 1
            )
            core = {f: v for f, v in SYNTHETIC_CORE.items() if f in fields}
            sets = [{"name": "generated 2,000", "cases": small, "fields": fields,
                     "table": out.table, "n_cells": out.n_cells,
                     "cores": {"planted": core}}]  # fmt: skip
            big = {"cases": small, "fields": fields, "wall": w, "cpu": c}
            show = ["generated 2,000"]
        else:
            sets = [
                {"name": c["name"], "cases": c["result"].hotspots.cases, "fields": TARGET_FIELDS,
                 "table": c["result"].targets.groups, "n_cells": c["result"].targets.n_cells,
                 "cores": read_truth(c["folder"])}
                for c in cities[:2]
            ]  # fmt: skip
            sets.append({"name": f"generated {big_n:,}", "cases": runs[0]["cases"],
                         "fields": TARGET_FIELDS, "table": runs[0]["result"].table,
                         "n_cells": runs[0]["result"].n_cells,
                         "cores": {"planted": SYNTHETIC_CORE}})  # fmt: skip
            big = runs[0]
            show = [c["name"] for c in cities[:2]]
        part_b(sets, big, quick, show)
        # (c)
        if quick:
            part_c(cities, worlds="tiny cities (quick run)")
        else:
            part_c(cities)
    # (d), (e)
    if quick:  # the tiny city's seed
        from trafficprev.datasets.democity import small_config

        part_d([small_config().seed], quick)
    else:
        part_d(list(range(1, 21)), quick)
    part_e(runs, repeat)
    part_f(quick)


if __name__ == "__main__":
    main()
