"""``find_hotspots``: where commuting accidents concentrate on the road network.

One call runs the whole step on geocoded cases:

1. snap the precisely placed cases to units (:func:`trafficprev.network.snap`);
2. count cases and severity-weighted cases per unit;
3. Getis–Ord Gi* on the network adjacency (binary weights, ``gi_k`` steps, two-sided p,
   Benjamini–Hochberg FDR), guarded by a local Poisson test of the neighbourhood count
   against the area's rate per metre (:func:`poisson_local`): on counts that are mostly
   zero Gi*'s normal approximation calls a single case significant;
4. network kernel density on lixels of the road graph, summarised per unit (its maximum);
5. DBSCAN clusters of the case points (haversine);
6. sliding windows along each road against the 多发点段 presets.

A unit's ``hotspot_class`` is ``significant`` (hot after FDR), else ``threshold`` (on a
stretch that meets a 多发点段 preset), else ``cluster`` (inside a DBSCAN cluster with at
least ``cluster_min_cases`` cases), else ``""``; **a unit with no case of its own in the
window has no class**, whatever its neighbours (its Gi* flag ``hot`` is kept: it is a fact
about the neighbourhood, and the sign candidates stand before it); ``reason`` says why in
plain words (cases there and around, against what the network's average predicts). Every
result is labelled as a hotspot seen in work-injury data (工伤数据视角), not the police
designation of 事故多发点段.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..area import to_metric_geoms
from ..network import Network, build_units, nearest_edges, snap
from ..settings import Settings
from ._clusters import cluster_outlines, dbscan_haversine
from ._gistar import gi_star, network_weights
from ._nkde import lixel_samples, nkde
from ._poisson import poisson_local
from ._windows import HOTSPOT_LABEL, PRESETS, flag_windows, severity_weights

if TYPE_CHECKING:
    from ..area import Area

__all__ = ["LABEL", "HotspotResult", "find_hotspots", "snap_cases"]

#: How every hotspot output is labelled.
LABEL = HOTSPOT_LABEL


@dataclass(frozen=True, eq=False)
class HotspotResult:
    """What :func:`find_hotspots` returns.

    Attributes
    ----------
    units
        Every unit with ``n_cases``, ``n_weighted``, ``gi_z``, ``gi_p``, ``gi_q``,
        ``gi_bin``, ``hot``, ``cold``, ``density``, ``cluster_id``, ``hotspot_class``,
        ``reason``, geometry.
    clusters
        One row per DBSCAN cluster: ``cluster_id``, ``n_cases``, outline.
    stretches
        Road stretches that meet a 多发点段 preset: ``road``, ``line``, ``start_m``,
        ``end_m``, ``n_cases``, ``rule``, ``label``.
    cases
        The cases with ``unit_id``, ``snap_m``, ``snap_status``, ``line``, ``position_m``,
        ``weight`` and ``cluster_id``.
    network
        The units' network (reuse it for the next window).
    timings
        Seconds per step.
    """

    units: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    stretches: pd.DataFrame
    cases: pd.DataFrame
    network: Network
    timings: dict[str, float] = field(default_factory=dict)


def _events_on_edges(network: Network, area: Area, lon: np.ndarray, lat: np.ndarray):
    """(edge index, offset from u) of each point on the area's road graph."""
    edge_geom = to_metric_geoms(area.edges.geometry.to_numpy(), area.to_metric)
    x, y = area.to_metric(lon, lat)
    edge, _, offset = nearest_edges(edge_geom, x, y)
    length = network.graph.length[edge]
    # the edge's metric length and its stored length differ by rounding only
    offset = np.clip(offset * length / np.maximum(shapely.length(edge_geom[edge]), 1e-9), 0, length)
    return edge, offset, edge_geom


