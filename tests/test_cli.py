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
