"""Labels that read without clicking: road names, site labels, legends, the site list.

* :func:`road_label_data` turns the area's road lines into candidate label points (one every
  ``spacing_m`` along each named road, with the road's direction on screen);
  :class:`MapLabels` ships them to the browser as JSON data, where the inline script of
  :mod:`~trafficprev.maps._labels_js` draws them from a zoom level, rotated along the road
  and thinned so that no two overlap, and lays out the site labels with a collision pass.
* :func:`site_icon` is a sign or campaign site's marker: a dot, an arrow for the direction
  of the traffic a sign faces (``facing_deg``, a compass bearing), and the site's label.
* :class:`Legend` is a legend whose rows show only while their layer is on the map;
  :class:`SitePanel` is the list of the numbered sites beside the map (and in its prints).

Record text (road names, site ids, places) is data: road names travel as JSON with every
``<``, ``>``, ``&``, ``{`` and ``}`` written as a ``\\u`` escape and are shown with
``textContent``; text in our boxes and icons is :func:`~trafficprev.maps.safe_text` output
passed as template variables. Templates are fixed class constants.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from .._errors import ArgumentError
from ._labels_js import LABELS_CSS, LABELS_JS
from ._safe import safe_text

__all__ = [
    "ROAD_LABEL_MIN_ZOOM",
    "Legend",
    "MapLabels",
    "SitePanel",
    "road_label_data",
    "site_icon",
    "swatch",
]

#: Road names show from this zoom level on (about 4 m per screen pixel at 29° N).
ROAD_LABEL_MIN_ZOOM = 15
#: Two labels of one road are at least this many screen pixels apart.
ROAD_LABEL_REPEAT_PX = 260
#: Label points are stored as integer degrees × this scale (1e-5° is about 1 m).
_SCALE = 100_000
#: Rank of a road class for labelling (lower first); unknown classes last.
_CLASS_RANK = {
    "motorway": 0, "trunk": 0, "primary": 1, "secondary": 2, "tertiary": 3,
    "motorway_link": 4, "trunk_link": 4, "primary_link": 4, "secondary_link": 4,
    "residential": 5, "unclassified": 5, "living_street": 6, "service": 7, "track": 8,
}  # fmt: skip
_METRES_PER_DEGREE = 111_320.0
#: Characters written as ``\\u`` escapes (JSON allows them only inside strings here): no
#: ``</script>``, comment or Jinja delimiter, and no ``url(``, ``http:`` or ``@import`` that an
#: offline check (or a CSS parser) could read in the page's text.
_ESCAPES = {
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "{": "\\u007b", "}": "\\u007d",
    "(": "\\u0028", ")": "\\u0029", ":": "\\u003a", "@": "\\u0040",
}  # fmt: skip
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def script_json(value: Any) -> str:
    """JSON text that is inert in an HTML ``<script>`` and in Jinja template source.

    Parameters
    ----------
    value
        Lists, numbers and strings only (no dicts: their braces could not be escaped).

    Returns
    -------
    str
        ``json.dumps`` (ASCII) with ``<``, ``>``, ``&``, ``{``, ``}``, ``(``, ``)``, ``:``
        and ``@`` as ``\\u`` escapes: no ``</script>``, no HTML comment, no Jinja delimiter,
        no ``url(``, no ``http:`` can appear.

    Raises
    ------
    ArgumentError
        If `value` holds a dict.

    Examples
    --------
    >>> script_json(["</script>", "{{7*7}}"])
    '["\\\\u003c/script\\\\u003e", "\\\\u007b\\\\u007b7*7\\\\u007d\\\\u007d"]'
    """
    _refuse_dicts(value)
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text.translate(_ESCAPE_TABLE)


def _refuse_dicts(value: Any, depth: int = 0) -> None:
    if isinstance(value, dict):
        raise ArgumentError("script_json takes lists, numbers and strings only")
    if isinstance(value, list | tuple) and depth < 64:
        for item in value:
            _refuse_dicts(item, depth + 1)


def _upright(degrees: np.ndarray) -> np.ndarray:
    """Screen angles (clockwise from east) folded into (−90°, 90°], so text reads upright."""
    a = np.mod(degrees + 90.0, 180.0) - 90.0
    return np.where(a <= -90.0, a + 180.0, a)


def road_label_data(
    edges: gpd.GeoDataFrame,
    *,
    spacing_m: float = 200.0,
    min_length_m: float = 60.0,
    shift=None,
) -> list:
    """Candidate points for road-name labels: along every named road, with its direction.

    Parameters
    ----------
    edges
        The area's road edges (WGS-84 lines) with ``name`` and, if present, ``road_id`` and
        ``highway``.
    spacing_m
        One candidate per this many metres of each merged road line (at least one per line
        of `min_length_m` or more, at its middle; the rest evenly spaced).
    min_length_m
        Lines shorter than this get no label, unless a road has no longer line.
    shift
        A function of an ``(n, 2)`` array of lon/lat returning the drawn coordinates (GCJ-02
        over GCJ-02 tiles), or None.

    Returns
    -------
    list
        ``[names, points, scale]``: the distinct road names (raw text: escape it as data),
        and per candidate ``[lat·scale, lon·scale, angle, name index]`` as integers, in
        priority order (major road classes first, then longer lines, then name and place).
        ``angle`` is the road's direction on screen in degrees clockwise from east, in
        (−90, 90] so the text is upright (Web Mercator keeps angles).
    """
    if edges is None or not len(edges) or "name" not in edges:
        return [[], [], _SCALE]
    names = edges["name"].fillna("").astype(str).str.strip()
    keep = (names != "").to_numpy() & ~edges.geometry.isna().to_numpy()
    frame = edges[keep]
    if not len(frame):
        return [[], [], _SCALE]
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    if shift is not None:
        geoms = shapely.transform(geoms, shift)
    lat0 = float(np.nanmean(shapely.get_coordinates(geoms)[:, 1]))
    kx, ky = _METRES_PER_DEGREE * math.cos(math.radians(lat0)), _METRES_PER_DEGREE
    metric = shapely.transform(geoms, lambda xy: xy * np.array([kx, ky]))
    table = pd.DataFrame(
        {
            "name": names[keep].to_numpy(),
            "road": frame["road_id"].astype(str).to_numpy() if "road_id" in frame else "",
            "rank": frame["highway"].map(_CLASS_RANK).fillna(9).to_numpy()
            if "highway" in frame
            else 9,
            "i": np.arange(len(frame)),
        }
    )
    rows = []
    for (name, _road), group in table.groupby(["name", "road"], sort=True):
        merged = shapely.line_merge(shapely.union_all(metric[group["i"].to_numpy()]))
        lines = [g for g in shapely.get_parts(merged) if g.geom_type == "LineString"]
        lines.sort(key=lambda g: -g.length)
        rank = float(group["rank"].min())
        for n_line, line in enumerate(lines):
            length = line.length
            if length < min_length_m and n_line > 0:
                continue
            count = max(1, math.floor(length / spacing_m))
            for j, s in enumerate((np.arange(count) + 0.5) * length / count):
                a = line.interpolate(max(s - 15.0, 0.0))
                b = line.interpolate(min(s + 15.0, length))
                p = line.interpolate(s)
                angle = math.degrees(math.atan2(-(b.y - a.y), b.x - a.x))
                # the middle of a line first, then outwards
                rows.append((rank, -length, abs(j - (count - 1) / 2), name, p.x / kx, p.y / ky,
                             angle))  # fmt: skip
    if not rows:
        return [[], [], _SCALE]
    rows.sort(key=lambda r: (*r[:4], r[5], r[4]))
    distinct = sorted({r[3] for r in rows})
    index = {n: i for i, n in enumerate(distinct)}
    angles = _upright(np.array([r[6] for r in rows]))
    points = [
        [round(r[5] * _SCALE), round(r[4] * _SCALE), round(float(a)), index[r[3]]]
        for r, a in zip(rows, angles, strict=True)
    ]
    return [distinct, points, _SCALE]


class MapLabels(MacroElement):
    """The label layout of one map: road names from a zoom level, site labels, legend rows.

    Parameters
    ----------
    roads
        :func:`road_label_data`.
    road_layer
        The basemap layer (its road names show only while it is on), or None.
    min_zoom
        Lowest zoom level with road names.
    repeat_px
        Least distance in screen pixels between two labels of one road.

    Notes
    -----
    The template is fixed; the data enter as :func:`script_json` text, the CSS and the
    script as our constants (:mod:`~trafficprev.maps._labels_js`).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}{{ this.js }}"
        "window.trafficprevLabels({{ this._parent.get_name() }}, {{ this.roads_json }}, "
        "{{ this.options_json }});{% endmacro %}"
    )

    def __init__(
        self,
        roads: list,
        road_layer: Any = None,
        *,
        min_zoom: int = ROAD_LABEL_MIN_ZOOM,
        repeat_px: int = ROAD_LABEL_REPEAT_PX,
    ) -> None:
        super().__init__()
        self._name = "MapLabels"
        self.css = LABELS_CSS
        self.js = LABELS_JS
        self.roads_json = script_json(roads)
        layer = road_layer.get_name() if road_layer is not None else ""
        self.options_json = script_json([int(min_zoom), int(repeat_px), layer])


