"""Tests for trafficprev.groups._rates: exact Poisson / Wilson intervals, Marshall global EB,
funnel limits, exact Poisson tails and the exact rate-ratio test.

Peers: esda 2.9.0 ``Empirical_Bayes`` / ``Excess_Risk`` for the smoothing, scipy's
``binomtest`` for the rate ratio, scipy's Poisson distribution for tails and limits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes, Excess_Risk
from scipy import stats

from trafficprev._errors import SettingsError
from trafficprev.groups._rates import (
    funnel_limits,
    global_eb,
    level_name,
    poisson_ci,
    poisson_tails,
    rate_ratio_test,
    wilson_ci,
)


def enterprises(seed: int, n: int = 200, shape: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Insured headcounts 20–5,000 (lognormal) and Poisson accident counts, gamma rates.

    ``shape`` is the gamma shape of the enterprise rates around 2 per 1,000 person-years
    (small: very heterogeneous; ``inf``: every enterprise has the same rate).
    """
    rng = np.random.default_rng(seed)
    base = np.clip(np.exp(rng.normal(math.log(300.0), 1.1, n)), 20, 5000).round()
    rate = np.full(n, 0.002) if math.isinf(shape) else rng.gamma(shape, 0.002 / shape, n)
    events = rng.poisson(rate * base).astype(float)
    return events, base


def esda_eb(e: np.ndarray, b: np.ndarray) -> np.ndarray:
    return Empirical_Bayes(e.reshape(-1, 1), b.reshape(-1, 1)).r.ravel()


def esda_er(e: np.ndarray, b: np.ndarray) -> np.ndarray:
    return Excess_Risk(e.reshape(-1, 1), b.reshape(-1, 1)).r.ravel()


# ----------------------------------------------------------------------------------------------
# poisson_ci
# ----------------------------------------------------------------------------------------------


def test_poisson_ci_reference_values():
    lo, hi = poisson_ci([0, 10])
    np.testing.assert_allclose(lo, [0.0, 4.7954], atol=5e-5)
    np.testing.assert_allclose(hi, [3.6889, 18.3904], atol=5e-5)
    # k = 0 upper is −ln(α/2); 99 % level
    assert poisson_ci(0, 1.0, 0.99)[1] == pytest.approx(-math.log(0.005), rel=1e-12)


def test_poisson_ci_matches_chi2_formula_and_scales_with_exposure():
    k = np.array([1, 2, 5, 17, 60, 250])
    exposure = np.array([120.0, 800.0, 1500.0, 3000.0, 25000.0, 90000.0])
    lo, hi = poisson_ci(k, exposure, level=0.9)
    np.testing.assert_allclose(lo, stats.chi2.ppf(0.05, 2 * k) / 2 / exposure, rtol=1e-10)
    np.testing.assert_allclose(hi, stats.chi2.ppf(0.95, 2 * k + 2) / 2 / exposure, rtol=1e-10)
    assert np.all(lo < k / exposure) and np.all(k / exposure < hi)


def test_poisson_ci_scalar_in_scalar_out():
    lo, hi = poisson_ci(4, 2000.0)
    assert lo.shape == () and hi.shape == ()
    assert float(lo) < 0.002 < float(hi)


def test_poisson_ci_bad_elements_give_nan():
    lo, hi = poisson_ci([3, np.nan, 3, 3, 3], [100.0, 100.0, 0.0, -5.0, np.nan])
    assert np.isfinite(lo[0]) and np.isfinite(hi[0])
    assert np.isnan(lo[1:]).all() and np.isnan(hi[1:]).all()


def test_poisson_ci_validation():
    with pytest.raises(ValueError, match="≥ 0"):
        poisson_ci([1, -1])
    with pytest.raises(ValueError, match="same length"):
        poisson_ci([1, 2, 3], [10.0, 20.0])
    with pytest.raises(SettingsError):
        poisson_ci(1, level=1.0)
    with pytest.raises(TypeError):
        poisson_ci(["a", "b"])


