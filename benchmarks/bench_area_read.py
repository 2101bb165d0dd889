"""Reading an OSM extract: `trafficprev.area._osm.read_osm` on a synthetic grid city.

    python benchmarks/bench_area_read.py                  # 100,000 road ways
    python benchmarks/bench_area_read.py --ways 300000

Writes a grid city as OSM XML into a temporary folder (named streets 样例N路 / 测试N街 cut into
one way per block, 10 nodes per way, some refs and one-way streets, 1,000 named residential
areas and 2,000 named POI nodes), converts it to PBF with osmium, and times `read_osm` on each
file in its own process (peak RSS is that process's ``ru_maxrss``, imports included).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import osmium

_CHILD = r"""
import json, resource, sys, time
from trafficprev.area._osm import read_osm
t0 = time.perf_counter()
src = read_osm(sys.argv[1])
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ways": len(src.ways), "nodes": len(src.nodes), "pois": len(src.pois),
                  "seconds": seconds, "peak_mb": peak}))
"""

_META = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="bench"'
_CLASSES = ("primary", "secondary", "tertiary", "residential", "residential", "service")
_POIS = (
    ("amenity", "school", "学校"),
    ("amenity", "hospital", "医院"),
    ("shop", "supermarket", "超市"),
    ("amenity", "fuel", "加油站"),
)


def write_grid_city(path: Path, n_ways: int) -> dict[str, int]:
    """Write an OSM XML grid city with at least `n_ways` road ways; return the counts."""
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
        fh.write('<osm version="0.6" generator="trafficprev bench_area_read">\n')
        for r in range(k):
            for c in range(k):
                fh.write(
                    f'  <node id="{inter(r, c)}" {_META} lat="{lat0 + step * r:.7f}" '
                    f'lon="{lon0 + step * c:.7f}"/>\n'
                )
        for nid, lon, lat in shape_nodes:
            fh.write(f'  <node id="{nid}" {_META} lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for i in range(2000):  # named POIs in the middle of blocks
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
        for i in range(1000):  # named residential areas: a small square inside a block
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
    return {"road_ways": len(ways), "nodes": next_id - 1}


def to_pbf(xml: Path, pbf: Path) -> None:
    """Copy an OSM XML file to PBF with osmium."""
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    finally:
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ways", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xml, pbf = Path(tmp) / "city.osm", Path(tmp) / "city.osm.pbf"
        t0 = time.perf_counter()
        counts = write_grid_city(xml, args.ways)
        t1 = time.perf_counter()
        to_pbf(xml, pbf)
        t2 = time.perf_counter()
        print(
            f"grid city: {counts['road_ways']:,} road ways, {counts['nodes']:,} nodes; "
            f"XML {xml.stat().st_size / 1e6:.0f} MB written in {t1 - t0:.1f} s, "
            f"PBF {pbf.stat().st_size / 1e6:.1f} MB in {t2 - t1:.1f} s"
        )
        print()
        print("| file | ways | nodes | POIs | seconds | ways/s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for path in (xml, pbf):
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"| {path.name} | {r['ways']:,} | {r['nodes']:,} | {r['pois']:,} | "
                f"{r['seconds']:.2f} | {r['ways'] / r['seconds']:,.0f} | {r['peak_mb']:,.0f} |"
            )


if __name__ == "__main__":
    main()
