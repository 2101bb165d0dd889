"""The quarterly run: one analysis, one result, many readers.

* :func:`analyse_quarter` reads the exports, geocodes the commuting cases against the area
  (reusing the area's geocode cache), finds the hotspots of the **analysis window** (the
  :attr:`~trafficprev.Settings.window_quarters` quarters ending with the run's quarter: one
  quarter alone holds too few cases per road unit), the emerging classes over every quarter
  up to it, the key enterprises (the :attr:`~trafficprev.Settings.key_quarters` quarters
  ending with it, so the rising trend can be tested), the group and circumstance tables, the
  sign and campaign sites, the evaluation of measures, and the comparison with the previous
  quarter's result. It returns a typed, frozen :class:`QuarterResult` and writes nothing.
* :func:`write_run` writes a result as a run folder: ``cases.gpkg``, the CSV tables,
  ``sites.xlsx``, ``sites.gpkg``, ``maps/*.html``, ``report.html``, ``result.sqlite`` and
  ``manifest.json``, staged and swapped in (:mod:`trafficprev.pipeline._write`).
* :func:`load_run` reads the result of a run folder back, table for table.
* :func:`run` is :func:`analyse_quarter` then :func:`write_run`, with the previous
  quarter's folder read by :func:`load_run`; :func:`run_demo` runs the demo city;
  :func:`resolve_inputs` and :func:`load_or_run` serve the notebooks.
* :func:`run_precision` is the yearly precision project (精准式工伤预防): every injury type,
  with the contribution and payout ledgers, into its own folder.

**Safe to interrupt, never destructive** (:mod:`trafficprev._outdir`). ``out`` must be new,
empty or a run folder trafficprev made, and may not hold an input or the current folder;
anything else is refused before any work. Outputs are written to a staging folder next to
``out`` and swapped in at the end, so a run killed at any point leaves the previous run
complete (between the two renames of the swap it is ``.NAME.old-PID`` until the next command
that reads the folder puts it back); files in ``out`` that the previous run did not write, or
that were edited since, are kept and listed in the manifest as ``kept``. Two runs into the
same folder at once: the second waits for the first (up to ``wait`` seconds) and then refuses
with a clear message.
"""

from __future__ import annotations

from .._outdir import RunLockedError, restore
from .._periods import parse_quarter, previous_quarter
from ._analyse import analyse_quarter
from ._demo import (
    DEMO_PRECISION_YEAR,
    DEMO_QUARTERS,
    MAP_NAMES,
    load_or_run,
    resolve_inputs,
    run_demo,
)
from ._load import load_run
from ._precision import PRECISION_FILES, precision_inputs, run_precision
from ._result import Comparison, QuarterResult
from ._run import run
from ._write import write_run

__all__ = [
    "DEMO_PRECISION_YEAR",
    "DEMO_QUARTERS",
    "MAP_NAMES",
    "PRECISION_FILES",
    "Comparison",
    "QuarterResult",
    "RunLockedError",
    "analyse_quarter",
    "load_or_run",
    "load_run",
    "parse_quarter",
    "precision_inputs",
    "previous_quarter",
    "resolve_inputs",
    "restore",
    "run",
    "run_demo",
    "run_precision",
    "write_run",
]