def swatch(color: str) -> str:
    """A colour for our markup: ``#rrggbb`` only (it sits in a style attribute).

    Parameters
    ----------
    color
        The colour.

    Returns
    -------
    str
        `color`.

    Raises
    ------
    ArgumentError
        For anything else.
    """
    if not isinstance(color, str) or len(color) != 7 or color[0] != "#":
        raise ArgumentError(f"colours are #rrggbb, got {color!r}")
    try:
        int(color[1:], 16)
    except ValueError:
        raise ArgumentError(f"colours are #rrggbb, got {color!r}") from None
    return color


_SHAPES = ("line", "thin", "dot", "ring", "area")


def site_icon(label: str, color: str, rank: int, facing_deg: float | None = None):
    """The marker of a numbered site: a dot, the facing arrow, a leader line and the label.

    Parameters
    ----------
    label
        The site's id (record text: escaped here).
    color
        ``#rrggbb`` of the dot, the arrow and the label.
    rank
        Order in the label layout (lower is placed first, nearer its site).
    facing_deg
        Compass bearing of the traffic the sign faces (0 north, 90 east): the arrow points
        that way. None or NaN: no arrow.

    Returns
    -------
    folium.DivIcon
        A zero-size icon at the site (``class="tp-site"``); the label starts right of the
        dot and the inline script moves it where it overlaps nothing.
    """
    import folium

    color = swatch(color)
    arrow, facing = "", ""
    if facing_deg is not None and np.isfinite(float(facing_deg)):
        facing = f"{float(facing_deg) % 360.0:.1f}"
        arrow = (
            f"<g class='tp-arrow' transform='rotate({facing})'>"
            f"<line x1='0' y1='-5' x2='0' y2='-11' stroke='{color}' stroke-width='3'/>"
            f"<path d='M0,-17 L-5,-9 L5,-9 Z' fill='{color}' stroke='#ffffff' "
            "stroke-width='1'/></g>"
        )
    html = (
        "<svg class='tp-leader' width='1' height='1'><line x1='0' y1='0' x2='0' y2='0' "
        "stroke='#222222' stroke-width='1.2'/></svg>"
        f"<svg class='tp-mark' data-tp-facing='{facing}' width='32' height='32' "
        f"viewBox='-16 -16 32 32'>{arrow}<circle r='6' fill='{color}' stroke='#ffffff' "
        "stroke-width='2'/></svg>"
        f"<div class='tp-site-label' data-tp-rank='{int(rank)}' style='background:{color}'>"
        f"{safe_text(label)}</div>"
    )
    return folium.DivIcon(html=html, icon_size=(0, 0), icon_anchor=(0, 0), class_name="tp-site")


