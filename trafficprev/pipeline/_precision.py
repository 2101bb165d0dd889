"""``run_precision``: the yearly precision project (精准式工伤预防) from files to its folder.

Reads the determination exports (every injury type), the enterprise register, the
contribution and payout ledgers and the measures file; analyses the statistics year
(:func:`trafficprev.precision.analyse_precision`); writes, through a staging folder swapped
in at the end (as a quarterly run is: only into a new or empty folder or one trafficprev made
for the precision project; files it did not write are kept):

* ``precision.xlsx`` — sheets 重点企业名单, 备选企业, 行业统计, 区县统计, 重点领域, 项目评估, 说明;
* ``precision.html`` — the same, self-contained, for the joint meeting (联席会议);
* ``rejected_rows.csv`` and ``duplicates.csv`` of every input (with the input kind);
* ``manifest.json`` — input hashes, settings, packages, the row accounting of every input,
  the window, the list's length and the timings.

Both shared files are scanned for personal data before the swap (fail closed), at every
release level.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .._accounting import IntakeResult, to_csv
from .._display import display_path
from .._errors import ArgumentError
from .._outdir import Stage, file_sha256, is_output_error, output_error, staged
from .._scan import check_shared_outputs
from .._version import __version__
from ..datasets import demo_files
from ..intake import (
    read_contributions,
    read_determinations,
    read_enterprises,
    read_measures,
    read_payouts,
)
from ..precision import PrecisionResult, analyse_precision, write_precision_xlsx
from ..privacy import personal_values
from ..release import check_release
from ..report import write_precision_report
from ..settings import Settings
from ._analyse import _versions, as_paths

__all__ = ["PRECISION_FILES", "precision_inputs", "run_precision"]

#: The files ``run_precision`` writes.
PRECISION_FILES: tuple[str, ...] = (
    "precision.xlsx",
    "precision.html",
    "rejected_rows.csv",
    "duplicates.csv",
    "manifest.json",
)

#: The shared files, scanned for personal data before the swap.
_SHARED = ("precision.xlsx", "precision.html")


def precision_inputs(
    *,
    inputs: Sequence[str | Path] | None,
    enterprises: Sequence[str | Path] | str | Path | None = None,
    contributions: Sequence[str | Path] | str | Path | None = None,
    payouts: Sequence[str | Path] | str | Path | None = None,
    measures: Sequence[str | Path] | str | Path | None = None,
    config: str | Path | None = None,
    as_of: str | None = None,
) -> tuple[Settings, dict[str, list[Path]]]:
    """The settings and input files of a precision notebook's ``parameters`` cell.

    With no `inputs`, the synthetic demo city: its determinations of 2022–2024, register,
    ledgers and measures (nothing of the demo is mixed into your own inputs).

    Returns
    -------
    tuple
        ``(settings, files)``; ``files`` holds :func:`run_precision`'s ``inputs``,
        ``enterprises``, ``contributions``, ``payouts`` and ``measures``.
    """
    settings = Settings.from_toml(config) if config else Settings()
    if as_of:
        settings = settings.replace(as_of=dt.date.fromisoformat(str(as_of)))
    files = {
        "inputs": as_paths(inputs),
        "enterprises": as_paths(enterprises),
        "contributions": as_paths(contributions),
        "payouts": as_paths(payouts),
        "measures": as_paths(measures),
    }
    if not files["inputs"]:
        demo = demo_files()
        files["inputs"] = [*demo["precision_determinations"], *demo["determinations"]]
        for key in ("enterprises", "contributions", "payouts", "measures"):
            files[key] = files[key] or demo[key]
    return settings, files


def _check_year(year: object, settings: Settings) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise ArgumentError(f"--year must be a year such as 2024, got {year!r}")
    last = settings.today.year
    if not settings.min_injury_year <= year <= last:
        raise ArgumentError(
            f"--year {year} is outside {settings.min_injury_year}..{last} (the statistics "
            f"year is a year whose determinations are in / 统计年度应为已有认定数据的年份)"
        )
    return year


def _check_data(year: int, cases: pd.DataFrame, files: Sequence[Path]) -> None:
    """Refuse a statistics year without a single determination (a typo, or the wrong
    exports): the list would rest on nothing."""
    years = pd.to_datetime(cases["injured_at"], errors="coerce").dt.year
    if not (years == year).any():
        seen = sorted(int(y) for y in years.dropna().unique())
        span = f"{seen[0]}–{seen[-1]}" if seen else "none"
        names = "、".join(display_path(p.name) for p in files)
        raise ArgumentError(
            f"no determination of {year} in {names} (injury years found: {span}); check --year "
            f"and the exports / 输入中没有{year}年的工伤认定记录"
        )


def _read(files: dict[str, list[Path]], settings: Settings) -> dict[str, IntakeResult | None]:
    read = {
        "determinations": read_determinations(files["determinations"], settings=settings),
        "enterprises": read_enterprises(files["enterprises"], settings=settings),
        "contributions": read_contributions(files["contributions"], settings=settings),
        "payouts": read_payouts(files["payouts"], settings=settings) if files["payouts"] else None,
        "measures": read_measures(files["measures"], settings=settings)
        if files["measures"]
        else None,
    }
    return read


def _rows_table(read: dict[str, IntakeResult | None], name: str) -> pd.DataFrame:
    frames = [
        getattr(res, name).assign(input=kind)
        for kind, res in read.items()
        if res is not None and len(getattr(res, name))
    ]
    if not frames:
        return pd.DataFrame({"input": []})
    table = pd.concat(frames, ignore_index=True)
    return table[["input", *[c for c in table.columns if c != "input"]]]


def _manifest(
    result: PrecisionResult,
    files: dict[str, list[Path]],
    read: dict[str, IntakeResult | None],
    release: str,
    timings: dict[str, float],
) -> dict:
    settings = result.settings
    created = dt.date.today().isoformat() if settings.as_of is None else str(settings.as_of)
    return {
        "trafficprev": __version__,
        "kind": "precision",
        "year": result.year,
        "years": list(result.years),
        "created_for": created,
        "release": release,
        "inputs": {
            kind: [{"path": display_path(p), "sha256": file_sha256(p)} for p in paths]
            for kind, paths in files.items()
            if paths
        },
        "accounting": {
            kind: res.accounting.to_dict() for kind, res in read.items() if res is not None
        },
        "settings": settings.to_dict(),
        "packages": _versions(),
        "listed": int(result.selection["rank"].notna().sum()),
        "city": {k: (None if pd.isna(v) else v) for k, v in result.city.items()},
        "notes": list(result.notes),
        "timings": timings,
    }


def run_precision(
    *,
    year: int,
    inputs: str | Path | Sequence[str | Path],
    enterprises: str | Path | Sequence[str | Path],
    contributions: str | Path | Sequence[str | Path],
    payouts: str | Path | Sequence[str | Path] | None = None,
    measures: str | Path | Sequence[str | Path] | None = None,
    out: str | Path,
    settings: Settings | None = None,
    release: str = "internal",
    wait: float = 0.0,
) -> PrecisionResult:
    """The precision project of statistics year `year`, written to `out`.

    Parameters
    ----------
    year
        The statistics year: the last of the ``precision_years`` years pooled.
    inputs
        The determination exports (every injury type; at least the window's years).
    enterprises
        The enterprise register.
    contributions, payouts
        The contribution and payout ledgers (工伤保险缴费台账, 工伤保险待遇支付台账).
    measures
        The measures file: its 培训 rows are the precision project's trainings.
    out
        The folder: new, empty, or one trafficprev made for the precision project.
    settings
        ``precision_*``, ``k_*``, ``evaluation_min_*``.
    release
        ``internal`` (default: the list is for the joint meeting), ``police`` or ``public``
        (small counts withheld; no enterprise list at ``public``).
    wait
        Seconds to wait for another command writing into `out`.

    Returns
    -------
    PrecisionResult
        What was written.

    Raises
    ------
    ArgumentError
        A year outside the data or the calendar.
    InputFileError, SchemaError
        An input that cannot be read, or lacks a required column.
    OutputRefusedError, RunLockedError, OutputError, PersonalDataError
        `out` may not be written, or a shared file would hold personal data.
    """
    settings = settings or Settings()
    release = check_release(release)
    year = _check_year(year, settings)
    out = Path(out)
    files = {
        "determinations": as_paths(inputs),
        "enterprises": as_paths(enterprises),
        "contributions": as_paths(contributions),
        "payouts": as_paths(payouts),
        "measures": as_paths(measures),
    }
    every = [p for paths in files.values() for p in paths]
    started = time.perf_counter()
    try:
        with staged(out, "precision", inputs=every, wait=wait) as stage:
            read = _read(files, settings)
            cases = read["determinations"].records
            _check_data(year, cases, files["determinations"])
            result = analyse_precision(
                cases,
                read["enterprises"].records,
                read["contributions"].records,
                None if read["payouts"] is None else read["payouts"].records,
                None if read["measures"] is None else read["measures"].records,
                year=year,
                settings=settings,
            )
            _write_folder(stage, result, read, files, release, started)
    except OSError as exc:
        if is_output_error(exc, out):
            raise output_error(exc, out, "precision") from exc
        raise
    return result


def _write_folder(
    stage: Stage,
    result: PrecisionResult,
    read: dict[str, IntakeResult | None],
    files: dict[str, list[Path]],
    release: str,
    started: float,
) -> None:
    """Write the outputs into the staging folder, scan the shared ones, swap it in."""
    analysed = time.perf_counter()
    folder = stage.path
    write_precision_xlsx(folder / "precision.xlsx", result, release)
    write_precision_report(folder / "precision.html", result, release)
    to_csv(_rows_table(read, "rejected"), folder / "rejected_rows.csv")
    to_csv(_rows_table(read, "duplicates"), folder / "duplicates.csv")
    cases = read["determinations"]
    personal = personal_values(cases.protected, cases.records)
    check_shared_outputs(folder, forbidden=personal, release=release, patterns=_SHARED)
    timings = {
        "analyse": round(analysed - started, 2),
        "write": round(time.perf_counter() - analysed, 2),
    }
    manifest = _manifest(result, files, read, release, timings)
    manifest["kept"] = stage.carry_over()  # the user's files, kept and listed
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    stage.commit()