@pytest.mark.parametrize("level", [0.9, 0.95, 0.998])
def test_poisson_ci_exact_coverage_at_least_level(level):
    """Exact coverage (sum of the Poisson pmf over covering counts) on a grid of true means."""
    k = np.arange(0, 400)
    lo, hi = poisson_ci(k, 1.0, level)
    mus = np.geomspace(0.05, 150.0, 400)
    coverage = np.array([stats.poisson.pmf(k, mu)[(lo <= mu) & (mu <= hi)].sum() for mu in mus])
    assert coverage.min() >= level - 1e-9
    # Garwood is conservative but not absurdly so on moderate means
    assert coverage[mus > 20].mean() < level + (1 - level) * 0.8


# ----------------------------------------------------------------------------------------------
# wilson_ci
# ----------------------------------------------------------------------------------------------


def test_wilson_ci_hand_values():
    lo, hi = wilson_ci([3, 0, 10], [10, 10, 10])
    z = stats.norm.ppf(0.975)
    p, n = 0.3, 10
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert lo[0] == pytest.approx(centre - half, rel=1e-12)
    assert hi[0] == pytest.approx(centre + half, rel=1e-12)
    assert (round(lo[0], 4), round(hi[0], 4)) == (0.1078, 0.6032)
    assert lo[1] == 0.0 and hi[1] == pytest.approx(0.2775, abs=5e-5)
    assert hi[2] == 1.0 and lo[2] == pytest.approx(0.7225, abs=5e-5)


def test_wilson_ci_edge_cases():
    lo, hi = wilson_ci([0, 2, np.nan], [0, 5, 5])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and np.isnan(lo[2])
    assert 0 < lo[1] < 0.4 < hi[1] < 1
    with pytest.raises(ValueError, match="exceed"):
        wilson_ci([6], [5])


# ----------------------------------------------------------------------------------------------
# global_eb
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_global_eb_equals_esda_when_phi_positive(seed):
    e, b = enterprises(seed)
    out = global_eb(e, b)
    assert out.attrs["phi_raw"] > 0  # heterogeneous rates: esda does not need the clamp
    assert out.attrs["phi"] == out.attrs["phi_raw"]
    np.testing.assert_allclose(out["eb"], esda_eb(e, b), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["excess_risk"], esda_er(e, b), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["crude"], e / b, rtol=1e-15)
    assert out.attrs["theta"] == pytest.approx(e.sum() / b.sum(), rel=1e-14)
    w = out["weight"].to_numpy()
    assert ((w > 0) & (w < 1)).all()
    # more exposure → more weight on the enterprise's own rate
    order = np.argsort(b)
    assert (np.diff(w[order]) >= 0).all()
    # smoothed rates lie between the crude rate and θ
    theta = out.attrs["theta"]
    crude = out["crude"].to_numpy()
    r = out["eb"].to_numpy()
    assert (np.abs(r - theta) <= np.abs(crude - theta) + 1e-15).all()


def test_global_eb_attrs_by_hand():
    e = np.array([2.0, 10.0, 30.0])
    b = np.array([1000.0, 2000.0, 3000.0])
    out = global_eb(e, b)
    theta = 42 / 6000
    s2 = (b * (e / b - theta) ** 2).sum() / b.sum()
    phi = s2 - theta / b.mean()
    assert out.attrs == pytest.approx({"theta": theta, "phi": phi, "phi_raw": phi})
    w = phi / (phi + theta / b)
    np.testing.assert_allclose(out["weight"], w, rtol=1e-12)
    np.testing.assert_allclose(out["eb"], w * e / b + (1 - w) * theta, rtol=1e-12)
    np.testing.assert_allclose(out["excess_risk"], e / (b * theta), rtol=1e-12)


def test_global_eb_clamps_negative_phi_where_esda_does_not():
    e, b = enterprises(7, shape=math.inf)  # one common rate: only Poisson noise
    out = global_eb(e, b)
    theta = out.attrs["theta"]
    assert out.attrs["phi_raw"] < 0
    assert out.attrs["phi"] == 0.0
    assert (out["weight"] == 0).all()
    np.testing.assert_array_equal(out["eb"], np.full(e.size, theta))
    ref = esda_eb(e, b)
    assert np.abs(ref - theta).max() > 1e-4  # esda's negative weights push rates away from θ
    np.testing.assert_allclose(out["excess_risk"], esda_er(e, b), rtol=0, atol=1e-12)


