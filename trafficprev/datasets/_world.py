"""The demo city 示范市: a deterministic synthetic world (合成演示数据, not a real place).

:func:`build_world` lays out a fictional prefecture city near Changde's coordinates: three urban
districts, a development zone and a rural county with townships and villages; a road network
with what real OpenStreetMap data has (ways split at junctions, dual carriageways, roundabouts,
slip lanes, service roads, G/S/X/Y/C road codes, a river with bridges); points of interest and
an enterprise register. The writers turn it into the input files a user has: an ``.osm`` file,
an admin-divisions CSV, a POI CSV, campaign candidates and an enterprise register.
:func:`road_graph` and :func:`edge_ways` give the routable graph for commute paths.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from .._errors import ArgumentError
from . import _world_roads as wr

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "World",
    "build_world",
    "edge_ways",
    "road_graph",
    "write_campaign_candidates_csv",
    "write_divisions_csv",
    "write_enterprises_csv",
    "write_osm",
    "write_pois_csv",
]

NOTE = "合成演示数据 / synthetic demo data — not a real place"
CITY = "示范市"
# code, name, aliases, streets (街道), rural townships (镇/乡) with approximate seats (x, y) in m
_UNITS = (
    (
        "439902",
        "澄阳区",
        "",
        ("府前街道", "江滨街道", "文汇街道", "北塘街道", "青石街道"),
        (("石湖镇", (-7_000, 12_300)),),
    ),
    (
        "439903",
        "锦屏区",
        "",
        ("锦屏街道", "新澄街道", "东城街道", "玉屏街道", "长虹街道"),
        (("枫溪镇", (11_500, 11_800)),),
    ),
    (
        "439904",
        "南岭区",
        "",
        ("南岭街道", "金桂街道", "鹤鸣街道", "桂园街道"),
        (("龙渡镇", (-10_800, -12_300)), ("莲溪乡", (-12_000, -4_200))),
    ),
    (
        "439921",
        "澄源县",
        "澄源",
        ("澄城街道", "澄西街道"),
        (
            ("青溪镇", (-31_500, 8_500)),
            ("石桥镇", (-17_500, 8_000)),
            ("梅岭镇", (-29_000, -8_500)),
            ("竹坪镇", (-21_000, -10_500)),
            ("云雾乡", (-33_500, 2_500)),
            ("白沙乡", (-15_500, -6_500)),
        ),
    ),
    (
        "439971",
        "示范经济技术开发区",
        "经开区|开发区|示范经开区",
        ("兴业街道", "创新街道"),
        (("沙湾镇", (13_500, -7_500)),),
    ),
)
_SEAT = (-24_000.0, 2_500.0)  # the county town, north of the river
_VIL_A = list("岚黛翠霁棠樾芸筠蔚璟苇蓼梓榆槐檀杞葛芹蒲艾菁茗松柏橘柚桑禾稻杏栗")
_VIL_B = list("溪坪湾冲岭塘田桥港洲园台岗坡铺庄垸堰湖畈寨源垭坳滩")
_SQ_A = list("和育学文华富康乐锦翠明光晨阳月星春秋永安")
_SQ_B = list("苑门园华源台坊亭阁里府庭邸景汇")
_HOUSE_A = list("金银翠碧锦华御龙凤丽怡欣嘉瑞富盛康福泰和雅君逸阳星月云水江湖")
_HOUSE_B = list("景苑园城庭湾都府轩阁居岸庄邸馨")
_BRAND_TEXT = (
    "恒达 鑫源 华威 宏图 永昌 天宇 博远 联创 德润 盛达 金达 远航 中瑞 华泰 新源 明辉 嘉信 瑞丰 佳宇"
    " 鼎盛 荣昌 富华 三和 同创 汇通 顺通 安泰 长兴 宇航 华联 东升 旭日 新星 利民 创远 恒信 众鑫"
    " 广源 宏达 凯达 精诚 永信 卓越 金鹏 飞跃 鸿基 弘毅 达力 泰丰 信达 亿丰 万通 瑞达 锦程 德信"
    " 君泰 亨通 华兴 兴旺 泽润 金源 天瑞 明远 康达 润达 鑫隆 海纳 腾龙 宏远 星海 蓝天 绿源 澄和"
    " 聚福 丰源 力行 合众 益民 万和 恒昌 嘉禾 晟达 祥瑞 隆盛 骏达 通达 宝丰 华旭 顺发 百川 千禧"
)
_BRANDS = tuple(_BRAND_TEXT.split())
_INDUSTRY = {  # industry: (count at scale 1, name patterns)
    "制造业": (
        70,
        (
            "机械制造",
            "食品",
            "纺织",
            "电子科技",
            "新材料",
            "包装材料",
            "汽车零部件",
            "药业",
            "纸业",
            "建材",
            "精密铸造",
            "电气设备",
            "粮油",
            "饮品",
            "家具",
            "服饰",
            "塑胶制品",
            "钢结构",
            "农机",
            "环保设备",
        ),
    ),
    "建筑业": (22, ("建设工程", "建筑安装工程", "路桥工程", "装饰工程", "市政工程")),
    "批发和零售业": (18, ("商贸", "超市", "医药连锁", "农资", "建材贸易")),
    "住宿和餐饮业": (12, ("酒店管理", "餐饮管理", "宾馆", "食府")),
    "交通运输、仓储和邮政业": (16, ("物流", "快递服务", "货运", "仓储", "客运")),
    "卫生和社会工作": (10, ("养老服务", "康复护理")),
    "教育": (14, ()),
    "公共管理、社会保障和社会组织": (10, ()),
    "信息传输、软件和信息技术服务业": (6, ("信息技术", "网络科技", "软件")),
    "金融业": (6, ("小额贷款", "融资担保", "保险代理")),
    "租赁和商务服务业": (6, ("人力资源服务", "物业管理", "广告传媒")),
    "居民服务、修理和其他服务业": (6, ("家政服务", "汽车维修", "保洁服务")),
    "房地产业": (4, ("置业", "房地产开发")),
}
_OFFICES = (
    "示范市城市管理和综合执法局",
    "示范市住房和城乡建设局",
    "示范市交通运输局",
    "示范市人力资源和社会保障局",
    "示范市自然资源和规划局",
    "示范市市场监督管理局",
    "示范经济技术开发区管理委员会",
    "澄阳区人民政府",
    "锦屏区人民政府",
    "澄源县人民政府",
    "南岭区人民政府",
    "示范市生态环境局",
    "示范市水利局",
    "示范市民政局",
)
_KIND_ZH = {
    "community": "小区",
    "large_community": "大型社区",
    "school": "学校",
    "hospital": "医院",
    "market": "市场",
    "bus_station": "客运站",
    "landmark": "地标",
    "industrial_park": "工业园区",
    "cbd": "CBD",
    "park": "公园",
}
_CAMPAIGN = {
    "large_community": "大型社区",
    "industrial_park": "工业园区",
    "cbd": "CBD",
    "school": "学校",
    "hospital": "其他",
    "market": "其他",
    "bus_station": "其他",
}
_AREA_TAG = {
    "park": ("leisure", "park"),
    "industrial_park": ("landuse", "industrial"),
    "cbd": ("landuse", "commercial"),
    "large_community": ("landuse", "residential"),
}
_LANDMARKS = (
    ("人民广场", "place", "square"),
    ("示范火车站", "railway", "station"),
    ("示范市人民政府", "amenity", "townhall"),
    ("示范市体育中心", "leisure", "sports_centre"),
    ("示范市图书馆", "amenity", "library"),
    ("示范市博物馆", "tourism", "museum"),
    ("示范国际会展中心", "amenity", "conference_centre"),
    ("澄江商业广场", "shop", "mall"),
    ("锦屏步行街", "tourism", "attraction"),
    ("澄源县人民政府", "amenity", "townhall"),
)
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_W = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True, eq=False)
class World:
    """The demo city: every table the writers and the case generator need.

    Attributes
    ----------
    divisions
        ``code, parent_code, level, name, lon, lat, aliases`` (levels 2–5) and ``osm_id``, the
        ``place=*`` node written for levels 2, 4 and 5 (0 for level 3).
    nodes
        Every OSM node: ``node_id, lon, lat, kind`` (road, water, area, poi, place).
    ways
        Road ways: ``way_id, node_ids, highway, name, name_zh, ref, oneway, junction, bridge,
        layer, bridge_name, district_code``.
    waterways
        ``way_id, node_ids, name, waterway``.
    pois
        ``poi_id, name, kind, lon, lat, size, district_code, node_id, as_area, osm_id, address``;
        ``node_id`` is the nearest road node, ``osm_id`` the POI's own OSM node (or closed way
        when ``as_area``).
    enterprises
        ``credit_code, name, industry, address, lon, lat, insured, district, node_id, site``.
    areas
        Closed ways of the area POIs: ``way_id, poi_id, node_ids, key, value, name``.
    """

    divisions: pd.DataFrame
    nodes: pd.DataFrame
    ways: pd.DataFrame
    waterways: pd.DataFrame
    pois: pd.DataFrame
    enterprises: pd.DataFrame
    areas: pd.DataFrame
    seed: int
    scale: float


def district_of(x, y) -> np.ndarray:
    """The 6-digit code of the level-3 unit containing each local point."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    north = y > wr.river_y(x)
    code = np.where(
        north, np.where(x < wr.CX, "439902", "439903"), np.where(x < wr.CX, "439904", "439971")
    )
    return np.where(x < wr.COUNTY_X, "439921", code)


