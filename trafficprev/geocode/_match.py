"""Match place names as written (typos, variants, codes) to the names of an area.

The area's name table (:func:`trafficprev.area.build_name_table`, built with the area) lists
every spelling the geocoder accepts, one row per (key, target): the real names, their
variants, road codes, admin aliases, POI names and user aliases. :class:`NameMatcher` looks
a text up in stages and stops at the first stage that finds something:

1. road code (the text is wholly a code such as 319国道; an unknown code matches nothing)
   and exact key, by dict lookup;
2. homophones: a spelling sharing a pinyin key (:func:`~trafficprev._names.pinyin_keys`,
   heteronyms of the text expanded) and at most one character in three different
   (郎州路 → 朗州路), for keys with at least two Chinese characters;
3. fuzzy: rapidfuzz ``ratio`` (at least `fuzzy_cutoff`) against names, user and admin
   aliases (not generated road variants) of the same kind, the same road suffix class
   (a 路 never fuzzy-matches a 大道) and a length within two characters. A service-road
   or segment text (健设路东段) is also compared through its main road's form.

Scores: exact name 1.0; alias, variant or code 0.95 (0.85 when uncertain); pinyin 0.85;
fuzzy ``ratio/100 × 0.9``. Pinyin and fuzzy scores are multiplied by 0.9 when the spelling
they hit is an uncertain alias.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .._errors import ArgumentError, SchemaError
from .._names import name_key, parse_ref, pinyin_keys, road_parts, suffix_class
from ..area import NAME_KINDS as KINDS
from ..area import NAME_TABLE_COLUMNS as NAME_COLUMNS
from ..area import Area
from ..schema import require_columns

__all__ = [
    "HOW_RANK",
    "KINDS",
    "NAME_COLUMNS",
    "Candidate",
    "NameMatcher",
    "area_matcher",
]

#: Tie-break between candidates of equal score (lower first).
HOW_RANK: dict[str, int] = {"exact": 0, "ref": 1, "alias": 2, "pinyin": 3, "fuzzy": 4}

_ALIAS_SCORE = 0.95
_UNCERTAIN_ALIAS_SCORE = 0.85
_PINYIN_SCORE = 0.85
_FUZZY_SCALE = 0.9
_UNCERTAIN_FACTOR = 0.9
_LENGTH_WINDOW = 2
_MEMO_SIZE = 50_000  # names remembered by a matcher (the same road is asked for often)


@dataclass(frozen=True)
class Candidate:
    """One target a text may name.

    Attributes
    ----------
    name
        Canonical name of the target (the road name for roads).
    target
        Target id: the road name for roads (the code for a code-only road), the division
        code for admin units, the POI id for POIs.
    kind
        ``"road"``, ``"admin"`` or ``"poi"``.
    score
        Match quality in [0, 1].
    how
        ``"exact"``, ``"alias"``, ``"ref"``, ``"pinyin"`` or ``"fuzzy"``.
    certain
        False when the spelling matched is an uncertain alias (洞庭路 for 洞庭大道).
    """

    name: str
    target: str
    kind: str
    score: float
    how: str
    certain: bool


def _sort_key(c: Candidate) -> tuple[float, int, str, str]:
    return (-c.score, HOW_RANK[c.how], c.name, c.target)


def _best_per_target(cands: Iterable[Candidate], limit: int | None) -> list[Candidate]:
    best: dict[tuple[str, str], Candidate] = {}
    for c in cands:
        k = (c.kind, c.target)
        old = best.get(k)
        if old is None or _sort_key(c) < _sort_key(old):
            best[k] = c
    out = sorted(best.values(), key=_sort_key)
    return out if limit is None else out[:limit]


def _cjk_count(s: str) -> int:
    return sum(1 for ch in s if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")


class NameMatcher:
    """Look names up in a name table: exact, alias, code, homophone and fuzzy matches.

    Parameters
    ----------
    names
        The name table (:func:`~trafficprev.area.build_name_table`): columns ``key`` (the
        :func:`~trafficprev._names.name_key` of the spelling), ``name`` (canonical name
        of the target), ``kind``, ``target``, ``source`` and ``certain``.
    fuzzy_cutoff
        Least rapidfuzz ratio (as a fraction, 0–1) of a fuzzy match. With 0.8 a
        five-character key may differ in one character; shorter keys only match by
        exact, alias or pinyin.

    Raises
    ------
    SchemaError
        If columns are missing or a kind is unknown.

    Notes
    -----
    Candidates are sorted by score (descending), then by ``how`` (exact, ref, alias,
    pinyin, fuzzy), then by name and target, so ties come out in the same order on every
    run. Only the best way of reaching each target is kept. A code (319国道) that is not
    in the table matches nothing: codes are never matched fuzzily.

    Examples
    --------
    >>> from trafficprev.area import build_name_table
    >>> t = build_name_table(["朗州路", "洞庭大道", "皂果路"], None, None, None, None)
    >>> m = NameMatcher(t)
    >>> [(c.name, c.how) for c in m.match("郎州路", "road")]
    [('朗州路', 'pinyin')]
    >>> m.match("洞庭路", "road")[0].certain
    False
    """

    def __init__(self, names: pd.DataFrame, *, fuzzy_cutoff: float = 0.8) -> None:
        require_columns(names, NAME_COLUMNS, what="name table")
        bad_kinds = sorted(set(names["kind"].astype(str)) - set(KINDS))
        if bad_kinds:
            raise SchemaError(f"name table: unknown kind(s) {bad_kinds}; expected {list(KINDS)}")
        if not 0.0 < fuzzy_cutoff <= 1.0:
            raise ArgumentError(f"fuzzy_cutoff must be in (0, 1], got {fuzzy_cutoff!r}")
        self.fuzzy_cutoff = float(fuzzy_cutoff)
        self._memo: dict[tuple[str, str, int], tuple[Candidate, ...]] = {}
        rows = list(
            zip(
                names["key"].astype(str),
                names["name"].astype(str),
                names["kind"].astype(str),
                names["target"].astype(str),
                names["source"].astype(str),
                names["certain"].astype(bool),
                strict=True,
            )
        )
        # exact stage: (kind, key) -> candidates, ready to return
        exact: dict[tuple[str, str], list[Candidate]] = {}
        # fallback stages look at spellings (key -> [(name, target, certain)]) by kind
        spellings: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
        # fuzzy matching compares with spellings that are not generated variants
        typed: set[tuple[str, str]] = set()
        for key, name, kind, target, source, certain in rows:
            if not key:
                continue
            if source == "name":
                how, score = "exact", 1.0
            else:
                how = "ref" if source == "ref" else "alias"
                score = _ALIAS_SCORE if certain else _UNCERTAIN_ALIAS_SCORE
            exact.setdefault((kind, key), []).append(
                Candidate(name, target, kind, score, how, bool(certain))
            )
            if source != "ref":
                spellings.setdefault((kind, key), []).append((name, target, bool(certain)))
                if source != "variant":
                    typed.add((kind, key))
        self._exact = {k: _best_per_target(v, None) for k, v in exact.items()}
        self._spellings = spellings
        pinyin: dict[tuple[str, str], list[str]] = {}
        fuzzy: dict[tuple[str, str], list[str]] = {}
        for kind, key in sorted(spellings):
            if _cjk_count(key) >= 2:
                for pk in pinyin_keys(key):
                    pinyin.setdefault((kind, pk), []).append(key)
            if (kind, key) in typed:
                cls = suffix_class(key) if kind == "road" else ""
                fuzzy.setdefault((kind, cls), []).append(key)
        self._pinyin = pinyin
        self._fuzzy: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
        for k, keys in fuzzy.items():
            keys.sort(key=lambda s: (len(s), s))
            self._fuzzy[k] = ([len(s) for s in keys], keys)
        self._windows: dict[tuple[str, str, int], list[str]] = {}

    def __len__(self) -> int:
        """Number of distinct (kind, key) spellings known."""
        return len(self._exact)

    def match(self, text: str, kind: str, *, limit: int = 5) -> list[Candidate]:
        """Targets of `kind` that `text` may name, best first.

        Parameters
        ----------
        text
            A name as written (a road, a code, an admin unit or a landmark).
        kind
            ``"road"``, ``"admin"`` or ``"poi"``.
        limit
            Most candidates returned.

        Returns
        -------
        list of Candidate
            Distinct targets, sorted by score, ``how`` rank, name and target; empty when
            nothing reaches the cut-offs.

        Raises
        ------
        ValueError
            If `kind` is unknown.
        """
        if kind not in KINDS:
            raise ArgumentError(f"kind must be one of {list(KINDS)}, got {kind!r}")
        memo = (text, kind, limit)
        if memo not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[memo] = tuple(self._match(text, kind, limit))
        return list(self._memo[memo])

    def _match(self, text: str, kind: str, limit: int) -> list[Candidate]:
        key = name_key(text)
        if not key:
            return []
        codes = parse_ref(key) if _may_be_code(key) else ()
        if codes:
            hits = [c for code in codes for c in self._exact.get((kind, code), ())]
            hits += self._exact.get((kind, key), [])
            return _best_per_target(hits, limit)
        found = self._exact.get((kind, key))
        if found:
            return found[:limit]
        found = self._by_pinyin(key, kind)
        if found:
            return _best_per_target(found, limit)
        return _best_per_target(self._by_fuzzy(key, kind), limit)

    def match_many(
        self, texts: Sequence[str], kind: str, *, limit: int = 5
    ) -> list[list[Candidate]]:
        """:meth:`match` for many texts; each distinct text is looked up once.

        Parameters
        ----------
        texts
            Names as written.
        kind
            ``"road"``, ``"admin"`` or ``"poi"``.
        limit
            Most candidates per text.

        Returns
        -------
        list of list of Candidate
            One list per text, in the order of `texts`.
        """
        cache: dict[str, list[Candidate]] = {}
        out: list[list[Candidate]] = []
        for t in texts:
            if t not in cache:
                cache[t] = self.match(t, kind, limit=limit)
            out.append(list(cache[t]))
        return out

    def _candidates_of(self, key: str, kind: str, how: str, score: float) -> list[Candidate]:
        return [
            Candidate(name, target, kind, score * (1.0 if ok else _UNCERTAIN_FACTOR), how, ok)
            for name, target, ok in self._spellings[(kind, key)]
        ]

    def _by_pinyin(self, key: str, kind: str) -> list[Candidate]:
        n = _cjk_count(key)
        if n < 2:
            return []
        max_edits = max(1, n // 3)
        seen: set[str] = set()
        out: list[Candidate] = []
        for pk in pinyin_keys(key, heteronyms=True):
            for other in self._pinyin.get((kind, pk), ()):
                if other in seen or other == key:
                    continue
                seen.add(other)
                if Levenshtein.distance(key, other, score_cutoff=max_edits) <= max_edits:
                    out += self._candidates_of(other, kind, "pinyin", _PINYIN_SCORE)
        return out

    def _window(self, kind: str, cls: str, length: int) -> list[str]:
        k = (kind, cls, length)
        win = self._windows.get(k)
        if win is None:
            lengths, keys = self._fuzzy.get((kind, cls), ([], []))
            lo = bisect.bisect_left(lengths, length - _LENGTH_WINDOW)
            hi = bisect.bisect_right(lengths, length + _LENGTH_WINDOW)
            win = self._windows[k] = keys[lo:hi]
        return win

    def _by_fuzzy(self, key: str, kind: str) -> list[Candidate]:
        forms = [key]
        if kind == "road":
            base, direction, suffix, qualifier = road_parts(key)
            if qualifier:  # compare 健设路东段 / 常德大到辅道 with the main road's name
                forms.append(f"{base}{direction}{suffix}")
        out: list[Candidate] = []
        for form in forms:
            cls = suffix_class(form) if kind == "road" else ""
            choices = self._window(kind, cls, len(form))
            if not choices:
                continue
            hits = process.extract(
                form,
                choices,
                scorer=fuzz.ratio,
                score_cutoff=self.fuzzy_cutoff * 100.0 - 1e-9,
                limit=None,
            )
            for other, ratio, _ in hits:
                score = round(ratio / 100.0, 6) * _FUZZY_SCALE
                out += self._candidates_of(other, kind, "fuzzy", score)
        return out


def _may_be_code(key: str) -> bool:
    return "高速" in key or any(ch.isdigit() for ch in key)


# ---------------------------------------------------------------------------------------
# one matcher per area

_MATCHERS: weakref.WeakKeyDictionary[Area, NameMatcher] = weakref.WeakKeyDictionary()


def area_matcher(area: Area) -> NameMatcher:
    """The name matcher over ``area.names``, built on first use and kept while `area` lives.

    Every :class:`~trafficprev.geocode.Resolver` of the same area shares it (and its memo of
    names already looked up).

    Parameters
    ----------
    area : Area
        The area whose name table (:attr:`~trafficprev.area.Area.names`) is looked up.

    Returns
    -------
    NameMatcher
        The same object on every call for the same area.
    """
    matcher = _MATCHERS.get(area)
    if matcher is None:
        matcher = _MATCHERS[area] = NameMatcher(area.names)
    return matcher
