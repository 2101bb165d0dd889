"""Settings: frozen, validated, loadable from TOML."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from trafficprev import InputFileNotFoundError, Settings, SettingsError


def test_defaults_and_frozen():
    s = Settings()
    assert s.duplicate_rule == "latest_decided"
    assert s.csv_encodings == ("utf-8-sig", "gb18030")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.seed = 3  # type: ignore[misc]


def test_every_problem_reported_at_once():
    with pytest.raises(SettingsError) as info:
        Settings(duplicate_rule="newest", k_police=0, csv_encodings=("klingon",))
    msg = str(info.value)
    assert "duplicate_rule" in msg and "k_police" in msg and "klingon" in msg
    assert isinstance(info.value, ValueError)


def test_replace_validates():
    s = Settings().replace(as_of=dt.date(2024, 12, 31))
    assert s.today == dt.date(2024, 12, 31)
    with pytest.raises(SettingsError):
        s.replace(min_injury_year=1800)


def test_from_toml(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(
        '[trafficprev]\nas_of = "2025-01-15"\nduplicate_rule = "last_in_input"\n'
        'csv_encodings = ["utf-8-sig", "gb18030", "big5"]\n',
        encoding="utf-8",
    )
    s = Settings.from_toml(path)
    assert s.as_of == dt.date(2025, 1, 15)
    assert s.duplicate_rule == "last_in_input"
    assert s.csv_encodings[-1] == "big5"
    assert s.to_dict()["as_of"] == "2025-01-15"


def test_from_toml_native_date_and_top_level(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("as_of = 2025-02-01\nk_public = 7\n", encoding="utf-8")
    s = Settings.from_toml(path)
    assert s.as_of == dt.date(2025, 2, 1) and s.k_public == 7


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dupe_rule = 'x'\n", "unknown setting"),
        ("as_of = 'yesterday'\n", "YYYY-MM-DD"),
        ("not toml = = \n", "TOML"),
    ],
)
def test_bad_toml(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=words):
        Settings.from_toml(path)


def test_missing_toml(tmp_path):
    with pytest.raises(InputFileNotFoundError):
        Settings.from_toml(tmp_path / "none.toml")
