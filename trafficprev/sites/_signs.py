"""Warning-sign sites (警示标志点位): candidates, coverage, the choice, and each site in words.

**Candidates** stand ``sign_advance_m`` before every hot unit, facing the traffic that
approaches it: on each road through a hot intersection, one candidate on either side of it;
on a hot segment's road, one before its start (facing traffic in the direction of increasing
position) and one after its end (facing the other way).

**Coverage** is along the road, ahead of the sign: a sign at position *s* on a road line,
facing traffic that moves in direction *d* (±1), covers every case snapped to that line at a
position *x* with ``0 ≤ (x − s)·d ≤ sign_reach_m``, and every case at an intersection that
line passes within that stretch. A driver sees the sign, then the danger.

**Choice**: :func:`~trafficprev.sites.max_cover` (an exact MILP, HiGHS) picks ``sign_count``
new sites that cover the most severity-weighted cases, with no two signs facing the same
traffic on one road closer than ``sign_spacing_m``; existing signs (from the measures file)
are fixed and their coverage counts. Ties between equally good choices go to the candidates
with the better rank (more weighted coverage alone, then road line, position, direction).

**Each site in words** (GA/T 1980 style): ``建设路与解放路交叉口往北约50米``, the traffic it
faces (``面向南行车辆``), the cases it covers, their peak window, the main circumstances and the
GB 5768.2-2022 signs and facilities they suggest (:data:`SIGN_RULES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from .._errors import ArgumentError
from ..coords import compass, from_wgs84
from ..release import CIRCUMSTANCE_COLUMNS, circumstances_text
from ..settings import Settings
from ..trends import circular_summary
from ._cover import max_cover

__all__ = [
    "SIGN_RULES",
    "SIGN_SITE_COLUMNS",
    "choose_sign_sites",
    "sign_candidates",
    "suggest_signs",
]

_ON_UNIT = ("ok", "ambiguous")

#: The columns of :func:`choose_sign_sites`, in order.
SIGN_SITE_COLUMNS: list[str] = [
    "site_id", "kind", "status", "existing", "location", "approach", "road", "cross_road",
    "position_text", "facing", "facing_deg", "target", "candidate", "n_covered",
    "weighted_covered", "marginal_cases", "peak_hours", "peak_n", "circumstances", "signs",
    "facilities", "rules", "unit_ids", "lon", "lat", "lon_gcj02", "lat_gcj02",
    *CIRCUMSTANCE_COLUMNS,
]  # fmt: skip
_TRUCKS = {"货车", "渣土车", "半挂牵引车"}
_TWO_WHEEL = {"电动自行车", "自行车", "摩托车"}
_RURAL = {"trunk", "primary", "secondary", "tertiary", "unclassified", "track"}

#: Suggested signs and facilities by circumstance (GB 5768.2-2022 sign names; domain.md §4.4).
#: Each rule: (name, condition in words, signs, facilities).
SIGN_RULES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "two_wheel_vs_car",
        "电动自行车、自行车或摩托车与机动车相撞占三成以上",
        ("注意非机动车", "注意电动自行车"),
        ("非机动车道隔离设施",),
    ),
    ("intersection", "位于交叉口或其进口道", ("交叉路口",), ("人行横道线", "停止线")),
    ("pedestrian", "涉及行人占两成以上", ("注意行人",), ("人行横道线",)),
    ("school", "200米内有学校或幼儿园", ("注意儿童",), ()),
    (
        "truck",
        "对方为货车、渣土车或半挂车占三成以上",
        ("注意保持车距", "慢行"),
        ("大车盲区提示镜",),
    ),
    ("night", "夜间（19:00–06:00）事故占四成以上", (), ("路灯照明",)),
    ("village", "公路穿村镇路段", ("村庄", "慢行"), ("减速标线",)),
    ("accident_prone", "事故多发（每处点位均适用）", ("事故易发路段",), ()),
)


def _unit_positions(
    units: gpd.GeoDataFrame, lines: pd.DataFrame, crs_metric: str, radius: float
) -> pd.DataFrame:
    """Position of each intersection unit along every reference line passing within radius."""
    inter = units[units["kind"] == "intersection"]
    if inter.empty:
        return pd.DataFrame(columns=["unit_id", "line", "position_m", "x", "y"])
    pts = gpd.GeoSeries(inter.geometry.to_numpy(), crs="EPSG:4326").to_crs(crs_metric).to_numpy()
    geoms = np.asarray(lines["geometry"].to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    ii, jj = tree.query(pts, predicate="dwithin", distance=radius)
    pos = shapely.line_locate_point(geoms[jj], pts[ii])
    return pd.DataFrame(
        {
            "unit_id": inter["unit_id"].to_numpy()[ii],
            "line": lines["line"].to_numpy()[jj],
            "position_m": pos,
            "x": shapely.get_x(pts[ii]),
            "y": shapely.get_y(pts[ii]),
        }
    )


def sign_candidates(result, settings: Settings | None = None) -> pd.DataFrame:
    """Candidate sign sites before every hot unit, facing the traffic that approaches it.

    Parameters
    ----------
    result
        A :class:`~trafficprev.hotspots.HotspotResult`.
    settings
        ``sign_advance_m`` and ``intersection_radius_m``.

    Returns
    -------
    pandas.DataFrame
        ``cand_id`` (``C0001`` …), ``line``, ``road``, ``position_m``, ``direction`` (+1:
        facing traffic that moves towards increasing position), ``target`` (the hot unit it
        announces), ``x``, ``y`` (metric CRS of the network), ``lon``, ``lat``.
    """
    settings = settings or Settings()
    net = result.network
    units = result.units
    lines = net.lines
    length = pd.Series(shapely.length(lines["geometry"].to_numpy()), index=lines["line"])
    road_of = pd.Series(lines["road"].to_numpy(), index=lines["line"])
    hot = units[units["hot"].fillna(False).astype(bool)] if "hot" in units else units.iloc[:0]
    advance = settings.sign_advance_m
    rows: list[tuple[str, float, int, str]] = []
    seg = hot[hot["kind"] == "segment"]
    for line, a, b, uid in zip(
        seg["line"], seg["from_m"], seg["to_m"], seg["unit_id"], strict=True
    ):
        rows.append((line, max(a - advance, 0.0), 1, uid))
        rows.append((line, min(b + advance, length.get(line, b)), -1, uid))
    at = _unit_positions(hot, lines, net.crs_metric, settings.intersection_radius_m + 1.0)
    for line, q, uid in zip(at["line"], at["position_m"], at["unit_id"], strict=True):
        rows.append((line, max(q - advance, 0.0), 1, uid))
        rows.append((line, min(q + advance, length.get(line, q)), -1, uid))
    cols = ["cand_id", "line", "road", "position_m", "direction", "target", "x", "y", "lon", "lat"]
    if not rows:
        return pd.DataFrame(columns=cols)
    cand = pd.DataFrame(rows, columns=["line", "position_m", "direction", "target"])
    cand["position_m"] = cand["position_m"].round(1)
    # one candidate per line, 10 m step and direction: the first target in id order
    cand["_key"] = (cand["position_m"] / 10).round().astype(int)
    cand = (
        cand.sort_values(["line", "_key", "direction", "target"])
        .drop_duplicates(["line", "_key", "direction"])
        .drop(columns="_key")
        .reset_index(drop=True)
    )
    geom = lines.set_index("line").loc[cand["line"], "geometry"].to_numpy()
    pts = shapely.line_interpolate_point(geom, cand["position_m"].to_numpy(float))
    cand["x"], cand["y"] = shapely.get_x(pts), shapely.get_y(pts)
    lonlat = gpd.GeoSeries(pts, crs=net.crs_metric).to_crs("EPSG:4326")
    cand["lon"], cand["lat"] = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    cand["road"] = cand["line"].map(road_of)
    cand.insert(0, "cand_id", [f"C{i + 1:04d}" for i in range(len(cand))])
    return cand[cols]


def _existing(
    signs: pd.DataFrame | None, lines: pd.DataFrame, crs_metric: str, snap_m: float = 30.0
) -> pd.DataFrame:
    """Existing signs snapped onto the nearest reference line (both directions)."""
    cols = ["line", "position_m", "direction", "target", "x", "y", "lon", "lat"]
    if signs is None or signs.empty:
        return pd.DataFrame(columns=cols)
    lon = pd.to_numeric(signs["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(signs["lat"], errors="coerce").to_numpy(float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return pd.DataFrame(columns=cols)
    pts = gpd.GeoSeries(shapely.points(lon[ok], lat[ok]), crs="EPSG:4326").to_crs(crs_metric)
    geoms = np.asarray(lines["geometry"].to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    (ii, jj), dist = tree.query_nearest(pts.to_numpy(), max_distance=snap_m, return_distance=True)
    del dist
    first = pd.Series(jj).groupby(ii).first()
    out = []
    for k, j in first.items():
        p = pts.to_numpy()[k]
        s = float(shapely.line_locate_point(geoms[j], p))
        for d in (1, -1):
            out.append(
                (
                    lines["line"].iloc[j],
                    round(s, 1),
                    d,
                    "existing",
                    p.x,
                    p.y,
                    lon[ok][k],
                    lat[ok][k],
                )
            )
    return pd.DataFrame(out, columns=cols)


def _coverage(
    cand: pd.DataFrame,
    cases: pd.DataFrame,
    positions: pd.DataFrame,
    reach: float,
) -> sparse.csr_matrix:
    """Case × candidate coverage along the line, ahead of each candidate."""
    n, m = len(cases), len(cand)
    rows, cols = [], []
    on_line = cases[cases["line"].fillna("") != ""]
    case_pos = pd.Series(np.arange(n), index=cases.index)
    by_line = dict(list(on_line.groupby("line")))
    inter_cases = cases[cases["unit_id"].fillna("").str.startswith("I:")]
    at = positions[positions["unit_id"].isin(set(inter_cases["unit_id"]))]
    at_by_line = dict(list(at.groupby("line")))
    cases_of_unit = inter_cases.groupby("unit_id").groups
    for j, (line, s, d) in enumerate(
        zip(cand["line"], cand["position_m"], cand["direction"], strict=True)
    ):
        g = by_line.get(line)
        if g is not None:
            ahead = (g["position_m"].to_numpy(float) - s) * d
            hit = g.index[(ahead >= 0) & (ahead <= reach)]
            rows.extend(case_pos[hit].tolist())
            cols.extend([j] * len(hit))
        a = at_by_line.get(line)
        if a is not None:
            ahead = (a["position_m"].to_numpy(float) - s) * d
            for uid in a["unit_id"].to_numpy()[(ahead >= 0) & (ahead <= reach)]:
                idx = case_pos[cases_of_unit[uid]].tolist()
                rows.extend(idx)
                cols.extend([j] * len(idx))
    data = np.ones(len(rows), dtype=bool)
    mat = sparse.csr_matrix((data, (rows, cols)), shape=(n, m), dtype=bool)
    mat.sum_duplicates()
    return mat


def _conflicts(cand: pd.DataFrame, spacing: float) -> np.ndarray:
    """Pairs of candidates facing the same traffic on one line closer than `spacing`."""
    pairs = []
    for _, g in cand.groupby(["line", "direction"]):
        idx = g.index.to_numpy()
        pos = g["position_m"].to_numpy(float)
        order = np.argsort(pos, kind="stable")
        idx, pos = idx[order], pos[order]
        for a in range(len(idx)):
            b = a + 1
            while b < len(idx) and pos[b] - pos[a] < spacing:
                pairs.append((idx[a], idx[b]))
                b += 1
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def suggest_signs(
    cases: pd.DataFrame, *, at_intersection: bool, near_school: bool = False, rural: bool = False
) -> tuple[list[str], list[str], list[str]]:
    """Signs, facilities and the rules that fired, for the cases a site covers.

    Parameters
    ----------
    cases
        The covered cases (``mode``, ``counterpart``, ``injured_at``, ``time_precision``).
    at_intersection, near_school, rural
        Facts about the site.

    Returns
    -------
    tuple of lists
        Signs (GB 5768.2-2022 names, no duplicates, in rule order), facilities, rule names.
    """
    n = max(len(cases), 1)
    mode = cases["mode"].fillna("") if "mode" in cases else pd.Series("", index=cases.index)
    other = (
        cases["counterpart"].fillna("")
        if "counterpart" in cases
        else pd.Series("", index=cases.index)
    )
    two_wheel = (mode.isin(_TWO_WHEEL) & other.isin({"小型汽车", *_TRUCKS, "公交客车"})).sum() / n
    walking = ((mode == "步行") | (other == "行人")).sum() / n
    trucks = other.isin(_TRUCKS).sum() / n
    night = 0.0
    if "injured_at" in cases and len(cases):
        when = pd.to_datetime(cases["injured_at"], errors="coerce")
        timed = when.notna()
        if "time_precision" in cases:
            timed &= cases["time_precision"].isin(["minute", "hour"])
        if timed.any():
            hour = when[timed].dt.hour
            night = float(((hour >= 19) | (hour < 6)).mean())
    fired = {
        "two_wheel_vs_car": two_wheel >= 0.3,
        "intersection": at_intersection,
        "pedestrian": walking >= 0.2,
        "school": near_school,
        "truck": trucks >= 0.3,
        "night": night >= 0.4,
        "village": rural,
        "accident_prone": True,
    }
    signs: list[str] = []
    facilities: list[str] = []
    names = []
    for name, _, s, f in SIGN_RULES:
        if fired[name]:
            names.append(name)
            signs += [x for x in s if x not in signs]
            facilities += [x for x in f if x not in facilities]
    return signs, facilities, names


def _main_circumstances(cases: pd.DataFrame) -> dict[str, object]:
    """The commonest mode × counterpart pair and commute direction of some cases, with counts."""
    out: dict[str, object] = {"main_pair": "", "main_pair_n": 0, "main_direction": "",
                              "main_direction_n": 0}  # fmt: skip
    if cases.empty:
        return out
    if "mode" in cases and "counterpart" in cases:
        pair = (
            cases["mode"].fillna("未知") + "与" + cases["counterpart"].fillna("未知")
        ).value_counts()
        pair = pair.sort_index().sort_values(ascending=False, kind="stable")
        out.update(main_pair=pair.index[0], main_pair_n=int(pair.iloc[0]))
    if "direction" in cases:
        d = cases["direction"].fillna("未知").value_counts()
        d = d.sort_index().sort_values(ascending=False, kind="stable")
        out.update(main_direction=d.index[0], main_direction_n=int(d.iloc[0]))
    return out


def _with_existing(cand: pd.DataFrame, existing: Any, net: Any) -> pd.DataFrame:
    """The candidates and, after them, the existing signs (``cand_id`` ``E0001`` …), which
    are kept in every solution."""
    old = _existing(existing, net.lines, net.crs_metric)
    if len(old):
        old = old.assign(
            road=old["line"].map(pd.Series(net.lines["road"].to_numpy(), index=net.lines["line"]))
        )
        old.insert(0, "cand_id", [f"E{i + 1:04d}" for i in range(len(old))])
        cand = pd.concat([cand, old[cand.columns]], ignore_index=True)
    return cand


def _rank(cand: pd.DataFrame, gain: np.ndarray) -> np.ndarray:
    """The rank of each candidate for ties: most weight covered first, then by line,
    position and direction."""
    order = np.lexsort(
        (
            cand["direction"].to_numpy(),
            cand["position_m"].to_numpy(),
            cand["line"].to_numpy(),
            -gain,
        )
    )
    rank = np.empty(len(cand), dtype=np.int64)
    rank[order] = np.arange(len(cand))
    return rank


def _junction_names(units: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Intersection unit id -> its road and cross road (``""`` when none)."""
    junctions = units[units["kind"] == "intersection"]
    return {
        uid: (str(a), "" if pd.isna(b) else str(b))
        for uid, a, b in zip(
            junctions["unit_id"], junctions["road"], junctions["cross_road"], strict=True
        )
    }


