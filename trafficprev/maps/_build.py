"""The three maps for the police: hotspots, sign sites, campaign sites.

Every map is a folium ``Map`` with no tile layer: the area's own roads are the basemap (an
optional intranet tile layer can be added with :func:`~trafficprev.maps.tile_layer`). Every
string that comes from records goes through :func:`~trafficprev.maps.safe_text` before it
reaches folium; no count of 1 … k−1 can be read at the release level's *k*
(:mod:`trafficprev.disclosure`): such counts show as "少于k起", hour-band and quarter layers
leave out a unit's count when the unit's other cases would come to 1 … k−1, cluster outlines
show no count, peak windows need *k* cases; police and public maps hold unit aggregates
only. Geometry is lean: coordinates rounded to 1e-5° (about 1 m), no bounding boxes, few
properties, one GeoJSON layer per kind. Save a map with :func:`~trafficprev.maps.save_offline`
(everything inlined, opens with no network).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from .. import disclosure
from .._periods import quarter_of
from ..coords import from_wgs84
from ..hotspots import HOTSPOT_LABEL, HOUR_BANDS, hour_band
from ..release import (
    RELEASE_LABELS,
    check_release,
    k_of,
    policy,
    release_sites,
    split_unit_ids,
    suppress_counts,
)
from ..settings import Settings
from ._labels import Legend, MapLabels, SitePanel, road_label_data, site_icon
from ._safe import popup_html, safe_frame, safe_text

__all__ = ["campaign_sites_map", "hotspots_map", "sign_sites_map"]

_ON_UNIT = ("ok", "ambiguous")
#: Sign map colours: new signs, existing signs, what they cover (three distinct hues).
SIGN_COLORS = {"new": "#d7191c", "existing": "#2166ac", "coverage": "#ff9f1c"}
#: Colour of each hour-band layer (distinct from the hotspot classes).
BAND_COLORS = {"早高峰": "#e66101", "午间": "#4dac26", "晚高峰": "#b2182b", "夜间": "#40004b"}
#: Quarter layers: oldest light, newest dark.
_QUARTER_RAMP = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
DENSITY_COLOR = "#7b3294"
CAMPAIGN_COLOR = "#1a9641"
#: Room kept free around the sites when a map opens (pixels: title box above; the site
#: list on the right; the legend and scale below).
_PAD_TOP_LEFT = (60, 130)
_PAD_BOTTOM_RIGHT = (60, 60)
_PANEL_WIDTH = 400
CLASS_STYLE = {
    "significant": ("显著热点（Gi*，FDR 0.05）", "#d7191c"),
    "threshold": ("达到多发点段参考标准", "#fdae61"),
    "cluster": ("事故聚集区内（DBSCAN）", "#2c7bb6"),
}
_MAJOR = {
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "motorway_link",
    "trunk_link",
    "primary_link",
}


def _display_crs(tiles) -> str:
    """``"gcj02"`` when the tile layer declares GCJ-02 tiles, else ``"wgs84"``."""
    return "gcj02" if tiles is not None and getattr(tiles, "crs", "wgs84") == "gcj02" else "wgs84"


def _to_display(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Geometries as drawn: WGS-84, or GCJ-02 over GCJ-02 tiles (about 600 m apart here)."""
    if crs == "wgs84":
        return geoms
    return shapely.transform(geoms, _gcj_shift)


def _point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """(lat, lon) of a marker as drawn."""
    if crs == "wgs84":
        return lat, lon
    x, y = from_wgs84(lon, lat, "gcj02")
    return float(y), float(x)


def _lean(frame: gpd.GeoDataFrame, columns: Sequence[str], crs: str) -> dict:
    """A small GeoJSON dict: chosen columns, coordinates rounded to 1e-5°, no bbox."""
    geom = _to_display(np.asarray(frame.geometry.to_numpy(), dtype=object), crs)
    geom = shapely.set_precision(geom, 1e-5)
    lean = gpd.GeoDataFrame(
        frame[list(columns)].reset_index(drop=True), geometry=geom, crs="EPSG:4326"
    )
    return lean.to_geo_dict(show_bbox=False, drop_id=True)


class _MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows miles)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def _quarter_colors(quarters: Sequence[str]) -> dict[str, str]:
    """A colour per quarter from the ramp, the newest darkest."""
    n = len(quarters)
    ramp = _QUARTER_RAMP[-n:] if n <= len(_QUARTER_RAMP) else None
    if ramp is None:
        idx = np.round(np.linspace(0, len(_QUARTER_RAMP) - 1, n)).astype(int)
        ramp = tuple(_QUARTER_RAMP[i] for i in idx)
    return dict(zip(quarters, ramp, strict=True))


#: Road-label candidates per edges table and coordinate system: the three maps of a publish
#: share the area's edges, so the candidates are computed once. Keyed by the table's id with
#: a weak reference to it (an entry whose table is gone, or whose id was reused by another
#: object, is computed again); the lists are only read.
_LABEL_CACHE: dict[int, tuple[weakref.ref, dict[str, list]]] = {}


