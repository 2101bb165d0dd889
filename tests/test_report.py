"""Tests of ``trafficprev.report``: the quarterly ``report.html``.

The demo city's quarterly run is built once per session (``demo_quarter_run`` in conftest.py;
``pipeline.run`` writes the report itself); the other checks render real variants of its
:class:`~trafficprev.pipeline.QuarterResult` made with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import types
from pathlib import Path

import jinja2
import pandas as pd
import pytest

from trafficprev import ArgumentTypeError, Settings
from trafficprev._errors import OutputRefusedError
from trafficprev._outdir import FILES_MARKER
from trafficprev._scan import forbidden_values, scan_outputs
from trafficprev.network import place_texts
from trafficprev.pipeline import Comparison
from trafficprev.report import SECTIONS, render_report, write_report
from trafficprev.report._render import environment
from trafficprev.trends import compare_hotspots, compare_key_enterprises

REPORT_PACKAGE = Path(__file__).resolve().parent.parent / "trafficprev" / "report"
TEMPLATES = REPORT_PACKAGE.parent / "templates" / "report"

#: Hostile text: markup, a script, template syntax of Jinja2 (an expression, a raw block, a
#: comment), a spreadsheet formula, the end of the style sheet, quotes and an ampersand.
HOSTILE = (
    "<script>alert(1)</script>{{ 7*7 }}{% raw %}{{ 6*7 }}{% endraw %}{# c #}"
    '=HYPERLINK("http://evil.example","x")</style><b onclick="x">\'&amp;'
)
#: The same without "/", for file and folder names (the report shows the last part only).
HOSTILE_NAME = "<img src=x onerror=alert(1)>{{ 7*7 }}{% raw %}x{% endraw %}\"'&amp;"


def _id_number(body17: str) -> str:
    """17 digits completed with their check character (an ID number, made at run time)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(a) * b for a, b in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def _mark(i: int, body: str) -> str:
    """Hostile text number `i`, between markers that the checks look for."""
    return f"⟦{i}:{body}⟧"


@pytest.fixture(scope="module")
def demo_run(demo_quarter_run):
    """The session's shared run of the demo city's 2024Q4 (no previous quarter), read-only:
    ``out`` (the run folder) and ``result`` (the QuarterResult)."""
    return demo_quarter_run


@pytest.fixture(scope="module")
def report_text(demo_run) -> str:
    return (demo_run.out / "report.html").read_text(encoding="utf-8")


def _section(text: str, anchor: str) -> str:
    return text.split(f'<section id="{anchor}">')[1].split("</section>")[0]


def _hot_units(result) -> pd.DataFrame:
    units = result.hotspots.units
    hot = units[units["hotspot_class"].fillna("") != ""]
    return hot.sort_values(["n_cases", "unit_id"], ascending=[False, True])


def _sections_present(text: str) -> None:
    for anchor, heading in SECTIONS:
        assert text.count(f'<section id="{anchor}">') == 1
        assert html.escape(heading) in text


def _empty(r):
    """The run with no commuting case in the window, no enterprise, site, measure or
    previous run: every frame emptied, every optional part None."""
    hs = r.hotspots
    return dataclasses.replace(
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
        targets=dataclasses.replace(
            r.targets,
            groups=r.targets.groups.iloc[:0],
            circumstances=r.targets.circumstances.iloc[:0],
            enterprises=r.targets.enterprises.iloc[:0],
            places=r.targets.places.iloc[:0],
            hours=r.targets.hours.iloc[:0],
            n_cases=0,
            n_cells=0,
            n_circumstance_cells=0,
        ),
        sign_sites=r.sign_sites.iloc[:0],
        campaign_sites=r.campaign_sites.iloc[:0],
        evaluation=None,
        comparison=None,
        manifest={**r.manifest, "geocode_levels": {}},
    )


# --------------------------------------------------------------------------- structure


