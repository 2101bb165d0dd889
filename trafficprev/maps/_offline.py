"""Render folium maps as single, self-contained HTML files that work with no network.

A stock folium 0.20 map loads about ten JavaScript/CSS files from four CDN hosts and
OpenStreetMap tiles; on an intranet PC (or behind a firewall that blocks jsdelivr, as in
parts of China) Leaflet never loads and the map is blank. :func:`render_offline` points
every asset at the copies vendored in ``trafficprev/static/`` (Leaflet 1.9.3, jQuery 3.7.1,
Leaflet.markercluster 1.1.0, folium's leaflet-heat; see ``static/README.md``), inlines them,
and checks that nothing external is left.

Supported elements: everything built on Leaflet core (``GeoJson``, ``CircleMarker``,
``Marker`` with the default icon or a ``DivIcon``, ``PolyLine``, ``Popup``, ``Tooltip``,
``GeoJsonTooltip``, ``GeoJsonPopup``, ``FeatureGroup``, ``LayerControl``, …) and the plugins
``MarkerCluster``, ``FastMarkerCluster`` and ``HeatMap``.

Not supported: ``folium.Icon`` (it needs Bootstrap, Font Awesome and Leaflet.awesome-markers,
which are not vendored; use ``CircleMarker`` or ``DivIcon``) and any plugin whose assets are
not vendored (``Fullscreen``, ``MiniMap``, ``Draw``, …): they raise
:class:`OfflineAssetError`, so a folium upgrade that adds or renames an asset fails loudly
instead of producing a blank map.

Tiles: none by default. A tile server is opt-in through :func:`tile_layer`, which records
the coordinate system of the tiles; tiles are fetched by Leaflet at run time, so such a map
is "offline" only inside the network that serves the tiles.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import json
import os
import re
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trafficprev._errors import ArgumentError, ArgumentTypeError, TrafficPrevError
from trafficprev._outdir import atomic_write
from trafficprev.coords import normalize_crs

if TYPE_CHECKING:  # pragma: no cover - typing only
    import folium
    from IPython.display import HTML

__all__ = [
    "ASSETS",
    "DROPPED_ASSETS",
    "OfflineAssetError",
    "OfflineCheckError",
    "check_offline",
    "render_offline",
    "save_offline",
    "show",
    "tile_layer",
]


class OfflineAssetError(TrafficPrevError, KeyError, ValueError):
    """A folium element needs a JS/CSS asset (or feature) that is not vendored."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class OfflineCheckError(TrafficPrevError, ValueError):
    """Rendered HTML still references something outside the file."""


ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat/leaflet-heat.js",
}
"""folium asset name → vendored file under ``trafficprev/static/``."""

DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)
"""folium asset names left out: they only serve ``folium.Icon`` (awesome markers)."""

_SCHEME = "trafficprev-static:"
_MAX_ZOOM = 19
_IMAGE_DIR = "leaflet/images"
_ID = re.compile(r"(?<=[A-Za-z0-9])_([0-9a-f]{32})(?![0-9A-Za-z])")
_SCRIPT_LINK = re.compile(r'<script src="' + re.escape(_SCHEME) + r'([^"]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="' + re.escape(_SCHEME) + r'([^"]+)"\s*/?>')
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_TITLE = re.compile(r"<title>.*?</title>", re.IGNORECASE | re.DOTALL)

