"""Coverage layers (rasters of signal level, 0/1 masks, polygons) and fibre.

A raster layer holds either a signal level in dBm (covered where the value is at
least the threshold) or a 0/1 mask (covered where 1). Nodata cells and places
outside the raster are *not covered*. Rasters are read tile by tile, never
whole, so a raster larger than memory works. A vector layer holds coverage
polygons; a village on a polygon's edge counts as covered.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import rasterio
import shapely
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.transform import Affine

from .._errors import InputDataError, Problem, warn_problem, warn_problems
from ..config.project import CoverageSpec
from ..io.checks import check_exists, geometry_problems, list_items, parse_crs
from ..io.rasters import open_raster
from ..io.readers import read_vector
from ..results import CoverageLayer, RasterSample

__all__ = [
    "RasterSampleCounts",
    "check_raster_counts",
    "check_raster_sample",
    "load_coverage_layer",
]


class RasterSampleCounts(NamedTuple):
    """What the checks of a raster need from its values at the villages: how many villages,
    how many inside the raster, how many on data, and the values other than 0 and 1 of a
    mask. Counts of parts of the villages add up (``+``) to the counts of all of them."""

    villages: int
    inside: int
    valid: int
    odd: tuple[float, ...] = ()

    @classmethod
    def of(cls, layer: CoverageLayer, sample: RasterSample) -> RasterSampleCounts:
        """The counts of one sample."""
        values, valid, inside = sample
        odd: tuple[float, ...] = ()
        if layer.mode == "mask":
            odd = tuple(np.unique(values[valid & (values != 0) & (values != 1)]).tolist())
        return cls(len(values), int(inside.sum()), int(valid.sum()), odd)

    def __add__(self, other: object) -> RasterSampleCounts:
        assert isinstance(other, RasterSampleCounts)
        return RasterSampleCounts(
            self.villages + other.villages,
            self.inside + other.inside,
            self.valid + other.valid,
            tuple(sorted(set(self.odd) | set(other.odd))),
        )


def load_coverage_layer(spec: CoverageSpec, *, working_crs: CRS) -> CoverageLayer:
    """Open and check one coverage layer.

    Raster checks: readable, has a CRS, the band exists, a numeric data type, and
    the value kind (``dbm`` for signed or float rasters, ``mask`` for unsigned
    integer ones when ``values: auto``). Vector checks: readable, CRS, polygon
    geometries (invalid ones are repaired and warned about).

    Raises
    ------
    InputDataError
        Listing the problems of this layer.

    Examples
    --------
    >>> from pyproj import CRS
    >>> layer = load_coverage_layer(spec, working_crs=CRS(32648))  # doctest: +SKIP
    """
    if spec.is_raster:
        return _load_coverage_raster(spec)
    return _load_coverage_polygons(spec, working_crs=working_crs)


def _load_coverage_polygons(spec: CoverageSpec, *, working_crs: CRS) -> CoverageLayer:
    """Read and check a vector coverage layer; its polygons in the working CRS, prepared."""
    src = str(spec.path)
    gdf = read_vector(
        spec.path, role="coverage", layer=spec.layer, where=spec.where, crs=spec.crs,
        encoding=spec.encoding
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
    warn_problems(warns)
    if len(gdf) == 0:
        p = Problem(
            src,
            "",
            f"{spec.carrier} {spec.technology}: the layer has no polygons, so it covers "
            "no village.",
            "check that the right file or layer is given.",
        )
        warn_problem(p)
    # single parts, prepared: a village is tested only against the parts whose box holds it,
    # and each test uses the polygon's prepared (indexed) edges
    polys = shapely.get_parts(gdf.geometry.to_crs(working_crs).to_numpy())
    polys = polys[~shapely.is_empty(polys)]
    shapely.prepare(polys)
    return CoverageLayer(spec=spec, kind="vector", mode="polygons", crs=working_crs, polygons=polys)


class _RasterHeader(NamedTuple):
    """What is kept of a raster's metadata (the file is re-opened to read windows)."""

    crs: Any  # rasterio.crs.CRS or None
    band_count: int
    dtypes: tuple[str, ...]
    nodatavals: tuple[float | None, ...]
    transform: Affine
    width: int
    height: int


def _load_coverage_raster(spec: CoverageSpec) -> CoverageLayer:
    """Check a coverage raster's metadata: CRS, georeferencing, band, data type, value kind."""
    src = str(spec.path)
    problem = check_exists(spec.path, "coverage raster")
    if problem:
        raise InputDataError([problem])
    header = _read_raster_header(spec)
    crs, problems = _raster_crs(header.crs, spec)
    if header.transform.is_identity:
        problems.append(
            Problem(
                src,
                "",
                "the raster is not georeferenced (no geotransform).",
                "export it again as a GeoTIFF with its position.",
            )
        )
    if not 1 <= spec.band <= header.band_count:
        problems.append(
            Problem(
                src,
                f"band {spec.band}",
                f"no such band; the raster has {header.band_count}.",
                f"use 'band:' between 1 and {header.band_count}.",
            )
        )
        raise InputDataError(problems)
    dtype = np.dtype(header.dtypes[spec.band - 1])
    mode, band_problems = _value_mode(dtype, spec)
    problems += band_problems
    if problems:
        raise InputDataError(problems)
    return CoverageLayer(
        spec=spec,
        kind="raster",
        mode=mode,
        crs=CRS.from_user_input(crs.to_wkt()),
        nodata=header.nodatavals[spec.band - 1],
        dtype=dtype.name,
        transform=header.transform,
        width=header.width,
        height=header.height,
    )


