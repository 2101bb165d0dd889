"""Hotspots: recovery of the demo city's planted hotspots, snapping against peers, scale.

Run from the repository root::

    python benchmarks/bench_hotspots.py            # all parts
    python benchmarks/bench_hotspots.py --quick    # smoke run (tiny city, small sizes)
    python benchmarks/bench_hotspots.py --part memory --cases 1000000

Parts:

* ``recovery``: geocode the demo city's commuting cases (8 quarters), run
  :func:`~trafficprev.hotspots.find_hotspots`, and compare the units flagged hot (FDR 0.05)
  with the planted hotspots of ``data/demo/truth/hotspots.csv``: recall (planted hotspots
  with at least one hot unit among their units) and the share of hot units that are planted
  or adjacent to a planted unit.
* ``snap``: nearest-edge snapping of the same points on the same grid networks (the sizes of
  methods.md §5) with :func:`trafficprev.network.nearest_edges`, spaghetti's
  ``Network.snapobservations`` and osmnx's ``nearest_edges``; time ratios and agreement.
  Ours and osmnx start from the same prepared input, the osmnx graph of the grid: osmnx's
  ``nearest_edges(G, x, y)`` converts it to an edge GeoDataFrame (``graph_to_gdfs``) inside
  the call, so ours is timed as that same conversion plus ``nearest_edges`` on its geometry
  column (``trafficprev_from_graph_s``); the conversion alone is ``to_gdf_s``, and
  ``trafficprev_s`` is ours on the grid's line array (the input spaghetti's network is built
  from; its snap is compared with that). Both build their STRtree inside
  the call; ours also resolves ties to the lowest edge and computes the offset along the edge.
* ``memory``: the whole hotspot step for N synthetic cases placed on the demo network, in a
  child process; wall time per step and peak resident memory.

``--quick`` (a smoke run, not a measurement): ``recovery`` and ``memory`` on the tiny generated
city the quick runs share (``_shared.small_city``; its area, geocoded cases, units and
hotspots built once per process, which ``bench_trends.py`` and ``bench_maps.py`` use too;
``memory`` in this process with 500 cases), ``snap`` on one 10 × 10 grid with 200 points, each
side timed once.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
for _folder in (ROOT, ROOT / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import _shared  # noqa: E402

from trafficprev.area import build_area, to_metric_geoms  # noqa: E402
from trafficprev.datasets import demo_files  # noqa: E402
from trafficprev.geocode import geocode  # noqa: E402
from trafficprev.hotspots import find_hotspots  # noqa: E402
from trafficprev.intake import read_determinations  # noqa: E402
from trafficprev.network import nearest_edges  # noqa: E402


def markdown(frame: pd.DataFrame) -> str:
    """A markdown table (no tabulate dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def demo_area(folder: Path | None = None):
    if folder is None:  # the shipped demo: built once per process
        return _shared.demo_area(), demo_files()
    else:
        f = {
            "roads": [folder / "demo_city.osm"],
            "pois": [folder / "pois.csv"],
            "divisions": [folder / "admin_divisions.csv"],
            "determinations": sorted(folder.glob("determinations_*.xlsx"))
            + sorted(folder.glob("determinations_*.csv")),
        }
    return build_area("demo", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0]), f


def planted_units(area, network, truth: pd.DataFrame) -> dict[str, set[int]]:
    """Unit row positions of each planted hotspot."""
    units = network.units
    out: dict[str, set[int]] = {}
    node_unit: dict[str, int] = {}
    for pos, ids in enumerate(units["node_ids"]):
        for n in filter(None, str(ids).split("|")):
            node_unit[n] = pos
    seg = units[units["kind"] == "segment"]
    seg_geom = to_metric_geoms(seg.geometry.to_numpy(), area.to_metric)
    for row in truth.itertuples(index=False):
        if row.kind == "intersection":
            nodes = str(row.node_ids).split("|")
            out[row.hotspot_id] = {node_unit[n] for n in nodes if n in node_unit}
        else:
            ways = [int(w) for w in str(row.way_ids).split("|") if w]
            e = area.edges[area.edges["way_id"].isin(ways)]
            g = shapely.union_all(to_metric_geoms(e.geometry.to_numpy(), area.to_metric))
            near = shapely.distance(seg_geom, g) <= 30
            same = seg["road"].to_numpy() == row.road
            out[row.hotspot_id] = set(np.flatnonzero(units["kind"] == "segment")[near & same])
    return out


