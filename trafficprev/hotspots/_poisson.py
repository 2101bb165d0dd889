"""A local Poisson test of neighbourhood counts: the guard Gi* needs on sparse counts.

Commuting-accident counts per 100 m segment are mostly zero. Gi*'s normal approximation
then overstates significance badly: with a few hundred cases on twenty thousand units, a
unit whose neighbourhood holds a single case gets z ≈ 30. The test here asks the question
the 多发点段 practice asks (the "quality-control", Poisson critical-rate method of
``domain.md`` §4.2): given the area's average rate per metre of road, how surprising is the
number of cases in this unit's neighbourhood, whose road length is known?

Under the null, cases fall on the network uniformly by length (within each road class when
one is given), so the neighbourhood count of unit i is Poisson with mean
``Σ_j w_ij λ_j L_j`` (λ_j = cases / length of unit j's class). The
p-value is the upper tail ``P(X ≥ observed)``; Benjamini–Hochberg makes it a q-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import poisson

from .._errors import ArgumentError
from ._gistar import bh_qvalues

__all__ = ["poisson_local"]


def poisson_local(counts, length_m, w, *, stratum=None) -> pd.DataFrame:
    """Upper-tail Poisson p and BH q of each unit's neighbourhood count.

    Parameters
    ----------
    counts
        Cases per unit (non-negative integers).
    length_m
        Road length each unit stands for, in metres (> 0; give intersections a nominal
        length such as their diameter).
    w
        Binary unit × unit weights with a unit diagonal (:func:`network_weights`).
    stratum
        Optional class of each unit (road class, ``intersection``): the rate per metre is
        then estimated per class, as the 多发点段 practice compares a place with the mean of
        its road class, so a busy arterial is not a hotspot merely for carrying more
        commuters than a lane.

    Returns
    -------
    pandas.DataFrame
        ``nb_cases`` (observed in the neighbourhood), ``nb_expected``, ``pois_p``,
        ``pois_q``.

    Examples
    --------
    >>> w = sparse.identity(4, format="csr")
    >>> out = poisson_local([0, 0, 0, 4], [100, 100, 100, 100], w)
    >>> out["nb_expected"].tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> round(float(out["pois_p"].iloc[3]), 4)  # P(X >= 4 | mean 1)
    0.019
    """
    y = np.asarray(counts, dtype=float)
    length = np.asarray(length_m, dtype=float)
    if (y < 0).any() or (length <= 0).any():
        raise ArgumentError("counts must be >= 0 and lengths > 0")
    w = sparse.csr_matrix(w)
    if stratum is None:
        total = length.sum()
        rate = np.full(len(y), y.sum() / total if total > 0 else 0.0)
    else:
        key = pd.Series(np.asarray(stratum, dtype=object))
        per = pd.DataFrame({"k": key, "y": y, "l": length}).groupby("k")[["y", "l"]].sum()
        rate = key.map(per["y"] / per["l"]).to_numpy(float)
    observed = w @ y
    expected = w @ (rate * length)
    p = np.ones(len(y))
    has = observed > 0
    p[has] = poisson.sf(observed[has] - 1, expected[has])
    return pd.DataFrame(
        {"nb_cases": observed, "nb_expected": expected, "pois_p": p, "pois_q": bh_qvalues(p)}
    )
