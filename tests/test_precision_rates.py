"""Tests for the precision project's enterprise table, incidence and group statistics:
trafficprev.precision._table, _rates and _industries.

Peers: scipy's chi-square and Poisson distributions for the exact intervals and tails, esda
2.9.0 ``Empirical_Bayes`` / ``Excess_Risk`` and the project's ``global_eb`` for the smoothing,
``wilson_ci`` for the shares. The inputs are synthetic: names ``测试…`` / ``合成企业…``, credit
codes ``SYN…`` (they fail the USCC checksum on purpose), no real record.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes, Excess_Risk
from scipy import stats

from trafficprev._errors import ArgumentError, SchemaError, SettingsError
from trafficprev.groups._rates import global_eb, wilson_ci
from trafficprev.precision._industries import (
    BLANK_GROUP,
    TOTAL_KIND,
    UNMATCHED_GROUP,
    group_statistics,
    key_fields,
)
from trafficprev.precision._rates import NO_EXPOSURE, ZERO_EXPOSURE, incidence
from trafficprev.precision._table import (
    COUNT_COLUMNS,
    INJURY_KINDS,
    OTHER_KIND,
    RECOGNISED,
    enterprise_years,
)

YEARS = (2022, 2023, 2024)


def code(i: int) -> str:
    return f"SYN{i:015d}"


def case_frame(rows: list[dict]) -> pd.DataFrame:
    """Cases with the intake's columns (and the three of the injury-kinds helper)."""
    base = {
        "injured_at": pd.NaT,
        "conclusion": "认定工伤",
        "injury_kind": "机械伤害",
        "occupational_disease": False,
        "death": False,
        "commuting": False,
        "credit_code": "",
        "employer": "",
        "industry": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows], columns=list(base))
    frame["injured_at"] = pd.to_datetime(frame["injured_at"])
    for col in ("occupational_disease", "death", "commuting"):
        frame[col] = frame[col].astype(bool)
    return frame


# ----------------------------------------------------------------------------------------------
# a small city by hand
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def small_city():
    register = pd.DataFrame(
        {
            "credit_code": [code(1), code(2), code(3)],
            "name": ["测试甲厂", "测试乙厂", "测试丙厂"],
            "industry": ["制造业", "建筑业", ""],
            "district": ["武陵区", "鼎城区", "武陵区"],
            "insured": [100, 40, 0],
        }
    )
    contributions = pd.DataFrame(
        {
            "credit_code": [code(1), code(1), f" {code(4).lower()} ", code(2), code(2)],
            "name": ["", "测试甲厂", "测试丁厂", "测试乙厂", "测试乙厂"],
            "year": [2022, 2023, 2024, 2021, 2023],
            "insured": [110.0, 120.0, 30.0, 35.0, 45.0],
            "paid": [55000.0, 60000.0, 9000.0, 8000.0, 9500.0],
            "risk_class": ["三类", "三类", "一类", "二类", "二类"],
        }
    )
    payouts = pd.DataFrame(
        {
            "credit_code": [code(1), code(1), "", code(4), code(5), code(1)],
            "year": [2022, 2023, 2023, 2024, 2024, 2020],
            "amount": [1000.0, 2000.0, 500.0, 300.0, 70.0, 9.0],
        }
    )
    cases = case_frame(
        [
            {"injured_at": "2022-03-01", "credit_code": code(1), "injury_kind": "机械伤害"},
            {
                "injured_at": "2023-05-02",
                "credit_code": code(1),
                "conclusion": "视同工伤",
                "injury_kind": "突发疾病",
                "death": True,
            },
            {"injured_at": None, "credit_code": code(1)},  # no date
            {"injured_at": "2024-01-01", "credit_code": code(2), "conclusion": "不予认定"},
            {"injured_at": "2021-06-01", "credit_code": code(1)},  # outside the window
            # no code, a name the register holds once: linked by name to code(2)
            {"injured_at": "2023-06-06", "employer": "测试乙厂", "injury_kind": ""},
            # no code, a name nobody bears: names no enterprise
            {"injured_at": "2024-07-07", "employer": "测试无名厂", "injury_kind": "高处坠落"},
            # a code no input knows: an enterprise of its own
            {
                "injured_at": "2024-02-02",
                "credit_code": code(9),
                "employer": "测试戊厂",
                "industry": "采矿业",
                "injury_kind": "职业病",
                "occupational_disease": True,
            },
            {
                "injured_at": "2024-03-03",
                "credit_code": code(1),
                "injury_kind": "上下班交通事故",
                "commuting": True,
            },
            # a code no input knows with a name one enterprise bears: linked by name
            {
                "injured_at": "2022-08-08",
                "credit_code": code(8),
                "employer": "测试甲厂",
                "injury_kind": "物体打击",
            },
        ]
    )
    return {
        "cases": cases,
        "contributions": contributions,
        "payouts": payouts,
        "register": register,
    }