def test_global_eb_excludes_zero_negative_and_missing_bases():
    e, b = enterprises(11, n=60)
    e_bad, b_bad = e.copy(), b.copy()
    b_bad[[3, 17, 40]] = [0.0, np.nan, -50.0]
    e_bad[25] = np.nan
    out = global_eb(e_bad, b_bad)
    bad = np.zeros(e.size, dtype=bool)
    bad[[3, 17, 25, 40]] = True
    assert out[bad].isna().all().all()
    assert out[~bad].notna().all().all()
    ref = global_eb(e[~bad], b[~bad])
    np.testing.assert_allclose(out.loc[~bad, "eb"], esda_eb(e[~bad], b[~bad]), atol=1e-12)
    np.testing.assert_allclose(out.loc[~bad].to_numpy(), ref.to_numpy(), rtol=1e-15)
    assert out.attrs == ref.attrs


def test_global_eb_all_zero_events_and_nothing_usable():
    out = global_eb([0, 0, 0], [100.0, 500.0, 2000.0])
    assert out.attrs["theta"] == 0.0 and out.attrs["phi"] == 0.0
    np.testing.assert_array_equal(out["eb"], [0.0, 0.0, 0.0])
    assert out["excess_risk"].isna().all()
    empty = global_eb([1, 2], [0.0, np.nan])
    assert empty.isna().all().all()
    assert math.isnan(empty.attrs["theta"]) and math.isnan(empty.attrs["phi"])


def test_global_eb_keeps_series_index_and_validates():
    e, b = enterprises(5, n=30)
    idx = pd.Index([f"企业{i:02d}" for i in range(30)], name="enterprise")
    out = global_eb(pd.Series(e, index=idx), b)
    assert out.index.equals(idx)
    assert list(out.columns) == ["crude", "eb", "weight", "excess_risk"]
    # nullable integer columns (pandas NA) are accepted; NA → NaN row
    s = pd.Series([1, 4, None, 0], dtype="Int64")
    assert global_eb(s, [100.0, 300.0, 200.0, 50.0])["eb"].isna().tolist() == [
        False,
        False,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="same length"):
        global_eb(e, b[:-1])
    with pytest.raises(ValueError, match="≥ 0"):
        global_eb([1, -2], [10.0, 10.0])


# ----------------------------------------------------------------------------------------------
# funnel limits and tails
# ----------------------------------------------------------------------------------------------


def test_level_names():
    assert [level_name(x) for x in (0.95, 0.998, 0.99, 0.999, 0.8)] == [
        "95",
        "998",
        "99",
        "999",
        "80",
    ]
    lim = funnel_limits(0.002, [500.0], levels=(0.99, 0.8))
    assert list(lim.columns) == ["lower_99", "upper_99", "lower_80", "upper_80"]


THETA = 0.0021  # accidents per insured person-year
BASES = np.geomspace(20.0, 2.0e6, 120)


def test_funnel_limits_bracket_theta_and_nest():
    lim = funnel_limits(THETA, BASES)
    assert list(lim.columns) == ["lower_95", "upper_95", "lower_998", "upper_998"]
    assert (lim["lower_95"] <= THETA).all() and (lim["upper_95"] > THETA).all()
    assert (lim["lower_998"] <= lim["lower_95"]).all()
    assert (lim["upper_998"] > lim["upper_95"]).all()
    assert (lim >= 0).all().all()
    big = BASES > 1e4
    assert (lim.loc[big, "lower_998"] < lim.loc[big, "lower_95"]).all()
    assert (lim.loc[big, "lower_998"] > 0).all()


def test_funnel_limits_narrow_as_exposure_grows():
    decades = np.array([1e2, 1e3, 1e4, 1e5, 1e6, 1e7])
    lim = funnel_limits(THETA, decades)
    for name in ("95", "998"):
        width = (lim[f"upper_{name}"] - lim[f"lower_{name}"]).to_numpy()
        assert (np.diff(width) < 0).all()
    # beyond ~50 expected events the discreteness wiggles are gone: monotone on a fine grid
    fine = funnel_limits(THETA, np.geomspace(5e4, 5e6, 200))
    assert (np.diff(fine["upper_998"]) < 0).all() and (np.diff(fine["lower_998"]) > 0).all()


