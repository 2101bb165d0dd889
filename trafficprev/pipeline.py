"""The quarterly run: every step from the exports to the maps, in one call.

:func:`run` reads the exports, geocodes the commuting cases against the area (reusing the
area's geocode cache), finds the hotspots of the **analysis window** (the four quarters ending
with the run's quarter: one quarter alone holds too few cases per road unit), the emerging
classes over every quarter up to it, the key enterprises (the eight quarters ending with it, so
the rising trend can be tested), the group and circumstance tables, the sign and campaign
sites, the evaluation of measures, and the comparison with the previous quarter's run folder.
It writes, in ``out``:

``cases.gpkg`` (layers ``cases`` without personal data, ``units``, ``hotspots``, ``clusters``,
``sign_sites``, ``campaign_sites``, ``enterprises``), ``review_queue.csv``,
``rejected_rows.csv``, ``duplicates.csv``, ``sites.xlsx``, ``sites.gpkg``, ``maps/*.html``,
``report.html`` and ``manifest.json``.

**Safe to interrupt, never destructive** (:mod:`trafficprev._outdir`). ``out`` must be new,
empty or a run folder trafficprev made, and may not hold an input or the current folder;
anything else is refused before any work. Outputs are written to a staging folder next to
``out`` and swapped in at the end, so a run killed at any point leaves the previous run
complete (between the two renames of the swap it is ``.NAME.old-PID`` until the next command
that reads the folder puts it back); files in ``out`` that the previous run did not write, or
that were edited since, are kept and listed in the manifest as ``kept``. Two runs into the
same folder at once: the second waits for the first (up to ``wait`` seconds) and then refuses
with a clear message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._accounting import to_csv
from ._display import display_path
from ._errors import OutputError, TrafficPrevError
from ._io import write_gpkg
from ._outdir import (
    RunLockedError,
    Stage,
    check_files,
    file_sha256,
    is_output_error,
    output_error,
    restore,
    staged,
    write_file,
)
from ._periods import parse_quarter, previous_quarter, quarter_of, quarter_range
from ._scan import check_shared_outputs
from ._version import __version__
from .area import Area, load_area
from .geocode import geocode, write_review_queue
from .groups import circumstance_tables, group_tables, key_enterprises, standard_crosstabs
from .hotspots import find_hotspots
from .intake import read_campaign_candidates, read_determinations, read_enterprises, read_measures
from .privacy import Redactor, personal_values
from .publish import publish, site_points
from .settings import Settings
from .sites import campaign_candidates, choose_campaign_sites, choose_sign_sites
from .trends import (
    compare_hotspots,
    compare_key_enterprises,
    emerging_hotspots,
    evaluate_measures,
    hotspot_peaks,
)

__all__ = [
    "DEMO_QUARTERS",
    "RunLockedError",
    "RunResult",
    "parse_quarter",
    "previous_quarter",
    "resolve_inputs",
    "restore",
    "run",
    "run_demo",
]

#: Quarters in the hotspot window and in the key-enterprise window.
WINDOW_QUARTERS = 4
KEY_QUARTERS = 8
_PACKAGES = ("numpy", "pandas", "scipy", "shapely", "geopandas", "pyproj", "folium", "osmium")


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a quarterly run computed (also written to its folder).

    Attributes
    ----------
    quarter
        The run's quarter, e.g. ``"2024Q4"``.
    window, history
        The hotspot window (four quarters ending with `quarter`) and every quarter of the
        data up to `quarter`.
    out
        The run folder.
    intake
        :class:`~trafficprev.intake.IntakeResult` of the determinations.
    register, candidates, measures
        The enterprise register, campaign candidates and measures (records; empty frames
        when not given).
    geocoded
        Every commuting case up to the quarter, geocoded.
    review_queue
        Cases to review (``review_queue.csv``).
    hotspots
        :class:`~trafficprev.hotspots.HotspotResult` of the window.
    history_cases
        Every commuting case up to the quarter, snapped to the window's units.
    emerging, peaks
        Emerging-hotspot classes per unit (``EmergingResult``) and peak windows per hot unit.
    key
        :func:`~trafficprev.groups.key_enterprises` over the key window.
    groups, circumstances, crosstabs
        Tables of the window's cases.
    sign_sites, campaign_sites
        The chosen sites.
    evaluation
        :class:`~trafficprev.trends.MeasureEvaluation` or None without measures.
    comparison
        ``{"previous": folder, "hotspots": frame, "enterprises": frame}`` or None when there
        is no previous run.
    manifest
        What ``manifest.json`` holds.
    """

    quarter: str
    window: tuple[str, ...]
    history: tuple[str, ...]
    out: Path
    intake: object
    register: pd.DataFrame
    candidates: pd.DataFrame
    measures: pd.DataFrame
    geocoded: gpd.GeoDataFrame
    review_queue: pd.DataFrame
    hotspots: object
    history_cases: pd.DataFrame
    emerging: object
    peaks: pd.DataFrame
    key: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    circumstances: dict[str, pd.DataFrame]
    crosstabs: dict[str, pd.DataFrame]
    sign_sites: pd.DataFrame
    campaign_sites: pd.DataFrame
    evaluation: object
    comparison: dict | None
    manifest: dict = field(default_factory=dict)


