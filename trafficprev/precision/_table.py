"""The enterprise × year table of the precision project: headcount, premiums, payouts, injuries.

:func:`enterprise_years` joins the four inputs of the precision project on the enterprise's
统一社会信用代码 and the year:

* the recognised determinations (认定工伤 and 视同工伤; 不予认定 and 未知 are not injuries),
  counted by the year of the injury (``injured_at``), by kind (:data:`INJURY_KINDS`), and as
  occupational diseases, deaths and commuting injuries;
* the contribution ledger (工伤保险缴费台账): the insured headcount (参保人数) and the premium
  paid (实缴金额) of the year;
* the payout ledger (工伤保险待遇支付台账): the sum of the year's payments;
* the enterprise register: name, industry (所属行业, GB/T 4754 as given), county, and the
  headcount used when the ledger has none for the year.

**Linking.** A case links to an enterprise by its credit code when the register or a ledger
knows the code; else by its employer's name when exactly one enterprise of the register or the
ledgers bears it (a missing or mistyped code; :func:`~trafficprev.groups.link_employers`).
A case whose code no input knows and whose name matches none becomes an enterprise of its own,
with no headcount.

**Nothing lost.** Every recognised case of the window is counted exactly once: in its
enterprise's row, or, when it names no enterprise at all (no credit code, no name match), in
``attrs["unmatched"]``. Such a case has no exposure and no premium, so it cannot enter an
enterprise's rate or ratio, and a row with credit code ``""`` would be ranked as if it were one
enterprise; the group tables (:mod:`trafficprev.precision._industries`) show it as its own
group (未匹配企业) and the key-field totals count it, so the city's totals hold every
recognised case. Every payment of the window likewise lands in its enterprise's ``payout`` or,
without a credit code, in ``attrs["unmatched"]``. ``attrs["cases"]`` accounts for every case
of the input: ``recognised`` (in the window) + ``not_recognised`` + ``no_date`` (recognised,
no injury date) + ``outside_years`` = all, and ``recognised`` = ``enterprise_rows`` +
``unmatched``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ArgumentError
from ..groups import export_names, link_employers
from ..schema import INJURY_KINDS, require_columns

__all__ = [
    "COUNT_COLUMNS",
    "INSURED_SOURCES",
    "OTHER_KIND",
    "RECOGNISED",
    "enterprise_years",
]

#: Conclusions that make a determination a work injury (视同工伤 included).
RECOGNISED: tuple[str, ...] = ("认定工伤", "视同工伤")

#: Where an enterprise-year's insured headcount came from, in order of preference.
INSURED_SOURCES: tuple[str, ...] = ("缴费台账", "企业名录", "无")

#: The kind a case whose ``injury_kind`` is blank or outside :data:`INJURY_KINDS` counts as.
OTHER_KIND = "其他伤害"

#: The count columns of :func:`enterprise_years`, in order (summed by the group tables).
COUNT_COLUMNS: tuple[str, ...] = (
    "n_injuries",
    *INJURY_KINDS,
    "n_occupational",
    "n_deaths",
    "n_commuting",
)

_CASE_COLUMNS = ["injured_at", "conclusion", "injury_kind", "occupational_disease", "death"]


def enterprise_years(
    cases: pd.DataFrame,
    contributions: pd.DataFrame | None,
    payouts: pd.DataFrame | None,
    register: pd.DataFrame | None,
    *,
    years: Sequence[int],
) -> pd.DataFrame:
    """One row per enterprise and year: headcount, premium, payouts and injuries by kind.

    Parameters
    ----------
    cases
        Determinations (``read_determinations(...).records``) with ``injured_at``
        (datetime64), ``conclusion``, ``injury_kind``, ``occupational_disease``, ``death``,
        ``commuting`` and ``credit_code`` and/or ``employer`` (``industry`` optional).
    contributions
        The contribution ledger (``read_contributions(...).records``): ``credit_code``,
        ``year``, ``insured`` (average headcount), ``paid`` (yuan); ``name`` and
        ``risk_class`` optional. None: no ledger (every headcount from the register).
    payouts
        The payout ledger (``read_payouts(...).records``): ``credit_code``, ``year``,
        ``amount`` (yuan; reversals negative); ``name`` optional. None: no payouts.
    register
        The enterprise register (``read_enterprises(...).records``): ``credit_code``,
        ``insured``; ``name``, ``industry``, ``district`` optional. None: no register.
    years
        The years of the table (e.g. ``[2022, 2023, 2024]``); rows of every input outside
        them are left out (and counted in ``attrs``).

    Returns
    -------
    pandas.DataFrame
        One row per enterprise × year in `years`, sorted by credit code then year; the
        enterprises are those of the register and every credit code the contributions, the
        payouts and the linked recognised cases of the window carry. Columns:

        * ``credit_code``, ``name``, ``industry``, ``district``: name from the register, else
          the ledgers (latest year first), else the employer the cases name most often;
          industry from the register, else the cases' most frequent; county from the
          register; ``""`` when unknown;
        * ``risk_class``: 行业风险类别 of the year's contribution row (``""`` without one);
        * ``year`` (int);
        * ``insured``, ``insured_source``: the year's average headcount from the ledger
          (``"缴费台账"``), else the register (``"企业名录"``), else NaN (``"无"``); a negative
          headcount counts as missing;
        * ``paid``: premium paid that year (yuan; NaN without a contribution row);
        * ``payout``: sum of the year's payments (yuan, reversals included; 0.0 when none);
        * ``n_injuries``: recognised injuries with ``injured_at`` in the year;
        * one column per kind of :data:`INJURY_KINDS`, named by the kind (``"机械伤害"`` …): a
          blank or unknown kind counts as :data:`OTHER_KIND`, so the kinds add up to
          ``n_injuries``;
        * ``n_occupational``, ``n_deaths``, ``n_commuting``.

        ``attrs``: ``years``; ``cases`` (``recognised``, ``enterprise_rows``, ``unmatched``,
        ``not_recognised``, ``outside_years``, ``no_date``, ``unknown_kind``,
        ``linked_by_name``); ``unmatched`` (one dict per year: the count columns, ``payout``
        and ``n_payments`` of what names no enterprise); ``payouts`` (``in_years``,
        ``enterprise_rows``, ``unmatched`` amounts; ``outside_years`` rows, ``no_amount``
        rows of the window without an amount); ``contributions`` (``duplicates``: a code ×
        year given twice, the later row kept; ``outside_years`` rows; ``no_code`` rows of the
        window without a credit code, left out).

    Raises
    ------
    SchemaError
        If an input lacks a column it needs (the cases' ``injury_kind``,
        ``occupational_disease`` and ``death`` included), or ``injured_at`` is not datetime64.
    ArgumentError
        If `years` is empty or holds something other than whole numbers.

    Notes
    -----
    Linking and what happens to a case that names no enterprise: the module docstring.
    """
    yrs = _check_years(years)
    reg = _register(register)
    contrib, c_info = _contributions(contributions, yrs)
    pay, p_info = _payouts(payouts, yrs)
    window, c_counts = _cases_in_window(cases, yrs)
    known = _known(reg, contrib, pay)
    key, by_name = _case_keys(window, known)
    matched = key != ""
    c_counts.update(
        enterprise_rows=int(matched.sum()), unmatched=int((~matched).sum()), linked_by_name=by_name
    )
    codes = np.array(sorted(set(known["credit_code"]) | set(key[matched])), dtype=object)
    frame = _grid(codes, yrs, reg, contrib, pay, window[matched], key[matched], known)
    frame.attrs["years"] = list(yrs)
    frame.attrs["cases"] = c_counts
    frame.attrs["unmatched"] = _unmatched(window[~matched], pay, yrs)
    p_info["enterprise_rows"] = float(frame["payout"].sum())
    p_info["unmatched"] = float(pay.loc[pay["credit_code"] == "", "amount"].sum())
    frame.attrs["payouts"] = p_info
    frame.attrs["contributions"] = c_info
    return frame


# ----------------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------------


def _check_years(years: Sequence[int]) -> tuple[int, ...]:
    """`years` as a sorted tuple of distinct ints, or ArgumentError."""
    if isinstance(years, str | bytes) or not isinstance(years, Sequence | np.ndarray):
        raise ArgumentError(f"years must be a sequence of whole years, got {years!r}")
    out = []
    for y in years:
        if isinstance(y, bool) or not isinstance(y, int | np.integer):
            raise ArgumentError(f"years must hold whole numbers (e.g. 2024), got {y!r}")
        out.append(int(y))
    if not out:
        raise ArgumentError("years must not be empty")
    return tuple(sorted(set(out)))


def _clean(values: pd.Series, *, upper: bool = False) -> pd.Series:
    """Text stripped (and upper-cased), missing → ``""``; each distinct value cleaned once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    if upper:
        cleaned = [str(v).strip().upper() for v in uniques]
    else:
        cleaned = [str(v).strip() for v in uniques]
    table = np.array([*cleaned, ""], dtype=object)  # code −1 (missing) → the last entry
    return pd.Series(table[codes], index=values.index, dtype=object)