def build(inputs: dict, years=YEARS) -> pd.DataFrame:
    return enterprise_years(
        inputs["cases"],
        inputs["contributions"],
        inputs["payouts"],
        inputs["register"],
        years=years,
    )


def test_enterprise_years_small_city(small_city):
    ey = build(small_city)
    # enterprises: register 1–3, the ledger's 4 (normalised), the payouts' 5, the case's 9
    assert sorted(ey["credit_code"].unique()) == [code(i) for i in (1, 2, 3, 4, 5, 9)]
    assert len(ey) == 6 * 3
    row = ey.set_index(["credit_code", "year"])
    assert row.loc[(code(1), 2022), "insured"] == 110.0
    assert row.loc[(code(1), 2022), "insured_source"] == "缴费台账"
    assert row.loc[(code(1), 2024), "insured"] == 100.0
    assert row.loc[(code(1), 2024), "insured_source"] == "企业名录"
    assert math.isnan(row.loc[(code(1), 2024), "paid"])
    assert row.loc[(code(4), 2022), "insured_source"] == "无"
    assert math.isnan(row.loc[(code(4), 2022), "insured"])
    assert row.loc[(code(4), 2024), "risk_class"] == "一类"
    assert row.loc[(code(4), 2024), "name"] == "测试丁厂"  # from the ledger
    assert row.loc[(code(9), 2024), "name"] == "测试戊厂"  # from the cases
    assert row.loc[(code(9), 2024), "industry"] == "采矿业"
    assert row.loc[(code(3), 2022), "insured"] == 0.0  # 0 is a headcount, not a gap
    # injuries
    assert row.loc[(code(1), 2022), "机械伤害"] == 1
    assert row.loc[(code(1), 2023), "突发疾病"] == 1
    assert row.loc[(code(1), 2023), "n_deaths"] == 1
    assert row.loc[(code(1), 2024), "n_commuting"] == 1
    assert row.loc[(code(2), 2023), OTHER_KIND] == 1  # linked by name, blank kind
    assert row.loc[(code(9), 2024), "n_occupational"] == 1
    assert row.loc[(code(1), 2022), "n_injuries"] == 2  # one by code, one by name
    assert code(8) not in set(ey["credit_code"])
    assert int(ey["n_injuries"].sum()) == 6
    # money
    assert row.loc[(code(1), 2023), "payout"] == 2000.0
    assert row.loc[(code(5), 2024), "payout"] == 70.0
    assert ey.attrs["cases"] == {
        "recognised": 7,
        "not_recognised": 1,
        "no_date": 1,
        "outside_years": 1,
        "unknown_kind": 1,
        "enterprise_rows": 6,
        "unmatched": 1,
        "linked_by_name": 2,
    }
    unmatched = {r["year"]: r for r in ey.attrs["unmatched"]}
    assert unmatched[2024]["n_injuries"] == 1 and unmatched[2024]["高处坠落"] == 1
    assert unmatched[2023]["payout"] == 500.0 and unmatched[2023]["n_payments"] == 1
    assert ey.attrs["payouts"] == {
        "in_years": 3870.0,
        "outside_years": 1,
        "no_amount": 0,
        "enterprise_rows": 3370.0,
        "unmatched": 500.0,
    }
    assert ey.attrs["contributions"] == {"duplicates": 0, "outside_years": 1, "no_code": 0}


