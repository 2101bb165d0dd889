"""Road geometry of the demo city 示范市 (合成演示数据 / synthetic demo data, not a real place).

Internal helpers for :mod:`trafficprev.datasets._world`. Everything here works in a local metric
frame: ``x`` metres east and ``y`` metres north of (:data:`LON0`, :data:`LAT0`), which is close
to Changde's real centre so that the real CRS choices (UTM 49N, CGCS2000 Gauss–Krüger) apply.

:func:`urban_roads`, :func:`rural_roads` and :func:`village_links` lay out road centre lines as
:class:`Road` polylines; :func:`apply_river` marks bridges and cuts roads that may not cross the
river; :func:`node_roads` turns the polylines into an OpenStreetMap-like network: crossings and
touching ends become shared junction nodes, roads are split into ways at junctions, and the
short overshoots used to build T-junctions are trimmed away.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

LON0 = 111.69
LAT0 = 29.03
M_PER_DEG_LAT = 110_950.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
EXTENT = (-36_000.0, 16_000.0, -14_000.0, 14_000.0)  # xmin, xmax, ymin, ymax
RING_A, RING_B, RING_Y0 = 10_500.0, 9_800.0, -300.0  # the ring road, a superellipse
CX = 300.0  # 建设路: splits the urban districts into west and east
COUNTY_X = -13_000.0  # west of this lies the rural county
BANK = 125.0  # the bank roads run this far (north-south) from the river's centre line
HUB = (CX, 900.0)  # 人民广场 roundabout
TOL = 0.5  # metres: a road end this close to another road joins it
MERGE = 2.0  # metres: junction points closer than this are one node


@dataclass
class Road:
    """A road centre line (or one carriageway) before noding, in local metres."""

    pts: np.ndarray
    highway: str
    name: str | None = None
    ref: str | None = None
    oneway: bool = False
    junction: str | None = None
    closed: bool = False
    may_bridge: bool = False
    bridge_name: str | None = None
    split: str = "all"  # split into ways at "all", "some" or "none" of its junctions
    trim: bool = True  # drop overshooting dangling ends shorter than the trim length
    bridge: np.ndarray | None = None  # per segment, set by apply_river


def to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres to WGS-84 (lon, lat), each rounded to 7 decimals."""
    xy = np.asarray(xy, dtype=float)
    lon = np.round(LON0 + xy[..., 0] / M_PER_DEG_LON, 7)
    lat = np.round(LAT0 + xy[..., 1] / M_PER_DEG_LAT, 7)
    return lon, lat


def river_y(x: np.ndarray | float) -> np.ndarray:
    """North coordinate of the river 澄江's centre line at ``x`` (it flows west to east)."""
    x = np.asarray(x, dtype=float)
    west = 1.0 / (1.0 + np.exp((x + 12_000.0) / 2_500.0))
    return (
        -1_400.0
        + 600.0 * np.sin(x / 5_200.0 + 0.6)
        + 220.0 * np.sin(x / 1_900.0 + 1.3)
        + 1_800.0 * np.sin(x / 9_000.0) * west
    )


def river_line() -> np.ndarray:
    """The river's centre line across the whole prefecture, vertices every 150 m."""
    x = np.arange(EXTENT[0], EXTENT[1] + 1.0, 150.0)
    return np.column_stack([x, river_y(x)])


def ring_point(t: np.ndarray) -> np.ndarray:
    """Points of the ring road at angle parameter ``t`` (radians, counter-clockwise)."""
    c, s = np.cos(t), np.sin(t)
    x = RING_A * np.sign(c) * np.sqrt(np.abs(c))
    y = RING_Y0 + RING_B * np.sign(s) * np.sqrt(np.abs(s))
    return np.column_stack([x, y])


def in_ring(x: np.ndarray, y: np.ndarray, grow: float = 0.0) -> np.ndarray:
    """Whether points lie inside the ring road, grown outwards by ``grow`` metres."""
    return (np.asarray(x) / (RING_A + grow)) ** 4 + (
        (np.asarray(y) - RING_Y0) / (RING_B + grow)
    ) ** 4 <= 1.0


# ---------------------------------------------------------------------------------------------
# polyline helpers


def cumlen(pts: np.ndarray) -> np.ndarray:
    """Cumulative arc length at each vertex."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])


def at(pts: np.ndarray, s: float) -> np.ndarray:
    """The point at arc length ``s`` (clipped to the line)."""
    c = cumlen(pts)
    s = min(max(s, 0.0), c[-1])
    k = int(min(np.searchsorted(c, s, side="right") - 1, len(pts) - 2))
    f = (s - c[k]) / (c[k + 1] - c[k])
    return pts[k] + f * (pts[k + 1] - pts[k])


def _dedupe(pts: np.ndarray) -> np.ndarray:
    keep = np.concatenate([[True], np.hypot(*np.diff(pts, axis=0).T) > 1e-6])
    return pts[keep]


def split_at(pts: np.ndarray, cuts: list[float]) -> list[np.ndarray]:
    """Split a polyline at arc lengths ``cuts``; consecutive pieces share the cut point."""
    c = cumlen(pts)
    cuts = sorted(x for x in cuts if 1e-6 < x < c[-1] - 1e-6)
    pieces, cur, ci = [], [pts[0]], 0
    for k in range(1, len(pts)):
        while ci < len(cuts) and cuts[ci] < c[k]:
            f = (cuts[ci] - c[k - 1]) / (c[k] - c[k - 1])
            p = pts[k - 1] + f * (pts[k] - pts[k - 1])
            cur.append(p)
            pieces.append(_dedupe(np.array(cur)))
            cur, ci = [p], ci + 1
        cur.append(pts[k])
    pieces.append(_dedupe(np.array(cur)))
    return [p for p in pieces if len(p) >= 2]


def insert_at(pts: np.ndarray, cuts: list[float]) -> np.ndarray:
    """The polyline with extra vertices at arc lengths ``cuts``."""
    pieces = split_at(pts, cuts)
    return np.vstack([pieces[0], *[p[1:] for p in pieces[1:]]])


def runs(pts: np.ndarray, mask: np.ndarray, min_len: float = 0.0) -> list[np.ndarray]:
    """Maximal runs of consecutive points where ``mask`` holds, at least ``min_len`` long."""
    out = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a >= 2 and cumlen(pts[a:b])[-1] >= max(min_len, 1.0):
            out.append(pts[a:b])
    return out


def straight_runs(p0, p1, mask_fn, step: float = 5.0, min_len: float = 0.0) -> list[np.ndarray]:
    """The straight line p0→p1 clipped by ``mask_fn(x, y)``, as two-point runs."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    n = max(2, int(np.hypot(*(p1 - p0)) / step) + 1)
    pts = p0 + np.linspace(0.0, 1.0, n)[:, None] * (p1 - p0)
    return [r[[0, -1]] for r in runs(pts, mask_fn(pts[:, 0], pts[:, 1]), min_len)]


