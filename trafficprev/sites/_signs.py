"""Warning-sign sites (警示标志点位): candidates, coverage, the choice, and each site in words.

**Candidates** stand ``sign_advance_m`` before every hot unit (Gi*-hot, or listed with a
hotspot class: a 多发点段 stretch or a dense cluster), facing the traffic that approaches
it: on each road through a hot intersection, one candidate on either side of it (one per
approach); on a hot segment's road, one before its start (facing traffic in the direction
of increasing position) and one after its end (facing the other way).

**Coverage** is along the road, ahead of the sign, for the traffic the sign faces: a sign at
position *s* on a road line, facing traffic that moves in direction *d* (±1), covers a case
snapped to that line at a position *x* with ``0 ≤ (x − s)·d ≤ sign_reach_m``, and a case at
an intersection that line passes within that stretch, when the case's heading allows:

* a case whose narrative or place text gives the worker's heading (由南向北, 向东行驶 …,
  :func:`~trafficprev.narrative.find_heading`) is covered only by signs facing traffic that
  moves within 67.5° of that heading there (the approach it came by; a heading between two
  roads, such as 东北, counts for both);
* a case with no heading is covered by every sign ahead of it on any approach: which way
  the worker came is unknown, and any of those signs warns of the place. It is still counted
  once: in the 新增 (``marginal_cases``) of the first sign listed that covers it.

**Choice**: :func:`~trafficprev.sites.max_cover` (an exact MILP, HiGHS) picks up to
``sign_count`` new sites that cover the most severity-weighted cases, with no two signs
stacked on one approach (facing the same traffic on one road closer than ``sign_reach_m`` or
``sign_spacing_m``, whichever is larger); existing signs (from the measures file) are fixed
and their coverage counts. Ties between equally good choices go to the candidates with the
better rank (more weighted coverage alone, then road line, position, direction). **A new sign
must add at least ``k_police`` cases**: candidates covering fewer are never offered; after a
solve the new signs are ordered by what each adds beyond the existing signs and the signs
before it, a sign adding fewer than *k* is banned and the choice solved again (at most
:data:`MAX_ROUNDS` times; then signs still adding fewer than *k* are dropped), so fewer than
``sign_count`` signs may be proposed; when they are fewer, the choice is solved once more for
exactly that many and the better of the two kept.

**Each site in words** (GA/T 1980 style): the location (``建设路与解放路交叉口``) and the
approach it serves (``北进口（建设路由北向南）``), the position
(``建设路与解放路交叉口往北约50米``), the traffic it faces (``面向南行车辆``), the cases it
covers and adds, their peak window, the main circumstances and the GB 5768.2-2022 signs and
facilities they suggest (:data:`SIGN_RULES`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from .._errors import ArgumentError
from ..coords import COMPASS, compass, from_wgs84
from ..release import CIRCUMSTANCE_COLUMNS, circumstances_text
from ..settings import Settings
from ..trends import circular_summary
from ._cover import max_cover

__all__ = [
    "MAX_ROUNDS",
    "SIGN_RULES",
    "SIGN_SITE_COLUMNS",
    "SignProblem",
    "choose_sign_sites",
    "existing_signs",
    "sign_candidates",
    "sign_problem",
    "suggest_signs",
]

#: The widest angle between a case's heading and the traffic a sign faces for the sign to
#: cover it: 67.5° takes in the neighbouring compass word (a heading of 东北 counts for a road
#: running east and for one running north) but never a crossing road (90°).
HEADING_TOLERANCE_DEG = 67.5
#: Solves of the choice at most, each banning the new signs that add fewer than *k* cases.
MAX_ROUNDS = 5
_HEADING_DEG = {word: 45.0 * i for i, word in enumerate(COMPASS)}
_OPPOSITE = {word: COMPASS[(i + 4) % 8] for i, word in enumerate(COMPASS)}

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


def existing_signs(measures: pd.DataFrame | None, until: Any = None) -> pd.DataFrame:
    """The warning signs of a measures table in place by a date.

    Parameters
    ----------
    measures
        ``read_measures(...).records`` (``kind``, ``implemented_on``, ``lon``, ``lat``), or
        ``None``.
    until
        A date (or anything :func:`pandas.Timestamp` reads), or a quarter (``"2024Q4"``: its
        last day): signs implemented later are not in place yet; ``None`` keeps every sign.

    Returns
    -------
    pandas.DataFrame
        The rows of kind 警示标志 implemented by `until` (an empty frame without measures).
    """
    if measures is None or measures.empty or "kind" not in measures:
        return pd.DataFrame(columns=["kind", "implemented_on", "lon", "lat"])
    keep = measures["kind"] == "警示标志"
    if isinstance(until, str) and re.fullmatch(r"\d{4}Q[1-4]", until):
        until = pd.Period(until, freq="Q").end_time.normalize()
    if until is not None:
        keep &= pd.to_datetime(measures["implemented_on"], errors="coerce") <= pd.Timestamp(until)
    return measures[keep]


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
    """Candidate sign sites before every hot unit (Gi*-hot, or listed with a hotspot class),
    facing the traffic that approaches it.

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
    flagged = units["hot"].fillna(False).astype(bool) if "hot" in units else units["unit_id"].isna()
    hot = units[flagged | units["unit_id"].isin(_listed(units)["unit_id"])]
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


