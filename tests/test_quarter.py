"""The run's quarter: only ``YYYYQn`` (and ``YYYY年第n季度``) is accepted, nothing is guessed, and
a quarter without data runs with a warning in stderr, the manifest and the report.

Before issue 15 the quarter went through ``pd.Period``: ``2024-4`` ran 2024Q2 (April) and
``2024`` ran 2024Q1, silently; a quarter after the last case ran without a word.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from trafficprev._errors import SettingsError
from trafficprev._periods import parse_quarter, previous_quarter
from trafficprev.cli import main
from trafficprev.datasets import demo_files
from trafficprev.pipeline import run
from trafficprev.pipeline._analyse import window_warnings as _window_warnings
from trafficprev.settings import Settings


@pytest.mark.parametrize(
    "text",
    [
        "2024Q4",
        "2024q4",
        " 2024Q4 ",
        "２０２４Ｑ４",
        "2024年第4季度",
        "2024年第四季度",
        "２０２４年第４季度",
    ],
)
def test_the_accepted_forms(text):
    assert parse_quarter(text) == "2024Q4"


@pytest.mark.parametrize(
    "text",
    ["2024-4", "2024", "2024Q5", "2024Q0", "24Q4", "Q4", "", "2024-Q4", "Q4 2024", "2024/4",
     "2024年第五季度", "2024-10-01", None, 2024],
)  # fmt: skip
def test_anything_else_is_refused_with_one_line_naming_it(text):
    with pytest.raises(SettingsError) as info:
        parse_quarter(text)
    message = str(info.value)
    assert repr(text) in message and "2024Q4" in message and "2024年第4季度" in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_previous_quarter_crosses_the_year():
    assert previous_quarter("2024Q1") == "2023Q4"
    assert previous_quarter("2024年第三季度") == "2024Q2"


@pytest.mark.parametrize("text", ["2024-4", "2024"])
def test_the_command_refuses_a_quarter_it_would_have_guessed(tmp_path, capsys, text):
    """`run --quarter 2024-4` ran 2024Q2 before; now: exit 2, one line, nothing written."""
    out = tmp_path / "runs" / "x"
    f = demo_files()
    args = ["run", "--area", str(tmp_path / "no-area"), "--input", str(f["determinations"][0]),
            "--quarter", text, "--out", str(out), "-q"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and repr(text) in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_window_warnings_name_what_is_wrong():
    q = pd.Series(["2024Q1", "2024Q2", "2024Q3", "2024Q4", None])
    commuting = pd.Series([True, True, True, False, True])  # last commuting case: 2024Q3

    def window(last: str) -> tuple[str, ...]:
        end = pd.Period(last, freq="Q")
        return tuple(str(end - k) for k in (3, 2, 1, 0))

    assert _window_warnings(q, commuting, "2024Q3", window("2024Q3")) == []
    assert _window_warnings(q, commuting, "2024Q2", window("2024Q2")) == []  # cases after: fine
    late = _window_warnings(q, commuting, "2025Q1", window("2025Q1"))
    assert len(late) == 1 and "after the quarter of the last commuting case (2024Q3)" in late[0]
    empty = _window_warnings(q, commuting, "2026Q1", window("2026Q1"))
    assert len(empty) == 2 and "no commuting traffic case in the window 2025Q2–2026Q1" in empty[1]
    early = _window_warnings(q, commuting, "2020Q1", window("2020Q1"))
    assert len(early) == 1 and "no commuting traffic case in the window" in early[0]
    none = _window_warnings(q, commuting & False, "2024Q4", window("2024Q4"))
    assert len(none) == 1 and "no commuting traffic case" in none[0]


def test_a_quarter_without_data_runs_and_says_so_everywhere(demo_area, tmp_path, capsys):
    """2025Q4 is a year after the demo's last case: the run completes, and the warning is in
    stderr, in manifest.json and at the top of report.html (before: silence)."""
    f = demo_files()
    out = tmp_path / "2025Q4"
    result = run(
        area=demo_area,
        inputs=f["determinations"],
        quarter="2025年第四季度",
        out=out,
        previous=None,
        settings=Settings(as_of=dt.date(2026, 1, 15)),
    )
    assert result.quarter == "2025Q4" and result.window[-1] == "2025Q4"
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "warning" in line]
    assert any("no commuting traffic case in the window" in line for line in warned)
    assert any("after the quarter of the last commuting case" in line for line in warned)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # the two about the quarter, and that without a register the key list (of the eight
    # quarters to 2025Q4, which hold 2024's cases) is named from the exports
    assert len(manifest["warnings"]) == 3
    assert manifest["warnings"][-1].startswith("未提供参保企业名录")
    html = (out / "report.html").read_text(encoding="utf-8")
    top = html[: html.index("<nav>")]
    for text in manifest["warnings"]:
        assert text.split(":")[0] in top
