"""Building ``map.html``: the map of one :class:`~.data.MapData`, the files of a run (one
map, or a national overview and one map per province), and re-rendering a finished run.

:func:`build_map` puts the pieces together, in this order (the order of the page):
base maps and the stylesheet, the page data and script (communes, villages, legend,
search: ``assets/map.js``), the layer entries, the coverage, fibre and planning layers, the title
panel, then the controls (fullscreen, measure, mini map, layer control). Element ids are
numbered at the end, so the same run gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium import plugins

from ...analysis.summaries import rows_in_province
from ...io.runfolder import record_outputs
from ..i18n import map_text
from .aggregate import MAP_POINTS_MAX, add_gap_cells_layer
from .cache import MapCache
from .data import MapData, map_data_from_run
from .elements import (
    CdnAssets,
    InlineLibraries,
    PageCss,
    PageScript,
    TitlePanel,
    number_element_ids,
    read_asset,
    text_parts,
)
from .evidence import add_evidence_layers
from .geometry import OVERVIEW_SIMPLIFY_M, SIMPLIFY_M, Bounds
from .layers import (
    add_base_layers,
    add_coverage_layers,
    add_fibre_layer,
    add_page_layers,
    minimap_tiles,
)
from .libraries import check_map_assets, library_links
from .payload import Labels, build_commune_payload, build_payload, province_outlines
from .planning import add_planning_layers
from .style import CLUSTER_MIN, kind_cluster_css
from .title import province_label, render_title

__all__ = [
    "build_map",
    "map_provinces",
    "render_map",
    "render_run_map",
    "with_map_cache",
    "write_maps",
    "write_overview_map",
    "write_province_map",
]

#: The map's extent when there are no communes: Vietnam.
_VIETNAM = (102.0, 8.0, 110.0, 23.5)


def build_map(
    data: MapData,
    *,
    overview: bool = False,
    province_links: Sequence[tuple[str, str]] = (),
    simplify_m: float = SIMPLIFY_M,
    precision: int | None = 5,
    raster_px: int = 512,
    keep_properties: bool = False,
    map_assets: str = "inline",
) -> folium.Map:
    """Build the folium map of ``data``.

    Parameters
    ----------
    data
        What to show (see :class:`MapData`).
    overview
        Communes only (a national overview): no village, coverage or fibre layer.
    province_links
        ``(label, relative href)`` of the per-province maps, listed in the title panel.
    simplify_m
        Tolerance, in metres of the metric working CRS, to simplify outlines (0: keep).
    precision
        Decimals of the coordinates (5 = about 1 m); ``None`` keeps full precision.
    raster_px
        Largest side of the coverage raster overlays, in pixels.
    keep_properties
        Embed every column of the commune table in the GeoJSON (baseline for benchmarks).
    map_assets
        ``inline``: Leaflet and its plug-ins are written into the page, which opens without
        internet (the basemap then is hidden); ``cdn``: they are linked from jsDelivr.

    Raises
    ------
    ValueError
        When ``map_assets`` is neither ``inline`` nor ``cdn``.

    Examples
    --------
    >>> m = build_map(map_data_from_run("outputs/demo/results"))  # doctest: +SKIP
    >>> m.save("map.html")  # doctest: +SKIP
    """
    check_map_assets(map_assets)
    lang = data.lang if data.lang in ("vi", "en") else "vi"
    t = partial(map_text, lang=lang)
    communes = data.communes
    villages = data.villages if not overview else data.villages.iloc[0:0]
    clustered = len(villages) > CLUSTER_MIN
    bounds = _bounds(communes, data.cache)
    m = _new_map(bounds, map_assets=map_assets)
    if map_assets == "inline":
        InlineLibraries(_libraries(clustered=clustered)).add_to(m)
    add_base_layers(m, t=t)
    PageCss(read_asset("map.css") + kind_cluster_css()).add_to(m)

    commune_data = build_commune_payload(
        communes, metric_crs=data.metric_crs, simplify_m=simplify_m, precision=precision,
        keep_properties=keep_properties, t=t, cache=data.cache,
    )  # fmt: skip
    outline = province_outlines(
        communes, metric_crs=data.metric_crs, simplify_m=simplify_m, precision=precision,
        cache=data.cache,
    )  # fmt: skip
    payload = build_payload(
        communes=communes, commune_data=commune_data, outline=outline, villages=villages,
        ranked=data.ranked, coverage=data.coverage, fibre=data.fibre is not None, lang=lang,
        precision=precision, t=t, cache=data.cache,
    )  # fmt: skip
    if clustered and map_assets == "cdn":
        CdnAssets("markercluster").add_to(m)
    PageScript(payload).add_to(m)
    add_page_layers(m, n_communes=len(communes), with_villages=bool(len(villages)), t=t)
    if not overview:
        _add_detail_layers(
            m, data, villages, bounds, simplify_m=simplify_m, precision=precision,
            raster_px=raster_px, lang=lang, t=t,
        )  # fmt: skip
    title = render_title(
        data, villages, overview=overview, province_links=province_links, lang=lang, t=t
    )
    TitlePanel(title).add_to(m)
    _add_controls(m, map_assets=map_assets)
    number_element_ids(m.get_root())
    return m


def _add_detail_layers(
    m: folium.Map,
    data: MapData,
    villages: pd.DataFrame,
    bounds: Bounds,
    *,
    simplify_m: float,
    precision: int | None,
    raster_px: int,
    lang: str,
    t: Labels,
) -> None:
    """The layers of a map that is not an overview: the gap points per H3 cell (a large
    run), coverage, fibre, planning and the measured evidence."""
    if data.gap_cells is not None:
        add_gap_cells_layer(m, data.gap_cells, precision=precision, t=t)
    add_coverage_layers(
        m, data.coverage, bounds, metric_crs=data.metric_crs, simplify_m=simplify_m,
        precision=precision, raster_px=raster_px, t=t, grids=data.grids, cache=data.cache,
        predicted=data.predicted,
    )  # fmt: skip
    add_fibre_layer(
        m, data.fibre, bounds, metric_crs=data.metric_crs, simplify_m=simplify_m,
        precision=precision, t=t, cache=data.cache,
    )  # fmt: skip
    add_planning_layers(
        m, data.planning, bounds, metric_crs=data.metric_crs, precision=precision,
        raster_px=raster_px, lang=lang, t=t,
    )  # fmt: skip
    labels = {c.column: f"{c.carrier} {c.technology}" for c in data.coverage}
    add_evidence_layers(m, data.cells, villages, labels=labels, precision=precision, t=t)


def _bounds(communes: gpd.GeoDataFrame, cache: MapCache | None) -> Bounds:
    """West, south, east, north of the communes in degrees (Vietnam when there are none);
    from the cache's reprojected communes when there is one."""
    if not len(communes):
        b = np.array(_VIETNAM)
    elif cache is not None and communes.crs is not None:
        each = cache.bounds(communes)
        each = each[~np.isnan(each).any(axis=1)]  # empty geometries have none
        b = (
            np.concatenate([each[:, :2].min(axis=0), each[:, 2:].max(axis=0)])
            if len(each)
            else np.full(4, np.nan)
        )
    else:
        b = (communes.to_crs(4326) if communes.crs is not None else communes).total_bounds
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _libraries(*, clustered: bool) -> list[str]:
    """The libraries the page uses, in loading order (Leaflet first)."""
    return [
        "leaflet",
        *(["markercluster"] if clustered else []),
        "fullscreen",
        "measure",
        "minimap",
    ]


