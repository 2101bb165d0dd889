"""Release levels: what a map or list may show to whom.

* ``internal`` — the centre's own staff: unit aggregates and, on request, case points with
  their decision numbers and dates (never names, ID numbers, phones or narratives).
* ``police`` (the default for anything shared) — unit aggregates only; a count below
  ``k_police`` (3) is shown as "少于3起" and per-window layers leave such units out; no
  decision numbers, names, narratives or exact times.
* ``public`` — as police, with ``k_public`` (5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..settings import Settings

__all__ = [
    "RELEASE_LABELS",
    "RELEASE_LEVELS",
    "check_release",
    "k_of",
    "release_enterprises",
    "release_sites",
    "suppress_counts",
]

RELEASE_LEVELS: tuple[str, ...] = ("internal", "police", "public")
RELEASE_LABELS = {"internal": "内部", "police": "警方", "public": "公开"}


def check_release(release: str) -> str:
    """Validate a release level name."""
    if release not in RELEASE_LEVELS:
        raise ValueError(f"release must be one of {RELEASE_LEVELS}, got {release!r}")
    return release


def k_of(release: str, settings: Settings | None = None) -> int:
    """The small-count threshold of a release level (1 for internal: nothing suppressed)."""
    settings = settings or Settings()
    check_release(release)
    return {"internal": 1, "police": settings.k_police, "public": settings.k_public}[release]


def suppress_counts(counts, k: int) -> pd.Series:
    """Counts as text with every count in 1..k−1 shown as ``少于k起``.

    Examples
    --------
    >>> suppress_counts([0, 1, 2, 3, 10], 3).tolist()
    ['0', '少于3起', '少于3起', '3', '10']
    """
    values = pd.Series(counts)
    n = pd.to_numeric(values, errors="coerce")
    text = n.map(lambda v: "" if pd.isna(v) else str(int(v)))
    small = (n > 0) & (n < k)
    return pd.Series(np.where(small, f"少于{k}起", text), index=values.index)


def release_sites(
    sites: pd.DataFrame, release: str, settings: Settings | None = None
) -> pd.DataFrame:
    """Sites as they may be shown at a release level.

    For ``police`` and ``public``: ``n_covered`` (and ``marginal_cases``, ``n_workplace``,
    ``n_accident``) below *k* become ``少于k起``; such a site's ``peak_hours`` and
    ``circumstances`` are blanked (with one or two cases they describe individual
    accidents), and every other site's ``circumstances`` is written again without the parts
    whose count, or the count of the rest, is below *k* (withheld when the frame lacks those
    counts); a campaign site's ``reaches`` is
    rewritten with the same suppression (and, for ``public``, without enterprise names); the
    internal columns (covered unit ids, rules, candidate id, the enterprise tuples, the
    counts behind ``circumstances``) are dropped.
    ``internal`` returns the frame unchanged.

    Parameters
    ----------
    sites
        :func:`~trafficprev.sites.choose_sign_sites` or
        :func:`~trafficprev.sites.choose_campaign_sites` output.
    release
        ``internal``, ``police`` or ``public``.
    settings
        ``k_police`` / ``k_public``.

    Returns
    -------
    pandas.DataFrame
        A copy.
    """
    k = k_of(release, settings)
    out = sites.copy()
    if release == "internal" or out.empty:
        return out
    from ..sites._signs import CIRCUMSTANCE_COLUMNS, circumstances_text

    n = pd.to_numeric(out["n_covered"], errors="coerce").fillna(0).astype(int)
    small = n < k
    if "circumstances" in out and all(c in out for c in CIRCUMSTANCE_COLUMNS):
        # written again from its counts: a part whose count (or the rest) is below k goes
        out["circumstances"] = [
            circumstances_text(int(total), *row, k=k)
            for total, row in zip(
                n, out[list(CIRCUMSTANCE_COLUMNS)].itertuples(index=False), strict=True
            )
        ]
    elif "circumstances" in out:
        out["circumstances"] = ""  # no counts to check them against (an older frame): withheld
    for col in ("peak_hours", "circumstances"):
        if col in out:
            out[col] = out[col].where(~small, "")
    if "top_enterprises" in out and "reaches" in out:
        from ..sites._campaign import reaches_text

        radius = (settings or Settings()).campaign_radius_m
        out["reaches"] = [
            reaches_text(top, n_ent, n_acc, radius, k, names=release != "public")
            for top, n_ent, n_acc in zip(
                out["top_enterprises"], out["n_enterprises"], out["n_accident"], strict=True
            )
        ]
    for col in ("n_covered", "marginal_cases", "n_workplace", "n_accident"):
        if col in out:
            out[col] = suppress_counts(out[col], k).to_numpy()
    drop = ("unit_ids", "rules", "candidate", "top_enterprises", *CIRCUMSTANCE_COLUMNS)
    return out.drop(columns=[c for c in drop if c in out])


def release_enterprises(
    key: pd.DataFrame, release: str, settings: Settings | None = None
) -> pd.DataFrame:
    """Key enterprises as they may be shown at a release level.

    For ``police`` and ``public``: ``n_cases`` below *k* becomes ``少于k起``, such an
    enterprise's rates are blanked (with the insured headcount beside them they give the
    count away), and ``reason`` is rewritten by :func:`~trafficprev.groups.key_reasons` with
    every count below *k* suppressed. ``internal`` returns the frame unchanged.

    Parameters
    ----------
    key
        :func:`~trafficprev.groups.key_enterprises` output.
    release
        ``internal``, ``police`` or ``public``.
    settings
        ``k_police`` / ``k_public``.

    Returns
    -------
    pandas.DataFrame
        A copy (``attrs`` kept).
    """
    from ..groups import key_reasons

    k = k_of(release, settings)
    out = key.copy()
    if release == "internal" or out.empty:
        return out
    n = pd.to_numeric(out["n_cases"], errors="coerce").fillna(0)
    small = (n > 0) & (n < k)  # 0 cases is shown as 0, with its rate of 0
    if "reason" in out:
        out["reason"] = key_reasons(key, k).to_numpy()
    for col in ("rate_per_1000", "eb_rate_per_1000", "eb_excess", "excess", "expected"):
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").where(~small)
    out["n_cases"] = suppress_counts(out["n_cases"], k).to_numpy()
    return out
