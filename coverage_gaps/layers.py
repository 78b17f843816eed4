"""Coverage layers (rasters of signal level, 0/1 masks, polygons) and fibre.

A raster layer holds either a signal level in dBm (covered where the value is at
least the threshold) or a 0/1 mask (covered where 1). Nodata cells and places
outside the raster are *not covered*. Rasters are read tile by tile, never
whole, so a raster larger than memory works. A vector layer holds coverage
polygons; a village on a polygon's edge counts as covered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ._errors import InputDataError, Problem
from ._io import (
    check_exists,
    geometry_problems,
    list_items,
    missing_columns,
    parse_crs,
    read_vector,
)
from .carriers import normalise_carrier
from .config import CoverageSpec, FibreSpec

__all__ = [
    "CoverageLayer",
    "RasterSample",
    "distance_to_fibre",
    "load_coverage_layer",
    "load_fibre",
    "measure_covered_area",
    "sample_coverage",
]

log = logging.getLogger(__name__)

#: Side, in pixels, of the windows rasters are read by.
TILE = 2048
#: Largest source window (pixels) read at full resolution when putting a raster on the area grid.
MAX_WINDOW_PIXELS = 1 << 24


@dataclass
class CoverageLayer:
    """A checked coverage layer, ready to sample.

    For rasters only metadata is kept (the file is re-opened to read windows);
    for vectors the polygons are kept in the working CRS.
    """

    spec: CoverageSpec
    kind: str  # "raster" | "vector"
    mode: str = "polygons"  # "dbm" | "mask" | "polygons"
    crs: CRS | None = None
    nodata: float | None = None
    dtype: str = ""
    transform: Affine | None = None
    width: int = 0
    height: int = 0
    polygons: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    _tree: shapely.STRtree | None = None

    @property
    def column(self) -> str:
        return self.spec.column

    @property
    def label(self) -> str:
        return f"{self.spec.carrier} {self.spec.technology}"

    def covered_values(self, values: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Boolean covered for raster values (``valid`` False for nodata)."""
        if self.mode == "mask":
            return valid & (values == 1)
        with np.errstate(invalid="ignore"):
            return valid & (values >= self.spec.threshold_dbm)

    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.polygons)
        return self._tree


