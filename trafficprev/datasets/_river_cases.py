"""Place texts of 河湾市's cases and their truth (合成测试数据 / synthetic test data).

Internal helpers for :mod:`trafficprev.datasets.rivertown`. Each case draws a text kind, then
its names from the world and a written form (the patterns of the slot labelling conventions:
intersections in several forms, offsets O1–O7, landmarks L1–L4, routes with a stake or a
township section, roads, villages, vague and unfindable texts). The truth point is computed
from the *written* text by the rules in :mod:`trafficprev.datasets._river_net`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from . import _river_geom as rg
from . import _river_net as rn
from . import _world_roads as wr

#: Text kinds and their shares.
KINDS: dict[str, float] = {
    "intersection": 0.24,
    "offset_toward_road": 0.13,
    "offset_toward_place": 0.03,
    "offset_bearing": 0.09,
    "offset_distance_only": 0.02,
    "offset_corner": 0.02,
    "offset_one_road": 0.015,
    "landmark_road": 0.08,
    "landmark_near": 0.08,
    "landmark_offset": 0.03,
    "landmark_named": 0.08,
    "stake": 0.05,
    "route_section": 0.03,
    "road": 0.04,
    "village": 0.02,
    "vague": 0.02,
    "unfindable": 0.025,
}
_INTER = (
    "{a}与{b}交叉口",
    "{a}与{b}交叉路口",
    "{a}和{b}交汇处",
    "{a}{b}路口",
    "{a}与{b}相交处",
    "{a}、{b}交叉口",
    "{a}与{b}交叉口附近",
    "{a}与{b}路口处",
    "{a}与{b}{cross}",
)
_TOWARD = (
    "{a}与{b}交叉口往{c}方向约{n}米处",
    "{a}与{b}交叉口往{c}方向{n}米",
    "{a}与{b}路口往{c}方向约{n}米",
    "{a}与{b}交叉口{c}方向{n}米处",
    "{a}与{b}交叉路口向{c}方向约{n}米",
    "{a}{b}路口往{c}方向{n}米处",
)
_BEARING = (
    "{a}与{b}交叉口以{w}{n}米",
    "{a}与{b}交叉口{w}侧约{n}米处",
    "{a}与{b}路口往{w}{n}米",
    "{a}与{b}交叉口向{w}约{n}米处",
    "{a}与{b}交叉口{w}{n}米处",
)
_DIST = ("距{a}与{b}路口{n}米", "距{a}与{b}交叉口约{n}米处")
_CORNER = ("{a}与{b}交叉口{w}角", "{a}与{b}路口{w}侧")
_LM_ROAD = ("{x}旁{y}上", "{x}门口{y}", "{y}{x}门口", "{x}附近{y}上")
_LM_NEAR = ("{x}门口", "{x}大门", "{x}北门", "{x}对面", "{x}附近", "{x}旁")
_LM_OFF = ("{x}{w}侧约{n}米", "{x}以{w}{n}米", "{x}往{w}约{n}米处")
_STAKE = ("{ref}线K{k}+{m:03d}处（{town}路段）", "{ref}K{k}+{m:03d}", "{num}省道K{k}+{m:03d}处")
_SECTION = ("{num}省道{town}段", "{ref}线{town}路段", "{ref}{town}境内")
_ROAD = ("{a}路段", "{a}中段", "{a}上", "{a}非机动车道")
_VAGUE = ("下班途中", "上班途中", "回家路上", "上班路上", "公司附近")
_FAKE_ROADS = ("长虹路", "新城大道", "建业路", "振兴大道", "金坛路")
_FAKE_POIS = ("佳和超市", "福满楼酒店", "新世纪广场", "金色家园")
_FOUR = ("北", "东", "南", "西")
_VEHICLES = ("小型轿车", "货车", "摩托车", "电动自行车", "小型普通客车")


@dataclass
class Case:
    """One case's place text and truth."""

    text: str
    kind: str
    form: str
    xy: np.ndarray | None
    admin_code: str = ""
    admin_name: str = ""
    findable: bool = True
    road: str = ""
    narrative_only: bool = False
    along: str = ""
    heading: str = ""


def _n(rng, d: float) -> int:
    """A written distance: tens below 100 m, else tens or fifties."""
    d = max(d, 20.0)
    step = 10 if d < 100 or rng.random() < 0.6 else 50
    return int(max(step, round(d / step) * step))