class Legend(Element):
    """The legend: a row per layer, shown only while that layer is on the map.

    Parameters
    ----------
    rows
        ``(label, colour, shape, layer)``: shape one of ``line``, ``thin``, ``dot``,
        ``ring``, ``area``; layer the folium layer the row belongs to, or None (always
        shown).
    note
        A line of text under the rows.
    """

    _template = Template(
        "<div class='tp-box tp-legend' style='position:fixed;bottom:24px;left:10px;"
        "z-index:9999;background:white;padding:6px 10px;border:1px solid #999;"
        "border-radius:4px;font-size:12px;max-height:45%;overflow:auto'>"
        "<div style='font-weight:bold'>图例</div>"
        "{% for text, color, shape, layer in this.rows %}"
        "<div class='tp-legend-row' data-tp-layer='{{ layer }}'>"
        "<span class='tp-swatch tp-swatch-{{ shape }}' style='background:{{ color }};"
        "border-color:{{ color }}'></span>{{ text }}</div>{% endfor %}"
        "{% for text in this.lines %}<div style='margin-top:4px;color:#555'>{{ text }}</div>"
        "{% endfor %}</div>"
    )

    def __init__(self, rows: Sequence[tuple[str, str, str, Any]], note: str = "") -> None:
        super().__init__()
        self._name = "Legend"
        checked = []
        for text, color, shape, layer in rows:
            if shape not in _SHAPES:
                raise ArgumentError(f"legend shapes are {_SHAPES}, got {shape!r}")
            checked.append(
                (safe_text(text), swatch(color), shape, layer.get_name() if layer else "")
            )
        self.rows = checked
        self.lines = [safe_text(note)] if note else []


