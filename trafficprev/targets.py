"""Target groups for training (特定人群) and circumstance combinations (多发情形), with whom,
when and where to reach each group.

:func:`target_groups` runs :func:`~trafficprev.groups.combinations` twice over the window's
cases: on the people and commute fields (:data:`~trafficprev.groups.TARGET_FIELDS`, the
industry's expected share taken from the register's insured headcount) and on the
circumstances (:data:`~trafficprev.groups.CIRCUMSTANCE_FIELDS`). For each group it calls
out (at most ``settings.group_count``) it then says

* **whom**: the enterprises where the group's cases concentrate (most cases first, at most
  ``settings.group_enterprises``, with the number of other enterprises);
* **when**: the group's peak window of the clock (:func:`~trafficprev.trends.circular_summary`,
  the shortest window holding :data:`GROUP_PEAK_SHARE` of its timed cases, at most
  ``settings.peak_max_hours`` wide) and whether its cases fall on workdays;
* **where**: the roads (corridors) and the road units with most of its cases (at most
  ``settings.group_places`` of each, hot units marked), in words: a road by its name with
  the cases the geocoder placed on it (``matched_road`` / ``matched_cross_road``, else the
  roads of the case's unit; a case at a crossing counts for both roads, a case placed on a
  road without a position counts too), a unit by its ``place_text``. A group hurt all
  along one arterial shows as that road, although no single unit holds more than a case or
  two.

The release levels apply when these tables are shared
(:func:`trafficprev.release.release_training`).
The module sits above :mod:`~trafficprev.groups` (the statistics) and
:mod:`~trafficprev.trends` (the peak window), next to :mod:`~trafficprev.sites`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .groups import (
    CIRCUMSTANCE_FIELDS,
    TARGET_FIELDS,
    combination_frame,
    combinations,
    link_employers,
    register_frame,
)
from .settings import Settings
from .trends import circular_summary

__all__ = [
    "ENTERPRISE_COLUMNS",
    "GROUP_PEAK_SHARE",
    "HOUR_COLUMNS",
    "PLACE_COLUMNS",
    "PLACE_KINDS",
    "TargetGroups",
    "exposure_of",
    "group_members",
    "target_groups",
]

#: Share of a group's timed cases its peak window holds: the hours to name in its training
#: (wider than the report's one peak, ``peak_share``, which describes all cases).
GROUP_PEAK_SHARE = 0.8

#: Columns of :attr:`TargetGroups.enterprises`.
ENTERPRISE_COLUMNS = ("rank", "enterprise", "credit_code", "name", "n", "n_others")
#: Columns of :attr:`TargetGroups.places`.
PLACE_COLUMNS = ("rank", "kind", "unit_id", "place", "n", "hot", "n_others")
#: The two kinds of place of the plan: a road (corridor) and a road unit.
PLACE_KINDS = ("道路", "地点")
#: Columns of :attr:`TargetGroups.hours`.
HOUR_COLUMNS = ("rank", "n_timed", "peak_text", "peak_share", "days")


@dataclass(frozen=True)
class TargetGroups:
    """Target groups and circumstance combinations of a window, with the training plan.

    Attributes
    ----------
    groups, circumstances
        The ranked tables of :func:`~trafficprev.groups.combinations` (kept cells; the
        ``called_out`` rows first).
    enterprises
        Per called-out group (its ``rank`` in `groups`): the enterprises with most of its
        cases (:data:`ENTERPRISE_COLUMNS`; ``n_others``: how many other enterprises have
        cases of the group, on the group's last row).
    places
        Per called-out group: the road units with most of its cases
        (:data:`PLACE_COLUMNS`: ``kind`` 道路 (a road: ``unit_id`` empty, ``hot`` when a
        hot unit of the window is on it) or 地点 (a unit; ``hot``: a hot unit)).
    hours
        Per called-out group: its timed cases, the peak window in words, the share the
        window holds and 工作日 / 周末 / 每天 (:data:`HOUR_COLUMNS`).
    n_cases
        Cases the rankings rest on (the window's cases).
    n_cells, n_circumstance_cells
        Cells tested in each ranking (at least *k* cases, no 未知 value, a baseline other
        than their own count: :attr:`~trafficprev.groups.Combinations.n_cells`).
    n_boot, level
        Bootstrap replicates and the level of the intervals and of the test.
    """

    groups: pd.DataFrame
    circumstances: pd.DataFrame
    enterprises: pd.DataFrame
    places: pd.DataFrame
    hours: pd.DataFrame
    n_cases: int
    n_cells: int
    n_circumstance_cells: int
    n_boot: int
    level: float

    @property
    def called_out(self) -> pd.DataFrame:
        """The groups called out (a view of :attr:`groups`)."""
        g = self.groups
        if "called_out" not in g:
            return g.iloc[:0]
        return g[g["called_out"].astype(bool)]


def exposure_of(register: pd.DataFrame) -> pd.DataFrame | None:
    """The insured headcount by industry in the register, as ``combinations`` takes it.

    Parameters
    ----------
    register
        The enterprise register (``credit_code``, ``insured``, ``industry``); may be empty.

    Returns
    -------
    pandas.DataFrame or None
        ``field`` (``"industry"``), ``value``, ``insured`` for each industry with a positive
        headcount; None when the register gives none.
    """
    if register is None or not len(register) or "insured" not in register:
        return None
    reg = register_frame(register)
    industry = reg["industry"].fillna("").astype(str).str.strip()
    insured = pd.to_numeric(reg["insured"], errors="coerce")
    ok = (industry != "") & insured.gt(0)
    if not ok.any():
        return None
    by = insured[ok].groupby(industry[ok], sort=True).sum()
    return pd.DataFrame({"field": "industry", "value": by.index, "insured": by.to_numpy(float)})


def group_members(frame: pd.DataFrame, row: pd.Series, fields: tuple[str, ...]) -> np.ndarray:
    """Which cases belong to one group.

    Parameters
    ----------
    frame
        :func:`~trafficprev.groups.combination_frame` of the cases.
    row
        A row of a ranked table: one column per field, the group's value or ``""``.
    fields
        The ranking's fields.

    Returns
    -------
    numpy.ndarray
        Boolean mask over the rows of `frame`.
    """
    mask = np.ones(len(frame), dtype=bool)
    for f in fields:
        value = row.get(f, "")
        if isinstance(value, str) and value != "":
            mask &= (frame[f].astype(str) == value).to_numpy(dtype=bool)
    return mask


def _enterprises(
    cases: pd.DataFrame, register: pd.DataFrame, masks: dict[int, np.ndarray], top: int
) -> pd.DataFrame:
    reg = register_frame(register) if len(register) else None
    key = (
        link_employers(cases, register)["enterprise"]
        if reg is not None
        else cases.get("credit_code", pd.Series("", index=cases.index)).fillna("").astype(str)
    )
    names = {}
    if reg is not None:
        names = dict(zip(reg["credit_code"], reg["name"].fillna("").astype(str), strict=True))
    employer = cases.get("employer", pd.Series("", index=cases.index)).fillna("").astype(str)
    rows = []
    for rank, mask in masks.items():
        keys = key[mask].astype(str)
        keys = keys[keys != ""]
        if keys.empty:
            continue
        per = keys.value_counts()
        per = per.sort_index().sort_values(ascending=False, kind="stable")
        shown = per.head(top) if top else per.iloc[:0]
        others = len(per) - len(shown)
        for i, (ent, n) in enumerate(shown.items()):
            name = names.get(ent) or ""
            if not name:
                own = employer[mask][key[mask].astype(str) == ent]
                name = own.iloc[0] if len(own) else ent.removeprefix("名称:")
            code = "" if ent.startswith("名称:") else ent
            rows.append(
                {
                    "rank": rank,
                    "enterprise": ent,
                    "credit_code": code,
                    "name": name,
                    "n": int(n),
                    "n_others": others if i == len(shown) - 1 else 0,
                }
            )
    return pd.DataFrame(rows, columns=list(ENTERPRISE_COLUMNS))


def _unit_roads(units: pd.DataFrame) -> pd.Series:
    """The road names of each unit (a crossing: both roads), by unit id."""
    info = units.set_index("unit_id") if "unit_id" in units else pd.DataFrame()
    roads = {}
    for uid, road, cross in zip(
        info.index,
        info["road"] if "road" in info else [""] * len(info),
        info["cross_road"] if "cross_road" in info else [""] * len(info),
        strict=True,
    ):
        names = [str(x) for x in (road, cross) if isinstance(x, str) and x.strip()]
        roads[uid] = tuple(dict.fromkeys(names))
    return pd.Series(roads, dtype=object)


def _case_roads(cases: pd.DataFrame, roads_of: pd.Series) -> pd.Series:
    """The roads each case was placed on: the geocoder's road and cross road, else its
    unit's roads."""
    out = []
    road = cases.get("matched_road", pd.Series("", index=cases.index)).fillna("").astype(str)
    cross = cases.get("matched_cross_road", pd.Series("", index=cases.index))
    cross = cross.fillna("").astype(str)
    unit = cases["unit_id"].fillna("").astype(str)
    for r, c, u in zip(road, cross, unit, strict=True):
        names = tuple(dict.fromkeys(x.strip() for x in (r, c) if x.strip()))
        out.append(names or tuple(roads_of.get(u, ())))
    return pd.Series(out, index=cases.index, dtype=object)


def _top(per: pd.Series, top: int) -> tuple[pd.Series, int]:
    per = per.sort_index().sort_values(ascending=False, kind="stable")
    shown = per.head(top) if top else per.iloc[:0]
    return shown, len(per) - len(shown)


def _places(
    cases: pd.DataFrame, units: pd.DataFrame, masks: dict[int, np.ndarray], top: int
) -> pd.DataFrame:
    if "unit_id" not in cases:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    info = units.set_index("unit_id") if "unit_id" in units else pd.DataFrame()
    place = info["place_text"] if "place_text" in info else pd.Series(dtype=object)
    hot = info["hot"].astype(bool) if "hot" in info else pd.Series(dtype=bool)
    roads_of = _unit_roads(units)
    hot_roads = {r for uid in hot[hot].index for r in roads_of.get(uid, ())}
    unit = cases["unit_id"].fillna("").astype(str)
    case_roads = _case_roads(cases, roads_of)
    rows = []
    for rank, mask in masks.items():
        ids = unit[mask]
        ids = ids[ids != ""]
        names = [r for roads in case_roads[mask] for r in roads]
        shown, others = _top(pd.Series(names, dtype=object).value_counts(), top)
        for i, (road, n) in enumerate(shown.items()):
            rows.append(
                {
                    "rank": rank,
                    "kind": PLACE_KINDS[0],
                    "unit_id": "",
                    "place": road,
                    "n": int(n),
                    "hot": road in hot_roads,
                    "n_others": others if i == len(shown) - 1 else 0,
                }
            )
        shown, others = _top(ids.value_counts(), top)
        for i, (uid, n) in enumerate(shown.items()):
            text = place.get(uid)
            rows.append(
                {
                    "rank": rank,
                    "kind": PLACE_KINDS[1],
                    "unit_id": uid,
                    "place": text if isinstance(text, str) and text else uid,
                    "n": int(n),
                    "hot": bool(hot.get(uid, False)),
                    "n_others": others if i == len(shown) - 1 else 0,
                }
            )
    return pd.DataFrame(rows, columns=list(PLACE_COLUMNS))


def _hours(cases: pd.DataFrame, masks: dict[int, np.ndarray], settings: Settings) -> pd.DataFrame:
    rows = []
    if "injured_at" in cases and masks:
        parts = []
        for rank, mask in masks.items():
            part = cases.loc[mask, [c for c in ("injured_at", "time_precision") if c in cases]]
            parts.append(part.assign(_rank=rank))
        joined = pd.concat(parts, ignore_index=True)
        summary = circular_summary(
            joined,
            by="_rank",
            peak_share=GROUP_PEAK_SHARE,
            max_hours=float(settings.peak_max_hours),
        )
        for _, r in summary.iterrows():
            share = r.get("peak_share")
            rows.append(
                {
                    "rank": int(r["_rank"]),
                    "n_timed": int(r.get("n", 0) or 0),
                    "peak_text": str(r.get("peak_text") or ""),
                    "peak_share": float(share) if share is not None else math.nan,
                    "days": str(r.get("days") or ""),
                }
            )
    return pd.DataFrame(rows, columns=list(HOUR_COLUMNS))


def target_groups(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    units: pd.DataFrame,
    settings: Settings,
    *,
    years: float = 1.0,
    seed: int = 0,
) -> TargetGroups:
    """The window's target groups and circumstance combinations, and where to reach them.

    Parameters
    ----------
    cases
        The window's snapped cases (``injured_at``, the case fields, ``unit_id``,
        ``credit_code`` / ``employer``).
    register
        The enterprise register (may be empty): the insured headcount by industry is the
        exposure of the industry field, and it names the enterprises.
    units
        The window's road units (``unit_id``, ``place_text``, ``hot``).
    settings
        ``k_police`` (the least cases of a cell), ``group_max_order``, ``group_level``,
        ``group_bootstrap``, ``group_min_cases``, ``group_count``, ``group_enterprises``,
        ``group_places``, ``peak_share``, ``peak_max_hours``.
    years
        Length of the window in years (rates per 1,000 insured per year).
    seed
        Seed of the bootstrap (the same seed gives the same tables).

    Returns
    -------
    TargetGroups
    """
    common = {
        "k": settings.k_police,
        "max_order": settings.group_max_order,
        "level": settings.group_level,
        "n_boot": settings.group_bootstrap,
        "seed": seed,
        "min_called": settings.group_min_cases,
    }
    people = combinations(
        cases, TARGET_FIELDS, exposure=exposure_of(register), years=years, **common
    )
    circ = combinations(cases, CIRCUMSTANCE_FIELDS, **common)
    table = people.table
    chosen = table[table["called_out"].astype(bool)].head(settings.group_count)
    frame = combination_frame(cases, TARGET_FIELDS)
    masks = {
        int(row["rank"]): group_members(frame, row, TARGET_FIELDS) for _, row in chosen.iterrows()
    }
    reg = register if register is not None else pd.DataFrame()
    return TargetGroups(
        groups=table,
        circumstances=circ.table,
        enterprises=_enterprises(cases, reg, masks, settings.group_enterprises),
        places=_places(cases, units, masks, settings.group_places),
        hours=_hours(cases, masks, settings),
        n_cases=people.n_cases,
        n_cells=people.n_cells,
        n_circumstance_cells=circ.n_cells,
        n_boot=people.n_boot,
        level=people.level,
    )
