"""How far a point or a road lies from an admin unit's territory, in metres.

An area built from boundary polygons (OSM ``boundary=administrative`` relations, a boundary
layer; :attr:`~trafficprev.area.Area.territories`) knows each matched unit's territory. The
resolver uses it to rank candidates by the area a text names (design T2): a candidate inside
(within :data:`ON_BOUNDARY_M` of the polygon: a road drawn along the boundary belongs to both
sides) ranks first; one outside but within the resolver's ``scope_margin_m`` is accepted with
its confidence times :data:`OUTSIDE_FACTOR`; one farther away is not placed in that area's
name. Without polygons for a unit, the resolver keeps its nearest-centre territories.

Everything here works in the area's metric CRS (:meth:`~trafficprev.area.Area.to_metric`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..area import to_metric_geoms

__all__ = ["ON_BOUNDARY_M", "OUTSIDE_FACTOR", "Territories"]

#: A point or road this close to a territory counts as inside it: the width of a road and the
#: gap between a road and a boundary digitised along it.
ON_BOUNDARY_M = 30.0
#: Confidence factor of a candidate outside the named area but within the margin.
OUTSIDE_FACTOR = 0.8


class Territories:
    """The metric polygons of an area's territories, by admin code.

    Parameters
    ----------
    territories
        The area's territories layer (``code`` and WGS-84 (Multi)Polygons); may be empty.
    to_metric
        ``(lon, lat) -> (x, y)`` of the area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> square = shapely.box(0, 0, 1000, 1000)
    >>> t = Territories(gpd.GeoDataFrame({"code": ["A"]}, geometry=[square]), lambda x, y: (x, y))
    >>> t.distance(["A"], shapely.points([500, 1500], [500, 500]), within=5000).tolist()
    [0.0, 500.0]
    >>> t.distance(["B"], shapely.points([500], [500]), within=5000).tolist()
    [inf]
    """

    def __init__(
        self, territories: pd.DataFrame, to_metric: Callable[[Any, Any], tuple[Any, Any]]
    ) -> None:
        n = 0 if territories is None else len(territories)
        if n:
            geoms = to_metric_geoms(territories.geometry.to_numpy(), to_metric)
            codes = territories["code"].astype(str).to_numpy()
        else:
            geoms, codes = np.empty(0, dtype=object), np.empty(0, dtype=object)
        self._geoms = geoms
        self._row = {c: i for i, c in enumerate(codes)}
        self._tree = shapely.STRtree(geoms) if n else None
        self._shapes: dict[tuple[str, ...], BaseGeometry | None] = {}
        self._zones: dict[tuple[str, ...], BaseGeometry] = {}

    def __len__(self) -> int:
        return len(self._geoms)

    def has(self, codes: Iterable[str]) -> bool:
        """Whether every unit of `codes` (at least one) has a polygon."""
        codes = list(codes)
        return bool(codes) and all(c in self._row for c in codes)

    def shape(self, codes: Sequence[str]) -> BaseGeometry | None:
        """The union of the polygons of `codes` (prepared), or None if one has none."""
        key = tuple(sorted(set(codes)))
        if key not in self._shapes:
            if not self.has(key):
                self._shapes[key] = None
            else:
                union = shapely.union_all(self._geoms[[self._row[c] for c in key]])
                shapely.prepare(union)
                self._shapes[key] = union
        return self._shapes[key]

    def distance(self, codes: Sequence[str], geoms: Any, *, within: float) -> np.ndarray:
        """Metres from each geometry to the territory of `codes` (0 inside or touching).

        Parameters
        ----------
        codes
            The units whose polygons make up the territory (their union).
        geoms
            Metric points or lines (array-like of shapely geometries).
        within
            Distances beyond this are not computed: they are ``inf``, as for a territory
            without polygons (the STRtree finds the pairs within reach).

        Returns
        -------
        numpy.ndarray
            One distance per geometry.
        """
        geoms = np.atleast_1d(np.asarray(geoms, dtype=object))
        shape = self.shape(codes)
        if shape is not None and len(geoms):  # the prepared union: touching ones cost little
            out = np.zeros(len(geoms))
            apart = ~shapely.intersects(shape, geoms)
            if apart.any():
                d = shapely.distance(shape, geoms[apart])
                out[apart] = np.where(d <= within, d, np.inf)
            return out
        out = np.full(len(geoms), np.inf)
        rows = [self._row[c] for c in set(codes) if c in self._row]
        if not len(geoms) or not rows or self._tree is None:
            return out
        g, t = self._tree.query(geoms, predicate="dwithin", distance=within)
        keep = np.isin(t, rows)
        g, t = g[keep], t[keep]
        if len(g):
            d = shapely.distance(geoms[g], self._geoms[t])
            np.minimum.at(out, g, d)
        return out

    def point_distance(self, codes: Sequence[str], x: Any, y: Any, *, within: float) -> np.ndarray:
        """:meth:`distance` of metric points given by their coordinates.

        When every unit of `codes` has a polygon, points inside their (prepared) union are
        answered without a distance computation; most candidates are inside.
        """
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        shape = self.shape(codes)
        if shape is None:
            return self.distance(codes, shapely.points(x, y), within=within)
        out = np.zeros(len(x))
        outside = ~shapely.contains_xy(shape, x, y)
        if outside.any():
            d = shapely.distance(shape, shapely.points(x[outside], y[outside]))
            out[outside] = np.where(d <= within, d, np.inf)
        return out

    def part_in(
        self, codes: Sequence[str], line: BaseGeometry
    ) -> tuple[float, float, float, float] | None:
        """The middle of the longest part of `line` inside the territory, else its nearest point.

        Parameters
        ----------
        codes
            The units whose polygons make up the territory.
        line
            A metric line (a road's carriageway).

        Returns
        -------
        tuple of float or None
            ``(x, y, distance, length)``: the middle (along the line) of the longest piece
            of `line` within :data:`ON_BOUNDARY_M` of the territory, distance 0, and the
            length of the line inside; when the line stays outside, the middle of its stretch
            nearest the territory (within :data:`ON_BOUNDARY_M` of the nearest distance), that
            point's distance and 0. None when the units have no polygons.
        """
        shape = self.shape(codes)
        if shape is None or line is None or line.is_empty:
            return None
        if shapely.dwithin(line, shape, ON_BOUNDARY_M):
            key = tuple(sorted(set(codes)))
            if key not in self._zones:
                self._zones[key] = shapely.buffer(shape, ON_BOUNDARY_M, quad_segs=2)
                shapely.prepare(self._zones[key])
            zone = self._zones[key]
            pieces = [
                p
                for p in shapely.get_parts(shapely.intersection(line, zone))
                if shapely.get_type_id(p) == 1 and p.length > 0
            ]
            if pieces:
                piece = max(pieces, key=lambda p: p.length)
                mid = piece.interpolate(0.5, normalized=True)
                return float(mid.x), float(mid.y), 0.0, float(sum(p.length for p in pieces))
        d = float(shapely.distance(line, shape))
        # the middle of the stretch nearest the territory (a road along it, a little outside)
        band = shapely.intersection(line, shapely.buffer(shape, d + ON_BOUNDARY_M, quad_segs=2))
        pieces = [p for p in shapely.get_parts(band) if shapely.get_type_id(p) == 1]
        if pieces:
            mid = max(pieces, key=lambda p: p.length).interpolate(0.5, normalized=True)
            return float(mid.x), float(mid.y), float(shapely.distance(mid, shape)), 0.0
        p = shapely.get_point(shapely.shortest_line(line, shape), 0)
        return float(p.x), float(p.y), d, 0.0