def _far_from_river(p, d: float) -> bool:
    return bool(abs(p[1] - wr.river_y(p[0])) > d)


def _unique_names(rng, a: list[str], b: list[str], suffix: str, n: int, used: set) -> list[str]:
    """``n`` new names ``a+b+suffix``; three-character stems once the two-character ones run out."""
    out, misses = [], 0
    while len(out) < n:
        name = a[int(rng.integers(len(a)))] + b[int(rng.integers(len(b)))]
        if misses > 200:
            name += b[int(rng.integers(len(b)))]
        name += suffix
        if name[0] != name[1] and name not in used:
            used.add(name)
            out.append(name)
        else:
            misses += 1
    return out


def _kmeans(rng, pts: np.ndarray, k: int) -> np.ndarray:
    c = pts[:k].copy()
    for _ in range(15):
        lab = np.argmin(np.hypot(*(pts[:, None] - c[None]).transpose(2, 0, 1)), axis=1)
        c = np.array([pts[lab == j].mean(0) if (lab == j).any() else c[j] for j in range(k)])
    return c[np.lexsort((c[:, 0], -c[:, 1]))]


def _divisions(rng, scale: float):
    """Admin units with local positions; the rural seats; the villages (name, xy, code)."""
    rows: list[dict] = []
    seat = np.array(_SEAT)
    seats, villages, used, taken = {"县城": seat}, [], set(), [seat]
    x0, x1, y0, y1 = wr.EXTENT

    def add(code, parent, level, name, xy, aliases=""):
        rows.append(
            {
                "code": code,
                "parent_code": parent,
                "level": level,
                "name": name,
                "xy": np.asarray(xy, float),
                "aliases": aliases,
            }
        )

    add("439900000000", "430000000000", 2, CITY, wr.HUB, "示范")
    for code, name, aliases, streets, towns in _UNITS:
        c12 = code + "000000"
        if code == "439921":
            centres = [seat + np.array([700.0, 0.0]), seat - np.array([900.0, 200.0])]
        else:
            cand = rng.uniform((-10_000, -9_500), (10_000, 9_000), (6_000, 2))
            ok = (district_of(*cand.T) == code) & wr.in_ring(*cand.T, -300.0)
            ok &= np.abs(cand[:, 1] - wr.river_y(cand[:, 0])) > 300.0
            centres = list(_kmeans(rng, cand[ok], len(streets)))
        for tname, t_xy in towns:
            p = np.array(t_xy, float)
            while not _far_from_river(p, 1_500.0):
                p[1] += 400.0 if p[1] > wr.river_y(p[0]) else -400.0
            seats[tname] = p
        add(
            c12,
            "439900000000",
            3,
            name,
            np.mean(centres + [seats[t] for t, _ in towns], axis=0),
            aliases,
        )
        for i, (sname, p) in enumerate(zip(streets, centres, strict=True)):
            s_code = f"{code}{i + 1:03d}000"
            add(s_code, c12, 4, sname, p)
            n_sq = max(2, round(int(rng.integers(3, 7)) * scale))
            for j, sq in enumerate(_unique_names(rng, _SQ_A, _SQ_B, "社区", n_sq, used)):
                q = p + rng.uniform(-1_000, 1_000, 2)
                for _ in range(50):
                    if district_of(*q) == code and _far_from_river(q, 250.0):
                        break
                    q = p + rng.uniform(-1_000, 1_000, 2)
                add(f"{s_code[:9]}{j + 1:03d}", s_code, 5, sq, q)
        n_zhen = n_xiang = 0
        for tname, _ in towns:
            if tname.endswith("乡"):
                n_xiang += 1
                t_code = f"{code}{200 + n_xiang:03d}000"
            else:
                n_zhen += 1
                t_code = f"{code}{100 + n_zhen:03d}000"
            p = seats[tname]
            taken.append(p)
            add(t_code, c12, 4, tname, p)
            add(f"{t_code[:9]}001", t_code, 5, tname[:-1] + "社区", p + np.array([150.0, 120.0]))
            n_v = max(2, round(int(rng.integers(5, 9)) * scale))
            names = _unique_names(rng, _VIL_A, _VIL_B, "村", n_v, used)
            k = 0
            for _ in range(400):
                if k == n_v:
                    break
                ang, rad = rng.uniform(0, 2 * np.pi), rng.uniform(1_000, 4_200)
                q = p + rad * np.array([math.cos(ang), math.sin(ang)])
                if (
                    not (x0 + 300 < q[0] < x1 - 300 and y0 + 300 < q[1] < y1 - 300)
                    or district_of(*q) != code
                    or wr.in_ring(*q, 600.0)
                    or not _far_from_river(q, 300.0)
                    or min(math.dist(q, t) for t in taken) < 800.0
                    or math.dist(q, _SEAT) < 1_800.0
                ):
                    continue
                v_code = f"{t_code[:9]}{201 + k:03d}"
                add(v_code, t_code, 5, names[k], q)
                villages.append((names[k], q, v_code))
                taken.append(q)
                k += 1
    return rows, seats, villages