def offset(pts: np.ndarray, h: np.ndarray | float) -> np.ndarray:
    """The polyline shifted ``h`` metres to the right of its direction (mitred corners)."""
    d = np.diff(pts, axis=0)
    d /= np.hypot(*d.T)[:, None]
    n_seg = np.column_stack([d[:, 1], -d[:, 0]])
    n_v = np.vstack([n_seg[:1], n_seg[:-1] + n_seg[1:], n_seg[-1:]])
    n_v /= np.hypot(*n_v.T)[:, None]
    cos = np.ones(len(pts))
    cos[1:-1] = np.einsum("ij,ij->i", n_v[1:-1], n_seg[:-1])
    return pts + n_v * (np.broadcast_to(h, (len(pts),)) / np.maximum(cos, 0.5))[:, None]


def dual(
    center: np.ndarray, taper: tuple[bool, bool] = (False, False), h: float = 12.5, **attrs
) -> list[Road]:
    """Two one-way carriageways ``2h`` apart (traffic keeps right); tapered ends meet."""
    total = cumlen(center)[-1]
    lt = min(150.0, total / 3.0)
    center = insert_at(center, [s for s, on in ((lt, taper[0]), (total - lt, taper[1])) if on])
    s = cumlen(center)
    w = np.ones(len(center))
    if taper[0]:
        w = np.minimum(w, s / lt)
    if taper[1]:
        w = np.minimum(w, (total - s) / lt)
    fwd = offset(center, h * w)
    back = offset(center, -h * w)[::-1]
    return [Road(fwd, oneway=True, **attrs), Road(back, oneway=True, **attrs)]


def wiggle(
    way: list,
    rng: np.random.Generator,
    amp: float,
    step: float = 220.0,
    amps: list[float] | None = None,
) -> np.ndarray:
    """A rural road through the waypoints ``way``, meandering up to ``amp`` metres."""
    way = [np.asarray(p, float) for p in way]
    out = [way[0]]
    for i, (a, b) in enumerate(itertools.pairwise(way)):
        length = float(np.hypot(*(b - a)))
        n = max(1, int(length // step))
        ph = rng.uniform(0.0, 2 * np.pi, 2)
        leg_amp = min(amps[i] if amps is not None else amp, 0.08 * length)
        if n > 1 and leg_amp > 0:
            f = np.arange(1, n) / n
            nrm = np.array([-(b - a)[1], (b - a)[0]]) / length
            off = (
                leg_amp
                * np.sin(np.pi * f)
                * (0.7 * np.sin(2 * np.pi * f + ph[0]) + 0.3 * np.sin(5 * np.pi * f + ph[1]))
            )
            out.extend(a + f[:, None] * (b - a) + off[:, None] * nrm)
        out.append(b)
    return np.array(out)


def circle(c, r: float, n: int = 16) -> np.ndarray:
    """A counter-clockwise polygon (not closed) approximating a circle."""
    a = 2 * np.pi * np.arange(n) / n
    return np.column_stack([c[0] + r * np.cos(a), c[1] + r * np.sin(a)])


def cut_disc(pts: np.ndarray, c, rr: float) -> list[np.ndarray]:
    """The parts of a polyline outside the disc of radius ``rr`` around ``c``."""
    c = np.asarray(c, float)
    inside = np.hypot(*(pts - c).T) < rr
    if not inside.any():
        d = pts[1:] - pts[:-1]
        f = np.clip(np.einsum("ij,ij->i", c - pts[:-1], d) / np.einsum("ij,ij->i", d, d), 0, 1)
        if (np.hypot(*(pts[:-1] + f[:, None] * d - c).T) >= rr).all():
            return [pts]
    pieces, cur, out = [], ([pts[0]] if not inside[0] else []), not inside[0]
    for k in range(1, len(pts)):
        a, d = pts[k - 1], pts[k] - pts[k - 1]
        qa, qb, qc = d @ d, 2 * d @ (a - c), (a - c) @ (a - c) - rr * rr
        disc = qb * qb - 4 * qa * qc
        if disc > 0:
            root = math.sqrt(disc)
            for t in sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa))):
                if 0.0 < t < 1.0:
                    p = a + t * d
                    if out:
                        pieces.append(np.array([*cur, p]))
                        cur, out = [], False
                    else:
                        cur, out = [p], True
        if out:
            cur.append(pts[k])
    if out and len(cur) >= 2:
        pieces.append(np.array(cur))
    return [_dedupe(p) for p in pieces if len(p) >= 2 and cumlen(p)[-1] > 1.0]


