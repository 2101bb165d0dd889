"""Match place names as written (typos, variants, codes) to the names of an area.

The name table (:func:`build_name_table`) lists every spelling the geocoder accepts,
one row per (key, target): the real names, their variants, road codes, admin aliases,
POI names and user aliases. :class:`NameMatcher` looks a text up in stages and stops at
the first stage that finds something:

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
import csv
import io
import math
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .._errors import FileFormatError, InputFileNotFoundError, SchemaError
from .._names import (
    name_key,
    parse_ref,
    pinyin_keys,
    ref_variants,
    road_parts,
    road_variants,
    suffix_class,
)
from ..privacy import redact_shapes
from ._parse_rules import _LANDMARK

__all__ = [
    "HOW_RANK",
    "KINDS",
    "NAME_COLUMNS",
    "POI_PREFIXES",
    "SOURCES",
    "Candidate",
    "NameMatcher",
    "build_name_table",
    "read_user_aliases",
]

#: Kinds of target a name can point to.
KINDS: tuple[str, ...] = ("road", "admin", "poi")
#: Where a row of the name table comes from.
SOURCES: tuple[str, ...] = ("name", "variant", "ref", "zone", "user", "osm_alt", "short", "alias")
#: Columns of the name table, in order.
NAME_COLUMNS: tuple[str, ...] = ("key", "name", "kind", "target", "source", "certain")
#: Tie-break between candidates of equal score (lower first).
HOW_RANK: dict[str, int] = {"exact": 0, "ref": 1, "alias": 2, "pinyin": 3, "fuzzy": 4}
#: Prefixes dropped from POI names to make a short alias (常德市第一中学 → 第一中学).
POI_PREFIXES: tuple[str, ...] = ("湖南省", "常德市", "常德")

_ALIAS_SCORE = 0.95
_UNCERTAIN_ALIAS_SCORE = 0.85
_PINYIN_SCORE = 0.85
_FUZZY_SCALE = 0.9
_UNCERTAIN_FACTOR = 0.9
_LENGTH_WINDOW = 2
_MEMO_SIZE = 50_000  # names remembered by a matcher (the same road is asked for often)
_SOURCE_PRIORITY = {
    s: i
    for i, s in enumerate(("name", "user", "ref", "zone", "alias", "osm_alt", "variant", "short"))
}


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
        The name table (:func:`build_name_table`): columns ``key`` (the
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
    >>> t = build_name_table(["朗州路", "洞庭大道", "皂果路"], None, None, None, None)
    >>> m = NameMatcher(t)
    >>> [(c.name, c.how) for c in m.match("郎州路", "road")]
    [('朗州路', 'pinyin')]
    >>> m.match("洞庭路", "road")[0].certain
    False
    """

    def __init__(self, names: pd.DataFrame, *, fuzzy_cutoff: float = 0.8) -> None:
        missing = [c for c in NAME_COLUMNS if c not in names.columns]
        if missing:
            raise SchemaError(
                f"name table: missing column(s) {missing}; expected {list(NAME_COLUMNS)}"
            )
        bad_kinds = sorted(set(names["kind"].astype(str)) - set(KINDS))
        if bad_kinds:
            raise SchemaError(f"name table: unknown kind(s) {bad_kinds}; expected {list(KINDS)}")
        if not 0.0 < fuzzy_cutoff <= 1.0:
            raise ValueError(f"fuzzy_cutoff must be in (0, 1], got {fuzzy_cutoff!r}")
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
            raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
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
# building the name table


def _require(frame: pd.DataFrame | None, what: str, columns: Sequence[str]) -> None:
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what}: missing column(s) {missing}; found {[str(c) for c in frame.columns]}"
        )


def _clean(s: object) -> str:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return ""
    return unicodedata.normalize("NFKC", str(s)).strip()


def _area_prefixes(admin_aliases: pd.DataFrame | None) -> tuple[str, ...]:
    """Names and aliases of the area's city and counties (levels 2–3), longest first.

    A POI named with one in front (河湾市第一人民医院, 河湾人民医院) is also known without it,
    when what is left names a place by itself (第一人民医院, 人民医院; not 小区).
    """
    if admin_aliases is None or not len(admin_aliases) or "level" not in admin_aliases:
        return ()
    level = pd.to_numeric(admin_aliases["level"], errors="coerce")
    names = {_clean(a) for a in admin_aliases.loc[level <= 3, "alias"]}
    return tuple(sorted((n for n in names if len(n) >= 2), key=lambda n: (-len(n), n)))