def _codes(values: pd.Series) -> pd.Series:
    """Credit codes stripped and upper-cased; missing → ``""``."""
    return _clean(values, upper=True)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column stripped, missing → ``""`` (an absent column: all ``""``)."""
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return _clean(frame[column])


def _register(register: pd.DataFrame | None) -> pd.DataFrame:
    """The register's credit_code, name, industry, district, insured (one row per code, the
    last row of a repeated code kept, as :func:`~trafficprev.groups.register_frame` does)."""
    cols = ["credit_code", "name", "industry", "district", "insured"]
    if register is None:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "insured" else object) for c in cols})
    require_columns(register, ["credit_code", "insured"], what="the enterprise register")
    out = pd.DataFrame({c: _text(register, c) for c in ("name", "industry", "district")})
    out.insert(0, "credit_code", _codes(register["credit_code"]))
    ins = pd.to_numeric(register["insured"], errors="coerce").to_numpy(float)
    out["insured"] = np.where(np.isfinite(ins) & (ins >= 0), ins, np.nan)
    out = out[out["credit_code"] != ""]
    return out.drop_duplicates("credit_code", keep="last").reset_index(drop=True)


def _years_of(values: pd.Series) -> np.ndarray:
    """Years as floats (NaN where missing or not a whole number)."""
    y = pd.to_numeric(values, errors="coerce").to_numpy(float)
    return np.where(y == np.floor(y), y, np.nan)


def _contributions(
    contributions: pd.DataFrame | None, yrs: tuple[int, ...]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The window's contribution rows, one per code × year (the later row wins)."""
    cols = ["credit_code", "name", "year", "insured", "paid", "risk_class"]
    if contributions is None:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        return empty, {"duplicates": 0, "outside_years": 0, "no_code": 0}
    require_columns(contributions, ["credit_code", "year", "insured", "paid"], what="contributions")
    c = pd.DataFrame(
        {
            "credit_code": _codes(contributions["credit_code"]),
            "name": _text(contributions, "name"),
            "year": _years_of(contributions["year"]),
            "insured": pd.to_numeric(contributions["insured"], errors="coerce").astype(float),
            "paid": pd.to_numeric(contributions["paid"], errors="coerce").astype(float),
            "risk_class": _text(contributions, "risk_class"),
        }
    )
    c.loc[~(c["insured"] >= 0), "insured"] = np.nan
    inside = c["year"].isin(yrs)
    coded = c["credit_code"] != ""
    c = c[inside & coded]
    dup = c.duplicated(["credit_code", "year"], keep="last")
    info = {
        "duplicates": int(dup.sum()),
        "outside_years": int((~inside).sum()),
        "no_code": int((inside & ~coded).sum()),
    }
    return c[~dup].reset_index(drop=True), info


