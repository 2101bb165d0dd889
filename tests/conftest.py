"""Shared fixtures: paths to the synthetic files in tests/data and a fixed reference date."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from trafficprev import Settings


def pytest_configure(config):
    """On CI the browser checks of the maps must run, never skip for want of Chromium."""
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
def demo_area():
    """The demo city's area gazetteer (built once per test session; do not mutate)."""
    from trafficprev.area import build_area
    from trafficprev.datasets import demo_files

    f = demo_files()
    return build_area("demo", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])


@pytest.fixture(scope="session")
def demo_geocoded(demo_area):
    """The demo city's commuting cases, geocoded (once per session; do not mutate)."""
    from trafficprev.datasets import demo_files
    from trafficprev.geocode import geocode
    from trafficprev.intake import read_determinations

    cases = read_determinations(demo_files()["determinations"]).cases
    return geocode(cases[cases["commuting"]], demo_area).cases


@pytest.fixture(scope="session")
def demo_hotspots(demo_area, demo_geocoded):
    """``find_hotspots`` on the demo city's geocoded cases (once per session; do not mutate)."""
    from trafficprev.hotspots import find_hotspots

    return find_hotspots(demo_geocoded, demo_area)


@pytest.fixture(scope="session")
def demo_register():
    """The demo city's enterprise register (``read_enterprises(...).records``)."""
    from trafficprev.datasets import demo_files
    from trafficprev.intake import read_enterprises

    return read_enterprises(demo_files()["enterprises"]).records
