"""Hotspot statistics on network units: counts, Gi*, network KDE, clusters, sliding windows.

:func:`find_hotspots` runs the whole step on geocoded cases; the building blocks are
public for notebooks and for other windows (quarters, hour bands):

* :func:`gi_star`, :func:`network_weights` — Getis–Ord Gi* on network-adjacency weights,
  two-sided p, Benjamini–Hochberg FDR, ArcGIS-style bins;
* :func:`nkde`, :func:`lixel_samples` — network kernel density (simple, discontinuous,
  continuous);
* :func:`dbscan_haversine`, :func:`hdbscan_haversine`, :func:`dbscan_network`,
  :func:`network_distances`, :func:`cluster_outlines` — density clusters;
* :func:`sliding_windows`, :func:`flag_windows`, :data:`PRESETS`, :func:`window_counts`,
  :func:`severity_weights` — 多发点段 presets and time windows;
* :func:`road_cases_table` — cases per named road and quarter, for the cases placed on a
  road only (no unit can take them).
"""

from ._clusters import (
    cluster_outlines,
    dbscan_haversine,
    dbscan_network,
    hdbscan_haversine,
    network_distances,
)
from ._find import LABEL, HotspotResult, find_hotspots, hotspot_units, snap_cases
from ._gistar import bh_qvalues, fdr_threshold, gi_star, network_weights
from ._nkde import lixel_samples, nkde
from ._poisson import poisson_local
from ._roads import UNNAMED_ROAD, road_cases_table
from ._windows import (
    HOTSPOT_LABEL,
    HOUR_BANDS,
    OTHER_BAND,
    PRESETS,
    UNKNOWN_TIME_BAND,
    WindowRule,
    flag_windows,
    hour_band,
    severity_weights,
    sliding_windows,
    window_counts,
)

__all__ = [
    "HOTSPOT_LABEL",
    "HOUR_BANDS",
    "LABEL",
    "OTHER_BAND",
    "PRESETS",
    "UNKNOWN_TIME_BAND",
    "UNNAMED_ROAD",
    "HotspotResult",
    "WindowRule",
    "bh_qvalues",
    "cluster_outlines",
    "dbscan_haversine",
    "dbscan_network",
    "fdr_threshold",
    "find_hotspots",
    "flag_windows",
    "gi_star",
    "hdbscan_haversine",
    "hotspot_units",
    "hour_band",
    "lixel_samples",
    "network_distances",
    "network_weights",
    "nkde",
    "poisson_local",
    "road_cases_table",
    "severity_weights",
    "sliding_windows",
    "snap_cases",
    "window_counts",
]
