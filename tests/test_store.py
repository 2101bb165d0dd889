"""The table store behind ``result.sqlite`` (:mod:`trafficprev._store`): every table comes
back equal — dtypes, index, missing values, geometry and CRS, attrs — and nothing in the
file is ever run as code (hostile text stays text)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev._errors import FileFormatError, SchemaError
from trafficprev._store import read_tables, write_tables

HOSTILE = [
    "<script>alert(1)</script>",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% include '/etc/passwd' %}",
    '=HYPERLINK("http://x","点我")',
    "</style><style>*{display:none}",
    "43010219900307123X",
    "13812345678",
    "'); DROP TABLE _tables; --",
    "\x00\x1b[31m\u202e",
]


def _round_trip(tmp_path, tables, **meta):
    path = write_tables(tmp_path / "t.sqlite", tables, **meta)
    got, got_meta = read_tables(path)
    assert list(got) == list(tables)
    for name, frame in tables.items():
        back = got[name]
        assert type(back) is type(frame), name
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        assert back.attrs == frame.attrs
        if isinstance(frame, gpd.GeoDataFrame):
            assert back.crs == frame.crs and back.geometry.name == frame.geometry.name
    return got, got_meta


def test_every_kind_of_column_comes_back_equal(tmp_path):
    frame = pd.DataFrame(
        {
            "int": [1, -2, 3],
            "float": [1.5, np.nan, np.inf],
            "text": ["甲", None, HOSTILE[0]],
            "bool": [True, False, True],
            "Int64": pd.array([1, None, 3], dtype="Int64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
            "time": pd.to_datetime(["2024-01-01 08:00", None, "2024-03-01 17:30"]),
            "zoned": pd.to_datetime(["2024-01-01", None, "2024-03-01"]).tz_localize(
                "Asia/Shanghai"
            ),
            "tuples": [("a", 1), (), ("b",)],
            "arrays": [np.array([0.0, 12.5]), np.array([], dtype="int64"), np.array(["x"])],
            "mixed": [{"k": (1, 2)}, [None, 1.5], dt.date(2024, 1, 1)],
            "category": pd.Categorical(["u", "v", "u"], categories=["v", "u"], ordered=True),
            "shapes": [shapely.Point(0, 0), None, shapely.LineString([(0, 0), (1, 1)])],
            "object_nan": pd.Series(["x", np.nan, None], dtype=object),
        },
        index=pd.Index(["r1", "r2", "r3"], name="行"),
    )
    frame.attrs["quarters"] = ("2024Q1", "2024Q2")
    points = gpd.GeoDataFrame(
        {"n": [1, 2]}, geometry=[shapely.Point(112.0, 29.0), None], crs="EPSG:4326"
    )
    multi = pd.DataFrame(
        {"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["p", "q"])
    )
    tables = {
        "frame": frame,
        "points": points,
        "empty": pd.DataFrame(columns=["x", "y"]),
        "multi": multi,
        "nothing": pd.DataFrame(),
        "范围/子表": pd.DataFrame({"a": [1]}, index=pd.RangeIndex(5, 6, name="i")),
    }
    _, meta = _round_trip(tmp_path, tables, window=("2024Q1",), note=HOSTILE[1])
    assert meta == {"window": ("2024Q1",), "note": HOSTILE[1]}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(),
            st.sampled_from(HOSTILE),
            st.tuples(st.integers(-5, 5), st.text(max_size=3)),
        ),
        min_size=0,
        max_size=8,
    ),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=8),
)
def test_any_text_and_numbers_come_back_as_data(tmp_path_factory, cells, numbers):
    """Random text (control characters, template and SQL syntax included), tuples and any
    float come back unchanged: the store never interprets a cell."""
    tmp = tmp_path_factory.mktemp("store")
    n = min(len(cells), len(numbers))
    frame = pd.DataFrame({"cell": pd.Series(cells[:n], dtype=object), "x": numbers[:n]})
    _round_trip(tmp, {"t": frame})


def test_a_value_that_cannot_be_stored_is_refused_by_name(tmp_path):
    frame = pd.DataFrame({"bad": [object()]})
    with pytest.raises(SchemaError, match="cannot store"):
        write_tables(tmp_path / "t.sqlite", {"t": frame})


def test_a_file_that_is_not_a_store_is_one_clear_error(tmp_path):
    junk = tmp_path / "result.sqlite"
    junk.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(FileFormatError, match="not a trafficprev result file"):
        read_tables(junk)
    with pytest.raises(FileFormatError, match="no such result file"):
        read_tables(tmp_path / "missing.sqlite")


def test_another_format_version_is_refused(tmp_path):
    path = write_tables(tmp_path / "t.sqlite", {"t": pd.DataFrame({"a": [1]})})
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE _store SET value = '999' WHERE key = 'format'")
    con.close()
    with pytest.raises(FileFormatError, match="format"):
        read_tables(path)


def test_a_tagged_value_it_does_not_know_is_refused_not_run(tmp_path):
    """A hand-edited file with an unknown tag is an error, never an object it builds."""
    path = write_tables(tmp_path / "t.sqlite", {"t": pd.DataFrame({"a": [(1,)]})})
    con = sqlite3.connect(path)
    with con:
        table = con.execute("SELECT sql_table FROM _tables").fetchone()[0]
        con.execute(f'UPDATE {table} SET "c0" = \'{{"__import__": "os"}}\'')
    con.close()
    with pytest.raises(FileFormatError, match="unknown tagged value"):
        read_tables(path)
