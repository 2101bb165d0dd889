"""Helpers shared by the benchmark scripts, mostly for their ``--quick`` smoke runs.

* :func:`demo_area`, :func:`demo_cases`, :func:`demo_geocoded`, :func:`demo_hotspots`: the
  shipped demo city's area, cases, geocoded commuting cases and hotspots (and
  :func:`demo_network`, its units with the default settings), built once per
  process (``benchmarks/quick.py`` runs every bench in one process, so the benches that run on
  the demo share one build); :func:`small_city`, a ``small_config()`` city generated once. A
  bench must not change what it gets.
* :func:`child`: run a measuring child script (``python -c CODE ARGS``) and return its stdout;
  with ``in_process=True`` (quick runs: not measurements) the same code runs in this process
  instead, saving an interpreter start and the imports. A peak-memory figure printed by such
  a child is then this process's peak.
"""

from __future__ import annotations

import contextlib
import functools
import io
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


@functools.cache
def small_city() -> Path:
    """A folder with ``make_demo_city(small_config())`` (generated once per process)."""
    import tempfile

    from trafficprev.datasets.democity import make_demo_city, small_config

    folder = Path(tempfile.mkdtemp(prefix="bench-small-city-"))
    make_demo_city(folder, small_config())
    return folder
