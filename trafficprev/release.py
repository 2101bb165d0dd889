"""Release levels (发布级别): what a shared output may show to whom, and the functions that
apply it to site and enterprise tables.

The policy that governs ``sites.xlsx``, ``sites.gpkg``, the three maps and the report alike:

* ``internal`` (内部) — the centre's own staff: unit aggregates and, on request, case points
  with their decision numbers and dates (never names, ID numbers, phones or narratives);
  *k* = 1, nothing suppressed.
* ``police`` (警方, the default for anything shared) — unit aggregates only; no number of
  cases from 1 to ``k_police − 1`` (2) can be read, directly, from a statement or as the
  difference of two numbers shown (:mod:`trafficprev.disclosure`); no decision numbers,
  names, narratives or exact times.
* ``public`` (公开) — as police, with ``k_public`` (5), and no enterprise named (no 重点企业
  list, no enterprise in a campaign site's reach).

:data:`RELEASE_POLICY` says what each level may show; :func:`k_of` gives its threshold;
:func:`release_sites`, :func:`release_enterprises` and :func:`release_training` apply it to
the site, key-enterprise and training-target (培训对象) tables. The rules deciding *which*
numbers may be shown are in :mod:`trafficprev.disclosure`; ``docs/disclosure.md`` explains
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from . import disclosure
from ._errors import SettingsError
from .settings import Settings

__all__ = [
    "CIRCUMSTANCE_COLUMNS",
    "INTERNAL_SITE_COLUMNS",
    "RELEASE_LABELS",
    "RELEASE_LEVELS",
    "RELEASE_POLICY",
    "ReleasePolicy",
    "check_release",
    "circumstances_text",
    "k_of",
    "policy",
    "release_enterprises",
    "release_sites",
    "release_training",
    "split_unit_ids",
    "suppress_counts",
]

RELEASE_LEVELS: tuple[str, ...] = ("internal", "police", "public")
RELEASE_LABELS = {"internal": "内部", "police": "警方", "public": "公开"}


@dataclass(frozen=True)
class ReleasePolicy:
    """What one release level may show besides counts of at least its *k* (:func:`k_of`).

    Attributes
    ----------
    name
        ``internal``, ``police`` or ``public``.
    label
        Its name in Chinese (:data:`RELEASE_LABELS`), as the maps and the 说明 sheet show it.
    case_points
        The hotspot map may draw the cases as points (with their dates).
    decision_numbers
        Decision numbers (认定书编号) may appear (with the case points): the privacy scan
        does not look for them at this level.
    enterprises
        Enterprises may be named: the 重点企业 list and the enterprises a campaign site
        reaches.
    """

    name: str
    label: str
    case_points: bool
    decision_numbers: bool
    enterprises: bool


#: Every release level's policy, by name.
RELEASE_POLICY: dict[str, ReleasePolicy] = {
    "internal": ReleasePolicy("internal", RELEASE_LABELS["internal"], True, True, True),
    "police": ReleasePolicy("police", RELEASE_LABELS["police"], False, False, True),
    "public": ReleasePolicy("public", RELEASE_LABELS["public"], False, False, False),
}

#: Columns of :func:`~trafficprev.sites.choose_sign_sites` that hold the counts behind
#: ``circumstances``.
CIRCUMSTANCE_COLUMNS: tuple[str, ...] = ("main_pair", "main_pair_n", "main_direction",
                                         "main_direction_n")  # fmt: skip

#: Site columns no shared release carries (covered unit ids, rules, candidate id, the
#: enterprise tuples, the window count of the peak and the counts behind ``circumstances``).
INTERNAL_SITE_COLUMNS: tuple[str, ...] = (
    "unit_ids", "rules", "candidate", "top_enterprises", "peak_n", *CIRCUMSTANCE_COLUMNS,
)  # fmt: skip


def check_release(release: str) -> str:
    """Validate a release level name.

    Raises
    ------
    SettingsError
        If `release` is not one of :data:`RELEASE_LEVELS` (also a ``ValueError``).
    """
    if release not in RELEASE_LEVELS:
        raise SettingsError(f"release must be one of {RELEASE_LEVELS}, got {release!r}")
    return release


def policy(release: str) -> ReleasePolicy:
    """The policy of a release level (validated).

    Examples
    --------
    >>> policy("public").enterprises
    False
    >>> policy("internal").decision_numbers
    True
    """
    return RELEASE_POLICY[check_release(release)]


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


def split_unit_ids(joined: str, known: Iterable[str] | frozenset[str]) -> list[str] | None:
    """The unit ids of a ``|``-joined list, read against the ids that exist.

    An intersection's id holds ``|`` itself (``I:和平路|建设路#2``) and road names may too,
    so the list is split where the pieces are known ids.

    Parameters
    ----------
    joined
        E.g. a sign site's ``unit_ids``.
    known
        Every unit id of the network.

    Returns
    -------
    list of str or None
        The ids in order (the first reading that uses only known ids, shortest pieces
        first); None when no such reading exists.

    Examples
    --------
    >>> split_unit_ids("I:和平路|建设路#1|S:x:1:000000", {"I:和平路|建设路#1", "S:x:1:000000"})
    ['I:和平路|建设路#1', 'S:x:1:000000']
    >>> split_unit_ids("", set())
    []
    """
    if not isinstance(joined, str) or not joined:
        return []
    known = known if isinstance(known, (set, frozenset)) else frozenset(known)
    tokens = joined.split("|")

    @cache
    def read(i: int) -> tuple[str, ...] | None:
        if i == len(tokens):
            return ()
        for j in range(i + 1, len(tokens) + 1):
            piece = "|".join(tokens[i:j])
            if piece in known:
                rest = read(j)
                if rest is not None:
                    return (piece, *rest)
        return None

    found = read(0)
    return None if found is None else list(found)


def circumstances_text(
    n: int, main_pair: str, main_pair_n: int, main_direction: str, main_direction_n: int,
    k: int = 1,
) -> str:  # fmt: skip
    """The main circumstances of a site's `n` cases in a few words, e.g.
    ``电动自行车与小型汽车（5/11）；下班途中73%``.

    Parameters
    ----------
    n
        Cases covered.
    main_pair, main_pair_n, main_direction, main_direction_n
        The commonest mode × counterpart pair and commute direction with their counts
        (:data:`CIRCUMSTANCE_COLUMNS` of :func:`~trafficprev.sites.choose_sign_sites`).
    k
        Smallest count that may be shown (the release level's *k*).

    Returns
    -------
    str
        A part is left out when its count, or the count of the other cases it implies
        (``n`` minus it), is 1 … k-1; the direction only when it is 上班 or 下班.

    Examples
    --------
    >>> circumstances_text(8, "电动自行车与小型汽车", 5, "下班", 6)
    '电动自行车与小型汽车（5/8）；下班途中75%'
    >>> circumstances_text(8, "电动自行车与小型汽车", 5, "下班", 6, k=3)  # 6 of 8 leaves 2
    '电动自行车与小型汽车（5/8）'
    """

    def shown(count: int) -> bool:
        rest = n - count
        return count >= k and (rest == 0 or rest >= k)

    parts = []
    if main_pair and main_pair_n and shown(main_pair_n):
        parts.append(f"{main_pair}（{main_pair_n}/{n}）")
    if main_direction in ("上班", "下班") and shown(main_direction_n):
        parts.append(f"{main_direction}途中{round(100 * main_direction_n / n)}%")
    return "；".join(parts)


def _circumstances_words(
    n: int, main_pair: str, main_pair_n: int, main_direction: str, main_direction_n: int, k: int
) -> str:
    """The main circumstances without a number (for a site whose own count is hidden).

    A part shows only where its count would show (at least *k*, and the rest 0 or at least
    *k*); no count or share is written, since ``(a/b)`` would give the hidden b away.
    """

    def shown(count: int) -> bool:
        return count >= k and not disclosure.is_small(n - count, k)

    parts = []
    if main_pair and main_pair_n and shown(int(main_pair_n)):
        parts.append(f"{main_pair}最多")
    if main_direction in ("上班", "下班") and shown(int(main_direction_n)):
        parts.append(f"{main_direction}途中最多")
    return "；".join(parts)


def _cases_text(n: int, k: int, *, hidden: bool) -> str:
    """A count of cases in words: ``12起``, ``少于3起``, ``3起及以上``."""
    text = disclosure.count_text(n, k, hidden=hidden)
    return text if text.endswith("起") or text.endswith("以上") else f"{text}起"


def _reaches(
    top, n_enterprises: int, n_accident: str, radius: float, k: int, shown, *, names: bool
) -> str:
    """Whom a campaign site reaches, in words, with each enterprise count as decided.

    A key enterprise is starred only when its count is at least *k* (then it is on the
    released 重点企业 list, which leaves out enterprises with fewer cases).
    """
    if not n_enterprises:
        text = "范围内无登记企业"
    else:
        text = f"单位在{radius:g}米内的{int(n_enterprises)}家企业"
        if names and len(top):
            listed = "、".join(
                f"{'★' if key and n >= k else ''}{name}（{_cases_text(n, k, hidden=not ok)}）"
                for (name, n, key), ok in zip(top, shown, strict=True)
            )
            text += f"：{listed}"
    return text + f"；{n_accident}事故发生在{radius:g}米内"


def _campaign_counts(row, k: int, names: bool) -> tuple[bool, bool, list[bool]]:
    """(show n_accident, show n_workplace, show each listed enterprise count) of a site.

    The listed enterprises' counts are parts of the cases by workplace (relation a, that
    total treated as shown); a key enterprise's count is never shown (its total over the
    longer key window is in the 重点企业 sheet: the difference would be its earlier cases).
    When every enterprise in reach is listed with its count, the cases by workplace can be
    added up, so they count as shown in relation (c); if (c) forbids that, the smallest
    listed count is hidden too.
    """
    union, by_place, by_work = int(row.n_covered), int(row.n_accident), int(row.n_workplace)
    top = tuple(row.top_enterprises) if names else ()
    counts = [int(n) for _, n, _ in top]
    parts = (
        disclosure.parts_shown(by_work, counts, k, eligible=[not key for _, _, key in top])
        if counts and sum(counts) <= by_work
        else [False] * len(counts)
    )
    try:
        show_place, show_work = disclosure.overlap_shown(union, by_place, by_work, k)
    except ValueError:  # counts that do not fit together cannot be checked: hidden
        show_place, show_work = False, False
    summed = sum(n for n, s in zip(counts, parts, strict=True) if s)
    readable = len(top) == int(row.n_enterprises) and summed == by_work and by_work > 0
    if readable and not show_work:
        positive = [i for i, s in enumerate(parts) if s and counts[i] > 0]
        if positive:
            parts[min(positive, key=lambda i: (counts[i], -i))] = False
    return show_place, show_work, parts


def release_sites(
    sites: pd.DataFrame,
    release: str,
    settings: Settings | None = None,
    *,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sites as they may be shown at a release level.

    For ``police`` and ``public`` (:mod:`trafficprev.disclosure`):

    * ``n_covered`` below *k* becomes ``少于k起``, and the site loses its ``peak_hours`` and
      ``circumstances`` (with one or two cases they describe individual accidents);
    * a sign site's ``n_covered`` is hidden (``k起及以上``) when it differs by 1 … k−1 from
      any combination of the counts of the units it covers, as the same release shows them
      (`units`; without `units` it cannot be checked and is hidden), or from an earlier
      site's over the same or nested units (relations b);
    * a campaign site's cases by accident place (in ``reaches``) and by workplace are hidden
      when the atoms they determine with ``n_covered`` are 1 … k−1, and each listed
      enterprise's count obeys relation (a) within the cases by workplace (key enterprises'
      counts are written ``k起及以上``/``少于k起``: their totals are in the 重点企业 sheet);
      ``reaches`` names no enterprise at ``public``;
    * ``marginal_cases`` shows only where ``n_covered − marginal_cases`` is 0 or at least *k*;
    * ``circumstances`` is written again from its counts with every part whose count, or the
      count of the rest, is 1 … k−1 left out (withheld when the frame lacks those counts);
      where ``n_covered`` is hidden, without numbers (``电动自行车与小型汽车最多``);
    * ``peak_hours`` shows only where the frame says how many cases its window holds
      (``peak_n``) and that is at least *k*; never ``样本不足（n=…）``;
    * the internal columns (covered unit ids, rules, candidate id, the enterprise tuples, the
      counts behind ``circumstances``, ``peak_n``) are dropped.

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
    units
        The hotspot units (``unit_id``, ``n_cases``) whose counts the same release shows
        (the hotspot and sign maps): a sign's ``n_covered`` is checked against them.

    Returns
    -------
    pandas.DataFrame
        A copy; count columns as text (``"12"``, ``"少于3起"``, ``"3起及以上"``).
    """
    k = k_of(release, settings)
    out = sites.copy()
    if release == "internal" or out.empty:
        return out
    n = pd.to_numeric(out["n_covered"], errors="coerce").fillna(0).astype(int).to_numpy()
    small = np.array([disclosure.is_small(v, k) for v in n], dtype=bool)
    hidden = np.zeros(len(out), dtype=bool)  # secondary suppression of n_covered
    if "unit_ids" in out:
        hidden = _sign_totals_hidden(out, n, k, units)
    if all(c in out for c in ("top_enterprises", "n_workplace", "n_accident")):
        _release_campaign_counts(out, release, settings, k)
    if "circumstances" in out:
        _release_circumstances(out, n, hidden, k)
    if "peak_hours" in out:
        _release_peak_hours(out, k)
    for col in ("peak_hours", "circumstances"):
        if col in out:
            out[col] = out[col].where(~small, "")
    if "marginal_cases" in out:
        _release_marginal_cases(out, n, hidden, k)
    out["n_covered"] = [
        disclosure.count_text(v, k, hidden=bool(h)) for v, h in zip(n, hidden, strict=True)
    ]
    return out.drop(columns=[c for c in INTERNAL_SITE_COLUMNS if c in out])


