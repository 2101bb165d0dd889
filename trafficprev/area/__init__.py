"""The area gazetteer: roads, junctions, intersections, POIs and admin divisions of a city.

Build it once per road extract with :func:`build_area` (or ``trafficprev area build``),
save it with :func:`save_area`, and load it in every run with :func:`load_area`. The
admin divisions come from the bundled real Changde tables (``admin="changde"``) or, for any
other area, from an admin-divisions CSV (see ``design.md``); their boundary polygons, when
the OSM extract has ``boundary=administrative`` relations or a boundary layer is given
(:func:`read_boundary_file`), are the area's territories.

Examples
--------
>>> from trafficprev.area import build_area
>>> from trafficprev.datasets import demo_files
>>> files = demo_files()
>>> area = build_area("demo", osm=files["roads"][0], pois=files["pois"],
...                   admin=files["divisions"][0])
>>> area.crs_metric
'EPSG:32649'
"""

from ._admin import (
    admin_aliases,
    admin_scope,
    admin_scopes,
    county_of,
    kept_short_forms,
    read_admin_divisions,
    short_forms,
)
from ._area import Area, BuildOptions, build_area, load_area, read_pois, save_area
from ._build import HIGHWAY_RANK, to_metric_geoms
from ._names_index import (
    NAME_KINDS,
    NAME_SOURCES,
    NAME_TABLE_COLUMNS,
    POI_PREFIXES,
    build_name_table,
    read_user_aliases,
)
from ._osm import RoadSource, read_osm
from ._roadfile import read_boundary_file, read_road_file

__all__ = [
    "HIGHWAY_RANK",
    "NAME_KINDS",
    "NAME_SOURCES",
    "NAME_TABLE_COLUMNS",
    "POI_PREFIXES",
    "Area",
    "BuildOptions",
    "RoadSource",
    "admin_aliases",
    "admin_scope",
    "admin_scopes",
    "build_area",
    "build_name_table",
    "county_of",
    "kept_short_forms",
    "load_area",
    "read_admin_divisions",
    "read_boundary_file",
    "read_osm",
    "read_pois",
    "read_road_file",
    "read_user_aliases",
    "save_area",
    "short_forms",
    "to_metric_geoms",
]
