"""The quarterly run: outputs, manifest, determinism, cache reuse, comparison, interruption,
locking, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev._outdir import locked
from trafficprev.cli import main
from trafficprev.datasets import demo_files
from trafficprev.pipeline import DEMO_QUARTERS, RunLockedError, run, run_demo
from trafficprev.sites import read_back

FILES = (
    "cases.gpkg", "review_queue.csv", "rejected_rows.csv", "duplicates.csv", "sites.xlsx",
    "sites.gpkg", "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html",
    "report.html", "manifest.json",
)  # fmt: skip
LAYERS = {"cases", "units", "hotspots", "clusters", "sign_sites", "campaign_sites", "enterprises"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    result = run_demo(root / "runs", maps_dir=root / "maps", quiet=True)
    return root, result


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
    }


def test_demo_writes_every_output(demo):
    root, result = demo
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
    root, _ = demo
    m = _manifest(root / "runs" / "2024Q4")
    acc = m["accounting"]
    assert acc["read"] == acc["cases"] + acc["rejected"] + acc["duplicates"]
    assert acc["commuting_traffic"] == 746
    assert all(len(i["sha256"]) == 64 for i in m["inputs"]["determinations"])
    assert m["settings"]["key_enterprises"] == 22 and m["seed"] == 0
    assert m["packages"]["trafficprev"] and m["area"]["version"]
    assert sum(m["geocode_levels"].values()) == 746
    assert set(m["timings"]) >= {"intake", "geocode", "hotspots", "write", "report", "total"}
    assert m["previous"].endswith("2024Q3")
    assert m["window"] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert m["warnings"] == [] and m["kept"] == []  # data in the window; a new folder


def test_the_cases_layer_holds_no_personal_data(demo):
    root, _ = demo
    cases = pyogrio.read_dataframe(root / "runs" / "2024Q4" / "cases.gpkg", layer="cases")
    for col in ("worker_name", "id_number", "phone", "narrative"):
        assert col not in cases.columns
    assert {"decision_no", "unit_id", "match_level", "lon", "lat"} <= set(cases.columns)


def test_second_quarter_compares_with_the_first(demo):
    _, result = demo
    comp = result.comparison
    assert comp is not None and comp["previous"].endswith("2024Q3")
    assert set(comp["hotspots"]["status"]) <= {"new", "persisting", "resolved"}
    assert len(comp["hotspots"]) > 0
    assert set(comp["enterprises"]["status"]) <= {"entered", "stayed", "left"}


def test_rerun_is_identical_and_reuses_the_cache(demo, tmp_path):
    root, _ = demo
    again = run(quarter="2024Q4", out=tmp_path / "2024Q4", previous=root / "runs" / "2024Q3",
                **_kwargs(root))  # fmt: skip
    first, second = root / "runs" / "2024Q4", tmp_path / "2024Q4"
    for layer in LAYERS:
        a = pyogrio.read_dataframe(first / "cases.gpkg", layer=layer)
        b = pyogrio.read_dataframe(second / "cases.gpkg", layer=layer)
        pd.testing.assert_frame_equal(a, b, obj=layer)
    for sheet, frame in read_back(first / "sites.xlsx").items():
        pd.testing.assert_frame_equal(frame, read_back(second / "sites.xlsx")[sheet], obj=sheet)
    for name in ("maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html",
                 "report.html", "review_queue.csv"):  # fmt: skip
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    a, b = _manifest(first), _manifest(second)
    for m in (a, b):
        m.pop("timings")
        m.pop("geocode")
    assert a == b
    assert again.manifest["geocode"]["cache_hits"] > 0


# kill -9 at random moments of a run: tests/test_faults.py


def test_a_second_run_into_the_same_folder_refuses_clearly(demo, tmp_path):
    root, _ = demo
    out = tmp_path / "busy"
    with locked(out, 0), pytest.raises(RunLockedError, match="another run is writing"):
        run(quarter="2024Q4", out=out, **_kwargs(root))
    assert not out.exists()


def test_bad_quarter_is_a_clear_error(demo, tmp_path):
    root, _ = demo
    with pytest.raises(Exception, match="2024Q4"):
        run(quarter="Q4-2024", out=tmp_path / "x", **_kwargs(root))


def test_cli_run(demo, tmp_path, capsys):
    root, _ = demo
    f = demo_files()
    args = [
        "run", "--area", str(root / "runs" / "area"), "--input", *map(str, f["determinations"]),
        "--enterprises", str(f["enterprises"][0]), "--measures", str(f["measures"][0]),
        "--quarter", "2024Q4", "--out", str(tmp_path / "2024Q4"), "--previous", "none", "-q",
    ]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "commuting traffic cases: 746" in text and "report.html" in text
    assert (tmp_path / "2024Q4" / "report.html").is_file()
    assert main(["run", "--area", str(tmp_path / "nope"), "--input", str(f["measures"][0]),
                 "--quarter", "2024Q4", "--out", str(tmp_path / "y"), "-q"]) == 2  # fmt: skip
    assert "measures.csv: missing required column" in capsys.readouterr().err
    assert main(["run", "--area", str(tmp_path / "nope"), "--input", str(f["determinations"][-1]),
                 "--quarter", "2024Q4", "--out", str(tmp_path / "y"), "-q"]) == 2  # fmt: skip
    assert "area build" in capsys.readouterr().err


def test_exports_alone_are_enough(demo, tmp_path):
    """No register, no campaign list, no measures: the run still completes (no rates, no
    campaign sites, no evaluation) and says so in its outputs."""
    root, _ = demo
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
    assert len(result.sign_sites) > 0