def _strip_prefixes(name: str, prefixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if name.startswith(p) and len(name) > len(p):
                name = name[len(p) :]
                changed = True
    return name


def build_name_table(
    roads: Iterable[str],
    refs: Mapping[str, Collection[str]] | None = None,
    admin_aliases: pd.DataFrame | None = None,
    pois: pd.DataFrame | None = None,
    user_aliases: pd.DataFrame | None = None,
    *,
    poi_prefixes: Sequence[str] = POI_PREFIXES,
) -> pd.DataFrame:
    """Build the name table an area's :class:`NameMatcher` looks names up in.

    Rows, by ``source``:

    ``name``
        Each real road name (``target`` = the name), each admin official name, each POI
        name.
    ``variant``, ``short``
        :func:`~trafficprev._names.road_variants` of each road (``short`` for a bare base
        such as 桃花源). A variant whose key is the key of a real road name is dropped (the
        real road wins); a ``short`` one that is also an admin or POI spelling is dropped;
        a variant produced by two roads is kept for both, marked uncertain.
    ``ref``
        Every written form (:func:`~trafficprev._names.ref_variants`) of each code in
        `refs`, pointing to each named road that carries it, or to the code itself
        (``name`` = ``target`` = code) for roads known only by their code.
    ``zone``, ``short``, ``alias``
        Admin aliases, from the ``how`` column of `admin_aliases`.
    ``short``
        A POI name without a generic prefix in `poi_prefixes` (常德市第一中学 → 第一中学), or
        without the name or alias of the area's city or a county (levels 2–3 of
        `admin_aliases`) when the rest names a place by itself (河湾人民医院 → 人民医院, but
        和平小区 keeps 和平: 和平 is a township and 小区 no name); uncertain when two POIs share
        it, dropped when it is another POI's name.
    ``user``
        User aliases (always certain).

    Parameters
    ----------
    roads
        Real road names (the targets of kind ``road``).
    refs
        Road code (``G319``, ``319国道``, ``G319;S224`` …) → names of the roads carrying it;
        a name not in `roads` stands for an unnamed road.
    admin_aliases
        Columns ``alias``, ``code``, ``certain``, ``how`` (as produced by
        ``trafficprev.area._admin.admin_aliases``); ``target`` = code. The canonical name
        is the alias with ``how == "name"`` (else the first alias of the code).
    pois
        Columns ``poi_id``, ``name``.
    user_aliases
        Columns ``alias``, ``target``, ``kind`` (:func:`read_user_aliases`). ``target`` is
        a target id or a canonical name of that kind.
    poi_prefixes
        Prefixes removed from POI names for the ``short`` rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``name``, ``kind``, ``target``, ``source``, ``certain``; one row per
        (kind, key, target), sorted by kind, key and target.

    Raises
    ------
    SchemaError
        If an input lacks columns, or user aliases point to targets that do not exist
        or are ambiguous (all of them listed).

    Examples
    --------
    >>> t = build_name_table(["人民东路", "人民路"], {"G319": ["人民路"]}, None, None, None)
    >>> t.loc[t["key"] == "人民路东段", ["target", "source", "certain"]].values.tolist()
    [['人民东路', 'variant', True]]
    >>> t.loc[t["key"] == "319国道", ["target", "source"]].values.tolist()
    [['人民路', 'ref']]
    """
    _require(admin_aliases, "admin aliases", ("alias", "code", "certain", "how"))
    _require(pois, "POIs", ("poi_id", "name"))
    _require(user_aliases, "user aliases", ("alias", "target", "kind"))

    rows: list[tuple[str, str, str, str, str, bool]] = []
    road_names = list(dict.fromkeys(n for n in (_clean(r) for r in roads) if n))
    road_of_key = {}
    for n in road_names:
        road_of_key.setdefault(name_key(n), n)
    road_keys = set(road_of_key)
    for n in road_names:
        rows.append((name_key(n), n, "road", n, "name", True))

    # road codes
    for raw, carriers in (refs or {}).items():
        codes = parse_ref(raw) or ((name_key(raw),) if name_key(raw) else ())
        for code in codes:
            for carrier in sorted({_clean(c) for c in carriers}) or [""]:
                target = road_of_key.get(name_key(carrier), code) if carrier else code
                for form in ref_variants(code):
                    rows.append((name_key(form), target, "road", target, "ref", True))

    # admin aliases
    other_keys: set[str] = set()
    if admin_aliases is not None and len(admin_aliases):
        al = admin_aliases.assign(
            alias=admin_aliases["alias"].map(_clean), code=admin_aliases["code"].map(_clean)
        )
        al = al[(al["alias"] != "") & (al["code"] != "")]
        first: dict[str, str] = {}
        official: dict[str, str] = {}
        for alias, code, how in zip(al["alias"], al["code"], al["how"].astype(str), strict=True):
            first.setdefault(code, alias)
            if how == "name":
                official.setdefault(code, alias)
        canon = {**first, **official}
        for alias, code, sure, how in zip(
            al["alias"],
            al["code"],
            al["certain"].astype(bool),
            al["how"].astype(str),
            strict=True,
        ):
            source = how if how in SOURCES else "alias"
            rows.append((name_key(alias), canon[code], "admin", code, source, bool(sure)))
            other_keys.add(name_key(alias))

    # POIs
    if pois is not None and len(pois):
        poi_rows: list[tuple[str, str, str, str, str, bool]] = []
        area_prefixes = _area_prefixes(admin_aliases)
        for pid, pname in zip(pois["poi_id"].map(_clean), pois["name"].map(_clean), strict=True):
            if not pid or not pname:
                continue
            poi_rows.append((name_key(pname), pname, "poi", pid, "name", True))
            short = _strip_prefixes(pname, poi_prefixes)
            if short != pname and len(name_key(short)) >= 2:
                poi_rows.append((name_key(short), pname, "poi", pid, "short", True))
            bare = _strip_prefixes(pname, area_prefixes)
            if bare not in (pname, short) and _LANDMARK.fullmatch(bare) and len(bare) >= 3:
                poi_rows.append((name_key(bare), pname, "poi", pid, "short", True))
        poi_names = {r[0] for r in poi_rows if r[4] == "name"}
        poi_rows = [r for r in poi_rows if r[4] == "name" or r[0] not in poi_names]
        rows += poi_rows
        other_keys |= {r[0] for r in poi_rows}

    # road variants
    for n in road_names:
        for v, sure in road_variants(n):
            k = name_key(v)
            if k in road_keys:
                continue
            source = "short" if v == road_parts(n)[0] else "variant"
            if source == "short" and k in other_keys:
                continue
            rows.append((k, n, "road", n, source, sure))

    table = pd.DataFrame(rows, columns=list(NAME_COLUMNS))
    if user_aliases is not None and len(user_aliases):
        table = pd.concat([table, _user_rows(user_aliases, table)], ignore_index=True)
    return _finish(table)


def _user_rows(user: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Resolve user aliases to targets; every unknown or ambiguous target is reported."""
    by_target = {
        (k, t): n for k, t, n in zip(table["kind"], table["target"], table["name"], strict=True)
    }
    by_key: dict[tuple[str, str, bool], set[str]] = {}
    for key, kind, target, source in zip(
        table["key"], table["kind"], table["target"], table["source"], strict=True
    ):
        by_key.setdefault((kind, key, source == "name"), set()).add(target)
    rows: list[tuple[str, str, str, str, str, bool]] = []
    problems: list[str] = []
    for i, (alias, target, kind) in enumerate(
        zip(
            user["alias"].map(_clean),
            user["target"].map(_clean),
            user["kind"].map(_clean),
            strict=True,
        ),
        start=1,
    ):
        if not alias:
            continue
        if kind not in KINDS:
            problems.append(f"row {i}: {alias} → {target}: unknown kind {kind!r}")
            continue
        if (kind, target) in by_target:
            found = {target}
        else:
            tk = name_key(target)
            found = by_key.get((kind, tk, True)) or by_key.get((kind, tk, False), set())
        if len(found) != 1:
            why = "not found" if not found else f"ambiguous ({', '.join(sorted(found))})"
            problems.append(f"row {i}: {alias} → {target} ({kind}): target {why}")
            continue
        (tid,) = found
        rows.append((name_key(alias), by_target[(kind, tid)], kind, tid, "user", True))
    if problems:
        raise SchemaError(
            f"user aliases: {len(problems)} alias(es) point to no single known target; "
            "fix the 标准名称 (target) column:\n  " + "\n  ".join(problems)
        )
    return pd.DataFrame(rows, columns=list(NAME_COLUMNS))


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (kind, key, target), from the best source.

    An uncertain generated variant gives way to a certain spelling of another target
    (建设路辅道 is 建设路's service road, not a variant of 建设大道); an alias left with
    several targets becomes uncertain.
    """
    table = table[table["key"] != ""].copy()
    table["_p"] = table["source"].map(_SOURCE_PRIORITY).fillna(len(_SOURCE_PRIORITY))
    table = table.sort_values(
        ["kind", "key", "target", "_p", "certain"], ascending=[True, True, True, True, False]
    ).drop_duplicates(["kind", "key", "target"])
    generated = table["source"].isin(["variant", "short"])
    has_certain = table.groupby(["kind", "key"])["certain"].transform("any").astype(bool)
    table = table[~(generated & ~table["certain"].astype(bool) & has_certain)].copy()
    alias = ~table["source"].isin(["name", "ref", "user"])
    shared = table.groupby(["kind", "key"])["target"].transform("size") > 1
    table.loc[alias & shared, "certain"] = False
    table["certain"] = table["certain"].astype(bool)
    return table.drop(columns="_p").reset_index(drop=True)[list(NAME_COLUMNS)]


# ---------------------------------------------------------------------------------------
# user alias files

_USER_HEADERS = {
    "别名": "alias",
    "alias": "alias",
    "标准名称": "target",
    "标准名": "target",
    "target": "target",
    "类型": "kind",
    "kind": "kind",
}
_USER_KINDS = {
    "道路": "road",
    "road": "road",
    "路": "road",
    "地点": "poi",
    "poi": "poi",
    "地标": "poi",
    "行政区": "admin",
    "admin": "admin",
    "行政区划": "admin",
}


def read_user_aliases(path: str | Path) -> pd.DataFrame:
    """Read a user alias file (CSV, UTF-8 with or without BOM, or GB18030).

    The header is ``别名,标准名称,类型`` or ``alias,target,kind``; 类型 is 道路/road,
    地点/poi or 行政区/admin. Blank rows are skipped.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        Columns ``alias``, ``target``, ``kind`` (``road``/``poi``/``admin``).

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    FileFormatError
        If it cannot be decoded.
    SchemaError
        If a column is missing or rows have an unknown 类型 (all listed).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileNotFoundError(f"{p}: alias file not found")
    data = p.read_bytes()
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise FileFormatError(f"{p}: cannot decode as UTF-8 or GB18030; save it as CSV UTF-8")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise SchemaError(f"{p}: empty alias file; expected the header 别名,标准名称,类型")
    header = [_USER_HEADERS.get(_clean(h).lower()) for h in rows[0]]
    missing = [c for c in ("alias", "target", "kind") if c not in header]
    if missing:
        raise SchemaError(
            f"{p}: missing column(s) {missing}; expected the header 别名,标准名称,类型 "
            f"(or alias,target,kind), found {rows[0]}"
        )
    col = {c: header.index(c) for c in ("alias", "target", "kind")}
    out: list[tuple[str, str, str]] = []
    bad: list[str] = []
    for line, r in enumerate(rows[1:], start=2):
        cells = {c: _clean(r[i]) if i < len(r) else "" for c, i in col.items()}
        kind = _USER_KINDS.get(cells["kind"].lower())
        if kind is None or not cells["alias"] or not cells["target"]:
            bad.append(f"row {line}: {r}")
            continue
        out.append((cells["alias"], cells["target"], kind))
    if bad:
        raise SchemaError(
            f"{p}: {len(bad)} row(s) lack an alias or target or have a 类型 other than "
            "道路/地点/行政区:\n  " + "\n  ".join(bad)
        )
    table = pd.DataFrame(out, columns=["alias", "target", "kind"])
    for col in ("alias", "target"):  # a phone or ID number in a name is never kept
        table[col] = redact_shapes(table[col])
    return table
