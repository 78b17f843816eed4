"""The map's layers: base maps, the page script's communes and villages, one layer per
coverage input (rasters as coloured PNG overlays, polygons as outlines) and fibre.

A coverage or fibre input that can no longer be read (moved, deleted, damaged since the
run) is left off the map with a :class:`~coverage_gaps._errors.CoverageGapsWarning`
naming the file; the rest of the map is drawn.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pyogrio.errors
import pyproj.exceptions
import rasterio.errors
import xyzservices
from PIL import Image
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.transform import Affine, from_bounds
from rasterio.vrt import WarpedVRT
from rasterio.warp import reproject, transform_bounds

from ..._errors import InputDataError, Problem, warn_problem
from ...config.project import CoverageSpec, FibreSpec
from ...io.rasters import open_raster
from ...io.readers import read_vector
from ...results import CoverageGrids, covered_by_values, value_mode
from .cache import MapCache
from .elements import ImageLayer, JsLayer, text_parts, to_script_json
from .geometry import Bounds, clip_to_bounds, drop_empty, simplify_to_wgs84, to_geojson
from .style import FIBRE_COLOUR, KINDS, tech_colour

__all__ = [
    "OSM_ATTR",
    "OSM_TILES",
    "SATELLITE_ATTR",
    "SATELLITE_TILES",
    "add_base_layers",
    "add_coverage_layers",
    "add_fibre_layer",
    "add_page_layers",
    "grid_overlay",
    "minimap_tiles",
    "raster_overlay",
]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
SATELLITE_TILES = (
    "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}"
)
SATELLITE_ATTR = "Tiles &copy; Esri, Maxar, Earthstar Geographics, and the GIS User Community"

#: What reading a coverage or fibre input can raise when the file is missing or unreadable.
_UNREADABLE = (
    InputDataError,
    OSError,
    rasterio.errors.RasterioError,
    rasterio.errors.CRSError,
    pyproj.exceptions.CRSError,
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
)

Labels = Callable[..., str]


def add_base_layers(m: folium.Map, *, t: Labels) -> None:
    """OpenStreetMap (shown) and Esri satellite imagery (in the layer control)."""
    text_parts(folium.TileLayer)(
        _provider(OSM_TILES), attr=OSM_ATTR, name=html.escape(t("osm")), max_zoom=19
    ).add_to(m)
    text_parts(folium.TileLayer)(
        _provider(SATELLITE_TILES), attr=SATELLITE_ATTR, name=html.escape(t("satellite")),
        show=False,
    ).add_to(m)  # fmt: skip


def minimap_tiles() -> folium.TileLayer:
    """The mini map's OpenStreetMap tiles (named as folium names a layer given by URL)."""
    return folium.TileLayer(
        _provider(OSM_TILES), attr=OSM_ATTR, name="".join(OSM_TILES.lower().split())
    )


def _provider(url: str) -> xyzservices.TileProvider:
    """A tile URL as an xyzservices provider: folium takes it as it is, where a URL given
    as text is first looked up among xyzservices' thousand named providers (22 ms a map)
    before being used as the same URL."""
    return xyzservices.TileProvider(name=url, url=url, attribution="")


def add_page_layers(m: folium.Map, *, n_communes: int, with_villages: bool, t: Labels) -> None:
    """The layers the page script makes (``cg.communes``, ``cg.names``, ``cg.groups[k]``),
    listed in the layer control; commune names shown up to 150 communes."""
    JsLayer("cg.communes", name=html.escape(t("communes_layer"))).add_to(m)
    JsLayer("cg.names", name=html.escape(t("names_layer")), show=n_communes <= 150).add_to(m)
    if with_villages:
        for k, (key, _colour) in enumerate(KINDS):
            JsLayer(f"cg.groups[{k}]", name=html.escape(t(key))).add_to(m)


