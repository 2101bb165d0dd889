"""Render the report from the templates in ``trafficprev/templates/report/`` and write it.

The environment escapes every value (``autoescape``) and refuses an undefined name
(``StrictUndefined``): a section whose data lacks a name raises instead of rendering empty.
Data reach the templates only as variables; nothing is marked safe (the figures' data URIs
hold nothing that escaping changes).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from .._errors import ArgumentTypeError
from .._outdir import write_file
from ..settings import Settings
from ._comparison import comparison
from ._enterprises import enterprises
from ._groups import groups
from ._hotspots import hotspots
from ._input import QuarterInput, View
from ._notes import notes
from ._overview import overview
from ._sites import evaluation, sites
from ._targets import targets
from ._trends import trends

#: Section anchors and headings, in report order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "1. 本季概览 (The quarter at a glance)"),
    ("hotspots", "2. 热点路段与交叉口 (Hotspot roads and intersections)"),
    ("enterprises", "3. 重点企业 (Key enterprises)"),
    ("groups", "4. 人群与情形 (Groups and circumstances)"),
    ("targets", "5. 建议培训人群 (Target groups for training)"),
    ("trends", "6. 时段与趋势 (Time and trends)"),
    ("sites", "7. 建议点位 (Recommended sites)"),
    ("evaluation", "8. 措施评估 (Evaluation of measures)"),
    ("comparison", "9. 与上季度对比 (Against the previous quarter)"),
    ("notes", "10. 说明 (Notes on method)"),
)

#: Each section's data, by anchor; the template ``sections/ANCHOR.html.j2`` reads it under
#: the same name.
_BUILDERS: dict[str, Callable[[View], dict[str, Any]]] = {
    "overview": overview,
    "hotspots": hotspots,
    "enterprises": enterprises,
    "groups": groups,
    "targets": targets,
    "trends": trends,
    "sites": sites,
    "evaluation": evaluation,
    "comparison": comparison,
    "notes": notes,
}


@functools.cache
def environment() -> jinja2.Environment:
    """The report's template environment (autoescaped, strict about undefined names)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("trafficprev", "templates/report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render_report(
    result: QuarterInput, settings: Settings | None = None, *, folder: Path | None = None
) -> str:
    """The quarterly report as one self-contained HTML string.

    Parameters
    ----------
    result
        The finished quarter (the pipeline's ``QuarterResult``; see
        :class:`~trafficprev.report._input.QuarterInput` for the fields read).
    settings
        The run's settings (``k_police``, ``k_public``, ``peak_share``, …); default: the
        result's own.
    folder
        The run folder: its name is given in the notes, and the previous quarter's run is
        looked for next to it. None: not named.

    Returns
    -------
    str
        The HTML document (sections :data:`SECTIONS`, in order).

    Raises
    ------
    trafficprev.ArgumentTypeError
        If `settings` is not a :class:`~trafficprev.Settings` (a :class:`TypeError`).
    AttributeError, KeyError, jinja2.UndefinedError
        If `result` lacks a field (or the manifest a key) the report reads.

    Notes
    -----
    No personal data is read: the report uses aggregates, unit and enterprise names and the
    window's cases only through counts. Small cells (``n < k_police``) are marked ``*``.
    """
    if settings is None:
        settings = result.settings
    if not isinstance(settings, Settings):
        raise ArgumentTypeError(
            f"settings must be a trafficprev Settings, got {type(settings).__name__}"
        )
    v = View(result, settings, None if folder is None else Path(folder))
    context: dict[str, Any] = {
        "title": f"{result.quarter} 通勤交通事故工伤预防季度报告",
        "period": v.period,
        "warnings": [str(w) for w in result.manifest["warnings"]],
        "sections": SECTIONS,
    }
    for anchor, build in _BUILDERS.items():
        context[anchor] = build(v)
    return environment().get_template("report.html.j2").render(context)


def write_report(
    path: str | os.PathLike[str],
    result: QuarterInput,
    settings: Settings | None = None,
    *,
    folder: Path | None = None,
) -> Path:
    """Write the quarterly report ``report.html`` (self-contained, deterministic, atomic).

    Parameters
    ----------
    path
        Where to write (usually ``<run>/report.html``).
    result, settings, folder
        As :func:`render_report`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    trafficprev.ArgumentTypeError
        If `path` is not a path or `settings` not a Settings (a :class:`TypeError`).
    trafficprev._errors.OutputRefusedError
        If `path` is a file trafficprev did not write there (or one edited since).

    Notes
    -----
    Written with :func:`trafficprev._outdir.write_file`: a temporary file next to `path`
    moved into place with :func:`os.replace` (a reader never sees half a report), recorded in
    the folder's ``.trafficprev-files.json``. The same result and settings give the same bytes.
    """
    if not isinstance(path, str | os.PathLike):
        raise ArgumentTypeError(f"path must be a str or path, got {type(path).__name__}")
    data = render_report(result, settings, folder=folder).encode("utf-8")
    return write_file(Path(path), lambda tmp: tmp.write_bytes(data))
