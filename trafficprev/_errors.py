"""Exceptions and warnings raised by trafficprev.

Every exception derives from :class:`TrafficPrevError` and also from the builtin it
specialises, so ``except ValueError`` in calling code keeps working.
"""

from __future__ import annotations

import errno

__all__ = [
    "WRITE_ERRORS",
    "ArgumentError",
    "ArgumentTypeError",
    "FileFormatError",
    "InputFileNotFoundError",
    "NotFoundError",
    "OutputError",
    "OutputRefusedError",
    "PersonalDataError",
    "SchemaError",
    "SettingsError",
    "SolverError",
    "TrafficPrevError",
    "TrafficPrevWarning",
]


#: Operating-system errors that mean "this place cannot be written", with their words.
WRITE_ERRORS: dict[int, str] = {
    errno.EROFS: "the disk is read-only / 磁盘为只读",
    errno.EACCES: "no permission to write there / 没有写入权限",
    errno.EPERM: "no permission to write there / 没有写入权限",
    errno.ENOSPC: "the disk is full / 磁盘空间已满",
    errno.EDQUOT: "the disk quota is used up / 磁盘配额已满",
    errno.ENOENT: "the folder does not exist / 文件夹不存在",
    errno.EIO: "the system refused the write / 系统拒绝写入",
}


class TrafficPrevError(Exception):
    """Base class of every error raised by trafficprev."""


class ArgumentError(TrafficPrevError, ValueError):
    """An argument of a call has a value outside what the function accepts.

    Raised for bad call arguments (a negative distance, an unknown method name, arrays of
    different lengths); a bad *setting* is a :class:`SettingsError`, a table without the
    columns it needs a :class:`SchemaError`.
    """


class ArgumentTypeError(TrafficPrevError, TypeError):
    """An argument of a call is of the wrong type (a list where a frame is needed, text
    where numbers are needed)."""


class NotFoundError(TrafficPrevError, KeyError):
    """A key the caller named (a division code, a table entry) is not where it was looked
    up."""

    def __str__(self) -> str:
        # KeyError quotes its message; this one reads as the sentence it is
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class SettingsError(TrafficPrevError, ValueError):
    """A setting has a value outside its allowed range or set."""


class SchemaError(TrafficPrevError, ValueError):
    """A table lacks required columns or has columns of the wrong kind."""


class FileFormatError(TrafficPrevError, ValueError):
    """An input file cannot be read: unknown type, undecodable bytes, corrupt workbook."""


class InputFileNotFoundError(TrafficPrevError, FileNotFoundError):
    """An input file named by the user does not exist."""


class OutputError(TrafficPrevError, OSError):
    """An output cannot be written: read-only folder, no permission, full disk.

    Built as ``OutputError(errno, message)``, so ``.errno`` is the operating system's error
    number and ``str()`` is the message alone.
    """

    def __str__(self) -> str:
        return str(self.strerror)


class OutputRefusedError(TrafficPrevError, FileExistsError):
    """An output place that trafficprev will not write into, because it would destroy files
    it did not write (a folder that is not one of its own, an input inside the output
    folder, the current folder). Nothing is changed; the message says what to do instead.
    """


class PersonalDataError(TrafficPrevError, ValueError):
    """A shared output (police or public) would carry personal data; nothing was published."""


class SolverError(TrafficPrevError, RuntimeError):
    """The optimiser (HiGHS, through :func:`scipy.optimize.milp`) failed for a reason other
    than infeasibility or the time limit; the message gives its status."""


class TrafficPrevWarning(UserWarning):
    """Base class of the data-quality warnings trafficprev issues."""
