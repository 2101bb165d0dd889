"""Determinism of the quarterly run across processes: the session's shared run of the demo
quarter (``demo_quarter_run``, run in a pytest worker) and the same quarter run again in a
fresh interpreter with another hash seed and one BLAS/OpenMP thread instead of the machine's
two give identical tables, maps, report, review queue and manifest (apart from timings, the
geocode statistics and the package versions)."""

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

from trafficprev.datasets import demo_files
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
def two_runs(demo_quarter_run, demo_kwargs, tmp_path_factory) -> tuple[Path, Path]:
    """The shared run's folder, and the quarter run again in a subprocess.

    The subprocess gets a copy of the shared run's area without its geocode cache (the shared
    run started from an empty one too), the same arguments (``_script`` is
    ``demo_kwargs``) and relative paths: a run folder's outputs name no folder of the
    machine but the one the report looked in for the last quarter (relative in the
    subprocess), so the two folders' files must agree byte for byte but for that name.
    """
    kw = demo_kwargs(demo_quarter_run.area)
    assert (kw["quarter"], kw["settings"].as_of, kw["source"]) == (QUARTER, AS_OF, SOURCE)
    assert kw["previous"] is None and kw["inputs"] == demo_files()["determinations"]
    cwd = tmp_path_factory.mktemp("rerun")
    shutil.copytree(
        demo_quarter_run.area, cwd / "area", ignore=shutil.ignore_patterns("geocode_cache*")
    )
    proc = subprocess.run(
        [sys.executable, "-c", _script(Path("area"), Path("runs") / QUARTER)],
        cwd=cwd,
        env={**os.environ, **ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return demo_quarter_run.out, cwd / "runs" / QUARTER


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
    if name == "report.html":  # the one folder it names: where it looked for the last quarter
        looked = f"looked for {a.parent / '2024Q3'})".encode()
        assert left.count(looked) == 1
        left = left.replace(looked, f"looked for {Path('runs') / '2024Q3'})".encode())
    assert left == right, name


def test_manifest_is_identical_but_for_timings_geocode_and_packages(two_runs):
    a, b = two_runs
    left, right = _manifest(a), _manifest(b)
    assert left == right
    assert left["quarter"] == QUARTER and left["previous"] is None
