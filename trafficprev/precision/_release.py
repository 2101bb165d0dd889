"""What the precision project's files may show at each release level (小数字抑制).

The precision list is made for the joint meeting (联席会议): ``internal`` (the default of
``trafficprev precision``) shows everything. A copy for another department follows the same
rule as the quarterly outputs (``docs/disclosure.md``): no count from 1 to k−1 can be read.

* ``police`` (k = ``k_police``): an enterprise with fewer than k injuries in the window is not
  listed (its rate beside its headcount would give its count away); in the rows listed, an
  occupational-disease or death count of 1 … k−1 reads ``少于k起``, and the reasons are
  written again at k. The evaluation of the training is not shared (its intervals are
  functions of the enterprises' counts, and it is the centre's own business). The
  industry, county and key-field tables show the window's totals only (a year is a part of
  the window: per-year rows stay internal); every count of 1 … k−1 reads ``少于k起`` and the
  rates and payout figures of such a row are withheld; the injury kinds of a row are parts of
  its total and the groups parts of the city's, so a second count is withheld where the first
  could be read as a difference (:func:`trafficprev.disclosure.parts_shown`); the
  occupational-disease count follows its kind's column (the same number).
* ``public`` (k = ``k_public``): no enterprise is named (no list, no reserve) and no
  evaluation; the tables as for ``police``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import disclosure
from ..release import check_release, k_of
from ..settings import Settings
from ._analyse import PrecisionResult
from ._select import reasons

__all__ = ["PrecisionTables", "release_precision"]


@dataclass(frozen=True)
class PrecisionTables:
    """The tables of ``precision.xlsx`` and ``precision.html`` at one release level."""

    release: str
    k: int
    listed: pd.DataFrame
    reserve: pd.DataFrame
    industries: pd.DataFrame
    districts: pd.DataFrame
    fields: pd.DataFrame
    evaluation: pd.DataFrame
    evaluation_summary: pd.DataFrame
    withheld: int


def _small_text(values: pd.Series, k: int) -> pd.Series:
    """Counts with 1 … k−1 written ``少于k起`` (object dtype; others unchanged)."""
    out = values.astype(object)
    small = pd.to_numeric(values, errors="coerce").fillna(0).between(1, k - 1)
    out[small] = disclosure.below_text(k)
    return out


def _group_table(table: pd.DataFrame, kinds: list[str], k: int) -> pd.DataFrame:
    """An industry/county table with small counts withheld (primary and secondary)."""
    if table.empty or k <= 1 or "n_injuries" not in table:
        return table
    out = table.copy().astype(object)
    totals = pd.to_numeric(table["n_injuries"], errors="coerce").fillna(0).astype(int)
    present = [c for c in kinds if c in table.columns]
    period = table["period"] if "period" in table else pd.Series("", index=table.index)
    # the groups of one period are parts of that period's city total
    group_shown = pd.Series(True, index=table.index)
    for _, rows in totals.groupby(period):
        flags = disclosure.parts_shown(int(rows.sum()), rows.tolist(), k)
        group_shown[rows.index] = flags
    dependent = [
        c
        for c in ("rate_per_1000", "rate_lower", "rate_upper", "eb_rate_per_1000", "payout",
                  "paid", "payout_ratio", "injuries_rated")
        if c in table.columns
    ]  # fmt: skip
    for idx in table.index:
        n = int(totals[idx])
        if not group_shown[idx]:
            out.at[idx, "n_injuries"] = (
                disclosure.below_text(k)
                if disclosure.is_small(n, k)
                else disclosure.at_least_text(k)
            )
            for c in [*present, *dependent, "n_occupational", "n_deaths"]:
                if c in out:
                    out.at[idx, c] = ""
            continue
        parts = [int(pd.to_numeric(table.at[idx, c], errors="coerce") or 0) for c in present]
        shown = disclosure.parts_shown(n, parts, k) if present else []
        for c, ok, v in zip(present, shown, parts, strict=True):
            if not ok:
                out.at[idx, c] = (
                    disclosure.below_text(k)
                    if disclosure.is_small(v, k)
                    else disclosure.at_least_text(k)
                )
        if "n_deaths" in out:
            out.at[idx, "n_deaths"] = _small_text(pd.Series([table.at[idx, "n_deaths"]]), k).iloc[0]
        if "n_occupational" in out:  # the same number as the 职业病 kind: shown as it is
            source = "职业病" if "职业病" in out else "n_occupational"
            value = out.at[idx, source] if source == "职业病" else table.at[idx, source]
            out.at[idx, "n_occupational"] = _small_text(pd.Series([value]), k).iloc[0]
    return out


def _window_only(table: pd.DataFrame, window: str) -> pd.DataFrame:
    """The rows of the whole window (per-year rows are parts of them)."""
    if "period" not in table:
        return table
    return table[table["period"].astype(str) == window].reset_index(drop=True)


def release_precision(
    result: PrecisionResult,
    release: str,
    *,
    kinds: list[str],
    settings: Settings | None = None,
) -> PrecisionTables:
    """The precision result's tables as `release` may show them (rule: module docstring).

    Parameters
    ----------
    result
        A :class:`~trafficprev.precision.PrecisionResult`.
    release
        ``internal``, ``police`` or ``public``.
    kinds
        The injury-kind count columns of the group tables (parts of ``n_injuries``).
    settings
        ``k_police`` / ``k_public`` (default: the result's settings).

    Returns
    -------
    PrecisionTables
    """
    release = check_release(release)
    settings = settings or result.settings
    k = k_of(release, settings)
    sel = result.selection
    listed = sel[sel["rank"].notna()].reset_index(drop=True)
    reserve = sel[sel["rank"].isna() & (sel["tier"] != "均未超限")].reset_index(drop=True)
    units, summary = result.evaluation.units, result.evaluation.summary
    tables = {"industries": result.industries, "districts": result.districts,
              "fields": result.fields}  # fmt: skip
    withheld = 0
    if release != "internal":
        window = f"{result.years[0]}–{result.years[-1]}"
        tables = {name: _window_only(t, window) for name, t in tables.items()}
        small = pd.to_numeric(listed["n_injuries"], errors="coerce").fillna(0) < k
        withheld = int(small.sum())
        listed = listed[~small].reset_index(drop=True)
        listed["rank"] = np.arange(1, len(listed) + 1)
        reserve = reserve[pd.to_numeric(reserve["n_injuries"], errors="coerce") >= k]
        reserve = reserve.reset_index(drop=True)
        city = result.city
        said = city["ratio"] if np.isfinite(city["ratio"]) else city["collective_ratio"]
        for frame in (listed, reserve):
            frame["reason"] = reasons(
                frame,
                city_rate=city["rate_per_1000"],
                city_ratio=said,
                years=(result.years[0], result.years[-1]),
                k=k,
            )
            for c in ("n_occupational", "n_deaths"):
                frame[c] = _small_text(frame[c], k)
        units, summary = units.iloc[0:0], summary.iloc[0:0]
    if release == "public":
        listed, reserve = listed.iloc[0:0], reserve.iloc[0:0]
    return PrecisionTables(
        release=release,
        k=k,
        listed=listed,
        reserve=reserve,
        industries=_group_table(tables["industries"], kinds, k),
        districts=_group_table(tables["districts"], kinds, k),
        fields=tables["fields"] if k <= 1 else _fields(tables["fields"], k),
        evaluation=units,
        evaluation_summary=summary,
        withheld=withheld,
    )


def _fields(fields: pd.DataFrame, k: int) -> pd.DataFrame:
    """The key-field table (injuries by kind and period) with small counts withheld: the
    kinds of a period are parts of its 合计 row (primary and secondary suppression); a
    withheld count takes its share and rate with it."""
    if fields.empty or "injuries" not in fields:
        return fields
    out = fields.copy().astype(object)
    parts = fields[fields["kind"] != "合计"]
    n = pd.to_numeric(parts["injuries"], errors="coerce").fillna(0).astype(int)
    for _, rows in n.groupby(parts["period"]):
        shown = disclosure.parts_shown(int(rows.sum()), rows.tolist(), k)
        for idx, ok in zip(rows.index, shown, strict=True):
            if ok:
                continue
            v = int(rows[idx])
            out.at[idx, "injuries"] = (
                disclosure.below_text(k)
                if disclosure.is_small(v, k)
                else disclosure.at_least_text(k)
            )
            for c in ("share", "share_lower", "share_upper", "rate_per_1000"):
                if c in out:
                    out.at[idx, c] = ""
    return out
