"""Accuracy and speed of the offline geocoder on the demo city, and peers on admin parsing.

Run from the repository root::

    python benchmarks/bench_geocode.py              # demo city + Changde admin comparison
    python benchmarks/bench_geocode.py --quick      # smoke run (small world; not a measurement)

Part 1 builds the demo city's area from ``data/demo`` and geocodes every commuting case
(no cache), then compares with ``data/demo/truth/cases.csv``:

* the share of commuting cases placed at road level or better (of all, and of those whose
  text names a road, a landmark or a stake: the rest say only "下班途中" or a village);
* of cases placed at intersection or offset level, the share within 50 m of the truth;
* the median error of every placed case;
* cases placed outside the district their text names (the district of the placed point
  is the demo world's own district function, not the geocoder's approximation);
* every case accounted for: placed, or in the review queue with a reason;
* throughput: distinct place texts per second on one core, uncached.

Part 2 compares the admin-level part on texts built from the **real** Changde division
names (the bundled tables) and real Changde road names (domain.md §2.10): county-level
accuracy and throughput of trafficprev (parse + admin scope), cpca and jionlp, in one run.
The texts are synthetic compositions of real names; each knows its true county.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trafficprev.area import admin_aliases, build_area, read_admin_divisions  # noqa: E402
from trafficprev.area._admin import county_of  # noqa: E402
from trafficprev.coords import haversine_m  # noqa: E402
from trafficprev.datasets import _world_roads as wr  # noqa: E402
from trafficprev.datasets import changde_public_roads  # noqa: E402
from trafficprev.datasets._world import district_of  # noqa: E402
from trafficprev.geocode import Resolver, geocode, parse_place  # noqa: E402
from trafficprev.geocode._geocode import _admin_names, geocode_texts  # noqa: E402
from trafficprev.intake import read_determinations  # noqa: E402

PLACED_ROAD = ("override", "given", "intersection", "road_offset", "landmark", "road")


def true_district(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The demo world's level-3 code (6 digits) of each WGS-84 point."""
    x = (np.asarray(lon, float) - wr.LON0) * wr.M_PER_DEG_LON
    y = (np.asarray(lat, float) - wr.LAT0) * wr.M_PER_DEG_LAT
    return district_of(x, y)


def demo_accuracy(folder: Path) -> dict[str, object]:
    """Geocode the demo city's commuting cases and score them against the truth."""
    t0 = time.perf_counter()
    area = build_area(
        "demo",
        osm=folder / "demo_city.osm",
        pois=[folder / "pois.csv"],
        admin=folder / "admin_divisions.csv",
    )
    build_s = time.perf_counter() - t0
    files = [
        *sorted(folder.glob("determinations_*.xlsx")),
        *sorted(folder.glob("determinations_*.csv")),
    ]
    cases = read_determinations(files).cases
    commuting = cases[cases["commuting"]].reset_index(drop=True)
    result = geocode(commuting, area)
    truth = pd.read_csv(folder / "truth" / "cases.csv", dtype={"decision_no": str})
    g = pd.DataFrame(result.cases.drop(columns="geometry")).merge(
        truth, on="decision_no", suffixes=("", "_t")
    )
    placed = g["match_level"] != "none"
    err = pd.Series(np.nan, index=g.index)
    has = placed & g["true_lon"].notna()
    err[has] = haversine_m(
        g.loc[has, "lon"], g.loc[has, "lat"], g.loc[has, "true_lon"], g.loc[has, "true_lat"]
    )
    g["error_m"] = err
    fine = g["match_level"].isin(["intersection", "road_offset"])
    namable = ~g["place_kind"].isin(["unresolvable", "village"])
    # districts named in the text vs the district of the placed point
    div = read_admin_divisions(folder / "admin_divisions.csv")
    parent = div.set_index("code")["parent_code"]
    level = div.set_index("code")["level"].astype(int)
    alias = admin_aliases(div)
    lookup = alias.drop_duplicates("alias").set_index("alias")["code"]
    named = []
    admin_names = _admin_names(area)
    for text in g["place_text"].fillna(""):
        slots = parse_place(text, admin_names=admin_names)
        code = ""
        for name in slots.admin:
            c = lookup.get(name, "")
            while c and level.get(c, 0) > 3:
                c = parent.get(c, "")
            if c and level.get(c, 0) == 3:
                code = c
        named.append(code[:6])
    g["named_district"] = named
    check = placed & (g["named_district"] != "")
    actual = true_district(g.loc[check, "lon"], g.loc[check, "lat"])
    outside = int((actual != g.loc[check, "named_district"].to_numpy()).sum())
    queue_ids = set(result.review_queue["decision_no"])
    accounted = g.apply(
        lambda r: (
            (r["match_level"] != "none" and r["confidence"] >= 0.5)
            or (r["decision_no"] in queue_ids and bool(r["reason"]))
        ),
        axis=1,
    )
    # uncached throughput on distinct texts, one core
    texts = list(pd.unique(commuting["place_text"].fillna("")))
    resolver = Resolver(area)
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        geocode_texts(texts, area, resolver=resolver)
        best = min(best, time.perf_counter() - t)
    levels = g["match_level"].value_counts()
    return {
        "area_build_s": build_s,
        "cases": len(g),
        "levels": levels.to_dict(),
        "road_or_better_all": float(g["match_level"].isin(PLACED_ROAD).mean()),
        "road_or_better_namable": float(g.loc[namable, "match_level"].isin(PLACED_ROAD).mean()),
        "n_namable": int(namable.sum()),
        "fine_n": int(fine.sum()),
        "fine_within_50m": float((g.loc[fine, "error_m"] <= 50).mean()),
        "fine_median_m": float(g.loc[fine, "error_m"].median()),
        "median_error_placed_m": float(g.loc[placed, "error_m"].median()),
        "median_error_confident_m": float(
            g.loc[placed & (g["confidence"] >= 0.5), "error_m"].median()
        ),
        "n_confident": int((placed & (g["confidence"] >= 0.5)).sum()),
        "error_by_level": g[placed].groupby("match_level")["error_m"].median().round(1).to_dict(),
        "named_district_checked": int(check.sum()),
        "outside_named_district": outside,
        "accounted": float(accounted.mean()),
        "review_queue": len(result.review_queue),
        "texts": len(texts),
        "texts_per_s": len(texts) / best,
        "frame": g,
    }