class _Near:
    """Nearest point on a set of road polylines (brute force over segments)."""

    def __init__(self, roads: list[wr.Road]) -> None:
        self.a = np.vstack([r.pts[:-1] for r in roads])
        self.b = np.vstack([r.pts[1:] for r in roads])
        self.name = np.concatenate([[r.name or ""] * (len(r.pts) - 1) for r in roads])
        self.named = np.array([bool(n) for n in self.name]) & np.concatenate(
            [[r.highway not in ("service", "track")] * (len(r.pts) - 1) for r in roads]
        )
        d = self.b - self.a
        self.d, self.dd = d, np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)

    def query(self, p, named: bool = False) -> tuple[float, np.ndarray, int]:
        t = np.clip(((p - self.a) * self.d).sum(1) / self.dd, 0.0, 1.0)
        foot = self.a + t[:, None] * self.d
        dist = np.hypot(*(foot - p).T)
        if named:
            dist = np.where(self.named, dist, np.inf)
        k = int(np.argmin(dist))
        return float(dist[k]), foot[k], k

    def add(self, road: wr.Road) -> None:
        self.a = np.vstack([self.a, road.pts[:-1]])
        self.b = np.vstack([self.b, road.pts[1:]])
        self.name = np.concatenate([self.name, [""] * (len(road.pts) - 1)])
        self.named = np.concatenate([self.named, [False] * (len(road.pts) - 1)])
        self.d = self.b - self.a
        self.dd = np.maximum(np.einsum("ij,ij->i", self.d, self.d), 1e-12)


def _angle_at(p) -> float:
    if p[0] < wr.COUNTY_X:
        return 3.0
    code = district_of(*p)
    return {"439902": 0.0, "439903": 12.0, "439904": 5.0}.get(str(code), -8.0)


def _rect(c, w: float, h: float, ang: float, rng, jitter: float = 0.0) -> np.ndarray:
    """A rotated rectangle with jittered edge midpoints, as a closed ring of 8 vertices."""
    a = math.radians(ang)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    unit = np.array([[1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1], [1, 0]], float)
    unit[[1, 3, 5, 7]] *= 1.0 + rng.uniform(-jitter, jitter, (4, 1))
    return np.asarray(c, float) + (unit * (w / 2, h / 2)) @ rot.T


class _Placer:
    """Places points at a given distance from the roads and adds their service roads."""

    def __init__(self, rng, roads, river, seat, scale: float) -> None:
        self.rng, self.near, self.river, self.seat = rng, _Near(roads), river, np.asarray(seat)
        self.block = 140.0 / math.sqrt(max(scale, 1.0))  # least distance to a road of an area
        self.services: list[wr.Road] = []

    def sample(self, region: str | np.ndarray) -> np.ndarray:
        rng = self.rng
        if isinstance(region, np.ndarray):  # a rectangle ring from _rect
            lo, hi = region.min(0), region.max(0)
            c = region.mean(0)
            return c + 0.8 * (rng.uniform(lo, hi) - c)
        if region == "town":
            return self.seat + rng.uniform((-1_500, -1_000), (1_500, 1_000))
        while True:
            p = rng.uniform((-10_000, -9_800), (10_000, 9_200))
            if not wr.in_ring(*p, -300.0):
                continue
            if region == "periphery" and wr.in_ring(*p, -2_500.0):
                continue
            if region in ("urban", "periphery") or str(district_of(*p)) == region:
                return p

    def spot(self, region, dmin: float, dmax: float, service: bool = True):
        """A point whose nearest road is ``dmin``–``dmax`` away (with a service road to it)."""
        for _ in range(600):
            p = self.sample(region)
            if not _far_from_river(p, 260.0):
                continue
            d, foot, _ = self.near.query(p)
            if not dmin <= d <= dmax:
                continue
            hit, _, _ = wr.seg_cross(p, foot, self.river[:-1], self.river[1:])
            if hit.any():
                continue
            if service and d >= 35.0:
                road = wr.Road(np.array([p, foot]), "service", trim=False)
                self.services.append(road)
                self.near.add(road)
            return p, d
        raise RuntimeError(f"no room for a point in {region!r}")  # pragma: no cover


