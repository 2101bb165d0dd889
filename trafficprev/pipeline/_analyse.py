"""``analyse_quarter``: every analysis step of one quarter, from the exports to a
:class:`~trafficprev.pipeline.QuarterResult`, writing nothing.

The steps, in order: read the exports and the optional tables; load the area; geocode every
commuting case up to the quarter (reusing the area's geocode cache); the hotspots of the
window (:attr:`~trafficprev.Settings.window_quarters`); every quarter snapped to the window's
units; emerging hotspots and peak hours; key enterprises of the key window
(:attr:`~trafficprev.Settings.key_quarters`); group and circumstance tables; sign and
campaign sites; the evaluation of measures; the comparison with the previous quarter's
result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from .._accounting import analysis_cases, case_accounting
from .._display import display_path
from .._errors import TrafficPrevError
from .._outdir import file_sha256
from .._periods import parse_quarter, quarter_of, quarter_range
from .._version import __version__
from ..area import Area, load_area
from ..geocode import GeocodeResult, geocode
from ..groups import (
    circumstance_tables,
    group_tables,
    key_enterprises,
    standard_crosstabs,
    unmatched_warning,
)
from ..hotspots import HotspotResult, find_hotspots, snap_cases
from ..intake import (
    IntakeResult,
    read_campaign_candidates,
    read_determinations,
    read_enterprises,
    read_measures,
)
from ..schema import EMPTY_CAMPAIGN_SITES, EMPTY_MEASURES, EMPTY_REGISTER
from ..settings import Settings
from ..sites import (
    campaign_candidates,
    choose_campaign_sites,
    choose_sign_sites,
    existing_signs,
)
from ..targets import TargetGroups, target_groups
from ..trends import (
    compare_hotspots,
    compare_key_enterprises,
    emerging_hotspots,
    evaluate_measures,
    hotspot_peaks,
)
from ._load import load_run
from ._result import Comparison, QuarterResult
from ._steps import Steps

__all__ = ["analyse_quarter", "as_paths"]

_PACKAGES = ("numpy", "pandas", "scipy", "shapely", "geopandas", "pyproj", "folium", "osmium")

#: Number of analysis steps (the progress counter).
STEPS = 11


def as_paths(values: str | Path | Sequence[str | Path] | None) -> list[Path]:
    """One path, several paths or None as a list of paths."""
    if values is None:
        return []
    if isinstance(values, str | Path):
        return [Path(values)]
    return [Path(v) for v in values]


@dataclass(frozen=True)
class _Inputs:
    """What was read: the determinations and the optional tables (empty when not given)."""

    intake: IntakeResult
    register: pd.DataFrame
    candidates: pd.DataFrame | None
    measures: pd.DataFrame


@dataclass(frozen=True)
class _Quarters:
    """The run's quarter, its data's history, the hotspot window and the key window."""

    quarter: str
    history: tuple[str, ...]
    window: tuple[str, ...]
    key_window: tuple[str, ...]
    upto: pd.Series  # the commuting cases up to the quarter (a mask of intake.cases)


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "trafficprev": __version__}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = ""
    return out


def window_warnings(
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


def _read_inputs(
    inputs: list[Path],
    enterprises: list[Path],
    campaign_sites: list[Path],
    measures: list[Path],
    settings: Settings,
) -> _Inputs:
    if not inputs:
        raise TrafficPrevError("no determination export given / 未提供工伤认定台账")
    intake = read_determinations(inputs, settings=settings)
    register = (
        read_enterprises(enterprises, settings=settings).records
        if enterprises
        else pd.DataFrame(columns=list(EMPTY_REGISTER))
    )
    candidates = (
        read_campaign_candidates(campaign_sites, settings=settings).records
        if campaign_sites
        else None
    )
    measure_records = (
        read_measures(measures, settings=settings).records
        if measures
        else pd.DataFrame(columns=list(EMPTY_MEASURES))
    )
    return _Inputs(intake, register, candidates, measure_records)


def _load_area(area: str | Path | Area) -> tuple[Area, Path | None]:
    """The area and its geocode cache (None for an area given as an object)."""
    if isinstance(area, Area):
        return area, None
    return load_area(area), Path(area) / "geocode_cache.sqlite"


def _quarters(cases: pd.DataFrame, quarter: str, settings: Settings) -> _Quarters:
    q = quarter_of(cases["injured_at"])
    # the analysis domain: commuting traffic cases (不予认定 ones unless the settings say no)
    upto = analysis_cases(cases, settings) & q.notna() & (q <= quarter)
    history = tuple(quarter_range(q[upto].min(), quarter)) if upto.any() else (quarter,)
    return _Quarters(
        quarter=quarter,
        history=history,
        window=tuple(history[-settings.window_quarters :]),
        key_window=tuple(history[-settings.key_quarters :]),
        upto=upto,
    )


def _sites(
    hs: HotspotResult,
    area: Area,
    geocoded: pd.DataFrame,
    read: _Inputs,
    key: pd.DataFrame,
    in_window: pd.Series,
    end: dt.date,
    settings: Settings,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """New sign sites (existing signs up to `end` taken into account), campaign candidates
    and the chosen campaign sites."""
    existing = existing_signs(read.measures, end)
    signs = choose_sign_sites(hs, area, settings, existing=existing)
    candidates = campaign_candidates(read.candidates, area)
    campaign = (
        choose_campaign_sites(geocoded[in_window], read.register, candidates, settings, key=key)
        if len(candidates) and len(read.register)
        else pd.DataFrame(columns=list(EMPTY_CAMPAIGN_SITES))
    )
    return signs, candidates, campaign


def _load_previous(
    folder: Path, area: Area, warnings: list[str], steps: Steps
) -> QuarterResult | None:
    """The previous run's result, or None with a warning when it cannot be read."""
    try:
        return load_run(folder, area=area)
    except TrafficPrevError as exc:
        warnings.append(
            steps.warn(f"no comparison with the previous run: {exc} / 未与上季度运行对比")
        )
        return None


