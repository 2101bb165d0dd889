"""POIs, villages and milestones of 河湾市 (合成测试数据 / synthetic test data, not a real place).

Internal helpers for :mod:`trafficprev.datasets.rivertown`. Several POI names collide with admin
names on purpose: 和平小区 (和平街道), 桃源山庄 and 桃源加油站 (桃源镇), 南汀区中医院 (南汀区),
河湾中央商务区 (河湾市), XX湾 communities (鹭洲湾 in 鹭洲街道, 芷岸湾 in 芷岸街道).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from . import _river_geom as rg
from . import _world_roads as wr

# name, OSM key=value, 类型 (POI table), road, fraction along it (or chainage km on a route),
# side (+1 left, -1 right), metres from the centre line
_POIS = (
    ("和平小区", "landuse=residential", "小区", "和平路", 0.55, 1, 70.0),
    ("鹭洲湾", "place=neighbourhood", "小区", "翠微路", 0.62, -1, 60.0),
    ("蒹葭湾", "place=neighbourhood", "小区", "望湖路", 0.30, 1, 55.0),
    ("芷岸湾", "place=neighbourhood", "小区", "芷兰路", 0.40, 1, 60.0),
    ("河湾中央商务区", "landuse=commercial", "CBD", "聚贤街", 0.50, 1, 110.0),
    ("南汀中央商务区", "landuse=commercial", "CBD", "汀州大道", 0.35, -1, 120.0),
    ("河湾市第一中学", "amenity=school", "学校", "青柳路", 0.50, 1, 45.0),
    ("鹭原小学", "amenity=school", "学校", "望湖路", 0.70, -1, 50.0),
    ("槐荫中学", "amenity=school", "学校", "栖霞路", 0.40, 1, 45.0),
    ("芷兰实验学校", "amenity=school", "学校", "桂香路", 0.50, -1, 50.0),
    ("河湾市人民医院", "amenity=hospital", "医院", "翠微路", 0.30, 1, 60.0),
    ("南汀区中医院", "amenity=hospital", "医院", "蘅芜路", 0.40, -1, 55.0),
    ("翠微农贸市场", "amenity=marketplace", "市场", "翠微路", 0.78, -1, 45.0),
    ("棠梨超市", "shop=supermarket", "市场", "棠梨路", 0.30, 1, 35.0),
    ("漪河公园", "leisure=park", "公园", "北滨河路", 0.45, -1, 60.0),
    ("望湖公园", "leisure=park", "公园", "望湖路", 0.45, 1, 90.0),
    ("河湾市人民政府", "amenity=townhall", "机关", "鹭原大道", 0.15, -1, 60.0),
    ("河湾火车站", "railway=station", "车站", "云锦路", 0.60, -1, 95.0),
    ("河湾汽车南站", "amenity=bus_station", "车站", "汀州大道", 0.62, 1, 50.0),
    ("蓼原汽车站", "amenity=bus_station", "车站", "椿溪正街", 0.70, 1, 40.0),
    ("漪河加油站", "amenity=fuel", "加油站", "北滨河路", 0.70, 1, 25.0),
    ("汀州大道加油站", "amenity=fuel", "加油站", "汀州大道", 0.82, -1, 25.0),
    ("桃源加油站", "amenity=fuel", "加油站", "S317", 11.5, 1, 25.0),
    ("菱塘加油站", "amenity=fuel", "加油站", "S306", 26.0, -1, 25.0),
    ("桃源山庄", "place=neighbourhood", "小区", "S317", 16.2, -1, 110.0),
    ("桃源镇卫生院", "amenity=hospital", "医院", "桃源正街", 0.30, 1, 40.0),
    ("荻港中学", "amenity=school", "学校", "荻港正街", 0.60, -1, 45.0),
    ("椿溪镇中心小学", "amenity=school", "学校", "椿溪新街", 0.40, 1, 45.0),
    ("南汀工业园", "landuse=industrial", "工业园区", "汀东一路", 0.50, 1, 120.0),
    ("苇湾度假村", "tourism=resort", "地标", "椿菱公路", 0.55, 1, 80.0),
    ("界岭茶场", "landuse=farmyard", "地标", "界岭公路", 0.50, -1, 90.0),
)
# bus stops: name, road, fraction along it, side
_STOPS = (
    ("河湾市人民医院公交站", "翠微路", 0.31, 1),
    ("望湖路口公交站", "鹭原大道", 0.52, -1),
    ("青柳路口公交站", "和平路", 0.30, 1),
    ("槐荫中学公交站", "栖霞路", 0.42, 1),
    ("汀州广场公交站", "汀州大道", 0.08, -1),
    ("桂香路口公交站", "蘅芜路", 0.27, 1),
    ("芷兰实验学校公交站", "桂香路", 0.52, -1),
    ("外环北路口公交站", "翠微路", 0.92, 1),
)
_VILLAGE_NAMES = [
    "芦花村",
    "荷叶村",
    "柳塘村",
    "石磨村",
    "枣园村",
    "稻香村",
    "蒲草村",
    "鸭栏村",
    "竹篱村",
    "苇湾村",
    "菱角村",
    "桑田村",
]


def _road_pts(lay: rg.Layout, name: str) -> np.ndarray:
    """The longest piece of the road called ``name`` (or of the route with that ref)."""
    if name in lay.routes:
        return lay.routes[name]["pts"]
    cands = [r.pts for r in lay.roads if r.name == name]
    return max(cands, key=lambda p: wr.cumlen(p)[-1])


def _beside(pts: np.ndarray, s: float, side: int, dist: float) -> np.ndarray:
    p = wr.at(pts, s)
    d = wr.at(pts, s + 5.0) - wr.at(pts, s - 5.0)
    d = d / np.hypot(*d)
    return p + side * dist * np.array([-d[1], d[0]])


def place_pois(lay: rg.Layout) -> None:
    """Lay out the POIs and bus stops beside their roads (fills ``lay.pois``)."""
    for name, tag, zh, road, f, side, dist in _POIS:
        pts = _road_pts(lay, road)
        s = f * 1000.0 - lay.routes[road]["k0"] if road in lay.routes else f * wr.cumlen(pts)[-1]
        lay.pois.append({"name": name, "tag": tag, "zh": zh, "xy": _beside(pts, s, side, dist)})
    for name, road, f, side in _STOPS:
        pts = _road_pts(lay, road)
        xy = _beside(pts, f * wr.cumlen(pts)[-1], side, 12.0)
        lay.pois.append({"name": name, "tag": "highway=bus_stop", "zh": "公交站", "xy": xy})


def place_villages(lay: rg.Layout, rng: np.random.Generator) -> None:
    """Three villages in each rural township, 1.5–4 km from its seat (fills ``lay.villages``)."""
    names = list(_VILLAGE_NAMES)
    towns = [u for u in lay.units if u["level"] == 4 and u["code"].startswith("990121")]
    for u in towns:
        seat = np.array(u["centre"])
        got: list[np.ndarray] = []
        tries = 0
        while len(got) < 3 and tries < 500:
            tries += 1
            a, r = rng.uniform(0, 2 * math.pi), rng.uniform(1_500.0, 4_000.0)
            p = seat + r * np.array([math.cos(a), math.sin(a)])
            inside = shapely.contains_xy(u["poly"].buffer(-400.0), p[0], p[1])
            far = all(np.hypot(*(p - q)) > 1_300.0 for q in got)
            dry = abs(p[1] - float(rg.river_y(p[0]))) > 350.0
            box = rg.EXTENT[0] + 500 < p[0] < rg.EXTENT[1] - 500
            box &= rg.EXTENT[2] + 500 < p[1] < rg.EXTENT[3] - 500
            if inside and far and dry and box:
                got.append(p)
        for p in got:
            lay.villages.append((names.pop(0), u["code"], p))


def milestones(lay: rg.Layout) -> list[tuple[str, int, np.ndarray]]:
    """(ref, km, xy) of every milestone: 8 m to the right of the route, every km in range."""
    out = []
    for ref, r in lay.routes.items():
        if not r["milestones"]:
            continue
        k_from, k_to = r["milestones"]
        for k in range(k_from, k_to + 1):
            out.append((ref, k, _beside(r["pts"], k * 1_000.0 - r["k0"], -1, 8.0)))
    return out