# --- small helpers ----------------------------------------------------------------------


def _paths(values: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if values is None:
        return []
    if isinstance(values, str | Path):
        return [Path(values)]
    return [Path(v) for v in values]


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "trafficprev": __version__}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = ""
    return out


class _Steps:
    """Per-step timing and progress lines (stderr; silent when quiet)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet, self.k = total, quiet, 0
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str, label: str) -> Iterator[None]:
        self.k += 1
        if not self.quiet:
            sys.stderr.write(f"[{self.k}/{self.total}] {label} …\n")
            sys.stderr.flush()
        t = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t, 2)
        if not self.quiet:
            sys.stderr.write(f"      {self.timings[name]:.1f} s\n")
            sys.stderr.flush()


def _output_error(exc: OSError, out: Path) -> OutputError:
    """One readable error for a run folder that cannot be written (the cause stays chained)."""
    return output_error(exc, out, "run")


def _is_output_error(exc: OSError, out: Path) -> bool:
    """A refused write into the run's folder (not, say, an input file that cannot be read)."""
    return is_output_error(exc, out)


def _warn(steps: _Steps, text: str) -> str:
    """Say `text` on stderr (unless quiet) and return it for the manifest and the report."""
    if not steps.quiet:
        sys.stderr.write(f"trafficprev: 注意 warning: {text}\n")
        sys.stderr.flush()
    return text


def _window_warnings(
    q: pd.Series, commuting: pd.Series, quarter: str, window: tuple[str, ...]
) -> list[str]:
    """What is wrong with the run's quarter for the data: no case in the window, or a
    quarter after the last case (a wrong ``--quarter`` or missing exports)."""
    known = q[commuting & q.notna()]
    out = []
    if known.empty:
        return ["the exports hold no commuting traffic case / 台账中没有上下班途中交通事故案件"]
    last = str(known.max())
    if quarter > last:
        out.append(
            f"{quarter} is after the quarter of the last commuting case ({last}): are the "
            f"exports complete and the quarter right? / 本季度晚于最后一起上下班途中交通事故"
            f"所在季度（{last}），请核对台账是否完整、季度是否正确"
        )
    if not known.isin(window).any():
        span = f"{window[0]}–{window[-1]}" if len(window) > 1 else window[0]
        out.append(
            f"no commuting traffic case in the window {span}: no hotspot, site or trend can "
            f"be found / 分析窗口 {span} 内没有上下班途中交通事故案件，无法得出热点、点位和趋势"
        )
    return out