def _density(
    network: Network, area: Area, cases: pd.DataFrame, weights: np.ndarray, settings: Settings
) -> np.ndarray:
    """Maximum NKDE value over the lixels nearest each unit."""
    units = network.units
    dens = np.zeros(len(units))
    if cases.empty:
        return dens
    edge, offset, edge_geom = _events_on_edges(
        network, area, cases["lon"].to_numpy(float), cases["lat"].to_numpy(float)
    )
    # events closer than half a lixel on one edge are merged, their weights summed (as
    # spNetwork's agg): the density on lixels is unchanged to within that distance
    step = settings.nkde_lixel_m / 2
    agg = (
        pd.DataFrame({"edge": edge, "bin": np.floor(offset / step), "offset": offset, "w": weights})
        .groupby(["edge", "bin"], sort=True)
        .agg(offset=("offset", "mean"), w=("w", "sum"))
        .reset_index()
    )
    s_edge, s_off, _ = lixel_samples(network.graph, settings.nkde_lixel_m)
    values = nkde(
        network.graph,
        agg["edge"].to_numpy(),
        agg["offset"].to_numpy(),
        s_edge,
        s_off,
        bw=settings.nkde_bandwidth_m,
        method=settings.nkde_method,
        kernel="quartic",
        weights=agg["w"].to_numpy(),
    )
    frac = s_off / network.graph.length[s_edge]
    pts = shapely.line_interpolate_point(edge_geom[s_edge], frac, normalized=True)
    ugeom = to_metric_geoms(units.geometry.to_numpy(), area.to_metric)
    tree = shapely.STRtree(ugeom)
    hit = tree.query_nearest(pts, max_distance=settings.nkde_lixel_m, all_matches=False)
    best = pd.Series(values[hit[0]]).groupby(hit[1]).max()
    dens[best.index.to_numpy()] = best.to_numpy()
    return dens


def _intersection_snap(settings: Settings) -> float:
    """How close to an intersection's centre a case must be to count for it."""
    return settings.intersection_radius_m * 2 / 3


def _clusters_of(placed: pd.DataFrame, area: Area, settings: Settings) -> np.ndarray:
    """DBSCAN labels of the cases; points within an eighth of eps are merged first (their
    case counts become weights), which keeps memory linear in the number of places."""
    if placed.empty:
        return np.zeros(0, dtype=int)
    x, y = area.to_metric(placed["lon"].to_numpy(float), placed["lat"].to_numpy(float))
    g = settings.cluster_eps_m / 8
    key = pd.DataFrame({"gx": np.floor(x / g), "gy": np.floor(y / g)})
    group = key.groupby(["gx", "gy"], sort=True).ngroup().to_numpy()
    cells = (
        pd.DataFrame(
            {
                "lon": placed["lon"].to_numpy(float),
                "lat": placed["lat"].to_numpy(float),
                "w": placed["weight"].to_numpy(float),
                "n": 1,
                "g": group,
            }
        )
        .groupby("g")
        .agg(lon=("lon", "mean"), lat=("lat", "mean"), w=("w", "sum"), n=("n", "sum"))
    )
    # min_samples counts cases, so the weights are case counts here
    cell_labels = dbscan_haversine(
        cells["lon"].to_numpy(),
        cells["lat"].to_numpy(),
        eps_m=settings.cluster_eps_m,
        min_samples=settings.cluster_min_cases,
        weights=cells["n"].to_numpy(float),
    )
    return cell_labels[group]


def hotspot_units(area: Area, settings: Settings | None = None) -> Network:
    """The units :func:`find_hotspots` counts on: intersections and segments of `area` built
    with the settings' ``intersection_radius_m`` and ``segment_length_m``.

    Parameters
    ----------
    area
        The gazetteer.
    settings
        The run's settings (default :class:`~trafficprev.Settings`).

    Returns
    -------
    Network
    """
    settings = settings or Settings()
    return build_units(
        area,
        intersection_radius_m=settings.intersection_radius_m,
        segment_length_m=settings.segment_length_m,
        intersection_snap_m=_intersection_snap(settings),
    )


