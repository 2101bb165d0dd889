"""``load_run``: the :class:`~trafficprev.pipeline.QuarterResult` a run folder holds.

:func:`save_result` keeps every table of a result in ``result.sqlite``
(:mod:`trafficprev._store`: lossless, no code read from the file) and its other values
(quarters, manifest, settings, accounting, …) beside them, the road units' network
included (its sparse adjacency as row/column pairs). Two parts are not kept:

* the personal data (``intake.protected``): a run folder holds none, so a loaded result has
  an empty ``protected`` table (and cannot be published again, see
  :func:`~trafficprev.pipeline.write_run`);
* the area: it is loaded from its folder (recorded in the result, or given), which must be
  the version the run used.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.sparse import coo_matrix

from .._accounting import Accounting, IntakeResult
from .._display import display_path
from .._errors import FileFormatError, TrafficPrevError
from .._graph import EdgeGraph
from .._outdir import restore
from .._store import read_tables, write_tables
from .._tables import SourceFile
from ..area import Area, load_area
from ..hotspots import HotspotResult
from ..network import Network
from ..settings import Settings
from ..targets import TargetGroups
from ..trends import EmergingResult, MeasureEvaluation
from ._result import Comparison, QuarterResult

__all__ = ["RESULT_FILE", "load_run", "save_result"]

#: The file of a run folder that keeps the whole result.
RESULT_FILE = "result.sqlite"

#: Version of what ``result.sqlite`` holds; another version is refused (run the quarter again).
RESULT_FORMAT = 2

#: Fields of a QuarterResult that are one table each.
_FRAMES = (
    "register", "candidates", "measures", "geocoded", "review_queue", "overrides_report",
    "history_cases", "peaks", "key", "sign_sites", "campaign_sites",
)  # fmt: skip
#: Fields that are a mapping of names to tables.
_TABLE_SETS = ("groups", "circumstances", "crosstabs")
#: Parts kept as tables, per nested result (its other fields go to the values).
_PARTS = {
    "intake": ("records", "rejected", "duplicates", "protected"),
    "hotspots": ("units", "clusters", "stretches", "cases"),
    "emerging": ("units", "bins"),
    "evaluation": ("summary", "units", "measures"),
    "comparison": ("hotspots", "enterprises"),
    "targets": ("groups", "circumstances", "enterprises", "places", "hours"),
}
#: The numbers of a TargetGroups (kept with the values).
_TARGET_VALUES = ("n_cases", "n_cells", "n_circumstance_cells", "n_boot", "level")


def _tables_of(result: QuarterResult) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {name: getattr(result, name) for name in _FRAMES}
    for name in _TABLE_SETS:
        for key, frame in getattr(result, name).items():
            tables[f"{name}/{key}"] = frame
    for name, parts in _PARTS.items():
        obj = getattr(result, name)
        if obj is None:
            continue
        for part in parts:
            frame = getattr(obj, part)
            # no personal data in a run folder: the table keeps its columns, not its rows
            tables[f"{name}/{part}"] = frame.iloc[:0] if part == "protected" else frame
    tables.update(_network_tables(result.hotspots.network))
    return tables


def _network_tables(net: Network) -> dict[str, pd.DataFrame]:
    """The road units' network as tables (its sparse adjacency as row, column pairs)."""
    adj = net.adjacency.tocoo()
    g = net.graph
    return {
        "network/units": net.units,
        "network/lines": net.lines,
        "network/adjacency": pd.DataFrame({"row": adj.row, "col": adj.col, "data": adj.data}),
        "network/graph": pd.DataFrame({"u": g.u, "v": g.v, "length": g.length}),
        "network/node_index": net.node_index.to_frame(),
    }


def _network(tables: dict[str, pd.DataFrame], v: dict[str, Any]) -> Network:
    adj = tables["network/adjacency"]
    shape = tuple(v["adjacency_shape"])
    g = tables["network/graph"]
    node_index = tables["network/node_index"]
    return Network(
        units=tables["network/units"],
        adjacency=coo_matrix((adj["data"], (adj["row"], adj["col"])), shape=shape).tocsr(),
        lines=tables["network/lines"],
        graph=EdgeGraph(g["u"].to_numpy(), g["v"].to_numpy(), g["length"].to_numpy(), v["nodes"]),
        node_index=node_index.iloc[:, 0].rename(v["node_index_name"]),
        crs_metric=v["crs_metric"],
    )


def _values_of(result: QuarterResult) -> dict[str, Any]:
    intake = result.intake
    return {
        "result_format": RESULT_FORMAT,
        "quarter": result.quarter,
        "window": result.window,
        "history": result.history,
        "key_window": result.key_window,
        "settings": result.settings.to_dict(),
        "area": {
            "name": result.area.name,
            "version": result.area.version,
            "folder": result.area_folder,
        },
        "manifest": result.manifest,
        "sets": {name: list(getattr(result, name)) for name in _TABLE_SETS},
        "intake": {
            "kind": intake.kind,
            "accounting": dataclasses.asdict(intake.accounting),
            "sources": [dataclasses.asdict(s) for s in intake.sources],
            "timings": intake.timings,
        },
        "hotspots": {"timings": result.hotspots.timings},
        "network": {
            "adjacency_shape": list(result.hotspots.network.adjacency.shape),
            "nodes": int(result.hotspots.network.graph.n_nodes),
            "node_index_name": result.hotspots.network.node_index.name,
            "crs_metric": result.hotspots.network.crs_metric,
        },
        "emerging": {"quarters": result.emerging.quarters},
        "targets": {name: getattr(result.targets, name) for name in _TARGET_VALUES},
        "evaluation": result.evaluation is not None,
        "comparison": None if result.comparison is None else result.comparison.previous,
    }


