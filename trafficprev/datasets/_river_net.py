"""The noded road network of 河湾市 and the truth geometry of its place texts.

Internal helpers for :mod:`trafficprev.datasets.rivertown`. The truth points are computed here
from the written rules of ``/docs`` (offsets O1–O7, landmarks L1–L4), on the generator's own
network, never with :mod:`trafficprev.geocode`:

- O1: from the A∩B junction, up to four walks (A and B, each way); ``d`` = the distance along
  the walk to its first crossing with C (within 3 km). Walks with ``d >= 0.8 N`` are preferred,
  the smallest ``d`` among them; else the walk whose ``d`` is closest to ``N``; ties → A, then
  the walk whose direction comes first clockwise from north. The point is N m along the walk
  (not clipped at C; only where the road itself ends, the walk ends there).
- O2: C a place (or a road no walk meets): the walk whose initial direction (first 50 m) is
  closest to the bearing from the junction to C; tie → A.
- O3: a bearing word: the walk whose initial direction is closest to the bearing; tie → A.
- L1: landmark X and road Y: the point of Y nearest X. L2: no road: the point of the nearest
  road (within 300 m; else X). L3: from that point, N m along that road, the walk closest to
  the bearing.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..coords import COMPASS
from . import _world_roads as wr

WALK_LIMIT = 3_000.0  # metres a walk looks for C
BEARINGS = {word: 45.0 * k for k, word in enumerate(COMPASS)}


def bearing_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Compass bearing (degrees clockwise from north) from ``a`` to ``b`` (local metres)."""
    d = np.asarray(b, float) - np.asarray(a, float)
    return (math.degrees(math.atan2(d[0], d[1])) + 360.0) % 360.0