@dataclass(frozen=True)
class _SiteContext:
    """What every row of :func:`choose_sign_sites` looks up: unit positions and units, the
    advance distance of a sign before an intersection, school points, road classes,
    intersection names and the reference lines."""

    positions: Any
    units: pd.DataFrame
    advance_m: float
    schools_xy: np.ndarray
    road_class: dict[str, str]
    junction_names: dict[str, tuple[str, str]]
    line_geom: pd.Series


def _site_row(
    c: pd.Series,
    hit: np.ndarray,
    covered: pd.DataFrame,
    marginal: int,
    w: np.ndarray,
    ctx: _SiteContext,
) -> dict[str, Any]:
    """The row of one chosen sign site `c`: where it is, what it covers (`covered`, the
    cases `hit`), the signs and facilities suggested, the peak hours and circumstances."""
    ref = _reference(c, ctx.positions, ctx.units)
    at_inter = ref is not None and ref[1] <= ctx.advance_m + 10
    schools_xy = ctx.schools_xy
    near_school = bool(
        len(schools_xy)
        and np.min(np.hypot(schools_xy[:, 0] - c["x"], schools_xy[:, 1] - c["y"])) <= 200
    )
    rural = ctx.road_class.get(c["line"], "") in _RURAL and not str(c["road"]).endswith(
        ("路", "街", "大道")
    )
    signs, facilities, fired = suggest_signs(
        covered, at_intersection=bool(at_inter), near_school=near_school, rural=rural
    )
    summary = circular_summary(covered, min_n=3) if len(covered) else None
    peak = summary["peak_text"].iloc[0] if summary is not None else ""
    peak_n = float(summary["peak_n"].iloc[0]) if summary is not None else np.nan
    cross, text = _position_text(c, ref, ctx.junction_names)
    main = _main_circumstances(covered)
    facing, facing_deg = _facing(
        ctx.line_geom[c["line"]], float(c["position_m"]), int(c["direction"])
    )
    return {
        "kind": "警示标志",
        "status": "已有" if str(c["cand_id"]).startswith("E") else "新设",
        "existing": str(c["cand_id"]).startswith("E"),
        "location": f"{c['road']}与{cross}交叉口" if at_inter and cross else str(c["road"]),
        "approach": "",
        "road": c["road"],
        "cross_road": cross,
        "position_text": text,
        "facing": facing,
        "facing_deg": facing_deg,
        "target": c["target"],
        "candidate": c["cand_id"],
        "n_covered": int(hit.sum()),
        "weighted_covered": float(w[hit].sum()),
        "marginal_cases": marginal,
        "peak_hours": peak,
        "peak_n": peak_n,
        "circumstances": circumstances_text(int(hit.sum()), **main),
        "signs": "、".join(signs),
        "facilities": "、".join(facilities),
        "rules": "|".join(fired),
        "unit_ids": "|".join(sorted(set(covered["unit_id"]))),
        "lon": float(c["lon"]),
        "lat": float(c["lat"]),
        **main,
    }


