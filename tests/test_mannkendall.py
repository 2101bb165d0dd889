"""Mann–Kendall / Sen's slope: hand values, pymannkendall parity, irregular t, degenerate rows."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from scipy.stats import norm

from trafficprev.trends import _mannkendall
from trafficprev.trends._mannkendall import MK_COLUMNS, mann_kendall, mann_kendall_many

NUMERIC = ["s", "var_s", "z", "p", "tau", "slope", "intercept"]


def random_series(n_series: int, seed: int) -> list[np.ndarray]:
    """Mixed series of 4–40 steps: normal, Poisson counts (ties, zeros), trends, NaNs."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_series):
        n = int(rng.integers(4, 41))
        kind = i % 5
        steps = np.arange(n, dtype=float)
        if kind == 0:  # continuous, no trend
            x = rng.normal(0.0, 1.0, n)
        elif kind == 1:  # continuous with a trend of either sign
            x = rng.normal(0.0, 1.0, n) + rng.choice([-1, 1]) * rng.uniform(0.02, 0.3) * steps
        elif kind == 2:  # sparse quarterly counts: many zeros and ties
            x = rng.poisson(rng.uniform(0.1, 1.5), n).astype(float)
        elif kind == 3:  # counts with a rising rate
            x = rng.poisson(np.linspace(0.2, rng.uniform(0.5, 4.0), n)).astype(float)
        else:  # Gi*-like z with rounding ties
            x = np.round(rng.normal(0.0, 2.0, n), 1)
        if rng.random() < 0.3:  # punch NaN holes, keep ≥ 3 values
            holes = rng.choice(n, size=int(rng.integers(1, max(2, n - 2))), replace=False)
            x[holes[: n - 3]] = np.nan
        out.append(x)
    return out


def padded(series: list[np.ndarray], width: int = 40) -> np.ndarray:
    """Rows padded with trailing NaN (positions of the real values unchanged)."""
    m = np.full((len(series), width), np.nan)
    for i, x in enumerate(series):
        m[i, : x.size] = x
    return m


def pmk(x: np.ndarray) -> dict[str, float | str]:
    r = pymannkendall.original_test(x)
    return {
        "s": float(r.s),
        "var_s": float(r.var_s),
        "z": float(r.z),
        "p": float(r.p),
        "tau": float(r.Tau),
        "slope": float(r.slope),
        "intercept": float(r.intercept),
        "trend": r.trend,
    }


@pytest.fixture(scope="module")
def series() -> list[np.ndarray]:
    return random_series(1000, seed=20250630)