def angle_diff(a: float, b: float) -> float:
    """Absolute difference of two bearings, 0–180."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def compass(deg: float) -> str:
    """The 8-point compass word of a bearing."""
    return COMPASS[int(((deg + 22.5) % 360.0) // 45.0)]


@dataclass
class Walk:
    """A walk from a junction along one road: its name, polyline, and the nodes it passes."""

    road: str
    pts: np.ndarray
    nodes: list[int]
    cum: np.ndarray

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def initial(self) -> float:
        """Bearing of the first 50 m."""
        return bearing_deg(self.pts[0], wr.at(self.pts, min(50.0, self.length)))

    def point(self, s: float) -> np.ndarray:
        return wr.at(self.pts, s)


class Network:
    """Nodes, ways and names of the noded network, with walks and nearest points.

    Parameters
    ----------
    pts
        Node coordinates (local metres), indexed by node id.
    ways
        ``(node ids, name or None, ref or None)`` per way.
    """

    def __init__(self, pts: np.ndarray, ways: list[tuple[list[int], str | None, str | None]]):
        self.pts = pts
        self.adj: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
        self.names: dict[int, set[str]] = defaultdict(set)
        seg_a, seg_b, seg_name = [], [], []
        for nodes, name, _ref in ways:
            for a, b in itertools.pairwise(nodes):
                self.adj[a].append((b, name))
                self.adj[b].append((a, name))
                seg_a.append(a)
                seg_b.append(b)
                seg_name.append(name or "")
            if name:
                for n in nodes:
                    self.names[n].add(name)
        self.seg_a = np.array(seg_a)
        self.seg_b = np.array(seg_b)
        self.seg_name = np.array(seg_name, dtype=object)
        self.A = pts[self.seg_a]
        self.B = pts[self.seg_b]

    # --- junctions -------------------------------------------------------------------------

    def junctions(self, a: str, b: str) -> list[int]:
        """Nodes shared by roads ``a`` and ``b``."""
        return sorted(n for n, s in self.names.items() if a in s and b in s)

    def junction_pairs(self) -> dict[tuple[str, str], int]:
        """Every pair of named roads that meet at exactly one node (or one cluster < 30 m)."""
        meets: dict[tuple[str, str], list[int]] = defaultdict(list)
        for n, s in self.names.items():
            for a in s:
                for b in s:
                    if a < b:
                        meets[(a, b)].append(n)
        out = {}
        for key, nodes in sorted(meets.items()):
            p = self.pts[nodes]
            if np.hypot(*(p - p[0]).T).max() < 30.0:
                out[key] = nodes[0]
        return out

    # --- walks -----------------------------------------------------------------------------

    def walk(self, start: int, first: int, road: str, limit: float) -> Walk:
        """Walk from ``start`` through ``first`` along ``road``, straightest way at forks."""
        nodes = [start, first]
        seen = {start, first}
        total = float(np.hypot(*(self.pts[first] - self.pts[start])))
        while total < limit:
            cur, prev = nodes[-1], nodes[-2]
            d0 = self.pts[cur] - self.pts[prev]
            best = None
            for nxt, name in self.adj[cur]:
                if name != road or nxt in seen:
                    continue
                d1 = self.pts[nxt] - self.pts[cur]
                cos = float(d0 @ d1) / max(float(np.hypot(*d0) * np.hypot(*d1)), 1e-9)
                if best is None or cos > best[0]:
                    best = (cos, nxt)
            if best is None:
                break
            nodes.append(best[1])
            seen.add(best[1])
            total += float(np.hypot(*(self.pts[best[1]] - self.pts[cur])))
        pts = self.pts[nodes]
        return Walk(road, pts, nodes, wr.cumlen(pts))

    def walks(self, node: int, road: str, limit: float = WALK_LIMIT + 2_000.0) -> list[Walk]:
        """The walks leaving ``node`` along ``road`` (one per edge of that road at the node)."""
        firsts = sorted({n for n, name in self.adj[node] if name == road})
        return [self.walk(node, f, road, limit) for f in firsts]

    def walks_from_point(self, p: np.ndarray, seg: int, limit: float = 4_000.0) -> list[Walk]:
        """The two walks leaving point ``p`` on segment ``seg`` along its road."""
        a, b = int(self.seg_a[seg]), int(self.seg_b[seg])
        road = self.seg_name[seg]
        out = []
        for end, other in ((a, b), (b, a)):
            rest = self.walk(other, end, road, limit) if road else None
            tail = rest.pts[1:] if rest is not None else self.pts[[end]]
            pts = np.vstack([p[None], tail])
            keep = np.concatenate([[True], np.hypot(*np.diff(pts, axis=0).T) > 1e-6])
            pts = pts[keep]
            if len(pts) >= 2:
                out.append(Walk(road, pts, [], wr.cumlen(pts)))
        return out

    def cross_distance(self, w: Walk, c: str, limit: float = WALK_LIMIT) -> float | None:
        """Distance along ``w`` to its first node on road ``c`` (None beyond ``limit``)."""
        for k, n in enumerate(w.nodes[1:], start=1):
            if w.cum[k] > limit:
                return None
            if c in self.names.get(n, ()):
                return float(w.cum[k])
        return None

    # --- nearest points ----------------------------------------------------------------------

    def nearest(self, p: np.ndarray, road: str | None = None) -> tuple[np.ndarray, float, int]:
        """The point of ``road`` (any road when None) nearest ``p``: (point, distance, segment)."""
        sel = np.flatnonzero(self.seg_name == road) if road else np.arange(len(self.seg_a))
        a, b = self.A[sel], self.B[sel]
        d = b - a
        dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)
        t = np.clip(np.einsum("ij,ij->i", p - a, d) / dd, 0.0, 1.0)
        q = a + t[:, None] * d
        dist = np.hypot(*(q - p).T)
        k = int(np.argmin(dist))
        return q[k], float(dist[k]), int(sel[k])

    def road_points(self, road: str) -> np.ndarray:
        """Segment midpoints of ``road`` (for sampling points on it)."""
        sel = self.seg_name == road
        return (self.A[sel] + self.B[sel]) / 2.0


# --- the rules ------------------------------------------------------------------------------


def _clockwise_key(w: Walk) -> float:
    return w.initial()


def pick_toward_road(net: Network, j: int, a: str, b: str, c: str, n: float):
    """Rule O1 (falling back to O2 with C's nearest point when no walk meets C)."""
    walks = [(0, w) for w in net.walks(j, a)] + [(1, w) for w in net.walks(j, b)]
    scored = [(net.cross_distance(w, c), k, w) for k, w in walks]
    met = [(d, k, w) for d, k, w in scored if d is not None]
    if not met:
        target, _, _ = net.nearest(net.pts[j], c)
        return pick_bearing(walks, bearing_deg(net.pts[j], target)), "O2"
    pref = [x for x in met if x[0] >= 0.8 * n]
    if pref:
        best = min(pref, key=lambda x: (round(x[0], 1), x[1], _clockwise_key(x[2])))
    else:
        best = min(met, key=lambda x: (round(abs(x[0] - n), 1), x[1], _clockwise_key(x[2])))
    return best[2], "O1"


def pick_bearing(walks: list[tuple[int, Walk]], deg: float) -> Walk:
    """Rules O2/O3: the walk whose initial direction is closest to ``deg``; tie → A."""
    return min(walks, key=lambda x: (round(angle_diff(x[1].initial(), deg), 1), x[0]))[1]


def junction_walks(net: Network, j: int, a: str, b: str) -> list[tuple[int, Walk]]:
    """The (order, walk) pairs of O1–O3: A's walks (order 0) then B's (order 1)."""
    return [(0, w) for w in net.walks(j, a)] + [(1, w) for w in net.walks(j, b)]


def landmark_point(net: Network, x: np.ndarray, road: str | None) -> tuple[np.ndarray, int]:
    """Rules L1/L2: the point of ``road`` nearest the landmark, else of the nearest road within
    300 m, else the landmark itself (segment -1)."""
    q, d, seg = net.nearest(x, road)
    if road is None and d > 300.0:
        return np.asarray(x, float), -1
    return q, seg


def landmark_offset(net: Network, p: np.ndarray, seg: int, deg: float, n: float) -> np.ndarray:
    """Rule L3: from ``p`` on segment ``seg``, ``n`` m along the walk closest to ``deg``."""
    walks = net.walks_from_point(p, seg)
    w = min(walks, key=lambda w: angle_diff(w.initial(), deg))
    return w.point(n)