_EXTERNAL = r"""["']?\s*(?:https?:)?//"""
_CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "element src",
        re.compile(
            r"<(?:script|img|iframe|embed|source|audio|video|input|track)\b[^>]*?\bsrc\s*=\s*"
            + _EXTERNAL
            + r"[^\s\"'>]*",
            re.IGNORECASE,
        ),
    ),
    (
        "link href",
        re.compile(r"<link\b[^>]*?\bhref\s*=\s*" + _EXTERNAL + r"[^\s\"'>]*", re.IGNORECASE),
    ),
    ("css url()", re.compile(r"url\(\s*" + _EXTERNAL + r"[^)\s]*", re.IGNORECASE)),
    (
        "css @import",
        re.compile(r"@import\s+(?:url\()?\s*" + _EXTERNAL + r"[^\s;)]*", re.IGNORECASE),
    ),
    (
        "vendored asset left as a link",
        re.compile(r"\b(?:src|href)\s*=\s*[\"']?" + re.escape(_SCHEME) + r"[^\"'\s>]*", re.I),
    ),
    (
        "local file reference",
        re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?file:[^\s\"'>]*", re.I),
    ),
)
_TILES = re.compile(r"L\.tileLayer(?:\.wms)?\(\s*[\"'`]((?:https?:)?//[^\"'`]*)", re.IGNORECASE)


# --------------------------------------------------------------------------- assets


def _static_file(relative: str) -> bytes:
    return resources.files("trafficprev").joinpath("static", *relative.split("/")).read_bytes()


def _data_uri(relative: str) -> str:
    return "data:image/png;base64," + base64.b64encode(_static_file(relative)).decode("ascii")


@functools.cache
def _asset_text(relative: str) -> str:
    """Vendored file as text; leaflet.css gets its images as data: URIs."""
    text = _static_file(relative).decode("utf-8")
    if relative == ASSETS["leaflet_css"]:
        text = re.sub(
            r"url\(images/([A-Za-z0-9_.-]+\.png)\)",
            lambda m: f'url("{_data_uri(f"{_IMAGE_DIR}/{m.group(1)}")}")',
            text,
        )
    return text


@functools.cache
def _icon_default_script() -> str:
    """Give ``L.Icon.Default`` data: URIs (Leaflet cannot guess a folder from data: CSS)."""
    icon = _data_uri(f"{_IMAGE_DIR}/marker-icon.png")
    retina = _data_uri(f"{_IMAGE_DIR}/marker-icon-2x.png")
    shadow = _data_uri(f"{_IMAGE_DIR}/marker-shadow.png")
    return (
        '<script>L.Icon.Default.imagePath = "";'
        f'L.Icon.Default.mergeOptions({{iconUrl: "{icon}", iconRetinaUrl: "{retina}", '
        f'shadowUrl: "{shadow}"}});</script>'
    )


def _inline_script(match: re.Match[str]) -> str:
    relative = match.group(1)
    code = re.sub(r"</(script)", r"<\\/\1", _asset_text(relative), flags=re.IGNORECASE)
    out = f"<script>{code}</script>"
    if relative == ASSETS["leaflet"]:
        out += _icon_default_script()
    return out


def _inline_style(match: re.Match[str]) -> str:
    css = re.sub(r"</(style)", r"<\\/\1", _asset_text(match.group(1)), flags=re.IGNORECASE)
    return f"<style>{css}</style>"


# --------------------------------------------------------------------------- element tree


def _walk(root: Any) -> Iterator[Any]:
    """``root`` and every branca element below it, depth first in insertion order.

    Besides ``_children`` this follows element-valued attributes (a ``Popup`` keeps its
    ``Html`` in ``popup.html``, a ``Figure`` its ``header``/``html``/``script``), never
    ``_parent``.
    """
    from branca.element import Element

    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        below = list(element._children.values())
        below += [
            value
            for key, value in vars(element).items()
            if key != "_parent" and isinstance(value, Element)
        ]
        stack.extend(reversed(below))


def _plan_assets(elements: list[Any]) -> dict[int, tuple[list, list]]:
    """New ``default_js``/``default_css`` for every JSCSSMixin element (raises first)."""
    from folium.elements import JSCSSMixin

    plan: dict[int, tuple[list, list]] = {}
    for element in elements:
        if not isinstance(element, JSCSSMixin):
            continue
        lists = []
        for links in (element.default_js, element.default_css):
            new = []
            for name, url in links:
                if name in DROPPED_ASSETS:
                    continue
                if name not in ASSETS:
                    raise OfflineAssetError(
                        f"{type(element).__name__} needs the asset {name!r} ({url}), which is "
                        "not vendored in trafficprev/static; this element cannot be used in an "
                        "offline map (or folium changed its assets: update ASSETS and static/)"
                    )
                new.append((name, _SCHEME + ASSETS[name]))
            lists.append(new)
        plan[id(element)] = (lists[0], lists[1])
    return plan


