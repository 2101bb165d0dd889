"""A lossless, code-free store of named tables in one SQLite file.

:func:`write_tables` writes a mapping of names to (Geo)DataFrames into one SQLite database;
:func:`read_tables` gives them back equal (``pandas.testing.assert_frame_equal``): the same
columns, dtypes, index, values, geometry and CRS, and ``frame.attrs``. It is what a run folder
keeps so that :func:`~trafficprev.pipeline.load_run` can give back the whole result of a
quarter without computing it again.

Nothing read from the file is executed: every value is a SQLite number, text or blob, or
JSON decoded by :func:`json.loads` into numbers, text, lists and mappings (tuples, dates and
timestamps are tagged and rebuilt explicitly). A pickle would be shorter and would run code
from a file a user can edit, so it is not used.

Encoding per column, recorded with the column in the ``_tables`` table:

* numbers and booleans (numpy, nullable and categorical of numbers): stored as they are,
  missing as NULL, the dtype restored from its name;
* text (object or string columns holding only ``str`` and missing): text;
* datetimes: ISO text, restored with :func:`pandas.to_datetime` and the recorded unit/zone;
* geometry: WKB blobs, the CRS as WKT/authority string;
* shapely geometries in an object column: WKB blobs;
* anything else in an object column (tuples, lists, dicts, mixed values): one JSON document
  per cell, with tuples and timestamps tagged.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryDtype

from ._errors import FileFormatError, SchemaError

__all__ = ["read_tables", "write_tables"]

#: Version of the layout; a file of another version is refused with a clear message.
STORE_FORMAT = 1

_INDEX_PREFIX = "__index__"


# --------------------------------------------------------------------------- cell codec


def _encode_value(value: Any) -> Any:
    """A cell as JSON-able data, tuples and times tagged so they come back as they were."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        v = float(value)
        return {"__float__": repr(v)} if not math.isfinite(v) else v
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode_value(v) for v in value]}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [str(value.dtype), [_encode_value(v) for v in value.tolist()]]}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, Mapping):
        return {"__dict__": [[_encode_value(k), _encode_value(v)] for k, v in value.items()]}
    if isinstance(value, pd.Timestamp | dt.datetime):
        return {"__timestamp__": pd.Timestamp(value).isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, pd.Period):
        return {"__period__": [str(value), value.freqstr]}
    raise SchemaError(f"cannot store a value of type {type(value).__name__}: {value!r:.80}")


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode_value(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode_value(k): _decode_value(v) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        dtype, items = value["__ndarray__"]
        return np.array([_decode_value(v) for v in items], dtype=np.dtype(dtype))
    if "__float__" in value:
        return float(value["__float__"])
    if "__timestamp__" in value:
        return pd.Timestamp(value["__timestamp__"])
    if "__date__" in value:
        return dt.date.fromisoformat(value["__date__"])
    if "__period__" in value:
        text, freq = value["__period__"]
        return pd.Period(text, freq=freq)
    raise FileFormatError(f"unknown tagged value in the store: {sorted(value)!r:.80}")


def dumps(value: Any) -> str:
    """`value` (numbers, text, tuples, lists, mappings, dates) as JSON text."""
    return json.dumps(_encode_value(value), ensure_ascii=False, sort_keys=False)


def loads(text: str) -> Any:
    """The value :func:`dumps` wrote."""
    return _decode_value(json.loads(text))


# --------------------------------------------------------------------------- columns


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _encode_column(series: pd.Series) -> tuple[dict[str, Any], list[Any]]:
    """How a column is stored (its recipe) and its cells as SQLite values."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = [_encode_value(c) for c in dtype.categories]
        recipe = {"kind": "category", "categories": categories, "ordered": bool(dtype.ordered)}
        return recipe, [None if c < 0 else c for c in series.cat.codes.astype("int64").tolist()]
    if isinstance(dtype, GeometryDtype):
        crs = getattr(series, "crs", None)
        recipe = {"kind": "geometry", "crs": None if crs is None else crs.to_wkt()}
        blobs = shapely.to_wkb(np.asarray(series.array, dtype=object))
        return recipe, [None if b is None else bytes(b) for b in blobs]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        recipe = {"kind": "datetime", "dtype": str(dtype)}
        return recipe, [None if pd.isna(v) else v.isoformat() for v in series]
    if pd.api.types.is_timedelta64_dtype(dtype):
        cells = [None if pd.isna(v) else int(v.value) for v in series]
        return {"kind": "timedelta", "dtype": str(dtype)}, cells
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        recipe = {"kind": "number", "dtype": str(dtype)}
        if isinstance(dtype, np.dtype):  # NaN of a float column reads back as NULL -> NaN
            return recipe, series.to_numpy().tolist()
        return recipe, series.to_numpy(dtype=object, na_value=None).tolist()
    if isinstance(dtype, pd.StringDtype):  # whole-array, not cell by cell
        cells = series.to_numpy(dtype=object, na_value=None).tolist()
        return {"kind": "text", "dtype": str(dtype)}, [None if v is None else str(v) for v in cells]
    values = series.tolist()
    if all(v is None or isinstance(v, str) or _missing(v) for v in values):
        nan = [
            i for i, v in enumerate(values) if not (v is None or isinstance(v, str)) and _missing(v)
        ]
        cells = [v if isinstance(v, str) else None for v in values]
        return {"kind": "text", "dtype": "object", "nan": nan}, cells
    if all(v is None or isinstance(v, shapely.Geometry) for v in values):
        blobs = shapely.to_wkb(np.array(values, dtype=object))
        return {"kind": "shapes", "dtype": str(dtype)}, [
            None if b is None else bytes(b) for b in blobs
        ]
    return {"kind": "json", "dtype": str(dtype)}, [dumps(v) for v in values]


def _decode_column(recipe: dict[str, Any], cells: list[Any], name: str) -> pd.Series:
    kind = recipe["kind"]
    if kind == "category":
        dtype = pd.CategoricalDtype(
            [_decode_value(c) for c in recipe["categories"]], ordered=recipe["ordered"]
        )
        codes = np.array([-1 if c is None else int(c) for c in cells], dtype="int64")
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), name=name)
    if kind == "geometry":
        geoms = shapely.from_wkb(np.array(cells, dtype=object))
        return gpd.GeoSeries(geoms, crs=recipe["crs"], name=name)
    if kind == "datetime":
        values = pd.to_datetime(pd.Series(cells, dtype=object), format="ISO8601")
        return values.astype(recipe["dtype"]).rename(name)
    if kind == "timedelta":
        values = pd.to_timedelta(pd.Series(cells, dtype="float64"), unit="ns")
        return values.astype(recipe["dtype"]).rename(name)
    if kind == "number":
        dtype = recipe["dtype"]
        if dtype.startswith(("float", "Float")):
            return (
                pd.Series(cells, dtype="float64" if dtype == "float64" else object)
                .astype(dtype)
                .rename(name)
            )
        return pd.Series(cells, dtype=object).astype(dtype).rename(name)
    if kind == "text":
        series = pd.Series(cells, dtype=object, name=name)
        for i in recipe.get("nan", ()):
            series.iat[i] = np.nan
        return series if recipe["dtype"] == "object" else series.astype(recipe["dtype"])
    if kind == "shapes":  # shapely geometries in an object column (no CRS)
        return pd.Series(
            list(shapely.from_wkb(np.array(cells, dtype=object))), dtype=object, name=name
        )
    if kind == "json":
        series = pd.Series([loads(v) for v in cells], dtype=object, name=name)
        return series if recipe["dtype"] == "object" else series.astype(recipe["dtype"])
    raise FileFormatError(f"unknown column kind {kind!r} in the store")


# --------------------------------------------------------------------------- tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_one(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    if frame.columns.duplicated().any():
        raise SchemaError(f"table {table!r} has duplicate column names; it cannot be stored")
    ranged = isinstance(frame.index, pd.RangeIndex)
    index = (
        frame.index.to_frame(index=False).iloc[:, :0]
        if ranged
        else frame.index.to_frame(index=False)
    )
    index.columns = [f"{_INDEX_PREFIX}{i}" for i in range(index.shape[1])]
    columns: list[tuple[str, dict[str, Any], list[Any]]] = []
    for i, col in enumerate(index.columns):
        recipe, cells = _encode_column(index[col])
        recipe["name"] = _encode_value(frame.index.names[i])
        columns.append((col, recipe, cells))
    for j, col in enumerate(frame.columns):
        recipe, cells = _encode_column(frame.iloc[:, j])
        recipe["name"] = _encode_value(col)
        columns.append((f"c{j}", recipe, cells))
    meta = {
        "columns": [[key, recipe] for key, recipe, _ in columns],
        "rows": len(frame),
        "attrs": dumps(dict(frame.attrs)),
        "columns_name": _encode_value(frame.columns.name),
        "columns_dtype": str(frame.columns.dtype),
        "range_index": [
            frame.index.start,
            frame.index.stop,
            frame.index.step,
            _encode_value(frame.index.name),
        ]
        if ranged
        else None,
        "geo": isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame,
        "geometry": getattr(frame, "_geometry_column_name", None)
        if isinstance(frame, gpd.GeoDataFrame)
        else None,
    }
    sql_table = f"t{con.execute('SELECT COUNT(*) FROM _tables').fetchone()[0]}"
    con.execute(
        "INSERT INTO _tables(name, sql_table, meta) VALUES (?, ?, ?)",
        (table, sql_table, json.dumps(meta, ensure_ascii=False)),
    )
    keys = [key for key, _, _ in columns]
    con.execute(f"CREATE TABLE {sql_table} ({', '.join(['row INTEGER', *map(_quote, keys)])})")
    if not keys:
        con.executemany(
            f"INSERT INTO {sql_table}(row) VALUES (?)", [(i,) for i in range(len(frame))]
        )
        return
    rows = zip(range(len(frame)), *[cells for _, _, cells in columns], strict=True)
    marks = ", ".join("?" * (len(keys) + 1))
    con.executemany(f"INSERT INTO {sql_table} VALUES ({marks})", rows)


def write_tables(path: str | Path, tables: Mapping[str, pd.DataFrame], **meta: Any) -> Path:
    """Write `tables` (name → DataFrame or GeoDataFrame) into a new SQLite file at `path`.

    Parameters
    ----------
    path
        The file to create (an existing file is replaced; callers write into a staging
        folder or through an atomic helper).
    tables
        The tables; names are free text.
    **meta
        JSON-able values kept beside the tables (read back by :func:`read_tables`).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    SchemaError
        If a table holds a value that cannot be stored (see the module notes).
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute("CREATE TABLE _store (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE _tables (name TEXT PRIMARY KEY, sql_table TEXT, meta TEXT)")
            con.execute("INSERT INTO _store VALUES ('format', ?)", (str(STORE_FORMAT),))
            con.execute("INSERT INTO _store VALUES ('meta', ?)", (dumps(meta),))
            for name, frame in tables.items():
                _write_one(con, name, frame)
    finally:
        con.close()
    return path


def _read_one(con: sqlite3.Connection, sql_table: str, meta: dict[str, Any]) -> pd.DataFrame:
    recipes = meta["columns"]
    keys = [key for key, _ in recipes]
    select = ", ".join(_quote(k) for k in keys) if keys else "row"
    rows = con.execute(f"SELECT {select} FROM {sql_table} ORDER BY row").fetchall()
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    index_parts, data = [], {}
    for (key, recipe), column in zip(recipes, cells, strict=True):
        series = _decode_column(recipe, list(column), str(key))
        if key.startswith(_INDEX_PREFIX):
            index_parts.append((series, _decode_value(recipe["name"])))
        else:
            data[key] = (series, _decode_value(recipe["name"]))
    if meta["range_index"] is not None:
        start, stop, step, name = meta["range_index"]
        index = pd.RangeIndex(start, stop, step, name=_decode_value(name))
    elif len(index_parts) == 1:
        series, name = index_parts[0]
        index = pd.Index(series).rename(name)
    else:
        index = pd.MultiIndex.from_arrays(
            [s for s, _ in index_parts], names=[n for _, n in index_parts]
        )
    frame = pd.DataFrame(
        {key: series.reset_index(drop=True) for key, (series, _) in data.items()},
        index=pd.RangeIndex(meta["rows"]),
    )
    names = pd.Index([name for _, name in data.values()], dtype=object)
    frame.columns = (
        names if meta["columns_dtype"] == "object" else names.astype(meta["columns_dtype"])
    )
    frame.index = index
    frame.columns.name = _decode_value(meta["columns_name"])
    if meta.get("geometry") is not None:
        frame = gpd.GeoDataFrame(frame, geometry=meta["geometry"] if meta["geo"] else None)
        if not meta["geo"]:
            frame._geometry_column_name = meta["geometry"]
    frame.attrs.update(loads(meta["attrs"]))
    return frame


def read_tables(path: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables and the extra values :func:`write_tables` wrote to `path`.

    Raises
    ------
    FileFormatError
        If `path` is not such a file, or of another format version.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path.name}: no such result file / 结果文件不存在")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            stored = dict(con.execute("SELECT key, value FROM _store").fetchall())
            listed = con.execute("SELECT name, sql_table, meta FROM _tables").fetchall()
        except sqlite3.DatabaseError as exc:
            raise FileFormatError(
                f"{path.name}: not a trafficprev result file ({exc}) / 不是 trafficprev 结果文件"
            ) from exc
        if stored.get("format") != str(STORE_FORMAT):
            raise FileFormatError(
                f"{path.name}: result format {stored.get('format')!r}, this version reads "
                f"{STORE_FORMAT} / 结果文件格式不符，请重新运行本季度"
            )
        tables = {name: _read_one(con, sql, json.loads(meta)) for name, sql, meta in listed}
        return tables, loads(stored["meta"])
    finally:
        con.close()
