"""Administrative divisions: read a divisions file, build its alias table, walk its tree.

A divisions table has one row per unit, in the format of ``docs/design.md`` ("Admin
divisions file"): ``code``, ``parent_code``, ``level`` (2 prefecture, 3 county/district,
4 township/street, 5 village/社区), ``name``, optional ``lon``/``lat`` (WGS-84 centre) and
``aliases`` (``|``-separated). Four optional columns carry what the bundled Changde table
adds and what any file may give:

``kind``
    ``official`` (a unit of the code tables) or ``zone`` (a functional zone such as
    常德经济技术开发区: it has no code of its own and covers official townships). Only rows
    marked ``zone`` are zones; a level-3 row called …开发区 with children of its own (as in
    the demo city) is an ordinary official unit.
``members``
    For a zone, the ``|``-separated codes of the level-4 units it covers. A code followed by
    ``?`` is a membership the centre must confirm. Empty for official units.
``certain``
    ``False`` on a row that holds something to confirm (for a zone: at least one uncertain
    membership).
``source``
    Which table the row came from (filled with the file name when absent).

An alias in ``aliases`` may also end with ``?`` (an alias to confirm). Codes are text, never
numbers: leading zeros and 12-digit codes survive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import FileFormatError, NotFoundError, SchemaError
from .._tables import read_table
from ..privacy import redact_shapes
from ..schema import Column, TableSchema

__all__ = [
    "ADMIN_COLUMNS",
    "ZONE_COLUMNS",
    "admin_aliases",
    "admin_scope",
    "admin_scopes",
    "county_of",
    "kept_short_forms",
    "read_admin_divisions",
    "short_forms",
]

#: Where the bundled Changde divisions live inside the package.
_CHANGDE = Path(__file__).resolve().parent.parent / "datasets" / "changde" / "admin_divisions.csv"

ADMIN_COLUMNS = TableSchema(
    kind="admin_divisions",
    label="行政区划",
    columns=(
        Column("code", "区划代码", ("代码", "行政区划代码", "统计用区划代码", "adcode"), True),
        Column("parent_code", "上级代码", ("上级区划代码", "父级代码", "parent"), True),
        Column("level", "级别", ("层级", "行政级别", "区划级别"), True),
        Column("name", "名称", ("区划名称", "单位名称", "地名"), True),
        Column("lon", "经度", ("longitude", "lng", "x")),
        Column("lat", "纬度", ("latitude", "y")),
        Column("aliases", "别名", ("简称", "俗称", "alias")),
        Column("kind", "类型", ("单位类型",)),
        Column("members", "成员", ("下辖单位", "覆盖乡镇")),
        Column("certain", "确定", ("是否确定",)),
        Column("source", "来源", ("数据来源",)),
    ),
)

ZONE_COLUMNS = TableSchema(
    kind="admin_zones",
    label="功能区成员",
    columns=(
        Column("zone_code", "功能区代码", ("区代码",), True),
        Column("zone", "功能区", ("功能区名称",), True),
        Column("aliases", "别名", ("简称",)),
        Column("member_code", "成员代码", ("乡镇代码",), True),
        Column("member_county", "成员所属区县", ("所属区县",)),
        Column("member_name", "成员名称", ("乡镇名称",)),
        Column("certain", "确定", ("是否确定",)),
        Column("note", "备注", ("说明",)),
    ),
)

_KINDS = frozenset({"official", "zone"})
_TRUE = frozenset({"true", "1", "yes", "y", "是", "t", "确定"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "f", "待确认", "不确定"})
#: How an alias was found, best first (kept when one alias reaches one code twice).
_HOW_RANK = {"name": 0, "short": 1, "zone": 2, "alias": 3}
# names a clerk types: an ID number or phone in them is redacted before any index is built
_REDACTED = ("name", "aliases", "members")
_EXAMPLES = 5

# ----------------------------------------------------------------------------------------
# short forms
# ----------------------------------------------------------------------------------------

#: Level-3 names that are zones or parks: their suffix is part of the name, never cut.
_ZONE_SUFFIX = re.compile(r"(开发区|管理区|度假区|高新区|新区|园区|风景区|示范区|试验区|管理处)$")
_LEVEL2 = re.compile(r"^(.+?)(市|地区|盟)$")
_LEVEL3 = re.compile(r"^(.+?)(自治县|自治旗|林区|特区|县|区|市|旗)$")
_ETHNIC = (
    "回|维吾尔|土家|苗|瑶|侗|壮|蒙古|满|白|彝|藏|畲|布依|哈尼|傣|黎|傈僳|佤|拉祜|纳西|羌|仫佬|"
    "锡伯|仡佬|鄂温克|达斡尔|朝鲜|哈萨克|柯尔克孜|毛南|景颇|撒拉|布朗|塔吉克|普米|阿昌|鄂伦春|"
    "赫哲|门巴|珞巴|基诺|德昂|保安|裕固|独龙|塔塔尔|俄罗斯|乌孜别克|水|土|京|怒"
)
_ETHNIC_TOWNSHIP = re.compile(rf"^(.{{2,}}?)((?:(?:{_ETHNIC})族)+)(乡|镇)$")
_ETHNIC_COUNTY = re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC})族)*(自治县|自治旗)$")
_LEVEL4 = re.compile(r"^(.+?)(街道办事处|街道|镇|乡|苏木)$")
_COMMUNITY = re.compile(r"^(.+?)(社区居民委员会|社区居委会|居民委员会|居委会)$")
_VILLAGE = re.compile(r"^(.+?)(村民委员会|村委会)$")


def short_forms(name: str, level: int) -> list[str]:
    """Return the usual shorter spellings of one official unit's name.

    These are candidates only: :func:`admin_aliases` drops a short form that is one
    character long or that another unit also uses (see there).

    Parameters
    ----------
    name
        The official name.
    level
        2 prefecture, 3 county/district, 4 township/street, 5 village/社区.

    Returns
    -------
    list of str
        Short forms, longest first; empty when the name has no cuttable suffix.

    Examples
    --------
    >>> short_forms("武陵区", 3), short_forms("津市市", 3), short_forms("澧县", 3)
    (['武陵'], ['津市'], ['澧'])
    >>> short_forms("南坪街道", 4), short_forms("芦荻山乡", 4)
    (['南坪'], ['芦荻山'])
    >>> short_forms("许家桥回族维吾尔族乡", 4)
    ['许家桥乡', '许家桥']
    >>> short_forms("杨坪社区居委会", 5), short_forms("新北湖村委会", 5)
    (['杨坪社区'], ['新北湖村'])
    >>> short_forms("常德经济技术开发区", 3)
    []
    """
    name = unicodedata.normalize("NFKC", str(name)).strip()
    out: list[str] = []
    if level == 2:
        if (m := _LEVEL2.match(name)) and not _ZONE_SUFFIX.search(name):
            out.append(m.group(1))
    elif level == 3:
        m = _ETHNIC_COUNTY.match(name) or (
            None if _ZONE_SUFFIX.search(name) else _LEVEL3.match(name)
        )
        if m:
            out.append(m.group(1))
    elif level == 4:
        if m := _ETHNIC_TOWNSHIP.match(name):
            out += [m.group(1) + m.group(3), m.group(1)]
        elif m := _LEVEL4.match(name):
            if m.group(2) == "街道办事处":
                out.append(m.group(1) + "街道")
            out.append(m.group(1))
    elif level == 5:
        if m := _COMMUNITY.match(name):
            out.append(m.group(1) if m.group(1).endswith("社区") else m.group(1) + "社区")
        elif m := _VILLAGE.match(name):
            out.append(m.group(1) + "村")
    return [s for s in dict.fromkeys(out) if s and s != name]


def _split(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    parts = (unicodedata.normalize("NFKC", p).strip() for p in str(cell).split("|"))
    return [p for p in parts if p]


def _members(cell: object) -> list[tuple[str, bool]]:
    """``"a|b?"`` -> ``[("a", True), ("b", False)]`` (code, certain)."""
    return [(p.rstrip("?").strip(), not p.endswith("?")) for p in _split(cell)]


# ----------------------------------------------------------------------------------------
# reading and validation
# ----------------------------------------------------------------------------------------


def _bad(where: str, column: str, what: str, rows: pd.DataFrame, show: Iterable[str]) -> str:
    label = ADMIN_COLUMNS.label_of(column)
    cols = list(dict.fromkeys(["code", *show]))
    examples = []
    for _, r in rows.head(_EXAMPLES).iterrows():
        cells = ", ".join(f"{c} {r[c]!r}" for c in cols if c in r.index)
        examples.append(f"row {r['_row']} ({cells})")
    more = f" and {len(rows) - _EXAMPLES} more" if len(rows) > _EXAMPLES else ""
    return f"{where}: column {column} ({label}): {len(rows)} row(s) {what}, e.g. " + (
        "; ".join(examples) + more
    )


def _to_bool(values: pd.Series, where: str, problems: list[str], frame: pd.DataFrame) -> pd.Series:
    text = values.map(lambda v: "" if v is None else str(v).strip().lower())
    ok = text.isin(_TRUE | _FALSE) | (text == "")
    if not ok.all():
        problems.append(_bad(where, "certain", "not true/false", frame.loc[~ok], ["certain"]))
    return ~text.isin(_FALSE)


def _validate(frame: pd.DataFrame, where: str, source_name: str) -> pd.DataFrame:
    problems: list[str] = []
    df = frame.copy()
    for col in ("code", "parent_code", "name"):
        df[col] = df[col].map(lambda v: unicodedata.normalize("NFKC", str(v or "")).strip())
    blank = df["code"].eq("") | df["name"].eq("")
    if blank.any():
        problems.append(_bad(where, "code", "with a blank code or name", df.loc[blank], ["name"]))

    level = pd.to_numeric(df["level"].map(lambda v: str(v or "").strip()), errors="coerce")
    bad_level = ~level.isin([2, 3, 4, 5])
    if bad_level.any():
        problems.append(
            _bad(where, "level", "not one of 2, 3, 4, 5", df.loc[bad_level], ["name", "level"])
        )
    df["level"] = level.fillna(0).astype(int)

    dup = df["code"].duplicated(keep=False) & df["code"].ne("")
    if dup.any():
        problems.append(
            _bad(where, "code", "with a code used more than once", df.loc[dup], ["name"])
        )

    for col, lo, hi in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
        if col not in df.columns:
            df[col] = np.nan
            continue
        text = df[col].map(lambda v: "" if v is None else str(v).strip())
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = (text != "") & (num.isna() | (num < lo) | (num > hi))
        if bad.any():
            what = f"not a number in [{lo:g}, {hi:g}] (WGS-84 degrees) nor blank"
            problems.append(_bad(where, col, what, df.loc[bad], ["name", col]))
        df[col] = num.astype(float)
    half = df["lon"].isna() != df["lat"].isna()
    if half.any() and not problems:
        problems.append(
            _bad(where, "lat", "with only one of lon/lat", df.loc[half], ["name", "lon", "lat"])
        )

    for col, default in (("aliases", ""), ("members", ""), ("source", source_name)):
        if col not in df.columns:
            df[col] = default
        df[col] = df[col].map(lambda v: "" if v is None else str(v).strip())
    df.loc[df["source"] == "", "source"] = source_name
    if "kind" not in df.columns:
        df["kind"] = "official"
    df["kind"] = df["kind"].map(lambda v: str(v or "").strip().lower() or "official")
    bad_kind = ~df["kind"].isin(_KINDS)
    if bad_kind.any():
        problems.append(
            _bad(where, "kind", "not 'official' nor 'zone'", df.loc[bad_kind], ["name", "kind"])
        )
    df["certain"] = (
        _to_bool(df["certain"], where, problems, df) if "certain" in df.columns else True
    )

    if not problems:
        problems += _check_tree(df, where)
    if problems:
        raise SchemaError("\n".join(problems))
    return df


def _check_tree(df: pd.DataFrame, where: str) -> list[str]:
    problems: list[str] = []
    level_of = dict(zip(df["code"], df["level"], strict=True))
    top = df["level"].min()
    has_parent = df["parent_code"].isin(level_of)
    orphan = ~has_parent & (df["level"] > top)
    if orphan.any():
        problems.append(
            _bad(
                where,
                "parent_code",
                "whose parent_code is not a code in the file",
                df.loc[orphan],
                ["name", "level", "parent_code"],
            )
        )
    parent_level = df["parent_code"].map(level_of)
    upside = has_parent & (parent_level >= df["level"])
    if upside.any():
        problems.append(
            _bad(
                where,
                "level",
                "not below their parent's level",
                df.loc[upside],
                ["name", "level", "parent_code"],
            )
        )
    zone = df["kind"] == "zone"
    stray = ~zone & (df["members"] != "")
    if stray.any():
        problems.append(
            _bad(where, "members", "with members but kind not 'zone'", df.loc[stray], ["name"])
        )
    bad_members = zone & df["members"].map(
        lambda cell: not _members(cell) or any(level_of.get(c) != 4 for c, _ in _members(cell))
    )
    if bad_members.any():
        problems.append(
            _bad(
                where,
                "members",
                "of a zone that lists no level-4 code, or a code that is not a level-4 unit "
                "in the file",
                df.loc[bad_members],
                ["name", "members"],
            )
        )
    return problems


def _zone_rows(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Replace or add the zone rows of `frame` from a zones table (the zones.csv format)."""
    zones, _ = read_table(path, ZONE_COLUMNS)
    if "certain" not in zones.columns:
        zones["certain"] = ""
    if "aliases" not in zones.columns:
        zones["aliases"] = ""
    top = frame.loc[frame["level"].astype(str).str.strip() == "2", "code"]
    rows = []
    for code, group in zones.groupby("zone_code", sort=False):
        sure = ~group["certain"].astype(str).str.strip().str.lower().isin(_FALSE)
        members = [
            str(m).strip() + ("" if s else "?")
            for m, s in zip(group["member_code"], sure, strict=True)
        ]
        aliases = next((a for a in group["aliases"] if str(a).strip()), "")
        rows.append(
            {
                "code": str(code).strip(),
                "parent_code": top.iloc[0] if len(top) else "",
                "level": "3",
                "name": str(group["zone"].iloc[0]).strip(),
                "aliases": aliases,
                "kind": "zone",
                "members": "|".join(members),
                "certain": str(bool(sure.all())),
                "source": path.name,
                "_row": int(group["_row"].iloc[0]),
            }
        )
    new = pd.DataFrame(rows)
    for col in ("kind", "members", "certain", "source", "aliases"):
        if col not in frame.columns:
            frame[col] = ""
    kept = frame[~frame["code"].astype(str).str.strip().isin(new["code"])]
    return pd.concat([kept, new], ignore_index=True).fillna("")