def _previous_folder(out: Path, quarter: str, previous: str | Path | None) -> Path | None:
    if previous is None:
        return None
    if previous != "auto":
        p = Path(previous)
        restore(p)
        return p if (p / "cases.gpkg").is_file() else None
    prev = previous_quarter(quarter)
    for candidate in (out.parent / prev, out.parent / prev.lower()):
        restore(candidate)  # a swap killed between its two renames left it aside
        if (candidate / "cases.gpkg").is_file():
            return candidate
    return None


# --- the run ----------------------------------------------------------------------------


def run(
    *,
    area: str | Path | Area,
    inputs: str | Path | Sequence[str | Path],
    quarter: str,
    out: str | Path,
    enterprises: str | Path | Sequence[str | Path] | None = None,
    campaign_sites: str | Path | Sequence[str | Path] | None = None,
    measures: str | Path | Sequence[str | Path] | None = None,
    overrides: str | Path | None = None,
    settings: Settings | None = None,
    previous: str | Path | None = "auto",
    release: str = "police",
    prints: bool = False,
    quiet: bool = False,
    wait: float = 0.0,
    source: str | None = None,
) -> RunResult:
    """Run the whole quarterly analysis and write its folder.

    Parameters
    ----------
    area
        An area folder (``trafficprev area build``) or an :class:`~trafficprev.area.Area`.
    inputs
        Determination exports (all quarters up to `quarter`; later cases are ignored).
    quarter
        The run's quarter, ``"2024Q4"``.
    out
        The run folder: new, empty, or a run folder trafficprev made (anything else is
        refused before any work, as is a folder holding an input or the current folder).
        Replaced atomically at the end; files the previous run did not write are kept.
    enterprises, campaign_sites, measures, overrides
        The enterprise register, campaign candidates, existing measures and filled review
        queue (optional).
    settings
        Every tunable; default :class:`~trafficprev.Settings`.
    previous
        The previous quarter's run folder, ``"auto"`` (the sibling folder named after the
        previous quarter, e.g. ``runs/2024Q3``) or None (no comparison).
    release
        Release level of the shared outputs (``sites.xlsx``, ``sites.gpkg``, the maps).
    prints
        Also write PNG and PDF of the maps (needs Chromium).
    quiet
        No progress lines on stderr.
    wait
        Seconds to wait for another run into the same folder before refusing.
    source
        The data source in words for titles (default: the input file names).

    Returns
    -------
    RunResult

    Raises
    ------
    SettingsError
        If `quarter` is not written like ``2024Q4`` or ``2024年第4季度``.
    OutputRefusedError
        If `out` is not a place a run may write (see `out`); nothing is changed.
    RunLockedError, OutputError
        Another run is writing into `out`; `out` cannot be written.
    """
    settings = settings or Settings()
    quarter = parse_quarter(quarter)
    out = Path(out)
    read = [
        *_paths(inputs),
        *_paths(enterprises),
        *_paths(campaign_sites),
        *_paths(measures),
        *_paths(overrides),
        *([] if isinstance(area, Area) else [Path(area)]),
    ]
    steps = _Steps(14, quiet)
    started = time.perf_counter()
    try:
        with staged(out, "run", inputs=read, wait=wait) as stage:
            result = _run(
                stage.path,
                out,
                area,
                _paths(inputs),
                quarter,
                _paths(enterprises),
                _paths(campaign_sites),
                _paths(measures),
                overrides,
                settings,
                previous,
                release,
                prints,
                source,
                steps,
            )
            # Every output of the run is now in the staging folder, its shared files checked
            # for personal data (fail closed, in _run); nothing is shared before this swap.
            _swap_in(stage, result.manifest, steps, started)
    except OSError as exc:
        if _is_output_error(exc, out):
            raise _output_error(exc, out) from exc
        raise
    return result


