"""trafficprev.coords: GCJ-02/BD-09 conversions against methods.md §4.3 and the peer packages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev import coords
from trafficprev._errors import SchemaError, TrafficPrevError

coordTransform = pytest.importorskip("coordTransform")  # noqa: N816 - the peer's import name
prcoords = pytest.importorskip("prcoords")

N = 10_000
HUNAN = (108.6, 114.3, 24.6, 30.2)
CHINA = (73.7, 135.0, 3.9, 53.5)  # inside both peers' out-of-China boxes
GEOD = pyproj.Geod(ellps="WGS84")

# methods.md §4.3, as (lat, lon) WGS-84 -> (lat, lon) GCJ-02, shift in metres (pyproj.Geod)
REFERENCE = [
    ((39.915, 116.404), (39.9164043, 116.4102446), 555.6),
    ((31.230416, 121.473701), (31.2284737, 121.4782241), 481.8),
    ((30.5928, 114.3055), (30.5903905, 114.3109450), 586.7),
]


def _points(box: tuple[float, float, float, float], seed: int = 0, n: int = N):
    rng = np.random.default_rng(seed)
    return rng.uniform(box[0], box[1], n), rng.uniform(box[2], box[3], n)


def _mm(lon1, lat1, lon2, lat2) -> float:
    """Largest distance between two sets of points, in millimetres."""
    return float(np.max(coords.haversine_m(lon1, lat1, lon2, lat2))) * 1000.0


# --- reference values -----------------------------------------------------------------------


@pytest.mark.parametrize(("wgs", "gcj", "shift"), REFERENCE)
def test_reference_values(wgs, gcj, shift):
    lon, lat = coords.wgs84_to_gcj02(wgs[1], wgs[0])
    # methods.md rounds Beijing's lon 116.41024449917 up to ...446: 1.008e-7 off, so 1.5e-7
    assert lon == pytest.approx(gcj[1], abs=1.5e-7)
    assert lat == pytest.approx(gcj[0], abs=1e-7)
    # methods.md's shifts are within 1 m of both the ellipsoid (measured 556.2, 481.7 and
    # 586.6 m with pyproj.Geod) and the sphere of haversine_m (555.0, 481.2 and 586.0 m)
    assert GEOD.inv(wgs[1], wgs[0], lon, lat)[2] == pytest.approx(shift, abs=1.0)
    assert coords.haversine_m(wgs[1], wgs[0], lon, lat) == pytest.approx(shift, abs=1.0)
    back = coords.gcj02_to_wgs84(lon, lat)
    assert _mm(wgs[1], wgs[0], *back) < 1e-3


def test_changsha_shift_matches_ecosystem_table():
    lon, lat = 112.9388, 28.2282
    fwd_az, _, dist = GEOD.inv(lon, lat, *coords.wgs84_to_gcj02(lon, lat))
    assert dist == pytest.approx(661, abs=1)
    assert fwd_az == pytest.approx(126, abs=1)  # towards the south-east
    assert GEOD.inv(lon, lat, *coords.wgs84_to_bd09(lon, lat))[2] == pytest.approx(1207, abs=2)


def test_hunan_shift_range_and_median():
    lon, lat = _points(HUNAN, seed=1)
    shift = coords.haversine_m(lon, lat, *coords.wgs84_to_gcj02(lon, lat))
    # measured on this box (seeds 0-4): min 506 m (the NW corner, outside Hunan proper,
    # hence below the 515 m of ecosystem.md), median 619.1-619.9 m, max 678.9 m
    assert 500 < shift.min() < 520
    assert 670 < shift.max() < 685
    assert np.median(shift) == pytest.approx(622, abs=5)
    bd = coords.haversine_m(lon, lat, *coords.wgs84_to_bd09(lon, lat))
    assert np.median(bd) == pytest.approx(1200, abs=50)


# --- agreement with the peer packages ---------------------------------------------------------


@pytest.mark.parametrize("box", [HUNAN, CHINA], ids=["hunan", "china"])
def test_forward_matches_peers(box):
    lon, lat = _points(box, seed=2)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    clon, clat = map(np.asarray, coordTransform.wgs84_to_gcj02(lon, lat))
    np.testing.assert_allclose(glon, clon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(glat, clat, rtol=0, atol=1e-9)
    pr = np.array([prcoords.wgs_gcj((b, a)) for a, b in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(glon, pr[:, 1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(glat, pr[:, 0], rtol=0, atol=1e-9)

    blon, blat = coords.gcj02_to_bd09(glon, glat)
    cblon, cblat = map(np.asarray, coordTransform.gcj02_to_bd09(glon, glat))
    np.testing.assert_allclose(blon, cblon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(blat, cblat, rtol=0, atol=1e-9)
    wb = coords.wgs84_to_bd09(lon, lat)
    cwb = coordTransform.wgs84_to_bd09(lon, lat)
    np.testing.assert_allclose(wb, np.asarray(cwb), rtol=0, atol=1e-9)


@pytest.mark.parametrize("box", [HUNAN, CHINA], ids=["hunan", "china"])
def test_one_step_inverses_match_peers(box):
    """``iterations=0`` is exactly the peers' published (approximate) inverse."""
    lon, lat = _points(box, seed=3)
    g = coords.wgs84_to_gcj02(lon, lat)
    ours = coords.gcj02_to_wgs84(*g, iterations=0)
    theirs = np.asarray(coordTransform.gcj02_to_wgs84(*g))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    b = coords.gcj02_to_bd09(*g)
    ours_bd = coords.bd09_to_gcj02(*b, iterations=0)
    np.testing.assert_allclose(ours_bd, np.asarray(coordTransform.bd09_to_gcj02(*b)), atol=1e-9)
    pr = np.array([prcoords.bd_gcj((y, x)) for x, y in zip(*b, strict=True)])
    np.testing.assert_allclose(ours_bd, pr[:, ::-1].T, rtol=0, atol=1e-9)


