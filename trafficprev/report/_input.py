"""What the report reads: a finished quarter, typed, read by attribute (no defaults).

The pipeline's ``QuarterResult`` (and its ``Comparison``) satisfy :class:`QuarterInput`
(and :class:`PreviousRun`) structurally: the report may not import the pipeline, which sits
above it (``tests/test_layers.py``), so the fields it reads are spelled out here. A field that
is missing or renamed raises :class:`AttributeError` while rendering; it never becomes an
empty section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..release import k_of
from ..settings import Settings
from ._format import period
from ._places import places

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .._accounting import IntakeResult
    from ..hotspots import HotspotResult
    from ..targets import TargetGroups
    from ..trends import EmergingResult, MeasureEvaluation


class PreviousRun(Protocol):
    """The comparison with the previous quarter's run (the pipeline's ``Comparison``)."""

    @property
    def previous(self) -> str:
        """The previous run folder, as displayed."""

    @property
    def hotspots(self) -> pd.DataFrame:
        """:func:`~trafficprev.trends.compare_hotspots` of the two runs."""

    @property
    def enterprises(self) -> pd.DataFrame:
        """:func:`~trafficprev.trends.compare_key_enterprises` of the two runs."""


class QuarterInput(Protocol):
    """The fields of the pipeline's ``QuarterResult`` that the report reads."""

    @property
    def quarter(self) -> str:
        """The run's quarter, e.g. ``"2024Q4"``."""

    @property
    def settings(self) -> Settings:
        """The settings the quarter was analysed with (the report's default settings)."""

    @property
    def window(self) -> tuple[str, ...]:
        """The hotspot window's quarters."""

    @property
    def history(self) -> tuple[str, ...]:
        """Every quarter of the data up to `quarter`."""

    @property
    def key_window(self) -> tuple[str, ...]:
        """The key-enterprise window's quarters."""

    @property
    def intake(self) -> IntakeResult:
        """The intake of the determinations (row accounting)."""

    @property
    def geocoded(self) -> gpd.GeoDataFrame:
        """Every commuting case up to the quarter, geocoded."""

    @property
    def review_queue(self) -> pd.DataFrame:
        """Cases to review by hand."""

    @property
    def hotspots(self) -> HotspotResult:
        """The window's hotspots (``units``, ``cases``, ``network.crs_metric``)."""

    @property
    def history_cases(self) -> pd.DataFrame:
        """Every commuting case up to the quarter, on the window's units."""

    @property
    def emerging(self) -> EmergingResult:
        """Emerging-hotspot classes per unit (``units``)."""

    @property
    def peaks(self) -> pd.DataFrame:
        """Peak windows per hot unit."""

    @property
    def key(self) -> pd.DataFrame:
        """The key-enterprise table."""

    @property
    def groups(self) -> Mapping[str, pd.DataFrame]:
        """Group tables of the window's cases."""

    @property
    def circumstances(self) -> Mapping[str, pd.DataFrame]:
        """Circumstance tables of the window's cases."""

    @property
    def targets(self) -> TargetGroups:
        """Target groups and circumstance combinations of the window."""

    @property
    def measures(self) -> pd.DataFrame:
        """The measures taken (``read_measures(...).records``; existing signs among them)."""

    @property
    def sign_sites(self) -> pd.DataFrame:
        """The chosen warning-sign sites."""

    @property
    def campaign_sites(self) -> pd.DataFrame:
        """The chosen campaign sites."""

    @property
    def evaluation(self) -> MeasureEvaluation | None:
        """The evaluation of measures (``summary``), None without measures."""

    @property
    def comparison(self) -> PreviousRun | None:
        """The comparison with the previous quarter, None without a previous run."""

    @property
    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` holds (``created_for``, ``inputs``, ``area``,
        ``geocode_levels``, ``warnings`` are read)."""


class View:
    """One render's input: the result, the settings, the run folder and derived labels.

    Attributes
    ----------
    result
        The finished quarter.
    settings
        The run's settings.
    folder
        The run folder, or None when unknown.
    k
        The small-cell threshold: the ``police`` release level's
        (:func:`~trafficprev.release.k_of`).
    period, key_period
        The hotspot window and the key-enterprise window as text (``2024Q1–2024Q4``).
    """

    def __init__(self, result: QuarterInput, settings: Settings, folder: Path | None) -> None:
        self.result = result
        self.settings = settings
        self.folder = folder
        self.k = k_of("police", settings)
        self.period = period(result.window) or result.quarter
        self.key_period = period(result.key_window) or self.period
        self._places: dict[str, str] = {}

    def places(self, unit_ids: Sequence[str]) -> dict[str, str]:
        """Units of the window in words (ids not among the window's units are left out)."""
        hs = self.result.hotspots
        missing = [str(u) for u in unit_ids if str(u) not in self._places]
        if missing:
            self._places.update(places(missing, hs.units, hs.network.crs_metric))
        return {str(u): self._places[str(u)] for u in unit_ids if str(u) in self._places}
