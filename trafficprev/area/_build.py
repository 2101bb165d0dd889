"""Turn a road source, POIs and admin divisions into the layers of an area gazetteer.

Every function here is pure: frames in, new frames out. The steps:

1. :func:`split_edges` cuts each way at every node another way shares (and at its ends),
   giving graph edges ``u → v`` with metric lengths;
2. :func:`junctions` lists the nodes where edges meet, with the road names that meet there;
3. :func:`merge_roads` merges the edges of one name into roads: connected pieces, then
   pieces closer than ``merge_gap_m`` (the two carriageways of a dual road are not joined
   by any node), with stable ids;
4. :func:`intersections` groups the junction nodes of each pair of named roads into
   intersections (a dual-carriageway crossing has four nodes and is one intersection);
5. POIs and admin units become point layers;
6. :func:`territories` matches administrative boundary polygons (OSM relations, a road
   file's boundary layer) to the units of the admin table.

Ids are derived from names, OSM ids and positions, never from row order, so the same
inputs give the same ids on every machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .._names import name_key
from ._admin import admin_aliases
from ._osm import RoadSource

__all__ = [
    "HIGHWAY_RANK",
    "OSM_ADMIN_LEVEL",
    "TERRITORY_COLUMNS",
    "empty_territories",
    "intersections",
    "junctions",
    "merge_roads",
    "split_edges",
    "territories",
    "to_metric_geoms",
]

#: Road classes from most to least important; the class of a merged road is its best one.
HIGHWAY_RANK: dict[str, int] = {
    name: i
    for i, name in enumerate(
        [
            "motorway",
            "trunk",
            "primary",
            "secondary",
            "tertiary",
            "motorway_link",
            "trunk_link",
            "primary_link",
            "secondary_link",
            "tertiary_link",
            "unclassified",
            "residential",
            "living_street",
            "road",
            "busway",
            "service",
            "track",
            "pedestrian",
            "cycleway",
            "path",
            "footway",
            "bridleway",
            "steps",
        ]
    )
}


def _road_key(names: pd.Series, refs: pd.Series) -> pd.Series:
    """The name an edge is indexed by: its name, else its first ref code, else ``""``."""
    first_ref = refs.fillna("").astype(str).str.split(";").str[0].str.strip()
    names = names.fillna("").astype(str)
    return names.where(names != "", first_ref)


def split_edges(src: RoadSource, to_metric) -> gpd.GeoDataFrame:
    """Cut every way at shared nodes into graph edges.

    Parameters
    ----------
    src
        The road source (from :func:`~trafficprev.area._osm.read_osm` or a road file).
    to_metric
        ``(lon, lat) -> (x, y)`` in metres (a projected CRS of the area).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per edge: ``edge_id`` (``"<way_id>-<k>"``), ``way_id``, ``u``, ``v``,
        ``name``, ``road_key`` (name, else first ref), ``ref``, ``highway``, ``oneway``,
        ``bridge``, ``tunnel``, ``layer``, ``length_m``, WGS-84 line geometry.
    """
    ways = src.ways.reset_index(drop=True)
    lens = ways["node_ids"].map(len).to_numpy(np.int64)
    total = int(lens.sum())
    flat = np.fromiter((n for ids in ways["node_ids"] for n in ids), dtype=np.int64, count=total)
    way_idx = np.repeat(np.arange(len(ways)), lens)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    pos = np.arange(total) - np.repeat(starts, lens)
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    is_end = (pos == 0) | (pos == lens[way_idx] - 1)
    # a node used twice (by two ways, or twice by one way) splits the way there
    split = is_end | (counts[inverse] > 1)
    cut = np.flatnonzero(split)
    s, e = cut[:-1], cut[1:]
    keep = way_idx[s] == way_idx[e]
    s, e = s[keep], e[keep]
    n_vertices = e - s + 1
    edge_of_vertex = np.repeat(np.arange(len(s)), n_vertices)
    vertex = np.repeat(s, n_vertices) + (
        np.arange(int(n_vertices.sum())) - np.repeat(np.cumsum(n_vertices) - n_vertices, n_vertices)
    )
    nodes = src.nodes.set_index("node_id")
    loc = nodes.index.get_indexer(flat)
    lon = nodes["lon"].to_numpy(float)[loc]
    lat = nodes["lat"].to_numpy(float)[loc]
    x, y = to_metric(lon, lat)
    seg = np.hypot(np.diff(x), np.diff(y))
    # length of each edge: sum of its segments (vertex i -> i+1 for i in [s, e))
    csum = np.concatenate([[0.0], np.cumsum(seg)])
    length = csum[e] - csum[s]
    geoms = shapely.linestrings(np.column_stack([lon[vertex], lat[vertex]]), indices=edge_of_vertex)
    w = ways.iloc[way_idx[s]].reset_index(drop=True)
    k = np.arange(len(s)) - np.searchsorted(way_idx[s], way_idx[s], side="left")
    edges = pd.DataFrame(
        {
            "edge_id": w["way_id"].astype(str) + "-" + pd.Series(k).astype(str),
            "way_id": w["way_id"].to_numpy(np.int64),
            "u": flat[s],
            "v": flat[e],
            "name": w["name"].fillna("").astype(str),
            "ref": w["ref"].fillna("").astype(str),
            "highway": w["highway"].fillna("").astype(str),
            "oneway": w["oneway"].astype(bool).to_numpy(),
            "bridge": w["bridge"].astype(bool).to_numpy(),
            "tunnel": w["tunnel"].astype(bool).to_numpy(),
            "layer": w["layer"].astype(int).to_numpy(),
            "length_m": length,
        }
    )
    edges.insert(5, "road_key", _road_key(edges["name"], edges["ref"]))
    return gpd.GeoDataFrame(edges, geometry=geoms, crs="EPSG:4326")


def junctions(edges: pd.DataFrame, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Nodes where edges meet: degree, and the road names that meet there.

    Returns
    -------
    geopandas.GeoDataFrame
        ``node_id``, ``degree`` (edge ends at the node), ``n_roads``, ``roads``
        (``|``-joined distinct road keys, sorted), point geometry. Only nodes of degree
        ≥ 3, or where ≥ 2 distinct road keys meet, are listed.
    """
    ends = pd.DataFrame(
        {
            "node_id": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
            "road": np.concatenate([edges["road_key"].to_numpy()] * 2),
        }
    )
    degree = ends.groupby("node_id").size()
    named = ends[ends["road"] != ""].drop_duplicates()
    roads = named.sort_values(["node_id", "road"]).groupby("node_id")["road"].agg("|".join)
    n_roads = named.groupby("node_id").size()
    out = pd.DataFrame({"degree": degree}).join(pd.DataFrame({"n_roads": n_roads, "roads": roads}))
    out["n_roads"] = out["n_roads"].fillna(0).astype(int)
    out["roads"] = out["roads"].fillna("")
    out = out[(out["degree"] >= 3) | (out["n_roads"] >= 2)].reset_index()
    xy = nodes.set_index("node_id").loc[out["node_id"], ["lon", "lat"]].to_numpy(float)
    return gpd.GeoDataFrame(out, geometry=shapely.points(xy), crs="EPSG:4326")


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of each of `n` items given undirected links ``a-b``."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _pieces(keyed: pd.DataFrame) -> np.ndarray:
    """The piece of each keyed edge: edges of one key linked through shared end nodes."""
    ends = pd.concat(
        [
            pd.DataFrame(
                {
                    "e": np.arange(len(keyed)),
                    "node": keyed["u"].to_numpy(),
                    "key": keyed["road_key"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "e": np.arange(len(keyed)),
                    "node": keyed["v"].to_numpy(),
                    "key": keyed["road_key"].to_numpy(),
                }
            ),
        ]
    )
    first = ends.groupby(["key", "node"])["e"].transform("first").to_numpy()
    return _components(len(keyed), ends["e"].to_numpy(), first)


def _county_links(
    keyed: pd.DataFrame, piece: np.ndarray, county: np.ndarray
) -> tuple[list[int], list[int]]:
    """Links between pieces of one name that touch the same county (each edge's `county`,
    ``""`` when unknown): they are one road."""
    pc = pd.DataFrame(
        {
            "piece": piece,
            "key": keyed["road_key"].to_numpy(),
            "county": county,
            "named": (keyed["name"] != "").to_numpy(),
        }
    )
    pc = pc[(pc["county"] != "") & pc["named"]].drop_duplicates(["piece", "county"])
    first_piece = pc.groupby(["key", "county"])["piece"].transform("first")
    return pc["piece"].tolist(), first_piece.tolist()


def _gap_links(
    piece_geom: pd.Series,
    piece_key: pd.Series,
    by_ref: pd.Series,
    to_metric: Any,
    merge_gap_m: float,
) -> tuple[list[int], list[int]]:
    """Links between pieces of one key that lie within `merge_gap_m` of each other; all the
    pieces of a route code (G319, X064) are linked, as a code names one route."""
    multi = piece_key[piece_key.duplicated(keep=False)]
    links_a: list[int] = []
    links_b: list[int] = []
    if multi.empty:
        return links_a, links_b
    metric = to_metric_geoms(piece_geom.loc[multi.index].to_numpy(), to_metric)
    metric_of = dict(zip(multi.index, metric, strict=True))
    for _, ids in multi.groupby(multi).groups.items():
        ids = list(ids)
        if by_ref.loc[ids].all():
            links_a += ids[:-1]
            links_b += ids[1:]
            continue
        gs = [metric_of[i] for i in ids]
        tree = shapely.STRtree(gs)
        a, b = tree.query(gs, predicate="dwithin", distance=merge_gap_m)
        links_a += [ids[i] for i in a]
        links_b += [ids[j] for j in b]
    return links_a, links_b


def merge_roads(
    edges: gpd.GeoDataFrame,
    to_metric,
    *,
    merge_gap_m: float = 150.0,
    edge_county: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Merge the edges of each road key into roads.

    Edges of one key that share a node are one piece; pieces of one key closer than
    `merge_gap_m` are one road (dual carriageways, a road interrupted by a bridge under
    another name). The pieces of a road known only by its route code (``ref`` G319,
    X064: unnamed in OSM between the towns that name it) are always one road. With
    `edge_county` (the county code of each edge), pieces of one name in the same county
    are one road too: place-name rules (《地名管理条例》) forbid two roads of one name in
    a county, so a gap there is a river, a park or a missing stretch, not another road.
    Other pieces are different roads with the same name (人民路 in the city and in a
    county town): ``road_id`` is then ``name#1``, ``name#2``, … in west-to-east,
    south-to-north order of their first point, else just the name.

    Returns
    -------
    roads : geopandas.GeoDataFrame
        ``road_id``, ``name`` (the key), ``named`` (False for a road known only by its
        ref), ``refs`` (``|``), ``highway`` (best class), ``length_m`` (sum over
        carriageways), ``n_edges``, MultiLineString geometry (WGS-84).
    road_of_edge : pandas.Series
        ``road_id`` of each edge (aligned with `edges`; ``""`` for edges with no key).
    """
    keyed = edges[edges["road_key"] != ""]
    road_of_edge = pd.Series("", index=edges.index, dtype=object)
    if keyed.empty:
        return gpd.GeoDataFrame(
            {c: [] for c in ["road_id", "name", "named", "refs", "highway", "length_m", "n_edges"]},
            geometry=[],
            crs="EPSG:4326",
        ), road_of_edge
    piece = _pieces(keyed)
    # join pieces of one key that lie within merge_gap_m of each other
    geoms = keyed.geometry.to_numpy()
    piece_geom = pd.Series(geoms).groupby(piece).agg(lambda g: shapely.multilinestrings(list(g)))
    piece_key = pd.Series(keyed["road_key"].to_numpy()).groupby(piece).first()
    by_ref = pd.Series((keyed["name"] == "").to_numpy()).groupby(piece).all()
    county_links: tuple[list[int], list[int]] = ([], [])
    if edge_county is not None:
        county = np.asarray(edge_county, dtype=object)[edges.index.get_indexer(keyed.index)]
        county_links = _county_links(keyed, piece, county)
    links_a, links_b = _gap_links(piece_geom, piece_key, by_ref, to_metric, merge_gap_m)
    links_a += county_links[0]
    links_b += county_links[1]
    n_piece = len(piece_key)
    road_label = _components(
        n_piece, np.array(links_a, dtype=np.int64), np.array(links_b, dtype=np.int64)
    )
    label_of_edge = road_label[piece]
    frame = pd.DataFrame(
        {
            "label": label_of_edge,
            "key": keyed["road_key"].to_numpy(),
            "name": keyed["name"].to_numpy(),
            "ref": keyed["ref"].to_numpy(),
            "rank": keyed["highway"].map(HIGHWAY_RANK).fillna(len(HIGHWAY_RANK)).to_numpy(),
            "highway": keyed["highway"].to_numpy(),
            "length_m": keyed["length_m"].to_numpy(),
            "x0": shapely.get_x(shapely.get_point(geoms, 0)),
            "y0": shapely.get_y(shapely.get_point(geoms, 0)),
        }
    )
    grouped = frame.groupby("label", sort=True)
    roads = pd.DataFrame(
        {
            "name": grouped["key"].first(),
            "named": grouped["name"].agg(lambda s: bool((s != "").any())),
            "refs": grouped["ref"].agg(_join_refs),
            "highway": grouped.apply(
                lambda g: g["highway"].to_numpy()[int(np.argmin(g["rank"].to_numpy()))],
                include_groups=False,
            ),
            "length_m": grouped["length_m"].sum(),
            "n_edges": grouped.size(),
            "x0": grouped["x0"].min(),
            "y0": grouped["y0"].min(),
        }
    )
    roads = roads.sort_values(["name", "x0", "y0"])
    k = roads.groupby("name").cumcount() + 1
    several = roads["name"].duplicated(keep=False)
    roads["road_id"] = np.where(several, roads["name"] + "#" + k.astype(str), roads["name"])
    geom = pd.Series(geoms).groupby(label_of_edge).agg(lambda g: shapely.multilinestrings(list(g)))
    roads = roads.join(geom.rename("geometry"))
    road_of_edge.loc[keyed.index] = roads["road_id"].reindex(label_of_edge).to_numpy()
    roads = roads.drop(columns=["x0", "y0"]).reset_index(drop=True)
    cols = ["road_id", "name", "named", "refs", "highway", "length_m", "n_edges"]
    return gpd.GeoDataFrame(
        roads[cols], geometry=roads["geometry"].to_numpy(), crs="EPSG:4326"
    ), road_of_edge


def _join_refs(refs: Iterable[str]) -> str:
    codes = {c.strip() for r in refs for c in str(r).split(";") if c.strip()}
    return "|".join(sorted(codes))


def to_metric_geoms(geoms: np.ndarray, to_metric) -> np.ndarray:
    """Project WGS-84 geometries with the vectorised point function `to_metric`.

    Parameters
    ----------
    geoms : numpy.ndarray
        Shapely geometries in longitude/latitude.
    to_metric : callable
        ``(lon, lat) -> (x, y)`` on arrays, such as :meth:`Area.to_metric`.

    Returns
    -------
    numpy.ndarray
        The geometries in the metric CRS.
    """

    def transform(coords: np.ndarray) -> np.ndarray:
        x, y = to_metric(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, transform)


def intersections(
    junction_nodes: gpd.GeoDataFrame,
    node_roads: pd.DataFrame,
    to_metric,
    *,
    radius_m: float = 60.0,
) -> gpd.GeoDataFrame:
    """Group the nodes where two named roads meet into intersections.

    Parameters
    ----------
    junction_nodes
        From :func:`junctions`.
    node_roads
        ``node_id, road_id, name``: which road ids touch each node.
    to_metric
        ``(lon, lat) -> (x, y)`` in metres.
    radius_m
        Nodes of the same pair of roads closer than this (single linkage) are one
        intersection: the four crossings of two dual carriageways, a staggered junction.

    Returns
    -------
    geopandas.GeoDataFrame
        ``inter_id`` (``"A|B"``, or ``"A|B#k"`` when the pair meets at several places),
        ``road_a``, ``road_b`` (names, sorted), ``road_id_a``, ``road_id_b``,
        ``n_nodes``, ``node_ids`` (``|``), point geometry at the mean of the nodes.
    """
    nr = node_roads[node_roads["name"] != ""].drop_duplicates(["node_id", "road_id"])
    pairs = nr.merge(nr, on="node_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["name_a"] < pairs["name_b"]]
    cols = ["inter_id", "road_a", "road_b", "road_id_a", "road_id_b", "n_nodes", "node_ids"]
    if pairs.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
    pos = junction_nodes.set_index("node_id").geometry
    pts = pos.reindex(pairs["node_id"]).to_numpy()
    lon, lat = shapely.get_x(pts), shapely.get_y(pts)
    x, y = to_metric(lon, lat)
    pair_key = (pairs["road_id_a"] + "\x00" + pairs["road_id_b"]).to_numpy()
    codes = pd.factorize(pair_key)[0]
    # link nodes of the same pair within radius: query on (x, y) and keep same-pair links
    tree = cKDTree(np.column_stack([x, y]))
    links = tree.query_pairs(radius_m, output_type="ndarray")
    same = codes[links[:, 0]] == codes[links[:, 1]] if len(links) else np.zeros(0, bool)
    links = links[same] if len(links) else np.zeros((0, 2), np.int64)
    label = _components(len(pairs), links[:, 0], links[:, 1])
    frame = pd.DataFrame(
        {
            "label": label,
            "road_a": pairs["name_a"].to_numpy(),
            "road_b": pairs["name_b"].to_numpy(),
            "road_id_a": pairs["road_id_a"].to_numpy(),
            "road_id_b": pairs["road_id_b"].to_numpy(),
            "node_id": pairs["node_id"].to_numpy(),
            "lon": lon,
            "lat": lat,
            "x": x,
            "y": y,
        }
    ).sort_values(["label", "node_id"])
    g = frame.groupby("label", sort=False)
    out = pd.DataFrame(
        {
            "road_a": g["road_a"].first(),
            "road_b": g["road_b"].first(),
            "road_id_a": g["road_id_a"].first(),
            "road_id_b": g["road_id_b"].first(),
            "n_nodes": g.size(),
            "node_ids": g["node_id"].agg(lambda s: "|".join(map(str, s))),
            "lon": g["lon"].mean(),
            "lat": g["lat"].mean(),
            "x": g["x"].mean(),
            "y": g["y"].mean(),
        }
    ).sort_values(["road_id_a", "road_id_b", "x", "y"])
    base = out["road_id_a"] + "|" + out["road_id_b"]
    k = out.groupby(base).cumcount() + 1
    several = base.duplicated(keep=False)
    out["inter_id"] = np.where(several, base + "#" + k.astype(str), base)
    out = out.reset_index(drop=True)
    return gpd.GeoDataFrame(
        out[cols], geometry=shapely.points(out["lon"], out["lat"]), crs="EPSG:4326"
    )


# --- territories ---------------------------------------------------------------------------

#: The admin-table level (2 prefecture … 5 village) an OSM ``admin_level`` stands for in China.
OSM_ADMIN_LEVEL: dict[int, int] = {5: 2, 6: 3, 7: 3, 8: 4}
#: Columns of the territories layer (besides its WGS-84 MultiPolygon geometry).
TERRITORY_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "level",
    "boundary_name",
    "source",
    "admin_level",
    "matched_by",
)
# which boundary wins when two are matched to one unit (lower first)
_SOURCE_RANK = {"file": 0, "relation": 1, "way": 2}


def _code12(code: str) -> str:
    """A division code padded to 12 digits (adcode 990101 = 990101000000), else ``""``."""
    code = str(code).strip()
    return code.ljust(12, "0") if code.isdigit() and len(code) <= 12 else ""


def _polygonal(geom: Any) -> shapely.MultiPolygon | None:
    """`geom` as a valid MultiPolygon (None when it has no area)."""
    if geom is None or not isinstance(geom, shapely.Geometry) or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6) and p.area > 0]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return None
    return shapely.MultiPolygon(polys)


def _source_label(osm_type: str, osm_id: int) -> str:
    return f"file:{osm_id}" if osm_type == "file" else f"osm:{osm_type[0]}{osm_id}"


def _division_lookups(
    divisions: pd.DataFrame, codes: list[str]
) -> tuple[dict[str, str], dict[str, list[tuple[str, int, bool]]]]:
    """The admin units by 12-digit code, and by the key of each spelling of their names:
    ``(code, level, official name)``."""
    by_code: dict[str, str] = {}
    for code in codes:
        key = _code12(code)
        if key:
            by_code.setdefault(key, code)
    spellings: dict[str, list[tuple[str, int, bool]]] = {}
    if len(divisions):
        al = admin_aliases(divisions)
        for alias, code, lv, how in al[["alias", "code", "level", "how"]].itertuples(index=False):
            spellings.setdefault(name_key(alias), []).append((str(code), int(lv), how == "name"))
    return by_code, spellings


def _name_candidates(r: pd.Series, spellings: dict[str, list[tuple[str, int, bool]]]) -> list[str]:
    """The admin units a boundary `r` may be by its names: the first name that is known,
    official names before aliases, the unit level of its admin_level when one has it."""
    names = [str(r["name"]), *str(r["name_alt"]).split("|")]
    found: list[tuple[str, int, bool]] = []
    for n in names:
        found = spellings.get(name_key(n), []) if n else []
        if found:
            break
    if any(official for _, _, official in found):
        found = [f for f in found if f[2]]
    want = OSM_ADMIN_LEVEL.get(int(r["admin_level"]))
    if want is not None and any(lv == want for _, lv, _ in found):
        found = [f for f in found if f[1] == want]
    return sorted({c for c, _, _ in found})


def _match_by_parent(
    pending: dict[int, list[str]],
    chosen: dict[int, tuple[str, str]],
    geoms: dict[int, Any],
    parent_of: dict[str, str],
) -> None:
    """Settle in place the boundaries whose name several units share: the one unit inside a
    matched parent's polygon, repeated while that settles more."""
    progress = True
    while pending and progress:
        progress = False
        polygon_of = {code: geoms[i] for i, (code, _) in chosen.items()}
        for i, cands in list(pending.items()):
            inside = shapely.point_on_surface(geoms[i])
            keep = []
            for cand in cands:
                up, seen = parent_of.get(cand, ""), 0
                while up and up not in polygon_of and seen < 6:
                    up, seen = parent_of.get(up, ""), seen + 1
                if up in polygon_of and polygon_of[up].covers(inside):
                    keep.append(cand)
            if len(keep) == 1:
                chosen[i] = (keep[0], "parent")
                del pending[i]
                progress = True


def _territory_frame(
    matched: list[tuple[int, str, str]],
    rows: pd.DataFrame,
    geoms: dict[int, Any],
    name_of: dict[str, str],
    level_of: dict[str, int],
) -> gpd.GeoDataFrame:
    """The territories table of the matched boundaries ``(row, code, how)``."""
    out = pd.DataFrame(
        {
            "code": [code for _, code, _ in matched],
            "name": [name_of[code] for _, code, _ in matched],
            "level": [level_of[code] for _, code, _ in matched],
            "boundary_name": [str(rows.at[i, "name"]) for i, _, _ in matched],
            "source": [
                _source_label(str(rows.at[i, "osm_type"]), int(rows.at[i, "osm_id"]))
                for i, _, _ in matched
            ],
            "admin_level": [int(rows.at[i, "admin_level"]) for i, _, _ in matched],
            "matched_by": [how for _, _, how in matched],
        },
        columns=list(TERRITORY_COLUMNS),
    )
    out["level"] = out["level"].astype("int64")
    out["admin_level"] = out["admin_level"].astype("int64")
    return gpd.GeoDataFrame(out, geometry=[geoms[i] for i, _, _ in matched], crs="EPSG:4326")


def _unmatched(rows: pd.DataFrame, i: int, why: str) -> dict[str, Any]:
    """The report entry of boundary row `i`, not used because `why`."""
    r = rows.iloc[i]
    return {
        "source": _source_label(str(r["osm_type"]), int(r["osm_id"])),
        "name": str(r["name"]),
        "admin_level": int(r["admin_level"]),
        "why": why,
    }


def _match_rows(
    rows: pd.DataFrame,
    by_code: dict[str, str],
    spellings: dict[str, list[tuple[str, int, bool]]],
) -> tuple[dict[int, tuple[str, str]], dict[int, list[str]], dict[int, Any], list[dict[str, Any]]]:
    """Match each boundary row to an admin unit by its code, else by its names.

    Returns
    -------
    tuple
        Row -> (code, how) of the matched rows; row -> candidate codes of the rows whose
        name several units share; row -> polygon of every row with one; the report entries
        of the rows not used.
    """
    pending: dict[int, list[str]] = {}  # row -> candidate codes (ambiguous by name)
    chosen: dict[int, tuple[str, str]] = {}  # row -> (code, how)
    geoms: dict[int, Any] = {}
    unmatched: list[dict[str, Any]] = []
    for i, r in rows.iterrows():
        geom = _polygonal(r["geometry"])
        if geom is None:
            why = "no polygon: osmium could not assemble the boundary (members missing?)"
            unmatched.append(_unmatched(rows, i, why))
            continue
        geoms[i] = geom
        code = by_code.get(_code12(r["code"]))
        if code is not None:
            chosen[i] = (code, "code")
            continue
        cands = _name_candidates(r, spellings)
        if len(cands) == 1:
            chosen[i] = (cands[0], "name")
        elif cands:
            pending[i] = cands
        else:
            what = f"code {r['code']} nor name" if r["code"] else "name"
            unmatched.append(_unmatched(rows, i, f"no unit of this {what} in the admin table"))
    return chosen, pending, geoms, unmatched


def _one_per_unit(
    chosen: dict[int, tuple[str, str]], rows: pd.DataFrame, unmatched: list[dict[str, Any]]
) -> dict[str, int]:
    """Unit code -> its one boundary row: a boundary file's before an OSM relation before a
    way, then the lowest id; the other boundaries of a unit go to `unmatched`."""
    order = sorted(
        chosen,
        key=lambda i: (_SOURCE_RANK.get(str(rows.at[i, "osm_type"]), 3), int(rows.at[i, "osm_id"])),
    )
    taken: dict[str, int] = {}
    for i in order:
        code = chosen[i][0]
        if code in taken:
            j = taken[code]
            other = _source_label(str(rows.at[j, "osm_type"]), int(rows.at[j, "osm_id"]))
            unmatched.append(_unmatched(rows, i, f"unit {code} already has the boundary {other}"))
        else:
            taken[code] = i
    return taken


def territories(
    boundaries: pd.DataFrame, divisions: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Match administrative boundary polygons to the units of the admin table.

    A boundary is matched, in this order:

    1. by its division code (``ref:adcode``, ``ref`` … or the boundary layer's code column),
       when that code — padded to 12 digits, so that an adcode ``990101`` is
       ``990101000000`` — is a unit's code;
    2. by its name (and its other names), normalised as the name index does
       (:func:`~trafficprev._names.name_key`) and looked up among the spellings of
       :func:`~trafficprev.area._admin.admin_aliases` (official names before short forms and
       listed aliases; with a known ``admin_level``, the units of the matching table level
       first, see :data:`OSM_ADMIN_LEVEL`), when one unit is found;
    3. by its parent, when several units share the name (two 城关镇 in two counties): the
       one whose ancestor's matched polygon contains the boundary (a point on its surface).
       This step is repeated while it matches more boundaries.

    Boundaries left over (no unit of that name or code; several units and no matched parent
    to choose; a second boundary for a unit already matched, where a boundary-layer row wins
    over an OSM relation and a relation over a closed way; a relation osmium could not
    assemble) are not used and are listed in the report.

    Parameters
    ----------
    boundaries
        A :data:`~trafficprev.area._osm.BOUNDARY_COLUMNS` table (OSM relations or a
        boundary layer).
    divisions
        The admin table (:func:`~trafficprev.area._admin.read_admin_divisions`).

    Returns
    -------
    territories : geopandas.GeoDataFrame
        One row per matched unit: :data:`TERRITORY_COLUMNS` (``code``, ``name`` and ``level``
        of the unit, ``boundary_name`` as the boundary writes it, ``source`` ``osm:r123`` or
        ``file:<row>``, ``admin_level`` (0 when unknown), ``matched_by`` ``code``, ``name``
        or ``parent``) and a valid WGS-84 MultiPolygon, sorted by code.
    report : dict
        ``boundaries`` (rows read), ``matched``, ``matched_by`` (count per way of matching)
        and ``unmatched``: one entry per boundary not used, with ``source``, ``name``,
        ``admin_level`` and ``why``.
    """
    if boundaries is None or boundaries.empty:
        return empty_territories(), {
            "boundaries": 0,
            "matched": 0,
            "matched_by": {},
            "unmatched": [],
        }
    codes = divisions["code"].astype(str).tolist()
    level_of = dict(zip(codes, divisions["level"].astype(int), strict=True))
    name_of = dict(zip(codes, divisions["name"].astype(str), strict=True))
    parent_of = dict(zip(codes, divisions["parent_code"].astype(str), strict=True))
    by_code, spellings = _division_lookups(divisions, codes)

    rows = boundaries.reset_index(drop=True)
    chosen, pending, geoms, unmatched = _match_rows(rows, by_code, spellings)
    _match_by_parent(pending, chosen, geoms, parent_of)
    for i, cands in pending.items():
        why = f"{len(cands)} units of this name ({', '.join(cands)}) and no matched parent"
        unmatched.append(_unmatched(rows, i, why))
    taken = _one_per_unit(chosen, rows, unmatched)
    keep_rows = sorted(taken.values(), key=lambda i: chosen[i][0])
    unmatched.sort(key=lambda u: u["source"])
    hows = [chosen[i][1] for i in keep_rows]
    report = {
        "boundaries": len(rows),
        "matched": len(keep_rows),
        "matched_by": {h: hows.count(h) for h in ("code", "name", "parent") if h in hows},
        "unmatched": unmatched,
    }
    if not keep_rows:
        return empty_territories(), report
    matched = [(i, *chosen[i]) for i in keep_rows]
    return _territory_frame(matched, rows, geoms, name_of, level_of), report


def empty_territories() -> gpd.GeoDataFrame:
    """A territories layer with no rows (an area without boundary polygons)."""
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in TERRITORY_COLUMNS})
    out["level"] = out["level"].astype("int64")
    out["admin_level"] = out["admin_level"].astype("int64")
    return gpd.GeoDataFrame(out, geometry=[], crs="EPSG:4326")