def _check_elements(elements: list[Any]) -> bool:
    """Reject unsupported elements; True when the map has declared (intranet) tile layers."""
    import folium
    from folium.raster_layers import TileLayer, WmsTileLayer

    declared = False
    for element in elements:
        if isinstance(element, WmsTileLayer):
            raise OfflineAssetError(
                "WMS tile layers are not supported in offline maps; use tile_layer() with an "
                "XYZ URL of the intranet tile server"
            )
        if isinstance(element, folium.Icon) and not isinstance(element, folium.CustomIcon):
            raise OfflineAssetError(
                "folium.Icon needs Bootstrap/Font Awesome/awesome-markers, which are not "
                "vendored; use folium.CircleMarker or folium.DivIcon in offline maps"
            )
        if isinstance(element, TileLayer):
            if getattr(element, "crs", None) not in ("wgs84", "gcj02"):
                raise OfflineAssetError(
                    f"the map has a tile layer {element.tiles!r} that was not declared with "
                    "trafficprev.maps._offline.tile_layer(); build the map with "
                    "folium.Map(tiles=None) and add tiles only through tile_layer()"
                )
            declared = True
    return declared


#: Attributes of a branca element that are its template or its place in the tree, not data.
_NOT_DATA = frozenset({"_template", "_template_str", "_template_name", "_parent", "_children"})
#: The three Jinja delimiters (expression, statement, comment).
_JINJA = re.compile(r"\{[{%#]")


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Every string inside `value` (dicts, lists, tuples), with where it sits."""
    if isinstance(value, str):
        yield path, value
    elif depth < 64 and isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, f"{path} key", depth + 1)
            yield from _strings(item, f"{path}[{key!r}]", depth + 1)
    elif depth < 64 and isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]", depth + 1)


def _plainly_free(value: Any) -> bool:
    """True when `value` is a dict or list whose JSON text has no Jinja delimiter, so no
    string inside it has one either (JSON escapes neither braces nor ``%``/``#``): the fast
    path for GeoJSON data. False whenever that cannot be told (then every string is walked)."""
    if not isinstance(value, dict | list | tuple):
        return False
    try:
        text = json.dumps(value, ensure_ascii=False, check_circular=False, default=_opaque)
    except (TypeError, ValueError, RecursionError):
        return False
    return _JINJA.search(text) is None


def _opaque(_value: Any) -> None:
    """JSON's stand-in for an object that is not a dict, list or string (the walk in
    :func:`_strings` does not look inside those either)."""
    return None


def _check_no_template_source(elements: list[Any]) -> None:
    """Refuse a map whose data could be read as Jinja source (branca renders twice).

    branca compiles the output of every element's macro again as a template, so any string an
    element carries (a popup's HTML, a tooltip, a ``DivIcon``, GeoJSON properties, layer
    names) is template source at that second pass. Record text reaches elements only through
    :func:`~trafficprev.maps._safe.safe_text`, which leaves no brace; a string with ``{{``,
    ``{%`` or ``{#`` here means some text skipped it, and rendering it could run code.
    """
    from branca.element import Element

    for element in elements:
        for attr, value in vars(element).items():
            if attr in _NOT_DATA or isinstance(value, Element) or _plainly_free(value):
                continue
            for where, text in _strings(value, f"{type(element).__name__}.{attr}"):
                found = _JINJA.search(text)
                if found:
                    start = max(0, found.start() - 30)
                    raise OfflineCheckError(
                        f"map data holds template syntax at {where}: "
                        f"{text[start : found.start() + 40]!r}; record text must pass through "
                        "safe_text before it reaches folium / 地图数据含模板语法，已拒绝生成"
                    )


class _Text:
    """What an element's rendered output becomes while :func:`render_offline` renders: the
    text itself, as Jinja would have rendered it.

    branca's ``MacroElement.render`` wraps each rendered macro in ``Element(output)``, whose
    constructor compiles the output as a Jinja template, rendered again when the page is put
    together. Text with no Jinja delimiter renders to itself after Jinja's two rules for plain
    text: line ends become ``\\n`` and one trailing line end is dropped. So such text is kept
    as that, without the second compilation (about 1,000 templates and a third of the render
    time of the demo's hotspot map) and without a second evaluation.
    """

    __slots__ = ("_text",)

    def __init__(self, source: str) -> None:
        text = source.replace("\r\n", "\n").replace("\r", "\n")
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, *_args: Any, **_kwargs: Any) -> str:
        return self._text


@contextlib.contextmanager
def _output_as_text() -> Iterator[None]:
    """Within: branca's ``Element(text)`` keeps `text` as :class:`_Text` when it has no Jinja
    delimiter; text with one (folium's own snippets) is compiled by Jinja as before.

    Record text never has a delimiter (:func:`_check_no_template_source` refuses the map
    first). The swap is of ``branca.element.Template``, which ``Element.__init__`` calls,
    one render at a time (a lock); anything another thread renders meanwhile gets the same
    bytes either way.
    """
    import branca.element

    with _SWAP:
        real = branca.element.Template
        branca.element.Template = functools.partial(_template_or_text, real)
        try:
            yield
        finally:
            branca.element.Template = real


def _template_or_text(real: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
    """``real(source, …)`` (Jinja), or :class:`_Text` for plain text with no delimiter."""
    if args or kwargs or not isinstance(source, str) or _JINJA.search(source):
        return real(source, *args, **kwargs)
    return _Text(source)


_SWAP = threading.Lock()


def _deterministic_ids(text: str, known: set[str]) -> str:
    """Replace folium's random 32-hex element ids by a counter in document order."""
    found: dict[str, None] = {}
    for match in _ID.finditer(text):
        if match.group(1) in known:
            found.setdefault(match.group(1), None)
    width = max(4, len(str(len(found))))
    numbers = {hex_id: f"{i:0{width}d}" for i, hex_id in enumerate(found, start=1)}

    def _sub(match: re.Match[str]) -> str:
        number = numbers.get(match.group(1))
        return match.group(0) if number is None else "_" + number

    return _ID.sub(_sub, text)


def _set_title(text: str, title: str) -> str:
    tag = f"<title>{html.escape(title, quote=False)}</title>"
    head = _HEAD.search(text)
    if head is None:
        raise OfflineCheckError("rendered map has no <head> element")
    end = text.find("</head>", head.end())
    end = len(text) if end < 0 else end
    block, n = _TITLE.subn(lambda _m: tag, text[head.end() : end], count=1)
    if n == 0:
        block = "\n" + tag + block
    return text[: head.end()] + block + text[end:]


# --------------------------------------------------------------------------- public API


def check_offline(html_text: str, *, allow_tiles: bool = False) -> None:
    """Raise if HTML still loads scripts, styles or other resources from outside the file.

    Parameters
    ----------
    html_text : str
        A rendered HTML document.
    allow_tiles : bool, default False
        Accept ``L.tileLayer("http…")`` URLs. Tiles are requested by Leaflet at run time,
        not by markup, so they are found by a separate pattern; :func:`render_offline`
        allows them only for layers declared with :func:`tile_layer`.

    Raises
    ------
    OfflineCheckError
        (a ``ValueError``) listing every offending reference: ``<script src=http…>`` or
        ``src`` of other embedded elements, ``<link href=http…>``, CSS ``url(http…)``,
        ``@import`` of http, protocol-relative ``//host`` forms of all of these, a leftover
        vendored-asset link, a ``file:`` script/style reference, and (unless
        ``allow_tiles``) http(s) tile URLs.

    Notes
    -----
    Text only: an ``http`` string inside a licence comment, the SVG namespace or Leaflet's
    attribution link is not a load and is not reported. Record text escaped with
    :func:`trafficprev.maps._safe.safe_text` cannot match (``<`` is escaped).

    Examples
    --------
    >>> check_offline('<script>var a = 1;</script>')
    >>> try:
    ...     check_offline('<script src="//x.cn/a.js"></script>')
    ... except ValueError as error:
    ...     print(error)
    HTML is not self-contained: element src: <script src="//x.cn/a.js
    """
    problems = []
    for label, pattern in _CHECKS:
        problems += [f"{label}: {m.group(0)}" for m in pattern.finditer(html_text)]
    if not allow_tiles:
        problems += [f"tile layer: {m.group(1)}" for m in _TILES.finditer(html_text)]
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise OfflineCheckError(f"HTML is not self-contained: {shown}{more}")


def _render_with_plan(
    m: folium.Map,
    figure: Any,
    elements: list[Any],
    plan: dict[int, tuple[list, list]],
    *,
    has_tiles: bool,
) -> tuple[str, set[str]]:
    """Render the figure with the planned asset lists, then restore the map as it was.

    Parameters
    ----------
    m : folium.Map
        The map (its options get ``max_zoom`` while rendering when it has no tile layer).
    figure : branca.element.Figure
        The map's root.
    elements : list
        Every element below `figure` (:func:`_walk`).
    plan : dict
        New ``default_js``/``default_css`` per element id (:func:`_plan_assets`).
    has_tiles : bool
        Whether the map has declared tile layers.

    Returns
    -------
    text : str
        The rendered document, still with ``<script src>``/``<link>`` tags to the vendored
        files.
    known : set of str
        The ids of the elements (for :func:`_deterministic_ids`).
    """
    saved_lists = {
        id(e): {k: e.__dict__[k] for k in ("default_js", "default_css") if k in e.__dict__}
        for e in elements
        if id(e) in plan
    }
    # folium accumulates rendered snippets in the figure's header/html/script (a second
    # render would repeat every ``layer.addTo(map)``) and children of elements (a Marker adds
    # a SetIcon child each time it renders): render from a snapshot, then restore.
    parts = (figure.header, figure.html, figure.script)
    saved_parts = [part._children.copy() for part in parts]
    saved_children = [(e, e._children.copy()) for e in elements]
    saved_options = dict(m.options)
    try:
        for element in elements:
            if id(element) in plan:
                element.default_js, element.default_css = plan[id(element)]
        for name in list(figure.header._children):
            if name in DROPPED_ASSETS:
                del figure.header._children[name]
        if not has_tiles and "max_zoom" not in m.options and "maxZoom" not in m.options:
            m.options["max_zoom"] = _MAX_ZOOM
        with _output_as_text():
            text = figure.render()
        known = {e._id for e in _walk(figure)}
    finally:
        for element in elements:
            if id(element) in plan:
                for key in ("default_js", "default_css"):
                    element.__dict__.pop(key, None)
                element.__dict__.update(saved_lists[id(element)])
        for element, children in saved_children:
            element._children = children
        for part, children in zip(parts, saved_parts, strict=True):
            part._children = children
        m.options.clear()
        m.options.update(saved_options)
    return text, known


def render_offline(m: folium.Map, *, title: str | None = None) -> str:
    """Render a folium map to one self-contained HTML document.

    Parameters
    ----------
    m : folium.Map
        The map. It is not modified: asset lists and options are restored after rendering.
    title : str, optional
        Text of the ``<title>`` element (escaped). ``None``: the title the map builders of
        :mod:`trafficprev.maps` give their maps (the heading of the title box), else none.

    Returns
    -------
    str
        The HTML document, with Leaflet, jQuery and the plugin scripts and styles inlined,
        leaflet.css images and the default marker icons as data: URIs, and element ids
        ``map_0001``, ``geo_json_0002``, … numbered in document order, so rendering the same
        map twice gives byte-identical output.

    Raises
    ------
    ArgumentTypeError
        (a ``TypeError``) if ``m`` is not a ``folium.Map``.
    OfflineAssetError
        (a ``KeyError`` and ``ValueError``) for an asset that is not vendored, for
        ``folium.Icon``, and for a tile layer not created with :func:`tile_layer`.
    OfflineCheckError
        (a ``ValueError``) if the result still references anything external
        (see :func:`check_offline`), or, before anything is rendered, if a string the map
        carries holds a Jinja delimiter (``{{``, ``{%``, ``{#``): branca compiles element
        output as template source, so such text would be evaluated; record text must go
        through :func:`~trafficprev.maps._safe.safe_text`.

    Notes
    -----
    Technique (docs/ecosystem.md §1): every ``JSCSSMixin`` element gets instance-level
    ``default_js``/``default_css`` lists naming vendored files; assets only needed by
    ``folium.Icon`` (Bootstrap, glyphicons, Font Awesome, awesome-markers) are dropped; the
    figure is rendered; the resulting ``<script src>``/``<link>`` tags are replaced by inline
    ``<script>``/``<style>`` (``</script`` escaped as ``<\\/script``). Without a tile layer
    the map gets ``maxZoom`` 19 (MarkerCluster needs a maximum zoom). ``branca``'s
    ``render(embedded=True)`` cannot be used because ``Marker.render`` takes no keyword
    arguments. A minimal map is about 260 KB.

    Byte-identical output needs a map that folium itself has not rendered before
    (``m.save``, ``m._repr_html_``): folium keeps every rendered snippet in the figure, and
    a later render repeats some ``layer.addTo(map)`` statements (harmless in the browser).
    ``render_offline`` renders from a snapshot of the figure and restores it, so calling it
    any number of times gives the same bytes. Not thread-safe for one map object (the map
    is modified while it renders).

    Not checked: URLs that only appear inside JavaScript options, such as a
    ``folium.CustomIcon`` or ``ImageOverlay`` pointing at a web image; pass local images
    (folium turns them into data: URIs) or check with
    :func:`trafficprev.testing.check_in_browser`.
    """
    import folium
    from branca.element import Figure

    if not isinstance(m, folium.Map):
        raise ArgumentTypeError(f"render_offline expects a folium.Map, got {type(m).__name__}")
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise ArgumentTypeError("the map is not attached to a branca Figure")

    elements = list(_walk(figure))
    has_tiles = _check_elements(elements)
    _check_no_template_source(elements)
    plan = _plan_assets(elements)
    text, known = _render_with_plan(m, figure, elements, plan, has_tiles=has_tiles)

    text = _SCRIPT_LINK.sub(_inline_script, text)
    text = _CSS_LINK.sub(_inline_style, text)
    text = _deterministic_ids(text, known)
    if title is None:  # the title a map builder gave the map (kept escaped on the map)
        stored = getattr(m, "_trafficprev_title", None)
        title = html.unescape(stored) if isinstance(stored, str) and stored else None
    if title is not None:
        text = _set_title(text, str(title))
    check_offline(text, allow_tiles=has_tiles)
    return text


def save_offline(m: folium.Map, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Render ``m`` with :func:`render_offline` and write it atomically as UTF-8.

    Parameters
    ----------
    m : folium.Map
        The map.
    path : str or path-like
        Destination file; its folder must exist.
    title : str, optional
        ``<title>`` of the document.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    The HTML is written to a temporary file in the destination folder and moved into
    place with ``os.replace`` (:func:`~trafficprev._outdir.atomic_write`), so a reader (or a
    crash) never sees a half-written map.

    Raises
    ------
    OfflineCheckError
        As :func:`render_offline`, with the destination path in front of the message.
    """
    target = Path(path)
    try:
        text = render_offline(m, title=title)
    except OfflineCheckError as exc:  # say which map
        raise OfflineCheckError(f"{target}: {exc}") from exc
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))


def show(m: folium.Map, *, height: int = 600) -> HTML:
    """Display an offline map in a notebook (JupyterLab on an intranet included).

    Parameters
    ----------
    m : folium.Map
        The map.
    height : int, default 600
        Height of the frame in CSS pixels.

    Returns
    -------
    IPython.display.HTML
        A ``<div>`` with an ``<iframe srcdoc="…">`` holding the escaped output of
        :func:`render_offline`; it needs no CDN (folium's own ``_repr_html_`` does). The
        frame is sandboxed with ``allow-scripts`` only, so the map cannot touch the
        notebook page.

    Raises
    ------
    ArgumentError
        (a ``ValueError``) if ``height`` is not a positive integer.
    """
    from IPython.display import HTML

    if isinstance(height, bool) or not isinstance(height, int) or height <= 0:
        raise ArgumentError(f"height must be a positive number of pixels, got {height!r}")
    document = html.escape(render_offline(m), quote=True)
    # wrapped in a <div>: IPython warns about bare <iframe> HTML (it suggests IFrame(url))
    return HTML(
        f'<div style="width:100%"><iframe srcdoc="{document}" sandbox="allow-scripts" '
        f'style="width:100%;height:{height}px;border:none"></iframe></div>'
    )


def tile_layer(
    url: str,
    *,
    attribution: str,
    crs: str = "wgs84",
    name: str = "底图",
    max_zoom: int = _MAX_ZOOM,
) -> folium.TileLayer:
    """A ``folium.TileLayer`` for an intranet tile server, with the tiles' coordinate system.

    Parameters
    ----------
    url : str
        XYZ URL template with ``{z}``, ``{x}`` and ``{y}`` (or ``{-y}``), e.g. an intranet
        Tianditu node. Keys in the URL end up readable in the shared HTML.
    attribution : str
        Attribution shown in the map corner (required by most tile licences).
    crs : {"wgs84", "gcj02"}, default "wgs84"
        Coordinate system the tiles are drawn in. Any name understood by
        :func:`trafficprev.coords.normalize_crs` is accepted; CGCS2000 (Tianditu) counts as
        WGS-84. BD-09 (Baidu) tiles use their own tiling and cannot be used.
    name : str, default "底图"
        Name in the layer control.
    max_zoom : int, default 19
        Highest zoom level the server provides.

    Returns
    -------
    folium.TileLayer
        A base layer (``overlay=False``) with the extra attribute ``crs`` (``"wgs84"`` or
        ``"gcj02"``). A map builder must convert WGS-84 points with
        :func:`trafficprev.coords.from_wgs84` before drawing them on ``"gcj02"`` tiles
        (Gaode/Tencent), or they sit about 650 m north-west of where they belong.

    Raises
    ------
    ArgumentError
        (a ``ValueError``) for a URL without the tile placeholders, an empty attribution or
        an unsupported crs.

    Notes
    -----
    :func:`render_offline` accepts only tile layers made here: a stray default
    OpenStreetMap layer (``folium.Map()`` without ``tiles=None``) is an error. Tiles are
    fetched by Leaflet at run time, so :func:`check_offline` reports them unless
    ``allow_tiles=True``, and a browser check lists them as page requests.
    """
    import folium

    if (
        not isinstance(url, str)
        or not all(p in url for p in ("{z}", "{x}"))
        or not ("{y}" in url or "{-y}" in url)
    ):
        raise ArgumentError(f"tile url must contain {{z}}, {{x}} and {{y}} placeholders: {url!r}")
    if not isinstance(attribution, str) or not attribution.strip():
        raise ArgumentError("tile_layer needs a non-empty attribution")
    canonical = normalize_crs(crs)
    if canonical in ("WGS84", "CGCS2000"):
        declared = "wgs84"
    elif canonical == "GCJ02":
        declared = "gcj02"
    else:
        raise ArgumentError(f"tiles in {canonical} cannot be used; expected 'wgs84' or 'gcj02'")
    layer = folium.TileLayer(
        tiles=url, attr=attribution, name=name, max_zoom=max_zoom, overlay=False, control=True
    )
    layer.crs = declared
    return layer