def _swap_in(stage: Stage, manifest: dict, steps: _Steps, started: float) -> None:
    """Keep the user's files, write ``manifest.json`` and swap the staging folder in."""
    kept = stage.carry_over()
    manifest["kept"] = kept
    manifest["timings"] = {**steps.timings, "total": round(time.perf_counter() - started, 2)}
    (stage.path / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    stage.commit()


def _run(
    folder: Path,
    out: Path,
    area_in,
    inputs: list[Path],
    quarter: str,
    enterprise_paths: list[Path],
    campaign_paths: list[Path],
    measure_paths: list[Path],
    overrides,
    settings: Settings,
    previous,
    release: str,
    prints: bool,
    source: str | None,
    steps: _Steps,
) -> RunResult:
    with steps.step("intake", "导入 reading the exports"):
        if not inputs:
            raise TrafficPrevError("no determination export given / 未提供工伤认定台账")
        intake = read_determinations(inputs, settings=settings)
        register = (
            read_enterprises(enterprise_paths, settings=settings).records
            if enterprise_paths
            else pd.DataFrame(
                columns=["credit_code", "name", "industry", "district", "insured", "lon", "lat"]
            )
        )
        cand_records = (
            read_campaign_candidates(campaign_paths, settings=settings).records
            if campaign_paths
            else None
        )
        measure_records = (
            read_measures(measure_paths, settings=settings).records
            if measure_paths
            else pd.DataFrame(columns=["kind", "target", "lon", "lat", "implemented_on"])
        )
    with steps.step("area", "区域 loading the area"):
        if isinstance(area_in, Area):
            area, cache = area_in, None
        else:
            area = load_area(area_in)
            cache = Path(area_in) / "geocode_cache.sqlite"
    cases = intake.cases
    q = quarter_of(cases["injured_at"])
    upto = cases["commuting"] & q.notna() & (q <= quarter)
    history = tuple(quarter_range(q[upto].min(), quarter)) if upto.any() else (quarter,)
    window = tuple(history[-WINDOW_QUARTERS:])
    key_window = tuple(history[-KEY_QUARTERS:])
    warnings = [_warn(steps, w) for w in _window_warnings(q, cases["commuting"], quarter, window)]
    with steps.step("geocode", "地理编码 geocoding"):
        geo = geocode(cases[upto], area, settings=settings, overrides=overrides, cache=cache)
        geocoded = geo.cases
    in_window = quarter_of(geocoded["injured_at"]).isin(window)
    with steps.step("hotspots", "热点 hotspots of the window"):
        end = pd.Period(quarter, freq="Q").end_time.date()
        hs = find_hotspots(geocoded[in_window], area, settings, as_of=end)
    with steps.step("history", "历史 snapping every quarter"):
        hs_all = find_hotspots(geocoded, area, settings, network=hs.network, as_of=end)
    with steps.step("trends", "趋势 emerging hotspots and peak hours"):
        emerging = emerging_hotspots(hs_all.cases, hs.network, settings, quarters=history)
        peaks = hotspot_peaks(hs.cases, hs.units, peak_share=settings.peak_share)
    with steps.step("enterprises", "企业 key enterprises"):
        in_key = quarter_of(geocoded["injured_at"]).isin(key_window)
        key = key_enterprises(geocoded[in_key], register, settings, quarters=key_window)
    with steps.step("groups", "人群与情形 groups and circumstances"):
        window_cases = hs.cases
        groups = group_tables(window_cases, register, k=settings.k_police)
        circumstances = circumstance_tables(window_cases, k=settings.k_police)
        crosstabs = standard_crosstabs(window_cases, k=settings.k_police)
    with steps.step("sites", "选址 sign and campaign sites"):
        existing = measure_records[
            (measure_records["kind"] == "警示标志")
            & (pd.to_datetime(measure_records["implemented_on"]) <= pd.Timestamp(end))
        ]
        signs = choose_sign_sites(hs, area, settings, existing=existing)
        candidates = campaign_candidates(cand_records, area)
        campaign = (
            choose_campaign_sites(geocoded[in_window], register, candidates, settings, key=key)
            if len(candidates) and len(register)
            else pd.DataFrame(
                columns=["site_id", "kind", "road", "position_text", "n_covered", "lon", "lat"]
            )
        )
    with steps.step("evaluate", "评估 measures"):
        evaluation = (
            evaluate_measures(
                hs_all.cases,
                measure_records,
                units=hs.units,
                crs_metric=hs.network.crs_metric,
                register=register,
                settings=settings,
                quarters=history,
            )
            if len(measure_records)
            else None
        )
    with steps.step("compare", "对比 previous quarter"):
        comparison = None
        prev_dir = _previous_folder(out, quarter, previous)
        if prev_dir is not None:
            prev_units = gpd.read_file(prev_dir / "cases.gpkg", layer="units")
            prev_units["hot"] = prev_units["hot"].astype(str).isin(["True", "1", "true"])
            now_units = hs.units.assign(hotspot_class=hs.units["hotspot_class"].fillna(""))
            prev_ent = gpd.read_file(prev_dir / "cases.gpkg", layer="enterprises")
            prev_ent["key"] = prev_ent["key"].astype(str).isin(["True", "1", "true"])
            prev_ent["rank"] = pd.to_numeric(prev_ent["rank"], errors="coerce").fillna(0)
            comparison = {
                "previous": display_path(prev_dir),
                "hotspots": compare_hotspots(now_units, prev_units),
                "enterprises": compare_key_enterprises(key, prev_ent),
            }
    source = source or "、".join(display_path(p.name) for p in inputs)
    period = f"{window[0]}–{window[-1]}" if len(window) > 1 else window[0]
    personal = personal_values(intake.protected, intake.cases)
    with steps.step("write", "写出 writing tables, sites and maps"):
        _write_tables(folder, intake, geo, geocoded, hs, emerging, key, signs, campaign)
        publish(
            folder,
            result=hs,
            area=area,
            sign_sites=signs,
            campaign_sites=campaign,
            campaign_candidates=candidates,
            key=key,
            emerging=emerging.units,
            peaks=peaks,
            settings=settings,
            release=release,
            period=period,
            source=source,
            prints=prints,
            redact=Redactor(known=personal),
        )
    with steps.step("check", "核查 scanning what is shared for personal data"):
        scan = check_shared_outputs(folder, forbidden=personal, release=release)
        scanned = {k: v for k, v in scan.items() if k != "seconds"}  # the time is in timings
    manifest = {
        "trafficprev": __version__,
        "quarter": quarter,
        "window": list(window),
        "history": list(history),
        "key_window": list(key_window),
        "release": release,
        "created_for": dt.date.today().isoformat()
        if settings.as_of is None
        else str(settings.as_of),
        "inputs": {
            kind: [{"path": display_path(p), "sha256": file_sha256(p)} for p in paths]
            for kind, paths in (
                ("determinations", inputs),
                ("enterprises", enterprise_paths),
                ("campaign_sites", campaign_paths),
                ("measures", measure_paths),
                ("overrides", _paths(overrides)),
            )
        },
        "area": {"name": area.name, "version": area.version},
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "packages": _versions(),
        "accounting": intake.accounting.to_dict(),
        "geocode_levels": {str(k): int(v) for k, v in geo.levels().items()},
        "review_queue": len(geo.review_queue),
        "geocode": {k: v for k, v in geo.stats.items() if isinstance(v, int | float | str)},
        "hotspots": {
            "units": int(hs.units["hot"].sum()),
            "classes": {
                str(k): int(v) for k, v in hs.units["hotspot_class"].value_counts().items() if k
            },
        },
        "previous": comparison["previous"] if comparison else None,
        "privacy_scan": scanned,
        "warnings": warnings,
    }
    result = RunResult(
        quarter=quarter,
        window=window,
        history=history,
        out=out,
        intake=intake,
        register=register,
        candidates=candidates,
        measures=measure_records,
        geocoded=geocoded,
        review_queue=geo.review_queue,
        hotspots=hs,
        history_cases=hs_all.cases,
        emerging=emerging,
        peaks=peaks,
        key=key,
        groups=groups,
        circumstances=circumstances,
        crosstabs=crosstabs,
        sign_sites=signs,
        campaign_sites=campaign,
        evaluation=evaluation,
        comparison=comparison,
        manifest=manifest,
    )
    with steps.step("report", "报告 writing report.html"):
        from .report import write_report

        write_report(folder / "report.html", result, settings)
    return result


_CASE_COLUMNS = [
    "decision_no",
    "injured_at",
    "time_precision",
    "commuting",
    "direction",
    "mode",
    "counterpart",
    "responsibility",
    "employer",
    "credit_code",
    "industry",
    "sex",
    "age",
    "severity",
    "conclusion",
    "place_text",
    "lon",
    "lat",
    "match_level",
    "confidence",
    "matched_road",
    "matched_cross_road",
    "reason",
    "unit_id",
    "snap_status",
    "snap_m",
]


def _write_tables(folder, intake, geo, geocoded, hs, emerging, key, signs, campaign) -> None:
    snapped = geocoded.drop(
        columns=[c for c in ("unit_id", "snap_status", "snap_m") if c in geocoded]
    )
    snap = hs.cases.set_index("decision_no")[["unit_id", "snap_status", "snap_m"]]
    snapped = snapped.join(snap, on="decision_no")
    layer = snapped[[c for c in _CASE_COLUMNS if c in snapped] + ["geometry"]]
    units = hs.units.drop(columns=["node_ids"], errors="ignore").merge(
        emerging.units[["unit_id", "emerging_class", "emerging_label", "trend", "sparseness"]],
        on="unit_id",
        how="left",
    )
    layers = {
        "cases": gpd.GeoDataFrame(layer, geometry="geometry", crs="EPSG:4326"),
        "units": units,
        "hotspots": units[units["hotspot_class"].fillna("") != ""],
        "clusters": hs.clusters,
        "sign_sites": site_points(signs, None),
        "campaign_sites": site_points(campaign, None),
        "enterprises": key.drop(columns=[], errors="ignore"),
    }
    write_gpkg(folder / "cases.gpkg", layers, atomic=False)
    write_review_queue(geo.review_queue, folder / "review_queue.csv")
    if len(geo.overrides_report):  # overrides not applied (stale, unknown case, bad candidate)
        to_csv(geo.overrides_report, folder / "overrides_report.csv")
    to_csv(intake.rejected, folder / "rejected_rows.csv")
    to_csv(intake.duplicates, folder / "duplicates.csv")


#: The maps of a run folder (``maps/NAME.html``, and ``.png``/``.pdf`` with prints).
_MAP_NAMES = ("hotspots", "sign_sites", "campaign_sites")

#: The quarters ``trafficprev demo`` runs: the previous one first, so the report of the last
#: one has a comparison.
DEMO_QUARTERS = ("2024Q3", "2024Q4")


def run_demo(
    out: str | Path = "runs/demo",
    *,
    maps_dir: str | Path | None = "maps",
    settings: Settings | None = None,
    quiet: bool = False,
    prints: bool = False,
) -> RunResult:
    """The quarterly run on the bundled synthetic demo city 示范市.

    Builds the demo area into ``out/area`` (kept between runs, so its geocode cache is
    reused), runs :data:`DEMO_QUARTERS` into ``out/2024Q3`` and ``out/2024Q4`` (the second
    compares itself with the first) and copies the last run's maps into `maps_dir` (only
    over maps it copied there before: another file of the same name is refused).

    Parameters
    ----------
    out
        Folder of the demo runs.
    maps_dir
        Where the maps are copied (``maps/`` of the repository for ``make demo``); None: not
        copied.
    settings, quiet, prints
        As :func:`run`.

    Returns
    -------
    RunResult
        The last quarter's run.
    """
    from .area import build_area, save_area
    from .datasets import demo_files

    settings = settings or Settings()
    out = Path(out)
    f = demo_files()
    area = build_area("示范市", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])
    area_dir = out / "area"
    try:
        same = load_area(area_dir).version == area.version
    except TrafficPrevError:
        same = False
    if not same:
        save_area(area, area_dir)
    result = None
    for quarter in DEMO_QUARTERS:
        result = run(
            area=area_dir,
            inputs=f["determinations"],
            quarter=quarter,
            out=out / quarter,
            enterprises=f["enterprises"],
            campaign_sites=f["campaign_sites"],
            measures=f["measures"],
            settings=settings,
            quiet=quiet,
            prints=prints,
            source="示范市工伤认定台账（合成演示数据，非真实数据）",
        )
    if maps_dir is not None:
        _copy_maps(out / DEMO_QUARTERS[-1] / "maps", Path(maps_dir))
    return result