def read_admin_divisions(source: str | Path, *, zones: str | Path | None = None) -> pd.DataFrame:
    """Read and check an admin-divisions table.

    Parameters
    ----------
    source
        ``"changde"`` for the bundled Changde table
        (``trafficprev/datasets/changde/admin_divisions.csv``, see its ``SOURCES.md``), or
        the path of a CSV (UTF-8 with or without BOM, or GB18030) or Excel file in the
        format of ``docs/design.md``. Headers may be English or Chinese (区划代码, 上级代码,
        级别, 名称, 经度, 纬度, 别名); a title row above the header is skipped.
    zones
        Optional zones table in the format of the bundled ``zones.csv`` (``zone_code``,
        ``zone``, ``aliases``, ``member_code``, ``certain``, ``note``; one row per
        membership). Its zones replace the zone rows with the same code (others are added,
        under the level-2 unit): this is how staff apply a corrected copy of ``zones.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``parent_code``, ``name``, ``aliases``, ``kind``,
        ``members``, ``source`` (text), ``level`` (int), ``lon``, ``lat`` (float, NaN when
        unknown), ``certain`` (bool), then any other columns of the file. Absent optional
        columns are filled: ``kind='official'``, ``members=''``, ``certain=True``,
        ``source`` = the file name. ID numbers, phone numbers, plates and decision numbers
        in ``name``, ``aliases`` and ``members`` are replaced by placeholders
        (:func:`trafficprev.privacy.redact_shapes`).

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    FileFormatError
        If it cannot be read.
    SchemaError
        If a required column is missing, or rows break the rules: a level outside 2–5, a
        code used twice, a parent code not in the file (allowed only on the top level), a
        parent not above its child, lon/lat out of range, a bad ``kind``/``members``/
        ``certain``. The message names the file, the column and example rows.

    Examples
    --------
    >>> cd = read_admin_divisions("changde")
    >>> cd.loc[cd["level"] == 3, "name"].head(3).tolist()
    ['武陵区', '鼎城区', '安乡县']
    """
    if isinstance(source, str) and source.strip().lower() == "changde":
        path = _CHANGDE
    else:
        path = Path(source)
    frame, _ = read_table(path, ADMIN_COLUMNS)
    if frame.empty:
        raise FileFormatError(f"{path}: the admin-divisions table has no rows")
    where = str(path)
    if zones is not None:
        frame = _zone_rows(Path(zones), frame)
        where = f"{path} with zones from {zones}"
    df = _validate(frame, where, path.name)
    for col in _REDACTED:  # an ID number or phone typed into a name goes here (by shape)
        df[col] = redact_shapes(df[col])
    internal = [c for c in df.columns if str(c).startswith("_")]
    first = ["code", "parent_code", "level", "name", "lon", "lat", "aliases"]
    first += ["kind", "members", "certain", "source"]
    rest = [c for c in df.columns if c not in first and c not in internal]
    return df[first + rest].reset_index(drop=True)


