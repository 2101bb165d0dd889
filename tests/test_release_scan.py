"""Personal data typed into non-personal fields never reaches what the centre shares.

The demo world's *files* get ID numbers, mobile and landline numbers (in the shapes clerks
and shopkeepers type them: spaced, hyphenated, in brackets, full-width, +86) in an OSM road
name, an OSM POI name, a ``pois.csv`` POI name, a campaign candidate's name and address, an
enterprise register name, and the 受伤地点 / 用人单位 of a few determinations, which also get
the worker's own name and another worker's name. The area is built from those files, the
quarter is analysed and published at ``police`` and ``public`` with the run's redactor, and:

* no planted value is in any shared file (``sites.xlsx``, ``sites.gpkg``, ``maps/*.html``),
  neither by :func:`~trafficprev._scan.scan_outputs` nor by a direct search of the decoded
  text; the placeholders are there instead;
* ``cases.csv`` (intake's write), the geocoded cases (the ``cases`` layer of the internal
  ``cases.gpkg``), the review queue and the duplicates hold neither the planted numbers nor
  a worker name in their place and employer texts;
* :func:`~trafficprev._scan.check_shared_outputs` passes the clean folders and refuses,
  in one line naming the file and the field, a folder written without the redactor.

Every ID number here has a wrong check character; the phones are 139 0001 0001-style.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pyogrio
import pytest

from trafficprev._errors import PersonalDataError
from trafficprev._scan import check_shared_outputs, forbidden_values, scan_outputs
from trafficprev.area import build_area
from trafficprev.datasets import demo_files
from trafficprev.geocode import geocode
from trafficprev.groups import key_enterprises
from trafficprev.intake import (
    read_campaign_candidates,
    read_determinations,
    read_enterprises,
    read_measures,
)
from trafficprev.privacy import PLACEHOLDERS, Redactor, check_id_numbers, personal_values
from trafficprev.publish import publish
from trafficprev.sites import (
    campaign_candidates,
    choose_campaign_sites,
    choose_sign_sites,
    read_back,
)

SOURCES = (
    "osm_road",
    "osm_poi",
    "pois_csv",
    "campaign_name",
    "campaign_address",
    "enterprise",
    "place",
    "employer",
)
RELEASES = ("police", "public")
ROAD = "海棠路"  # a minor road: its name is in every map's basemap
OSM_POI = "星庭小区"  # an OSM community: a campaign candidate on the campaign map
CSV_POI = "翠岸小区"  # a pois.csv 小区 that no candidate list names: a candidate too
CANDIDATE = "示范经济技术开发区工业园"
ENTERPRISE = "示范市亿丰建材有限公司"  # a key enterprise of the demo (risk multiplier 3)
FULL_WIDTH = str.maketrans("0123456789()", "０１２３４５６７８９（）")


def _bad_id(body17: str, last: str = "") -> str:
    """`body17` and a check character that is wrong (never a valid ID number)."""
    for c in last + "0123456789X":
        if check_id_numbers(pd.Series([body17 + c])).iloc[0] == "bad_checksum":
            return body17 + c
    raise AssertionError(body17)


def _values(k: int) -> dict[str, str]:
    """The planted numbers of source `k` (compact digits, as searched for)."""
    return {
        "id": _bad_id(f"439902198801{k:02d}{k:03d}", last="X" if k == 4 else ""),
        "mobile": f"139{k:04d}{k:04d}",
        "landline": f"0736700000{k}",
    }


PLANTED = {source: _values(k) for k, source in enumerate(SOURCES, 1)}


def _text(source: str) -> str:
    """The planted text of `source`, each in another way of writing numbers."""
    v = PLANTED[source]
    i, m, land = v["id"], v["mobile"], v["landline"]
    area, local = land[:4], land[4:]
    return {
        "osm_road": f"（身份证 {i[:6]} {i[6:14]} {i[14:]}，手机+86 {m[:3]} {m[3:7]} {m[7:]}，"
        f"电话({area}){local}）",
        "osm_poi": f"（业主{i}，物业{m[:3]}-{m[3:7]}-{m[7:]}，电话{area}-{local}）",
        "pois_csv": f"（{i.translate(FULL_WIDTH)}，{m}，电话（{area}）{local}".translate(FULL_WIDTH)
        + "）",
        "campaign_name": f"（联系人证件{i.lower()}，电话{m}，座机{area} {local}）",
        "campaign_address": f"，负责人{i}，手机{m}，{land}",
        "enterprise": f"（法人{i}，手机0086 {m}，Tel:{area}-{local}）",
        "place": f"（身份证{i}，电话{m}，联系电话{area}-{local}）",
        "employer": f"（联系人{i}，{m}，{area}-{local}）",
    }[source]


def _rewrite_csv(path: Path, encoding: str, change) -> None:
    """Rewrite the data rows of a CSV with one title line and a header, same encoding."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    title, header, body = rows[0], rows[1], rows[2:]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(title)
    writer.writerow(header)
    for i, values in enumerate(body):
        new = change(i, dict(zip(header, values, strict=True)))
        writer.writerow([new[h] for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))