def recovery(folder: Path | None = None, *, small: bool = False) -> dict:
    """The planted hotspots found (`small`: on the quick runs' shared tiny city)."""
    if small:
        folder = _shared.small_city()
        area, geo = _shared.small_area(), _shared.small_geocoded()
    elif folder is None:
        area, _ = demo_area()
        geo = _shared.demo_geocoded()
    else:
        area, f = demo_area(folder)
        cases = read_determinations(f["determinations"]).cases
        geo = geocode(cases[cases["commuting"]], area).cases
    t = time.perf_counter()
    # the tiny city's is _shared.small_hotspots, find_hotspots(geo, area) on its shared units:
    # built once per process (timed here when built here), as trends and maps use it too
    res = _shared.small_hotspots() if small else find_hotspots(geo, area)
    seconds = time.perf_counter() - t
    truth = pd.read_csv((folder or ROOT / "data" / "demo") / "truth" / "hotspots.csv", dtype=str)
    planted = planted_units(area, res.network, truth)
    hot = set(np.flatnonzero(res.units["hot"].to_numpy()))
    adj = res.network.adjacency
    near_planted = set()
    for units in planted.values():
        near_planted |= units
        for u in units:
            near_planted |= set(adj[u].indices)
    found = {h: bool(units & hot) for h, units in planted.items()}
    rows = []
    for r in truth.itertuples(index=False):
        cases_there = int(res.units["n_cases"].to_numpy()[list(planted[r.hotspot_id])].sum())
        rows.append(
            {
                "hotspot": r.hotspot_id,
                "kind": r.kind,
                "pattern": r.pattern,
                "where": f"{r.road}×{r.cross_road}"
                if r.cross_road == r.cross_road and str(r.cross_road) != "nan"
                else r.road,
                "units": len(planted[r.hotspot_id]),
                "cases": cases_there,
                "hot": found[r.hotspot_id],
            }
        )
    return {
        "seconds": seconds,
        "timings": res.timings,
        "cases": len(geo),
        "snapped": int(res.cases["snap_status"].isin(["ok", "ambiguous"]).sum()),
        "units": len(res.units),
        "hot_units": len(hot),
        "recall": float(np.mean(list(found.values()))),
        "precision_near": len(hot & near_planted) / max(len(hot), 1),
        "per_hotspot": pd.DataFrame(rows),
        "classes": res.units["hotspot_class"].value_counts().to_dict(),
    }


def grid(nx_: int, ny_: int, block: float = 100.0):
    """A grid road network in metres: lines, node coordinates and edges (u, v)."""
    xs, ys = np.meshgrid(np.arange(nx_) * block, np.arange(ny_) * block)
    node = np.arange(nx_ * ny_).reshape(ny_, nx_)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    lines = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    return lines, xy, u, v


