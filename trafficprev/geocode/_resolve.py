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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..area._admin import admin_scopes
from ..area._build import to_metric_geoms
from ._match import Candidate
from ._parse import PlaceSlots

if TYPE_CHECKING:
    from ..area import Area

__all__ = ["Resolution", "Resolver"]

_BEARING_DEG = {
    "北": 0,
    "东北": 45,
    "东": 90,
    "东南": 135,
    "南": 180,
    "西南": 225,
    "西": 270,
    "西北": 315,
}
_SECTION_AXIS = {"东段": (1, 0), "西段": (-1, 0), "北段": (0, 1), "南段": (0, -1)}
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
    """

    def __init__(
        self,
        area: Area,
        *,
        max_road_gap_m: float = 100.0,
        border_m: float = 400.0,
        spread_m: float = 250.0,
    ) -> None:
        self.area = area
        self.max_road_gap_m = max_road_gap_m
        self.border_m = border_m
        self.spread_m = spread_m
        edges = area.edges
        self._edge_geom = to_metric_geoms(edges.geometry.to_numpy(), area.to_metric)
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
        self._pending: list[dict[str, Any]] = []  # candidates an ambiguous step left over

    # --- helpers -------------------------------------------------------------------------

    def territory(self, code: str) -> frozenset[str]:
        """Level-4 codes making up the territory of admin unit `code`."""
        return self._territory.get(code, frozenset())

    def in_scope(self, x: float, y: float, scope: _Scope | None) -> bool:
        """Whether metric point (x, y) lies in `scope` (with the border tolerance)."""
        if scope is None or not scope.territory or self._town_tree is None:
            return True
        k = min(12, len(self._town_codes))
        d, i = self._town_tree.query((x, y), k=k)
        d, i = np.atleast_1d(d), np.atleast_1d(i)
        inside = np.fromiter((c in scope.territory for c in self._town_codes[i]), bool, len(i))
        return bool(inside.any() and d[inside].min() <= d[0] + self.border_m)

    def in_scope_many(self, x: np.ndarray, y: np.ndarray, scope: _Scope | None) -> np.ndarray:
        """:meth:`in_scope` for arrays of metric points."""
        if scope is None or not scope.territory or self._town_tree is None:
            return np.ones(len(x), dtype=bool)
        k = min(12, len(self._town_codes))
        d, i = self._town_tree.query(np.column_stack([x, y]), k=k)
        d, i = d.reshape(len(x), -1), i.reshape(len(x), -1)
        inside = np.isin(self._town_codes[i], list(scope.territory))
        best = np.where(inside, d, np.inf).min(axis=1)
        return inside.any(axis=1) & (best <= d[:, 0] + self.border_m)

    def road_in_scope(self, road_id: str, scope: _Scope | None) -> bool:
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
                for c in self.area.matcher.match(name, "admin")
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
        a road-level answer uses only roads in scope.
        """
        if not text:
            return [], [], ""
        cands = self.area.matcher.match(text, "road")
        every = [(rid, c) for c in cands for rid in self._road_ids_of_name.get(c.name, [])]
        inside = [(rid, c) for rid, c in every if self.road_in_scope(rid, scope)]
        note = ""
        if not cands:
            note = f"未找到道路“{text}” road not found"
        elif not inside and scope is not None:
            note = f"“{text}”不在{scope.name}内 road not in the named area"
        return inside, every, note

    def _best_intersection(
        self, ra: list[tuple[str, Candidate]], rb: list[tuple[str, Candidate]], scope: _Scope | None
    ):
        found: list[tuple[float, float, float, str, str, str]] = []
        for rid_a, ca in ra:
            for rid_b, cb in rb:
                for x, y, iid in self._inters.get(frozenset((rid_a, rid_b)), []):
                    if self.in_scope(x, y, scope):
                        found.append((ca.score * cb.score, x, y, iid, rid_a, rid_b))
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

    def _walk(self, road_id: str, x: float, y: float, dist: float) -> list[tuple[float, float]]:
        """Points `dist` metres from (x, y) along the road, both ways."""
        p = shapely.Point(x, y)
        lines = self.lines(road_id)
        d = [ln.distance(p) for ln in lines]
        out = []
        for ln, dd in zip(lines, d, strict=True):
            if dd > min(d) + 40:
                continue
            s0 = ln.project(p)
            for s in (s0 - dist, s0 + dist):
                if 0 <= s <= ln.length:
                    q = ln.interpolate(s)
                    out.append((q.x, q.y))
        return out

    def _target_point(self, text: str, scope: _Scope | None) -> tuple[float, float] | None:
        """A point for the place named after 往/向 (a road, a landmark or an admin unit)."""
        if not text:
            return None
        for kind in ("admin", "poi", "road"):
            for c in self.area.matcher.match(text, kind)[:1]:
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
        dist = float(slots.distance_m)
        road, cross = self._road_name[rid_a], self._road_name[rid_b]
        options = [
            (rid, qx, qy) for rid in (rid_a, rid_b) for qx, qy in self._walk(rid, x, y, dist)
        ]
        want = _BEARING_DEG.get(slots.bearing)
        target = self._target_point(slots.toward, scope) if want is None else None
        if not options or (want is None and target is None):
            why = "方向不明" if options else "沿路无法量取"
            if dist <= 50:
                reason = "；".join(
                    [*notes, f"距路口约{dist:.0f}米，{why}，取路口 at the intersection ({why})"]
                )
                return self._done(
                    "intersection",
                    x,
                    y,
                    score * 0.9,
                    reason,
                    road=road,
                    cross=cross,
                    road_id=rid_a,
                    candidates=cands,
                )
            reason = "；".join(
                [
                    *notes,
                    f"距{road}与{cross}路口约{dist:.0f}米，{why}，取路口 "
                    f"within {dist:.0f} m of the intersection, direction unknown",
                ]
            )
            return self._done(
                "road",
                x,
                y,
                score * 0.9,
                reason,
                road=road,
                cross=cross,
                road_id=rid_a,
                candidates=cands,
            )
        if want is not None:

            def cost(o):
                ang = math.degrees(math.atan2(o[1] - x, o[2] - y)) % 360
                diff = abs((ang - want + 180) % 360 - 180)
                return (round(diff / 10), 0 if o[0] == rid_a else 1)
        else:

            def cost(o):
                return (
                    round(math.hypot(o[1] - target[0], o[2] - target[1]) / 10),
                    0 if o[0] == rid_a else 1,
                )

        options.sort(key=cost)
        rid, qx, qy = options[0]
        if want is not None:
            ang = math.degrees(math.atan2(qx - x, qy - y)) % 360
            if abs((ang - want + 180) % 360 - 180) > 67.5:
                notes.append("道路走向与方位不符 no road runs that way")
                score *= 0.8
        on = self._road_name[rid]
        other = cross if rid == rid_a else road
        where = slots.bearing or f"往{slots.toward}方向"
        reason = "；".join(
            [
                *notes,
                *([level_note] if level_note else []),
                f"{on}与{other}交叉口{where}{dist:.0f}米 offset along {on}",
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

    def _at_stake(self, slots, ra, notes) -> Resolution | None:
        ms = self.area.milestones
        rid, cand = ra[0]
        refs = self._road_refs.get(rid, frozenset())
        rows = ms[ms["ref"].isin(refs)] if len(ms) else ms
        if len(rows) < 2:
            notes.append("无里程桩数据，按道路定位 no milestones for this road")
            return None
        g = rows.geometry.to_numpy()
        mx, my = self.area.to_metric(shapely.get_x(g), shapely.get_y(g))
        km = rows["distance_km"].to_numpy(float)
        line = self.lines(rid)[0]
        s = np.array([line.project(shapely.Point(a, b)) for a, b in zip(mx, my, strict=True)])
        order = np.argsort(km)
        km, s = km[order], s[order]
        want = float(slots.stake_km)
        if want < km[0] - 1 or want > km[-1] + 1:
            notes.append(f"桩号K{want:g}超出里程桩范围 stake outside the milestones")
            return None
        pos = float(np.interp(want, km, s))
        p = line.interpolate(pos)
        reason = "；".join(
            [
                *notes,
                f"{self._road_name[rid]}桩号K{want:g}（里程桩内插） stake "
                "interpolated between milestones",
            ]
        )
        return self._done(
            "road_offset",
            p.x,
            p.y,
            cand.score * 0.95,
            reason,
            road=self._road_name[rid],
            road_id=rid,
        )

    def _landmark(self, slots, scope, notes, roads=None) -> Resolution | None:
        cands: list[Candidate] = []
        # the parser strips the admin prefix: "示范市第一人民医院" is named with it
        for prefix in ("", *slots.admin[::-1], "".join(slots.admin)):
            cands = [
                c
                for c in self.area.matcher.match(prefix + slots.landmark, "poi")
                if c.target in self._poi
            ]
            if cands and cands[0].score >= 0.9:
                break
        inside = [c for c in cands if self.in_scope(*self._poi[c.target], scope)]
        if not inside:
            notes.append(
                f"未找到地标“{slots.landmark}” landmark not found"
                + ("（或不在所述区域内）" if cands else "")
            )
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
            if near[0][0] <= 400:
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
        road = ""
        rid = ""
        if roads:
            rid = min(roads[:3], key=lambda t: self._road_geom(t[0]).distance(p))[0]
            g = self._road_geom(rid)
            if g.distance(p) <= 400:
                q = shapely.get_point(shapely.shortest_line(p, g), 1)
                px, py, road = q.x, q.y, self._road_name[rid]
            else:
                rid = ""
        if not road:
            i = self._tree.query_nearest(p, max_distance=150)
            if len(i):
                e = int(sorted(i)[0])
                q = shapely.get_point(shapely.shortest_line(p, self._edge_geom[e]), 1)
                px, py = q.x, q.y
                rid = str(self.area.edges["road_id"].iat[e])
                road = self._road_name.get(rid, "")
        where = "门口" if slots.gate else "附近"
        reason = "；".join([*notes, f"地标{c.name}{where}（{_how(c)}） landmark"])
        return self._done("landmark", px, py, c.score, reason, road=road, road_id=rid)


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
