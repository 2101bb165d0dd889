"""Time windows and trends (时段, 趋势).

* **When**: hour-of-day and weekday profiles per unit, hotspot or enterprise, hour treated as
  circular, and the peak window in words (:func:`hour_profile`, :func:`weekday_profile`,
  :func:`circular_summary`, :func:`peak_window_text`, and per hotspot
  :func:`hotspot_peaks`).
* **Space-time**: quarterly counts per unit (zero-filled), space-time Gi* (spatial neighbours
  plus the previous quarter), Mann–Kendall on each unit's z series and the emerging-hotspot
  classes by a written precedence (:func:`quarterly_counts`, :func:`spacetime_gi`,
  :func:`mann_kendall_many`, :func:`emerging_classes`, :func:`emerging_hotspots`).
* **Change**: hotspots new, persisting and resolved since the previous quarter (only units
  with a case of their own in each run's window count), and the key list's changes
  (:func:`compare_hotspots`, :func:`flagged_without_cases`, :func:`compare_key_enterprises`).
* **Did it work**: before/after evaluation of measures against untreated comparison units
  with empirical Bayes for regression to the mean (:func:`evaluate_measures`,
  :func:`eb_before_after`), and the plain year-on-year change (:func:`yoy_change`).
"""

from __future__ import annotations

from ._compare import compare_hotspots, compare_key_enterprises, flagged_without_cases
from ._emerging import EMERGING_CLASSES, classify_emerging, emerging_classes
from ._evaluate import EvaluationResult, eb_before_after, yoy_change
from ._mannkendall import MK_COLUMNS, mann_kendall, mann_kendall_many
from ._measures import MeasureEvaluation, evaluate_measures
from ._profiles import (
    WEEKDAY_LABELS,
    circular_summary,
    hotspot_peaks,
    hour_profile,
    peak_window_text,
    weekday_profile,
)
from ._spacetime import EmergingResult, emerging_hotspots, quarterly_counts, spacetime_gi

__all__ = [
    "EMERGING_CLASSES",
    "MK_COLUMNS",
    "WEEKDAY_LABELS",
    "EmergingResult",
    "EvaluationResult",
    "MeasureEvaluation",
    "circular_summary",
    "classify_emerging",
    "compare_hotspots",
    "compare_key_enterprises",
    "eb_before_after",
    "emerging_classes",
    "emerging_hotspots",
    "evaluate_measures",
    "flagged_without_cases",
    "hotspot_peaks",
    "hour_profile",
    "mann_kendall",
    "mann_kendall_many",
    "peak_window_text",
    "quarterly_counts",
    "spacetime_gi",
    "weekday_profile",
    "yoy_change",
]
