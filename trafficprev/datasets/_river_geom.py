"""Layout of 河湾市 (合成测试数据 / synthetic test data, not a real place): roads and territories.

Internal helpers for :mod:`trafficprev.datasets.rivertown`. Unlike the demo city's ring of grid
quarters, 河湾市 is organic: the river 漪河 meanders west to east through the centre; two hubs
(one on each bank) send out curved radial roads; arcs wind around each hub; a single small grid
of blocks forms the business district; the outer ring road (外环北路/外环南路) is the line between
the urban districts and the rural county 蓼原县. Territories are polygons built from the same
polylines as the roads, so several roads run exactly *along* a boundary (外环, 鹭原大道, 槐荫路,
棠梨路, 漪虹大道, 界岭公路). 南汀区 has an exclave (a second outer ring) that leaves an inner
ring (a hole) in 蓼原县 and in 荻港镇.

Everything is in a local metric frame (``x`` metres east, ``y`` metres north of
(:data:`LON0`, :data:`LAT0`)), converted to WGS-84 only when written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from . import _world_roads as wr

LON0 = 113.42
LAT0 = 27.86
M_PER_DEG_LAT = 110_950.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
EXTENT = (-16_000.0, 16_000.0, -13_000.0, 13_000.0)  # xmin, xmax, ymin, ymax
BANK = 100.0  # the bank roads run this far (north-south) from the river's centre line
STEP = 40.0  # vertex spacing of generated curves, metres
RIVER = "漪河"
EXCLAVE = (7_500.0, -9_000.0, 1_600.0)  # 南汀区's exclave: centre x, y and radius


def to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres to WGS-84 (lon, lat), each rounded to 7 decimals."""
    xy = np.asarray(xy, dtype=float)
    lon = np.round(LON0 + xy[..., 0] / M_PER_DEG_LON, 7)
    lat = np.round(LAT0 + xy[..., 1] / M_PER_DEG_LAT, 7)
    return lon, lat


