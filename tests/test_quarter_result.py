"""One result, many readers: ``analyse_quarter`` → ``QuarterResult`` → ``write_run`` →
``load_run`` (issue 17, Build 1 and 2).

The shared finished demo run (``demo_quarter_run``) is the subject: its folder is loaded back
and compared with the result that wrote it, table by table; a loaded result is refused for
publishing; ``load_or_run`` loads only when the manifest matches; the window lengths are
settings.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev._errors import FileFormatError, PersonalDataError, TrafficPrevError
from trafficprev._scan import forbidden_values, scan_outputs
from trafficprev.pipeline import (
    QuarterResult,
    _demo,
    analyse_quarter,
    load_or_run,
    load_run,
    write_run,
)
from trafficprev.pipeline._load import RESULT_FILE


def _assert_same(a, b, path: str = "result") -> None:
    """`a` and `b` equal part by part (tables exactly; the network's parts too)."""
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), path
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=path)
        assert a.attrs == b.attrs, path
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=path)
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), path
    elif hasattr(a, "tocsr"):  # the sparse adjacency
        assert a.shape == b.shape and a.dtype == b.dtype and (a != b).nnz == 0, path
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            if f.name == "timings":  # wall-clock seconds, not results
                continue
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict) and a and all(isinstance(v, pd.DataFrame) for v in a.values()):
        assert list(a) == list(b), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def loaded(demo_quarter_run):
    return load_run(demo_quarter_run.out)


def test_a_run_folder_gives_back_the_result_that_wrote_it(
    demo_quarter_run, loaded, demo_area, demo_kwargs
):
    """Every table, the network and every value: equal; the personal data: not kept.

    The comparison is with an analysed result: the shared run's where this worker computed
    it, else the same quarter analysed here (the area as an object: no cache is touched)."""
    if demo_quarter_run.analysed:
        written = demo_quarter_run.result
        manifest = json.loads((demo_quarter_run.out / "manifest.json").read_text("utf-8"))
        assert loaded.manifest == manifest == written.manifest
    else:
        kwargs = {k: v for k, v in demo_kwargs(demo_area).items() if k != "source"}
        written = analyse_quarter(**kwargs)
    assert loaded.loaded and not written.loaded
    assert loaded.origin == str(demo_quarter_run.out)
    assert loaded.intake.protected.empty and not written.intake.protected.empty
    assert list(loaded.intake.protected.columns) == list(written.intake.protected.columns)
    skip = {"intake", "area", "origin", "manifest", "area_folder"}
    for f in dataclasses.fields(QuarterResult):
        if f.name not in skip:
            _assert_same(getattr(written, f.name), getattr(loaded, f.name), f.name)
    intake_parts = ("records", "rejected", "duplicates", "accounting", "sources", "kind")
    for part in intake_parts:
        _assert_same(getattr(written.intake, part), getattr(loaded.intake, part), part)
    assert loaded.area.version == written.area.version


def test_the_folder_holds_no_personal_data(demo_quarter_run, tmp_path):
    """``result.sqlite`` holds none of the input's worker names, ID numbers or phones: every
    text cell of it goes through the privacy scanner with the input's own values."""
    result = demo_quarter_run.result
    con = sqlite3.connect(demo_quarter_run.out / RESULT_FILE)
    cells: list[str] = []
    for (table,) in con.execute("SELECT sql_table FROM _tables").fetchall():
        for row in con.execute(f"SELECT * FROM {table}"):
            cells += [v for v in row if isinstance(v, str)]
    cells += [v for (v,) in con.execute("SELECT value FROM _store")]
    con.close()
    dump = tmp_path / "cells.txt"
    dump.write_text("\n".join(cells), encoding="utf-8")
    assert len(cells) > 10_000  # the scan has something to look at
    forbidden = forbidden_values(result.intake.protected, result.intake.cases)
    found = scan_outputs([dump], forbidden=forbidden, kinds=("id_number", "phone", "name"))
    assert found.empty, found.head().to_dict("records")


def test_a_loaded_result_is_not_published_again(loaded, tmp_path):
    with pytest.raises(PersonalDataError, match="run the quarter again"):
        write_run(loaded, tmp_path / "again")
    assert not (tmp_path / "again").exists()


