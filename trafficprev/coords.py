"""Convert between WGS-84 and the Chinese map coordinate systems GCJ-02 and BD-09.

GCJ-02 ("火星坐标", used by Amap/Gaode, Tencent and Google in China) is not a datum but a
deliberate obfuscation: a non-linear, position-dependent offset of a few hundred metres
(515-679 m in Hunan) added to WGS-84 longitude and latitude. No EPSG code describes it, so
pyproj cannot convert it; this module implements the published formula (Krasovsky constants
``a = 6378245.0``, ``ee = 0.00669342162296594323``) with numpy. BD-09 (Baidu) adds a
second, published distortion on top of GCJ-02, about 1.2 km from WGS-84 in total.

Conventions
-----------
* Everything inside trafficprev is WGS-84 longitude/latitude in degrees. Conversion happens
  only at the edges: :func:`to_wgs84` for coordinates read from Amap/Baidu exports or
  geocoders, :func:`from_wgs84` for GCJ-02/BD-09 output columns or Gaode tiles.
* Every function takes ``(lon, lat)`` in that order (x before y) and accepts scalars,
  lists, numpy arrays or pandas Series. It returns a tuple of float64 numpy arrays, or of
  floats when both inputs are scalars. NaN in gives NaN out, without warnings.
* Points outside the usual ``out_of_china`` box (lon 72.004-137.8347, lat 0.8293-55.8271)
  are returned unchanged by the GCJ-02 conversions, as every reference implementation does.
  The GCJ-02 <-> BD-09 step is applied everywhere, also as in the reference implementations.
* The inverses (:func:`gcj02_to_wgs84`, :func:`bd09_to_gcj02`, :func:`bd09_to_wgs84`) start
  from the published one-step inverse (about 1.6 m off for GCJ-02) and refine it by
  fixed-point iteration, so a round trip is exact to far below 1 mm.
* CGCS2000 geographic coordinates (EPSG:4490, Tianditu) are treated as WGS-84: the two
  differ by a few centimetres, far below the accuracy of accident locations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from trafficprev._errors import SchemaError

__all__ = [
    "COMPASS",
    "CRS_NAMES",
    "EARTH_RADIUS_M",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "compass",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "metric_crs",
    "normalize_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

CRS_NAMES: tuple[str, ...] = ("WGS84", "GCJ02", "BD09", "CGCS2000")
"""Canonical names returned by :func:`normalize_crs`."""

COMPASS: tuple[str, ...] = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
"""The eight compass words, clockwise from north at 45° steps (北 0°, 东北 45°, …)."""

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
#: Mean Earth radius (m), IUGG; the sphere of :func:`haversine_m`.
EARTH_RADIUS_M = 6371008.8
_TOL = 1e-10  # degrees (about 11 micrometres): stop refining an inverse below this
_ITERATIONS = 10

Pair = tuple[Any, Any]

_ALIASES = {
    "WGS84": ("wgs84", "wgs", "wgs1984", "gps", "epsg4326", "4326", "世界大地"),
    "GCJ02": ("gcj02", "gcj", "火星", "国测局", "国家测绘局", "amap", "gaode", "高德", "腾讯"),
    "BD09": ("bd09", "bd", "bd09ll", "baidu", "百度"),
    "CGCS2000": ("cgcs2000", "cgcs", "epsg4490", "4490", "2000国家大地", "国家2000", "天地图"),
}
_LOOKUP = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def _as_float(x: Any) -> np.ndarray:
    """Return ``x`` as a float64 array (pandas NA becomes NaN)."""
    if hasattr(x, "to_numpy"):
        return x.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(x, dtype="float64")


def _wrap(func: Callable[[np.ndarray, np.ndarray], Pair], lon: Any, lat: Any) -> Pair:
    """Apply ``func`` to float arrays; return floats for scalar input."""
    x, y = np.broadcast_arrays(_as_float(lon), _as_float(lat))
    with np.errstate(all="ignore"):
        out_lon, out_lat = func(x, y)
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(out_lon), float(out_lat)
    return np.asarray(out_lon, dtype="float64"), np.asarray(out_lat, dtype="float64")


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> Pair:
    """GCJ-02 minus WGS-84 in degrees at the WGS-84 point, by the published formula."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _refine(fwd: Callable[..., Pair], x: Any, y: Any, lon: Any, lat: Any, steps: int) -> Pair:
    """Fixed-point refinement of ``(lon, lat)`` so that ``fwd(lon, lat) == (x, y)``.

    Each point stops on its own once its correction is below ``_TOL``, so its result does
    not depend on the other points of the batch.
    """
    active = np.ones(np.shape(lon), dtype=bool)
    for _ in range(steps):
        fx, fy = fwd(lon, lat)
        dx, dy = fx - x, fy - y
        lon, lat = np.where(active, lon - dx, lon), np.where(active, lat - dy, lat)
        active &= (np.abs(dx) >= _TOL) | (np.abs(dy) >= _TOL)  # NaN compares False
        if not active.any():
            break
    return lon, lat