def _copy_maps(source: Path, target: Path) -> list[Path]:
    """Copy the maps a run wrote into `target`, each atomically, only over copies made
    before (a file of the same name that trafficprev did not write there is refused)."""
    names = [f"{m}.{ext}" for m in _MAP_NAMES for ext in ("html", "png", "pdf")]
    sources = [source / n for n in names if (source / n).is_file()]
    check_files([target / p.name for p in sources])
    return [
        write_file(target / p.name, lambda tmp, src=p: shutil.copyfile(src, tmp)) for p in sources
    ]


def resolve_inputs(
    *,
    inputs: Sequence[str | Path] | None,
    area_dir: str | Path | None,
    out_dir: str | Path,
    enterprises: Sequence[str | Path] | str | Path | None = None,
    campaign_sites: Sequence[str | Path] | str | Path | None = None,
    measures: Sequence[str | Path] | str | Path | None = None,
    config: str | Path | None = None,
    as_of: str | None = None,
) -> tuple[Settings, dict]:
    """The settings and input files a notebook's ``parameters`` cell stands for.

    With no `inputs`, the synthetic demo city: its exports, register, campaign list and
    measures, and its area built into ``out_dir/area`` (reused when it is there). With your
    own `inputs`, nothing from the demo is mixed in and `area_dir` is required (geocoding real
    exports against the fictional city would give nonsense).

    Returns
    -------
    tuple
        ``(settings, files)``; ``files`` holds :func:`run`'s ``area`` (the area folder),
        ``inputs``, ``enterprises``, ``campaign_sites`` and ``measures``, so that a notebook
        runs the quarter with ``run(**files, quarter=…, out=…, settings=settings)``.

    Raises
    ------
    ValueError
        Own `inputs` without `area_dir`.
    """
    settings = Settings.from_toml(config) if config else Settings()
    if as_of:
        settings = settings.replace(as_of=dt.date.fromisoformat(str(as_of)))
    files = {
        "area": Path(area_dir) if area_dir else None,
        "inputs": _paths(inputs),
        "enterprises": _paths(enterprises) or None,
        "campaign_sites": _paths(campaign_sites) or None,
        "measures": _paths(measures) or None,
    }
    if not files["inputs"]:
        from .area import build_area, save_area
        from .datasets import demo_files

        demo = demo_files()
        files["inputs"] = demo["determinations"]
        for key in ("enterprises", "campaign_sites", "measures"):
            files[key] = files[key] or demo[key]
        if files["area"] is None:
            files["area"] = Path(out_dir) / "area"
            restore(files["area"])
            if not (files["area"] / "area.json").is_file():
                area = build_area(
                    "示范市", osm=demo["roads"][0], pois=demo["pois"], admin=demo["divisions"][0]
                )
                save_area(area, files["area"])
    if files["area"] is None:
        raise ValueError(
            "area_dir is required with your own inputs / 使用自己的台账时须给出 area_dir"
        )
    return settings, files