def _release_campaign_counts(
    out: pd.DataFrame, release: str, settings: Settings | None, k: int
) -> None:
    """Release a campaign site's counts by place and workplace, and ``reaches``, in place.

    A count is hidden when the atoms it determines with ``n_covered`` are 1 … k−1
    (:func:`_campaign_counts`).

    Parameters
    ----------
    out
        The campaign sites (a copy being released) with ``top_enterprises``,
        ``n_workplace`` and ``n_accident``.
    release
        ``police`` or ``public`` (``public`` names no enterprise in ``reaches``).
    settings
        For ``campaign_radius_m`` (default settings when ``None``).
    k
        The small-count threshold.
    """
    names = policy(release).enterprises
    decided = [_campaign_counts(row, k, names) for row in out.itertuples(index=False)]
    radius = (settings or Settings()).campaign_radius_m
    if "reaches" in out:
        out["reaches"] = [
            _reaches(
                tuple(row.top_enterprises) if names else (),
                int(row.n_enterprises),
                _cases_text(row.n_accident, k, hidden=not place),
                radius,
                k,
                parts,
                names=names,
            )
            for row, (place, _, parts) in zip(out.itertuples(index=False), decided, strict=True)
        ]
    out["n_accident"] = [
        disclosure.count_text(v, k, hidden=not place)
        for v, (place, _, _) in zip(out["n_accident"], decided, strict=True)
    ]
    out["n_workplace"] = [
        disclosure.count_text(v, k, hidden=not work)
        for v, (_, work, _) in zip(out["n_workplace"], decided, strict=True)
    ]