def _best(fn, repeat: int = 3):
    """(fastest seconds of `repeat` calls, the last result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _ours_from_graph(ox, g, px, py):
    """osmnx's own first step (the graph's edges as a GeoDataFrame), then ours on it."""
    gdf = ox.convert.graph_to_gdfs(g, nodes=False)
    return gdf, nearest_edges(gdf.geometry.to_numpy(), px, py)


def snapping(sizes, repeat: int = 3) -> list[dict]:
    """One row per grid size; ours and osmnx best of `repeat`."""
    rows = []
    rng = np.random.default_rng(1)
    for (nx_, ny_), n_pts in sizes:
        lines, xy, u, v = grid(nx_, ny_)
        px = rng.uniform(0, (nx_ - 1) * 100, n_pts)
        py = rng.uniform(0, (ny_ - 1) * 100, n_pts)
        row = {"edges": len(lines), "points": n_pts}
        # best of 3 for ours and osmnx (each builds its spatial index inside the call; a
        # fraction of a second, so one run is mostly noise); spaghetti's snap once
        row["trafficprev_s"], (ours, _, _) = _best(partial(nearest_edges, lines, px, py), repeat)
        try:
            import geopandas as gpd
            import spaghetti

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                net = spaghetti.Network(in_data=gpd.GeoDataFrame(geometry=lines))
                row["spaghetti_build_s"] = time.perf_counter() - t
                pts = gpd.GeoDataFrame(geometry=shapely.points(px, py))
                t = time.perf_counter()
                net.snapobservations(pts, "cases")
                row["spaghetti_snap_s"] = time.perf_counter() - t
            arcs = net.pointpatterns["cases"].obs_to_arc
            # spaghetti's arcs are (vertex, vertex) pairs; map back to our edge index
            vxy = np.array([net.vertex_coords[k] for k in sorted(net.vertex_coords)])
            key = {
                tuple(np.round(p, 3)): k
                for k, p in zip(sorted(net.vertex_coords), vxy, strict=True)
            }
            ours_pair = {}
            for e, (a, b) in enumerate(zip(u, v, strict=True)):
                ka, kb = key[tuple(np.round(xy[a], 3))], key[tuple(np.round(xy[b], 3))]
                ours_pair[(min(ka, kb), max(ka, kb))] = e
            theirs = np.full(n_pts, -1)
            for arc, obs in arcs.items():
                for i in obs:
                    theirs[i] = ours_pair[(min(arc), max(arc))]
            d_ours = shapely.distance(lines[ours], shapely.points(px, py))
            d_theirs = shapely.distance(lines[theirs], shapely.points(px, py))
            row["same_as_spaghetti"] = float(
                np.mean((ours == theirs) | np.isclose(d_ours, d_theirs))
            )
        except ImportError:
            pass
        try:
            import networkx as nx
            import osmnx as ox

            g = nx.MultiDiGraph(crs="EPSG:32649")
            for k, (x, y) in enumerate(xy):
                g.add_node(k, x=float(x), y=float(y))
            for e, (a, b) in enumerate(zip(u, v, strict=True)):
                g.add_edge(int(a), int(b), key=0, geometry=lines[e], length=100.0, eid=e)

            row["to_gdf_s"], _ = _best(partial(ox.convert.graph_to_gdfs, g, nodes=False), repeat)
            row["trafficprev_from_graph_s"], (gdf, (pos, _, _)) = _best(
                partial(_ours_from_graph, ox, g, px, py), repeat
            )
            # our edge ids on the osmnx graph: the `eid` of the GeoDataFrame's row
            ours_g = gdf["eid"].to_numpy()[pos]
            row["osmnx_s"], ne = _best(partial(ox.distance.nearest_edges, g, px, py), repeat)
            theirs = np.array([g.edges[a, b, k]["eid"] for a, b, k in ne])
            d_theirs = shapely.distance(lines[theirs], shapely.points(px, py))
            d_ours = shapely.distance(lines[ours_g], shapely.points(px, py))
            row["same_as_osmnx"] = float(np.mean((ours_g == theirs) | np.isclose(d_ours, d_theirs)))
        except ImportError:
            pass
        rows.append(row)
    return rows


def memory_child(n: int, network=None, *, small: bool = False) -> None:
    """Run the hotspot step on n synthetic cases on the demo network; print JSON.

    A quick run passes the shared ``network`` (the units are then not part of the time) of
    the tiny city (`small`: its area instead of the demo's)."""
    area = _shared.small_area() if small else demo_area()[0]
    rng = np.random.default_rng(7)
    named = area.edges[area.edges["road_id"] != ""]
    w = named["length_m"].to_numpy(float)
    pick = rng.choice(len(named), size=n, p=w / w.sum())
    frac = rng.uniform(0, 1, n)
    pts = shapely.line_interpolate_point(named.geometry.to_numpy()[pick], frac, normalized=True)
    start = pd.Timestamp("2022-01-01")
    cases = pd.DataFrame(
        {
            "decision_no": np.arange(n).astype(str),
            "lon": shapely.get_x(pts),
            "lat": shapely.get_y(pts),
            "match_level": "given",
            "road_id": named["road_id"].to_numpy()[pick],
            "severity": rng.choice(["轻伤", "重伤", "死亡"], size=n, p=[0.8, 0.18, 0.02]),
            "injured_at": start + pd.to_timedelta(rng.integers(0, 3 * 365 * 24, n), unit="h"),
        }
    )
    t = time.perf_counter()
    res = find_hotspots(cases, area, network=network)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "cases": n,
                "seconds": round(seconds, 1),
                "timings": res.timings,
                "peak_mb": round(peak),
                "hot": int(res.units["hot"].sum()),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["recovery", "snap", "memory", "all"], default="all")
    parser.add_argument("--cases", type=int, default=None, help="cases for the memory part")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=None,
        help="determinations of the demo worlds for the recovery part "
        "(3000 = the shipped city; others are generated)",
    )
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        memory_child(args.child)
        return 0
    if args.part in ("recovery", "all"):
        small = _shared.SMALL_CONFIG["n_determinations"]
        for size in args.sizes or ([small] if args.quick else [3000, 30000]):
            folder = None
            if size != 3000 and not (args.quick and size == small):
                import tempfile

                from trafficprev.datasets.democity import DemoConfig, make_demo_city

                folder = Path(tempfile.mkdtemp(prefix="bench-hotspots-"))
                make_demo_city(folder, DemoConfig(n_determinations=size))
            # a quick run's tiny city: the shared one (_shared.small_city)
            r = recovery(folder, small=args.quick and size == small)
            print(
                f"## Recovery of the planted hotspots: demo world of {size:,} determinations "
                "(8 quarters)\n"
            )
            print(
                f"{r['cases']} commuting cases, {r['snapped']} snapped to units; "
                f"{r['units']} units; find_hotspots {r['seconds']:.1f} s ({r['timings']})\n"
            )
            print(markdown(r["per_hotspot"]))
            print(f"\nrecall (planted hotspots with a hot unit): {r['recall']:.2f} (aim ≥ 0.9)")
            print(
                f"hot units planted or adjacent to a planted unit: {r['precision_near']:.2f} "
                f"of {r['hot_units']} (aim ≥ 0.8)"
            )
            print(f"hotspot classes: {r['classes']}\n")
    if args.part in ("snap", "all"):
        sizes = [((10, 10), 200)] if args.quick else [((32, 30), 5_580), ((71, 71), 20_000)]
        rows = snapping(sizes, repeat=1 if args.quick else 3)
        print("## Nearest-edge snapping on grid networks (same points, same network)\n")
        print(markdown(pd.DataFrame(rows).round(4)))
        for row in rows:
            nan = float("nan")
            print(
                f"- {row['edges']} edges: spaghetti snap / ours = "
                f"{row.get('spaghetti_snap_s', nan) / row['trafficprev_s']:.0f}×; "
                f"osmnx / ours (both from the same osmnx graph) = "
                f"{row.get('osmnx_s', nan) / row.get('trafficprev_from_graph_s', nan):.2f}×"
            )
        print()
    if args.part in ("memory", "all"):
        sizes = [args.cases] if args.cases else ([500] if args.quick else [100_000, 1_000_000])
        if args.quick:
            print("## The hotspot step at scale on the tiny city's network (in this process)\n")
        else:
            print("## The hotspot step at scale on the demo network (child process each)\n")
        for n in sizes:
            if args.quick:  # in this process, on the tiny city: a smoke run, not a measurement
                out = _shared.call(memory_child, n, _shared.small_network(), small=True)
            else:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(n)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            print(out.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
