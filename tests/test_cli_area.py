"""The command line: ``trafficprev area build`` and ``trafficprev geocode``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev.area import load_area
from trafficprev.cli import main
from trafficprev.datasets import example_files
from trafficprev.geocode._review import LEVELS
from trafficprev.intake import read_determinations

OSM = Path(__file__).resolve().parent / "data" / "osm"
FIXTURE = OSM / "roads.osm"
ADMIN_CSV = """code,parent_code,level,name,lon,lat,aliases
439900,,2,样例市,,,
439901,439900,3,西湖区,111.680,29.040,西区
439902,439900,3,东山县,111.700,29.040,
439901001,439901,4,西关街道,111.684,29.041,
439902001,439902,4,东关镇,111.697,29.041,
"""


@pytest.fixture
def admin_csv(tmp_path: Path) -> Path:
    path = tmp_path / "admin.csv"
    path.write_text(ADMIN_CSV, encoding="utf-8")
    return path


def build(out: Path, admin: Path, osm: Path = FIXTURE) -> int:
    argv = ["area", "build", "--name", "t", "--osm", str(osm), "--admin", str(admin)]
    return main([*argv, "--out", str(out)])


def test_area_build_writes_the_area(tmp_path: Path, admin_csv: Path, capsys) -> None:
    out = tmp_path / "areas" / "t"
    assert build(out, admin_csv) == 0
    assert sorted(p.name for p in out.iterdir()) == [".trafficprev.json", "area.gpkg", "area.json"]
    meta = json.loads((out / "area.json").read_text(encoding="utf-8"))
    assert meta["name"] == "t" and meta["counts"]["roads"] == 6
    text = capsys.readouterr().out
    assert f"version {meta['version']}" in text
    assert re.search(r"intersections\s+2\b", text)
    area = load_area(out)
    assert area.version == meta["version"]
    assert "样例大道" in set(area.roads["road_id"])


def test_area_build_from_a_road_file(tmp_path: Path, admin_csv: Path) -> None:
    out = tmp_path / "r"
    argv = ["area", "build", "--name", "r", "--roads", str(OSM / "roads_gcj02.geojson")]
    assert main([*argv, "--gcj02", "--admin", str(admin_csv), "--out", str(out)]) == 0
    area = load_area(out)
    assert area.meta["inputs"]["roads"]["gcj02"] is True
    x = area.roads.set_index("road_id").loc["测试路"].geometry.bounds[0]
    assert x == pytest.approx(111.69, abs=2e-6)  # back on the WGS-84 line (GCJ-02 is ~500 m off)


def test_area_build_garbage_osm(tmp_path: Path, admin_csv: Path, capsys) -> None:
    bad = tmp_path / "garbage.osm"
    bad.write_bytes(b"this is not OpenStreetMap data\x00\x01\x02")
    out = tmp_path / "area"
    assert build(out, admin_csv, bad) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("trafficprev: ") and str(bad) in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_area_build_missing_admin_file(tmp_path: Path, capsys) -> None:
    assert build(tmp_path / "area", tmp_path / "no_admin.csv") == 2
    err = capsys.readouterr().err
    assert "no_admin.csv" in err and "Traceback" not in err


def test_geocode_writes_every_case_and_reuses_the_cache(
    tmp_path: Path, admin_csv: Path, capsys
) -> None:
    area_dir = tmp_path / "areas" / "t"
    assert build(area_dir, admin_csv) == 0
    inputs = [str(p) for p in example_files()["determinations"]]
    out = tmp_path / "geo" / "x.gpkg"
    argv = ["geocode", "--as-of", "2025-06-30", "-q", "--area", str(area_dir)]
    argv += ["--input", *inputs, "--out", str(out)]
    capsys.readouterr()
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert out.is_file() and (out.parent / "review_queue.csv").is_file()
    assert (area_dir / "geocode_cache.sqlite").is_file()

    cases = read_determinations(inputs).cases
    commuting = cases.loc[cases["commuting"], "decision_no"]
    assert len(commuting) > 0
    geo = pyogrio.read_dataframe(out, read_geometry=False)
    assert sorted(geo["decision_no"]) == sorted(commuting)
    assert geo["match_level"].isin(LEVELS).all()
    assert geo["reason"].fillna("").str.strip().ne("").all()
    queue = pd.read_csv(out.parent / "review_queue.csv", encoding="utf-8-sig", dtype=str)
    assert set(queue["decision_no"]) <= set(commuting)
    low = geo["match_level"].isin(["none", "county", "township"])
    assert set(geo.loc[low, "decision_no"]) <= set(queue["decision_no"])
    hits = int(re.search(r"(\d+) 来自缓存", first).group(1))
    assert hits == 0

    assert main(argv) == 0
    second = capsys.readouterr().out
    texts = int(re.search(r"(\d+) 条地点文字", second).group(1))
    hits = int(re.search(r"(\d+) 来自缓存", second).group(1))
    assert hits > 0 and hits == texts
    again = pyogrio.read_dataframe(out, read_geometry=False)
    pd.testing.assert_frame_equal(
        again.sort_values("decision_no").reset_index(drop=True),
        geo.sort_values("decision_no").reset_index(drop=True),
        check_like=True,  # the column order is another matter (see the test below)
    )


def test_geocode_output_columns_do_not_depend_on_the_cache(
    tmp_path: Path, admin_csv: Path, capsys
) -> None:
    area_dir = tmp_path / "area"
    assert build(area_dir, admin_csv) == 0
    inputs = [str(p) for p in example_files()["determinations"]]
    argv = ["geocode", "-q", "--area", str(area_dir), "--input", *inputs, "--out"]
    assert main([*argv, str(tmp_path / "a.gpkg")]) == 0
    assert main([*argv, str(tmp_path / "b" / "b.gpkg")]) == 0
    capsys.readouterr()
    first = pyogrio.read_info(tmp_path / "a.gpkg")["fields"].tolist()
    second = pyogrio.read_info(tmp_path / "b" / "b.gpkg")["fields"].tolist()
    assert second == first


def test_geocode_without_an_area(tmp_path: Path, capsys) -> None:
    inputs = [str(p) for p in example_files()["determinations"]]
    argv = ["geocode", "--area", str(tmp_path / "none"), "--input", *inputs]
    assert main([*argv, "--out", str(tmp_path / "x.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "area build" in err and "Traceback" not in err
