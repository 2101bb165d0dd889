"""Every error is a TrafficPrevError and the builtin it specialises."""

from __future__ import annotations

import pytest

from trafficprev import _errors


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (_errors.SettingsError, ValueError),
        (_errors.SchemaError, ValueError),
        (_errors.FileFormatError, ValueError),
        (_errors.InputFileNotFoundError, FileNotFoundError),
    ],
)
def test_error_hierarchy(cls, builtin):
    with pytest.raises(builtin):
        raise cls("x")
    with pytest.raises(_errors.TrafficPrevError):
        raise cls("x")
    assert cls.__doc__