# ----------------------------------------------------------------------------------------
# the tree
# ----------------------------------------------------------------------------------------


def _parents(divisions: pd.DataFrame) -> tuple[dict[str, str], dict[str, int], dict[str, str]]:
    codes = divisions["code"].astype(str)
    parent = dict(zip(codes, divisions["parent_code"].astype(str), strict=True))
    level = dict(zip(codes, divisions["level"].astype(int), strict=True))
    kind_col = (
        divisions["kind"] if "kind" in divisions.columns else pd.Series("official", codes.index)
    )
    kind = dict(zip(codes, kind_col.astype(str), strict=True))
    return parent, level, kind


def _county(code: str, parent: Mapping[str, str], level: Mapping[str, int]) -> str | None:
    seen: set[str] = set()
    while code in level and code not in seen:
        if level[code] == 3:
            return code
        if level[code] < 3:
            return None
        seen.add(code)
        code = parent[code]
    return None


def county_of(codes: Iterable[str] | pd.Series, divisions: pd.DataFrame) -> pd.Series:
    """Return the level-3 ancestor (county/district, or the zone itself) of each code.

    Parameters
    ----------
    codes
        Division codes (text).
    divisions
        A table from :func:`read_admin_divisions`.

    Returns
    -------
    pandas.Series
        ``county_code`` per input code, aligned to `codes` when it is a Series; ``None``
        for a prefecture or a code not in `divisions`.

    Examples
    --------
    >>> cd = read_admin_divisions("changde")
    >>> county_of(["430702007000", "430700000000"], cd).tolist()
    ['430702000000', None]
    """
    parent, level, _ = _parents(divisions)
    values = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    cache: dict[str, str | None] = {}

    def one(code: object) -> str | None:
        key = str(code)
        if key not in cache:
            cache[key] = _county(key, parent, level)
        return cache[key]

    return pd.Series([one(c) for c in values], index=values.index, dtype=object, name="county_code")