@pytest.mark.parametrize("box", [HUNAN, CHINA], ids=["hunan", "china"])
def test_iterated_inverse_beats_peers(box):
    lon, lat = _points(box, seed=4)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    ours = _mm(lon, lat, *coords.gcj02_to_wgs84(glon, glat))
    one_step = _mm(lon, lat, *map(np.asarray, coordTransform.gcj02_to_wgs84(glon, glat)))
    assert ours < 1e-3  # measured: max 4e-5 mm (Hunan), 5e-5 mm (China)
    assert 1_000 < one_step < 5_000  # measured: max 3.0 m (Hunan), 4.4 m (China)
    # prcoords' "bored" inverse stops once its correction is < 1e-5 deg, so it keeps the
    # error of one more step: measured max 2.6 mm (Hunan), 4.3 mm (China)
    bored = np.array([prcoords.gcj_wgs_bored((b, a)) for a, b in zip(glon, glat, strict=True)])
    assert _mm(lon, lat, bored[:, 1], bored[:, 0]) < 10
    assert _mm(*coords.gcj02_to_wgs84(glon, glat), bored[:, 1], bored[:, 0]) < 10
    assert ours < _mm(lon, lat, bored[:, 1], bored[:, 0]) / 100


@pytest.mark.parametrize("box", [HUNAN, CHINA], ids=["hunan", "china"])
def test_round_trips_below_a_millimetre(box):
    lon, lat = _points(box, seed=5)
    assert _mm(lon, lat, *coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))) < 1e-3
    assert _mm(lon, lat, *coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))) < 1e-3
    g = coords.wgs84_to_gcj02(lon, lat)
    assert _mm(*g, *coords.bd09_to_gcj02(*coords.gcj02_to_bd09(*g))) < 1e-3
    # the published BD-09 inverse alone is decimetre-level
    assert _mm(*g, *coords.bd09_to_gcj02(*coords.gcj02_to_bd09(*g), iterations=0)) > 10


@settings(max_examples=200, deadline=None)
@given(
    lon=st.floats(72.05, 137.78, allow_nan=False),
    lat=st.floats(0.88, 55.78, allow_nan=False),
)
def test_round_trip_property(lon, lat):
    assert (
        coords.haversine_m(lon, lat, *coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat)))
        < 1e-3
    )
    assert (
        coords.haversine_m(lon, lat, *coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))) < 1e-3
    )


# --- input kinds, NaN, outside China ------------------------------------------------------------


