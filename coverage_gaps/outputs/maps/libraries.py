"""The JavaScript libraries the page uses (Leaflet and four plug-ins), pinned, and how they
reach the page.

``inline`` (the default): the copies shipped in ``assets/vendor/<package>@<version>/``
(exactly as published on npm; licences in the repository's NOTICE) are written into
``map.html``, the images their CSS references as ``data:`` URIs, so that the map opens
without internet. ``cdn``: the page links the same files from jsDelivr, as before.
Nothing is ever downloaded when a map is written.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

__all__ = [
    "ASSETS",
    "JSDELIVR",
    "LICENCES",
    "MAP_ASSETS",
    "MINIFIED",
    "check_map_assets",
    "cdn_links",
    "inline_code",
    "library_credits",
    "library_links",
    "vendor_folder",
]

_PACKAGE = "coverage_gaps.outputs.maps"
JSDELIVR = "https://cdn.jsdelivr.net/npm/"
#: How the page gets the libraries: written into it, or linked from jsDelivr.
MAP_ASSETS = ("inline", "cdn")

#: Every external asset the map uses: npm package, version, files. ``.browser/package.json``
#: pins the same versions (the browser tests serve the ``cdn`` form from there).
ASSETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "leaflet": ("leaflet", "1.9.3", ("dist/leaflet.js", "dist/leaflet.css")),
    "markercluster": (
        "leaflet.markercluster",
        "1.5.3",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
        ),
    ),
    "fullscreen": (
        "leaflet.fullscreen",
        "3.0.0",
        ("Control.FullScreen.js", "Control.FullScreen.css"),
    ),
    "minimap": (
        "leaflet-minimap",
        "3.6.1",
        ("dist/Control.MiniMap.min.js", "dist/Control.MiniMap.min.css"),
    ),
    "measure": (
        "leaflet-measure",
        "2.1.7",
        ("dist/leaflet-measure.js", "dist/leaflet-measure.css"),
    ),
}

#: Licence of each library (SPDX) and its licence file in the package.
LICENCES: dict[str, tuple[str, str]] = {
    "leaflet": ("BSD-2-Clause", "LICENSE"),
    "markercluster": ("MIT", "MIT-LICENCE.txt"),
    "fullscreen": ("MIT", "LICENSE"),
    "minimap": ("BSD-2-Clause", "LICENSE.txt"),
    "measure": ("MIT", "LICENSE"),
}

#: Files inlined in place of the linked ones: the package's own minified build of the same code.
MINIFIED = {"dist/leaflet-measure.js": "dist/leaflet-measure.min.js"}
#: Extra licence texts of code bundled inside a library's file.
_BUNDLED = {"measure": "BUNDLED-LICENCES.txt"}
#: ``url(...)`` of a file beside a stylesheet (not ``#default#VML``, not ``data:``).
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:|#|https?:)([^)'\"]+)\1\)")
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def check_map_assets(map_assets: str) -> str:
    """``map_assets`` when it is ``inline`` or ``cdn``.

    Raises
    ------
    ValueError
        For anything else.
    """
    if map_assets not in MAP_ASSETS:
        raise ValueError(f"map_assets must be one of {', '.join(MAP_ASSETS)}, not {map_assets!r}")
    return map_assets


def cdn_links(key: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """folium's ``(name, url)`` lists of the JavaScript and CSS files of library ``key``.

    Examples
    --------
    >>> cdn_links("leaflet")[0]
    [('leaflet_0', 'https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js')]
    """
    pkg, ver, files = ASSETS[key]
    urls = [(f"{key}_{i}", f"{JSDELIVR}{pkg}@{ver}/{f}") for i, f in enumerate(files)]
    return [u for u in urls if u[1].endswith(".js")], [u for u in urls if u[1].endswith(".css")]


def library_links(key: str, map_assets: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The links a folium element of library ``key`` puts in the page: none when inlined."""
    return cdn_links(key) if map_assets == "cdn" else ([], [])


def library_credits() -> list[str]:
    """``name version (licence)`` of every library, for the page's attribution.

    Examples
    --------
    >>> library_credits()[0]
    'leaflet 1.9.3 (BSD-2-Clause)'
    """
    return [f"{pkg} {ver} ({LICENCES[key][0]})" for key, (pkg, ver, _f) in ASSETS.items()]


def vendor_folder(key: str) -> Traversable:
    """``assets/vendor/<package>@<version>/`` of library ``key``, shipped with the package."""
    pkg, ver, _files = ASSETS[key]
    return resources.files(_PACKAGE).joinpath("assets", "vendor", f"{pkg}@{ver}")


@cache
def inline_code(key: str) -> tuple[str, str]:
    """The JavaScript (its licence first, as a comment) and the CSS (images as ``data:``
    URIs) of library ``key``, from the copies shipped in ``assets/vendor/``.

    Raises
    ------
    RuntimeError
        When a shipped file would end the ``<script>`` or ``<style>`` element early.
    """
    folder = vendor_folder(key)
    _pkg, _ver, files = ASSETS[key]
    licence = folder.joinpath(LICENCES[key][1]).read_text(encoding="utf-8")
    if key in _BUNDLED:
        licence += "\n" + folder.joinpath(_BUNDLED[key]).read_text(encoding="utf-8")
    scripts = [f"/*!\n{licence.strip()}\n*/"]
    styles = []
    for name in files:
        text = folder.joinpath(MINIFIED.get(name, name)).read_text(encoding="utf-8")
        if name.endswith(".js"):
            scripts.append(text)
        else:
            styles.append(_inline_urls(text, folder, name))
    js, css = "\n".join(scripts), "\n".join(styles)
    if "*/" in licence or "</script" in js.lower() or "</style" in css.lower():
        raise RuntimeError(f"{ASSETS[key][0]}: a shipped file would end its element early")
    return js, css


def _inline_urls(css: str, folder: Traversable, name: str) -> str:
    """``css`` with each ``url(file)`` replaced by the file as a ``data:`` URI."""
    base = name.rpartition("/")[0]

    def data_uri(match: re.Match[str]) -> str:
        rel = match.group(2)
        path = f"{base}/{rel}" if base else rel
        blob = folder.joinpath(*path.split("/")).read_bytes()
        mime = _MIME[path[path.rfind(".") :].lower()]
        return f'url("data:{mime};base64,{base64.b64encode(blob).decode("ascii")}")'

    return _CSS_URL.sub(data_uri, css)