@pytest.mark.parametrize("level,name", [(0.95, "95"), (0.998, "998")])
def test_funnel_limits_agree_with_normal_approximation_for_large_exposure(level, name):
    b = np.array([1e6, 3e6, 1e7, 5e7])  # 2,100 to 105,000 expected accidents
    lim = funnel_limits(THETA, b, levels=(level,))
    z = stats.norm.ppf((1 + level) / 2)
    half = z * np.sqrt(THETA / b)
    np.testing.assert_allclose(lim[f"lower_{name}"], THETA - half, rtol=0.01)
    np.testing.assert_allclose(lim[f"upper_{name}"], THETA + half, rtol=0.01)


def test_funnel_limits_interpolation_formula_by_hand():
    mu, p = 5.0, 0.999  # θ b = 5 expected
    r = stats.poisson.ppf(p, mu)
    assert r == 13
    alpha = (stats.poisson.cdf(13, mu) - p) / stats.poisson.pmf(13, mu)
    lim = funnel_limits(0.005, 1000.0, levels=(0.998,))
    assert lim["upper_998"].iloc[0] == pytest.approx((13 - alpha) / 1000, rel=1e-12)
    assert 12 < lim["upper_998"].iloc[0] * 1000 < 13


def test_funnel_limits_bad_inputs():
    lim = funnel_limits(THETA, pd.Series([0.0, np.nan, -3.0, 800.0], index=list("abcd")))
    assert list(lim.index) == list("abcd")
    assert lim.loc[["a", "b", "c"]].isna().all().all() and lim.loc["d"].notna().all()
    zero = funnel_limits(0.0, [100.0, 1e5])
    assert (zero == 0).all().all()
    with pytest.raises(ValueError, match="theta"):
        funnel_limits(-0.1, [100.0])
    with pytest.raises(SettingsError):
        funnel_limits(THETA, [100.0], levels=(0.95, 0.95))
    with pytest.raises(SettingsError):
        funnel_limits(THETA, [100.0], levels=(95,))
    with pytest.raises(SettingsError):
        funnel_limits(THETA, [100.0], levels=())


def test_poisson_tails_against_scipy():
    y = np.array([0, 1, 3, 7, 12, 40, 41, 150])
    mu = np.array([0.4, 2.0, 3.0, 2.5, 4.1, 22.0, 60.0, 130.0])
    out = poisson_tails(y, mu)
    np.testing.assert_allclose(out["p_high"], stats.poisson.sf(y - 1, mu), rtol=1e-10)
    np.testing.assert_allclose(out["p_low"], stats.poisson.cdf(y, mu), rtol=1e-10)
    np.testing.assert_allclose(
        out["p_high"] + out["p_low"], 1 + stats.poisson.pmf(y, mu), rtol=1e-10
    )


def test_poisson_tails_edges():
    out = poisson_tails([0, 2, 2, 2, np.nan], [0.0, 0.0, np.nan, -1.0, 3.0])
    assert out["p_high"].iloc[:2].tolist() == [1.0, 0.0]
    assert out["p_low"].iloc[:2].tolist() == [1.0, 1.0]
    assert out.iloc[2:].isna().all().all()
    with pytest.raises(ValueError, match="whole"):
        poisson_tails([1.5], [2.0])
    with pytest.raises(ValueError, match="≥ 0"):
        poisson_tails([-1], [2.0])


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_funnel_limits_consistent_with_exact_tails(level):
    """For whole counts y with expected μ = θ b, over a grid of exposures:

    * below the lower limit  ⇔ p_low(y) = P(X ≤ y) < (1 − L)/2;
    * above the upper limit  ⇔ P(X ≥ y + 1) < (1 − L)/2;
    * p_high(y) = P(X ≥ y) < (1 − L)/2 ⇒ above the upper limit (the exact test is stricter).
    """
    name = level_name(level)
    half = (1 - level) / 2
    bases = np.geomspace(20.0, 5e5, 150)
    lim = funnel_limits(THETA, bases, levels=(level,))
    stricter = 0
    for b, lo, hi in zip(bases, lim[f"lower_{name}"], lim[f"upper_{name}"], strict=True):
        mu = THETA * b
        y = np.arange(0, int(mu + 8 * math.sqrt(mu) + 12))
        tails = poisson_tails(y, mu)
        above = y > hi * b
        below = y < lo * b
        np.testing.assert_array_equal(below, tails["p_low"].to_numpy() < half)
        np.testing.assert_array_equal(above, poisson_tails(y + 1, mu)["p_high"] < half)
        exact_high = tails["p_high"].to_numpy() < half
        assert not (exact_high & ~above).any()
        stricter += int((above & ~exact_high).sum())
    assert stricter > 0  # the one-count gap is real: document, do not hide it


