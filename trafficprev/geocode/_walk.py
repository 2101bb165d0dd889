"""Walks from a point along a road's lines: the geometry of offsets and landmark offsets.

An offset text ("人民路与建设路交叉口往解放路方向约300米处", "阳光小区东侧约100米") names a
start point on a road and a distance along it. From the start there are two walks on each
carriageway line of the road: forward and backward. :func:`walks_from` lists them (continuing
onto the next line of the same road where a line ends, so a road that line merging left in
parts is walked as one); :func:`first_crossing` measures how far a walk goes before it
meets another road; :func:`initial_bearing` is the direction of its first 50 m;
:func:`choose_toward_road` and :func:`choose_by_bearing` apply the rules O1–O3 of
``docs/geocode.md``; :meth:`Walk.point` is the point N metres along (O5).

Everything is in metres, in the area's metric CRS; this module knows nothing of names.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from ..coords import COMPASS

__all__ = [
    "BEARING_DEG",
    "CROSSING_LIMIT_M",
    "PROBE_M",
    "Walk",
    "angle_diff",
    "choose_by_bearing",
    "choose_toward_road",
    "first_crossing",
    "initial_bearing",
    "line_arrays",
    "line_crossing",
    "line_hits",
    "walks_from",
]

#: Compass words to degrees clockwise from north.
BEARING_DEG: dict[str, float] = {word: 45.0 * k for k, word in enumerate(COMPASS)}
#: A walk meets the road it is walked toward within this distance, or not at all (O1).
CROSSING_LIMIT_M = 3000.0
#: The initial direction of a walk is measured over this length (O2, O3).
PROBE_M = 50.0
#: Lines of the road farther from the start than the nearest one plus this are not walked.
_LINE_SLACK_M = 40.0
#: A crossing closer than this to the start is the start itself, not a crossing ahead.
_AT_START_M = 1.0
#: Line ends closer than this continue into each other.
_JOIN_M = 2.0


@dataclass(frozen=True, eq=False)
class Walk:
    """One way of walking a road from a start point.

    Attributes
    ----------
    road
        The key of the road walked (the caller's road id).
    order
        The rank of the road in the text (0 for the first-named road A, 1 for B): the
        tie-break of O1–O3.
    xy
        The walk's vertices, starting at the start point, as far as the road goes (at most
        the reach asked for when the walks were made).
    cum
        The distance along the walk of each vertex.
    gap
        How far the start asked for is from the line walked: of a dual carriageway's two
        lines, the nearer is walked when all else is equal.
    line, s0, forward, room
        The road line the walk starts on (its index), the start's distance along it, the
        way walked, and how far that line goes on that way (the walk may continue on
        another line of the road beyond it).
    """

    road: str
    order: int
    xy: list[tuple[float, float]]
    cum: list[float]
    gap: float = 0.0
    line: int = 0
    s0: float = 0.0
    forward: bool = True
    room: float = 0.0

    @property
    def length(self) -> float:
        """How far the road goes on this walk (metres)."""
        return self.cum[-1]

    @cached_property
    def path(self) -> LineString:
        """The walk as a line."""
        return shapely.linestrings(np.asarray(self.xy, dtype=float))

    @cached_property
    def bearing(self) -> float:
        """Direction of the first 50 m (:func:`initial_bearing`), degrees from north."""
        return _bearing(self, PROBE_M)

    def point(self, dist: float) -> tuple[float, float]:
        """The point `dist` metres along the walk (O5), at the road's end if it is shorter."""
        cum, xy = self.cum, self.xy
        d = min(max(dist, 0.0), cum[-1])
        k = bisect.bisect_left(cum, d)
        if k == 0:
            return xy[0]
        span = cum[k] - cum[k - 1]
        t = (d - cum[k - 1]) / span if span > 0 else 0.0
        (x0, y0), (x1, y1) = xy[k - 1], xy[k]
        return x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def _bearing(walk: Walk, probe: float) -> float:
    x0, y0 = walk.xy[0]
    x1, y1 = walk.point(probe)
    return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0


def angle_diff(a: float, b: float) -> float:
    """The absolute difference of two compass angles in degrees (0–180)."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def initial_bearing(walk: Walk, probe: float = PROBE_M) -> float:
    """Direction of the walk's first `probe` metres, degrees clockwise from north."""
    return walk.bearing if probe == PROBE_M else _bearing(walk, probe)


