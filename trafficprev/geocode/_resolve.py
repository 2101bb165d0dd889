"""Resolve parsed place slots to a point on the area's roads.

The resolver tries, in order, the most precise reading the text supports, and falls back
one level at a time when a step fails, saying why:

``intersection`` (two named roads meet; nearest approach when they do not touch) →
``road_offset`` (a distance toward a bearing or a named place from the intersection, or a
stake number between milestones) → ``landmark`` (a named POI, moved onto the road it
fronts) → ``road`` (the road's part inside the named scope) → ``village`` → ``township``
→ ``county`` → ``none``.

A place is never forced onto a wrong road: roads outside the district the text names are
refused, and when two equally good candidates lie far apart the level drops and the
reason says so. All geometry is done in metres in the area's UTM zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..area import admin_scopes, to_metric_geoms
from ._match import Candidate, NameMatcher, area_matcher
from ._parse import PlaceSlots
from ._parse_rules import _ADMIN_SUFFIX, _CODE_AT, _ROAD_SUFFIX_TAIL
from ._territory import ON_BOUNDARY_M, OUTSIDE_FACTOR, Territories
from ._walk import (
    BEARING_DEG,
    CROSSING_LIMIT_M,
    PROBE_M,
    Walk,
    angle_diff,
    choose_by_bearing,
    choose_toward_road,
    first_crossing,
    initial_bearing,
    line_arrays,
    line_crossing,
    line_hits,
    walks_from,
)

if TYPE_CHECKING:
    from ..area import Area

__all__ = ["Resolution", "Resolver"]

#: A landmark with a named road is placed on it when the road passes this close (L1).
_LANDMARK_ROAD_M = 400.0
#: A landmark alone is placed on the nearest road within this distance (L2).
_LANDMARK_NEAREST_M = 300.0
#: Endings of a bus stop's name: the stop may be known by its base name (L4).
_STOP_ENDS = ("公交站台", "公交车站", "公交站", "站台")
_SECTION_AXIS = {"东段": (1, 0), "西段": (-1, 0), "北段": (0, 1), "南段": (0, -1)}
#: A stake up to this many km before the first or after the last milestone of its route is
#: placed by extrapolating along the route from the two nearest milestones (at their metres of
#: road per km); farther out the count is not trusted (the milestones stop where the route
#: was re-numbered or re-built) and the text is placed at road level.
_STAKE_BEYOND_KM = 2.0
#: confidence of each level before the name-match score is applied
_BASE = {
    "intersection": 0.95,
    "road_offset": 0.9,
    "landmark": 0.8,
    "road": 0.55,
    "village": 0.4,
    "township": 0.3,
    "county": 0.15,
    "none": 0.0,
}


@dataclass
class Resolution:
    """The answer for one place text."""

    lon: float = math.nan
    lat: float = math.nan
    match_level: str = "none"
    confidence: float = 0.0
    matched_road: str = ""
    matched_cross_road: str = ""
    road_id: str = ""
    reason: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    x: float = math.nan  # metric position, before conversion to lon/lat
    y: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for the cache and for frames)."""
        return {
            "lon": self.lon,
            "lat": self.lat,
            "match_level": self.match_level,
            "confidence": round(float(self.confidence), 3),
            "matched_road": self.matched_road,
            "matched_cross_road": self.matched_cross_road,
            "road_id": self.road_id,
            "reason": self.reason,
            "candidates": self.candidates,
        }


@dataclass(frozen=True)
class _Scope:
    codes: tuple[str, ...]  # admin codes named, innermost first
    territory: frozenset[str]  # level-4 codes
    level: int
    name: str
    ambiguous: bool = False


