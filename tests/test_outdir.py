"""Output folders (issue 15, part 2): trafficprev never deletes or overwrites a file it did not
write, and refuses with one line instead.

Real folders and the real command line throughout. Before the fix, ``run --out victim`` moved
the user's folder aside and removed it (exit 0); a rerun deleted every file the analyst had
put into the run folder; ``area build`` copied only top-level files over and removed the rest;
``intake`` overwrote any ``cases.csv`` in place; a swap killed between its two renames left
the run folder missing until the next run. Each test below says which break it holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficprev._errors import OutputRefusedError
from trafficprev._outdir import MARKER, folder_kind, restore, staged
from trafficprev.area import load_area, save_area
from trafficprev.cli import main
from trafficprev.datasets import demo_files
from trafficprev.geocode import geocode
from trafficprev.intake import read_determinations
from trafficprev.pipeline import write_run
from trafficprev.pipeline._demo import copy_maps as _copy_maps
from trafficprev.sites import read_back

QUARTER = "2024Q4"
RUN_FILES = (
    "cases.gpkg", "review_queue.csv", "rejected_rows.csv", "duplicates.csv", "sites.xlsx",
    "sites.gpkg", "maps/hotspots.html", "report.html", "manifest.json",
)  # fmt: skip


def _tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` by relative path (the folder's whole content)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _run_args(area: Path, out: Path, *extra: str) -> list[str]:
    f = demo_files()
    return [
        "run", "--area", str(area), "--input", *map(str, f["determinations"]),
        "--enterprises", str(f["enterprises"][0]), "--quarter", QUARTER, "--out", str(out),
        "--previous", "none", "--as-of", "2025-01-15", "-q", *extra,
    ]  # fmt: skip


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("trafficprev: ") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def _victim(folder: Path) -> Path:
    """A user's folder of exports: spreadsheets, a CSV, a notes file and a sub-folder."""
    (folder / "old").mkdir(parents=True)
    shutil.copy(demo_files()["determinations"][0], folder / "2024.xlsx")
    (folder / "2024Q4.csv").write_text("认定书编号,职工姓名\nA1,张三\n", encoding="utf-8")
    (folder / "old" / "2023.csv").write_text("认定书编号\nB1\n", encoding="utf-8")
    (folder / "说明.txt").write_text("我的文件", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def world(demo_quarter_run) -> dict[str, Path]:
    """The demo area saved as a folder and one run of the quarter (previous=None): the
    session's shared run (``demo_quarter_run`` in conftest.py), read-only. A test that writes
    into either copies it first (``_copy_run``, ``_copy_area``)."""
    return {"area": demo_quarter_run.area, "run": demo_quarter_run.out}


def _copy_area(world, where: Path) -> Path:
    """A copy of the shared area folder (a run writes into its geocode cache)."""
    return shutil.copytree(world["area"], where / "area")


def _copy_run(world, where: Path) -> Path:
    """A copy of the module's run folder (mtimes kept, as a backup tool or cp -p keeps them)."""
    out = where / QUARTER
    shutil.copytree(world["run"], out)
    return out


# --- refusals before any work ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "intake", "area"])
def test_a_folder_of_the_users_files_is_refused_and_left_byte_identical(
    world, tmp_path, capsys, command
):
    """The issue's `--out victim`: exit 0 and the folder gone before; now exit 2, one line,
    every file as it was, and nothing created next to it."""
    victim = _victim(tmp_path / "victim")
    before = _tree(victim)
    f = demo_files()
    argv = {
        "run": _run_args(world["area"], victim),
        "intake": ["intake", "-q", "--input", str(f["determinations"][0]), "--out", str(victim)],
        "area": ["area", "build", "--name", "x", "--osm", str(f["roads"][0]),
                 "--admin", str(f["divisions"][0]), "--out", str(victim)],
    }[command]  # fmt: skip
    assert main(argv) == 2
    err = _one_line(capsys)
    assert str(victim) in err and "did not write" in err
    assert _tree(victim) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim"]


def test_a_run_folder_is_not_an_intake_folder(world, tmp_path, capsys):
    """A folder of one kind is not written over by a command of another kind."""
    out = _copy_run(world, tmp_path)
    before = _tree(out)
    f = demo_files()
    argv = ["intake", "-q", "--input", str(f["determinations"][0]), "--out", str(out)]
    assert main(argv) == 2
    assert "is a trafficprev folder of kind 'run', not 'intake'" in _one_line(capsys)
    assert _tree(out) == before


@pytest.mark.parametrize("out", [".", "..", "../.."])
def test_the_current_folder_and_the_folders_above_it_are_refused(
    world, tmp_path, capsys, monkeypatch, out
):
    """`--out .` used to move the working folder aside and delete it."""
    here = tmp_path / "a" / "b" / "work"
    here.mkdir(parents=True)
    (here / "mine.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(here)
    before = _tree(tmp_path)
    assert main(_run_args(world["area"], Path(out))) == 2
    assert "current folder" in _one_line(capsys)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("which", ["overrides", "input", "area"])
def test_an_output_folder_holding_an_input_is_refused(world, tmp_path, capsys, which):
    """`--overrides runs/2024Q4/overrides.csv --out runs/2024Q4` (the README's old loop) and
    the like: an input inside --out is refused before anything is read."""
    out = _copy_run(world, tmp_path)
    overrides = out / "overrides.csv"
    overrides.write_text((out / "review_queue.csv").read_text(encoding="utf-8-sig"), "utf-8")
    area = world["area"]
    extra: list[str] = []
    if which == "overrides":
        extra = ["--overrides", str(overrides)]
    elif which == "input":
        shutil.copy(demo_files()["measures"][0], out / "measures.csv")
        extra = ["--measures", str(out / "measures.csv")]
    else:  # the area folder inside the run folder
        area = shutil.copytree(world["area"], out / "area")
    before = _tree(out)
    assert main(_run_args(area, out, *extra)) == 2
    assert "holds the input" in _one_line(capsys)
    assert _tree(out) == before


def test_folders_made_before_the_marker_are_recognised(tmp_path):
    """Legacy rules: a run folder by manifest.json with the "trafficprev" key, an area folder by
    area.json with format and version, an intake folder by accounting.json with kind and
    read; look-alikes without those keys are not ours."""

    def folder(name: str, files: dict[str, object]) -> Path:
        p = tmp_path / name
        p.mkdir()
        for file, content in files.items():
            (p / file).write_text(json.dumps(content), encoding="utf-8")
        return p

    assert folder_kind(folder("run", {"manifest.json": {"trafficprev": "0.1", "quarter": "x"}}))
    assert folder_kind(tmp_path / "run") == "run"
    assert folder_kind(folder("area", {"area.json": {"format": 1, "version": "ab"}})) == "area"
    assert folder_kind(folder("intake", {"accounting.json": {"kind": "x", "read": 3}})) == "intake"
    assert folder_kind(folder("m", {"manifest.json": {"name": "someone else's"}})) is None
    assert folder_kind(folder("a", {"area.json": {"format": 1}})) is None
    assert folder_kind(folder("j", {"accounting.json": [1, 2]})) is None
    assert folder_kind(folder("marker", {MARKER: {"made_by": "someone", "kind": "run"}})) is None
    assert folder_kind(tmp_path / "missing") is None


# --- the protocol: keep what we did not write --------------------------------------------------


def _write(stage_dir: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (stage_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage_dir / rel).write_text(text, encoding="utf-8")


def test_a_rewrite_keeps_every_file_it_did_not_write(tmp_path):
    """The swap itself, on a folder of kind intake: user files and sub-folders stay where they
    are, an edited output is kept as NAME.edited.EXT (numbered when taken), a user file whose
    name the new outputs use is kept as NAME.kept.EXT, and the marker lists what was kept."""
    target = tmp_path / "check"
    outputs = {"cases.csv": "v1", "accounting.json": "{}", "sub/out.csv": "v1"}
    with staged(target, "intake") as stage:
        _write(stage.path, outputs)
        assert stage.commit() == []
    # the analyst works in the folder
    _write(target, {"notes.txt": "mine", "deep/er/x.txt": "mine", "sub/mine.csv": "mine"})
    (target / "empty").mkdir()
    (target / "cases.csv").write_text("edited by hand", encoding="utf-8")
    (target / "cases.edited.csv").write_text("an older edit", encoding="utf-8")
    os.symlink("notes.txt", target / "link")
    with staged(target, "intake") as stage:
        _write(stage.path, {**outputs, "cases.csv": "v2", "new.csv": "v2"})
        (target / "new.csv").write_text("the user's own new.csv", encoding="utf-8")
        kept = stage.commit()
    assert kept == sorted(
        ["cases.edited-2.csv", "cases.edited.csv", "deep/er/x.txt", "link", "new.kept.csv",
         "notes.txt", "sub/mine.csv"]
    )  # fmt: skip
    read = lambda rel: (target / rel).read_text(encoding="utf-8")  # noqa: E731
    assert read("cases.csv") == "v2" and read("new.csv") == "v2" and read("sub/out.csv") == "v1"
    assert read("cases.edited-2.csv") == "edited by hand"
    assert read("cases.edited.csv") == "an older edit"
    assert read("new.kept.csv") == "the user's own new.csv"
    assert read("notes.txt") == read("deep/er/x.txt") == read("sub/mine.csv") == "mine"
    assert os.readlink(target / "link") == "notes.txt" and (target / "empty").is_dir()
    marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "intake" and set(marker["kept"]) >= set(kept)
    assert set(marker["files"]) == {"cases.csv", "accounting.json", "sub/out.csv", "new.csv"}
    assert _leftovers(tmp_path) == []
    # a third write keeps them again; an output it no longer writes (new.csv) goes
    with staged(target, "intake") as stage:
        _write(stage.path, outputs)
        again = stage.commit()
    assert again == kept and read("cases.csv") == "v1" and not (target / "new.csv").exists()


def test_a_failure_while_writing_leaves_the_folder_as_it_was(tmp_path):
    target = tmp_path / "check"
    with staged(target, "intake") as stage:
        _write(stage.path, {"cases.csv": "v1"})
        stage.commit()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(target)
    with pytest.raises(ZeroDivisionError), staged(target, "intake") as stage:
        _write(stage.path, {"cases.csv": "v2"})
        stage.carry_over()
        _ = 1 / 0
    assert _tree(target) == before and _leftovers(tmp_path) == []


# --- the README's review loop, end to end ---------------------------------------------------


def test_the_review_loop_of_the_readme_works_as_written(world, tmp_path, capsys):
    """Run; fill the queue into reviews/overrides.csv (outside the run folder); drop notes and
    a copy of the queue into the run folder and edit sites.xlsx; rerun with --overrides: the
    override is applied, and the notes, the copy and the edited workbook are kept and listed.
    Before the fix the rerun deleted all three."""
    out = _copy_run(world, tmp_path / "runs")
    queue = pd.read_csv(out / "review_queue.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")  # fmt: skip
    assert len(queue) > 0
    fixed = queue["decision_no"].iloc[0]
    area = load_area(world["area"])
    lon, lat = area.junctions.geometry.iloc[0].x, area.junctions.geometry.iloc[0].y
    queue.loc[0, ["override_lon", "override_lat"]] = [f"{lon:.6f}", f"{lat:.6f}"]
    queue.loc[len(queue)] = {**queue.iloc[0].to_dict(), "decision_no": "不存在-1"}  # a stale one
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    queue.to_csv(reviews / "overrides.csv", index=False, encoding="utf-8-sig")
    (out / "notes.txt").write_text("本季度复核记录", encoding="utf-8")
    shutil.copy(reviews / "overrides.csv", out / "overrides.csv")  # saved there too, not passed
    with open(out / "sites.xlsx", "ab") as fh:  # an edit the police asked for
        fh.write(b"edited")
    edited = (out / "sites.xlsx").read_bytes()

    area_dir = _copy_area(world, tmp_path)
    assert main(_run_args(area_dir, out, "--overrides", str(reviews / "overrides.csv"))) == 0
    printed = capsys.readouterr().out
    m = _manifest(out)
    assert {"notes.txt", "overrides.csv", "sites.edited.xlsx"} <= set(m["kept"])
    assert "notes.txt" in printed and "kept" in printed
    assert (out / "notes.txt").read_text(encoding="utf-8") == "本季度复核记录"
    assert (out / "overrides.csv").read_bytes() == (reviews / "overrides.csv").read_bytes()
    assert (out / "sites.edited.xlsx").read_bytes() == edited
    assert "建议点位" in read_back(out / "sites.xlsx")  # a fresh, readable workbook
    assert m["inputs"]["overrides"][0]["path"] == str(reviews / "overrides.csv")
    cases = pyogrio.read_dataframe(out / "cases.gpkg", layer="cases").set_index("decision_no")
    assert cases.loc[fixed, "match_level"] == "override"
    assert cases.loc[fixed, "lon"] == pytest.approx(lon, abs=1e-6)
    new_queue = pd.read_csv(out / "review_queue.csv", dtype=str, encoding="utf-8-sig")
    assert fixed not in set(new_queue["decision_no"])
    report = pd.read_csv(out / "overrides_report.csv", dtype=str, encoding="utf-8-sig")
    assert report["decision_no"].tolist() == ["不存在-1"]
    assert all((out / name).is_file() for name in RUN_FILES)
    assert _leftovers(out.parent) == []


# --- a swap killed between its two renames ------------------------------------------------------


def _kill_between_renames(target: Path, kind: str) -> Path:
    """What `kill -9` between the two renames leaves: the folder renamed aside as the first
    rename does, and the complete staging folder of the killed process next to it."""
    pid = 999999
    old = target.parent / f".{target.name}.old-{pid}"
    target.rename(old)
    staging = target.parent / f".{target.name}.partial-{pid}"
    shutil.copytree(old, staging)
    marker = {"made_by": "trafficprev", "format": 1, "kind": kind, "state": "complete"}
    (staging / MARKER).write_text(json.dumps({**marker, "files": {}, "kept": {}}), "utf-8")
    assert not target.exists()
    return old


def test_the_next_run_restores_a_run_folder_left_aside(world, demo_quarter_run, tmp_path):
    """Before: the run put the folder back but then deleted the user's notes with it. (The
    next write restores it, before writing: ``write_run`` of the shared finished result.)"""
    out = _copy_run(world, tmp_path / "runs")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    _kill_between_renames(out, "run")
    write_run(demo_quarter_run.result, out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "notes.txt" in _manifest(out)["kept"]
    assert all((out / name).is_file() for name in RUN_FILES)
    assert _leftovers(out.parent) == []


def test_load_area_restores_an_area_folder_left_aside(world, tmp_path):
    area_dir = shutil.copytree(world["area"], tmp_path / "area")
    _kill_between_renames(area_dir, "area")
    assert load_area(area_dir).version == load_area(world["area"]).version
    assert (area_dir / "area.gpkg").is_file() and _leftovers(tmp_path) == []
    assert restore(area_dir) is False  # nothing more to do, and nothing is touched


def test_intake_restores_its_folder_and_keeps_the_users_files(data_dir, tmp_path, capsys):
    out = tmp_path / "check"
    args = ["intake", "-q", "--as-of", "2025-06-30", "--input", str(data_dir / "gb18030.csv"),
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    _kill_between_renames(out, "intake")
    assert main(args) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "cases.csv").is_file() and _leftovers(tmp_path) == []


# --- area folders --------------------------------------------------------------------------------


def test_rebuilding_an_area_keeps_the_cache_and_the_users_files(world, tmp_path):
    """Before: only top-level files were copied over; sub-folders were deleted."""
    area_dir = shutil.copytree(world["area"], tmp_path / "area")
    assert (area_dir / "geocode_cache.sqlite").is_file()  # written by the module's run
    (area_dir / "zones").mkdir()
    (area_dir / "zones" / "zones.csv").write_text("mine", encoding="utf-8")
    (area_dir / "README.txt").write_text("mine", encoding="utf-8")
    cache = (area_dir / "geocode_cache.sqlite").read_bytes()
    save_area(load_area(area_dir), area_dir)
    assert (area_dir / "zones" / "zones.csv").read_text(encoding="utf-8") == "mine"
    assert (area_dir / "README.txt").read_text(encoding="utf-8") == "mine"
    assert (area_dir / "geocode_cache.sqlite").read_bytes() == cache
    assert _leftovers(tmp_path) == []


def test_area_build_into_a_folder_holding_its_own_input_is_refused(tmp_path, capsys):
    f = demo_files()
    folder = tmp_path / "areas"
    folder.mkdir()
    osm = Path(shutil.copy(f["roads"][0], folder / "roads.osm"))
    argv = ["area", "build", "--name", "x", "--osm", str(osm), "--admin", str(f["divisions"][0]),
            "--out", str(folder)]  # fmt: skip
    assert main(argv) == 2
    assert "holds the input" in _one_line(capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["roads.osm"]


# --- intake folders ------------------------------------------------------------------------------


def test_intake_into_a_folder_with_the_users_own_cases_csv_is_refused(data_dir, tmp_path, capsys):
    """Before: cases.csv was overwritten in place."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "cases.csv").write_text("my own table\n", encoding="utf-8")
    argv = ["intake", "-q", "--input", str(data_dir / "gb18030.csv"), "--out", str(folder)]
    assert main(argv) == 2
    assert "did not write" in _one_line(capsys)
    assert _tree(folder) == {"cases.csv": hashlib.sha256(b"my own table\n").hexdigest()}


def test_intake_outputs_are_replaced_all_at_once_or_not_at_all(data_dir, settings, tmp_path):
    """An exception while writing the second table leaves every previous output intact
    (before: cases.csv was already overwritten by then)."""
    result = read_determinations(data_dir / "gb18030.csv", settings=settings)
    out = tmp_path / "check"
    paths = result.write(out)
    assert set(paths) == {"records", "rejected", "duplicates", "accounting"}
    before = _tree(out)
    broken = replace(result, records=result.records.head(1), rejected=None)
    with pytest.raises(AttributeError):
        broken.write(out)
    assert _tree(out) == before and _leftovers(tmp_path) == []


def test_intake_writes_its_registers_into_the_same_folder(data_dir, tmp_path, capsys):
    f = demo_files()
    out = tmp_path / "check"
    argv = ["intake", "-q", "--as-of", "2025-06-30", "--input", str(data_dir / "gb18030.csv"),
            "--enterprises", str(f["enterprises"][0]), "--campaign-sites",
            str(f["campaign_sites"][0]), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    (out / "enterprises" / "mine.txt").write_text("mine", encoding="utf-8")
    assert main(argv) == 0
    assert (out / "enterprises" / "mine.txt").read_text(encoding="utf-8") == "mine"
    for sub in ("", "enterprises/", "campaign_sites/"):
        assert (out / f"{sub}accounting.json").is_file(), sub
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["kept"] == {
        "enterprises/mine.txt": "enterprises/mine.txt"
    }


# --- files written into folders trafficprev did not make ---------------------------------------


def test_protected_file_only_over_a_file_intake_wrote(data_dir, tmp_path, capsys):
    """`--protected FILE` overwrote any file before."""
    secure = tmp_path / "secure"
    secure.mkdir()
    users = secure / "protected.csv"
    users.write_text("the user's own file\n", encoding="utf-8")
    args = ["intake", "-q", "--input", str(data_dir / "gb18030.csv"), "--out",
            str(tmp_path / "check"), "--protected"]  # fmt: skip
    assert main([*args, str(users)]) == 2
    assert "protected.csv" in _one_line(capsys)
    assert users.read_text(encoding="utf-8") == "the user's own file\n"
    assert not (tmp_path / "check").exists()  # refused before anything was read or written
    ours = secure / "p.csv"
    assert main([*args, str(ours)]) == 0 and main([*args, str(ours)]) == 0  # ours: replaced
    with open(ours, "a", encoding="utf-8") as fh:
        fh.write("a note\n")
    capsys.readouterr()
    assert main([*args, str(ours)]) == 2  # edited since: refused, not lost
    assert "edited since" in _one_line(capsys) and ours.read_text("utf-8").endswith("a note\n")
    # inside the intake folder it is one of its outputs, but never under an output's name
    assert main([*args, str(tmp_path / "check" / "cases.csv")]) == 2
    assert "own outputs" in _one_line(capsys)


def test_geocode_never_writes_over_a_filled_review_queue(demo_area, tmp_path):
    """`geocode --out FILE.gpkg` wrote review_queue.csv next to it over anything there."""
    cases = pd.DataFrame({"decision_no": ["D1", "D2"], "place_text": ["人民路", "上班途中"]})
    result = geocode(cases, demo_area)
    paths = result.write(tmp_path / "g.gpkg")
    again = result.write(tmp_path / "g.gpkg")  # ours and unchanged: replaced
    assert again == paths and paths["review_queue"].is_file()
    with open(paths["review_queue"], "a", encoding="utf-8") as fh:
        fh.write("D2,上班途中,,,,,,,,,,,,,,111.7,29.0,,,checked\n")
    filled = paths["review_queue"].read_bytes()
    gpkg = paths["cases"].read_bytes()
    with pytest.raises(OutputRefusedError, match=r"review_queue\.csv"):
        result.write(tmp_path / "g.gpkg")
    assert paths["review_queue"].read_bytes() == filled and paths["cases"].read_bytes() == gpkg


def test_the_demos_map_copies_never_replace_a_users_file(world, tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / ".gitkeep").write_text("", encoding="utf-8")
    copied = _copy_maps(world["run"] / "maps", maps)
    assert {p.name for p in copied} >= {"hotspots.html", "sign_sites.html"}
    assert _copy_maps(world["run"] / "maps", maps) == copied  # its own copies: replaced
    (maps / "hotspots.html").write_text("<p>my edited map</p>", encoding="utf-8")
    with pytest.raises(OutputRefusedError, match=r"hotspots\.html"):
        _copy_maps(world["run"] / "maps", maps)
    assert (maps / "hotspots.html").read_text(encoding="utf-8") == "<p>my edited map</p>"


# --- the one atomic write ---------------------------------------------------------------------


def test_atomic_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    from trafficprev._outdir import atomic_write

    path = tmp_path / "table.csv"
    path.write_text("old", encoding="utf-8")
    seen: list[Path] = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("new", encoding="utf-8")

    assert atomic_write(path, write) == path
    assert path.read_text(encoding="utf-8") == "new"
    assert seen[0].parent == tmp_path and seen[0].suffix == ".csv" and seen[0] != path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


@pytest.mark.parametrize("error", [RuntimeError("writer failed"), KeyboardInterrupt()])
def test_a_failing_atomic_write_keeps_the_old_file_and_no_temporary_file(tmp_path, error):
    from trafficprev._outdir import atomic_write

    path = tmp_path / "table.csv"
    path.write_text("old", encoding="utf-8")

    def write(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise error

    with pytest.raises(type(error)):
        atomic_write(path, write, temp_name=".table.partial")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]
