"""The three maps on the demo city: offline, in a real browser, release levels, hostile text."""

from __future__ import annotations

import re

import pytest

from trafficprev import Settings
from trafficprev._scan import scan_outputs
from trafficprev.datasets import demo_files
from trafficprev.intake import read_campaign_candidates, read_determinations, read_measures
from trafficprev.maps import (
    campaign_sites_map,
    check_offline,
    find_chromium,
    hotspots_map,
    release_sites,
    render_offline,
    save_offline,
    sign_sites_map,
    suppress_counts,
)
from trafficprev.maps._build import CLASS_STYLE
from trafficprev.sites import campaign_candidates, choose_campaign_sites, choose_sign_sites
from trafficprev.testing import check_in_browser
from trafficprev.trends import emerging_hotspots, hotspot_peaks

chromium = pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
PAYLOADS = (
    "<img src=x onerror=\"document.title='pwned'\">",
    "${document.title='pwned'}",
    "\\`);document.title='pwned';//",
    "D:\\upload\\长沙.xls",
)


def _text(html: str) -> str:
    """The HTML with JSON ``\\uXXXX`` escapes decoded (layer names, GeoJSON properties)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


@pytest.fixture(scope="module")
def parts(demo_hotspots, demo_area, demo_geocoded, demo_register):
    f = demo_files()
    measures = read_measures(f["measures"]).records
    signs = choose_sign_sites(
        demo_hotspots, demo_area, existing=measures[measures["kind"] == "警示标志"]
    )
    cand = campaign_candidates(read_campaign_candidates(f["campaign_sites"]).records, demo_area)
    camp = choose_campaign_sites(demo_geocoded, demo_register, cand)
    em = emerging_hotspots(demo_hotspots.cases, demo_hotspots.network)
    peaks = hotspot_peaks(demo_hotspots.cases, demo_hotspots.units)
    return {"signs": signs, "cand": cand, "camp": camp, "em": em.units, "peaks": peaks}


@pytest.fixture(scope="module")
def written(parts, demo_hotspots, demo_area, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    kw = {"period": "2023Q1–2024Q4", "source": "示范市工伤认定台账（合成演示数据）"}
    paths = {}
    for release in ("police", "internal"):
        m = hotspots_map(
            demo_hotspots, demo_area, release=release, emerging=parts["em"],
            peaks=parts["peaks"], **kw,
        )  # fmt: skip
        paths[f"hotspots_{release}"] = save_offline(m, out / f"hotspots_{release}.html")
    paths["sign_sites"] = save_offline(
        sign_sites_map(parts["signs"], demo_hotspots, demo_area, **kw), out / "sign_sites.html"
    )
    paths["campaign_sites"] = save_offline(
        campaign_sites_map(parts["camp"], parts["cand"], demo_area, **kw),
        out / "campaign_sites.html",
    )
    return paths


def test_maps_are_offline_small_and_titled(written):
    for name, path in written.items():
        html = path.read_text(encoding="utf-8")
        check_offline(html)
        assert path.stat().st_size < 5_000_000, name
        assert "合成演示数据" in _text(html), name
    hot = _text(written["hotspots_police"].read_text(encoding="utf-8"))
    for layer in (
        "道路（底图）",
        "显著热点（Gi*，FDR 0.05）",
        "时段：早高峰",
        "季度：2024Q4",
        "图例",
    ):
        assert layer in hot
    assert "工伤数据视角的多发点段" in hot
    assert "发布级别：警方" in hot


def test_same_inputs_same_bytes(parts, demo_hotspots, demo_area):
    a = render_offline(sign_sites_map(parts["signs"], demo_hotspots, demo_area))
    b = render_offline(sign_sites_map(parts["signs"], demo_hotspots, demo_area))
    assert a == b


@chromium
def test_maps_render_in_chromium_with_no_error_and_no_request(written):
    for name, path in written.items():
        report = check_in_browser(path)
        assert report.errors == [], name
        assert report.requests == [], name
        assert "leaflet-container" in report.dom, name
    signs = check_in_browser(written["sign_sites"]).dom
    assert signs.count(">J0") >= 9  # the numbered site markers


def test_police_maps_hold_no_personal_data_or_decision_numbers(written, demo_geocoded):
    intake = read_determinations(demo_files()["determinations"])
    from trafficprev._scan import forbidden_values

    forbidden = forbidden_values(intake.protected, intake.cases)
    police = [p for n, p in written.items() if n != "hotspots_internal"]
    findings = scan_outputs(police, forbidden=forbidden)
    assert findings.empty, findings.head().to_string()
    # the internal map does carry decision numbers: the scanner sees them
    internal = scan_outputs([written["hotspots_internal"]], forbidden=forbidden)
    assert (internal["kind"] == "decision_no").any()


def test_small_counts_are_suppressed_on_police_maps(written):
    html = _text(written["hotspots_police"].read_text(encoding="utf-8"))
    counts = re.findall(r'"cases": "([^"]*)"', html)
    assert counts
    shown = [c for c in counts if c.isdigit()]
    assert all(int(c) == 0 or int(c) >= 3 for c in shown)
    internal = _text(written["hotspots_internal"].read_text(encoding="utf-8"))
    assert any(c in ("1", "2") for c in re.findall(r'"cases": "([^"]*)"', internal))


def test_release_sites_suppress_and_blank(parts, demo_hotspots):
    signs = parts["signs"]
    police = release_sites(signs, "police", Settings(), units=demo_hotspots.units)
    small = (signs["n_covered"] < 3).to_numpy()
    some = (signs["n_covered"] > 0).to_numpy()
    assert small.any()
    assert (police.loc[small & some, "n_covered"] == "少于3起").all()
    assert (police.loc[small, "circumstances"] == "").all()
    assert "unit_ids" not in police and "candidate" not in police
    assert not police["peak_hours"].str.contains("n=").any()
    # a count hidden by secondary suppression is at least k and reads so
    hidden = (police["n_covered"] == "3起及以上").to_numpy()
    assert hidden.any() and (signs.loc[hidden, "n_covered"] >= 3).all()
    camp = release_sites(parts["camp"], "public", Settings())
    assert "top_enterprises" not in camp
    assert not camp["reaches"].str.contains(r"(?<![\d.])[1-4]起(?!及以上)").any()
    assert release_sites(signs, "internal").equals(signs)
    assert suppress_counts([0, 1, 4, 5], 5).tolist() == ["0", "少于5起", "少于5起", "5"]
    with pytest.raises(ValueError, match="release must be"):
        release_sites(signs, "everyone")


@chromium
def test_hostile_record_text_stays_inert(parts, demo_hotspots, demo_area, tmp_path):
    units = demo_hotspots.units.copy()
    hot = units.index[units["hotspot_class"] != ""]
    for i, idx in enumerate(hot):
        units.loc[idx, "road"] = PAYLOADS[i % len(PAYLOADS)]
    hostile = type(demo_hotspots)(
        units, demo_hotspots.clusters, demo_hotspots.stretches, demo_hotspots.cases,
        demo_hotspots.network,
    )  # fmt: skip
    signs = parts["signs"].copy()
    for col in ("position_text", "signs", "circumstances", "road"):
        signs[col] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(signs))]
    camp = parts["camp"].copy()
    camp["name"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(camp))]
    maps = {
        "hot": hotspots_map(hostile, demo_area, release="police", title=PAYLOADS[0],
                            source=PAYLOADS[2]),
        "signs": sign_sites_map(signs, demo_hotspots, demo_area, period=PAYLOADS[1]),
        "camp": campaign_sites_map(camp, parts["cand"], demo_area),
    }  # fmt: skip
    doms = {}
    for name, m in maps.items():
        report = check_in_browser(save_offline(m, tmp_path / f"{name}.html"))
        assert report.errors == [], name
        assert not re.search(r"<title>\s*pwned\s*</title>", report.dom), name
        assert "data-pwned" not in report.dom
        doms[name] = report.dom
    # the payload text shows literally where our own markup puts it (the title box)
    assert "&lt;img src=x" in doms["hot"]


def test_public_campaign_reach_names_no_enterprise(parts):
    public = release_sites(parts["camp"], "public", Settings())
    police = release_sites(parts["camp"], "police", Settings())
    assert not public["reaches"].str.contains("公司|医院").any()
    assert police["reaches"].str.contains("公司|医院").any()


def test_gcj02_tiles_shift_everything_drawn(parts, demo_hotspots, demo_area):
    from trafficprev.coords import haversine_m
    from trafficprev.maps import tile_layer

    tiles = tile_layer(
        "http://tiles.intranet.example/{z}/{x}/{y}.png", attribution="内网底图", crs="gcj02"
    )
    plain = render_offline(sign_sites_map(parts["signs"], demo_hotspots, demo_area))
    shifted = render_offline(sign_sites_map(parts["signs"], demo_hotspots, demo_area, tiles=tiles))
    row = parts["signs"].iloc[0]

    def marker(html: str) -> tuple[float, float]:
        # the first DivIcon marker is site J01
        m = re.search(r"L\.marker\(\s*\[([0-9.]+), ([0-9.]+)\]", html)
        return float(m.group(2)), float(m.group(1))

    lon, lat = marker(plain)
    assert (lon, lat) == pytest.approx((row["lon"], row["lat"]), abs=1e-9)
    glon, glat = marker(shifted)
    assert (glon, glat) == pytest.approx((row["lon_gcj02"], row["lat_gcj02"]), abs=1e-9)
    assert 400 < haversine_m(lon, lat, glon, glat) < 800
    assert "tiles.intranet.example" in shifted


def _layers(html: str) -> dict[str, list[dict]]:
    """The GeoJSON features of a map, by the name of the layer (FeatureGroup) holding them."""
    import json

    names = {
        var: json.loads(f'"{name}"')
        for name, var in re.findall(r'"([^"]+)"\s*:\s*(feature_group_\w+)', html)
    }
    owner = dict(re.findall(r"(geo_json_\w+)\.addTo\((feature_group_\w+)\)", html))
    out: dict[str, list[dict]] = {}
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\b(geo_json_\w+)_add\(", html):
        data, _ = decoder.raw_decode(html, m.end())
        name = names.get(owner.get(m[1], ""), "")
        out.setdefault(name, []).extend(data.get("features", []))
    return out


def _key(feature: dict) -> str:
    import json

    return json.dumps(feature["geometry"], sort_keys=True)


def test_hotspot_layers_hide_small_differences_and_peaks(written, parts, demo_hotspots):
    """Issue 15 on the hotspot map: a unit shows 6 and its 晚高峰 layer 4 (2 outside);
    样本不足（n=1） in tooltips; peak windows of units with too few cases; cluster counts."""
    police = _layers(written["hotspots_police"].read_text(encoding="utf-8"))
    internal = _layers(written["hotspots_internal"].read_text(encoding="utf-8"))

    def totals(layers):
        return {
            _key(f): f["properties"]["cases"]
            for name, feats in layers.items()
            if name in {v[0] for v in CLASS_STYLE.values()}
            for f in feats
        }

    def violations(layers, k):
        shown = totals(layers)
        bad = []
        for name, feats in layers.items():
            if not name.startswith(("时段：", "季度：")):
                continue
            for f in feats:
                total, part = shown.get(_key(f)), f["properties"]["cases"]
                readable = total and total.isdigit() and part.isdigit()
                if readable and 0 < int(total) - int(part) < k:
                    bad.append((name, total, part))
        return bad

    assert violations(internal, 3)  # the control: the demo has such units
    assert not violations(police, 3)
    assert sum(len(v) for n, v in police.items() if n.startswith("时段：")) >= 1
    # peaks: never "n=", and only where the window holds at least 3 cases
    peaks = [
        f["properties"]["peak"] for n, v in police.items() for f in v if "peak" in f["properties"]
    ]
    assert peaks and not any("n=" in p for p in peaks)
    assert any("样本不足（n=" in f["properties"].get("peak", "") for v in internal.values()
               for f in v)  # fmt: skip
    windows = [p for p in peaks if p and p != "样本不足"]
    assert len(windows) <= int((parts["peaks"]["peak_n"] >= 3).sum())
    # cluster outlines: no count at police, counts at internal
    cl_police = [f["properties"]["cases"] for f in police["事故聚集区轮廓"]]
    cl_internal = [f["properties"]["cases"] for f in internal["事故聚集区轮廓"]]
    assert cl_police and set(cl_police) <= {"3起及以上", "少于3起"}
    assert all(c.replace(".0", "").isdigit() for c in cl_internal)
