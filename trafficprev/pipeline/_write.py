"""``write_run``: a :class:`~trafficprev.pipeline.QuarterResult` written as a run folder.

The folder holds ``cases.gpkg`` (layers ``cases`` without personal data, ``units``,
``hotspots``, ``clusters``, ``sign_sites``, ``campaign_sites``, ``enterprises``),
``review_queue.csv``, ``rejected_rows.csv``, ``duplicates.csv`` (and
``overrides_report.csv`` when overrides were not applied), ``sites.xlsx``, ``sites.gpkg``,
``maps/*.html``, ``report.html``, ``result.sqlite`` (the whole result, for
:func:`~trafficprev.pipeline.load_run`) and ``manifest.json``.

**Safe to interrupt, never destructive** (:mod:`trafficprev._outdir`): the folder must be
new, empty or a run folder trafficprev made, and may not hold an input or the current folder;
anything else is refused before anything is written. Outputs go to a staging folder next to
it and are swapped in at the end, so a write killed at any point leaves the previous run
complete; files the previous run did not write, or that were edited since, are kept and
listed in the manifest as ``kept``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd

from .._accounting import to_csv
from .._display import display_path
from .._errors import PersonalDataError
from .._io import write_gpkg
from .._outdir import Stage, is_output_error, output_error, staged
from .._scan import check_shared_outputs
from ..geocode import write_review_queue
from ..privacy import PersonalValues, Redactor, personal_values
from ..publish import publish, site_points
from ..report import write_report
from ..schema import CASES_LAYER, EMERGING_UNIT_COLUMNS
from ._load import RESULT_FILE, save_result
from ._result import QuarterResult
from ._steps import Steps

__all__ = ["staged_run", "write_into", "write_run"]

#: Number of writing steps (the progress counter).
STEPS = 4


def _layers(result: QuarterResult) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``cases.gpkg``."""
    geocoded, hs = result.geocoded, result.hotspots
    snapped = geocoded.drop(
        columns=[c for c in ("unit_id", "snap_status", "snap_m") if c in geocoded]
    )
    snap = hs.cases.set_index("decision_no")[["unit_id", "snap_status", "snap_m"]]
    snapped = snapped.join(snap, on="decision_no")
    layer = snapped[[c for c in CASES_LAYER if c in snapped] + ["geometry"]]
    units = hs.units.drop(columns=["node_ids"], errors="ignore").merge(
        result.emerging.units[list(EMERGING_UNIT_COLUMNS)], on="unit_id", how="left"
    )
    return {
        "cases": gpd.GeoDataFrame(layer, geometry="geometry", crs="EPSG:4326"),
        "units": units,
        "hotspots": units[units["hotspot_class"].fillna("") != ""],
        "clusters": hs.clusters,
        "sign_sites": site_points(result.sign_sites, None),
        "campaign_sites": site_points(result.campaign_sites, None),
        "enterprises": result.key,
    }


def _write_tables(folder: Path, result: QuarterResult) -> None:
    """``cases.gpkg`` and the CSV tables of the analyst."""
    write_gpkg(folder / "cases.gpkg", _layers(result), atomic=False)
    write_review_queue(result.review_queue, folder / "review_queue.csv")
    if len(result.overrides_report):  # overrides not applied (stale, unknown case, …)
        to_csv(result.overrides_report, folder / "overrides_report.csv")
    to_csv(result.intake.rejected, folder / "rejected_rows.csv")
    to_csv(result.intake.duplicates, folder / "duplicates.csv")


def _publish(
    folder: Path,
    result: QuarterResult,
    release: str,
    prints: bool,
    source: str,
    personal: PersonalValues,
) -> None:
    """``sites.xlsx``, ``sites.gpkg`` and the maps at the release level."""
    window = result.window
    publish(
        folder,
        result=result.hotspots,
        area=result.area,
        sign_sites=result.sign_sites,
        campaign_sites=result.campaign_sites,
        campaign_candidates=result.candidates,
        key=result.key,
        emerging=result.emerging.units,
        peaks=result.peaks,
        settings=result.settings,
        release=release,
        period=f"{window[0]}–{window[-1]}" if len(window) > 1 else window[0],
        source=source,
        prints=prints,
        redact=Redactor(known=personal),
        targets=result.targets,
    )


