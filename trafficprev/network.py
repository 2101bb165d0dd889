"""Units of analysis on the road network, and snapping cases to them.

:func:`build_units` turns an :class:`~trafficprev.area.Area` into

* **intersections**: the area's intersections (``area.intersections``, the nodes where one
  pair of named roads meets, grouped by the gazetteer, so the four nodes of a
  dual-carriageway crossing are one, and where the geocoder places "A与B交叉口"), those
  sharing a node or lying within ``intersection_radius_m`` (30 m by default) of each other
  (the pairs of a three-road junction) merged into one unit;
* **segments**: fixed-length pieces (100 m by default) of each named road's *reference
  line*, cut at the intersections it passes. A dual carriageway has two parallel lines in
  OSM; the shorter one, lying along the longer within ``carriageway_gap_m``, is not a line of
  its own but is projected onto the longer, so both directions of a road count on the same
  segments. A final remainder shorter than ``min_remainder_m`` joins the piece before it
  (as spNetwork's ``lixelize_lines`` does).

Unit ids are derived from road names and linear positions (``S:建设路:1:000300`` is the
segment of 建设路's first reference line starting at 300 m; ``I:建设路|人民路`` the
intersection), never from row order, so the same area gives the same ids everywhere.

:func:`snap` assigns each precisely placed case to a unit: an intersection when it lies
within ``intersection_snap_m`` of one (or the geocoder placed it at an intersection), else
the nearest segment, preferring the road the geocoder matched. Road-level and admin-level
cases are not snapped (their point is not where the accident happened), far snaps are
refused, and near-ties between different roads are flagged; every case keeps a
``snap_status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import chain, pairwise
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ._errors import ArgumentError
from ._graph import EdgeGraph
from .area import HIGHWAY_RANK, to_metric_geoms
from .coords import compass

if TYPE_CHECKING:
    from .area import Area

__all__ = [
    "PLACE_NEAR_M",
    "PRECISE_LEVELS",
    "SNAP_STATUSES",
    "Network",
    "build_units",
    "nearest_edges",
    "place_texts",
    "snap",
]

#: Geocode levels precise enough to put a case on a unit.
PRECISE_LEVELS = ("override", "given", "intersection", "road_offset", "landmark")
#: What :func:`snap` says about each case.
SNAP_STATUSES = ("ok", "ambiguous", "too_far", "road_level", "imprecise", "no_point")
#: A segment's ``place_text`` names an intersection on its road within this distance (m).
PLACE_NEAR_M = 500.0


@dataclass(frozen=True, eq=False)
class Network:
    """Units of analysis and the road graph of an area.

    Attributes
    ----------
    units
        ``unit_id, kind ('intersection' | 'segment'), road, cross_road, road_id, line,
        from_m, to_m, length_m, exposure_m, node_ids, road_class, place_text``
        (``exposure_m``: metres of road whose cases land on the unit — a dual road's
        segment counts both carriageways, an intersection its arms within the snap reach;
        ``road_class``: the OSM class of a segment's road, ``intersection`` for
        intersections; ``place_text``: the unit in words, :func:`place_texts`), WGS-84 geometry
        (points for intersections, lines for segments). Sorted by ``unit_id``.
    adjacency
        Binary symmetric unit × unit matrix (no diagonal): consecutive segments of one
        line, and a segment with the intersection at its end.
    lines
        The reference lines: ``line`` (``road_id:k``), ``road_id``, ``road``, metric
        geometry, ``cuts`` (segment start positions, metres).
    graph
        The area's edges as an :class:`~trafficprev._graph.EdgeGraph` (for network
        distances), with ``node_index`` mapping OSM node ids to graph nodes.
    """

    units: gpd.GeoDataFrame
    adjacency: csr_matrix
    lines: pd.DataFrame
    graph: EdgeGraph
    node_index: pd.Series
    crs_metric: str

    @cached_property
    def unit_pos(self) -> pd.Series:
        """Row position of each unit id."""
        return pd.Series(np.arange(len(self.units)), index=self.units["unit_id"].to_numpy())


def _intersections(area: Area, radius: float) -> pd.DataFrame:
    """Intersection units from the area's intersections (one per pair of named roads).

    Each of ``area.intersections`` (the nodes where one pair of named roads meets, grouped
    by the gazetteer: the four crossings of two dual carriageways are one) is one unit,
    except that intersections sharing a node or whose points lie within `radius` metres of
    each other (the pairs A|B, A|C and B|C of a three-road junction) are merged into one.
    A unit lies at the mean of its nodes and is named by its two most important roads
    (class, then name).
    """
    ai = area.intersections
    ai = ai[(ai["road_a"].astype(str) != "") & (ai["road_b"].astype(str) != "")]
    if ai.empty:
        return pd.DataFrame()
    geom = ai.geometry.to_numpy()
    px, py = area.to_metric(shapely.get_x(geom), shapely.get_y(geom))
    nodes = [sorted({int(v) for v in str(s).split("|") if v}) for s in ai["node_ids"]]
    label = _merge_intersections(np.column_stack([px, py]), nodes, radius)
    junctions = area.junctions.drop_duplicates("node_id")
    jgeom = junctions.geometry.to_numpy()
    jx, jy = area.to_metric(shapely.get_x(jgeom), shapely.get_y(jgeom))
    jpos = {int(v): i for i, v in enumerate(junctions["node_id"])}
    rank = area.roads.drop_duplicates("name").set_index("name")["highway"].map(HIGHWAY_RANK)
    rank = dict(zip(rank.index, rank.to_numpy(), strict=True))
    road_a, road_b = ai["road_a"].astype(str).to_numpy(), ai["road_b"].astype(str).to_numpy()
    rows = []
    for idx in pd.Series(np.arange(len(ai))).groupby(label).indices.values():
        names = sorted(set(road_a[idx]) | set(road_b[idx]))
        # the two most important roads name the intersection (class, then name)
        names.sort(key=lambda n: (rank.get(n, 99), n))
        ids = sorted({v for k in idx for v in nodes[k]})
        at = [jpos.get(v) for v in ids]
        if ids and None not in at:
            x, y = jx[at], jy[at]
        else:  # nodes not among the junctions: the intersections' own points
            x, y = px[idx], py[idx]
        rows.append(
            {
                "road": names[0],
                "cross_road": names[1],
                "roads": "|".join(sorted(names)),
                "node_ids": "|".join(map(str, ids)),
                "x": float(np.add.reduce(x) / len(x)),  # np.mean, without its overhead
                "y": float(np.add.reduce(y) / len(y)),
            }
        )
    out = pd.DataFrame(rows)
    base = (
        "I:"
        + out["road"].where(out["road"] < out["cross_road"], out["cross_road"])
        + "|"
        + out["cross_road"].where(out["road"] < out["cross_road"], out["road"])
    )
    out = out.assign(base=base).sort_values(["base", "x", "y"]).reset_index(drop=True)
    k = out.groupby("base").cumcount() + 1
    several = out["base"].duplicated(keep=False)
    out["unit_id"] = np.where(several, out["base"] + "#" + k.astype(str), out["base"])
    return out.drop(columns="base")


def _merge_intersections(xy: np.ndarray, nodes: list[list[int]], radius: float) -> np.ndarray:
    """Component label of each intersection (points `xy`, node ids `nodes`): linked when
    they share a node or lie within `radius` of each other."""
    n = len(xy)
    near = cKDTree(xy).query_pairs(radius, output_type="ndarray").reshape(-1, 2)
    owner = pd.DataFrame(
        {
            "node": [v for ids in nodes for v in ids],
            "k": np.repeat(np.arange(n), list(map(len, nodes))),
        }
    )
    first = owner.groupby("node")["k"].transform("min").to_numpy()
    links = np.vstack([near, np.column_stack([first, owner["k"].to_numpy()])]).astype(np.int64)
    g = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _reference_lines(area: Area, edge_geom: np.ndarray, gap: float) -> pd.DataFrame:
    """Per road, the merged lines that carry its segments (parallel carriageways folded)."""
    rows = []
    edges = area.edges
    first = area.roads.drop_duplicates("road_id")
    name_of = dict(zip(first["road_id"], first["name"], strict=True))  # first row's name
    for road_id, idx in sorted(edges.groupby("road_id").indices.items()):
        if not road_id:
            continue
        merged = shapely.line_merge(shapely.multilinestrings(edge_geom[idx]))
        parts = sorted(shapely.get_parts(merged), key=lambda g: (-g.length, g.coords[0]))
        kept: list[shapely.LineString] = []
        for part in parts:
            if kept:
                pts = shapely.line_interpolate_point(part, np.linspace(0, 1, 11), normalized=True)
                near = shapely.distance(pts[:, None], np.array(kept)[None, :]).min(axis=1)
                if (near <= gap).mean() >= 0.8:
                    continue  # the other carriageway of a line already kept
            kept.append(part)
        name = name_of[road_id]
        # how many carriageways a metre of reference line stands for (2 on a dual road)
        factor = max(1.0, sum(p.length for p in parts) / max(sum(k.length for k in kept), 1e-9))
        for k, line in enumerate(kept, 1):
            rows.append(
                {
                    "line": f"{road_id}:{k}",
                    "road_id": road_id,
                    "road": name,
                    "carriageways": round(factor, 3),
                    "geometry": line,
                }
            )
    return pd.DataFrame(rows)


def _intersection_exposure(area: Area, node_ids: pd.Series, snap_m: float) -> np.ndarray:
    """Metres of road within `snap_m` of each intersection: its arms (each counted up to
    `snap_m`) and the edges inside it. Cases on them snap to the intersection."""
    e = area.edges
    out = np.zeros(len(node_ids))
    member = {}
    for k, ids in enumerate(node_ids):
        for n in str(ids).split("|"):
            if n:
                member[int(n)] = k
    cu = e["u"].map(member)
    cv = e["v"].map(member)
    length = e["length_m"].to_numpy(float)
    inside = cu.notna() & cv.notna() & (cu == cv)
    np.add.at(out, cu[inside].astype(int).to_numpy(), length[inside.to_numpy()])
    for col, other in ((cu, cv), (cv, cu)):
        arm = col.notna() & ~(other == col)
        np.add.at(out, col[arm].astype(int).to_numpy(), np.minimum(length[arm.to_numpy()], snap_m))
    return out


def _cuts(
    line: shapely.LineString,
    inter_xy: np.ndarray,
    tree: cKDTree | None,
    near: float,
    seg_len: float,
    min_rem: float,
    inter_pts: np.ndarray | None = None,
) -> np.ndarray:
    """Segment start positions along `line`: at the intersections it passes (those within
    `near`; `inter_pts`, their points, saves making them), then every `seg_len` metres; a
    remainder shorter than `min_rem` joins the piece before it."""
    breaks = [0.0, line.length]
    if tree is not None:
        coords = np.asarray(line.coords)
        lo, hi = coords.min(axis=0) - near, coords.max(axis=0) + near
        cand = np.asarray(
            tree.query_ball_point(((lo + hi) / 2), float(np.hypot(*(hi - lo)) / 2)), dtype=int
        )
        # only points in the line's box widened by `near` (and a metre, far more than the
        # distance's rounding) can be within `near` of it
        xy = inter_xy[cand]
        cand = cand[((xy >= lo - 1.0) & (xy <= hi + 1.0)).all(axis=1)]
        if len(cand):
            pts = shapely.points(inter_xy[cand]) if inter_pts is None else inter_pts[cand]
            d = shapely.distance(line, pts)
            s = shapely.line_locate_point(line, pts[d <= near])
            breaks += [float(v) for v in s]
    breaks = np.unique(np.round(breaks, 1))
    # intersections closer than min_rem to the previous break (or to the line's end) do not
    # cut: the piece would be a sliver, merged into its neighbour anyway
    kept = [breaks[0]]
    for b in breaks[1:-1]:
        if b - kept[-1] >= min_rem and breaks[-1] - b >= min_rem:
            kept.append(b)
    breaks = np.array([*kept, breaks[-1]])
    starts = []
    for a, b in pairwise(breaks):
        if b - a < 1e-6:
            continue
        pos = np.arange(a, b, seg_len)
        if len(pos) > 1 and b - pos[-1] < min_rem:
            pos = pos[:-1]
        starts += pos.tolist()
    # a stretch between two breaks shorter than min_rem joins the one before it
    starts = np.asarray(starts)
    if len(starts) > 1:
        lens = np.diff(np.append(starts, line.length))
        keep = np.ones(len(starts), bool)
        keep[1:] = lens[1:] >= min_rem
        if lens[0] < min_rem:
            keep[1] = False  # a short first piece joins the one after it
        starts = starts[keep]
    return starts


def build_units(
    area: Area,
    *,
    intersection_radius_m: float = 30.0,
    segment_length_m: float = 100.0,
    min_remainder_m: float | None = None,
    carriageway_gap_m: float = 40.0,
    intersection_snap_m: float = 20.0,
) -> Network:
    """Build the intersections and fixed-length segments of `area` and their adjacency.

    Parameters
    ----------
    area
        The gazetteer.
    intersection_radius_m
        The area's intersections closer than this (or sharing a node) are one unit.
    segment_length_m
        Length of a segment.
    min_remainder_m
        A remainder shorter than this joins the previous segment (default a tenth of
        `segment_length_m`, like spNetwork's ``mindist``).
    carriageway_gap_m
        A line of a road lying within this distance of a longer line of the same road
        (over 80 % of it) is its other carriageway.
    intersection_snap_m
        The reach of an intersection in :func:`snap`; its ``exposure_m`` counts the road
        within that reach.

    Returns
    -------
    Network
    """
    min_rem = segment_length_m / 10 if min_remainder_m is None else min_remainder_m
    if min_rem < 1:
        raise ArgumentError(
            f"min_remainder_m must be at least 1 m (unit ids are whole metres), got {min_rem}"
        )
    edge_geom = to_metric_geoms(area.edges.geometry.to_numpy(), area.to_metric)
    inters = _intersections(area, intersection_radius_m)
    inter_xy = inters[["x", "y"]].to_numpy(float) if len(inters) else np.zeros((0, 2))
    tree = cKDTree(inter_xy) if len(inter_xy) else None
    lines = _reference_lines(area, edge_geom, carriageway_gap_m)
    near = max(intersection_radius_m, carriageway_gap_m)
    segs, lines["cuts"] = _segment_units(lines, inter_xy, tree, near, segment_length_m, min_rem)
    ints = _intersection_units(area, inters, inter_xy, intersection_snap_m)
    units = pd.concat([ints, segs], ignore_index=True).sort_values("unit_id", ignore_index=True)
    highway = dict(zip(area.roads["road_id"], area.roads["highway"], strict=True))
    units["road_class"] = np.where(
        units["kind"] == "intersection", "intersection", units["road_id"].map(highway).fillna("")
    )
    metric_geom = units["geometry"].to_numpy()
    adjacency = _adjacency(units, metric_geom, near)
    wgs = _to_wgs84(area, metric_geom)
    gdf = gpd.GeoDataFrame(units.drop(columns="geometry"), geometry=wgs, crs="EPSG:4326")
    gdf.insert(len(gdf.columns) - 1, "place_text", place_texts(gdf, area.crs_metric).to_numpy())
    graph, node_index = _edge_graph(area)
    return Network(gdf, adjacency, lines, graph, node_index, area.crs_metric)


def _segment_units(
    lines: pd.DataFrame,
    inter_xy: np.ndarray,
    tree: cKDTree | None,
    near: float,
    segment_length_m: float,
    min_rem: float,
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """The segment units of every reference line (metric geometry) and each line's cuts.

    Returns
    -------
    segments : pandas.DataFrame
        One row per segment, in line order then along the line.
    cuts : list of numpy.ndarray
        The start (metres along the line) of each segment, one array per line.
    """
    if lines.empty:
        return pd.DataFrame(columns=[*_SEGMENT_COLUMNS, "geometry"]), []
    geoms = lines["geometry"].to_numpy()
    inter_pts = shapely.points(inter_xy) if len(inter_xy) else np.zeros(0, dtype=object)
    cut_list = [
        _cuts(line, inter_xy, tree, near, segment_length_m, min_rem, inter_pts) for line in geoms
    ]
    count = np.array([len(c) for c in cut_list], dtype=np.int64)
    if not count.sum():
        return pd.DataFrame(columns=[*_SEGMENT_COLUMNS, "geometry"]), cut_list
    which = np.repeat(np.arange(len(geoms)), count)  # the line of each segment
    starts = np.concatenate(cut_list).astype(float)
    # a segment ends where the next one of its line starts, the last at the line's end
    ends = np.append(starts[1:], 0.0)
    ends[np.cumsum(count)[count > 0] - 1] = shapely.length(geoms[count > 0])
    line_id = lines["line"].to_numpy(dtype=object)[which]
    metre = np.rint(starts).astype(np.int64)  # round(a): half to even, as np.rint
    factor = lines["carriageways"].to_numpy(float)[which]
    segs = pd.DataFrame(
        {
            "unit_id": [f"S:{ln}:{m:06d}" for ln, m in zip(line_id, metre.tolist(), strict=True)],
            "kind": "segment",
            "road": lines["road"].to_numpy(dtype=object)[which],
            "cross_road": "",
            "road_id": lines["road_id"].to_numpy(dtype=object)[which],
            "line": line_id,
            "from_m": _round1(starts),
            "to_m": _round1(ends),
            "length_m": _round1(ends - starts),
            "exposure_m": _round1((ends - starts) * factor),
            "node_ids": "",
            "geometry": _pieces(geoms, which, starts, ends),
        }
    )
    return segs, cut_list


_SEGMENT_COLUMNS = (
    "unit_id", "kind", "road", "cross_road", "road_id", "line", "from_m", "to_m", "length_m",
    "exposure_m", "node_ids",
)  # fmt: skip


def _round1(values: np.ndarray) -> np.ndarray:
    """Rounded to 0.1 as Python rounds, ``round(v, 1)`` (correctly, unlike ``np.round``'s
    scaling): the double nearest to the multiple of 0.1 nearest to the exact `v`, ties to
    even.

    ``np.rint(10 * v) / 10`` is that whenever ``10 * v`` lies clearly away from a half (its
    rounding error, under 2**-23 below 2**30, cannot cross one); the rest (near halves, huge
    or not finite) are rounded by Python.
    """
    v = np.asarray(values, dtype=float)
    y = v * 10.0
    out = np.rint(y) / 10.0
    with np.errstate(invalid="ignore"):
        clear = (np.abs(y - np.floor(y) - 0.5) > 1e-6) & (np.abs(y) < 2.0**30)
    doubt = np.flatnonzero(~clear)
    out[doubt] = [round(float(x), 1) for x in v[doubt]]
    return out


def _pieces(
    lines: np.ndarray, which: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """The piece of line ``lines[which[i]]`` from ``starts[i]`` to ``ends[i]`` (metres along
    it, start < end) for each `i`: what ``shapely.ops.substring`` gives, vertex for vertex
    (the same end points, the vertices strictly between), built in one go."""
    which = np.asarray(which, dtype=np.int64)
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    n = len(starts)
    if not n:
        return np.zeros(0, dtype=object)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    n_vert = np.bincount(owner, minlength=len(lines))
    first_v = np.cumsum(n_vert) - n_vert
    step = np.diff(coords, axis=0)
    step_len = np.sqrt(step[:, 0] ** 2 + step[:, 1] ** 2)
    lo, hi = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(lines) + 1))
    for k in np.flatnonzero(np.diff(bounds)):
        sel = order[bounds[k] : bounds[k + 1]]
        a, nv = first_v[k], n_vert[k]
        # the vertices' distances along the line, summed in order as substring sums them
        along = np.concatenate([[0.0], np.cumsum(step_len[a : a + nv - 1])])
        lo[sel] = a + np.searchsorted(along, starts[sel], side="right")  # first past the start
        # first vertex at or past the end; never the line's last vertex (substring's loop
        # stops before it: the end point stands for it)
        hi[sel] = a + np.minimum(np.searchsorted(along, ends[sel], side="left"), nv - 1)
    first = shapely.get_coordinates(shapely.line_interpolate_point(lines[which], starts))
    # an end that is the next piece's start (same line, same position) is that point
    again = np.zeros(n, dtype=bool)
    again[:-1] = (which[1:] == which[:-1]) & (starts[1:] == ends[:-1])
    last = np.empty_like(first)
    last[again] = first[1:][again[:-1]]
    rest = np.flatnonzero(~again)
    last[rest] = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[which[rest]], ends[rest])
    )
    inner = np.maximum(hi - lo, 0)
    size = inner + 2
    at = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)  # k-th vertex
    src = np.repeat(lo - 1, size) + at
    flat = coords[np.clip(src, 0, len(coords) - 1)]
    flat[at == 0] = first
    flat[at == np.repeat(size - 1, size)] = last
    return shapely.linestrings(flat, indices=np.repeat(np.arange(n), size))


def _intersection_units(
    area: Area, inters: pd.DataFrame, inter_xy: np.ndarray, intersection_snap_m: float
) -> pd.DataFrame:
    """The intersection units (metric point geometry), with the road within their reach."""
    return pd.DataFrame(
        {
            "unit_id": inters.get("unit_id", pd.Series(dtype=object)),
            "kind": "intersection",
            "road": inters.get("road", pd.Series(dtype=object)),
            "cross_road": inters.get("cross_road", pd.Series(dtype=object)),
            "road_id": "",
            "line": "",
            "from_m": np.nan,
            "to_m": np.nan,
            "length_m": 0.0,
            "exposure_m": (
                _intersection_exposure(area, inters["node_ids"], intersection_snap_m)
                if len(inters)
                else []
            ),
            "node_ids": inters.get("node_ids", pd.Series(dtype=object)),
            "geometry": shapely.points(inter_xy) if len(inter_xy) else [],
        }
    )


def _adjacency(units: pd.DataFrame, geom: np.ndarray, near: float) -> csr_matrix:
    """Binary symmetric unit adjacency (no diagonal): consecutive segments of one line, and
    a segment with every intersection within `near` of either of its ends."""
    n = len(units)
    pos = np.arange(n)
    seg = (units["kind"] == "segment").to_numpy()
    # consecutive segments of one line
    s = units[seg].assign(pos=pos[seg]).sort_values(["line", "from_m"])
    same = s["line"].to_numpy()[1:] == s["line"].to_numpy()[:-1]
    a = [s["pos"].to_numpy()[:-1][same]]
    b = [s["pos"].to_numpy()[1:][same]]
    # segments whose end lies at an intersection
    ipos = pos[~seg]
    if len(ipos) and seg.any():
        ixy = np.column_stack([shapely.get_x(geom[ipos]), shapely.get_y(geom[ipos])])
        tree = cKDTree(ixy)
        coords = shapely.get_coordinates(geom[seg])
        size = shapely.get_num_coordinates(geom[seg])
        first = np.cumsum(size) - size
        for end in (first, first + size - 1):
            # every intersection within reach of a segment end, not only the nearest
            hits = tree.query_ball_point(coords[end], near)
            count = np.fromiter(map(len, hits), dtype=np.int64, count=len(hits))
            flat = np.fromiter(chain.from_iterable(hits), dtype=np.int64, count=count.sum())
            a.append(np.repeat(pos[seg], count))
            b.append(ipos[flat])
    rows, cols = np.concatenate(a).astype(np.int64), np.concatenate(b).astype(np.int64)
    m = coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n)).tocsr()
    m = ((m + m.T) > 0).astype(np.int8)
    m.setdiag(0)
    m.eliminate_zeros()
    return m.tocsr()


def _words(values: pd.Series) -> np.ndarray:
    """Plain text of each value (None, NaN and NA give ``""``)."""
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


def place_texts(units: pd.DataFrame, crs_metric: object = None) -> pd.Series:
    """Each unit in words: the units table's ``place_text``.

    An intersection is ``建设路与解放路交叉口`` (its road alone when it has no cross road). A
    segment is its road and, when an intersection on that road (as its road or its cross
    road) lies within :data:`PLACE_NEAR_M` of the segment's middle, the nearest one and the
    way from it to the nearest 10 m, ``南岭大道（南岭大道与建设南路交叉口往西约50米）`` (no way
    under 10 m); else its stretch along its reference line, ``南岭大道（0–100米段）``.

    Parameters
    ----------
    units
        ``unit_id, kind, road, cross_road, from_m, to_m`` and WGS-84 ``geometry`` (points
        for intersections, lines for segments); missing columns count as empty.
    crs_metric
        The metric CRS distances are measured in (None: the UTM zone of the units).

    Returns
    -------
    pandas.Series
        The words, aligned with `units`.
    """
    n = len(units)

    def col(name: str) -> pd.Series:
        return units[name] if name in units else pd.Series([None] * n, index=units.index)

    uid, road, cross, kind = (_words(col(c)) for c in ("unit_id", "road", "cross_road", "kind"))
    lo = pd.to_numeric(col("from_m"), errors="coerce").to_numpy(float)
    hi = pd.to_numeric(col("to_m"), errors="coerce").to_numpy(float)
    out = np.empty(n, dtype=object)
    at = (kind == "intersection") | ((kind != "segment") & (cross != "") & (cross != road))
    i = np.flatnonzero(at)
    out[i] = np.where(cross[i] != "", road[i] + "与" + cross[i] + "交叉口", road[i])
    described = np.zeros(n, dtype=bool)
    if "geometry" in units:
        segs = np.flatnonzero((kind == "segment") & (road != ""))
        rows, words = _segment_refs(units, segs, road, cross, kind, crs_metric)
        out[rows] = words
        described[rows] = True
    i = np.flatnonzero(~at & ~described)
    finite = (np.isfinite(lo) & np.isfinite(hi))[i]
    out[i] = [
        ((f"{r}（{a:.0f}–{b:.0f}米段）" if f else r) if r else u)
        for r, a, b, f, u in zip(
            road[i], lo[i].tolist(), hi[i].tolist(), finite, uid[i], strict=True
        )
    ]
    return pd.Series(out, index=units.index, dtype=object)


def _segment_refs(
    units: pd.DataFrame,
    segs: np.ndarray,
    road: np.ndarray,
    cross: np.ndarray,
    kind: np.ndarray,
    crs_metric: object,
) -> tuple[np.ndarray, np.ndarray]:
    """Segments (row positions `segs`) described from the nearest intersection on their
    road within :data:`PLACE_NEAR_M`: their row positions and words."""
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
    inter = np.flatnonzero(kind == "intersection")
    if not len(segs) or not len(inter):
        return none
    geom = np.asarray(units["geometry"], dtype=object)
    try:
        geo = gpd.GeoSeries(list(geom[segs]) + list(geom[inter]), crs="EPSG:4326")
        metric = geo.to_crs(crs_metric or geo.estimate_utm_crs())
    except Exception:  # a description is optional: fall back to the stretch
        return none
    mid = metric.iloc[: len(segs)].interpolate(0.5, normalized=True).to_numpy()
    pts = metric.iloc[len(segs) :]
    ix, iy = pts.x.to_numpy(), pts.y.to_numpy()
    i_road, i_cross = road[inter], cross[inter]
    # per road: its segments and the intersections on it (as road or cross road), each in
    # unit order (ties resolved as in unit order)
    names, seg_code = np.unique(road[segs], return_inverse=True)
    mine_of = _groups(seg_code, len(names))
    code = {name: k for k, name in enumerate(names)}
    k_on = np.array([code.get(v, -1) for v in [*i_road, *i_cross]], dtype=np.int64)
    key = np.unique((k_on * len(inter) + np.tile(np.arange(len(inter)), 2))[k_on >= 0])
    on_of = _groups(key // len(inter), len(names), key % len(inter))
    got = []
    for r, mine, on in zip(names, mine_of, on_of, strict=True):
        if not len(on):
            continue
        m = mid[mine]
        ok = ~(shapely.is_missing(m) | shapely.is_empty(m))
        mine, m = mine[ok], m[ok]
        mx, my = shapely.get_x(m), shapely.get_y(m)
        d = np.hypot(ix[on][None, :] - mx[:, None], iy[on][None, :] - my[:, None])
        best = d.argmin(axis=1) if len(mine) else np.zeros(0, int)
        way = compass(mx - ix[on[best]], my - iy[on[best]])
        dist = d[np.arange(len(mine)), best]
        near = np.isfinite(dist) & (dist <= PLACE_NEAR_M)
        b = on[best[near]]
        other = np.where(i_road[b] == r, i_cross[b], i_road[b])
        metres = (np.rint(dist[near] / 10.0) * 10).astype(np.int64)  # round(): half to even
        got.append((segs[mine[near]], np.full(len(b), r, dtype=object), other, way[near], metres))
    if not got:
        return none
    rows, rd, other, way, metres = (np.concatenate(c) for c in zip(*got, strict=True))
    words = [
        f"{r}（{r}与{o}交叉口往{w}约{m}米）" if m >= 10 else f"{r}（{r}与{o}交叉口）"
        for r, o, w, m in zip(rd, other, way, metres.tolist(), strict=True)
    ]
    return rows, np.array(words, dtype=object)


def _groups(label: np.ndarray, n: int, values: np.ndarray | None = None) -> list[np.ndarray]:
    """For each label ``0 .. n-1``, the `values` (default: the positions) where `label` has
    it, in their order."""
    values = np.arange(len(label)) if values is None else values
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(n + 1))
    return [values[order[bounds[k] : bounds[k + 1]]] for k in range(n)]


def _to_wgs84(area: Area, geom: np.ndarray) -> np.ndarray:
    def back(coords: np.ndarray) -> np.ndarray:
        lon, lat = area.to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([np.round(lon, 7), np.round(lat, 7)])

    return shapely.transform(geom, back)


def _edge_graph(area: Area) -> tuple[EdgeGraph, pd.Series]:
    e = area.edges
    nodes = np.unique(np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()]))
    index = pd.Series(np.arange(len(nodes)), index=nodes)
    length = np.maximum(e["length_m"].to_numpy(float), 0.01)
    graph = EdgeGraph(index[e["u"]].to_numpy(), index[e["v"]].to_numpy(), length, len(nodes))
    return graph, index


# --- snapping -----------------------------------------------------------------------------


def nearest_edges(
    lines: np.ndarray, x: np.ndarray, y: np.ndarray, *, max_distance: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nearest line to each point, its distance and the position along it.

    Vectorised with a shapely STRtree. Equidistant lines are resolved to the lowest index,
    so the answer does not depend on the tree's internal order (pysal/spaghetti#598).

    Parameters
    ----------
    lines
        Metric LineStrings (array of shapely geometries).
    x, y
        Metric point coordinates.
    max_distance
        Points farther than this from every line get edge ``-1``.

    Returns
    -------
    edge, distance, offset
        Index into `lines` (``-1`` when none within `max_distance`), distance in metres
        and metres along the line from its first vertex.

    Examples
    --------
    >>> lines = np.array([shapely.LineString([(0, 0), (10, 0)]),
    ...                   shapely.LineString([(0, 5), (10, 5)])])
    >>> e, d, o = nearest_edges(lines, np.array([3.0, 4.0]), np.array([1.0, 2.5]))
    >>> e.tolist(), d.tolist(), o.tolist()
    ([0, 0], [1.0, 2.5], [3.0, 4.0])
    """
    pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
    tree = shapely.STRtree(lines)
    (i, j), d = tree.query_nearest(
        pts, max_distance=max_distance, return_distance=True, all_matches=True
    )
    edge = np.full(len(pts), -1)
    dist = np.full(len(pts), np.inf)
    order = np.lexsort((j, i))  # per point, the lowest line index first
    i, j, d = i[order], j[order], d[order]
    first = np.ones(len(i), bool)
    first[1:] = i[1:] != i[:-1]
    edge[i[first]] = j[first]
    dist[i[first]] = d[first]
    offset = np.full(len(pts), np.nan)
    got = edge >= 0
    offset[got] = shapely.line_locate_point(lines[edge[got]], pts[got])
    return edge, dist, offset


def _unsnapped(index: pd.Index) -> pd.DataFrame:
    """The result of :func:`snap` for cases none of which is snapped (all ``no_point``)."""
    n = len(index)
    return pd.DataFrame(
        {
            "unit_id": np.full(n, "", dtype=object),
            "snap_m": np.full(n, np.nan),
            "snap_status": np.full(n, "no_point", dtype=object),
            "line": np.full(n, "", dtype=object),
            "position_m": np.full(n, np.nan),
            "unit_road": np.full(n, "", dtype=object),
        },
        index=index,
    )


def _snap_candidates(
    cases: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The points of `cases`, their match levels, which are precise enough to snap, and the
    status of those that are not (``no_point``, ``road_level``, ``imprecise``)."""
    lon = pd.to_numeric(cases.get("lon"), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(cases.get("lat"), errors="coerce").to_numpy(float)
    level = cases.get("match_level", pd.Series("given", index=cases.index)).astype(str).to_numpy()
    has = np.isfinite(lon) & np.isfinite(lat)
    precise = has & np.isin(level, PRECISE_LEVELS)
    status = np.full(len(cases), "no_point", dtype=object)
    status[has & (level == "road")] = "road_level"
    status[has & ~precise & (level != "road")] = "imprecise"
    return lon, lat, level, precise, status


def _nearest_point(
    geoms: np.ndarray, x: np.ndarray, y: np.ndarray, limit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point (`x`, `y`), whether the nearest of the point `geoms` lies within its
    `limit`; of those that do, the index of that geometry and the distance."""
    gxy = np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)])
    d, i = cKDTree(gxy).query(np.column_stack([x, y]))
    hit = d <= limit
    return hit, i[hit], d[hit]


