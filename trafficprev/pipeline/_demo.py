"""The demo city's quarterly run, and what a notebook's parameters cell stands for."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from .._errors import SettingsError, TrafficPrevError
from .._outdir import check_files, file_sha256, restore, write_file
from .._periods import parse_quarter
from .._version import __version__
from ..area import Area, build_area, load_area, save_area
from ..datasets import demo_files
from ..precision import PrecisionResult
from ..settings import Settings
from ._analyse import as_paths
from ._load import RESULT_FILE, load_run
from ._precision import precision_inputs, run_precision
from ._result import QuarterResult
from ._run import run

__all__ = [
    "DEMO_PRECISION_YEAR",
    "DEMO_QUARTERS",
    "MAP_NAMES",
    "load_or_run",
    "resolve_inputs",
    "run_demo",
]

#: The maps of a run folder (``maps/NAME.html``, and ``.png``/``.pdf`` with prints).
MAP_NAMES = ("hotspots", "sign_sites", "campaign_sites")

#: The quarters ``trafficprev demo`` runs: the previous one first, so the report of the last
#: one has a comparison.
DEMO_QUARTERS = ("2024Q3", "2024Q4")
#: The statistics year of the demo's precision project (``out/precision/2024``).
DEMO_PRECISION_YEAR = 2024

#: The input kinds of a run, as ``manifest.json`` names them, and run's parameter for each.
_KINDS = {
    "determinations": "inputs",
    "enterprises": "enterprises",
    "campaign_sites": "campaign_sites",
    "measures": "measures",
    "overrides": "overrides",
}


def _demo_area(demo: dict) -> Area:
    """The demo city's area, built from its bundled files."""
    return build_area("示范市", osm=demo["roads"][0], pois=demo["pois"], admin=demo["divisions"][0])


def run_demo(
    out: str | Path = "runs/demo",
    *,
    maps_dir: str | Path | None = "maps",
    settings: Settings | None = None,
    quiet: bool = False,
    prints: bool = False,
    on_quarter: Callable[[QuarterResult], None] | None = None,
    on_precision: Callable[[PrecisionResult, Path], None] | None = None,
) -> QuarterResult:
    """The quarterly run on the bundled synthetic demo city 示范市.

    Builds the demo area into ``out/area`` (kept between runs, so its geocode cache is
    reused), runs :data:`DEMO_QUARTERS` into ``out/2024Q3`` and ``out/2024Q4`` (the second
    compares itself with the first), the precision project of :data:`DEMO_PRECISION_YEAR`
    into ``out/precision/2024`` (:func:`run_precision`, every injury type of 2022–2024) and
    copies the last run's maps into `maps_dir` (only over maps it copied there before:
    another file of the same name is refused).

    Parameters
    ----------
    out
        Folder of the demo runs.
    maps_dir
        Where the maps are copied (``maps/`` of the repository for ``make demo``); None: not
        copied.
    settings, quiet, prints
        As :func:`run`.
    on_quarter
        Called with each quarter's result as soon as its folder is written (the command
        line prints each quarter's summary with it).
    on_precision
        Called with the precision project's result and its folder once it is written.

    Returns
    -------
    QuarterResult
        The last quarter's run.
    """
    settings = settings or Settings()
    out = Path(out)
    f = demo_files()
    area = _demo_area(f)
    area_dir = out / "area"
    try:
        same = load_area(area_dir).version == area.version
    except TrafficPrevError:
        same = False
    if not same:
        save_area(area, area_dir)
    result = None
    for quarter in DEMO_QUARTERS:
        result = run(
            area=area_dir,
            inputs=f["determinations"],
            quarter=quarter,
            out=out / quarter,
            enterprises=f["enterprises"],
            campaign_sites=f["campaign_sites"],
            measures=f["measures"],
            settings=settings,
            quiet=quiet,
            prints=prints,
            source="示范市工伤认定台账（合成演示数据，非真实数据）",
        )
        if on_quarter is not None:
            on_quarter(result)
    _, files = precision_inputs(inputs=None)
    folder = out / "precision" / str(DEMO_PRECISION_YEAR)
    precision = run_precision(year=DEMO_PRECISION_YEAR, **files, out=folder, settings=settings)
    if on_precision is not None:
        on_precision(precision, folder)
    if maps_dir is not None:
        copy_maps(out / DEMO_QUARTERS[-1] / "maps", Path(maps_dir))
    return result


def copy_maps(source: Path, target: Path) -> list[Path]:
    """Copy the maps a run wrote into `target`, each atomically, only over copies made
    before (a file of the same name that trafficprev did not write there is refused)."""
    names = [f"{m}.{ext}" for m in MAP_NAMES for ext in ("html", "png", "pdf")]
    sources = [source / n for n in names if (source / n).is_file()]
    check_files([target / p.name for p in sources])
    return [
        write_file(target / p.name, lambda tmp, src=p: shutil.copyfile(src, tmp)) for p in sources
    ]


