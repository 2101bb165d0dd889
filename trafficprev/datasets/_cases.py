"""Commutes, accidents and determinations of the demo city, with planted truth.

Accidents happen on workers' shortest commute paths (home community to workplace, or back),
at commute times. Risk along a path is uniform per metre except at *planted hotspots*:
junctions and stretches of named roads whose risk is multiplied, some only in later
quarters (emerging), some only in early ones (fading), one only in the evening peak. A few
enterprises have a raised accident rate. Everything is drawn from one seeded generator.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from ._world import World, edge_ways, road_graph

__all__ = [
    "DemoConfig",
    "Simulation",
    "accident_record",
    "haversine_m",
    "quarter_range",
    "simulate",
]

_EARTH_M = 6_371_008.8


def quarter_range(start: str, n: int) -> tuple[str, ...]:
    """``quarter_range("2023Q1", 3) == ("2023Q1", "2023Q2", "2023Q3")``."""
    year, q = int(start[:4]), int(start[-1])
    out = []
    for _ in range(n):
        out.append(f"{year}Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return tuple(out)


@dataclass(frozen=True)
class DemoConfig:
    """Parameters of a synthetic world's determinations.

    Parameters
    ----------
    seed
        Seed of every random draw (the world uses it too).
    n_determinations
        Determinations of all kinds over all quarters (before bad rows are added).
    quarters
        Number of quarters, starting at `first_quarter`.
    commuting_share
        Share of determinations that are commuting traffic accidents (domain.md §2.4: 25 %).
    hotspot_strength
        Risk multiplier at planted hotspots (1 = no hotspots).
    n_hotspots
        Planted hotspots (junctions and road stretches).
    n_risky_enterprises, enterprise_risk
        Enterprises whose workers' accident rate is multiplied by `enterprise_risk`.
    refused_share
        Share of commuting traffic determinations that are refused (domain.md §3.3: 12 %).
    unresolvable_share
        Share of commuting places written so that no gazetteer can place them.
    typo_share
        Share of commuting places whose road name carries a homophone slip.
    scale
        Size of the world (1 = several thousand road ways).
    group_share
        Size of each planted target group (夜班下班, 清晨步行过街; see
        :mod:`trafficprev.datasets._group_demo`) as a share of the commuting accidents drawn;
        0 plants none (a null world).
    """

    seed: int = 2024
    n_determinations: int = 3000
    first_quarter: str = "2023Q1"
    quarters: int = 8
    commuting_share: float = 0.25
    hotspot_strength: float = 8.0
    n_hotspots: int = 12
    n_risky_enterprises: int = 5
    enterprise_risk: float = 3.0
    refused_share: float = 0.12
    unresolvable_share: float = 0.03
    typo_share: float = 0.04
    scale: float = 1.0
    group_share: float = 0.04

    def quarter_list(self) -> tuple[str, ...]:
        """The quarters covered, e.g. ``("2023Q1", …, "2024Q4")``."""
        return quarter_range(self.first_quarter, self.quarters)


@dataclass(frozen=True)
class Simulation:
    """The drawn accidents (true facts, before any text is written) and the planted truth."""

    accidents: pd.DataFrame
    hotspots: pd.DataFrame
    risky_enterprises: pd.DataFrame
    junctions: pd.DataFrame = field(repr=False)


# --- small geometry helpers -------------------------------------------------------------


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (arrays or scalars, degrees)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_M * np.arcsin(np.sqrt(a))


# --- network pieces ---------------------------------------------------------------------


def junction_table(edges: pd.DataFrame) -> pd.DataFrame:
    """Nodes where two or more differently named roads meet: node_id and the road names."""
    named = edges[edges["name"].notna() & (edges["name"] != "")]
    ends = pd.concat(
        [
            named[["u", "name"]].rename(columns={"u": "node_id"}),
            named[["v", "name"]].rename(columns={"v": "node_id"}),
        ]
    ).drop_duplicates()
    roads = ends.groupby("node_id")["name"].agg(lambda s: tuple(sorted(set(s))))
    roads = roads[roads.map(len) >= 2]
    return roads.rename("roads").reset_index().sort_values("node_id", ignore_index=True)


_HOURS = [  # (share, start hour, end hour, direction) from domain.md §2.5
    (0.35, 6.5, 8.5, "上班"),
    (0.33, 16.5, 19.0, "下班"),
    (0.10, 11.5, 14.0, None),
    (0.10, 19.0, 21.0, "上班"),
    (0.07, 7.5, 9.0, "下班"),
    (0.05, 0.0, 24.0, None),
]
_MODES = (
    ["电动自行车", "摩托车", "步行", "小型汽车", "乘车", "公交", "自行车", "其他"],
    [0.58, 0.16, 0.08, 0.08, 0.03, 0.02, 0.03, 0.02],
)
_COUNTERPARTS = (
    [
        "小型汽车",
        "货车",
        "渣土车",
        "半挂牵引车",
        "电动自行车",
        "摩托车",
        "公交客车",
        "单方",
        "动物",
        "逃逸未查获",
        "行人",
    ],
    [0.52, 0.08, 0.04, 0.02, 0.14, 0.07, 0.02, 0.04, 0.02, 0.03, 0.02],
)


def _quarter_dates(quarter: str) -> tuple[dt.date, dt.date]:
    year, q = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return start, end


def _draw_time(rng: np.random.Generator, quarter: str) -> tuple[dt.datetime, str]:
    """A commute time in `quarter`: weekdays 85 %, hour bands and directions of §2.5."""
    start, end = _quarter_dates(quarter)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    weekdays = [d for d in days if d.weekday() < 5]
    weekend = [d for d in days if d.weekday() >= 5]
    pool = weekdays if rng.random() < 0.85 else weekend
    day = pool[int(rng.integers(len(pool)))]
    shares = np.array([s for s, *_ in _HOURS])
    k = int(rng.choice(len(_HOURS), p=shares / shares.sum()))
    _, lo, hi, direction = _HOURS[k]
    minutes = int(rng.uniform(lo * 60, hi * 60))
    if direction is None:
        direction = "上班" if minutes < 12 * 60 + 30 and rng.random() < 0.5 else "下班"
    when = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    return when, direction


def _plant_hotspots(
    rng: np.random.Generator,
    config: DemoConfig,
    usage: pd.Series,
    junctions: pd.DataFrame,
    edges: pd.DataFrame,
    nodes: pd.DataFrame,
) -> pd.DataFrame:
    """Pick busy junctions and stretches of busy named roads as hotspots."""
    quarters = config.quarter_list()
    nq = len(quarters)
    busy_j = junctions.assign(use=junctions["node_id"].map(usage).fillna(0))
    busy_j = busy_j[busy_j["use"] > 0].sort_values(["use", "node_id"], ascending=[False, True])
    n_int = max(1, round(config.n_hotspots * 0.6))
    n_seg = max(1, config.n_hotspots - n_int)
    patterns = ["persistent", "persistent", "emerging", "fading", "evening", "persistent"]
    rows = []
    pool = busy_j.head(max(n_int * 2, 6))  # among the busiest junctions
    chosen = pool.iloc[np.sort(rng.choice(len(pool), size=min(n_int, len(pool)), replace=False))]
    coords = nodes.set_index("node_id")
    for i, r in enumerate(chosen.itertuples()):
        pattern = patterns[i % len(patterns)]
        rows.append(
            {
                "hotspot_id": f"H{i + 1:02d}",
                "kind": "intersection",
                "pattern": pattern,
                "node_ids": (int(r.node_id),),
                "way_ids": (),
                "road": r.roads[0],
                "cross_road": r.roads[1],
                "lon": coords.at[r.node_id, "lon"],
                "lat": coords.at[r.node_id, "lat"],
            }
        )
    named = edges[edges["name"].notna() & (edges["name"] != "")].copy()
    named["use"] = named["u"].map(usage).fillna(0) + named["v"].map(usage).fillna(0)
    by_road = named.groupby("name")["use"].sum().sort_values(ascending=False)
    taken = {r["road"] for r in rows} | {r["cross_road"] for r in rows}
    seg_roads = [n for n in by_road.index if n not in taken][: n_seg * 3]
    pick = [seg_roads[j] for j in np.sort(rng.choice(len(seg_roads), size=n_seg, replace=False))]
    for j, road in enumerate(pick):
        road_edges = named[named["name"] == road].sort_values(
            ["use", "u", "v"], ascending=[False, True, True]
        )
        start = road_edges.iloc[0]
        # grow a stretch of ~400 m along connected edges of the same road
        stretch, length, frontier = [start], start["length_m"], {start["u"], start["v"]}
        for _ in range(40):
            nxt = road_edges[
                (road_edges["u"].isin(frontier) | road_edges["v"].isin(frontier))
                & ~road_edges.index.isin([e.name for e in stretch])
            ]
            if nxt.empty or length >= 400:
                break
            e = nxt.iloc[0]
            stretch.append(e)
            length += e["length_m"]
            frontier |= {e["u"], e["v"]}
        ids = sorted({int(n) for e in stretch for n in (e["u"], e["v"])})
        mid = coords.loc[ids]
        rows.append(
            {
                "hotspot_id": f"H{len(rows) + 1:02d}",
                "kind": "segment",
                "pattern": ["persistent", "emerging", "fading"][j % 3],
                "node_ids": tuple(ids),
                "way_ids": tuple(sorted({int(e["way_id"]) for e in stretch})),
                "road": road,
                "cross_road": None,
                "lon": float(mid["lon"].mean()),
                "lat": float(mid["lat"].mean()),
            }
        )
    out = pd.DataFrame(rows)
    active = []
    for p in out["pattern"]:
        if p == "emerging":
            active.append(tuple(quarters[nq // 2 + 1 :]))
        elif p == "fading":
            active.append(tuple(quarters[: max(2, nq // 3)]))
        else:
            active.append(tuple(quarters))
    out["quarters_active"] = active
    out["hours_active"] = np.where(out["pattern"] == "evening", "16:30-19:00", "all")
    out["strength"] = config.hotspot_strength
    return out


def _risky_enterprises(
    rng: np.random.Generator, ents: pd.DataFrame, config: DemoConfig
) -> tuple[np.ndarray, pd.DataFrame]:
    """The planted risky enterprises: each enterprise's risk multiplier, and the table of
    the risky ones."""
    risky_idx = np.sort(rng.choice(len(ents), size=config.n_risky_enterprises, replace=False))
    risk = np.ones(len(ents))
    risk[risky_idx] = config.enterprise_risk
    risky = ents.loc[risky_idx, ["credit_code", "name", "insured"]].assign(
        risk_multiplier=config.enterprise_risk
    )
    return risk, risky


def _edge_index(edges: pd.DataFrame) -> dict[tuple[int, int], int]:
    """(u, v) -> the position of that directed edge in `edges`."""
    return {
        (int(u), int(v)): i for i, (u, v) in enumerate(zip(edges["u"], edges["v"], strict=True))
    }


def _edges_with_length(world: World, nodes: pd.DataFrame) -> pd.DataFrame:
    """The directed road edges of `world` with their great-circle length in metres."""
    edges = edge_ways(world).copy()
    edges["length_m"] = haversine_m(
        nodes.loc[edges["u"], "lon"].to_numpy(),
        nodes.loc[edges["u"], "lat"].to_numpy(),
        nodes.loc[edges["v"], "lon"].to_numpy(),
        nodes.loc[edges["v"], "lat"].to_numpy(),
    )
    return edges


def _home_picks(
    rng: np.random.Generator, homes: pd.DataFrame, ents: pd.DataFrame, ent_pick: np.ndarray
) -> np.ndarray:
    """The home community of each accident's worker: by size and a gravity term towards
    the workplace (one draw per accident, in order)."""
    home_pick = np.empty(len(ent_pick), dtype=int)
    home_p: dict[int, np.ndarray] = {}
    for k, e in enumerate(ent_pick):
        if e not in home_p:
            d = haversine_m(
                homes["lon"].to_numpy(),
                homes["lat"].to_numpy(),
                ents.at[e, "lon"],
                ents.at[e, "lat"],
            )
            w = homes["size"].to_numpy(float) * np.exp(-d / 6000)
            home_p[e] = w / w.sum()
        home_pick[k] = rng.choice(len(homes), p=home_p[e])
    return home_pick


def _commute_paths(
    graph: Any,
    node_ids: np.ndarray,
    index_of: pd.Series,
    ends: list[tuple[int, int]],
    directions: list[str],
) -> list[list[int]]:
    """The shortest path (road node ids) of each commute: home to work (上班) or back
    (`ends` are the home and work nodes); empty when the two are not connected."""
    sources = sorted({h for h, _ in ends} | {w for _, w in ends})
    src_idx = index_of.loc[sources].to_numpy()
    _, pred = dijkstra(graph, directed=True, indices=src_idx, return_predecessors=True)
    pred_of = {s: pred[i] for i, s in enumerate(sources)}

    def path(a: int, b: int) -> list[int]:
        p = pred_of[a]
        j, target, out = index_of[b], index_of[a], []
        while j != target and j >= 0:
            out.append(int(node_ids[j]))
            j = p[j]
        if j != target:
            return []
        out.append(a)
        return out[::-1]

    return [
        path(h, w) if direction == "上班" else path(w, h)
        for (h, w), direction in zip(ends, directions, strict=True)
    ]


def _live_hotspots(
    hotspots: pd.DataFrame, quarter: str, evening: bool
) -> tuple[dict[int, str], dict[int, str]]:
    """The planted hotspots active in `quarter` (and in the evening peak, when `evening`):
    node -> hotspot of every node in one, and intersection node -> its hotspot."""
    live = hotspots[
        hotspots["quarters_active"].map(lambda qs, q=quarter: q in qs)
        & ((hotspots["hours_active"] == "all") | evening)
    ]
    return (
        {n: h for h, ns in zip(live["hotspot_id"], live["node_ids"], strict=True) for n in ns},
        {
            ns[0]: h
            for h, ns, kind in zip(live["hotspot_id"], live["node_ids"], live["kind"], strict=True)
            if kind == "intersection"
        },
    )


def _path_weights(
    p: list[int],
    e_idx: list[int],
    edge_arrays: tuple[list[int], list[int], np.ndarray],
    hot: tuple[dict[int, str], dict[int, str], set[int]],
    config: DemoConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """The chance of each edge and then each node of path `p` to hold the accident.

    An edge weighs its length, times the hotspot strength inside a planted segment hotspot;
    a junction weighs like 30 m of road, a planted one like 200 m times the strength.

    Returns
    -------
    tuple of numpy.ndarray
        Each edge's boost and the weights (edges, then nodes).
    """
    e_u, e_v, e_len = edge_arrays
    hot_nodes, hot_int, junction_ids = hot
    seg_boost = np.array(
        [
            config.hotspot_strength
            if (e_u[i] in hot_nodes and e_v[i] in hot_nodes and e_u[i] not in hot_int)
            else 1.0
            for i in e_idx
        ]
    )
    node_mass = np.array(
        [
            200.0 * config.hotspot_strength
            if n in hot_int
            else (30.0 if n in junction_ids else 0.0)
            for n in p
        ]
    )
    return seg_boost, np.concatenate([e_len[e_idx] * seg_boost, node_mass])


def _on_edge(
    rng: np.random.Generator, e: pd.Series, nodes: pd.DataFrame
) -> tuple[float, float, pd.Series]:
    """A point drawn uniformly along edge `e` (straight between its nodes), and the edge."""
    t = rng.random()
    lon = nodes.at[e["u"], "lon"] + t * (nodes.at[e["v"], "lon"] - nodes.at[e["u"], "lon"])
    lat = nodes.at[e["u"], "lat"] + t * (nodes.at[e["v"], "lat"] - nodes.at[e["u"], "lat"])
    return lon, lat, e


def _draw_commutes(
    rng: np.random.Generator,
    ents: pd.DataFrame,
    risk: np.ndarray,
    homes: pd.DataFrame,
    n_acc: int,
    config: DemoConfig,
) -> tuple[np.ndarray, np.ndarray, list[tuple[dt.datetime, str]]]:
    """Each accident's enterprise (by insured headcount times its risk), home community,
    and time and direction, drawn in this order."""
    ent_p = ents["insured"].to_numpy(float) * risk
    ent_pick = rng.choice(len(ents), size=n_acc, p=ent_p / ent_p.sum())
    home_pick = _home_picks(rng, homes, ents, ent_pick)
    quarters = config.quarter_list()
    times = [_draw_time(rng, quarters[int(rng.integers(len(quarters)))]) for _ in range(n_acc)]
    return ent_pick, home_pick, times


def _accident_point(
    rng: np.random.Generator,
    path: tuple[list[int], list[int]],
    network: tuple[pd.DataFrame, pd.DataFrame, tuple[list[int], list[int], np.ndarray]],
    hot: tuple[dict[int, str], dict[int, str], set[int]],
    config: DemoConfig,
) -> tuple[float, float, pd.Series, int | None, str | None]:
    """Where on a commute path (its nodes and edge positions) the accident happens: the
    point, its edge, the junction node (or None) and the planted hotspot (or None)."""
    p, e_idx = path
    edges, nodes, edge_arrays = network
    hot_nodes, hot_int, _ = hot
    seg_boost, weights = _path_weights(p, e_idx, edge_arrays, hot, config)
    pick = int(rng.choice(len(weights), p=weights / weights.sum()))
    if pick < len(e_idx):
        lon, lat, e = _on_edge(rng, edges.loc[e_idx[pick]], nodes)
        return lon, lat, e, None, hot_nodes.get(int(e["u"])) if seg_boost[pick] > 1 else None
    at_node = p[pick - len(e_idx)]
    e = edges.loc[e_idx[max(0, min(pick - len(e_idx), len(e_idx) - 1))]]
    return nodes.at[at_node, "lon"], nodes.at[at_node, "lat"], e, at_node, hot_int.get(at_node)


def accident_record(
    when: tuple[dt.datetime, str],
    who: tuple[str, str],
    point: tuple[float, float, pd.Series, int | None, str | None],
    j_roads: pd.Series,
) -> dict[str, object]:
    """One accident in the columns of :attr:`Simulation.accidents` (without its mode and
    counterpart): its time and direction, enterprise credit code and home POI, and its point
    (lon, lat, edge, junction node or None, planted hotspot or None); `j_roads` gives the
    roads of each junction node."""
    (injured_at, direction), (credit_code, home), (lon, lat, e, at_node, hot) = when, who, point
    road, ref = e["name"], e["ref"]
    return {
        "quarter": f"{injured_at.year}Q{(injured_at.month - 1) // 3 + 1}",
        "injured_at": injured_at,
        "direction": direction,
        "credit_code": credit_code,
        "home_poi_id": home,
        "true_lon": round(float(lon), 7),
        "true_lat": round(float(lat), 7),
        "at_node": at_node,
        "edge_u": int(e["u"]),
        "edge_v": int(e["v"]),
        "way_id": int(e["way_id"]),
        "road": road if isinstance(road, str) and road else None,
        "ref": ref if isinstance(ref, str) and ref else None,
        "junction_roads": j_roads.get(at_node) if at_node is not None else None,
        "hotspot_id": hot,
    }


def simulate(
    world: World,
    config: DemoConfig,
    *,
    stream: int = 2,
    risky: pd.DataFrame | None = None,
    hotspots: pd.DataFrame | None = None,
) -> Simulation:
    """Draw the commuting traffic accidents of the demo city and its planted truth.

    Parameters
    ----------
    world
        The geography (from ``build_world``).
    config
        Sizes, shares and hotspot strength.
    stream
        The seed stream: the generator is ``default_rng([config.seed, stream])``.
    risky, hotspots
        Planted risky enterprises and hotspots to keep instead of drawing new ones (a
        hotspot acts only in the quarters of its ``quarters_active``).

    Returns
    -------
    Simulation
        ``accidents``: one row per commuting traffic accident with its true point, way,
        road, nearest junction, hotspot id (or None), time, direction, enterprise, home
        community, mode, counterpart; and the planted ``hotspots`` and
        ``risky_enterprises``.
    """
    rng = np.random.default_rng([config.seed, stream])
    graph, node_ids = road_graph(world)
    index_of = pd.Series(np.arange(len(node_ids)), index=node_ids)
    nodes = world.nodes.set_index("node_id")
    edges = _edges_with_length(world, nodes)
    edge_of = _edge_index(edges)
    junctions = junction_table(edges)
    ents = world.enterprises.sort_values("credit_code", ignore_index=True)
    if risky is None:
        risk, risky = _risky_enterprises(rng, ents, config)
    else:
        multiplier = risky.set_index("credit_code")["risk_multiplier"]
        risk = ents["credit_code"].map(multiplier).fillna(1.0).to_numpy(float)
    homes = world.pois[world.pois["kind"].isin(["community", "large_community"])].sort_values(
        "poi_id", ignore_index=True
    )
    n_acc = round(config.n_determinations * config.commuting_share)
    ent_pick, home_pick, times = _draw_commutes(rng, ents, risk, homes, n_acc, config)
    ends = [
        (int(homes.at[home_pick[k], "node_id"]), int(ents.at[ent_pick[k], "node_id"]))
        for k in range(n_acc)
    ]
    paths = _commute_paths(graph, node_ids, index_of, ends, [t[1] for t in times])
    usage = pd.Series([n for p in paths for n in p]).value_counts()
    if hotspots is None:
        hotspots = _plant_hotspots(rng, config, usage, junctions, edges, world.nodes)
    junction_ids = set(junctions["node_id"].astype(int))
    j_roads = junctions.set_index("node_id")["roads"]
    rows = []
    live_cache: dict[tuple[str, bool], tuple[dict[int, str], dict[int, str]]] = {}
    arrays = (edges["u"].to_numpy().tolist(), edges["v"].to_numpy().tolist())
    arrays += (edges["length_m"].to_numpy(),)
    for k in range(n_acc):
        p = paths[k]
        when, direction = times[k]
        quarter = f"{when.year}Q{(when.month - 1) // 3 + 1}"
        key = (quarter, 16.5 <= when.hour + when.minute / 60 < 19)  # evening peak
        if key not in live_cache:
            live_cache[key] = _live_hotspots(hotspots, *key)
        hot_nodes, hot_int = live_cache[key]
        e_idx = [i for i in map(edge_of.get, itertools.pairwise(p)) if i is not None]
        if len(p) < 2 or not e_idx:
            continue
        lon, lat, e, at_node, hot = _accident_point(
            rng, (p, e_idx), (edges, nodes, arrays), (hot_nodes, hot_int, junction_ids), config
        )
        row = accident_record(
            (when, direction),
            (ents.at[ent_pick[k], "credit_code"], homes.at[home_pick[k], "poi_id"]),
            (lon, lat, e, at_node, hot),
            j_roads,
        )
        # drawn in this order, after the place
        row["mode"] = str(rng.choice(_MODES[0], p=_MODES[1]))
        row["counterpart"] = str(rng.choice(_COUNTERPARTS[0], p=_COUNTERPARTS[1]))
        rows.append(row)
    return Simulation(pd.DataFrame(rows), hotspots, risky.reset_index(drop=True), junctions)
