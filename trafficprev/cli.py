"""The ``trafficprev`` command. Every subcommand is a thin wrapper over package functions."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ._accounting import check_intake_out, write_intake
from ._display import display_path
from ._errors import TrafficPrevError
from ._outdir import check_folder
from ._version import __version__
from .area import build_area, load_area, save_area
from .geocode import GeocodeResult, geocode
from .intake import IntakeResult, read_campaign_candidates, read_determinations, read_enterprises
from .settings import Settings
from .utils import log_to_console

__all__ = ["main"]

#: The files a precision folder holds, in the order the command names them.
PRECISION_NAMES = ("precision.xlsx", "precision.html", "manifest.json")

logger = logging.getLogger(__name__)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from exc


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_toml(args.config) if args.config else Settings()
    return settings.replace(as_of=args.as_of) if args.as_of else settings


def _print_result(title: str, result: IntakeResult, paths: dict[str, Path]) -> None:
    print(f"== {title} ==")
    print(result.accounting.report())
    for name, path in paths.items():
        print(f"  写出 wrote {name}: {display_path(path)}")


_PART_TITLES = {
    "enterprises": "企业名录 enterprises",
    "campaign_sites": "宣传候选点 campaign candidates",
}


def _cmd_intake(args: argparse.Namespace) -> int:
    settings = _settings(args)
    progress = not args.quiet and sys.stderr.isatty()
    inputs = [*args.input, *(args.enterprises or ()), *(args.campaign_sites or ())]
    inputs += [args.config] if args.config else []
    check_intake_out(args.out, inputs=inputs, protected_path=args.protected)
    result = read_determinations(args.input, settings=settings, progress=progress)
    parts = {}
    if args.enterprises:
        parts["enterprises"] = read_enterprises(
            args.enterprises, settings=settings, progress=progress
        )
    if args.campaign_sites:
        parts["campaign_sites"] = read_campaign_candidates(
            args.campaign_sites, settings=settings, progress=progress
        )
    paths = write_intake(
        args.out, result, parts=parts, protected_path=args.protected, inputs=inputs
    )
    _print_result("工伤认定 determinations", result, paths["main"])
    for key, part in parts.items():
        _print_result(_PART_TITLES[key], part, paths[key])
    return 0


def _print_run(result, out: Path, *, accounting: bool = True) -> None:
    """What a finished run (its result, its folder) says on the console: the row accounting
    (unless `accounting` is False: the same exports were accounted for above), the geocoding,
    the summary, every file written, the files kept and the warnings."""
    print(f"== {result.quarter} == 写出 wrote {display_path(out)}")
    if accounting:
        print(result.intake.accounting.report())
    levels = result.manifest["geocode_levels"]
    total = max(sum(levels.values()), 1)
    print(f"== {result.quarter} 地理编码 geocoding ==")
    for level, n in levels.items():
        if n:
            print(f"  {level:<13}{n:>7}  {100 * n / total:5.1f} %")
    print(
        f"  待复核 review queue {result.manifest['review_queue']} "
        f"(review_queue.csv: {result.window[0]}–{result.window[-1]})"
    )
    print(f"== {result.quarter} 热点 hotspots {result.window[0]}–{result.window[-1]} ==")
    print(f"  {_summary(result)}")
    if result.comparison is not None:
        counts = result.comparison.hotspots["status_zh"].value_counts()
        said = "、".join(f"{k} {int(v)}" for k, v in counts.items()) or "—"
        print(f"  与上季度对比 vs previous run {result.comparison.previous}: {said}")
    kept = set(result.manifest.get("kept", []))
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_file() and not path.name.startswith(".") and name not in kept:
            print(f"  写出 wrote {display_path(path)}")
    for name in sorted(kept):
        print(f"  保留 kept (not written by this run): {display_path(out / name)}")
    for text in result.manifest.get("warnings", []):
        print(f"  注意 warning: {text}")


def _summary(result) -> str:
    """The run's figures in one line of words (no Python reprs)."""
    signs = result.sign_sites
    existing = int(signs["existing"].astype(bool).sum()) if "existing" in signs else 0
    units = result.hotspots.units
    listed = units["hotspot_class"].fillna("") != ""  # a class needs a case of its own
    significant = int((units["hotspot_class"] == "significant").sum())
    return (
        f"{int(listed.sum())} 个热点单元 hotspot units (统计显著 {significant} significant); "
        f"警示标志 新设 {len(signs) - existing}、已有 {existing} sign sites (new, existing); "
        f"宣传点 {len(result.campaign_sites)} campaign sites; "
        f"重点企业 {int(result.key['key'].sum())} key enterprises; "
        f"建议培训人群 {len(result.targets.called_out)} target groups "
        f"(of {result.targets.n_cases} cases)"
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run

    previous = None if args.previous == "none" else args.previous
    result = run(
        area=args.area,
        inputs=args.input,
        quarter=args.quarter,
        out=args.out,
        enterprises=args.enterprises,
        campaign_sites=args.campaign_sites,
        measures=args.measures,
        overrides=args.overrides,
        settings=_settings(args),
        previous=previous,
        release=args.release,
        prints=args.prints,
        quiet=args.quiet,
        wait=args.wait,
        source=args.source,
    )
    _print_run(result, Path(args.out))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .pipeline import DEMO_QUARTERS, run_demo

    print("示范市 合成演示数据 (synthetic demo city; no real person, enterprise or place)")

    def said(result) -> None:  # each quarter's summary as soon as it is written
        first = result.quarter == DEMO_QUARTERS[0]
        _print_run(result, Path(args.out) / result.quarter, accounting=first)

    run_demo(
        args.out,
        maps_dir=args.maps,
        settings=_settings(args),
        quiet=args.quiet,
        prints=False,
        on_quarter=said,
        on_precision=_print_precision,
    )
    if args.maps:
        print(f"  地图 maps copied to {display_path(args.maps)}/")
    return 0


def _print_precision(result, out: Path) -> None:
    """What a finished precision project says on the console."""
    listed = result.listed
    tiers = listed["tier"].value_counts()
    said = "、".join(f"{k} {int(v)}" for k, v in tiers.items()) or "无"
    city = result.city
    rate = city["rate_per_1000"]
    print(f"== {result.year} 精准预防 precision project ({result.years[0]}–{result.years[-1]}) ==")
    print(
        f"  工伤 {int(city['n_injuries'])} 起 injuries, {int(city['enterprises'])} 家企业 "
        "enterprises; "
        + (f"发生率 每千人每年 {rate:.1f} per 1,000 insured a year" if rate == rate else "")
    )
    print(f"  重点企业 {len(listed)} listed ({said})")
    for note in result.notes:
        print(f"  注意 {note}")
    for name in PRECISION_NAMES:
        if (out / name).is_file():
            print(f"  写出 wrote {display_path(out / name)}")


def _cmd_precision(args: argparse.Namespace) -> int:
    from .pipeline import run_precision

    result = run_precision(
        year=args.year,
        inputs=args.input,
        enterprises=args.enterprises,
        contributions=args.contributions,
        payouts=args.payouts,
        measures=args.measures,
        out=args.out,
        settings=_settings(args),
        release=args.release,
        wait=args.wait,
    )
    _print_precision(result, Path(args.out))
    return 0


def _print_geocode(result: GeocodeResult, paths: dict[str, Path]) -> None:
    print("== 地理编码 geocoding ==")
    levels = result.levels()
    total = max(int(levels.sum()), 1)
    for level, n in levels.items():
        if n:
            print(f"  {level:<13}{n:>7}  {100 * n / total:5.1f} %")
    s = result.stats
    print(
        f"  {s['texts']} 条地点文字 distinct texts, {s['cache_hits']} 来自缓存 from cache; "
        f"待复核 review queue {s['review_queue']}"
    )
    if s["overrides_not_applied"]:
        counts = result.overrides_report["status"].value_counts()
        said = "、".join(f"{k} {int(v)}" for k, v in counts.items())
        print(f"  未采用的人工指定 overrides not applied: {said} (see overrides_report.csv)")
    for name, path in paths.items():
        print(f"  写出 wrote {name}: {display_path(path)}")


def _cmd_area_build(args: argparse.Namespace) -> int:
    sources = [args.osm, args.roads, args.aliases, args.zones, args.boundaries, *(args.pois or ())]
    sources += [] if args.admin == "changde" else [args.admin]
    check_folder(args.out, "area", inputs=[p for p in sources if p])  # before the build
    area = build_area(
        args.name,
        osm=args.osm,
        roads=args.roads,
        name_col=args.name_col,
        ref_col=args.ref_col,
        highway_col=args.highway_col,
        crs=args.crs,
        gcj02=args.gcj02,
        pois=args.pois or (),
        admin=args.admin,
        aliases=args.aliases,
        zones=args.zones,
        boundaries=args.boundaries,
        boundary_name_col=args.boundary_name_col,
        boundary_code_col=args.boundary_code_col,
    )
    path = save_area(area, args.out)
    print(f"== 区域 area {area.name} == version {area.version}")
    for key, n in area.meta["counts"].items():
        print(f"  {key:<14}{n:>8}")
    terr = area.meta.get("territories") or {}
    if terr.get("boundaries"):
        print(
            f"  行政区边界 boundaries {terr['boundaries']}: 匹配 matched {terr['matched']}, "
            f"未用 not used {len(terr['unmatched'])} (see area.json)"
        )
    print(f"  写出 wrote {display_path(path)}")
    return 0


def _cmd_geocode(args: argparse.Namespace) -> int:
    settings = _settings(args)
    area = load_area(args.area)
    progress = not args.quiet and sys.stderr.isatty()
    cases = read_determinations(args.input, settings=settings, progress=progress).cases
    if not args.all:
        cases = cases[cases["commuting"]]
    cache = None if args.no_cache else Path(args.area) / "geocode_cache.sqlite"
    result = geocode(cases, area, settings=settings, overrides=args.overrides, cache=cache)
    inputs = [*args.input, *([args.overrides] if args.overrides else [])]
    _print_geocode(result, result.write(args.out, inputs=inputs))
    return 0


def _common_options() -> argparse.ArgumentParser:
    """The options every subcommand shares (``--config``, ``--as-of``, ``--quiet``).

    Returns
    -------
    argparse.ArgumentParser
        A parser without help, to be passed as a parent of the subcommands' parsers.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE.toml", help="settings file (TOML)")
    common.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="reference date for 'time in the future' checks (default today)",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return common


def _add_intake_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``intake`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    p = sub.add_parser(
        "intake",
        parents=[common],
        help="check determination exports: cases.csv, rejected_rows.csv, duplicates.csv, "
        "accounting.json",
        description="Read determination exports (xlsx/xls/csv; UTF-8 or GB18030) and write "
        "cases.csv (no personal data), rejected_rows.csv, duplicates.csv and "
        "accounting.json to --out. Rejected rows do not fail the command.",
    )
    p.add_argument("--input", nargs="+", required=True, metavar="FILE", help="export file(s)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--enterprises", nargs="+", metavar="FILE", help="enterprise register(s)")
    p.add_argument("--campaign-sites", nargs="+", metavar="FILE", help="campaign candidates")
    p.add_argument(
        "--protected",
        metavar="FILE.csv",
        help="also write the personal data (names, ID numbers, phones, narratives) "
        "to this file; keep it inside the centre",
    )
    p.set_defaults(func=_cmd_intake)


def _add_demo_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``demo`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    d = sub.add_parser(
        "demo",
        parents=[common],
        help="the whole quarterly run on the synthetic demo city 示范市",
        description="Build the demo area, run 2024Q3 and 2024Q4 into --out (the second "
        "compares itself with the first), the 2024 precision project into --out/precision/2024, "
        "and copy the maps into --maps.",
    )
    d.add_argument("--out", default="runs/demo", metavar="DIR", help="output folder")
    d.add_argument("--maps", default="maps", metavar="DIR", help="where the maps are copied")
    d.set_defaults(func=_cmd_demo)


def _add_run_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``run`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    r = sub.add_parser(
        "run",
        parents=[common],
        help="the whole quarterly run: cases.gpkg, sites.xlsx, maps, report.html, manifest.json",
        description="Read the exports, geocode, find hotspots (the four quarters ending with "
        "--quarter), enterprises, groups, trends, sites, evaluate measures, compare with the "
        "previous quarter's run folder, and write everything to --out (replaced atomically).",
    )
    r.add_argument("--area", required=True, metavar="DIR", help="area folder (area build)")
    r.add_argument("--input", nargs="+", required=True, metavar="FILE", help="export file(s)")
    r.add_argument("--quarter", required=True, metavar="2024Q4", help="the run's quarter")
    r.add_argument("--out", required=True, metavar="DIR", help="run folder, e.g. runs/2024Q4")
    r.add_argument("--enterprises", nargs="+", metavar="FILE", help="enterprise register(s)")
    r.add_argument("--campaign-sites", nargs="+", metavar="FILE", help="campaign candidates")
    r.add_argument("--measures", nargs="+", metavar="FILE", help="existing measures")
    r.add_argument("--overrides", metavar="FILE", help="overrides.csv (a filled review queue)")
    r.add_argument(
        "--previous",
        default="auto",
        metavar="DIR|auto|none",
        help="previous quarter's run folder (auto: the sibling folder named after it)",
    )
    r.add_argument(
        "--release",
        default="police",
        choices=("police", "public", "internal"),
        help="release level of sites.xlsx and the maps (default police)",
    )
    r.add_argument("--prints", action="store_true", help="also PNG and A4 PDF of the maps")
    r.add_argument(
        "--wait", type=float, default=0.0, metavar="S", help="wait for another run into --out"
    )
    r.add_argument(
        "--source",
        metavar="TEXT",
        help="the data source in words for the titles of the maps and the report "
        "(default: the export file names)",
    )
    r.set_defaults(func=_cmd_run)


def _year(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) != 4:
        raise argparse.ArgumentTypeError(f"must be a year such as 2024, got {text!r}")
    return int(text)


def _add_precision_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``precision`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    p = sub.add_parser(
        "precision",
        parents=[common],
        help="the yearly precision project: precision.xlsx, precision.html, manifest.json",
        description="Read the determination exports (every injury type), the enterprise "
        "register and the contribution and payout ledgers; compute injury incidence and the "
        "fund's payout ratio per enterprise, industry and county over the years ending with "
        "--year; list the key enterprises for training; evaluate earlier training against the "
        "10 %% goal; write everything to --out (replaced atomically).",
    )
    p.add_argument("--year", required=True, type=_year, metavar="2024", help="statistics year")
    p.add_argument("--input", nargs="+", required=True, metavar="FILE", help="export file(s)")
    p.add_argument(
        "--enterprises", nargs="+", required=True, metavar="FILE", help="enterprise register(s)"
    )
    p.add_argument(
        "--contributions", nargs="+", required=True, metavar="FILE", help="缴费台账 ledger(s)"
    )
    p.add_argument("--payouts", nargs="+", metavar="FILE", help="待遇支付台账 ledger(s)")
    p.add_argument("--measures", nargs="+", metavar="FILE", help="measures (培训 rows)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--release",
        default="internal",
        choices=("internal", "police", "public"),
        help="release level (default internal: the list is for the joint meeting)",
    )
    p.add_argument(
        "--wait", type=float, default=0.0, metavar="S", help="wait for another run into --out"
    )
    p.set_defaults(func=_cmd_precision)


def _add_area_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``area`` subcommand and its action ``area build``.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    a = sub.add_parser("area", help="build the gazetteer of an area (roads, POIs, divisions)")
    asub = a.add_subparsers(dest="area_command", metavar="ACTION", required=True)
    b = asub.add_parser(
        "build",
        parents=[common],
        help="build areas/NAME from an OSM extract or a road file",
        description="Build the gazetteer of an area: roads merged by name, junctions, "
        "intersections, POIs, admin divisions and the name index, stored as area.gpkg + "
        "area.json in --out.",
    )
    b.add_argument("--name", required=True, help="the area's name, e.g. changde")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--osm", metavar="FILE", help="OpenStreetMap extract (.osm or .osm.pbf)")
    src.add_argument("--roads", metavar="FILE", help="road file (GeoPackage, Shapefile, GeoJSON)")
    b.add_argument("--name-col", metavar="C", help="road name column of --roads")
    b.add_argument("--ref-col", metavar="C", help="route code column of --roads (G319, X064)")
    b.add_argument("--highway-col", metavar="C", help="road class column of --roads")
    b.add_argument(
        "--crs",
        metavar="CRS",
        help="CRS of --roads when it declares none, e.g. EPSG:4546 (CGCS2000 3-degree GK CM 111E)",
    )
    b.add_argument("--gcj02", action="store_true", help="--roads coordinates are GCJ-02")
    b.add_argument(
        "--pois", nargs="+", metavar="FILE", help="POI tables (名称,类型,经度,纬度,坐标系)"
    )
    b.add_argument(
        "--admin",
        default="changde",
        metavar="changde|FILE",
        help="admin divisions: the bundled Changde tables (default) or a CSV",
    )
    b.add_argument("--aliases", metavar="FILE", help="alias CSV (别名,标准名称,类型)")
    b.add_argument(
        "--zones",
        metavar="FILE",
        help="edited functional-zone table (zones.csv) with the memberships the centre confirmed",
    )
    b.add_argument(
        "--boundaries",
        metavar="FILE",
        help="administrative boundary polygons (GeoPackage, Shapefile, GeoJSON) with a name column",
    )
    b.add_argument("--boundary-name-col", metavar="C", help="unit name column of --boundaries")
    b.add_argument("--boundary-code-col", metavar="C", help="division code column of --boundaries")
    b.add_argument("--out", required=True, metavar="DIR", help="area folder, e.g. areas/changde")
    b.set_defaults(func=_cmd_area_build)


def _add_geocode_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``geocode`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the ``trafficprev`` parser.
    common
        The shared options (:func:`_common_options`).
    """
    g = sub.add_parser(
        "geocode",
        parents=[common],
        help="geocode the place text of determinations against an area",
        description="Read determination exports, geocode the commuting traffic cases "
        "(--all: every case) against --area, and write the cases (no personal data) with "
        "lon, lat, match_level, confidence, matched_road, matched_cross_road and reason to "
        "--out (a .gpkg), plus review_queue.csv next to it.",
    )
    g.add_argument("--area", required=True, metavar="DIR", help="area folder (area build)")
    g.add_argument("--input", nargs="+", required=True, metavar="FILE", help="export file(s)")
    g.add_argument("--out", required=True, metavar="FILE.gpkg", help="output GeoPackage")
    g.add_argument("--overrides", metavar="FILE", help="overrides.csv (a filled review queue)")
    g.add_argument("--all", action="store_true", help="geocode every case, not only commuting")
    g.add_argument("--no-cache", action="store_true", help="do not use the area's geocode cache")
    g.set_defaults(func=_cmd_geocode)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``trafficprev`` command."""
    parser = argparse.ArgumentParser(
        prog="trafficprev",
        description=(
            "Commuting traffic-accident prevention analysis for work-injury determinations "
            "(工伤认定 上下班途中交通事故)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"trafficprev {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common_options()
    for add in (
        _add_intake_parser,
        _add_demo_parser,
        _add_run_parser,
        _add_precision_parser,
        _add_area_parser,
        _add_geocode_parser,
    ):
        add(sub, common)
    return parser


#: The cyclic garbage collector's thresholds while a command runs (:func:`main`).
COMMAND_GC_THRESHOLDS = (50_000, 50, 100)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    File-level problems (missing file, unreadable file, missing required column, a folder
    that cannot be written) print one paragraph to stderr and return 2. Rejected rows are
    reported, not failures.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.verbose:
        log_to_console("INFO")
    thresholds = gc.get_threshold()
    # a run keeps millions of small objects alive to its end (frames, geometries, map
    # elements), which CPython's default thresholds (700, 10, 10) make the cyclic collector
    # walk again and again: about a tenth of a demo quarter's CPU time (one-off measurement
    # of 2026-12-08, not a benchmark: 7.49 s -> 6.69 s, mean of five runs in one process).
    # Collected less often while the command runs (after 50,000 new objects instead of 700);
    # the caller's thresholds are restored after.
    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
    try:
        return int(args.func(args))
    except TrafficPrevError as exc:
        print(f"trafficprev: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the system refuses (permissions, read-only, full disk)
        where = f"{display_path(exc.filename)}: " if exc.filename else ""
        print(f"trafficprev: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        gc.set_threshold(*thresholds)