def _bearing_plus(geoms: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Compass bearing in degrees (0 north, 90 east) of each line at `pos`, towards
    increasing position (over 10 m around it)."""
    if not len(geoms):
        return np.zeros(0)
    length = shapely.length(geoms)
    a = shapely.line_interpolate_point(geoms, np.clip(pos - 5.0, 0.0, length))
    b = shapely.line_interpolate_point(geoms, np.clip(pos + 5.0, 0.0, length))
    dx = shapely.get_x(b) - shapely.get_x(a)
    dy = shapely.get_y(b) - shapely.get_y(a)
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def _heading_ok(heading: np.ndarray, bearing_plus: np.ndarray, direction: int) -> np.ndarray:
    """Whether traffic moving in `direction` along lines of `bearing_plus` may be the traffic
    of cases with `heading` (degrees; NaN: unknown, any traffic may be)."""
    travel = bearing_plus if direction > 0 else (bearing_plus + 180.0) % 360.0
    diff = np.abs((heading - travel + 180.0) % 360.0 - 180.0)
    return np.isnan(heading) | (diff <= HEADING_TOLERANCE_DEG)


def _heading_deg(cases: pd.DataFrame) -> np.ndarray:
    """Each case's heading in degrees (NaN where its texts give none)."""
    if "heading" not in cases:
        return np.full(len(cases), np.nan)
    return cases["heading"].map(_HEADING_DEG).to_numpy(dtype=float, na_value=np.nan)


def _coverage(
    cand: pd.DataFrame,
    cases: pd.DataFrame,
    positions: pd.DataFrame,
    reach: float,
    line_geom: pd.Series,
) -> sparse.csr_matrix:
    """Case × candidate coverage along the line, ahead of each candidate, for the traffic it
    faces (the module's rule for cases with and without a heading)."""
    n, m = len(cases), len(cand)
    rows, cols = [], []
    heading = _heading_deg(cases)
    on = np.flatnonzero((cases["line"].fillna("") != "").to_numpy())
    on_line = cases["line"].to_numpy()[on]
    on_pos = cases["position_m"].to_numpy(float)[on]
    on_bearing = _bearing_plus(
        np.asarray(line_geom.reindex(on_line).to_numpy(), dtype=object), on_pos
    )
    by_line = pd.Series(np.arange(len(on))).groupby(on_line).indices if len(on) else {}
    unit_of = cases["unit_id"].fillna("").to_numpy()
    inter_rows = pd.Series(np.arange(n)).groupby(unit_of).indices if n else {}
    at = positions[positions["unit_id"].isin([u for u in inter_rows if u.startswith("I:")])]
    at_bearing = _bearing_plus(
        np.asarray(line_geom.reindex(at["line"]).to_numpy(), dtype=object),
        at["position_m"].to_numpy(float),
    )
    at_by_line = pd.Series(np.arange(len(at))).groupby(at["line"].to_numpy()).indices
    at_pos, at_unit = at["position_m"].to_numpy(float), at["unit_id"].to_numpy()
    for j, (line, s, d) in enumerate(
        zip(cand["line"], cand["position_m"], cand["direction"], strict=True)
    ):
        k = by_line.get(line)
        if k is not None:
            ahead = (on_pos[k] - s) * d
            kk = k[(ahead >= 0) & (ahead <= reach)]
            hit = on[kk][_heading_ok(heading[on[kk]], on_bearing[kk], d)]
            rows.extend(hit.tolist())
            cols.extend([j] * len(hit))
        a = at_by_line.get(line)
        if a is not None:
            ahead = (at_pos[a] - s) * d
            for q in a[(ahead >= 0) & (ahead <= reach)]:
                idx = inter_rows[at_unit[q]]
                idx = idx[_heading_ok(heading[idx], np.full(len(idx), at_bearing[q]), d)]
                rows.extend(idx.tolist())
                cols.extend([j] * len(idx))
    data = np.ones(len(rows), dtype=bool)
    mat = sparse.csr_matrix((data, (rows, cols)), shape=(n, m), dtype=bool)
    mat.sum_duplicates()
    return mat


def _unit_coverage(
    cand: pd.DataFrame, hot: pd.DataFrame, positions: pd.DataFrame, reach: float
) -> sparse.csr_matrix:
    """Hot unit × candidate: the unit lies (at least partly) ahead of the candidate within
    `reach` on its line (a segment by its span, an intersection where the line passes it)."""
    rows, cols = [], []
    seg = hot[hot["kind"] == "segment"]
    row_of = {u: i for i, u in enumerate(hot["unit_id"])}
    seg_by_line = dict(list(seg.groupby("line")))
    at = positions[positions["unit_id"].isin(set(hot["unit_id"]))]
    at_by_line = dict(list(at.groupby("line")))
    for j, (line, s, d) in enumerate(
        zip(cand["line"], cand["position_m"], cand["direction"], strict=True)
    ):
        g = seg_by_line.get(line)
        if g is not None:
            a, b = g["from_m"].to_numpy(float), g["to_m"].to_numpy(float)
            near, far = (a - s, b - s) if d > 0 else (s - b, s - a)
            ok = (far >= 0) & (near <= reach)
            for u in g["unit_id"].to_numpy()[ok]:
                rows.append(row_of[u])
                cols.append(j)
        g = at_by_line.get(line)
        if g is not None:
            ahead = (g["position_m"].to_numpy(float) - s) * d
            for u in g["unit_id"].to_numpy()[(ahead >= 0) & (ahead <= reach)]:
                rows.append(row_of[u])
                cols.append(j)
    data = np.ones(len(rows), dtype=bool)
    mat = sparse.csr_matrix((data, (rows, cols)), shape=(len(hot), len(cand)), dtype=bool)
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
        # E0001+ / E0001-: the two directions an existing sign may face (its facing is not
        # recorded), one physical sign
        ids = [f"E{i // 2 + 1:04d}{'+' if d > 0 else '-'}" for i, d in enumerate(old["direction"])]
        old.insert(0, "cand_id", ids)
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
    place_text: dict[str, str]
    junction_xy: dict[str, tuple[float, float]]
    peak_max_hours: float


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
    summary = (
        circular_summary(covered, min_n=3, max_hours=ctx.peak_max_hours) if len(covered) else None
    )
    peak = summary["peak_text"].iloc[0] if summary is not None else ""
    peak_n = float(summary["peak_n"].iloc[0]) if summary is not None else np.nan
    cross, text = _position_text(c, ref, ctx.junction_names)
    main = _main_circumstances(covered)
    facing, facing_deg = _facing(
        ctx.line_geom[c["line"]], float(c["position_m"]), int(c["direction"])
    )
    location, approach = _approach(c, covered, cross, facing_deg, ctx)
    return {
        "kind": "警示标志",
        "status": "已有" if str(c["cand_id"]).startswith("E") else "新设",
        "existing": str(c["cand_id"]).startswith("E"),
        "location": location,
        "approach": approach,
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


@dataclass(frozen=True)
class SignProblem:
    """The sign-siting problem of a window, as :func:`choose_sign_sites` and
    :func:`~trafficprev.sites.sign_budget` solve it.

    Attributes
    ----------
    candidates
        :func:`sign_candidates` and, after them, the existing signs (``cand_id`` ``E0001`` …),
        with ``eligible`` (an existing sign, or a candidate covering at least *k* cases: only
        those are offered as new signs).
    cases
        The cases on a road unit (``snap_status`` ok or ambiguous), in the rows of `cover`.
    cover
        Case × candidate coverage (bool, CSR), by the module's rule.
    weights
        Each case's weight (severity or 1).
    hot_units
        The hotspot units the report lists (a ``hotspot_class``: significant, threshold or
        cluster; at least one case of their own).
    unit_cover
        Listed unit × candidate: the unit lies ahead of the candidate within
        ``sign_reach_m``.
    conflicts
        Candidate pairs stacked on one approach (facing the same traffic on one line closer
        than ``max(sign_reach_m, sign_spacing_m)``).
    rank
        Tie-break rank of each candidate (lower preferred).
    k
        The fewest cases a new sign must add (``k_police``).
    positions
        Positions of every intersection unit along the lines passing it.
    """

    candidates: pd.DataFrame
    cases: pd.DataFrame
    cover: sparse.csr_matrix
    weights: np.ndarray
    hot_units: pd.DataFrame
    unit_cover: sparse.csr_matrix
    conflicts: np.ndarray
    rank: np.ndarray
    k: int
    positions: pd.DataFrame

    @property
    def fixed(self) -> np.ndarray:
        """Indices of the existing signs among the candidates."""
        return np.flatnonzero(self.candidates["cand_id"].str.startswith("E").to_numpy())


def sign_problem(
    result,
    settings: Settings | None = None,
    *,
    existing: pd.DataFrame | None = None,
    weight: str = "severity",
) -> SignProblem:
    """Candidates, coverage, conflicts and ranks of the sign-siting problem of a window.

    Parameters
    ----------
    result
        :class:`~trafficprev.hotspots.HotspotResult` of the window.
    settings
        ``sign_advance_m``, ``sign_reach_m``, ``sign_spacing_m``, ``intersection_radius_m``
        and ``k_police``.
    existing
        Existing signs (rows with ``lon``, ``lat``), fixed in every choice.
    weight
        ``"severity"`` (the cases' ``weight``) or ``"count"``.

    Returns
    -------
    SignProblem
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
    line_geom = net.lines.set_index("line")["geometry"]
    cover = _coverage(cand, cases, positions, settings.sign_reach_m, line_geom)
    w = cases["weight"].to_numpy(float) if weight == "severity" else np.ones(len(cases))
    counts = np.asarray(cover.sum(axis=0)).ravel() if len(cand) else np.zeros(0)
    is_old = cand["cand_id"].str.startswith("E").to_numpy(bool)
    cand["eligible"] = is_old | (counts >= settings.k_police)
    hot = pd.DataFrame(_listed(result.units).drop(columns="geometry", errors="ignore"))
    hot = hot.reset_index(drop=True)
    gain = np.asarray(cover.multiply(w[:, None]).sum(axis=0)).ravel() if len(cand) else np.zeros(0)
    return SignProblem(
        candidates=cand,
        cases=cases,
        cover=cover.tocsr(),
        weights=w,
        hot_units=hot,
        unit_cover=_unit_coverage(cand, hot, positions, settings.sign_reach_m).tocsr(),
        conflicts=_conflicts(cand, max(settings.sign_spacing_m, settings.sign_reach_m)),
        rank=_rank(cand, gain),
        k=settings.k_police,
        positions=positions,
    )


def _listed(units: pd.DataFrame) -> pd.DataFrame:
    """The hotspot units the report lists: a ``hotspot_class`` and at least one case of their
    own (without the class column: the Gi*-hot units with a case)."""
    n = pd.to_numeric(units.get("n_cases", 1), errors="coerce")
    n = pd.Series(n, index=units.index).fillna(0)
    if "hotspot_class" in units:
        return units[(units["hotspot_class"].fillna("") != "") & (n > 0)]
    return units[units["hot"].fillna(False).astype(bool) & (n > 0)]


def _added(problem: SignProblem, fixed: np.ndarray, new: np.ndarray) -> tuple[list[int], list[int]]:
    """The new signs `new` in the order a reader meets them, and the cases each adds.

    The existing signs' cases come first; then, repeatedly, the new sign adding the most
    weight beyond the cases already covered (ties: better rank)."""
    cover, w = problem.cover, problem.weights
    seen = np.zeros(cover.shape[0], dtype=bool)
    for j in fixed:
        seen |= cover[:, [j]].toarray().ravel()
    left, order, added = [int(j) for j in new], [], []
    cols = {j: cover[:, [j]].toarray().ravel() for j in left}
    while left:
        best = min(left, key=lambda j: (-float(w[cols[j] & ~seen].sum()), problem.rank[j]))
        order.append(best)
        added.append(int((cols[best] & ~seen).sum()))
        seen |= cols[best]
        left.remove(best)
    return order, added


def _choose(problem: SignProblem, p: int) -> tuple[list[int], list[int], Any, int]:
    """New signs (in reading order) each adding at least *k* cases, what each adds, the last
    solve's :class:`~trafficprev.sites.CoverResult` and the number of signs banned."""
    fixed = problem.fixed
    banned = ~problem.candidates["eligible"].to_numpy(bool)
    res, order, added, n_banned = None, [], [], 0
    for _ in range(MAX_ROUNDS):
        offer = np.flatnonzero(~banned)
        sub = problem.cover[:, offer]
        pos = {int(j): i for i, j in enumerate(offer)}
        pairs = problem.conflicts
        pairs = pairs[np.isin(pairs, offer).all(axis=1)] if len(pairs) else pairs
        q = min(p, len(offer) - len(fixed))
        res = max_cover(
            problem.weights,
            sub,
            q,
            fixed=[pos[int(j)] for j in fixed],
            conflicts=np.array([[pos[a], pos[b]] for a, b in pairs], dtype=np.int64).reshape(-1, 2),
            rank=problem.rank[offer],
        )
        order, added = _added(problem, fixed, offer[np.asarray(res.chosen, dtype=np.int64)])
        short = [j for j, a in zip(order, added, strict=True) if a < problem.k]
        if not short:
            return order, added, res, n_banned
        banned[short] = True
        n_banned += len(short)
    keep = [j for j, a in zip(order, added, strict=True) if a >= problem.k]
    while True:  # drop the signs still adding fewer than k; what the others add grows
        order, added = _added(problem, fixed, np.asarray(keep, dtype=np.int64))
        short = [j for j, a in zip(order, added, strict=True) if a < problem.k]
        if not short:
            return order, added, res, n_banned
        keep = [j for j in order if j != short[-1]]


def _best_choice(problem: SignProblem, p: int) -> tuple[list[int], list[int], Any, int]:
    """:func:`_choose` for `p` signs; when fewer than `p` add *k* each, the choice is solved
    again for that many (the bans of the first solve may have cost coverage) and the better
    kept."""
    best = _choose(problem, p)
    while 0 < len(best[0]) < p:
        p = len(best[0])
        again = _choose(problem, p)
        if _weight(problem, again[0]) <= _weight(problem, best[0]):
            break
        best = again
    return best


def _weight(problem: SignProblem, new: list[int]) -> float:
    """The weight the existing signs and the new signs `new` cover together."""
    cols = [*problem.fixed.tolist(), *new]
    if not cols:
        return 0.0
    hit = np.asarray(problem.cover[:, cols].sum(axis=1)).ravel() > 0
    return float(problem.weights[hit].sum())


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
        ``sign_count``, ``sign_advance_m``, ``sign_reach_m``, ``sign_spacing_m``,
        ``k_police`` (the fewest cases a new sign must add).
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
        One row per sign (:data:`SIGN_SITE_COLUMNS`; new ones first, in the order of what each
        adds; then existing): ``site_id`` (``J01`` …), ``kind`` (警示标志), ``status``
        (新设/已有), ``existing``, ``location`` (the intersection or road it serves),
        ``approach`` (the traffic it serves, e.g. ``北进口（建设路由北向南）``), ``road``,
        ``cross_road``, ``position_text``, ``facing``, ``facing_deg`` (compass bearing of the
        traffic it faces), ``target`` (the hot unit it announces), ``candidate`` (its id in
        :func:`sign_candidates`; ``E…`` for existing signs), ``n_covered`` (cases it covers,
        覆盖事故数), ``weighted_covered``, ``marginal_cases`` (cases it adds, 新增覆盖事故数:
        covered by no existing sign and no new sign before it; for existing signs, by no
        existing sign before it), ``peak_hours``, ``peak_n`` (the covered cases in that peak
        window, for :func:`~trafficprev.maps.release_sites` to show it only when it holds at
        least *k*), ``circumstances``, ``signs``, ``facilities``, ``rules``, ``unit_ids``
        (covered units, ``|``-joined), ``lon``, ``lat``, ``lon_gcj02``, ``lat_gcj02``, and the
        counts behind ``circumstances`` (:data:`CIRCUMSTANCE_COLUMNS`). ``attrs``:
        ``objective``, ``total_weight``, ``status``, ``n_candidates``, ``k`` and ``n_banned``
        (new signs left out because they added fewer than *k* cases).
    """
    settings = settings or Settings()
    problem = sign_problem(result, settings, existing=existing, weight=weight)
    cand, cover, w, cases = problem.candidates, problem.cover, problem.weights, problem.cases
    fixed = problem.fixed
    cols = SIGN_SITE_COLUMNS
    offered = int(cand["eligible"].sum()) - len(fixed)
    if len(cand) == 0 or ((settings.sign_count == 0 or offered == 0) and not len(fixed)):
        out = pd.DataFrame(columns=cols)
        attrs = {"objective": 0.0, "total_weight": float(w.sum()), "status": "no candidates"}
        out.attrs.update(attrs, n_candidates=len(cand), k=problem.k, n_banned=0)
        return out
    order, added, res, n_banned = _best_choice(problem, settings.sign_count)
    net = result.network
    ctx = _SiteContext(
        positions=problem.positions,
        units=net.units,
        advance_m=settings.sign_advance_m,
        schools_xy=_schools(area, net.crs_metric, schools),
        road_class=_road_class(net),
        junction_names=_junction_names(net.units),
        line_geom=net.lines.set_index("line")["geometry"],
        place_text=_place_texts(net.units),
        peak_max_hours=settings.peak_max_hours,
        junction_xy={
            u: (float(x), float(y))
            for u, x, y in problem.positions.groupby("unit_id")[["x", "y"]].first().itertuples()
        },
    )
    rows = []
    seen = np.zeros(len(cases), dtype=bool)
    for j in fixed:
        seen |= cover[:, [j]].toarray().ravel()
    for j, a in zip(order, added, strict=True):
        hit = cover[:, [j]].toarray().ravel()
        rows.append(_site_row(cand.iloc[j], hit, cases[hit], a, w, ctx))
        seen |= hit
    rows += _existing_rows(problem, ctx)
    out = _numbered_sites(rows, cols)
    out.attrs.update(
        objective=float(w[seen].sum()),
        total_weight=float(w.sum()),
        status=res.status if res is not None else "no candidates",
        n_candidates=len(cand),
        k=problem.k,
        n_banned=n_banned,
    )
    return out


def _existing_rows(problem: SignProblem, ctx: _SiteContext) -> list[dict[str, Any]]:
    """One row per existing sign, in the order of the measures file: it covers what either
    direction it may face covers (its facing is not recorded), and adds what no existing
    sign before it covers."""
    cand, cover, cases = problem.candidates, problem.cover, problem.cases
    fixed = problem.fixed
    seen = np.zeros(len(cases), dtype=bool)
    rows = []
    for _, group in pd.Series(fixed).groupby(cand["cand_id"].to_numpy()[fixed].astype("U5")):
        js = group.to_numpy()
        hit = np.asarray(cover[:, js].sum(axis=1)).ravel() > 0
        row = _site_row(cand.iloc[js[0]], hit, cases[hit], int((hit & ~seen).sum()),
                        problem.weights, ctx)  # fmt: skip
        seen |= hit
        row.update(approach="朝向未登记（两个方向均计）", facing="未登记", facing_deg=np.nan)
        row.update(candidate=str(cand["cand_id"].iloc[js[0]])[:5])
        rows.append(row)
    return rows


def _place_texts(units: pd.DataFrame) -> dict[str, str]:
    """Unit id -> the unit in words (its ``place_text``; the road where there is none)."""
    text = units["place_text"] if "place_text" in units else units["road"]
    return dict(zip(units["unit_id"], text.fillna(units["road"]).astype(str), strict=True))


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


def _approach(
    c: pd.Series, covered: pd.DataFrame, cross: str, facing_deg: float, ctx: _SiteContext
) -> tuple[str, str]:
    """The place a sign serves and the approach, in words.

    The place is the unit most of its covered cases are at (else the unit it announces),
    in the units' own words (``建设路与解放路交叉口``; the nearest intersection, `cross`, for
    a sign covering nothing). At an intersection whose way the
    sign's traffic moves, the approach is the side it comes from with the road and heading
    (``北进口（建设路由北向南）``); otherwise the road and heading (``建设路由北向南``)."""
    road = str(c["road"])
    main = covered["unit_id"].fillna("").value_counts() if len(covered) else pd.Series()
    main = main[main.index != ""]
    unit = (
        main.sort_index().sort_values(ascending=False, kind="stable").index[0]
        if len(main)
        else str(c["target"])
    )
    location = ctx.place_text.get(unit) or (f"{road}与{cross}交叉口" if cross else road)
    if not np.isfinite(facing_deg):
        return location, road
    to = COMPASS[int(((facing_deg + 22.5) % 360.0) // 45.0)]
    way = f"{road}由{_OPPOSITE[to]}向{to}"
    junction = ctx.junction_xy.get(unit)
    if junction is None:
        return location, way
    dx, dy = float(c["x"]) - junction[0], float(c["y"]) - junction[1]
    if np.hypot(dx, dy) < 5.0:
        return location, f"{_OPPOSITE[to]}进口（{way}）"
    to_junction = float(np.degrees(np.arctan2(-dx, -dy)) % 360.0)
    if abs((to_junction - facing_deg + 180.0) % 360.0 - 180.0) >= 90.0:
        return location, way
    return location, f"{compass(dx, dy)}进口（{way}）"


def _facing(line: shapely.LineString, s: float, direction: int) -> tuple[str, float]:
    """The traffic a sign faces, in words (面向南行车辆: traffic heading south), and the
    compass bearing of that traffic in degrees (0 north, 90 east; NaN when undefined)."""
    dx, dy = _travel(line, s, direction)
    if dx == 0 and dy == 0:
        return "", float("nan")
    return f"面向{compass(dx, dy)}行车辆", float(np.degrees(np.arctan2(dx, dy)) % 360.0)
