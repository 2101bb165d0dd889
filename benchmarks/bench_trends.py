"""Enterprises, groups and trends: recovery of the planted truth, and speed at scale.

Run from the repository root::

    python benchmarks/bench_trends.py                  # all parts
    python benchmarks/bench_trends.py --quick          # smoke run (tiny city; not a measurement)
    python benchmarks/bench_trends.py --part scale --cases 1000000

Parts:

* ``recovery``: on the shipped demo city (3,000 determinations, 8 quarters) and on a generated
  world of 30,000 determinations (same generator and seed): the rank of each planted high-rate
  enterprise in the key list, the emerging-hotspot class of each planted hotspot (the best class
  among its units), and the evaluation of the demo's measures against what was planted.
* ``scale``: the whole issue-6 step (enterprise rates and key list, places and corridors, group
  and circumstance tables, cross-tabs, hour profiles and peak windows per hot unit and per
  enterprise, the space-time cube with emerging classes, the evaluation of measures) on N
  synthetic cases snapped to the demo network, in a child process: seconds per analysis and peak
  memory. The snapping itself (``find_hotspots``) is timed separately.

``--quick`` (a smoke run, not a measurement): ``recovery`` on the tiny generated city the quick
runs share (``_shared.small_city``, its area and hotspots built once per process) only, and
``scale`` with 500 synthetic cases on that city's shared units, in this process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for _folder in (ROOT, ROOT / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import _shared  # noqa: E402

from trafficprev import Settings  # noqa: E402
from trafficprev.area import build_area  # noqa: E402
from trafficprev.geocode import geocode  # noqa: E402
from trafficprev.groups import (  # noqa: E402
    circumstance_tables,
    enterprise_places,
    enterprise_units,
    group_tables,
    key_enterprises,
    standard_crosstabs,
)
from trafficprev.hotspots import find_hotspots  # noqa: E402
from trafficprev.intake import (  # noqa: E402
    read_determinations,
    read_enterprises,
    read_measures,
)
from trafficprev.trends import (  # noqa: E402
    circular_summary,
    emerging_hotspots,
    evaluate_measures,
)


def markdown(frame: pd.DataFrame) -> str:
    """A markdown table (no tabulate dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def world(folder: Path, *, small: bool = False) -> dict:
    """Area, snapped cases, register and measures of a demo world folder (`small`: the quick
    runs' shared tiny city, `folder`)."""
    from trafficprev.datasets import demo_dir

    # the quick runs' tiny city and the shipped demo: built once per process
    shared = (
        (_shared.small_area, _shared.small_hotspots)
        if small
        else (_shared.demo_area, _shared.demo_hotspots)
        if folder.resolve() == demo_dir().resolve()
        else None
    )
    if shared is not None:
        return {
            "area": shared[0](),
            "hotspots": shared[1](),
            "register": read_enterprises(folder / "enterprises.csv").records,
            "measures": read_measures(folder / "measures.csv").records,
            "truth": folder / "truth",
        }
    area = build_area(
        "bench",
        osm=folder / "demo_city.osm",
        pois=[folder / "pois.csv"],
        admin=folder / "admin_divisions.csv",
    )
    files = sorted(folder.glob("determinations_*.xlsx")) + sorted(
        folder.glob("determinations_*.csv")
    )
    cases = read_determinations(files).cases
    geocoded = geocode(cases[cases["commuting"]], area).cases
    hs = find_hotspots(geocoded, area)
    return {
        "area": area,
        "hotspots": hs,
        "register": read_enterprises(folder / "enterprises.csv").records,
        "measures": read_measures(folder / "measures.csv").records,
        "truth": folder / "truth",
    }


def planted_units(w: dict) -> dict[str, set[str]]:
    """Units that carry each planted hotspot: the units of its cases' true places."""
    truth = pd.read_csv(w["truth"] / "cases.csv")
    cases = w["hotspots"].cases.merge(truth[["decision_no", "hotspot_id"]], on="decision_no")
    cases = cases[cases["hotspot_id"].notna() & cases["snap_status"].isin(["ok", "ambiguous"])]
    return {h: set(part["unit_id"]) for h, part in cases.groupby("hotspot_id")}


#: Best class first when a planted hotspot spans several units.
_CLASS_ORDER = [
    "persistent_hot", "intensifying_hot", "consecutive_hot", "new_hot", "diminishing_hot",
    "sporadic_hot", "oscillating_hot", "historical_hot", "no_pattern",
]  # fmt: skip
EXPECTED = {
    "persistent": {"persistent_hot", "intensifying_hot"},
    "evening": {"persistent_hot", "intensifying_hot"},
    "emerging": {"consecutive_hot", "new_hot"},
    "fading": {"no_pattern"},
}


def recovery(folder: Path, label: str, *, small: bool = False) -> None:
    w = world(folder, small=small)
    hs = w["hotspots"]
    settings = Settings()
    t = time.perf_counter()
    ranked = key_enterprises(hs.cases, w["register"], settings).set_index("credit_code")
    risky = pd.read_csv(w["truth"] / "risky_enterprises.csv")
    rows = []
    for r in risky.itertuples():
        e = ranked.loc[r.credit_code]
        rows.append(
            {
                "enterprise": r.name,
                "insured": r.insured,
                "cases": int(e["n_cases"]),
                "expected at the overall rate": round(float(e["expected"]), 1),
                "rank": int(e["rank"]),
                "key (top 22)": bool(e["key"]),
                "tier": int(e["tier"]),
            }
        )
    print(f"## {label}: planted high-rate enterprises (×3 rate) in the key list\n")
    print(markdown(pd.DataFrame(rows)))
    print(f"\n{ranked['n_cases'].gt(0).sum()} enterprises with cases; key list of 22.\n")

    em = emerging_hotspots(hs.cases, hs.network, settings)
    units = em.units.set_index("unit_id")
    spans = planted_units(w)
    truth = pd.read_csv(w["truth"] / "hotspots.csv")
    rows = []
    for h in truth.itertuples():
        ids = sorted(spans.get(h.hotspot_id, set()) & set(units.index))
        part = units.loc[ids]
        classes = part["emerging_class"].tolist()
        best = min(classes, key=_CLASS_ORDER.index) if classes else "no_pattern"
        trend = part["trend"].value_counts().index[0] if len(part) else ""
        if (part["trend"] == "decreasing").any():
            trend = "decreasing"
        elif (part["trend"] == "increasing").any():
            trend = "increasing"
        rows.append(
            {
                "hotspot": h.hotspot_id,
                "kind": h.kind,
                "planted": h.pattern,
                "cases": int(part["n_cases"].sum()),
                "units": len(ids),
                "class (best unit)": best,
                "z trend": trend,
                "as built": best in EXPECTED[h.pattern],
            }
        )
    table = pd.DataFrame(rows)
    print(f"## {label}: emerging-hotspot classes of the planted hotspots\n")
    print(markdown(table))
    print(
        f"\n{int(table['as built'].sum())} of {len(table)} get the class they were built to "
        f"have (persistent/evening → persistent or intensifying; emerging → consecutive or new; "
        f"fading → no pattern, ESRI has no class for a spot hot only in 2 of 8 quarters). "
        f"Classes over all units: {em.units['emerging_class'].value_counts().to_dict()}\n"
    )

    ev = evaluate_measures(
        hs.cases,
        w["measures"],
        units=hs.units,
        crs_metric=w["area"].crs_metric,
        register=w["register"],
        settings=settings,
    )
    cols = ["group", "n_treated", "before", "after", "expected_after", "change", "change_lower",
            "change_upper", "naive_change", "met_goal", "note"]  # fmt: skip
    print(
        f"## {label}: evaluation of the measures (planted: signs at the fading hotspots end "
        "their risk; the sign at a persistent hotspot and all training change nothing)\n"
    )
    print(markdown(ev.summary[cols].round(3)))
    print(f"\n(all three analyses: {time.perf_counter() - t:.1f} s)\n")


def synthetic(n: int, seed: int = 7, *, small: bool = False):
    """N cases snapped to the demo network, attributes resampled from the demo's cases
    (`small`: the quick runs' shared tiny city instead of the demo)."""
    from trafficprev.datasets import demo_files

    if small:
        f, area, cases = _shared.small_files(), _shared.small_area(), _shared.small_cases()
    else:
        f = demo_files()
        area = _shared.demo_area()
        cases = _shared.demo_cases()
    demo = cases[cases["commuting"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    named = area.edges[area.edges["road_id"] != ""]
    w = named["length_m"].to_numpy(float)
    pick = rng.choice(len(named), size=n, p=w / w.sum())
    import shapely

    pts = shapely.line_interpolate_point(
        named.geometry.to_numpy()[pick], rng.uniform(0, 1, n), normalized=True
    )
    frame = pd.DataFrame(
        {
            c: demo[c].to_numpy()[rng.integers(0, len(demo), n)]
            for c in (
                "credit_code",
                "employer",
                "industry",
                "sex",
                "age",
                "direction",
                "mode",
                "counterpart",
                "responsibility",
                "severity",
                "time_precision",
            )
        }
    )
    frame["decision_no"] = np.arange(n).astype(str)
    frame["lon"] = shapely.get_x(pts)
    frame["lat"] = shapely.get_y(pts)
    frame["match_level"] = "given"
    frame["road_id"] = named["road_id"].to_numpy()[pick]
    frame["injured_at"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 2 * 365 * 24 * 60, n), unit="min"
    )
    register = read_enterprises(f["enterprises"]).records
    measures = read_measures(f["measures"]).records
    return area, frame, register, measures


def scale_child(n: int, network=None, *, small: bool = False) -> None:
    """The whole step on n synthetic cases; a quick run passes the shared units (`network`)
    of the tiny city (`small`)."""
    area, frame, register, measures = synthetic(n, small=small)
    settings = Settings()
    t0 = time.perf_counter()
    hs = find_hotspots(frame, area, settings, network=network)
    snap_s = time.perf_counter() - t0
    cases, units = hs.cases, hs.units
    timings: dict[str, float] = {}

    def timed(name, fn, *args, **kw):
        t = time.perf_counter()
        out = fn(*args, **kw)
        timings[name] = round(time.perf_counter() - t, 2)
        return out

    timed("key_enterprises", key_enterprises, cases, register, settings)
    timed("enterprise_places", enterprise_places, cases, register, units, settings)
    timed("enterprise_units", enterprise_units, cases, register, units)
    timed("group_tables", group_tables, cases, register)
    timed("circumstance_tables", circumstance_tables, cases)
    timed("crosstabs", standard_crosstabs, cases)
    hot = cases[cases["unit_id"].isin(units.loc[units["hot"], "unit_id"])]
    timed("peaks_hot_units", circular_summary, hot, "unit_id")
    timed("peaks_enterprises", circular_summary, cases, "credit_code")
    timed("emerging", emerging_hotspots, cases, hs.network, settings)
    timed(
        "evaluate_measures",
        evaluate_measures,
        cases,
        measures,
        units=units,
        crs_metric=area.crs_metric,
        register=register,
        settings=settings,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "cases": n,
                "find_hotspots_s": round(snap_s, 1),
                "step_s": round(sum(timings.values()), 1),
                "timings": timings,
                "peak_mb": round(peak),
            },
            ensure_ascii=False,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["recovery", "scale", "all"], default="all")
    parser.add_argument("--cases", type=int, nargs="+", default=None)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        scale_child(args.child)
        return 0
    if args.part in ("recovery", "all"):
        from trafficprev.datasets import demo_dir

        if args.quick:
            n = _shared.SMALL_CONFIG["n_determinations"]
            recovery(_shared.small_city(), f"Tiny city ({n:,} determinations)", small=True)
        else:
            recovery(demo_dir(), "Shipped demo city (3,000 determinations)")

            from trafficprev.datasets.democity import DemoConfig, make_demo_city

            folder = Path(tempfile.mkdtemp(prefix="bench-trends-"))
            make_demo_city(folder, DemoConfig(n_determinations=30_000))
            recovery(folder, "Demo world of 30,000 determinations")
    if args.part in ("scale", "all"):
        sizes = args.cases or ([500] if args.quick else [100_000, 1_000_000])
        if args.quick:
            print("## The whole step at scale on the tiny city's network (in this process)\n")
        else:
            print("## The whole step at scale on the demo network (child process each)\n")
        rows = []
        for n in sizes:
            if args.quick:  # in this process, on the tiny city: a smoke run, not a measurement
                out = _shared.call(scale_child, n, _shared.small_network(), small=True)
            else:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(n)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            line = out.strip().splitlines()[-1]
            print(line)
            rows.append(json.loads(line))
        if len(rows) > 1:
            a, b = rows[0], rows[-1]
            print(
                f"\nstep time ratio {b['cases'] // a['cases']}× more cases: "
                f"{b['step_s'] / a['step_s']:.1f}×"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
