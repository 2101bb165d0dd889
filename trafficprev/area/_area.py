"""The :class:`Area` gazetteer, and building, saving and loading it.

An area is stored as one folder::

    areas/<name>/area.gpkg   layers edges, junctions, intersections, roads, pois, admin,
                             milestones, territories and the attribute table names (the
                             name index)
    areas/<name>/area.json   name, version, inputs (with hashes), settings, counts, and
                             the report on boundary polygons (``territories``)

Territories: when the OSM extract has ``boundary=administrative`` relations, or a road file
comes with a boundary layer, their polygons matched to the admin table
(:func:`~trafficprev.area._build.territories`) are the ``territories`` layer; a township is
then the polygon a point lies in. Without polygons, a township's territory is the points
nearer to its centre than to any other (the fallback).

``version`` is a hash of the input files' bytes and the build settings: the geocode cache
and overrides are keyed by it, so a rebuilt area from the same files keeps its cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from .._display import display_path
from .._errors import FileFormatError, InputFileNotFoundError, SchemaError
from .._io import write_gpkg
from .._outdir import file_sha256, is_output_error, output_error, restore, staged
from .._tables import read_table
from .._version import __version__
from ..coords import metric_crs, to_wgs84
from ..privacy import redact_shapes
from ..schema import POI_COLUMNS, require_columns
from . import _build
from ._admin import admin_aliases, read_admin_divisions
from ._names_index import build_name_table, read_user_aliases
from ._osm import RoadSource, read_osm
from ._roadfile import has_polygon_layer, read_boundary_file, read_road_file

__all__ = ["FORMAT_VERSION", "Area", "BuildOptions", "build_area", "load_area"]

logger = logging.getLogger(__name__)

#: Bumped when the stored layout, or what the build reads from the same inputs, changes; part
#: of the version hash, so that the geocode cache of an area built before is not reused.
#: 2: the territories layer; named landuse areas (商务区, 工业园, 茶场), bridges and tunnels
#: of the road network as POIs.
FORMAT_VERSION = 2
#: Formats :func:`load_area` reads (an area of format 1 has no territories: it loads with
#: none, and the nearest-centre territories apply, as when it was built).
READABLE_FORMATS = (1, 2)

_LAYERS = (
    "edges",
    "junctions",
    "intersections",
    "roads",
    "pois",
    "admin",
    "milestones",
    "territories",
)


@dataclass(frozen=True)
class BuildOptions:
    """How an area is built (part of its version).

    Parameters
    ----------
    merge_gap_m
        Pieces of roads with the same name closer than this are one road.
    intersection_radius_m
        Junction nodes of one pair of roads closer than this are one intersection.
    """

    merge_gap_m: float = 150.0
    intersection_radius_m: float = 60.0


@dataclass(frozen=True, eq=False)
class Area:
    """Everything known about one city's geography, in WGS-84.

    Attributes
    ----------
    name, version
        The area's name and the hash of its inputs and build options.
    edges
        Road graph edges: ``edge_id, way_id, u, v, name, road_key, road_id, ref, highway,
        oneway, bridge, tunnel, layer, length_m``, lines.
    junctions
        ``node_id, degree, n_roads, roads, township``, points.
    intersections
        ``inter_id, road_a, road_b, road_id_a, road_id_b, n_nodes, node_ids, township``.
    roads
        ``road_id, name, named, refs, highway, length_m, n_edges, townships``, multilines.
    pois
        ``poi_id, name, kind, source, township``, points.
    admin
        The admin divisions (``code, parent_code, level, name, aliases, kind, members,
        certain``) with their centre points (empty where unknown).
    names
        The name index: ``key, name, kind, target, source, certain``.
    milestones
        ``node_id, ref, distance_km``, points (may be empty).
    territories
        Boundary polygons matched to admin units: ``code, name, level, boundary_name,
        source, admin_level, matched_by``, WGS-84 MultiPolygons (empty when the inputs have
        no boundaries; see :func:`~trafficprev.area._build.territories`).
    meta
        Inputs with hashes, options, counts, build time, and ``territories``: the report on
        the boundaries read (matched, and each unmatched one with the reason).
    """

    name: str
    version: str
    edges: gpd.GeoDataFrame
    junctions: gpd.GeoDataFrame
    intersections: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    admin: gpd.GeoDataFrame
    names: pd.DataFrame
    milestones: gpd.GeoDataFrame
    territories: gpd.GeoDataFrame = field(default_factory=_build.empty_territories)
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Area({self.name!r}, version={self.version!r}, roads={len(self.roads)}, "
            f"intersections={len(self.intersections)}, pois={len(self.pois)}, "
            f"admin={len(self.admin)}, territories={len(self.territories)})"
        )

    @cached_property
    def crs_metric(self) -> str:
        """The projected CRS (UTM zone) used for metres in this area."""
        return str(self.meta.get("crs_metric") or _metric_of(self.edges, self.admin))

    @cached_property
    def _transformer(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.crs_metric, always_xy=True)

    def to_metric(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """Project WGS-84 lon/lat to metres in :attr:`crs_metric`."""
        return self._transformer.transform(np.asarray(lon, float), np.asarray(lat, float))

    def to_lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`to_metric`."""
        return self._transformer.transform(
            np.asarray(x, float), np.asarray(y, float), direction="INVERSE"
        )

    @cached_property
    def _township_index(self) -> tuple[cKDTree | None, np.ndarray]:
        return _township_index(self.admin, self.to_metric)

    @cached_property
    def _township_polygons(self) -> _Polygons | None:
        return _township_polygons(self.territories, self.admin)

    def township_of(self, lon: Any, lat: Any) -> np.ndarray:
        """The level-4 code of the township of each point.

        A point inside a township's polygon (:attr:`territories`) is in that township.
        Otherwise (admin boundaries are rarely available as polygons) the territory of a
        township is taken as the points nearer to its centre (or its villages' centres)
        than to any other; inside a county's polygon, only that county's townships are
        considered. Returns ``""`` where neither applies (no centres, no polygon).
        """
        lon, lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
        return _township_at(
            self._township_index, self.to_metric(lon, lat), self._township_polygons, (lon, lat)
        )