def seg_cross(a1, b1, a2, b2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crossings of segment sets (broadcast): (hit, t along the first, u along the second)."""
    d1, d2, w = b1 - a1, b2 - a2, a2 - a1
    den = d1[..., 0] * d2[..., 1] - d1[..., 1] * d2[..., 0]
    ok = np.abs(den) > 1e-9
    den = np.where(ok, den, 1.0)
    t = (w[..., 0] * d2[..., 1] - w[..., 1] * d2[..., 0]) / den
    u = (w[..., 0] * d1[..., 1] - w[..., 1] * d1[..., 0]) / den
    eps = 1e-9
    return ok & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps), t, u


def poly_hits(p: np.ndarray, q: np.ndarray) -> list[tuple[float, float, np.ndarray]]:
    """Crossings of polylines ``p`` and ``q`` as (arc length on p, arc length on q, point)."""
    hit, t, u = seg_cross(p[:-1, None], p[1:, None], q[None, :-1], q[None, 1:])
    cp, cq = cumlen(p), cumlen(q)
    out = []
    for i, j in zip(*np.nonzero(hit), strict=True):
        sp = cp[i] + t[i, j] * (cp[i + 1] - cp[i])
        out.append(
            (
                float(sp),
                float(cq[j] + u[i, j] * (cq[j + 1] - cq[j])),
                p[i] + t[i, j] * (p[i + 1] - p[i]),
            )
        )
    out.sort(key=lambda h: h[0])
    return [h for k, h in enumerate(out) if k == 0 or h[0] - out[k - 1][0] > 1.0]


def _direction(pts: np.ndarray, s: float) -> np.ndarray:
    d = at(pts, s + 1.0) - at(pts, s - 1.0)
    return d / np.hypot(*d)


def slip_lanes(a: list[Road], b: list[Road], back: float = 45.0) -> list[Road]:
    """``primary_link`` right-turn slip lanes at the crossing of two dual carriageways."""
    out = []
    for x, y in [(r, q) for r in a for q in b] + [(q, r) for r in a for q in b]:
        for sx, sy, p in poly_hits(x.pts, y.pts):
            dx, dy = _direction(x.pts, sx), _direction(y.pts, sy)
            if dx[0] * dy[1] - dx[1] * dy[0] < -0.5:  # a right turn from x onto y
                p0, p1 = at(x.pts, sx - back), at(y.pts, sy + back)
                f = np.linspace(0.0, 1.0, 7)[:, None]
                curve = (1 - f) ** 2 * p0 + 2 * f * (1 - f) * p + f**2 * p1
                out.append(Road(curve, "primary_link", oneway=True, trim=False))
    return out


# ---------------------------------------------------------------------------------------------
# river


def apply_river(
    roads: list[Road], river: np.ndarray, span: float = 80.0, gap: float = 150.0
) -> tuple[list[Road], int]:
    """Bridge the roads that may cross the river; cut the others back from it.

    Returns the new road list and the number of roads that had to be cut.
    """
    out, n_cut = [], 0
    for r in roads:
        hits = [] if r.closed else poly_hits(r.pts, river)
        if not hits:
            out.append(r)
            continue
        total = cumlen(r.pts)[-1]
        if r.may_bridge:
            cuts = sorted(c for s, _, _ in hits for c in (s - span, s + span))
            pts = insert_at(r.pts, cuts)
            mid = (pts[:-1] + pts[1:]) / 2.0
            smid = cumlen(pts)[:-1] + np.hypot(*(pts[1:] - pts[:-1]).T) / 2.0
            flags = np.zeros(len(mid), dtype=bool)
            for s, _, _ in hits:
                flags |= np.abs(smid - s) < span
            out.append(replace(r, pts=pts, bridge=flags))
        else:
            n_cut += 1
            keep, lo = [], 0.0
            for s, _, _ in hits:
                keep.append((lo, s - gap))
                lo = s + gap
            keep.append((lo, total))
            for piece in split_at(r.pts, [c for a, b in keep for c in (a, b)]):
                mid = at(piece, cumlen(piece)[-1] / 2)
                smid = _arc_of(r.pts, mid)
                if any(a <= smid <= b for a, b in keep) and cumlen(piece)[-1] > 30.0:
                    out.append(replace(r, pts=piece))
    return out, n_cut


def _arc_of(pts: np.ndarray, p: np.ndarray) -> float:
    """Arc length of the point of ``pts`` nearest to ``p``."""
    d = pts[1:] - pts[:-1]
    f = np.clip(np.einsum("ij,ij->i", p - pts[:-1], d) / np.einsum("ij,ij->i", d, d), 0, 1)
    k = int(np.argmin(np.hypot(*(pts[:-1] + f[:, None] * d - p).T)))
    return float(cumlen(pts)[k] + f[k] * np.hypot(*d[k]))


# ---------------------------------------------------------------------------------------------
# noding: polylines -> nodes and ways


@dataclass
class Way:
    """A noded way: point ids (into the points array), its road and whether it is a bridge."""

    nodes: list[int]
    road: Road
    bridge: bool


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        parent = self.parent
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _segments(roads: list[Road], nv: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, ...]:
    """The straight segments of all roads, one entry each: start and end point ids, road,
    index along the road, on a bridge, and the number of segments of its road."""
    sa, sb, srd, sk, sbr, sn = [], [], [], [], [], []
    for ri, r in enumerate(roads):
        n = nv[ri]
        k = np.arange(n - 1 + (1 if r.closed else 0))
        sa.append(base[ri] + k)
        sb.append(base[ri] + (k + 1) % n)
        srd.append(np.full(len(k), ri))
        sk.append(k)
        sbr.append(r.bridge if r.bridge is not None else np.zeros(len(k), dtype=bool))
        sn.append(np.full(len(k), len(k)))
    sa, sb, srd, sk = map(np.concatenate, (sa, sb, srd, sk))
    sbr, sn = np.concatenate(sbr), np.concatenate(sn)
    return sa, sb, srd, sk, sbr, sn


def _merged_points(pts: np.ndarray) -> _UnionFind:
    """The points merged into one node when closer than :data:`MERGE` metres."""
    uf = _UnionFind(len(pts))
    cells = np.floor(pts / MERGE).astype(np.int64)
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, (cx, cy) in enumerate(cells.tolist()):
        buckets.setdefault((cx, cy), []).append(i)
    for i, (cx, cy) in enumerate(cells.tolist()):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in buckets.get((cx + dx, cy + dy), ()):
                    if j > i and math.dist(pts[i], pts[j]) < MERGE:
                        uf.union(i, j)
    return uf


def _node_sequences(
    roads: list[Road],
    nv: np.ndarray,
    base: np.ndarray,
    events: list[tuple[int, float, int]],
    uf: _UnionFind,
) -> list[tuple[list[int], list[bool]]]:
    """Each road as its sequence of (merged) nodes, vertices and junction `events` in order
    along it, with whether each piece between two nodes lies on a bridge."""
    by_road: list[list[tuple[float, int]]] = [[] for _ in roads]
    for ri, param, pid in events:
        by_road[ri].append((param, pid))
    seqs = []
    for ri, r in enumerate(roads):
        n = int(nv[ri])
        items = [(float(k), int(base[ri] + k % n)) for k in range(n + (1 if r.closed else 0))]
        items = sorted(items + by_road[ri])
        nodes: list[int] = []
        params: list[float] = []
        for param, pid in items:
            root = uf.find(pid)
            if not nodes or nodes[-1] != root:
                nodes.append(root)
                params.append(param)
        nseg = n - 1 + (1 if r.closed else 0)
        flags = [
            bool(r.bridge[min(int((a + b) / 2), nseg - 1)]) if r.bridge is not None else False
            for a, b in itertools.pairwise(params)
        ]
        seqs.append((nodes, flags))
    return seqs


def node_roads(
    roads: list[Road], rng: np.random.Generator, trim: float = 150.0
) -> tuple[np.ndarray, list[Way]]:
    """Node the road polylines into ways split at junctions.

    Crossings of two roads (except on bridges) and road ends lying on another road become shared
    nodes; points closer than :data:`TOL` merge. Dangling ends shorter than ``trim`` metres (the
    overshoots used to build T-junctions) are dropped from roads with ``trim`` set.

    Returns
    -------
    points, ways
        Coordinates indexed by point id, and the ways in a deterministic order.
    """
    nv = np.array([len(r.pts) for r in roads])
    base = np.concatenate([[0], np.cumsum(nv)])[:-1]
    pts_list = [np.vstack([r.pts for r in roads])]
    sa, sb, srd, sk, sbr, sn = _segments(roads, nv, base)
    closed = np.array([r.closed for r in roads])
    vtx = pts_list[0]
    A, B = vtx[sa], vtx[sb]  # noqa: N806 - segment start and end points
    lo, hi = np.minimum(A, B) - TOL, np.maximum(A, B) + TOL
    n_seg, n_pts = len(A), len(vtx)
    events: list[tuple[int, float, int]] = []
    extra: list[np.ndarray] = []
    # crossings
    for i0 in range(0, n_seg, 512):
        i = np.arange(i0, min(i0 + 512, n_seg))
        ov = (
            (lo[i, None, 0] <= hi[None, :, 0])
            & (hi[i, None, 0] >= lo[None, :, 0])
            & (lo[i, None, 1] <= hi[None, :, 1])
            & (hi[i, None, 1] >= lo[None, :, 1])
        )
        ov &= np.arange(n_seg)[None, :] > i[:, None]
        ii, jj = np.nonzero(ov)
        ii = i[ii]
        same = srd[ii] == srd[jj]
        gap = np.abs(sk[ii] - sk[jj])
        adj = same & ((gap <= 1) | (closed[srd[ii]] & (gap == sn[ii] - 1)))
        keep = ~adj & ~sbr[ii] & ~sbr[jj]
        ii, jj = ii[keep], jj[keep]
        hit, t, u = seg_cross(A[ii], B[ii], A[jj], B[jj])
        for a, b, ta, ub in zip(ii[hit], jj[hit], t[hit], u[hit], strict=True):
            pid = n_pts + len(extra)
            extra.append(A[a] + ta * (B[a] - A[a]))
            events.append((int(srd[a]), float(sk[a] + ta), pid))
            events.append((int(srd[b]), float(sk[b] + ub), pid))
    # ends lying on other roads
    ends = [(ri, 0, base[ri]) for ri in range(len(roads)) if not closed[ri]]
    ends += [(ri, 1, base[ri] + nv[ri] - 1) for ri in range(len(roads)) if not closed[ri]]
    ends.sort()
    e_road = np.array([e[0] for e in ends])
    e_last = np.array([e[1] for e in ends], dtype=bool)
    e_pid = np.array([e[2] for e in ends])
    d = B - A
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)
    for c0 in range(0, len(ends), 256):
        c = np.arange(c0, min(c0 + 256, len(ends)))
        p = vtx[e_pid[c]]
        near = (
            (p[:, None, 0] >= lo[None, :, 0])
            & (p[:, None, 0] <= hi[None, :, 0])
            & (p[:, None, 1] >= lo[None, :, 1])
            & (p[:, None, 1] <= hi[None, :, 1])
        )
        ci, sj = np.nonzero(near)
        own = (srd[sj] == e_road[c[ci]]) & np.where(
            e_last[c[ci]], sk[sj] == sn[sj] - 1, sk[sj] == 0
        )
        keep = ~own & ~sbr[sj]
        ci, sj = ci[keep], sj[keep]
        pp = p[ci]
        t = np.clip(np.einsum("ij,ij->i", pp - A[sj], d[sj]) / dd[sj], 0.0, 1.0)
        dist = np.hypot(*(A[sj] + t[:, None] * d[sj] - pp).T)
        ok = dist < TOL
        for q, s, tt in zip(ci[ok], sj[ok], t[ok], strict=True):
            events.append((int(srd[s]), float(sk[s] + tt), int(e_pid[c[q]])))
    pts = np.vstack([vtx, *extra]) if extra else vtx
    uf = _merged_points(pts)
    seqs = _node_sequences(roads, nv, base, events, uf)
    count = Counter()
    for (nodes, _), r in zip(seqs, roads, strict=True):
        count.update(nodes[:-1] if r.closed else nodes)
    ways: list[Way] = []
    for (nodes, flags), r in zip(seqs, roads, strict=True):
        if r.trim and not r.closed:
            nodes, flags = _trim(nodes, flags, count, pts, trim)
            nodes, flags = (x[::-1] for x in _trim(nodes[::-1], flags[::-1], count, pts, trim))
        if len(nodes) < 2:
            continue
        ways.extend(_split(nodes, flags, r, count, rng))
    return pts, _no_shared_edges(ways)


def _no_shared_edges(ways: list[Way]) -> list[Way]:
    """Drop an edge from a later way where two ways would join the same two nodes."""
    seen: set[tuple[int, int]] = set()
    out = []
    for w in ways:
        cur = [w.nodes[0]]
        for a, b in itertools.pairwise(w.nodes):
            key = (min(a, b), max(a, b))
            if key in seen:
                if len(cur) >= 2:
                    out.append(Way(cur, w.road, w.bridge))
                cur = [b]
            else:
                seen.add(key)
                cur.append(b)
        if len(cur) >= 2:
            out.append(Way(cur, w.road, w.bridge))
    return out


def _trim(nodes, flags, count, pts, trim):
    if count[nodes[0]] >= 2:
        return nodes, flags
    length = 0.0
    for j in range(1, len(nodes)):
        length += math.dist(pts[nodes[j - 1]], pts[nodes[j]])
        if length >= trim:
            break
        if count[nodes[j]] >= 2:
            return nodes[j:], flags[j:]
    return nodes, flags


def _split(nodes, flags, r: Road, count, rng) -> list[Way]:
    if r.closed:
        inner = nodes[:-1]
        junc = [i for i, nd in enumerate(inner) if count[nd] >= 2]
        if r.split == "none" or not junc:
            return [Way(list(nodes), r, False)]
        k = junc[0]
        nodes = inner[k:] + inner[:k] + [inner[k]]
        flags = [False] * (len(nodes) - 1)
    cuts = []
    for i in range(1, len(nodes) - 1):
        if flags[i - 1] != flags[i] or (
            count[nodes[i]] >= 2 and r.split != "none" and (r.split == "all" or rng.random() < 0.7)
        ):
            cuts.append(i)
    out, start = [], 0
    for c in [*cuts, len(nodes) - 1]:
        out.append(Way(list(nodes[start : c + 1]), r, flags[start]))
        start = c
    return out


# ---------------------------------------------------------------------------------------------
# layout

# Generic street-name stems of the kind every Chinese city has (none is a Changde place name).
_STEM_TEXT = (
    "新华 中山 和平 胜利 五一 劳动 团结 文化 体育 学院 育才 东风 红旗 幸福 民主 健康 公园 车站 学府"
    " 兴业 科技 创业 振兴 发展 开元 春华 秋实 桂花 紫薇 玉兰 银杏 荷花 梅园 松涛 翠竹 金桥 银河"
    " 星光 明珠 锦绣 富民 安居 康宁 永宁 同心 友谊 迎春 向阳 新民 前进 先锋 长征 建国 兴华 振华"
    " 中华 华夏 凤凰 青山 绿园 丰收 农林 茶园 荷塘 湖滨 江湾 渡口 码头 仓前 书院 状元 学苑 杏林"
    " 工农 红星 民生 金穗 丰泽 瑞祥 吉祥 福源 泰和 嘉禾 永丰 东湖 南湖 北湖 文星 文峰 育英 广场"
    " 商贸 财富 金融 高新 创新 智慧 物流 航运 港口 建材 机电 纺织 电力 邮电 医院 法院 交通 粮食"
    " 园林"
    " 樱花 海棠 丁香 青桐 香樟 梧桐 杨柳 芳草 杜鹃 月桂 石榴 枇杷 葡萄 金苑 银杉 翠柏 青松 白杨"
    " 晨光 曙光 朝晖 晓月 星辰 彩虹 云霞 清风 明月 鸿运 宏图 腾飞 安康 和谐 文明 光华 正阳 东兴"
    " 西城 南门 北门 东门 西门 环城 府前 仁和 义和 礼贤 崇文 尚德 厚德 明德 金城 玉泉 紫荆 翠湖"
)
STEMS = tuple(_STEM_TEXT.split())


def name_pool(rng: np.random.Generator) -> list[str]:
    """Street stems to ``pop()``: the shuffled :data:`STEMS`, then 经N/纬N (as many cities use)."""
    digits = "一二三四五六七八九"

    def num(k: int) -> str:
        tens, unit = divmod(k, 10)
        return (
            (digits[tens - 1] if tens > 1 else "")
            + ("十" if tens else "")
            + (digits[unit - 1] if unit else "")
        )

    spare = [f"{axis}{num(k)}" for k in range(1, 100) for axis in "经纬"]
    return spare[::-1] + [STEMS[i] for i in rng.permutation(len(STEMS))]


_ZONES = (
    ("NW", 0.0, 430.0, 1, True),
    ("NE", 12.0, 480.0, 1, False),
    ("SW", 5.0, 450.0, -1, True),
    ("SE", -8.0, 600.0, -1, False),
)


def zone_mask(side: int, west: bool, grow: float):
    """Mask function of one urban quarter (north/south of the river, west/east of 建设路)."""

    def f(x, y):
        m = in_ring(x, y, grow)
        ry = river_y(x)
        m &= (y > ry + BANK - grow) if side > 0 else (y < ry - BANK + grow)
        return m & ((x < CX + grow) if west else (x > CX - grow))

    return f


def _pt_seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each point to the nearest of the segments a→b."""
    d = b - a
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)
    t = np.clip(np.einsum("pij,ij->pi", p[:, None, :] - a[None], d) / dd, 0.0, 1.0)
    return np.hypot(*(a[None] + t[..., None] * d[None] - p[:, None, :]).transpose(2, 0, 1)).min(1)