def test_enterprise_years_columns(small_city):
    ey = build(small_city)
    assert list(ey.columns) == [
        "credit_code",
        "name",
        "industry",
        "district",
        "risk_class",
        "year",
        "insured",
        "insured_source",
        "paid",
        "payout",
        *COUNT_COLUMNS,
    ]
    assert ey["year"].dtype == np.int64
    kinds = ey[list(INJURY_KINDS)].sum(axis=1)
    assert (kinds == ey["n_injuries"]).all()


def test_new_case_columns_are_required(small_city):
    cases = small_city["cases"].drop(columns=["injury_kind", "death"])
    with pytest.raises(SchemaError, match="injury_kind") as err:
        enterprise_years(cases, None, None, small_city["register"], years=YEARS)
    assert "death" in str(err.value)


def test_injured_at_must_be_datetime(small_city):
    cases = small_city["cases"].assign(injured_at="2024-01-01")
    with pytest.raises(SchemaError, match="injured_at"):
        build({**small_city, "cases": cases})


@pytest.mark.parametrize("years", [[], "2024", [2024.5], [True]])
def test_bad_years(small_city, years):
    with pytest.raises(ArgumentError):
        build(small_city, years=years)


def test_flags_with_missing_values(small_city):
    cases = small_city["cases"].copy()
    cases["death"] = pd.array([True, None, False, None, None, None, None, True, None, None])
    cases["commuting"] = pd.Series([None, True, None, None, None, None, None, None, True, None])
    ey = build({**small_city, "cases": cases})
    row = ey.set_index(["credit_code", "year"])
    assert (
        row.loc[(code(1), 2022), "n_deaths"] == 1 and row.loc[(code(1), 2024), "n_commuting"] == 1
    )
    assert ey["n_deaths"].sum() == 2 and ey["n_commuting"].sum() == 2


def test_contribution_duplicates_later_row_wins(small_city):
    extra = pd.DataFrame(
        {
            "credit_code": [code(1)],
            "name": [""],
            "year": [2022],
            "insured": [999.0],
            "paid": [1.0],
            "risk_class": [""],
        }
    )
    contributions = pd.concat([small_city["contributions"], extra], ignore_index=True)
    ey = build({**small_city, "contributions": contributions})
    row = ey.set_index(["credit_code", "year"]).loc[(code(1), 2022)]
    assert row["insured"] == 999.0 and row["paid"] == 1.0
    assert ey.attrs["contributions"]["duplicates"] == 1


def test_without_ledgers(small_city):
    ey = enterprise_years(small_city["cases"], None, None, small_city["register"], years=YEARS)
    assert set(ey["insured_source"]) <= {"企业名录", "无"}
    assert ey["paid"].isna().all() and (ey["payout"] == 0).all()


# ----------------------------------------------------------------------------------------------
# accounting over random messy inputs
# ----------------------------------------------------------------------------------------------


def messy_inputs(seed: int, n: int = 40) -> dict:
    """Random inputs with blank, unknown, lower-case and padded codes, refused and undated
    cases, years outside the window, reversals and duplicate-free ledgers."""
    rng = np.random.default_rng(seed)
    codes = [code(i) for i in range(n)]
    register = pd.DataFrame(
        {
            "credit_code": codes[: n - 5],
            "name": [f"合成企业{i}号" for i in range(n - 5)],
            "industry": rng.choice(["制造业", "建筑业", ""], n - 5),
            "district": rng.choice(["武陵区", "鼎城区", ""], n - 5),
            "insured": rng.integers(0, 300, n - 5).astype(float),
        }
    )
    pairs = [(c, y) for c in codes for y in (2021, *YEARS) if rng.random() < 0.6]
    contributions = pd.DataFrame(
        {
            "credit_code": [c if rng.random() < 0.8 else f" {c.lower()}" for c, _ in pairs],
            "year": [y for _, y in pairs],
            "insured": rng.uniform(0, 300, len(pairs)),
            "paid": rng.uniform(0, 1e5, len(pairs)),
        }
    )
    m = 120
    pool = [*codes, code(900), code(901), "", "", ""]
    payouts = pd.DataFrame(
        {
            "credit_code": rng.choice(pool, m),
            "year": rng.choice([2020, *YEARS], m),
            "amount": rng.normal(20000, 30000, m).round(2),  # some reversals (negative)
        }
    )
    k = 200
    day = rng.integers(0, 365 * 5, k)
    when = pd.to_datetime("2020-06-01") + pd.to_timedelta(day, unit="D")
    cases = pd.DataFrame(
        {
            "injured_at": when.where(rng.random(k) > 0.05),
            "conclusion": rng.choice(["认定工伤", "视同工伤", "不予认定", "未知"], k),
            "injury_kind": rng.choice([*INJURY_KINDS, "", "别的"], k),
            "occupational_disease": rng.random(k) < 0.1,
            "death": rng.random(k) < 0.05,
            "commuting": rng.random(k) < 0.3,
            "credit_code": rng.choice([*codes, code(777), "", f"  {codes[0].lower()}"], k),
            "employer": rng.choice(["合成企业1号", "测试无名厂", "合成企业2号", ""], k),
        }
    )
    return {
        "cases": cases,
        "contributions": contributions,
        "payouts": payouts,
        "register": register,
    }


