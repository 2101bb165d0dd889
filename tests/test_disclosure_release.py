"""End to end: no count of 1 … k−1 can be read from a release's files (issue 15, part 4).

A small synthetic world is run once for the module (``pipeline.run`` at ``police``) and
published again from the same result at ``public`` and at ``internal``. The test then reads
the files a recipient gets — the three maps (the GeoJSON of each layer, found by the layer's
name; a unit is the same unit across layers when its geometry is the same), the popups,
``sites.xlsx`` (openpyxl) and ``sites.gpkg`` (pyogrio) — and checks, for every pair of
related counts shown in one release, that the difference is 0, at least *k*, or that one of
the two is not a readable number:

* a unit's total against its hour-band and quarter counts, and against their sum;
* a sign's covered cases against the counts of the units it covers, their sum, the bounds
  of its ``少于k起`` units, and another sign's over nested units;
* a campaign site's cases against those by accident place and by workplace (when the listed
  enterprises add up to them), and each listed enterprise's count against its total in the
  重点企业 sheet;
* a site's circumstances ``（a/b）``: b is the site's own count, shown; a and b − a are 0 or
  at least *k*;
* a key enterprise's cases against the recent and earlier cases in its reason;
* a cluster outline's count against the units inside it;

and that every count shown is 0, at least *k* or a label (``少于k起``, ``k起及以上``), that no
peak text says ``n=`` or shows a window of fewer than *k* cases, that no enterprise with
fewer than *k* cases is listed, and that ``public`` has no 重点企业 sheet.

Controls (teeth): each relation is violated at least once in files of the same world written
with the protection in question off — at ``internal`` (everything shown) for the direct and
statement rules, and at ``police`` with secondary suppression switched off (monkeypatched
:mod:`trafficprev.disclosure` functions: primary suppression only) for the differences
(``tests/test_sign_sites.py`` holds the control of a hidden count's numberless words).

The world (``WORLD``) was chosen by a sweep of seeds and sizes so that each relation is
exercised at k = 3: see ``MARGINS`` for what it must hold.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from shapely.geometry import shape

from trafficprev import Settings, disclosure
from trafficprev.area import build_area, load_area, save_area
from trafficprev.datasets.democity import make_demo_city, small_config
from trafficprev.groups import key_reasons
from trafficprev.maps import hotspots_map, release_sites
from trafficprev.maps._build import CLASS_STYLE, _lean
from trafficprev.pipeline import analyse_quarter
from trafficprev.publish import publish

QUARTER = "2024Q4"
#: The synthetic world (make_demo_city) and the settings of its run.
WORLD = {"n_determinations": 1500, "seed": 2024, "hotspot_strength": 15.0, "n_hotspots": 6}
#: A longer key list and a looser trend level than the defaults, so that the key list holds
#: enterprises with 1 … k−1 cases and rising ones (whose reasons carry recent/earlier counts).
SETTINGS = {"key_enterprises": 40, "trend_alpha": 0.3}
#: What the world must hold for every relation to be exercised (checked in a test).
#: Chosen by a sweep of about 20 worlds (n 800–3000, seeds 1–11 and 2024, strength 8–100,
#: 2–8 hotspots, about 20 s each): in few small worlds do the hour-band and quarter relations
#: bite (a unit of 4 with 3 in one band); in this one each does, once.
MARGINS = {
    "hour_band_parts": 1,  # parts drawn beside a shown unit total with (a) off
    "quarter_parts": 1,
    # since a new sign must add k cases (issue 18) few signs remain: this world's 2024Q4 run
    # had 2 covering >= 3 (measured 2026-12-07); 1 leaves a margin of one
    "signs_at_least_k": 1,
    "campaign_sites": 5,
    "rising_key_enterprises": 2,
}
K = {"police": 3, "public": 5}
HOT_LAYERS = {label for label, _ in CLASS_STYLE.values()}
COVERED_LAYER = "标志覆盖的路段与交叉口"
CLUSTER_LAYER = "事故聚集区轮廓"


# --- the world and its releases -----------------------------------------------------------


def _secondary_off(mp: pytest.MonkeyPatch) -> None:
    """Primary suppression only: every difference rule of :mod:`trafficprev.disclosure` off.

    Patched in the module objects the release code actually reads (doctest collection may
    load a second copy of a module).
    """
    small = disclosure.is_small

    def parts(total, parts, k, *, eligible=None):
        return [not small(p, k) for p in parts]

    users = (release_sites, hotspots_map, key_reasons)
    for module in {
        id(f.__globals__["disclosure"]): f.__globals__["disclosure"] for f in users
    }.values():
        mp.setattr(module, "parts_shown", parts)
        mp.setattr(module, "sum_shown", lambda total, counts, k: not small(total, k))
        mp.setattr(module, "nested_shown", lambda totals, members, shown, k: list(shown))
        mp.setattr(
            module, "overlap_shown", lambda union, a, b, k: (not small(a, k), not small(b, k))
        )


def build_world(root: Path) -> SimpleNamespace:
    """Generate the world, analyse its quarter, publish it at every level."""
    city = root / "city"
    make_demo_city(city, small_config(**WORLD))
    area = build_area(
        "disclosure",
        osm=city / "demo_city.osm",
        pois=city / "pois.csv",
        admin=city / "admin_divisions.csv",
    )
    save_area(area, root / "area")
    settings = Settings(as_of=dt.date(2025, 6, 30), **SETTINGS)
    inputs = sorted(city.glob("determinations_*.xlsx")) + sorted(city.glob("determinations_*.csv"))
    extras = {k: city / f"{k}.csv" for k in ("enterprises", "campaign_sites", "measures")}
    # analysed once (the report, the stored result and the scan of a whole run are not what
    # this module reads), then published at every level
    result = analyse_quarter(
        area=root / "area", inputs=inputs, quarter=QUARTER, settings=settings, **extras
    )
    area = load_area(root / "area")

    def again(name: str, release: str, patch=None) -> Path:
        with pytest.MonkeyPatch.context() as mp:
            if patch is not None:
                patch(mp)
            publish(
                root / name,
                result=result.hotspots,
                area=area,
                sign_sites=result.sign_sites,
                campaign_sites=result.campaign_sites,
                campaign_candidates=result.candidates,
                key=result.key,
                emerging=result.emerging.units,
                peaks=result.peaks,
                settings=settings,
                release=release,
                period=QUARTER,
            )
        return root / name

    folders = {
        "police": again("police", "police"),
        "public": again("public", "public"),
        "internal": again("internal", "internal"),
        "off": again("off", "police", _secondary_off),
    }
    keys = _unit_keys(result.hotspots.units)
    return SimpleNamespace(result=result, settings=settings, folders=folders, keys=keys)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> SimpleNamespace:
    return build_world(tmp_path_factory.mktemp("disclosure"))


# --- reading a release back ---------------------------------------------------------------


def _key(geometry: dict) -> str:
    return json.dumps(geometry, sort_keys=True)


def _layers(page: str) -> dict[str, list[dict]]:
    """The GeoJSON features of a map, by the name of the layer (FeatureGroup) holding them."""
    names = {
        var: json.loads(f'"{name}"')
        for name, var in re.findall(r'"([^"]+)"\s*:\s*(feature_group_\w+)', page)
    }
    owner = dict(re.findall(r"(geo_json_\w+)\.addTo\((feature_group_\w+)\)", page))
    out: dict[str, list[dict]] = {}
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\b(geo_json_\w+)_add\(", page):
        data, _ = decoder.raw_decode(page, m.end())
        out.setdefault(names.get(owner.get(m[1], ""), ""), []).extend(data["features"])
    return out


def _popups(page: str) -> dict[str, dict[str, str]]:
    """Site popups of a map: site id (编号) -> label -> text shown."""
    out = {}
    for table in re.findall(r'<table class="tp-popup">(.*?)</table>', page):
        rows = {
            k: html.unescape(v) for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td>", table)
        }
        out[rows["编号"]] = rows
    return out


def _sheet(path: Path, title: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[title]
    rows = [["" if c.value is None else c.value for c in r] for r in ws.iter_rows()]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def read_release(folder: Path) -> SimpleNamespace:
    """Everything a release shows that the checks below need, read from its files."""
    maps = {
        name: (folder / "maps" / f"{name}.html").read_text(encoding="utf-8")
        for name in ("hotspots", "sign_sites", "campaign_sites")
    }
    hot = _layers(maps["hotspots"])
    signs_map = _layers(maps["sign_sites"])
    totals: dict[str, str] = {}  # unit geometry -> its count as shown
    peaks: dict[str, str] = {}
    for name, features in [*hot.items(), *signs_map.items()]:
        if name in HOT_LAYERS or name == COVERED_LAYER:
            for f in features:
                key = _key(f["geometry"])
                shown = str(f["properties"]["cases"])
                assert totals.setdefault(key, shown) == shown, "a unit shows two totals"
                if "peak" in f["properties"]:
                    peaks[key] = str(f["properties"]["peak"])
    parts = {"时段": {}, "季度": {}}  # family -> unit geometry -> {window: count}
    for name, features in hot.items():
        family = name.split("：")[0]
        if family in parts:
            for f in features:
                parts[family].setdefault(_key(f["geometry"]), {})[name] = str(
                    f["properties"]["cases"]
                )
    book = openpyxl.load_workbook(folder / "sites.xlsx")
    sites = _sheet(folder / "sites.xlsx", "建议点位")
    gpkg = {
        layer: gpd.read_file(folder / "sites.gpkg", layer=layer, engine="pyogrio")
        for layer, _ in pyogrio.list_layers(folder / "sites.gpkg")
    }
    return SimpleNamespace(
        maps=maps,
        hot=hot,
        signs_map=signs_map,
        totals=totals,
        peaks=peaks,
        parts=parts,
        clusters=[
            (shape(f["geometry"]), str(f["properties"]["cases"]))
            for f in hot.get(CLUSTER_LAYER, [])
        ],
        popups={**_popups(maps["sign_sites"]), **_popups(maps["campaign_sites"])},
        sheets=book.sheetnames,
        sites=sites,
        enterprises=_sheet(folder / "sites.xlsx", "重点企业")
        if "重点企业" in book.sheetnames
        else [],
        gpkg=gpkg,
    )


def _number(text: object) -> int | None:
    """The count a field shows, or None when it shows none (a label, a blank)."""
    text = str(text).strip()
    m = re.fullmatch(r"(\d+)(?:\.0)?(?:起)?", text)
    return int(m[1]) if m else None


def _bad(a: int | None, b: int | None, k: int) -> bool:
    """Both readable and their difference 1 … k−1."""
    return a is not None and b is not None and disclosure.is_small(abs(a - b), k)


def _split(joined: str, known: frozenset[str]) -> list[str]:
    """A sign's ``|``-joined unit ids (an intersection's id holds ``|`` itself)."""
    tokens, ids, i = joined.split("|") if joined else [], [], 0
    while i < len(tokens):
        j = next(j for j in range(i + 1, len(tokens) + 1) if "|".join(tokens[i:j]) in known)
        ids.append("|".join(tokens[i:j]))
        i = j
    return ids


def _unit_keys(units) -> dict[str, str]:
    """Unit id -> its geometry as the maps draw it."""
    lean = _lean(
        gpd.GeoDataFrame(units[["unit_id"]], geometry=units.geometry), ["unit_id"], "wgs84"
    )
    return {f["properties"]["unit_id"]: _key(f["geometry"]) for f in lean["features"]}


# --- the relations ------------------------------------------------------------------------


def _window_violations(rel, k: int, family: str) -> list[str]:
    bad = []
    for key, windows in rel.parts[family].items():
        total = _number(rel.totals.get(key, ""))
        counts = [_number(v) for v in windows.values()]
        for name, value in windows.items():
            if _bad(total, _number(value), k):
                bad.append(f"{name}: {value} of {total}")
        readable = [c for c in counts if c is not None]
        if total is not None and readable and disclosure.is_small(total - sum(readable), k):
            bad.append(f"{family}: {readable} of {total}")
    return bad


def hour_band_violations(world, rel, k):
    return _window_violations(rel, k, "时段")


def quarter_violations(world, rel, k):
    return _window_violations(rel, k, "季度")


def sign_violations(world, rel, k):
    """A sign's covered cases against its units' counts, their sum and bounds, nested signs."""
    units = world.result.hotspots.units
    keys = world.keys
    known = frozenset(units["unit_id"])
    shown = {
        r["地图编号"]: _number(r["覆盖事故数"]) for r in rel.sites if r["建议类型"] == "警示标志"
    }
    bad, members = [], {}
    for sid, joined in zip(
        world.result.sign_sites["site_id"], world.result.sign_sites["unit_ids"], strict=True
    ):
        ids = _split(joined, known)
        members[sid] = frozenset(ids)
        n = shown[sid]
        texts = [rel.totals[keys[u]] for u in ids]  # every covered unit is drawn
        readable = [c for c in map(_number, texts) if c]
        hidden = sum(t == disclosure.below_text(k) for t in texts)
        for c in readable:
            if _bad(n, c, k):
                bad.append(f"{sid}: {n} beside a unit of {c}")
        if readable and _bad(n, sum(readable), k):
            bad.append(f"{sid}: {n} beside units of {readable}")
        if n is not None and hidden and n - sum(readable) in (hidden, hidden * (k - 1)):
            bad.append(f"{sid}: {n} pins {hidden} units shown as 少于{k}起")
    for a, ma in members.items():
        for b, mb in members.items():
            if a < b and (ma <= mb or mb <= ma) and _bad(shown[a], shown[b], k):
                bad.append(f"{a} {shown[a]} and {b} {shown[b]} over nested units")
    return bad


_LISTED = re.compile(r"(★?)([^、：；]+?)（([^（）]*?)）(?=、|；)")


def campaign_violations(world, rel, k):
    """Cases of a campaign site against those by accident place / workplace, and each listed
    enterprise's count against its total in the 重点企业 sheet."""
    totals = {r["单位名称"]: _number(r["事故数"]) for r in rel.enterprises}
    bad = []
    for r in rel.sites:
        if r["建议类型"] != "宣传点":
            continue
        sid, n, text = r["地图编号"], _number(r["覆盖事故数"]), str(r.get("覆盖对象", ""))
        place = re.search(r"；(\d+)起事故发生在", text)
        by_place = int(place[1]) if place else None
        if _bad(n, by_place, k):
            bad.append(f"{sid}: {n} and {by_place} by accident place")
        many = re.search(r"的(\d+)家企业", text)
        listed = [(star, name, _number(c)) for star, name, c in _LISTED.findall(text)]
        for _, name, c in listed:
            if _bad(totals.get(name), c, k):
                bad.append(f"{sid}: {name} {c} here, {totals[name]} in 重点企业")
        if many and listed and len(listed) == int(many[1]):
            counts = [c for _, _, c in listed]
            if all(c is not None for c in counts):
                by_work = sum(counts)
                if _bad(n, by_work, k):
                    bad.append(f"{sid}: {n} and {by_work} by workplace")
                both = by_place is not None and n is not None
                if both and disclosure.is_small(by_work + by_place - n, k):
                    bad.append(f"{sid}: {by_work} + {by_place} − {n}")
    return bad