def _release_circumstances(out: pd.DataFrame, n: np.ndarray, hidden: np.ndarray, k: int) -> None:
    """Write ``circumstances`` again from its counts, in place.

    A part whose count, or the count of the rest, is 1 … k−1 is left out; where the site's
    total is hidden the words carry no numbers. Without the counts (an older frame) the
    column is withheld.

    Parameters
    ----------
    out
        The sites (a copy being released) with ``circumstances``.
    n
        The sites' ``n_covered``.
    hidden
        Whether each site's ``n_covered`` is hidden (secondary suppression).
    k
        The small-count threshold.
    """
    if all(c in out for c in CIRCUMSTANCE_COLUMNS):
        # written again from its counts: a part whose count (or the rest) is below k goes
        rows = out[list(CIRCUMSTANCE_COLUMNS)].itertuples(index=False)
        out["circumstances"] = [
            _circumstances_words(int(total), *row, k=k)
            if hide
            else circumstances_text(int(total), *row, k=k)
            for total, hide, row in zip(n, hidden, rows, strict=True)
        ]
    else:
        out["circumstances"] = ""  # no counts to check them against (an older frame): withheld


def _release_peak_hours(out: pd.DataFrame, k: int) -> None:
    """Keep ``peak_hours`` only where its window holds at least *k* cases, in place.

    ``peak_n`` says how many cases the window holds (without it the column is withheld);
    ``样本不足（n=…）`` is never shown.

    Parameters
    ----------
    out
        The sites (a copy being released) with ``peak_hours``.
    k
        The small-count threshold.
    """
    if "peak_n" in out:
        keep = np.array([disclosure.peak_shown(v, k) for v in out["peak_n"]], dtype=bool)
    else:
        keep = np.zeros(len(out), dtype=bool)  # nothing says how many cases: withheld
    text = out["peak_hours"].fillna("").astype(str)
    keep &= ~text.str.contains("n=", regex=False).to_numpy()
    out["peak_hours"] = text.where(keep, "")


