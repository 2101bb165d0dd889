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

import re
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from .. import disclosure
from .._errors import ArgumentError
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
from ._safe import popup_html, safe_frame, safe_text

__all__ = ["campaign_sites_map", "hotspots_map", "sign_sites_map"]

_ON_UNIT = ("ok", "ambiguous")
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

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], "gcj02")
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, shift)


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


def _base_map(area, bounds: np.ndarray | None, tiles=None) -> tuple[folium.Map, str]:
    """The map with the roads drawn, and the CRS its layers are drawn in."""
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
    folium.GeoJson(
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
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m, crs


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
    _title(
        m,
        title or f"{name} {default}",
        [
            f"时段：{period}" if period else "",
            f"数据来源：{source}" if source else "",
            note,
            f"发布级别：{RELEASE_LABELS[release]}"
            + (f"（少于{k}起不显示具体数字）" if k > 1 else ""),
        ],
    )


class _Box(Element):
    """A fixed box of our own markup; its text enters only as escaped template variables.

    The template is a class constant. ``title`` and ``lines`` are :func:`safe_text` output
    (so they stay inert even if a future branca compiled this element's output again); the
    legend's colours are ours.
    """

    _template = Template(
        "<div style='position:fixed;{{ this.corner }};z-index:9999;background:white;"
        "padding:6px 10px;border:1px solid #999;border-radius:4px;{{ this.extra }}'>"
        "<div style='{{ this.head_style }}'>{{ this.title }}</div>"
        "{% for color, text in this.rows %}<div>"
        "{% if color %}<span style='display:inline-block;width:14px;height:10px;"
        "background:{{ color }};margin-right:6px'></span>{% endif %}{{ text }}</div>"
        "{% endfor %}"
        "{% for text in this.lines %}<div style='{{ this.line_style }}'>{{ text }}</div>"
        "{% endfor %}</div>"
    )

    def __init__(
        self,
        title: str,
        *,
        rows: Sequence[tuple[str, str]] = (),  # (label, colour)
        lines: Sequence[str] = (),
        legend: bool = False,
    ) -> None:
        super().__init__()
        self._name = "TextBox"
        self.title = safe_text(title)
        self.rows = [(_swatch(color), safe_text(label)) for label, color in rows]
        self.lines = [safe_text(t) for t in lines if t]
        if legend:
            self.corner, self.extra = "bottom:24px;left:10px", "font-size:12px"
            self.head_style, self.line_style = "font-weight:bold", "margin-top:4px;color:#555"
        else:
            self.corner, self.extra = "top:10px;left:50px", "max-width:60%"
            self.head_style, self.line_style = "font-size:16px;font-weight:bold", "font-size:12px"


_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def _swatch(color: str) -> str:
    """A legend colour: ``#rrggbb`` only (it sits in a style attribute)."""
    if not _COLOR.fullmatch(color):
        raise ArgumentError(f"legend colours are #rrggbb, got {color!r}")
    return color


def _title(m: folium.Map, title: str, lines: Sequence[str]) -> None:
    """A fixed title box (area, period, source, release): record text only as variables."""
    m.get_root().html.add_child(_Box(title, lines=lines))


def _legend(m: folium.Map, items: Sequence[tuple[str, str]], note: str = "") -> None:
    """The legend box: colour swatches (``#rrggbb``) with their labels, and a note."""
    m.get_root().html.add_child(_Box("图例", rows=items, lines=[note], legend=True))


def _unit_layer(
    units: gpd.GeoDataFrame,
    name: str,
    color: str,
    fields: Sequence[tuple[str, str]],
    crs: str,
    *,
    show: bool = True,
) -> folium.FeatureGroup:
    """One layer of units (segments as lines, intersections as circles) with a tooltip."""
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
        folium.GeoJson(
            _lean(safe[is_point], cols, crs),
            marker=folium.CircleMarker(radius=8, fill=True, fill_opacity=0.8, weight=1),
            style_function=lambda f, c=color: {"color": "#333333", "fillColor": c},
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
    for cls, (label, color) in CLASS_STYLE.items():
        _unit_layer(hot[hot["hotspot_class"] == cls], label, color, fields, crs).add_to(m)
    _density_layer(m, units, crs)
    _cluster_layer(m, result.clusters, k, crs)
    if len(cases) and "injured_at" in cases:
        _time_layers(m, cases, units.set_index("unit_id"), k, crs)
    if policy(release).case_points and len(cases):
        _case_layer(cases, crs).add_to(m)
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
    _legend(m, [(v[0], v[1]) for v in CLASS_STYLE.values()], "灰线：道路底图")
    return m


def _density_layer(m: folium.Map, units: pd.DataFrame, crs) -> None:
    """The units in the top 5 % of network kernel density (a layer shown on demand)."""
    dens = units[units["density"] > 0].copy() if "density" in units else units.iloc[:0]
    if not len(dens):
        return
    top = dens[dens["density"] >= dens["density"].quantile(0.95)].copy()
    top["place"] = _place(top)
    top["level"] = "前5%"
    _unit_layer(
        top,
        "核密度前5%路段",
        "#7b3294",
        [("place", "地点"), ("level", "密度")],
        crs,
        show=False,
    ).add_to(m)


def _cluster_layer(m: folium.Map, clusters: gpd.GeoDataFrame, k: int, crs) -> None:
    """The cluster outlines, their counts as a release shows them (no number above
    internal: beside the units' counts it would give their other cases away)."""
    if not len(clusters):
        return
    group = folium.FeatureGroup(name="事故聚集区轮廓", show=False)
    cl = clusters.copy()
    cl["cases"] = [disclosure.count_text(round(float(v)), k, hidden=k > 1) for v in cl["n_cases"]]
    folium.GeoJson(
        _lean(cl, ["cluster_id", "cases"], crs),
        style_function=lambda f: {"color": "#2c7bb6", "weight": 1, "fillOpacity": 0.15},
        tooltip=folium.GeoJsonTooltip(fields=["cases"], aliases=["事故数"]),
    ).add_to(group)
    group.add_to(m)


def _time_layers(m: folium.Map, cases: pd.DataFrame, info: pd.DataFrame, k: int, crs) -> None:
    """One layer per hour band (timed cases) and one per quarter, each count as the release
    shows it (:func:`_released_parts`)."""
    when = pd.to_datetime(cases["injured_at"], errors="coerce")
    timed = when.notna()
    if "time_precision" in cases:
        timed &= cases["time_precision"].isin(["minute", "hour"])
    band = hour_band(when[timed], HOUR_BANDS)
    counts = _released_parts(_window_counts(cases[timed], band), info["n_cases"], HOUR_BANDS, k)
    for name in HOUR_BANDS:
        layer = counts[counts["_k"] == name]
        _window_layer(layer, info, k, f"时段：{name}", "#e66101", crs).add_to(m)
    counts = _window_counts(cases, quarter_of(cases["injured_at"]))
    quarters = sorted(set(counts["_k"].dropna()))
    # newest first: among equal counts the oldest quarter is the one hidden
    counts = _released_parts(counts, info["n_cases"], quarters[::-1], k)
    for q in quarters:
        _window_layer(counts[counts["_k"] == q], info, k, f"季度：{q}", "#5e3c99", crs).add_to(m)


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


def _numbered(
    m_or_group, lon: float, lat: float, label: str, color: str, popup: str, tip: str, crs: str
) -> None:
    icon = folium.DivIcon(
        html=(
            f"<div style='background:{color};color:white;border-radius:10px;padding:1px 5px;"
            f"font-size:11px;font-weight:bold;border:1px solid #333;white-space:nowrap'>"
            f"{safe_text(label)}</div>"
        ),
        icon_size=(36, 18),
        icon_anchor=(18, 9),
    )
    folium.Marker(
        list(_point(lon, lat, crs)),
        icon=icon,
        popup=folium.Popup(popup, max_width=360),
        tooltip=folium.Tooltip(safe_text(tip)),
    ).add_to(m_or_group)


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
    """Warning-sign sites with what each covers, over the hot units.

    Parameters
    ----------
    sites
        :func:`~trafficprev.sites.choose_sign_sites`.
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
    known = frozenset(units["unit_id"].astype(str))
    covered_ids: set[str] = set()
    for joined in sites["unit_ids"].fillna("") if len(sites) else ():
        covered_ids.update(split_unit_ids(str(joined), known) or ())
    bounds = None
    if len(sites):
        lo, la = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
        bounds = np.array([lo.min(), la.min(), lo.max(), la.max()]) + np.array(
            [-0.003, -0.003, 0.003, 0.003]
        )
    m, crs = _base_map(area, bounds, tiles)
    cov = units[units["unit_id"].isin(covered_ids)].copy()
    cov["place"] = _place(cov)
    cov["cases"] = suppress_counts(cov["n_cases"], k).to_numpy()
    _unit_layer(
        cov, "标志覆盖的路段与交叉口", "#d7191c", [("place", "地点"), ("cases", "事故数")], crs
    ).add_to(m)
    new = folium.FeatureGroup(name="建议新设警示标志")
    old = folium.FeatureGroup(name="已有警示标志")
    shown = release_sites(sites, release, settings, units=units)
    for row in shown.itertuples(index=False):
        popup = popup_html(
            [
                ("编号", row.site_id),
                ("位置", row.position_text),
                ("朝向", row.facing),
                ("覆盖事故", row.n_covered),
                ("高峰时段", row.peak_hours),
                ("主要情形", row.circumstances),
                ("建议标志", row.signs),
                ("建议设施", row.facilities),
            ]
        )
        target = old if row.existing else new
        _numbered(
            target,
            row.lon,
            row.lat,
            row.site_id,
            "#555555" if row.existing else "#d7191c",
            popup,
            f"{row.site_id} {row.position_text}",
            crs,
        )
    new.add_to(m)
    old.add_to(m)
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
    _legend(m, [("建议新设标志", "#d7191c"), ("已有标志", "#555555"), ("覆盖范围", "#d7191c")])
    return m


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
    pts = (
        pd.concat([sites[["lon", "lat"]], candidates[["lon", "lat"]]])
        if len(sites)
        else candidates[["lon", "lat"]]
    )
    bounds = None
    if len(pts):
        bounds = np.array([pts["lon"].min(), pts["lat"].min(), pts["lon"].max(), pts["lat"].max()])
    m, crs = _base_map(area, bounds, tiles)
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
    cand.add_to(m)
    chosen = folium.FeatureGroup(name="建议宣传点位")
    for row in release_sites(sites, release, settings).itertuples(index=False):
        folium.Circle(
            list(_point(row.lon, row.lat, crs)),
            radius=settings.campaign_radius_m,
            color="#1a9641",
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
        _numbered(
            chosen,
            row.lon,
            row.lat,
            row.site_id,
            "#1a9641",
            popup,
            f"{row.site_id} {row.name}",
            crs,
        )
    chosen.add_to(m)
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
    _legend(m, [("建议宣传点位", "#1a9641"), ("其他候选点", "#888888")])
    return m