@pytest.mark.parametrize("seed", range(8))
def test_every_recognised_case_and_every_yuan_counted_once(seed):
    inputs = messy_inputs(seed)
    ey = build(inputs)
    cases = inputs["cases"]
    in_window = cases["conclusion"].isin(RECOGNISED) & cases["injured_at"].dt.year.isin(YEARS)
    counted = ey.attrs["cases"]
    assert counted["recognised"] == in_window.sum()
    assert counted["enterprise_rows"] + counted["unmatched"] == counted["recognised"]
    parts = ("recognised", "not_recognised", "no_date", "outside_years")
    assert sum(counted[k] for k in parts) == len(cases)  # every case in exactly one
    unmatched = ey.attrs["unmatched"]
    assert ey["n_injuries"].sum() + sum(r["n_injuries"] for r in unmatched) == in_window.sum()
    for col in COUNT_COLUMNS:
        total = ey[col].sum() + sum(r[col] for r in unmatched)
        window = cases[in_window]
        if col == "n_occupational":
            assert total == window["occupational_disease"].sum()
        elif col == "n_deaths":
            assert total == window["death"].sum()
        elif col == "n_commuting":
            assert total == window["commuting"].sum()
    kinds = ey[list(INJURY_KINDS)].sum(axis=1)
    assert (kinds == ey["n_injuries"]).all()
    pay = inputs["payouts"]
    in_years = pay.loc[pay["year"].isin(YEARS), "amount"].sum()
    got = ey["payout"].sum() + sum(r["payout"] for r in unmatched)
    assert got == pytest.approx(in_years, rel=1e-12, abs=1e-6)
    # one row per enterprise and year, every code normalised
    assert not ey.duplicated(["credit_code", "year"]).any()
    assert len(ey) == ey["credit_code"].nunique() * len(YEARS)
    assert (ey["credit_code"] == ey["credit_code"].str.strip().str.upper()).all()
    assert "" not in set(ey["credit_code"])
    # the headcount's source says where it came from
    src = ey["insured_source"]
    assert ey.loc[src == "无", "insured"].isna().all()
    assert ey.loc[src != "无", "insured"].notna().all()


# ----------------------------------------------------------------------------------------------
# incidence
# ----------------------------------------------------------------------------------------------


def rate_frame(
    seed: int, n: int = 300, *, planted: int = 0, ratio: float = 1.0, shape: float = math.inf
) -> pd.DataFrame:
    """Enterprise-years: headcount lognormal (median 100, 10–3,000), injuries Poisson at
    8 per 1,000 per year (gamma(shape) across enterprises unless shape is inf); the first
    `planted` enterprises have 300 insured and `ratio` times the rate."""
    rng = np.random.default_rng(seed)
    ins = np.clip(np.exp(rng.normal(math.log(100.0), 1.0, n)), 10, 3000).round()
    ins[:planted] = 300.0
    rate = np.full(n, 0.008) if math.isinf(shape) else rng.gamma(shape, 0.008 / shape, n)
    rate[:planted] *= ratio
    ny = len(YEARS)
    return pd.DataFrame(
        {
            "credit_code": np.repeat([f"E{i:04d}" for i in range(n)], ny),
            "name": np.repeat([f"合成企业{i}号" for i in range(n)], ny),
            "year": np.tile(YEARS, n),
            "insured": np.repeat(ins, ny),
            "n_injuries": rng.poisson(np.repeat(rate * ins, ny)),
            "n_occupational": 0,
            "n_deaths": 0,
        }
    )


