"""The command line: intake, demo, --help, and one-paragraph file errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trafficprev.cli import main


def test_intake_writes_outputs_and_prints_accounting(data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "intake",
            "--as-of",
            "2025-06-30",
            "-q",
            "--input",
            str(data_dir / "bad_values.csv"),
            str(data_dir / "gb18030.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "读入 read: 26" in text and "拒收 rejected: 10" in text
    assert "核对 check: 14 + 10 + 2 = 26" in text
    acc = json.loads((out / "accounting.json").read_text(encoding="utf-8"))
    assert acc["cases"] == 14
    for name in ("cases.csv", "rejected_rows.csv", "duplicates.csv"):
        assert (out / name).is_file()


def test_missing_column_exit_code_and_message(data_dir, tmp_path, capsys):
    code = main(["intake", "--input", str(data_dir / "missing_column.csv"), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "missing_column.csv" in err and "受伤时间" in err
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    # the output folder is not the folder of the input: that would be refused before reading
    out = str(tmp_path / "out")
    assert main(["intake", "--input", str(tmp_path / "nope.xlsx"), "--out", out]) == 2
    assert "not found" in capsys.readouterr().err


def test_module_entry_point_help():
    proc = subprocess.run(
        [sys.executable, "-m", "trafficprev", "--help"], capture_output=True, text=True, check=True
    )
    assert "intake" in proc.stdout and "demo" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "trafficprev", "intake", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--input" in proc.stdout and "GB18030" in proc.stdout


def test_bad_as_of_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["intake", "--as-of", "2025/06/30", "--input", "x.csv", "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_config_file_is_used(data_dir, tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text(
        '[trafficprev]\nas_of = 2025-06-30\nduplicate_rule = "first_in_input"\n', encoding="utf-8"
    )
    code = main(
        [
            "intake",
            "-q",
            "--config",
            str(config),
            "--input",
            str(data_dir / "bad_values.csv"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 0
    dups = (tmp_path / "o" / "duplicates.csv").read_text(encoding="utf-8-sig")
    assert "输入中较前者优先" in dups


def test_an_output_folder_that_cannot_be_written_is_one_line(data_dir, tmp_path, capsys):
    """Any command: the system refusing a write (here: the output folder is a file) is one line
    naming the path, exit code 2, no traceback."""
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["intake", "-q", "--input", str(data_dir / "gb18030.csv"), "--out", str(blocker)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("trafficprev: ") and str(blocker) in err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert blocker.read_text(encoding="utf-8") == "not a folder"


class _CalledError(Exception):
    """Raised by the stand-in for ``run``: the command reached it with these arguments."""

    def __init__(self, kwargs: dict) -> None:
        super().__init__("run() was called")
        self.kwargs = kwargs


@pytest.mark.parametrize(
    ("previous", "expected"), [("runs/2024Q3", "runs/2024Q3"), ("none", None), (None, "auto")]
)
def test_every_run_option_reaches_run(previous, expected, monkeypatch, tmp_path):
    """``trafficprev run``'s options arrive in ``run()`` as given (``run`` stood in for: the
    quarter itself is run end to end by tests/test_determinism.py and test_pipeline.py)."""
    import datetime as dt

    import trafficprev.pipeline as pipeline

    def stand_in(**kwargs):
        raise _CalledError(kwargs)

    monkeypatch.setattr(pipeline, "run", stand_in)
    args = [
        "run", "--area", "areas/demo", "--input", "a.xlsx", "b.csv", "--quarter", "2024Q4",
        "--out", "runs/2024Q4", "--enterprises", "e.csv", "--campaign-sites", "c.csv",
        "--measures", "m.csv", "--overrides", "o.csv", "--release", "public", "--prints",
        "--wait", "5", "--source", "台账", "--as-of", "2025-01-15", "-q",
    ]  # fmt: skip
    if previous is not None:
        args += ["--previous", previous]
    with pytest.raises(_CalledError) as called:
        main(args)
    kw = called.value.kwargs
    assert kw["previous"] == expected
    assert (kw["area"], kw["inputs"], kw["quarter"], kw["out"]) == (
        "areas/demo",
        ["a.xlsx", "b.csv"],
        "2024Q4",
        "runs/2024Q4",
    )
    assert (kw["enterprises"], kw["campaign_sites"], kw["measures"]) == (
        ["e.csv"],
        ["c.csv"],
        ["m.csv"],
    )
    assert (kw["overrides"], kw["release"], kw["prints"], kw["wait"], kw["source"]) == (
        "o.csv",
        "public",
        True,
        5.0,
        "台账",
    )
    assert kw["quiet"] is True and kw["settings"].as_of == dt.date(2025, 1, 15)


def test_a_command_runs_with_fewer_collections_and_restores_the_thresholds(monkeypatch):
    """While a command runs, the cyclic collector waits for COMMAND_GC_THRESHOLDS (a tenth
    of a demo quarter's time went to it); the caller's thresholds come back after, also when
    the command fails."""
    import gc

    from trafficprev import cli
    from trafficprev._errors import InputFileNotFoundError

    seen = []

    def command(args):
        seen.append(gc.get_threshold())
        if len(seen) == 2:
            raise InputFileNotFoundError("x.csv: no such file")
        return 0

    monkeypatch.setattr(cli, "_cmd_intake", command)
    caller = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's defaults (the suite itself runs with others)
    try:
        assert main(["intake", "--input", "x.csv", "--out", "out"]) == 0
        assert gc.get_threshold() == (700, 10, 10)
        assert main(["intake", "--input", "x.csv", "--out", "out"]) == 2
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*caller)
    assert seen == [cli.COMMAND_GC_THRESHOLDS] * 2 != [(700, 10, 10)] * 2
