"""河湾市, a second synthetic test world, unlike the demo city: generate its files from a seed.

``make_rivertown(out_dir)`` writes what a new user would bring — an OpenStreetMap file with
``boundary=administrative`` relations for its districts (admin_level 6) and streets/townships
(admin_level 8), an admin-divisions table, a POI table and determination exports (an ``.xlsx``
and a GB18030 ``.csv``) — plus ``truth/cases.csv`` for tests and benchmarks: per case the
text kind and form, the true point (computed by the generator's own geometry from the written
offset and landmark rules), the admin unit the text names and whether the text is findable.

The city is invented (合成测试数据，非真实地点): curved radial streets from two hubs on the two
banks of a meandering river, arcs, one small grid, bridges, a ring road that is also the line
between the urban districts and the county, a rural county with a provincial route (S317,
milestones every km for part of it, a tunnel) through its townships, and POIs whose names
contain admin names (和平小区 where 和平街道 exists, 桃源山庄 with 桃源镇, 鹭洲湾, 河湾中央商务区).
The same seed and size give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import _river_cases as rc
from . import _river_geom as rg
from . import _river_net as rn
from . import _river_pois as rp
from . import _river_write as rw
from . import _world_roads as wr
from ._synthetic import credit_code, fake_id, fake_phone, worker_name
from ._xlsx import Sheet, write_xlsx
from .democity import HEADER  # the same export columns as the demo's

__all__ = ["RiverTown", "build_rivertown", "make_rivertown"]

TRUTH_COLUMNS = [
    "decision_no",
    "text_kind",
    "form",
    "place_text",
    "written_in",
    "true_lon",
    "true_lat",
    "admin_code",
    "admin_name",
    "findable",
    "road",
    "true_unit",
    "on_boundary_road",
]
_NARRATIVE_ONLY = (
    0.12  # share of cases whose 受伤地点 cell is empty (the place is in the narrative)
)


@dataclass
class RiverTown:
    """The built world: layout, noded network and its truth geometry.

    Attributes
    ----------
    lay
        The layout (:class:`trafficprev.datasets._river_geom.Layout`).
    pts
        Node coordinates in local metres.
    ways
        Dicts: ``nodes``, ``highway``, ``name``, ``ref``, ``bridge`` (name or ""), ``tunnel``.
    used_nodes
        Node ids used by some way, sorted.
    net
        The network (:class:`trafficprev.datasets._river_net.Network`).
    bridges, tunnels
        ``((x, y), name)`` of each bridge's centre and each tunnel's midpoint.
    milestones
        ``(ref, km, (x, y))``.
    """

    lay: rg.Layout
    pts: np.ndarray
    ways: list[dict]
    used_nodes: np.ndarray
    net: rn.Network
    bridges: list
    tunnels: list
    milestones: list


def _bridges(lay: rg.Layout, roads: list[wr.Road]) -> list:
    """Bridge centres and names: the river crossing of every bridged road."""
    river = rg.river_line()
    out: list = []
    for r in roads:
        if r.bridge is None or not r.bridge.any() or id(r) in lay.tunnels:
            continue
        for _, _, p in wr.poly_hits(r.pts, river):
            hint = min(lay.bridges, key=lambda b: np.hypot(b[0] - p[0], b[1] - p[1]), default=None)
            if hint is not None and np.hypot(hint[0] - p[0], hint[1] - p[1]) < 300.0:
                name = hint[2]
            elif r.bridge_name:
                name = r.bridge_name
            elif r.name:
                name = r.name[:2] + "大桥"
            else:
                name = f"{r.ref or '乡道'}{rg.RIVER}桥"
            out.append(((float(p[0]), float(p[1])), name))
    return out


def _bridge_name(bridges: list, pts: np.ndarray) -> str:
    """The name of the bridge nearest a bridge way's midpoint."""
    mid = wr.at(pts, wr.cumlen(pts)[-1] / 2)
    return min(bridges, key=lambda b: np.hypot(b[0][0] - mid[0], b[0][1] - mid[1]))[1]