def grid_lines(
    rng,
    origin,
    angle: float,
    spacing: float,
    mask_fn,
    keepout: list[np.ndarray],
    discs: list[tuple[float, float, float]],
    span: float = 16_000.0,
):
    """Straight grid streets clipped by ``mask_fn``; none runs parallel and near a keep-out line.

    Returns a list of (family "ew"/"ns", reference offset, list of two-point runs).
    """
    a = math.radians(angle)
    u, v = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    ka = np.vstack([k[:-1] for k in keepout])
    kb = np.vstack([k[1:] for k in keepout])
    kd = (kb - ka) / np.hypot(*(kb - ka).T)[:, None]
    s = np.arange(-span, span, 10.0)
    out = []
    for fam, along, across in (("ew", u, v), ("ns", v, u)):
        offs = np.arange(-span, span, spacing)
        offs = offs + rng.uniform(-0.12, 0.12, len(offs)) * spacing
        par = np.abs(kd @ along) > 0.995
        for c in offs:
            p = np.asarray(origin) + c * across + s[:, None] * along
            m = mask_fn(p[:, 0], p[:, 1])
            if not m.any():
                continue
            if par.any():
                m[m] = _pt_seg_dist(p[m], ka[par], kb[par]) > 150.0
            for cx, cy, rr in discs:
                m &= np.hypot(p[:, 0] - cx, p[:, 1] - cy) > rr + 90.0
            rs = [r[[0, -1]] for r in runs(p, m, 250.0)]
            if rs:
                out.append((fam, float(c), rs))
    return out