@pytest.mark.parametrize(
    "func",
    [
        coords.wgs84_to_gcj02,
        coords.gcj02_to_wgs84,
        coords.gcj02_to_bd09,
        coords.bd09_to_gcj02,
        coords.wgs84_to_bd09,
        coords.bd09_to_wgs84,
    ],
)
def test_scalar_list_array_series_agree(func):
    lon, lat = [111.69, 112.94, 110.0], [29.03, 28.23, 27.5]
    out = func(lon[1], lat[1])
    assert isinstance(out, tuple)
    assert all(type(v) is float for v in out)
    for kind in (list, np.asarray, pd.Series):
        olon, olat = func(kind(lon), kind(lat))
        assert isinstance(olon, np.ndarray)
        assert olon.dtype == np.float64
        assert olon.shape == (3,)
        assert (olon[1], olat[1]) == out
        assert olon[0] != lon[0]  # something happened


def test_nan_in_nan_out_without_warnings():
    lon = pd.Series([112.0, np.nan, None, 113.0], dtype="Float64")
    lat = [28.0, 28.0, 28.0, np.nan]
    for func in (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84, coords.bd09_to_wgs84):
        olon, olat = func(lon, lat)
        assert np.isfinite(olon[0])
        assert np.isfinite(olat[0])
        assert np.isnan(olon[1:3]).all()
        assert np.isnan(olat[3])
    assert all(np.isnan(coords.gcj02_to_wgs84(np.nan, np.nan)))
    assert np.isnan(coords.haversine_m(np.nan, 1.0, 2.0, 3.0))
    assert coords.gcj02_to_wgs84([np.nan], [np.nan])[0].shape == (1,)
    inf = coords.wgs84_to_gcj02([np.inf, 112.0], [28.0, 28.0])
    assert inf[0][0] == np.inf


def test_outside_china_is_returned_unchanged():
    lon, lat = [2.35, -74.0, 139.69, 100.5, 105.0], [48.86, 40.7, 35.69, 0.5, 56.0]
    for func in (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84):
        olon, olat = func(lon, lat)
        np.testing.assert_array_equal(olon, lon)
        np.testing.assert_array_equal(olat, lat)
    # the GCJ-02 <-> BD-09 step is applied everywhere, as by the peers
    assert coords.wgs84_to_bd09(2.35, 48.86) == pytest.approx(
        tuple(coordTransform.wgs84_to_bd09(2.35, 48.86)), abs=1e-12
    )
    assert coords.bd09_to_wgs84(*coords.wgs84_to_bd09(2.35, 48.86)) == pytest.approx(
        (2.35, 48.86), abs=1e-10
    )


# --- to_wgs84 / from_wgs84 / normalize_crs ------------------------------------------------------


