"""Tests of ``trafficprev.report``: the quarterly ``report.html``.

The demo city's quarterly run is built once per module (``pipeline.run`` writes the report
itself); the other checks render modified copies of its :class:`RunResult`.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import types

import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev._scan import forbidden_values, scan_outputs
from trafficprev.report import SECTIONS, render_report, write_report
from trafficprev.trends import compare_hotspots, compare_key_enterprises

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def demo_run(demo_quarter_run):
    """The demo city's 2024Q4 run (written into a fresh folder: no previous quarter): the
    session's shared run (``demo_quarter_run`` in conftest.py), read-only."""
    return demo_quarter_run.result


@pytest.fixture(scope="module")
def report_text(demo_run) -> str:
    return (demo_run.out / "report.html").read_text(encoding="utf-8")


def _hot_units(result) -> pd.DataFrame:
    units = result.hotspots.units
    hot = units[units["hotspot_class"].fillna("") != ""]
    return hot.sort_values(["n_cases", "unit_id"], ascending=[False, True])


@pytest.fixture(scope="module")
def hostile(demo_run):
    """A copy of the run with markup in record texts and a comparison with a previous run."""
    r = demo_run
    hs = r.hotspots
    top = _hot_units(r).index[0]
    units = hs.units.copy()
    units.loc[top, "road"] = PAYLOAD
    key = r.key.copy()
    first = key.index[key["rank"] == 1][0]
    key.loc[first, "name"] = PAYLOAD + '"&'
    signs = r.sign_sites.copy()
    signs.loc[signs.index[0], "position_text"] = PAYLOAD
    camp = r.campaign_sites.copy()
    camp.loc[camp.index[0], "reaches"] = PAYLOAD
    summary = r.evaluation.summary.copy()
    summary.loc[summary.index[0], "note"] = PAYLOAD
    # previous quarter: the top unit was not hot, one far unit was; the rank-1 enterprise
    # was not on the list, one other was
    prev_units = units.copy()
    prev_units.loc[top, ["hot", "hotspot_class"]] = [False, ""]
    far = units.index[(units["hotspot_class"].fillna("") == "") & (units["road"] != "南湖路")][-1]
    prev_units.loc[far, ["hot", "hotspot_class"]] = [True, "significant"]
    prev_key = key.copy()
    prev_key.loc[first, "key"] = False
    other = prev_key.index[~prev_key["key"].astype(bool)][-1]
    prev_key.loc[other, ["key", "rank"]] = [True, 23]
    now_units = units.assign(hotspot_class=units["hotspot_class"].fillna(""))
    comparison = {
        "previous": str(r.out.parent / "2024Q3"),
        "hotspots": compare_hotspots(now_units, prev_units),
        "enterprises": compare_key_enterprises(key, prev_key),
    }
    modified = dataclasses.replace(
        r,
        hotspots=dataclasses.replace(hs, units=units),
        key=key,
        sign_sites=signs,
        campaign_sites=camp,
        evaluation=dataclasses.replace(r.evaluation, summary=summary),
        comparison=comparison,
    )
    return modified, units.loc[far], r.key.loc[other, "name"]


@pytest.fixture(scope="module")
def hostile_text(hostile) -> str:
    return render_report(hostile[0])


def _sections_present(text: str) -> None:
    for anchor, heading in SECTIONS:
        assert f'<section id="{anchor}">' in text
        assert html.escape(heading) in text


# --------------------------------------------------------------------------- structure


def test_pipeline_writes_every_section(demo_run, report_text):
    assert report_text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in report_text
    _sections_present(report_text)
    assert report_text.index("本季概览") < report_text.index("说明 (Notes")
    # every table has a caption that names the period
    tables = report_text.count("<table>")
    assert tables > 10
    assert report_text.count("<caption>") == tables
    for cap in re.findall(r"<caption>(.*?)</caption>", report_text):
        assert re.search(r"20\d\dQ[1-4]", cap), cap