def _release_marginal_cases(out: pd.DataFrame, n: np.ndarray, hidden: np.ndarray, k: int) -> None:
    """Release ``marginal_cases``, in place.

    It shows only where ``n_covered`` is shown and ``n_covered − marginal_cases`` is 0 or at
    least *k*.

    Parameters
    ----------
    out
        The sites (a copy being released) with ``marginal_cases``.
    n
        The sites' ``n_covered``.
    hidden
        Whether each site's ``n_covered`` is hidden (secondary suppression).
    k
        The small-count threshold.
    """
    marginal = pd.to_numeric(out["marginal_cases"], errors="coerce").fillna(0).astype(int)
    out["marginal_cases"] = [
        disclosure.count_text(m, k, hidden=bool(h) or not disclosure.parts_shown(total, [m], k)[0])
        if m <= total
        else disclosure.count_text(m, k, hidden=True)
        for total, m, h in zip(n, marginal, hidden, strict=True)
    ]


def _sign_totals_hidden(
    sites: pd.DataFrame, n: np.ndarray, k: int, units: pd.DataFrame | None
) -> np.ndarray:
    """Which sign sites' ``n_covered`` secondary suppression hides (relations b)."""
    joined = sites["unit_ids"].fillna("").astype(str).tolist()
    if units is None:
        # the covered units' counts cannot be checked: every covering count is hidden
        return np.array([bool(j) and not disclosure.is_small(v, k) and v > 0
                         for j, v in zip(joined, n, strict=True)], dtype=bool)  # fmt: skip
    counts = pd.Series(
        pd.to_numeric(units["n_cases"], errors="coerce").fillna(0).astype(int).to_numpy(),
        index=units["unit_id"].astype(str).to_numpy(),
    )
    counts = counts[~counts.index.duplicated()]
    known = frozenset(counts.index)
    ok, members = [], []
    for text, total in zip(joined, n, strict=True):
        ids = split_unit_ids(text, known)
        if ids is None:  # units of another network: cannot be checked
            ok.append(False)
            members.append(frozenset())
            continue
        ok.append(disclosure.sum_shown(int(total), counts.loc[ids].tolist(), k))
        members.append(frozenset(ids))
    primary = [not disclosure.is_small(v, k) for v in n]
    shown = disclosure.nested_shown(
        [int(v) for v in n], members, [a and b for a, b in zip(ok, primary, strict=True)], k
    )
    return np.array(
        [p and not s and v > 0 for p, s, v in zip(primary, shown, n, strict=True)], dtype=bool
    )


