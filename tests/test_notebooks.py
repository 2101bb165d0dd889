"""Every notebook (jupytext .py source) runs top to bottom through papermill on a small world.

The world is the smallest demo city the generator makes (:data:`TINY`: 300 determinations at
a tenth of the demo's size, every file of the demo's layout), generated once; its area is
built once, its second-to-last quarter is run once, and the quarterly notebook 季度报告 runs
the last quarter beside it (comparing it with the previous one: the notebook's job). The
other notebooks each get an output folder of their own with a copy of the previous run; 02
to 05 also get the quarterly notebook's run of the quarter, which they load instead of
running it (04 loads the previous quarter's too; ``load_or_run`` running a quarter whose
folder does not match is tests/test_quarter_result.py's). Every notebook is checked for its
files, for error outputs, for warnings in its stderr, and for personal data in anything it
shows.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

# jupytext, nbformat and papermill are imported where they are used: importing them builds
# jsonschema's grammar (about 2 s), which every pytest-xdist worker would pay at collection

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.py"))
QUARTERLY = NOTEBOOK_DIR / "季度报告.py"
# 01 writes into an intake folder of its own (out_dir/intake): an intake folder may not share
# out_dir with the run folders and the area (trafficprev writes only into folders it made)
INTAKE_FILES = ("intake/cases.csv", "intake/geocoded.gpkg", "intake/review_queue.csv")
RUN_FILES = ("report.html", "maps/hotspots.html")
PRECISION_FILES = ("precision.xlsx", "precision.html", "manifest.json")
SHARED_PARAMETERS = {
    "quarter",
    "inputs",
    "area_dir",
    "out_dir",
    "as_of",
    "config",
    "enterprises",
    "campaign_sites",
    "measures",
}


#: The notebooks' world: the smallest the generator makes (every file of the demo layout)
TINY = {"scale": 0.1, "n_determinations": 300}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> dict:
    """The notebooks' world (:data:`TINY`), generated here: their parameters, its folders and
    its personal data."""
    import trafficprev as tp
    from trafficprev.area import build_area, save_area
    from trafficprev.datasets.democity import make_demo_city, small_config
    from trafficprev.pipeline import run

    root = tmp_path_factory.mktemp("small-world")
    city = root / "city"
    make_demo_city(city, small_config(**TINY))
    config = pd.read_csv(city / "truth" / "config.csv", index_col="setting")["value"]
    quarters = pd.period_range(config["first_quarter"], periods=int(config["quarters"]), freq="Q")
    last = quarters[-1]
    as_of = (last.end_time + pd.DateOffset(months=6)).date()
    inputs = sorted(city.glob("determinations_*.xlsx")) + sorted(city.glob("determinations_*.csv"))
    area_dir = root / "area"
    area = build_area(
        "small",
        osm=city / "demo_city.osm",
        pois=city / "pois.csv",
        admin=city / "admin_divisions.csv",
    )
    save_area(area, area_dir)
    settings = tp.Settings(as_of=as_of)
    previous = str(last - 1)
    extras = {k: city / f"{k}.csv" for k in ("enterprises", "campaign_sites", "measures")}
    runs = root / "runs"  # the quarterly notebook's out_dir: the previous quarter, then its own
    out = runs / previous
    run(
        area=area_dir,
        inputs=inputs,
        quarter=previous,
        out=out,
        settings=settings,
        quiet=True,
        **extras,
    )
    parameters = {
        "inputs": [str(p) for p in inputs],
        "area_dir": str(area_dir),
        **{k: str(v) for k, v in extras.items()},
        "quarter": str(last),
        "as_of": as_of.isoformat(),
    }
    # this quarter's run is the quarterly notebook's (it runs the quarter, comparing it with
    # the previous one in the same out_dir); 02 to 05 find it and load it
    quarterly = _execute(QUARTERLY, root / "quarterly", runs, parameters)
    protected = tp.read_determinations(inputs, settings=settings).protected
    personal = {
        str(v)
        for col in ("worker_name", "id_number", "phone", "narrative")
        for v in protected[col].dropna()
        if len(str(v)) >= 4
    }
    return {
        "city": city,
        "previous": previous,
        "previous_run": out,
        "current_run": runs / str(last),
        "quarterly": (quarterly, runs),
        "personal": personal,
        "parameters": parameters,
    }


def _execute(path: Path, folder: Path, out: Path, parameters: dict) -> Path:
    """Run the notebook `path` (jupytext) top to bottom with papermill in `folder`, writing
    into `out`; the executed notebook's path."""
    import jupytext
    import papermill

    folder.mkdir(parents=True, exist_ok=True)
    src = folder / (path.stem + ".ipynb")
    jupytext.write(jupytext.read(path), src)
    executed = folder / ("out-" + src.name)
    papermill.execute_notebook(
        str(src),
        str(executed),
        cwd=str(folder),
        parameters={**parameters, "out_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
    )
    return executed


#: A narrative counts as shown when its first this many characters are (any longer text
#: starting with them is the narrative, or a quote of it).
NARRATIVE_PREFIX = 20


def _found(personal: set[str], text: str) -> list[str]:
    """The values of `personal` that occur in `text` (narratives by their first
    :data:`NARRATIVE_PREFIX` characters).

    One pass over the text (what ``v in text`` for each value does in thousands of passes
    over megabytes of inline maps): at every character that starts some value, the
    substrings of the values' lengths are looked up in a set.
    """
    values = {v[:NARRATIVE_PREFIX] for v in personal}
    lengths: dict[str, set[int]] = {}
    for v in values:
        lengths.setdefault(v[0], set()).add(len(v))
    starts = re.compile("[" + "".join(re.escape(c) for c in lengths) + "]")
    found = set()
    for m in starts.finditer(text):
        i = m.start()
        found.update(text[i : i + n] for n in lengths[m.group()] if text[i : i + n] in values)
    return sorted(found)


def test_the_leak_search_finds_what_in_finds():
    """:func:`_found` against the plain ``in`` on a text holding a few of the values."""
    personal = {
        "测试甲一",
        "439902197402116396",
        "10027210208",
        "2023年1月3日7点多，测试乙一在驾驶电动车上班",
    }
    text = "地图 111.69,29.03 测试甲一 x10027210208y 2023年1月3日7点多，测试乙一在驾驶电动车"
    assert _found(personal, text) == sorted(
        v[:NARRATIVE_PREFIX] for v in personal if v[:NARRATIVE_PREFIX] in text
    )
    assert _found(personal, text) == [
        "10027210208",
        "2023年1月3日7点多，测试乙一在驾驶",
        "测试甲一",
    ]
    assert _found(personal, "no personal data here 4399021974") == []


def _read(path: Path):
    import jupytext

    return jupytext.read(path)


def _outputs(nb) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def _text(output: dict) -> str:
    """Every text an output shows (stream text, plain/HTML/markdown data, tracebacks)."""
    parts = [output.get("text", ""), "\n".join(output.get("traceback", []))]
    data = output.get("data", {})
    parts += [data.get(k, "") for k in ("text/plain", "text/html", "text/markdown")]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def test_small_world_has_the_demo_layout(world):
    from trafficprev.datasets import demo_dir

    assert _files(world["city"]) == _files(demo_dir()) - {"README.md"}
    assert world["personal"], "the small world has no personal data to look for"


def test_every_notebook_has_the_shared_parameters():
    assert {p.name[:2] for p in NOTEBOOKS} >= {"01", "02", "03", "04", "05", "06", "季度"}
    for path in NOTEBOOKS:
        cells = [c for c in _read(path).cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, path.name
        source = cells[0].source
        defined = {line.split("=")[0].split(":")[0].strip() for line in source.splitlines()}
        assert defined >= SHARED_PARAMETERS, (path.name, SHARED_PARAMETERS - defined)
        for default in ('quarter = "2024Q4"', "inputs: list[str] = []", "area_dir = None"):
            assert default in source, (path.name, default)
        assert 'out_dir = "runs/notebook"' in source, path.name


def _precision_parameters(world: dict) -> dict:
    """The precision notebook's own inputs: the small city's 2022 determinations before the
    others, and its two ledgers."""
    city = world["city"] / "precision"
    parameters = dict(world["parameters"])
    parameters["inputs"] = [
        *map(str, sorted(city.glob("determinations_*.xlsx"))),
        *parameters["inputs"],
    ]
    parameters["contributions"] = str(city / "contributions.xlsx")
    parameters["payouts"] = str(city / "payouts.csv")
    return parameters


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, world):
    quarter = world["parameters"]["quarter"]
    loads = path.name.startswith(("02", "03", "04", "05"))  # this quarter's run is there
    precision = path.name.startswith("06")
    if path == QUARTERLY:  # executed by the world fixture (its run is what the others load)
        executed, out = world["quarterly"]
    elif precision:  # no quarterly run: its own folder
        out = tmp_path / "out"
        executed = _execute(path, tmp_path, out, _precision_parameters(world))
    else:
        out = tmp_path / "out"
        shutil.copytree(world["previous_run"], out / world["previous"])
        if loads:
            shutil.copytree(world["current_run"], out / quarter)
        executed = _execute(path, tmp_path, out, world["parameters"])
    intake = path.name.startswith("01")
    folder = f"precision-{quarter[:4]}" if precision else quarter
    expected = (
        INTAKE_FILES
        if intake
        else [f"{folder}/{name}" for name in PRECISION_FILES]
        if precision
        else [f"{quarter}/{name}" for name in RUN_FILES]
    )
    for name in expected:
        assert (out / name).is_file(), name

    import nbformat

    outputs = _outputs(nbformat.read(executed, as_version=4))
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [(o.get("ename"), o.get("evalue")) for o in errors]
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "Warning" not in stderr and "Traceback" not in stderr, stderr[:2000]
    shown = "\n".join(_text(o) for o in outputs)
    leaked = _found(world["personal"], shown)
    assert not leaked, f"personal data shown: {leaked[:3]}"

    if intake:
        assert "核对 check" in shown and f"{quarter}" in shown
    else:
        assert f"run folder: {out / folder}" in shown
    if loads:  # the finished run of the same inputs and settings is loaded, and it says so
        assert f"loaded the finished run: {out / quarter}" in shown
    if path.name.startswith("04"):  # the previous quarter is loaded too, and it says so
        assert (
            f"previous quarter: 读入已完成的运行 loaded the finished run: {out / world['previous']}"
            in shown
        )
    if path.name.startswith(("04", "季度")):  # they show the comparison with the previous run
        assert str(out / world["previous"]) in shown
        assert (out / world["previous"] / "cases.gpkg").is_file()
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if path.name.startswith(("03", "04")):  # funnel and ranked bars; hour and quarter charts
        assert len(images) >= 2
    if precision:  # the funnel, the list and the evaluation
        assert len(images) >= 1 and "列入原因" in shown and "评估分组" in shown
    if path.name.startswith(("02", "05")):  # maps shown inline, offline
        assert "srcdoc=" in shown