def _wgs_gcj(lon: np.ndarray, lat: np.ndarray) -> Pair:
    dlon, dlat = _gcj_offset(lon, lat)
    inside = _in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj_wgs(lon: np.ndarray, lat: np.ndarray, iterations: int) -> Pair:
    def fwd(u: np.ndarray, v: np.ndarray) -> Pair:
        du, dv = _gcj_offset(u, v)
        return u + du, v + dv

    dlon, dlat = _gcj_offset(lon, lat)  # the published one-step inverse
    wlon, wlat = _refine(fwd, lon, lat, lon - dlon, lat - dlat, iterations)
    inside = _in_china(lon, lat)
    return np.where(inside, wlon, lon), np.where(inside, wlat, lat)


def _gcj_bd(lon: np.ndarray, lat: np.ndarray) -> Pair:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_gcj(lon: np.ndarray, lat: np.ndarray, iterations: int) -> Pair:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)  # the published inverse
    return _refine(_gcj_bd, lon, lat, z * np.cos(theta), z * np.sin(theta), iterations)


def wgs84_to_gcj02(lon: Any, lat: Any) -> Pair:
    """Convert WGS-84 to GCJ-02 (Amap/Gaode, Tencent) by the published formula.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees (scalars or array-likes).

    Returns
    -------
    tuple
        GCJ-02 ``(lon, lat)``. Points outside China are returned unchanged.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.404, 39.915)
    >>> round(lon, 7), round(lat, 7)
    (116.4102445, 39.9164043)
    """
    return _wrap(_wgs_gcj, lon, lat)


def gcj02_to_wgs84(lon: Any, lat: Any, *, iterations: int = _ITERATIONS) -> Pair:
    """Convert GCJ-02 to WGS-84 with an iterated, exact inverse.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.
    iterations
        Most refinement steps after the published one-step inverse (about 1.6 m off); it
        stops once no point moves by more than 1e-10 degrees (three steps usually).
        ``0`` gives the one-step inverse of the reference implementations.

    Returns
    -------
    tuple
        WGS-84 ``(lon, lat)``; a round trip is exact to far below 1 mm. Points outside
        China are returned unchanged.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.4102445, 39.9164043)
    >>> round(lon, 6), round(lat, 6)
    (116.404, 39.915)
    """
    return _wrap(lambda x, y: _gcj_wgs(x, y, iterations), lon, lat)


def gcj02_to_bd09(lon: Any, lat: Any) -> Pair:
    """Convert GCJ-02 to BD-09 (Baidu) by the published formula (applied everywhere).

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(116.404, 39.915)
    >>> round(lon, 6), round(lat, 6)
    (116.410369, 39.921337)
    """
    return _wrap(_gcj_bd, lon, lat)


def bd09_to_gcj02(lon: Any, lat: Any, *, iterations: int = _ITERATIONS) -> Pair:
    """Convert BD-09 to GCJ-02, refining the published inverse (about 1e-7 deg off).

    ``iterations`` works as in :func:`gcj02_to_wgs84`; ``0`` gives the published inverse.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(116.410369, 39.921337)
    >>> round(lon, 6), round(lat, 6)
    (116.404, 39.915)
    """
    return _wrap(lambda x, y: _bd_gcj(x, y, iterations), lon, lat)


