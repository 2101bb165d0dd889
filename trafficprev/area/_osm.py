"""Read an OpenStreetMap extract into a :class:`RoadSource`, the raw input of the gazetteer.

One streaming pass with :class:`osmium.FileProcessor` (node locations cached in memory, areas
assembled for multipolygon and boundary relations) collects:

- the road network: ways tagged ``highway=*`` except values that are not (yet, or any longer)
  roads (``proposed``, ``construction``, ``abandoned``, ``platform`` …), with the nodes they use;
- landmarks (POIs) in a small class set suited to Chinese place descriptions (school, hospital,
  market, industrial park, business district, …), each at its node or at the centroid of its
  closed way or multipolygon;
- named bridges and tunnels of the road network (``bridge=yes`` with ``bridge:name``,
  ``tunnel=yes`` with ``tunnel:name``, or a road whose name ends in 桥/隧道) as landmarks on
  their road (:func:`crossing_pois`);
- named places (``place=*``) and the ``admin_level`` of administrative boundaries;
- the territories of administrative boundaries (``boundary=administrative`` relations, and
  closed ways, with ``admin_level`` in :data:`BOUNDARY_LEVELS`), as (multi)polygons assembled
  by osmium's area support (outer and inner rings, several outer rings);
- milestones (``highway=milestone``) with their distance in kilometres.

Everything is in WGS-84 degrees. Names prefer ``name:zh`` over ``name`` and are NFKC-normalised
and stripped. Reading XML (``.osm``, also ``.osm.gz``/``.osm.bz2``) and PBF gives identical tables.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd
import shapely

from .._errors import FileFormatError, InputFileNotFoundError
from ..privacy import redact_shapes

__all__ = [
    "BOUNDARY_COLUMNS",
    "BOUNDARY_LEVELS",
    "CROSSING_ENDS",
    "MILESTONE_COLUMNS",
    "NODE_COLUMNS",
    "NON_ROAD_HIGHWAYS",
    "PLACE_COLUMNS",
    "POI_COLUMNS",
    "POI_KINDS",
    "REDACTED_COLUMNS",
    "WAY_COLUMNS",
    "RoadSource",
    "crossing_pois",
    "parse_distance_km",
    "read_osm",
    "redact_source",
]

logger = logging.getLogger(__name__)

#: Columns (and dtypes) of :attr:`RoadSource.nodes`.
NODE_COLUMNS: dict[str, str] = {"node_id": "int64", "lon": "float64", "lat": "float64"}
#: Columns (and dtypes) of :attr:`RoadSource.ways`; ``node_ids`` holds tuples of ints.
WAY_COLUMNS: dict[str, str] = {
    "way_id": "int64",
    "node_ids": "object",
    "highway": "str",
    "name": "str",
    "name_alt": "str",
    "ref": "str",
    "oneway": "bool",
    "junction": "str",
    "bridge": "bool",
    "tunnel": "bool",
    "layer": "int64",
}
#: Columns (and dtypes) of :attr:`RoadSource.pois`.
POI_COLUMNS: dict[str, str] = {
    "source": "str",
    "osm_type": "str",
    "osm_id": "int64",
    "name": "str",
    "kind": "str",
    "tag": "str",
    "lon": "float64",
    "lat": "float64",
}
#: Columns (and dtypes) of :attr:`RoadSource.places`; ``admin_level`` is missing when unknown.
PLACE_COLUMNS: dict[str, str] = {
    "osm_type": "str",
    "osm_id": "int64",
    "name": "str",
    "place": "str",
    "lon": "float64",
    "lat": "float64",
    "admin_level": "Int64",
}
#: Columns (and dtypes) of :attr:`RoadSource.milestones`; ``distance_km`` is NaN when unparsable.
MILESTONE_COLUMNS: dict[str, str] = {
    "node_id": "int64",
    "lon": "float64",
    "lat": "float64",
    "ref": "str",
    "distance_km": "float64",
}

#: Columns (and dtypes) of :attr:`RoadSource.boundaries`; ``geometry`` holds a shapely
#: MultiPolygon in WGS-84 degrees, or None for a relation osmium could not assemble (members
#: missing from the extract, rings that do not close); ``admin_level`` is 0 when unknown.
BOUNDARY_COLUMNS: dict[str, str] = {
    "osm_type": "str",
    "osm_id": "int64",
    "name": "str",
    "name_alt": "str",
    "admin_level": "int64",
    "code": "str",
    "geometry": "object",
}
#: ``admin_level`` values whose boundaries are kept as territories: in China 5 prefecture,
#: 6 county or district, 7 (a county-level unit in some extracts), 8 township or street.
BOUNDARY_LEVELS: frozenset[int] = frozenset({5, 6, 7, 8})
#: Tags that may hold a division code on a boundary (first non-empty one of digits wins).
BOUNDARY_CODE_KEYS: tuple[str, ...] = ("ref:adcode", "adcode", "ref:gb", "gb:code", "ref")

#: ``highway=*`` values that are not roads: such ways are dropped (counted as ``non_road``).
NON_ROAD_HIGHWAYS: frozenset[str] = frozenset(
    {
        "proposed",
        "construction",
        "abandoned",
        "disused",
        "planned",
        "dismantled",
        "demolished",
        "removed",
        "razed",
        "no",
        "platform",
        "bus_stop",
        "elevator",
        "corridor",
        "raceway",
        "services",
        "rest_area",
    }
)

#: Named ``landuse=*`` areas that are farms, plantations and the like (茶场, 果园, 农场): landmarks
#: a rural place description names (kind ``farm``).
_FARM_LANDUSE: frozenset[str] = frozenset(
    {"farmyard", "orchard", "plantation", "vineyard", "aquaculture", "greenhouse_horticulture"}
)
#: Endings of a road name that make the road a named bridge or tunnel even without the
#: ``bridge``/``tunnel`` tag (荻花大桥, 凤栖岭隧道), by kind.
CROSSING_ENDS: dict[str, tuple[str, ...]] = {"bridge": ("桥",), "tunnel": ("隧道", "隧洞")}

# (key, accepted values or None for any value but "no", kind), first match wins.
_POI_RULES: tuple[tuple[str, frozenset[str] | None, str], ...] = (
    ("amenity", frozenset({"school", "college", "university", "kindergarten"}), "school"),
    ("amenity", frozenset({"hospital", "clinic"}), "hospital"),
    ("healthcare", frozenset({"hospital", "clinic"}), "hospital"),
    ("amenity", frozenset({"marketplace"}), "market"),
    ("shop", frozenset({"mall", "supermarket"}), "market"),
    ("amenity", frozenset({"bus_station"}), "bus_station"),
    ("highway", frozenset({"bus_stop"}), "bus_station"),
    ("railway", frozenset({"station", "halt"}), "train_station"),
    ("leisure", frozenset({"park"}), "park"),
    ("amenity", frozenset({"townhall"}), "government"),
    ("office", frozenset({"government"}), "government"),
    ("amenity", frozenset({"police"}), "police"),
    ("amenity", frozenset({"fuel"}), "fuel"),
    ("man_made", frozenset({"bridge"}), "bridge"),
    ("bridge:name", None, "bridge"),
    ("tunnel:name", None, "tunnel"),
    ("landuse", frozenset({"residential"}), "community"),
    ("place", frozenset({"neighbourhood", "quarter"}), "community"),
    ("landuse", frozenset({"commercial", "retail"}), "commercial"),
    ("landuse", frozenset({"industrial"}), "industrial"),
    ("industrial", None, "industrial"),
    ("landuse", _FARM_LANDUSE, "farm"),
    ("place", frozenset({"farm"}), "farm"),
    ("landuse", frozenset({"cemetery", "quarry", "landfill"}), "landmark"),
    ("place", frozenset({"square"}), "landmark"),
    ("office", frozenset({"company"}), "company"),
    ("man_made", frozenset({"works"}), "company"),
    ("tourism", None, "landmark"),
    ("historic", None, "landmark"),
    ("amenity", None, "other"),
    ("shop", None, "other"),
)
#: The POI classes, in rule order.
POI_KINDS: tuple[str, ...] = tuple(dict.fromkeys(kind for _, _, kind in _POI_RULES))
_POI_KEYS = frozenset(key for key, _, _ in _POI_RULES)
_HIGHWAY_ONLY = frozenset({"highway"})

# Other names of an object, in the order they go into ``name_alt``.
_ALT_NAME_KEYS = (
    "name",
    "name:zh-Hans",
    "name:zh-Hant",
    "name:zh-CN",
    "alt_name",
    "alt_name:zh",
    "old_name",
    "old_name:zh",
    "official_name",
    "official_name:zh",
    "short_name",
    "short_name:zh",
    "loc_name",
    "loc_name:zh",
    "reg_name",
    "nat_name",
)
# Objects without any of these keys never reach Python.
_KEYS = tuple(sorted(_POI_KEYS | {"highway", "place", "boundary", "name", "name:zh"}))
# Relations considered for area assembly (first pass).
_AREA_KEYS = tuple(sorted(_POI_KEYS | {"place", "boundary"}))

_UNDEFINED = 2147483647  # osmium::Location::undefined_coordinate
_PRECISION = 10_000_000.0  # osmium fixed-point coordinate units per degree
_TRUE = frozenset({"yes", "true", "1"})
_OSM_TYPE = {"n": "node", "w": "way", "r": "relation"}
_TYPE_RANK = {"node": 0, "way": 1, "relation": 2}
_KM = re.compile(
    r"^(?P<unit>mi:)?\s*[Kk]?\s*(?P<km>\d+(?:[.,]\d+)?)\s*(?:\+\s*(?P<m>\d+(?:[.,]\d+)?))?\s*"
    r"(?:km|公里)?$"
)


@dataclass(frozen=True, eq=False, repr=False)
class RoadSource:
    """Roads, landmarks, places and milestones of one source, in WGS-84 degrees.

    Attributes
    ----------
    nodes
        Every node used by a kept way: ``node_id`` (int64), ``lon``, ``lat`` (WGS-84 degrees),
        sorted by ``node_id``; see :data:`NODE_COLUMNS`.
    ways
        One row per kept road way, in file order: ``way_id``, ``node_ids`` (tuple of node ids,
        in drawing order), ``highway``, ``name``, ``name_alt`` (``|``-joined other names),
        ``ref`` (e.g. ``"G319;S224"``), ``oneway``, ``junction``, ``bridge``, ``tunnel``,
        ``layer``; see :data:`WAY_COLUMNS`.
    pois
        Named landmarks: ``source``, ``osm_type``, ``osm_id``, ``name``, ``kind`` (one of
        :data:`POI_KINDS`), ``tag`` (the ``key=value`` that made it a POI), ``lon``, ``lat``;
        the named bridges and tunnels of the roads among them (:func:`crossing_pois`).
    places
        Named places and administrative areas: ``osm_type``, ``osm_id``, ``name``, ``place``,
        ``lon``, ``lat``, ``admin_level`` (nullable).
    milestones
        ``highway=milestone`` nodes: ``node_id``, ``lon``, ``lat``, ``ref``, ``distance_km``.
    source
        The file the data came from.
    crs_note
        Where the coordinates came from, e.g. ``"OSM (WGS-84)"``.
    dropped
        Number of source objects left out, by reason (e.g. ``non_road``, ``too_few_nodes``,
        ``missing_nodes``).
    boundaries
        Administrative boundaries: ``osm_type``, ``osm_id``, ``name``, ``name_alt``,
        ``admin_level``, ``code`` (a division code from :data:`BOUNDARY_CODE_KEYS`, or
        ``""``), ``geometry`` (WGS-84 MultiPolygon, None when it could not be assembled);
        see :data:`BOUNDARY_COLUMNS`. Empty for a source without boundaries.
    """

    nodes: pd.DataFrame
    ways: pd.DataFrame
    pois: pd.DataFrame
    places: pd.DataFrame
    milestones: pd.DataFrame
    source: str
    crs_note: str
    dropped: dict[str, int] = field(default_factory=dict)
    boundaries: pd.DataFrame = field(default_factory=lambda: frame(BOUNDARY_COLUMNS))

    def __repr__(self) -> str:
        return (
            f"RoadSource(source={self.source!r}, crs_note={self.crs_note!r}, "
            f"ways={len(self.ways)}, nodes={len(self.nodes)}, pois={len(self.pois)}, "
            f"places={len(self.places)}, milestones={len(self.milestones)}, "
            f"boundaries={len(self.boundaries)}, dropped={self.dropped!r})"
        )


#: Text columns of a :class:`RoadSource` that :func:`redact_source` redacts, by table.
REDACTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "ways": ("name", "name_alt", "ref"),
    "pois": ("name", "tag"),
    "places": ("name",),
    "milestones": ("ref",),
    "boundaries": ("name", "name_alt"),
}


def redact_source(src: RoadSource) -> RoadSource:
    """`src` with personal data in its names replaced by placeholders.

    OSM names are public text anyone can edit, and real shop and POI names carry phone
    numbers: an ID number, phone number, vehicle plate or decision number in a road name,
    an alternative name, a route code, a POI or place name (and the POI's ``tag``, which may
    hold its name: ``bridge:name=…``)
    (:data:`REDACTED_COLUMNS`) becomes ``〔电话已隐去〕`` etc.
    (:func:`trafficprev.privacy.redact_shapes`), before the name index is built, so a place
    text and a road name lose the same phone. Everything else (G319, 人民路128号) is kept.

    Examples
    --------
    >>> ways = frame(WAY_COLUMNS, {"way_id": [1], "node_ids": [(1, 2)], "highway": ["primary"],
    ...     "name": ["人民路（电话13907361234）"], "name_alt": [""], "ref": ["G319"],
    ...     "oneway": [False], "junction": [""], "bridge": [False], "tunnel": [False],
    ...     "layer": [0]})
    >>> src = RoadSource(frame(NODE_COLUMNS), ways, frame(POI_COLUMNS), frame(PLACE_COLUMNS),
    ...     frame(MILESTONE_COLUMNS), "x.osm", "OSM (WGS-84)")
    >>> redact_source(src).ways[["name", "ref"]].values.tolist()
    [['人民路（电话〔电话已隐去〕）', 'G319']]
    """
    changed = {}
    for table, columns in REDACTED_COLUMNS.items():
        df = getattr(src, table)
        cols = [c for c in columns if c in df.columns]
        if len(df) and cols:
            changed[table] = df.assign(**{c: redact_shapes(df[c]) for c in cols})
    return dataclasses.replace(src, **changed)


def frame(columns: dict[str, str], data: dict[str, Any] | None = None) -> pd.DataFrame:
    """Build a frame with exactly `columns` (name -> dtype) from column lists (empty if None)."""
    data = data or {}
    out = {}
    for name, dtype in columns.items():
        values = data.get(name, [])
        if dtype == "object":
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            out[name] = pd.Series(arr, dtype=object)
        else:
            out[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(out)


@lru_cache(maxsize=65536)
def _clean(value: str) -> str:
    """NFKC-normalise and strip a name.

    Examples
    --------
    >>> _clean("  测试路\u3000")
    '测试路'
    >>> _clean("Ｇ３１９")
    'G319'
    """
    return unicodedata.normalize("NFKC", value).strip()


def _names(tags: dict[str, str]) -> tuple[str, str]:
    """Return (name, name_alt) of an object: ``name:zh`` first, then ``name``; others joined."""
    name = _clean(tags.get("name:zh") or tags.get("name") or "")
    alts: list[str] = []
    for key in _ALT_NAME_KEYS:
        value = tags.get(key)
        if not value:
            continue
        for part in value.split(";") if key != "name" else (value,):
            alt = _clean(part).replace("|", "/")
            if alt and alt != name and alt not in alts:
                alts.append(alt)
    return name, "|".join(alts)


def _parse_layer(value: str | None) -> int:
    """Return ``layer=*`` as an int (0 when missing or unparsable).

    Examples
    --------
    >>> _parse_layer("-1"), _parse_layer("1;2"), _parse_layer(None), _parse_layer("x")
    (-1, 1, 0, 0)
    """
    if not value:
        return 0
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 0


def parse_distance_km(value: str | None) -> float:
    """Parse a milestone distance into kilometres (NaN when it is not one).

    Accepts ``"12"``, ``"12.3"``, ``"12,3"``, ``"12 km"``, Chinese stake numbers ``"K12+300"``
    (12.3 km) and ``"mi:7.5"`` (miles, as in ``railway:position``).

    Examples
    --------
    >>> parse_distance_km("K12+300"), parse_distance_km("12"), parse_distance_km("mi:1")
    (12.3, 12.0, 1.609344)
    >>> parse_distance_km("near the bridge")
    nan
    """
    if value is None:
        return float("nan")
    match = _KM.match(unicodedata.normalize("NFKC", value).strip())
    if match is None:
        return float("nan")
    km = float(match["km"].replace(",", "."))
    if match["m"]:
        km += float(match["m"].replace(",", ".")) / 1000.0
    if match["unit"]:
        km *= 1.609344
    return round(km, 6)


def _poi_kind(tags: dict[str, str]) -> tuple[str, str] | None:
    """Return (kind, "key=value") of the first POI rule `tags` match, else None."""
    present = _POI_KEYS.intersection(tags)
    if not present or (present == _HIGHWAY_ONLY and tags["highway"] != "bus_stop"):
        return None
    for key, values, kind in _POI_RULES:
        if key not in present:
            continue
        value = tags[key]
        if value != "no" and (values is None or value in values):
            return kind, f"{key}={value}"
    return None


def _poi_of(tags: dict[str, str]) -> tuple[str, str, str] | None:
    """Return (kind, tag, name) when `tags` make a named POI, else None."""
    hit = _poi_kind(tags)
    if hit is None:
        return None
    kind, tag = hit
    key = tag.split("=", 1)[0]
    name = _clean(tags[key]) if key in ("bridge:name", "tunnel:name") else ""
    name = name or _names(tags)[0]
    return (kind, tag, name) if name else None


def _crossing_of(tags: dict[str, str], name: str) -> tuple[str, str, str, bool] | None:
    """(kind, tag, name, tagged) when a road way is a named bridge or tunnel, else None.

    A way tagged ``bridge``/``tunnel`` (any value but ``no``) is named by ``bridge:name`` /
    ``tunnel:name``, else by its own name when that ends as a bridge or tunnel name does
    (:data:`CROSSING_ENDS`); ``tagged`` is then True. A way only named so (a street called
    测试大桥 with no tag) gives ``tagged`` False.

    Examples
    --------
    >>> _crossing_of({"bridge": "yes", "bridge:name": "测试大桥"}, "跨河路")
    ('bridge', 'bridge:name=测试大桥', '测试大桥', True)
    >>> _crossing_of({"tunnel": "yes"}, "测试岭隧道")
    ('tunnel', 'name=测试岭隧道', '测试岭隧道', True)
    >>> _crossing_of({}, "测试桥"), _crossing_of({"bridge": "yes"}, "跨河路")
    (('bridge', 'name=测试桥', '测试桥', False), None)
    """
    for kind, ends in CROSSING_ENDS.items():
        if tags.get(kind, "no") == "no":
            continue
        own = _clean(tags.get(f"{kind}:name", ""))
        if own:
            return kind, f"{kind}:name={own}", own, True
        if name.endswith(ends):
            return kind, f"name={name}", name, True
    for kind, ends in CROSSING_ENDS.items():
        if name.endswith(ends):
            return kind, f"name={name}", name, False
    return None


def crossing_pois(
    ways: pd.DataFrame,
    nodes: pd.DataFrame,
    crossings: list[tuple[str, str, str, bool] | None],
    source: str = "osm",
) -> pd.DataFrame:
    """Named bridges and tunnels of the road network as POIs, each on its road.

    Parameters
    ----------
    ways, nodes
        The road ways and their nodes (:data:`WAY_COLUMNS`, :data:`NODE_COLUMNS`).
    crossings
        For each row of `ways`: ``(kind, tag, name, tagged)`` when the way is a named bridge
        or tunnel (``kind`` ``bridge`` or ``tunnel``; ``tagged`` False for a way only named
        so), else None.
    source
        The ``source`` column of the rows.

    Returns
    -------
    pandas.DataFrame
        :data:`POI_COLUMNS` rows, ``osm_type`` ``way``. The ways of one kind and name that
        share a node are one bridge (a bridge drawn in pieces): one POI at the midpoint, along
        the line, of its longest merged line, so that the point is on the road; its id is the
        smallest way id. When a name has a tagged way, the ways only named so (the approaches
        of a street named after its bridge) are left out. Two carriageways (no shared node)
        are two POIs of one name.

    Examples
    --------
    >>> ways = frame(WAY_COLUMNS, {"way_id": [7, 8], "node_ids": [(1, 2), (2, 3)],
    ...     "highway": ["primary"] * 2, "name": ["S1"] * 2, "name_alt": [""] * 2,
    ...     "ref": [""] * 2, "oneway": [False] * 2, "junction": [""] * 2,
    ...     "bridge": [False] * 2, "tunnel": [True] * 2, "layer": [-1] * 2})
    >>> nodes = frame(NODE_COLUMNS, {"node_id": [1, 2, 3], "lon": [110.0, 110.001, 110.004],
    ...     "lat": [30.0, 30.0, 30.0]})
    >>> c = ("tunnel", "tunnel:name=测试隧道", "测试隧道", True)
    >>> t = crossing_pois(ways, nodes, [c, c])
    >>> t[["osm_id", "name", "kind"]].values.tolist(), round(float(t["lon"].iloc[0]), 6)
    ([[7, '测试隧道', 'tunnel']], 110.002)
    """
    rows = [(i, c) for i, c in enumerate(crossings) if c is not None]
    tagged = {(c[0], c[2]) for _, c in rows if c[3]}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in rows:
        if c[3] or (c[0], c[2]) not in tagged:
            groups.setdefault((c[0], c[2]), []).append(i)
    out: dict[str, list[Any]] = {k: [] for k in POI_COLUMNS}
    if not groups:
        return frame(POI_COLUMNS)
    where = nodes.set_index("node_id")[["lon", "lat"]]
    way_ids = ways["way_id"].to_numpy(np.int64)
    node_ids = ways["node_ids"].to_numpy()
    for (kind, name), idx in groups.items():
        label = list(range(len(idx)))  # union-find over the ways of one name

        def root(j: int, label: list[int] = label) -> int:
            while label[j] != j:
                label[j] = label[label[j]]
                j = label[j]
            return j

        owner: dict[int, int] = {}
        for j, i in enumerate(idx):
            for n in node_ids[i]:
                if n in owner:
                    label[root(j)] = root(owner[n])
                else:
                    owner[n] = j
        pieces: dict[int, list[int]] = {}
        for j, i in enumerate(idx):
            pieces.setdefault(root(j), []).append(i)
        for members in pieces.values():
            lines = [shapely.LineString(where.loc[list(node_ids[i])].to_numpy()) for i in members]
            merged = shapely.line_merge(shapely.multilinestrings(lines))
            longest = max(shapely.get_parts(merged), key=lambda g: g.length)
            point = shapely.line_interpolate_point(longest, 0.5, normalized=True)
            first = min(members, key=lambda i: way_ids[i])
            for key, value in (
                ("source", source),
                ("osm_type", "way"),
                ("osm_id", int(way_ids[first])),
                ("name", name),
                ("kind", kind),
                ("tag", crossings[first][1]),
                ("lon", float(point.x)),
                ("lat", float(point.y)),
            ):
                out[key].append(value)
    return frame(POI_COLUMNS, out)


def _place_of(tags: dict[str, str]) -> tuple[str, str, int | None] | None:
    """Return (place, name, admin_level or None) for a named ``place=*``, else None."""
    place = tags.get("place")
    if not place:
        return None
    name = _names(tags)[0]
    return (place, name, _parse_layer(tags.get("admin_level")) or None) if name else None


def _code_of(tags: dict[str, str]) -> str:
    """The division code on a boundary: the first of :data:`BOUNDARY_CODE_KEYS` made of digits.

    Examples
    --------
    >>> _code_of({"ref": "X1", "ref:adcode": "990101"}), _code_of({"ref": "ABC"})
    ('990101', '')
    """
    for key in BOUNDARY_CODE_KEYS:
        value = _clean(tags.get(key, ""))
        if value.isdigit():
            return value
    return ""


def _boundary_of(tags: dict[str, str]) -> tuple[str, str, int, str] | None:
    """(name, name_alt, admin_level, code) of a kept administrative boundary, else None."""
    if tags.get("boundary") != "administrative":
        return None
    level = _parse_layer(tags.get("admin_level"))
    if level not in BOUNDARY_LEVELS:
        return None
    name, alt = _names(tags)
    code = _code_of(tags)
    return (name, alt, level, code) if name or code else None


def _way_point(xs: list[int], ys: list[int], closed: bool) -> tuple[float, float]:
    """Centroid of a closed way, midpoint (along the line) of an open one, in degrees."""
    coords = np.column_stack([np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)])
    coords /= _PRECISION
    if len(coords) == 1:
        return float(coords[0, 0]), float(coords[0, 1])
    if closed and len(coords) >= 4:
        point = shapely.centroid(shapely.Polygon(coords))
    else:
        line = shapely.LineString(coords)
        point = shapely.line_interpolate_point(line, 0.5, normalized=True)
    if point.is_empty:  # degenerate polygon: fall back to the vertex mean
        return float(coords[:, 0].mean()), float(coords[:, 1].mean())
    return float(point.x), float(point.y)


def _osm_file(path: Path) -> osmium.io.File:
    """An osmium file with its format set from the name, or sniffed from the first bytes."""
    name = path.name.lower()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2", ".osh", ".o5m")):
        return osmium.io.File(str(path))
    with path.open("rb") as fh:
        head = fh.read(64)
    if head.startswith(b"\x1f\x8b"):
        fmt = "osm.gz"
    elif head.startswith(b"BZh"):
        fmt = "osm.bz2"
    elif b"OSMHeader" in head:
        fmt = "pbf"
    else:
        fmt = "osm"  # let the XML parser say what is wrong
    return osmium.io.File(str(path), fmt)


class _Collector:
    """Accumulates rows while osmium streams the file (internal to :func:`read_osm`)."""

    def __init__(self) -> None:
        self.way_ids: list[int] = []
        self.way_nodes: list[tuple[int, ...]] = []
        self.way_crossings: list[tuple[str, str, str, bool] | None] = []
        self.way_cols: dict[str, list[Any]] = {
            k: [] for k in WAY_COLUMNS if k not in ("way_id", "node_ids")
        }
        self.node_ids: list[int] = []
        self.node_x: list[int] = []
        self.node_y: list[int] = []
        self.pois: dict[str, list[Any]] = {k: [] for k in POI_COLUMNS}
        self.places: dict[str, list[Any]] = {k: [] for k in PLACE_COLUMNS}
        self.milestones: dict[str, list[Any]] = {k: [] for k in MILESTONE_COLUMNS}
        self.milestone_refs: list[str] = []
        self.labels: dict[int, tuple[int, int]] = {}  # node id -> (role rank, admin_level)
        # (osm type, id) -> (name, name_alt, admin_level, code, geometry or None)
        self.boundaries: dict[tuple[str, int], tuple[str, str, int, str, Any]] = {}
        self.dropped = {"non_road": 0, "too_few_nodes": 0, "missing_nodes": 0}
        self.highway_ways = 0
        self.deferred: list[tuple[int, dict[str, str], list[int], list[int], list[int]]] = []

    # -- objects -------------------------------------------------------------------------------

    def node(self, obj: Any) -> None:
        tags = {t.k: t.v for t in obj.tags}
        loc = obj.location
        if not loc.valid():
            return
        lon, lat = loc.x / _PRECISION, loc.y / _PRECISION
        self._rows("node", obj.id, _poi_of(tags), _place_of(tags), lon, lat)
        if tags.get("highway") == "milestone":
            distance = float("nan")
            for key in ("distance", "pk", "railway:position", "ref", "name"):
                distance = parse_distance_km(tags.get(key))
                if distance == distance:  # not NaN
                    break
            ref = _clean(tags.get("ref", ""))
            if ref and parse_distance_km(ref) == parse_distance_km(ref):
                ref = ""  # a stake number such as K12+300 is a distance, not a road code
            m = self.milestones
            m["node_id"].append(obj.id)
            m["lon"].append(lon)
            m["lat"].append(lat)
            m["distance_km"].append(distance)
            self.milestone_refs.append(ref)

    def way(self, obj: Any) -> None:
        tags = {t.k: t.v for t in obj.tags}
        highway = tags.get("highway")
        poi, place = _poi_of(tags), _place_of(tags)
        if highway is None and poi is None and place is None:
            return
        nrs = list(obj.nodes)
        refs = [nr.ref for nr in nrs]
        locs = [nr.location for nr in nrs]
        xs = [loc.x for loc in locs]
        ys = [loc.y for loc in locs]
        if _UNDEFINED in xs and any(r < 0 for r in refs):
            # negative ids (new objects in a JOSM file) are not in osmium's location index
            self.deferred.append((obj.id, tags, refs, xs, ys))
            return
        self._way(obj.id, tags, highway, poi, place, refs, xs, ys)

    def resolve_deferred(self, locations: dict[int, tuple[int, int]]) -> None:
        """Add the deferred ways, with node locations looked up in `locations`."""
        for way_id, tags, refs, xs, ys in self.deferred:
            for i, ref in enumerate(refs):
                if xs[i] == _UNDEFINED and ref in locations:
                    xs[i], ys[i] = locations[ref]
            highway = tags.get("highway")
            self._way(way_id, tags, highway, _poi_of(tags), _place_of(tags), refs, xs, ys)
        self.deferred = []

    def _way(
        self,
        way_id: int,
        tags: dict[str, str],
        highway: str | None,
        poi: tuple[str, str, str] | None,
        place: tuple[str, str, int | None] | None,
        refs: list[int],
        xs: list[int],
        ys: list[int],
    ) -> None:
        missing = _UNDEFINED in xs
        road = highway is not None and highway not in NON_ROAD_HIGHWAYS
        if road and poi is not None and poi[1].startswith(("bridge:name=", "tunnel:name=")):
            poi = None  # a road's bridge or tunnel: one POI on the road (crossing_pois)
        if (poi or place) and refs and not missing:
            lon, lat = _way_point(xs, ys, len(refs) > 2 and refs[0] == refs[-1])
            self._rows("way", way_id, poi, place, lon, lat)
        if highway is None:
            return
        self.highway_ways += 1
        if highway in NON_ROAD_HIGHWAYS:
            self.dropped["non_road"] += 1
            return
        if missing:
            self.dropped["missing_nodes"] += 1
            return
        if len(refs) > 1 and any(a == b for a, b in pairwise(refs)):
            keep = [0, *(i for i in range(1, len(refs)) if refs[i] != refs[i - 1])]
            refs, xs, ys = [refs[i] for i in keep], [xs[i] for i in keep], [ys[i] for i in keep]
        if len(refs) < 2:
            self.dropped["too_few_nodes"] += 1
            return
        oneway_tag = tags.get("oneway", "")
        junction = tags.get("junction", "")
        if oneway_tag == "-1":  # one way against the drawing direction: turn it round
            refs.reverse()
            oneway = True
        elif oneway_tag:
            oneway = oneway_tag in _TRUE
        else:  # implied by OSM convention
            oneway = junction in ("roundabout", "circular") or highway == "motorway"
        name, name_alt = _names(tags)
        cols = self.way_cols
        self.way_ids.append(way_id)
        self.way_nodes.append(tuple(refs))
        self.way_crossings.append(_crossing_of(tags, name))
        cols["highway"].append(highway)
        cols["name"].append(name)
        cols["name_alt"].append(name_alt)
        cols["ref"].append(_clean(tags.get("ref", "")))
        cols["oneway"].append(oneway)
        cols["junction"].append(junction)
        cols["bridge"].append(tags.get("bridge", "no") != "no")
        cols["tunnel"].append(tags.get("tunnel", "no") != "no")
        cols["layer"].append(_parse_layer(tags.get("layer")))
        self.node_ids.extend(refs)
        self.node_x.extend(xs)
        self.node_y.extend(ys)

    def relation(self, obj: Any) -> None:
        tags = {t.k: t.v for t in obj.tags}
        if tags.get("boundary") != "administrative":
            return
        level = _parse_layer(tags.get("admin_level"))
        if not level:
            return
        boundary = _boundary_of(tags)
        if boundary is not None:  # its geometry comes with the area, if osmium assembles it
            self.boundaries.setdefault(("relation", obj.id), (*boundary, None))
        for member in obj.members:
            if member.type == "n" and member.role in ("label", "admin_centre"):
                rank = 1 if member.role == "label" else 0
                old = self.labels.get(member.ref)
                if old is None or (rank, level) > old:
                    self.labels[member.ref] = (rank, level)

    def area(self, obj: Any) -> None:
        tags = {t.k: t.v for t in obj.tags}
        boundary = _boundary_of(tags)
        if obj.from_way() and boundary is None:  # closed ways are handled as ways
            return
        try:
            geom = shapely.from_wkb(_WKB.create_multipolygon(obj))
        except RuntimeError:  # an area osmium could not turn into a geometry
            return
        if boundary is not None:
            osm_type = "way" if obj.from_way() else "relation"
            self.boundaries[(osm_type, obj.orig_id())] = (*boundary, geom)
            if obj.from_way():
                return
        point = shapely.centroid(geom)
        if point.is_empty:
            return
        lon, lat = float(point.x), float(point.y)
        self._rows("relation", obj.orig_id(), _poi_of(tags), _place_of(tags), lon, lat)
        if tags.get("boundary") == "administrative" and "place" not in tags:
            name, _ = _names(tags)
            level = _parse_layer(tags.get("admin_level"))
            if name and level:
                self._place("relation", obj.orig_id(), name, "boundary", lon, lat, level)

    # -- rows ----------------------------------------------------------------------------------

    def _rows(
        self,
        osm_type: str,
        osm_id: int,
        poi: tuple[str, str, str] | None,
        place: tuple[str, str, int | None] | None,
        lon: float,
        lat: float,
    ) -> None:
        if poi is not None:
            kind, tag, name = poi
            p = self.pois
            p["source"].append("osm")
            p["osm_type"].append(osm_type)
            p["osm_id"].append(osm_id)
            p["name"].append(name)
            p["kind"].append(kind)
            p["tag"].append(tag)
            p["lon"].append(lon)
            p["lat"].append(lat)
        if place is not None:
            self._place(osm_type, osm_id, place[1], place[0], lon, lat, place[2])

    def _place(
        self,
        osm_type: str,
        osm_id: int,
        name: str,
        place: str,
        lon: float,
        lat: float,
        level: int | None,
    ) -> None:
        p = self.places
        p["osm_type"].append(osm_type)
        p["osm_id"].append(osm_id)
        p["name"].append(name)
        p["place"].append(place)
        p["lon"].append(lon)
        p["lat"].append(lat)
        p["admin_level"].append(level)

    # -- tables --------------------------------------------------------------------------------

    def tables(self) -> tuple[pd.DataFrame, ...]:
        ids = np.asarray(self.node_ids, dtype=np.int64)
        uniq, first = np.unique(ids, return_index=True)
        nodes = frame(
            NODE_COLUMNS,
            {
                "node_id": uniq,
                "lon": np.asarray(self.node_x, dtype=np.float64)[first] / _PRECISION,
                "lat": np.asarray(self.node_y, dtype=np.float64)[first] / _PRECISION,
            },
        )
        ways = frame(
            WAY_COLUMNS, {"way_id": self.way_ids, "node_ids": self.way_nodes, **self.way_cols}
        )
        crossings = crossing_pois(ways, nodes, self.way_crossings)
        pois = frame(POI_COLUMNS, self.pois)
        pois = _sorted(pd.concat([pois, crossings], ignore_index=True) if len(crossings) else pois)
        places = frame(PLACE_COLUMNS, self.places)
        if self.labels and len(places):
            from_rel = places["osm_id"].map(lambda i: self.labels.get(i, (0, None))[1])
            use = (places["osm_type"] == "node") & places["admin_level"].isna()
            places.loc[use, "admin_level"] = from_rel[use].astype("Int64")
        places = _sorted(places)
        m = dict(self.milestones)
        m["ref"] = self._milestone_refs(ids)
        milestones = frame(MILESTONE_COLUMNS, m)
        return nodes, ways, pois, places, milestones, self._boundary_table()

    def _boundary_table(self) -> pd.DataFrame:
        keys = list(self.boundaries)
        rows = [self.boundaries[k] for k in keys]
        cols = ("name", "name_alt", "admin_level", "code", "geometry")
        data: dict[str, list[Any]] = {
            "osm_type": [k[0] for k in keys],
            "osm_id": [k[1] for k in keys],
            **{c: [r[i] for r in rows] for i, c in enumerate(cols)},
        }
        return _sorted(frame(BOUNDARY_COLUMNS, data))

    def _milestone_refs(self, ids: np.ndarray) -> list[str]:
        """A milestone's own ``ref``, else the ``ref`` of the first kept way through it."""
        refs = list(self.milestone_refs)
        todo = [i for i, r in enumerate(refs) if not r]
        if not todo:
            return refs
        lengths = np.fromiter((len(t) for t in self.way_nodes), dtype=np.int64)
        way_of = np.repeat(np.arange(len(lengths)), lengths)
        wanted = np.asarray(self.milestones["node_id"], dtype=np.int64)[todo]
        hits = np.flatnonzero(np.isin(ids, wanted))  # positions in way order
        first_ref: dict[int, str] = {}
        way_refs = self.way_cols["ref"]
        for pos in hits:
            node, ref = int(ids[pos]), way_refs[way_of[pos]]
            if ref and node not in first_ref:
                first_ref[node] = ref
        for i in todo:
            refs[i] = first_ref.get(self.milestones["node_id"][i], "")
        return refs