def _compare(
    previous: QuarterResult | None, hs: HotspotResult, key: pd.DataFrame
) -> Comparison | None:
    """This quarter's hot units and key list against the previous quarter's result."""
    if previous is None:
        return None
    now_units = hs.units.assign(hotspot_class=hs.units["hotspot_class"].fillna(""))
    return Comparison(
        previous=display_path(Path(previous.origin)) if previous.loaded else previous.quarter,
        hotspots=compare_hotspots(now_units, previous.hotspots.units),
        enterprises=compare_key_enterprises(key, previous.key),
    )


def _window_queue(queue: pd.DataFrame, window: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The rows of a review queue whose accident lies in the analysis `window` (quarters), and
    those whose quarter is unknown: the cases this quarter's hotspots rest on. Earlier cases
    were queued by the runs of their own quarters; an override for one still applies.

    Parameters
    ----------
    queue
        A review queue (:func:`~trafficprev.geocode.review_queue`, with its ``quarter``).
    window
        The run's quarters, e.g. ``("2024Q1", …, "2024Q4")``.

    Returns
    -------
    pandas.DataFrame
        The kept rows in their order, the index from 0.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"decision_no": ["A", "B", "C"], "quarter": ["2023Q4", "2024Q2", ""]})
    >>> _window_queue(q, ["2024Q1", "2024Q2"])["decision_no"].tolist()
    ['B', 'C']
    """
    keep = queue["quarter"].isin(list(window)) | (queue["quarter"] == "")
    return queue.loc[keep].reset_index(drop=True)


def _manifest(
    quarters: _Quarters,
    files: dict[str, list[Path]],
    area: Area,
    settings: Settings,
    read: _Inputs,
    geo: GeocodeResult,
    queued: int,
    hs: HotspotResult,
    comparison: Comparison | None,
    warnings: list[str],
) -> dict:
    """What the analysis records for ``manifest.json`` (write_run adds what writing adds)."""
    created = dt.date.today().isoformat() if settings.as_of is None else str(settings.as_of)
    classes = hs.units["hotspot_class"].value_counts()
    return {
        "trafficprev": __version__,
        "quarter": quarters.quarter,
        "window": list(quarters.window),
        "history": list(quarters.history),
        "key_window": list(quarters.key_window),
        "created_for": created,
        "inputs": {
            kind: [{"path": display_path(p), "sha256": file_sha256(p)} for p in paths]
            for kind, paths in files.items()
        },
        "area": {"name": area.name, "version": area.version},
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "packages": _versions(),
        "accounting": read.intake.accounting.to_dict(),
        "geocode_levels": {str(k): int(v) for k, v in geo.levels().items()},
        "review_queue": queued,  # the rows of review_queue.csv: the window's
        "geocode": {k: v for k, v in geo.stats.items() if isinstance(v, int | float | str)},
        "hotspots": {
            "units": int(hs.units["hot"].sum()),
            "classes": {str(k): int(v) for k, v in classes.items() if k},
        },
        "previous": comparison.previous if comparison else None,
        "warnings": warnings,
    }


def analyse_quarter(
    *,
    area: str | Path | Area,
    inputs: str | Path | Sequence[str | Path],
    quarter: str,
    enterprises: str | Path | Sequence[str | Path] | None = None,
    campaign_sites: str | Path | Sequence[str | Path] | None = None,
    measures: str | Path | Sequence[str | Path] | None = None,
    overrides: str | Path | None = None,
    settings: Settings | None = None,
    previous: QuarterResult | str | Path | None = None,
    quiet: bool = True,
) -> QuarterResult:
    """Analyse one quarter; nothing is written (see :func:`write_run`).

    Parameters
    ----------
    area
        An area folder (``trafficprev area build``; its geocode cache is used) or an
        :class:`~trafficprev.area.Area`.
    inputs
        Determination exports (all quarters up to `quarter`; later cases are ignored).
    quarter
        The quarter, ``"2024Q4"`` (or ``2024年第4季度``).
    enterprises, campaign_sites, measures, overrides
        The enterprise register, campaign candidates, existing measures and filled review
        queue (optional).
    settings
        Every tunable; default :class:`~trafficprev.Settings`.
    previous
        The previous quarter's result, or its run folder (read with :func:`load_run`; a
        folder that cannot be read, such as an older trafficprev's, is skipped with a
        warning), to compare with.
    quiet
        No progress lines on stderr.

    Returns
    -------
    QuarterResult

    Raises
    ------
    SettingsError
        If `quarter` is not written like ``2024Q4``.
    TrafficPrevError
        If no export is given, or an input cannot be read (the subclass says why).
    """
    settings = settings or Settings()
    quarter = parse_quarter(quarter)
    steps = Steps(f"{quarter} 分析 analysis", STEPS, quiet)
    files = {
        "determinations": as_paths(inputs),
        "enterprises": as_paths(enterprises),
        "campaign_sites": as_paths(campaign_sites),
        "measures": as_paths(measures),
        "overrides": as_paths(overrides),
    }
    with steps.step("intake", "导入 reading the exports"):
        read = _read_inputs(
            files["determinations"],
            files["enterprises"],
            files["campaign_sites"],
            files["measures"],
            settings,
        )
    with steps.step("area", "区域 loading the area"):
        area_obj, cache = _load_area(area)
    area_dir = None if isinstance(area, Area) else Path(area).resolve()
    result = _analyse(
        read, area_obj, area_dir, cache, quarter, files, overrides, settings, previous, steps
    )
    return _with_case_accounting(result)


def _groups(
    hs: HotspotResult, register: pd.DataFrame, settings: Settings, qs: _Quarters, steps: Steps
) -> tuple[dict, dict, dict, TargetGroups]:
    """The window's group, circumstance and cross tables, and its target groups."""
    with steps.step("groups", "人群与情形 groups and circumstances"):
        groups = group_tables(hs.cases, register, k=settings.k_police)
        circumstances = circumstance_tables(hs.cases, k=settings.k_police)
        crosstabs = standard_crosstabs(hs.cases, k=settings.k_police)
    with steps.step("targets", "培训人群 target groups and circumstance combinations"):
        years = len(qs.window) / 4
        targets = target_groups(hs.cases, register, hs.units, settings, years=years)
    return groups, circumstances, crosstabs, targets


