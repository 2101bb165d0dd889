"""Determinism of the quarterly run across processes: the same quarter run in two fresh
interpreters with a different hash seed and a different number of BLAS/OpenMP threads gives
identical tables, maps, report, review queue and manifest (apart from timings, the geocode
statistics and the package versions)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev.area import build_area, save_area
from trafficprev.datasets import demo_files
from trafficprev.sites import read_back

AS_OF = dt.date(2025, 1, 15)
QUARTER = "2024Q4"
SOURCE = "示范市工伤认定台账（合成演示数据，非真实数据）"
LAYERS = ("cases", "units", "hotspots", "clusters", "sign_sites", "campaign_sites", "enterprises")
BYTES = (
    "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html", "report.html",
    "review_queue.csv",
)  # fmt: skip
ENVIRONMENTS = (
    {"PYTHONHASHSEED": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
     "MKL_NUM_THREADS": "1"},
    {"PYTHONHASHSEED": "12345", "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
     "MKL_NUM_THREADS": "2"},
)  # fmt: skip
#: Manifest entries that legitimately differ between two runs.
VOLATILE = ("timings", "geocode", "packages")


def _script(area: Path, out: Path) -> str:
    f = demo_files()
    return textwrap.dedent(
        f"""
        import datetime as dt
        from trafficprev.pipeline import run
        from trafficprev.settings import Settings
        run(area={str(area)!r}, inputs={[str(p) for p in f["determinations"]]!r},
            enterprises={[str(p) for p in f["enterprises"]]!r},
            campaign_sites={[str(p) for p in f["campaign_sites"]]!r},
            measures={[str(p) for p in f["measures"]]!r}, quarter={QUARTER!r},
            out={str(out)!r}, previous=None, quiet=True, source={SOURCE!r},
            settings=Settings(as_of=dt.date.fromisoformat({AS_OF.isoformat()!r})))
        """
    )


@pytest.fixture(scope="module")
def area_dir(tmp_path_factory) -> Path:
    """The demo area, built once and saved as a folder (with an empty geocode cache)."""
    f = demo_files()
    area = build_area("示范市", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])
    folder = tmp_path_factory.mktemp("area") / "area"
    save_area(area, folder)
    return folder


@pytest.fixture(scope="module")
def two_runs(area_dir, tmp_path_factory) -> tuple[Path, Path]:
    """The quarter run twice, in parallel subprocesses with different environments.

    Each run works in its own folder with its own copy of the area (so both start from the
    same, empty geocode cache) and is given relative paths: the report names the folder it
    looked in for the previous quarter, and that text must not differ between the two.
    """
    root = tmp_path_factory.mktemp("runs")
    procs, outs = [], []
    for i, env_delta in enumerate(ENVIRONMENTS):
        cwd = root / f"run{i}"
        shutil.copytree(area_dir, cwd / "area")
        outs.append(cwd / "runs" / QUARTER)
        env = {**os.environ, **env_delta}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _script(Path("area"), Path("runs") / QUARTER)],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        _stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode == 0, stderr[-4000:]
    return outs[0], outs[1]


def _manifest(folder: Path) -> dict:
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in VOLATILE:
        m.pop(key, None)
    return m


def test_the_two_runs_differ_only_by_their_environment(two_runs):
    a, b = two_runs
    assert a != b and (a / "manifest.json").is_file() and (b / "manifest.json").is_file()
    assert _manifest(a)["created_for"] == AS_OF.isoformat()


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_of_cases_gpkg_is_identical(two_runs, layer):
    a, b = two_runs
    assert {n for n, _ in pyogrio.list_layers(a / "cases.gpkg")} == set(LAYERS)
    left = pyogrio.read_dataframe(a / "cases.gpkg", layer=layer)
    right = pyogrio.read_dataframe(b / "cases.gpkg", layer=layer)
    pd.testing.assert_frame_equal(left, right, obj=layer)
    if layer in ("cases", "units"):
        assert len(left) > 0


def test_every_sheet_of_sites_xlsx_is_identical(two_runs):
    a, b = two_runs
    left, right = read_back(a / "sites.xlsx"), read_back(b / "sites.xlsx")
    assert list(left) == list(right) and left
    for sheet, frame in left.items():
        pd.testing.assert_frame_equal(frame, right[sheet], obj=sheet)


@pytest.mark.parametrize("name", BYTES)
def test_maps_report_and_review_queue_are_byte_identical(two_runs, name):
    a, b = two_runs
    left, right = (a / name).read_bytes(), (b / name).read_bytes()
    assert left, name
    assert left == right, name


def test_manifest_is_identical_but_for_timings_geocode_and_packages(two_runs):
    a, b = two_runs
    left, right = _manifest(a), _manifest(b)
    assert left == right
    assert left["quarter"] == QUARTER and left["previous"] is None
