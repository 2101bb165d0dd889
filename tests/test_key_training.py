"""The key list in a finished run (issue 18, item 4): plain reasons, enterprises already
trained marked (the measures file's 培训 rows), and both shown in the report.

Uses the session's shared demo run (``demo_quarter_run`` in conftest.py); no run of its own.
"""

from __future__ import annotations

import dataclasses
import html
import re

import markupsafe
import pytest

from trafficprev.report import render_report


def _trained_key(result) -> dict[str, str]:
    """The training rows of the demo's measures file (data/demo/measures.csv: four on
    2024-01-01, the precision project's three on 2023-07-01, all inside the key window) whose
    enterprise is on the key list, with their dates. Which of them are key follows the draw
    (four before the target groups were planted, issue 20; one after); the marks must be
    exactly these, and at least one, so that the marking is seen at all."""
    m = result.measures
    train = m[m["kind"] == "培训"]
    dates = dict(zip(train["target"], train["implemented_on"].astype(str), strict=True))
    listed = result.key[result.key["key"].astype(bool)]
    got = {name: dates[name] for name in listed["name"] if name in dates}
    assert got, "no trained enterprise is on the demo's key list: the test sees nothing"
    return got


HOSTILE = (
    "<script>alert(1)</script>{{ 7*7 }}{% raw %}{{ 6*7 }}{% endraw %}"
    '=HYPERLINK("http://evil.example","x")&13812345678'
)


def _section(text: str, anchor: str) -> str:
    return text.split(f'<section id="{anchor}">')[1].split("</section>")[0]


def _rows(part: str) -> list[str]:
    """The body rows of the key list (the first table of the section)."""
    body = part.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


@pytest.fixture(scope="module")
def result(demo_quarter_run):
    return demo_quarter_run.result


def test_the_run_marks_the_trained_key_enterprises(result):
    key = result.key
    assert {"trained", "trained_on"} <= set(key.columns)
    listed = key[key["key"].astype(bool)]
    trained = listed[listed["trained"].astype(bool)]
    assert dict(zip(trained["name"], trained["trained_on"], strict=True)) == _trained_key(result)
    assert (listed.loc[~listed["trained"].astype(bool), "trained_on"] == "").all()


def test_the_report_shows_plain_reasons_and_the_trained_mark(demo_quarter_run, result):
    part = _section((demo_quarter_run.out / "report.html").read_text("utf-8"), "enterprises")
    assert "已培训 (trained)" in part
    rows = _rows(part)
    listed = result.key[result.key["key"].astype(bool)]
    assert len(rows) == len(listed)
    marked = [row for row in rows if "已培训 20" in row]
    trained_key = _trained_key(result)
    assert len(marked) == len(trained_key)
    for name, day in trained_key.items():
        assert sum(html.escape(name) in row and f"已培训 {day}" in row for row in marked) == 1, name
    assert f"其中 {len(trained_key)} 家已在本期内接受培训" in part
    quarters = len(result.key.attrs["quarters"])
    assert sum(f"近{quarters}个季度通勤事故" in row for row in rows) == len(rows)
    assert "经验贝叶斯超额" not in part and "p=" not in part
    assert "标出排名前10家的名称" in part  # the funnel names only the first ten


def test_trained_text_from_a_record_is_shown_escaped(result):
    """``trained_on`` comes from the measures file; whatever it holds is text in the report."""
    key = result.key.copy()
    key["trained"] = key["key"].astype(bool)
    key["trained_on"] = HOSTILE
    key["name"] = key["name"].astype(object)
    key.loc[key.index[0], "name"] = HOSTILE
    text = render_report(dataclasses.replace(result, key=key), result.settings)
    part = _section(text, "enterprises")
    assert "<script" not in part.lower()
    cells = re.findall(r"<td[^>]*>([^<]*已培训[^<]*)</td>", part)
    n_listed = int(key["key"].sum())
    assert len(cells) == n_listed
    # shown as written: escaped, nothing evaluated ({{ 7*7 }} is not 49), nothing dropped
    assert {html.unescape(c) for c in cells} == {"已培训 " + HOSTILE}
    assert cells[0] == str(markupsafe.escape("已培训 " + HOSTILE))
    assert f"其中 {n_listed} 家已在本期内接受培训" in part


def test_an_older_run_without_the_columns_still_renders(result):
    """A key table written before issue 18 (no ``trained``): the column is empty, no note."""
    from trafficprev.report._enterprises import enterprises
    from trafficprev.report._input import View

    key = result.key.drop(columns=["trained", "trained_on"])
    data = enterprises(View(dataclasses.replace(result, key=key), result.settings, None))
    assert data["n_trained"] == 0 and data["funnel"] is not None
    col = data["key_list"].headers.index("已培训 (trained)")
    assert {row[col].text for row in data["key_list"].rows} == {""}