def test_pipeline_writes_every_section(report_text):
    assert report_text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in report_text
    _sections_present(report_text)
    positions = [report_text.index(f'<section id="{a}">') for a, _ in SECTIONS]
    assert positions == sorted(positions)
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
    r = demo_run.result
    written = (demo_run.out / "report.html").read_bytes()  # rendered inside the pipeline
    again = write_report(tmp_path / "report.html", r, r.settings, folder=demo_run.out)
    assert again == tmp_path / "report.html"
    assert again.read_bytes() == written
    assert render_report(r, r.settings, folder=demo_run.out).encode("utf-8") == written
    # written atomically through _outdir.write_file: no temporary file is left
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILES_MARKER, "report.html"]


def test_write_replaces_only_its_own_file(demo_run, tmp_path):
    r = _empty(demo_run.result)
    mine = write_report(tmp_path / "report.html", r)
    first = mine.read_bytes()
    assert write_report(str(mine), r).read_bytes() == first  # its own file: replaced
    theirs = tmp_path / "other" / "report.html"
    theirs.parent.mkdir()
    theirs.write_text("old", encoding="utf-8")
    with pytest.raises(OutputRefusedError):
        write_report(theirs, r)
    assert theirs.read_text(encoding="utf-8") == "old"
    assert [p.name for p in theirs.parent.iterdir()] == ["report.html"]


# --------------------------------------------------------------------------- contents


def test_overview_accounting_and_sources(demo_run, report_text):
    r = demo_run.result
    acc = r.intake.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates
    part = _section(report_text, "overview")
    for n in (acc.read, acc.cases, acc.rejected, acc.duplicates, acc.commuting_traffic):
        assert f">{n:,}<" in part
    assert "✓ 相符" in part
    for f in r.manifest["inputs"]["determinations"]:
        name = f["path"].rsplit("/", 1)[-1]
        assert html.escape(name) in part
        assert f["sha256"][:12] in part
        assert f["path"] not in part  # names only, not the analyst's folders
    assert f"<b>{len(r.review_queue):,}</b>" in part
    assert "overrides.csv" in part
    assert "2024Q1–2024Q4" in part


def test_hotspots_section(demo_run, report_text):
    r = demo_run.result
    part = _section(report_text, "hotspots")
    assert "工伤数据视角的多发点段 (not the police designation)" in part
    hot = _hot_units(r)
    top = hot.iloc[0]
    if top["kind"] == "intersection":
        assert html.escape(f"{top['road']}与{top['cross_road']}交叉口") in part
    peaks = r.peaks.set_index("unit_id")
    assert html.escape(peaks.loc[top["unit_id"], "peak_text"]) in part
    assert "途中" in part  # direction in the main circumstances
    assert "交叉口往" in part  # a hot segment described from its nearest intersection
    labels = {
        "significant": "统计显著 (Gi*, FDR)",
        "threshold": "达到多发点段阈值 (threshold)",
        "cluster": "密集聚集 (cluster)",
    }
    hot = hot[hot["n_cases"] >= 1]  # a unit with no case of its own is never listed
    for cls, n in hot["hotspot_class"].value_counts().items():
        assert f'<td>{html.escape(labels[cls])}</td><td class="num">{n:,}</td>' in part


def test_key_list_and_small_cells(demo_run, report_text):
    r = demo_run.result
    part = _section(report_text, "enterprises")
    key = r.key[r.key["key"]].sort_values("rank")
    positions = [part.index(html.escape(n)) for n in key["name"]]
    assert positions == sorted(positions)  # in rank order
    assert "<img" in part  # the funnel plot
    k = r.settings.k_police
    if (key["n_cases"] < k).any():
        assert 'class="num small"' in part and f"少于{k}起" in part


def test_small_cells_marked_in_group_tables(demo_run, report_text):
    r = demo_run.result
    part = _section(report_text, "groups")
    tables = [r.groups[n] for n in ("性别", "年龄段", "出行方式", "行业")] + [
        r.circumstances[n] for n in ("对方车辆", "交叉口/路段", "事故责任")
    ]
    n_small = sum(int(t["small"].sum()) for t in tables)
    assert n_small > 0
    assert part.count('class="num small"') == n_small