# ----------------------------------------------------------------------------------------------
# rate_ratio_test
# ----------------------------------------------------------------------------------------------


def test_rate_ratio_hand_value_20_vs_5():
    out = rate_ratio_test(20, 1200.0, 5, 1200.0)
    row = out.iloc[0]
    assert row["ratio"] == 4.0
    # P(Bin(25, 1/2) ≥ 20) = (C(25,20) + … + C(25,25)) / 2^25 = 68406 / 33554432
    assert row["p_increase"] == pytest.approx(68406 / 2**25, rel=1e-12)
    assert row["p_value"] == pytest.approx(2 * 68406 / 2**25, rel=1e-12)
    assert row["p_increase"] < 0.005
    assert row["ratio_lower"] > 1.0 and row["ratio_upper"] > 10.0


def test_rate_ratio_against_binomtest():
    rng = np.random.default_rng(3)
    n1 = rng.integers(0, 40, 60)
    n0 = rng.integers(0, 40, 60)
    e1 = rng.uniform(200.0, 5000.0, 60)
    e0 = rng.uniform(200.0, 5000.0, 60)
    out = rate_ratio_test(n1, e1, n0, e0, level=0.9)
    for i in range(60):
        n = int(n1[i] + n0[i])
        if n == 0:
            continue
        pi0 = e1[i] / (e1[i] + e0[i])
        two = stats.binomtest(int(n1[i]), n, pi0)
        inc = stats.binomtest(int(n1[i]), n, pi0, alternative="greater")
        ci = two.proportion_ci(confidence_level=0.9, method="exact")
        row = out.iloc[i]
        assert row["p_value"] == pytest.approx(two.pvalue, rel=1e-12)
        assert row["p_increase"] == pytest.approx(inc.pvalue, rel=1e-9)
        scale = e0[i] / e1[i]
        low = ci.low / (1 - ci.low) * scale
        assert row["ratio_lower"] == pytest.approx(low, rel=1e-8, abs=1e-12)
        if ci.high < 1:
            assert row["ratio_upper"] == pytest.approx(ci.high / (1 - ci.high) * scale, rel=1e-8)
        else:
            assert row["ratio_upper"] == math.inf
        if n0[i] > 0:
            assert row["ratio"] == pytest.approx((n1[i] / e1[i]) / (n0[i] / e0[i]))
            assert row["ratio_lower"] <= row["ratio"] <= row["ratio_upper"]


def test_rate_ratio_edges():
    out = rate_ratio_test(
        pd.Series([0, 4, 3, 3], index=list("wxyz")), [100.0, 100.0, 0.0, 100.0], [0, 0, 1, 1], 100.0
    )
    assert list(out.index) == list("wxyz")
    w = out.loc["w"]
    assert math.isnan(w["ratio"]) and w["p_value"] == 1.0 and w["p_increase"] == 1.0
    assert w["ratio_lower"] == 0.0 and w["ratio_upper"] == math.inf
    x = out.loc["x"]
    assert x["ratio"] == math.inf and x["ratio_upper"] == math.inf and x["ratio_lower"] > 0
    assert x["p_increase"] == pytest.approx(0.5**4)
    assert out.loc["y"].isna().all()  # zero exposure
    assert out.loc["z", "ratio"] == 3.0
    with pytest.raises(ValueError, match="whole"):
        rate_ratio_test([1.5], [1.0], [1], [1.0])
    with pytest.raises(ValueError, match="same length"):
        rate_ratio_test([1, 2], [1.0, 1.0, 1.0], [1, 2], [1.0, 1.0])


def test_rate_ratio_exposure_matters():
    # same counts, but this year's exposure doubled: no increase in the rate
    out = rate_ratio_test(20, 2000.0, 10, 1000.0)
    assert out["ratio"].iloc[0] == pytest.approx(1.0)
    assert out["p_value"].iloc[0] == pytest.approx(1.0)
    assert 0.4 < out["p_increase"].iloc[0] < 0.7