def _gaps(rng, rs: list[np.ndarray]) -> list[np.ndarray]:
    """Break a residential street once (a dead end on each side), sometimes."""
    out = []
    for r in rs:
        length = float(np.hypot(*(r[1] - r[0])))
        if length > 1_200.0 and rng.random() < 0.15:
            g0 = rng.uniform(300.0, length - 700.0)
            out.extend(
                p
                for p in split_at(r, [g0, g0 + rng.uniform(200.0, 400.0)])[::2]
                if cumlen(p)[-1] >= 250.0
            )
        else:
            out.append(r)
    return out


def name_grid(rng, lines: dict[str, list], pool: list[str]) -> list[Road]:
    """Name and classify the grid streets of the urban quarters (shared stems across quarters)."""
    roads: list[Road] = []
    named: dict[tuple[str, str], list[tuple[float, str]]] = {}
    pair = {
        ("NE", "ew"): ("NW", "东路"),
        ("SW", "ns"): ("NW", "南路"),
        ("SE", "ns"): ("NE", "南路"),
    }
    for zone, zl in lines.items():
        for k, (fam, ref, rs) in enumerate(zl):
            cls = "secondary" if k % 6 == 3 else "tertiary" if k % 3 == 0 else "residential"
            name = None
            if cls != "residential" or rng.random() > 0.1:
                other = pair.get((zone, fam))
                cand = (
                    [(abs(r - ref), st) for r, st in named.get((other[0], fam), [])]
                    if other
                    else []
                )
                cand = sorted(x for x in cand if x[0] < 200.0)
                if cand:
                    stem = cand[0][1]
                    named[(other[0], fam)] = [x for x in named[(other[0], fam)] if x[1] != stem]
                    name = stem + other[1]
                else:
                    stem = pool.pop()
                    named.setdefault((zone, fam), []).append((ref, stem))
                    name = stem + ("街" if fam == "ew" and rng.random() < 0.2 else "路")
            if cls == "residential":
                rs = _gaps(rng, rs)
            for r in rs:
                roads.append(Road(r, cls, name, split="some" if cls == "residential" else "all"))
    return roads