def wgs84_to_bd09(lon: Any, lat: Any) -> Pair:
    """Convert WGS-84 to BD-09 (through GCJ-02).

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(112.9388, 28.2282)
    >>> round(lon, 4), round(lat, 4)
    (112.9507, 28.2308)
    """
    return _wrap(lambda x, y: _gcj_bd(*_wgs_gcj(x, y)), lon, lat)


def bd09_to_wgs84(lon: Any, lat: Any, *, iterations: int = _ITERATIONS) -> Pair:
    """Convert BD-09 to WGS-84 with exact (iterated) inverses of both steps.

    ``iterations`` is passed to :func:`bd09_to_gcj02` and :func:`gcj02_to_wgs84`.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(112.9388, 28.2282))
    >>> round(lon, 9), round(lat, 9)
    (112.9388, 28.2282)
    """
    return _wrap(lambda x, y: _gcj_wgs(*_bd_gcj(x, y, iterations), iterations), lon, lat)


def normalize_crs(name: Any) -> str:
    """Return the canonical name (one of :data:`CRS_NAMES`) of a coordinate system.

    Case, spaces, ``-``, ``_``, ``:`` and a trailing 坐标/坐标系 are ignored, so "WGS-84",
    "EPSG:4326", "GCJ-02", "火星坐标", "BD-09", "百度坐标系" and "2000国家大地坐标系" are
    all understood. ``None``, NaN and the empty string mean WGS-84.

    Raises
    ------
    SchemaError
        (a ``ValueError``) for an unknown name.

    Examples
    --------
    >>> normalize_crs("GCJ-02"), normalize_crs("百度"), normalize_crs("EPSG:4490")
    ('GCJ02', 'BD09', 'CGCS2000')
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return "WGS84"
    key = re.sub(r"[\s\-_:./]", "", str(name).casefold())
    key = key.removesuffix("坐标系").removesuffix("坐标").removesuffix("系")
    if not key:
        return "WGS84"
    if key not in _LOOKUP:
        raise SchemaError(
            f"unknown coordinate system {name!r}; expected one of {', '.join(CRS_NAMES)}"
        )
    return _LOOKUP[key]


_TO_WGS: dict[str, Callable[[np.ndarray, np.ndarray], Pair]] = {
    "GCJ02": lambda x, y: _gcj_wgs(x, y, _ITERATIONS),
    "BD09": lambda x, y: _gcj_wgs(*_bd_gcj(x, y, _ITERATIONS), _ITERATIONS),
}
_FROM_WGS: dict[str, Callable[[np.ndarray, np.ndarray], Pair]] = {
    "GCJ02": _wgs_gcj,
    "BD09": lambda x, y: _gcj_bd(*_wgs_gcj(x, y)),
}


def _crs_codes(crs: Any) -> np.ndarray:
    """Canonical name of each element of an array-like of names; all unknown ones reported."""
    index, uniques = pd.factorize(np.asarray(crs, dtype=object).ravel())
    known, bad = ["WGS84"] * (len(uniques) + 1), []  # index -1 (missing) picks the last
    for i, value in enumerate(uniques):
        try:
            known[i] = normalize_crs(value)
        except SchemaError:
            bad.append(value)
    if bad:
        raise SchemaError(f"unknown coordinate system(s) {bad}; expected one of {CRS_NAMES}")
    return np.array(known, dtype=object)[index].reshape(np.shape(crs))


def _per_crs(lon: Any, lat: Any, crs: Any, funcs: dict[str, Callable[..., Pair]]) -> Pair:
    """Apply ``funcs[normalize_crs(c)]`` to the points whose coordinate system is ``c``."""
    if np.ndim(crs) == 0:
        code = normalize_crs(crs)
        return _wrap(funcs.get(code, lambda x, y: (x, y)), lon, lat)
    codes = _crs_codes(crs)
    lon, lat, codes = np.broadcast_arrays(_as_float(lon), _as_float(lat), codes)

    def convert(x: np.ndarray, y: np.ndarray) -> Pair:
        out_x, out_y = x.copy(), y.copy()
        for code, func in funcs.items():
            m = codes == code
            if m.any():
                out_x[m], out_y[m] = func(x[m], y[m])
        return out_x, out_y

    return _wrap(convert, lon, lat)


def to_wgs84(lon: Any, lat: Any, crs: Any) -> Pair:
    """Convert coordinates given in ``crs`` (one name, or one per point) to WGS-84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees.
    crs
        A name understood by :func:`normalize_crs`, or an array-like of names, one per
        point. Empty or missing names mean WGS-84; CGCS2000 is taken as WGS-84.

    Examples
    --------
    >>> lon, lat = to_wgs84([116.4102445, 116.404], [39.9164043, 39.915], ["gcj02", "WGS-84"])
    >>> lon.round(6).tolist(), lat.round(6).tolist()
    ([116.404, 116.404], [39.915, 39.915])
    """
    return _per_crs(lon, lat, crs, _TO_WGS)


def from_wgs84(lon: Any, lat: Any, crs: Any) -> Pair:
    """Convert WGS-84 coordinates to ``crs`` (one name, or one per point); see :func:`to_wgs84`.

    Examples
    --------
    >>> lon, lat = from_wgs84(116.404, 39.915, "火星坐标")
    >>> round(lon, 7), round(lat, 7)
    (116.4102445, 39.9164043)
    """
    return _per_crs(lon, lat, crs, _FROM_WGS)


def metric_crs(lon: Any, lat: Any) -> str:
    """Return the UTM zone (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south) of the median point.

    The special zones of Norway and Svalbard are ignored.

    Raises
    ------
    SchemaError
        If there is no finite coordinate pair.

    Examples
    --------
    >>> metric_crs([111.69, 111.70], [29.03, 29.04])  # Changde
    'EPSG:32649'
    """
    x, y = np.broadcast_arrays(_as_float(lon), _as_float(lat))
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise SchemaError("metric_crs needs at least one finite (lon, lat) pair")
    mlon, mlat = float(np.median(x[ok])), float(np.median(y[ok]))
    zone = min(max(int((mlon + 180.0) // 6.0) + 1, 1), 60)
    return f"EPSG:{326 if mlat >= 0 else 327}{zone:02d}"


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Great-circle distance in metres on a sphere of radius 6,371,008.8 m.

    Examples
    --------
    >>> round(haversine_m(112.0, 28.0, 112.0, 29.0))
    111195
    """
    arrays = [_as_float(v) for v in (lon1, lat1, lon2, lat2)]
    x1, y1, x2, y2 = (np.radians(a) for a in np.broadcast_arrays(*arrays))
    with np.errstate(all="ignore"):
        h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
        d = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if d.ndim == 0 else d