def build_rivertown(seed: int = 0) -> RiverTown:
    """Lay out and node 河湾市 (deterministic for a seed)."""
    rng = np.random.default_rng([seed, 16])
    lay = rg.Layout()
    lines = rg.urban(lay)
    lines |= rg.rural(lay, rng)
    rg.territories(lay, lines)
    rp.place_villages(lay, rng)
    rural = [r for r in lay.roads if r.ref or (r.name and r.name.endswith(("街", "公路")))]
    anchors = np.vstack([r.pts for r in rural if id(r) not in lay.tunnels])
    vill = [(name, xy) for name, _, xy in lay.villages]
    links = wr.village_links(rng, vill, anchors, rg.river_line())
    tunnels = [r for r in lay.roads if id(r) in lay.tunnels]
    roads, _ = wr.apply_river(
        [r for r in lay.roads if id(r) not in lay.tunnels] + links, rg.river_line()
    )
    roads += tunnels
    bridges = _bridges(lay, roads)
    pts, noded = wr.node_roads(roads, rng)
    rp.place_pois(lay)
    ways = []
    for w in noded:
        r = w.road
        ways.append(
            {
                "nodes": [int(n) for n in w.nodes],
                "highway": r.highway,
                "name": r.name,
                "ref": r.ref,
                "bridge": _bridge_name(bridges, pts[w.nodes])
                if w.bridge and id(r) not in lay.tunnels
                else "",
                "tunnel": lay.tunnels.get(id(r), ""),
            }
        )
    used = np.unique(np.concatenate([w["nodes"] for w in ways]))
    net = rn.Network(pts, [(w["nodes"], w["name"], w["ref"]) for w in ways])
    tun = []
    for r in tunnels:
        mid = wr.at(r.pts, wr.cumlen(r.pts)[-1] / 2)
        tun.append(((float(mid[0]), float(mid[1])), lay.tunnels[id(r)]))
    return RiverTown(lay, pts, ways, used, net, bridges, tun, rp.milestones(lay))


# --- cases and exports -------------------------------------------------------------------------


def _when(rng: np.random.Generator) -> dt.datetime:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 366)))
    hour = int(rng.choice([7, 8, 17, 18, 12, 21], p=[0.3, 0.2, 0.25, 0.15, 0.05, 0.05]))
    return dt.datetime.combine(day, dt.time(hour, int(rng.integers(60))))


def _boundary_unit(world: RiverTown, case: rc.Case, writer: rc.Writer) -> tuple[str, bool]:
    if case.xy is None:
        return "", False
    inside = [u for u in writer.units_at(case.xy, 0.0) if u["level"] == 4]
    on_line = case.road in world.lay.boundary_roads and len(writer.units_at(case.xy, 25.0)) > 2
    return (inside[0]["code"] if inside else ""), on_line


