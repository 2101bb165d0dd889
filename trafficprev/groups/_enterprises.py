"""Accident-prone enterprises: rates per 1,000 insured, shrinkage, funnel limits, key list.

The exposure of an enterprise is its insured headcount (参保人数, from the register) times
the length of the period in years: rates are per 1,000 insured per year (‰ per year), so a
quarter and a year compare. Cases link to the register by 统一社会信用代码, else by the
normalised employer name; enterprises of the register with no case are kept (they carry
exposure and make the shrinkage honest); employers of cases that are not in the register
are kept too, with no rate (``in_register`` False).

Key enterprises (重点企业) for commuting-safety training are ranked by a written rule
(:func:`key_enterprises`), each with the reason it is on the list in plain words (cases,
headcount, the rate as a multiple of the city's: :mod:`trafficprev.groups._reasons`) and
whether the measures file records a training there within the window
(:func:`~trafficprev.groups.mark_trained`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._errors import ArgumentError
from .._names import name_keys
from .._periods import coverage, period_years, quarter_of
from ..coords import haversine_m
from ..network import PRECISE_LEVELS
from ..schema import require_columns
from ..settings import Settings
from ._rates import funnel_limits, global_eb, poisson_ci, poisson_tails, rate_ratio_test
from ._reasons import UNMATCHED, count_words, key_reasons, reason_text
from ._trained import mark_trained

__all__ = [
    "enterprise_places",
    "enterprise_rates",
    "enterprise_units",
    "key_enterprises",
    "key_reasons",
    "link_employers",
    "mark_trained",
    "register_frame",
    "unmatched_warning",
]

_RATE_COLUMNS = [
    "credit_code",
    "name",
    "industry",
    "district",
    "in_register",
    "n_cases",
    "insured",
    "years",
    "person_years",
    "rate_per_1000",
    "rate_lower",
    "rate_upper",
    "eb_rate_per_1000",
    "eb_weight",
    "expected",
    "excess",
    "eb_excess",
    "excess_risk",
    "p_high",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "above_95",
    "above_998",
]


def register_frame(register: pd.DataFrame) -> pd.DataFrame:
    """The register's columns the analysis uses, one row per credit code.

    Parameters
    ----------
    register : pandas.DataFrame
        The enterprise register (:func:`trafficprev.intake.read_enterprises`); needs
        ``credit_code`` and ``insured``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``name``, ``industry``, ``district``, ``lon``, ``lat`` added when
        missing, credit codes stripped and upper-cased (the last row of a code kept) and
        ``insured`` numeric.

    Raises
    ------
    ValueError
        If ``credit_code`` or ``insured`` is missing.
    """
    require_columns(register, ["credit_code", "insured"], what="the enterprise register")
    reg = register.copy()
    for col in ("name", "industry", "district", "lon", "lat"):
        if col not in reg:
            reg[col] = np.nan if col in ("lon", "lat") else ""
    reg["credit_code"] = reg["credit_code"].astype(str).str.strip().str.upper()
    reg = reg.drop_duplicates("credit_code", keep="last").reset_index(drop=True)
    reg["insured"] = pd.to_numeric(reg["insured"], errors="coerce").astype(float)
    return reg


def link_employers(cases: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """Link each case to an enterprise of the register.

    A case links by its 统一社会信用代码 when the register has it, else by its employer's
    name (compared after NFKC, with spaces and punctuation dropped) when exactly one
    register entry has that name. Unlinked cases keep their own credit code (or, without
    one, ``"名称:" + employer``) as the enterprise key.

    Parameters
    ----------
    cases
        Cases with ``credit_code`` and/or ``employer``.
    register
        The enterprise register (``read_enterprises(...).records``).

    Returns
    -------
    pandas.DataFrame
        Indexed like `cases`: ``enterprise`` (the key), ``linked_by`` (``credit_code``,
        ``name`` or ``""``).
    """
    reg = register_frame(register)
    code = (
        cases["credit_code"].fillna("").astype(str).str.strip().str.upper()
        if "credit_code" in cases
        else pd.Series("", index=cases.index)
    )
    employer = (
        cases["employer"].fillna("").astype(str)
        if "employer" in cases
        else pd.Series("", index=cases.index)
    )
    known = set(reg["credit_code"])
    by_code = code.isin(known) & (code != "")
    names = name_keys(reg["name"].fillna("").astype(str))
    unique = names[~names.duplicated(keep=False) & (names != "")]
    name_to_code = pd.Series(
        reg.loc[unique.index, "credit_code"].to_numpy(), index=unique.to_numpy()
    )
    by_name_code = name_keys(employer).map(name_to_code)
    by_name = ~by_code & by_name_code.notna()
    key = code.where(by_code, by_name_code.where(by_name, code))
    key = key.where(key != "", "名称:" + employer)
    key = key.where(key != "名称:", "未知单位")
    linked = np.select([by_code, by_name], ["credit_code", "name"], "")
    return pd.DataFrame({"enterprise": key, "linked_by": linked}, index=cases.index)


def enterprise_rates(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    *,
    by: str | None = None,
    quarters: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cases, rates per 1,000 insured per year, shrunken rates and funnel limits per enterprise.

    Parameters
    ----------
    cases
        Commuting cases with ``injured_at`` and ``credit_code`` / ``employer``. Select the
        window beforehand; cases outside `quarters` are ignored.
    register
        The enterprise register with ``credit_code``, ``name``, ``insured`` (and
        ``industry``, ``district``).
    by
        ``None`` (the whole window), ``"year"`` or ``"quarter"``: one row per enterprise and
        period, each period's statistics computed among that period's enterprises.
    quarters
        The quarters the window covers (default: first to last case's quarter). A period's
        length in years is its number of covered quarters / 4.
    level
        Confidence level of the exact Poisson interval of each rate.

    Returns
    -------
    pandas.DataFrame
        One row per enterprise (and ``period`` when `by` is given), sorted by period then
        ``eb_excess`` descending then credit code: ``credit_code``, ``name``,
        ``industry``, ``district``, ``in_register``, ``n_cases``, ``insured``, ``years``,
        ``person_years``, ``rate_per_1000`` (‰ per year) with exact ``rate_lower`` /
        ``rate_upper``, ``eb_rate_per_1000`` (Marshall's global empirical Bayes, φ clamped
        at 0), ``eb_weight``, ``expected`` (cases at the overall rate), ``excess``
        (observed − expected), ``eb_excess`` ((EB rate − overall rate) × person-years),
        ``excess_risk`` (observed / expected), ``p_high`` (P(X ≥ n) at the overall rate),
        the funnel limits ``lower_95`` … ``upper_998`` (‰ per year at the enterprise's
        exposure) and ``above_95`` / ``above_998``. ``attrs``: ``theta`` (overall rate per
        person-year, per period when `by` is given: ``theta_by_period``), ``quarters``.

    Notes
    -----
    Exposure ``b_i`` = insured × years; ``θ = Σn / Σb`` over the register's enterprises with
    insured > 0. The EB rate is ``w_i p_i + (1 − w_i) θ`` with Marshall's weights
    (``methods.md`` §2.6). Funnel limits are exact Poisson limits around θ with
    Spiegelhalter's interpolation; ``above_998`` / ``above_95`` say the rate lies above the
    drawn limit at the enterprise's own exposure, exactly what the funnel plot shows. The
    interpolated limit sits between two whole counts, so a count just above it can have an
    exact ``p_high`` up to about twice the nominal tail (0.002 instead of 0.001);
    ``p_high`` is reported for whoever wants the stricter exact test. Employers not in the
    register have no exposure: every rate column is NaN.
    """
    if by not in (None, "year", "quarter"):
        raise ArgumentError(f"by must be None, 'year' or 'quarter', got {by!r}")
    reg = register_frame(register)
    times = cases["injured_at"] if "injured_at" in cases else pd.Series(pd.NaT, index=cases.index)
    covered = coverage(times, quarters)
    q = quarter_of(times)
    links = link_employers(cases, reg)
    data = pd.DataFrame({"enterprise": links["enterprise"], "quarter": q})
    data = data[data["quarter"].isin(covered)]
    if by is None:
        periods = {"": covered}
        data["period"] = ""
    elif by == "year":
        periods = {}
        for label in covered:
            periods.setdefault(label[:4], []).append(label)
        data["period"] = data["quarter"].str[:4]
    else:
        periods = {label: [label] for label in covered}
        data["period"] = data["quarter"]
    counts = data.groupby(["period", "enterprise"]).size()
    names = export_names(cases, links["enterprise"])
    frames, thetas = [], {}
    for period, qs in periods.items():
        part = counts.loc[period] if period in counts.index.get_level_values(0) else pd.Series()
        frame = _period_rates(part, reg, period_years(qs), level, names)
        thetas[period] = frame.attrs["theta"]
        if by is not None:
            frame.insert(0, "period", period)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_RATE_COLUMNS)
    out.attrs["quarters"] = list(covered)
    if by is None:
        out.attrs["theta"] = thetas.get("", np.nan)
    else:
        out.attrs["theta_by_period"] = thetas
        out.attrs["theta"] = float(np.nanmean(list(thetas.values()))) if thetas else np.nan
    return out