def _plant(city: Path) -> dict[str, object]:
    """Write the planted values into the demo files in `city`; return what was planted."""
    osm = (city / "demo_city.osm").read_text(encoding="utf-8")
    for name, source in ((ROAD, "osm_road"), (OSM_POI, "osm_poi")):
        assert osm.count(f'v="{name}"') == 2, name  # name and name:zh
        osm = osm.replace(f'v="{name}"', f'v="{name}{_text(source)}"')
    (city / "demo_city.osm").write_text(osm, encoding="utf-8")

    def poi(i: int, row: dict[str, str]) -> dict[str, str]:
        if row["名称"] == CSV_POI:
            row["名称"] += _text("pois_csv")
        return row

    def candidate(i: int, row: dict[str, str]) -> dict[str, str]:
        if row["名称"] == CANDIDATE:
            row["名称"] += _text("campaign_name")
            row["地址"] += _text("campaign_address")
        return row

    def enterprise(i: int, row: dict[str, str]) -> dict[str, str]:
        if row["单位名称"] == ENTERPRISE:
            row["单位名称"] += _text("enterprise")
        return row

    _rewrite_csv(city / "pois.csv", "utf-8-sig", poi)
    _rewrite_csv(city / "campaign_sites.csv", "utf-8-sig", candidate)
    _rewrite_csv(city / "enterprises.csv", "utf-8-sig", enterprise)
    path = city / "determinations_2024Q4.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))
    names = [r[1] for r in rows[2:]]
    planted_rows: list[dict[str, str]] = []

    def determination(i: int, row: dict[str, str]) -> dict[str, str]:
        if row["受伤地点"] and len(planted_rows) < 4:
            own, other = row["职工姓名"], names[(i + 7) % len(names)]
            row["受伤地点"] += f"{_text('place')}（{own}家附近，同行{other}）"
            row["用人单位"] += f"{_text('employer')}（{own}）"
            planted_rows.append({"decision_no": row["认定书编号"], "own": own, "other": other})
        return row

    _rewrite_csv(path, "gb18030", determination)
    assert len(planted_rows) == 4
    # a second copy of a planted row, decided earlier: it loses and goes to duplicates.csv
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))
    header, first = rows[1], rows[2]
    copy = dict(zip(header, first, strict=True))
    assert copy["认定书编号"] == planted_rows[0]["decision_no"]
    copy["受伤地点"] = copy["受伤地点"].replace("联系电话", "电话号码")
    copy["认定日期"] = copy["受伤时间"][:10]
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow([copy[h] for h in header])
    path.write_bytes(path.read_bytes() + buf.getvalue().encode("gb18030"))
    return {"rows": planted_rows}


@pytest.fixture(scope="module")
def world(tmp_path_factory, demo_hotspots) -> SimpleNamespace:
    """The planted world, analysed once and published at police and public (and once at
    police with redaction switched off, as the leak the check must refuse).

    The hotspots are the session's (the planted area has the demo's roads, one renamed; the
    planted cases differ from the demo's in four texts), to keep the module fast.
    """
    root = tmp_path_factory.mktemp("planted")
    city = root / "city"
    shutil.copytree(Path(demo_files()["roads"][0]).parent, city)
    planted = _plant(city)
    inputs = [*sorted(city.glob("determinations_*.xlsx")), city / "determinations_2024Q4.csv"]
    area = build_area(
        "示范市", osm=city / "demo_city.osm", pois=city / "pois.csv",
        admin=city / "admin_divisions.csv",
    )  # fmt: skip
    intake = read_determinations(inputs)
    written = intake.write(root / "intake")
    register = read_enterprises(city / "enterprises.csv").records
    measures = read_measures(city / "measures.csv").records
    cand_records = read_campaign_candidates(city / "campaign_sites.csv").records
    geo = geocode(intake.cases[intake.cases["commuting"]], area)
    hs = demo_hotspots
    signs = choose_sign_sites(hs, area, existing=measures[measures["kind"] == "警示标志"])
    candidates = campaign_candidates(cand_records, area)
    key = key_enterprises(geo.cases, register)
    campaign = choose_campaign_sites(geo.cases, register, candidates, key=key)
    personal = personal_values(intake.protected, intake.cases)
    parts = {
        "result": hs,
        "area": area,
        "sign_sites": signs,
        "campaign_sites": campaign,
        "campaign_candidates": candidates,
        "key": key,
        "peaks": None,
        "period": "2024Q4",
        "source": f"示范市台账（测试，经办电话{PLANTED['place']['mobile']}）",
    }
    out = {}
    for release in RELEASES:
        out[release] = root / release
        publish(out[release], release=release, redact=Redactor(known=personal), **parts)
    out["leaky"] = root / "leaky"
    publish(out["leaky"], release="police", redact=Redactor(kinds=()), **_leaky(parts))
    return SimpleNamespace(
        parts=parts,
        root=root,
        city=city,
        area=area,
        intake=intake,
        cases_csv=written["records"],
        geo=geo,
        register=register,
        candidates=candidates,
        key=key,
        personal=personal,
        out=out,
        **planted,
    )