# --- part 2: admin level against cpca and jionlp --------------------------------------------

CHANGDE_ROADS = changde_public_roads()  # real names cited by public sources


def changde_texts(n: int, seed: int = 7) -> pd.DataFrame:
    """Place phrases from real Changde county/township names with their true county."""
    div = read_admin_divisions("changde")
    div = div[div["kind"] == "official"]
    towns = div[div["level"] == 4]
    villages = div[div["level"] == 5]
    county_name = div.set_index("code")["name"]
    town_parent = towns.set_index("code")["parent_code"]
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        t = towns.iloc[rng.randrange(len(towns))]
        county = county_name[t["parent_code"]]
        short = county[:-1] if len(county) > 2 else county
        a, b = rng.sample(CHANGDE_ROADS, 2)
        form = i % 6
        if form == 0:  # full hierarchy
            text = f"常德市{county}{t['name']}{a}与{b}交叉路口"
        elif form == 1:  # county and road
            text = f"{county}{a}{rng.choice(['中段', '附近', '非机动车道'])}"
        elif form == 2:  # short county name
            text = f"{short}{t['name']}{a}路段"
        elif form == 3:  # township only (county must be inferred)
            text = f"{t['name']}{a}与{b}交汇处往东约100米"
        elif form == 4:  # township and village, as county cases are written
            v = villages[villages["parent_code"] == t["code"]]
            vname = v.iloc[rng.randrange(len(v))]["name"] if len(v) else "新村"
            text = f"{t['name']}{vname}路段"
        else:  # prefecture and county
            text = f"湖南省常德市{county}{a}与{b}交汇处"
        rows.append({"text": text, "county_code": str(town_parent[t["code"]])[:6], "form": form})
    return pd.DataFrame(rows)


def ours_admin(texts: list[str], area) -> tuple[list[str], float]:
    resolver = Resolver(area)
    names = _admin_names(area)
    div = area.admin
    t = time.perf_counter()
    out = []
    for text in texts:
        scope, _ = resolver.scope(parse_place(text, admin_names=names))
        out.append(scope.codes[0] if scope is not None and not scope.ambiguous else "")
    seconds = time.perf_counter() - t
    county = county_of(pd.Series(out), pd.DataFrame(div.drop(columns="geometry")))
    return [str(c)[:6] if isinstance(c, str) else "" for c in county], seconds


