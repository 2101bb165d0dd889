"""Accident-prone enterprises, groups of people and circumstances (多发企业/人群/情形).

* **Enterprises**: rates per 1,000 insured per year with exact Poisson intervals, Marshall's
  global empirical-Bayes rates, excess over the expected count, funnel limits
  (:func:`enterprise_rates`); the ranked key list for training with reasons
  (:func:`key_enterprises`), with the enterprises already trained marked
  (:func:`mark_trained`); where each enterprise's cases happen
  (:func:`enterprise_places`) and the hot units several enterprises share
  (:func:`enterprise_units`); the funnel plot and ranked bar chart (:func:`plot_funnel`,
  :func:`plot_ranked`, with a CJK font fallback list).
* **Groups and circumstances**: tables by sex, age band, mode, industry (rates against the
  register's headcount), time band and direction (:func:`group_tables`); counterpart,
  intersection vs mid-block, responsibility, hour, weekday, month
  (:func:`circumstance_tables`); cross-tabulations (:func:`crosstab`,
  :func:`standard_crosstabs`). Cells with fewer than *k* cases are marked ``small``.
* **Combinations that stand out** (特定人群与多发情形): every combination of up to four
  fields (industry × mode × direction × time band …) against a log-linear baseline, exact
  tests with the Benjamini–Hochberg step, redundant combinations pruned, bootstrap
  intervals of lift and rank
  (:func:`combinations`, :func:`combination_frame`; ``docs/groups.md``).
* **Statistics** used by all of them: :func:`poisson_ci`, :func:`wilson_ci`,
  :func:`global_eb`, :func:`funnel_limits`, :func:`poisson_tails`, :func:`rate_ratio_test`.
"""

from __future__ import annotations

from .._plotting import CJK_FONTS, available_cjk_font, cjk_style
from ._combos import (
    BLOCKS,
    CIRCUMSTANCE_FIELDS,
    TARGET_FIELDS,
    TIME_BANDS,
    Combinations,
    combination_frame,
    combinations,
)
from ._enterprises import (
    enterprise_places,
    enterprise_rates,
    enterprise_units,
    export_names,
    key_enterprises,
    key_reasons,
    link_employers,
    mark_trained,
    register_frame,
    unmatched_warning,
)
from ._plots import plot_funnel, plot_ranked
from ._rates import (
    funnel_limits,
    global_eb,
    poisson_ci,
    poisson_tails,
    rate_ratio_test,
    wilson_ci,
)
from ._tables import (
    AGE_EDGES,
    CROSSTABS,
    LABELS,
    age_band,
    circumstance_tables,
    crosstab,
    crosstab_wide,
    group_table,
    group_tables,
    location_kind,
    standard_crosstabs,
    years_spanned,
)

__all__ = [
    "AGE_EDGES",
    "BLOCKS",
    "CIRCUMSTANCE_FIELDS",
    "CJK_FONTS",
    "CROSSTABS",
    "LABELS",
    "TARGET_FIELDS",
    "TIME_BANDS",
    "Combinations",
    "age_band",
    "available_cjk_font",
    "circumstance_tables",
    "cjk_style",
    "combination_frame",
    "combinations",
    "crosstab",
    "crosstab_wide",
    "enterprise_places",
    "enterprise_rates",
    "enterprise_units",
    "export_names",
    "funnel_limits",
    "global_eb",
    "group_table",
    "group_tables",
    "key_enterprises",
    "key_reasons",
    "link_employers",
    "location_kind",
    "mark_trained",
    "plot_funnel",
    "plot_ranked",
    "poisson_ci",
    "poisson_tails",
    "rate_ratio_test",
    "register_frame",
    "standard_crosstabs",
    "unmatched_warning",
    "wilson_ci",
    "years_spanned",
]
