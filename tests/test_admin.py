"""Admin divisions: the bundled Changde table, its aliases and zones, and the file loader."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trafficprev._errors import InputFileNotFoundError, SchemaError
from trafficprev.area import (
    admin_aliases,
    admin_scope,
    county_of,
    read_admin_divisions,
    short_forms,
)
from trafficprev.datasets._changde import (
    CHANGDE_ZONES,
    build_changde_divisions,
    write_changde_divisions,
)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "changde"
BUNDLED = ROOT / "trafficprev" / "datasets" / "changde"
DEMO = ROOT / "data" / "demo" / "admin_divisions.csv"

COUNTIES = {"武陵区", "鼎城区", "安乡县", "汉寿县", "澧县", "临澧县", "桃源县", "石门县", "津市市"}
#: townships that have no short form, and why (see admin_aliases)
NO_SHORT_FORM = {
    # the short form is an alias of a functional zone
    "德山街道",
    "柳叶湖街道",
    "西湖镇",
    "桃花源镇",
    # farms and forest units from the 2023 table: no cuttable suffix
    "花岩溪林场",
    "贺家山原种场",
    "秀坪园艺场",
    "东山峰管理区",
    "大同山林场",
    "白云山林场",
    "洛浦寺林场",
    "夹山管理处",
    "涔澹农场",
}
UNCERTAIN = {"樟木桥街道", "石门桥镇", "七里桥街道", "白鹤镇", "西湖镇"}


def raw(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cd() -> pd.DataFrame:
    return read_admin_divisions("changde")


@pytest.fixture(scope="module")
def al(cd) -> pd.DataFrame:
    return admin_aliases(cd)


@pytest.fixture(scope="module")
def names(cd) -> dict[str, str]:
    return dict(zip(cd["code"], cd["name"], strict=True))


# ---------------------------------------------------------------------------------------
# the bundled table
# ---------------------------------------------------------------------------------------


def test_bundled_files_are_what_the_code_makes(tmp_path):
    made = write_changde_divisions(RAW, tmp_path)
    for path in made.values():
        assert filecmp.cmp(path, BUNDLED / path.name, shallow=False), path.name
    assert (BUNDLED / "admin_divisions.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_build_needs_the_raw_files(tmp_path):
    with pytest.raises(InputFileNotFoundError, match=r"divisions_mca_2025\.csv"):
        build_changde_divisions(tmp_path)


def test_design_columns_first(cd):
    assert list(cd.columns[:7]) == ["code", "parent_code", "level", "name", "lon", "lat", "aliases"]
    assert {"kind", "members", "certain", "source", "centre_source"} <= set(cd.columns)
    assert cd["code"].map(type).eq(str).all()


def test_nine_counties_and_six_zones(cd):
    official = cd[cd["kind"] == "official"]
    assert set(official.loc[official["level"] == 3, "name"]) == COUNTIES
    assert (official["level"] == 2).sum() == 1
    zones = cd[cd["kind"] == "zone"]
    assert zones["code"].tolist() == [f"430700Z0{i}" for i in range(1, 7)]
    assert (zones["level"] == 3).all() and (zones["parent_code"] == "430700000000").all()


def test_township_and_village_counts_match_the_sources(cd):
    mca = raw("divisions_mca_2025.csv")
    nbs = raw("townships_nbs_2023.csv")
    towns = cd[cd["level"] == 4]
    # every 2025 township, plus the 2023 units that 2025 does not list
    assert (towns["source"] == "mca2025").sum() == (mca["level"] == "4").sum() == 169
    only_2023 = towns[towns["source"] == "nbs2023"]
    # 2023: 178 = 166 under the same (county, name) + 3 of 西洞庭 (under 鼎城区 in 2025)
    # + 9 farms/forest units that the 2025 table does not list
    xdt = nbs["areaCode"] == "430771"
    assert xdt.sum() == 3
    assert len(only_2023) == 9
    counties = dict(zip(mca["code"], mca["name"], strict=True))
    in_2025 = set(zip(mca["parent_code"].map(counties), mca["name"], strict=True))
    pairs = zip(nbs["areaCode"].map(counties), nbs["name"], strict=True)
    same = sum(pair in in_2025 for pair in pairs)
    assert same == 166
    assert len(nbs) == 178 == same + xdt.sum() + len(only_2023)
    assert len(towns) == 169 + 9
    assert set(only_2023["name"]) == NO_SHORT_FORM - {
        "德山街道",
        "柳叶湖街道",
        "西湖镇",
        "桃花源镇",
    }
    assert (cd["level"] == 5).sum() == len(raw("villages_nbs_2023.csv")) == 2273


def test_counties_of_townships_and_villages_follow_the_sources(cd):
    mca = raw("divisions_mca_2025.csv")
    want = {
        r.code.ljust(12, "0"): r.parent_code.ljust(12, "0")
        for r in mca.itertuples()
        if r.level == "4"
    }
    got = dict(zip(cd["code"], county_of(cd["code"], cd), strict=True))
    assert all(got[c] == p for c, p in want.items())
    villages = raw("villages_nbs_2023.csv")
    # 西洞庭 (430771) villages belong to 鼎城区 townships in 2025
    county = villages["areaCode"].replace({"430771": "430703"}).str.ljust(12, "0")
    assert [got[c] for c in villages["code"]] == county.tolist()


def test_xidongting_keeps_its_2025_parent(cd, names):
    for name in ("金凤街道", "龙泉街道", "祝丰镇"):
        row = cd[(cd["name"] == name) & (cd["level"] == 4)]
        assert len(row) == 1 and names[row["parent_code"].item()] == "鼎城区"


def test_codes_are_12_digits_and_unique(cd):
    official = cd[cd["kind"] == "official"]
    assert official["code"].str.fullmatch(r"\d{12}").all()
    assert cd["code"].is_unique
    assert (official.loc[official["level"] <= 4, "code"].str[-3:] == "000").all()


# ---------------------------------------------------------------------------------------
# resolving names through admin_aliases + county_of
# ---------------------------------------------------------------------------------------


def test_every_township_and_village_resolves_by_name(cd, al):
    units = cd[(cd["level"] >= 4) & (cd["kind"] == "official")]
    want = pd.DataFrame({"alias": units["name"], "code": units["code"]})
    want["county"] = county_of(units["code"], cd).to_numpy()
    got = want.merge(al, on=["alias", "code"], how="left")
    assert got["how"].eq("name").all()
    assert (got["county_code"] == got["county"]).all()
    assert got["county"].str.fullmatch(r"4307\d\d000000").all()


def test_every_township_and_village_resolves_by_short_form(cd, al):
    shorts = al[al["how"] == "short"]
    assert not shorts.duplicated(["alias", "code"]).any()
    county_by_short = shorts.set_index(["alias", "code"])["county_code"].to_dict()
    units = cd[(cd["level"] >= 4) & (cd["kind"] == "official")]
    counties = county_of(units["code"], cd).to_numpy()
    dropped, none = [], []
    for r, county in zip(units.itertuples(), counties, strict=True):
        forms = short_forms(r.name, r.level)
        kept = [s for s in forms if (s, r.code) in county_by_short]
        if not forms:  # 马家吉社区, 花岩溪林场: nothing to cut
            none.append(r.name)
        elif not kept:
            dropped.append(r.name)
        assert all(county_by_short[s, r.code] == county for s in kept), r.name
    assert set(dropped) == {"德山街道", "柳叶湖街道", "西湖镇", "桃花源镇"}
    assert set(none) & set(cd.loc[cd["level"] == 4, "name"]) == NO_SHORT_FORM - set(dropped)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("武陵", "武陵区"),
        ("桃源", "桃源县"),
        ("津市", "津市市"),
        ("鼎城", "鼎城区"),
        ("常德", "常德市"),
        ("南坪", "南坪街道"),
        ("芦荻山", "芦荻山乡"),
        ("灌溪", "灌溪街道"),
        ("灌溪镇", "灌溪街道"),  # its 2016 name
        ("许家桥乡", "许家桥回族维吾尔族乡"),
        ("杨坪社区", "杨坪社区居委会"),
    ],
)
def test_short_forms_and_former_names(cd, al, alias, name):
    codes = set(al.loc[al["alias"] == alias, "code"])
    assert codes == set(cd.loc[cd["name"] == name, "code"])


def test_no_single_character_or_shared_short_forms(cd, al):
    assert "澧" not in set(al["alias"])  # 澧县
    upper = al[(al["level"] <= 4) & al["how"].isin(["short", "alias"])]
    assert not upper["ambiguous"].any()
    assert (al.loc[al["how"] != "name", "alias"].str.len() >= 2).all()


def test_aliases_column_agrees_with_admin_aliases(cd, al):
    listed = {
        (a, c)
        for c, cell in zip(cd["code"], cd["aliases"], strict=True)
        for a in cell.split("|")
        if a
    }
    derived = {
        (a, c) for a, c, h in zip(al["alias"], al["code"], al["how"], strict=True) if h != "name"
    }
    assert listed == derived


def test_ambiguous_aliases_are_kept_and_flagged(al):
    counts = al.groupby("alias")["code"].transform("size")
    assert (al["ambiguous"] == (counts > 1)).all()
    assert al["ambiguous"].any()  # e.g. 新华村 in several towns
    assert not al.duplicated(["alias", "code"]).any()


# ---------------------------------------------------------------------------------------
# functional zones
# ---------------------------------------------------------------------------------------


def test_zone_aliases_resolve_to_the_zone_and_members_to_their_counties(cd, al, names):
    for zone in CHANGDE_ZONES:
        for alias in (zone.name, *zone.aliases):
            rows = al[al["alias"] == alias]
            assert rows["code"].tolist() == [zone.code], alias
            assert rows["county_code"].tolist() == [zone.code]
        scope = sorted(admin_scope(zone.code, cd))
        assert sorted(names[c] for c in scope) == sorted(m.name for m in zone.members)
        want = {m.name: m.county for m in zone.members}
        for code, county in zip(scope, county_of(scope, cd), strict=True):
            assert names[county] == want[names[code]]


def test_taohuayuan_is_not_taoyuan(cd, al):
    taoyuan = "430725000000"
    zone = cd.loc[cd["name"] == "桃花源旅游管理区", "code"].item()
    assert set(al.loc[al["alias"] == "桃花源", "code"]) == {zone}
    assert set(al.loc[al["alias"].isin(["桃源", "桃源县"]), "code"]) == {taoyuan}
    assert not al[(al["code"] == zone) & al["alias"].isin(["桃源", "桃源县"])].shape[0]
    assert not al[al["alias"].str.startswith("桃花源") & (al["code"] == taoyuan)].shape[0]


def test_uncertain_memberships_are_marked(cd, names):
    zones = pd.read_csv(BUNDLED / "zones.csv", dtype=str, keep_default_na=False)
    assert set(zones.loc[zones["certain"] == "False", "member_name"]) == UNCERTAIN
    assert zones["note"].ne("").all()
    flagged = {c.rstrip("?") for cell in cd["members"] for c in cell.split("|") if c.endswith("?")}
    assert {names[c] for c in flagged} == UNCERTAIN
    zone_rows = cd[cd["kind"] == "zone"]
    assert (zone_rows["certain"] == ~zone_rows["members"].str.contains("?", regex=False)).all()
    jk = cd.loc[cd["name"] == "常德经济技术开发区", "code"].item()
    assert {names[c] for c in admin_scope(jk, cd, certain_only=True)} == {"德山街道"}


def test_xihu_zone_evidence_in_the_2016_table():
    """西湖管理区 (2016, 430722501) had the villages that 西洲乡 has in 2023."""
    adcode = raw("adcode_2016_vonng.csv")
    old = set(adcode.loc[adcode["town"] == "西湖管理区", "village"]) - {""}
    new = set(raw("villages_nbs_2023.csv").query("streetCode == '430722217'")["name"])
    assert new <= old and len(new) >= len(old) - 1


# ---------------------------------------------------------------------------------------
# centres
# ---------------------------------------------------------------------------------------


def test_centres_inside_changde_and_traceable(cd):
    known = cd.dropna(subset=["lon"])
    assert known["lat"].notna().all() and cd.dropna(subset=["lat"])["lon"].notna().all()
    assert known["lon"].between(110.5, 112.5).all() and known["lat"].between(28.4, 30.2).all()
    assert cd.loc[cd["kind"] == "zone", "lon"].isna().all()
    pairs: set[tuple[float, float]] = set()
    t = raw("townships_centroids_wgs84.csv").query("lon_wgs84 != ''")
    pairs |= set(zip(t["lon_wgs84"].astype(float), t["lat_wgs84"].astype(float), strict=True))
    a = raw("adcode_2016_vonng.csv").query("lon_wgs84 != ''")
    pairs |= set(zip(a["lon_wgs84"].astype(float), a["lat_wgs84"].astype(float), strict=True))
    gj = json.loads((RAW / "town_village_centroids_wgs84.geojson").read_text(encoding="utf-8"))
    pairs |= {tuple(map(float, f["geometry"]["coordinates"])) for f in gj["features"]}
    assert all(p in pairs for p in zip(known["lon"], known["lat"], strict=True))
    assert known["centre_source"].ne("").all()
    assert cd.loc[cd["lon"].isna(), "centre_source"].eq("").all()
    # how many are known (regression guard, not a target)
    assert known["level"].value_counts().to_dict() == {2: 1, 3: 9, 4: 149, 5: 501}


def test_village_centre_matches_its_own_village(cd):
    gj = json.loads((RAW / "town_village_centroids_wgs84.geojson").read_text(encoding="utf-8"))
    by_code = {f["properties"]["code"]: f["properties"] for f in gj["features"]}
    villages = cd[(cd["level"] == 5) & cd["lon"].notna()]
    parent_name = dict(zip(cd["code"], cd["name"], strict=True))
    for r in villages.itertuples():
        props = by_code[r.centre_source.rsplit(" ", 1)[1]]
        stem = props["village"].removesuffix("委会").rstrip("村居社区")
        assert r.name.startswith(stem), (r.name, props["village"])
        assert short_forms(props["town"], 4)[-1:] == short_forms(parent_name[r.parent_code], 4)[-1:]


# ---------------------------------------------------------------------------------------
# tree helpers
# ---------------------------------------------------------------------------------------


def test_county_of_and_admin_scope(cd, names):
    codes = pd.Series(
        ["430702007000", "430702001004", "430700Z01", "430700000000", "x"], index=list("abcde")
    )
    got = county_of(codes, cd)
    assert list(got.index) == list("abcde")
    assert got.tolist()[:3] == ["430702000000", "430702000000", "430700Z01"]
    assert got.iloc[3:].isna().all()
    assert admin_scope("430702007000", cd) == {"430702007000"}
    assert admin_scope("430702001004", cd) == {"430702001000"}
    wuling = admin_scope("430702000000", cd)
    assert len(wuling) == 19 and {names[c] for c in wuling} >= {"南坪街道", "丹洲乡"}
    assert len(admin_scope("430700000000", cd)) == 178
    with pytest.raises(KeyError, match="nope"):
        admin_scope("nope", cd)


# ---------------------------------------------------------------------------------------
# read_admin_divisions on other files
# ---------------------------------------------------------------------------------------


def test_reads_the_demo_file():
    demo = read_admin_divisions(DEMO)
    assert len(demo) == 185
    assert demo["code"].str.fullmatch(r"\d{12}").all()
    assert (demo["kind"] == "official").all() and demo["certain"].all()
    assert (demo["members"] == "").all() and (demo["source"] == "admin_divisions.csv").all()
    assert set(demo["level"]) == {2, 3, 4, 5}
    zone = demo[demo["name"] == "示范经济技术开发区"]
    assert zone["level"].item() == 3 and zone["kind"].item() == "official"
    scope = admin_scope(zone["code"].item(), demo)
    assert scope and all(c in set(demo.loc[demo["level"] == 4, "code"]) for c in scope)
    al = admin_aliases(demo)
    for alias in ("经开区", "开发区", "示范经开区"):
        assert al.loc[al["alias"] == alias, "code"].tolist() == [zone["code"].item()]
    assert al.loc[al["alias"] == "示范", "how"].tolist() == ["short"]


def test_reads_excel_with_a_title_row_and_numeric_codes(tmp_path):
    demo = pd.read_csv(DEMO, dtype=str, keep_default_na=False)
    path = tmp_path / "divisions.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame([["示范市行政区划"]]).to_excel(xw, index=False, header=False)
        body = demo.assign(code=demo["code"].astype("int64"), level=demo["level"].astype(int))
        body = body.rename(columns={"code": "区划代码", "name": "名称", "parent_code": "上级代码"})
        body.to_excel(xw, index=False, startrow=2)
    got = read_admin_divisions(path)
    assert got["code"].tolist() == demo["code"].tolist()
    assert got["lon"].notna().sum() == (demo["lon"] != "").sum()


def _broken(tmp_path: Path, edit) -> Path:
    frame = pd.read_csv(DEMO, dtype=str, keep_default_na=False)
    frame = edit(frame)
    path = tmp_path / "broken_divisions.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _set(row: int, col: str, value: str):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, col] = value
        return frame

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda f: f.drop(columns="level"), ["missing required column", "级别 (level)"]),
        (_set(5, "code", "439902001000"), ["column code", "more than once", "439902001000"]),
        (_set(7, "parent_code", "439999999999"), ["column parent_code", "439999999999", "row 9"]),
        (_set(3, "level", "7"), ["column level", "not one of 2, 3, 4, 5", "'7'"]),
        (_set(4, "lon", "1111.5"), ["column lon", "1111.5", "row 6"]),
        (_set(4, "lat", "北纬29度"), ["column lat", "北纬29度"]),
        (_set(2, "level", "3"), ["column level", "not below their parent"]),
    ],
    ids=[
        "missing-column",
        "duplicate-code",
        "orphan-parent",
        "bad-level",
        "bad-lon",
        "bad-lat",
        "upside",
    ],
)
def test_broken_files_are_refused_with_a_clear_message(tmp_path, edit, expected):
    path = _broken(tmp_path, edit)
    with pytest.raises(SchemaError) as info:
        read_admin_divisions(path)
    message = str(info.value)
    assert "broken_divisions.csv" in message
    for part in expected:
        assert part in message


def test_zone_rows_in_a_user_file(tmp_path):
    def add_zone(members: str):
        def edit(frame: pd.DataFrame) -> pd.DataFrame:
            zone = dict.fromkeys(frame.columns, "")
            zone |= {"code": "Z1", "parent_code": "439900000000", "level": "3", "name": "测试园区"}
            zone |= {"aliases": "园区|测试区?", "kind": "zone", "members": members}
            return pd.concat([frame.assign(kind="official", members=""), pd.DataFrame([zone])])

        return edit

    ok = read_admin_divisions(_broken(tmp_path, add_zone("439902001000|439902002000?")))
    assert admin_scope("Z1", ok) == {"439902001000", "439902002000"}
    assert admin_scope("Z1", ok, certain_only=True) == {"439902001000"}
    al = admin_aliases(ok)
    assert al.set_index("alias").loc[["园区", "测试区"], "certain"].tolist() == [True, False]
    with pytest.raises(SchemaError, match="column members"):
        read_admin_divisions(_broken(tmp_path, add_zone("439902000000")))  # a county, not level 4


def test_missing_file_and_bad_certain(tmp_path):
    with pytest.raises(InputFileNotFoundError):
        read_admin_divisions(tmp_path / "nope.csv")
    path = _broken(tmp_path, lambda f: f.assign(certain="maybe"))
    with pytest.raises(SchemaError, match="column certain"):
        read_admin_divisions(path)


def test_blank_centres_are_nan(tmp_path):
    got = read_admin_divisions(_broken(tmp_path, _blank_centre))
    assert np.isnan(got.loc[4, "lon"]) and np.isnan(got.loc[4, "lat"])


def _blank_centre(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[4, ["lon", "lat"]] = ""
    return frame


def test_staff_can_apply_an_edited_zones_table(tmp_path):
    zones = pd.read_csv(BUNDLED / "zones.csv", dtype=str, keep_default_na=False)
    zones.loc[zones["member_name"] == "樟木桥街道", "certain"] = "True"
    zones = zones[zones["member_name"] != "石门桥镇"]
    path = tmp_path / "zones_checked.csv"
    zones.to_csv(path, index=False, encoding="utf-8-sig")
    cd = read_admin_divisions("changde", zones=path)
    names = dict(zip(cd["code"], cd["name"], strict=True))
    jk = cd.loc[cd["name"] == "常德经济技术开发区", "code"].item()
    assert {names[c] for c in admin_scope(jk, cd, certain_only=True)} == {"德山街道", "樟木桥街道"}
    assert cd.loc[cd["code"] == jk, "certain"].item()
    assert cd.loc[cd["code"] == jk, "source"].item() == "zones_checked.csv"
    assert len(cd) == len(read_admin_divisions("changde"))
    zones.loc[zones.index[0], "member_code"] = "430702000000"  # a county, not a township
    zones.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(SchemaError, match=r"zones_checked\.csv.*column members"):
        read_admin_divisions("changde", zones=path)