def add_coverage_layers(
    m: folium.Map,
    coverage: list[CoverageSpec],
    bounds: Bounds,
    *,
    metric_crs: CRS,
    simplify_m: float,
    precision: int | None,
    raster_px: int,
    t: Labels,
    grids: CoverageGrids | None = None,
    cache: MapCache | None = None,
    predicted: Mapping[str, Path | bytes] | None = None,
) -> None:
    """One layer per coverage input, off by default; an unreadable one is left off.

    A raster is drawn from the run's area grid when it is there (``grids``: read once for the
    analysis, coverage drawn over the communes only), else read from its file. A layer
    predicted from a site list (``kind: sites``) is drawn like a raster layer from its raster
    in ``predicted`` (column → the run's ``predicted/<column>.tif``, or the GeoTIFF's bytes
    for a run not written), and labelled as predicted."""
    masks: dict[tuple[int, int, int, int], np.ndarray] = {}  # the map's cells in a commune
    for spec in coverage:
        label = t("coverage_predicted") if spec.is_sites else t("coverage")
        name = html.escape(f"{label}: {spec.carrier} {spec.technology}")
        raster = (predicted or {}).get(spec.column) if spec.is_sites else spec.path
        try:
            if raster is None:
                raise OSError(f"no predicted raster for {spec.column}")
            if spec.is_raster or spec.is_sites:
                with _opened(raster) as path:
                    uri, latlon = raster_overlay(spec, bounds, max_px=raster_px, path=path,
                                                 grids=grids, metric_crs=metric_crs,
                                                 masks=masks)  # fmt: skip
                ImageLayer(
                    uri, bounds=latlon, name=name, show=False, opacity=0.55, interactive=False
                ).add_to(m)
            else:
                layer = _vector_layer(
                    spec.path, role="coverage", layer=spec.layer, where=spec.where, crs=spec.crs, bounds=bounds,
                    metric_crs=metric_crs, tolerance_m=max(simplify_m, 1.0) * 2,
                    precision=precision, options=_outline_options(spec.technology), cache=cache,
                )  # fmt: skip
                JsLayer(layer, name=name, show=False).add_to(m)
        except _UNREADABLE as exc:
            what = f"coverage layer {spec.carrier} {spec.technology}"
            shown = raster if isinstance(raster, Path) else spec.path
            _warn_left_off(shown, what, exc)


@contextlib.contextmanager
def _opened(raster: Path | bytes) -> Iterator[Path | str]:
    """A path rasterio reads: the file, or the GeoTIFF bytes as an in-memory file."""
    if isinstance(raster, Path):
        yield raster
        return
    with MemoryFile(raster) as mem:
        yield mem.name


def add_fibre_layer(
    m: folium.Map,
    fibre: FibreSpec | None,
    bounds: Bounds,
    *,
    metric_crs: CRS,
    simplify_m: float,
    precision: int | None,
    t: Labels,
    cache: MapCache | None = None,
) -> None:
    """The fibre routes (or access points), shown; left off when unreadable."""
    if fibre is None:
        return
    style = {"color": FIBRE_COLOUR, "weight": 2.5, "opacity": 0.85, "dashArray": "6 4"}
    options = (
        f"{{style: {to_script_json(style)}, interactive: false, pointToLayer: "
        f"function(f, ll){{return L.circleMarker(ll, {{radius: 3, color: '{FIBRE_COLOUR}'}});}}}}"
    )
    try:
        layer = _vector_layer(
            fibre.path, role="fibre", layer=fibre.layer, where=fibre.where, crs=fibre.crs, bounds=bounds,
            metric_crs=metric_crs, tolerance_m=min(simplify_m, 10.0), precision=precision,
            options=options, cache=cache,
        )  # fmt: skip
    except _UNREADABLE as exc:
        _warn_left_off(fibre.path, "fibre layer", exc)
        return
    JsLayer(layer, name=html.escape(t("fibre_layer")), show=True).add_to(m)


def _outline_options(technology: str) -> str:
    """Leaflet options of a coverage polygon layer: outlines in the technology's colour."""
    colour = tech_colour(technology)
    style = {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.12}
    return f"{{style: {to_script_json(style)}, interactive: false}}"


