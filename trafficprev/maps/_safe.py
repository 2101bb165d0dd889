"""Escape record-derived text before it goes into folium popups, tooltips and GeoJSON details.

folium 0.20 does not escape the text of a ``Popup``, a ``Tooltip`` or the values shown by
``GeoJsonTooltip``/``GeoJsonPopup``: popups and tooltips are pasted into JavaScript template
literals (`` `…` ``) and the GeoJSON detail values are assigned to ``innerHTML``. A record
such as ``<img src=x onerror=…>`` or ``${…}`` therefore executes in the browser of whoever
opens the shared map, and a harmless Windows path like ``D:\\upload\\长沙.xls`` (``\\u`` is an
invalid escape in a template literal) makes the whole map script fail with a SyntaxError, so
the map handed to the police is blank.

Worse, branca renders every element twice: the output of each element's template macro is
compiled again as a Jinja template when the figure is rendered (``MacroElement.render`` wraps
it in ``Element(…)``). Text inside a popup, a tooltip, a ``DivIcon`` or even a GeoJSON property
is therefore Jinja *source* at that second pass: ``{{7*7}}`` in an OpenStreetMap road name
shows ``49``, and ``{{ lipsum.__globals__.os.system(…) }}`` runs a command on the analysis PC.

:func:`safe_text` neutralises all of these: HTML-escape (``<>&"'``), then replace by HTML
character references the three characters that are special inside a JavaScript template
literal (``\\``, `````, ``$``), the two Jinja needs for every delimiter (``{``, ``}``), and the
two that CSS needs to load anything (``(`` of ``url(``, ``@`` of ``@import``), so that record
text can never be read as a template, a script or a style, and the self-containment check of
:func:`~trafficprev.maps.render_offline` never mistakes it for a load. The browser displays
every value literally.

Use it on every value that comes from records (addresses, company names, free text):

* ``folium.Popup(popup_html([...]))`` or ``folium.Popup(safe_text(text))``;
* ``folium.Tooltip(safe_text(text))``;
* ``folium.GeoJson(safe_frame(gdf[[...]]), tooltip=GeoJsonTooltip(...))``.

Never escape twice: ``safe_text(safe_text(s))`` shows the entities (``&amp;lt;``) to the user.
:func:`~trafficprev.maps.render_offline` refuses a map whose data still holds a Jinja
delimiter, so a value that skipped :func:`safe_text` fails loudly instead of running.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ArgumentTypeError, NotFoundError

__all__ = ["popup_html", "safe_frame", "safe_text"]

#: After ``html.escape``: template-literal characters, Jinja's braces, CSS's ``(`` and ``@``.
_AS_REFERENCES = str.maketrans(
    {
        "\\": "&#92;",
        "`": "&#96;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
        "(": "&#40;",
        "@": "&#64;",
    }
)


def _is_missing(value: Any) -> bool:
    """True for None and for scalar missing values (NaN, NaT, ``pd.NA``)."""
    if value is None:
        return True
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(missing, bool | np.bool_) and bool(missing)


def safe_text(value: Any) -> str:
    """Return ``value`` as text that is safe in any folium popup, tooltip or GeoJSON detail.

    Parameters
    ----------
    value : object
        Any value; it is converted with ``str``. ``None`` and missing scalars (NaN, NaT,
        ``pd.NA``) give ``""``.

    Returns
    -------
    str
        ``html.escape(str(value), quote=True)`` with ``\\`` → ``&#92;``, ````` → ``&#96;``,
        ``$`` → ``&#36;``, ``{`` → ``&#123;``, ``}`` → ``&#125;``, ``(`` → ``&#40;`` and
        ``@`` → ``&#64;``.

    Notes
    -----
    The result contains none of ``< > " ' \\ ` $ { } ( @`` and every ``&`` starts a character
    reference, so it can neither open an HTML tag or attribute, nor end or interpolate a
    JavaScript template literal, nor open a Jinja expression, statement or comment (branca
    compiles element output as template source), nor form CSS ``url(…)`` or ``@import``; the
    browser shows the original text. The mapping is injective (distinct inputs give distinct
    outputs) because ``&`` itself is escaped first.

    Examples
    --------
    >>> safe_text("芙蓉中路<1>号 & ${y}")
    '芙蓉中路&lt;1&gt;号 &amp; &#36;&#123;y&#125;'
    >>> safe_text("{{7*7}} url(//x)")
    '&#123;&#123;7*7&#125;&#125; url&#40;//x)'
    >>> safe_text("D:\\\\upload\\\\长沙.xls")
    'D:&#92;upload&#92;长沙.xls'
    >>> safe_text(None), safe_text(float("nan"))
    ('', '')
    """
    if _is_missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_AS_REFERENCES)


def _safe_series(series: pd.Series) -> pd.Series:
    """``safe_text`` applied to every element, computed once per distinct value."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable elements (lists, dicts): element by element
        values = [safe_text(v) for v in series.tolist()]
        return pd.Series(values, index=series.index, name=series.name, dtype=object)
    table = np.array([safe_text(u) for u in np.asarray(uniques, dtype=object)] + [""], dtype=object)
    values = table[np.asarray(codes)]  # the sentinel -1 picks the trailing ""
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def safe_frame(frame: pd.DataFrame, columns: Iterable[Any] | None = None) -> pd.DataFrame:
    """Return a copy of ``frame`` with text columns passed through :func:`safe_text`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame, including a ``geopandas.GeoDataFrame`` (the class is kept, and the
        geometry column is left alone unless named in ``columns``).
    columns : iterable of labels, optional
        Columns to escape. By default every column of object, string or categorical dtype.
        Named columns are escaped whatever their dtype (numbers become escaped text).

    Returns
    -------
    pandas.DataFrame
        A copy of the same class; escaped columns have object dtype, missing values
        became ``""``. Other columns are unchanged.

    Raises
    ------
    NotFoundError
        (a ``KeyError``) if a named column is not in ``frame``.
    ArgumentTypeError
        (a ``TypeError``) if ``frame`` is not a DataFrame.

    Notes
    -----
    Vectorised over distinct values (``pandas.factorize``), so a column of 100,000 rows
    with a few thousand distinct addresses costs a few thousand ``safe_text`` calls.
    Pass the escaped frame to ``folium.GeoJson`` together with ``GeoJsonTooltip``/
    ``GeoJsonPopup``; the numbers in non-text columns need no escaping.

    Examples
    --------
    >>> import pandas as pd
    >>> out = safe_frame(pd.DataFrame({"地址": ["<b>五一路</b>", None], "n": [1, 2]}))
    >>> out["地址"].tolist(), out["n"].tolist()
    (['&lt;b&gt;五一路&lt;/b&gt;', ''], [1, 2])
    """
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentTypeError(
            f"safe_frame expects a pandas DataFrame, got {type(frame).__name__}"
        )
    if columns is None:
        chosen = [c for c in frame.columns if _is_text_column(frame[c])]
        geometry = getattr(frame, "_geometry_column_name", None)
        chosen = [c for c in chosen if c != geometry]
    else:
        chosen = list(columns)
        missing = [c for c in chosen if c not in frame.columns]
        if missing:
            raise NotFoundError(f"safe_frame: columns not in the frame: {missing}")
    out = frame.copy()
    for column in chosen:
        out[column] = _safe_series(frame[column])
    return out


