"""Derive the bundled Changde (常德市, 430700) admin-divisions table from the raw reference files.

The raw files are copies, kept in the repository's ``data/changde/`` (their origin and
licences are in ``data/README.md`` and ``trafficprev/datasets/changde/SOURCES.md``):

==========================================  ==================================================
``divisions_mca_2025.csv``                  民政部 code table Xzqh20251231: prefecture, 9
                                            counties/districts, 169 townships (levels 2–4)
``townships_nbs_2023.csv``                  统计用区划代码 2023 townships (178, incl. 西洞庭管理区
                                            430771 and 9 farms/forest units)
``villages_nbs_2023.csv``                   统计用区划代码 2023 villages and 社区 (2,273)
``townships_centroids_wgs84.csv``           township centres (WGS-84) by (county, name)
``town_village_centroids_wgs84.geojson``    township and village centres, 2016 (Vonng/adcode,
                                            GCJ-02 converted to WGS-84)
``adcode_2016_vonng.csv``                   the same 2016 source as a table: county and
                                            prefecture centres, former township names
==========================================  ==================================================

How the table is made (``build_changde_divisions``):

* **Codes** are 12 digits throughout. Prefecture, counties and townships carry their 2025
  MCA code padded with zeros (武陵区 430702 → ``430702000000``, 启明街道 430702001 →
  ``430702001000``). The 9 units found only in the 2023 table (forest farms, 园艺场, 原种场,
  东山峰管理区, 夹山管理处, 涔澹农场) keep their 2023 code padded the same way. Villages keep
  their 2023 statistics code as it is. **Codes are identifiers, not paths**: a village
  code's first nine digits are its 2023 township code, which may differ from its parent's
  2025 code (南坪街道 is 430702009 in 2023 and 430702007 in 2025); use ``parent_code``.
* **Vintages are joined on (county, name), never on codes.** A 2023 township whose
  (county, name) is in the 2025 table is that 2025 unit. 西洞庭管理区 (2023 county code
  430771) has no 2025 code: its 龙泉街道, 金凤街道 and 祝丰镇 are listed under 鼎城区 in 2025, so
  they keep that official parent and 西洞庭 becomes a zone (below).
* **Centres** (WGS-84, NaN when no source gives one; nothing is interpolated or invented):
  townships from ``townships_centroids_wgs84.csv`` joined on (county, name); villages from
  the 2016 GeoJSON joined on (county, township, village) with the township compared by its
  short form (灌溪镇 = 灌溪街道) and the village name normalised (…居委会/…社区居委会/…社区 and
  …村委会/…村 compare equal); a key that is not unique on either side is not joined. Counties
  and the prefecture from the ``county``/``city`` rows of ``adcode_2016_vonng.csv``
  (``lon_wgs84``/``lat_wgs84``). ``centre_source`` names the row each centre came from.
* **Aliases**: short forms from :func:`trafficprev.area.short_forms` under the
  collision rules of :func:`trafficprev.area.admin_aliases` (none of one character,
  none that another unit also spells so, e.g. 西湖镇 does not get 西湖, which names the
  西湖管理区 zone); former 2016 township names whose short form equals the unit's
  (灌溪镇 for 灌溪街道, 漳江镇 for 漳江街道); and the zone aliases below.
* **Functional zones** (:data:`CHANGDE_ZONES`) are level-3 rows with ``kind='zone'``,
  codes ``430700Z01`` … ``430700Z06`` and parent 430700000000. ``members`` lists the
  level-4 codes each covers; a code ending in ``?`` is a membership **the centre must
  confirm** (those rows have ``certain=False``). The same memberships are written to
  ``zones.csv`` for staff to review.

Run ``python -m trafficprev.datasets._changde data/changde trafficprev/datasets/changde`` to
regenerate; ``tests/test_admin.py`` checks that the bundled files are what this makes.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputFileNotFoundError, SchemaError
from ..area import kept_short_forms, short_forms

__all__ = [
    "CHANGDE_ZONES",
    "RAW_FILES",
    "Zone",
    "ZoneMember",
    "build_changde_divisions",
    "changde_zones_table",
    "write_changde_divisions",
]

RAW_FILES = (
    "divisions_mca_2025.csv",
    "townships_nbs_2023.csv",
    "villages_nbs_2023.csv",
    "townships_centroids_wgs84.csv",
    "town_village_centroids_wgs84.geojson",
    "adcode_2016_vonng.csv",
)

PREFECTURE = "430700000000"
COLUMNS = [
    "code",
    "parent_code",
    "level",
    "name",
    "lon",
    "lat",
    "aliases",
    "kind",
    "members",
    "certain",
    "source",
    "centre_source",
]
_XIDONGTING_2023 = "430771"


@dataclass(frozen=True)
class ZoneMember:
    """One township a functional zone covers, named by (county, township) of the 2025 table."""

    county: str
    name: str
    certain: bool
    note: str


@dataclass(frozen=True)
class Zone:
    """A functional zone: no code of its own, a set of official townships."""

    code: str
    name: str
    aliases: tuple[str, ...]
    members: tuple[ZoneMember, ...]


_TBC = "to be confirmed by the centre"

#: The functional zones of Changde (domain.md §1.5, §2.1, §2.9; data SOURCES.md).
CHANGDE_ZONES: tuple[Zone, ...] = (
    Zone(
        "430700Z01",
        "常德经济技术开发区",
        ("经开区", "常德经开区", "德山", "德山开发区", "德山经济开发区"),
        (
            ZoneMember("武陵区", "德山街道", True, "德山 is the zone's own name (domain.md §1.5)"),
            ZoneMember("武陵区", "樟木桥街道", False, f"street next to 德山; {_TBC}"),
            ZoneMember("鼎城区", "石门桥镇", False, f"town east of 德山; {_TBC}"),
        ),
    ),
    Zone(
        "430700Z02",
        "常德高新技术产业开发区",
        ("高新区", "常德高新区"),
        (
            ZoneMember(
                "鼎城区",
                "灌溪街道",
                True,
                "core at 灌溪 (domain.md §2.9); its other parks (武陵, 汉寿, 西洞庭) are "
                "industrial estates, not whole townships",
            ),
        ),
    ),
    Zone(
        "430700Z03",
        "柳叶湖旅游度假区",
        ("柳叶湖", "柳叶湖度假区"),
        (
            ZoneMember("武陵区", "柳叶湖街道", True, "the zone's namesake street"),
            ZoneMember("武陵区", "七里桥街道", False, _TBC),
            ZoneMember("武陵区", "白鹤镇", False, _TBC),
        ),
    ),
    Zone(
        "430700Z04",
        "西湖管理区",
        ("西湖",),
        (
            ZoneMember(
                "汉寿县",
                "西洲乡",
                True,
                "adcode 2016 lists 西湖管理区 (430722501) under 汉寿县 with the villages "
                "of 2023 西洲乡",
            ),
            ZoneMember("汉寿县", "西湖镇", False, _TBC),
        ),
    ),
    Zone(
        "430700Z05",
        "西洞庭管理区",
        ("西洞庭", "常德市西洞庭管理区"),
        tuple(
            ZoneMember(
                "鼎城区",
                name,
                True,
                "under 西洞庭管理区 (430771) in the 2023 NBS table; under 鼎城区 in MCA 2025",
            )
            for name in ("龙泉街道", "金凤街道", "祝丰镇")
        ),
    ),
    Zone(
        "430700Z06",
        "桃花源旅游管理区",
        ("桃花源", "桃花源管理区"),
        (
            ZoneMember(
                "桃源县",
                "桃花源镇",
                True,
                "seat of the zone's committee; a web directory gives the zone one more 街道 "
                f"that no code table names ({_TBC}). Not 桃源县: never alias 桃源",
            ),
        ),
    ),
)

# ----------------------------------------------------------------------------------------
# reading the raw files
# ----------------------------------------------------------------------------------------


def _read_csv(raw: Path, name: str) -> pd.DataFrame:
    path = raw / name
    if not path.is_file():
        raise InputFileNotFoundError(f"{path}: raw Changde file not found")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _float(value: object) -> float:
    text = str(value).strip()
    return float(text) if text else np.nan


_VILLAGE_KEY = re.compile(
    r"(社区居民委员会|社区居委会|居民委员会|居委会|社区|村民委员会|村委会|村)$"
)


def _village_key(name: str) -> str:
    """Normalise a village name for joining: …居委会 = …社区, …村委会 = …村."""
    m = _VILLAGE_KEY.search(name)
    if not m:
        return name
    kind = "村" if "村" in m.group(1) else "社区"
    return name[: m.start()] + kind


def _town_key(name: str) -> str:
    forms = short_forms(name, 4)
    return forms[-1] if forms else name


def _unique_lookup(keys: list[tuple[str, ...]], values: list[tuple[float, float, str]]) -> dict:
    seen: dict[tuple[str, ...], list[tuple[float, float, str]]] = {}
    for k, v in zip(keys, values, strict=True):
        seen.setdefault(k, []).append(v)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


# ----------------------------------------------------------------------------------------
# build
# ----------------------------------------------------------------------------------------


def build_changde_divisions(raw_dir: str | Path) -> pd.DataFrame:
    """Build the Changde admin-divisions table from the raw reference files.

    Parameters
    ----------
    raw_dir
        Folder holding :data:`RAW_FILES` (the repository's ``data/changde/``).

    Returns
    -------
    pandas.DataFrame
        The design.md columns ``code, parent_code, level, name, lon, lat, aliases`` then
        ``kind`` ('official' | 'zone'), ``members`` ('|' level-4 codes of a zone, a trailing
        ``?`` marks a membership to confirm), ``certain`` (False on zone rows with an
        uncertain membership), ``source`` (mca2025 | nbs2023 | zone) and
        ``centre_source``. Rows in tree order: prefecture, then each county followed by its
        townships, each followed by its villages; the zones last. See the module docstring
        for codes, joins, centres and aliases.

    Raises
    ------
    InputFileNotFoundError
        If a raw file is missing.
    SchemaError
        If the raw tables contradict the rules above (a code used twice, a 西洞庭 unit or a
        zone member that the 2025 table does not list).
    """
    raw = Path(raw_dir)
    mca = _read_csv(raw, "divisions_mca_2025.csv")
    nbs_t = _read_csv(raw, "townships_nbs_2023.csv")
    nbs_v = _read_csv(raw, "villages_nbs_2023.csv")
    centres = _read_csv(raw, "townships_centroids_wgs84.csv")
    adcode = _read_csv(raw, "adcode_2016_vonng.csv")
    gj_path = raw / "town_village_centroids_wgs84.geojson"
    if not gj_path.is_file():
        raise InputFileNotFoundError(f"{gj_path}: raw Changde file not found")
    features = json.loads(gj_path.read_text(encoding="utf-8"))["features"]
    rows, county_name, town_code = _mca_rows(mca)
    town_2023 = _nbs_township_rows(nbs_t, rows, county_name, town_code)
    for r in nbs_v.itertuples(index=False):
        rows.append(
            {
                "code": r.code,
                "parent_code": town_2023[r.streetCode],
                "level": 5,
                "name": r.name,
                "source": "nbs2023",
            }
        )

    df = pd.DataFrame(rows)
    df["lon"], df["lat"], df["centre_source"] = np.nan, np.nan, ""
    _add_centres(df, centres, adcode, features)
    df = _add_zones(df)
    df = _add_aliases(df, adcode)
    dup = df["code"].duplicated(keep=False)
    if dup.any():
        raise SchemaError(f"duplicate codes in the derived table: {df.loc[dup, 'code'].tolist()}")
    return _tree_order(df)[COLUMNS].reset_index(drop=True)


def _mca_rows(
    mca: pd.DataFrame,
) -> tuple[list[dict[str, object]], dict[str, str], dict[tuple[str, str], str]]:
    """The rows of the 2025 MCA table (prefecture, counties, townships).

    Returns
    -------
    rows : list of dict
        One row per unit, 12-digit codes.
    county_name : dict
        6-digit county code -> county name.
    town_code : dict
        (county name, township name) -> 12-digit township code.
    """
    rows: list[dict[str, object]] = []
    county_name: dict[str, str] = {}  # 6-digit county code -> name
    town_code: dict[tuple[str, str], str] = {}  # (county name, town name) -> 12-digit code
    for r in mca.itertuples(index=False):
        level = int(r.level)
        code = r.code.ljust(12, "0")
        if level == 3:
            county_name[r.code] = r.name
        parent_county = r.parent_code if level == 4 else ""
        rows.append(
            {
                "code": code,
                "parent_code": r.parent_code.ljust(12, "0"),
                "level": level,
                "name": r.name,
                "source": "mca2025",
                "_county": county_name.get(parent_county, r.name if level == 3 else ""),
            }
        )
        if level == 4:
            town_code[(county_name[parent_county], r.name)] = code
    return rows, county_name, town_code


def _nbs_township_rows(
    nbs_t: pd.DataFrame,
    rows: list[dict[str, object]],
    county_name: dict[str, str],
    town_code: dict[tuple[str, str], str],
) -> dict[str, str]:
    """Add to `rows` (and `town_code`) the 2023 townships the 2025 table lacks.

    The same (county, name) is the same unit; a unit of 2023's 西洞庭管理区 is its 2025 unit
    under 鼎城区.

    Returns
    -------
    dict
        9-digit 2023 township code -> 12-digit code of the derived unit.
    """
    town_2023: dict[str, str] = {}  # 9-digit 2023 code -> 12-digit code of the derived unit
    for r in nbs_t.itertuples(index=False):
        if r.areaCode == _XIDONGTING_2023:
            key = ("鼎城区", r.name)
            if key not in town_code:
                raise SchemaError(f"2023 西洞庭管理区 unit {r.name} is not under 鼎城区 in 2025")
            town_2023[r.code] = town_code[key]
            continue
        county = county_name[r.areaCode]
        key = (county, r.name)
        if key not in town_code:
            code = r.code.ljust(12, "0")
            town_code[key] = code
            rows.append(
                {
                    "code": code,
                    "parent_code": r.areaCode.ljust(12, "0"),
                    "level": 4,
                    "name": r.name,
                    "source": "nbs2023",
                    "_county": county,
                }
            )
        town_2023[r.code] = town_code[key]
    return town_2023


def _add_centres(
    df: pd.DataFrame, centres: pd.DataFrame, adcode: pd.DataFrame, features: list[dict]
) -> None:
    name_of = dict(zip(df["code"], df["name"], strict=True))
    county_of_town = {c: n for c, n in zip(df["code"], df["_county"], strict=True) if n}

    def put(mask: pd.Series, lon: float, lat: float, src: str) -> None:
        if not (np.isnan(lon) or np.isnan(lat)):
            df.loc[mask, ["lon", "lat", "centre_source"]] = [lon, lat, src]

    # prefecture and counties: adcode 2016 city/county rows
    for r in adcode[adcode["level"].isin(["city", "county"])].itertuples(index=False):
        level = 2 if r.level == "city" else 3
        mask = (df["level"] == level) & (df["name"] == r.name)
        put(mask, _float(r.lon_wgs84), _float(r.lat_wgs84), f"adcode_2016_vonng.csv {r.code}")

    # townships: townships_centroids_wgs84.csv on (county, name)
    look = {(r.county, r.name): r for r in centres.itertuples(index=False)}
    for code in df.loc[df["level"] == 4, "code"]:
        r = look.get((county_of_town[code], name_of[code]))
        if r is not None and r.lon_wgs84:
            src = f"townships_centroids_wgs84.csv {r.county} {r.name}: {r.coord_source}"
            put(df["code"] == code, _float(r.lon_wgs84), _float(r.lat_wgs84), src)

    # villages: 2016 points on (county, township short form, normalised village name)
    keys, values = [], []
    for f in features:
        p = f["properties"]
        if p["level"] != "village":
            continue
        lon, lat = f["geometry"]["coordinates"]
        keys.append((p["county"], _town_key(p["town"]), _village_key(p["village"])))
        values.append((float(lon), float(lat), f"town_village_centroids_wgs84.geojson {p['code']}"))
    points = _unique_lookup(keys, values)
    villages = df[df["level"] == 5]
    vkeys = [
        (county_of_town[p], _town_key(name_of[p]), _village_key(n))
        for p, n in zip(villages["parent_code"], villages["name"], strict=True)
    ]
    counts = pd.Series(vkeys).value_counts()
    for idx, key in zip(villages.index, vkeys, strict=True):
        if counts[key] == 1 and key in points:
            lon, lat, src = points[key]
            df.loc[idx, ["lon", "lat", "centre_source"]] = [lon, lat, src]


def _add_zones(df: pd.DataFrame) -> pd.DataFrame:
    town = {
        (c, n): code
        for code, c, n, lv in zip(df["code"], df["_county"], df["name"], df["level"], strict=True)
        if lv == 4
    }
    zone_rows = []
    for z in CHANGDE_ZONES:
        members = []
        for m in z.members:
            if (m.county, m.name) not in town:
                raise SchemaError(f"zone {z.name}: member {m.county} {m.name} is not in the table")
            members.append(town[(m.county, m.name)] + ("" if m.certain else "?"))
        zone_rows.append(
            {
                "code": z.code,
                "parent_code": PREFECTURE,
                "level": 3,
                "name": z.name,
                "lon": np.nan,
                "lat": np.nan,
                "aliases": "|".join(z.aliases),
                "kind": "zone",
                "members": "|".join(members),
                "certain": all(m.certain for m in z.members),
                "source": "zone",
                "centre_source": "",
            }
        )
    df = df.assign(aliases="", kind="official", members="", certain=True)
    return pd.concat([df, pd.DataFrame(zone_rows)], ignore_index=True)


def _add_aliases(df: pd.DataFrame, adcode: pd.DataFrame) -> pd.DataFrame:
    kept = kept_short_forms(df)
    # former 2016 township names whose short form is the unit's own (灌溪镇 -> 灌溪街道)
    names = set(df["name"])
    former: dict[str, list[str]] = {}
    towns = df[(df["level"] == 4) & (df["kind"] == "official")]
    keys = [(c, _town_key(n)) for c, n in zip(towns["_county"], towns["name"], strict=True)]
    by_key = dict(zip(keys, towns["code"], strict=True))
    shared = {k for k in keys if keys.count(k) > 1}
    for r in adcode[adcode["level"] == "town"].itertuples(index=False):
        key = (r.county, _town_key(r.name))
        if r.name in names or key not in by_key or key in shared:
            continue
        former.setdefault(by_key[key], []).append(r.name)
    out = []
    for code, cell in zip(df["code"], df["aliases"], strict=True):
        parts = [*(cell.split("|") if cell else []), *kept.get(code, []), *former.get(code, [])]
        out.append("|".join(dict.fromkeys(parts)))
    return df.assign(aliases=out)


def _tree_order(df: pd.DataFrame) -> pd.DataFrame:
    children: dict[str, list[int]] = {}
    for i, (p, kind) in enumerate(zip(df["parent_code"], df["kind"], strict=True)):
        if kind == "official":
            children.setdefault(p, []).append(i)
    codes = df["code"].tolist()
    order: list[int] = []
    stack = sorted(children.get("430000000000", []), key=lambda i: codes[i], reverse=True)
    while stack:
        i = stack.pop()
        order.append(i)
        stack += sorted(children.get(codes[i], []), key=lambda j: codes[j], reverse=True)
    order += [i for i in range(len(df)) if df["kind"].iat[i] == "zone"]
    if len(order) != len(df):
        raise SchemaError("the derived Changde table is not one tree")
    return df.iloc[order]


# ----------------------------------------------------------------------------------------
# zones table and writing
# ----------------------------------------------------------------------------------------


def changde_zones_table(divisions: pd.DataFrame) -> pd.DataFrame:
    """Return the zone memberships as a flat table for staff to review.

    Parameters
    ----------
    divisions
        The table from :func:`build_changde_divisions`.

    Returns
    -------
    pandas.DataFrame
        One row per (zone, member): ``zone_code``, ``zone``, ``aliases`` ('|'),
        ``member_code``, ``member_county``, ``member_name``, ``certain`` and ``note``.
    """
    name_of = dict(zip(divisions["code"], divisions["name"], strict=True))
    parents = divisions["parent_code"].map(name_of)
    code_of = {
        (c, n): code
        for code, n, c in zip(divisions["code"], divisions["name"], parents, strict=True)
    }
    rows = [
        {
            "zone_code": z.code,
            "zone": z.name,
            "aliases": "|".join(z.aliases),
            "member_code": code_of[(m.county, m.name)],
            "member_county": m.county,
            "member_name": m.name,
            "certain": m.certain,
            "note": m.note,
        }
        for z in CHANGDE_ZONES
        for m in z.members
    ]
    return pd.DataFrame(rows)


def write_changde_divisions(raw_dir: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Build the Changde table and write ``admin_divisions.csv`` and ``zones.csv``.

    Both are UTF-8 with BOM (Excel opens them with the right encoding), ``\\n`` line ends.

    Parameters
    ----------
    raw_dir
        Folder with :data:`RAW_FILES`.
    out_dir
        Where to write (created if absent); the package keeps them in
        ``trafficprev/datasets/changde/``.

    Returns
    -------
    dict
        ``{"divisions": path, "zones": path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    divisions = build_changde_divisions(raw_dir)
    paths = {"divisions": out / "admin_divisions.csv", "zones": out / "zones.csv"}
    divisions.to_csv(paths["divisions"], index=False, encoding="utf-8-sig", lineterminator="\n")
    changde_zones_table(divisions).to_csv(
        paths["zones"], index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    return paths


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    defaults = ["data/changde", "trafficprev/datasets/changde"]
    raw_arg, out_arg = [*sys.argv[1:3], *defaults[len(sys.argv[1:3]) :]]
    write_changde_divisions(raw_arg, out_arg)