def admin_scope(
    code: str, divisions: pd.DataFrame, *, certain_only: bool = False
) -> frozenset[str]:
    """Return the level-4 codes that make up the territory of one unit.

    Parameters
    ----------
    code
        A division code.
    divisions
        A table from :func:`read_admin_divisions`.
    certain_only
        For a zone, leave out memberships marked for confirmation (``code?``).

    Returns
    -------
    frozenset of str
        The unit itself for a township (level 4); its township for a village (level 5);
        the zone's ``members`` for a zone; every level-4 descendant for a county or a
        prefecture (empty when the file has no level-4 rows under it).

    Raises
    ------
    KeyError
        If `code` is not in `divisions`.

    Examples
    --------
    >>> cd = read_admin_divisions("changde")
    >>> zone = cd.loc[cd["name"] == "西洞庭管理区", "code"].item()
    >>> sorted(cd.set_index("code").loc[sorted(admin_scope(zone, cd)), "name"])
    ['祝丰镇', '金凤街道', '龙泉街道']
    """
    parent, level, kind = _parents(divisions)
    code = str(code)
    if code not in level:
        raise NotFoundError(f"division code {code!r} is not in the divisions table")
    if kind[code] == "zone":
        row = divisions.loc[divisions["code"].astype(str) == code].iloc[0]
        return frozenset(c for c, sure in _members(row["members"]) if sure or not certain_only)
    if level[code] == 4:
        return frozenset({code})
    if level[code] == 5:
        return frozenset({parent[code]}) if level.get(parent[code]) == 4 else frozenset()
    children: dict[str, list[str]] = {}
    for child, p in parent.items():
        if kind[child] != "zone":
            children.setdefault(p, []).append(child)
    out: set[str] = set()
    stack = [code]
    while stack:
        for child in children.get(stack.pop(), []):
            if level[child] == 4:
                out.add(child)
            elif level[child] < 4:
                stack.append(child)
    return frozenset(out)


