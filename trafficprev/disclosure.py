"""Which counts of a release may be shown: primary and secondary suppression (小数字抑制).

The rule (``docs/disclosure.md``): at a release level with threshold *k* (``police`` 3,
``public`` 5; ``internal`` 1, nothing suppressed) **no number of cases from 1 to k−1 may be
read** from what the release shows —

* directly (a count of 1 … k−1 is written ``少于k起``; 0 stays 0): *primary suppression*;
* from a statement (a limit exceeded, a share, a rate beside a headcount, a peak window that
  holds fewer than *k* cases): the statement is left out;
* as the difference of two numbers shown in the same release (a total and its parts, a sum
  over units and the units' own counts, two overlapping sets): one of the two is hidden —
  *secondary suppression*, as statistical agencies' disclosure-control tools (τ-ARGUS,
  sdcMicro) do it. A number hidden by secondary suppression is at least *k* and is written
  ``k起及以上`` (:func:`at_least_text`), which gives no exact count.

Every function here is pure and deterministic; ties are broken by a written rule. The
functions decide *which* numbers may be shown; :mod:`trafficprev.maps._release` and
:mod:`trafficprev.maps._build` apply them to sites, enterprises and map layers.

Relations checked (each a function below):

(a) :func:`parts_shown` — a total and disjoint parts of it (a unit's hour bands, its
    quarters, an enterprise's recent and earlier cases, the enterprises a campaign site
    reaches, a site's cases not covered by an earlier site): the cases left hidden, total
    minus the shown parts, must be 0 or at least *k*.
(b) :func:`sum_shown` — a sum over units (a sign's covered cases) beside the units' own
    counts: its difference with every combination of the shown unit counts must be 0 or at
    least *k*; :func:`nested_shown` — two such sums over nested sets of units.
(c) :func:`overlap_shown` — two overlapping sets and their union (a campaign site's cases by
    workplace and by accident place): every atom of the Venn diagram that the shown numbers
    determine must be 0 or at least *k*.
(d) the reasons of a key enterprise are (a) with its total as the total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._errors import ArgumentError

__all__ = [
    "at_least_text",
    "below_text",
    "count_text",
    "disclosure_note",
    "gap_ok",
    "is_small",
    "nested_shown",
    "overlap_shown",
    "parts_shown",
    "peak_shown",
    "sum_shown",
]


def is_small(n: int, k: int) -> bool:
    """True when `n` is a count that may not be read: 1 … k−1.

    Examples
    --------
    >>> [is_small(n, 3) for n in (0, 1, 2, 3)]
    [False, True, True, False]
    """
    return 0 < int(n) < int(k)


def gap_ok(a: int, b: int, k: int) -> bool:
    """True when the difference of two shown counts reveals nothing: it is 0 or at least k.

    Examples
    --------
    >>> gap_ok(6, 4, 3), gap_ok(7, 4, 3), gap_ok(4, 4, 3)
    (False, True, True)
    """
    return not is_small(abs(int(a) - int(b)), k)


def below_text(k: int) -> str:
    """What a count of 1 … k−1 shows: ``少于k起``."""
    return f"少于{int(k)}起"


def at_least_text(k: int) -> str:
    """What a count of at least k hidden by secondary suppression shows: ``k起及以上``.

    Chinese legal usage counts the number itself in ``以上`` (民法典第一千二百五十九条), but
    ``及以上`` leaves no doubt.
    """
    return f"{int(k)}起及以上"


def count_text(n: int, k: int, *, hidden: bool = False) -> str:
    """A count as a release shows it.

    Parameters
    ----------
    n
        The count (cases).
    k
        Smallest count that may be shown (1: every count shows).
    hidden
        Hidden by secondary suppression (only counts of at least *k* are; 0 stays 0).

    Returns
    -------
    str
        ``"0"``, the number, ``少于k起`` (1 … k−1) or ``k起及以上`` (hidden).

    Examples
    --------
    >>> [count_text(n, 3) for n in (0, 2, 5)], count_text(5, 3, hidden=True)
    (['0', '少于3起', '5'], '3起及以上')
    """
    n = int(n)
    if is_small(n, k):
        return below_text(k)
    if hidden and n > 0:
        return at_least_text(k)
    return str(n)


def peak_shown(peak_n: float | None, k: int) -> bool:
    """Whether a statement about a group of cases (a peak window) may be shown.

    A statement such as ``工作日 07:00–08:30`` describes the cases in the window; it is shown
    only when the window holds at least *k* cases (missing counts: not shown unless k ≤ 1).

    Examples
    --------
    >>> peak_shown(2, 3), peak_shown(3, 3), peak_shown(None, 3), peak_shown(None, 1)
    (False, True, False, True)
    """
    if k <= 1:
        return True
    if peak_n is None:
        return False
    value = float(peak_n)
    return bool(np.isfinite(value) and value >= k)


def parts_shown(
    total: int,
    parts: Sequence[int],
    k: int,
    *,
    eligible: Sequence[bool] | None = None,
) -> list[bool]:
    """Which disjoint parts of a shown total may be shown (relation a).

    Parameters
    ----------
    total
        The total, shown in the same release (or treated so, to be safe).
    parts
        Disjoint parts of the total, in order of preference; whatever they leave out (cases
        of no part, e.g. those without a time) is an unshown remainder.
    k
        Smallest count that may be shown.
    eligible
        Parts that may be shown at all (default: every part); a part that is not eligible
        counts as hidden.

    Returns
    -------
    list of bool
        One flag per part.

    Raises
    ------
    ValueError
        If a part is negative or the parts add up to more than the total.

    Notes
    -----
    A part is shown when it is 0 or at least *k* (primary suppression) and what stays hidden,
    ``total − Σ shown parts``, is 0 or at least *k*. When the hidden rest is 1 … k−1, the
    smallest positive shown part is hidden too (among equal parts the last one listed); the
    rest then grows by at least *k*, so one step always suffices. A zero part never changes
    the rest and always shows.

    Examples
    --------
    >>> parts_shown(6, [0, 0, 4, 0], 3)  # 晚高峰 4 of 6 would leave 2 outside
    [True, True, False, True]
    >>> parts_shown(11, [9, 2], 3)  # recent 9, earlier 2 (hidden): the 9 would give it away
    [False, False]
    >>> parts_shown(14, [11, 3], 3)
    [True, True]
    >>> parts_shown(10, [4, 4, 1], 3)  # two equal parts: the last listed goes
    [True, False, False]
    """
    total = int(total)
    values = [int(p) for p in parts]
    if any(p < 0 for p in values):
        raise ArgumentError(f"parts must be counts >= 0, got {values}")
    if sum(values) > total:
        raise ArgumentError(f"parts {values} add up to more than the total {total}")
    allowed = [True] * len(values) if eligible is None else [bool(e) for e in eligible]
    if len(allowed) != len(values):
        raise ArgumentError("eligible must have one flag per part")
    shown = [a and not is_small(p, k) for p, a in zip(values, allowed, strict=True)]
    rest = total - sum(p for p, s in zip(values, shown, strict=True) if s)
    if is_small(rest, k):
        positive = [i for i, (p, s) in enumerate(zip(values, shown, strict=True)) if s and p > 0]
        if positive:
            # smallest first; among equal parts the last listed
            drop = min(positive, key=lambda i: (values[i], -i))
            shown[drop] = False
    return shown


def _subset_sums(counts: Sequence[int]) -> int:
    """Every sum of a sub-collection of `counts`, as the set bits of an integer."""
    sums = 1  # the empty sum, 0
    for c in counts:
        sums |= sums << int(c)
    return sums


def sum_shown(total: int, unit_counts: Sequence[int], k: int) -> bool:
    """Whether a sum over units may be shown beside the units' own counts (relation b).

    Parameters
    ----------
    total
        The sum, e.g. a sign's covered cases (``n_covered``): cases on the units it covers,
        all of an intersection's and possibly only part of a segment's.
    unit_counts
        The counts of the units it covers, as every unit is shown in the same release (those
        of 1 … k−1 show as ``少于k起`` and are not readable).
    k
        Smallest count that may be shown.

    Returns
    -------
    bool
        False when the total is 1 … k−1, when it differs by 1 … k−1 from any sum of the
        readable unit counts (each alone, all of them, or any combination), or when it pins
        the ``少于k起`` units: with *h* of them, each 1 … k−1, a rest ``total − Σ readable``
        of exactly *h* makes each 1, and of exactly ``h·(k−1)`` makes each k−1.

    Notes
    -----
    Coverage is partial on a segment that the sign's reach covers only in part, so the
    total is not always the sum of the units' counts. With full coverage, ``total − Σ
    readable`` is the count of the ``少于k起`` units; with partial coverage, ``total −``
    (the fully covered units) is the count of the covered part of the others. A reader can
    tell which units are fully covered (intersections always are, and the reach is
    published), so every combination is checked (a subset-sum bitset, linear in the total).
    The bounds 1 … k−1 of the ``少于k起`` units are the reader's too: two such units under
    a sign that covers 4 cases at k = 3 can only hold 2 each.

    Examples
    --------
    >>> sum_shown(4, [3, 1], 3)  # 4 covered, one unit shows 3: the 少于3起 one has 1
    False
    >>> sum_shown(7, [5, 2], 3)  # 7 − 5 = 2
    False
    >>> sum_shown(8, [5, 3], 3), sum_shown(0, [], 3)
    (True, True)
    >>> sum_shown(4, [2, 2], 3), sum_shown(3, [2, 1], 3)  # 4 = 2 + 2: each is pinned
    (False, True)
    """
    total = int(total)
    if is_small(total, k):
        return False
    readable = [int(c) for c in unit_counts if not is_small(int(c), k) and int(c) > 0]
    hidden = sum(1 for c in unit_counts if is_small(int(c), k))
    rest = total - sum(readable)
    if hidden and rest in (hidden, hidden * (int(k) - 1)):
        return False
    sums = _subset_sums(readable)
    for d in range(1, int(k)):
        for s in (total - d, total + d):
            if s >= 0 and (sums >> s) & 1:
                return False
    return True


def nested_shown(
    totals: Sequence[int],
    members: Sequence[frozenset[str]],
    shown: Sequence[bool],
    k: int,
) -> list[bool]:
    """Sums over nested sets of units, shown together (relation b between two sums).

    Two signs whose covered units are the same, or one's a subset of the other's, show two
    sums whose difference is a count of cases (those of the larger set's other units, or
    its other part of a shared segment). Going down the list, a sum is hidden when its
    difference with an earlier shown sum over a nested set is 1 … k−1.

    Parameters
    ----------
    totals
        The sums, in list order (a site earlier in the list keeps its number).
    members
        The units each sum covers.
    shown
        Which sums pass the other rules (hidden ones are never compared).
    k
        Smallest count that may be shown.

    Returns
    -------
    list of bool
        `shown` with the sums that conflict with an earlier one turned off.

    Examples
    --------
    >>> a, b = frozenset({"I:甲|乙"}), frozenset({"I:甲|乙", "S:x:1:000000"})
    >>> nested_shown([5, 6, 9], [a, b, b], [True, True, True], 3)
    [True, False, True]
    """
    out = [bool(s) for s in shown]
    kept: list[int] = []
    for i, (n, units) in enumerate(zip(totals, members, strict=True)):
        if not out[i]:
            continue
        for j in kept:
            other = members[j]
            nested = (units <= other or other <= units) and bool(units or other)
            if nested and not gap_ok(n, totals[j], k):
                out[i] = False
                break
        if out[i]:
            kept.append(i)
    return out


def overlap_shown(union: int, a: int, b: int, k: int) -> tuple[bool, bool]:
    """Which of two overlapping sets' sizes may be shown beside their union (relation c).

    Parameters
    ----------
    union
        ``|A ∪ B|``, shown (e.g. a campaign site's ``n_covered``).
    a, b
        ``|A|`` and ``|B|`` in order of preference (e.g. the cases by accident place, shown
        in the site's words, then those by workplace).
    k
        Smallest count that may be shown.

    Returns
    -------
    tuple of bool
        (show a, show b): both when every atom they determine — ``|A∖B| = union − b``,
        ``|B∖A| = union − a``, ``|A∩B| = a + b − union`` — and both sizes are 0 or at
        least *k*; else `a` alone when ``union − a`` (and `a`) pass; else `b` alone; else
        neither.

    Examples
    --------
    >>> overlap_shown(24, 1, 23, 3)  # 23 by workplace, 24 in all: 1 by accident place only
    (False, False)
    >>> overlap_shown(33, 4, 33, 3)
    (True, True)
    >>> overlap_shown(25, 5, 24, 3)  # both: the overlap 4 is fine, but 25 − 24 = 1
    (True, False)
    """
    union, a, b = int(union), int(a), int(b)
    if a > union or b > union or a + b < union:
        raise ArgumentError(f"inconsistent sizes: |A ∪ B| = {union}, |A| = {a}, |B| = {b}")

    def ok(*values: int) -> bool:
        return not any(is_small(v, k) for v in values)

    if ok(a, b, union - a, union - b, a + b - union):
        return True, True
    if ok(a, union - a):
        return True, False
    if ok(b, union - b):
        return False, True
    return False, False


def disclosure_note(k: int, release: str = "police") -> str:
    """The 说明 sheet's words on small counts at a release level (empty at ``internal``).

    Examples
    --------
    >>> disclosure_note(1, "internal")
    ''
    >>> "少于3起" in disclosure_note(3)
    True
    """
    if k <= 1:
        return ""
    text = (
        f"少于{k}起的数字显示为“少于{k}起”；两个数字之差（如总数与其中一部分、标志覆盖数与"
        f"路段事故数）会暴露少于{k}起的数字时，其中一个显示为“{k}起及以上”或不显示；"
        f"不足{k}起案件的高峰时段、情形不显示"
    )
    if release == "public":
        return text + "；不列出企业"
    return text + f"；事故少于{k}起的企业不列入重点企业表"