def _ring_roads(ring: np.ndarray) -> list[Road]:
    """The ring road from its 160 vertices: 北环大道 (dual, G399), 西环路, 南环路, 东环路."""
    piece = lambda k0, k1: ring[[k % 160 for k in range(k0, k1 + 1)]]  # noqa: E731
    roads = dual(piece(0, 40), (True, True), highway="trunk", name="北环大道", ref="G399")
    roads.append(
        Road(piece(40, 80), "primary", "西环路", may_bridge=True, bridge_name="澄江西大桥")
    )
    roads.append(Road(piece(80, 120), "primary", "南环路"))
    roads.append(
        Road(piece(120, 160), "primary", "东环路", may_bridge=True, bridge_name="澄江东大桥")
    )
    return roads


def _roundabouts(discs: list[tuple[float, float, float]]) -> list[Road]:
    """The two roundabouts on `discs` (x, y, radius): the hub's unsplit, the second split."""
    return [
        Road(
            circle(c[:2], c[2], 20),
            "primary",
            junction="roundabout",
            oneway=True,
            closed=True,
            split=sp,
            trim=False,
        )
        for c, sp in zip(discs, ("none", "all"), strict=True)
    ]


def urban_roads(rng: np.random.Generator, scale: float, pool: list[str]) -> tuple[list, dict]:
    """The city inside the ring road: ring, bank roads, arterials, dual carriageways, grid.

    Returns the roads and a dict of reference geometry (ring vertices, roundabouts, the ring
    vertices where the intercity roads leave).
    """
    t = np.pi / 4 + 2 * np.pi * np.arange(160) / 160
    ring = ring_point(t)
    piece = lambda k0, k1: ring[[k % 160 for k in range(k0, k1 + 1)]]  # noqa: E731
    roads: list[Road] = _ring_roads(ring)
    xs = np.arange(-10_800.0, 10_801.0, 100.0)
    bank = {}
    for side, name in ((1, "滨江路"), (-1, "滨江南路")):
        p = np.column_stack([xs, river_y(xs) + side * BANK])
        bank[side] = runs(p, in_ring(p[:, 0], p[:, 1], 30.0))[0]
        roads.append(Road(bank[side], "secondary", name))

    def ring_k(direction_deg: float, frm) -> int:
        ang = np.degrees(np.arctan2(ring[:, 1] - frm[1], ring[:, 0] - frm[0]))
        return int(np.argmin(np.abs((ang - direction_deg + 180.0) % 360.0 - 180.0)))

    inside = lambda g: lambda x, y: in_ring(x, y, g)  # noqa: E731
    north_of = lambda g: lambda x, y: in_ring(x, y, g) & (y > river_y(x) + BANK - g)  # noqa: E731
    hub = np.array(HUB)
    y_jf = float(river_y(np.arange(-10_500, 10_500, 50.0)).max()) + BANK + 500.0
    k_g, k_c = ring_k(118.0, hub), ring_k(42.0, hub)
    p_s = poly_hits(np.array([[CX, 0.0], [CX, -5_000.0]]), bank[-1])[0][2]
    nl0 = np.array([CX, -3_200.0])
    k_s = ring_k(232.0, nl0)
    arts = {
        "迎宾大道": straight_runs((-11_000, 2_600), (11_000, 2_600), inside(40.0))[0],
        "人民路": np.array([straight_runs((-11_000, HUB[1]), HUB, inside(30.0))[0][0], hub]),
        "人民东路": np.array([hub, straight_runs(HUB, (11_000, HUB[1]), inside(30.0))[0][1]]),
        "解放路": straight_runs((-11_000, y_jf), (11_000, y_jf), inside(30.0))[0],
        "建设路": np.array([hub, p_s]),
        "建设路北段": np.array([hub, (CX, 4_000.0)]),
        "建设北路": straight_runs((CX, 4_000.0), (CX, 11_000.0), inside(40.0))[0],
        "建设东路": straight_runs((CX, 4_000.0), (11_000.0, 4_000.0), inside(30.0))[0],
        "建设南路": np.array([p_s, straight_runs(p_s, (CX, -11_000.0), inside(30.0))[0][1]]),
        "朝阳路": straight_runs((-3_500, -4_000), (-3_500, 11_000), north_of(30.0))[0],
        "青年路": straight_runs((3_800, -4_000), (3_800, 11_000), north_of(30.0))[0],
        "光明路": np.array([hub, ring[k_g]]),
        "长安路": np.array([hub, ring[k_c]]),
        "南岭大道": np.array([nl0, ring[k_s]]),
    }
    for name, p in arts.items():
        hw = "primary" if name in ("人民路", "人民东路", "南岭大道") else "secondary"
        roads.append(
            Road(
                p,
                hw,
                name.replace("北段", ""),
                may_bridge=name == "建设路",
                bridge_name="澄江一桥" if name == "建设路" else None,
            )
        )
    gy = straight_runs((6_300, -11_000), (5_500, 11_000), inside(45.0))[0]
    ky = straight_runs((CX - 40.0, -5_600.0), (11_000, -5_600), inside(40.0))[0]
    yb = dual(arts.pop("迎宾大道"), highway="primary", name="迎宾大道")
    roads = [r for r in roads if r.name != "迎宾大道"] + yb
    gyd = dual(gy, highway="primary", name="工业大道", may_bridge=True, bridge_name="澄江二桥")
    kyd = dual(ky, highway="primary", name="开发大道")
    roads += gyd + kyd + slip_lanes(yb, gyd)
    hub2 = poly_hits(gy, ky)[0][2]
    k_e = int(np.argmin(np.hypot(*(ring - ky[-1]).T)))
    k_w = ring_k(180.0 + 23.0, hub)
    discs = [(HUB[0], HUB[1], 45.0), (float(hub2[0]), float(hub2[1]), 55.0)]
    keepout = [*arts.values(), gy, ky, yb[0].pts, piece(0, 160), bank[1], bank[-1]]
    lines = {}
    for zone, ang, spacing, side, west in _ZONES:
        lines[zone] = grid_lines(
            rng, hub, ang, spacing / math.sqrt(scale), zone_mask(side, west, 30.0), keepout, discs
        )
    roads += name_grid(rng, lines, pool)
    info = {
        "ring": ring,
        "k_g": k_g,
        "k_c": k_c,
        "k_s": k_s,
        "k_e": k_e,
        "k_w": k_w,
        "discs": discs,
        "hub2": hub2,
    }
    roads += _roundabouts(discs)
    return roads, info