def _payouts(
    payouts: pd.DataFrame | None, yrs: tuple[int, ...]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The window's payments (credit_code ``""`` when absent) and their totals."""
    cols = ["credit_code", "name", "year", "amount"]
    if payouts is None:
        empty = pd.DataFrame({c: pd.Series(dtype=float if c in cols[2:] else object) for c in cols})
        return empty, {"in_years": 0.0, "outside_years": 0, "no_amount": 0}
    require_columns(payouts, ["credit_code", "year", "amount"], what="payouts")
    p = pd.DataFrame(
        {
            "credit_code": _codes(payouts["credit_code"]),
            "name": _text(payouts, "name"),
            "year": _years_of(payouts["year"]),
            "amount": pd.to_numeric(payouts["amount"], errors="coerce").astype(float),
        }
    )
    inside = p["year"].isin(yrs)
    valued = p["amount"].notna()
    p = p[inside & valued].reset_index(drop=True)
    info = {
        "in_years": float(p["amount"].sum()),
        "outside_years": int((~inside).sum()),
        "no_amount": int((inside & ~valued).sum()),
    }
    return p, info


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A true/false column as a bool array (only True counts: missing → False)."""
    col = frame[column]
    if pd.api.types.is_bool_dtype(col) and not col.hasnans:
        return col.to_numpy(dtype=bool)
    values = col.to_numpy(dtype=object)
    return np.array([isinstance(v, bool | np.bool_) and bool(v) for v in values], dtype=bool)


def _known(reg: pd.DataFrame, contrib: pd.DataFrame, pay: pd.DataFrame) -> pd.DataFrame:
    """Every credit code the register and the ledgers know, one row each, with its name: the
    register's, else the ledgers' latest (contributions before payouts), else ``""``."""
    parts = [
        reg[["credit_code", "name"]],
        contrib.sort_values("year", kind="stable").iloc[::-1][["credit_code", "name"]],
        pay.sort_values("year", kind="stable").iloc[::-1][["credit_code", "name"]],
    ]
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["credit_code"] != ""]
    codes = pd.unique(rows["credit_code"].to_numpy(object))
    name = _first_nonblank(rows["credit_code"].to_numpy(object), rows["name"].to_numpy(object))
    return pd.DataFrame(
        {"credit_code": codes, "name": name.reindex(codes).fillna("").to_numpy(object)}
    )


def _cases_in_window(
    cases: pd.DataFrame, yrs: tuple[int, ...]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The recognised cases of the window with year, kind and flags; and their accounting."""
    require_columns(
        cases, [*_CASE_COLUMNS, "commuting"], what="cases", dtypes={"injured_at": "datetime"}
    )
    recognised = cases["conclusion"].astype(object).isin(RECOGNISED).to_numpy(bool)
    year = cases["injured_at"].dt.year.to_numpy(float)
    dated = np.isfinite(year)
    inside = recognised & dated & np.isin(year, yrs)
    kind = _text(cases, "injury_kind").to_numpy(dtype=object)
    known_kind = np.isin(kind, np.array(INJURY_KINDS, dtype=object))
    counts = {
        "recognised": int(inside.sum()),
        "not_recognised": int((~recognised).sum()),
        "no_date": int((recognised & ~dated).sum()),
        "outside_years": int((recognised & dated & ~inside).sum()),
        "unknown_kind": int((inside & ~known_kind).sum()),
    }
    sub = cases.loc[inside]
    window = pd.DataFrame(
        {
            "year": year[inside].astype(int),
            "kind": np.where(known_kind, kind, OTHER_KIND)[inside],
            "occupational": _flag(cases, "occupational_disease")[inside],
            "death": _flag(cases, "death")[inside],
            "commuting": _flag(cases, "commuting")[inside],
            "credit_code": _codes(sub["credit_code"]).to_numpy(object)
            if "credit_code" in sub
            else "",
            "employer": _text(sub, "employer").to_numpy(object),
            "industry": _text(sub, "industry").to_numpy(object),
        }
    )
    return window, counts


def _case_keys(window: pd.DataFrame, known: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Each case's enterprise credit code (``""``: names no enterprise) and how many linked
    by name."""
    code = window["credit_code"].to_numpy(object)
    key = code.copy()
    lookup = set(known["credit_code"])
    loose = np.array([c == "" or c not in lookup for c in code], dtype=bool)
    by_name = 0
    if loose.any():
        reg = known.assign(insured=np.nan)
        sub = window.loc[loose, ["credit_code", "employer"]]
        links = link_employers(sub, reg)
        linked = links["linked_by"].to_numpy(object)
        found = links["enterprise"].to_numpy(object)
        sub_code = sub["credit_code"].to_numpy(object)
        # linked by name → that enterprise; an unknown code of its own → its own enterprise;
        # neither → "" (names no enterprise)
        key[loose] = np.where(linked == "name", found, sub_code)
        by_name = int((linked == "name").sum())
    return key, by_name


# ----------------------------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------------------------


def _positions(codes: np.ndarray, yrs: tuple[int, ...], code: Any, year: Any) -> np.ndarray:
    """Row positions in the grid (code-major, then year) of (code, year) pairs."""
    ci = pd.Index(codes).get_indexer(np.asarray(code, dtype=object))
    yi = np.searchsorted(np.array(yrs), np.asarray(year, dtype=float))
    return ci * len(yrs) + yi


def _grid(
    codes: np.ndarray,
    yrs: tuple[int, ...],
    reg: pd.DataFrame,
    contrib: pd.DataFrame,
    pay: pd.DataFrame,
    window: pd.DataFrame,
    key: np.ndarray,
    known: pd.DataFrame,
) -> pd.DataFrame:
    """The enterprise × year frame (see :func:`enterprise_years`, Returns)."""
    ny, size = len(yrs), len(codes) * len(yrs)
    info = _enterprise_info(codes, reg, known, window, key)
    out: dict[str, Any] = {
        "credit_code": np.repeat(codes, ny),
        "name": np.repeat(info["name"], ny),
        "industry": np.repeat(info["industry"], ny),
        "district": np.repeat(info["district"], ny),
    }
    risk = np.full(size, "", dtype=object)
    ledger_ins, paid = np.full(size, np.nan), np.full(size, np.nan)
    pos = _positions(codes, yrs, contrib["credit_code"], contrib["year"])
    risk[pos] = contrib["risk_class"].to_numpy(object)
    ledger_ins[pos] = contrib["insured"].to_numpy(float)
    paid[pos] = contrib["paid"].to_numpy(float)
    reg_ins = np.repeat(info["insured"], ny)
    from_ledger = np.isfinite(ledger_ins)
    from_reg = ~from_ledger & np.isfinite(reg_ins)
    out["risk_class"] = risk
    out["year"] = np.tile(np.array(yrs, dtype=np.int64), len(codes))
    out["insured"] = np.where(from_ledger, ledger_ins, reg_ins)
    out["insured_source"] = np.select([from_ledger, from_reg], INSURED_SOURCES[:2], "无")
    out["paid"] = paid
    named = pay[pay["credit_code"] != ""]
    pos = _positions(codes, yrs, named["credit_code"], named["year"])
    out["payout"] = np.bincount(pos, weights=named["amount"].to_numpy(float), minlength=size)
    pos = _positions(codes, yrs, key, window["year"])
    out.update(_counts(window, pos, size))
    return pd.DataFrame(out)


def _counts(window: pd.DataFrame, pos: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """The count columns (:data:`COUNT_COLUMNS`) of cases at grid positions `pos`."""
    out = {"n_injuries": np.bincount(pos, minlength=size)}
    kind = window["kind"].to_numpy(object)
    for k in INJURY_KINDS:
        out[k] = np.bincount(pos[kind == k], minlength=size)
    for col, flag in (
        ("n_occupational", "occupational"),
        ("n_deaths", "death"),
        ("n_commuting", "commuting"),
    ):
        out[col] = np.bincount(pos[window[flag].to_numpy(bool)], minlength=size)
    return {k: v.astype(np.int64) for k, v in out.items()}


def _first_nonblank(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """key -> the first non-blank value given for it."""
    s = pd.Series(values, index=keys, dtype=object)
    s = s[s != ""]
    return s[~s.index.duplicated(keep="first")]


def _enterprise_info(
    codes: np.ndarray,
    reg: pd.DataFrame,
    known: pd.DataFrame,
    window: pd.DataFrame,
    key: np.ndarray,
) -> dict[str, np.ndarray]:
    """Name, industry, district and register headcount of each code, in `codes` order."""
    idx = pd.Index(codes)
    name = _first_nonblank(known["credit_code"].to_numpy(object), known["name"].to_numpy(object))
    industry = _first_nonblank(
        reg["credit_code"].to_numpy(object), reg["industry"].to_numpy(object)
    )
    if len(window):
        cases_named = export_names(window, pd.Series(key, index=window.index))
        name = pd.concat([name, cases_named[~cases_named.index.isin(name.index)]])
        ind = pd.DataFrame({"key": key, "industry": window["industry"].to_numpy(object)})
        ind = ind[ind["industry"] != ""]
        if len(ind):
            top = ind.groupby(["key", "industry"]).size().reset_index(name="n")
            top = top.sort_values(["key", "n", "industry"], ascending=[True, False, True])
            top = top.drop_duplicates("key")
            top = top[~top["key"].isin(industry.index)]
            industry = pd.concat(
                [industry, pd.Series(top["industry"].to_numpy(), index=top["key"].to_numpy())]
            )
    district = _first_nonblank(
        reg["credit_code"].to_numpy(object), reg["district"].to_numpy(object)
    )
    reg_ins = pd.Series(reg["insured"].to_numpy(float), index=reg["credit_code"].to_numpy(object))
    return {
        "name": name.reindex(idx).fillna("").to_numpy(object),
        "industry": industry.reindex(idx).fillna("").to_numpy(object),
        "district": district.reindex(idx).fillna("").to_numpy(object),
        "insured": reg_ins.reindex(idx).to_numpy(float),
    }


def _unmatched(window: pd.DataFrame, pay: pd.DataFrame, yrs: tuple[int, ...]) -> list[dict]:
    """Per year: the count columns of the cases, and the payments, that name no enterprise."""
    pos = np.searchsorted(np.array(yrs), window["year"].to_numpy(float))
    counts = _counts(window, pos.astype(np.int64), len(yrs))
    blank = pay[pay["credit_code"] == ""]
    rows = []
    for i, y in enumerate(yrs):
        in_year = blank["year"] == y
        row: dict[str, Any] = {"year": y}
        row.update({k: int(v[i]) for k, v in counts.items()})
        row["payout"] = float(blank.loc[in_year, "amount"].sum())
        row["n_payments"] = int(in_year.sum())
        rows.append(row)
    return rows