Arrays = list[tuple[np.ndarray, np.ndarray]]


def line_arrays(lines: Sequence[LineString]) -> Arrays:
    """Each line's vertices ``(n, 2)`` and the distance along it of each vertex."""
    out = []
    for ln in lines:
        xy = shapely.get_coordinates(ln)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        out.append((xy, cum))
    return out


def _extend(
    path: list[tuple[float, float]],
    cum: list[float],
    xy: np.ndarray,
    lc: np.ndarray,
    s0: float,
    reach: float,
    forward: bool,
) -> bool:
    """Append to `path` the line's vertices from `s0` one way, up to `reach` metres of path.

    `lc` is the distance along the line of each vertex of `xy`, so the path's own distances
    follow from it without measuring again. Returns whether the walk reached `reach` (False:
    the line ended first).
    """
    base = cum[-1]
    room = reach - base
    if forward:
        k = int(lc.searchsorted(s0, "right"))
        end = max(k, int(lc.searchsorted(s0 + room, "left")))
        path.extend(map(tuple, xy[k:end].tolist()))
        cum.extend((base + (lc[k:end] - s0)).tolist())
        nxt = end if end < len(lc) else None
    else:
        k = int(lc.searchsorted(s0, "left"))  # vertices before s0, walked backwards
        end = min(k, int(lc.searchsorted(s0 - room, "right")))
        path.extend(map(tuple, xy[end:k][::-1].tolist()))
        cum.extend((base + (s0 - lc[end:k][::-1])).tolist())
        nxt = end - 1 if end > 0 else None
    if nxt is None:
        return False
    (x0, y0), (x1, y1) = path[-1], xy[nxt].tolist()
    seg = abs(float(lc[nxt]) - s0) + base - cum[-1]
    t = (reach - cum[-1]) / seg if seg > 0 else 0.0
    path.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
    cum.append(reach)
    return True


def _continue(path: list[tuple[float, float]], arrays: Arrays, used: set[int]):
    """The next line of the road leaving the end of `path` (straightest first)."""
    (px, py), (ex, ey) = path[-2], path[-1]
    heading = math.atan2(ex - px, ey - py)
    best = None
    for i, (xy, _) in enumerate(arrays):
        if i in used or len(xy) < 2:
            continue
        ends = xy[[0, 1, -1, -2]].tolist()
        for first, second, forward in ((ends[0], ends[1], True), (ends[2], ends[3], False)):
            if math.hypot(first[0] - ex, first[1] - ey) <= _JOIN_M:
                ang = math.atan2(second[0] - first[0], second[1] - first[1])
                turn = abs((ang - heading + math.pi) % (2 * math.pi) - math.pi)
                if best is None or turn < best[0]:
                    best = (turn, i, forward)
    return best


def walks_from(
    lines: Sequence[LineString],
    x: float,
    y: float,
    *,
    road: str = "",
    order: int = 0,
    reach: float = CROSSING_LIMIT_M,
    arrays: Arrays | None = None,
) -> list[Walk]:
    """The walks along a road's lines from the point nearest to (x, y), both ways.

    Parameters
    ----------
    lines
        The road's lines (carriageways, or parts line merging left apart).
    x, y
        The start; it is moved to the nearest point of each line walked.
    road, order
        Carried into each :class:`Walk`.
    reach
        How far each walk is followed (metres); beyond a line's end it continues on a line
        of the same road that starts there (the straightest one).
    arrays
        :func:`line_arrays` of `lines`, when the caller keeps them.

    Returns
    -------
    list of Walk
        Two walks per line within 40 m of the nearest line (fewer where the start is at a
        line's end).
    """
    if not lines:
        return []
    arrays = arrays if arrays is not None else line_arrays(lines)
    p = shapely.points(x, y)
    dists = shapely.distance(lines, p) if len(lines) > 1 else np.zeros(1)
    near = float(dists.min())
    out: list[Walk] = []
    for i, (ln, d) in enumerate(zip(lines, dists, strict=True)):
        xy, lc = arrays[i]
        length = float(lc[-1])
        if d > near + _LINE_SLACK_M or length <= 0:
            continue
        s0 = float(shapely.line_locate_point(ln, p))
        k = min(max(int(lc.searchsorted(s0, "right")), 1), len(lc) - 1)
        span = float(lc[k] - lc[k - 1])
        t = (s0 - float(lc[k - 1])) / span if span > 0 else 0.0
        (x0, y0), (x1, y1) = xy[k - 1 : k + 1].tolist()
        for forward in (True, False):
            room = length - s0 if forward else s0
            if room <= 1e-9:
                continue
            path, cum = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0))], [0.0]
            used = {i}
            done = _extend(path, cum, xy, lc, s0, reach, forward)
            while not done and len(path) > 1:
                nxt = _continue(path, arrays, used)
                if nxt is None:
                    break
                _, j, fwd = nxt
                used.add(j)
                xj, cj = arrays[j]
                done = _extend(path, cum, xj, cj, 0.0 if fwd else float(cj[-1]), reach, fwd)
            if len(path) > 1:
                out.append(Walk(road, order, path, cum, float(d), i, s0, forward, room))
    return out


