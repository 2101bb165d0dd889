"""``publish``: sites.xlsx, sites.gpkg and the maps for the police, checked as a police
officer would receive them."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pyogrio
import pytest

from trafficprev._scan import forbidden_values, scan_outputs
from trafficprev.datasets import demo_files
from trafficprev.groups import key_enterprises
from trafficprev.intake import read_campaign_candidates, read_determinations, read_measures
from trafficprev.maps import find_chromium
from trafficprev.publish import publish
from trafficprev.sites import (
    campaign_candidates,
    choose_campaign_sites,
    choose_sign_sites,
    read_back,
)


@pytest.fixture(scope="module")
def published(demo_hotspots, demo_area, demo_geocoded, demo_register, tmp_path_factory):
    f = demo_files()
    measures = read_measures(f["measures"]).records
    signs = choose_sign_sites(
        demo_hotspots, demo_area, existing=measures[measures["kind"] == "警示标志"]
    )
    cand = campaign_candidates(read_campaign_candidates(f["campaign_sites"]).records, demo_area)
    key = key_enterprises(demo_geocoded, demo_register)
    camp = choose_campaign_sites(demo_geocoded, demo_register, cand, key=key)
    out = tmp_path_factory.mktemp("run")
    res = publish(
        out,
        result=demo_hotspots,
        area=demo_area,
        sign_sites=signs,
        campaign_sites=camp,
        campaign_candidates=cand,
        key=key,
        period="2023Q1–2024Q4",
        source="示范市工伤认定台账（合成演示数据）",
        prints=False,  # the prints: test_prints_for_reports
    )
    return res, signs, camp, key


def test_workbook_for_the_police(published):
    res, signs, camp, key = published
    sheets = read_back(res.sites_xlsx)
    assert list(sheets) == ["建议点位", "重点企业", "说明"]
    sites = sheets["建议点位"]
    assert len(sites) == len(signs) + len(camp)
    assert sites["地图编号"].tolist() == signs["site_id"].tolist() + camp["site_id"].tolist()
    assert set(sites["建议类型"]) == {"警示标志", "宣传点"}
    assert {"少于3起"} <= set(sites["覆盖事故数"]) or (signs["n_covered"] >= 3).all()
    assert sites["位置描述"].str.contains("交叉口").any()
    ents = sheets["重点企业"]
    # the key list of 22, less the enterprises with fewer than 3 cases (not listed at police)
    assert int(key["key"].sum()) == 22
    listed = key[key["key"].astype(bool) & (key["n_cases"] >= 3)]
    assert ents["单位名称"].tolist() == listed["name"].tolist() and len(ents) >= 10
    assert not ents["事故数"].str.startswith("少于").any()
    notes = dict(zip(sheets["说明"]["项目"], sheets["说明"]["说明"], strict=True))
    assert notes["发布级别"] == "警方" and "GCJ-02" in notes["坐标系"]
    wb = openpyxl.load_workbook(res.sites_xlsx)
    assert all(ws.freeze_panes == "A2" for ws in wb.worksheets)


def test_geopackage_layers(published):
    res, signs, camp, _ = published
    assert len(pyogrio.read_dataframe(res.sites_gpkg, layer="campaign_sites")) == len(camp)
    layers = dict(pyogrio.list_layers(res.sites_gpkg))
    assert set(layers) == {"sign_sites", "campaign_sites"}
    df = pyogrio.read_dataframe(res.sites_gpkg, layer="sign_sites")
    assert len(df) == len(signs) and df.crs.to_epsg() == 4326
    assert "unit_ids" not in df.columns and "candidate" not in df.columns


def test_nothing_personal_in_what_is_shared(published):
    res, *_ = published
    intake = read_determinations(demo_files()["determinations"])
    forbidden = forbidden_values(intake.protected, intake.cases)
    files = [res.sites_xlsx, res.sites_gpkg, *res.maps.values()]
    findings = scan_outputs(files, forbidden=forbidden)
    assert findings.empty, findings.head().to_string()


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_prints_for_reports(published, tmp_path, monkeypatch):
    """Every map gets a PNG and an A4 PDF beside it: Chromium prints one map for real (the
    other two would print the same way, so they are printed by stand-ins that record what
    they were asked for)."""
    import shutil

    import trafficprev.publish as publishing

    res, *_ = published
    maps = {name: shutil.copy(path, tmp_path / path.name) for name, path in res.maps.items()}
    assert set(maps) == {"hotspots", "sign_sites", "campaign_sites"}
    real = {"sign_sites": maps["sign_sites"]}
    for path in publishing._print_maps(real).values():
        assert path.stat().st_size > 10_000, path.name
    pdf = subprocess.run(["pdfinfo", str(maps["sign_sites"].with_suffix(".pdf"))],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", pdf).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    asked = []
    monkeypatch.setattr(publishing, "screenshot", lambda page, out: asked.append(out) or out)
    monkeypatch.setattr(publishing, "print_pdf", lambda page, out: asked.append(out) or out)
    printed = publishing._print_maps(maps)
    assert set(printed) == {
        f"{m}.{ext}" for m in ("hotspots", "sign_sites", "campaign_sites") for ext in ("png", "pdf")
    }
    assert sorted(asked) == sorted(printed.values())
    assert all(path.parent == tmp_path for path in asked)
