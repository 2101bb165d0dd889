"""Writers of 河湾市's files: OSM XML with boundary relations, admin and POI tables.

Internal helpers for :mod:`trafficprev.datasets.rivertown`. Boundaries are written as OSM does:
``type=boundary`` relations of ``boundary=administrative`` with ``admin_level`` 6 (districts,
the county) and 8 (streets, townships), whose ``outer``/``inner`` members are ways that pyosmium
assembles into (multi)polygons.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from . import _river_geom as rg
from ._world import _named, _tags  # the demo's OSM tag writers

NOTE = "河湾市：trafficprev 生成的合成测试数据（虚构城市，非真实地点）"
TITLE = "河湾市（合成测试数据，非真实地点）"
_CHUNK = 250  # vertices per boundary member way


class _Ids:
    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next


def _rings(poly) -> list[tuple[str, np.ndarray]]:
    polys = list(poly.geoms) if poly.geom_type == "MultiPolygon" else [poly]
    out = []
    for p in polys:
        out.append(("outer", np.asarray(p.exterior.coords)[:-1]))
        out.extend(("inner", np.asarray(r.coords)[:-1]) for r in p.interiors)
    return out


def write_osm(path: Path, world) -> None:
    """The roads, river, POIs, places, milestones and boundary relations as OSM XML 0.6."""
    nodes: list[tuple[int, float, float, list]] = []
    lon, lat = rg.to_lonlat(world.pts)
    for nid in world.used_nodes:
        nodes.append((int(nid) + 1, float(lon[nid]), float(lat[nid]), []))
    ways: list[tuple[int, list[int], list]] = []
    for k, w in enumerate(world.ways, start=1):
        tags = [("highway", w["highway"]), *_named(w["name"]), ("ref", w["ref"])]
        if w["tunnel"]:
            tags += [("tunnel", "yes"), ("layer", "-1"), ("tunnel:name", w["tunnel"])]
        elif w["bridge"]:
            tags += [("bridge", "yes"), ("layer", "1"), ("bridge:name", w["bridge"])]
        ways.append((k, [n + 1 for n in w["nodes"]], tags))
    ids = _Ids(1_000_000)
    way_ids = _Ids(500_000)

    def line(xy: np.ndarray, closed: bool) -> list[int]:
        lo, la = rg.to_lonlat(xy)
        got = []
        for x, y in zip(lo, la, strict=True):
            nid = ids.take()
            nodes.append((nid, float(x), float(y), []))
            got.append(nid)
        return got + got[:1] if closed else got

    river = rg.river_line()
    ways.append((way_ids.take(), line(river, False), [("waterway", "river"), *_named(rg.RIVER)]))
    for p in world.lay.pois:
        key, value = p["tag"].split("=")
        tags = [(key, value), *_named(p["name"])]
        if key in ("landuse",):
            side = 300.0 if value == "commercial" else 120.0
            sq = p["xy"] + side / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
            ways.append((way_ids.take(), line(sq, True), tags))
        else:
            lo, la = rg.to_lonlat(p["xy"])
            nodes.append((ids.take(), float(lo), float(la), tags))
    for ref, km, xy in world.milestones:
        lo, la = rg.to_lonlat(xy)
        tags = [("highway", "milestone"), ("distance", str(km)), ("ref", ref)]
        nodes.append((ids.take(), float(lo), float(la), tags))
    for u in world.lay.units:
        if u["level"] == 4 or u["level"] == 2:
            place = (
                "city"
                if u["level"] == 2
                else "suburb"
                if u["name"].endswith("街道")
                else ("town" if u["name"].endswith("镇") else "village")
            )
            lo, la = rg.to_lonlat(np.array(u["centre"]))
            nodes.append((ids.take(), float(lo), float(la), [("place", place), *_named(u["name"])]))
    for name, _, xy in world.lay.villages:
        lo, la = rg.to_lonlat(xy)
        nodes.append((ids.take(), float(lo), float(la), [("place", "village"), *_named(name)]))
    relations = []
    for rid, u in enumerate((u for u in world.lay.units if u["poly"] is not None), start=1):
        members = []
        for role, ring in _rings(u["poly"]):
            ring_ids = line(ring, True)
            for s in range(0, len(ring_ids) - 1, _CHUNK):
                part = ring_ids[s : s + _CHUNK + 1]
                wid = way_ids.take()
                ways.append((wid, part, [("boundary", "administrative")]))
                members.append((wid, role))
        level = 6 if u["level"] == 3 else 8
        tags = [
            ("type", "boundary"),
            ("boundary", "administrative"),
            ("admin_level", str(level)),
            *_named(u["name"]),
        ]
        if level == 6:
            tags.append(("ref:adcode", u["code"][:6]))
        relations.append((rid, members, tags))
    Path(path).write_bytes(_osm_xml(nodes, ways, relations).encode("utf-8"))


def _osm_xml(nodes: list[tuple], ways: list[tuple], relations: list[tuple]) -> str:
    """The OSM XML 0.6 document of `nodes`, `ways` and `relations` (nodes and ways by id)."""
    allnodes = sorted(nodes, key=lambda n: n[0])
    lo = min(n[1] for n in allnodes), max(n[1] for n in allnodes)
    la = min(n[2] for n in allnodes), max(n[2] for n in allnodes)
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<!-- {NOTE} -->",
        '<osm version="0.6" generator="trafficprev rivertown (合成测试数据)">',
        f"  <note>{NOTE}</note>",
        f'  <bounds minlat="{la[0]:.7f}" minlon="{lo[0]:.7f}" maxlat="{la[1]:.7f}" '
        f'maxlon="{lo[1]:.7f}"/>',
    ]
    for nid, x, y, tags in allnodes:
        head = f'  <node id="{nid}" version="1" lat="{y:.7f}" lon="{x:.7f}"'
        out.extend([head + ">", *_tags(tags), "  </node>"] if tags else [head + "/>"])
    for wid, nds, tags in sorted(ways, key=lambda w: w[0]):
        out.append(f'  <way id="{wid}" version="1">')
        out.extend(f'    <nd ref="{n}"/>' for n in nds)
        out.extend(_tags(tags))
        out.append("  </way>")
    for rid, members, tags in relations:
        out.append(f'  <relation id="{rid}" version="1">')
        out.extend(f'    <member type="way" ref="{w}" role="{r}"/>' for w, r in members)
        out.extend(_tags(tags))
        out.append("  </relation>")
    out.append("</osm>\n")
    return "\n".join(out)


def _write_csv(path: Path, header: list[str], rows, *, title: str | None = None) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)


def write_admin(path: Path, lay: rg.Layout) -> None:
    """The admin-divisions table (code, parent_code, level, name, lon, lat, aliases)."""
    rows = []
    for u in lay.units:
        lo, la = rg.to_lonlat(np.array(u["centre"]))
        rows.append(
            [u["code"], u["parent"], u["level"], u["name"], f"{lo:.7f}", f"{la:.7f}", u["aliases"]]
        )
    for k, (name, tcode, xy) in enumerate(lay.villages, start=1):
        lo, la = rg.to_lonlat(xy)
        rows.append([f"{tcode[:9]}{k:03d}", tcode, 5, name, f"{lo:.7f}", f"{la:.7f}", ""])
    _write_csv(path, ["code", "parent_code", "level", "name", "lon", "lat", "aliases"], rows)


def write_pois(path: Path, lay: rg.Layout) -> None:
    """The POI table (名称, 类型, 经度, 纬度, 坐标系) with a title row."""
    rows = []
    for p in lay.pois:
        lo, la = rg.to_lonlat(p["xy"])
        rows.append([p["name"], p["zh"], f"{lo:.7f}", f"{la:.7f}", "WGS84"])
    _write_csv(path, ["名称", "类型", "经度", "纬度", "坐标系"], rows, title=f"{TITLE}兴趣点")