def release_enterprises(
    key: pd.DataFrame,
    release: str,
    settings: Settings | None = None,
    *,
    reasons: Callable[[pd.DataFrame, int], pd.Series] | None = None,
) -> pd.DataFrame:
    """Key enterprises as they may be shown at a release level.

    For ``police`` and ``public``: an enterprise with 1 … k−1 cases is not listed at all (its
    rate beside its headcount, or the statement that it exceeds a control limit, would give
    its count away; domain.md §3.4: enterprise counts are shared only where they are at
    least *k*); it stays in the internal outputs. The others keep their counts and rates;
    ``reason`` is written again at the level's *k* by `reasons`, whose counts must obey
    :mod:`trafficprev.disclosure` (:func:`~trafficprev.groups.key_reasons` does: recent and
    earlier cases are parts of the total). ``internal`` returns the frame unchanged.

    Parameters
    ----------
    key
        :func:`~trafficprev.groups.key_enterprises` output.
    release
        ``internal``, ``police`` or ``public``.
    settings
        ``k_police`` / ``k_public``.
    reasons
        ``reasons(frame, k)`` writes the 列入原因 of every row of `frame` with counts
        suppressed at `k`: :func:`trafficprev.groups.key_reasons` (the enterprise wording
        lives with the enterprise analysis; :func:`trafficprev.maps.release_enterprises`
        passes it). Without it the ``reason`` column is withheld (empty): written at *k* = 1,
        it would show counts below *k*.

    Returns
    -------
    pandas.DataFrame
        A copy of the rows that may be listed, with `key`'s index labels (``attrs`` kept);
        select the key list with the returned frame's own ``key`` column.
    """
    k = k_of(release, settings)
    out = key.copy()
    if release == "internal" or out.empty:
        return out
    n = pd.to_numeric(out["n_cases"], errors="coerce").fillna(0)
    small = (n > 0) & (n < k)
    out = out.loc[~small.to_numpy()].copy()
    out.attrs = dict(key.attrs)  # the overall rate and the list length, for the reasons
    if "reason" in out:
        out["reason"] = "" if reasons is None else reasons(out, k).to_numpy()
    out["n_cases"] = suppress_counts(out["n_cases"], k).to_numpy()
    return out