def test_groups_trends_sites_and_evaluation(demo_run, report_text):
    r = demo_run.result
    for name in ("性别", "年龄段", "出行方式", "行业", "对方车辆", "交叉口/路段", "事故责任"):
        assert f"<caption>{html.escape(name)} (" in report_text
    assert "高峰时段 (peak window): <b>" in report_text
    assert all(q in _section(report_text, "trends") for q in r.history)
    sites = _section(report_text, "sites")
    for sid in r.sign_sites["site_id"]:
        assert f"<td>{html.escape(sid)}</td>" in sites
    for name in r.campaign_sites["name"]:
        assert html.escape(name) in sites
    ev = _section(report_text, "evaluation")
    assert "回归均值" in ev  # the one-sentence explanation of EB
    for group in r.evaluation.summary["group"]:
        assert html.escape(group) in ev


def test_run_folder_named_and_no_previous_run(demo_run, report_text):
    part = _section(report_text, "comparison")
    assert "no previous run found" in part and "2024Q3" in part
    assert f"<b>运行文件夹 (run folder)</b>：{demo_run.out.name}</li>" in report_text
    # without the folder nothing is named, and the previous run is looked for in runs/
    text = render_report(demo_run.result, demo_run.result.settings)
    assert "运行文件夹" not in text and "looked for runs/2024Q3" in text


# --------------------------------------------------------------------------- privacy


def test_privacy_scanner_finds_nothing(demo_run):
    r = demo_run.result
    forbidden = forbidden_values(r.intake.protected, r.intake.cases)
    assert any(v.endswith("号") for v in forbidden)  # decision numbers are looked for
    found = scan_outputs([demo_run.out / "report.html"], forbidden=forbidden)
    assert found.empty, found.to_string()


def test_no_decision_numbers_names_or_narratives(demo_run, report_text):
    cases = demo_run.result.intake.cases
    for value in cases["decision_no"].head(50):
        assert value not in report_text
    for value in demo_run.result.intake.protected["worker_name"].dropna().head(50):
        assert value not in report_text
    for value in cases["narrative"].dropna().head(20) if "narrative" in cases else []:
        assert value[:20] not in report_text


# --------------------------------------------------------------------------- hostile text


def _with_text(frame: pd.DataFrame, column: str, value: str, rows=None) -> pd.DataFrame:
    """A copy of `frame` with `value` in `column` (of `rows`, default every row)."""
    out = frame.copy()
    out[column] = out[column].astype(object)
    out.loc[out.index if rows is None else rows, column] = value
    return out


