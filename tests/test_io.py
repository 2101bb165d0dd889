"""The GeoPackage writer: layers as written, atomic replacement, and one clear line naming the
folder when the folder cannot take the file (a real full and a real read-only tmpfs, and GDAL's
vague messages)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from trafficprev import _io
from trafficprev._display import display_path
from trafficprev._errors import OutputError
from trafficprev._io import write_gpkg


def _points(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"name": [f"示范路{i}号口" * 4 for i in range(n)], "n": np.arange(n)},
        geometry=shapely.points(rng.uniform(111, 112, n), rng.uniform(28, 29, n)),
        crs="EPSG:4326",
    )


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _one_line(err: OutputError, folder: Path, file: str, why: str) -> None:
    message = str(err)
    assert message.startswith(f"{display_path(folder)}: cannot write {file}: {why}"), message
    assert len(message.splitlines()) == 1
    assert err.filename == str(folder / file) or display_path(err.filename).endswith(file)


# --- what is written ---------------------------------------------------------------------------


def test_layers_round_trip_with_text_as_strings_and_empty_geometry(tmp_path):
    points = _points(5)
    table = pd.DataFrame(
        {"kind": ["a", None, 3, True, np.nan], "count": [1, 2, 3, 4, 5], "when": ["x"] * 5}
    )
    before = table.copy()
    path = write_gpkg(tmp_path / "out.gpkg", {"points": points, "table": table})
    assert path == tmp_path / "out.gpkg"
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["points", "table"]
    back = pyogrio.read_dataframe(path, layer="table")
    kind = back["kind"].tolist()  # text as text, missing values as null (never "nan")
    assert [kind[0], kind[2], kind[3]] == ["a", "3", "True"] and back["kind"].isna()[[1, 4]].all()
    assert back.crs.to_epsg() == 4326 and back.geometry.isna().all()
    pts = pyogrio.read_dataframe(path, layer="points")
    assert pts["name"].tolist() == points["name"].tolist()
    assert pts.geometry.geom_equals_exact(points.geometry, 1e-9).all()
    pd.testing.assert_frame_equal(table, before)  # the caller's frame is not changed
    assert _files(tmp_path) == ["out.gpkg"]


def test_a_second_write_replaces_the_file_as_a_whole(tmp_path):
    path = tmp_path / "cases.gpkg"
    write_gpkg(path, {"old": _points(3), "other": _points(2)})
    write_gpkg(path, {"new": _points(4)})
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["new"]
    assert _files(tmp_path) == ["cases.gpkg"]


def test_not_atomic_writes_straight_into_the_file(tmp_path):
    path = tmp_path / "area.gpkg"
    path.write_bytes(b"not a geopackage")
    write_gpkg(path, {"roads": _points(3)}, atomic=False)
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["roads"]


def test_folder_and_file_names_that_are_not_utf8(tmp_path):
    folder = tmp_path / os.fsdecode(b"runs\xfe")
    folder.mkdir()
    for name in (b"cases.gpkg", b"cases\xff.gpkg"):
        path = folder / os.fsdecode(name)
        for atomic in (True, False):
            write_gpkg(path, {"cases": _points(3)}, atomic=atomic)
            assert [os.fsencode(n) for n in _files(folder)] == [name]
            # read back under a UTF-8 name (GDAL opens only those)
            (tmp_path / "copy.gpkg").write_bytes(path.read_bytes())
            assert len(pyogrio.read_dataframe(tmp_path / "copy.gpkg", layer="cases")) == 3
            path.unlink()


def test_no_layers_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no layers"):
        write_gpkg(tmp_path / "x.gpkg", {})


# --- a real full disk and a real read-only one ----------------------------------------------------


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str):
    """`folder` as a small tmpfs, or skip when this machine does not let us mount."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "trafficprev-test", str(folder)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False, capture_output=True)


def test_a_disk_that_fills_up_during_the_write_is_one_line_and_keeps_the_old_file(tmp_path):
    with _tmpfs(tmp_path / "small", "size=256k") as folder:
        path = folder / "cases.gpkg"
        write_gpkg(path, {"cases": _points(5)})  # about 100 kB: fits
        before = path.read_bytes()
        big = _points(3000)  # about 1 MB as a GeoPackage: cannot fit in 256 kB
        with pytest.raises(OutputError) as info:
            write_gpkg(path, {"cases": big, "again": big})
        assert info.value.errno == errno.ENOSPC
        _one_line(info.value, folder, "cases.gpkg", "the disk is full / 磁盘空间已满")
        assert isinstance(info.value.__cause__, pyogrio.errors.DataSourceError | OSError)
        assert path.read_bytes() == before  # the previous file, as it was
        assert _files(folder) == ["cases.gpkg"]  # no temporary file or journal left