def _leaky(parts: dict[str, object]) -> dict[str, object]:
    """`parts` with a planted phone where the sources' redaction would have removed it (a
    road of the basemap, the hot units' road, the sites' positions, the candidates' names),
    for a publish without the redactor: the leak the check must refuse."""
    phone = PLANTED["place"]["mobile"]
    area, result = parts["area"], parts["result"]
    edges = area.edges.assign(name=area.edges["name"] + f"（电话{phone}）")
    units = result.units.assign(road=result.units["road"].astype(str) + f"（电话{phone}）")
    cands = parts["campaign_candidates"]
    leaked = {
        key: parts[key].assign(position_text=parts[key]["position_text"] + f"（电话{phone}）")
        for key in ("sign_sites", "campaign_sites")
    }
    return {
        **parts,
        **leaked,
        "area": dataclasses.replace(area, edges=edges),
        "result": dataclasses.replace(result, units=units),
        "campaign_candidates": cands.assign(name=cands["name"].astype(str) + f"（电话{phone}）"),
        "source": "示范市台账（测试）",
    }


# --- reading what was written ------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-()（）+\u3000]")
_JSON_ESCAPE = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def _decoded(text: str) -> str:
    """`text` with JSON ``\\uXXXX`` runs decoded (folium writes Chinese so in GeoJSON) and
    HTML entities too (record text is escaped for HTML, brackets included)."""
    return html.unescape(_JSON_ESCAPE.sub(lambda m: json.loads(f'"{m.group(0)}"'), text))


def _shared_texts(folder: Path) -> dict[str, str]:
    """Every shared file of `folder` as one text: the maps decoded, every workbook cell and
    every GeoPackage value."""
    texts: dict[str, str] = {}
    for path in sorted((folder / "maps").glob("*.html")):
        texts[f"maps/{path.name}"] = _decoded(path.read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(folder / "sites.xlsx")
    texts["sites.xlsx"] = "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    gpkg = folder / "sites.gpkg"
    texts["sites.gpkg"] = "\n".join(
        pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False).astype(str).to_csv()
        for layer in pyogrio.list_layers(gpkg)[:, 0]
    )
    return texts


