"""Map size and speed: the demo maps, and 5,000 cases on the demo's 20,000 road segments.

Run from the repository root::

    python benchmarks/bench_maps.py            # both parts
    python benchmarks/bench_maps.py --quick    # smoke run (the tiny city's maps, one in Chromium)

For each map: Python build + offline render seconds, HTML size, gzip size, and the wall time of
headless Chromium loading it (console errors and page requests must both be zero). Aims
(issue 7): the demo maps under 5 MB each; 5,000 cases on 20,000 segments under 10 MB.

``--quick`` (a smoke run, not a measurement) builds the same four maps for the tiny generated
city the quick runs share (``_shared.small_city``: its area, geocoded cases and hotspots, built
once per process) instead of the demo, and loads one of them in Chromium.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _folder in (ROOT, ROOT / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import _shared  # noqa: E402
from bench_trends import markdown, synthetic  # noqa: E402

from trafficprev import Settings  # noqa: E402
from trafficprev.datasets import demo_files  # noqa: E402
from trafficprev.hotspots import find_hotspots  # noqa: E402
from trafficprev.intake import (  # noqa: E402
    read_campaign_candidates,
    read_enterprises,
)
from trafficprev.maps import (  # noqa: E402
    campaign_sites_map,
    find_chromium,
    hotspots_map,
    save_offline,
    sign_sites_map,
)
from trafficprev.sites import (  # noqa: E402
    campaign_candidates,
    choose_campaign_sites,
    choose_sign_sites,
)
from trafficprev.testing import check_in_browser  # noqa: E402


def measure(
    label: str,
    area,
    hs,
    cases,
    register,
    out: Path,
    *,
    browser: bool | int = True,
    campaign_sites: list[Path] | None = None,
) -> list[dict]:
    """Build, render and (with Chromium; `browser` maps, all when True) load every map;
    the campaign candidates are `campaign_sites` (default: the demo's)."""
    settings = Settings()
    sites = campaign_sites or demo_files()["campaign_sites"]
    cand = campaign_candidates(read_campaign_candidates(sites).records, area)
    signs = choose_sign_sites(hs, area, settings)
    camp = choose_campaign_sites(cases, register, cand, settings)
    builders = {
        "hotspots (police)": lambda: hotspots_map(hs, area, settings),
        "hotspots (internal, case points)": lambda: hotspots_map(
            hs, area, settings, release="internal"
        ),
        "sign_sites": lambda: sign_sites_map(signs, hs, area, settings),
        "campaign_sites": lambda: campaign_sites_map(camp, cand, area, settings),
    }
    rows = []
    for name, build in builders.items():
        t = time.perf_counter()
        path = save_offline(build(), out / f"{name.split()[0]}_{len(rows)}.html")
        seconds = time.perf_counter() - t
        data = path.read_bytes()
        row = {
            "input": label,
            "map": name,
            "build + render s": round(seconds, 2),
            "HTML MB": round(len(data) / 1e6, 2),
            "gzip MB": round(len(gzip.compress(data)) / 1e6, 2),
        }
        if find_chromium() and (browser is True or len(rows) < browser):
            t = time.perf_counter()
            report = check_in_browser(path)
            row["Chromium s"] = round(time.perf_counter() - t, 1)
            row["console errors"] = len(report.errors)
            row["page requests"] = len(report.requests)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    if args.quick:
        # the tiny shared city's maps; one loaded in Chromium (the smoke test of that path)
        f = _shared.small_files()
        area, hs = _shared.small_area(), _shared.small_hotspots()
        geocoded = _shared.small_geocoded()
        register = read_enterprises(f["enterprises"]).records
        label = f"tiny city ({len(geocoded)} cases)"
        rows = measure(
            label, area, hs, geocoded, register, out, browser=1, campaign_sites=f["campaign_sites"]
        )
    else:
        f = demo_files()
        area = _shared.demo_area()
        register = read_enterprises(f["enterprises"]).records
        geocoded = _shared.demo_geocoded()
        label = f"demo ({len(geocoded)} cases)"
        rows = measure(label, area, _shared.demo_hotspots(), geocoded, register, out)
    if not args.quick:  # the same maps at 5,000 cases (a quick run: the tiny city's only)
        _, frame, _, _ = synthetic(5_000)
        hs = find_hotspots(frame, area)
        segments = int((hs.network.units["kind"] == "segment").sum())
        label = f"5,000 cases, {segments:,} segments"
        rows += measure(label, area, hs, frame, register, out)
    print("## Map size and speed (`python benchmarks/bench_maps.py`)\n")
    print(markdown(__import__("pandas").DataFrame(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