def peers_admin(texts: list[str]) -> dict[str, tuple[list[str], float]]:
    out: dict[str, tuple[list[str], float]] = {}
    try:
        import cpca

        t = time.perf_counter()
        df = cpca.transform(texts)
        out["cpca"] = (
            [str(c) if isinstance(c, str) else "" for c in df["adcode"]],
            time.perf_counter() - t,
        )
    except ImportError:
        print("cpca not installed (pip install -e '.[bench]')")
    try:
        import jionlp

        div = read_admin_divisions("changde")
        code_of = dict(
            zip(
                div.loc[div["level"] == 3, "name"],
                div.loc[div["level"] == 3, "code"].str[:6],
                strict=True,
            )
        )
        t = time.perf_counter()
        res = [jionlp.parse_location(x) for x in texts]
        seconds = time.perf_counter() - t
        out["jionlp"] = ([code_of.get(r.get("county") or "", "") for r in res], seconds)
    except ImportError:
        print("jionlp not installed (pip install -e '.[bench]')")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (not timed)")
    parser.add_argument("--n-admin", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.quick:
        import tempfile

        from trafficprev.datasets.democity import make_demo_city, small_config

        folder = Path(tempfile.mkdtemp(prefix="bench-geocode-"))
        make_demo_city(folder, small_config())
        args.n_admin = 200
    else:
        folder = ROOT / "data" / "demo"
    r = demo_accuracy(folder)
    print("## Demo city: geocoding the commuting cases (truth from data/demo/truth)\n")
    print(
        f"area build: {r['area_build_s']:.2f} s; commuting cases: {r['cases']}; "
        f"distinct texts: {r['texts']}"
    )
    print("\n| level | cases | median error m |\n|---|---:|---:|")
    for level, n in sorted(r["levels"].items(), key=lambda kv: -kv[1]):
        med = r["error_by_level"].get(level)
        print(f"| {level} | {n} | {'' if med is None or np.isnan(med) else med} |")
    print("\n| measure | value | aim |\n|---|---:|---|")
    print(
        f"| placed at road level or better, all commuting cases | "
        f"{100 * r['road_or_better_all']:.1f} % | ≥ 97 % |"
    )
    print(
        f"| … of the {r['n_namable']} whose text names a road, landmark or stake | "
        f"{100 * r['road_or_better_namable']:.1f} % | |"
    )
    print(
        f"| intersection/offset level within 50 m (n = {r['fine_n']}) | "
        f"{100 * r['fine_within_50m']:.1f} % | ≥ 95 % |"
    )
    print(f"| median error, intersection/offset | {r['fine_median_m']:.1f} m | |")
    print(f"| median error, all placed cases | {r['median_error_placed_m']:.1f} m | < 30 m |")
    print(
        f"| median error, placed with confidence ≥ 0.5 (not sent to review; "
        f"n = {r['n_confident']}) | {r['median_error_confident_m']:.1f} m | |"
    )
    print(
        f"| placed outside the district the text names (of {r['named_district_checked']}) | "
        f"{r['outside_named_district']} | 0 |"
    )
    print(
        f"| accounted (placed ≥ 0.5, or in the review queue with a reason) | "
        f"{100 * r['accounted']:.1f} % | 100 % |"
    )
    print(f"| review queue | {r['review_queue']} | |")
    print(f"| throughput, uncached, one process | {r['texts_per_s']:,.0f} texts/s | ≥ 5,000 |")

    print("\n## Admin level on Changde texts: trafficprev vs cpca vs jionlp\n")
    demo = build_area("changde-admin", osm=folder / "demo_city.osm", admin="changde")
    data = changde_texts(args.n_admin)
    texts = data["text"].tolist()
    rows = {"trafficprev": ours_admin(texts, demo), **peers_admin(texts)}
    base = rows["trafficprev"][1]
    print(f"{len(texts)} texts from real Changde division and road names.\n")
    print("| tool | county accuracy | texts/s | time ratio tool/trafficprev |")
    print("|---|---:|---:|---:|")
    forms = [
        "full",
        "county+road",
        "short county",
        "township only",
        "township+village",
        "province+prefecture+county",
    ]
    for tool, (codes, seconds) in rows.items():
        hit = np.array([a == b for a, b in zip(codes, data["county_code"], strict=True)])
        print(
            f"| {tool} | {100 * hit.mean():.1f} % | {len(texts) / seconds:,.0f} | "
            f"{seconds / base:.2f} |"
        )
    print("\ncounty accuracy by text form:\n")
    print("| form | n | " + " | ".join(rows) + " |")
    print("|---|---:|" + "---:|" * len(rows))
    for f, label in enumerate(forms):
        sel = (data["form"] == f).to_numpy()
        accs = []
        for codes, _ in rows.values():
            hit = np.array([a == b for a, b in zip(codes, data["county_code"], strict=True)])
            accs.append(f"{100 * hit[sel].mean():.1f} %")
        print(f"| {label} | {int(sel.sum())} | " + " | ".join(accs) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
