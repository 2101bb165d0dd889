"""Space-time hotspots: quarterly counts per unit, space-time Gi*, emerging-hotspot classes.

The workflow of ArcGIS's Emerging Hot Spot Analysis (``methods.md`` §2.4) on the road units
of :func:`trafficprev.network.build_units`:

1. **Cube.** Cases per unit and calendar quarter, zero-filled over every quarter of the
   window (quarters with no case anywhere included). Each unit's ``sparseness`` is its
   share of zero quarters; the cube's locations, as in ArcGIS, are the units with at least
   one case in some quarter.
2. **Space-time Gi*.** A bin's neighbours are the bins of the same quarter on the units
   within ``gi_k`` network steps (itself included) and the bins of the *previous* quarter on
   the same units (one time lag, as sfdep's ``k = 1``). Gi* is computed over the whole cube
   (every unit × quarter) on severity-weighted counts with binary weights; p-values are
   two-sided and Benjamini–Hochberg adjusted **per quarter**. As in
   :func:`~trafficprev.hotspots.find_hotspots`, a bin is hot only when the neighbourhood's
   case count is also improbable under the area's rate per metre and quarter (local
   Poisson test, BH per quarter): on counts that are mostly zero Gi*'s normal
   approximation calls a single case significant.
3. **Trend.** Mann–Kendall on each unit's series of Gi* z-scores.
4. **Classes.** :func:`~trafficprev.trends.emerging_classes`, by the written precedence of
   ESRI's class definitions, with rule 0 first: a unit with no case of its own in any
   quarter of the cube (not a cube location, ``in_cube`` False) is ``no_cases`` / 无事故 and
   never listed under a hot or cold class, even when its bins are significant because its
   neighbours had cases. Gi* itself still runs over every unit (a road without accidents is
   a real zero in its neighbours' neighbourhoods).

With few quarters the classes and trends have little power: every output carries ``n_steps``
and ``sparseness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import ArgumentError
from .._periods import coverage, quarter_of
from ..hotspots import bh_qvalues, gi_star, network_weights, poisson_local, severity_weights
from ..network import Network
from ..settings import Settings
from ._emerging import emerging_classes
from ._mannkendall import mann_kendall_many

__all__ = ["EmergingResult", "emerging_hotspots", "quarterly_counts", "spacetime_gi"]

_ON_UNIT = ("ok", "ambiguous")


def quarterly_counts(
    cases: pd.DataFrame,
    unit_ids: Sequence[str] | pd.Index,
    quarters: Sequence[str] | None = None,
    *,
    unit_col: str = "unit_id",
    weight_col: str | None = None,
) -> pd.DataFrame:
    """Cases per unit and quarter, zero-filled (units × quarters).

    Parameters
    ----------
    cases
        Cases with `unit_col` and ``injured_at``; rows with no unit, a unit not in
        `unit_ids`, no time or a quarter outside `quarters` are left out (their number is in
        ``attrs["n_dropped"]``).
    unit_ids
        The units (rows of the result, in this order).
    quarters
        The quarters (columns; default: first to last case's quarter).
    unit_col, weight_col
        Unit column, and an optional weight column (sums weights instead of counting).

    Returns
    -------
    pandas.DataFrame
        Index = units, columns = quarter labels, float (weights) or int (counts).
    """
    units = pd.Index(unit_ids, name=unit_col)
    quarter = quarter_of(cases["injured_at"]) if "injured_at" in cases else None
    covered = coverage(cases["injured_at"] if quarter is not None else pd.Series(), quarters)
    if quarter is None or not covered:
        out = pd.DataFrame(0, index=units, columns=pd.Index(covered, name="quarter"))
        out.attrs["n_dropped"] = len(cases)
        return out
    unit = cases[unit_col] if unit_col in cases else pd.Series(None, index=cases.index)
    keep = unit.isin(units) & quarter.isin(covered)
    row = units.get_indexer(unit[keep])
    col = pd.Index(covered).get_indexer(quarter[keep])
    values = (
        pd.to_numeric(cases.loc[keep, weight_col], errors="coerce").fillna(0).to_numpy(float)
        if weight_col
        else np.ones(int(keep.sum()))
    )
    mat = np.zeros((len(units), len(covered)))
    np.add.at(mat, (row, col), values)
    out = pd.DataFrame(
        mat if weight_col else mat.astype(np.int64),
        index=units,
        columns=pd.Index(covered, name="quarter"),
    )
    out.attrs["n_dropped"] = int((~keep).sum())
    return out


def _spacetime_weights(w: sparse.csr_matrix, n_steps: int, time_lag: int) -> sparse.csr_matrix:
    """Block weights of the flattened cube (bin index = t · n_units + unit)."""
    blocks = sparse.kron(sparse.identity(n_steps, format="csr"), w, format="csr")
    for lag in range(1, time_lag + 1):
        shift = sparse.eye(n_steps, k=-lag, format="csr")  # row t sees column t − lag
        blocks = blocks + sparse.kron(shift, w, format="csr")
    out = sparse.csr_matrix(blocks, dtype=np.float64)
    out.data[:] = 1.0
    out.sort_indices()
    return out


def spacetime_gi(
    weighted: np.ndarray,
    w: sparse.csr_matrix,
    *,
    counts: np.ndarray | None = None,
    exposure_m: np.ndarray | None = None,
    stratum: np.ndarray | None = None,
    time_lag: int = 1,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """Space-time Gi* of a units × quarters cube, with per-quarter FDR.

    Parameters
    ----------
    weighted
        ``n_units × n_steps`` values (severity-weighted counts), time ascending.
    w
        Spatial Gi* weights (``network_weights(adjacency, k, star=True)``).
    counts, exposure_m, stratum
        Plain counts, unit exposure in metres and road class for the local Poisson guard;
        without `counts` and `exposure_m` the guard is skipped.
    time_lag
        Number of previous quarters in the neighbourhood (1 as ArcGIS/sfdep default).
    alpha
        FDR level of hot and cold bins.

    Returns
    -------
    dict of numpy.ndarray
        ``gi_z``, ``gi_p``, ``gi_q`` (BH per quarter), ``hot``, ``cold``, ``pois_q`` (NaN
        without the guard), each ``n_units × n_steps``.
    """
    y = np.asarray(weighted, dtype=float)
    if y.ndim != 2:
        raise ArgumentError(f"weighted must be units × quarters (2-D), got {y.ndim}-D")
    n, steps = y.shape
    if steps == 0:
        empty = np.zeros((n, 0))
        return dict.fromkeys(("gi_z", "gi_p", "gi_q", "pois_q"), empty) | {
            "hot": empty.astype(bool),
            "cold": empty.astype(bool),
        }
    wst = _spacetime_weights(sparse.csr_matrix(w), steps, time_lag)
    flat = y.T.ravel()  # bin = t · n + unit
    gi = gi_star(flat, wst, alpha=alpha, fdr=False)
    z = gi["gi_z"].to_numpy().reshape(steps, n).T
    p = gi["gi_p"].to_numpy().reshape(steps, n).T
    q = np.column_stack([bh_qvalues(p[:, t]) for t in range(steps)])
    hot = (q <= alpha) & (z > 0)
    cold = (q <= alpha) & (z < 0)
    pois_q = np.full((n, steps), np.nan)
    if counts is not None and exposure_m is not None:
        c = np.asarray(counts, dtype=float).T.ravel()
        length = np.tile(np.maximum(np.asarray(exposure_m, dtype=float), 1.0), steps)
        strata = np.tile(np.asarray(stratum, dtype=object), steps) if stratum is not None else None
        pois = poisson_local(c, length, wst, stratum=strata)
        pp = pois["pois_p"].to_numpy().reshape(steps, n).T
        pois_q = np.column_stack([bh_qvalues(pp[:, t]) for t in range(steps)])
        hot &= pois_q <= alpha
    return {"gi_z": z, "gi_p": p, "gi_q": q, "hot": hot, "cold": cold, "pois_q": pois_q}


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """What :func:`emerging_hotspots` returns.

    Attributes
    ----------
    units
        One row per unit: ``unit_id``, ``road``, ``cross_road``, ``kind``, ``n_cases``,
        ``n_steps``, ``n_nonzero``, ``sparseness``, ``n_hot``, ``n_cold``, ``hot_share``,
        ``mk_s``, ``mk_z``, ``mk_p``, ``mk_tau``, ``trend`` (of the Gi* z series),
        ``emerging_code``, ``emerging_class``, ``emerging_label`` (``no_cases`` / 无事故
        for a unit with no case in the cube's quarters), ``in_cube`` (≥ 1 case in some
        quarter).
    bins
        One row per cube location × quarter: ``unit_id``, ``quarter``, ``n_cases``,
        ``n_weighted``, ``gi_z``, ``gi_p``, ``gi_q``, ``pois_q``, ``hot``, ``cold``.
    quarters
        The quarters of the cube.
    """

    units: pd.DataFrame
    bins: pd.DataFrame
    quarters: tuple[str, ...]


def _weighted_on_units(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases placed on a unit (all when unsnapped), with a ``weight`` column (given, or
    from the severity)."""
    frame = cases
    if "snap_status" in frame:
        frame = frame[frame["snap_status"].isin(_ON_UNIT)]
    if "weight" not in frame:
        sev = (
            frame["severity"] if "severity" in frame else pd.Series(index=frame.index, dtype=object)
        )
        frame = frame.assign(weight=severity_weights(sev).to_numpy())
    return frame


def _cube_gi(
    weighted: np.ndarray,
    counts: np.ndarray,
    w: sparse.csr_matrix,
    units: pd.DataFrame,
    alpha: float,
) -> dict[str, np.ndarray]:
    """:func:`spacetime_gi` of the cube, or nothing hot or cold (z 0, p and q 1) when it has
    no quarter or fewer than 3 units."""
    n, steps = weighted.shape
    if steps and n >= 3:
        return spacetime_gi(
            weighted,
            w,
            counts=counts,
            exposure_m=units["exposure_m"].to_numpy(float),
            stratum=units["road_class"].to_numpy(),
            alpha=alpha,
        )
    zero = np.zeros((n, steps))
    return {
        "gi_z": zero,
        "gi_p": zero + 1,
        "gi_q": zero + 1,
        "pois_q": zero + 1,
        "hot": zero.astype(bool),
        "cold": zero.astype(bool),
    }


def emerging_hotspots(
    cases: pd.DataFrame,
    network: Network,
    settings: Settings | None = None,
    *,
    quarters: Sequence[str] | None = None,
) -> EmergingResult:
    """Emerging-hotspot analysis of snapped cases on the road units.

    Parameters
    ----------
    cases
        Snapped cases (``HotspotResult.cases``: ``unit_id``, ``snap_status``,
        ``injured_at``, ``weight`` or ``severity``).
    network
        The units (``HotspotResult.network``).
    settings
        ``gi_k``, ``fdr_alpha`` (hot/cold bins), ``trend_alpha`` (Mann–Kendall) and
        ``emerging_share`` (ESRI's 90 %).
    quarters
        Quarters of the cube (default: first to last case's quarter).

    Returns
    -------
    EmergingResult
    """
    settings = settings or Settings()
    frame = _weighted_on_units(cases)
    units = network.units
    ids = units["unit_id"]
    covered = coverage(
        frame["injured_at"] if "injured_at" in frame else pd.Series(dtype="datetime64[ns]"),
        quarters,
    )
    counts = quarterly_counts(frame, ids, covered)
    weighted = quarterly_counts(frame, ids, covered, weight_col="weight")
    steps = len(covered)
    w = network_weights(network.adjacency, k=settings.gi_k, star=True)
    c = counts.to_numpy()
    st = _cube_gi(weighted.to_numpy(), c, w, units, settings.fdr_alpha)
    mk = mann_kendall_many(st["gi_z"], alpha=settings.trend_alpha)
    classes = emerging_classes(
        st["hot"],
        st["cold"],
        mk["z"].to_numpy(float),
        mk["p"].to_numpy(float),
        share=settings.emerging_share,
        alpha=settings.trend_alpha,
        n_cases=c.sum(axis=1),
    )
    total = c.sum(axis=1)
    nonzero = (c > 0).sum(axis=1)
    out = pd.DataFrame(
        {
            "unit_id": ids.to_numpy(),
            "road": units["road"].to_numpy(),
            "cross_road": units["cross_road"].to_numpy(),
            "kind": units["kind"].to_numpy(),
            "n_cases": total,
            "n_steps": steps,
            "n_nonzero": nonzero,
            "sparseness": 1 - nonzero / steps if steps else np.nan,
            "mk_s": mk["s"].to_numpy(float),
            "mk_z": mk["z"].to_numpy(float),
            "mk_p": mk["p"].to_numpy(float),
            "mk_tau": mk["tau"].to_numpy(float),
            "trend": mk["trend"].to_numpy(),
            "in_cube": total > 0,
        }
    )
    for col in (
        "n_hot",
        "n_cold",
        "hot_share",
        "emerging_code",
        "emerging_class",
        "emerging_label",
    ):
        out[col] = classes[col].to_numpy()
    keep = (total > 0) | st["hot"].any(axis=1) | st["cold"].any(axis=1)
    idx = np.flatnonzero(keep)
    bins = pd.DataFrame(
        {
            "unit_id": np.repeat(ids.to_numpy()[idx], steps),
            "quarter": np.tile(np.asarray(covered, dtype=object), len(idx)),
            "n_cases": c[idx].ravel(),
            "n_weighted": weighted.to_numpy()[idx].ravel(),
            "gi_z": st["gi_z"][idx].ravel(),
            "gi_p": st["gi_p"][idx].ravel(),
            "gi_q": st["gi_q"][idx].ravel(),
            "pois_q": st["pois_q"][idx].ravel(),
            "hot": st["hot"][idx].ravel(),
            "cold": st["cold"][idx].ravel(),
        }
    )
    return EmergingResult(out, bins, tuple(covered))
