"""Read a road vector file (GeoPackage, Shapefile, GeoJSON) into a :class:`RoadSource`.

A boundary layer that comes with the roads (a polygon file, or a polygon layer of the same
GeoPackage, with a name column) is read by :func:`read_boundary_file` into the
:data:`~trafficprev.area._osm.BOUNDARY_COLUMNS` table an OSM extract gives.

The file's declared CRS is used (CGCS2000 Gauss-Krüger zones included); ``crs=`` overrides it
or supplies a missing one; ``gcj02=True`` declares that the lon/lat are GCJ-02 (Amap, Tencent)
and converts them to WGS-84 with :func:`trafficprev.coords.gcj02_to_wgs84`.

Topology: every vertex is snapped to a 0.1 m grid in the UTM zone of the data, and vertices in
the same grid cell share one node id, so lines that meet at a common vertex are joined. Lines
that cross *without* a common vertex stay unconnected, like an OSM bridge over a road.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from .._errors import FileFormatError, InputFileNotFoundError, SchemaError
from .._vector import nfkc
from ..privacy import redact_shapes
from ._osm import (
    BOUNDARY_COLUMNS,
    MILESTONE_COLUMNS,
    NODE_COLUMNS,
    PLACE_COLUMNS,
    WAY_COLUMNS,
    RoadSource,
    _crossing_of,
    crossing_pois,
    frame,
    redact_source,
)

__all__ = [
    "BOUNDARY_CODE_COLUMNS",
    "BOUNDARY_NAME_COLUMNS",
    "NAME_COLUMNS",
    "SNAP_GRID_M",
    "has_polygon_layer",
    "node_ids_from_xy",
    "read_boundary_file",
    "read_road_file",
]

logger = logging.getLogger(__name__)

#: Column names tried, in this order, when `name_col` is not given (exact match).
NAME_COLUMNS: tuple[str, ...] = ("name", "NAME", "Name", "名称", "道路名称", "路名", "ROADNAME")
#: Name columns tried for a boundary layer when `name_col` is not given (exact match).
BOUNDARY_NAME_COLUMNS: tuple[str, ...] = (
    *NAME_COLUMNS[:4],
    "区划名称",
    "行政区名称",
    "行政区划名称",
    "XZQMC",
)
#: Division-code columns tried for a boundary layer (exact match; optional).
BOUNDARY_CODE_COLUMNS: tuple[str, ...] = (
    "code",
    "CODE",
    "adcode",
    "ADCODE",
    "区划代码",
    "行政区代码",
    "行政区划代码",
    "XZQDM",
)
#: Grid (metres, in the UTM zone of the data) on which vertices are snapped to form nodes.
SNAP_GRID_M = 0.1

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def node_ids_from_xy(x: np.ndarray, y: np.ndarray, *, grid_m: float = SNAP_GRID_M) -> np.ndarray:
    """Stable positive int64 node ids from metric coordinates snapped to a `grid_m` grid.

    The id is a 63-bit hash of the rounded coordinates: the same on every run and machine
    (not Python's ``hash()``), equal for points in the same grid cell.

    Parameters
    ----------
    x, y
        Coordinates in metres (a projected CRS).
    grid_m
        Grid spacing in metres.

    Returns
    -------
    numpy.ndarray
        int64 ids, one per point, all > 0.

    Examples
    --------
    >>> ids = node_ids_from_xy(np.array([500000.01, 500000.04, 500001.0]), np.zeros(3))
    >>> bool(ids[0] == ids[1]), bool(ids[0] == ids[2]), bool((ids > 0).all())
    (True, False, True)
    """
    ix = np.round(np.asarray(x, dtype=np.float64) / grid_m).astype(np.int64).view(np.uint64)
    iy = np.round(np.asarray(y, dtype=np.float64) / grid_m).astype(np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix64(_mix64(ix) ^ (iy * np.uint64(0x9E3779B97F4A7C15)))
    ids = (h & np.uint64(0x7FFFFFFFFFFFFFFF)).astype(np.int64)
    ids[ids == 0] = 1
    return ids


def _pick_column(
    columns: list[str], given: str | None, candidates: tuple[str, ...], what: str, path: Path
) -> str | None:
    """The column named `given`, else the single candidate present (None if none)."""
    if given is not None:
        if given not in columns:
            raise SchemaError(f"{path}: {what} column {given!r} not found; columns are {columns}")
        return given
    found = [c for c in candidates if c in columns]
    if len(found) > 1:
        raise SchemaError(
            f"{path}: several possible {what} columns {found}; choose one with "
            f"{what}_col=...; columns are {columns}"
        )
    return found[0] if found else None


def _text(values: pd.Series) -> list[str]:
    """NFKC-normalised, stripped text ("" for missing)."""
    return nfkc(values.astype(object).where(values.notna(), None)).tolist()


def _read(path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise FileFormatError(f"cannot read {path} as a vector road file: {exc}") from exc


def _source_crs(gdf: gpd.GeoDataFrame, crs: Any, gcj02: bool, p: Path) -> pyproj.CRS:
    """The CRS of a vector file's coordinates: `crs`, else the declared one (checked)."""
    src_crs = pyproj.CRS.from_user_input(crs) if crs is not None else gdf.crs
    if src_crs is None:
        if not gcj02:
            raise SchemaError(
                f"{p} has no CRS: give crs=... (e.g. 'EPSG:4546' for CGCS2000 / 3-degree "
                "Gauss-Kruger CM 111E, 'EPSG:4326' for lon/lat)"
            )
        src_crs = pyproj.CRS.from_epsg(4326)
    if gcj02 and not src_crs.is_geographic:
        raise SchemaError(
            f"{p}: gcj02=True needs lon/lat coordinates, but the CRS is {src_crs.name}"
        )
    return src_crs


def _to_wgs84(geoms: gpd.GeoSeries, src_crs: pyproj.CRS, gcj02: bool) -> tuple[gpd.GeoSeries, str]:
    """`geoms` (in `src_crs`) in WGS-84, GCJ-02 lon/lat converted; and a note saying how."""
    if gcj02:
        lonlat = geoms.to_crs(4326)
        xy = shapely.get_coordinates(lonlat.values)
        from ..coords import gcj02_to_wgs84

        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        out = shapely.set_coordinates(lonlat.values.copy(), np.column_stack([lon, lat]))
        return gpd.GeoSeries(out, crs=4326), "GCJ-02 lon/lat, converted to WGS-84"
    return geoms.to_crs(4326), f"{src_crs.name} ({src_crs.to_string()}), converted to WGS-84"


def _road_columns(
    gdf: gpd.GeoDataFrame, given: tuple[str | None, str | None, str | None], p: Path
) -> tuple[str, str | None, str | None]:
    """The name, ref and highway columns of a road file: those `given`, else found by their
    usual names; only the name column is required."""
    name_col, ref_col, highway_col = given
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    name = _pick_column(columns, name_col, NAME_COLUMNS, "name", p)
    if name is None:
        raise SchemaError(
            f"{p}: no road-name column (tried {list(NAME_COLUMNS)}); give name_col=...; "
            f"columns are {columns}"
        )
    ref = _pick_column(columns, ref_col, ("ref", "REF", "Ref"), "ref", p)
    highway = _pick_column(columns, highway_col, ("highway", "HIGHWAY"), "highway", p)
    return name, ref, highway


def _line_parts(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The single, non-empty 2-D lines of `gdf` (multi-lines exploded; ``_way_id`` numbers
    the parts from 1), and how many parts were not lines."""
    parts = gdf.explode(index_parts=False, ignore_index=True)
    parts["_way_id"] = np.arange(1, len(parts) + 1)
    is_line = shapely.get_type_id(parts.geometry.values) == 1  # LineString
    is_line &= ~parts.geometry.is_empty.to_numpy()
    n_not_line = int((~is_line).sum())
    parts = parts[is_line].reset_index(drop=True)
    return parts.set_geometry(shapely.force_2d(parts.geometry.values)), n_not_line


def _nodes_of(
    wgs: gpd.GeoSeries, metric: gpd.GeoSeries
) -> tuple[pd.DataFrame, list[tuple[int, ...]], np.ndarray]:
    """The nodes of the lines (ids from their metric coordinates, repeated vertices
    merged), each line's node ids, and which lines keep at least two nodes."""
    lonlat, counts = shapely.get_coordinates(wgs.values), shapely.get_num_points(wgs.values)
    xy = shapely.get_coordinates(metric.values)
    ids = node_ids_from_xy(xy[:, 0], xy[:, 1])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    keep_vertex = np.ones(len(ids), dtype=bool)
    keep_vertex[1:] = ids[1:] != ids[:-1]
    keep_vertex[starts] = True  # the first vertex of each part
    way_of = np.repeat(np.arange(len(counts)), counts)
    kept_per_way = np.bincount(way_of[keep_vertex], minlength=len(counts))
    good = kept_per_way >= 2

    vertex_ids = ids[keep_vertex]
    node_lists = np.split(vertex_ids, np.cumsum(kept_per_way)[:-1])
    node_tuples = [tuple(a.tolist()) for a, g in zip(node_lists, good, strict=True) if g]
    used = keep_vertex & good[way_of]
    uniq, first = np.unique(ids[used], return_index=True)
    nodes = frame(
        NODE_COLUMNS,
        {"node_id": uniq, "lon": lonlat[used][first, 0], "lat": lonlat[used][first, 1]},
    )
    return nodes, node_tuples, good


def _way_table(
    kept: gpd.GeoDataFrame,
    node_tuples: list[tuple[int, ...]],
    name: str,
    ref: str | None,
    highway: str | None,
) -> pd.DataFrame:
    """The ways table of the kept lines (a missing or blank highway is ``road``)."""
    n = len(kept)
    ways = frame(
        WAY_COLUMNS,
        {
            "way_id": kept["_way_id"].to_numpy(),
            "node_ids": node_tuples,
            "highway": _text(kept[highway]) if highway else ["road"] * n,
            "name": _text(kept[name]),
            "name_alt": [""] * n,
            "ref": _text(kept[ref]) if ref else [""] * n,
            "oneway": [False] * n,
            "junction": [""] * n,
            "bridge": [False] * n,
            "tunnel": [False] * n,
            "layer": [0] * n,
        },
    )
    ways["highway"] = ways["highway"].replace("", "road")
    return ways


def read_road_file(
    path: str | os.PathLike[str],
    *,
    name_col: str | None = None,
    ref_col: str | None = None,
    highway_col: str | None = None,
    crs: Any = None,
    gcj02: bool = False,
    layer: str | int | None = None,
) -> RoadSource:
    """Read road lines from a GeoPackage, Shapefile or GeoJSON into a :class:`RoadSource`.

    Parameters
    ----------
    path
        The vector file.
    name_col
        Column with the road names; when None, the one of :data:`NAME_COLUMNS` present.
    ref_col
        Column with road codes (G319, S224, …); when None, ``ref``/``REF`` if present, else
        codes are empty.
    highway_col
        Column with the road class; when None, ``highway``/``HIGHWAY`` if present, else every
        road gets ``"road"`` (OSM's value for an unknown class).
    crs
        CRS of the coordinates (anything :class:`pyproj.CRS` accepts, e.g. ``"EPSG:4546"`` for
        CGCS2000 / 3-degree Gauss-Krüger CM 111°E); overrides the declared one.
    gcj02
        The coordinates are GCJ-02 lon/lat (a file without CRS is then taken as lon/lat).
    layer
        Layer to read from a multi-layer file (default: the first line layer, so that a
        GeoPackage may hold its boundary polygons in another layer).

    Returns
    -------
    RoadSource
        In WGS-84 degrees. MultiLineStrings are exploded into one way per part. ``way_id`` is
        1, 2, … over the exploded parts in file order (a dropped part leaves a gap, so ids stay
        tied to the file). Node ids come from :func:`node_ids_from_xy` on the UTM coordinates;
        a node's lon/lat is its first vertex's. Consecutive vertices in one grid cell are merged;
        parts left with fewer than two nodes are dropped and counted (``too_few_nodes``), as
        are empty or non-line geometries (``not_a_line``). ``pois`` holds the roads whose
        name is that of a bridge or tunnel (测试大桥, 测试岭隧道), one landmark on the road
        each (:func:`~trafficprev.area._osm.crossing_pois`, ``source`` ``roads``); ``places``
        and ``milestones`` are empty; ``name_alt`` and ``junction`` are empty, ``oneway``,
        ``bridge`` and ``tunnel`` False and ``layer`` 0. Personal data in names and route
        codes is replaced by placeholders (:func:`~trafficprev.area._osm.redact_source`).

    Raises
    ------
    InputFileNotFoundError
        If `path` does not exist.
    FileFormatError
        If the file cannot be read or holds no line geometries.
    SchemaError
        If the file has no CRS and none is given, GCJ-02 is declared for projected
        coordinates, or a column is missing or ambiguous (the message lists the columns).
    """
    p = Path(path)
    if not p.exists():
        raise InputFileNotFoundError(f"road file not found: {p}")
    gdf = _read(p, layer if layer is not None else _layer_of(p, "line"))
    name, ref, highway = _road_columns(gdf, (name_col, ref_col, highway_col), p)
    src_crs = _source_crs(gdf, crs, gcj02, p)
    gdf = gdf.set_crs(src_crs, allow_override=True)
    dropped = {"not_a_line": 0, "too_few_nodes": 0}
    parts, dropped["not_a_line"] = _line_parts(gdf)
    if parts.empty:
        raise FileFormatError(f"no line geometries (roads) in {p}")
    wgs, note = _to_wgs84(parts.geometry, src_crs, gcj02)
    utm = wgs.estimate_utm_crs()
    metric = wgs.to_crs(utm)
    nodes, node_tuples, good = _nodes_of(wgs, metric)
    dropped["too_few_nodes"] = int((~good).sum())
    ways = _way_table(parts[good].reset_index(drop=True), node_tuples, name, ref, highway)
    if ways.empty:
        raise FileFormatError(f"no line geometries (roads) in {p}")
    logger.info(
        "read %s: %d ways, %d nodes (CRS %s, snapped in %s); dropped %s",
        p,
        len(ways),
        len(nodes),
        src_crs.to_string(),
        utm.to_string(),
        dropped,
    )
    source = RoadSource(
        nodes=nodes,
        ways=ways,
        pois=crossing_pois(
            ways, nodes, [_crossing_of({}, n) for n in ways["name"]], source="roads"
        ),
        places=frame(PLACE_COLUMNS),
        milestones=frame(MILESTONE_COLUMNS),
        source=str(p),
        crs_note=note,
        dropped=dropped,
    )
    return redact_source(source)  # a phone or ID number in a road name never goes further


def _code_text(values: pd.Series) -> list[str]:
    """Division codes as text: a number column (990101, 990101.0) gives its digits."""

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    return [one(v) for v in values.astype(object)]


def _layer_of(path: Path, kind: str) -> str | int | None:
    """The first layer of geometry `kind` (``"line"``, ``"polygon"``) of a multi-layer file.

    None for a file with one layer, or none of that kind (the file's first layer is read).
    """
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise FileFormatError(f"cannot read {path} as a vector file: {exc}") from exc
    if len(layers) <= 1:
        return None
    for name, geometry in layers:
        if geometry and kind in str(geometry).lower():
            return str(name)
    return None


def has_polygon_layer(path: str | os.PathLike[str]) -> bool:
    """Whether a multi-layer vector file (a road GeoPackage) has a polygon layer."""
    return _layer_of(Path(path), "polygon") is not None


def read_boundary_file(
    path: str | os.PathLike[str],
    *,
    name_col: str | None = None,
    code_col: str | None = None,
    crs: Any = None,
    gcj02: bool = False,
    layer: str | int | None = None,
) -> pd.DataFrame:
    """Read administrative boundary polygons (a road file's boundary layer).

    Parameters
    ----------
    path
        A GeoPackage, Shapefile or GeoJSON of polygons, one row per unit (a GeoPackage may
        hold the road lines in another layer).
    name_col
        Column with the unit names; when None, the one of :data:`BOUNDARY_NAME_COLUMNS`
        present.
    code_col
        Column with division codes (optional); when None, the one of
        :data:`BOUNDARY_CODE_COLUMNS` present, if any.
    crs, gcj02
        As for :func:`read_road_file`.
    layer
        Layer to read; when None, the first polygon layer of a multi-layer file.

    Returns
    -------
    pandas.DataFrame
        The :data:`~trafficprev.area._osm.BOUNDARY_COLUMNS` table: ``osm_type`` ``"file"``,
        ``osm_id`` the row number (1-based), ``name``, ``name_alt`` ``""``,
        ``admin_level`` 0 (unknown), ``code`` (digits, else ``""``), ``geometry`` a WGS-84
        (Multi)Polygon. Rows without a polygon are left out (with a log line); names are
        redacted like road names.

    Raises
    ------
    InputFileNotFoundError
        If `path` does not exist.
    FileFormatError
        If the file cannot be read or holds no polygons.
    SchemaError
        If the name column is missing or ambiguous, or the CRS is unknown.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileNotFoundError(f"boundary file not found: {p}")
    try:
        gdf = pyogrio.read_dataframe(
            p, layer=layer if layer is not None else _layer_of(p, "polygon")
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise FileFormatError(f"cannot read {p} as a vector boundary file: {exc}") from exc
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    name = _pick_column(columns, name_col, BOUNDARY_NAME_COLUMNS, "boundary_name", p)
    if name is None:
        raise SchemaError(
            f"{p}: no boundary-name column (tried {list(BOUNDARY_NAME_COLUMNS)}); give "
            f"boundary_name_col=...; columns are {columns}"
        )
    code = _pick_column(columns, code_col, BOUNDARY_CODE_COLUMNS, "boundary_code", p)
    src_crs = _source_crs(gdf, crs, gcj02, p)
    gdf = gdf.set_crs(src_crs, allow_override=True)
    polygonal = np.isin(shapely.get_type_id(gdf.geometry.values), [3, 6])  # (Multi)Polygon
    polygonal &= ~gdf.geometry.is_empty.to_numpy()
    if (~polygonal).any():
        logger.info("%s: %d rows without a polygon skipped", p.name, int((~polygonal).sum()))
    rows = np.flatnonzero(polygonal)
    if not len(rows):
        raise FileFormatError(f"no polygons (boundaries) in {p}")
    kept = gdf.iloc[rows].reset_index(drop=True)
    wgs, _ = _to_wgs84(kept.geometry, src_crs, gcj02)
    codes = _code_text(kept[code]) if code else [""] * len(kept)
    table = frame(
        BOUNDARY_COLUMNS,
        {
            "osm_type": ["file"] * len(kept),
            "osm_id": (rows + 1).tolist(),
            "name": _text(kept[name]),
            "name_alt": [""] * len(kept),
            "admin_level": [0] * len(kept),
            "code": [c if c.isdigit() else "" for c in codes],
            "geometry": list(shapely.force_2d(wgs.values)),
        },
    )
    table["name"] = redact_shapes(table["name"])
    return table
