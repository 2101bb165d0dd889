"""Shared fixtures: paths to the synthetic files in tests/data and a fixed reference date."""

from __future__ import annotations

import datetime as dt
import gc
import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from trafficprev import Settings

# Hypothesis. Locally (the "default" profile) every property test runs the number of examples
# its @settings names (100 where it names none). With CI set, the "ci" profile runs each at most
# CI_EXAMPLES, whatever its @settings names (the cap is applied at collection, below), prints
# the blob that reproduces a failure, and never fails on timing. HYPOTHESIS_PROFILE chooses a
# profile explicitly (e.g. HYPOTHESIS_PROFILE=default with CI set, for a full run on CI).
CI_EXAMPLES = 25
hypothesis_settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


#: Test files that take longest on the 2-core machine (``--durations``), longest first: they
#: run first, so that under pytest-xdist the last files to finish are short ones (``make test``
#: passes ``--no-loadscope-reorder``, else xdist orders the files by their number of tests).
SLOW_FILES = (
    "test_hostile_pipeline.py",
    "test_notebooks.py",
    "test_faults.py",
    "test_pipeline.py",
    "test_disclosure_release.py",
    "test_determinism.py",
    "test_democity.py",
    "test_cli.py",
    "test_geocode.py",
    "test_tables_limits.py",
    "test_admin.py",
    "test_filenames.py",
    "test_release_scan.py",
    "test_publish.py",
    "test_map_labels.py",
    "test_case_accounting.py",
    "test_sign_sites.py",
)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Slow files first, and under the "ci" Hypothesis profile every property test's
    examples capped at the profile's (a wrapper: done before any other plugin sees the items;
    pytest-xdist hands out the files in this order)."""
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
    _cap_hypothesis_examples(items)
    return (yield)


def _cap_hypothesis_examples(items) -> None:
    cap = hypothesis_settings.default.max_examples
    if hypothesis_settings.get_current_profile_name() != "ci":
        return
    for item in items:
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if getattr(test, "hypothesis", None) is not None and own and own.max_examples > cap:
            test._hypothesis_internal_use_settings = hypothesis_settings(own, max_examples=cap)


def pytest_configure(config):
    """The collector's thresholds of a command (every pytest process); on CI the browser
    checks of the maps must run, never skip for want of Chromium."""
    # the suite runs about forty quarters in its own processes, each keeping millions of small
    # objects alive to its end: with CPython's default thresholds the cyclic collector walks
    # them again and again (a tenth of a demo run's time), as `trafficprev` itself avoids
    from trafficprev.cli import COMMAND_GC_THRESHOLDS

    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
    if os.environ.get("CI"):
        from trafficprev.maps import find_chromium

        if find_chromium() is None:
            raise pytest.UsageError(
                "CI is set but Chromium is not installed: .ci/run must install it "
                "(the maps are checked in a real browser)"
            )


DATA = Path(__file__).resolve().parent / "data"

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_C = "10X98765432"


def id_with_check(body17: str) -> str:
    """Complete 17 digits with their correct check character (built at run time only)."""
    return body17 + _C[sum(int(a) * b for a, b in zip(body17, _W, strict=True)) % 11]


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def settings() -> Settings:
    return Settings(as_of=dt.date(2025, 6, 30))


@pytest.fixture
def make_valid_id():
    """Factory: 17 digits -> an ID number with a correct check character."""
    return id_with_check


@pytest.fixture
def check_road_source_columns():
    """Assert that every table of a RoadSource has the documented columns and dtypes."""
    import pandas as pd

    from trafficprev.area._osm import (
        MILESTONE_COLUMNS,
        NODE_COLUMNS,
        PLACE_COLUMNS,
        POI_COLUMNS,
        WAY_COLUMNS,
    )

    def check(src) -> None:
        for table, columns in [
            ("nodes", NODE_COLUMNS),
            ("ways", WAY_COLUMNS),
            ("pois", POI_COLUMNS),
            ("places", PLACE_COLUMNS),
            ("milestones", MILESTONE_COLUMNS),
        ]:
            df = getattr(src, table)
            assert list(df.columns) == list(columns), table
            for col, dtype in columns.items():
                assert df[col].dtype == pd.Series([], dtype=dtype).dtype, (table, col)

    return check


@pytest.fixture(scope="session")
def demo_area(tmp_path_factory):
    """The demo city's area gazetteer (built once for the whole test run; do not mutate)."""

    def build():
        from trafficprev.area import build_area
        from trafficprev.datasets import demo_files

        f = demo_files()
        return build_area("demo", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])

    return _built_once(tmp_path_factory, "demo-area", build)


@pytest.fixture(scope="session")
def demo_geocoded(tmp_path_factory, demo_area):
    """The demo city's commuting cases, geocoded (once for the whole test run; do not
    mutate)."""

    def build():
        from trafficprev.datasets import demo_files
        from trafficprev.geocode import geocode
        from trafficprev.intake import read_determinations

        cases = read_determinations(demo_files()["determinations"]).cases
        return geocode(cases[cases["commuting"]], demo_area).cases

    return _built_once(tmp_path_factory, "demo-geocoded", build)


@pytest.fixture(scope="session")
def demo_hotspots(tmp_path_factory, demo_area, demo_geocoded):
    """``find_hotspots`` on the demo city's geocoded cases (once for the whole test run; do
    not mutate)."""

    def build():
        from trafficprev.hotspots import find_hotspots

        return find_hotspots(demo_geocoded, demo_area)

    return _built_once(tmp_path_factory, "demo-hotspots", build)