def to_xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS-84 (lon, lat) to local metres, shape (n, 2)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return np.column_stack([(lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT])


def river_y(x: np.ndarray | float) -> np.ndarray:
    """North coordinate of 漪河's centre line at ``x``: a meander through the centre."""
    x = np.asarray(x, dtype=float)
    return 700.0 * np.sin(x / 2_600.0 + 0.3) + 260.0 * np.sin(x / 1_100.0 - 0.4)


def river_line() -> np.ndarray:
    """The river's centre line across the whole map, vertices every 100 m."""
    x = np.arange(EXTENT[0] - 500.0, EXTENT[1] + 501.0, 100.0)
    return np.column_stack([x, river_y(x)])


def ring_point(theta: np.ndarray) -> np.ndarray:
    """Points of the outer ring road at polar angle ``theta`` (radians) around the origin."""
    r = 5_200.0 + 380.0 * np.sin(2 * theta + 0.5) + 210.0 * np.sin(3 * theta - 0.2)
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def ring_line() -> np.ndarray:
    """The closed ring (first vertex not repeated, at the south), about one vertex per 40 m."""
    t = np.linspace(0.0, 2 * np.pi, 820, endpoint=False) - np.pi / 2
    return ring_point(t)


def _ring_poly() -> Polygon:
    return Polygon(ring_line())


def in_ring(x, y, grow: float = 0.0) -> np.ndarray:
    """Whether points lie inside the ring, grown outwards by ``grow`` metres (approximately)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    t = np.arctan2(y, x)
    r = np.hypot(*ring_point(t).T)
    return np.hypot(x, y) <= r + grow


def hubs() -> tuple[np.ndarray, np.ndarray]:
    """The north hub (鹭原广场) and the south hub (汀州广场)."""
    return (
        np.array([0.0, float(river_y(0.0)) + 1_150.0]),
        np.array([300.0, float(river_y(300.0)) - 1_050.0]),
    )


def spoke(hub: np.ndarray, deg: float, curl: float, r_max: float = 9_000.0) -> np.ndarray:
    """A curved radial line from ``hub``: its angle turns by ``curl`` radians per 5 km."""
    r = np.arange(0.0, r_max + 1.0, STEP)
    a = math.radians(deg) + curl * r / 5_000.0
    return hub + np.column_stack([r * np.cos(a), r * np.sin(a)])


def arc(hub: np.ndarray, radius: float, deg0: float, deg1: float, phase: float) -> np.ndarray:
    """A wobbly arc around ``hub`` from ``deg0`` to ``deg1`` (counter-clockwise)."""
    n = max(8, int(radius * math.radians(deg1 - deg0) / STEP))
    a = np.radians(np.linspace(deg0, deg1, n))
    r = radius * (1.0 + 0.07 * np.sin(3 * a + phase) + 0.03 * np.sin(7 * a - phase))
    return hub + np.column_stack([r * np.cos(a), r * np.sin(a)])


def _side(p: np.ndarray, north: bool, margin: float) -> np.ndarray:
    d = p[:, 1] - river_y(p[:, 0])
    return d > margin if north else d < -margin


def clip(p: np.ndarray, north: bool | None, grow: float = 60.0) -> list[np.ndarray]:
    """Runs of ``p`` inside the ring (grown by ``grow``: an overshoot trimmed after noding) and,
    when ``north`` is given, on that bank, reaching 40 m past the bank road."""
    m = in_ring(p[:, 0], p[:, 1], grow)
    if north is not None:
        m &= _side(p, north, BANK - 40.0)
    return wr.runs(p, m, 150.0)


# --- roads ------------------------------------------------------------------------------------


@dataclass
class Layout:
    """Everything the generator lays out, in local metres.

    Attributes
    ----------
    roads
        Road polylines (:class:`trafficprev.datasets._world_roads.Road`).
    tunnels
        ``id(road) -> tunnel name`` for the pieces that are tunnels.
    bridges
        ``(x, y, name)`` of every bridge; a bridge way takes the name of the nearest.
    units
        Admin units: dicts with ``code``, ``parent``, ``level`` (2–5), ``name``, ``aliases``,
        ``centre`` (x, y) and, for levels 3–4, ``poly`` (a shapely (Multi)Polygon).
    boundary_roads
        Road name -> the units whose common line it runs on.
    routes
        Route ref -> dict(``pts`` the centre line, ``k0`` the chainage in metres at its start,
        ``milestones`` (km from, km to), ``name``).
    pois
        Dicts with ``name``, ``kind`` (OSM key=value), ``zh`` (类型), ``xy``.
    villages
        ``(name, township code, xy)``.
    """

    roads: list = field(default_factory=list)
    tunnels: dict = field(default_factory=dict)
    bridges: list = field(default_factory=list)
    units: list = field(default_factory=list)
    boundary_roads: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)
    pois: list = field(default_factory=list)
    villages: list = field(default_factory=list)


_NORTH_SPOKES = (  # name, angle at the hub (deg), curl (rad per 5 km), highway
    ("和平路", 18.0, 0.20, "secondary"),
    ("鹭原大道", 55.0, 0.12, "primary"),
    ("翠微路", 88.0, -0.10, "secondary"),
    ("槐荫路", 122.0, -0.18, "secondary"),
    ("栖霞路", 158.0, -0.25, "tertiary"),
)
_SOUTH_SPOKES = (
    ("芷兰路", 200.0, 0.22, "secondary"),
    ("棠梨路", 243.0, 0.10, "primary"),
    ("汀州大道", 285.0, -0.08, "primary"),
    ("蘅芜路", 318.0, -0.20, "secondary"),
    ("菱角路", 345.0, -0.28, "tertiary"),
)
_NORTH_ARCS = (
    ("青柳路", 1_350.0, -70.0, 250.0, 0.4),
    ("望湖路", 2_750.0, -75.0, 255.0, 1.9),
    ("栖凤路", 4_000.0, -80.0, 260.0, 2.7),
)
_SOUTH_ARCS = (
    ("桂香路", 1_300.0, 110.0, 430.0, 2.2),
    ("云锦路", 2_700.0, 105.0, 435.0, 0.8),
    ("荷风路", 3_900.0, 100.0, 440.0, 1.3),
)
# streets between the spokes, from the first arc outwards: name, angle, curl, side
_MID_SPOKES = (
    ("松鹤路", 36.0, 0.15, True),
    ("竹溪路", 72.0, 0.0, True),
    ("兰亭路", 105.0, -0.15, True),
    ("菊隐路", 140.0, -0.2, True),
    ("藕香路", 222.0, 0.18, False),
    ("苇岸路", 265.0, 0.0, False),
    ("蓼汀路", 302.0, -0.15, False),
    ("杏坛路", 332.0, -0.25, False),
)
_GRID_NS = ("云杉路", "水杉路", "池杉路", "落羽路")
_GRID_EW = ("汇川街", "聚贤街", "藏书街", "观澜街")


def _road(pts, hw, name=None, ref=None, **kw) -> wr.Road:
    return wr.Road(np.asarray(pts, float), hw, name, ref, **kw)


def urban(lay: Layout) -> dict[str, np.ndarray]:
    """Ring, bank roads, spokes, arcs, the axis and its bridge, the business grid.

    Returns the boundary polylines the territories use (name -> polyline extended past the
    ring).
    """
    ring = ring_line()
    closed = np.vstack([ring, ring[:1]])
    hits = wr.poly_hits(closed, river_line())
    if len(hits) != 2:
        raise RuntimeError(f"the river crosses the ring {len(hits)} times, not twice")
    s_a, s_b = sorted(h[0] for h in hits)  # the two river crossings, counter-clockwise from east
    total = wr.cumlen(closed)[-1]
    # the ring starts in the south: the north piece runs from 300 m before the first crossing
    # round the north to 300 m past the second (both bridges on it); the south piece closes it
    if not 300.0 < s_a < s_b < total - 300.0:
        raise RuntimeError("the ring's first vertex is too near the river")
    first, north_piece, last = wr.split_at(closed, [s_a - 300.0, s_b + 300.0])
    south_piece = np.vstack([last, first[1:]])
    lay.roads.append(_road(north_piece, "primary", "外环北路", may_bridge=True))
    lay.roads.append(_road(south_piece, "primary", "外环南路", may_bridge=True))
    for s in (s_a, s_b):
        p = wr.at(closed, s)
        lay.bridges.append((float(p[0]), float(p[1]), "漪河西大桥" if p[0] < 0 else "漪河东大桥"))

    xs = np.arange(-7_000.0, 7_001.0, STEP)
    for side, name in ((1, "北滨河路"), (-1, "南滨河路")):
        p = np.column_stack([xs, river_y(xs) + side * BANK])
        for r in wr.runs(p, in_ring(p[:, 0], p[:, 1], 60.0), 300.0):
            lay.roads.append(_road(r, "secondary", name))

    hn, hs = hubs()
    lines: dict[str, np.ndarray] = {}
    for hub, spec, north in ((hn, _NORTH_SPOKES, True), (hs, _SOUTH_SPOKES, False)):
        for name, deg, curl, hw in spec:
            full = spoke(hub, deg, curl)
            lines[name] = full
            for r in clip(full, north):
                if np.allclose(r[0], hub):
                    lay.roads.append(_road(r, hw, name, trim=True))
                else:  # a piece cut by the meander: still the same street
                    lay.roads.append(_road(r, hw, name))
    for hub, spec, north in ((hn, _NORTH_ARCS, True), (hs, _SOUTH_ARCS, False)):
        for name, rad, d0, d1, ph in spec:
            for r in clip(arc(hub, rad, d0, d1, ph), north):
                lay.roads.append(_road(r, "tertiary" if rad < 2_000 else "secondary", name))
    for name, deg, curl, north in _MID_SPOKES:
        hub = hn if north else hs
        _, rad, _, _, ph = (_NORTH_ARCS if north else _SOUTH_ARCS)[0]
        a = math.radians(deg)
        r0 = rad * (1.0 + 0.07 * math.sin(3 * a + ph) + 0.03 * math.sin(7 * a - ph)) - 40.0
        full = spoke(hub, deg, curl)
        full = full[np.hypot(*(full - hub).T) >= r0]
        for r in clip(full, north):
            lay.roads.append(_road(r, "residential", name))
    axis = np.vstack([hn, hs])
    axis = np.vstack([wr.at(axis, s) for s in np.arange(0.0, wr.cumlen(axis)[-1], STEP)] + [hs])
    lay.roads.append(_road(axis, "primary", "漪虹大道", may_bridge=True))
    lay.bridges.append((*map(float, wr.poly_hits(axis, river_line())[0][2]), "漪虹大桥"))
    lines["漪虹大道"] = axis
    # a bridge that is a street of its own, named as the bridge
    bx = 3_300.0
    span = np.array([[bx, river_y(bx) + BANK + 40.0], [bx + 60.0, river_y(bx + 60) - BANK - 40.0]])
    lay.roads.append(_road(span, "secondary", "荻花大桥", may_bridge=True))
    lay.bridges.append((bx + 30.0, float(river_y(bx + 30.0)), "荻花大桥"))
    # the business district: the only grid blocks in town
    g0 = hn + np.array([950.0, 650.0])
    a = math.radians(12.0)
    u, v = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    for k, name in enumerate(_GRID_NS):
        c = g0 + (k - 1.5) * 230.0 * u
        lay.roads.append(_road([c - 420.0 * v, c + 420.0 * v], "tertiary", name))
    for k, name in enumerate(_GRID_EW):
        c = g0 + (k - 1.5) * 230.0 * v
        lay.roads.append(_road([c - 420.0 * u, c + 420.0 * u], "residential", name))
    lines["ring"] = ring
    return lines


# --- rural -------------------------------------------------------------------------------------

SEATS = {  # township -> seat (x, y)
    "桃源镇": (10_200.0, 2_700.0),
    "椿溪镇": (1_600.0, 9_600.0),
    "菱塘乡": (-10_400.0, -900.0),
    "荻港镇": (-1_200.0, -9_300.0),
}
_SECTOR_DEG = {"桃源镇": (-30.0, 45.0), "椿溪镇": (45.0, 150.0), "菱塘乡": (150.0, 225.0)}


def _ring_at(deg: float, frac: float = 0.985) -> np.ndarray:
    return ring_point(np.array([math.radians(deg)]))[0] * frac


def _densify(way: np.ndarray, step: float = STEP) -> np.ndarray:
    s = np.arange(0.0, wr.cumlen(way)[-1], step)
    return np.vstack([np.array([wr.at(way, x) for x in s]), way[-1:]])


def rural(lay: Layout, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Provincial routes S317 (milestones, a tunnel) and S306, county roads, town streets.

    Returns the boundary polyline of 界岭公路 (the line between 桃源镇 and 荻港镇).
    """
    seat = {k: np.array(v) for k, v in SEATS.items()}
    s317 = _densify(
        wr.wiggle(
            [_ring_at(20.0), seat["桃源镇"], (12_600.0, 7_600.0), (9_800.0, 12_500.0)], rng, 160.0
        )
    )
    c = wr.cumlen(s317)
    ring_s = wr.poly_hits(s317, np.vstack([ring_line(), ring_line()[:1]]))[0][0]
    k0 = 8_000.0 - ring_s  # chainage (m) at the route's first vertex: K8 at the ring
    t0, t1 = 19_200.0 - k0, 19_750.0 - k0  # 凤栖岭隧道
    before, tunnel, after = wr.split_at(s317, [t0, t1])
    lay.roads.append(_road(before, "primary", None, "S317"))
    tr = _road(tunnel, "primary", None, "S317", bridge=np.ones(len(tunnel) - 1, bool))
    lay.roads.append(tr)
    lay.tunnels[id(tr)] = "凤栖岭隧道"
    lay.roads.append(_road(after, "primary", None, "S317"))
    lay.routes["S317"] = {"pts": s317, "k0": k0, "milestones": (10, 18), "length": float(c[-1])}

    s306 = _densify(
        wr.wiggle(
            [_ring_at(190.0), seat["菱塘乡"], (-14_000.0, -6_200.0), (-9_200.0, -12_600.0)],
            rng,
            160.0,
        )
    )
    lay.roads.append(_road(s306, "primary", None, "S306", may_bridge=True))
    ring_s = wr.poly_hits(s306, np.vstack([ring_line(), ring_line()[:1]]))[0][0]
    lay.routes["S306"] = {"pts": s306, "k0": 21_000.0 - ring_s, "milestones": None}

    jl = _densify(wr.wiggle([_ring_at(330.0), (13_800.0, -7_970.0)], rng, 120.0))
    lay.roads.append(_road(jl, "tertiary", "界岭公路", "X217"))
    specs = [
        ([_ring_at(95.0), seat["椿溪镇"], (1_000.0, 12_900.0)], "tertiary", "鹭椿公路", "X209"),
        ([_ring_at(272.0), seat["荻港镇"]], "tertiary", "荻港公路", "X226"),
        ([seat["荻港镇"], (EXCLAVE[0], EXCLAVE[1])], "tertiary", "汀东公路", "X231"),
        ([seat["椿溪镇"], (-6_500.0, 8_500.0), seat["菱塘乡"]], "tertiary", "椿菱公路", "X205"),
    ]
    for way, hw, name, ref in specs:
        lay.roads.append(
            _road(_densify(wr.wiggle(way, rng, 140.0)), hw, name, ref, may_bridge=True)
        )
    for town, (dx, dy) in (
        ("桃源镇", (1, 0.2)),
        ("椿溪镇", (1, -0.1)),
        ("菱塘乡", (1, 0.3)),
        ("荻港镇", (1, 0.0)),
    ):
        s, stem = seat[town], town[:2]
        d = np.array([dx, dy]) / math.hypot(dx, dy)
        n = np.array([-d[1], d[0]])
        main = s + 150.0 * n
        lay.roads.append(
            _road(_densify(np.array([main - 750 * d, main + 750 * d])), "tertiary", f"{stem}正街")
        )
        side = s + 220.0 * d
        lay.roads.append(
            _road(
                _densify(np.array([side - 550 * n, side + 550 * n])), "residential", f"{stem}新街"
            )
        )
    # the exclave's industrial streets
    e = np.array(EXCLAVE[:2])
    lay.roads.append(
        _road(
            _densify(np.array([e - np.array([900.0, 150.0]), e + np.array([900.0, 150.0])])),
            "tertiary",
            "汀东一路",
        )
    )
    lay.roads.append(
        _road(
            _densify(np.array([e - np.array([100.0, 800.0]), e + np.array([100.0, 800.0])])),
            "tertiary",
            "汀东二路",
        )
    )
    return {"界岭公路": np.vstack([np.zeros((1, 2)), jl, jl[-1:] * 3.0])}


# --- territories -------------------------------------------------------------------------------


def _wedge(apex: np.ndarray, line_a: np.ndarray, line_b: np.ndarray) -> Polygon:
    """The region counter-clockwise from ``line_a`` to ``line_b`` (both leave ``apex``)."""
    fa, fb = line_a[-1], line_b[-1]
    a0 = math.atan2(*(fa - apex)[::-1])
    a1 = math.atan2(*(fb - apex)[::-1])
    if a1 <= a0:
        a1 += 2 * math.pi
    t = np.linspace(a0, a1, 64)
    far = apex + 80_000.0 * np.column_stack([np.cos(t), np.sin(t)])
    pts = np.vstack([[apex], line_a[1:], far, line_b[::-1][:-1]])
    poly = Polygon(pts)
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


def _ext(line: np.ndarray, length: float = 80_000.0) -> np.ndarray:
    d = line[-1] - line[-2]
    return np.vstack([line, line[-1] + d / np.hypot(*d) * length])


#: Roads that run along a boundary -> the units on their sides.
_BOUNDARY_ROADS: dict[str, tuple[str, ...]] = {
    "外环北路": ("北渚区", "蓼原县"),
    "外环南路": ("南汀区", "蓼原县"),
    "鹭原大道": ("和平街道", "鹭洲街道"),
    "槐荫路": ("鹭洲街道", "槐荫街道"),
    "漪虹大道": ("槐荫街道", "和平街道", "芷岸街道", "棠梨街道"),
    "棠梨路": ("芷岸街道", "棠梨街道"),
    "界岭公路": ("桃源镇", "荻港镇"),
}


def _base_areas() -> tuple[Polygon, Polygon, Polygon, Polygon]:
    """The city north and south of the river inside the ring, the county outside it (less the
    exclave) and the exclave, a south-bank enclave in the county."""
    ring = _ring_poly()
    xs = np.arange(EXTENT[0] - 2_000.0, EXTENT[1] + 2_001.0, 50.0)
    top, bot = EXTENT[3] + 5_000.0, EXTENT[2] - 5_000.0
    rv = np.column_stack([xs, river_y(xs)])
    north_half = Polygon(np.vstack([rv, [[xs[-1], top], [xs[0], top]]]))
    south_half = Polygon(np.vstack([rv, [[xs[-1], bot], [xs[0], bot]]]))
    ex = Polygon(
        wr.circle(EXCLAVE[:2], EXCLAVE[2], 48) * np.array([1.0, 0.8])
        + np.array(EXCLAVE[:2]) * np.array([0.0, 0.2])
    )
    box = Polygon(
        [
            (EXTENT[0], EXTENT[2]),
            (EXTENT[1], EXTENT[2]),
            (EXTENT[1], EXTENT[3]),
            (EXTENT[0], EXTENT[3]),
        ]
    )
    north = ring.intersection(north_half)
    south = ring.intersection(south_half)
    county = box.difference(ring).difference(ex)
    return north, south, county, ex


def _ray(deg: float) -> np.ndarray:
    """A line 80 km long from the origin at `deg` degrees counter-clockwise from east."""
    return np.array(
        [
            [0.0, 0.0],
            [80_000.0 * math.cos(math.radians(deg)), 80_000.0 * math.sin(math.radians(deg))],
        ]
    )


def _clean(g):
    """`g` made valid; of a multi-part result, the polygons over 1 ha (one, or a multi)."""
    g = g.buffer(0)
    if g.geom_type == "Polygon":
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon" and p.area > 1e4]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _centre(poly) -> tuple[float, float]:
    """A point inside `poly`, as its centre."""
    p = poly.representative_point()
    return float(p.x), float(p.y)


def territories(lay: Layout, lines: dict[str, np.ndarray]) -> None:
    """Districts, streets and townships as polygons; villages join their townships later."""
    north, south, county, ex = _base_areas()
    hn, hs = hubs()
    axis = lines["漪虹大道"]
    w_luzhou = _wedge(hn, _ext(lines["鹭原大道"]), _ext(lines["槐荫路"]))
    w_huaiyin = _wedge(hn, _ext(lines["槐荫路"]), _ext(axis))
    axis_up = _ext(axis[::-1])
    w_zhian = _wedge(hs, _ext(axis_up), _ext(lines["棠梨路"]))
    origin = np.zeros(2)
    jl = _ext(lines["界岭公路"])
    w_tao = _wedge(origin, jl, _ray(45.0))
    w_chun = _wedge(origin, _ray(45.0), _ray(150.0))
    w_ling = _wedge(origin, _ray(150.0), _ray(225.0))
    w_di = _wedge(origin, _ray(225.0), jl)

    luzhou = _clean(north.intersection(w_luzhou))
    huaiyin = _clean(north.intersection(w_huaiyin))
    heping = _clean(north.difference(w_luzhou).difference(w_huaiyin))
    zhian = _clean(south.intersection(w_zhian))
    tangli = _clean(south.difference(w_zhian).union(ex))
    nanting = _clean(south.union(ex))
    towns = {
        "桃源镇": _clean(county.intersection(w_tao)),
        "椿溪镇": _clean(county.intersection(w_chun)),
        "菱塘乡": _clean(county.intersection(w_ling)),
        "荻港镇": _clean(county.intersection(w_di)),
    }

    units = [
        {
            "code": "990100000000",
            "parent": "990000000000",
            "level": 2,
            "name": "河湾市",
            "aliases": "河湾",
            "centre": (float(hn[0]) + 200.0, float(hn[1]) - 300.0),
            "poly": None,
        },
        {
            "code": "990102000000",
            "parent": "990100000000",
            "level": 3,
            "name": "北渚区",
            "aliases": "",
            "centre": (float(hn[0]) - 350.0, float(hn[1]) + 250.0),
            "poly": _clean(north),
        },
        {
            "code": "990103000000",
            "parent": "990100000000",
            "level": 3,
            "name": "南汀区",
            "aliases": "",
            "centre": (float(hs[0]) + 300.0, float(hs[1]) - 350.0),
            "poly": nanting,
        },
        {
            "code": "990121000000",
            "parent": "990100000000",
            "level": 3,
            "name": "蓼原县",
            "aliases": "",
            "centre": SEATS["椿溪镇"],
            "poly": _clean(county),
        },
    ]
    streets = [
        ("990102001000", "990102000000", "和平街道", heping),
        ("990102002000", "990102000000", "鹭洲街道", luzhou),
        ("990102003000", "990102000000", "槐荫街道", huaiyin),
        ("990103001000", "990103000000", "芷岸街道", zhian),
        ("990103002000", "990103000000", "棠梨街道", tangli),
        ("990121100000", "990121000000", "椿溪镇", towns["椿溪镇"]),
        ("990121101000", "990121000000", "桃源镇", towns["桃源镇"]),
        ("990121102000", "990121000000", "荻港镇", towns["荻港镇"]),
        ("990121200000", "990121000000", "菱塘乡", towns["菱塘乡"]),
    ]
    for code, parent, name, poly in streets:
        c = SEATS.get(name) or _centre(poly)
        units.append(
            {
                "code": code,
                "parent": parent,
                "level": 4,
                "name": name,
                "aliases": "",
                "centre": tuple(map(float, c)),
                "poly": poly,
            }
        )
    lay.units = units
    lay.boundary_roads = dict(_BOUNDARY_ROADS)
