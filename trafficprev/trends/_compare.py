"""Quarter-over-quarter comparison: hotspots that are new, persist or resolved; key-list changes.

Units keep their ids between runs on the same area (``unit_id`` is built from the road and
the position along it), so the comparison is by id. When the area was rebuilt in between
(new roads, other unit lengths) ids can differ: a new hotspot unit then matches a resolved one
when their geometries lie within ``match_m`` of each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .._errors import SchemaError
from ..coords import haversine_m
from ..schema import require_columns

__all__ = ["compare_hotspots", "compare_key_enterprises"]

_STATUS_ZH = {"new": "新增", "persisting": "持续", "resolved": "消除"}


def _hot(units: pd.DataFrame) -> pd.DataFrame:
    require_columns(units, ["unit_id"], what="units")
    if "hot" in units:
        flag = units["hot"].fillna(False).astype(bool)
    elif "hotspot_class" in units:
        flag = units["hotspot_class"].fillna("").astype(str) != ""
    else:
        raise SchemaError(
            "units need a hot or hotspot_class column / units 缺少列 hot 或 hotspot_class"
        )
    return units[flag]


def _points(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "geometry" not in frame or frame.empty:
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    geom = np.asarray(frame["geometry"], dtype=object)
    pts = shapely.point_on_surface(geom)
    return shapely.get_x(pts), shapely.get_y(pts)


def compare_hotspots(
    current: pd.DataFrame, previous: pd.DataFrame, *, match_m: float = 50.0
) -> pd.DataFrame:
    """New, persisting and resolved hotspot units between two runs.

    Parameters
    ----------
    current, previous
        The ``units`` of two hotspot runs (``unit_id``, ``hot`` or ``hotspot_class``;
        ``road``, ``cross_road``, ``n_cases``, ``hotspot_class`` and a WGS-84 ``geometry``
        when present).
    match_m
        Units with different ids whose geometries (a point on each) lie within this many
        metres count as the same place (``matched_by`` = ``nearby``).

    Returns
    -------
    pandas.DataFrame
        One row per unit hot in either run: ``unit_id`` (the current id; the previous one for
        resolved units), ``previous_unit_id``, ``status`` (``new`` / ``persisting`` /
        ``resolved``), ``status_zh`` (新增 / 持续 / 消除), ``matched_by`` (``id``,
        ``nearby`` or ``""``), ``road``, ``cross_road``, ``n_cases``, ``n_cases_previous``,
        ``hotspot_class``, ``hotspot_class_previous``. Sorted by status (new, persisting,
        resolved), then cases now, then id.
    """
    now, before = _hot(current), _hot(previous)
    prev_all = previous.set_index("unit_id")
    cur_all = current.set_index("unit_id")
    both = now["unit_id"].isin(before["unit_id"])
    rows = []
    for uid in now.loc[both, "unit_id"]:
        rows.append((uid, uid, "persisting", "id"))
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
            # greedy by distance, ties by ids: deterministic one-to-one matching
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

    def get(frame: pd.DataFrame, uid: str, col: str) -> object:
        if not uid or uid not in frame.index or col not in frame:
            return np.nan if col == "n_cases" else ""
        value = frame.at[uid, col]
        return "" if (col != "n_cases" and pd.isna(value)) else value

    out = []
    for uid, prev_id, status, how in rows:
        here = cur_all if status != "resolved" else prev_all
        out.append(
            {
                "unit_id": uid,
                "previous_unit_id": prev_id,
                "status": status,
                "status_zh": _STATUS_ZH[status],
                "matched_by": how,
                "road": get(here, uid, "road"),
                "cross_road": get(here, uid, "cross_road"),
                "n_cases": get(cur_all, uid, "n_cases") if status != "resolved" else 0,
                "n_cases_previous": get(prev_all, prev_id, "n_cases") if prev_id else 0,
                "hotspot_class": get(cur_all, uid, "hotspot_class") if status != "resolved" else "",
                "hotspot_class_previous": get(prev_all, prev_id, "hotspot_class")
                if prev_id
                else "",
            }
        )
    cols = [
        "unit_id", "previous_unit_id", "status", "status_zh", "matched_by", "road",
        "cross_road", "n_cases", "n_cases_previous", "hotspot_class", "hotspot_class_previous",
    ]  # fmt: skip
    frame = pd.DataFrame(out, columns=cols)
    if frame.empty:
        return frame
    order = frame["status"].map({"new": 0, "persisting": 1, "resolved": 2})
    frame = frame.assign(_o=order, _n=pd.to_numeric(frame["n_cases"], errors="coerce").fillna(0))
    frame = frame.sort_values(["_o", "_n", "unit_id"], ascending=[True, False, True])
    return frame.drop(columns=["_o", "_n"]).reset_index(drop=True)


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