def test_incidence_against_an_independent_computation():
    ey = rate_frame(1, shape=2.0)
    out = incidence(ey, level=0.9).sort_values("credit_code").reset_index(drop=True)
    pooled = ey.groupby("credit_code").agg(n=("n_injuries", "sum"), py=("insured", "sum"))
    n, py = pooled["n"].to_numpy(float), pooled["py"].to_numpy(float)
    np.testing.assert_array_equal(out["n_injuries"], n)
    np.testing.assert_allclose(out["insured_years"], py)
    np.testing.assert_allclose(out["rate_per_1000"], 1000 * n / py)
    # exact (Garwood) limits from the chi-square distribution
    alpha = 0.1
    lower = np.where(n > 0, stats.chi2.ppf(alpha / 2, 2 * n) / 2, 0.0) / py * 1000
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2 / py * 1000
    np.testing.assert_allclose(out["rate_lower"], lower, rtol=1e-9)
    np.testing.assert_allclose(out["rate_upper"], upper, rtol=1e-9)
    theta = n.sum() / py.sum()
    assert out.attrs["theta"] == pytest.approx(theta, rel=1e-12)
    mu = theta * py
    np.testing.assert_allclose(out["expected"], mu, rtol=1e-12)
    np.testing.assert_allclose(out["p_high"], stats.poisson.sf(n - 1, mu), rtol=1e-9, atol=1e-300)
    # the one-sided 90 % funnel limit: above it ⇔ P(X ≥ n + 1) < 0.1 (funnel_limits, Notes)
    np.testing.assert_array_equal(out["high"], stats.poisson.sf(n, mu) < 0.1)
    assert (out["funnel_upper"] > 0).all()


def test_incidence_eb_equals_esda_and_global_eb():
    ey = rate_frame(2, n=500, shape=2.0)
    out = incidence(ey).sort_values("credit_code")
    e = out["n_rated"].to_numpy(float)
    b = out["insured_years"].to_numpy(float)
    esda_eb = Empirical_Bayes(e.reshape(-1, 1), b.reshape(-1, 1)).r.ravel()
    assert out.attrs["phi"] > 0  # φ > 0: esda's unclamped estimator is the same estimator
    np.testing.assert_allclose(out["eb_rate_per_1000"] / 1000, esda_eb, rtol=1e-12)
    ours = global_eb(e, b)
    np.testing.assert_allclose(out["eb_rate_per_1000"], 1000 * ours["eb"], rtol=1e-14)
    np.testing.assert_allclose(out["eb_weight"], ours["weight"], rtol=1e-14)
    esda_er = Excess_Risk(e.reshape(-1, 1), b.reshape(-1, 1)).r.ravel()
    np.testing.assert_allclose(e / out["expected"], esda_er, rtol=1e-12)


def test_incidence_zero_and_no_exposure():
    ey = rate_frame(3, n=20)
    ey.loc[ey["credit_code"] == "E0000", "insured"] = np.nan
    ey.loc[ey["credit_code"] == "E0000", "n_injuries"] = 5
    ey.loc[ey["credit_code"] == "E0001", "insured"] = 0.0
    ey.loc[ey["credit_code"] == "E0001", "n_injuries"] = 4
    # E0002: a year without headcount; its injuries that year are not rated
    ey.loc[(ey["credit_code"] == "E0002") & (ey["year"] == 2024), "insured"] = np.nan
    ey.loc[(ey["credit_code"] == "E0002") & (ey["year"] == 2024), "n_injuries"] = 3
    out = incidence(ey).set_index("credit_code")
    for c, note in (("E0000", NO_EXPOSURE), ("E0001", ZERO_EXPOSURE)):
        row = out.loc[c]
        assert math.isnan(row["rate_per_1000"]) and math.isnan(row["eb_rate_per_1000"])
        assert math.isnan(row["expected"]) and math.isnan(row["funnel_upper"])
        assert not row["high"] and row["note"] == note
    assert out.index[-2:].tolist() == ["E0000", "E0001"]  # no rate sorts last
    e2 = out.loc["E0002"]
    assert e2["years_exposed"] == 2 and e2["n_injuries"] == e2["n_rated"] + 3
    assert math.isnan(e2["insured_2024"]) and math.isnan(e2["rate_2024"])
    assert e2["injuries_2024"] == 3
    # θ leaves the enterprises without exposure out
    rated = out[out["insured_years"] > 0]
    assert out.attrs["theta"] == pytest.approx(
        rated["n_rated"].sum() / rated["insured_years"].sum()
    )