def cases_table(world: RiverTown, seed: int, n_cases: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Determination rows (HEADER columns) and the truth table."""
    rng = np.random.default_rng([seed, 17])
    writer = rc.Writer(world.lay, world.net, world.bridges, world.tunnels, rng)
    cases = rc.draw_cases(writer, n_cases)
    employers = [
        (f"河湾测试{stem}有限公司", credit_code(rng, "9199010"), ind)
        for stem, ind in (
            ("精工机械", "制造业"),
            ("鹭原物流", "交通运输、仓储和邮政业"),
            ("汀州建设工程", "建筑业"),
            ("漪河食品", "制造业"),
            ("翠微商贸", "批发和零售业"),
            ("桃源农业发展", "农、林、牧、渔业"),
            ("蓼原纺织", "制造业"),
            ("槐荫物业管理", "租赁和商务服务业"),
            ("芷兰酒店管理", "住宿和餐饮业"),
            ("荻港建材", "制造业"),
        )
    ]
    items = []
    for case in cases:
        items.append((_when(rng), case))
    order = sorted(range(len(items)), key=lambda i: (items[i][0], i))
    rows, truth = [], []
    seq: dict[int, int] = {}
    for i, k in enumerate(order):
        when, case = items[k]
        male = rng.random() < 0.6
        age = int(np.clip(rng.normal(40, 10), 18, 62))
        birth = dt.date(when.year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        emp = employers[int(rng.integers(len(employers)))]
        decided = when.date() + dt.timedelta(days=int(rng.integers(30, 80)))
        seq[decided.year] = seq.get(decided.year, 0) + 1
        no = f"湾人社工伤认字〔{decided.year}〕{seq[decided.year]:04d}号"
        worker = worker_name(i)
        in_cell = not case.narrative_only and case.form != "along"
        in_cell = in_cell and rng.random() >= _NARRATIVE_ONLY
        when_text = f"{when.year}年{when.month}月{when.day}日{when.hour}时{when.minute}分许"
        story = rc.narrative(case, worker, when_text, rng, in_cell)
        rows.append(
            {
                "认定书编号": no,
                "职工姓名": worker,
                "身份证号码": fake_id(rng, birth, male, region="990102"),
                "性别": "男" if male else "女",
                "年龄": str(age),
                "联系电话": fake_phone(rng),
                "用人单位": emp[0],
                "统一社会信用代码": emp[1],
                "所属行业": emp[2],
                "受伤时间": f"{when:%Y-%m-%d %H:%M}",
                "受伤地点": case.text if in_cell else "",
                "受伤经过": story,
                "事故责任": str(rng.choice(["无责任", "次要责任", "同等责任", ""])),
                "认定依据": "《工伤保险条例》第十四条第（六）项",
                "认定结论": "认定工伤",
                "认定日期": f"{decided:%Y-%m-%d}",
                "伤情": str(rng.choice(["轻伤", "重伤"], p=[0.85, 0.15])),
                "_quarter": (when.month - 1) // 3 + 1,
            }
        )
        unit, on_line = _boundary_unit(world, case, writer)
        lon, lat = rg.to_lonlat(case.xy) if case.xy is not None else (np.nan, np.nan)
        truth.append(
            {
                "decision_no": no,
                "text_kind": case.kind,
                "form": case.form,
                "place_text": case.text,
                "written_in": "受伤地点" if in_cell else "受伤经过",
                "true_lon": float(lon),
                "true_lat": float(lat),
                "admin_code": case.admin_code,
                "admin_name": case.admin_name,
                "findable": case.findable,
                "road": case.road,
                "true_unit": unit,
                "on_boundary_road": on_line,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(truth, columns=TRUTH_COLUMNS)


_XLSX_NOTE = (
    "本工作簿为 trafficprev 生成的合成测试数据（河湾市，虚构城市），不含任何真实个人或单位信息。"
)


def make_rivertown(out_dir: str | Path, *, seed: int = 0, n_cases: int = 2_100) -> dict[str, Path]:
    """Generate 河湾市's files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write (created); ``truth/`` inside it holds the truth.
    seed
        The world's seed (layout wiggles, villages, cases).
    n_cases
        Number of commuting determinations.

    Returns
    -------
    dict
        Name -> path of every file written: ``osm``, ``divisions``, ``pois``,
        ``determinations_xlsx``, ``determinations_csv``, ``truth_cases``.
    """
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    world = build_rivertown(seed)
    rows, truth = cases_table(world, seed, n_cases)
    paths = {
        "osm": out / "rivertown.osm",
        "divisions": out / "admin_divisions.csv",
        "pois": out / "pois.csv",
        "determinations_xlsx": out / "determinations_2024Q1-Q3.xlsx",
        "determinations_csv": out / "determinations_2024Q4.csv",
        "truth_cases": out / "truth" / "cases.csv",
    }
    rw.write_osm(paths["osm"], world)
    rw.write_admin(paths["divisions"], world.lay)
    rw.write_pois(paths["pois"], world.lay)
    q4 = rows["_quarter"] == 4
    write_xlsx(
        paths["determinations_xlsx"],
        [
            Sheet(
                "认定台账",
                [HEADER, *rows.loc[~q4, HEADER].itertuples(index=False)],
                title="河湾市2024年1-9月工伤认定台账（合成测试数据，非真实数据）",
            ),
            Sheet("说明", [[_XLSX_NOTE]]),
        ],
        creator="trafficprev rivertown (合成测试数据)",
    )
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["河湾市2024Q4工伤认定台账（合成测试数据，非真实数据）"])
    w.writerow(HEADER)
    w.writerows(rows.loc[q4, HEADER].itertuples(index=False))
    paths["determinations_csv"].write_bytes(buf.getvalue().encode("gb18030"))
    truth.to_csv(paths["truth_cases"], index=False, encoding="utf-8")
    return paths