def _nearest_segments(
    tree: shapely.STRtree,
    sgeom: np.ndarray,
    seg_road: np.ndarray,
    pts: np.ndarray,
    want_road: np.ndarray,
    max_snap_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The segment each point snaps to within `max_snap_m` (-1: none) and its distance.

    The nearest segment, except that a segment of the geocoder's road (`want_road`, ``""``
    for none) within `max_snap_m` is preferred: only points whose nearest segment is on
    another road are searched again.
    """
    near_idx, near_d = tree.query_nearest(
        pts, max_distance=max_snap_m, return_distance=True, all_matches=False
    )
    best_seg = np.full(len(pts), -1)
    best_d = np.full(len(pts), np.inf)
    best_seg[near_idx[0]] = near_idx[1]
    best_d[near_idx[0]] = near_d
    nearest_road = np.where(best_seg >= 0, seg_road[np.maximum(best_seg, 0)], "")
    redo = (want_road != "") & (nearest_road != want_road)
    for r in np.unique(want_road[redo]):
        mine = np.flatnonzero(redo & (want_road == r))
        cand = np.flatnonzero(seg_road == r)
        if not len(cand):
            continue
        d = shapely.distance(pts[mine][:, None], sgeom[cand][None, :])
        j = d.argmin(axis=1)
        dj = d[np.arange(len(mine)), j]
        ok = dj <= max_snap_m
        best_seg[mine[ok]] = cand[j[ok]]
        best_d[mine[ok]] = dj[ok]
    return best_seg, best_d


def _tied(
    tree: shapely.STRtree,
    sgeom: np.ndarray,
    seg_road: np.ndarray,
    pts: np.ndarray,
    seg: np.ndarray,
    dist: np.ndarray,
    tie_m: float,
) -> np.ndarray:
    """Indices of the points (snapped to segments `seg` at `dist`) with a segment of another
    road within `tie_m` metres more: their snap is ambiguous."""
    if not len(pts):
        return np.zeros(0, int)
    a, b = tree.query(pts, predicate="dwithin", distance=dist.max() + tie_m)
    if not len(a):
        return np.zeros(0, int)
    d = shapely.distance(pts[a], sgeom[b])
    other = seg_road[b] != seg_road[seg][a]
    close = other & (d <= dist[a] + tie_m)
    return np.unique(a[close])


def snap(
    cases: pd.DataFrame,
    network: Network,
    area: Area,
    *,
    max_snap_m: float = 100.0,
    intersection_snap_m: float = 20.0,
    tie_m: float = 5.0,
) -> pd.DataFrame:
    """Assign precisely placed cases to units.

    Parameters
    ----------
    cases
        Geocoded cases: ``lon``, ``lat``, ``match_level`` and, optionally, ``road_id`` (the
        road the geocoder matched).
    network
        From :func:`build_units`.
    area
        The area the network was built from.
    max_snap_m
        Cases farther than this from every unit are refused (``too_far``), not dropped.
    intersection_snap_m
        A case this close to an intersection's centre belongs to the intersection; a case
        the geocoder placed at an intersection goes to the nearest intersection within
        ``3 × intersection_snap_m``.
    tie_m
        When the nearest segment of another road is at most this much farther than the
        nearest, the snap is ``ambiguous`` (it is kept, and flagged).

    Returns
    -------
    pandas.DataFrame
        Aligned with `cases`: ``unit_id`` (``""`` when not snapped), ``snap_m``,
        ``snap_status`` (one of :data:`SNAP_STATUSES`), ``line`` and ``position_m`` (the
        linear position along the segment's reference line, for sliding windows),
        ``unit_road``.
    """
    out = _unsnapped(cases.index)
    lon, lat, level, precise, status = _snap_candidates(cases)
    if not precise.any() or network.units.empty:
        return out.assign(snap_status=status)
    x, y = area.to_metric(lon[precise], lat[precise])
    idx = np.flatnonzero(precise)
    units = network.units
    is_int = (units["kind"] == "intersection").to_numpy()
    ugeom = to_metric_geoms(units.geometry.to_numpy(), area.to_metric)
    unit_id = out["unit_id"].to_numpy().copy()
    snap_m = out["snap_m"].to_numpy().copy()
    line_col = out["line"].to_numpy().copy()
    pos_col = out["position_m"].to_numpy().copy()
    road_col = out["unit_road"].to_numpy().copy()
    done = np.zeros(len(idx), bool)
    # 1. intersections
    if is_int.any():
        ipos = np.flatnonzero(is_int)
        limit = np.where(level[idx] == "intersection", 3 * intersection_snap_m, intersection_snap_m)
        hit, near, d = _nearest_point(ugeom[ipos], x, y, limit)
        unit_id[idx[hit]] = units["unit_id"].to_numpy()[ipos[near]]
        snap_m[idx[hit]] = d
        status[idx[hit]] = "ok"
        road_col[idx[hit]] = units["road"].to_numpy()[ipos[near]]
        done |= hit
    # 2. segments: the matched road first, else any named road
    spos = np.flatnonzero(~is_int)
    if len(spos):
        sgeom = ugeom[spos]
        tree = shapely.STRtree(sgeom)
        pts = shapely.points(x, y)
        want_road = (
            cases["road_id"].fillna("").astype(str).to_numpy()[idx]
            if "road_id" in cases
            else np.full(len(idx), "")
        )
        seg_road = units["road_id"].to_numpy()[spos]
        todo = np.flatnonzero(~done)
        best_seg, best_d = _nearest_segments(
            tree, sgeom, seg_road, pts[todo], want_road[todo], max_snap_m
        )
        got = best_seg >= 0
        rows = idx[todo[got]]
        seg = spos[best_seg[got]]
        unit_id[rows] = units["unit_id"].to_numpy()[seg]
        snap_m[rows] = best_d[got]
        road_col[rows] = units["road"].to_numpy()[seg]
        line_col[rows] = units["line"].to_numpy()[seg]
        line_geom = network.lines.set_index("line")["geometry"]
        for ln in np.unique(line_col[rows]):
            sel = rows[line_col[rows] == ln]
            g = line_geom[ln]
            k = np.searchsorted(idx, sel)
            pos_col[sel] = shapely.line_locate_point(g, shapely.points(x[k], y[k]))
        status[rows] = "ok"
        # ambiguous: a segment of another road nearly as near
        tied = _tied(tree, sgeom, seg_road, pts[todo[got]], best_seg[got], best_d[got], tie_m)
        status[rows[tied]] = "ambiguous"
        status[idx[todo[~got]]] = "too_far"
    out["unit_id"], out["snap_m"], out["snap_status"] = unit_id, snap_m, status
    out["line"], out["position_m"], out["unit_road"] = line_col, pos_col, road_col
    return out
