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
        (_errors.OutputError, OSError),
    ],
)
def test_error_hierarchy(cls, builtin):
    with pytest.raises(builtin):
        raise cls("x")
    with pytest.raises(_errors.TrafficPrevError):
        raise cls("x")
    assert cls.__doc__


def test_output_error_keeps_errno_and_reads_as_its_message():
    import errno

    exc = _errors.OutputError(errno.EROFS, "runs/2024Q4: cannot write the run")
    assert exc.errno == errno.EROFS
    assert str(exc) == "runs/2024Q4: cannot write the run"