def _pct(x: object) -> str:
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return "" if pd.isna(v) else f"{100 * float(v):.1f}%"


def _num(x: object, digits: int = 1) -> str:
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return "" if pd.isna(v) else f"{float(v):.{digits}f}"


def _training_enterprises(part: pd.DataFrame, k: int, names: bool) -> str:
    """The enterprises of one group in words at threshold `k` (names only when allowed)."""
    if part.empty:
        return ""
    n = pd.to_numeric(part["n"], errors="coerce").fillna(0).astype(int)
    listed = len(part) + int(pd.to_numeric(part["n_others"], errors="coerce").fillna(0).sum())
    big = n >= k
    if not names:
        if not big.any():
            return f"涉及{listed}家企业"
        return f"涉及{listed}家企业，其中{int(big.sum())}家各{k}起及以上（不公开单位名称）"
    words = [f"{name}（{c}起）" for name, c in zip(part.loc[big, "name"], n[big], strict=True)]
    others = listed - len(words)
    if others:
        words.append(f"另有{others}家企业" + (f"（各少于{k}起）" if k > 1 else ""))
    return "；".join(words)


def _training_places(part: pd.DataFrame, k: int) -> str:
    """Roads (corridors) then road units of one group with at least `k` cases, in words."""
    if part.empty:
        return ""
    n = pd.to_numeric(part["n"], errors="coerce").fillna(0).astype(int)
    kind = part["kind"] if "kind" in part else pd.Series("地点", index=part.index)
    words = []
    for what, label in (("道路", "沿线"), ("地点", "")):
        rows = (kind == what) & (n >= k)
        for place, c, hot in zip(
            part.loc[rows, "place"], n[rows], part.loc[rows, "hot"].astype(bool), strict=True
        ):
            mark = "，含热点" if hot and what == "道路" else ("，热点" if hot else "")
            words.append(f"{place}{label}（{c}起{mark}）")
    return "；".join(words)