def admin_scopes(
    divisions: pd.DataFrame, *, certain_only: bool = False
) -> dict[str, frozenset[str]]:
    """:func:`admin_scope` of every unit at once (one pass over the tree).

    Examples
    --------
    >>> cd = read_admin_divisions("changde")
    >>> scopes = admin_scopes(cd)
    >>> scopes["430702007000"] == admin_scope("430702007000", cd)
    True
    """
    parent, level, kind = _parents(divisions)
    members = (
        dict(zip(divisions["code"].astype(str), divisions["members"], strict=True))
        if "members" in divisions.columns
        else {}
    )
    children: dict[str, list[str]] = {}
    for child, p in parent.items():
        if kind[child] != "zone":
            children.setdefault(p, []).append(child)
    memo: dict[str, frozenset[str]] = {}

    def towns(code: str) -> frozenset[str]:
        if code not in memo:
            if level[code] == 4:
                memo[code] = frozenset({code})
            elif level[code] == 5:
                p = parent[code]
                memo[code] = frozenset({p}) if level.get(p) == 4 else frozenset()
            else:
                memo[code] = frozenset().union(
                    *(towns(c) for c in children.get(code, []) if level[c] <= 4)
                )
        return memo[code]

    out: dict[str, frozenset[str]] = {}
    for code in level:
        if kind[code] == "zone":
            out[code] = frozenset(
                c for c, sure in _members(members.get(code, "")) if sure or not certain_only
            )
        else:
            out[code] = towns(code)
    return out