def test_incidence_per_year_columns():
    ey = rate_frame(4, n=30)
    out = incidence(ey).set_index("credit_code")
    per = ey.set_index(["credit_code", "year"])
    for y in YEARS:
        n = per.xs(y, level="year")["n_injuries"].reindex(out.index)
        ins = per.xs(y, level="year")["insured"].reindex(out.index)
        np.testing.assert_array_equal(out[f"injuries_{y}"], n)
        np.testing.assert_allclose(out[f"rate_{y}"], 1000 * n / ins)
    assert out.attrs["years"] == list(YEARS)


def test_high_flags_power_and_false_positive_rate():
    # 20 seeds × 300 enterprises at 8 ‰ a year; the first 20 (300 insured) at 3 × that rate.
    # Measured when the test was written (50 seeds): power 0.98 on average, at least 0.90 in
    # every seed; false-positive share 0.058 on average, at most 0.079. The interpolated funnel
    # limit flags "P(X ≥ n + 1) < 5 %", a little looser than the exact test P(X ≥ n) < 5 %
    # (share 0.018 on average), so the rate sits just above the nominal 5 %.
    # Asserted with margin: power ≥ 0.95 pooled and ≥ 0.8 per seed; false positives ≤ 0.075
    # pooled and ≤ 0.11 per seed; the exact p_high test ≤ 0.05 pooled.
    power, fpr, exact = [], [], []
    for seed in range(20):
        out = incidence(rate_frame(200 + seed, planted=20, ratio=3.0))
        planted = out["credit_code"] < "E0020"
        power.append(out.loc[planted, "high"].mean())
        fpr.append(out.loc[~planted, "high"].mean())
        exact.append((out.loc[~planted, "p_high"] < 0.05).mean())
    assert np.mean(power) >= 0.95 and min(power) >= 0.8
    assert np.mean(fpr) <= 0.075 and max(fpr) <= 0.11
    assert np.mean(exact) <= 0.05


@pytest.mark.parametrize("level", [0.5, 1.0, 0.2, "x"])
def test_incidence_bad_level(level):
    with pytest.raises(SettingsError):
        incidence(rate_frame(1, n=5), level=level)


def test_incidence_missing_column():
    with pytest.raises(SchemaError, match="n_deaths"):
        incidence(rate_frame(1, n=5).drop(columns="n_deaths"))


# ----------------------------------------------------------------------------------------------
# group statistics and key fields
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("by", ["industry", "district"])
def test_group_totals_add_up_to_the_city(seed, by):
    ey = build(messy_inputs(seed))
    groups = group_statistics(ey, by)
    fields = key_fields(ey)
    unmatched = pd.DataFrame(ey.attrs["unmatched"]).set_index("year")
    periods = [*map(str, YEARS), "2022–2024"]
    assert groups["period"].unique().tolist() == periods
    for period in periods:
        in_p = list(YEARS) if "–" in period else [int(period)]
        part = groups[groups["period"] == period]
        city = ey[ey["year"].isin(in_p)]
        for col in COUNT_COLUMNS:
            expected = city[col].sum() + unmatched.loc[in_p, col].sum()
            assert part[col].sum() == expected, (period, col)
        assert part["insured_years"].sum() == pytest.approx(
            city["insured"].where(city["insured"] >= 0).sum()
        )
        assert part["payout"].sum() == pytest.approx(
            city["payout"].sum() + unmatched.loc[in_p, "payout"].sum()
        )
        total = fields[(fields["kind"] == TOTAL_KIND) & (fields["period"] == period)]
        assert total["injuries"].item() == part["n_injuries"].sum()
        kinds = fields[(fields["kind"] != TOTAL_KIND) & (fields["period"] == period)]
        assert kinds["injuries"].sum() == total["injuries"].item()
        if total["injuries"].item():
            assert kinds["share"].sum() == pytest.approx(1.0)