def apply_discs(roads: list[Road], discs) -> list[Road]:
    """Cut every road 10 m inside each roundabout (the overshoot is trimmed after noding)."""
    out = []
    for r in roads:
        if r.junction == "roundabout":
            out.append(r)
            continue
        pieces = [r.pts]
        for cx, cy, rad in discs:
            pieces = [q for p in pieces for q in cut_disc(p, (cx, cy), rad - 10.0)]
        out.extend(replace(r, pts=p) for p in pieces)
    return out


def rural_roads(
    rng: np.random.Generator, seats: dict[str, np.ndarray], info: dict, pool: list[str]
) -> tuple[list[Road], list[tuple[float, float, float]]]:
    """National, provincial and county roads between the township seats, and the county town.

    ``seats`` maps township names (and ``"县城"``, the county seat) to their centres.
    Returns the roads and the county town's roundabout as a disc.
    """
    ring, (x0, x1, _, y1) = info["ring"], EXTENT
    s0 = seats["县城"]
    west, east = s0 - np.array([1_700.0, 0.0]), s0 + np.array([1_700.0, 0.0])
    spec = [  # waypoints, highway, name, ref, may_bridge, bridge name
        ([(x0, seats["云雾乡"][1] + 900), seats["云雾乡"], west], "trunk", None, "G399", 0, None),
        ([west, s0, east], "primary", "澄源大道", "G399", 0, None),
        ([east, seats["石桥镇"], ring[40]], "trunk", None, "G399", 0, None),
        ([ring[0], (x1, 8_600.0)], "trunk", None, "G399", 0, None),
        ([ring[info["k_c"]], seats["枫溪镇"], (x1, 13_500.0)], "primary", None, "S298", 0, None),
        (
            [ring[info["k_s"]], seats["龙渡镇"], seats["竹坪镇"], seats["梅岭镇"], (x0, -9_600.0)],
            "primary",
            None,
            "S276",
            0,
            None,
        ),
        ([s0, seats["梅岭镇"]], "tertiary", "澄梅公路", "X071", 1, "澄源大桥"),
        ([s0, seats["青溪镇"]], "tertiary", "澄青公路", "X083", 0, None),
        (
            [seats["石桥镇"], seats["白沙乡"], seats["竹坪镇"]],
            "tertiary",
            "石白公路",
            "X095",
            1,
            "白沙大桥",
        ),
        (
            [ring[info["k_g"]], seats["石湖镇"], (-9_000.0, y1)],
            "tertiary",
            "石湖公路",
            "X046",
            0,
            None,
        ),
        (
            [ring[info["k_e"]], seats["沙湾镇"], (x1, -10_200.0)],
            "tertiary",
            "沙湾公路",
            "X062",
            0,
            None,
        ),
        ([ring[info["k_w"]], seats["莲溪乡"], seats["白沙乡"]], "tertiary", None, "X058", 0, None),
    ]
    roads = []
    for way, hw, name, ref, mb, bname in spec:
        amps = [0.0 if name == "澄源大道" else 140.0] * (len(way) - 1)
        roads.append(
            Road(
                wiggle(way, rng, 140.0, amps=amps),
                hw,
                name,
                ref,
                may_bridge=bool(mb),
                bridge_name=bname,
            )
        )
    a = math.radians(3.0)
    u, v = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])

    def town(x, y):
        q = np.column_stack([x, y]) - s0
        return (
            (np.abs(q @ u) < 1_650.0) & (np.abs(q @ v) < 1_150.0) & (np.abs(y - river_y(x)) > 250.0)
        )

    disc = (float(s0[0]), float(s0[1]), 30.0)
    keep = [roads[1].pts, roads[6].pts, roads[7].pts]
    for k, (fam, _, rs) in enumerate(
        grid_lines(rng, s0, 3.0, 380.0, town, keep, [disc], span=2_500.0)
    ):
        name = pool.pop() + ("街" if fam == "ew" else "路") if k % 5 else None
        roads += [
            Road(r, "tertiary" if k % 3 == 0 else "residential", name, split="some") for r in rs
        ]
    roads.append(
        Road(
            circle(s0, 30.0, 12),
            "primary",
            junction="roundabout",
            oneway=True,
            closed=True,
            split="all",
            trim=False,
        )
    )
    return roads, [disc]