_WKB = osmium.geom.WKBFactory()


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows by (node, way, relation) then id, so that XML and PBF order agree."""
    rank = df["osm_type"].map(_TYPE_RANK).astype("int64")
    order = np.lexsort((df["osm_id"].to_numpy(), rank.to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def _negative_locations(
    file: osmium.io.File, ways: list[tuple[int, dict[str, str], list[int], list[int], list[int]]]
) -> dict[int, tuple[int, int]]:
    """Fixed-point locations of the negative-id nodes the deferred `ways` need."""
    wanted = {ref for _, _, refs, _, _ in ways for ref in refs if ref < 0}
    found: dict[int, tuple[int, int]] = {}
    for node in osmium.FileProcessor(file, osmium.osm.NODE):
        if node.id < 0 and node.id in wanted:
            loc = node.location
            found[node.id] = (loc.x, loc.y)
    return found


def read_osm(path: str | os.PathLike[str]) -> RoadSource:
    """Read roads, landmarks, places and milestones from an OpenStreetMap extract.

    Parameters
    ----------
    path
        An ``.osm`` XML file (also ``.osm.gz``/``.osm.bz2``) or an ``.osm.pbf`` file, as
        exported by JOSM, Overpass, Geofabrik or osmium. Other names are sniffed.

    Returns
    -------
    RoadSource
        Tables in WGS-84 degrees (see :class:`RoadSource`). Kept roads are ways with
        ``highway=*`` except :data:`NON_ROAD_HIGHWAYS`; footways, tracks, service roads etc. are
        kept (downstream decides). Ways with fewer than two distinct nodes, or with a node whose
        location is missing from the file, are dropped and counted in ``dropped``. Consecutive
        repeats of a node in a way are collapsed. ``oneway=-1`` ways are reversed and marked
        one-way; ``junction=roundabout`` and ``highway=motorway`` are one-way unless tagged
        otherwise. Negative ids (objects not yet uploaded, in JOSM files) are supported. POIs
        and places need a name; closed ways and multipolygons are placed at
        their centroid (planar, in degrees), open ways at their midpoint. The named bridges
        and tunnels of kept roads are POIs on their road (:func:`crossing_pois`). Administrative
        boundaries with ``admin_level`` in :data:`BOUNDARY_LEVELS` and a name or a code go to
        ``boundaries`` with their assembled (multi)polygon (None when osmium cannot assemble
        it). Personal data in names and route codes is replaced by placeholders
        (:func:`redact_source`).

    Raises
    ------
    InputFileNotFoundError
        If `path` does not exist.
    FileFormatError
        If the file is empty, not OSM data, truncated or corrupt, or holds no roads.

    Examples
    --------
    >>> read_osm("no/such/file.osm.pbf")
    Traceback (most recent call last):
    ...
    trafficprev._errors.InputFileNotFoundError: OSM file not found: no/such/file.osm.pbf
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileNotFoundError(f"OSM file not found: {p}")
    if p.stat().st_size == 0:
        raise FileFormatError(f"cannot read {p} as OpenStreetMap data: the file is empty")
    col = _Collector()
    handlers = {"n": col.node, "w": col.way, "r": col.relation, "a": col.area}
    try:
        processor = (
            osmium.FileProcessor(_osm_file(p))
            .with_locations()
            .with_areas(osmium.filter.KeyFilter(*_AREA_KEYS))
            .with_filter(osmium.filter.KeyFilter(*_KEYS))
        )
        for obj in processor:
            handlers[obj.type_str()](obj)
        if col.deferred:
            col.resolve_deferred(_negative_locations(_osm_file(p), col.deferred))
    except RuntimeError as exc:
        raise FileFormatError(f"cannot read {p} as OpenStreetMap data: {exc}") from exc
    nodes, ways, pois, places, milestones, boundaries = col.tables()
    if ways.empty:
        detail = ""
        if col.highway_ways:
            reasons = ", ".join(f"{v} {k}" for k, v in col.dropped.items() if v)
            detail = f" ({col.highway_ways} highway ways, all dropped: {reasons})"
        raise FileFormatError(f"no roads (highway=*) in {p}{detail}")
    logger.info(
        "read %s: %d ways, %d nodes, %d POIs, %d places, %d milestones, %d boundaries; dropped %s",
        p,
        len(ways),
        len(nodes),
        len(pois),
        len(places),
        len(milestones),
        len(boundaries),
        col.dropped,
    )
    source = RoadSource(
        nodes=nodes,
        ways=ways,
        pois=pois,
        places=places,
        milestones=milestones,
        source=str(p),
        crs_note="OSM (WGS-84)",
        dropped=dict(col.dropped),
        boundaries=boundaries,
    )
    return redact_source(source)
