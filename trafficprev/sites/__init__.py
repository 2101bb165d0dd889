"""Site selection: warning signs and campaign locations (警示标志点位, 宣传点位).

* :func:`choose_sign_sites`: candidates before every hot intersection and segment, coverage
  ahead along the road, an exact maximal-covering choice with spacing and existing signs
  fixed, and each site in words (GA/T 1980 position, facing traffic, peak hours, main
  circumstances, GB 5768.2-2022 signs and facilities); :func:`circumstances_text` and
  :data:`CIRCUMSTANCE_COLUMNS` are :mod:`trafficprev.release`'s (the released wording).
* :func:`choose_campaign_sites`: campaign locations reaching the most cases' workplaces and
  accident places (or the p-median variant), and whom each reaches.
* :func:`sign_budget`: the fewest new signs covering every hot unit (set covering,
  :func:`min_cover`) and the cases covered against the number of new signs, to size a budget.
* :func:`max_cover`, :func:`p_median`, :func:`min_cover`: the exact optimisers (HiGHS through
  ``scipy.optimize.milp``) with a lexicographic tie-break (exhaustive references for the tests:
  :mod:`trafficprev.testing`).
* :func:`write_sites_xlsx`: ``sites.xlsx`` for the police (建议点位, 重点企业, 说明).
"""

from __future__ import annotations

from ..release import CIRCUMSTANCE_COLUMNS, circumstances_text
from ._budget import SignBudget, sign_budget
from ._campaign import campaign_candidates, choose_campaign_sites
from ._cover import CoverResult, MedianResult, SetCoverResult, max_cover, min_cover, p_median
from ._excel import (
    NUMBER_FORMATS,
    SHEETS,
    TRAINING_SHEET,
    neutralize,
    read_back,
    write_sites_xlsx,
    write_workbook,
)
from ._signs import (
    SIGN_RULES,
    SIGN_SITE_COLUMNS,
    SignProblem,
    choose_sign_sites,
    existing_signs,
    sign_candidates,
    sign_problem,
    suggest_signs,
)

__all__ = [
    "CIRCUMSTANCE_COLUMNS",
    "NUMBER_FORMATS",
    "SHEETS",
    "SIGN_RULES",
    "SIGN_SITE_COLUMNS",
    "TRAINING_SHEET",
    "CoverResult",
    "MedianResult",
    "SetCoverResult",
    "SignBudget",
    "SignProblem",
    "campaign_candidates",
    "choose_campaign_sites",
    "choose_sign_sites",
    "circumstances_text",
    "existing_signs",
    "max_cover",
    "min_cover",
    "neutralize",
    "p_median",
    "read_back",
    "sign_budget",
    "sign_candidates",
    "sign_problem",
    "suggest_signs",
    "write_sites_xlsx",
    "write_workbook",
]