def load_coverage_layer(
    spec: CoverageSpec, *, working_crs: CRS, issues: list[Problem] | None = None
) -> CoverageLayer:
    """Open and check one coverage layer.

    Raster checks: readable, has a CRS, the band exists, a numeric data type, and
    the value kind (``dbm`` for signed or float rasters, ``mask`` for unsigned
    integer ones when ``values: auto``). Vector checks: readable, CRS, polygon
    geometries (invalid ones are repaired and reported in ``issues``).

    Raises
    ------
    InputDataError
        Listing the problems of this layer.

    Examples
    --------
    >>> from pyproj import CRS
    >>> layer = load_coverage_layer(spec, working_crs=CRS(32648))  # doctest: +SKIP
    """
    src = str(spec.path)
    if not spec.is_raster:
        gdf = read_vector(
            spec.path, role="coverage", layer=spec.layer, where=spec.where, crs=spec.crs,
            encoding=spec.encoding, issues=issues,
        )  # fmt: skip
        gdf, errors, warns = geometry_problems(
            gdf,
            source=src,
            id_column=None,
            allowed=("Polygon", "MultiPolygon"),
            role="coverage polygon",
        )
        if errors:
            raise InputDataError(errors)
        if issues is not None:
            issues.extend(warns)
        if len(gdf) == 0:
            p = Problem(
                src,
                "",
                f"{spec.carrier} {spec.technology}: the layer has no polygons, so it covers "
                "no village.",
                "check that the right file or layer is given.",
            )
            log.warning("%s", p)
            if issues is not None:
                issues.append(p)
        # single parts, prepared: a village is tested only against the parts whose box holds it,
        # and each test uses the polygon's prepared (indexed) edges
        polys = shapely.get_parts(gdf.geometry.to_crs(working_crs).to_numpy())
        polys = polys[~shapely.is_empty(polys)]
        shapely.prepare(polys)
        return CoverageLayer(
            spec=spec, kind="vector", mode="polygons", crs=working_crs, polygons=polys
        )

    problem = check_exists(spec.path, "coverage raster")
    if problem:
        raise InputDataError([problem])
    problems: list[Problem] = []
    try:
        with rasterio.open(spec.path) as ds:
            crs = ds.crs
            count, dtypes, nodatavals = ds.count, ds.dtypes, ds.nodatavals
            transform, width, height = ds.transform, ds.width, ds.height
    except rasterio.errors.RasterioError as exc:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"cannot be read as a raster ({' '.join(str(exc).split())}).",
                    "check that it is a complete GeoTIFF; export it again.",
                )
            ]
        ) from None
    if crs is None:
        if spec.crs:
            given, problem = parse_crs(spec.crs, source=src, where="crs")
            if problem or given is None:
                raise InputDataError([problem] if problem else [])
            crs = rasterio.crs.CRS.from_user_input(given.to_wkt())
        else:
            problems.append(
                Problem(
                    src,
                    "",
                    "the raster has no coordinate reference system (CRS).",
                    "add 'crs: EPSG:32648' (or the right code) to this layer in the project "
                    "file, or assign it with gdal_edit.py -a_srs.",
                )
            )
    if transform.is_identity:
        problems.append(
            Problem(
                src,
                "",
                "the raster is not georeferenced (no geotransform).",
                "export it again as a GeoTIFF with its position.",
            )
        )
    if not 1 <= spec.band <= count:
        problems.append(
            Problem(
                src,
                f"band {spec.band}",
                f"no such band; the raster has {count}.",
                f"use 'band:' between 1 and {count}.",
            )
        )
        raise InputDataError(problems)
    dtype = np.dtype(dtypes[spec.band - 1])
    if dtype.kind not in "iuf" and dtype != np.bool_:
        problems.append(
            Problem(
                src,
                f"band {spec.band}",
                f"unexpected data type {dtype.name}.",
                "use a float or integer band (dBm) or an 8-bit 0/1 mask.",
            )
        )
    mode = spec.values
    if mode == "auto":
        mode = "mask" if dtype.kind in "ub" else "dbm"
    if mode == "dbm" and dtype.kind in "ub":
        problems.append(
            Problem(
                src,
                f"band {spec.band}",
                f"values: dbm, but the band is {dtype.name}, which cannot hold negative dBm.",
                "use 'values: mask' for a 0/1 raster, or give the signal level raster.",
            )
        )
    if problems:
        raise InputDataError(problems)
    nodata = nodatavals[spec.band - 1]
    return CoverageLayer(
        spec=spec,
        kind="raster",
        mode=mode,
        crs=CRS.from_user_input(crs.to_wkt()),
        nodata=nodata,
        dtype=dtype.name,
        transform=transform,
        width=width,
        height=height,
    )


def _transform_xy(
    xs: np.ndarray, ys: np.ndarray, src: CRS, dst: CRS
) -> tuple[np.ndarray, np.ndarray]:
    if src.equals(dst):
        return xs, ys
    t = Transformer.from_crs(src, dst, always_xy=True)
    return t.transform(xs, ys)


