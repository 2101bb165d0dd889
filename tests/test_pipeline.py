"""The quarterly run: outputs, manifest, determinism, cache reuse, comparison, interruption,
locking, and the command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev import Settings
from trafficprev._outdir import locked
from trafficprev.cli import main
from trafficprev.datasets import demo_files
from trafficprev.pipeline import DEMO_QUARTERS, RunLockedError, load_run, run

FILES = (
    "cases.gpkg", "review_queue.csv", "rejected_rows.csv", "duplicates.csv", "sites.xlsx",
    "sites.gpkg", "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html",
    "report.html", "manifest.json",
)  # fmt: skip
LAYERS = {"cases", "units", "hotspots", "clusters", "sign_sites", "campaign_sites", "enterprises"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``trafficprev demo`` run once through the command line: its folder, the last
    quarter's result (read back with ``load_run``) and what it printed."""
    root = tmp_path_factory.mktemp("demo")
    args = ["demo", "--as-of", "2025-06-30", "-q", "--out", str(root / "runs")]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main([*args, "--maps", str(root / "maps")]) == 0
    result = load_run(root / "runs" / DEMO_QUARTERS[-1])
    return root, result, printed.getvalue()


def test_the_demo_command_says_what_it_did(demo):
    """Each quarter labelled with its summary and every file it wrote; the rows accounted
    for once (both quarters read the same exports); counts in words, never a Python repr."""
    root, result, text = demo
    assert "合成" in text and text.count("commuting traffic cases") == 1
    assert "vs previous run" in text and "{" not in text  # counts in words, not a dict
    for quarter in DEMO_QUARTERS:
        assert f"== {quarter} == 写出 wrote {root / 'runs' / quarter}" in text
        assert f"== {quarter} 热点 hotspots" in text
        folder = root / "runs" / quarter
        written = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
        assert len(written) >= len(FILES)
        for path in written:  # every file of the run folder is named
            assert f"写出 wrote {path}" in text, path.name
    signs = result.sign_sites
    new, existing = int((~signs["existing"]).sum()), int(signs["existing"].sum())
    assert existing > 0 and f"警示标志 新设 {new}、已有 {existing}" in text
    # the hotspot units the report lists (a class, a case of their own), not the Gi* flags
    units = result.hotspots.units
    listed = int((units["hotspot_class"].fillna("") != "").sum())
    assert f"{listed} 个热点单元 hotspot units" in text
    assert f"maps copied to {root / 'maps'}" in text


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _kwargs(root: Path) -> dict:
    f = demo_files()
    return {
        "area": root / "runs" / "area",
        "inputs": f["determinations"],
        "enterprises": f["enterprises"],
        "campaign_sites": f["campaign_sites"],
        "measures": f["measures"],
        "quiet": True,
        "source": "示范市工伤认定台账（合成演示数据，非真实数据）",
        "settings": Settings(as_of=dt.date(2025, 6, 30)),  # as the demo fixture's --as-of
    }


def test_demo_writes_every_output(demo):
    root, result, _ = demo
    for quarter in DEMO_QUARTERS:
        folder = root / "runs" / quarter
        for name in FILES:
            assert (folder / name).is_file(), (quarter, name)
    layers = {name for name, _ in pyogrio.list_layers(root / "runs" / "2024Q4" / "cases.gpkg")}
    assert layers == LAYERS
    assert sorted(p.name for p in (root / "maps").glob("*.html")) == [
        "campaign_sites.html", "hotspots.html", "sign_sites.html",
    ]  # fmt: skip
    assert result.quarter == "2024Q4" and result.window == ("2024Q1", "2024Q2", "2024Q3", "2024Q4")
    assert result.history[0] == "2023Q1" and len(result.history) == 8
    # no staging or lock leftovers besides the lock files
    leftovers = [
        p.name for p in (root / "runs").iterdir() if ".partial-" in p.name or ".old-" in p.name
    ]
    assert leftovers == []


def test_manifest_accounts_for_every_row(demo):
    root, _, _ = demo
    m = _manifest(root / "runs" / "2024Q4")
    acc = m["accounting"]
    assert acc["read"] == acc["cases"] + acc["rejected"] + acc["duplicates"]
    assert acc["commuting_traffic"] > 0
    assert all(len(i["sha256"]) == 64 for i in m["inputs"]["determinations"])
    assert m["settings"]["key_enterprises"] == 22 and m["seed"] == 0
    assert m["packages"]["trafficprev"] and m["area"]["version"]
    # every commuting case up to the quarter is geocoded at some level (none: not placed)
    assert sum(m["geocode_levels"].values()) == acc["commuting_traffic"]
    assert set(m["timings"]) >= {"intake", "geocode", "hotspots", "write", "report", "total"}
    assert m["previous"].endswith("2024Q3")
    assert m["window"] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert m["warnings"] == [] and m["kept"] == []  # data in the window; a new folder


