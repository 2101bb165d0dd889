"""Tables of the report as plain data, drawn by the ``table`` and ``kv_table`` macros.

:func:`table` turns a frame into a :class:`Table`: a caption, headers and rows of
already formatted :class:`Cell` texts (or, for an empty frame, the sentence said instead).
Small cells (a case count in a row with fewer than ``k`` cases) are flagged, and the macro
marks them ``*`` with a footnote. Nothing here is HTML: the template escapes every text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from ._format import bool_col, text

#: The sentence of an empty table.
NO_DATA = "本期没有数据 (no data for this period)。"


class Col(NamedTuple):
    """One column of a table: source column, header, formatter, kind."""

    name: str
    header: str
    fmt: Callable[[object], str] = text
    numeric: bool = False
    count: bool = False  # a case count: marked when the row is a small cell


@dataclass(frozen=True)
class Cell:
    """One cell: its text, its CSS classes (``""``: none) and whether it is a small cell."""

    text: str
    cls: str
    star: bool


@dataclass(frozen=True)
class Table:
    """A table for the ``table`` macro.

    Attributes
    ----------
    caption
        The caption (names the period).
    empty
        The sentence said instead of the table when `rows` is None.
    headers
        Column headers.
    rows
        Rows of cells; None for an empty frame.
    small_k
        ``k`` for the footnote on small cells, or None when no cell is marked.
    note
        A footnote (``""``: none).
    """

    caption: str
    empty: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] | None
    small_k: int | None
    note: str


@dataclass(frozen=True)
class KVTable:
    """A two-column table of labels and already formatted values (``kv_table`` macro)."""

    caption: str
    pairs: tuple[tuple[str, str], ...]


def table(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    caption: str,
    *,
    k: int | None = None,
    small: pd.Series | None = None,
    empty: str = NO_DATA,
    note: str = "",
) -> Table:
    """A table of `frame`'s `cols`; the `empty` sentence instead when `frame` is empty.

    Parameters
    ----------
    frame
        The rows, in order.
    cols
        The columns shown.
    caption
        The table's caption.
    k
        The small-cell threshold named in the footnote (None: no footnote).
    small
        Rows whose ``count`` cells are marked; default the frame's ``small`` column.
    empty
        What is said when `frame` is empty.
    note
        A footnote.

    Returns
    -------
    Table
        Plain data for the ``table`` macro.
    """
    headers = tuple(c.header for c in cols)
    if frame.empty:
        return Table(caption, empty, headers, None, None, note)
    if small is None:
        small = (
            bool_col(frame["small"]) if "small" in frame else pd.Series(False, index=frame.index)
        )
    small = small.reindex(frame.index, fill_value=False).astype(bool)
    rows = []
    any_small = False
    for idx, row in frame.iterrows():
        is_small = bool(small.loc[idx])
        cells = []
        for c in cols:
            value = row[c.name] if c.name in row.index else None
            star = c.count and is_small
            any_small = any_small or star
            cls = " ".join((["num"] if c.numeric else []) + (["small"] if star else []))
            cells.append(Cell(c.fmt(value), cls, star))
        rows.append(tuple(cells))
    return Table(caption, empty, headers, tuple(rows), k if any_small else None, note)


def kv_table(pairs: Sequence[tuple[str, str]], caption: str) -> KVTable:
    """A two-column table of labels and already formatted values."""
    return KVTable(caption, tuple((str(a), str(b)) for a, b in pairs))