@pytest.fixture(scope="session")
def demo_register():
    """The demo city's enterprise register (``read_enterprises(...).records``)."""
    from trafficprev.datasets import demo_files
    from trafficprev.intake import read_enterprises

    return read_enterprises(demo_files()["enterprises"]).records


#: The shared finished run: the demo city's last quarter with every input, no previous run,
#: seen from 15 January 2025 (see :func:`demo_quarter_run`).
DEMO_QUARTER = "2024Q4"
DEMO_AS_OF = dt.date(2025, 1, 15)
DEMO_SOURCE = "示范市工伤认定台账（合成演示数据，非真实数据）"


def demo_run_kwargs(area) -> dict:
    """``run()``'s arguments for the demo quarter of :func:`demo_quarter_run`, minus ``out``."""
    from trafficprev.datasets import demo_files

    f = demo_files()
    return {
        "area": area,
        "inputs": f["determinations"],
        "enterprises": f["enterprises"],
        "campaign_sites": f["campaign_sites"],
        "measures": f["measures"],
        "quarter": DEMO_QUARTER,
        "previous": None,
        "quiet": True,
        "source": DEMO_SOURCE,
        "settings": Settings(as_of=DEMO_AS_OF),
    }


@pytest.fixture(scope="session")
def demo_kwargs():
    """:func:`demo_run_kwargs`, for test files (run()'s arguments of the shared demo run)."""
    return demo_run_kwargs


def _shared_root(tmp_path_factory) -> Path:
    """A folder every pytest-xdist worker of this test run sees (the parent of the workers'
    base folders), or the session's base folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _built_once(tmp_path_factory, name: str, build):
    """``build()``, computed once for the whole test run: the first pytest-xdist worker to
    ask computes it under a file lock and pickles it into the shared folder; every other
    worker unpickles that (about 0.1 s for the demo's hotspots instead of 3 s of work)."""
    import fcntl
    import pickle

    root = _shared_root(tmp_path_factory) / "built-once"
    root.mkdir(exist_ok=True)
    path = root / f"{name}.pickle"
    with open(root / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.is_file():
            return pickle.loads(path.read_bytes())
        value = build()
        staged = path.with_suffix(".partial")
        staged.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        staged.replace(path)
        return value


@pytest.fixture(scope="session")
def small_city(tmp_path_factory) -> dict[str, Path]:
    """``make_demo_city(small_config())``, generated once for the whole test run: the first
    pytest-xdist worker to ask generates it under a file lock, the others read the list of
    its files. Name -> path, as ``make_demo_city`` returns it. Read-only: a test that
    changes a file copies the folder first."""
    import fcntl
    import json

    from trafficprev.datasets.democity import make_demo_city, small_config

    root = _shared_root(tmp_path_factory) / "small-city"
    root.mkdir(exist_ok=True)
    listing = root / "files.json"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not listing.is_file():
            files = make_demo_city(root / "city", small_config())
            named = {k: str(Path(v).relative_to(root)) for k, v in files.items()}
            listing.write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")
    named = json.loads(listing.read_text(encoding="utf-8"))
    return {k: root / v for k, v in named.items()}


@pytest.fixture(scope="session")
def demo_quarter_run(tmp_path_factory, demo_area):
    """One finished quarterly run of the demo city, built once for the whole test run: the
    first worker to ask saves the session's ``demo_area`` as a folder and runs
    ``run(**demo_run_kwargs(area), out=...)`` with a fresh geocode cache, under a file lock;
    every other worker waits for it and reads the folder back with ``load_run``.

    A namespace of ``area`` (the area folder; its geocode cache is warm afterwards), ``out``
    (the run folder), ``result`` (the :class:`~trafficprev.pipeline.QuarterResult`, ready for
    ``write_run``: a worker that loaded the folder re-reads the exports for the personal data
    the folder does not keep) and ``analysed`` (True where this worker computed it; a test of
    ``load_run`` compares with an analysed result, see tests/test_quarter_result.py).
    Read-only: a test that writes into the area (a run geocodes into its cache) or the run
    folder copies it first (``shutil.copytree``); a test that changes a frame of ``result``
    copies the frame.
    """
    import dataclasses
    import fcntl
    from types import SimpleNamespace

    from trafficprev.area import save_area
    from trafficprev.intake import read_determinations
    from trafficprev.pipeline import load_run, run

    root = _shared_root(tmp_path_factory) / "demo-quarter"
    root.mkdir(exist_ok=True)
    area_dir, out = root / "area", root / "runs" / DEMO_QUARTER
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root / "done").is_file():
            save_area(demo_area, area_dir)
            result = run(out=out, **demo_run_kwargs(area_dir))
            (root / "done").write_text("built", encoding="utf-8")
            return SimpleNamespace(area=area_dir, out=out, result=result, analysed=True)
    kwargs = demo_run_kwargs(area_dir)
    loaded = load_run(out, area=area_dir)
    intake = read_determinations(kwargs["inputs"], settings=kwargs["settings"])
    result = dataclasses.replace(loaded, intake=intake, origin="analysed")
    return SimpleNamespace(area=area_dir, out=out, result=result, analysed=False)