def snap_cases(
    cases: pd.DataFrame,
    area: Area,
    settings: Settings | None = None,
    *,
    network: Network,
) -> pd.DataFrame:
    """The cases snapped to the road units, with their severity weight: the first step of
    :func:`find_hotspots`, alone (for a period whose cases are counted but not tested, such
    as the whole history of the emerging-hotspot cube and the evaluation of measures).

    Parameters
    ----------
    cases
        Geocoded cases (``lon``, ``lat``, ``match_level``, ``road_id``; ``severity``).
    area
        The gazetteer the cases were geocoded against.
    settings
        ``max_snap_m`` and ``intersection_radius_m``.
    network
        The units (:func:`hotspot_units`).

    Returns
    -------
    pandas.DataFrame
        `cases` with the snap columns (``unit_id``, ``snap_m``, ``snap_status``, ``line``,
        ``position_m``, ``unit_road``) and ``weight``, as :attr:`HotspotResult.cases` has
        them (without ``cluster_id``).
    """
    settings = settings or Settings()
    snapped = snap(
        cases,
        network,
        area,
        max_snap_m=settings.max_snap_m,
        intersection_snap_m=_intersection_snap(settings),
    )
    frame = cases.drop(columns=[c for c in snapped if c in cases]).join(snapped)
    frame["weight"] = severity_weights(
        frame["severity"] if "severity" in frame else pd.Series(index=frame.index, dtype=object)
    ).to_numpy()
    return frame


def find_hotspots(
    cases: pd.DataFrame,
    area: Area,
    settings: Settings | None = None,
    *,
    network: Network | None = None,
    as_of: dt.date | None = None,
) -> HotspotResult:
    """Find the units where commuting accidents concentrate.

    Parameters
    ----------
    cases
        Geocoded cases (``lon``, ``lat``, ``match_level``, ``road_id``; ``severity`` and
        ``injured_at`` when present). Select the window (quarter, year) beforehand.
    area
        The gazetteer the cases were geocoded against.
    settings
        Unit sizes, snapping distance, Gi* neighbourhood and FDR level, NKDE and DBSCAN
        parameters, sliding-window length and step.
    network
        Units built earlier with the same settings (built here when None).
    as_of
        End of the 多发点段 preset periods (default: the latest ``injured_at``).

    Returns
    -------
    HotspotResult
    """
    settings = settings or Settings()
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 3)
        t = now

    if network is None:
        network = hotspot_units(area, settings)
    lap("units")
    frame = snap_cases(cases, area, settings, network=network)
    on_unit = frame["snap_status"].isin(["ok", "ambiguous"])
    lap("snap")
    units = network.units.copy()
    pos = network.unit_pos
    n = np.bincount(pos[frame.loc[on_unit, "unit_id"]].to_numpy(), minlength=len(units))
    wsum = np.bincount(
        pos[frame.loc[on_unit, "unit_id"]].to_numpy(),
        weights=frame.loc[on_unit, "weight"].to_numpy(float),
        minlength=len(units),
    )
    units["n_cases"] = n
    units["n_weighted"] = wsum
    lap("counts")
    _significance(units, network, n, wsum, settings)
    lap("gi_star")
    placed = frame[on_unit]
    units["density"] = _density(network, area, placed, placed["weight"].to_numpy(float), settings)
    lap("nkde")
    clusters = _cluster_step(frame, placed, units, area, settings)
    lap("clusters")
    line_length = pd.Series(
        shapely.length(network.lines["geometry"].to_numpy()), index=network.lines["line"]
    )
    stretches = _stretches(frame[on_unit & (frame["line"] != "")], line_length, settings, as_of)
    units = _classify(units, stretches, settings)
    lap("windows")
    return HotspotResult(units, clusters, stretches, frame, network, timings)


def _significance(
    units: pd.DataFrame, network: Network, n: np.ndarray, wsum: np.ndarray, settings: Settings
) -> None:
    """Gi* of the weighted counts (FDR-corrected) and the Poisson guard, as columns of
    `units` (in place); ``hot`` needs both."""
    w = network_weights(network.adjacency, k=settings.gi_k, star=True)
    gi = gi_star(wsum, w, alpha=settings.fdr_alpha, fdr=True)
    for col in gi.columns:
        units[col] = gi[col].to_numpy()
    pois = poisson_local(
        n,
        np.maximum(units["exposure_m"].to_numpy(float), 1.0),
        w,
        stratum=units["road_class"].to_numpy(),
    )
    for col in pois.columns:
        units[col] = pois[col].to_numpy()
    # Gi*'s normal approximation overstates significance on sparse counts: a unit is hot
    # only when its neighbourhood count is also improbable under a uniform rate per metre
    units["hot"] = units["hot"] & (units["pois_q"] <= settings.fdr_alpha)


