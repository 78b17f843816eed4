"""The page's own pieces as folium elements, and the one way data reaches the page.

Data (names, numbers, GeoJSON) enters the page only through :func:`to_script_json`,
which escapes ``<``, ``>``, ``&`` and quotes, so that no name can close a ``<script>``
or an attribute. The page script (``assets/map.js``) puts names into the document with
``textContent``; the title panel is HTML rendered by an autoescaping jinja2 template
(``assets/title.html``).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import folium
import orjson
from branca.element import Element, Figure, MacroElement
from jinja2 import Environment, PackageLoader, Template

from .libraries import cdn_links, inline_code

__all__ = [
    "CdnAssets",
    "ImageLayer",
    "InlineLibraries",
    "JsLayer",
    "PageCss",
    "PageScript",
    "TOOLTIP_LINES_JS",
    "TitlePanel",
    "number_element_ids",
    "read_asset",
    "text_parts",
    "title_template",
    "to_script_json",
]

_PACKAGE = "coverage_gaps.outputs.maps"

#: ``onEachFeature`` of a GeoJSON layer: a tooltip built from the feature's ``t`` lines with
#: ``textContent`` (never HTML).
TOOLTIP_LINES_JS = (
    "function(f, l){l.bindTooltip(function(){var d=document.createElement('div');"
    "f.properties.t.forEach(function(s){var p=document.createElement('div');p.textContent=s;"
    "d.appendChild(p);});return d;});}"
)


def to_script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element and an HTML attribute.

    Examples
    --------
    >>> to_script_json({"name": "</script>&'"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u0026\\\\u0027"}'
    """
    # orjson: compact UTF-8 like ``json.dumps(ensure_ascii=False, separators=(",", ":"))``,
    # several times faster on a national map's GeoJSON (floats in their shortest form, as
    # Python writes them but for exponents below -4: 0.00001, not 1e-05)
    # (numpy arrays as JSON arrays: the coordinates of :func:`~.geometry.to_geojson`)
    out = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode(
        "utf-8"
    )
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        out = out.replace(ch, esc)
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def read_asset(name: str) -> str:
    """The text of ``assets/<name>`` shipped with the package (read once)."""
    return resources.files(_PACKAGE).joinpath("assets", name).read_text(encoding="utf-8")