_FRACTION = re.compile(r"[（(](\d+)/(\d+)[）)]")


def circumstance_violations(world, rel, k):
    """（a/b）: b is the site's own count, shown beside it; a and b − a are 0 or ≥ k."""
    bad = []
    rows = [(r["地图编号"], r["覆盖事故数"], r.get("主要情形", "")) for r in rel.sites]
    rows += [(s, p.get("覆盖事故", ""), p.get("主要情形", "")) for s, p in rel.popups.items()]
    for sid, shown, text in rows:
        n = _number(shown)
        text = str(text)
        if n is None and re.search(r"\d", text):
            bad.append(f"{sid}: hidden count {shown!r} but {text!r}")
        for m in _FRACTION.finditer(text):
            a, b = int(m[1]), int(m[2])
            if b != n or disclosure.is_small(a, k) or disclosure.is_small(b - a, k):
                bad.append(f"{sid}: {m[0]} beside {shown!r}")
    return bad


_TREND = re.compile(r"近四季度上升（([^，）]*)，前四季度([^，）]*)(，p=[\d.]+)?）")


def enterprise_violations(world, rel, k):
    """Listed enterprises have at least k cases; their reasons' counts obey relation (d)."""
    bad = []
    for r in rel.enterprises:
        n = _number(r["事故数"])
        if n is None or disclosure.is_small(n, k):
            bad.append(f"{r['排名']}: listed with {r['事故数']!r}")
        reason = str(r.get("列入原因", ""))
        for m in _TREND.finditer(reason):
            recent, before = _number(m[1]), _number(m[2])
            if _bad(n, recent, k) or _bad(n, before, k):
                bad.append(f"{r['排名']}: {n} with {m[0]}")
            every = None not in (recent, before, n)
            if every and disclosure.is_small(n - recent - before, k):
                bad.append(f"{r['排名']}: {n} − {m[0]}")
            if m[3] and (recent is None or before is None):
                bad.append(f"{r['排名']}: a p-value beside a hidden count: {m[0]}")
    return bad


