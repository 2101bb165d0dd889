"""Tests for the space-time cube, space-time Gi* and emerging hotspots on the road units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from trafficprev import Settings
from trafficprev.hotspots import gi_star, network_weights
from trafficprev.hotspots._gistar import bh_qvalues
from trafficprev.trends import emerging_hotspots, quarterly_counts, spacetime_gi
from trafficprev.trends._spacetime import _spacetime_weights

QUARTERS = [f"{y}Q{q}" for y in (2023, 2024) for q in range(1, 5)]


def _at(quarter: str, k: int) -> pd.Timestamp:
    return pd.Period(quarter, freq="Q").start_time + pd.Timedelta(days=3 + k % 60, hours=8)


def test_quarterly_counts_zero_fill_weights_and_dropped_rows():
    cases = pd.DataFrame(
        {
            "unit_id": ["a", "a", "b", "zz", "a", None],
            "injured_at": pd.to_datetime(
                [
                    "2023-01-05 08:00",
                    "2023-03-31 23:59",
                    "2023-10-01 07:10",
                    "2023-01-01 08:00",
                    None,
                    "2023-02-01 09:00",
                ]
            ),
            "weight": [1.0, 3.0, 1.5, 1.0, 1.0, 1.0],
        }
    )
    out = quarterly_counts(cases, ["a", "b", "c"])
    assert out.columns.tolist() == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]  # Q2, Q3 empty
    assert out.loc["a"].tolist() == [2, 0, 0, 0]
    assert out.loc["b"].tolist() == [0, 0, 0, 1]
    assert out.loc["c"].tolist() == [0, 0, 0, 0]
    assert out.attrs["n_dropped"] == 3  # unknown unit, no time, no unit
    w = quarterly_counts(cases, ["a", "b"], ["2023Q1", "2023Q4", "2024Q1"], weight_col="weight")
    assert w.loc["a"].tolist() == [4.0, 0.0, 0.0]
    assert w.loc["b"].tolist() == [0.0, 1.5, 0.0]


def test_spacetime_weights_link_same_quarter_neighbours_and_the_previous_quarter():
    path = sparse.diags([1.0, 1.0], [-1, 1], shape=(3, 3))
    w = network_weights(path)
    wst = _spacetime_weights(w, 3, 1).toarray()
    n = 3
    for t in range(3):
        for i in range(n):
            row = wst[t * n + i].reshape(3, n)
            assert (row[t] == w.toarray()[i]).all()  # same quarter: the spatial neighbours
            if t > 0:
                assert (row[t - 1] == w.toarray()[i]).all()  # previous quarter: the same
            for other in range(3):
                if other not in (t, t - 1):
                    assert not row[other].any()  # never the future, never two back


def test_spacetime_gi_is_gi_star_on_the_cube_with_fdr_per_quarter():
    rng = np.random.default_rng(5)
    n, steps = 40, 6
    path = sparse.diags([1.0, 1.0], [-1, 1], shape=(n, n))
    w = network_weights(path)
    y = rng.poisson(0.3, size=(n, steps)).astype(float)
    y[10, 3:] = 6
    out = spacetime_gi(y, w, alpha=0.05)
    flat = gi_star(y.T.ravel(), _spacetime_weights(w, steps, 1), fdr=False)
    assert np.allclose(out["gi_z"], flat["gi_z"].to_numpy().reshape(steps, n).T)
    for t in range(steps):
        assert np.allclose(out["gi_q"][:, t], bh_qvalues(out["gi_p"][:, t]))
    assert (out["hot"] == (out["gi_q"] <= 0.05) & (out["gi_z"] > 0)).all()
    assert out["hot"][10, 4] and not out["hot"][30, 4]
    assert np.isnan(out["pois_q"]).all()  # no guard without counts and exposure
    with pytest.raises(ValueError, match="2-D"):
        spacetime_gi(y.ravel(), w)


def test_poisson_guard_only_removes_hot_bins():
    rng = np.random.default_rng(1)
    n, steps = 60, 4
    w = network_weights(sparse.diags([1.0, 1.0], [-1, 1], shape=(n, n)))
    y = rng.poisson(0.2, size=(n, steps)).astype(float)
    y[5, 0] = 1  # a lone case among zeros
    bare = spacetime_gi(y, w)
    guarded = spacetime_gi(y, w, counts=y, exposure_m=np.full(n, 100.0))
    assert not (guarded["hot"] & ~bare["hot"]).any()
    assert np.isfinite(guarded["pois_q"]).all()


@pytest.fixture(scope="module")
def planted(demo_hotspots):
    """Background cases spread over the demo network plus three planted units."""
    net = demo_hotspots.network
    units = net.units
    rng = np.random.default_rng(2024)
    segs = units.loc[units["kind"] == "segment", "unit_id"].to_numpy()
    rows = [
        (u, _at(q, k))
        for k, (u, q) in enumerate(
            zip(rng.choice(segs, 1600), rng.choice(QUARTERS, 1600), strict=True)
        )
    ]
    far = units.loc[units["kind"] == "intersection", "unit_id"].to_numpy()
    persistent, emerging, fading = far[0], far[len(far) // 2], far[-1]
    for qi, q in enumerate(QUARTERS):
        rows += [(persistent, _at(q, k)) for k in range(8)]
        if qi >= 5:
            rows += [(emerging, _at(q, k)) for k in range(10)]
        if qi <= 1:
            rows += [(fading, _at(q, k)) for k in range(10)]
    cases = pd.DataFrame(rows, columns=["unit_id", "injured_at"]).assign(
        snap_status="ok", severity="轻伤"
    )
    result = emerging_hotspots(cases, net, Settings())
    return result, {"persistent": persistent, "emerging": emerging, "fading": fading}


def test_emerging_classes_of_planted_units(planted):
    result, ids = planted
    u = result.units.set_index("unit_id")
    assert result.quarters == tuple(QUARTERS)
    assert u.loc[ids["persistent"], "emerging_class"] in {"persistent_hot", "intensifying_hot"}
    assert u.loc[ids["persistent"], "n_hot"] == 8
    assert u.loc[ids["emerging"], "emerging_class"] == "consecutive_hot"
    # hot in 2023Q1–Q2 (and Q3 through the time lag), then never: ESRI has no class for it
    # with 8 quarters (historical needs ≥ 90 % hot); the trend of its z series says "falling"
    fading = u.loc[ids["fading"]]
    assert fading["emerging_class"] == "no_pattern"
    assert fading["trend"] == "decreasing"
    assert 0 < fading["n_hot"] <= 3
    # almost everything else has no pattern
    assert (u["emerging_code"] != 0).mean() < 0.01


def test_emerging_outputs_report_n_and_sparseness(planted):
    result, ids = planted
    u = result.units.set_index("unit_id")
    row = u.loc[ids["emerging"]]
    assert row["n_steps"] == 8 and row["n_nonzero"] == 3 and row["n_cases"] == 30
    assert row["sparseness"] == pytest.approx(5 / 8)
    assert row["emerging_label"] == "连续热点"
    bins = result.bins
    assert set(bins["quarter"]) == set(QUARTERS)
    part = bins[bins["unit_id"] == ids["emerging"]].set_index("quarter")
    assert part["n_cases"].tolist() == [0, 0, 0, 0, 0, 10, 10, 10]
    assert part["hot"].tolist()[-3:] == [True, True, True]
    # every bin row belongs to a cube location (a case somewhere in time) or a significant bin
    located = u.index[u["in_cube"]]
    assert bins["unit_id"].isin(located).all() or bins.loc[
        ~bins["unit_id"].isin(located), ["hot", "cold"]
    ].any(axis=None)


def test_emerging_handles_no_cases(demo_hotspots):
    empty = pd.DataFrame({"unit_id": [], "injured_at": pd.to_datetime([]), "snap_status": []})
    none = emerging_hotspots(empty, demo_hotspots.network)
    # no case anywhere: every unit is 无事故 (rule 0), none has a pattern
    assert none.quarters == () and (none.units["emerging_class"] == "no_cases").all()
    assert (none.units["emerging_code"] == 0).all()
    assert none.bins.empty


def test_emerging_on_the_demo_reports_every_unit(demo_hotspots):
    result = emerging_hotspots(demo_hotspots.cases, demo_hotspots.network)
    assert len(result.units) == len(demo_hotspots.network.units)
    assert result.quarters == tuple(QUARTERS)
    placed = demo_hotspots.cases["snap_status"].isin(["ok", "ambiguous"]).sum()
    assert result.units["n_cases"].sum() == placed
    assert result.units["sparseness"].between(0, 1).all()


# --------------------------------------------------------------------------- issue 18


def _corridors(n_lines: int, length: int):
    """A stand-in network of `n_lines` straight roads of `length` 100-m segments each
    (consecutive segments adjacent): what ``emerging_hotspots`` reads of a Network."""
    from types import SimpleNamespace

    ids = [f"S:路{i}:1:{j * 100:06d}" for i in range(n_lines) for j in range(length)]
    n = len(ids)
    rows = [k for k in range(n - 1) if (k + 1) % length]
    adj = sparse.coo_matrix((np.ones(len(rows)), (rows, [k + 1 for k in rows])), shape=(n, n))
    units = pd.DataFrame(
        {
            "unit_id": ids,
            "road": [f"路{i}" for i in range(n_lines) for _ in range(length)],
            "cross_road": "",
            "kind": "segment",
            "exposure_m": 100.0,
            "road_class": "primary",
        }
    )
    return SimpleNamespace(units=units, adjacency=sparse.csr_matrix(adj + adj.T))


@pytest.mark.parametrize("seed", range(5))
def test_no_case_no_class_on_synthetic_cubes(seed):
    """Synthetic space-time cubes: a few accident places with many cases in some quarters
    on a sparse background. Gi* makes their empty neighbours hot too; rule 0 keeps every
    unit without a case of its own out of every class, and the accident places keep theirs."""
    rng = np.random.default_rng(seed)
    net = _corridors(12, 40)
    ids = net.units["unit_id"].to_numpy()
    heavy = rng.choice(ids, 6, replace=False)
    rows = [(u, _at(q, k)) for k, (u, q) in enumerate(
        zip(rng.choice(ids, 60), rng.choice(QUARTERS, 60), strict=True)
    )]  # fmt: skip
    for u in heavy:
        first = int(rng.integers(0, 6))  # active from some quarter on
        rows += [(u, _at(q, k)) for q in QUARTERS[first:] for k in range(int(rng.integers(6, 12)))]
    cases = pd.DataFrame(rows, columns=["unit_id", "injured_at"]).assign(
        snap_status="ok", severity="轻伤"
    )
    result = emerging_hotspots(cases, net, Settings())
    u = result.units.set_index("unit_id")
    own = cases.groupby("unit_id").size().reindex(u.index, fill_value=0)
    assert (u["n_cases"] == own).all()
    listed = ~u["emerging_class"].isin(["no_pattern", "no_cases"])
    assert (u.loc[listed, "n_cases"] >= 1).all()
    assert (u.loc[u["n_cases"] == 0, "emerging_class"] == "no_cases").all()
    # margins: the rule had work to do, and the real accident places are still listed
    assert ((u["n_cases"] == 0) & (u["n_hot"] > 0)).sum() >= 3
    assert listed[heavy].sum() >= 5