def _road_labels(edges: gpd.GeoDataFrame, crs: str) -> list:
    """:func:`road_label_data` of `edges` drawn in `crs`, computed once per edges table."""
    entry = _LABEL_CACHE.get(id(edges))
    if entry is None or entry[0]() is not edges:
        for key in [k for k, (ref, _) in _LABEL_CACHE.items() if ref() is None]:
            del _LABEL_CACHE[key]
        entry = (weakref.ref(edges), {})
        _LABEL_CACHE[id(edges)] = entry
    if crs not in entry[1]:
        entry[1][crs] = road_label_data(edges, shift=None if crs == "wgs84" else _gcj_shift)
    return entry[1][crs]


def _base_map(
    area, bounds: np.ndarray | None, tiles=None, *, panel: bool = False
) -> tuple[folium.Map, str]:
    """The map with the roads drawn and named, and the CRS its layers are drawn in.

    The roads are the basemap: a grey line layer (name in its tooltip) and road-name labels
    from zoom :data:`~trafficprev.maps._labels.ROAD_LABEL_MIN_ZOOM` on, along the roads and
    thinned in the browser (:class:`~trafficprev.maps._labels.MapLabels`, which also lays out
    the site labels and the legend). The map opens on `bounds` with room for the title box,
    the legend and, with `panel`, the site list on the right.
    """
    crs = _display_crs(tiles)
    edges = area.edges
    if bounds is None or not np.isfinite(bounds).all():
        bounds = np.asarray(edges.total_bounds, dtype=float)
    if crs != "wgs84":
        lo, la = from_wgs84(bounds[[0, 2]], bounds[[1, 3]], "gcj02")
        bounds = np.array([lo[0], la[0], lo[1], la[1]])
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        tiles=None,
        prefer_canvas=True,
        control_scale=False,
        zoom_start=13,
        zoom_snap=0.25,  # the opening zoom fits the sites snugly
    )
    m.add_child(_MetricScale())
    m.options["maxZoom"] = 19
    if tiles is not None:
        tiles.add_to(m)
    roads = edges.assign(
        major=edges["highway"].isin(_MAJOR).astype(int),
        name=edges["name"].fillna(""),
    )
    roads = safe_frame(roads, ["name"])
    basemap = folium.GeoJson(
        _lean(roads, ["name", "major"], crs),
        name="道路（底图）",
        style_function=lambda f: {
            "color": "#777777" if f["properties"]["major"] else "#b0b0b0",
            "weight": 2.5 if f["properties"]["major"] else 1.2,
            "opacity": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["道路"], labels=True),
        control=True,
    ).add_to(m)
    m.add_child(MapLabels(_road_labels(edges, crs), basemap))
    right = _PANEL_WIDTH + 40 if panel else _PAD_BOTTOM_RIGHT[0]
    m.fit_bounds(
        [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        padding_top_left=_PAD_TOP_LEFT,
        padding_bottom_right=(right, _PAD_BOTTOM_RIGHT[1]),
    )
    return m, crs


def _gcj_shift(xy: np.ndarray) -> np.ndarray:
    """WGS-84 lon/lat rows as drawn over GCJ-02 tiles."""
    lon, lat = from_wgs84(xy[:, 0], xy[:, 1], "gcj02")
    return np.column_stack([lon, lat])


def _finish(
    m: folium.Map,
    area,
    title: str | None,
    default: str,
    *,
    period: str,
    source: str,
    note: str,
    release: str,
    k: int,
) -> None:
    """Layer control and the title box every map carries (area, period, source, release)."""
    folium.LayerControl(collapsed=False).add_to(m)
    name = getattr(area, "name", "") or ""
    heading = title or f"{name} {default}".strip()
    # the page's <title> (render_offline writes it, escaped); kept escaped until then
    m._trafficprev_title = safe_text(heading)
    _title(
        m,
        heading,
        [
            f"时段：{period}" if period else "",
            f"数据来源：{source}" if source else "",
            note,
            f"发布级别：{RELEASE_LABELS[release]}"
            + (f"（少于{k}起不显示具体数字）" if k > 1 else ""),
        ],
    )


class _Box(Element):
    """The fixed title box of our own markup; its text enters only as escaped variables.

    The template is a class constant. ``title`` and ``lines`` are :func:`safe_text` output
    (so they stay inert even if a future branca compiled this element's output again).
    """

    _template = Template(
        "<div class='tp-box tp-title' style='position:fixed;top:10px;left:50px;z-index:9999;"
        "background:white;padding:6px 10px;border:1px solid #999;border-radius:4px;"
        "max-width:60%'><div style='font-size:16px;font-weight:bold'>{{ this.title }}</div>"
        "{% for text in this.lines %}<div style='font-size:12px'>{{ text }}</div>"
        "{% endfor %}</div>"
    )

    def __init__(self, title: str, *, lines: Sequence[str] = ()) -> None:
        super().__init__()
        self._name = "TextBox"
        self.title = safe_text(title)
        self.lines = [safe_text(t) for t in lines if t]


def _title(m: folium.Map, title: str, lines: Sequence[str]) -> None:
    """A fixed title box (area, period, source, release): record text only as variables."""
    m.get_root().html.add_child(_Box(title, lines=lines))


#: (label, colour, shape, layer or None) of a legend row; shapes as in :class:`Legend`.
LegendRow = tuple[str, str, str, object]


def _legend(m: folium.Map, rows: Sequence[LegendRow], note: str = "") -> None:
    """The legend box: a row per layer (shown while the layer is on) and a note."""
    m.get_root().html.add_child(Legend(rows, note))


def _basemap_rows() -> list[LegendRow]:
    return [
        ("主要道路（底图）", "#777777", "line", None),
        ("其他道路（底图；放大后显示路名）", "#b0b0b0", "thin", None),
    ]


def _unit_layer(
    units: gpd.GeoDataFrame,
    name: str,
    color: str,
    fields: Sequence[tuple[str, str]],
    crs: str,
    *,
    show: bool = True,
    rings: bool = False,
) -> folium.FeatureGroup:
    """One layer of units (segments as lines, intersections as circles) with a tooltip.

    With `rings`, intersections are drawn as open rings (radius 13 px) that stay visible
    around a site marker on the same spot.
    """
    group = folium.FeatureGroup(name=name, show=show)
    if units.empty:
        return group
    cols = [c for c, _ in fields]
    safe = safe_frame(units[[*cols, "geometry"]].astype(dict.fromkeys(cols, str)), cols)
    safe = gpd.GeoDataFrame(safe, geometry=units.geometry.to_numpy(), crs="EPSG:4326")
    tooltip = folium.GeoJsonTooltip(fields=cols, aliases=[a for _, a in fields], labels=True)
    is_point = safe.geometry.geom_type == "Point"
    if (~is_point).any():
        folium.GeoJson(
            _lean(safe[~is_point], cols, crs),
            style_function=lambda f, c=color: {"color": c, "weight": 6, "opacity": 0.85},
            tooltip=tooltip,
        ).add_to(group)
    if is_point.any():
        if rings:
            marker = folium.CircleMarker(radius=13, fill=True, fill_opacity=0.15, weight=4)
            style = {"color": color, "fillColor": color, "opacity": 0.95}
        else:
            marker = folium.CircleMarker(radius=8, fill=True, fill_opacity=0.8, weight=1)
            style = {"color": "#333333", "fillColor": color}
        folium.GeoJson(
            _lean(safe[is_point], cols, crs),
            marker=marker,
            style_function=lambda f, st=style: st,
            tooltip=folium.GeoJsonTooltip(fields=cols, aliases=[a for _, a in fields]),
        ).add_to(group)
    return group


def _place(units: pd.DataFrame) -> pd.Series:
    """Each unit in words: its ``place_text`` (:func:`~trafficprev.network.place_texts`);
    a table without it (an older run) gives the road, or ``A与B交叉口``."""
    road = units["road"].fillna("").astype(str)
    cross = units["cross_road"].fillna("").astype(str)
    short = pd.Series(
        np.where(cross != "", road + "与" + cross + "交叉口", road), index=units.index
    )
    if "place_text" not in units:
        return short
    words = units["place_text"].fillna("").astype(str)
    return words.where(words != "", short)


def _window_counts(cases: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    return (
        cases.assign(_k=key.to_numpy()).groupby(["_k", "unit_id"]).size().rename("n").reset_index()
    )


def hotspots_map(
    result,
    area,
    settings: Settings | None = None,
    *,
    release: str = "police",
    emerging: pd.DataFrame | None = None,
    peaks: pd.DataFrame | None = None,
    title: str | None = None,
    period: str = "",
    source: str = "",
    tiles=None,
) -> folium.Map:
    """The hotspot map: units by class, density, clusters, hour-band and quarter layers.

    At ``police`` and ``public`` a unit's hour-band or quarter count is drawn only when it
    is at least *k* and the unit's cases it leaves out (other windows, no time) number 0 or
    at least *k* (:func:`~trafficprev.disclosure.parts_shown`); cluster outlines show
    ``k起及以上`` / ``少于k起``, no number.

    Parameters
    ----------
    result
        :class:`~trafficprev.hotspots.HotspotResult`.
    area
        The area (roads drawn as the basemap; its name in the title).
    settings
        ``k_police`` / ``k_public``.
    release
        ``internal``, ``police`` (default) or ``public``; internal adds a layer of case points
        (decision number and date; never names, phones or narratives).
    emerging, peaks
        :func:`~trafficprev.trends.emerging_hotspots` ``.units`` and
        :func:`~trafficprev.trends.hotspot_peaks`: their class and peak window go in the
        tooltips (at ``police`` and ``public`` a peak window shows only when it holds at
        least *k* cases, ``peak_n``; else ``样本不足``, never with its ``n=``).
    title, period, source
        Title (default ``<area> 通勤交通事故热点``), the period and the data source in words.
    tiles
        An optional :func:`~trafficprev.maps.tile_layer`.

    Returns
    -------
    folium.Map
    """
    settings = settings or Settings()
    check_release(release)
    k = k_of(release, settings)
    units = result.units
    cases = result.cases[result.cases["snap_status"].isin(_ON_UNIT)]
    hot = units[units["hotspot_class"].fillna("") != ""].copy()
    hot["place"] = _place(hot)
    hot["cases"] = suppress_counts(hot["n_cases"], k).to_numpy()
    hot["class_zh"] = hot["hotspot_class"].map({c: v[0] for c, v in CLASS_STYLE.items()})
    hot["trend"] = ""
    if emerging is not None and len(emerging):
        hot["trend"] = (
            hot["unit_id"].map(emerging.set_index("unit_id")["emerging_label"]).fillna("")
        )
    hot["peak"] = _peak_texts(hot["unit_id"], peaks, k)
    bounds = np.asarray(hot.total_bounds, dtype=float) if len(hot) else None
    m, crs = _base_map(area, bounds, tiles)
    fields = [("place", "地点"), ("cases", "事故数"), ("class_zh", "类别"), ("peak", "高峰时段"),
              ("trend", "趋势")]  # fmt: skip
    rows: list[LegendRow] = []
    for cls, (label, color) in CLASS_STYLE.items():
        group = _unit_layer(hot[hot["hotspot_class"] == cls], label, color, fields, crs)
        group.add_to(m)
        rows.append((label, color, "line", group))
    rows += _density_layer(m, units, crs)
    rows += _cluster_layer(m, result.clusters, k, crs)
    if len(cases) and "injured_at" in cases:
        rows += _time_layers(m, cases, units.set_index("unit_id"), k, crs)
    if policy(release).case_points and len(cases):
        group = _case_layer(cases, crs)
        group.add_to(m)
        rows.append(("案件点位（内部）", "#000000", "dot", group))
    _finish(
        m,
        area,
        title,
        "通勤交通事故热点",
        period=period,
        source=source,
        note=HOTSPOT_LABEL,
        release=release,
        k=k,
    )
    _legend(m, [*rows, *_basemap_rows()], "线：路段；圆点：交叉口")
    return m


def _density_layer(m: folium.Map, units: pd.DataFrame, crs) -> list[LegendRow]:
    """The units in the top 5 % of network kernel density (a layer shown on demand), and
    its legend row."""
    dens = units[units["density"] > 0].copy() if "density" in units else units.iloc[:0]
    if not len(dens):
        return []
    top = dens[dens["density"] >= dens["density"].quantile(0.95)].copy()
    top["place"] = _place(top)
    top["level"] = "前5%"
    group = _unit_layer(
        top, "核密度前5%路段", DENSITY_COLOR, [("place", "地点"), ("level", "密度")], crs,
        show=False,
    )  # fmt: skip
    group.add_to(m)
    return [("核密度前5%路段（网络核密度）", DENSITY_COLOR, "line", group)]


def _cluster_layer(m: folium.Map, clusters: gpd.GeoDataFrame, k: int, crs) -> list[LegendRow]:
    """The cluster outlines, their counts as a release shows them (no number above
    internal: beside the units' counts it would give their other cases away)."""
    if not len(clusters):
        return []
    group = folium.FeatureGroup(name="事故聚集区轮廓", show=False)
    cl = clusters.copy()
    cl["cases"] = [disclosure.count_text(round(float(v)), k, hidden=k > 1) for v in cl["n_cases"]]
    folium.GeoJson(
        _lean(cl, ["cluster_id", "cases"], crs),
        style_function=lambda f: {"color": "#2c7bb6", "weight": 1, "fillOpacity": 0.15},
        tooltip=folium.GeoJsonTooltip(fields=["cases"], aliases=["事故数"]),
    ).add_to(group)
    group.add_to(m)
    return [("事故聚集区轮廓", "#2c7bb6", "area", group)]


def _time_layers(
    m: folium.Map, cases: pd.DataFrame, info: pd.DataFrame, k: int, crs
) -> list[LegendRow]:
    """One layer per hour band (timed cases) and one per quarter, each count as the release
    shows it (:func:`_released_parts`), each in its own colour; their legend rows."""
    rows: list[LegendRow] = []
    when = pd.to_datetime(cases["injured_at"], errors="coerce")
    timed = when.notna()
    if "time_precision" in cases:
        timed &= cases["time_precision"].isin(["minute", "hour"])
    band = hour_band(when[timed], HOUR_BANDS)
    counts = _released_parts(_window_counts(cases[timed], band), info["n_cases"], HOUR_BANDS, k)
    for name, (start, end) in HOUR_BANDS.items():
        color = BAND_COLORS.get(name, "#e66101")
        group = _window_layer(counts[counts["_k"] == name], info, k, f"时段：{name}", color, crs)
        group.add_to(m)
        rows.append((f"时段：{name}（{start}–{end}）事故较多的路段", color, "line", group))
    counts = _window_counts(cases, quarter_of(cases["injured_at"]))
    quarters = sorted(set(counts["_k"].dropna()))
    # newest first: among equal counts the oldest quarter is the one hidden
    counts = _released_parts(counts, info["n_cases"], quarters[::-1], k)
    colors = _quarter_colors(quarters)
    for q in quarters:
        group = _window_layer(counts[counts["_k"] == q], info, k, f"季度：{q}", colors[q], crs)
        group.add_to(m)
        rows.append((f"季度：{q} 事故路段", colors[q], "line", group))
    return rows


def _peak_texts(unit_ids: pd.Series, peaks: pd.DataFrame | None, k: int) -> pd.Series:
    """The peak window of each unit as a release shows it.

    At ``internal`` (k = 1) :func:`~trafficprev.trends.hotspot_peaks`' text as it is. Above,
    a window shows only when it holds at least *k* cases (``peak_n``; a frame without it
    shows none), and ``样本不足`` never carries its ``n=``: a unit with a peak row that may
    not show reads ``样本不足``.
    """
    if peaks is None or not len(peaks) or "peak_text" not in peaks:
        return pd.Series("", index=unit_ids.index, dtype=object)
    table = peaks.drop_duplicates("unit_id").set_index("unit_id")
    text = unit_ids.map(table["peak_text"]).fillna("").astype(str)
    if k <= 1:
        return text
    peak_n = unit_ids.map(table["peak_n"]) if "peak_n" in table else unit_ids.map(lambda _: None)
    shown = np.array([disclosure.peak_shown(v, k) for v in peak_n], dtype=bool)
    has = unit_ids.isin(table.index).to_numpy()
    return pd.Series(
        np.where(shown, text, np.where(has, "样本不足", "")), index=unit_ids.index, dtype=object
    )


def _released_parts(
    counts: pd.DataFrame, totals: pd.Series, order: Sequence[str], k: int
) -> pd.DataFrame:
    """The (window, unit) counts a layer may show: relation (a) of each unit's total.

    Parameters
    ----------
    counts
        ``_k`` (the window), ``unit_id``, ``n``: the parts of each unit's cases.
    totals
        Cases per unit id, as the release shows them (every unit's total counts as shown:
        the sign map shows those of the units the signs cover, whether hot or not).
    order
        The windows in order of preference (ties: the last listed is hidden).
    k
        Smallest count that may be shown.

    Returns
    -------
    pandas.DataFrame
        The rows of `counts` that may be drawn: at least *k* and
        :func:`~trafficprev.disclosure.parts_shown` within their unit.
    """
    big = counts[counts["n"] >= max(k, 1)]
    if k <= 1 or big.empty:
        return big
    rank = {w: i for i, w in enumerate(order)}
    mine = counts[counts["unit_id"].isin(set(big["unit_id"]))]
    position = mine["_k"].map(rank)
    mine = mine[position.notna()].assign(_r=position[position.notna()])
    mine = mine.sort_values(["unit_id", "_r"], kind="stable")
    uids = mine["unit_id"].to_numpy()
    values = mine["n"].to_numpy().astype(int)
    rows = mine.index.to_numpy()
    starts = np.flatnonzero(np.r_[True, uids[1:] != uids[:-1]])
    ends = np.r_[starts[1:], len(uids)]
    keep: list[int] = []
    for a, b in zip(starts, ends, strict=True):  # one unit at a time: its parts in order
        parts = values[a:b].tolist()
        total = max(int(totals.get(uids[a], 0)), sum(parts))
        flags = disclosure.parts_shown(total, parts, k)
        keep += [rows[a + i] for i, (f, v) in enumerate(zip(flags, parts, strict=True)) if f and v]
    return counts.loc[sorted(keep)]


def _window_layer(
    counts: pd.DataFrame, info: pd.DataFrame, k: int, name: str, color: str, crs: str
) -> folium.FeatureGroup:
    shown = counts[counts["n"] >= max(k, 1)]
    units = info.loc[shown["unit_id"]].reset_index()
    units["place"] = _place(units)
    units["cases"] = shown["n"].astype(int).astype(str).to_numpy()
    return _unit_layer(
        gpd.GeoDataFrame(units, geometry="geometry", crs="EPSG:4326"),
        name,
        color,
        [("place", "地点"), ("cases", "事故数")],
        crs,
        show=False,
    )


def _case_layer(cases: pd.DataFrame, crs: str) -> folium.FeatureGroup:
    """Internal only: one point per case, decision number and date (no names, no text)."""
    group = folium.FeatureGroup(name="案件点位（内部）", show=False)
    pts = cases[pd.to_numeric(cases["lon"], errors="coerce").notna()]
    frame = pd.DataFrame(
        {
            "no": pts["decision_no"].astype(str) if "decision_no" in pts else "",
            "date": pd.to_datetime(pts["injured_at"], errors="coerce").dt.strftime("%Y-%m-%d"),
            "level": pts["match_level"].astype(str) if "match_level" in pts else "",
        }
    )
    frame = safe_frame(frame.fillna(""), ["no", "date", "level"])
    gdf = gpd.GeoDataFrame(
        frame,
        geometry=shapely.points(pts["lon"].to_numpy(float), pts["lat"].to_numpy(float)),
        crs="EPSG:4326",
    )
    folium.GeoJson(
        _lean(gdf, ["no", "date", "level"], crs),
        marker=folium.CircleMarker(radius=3, fill=True, fill_opacity=0.7, weight=0),
        style_function=lambda f: {"fillColor": "#000000", "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["no", "date", "level"], aliases=["认定书编号", "日期", "定位级别"]
        ),
    ).add_to(group)
    return group


def _site_marker(
    group: folium.FeatureGroup,
    lon: float,
    lat: float,
    label: str,
    color: str,
    popup: str,
    tip: str,
    crs: str,
    *,
    rank: int,
    facing_deg: float | None = None,
) -> None:
    """A numbered site: dot, facing arrow (signs), and a label the browser places so that
    it overlaps no other label, dot or box (:func:`~trafficprev.maps._labels.site_icon`)."""
    folium.Marker(
        list(_point(lon, lat, crs)),
        icon=site_icon(label, color, rank, facing_deg),
        popup=folium.Popup(popup, max_width=360),
        tooltip=folium.Tooltip(safe_text(tip)),
    ).add_to(group)


def _text(row: pd.Series, column: str) -> str:
    """A text cell of a site row ('' when the column is missing or empty)."""
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _facing(row: pd.Series) -> float | None:
    """``facing_deg`` as a float, or None when missing or not a number."""
    value = pd.to_numeric(pd.Series([row.get("facing_deg", np.nan)]), errors="coerce").iloc[0]
    return float(value) if np.isfinite(value) else None


def _sign_place(row: pd.Series) -> str:
    """Where a sign stands, in words: its location (and approach), else its position."""
    place = _text(row, "location") or _text(row, "position_text")
    approach = _text(row, "approach")  # holds its own brackets: 北进口（建设路由北向南）
    return f"{place}，{approach}" if approach and approach not in place else place


def _sign_bounds(sites: pd.DataFrame) -> np.ndarray | None:
    """The box the sign map opens on: the signs with a margin of 0.003°, None for no signs.

    Parameters
    ----------
    sites
        The sign sites (``lon``, ``lat``).

    Returns
    -------
    numpy.ndarray or None
        ``[min lon, min lat, max lon, max lat]``.
    """
    if not len(sites):
        return None
    lo, la = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
    return np.array([lo.min(), la.min(), lo.max(), la.max()]) + np.array(
        [-0.003, -0.003, 0.003, 0.003]
    )


def _coverage_layer(
    sites: pd.DataFrame, units: gpd.GeoDataFrame, k: int, crs: str
) -> folium.FeatureGroup:
    """The units the signs cover (orange lines and rings), their counts as `k` shows them.

    Parameters
    ----------
    sites
        The sign sites (``unit_ids``: the covered unit ids, joined).
    units
        The hotspot result's units.
    k
        Smallest count that may be shown.
    crs
        The CRS the layers are drawn in.

    Returns
    -------
    folium.FeatureGroup
        Not yet added to the map.
    """
    known = frozenset(units["unit_id"].astype(str))
    covered_ids: set[str] = set()
    for joined in sites["unit_ids"].fillna("") if len(sites) else ():
        covered_ids.update(split_unit_ids(str(joined), known) or ())
    cov = units[units["unit_id"].isin(covered_ids)].copy()
    cov["place"] = _place(cov)
    cov["cases"] = suppress_counts(cov["n_cases"], k).to_numpy()
    return _unit_layer(
        cov, "标志覆盖的路段与交叉口", SIGN_COLORS["coverage"], [("place", "地点"),
        ("cases", "事故数")], crs, rings=True,
    )  # fmt: skip


def _sign_popup(row: pd.Series, existing: bool, place: str) -> str:
    """The popup of one sign: what it is, where, what it covers and what to put up.

    Parameters
    ----------
    row
        A released sign site.
    existing
        Whether the sign stands already.
    place
        Where it stands, in words (:func:`_sign_place`).

    Returns
    -------
    str
        Escaped HTML (:func:`~trafficprev.maps.popup_html`).
    """
    return popup_html(
        [
            ("编号", row.get("site_id")),
            ("类型", "已有标志" if existing else "建议新设"),
            ("位置", place),
            ("位置描述", row.get("position_text")),
            ("朝向", row.get("facing")),
            ("覆盖事故", row.get("n_covered")),
            ("新增覆盖事故", row.get("marginal_cases")),
            ("高峰时段", row.get("peak_hours")),
            ("主要情形", row.get("circumstances")),
            ("建议标志", row.get("signs")),
            ("建议设施", row.get("facilities")),
        ]
    )


def _sign_markers(
    shown: pd.DataFrame, crs: str
) -> tuple[folium.FeatureGroup, folium.FeatureGroup, list[tuple[str, list[str]]]]:
    """The numbered sign markers, new and existing apart, and the rows of the site list.

    Parameters
    ----------
    shown
        The sign sites as the release shows them (:func:`~trafficprev.release.release_sites`).
    crs
        The CRS the layers are drawn in.

    Returns
    -------
    new, old : folium.FeatureGroup
        The new and the existing signs (not yet added to the map).
    panel : list
        ``(colour, [id, kind, place, facing, covered cases])`` per sign, in order.
    """
    new = folium.FeatureGroup(name="建议新设警示标志")
    old = folium.FeatureGroup(name="已有警示标志")
    panel = []
    for rank, (_, row) in enumerate(shown.iterrows()):
        existing = bool(row.get("existing", False))
        color = SIGN_COLORS["existing" if existing else "new"]
        place = _sign_place(row)
        popup = _sign_popup(row, existing, place)
        site_id = _text(row, "site_id")
        _site_marker(
            old if existing else new, row["lon"], row["lat"], site_id, color, popup,
            f"{site_id} {place} {_text(row, 'facing')}", crs, rank=rank, facing_deg=_facing(row),
        )  # fmt: skip
        kind = "已有" if existing else "新设"
        panel.append((color, [site_id, kind, place, _text(row, "facing"),
                              _text(row, "n_covered")]))  # fmt: skip
    return new, old, panel


def sign_sites_map(
    sites: pd.DataFrame,
    result,
    area,
    settings: Settings | None = None,
    *,
    release: str = "police",
    title: str | None = None,
    period: str = "",
    source: str = "",
    tiles=None,
) -> folium.Map:
    """Warning-sign sites with what each covers, readable without clicking.

    Each sign is a dot (red: new, blue: existing) with an arrow pointing the way the traffic
    it faces moves (``facing_deg``; none when unknown) and its id as a label that never
    overlaps another; the list of the numbered sites (place, facing, cases) sits at the right
    of the map and in its prints. The covered road segments are orange lines, the covered
    intersections orange rings.

    Parameters
    ----------
    sites
        :func:`~trafficprev.sites.choose_sign_sites` (``site_id``, ``existing``,
        ``location``, ``approach``, ``facing``, ``facing_deg``, ``n_covered``,
        ``marginal_cases``, ``unit_ids``, ``lon``, ``lat``, …).
    result, area, settings, release, title, period, source, tiles
        As :func:`hotspots_map`.

    Returns
    -------
    folium.Map
    """
    settings = settings or Settings()
    check_release(release)
    k = k_of(release, settings)
    units = result.units
    m, crs = _base_map(area, _sign_bounds(sites), tiles, panel=len(sites) > 0)
    coverage = _coverage_layer(sites, units, k, crs)
    coverage.add_to(m)
    new, old, panel = _sign_markers(release_sites(sites, release, settings, units=units), crs)
    new.add_to(m)
    old.add_to(m)
    if panel:
        m.get_root().html.add_child(
            SitePanel("警示标志点位一览", ["编号", "类型", "位置", "朝向", "覆盖事故"], panel,
                      width=_PANEL_WIDTH, wrap=2)
        )  # fmt: skip
    _finish(
        m,
        area,
        title,
        "警示标志建议点位",
        period=period,
        source=source,
        note="标志依据 GB 5768.2-2022；点位须经交警部门现场核实",
        release=release,
        k=k,
    )
    rows: list[LegendRow] = [
        ("建议新设警示标志（箭头：所面向车辆的行驶方向）", SIGN_COLORS["new"], "dot", new),
        ("已有警示标志（箭头同上）", SIGN_COLORS["existing"], "dot", old),
        ("标志覆盖的路段", SIGN_COLORS["coverage"], "line", coverage),
        ("标志覆盖的交叉口", SIGN_COLORS["coverage"], "ring", coverage),
    ]
    _legend(m, [*rows, *_basemap_rows()])
    return m


def _campaign_bounds(sites: pd.DataFrame, candidates: pd.DataFrame) -> np.ndarray | None:
    """The box the campaign map opens on: the sites and all candidates, None for none.

    Parameters
    ----------
    sites, candidates
        The chosen sites and all candidates (``lon``, ``lat``).

    Returns
    -------
    numpy.ndarray or None
        ``[min lon, min lat, max lon, max lat]``.
    """
    pts = (
        pd.concat([sites[["lon", "lat"]], candidates[["lon", "lat"]]])
        if len(sites)
        else candidates[["lon", "lat"]]
    )
    if not len(pts):
        return None
    return np.array([pts["lon"].min(), pts["lat"].min(), pts["lon"].max(), pts["lat"].max()])


def _candidate_layer(candidates: pd.DataFrame, crs: str) -> folium.FeatureGroup:
    """Every campaign candidate as a small grey dot, its name and kind in the tooltip.

    Parameters
    ----------
    candidates
        :func:`~trafficprev.sites.campaign_candidates` (``name``, ``kind``, ``lon``, ``lat``).
    crs
        The CRS the layers are drawn in.

    Returns
    -------
    folium.FeatureGroup
        Not yet added to the map.
    """
    cand = folium.FeatureGroup(name="全部候选点", show=True)
    safe = safe_frame(candidates[["name", "kind"]].astype(str), ["name", "kind"])
    for (name, kind), lon, lat in zip(
        safe.itertuples(index=False), candidates["lon"], candidates["lat"], strict=True
    ):
        folium.CircleMarker(
            list(_point(lon, lat, crs)),
            radius=4,
            color="#888888",
            fill=True,
            fill_opacity=0.6,
            weight=1,
            tooltip=folium.Tooltip(f"{name}（{kind}）"),
        ).add_to(cand)
    return cand


def _campaign_markers(
    shown: pd.DataFrame, radius_m: float, crs: str
) -> tuple[folium.FeatureGroup, list[tuple[str, list]]]:
    """The numbered campaign sites with their reach circles, and the rows of the site list.

    Parameters
    ----------
    shown
        The campaign sites as the release shows them
        (:func:`~trafficprev.release.release_sites`).
    radius_m
        Radius of the reach circle, metres (``campaign_radius_m``).
    crs
        The CRS the layers are drawn in.

    Returns
    -------
    chosen : folium.FeatureGroup
        The sites (not yet added to the map).
    panel : list
        ``(colour, [id, name, kind, covered cases])`` per site, in order.
    """
    chosen = folium.FeatureGroup(name="建议宣传点位")
    panel = []
    for rank, row in enumerate(shown.itertuples(index=False)):
        folium.Circle(
            list(_point(row.lon, row.lat, crs)),
            radius=radius_m,
            color=CAMPAIGN_COLOR,
            weight=1,
            fill=True,
            fill_opacity=0.08,
        ).add_to(chosen)
        popup = popup_html(
            [
                ("编号", row.site_id),
                ("名称", row.name),
                ("类型", row.site_kind),
                ("覆盖事故", row.n_covered),
                ("覆盖对象", row.reaches),
            ]
        )
        _site_marker(
            chosen, row.lon, row.lat, str(row.site_id), CAMPAIGN_COLOR, popup,
            f"{row.site_id} {row.name}", crs, rank=rank,
        )  # fmt: skip
        panel.append((CAMPAIGN_COLOR, [row.site_id, row.name, row.site_kind, row.n_covered]))
    return chosen, panel


def campaign_sites_map(
    sites: pd.DataFrame,
    candidates: pd.DataFrame,
    area,
    settings: Settings | None = None,
    *,
    release: str = "police",
    title: str | None = None,
    period: str = "",
    source: str = "",
    tiles=None,
) -> folium.Map:
    """Campaign locations with their reach, among all candidates.

    Parameters
    ----------
    sites
        :func:`~trafficprev.sites.choose_campaign_sites`.
    candidates
        :func:`~trafficprev.sites.campaign_candidates` (drawn small and grey).
    area, settings, release, title, period, source, tiles
        As :func:`hotspots_map`.

    Returns
    -------
    folium.Map
    """
    settings = settings or Settings()
    check_release(release)
    k = k_of(release, settings)
    bounds = _campaign_bounds(sites, candidates)
    m, crs = _base_map(area, bounds, tiles, panel=len(sites) > 0)
    cand = _candidate_layer(candidates, crs)
    cand.add_to(m)
    chosen, panel = _campaign_markers(
        release_sites(sites, release, settings), settings.campaign_radius_m, crs
    )
    chosen.add_to(m)
    if panel:
        m.get_root().html.add_child(
            SitePanel("宣传点位一览", ["编号", "名称", "类型", "覆盖事故"], panel,
                      width=_PANEL_WIDTH, wrap=1)
        )  # fmt: skip
    _finish(
        m,
        area,
        title,
        "交通安全宣传建议点位",
        period=period,
        source=source,
        note=f"圆圈：{settings.campaign_radius_m:g}米覆盖范围（单位所在地或事故地点在范围内）",
        release=release,
        k=k,
    )
    rows: list[LegendRow] = [
        ("建议宣传点位（圆圈：覆盖范围）", CAMPAIGN_COLOR, "dot", chosen),
        ("其他候选点", "#888888", "dot", cand),
    ]
    _legend(m, [*rows, *_basemap_rows()])
    return m
