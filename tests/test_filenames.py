"""File names that are not UTF-8 work end to end and are shown in one form.

On Linux a file name is bytes. ``bad\\xff.csv`` (the byte 0xff) reaches Python as
``'bad\\udcff.csv'``, a string that cannot be written to a UTF-8 file; everything trafficprev
stores, writes or shows uses :func:`~trafficprev._display.display_path` instead:
``bad\\xff.csv``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from trafficprev import Settings, read_determinations
from trafficprev._display import display_path
from trafficprev._errors import SchemaError
from trafficprev.cli import main
from trafficprev.datasets import demo_files

SETTINGS = Settings(as_of=dt.date(2025, 1, 15))
POSIX = os.sep == "/"
pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or sys.getfilesystemencoding() != "utf-8",
    reason="file names are bytes decoded as UTF-8 only on POSIX with a UTF-8 file system encoding",
)


def _named(folder: Path, raw: bytes, source: Path) -> Path:
    """A copy of `source` in `folder` under the file name `raw` (bytes)."""
    path = folder / os.fsdecode(raw)
    shutil.copyfile(source, path)
    assert os.fsencode(path.name) == raw
    return path


# --- the display form --------------------------------------------------------------------------


def test_display_form_of_ordinary_and_broken_names():
    assert display_path("/data/2024年第四季度 台账.xlsx") == "/data/2024年第四季度 台账.xlsx"
    assert display_path(Path("/data/导出.csv")) == "/data/导出.csv"
    assert display_path(os.fsdecode(b"/data/bad\xff.csv")) == "/data/bad\\xff.csv"
    assert display_path(b"/data/bad\xff.csv") == "/data/bad\\xff.csv"
    # the GBK bytes of 导出 are not UTF-8: each byte is shown
    assert display_path(os.fsdecode("导出.csv".encode("gbk"))) == "\\xb5\\xbc\\xb3\\xf6.csv"
    # one line, no hidden direction changes
    assert display_path("a\nb\u202ec.csv") == "a\\x0ab\\u202ec.csv"
    assert display_path("a\x85b.csv") == "a\\u0085b.csv"  # C1 control, not the byte 0x85
    if POSIX:
        assert display_path("a\\xff.csv") == "a\\\\xff.csv"  # a real backslash stays apart


def test_display_form_is_valid_one_line_unicode_and_tells_names_apart():
    rng = random.Random(15)
    alphabet = [b"a", b"\\", b"x", b"f", b"\xff", b"\x0a", b"\x85", "台".encode(), b"\xe5\x8f"]
    names = {b"".join(rng.choices(alphabet, k=rng.randrange(1, 6))) for _ in range(3000)}
    shown: dict[str, bytes] = {}
    for raw in names:
        text = display_path(raw)
        text.encode("utf-8")  # valid Unicode: no surrogates
        assert "\n" not in text and "\r" not in text
        if POSIX:
            assert shown.setdefault(text, raw) == raw, (text, raw, shown[text])
    assert len(shown) == len(names) or not POSIX


# --- intake --------------------------------------------------------------------------------


@pytest.fixture
def exports(tmp_path) -> dict[str, Path]:
    """The demo's exports (CSV, xlsx) and the xls fixture under names holding 0xff / 0xfe."""
    f = demo_files()["determinations"]
    folder = tmp_path / "exports"
    folder.mkdir()
    here = Path(__file__).parent / "data"
    return {
        "csv": _named(folder, b"bad\xff.csv", f[-1]),
        "xlsx": _named(folder, b"bad\xff.xlsx", f[0]),
        "xls": _named(folder, b"bad\xfe.xls", here / "quarter.xls"),
    }


def test_read_determinations_stores_the_display_form(exports):
    result = read_determinations(list(exports.values()), settings=SETTINGS)
    shown = {k: display_path(p) for k, p in exports.items()}
    assert shown["csv"].endswith("/bad\\xff.csv") and shown["xls"].endswith("/bad\\xfe.xls")
    assert [s.path for s in result.sources] == [shown["csv"], shown["xlsx"], shown["xls"]]
    assert set(result.cases["source_file"]) == set(shown.values())
    assert set(result.rejected["source_file"]) <= set(shown.values())
    assert len(result.rejected) > 0
    for frame in (result.cases, result.rejected, result.duplicates, result.protected):
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                frame[col].astype(str).str.encode("utf-8")  # nothing that cannot be written
    acc = result.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates > 1900


def test_an_error_about_such_a_file_names_it_in_display_form(tmp_path, data_dir):
    path = _named(tmp_path, b"missing\xff.csv", data_dir / "missing_column.csv")
    with pytest.raises(SchemaError) as info:
        read_determinations(path, settings=SETTINGS)
    assert str(info.value).startswith(display_path(path) + ": missing required column")
    str(info.value).encode("utf-8")


def test_intake_writes_every_output_with_such_files(exports, tmp_path):
    result = read_determinations(list(exports.values()), settings=SETTINGS)
    out = tmp_path / os.fsdecode(b"out\xfe")  # the output folder too
    paths = result.write(out, protected_path=out / "protected.csv")
    cases = pd.read_csv(paths["records"], dtype=str, keep_default_na=False)
    assert len(cases) == result.accounting.cases  # the whole file, not a truncated one
    assert (
        cases["source_file"]
        .str.endswith(("/bad\\xff.csv", "/bad\\xff.xlsx", "/bad\\xfe.xls"))
        .all()
    )
    rejected = pd.read_csv(paths["rejected"], dtype=str, keep_default_na=False)
    assert len(rejected) == result.accounting.rejected
    accounting = json.loads(paths["accounting"].read_text(encoding="utf-8"))
    assert [f["path"] for f in accounting["files"]] == [s.path for s in result.sources]
    assert len(pd.read_csv(paths["protected"], dtype=str)) == result.accounting.cases


def test_trafficprev_intake_on_the_command_line(exports, tmp_path, capsys):
    out = tmp_path / "check"
    code = main(["intake", "--as-of", "2025-01-15", "-q", "--input", *map(str, exports.values()),
                 "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    assert "/bad\\xff.csv [csv" in captured.out and "/bad\\xfe.xls [xls" in captured.out
    assert "\udcff" not in captured.out
    cases = pd.read_csv(out / "cases.csv", dtype=str)
    assert set(cases["source_file"]) == {display_path(p) for p in exports.values()}


# --- the quarterly run -----------------------------------------------------------------------


def test_trafficprev_run_with_exports_whose_names_are_not_utf8(demo_quarter_run, tmp_path, capsys):
    f = demo_files()
    area_dir = shutil.copytree(demo_quarter_run.area, tmp_path / "area")  # a run writes its cache
    folder = tmp_path / "exports"
    folder.mkdir()
    inputs = [
        _named(folder, p.stem.encode() + b"\xff" + p.suffix.encode(), p)
        for p in f["determinations"]
    ]
    out = tmp_path / "runs" / "2024Q4"
    args = ["run", "--area", str(area_dir), "--input", *map(str, inputs), "--quarter", "2024Q4",
            "--out", str(out), "--previous", "none", "-q", "--as-of", "2025-01-15",
            "--enterprises", str(f["enterprises"][0]), "--campaign-sites",
            str(f["campaign_sites"][0]), "--measures", str(f["measures"][0])]  # fmt: skip
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err, captured.err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["geocode"]["cache_hits"] > 0  # the area's cache, warm from the shared run
    shown = [display_path(p) for p in inputs]
    assert [i["path"] for i in manifest["inputs"]["determinations"]] == shown
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "determinations_2023\\xff.xlsx" in report