def _metric_of(edges: gpd.GeoDataFrame, admin: gpd.GeoDataFrame) -> str:
    pts = edges.geometry if len(edges) else admin.geometry.dropna()
    if len(pts) == 0:
        raise SchemaError("the area has neither roads nor admin centres: nothing to place on")
    c = shapely.centroid(pts.to_numpy()[: min(len(pts), 10000)])
    return metric_crs(shapely.get_x(c), shapely.get_y(c))


def _township_index(admin: pd.DataFrame, to_metric) -> tuple[cKDTree | None, np.ndarray]:
    """KD-tree over township (level 4) and village (level 5) centres -> level-4 code."""
    levels = admin["level"].astype(int)
    geom = admin.geometry
    has = ~geom.isna() & ~geom.is_empty if len(admin) else pd.Series(dtype=bool)
    rows = admin[levels.isin([4, 5]) & has & (admin["kind"] != "zone")]
    if rows.empty:
        return None, np.array([], dtype=object)
    code = np.where(rows["level"].astype(int) == 4, rows["code"], rows["parent_code"])
    x, y = to_metric(
        shapely.get_x(rows.geometry.to_numpy()), shapely.get_y(rows.geometry.to_numpy())
    )
    return cKDTree(np.column_stack([x, y])), code.astype(object)


@dataclass(frozen=True)
class _Polygons:
    """Township and county polygons (WGS-84) for :func:`_township_at`."""

    towns: shapely.STRtree | None  # level-4 polygons
    town_codes: np.ndarray
    counties: shapely.STRtree | None  # official level-3 polygons
    county_codes: np.ndarray
    county_of: dict[str, str]  # level-4 code -> its county's code


def _township_polygons(territories: pd.DataFrame, admin: pd.DataFrame) -> _Polygons | None:
    """Index the township and county polygons of `territories` (None when there are none)."""
    if territories is None or territories.empty:
        return None
    kind = dict(zip(admin["code"], admin["kind"], strict=True)) if len(admin) else {}
    level = territories["level"].astype(int).to_numpy()
    codes = territories["code"].astype(str).to_numpy()
    official = np.array([kind.get(c, "official") != "zone" for c in codes], dtype=bool)
    geoms = territories.geometry.to_numpy()

    def index(mask: np.ndarray) -> tuple[shapely.STRtree | None, np.ndarray]:
        return (shapely.STRtree(geoms[mask]) if mask.any() else None), codes[mask].astype(object)

    towns, town_codes = index((level == 4) & official)
    counties, county_codes = index((level == 3) & official)
    if towns is None and counties is None:
        return None
    parent = dict(zip(admin["code"], admin["parent_code"], strict=True))
    return _Polygons(towns, town_codes, counties, county_codes, parent)


