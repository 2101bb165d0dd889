"""Offline, safe folium maps for the police and the public.

* :func:`hotspots_map`, :func:`sign_sites_map`, :func:`campaign_sites_map` build the three
  maps; :func:`save_offline` writes one self-contained HTML file (Leaflet and its plugins
  inlined from ``trafficprev/static``, no ``http(s)`` script or style, the area's roads as the
  basemap) and :func:`show` displays a map in a notebook without internet.
* Maps read without clicking: road names along the roads from zoom 15 (thinned so none
  overlap), site labels placed by a collision pass so none overlaps another, a dot or a box,
  an arrow for the traffic each sign faces, the numbered sites listed beside the map (and in
  its prints), a legend row for every layer (shown while the layer is on) and a ``<title>``
  (:mod:`~trafficprev.maps._labels`).
* :func:`safe_text` / :func:`safe_frame` escape record text for HTML and JavaScript template
  literals before it reaches folium (folium 0.20 does not).
* Release levels (:data:`RELEASE_LEVELS`): ``internal``, ``police`` (default), ``public``;
  no count of 1 … k−1 can be read, directly, from a statement or as a difference
  (:func:`release_sites`, :func:`release_enterprises`; the rule in
  :mod:`trafficprev.disclosure`). The policy is :mod:`trafficprev.release`; its names are
  exported here too.
* :func:`screenshot`, :func:`print_pdf` drive headless Chromium: PNG and A4-landscape PDF
  for printed reports (:func:`run_chromium` is the call they share; the map checker for
  tests is :func:`trafficprev.testing.check_in_browser`).
"""

from __future__ import annotations

from ..release import (
    RELEASE_LABELS,
    RELEASE_LEVELS,
    check_release,
    k_of,
    release_sites,
    split_unit_ids,
    suppress_counts,
)
from ._browser import (
    ChromiumError,
    ChromiumNotFoundError,
    find_chromium,
    print_pdf,
    run_chromium,
    screenshot,
)
from ._build import campaign_sites_map, hotspots_map, sign_sites_map
from ._offline import (
    OfflineAssetError,
    OfflineCheckError,
    check_offline,
    render_offline,
    save_offline,
    show,
    tile_layer,
)
from ._release import release_enterprises
from ._safe import popup_html, safe_frame, safe_text

__all__ = [
    "RELEASE_LABELS",
    "RELEASE_LEVELS",
    "ChromiumError",
    "ChromiumNotFoundError",
    "OfflineAssetError",
    "OfflineCheckError",
    "campaign_sites_map",
    "check_offline",
    "check_release",
    "find_chromium",
    "hotspots_map",
    "k_of",
    "popup_html",
    "print_pdf",
    "release_enterprises",
    "release_sites",
    "render_offline",
    "run_chromium",
    "safe_frame",
    "safe_text",
    "save_offline",
    "screenshot",
    "show",
    "sign_sites_map",
    "split_unit_ids",
    "suppress_counts",
    "tile_layer",
]
