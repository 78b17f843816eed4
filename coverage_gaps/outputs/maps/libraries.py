"""The JavaScript libraries the page uses (Leaflet and four plug-ins), pinned."""

from __future__ import annotations

__all__ = ["ASSETS", "JSDELIVR", "cdn_links"]

JSDELIVR = "https://cdn.jsdelivr.net/npm/"

#: Every external asset the map links to: npm package, version, files. The browser test
#: serves these from ``.browser/node_modules`` (see ``.browser/package.json``).
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