class Resolver:
    """Resolve :class:`PlaceSlots` against one :class:`~trafficprev.area.Area`.

    Parameters
    ----------
    area
        The gazetteer.
    max_road_gap_m
        Two named roads that share no intersection but come closer than this are taken to
        meet at their nearest approach (dual carriageways, offset digitising).
    border_m
        A point counts as inside a named district when its nearest township centre of
        that district is at most this much farther than its nearest centre overall
        (township territories are approximated by nearest centres).
    spread_m
        Candidates of equal score further apart than this make a place ambiguous.
    scope_margin_m
        With boundary polygons (:attr:`~trafficprev.area.Area.territories`), a candidate
        outside the named area but at most this far from it is still accepted, with lower
        confidence and a reason (design T2); without polygons `border_m` applies.
    """

    def __init__(
        self,
        area: Area,
        *,
        max_road_gap_m: float = 100.0,
        border_m: float = 400.0,
        spread_m: float = 250.0,
        scope_margin_m: float = 300.0,
    ) -> None:
        self.area = area
        self.max_road_gap_m = max_road_gap_m
        self.border_m = border_m
        self.spread_m = spread_m
        edges = area.edges
        self._edge_geom = to_metric_geoms(edges.geometry.to_numpy(), area.to_metric)
        self._edge_road = edges["road_id"].astype(str).to_numpy()
        self._stakes: dict[str, tuple[shapely.LineString, np.ndarray, np.ndarray] | None] = {}
        self._edges_of_road = edges.groupby("road_id").indices
        self._road_ids_of_name = area.roads.groupby("name")["road_id"].agg(list).to_dict()
        self._road_name = dict(zip(area.roads["road_id"], area.roads["name"], strict=True))
        self._road_length = dict(
            zip(area.roads["road_id"], area.roads["length_m"].astype(float), strict=True)
        )
        self._road_refs = {
            r: frozenset(filter(None, str(v).split("|")))
            for r, v in zip(area.roads["road_id"], area.roads["refs"], strict=True)
        }
        self._road_towns = {
            r: frozenset(filter(None, str(t).split("|")))
            for r, t in zip(area.roads["road_id"], area.roads["townships"], strict=True)
        }
        self._lines: dict[str, list[shapely.LineString]] = {}
        self._walks: dict[tuple[str, float, float, int, float], list[Walk]] = {}
        self._line_xy: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._c_lines: dict[tuple[str, tuple[str, ...]], BaseGeometry | None] = {}
        self._hits: dict[tuple[str, str, tuple[str, ...]], list[np.ndarray]] = {}
        inter = area.intersections
        ix, iy = area.to_metric(
            shapely.get_x(inter.geometry.to_numpy()), shapely.get_y(inter.geometry.to_numpy())
        )
        self._inters: dict[frozenset[str], list[tuple[float, float, str]]] = {}
        for a, b, x, y, iid in zip(
            inter["road_id_a"], inter["road_id_b"], ix, iy, inter["inter_id"], strict=True
        ):
            self._inters.setdefault(frozenset((a, b)), []).append((float(x), float(y), iid))
        pois = area.pois
        px, py = area.to_metric(
            shapely.get_x(pois.geometry.to_numpy()), shapely.get_y(pois.geometry.to_numpy())
        )
        self._poi = {
            pid: (float(x), float(y)) for pid, x, y in zip(pois["poi_id"], px, py, strict=True)
        }
        self._tree = shapely.STRtree(self._edge_geom)
        adm = area.admin
        has = ~adm.geometry.isna()
        ax, ay = np.full(len(adm), np.nan), np.full(len(adm), np.nan)
        if has.any():
            g = adm.geometry[has].to_numpy()
            ax[has.to_numpy()], ay[has.to_numpy()] = area.to_metric(
                shapely.get_x(g), shapely.get_y(g)
            )
        self._admin = {
            c: (lvl, n, x, y, p, k)
            for c, lvl, n, x, y, p, k in zip(
                adm["code"],
                adm["level"].astype(int),
                adm["name"],
                ax,
                ay,
                adm["parent_code"],
                adm["kind"],
                strict=True,
            )
        }
        self._territory = admin_scopes(pd.DataFrame(adm.drop(columns="geometry")))
        self._town_tree, self._town_codes = area._township_index
        self.scope_margin_m = float(scope_margin_m)
        self._terr = Territories(getattr(area, "territories", None), area.to_metric)
        self._scope_units: dict[_Scope, tuple[str, ...] | None] = {}
        self._road_dist: dict[tuple[str, tuple[str, ...]], float] = {}
        self._outside: dict[tuple[float, float, _Scope], str] = {}  # intersections just outside
        self._pending: list[dict[str, Any]] = []  # candidates an ambiguous step left over

    # --- helpers -------------------------------------------------------------------------

    @property
    def matcher(self) -> NameMatcher:
        """The area's name matcher (:func:`~trafficprev.geocode.area_matcher`)."""
        return area_matcher(self.area)

    def territory(self, code: str) -> frozenset[str]:
        """Level-4 codes making up the territory of admin unit `code`."""
        return self._territory.get(code, frozenset())

    def in_scope(self, x: float, y: float, scope: _Scope | None) -> bool:
        """Whether metric point (x, y) lies in `scope` (with the border tolerance).

        With the named unit's polygon: within `scope_margin_m` of it; else in its
        nearest-centre territory, `border_m` tolerated.
        """
        d_poly = self.scope_distance(x, y, scope)
        if d_poly is not None:
            return bool(d_poly[0] <= self.scope_margin_m)
        if scope is None or not scope.territory or self._town_tree is None:
            return True
        k = min(12, len(self._town_codes))
        d, i = self._town_tree.query((x, y), k=k)
        d, i = np.atleast_1d(d), np.atleast_1d(i)
        inside = np.fromiter((c in scope.territory for c in self._town_codes[i]), bool, len(i))
        return bool(inside.any() and d[inside].min() <= d[0] + self.border_m)

    def in_scope_many(self, x: np.ndarray, y: np.ndarray, scope: _Scope | None) -> np.ndarray:
        """:meth:`in_scope` for arrays of metric points."""
        d_poly = self.scope_distance(x, y, scope)
        if d_poly is not None:
            return d_poly <= self.scope_margin_m
        if scope is None or not scope.territory or self._town_tree is None:
            return np.ones(len(x), dtype=bool)
        k = min(12, len(self._town_codes))
        d, i = self._town_tree.query(np.column_stack([x, y]), k=k)
        d, i = d.reshape(len(x), -1), i.reshape(len(x), -1)
        inside = np.isin(self._town_codes[i], list(scope.territory))
        best = np.where(inside, d, np.inf).min(axis=1)
        return inside.any(axis=1) & (best <= d[:, 0] + self.border_m)

    def road_in_scope(self, road_id: str, scope: _Scope | None) -> bool:
        """Whether the road reaches `scope` (within `scope_margin_m` of its polygon)."""
        d_poly = self.road_scope_distance(road_id, scope)
        if d_poly is not None:
            return d_poly <= self.scope_margin_m
        if scope is None or not scope.territory:
            return True
        return bool(self._road_towns.get(road_id, frozenset()) & scope.territory)

    def lines(self, road_id: str) -> list[shapely.LineString]:
        """The road's carriageways as merged metric lines, longest first."""
        if road_id not in self._lines:
            idx = self._edges_of_road.get(road_id, [])
            merged = shapely.line_merge(shapely.multilinestrings(self._edge_geom[idx]))
            parts = list(shapely.get_parts(merged))
            parts.sort(key=lambda g: -g.length)
            self._lines[road_id] = parts
        return self._lines[road_id]

    def _road_geom(self, road_id: str) -> BaseGeometry:
        return shapely.multilinestrings(self.lines(road_id))

    def finish(self, results: list[Resolution]) -> list[Resolution]:
        """Convert the metric positions of `results` (and their candidates) to lon/lat."""
        cands = [c for r in results for c in r.candidates if "x" in c]
        xs = np.array([r.x for r in results] + [c["x"] for c in cands], dtype=float)
        ys = np.array([r.y for r in results] + [c["y"] for c in cands], dtype=float)
        if len(xs):
            lon, lat = self.area.to_lonlat(xs, ys)
            lon, lat = np.round(lon, 7), np.round(lat, 7)
            for i, r in enumerate(results):
                r.lon, r.lat = float(lon[i]), float(lat[i])
            for j, c in enumerate(cands, len(results)):
                c["lon"], c["lat"] = float(lon[j]), float(lat[j])
                del c["x"], c["y"]
        return results

    def resolve_many(self, slots: list[PlaceSlots]) -> list[Resolution]:
        """Resolve parsed places; positions converted to lon/lat in one batch."""
        return self.finish([self._resolve(s) for s in slots])

    def _done(
        self,
        level: str,
        x: float,
        y: float,
        score: float,
        reason: str,
        *,
        road: str = "",
        cross: str = "",
        road_id: str = "",
        candidates: list[dict[str, Any]] | None = None,
    ) -> Resolution:
        return Resolution(
            math.nan,
            math.nan,
            level,
            _BASE[level] * score,
            road,
            cross,
            road_id,
            reason,
            candidates or [],
            x,
            y,
        )

    # --- admin scope ---------------------------------------------------------------------

    def scope(self, slots: PlaceSlots) -> tuple[_Scope | None, str]:
        """The innermost admin unit the text names, consistent with the outer ones."""
        chosen: list[str] = []
        note = ""
        for name in slots.admin:
            cands = [
                c
                for c in self.matcher.match(name, "admin")
                if c.score >= 0.8 and c.target in self._admin
            ]
            if chosen:
                inside = [c for c in cands if self._descends(c.target, chosen[-1])]
                cands = inside or cands
            if not cands:
                note = f"未识别行政区“{name}” unknown admin name"
                continue
            best = [c.target for c in cands if c.score >= cands[0].score - 1e-9]
            if len(best) > 1:
                terr = frozenset().union(*(self.territory(c) for c in best))
                code = best[0]
                return _Scope(tuple(best), terr, self._admin[code][0], name, True), (
                    f"行政区“{name}”不唯一 ambiguous admin name"
                )
            chosen.append(best[0])
        if not chosen:
            return None, note
        code = chosen[-1]
        level, name = self._admin[code][0], self._admin[code][1]
        return _Scope(tuple(reversed(chosen)), self.territory(code), level, name), note

    def _descends(self, code: str, ancestor: str) -> bool:
        if code == ancestor:
            return True
        if self._admin.get(ancestor, (0,))[-1] == "zone":
            return bool(self.territory(code) & self.territory(ancestor))
        seen = 0
        while code in self._admin and seen < 6:
            code = self._admin[code][4]
            if code == ancestor:
                return True
            seen += 1
        return False

    def admin_point(self, scope: _Scope) -> tuple[str, float, float] | None:
        """Centre of the named unit, else of its territory's townships."""
        code = scope.codes[0]
        level, _, x, y, _, _ = self._admin[code]
        if scope.ambiguous:
            return None
        lvl_name = {5: "village", 4: "township", 3: "county"}.get(level)
        if lvl_name is None:
            return None
        if not math.isnan(x):
            return lvl_name, x, y
        shape = self._terr.shape(scope.codes[:1])
        if shape is not None:  # no centre in the table: a point inside the polygon
            p = shapely.point_on_surface(shape)
            return lvl_name, float(p.x), float(p.y)
        pts = [
            (self._admin[c][2], self._admin[c][3])
            for c in scope.territory
            if c in self._admin and not math.isnan(self._admin[c][2])
        ]
        if not pts:
            return None
        arr = np.array(pts)
        return (
            ("county" if level <= 3 else lvl_name),
            float(arr[:, 0].mean()),
            float(arr[:, 1].mean()),
        )

    # --- roads ---------------------------------------------------------------------------

    def road_candidates(
        self, text: str, scope: _Scope | None
    ) -> tuple[list[tuple[str, Candidate]], list[tuple[str, Candidate]], str]:
        """Road ids matching `text`, best first: those in scope, all of them, and a note.

        Intersections are looked up among all candidates and their point is checked
        against the scope (a road along a district border may have no node inside it);
        a road-level answer uses only roads in scope. With the named unit's polygon, the
        roads reaching it come first; a road outside it but within `scope_margin_m` is
        kept only when no road of the same or a better name score reaches it (T2).
        """
        if not text:
            return [], [], ""
        cands = self.matcher.match(text, "road")
        every = [(rid, c) for c in cands for rid in self._road_ids_of_name.get(c.name, [])]
        inside = [(rid, c) for rid, c in every if self.road_in_scope(rid, scope)]
        dist = {rid: self.road_scope_distance(rid, scope) for rid, _ in inside}
        if any(d is not None for d in dist.values()):
            within = [(r, c) for r, c in inside if (dist[r] or 0.0) <= ON_BOUNDARY_M]
            best_in = max((c.score for _, c in within), default=-1.0)
            inside = within + [
                (r, c)
                for r, c in inside
                if (dist[r] or 0.0) > ON_BOUNDARY_M and c.score > best_in + 1e-9
            ]
            inside.sort(key=lambda t: (-t[1].score, (dist[t[0]] or 0.0) > ON_BOUNDARY_M))
        note = ""
        if not cands:
            note = f"未找到道路“{text}” road not found"
        elif not inside and scope is not None:
            note = f"“{text}”不在{scope.name}内 road not in the named area"
            far = self._nearest_outside([rid for rid, _ in every], scope)
            if far is not None:
                note = (
                    f"“{text}”不在{scope.name}内（距其边界约{far:.0f}米） road not in the "
                    f"named area ({far:.0f} m outside)"
                )
        return inside, every, note

    def _best_intersection(
        self, ra: list[tuple[str, Candidate]], rb: list[tuple[str, Candidate]], scope: _Scope | None
    ):
        found: list[tuple[float, float, float, str, str, str]] = []
        for rid_a, ca in ra:
            for rid_b, cb in rb:
                for x, y, iid in self._inters.get(frozenset((rid_a, rid_b)), []):
                    found.append((ca.score * cb.score, x, y, iid, rid_a, rid_b))
        if found and scope is not None:
            xs = np.array([f[1] for f in found])
            ys = np.array([f[2] for f in found])
            d = self.scope_distance(xs, ys, scope)
            if d is None:  # nearest-centre territories
                keep = np.flatnonzero(self.in_scope_many(xs, ys, scope))
            else:  # T2: inside (or on the boundary) first; just outside only if better named
                score = np.array([f[0] for f in found])
                inside = d <= ON_BOUNDARY_M
                best_in = score[inside].max() if inside.any() else -1.0
                near = ~inside & (d <= self.scope_margin_m) & (score > best_in + 1e-9)
                keep = np.flatnonzero(inside | near)
                for i in np.flatnonzero(near):  # lower confidence, and a reason
                    f = found[i]
                    self._outside[(f[1], f[2], scope)] = self._outside_note(float(d[i]), scope)
                    found[i] = (f[0] * OUTSIDE_FACTOR, *f[1:])
            found = [found[i] for i in keep]
        if not found:
            return None, []
        found.sort(key=lambda t: (-t[0], t[3]))
        top = [f for f in found if f[0] >= found[0][0] - 1e-9]
        return found[0], top

    def _nearest_approach(self, ra, rb):
        best = None
        for rid_a, ca in ra[:3]:
            for rid_b, cb in rb[:3]:
                if rid_a == rid_b:
                    continue
                line = shapely.shortest_line(self._road_geom(rid_a), self._road_geom(rid_b))
                d = line.length
                if d <= self.max_road_gap_m and (best is None or d < best[0]):
                    p = shapely.get_point(line, 0)
                    best = (d, p.x, p.y, ca.score * cb.score, rid_a, rid_b)
        return best

    def road_point(
        self, road_id: str, scope: _Scope | None, section: str = ""
    ) -> tuple[float, float]:
        """A representative point of the road (inside the scope when one is named)."""
        lines = self.lines(road_id)
        line = lines[0]
        units = self.scope_units(scope)
        if units is not None:  # T3: the middle of the part inside, else the nearest point
            parts = [self._terr.part_in(units, ln) for ln in lines]
            parts = [p for p in parts if p is not None]
            if parts:
                x, y, _, _ = min(parts, key=lambda p: (p[2], -p[3]))
                return x, y
        if scope is not None and scope.territory:
            for cand in lines:
                pts = shapely.line_interpolate_point(cand, np.linspace(0, 1, 21), normalized=True)
                px, py = shapely.get_x(pts), shapely.get_y(pts)
                inside = np.flatnonzero(self.in_scope_many(px, py, scope))
                if len(inside):
                    mid = inside[len(inside) // 2]
                    return float(px[mid]), float(py[mid])
        axis = _SECTION_AXIS.get(section)
        if axis is not None:
            a, b = shapely.get_point(line, 0), shapely.get_point(line, -1)
            first = (a.x - b.x) * axis[0] + (a.y - b.y) * axis[1] > 0
            p = line.interpolate(0.25 if first else 0.75, normalized=True)
            return p.x, p.y
        p = line.interpolate(0.5, normalized=True)
        return p.x, p.y

    def _walk(
        self, road_id: str, x: float, y: float, order: int = 0, reach: float = CROSSING_LIMIT_M
    ) -> list[Walk]:
        """The walks along the road from its point nearest (x, y), both ways (O5)."""
        key = (road_id, round(x, 2), round(y, 2), order, reach)
        if key not in self._walks:
            lines = self.lines(road_id)
            if road_id not in self._line_xy:
                self._line_xy[road_id] = line_arrays(lines)
            self._walks[key] = walks_from(
                lines, x, y, road=road_id, order=order, reach=reach, arrays=self._line_xy[road_id]
            )
        return self._walks[key]

    def _target_point(
        self, text: str, scope: _Scope | None, near: tuple[float, float] | None = None
    ) -> tuple[float, float] | None:
        """A point for the place named after 往/向 (a road, a landmark or an admin unit).

        For a road, the point of it nearest to `near` when given (O2), else its centroid.
        """
        if not text:
            return None
        for kind in ("admin", "poi", "road"):
            for c in self.matcher.match(text, kind)[:1]:
                if c.score < 0.8:
                    continue
                if kind == "admin" and c.target in self._admin:
                    _, _, x, y, _, _ = self._admin[c.target]
                    if not math.isnan(x):
                        return x, y
                    terr = [self._admin[t] for t in self.territory(c.target) if t in self._admin]
                    pts = [(t[2], t[3]) for t in terr if not math.isnan(t[2])]
                    if pts:
                        return tuple(np.mean(pts, axis=0))
                elif kind == "poi" and c.target in self._poi:
                    return self._poi[c.target]
                elif kind == "road":
                    ids = self._road_ids_of_name.get(c.name, [])
                    if ids and near is not None:
                        g = shapely.multilinestrings([ln for r in ids for ln in self.lines(r)])
                        q = shapely.get_point(shapely.shortest_line(shapely.Point(near), g), 1)
                        return q.x, q.y
                    if ids:
                        g = self._road_geom(ids[0])
                        return g.centroid.x, g.centroid.y
        return None

    # --- main ----------------------------------------------------------------------------

    def resolve(self, slots: PlaceSlots) -> Resolution:
        """Resolve one parsed place."""
        return self.resolve_many([slots])[0]

    def _resolve(self, slots: PlaceSlots) -> Resolution:
        self._pending = []
        res = self._resolve_levels(slots)
        if not res.candidates and self._pending:
            res.candidates = self._pending[:5]
        return res

    def _offer(
        self,
        x: float,
        y: float,
        level: str,
        road: str = "",
        cross: str = "",
        score: float = 0.0,
        note: str = "",
    ) -> None:
        """Keep a candidate for the review queue (an analyst may pick it)."""
        self._pending.append(
            {
                "road": road,
                "cross_road": cross,
                "x": x,
                "y": y,
                "level": level,
                "score": round(score, 3),
                "note": note,
            }
        )

    def _resolve_levels(self, slots: PlaceSlots) -> Resolution:
        scope, note = self.scope(slots)
        if note and not (slots.road or slots.landmark) and slots.admin:
            # L5: an unknown "admin" name may be a POI named whole (XX中央商务区, XX湾)
            alt = replace(slots, admin=slots.admin[:-1], landmark=slots.admin[-1])
            if self._poi_candidates(alt):
                slots = alt
                scope, note = self.scope(slots)
        notes = [note] if note else []
        if slots.road:
            res = self._on_roads(slots, scope, notes)
            if res is not None:
                return res
        if slots.landmark:
            res = self._landmark(slots, scope, notes)
            if res is not None:
                return res
        if scope is not None:
            pt = self.admin_point(scope)
            if pt is not None:
                level, x, y = pt
                why = "；".join([*notes, f"仅定位到{scope.name} placed at the {level} centre"])
                return self._done(level, x, y, 1.0, why)
            if scope.ambiguous:
                notes.append(f"{scope.name}不唯一 the area name is ambiguous")
            elif scope.level <= 2:
                notes.append(f"仅有{scope.name}，范围过大 only the prefecture is named")
            else:
                notes.append(f"{scope.name}无中心坐标 the area has no centre")
        if slots.vague or not notes:
            notes.append("地点文字不含道路、地标或行政区 no road, landmark or area in the text")
        return Resolution(reason="；".join(notes))

    def _on_roads(
        self, slots: PlaceSlots, scope: _Scope | None, notes: list[str]
    ) -> Resolution | None:
        ra, all_a, why_a = self.road_candidates(slots.road, scope)
        if slots.cross_road:
            _, all_b, why_b = self.road_candidates(slots.cross_road, scope)
            if all_a and all_b:
                res = self._at_intersection(slots, scope, all_a, all_b, notes)
                if res is not None:
                    return res
            elif why_b:
                notes.append(why_b)
        if why_a:
            notes.append(why_a)
        if not ra:
            return None
        if (
            slots.ref_kind == "intersection"
            and not slots.cross_road
            and (slots.distance_m or slots.bearing)
        ):  # O6: "A路口北约N米" names one road of the junction
            notes.append(
                f"只写明{slots.road}路口，未写明相交道路，偏移无法量取 only one road of the "
                "junction is named"
            )
        if slots.stake_km is not None:
            res = self._at_stake(slots, ra, notes)
            if res is not None:
                return res
        if slots.landmark:
            res = self._landmark(slots, scope, notes, roads=ra)
            if res is not None:
                return res
        return self._road_level(slots, scope, ra, notes)

    def _road_level(self, slots, scope, ra, notes) -> Resolution | None:
        best = ra[0][1].score
        top = [(rid, c) for rid, c in ra if c.score >= best - 1e-9]
        ids = sorted({rid for rid, _ in top})
        if len(ids) > 1 and all(c.how == "ref" for _, c in top):
            # a route code (G319) carried by several named stretches: one route; use the
            # stretch known by the code itself, else the longest
            code = top[0][1].name
            ids = sorted(ids, key=lambda r: (self._road_name[r] != code, -self._road_length[r], r))[
                :1
            ]
            top = [t for t in top if t[0] == ids[0]]
        if len(ids) > 1:
            pts = [self.road_point(r, scope, slots.section) for r in ids]
            if _spread(pts) > self.spread_m:
                notes.append(f"同名道路{len(ids)}条，无法确定 {len(ids)} roads share the name")
                for r, (x, y) in zip(ids, pts, strict=True):
                    self._offer(x, y, "road", self._road_name[r], score=best, note=r)
                return None
        rid, cand = top[0]
        x, y = self.road_point(rid, scope, slots.section)
        length = self._road_length[rid]
        size = 1.0 if length < 1000 else 0.85 if length < 3000 else 0.7
        why = [*notes, f"仅定位到道路{self._road_name[rid]} placed on the road ({_how(cand)})"]
        d_out = self.road_scope_distance(rid, scope)
        if d_out is not None and d_out > ON_BOUNDARY_M:  # T2: just outside, within the margin
            size *= OUTSIDE_FACTOR
            why.append(self._outside_note(d_out, scope))
        elif scope is not None:
            part = self._road_part_note(rid, scope)
            if part:
                why.append(part)
        return self._done(
            "road", x, y, cand.score * size, "；".join(why), road=self._road_name[rid], road_id=rid
        )

    def _at_intersection(self, slots, scope, ra, rb, notes) -> Resolution | None:
        best, top = self._best_intersection(ra, rb, scope)
        level_note = ""
        if best is None:
            near = self._nearest_approach(ra, rb)
            if near is None:
                notes.append(f"{slots.road}与{slots.cross_road}不相交 the roads do not meet")
                return None
            d, x, y, score, rid_a, rid_b = near
            if not self.in_scope(x, y, scope):
                notes.append("两路最近处不在所述区域内 nearest approach outside the named area")
                return None
            score *= 0.85
            level_note = f"两路未相交，取最近处（{d:.0f}米） nearest approach ({d:.0f} m)"
            iid = ""
        else:
            score, x, y, iid, rid_a, rid_b = best
            notes.extend(self.outside_notes(x, y, scope))
            if len(top) > 1 and _spread([(t[1], t[2]) for t in top]) > self.spread_m:
                notes.append(
                    f"{slots.road}与{slots.cross_road}有{len(top)}处相交 the roads meet "
                    f"{len(top)} times"
                )
                for t in top:
                    self._offer(
                        t[1],
                        t[2],
                        "intersection",
                        self._road_name[t[4]],
                        self._road_name[t[5]],
                        t[0],
                        t[3],
                    )
                return None
        road, cross = self._road_name[rid_a], self._road_name[rid_b]
        cands = [
            {
                "road": road,
                "cross_road": cross,
                "x": x,
                "y": y,
                "level": "intersection",
                "score": round(score, 3),
            }
        ]
        if slots.distance_m:
            return self._offset(slots, scope, x, y, score, rid_a, rid_b, level_note, notes, cands)
        reason = "；".join([*notes, level_note or f"{road}与{cross}交叉口 intersection {iid}"])
        return self._done(
            "intersection",
            x,
            y,
            score,
            reason,
            road=road,
            cross=cross,
            road_id=rid_a,
            candidates=cands,
        )

    def _offset(self, slots, scope, x, y, score, rid_a, rid_b, level_note, notes, cands):
        """Rules O1–O6: the point `distance_m` along road A or B from their junction."""
        dist = float(slots.distance_m)
        road, cross = self._road_name[rid_a], self._road_name[rid_b]
        reach = max(PROBE_M, dist)
        directed = bool(slots.bearing or slots.toward)  # else O6: no walk is needed
        walks = [
            w
            for order, rid in enumerate((rid_a, rid_b) if directed else ())
            for w in self._walk(rid, x, y, order, reach)
        ]
        along = self._along_road(slots, (rid_a, rid_b))
        if along is not None:  # O4: the road travelled (沿A) is the road walked
            walks = [w for w in walks if w.road == along] or walks
        chosen, rule = self._choose_walk(slots, scope, x, y, walks, dist, (rid_a, rid_b))
        if chosen is None:  # O6: a distance with no usable direction: the junction
            if not directed:
                why = "方向未写明 no direction written"
            elif not walks:
                why = "沿路无法量取 the road cannot be walked"
            else:  # a bearing always picks a walk: only a toward can fail
                why = f"“{slots.toward}”方向不明 direction “{slots.toward}” not found"
            reason = "；".join(
                [
                    *notes,
                    *([level_note] if level_note else []),
                    f"距{road}与{cross}交叉口约{dist:.0f}米，{why}，取路口 at the intersection",
                ]
            )
            # within 50 m the junction is the place; farther, the point is only "near the
            # junction", so the level says road and the 50 m measures never count it
            return self._done(
                "intersection" if dist <= 50 else "road",
                x,
                y,
                score * (0.9 if dist <= 50 else 0.7 if dist <= 150 else 0.5),
                reason,
                road=road,
                cross=cross,
                road_id=rid_a,
                candidates=cands,
            )
        if rule in ("O3", "O2") and chosen is not None:
            want = self._wanted_bearing(slots, scope, x, y)
            if want is not None and angle_diff(initial_bearing(chosen), want) > 67.5:
                notes.append("道路走向与方位不符 no road runs that way")
                score *= 0.8
        qx, qy = chosen.point(dist)
        rid = chosen.road
        on = self._road_name[rid]
        other = cross if rid == rid_a else road
        where = slots.bearing or f"往{slots.toward}方向"
        reason = "；".join(
            [
                *notes,
                *([level_note] if level_note else []),
                f"{on}与{other}交叉口{where}{dist:.0f}米 offset along {on} ({rule})",
            ]
        )
        return self._done(
            "road_offset",
            qx,
            qy,
            score,
            reason,
            road=on,
            cross=other,
            road_id=rid,
            candidates=cands,
        )

    def _milestones_on(self, rid: str) -> tuple[shapely.LineString, np.ndarray, np.ndarray] | None:
        """The road's first line, its milestones' km (sorted, unique) and their positions
        along that line (metres); None with fewer than two milestones. Cached per road."""
        if rid not in self._stakes:
            ms = self.area.milestones
            refs = self._road_refs.get(rid, frozenset())
            rows = ms[ms["ref"].isin(refs)] if len(ms) and refs else ms.iloc[:0]
            found = None
            if len(rows) >= 2:
                g = rows.geometry.to_numpy()
                mx, my = self.area.to_metric(shapely.get_x(g), shapely.get_y(g))
                km = rows["distance_km"].to_numpy(float)
                line = self.lines(rid)[0]
                s = shapely.line_locate_point(line, shapely.points(mx, my))
                order = np.argsort(km, kind="stable")
                km, s = km[order], s[order]
                km, first = np.unique(km, return_index=True)  # two carriageways: one each
                found = (line, km, s[first])
            self._stakes[rid] = found
        return self._stakes[rid]

    def _at_stake(self, slots, ra, notes) -> Resolution | None:
        rid, cand = ra[0]
        table = self._milestones_on(rid)
        if table is None:
            notes.append("无里程桩数据，按道路定位 no milestones for this road")
            return None
        line, km, s = table
        want = float(slots.stake_km)
        if len(km) < 2 or not km[0] - _STAKE_BEYOND_KM <= want <= km[-1] + _STAKE_BEYOND_KM:
            notes.append(f"桩号K{want:g}超出里程桩范围 stake outside the milestones")
            return None
        score = cand.score * 0.95
        what = f"{self._road_name[rid]}桩号K{want:g}"
        if km[0] <= want <= km[-1]:
            pos = float(np.interp(want, km, s))
            what += "（里程桩内插） stake interpolated between milestones"
        else:  # beyond the end: on along the route, at the nearest two milestones' rate
            i, j = (0, 1) if want < km[0] else (-1, -2)
            rate = (s[i] - s[j]) / (km[i] - km[j])  # metres along the line per km, signed
            if not 500.0 <= abs(rate) <= 2000.0:  # milestones misplaced: a km is a km
                rate = math.copysign(1000.0, rate) if rate else 0.0
            pos = float(s[i] + (want - km[i]) * rate)
            if not rate or not -50.0 <= pos <= line.length + 50.0:
                notes.append(f"桩号K{want:g}超出道路终点 the stake lies beyond the end of the road")
                return None
            pos = min(max(pos, 0.0), line.length)
            gap = abs(want - km[i]) * 1000.0
            what += (
                f"（距里程桩K{km[i]:g}约{gap:.0f}米，按里程外推） stake extrapolated "
                f"{gap:.0f} m beyond the milestones"
            )
            score *= 0.9
        p = line.interpolate(pos)
        reason = "；".join([*notes, what])
        return self._done(
            "road_offset",
            p.x,
            p.y,
            score,
            reason,
            road=self._road_name[rid],
            road_id=rid,
        )

    def _landmark(self, slots, scope, notes, roads=None) -> Resolution | None:
        """Rules L1–L4: a landmark on its named road, else on its nearest road, then offset."""
        found = self._poi_candidates(slots)
        inside = [c for c in found if self.in_scope(*self._poi[c.target], scope)]
        if inside and self.scope_units(scope) is not None:  # T2: inside before the margin
            xy = np.array([self._poi[c.target] for c in inside], dtype=float)
            d_in = self.scope_distance(xy[:, 0], xy[:, 1], scope)
            inside = [c for c, d in zip(inside, d_in, strict=True) if d <= ON_BOUNDARY_M] or inside
        if not inside:
            if not roads and slots.landmark.endswith(("桥", "隧道")):  # L4: a named way
                ra, _, _ = self.road_candidates(slots.landmark, scope)
                if ra:
                    notes.append(f"“{slots.landmark}”按道路定位 the bridge/tunnel is a named way")
                    return self._road_level(slots, scope, ra, notes)
            notes.append(f"未找到地标“{slots.landmark}” landmark not found")
            return None
        best = inside[0].score
        top = [c for c in inside if c.score >= best - 1e-9]
        pts = [self._poi[c.target] for c in top]
        if roads:
            near = []
            for c in top:
                p = shapely.Point(self._poi[c.target])
                d = min(self._road_geom(rid).distance(p) for rid, _ in roads[:3])
                near.append((d, c))
            near.sort(key=lambda t: (t[0], t[1].target))
            if near[0][0] <= _LANDMARK_ROAD_M:
                top = [near[0][1]]
                pts = [self._poi[top[0].target]]
        if len(top) > 1 and _spread(pts) > self.spread_m:
            notes.append(f"同名地标{len(top)}处 {len(top)} landmarks share the name")
            for c, (x, y) in zip(top, pts, strict=True):
                self._offer(x, y, "landmark", c.name, score=c.score, note=c.target)
            return None
        c = top[0]
        px, py = self._poi[c.target]
        p = shapely.Point(px, py)
        road = rid = ""
        score = c.score
        d_out = self.scope_distance(px, py, scope)
        if d_out is not None and d_out[0] > ON_BOUNDARY_M:  # T2: just outside, in the margin
            score *= OUTSIDE_FACTOR
            notes.append(self._outside_note(float(d_out[0]), scope))
        if roads:  # L1: the point of the named road nearest the landmark
            rid = min(roads[:3], key=lambda t: self._road_geom(t[0]).distance(p))[0]
            g = self._road_geom(rid)
            if g.distance(p) <= _LANDMARK_ROAD_M:
                q = shapely.get_point(shapely.shortest_line(p, g), 1)
                px, py, road = q.x, q.y, self._road_name[rid]
            else:
                notes.append(
                    f"地标距{self._road_name[rid]}超过{_LANDMARK_ROAD_M:.0f}米 the landmark is "
                    "far from the named road"
                )
                rid = ""
        if not road:  # L2: the point of the nearest road within 300 m, else the POI itself
            i = self._tree.query_nearest(p, max_distance=_LANDMARK_NEAREST_M)
            if len(i):
                e = int(sorted(i)[0])
                q = shapely.get_point(shapely.shortest_line(p, self._edge_geom[e]), 1)
                px, py = q.x, q.y
                rid = str(self._edge_road[e])
                road = self._road_name.get(rid, "")
            else:
                notes.append(
                    f"{_LANDMARK_NEAREST_M:.0f}米内无道路，取地标本身 no road within "
                    f"{_LANDMARK_NEAREST_M:.0f} m, placed at the landmark"
                )
                score *= 0.8
        where = "门口" if slots.gate else "附近"
        what = f"地标{c.name}{where}（{_how(c)}） landmark"
        if slots.distance_m and rid:  # L3: N metres along that road, toward the bearing
            dist = float(slots.distance_m)
            walks = self._walk(rid, px, py, 0, max(PROBE_M, dist))
            chosen, rule = self._choose_walk(slots, scope, px, py, walks, dist, (rid,))
            if chosen is not None:
                px, py = chosen.point(dist)
                what += f"；沿{road}{slots.bearing or '往' + slots.toward}{dist:.0f}米 ({rule})"
            else:
                notes.append(f"距地标约{dist:.0f}米，方向未写明 no direction written")
                score *= 0.9
        reason = "；".join([*notes, what])
        return self._done("landmark", px, py, score, reason, road=road, road_id=rid)

    # --- offsets and landmarks (rules O1–O6, L1–L5 of docs/geocode.md) -----------------

    def _poi_candidates(self, slots: PlaceSlots) -> list[Candidate]:
        """POIs the landmark may name, best first (a stop also by its base name, L4)."""
        cands: list[Candidate] = []
        names = [slots.landmark]
        for end in _STOP_ENDS:
            base = slots.landmark[: -len(end)]
            if slots.landmark.endswith(end) and len(base) >= 2:
                names += [base + "站", base + "公交站", base]
                break
        for k, name in enumerate(names):
            # the parser strips the admin prefix: "示范市第一人民医院" is named with it
            for prefix in ("", *slots.admin[::-1], "".join(slots.admin)):
                matched = self.matcher.match(prefix + name, "poi")
                cands = [c for c in matched if c.target in self._poi]
                if cands and cands[0].score >= 0.9:
                    break
            if cands and k:  # the stop's neighbour, not the stop itself
                cands = [replace(c, score=c.score * 0.95) for c in cands]
            if cands:
                return cands
        return cands

    def _along_road(self, slots: PlaceSlots, rids: tuple[str, ...]) -> str | None:
        """The road id among `rids` the text says is travelled (沿A, rule O4), or None."""
        if not slots.along:
            return None
        names = {c.name for c in self.matcher.match(slots.along, "road") if c.score >= 0.8}
        for rid in rids:
            if self._road_name[rid] in names:
                return rid
        return None

    def _wanted_bearing(self, slots, scope, x, y) -> float | None:
        """The compass bearing the text asks for: a bearing word, a heading, or toward C."""
        if slots.bearing in BEARING_DEG:
            return BEARING_DEG[slots.bearing]
        if slots.toward in BEARING_DEG:  # 由西向东: the heading
            return BEARING_DEG[slots.toward]
        target = self._target_point(slots.toward, scope, near=(x, y))
        if target is None or math.hypot(target[0] - x, target[1] - y) < 1.0:
            return None
        return math.degrees(math.atan2(target[0] - x, target[1] - y)) % 360

    def _toward_road(self, text: str, exclude: tuple[str, ...]) -> BaseGeometry | None:
        """The lines of the road named `text` (rule O1), or None when `text` names a place.

        Only a name ending as a road does (路, 街, 大道 … or a route code) and not as an admin
        unit does (街道, 镇 …) is looked up as a road; anything else is a place (O2).
        """
        if not text or text in BEARING_DEG:
            return None
        key = (text, exclude)
        if key not in self._c_lines:
            self._c_lines[key] = self._find_toward_road(text, exclude)
        return self._c_lines[key]

    def _find_toward_road(self, text: str, exclude: tuple[str, ...]) -> BaseGeometry | None:
        road_like = _ROAD_SUFFIX_TAIL.search(text) or _CODE_AT.fullmatch(text)
        if not road_like or _ADMIN_SUFFIX.search(text):
            return None  # a place by its name (德山, 河湾火车站, 和平街道): O2
        cands = [c for c in self.matcher.match(text, "road") if c.score >= 0.8]
        if not cands:
            return None
        top = {c.name for c in cands if c.score >= cands[0].score - 1e-9}
        ids = [r for n in sorted(top) for r in self._road_ids_of_name.get(n, [])]
        ids = [r for r in ids if r not in exclude]
        lines = [ln for r in ids for ln in self.lines(r)]
        if not lines:
            return None
        geom = shapely.multilinestrings(lines)
        shapely.prepare(geom)  # tested against up to four walks
        return geom

    def _choose_walk(self, slots, scope, x, y, walks, dist, exclude) -> tuple[Walk | None, str]:
        """The walk the text asks for, and the rule that chose it (O1, O2 or O3)."""
        if not walks:
            return None, ""
        if slots.bearing in BEARING_DEG or slots.toward in BEARING_DEG:
            return choose_by_bearing(walks, self._wanted_bearing(slots, scope, x, y)), "O3"
        if not slots.toward:
            return None, ""
        c_lines = self._toward_road(slots.toward, exclude)
        if c_lines is not None:
            found = [self._crossing(w, c_lines, slots.toward, exclude, x, y) for w in walks]
            chosen = choose_toward_road(walks, found, dist)
            if chosen is not None:
                return chosen, "O1"
        want = self._wanted_bearing(slots, scope, x, y)
        if want is None:
            return None, ""
        return choose_by_bearing(walks, want), "O2"

    def _crossing(self, walk, c_lines, toward, exclude, x, y) -> float | None:
        """Distance along `walk` to its first crossing with road C within 3 km (O1)."""
        key = (walk.road, toward, exclude)
        if key not in self._hits:
            self._hits[key] = [line_hits(ln, c_lines) for ln in self.lines(walk.road)]
        d = line_crossing(walk, self._hits[key][walk.line])
        if d is None and walk.room < CROSSING_LIMIT_M and len(self.lines(walk.road)) > 1:
            # the road goes on in another of its lines: walk the whole 3 km
            far = self._walk(walk.road, x, y, walk.order, CROSSING_LIMIT_M)
            same = [w for w in far if w.line == walk.line and w.forward == walk.forward]
            d = first_crossing(same[0], c_lines) if same else None
        return d

    # --- territories ---------------------------------------------------------------------

    def scope_units(self, scope: _Scope | None) -> tuple[str, ...] | None:
        """The admin units whose polygons make up `scope`'s territory; None without polygons.

        The named unit's own polygon (every alternative of an ambiguous name), else the
        polygons of the townships of its territory when each of them has one (a village is
        in its township's). None means the nearest-centre territories apply.
        """
        if scope is None or not len(self._terr):
            return None
        if scope not in self._scope_units:
            named = scope.codes if scope.ambiguous else scope.codes[:1]
            units = None
            if self._terr.has(named):
                units = tuple(named)
            elif scope.territory and self._terr.has(scope.territory):
                units = tuple(sorted(scope.territory))
            self._scope_units[scope] = units
        return self._scope_units[scope]

    def scope_distance(self, x: Any, y: Any, scope: _Scope | None) -> np.ndarray | None:
        """Metres from metric points to `scope`'s polygons (0 inside), ``inf`` beyond
        `scope_margin_m`; None when the scope has no polygons."""
        units = self.scope_units(scope)
        if units is None:
            return None
        return self._terr.point_distance(units, x, y, within=self.scope_margin_m)

    def road_scope_distance(self, road_id: str, scope: _Scope | None) -> float | None:
        """Metres from the road to `scope`'s polygons (0 when it reaches them), ``inf``
        beyond `scope_margin_m`; None when the scope has no polygons."""
        units = self.scope_units(scope)
        if units is None:
            return None
        key = (road_id, units)
        if key not in self._road_dist:
            g = self._road_geom(road_id)
            self._road_dist[key] = float(
                self._terr.distance(units, [g], within=self.scope_margin_m)[0]
            )
        return self._road_dist[key]

    def outside_notes(self, x: float, y: float, scope: _Scope | None) -> list[str]:
        """The reason to add when the intersection at (x, y) was taken just outside `scope`."""
        note = self._outside.get((x, y, scope)) if scope is not None else None
        return [note] if note else []

    def _nearest_outside(self, road_ids: list[str], scope: _Scope) -> float | None:
        """Metres from the nearest of `road_ids` to `scope`'s polygons (None: no polygons)."""
        units = self.scope_units(scope)
        shape = self._terr.shape(units) if units is not None else None
        if shape is None or not road_ids:
            return None
        return min(float(shapely.distance(self._road_geom(r), shape)) for r in road_ids)

    def _outside_note(self, d: float, scope: _Scope) -> str:
        return f"位于{scope.name}边界外约{d:.0f}米 just outside the named area ({d:.0f} m)"

    def _road_part_note(self, road_id: str, scope: _Scope) -> str:
        """T3: the reason when a road leaves the named area and its part inside was taken.

        With polygons, when the road is longer than its part inside; without, when the
        road reaches townships outside the named area's nearest-centre territory.
        """
        units = self.scope_units(scope)
        if units is None:
            towns = self._road_towns.get(road_id, frozenset())
            if not scope.territory or not towns - scope.territory:
                return ""
        else:
            lines = self.lines(road_id)
            parts = [self._terr.part_in(units, ln) for ln in lines]
            inside = sum(p[3] for p in parts if p is not None and p[2] == 0.0)
            if inside >= sum(ln.length for ln in lines) - 1.0:
                return ""
        return (
            f"取{self._road_name[road_id]}在{scope.name}境内的路段 the part of the road "
            f"inside the named area"
        )


def _spread(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    arr = np.asarray(points, float)
    return float(np.hypot(*(arr.max(axis=0) - arr.min(axis=0))))


def _how(c: Candidate) -> str:
    return {
        "exact": "名称一致",
        "alias": "别名",
        "ref": "编号",
        "fuzzy": "近似匹配",
        "pinyin": "同音",
    }.get(c.how, c.how) + f" {c.how}"
