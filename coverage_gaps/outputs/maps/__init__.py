"""``map.html``: the interactive gap map (folium/Leaflet) that provincial departments open
in a browser.

Layers, each in the layer control:

- communes as a choropleth of the share of villages (or, selectable in the legend, of
  people) in the mobile gap, with borders, a popup with the commune's summary row and a
  layer of commune names;
- villages by kind: no signal, 2G only, 3G only (no 4G), no fibre, and covered villages
  in a quiet grey; clustered when there are many;
- one coverage layer per carrier and technology, off by default: rasters as coloured,
  downsampled PNG overlays, polygons as simplified outlines;
- fibre routes;
- for a large run (more than ``MAP_POINTS_MAX`` villages, households or buildings, or a
  village table written as ``villages.parquet/`` parts): no village markers, the gap points
  counted per H3 cell instead (:mod:`.aggregate`).

Controls: fullscreen, scale bar, a search box that ignores diacritics ("Trai Cau" finds
"Trại Cau"), a measure tool, a mini map; OpenStreetMap and a satellite base map.

Size: commune outlines are simplified in the metric working CRS, coordinates rounded to
5 decimals (about 1 m), and only the properties the map shows are kept; villages travel
as compact column arrays, not one GeoJSON feature each.

Safety: every name (villages, communes, carriers, the project) is data from outside.
Data reaches the page only as JSON with ``<``, ``>``, ``&`` and quotes escaped, and the
page puts it into the document with ``textContent`` (never ``innerHTML``); names in
static HTML (title panel, layer control) are HTML-escaped. A village called
``<img src=x onerror=alert(1)>`` shows as that text and runs nothing.

Every label comes from :data:`coverage_gaps.outputs.i18n.MAP` (Vietnamese by default).

The modules, in reading order: :mod:`.data` (what a map shows, from a run or its folder),
:mod:`.build` (putting a map together, writing a run's maps), :mod:`.aggregate` (the gap
points of a large run per H3 cell), :mod:`.payload` (the data
handed to the page script), :mod:`.layers` (base maps, coverage, fibre), :mod:`.title`
(the title panel), :mod:`.elements` (folium elements, safe JSON, the shipped assets),
:mod:`.geometry`, :mod:`.style` and :mod:`.libraries` (the pinned Leaflet plug-ins).
The page's own JavaScript, CSS and title template are files in ``assets/``.

Examples
--------
>>> from coverage_gaps.outputs.maps import render_run_map
>>> render_run_map("outputs/demo/results", lang="en")  # doctest: +SKIP
[PosixPath('outputs/demo/results/map.html')]
"""

from ...vietnam.names import fold
from .aggregate import MAP_POINTS_MAX, aggregate_gap_points, gap_cells_of_parts
from .build import (
    build_map,
    map_provinces,
    render_map,
    render_run_map,
    with_map_cache,
    write_maps,
    write_overview_map,
    write_province_map,
)
from .cache import draw_communes
from .data import MapData, map_data_from_result, map_data_from_run
from .libraries import ASSETS

__all__ = [
    "ASSETS",
    "MAP_POINTS_MAX",
    "MapData",
    "aggregate_gap_points",
    "build_map",
    "draw_communes",
    "fold",
    "gap_cells_of_parts",
    "map_data_from_result",
    "map_data_from_run",
    "map_provinces",
    "render_map",
    "render_run_map",
    "with_map_cache",
    "write_maps",
    "write_overview_map",
    "write_province_map",
]
