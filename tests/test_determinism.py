"""Determinism of the quarterly run across processes: the session's shared run of the demo
quarter (``demo_quarter_run``, run in a pytest worker) and the same quarter run again in a
fresh interpreter through the command line (``trafficprev run``) with another hash seed and
one BLAS/OpenMP thread instead of the machine's two give identical tables, maps, report,
review queue and manifest (apart from timings, the geocode statistics and the package
versions)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev.datasets import demo_files
from trafficprev.settings import Settings
from trafficprev.sites import read_back

LAYERS = ("cases", "units", "hotspots", "clusters", "sign_sites", "campaign_sites", "enterprises")
BYTES = (
    "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html", "report.html",
    "review_queue.csv",
)  # fmt: skip
#: The second interpreter's environment: a fixed hash seed (the worker's is random) and one
#: thread for BLAS and OpenMP (the worker uses both cores).
ENVIRONMENT = {
    "PYTHONHASHSEED": "12345", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}  # fmt: skip
#: The shared run's quarter, reference date and source (asserted against ``demo_kwargs``).
QUARTER = "2024Q4"
AS_OF = dt.date(2025, 1, 15)
SOURCE = "示范市工伤认定台账（合成演示数据，非真实数据）"
#: Manifest entries that legitimately differ between two runs.
VOLATILE = ("timings", "geocode", "packages")


def _command(area: Path, out: Path) -> list[str]:
    """``trafficprev run`` with the shared run's arguments (``demo_kwargs``)."""
    f = demo_files()
    return [
        sys.executable, "-m", "trafficprev", "run", "--area", str(area),
        "--input", *map(str, f["determinations"]), "--enterprises", *map(str, f["enterprises"]),
        "--campaign-sites", *map(str, f["campaign_sites"]), "--measures", *map(str, f["measures"]),
        "--quarter", QUARTER, "--out", str(out), "--previous", "none", "--source", SOURCE,
        "--as-of", AS_OF.isoformat(),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def two_runs(demo_quarter_run, demo_kwargs, tmp_path_factory) -> tuple[Path, Path, str]:
    """The shared run's folder, the quarter run again by ``trafficprev run`` in a fresh
    interpreter, and what that command printed.

    The command gets a copy of the shared run's area without its geocode cache (the shared
    run started from an empty one too), the same arguments (``_command`` is
    ``demo_kwargs``) and relative paths: a run folder's outputs name no folder of the
    machine but the one the report looked in for the last quarter (relative here), so the
    two folders' files must agree byte for byte but for that name.
    """
    kw = demo_kwargs(demo_quarter_run.area)
    assert (kw["quarter"], kw["settings"].as_of, kw["source"]) == (QUARTER, AS_OF, SOURCE)
    assert kw["previous"] is None and kw["inputs"] == demo_files()["determinations"]
    assert kw["settings"] == Settings(as_of=AS_OF)  # the command's settings: defaults, --as-of
    cwd = tmp_path_factory.mktemp("rerun")
    shutil.copytree(
        demo_quarter_run.area, cwd / "area", ignore=shutil.ignore_patterns("geocode_cache*")
    )
    proc = subprocess.run(
        _command(Path("area"), Path("runs") / QUARTER),
        cwd=cwd,
        env={**os.environ, **ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return demo_quarter_run.out, cwd / "runs" / QUARTER, proc.stdout


def test_the_command_says_what_it_wrote(two_runs):
    _, b, printed = two_runs
    accounted = _manifest(b)["accounting"]["commuting_traffic"]
    assert f"commuting traffic cases: {accounted}" in printed
    for name in ("report.html", "sites.xlsx", "maps/sign_sites.html"):
        assert f"runs/{QUARTER}/{name}" in printed, name
    assert "{" not in printed  # counts in words, no Python reprs


def _manifest(folder: Path) -> dict:
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in VOLATILE:
        m.pop(key, None)
    return m


def test_the_two_runs_differ_only_by_their_environment(two_runs):
    a, b, _ = two_runs
    assert a != b and (a / "manifest.json").is_file() and (b / "manifest.json").is_file()
    assert _manifest(a)["created_for"] == AS_OF.isoformat()


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_of_cases_gpkg_is_identical(two_runs, layer):
    a, b, _ = two_runs
    assert {n for n, _ in pyogrio.list_layers(a / "cases.gpkg")} == set(LAYERS)
    left = pyogrio.read_dataframe(a / "cases.gpkg", layer=layer)
    right = pyogrio.read_dataframe(b / "cases.gpkg", layer=layer)
    pd.testing.assert_frame_equal(left, right, obj=layer)
    if layer in ("cases", "units"):
        assert len(left) > 0


def test_every_sheet_of_sites_xlsx_is_identical(two_runs):
    a, b, _ = two_runs
    left, right = read_back(a / "sites.xlsx"), read_back(b / "sites.xlsx")
    assert list(left) == list(right) and left
    for sheet, frame in left.items():
        pd.testing.assert_frame_equal(frame, right[sheet], obj=sheet)


@pytest.mark.parametrize("name", BYTES)
def test_maps_report_and_review_queue_are_byte_identical(two_runs, name):
    a, b, _ = two_runs
    left, right = (a / name).read_bytes(), (b / name).read_bytes()
    assert left, name
    if name == "report.html":  # the one folder it names: where it looked for the last quarter
        looked = f"looked for {a.parent / '2024Q3'})".encode()
        assert left.count(looked) == 1
        left = left.replace(looked, f"looked for {Path('runs') / '2024Q3'})".encode())
    assert left == right, name


def test_manifest_is_identical_but_for_timings_geocode_and_packages(two_runs):
    a, b, _ = two_runs
    left, right = _manifest(a), _manifest(b)
    assert left == right
    assert left["quarter"] == QUARTER and left["previous"] is None