def test_load_run_says_what_is_wrong(demo_quarter_run, tmp_path, demo_area):
    with pytest.raises(FileFormatError, match="not a run folder, or written by an older"):
        load_run(tmp_path)
    copy = tmp_path / "run"
    shutil.copytree(demo_quarter_run.out, copy)
    other = dataclasses.replace(demo_area, version="0000000000000000")
    with pytest.raises(TrafficPrevError, match="area version"):
        load_run(copy, area=other)
    assert "folder" not in json.loads((copy / "manifest.json").read_text("utf-8"))["area"]
    assert load_run(copy).area.version == demo_area.version  # the area found from the result
    (copy / RESULT_FILE).write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(FileFormatError):  # ... a damaged file: one readable error
        load_run(copy)


def test_analyse_quarter_writes_nothing_and_reads_an_older_previous_folder(
    demo_quarter_run, demo_area, tmp_path, tmp_path_factory, monkeypatch, demo_kwargs
):
    """With an area object (no geocode cache), analysing touches no file; the window lengths
    are settings; a previous run folder without ``result.sqlite`` (an older trafficprev) is
    skipped with a warning that reaches the manifest."""
    prev = tmp_path_factory.mktemp("older") / "2024Q3"
    shutil.copytree(demo_quarter_run.out, prev)
    (prev / RESULT_FILE).unlink()
    monkeypatch.chdir(tmp_path)
    kwargs = demo_kwargs(demo_area)
    kwargs.pop("source")
    kwargs["previous"] = prev
    kwargs["settings"] = kwargs["settings"].replace(window_quarters=2, key_quarters=3)
    before = sorted(p.name for p in prev.iterdir())
    result = analyse_quarter(**kwargs)
    assert list(tmp_path.iterdir()) == [] and sorted(p.name for p in prev.iterdir()) == before
    assert result.window == ("2024Q3", "2024Q4")  # the window lengths are settings
    assert result.key_window == ("2024Q2", "2024Q3", "2024Q4")
    assert len(result.history) > 3
    assert set(pd.PeriodIndex(result.hotspots.cases["injured_at"], freq="Q").astype(str)) <= {
        "2024Q3",
        "2024Q4",
    }
    assert result.manifest["window"] == ["2024Q3", "2024Q4"]
    assert result.comparison is None
    assert any("no comparison with the previous run" in w for w in result.manifest["warnings"])
    with pytest.raises(ValueError, match="window_quarters"):
        Settings(window_quarters=0)


def test_load_or_run_loads_only_the_same_run(demo_quarter_run, tmp_path, demo_kwargs, monkeypatch):
    """Same inputs, quarter, settings, release and area: loaded (seconds); anything else
    differs: the quarter is run again (``run`` is replaced by a recorder here; notebook 04's
    test runs it for real)."""
    area = tmp_path / "area"
    shutil.copytree(demo_quarter_run.area, area)
    out = tmp_path / "runs" / "2024Q4"
    shutil.copytree(demo_quarter_run.out, out)
    kwargs = demo_kwargs(area)
    files = {k: kwargs[k] for k in ("area", "inputs", "enterprises", "campaign_sites", "measures")}
    settings = kwargs["settings"]
    same = load_or_run(files, quarter="2024年第四季度", out=out, settings=settings)
    assert same.loaded and same.provenance.endswith(str(out))  # loaded, and it says so

    calls = []
    monkeypatch.setattr(_demo, "run", lambda **kw: calls.append(kw) or "ran")
    changes = [
        ({**files, "measures": None}, "2024Q4", settings, "police"),
        ({**files, "inputs": files["inputs"][:1]}, "2024Q4", settings, "police"),
        (files, "2024Q3", settings, "police"),
        (files, "2024Q4", settings.replace(k_police=4), "police"),
        (files, "2024Q4", settings, "public"),
    ]
    for changed, quarter, s, release in changes:
        assert load_or_run(changed, quarter=quarter, out=out, settings=s, release=release) == "ran"
    assert len(calls) == len(changes)
    assert [c["quarter"] for c in calls] == ["2024Q4", "2024Q4", "2024Q3", "2024Q4", "2024Q4"]
    assert calls[3]["settings"].k_police == 4 and calls[4]["release"] == "public"
    assert all(c["out"] == out and c["area"] == area for c in calls)
    (out / "manifest.json").write_text("{not json", encoding="utf-8")  # a damaged manifest
    assert load_or_run(files, quarter="2024Q4", out=out, settings=settings) == "ran"