def export_names(cases: pd.DataFrame, enterprise: pd.Series) -> pd.Series:
    """Each enterprise key's name as the exports write it: the employer name its cases give
    most often (ties: the first in Unicode order), for employers the register does not name.

    Parameters
    ----------
    cases
        Cases with ``employer`` (the 用人单位 column of the exports).
    enterprise
        The enterprise key of each case (:func:`link_employers`).

    Returns
    -------
    pandas.Series
        Enterprise key -> name (keys whose cases name no employer are left out).

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"employer": ["甲厂", "甲 厂", "甲厂", "", "乙店"]})
    >>> export_names(cases, pd.Series(["K1", "K1", "K1", "K2", "K3"])).to_dict()
    {'K1': '甲厂', 'K3': '乙店'}
    """
    if "employer" not in cases:
        return pd.Series(dtype=object)
    named = pd.DataFrame(
        {"key": enterprise.to_numpy(), "name": cases["employer"].fillna("").astype(str).str.strip()}
    )
    named = named[named["name"] != ""]
    if named.empty:
        return pd.Series(dtype=object)
    counted = named.groupby(["key", "name"]).size().reset_index(name="n")
    counted = counted.sort_values(["key", "n", "name"], ascending=[True, False, True])
    first = counted.drop_duplicates("key")
    return pd.Series(first["name"].to_numpy(), index=first["key"].to_numpy())