def _school_names(n_school: int, stems: list[str]) -> list[str]:
    """The names of `n_school` schools: the fixed ones, then district + stem + 小学/中学.

    Stems are taken from the end of `stems` (the list is shortened: the markets take the
    next ones).
    """
    schools = [
        "示范市第一中学",
        "示范市第二中学",
        "示范市第三中学",
        "示范市实验中学",
        "示范市实验小学",
        "示范职业技术学院",
        "澄源县第一中学",
        "澄源县澄城小学",
    ]
    short = {"439902": "澄阳区", "439903": "锦屏区", "439904": "南岭区", "439971": "经开区"}
    while len(schools) < n_school:
        schools.append(
            short[("439902", "439903", "439904", "439971")[len(schools) % 4]]
            + stems.pop()
            + ("小学" if len(schools) % 3 else "中学")
        )
    return schools[:n_school]


def _pois(rng, scale: float, placer: _Placer, seats) -> list[dict]:
    out: list[dict] = []
    used: set[str] = set()

    def add(name, kind, p, size, area=None):
        out.append(
            {
                "name": name,
                "kind": kind,
                "xy": np.asarray(p, float),
                "size": int(size),
                "area": area,
            }
        )

    s0 = seats["县城"]
    for name, kind, c, w, h, ang in (
        ("示范经济技术开发区工业园", "industrial_park", (7_500, -7_000), 2_400, 1_600, -8),
        ("南岭工业园", "industrial_park", (-6_500, -6_500), 1_600, 1_200, 5),
        ("锦屏高新科技园", "industrial_park", (7_000, 6_000), 1_500, 1_100, 12),
        ("澄源工业集中区", "industrial_park", s0 + np.array([2_500, 300]), 1_000, 800, 3),
        ("示范中央商务区", "cbd", (2_300, 1_750), 1_300, 900, 12),
    ):
        ring = _rect(c, w, h, ang, rng, 0.06)
        add(name, kind, ring.mean(0), 0, ring)
    river_park = np.arange(-2_600.0, -399.0, 200.0)
    ry = wr.river_y(river_park)
    strip = np.vstack(
        [
            np.column_stack([river_park, ry + 25]),
            np.column_stack([river_park, ry + wr.BANK - 20])[::-1],
        ]
    )
    add("滨江公园", "park", strip.mean(0), 0, strip)
    for name, region in (
        ("人民公园", "439902"),
        ("锦屏公园", "439903"),
        ("南岭湿地公园", "439904"),
        ("经开区中央公园", "439971"),
        ("澄源县城市公园", "town"),
    ):
        add(name, "park", *_block(placer, region, rng))
    n_large = max(3, round(14 * scale))
    for k, name in enumerate(_unique_names(rng, _HOUSE_A, _HOUSE_B, "", n_large, used)):
        region = ("439902", "439903", "439904", "439971")[k % 4] if k else "town"
        suffix = ("新城", "花园", "家园", "国际社区")[k % 4]
        p, _, ring = _block(placer, region, rng)
        add(name + suffix, "large_community", p, rng.integers(8_000, 25_001), ring)
    n_com = max(6, round(150 * scale))
    suffixes = ("小区", "花园", "家园", "新村", "公寓", "佳苑")
    for k, name in enumerate(_unique_names(rng, _HOUSE_A, _HOUSE_B, "", n_com, used)):
        p, _ = placer.spot("town" if k % 9 == 0 else "urban", 45.0, 200.0)
        add(name + suffixes[k % 6], "community", p, np.exp(rng.uniform(6.4, 8.7)))
    stems = [d + s for d in ("", "新", "东", "西") for s in wr.STEMS][::-1]
    n_school = max(4, round(28 * scale))
    for name in _school_names(n_school, stems):
        p, _ = placer.spot(_region_of(name), 50.0, 180.0)
        add(name, "school", p, rng.integers(600, 4_001) if "学院" not in name else 9_000)
    for name, region in (
        ("示范市第一人民医院", "439902"),
        ("示范市第二人民医院", "439903"),
        ("示范市中医医院", "439902"),
        ("示范市妇幼保健院", "439904"),
        ("澄阳区人民医院", "439902"),
        ("锦屏区人民医院", "439903"),
        ("南岭区人民医院", "439904"),
        ("澄源县人民医院", "town"),
    ):
        p, _ = placer.spot(region, 50.0, 180.0)
        add(name, "hospital", p, 0)
    for k in range(max(3, round(16 * scale))):
        p, _ = placer.spot("town" if k % 7 == 0 else "urban", 40.0, 150.0)
        kind = ("农贸市场", "菜市场", "大市场", "超市")[k % 4]
        add(stems.pop() + kind, "market", p, rng.integers(80, 600))
    for name, region in (
        ("示范汽车总站", "439903"),
        ("示范汽车北站", "439902"),
        ("示范汽车南站", "439904"),
        ("示范汽车西站", "439902"),
        ("澄源县汽车站", "town"),
        ("经开区公交枢纽站", "439971"),
    ):
        p, _ = placer.spot(region, 40.0, 150.0)
        add(name, "bus_station", p, rng.integers(40, 300))
    for name, _, _ in _LANDMARKS:
        if name == "人民广场":
            add(name, "landmark", np.array(wr.HUB) + np.array([90.0, 130.0]), 0)
            continue
        region = "town" if name.startswith("澄源") else "urban"
        add(name, "landmark", placer.spot(region, 30.0, 120.0, service=False)[0], 0)
    return out


def _region_of(name: str) -> str:
    """Where a named place belongs: its district's code, the county town, or anywhere urban."""
    if name.startswith("澄源"):
        return "town"
    for prefix, code in (
        ("澄阳", "439902"),
        ("锦屏", "439903"),
        ("南岭", "439904"),
        ("经开区", "439971"),
        ("示范经济技术开发区", "439971"),
    ):
        if name.startswith(prefix):
            return code
    return "urban"


def _block(placer: _Placer, region, rng):
    """A block interior with a square area around it (parks, large communities)."""
    p, d = placer.spot(region, placer.block, 400.0)
    half = min(d - 0.18 * placer.block, 200.0) / math.sqrt(2.0)
    return p, 0, _rect(p, 2 * half, 2 * half * rng.uniform(0.7, 1.0), _angle_at(p), rng, 0.08)


