"""Building the area gazetteer from a synthetic OSM grid city: read, build, save, load.

    python benchmarks/bench_area.py              # 100,000 road ways (the issue's aim)
    python benchmarks/bench_area.py --ways 300000
    python benchmarks/bench_area.py --quick      # 200 ways, in-process: a smoke run

Writes a grid city as OSM XML into a temporary folder (named streets 样例N路 / 测试N街 cut into
one way per block, 10 nodes per way, some refs and one-way streets, 1,000 named residential
areas and 2,000 named POI nodes), converts it to PBF with osmium, and writes an admin-divisions
CSV for it (one prefecture, 3 counties side by side, 30 townships whose centres are spread over
the grid). Then, for the XML and the PBF, each in its own process:

* ``build_area(osm=..., admin=...)`` end to end (read + split + merge + intersections + names);
* ``read_osm`` alone (the read part of the build, timed again on its own);
* ``save_area`` and ``load_area`` of the built area.

Peak RSS is that process's ``ru_maxrss`` (imports included). The issue's aim: build the
gazetteer from a 100,000-way OSM file in under a minute.

``--quick`` (a smoke run, not a measurement): 200 road ways, 100 POIs and 50 residential
areas, both files in this process.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import osmium
from _shared import child

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from trafficprev.area import build_area, load_area, read_osm, save_area
path, admin = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
area = build_area("bench", osm=path, admin=admin)
t1 = time.perf_counter()
src = read_osm(path)
t2 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    folder = save_area(area, Path(tmp) / "bench")
    t3 = time.perf_counter()
    loaded = load_area(folder)
    t4 = time.perf_counter()
    size = (folder / "area.gpkg").stat().st_size / 1e6
assert loaded.version == area.version and len(loaded.edges) == len(area.edges)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
c = area.meta["counts"]
print(json.dumps({"ways": c["ways"], "edges": c["edges"], "roads": c["roads"],
                  "junctions": c["junctions"], "intersections": c["intersections"],
                  "pois": c["pois"], "names": c["names"], "read_ways": len(src.ways),
                  "build": t1 - t0, "read": t2 - t1, "save": t3 - t2, "load": t4 - t3,
                  "gpkg_mb": size, "peak_mb": peak}))
"""

AIM_WAYS, AIM_SECONDS = 100_000, 60.0


_META = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="bench"'
_CLASSES = ("primary", "secondary", "tertiary", "residential", "residential", "service")
_POIS = (
    ("amenity", "school", "学校"),
    ("amenity", "hospital", "医院"),
    ("shop", "supermarket", "超市"),
    ("amenity", "fuel", "加油站"),
)


def write_grid_city(
    path: Path, n_ways: int, *, n_pois: int = 2000, n_areas: int = 1000
) -> dict[str, int]:
    """Write an OSM XML grid city with at least `n_ways` road ways, `n_pois` named POIs and
    `n_areas` named residential areas; return the counts."""
    k = math.ceil((1 + math.sqrt(1 + 2 * n_ways)) / 2)  # 2 k (k - 1) >= n_ways
    step, sub, lon0, lat0 = 0.001, 9, 111.60, 28.95

    def inter(r: int, c: int) -> int:
        return 1 + r * k + c

    next_id = k * k + 1
    ways: list[tuple[list[int], str, str, str, bool]] = []
    shape_nodes: list[tuple[int, float, float]] = []
    for horizontal in (True, False):
        for a in range(k):
            name = f"样例{a}路" if horizontal else f"测试{a}街"
            ref = f"G{300 + a}" if a % 10 == 0 else ""
            highway = _CLASSES[a % len(_CLASSES)]
            oneway = a % 7 == 3
            for b in range(k - 1):
                if len(ways) >= n_ways:
                    break
                r0, c0, r1, c1 = (a, b, a, b + 1) if horizontal else (b, a, b + 1, a)
                refs = [inter(r0, c0)]
                for s in range(1, sub):
                    t = s / sub
                    lon = lon0 + step * (c0 + t * (c1 - c0))
                    lat = lat0 + step * (r0 + t * (r1 - r0))
                    shape_nodes.append((next_id, lon, lat))
                    refs.append(next_id)
                    next_id += 1
                refs.append(inter(r1, c1))
                ways.append((refs, name, highway, ref, oneway))
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write('<osm version="0.6" generator="trafficprev bench_area">\n')
        for r in range(k):
            for c in range(k):
                fh.write(
                    f'  <node id="{inter(r, c)}" {_META} lat="{lat0 + step * r:.7f}" '
                    f'lon="{lon0 + step * c:.7f}"/>\n'
                )
        for nid, lon, lat in shape_nodes:
            fh.write(f'  <node id="{nid}" {_META} lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for i in range(n_pois):  # named POIs in the middle of blocks
            key, value, label = _POIS[i % len(_POIS)]
            r, c = (i * 7) % (k - 1), (i * 13) % (k - 1)
            fh.write(
                f'  <node id="{next_id}" {_META} lat="{lat0 + step * (r + 0.5):.7f}" '
                f'lon="{lon0 + step * (c + 0.5):.7f}">\n'
                f'    <tag k="{key}" v="{value}"/>\n    <tag k="name" v="样例{i}{label}"/>\n'
                "  </node>\n"
            )
            next_id += 1
        area_nodes = []
        for i in range(n_areas):  # named residential areas: a small square inside a block
            r, c = (i * 11) % (k - 1), (i * 17) % (k - 1)
            corners = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]
            ids = []
            for dc, dr in corners:
                fh.write(
                    f'  <node id="{next_id}" {_META} lat="{lat0 + step * (r + dr):.7f}" '
                    f'lon="{lon0 + step * (c + dc):.7f}"/>\n'
                )
                ids.append(next_id)
                next_id += 1
            area_nodes.append(ids)
        wid = 1
        for refs, name, highway, ref, oneway in ways:
            fh.write(f'  <way id="{wid}" {_META}>\n')
            fh.write("".join(f'    <nd ref="{n}"/>\n' for n in refs))
            fh.write(f'    <tag k="highway" v="{highway}"/>\n    <tag k="name" v="{name}"/>\n')
            if ref:
                fh.write(f'    <tag k="ref" v="{ref}"/>\n')
            if oneway:
                fh.write('    <tag k="oneway" v="yes"/>\n')
            fh.write("  </way>\n")
            wid += 1
        for i, ids in enumerate(area_nodes):
            fh.write(f'  <way id="{wid}" {_META}>\n')
            fh.write("".join(f'    <nd ref="{n}"/>\n' for n in [*ids, ids[0]]))
            fh.write(
                f'    <tag k="landuse" v="residential"/>\n    <tag k="name" v="样例{i}小区"/>\n'
            )
            fh.write("  </way>\n")
            wid += 1
        fh.write("</osm>\n")
    return {
        "road_ways": len(ways),
        "nodes": next_id - 1,
        "k": k,
        "step": step,
        "lon0": lon0,
        "lat0": lat0,
    }