def compass(dx: Any, dy: Any) -> Any:
    """The compass word of the direction (`dx` east, `dy` north), one of :data:`COMPASS`.

    Each word covers 45° centred on its bearing (东北: 22.5°–67.5°, a boundary belongs to
    the word clockwise of it); ``(0, 0)`` is 北, a non-finite component gives ``""``.

    Parameters
    ----------
    dx, dy
        East and north components (any unit, the same for both): scalars, arrays or
        pandas Series, broadcast together.

    Returns
    -------
    str or numpy.ndarray
        A str for scalars, else an object array of words.

    Examples
    --------
    >>> compass(1.0, 1.0)
    '东北'
    >>> compass(np.array([0.0, -3.0, 2.0]), np.array([1.0, 0.0, -2.0])).tolist()
    ['北', '西', '东南']
    """
    x, y = np.broadcast_arrays(_as_float(dx), _as_float(dy))
    ok = np.isfinite(x) & np.isfinite(y)
    with np.errstate(invalid="ignore"):
        angle = (np.degrees(np.arctan2(x, y)) + 360.0) % 360.0
        k = np.where(ok, ((angle + 22.5) % 360.0) // 45.0, 0).astype(np.int64)
    words = np.where(ok, np.asarray(COMPASS, dtype=object)[k], "")
    return str(words.item()) if words.ndim == 0 else words.astype(object)