def _planted_in(text: str) -> list[str]:
    """The planted numbers `text` holds, whatever the spaces, hyphens and brackets."""
    compact = _SEPARATORS.sub(
        "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    )
    compact = compact.upper()
    return [
        f"{source}:{what}"
        for source, values in PLANTED.items()
        for what, value in values.items()
        if value.upper() in compact
    ]


def _worker_names(world) -> list[str]:
    return [n for r in world.rows for n in (r["own"], r["other"])]


# --- the shared outputs -------------------------------------------------------------------


def test_the_planted_values_reach_the_inputs_of_publish(world):
    """Control: the planted text is really in what the analysis hands to publish."""
    names = world.area.edges["name"]
    assert names.str.startswith(ROAD).any() and names.str.contains("〔身份证号已隐去〕").any()
    assert world.candidates["name"].str.startswith(OSM_POI).any()
    assert world.candidates["name"].str.startswith(CSV_POI).any()
    assert world.candidates["name"].str.startswith(CANDIDATE).any()
    listed = world.key[world.key["key"].astype(bool)]
    assert listed["name"].str.startswith(ENTERPRISE).any()
    # and without the redactor they reach the police
    leaky = _shared_texts(world.out["leaky"])
    assert all(_planted_in(text) for text in leaky.values()), list(leaky)


@pytest.mark.parametrize("release", RELEASES)
def test_no_planted_value_in_any_shared_file(world, release):
    texts = _shared_texts(world.out[release])
    assert set(texts) == {
        "sites.xlsx", "sites.gpkg", "maps/hotspots.html", "maps/sign_sites.html",
        "maps/campaign_sites.html",
    }  # fmt: skip
    leaks = {name: _planted_in(text) for name, text in texts.items()}
    assert not any(leaks.values()), leaks
    names = [n for n in _worker_names(world) if any(n in t for t in texts.values())]
    assert not names
    found = scan_outputs(
        world.out[release], forbidden=forbidden_values(world.intake.protected, world.intake.cases)
    )
    assert found.empty, found.to_string()


@pytest.mark.parametrize("release", RELEASES)
def test_the_placeholders_stand_in_for_them(world, release):
    texts = _shared_texts(world.out[release])
    for name in ("maps/hotspots.html", "maps/sign_sites.html", "maps/campaign_sites.html"):
        # the basemap's road name, in every map (OSM names are NFKC-normalised)
        road = unicodedata.normalize("NFKC", f"{ROAD}（身份证 ") + PLACEHOLDERS["id_number"]
        assert road in texts[name], name
        assert PLACEHOLDERS["phone"] in texts[name]
    campaign = texts["maps/campaign_sites.html"]
    for poi in (OSM_POI, CSV_POI, CANDIDATE):
        shown = re.escape(poi) + r"[（(][^<>\"]*" + re.escape(PLACEHOLDERS["phone"])
        assert re.search(shown, campaign), poi
    assert "（测试，经办电话" + PLACEHOLDERS["phone"] in campaign  # the source in the title
    if release == "police":
        ents = read_back(world.out[release] / "sites.xlsx")["重点企业"]
        planted = ents[ents["单位名称"].str.startswith(ENTERPRISE)]
        assert len(planted) == 1
        assert PLACEHOLDERS["id_number"] in planted["单位名称"].iloc[0]


def test_unit_names_are_redacted_in_the_maps(world, tmp_path):
    """The units' road names and places in words (the 地点 of the hotspot map) go through the
    redactor: a worker name and a phone put into a hot unit's road name reach no map."""
    parts = dict(world.parts)
    units = parts["result"].units.copy()
    hot = units.index[units["hotspot_class"].fillna("") != ""]
    road = f"{world.rows[0]['own']}门口{PLANTED['place']['mobile']}路"
    units.loc[hot, "road"] = road
    units.loc[hot, "place_text"] = f"{road}（{road}与某路交叉口往东约50米）"  # built from it
    parts["result"] = dataclasses.replace(parts["result"], units=units)
    res = publish(tmp_path, release="police", redact=Redactor(known=world.personal), **parts)
    text = _decoded(res.maps["hotspots"].read_text(encoding="utf-8"))
    assert not _planted_in(text)
    assert world.rows[0]["own"] not in text
    assert f"{PLACEHOLDERS['name']}门口{PLACEHOLDERS['phone']}路" in text


# --- intake's own files -------------------------------------------------------------------


def test_cases_csv_holds_no_planted_value_nor_worker_name(world):
    text = world.cases_csv.read_text(encoding="utf-8-sig")
    assert not _planted_in(text)
    cases = pd.read_csv(world.cases_csv, dtype=str, keep_default_na=False)
    planted = cases[cases["decision_no"].isin([r["decision_no"] for r in world.rows])]
    assert len(planted) == len(world.rows)
    for col in ("place_text", "employer"):
        assert planted[col].str.contains(PLACEHOLDERS["name"]).all(), col
        assert planted[col].str.contains(PLACEHOLDERS["phone"]).all(), col
        assert planted[col].str.contains(PLACEHOLDERS["id_number"]).all(), col
    for col in ("place_text", "employer", "narrative_place"):
        text = cases[col].str.cat(sep="\n")
        assert not [n for n in _worker_names(world) if n in text], col
    # and no worker name of the whole batch anywhere in the file
    found = scan_outputs(
        world.cases_csv,
        forbidden=forbidden_values(world.intake.protected, None),
        kinds=("id_number", "phone", "name"),
    )
    assert found.empty, found.to_string()


def test_geocoded_cases_review_queue_and_duplicates_hold_none(world):
    """The ``cases`` layer of the internal ``cases.gpkg`` is the geocoded cases; the review
    queue and the duplicates carry place texts too."""
    geocoded = world.geo.cases
    planted = geocoded[geocoded["decision_no"].isin([r["decision_no"] for r in world.rows])]
    assert len(planted) >= 1
    lost = world.intake.duplicates
    lost = lost[lost["key"] == world.rows[0]["decision_no"]]
    assert lost["place"].str.contains(f"电话号码{PLACEHOLDERS['phone']}").any()  # the copy
    for frame in (geocoded, world.geo.review_queue, world.intake.duplicates):
        text = frame.astype(str).to_csv()
        assert not _planted_in(text)
        assert not [n for n in _worker_names(world) if n in text]
    path = world.root / "cases.gpkg"
    cols = [c for c in ("decision_no", "place_text", "employer") if c in geocoded]
    pyogrio.write_dataframe(geocoded[[*cols, "geometry"]], path, layer="cases")
    found = scan_outputs(
        path, forbidden=forbidden_values(world.intake.protected, None), kinds=("phone", "name")
    )
    assert found.empty, found.to_string()


def test_registers_are_redacted_by_shape(world):
    listed = world.candidates[world.candidates["source"] == "list"]
    for frame, col in ((world.register, "name"), (listed, "name"), (listed, "address")):
        text = frame[col].astype(str).str.cat(sep="\n")
        assert not _planted_in(text), col
    assert listed["address"].astype(str).str.contains(PLACEHOLDERS["phone"]).any()
    assert world.register["name"].astype(str).str.contains(PLACEHOLDERS["id_number"]).any()


def test_osm_names_are_redacted_before_the_name_index(world):
    area = world.area
    for frame, col in ((area.edges, "name"), (area.roads, "name"), (area.names, "name")):
        names = frame[col].astype(str)
        assert not _planted_in(names[~names.str.startswith(CSV_POI)].str.cat(sep="\n")), col
    osm = area.pois[area.pois["source"] == "osm"]
    assert not _planted_in(osm["name"].str.cat(sep="\n"))
    assert osm["name"].str.contains(PLACEHOLDERS["phone"]).any()


def test_pois_csv_names_are_redacted_before_the_name_index(world):
    csv_pois = world.area.pois[world.area.pois["source"] == "pois.csv"]
    assert not _planted_in(csv_pois["name"].str.cat(sep="\n"))
    assert not _planted_in(world.area.names["name"].astype(str).str.cat(sep="\n"))


# --- the check before the swap ------------------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_the_check_passes_clean_outputs(world, release):
    got = check_shared_outputs(world.out[release], forbidden=world.personal, release=release)
    assert got["scanned"] == [
        "sites.xlsx", "sites.gpkg", "maps/campaign_sites.html", "maps/hotspots.html",
        "maps/sign_sites.html",
    ]  # fmt: skip
    assert got["not_scanned"] == []


def test_the_check_prepares_the_values_from_the_tables_itself(world):
    check_shared_outputs(
        world.out["police"], protected=world.intake.protected, cases=world.intake.cases
    )


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message and "\r" not in message
    assert "the previous run stays" in message
    return message


def test_the_check_refuses_outputs_written_without_the_redactor(world):
    with pytest.raises(PersonalDataError) as exc:
        check_shared_outputs(world.out["leaky"], forbidden=world.personal)
    message = _one_line(exc)
    assert isinstance(exc.value, ValueError)
    # the first leak is in the workbook: its sheet!cell and its column header
    assert re.match(r"sites\.xlsx: a phone number \(139\*+\d\d\) in column \S+ \[", message)
    assert re.search(r"\[建议点位![A-Z]+\d+\]; \d+ more finding\(s\)\.", message)
    assert PLANTED["place"]["mobile"] not in message  # masked


@pytest.mark.parametrize(
    ("leaked", "expected"),
    [
        ("maps/hotspots.html", r"in property name of geo_json_\d+ \(layer 道路（底图）\)"),
        ("maps/sign_sites.html", r"in property name of geo_json_\d+ \(layer 道路（底图）\)"),
        ("sites.gpkg", r"in layer sign_sites, column position_text \[sign_sites/position_text/"),
    ],
)
def test_the_check_names_the_file_and_the_field(world, tmp_path, leaked, expected):
    folder = tmp_path / "run"
    shutil.copytree(world.out["police"], folder)
    shutil.copyfile(world.out["leaky"] / leaked, folder / leaked)
    with pytest.raises(PersonalDataError) as exc:
        check_shared_outputs(folder, forbidden=world.personal)
    message = _one_line(exc)
    assert message.startswith(f"{leaked}: "), message
    assert re.search(expected, message), message


def test_a_png_is_listed_as_not_scanned(world, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(world.out["public"], folder)
    (folder / "maps" / "hotspots.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    got = check_shared_outputs(folder, forbidden=world.personal, release="public")
    assert got["not_scanned"] == ["maps/hotspots.png"]