def _read_raster_header(spec: CoverageSpec) -> _RasterHeader:
    """Open the raster for its metadata; raise when it cannot be read as a raster."""
    try:
        with rasterio.open(spec.path) as ds:
            return _RasterHeader(
                ds.crs, ds.count, ds.dtypes, ds.nodatavals, ds.transform, ds.width, ds.height
            )
    except rasterio.errors.RasterioError as exc:
        raise InputDataError(
            [
                Problem(
                    str(spec.path),
                    "",
                    f"the file cannot be read as a raster ({' '.join(str(exc).split())}).",
                    "check that it is a complete GeoTIFF; export it again.",
                )
            ]
        ) from None


def _raster_crs(crs: Any, spec: CoverageSpec) -> tuple[Any, list[Problem]]:
    """The raster's CRS, or the layer's ``crs:`` when the raster has none: (CRS, problems).

    Raises when the given ``crs:`` is not a CRS.
    """
    if crs is not None:
        return crs, []
    src = str(spec.path)
    if spec.crs:
        given, problem = parse_crs(spec.crs, source=src, where="crs")
        if problem or given is None:
            raise InputDataError([problem] if problem else [])
        return rasterio.crs.CRS.from_user_input(given.to_wkt()), []
    return None, [
        Problem(
            src,
            "",
            "the raster has no coordinate reference system (CRS).",
            "add 'crs: EPSG:32648' (or the right code) to this layer in the project "
            "file, or assign it with gdal_edit.py -a_srs.",
        )
    ]


def _value_mode(dtype: np.dtype, spec: CoverageSpec) -> tuple[str, list[Problem]]:
    """What the band's values are (``dbm`` or ``mask``), and problems with its data type.

    ``values: auto`` means ``mask`` for unsigned integer and boolean bands,
    ``dbm`` for the others.
    """
    src = str(spec.path)
    problems: list[Problem] = []
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
    return mode, problems


def check_raster_sample(
    layer: CoverageLayer, sample: RasterSample
) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings from a raster sampled at the villages (see
    :func:`check_raster_counts`)."""
    if layer.kind != "raster" or len(sample.values) == 0:
        return [], []
    return check_raster_counts(layer, RasterSampleCounts.of(layer, sample))


def check_raster_counts(
    layer: CoverageLayer, counts: RasterSampleCounts
) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings from the counts of a raster's values at the villages.

    Error when the raster's extent misses every village, or when it holds only
    nodata (both at the villages and in a decimated read of the whole raster);
    warning when some villages fall outside it or on nodata; error when a mask
    holds values other than 0 and 1.
    """
    src = str(layer.spec.path)
    errors: list[Problem] = []
    warns: list[Problem] = []
    if layer.kind != "raster" or counts.villages == 0:
        return errors, warns
    assert layer.crs is not None and layer.transform is not None
    if not counts.inside:
        return [_extent_problem(layer)], warns
    if not counts.valid and _holds_only_nodata(layer):
        errors.append(
            Problem(
                src,
                "",
                f"{layer.label}: the raster holds only nodata.",
                "check the nodata value (gdalinfo) and export the layer again.",
            )
        )
        return errors, warns
    missing = counts.villages - counts.valid
    if missing:
        warns.append(
            Problem(
                src,
                "",
                f"{layer.label}: {missing} of {counts.villages} villages fall outside the "
                "raster or on nodata cells; they count as not covered by this layer.",
                "extend the raster to the whole area if they may be covered.",
            )
        )
    if layer.mode == "mask" and counts.odd:
        errors.append(
            Problem(
                src,
                f"band {layer.spec.band}",
                f"{layer.label}: a 0/1 mask holds other values ({list_items(list(counts.odd))}).",
                "set 'values: dbm' if it is a signal level, or set those cells to nodata.",
            )
        )
    return errors, warns


def _extent_problem(layer: CoverageLayer) -> Problem:
    """The error for a raster whose extent contains none of the villages."""
    assert layer.crs is not None and layer.transform is not None
    b = rasterio.transform.array_bounds(layer.height, layer.width, layer.transform)
    return Problem(
        str(layer.spec.path),
        "",
        f"{layer.label}: the raster's extent (x {b[0]:.0f}..{b[2]:.0f}, "
        f"y {b[1]:.0f}..{b[3]:.0f} in {layer.crs.to_string()}) contains none of the "
        "villages.",
        "check that the raster is for this area and that its CRS is right.",
    )


def _holds_only_nodata(layer: CoverageLayer) -> bool:
    """Whether a decimated read (at most about 1024 cells a side) of the band is all nodata."""
    with open_raster(layer.spec.path) as ds:
        factor = max(1, int(np.ceil(max(ds.width, ds.height) / 1024)))
        small = ds.read(
            layer.spec.band,
            out_shape=(max(1, ds.height // factor), max(1, ds.width // factor)),
            masked=True,
            resampling=Resampling.nearest,
        )
    return bool(np.ma.count(small) == 0)