# ----------------------------------------------------------------------------------------
# aliases
# ----------------------------------------------------------------------------------------


def kept_short_forms(divisions: pd.DataFrame) -> dict[str, list[str]]:
    """Short forms per code after the collision rules of :func:`admin_aliases`.

    Parameters
    ----------
    divisions : pandas.DataFrame
        Admin divisions (:func:`read_admin_divisions`).

    Returns
    -------
    dict of str to list of str
        Division code → the short forms (:func:`short_forms`) it keeps.
    """
    codes = divisions["code"].astype(str).tolist()
    names = [unicodedata.normalize("NFKC", str(n)).strip() for n in divisions["name"]]
    levels = divisions["level"].astype(int).tolist()
    kinds = (
        divisions["kind"].astype(str).tolist()
        if "kind" in divisions.columns
        else ["official"] * len(codes)
    )
    listed = (
        [[a.rstrip("?") for a in _split(v)] for v in divisions["aliases"]]
        if "aliases" in divisions.columns
        else [[] for _ in codes]
    )
    cands = [
        short_forms(n, lv) if k == "official" else []
        for n, lv, k in zip(names, levels, kinds, strict=True)
    ]
    # who else spells it: every name, listed alias and candidate, with the unit's level
    users: dict[str, set[tuple[str, int]]] = {}
    for code, name, lv, lst, cand in zip(codes, names, levels, listed, cands, strict=True):
        for s in {name, *lst, *cand}:
            users.setdefault(s, set()).add((code, lv))
    kept: dict[str, list[str]] = {}
    for code, lv, cand in zip(codes, levels, cands, strict=True):
        keep = []
        for s in cand:
            others = {(c, olv) for c, olv in users[s] if c != code}
            if len(s) < 2:
                continue
            # a village's normalised name may be shared with other villages (scope decides);
            # anything else that another unit also spells this way is left out
            if not others or (lv == 5 and all(olv == 5 for _, olv in others)):
                keep.append(s)
        kept[code] = keep
    return kept