def _tiles(
    rows: np.ndarray, cols: np.ndarray, inside: np.ndarray
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Group the points inside the raster by TILE x TILE window."""
    idx = np.flatnonzero(inside)
    if idx.size == 0:
        return
    key = (rows[idx] // TILE) * (1 << 32) + (cols[idx] // TILE)
    order = np.argsort(key, kind="stable")
    idx, key = idx[order], key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], idx.size]
    for s, e in zip(starts, ends, strict=True):
        members = idx[s:e]
        yield int(rows[members[0]] // TILE), int(cols[members[0]] // TILE), members


class RasterSample(NamedTuple):
    """Raster values at points; ``valid`` is False outside the raster or on nodata."""

    values: np.ndarray
    valid: np.ndarray
    inside: np.ndarray


def sample_raster(layer: CoverageLayer, villages: gpd.GeoSeries) -> RasterSample:
    """Raster values at village points (any CRS; transformed to the raster's).

    Reads only the TILE x TILE windows that contain points, so memory stays
    bounded whatever the raster's size.
    """
    points = villages.to_numpy()
    points_crs = CRS.from_user_input(villages.crs)
    assert layer.transform is not None and layer.crs is not None
    xs, ys = _transform_xy(shapely.get_x(points), shapely.get_y(points), points_crs, layer.crs)
    inv = ~layer.transform
    colf = inv.a * xs + inv.b * ys + inv.c
    rowf = inv.d * xs + inv.e * ys + inv.f
    with np.errstate(invalid="ignore"):
        inside = (
            np.isfinite(colf)
            & np.isfinite(rowf)
            & (colf >= 0)
            & (rowf >= 0)
            & (colf < layer.width)
            & (rowf < layer.height)
        )
    cols = np.where(inside, np.floor(np.where(inside, colf, 0)), 0).astype(np.int64)
    rows = np.where(inside, np.floor(np.where(inside, rowf, 0)), 0).astype(np.int64)
    values = np.full(len(points), np.nan)
    valid = np.zeros(len(points), dtype=bool)
    with rasterio.open(layer.spec.path) as ds:
        for trow, tcol, members in _tiles(rows, cols, inside):
            r0, c0 = trow * TILE, tcol * TILE
            win = Window(c0, r0, min(TILE, layer.width - c0), min(TILE, layer.height - r0))
            arr = ds.read(layer.spec.band, window=win, masked=True)
            sub = arr[rows[members] - r0, cols[members] - c0]
            data = np.ma.getdata(sub).astype(float)
            ok = ~np.ma.getmaskarray(sub) & np.isfinite(data)
            values[members] = data
            valid[members] = ok
    return RasterSample(values, valid, inside)


def sample_coverage(layer: CoverageLayer, villages: gpd.GeoSeries) -> np.ndarray:
    """Whether each village is covered by one layer.

    Parameters
    ----------
    layer
        From :func:`load_coverage_layer`.
    villages
        Village points in the working CRS.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> covered = sample_coverage(layer, villages.geometry)  # doctest: +SKIP
    """
    points = villages.to_numpy()
    if layer.kind == "vector":
        covered = np.zeros(len(points), dtype=bool)
        if len(layer.polygons):
            vi, pi = layer.tree().query(points)
            hit = shapely.intersects(layer.polygons[pi], points[vi])
            covered[vi[hit]] = True
        return covered
    sample = sample_raster(layer, villages)
    return layer.covered_values(sample.values, sample.valid)


def check_raster_sample(
    layer: CoverageLayer, sample: RasterSample
) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings from a raster sampled at the villages.

    Error when the raster's extent misses every village, or when it holds only
    nodata (both at the villages and in a decimated read of the whole raster);
    warning when some villages fall outside it or on nodata; error when a mask
    holds values other than 0 and 1.
    """
    src = str(layer.spec.path)
    errors: list[Problem] = []
    warns: list[Problem] = []
    values, valid, inside = sample
    if layer.kind != "raster" or len(values) == 0:
        return errors, warns
    assert layer.crs is not None and layer.transform is not None
    if not inside.any():
        b = rasterio.transform.array_bounds(layer.height, layer.width, layer.transform)
        errors.append(
            Problem(
                src,
                "",
                f"{layer.label}: the raster's extent (x {b[0]:.0f}..{b[2]:.0f}, "
                f"y {b[1]:.0f}..{b[3]:.0f} in {layer.crs.to_string()}) contains none of the "
                "villages.",
                "check that the raster is for this area and that its CRS is right.",
            )
        )
        return errors, warns
    if not valid.any():
        with rasterio.open(layer.spec.path) as ds:
            factor = max(1, int(np.ceil(max(ds.width, ds.height) / 1024)))
            small = ds.read(
                layer.spec.band,
                out_shape=(max(1, ds.height // factor), max(1, ds.width // factor)),
                masked=True,
                resampling=Resampling.nearest,
            )
        if np.ma.count(small) == 0:
            errors.append(
                Problem(
                    src,
                    "",
                    f"{layer.label}: the raster holds only nodata.",
                    "check the nodata value (gdalinfo) and export the layer again.",
                )
            )
            return errors, warns
    missing = int((~valid).sum())
    if missing:
        warns.append(
            Problem(
                src,
                "",
                f"{layer.label}: {missing} of {len(valid)} villages fall outside the "
                "raster or on nodata cells; they count as not covered by this layer.",
                "extend the raster to the whole area if they may be covered.",
            )
        )
    if layer.mode == "mask":
        odd = np.unique(values[valid & (values != 0) & (values != 1)])
        if odd.size:
            errors.append(
                Problem(
                    src,
                    f"band {layer.spec.band}",
                    f"{layer.label}: a 0/1 mask holds other values ({list_items(odd.tolist())}).",
                    "set 'values: dbm' if it is a signal level, or set those cells to nodata.",
                )
            )
    return errors, warns


# --------------------------------------------------------------------------- fibre


def load_fibre(
    spec: FibreSpec, *, working_crs: CRS, issues: list[Problem] | None = None
) -> gpd.GeoDataFrame:
    """Fibre routes (lines) or access points (points), in the working CRS, with an
    ``owner`` column (normalised carrier name) when ``fibre.owner`` names one.

    Raises
    ------
    InputDataError
        Unreadable file, no CRS, missing or polygon geometries.

    Examples
    --------
    >>> fibre = load_fibre(spec, working_crs=CRS(32648))  # doctest: +SKIP
    """
    gdf = read_vector(
        spec.path, role="fibre", layer=spec.layer, where=spec.where, crs=spec.crs,
        encoding=spec.encoding, issues=issues,
    )  # fmt: skip
    gdf, errors, warns = geometry_problems(
        gdf,
        source=str(spec.path),
        id_column=None,
        allowed=("LineString", "MultiLineString", "Point", "MultiPoint"),
        role="fibre",
    )
    errors += missing_columns(gdf, {"owner": spec.owner}, source=str(spec.path), section="fibre")
    if errors:
        raise InputDataError(errors)
    if issues is not None:
        issues.extend(warns)
    owner = (
        gdf[spec.owner].map(
            lambda v: normalise_carrier(v) if isinstance(v, str) and v.strip() else None
        )
        if spec.owner is not None
        else pd.Series(None, index=gdf.index, dtype=object)
    )
    return gpd.GeoDataFrame(
        {"owner": owner.to_numpy()},
        geometry=gdf.geometry.to_crs(working_crs).to_numpy(),
        crs=working_crs,
    )


def distance_to_fibre(villages: gpd.GeoSeries, fibre: gpd.GeoSeries) -> np.ndarray:
    """Distance in metres from each village to the nearest fibre route or point.

    Both inputs must be in the same metric CRS. ``inf`` when there is no fibre.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> v = gpd.GeoSeries([shapely.Point(0, 30)], crs=32648)
    >>> f = gpd.GeoSeries([shapely.LineString([(-10, 0), (10, 0)])], crs=32648)
    >>> distance_to_fibre(v, f).tolist()
    [30.0]
    """
    if (
        fibre.crs is not None
        and villages.crs is not None
        and not CRS(fibre.crs).equals(CRS(villages.crs))
    ):
        raise ValueError(
            f"fibre is in {fibre.crs} but villages in {villages.crs}; reproject both to the "
            "working CRS first."
        )
    out = np.full(len(villages), np.inf)
    geoms = fibre.to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0 or len(villages) == 0:
        return out
    tree = shapely.STRtree(geoms)
    (vi, _), dist = tree.query_nearest(villages.to_numpy(), return_distance=True, all_matches=False)
    out[vi] = dist
    return out


# --------------------------------------------------------------------------- areas


def measure_covered_area(
    communes: gpd.GeoDataFrame, layers: Sequence[CoverageLayer], *, resolution: float = 100.0
) -> pd.DataFrame:
    """Share of each commune's area covered by each technology (any carrier).

    Every layer is put on one grid of ``resolution`` metres in the working CRS
    (rasters warped with nearest neighbour, polygons burnt in), tile by tile, and
    the covered cells are counted per commune.

    Parameters
    ----------
    communes
        Standardised communes in the working CRS.
    layers
        Coverage layers (rasters and polygons).
    resolution
        Grid cell side in metres.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``commune_id``, one column ``pct_area_<tech>`` per technology
        present, in percent of the commune's grid cells.

    Examples
    --------
    >>> shares = measure_covered_area(communes, layers, resolution=100)  # doctest: +SKIP
    """
    techs = sorted({lyr.spec.technology for lyr in layers})
    n = len(communes)
    total = np.zeros(n + 1, dtype=np.int64)
    covered = {t: np.zeros(n + 1, dtype=np.int64) for t in techs}
    if n == 0:
        return pd.DataFrame(
            index=communes["commune_id"], columns=[f"pct_area_{t.lower()}" for t in techs]
        )
    crs = CRS.from_user_input(communes.crs)
    minx, miny, maxx, maxy = communes.total_bounds
    width = max(1, int(np.ceil((maxx - minx) / resolution)))
    height = max(1, int(np.ceil((maxy - miny) / resolution)))
    grid = Affine(resolution, 0, minx, 0, -resolution, maxy)
    geoms = communes.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    rio_crs = rasterio.crs.CRS.from_wkt(crs.to_wkt())
    for r0 in range(0, height, TILE):
        for c0 in range(0, width, TILE):
            h, w = min(TILE, height - r0), min(TILE, width - c0)
            tt = grid @ Affine.translation(c0, r0)
            box = shapely.box(tt.c, tt.f - h * resolution, tt.c + w * resolution, tt.f)
            hit = tree.query(box, predicate="intersects")
            if hit.size == 0:
                continue
            ids = rasterize(
                ((geoms[i], int(i) + 1) for i in hit),
                out_shape=(h, w),
                transform=tt,
                fill=0,
                dtype="int32",
            )
            inside = ids > 0
            if not inside.any():
                continue
            total += np.bincount(ids[inside], minlength=n + 1)
            for tech in techs:
                mask = np.zeros((h, w), dtype=bool)
                for lyr in layers:
                    if lyr.spec.technology == tech:
                        mask |= _layer_on_grid(lyr, tt, h, w, rio_crs, box)
                mask &= inside
                covered[tech] += np.bincount(ids[mask], minlength=n + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        data = {
            f"pct_area_{t.lower()}": np.where(
                total[1:] > 0, 100.0 * covered[t][1:] / total[1:], np.nan
            )
            for t in techs
        }
    return pd.DataFrame(data, index=pd.Index(communes["commune_id"].to_numpy(), name="commune_id"))


def _nodata_sentinel(dtype: np.dtype) -> float:
    if dtype.kind == "f":
        return float("nan")
    info = np.iinfo(dtype)
    return float(info.max if dtype.kind == "u" else info.min)


def _layer_on_grid(
    layer: CoverageLayer,
    transform: Affine,
    h: int,
    w: int,
    crs: rasterio.crs.CRS,
    box: shapely.Geometry,
    *,
    fast: bool = True,
) -> np.ndarray:
    if layer.kind == "vector":
        if len(layer.polygons) == 0:
            return np.zeros((h, w), dtype=bool)
        hit = layer.tree().query(box, predicate="intersects")
        if hit.size == 0:
            return np.zeros((h, w), dtype=bool)
        return rasterize(
            ((layer.polygons[i], 1) for i in hit),
            out_shape=(h, w),
            transform=transform,
            fill=0,
            dtype="uint8",
        ).astype(bool)
    st = layer.transform
    if (
        fast
        and layer.crs is not None
        and st is not None
        and layer.crs.equals(CRS.from_wkt(crs.to_wkt()))
        and st.b == 0
        and st.d == 0
    ):
        return _same_crs_on_grid(layer, transform, h, w)
    dtype = np.dtype(layer.dtype)
    nodata = layer.nodata if layer.nodata is not None else _nodata_sentinel(dtype)
    with rasterio.open(layer.spec.path) as ds:
        src_crs = ds.crs
        if src_crs is None and layer.crs is not None:  # CRS given in the project file
            src_crs = rasterio.crs.CRS.from_wkt(layer.crs.to_wkt())
        with WarpedVRT(
            ds,
            src_crs=src_crs,
            crs=crs,
            transform=transform,
            width=w,
            height=h,
            resampling=Resampling.nearest,
            src_nodata=nodata,
            nodata=nodata,
        ) as vrt:
            arr = vrt.read(layer.spec.band, masked=True)
    data = np.ma.getdata(arr).astype(float)
    valid = ~np.ma.getmaskarray(arr) & np.isfinite(data)
    return layer.covered_values(data, valid)


def _same_crs_on_grid(layer: CoverageLayer, transform: Affine, h: int, w: int) -> np.ndarray:
    """Nearest-neighbour resampling without a warp, for a north-up raster already in the
    working CRS: the source row of each grid row and the source column of each grid column
    are computed once, and one window of the source is read and indexed."""
    st = layer.transform
    assert st is not None
    xs = transform.c + (np.arange(w) + 0.5) * transform.a
    ys = transform.f + (np.arange(h) + 0.5) * transform.e
    cols = np.floor((xs - st.c) / st.a).astype(np.int64)
    rows = np.floor((ys - st.f) / st.e).astype(np.int64)
    col_ok = (cols >= 0) & (cols < layer.width)
    row_ok = (rows >= 0) & (rows < layer.height)
    out = np.zeros((h, w), dtype=bool)
    if not col_ok.any() or not row_ok.any():
        return out
    c0, c1 = int(cols[col_ok].min()), int(cols[col_ok].max()) + 1
    r0, r1 = int(rows[row_ok].min()), int(rows[row_ok].max()) + 1
    ri = np.flatnonzero(row_ok)
    ci = np.flatnonzero(col_ok)
    window = Window(c0, r0, c1 - c0, r1 - r0)
    # a source much finer than the grid: let GDAL pick the nearest pixels block by block
    # (a decimated read) instead of reading a window that may not fit in memory
    decimate = (r1 - r0) * (c1 - c0) > max(MAX_WINDOW_PIXELS, 16 * len(ri) * len(ci))
    with rasterio.open(layer.spec.path) as ds:
        if decimate:
            arr = ds.read(layer.spec.band, window=window, out_shape=(len(ri), len(ci)), masked=True,
                          resampling=Resampling.nearest)  # fmt: skip
        else:
            arr = ds.read(layer.spec.band, window=window, masked=True)
    data = np.ma.getdata(arr).astype(float)
    valid = ~np.ma.getmaskarray(arr) & np.isfinite(data)
    covered = layer.covered_values(data, valid)
    out[np.ix_(ri, ci)] = covered if decimate else covered[np.ix_(rows[ri] - r0, cols[ci] - c0)]
    return out