@pytest.fixture(scope="module")
def reference(series: list[np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([pmk(x) for x in series])


# --- hand values (methods.md §4.2) -------------------------------------------------------------


def test_increasing_five_by_hand() -> None:
    r = mann_kendall([1, 2, 3, 4, 5])
    assert r["n"] == 5 and r["s"] == 10
    assert r["var_s"] == pytest.approx(50 / 3, abs=1e-12)
    assert r["z"] == pytest.approx(9 / np.sqrt(50 / 3), rel=1e-12)
    assert r["z"] == pytest.approx(2.2045408, abs=5e-8)
    assert r["p"] == pytest.approx(0.0274863, abs=5e-8)
    assert r["tau"] == 1.0
    assert r["slope"] == 1.0 and r["intercept"] == 1.0
    assert r["trend"] == "increasing"


def test_tied_series_by_hand() -> None:
    r = mann_kendall([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    assert r["n"] == 11 and r["s"] == 16
    # ties: 1×2, 3×2, 5×3 → Σ t(t−1)(2t+5) = 18 + 18 + 66; (11·10·27 − 102)/18 = 159.333…
    assert r["var_s"] == pytest.approx((11 * 10 * 27 - 102) / 18, abs=1e-12)
    assert r["var_s"] == pytest.approx(159.3333, abs=5e-5)
    assert r["z"] == pytest.approx(1.1883324, abs=5e-8)
    assert r["p"] == pytest.approx(0.2347025, abs=5e-8)
    assert r["tau"] == pytest.approx(0.290909, abs=5e-7)
    assert r["trend"] == "no trend"


def test_tau_is_tau_a_not_scipy_tau_b() -> None:
    r = mann_kendall([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    assert r["tau"] == pytest.approx(16 / 55, rel=1e-12)
    assert abs(r["tau"] - 0.305108) > 0.01  # scipy.stats.kendalltau's tau-b


def test_decreasing_uses_s_plus_one() -> None:
    r = mann_kendall([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    assert r["s"] == -15
    assert r["z"] == pytest.approx(-14 / np.sqrt(6 * 5 * 17 / 18), rel=1e-12)
    assert r["trend"] == "decreasing"
    assert r["slope"] == -1.0


# --- parity with pymannkendall ---------------------------------------------------------------


def test_rows_match_pymannkendall(series: list[np.ndarray], reference: pd.DataFrame) -> None:
    ours = mann_kendall_many(padded(series))
    assert list(ours.columns) == list(MK_COLUMNS)
    np.testing.assert_array_equal(ours["n"], [np.count_nonzero(~np.isnan(x)) for x in series])
    for col in NUMERIC:
        if col == "p":
            # pymannkendall's 1 − Φ(|z|) loses digits for tiny p; ours is 2·Φ(−|z|)
            np.testing.assert_allclose(ours[col], reference[col], rtol=1e-9, atol=1e-15)
        else:
            np.testing.assert_allclose(ours[col], reference[col], rtol=1e-9, atol=0, err_msg=col)
    assert (ours["trend"].to_numpy() == reference["trend"].to_numpy()).all()
    # the sample really is mixed: ties, zeros, NaNs and both trend directions
    assert (ours["n_zero"] > 0).sum() > 200
    assert (ours["n"] < [x.size for x in series]).sum() > 100
    assert set(ours["trend"]) == {"increasing", "decreasing", "no trend"}


def test_single_series_matches_pymannkendall(
    series: list[np.ndarray], reference: pd.DataFrame
) -> None:
    ours = pd.DataFrame([mann_kendall(x) for x in series])
    for col in NUMERIC:
        atol = 1e-15 if col == "p" else 0
        np.testing.assert_allclose(ours[col], reference[col], rtol=1e-9, atol=atol, err_msg=col)
    assert (ours["trend"].to_numpy() == reference["trend"].to_numpy()).all()


def test_p_keeps_digits_where_pymannkendall_rounds_to_zero() -> None:
    r = mann_kendall(np.arange(40.0))
    assert r["z"] == pytest.approx(779 / np.sqrt(40 * 39 * 85 / 18), rel=1e-12)
    assert 0 < r["p"] < 1e-15
    assert r["p"] == pytest.approx(2 * norm.sf(r["z"]), rel=1e-12)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.3])
def test_trend_label_at_alpha_matches_pymannkendall(series: list[np.ndarray], alpha: float) -> None:
    ours = mann_kendall_many(padded(series[:200]), alpha=alpha)["trend"].tolist()
    theirs = [pymannkendall.original_test(x, alpha=alpha).trend for x in series[:200]]
    assert ours == theirs


# --- irregular time ------------------------------------------------------------------------------


def brute_force_sen(x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    keep = ~np.isnan(x)
    x, t = x[keep], t[keep]
    slopes = [(x[j] - x[k]) / (t[j] - t[k]) for k, j in itertools.combinations(range(x.size), 2)]
    slope = statistics.median(slopes)
    return slope, statistics.median(x.tolist()) - slope * statistics.median(t.tolist())


def test_irregular_t_slope_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    t = np.array([0, 1, 2, 4, 5, 8, 9, 10, 13, 14, 15, 19], dtype=float)  # missing quarters
    x = rng.poisson(np.linspace(0.5, 3.0, t.size)).astype(float)
    x[[3, 7]] = np.nan
    trend = 0.25 * t + rng.normal(0.0, 0.5, t.size)
    rows = [x, x[::-1], np.round(rng.normal(size=t.size), 1), trend]
    many = mann_kendall_many(np.vstack(rows), t=t)
    for i, xi in enumerate(rows):
        slope, intercept = brute_force_sen(xi, t)
        assert many.loc[i, "slope"] == pytest.approx(slope, rel=1e-12, abs=1e-15)
        assert many.loc[i, "intercept"] == pytest.approx(intercept, rel=1e-12, abs=1e-12)
        assert mann_kendall(xi, t=t)["slope"] == pytest.approx(slope, rel=1e-12, abs=1e-15)
    # dividing by index differences instead (pymannkendall#21) would give another slope here
    assert many.loc[3, "slope"] == pytest.approx(0.25, abs=0.1)
    assert brute_force_sen(trend, np.arange(t.size))[0] > 0.4


def test_irregular_t_only_changes_slope_and_intercept() -> None:
    x = np.array([0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 4.0, 6.0])
    t = np.array([0.0, 1.0, 3.0, 4.0, 7.0, 8.0, 9.0, 12.0])
    regular, irregular = mann_kendall(x), mann_kendall(x, t=t)
    for key in ("n", "s", "var_s", "z", "p", "tau", "trend"):
        assert regular[key] == irregular[key]
    assert irregular["slope"] == pytest.approx(brute_force_sen(x, t)[0], rel=1e-12)
    assert irregular["slope"] != regular["slope"]
    # with t in steps of 1 from 0 the result is pymannkendall's
    assert mann_kendall(x, t=np.arange(8)) == regular


def test_t_in_years_scales_slope() -> None:
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0])
    per_quarter = mann_kendall(x)["slope"]
    per_year = mann_kendall(x, t=2020 + np.arange(8) / 4)["slope"]
    assert per_year == pytest.approx(4 * per_quarter, rel=1e-12)


# --- degenerate rows ---------------------------------------------------------------------------


def test_degenerate_rows_never_raise() -> None:
    nan = np.nan
    m = np.array(
        [
            [nan, nan, nan, nan],  # n = 0
            [nan, 2.0, nan, nan],  # n = 1
            [0.0, nan, nan, nan],  # n = 1, a zero
            [nan, 1.0, nan, 3.0],  # n = 2
            [2.0, 2.0, 2.0, 2.0],  # all tied
            [0.0, 0.0, nan, 0.0],  # all zero
        ]
    )
    res = mann_kendall_many(m)
    assert res["n"].tolist() == [0, 1, 1, 2, 4, 3]
    for col in NUMERIC:
        assert res.loc[:2, col].isna().all(), col
    assert (res.loc[:2, "trend"] == "no trend").all()
    assert res["n_zero"].tolist() == [0, 0, 1, 0, 0, 3]
    assert np.isnan(res.loc[0, "sparseness"])
    assert res.loc[1:, "sparseness"].tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]
    # n = 2 (t = 1, 3): S = 1, Var = 1, Z = 0, p = 1, slope (3 − 1)/(3 − 1) = 1
    assert res.loc[3, ["s", "var_s", "z", "p", "tau", "slope"]].tolist() == [1, 1, 0, 1, 1, 1]
    assert res.loc[3, "intercept"] == 2.0 - 1.0 * 2.0
    # Var = 0: z = 0, p = 1, no trend, slope 0
    for i in (4, 5):
        assert res.loc[i, ["s", "var_s", "z", "p", "tau", "slope"]].tolist() == [0, 0, 0, 1, 0, 0]
        assert res.loc[i, "trend"] == "no trend"
    assert res.loc[4, "intercept"] == 2.0


@pytest.mark.parametrize("x", [[], [np.nan], [1.0], [1.0, np.nan], [4, 4], [0, 0, 0]])
def test_degenerate_single_series(x: list[float]) -> None:
    r = mann_kendall(x)
    assert set(r) == set(MK_COLUMNS)
    assert r["trend"] == "no trend"
    if r["n"] < 2:
        assert all(np.isnan(r[k]) for k in NUMERIC)
    else:
        assert r["z"] == 0.0 and r["p"] == 1.0


def test_empty_shapes() -> None:
    assert mann_kendall_many(np.zeros((0, 8))).shape == (0, len(MK_COLUMNS))
    no_steps = mann_kendall_many(np.zeros((3, 0)))
    assert no_steps["n"].tolist() == [0, 0, 0] and no_steps["z"].isna().all()
    one_step = mann_kendall_many(np.array([[1.0], [0.0]]))
    assert one_step["n"].tolist() == [1, 1] and one_step["s"].isna().all()


# --- vectorised == loop, inputs ---------------------------------------------------------------


def test_vectorised_equals_row_loop_across_chunks(
    series: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    m = padded(series[:300])
    monkeypatch.setattr(_mannkendall, "_CHUNK_CELLS", 780 * 7)  # 7 rows per chunk
    many = mann_kendall_many(m)
    loop = pd.DataFrame([mann_kendall(row) for row in m])
    pd.testing.assert_frame_equal(many, loop, check_exact=True)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(mann_kendall_many(m), many, check_exact=True)


def test_row_order_does_not_matter(series: list[np.ndarray]) -> None:
    m = padded(series[:200])
    order = np.random.default_rng(3).permutation(200)
    a = mann_kendall_many(m).iloc[order].reset_index(drop=True)
    b = mann_kendall_many(m[order])
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_dataframe_input_keeps_index_and_integer_counts_work() -> None:
    counts = pd.DataFrame(
        [[0, 0, 1, 0, 2, 3, 2, 4], [1, 0, 0, 0, 0, 0, 1, 0]],
        index=pd.Index(["S-0012", "S-0450"], name="unit_id"),
        columns=[f"2023Q{q}" for q in range(1, 5)] + [f"2024Q{q}" for q in range(1, 5)],
    )
    res = mann_kendall_many(counts)
    assert res.index.equals(counts.index)
    assert res.loc["S-0012", "trend"] == "increasing"
    assert res.loc["S-0450", "n_zero"] == 6 and res.loc["S-0450", "sparseness"] == 0.75
    assert res.loc["S-0012", "s"] == pmk(counts.loc["S-0012"].to_numpy(float))["s"]


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda: mann_kendall_many([1.0, 2.0, 3.0]), ValueError),
        (lambda: mann_kendall([[1.0, 2.0], [3.0, 4.0]]), ValueError),
        (lambda: mann_kendall_many([[1.0, np.inf, 2.0]]), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], t=[0, 2, 1]), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], t=[0, 1, 1]), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], t=[0, 1]), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], t=[0, np.nan, 2]), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], alpha=0.0), ValueError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], alpha=1.5), ValueError),
        (lambda: mann_kendall(["a", "b", "c"]), TypeError),
        (lambda: mann_kendall([1.0, 2.0, 3.0], t=["q1", "q2", "q3"]), TypeError),
    ],
)
def test_bad_inputs_raise(call, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        call()


def test_input_is_not_modified() -> None:
    m = np.array([[3.0, np.nan, 1.0, 2.0], [0.0, 0.0, 1.0, 0.0]])
    before = m.copy()
    mann_kendall_many(m)
    np.testing.assert_array_equal(m, before)


def test_nullable_pandas_counts() -> None:
    counts = pd.DataFrame({"q1": [0, 2], "q2": [1, pd.NA], "q3": [3, 1], "q4": [4, 0]}).astype(
        "Int64"
    )
    res = mann_kendall_many(counts)
    assert res["n"].tolist() == [4, 3]
    assert res.loc[0, "s"] == 6 and res.loc[1, "s"] == -3
    one = mann_kendall(counts.iloc[1])
    assert one["n"] == 3 and one["s"] == -3 and one["slope"] == res.loc[1, "slope"]
    with pytest.raises(ValueError, match="one series"):
        mann_kendall(counts)
    with pytest.raises(TypeError, match="numeric"):
        mann_kendall_many(pd.DataFrame({"q1": ["a"], "q2": ["b"]}))