def _township_at(
    index: tuple[cKDTree | None, np.ndarray],
    xy,
    polygons: _Polygons | None = None,
    lonlat=None,
) -> np.ndarray:
    """The township of metric points `xy`: nearest centre, or polygons when given.

    With `polygons` (and the same points as WGS-84 `lonlat`), a point inside (or on the
    edge of) a township polygon gets that township, and a point inside a county polygon
    gets the nearest centre among that county's townships (of the 12 nearest; else the
    nearest).
    """
    tree, codes = index
    x, y = np.atleast_1d(xy[0]), np.atleast_1d(xy[1])
    if tree is None:
        out = np.full(len(x), "", dtype=object)
    else:
        _, i = tree.query(np.column_stack([x, y]))
        out = codes[i].astype(object)
    if polygons is None or not len(x):
        return out
    pts = shapely.points(np.atleast_1d(lonlat[0]), np.atleast_1d(lonlat[1]))
    placed = np.zeros(len(x), dtype=bool)
    if polygons.towns is not None:
        p, g = polygons.towns.query(pts, predicate="intersects")
        first = np.unique(p, return_index=True)[1]
        out[p[first]] = polygons.town_codes[g[first]]
        placed[p] = True
    if polygons.counties is not None and tree is not None:
        p, g = polygons.counties.query(pts, predicate="intersects")
        first = np.unique(p, return_index=True)[1]
        p, g = p[first], g[first]
        keep = ~placed[p]
        p, g = p[keep], g[keep]
        county = polygons.county_codes[g]
        wrong = np.array(
            [polygons.county_of.get(t, "") != c for t, c in zip(out[p], county, strict=True)],
            dtype=bool,
        )
        p, county = p[wrong], county[wrong]
        if len(p):
            k = min(12, len(codes))
            _, near = tree.query(np.column_stack([x[p], y[p]]), k=k)
            near = near.reshape(len(p), -1)
            for row, (point, c) in enumerate(zip(p, county, strict=True)):
                for j in near[row]:
                    if polygons.county_of.get(codes[j], "") == c:
                        out[point] = codes[j]
                        break
    return out


# --- building -----------------------------------------------------------------------------