def test_group_statistics_rates_eb_and_ranking():
    ey = build(messy_inputs(5, n=60))
    out = group_statistics(ey, "industry", level=0.9)
    assert BLANK_GROUP in set(out["industry"])
    pooled = out[out["period"] == "2022–2024"]
    for period, part in out.groupby("period"):
        rated = part["insured_years"] > 0
        fit = global_eb(part["injuries_rated"].where(rated), part["insured_years"].where(rated))
        np.testing.assert_allclose(part["eb_rate_per_1000"], 1000 * fit["eb"], equal_nan=True)
        assert out.attrs["theta"][period] == pytest.approx(fit.attrs["theta"])
        n, py = part["injuries_rated"][rated], part["insured_years"][rated]
        np.testing.assert_allclose(part["rate_per_1000"][rated], 1000 * n / py)
        upper = stats.chi2.ppf(0.95, 2 * n + 2) / 2 / py * 1000
        np.testing.assert_allclose(part["rate_upper"][rated], upper, rtol=1e-9)
    # ranked by pooled EB, highest first; groups without a rate last with rank 0
    ranked = pooled[pooled["rank"] > 0]
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert ranked["eb_rate_per_1000"].is_monotonic_decreasing
    assert pooled.loc[pooled["rank"] == 0, "eb_rate_per_1000"].isna().all()
    assert pooled["industry"].tolist()[: len(ranked)] == ranked["industry"].tolist()
    # payout ratio: payouts ÷ premiums over enterprise-years with a premium paid
    has = ey["paid"] > 0
    for group, part in pooled.set_index("industry").iterrows():
        if group == UNMATCHED_GROUP:
            continue
        label = ey["industry"].where(ey["industry"] != "", BLANK_GROUP)
        sel = has & (label == group)
        expected = ey.loc[sel, "payout"].sum() / ey.loc[sel, "paid"].sum() if sel.any() else np.nan
        np.testing.assert_allclose(part["payout_ratio"], expected, equal_nan=True)


def test_unmatched_cases_have_their_own_group(small_city):
    ey = build(small_city)
    out = group_statistics(ey, "district")
    um = out[out["district"] == UNMATCHED_GROUP].set_index("period")
    assert um.loc["2024", "n_injuries"] == 1 and um.loc["2023", "payout"] == 500.0
    assert um.loc["2022–2024", "n_injuries"] == 1 and um["rank"].eq(0).all()
    assert um["rate_per_1000"].isna().all() and um["enterprises"].eq(0).all()


def test_group_enterprise_counts(small_city):
    ey = build(small_city)
    out = group_statistics(ey, "industry").set_index(["industry", "period"])
    # 制造业: code(1) (insured each year, injured 2022–2024)
    assert out.loc[("制造业", "2022"), "enterprises"] == 1
    assert out.loc[("制造业", "2022–2024"), "enterprises_injured"] == 1
    # 未填: code(3) (0 insured: not counted) and code(4) (insured only in 2024), code(5)
    assert out.loc[(BLANK_GROUP, "2022"), "enterprises"] == 0
    assert out.loc[(BLANK_GROUP, "2024"), "enterprises"] == 1


def test_key_fields_shares_and_wilson():
    ey = build(messy_inputs(6, n=60))
    out = key_fields(ey, level=0.9)
    kinds = out[out["kind"] != TOTAL_KIND]
    assert set(kinds["kind"]) == set(INJURY_KINDS)
    lower, upper = wilson_ci(
        out["injuries"], out.groupby("period")["injuries"].transform("max"), 0.9
    )
    np.testing.assert_allclose(out["share_lower"], lower)
    np.testing.assert_allclose(out["share_upper"], upper)
    pooled = kinds[kinds["period"] == "2022–2024"]
    assert pooled["injuries"].is_monotonic_decreasing
    assert pooled["rank"].tolist() == list(range(1, len(INJURY_KINDS) + 1))


def test_group_by_must_be_industry_or_district(small_city):
    with pytest.raises(ArgumentError, match="by must be"):
        group_statistics(build(small_city), "year")