def _period_rates(
    counts: pd.Series,
    reg: pd.DataFrame,
    years: float,
    level: float,
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """Rates of one period: counts is enterprise key -> cases; `names` names the employers
    outside the register (:func:`export_names`)."""
    names = pd.Series(dtype=object) if names is None else names
    frame = reg[["credit_code", "name", "industry", "district", "insured"]].copy()
    frame["in_register"] = True
    extra = sorted(set(counts.index) - set(frame["credit_code"]))
    if extra:
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "credit_code": extra,
                        "name": [
                            names.get(e, e[3:] if e.startswith("名称:") else "") for e in extra
                        ],
                        "industry": "",
                        "district": "",
                        "insured": np.nan,
                        "in_register": False,
                    }
                ),
            ],
            ignore_index=True,
        )
    frame["n_cases"] = frame["credit_code"].map(counts).fillna(0).astype(int)
    frame["years"] = years
    frame["person_years"] = frame["insured"] * years
    n = frame["n_cases"].to_numpy(float)
    py = frame["person_years"].to_numpy(float)
    ok = np.isfinite(py) & (py > 0)
    rate = np.full(len(frame), np.nan)
    rate[ok] = n[ok] / py[ok]
    lower, upper = poisson_ci(n, np.where(ok, py, np.nan), level)
    eb = global_eb(np.where(ok, n, np.nan), np.where(ok, py, np.nan))
    theta = float(eb.attrs["theta"]) if ok.any() else np.nan
    expected = np.where(ok, theta * py, np.nan)
    tails = poisson_tails(n, expected)
    limits = funnel_limits(theta, np.where(ok, py, np.nan)) if ok.any() else None
    frame["rate_per_1000"] = 1000 * rate
    frame["rate_lower"] = 1000 * np.asarray(lower, float)
    frame["rate_upper"] = 1000 * np.asarray(upper, float)
    frame["eb_rate_per_1000"] = 1000 * eb["eb"].to_numpy(float)
    frame["eb_weight"] = eb["weight"].to_numpy(float)
    frame["expected"] = expected
    frame["excess"] = n - expected
    frame["eb_excess"] = (eb["eb"].to_numpy(float) - theta) * py
    frame["excess_risk"] = eb["excess_risk"].to_numpy(float)
    frame["p_high"] = np.where(ok, tails["p_high"].to_numpy(float), np.nan)
    for col in ("lower_95", "upper_95", "lower_998", "upper_998"):
        frame[col] = 1000 * limits[col].to_numpy(float) if limits is not None else np.nan
    # "above the limit" is what the funnel plot shows: the rate lies above the drawn
    # (interpolated exact) limit at the enterprise's exposure
    frame["above_95"] = ok & (
        frame["rate_per_1000"].to_numpy(float) > frame["upper_95"].to_numpy(float)
    )
    frame["above_998"] = ok & (
        frame["rate_per_1000"].to_numpy(float) > frame["upper_998"].to_numpy(float)
    )
    frame = frame.sort_values(
        ["eb_excess", "n_cases", "credit_code"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)
    frame = frame[_RATE_COLUMNS]
    frame.attrs["theta"] = theta
    return frame


def _trend(cases: pd.DataFrame, register: pd.DataFrame, covered: list[str]) -> pd.DataFrame:
    """The last four quarters against the four before them, per enterprise."""
    if len(covered) < 8:
        return pd.DataFrame(columns=["enterprise", "n_recent", "n_before", "ratio", "p_increase"])
    recent, before = covered[-4:], covered[-8:-4]
    links = link_employers(cases, register)
    q = quarter_of(cases["injured_at"])
    n1 = links.loc[q.isin(recent), "enterprise"].value_counts()
    n0 = links.loc[q.isin(before), "enterprise"].value_counts()
    keys = sorted(set(n1.index) | set(n0.index))
    a = n1.reindex(keys, fill_value=0).to_numpy(float)
    b = n0.reindex(keys, fill_value=0).to_numpy(float)
    test = rate_ratio_test(a, np.ones(len(keys)), b, np.ones(len(keys)))
    return pd.DataFrame(
        {
            "enterprise": keys,
            "n_recent": a.astype(int),
            "n_before": b.astype(int),
            "ratio": test["ratio"].to_numpy(float),
            "p_increase": test["p_increase"].to_numpy(float),
        }
    )


def _with_trend(
    rates: pd.DataFrame, cases: pd.DataFrame, register: pd.DataFrame, alpha: float
) -> None:
    """Add ``n_recent``, ``n_before``, ``trend_ratio``, ``trend_p`` and ``rising`` to
    `rates` (in place): the last four quarters of its window against the four before."""
    covered = rates.attrs["quarters"]
    window = cases[quarter_of(cases["injured_at"]).isin(covered)] if len(cases) else cases
    trend = _trend(window, register_frame(register), covered).set_index("enterprise")
    code = rates["credit_code"]
    rates["n_recent"] = code.map(trend["n_recent"]).fillna(0).astype(int)
    rates["n_before"] = code.map(trend["n_before"]).fillna(0).astype(int)
    rates["trend_ratio"] = code.map(trend["ratio"]).astype(float)
    rates["trend_p"] = code.map(trend["p_increase"]).astype(float)
    rates["rising"] = (
        (rates["trend_p"] < alpha) & (rates["n_recent"] >= 3) & (rates["trend_ratio"] > 1)
    ).fillna(False)


def key_enterprises(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    settings: Settings | None = None,
    *,
    n: int | None = None,
    quarters: Sequence[str] | None = None,
    trend_alpha: float | None = None,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank enterprises for commuting-safety training and mark the top `n` as key (重点企业).

    Parameters
    ----------
    cases
        Commuting cases of the window (``injured_at``, ``credit_code`` / ``employer``).
    register
        The enterprise register.
    settings
        ``key_enterprises`` (list length, default 22) and ``trend_alpha``.
    n, quarters, trend_alpha
        Override the list length, the quarters of the window and the trend level.
    measures
        The measures file (``read_measures(...).records``): its training rows (类型 培训)
        inside the window mark the enterprises already trained (:func:`mark_trained`).
        None: no enterprise is marked.

    Returns
    -------
    pandas.DataFrame
        :func:`enterprise_rates` over the window plus ``n_recent`` / ``n_before`` (cases in
        the last four quarters and the four before), ``trend_ratio``, ``trend_p``
        (one-sided exact test of an increase), ``rising``, ``tier``, ``rank`` (1 = first),
        ``key`` (bool), ``count_rank`` (rank by cases, ties share the best; 0 without
        cases), ``reason`` (in plain Chinese: cases, headcount, the rate as a multiple of
        the city's, the trend, the place by cases; with counts below a release level's *k*
        suppressed: :func:`key_reasons`), ``trained`` (bool: trained within the window) and
        ``trained_on`` (the latest training date in the window, ``YYYY-MM-DD``, or ``""``).
        Enterprises with no case are not ranked (``rank`` 0, not in the frame's head).

    Notes
    -----
    The ranking rule, deterministic:

    1. tier 1: rate above the funnel's 99.8 % limit;
    2. tier 2: above the 95 % limit, or rising (the last four quarters have
       more cases than the four before, one-sided exact test p < ``trend_alpha``, and at
       least 3 recent cases);
    3. tier 3: every other enterprise with at least one case.

    Within a tier: larger ``eb_excess`` first (the cases above the overall rate that the
    empirical-Bayes rate still attributes to the enterprise: large enterprises with a
    modestly raised rate rank above tiny ones with one case), then more cases, then credit
    code. An employer outside the register (or every employer, without a register) has no
    insured count, so no rate and no expected count: it is in tier 3 unless rising, all its
    cases stand for its excess (it ranks by its cases: the employer with the most cases is
    not pushed down the list for a gap in the register), its ``name`` is the one its cases
    give in the exports (:func:`export_names`) and ``register_note`` says
    :data:`UNMATCHED`. ``attrs["unmatched"]`` lists those among the first `n` ranks and
    those with more cases than the `n`-th ranked enterprise. The trend needs eight
    quarters; with fewer it is not assessed (said in ``attrs["trend_note"]``). Training
    does not change the ranking: a trained enterprise whose rate is still high stays on
    the list, marked.
    """
    settings = settings or Settings()
    n = settings.key_enterprises if n is None else int(n)
    if n < 1:
        raise ArgumentError(f"n must be >= 1, got {n}")
    alpha = settings.trend_alpha if trend_alpha is None else float(trend_alpha)
    rates = enterprise_rates(cases, register, quarters=quarters)
    covered = rates.attrs["quarters"]
    theta = rates.attrs["theta"]
    _with_trend(rates, cases, register, alpha)
    order = _ranked_order(rates)
    has = rates["tier"] > 0
    rates["rank"] = 0
    rates.loc[order.index, "rank"] = np.arange(1, len(order) + 1)
    rates["key"] = (rates["rank"] >= 1) & (rates["rank"] <= n)
    count_rank = rates.loc[has, "n_cases"].rank(method="min", ascending=False).reindex(rates.index)
    rates["count_rank"] = count_rank.fillna(0).astype(int)
    rates["reason"] = [
        reason_text(row, theta, n, quarters=len(covered)) for row in rates.itertuples(index=False)
    ]
    rates = pd.concat([rates.loc[order.index], rates[~has].sort_values("credit_code")]).reset_index(
        drop=True
    )
    rates.attrs.update(theta=theta, quarters=covered, n_key=n)
    rates.attrs["unmatched"] = _unmatched(rates, n)
    rates.attrs["trend_note"] = (
        "近四季度与前四季度比较" if len(covered) >= 8 else "不足八个季度，未判断趋势"
    )
    return mark_trained(rates, measures, covered)


def _ranked_order(rates: pd.DataFrame) -> pd.DataFrame:
    """Set ``tier`` and ``register_note`` on `rates` (in place) and return the enterprises
    with cases in the order of the key list's rule (:func:`key_enterprises`, Notes)."""
    tier = np.where(rates["above_998"], 1, np.where(rates["above_95"] | rates["rising"], 2, 3))
    rates["tier"] = np.where(rates["n_cases"] > 0, tier, 0)
    has = rates["tier"] > 0
    # outside the register there is no exposure, so no expected count: all of an employer's
    # cases stand for its excess (it keeps the place its count gives it)
    outside = ~rates["in_register"].astype(bool)
    rates["register_note"] = np.where(outside & has, UNMATCHED, "")
    excess = rates["eb_excess"].where(~outside, rates["n_cases"].astype(float))
    return (
        rates[has]
        .assign(_excess=excess)
        .sort_values(
            ["tier", "_excess", "n_cases", "credit_code"],
            ascending=[True, False, False, True],
            na_position="last",
        )
    )


def _unmatched(ranked: pd.DataFrame, n: int) -> list[tuple[str, int]]:
    """(name, cases) of the employers outside the register that the key list must mention:
    those ranked among the first `n`, and those with as many cases as the `n`-th."""
    if ranked.empty or "register_note" not in ranked:
        return []
    ranked_n = ranked.loc[ranked["rank"].between(1, n), "n_cases"]
    floor = int(ranked_n.min()) if len(ranked_n) else 1
    pick = (ranked["register_note"] == UNMATCHED) & (
        ranked["rank"].between(1, n) | (ranked["n_cases"] >= max(floor, 1))
    )
    rows = ranked.loc[pick].sort_values(["n_cases", "credit_code"], ascending=[False, True])
    return [(str(r.name) or str(r.credit_code), int(r.n_cases)) for r in rows.itertuples()]


def unmatched_warning(key: pd.DataFrame, *, register_given: bool, k: int = 1) -> str | None:
    """The warning a run gives about employers outside the register, or None.

    Parameters
    ----------
    key
        :func:`key_enterprises` output (its ``attrs["unmatched"]``).
    register_given
        Whether an enterprise register was read at all.
    k
        Smallest count shown (``少于k起`` below it): the warning reaches the report.

    Returns
    -------
    str or None
        Without a register: that every name comes from the exports and the list is ranked
        by cases (None when no enterprise has a case). With one: the employers outside it
        that the key list ranks (at most ten named, with their cases), or None when there
        are none.

    Examples
    --------
    >>> import pandas as pd
    >>> key = pd.DataFrame()
    >>> key.attrs["unmatched"] = [("测试甲厂", 53), ("测试乙店", 2)]
    >>> print(unmatched_warning(key, register_given=True, k=3))
    2家用人单位未匹配参保登记（名称取自台账，无参保人数，按起数排序）：测试甲厂（53起）、测试乙店（少于3起）
    """
    if not register_given:
        if "rank" not in key or not (key["rank"] > 0).any():
            return None
        return "未提供参保企业名录：重点企业名称取自台账，无参保人数，按起数排序"
    found = key.attrs.get("unmatched", [])
    if not found:
        return None
    named = "、".join(f"{name}（{count_words(n, k)}）" for name, n in found[:10])
    more = f"等{len(found)}家" if len(found) > 10 else ""
    return (
        f"{len(found)}家用人单位未匹配参保登记（名称取自台账，无参保人数，按起数排序）："
        f"{named}{more}"
    )


def _placed(cases: pd.DataFrame) -> pd.Series:
    level = cases["match_level"] if "match_level" in cases else pd.Series("", index=cases.index)
    lon = pd.to_numeric(cases.get("lon"), errors="coerce") if "lon" in cases else None
    if lon is None:
        return pd.Series(False, index=cases.index)
    return level.isin(PRECISE_LEVELS) & lon.notna()


def enterprise_places(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    units: pd.DataFrame | None = None,
    settings: Settings | None = None,
    *,
    gate_radius_m: float | None = None,
) -> pd.DataFrame:
    """Where each enterprise's cases happen: distance from the workplace, gate share, hotspots.

    Parameters
    ----------
    cases
        Geocoded commuting cases (``lon``, ``lat``, ``match_level``; ``unit_id`` after
        snapping).
    register
        The enterprise register with the workplace point (``lon``, ``lat``, WGS-84).
    units
        The hotspot units (``unit_id``, ``hot``, ``road``, ``cross_road``) to tell which of
        an enterprise's cases lie on hot units.
    settings
        ``gate_radius_m`` (default 300 m).
    gate_radius_m
        Overrides the setting.

    Returns
    -------
    pandas.DataFrame
        One row per enterprise with cases: ``credit_code``, ``name``, ``n_cases``,
        ``n_placed`` (precisely placed: intersection, offset, landmark, given or override;
        road-level and admin-level points are too vague for a distance), ``median_km``,
        ``p90_km`` (distance from the workplace), ``n_gate`` and ``gate_share`` (of the
        placed cases, within the gate radius), ``n_on_hot`` (cases on hot units),
        ``hot_units`` (up to five hot places in words, most cases first; the segments of
        one road count together).
    """
    settings = settings or Settings()
    radius = settings.gate_radius_m if gate_radius_m is None else float(gate_radius_m)
    reg = register_frame(register).set_index("credit_code")
    links = link_employers(cases, reg.reset_index())
    key = links["enterprise"]
    placed = _placed(cases)
    wlon = pd.to_numeric(key.map(reg["lon"]), errors="coerce").to_numpy(float)
    wlat = pd.to_numeric(key.map(reg["lat"]), errors="coerce").to_numpy(float)
    lon = pd.to_numeric(cases.get("lon"), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(cases.get("lat"), errors="coerce").to_numpy(float)
    dist = np.full(len(cases), np.nan)
    ok = placed.to_numpy() & np.isfinite(wlon) & np.isfinite(lon)
    dist[ok] = haversine_m(lon[ok], lat[ok], wlon[ok], wlat[ok])
    data = pd.DataFrame({"enterprise": key.to_numpy(), "dist": dist, "placed": ok})
    hot_ids: set[str] = set()
    label: dict[str, str] = {}
    if units is not None and "unit_id" in cases:
        hot = units[units["hot"].astype(bool)] if "hot" in units else units.iloc[:0]
        hot_ids = set(hot["unit_id"])
        label = {
            u: _unit_label(r, c)
            for u, r, c in zip(hot["unit_id"], hot["road"], hot["cross_road"], strict=True)
        }
        data["unit_id"] = cases["unit_id"].to_numpy()
    else:
        data["unit_id"] = ""
    data["on_hot"] = data["unit_id"].isin(hot_ids)
    rows = []
    for ent, part in data.groupby("enterprise", sort=True):
        d = part.loc[part["placed"], "dist"]
        on_hot = part.loc[part["on_hot"], "unit_id"]
        hot_counts = on_hot.map(lambda u: label.get(u, u)).value_counts()
        hot_counts = hot_counts.sort_index().sort_values(ascending=False, kind="stable")
        rows.append(
            {
                "credit_code": ent,
                "name": reg["name"].get(ent, ent[3:] if ent.startswith("名称:") else ""),
                "n_cases": len(part),
                "n_placed": int(part["placed"].sum()),
                "median_km": float(d.median() / 1000) if len(d) else np.nan,
                "p90_km": float(d.quantile(0.9) / 1000) if len(d) else np.nan,
                "n_gate": int((d <= radius).sum()),
                "gate_share": float((d <= radius).mean()) if len(d) else np.nan,
                "n_on_hot": int(part["on_hot"].sum()),
                "hot_units": "；".join(f"{u}（{c}起）" for u, c in hot_counts.head(5).items()),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["n_cases", "credit_code"], ascending=[False, True])
    out.attrs["gate_radius_m"] = radius
    return out.reset_index(drop=True)


def _unit_label(road: object, cross: object) -> str:
    road = "" if pd.isna(road) else str(road)
    cross = "" if pd.isna(cross) else str(cross)
    return f"{road}与{cross}交叉口" if cross else road


def enterprise_units(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    units: pd.DataFrame,
    *,
    hot_only: bool = True,
) -> pd.DataFrame:
    """Commute corridors: the units that several enterprises' cases share.

    Parameters
    ----------
    cases
        Snapped cases (``unit_id``, ``credit_code`` / ``employer``).
    register
        The enterprise register.
    units
        Units with ``unit_id``, ``road``, ``cross_road`` and ``hot``.
    hot_only
        Only hot units (default) or every unit with a case.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit_id``, ``label`` (road or crossing in words),
        ``n_cases``, ``n_enterprises``, ``enterprises`` (credit codes, most cases first,
        ``|``-joined) and ``hot``; sorted by enterprises then cases, most first. A unit
        shared by two or more enterprises is a commute corridor worth a joint campaign.
    """
    require_columns(cases, ["unit_id"], what="cases (snap them with find_hotspots first)")
    key = link_employers(cases, register)["enterprise"]
    data = pd.DataFrame({"unit_id": cases["unit_id"], "enterprise": key})
    data = data[data["unit_id"].notna() & (data["unit_id"] != "")]
    info = units.set_index("unit_id")
    hot = info["hot"].astype(bool) if "hot" in info else pd.Series(False, index=info.index)
    if hot_only:
        data = data[data["unit_id"].map(hot).fillna(False).astype(bool)]
    cols = ["unit_id", "label", "n_cases", "n_enterprises", "enterprises", "hot"]
    if data.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for unit, part in data.groupby("unit_id", sort=True):
        per = part["enterprise"].value_counts()
        per = per.sort_index().sort_values(ascending=False, kind="stable")
        rows.append(
            {
                "unit_id": unit,
                "label": _unit_label(info["road"].get(unit), info["cross_road"].get(unit)),
                "n_cases": len(part),
                "n_enterprises": len(per),
                "enterprises": "|".join(per.index),
                "hot": bool(hot.get(unit, False)),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        ["n_enterprises", "n_cases", "unit_id"], ascending=[False, False, True]
    ).reset_index(drop=True)