def cluster_violations(world, rel, k):
    """A cluster outline's count against the units drawn inside it."""
    units = []
    for name, features in rel.hot.items():
        if name in HOT_LAYERS:
            units += [(shape(f["geometry"]), _number(f["properties"]["cases"])) for f in features]
    bad = []
    for outline, shown in rel.clusters:
        c = _number(shown)
        inside = [n for g, n in units if n and shapely.within(g, outline.buffer(1e-6))]
        if _bad(c, sum(inside), k) or any(_bad(c, n, k) for n in inside):
            bad.append(f"cluster {c} around units {inside}")
    return bad


def peak_violations(world, rel, k):
    """No ``n=``; a window shows only where it holds at least k cases."""
    peaks = world.result.peaks
    held = {world.keys[u]: n for u, n in zip(peaks["unit_id"], peaks["peak_n"], strict=True)}
    bad = []
    texts = list(rel.peaks.items()) + [("site", str(r.get("主要时段", ""))) for r in rel.sites]
    for key, text in texts:
        if "n=" in text:
            bad.append(f"peak {text!r}")
        elif (
            key != "site" and text and not text.startswith("样本不足") and not held.get(key, 0) >= k
        ):
            bad.append(f"peak {text!r} of {held.get(key)} cases")
    return bad


_COUNT_IN_TEXT = re.compile(r"(?<![\d.于])(\d+)起(?!及以上)|n=(\d+)")