def first_crossing(
    walk: Walk, other: BaseGeometry, limit: float = CROSSING_LIMIT_M
) -> float | None:
    """Distance along `walk` to where it first meets `other` (beyond its start), or None.

    Meetings closer than 1 m to the start (a road C through the junction itself) and beyond
    `limit` metres do not count. Pass `other` prepared (:func:`shapely.prepare`) when it is
    tested against several walks.
    """
    path = walk.path
    if not shapely.intersects(other, path):  # cheap when `other` is prepared
        return None
    pts = shapely.get_coordinates(shapely.intersection(path, other))
    if not len(pts):
        return None
    s = shapely.line_locate_point(path, shapely.points(pts))
    s = s[(s >= _AT_START_M) & (s <= limit)]
    return float(s.min()) if len(s) else None


def line_hits(line: LineString, other: BaseGeometry) -> np.ndarray:
    """Distances along `line` where it meets `other`, sorted (empty when it does not)."""
    if not shapely.intersects(other, line):  # cheap when `other` is prepared
        return np.empty(0)
    pts = shapely.get_coordinates(shapely.intersection(line, other))
    if not len(pts):
        return np.empty(0)
    return np.sort(shapely.line_locate_point(line, shapely.points(pts)))


def line_crossing(walk: Walk, hits: np.ndarray, limit: float = CROSSING_LIMIT_M) -> float | None:
    """:func:`first_crossing` from the :func:`line_hits` of the walk's own line.

    Counts the meetings on the line the walk starts on, ahead of the start, within `limit`;
    None when there is none there (the caller walks on when ``walk.room < limit`` and the
    road has more lines).
    """
    d = (hits - walk.s0) if walk.forward else (walk.s0 - hits)
    d = d[(d >= _AT_START_M) & (d <= min(limit, walk.room))]
    return float(d.min()) if len(d) else None


def _clockwise_key(walk: Walk) -> tuple[int, int, float]:
    """Ties: the first-named road, the nearer carriageway, then clockwise from north."""
    return (walk.order, round(walk.gap), round(initial_bearing(walk), 1))


def choose_toward_road(walks: Sequence[Walk], crossings: Sequence[float | None], dist: float):
    """The walk of rule O1: toward the road C that it meets, `dist` metres on.

    Walks with a crossing at ``d ≥ 0.8·dist`` are preferred, the one with the smallest
    ``d`` first; if none has, the walk whose ``d`` is closest to `dist`; ties (to the
    metre) go to the first-named road, then to the walk whose direction comes first
    clockwise from north. Walks that do not meet C are not chosen.

    Returns
    -------
    Walk or None
        None when no walk meets C (rule O2 then applies).
    """
    met = [(w, d) for w, d in zip(walks, crossings, strict=True) if d is not None]
    if not met:
        return None
    ahead = [(w, d) for w, d in met if d >= 0.8 * dist]
    if ahead:
        return min(ahead, key=lambda t: (round(t[1]), *_clockwise_key(t[0])))[0]
    return min(met, key=lambda t: (round(abs(t[1] - dist)), *_clockwise_key(t[0])))[0]


def choose_by_bearing(walks: Sequence[Walk], bearing: float) -> Walk | None:
    """The walk of rules O2/O3: initial direction closest to `bearing` (ties: road A first).

    Differences are compared to the degree; among equal ones the first-named road wins,
    then the direction first clockwise from north.
    """
    if not walks:
        return None
    return min(
        walks, key=lambda w: (round(angle_diff(initial_bearing(w), bearing)), *_clockwise_key(w))
    )
