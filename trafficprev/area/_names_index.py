"""The area's name index: every spelling of its roads, admin divisions and POIs.

The name table (:func:`build_name_table`) lists every spelling the geocoder accepts,
one row per (key, target): the real names, their variants, road codes, admin aliases,
POI names and user aliases (:func:`read_user_aliases`). It is built with the area and
stored in it (:attr:`~trafficprev.area.Area.names`); the geocoder's
:class:`~trafficprev.geocode.NameMatcher` looks texts up in it.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from .._errors import FileFormatError, InputFileNotFoundError, SchemaError
from .._names import LANDMARK, name_key, parse_ref, ref_variants, road_parts, road_variants
from ..privacy import redact_shapes
from ..schema import require_columns

__all__ = [
    "NAME_KINDS",
    "NAME_SOURCES",
    "NAME_TABLE_COLUMNS",
    "POI_PREFIXES",
    "build_name_table",
    "read_user_aliases",
]

#: Kinds of target a name can point to.
NAME_KINDS: tuple[str, ...] = ("road", "admin", "poi")
#: Where a row of the name table comes from.
NAME_SOURCES: tuple[str, ...] = (
    "name",
    "variant",
    "ref",
    "zone",
    "user",
    "osm_alt",
    "short",
    "alias",
)
#: Columns of the name table, in order.
NAME_TABLE_COLUMNS: tuple[str, ...] = ("key", "name", "kind", "target", "source", "certain")
#: Prefixes dropped from POI names to make a short alias (常德市第一中学 → 第一中学).
POI_PREFIXES: tuple[str, ...] = ("湖南省", "常德市", "常德")
_SOURCE_PRIORITY = {
    s: i
    for i, s in enumerate(("name", "user", "ref", "zone", "alias", "osm_alt", "variant", "short"))
}


def _require(frame: pd.DataFrame | None, what: str, columns: Sequence[str]) -> None:
    if frame is None:
        return
    require_columns(frame, columns, what=what)


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


#: A row of the name table: key, name, kind, target, source, certain.
_Row = tuple[str, str, str, str, str, bool]


def _ref_rows(refs: Mapping[str, Collection[str]], road_of_key: dict[str, str]) -> list[_Row]:
    """The ``ref`` rows: every written form of each road code, pointing to each named road
    that carries it, or to the code itself for a road known only by its code."""
    rows: list[_Row] = []
    for raw, carriers in refs.items():
        codes = parse_ref(raw) or ((name_key(raw),) if name_key(raw) else ())
        for code in codes:
            for carrier in sorted({_clean(c) for c in carriers}) or [""]:
                target = road_of_key.get(name_key(carrier), code) if carrier else code
                for form in ref_variants(code):
                    rows.append((name_key(form), target, "road", target, "ref", True))
    return rows


def _admin_rows(admin_aliases: pd.DataFrame | None) -> list[_Row]:
    """The admin rows: each alias pointing to its division code, named by the official name
    (the alias with ``how == "name"``, else the first alias of the code)."""
    rows: list[_Row] = []
    if admin_aliases is None or not len(admin_aliases):
        return rows
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
        source = how if how in NAME_SOURCES else "alias"
        rows.append((name_key(alias), canon[code], "admin", code, source, bool(sure)))
    return rows


def _poi_rows(
    pois: pd.DataFrame, area_prefixes: Sequence[str], poi_prefixes: Sequence[str]
) -> list[_Row]:
    """The POI rows: each name, and its short forms without a generic or an area prefix
    (a short form that is another POI's name is dropped)."""
    poi_rows: list[_Row] = []
    for pid, pname in zip(pois["poi_id"].map(_clean), pois["name"].map(_clean), strict=True):
        if not pid or not pname:
            continue
        poi_rows.append((name_key(pname), pname, "poi", pid, "name", True))
        short = _strip_prefixes(pname, poi_prefixes)
        if short != pname and len(name_key(short)) >= 2:
            poi_rows.append((name_key(short), pname, "poi", pid, "short", True))
        bare = _strip_prefixes(pname, area_prefixes)
        if bare not in (pname, short) and LANDMARK.fullmatch(bare) and len(bare) >= 3:
            poi_rows.append((name_key(bare), pname, "poi", pid, "short", True))
    poi_names = {r[0] for r in poi_rows if r[4] == "name"}
    return [r for r in poi_rows if r[4] == "name" or r[0] not in poi_names]


def _variant_rows(road_names: list[str], road_keys: set[str], other_keys: set[str]) -> list[_Row]:
    """The ``variant`` and ``short`` rows of each road, but none whose key is a real road's
    and no ``short`` one that is an admin or POI spelling (`other_keys`)."""
    rows: list[_Row] = []
    for n in road_names:
        for v, sure in road_variants(n):
            k = name_key(v)
            if k in road_keys:
                continue
            source = "short" if v == road_parts(n)[0] else "variant"
            if source == "short" and k in other_keys:
                continue
            rows.append((k, n, "road", n, source, sure))
    return rows


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
        :func:`~trafficprev.area.admin_aliases`); ``target`` = code. The canonical name
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

    road_names = list(dict.fromkeys(n for n in (_clean(r) for r in roads) if n))
    road_of_key: dict[str, str] = {}
    for n in road_names:
        road_of_key.setdefault(name_key(n), n)
    rows: list[_Row] = [(name_key(n), n, "road", n, "name", True) for n in road_names]
    rows += _ref_rows(refs or {}, road_of_key)
    admin_rows = _admin_rows(admin_aliases)
    rows += admin_rows
    other_keys = {r[0] for r in admin_rows}
    if pois is not None and len(pois):
        poi_rows = _poi_rows(pois, _area_prefixes(admin_aliases), poi_prefixes)
        rows += poi_rows
        other_keys |= {r[0] for r in poi_rows}
    rows += _variant_rows(road_names, set(road_of_key), other_keys)

    table = pd.DataFrame(rows, columns=list(NAME_TABLE_COLUMNS))
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
        if kind not in NAME_KINDS:
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
    return pd.DataFrame(rows, columns=list(NAME_TABLE_COLUMNS))


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
    return table.drop(columns="_p").reset_index(drop=True)[list(NAME_TABLE_COLUMNS)]


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