@pytest.fixture(scope="module")
def hostile(demo_run):
    """The run with hostile text in every text field the report shows, each field marked
    with its own number, and a comparison with a previous run; the marks used."""
    r = demo_run.result
    id_number = _id_number("43070219800101123")
    body = HOSTILE + id_number
    marks: dict[int, str] = {}

    def mark(i: int, text: str = body) -> str:
        marks[i] = text
        return _mark(i, text)

    hs = r.hotspots
    hot = _hot_units(r)
    units = _with_text(hs.units, "road", mark(1), hot.index)
    crossings = hot.index[(hot["kind"] == "intersection").to_numpy()]
    units = _with_text(units, "cross_road", mark(2), crossings)
    key = _with_text(r.key, "name", mark(3))
    key = _with_text(key, "reason", mark(4))
    signs = _with_text(r.sign_sites, "position_text", mark(5))
    signs = _with_text(signs, "signs", mark(6))
    camp = _with_text(r.campaign_sites, "name", mark(7))
    camp = _with_text(camp, "reaches", mark(8))
    summary = _with_text(r.evaluation.summary, "note", mark(9))
    summary = _with_text(summary, "group", mark(10))
    peaks = _with_text(r.peaks, "peak_text", mark(11))
    groups = {
        name: t.assign(**{t.columns[0]: [_mark(12, body)] * len(t)}) for name, t in r.groups.items()
    }
    marks[12] = body
    circumstances = {
        name: t.assign(**{t.columns[0]: [_mark(13, body)] * len(t)}) if name != "小时" else t
        for name, t in r.circumstances.items()
    }
    marks[13] = body
    t = r.targets
    called = t.groups["called_out"].astype(bool).to_numpy()
    assert called.any(), "the demo's window calls out its planted groups (issue 20)"
    targets = dataclasses.replace(
        t,
        groups=t.groups.assign(group=[_mark(23, body)] * len(t.groups)),
        circumstances=t.circumstances.assign(group=[_mark(24, body)] * len(t.circumstances)),
        enterprises=t.enterprises.assign(name=[_mark(25, body)] * len(t.enterprises), n=9),
        places=t.places.assign(place=[_mark(26, body)] * len(t.places), n=9),
        hours=t.hours.assign(peak_text=[_mark(27, body)] * len(t.hours)),
    )
    marks.update(dict.fromkeys(range(23, 28), body))
    inputs = {
        kind: [{**f, "path": f"exports/{mark(14, HOSTILE_NAME)}.xlsx"} for f in files]
        for kind, files in r.manifest["inputs"].items()
    }
    manifest = {
        **r.manifest,
        "inputs": inputs,
        "warnings": [mark(15), mark(16)],
        "area": {"name": mark(17), "version": mark(18)},
        "created_for": mark(19),
    }
    # the previous quarter: the top unit was not hot, one far unit was; the rank-1
    # enterprise was not on the list, one other was
    top = hot.index[0]
    far = units.index[(units["hotspot_class"].fillna("") == "") & (units["road"] != "南湖路")][-1]
    units.loc[far, "road"] = mark(20)
    # the units' words as the network builds them, from these names
    units["place_text"] = place_texts(units, hs.network.crs_metric).to_numpy()
    prev_units = units.copy()
    prev_units.loc[top, ["hot", "hotspot_class"]] = [False, ""]
    prev_units.loc[far, ["hot", "hotspot_class", "n_cases"]] = [True, "significant", 2]
    first = key.index[key["rank"] == 1][0]
    other = key.index[~key["key"].astype(bool)][-1]
    key.loc[other, "name"] = mark(21)
    prev_key = key.copy()
    prev_key.loc[first, "key"] = False
    prev_key.loc[other, ["key", "rank"]] = [True, 23]
    now_units = units.assign(hotspot_class=units["hotspot_class"].fillna(""))
    comparison = Comparison(
        previous=f"runs/{mark(22, HOSTILE_NAME)}",
        hotspots=compare_hotspots(now_units, prev_units),
        enterprises=compare_key_enterprises(key, prev_key),
    )
    modified = dataclasses.replace(
        r,
        hotspots=dataclasses.replace(hs, units=units),
        key=key,
        sign_sites=signs,
        campaign_sites=camp,
        evaluation=dataclasses.replace(r.evaluation, summary=summary),
        peaks=peaks,
        groups=groups,
        circumstances=circumstances,
        targets=targets,
        manifest=manifest,
        comparison=comparison,
    )
    return types.SimpleNamespace(result=modified, marks=marks, id_number=id_number)


@pytest.fixture(scope="module")
def hostile_text(hostile, demo_run) -> str:
    return render_report(hostile.result, hostile.result.settings, folder=demo_run.out)


def test_every_hostile_field_is_shown_escaped_and_literal(hostile, hostile_text):
    found = re.findall(r"⟦(\d+):(.*?)⟧", hostile_text)
    shown = {int(i) for i, _ in found}
    assert shown == set(hostile.marks), sorted(set(hostile.marks) - shown)
    for i, segment in found:
        # the text comes back unchanged: no template syntax was evaluated ({{ 7*7 }} is not
        # 49), nothing was dropped, and every markup character was escaped
        assert html.unescape(segment) == hostile.marks[int(i)], (i, segment)
        assert not set(segment) & set("<>\"'"), (i, segment)
        assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#34|#39|#x27);)*", segment), (i, segment)
        assert "{{ 7*7 }}" in segment and "49" not in segment