def test_to_wgs84_with_mixed_per_row_crs():
    wlon, wlat = np.array([112.94, 111.69, 110.0, 113.1, 112.5, 112.0]), np.full(6, 28.2)
    crs = pd.Series(["GCJ-02", "百度", "wgs84", None, "CGCS2000", "gcj02"])
    glon, glat = coords.wgs84_to_gcj02(wlon, wlat)
    blon, blat = coords.wgs84_to_bd09(wlon, wlat)
    in_lon = np.where(crs.isin(["GCJ-02", "gcj02"]), glon, np.where(crs == "百度", blon, wlon))
    in_lat = np.where(crs.isin(["GCJ-02", "gcj02"]), glat, np.where(crs == "百度", blat, wlat))
    olon, olat = coords.to_wgs84(in_lon, in_lat, crs)
    assert _mm(olon, olat, wlon, wlat) < 1e-3
    np.testing.assert_array_equal(olon[[2, 3, 4]], wlon[[2, 3, 4]])
    flon, flat = coords.from_wgs84(wlon, wlat, crs)
    np.testing.assert_allclose(flon, in_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(flat, in_lat, rtol=0, atol=1e-12)


def test_to_wgs84_scalar_crs_and_broadcast():
    g = coords.wgs84_to_gcj02(112.94, 28.23)
    assert coords.to_wgs84(*g, "火星坐标") == pytest.approx((112.94, 28.23), abs=1e-10)
    assert coords.to_wgs84(112.94, 28.23, "") == (112.94, 28.23)
    assert coords.to_wgs84(112.94, 28.23, None) == (112.94, 28.23)
    olon, _ = coords.from_wgs84(112.94, 28.23, ["gcj02", "bd09", "wgs84"])
    assert olon.shape == (3,)
    assert olon[0] == g[0]
    assert olon[2] == 112.94


def test_to_wgs84_unknown_crs_names_every_bad_value():
    with pytest.raises(SchemaError, match=r"'UTM50'.*'bd09mc'") as info:
        coords.to_wgs84([112, 113, 114], [28, 28, 28], ["UTM50", "gcj02", "bd09mc"])
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TrafficPrevError)
    with pytest.raises(ValueError, match="xian80"):
        coords.from_wgs84(112, 28, "xian80")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WGS84", "WGS84"),
        ("WGS-84", "WGS84"),
        ("wgs84", "WGS84"),
        ("wgs 84", "WGS84"),
        ("EPSG:4326", "WGS84"),
        ("epsg:4326", "WGS84"),
        ("GPS", "WGS84"),
        ("", "WGS84"),
        ("  ", "WGS84"),
        (None, "WGS84"),
        (float("nan"), "WGS84"),
        ("GCJ-02", "GCJ02"),
        ("gcj02", "GCJ02"),
        ("GCJ_02", "GCJ02"),
        ("火星坐标", "GCJ02"),
        ("火星坐标系", "GCJ02"),
        ("高德", "GCJ02"),
        ("BD-09", "BD09"),
        ("bd09", "BD09"),
        ("BD09LL", "BD09"),
        ("百度", "BD09"),
        ("百度坐标系", "BD09"),
        ("CGCS2000", "CGCS2000"),
        ("cgcs 2000", "CGCS2000"),
        ("2000国家大地坐标系", "CGCS2000"),
        ("EPSG:4490", "CGCS2000"),
    ],
)
def test_normalize_crs_spellings(name, expected):
    assert coords.normalize_crs(name) == expected
    assert expected in coords.CRS_NAMES


@pytest.mark.parametrize("name", ["UTM", "bd09mc", "EPSG:3857", "北京54", "x"])
def test_normalize_crs_unknown(name):
    with pytest.raises(SchemaError, match="unknown coordinate system"):
        coords.normalize_crs(name)


# --- metric_crs, haversine_m --------------------------------------------------------------------


def test_metric_crs():
    changde = ([111.55, 111.69, 111.80, np.nan], [28.95, 29.03, 29.10, 29.0])
    assert coords.metric_crs(*changde) == "EPSG:32649"
    assert coords.metric_crs(112.94, 28.23) == "EPSG:32649"  # Changsha
    assert coords.metric_crs(114.1, 22.5) == "EPSG:32650"  # Shenzhen
    assert coords.metric_crs(87.6, 43.8) == "EPSG:32645"  # Urumqi
    assert coords.metric_crs(-70.6, -33.4) == "EPSG:32719"  # Santiago
    assert coords.metric_crs(180.0, 0.0) == "EPSG:32660"
    assert coords.metric_crs(-180.0, 0.0) == "EPSG:32601"
    # agrees with pyproj's own choice
    info = pyproj.database.query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=pyproj.aoi.AreaOfInterest(111.6, 29.0, 111.7, 29.1)
    )
    assert f"EPSG:{info[0].code}" == "EPSG:32649"
    with pytest.raises(SchemaError, match="finite"):
        coords.metric_crs([np.nan], [np.nan])


def test_haversine_known_distances():
    assert coords.haversine_m(112.0, 28.0, 112.0, 29.0) == pytest.approx(111_195.08, abs=0.01)
    assert coords.haversine_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(np.pi * 6_371_008.8)
    assert coords.haversine_m(112.0, 28.0, 112.0, 28.0) == 0.0
    d = coords.haversine_m([112.0, 0.0], [28.0, 0.0], 112.0, [29.0, 0.0])
    assert isinstance(d, np.ndarray)
    assert d.shape == (2,)
    # close to the ellipsoid for short distances
    lon, lat = _points(HUNAN, seed=6, n=100)
    lon2, lat2 = lon + 0.01, lat + 0.01
    np.testing.assert_allclose(
        coords.haversine_m(lon, lat, lon2, lat2), GEOD.inv(lon, lat, lon2, lat2)[2], rtol=3e-3
    )