def count_violations(world, rel, k):
    """Every count shown is 0, at least k, 少于k起 or k起及以上; so is every N起 in a text."""
    labels = {disclosure.below_text(k), disclosure.at_least_text(k)}
    fields = [f["properties"]["cases"] for fs in [*rel.hot.values(), *rel.signs_map.values()]
              for f in fs if "cases" in f["properties"]]  # fmt: skip
    fields += [r["覆盖事故数"] for r in rel.sites] + [r["事故数"] for r in rel.enterprises]
    fields += [p["覆盖事故"] for p in rel.popups.values() if "覆盖事故" in p]
    fields += [v for frame in rel.gpkg.values() for v in frame["n_covered"]]
    bad = [repr(v) for v in fields if not (str(v) in labels or _number(v) is not None)]
    bad += [
        repr(v) for v in fields if _number(v) is not None and disclosure.is_small(_number(v), k)
    ]
    texts = [str(r.get(c, "")) for r in rel.sites for c in ("主要时段", "主要情形", "覆盖对象")]
    texts += [str(r.get("列入原因", "")) for r in rel.enterprises] + list(rel.peaks.values())
    texts += [v for p in rel.popups.values() for v in p.values()]
    for text in texts:
        for m in _COUNT_IN_TEXT.finditer(text):
            if disclosure.is_small(int(m[1] or m[2]), k):
                bad.append(f"{m[0]!r} in {text[:60]!r}")
    return bad