def _vector_layer(
    path: Path,
    *,
    role: str,
    layer: str | None,
    where: str | None,
    crs: str | None,
    bounds: Bounds,
    metric_crs: CRS,
    tolerance_m: float,
    precision: int | None,
    options: str,
    cache: MapCache | None = None,
) -> str:
    """``L.geoJSON(...)`` of a vector input: clipped to the map, simplified, rounded (read and
    put in WGS 84 once for all the maps of a run when a ``cache`` is given)."""

    def load() -> gpd.GeoSeries:
        gdf = read_vector(path, role=role, layer=layer, where=where, crs=crs, columns=[])
        return gdf.geometry.to_crs(4326) if gdf.crs is not None else gdf.geometry

    key = (str(path), layer, where, crs)
    series = cache.vector(key, load) if cache is not None else load()
    geoms = drop_empty(simplify_to_wgs84(clip_to_bounds(series, bounds), metric_crs,
                                         tolerance_m))  # fmt: skip
    return f"L.geoJSON({to_script_json(to_geojson(geoms, precision=precision))}, {options})"


def _warn_left_off(path: Path, what: str, exc: Exception) -> None:
    """Warn that an input could not be read again, so its layer is not on the map."""
    if isinstance(exc, InputDataError):
        reason = " ".join(problem.what for problem in exc.problems)
    else:
        reason = " ".join(str(exc).split())
    warn_problem(
        Problem(
            str(path),
            "",
            f"the {what} could not be read ({reason}); it is left off the map.",
            "put the file back where the run found it and re-render the map "
            "(coverage-gaps map RUN_FOLDER).",
        ),
        stacklevel=3,
    )


def raster_overlay(
    spec: CoverageSpec,
    bounds4326: Bounds,
    *,
    max_px: int,
    path: Path | str | None = None,
    grids: CoverageGrids | None = None,
    metric_crs: CRS | None = None,
    masks: dict[tuple[int, int, int, int], np.ndarray] | None = None,
) -> tuple[str, list[list[float]]]:
    """A coloured PNG (data URI) of where ``spec`` covers, and its lat/lon bounds.

    From the run's area grid when it holds the layer (``grids``, in ``metric_crs``; see
    :func:`grid_overlay`); otherwise the raster (``path``, when not ``spec.path``: a
    predicted layer's GeoTIFF) is warped to Web Mercator over the map's bounds (nearest
    neighbour, at most ``max_px`` on the longer side) and covered-or-not is decided by the
    analysis' rule (:func:`coverage_gaps.results.covered_by_values`).

    Raises
    ------
    rasterio.errors.RasterioError
        When the raster cannot be read.
    InputDataError
        When it has no CRS and the project gives none.
    """
    if grids is not None and metric_crs is not None and spec.column in grids.layers:
        return grid_overlay(
            grids, spec, bounds4326, metric_crs=metric_crs, max_px=max_px, masks=masks
        )
    x0, y0, x1, y1 = transform_bounds("EPSG:4326", "EPSG:3857", *bounds4326)
    width = max_px if (x1 - x0) >= (y1 - y0) else max(1, int(max_px * (x1 - x0) / (y1 - y0)))
    height = max_px if (y1 - y0) > (x1 - x0) else max(1, int(max_px * (y1 - y0) / (x1 - x0)))
    path = path or spec.path
    with open_raster(path) as src:
        crs = src.crs or (CRS.from_user_input(spec.crs) if spec.crs else None)
        if crs is None:
            raise InputDataError(
                [
                    Problem(
                        str(path),
                        "",
                        "the raster has no coordinate reference system (CRS).",
                        "add 'crs:' to this layer in the project file.",
                    )
                ]
            )
        nodata = src.nodata
        grid = from_bounds(x0, y0, x1, y1, width, height)
        with WarpedVRT(src, crs="EPSG:3857", src_crs=crs, transform=grid, width=width,
                       height=height, nodata=nodata if nodata is not None else 0,
                       resampling=Resampling.nearest) as vrt:  # fmt: skip
            data = vrt.read(spec.band)
        mode = value_mode(spec.values, np.dtype(src.dtypes[spec.band - 1]))
    valid = np.ones(data.shape, bool) if nodata is None else data != nodata
    if np.issubdtype(data.dtype, np.floating):
        valid &= np.isfinite(data)
    covered = covered_by_values(data, valid, mode=mode, threshold_dbm=spec.threshold_dbm)
    w, s, e, n = transform_bounds("EPSG:3857", "EPSG:4326", x0, y0, x1, y1)
    return _png_data_uri(covered, tech_colour(spec.technology)), [[s, w], [n, e]]