def _new_map(bounds: Bounds, *, map_assets: str) -> folium.Map:
    """An empty map fitted to ``bounds``, with Leaflet only (none of folium's default
    jQuery, Bootstrap or icon fonts: the page does not use them); Leaflet linked from the CDN
    (``cdn``) or nothing linked (``inline``: :class:`~.elements.InlineLibraries` has it)."""
    west, south, east, north = bounds
    m = text_parts(folium.Map)(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_control=True,
    )
    m.default_js, m.default_css = library_links("leaflet", map_assets)
    m.fit_bounds([[south, west], [north, east]])
    return m


def _add_controls(m: folium.Map, *, map_assets: str) -> None:
    """Fullscreen and measure (top left), the mini map (bottom right), the layer control."""
    fs = text_parts(plugins.Fullscreen)(position="topleft")
    fs.default_js, fs.default_css = library_links("fullscreen", map_assets)
    fs.add_to(m)
    me = text_parts(plugins.MeasureControl)(
        position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
        primary_area_unit="hectares", secondary_area_unit="sqmeters",
    )  # fmt: skip
    me.default_js, me.default_css = library_links("measure", map_assets)
    me.add_to(m)
    mini = text_parts(plugins.MiniMap)(
        tile_layer=minimap_tiles(), position="bottomright",
        toggle_display=True, zoom_level_offset=-6,
    )  # fmt: skip
    mini.default_js, mini.default_css = library_links("minimap", map_assets)
    mini.tile_layer._id = "minimap"
    mini.add_to(m)
    text_parts(folium.LayerControl)(collapsed=True, position="topright").add_to(m)


