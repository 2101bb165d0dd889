"""Helpers shared by the benchmark scripts, mostly for their ``--quick`` smoke runs.

* :func:`demo_area`, :func:`demo_cases`, :func:`demo_geocoded`, :func:`demo_hotspots`: the
  shipped demo city's area, cases, geocoded commuting cases and hotspots (and
  :func:`demo_network`, its units with the default settings), built once per
  process (``benchmarks/quick.py`` runs every bench in one process, so the benches that run on
  the demo share one build). A bench must not change what it gets.
* :func:`small_city`: a tiny generated city (:data:`SMALL_CONFIG`: ``small_config`` at scale
  0.1 with 300 determinations, about 80 commuting cases), generated once per ``quick.py`` run
  (its processes share it through the folder :data:`SHARED_ENV` names) or else once per
  process, and :func:`small_files`, :func:`small_area`, :func:`small_cases`,
  :func:`small_geocoded`, :func:`small_network`, :func:`small_hotspots`, the same things as
  the demo's for it, built once per process: the world the quick runs share (generating it
  costs less than building the demo's area and units, and every step on it is quicker). Full
  runs never use it.
* :func:`child`: run a measuring child script (``python -c CODE ARGS``) and return its stdout;
  with ``in_process=True`` (quick runs: not measurements) the same code runs in this process
  instead, saving an interpreter start and the imports. A peak-memory figure printed by such
  a child is then this process's peak.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def demo_area():
    """``build_area`` of the shipped demo city (cached per process; do not mutate)."""
    from trafficprev.area import build_area
    from trafficprev.datasets import demo_files

    f = demo_files()
    return build_area("demo", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])


def child(code: str, args: list[str], *, in_process: bool = False, cwd: Path | None = None) -> str:
    """stdout of ``python -c code *args`` (a separate process unless `in_process`)."""
    if not in_process:
        return subprocess.run(
            [sys.executable, "-c", code, *map(str, args)],
            check=True,
            capture_output=True,
            text=True,
            cwd=cwd,
        ).stdout
    buf, saved = io.StringIO(), sys.argv
    sys.argv = ["-c", *map(str, args)]
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code, "<child>", "exec"), {"__name__": "__main__"})
    finally:
        sys.argv = saved
    return buf.getvalue()


def call(fn, *args, **kwargs) -> str:
    """stdout of ``fn(*args, **kwargs)``: a child's work run in this process."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(*args, **kwargs)
    return buf.getvalue()


def markdown_table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A GitHub markdown table; ``align`` has one ``l`` / ``r`` per column."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


@functools.cache
def demo_cases():
    """``read_determinations`` of the shipped demo's exports, ``.cases`` (cached; read-only)."""
    from trafficprev.datasets import demo_files
    from trafficprev.intake import read_determinations

    return read_determinations(demo_files()["determinations"]).cases


@functools.cache
def demo_geocoded():
    """The shipped demo's commuting cases, geocoded on :func:`demo_area` (cached; read-only)."""
    from trafficprev.geocode import geocode

    cases = demo_cases()
    return geocode(cases[cases["commuting"]], demo_area()).cases


@functools.cache
def demo_network():
    """``hotspot_units(demo_area())`` with the default settings (cached; read-only)."""
    from trafficprev.hotspots import hotspot_units

    return hotspot_units(demo_area())


@functools.cache
def demo_hotspots():
    """``find_hotspots`` of :func:`demo_geocoded` (cached; read-only)."""
    from trafficprev.hotspots import find_hotspots

    return find_hotspots(demo_geocoded(), demo_area(), network=demo_network())


#: The quick runs' shared city: ``small_config(**SMALL_CONFIG)`` (seed 2024, 6 planted hotspots).
SMALL_CONFIG = {"scale": 0.1, "n_determinations": 300}


#: Environment variable naming a folder that the processes of one ``quick.py`` run share (it
#: creates and removes it): the tiny city is generated there once for all of them.
SHARED_ENV = "BENCH_QUICK_SHARED"
#: The file in the tiny city's folder that holds its generation seconds (written last).
_DONE = ".generated-seconds"


@functools.cache
def small_city() -> Path:
    """A folder with ``make_demo_city(small_config(**SMALL_CONFIG))``: generated once per
    ``quick.py`` run in the folder of :data:`SHARED_ENV` (the first process to need it
    generates it, under a file lock; the others wait and read it), or else once per process
    into a temporary folder removed when the process exits."""
    import fcntl
    import tempfile

    shared = os.environ.get(SHARED_ENV)
    if not shared:
        folder = Path(tempfile.mkdtemp(prefix="bench-small-city-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _generate_small_city(folder)
        return folder
    folder = Path(shared) / "small-city"
    with open(Path(shared) / "small-city.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not (folder / _DONE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            _generate_small_city(folder)
    return folder


def _generate_small_city(folder: Path) -> None:
    """Generate the tiny city into `folder`; its generation seconds go to ``folder/_DONE``."""
    import time

    from trafficprev.datasets.democity import make_demo_city, small_config

    t0 = time.perf_counter()
    make_demo_city(folder, small_config(**SMALL_CONFIG))
    (folder / _DONE).write_text(f"{time.perf_counter() - t0:.3f}\n", encoding="utf-8")


def small_city_seconds() -> float:
    """Wall seconds that generating :func:`small_city` took (in whichever process did it)."""
    return float((small_city() / _DONE).read_text(encoding="utf-8"))


def small_files() -> dict[str, list[Path]]:
    """The inputs of :func:`small_city` by kind, as ``demo_files()`` gives the demo's."""
    from trafficprev.datasets import demo_files

    return demo_files(small_city())


@functools.cache
def small_area():
    """``build_area`` of :func:`small_city` (cached per process; do not mutate)."""
    from trafficprev.area import build_area

    f = small_files()
    return build_area("small", osm=f["roads"][0], pois=f["pois"], admin=f["divisions"][0])


@functools.cache
def small_cases():
    """``read_determinations`` of :func:`small_city`'s exports, ``.cases`` (cached; read-only)."""
    from trafficprev.intake import read_determinations

    return read_determinations(small_files()["determinations"]).cases


@functools.cache
def small_geocoded():
    """:func:`small_city`'s commuting cases, geocoded on :func:`small_area` (cached)."""
    from trafficprev.geocode import geocode

    cases = small_cases()
    return geocode(cases[cases["commuting"]], small_area()).cases


@functools.cache
def small_network():
    """``hotspot_units(small_area())`` with the default settings (cached; read-only)."""
    from trafficprev.hotspots import hotspot_units

    return hotspot_units(small_area())


@functools.cache
def small_hotspots():
    """``find_hotspots`` of :func:`small_geocoded` (cached; read-only)."""
    from trafficprev.hotspots import find_hotspots

    return find_hotspots(small_geocoded(), small_area(), network=small_network())