class SitePanel(Element):
    """The list of the numbered sites, fixed at the right of the map (also in its prints).

    Parameters
    ----------
    title
        Heading.
    head
        Column headings after the id column's.
    rows
        ``(colour, cells)``: the id first; every cell is record text (escaped here).
    width
        Width in CSS pixels.
    wrap
        The column (1 = the first after the id) whose text may wrap; the others do not.
    """

    _template = Template(
        "<div class='tp-box tp-panel' style='position:fixed;right:10px;bottom:24px;"
        "z-index:9999;background:white;padding:6px 8px;border:1px solid #999;"
        "border-radius:4px;width:{{ this.width }}px;max-height:calc(100% - 200px);"
        "overflow:auto'><div style='font-weight:bold;font-size:13px'>{{ this.title }}"
        "<span class='tp-panel-toggle'>收起</span></div><div class='tp-panel-body'><table>"
        "<tr>{% for h in this.head %}<th>{{ h }}</th>{% endfor %}</tr>"
        "{% for color, cells in this.rows %}<tr class='tp-panel-row'><td>"
        "<span class='tp-id' style='background:{{ color }};padding:0 4px'>{{ cells[0] }}"
        "</span></td>{% for cell in cells[1:] %}<td{% if loop.index == this.wrap %} "
        "class='tp-wrap'{% endif %}>{{ cell }}</td>{% endfor %}</tr>"
        "{% endfor %}</table></div></div>"
    )

    def __init__(
        self,
        title: str,
        head: Sequence[str],
        rows: Sequence[tuple[str, Sequence[Any]]],
        *,
        width: int = 330,
        wrap: int = 1,
    ) -> None:
        super().__init__()
        self._name = "SitePanel"
        self.title = safe_text(title)
        self.head = [safe_text(h) for h in head]
        self.rows = [(swatch(c), [safe_text(v) for v in cells]) for c, cells in rows]
        self.width = int(width)
        self.wrap = int(wrap)