def village_links(
    rng: np.random.Generator,
    villages: list[tuple[str, np.ndarray]],
    anchors: np.ndarray,
    river: np.ndarray,
) -> list[Road]:
    """Township (Y), village (C) and unnumbered roads joining every village to the network.

    A Prim-style tree grows from ``anchors`` (vertices of the main roads): each step joins the
    village with the cheapest link to the tree; a link over the river costs four times its
    length and gets a bridge. Some villages get a second link to their nearest neighbour.
    """
    pts = np.array([v[1] for v in villages])
    tree = [np.asarray(anchors, float)]
    joined = np.zeros(len(pts), dtype=bool)
    links: list[tuple[int, np.ndarray, bool]] = []

    def crosses(p, q) -> np.ndarray:
        hit, _, _ = seg_cross(p[:, None], q[:, None], river[None, :-1], river[None, 1:])
        return hit.any(axis=1)

    while not joined.all():
        t_pts = np.vstack(tree)
        best = None
        for i in np.flatnonzero(~joined):
            d = np.hypot(*(t_pts - pts[i]).T)
            near = np.argsort(d, kind="stable")[:8]
            x = crosses(np.repeat(pts[i][None], len(near), 0), t_pts[near])
            cost = d[near] * np.where(x, 4.0, 1.0)
            j = int(np.argmin(cost))
            if best is None or cost[j] < best[0]:
                best = (float(cost[j]), int(i), t_pts[near[j]], bool(x[j]))
        _, i, q, x = best
        joined[i] = True
        tree.append(pts[i][None])
        links.append((i, q, x))
    pairs = {tuple(sorted((tuple(pts[i]), tuple(q)))) for i, q, _ in links}
    for i in range(len(pts)):
        if rng.random() < 0.3:
            d = np.hypot(*(pts - pts[i]).T)
            d[i] = np.inf
            j = int(np.argmin(d))
            key = tuple(sorted((tuple(pts[i]), tuple(pts[j]))))
            if d[j] < 3_500.0 and key not in pairs and not crosses(pts[i][None], pts[j][None])[0]:
                pairs.add(key)
                links.append((i, pts[j], False))
    roads = []
    y_nums = iter([*rng.permutation(np.arange(10, 100)), *rng.permutation(np.arange(100, 1000))])
    for i, q, x in links:
        line = wiggle([pts[i], q], rng, 45.0, step=160.0)
        kind = rng.random()
        if kind < 0.45:
            hw, ref = "unclassified", f"Y{int(next(y_nums)):03d}"
        elif kind < 0.7:
            hw, ref = "unclassified", f"C7{int(rng.integers(0, 100)):02d}"
        else:
            hw, ref = ("track" if rng.random() < 0.5 else "unclassified"), None
        roads.append(
            Road(
                line,
                hw,
                None,
                ref,
                may_bridge=x,
                bridge_name=villages[i][0] + "桥" if x else None,
                trim=False,
            )
        )
    return roads
