"""``run``: analyse one quarter and write its folder (:func:`analyse_quarter`, then
:func:`write_run`), comparing it with the previous quarter's run folder."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from .._outdir import restore
from .._periods import parse_quarter, previous_quarter
from ..area import Area
from ..settings import Settings
from ._analyse import analyse_quarter, as_paths
from ._load import RESULT_FILE
from ._result import QuarterResult
from ._steps import Steps
from ._write import STEPS, staged_run, write_into

__all__ = ["previous_folder", "run"]


def previous_folder(out: Path, quarter: str, previous: str | Path | None) -> Path | None:
    """The previous quarter's run folder: `previous`, or with ``"auto"`` the sibling of
    `out` named after the previous quarter (``runs/2024Q3`` for ``runs/2024Q4``); None when
    there is none."""
    if previous is None:
        return None
    if previous != "auto":
        p = Path(previous)
        restore(p)
        return p if (p / RESULT_FILE).is_file() or (p / "cases.gpkg").is_file() else None
    prev = previous_quarter(quarter)
    for candidate in (out.parent / prev, out.parent / prev.lower()):
        restore(candidate)  # a swap killed between its two renames left it aside
        if (candidate / RESULT_FILE).is_file() or (candidate / "cases.gpkg").is_file():
            return candidate
    return None


def run(
    *,
    area: str | Path | Area,
    inputs: str | Path | Sequence[str | Path],
    quarter: str,
    out: str | Path,
    enterprises: str | Path | Sequence[str | Path] | None = None,
    campaign_sites: str | Path | Sequence[str | Path] | None = None,
    measures: str | Path | Sequence[str | Path] | None = None,
    overrides: str | Path | None = None,
    settings: Settings | None = None,
    previous: str | Path | None = "auto",
    release: str = "police",
    prints: bool = False,
    quiet: bool = False,
    wait: float = 0.0,
    source: str | None = None,
) -> QuarterResult:
    """Run the whole quarterly analysis and write its folder.

    Parameters
    ----------
    area, inputs, quarter, enterprises, campaign_sites, measures, overrides, settings
        As :func:`analyse_quarter`.
    out
        The run folder (see :func:`write_run`); checked before any work.
    previous
        The previous quarter's run folder, ``"auto"`` (the sibling folder named after the
        previous quarter, e.g. ``runs/2024Q3``) or None (no comparison). It is read with
        :func:`load_run`; a folder it cannot read (an older trafficprev's) is skipped with a
        warning.
    release, prints, wait, source
        As :func:`write_run`.
    quiet
        No progress lines on stderr.

    Returns
    -------
    QuarterResult
        With the complete manifest.

    Raises
    ------
    SettingsError
        If `quarter` is not written like ``2024Q4`` or ``2024年第4季度``.
    OutputRefusedError, RunLockedError, OutputError
        As :func:`write_run`; nothing is changed.
    """
    settings = settings or Settings()
    quarter = parse_quarter(quarter)
    out = Path(out)
    read = [
        *as_paths(inputs),
        *as_paths(enterprises),
        *as_paths(campaign_sites),
        *as_paths(measures),
        *as_paths(overrides),
        *([] if isinstance(area, Area) else [Path(area)]),
    ]
    started = time.perf_counter()
    with staged_run(out, read, wait) as stage:
        result = analyse_quarter(
            area=area,
            inputs=inputs,
            quarter=quarter,
            enterprises=enterprises,
            campaign_sites=campaign_sites,
            measures=measures,
            overrides=overrides,
            settings=settings,
            previous=previous_folder(out, quarter, previous),
            quiet=quiet,
        )
        return write_into(
            stage,
            result,
            out,
            release=release,
            prints=prints,
            source=source,
            steps=Steps(f"{quarter} 写出 writing", STEPS, quiet),
            started=started,
        )
