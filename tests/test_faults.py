"""Faults during the quarterly run: a damaged geocode cache, a damaged area, an output folder
that cannot be created, a full disk and kill -9 at random moments. Whatever happens, the
previous run stays complete, nothing half-written is left behind and the error says what
happened."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from trafficprev._display import display_path
from trafficprev._errors import OutputError, TrafficPrevError
from trafficprev.cli import main
from trafficprev.datasets import demo_files
from trafficprev.geocode._cache import CacheWarning
from trafficprev.pipeline import analyse_quarter, run, write_run
from trafficprev.settings import Settings
from trafficprev.sites import read_back

AS_OF = dt.date(2025, 1, 15)
QUARTER = "2024Q4"
SOURCE = "示范市工伤认定台账（合成演示数据，非真实数据）"
FILES = (
    "cases.gpkg", "review_queue.csv", "rejected_rows.csv", "duplicates.csv", "sites.xlsx",
    "sites.gpkg", "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html",
    "report.html", "manifest.json",
)  # fmt: skip
LAYERS = ("cases", "units", "hotspots", "clusters", "sign_sites", "campaign_sites", "enterprises")
SAME_BYTES = (
    "maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html", "review_queue.csv",
    "rejected_rows.csv", "duplicates.csv",
)  # fmt: skip
SEED = 20241231


def _kwargs(area: Path) -> dict:
    f = demo_files()
    return {
        "area": area,
        "inputs": f["determinations"],
        "enterprises": f["enterprises"],
        "campaign_sites": f["campaign_sites"],
        "measures": f["measures"],
        "quarter": QUARTER,
        "previous": None,
        "quiet": True,
        "source": SOURCE,
        "settings": Settings(as_of=AS_OF),
    }


def _script(area: Path, out: Path, *, quiet: bool = True) -> str:
    kw = _kwargs(area)
    return textwrap.dedent(
        f"""
        import datetime as dt
        from trafficprev.pipeline import run
        from trafficprev.settings import Settings
        run(area={str(area)!r}, inputs={[str(p) for p in kw["inputs"]]!r},
            enterprises={[str(p) for p in kw["enterprises"]]!r},
            campaign_sites={[str(p) for p in kw["campaign_sites"]]!r},
            measures={[str(p) for p in kw["measures"]]!r}, quarter={QUARTER!r},
            out={str(out)!r}, previous=None, quiet={quiet!r}, source={SOURCE!r},
            settings=Settings(as_of=dt.date.fromisoformat({AS_OF.isoformat()!r})))
        """
    )


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def _assert_same_results(first: Path, second: Path) -> None:
    """The tables, sites and maps of two run folders are identical."""
    for layer in LAYERS:
        a = pyogrio.read_dataframe(first / "cases.gpkg", layer=layer)
        b = pyogrio.read_dataframe(second / "cases.gpkg", layer=layer)
        pd.testing.assert_frame_equal(a, b, obj=layer)
    left, right = read_back(first / "sites.xlsx"), read_back(second / "sites.xlsx")
    assert list(left) == list(right)
    for sheet, frame in left.items():
        pd.testing.assert_frame_equal(frame, right[sheet], obj=sheet)
    for name in SAME_BYTES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    a, b = _manifest(first), _manifest(second)
    for key in ("accounting", "geocode_levels", "review_queue", "hotspots", "settings"):
        assert a[key] == b[key], key


@pytest.fixture(scope="module")
def clean(demo_quarter_run) -> tuple[Path, Path]:
    """The demo area and a clean run of the quarter with a fresh cache: the session's shared
    run (``demo_quarter_run`` in conftest.py, the same arguments as ``_kwargs``), read-only.

    Returns ``(area folder, run folder)``; the area's geocode cache is warm afterwards. A test
    that runs the quarter works on a copy of the area (``_area_copy``) and of the run folder.
    """
    result = demo_quarter_run.result
    kw = _kwargs(demo_quarter_run.area)
    assert result.manifest["settings"] == kw["settings"].to_dict()
    assert result.manifest["quarter"] == QUARTER and result.manifest["previous"] is None
    inputs = result.manifest["inputs"]
    for kind in ("inputs", "enterprises", "campaign_sites", "measures"):
        named = inputs["determinations" if kind == "inputs" else kind]
        assert [i["path"] for i in named] == [display_path(p) for p in kw[kind]], kind
    assert result.manifest["geocode"]["cache_hits"] == 0
    out = demo_quarter_run.out
    assert all((out / name).is_file() for name in FILES)
    return demo_quarter_run.area, out


def _area_copy(area_dir: Path, target: Path, *, cache: bool = True) -> Path:
    shutil.copytree(area_dir, target)
    if not cache:
        for p in target.glob("geocode_cache.sqlite*"):
            p.unlink()
    return target


# --- a damaged geocode cache ----------------------------------------------------------------


def test_a_garbage_geocode_cache_is_rebuilt_and_the_results_do_not_change(
    clean, demo_quarter_run, tmp_path
):
    """The quarter analysed with a cache of random bytes (``analyse_quarter``: the cache is
    the analysis's; writing the run is tested above and below) geocodes every text again,
    stores them again and gives the clean run's results, table for table."""
    area_dir, _ = clean
    area = _area_copy(area_dir, tmp_path / "area")
    cache = area / "geocode_cache.sqlite"
    assert cache.stat().st_size > 0
    rng = np.random.default_rng(SEED)
    cache.write_bytes(rng.integers(0, 256, size=64 * 1024, dtype=np.uint8).tobytes())
    kwargs = {k: v for k, v in _kwargs(area).items() if k not in ("quiet", "source")}
    with pytest.warns(CacheWarning, match="damaged"):
        result = analyse_quarter(**kwargs)
    first = demo_quarter_run.result
    for name, table in (
        ("geocoded", lambda r: r.geocoded),
        ("units", lambda r: r.hotspots.units),
        ("sign_sites", lambda r: r.sign_sites),
        ("campaign_sites", lambda r: r.campaign_sites),
        ("key", lambda r: r.key),
    ):
        pd.testing.assert_frame_equal(table(result), table(first), check_exact=True, obj=name)
    for key in ("accounting", "geocode_levels", "review_queue", "hotspots", "settings"):
        assert result.manifest[key] == first.manifest[key], key
    # nothing was taken from the garbage: every text geocoded again and stored again
    assert result.manifest["geocode"]["cache_hits"] == 0
    assert result.manifest["geocode"]["geocoded"] > 0
    assert (area / "geocode_cache.sqlite.corrupt-1").is_file()
    with contextlib.closing(sqlite3.connect(cache)) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT COUNT(*) FROM geocode").fetchone()[0]
    assert stored >= result.manifest["geocode"]["geocoded"]


# --- a damaged area -------------------------------------------------------------------------


def _truncate_gpkg(area: Path) -> None:
    gpkg = area / "area.gpkg"
    data = gpkg.read_bytes()
    gpkg.write_bytes(data[: len(data) // 3])


def _break_json(area: Path) -> None:
    (area / "area.json").write_text('{"name": "示范市", "version": ', encoding="utf-8")


@pytest.mark.parametrize("damage", [_truncate_gpkg, _break_json], ids=["gpkg", "json"])
def test_a_damaged_area_is_one_clear_error_asking_to_rebuild(clean, tmp_path, damage, capsys):
    area_dir, _ = clean
    area = _area_copy(area_dir, tmp_path / "area")
    damage(area)
    out = tmp_path / "runs" / QUARTER
    with pytest.raises(TrafficPrevError, match="area build") as info:
        run(out=out, **_kwargs(area))
    assert str(area) in str(info.value)
    assert not out.exists() and not _leftovers(out.parent)
    # the command line shows that one message, no traceback
    args = ["run", "--area", str(area), "--input", *map(str, demo_files()["determinations"]),
            "--quarter", QUARTER, "--out", str(out), "--previous", "none", "-q"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "area build" in err and str(area) in err
    assert "Traceback" not in err and 'File "' not in err


# --- an output folder that cannot be created ------------------------------------------------


def test_an_output_parent_that_is_a_file_is_a_clear_error(clean, tmp_path):
    area_dir, _ = clean
    blocker = tmp_path / "runs"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / QUARTER
    with pytest.raises(TrafficPrevError, match=str(blocker)):
        run(out=out, **_kwargs(area_dir))
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


# --- a read-only output folder ----------------------------------------------------------------


@contextlib.contextmanager
def _read_only_mount(folder: Path):
    """`folder` as a read-only tmpfs, or skip when this machine does not let us mount."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "trafficprev-test", str(folder)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a read-only file system here ({exc})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False, capture_output=True)


def test_a_read_only_output_folder_is_one_clear_line(clean, demo_quarter_run, tmp_path, capsys):
    area_dir = _area_copy(clean[0], tmp_path / "area")
    with _read_only_mount(tmp_path / "readonly") as folder:
        out = folder / QUARTER
        with pytest.raises(OutputError, match="read-only") as info:
            write_run(demo_quarter_run.result, out)
        assert info.value.errno == errno.EROFS and str(folder) in str(info.value)
        f = demo_files()
        args = [
            "run", "--area", str(area_dir), "--input", *map(str, f["determinations"]),
            "--quarter", QUARTER, "--out", str(out), "--previous", "none", "-q",
        ]  # fmt: skip
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"trafficprev: {out}: cannot write the run: the disk is read-only")
        assert "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_an_unwritable_output_folder_keeps_the_previous_run(clean, tmp_path, monkeypatch, code):
    """The same on any machine (root ignores permission bits): writes into the folder fail."""
    first = clean[1]
    area_dir = _area_copy(clean[0], tmp_path / "area")
    out = tmp_path / "runs" / QUARTER
    shutil.copytree(first, out)
    before = _fingerprint(out)
    real = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if ".partial-" in str(self):
            raise OSError(code, os.strerror(code), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError, match=re.escape(str(out))) as info:
        run(out=out, **_kwargs(area_dir))
    monkeypatch.undo()
    assert info.value.errno == code
    assert "previous run in this folder is left as it was" in str(info.value)
    assert _fingerprint(out) == before
    assert not _leftovers(out.parent)


def test_only_refused_writes_into_the_run_folder_are_output_errors(tmp_path):
    from trafficprev._outdir import is_output_error as _is_output_error

    out = tmp_path / "runs" / QUARTER
    staged = out.parent / f".{QUARTER}.partial-1" / "sites.xlsx"
    assert _is_output_error(OSError(errno.EROFS, "Read-only", str(staged)), out)
    assert _is_output_error(OSError(errno.ENOSPC, "No space left on device"), out)
    # an input that cannot be read is not the output folder's fault
    exports = tmp_path / "exports" / "2024.xlsx"
    assert not _is_output_error(OSError(errno.EACCES, "Permission denied", str(exports)), out)
    assert not _is_output_error(OSError(errno.ENOENT, "No such file", str(staged)), out)
    assert not _is_output_error(OutputError(errno.EROFS, "already one"), out)


# --- a full disk ----------------------------------------------------------------------------


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _fill_on_replace(monkeypatch) -> None:
    """Every atomic rename into a staging folder fails (the first comes in sites.gpkg)."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if ".partial-" in str(dst):
            _enospc()
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def _fill_on_manifest(monkeypatch) -> None:
    """The last write before the swap, manifest.json, fails."""
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "manifest.json" and ".partial-" in str(self):
            _enospc()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize("fill", [_fill_on_replace, _fill_on_manifest], ids=["gpkg", "manifest"])
def test_a_full_disk_keeps_the_previous_run_intact(
    clean, demo_quarter_run, tmp_path, monkeypatch, fill
):
    """Writing the shared finished result (``write_run``: no analysis is repeated to fail a
    write) into a folder holding a run, on a disk that fills up."""
    _, first = clean
    out = tmp_path / "runs" / QUARTER
    shutil.copytree(first, out)
    before = _fingerprint(out)
    fill(monkeypatch)
    with pytest.raises(OutputError, match=r"the disk is full.*No space left on device") as info:
        write_run(demo_quarter_run.result, out, source=SOURCE)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert _fingerprint(out) == before
    assert all((out / name).is_file() for name in FILES)
    assert not _leftovers(out.parent)


# --- kill -9 at random moments ----------------------------------------------------------------


#: Progress lines (stderr) of a run that mark where the kills land: in the two phases that
#: write to disk, geocoding (into the geocode cache) and writing the staged run folder. (In
#: between, the analysis writes nothing that a kill could leave half-written.)
KILL_MARKERS = (
    "地理编码 geocoding",
    "写出 writing tables, sites and maps",
)


@pytest.mark.slow
def test_kill_9_at_random_moments_always_leaves_a_complete_run(clean, tmp_path):
    area_dir, first = clean
    # an empty cache, so that the killed reruns are writing to it while they geocode
    area = _area_copy(area_dir, tmp_path / "area", cache=False)
    out = tmp_path / "runs" / QUARTER
    shutil.copytree(first, out)
    before = _manifest(out)
    # the kill lands a random moment (up to 0.2 s) after the child announces the step: the
    # marker proves the child got there, the return code that it was killed there
    rng = np.random.default_rng(SEED)
    delays = rng.uniform(0.0, 0.2, len(KILL_MARKERS))
    for marker, delay in zip(KILL_MARKERS, delays, strict=True):
        proc = subprocess.Popen(
            [sys.executable, "-c", _script(area, out, quiet=False)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        seen = []
        try:
            for line in proc.stderr:
                seen.append(line.rstrip())
                if marker in line:
                    break
            assert seen and marker in seen[-1], (marker, seen)
            time.sleep(float(delay))
            assert proc.poll() is None, (marker, "the child finished before the kill")
            if marker.startswith("写出"):  # the staged folder is being written
                assert any(".partial-" in p.name for p in out.parent.iterdir()), marker
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:  # an assertion above failed: do not leave it running
                proc.kill()
            proc.stderr.close()
            code = proc.wait()
        assert code == -signal.SIGKILL, (marker, code)
        missing = [name for name in FILES if not (out / name).is_file()]
        assert not missing, (marker, missing)
        assert _manifest(out)["accounting"] == before["accounting"], marker
    result = run(out=out, **_kwargs(area))
    assert all((out / name).is_file() for name in FILES)
    assert not _leftovers(out.parent)
    _assert_same_results(first, out)
    # no corrupt cache: opened without a CacheWarning (warnings are errors), nothing moved
    # aside, and every text either found in it or geocoded now
    assert not list(area.glob("geocode_cache.sqlite.corrupt-*"))
    stats = result.manifest["geocode"]
    assert stats["cache_hits"] + stats["geocoded"] == stats["texts"]