def test_self_contained_no_external_resource(report_text):
    assert "http://" not in report_text and "https://" not in report_text
    assert "<script" not in report_text.lower() and "<link" not in report_text.lower()
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', report_text)
    assert refs
    for ref in refs:
        assert ref.startswith(("#", "data:image/png;base64,")), ref[:60]
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report_text)
    assert len(images) >= 5  # funnel, groups, circumstances, hour profile, quarters
    for data in images:
        png = base64.b64decode(data, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"Software" not in png[:200]


def test_two_renders_are_byte_identical(demo_run, tmp_path):
    written = (demo_run.out / "report.html").read_bytes()  # rendered inside the pipeline
    settings = Settings.from_mapping(demo_run.manifest["settings"])  # the run's own settings
    again = write_report(tmp_path / "report.html", demo_run, settings)
    assert again == tmp_path / "report.html"
    assert again.read_bytes() == written
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left


def test_write_replaces_an_existing_file(demo_run, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    minimal = types.SimpleNamespace(quarter="2024Q4")
    write_report(str(target), minimal)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --------------------------------------------------------------------------- contents


def test_overview_accounting_and_sources(demo_run, report_text):
    acc = demo_run.intake.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates
    for n in (acc.read, acc.cases, acc.rejected, acc.duplicates, acc.commuting_traffic):
        assert f">{n:,}<" in report_text
    assert "✓ 相符" in report_text
    for f in demo_run.manifest["inputs"]["determinations"]:
        name = f["path"].rsplit("/", 1)[-1]
        assert html.escape(name) in report_text
        assert f["sha256"][:12] in report_text
        assert f["path"] not in report_text  # names only, not the analyst's folders
    assert f"<b>{len(demo_run.review_queue):,}</b>" in report_text
    assert "overrides.csv" in report_text
    assert "2024Q1–2024Q4" in report_text


def test_hotspots_section(demo_run, report_text):
    part = report_text.split('<section id="hotspots">')[1].split("</section>")[0]
    assert "工伤数据视角的多发点段 (not the police designation)" in part
    hot = _hot_units(demo_run)
    top = hot.iloc[0]
    place = f"{top['road']}与{top['cross_road']}交叉口" if top["kind"] == "intersection" else None
    if place is not None:
        assert html.escape(place) in part
    peaks = demo_run.peaks.set_index("unit_id")
    assert html.escape(peaks.loc[top["unit_id"], "peak_text"]) in part
    assert "途中" in part  # direction in the main circumstances
    assert "交叉口往" in part  # a hot segment described from its nearest intersection
    labels = {
        "significant": "统计显著 (Gi*, FDR)",
        "threshold": "达到多发点段阈值 (threshold)",
        "cluster": "密集聚集 (cluster)",
    }
    for cls, n in hot["hotspot_class"].value_counts().items():
        assert f'<td>{html.escape(labels[cls])}</td><td class="num">{n:,}</td>' in part


def test_key_list_and_small_cells(demo_run, report_text):
    part = report_text.split('<section id="enterprises">')[1].split("</section>")[0]
    key = demo_run.key[demo_run.key["key"]].sort_values("rank")
    names = [html.escape(n) for n in key["name"]]
    positions = [part.index(n) for n in names]
    assert positions == sorted(positions)  # in rank order
    assert "<img" in part  # the funnel plot
    k = Settings().k_police
    if (key["n_cases"] < k).any():
        assert 'class="num small"' in part and f"少于{k}起" in part


def test_small_cells_marked_in_group_tables(demo_run, report_text):
    part = report_text.split('<section id="groups">')[1].split("</section>")[0]
    tables = [demo_run.groups[n] for n in ("性别", "年龄段", "出行方式", "行业")] + [
        demo_run.circumstances[n] for n in ("对方车辆", "交叉口/路段", "事故责任")
    ]
    n_small = sum(int(t["small"].sum()) for t in tables)
    assert n_small > 0
    assert part.count('class="num small"') == n_small


def test_groups_trends_sites_and_evaluation(demo_run, report_text):
    for name in ("性别", "年龄段", "出行方式", "行业", "对方车辆", "交叉口/路段", "事故责任"):
        assert f"<caption>{html.escape(name)} (" in report_text
    assert "高峰时段 (peak window): <b>" in report_text
    quarters = demo_run.history
    assert all(q in report_text for q in quarters)
    sites = report_text.split('<section id="sites">')[1].split("</section>")[0]
    for sid in demo_run.sign_sites["site_id"]:
        assert f"<td>{sid}</td>" in sites
    for name in demo_run.campaign_sites["name"]:
        assert html.escape(name) in sites
    ev = report_text.split('<section id="evaluation">')[1].split("</section>")[0]
    assert "回归均值" in ev  # the one-sentence explanation of EB
    for group in demo_run.evaluation.summary["group"]:
        assert html.escape(group) in ev


def test_no_previous_run_sentence(report_text):
    part = report_text.split('<section id="comparison">')[1].split("</section>")[0]
    assert "no previous run found" in part and "2024Q3" in part


# --------------------------------------------------------------------------- privacy


def test_privacy_scanner_finds_nothing(demo_run):
    forbidden = forbidden_values(demo_run.intake.protected, demo_run.intake.cases)
    assert any(v.endswith("号") for v in forbidden)  # decision numbers are looked for
    found = scan_outputs([demo_run.out / "report.html"], forbidden=forbidden)
    assert found.empty, found.to_string()


def test_no_decision_numbers_names_or_narratives(demo_run, report_text):
    cases = demo_run.intake.cases
    for value in cases["decision_no"].head(50):
        assert value not in report_text
    for value in demo_run.intake.protected["worker_name"].dropna().head(50):
        assert value not in report_text
    for value in cases["narrative"].dropna().head(20) if "narrative" in cases else []:
        assert value[:20] not in report_text


# --------------------------------------------------------------------------- hostile text


def test_record_text_is_escaped(hostile_text):
    assert PAYLOAD not in hostile_text
    assert "<script" not in hostile_text.lower()
    assert ESCAPED in hostile_text
    assert hostile_text.count(ESCAPED) >= 5  # unit, enterprise, sign site, campaign, note
    assert ESCAPED + "&quot;&amp;" in hostile_text


def test_comparison_section(hostile, hostile_text):
    _, resolved, left_name = hostile
    part = hostile_text.split('<section id="comparison">')[1].split("</section>")[0]
    assert "新增 1 个" in part and "消除 1 个" in part
    assert "新进入 1 家" in part and "退出 1 家" in part
    assert html.escape(left_name) in part
    assert html.escape(str(resolved["road"])) in part
    assert "no previous run found" not in part


# --------------------------------------------------------------------------- robustness


def test_empty_optional_parts(demo_run, tmp_path):
    r = demo_run
    hs = r.hotspots
    empty = dataclasses.replace(
        r,
        register=r.register.iloc[:0],
        candidates=r.candidates.iloc[:0],
        measures=r.measures.iloc[:0],
        geocoded=r.geocoded.iloc[:0],
        review_queue=r.review_queue.iloc[:0],
        hotspots=dataclasses.replace(hs, units=hs.units.iloc[:0], cases=hs.cases.iloc[:0]),
        history_cases=r.history_cases.iloc[:0],
        emerging=dataclasses.replace(r.emerging, units=r.emerging.units.iloc[:0]),
        peaks=r.peaks.iloc[:0],
        key=r.key.iloc[:0],
        groups={k: v.iloc[:0] for k, v in r.groups.items()},
        circumstances={k: v.iloc[:0] for k, v in r.circumstances.items()},
        crosstabs={},
        sign_sites=r.sign_sites.iloc[:0],
        campaign_sites=r.campaign_sites.iloc[:0],
        evaluation=None,
        comparison=None,
    )
    path = write_report(tmp_path / "report.html", empty)
    text = path.read_text(encoding="utf-8")
    _sections_present(text)
    assert "本期没有警示标志建议点位" in text
    assert "no measures to evaluate" in text
    assert "no previous run found" in text
    assert "no enterprise results" in text
    assert "no hotspot results" in text


def test_missing_parts_and_bad_arguments(tmp_path):
    bare = types.SimpleNamespace(
        quarter="2024Q4",
        window=("2024Q4",),
        history=("2024Q4",),
        out=None,
        intake=None,
        hotspots=None,
        emerging=None,
        evaluation=None,
        comparison=None,
        groups=None,
        circumstances=None,
        manifest=None,
    )
    text = render_report(bare)
    _sections_present(text)
    assert "no row accounting available" in text
    with pytest.raises(TypeError, match="path"):
        write_report(123, bare)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Settings"):
        render_report(bare, settings={"k_police": 3})  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())
