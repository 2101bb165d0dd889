"""Quarter-over-quarter comparison: hotspots that are new, persist or resolved; key-list changes.

Units keep their ids between runs on the same area (``unit_id`` is built from the road and
the position along it), so the comparison is by id. When the area was rebuilt in between
(new roads, other unit lengths) ids can differ: a new hotspot unit then matches a resolved one
when their geometries lie within ``match_m`` of each other.

**Evidence rule.** A unit counts as a hotspot of a run only when it is flagged (a
``hotspot_class``, as in the report's hotspot section; ``hot`` when the frame has no class)
**and** had at least ``min_cases`` (1) case of its own in that run's
window (its ``n_cases``). Gi* and the 多发点段 stretches flag neighbours of accident places
too; such a unit without a case is neither 新增 nor 持续 nor 消除: a 持续 unit has cases
in both runs' windows (they may overlap, e.g. 2024Q1–Q4 and 2023Q4–2024Q3, so one case can
count in both), a 新增 one in the current window, a 消除 one in the previous window. A run
whose units carry no ``n_cases`` (an old run folder) cannot be checked: its flagged units
count, and ``note`` says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .._errors import ArgumentError, SchemaError
from ..coords import haversine_m
from ..schema import require_columns

__all__ = ["compare_hotspots", "compare_key_enterprises", "flagged_without_cases"]

_STATUS_ZH = {"new": "新增", "persisting": "持续", "resolved": "消除"}


def _flagged(units: pd.DataFrame) -> pd.Series:
    """Whether each unit is flagged hot: a non-empty ``hotspot_class`` (significant,
    threshold or cluster: the hot units of the report's hotspot section), else ``hot``."""
    require_columns(units, ["unit_id"], what="units")
    if "hotspot_class" in units:
        return units["hotspot_class"].fillna("").astype(str) != ""
    if "hot" in units:
        return units["hot"].fillna(False).astype(bool)
    raise SchemaError(
        "units need a hot or hotspot_class column / units 缺少列 hot 或 hotspot_class"
    )


def _hot(units: pd.DataFrame, min_cases: int) -> pd.DataFrame:
    """The run's hotspots: flagged units with at least `min_cases` cases of their own (all
    flagged units when the frame has no ``n_cases``)."""
    flag = _flagged(units)
    if "n_cases" in units:
        flag &= pd.to_numeric(units["n_cases"], errors="coerce").fillna(0) >= min_cases
    return units[flag]


def flagged_without_cases(units: pd.DataFrame, *, min_cases: int = 1) -> int:
    """How many units are flagged hot but had fewer than `min_cases` cases of their own.

    Parameters
    ----------
    units
        The ``units`` of a hotspot run (``unit_id``, ``hot`` or ``hotspot_class``,
        ``n_cases``).
    min_cases
        As :func:`compare_hotspots`.

    Returns
    -------
    int
        The number of flagged units the comparison leaves out (0 without ``n_cases``).

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": ["a", "b", "c"], "hot": [True, True, False],
    ...                       "n_cases": [0, 2, 0]})
    >>> flagged_without_cases(units)
    1
    """
    if "n_cases" not in units:
        return 0
    flag = _flagged(units)
    n = pd.to_numeric(units["n_cases"], errors="coerce").fillna(0)
    return int((flag & (n < min_cases)).sum())


def _points(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "geometry" not in frame or frame.empty:
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    geom = np.asarray(frame["geometry"], dtype=object)
    pts = shapely.point_on_surface(geom)
    return shapely.get_x(pts), shapely.get_y(pts)


def compare_hotspots(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    match_m: float = 50.0,
    min_cases: int = 1,
) -> pd.DataFrame:
    """New, persisting and resolved hotspot units between two runs.

    Parameters
    ----------
    current, previous
        The ``units`` of two hotspot runs (``unit_id``, ``hot`` or ``hotspot_class``;
        ``road``, ``cross_road``, ``n_cases`` (cases in the run's window), ``hotspot_class``
        and a WGS-84 ``geometry`` when present).
    match_m
        Units with different ids whose geometries (a point on each) lie within this many
        metres count as the same place (``matched_by`` = ``nearby``).
    min_cases
        A flagged unit is a hotspot of its run only with at least this many cases of its
        own in the run's window (the evidence rule of the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per unit hot in either run: ``unit_id`` (the current id; the previous one for
        resolved units), ``previous_unit_id``, ``status`` (``new`` / ``persisting`` /
        ``resolved``), ``status_zh`` (新增 / 持续 / 消除), ``matched_by`` (``id``,
        ``nearby`` or ``""``), ``road``, ``cross_road``, ``n_cases``, ``n_cases_previous``,
        ``hotspot_class``, ``hotspot_class_previous``, ``note`` (why a row's cases could
        not be checked, or how it was matched; ``""`` otherwise). Sorted by status (new,
        persisting, resolved), then cases now, then id. ``attrs`` holds ``min_cases`` and
        ``flagged_without_cases`` (current and previous: the flagged units left out).

    Raises
    ------
    SchemaError
        If a frame has no ``unit_id``, or neither ``hot`` nor ``hotspot_class``.

    Examples
    --------
    >>> now = pd.DataFrame({"unit_id": ["a", "b"], "hot": [True, True], "n_cases": [3, 0]})
    >>> before = pd.DataFrame({"unit_id": ["a", "b"], "hot": [True, True], "n_cases": [2, 0]})
    >>> compare_hotspots(now, before)[["unit_id", "status_zh"]].to_numpy().tolist()
    [['a', '持续']]
    """
    if min_cases < 0:
        raise ArgumentError(f"min_cases must be >= 0, got {min_cases!r}")
    now, before = _hot(current, min_cases), _hot(previous, min_cases)
    rows = _pairs(now, before, match_m)
    unchecked = ("n_cases" not in current, "n_cases" not in previous)
    out = [
        _row(current.set_index("unit_id"), previous.set_index("unit_id"), r, match_m, unchecked)
        for r in rows
    ]
    frame = pd.DataFrame(out, columns=list(_COLUMNS))
    if not frame.empty:
        order = frame["status"].map({"new": 0, "persisting": 1, "resolved": 2})
        n_now = pd.to_numeric(frame["n_cases"], errors="coerce").fillna(0)
        frame = frame.assign(_o=order, _n=n_now)
        frame = frame.sort_values(["_o", "_n", "unit_id"], ascending=[True, False, True])
        frame = frame.drop(columns=["_o", "_n"]).reset_index(drop=True)
    frame.attrs.update(
        min_cases=int(min_cases),
        flagged_without_cases={
            "current": flagged_without_cases(current, min_cases=min_cases),
            "previous": flagged_without_cases(previous, min_cases=min_cases),
        },
    )
    return frame


_COLUMNS = (
    "unit_id", "previous_unit_id", "status", "status_zh", "matched_by", "road", "cross_road",
    "n_cases", "n_cases_previous", "hotspot_class", "hotspot_class_previous", "note",
)  # fmt: skip


def _pairs(
    now: pd.DataFrame, before: pd.DataFrame, match_m: float
) -> list[tuple[str, str, str, str]]:
    """``(unit_id, previous_unit_id, status, matched_by)`` of every hotspot of either run:
    by id, then new and gone units within `match_m` of each other matched one to one
    (greedy by distance, ties by ids: deterministic)."""
    both = now["unit_id"].isin(before["unit_id"])
    rows = [(uid, uid, "persisting", "id") for uid in now.loc[both, "unit_id"]]
    new_ids = list(now.loc[~both, "unit_id"])
    gone_ids = list(before.loc[~before["unit_id"].isin(now["unit_id"]), "unit_id"])
    matched_new: set[str] = set()
    matched_gone: set[str] = set()
    if new_ids and gone_ids:
        nx, ny = _points(now.set_index("unit_id").loc[new_ids].reset_index())
        gx, gy = _points(before.set_index("unit_id").loc[gone_ids].reset_index())
        if np.isfinite(nx).any() and np.isfinite(gx).any():
            d = haversine_m(nx[:, None], ny[:, None], gx[None, :], gy[None, :])
            d = np.where(np.isfinite(d), d, np.inf)
            pairs = sorted(
                (float(d[i, j]), new_ids[i], gone_ids[j])
                for i, j in zip(*np.nonzero(d <= match_m), strict=True)
            )
            for _, a, b in pairs:
                if a in matched_new or b in matched_gone:
                    continue
                matched_new.add(a)
                matched_gone.add(b)
                rows.append((a, b, "persisting", "nearby"))
    rows += [(u, "", "new", "") for u in new_ids if u not in matched_new]
    rows += [(u, u, "resolved", "") for u in gone_ids if u not in matched_gone]
    return rows


def _get(frame: pd.DataFrame, uid: str, col: str) -> object:
    """``frame.at[uid, col]``; NaN (``n_cases``) or ``""`` when absent or missing."""
    if not uid or uid not in frame.index or col not in frame:
        return np.nan if col == "n_cases" else ""
    value = frame.at[uid, col]
    return "" if (col != "n_cases" and pd.isna(value)) else value


def _note(status: str, how: str, prev_id: str, match_m: float, unchecked: tuple[bool, bool]) -> str:
    """Why a row's cases could not be checked (a run without ``n_cases``), or how it was
    matched after an area rebuild."""
    parts = []
    if how == "nearby":
        parts.append(f"区域重建，按{match_m:g}米内位置对应上期单元{prev_id}")
    if status != "resolved" and unchecked[0]:
        parts.append("本期结果没有起数，未核对案件")
    if status != "new" and unchecked[1]:
        parts.append("上期结果没有起数，未核对案件")
    return "；".join(parts)


def _row(
    cur_all: pd.DataFrame,
    prev_all: pd.DataFrame,
    pair: tuple[str, str, str, str],
    match_m: float,
    unchecked: tuple[bool, bool],
) -> dict[str, object]:
    """One output row of :func:`compare_hotspots` (both runs' units indexed by id)."""
    uid, prev_id, status, how = pair
    here = cur_all if status != "resolved" else prev_all
    now = status != "resolved"
    return {
        "unit_id": uid,
        "previous_unit_id": prev_id,
        "status": status,
        "status_zh": _STATUS_ZH[status],
        "matched_by": how,
        "road": _get(here, uid, "road"),
        "cross_road": _get(here, uid, "cross_road"),
        "n_cases": _get(cur_all, uid, "n_cases") if now else 0,
        "n_cases_previous": _get(prev_all, prev_id, "n_cases") if prev_id else 0,
        "hotspot_class": _get(cur_all, uid, "hotspot_class") if now else "",
        "hotspot_class_previous": _get(prev_all, prev_id, "hotspot_class") if prev_id else "",
        "note": _note(status, how, prev_id, match_m, unchecked),
    }


def compare_key_enterprises(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Enterprises entering, staying on and leaving the key list between two runs.

    Parameters
    ----------
    current, previous
        :func:`~trafficprev.groups.key_enterprises` frames (``credit_code``, ``name``,
        ``key``, ``rank``, ``n_cases``, ``reason``).

    Returns
    -------
    pandas.DataFrame
        One row per enterprise on either list: ``credit_code``, ``name``, ``status``
        (``entered`` / ``stayed`` / ``left``), ``status_zh`` (新进入 / 保留 / 退出),
        ``rank``, ``rank_previous`` (0 = not ranked), ``rank_change`` (positive = moved
        up), ``n_cases``, ``n_cases_previous``, ``reason`` (the current one, or the previous
        one for enterprises that left). Sorted by status then current rank.
    """
    for name, frame in (("current", current), ("previous", previous)):
        require_columns(frame, ["credit_code", "key", "rank"], what=name)
    cur = current.set_index("credit_code")
    prev = previous.set_index("credit_code")
    on_now = set(cur.index[cur["key"].astype(bool)])
    on_before = set(prev.index[prev["key"].astype(bool)])
    rows = []
    for code in sorted(on_now | on_before):
        status = (
            "stayed" if code in on_now and code in on_before else
            "entered" if code in on_now else "left"
        )  # fmt: skip
        rank = int(cur["rank"].get(code, 0) or 0)
        rank_prev = int(prev["rank"].get(code, 0) or 0)
        src = cur if code in cur.index else prev
        rows.append(
            {
                "credit_code": code,
                "name": src["name"].get(code, "") if "name" in src else "",
                "status": status,
                "status_zh": {"entered": "新进入", "stayed": "保留", "left": "退出"}[status],
                "rank": rank,
                "rank_previous": rank_prev,
                "rank_change": (rank_prev - rank) if rank and rank_prev else 0,
                "n_cases": int(cur["n_cases"].get(code, 0)) if "n_cases" in cur else 0,
                "n_cases_previous": int(prev["n_cases"].get(code, 0)) if "n_cases" in prev else 0,
                "reason": (cur if status != "left" else prev)
                .get("reason", pd.Series())
                .get(code, ""),
            }
        )
    cols = [
        "credit_code", "name", "status", "status_zh", "rank", "rank_previous", "rank_change",
        "n_cases", "n_cases_previous", "reason",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    order = out["status"].map({"entered": 0, "stayed": 1, "left": 2})
    key = np.where(out["rank"] > 0, out["rank"], 10**9 + out["rank_previous"])
    out = out.assign(_o=order, _r=key).sort_values(["_o", "_r", "credit_code"])
    return out.drop(columns=["_o", "_r"]).reset_index(drop=True)