def to_pbf(xml: Path, pbf: Path) -> None:
    """Copy an OSM XML file to PBF with osmium."""
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    finally:
        writer.close()


def write_admin(path: Path, grid: dict[str, float], *, towns_x: int = 6, towns_y: int = 5) -> int:
    """Write an admin CSV for the grid: 1 prefecture, 3 counties side by side, townships on a
    `towns_x` x `towns_y` lattice of centres over the grid (2 lattice columns per county)."""
    k, step, lon0, lat0 = grid["k"], grid["step"], grid["lon0"], grid["lat0"]
    span = step * (k - 1)
    rows = ["code,parent_code,level,name,lon,lat,aliases", "439900,,2,网格市,,,"]
    counties = ("西城区", "中山区", "东湖县")
    for i, name in enumerate(counties):
        rows.append(f"43990{i + 1},439900,3,{name},,,")
    n = 0
    for cx in range(towns_x):
        county = 1 + cx * len(counties) // towns_x
        for cy in range(towns_y):
            n += 1
            lon = lon0 + span * (cx + 0.5) / towns_x
            lat = lat0 + span * (cy + 0.5) / towns_y
            rows.append(f"43990{county}{n:03d},43990{county},4,第{n}街道,{lon:.6f},{lat:.6f},")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return n


def run_child(path: Path, admin: Path, *, in_process: bool = False) -> dict[str, float]:
    """_CHILD in its own process (in this one for a quick run: not a measurement)."""
    out = child(_CHILD, [path, admin], in_process=in_process, cwd=ROOT)
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ways", type=int, default=AIM_WAYS, help="road ways (default 100,000)")
    parser.add_argument(
        "--quick", action="store_true", help="200 ways, in this process: a smoke run"
    )
    args = parser.parse_args(argv)
    n_ways = 200 if args.quick else args.ways
    extras = {"n_pois": 100, "n_areas": 50} if args.quick else {}
    with tempfile.TemporaryDirectory() as tmp:
        xml, pbf = Path(tmp) / "city.osm", Path(tmp) / "city.osm.pbf"
        admin = Path(tmp) / "admin_divisions.csv"
        t0 = time.perf_counter()
        grid = write_grid_city(xml, n_ways, **extras)
        t1 = time.perf_counter()
        to_pbf(xml, pbf)
        t2 = time.perf_counter()
        towns = write_admin(admin, grid)
        print(
            f"grid city: {grid['road_ways']:,} road ways, {grid['nodes']:,} nodes; "
            f"XML {xml.stat().st_size / 1e6:.0f} MB written in {t1 - t0:.1f} s, "
            f"PBF {pbf.stat().st_size / 1e6:.1f} MB in {t2 - t1:.1f} s; "
            f"admin: 1 prefecture, 3 counties, {towns} townships"
        )
        if args.quick:
            print("(--quick: a smoke run, not a measurement)")
        print()
        print(
            "| file | ways | edges | roads | intersections | POIs | build s (end to end) | "
            "read_osm alone s | save s | load s | area.gpkg MB | peak RSS MB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        results = {}
        for path in (xml, pbf):
            r = run_child(path, admin, in_process=args.quick)
            results[path.name] = r
            print(
                f"| {path.name} | {r['ways']:,} | {r['edges']:,} | {r['roads']:,} | "
                f"{r['intersections']:,} | {r['pois']:,} | {r['build']:.1f} | {r['read']:.1f} | "
                f"{r['save']:.1f} | {r['load']:.1f} | {r['gpkg_mb']:.0f} | {r['peak_mb']:,.0f} |"
            )
        print()
        worst = max(r["build"] for r in results.values())
        ways = min(r["ways"] for r in results.values())
        if ways < AIM_WAYS:
            print(
                f"Aim (build from a {AIM_WAYS:,}-way OSM file in under {AIM_SECONDS:.0f} s): "
                f"not measured ({ways:,} ways; run without --quick)."
            )
        else:
            verdict = "met" if worst < AIM_SECONDS else "NOT met"
            print(
                f"Aim (build from a {AIM_WAYS:,}-way OSM file in under {AIM_SECONDS:.0f} s): "
                f"{verdict} (slowest build {worst:.1f} s for {ways:,} ways)."
            )


if __name__ == "__main__":
    main()