def render_map(data: MapData, path: str | Path, **options: Any) -> Path:
    """Build the map of ``data`` and write it to ``path`` (UTF-8 HTML).

    Keyword options are those of :func:`build_map`.

    Examples
    --------
    >>> render_map(map_data_from_run("outputs/demo/results"), "demo.html")  # doctest: +SKIP
    """
    out = Path(path)
    html_text = build_map(data, **options).get_root().render()
    out.write_text(html_text, encoding="utf-8")
    return out


def _province_part(data: MapData, province_id: str) -> MapData:
    """The communes and villages (or gap cells) of one province."""
    pid = data.communes["province_id"].astype(str)
    communes = data.communes[pid == province_id]
    ids = set(communes["commune_id"].astype(str))
    villages = _rows_in(data, "villages", data.villages, province_id, ids)
    cells = data.gap_cells
    if cells is not None:
        cells = _rows_in(data, "gap_cells", cells, province_id, ids)
    return replace(data, communes=communes, villages=villages, gap_cells=cells)


def _rows_in(
    data: MapData, key: str, frame: pd.DataFrame, province_id: str, ids: set[str]
) -> pd.DataFrame:
    """The rows of ``frame`` in one province: at the positions the run's map cache worked
    out once for every province (:meth:`.cache.MapCache.rows`), else by the commune ids."""
    rows = data.cache.rows(key, frame) if data.cache is not None else None
    return rows_in_province(frame, rows, province_id, ids)


def write_maps(data: MapData, folder: str | Path, **options: Any) -> list[Path]:
    """Write ``map.html`` into ``folder``; with several provinces, ``map.html`` is a national
    overview (communes only) and ``maps/<province_id>.html`` one full map per province.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> write_maps(map_data_from_run("outputs/demo/results"), "outputs/demo/results")  # doctest: +SKIP
    """
    folder = Path(folder)
    data = with_map_cache(data)
    provinces = map_provinces(data)
    if len(provinces) <= 1:
        return [render_map(data, folder / "map.html", **options)]
    written = [write_province_map(data, pid, folder, **options) for pid in provinces]
    return [write_overview_map(data, folder, **options), *written]


def with_map_cache(data: MapData) -> MapData:
    """``data`` with a :class:`MapCache`, so that the maps made from it share their work."""
    if data.cache is not None:
        return data
    cache = MapCache(data.communes, unions=data.province_shapes, drawings=data.drawings)
    return replace(data, cache=cache)


def map_provinces(data: MapData) -> list[str]:
    """The provinces of the map's communes, sorted (one map each when there are several)."""
    if "province_id" not in data.communes:
        return []
    return sorted(pd.unique(data.communes["province_id"].dropna().astype(str)))


def write_province_map(data: MapData, province_id: str, folder: Path, **options: Any) -> Path:
    """``maps/<province_id>.html``: the full map of one province of ``data``."""
    (folder / "maps").mkdir(exist_ok=True)
    part = _province_part(data, province_id)
    return render_map(part, folder / "maps" / f"{province_id}.html", **options)


def write_overview_map(data: MapData, folder: Path, **options: Any) -> Path:
    """``map.html`` of a run with several provinces: the communes of the whole country,
    simplified to 150 m at least, with a link to each province's map."""
    pids = data.communes["province_id"].astype(str)
    links = [
        (province_label(data.communes[pids == pid], pid), f"maps/{pid}.html")
        for pid in map_provinces(data)
    ]
    simplify_m = max(float(options.get("simplify_m", SIMPLIFY_M)), OVERVIEW_SIMPLIFY_M)
    overview_opts = {**options, "simplify_m": simplify_m}
    return render_map(
        data, folder / "map.html", overview=True, province_links=links, **overview_opts
    )


def render_run_map(
    run_folder: str | Path,
    *,
    lang: str | None = None,
    map_assets: str = "inline",
    max_points: int = MAP_POINTS_MAX,
) -> list[Path]:
    """Re-render the map(s) of a finished run from its files, without recomputing.

    The new checksums are recorded in the run's ``run.json`` so that
    ``coverage-gaps verify`` still passes. ``map_assets``: see :func:`build_map`. A run
    with more than ``max_points`` villages, or with ``villages.parquet/``, gets its gap
    points per H3 cell (:mod:`.aggregate`).

    Examples
    --------
    >>> render_run_map("outputs/demo/results", lang="en")  # doctest: +SKIP
    """
    folder = Path(run_folder)
    check_map_assets(map_assets)
    data = map_data_from_run(folder, lang=lang, max_points=max_points)
    written = write_maps(data, folder, map_assets=map_assets)
    record_outputs(folder, written, replace_prefixes=("map.html", "maps/"))
    return written
