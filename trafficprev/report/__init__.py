"""The quarterly report ``report.html``: the quarter at a glance, for a non-programmer.

:func:`write_report` turns a finished quarter (the pipeline's ``QuarterResult``) into **one
self-contained HTML file** (UTF-8, inline CSS, charts as base64 PNG data URIs, no script, no
link to anything outside the file) with ten sections (:data:`SECTIONS`):

1. 本季概览 — quarter, windows, data source (file names and sha256 prefixes), row
   accounting, geocode quality and the review queue;
2. 热点路段与交叉口 — the hot units of the window with their peak window and main
   circumstances, and the count of units by class;
3. 重点企业 — the key list and the funnel plot;
4. 人群与情形 — group and circumstance tables with charts, and the hour-of-day profile;
5. 建议培训人群 — the target groups that stand out (whom, when and where to train them), the
   ranked combinations and the circumstance combinations (多发情形), with how many cases the
   rankings rest on;
6. 时段与趋势 — quarterly counts and the emerging-hotspot classes;
7. 建议点位 — warning-sign and campaign sites;
8. 措施评估 — the empirical-Bayes before/after evaluation of earlier measures;
9. 与上季度对比 — hotspots and key enterprises against the previous quarter's run;
10. 说明 — method notes, release levels, files written, the manifest.

The report is for use **inside the centre** (release level ``internal``) but holds no personal
data at all: no worker names, ID numbers, phone numbers, narratives, exact times or decision
numbers; cells with fewer than ``k_police`` cases are marked ``*`` so that they can be
suppressed before anything is shared.

**How it is made.** One module per job: ``_input`` (the typed result read, by attribute),
``_format`` (numbers and text), ``_table`` (tables as plain data), ``_charts`` (PNG charts),
``_places`` (road units in words), one module per section turning the result into that
section's data (``_overview``, ``_hotspots``, ``_enterprises``, ``_groups``, ``_trends``,
``_sites``, ``_comparison``, ``_notes``), and ``_render``, which renders the Jinja2 templates
in ``trafficprev/templates/report/`` (``report.html.j2``, ``macros.html.j2`` with the
``table``, ``kv_table`` and ``figure`` macros, ``sections/ANCHOR.html.j2``). The environment
escapes every value and refuses undefined names; data reach the templates only as variables,
never as template source, and nothing from the data is marked safe.

The same result gives the same bytes: figures are rendered with matplotlib's Agg backend to
PNG without the ``Software`` metadata, nothing depends on the clock, and the file is written
atomically with :func:`trafficprev._outdir.write_file`.
"""

from __future__ import annotations

from ._precision import render_precision, write_precision_report
from ._render import SECTIONS, render_report, write_report

__all__ = [
    "SECTIONS",
    "render_precision",
    "render_report",
    "write_precision_report",
    "write_report",
]