def _numbered_sites(rows: list[dict[str, Any]], cols: list[str]) -> pd.DataFrame:
    """The site rows as a table: numbered ``J01`` …, with GCJ-02 coordinates, in `cols`."""
    out = pd.DataFrame(rows)
    glon, glat = from_wgs84(out["lon"].to_numpy(float), out["lat"].to_numpy(float), "gcj02")
    out["lon_gcj02"], out["lat_gcj02"] = glon, glat
    out.insert(0, "site_id", [f"J{i + 1:02d}" for i in range(len(out))])
    return out[cols]


def choose_sign_sites(
    result,
    area,
    settings: Settings | None = None,
    *,
    existing: pd.DataFrame | None = None,
    weight: str = "severity",
    schools: Sequence[tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Choose warning-sign sites and describe each in words for the police.

    Parameters
    ----------
    result
        :class:`~trafficprev.hotspots.HotspotResult` of the window.
    area
        The area (its metric CRS and POIs: schools within 200 m add 注意儿童).
    settings
        ``sign_count``, ``sign_advance_m``, ``sign_reach_m``, ``sign_spacing_m``.
    existing
        Existing signs (``read_measures(...).records`` rows of kind 警示标志 with a point):
        fixed, their coverage counts, and they are listed with ``existing`` True.
    weight
        ``"severity"`` (死亡 3, 重伤 1.5, 轻伤 1; the cases' ``weight``) or ``"count"``.
    schools
        (lon, lat) of schools; default: the area's POIs whose kind or name says 学校/小学/中学/
        幼儿园.

    Returns
    -------
    pandas.DataFrame
        One row per chosen site (new ones first, by covered weight; then existing):
        ``site_id`` (``J01`` …), ``kind`` (警示标志), ``existing``, ``road``, ``cross_road``,
        ``position_text``, ``facing``, ``target`` (the hot unit it announces), ``candidate``
        (its id in :func:`sign_candidates`; ``E…`` for existing signs), ``n_covered``
        (cases), ``weighted_covered``,
        ``marginal_cases`` (covered by no site before it in the list), ``peak_hours``,
        ``peak_n`` (the covered cases in that peak window, for
        :func:`~trafficprev.maps.release_sites` to show it only when it holds at least *k*),
        ``circumstances``, ``signs``, ``facilities``, ``rules``, ``unit_ids`` (covered units,
        ``|``-joined), ``lon``, ``lat``, ``lon_gcj02``, ``lat_gcj02``, and the counts
        behind ``circumstances`` (:data:`CIRCUMSTANCE_COLUMNS`, for
        :func:`~trafficprev.maps.release_sites` to write it again with small counts
        left out). ``attrs``: ``objective``, ``total_weight``, ``status``, ``n_candidates``.
    """
    settings = settings or Settings()
    if weight not in ("severity", "count"):
        raise ArgumentError(f"weight must be 'severity' or 'count', got {weight!r}")
    net = result.network
    cases = result.cases
    cases = cases[cases["snap_status"].isin(_ON_UNIT)].copy()
    cases["line"] = cases["line"].fillna("")
    cand = _with_existing(sign_candidates(result, settings), existing, net)
    positions = _unit_positions(
        net.units, net.lines, net.crs_metric, settings.intersection_radius_m + 1.0
    )
    cover = _coverage(cand, cases, positions, settings.sign_reach_m)
    w = cases["weight"].to_numpy(float) if weight == "severity" else np.ones(len(cases))
    fixed = np.flatnonzero(cand["cand_id"].str.startswith("E").to_numpy())
    gain = np.asarray(cover.multiply(w[:, None]).sum(axis=0)).ravel() if len(cand) else np.zeros(0)
    rank = _rank(cand, gain)
    conflicts = _conflicts(cand, settings.sign_spacing_m)
    cols = SIGN_SITE_COLUMNS
    if len(cand) == 0 or (settings.sign_count == 0 and not len(fixed)):
        out = pd.DataFrame(columns=cols)
        attrs = {"objective": 0.0, "total_weight": float(w.sum()), "status": "no candidates"}
        out.attrs.update(attrs, n_candidates=len(cand))
        return out
    p = min(settings.sign_count, len(cand) - len(fixed))
    res = max_cover(w, cover, p, fixed=fixed, conflicts=conflicts, rank=rank)
    chosen_new = sorted(res.chosen, key=lambda j: (-gain[j], rank[j]))
    chosen = list(chosen_new) + sorted(res.fixed.tolist(), key=lambda j: rank[j])
    rows = []
    seen = np.zeros(len(cases), dtype=bool)
    ctx = _SiteContext(
        positions=positions,
        units=net.units,
        advance_m=settings.sign_advance_m,
        schools_xy=_schools(area, net.crs_metric, schools),
        road_class=_road_class(net),
        junction_names=_junction_names(net.units),
        line_geom=net.lines.set_index("line")["geometry"],
    )
    for j in chosen:
        hit = cover[:, j].toarray().ravel()
        marginal = int((hit & ~seen).sum())
        seen |= hit
        rows.append(_site_row(cand.iloc[j], hit, cases[hit], marginal, w, ctx))
    out = _numbered_sites(rows, cols)
    out.attrs.update(
        objective=float(res.objective),
        total_weight=float(w.sum()),
        status=res.status,
        n_candidates=len(cand),
    )
    return out


def _road_class(net) -> dict[str, str]:
    seg = net.units[net.units["kind"] == "segment"]
    return seg.groupby("line")["road_class"].first().to_dict()


def _schools(area, crs_metric: str, schools) -> np.ndarray:
    if schools is None:
        pois = getattr(area, "pois", None)
        if pois is None or len(pois) == 0:
            return np.zeros((0, 2))
        text = pois["kind"].fillna("").astype(str) + pois["name"].fillna("").astype(str)
        sel = pois[text.str.contains("学校|小学|中学|幼儿园|school|kindergarten", regex=True)]
        if sel.empty:
            return np.zeros((0, 2))
        pts = gpd.GeoSeries(sel.geometry.to_numpy(), crs=pois.crs or "EPSG:4326")
    else:
        lonlat = np.asarray(list(schools), dtype=float).reshape(-1, 2)
        if not len(lonlat):
            return np.zeros((0, 2))
        pts = gpd.GeoSeries(shapely.points(lonlat[:, 0], lonlat[:, 1]), crs="EPSG:4326")
    pts = pts.to_crs(crs_metric)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _reference(c: pd.Series, positions: pd.DataFrame, units: pd.DataFrame):
    """The nearest intersection on the candidate's line: (unit_id, distance m, dx, dy)."""
    on = positions[positions["line"] == c["line"]]
    if on.empty:
        return None
    d = (on["position_m"] - c["position_m"]).abs()
    k = int(np.argmin(d.to_numpy()))
    if d.iloc[k] > 500:
        return None
    row = on.iloc[k]
    return row["unit_id"], float(d.iloc[k]), c["x"] - row["x"], c["y"] - row["y"]


def _position_text(c: pd.Series, ref, names: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """GA/T 1980 position in words and the cross road; `names`: unit id -> its two roads."""
    road = str(c["road"])
    if ref is None:
        return "", f"{road}（经纬度见表）"
    uid, dist, dx, dy = ref
    a, b = names[uid]  # from the unit table, not the id (its "#2" tells two junctions apart)
    cross = b if a == road else a
    place = f"{road}与{cross}交叉口"
    metres = int(round(dist / 10.0) * 10)
    if metres < 10:
        return cross, place
    return cross, f"{place}往{compass(dx, dy)}约{metres}米"


def _travel(line: shapely.LineString, s: float, direction: int) -> tuple[float, float]:
    """East and north components of the travel direction at position `s` of `line` for
    traffic moving in `direction` (+1: towards increasing position)."""
    length = line.length
    a = line.interpolate(max(s - 5.0, 0.0))
    b = line.interpolate(min(s + 5.0, length))
    return (b.x - a.x) * direction, (b.y - a.y) * direction


def _facing(line: shapely.LineString, s: float, direction: int) -> tuple[str, float]:
    """The traffic a sign faces, in words (面向南行车辆: traffic heading south), and the
    compass bearing of that traffic in degrees (0 north, 90 east; NaN when undefined)."""
    dx, dy = _travel(line, s, direction)
    if dx == 0 and dy == 0:
        return "", float("nan")
    return f"面向{compass(dx, dy)}行车辆", float(np.degrees(np.arctan2(dx, dy)) % 360.0)
