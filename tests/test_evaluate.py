"""Tests of the empirical-Bayes before/after evaluation and the plain year-on-year change.

Most tests simulate road units (or enterprises) with gamma-distributed true accident rates and
Poisson counts, treat the units with the most accidents in the before period — exactly how
warning-sign sites are chosen — and check that the EB estimate sees through regression to the
mean where the naive before/after comparison does not.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from trafficprev.trends._evaluate import (
    DEFAULT_GROUP,
    TOO_SMALL,
    EvaluationResult,
    eb_before_after,
    yoy_change,
)

UNIT_COLUMNS = [
    "unit",
    "group",
    "before",
    "after",
    "exposure_before",
    "exposure_after",
    "eb_before",
    "eb_weight",
    "expected_after",
    "sd_expected_after",
    "ratio",
    "naive_change",
]
SUMMARY_COLUMNS = [
    "group",
    "n_treated",
    "n_comparison",
    "before",
    "after",
    "expected_after",
    "sd_expected_after",
    "index",
    "change",
    "change_lower",
    "change_upper",
    "naive_change",
    "trend_change",
    "trend_corrected_change",
    "met_goal",
    "note",
]
COLS = ["unit", "treated", "before", "after", "exposure_before", "exposure_after"]


def simulate(
    seed: int,
    *,
    n: int = 2000,
    n_treat: int = 50,
    effect: float = 1.0,
    trend: float = 1.0,
    shape: float | None = 2.0,
    mean_rate: float = 2.0,
    n_separate: int = 0,
) -> pd.DataFrame:
    """Units with gamma true rates (per unit exposure) and Poisson counts.

    The ``n_treat`` units of the first ``n`` with the highest before counts are treated; their
    after rate is multiplied by ``effect``; every after rate by ``trend``. Exposure (e.g. km ×
    years) varies between units and a little between periods. ``shape=None`` gives all units
    the same true rate. With ``n_separate > 0`` the comparison group is ``n_separate`` other
    units from the same population that were never screened (the untreated of the first ``n``
    are dropped); otherwise the untreated of the first ``n`` are the comparison group.
    """
    rng = np.random.default_rng(seed)
    m = n + n_separate
    exposure_before = rng.uniform(0.5, 2.0, m)
    exposure_after = exposure_before * rng.uniform(0.9, 1.1, m)
    rate = np.full(m, mean_rate) if shape is None else rng.gamma(shape, mean_rate / shape, m)
    before = rng.poisson(rate * exposure_before)
    treated = np.zeros(m, dtype=bool)
    treated[np.argsort(-before[:n], kind="stable")[:n_treat]] = True
    after = rng.poisson(rate * exposure_after * np.where(treated, effect, 1.0) * trend)
    keep = np.ones(m, dtype=bool)
    if n_separate:
        keep[:n] = treated[:n]
    return pd.DataFrame(
        {
            "unit": [f"R{i:05d}" for i in np.flatnonzero(keep)],
            "treated": treated[keep],
            "before": before[keep],
            "after": after[keep],
            "exposure_before": exposure_before[keep],
            "exposure_after": exposure_after[keep],
        }
    )


def one(result: EvaluationResult) -> pd.Series:
    assert len(result.summary) == 1
    return result.summary.iloc[0]


def deterministic_table(treated_after: list[int]) -> pd.DataFrame:
    """10 identical comparison units (10 → 10 accidents, φ = 0, r_t = 1) and 5 treated units
    with 20 before accidents each; π = 50 and Var(π)/π² = 1/100 + 1/100."""
    rows = [(f"C{j}", False, 10, 10, 1.0, 1.0) for j in range(10)]
    rows += [(f"T{j}", True, 20, a, 1.0, 1.0) for j, a in enumerate(treated_after)]
    return pd.DataFrame(rows, columns=COLS)


# ---------------------------------------------------------------------------------------------
# regression to the mean, no effect
# ---------------------------------------------------------------------------------------------


def test_null_effect_naive_change_is_misleading_but_eb_covers_zero():
    table = simulate(1)
    row = one(eb_before_after(table, reference="all"))
    assert row["n_treated"] == 50
    assert row["n_comparison"] == 1950
    assert row["naive_change"] < -0.20  # RTM: the "drop" a naive comparison reports
    assert row["trend_corrected_change"] < -0.20  # the trend does not explain it
    assert row["change_lower"] <= 0.0 <= row["change_upper"]
    assert abs(row["change"]) < 0.12
    assert row["met_goal"] == "no"
    assert row["note"] == ""


def test_null_effect_with_separate_comparison_group_default_reference():
    table = simulate(2, n_separate=2000)
    row = one(eb_before_after(table))
    assert row["n_treated"] == 50
    assert row["n_comparison"] == 2000
    assert row["naive_change"] < -0.20
    assert row["change_lower"] <= 0.0 <= row["change_upper"]


def test_default_reference_with_leftover_comparison_is_biased_towards_no_effect():
    # Documented limitation: when the untreated units are the leftovers of the top-count
    # choice, the default reference makes the prior too narrow and the trend too high.
    changes_default, changes_all = [], []
    for seed in range(20):
        table = simulate(100 + seed)
        changes_default.append(one(eb_before_after(table))["change"])
        changes_all.append(one(eb_before_after(table, reference="all"))["change"])
    assert np.mean(changes_default) > 0.05
    assert abs(np.mean(changes_all)) < 0.03


@pytest.mark.parametrize(
    ("reference", "design"),
    [
        ("all", {"n": 600, "n_treat": 30}),
        ("untreated", {"n": 600, "n_treat": 30, "n_separate": 600}),
    ],
)
def test_interval_coverage_under_the_null(reference, design):
    reps = 200
    covered, changes = 0, []
    for seed in range(reps):
        row = one(eb_before_after(simulate(1000 + seed, **design), reference=reference))
        covered += row["change_lower"] <= 0.0 <= row["change_upper"]
        changes.append(row["change"])
    assert 0.85 <= covered / reps <= 0.99
    assert abs(np.mean(changes)) < 0.03  # unbiased on average


def test_upward_trend_without_effect():
    table = simulate(3, trend=1.2)
    row = one(eb_before_after(table, reference="all"))
    assert row["trend_change"] == pytest.approx(0.2, abs=0.04)
    assert row["change_lower"] <= 0.0 <= row["change_upper"]
    assert abs(row["change"]) < 0.12
    # without the trend correction the naive change would look smaller in magnitude
    assert row["trend_corrected_change"] < row["naive_change"] < 0
    assert row["trend_corrected_change"] < -0.20


def test_homogeneous_rates_phi_zero():
    # all units share one true rate: the top counts are pure chance, φ ≈ 0
    table = simulate(4, shape=None)
    result = eb_before_after(table, reference="all")
    row = one(result)
    figures = result.comparison[DEFAULT_GROUP]
    assert figures["phi"] < 0.05 * figures["rate_before"]
    assert row["naive_change"] < -0.25
    assert row["change_lower"] <= 0.0 <= row["change_upper"]
    assert (result.units["eb_weight"] < 0.1).all()


def test_phi_clamped_at_zero_gives_prior_mean():
    # comparison units identical: s² = 0 < θ/mean(b), so φ = 0 exactly
    result = eb_before_after(deterministic_table([12, 15, 9, 14, 10]))
    figures = result.comparison[DEFAULT_GROUP]
    assert figures["phi"] == 0.0
    assert math.isnan(figures["alpha"]) and math.isnan(figures["beta"])
    units = result.units
    assert (units["eb_weight"] == 0.0).all()
    np.testing.assert_allclose(units["eb_before"], 10.0)
    np.testing.assert_allclose(units["expected_after"], 10.0)
    # only the trend's error remains: Var(π_i) = π_i² (1/100 + 1/100)
    np.testing.assert_allclose(units["sd_expected_after"], 10.0 * math.sqrt(0.02))
    row = one(result)
    assert row["expected_after"] == pytest.approx(50.0)
    assert row["sd_expected_after"] == pytest.approx(50.0 * math.sqrt(0.02))
    assert row["index"] == pytest.approx((60 / 50) / 1.02)


# ---------------------------------------------------------------------------------------------
# a real effect and the goal
# ---------------------------------------------------------------------------------------------


def test_true_thirty_percent_reduction_big_sample_meets_goal():
    table = simulate(5, n=4000, n_treat=200, effect=0.7)
    row = one(eb_before_after(table, reference="all"))
    assert row["change"] == pytest.approx(-0.30, abs=0.06)
    assert row["change_lower"] <= -0.30 <= row["change_upper"]
    assert row["change_upper"] < -0.10  # excludes 0 and the goal
    assert row["met_goal"] == "yes"
    assert row["naive_change"] < row["change"] - 0.15  # RTM would have exaggerated it


def test_true_thirty_percent_reduction_separate_comparison():
    table = simulate(6, n=2000, n_treat=100, effect=0.7, n_separate=2000)
    row = one(eb_before_after(table))
    assert row["change"] == pytest.approx(-0.30, abs=0.08)
    assert row["change_lower"] <= -0.30 <= row["change_upper"] < 0.0


def test_met_goal_likely():
    # λ = 40, π = 50, Var(π)/π² = 0.02: change −0.216 but the interval reaches above −0.10
    row = one(eb_before_after(deterministic_table([8, 8, 8, 8, 8])))
    index = (40 / 50) / 1.02
    sd = math.sqrt(index**2 * (1 / 40 + 0.02) / 1.02**2)
    assert row["index"] == pytest.approx(index)
    assert row["change"] == pytest.approx(index - 1)
    assert row["change_upper"] == pytest.approx(index + 1.959963984540054 * sd - 1)
    assert row["change_lower"] == pytest.approx(index - 1.959963984540054 * sd - 1)
    assert row["change"] <= -0.10 < row["change_upper"]
    assert row["met_goal"] == "likely"


def test_met_goal_no_and_goal_argument():
    table = deterministic_table([10, 9, 10, 9, 10])  # λ = 48: change ≈ −0.06
    row = one(eb_before_after(table))
    assert -0.10 < row["change"] < 0
    assert row["met_goal"] == "no"
    # a softer goal of −5 % is likely met by the same data
    assert one(eb_before_after(table, goal=-0.05))["met_goal"] == "likely"


def test_lambda_zero_uses_exact_poisson_upper_bound():
    row = one(eb_before_after(deterministic_table([0, 0, 0, 0, 0])))
    assert row["index"] == 0.0
    assert row["change"] == -1.0
    assert row["change_lower"] == -1.0
    # one-sided exact 95 % upper bound of a Poisson mean for a zero count: −ln 0.05
    assert row["change_upper"] == pytest.approx(-math.log(0.05) / 50.0 - 1.0)
    assert row["met_goal"] == "yes"
    assert "泊松" in row["note"]
    row90 = one(eb_before_after(deterministic_table([0, 0, 0, 0, 0]), level=0.90))
    assert row90["change_upper"] == pytest.approx(-math.log(0.10) / 50.0 - 1.0)


# ---------------------------------------------------------------------------------------------
# the formulas, by hand
# ---------------------------------------------------------------------------------------------

COMPARISON = [  # unit, before K, after A, exposure before b, exposure after e
    ("C1", 2, 3, 1.0, 1.0),
    ("C2", 8, 6, 2.0, 2.2),
    ("C3", 1, 2, 0.5, 0.5),
    ("C4", 12, 10, 1.5, 1.5),
    ("C5", 5, 7, 1.0, 1.1),
    ("C6", 0, 1, 0.8, 0.8),
]
TREATED = [("T1", 15, 6, 2.0, 2.0), ("T2", 9, 4, 1.0, 1.2)]


def hand_table() -> pd.DataFrame:
    rows = [(u, False, k, a, b, e) for u, k, a, b, e in COMPARISON]
    rows += [(u, True, k, a, b, e) for u, k, a, b, e in TREATED]
    return pd.DataFrame(rows[::-1], columns=COLS)  # reversed: output must be sorted


def test_hand_computed_example():
    result = eb_before_after(hand_table())
    # prior from the comparison units
    sum_k = 2 + 8 + 1 + 12 + 5 + 0
    sum_b = 1.0 + 2.0 + 0.5 + 1.5 + 1.0 + 0.8
    theta = sum_k / sum_b
    s2 = sum(b * (k / b - theta) ** 2 for _, k, _, b, _ in COMPARISON) / sum_b
    phi = max(s2 - theta / (sum_b / 6), 0.0)
    assert phi > 0
    alpha, beta = theta**2 / phi, theta / phi
    # trend from the comparison units
    sum_a = 3 + 6 + 2 + 10 + 7 + 1
    sum_e = 1.0 + 2.2 + 0.5 + 1.5 + 1.1 + 0.8
    r_t = (sum_a / sum_e) / (sum_k / sum_b)
    rel_var_r = 1 / sum_a + 1 / sum_k

    figures = result.comparison[DEFAULT_GROUP]
    assert figures["rate_before"] == pytest.approx(theta)
    assert figures["phi"] == pytest.approx(phi)
    assert figures["trend"] == pytest.approx(r_t)
    assert figures["trend_rel_var"] == pytest.approx(rel_var_r)

    units = result.units
    assert list(units.columns) == UNIT_COLUMNS
    assert units["unit"].tolist() == ["T1", "T2"]
    pis, var_eb_parts = [], []
    for (_, k, a, b, e), (_, got) in zip(TREATED, units.iterrows(), strict=True):
        w = phi / (phi + theta / b)
        e_i = b * (w * k / b + (1 - w) * theta)
        assert e_i == pytest.approx(b * (alpha + k) / (beta + b))  # posterior-mean form
        var_e = b**2 * (alpha + k) / (beta + b) ** 2
        pi = e_i * (e / b) * r_t
        var_pi = pi**2 * (var_e / e_i**2 + rel_var_r)
        assert got["eb_weight"] == pytest.approx(w)
        assert got["eb_before"] == pytest.approx(e_i)
        assert got["expected_after"] == pytest.approx(pi)
        assert got["sd_expected_after"] == pytest.approx(math.sqrt(var_pi))
        assert got["ratio"] == pytest.approx(a / pi)
        assert got["naive_change"] == pytest.approx((a / e) / (k / b) - 1)
        pis.append(pi)
        var_eb_parts.append(pi**2 * var_e / e_i**2)

    lam = 6 + 4
    pi_total = sum(pis)
    var_total = sum(var_eb_parts) + pi_total**2 * rel_var_r  # trend error counted once
    cv2 = var_total / pi_total**2
    index = (lam / pi_total) / (1 + cv2)
    row = one(result)
    assert list(result.summary.columns) == SUMMARY_COLUMNS
    assert row["expected_after"] == pytest.approx(pi_total)
    assert row["sd_expected_after"] == pytest.approx(math.sqrt(var_total))
    assert row["index"] == pytest.approx(index)
    sd = math.sqrt(index**2 * (1 / lam + cv2) / (1 + cv2) ** 2)
    assert row["change_upper"] == pytest.approx(index + 1.959963984540054 * sd - 1)
    assert row["change_lower"] == pytest.approx(max(index - 1.959963984540054 * sd, 0) - 1)
    naive = (10 / 3.2) / (24 / 3.0)
    assert row["naive_change"] == pytest.approx(naive - 1)
    assert row["trend_change"] == pytest.approx(r_t - 1)
    assert row["trend_corrected_change"] == pytest.approx(naive / r_t - 1)
    assert row["before"] == 24 and row["after"] == 10
    assert row["n_treated"] == 2 and row["n_comparison"] == 6


def test_hand_computed_reference_all():
    result = eb_before_after(hand_table(), reference="all")
    everything = COMPARISON + TREATED
    sum_k = sum(k for _, k, _, _, _ in everything)
    sum_b = sum(b for _, _, _, b, _ in everything)
    theta = sum_k / sum_b
    s2 = sum(b * (k / b - theta) ** 2 for _, k, _, b, _ in everything) / sum_b
    phi = max(s2 - theta / (sum_b / len(everything)), 0.0)
    alpha, beta = theta**2 / phi, theta / phi
    eb_comparison = sum(b * (alpha + k) / (beta + b) for _, k, _, b, _ in COMPARISON)
    r_t = (29 / 7.1) / (eb_comparison / 6.8)
    figures = result.comparison[DEFAULT_GROUP]
    assert figures["n_reference"] == 8
    assert figures["rate_before"] == pytest.approx(theta)
    assert figures["phi"] == pytest.approx(phi)
    assert figures["eb_before"] == pytest.approx(eb_comparison)
    assert figures["trend"] == pytest.approx(r_t)
    assert figures["trend_rel_var"] == pytest.approx(1 / 29 + 1 / eb_comparison)
    t1 = result.units.iloc[0]
    assert t1["eb_before"] == pytest.approx(2.0 * (alpha + 15) / (beta + 2.0))
    assert t1["expected_after"] == pytest.approx(2.0 * (alpha + 15) / (beta + 2.0) * r_t)


# ---------------------------------------------------------------------------------------------
# groups, insufficient data, validation
# ---------------------------------------------------------------------------------------------


def test_two_groups_are_evaluated_separately():
    signs = simulate(7, n=800, n_treat=40, effect=0.6).assign(group="警示标志")
    training = simulate(8, n=800, n_treat=40).assign(group="培训")
    table = pd.concat([signs, training], ignore_index=True).sample(frac=1.0, random_state=3)
    result = eb_before_after(table, reference="all")
    assert result.summary["group"].tolist() == ["培训", "警示标志"]
    assert set(result.comparison) == {"培训", "警示标志"}
    for group, part in (("警示标志", signs), ("培训", training)):
        alone = one(eb_before_after(part, reference="all"))
        row = result.summary.set_index("group").loc[group]
        for column in ("index", "change", "change_lower", "change_upper", "expected_after"):
            assert row[column] == pytest.approx(alone[column])
    # units sorted by group, then unit
    units = result.units
    assert units["group"].tolist() == ["培训"] * 40 + ["警示标志"] * 40
    for _, part in units.groupby("group"):
        assert part["unit"].tolist() == sorted(part["unit"])
    by_group = result.summary.set_index("group")
    assert by_group.loc["警示标志", "change"] < by_group.loc["培训", "change"]


def test_output_does_not_depend_on_row_order():
    table = simulate(9, n=300, n_treat=20).assign(group=lambda d: np.where(d.index % 2, "A", "B"))
    first = eb_before_after(table, reference="all")
    second = eb_before_after(table.sample(frac=1.0, random_state=1), reference="all")
    pd.testing.assert_frame_equal(first.units, second.units)
    pd.testing.assert_frame_equal(first.summary, second.summary)


def test_too_few_comparison_units():
    rows = [(f"C{j}", False, 3, 4, 1.0, 1.0) for j in range(4)]
    rows += [(f"T{j}", True, 12, 5, 1.0, 1.0) for j in range(3)]
    result = eb_before_after(pd.DataFrame(rows, columns=COLS))
    row = one(result)
    assert row["n_comparison"] == 4
    for column in ("index", "change", "change_lower", "change_upper", "expected_after"):
        assert math.isnan(row[column])
    assert math.isnan(row["trend_change"])
    assert row["met_goal"] == "无法判断"
    assert "对照组不足" in row["note"]
    assert row["naive_change"] == pytest.approx(15 / 36 - 1)  # still reported
    assert result.units["eb_before"].isna().all()
    assert len(result.units) == 3


def test_insufficient_group_next_to_a_sufficient_one():
    rows = [(f"C{j}", False, 3, 4, 1.0, 1.0, "A") for j in range(4)]
    rows += [(f"C{j}", False, 3 + j % 3, 4, 1.0, 1.0, "B") for j in range(8)]
    rows += [("T1", True, 9, 4, 1.0, 1.0, "A"), ("T1", True, 9, 4, 1.0, 1.0, "B")]
    result = eb_before_after(pd.DataFrame(rows, columns=[*COLS, "group"]))
    assert result.units["group"].tolist() == ["A", "B"]
    assert result.units["eb_before"].isna().tolist() == [True, False]
    assert result.summary["met_goal"].tolist() == ["无法判断", "no"]


def test_comparison_without_before_cases_is_insufficient():
    rows = [(f"C{j}", False, 0, 1, 1.0, 1.0) for j in range(8)]
    rows += [(f"T{j}", True, 12, 5, 1.0, 1.0) for j in range(3)]
    row = one(eb_before_after(pd.DataFrame(rows, columns=COLS)))
    assert math.isnan(row["change"])
    assert row["met_goal"] == "无法判断"
    assert "对照组不足" in row["note"]


def test_few_treated_cases_note():
    rows = [(f"C{j}", False, 3 + j % 3, 3 + j % 2, 1.0, 1.0) for j in range(20)]
    rows += [("T0", True, 5, 2, 1.0, 1.0)]
    row = one(eb_before_after(pd.DataFrame(rows, columns=COLS)))
    assert not math.isnan(row["change"])
    assert "处置单位事故数少，结论不稳定" in row["note"]


def test_treated_unit_with_zero_exposure_is_excluded_with_note():
    table = deterministic_table([8, 8, 8, 8, 8])
    table.loc[len(table)] = ["T9", True, 4, 0, 1.0, 0.0]
    result = eb_before_after(table)
    assert "T9" not in set(result.units["unit"])
    row = one(result)
    assert row["n_treated"] == 5
    assert "T9" in row["note"] and "暴露量为0" in row["note"]
    assert row["change"] == pytest.approx(
        one(eb_before_after(deterministic_table([8] * 5)))["change"]
    )


def test_group_without_treated_units():
    table = deterministic_table([8, 8, 8, 8, 8]).assign(group="培训")
    extra = pd.DataFrame([(f"X{j}", False, 2, 2, 1.0, 1.0) for j in range(6)], columns=COLS)
    result = eb_before_after(pd.concat([table, extra.assign(group="警示标志")]))
    row = result.summary.set_index("group").loc["警示标志"]
    assert row["n_treated"] == 0
    assert row["met_goal"] == "无法判断"
    assert "无处置单位" in row["note"]
    assert set(result.units["group"]) == {"培训"}


def test_missing_columns_are_named():
    table = deterministic_table([8] * 5).drop(columns=["exposure_after", "treated"])
    with pytest.raises(ValueError, match="treated") as info:
        eb_before_after(table)
    assert "exposure_after" in str(info.value)


@pytest.mark.parametrize("column", ["before", "after", "exposure_before", "exposure_after"])
def test_negative_values_are_rejected(column):
    table = deterministic_table([8] * 5)
    table.loc[3, column] = -1
    with pytest.raises(ValueError, match=column):
        eb_before_after(table)


def test_other_invalid_inputs():
    table = deterministic_table([8] * 5)
    with pytest.raises(ValueError, match="missing"):
        eb_before_after(table.assign(before=table["before"].astype(float).where(table.index != 2)))
    with pytest.raises(ValueError, match="more than once"):
        eb_before_after(pd.concat([table, table.iloc[[0]]]))
    with pytest.raises(ValueError, match="treated"):
        eb_before_after(table.assign(treated="yes"))
    with pytest.raises(ValueError, match="level"):
        eb_before_after(table, level=1.5)
    with pytest.raises(ValueError, match="goal"):
        eb_before_after(table, goal=-1.0)
    with pytest.raises(ValueError, match="reference"):
        eb_before_after(table, reference="treated")
    with pytest.raises(ValueError, match="no rows"):
        eb_before_after(table.iloc[:0])
    with pytest.raises(TypeError):
        eb_before_after(table.to_dict())


def test_treated_as_zero_one_and_extra_columns():
    table = deterministic_table([8] * 5)
    as_int = table.assign(treated=table["treated"].astype(int), 企业名称="某公司")
    pd.testing.assert_frame_equal(eb_before_after(as_int).summary, eb_before_after(table).summary)


# ---------------------------------------------------------------------------------------------
# yoy_change
# ---------------------------------------------------------------------------------------------


def test_yoy_change_hand_value():
    # 10 accidents before, none after, equal exposure: p = 2 · 0.5^10
    out = yoy_change(10, 0, 500.0, 500.0)
    assert set(out) == {"change", "change_lower", "change_upper", "p_value"}
    assert out["p_value"] == pytest.approx(2 * 0.5**10)
    assert out["change"] == -1.0
    assert out["change_lower"] == -1.0
    p_hi = 1 - 0.025 ** (1 / 10)  # Clopper–Pearson upper bound of p for 0 of 10
    assert out["change_upper"] == pytest.approx(p_hi / (1 - p_hi) - 1)


@pytest.mark.parametrize(
    ("before", "after", "e_b", "e_a"),
    [(40, 25, 1200.0, 1300.0), (7, 15, 80.0, 60.0), (120, 96, 5000.0, 5000.0), (3, 0, 10.0, 12.0)],
)
def test_yoy_change_matches_binomtest(before, after, e_b, e_a):
    out = yoy_change(before, after, e_b, e_a, level=0.9)
    test = binomtest(after, before + after, e_a / (e_a + e_b))
    assert out["p_value"] == pytest.approx(test.pvalue)
    ci = test.proportion_ci(confidence_level=0.9, method="exact")
    to_change = lambda p: p / (1 - p) * e_b / e_a - 1  # noqa: E731
    assert out["change_lower"] == pytest.approx(to_change(ci.low))
    assert out["change_upper"] == pytest.approx(to_change(ci.high))
    assert out["change"] == pytest.approx((after / e_a) / (before / e_b) - 1)
    assert out["change_lower"] <= out["change"] <= out["change_upper"]


def test_yoy_change_sums_arrays_and_edge_cases():
    summed = yoy_change([10, 20, 10], [5, 10, 5], [100.0, 200.0, 100.0], [100.0, 200.0, 100.0])
    assert summed == yoy_change(40, 20, 400.0, 400.0)
    assert summed["change"] == pytest.approx(-0.5)
    assert summed["change_upper"] < 0 and summed["p_value"] < 0.05
    empty = yoy_change(0, 0, 10.0, 10.0)
    assert math.isnan(empty["change"]) and empty["p_value"] == 1.0
    assert empty["change_lower"] == -1.0 and math.isinf(empty["change_upper"])
    new = yoy_change(0, 4, 10.0, 10.0)
    assert math.isinf(new["change"]) and math.isinf(new["change_upper"])
    assert -1.0 < new["change_lower"] < 0.0
    with pytest.raises(ValueError):
        yoy_change(-1, 3, 10.0, 10.0)
    with pytest.raises(ValueError):
        yoy_change(1, 3, 0.0, 10.0)
    with pytest.raises(ValueError):
        yoy_change(1, 3, 10.0, 10.0, level=0.0)


def test_below_the_floor_a_group_keeps_its_counts_and_gets_no_percentage():
    """A sign with 0 cases before and after (the report printed −100 % … for it) and one
    with a handful: with the run's floor (10 before, 5 expected) no change is computed and
    ``met_goal`` says why; the same tables without a floor still give numbers, and a large
    group is not touched by the floor."""
    comparison = [(f"C{j}", False, 10, 10, 1.0, 1.0) for j in range(10)]
    tiny = pd.DataFrame([*comparison, ("T0", True, 0, 0, 1.0, 1.0)], columns=COLS)
    few = pd.DataFrame([*comparison, ("T0", True, 3, 1, 0.2, 0.2)], columns=COLS)
    big = deterministic_table([6, 5, 7, 4, 6])
    for table in (tiny, few):
        row = one(eb_before_after(table, min_before=10, min_expected=5.0))
        for col in ("index", "change", "change_lower", "change_upper", "naive_change"):
            assert math.isnan(row[col]), col
        assert row["met_goal"] == TOO_SMALL and "样本太少" in row["note"]
        assert row["before"] == one(eb_before_after(table))["before"]  # counts stay
        assert math.isfinite(one(eb_before_after(table))["change_upper"])  # no floor: numbers
    row = one(eb_before_after(big, min_before=10, min_expected=5.0))
    assert row["before"] >= 10 and row["expected_after"] >= 5
    pd.testing.assert_series_equal(row, one(eb_before_after(big)))