class Writer:
    """Draws the cases of one world."""

    def __init__(self, lay: rg.Layout, net: rn.Network, bridges, tunnels, rng) -> None:
        self.lay, self.net, self.rng = lay, net, rng
        self.pairs = net.junction_pairs()
        self.pair_keys = sorted(self.pairs)
        self.units = [u for u in lay.units if u["poly"] is not None]
        self.by_name = {u["name"]: u for u in lay.units}
        self.by_code = {u["code"]: u for u in lay.units}
        self.pois = [p for p in lay.pois if p["tag"] != "highway=bus_stop"]
        self.stops = [p for p in lay.pois if p["tag"] == "highway=bus_stop"]
        counts: dict[str, int] = {}
        for _, name in bridges:
            counts[name] = counts.get(name, 0) + 1
        bridges = [b for b in bridges if counts[b[1]] == 1]  # a name two bridges share is vague
        self.named_lm = (
            [(p["name"], p["xy"], "stop") for p in self.stops]
            + [
                (p["name"], p["xy"], "poi")
                for p in lay.pois
                if p["tag"] in ("railway=station", "amenity=bus_station", "amenity=fuel")
            ]
            + [(name, np.array(xy), "bridge") for xy, name in bridges]
            + [(name, np.array(xy), "tunnel") for xy, name in tunnels]
        )
        self.road_names = sorted({n for n in net.seg_name if n})
        self._toward: dict[tuple[str, str], list] = {}
        self._poi_roads: dict[str, list] = {}

    # --- admin ----------------------------------------------------------------------------

    def units_at(self, xy, tol: float) -> list[dict]:
        p = shapely.Point(float(xy[0]), float(xy[1]))
        return [u for u in self.units if u["poly"].distance(p) <= tol]

    def prefix(self, xy, share: float = 0.35) -> tuple[str, str, str]:
        """An admin prefix for a text at ``xy`` (sometimes none): (prefix, code, name)."""
        if xy is None or self.rng.random() >= share:
            return "", "", ""
        near = self.units_at(xy, 25.0)
        l3 = [u for u in near if u["level"] == 3]
        l4 = [u for u in near if u["level"] == 4]
        form = self.rng.choice(["district", "street", "both", "city"], p=[0.35, 0.3, 0.25, 0.1])
        if form in ("street", "both") and l4:
            u = l4[int(self.rng.integers(len(l4)))]
            if form == "both":
                parent = self.by_code[u["parent"]]
                return parent["name"] + u["name"], u["code"], u["name"]
            return u["name"], u["code"], u["name"]
        if not l3:
            return "", "", ""
        u = l3[int(self.rng.integers(len(l3)))]
        if form == "city":
            return "河湾市" + u["name"], u["code"], u["name"]
        return u["name"], u["code"], u["name"]

    # --- helpers ----------------------------------------------------------------------------

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def pair(self) -> tuple[str, str, int]:
        a, b = self.pick(self.pair_keys)
        j = self.pairs[(a, b)]
        return (a, b, j) if self.rng.random() < 0.5 else (b, a, j)

    def towards(self, a: str, b: str, j: int) -> list[tuple[rn.Walk, str, float]]:
        """(walk, C, d) for every road C that a walk from A∩B first meets 120–1,500 m on."""
        key = (min(a, b), max(a, b))
        if key not in self._toward:
            out = []
            for _, w in rn.junction_walks(self.net, j, a, b):
                seen = {a, b}
                for k, n in enumerate(w.nodes[1:], start=1):
                    if w.cum[k] > 1_500.0:
                        break
                    for c in sorted(self.net.names.get(n, ())):
                        if c not in seen:
                            seen.add(c)
                            if w.cum[k] >= 120.0:
                                out.append((w, c, float(w.cum[k])))
            self._toward[key] = out
        return self._toward[key]

    def roads_near(self, name: str, xy) -> list[tuple[str, float]]:
        if name not in self._poi_roads:
            out = []
            for r in self.road_names:
                _, d, _ = self.net.nearest(xy, r)
                if d <= 250.0:
                    out.append((r, d))
            self._poi_roads[name] = out
        return self._poi_roads[name]

    # --- kinds ------------------------------------------------------------------------------

    def intersection(self) -> Case:
        a, b, j = self.pair()
        xy = self.net.pts[j]
        if self.rng.random() < 0.08:  # the narrative's 沿A由西向东行驶至B路口
            w = self.pick(self.net.walks(j, a))
            heading = (w.initial() + 180.0) % 360.0
            to = self.pick([x for x in _FOUR if rn.angle_diff(rn.BEARINGS[x], heading) <= 45.0])
            fr = _FOUR[(_FOUR.index(to) + 2) % 4]
            text = f"沿{a}由{fr}向{to}行驶至{b}路口"
            return Case(text, "intersection", "along", xy, along=a, heading=to, road=a)
        form = self.pick(_INTER)
        degree = len(self.net.adj[j])
        cross = "十字路口" if degree >= 4 else "丁字路口"
        pre, code, name = self.prefix(xy)
        text = pre + form.format(a=a, b=b, cross=cross)
        return Case(text, "intersection", form, xy, code, name, road=a)

    def offset_toward_road(self) -> Case:
        for _ in range(50):
            a, b, j = self.pair()
            cands = self.towards(a, b, j)
            if cands:
                break
        _, c, d = self.pick(cands)
        n = _n(self.rng, d * self.rng.uniform(0.25, 1.1))
        w, rule = rn.pick_toward_road(self.net, j, a, b, c, n)
        xy = w.point(n)
        form = self.pick(_TOWARD)
        pre, code, name = self.prefix(xy)
        text = pre + form.format(a=a, b=b, c=c, n=n)
        tag = "toward_road" if "往" in form else "toward_road_no_wang"
        return Case(text, "offset_toward_road", f"{tag}:{rule}", xy, code, name, road=w.road)

    def offset_toward_place(self) -> Case:
        for _ in range(200):
            a, b, j = self.pair()
            p = self.net.pts[j]
            cands = [x for x in self.pois if 400.0 <= np.hypot(*(x["xy"] - p)) <= 2_500.0]
            if cands:
                break
        x = self.pick(cands)
        n = _n(self.rng, self.rng.uniform(40.0, 400.0))
        w = rn.pick_bearing(rn.junction_walks(self.net, j, a, b), rn.bearing_deg(p, x["xy"]))
        xy = w.point(n)
        text = f"{a}与{b}交叉口往{x['name']}方向约{n}米处"
        return Case(text, "offset_toward_place", "toward_place:O2", xy, road=w.road)

    def offset_bearing(self) -> Case:
        a, b, j = self.pair()
        walks = rn.junction_walks(self.net, j, a, b)
        _, w0 = self.pick(walks)
        word = rn.compass(w0.initial())
        n = _n(self.rng, self.rng.uniform(30.0, min(400.0, max(40.0, w0.length - 20.0))))
        w = rn.pick_bearing(walks, rn.BEARINGS[word])
        xy = w.point(n)
        k = int(self.rng.integers(len(_BEARING)))
        pre, code, name = self.prefix(xy)
        text = pre + _BEARING[k].format(a=a, b=b, w=word, n=n)
        label = ("以W", "W侧", "往W", "向W", "W")[k]
        return Case(text, "offset_bearing", f"bearing:O3:{label}", xy, code, name, road=w.road)

    def offset_distance_only(self) -> Case:
        a, b, j = self.pair()
        xy = self.net.pts[j]
        n = _n(self.rng, self.rng.uniform(20.0, 300.0))
        form = self.pick(_DIST)
        return Case(form.format(a=a, b=b, n=n), "offset_distance_only", "distance:O6", xy, road=a)

    def offset_corner(self) -> Case:
        a, b, j = self.pair()
        xy = self.net.pts[j]
        word = self.pick(["东北", "西北", "东南", "西南"])
        form = self.pick(_CORNER)
        pre, code, name = self.prefix(xy)
        text = pre + form.format(a=a, b=b, w=word)
        return Case(text, "offset_corner", "corner:O6", xy, code, name, road=a)

    def offset_one_road(self) -> Case:
        """ "A路口北约N米" in a narrative that names the travelled road B (沿B): O4 with O3."""
        a, b, j = self.pair()
        walks_b = self.net.walks(j, b)
        w0 = self.pick(walks_b)
        word = rn.compass(w0.initial())
        if len(word) == 2:
            word = self.pick([word[0], word[1]])
        n = _n(self.rng, self.rng.uniform(30.0, min(300.0, max(40.0, w0.length - 20.0))))
        w = min(walks_b, key=lambda x: rn.angle_diff(x.initial(), rn.BEARINGS[word]))
        xy = w.point(n)
        heading = rn.compass(w.initial())
        to = self.pick([x for x in _FOUR if rn.angle_diff(rn.BEARINGS[x], w.initial()) <= 45.0])
        fr = _FOUR[(_FOUR.index(to) + 2) % 4]
        text = f"{a}路口{word}约{n}米处"
        return Case(
            text,
            "offset_one_road",
            "one_road:O4",
            xy,
            road=b,
            narrative_only=True,
            along=b,
            heading=f"{fr}>{to}" if heading else "",
        )

    def landmark_road(self) -> Case:
        for _ in range(100):
            x = self.pick(self.pois)
            near = self.roads_near(x["name"], x["xy"])
            if near:
                break
        y, _ = self.pick(near)
        q, _ = rn.landmark_point(self.net, x["xy"], y)
        form = self.pick(_LM_ROAD)
        pre, code, name = self.prefix(q, 0.2)
        text = pre + form.format(x=x["name"], y=y)
        return Case(text, "landmark_road", f"L1:{form}", q, code, name, road=y)

    def landmark_near(self) -> Case:
        x = self.pick(self.pois)
        q, seg = rn.landmark_point(self.net, x["xy"], None)
        form = self.pick(_LM_NEAR)
        pre, code, name = self.prefix(q, 0.15)
        text = pre + form.format(x=x["name"])
        road = self.net.seg_name[seg] if seg >= 0 else ""
        return Case(text, "landmark_near", f"L2:{form[3:]}", q, code, name, road=road or "")

    def landmark_offset(self) -> Case:
        for _ in range(100):
            x = self.pick(self.pois)
            q, seg = rn.landmark_point(self.net, x["xy"], None)
            if seg >= 0 and self.net.seg_name[seg]:
                break
        walks = self.net.walks_from_point(q, seg)
        w0 = self.pick(walks)
        word = rn.compass(w0.initial())
        n = _n(self.rng, self.rng.uniform(30.0, min(300.0, max(40.0, w0.length - 20.0))))
        xy = rn.landmark_offset(self.net, q, seg, rn.BEARINGS[word], n)
        form = self.pick(_LM_OFF)
        text = form.format(x=x["name"], w=word, n=n)
        return Case(text, "landmark_offset", "L3", xy, road=str(self.net.seg_name[seg]))

    def landmark_named(self) -> Case:
        name, xy, what = self.pick(self.named_lm)
        if what in ("bridge", "tunnel"):
            q = xy
            suffix = self.pick(["上", "中段", ""] if what == "bridge" else ["内", "中段", ""])
        else:
            q, _ = rn.landmark_point(self.net, xy, None)
            suffix = self.pick(["", "附近", "门口"] if what == "poi" else ["", "附近", "站台旁"])
        pre, code, nm = self.prefix(q, 0.15)
        return Case(pre + name + suffix, "landmark_named", f"L4:{what}", q, code, nm)

    def stake(self) -> Case:
        ref = "S317" if self.rng.random() < 0.8 else "S306"
        r = self.lay.routes[ref]
        k_lo = r["k0"] + 150.0
        k_hi = (
            r["k0"] + r["length"] - 150.0
            if "length" in r
            else r["k0"] + wr.cumlen(r["pts"])[-1] - 150.0
        )
        if ref == "S317":
            if self.rng.random() < 0.75:
                lo, hi = 10_000.0, 18_990.0
            else:
                lo, hi = 19_900.0, k_hi
        else:
            lo, hi = k_lo, k_hi
        ch = int(self.rng.uniform(lo, hi) // 10 * 10)
        xy = wr.at(r["pts"], ch - r["k0"])
        town = next((u for u in self.units_at(xy, 0.0) if u["level"] == 4), None)
        k, m = divmod(ch, 1000)
        form = self.pick(_STAKE)
        text = form.format(ref=ref, num=ref[1:], k=k, m=m, town=town["name"] if town else "")
        k_ms = r["milestones"]
        if k_ms is None:
            label = "stake:no_milestones"  # the route has none
        elif k_ms[0] * 1_000 <= ch <= k_ms[1] * 1_000:
            label = "stake:between_milestones"
        else:
            label = "stake:beyond_milestones"
        code = town["code"] if town and "town" in form else ""
        return Case(
            text,
            "stake",
            label,
            xy,
            code,
            town["name"] if code else "",
            road=ref,
        )

    def route_section(self) -> Case:
        ref = self.pick(["S317", "S306", "界岭公路"])
        if ref in self.lay.routes:
            pts = self.lay.routes[ref]["pts"]
        else:
            pts = max((r.pts for r in self.lay.roads if r.name == ref), key=lambda p: len(p))
        for _ in range(100):
            xy = wr.at(pts, self.rng.uniform(200.0, wr.cumlen(pts)[-1] - 200.0))
            towns = [
                u for u in self.units_at(xy, 25.0 if ref == "界岭公路" else 0.0) if u["level"] == 4
            ]
            if towns:
                break
        town = self.pick(towns)
        if ref == "界岭公路":
            text = self.pick(["{r}{t}段", "{t}{r}路段"]).format(r=ref, t=town["name"])
        else:
            text = self.pick(_SECTION).format(ref=ref, num=ref[1:], town=town["name"])
        return Case(text, "route_section", "section", xy, town["code"], town["name"], road=ref)

    def road(self) -> Case:
        a = self.pick(self.road_names)
        mids = self.net.road_points(a)
        xy = mids[int(self.rng.integers(len(mids)))]
        form = self.pick(_ROAD)
        pre, code, name = self.prefix(xy, 0.5)
        return Case(pre + form.format(a=a), "road", "road", xy, code, name, road=a)

    def village(self) -> Case:
        name, tcode, xy = self.pick(self.lay.villages)
        town = self.by_code[tcode]
        form = self.pick(["{t}{v}路段", "{v}附近", "{t}{v}村道上"])
        text = form.format(t=town["name"], v=name if "村道" not in form else name[:-1])
        code, aname = (tcode, town["name"]) if "{t}" in form else ("", "")
        return Case(text, "village", "village", np.asarray(xy), code, aname)

    def vague(self) -> Case:
        return Case(self.pick(_VAGUE), "vague", "vague", None, findable=False)

    def unfindable(self) -> Case:
        if self.rng.random() < 0.6:
            _, b, _ = self.pair()
            text = f"{self.pick(_FAKE_ROADS)}与{b}交叉口"
        else:
            text = self.pick(_FAKE_POIS) + self.pick(["门口", "附近"])
        return Case(text, "unfindable", "unfindable", None, findable=False)

    def draw(self, kind: str) -> Case:
        return getattr(self, kind)()


def draw_cases(writer: Writer, n: int) -> list[Case]:
    """``n`` cases, kinds drawn by :data:`KINDS` (rounded counts, then shuffled)."""
    names = list(KINDS)
    p = np.array([KINDS[k] for k in names])
    counts = np.floor(p / p.sum() * n).astype(int)
    counts[0] += n - counts.sum()
    kinds = [k for k, c in zip(names, counts, strict=True) for _ in range(c)]
    order = writer.rng.permutation(len(kinds))
    return [writer.draw(kinds[i]) for i in order]


def narrative(case: Case, worker: str, when: str, rng, in_cell: bool) -> str:
    """The 受伤经过 text of a commuting accident; it names the place unless the cell does."""
    veh = _VEHICLES[int(rng.integers(len(_VEHICLES)))]
    trip = "下班" if rng.random() < 0.55 else "上班"
    if case.along and case.kind == "offset_one_road":
        fr, to = case.heading.split(">")
        return (
            f"{when}，{worker}{trip}途中驾驶电动自行车沿{case.along}由{fr}向{to}行驶至"
            f"{case.text}时，与一辆{veh}发生碰撞，致其受伤。"
        )
    if case.form == "along":
        return f"{when}，{worker}{trip}途中驾驶电动自行车{case.text}时，与一辆{veh}相撞受伤。"
    if (in_cell and rng.random() < 0.5) or case.kind == "vague":
        return f"{when}，{worker}在{trip}途中驾驶电动自行车与一辆{veh}发生碰撞，致其受伤。"
    return (
        f"{when}，{worker}在{trip}途中驾驶电动自行车行驶至{case.text}时，"
        f"与一辆{veh}发生碰撞，致其受伤。"
    )


def heading_word(deg: float) -> str:
    """The 4-point word nearest a bearing."""
    return _FOUR[int(((deg + 45.0) % 360.0) // 90.0)]


__all__ = ["KINDS", "Case", "Writer", "draw_cases", "heading_word", "narrative"]
