"""The precision project's statistics: rates and EB against esda, Bühlmann–Straub against a
hand-computed example, and the time of the whole enterprise table at city scale.

    python benchmarks/bench_precision.py            # 100,000 enterprises × 3 years
    python benchmarks/bench_precision.py --quick    # 500 enterprises × 3 years (smoke run)

The synthetic city (:func:`city`): enterprises with lognormal headcounts (median 40, clipped
to 3–20,000), a premium of 200–1,300 yuan per insured per year, injury rates around 8 per
1,000 insured per year (gamma, shape 2), determinations with injury kinds (7 % refused), each
recognised injury one payment (2 % deaths of 1,000,000 yuan, else lognormal around 25,000
yuan). Names are ``合成企业…``; credit codes ``SYN…`` fail the USCC checksum on
purpose. No record is real.

Four parts:

(a) **Rates and EB against esda 2.9.0.** ``incidence`` of the city's enterprise table;
    esda's ``Empirical_Bayes`` and ``Excess_Risk`` on the same inputs (the enterprises'
    rated injuries and insured person-years, those with exposure). Reported: the largest
    absolute differences of the EB rate (per person-year) and of the excess risk
    (``n_rated / expected``).
(b) **Bühlmann–Straub against the hand-computed example** of ``tests/test_credibility.py``
    (3 enterprises × 3 years; every quantity computed by hand as exact fractions).
(c) **Time at city scale**: ``enterprise_years`` + ``incidence`` + ``payout_ratios`` from
    the four input tables (median of 3 runs after a warm-up, ``--quick``: one run; wall and
    this process's CPU time: the fairer figure on a busy machine), beside esda's
    ``Empirical_Bayes`` on the pooled arrays (median of 5) as a ratio. esda's EB is one step
    (a few vector operations on ready arrays); the pipeline joins four tables, links the cases
    and fits both models, so the ratio says what the whole table costs next to the one
    statistic esda offers.
(d) **The planted enterprises** of the demo city (``data/demo/truth/precision_enterprises.csv``)
    and of generated small cities (``small_config(seed=s)``, seeds 1–10; ``--quick``: only
    the tiny generated city the quick runs share, ``_shared.small_city``), through
    ``trafficprev precision``'s own reading and analysis (``precision_inputs`` +
    ``run_precision``'s readers and ``analyse_precision``): the both-high enterprises listed,
    a one-large-claim small firm listed by its payout ratio alone, the trained enterprise's
    drop covered by the interval of its EB change, and a null training called a success
    (达到目标).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import esda
import numpy as np
import pandas as pd
from esda.smoothing import Empirical_Bayes, Excess_Risk

from trafficprev.precision._credibility import buhlmann_straub, payout_ratios
from trafficprev.precision._rates import incidence
from trafficprev.precision._table import INJURY_KINDS, enterprise_years

YEARS = (2022, 2023, 2024)
INDUSTRIES = ("制造业", "建筑业", "批发和零售业", "交通运输、仓储和邮政业", "住宿和餐饮业", "")
DISTRICTS = ("武陵区", "鼎城区", "津市市", "澧县", "临澧县", "桃源县", "")
KIND_SHARES = (0.22, 0.06, 0.03, 0.2, 0.15, 0.1, 0.02, 0.03, 0.02, 0.02, 0.15)


def city(n: int, seed: int) -> dict[str, pd.DataFrame]:
    """The four input tables of a synthetic city of `n` enterprises over :data:`YEARS`."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"SYN{i:015d}" for i in range(n)], dtype=object)
    insured = np.clip(np.exp(rng.normal(math.log(40.0), 1.2, n)), 3, 20000).round()
    per_head = rng.choice([200.0, 400.0, 600.0, 800.0, 1000.0, 1300.0], n)
    rate = rng.gamma(2.0, 0.008 / 2.0, n)
    register = pd.DataFrame(
        {
            "credit_code": codes,
            "name": [f"合成企业{i}号" for i in range(n)],
            "industry": rng.choice(INDUSTRIES, n),
            "district": rng.choice(DISTRICTS, n),
            "insured": insured,
        }
    )
    ny = len(YEARS)
    ins_y = np.repeat(insured, ny) * rng.uniform(0.9, 1.1, n * ny)
    contributions = pd.DataFrame(
        {
            "credit_code": np.repeat(codes, ny),
            "year": np.tile(YEARS, n),
            "insured": ins_y.round(1),
            "paid": (ins_y * np.repeat(per_head, ny)).round(2),
        }
    )
    k = rng.poisson(np.repeat(rate, ny) * ins_y)
    row = np.repeat(np.arange(n * ny), k)
    m = len(row)
    year = np.tile(YEARS, n)[row]
    day = rng.integers(0, 365, m)
    kind = rng.choice(np.array(INJURY_KINDS, dtype=object), m, p=KIND_SHARES)
    death = rng.random(m) < 0.02
    conclusion = rng.choice(["认定工伤", "视同工伤", "不予认定"], m, p=[0.9, 0.03, 0.07])
    cases = pd.DataFrame(
        {
            "injured_at": pd.to_datetime([f"{y}-01-01" for y in YEARS])[year - YEARS[0]]
            + pd.to_timedelta(day, unit="D"),
            "conclusion": conclusion,
            "injury_kind": kind,
            "occupational_disease": kind == "职业病",
            "death": death,
            "commuting": kind == "上下班交通事故",
            "credit_code": codes[row // ny],
            "employer": register["name"].to_numpy(object)[row // ny],
        }
    )
    amount = np.where(death, 1.0e6, np.exp(rng.normal(math.log(25000.0), 1.0, m))).round(2)
    paid_out = conclusion != "不予认定"  # the fund pays recognised injuries only
    payouts = pd.DataFrame(
        {
            "credit_code": codes[row // ny][paid_out],
            "year": year[paid_out],
            "amount": amount[paid_out],
        }
    )
    return {
        "cases": cases,
        "contributions": contributions,
        "payouts": payouts,
        "register": register,
    }


def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU (this process) times of `repeat` calls after one untimed warm-up
    call (none when `repeat` is 1: a quick run), and the result."""
    wall, cpu, out = [], [], (fn() if repeat > 1 else None)
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu), out


def pipeline(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """enterprise_years → incidence and payout_ratios."""
    ey = enterprise_years(
        tables["cases"],
        tables["contributions"],
        tables["payouts"],
        tables["register"],
        years=YEARS,
    )
    return ey, incidence(ey), payout_ratios(ey)[0]


def against_esda(rates: pd.DataFrame) -> dict[str, float]:
    """Largest absolute differences of the EB rate and excess risk from esda's."""
    use = rates[rates["insured_years"] > 0]
    e = use["n_rated"].to_numpy(float).reshape(-1, 1)
    b = use["insured_years"].to_numpy(float).reshape(-1, 1)
    eb = Empirical_Bayes(e, b).r.ravel()
    er = Excess_Risk(e, b).r.ravel()
    ours_er = use["n_rated"].to_numpy(float) / use["expected"].to_numpy(float)
    return {
        "units": float(len(use)),
        "phi": float(rates.attrs["phi"]),
        "d_eb": float(np.abs(use["eb_rate_per_1000"].to_numpy(float) / 1000 - eb).max()),
        "d_er": float(np.abs(ours_er - er).max()),
    }


#: The hand-computed example of tests/test_credibility.py: unit -> [(X_ij, w_ij), ...].
EXAMPLE = {
    "A": [(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)],
    "B": [(5.0, 1.0), (7.0, 1.0), (6.0, 2.0)],
    "C": [(3.0, 2.0), (7.0, 2.0), (5.0, 4.0)],
}
#: Its values by hand (exact fractions; the arithmetic is in the test's comments).
HAND = {
    "x_bar": Fraction(9, 2),
    "s2": Fraction(10, 3),
    "a": Fraction(44, 15),
    "kappa": Fraction(25, 22),
    "m": Fraction(1369, 314),
    "z_A": Fraction(88, 113),
    "z_C": Fraction(176, 201),
    "cred_A": Fraction(89489, 35482),
    "cred_B": Fraction(200017, 35482),
    "cred_C": Fraction(310545, 63114),
}


def hand_example() -> list[tuple[str, float, float]]:
    """(quantity, by hand, buhlmann_straub) for every quantity of :data:`HAND`."""
    frame = pd.DataFrame(
        [(u, x, w) for u, rows in EXAMPLE.items() for x, w in rows], columns=["u", "x", "w"]
    )
    fit = buhlmann_straub(frame, unit="u", value="x", weight="w")
    units = fit.units.set_index("u")
    got = {
        "x_bar": fit.x_bar,
        "s2": fit.s2,
        "a": fit.a,
        "kappa": fit.kappa,
        "m": fit.m,
        "z_A": units.loc["A", "z"],
        "z_C": units.loc["C", "z"],
        "cred_A": units.loc["A", "credibility"],
        "cred_B": units.loc["B", "credibility"],
        "cred_C": units.loc["C", "credibility"],
    }
    return [(k, float(v), float(got[k])) for k, v in HAND.items()]


def markdown_table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A GitHub markdown table; ``align`` has one ``l`` / ``r`` per column."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 enterprises only (smoke run)")
    args = parser.parse_args(argv)
    n = 500 if args.quick else 100_000
    tables = city(n, seed=19)
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"esda {esda.__version__}; {n:,} enterprises × {len(YEARS)} years, "
        f"{len(tables['cases']):,} determinations, {len(tables['payouts']):,} payments\n"
    )
    t_ours, c_ours, (ey, rates, ratios) = median_of(
        lambda: pipeline(tables), repeat=1 if args.quick else 3
    )
    diff = against_esda(rates)
    print("(a) incidence against esda (same inputs: rated injuries, insured person-years)\n")
    print(
        markdown_table(
            ["enterprises with exposure", "φ", "max abs diff EB rate", "max abs diff excess risk"],
            [[f"{diff['units']:,.0f}", f"{diff['phi']:.2e}", f"{diff['d_eb']:.1e}",
              f"{diff['d_er']:.1e}"]],
            "rrrr",
        )
    )  # fmt: skip
    print("\n(b) Bühlmann–Straub against the hand-computed example (3 units × 3 years)\n")
    rows = [[k, f"{h:.9f}", f"{g:.9f}", f"{abs(h - g):.1e}"] for k, h, g in hand_example()]
    print(markdown_table(["quantity", "by hand", "buhlmann_straub", "abs diff"], rows, "lrrr"))
    use = rates[rates["insured_years"] > 0]
    e = use["n_rated"].to_numpy(float).reshape(-1, 1)
    b = use["insured_years"].to_numpy(float).reshape(-1, 1)
    t_esda, _, _ = median_of(lambda: Empirical_Bayes(e, b).r, repeat=5)
    print("\n(c) time (median; the pipeline from the four input tables)\n")
    print(
        markdown_table(
            ["enterprises", "enterprise-years", "pipeline s", "pipeline CPU s", "esda EB s",
             "pipeline / esda EB", "high incidence", "high payout ratio"],
            [[f"{n:,}", f"{len(ey):,}", f"{t_ours:.2f}", f"{c_ours:.2f}", f"{t_esda:.4f}",
              f"{t_ours / t_esda:.0f}", f"{int(rates['high'].sum()):,}",
              f"{int(ratios['high'].sum()):,}"]],
            "rrrrrrrr",
        )
    )  # fmt: skip
    planted_section(args.quick)


def planted(folder: Path | None, seed: int | None) -> dict[str, Any]:
    """Section (d) for one city: the shipped demo (`folder` None) or a generated one."""
    from trafficprev import Settings
    from trafficprev.intake import (
        read_contributions,
        read_determinations,
        read_enterprises,
        read_measures,
        read_payouts,
    )
    from trafficprev.pipeline import precision_inputs
    from trafficprev.precision import analyse_precision

    if folder is None:
        _, files = precision_inputs(inputs=None)
        root = files["enterprises"][0].parent
    else:
        root = folder
        inputs = sorted((root / "precision").glob("determinations_*.xlsx"))
        inputs += sorted(root.glob("determinations_*.xlsx")) + sorted(root.glob("*.csv"))
        inputs = [p for p in inputs if p.name.startswith("determinations_")]
        files = {
            "inputs": inputs,
            "enterprises": [root / "enterprises.csv"],
            "contributions": [root / "precision" / "contributions.xlsx"],
            "payouts": [root / "precision" / "payouts.csv"],
            "measures": [root / "measures.csv"],
        }
    settings = Settings(as_of=dt.date(2025, 6, 30))
    result = analyse_precision(
        read_determinations(files["inputs"], settings=settings).records,
        read_enterprises(files["enterprises"], settings=settings).records,
        read_contributions(files["contributions"], settings=settings).records,
        read_payouts(files["payouts"], settings=settings).records,
        read_measures(files["measures"], settings=settings).records,
        year=2024,
        settings=settings,
    )
    truth = pd.read_csv(root / "truth" / "precision_enterprises.csv", dtype={"credit_code": str})
    plant = truth.set_index("credit_code")["plant"]
    listed = set(result.listed["credit_code"])
    ratios = result.ratios.set_index("credit_code")
    units = result.evaluation.units.set_index("credit_code")
    both = set(plant[plant == "both_high"].index)
    small = list(plant[plant == "one_large_claim"].index)
    drop = truth[truth["plant"] == "trained_drop"].iloc[0]
    row = units.loc[drop["credit_code"]]
    covered = row["change_lower"] <= -float(drop["relative_drop"]) <= row["change_upper"]
    nulls = list(plant[plant == "trained_null"].index)
    return {
        "city": "shipped demo" if folder is None else f"small, seed {seed}",
        "both_listed": f"{len(both & listed)}/{len(both)}",
        "small_listed": sum(c in listed for c in small),
        "small_payout_high": int(ratios.reindex(small)["high"].fillna(False).sum()),
        "drop": "—"
        if pd.isna(row["change"])
        else f"{row['change']:+.0%} [{row['change_lower']:+.0%}, {row['change_upper']:+.0%}]",
        "planted": f"{-float(drop['relative_drop']):+.0%}",
        "covered": bool(covered),
        "verdict_drop": row["verdict"],
        "null_success": sum(units.loc[c, "verdict"] == "达到目标" for c in nulls),
        "listed": len(listed),
    }


def planted_section(quick: bool) -> None:
    from trafficprev.datasets.democity import make_demo_city, small_config

    if quick:  # the tiny city the quick runs share (small_config, seed 2024, scale 0.1)
        import _shared

        rows = [planted(_shared.small_city(), small_config().seed)]
    else:
        rows = [planted(None, None)]
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(1, 11):
                folder = Path(tmp) / f"s{seed}"
                make_demo_city(folder, small_config(seed=seed))
                rows.append(planted(folder, seed))
    print("\n(d) the planted enterprises (year 2024, the 2022–2024 window)\n")
    headers = ["city", "both-high listed", "one-large-claim listed", "… high on payout",
               "trained drop: EB change [95 %]", "planted", "covered", "verdict",
               "null trainings called 达到目标", "listed"]  # fmt: skip
    keys = ["city", "both_listed", "small_listed", "small_payout_high", "drop", "planted",
            "covered", "verdict_drop", "null_success", "listed"]  # fmt: skip
    print(markdown_table(headers, [[str(r[k]) for k in keys] for r in rows], "lrrrrrrlrr"))


if __name__ == "__main__":
    main()