def _existing(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputFileNotFoundError(f"{what} file not found: {p}")
    return p


def read_pois(paths: Sequence[str | Path]) -> gpd.GeoDataFrame:
    """Read POI tables (名称, 类型, 经度, 纬度, 坐标系) into WGS-84 points.

    Rows without a valid point are skipped with a log line; ``poi_id`` is
    ``csv<k>:<file stem>:<row>`` (``k`` the file's position, so two files with the same name
    do not collide).

    Raises
    ------
    SchemaError
        If a table has no 经度/纬度 columns.
    """
    frames = []
    for k, path in enumerate(paths, 1):
        p = _existing(path, "POI")
        table, _ = read_table(p, POI_COLUMNS)
        require_columns(table, ["lon", "lat"], what=f"{p}: POI table")
        if table.empty:
            continue
        lon = pd.to_numeric(table.get("lon"), errors="coerce")
        lat = pd.to_numeric(table.get("lat"), errors="coerce")
        crs = table["crs"] if "crs" in table else pd.Series("", index=table.index)
        ok = lon.between(-180, 180) & lat.between(-90, 90) & table["name"].astype(str).ne("")
        if (~ok).any():
            logger.info("%s: %d POI rows without a usable point skipped", p.name, int((~ok).sum()))
        t = table[ok]
        wlon, wlat = to_wgs84(lon[ok].to_numpy(), lat[ok].to_numpy(), crs[ok].fillna("").to_numpy())
        frames.append(
            pd.DataFrame(
                {
                    "poi_id": f"csv{k}:{p.stem}:" + t["_row"].astype(str),
                    "name": redact_shapes(t["name"].astype(str).str.strip()),
                    "kind": t["kind"].fillna("").astype(str) if "kind" in t else "",
                    "source": display_path(p.name),
                    "lon": wlon,
                    "lat": wlat,
                }
            )
        )
    cols = ["poi_id", "name", "kind", "source", "lon", "lat"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _road_file_source(
    roads: str | Path,
    columns: tuple[str | None, str | None, str | None],
    crs: Any,
    gcj02: bool,
) -> tuple[RoadSource, dict[str, Any]]:
    """The roads of a vector road file (name, ref and highway `columns`), and how they were
    read (for the area's inputs)."""
    name_col, ref_col, highway_col = columns
    src = read_road_file(
        _existing(roads, "road"),
        name_col=name_col,
        ref_col=ref_col,
        highway_col=highway_col,
        crs=crs,
        gcj02=gcj02,
    )
    return src, {
        "path": display_path(roads),
        "sha256": file_sha256(Path(roads)),
        "name_col": name_col,
        "ref_col": ref_col,
        "highway_col": highway_col,
        "crs": crs,
        "gcj02": gcj02,
    }


def _boundary_source(
    boundaries: str | Path,
    columns: tuple[str | None, str | None],
    with_road_file: bool,
    crs: Any,
    gcj02: bool,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The polygons of a boundary file (name and code `columns`; the road file's `crs` and
    `gcj02` apply when the roads come from a road file), and how they were read."""
    name_col, code_col = columns
    table = read_boundary_file(
        _existing(boundaries, "boundary"),
        name_col=name_col,
        code_col=code_col,
        crs=crs if with_road_file else None,
        gcj02=gcj02 and with_road_file,
    )
    return table, {
        "path": display_path(boundaries),
        "sha256": file_sha256(Path(boundaries)),
        "name_col": name_col,
        "code_col": code_col,
    }


def _road_file_polygons(
    roads: str | Path, crs: Any, gcj02: bool, inputs: dict[str, Any]
) -> list[gpd.GeoDataFrame]:
    """The boundaries of the polygon layer of a road file (recorded in `inputs`), or none
    when that layer has no name column (with a log line)."""
    try:
        table = read_boundary_file(roads, crs=crs, gcj02=gcj02)
        inputs["boundaries"] = {"path": display_path(roads), "from": "road file"}
    except SchemaError as exc:
        logger.info("the polygon layer of %s is not used: %s", display_path(roads), exc)
        return []
    return [table]


def _admin_source(
    admin: str | Path, zones: str | Path | None, inputs: dict[str, Any]
) -> pd.DataFrame:
    """The admin divisions (with `zones`), recorded in `inputs`."""
    divisions = read_admin_divisions(admin, zones=zones)
    if zones is not None:
        inputs["zones"] = {"path": display_path(zones), "sha256": file_sha256(Path(zones))}
    if str(admin) == "changde":
        inputs["admin"] = {
            "path": "bundled:changde",
            "sha256": hashlib.sha256(divisions.to_csv().encode()).hexdigest(),
        }
    else:
        inputs["admin"] = {"path": display_path(admin), "sha256": file_sha256(Path(admin))}
    return divisions


def _poi_and_alias_sources(
    pois: str | Path | Sequence[str | Path],
    aliases: str | Path | None,
    inputs: dict[str, Any],
) -> tuple[list[Path], pd.DataFrame | None]:
    """The POI files (checked to exist) and the user aliases, recorded in `inputs`."""
    if isinstance(pois, str | Path):
        pois = [pois]
    poi_paths = [_existing(p, "POI") for p in pois]
    inputs["pois"] = [{"path": display_path(p), "sha256": file_sha256(p)} for p in poi_paths]
    user = None
    if aliases is not None:
        user = read_user_aliases(_existing(aliases, "alias"))
        inputs["aliases"] = {"path": display_path(aliases), "sha256": file_sha256(Path(aliases))}
    return poi_paths, user


def _territories_of(
    bounds: list[gpd.GeoDataFrame], divisions: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The territories of the admin units from the boundary tables, and the report."""
    found = [b for b in bounds if len(b)]
    boundary_table = pd.concat(found, ignore_index=True) if found else bounds[0]
    terr, terr_report = _build.territories(boundary_table, divisions)
    if terr_report["boundaries"]:
        logger.info(
            "%d boundaries, %d matched to admin units, %d not used",
            terr_report["boundaries"],
            terr_report["matched"],
            len(terr_report["unmatched"]),
        )
    return terr, terr_report


def _area_version(options: BuildOptions, inputs: dict[str, Any]) -> str:
    """The version of an area: a hash of the format, the options and the inputs' hashes."""
    return hashlib.sha256(
        json.dumps(
            {
                "format": FORMAT_VERSION,
                "options": dataclasses.asdict(options),
                "inputs": {k: _hashes(v) for k, v in inputs.items()},
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]


def build_area(
    name: str,
    *,
    osm: str | Path | None = None,
    roads: str | Path | None = None,
    name_col: str | None = None,
    ref_col: str | None = None,
    highway_col: str | None = None,
    crs: str | None = None,
    gcj02: bool = False,
    pois: str | Path | Sequence[str | Path] = (),
    admin: str | Path = "changde",
    aliases: str | Path | None = None,
    zones: str | Path | None = None,
    boundaries: str | Path | None = None,
    boundary_name_col: str | None = None,
    boundary_code_col: str | None = None,
    options: BuildOptions | None = None,
) -> Area:
    """Build an area gazetteer from a road source, POIs and admin divisions.

    Parameters
    ----------
    name
        The area's name (a folder name: letters, digits, ``-``, ``_`` or Chinese).
    osm
        An OpenStreetMap extract (``.osm`` or ``.osm.pbf``); its named POIs are used too.
    roads
        Instead of `osm`: a road vector file (GeoPackage, Shapefile, GeoJSON).
    name_col, ref_col, highway_col, crs, gcj02
        For `roads`: the name, route-code and road-class columns, the CRS when the file
        declares none (or a wrong one), and whether its coordinates are GCJ-02.
    pois
        POI tables (名称, 类型, 经度, 纬度, 坐标系): one path or several.
    admin
        ``"changde"`` for the bundled real Changde divisions, or an admin-divisions CSV.
    aliases
        A user alias CSV (别名, 标准名称, 类型).
    zones
        An edited copy of the functional-zone table (``zones.csv`` of the bundled Changde
        divisions) with the memberships the centre has confirmed.
    boundaries
        A boundary layer: a vector file of administrative polygons with a name column (and
        optionally a division-code column), e.g. the polygon layer of the road GeoPackage
        (:func:`~trafficprev.area._roadfile.read_boundary_file`). Its polygons are matched to
        the admin table with those of the OSM extract's ``boundary=administrative``
        relations; for a unit found in both, the file's polygon is used. With `roads`,
        `crs` and `gcj02` apply to it too (when it declares no CRS). When not given and the
        road file has a polygon layer (a GeoPackage of roads and boundaries), that layer is
        read (when it has a name column; else it is ignored, with a log line).
    boundary_name_col, boundary_code_col
        The name and division-code columns of `boundaries` (default: the usual names).
    options
        Build options.

    Returns
    -------
    Area

    Raises
    ------
    InputFileNotFoundError
        If an input file does not exist.
    FileFormatError, SchemaError
        If an input cannot be read, or the area would be empty.
    """
    options = options or BuildOptions()
    if (osm is None) == (roads is None):
        raise SchemaError("give exactly one road source: osm=… or roads=…")
    started = time.perf_counter()
    inputs: dict[str, Any] = {}
    if osm is not None:
        src = read_osm(_existing(osm, "OSM"))
        inputs["osm"] = {"path": display_path(osm), "sha256": file_sha256(Path(osm))}
    else:
        src, inputs["roads"] = _road_file_source(
            roads, (name_col, ref_col, highway_col), crs, gcj02
        )
    bounds = [src.boundaries]
    if boundaries is None and roads is not None and has_polygon_layer(roads):
        bounds += _road_file_polygons(roads, crs, gcj02, inputs)
    if boundaries is not None:
        table, inputs["boundaries"] = _boundary_source(
            boundaries, (boundary_name_col, boundary_code_col), roads is not None, crs, gcj02
        )
        bounds.append(table)
    divisions = _admin_source(admin, zones, inputs)
    poi_paths, user = _poi_and_alias_sources(pois, aliases, inputs)
    version = _area_version(options, inputs)
    terr, terr_report = _territories_of(bounds, divisions)
    area = _assemble(name, version, src, divisions, read_pois(poi_paths), user, options, terr)
    area.meta.update(
        inputs=inputs,
        options=dataclasses.asdict(options),
        build_seconds=round(time.perf_counter() - started, 3),
        trafficprev=__version__,
        source_dropped=dict(getattr(src, "dropped", {}) or {}),
        territories=terr_report,
    )
    return area


def _hashes(value: Any) -> Any:
    """What of an input enters the version: its content hash and options, not its path."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "path"}
    if isinstance(value, list):
        return [_hashes(v) for v in value]
    return value


def _admin_layer(divisions: pd.DataFrame) -> gpd.GeoDataFrame:
    lon = pd.to_numeric(divisions["lon"], errors="coerce") if "lon" in divisions else None
    lat = pd.to_numeric(divisions["lat"], errors="coerce") if "lat" in divisions else None
    if lon is None or lat is None:
        geom = np.full(len(divisions), None, dtype=object)
    else:
        has = lon.notna() & lat.notna()
        geom = np.where(has, shapely.points(lon.fillna(0), lat.fillna(0)), None)
    cols = [c for c in divisions.columns if c not in ("lon", "lat")]
    return gpd.GeoDataFrame(
        divisions[cols].reset_index(drop=True), geometry=list(geom), crs="EPSG:4326"
    )


def _assemble(
    name: str,
    version: str,
    src: RoadSource,
    divisions: pd.DataFrame,
    csv_pois: pd.DataFrame,
    user_aliases: pd.DataFrame | None,
    options: BuildOptions,
    territories: gpd.GeoDataFrame | None = None,
) -> Area:
    admin = _admin_layer(divisions)
    if territories is None:
        territories = _build.empty_territories()
    lon = np.concatenate([src.nodes["lon"].to_numpy(float), [np.nan]])
    lat = np.concatenate([src.nodes["lat"].to_numpy(float), [np.nan]])
    crs_metric = metric_crs(lon[:-1], lat[:-1]) if len(src.nodes) else "EPSG:3857"
    transformer = Transformer.from_crs("EPSG:4326", crs_metric, always_xy=True)

    def to_metric(lo, la):
        return transformer.transform(np.asarray(lo, float), np.asarray(la, float))

    edges = _build.split_edges(src, to_metric)
    if edges.empty:
        raise FileFormatError(f"{src.source}: no road edges after cleaning; the area is empty")
    index = _township_index(admin, to_metric)
    polygons = _township_polygons(territories, admin)

    def town_at(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return _township_at(index, to_metric(lon, lat), polygons, (lon, lat))

    mid = shapely.line_interpolate_point(edges.geometry.to_numpy(), 0.5, normalized=True)
    town = town_at(shapely.get_x(mid), shapely.get_y(mid))
    county_of_town = dict(zip(admin["code"], admin["parent_code"], strict=True))
    edge_county = np.array([county_of_town.get(t, "") for t in town], dtype=object)
    roads, road_of_edge = _build.merge_roads(
        edges, to_metric, merge_gap_m=options.merge_gap_m, edge_county=edge_county
    )
    edges.insert(6, "road_id", road_of_edge.to_numpy())
    junctions = _build.junctions(edges, src.nodes)
    node_roads = pd.concat(
        [
            edges[["u", "road_id", "road_key"]].set_axis(["node_id", "road_id", "name"], axis=1),
            edges[["v", "road_id", "road_key"]].set_axis(["node_id", "road_id", "name"], axis=1),
        ]
    )
    node_roads = node_roads[node_roads["node_id"].isin(junctions["node_id"])]
    inters = _build.intersections(
        junctions, node_roads, to_metric, radius_m=options.intersection_radius_m
    )

    def township(gdf: gpd.GeoDataFrame) -> np.ndarray:
        g = gdf.geometry.to_numpy()
        return town_at(shapely.get_x(g), shapely.get_y(g))

    junctions["township"] = township(junctions) if len(junctions) else []
    inters["township"] = township(inters) if len(inters) else []
    towns = _road_townships(edges, src.nodes, town_at)
    roads["townships"] = roads["road_id"].map(towns).fillna("")
    pois = _pois(src.pois, csv_pois)
    pois["township"] = township(pois) if len(pois) else []
    milestones = _milestones(src.milestones)
    names = build_name_table(
        roads=roads.loc[roads["named"], "name"].unique().tolist(),
        refs=_ref_roads(roads),
        admin_aliases=admin_aliases(divisions),
        pois=pois[["poi_id", "name"]],
        user_aliases=user_aliases,
    )
    meta = {
        "crs_metric": crs_metric,
        "counts": {
            "ways": len(src.ways),
            "edges": len(edges),
            "roads": len(roads),
            "junctions": len(junctions),
            "intersections": len(inters),
            "pois": len(pois),
            "admin": len(admin),
            "names": len(names),
            "milestones": len(milestones),
            "territories": len(territories),
        },
    }
    return Area(
        name=name,
        version=version,
        edges=edges,
        junctions=junctions,
        intersections=inters,
        roads=roads,
        pois=pois,
        admin=admin,
        names=names,
        milestones=milestones,
        territories=territories,
        meta=meta,
    )


def _road_townships(
    edges: pd.DataFrame,
    nodes: pd.DataFrame,
    town_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> pd.Series:
    """Road id -> its townships (``|``-joined, sorted): those of its edges' end nodes."""
    ends = pd.concat(
        [
            edges[["u", "road_id"]].set_axis(["node_id", "road_id"], axis=1),
            edges[["v", "road_id"]].set_axis(["node_id", "road_id"], axis=1),
        ]
    )
    ends = ends[ends["road_id"] != ""].drop_duplicates()
    xy = nodes.set_index("node_id").loc[ends["node_id"], ["lon", "lat"]].to_numpy(float)
    ends["township"] = town_at(xy[:, 0], xy[:, 1])
    return (
        ends[ends["township"] != ""]
        .groupby("road_id")["township"]
        .agg(lambda s: "|".join(sorted(set(s))))
    )


def _ref_roads(roads: pd.DataFrame) -> dict[str, list[str]]:
    """Road code (G319, S306 …) -> the names of the roads that carry it, sorted."""
    refs: dict[str, set[str]] = {}
    for rid, codes in zip(roads["name"], roads["refs"], strict=True):
        for code in filter(None, codes.split("|")):
            refs.setdefault(code, set()).add(rid)
    return {k: sorted(v) for k, v in refs.items()}


def _pois(osm_pois: pd.DataFrame, csv_pois: pd.DataFrame) -> gpd.GeoDataFrame:
    parts = []
    if len(osm_pois):
        o = osm_pois
        parts.append(
            pd.DataFrame(
                {
                    "poi_id": o["source"].astype(str)
                    + ":"
                    + o["osm_type"].astype(str).str[0]
                    + o["osm_id"].astype(str),
                    "name": o["name"].astype(str),
                    "kind": o["kind"].astype(str),
                    "source": o["source"].astype(str),
                    "lon": o["lon"].astype(float),
                    "lat": o["lat"].astype(float),
                }
            )
        )
    if len(csv_pois):
        parts.append(csv_pois)
    cols = ["poi_id", "name", "kind", "source", "lon", "lat"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    frame = frame[frame["name"].astype(str).str.strip() != ""]
    frame = frame.drop_duplicates("poi_id").sort_values("poi_id").reset_index(drop=True)
    geom = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    return gpd.GeoDataFrame(frame[cols[:4]], geometry=geom, crs="EPSG:4326")


def _milestones(ms: pd.DataFrame) -> gpd.GeoDataFrame:
    cols = ["node_id", "ref", "distance_km"]
    if ms is None or ms.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
    ms = ms.dropna(subset=["distance_km"]).reset_index(drop=True)
    return gpd.GeoDataFrame(
        ms[cols], geometry=shapely.points(ms["lon"], ms["lat"]), crs="EPSG:4326"
    )


# --- storing ------------------------------------------------------------------------------


def save_area(area: Area, folder: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
    """Write `area` to `folder` (``area.gpkg`` + ``area.json``) atomically.

    `folder` must be new, empty or an area folder trafficprev made (anything else is
    refused, nothing changed). The layers are written into a staging folder next to
    `folder`, which then replaces it (:mod:`trafficprev._outdir`), so an interrupted save
    leaves the previous area intact. Every other file and sub-folder of the folder (the
    geocode cache, the user's own files) is kept: the cache is keyed by the area version, so
    a rebuild from the same inputs keeps using it.

    Parameters
    ----------
    area
        The area to store.
    folder
        The area folder, e.g. ``areas/changde``.
    inputs
        The files the area was built from (none may be inside `folder`).

    Returns
    -------
    pathlib.Path
        `folder`.

    Raises
    ------
    OutputRefusedError
        If `folder` is not a place an area may be written.
    """
    target = Path(folder)
    try:
        with staged(target, "area", inputs=[*_input_paths(area.meta), *inputs]) as stage:
            layers = {layer: getattr(area, layer) for layer in _LAYERS}
            write_gpkg(stage.path / "area.gpkg", {**layers, "names": area.names}, atomic=False)
            meta = {
                "name": area.name,
                "version": area.version,
                "format": FORMAT_VERSION,
                **area.meta,
            }
            (stage.path / "area.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
            )
            stage.commit()
    except OSError as exc:
        if is_output_error(exc, target):
            raise output_error(exc, target, "area") from exc
        raise
    return target


def _input_paths(meta: dict[str, Any]) -> list[Path]:
    """The files an area was built from, as its ``meta["inputs"]`` records them."""
    found: list[Path] = []
    for value in (meta.get("inputs") or {}).values():
        for item in value if isinstance(value, list) else [value]:
            path = item.get("path") if isinstance(item, dict) else None
            if isinstance(path, str) and path and not path.startswith("bundled:"):
                found.append(Path(path))
    return found


def load_area(folder: str | Path) -> Area:
    """Load an area saved by :func:`save_area` (or ``trafficprev area build``).

    Raises
    ------
    InputFileNotFoundError
        If the folder has no ``area.gpkg`` / ``area.json``.
    FileFormatError
        If the files are corrupt or of a format this version does not read
        (:data:`READABLE_FORMATS`): rebuild the area. An area of format 1 (before
        territories) loads with no territories, as it was built.
    """
    folder = Path(folder)
    restore(folder)  # a save killed between the two renames of its swap left it aside
    gpkg, meta_path = folder / "area.gpkg", folder / "area.json"
    if not gpkg.is_file() or not meta_path.is_file():
        raise InputFileNotFoundError(
            f"no area in {folder} (expected area.gpkg and area.json); build it with "
            f"`trafficprev area build`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        fmt = meta.get("format")
        if fmt not in READABLE_FORMATS:
            raise FileFormatError(
                f"{folder}: area format {fmt} but this trafficprev reads "
                f"{', '.join(map(str, READABLE_FORMATS))}; rebuild it with "
                f"`trafficprev area build`"
            )
        stored = _LAYERS if fmt >= 2 else tuple(x for x in _LAYERS if x != "territories")
        layers = {layer: pyogrio.read_dataframe(gpkg, layer=layer) for layer in stored}
        names = pyogrio.read_dataframe(gpkg, layer="names", read_geometry=False)
    except FileFormatError:
        raise
    except Exception as exc:  # pyogrio/GDAL errors, JSON errors: one clear message
        raise FileFormatError(
            f"{folder}: the stored area cannot be read ({type(exc).__name__}: {exc}); "
            f"rebuild it with `trafficprev area build`"
        ) from exc
    for key in ("code", "parent_code"):
        layers["admin"][key] = layers["admin"][key].astype(str)
    layers["territories"] = _territories_layer(layers.get("territories"))
    for gdf in layers.values():
        for col in gdf.columns:
            if gdf[col].dtype == object:
                gdf[col] = gdf[col].fillna("")
    names["certain"] = names["certain"].astype(bool)
    version = str(meta.pop("version"))
    name = str(meta.pop("name"))
    meta.pop("format", None)
    return Area(name=name, version=version, names=names, meta=meta, **layers)


def _territories_layer(stored: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The stored territories layer with its dtypes (empty for an area of format 1)."""
    empty = _build.empty_territories()
    if stored is None or stored.empty:
        return empty
    out = stored.copy()
    for col in _build.TERRITORY_COLUMNS:
        if col not in out:
            out[col] = empty[col]
    out["code"] = out["code"].astype(str)
    out["level"] = out["level"].astype("int64")
    out["admin_level"] = out["admin_level"].astype("int64")
    cols = [*_build.TERRITORY_COLUMNS, out.geometry.name]
    return gpd.GeoDataFrame(out[cols], geometry=out.geometry.name, crs="EPSG:4326")
