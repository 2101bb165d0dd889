"""The typed result of one quarter: :class:`QuarterResult` and :class:`Comparison`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from .._accounting import IntakeResult
from .._display import display_path
from ..area import Area
from ..hotspots import HotspotResult
from ..settings import Settings
from ..targets import TargetGroups
from ..trends import EmergingResult, MeasureEvaluation

__all__ = ["Comparison", "QuarterResult"]


@dataclass(frozen=True, eq=False)
class Comparison:
    """This quarter against the previous quarter's run.

    Attributes
    ----------
    previous
        The previous run folder, as shown to users (:func:`~trafficprev._display.display_path`).
    hotspots
        :func:`~trafficprev.trends.compare_hotspots` of the two runs' units.
    enterprises
        :func:`~trafficprev.trends.compare_key_enterprises` of the two key lists.
    """

    previous: str
    hotspots: pd.DataFrame
    enterprises: pd.DataFrame


@dataclass(frozen=True, eq=False)
class QuarterResult:
    """Everything the analysis of one quarter computed; written by
    :func:`~trafficprev.pipeline.write_run` and read back by
    :func:`~trafficprev.pipeline.load_run`.

    Attributes
    ----------
    quarter
        The run's quarter, e.g. ``"2024Q4"``.
    settings, area
        The settings and the area the quarter was analysed with.
    window, history, key_window
        The hotspot window (:attr:`~trafficprev.Settings.window_quarters` quarters ending with
        `quarter`), every quarter of the data up to `quarter`, and the key-enterprise window
        (:attr:`~trafficprev.Settings.key_quarters`).
    intake
        :class:`~trafficprev.intake.IntakeResult` of the determinations. After
        :func:`~trafficprev.pipeline.load_run` its ``protected`` table is empty: the run
        folder keeps no personal data.
    register, candidates, measures
        The enterprise register, campaign candidates and measures (records; empty frames
        when not given).
    geocoded
        Every commuting case up to the quarter, geocoded.
    review_queue, overrides_report
        Cases to review (``review_queue.csv``) and the overrides that were not applied.
    hotspots
        :class:`~trafficprev.hotspots.HotspotResult` of the window.
    history_cases
        Every commuting case up to the quarter, snapped to the window's units.
    emerging, peaks
        Emerging-hotspot classes per unit and peak windows per hot unit.
    key
        :func:`~trafficprev.groups.key_enterprises` over the key window.
    groups, circumstances, crosstabs
        Tables of the window's cases.
    targets
        :class:`~trafficprev.targets.TargetGroups` of the window: the ranked target groups
        (特定人群) and circumstance combinations (多发情形), and whom, when and where to
        train.
    sign_sites, campaign_sites
        The chosen sites.
    evaluation
        :class:`~trafficprev.trends.MeasureEvaluation`, or None without measures.
    comparison
        :class:`Comparison` with the previous quarter's run, or None without one.
    manifest
        What the analysis records for ``manifest.json``: quarters, inputs with their
        SHA-256, area, settings, packages, accounting, geocoding and hotspot counts,
        warnings, step timings. :func:`~trafficprev.pipeline.write_run` adds the release
        level, the privacy scan and the files kept.
    area_folder
        The area folder the quarter was analysed against (None for an area given as an
        object); :func:`~trafficprev.pipeline.load_run` reloads the area from it.
    origin
        ``"analysed"`` for a result of :func:`~trafficprev.pipeline.analyse_quarter`, or the
        folder it was loaded from.
    """

    quarter: str
    settings: Settings
    area: Area
    window: tuple[str, ...]
    history: tuple[str, ...]
    key_window: tuple[str, ...]
    intake: IntakeResult
    register: pd.DataFrame
    candidates: pd.DataFrame
    measures: pd.DataFrame
    geocoded: gpd.GeoDataFrame
    review_queue: pd.DataFrame
    overrides_report: pd.DataFrame
    hotspots: HotspotResult
    history_cases: pd.DataFrame
    emerging: EmergingResult
    peaks: pd.DataFrame
    key: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    circumstances: dict[str, pd.DataFrame]
    crosstabs: dict[str, pd.DataFrame]
    targets: TargetGroups
    sign_sites: pd.DataFrame
    campaign_sites: pd.DataFrame
    evaluation: MeasureEvaluation | None
    comparison: Comparison | None
    manifest: dict[str, Any] = field(default_factory=dict)
    area_folder: str | None = None
    origin: str = "analysed"

    @property
    def loaded(self) -> bool:
        """True for a result read back from a run folder."""
        return self.origin != "analysed"

    @property
    def provenance(self) -> str:
        """Where the result comes from, in words (a notebook says it after loading)."""
        if self.loaded:
            return f"读入已完成的运行 loaded the finished run: {display_path(self.origin)}"
        return "本季度已重新计算 the quarter was analysed now"