def test_no_markup_from_data(hostile_text, report_text):
    assert "<script" not in hostile_text.lower()
    assert "<img src=x" not in hostile_text and "<b onclick" not in hostile_text
    assert hostile_text.count("</style>") == report_text.count("</style>") == 1
    # the structure is that of the clean report (which has no previous run to compare with)
    _sections_present(hostile_text)
    for anchor, _ in SECTIONS[:-2]:
        for tag in ("<table>", "<tr>", "<td", "<figure>", "<p", "<h3>"):
            got = _section(hostile_text, anchor).count(tag)
            assert got == _section(report_text, anchor).count(tag), (anchor, tag)


def test_comparison_section(hostile, hostile_text):
    part = _section(hostile_text, "comparison")
    assert "新增 1 个" in part and "消除 1 个" in part
    assert "新进入 1 家" in part and "退出 1 家" in part
    assert "⟦20:" in part and "⟦21:" in part  # the resolved unit, the enterprise that left
    assert "no previous run found" not in part
    assert "上一季度运行 (previous run): ⟦22:" in part


# --------------------------------------------------------------------------- robustness


def test_empty_result(demo_run, tmp_path):
    empty = _empty(demo_run.result)
    text = write_report(tmp_path / "report.html", empty).read_text(encoding="utf-8")
    _sections_present(text)
    for sentence in (
        "no hotspot results",
        "no enterprise results",
        "no timed cases",
        "no emerging-hotspot results",
        "本期没有警示标志建议点位",
        "no measures to evaluate",
        "no previous run found",
        "没有地理编码结果",
    ):
        assert sentence in text, sentence
    assert "<img" not in _section(text, "groups") and "<img" not in _section(text, "enterprises")


def test_missing_field_raises_rather_than_rendering_empty(demo_run):
    r = demo_run.result
    fields = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
    fields["peak_windows"] = fields.pop("peaks")
    renamed = types.SimpleNamespace(**fields)
    with pytest.raises(AttributeError, match="peaks"):
        render_report(renamed, r.settings)
    no_warnings = dataclasses.replace(
        r, manifest={k: v for k, v in r.manifest.items() if k != "warnings"}
    )
    with pytest.raises(KeyError, match="warnings"):
        render_report(no_warnings, r.settings)


def test_templates_are_strict_and_autoescaped():
    env = environment()
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("sections/notes.html.j2").render(notes={"period": "2024Q4"})
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("report.html.j2").render(title="t", period="p", warnings=[])
    macro = env.get_template("macros.html.j2").module.kv_table
    out = str(macro(types.SimpleNamespace(caption="<i>", pairs=[("{{ 1 }}", "<b>&")])))
    assert out == (
        "<table><caption>&lt;i&gt;</caption><tbody><tr><th>{{ 1 }}</th>"
        "<td>&lt;b&gt;&amp;</td></tr></tbody></table>"
    )


def test_no_template_source_from_data_and_nothing_marked_safe():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in REPORT_PACKAGE.glob("*.py"))
    for forbidden in (
        "Markup",
        "from_string",
        "Template(",
        "|safe",
        "mark_safe",
        "autoescape=False",
    ):
        assert forbidden not in sources, forbidden
    templates = sorted(TEMPLATES.rglob("*.html.j2"))
    assert {p.stem.removesuffix(".html") for p in (TEMPLATES / "sections").iterdir()} == {
        a for a, _ in SECTIONS
    }
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe|autoescape\s+false|\bMarkup\b", text), path.name


def test_bad_arguments(demo_run, tmp_path):
    r = _empty(demo_run.result)
    with pytest.raises(ArgumentTypeError, match="path"):
        write_report(123, r)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="Settings"):
        render_report(r, settings={"k_police": 3})  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_settings_change_the_small_cell_threshold(demo_run):
    r = demo_run.result
    text = render_report(r, Settings(as_of=r.settings.as_of, k_police=5), folder=demo_run.out)
    part = _section(text, "sites")
    small_signs = int((pd.to_numeric(r.sign_sites["n_covered"]) < 5).sum())
    small_camp = int((pd.to_numeric(r.campaign_sites["n_covered"]) < 5).sum())
    n_small = small_signs + small_camp
    # a sign row has two count cells (cases covered and added), a campaign row one
    assert part.count('class="num small"') == 2 * small_signs + small_camp
    if n_small:
        assert "少于5起" in part