def _cluster_step(
    frame: pd.DataFrame,
    placed: pd.DataFrame,
    units: pd.DataFrame,
    area: Area,
    settings: Settings,
) -> gpd.GeoDataFrame:
    """DBSCAN clusters of the placed cases: their outlines; ``cluster_id`` of each case in
    `frame` and of each unit (its cases' most common cluster) set in place."""
    labels = _clusters_of(placed, area, settings)
    frame["cluster_id"] = -1
    frame.loc[placed.index, "cluster_id"] = labels
    clusters = (
        cluster_outlines(placed["lon"].to_numpy(float), placed["lat"].to_numpy(float), labels)
        if len(placed)
        else gpd.GeoDataFrame({"cluster_id": [], "n_cases": []}, geometry=[], crs="EPSG:4326")
    )
    in_cluster = frame.loc[placed.index].assign(cl=labels)
    in_cluster = in_cluster[in_cluster["cl"] >= 0]
    unit_cluster = in_cluster.groupby("unit_id")["cl"].agg(lambda s: int(s.mode().iloc[0]))
    units["cluster_id"] = units["unit_id"].map(unit_cluster).fillna(-1).astype(int)
    return clusters


def _stretches(
    cases: pd.DataFrame, line_length: pd.Series, settings: Settings, as_of: dt.date | None
) -> pd.DataFrame:
    cols = ["road", "line", "start_m", "end_m", "n_cases", "rule", "label"]
    if cases.empty or "injured_at" not in cases:
        return pd.DataFrame(columns=cols)
    when = pd.to_datetime(cases["injured_at"], errors="coerce")
    end = as_of or (when.max().date() if when.notna().any() else None)
    if end is None:
        return pd.DataFrame(columns=cols)
    data = pd.DataFrame(
        {
            "road": cases["line"].to_numpy(),
            "position_m": cases["position_m"].to_numpy(float),
            "injured_at": when.to_numpy(),
            "weight": cases["weight"].to_numpy(float),
        }
    )
    out = []
    for rule in PRESETS:
        flagged = flag_windows(
            data, rule, as_of=end, road_length_m=line_length, step_m=settings.window_step_m
        )
        if len(flagged):
            out.append(flagged)
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.concat(out, ignore_index=True).rename(columns={"road": "line"})
    res["road"] = res["line"].str.split(":").str[0]
    return res


def _classify(units: pd.DataFrame, stretches: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    units = units.copy()
    seg = units["kind"] == "segment"
    on_stretch = pd.Series(False, index=units.index)
    why_stretch = pd.Series("", index=units.index, dtype=object)
    for row in stretches.itertuples(index=False):
        sel = (
            seg
            & (units["line"] == row.line)
            & (units["to_m"] > row.start_m)
            & (units["from_m"] < row.end_m)
        )
        on_stretch |= sel
        rule = PRESETS.get(row.rule)
        span = f"{rule.period_years}年内" if rule is not None else ""
        why_stretch[sel] = f"{row.start_m:.0f}–{row.end_m:.0f}米一段{span}{row.n_cases:g}起"
    own = units["n_cases"] > 0
    sig = units["hot"].astype(bool) & own
    clustered = (units["cluster_id"] >= 0) & own
    units["hotspot_class"] = np.select(
        [sig, on_stretch & own, clustered], ["significant", "threshold", "cluster"], ""
    )
    reasons = [""] * len(units)
    # the reasons of units with cases (a few hundred of tens of thousands): only those rows
    with_cases = np.flatnonzero(~(units["n_cases"] <= 0).to_numpy())
    rows = units.iloc[with_cases][["n_cases", "hot", "nb_cases", "nb_expected", "cluster_id"]]
    for i, r in zip(with_cases.tolist(), rows.itertuples(index=False), strict=True):
        parts = []
        if r.hot:
            parts.append(
                f"该处及相邻路段共{r.nb_cases:g}起，按全路网平均应约{r.nb_expected:.1f}起，"
                "明显偏多（统计检验显著）"
            )
        if on_stretch.iat[i]:
            parts.append(f"所在路段达到多发点段标准（{why_stretch.iat[i]}）")
        if r.cluster_id >= 0:
            parts.append("与附近事故点连成一片（密集聚集区）")
        reasons[i] = "；".join(parts)
    units["reason"] = reasons
    units["label"] = np.where(units["hotspot_class"] != "", LABEL, "")
    return units
