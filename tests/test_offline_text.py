"""An element's rendered output is kept as text while a map renders (no second Jinja pass):
the same bytes as Jinja's second pass, for the demo's maps and for text shaped to differ."""

from __future__ import annotations

import contextlib

import folium
import jinja2
import pytest
from branca.element import Element, Figure
from hypothesis import given
from hypothesis import strategies as st

import trafficprev.maps._offline as offline
from trafficprev.maps import hotspots_map, render_offline, sign_sites_map
from trafficprev.maps._safe import safe_text

#: Text that Jinja's plain-text rules change or could: every kind of line end, one or two at
#: the end, lone braces and the halves of delimiters, CJK, HTML.
AWKWARD = (
    "甲\r\n乙\r丙\n",
    "end with two\n\n",
    "\r",
    "a } b { c %} d #} e }} f",
    "<b>建设路</b>&amp;\t\n",
    "",
)


def _jinja(text: str) -> str:
    """What branca's second pass makes of `text`: compiled as a template, rendered."""
    return jinja2.Template(text).render(this=None, kwargs={})


@pytest.mark.parametrize("text", AWKWARD)
def test_text_renders_as_jinja_renders_it(text):
    assert offline._Text(text).render(this=None, kwargs={}) == _jinja(text)


@given(st.text(alphabet=st.sampled_from("ab建 {}%#\r\n\t<&"), max_size=40))
def test_any_text_without_a_delimiter_renders_as_jinja_renders_it(text):
    if offline._JINJA.search(text):  # handed to Jinja, as before
        assert offline._template_or_text(lambda s: ("jinja", s), text) == ("jinja", text)
        return
    assert offline._Text(text).render() == _jinja(text)


def test_folium_snippets_with_a_delimiter_still_go_to_jinja():
    with offline._output_as_text():
        element = Element("{{ 6 * 7 }}")
    assert element.render() == "42"
    assert Element("x")._template.__class__ is jinja2.Template  # the swap is undone


def _both(m: folium.Map) -> tuple[str, str]:
    """`m` rendered with output kept as text, and with branca's second Jinja pass."""
    kept = render_offline(m)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(offline, "_output_as_text", contextlib.nullcontext)
        compiled = render_offline(m)
    return kept, compiled


def test_the_demo_maps_are_the_same_bytes_either_way(demo_quarter_run):
    """The shared run's hotspot map (internal: every layer, case points included) and its
    sign-site map: about a thousand elements each."""
    result = demo_quarter_run.result
    hot = hotspots_map(result.hotspots, result.area, result.settings, release="internal")
    signs = sign_sites_map(result.sign_sites, result.hotspots, result.area, result.settings)
    for m in (hot, signs):
        kept, compiled = _both(m)
        assert kept == compiled and len(kept) > 300_000


def test_a_map_of_awkward_text_is_the_same_bytes_either_way():
    m = folium.Map(location=(29.03, 111.69), zoom_start=13, tiles=None)
    for i, text in enumerate(AWKWARD):
        shown = safe_text(text) or "（空）"
        folium.CircleMarker(
            (29.03 + i / 1000, 111.69), radius=4, popup=folium.Popup(shown), tooltip=shown
        ).add_to(m)
        folium.Marker(
            (29.03, 111.69 + i / 1000), icon=folium.DivIcon(html=f"<div>{shown}\r\n</div>\n")
        ).add_to(m)
    assert isinstance(m.get_root(), Figure)
    kept, compiled = _both(m)
    assert kept == compiled


def test_rendering_a_map_again_gives_the_same_bytes():
    """A Marker adds a SetIcon child each time it renders: before, each render of a map with
    DivIcon markers had one more ``setIcon`` line (the render now restores every element's
    children)."""
    m = folium.Map(location=(29.03, 111.69), zoom_start=13, tiles=None)
    for i in range(3):
        folium.Marker((29.03, 111.69 + i / 1000), icon=folium.DivIcon(html="<b>J01</b>")).add_to(m)
    first = render_offline(m)
    assert first.count(".setIcon(") == 3
    assert render_offline(m) == first == render_offline(m)