def admin_aliases(divisions: pd.DataFrame) -> pd.DataFrame:
    """Build the alias table: every spelling that names a division, with its code.

    Rows come from four places (``how``):

    ``name``
        The official name of every row.
    ``short``
        Short forms from :func:`short_forms` (武陵区 → 武陵, 南坪街道 → 南坪, 杨坪社区居委会 →
        杨坪社区, …). A short form is left out when it is one character, or when another unit
        uses the same spelling as its name, listed alias or short form (e.g. 德山 for
        德山街道 and 西湖 for 西湖镇, because they are aliases of the 经开区 and 西湖管理区
        zones; a short form two townships share would name neither). Village short forms
        shared only by other villages are kept (two 新华村 in two towns): the geocoder
        picks by scope.
    ``alias``
        The ``aliases`` column of official rows (``short`` when it equals a short form).
    ``zone``
        The ``aliases`` column of zone rows.

    Parameters
    ----------
    divisions
        A table from :func:`read_admin_divisions`.

    Returns
    -------
    pandas.DataFrame
        Columns ``alias``, ``code``, ``level``, ``county_code`` (the level-3 ancestor, the
        zone's own code for a zone, ``None`` for the prefecture), ``certain`` (``False``
        for an alias listed with a trailing ``?`` or on an official row marked uncertain),
        ``how`` and ``ambiguous`` (the alias names more than one code). One row per
        (alias, code), sorted by alias then code.

    Examples
    --------
    >>> cd = read_admin_divisions("changde")
    >>> al = admin_aliases(cd)
    >>> al.loc[al["alias"] == "经开区", ["code", "how"]].values.tolist()
    [['430700Z01', 'zone']]
    >>> sorted(al.loc[al["alias"] == "桃源", "code"])
    ['430725000000']
    """
    kept = kept_short_forms(divisions)
    kinds = (
        divisions["kind"].astype(str)
        if "kind" in divisions.columns
        else pd.Series("official", divisions.index)
    )
    certain = (
        divisions["certain"].astype(bool)
        if "certain" in divisions.columns
        else pd.Series(True, divisions.index)
    )
    aliases = (
        divisions["aliases"] if "aliases" in divisions.columns else pd.Series("", divisions.index)
    )
    rows: list[tuple[str, str, int, bool, str]] = []
    for code, name, lv, kind, sure, cell in zip(
        divisions["code"].astype(str),
        divisions["name"],
        divisions["level"].astype(int),
        kinds,
        certain,
        aliases,
        strict=True,
    ):
        zone = kind == "zone"
        row_sure = bool(sure) or zone  # a zone's `certain` speaks of its memberships
        shorts = kept.get(code, [])
        rows.append((unicodedata.normalize("NFKC", str(name)).strip(), code, lv, row_sure, "name"))
        for s in shorts:
            rows.append((s, code, lv, row_sure, "short"))
        for a in _split(cell):
            alias = a.rstrip("?").strip()
            how = "zone" if zone else ("short" if alias in shorts else "alias")
            rows.append((alias, code, lv, row_sure and not a.endswith("?"), how))
    out = pd.DataFrame(rows, columns=["alias", "code", "level", "certain", "how"])
    out = out[out["alias"] != ""]
    out["_rank"] = out["how"].map(_HOW_RANK)
    out = (
        out.sort_values(["alias", "code", "_rank", "certain"], ascending=[True, True, True, False])
        .drop_duplicates(["alias", "code"])
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    out.insert(3, "county_code", county_of(out["code"], divisions).to_numpy())
    out["ambiguous"] = out.groupby("alias")["code"].transform("size") > 1
    out["level"] = out["level"].astype(int)
    out["certain"] = out["certain"].astype(bool)
    return out[["alias", "code", "level", "county_code", "certain", "how", "ambiguous"]]