def _training_row(
    g: pd.Series,
    enterprises: pd.DataFrame,
    places: pd.DataFrame,
    hours: pd.DataFrame,
    release: str,
    k: int,
) -> dict[str, object]:
    """One row of the 培训对象 sheet: group `g` and its plan in words at threshold `k`."""
    rank = int(g["rank"])
    ents = enterprises[enterprises["rank"] == rank] if len(enterprises) else enterprises
    where = places[places["rank"] == rank] if len(places) else places
    when = hours[hours["rank"] == rank] if len(hours) else hours
    peak = ""
    if len(when):
        peak = str(when["peak_text"].iloc[0] or "")
        share = when["peak_share"].iloc[0]
        if peak and release == "internal" and pd.notna(share):
            peak += f"（占{_pct(share)}）"
    lift = _num(g.get("lift"))
    lo, hi = _num(g.get("lift_low")), _num(g.get("lift_high"))
    if lift and lo and hi:
        lift += f"（{lo}–{hi}）"
    rl, rh = g.get("rank_low"), g.get("rank_high")
    names = policy(release).enterprises
    who = _training_enterprises(ents, k, names)
    where_text = _training_places(where, k)
    plan = f"培训对象：{g['group']}职工"
    if who and names:
        plan += "，重点在所列企业"
    if peak:
        plan += f"；提示时段：{peak}"
    if where_text:
        plan += "；现场宣传或提示地点：所列地点"
    return {
        "rank": rank,
        "group": str(g["group"]),
        "n": int(g["n"]),
        "share": _pct(g.get("share")),
        "expected_share": _pct(g.get("expected_share")),
        "lift": lift,
        "rank_interval": f"{int(rl)}–{int(rh)}" if pd.notna(rl) and pd.notna(rh) else "",
        "rate": _num(g.get("rate_per_1000"), 2),
        "enterprises": who,
        "hours": peak,
        "places": where_text,
        "plan": plan,
    }


def release_training(
    groups: pd.DataFrame,
    enterprises: pd.DataFrame,
    places: pd.DataFrame,
    hours: pd.DataFrame,
    release: str,
    settings: Settings | None = None,
    *,
    count: int | None = None,
) -> pd.DataFrame:
    """The target groups for training (培训对象) in words, as a release level may show them.

    One row per called-out group (the ``called_out`` rows of `groups`, at most `count`):
    the group, its cases, its share against the share its composition predicts, the lift
    with its interval (adjusted for the selection), the rank interval, the rate per 1,000
    insured where the register gives one, and whom, when and where to train.

    * ``internal``: every enterprise and place with its count.
    * ``police``: an enterprise or place is named only with at least ``k_police`` of the
      group's cases; the others are counted (另有N家企业（各少于k起）). The peak window is
      given without its share (the share of a small group could give a count away).
    * ``public``: groups with fewer than ``k_public`` cases are left out; no enterprise is
      named (only how many there are); places need ``k_public`` cases.

    Parameters
    ----------
    groups
        The ranked groups (:attr:`trafficprev.targets.TargetGroups.groups`).
    enterprises, places, hours
        The plan's tables (:attr:`~trafficprev.targets.TargetGroups.enterprises`, …), by the
        group's ``rank``.
    release
        ``internal``, ``police`` or ``public``.
    settings
        ``k_police`` / ``k_public`` (and ``group_count`` when `count` is None).
    count
        At most this many groups (default ``settings.group_count``).

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``group``, ``n``, ``share``, ``expected_share``, ``lift``,
        ``rank_interval``, ``rate``, ``enterprises``, ``hours``, ``places``, ``plan`` (text
        but ``rank`` and ``n``); empty when no group is called out.
    """
    settings = settings or Settings()
    k = k_of(release, settings)
    cols = ["rank", "group", "n", "share", "expected_share", "lift", "rank_interval", "rate"]
    cols += ["enterprises", "hours", "places", "plan"]
    if groups is None or groups.empty or "called_out" not in groups:
        return pd.DataFrame(columns=cols)
    chosen = groups[groups["called_out"].astype(bool)]
    chosen = chosen.head(settings.group_count if count is None else count)
    n_all = pd.to_numeric(chosen["n"], errors="coerce").fillna(0).astype(int)
    chosen = chosen[n_all >= k]
    rows = [_training_row(g, enterprises, places, hours, release, k) for _, g in chosen.iterrows()]
    return pd.DataFrame(rows, columns=cols)