def _full_manifest(result: QuarterResult, release: str, scan: dict[str, Any]) -> dict:
    """The analysis manifest with the release level and the privacy scan, in file order."""
    m = dict(result.manifest)
    order = ["trafficprev", "quarter", "window", "history", "key_window"]
    out = {k: m.pop(k) for k in order if k in m}
    out["release"] = release
    warnings = m.pop("warnings", [])
    timings = m.pop("timings", {})
    out.update(m)
    out["privacy_scan"] = {k: v for k, v in scan.items() if k != "seconds"}  # time: in timings
    out["warnings"] = warnings
    out["timings"] = timings
    return out


def _check_publishable(result: QuarterResult) -> None:
    if result.loaded:
        raise PersonalDataError(
            f"the run loaded from {display_path(Path(result.origin))} cannot be written again: "
            "a run folder keeps no personal data, which the release needs to redact the shared "
            "files; run the quarter again / 从运行文件夹读入的结果不含个人信息，无法据此重新"
            "发布，请重新运行本季度"
        )


def write_into(
    stage: Stage,
    result: QuarterResult,
    out: Path,
    *,
    release: str,
    prints: bool,
    source: str | None,
    steps: Steps,
    started: float,
) -> QuarterResult:
    """Write `result` into the staging folder of `stage` and swap it in as `out`."""
    folder = stage.path
    source = source or "、".join(
        display_path(Path(s["path"]).name) for s in result.manifest["inputs"]["determinations"]
    )
    personal = personal_values(result.intake.protected, result.intake.cases)
    with steps.step("write", "写出 writing tables, sites and maps"):
        _write_tables(folder, result)
        _publish(folder, result, release, prints, source, personal)
    with steps.step("check", "核查 scanning what is shared for personal data"):
        scan = check_shared_outputs(folder, forbidden=personal, release=release)
    full = dataclasses.replace(result, manifest=_full_manifest(result, release, scan))
    with steps.step("report", "报告 writing report.html"):
        write_report(folder / "report.html", full, result.settings, folder=out)
    with steps.step("store", "结果 keeping the result for load_run"):
        save_result(folder / RESULT_FILE, full)
    # Every output is now in the staging folder, its shared files checked for personal data
    # (fail closed); nothing is shared before this swap.
    manifest = full.manifest
    timings = manifest.pop("timings")
    manifest["kept"] = stage.carry_over()
    manifest["timings"] = {
        **timings,
        **steps.timings,
        "total": round(time.perf_counter() - started, 2),
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    stage.commit()
    return full


@contextmanager
def staged_run(out: Path, inputs: list[Path], wait: float) -> Iterator[Stage]:
    """The staging folder of a run into `out` (refusals before any work; write errors
    reported as one readable :class:`~trafficprev.OutputError`)."""
    try:
        with staged(out, "run", inputs=inputs, wait=wait) as stage:
            yield stage
    except OSError as exc:
        if is_output_error(exc, out):
            raise output_error(exc, out, "run") from exc
        raise


def write_run(
    result: QuarterResult,
    out: str | Path,
    release: str = "police",
    *,
    prints: bool = False,
    quiet: bool = True,
    wait: float = 0.0,
    source: str | None = None,
) -> QuarterResult:
    """Write the run folder of `result` (staged, then swapped in).

    Parameters
    ----------
    result
        :func:`analyse_quarter`'s result (a result read back by :func:`load_run` is refused:
        the folder it came from keeps no personal data, which the release needs).
    out
        The run folder: new, empty, or a run folder trafficprev made (anything else is
        refused before anything is written, as is a folder holding an input or the current
        folder). Files the previous run did not write are kept.
    release
        Release level of the shared outputs (``sites.xlsx``, ``sites.gpkg``, the maps).
    prints
        Also write PNG and PDF of the maps (needs Chromium).
    quiet
        No progress lines on stderr.
    wait
        Seconds to wait for another run into the same folder before refusing.
    source
        The data source in words for titles (default: the input file names).

    Returns
    -------
    QuarterResult
        `result` with the complete manifest (release level, privacy scan, files kept,
        timings).

    Raises
    ------
    PersonalDataError
        If `result` was loaded from a run folder.
    OutputRefusedError, RunLockedError, OutputError
        `out` may not be written, another run is writing into it, or it cannot be written.
    """
    _check_publishable(result)
    out = Path(out)
    inputs = [Path(s.path) for s in result.intake.sources]
    steps = Steps(f"{result.quarter} 写出 writing", STEPS, quiet)
    started = time.perf_counter() - sum(result.manifest.get("timings", {}).values())
    with staged_run(out, inputs, wait) as stage:
        return write_into(
            stage,
            result,
            out,
            release=release,
            prints=prints,
            source=source,
            steps=steps,
            started=started,
        )
