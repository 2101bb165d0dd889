"""Text from records never becomes Jinja template source (maps, report, notebooks).

branca compiles the output of every element's macro again as a template when a folium figure
is rendered, so two rules keep record text inert:

1. **Statically**, every template-source constructor in the package and the notebooks
   (``Element(…)``, ``Template(…)``, ``Environment.from_string(…)``, an element class's
   ``_template``) takes a string literal: never an f-string, ``.format``, ``%``, ``+`` or a
   name. A checker over the source tree enforces it, and is shown to catch each form.
2. **At render time**, :func:`~trafficprev.maps.render_offline` refuses a map whose elements
   carry a Jinja delimiter in any string (record text goes through ``safe_text``, which leaves
   no brace), so a value that skipped the escaping fails loudly instead of running.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import folium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev.maps import render_offline
from trafficprev.maps._offline import OfflineCheckError
from trafficprev.maps._safe import popup_html, safe_frame, safe_text

ROOT = Path(__file__).resolve().parents[1]
#: Callables whose first argument (or ``template=``/``source=``) is Jinja template source.
TEMPLATE_CALLS = {"Element", "Template", "MacroElement", "from_string", "Div", "Figure"}
#: Payloads that Jinja would evaluate, or that would break the render (an open comment).
JINJA = ("{{7*7}}", "{% if 1 %}x{% endif %}", "{#", "{{ lipsum.__globals__.os.getcwd() }}")
#: A quote-free payload that creates the folder named by $TP_MARKER when evaluated.
RUNS = "{{ lipsum.__globals__.os.makedirs(lipsum.__globals__.os.environ.TP_MARKER, exist_ok=1) }}"


def _is_literal(node: ast.expr) -> bool:
    """A plain string literal (adjacent literals are one Constant in the AST)."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def template_source_violations(source: str, filename: str = "<source>") -> list[str]:
    """Places where template source is built from something other than a literal."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or _callee(node) not in TEMPLATE_CALLS:
            continue
        args = [kw.value for kw in node.keywords if kw.arg in ("template", "source")]
        if node.args and _callee(node) not in ("Div", "Figure"):
            args.insert(0, node.args[0])
        for arg in args:
            if not _is_literal(arg):
                found.append(f"{filename}:{node.lineno}: {_callee(node)}({ast.unparse(arg)[:60]})")
    return found


def _sources() -> list[Path]:
    files = sorted((ROOT / "trafficprev").rglob("*.py")) + sorted((ROOT / "notebooks").glob("*.py"))
    return [f for f in files if "static" not in f.parts]


@pytest.mark.parametrize(
    "snippet",
    [
        'Element(f"<div>{name}</div>")',
        'Element("<div>%s</div>" % name)',
        'Element("<div>{}</div>".format(name))',
        'Element("<div>" + name + "</div>")',
        "Element(html)",
        "branca.element.Element(template=html)",
        'Template(f"{{% macro html(this, kwargs) %}}{name}{{% endmacro %}}")',
        "jinja2.Environment().from_string(text)",
        'm.get_root().html.add_child(Element(f"<b>{title}</b>"))',
    ],
)
def test_checker_catches_every_form(snippet):
    assert template_source_violations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'Element("<meta charset=utf-8>")',
        'Template("{% macro script(this, kwargs) %}L.x({{ this.v|tojson }});{% endmacro %}")',
        "Element()",
        'Template("a" "b")',
        "folium.Html(text, script=True)",  # data, not source (the render-time guard covers it)
    ],
)
def test_checker_accepts_literals(snippet):
    assert template_source_violations(snippet) == []


def test_no_module_builds_template_source_from_data():
    files = _sources()
    assert len(files) > 50 and any(f.name == "_build.py" for f in files)
    problems = []
    for path in files:
        problems += template_source_violations(path.read_text(encoding="utf-8"), str(path))
    assert problems == []


# --- render time -------------------------------------------------------------------------


def _map_with(text: str, *, escape: bool) -> folium.Map:
    """A map carrying `text` in every kind of place record text goes."""
    t = safe_text(text) if escape else text
    m = folium.Map(location=[29.03, 111.69], tiles=None, zoom_start=13)
    folium.Marker(
        [29.03, 111.69],
        popup=folium.Popup(popup_html([("名称", text)]) if escape else f"<b>{text}</b>"),
        tooltip=folium.Tooltip(t),
        icon=folium.DivIcon(html=f"<div>{t}</div>"),
    ).add_to(m)
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame(
        {"name": [text]}, geometry=[shapely.LineString([(111.69, 29.03), (111.70, 29.04)])]
    )
    data = (safe_frame(gdf, ["name"]) if escape else gdf).to_geo_dict()
    folium.GeoJson(data, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    return m


@pytest.mark.parametrize("payload", JINJA)
def test_escaped_record_text_is_never_evaluated(payload):
    text = render_offline(_map_with(f"人民路{payload}", escape=True))
    assert "人民路49" not in text and "人民路x" not in text
    shown = payload.replace("{", "&#123;").replace("}", "&#125;").replace("(", "&#40;")
    assert f"人民路{shown}" in text


@pytest.mark.parametrize("payload", JINJA)
def test_unescaped_text_is_refused_before_rendering(payload, tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    monkeypatch.setenv("TP_MARKER", str(marker))
    runs = RUNS
    for text in (f"人民路{payload}", runs):
        with pytest.raises(OfflineCheckError, match="template syntax"):
            render_offline(_map_with(text, escape=False))
    assert not marker.exists()


def test_the_hole_is_real_without_the_guard(tmp_path, monkeypatch):
    """Control: branca does evaluate element text (so the guard guards something)."""
    from trafficprev.maps import _offline

    marker = tmp_path / "ran"
    monkeypatch.setenv("TP_MARKER", str(marker))
    monkeypatch.setattr(_offline, "_check_no_template_source", lambda elements: None)
    runs = RUNS
    text = render_offline(_map_with("人民路{{7*7}}" + runs, escape=False))
    assert "人民路49" in text
    assert marker.is_dir()
    os.rmdir(marker)


_TEXT = st.text(alphabet=st.sampled_from("{}%#\\\"' \n\t\x00a人"), max_size=8)
_NESTED = st.recursive(
    st.one_of(_TEXT, st.integers(), st.floats(), st.none(), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.one_of(_TEXT, st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_NESTED)
def test_the_fast_path_never_passes_a_value_the_walk_would_refuse(value):
    """The render-time guard looks at a GeoJSON-like value's JSON text first and walks every
    string only when that text holds a delimiter: the shortcut never lets through a value
    holding one (braces, ``%`` and ``#`` are not escaped in JSON, whatever surrounds them)."""
    from trafficprev.maps._offline import _JINJA, _plainly_free, _strings

    found = any(_JINJA.search(text) for _, text in _strings(value, "v"))
    if found:
        assert not _plainly_free(value)
    if isinstance(value, dict | list | tuple) and not found:  # and it is taken when it may be
        assert _plainly_free(value) or any(not isinstance(k, str | int) for k in _keys(value)), (
            value
        )


def _keys(value) -> list:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list | tuple):
        return [k for v in value for k in _keys(v)]
    return []