def _credit_code(rng, kind: str, used: set) -> str:
    """An 18-character unified social credit code with valid GB 11714 and GB 32100 checks."""
    while True:
        if kind == "91":
            body = "MA4" + "".join(str(c) for c in rng.choice(list(_USCC), 5))
        else:
            body = "".join(str(d) for d in rng.integers(0, 10, 8))
        vals = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
        c9 = 11 - sum(v * w for v, w in zip(vals, _ORG_W, strict=True)) % 11
        code = f"{kind}439900{body}" + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
        total = sum(_USCC.index(ch) * w for ch, w in zip(code, _USCC_W, strict=True))
        code += _USCC[(31 - total % 31) % 31]
        if code not in used:
            used.add(code)
            return code


def _enterprises(rng, scale: float, placer: _Placer, pois: list[dict]) -> list[dict]:
    out: list[dict] = []
    codes: set[str] = set()
    names: set[str] = set()
    parks = [p for p in pois if p["kind"] == "industrial_park"]
    cbd = next(p for p in pois if p["kind"] == "cbd")
    brands = list(_BRANDS)

    def company(words) -> str:
        while True:
            name = f"{CITY}{brands[int(rng.integers(len(brands)))]}"
            name += f"{words[int(rng.integers(len(words)))]}有限公司"
            if name not in names:
                names.add(name)
                return name

    def add(name, industry, p, insured, site="其他", kind="91"):
        out.append(
            {
                "credit_code": _credit_code(rng, kind, codes),
                "name": name,
                "industry": industry,
                "xy": np.asarray(p, float),
                "insured": int(max(3, round(insured))),
                "site": site,
            }
        )

    lognorm = lambda mu, sd, hi: min(float(np.exp(rng.normal(mu, sd))), hi)  # noqa: E731
    for industry, (count, words) in _INDUSTRY.items():
        n = max(1, round(count * scale))
        if industry.startswith("公共管理"):
            n = min(n, len(_OFFICES))
        for k in range(n):
            if industry == "制造业":
                if k < round(0.83 * n):
                    park = parks[[0, 0, 0, 1, 1, 2, 2, 3, 0, 1, 2][k % 11]]
                    p, _ = placer.spot(park["area"], 40.0, 260.0)
                    add(company(words), industry, p, lognorm(5.4, 1.0, 6_000.0), park["name"])
                else:
                    p, _ = placer.spot("periphery", 40.0, 250.0)
                    add(company(words), industry, p, lognorm(4.3, 0.9, 1_500.0))
            elif industry == "教育":
                schools = [q for q in pois if q["kind"] == "school"]
                school = schools[k % len(schools)]
                add(school["name"], industry, school["xy"], lognorm(4.6, 0.5, 900.0), kind="12")
            elif industry == "公共管理、社会保障和社会组织":
                name = _OFFICES[k % len(_OFFICES)]
                p, _ = placer.spot(_region_of(name), 30.0, 150.0)
                add(name, industry, p, lognorm(4.5, 0.6, 900.0), kind="11")
            elif industry == "卫生和社会工作" and k < 8:
                hosp = [q for q in pois if q["kind"] == "hospital"][k]
                staff = (2_300, 1_700, 1_100, 700, 800, 750, 650, 900)[k]
                add(hosp["name"], industry, hosp["xy"], staff * rng.uniform(0.85, 1.15), kind="12")
            elif industry in (
                "信息传输、软件和信息技术服务业",
                "金融业",
                "租赁和商务服务业",
                "房地产业",
            ) or (industry in ("批发和零售业", "住宿和餐饮业") and k % 3 == 0):
                p, _ = placer.spot(cbd["area"], 12.0, 90.0, service=False)
                add(company(words), industry, p, lognorm(3.8, 0.9, 1_200.0), cbd["name"])
            else:
                region = "periphery" if industry.startswith("交通") else "urban"
                p, _ = placer.spot(region, 35.0, 200.0)
                add(
                    company(words),
                    industry,
                    p,
                    lognorm(3.7 if region == "urban" else 4.2, 1.0, 2_000.0),
                )
    return out