@functools.lru_cache(maxsize=64)
def _mercator_grid(bounds4326: Bounds, max_px: int) -> tuple[Affine, int, int, Bounds]:
    """The overlay's Web Mercator grid over the map's bounds: transform, width, height and
    its bounds in Web Mercator (made once for the raster layers of a map)."""
    x0, y0, x1, y1 = transform_bounds("EPSG:4326", "EPSG:3857", *bounds4326)
    width = max_px if (x1 - x0) >= (y1 - y0) else max(1, int(max_px * (x1 - x0) / (y1 - y0)))
    height = max_px if (y1 - y0) > (x1 - x0) else max(1, int(max_px * (y1 - y0) / (x1 - x0)))
    return from_bounds(x0, y0, x1, y1, width, height), width, height, (x0, y0, x1, y1)


def grid_overlay(
    grids: CoverageGrids,
    spec: CoverageSpec,
    bounds4326: Bounds,
    *,
    metric_crs: CRS,
    max_px: int,
    masks: dict[tuple[int, int, int, int], np.ndarray] | None = None,
) -> tuple[str, list[list[float]]]:
    """:func:`raster_overlay` from the run's area grid (no raster read): the cells of the
    map's extent, covered where at least half the cell is and the cell is mostly inside a
    commune, warped to Web Mercator (nearest neighbour). ``masks`` keeps the cells inside
    a commune by window, for the other layers of the same map."""
    grid = grids.grid
    store = grids.layers[spec.column]
    grid3857, width, height, merc = _mercator_grid(bounds4326, max_px)
    left, bottom, right, top = _bounds_from_mercator(merc, metric_crs.to_wkt())
    c0 = int(np.floor((left - grid.x0) / grid.res)) - 1
    r0 = int(np.floor((grid.y0 - top) / grid.res)) - 1
    w = int(np.ceil((right - grid.x0) / grid.res)) + 1 - c0
    h = int(np.ceil((grid.y0 - bottom) / grid.res)) + 1 - r0
    covered = store.window(grid, r0, c0, h, w) >= (store.scale + 1) // 2  # half covered
    if grids.inside is not None:
        masks = {} if masks is None else masks
        key = (r0, c0, h, w)
        if key not in masks:
            masks[key] = grids.inside.window(grid, r0, c0, h, w) > 0
        covered &= masks[key]
    out = np.zeros((height, width), np.uint8)
    reproject(
        covered.view(np.uint8), out, src_transform=grid.transform * Affine.translation(c0, r0),
        src_crs=metric_crs.to_wkt(), dst_transform=grid3857, dst_crs="EPSG:3857",
        resampling=Resampling.nearest, num_threads=1,
    )  # fmt: skip
    w_, s_, e_, n_ = _bounds_from_mercator(merc, "EPSG:4326")
    return _png_data_uri(out.astype(bool), tech_colour(spec.technology)), [[s_, w_], [n_, e_]]


@functools.lru_cache(maxsize=64)
def _bounds_from_mercator(merc: Bounds, crs: str) -> Bounds:
    """Web Mercator bounds in ``crs`` (made once for the raster layers of a map)."""
    return transform_bounds("EPSG:3857", crs, *merc)


def _png_data_uri(covered: np.ndarray, colour: str) -> str:
    """A two-colour PNG (``colour`` where covered, transparent elsewhere) as a data URI.

    One bit per pixel (a two-entry palette, the first transparent): smaller than PIL's
    ``optimize`` of an 8-bit palette and about thirty times faster to encode."""
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    img = Image.fromarray(covered.astype(np.uint8), mode="L").convert("P")
    img.putpalette([255, 255, 255, *rgb])
    buf = io.BytesIO()
    img.save(buf, format="PNG", bits=1, transparency=0)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
