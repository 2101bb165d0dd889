"""Text that trafficprev stores, writes and shows for names it did not choose.

A file name on Linux is bytes and need not be UTF-8, and a sheet name or a file name may hold
control or bidirectional characters that would break a one-line message or mislead a reader.
:func:`display_path` and :func:`display_text` give the one form that is valid Unicode, one
line and unambiguous.
"""

from __future__ import annotations

import os
import re

__all__ = ["display_path", "display_text"]

# characters that would break a one-line message or mislead a reader: C0/C1 controls, DEL,
# line and paragraph separators, bidirectional embeddings, overrides and isolates
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPE_BACKSLASH = os.sep == "/"  # on Windows "\\" separates folders and is kept as it is


def _escape_hidden(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def display_path(path: str | os.PathLike[str] | bytes) -> str:
    r"""The one text form of a file path that trafficprev stores, writes and shows.

    A file name on Linux is bytes and need not be UTF-8; Python hands such a name over with
    surrogate escapes (``'bad\udcff.csv'``), which cannot be written to a UTF-8 file. This
    form is valid Unicode, one line and unambiguous: a byte that is not UTF-8 becomes
    ``\xff``, a control character ``\x0a`` (C1 and bidirectional controls ``\u202e``) and, on
    POSIX, a backslash ``\\``. An ordinary path is returned unchanged.

    Parameters
    ----------
    path
        A path as Python gives it (``str`` with surrogate escapes, ``bytes`` or a path object).

    Returns
    -------
    str
        ``bad\xff.csv`` for the file whose name holds the byte 0xff.
    """
    text = os.fsdecode(path)
    if text.isprintable() and "\\" not in text:
        return text
    raw = os.fsencode(text)
    if _ESCAPE_BACKSLASH:
        raw = raw.replace(b"\\", b"\\\\")
    return _HIDDEN.sub(_escape_hidden, raw.decode("utf-8", "backslashreplace"))


def display_text(text: str) -> str:
    r"""`text` with control and bidirectional characters written as ``\x0a`` / ``\u202e``.

    Examples
    --------
    >>> display_text("台账\n2024")
    '台账\\x0a2024'
    """
    return _HIDDEN.sub(_escape_hidden, text)