@cache
def title_template() -> Template:
    """The title panel's template (``assets/title.html``), autoescaping every value."""
    env = Environment(
        loader=PackageLoader(_PACKAGE, "assets"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("title.html")


def number_element_ids(root: Element) -> None:
    """Number the elements' ids in tree order (folium uses random ones), so that the same
    run gives the same file."""
    counter = 0

    def walk(el: Element) -> None:
        nonlocal counter
        el._id = f"{counter:04d}"
        counter += 1
        children = list(el._children.values())
        el._children.clear()
        for child in children:
            walk(child)
            el._children[child.get_name()] = child

    walk(root)


_NEWLINES = re.compile(r"\r\n|\r")


class _Text(Element):
    """Text already rendered, put into the page as it is.

    folium wraps each rendered part of an element in a new jinja2 template and renders it
    again; for the page data, the inlined libraries and the overlays (megabytes) that
    compiling is most of the time of a map, and a name holding ``{{`` would be read as
    template code. The text comes out as jinja2 would give it for plain text: newlines as
    ``\\n``, without one trailing newline.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = _NEWLINES.sub("\n", text)

    def render(self, **kwargs: Any) -> str:
        return self.text[:-1] if self.text.endswith("\n") else self.text


class RawRender(MacroElement):
    """A macro element whose rendered parts go into the page as text (see :class:`_Text`),
    and so do those of its children rendered as plain macro elements (folium's
    ``ElementAddToElement`` under each layer, ``FitBounds``, ...)."""

    def render(self, **kwargs: Any) -> str:
        _render_as_text(self, kwargs)
        return ""


def _render_as_text(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """What :meth:`branca.element.MacroElement.render` does, the parts put in as text;
    children whose class renders them as a plain macro element are rendered the same way."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("an element is rendered only once added to a map")
    module = element._template.module.__dict__
    for part, target in (("header", figure.header), ("html", figure.html),
                         ("script", figure.script)):  # fmt: skip
        macro = module.get(part)
        if macro is not None:
            target.add_child(_Text(macro(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        if isinstance(child, MacroElement) and type(child).render is MacroElement.render:
            _render_as_text(child, kwargs)
        else:
            child.render(**kwargs)


_T = TypeVar("_T", bound=MacroElement)


@cache
def text_parts(cls: type[_T]) -> type[_T]:
    """``cls`` (a folium element) rendering its parts as text (:class:`RawRender`): the
    same page, without a jinja2 template compiled for each part of each element (about
    twenty a map).

    For the elements the maps make and render in this process: a class whose ``render``
    does not end in ``MacroElement.render`` (folium's ``Popup``) is unchanged; scripts
    registered with ``cls.include`` are not carried over (folium keeps them per exact
    class); the classes made here are not picklable (the page writers fork, they do not
    pickle maps).

    Examples
    --------
    >>> Tiles = text_parts(folium.TileLayer)
    >>> issubclass(Tiles, folium.TileLayer) and issubclass(Tiles, RawRender)
    True
    >>> text_parts(folium.TileLayer) is Tiles
    True
    """
    return type(cls.__name__, (cls, RawRender), {"__module__": __name__})


class ImageLayer(folium.raster_layers.ImageOverlay, RawRender):
    """folium's image overlay, its data URI put into the page as text."""


class JsLayer(folium.map.Layer, RawRender):
    """A layer made by a JavaScript expression (listed in the layer control)."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.js }};{% endmacro %}"
    )

    def __init__(self, js: str, *, name: str, show: bool = True, overlay: bool = True) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "CgLayer"
        self.js = js


class PageScript(RawRender):
    """The page script ``assets/map.js``, called with the map and the page data.

    The script ends with ``})(MAPNAME, DATA);``: both are replaced here, once, by the
    map's variable and :func:`to_script_json` of ``payload``.
    """

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code() }}{% endmacro %}")
    _CALL = "(MAPNAME, DATA)"

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CgScript"
        self.payload = payload

    def code(self) -> str:
        head, call, tail = read_asset("map.js").rpartition(self._CALL)
        if not call:
            raise RuntimeError(f"assets/map.js does not end with {self._CALL}")
        if self._parent is None:
            raise RuntimeError("the page script is rendered only once added to a map")
        return f"{head}({self._parent.get_name()}, {to_script_json(self.payload)}){tail}"


class PageCss(RawRender):
    """A ``<style>`` element in the page's head."""

    _template = Template(
        "{% macro header(this, kwargs) %}<style>\n{{ this.css }}</style>{% endmacro %}"
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self.css = css


class TitlePanel(RawRender):
    """The title panel (top right): HTML from :func:`title_template`, handed to the page as
    JSON."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(){var C=L.Control.extend({options:{position:'topright'},onAdd:function(){"
        "var d=L.DomUtil.create('div','cg-title');d.innerHTML={{ this.html }};"
        "L.DomEvent.disableClickPropagation(d);return d;}});"
        "new C().addTo({{ this._parent.get_name() }});})();"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "CgTitle"
        self.html = to_script_json(html_text)


class CdnAssets(folium.elements.JSCSSMixin):
    """Links to extra CDN assets (see :data:`~.libraries.ASSETS`)."""

    def __init__(self, *keys: str) -> None:
        super().__init__()
        js: list[tuple[str, str]] = []
        css: list[tuple[str, str]] = []
        for k in keys:
            a, b = cdn_links(k)
            js += a
            css += b
        self.default_js = js
        self.default_css = css


class InlineLibraries(RawRender):
    """The libraries' JavaScript and CSS written into the page's head, in order (see
    :func:`~.libraries.inline_code`): the map needs no network to draw."""

    _template = Template(
        "{% macro header(this, kwargs) %}{% for js, css in this.code %}"
        "<script>{{ js }}</script>\n<style>{{ css }}</style>\n"
        "{% endfor %}{% endmacro %}"
    )

    def __init__(self, keys: list[str]) -> None:
        super().__init__()
        self._name = "CgLibraries"
        self.code = [inline_code(key) for key in keys]
