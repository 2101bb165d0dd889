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

**Safe to interrupt.** Outputs are written to a staging folder next to ``out`` and swapped in
at the end, so a run killed at any point leaves the previous run complete; the next run
cleans up and completes. Two runs into the same folder at once: the second waits for the first
(up to ``wait`` seconds) and then refuses with a clear message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import __version__
from ._accounting import to_csv
from ._errors import OutputError, TrafficPrevError
from ._periods import quarter_of, quarter_range
from .area import Area, load_area
from .geocode import geocode
from .geocode._review import write_review_queue
from .groups import circumstance_tables, group_tables, key_enterprises, standard_crosstabs
from .hotspots import find_hotspots
from .intake import read_campaign_candidates, read_determinations, read_enterprises, read_measures
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

__all__ = ["DEMO_QUARTERS", "RunLockedError", "RunResult", "resolve_inputs", "run", "run_demo"]

#: Quarters in the hotspot window and in the key-enterprise window.
WINDOW_QUARTERS = 4
KEY_QUARTERS = 8
_PACKAGES = ("numpy", "pandas", "scipy", "shapely", "geopandas", "pyproj", "folium", "osmium")


class RunLockedError(TrafficPrevError, RuntimeError):
    """Another run is writing into the same output folder."""


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_quarter(quarter: str) -> str:
    try:
        return str(pd.Period(quarter, freq="Q"))
    except (ValueError, TypeError) as exc:
        raise TrafficPrevError(
            f"--quarter must look like 2024Q4, got {quarter!r} / 季度格式应为 2024Q4"
        ) from exc


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


@contextlib.contextmanager
def _locked(out: Path, wait: float) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` for the run (a lock file next to it)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            exc.errno,
            f"{out}: cannot create the output folder's parent {out.parent} ({exc.strerror}) / "
            f"无法创建输出文件夹",
        ) from exc
    lock = out.parent / f".{out.name}.lock"
    try:
        fh = open(lock, "a+")  # noqa: SIM115 - closed by the with block below
    except OSError as exc:
        raise _output_error(exc, out) from exc
    with fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLockedError(
                        f"{out}: another run is writing into this folder; try again when it "
                        f"has finished / 另一个运行正在写入此文件夹，请稍后再试"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


#: Operating-system errors that mean "this place cannot be written", with their words.
_WRITE_ERRORS = {
    errno.EROFS: "the disk is read-only / 磁盘为只读",
    errno.EACCES: "no permission to write there / 没有写入权限",
    errno.EPERM: "no permission to write there / 没有写入权限",
    errno.ENOSPC: "the disk is full / 磁盘空间已满",
    errno.EDQUOT: "the disk quota is used up / 磁盘配额已满",
}


def _output_error(exc: OSError, out: Path) -> OutputError:
    """One readable error for an output that cannot be written (the cause stays chained)."""
    where = f" ({exc.filename})" if exc.filename else ""
    why = _WRITE_ERRORS.get(exc.errno, "the system refused the write / 系统拒绝写入")
    return OutputError(
        exc.errno,
        f"{out}: cannot write the run: {why} — {exc.strerror}{where}. "
        f"A previous run in this folder is left as it was / 无法写入本次运行结果，原有结果未改动",
    )


def _is_output_error(exc: OSError, out: Path) -> bool:
    """A refused write into the run's folder (not, say, an input file that cannot be read)."""
    if isinstance(exc, TrafficPrevError) or exc.errno not in _WRITE_ERRORS:
        return False
    if exc.filename is None:
        return True
    try:
        where = Path(os.fsdecode(exc.filename)).resolve()
    except TypeError:  # a file descriptor, not a path
        return False
    return where.is_relative_to(out.parent.resolve())


def _recover(out: Path) -> None:
    """Undo what an interrupted run left: restore the previous run, drop staging folders."""
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        olds[-1].rename(out)
        olds = olds[:-1]
    for stale in [*olds, *out.parent.glob(f".{out.name}.partial-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def _swap(staged: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staged.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _gpkg(path: Path, layers: dict[str, pd.DataFrame]) -> None:
    for name, frame in layers.items():
        frame = frame.copy()
        for col in frame.columns:
            if col != "geometry" and frame[col].dtype == object:
                frame[col] = frame[col].map(
                    lambda v: v if v is None or isinstance(v, str) else str(v)
                )
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(
                frame,
                geometry=gpd.GeoSeries([None] * len(frame), index=frame.index),
                crs="EPSG:4326",
            )
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def _previous_folder(out: Path, quarter: str, previous: str | Path | None) -> Path | None:
    if previous is None:
        return None
    if previous != "auto":
        p = Path(previous)
        return p if (p / "cases.gpkg").is_file() else None
    prev = str(pd.Period(quarter, freq="Q") - 1)
    for candidate in (out.parent / prev, out.parent / prev.lower()):
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
        The run folder (created; replaced atomically at the end).
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
    """
    settings = settings or Settings()
    quarter = _check_quarter(quarter)
    out = Path(out)
    steps = _Steps(13, quiet)
    started = time.perf_counter()
    with _locked(out, wait):
        _recover(out)
        staged = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(staged, ignore_errors=True)
        try:
            (staged / "maps").mkdir(parents=True)
        except OSError as exc:
            if _is_output_error(exc, out):
                raise _output_error(exc, out) from exc
            raise
        try:
            result = _run(
                staged,
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
            manifest = result.manifest
            manifest["timings"] = {
                **steps.timings,
                "total": round(time.perf_counter() - started, 2),
            }
            (staged / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            _swap(staged, out)
        except OSError as exc:
            shutil.rmtree(staged, ignore_errors=True)
            if _is_output_error(exc, out):
                raise _output_error(exc, out) from exc
            raise
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    return result


def _run(
    staged: Path,
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
                "previous": str(prev_dir),
                "hotspots": compare_hotspots(now_units, prev_units),
                "enterprises": compare_key_enterprises(key, prev_ent),
            }
    source = source or "、".join(p.name for p in inputs)
    period = f"{window[0]}–{window[-1]}" if len(window) > 1 else window[0]
    with steps.step("write", "写出 writing tables, sites and maps"):
        _write_tables(staged, intake, geo, geocoded, hs, emerging, key, signs, campaign)
        publish(
            staged,
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
        )
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
            kind: [{"path": str(p), "sha256": _sha256(p)} for p in paths]
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

        write_report(staged / "report.html", result, settings)
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


def _write_tables(staged, intake, geo, geocoded, hs, emerging, key, signs, campaign) -> None:
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
    _gpkg(staged / "cases.gpkg", layers)
    write_review_queue(geo.review_queue, staged / "review_queue.csv")
    to_csv(intake.rejected, staged / "rejected_rows.csv")
    to_csv(intake.duplicates, staged / "duplicates.csv")


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
    compares itself with the first) and copies the last run's maps into `maps_dir`.

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
        target = Path(maps_dir)
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted((out / DEMO_QUARTERS[-1] / "maps").glob("*")):
            tmp = target / f".{path.name}.tmp"
            shutil.copyfile(path, tmp)
            os.replace(tmp, target / path.name)
    return result


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
