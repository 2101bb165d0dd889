"""How many warning signs the budget needs (标志数量与覆盖): set covering and the coverage curve.

Two questions the centre asks before it sizes a budget, answered on the sign-siting problem of
the window (:func:`~trafficprev.sites.sign_problem`: the same candidates, coverage, approaches
and existing signs as the proposal):

* **the fewest new signs that cover every hot unit** (location set covering, LSCP,
  :func:`~trafficprev.sites.min_cover`), the hot units being those the report lists (a
  hotspot class and a case of their own): a hot unit is covered when it lies ahead of a sign
  within ``sign_reach_m`` on its road; what the existing signs cover needs no new sign; no
  two signs stack on one approach. Every candidate counts here, also one that would add
  fewer than *k* cases: the question is about places, not cases.
* **the cases covered against the number of new signs** (1 … N): for each *n*, the
  proposal's own rule (:func:`~trafficprev.sites.choose_sign_sites` with ``sign_count`` *n*:
  the most severity-weighted cases, each new sign adding at least *k*). The curve stops
  where one more sign adds nothing (no candidate adds *k* more cases), or at ``max_signs``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings import Settings
from ._cover import min_cover
from ._signs import SignProblem, _choose, sign_problem

__all__ = ["SignBudget", "sign_budget"]

#: The longest coverage curve computed by default (new signs).
MAX_SIGNS = 30


@dataclass(frozen=True)
class SignBudget:
    """What :func:`sign_budget` returns.

    Attributes
    ----------
    cover_all
        The fewest new signs that cover every hot unit the existing signs do not (``None``
        when the solve did not finish).
    cover_all_sites
        Those signs: ``cand_id``, ``road``, ``target``, ``lon``, ``lat``.
    uncoverable
        Hot units no candidate covers (their ids).
    hot_units
        Hot units in the window, and ``hot_covered_by_existing`` of them.
    hot_covered_by_existing
        Hot units the existing signs already cover.
    curve
        One row per number of new signs ``n_signs`` (0 … N): ``cases_covered`` (existing and
        new signs together), ``weight_covered``, ``share`` (of the cases on a road unit),
        ``added`` (cases the last sign adds), ``hot_units_covered``.
    n_cases
        Cases on a road unit in the window (the denominator of ``share``).
    status
        ``"optimal"`` or the set-covering solve's status.
    """

    cover_all: int | None
    cover_all_sites: pd.DataFrame
    uncoverable: tuple[str, ...]
    hot_units: int
    hot_covered_by_existing: int
    curve: pd.DataFrame
    n_cases: int
    status: str


def _covered(problem: SignProblem, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Cases and hot units covered by the candidates `cols`."""
    if not cols:
        return (
            np.zeros(problem.cover.shape[0], dtype=bool),
            np.zeros(problem.unit_cover.shape[0], dtype=bool),
        )
    cases = np.asarray(problem.cover[:, cols].sum(axis=1)).ravel() > 0
    units = np.asarray(problem.unit_cover[:, cols].sum(axis=1)).ravel() > 0
    return cases, units


def sign_budget(
    result,
    settings: Settings | None = None,
    *,
    existing: pd.DataFrame | None = None,
    max_signs: int = MAX_SIGNS,
) -> SignBudget:
    """The fewest signs covering every hot unit, and the cases covered by 1 … N new signs.

    Parameters
    ----------
    result
        :class:`~trafficprev.hotspots.HotspotResult` of the window.
    settings
        The sign settings and ``k_police`` (as :func:`~trafficprev.sites.choose_sign_sites`).
    existing
        The signs in place (:func:`~trafficprev.sites.existing_signs`), fixed.
    max_signs
        The longest curve (new signs).

    Returns
    -------
    SignBudget

    Examples
    --------
    >>> signs = existing_signs(run.measures, run.quarter)  # doctest: +SKIP
    >>> budget = sign_budget(run.hotspots, run.settings, existing=signs)  # doctest: +SKIP
    >>> budget.cover_all, budget.curve[["n_signs", "cases_covered"]]  # doctest: +SKIP
    """
    return _budget(sign_problem(result, settings, existing=existing), max_signs)


def _budget(problem: SignProblem, max_signs: int) -> SignBudget:
    """:func:`sign_budget` of a built problem."""
    cand = problem.candidates
    fixed = [int(j) for j in problem.fixed]
    lscp = min_cover(
        problem.unit_cover, fixed=fixed, conflicts=problem.conflicts, rank=problem.rank
    )
    n_units = problem.unit_cover.shape[0]
    old_cases, old_units = _covered(problem, fixed)
    sites = cand.iloc[lscp.chosen][["cand_id", "road", "target", "lon", "lat"]].reset_index(
        drop=True
    )
    hot_ids = problem.hot_units["unit_id"].to_numpy() if n_units else np.zeros(0, dtype=object)
    rows = [(0, int(old_cases.sum()), float(problem.weights[old_cases].sum()), 0,
             int(old_units.sum()))]  # fmt: skip
    eligible = int(cand["eligible"].sum()) - len(fixed)
    for n in range(1, min(max_signs, max(eligible, 0)) + 1):
        order, added, _, _ = _choose(problem, n)
        if len(order) < n:  # no further sign adds k cases
            break
        cases, units = _covered(problem, fixed + order)
        rows.append((n, int(cases.sum()), float(problem.weights[cases].sum()), int(added[-1]),
                     int(units.sum())))  # fmt: skip
    curve = pd.DataFrame(
        rows, columns=["n_signs", "cases_covered", "weight_covered", "added", "hot_units_covered"]
    )
    n_cases = problem.cover.shape[0]
    curve.insert(3, "share", curve["cases_covered"] / n_cases if n_cases else 0.0)
    return SignBudget(
        cover_all=len(lscp.chosen) if lscp.status in ("optimal",) else None,
        cover_all_sites=sites,
        uncoverable=tuple(str(u) for u in hot_ids[lscp.uncoverable]),
        hot_units=n_units,
        hot_covered_by_existing=int(old_units.sum()),
        curve=curve,
        n_cases=n_cases,
        status=lscp.status,
    )