def _largest_scc(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Mask of the nodes in the largest strongly connected component (iterative Kosaraju)."""

    def csr(a, b):
        order = np.argsort(a, kind="stable")
        return np.searchsorted(a[order], np.arange(n + 1)), b[order]

    (fp, fa), (rp, ra) = csr(src, dst), csr(dst, src)
    seen, post = np.zeros(n, bool), []
    for s in range(n):
        if seen[s]:
            continue
        seen[s] = True
        stack = [(s, fp[s])]
        while stack:
            v, i = stack[-1]
            if i < fp[v + 1]:
                stack[-1] = (v, i + 1)
                w = fa[i]
                if not seen[w]:
                    seen[w] = True
                    stack.append((w, fp[w]))
            else:
                post.append(v)
                stack.pop()
    comp = np.full(n, -1)
    for c, s in enumerate(reversed(post)):
        if comp[s] >= 0:
            continue
        comp[s], stack = c, [s]
        while stack:
            v = stack.pop()
            for w in ra[rp[v] : rp[v + 1]]:
                if comp[w] < 0:
                    comp[w] = c
                    stack.append(w)
    return comp == np.bincount(comp).argmax()


def _connected(ways: list[wr.Way]) -> list[wr.Way]:
    """Keep only the ways inside the largest strongly connected part of the road graph."""
    while True:
        ids = sorted({n for w in ways for n in w.nodes})
        index = {n: i for i, n in enumerate(ids)}
        src, dst = [], []
        for w in ways:
            idx = [index[n] for n in w.nodes]
            src += idx[:-1]
            dst += idx[1:]
            if not w.road.oneway:
                src += idx[1:]
                dst += idx[:-1]
        keep = _largest_scc(len(ids), np.array(src), np.array(dst))
        kept = [w for w in ways if all(keep[index[n]] for n in w.nodes)]
        if len(kept) == len(ways):
            return kept
        ways = kept


def build_world(seed: int = 2024, *, scale: float = 1.0) -> World:
    """Generate the demo city 示范市 (合成演示数据).

    Parameters
    ----------
    seed
        Seed of the only random generator used: the same seed gives identical tables.
    scale
        Density: the grid spacing shrinks with ``1/sqrt(scale)``; the numbers of villages,
        communities, schools, markets and enterprises grow with ``scale`` (0.1–4).

    Returns
    -------
    World
    """
    if not 0.1 <= scale <= 4.0:
        raise ArgumentError(f"scale must be between 0.1 and 4, got {scale}")
    rng = np.random.default_rng(seed)
    div_rows, seats, villages = _divisions(rng, scale)
    pool = wr.name_pool(rng)
    roads, info = wr.urban_roads(rng, scale, pool)
    rural, town_disc = wr.rural_roads(rng, seats, info, pool)
    roads = wr.apply_discs(roads + rural, info["discs"] + town_disc)
    river = wr.river_line()
    anchors = np.vstack([r.pts for r in roads if r.ref or r.name in ("西环路", "南环路", "东环路")])
    anchors = anchors[np.abs(anchors[:, 1] - wr.river_y(anchors[:, 0])) > 200.0]
    roads += wr.village_links(rng, [(v[0], v[1]) for v in villages], anchors, river)
    placer = _Placer(rng, roads, river, seats["县城"], scale)
    pois = _pois(rng, scale, placer, seats)
    ents = _enterprises(rng, scale, placer, pois)
    roads, _ = wr.apply_river(roads + placer.services, river)
    pts, ways = wr.node_roads(roads, rng)
    ways = _connected(ways)
    return _assemble(rng, seed, scale, div_rows, villages, pts, ways, river, pois, ents, placer)


def _road_node_ids(ways: list) -> dict[int, int]:
    """Point id -> OSM node id (1, 2, …) of every point on a way, in way order."""
    node_id: dict[int, int] = {}
    for w in ways:
        for n in w.nodes:
            node_id.setdefault(n, len(node_id) + 1)
    return node_id


def _way_table(ways: list, node_id: dict[int, int], pts: np.ndarray) -> pd.DataFrame:
    """The road ways (ids from 1) with their tags and the district of their middle."""
    rows = []
    for i, w in enumerate(ways, start=1):
        r, ids = w.road, tuple(node_id[n] for n in w.nodes)
        k = len(w.nodes) // 2
        mid = (pts[w.nodes[k - 1]] + pts[w.nodes[k]]) / 2.0
        rows.append(
            {
                "way_id": i,
                "node_ids": ids,
                "highway": r.highway,
                "name": r.name,
                "name_zh": r.name,
                "ref": r.ref,
                "oneway": bool(r.oneway),
                "junction": r.junction,
                "bridge": bool(w.bridge),
                "layer": int(w.bridge),
                "bridge_name": r.bridge_name if w.bridge else None,
                "district_code": str(district_of(*mid)) + "000000",
            }
        )
    ways_df = pd.DataFrame(rows)
    for col in ("name", "name_zh", "ref", "junction", "bridge_name"):
        ways_df[col] = ways_df[col].astype(object).where(ways_df[col].notna(), None)
    return ways_df


def _river_ways(river_ids: tuple[int, ...], first_way: int) -> pd.DataFrame:
    """The river as four waterways over its nodes, numbered from `first_way`."""
    cut = np.linspace(0, len(river_ids) - 1, 5).round().astype(int)
    return pd.DataFrame(
        [
            {
                "way_id": first_way + j,
                "node_ids": river_ids[a : b + 1],
                "name": "澄江",
                "waterway": "river",
            }
            for j, (a, b) in enumerate(itertools.pairwise(cut))
        ]
    )


def _enterprise_rows(
    ents: list[dict], address: Callable, nearest: Callable, names: dict[str, str]
) -> list[dict]:
    """One register row per enterprise, with its address, district and nearest road node
    (`address` draws house numbers: called in enterprise order)."""
    erow = []
    for e in ents:
        code, addr = address(e["xy"])
        lo, la = wr.to_lonlat(e["xy"])
        erow.append(
            {
                "credit_code": e["credit_code"],
                "name": e["name"],
                "industry": e["industry"],
                "address": addr,
                "lon": float(lo),
                "lat": float(la),
                "insured": e["insured"],
                "district": names[code + "000000"],
                "node_id": nearest(e["xy"]),
                "site": e["site"],
            }
        )
    return erow


def _set_site_sizes(poi_df: pd.DataFrame, prow: list[dict], ent_df: pd.DataFrame) -> None:
    """Set in place the size of the parks and the CBD (their enterprises' workers; twice
    that for the CBD) and of the hospitals (their staff, else 500)."""
    for k, prow_i in enumerate(prow):
        if prow_i["kind"] in ("industrial_park", "cbd"):
            total = int(ent_df.loc[ent_df["site"] == prow_i["name"], "insured"].sum())
            poi_df.loc[k, "size"] = total * (1 if prow_i["kind"] == "industrial_park" else 2)
        elif prow_i["kind"] == "hospital":
            poi_df.loc[k, "size"] = (
                int(ent_df.loc[ent_df["name"] == prow_i["name"], "insured"].sum()) or 500
            )


def _poi_rows(
    pois: list[dict], address: Callable, nearest: Callable, new_nodes: Callable, next_way: int
) -> tuple[list[dict], list[dict]]:
    """One row per POI (address, district, nearest road node), and one area way (numbered
    from `next_way`, its ring made by `new_nodes`) per POI drawn as an area.

    `address` draws house numbers and `new_nodes` numbers nodes: both are called in POI
    order.
    """
    prow, arow = [], []
    for i, p in enumerate(pois, start=1):
        code, addr = address(p["xy"])
        lo, la = wr.to_lonlat(p["xy"])
        osm_id = None
        if p["area"] is not None:
            ring = new_nodes(p["area"], "area")
            osm_id = next_way
            key, value = _AREA_TAG[p["kind"]]
            arow.append(
                {
                    "way_id": next_way,
                    "poi_id": i,
                    "node_ids": (*ring, ring[0]),
                    "key": key,
                    "value": value,
                    "name": p["name"],
                }
            )
            next_way += 1
        prow.append(
            {
                "poi_id": i,
                "name": p["name"],
                "kind": p["kind"],
                "lon": float(lo),
                "lat": float(la),
                "size": p["size"],
                "district_code": code + "000000",
                "node_id": nearest(p["xy"]),
                "as_area": p["area"] is not None,
                "osm_id": osm_id,
                "address": addr,
            }
        )
    return prow, arow


def _assemble(rng, seed, scale, div_rows, villages, pts, ways, river, pois, ents, placer):
    """The world's tables from its geometry: nodes, ways, waterways, POIs (with areas),
    enterprises and divisions, with OSM ids and addresses."""
    node_id = _road_node_ids(ways)
    road_pids = np.array(list(node_id))
    lon, lat = wr.to_lonlat(pts[road_pids])
    node_rows = [
        pd.DataFrame(
            {
                "node_id": np.arange(1, len(road_pids) + 1, dtype=np.int64),
                "lon": lon,
                "lat": lat,
                "kind": "road",
            }
        )
    ]
    next_id = len(road_pids) + 1

    def new_nodes(xy: np.ndarray, kind: str) -> tuple[int, ...]:
        nonlocal next_id
        lo, la = wr.to_lonlat(xy)
        ids = np.arange(next_id, next_id + len(xy), dtype=np.int64)
        node_rows.append(pd.DataFrame({"node_id": ids, "lon": lo, "lat": la, "kind": kind}))
        next_id += len(xy)
        return tuple(int(i) for i in ids)

    ways_df = _way_table(ways, node_id, pts)
    water = _river_ways(new_nodes(river, "water"), len(ways_df) + 1)
    next_way = len(ways_df) + 1 + len(water)
    road_xy = pts[road_pids]
    nearest = lambda p: int(np.argmin(np.hypot(*(road_xy - p).T))) + 1  # noqa: E731
    names = {r["code"]: r["name"] for r in div_rows}
    vil_xy = np.array([v[1] for v in villages])

    def address(p) -> tuple[str, str]:
        code = str(district_of(*p))
        d, _, k = placer.near.query(p, named=True)
        if d < 450.0:
            return (
                code,
                f"{CITY}{names[code + '000000']}{placer.near.name[k]}"
                f"{int(rng.integers(1, 400)) * 2 - int(rng.integers(0, 2))}号",
            )
        v = villages[int(np.argmin(np.hypot(*(vil_xy - p).T)))]
        return code, f"{CITY}{names[code + '000000']}{names[v[2][:9] + '000']}{v[0]}"

    prow, arow = _poi_rows(pois, address, nearest, new_nodes, next_way)
    ent_df = pd.DataFrame(_enterprise_rows(ents, address, nearest, names))
    poi_df = pd.DataFrame(prow)
    _set_site_sizes(poi_df, prow, ent_df)
    point_pois = poi_df.index[~poi_df["as_area"]]
    ids = new_nodes(np.array([pois[k]["xy"] for k in point_pois]), "poi")
    poi_df.loc[point_pois, "osm_id"] = ids
    poi_df["osm_id"] = poi_df["osm_id"].astype(np.int64)
    divisions = pd.DataFrame(sorted(div_rows, key=lambda r: r["code"]))
    div_xy = np.vstack(divisions.pop("xy").to_list())
    divisions["lon"], divisions["lat"] = wr.to_lonlat(div_xy)
    divisions = divisions[["code", "parent_code", "level", "name", "lon", "lat", "aliases"]].copy()
    has_place = (divisions["level"] != 3).to_numpy()
    divisions["osm_id"] = 0
    divisions.loc[has_place, "osm_id"] = new_nodes(div_xy[has_place], "place")
    areas = pd.DataFrame(arow, columns=["way_id", "poi_id", "node_ids", "key", "value", "name"])
    return World(
        divisions=divisions,
        nodes=pd.concat(node_rows, ignore_index=True),
        ways=ways_df,
        waterways=water,
        pois=poi_df,
        enterprises=ent_df.sort_values("credit_code").reset_index(drop=True),
        areas=areas,
        seed=seed,
        scale=scale,
    )


# ---------------------------------------------------------------------------------------------
# writers


def _tags(pairs) -> list[str]:
    return [
        f"    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>"
        for k, v in sorted(pairs)
        if v is not None and v != ""
    ]


def _named(name) -> list[tuple[str, str]]:
    return [("name", name), ("name:zh", name)] if name else []


def write_osm(world: World, path) -> None:
    """Write the roads, river, areas, POIs and places as OSM XML 0.6 (deterministic bytes)."""
    node_tags: dict[int, list[tuple[str, str]]] = {}
    for p in world.pois.itertuples():
        if p.as_area:
            continue
        if p.kind == "landmark":
            key, value = next((k, v) for n, k, v in _LANDMARKS if n == p.name)
        else:
            key, value = {
                "community": ("place", "neighbourhood"),
                "school": ("amenity", "college" if "学院" in p.name else "school"),
                "hospital": ("amenity", "hospital"),
                "market": (
                    ("shop", "supermarket")
                    if p.name.endswith("超市")
                    else ("amenity", "marketplace")
                ),
                "bus_station": ("amenity", "bus_station"),
            }[p.kind]
        node_tags[int(p.osm_id)] = [(key, value), *_named(p.name)]
    for d in world.divisions.itertuples():
        if d.osm_id:
            place = {
                2: "city",
                4: "suburb"
                if d.name.endswith("街道")
                else "town"
                if d.name.endswith("镇")
                else "village",
                5: "neighbourhood" if d.name.endswith("社区") else "village",
            }[d.level]
            node_tags[int(d.osm_id)] = [("place", place), *_named(d.name)]
    nodes = world.nodes
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<!-- {NOTE} -->",
        '<osm version="0.6" generator="trafficprev demo city (合成演示数据)">',
        f"  <note>{NOTE}</note>",
        f'  <bounds minlat="{nodes.lat.min():.7f}" minlon="{nodes.lon.min():.7f}" '
        f'maxlat="{nodes.lat.max():.7f}" maxlon="{nodes.lon.max():.7f}"/>',
    ]
    for nid, lon, lat in zip(
        nodes.node_id.to_numpy(), nodes.lon.to_numpy(), nodes.lat.to_numpy(), strict=True
    ):
        head = f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
        tags = node_tags.get(int(nid))
        out.extend([head + ">", *_tags(tags), "  </node>"] if tags else [head + "/>"])
    elements = []
    for w in world.ways.itertuples():
        tags = [
            ("highway", w.highway),
            *_named(w.name),
            ("ref", w.ref),
            ("oneway", "yes" if w.oneway else None),
            ("junction", w.junction),
        ]
        if w.bridge:
            tags += [("bridge", "yes"), ("layer", "1"), ("bridge:name", w.bridge_name)]
        elements.append((w.way_id, w.node_ids, tags))
    elements += [
        (w.way_id, w.node_ids, [("waterway", w.waterway), *_named(w.name)])
        for w in world.waterways.itertuples()
    ]
    elements += [
        (a.way_id, a.node_ids, [(a.key, a.value), *_named(a.name)])
        for a in world.areas.itertuples()
    ]
    for wid, ids, tags in sorted(elements, key=lambda e: e[0]):
        out.append(f'  <way id="{wid}" version="1">')
        out.extend(f'    <nd ref="{n}"/>' for n in ids)
        out.extend(_tags(tags))
        out.append("  </way>")
    out.append("</osm>\n")
    Path(path).write_bytes("\n".join(out).encode("utf-8"))


_TITLE = "示范市（合成演示数据，非真实地点）"


def _write_csv(path, header: list[str], rows, *, title: str | None = None) -> None:
    """UTF-8-with-BOM CSV; `title` goes on a row above the header, as in real exports."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)


def _c(v: float) -> str:
    return f"{v:.7f}"


def write_divisions_csv(world: World, path) -> None:
    """The admin-divisions CSV (code, parent_code, level, name, lon, lat, aliases)."""
    d = world.divisions
    _write_csv(
        path,
        ["code", "parent_code", "level", "name", "lon", "lat", "aliases"],
        (
            [r.code, r.parent_code, r.level, r.name, _c(r.lon), _c(r.lat), r.aliases]
            for r in d.itertuples()
        ),
    )


def write_pois_csv(world: World, path) -> None:
    """The POI CSV (名称, 类型, 经度, 纬度, 坐标系)."""
    _write_csv(
        path,
        ["名称", "类型", "经度", "纬度", "坐标系"],
        (
            [p.name, _KIND_ZH[p.kind], _c(p.lon), _c(p.lat), "WGS84"]
            for p in world.pois.itertuples()
        ),
        title=f"{_TITLE}兴趣点",
    )


def write_campaign_candidates_csv(world: World, path) -> None:
    """Campaign candidates (名称, 类型, 地址, 经度, 纬度, 坐标系, 规模)."""
    _write_csv(
        path,
        ["名称", "类型", "地址", "经度", "纬度", "坐标系", "规模"],
        (
            [p.name, _CAMPAIGN[p.kind], p.address, _c(p.lon), _c(p.lat), "WGS84", p.size]
            for p in world.pois.itertuples()
            if p.kind in _CAMPAIGN
        ),
        title=f"{_TITLE}宣传候选点",
    )


def write_enterprises_csv(world: World, path) -> None:
    """The enterprise register (统一社会信用代码, 单位名称, 所属行业, 单位地址, 经度, 纬度, 坐标系,
    参保人数, 所属区县)."""
    _write_csv(
        path,
        [
            "统一社会信用代码",
            "单位名称",
            "所属行业",
            "单位地址",
            "经度",
            "纬度",
            "坐标系",
            "参保人数",
            "所属区县",
        ],
        (
            [
                e.credit_code,
                e.name,
                e.industry,
                e.address,
                _c(e.lon),
                _c(e.lat),
                "WGS84",
                e.insured,
                e.district,
            ]
            for e in world.enterprises.itertuples()
        ),
        title=f"{_TITLE}参保企业名录",
    )


# ---------------------------------------------------------------------------------------------
# routing


def edge_ways(world: World) -> pd.DataFrame:
    """Every directed road edge: ``u, v`` (node ids), ``way_id, name, ref, highway, length_m``.

    Two-way ways give both directions (``forward`` tells which is the way's own order).
    """
    nodes = world.nodes.set_index("node_id")
    ways = world.ways
    # each way's edges in its own order, then (two-way) reversed: the rows in way order
    us, vs, owner, forward = [], [], [], []
    for i, (ids, oneway) in enumerate(zip(ways["node_ids"], ways["oneway"], strict=True)):
        ids = np.asarray(ids, dtype=np.int64)
        u, v = ids[:-1], ids[1:]
        for a, b, fwd in [(u, v, True)] if oneway else [(u, v, True), (v, u, False)]:
            us.append(a)
            vs.append(b)
            owner.append(np.full(len(a), i))
            forward.append(np.full(len(a), fwd))
    rows = np.concatenate(owner) if owner else np.zeros(0, dtype=np.int64)
    e = pd.DataFrame(
        {
            "u": np.concatenate(us) if us else np.zeros(0, dtype=np.int64),
            "v": np.concatenate(vs) if vs else np.zeros(0, dtype=np.int64),
            **{
                col: ways[col].take(rows).reset_index(drop=True)
                for col in ("way_id", "name", "ref", "highway")
            },
            "forward": np.concatenate(forward) if forward else np.zeros(0, dtype=bool),
        }
    )
    lon1, lat1 = nodes.loc[e.u, "lon"].to_numpy(), nodes.loc[e.u, "lat"].to_numpy()
    lon2, lat2 = nodes.loc[e.v, "lon"].to_numpy(), nodes.loc[e.v, "lat"].to_numpy()
    e["length_m"] = _haversine(lon1, lat1, lon2, lat2)
    return e.sort_values(["u", "v", "way_id"], kind="stable").reset_index(drop=True)


def _haversine(lon1, lat1, lon2, lat2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def road_graph(world: World) -> tuple[csr_matrix, np.ndarray]:
    """The directed road graph: a CSR matrix of edge lengths in metres over node positions.

    Returns
    -------
    graph, node_ids
        ``graph[i, j]`` is the length of the edge from ``node_ids[i]`` to ``node_ids[j]``
        (oneway respected; the shorter one where two ways join the same pair).
    """
    from scipy.sparse import csr_matrix

    e = edge_ways(world).groupby(["u", "v"], sort=True)["length_m"].min().reset_index()
    ids = np.unique(np.concatenate([e.u.to_numpy(), e.v.to_numpy()]))
    i, j = np.searchsorted(ids, e.u.to_numpy()), np.searchsorted(ids, e.v.to_numpy())
    return csr_matrix((e.length_m.to_numpy(), (i, j)), shape=(len(ids), len(ids))), ids