def test_a_nearly_full_disk_is_one_line_too(tmp_path):
    """GDAL's words differ when the disk is full before the first row: still one line."""
    with _tmpfs(tmp_path / "small", "size=256k") as folder:
        (folder / "filler").write_bytes(b"x" * (250 << 10))
        with pytest.raises(OutputError) as info:
            write_gpkg(folder / "sites.gpkg", {"sites": _points(30)})
        assert info.value.errno == errno.ENOSPC
        _one_line(info.value, folder, "sites.gpkg", "the disk is full")
        assert _files(folder) == ["filler"]


def test_a_read_only_disk_is_one_line(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        with pytest.raises(OutputError) as info:
            write_gpkg(folder / "cases.gpkg", {"cases": _points(3)})
        assert info.value.errno == errno.EROFS
        _one_line(info.value, folder, "cases.gpkg", "the disk is read-only / 磁盘为只读")


def test_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(OutputError) as info:
        write_gpkg(tmp_path / "gone" / "cases.gpkg", {"cases": _points(3)})
    assert info.value.errno == errno.ENOENT
    _one_line(info.value, tmp_path / "gone", "cases.gpkg", "the folder does not exist")


# --- GDAL's vague messages, explained by the folder ---------------------------------------------


@pytest.fixture
def gdal_fails(monkeypatch):
    """Make the GeoPackage write fail after a partial file exists, with `exc`."""

    def arm(exc: Exception) -> None:
        def to_file(self, filename, *args, **kwargs):
            Path(filename).write_bytes(b"partial")
            Path(f"{filename}-journal").write_bytes(b"journal")
            raise exc

        monkeypatch.setattr(gpd.GeoDataFrame, "to_file", to_file)

    return arm


ROOMY = (100 << 30, False)


@pytest.mark.parametrize(
    ("exc", "free", "access", "code"),
    [
        (pyogrio.errors.DataSourceError("Failed to commit transaction"), (40 << 10, False), True,
         errno.ENOSPC),
        (pyogrio.errors.DataSourceError("Failed to commit transaction"), ROOMY, True, errno.EIO),
        (pyogrio.errors.DataSourceError("Failed to commit transaction"), (1 << 30, True), True,
         errno.EROFS),
        (pyogrio.errors.DataSourceError("sqlite3_open(x) failed: unable to open database file"),
         ROOMY, False, errno.EACCES),
        (pyogrio.errors.FeatureError("Could not add feature to layer at index 0: "
                                     "sqlite3_exec(INSERT …) failed: no such table: gpkg_contents"),
         (4096, False), True, errno.ENOSPC),
        (pyogrio.errors.DataSourceError("sqlite3_exec(COMMIT) failed: database or disk is full"),
         ROOMY, True, errno.ENOSPC),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), ROOMY, True, errno.EDQUOT),
    ],
)  # fmt: skip
def test_vague_failures_are_explained_by_the_folder(
    tmp_path, monkeypatch, gdal_fails, exc, free, access, code
):
    path = tmp_path / "cases.gpkg"
    write_gpkg(path, {"cases": _points(2)})
    before = path.read_bytes()
    gdal_fails(exc)
    monkeypatch.setattr(_io, "_free", lambda folder: free)
    monkeypatch.setattr(_io.os, "access", lambda *a, **k: access)
    with pytest.raises(OutputError) as info:
        write_gpkg(path, {"cases": _points(2)})
    assert info.value.errno == code and info.value.__cause__ is exc
    _one_line(info.value, tmp_path, "cases.gpkg", _io.WRITE_ERRORS[code])
    assert str(exc).split(":")[0] in str(info.value)  # GDAL's own words follow the reason
    assert path.read_bytes() == before and _files(tmp_path) == ["cases.gpkg"]


@pytest.mark.parametrize(
    "exc",
    [
        pyogrio.errors.FieldError("Unsupported field type for column 'x'"),
        pyogrio.errors.FeatureError(
            "Could not add feature to layer at index 3: sqlite3_step() failed: UNIQUE "
            "constraint failed: cases.fid"
        ),
    ],
)
def test_a_problem_of_the_data_is_not_disguised_as_a_disk_problem(
    tmp_path, monkeypatch, gdal_fails, exc
):
    gdal_fails(exc)
    monkeypatch.setattr(_io, "_free", lambda folder: ROOMY)
    with pytest.raises(type(exc)) as info:
        write_gpkg(tmp_path / "cases.gpkg", {"cases": _points(2)})
    assert info.value is exc
    assert _files(tmp_path) == []  # the partial file is removed all the same


def test_not_atomic_removes_the_partial_file(tmp_path, gdal_fails, monkeypatch):
    gdal_fails(pyogrio.errors.DataSourceError("Failed to commit transaction"))
    monkeypatch.setattr(_io, "_free", lambda folder: (0, False))
    with pytest.raises(OutputError, match="Nothing was written"):
        write_gpkg(tmp_path / "area.gpkg", {"roads": _points(2)}, atomic=False)
    assert _files(tmp_path) == []