def save_result(path: str | Path, result: QuarterResult) -> Path:
    """Keep `result` in the file `path` (read back by :func:`load_run`).

    Returns
    -------
    pathlib.Path
    """
    return write_tables(path, _tables_of(result), **_values_of(result))


def _area_for(values: dict[str, Any], area: str | Path | Area | None, folder: Path) -> Area:
    """The run's area: `area`, or the folder the result recorded; its version must match."""
    if area is None:
        where = values["area"]["folder"]
        if not where:
            raise TrafficPrevError(
                f"{display_path(folder)}: the run does not say where its area is; give it: "
                "load_run(folder, area=…) / 运行未记录区域文件夹，请指定 area"
            )
        area = Path(where)
    loaded = area if isinstance(area, Area) else load_area(area)
    if loaded.version != values["area"]["version"]:
        raise TrafficPrevError(
            f"{display_path(folder)}: the run used area version {values['area']['version']}, "
            f"the area given is version {loaded.version}; give the area the run used / "
            "区域版本与运行时不同"
        )
    return loaded


def _folder_of(area: str | Path | Area | None, recorded: str | None) -> str | None:
    """The area folder of a loaded result: the one given, the recorded one, or None."""
    if isinstance(area, Area):
        return None
    return recorded if area is None else str(Path(area).resolve())


def _intake(tables: dict[str, pd.DataFrame], v: dict[str, Any]) -> IntakeResult:
    accounting = dict(v["accounting"])
    return IntakeResult(
        kind=v["kind"],
        records=tables["intake/records"],
        rejected=tables["intake/rejected"],
        duplicates=tables["intake/duplicates"],
        protected=tables["intake/protected"],
        accounting=Accounting(**accounting),
        sources=tuple(SourceFile(**s) for s in v["sources"]),
        timings=v["timings"],
    )


def _manifest(folder: Path, stored: dict[str, Any]) -> dict[str, Any]:
    """``manifest.json`` of the folder (it adds the files kept and the write timings to the
    manifest the result was stored with); the stored one when it cannot be read."""
    try:
        got = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return stored
    return got if isinstance(got, dict) and got.get("quarter") == stored.get("quarter") else stored


def _part(tables: dict[str, pd.DataFrame], name: str) -> dict[str, pd.DataFrame]:
    return {part: tables[f"{name}/{part}"] for part in _PARTS[name]}


def load_run(folder: str | Path, *, area: str | Path | Area | None = None) -> QuarterResult:
    """The result a run folder holds, as :func:`analyse_quarter` computed it.

    Parameters
    ----------
    folder
        A run folder written by :func:`run` or :func:`write_run` of this version.
    area
        The run's area (folder or object); default: the area folder the run
        recorded. Its version must be the run's.

    Returns
    -------
    QuarterResult
        Equal, table by table, to the result that was written, except that
        ``intake.protected`` is empty; ``origin`` is the folder.

    Raises
    ------
    FileFormatError
        If `folder` holds no ``result.sqlite`` of this version (a run folder of an older
        trafficprev, or not a run folder).
    TrafficPrevError
        If the run's area cannot be found or is another version.
    """
    folder = Path(folder)
    restore(folder)  # a swap killed between its two renames left it aside
    path = folder / RESULT_FILE
    if not path.is_file():
        raise FileFormatError(
            f"{display_path(folder)}: no {RESULT_FILE} (not a run folder, or written by an older "
            f"trafficprev) / 不是运行文件夹，或由旧版本写出"
        )
    tables, v = read_tables(path)
    if v.get("result_format") != RESULT_FORMAT:
        raise FileFormatError(
            f"{display_path(path)}: written by another trafficprev (result format "
            f"{v.get('result_format')!r}, this version reads {RESULT_FORMAT}); run the quarter "
            "again / 结果文件版本不同，请重新运行本季度"
        )
    settings = Settings.from_mapping(v["settings"], source=display_path(path))
    area_obj = _area_for(v, area, folder)
    hotspots = HotspotResult(
        **_part(tables, "hotspots"),
        network=_network(tables, v["network"]),
        timings=v["hotspots"]["timings"],
    )
    comparison = (
        None
        if v["comparison"] is None
        else Comparison(previous=v["comparison"], **_part(tables, "comparison"))
    )
    return QuarterResult(
        quarter=v["quarter"],
        settings=settings,
        area=area_obj,
        window=tuple(v["window"]),
        history=tuple(v["history"]),
        key_window=tuple(v["key_window"]),
        intake=_intake(tables, v["intake"]),
        **{name: tables[name] for name in _FRAMES},
        **{name: {k: tables[f"{name}/{k}"] for k in v["sets"][name]} for name in _TABLE_SETS},
        hotspots=hotspots,
        emerging=EmergingResult(**_part(tables, "emerging"), quarters=v["emerging"]["quarters"]),
        targets=TargetGroups(**_part(tables, "targets"), **v["targets"]),
        evaluation=MeasureEvaluation(**_part(tables, "evaluation")) if v["evaluation"] else None,
        comparison=comparison,
        manifest=_manifest(folder, v["manifest"]),
        area_folder=_folder_of(area, v["area"]["folder"]),
        origin=str(folder),
    )