def resolve_inputs(
    *,
    inputs: Sequence[str | Path] | None,
    area_dir: str | Path | None,
    out_dir: str | Path,
    enterprises: Sequence[str | Path] | str | Path | None = None,
    campaign_sites: Sequence[str | Path] | str | Path | None = None,
    measures: Sequence[str | Path] | str | Path | None = None,
    config: str | Path | None = None,
    as_of: str | None = None,
) -> tuple[Settings, dict]:
    """The settings and input files a notebook's ``parameters`` cell stands for.

    With no `inputs`, the synthetic demo city: its exports, register, campaign list and
    measures, and its area built into ``out_dir/area`` (reused when it is there). With your
    own `inputs`, nothing from the demo is mixed in and `area_dir` is required (geocoding real
    exports against the fictional city would give nonsense).

    Returns
    -------
    tuple
        ``(settings, files)``; ``files`` holds :func:`run`'s ``area`` (the area folder),
        ``inputs``, ``enterprises``, ``campaign_sites`` and ``measures``, so that a notebook
        runs the quarter with ``run(**files, quarter=…, out=…, settings=settings)`` or
        :func:`load_or_run`.

    Raises
    ------
    SettingsError
        Own `inputs` without `area_dir`.
    """
    settings = Settings.from_toml(config) if config else Settings()
    if as_of:
        settings = settings.replace(as_of=dt.date.fromisoformat(str(as_of)))
    files = {
        "area": Path(area_dir) if area_dir else None,
        "inputs": as_paths(inputs),
        "enterprises": as_paths(enterprises) or None,
        "campaign_sites": as_paths(campaign_sites) or None,
        "measures": as_paths(measures) or None,
    }
    if not files["inputs"]:
        demo = demo_files()
        files["inputs"] = demo["determinations"]
        for key in ("enterprises", "campaign_sites", "measures"):
            files[key] = files[key] or demo[key]
        if files["area"] is None:
            files["area"] = Path(out_dir) / "area"
            restore(files["area"])
            if not (files["area"] / "area.json").is_file():
                save_area(_demo_area(demo), files["area"])
    if files["area"] is None:
        raise SettingsError(
            "area_dir is required with your own inputs / 使用自己的台账时须给出 area_dir"
        )
    return settings, files


def _same_run(
    folder: Path, files: dict, quarter: str, settings: Settings, release: str = "police"
) -> bool:
    """Whether the run in `folder` was made from exactly `files`, `quarter`, `settings` and
    `release` (every input's SHA-256, the area version, every setting, this trafficprev)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (folder / RESULT_FILE).is_file():
        return False
    recorded = manifest.get("inputs", {})
    for kind, param in _KINDS.items():
        shas = [file_sha256(p) for p in as_paths(files.get(param))]
        if shas != [entry.get("sha256") for entry in recorded.get(kind, [])]:
            return False
    area = load_area(files["area"])
    return (
        manifest.get("quarter") == quarter
        and manifest.get("release") == release
        and manifest.get("trafficprev") == __version__
        and manifest.get("settings") == settings.to_dict()
        and manifest.get("area", {}).get("version") == area.version
    )


def load_or_run(
    files: dict,
    *,
    quarter: str,
    out: str | Path,
    settings: Settings | None = None,
    release: str = "police",
    previous: str | Path | None = "auto",
    quiet: bool = True,
) -> QuarterResult:
    """The finished run in `out` when it was made from the same inputs, quarter, settings
    and release level; otherwise run the quarter into `out`.

    A notebook calls this instead of :func:`run`, so that opening it after ``make demo`` or
    another notebook costs seconds, and says which happened (``result.loaded``).

    Parameters
    ----------
    files
        :func:`resolve_inputs`' files (``area``, ``inputs``, ``enterprises``,
        ``campaign_sites``, ``measures``; optionally ``overrides``).
    quarter, out, settings, release, previous, quiet
        As :func:`run` (`previous` only matters when the quarter is run).

    Returns
    -------
    QuarterResult
        Loaded (``result.loaded`` is True, ``result.origin`` the folder) or just computed.
    """
    settings = settings or Settings()
    quarter = parse_quarter(quarter)
    out = Path(out)
    restore(out)
    if _same_run(out, files, quarter, settings, release):
        return load_run(out, area=files["area"])
    return run(
        **files,
        quarter=quarter,
        out=out,
        settings=settings,
        release=release,
        previous=previous,
        quiet=quiet,
    )