def popup_html(rows: Sequence[tuple[str, Any]]) -> str:
    """Build a small label/value table for a ``folium.Popup`` with every cell escaped.

    Parameters
    ----------
    rows : sequence of (label, value)
        Pairs in display order. Labels and values both go through :func:`safe_text`
        (``None``/NaN values show as empty cells).

    Returns
    -------
    str
        One line of fixed markup,
        ``<table class="tp-popup"><tr><th>label</th><td>value</td></tr>…</table>``,
        containing no backslash, backtick or ``$``. Pass it as ``folium.Popup(text)`` with
        the default ``parse_html=False``.

    Raises
    ------
    ArgumentTypeError
        (a ``TypeError``) if a row is not a (label, value) pair.

    Examples
    --------
    >>> popup_html([("地址", "芙蓉中路<1>号"), ("事故数", 3)])
    '<table class="tp-popup"><tr><th>地址</th><td>芙蓉中路&lt;1&gt;号</td></tr><tr><th>事故数</th><td>3</td></tr></table>'
    """  # noqa: E501
    cells = []
    for row in rows:
        if not isinstance(row, tuple | list) or len(row) != 2:
            raise ArgumentTypeError(f"popup_html expects (label, value) pairs, got {row!r}")
        label, value = row
        cells.append(f"<tr><th>{safe_text(label)}</th><td>{safe_text(value)}</td></tr>")
    return '<table class="tp-popup">' + "".join(cells) + "</table>"