def test_the_cases_layer_holds_no_personal_data(demo):
    root, _, _ = demo
    cases = pyogrio.read_dataframe(root / "runs" / "2024Q4" / "cases.gpkg", layer="cases")
    for col in ("worker_name", "id_number", "phone", "narrative"):
        assert col not in cases.columns
    assert {"decision_no", "unit_id", "match_level", "lon", "lat"} <= set(cases.columns)


def test_second_quarter_compares_with_the_first(demo):
    _, result, _ = demo
    comp = result.comparison
    assert comp is not None and comp.previous.endswith("2024Q3")
    assert set(comp.hotspots["status"]) <= {"new", "persisting", "resolved"}
    assert len(comp.hotspots) > 0
    assert set(comp.enterprises["status"]) <= {"entered", "stayed", "left"}


# the same quarter again through ``trafficprev run`` in a fresh interpreter, compared file by
# file with the shared run: tests/test_determinism.py; a rerun reusing the geocode cache:
# tests/test_filenames.py; the command's options reaching run(): tests/test_cli.py


# kill -9 at random moments of a run: tests/test_faults.py


def test_a_second_run_into_the_same_folder_refuses_clearly(demo, tmp_path):
    root, _, _ = demo
    out = tmp_path / "busy"
    with locked(out, 0), pytest.raises(RunLockedError, match="another run is writing"):
        run(quarter="2024Q4", out=out, **_kwargs(root))
    assert not out.exists()


def test_bad_quarter_is_a_clear_error(demo, tmp_path):
    root, _, _ = demo
    with pytest.raises(Exception, match="2024Q4"):
        run(quarter="Q4-2024", out=tmp_path / "x", **_kwargs(root))


def test_cli_run_refuses_bad_inputs_in_one_line(tmp_path, capsys):
    f = demo_files()
    assert main(["run", "--area", str(tmp_path / "nope"), "--input", str(f["measures"][0]),
                 "--quarter", "2024Q4", "--out", str(tmp_path / "y"), "-q"]) == 2  # fmt: skip
    assert "measures.csv: missing required column" in capsys.readouterr().err
    assert main(["run", "--area", str(tmp_path / "nope"), "--input", str(f["determinations"][-1]),
                 "--quarter", "2024Q4", "--out", str(tmp_path / "y"), "-q"]) == 2  # fmt: skip
    assert "area build" in capsys.readouterr().err


def test_exports_alone_are_enough(demo, tmp_path):
    """No register, no campaign list, no measures: the run still completes (no rates, no
    campaign sites, no evaluation) and says so in its outputs."""
    root, _, _ = demo
    result = run(
        area=root / "runs" / "area",
        inputs=demo_files()["determinations"],
        quarter="2024Q4",
        out=tmp_path / "2024Q4",
        previous=None,
        quiet=True,
    )
    assert all((tmp_path / "2024Q4" / name).is_file() for name in FILES)
    assert result.evaluation is None and result.campaign_sites.empty
    assert not result.key["in_register"].any()
    listed = result.key[result.key["key"]]  # named from the exports, and it says so
    assert len(listed) > 0 and (listed["name"] != "").all()
    assert any(w.startswith("未提供参保企业名录") for w in result.manifest["warnings"])
    assert len(result.sign_sites) > 0


def test_the_review_queue_holds_the_windows_cases_with_their_quarter_and_day(demo):
    """review_queue.csv lists the cases of the analysis window to place by hand (earlier ones
    were queued by their own quarters' runs), each with its quarter and day."""
    from trafficprev.geocode import review_queue

    root, result, _ = demo
    out = root / "runs" / DEMO_QUARTERS[-1]
    queue = pd.read_csv(out / "review_queue.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")  # fmt: skip
    assert len(queue) == _manifest(out)["review_queue"] > 0
    assert set(queue["quarter"]) <= set(result.window)
    quarters = pd.PeriodIndex(pd.to_datetime(queue["injured_on"]), freq="Q").astype(str)
    assert (quarters == queue["quarter"]).all()
    # every low-confidence case of the window, and only those
    everything = review_queue(result.geocoded, threshold=result.settings.review_threshold)
    assert len(everything) > len(queue)  # the exports hold earlier quarters' cases too
    in_window = everything.loc[everything["quarter"].isin(result.window), "decision_no"]
    assert sorted(queue["decision_no"]) == sorted(in_window)