#: Relation -> (checker, the control release whose files must violate it at k = 3).
RELATIONS = {
    "hour_band": (hour_band_violations, "off"),
    "quarter": (quarter_violations, "off"),
    "sign_vs_units": (sign_violations, "off"),
    "campaign": (campaign_violations, "off"),
    "circumstances": (circumstance_violations, "internal"),
    "enterprise_reasons": (enterprise_violations, "off"),
    "clusters": (cluster_violations, "internal"),
    "peaks": (peak_violations, "internal"),
    "counts": (count_violations, "internal"),
}


@pytest.fixture(scope="module")
def released(world):
    return {name: read_release(folder) for name, folder in world.folders.items()}


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("release", ["police", "public"])
@pytest.mark.parametrize("relation", RELATIONS)
def test_no_count_below_k_can_be_read(world, released, release, relation):
    check, _ = RELATIONS[relation]
    bad = check(world, released[release], K[release])
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("relation", RELATIONS)
def test_each_relation_is_violated_with_its_protection_off(world, released, relation):
    check, control = RELATIONS[relation]
    assert check(world, released[control], K["police"]), f"{relation} is not exercised"


def test_the_world_exercises_every_relation(world, released):
    """The margins of the world (``MARGINS``), and that police still shows numbers."""
    off, police = released["off"], released["police"]
    for family, margin in (("时段", "hour_band_parts"), ("季度", "quarter_parts")):
        drawn = sum(len(w) for key, w in off.parts[family].items() if key in off.totals)
        assert drawn >= MARGINS[margin], family  # parts beside a shown total, before (a)
    signs = world.result.sign_sites
    assert (signs["n_covered"] >= 3).sum() >= MARGINS["signs_at_least_k"]
    assert len(world.result.campaign_sites) >= MARGINS["campaign_sites"]
    rising = world.result.key[world.result.key["key"].astype(bool) & world.result.key["rising"]]
    assert len(rising) >= MARGINS["rising_key_enterprises"]
    # secondary suppression hid something at police, and numbers still show
    shown = [r["覆盖事故数"] for r in police.sites]
    # numbers still show: 6 of the sites' counts in this world (measured 2026-12-07, fewer
    # since a new sign must add k cases)
    assert "3起及以上" in shown and sum(_number(v) is not None for v in shown) >= 4
    # 2 unit totals show as numbers (measured 2026-12-07: units without a case, which showed
    # 0, are no longer hotspots; the others mostly hold 1 … k−1)
    assert sum(_number(v) is not None for v in police.totals.values()) >= 1
    # the three copies of a site's count (xlsx, gpkg, popup) agree
    gpkg = {
        s: v
        for f in police.gpkg.values()
        for s, v in zip(f["site_id"], f["n_covered"], strict=True)
    }
    for r in police.sites:
        assert (
            gpkg[r["地图编号"]] == str(r["覆盖事故数"]) == police.popups[r["地图编号"]]["覆盖事故"]
        )


def test_public_has_no_key_sheet_and_police_lists_no_small_enterprise(world, released):
    assert "重点企业" not in released["public"].sheets
    assert released["public"].enterprises == []
    police = released["police"].enterprises
    key = world.result.key
    listed = key[key["key"].astype(bool) & (key["n_cases"] >= 3)]
    assert [r["单位名称"] for r in police] == listed["name"].tolist()
    assert len(listed) < int(key["key"].sum())  # the key list did hold small enterprises
    # the control: internal lists them, with their counts
    assert any(_number(r["事故数"]) in (1, 2) for r in released["internal"].enterprises)


def test_peak_texts_at_public_need_five_cases(world, released):
    """Issue 15: at public, units with 3–4 cases still showed peak windows."""
    units = world.result.hotspots.units.set_index("unit_id")
    keys = world.keys
    peaks = world.result.peaks
    small = peaks[(peaks["n"].between(3, 4)) & peaks["peak_text"].str.match(r"^(工作日|周末|每天)")]
    assert len(small)  # the world has such units (the control)
    for uid in small["unit_id"]:
        assert released["public"].peaks[keys[uid]] in ("", "样本不足"), units.loc[uid, "road"]
        assert not released["police"].peaks[keys[uid]].startswith("样本不足（")