def _analyse(
    read: _Inputs,
    area: Area,
    area_dir: Path | None,
    cache: Path | None,
    quarter: str,
    files: dict[str, list[Path]],
    overrides: str | Path | None,
    settings: Settings,
    previous: QuarterResult | str | Path | None,
    steps: Steps,
) -> QuarterResult:
    cases = read.intake.cases
    qs = _quarters(cases, quarter, settings)
    q = quarter_of(cases["injured_at"])
    warnings = [steps.warn(w) for w in window_warnings(q, cases["commuting"], quarter, qs.window)]
    with steps.step("geocode", "地理编码 geocoding"):
        geo = geocode(cases[qs.upto], area, settings=settings, overrides=overrides, cache=cache)
        geocoded = geo.cases
    geo_q = quarter_of(geocoded["injured_at"])
    in_window = geo_q.isin(qs.window)
    queue = _window_queue(geo.review_queue, qs.window)
    end = pd.Period(quarter, freq="Q").end_time.date()
    with steps.step("hotspots", "热点 hotspots of the window"):
        hs = find_hotspots(geocoded[in_window], area, settings, as_of=end)
    with steps.step("history", "历史 snapping every quarter"):
        history_cases = snap_cases(geocoded, area, settings, network=hs.network)
    with steps.step("trends", "趋势 emerging hotspots and peak hours"):
        emerging = emerging_hotspots(history_cases, hs.network, settings, quarters=qs.history)
        peaks = hotspot_peaks(
            hs.cases,
            hs.units,
            peak_share=settings.peak_share,
            max_hours=settings.peak_max_hours,
        )
    with steps.step("enterprises", "企业 key enterprises"):
        kw = {"quarters": qs.key_window, "measures": read.measures}  # 培训 rows: trained
        key = key_enterprises(geocoded[geo_q.isin(kw["quarters"])], read.register, settings, **kw)
        note = unmatched_warning(key, register_given=len(read.register) > 0, k=settings.k_police)
        if note:
            warnings.append(steps.warn(note))
    groups, circumstances, crosstabs, targets = _groups(hs, read.register, settings, qs, steps)
    with steps.step("sites", "选址 sign and campaign sites"):
        signs, candidates, campaign = _sites(
            hs, area, geocoded, read, key, in_window, end, settings
        )
    with steps.step("evaluate", "评估 measures"):
        evaluation = (
            evaluate_measures(
                history_cases,
                read.measures,
                units=hs.units,
                crs_metric=hs.network.crs_metric,
                register=read.register,
                settings=settings,
                quarters=qs.history,
            )
            if len(read.measures)
            else None
        )
    with steps.step("compare", "对比 previous quarter"):
        if isinstance(previous, str | Path):
            previous = _load_previous(Path(previous), area, warnings, steps)
        comparison = _compare(previous, hs, key)
    manifest = _manifest(qs, files, area, settings, read, geo, len(queue), hs, comparison, warnings)
    manifest["timings"] = dict(steps.timings)
    return QuarterResult(
        quarter=quarter,
        settings=settings,
        area=area,
        window=qs.window,
        history=qs.history,
        key_window=qs.key_window,
        intake=read.intake,
        register=read.register,
        candidates=candidates,
        measures=read.measures,
        geocoded=geocoded,
        review_queue=queue,
        overrides_report=geo.overrides_report,
        hotspots=hs,
        history_cases=history_cases,
        emerging=emerging,
        peaks=peaks,
        key=key,
        groups=groups,
        circumstances=circumstances,
        crosstabs=crosstabs,
        targets=targets,
        sign_sites=signs,
        campaign_sites=campaign,
        evaluation=evaluation,
        comparison=comparison,
        manifest=manifest,
        area_folder=None if area_dir is None else str(area_dir),
    )


def _with_case_accounting(result: QuarterResult) -> QuarterResult:
    """`result` with its case accounting (:func:`~trafficprev._accounting.case_accounting`:
    where the window's cases went in each analysis, the 不予认定 count and whether they were
    counted) in the manifest, after the row accounting."""
    m = result.manifest
    cut = list(m).index("accounting") + 1 if "accounting" in m else len(m)
    items = list(m.items())
    manifest = {
        **dict(items[:cut]),
        "case_accounting": case_accounting(result).to_dict(),
        **dict(items[cut:]),
    }
    return dataclasses.replace(result, manifest=manifest)
