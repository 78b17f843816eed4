"""Villages (thôn, bản, xóm, ấp, tổ dân phố): loading, checking, placing in communes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._errors import InputDataError, Problem, warn_problems
from ..config.project import VillagesSpec
from ..io.checks import (
    duplicate_problems,
    geometry_problems,
    list_items,
    missing_columns,
    parse_crs,
    row_label,
)
from ..io.readers import read_table, read_vector
from ..io.values import parse_coordinates, truthy
from ..vietnam.crosswalk import convert_village_codes
from ..vietnam.vn2000 import check_layer, find_coordinate_faults

__all__ = [
    "VILLAGE_INPUT_COLUMNS",
    "load_villages",
    "lon_lat_swapped",
    "read_village_rows",
    "standardise_villages",
    "village_column_problems",
]

#: Columns of the standardised village frame (plus ``geometry``, points).
VILLAGE_INPUT_COLUMNS = ["village_id", "name", "population", "commune_id", "area_km2"]


def load_villages(spec: VillagesSpec) -> gpd.GeoDataFrame:
    """Read the villages as points with standard columns.

    A table (CSV, XLSX) needs coordinate columns ``x`` and ``y`` and a ``crs``
    (``EPSG:4326`` when omitted). A vector layer may hold points or polygons;
    for polygons a point inside each is used (``shapely.point_on_surface``) and
    the polygon's area is kept in ``area_km2``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``village_id, name, population, commune_id, area_km2, geometry`` in the
        input's CRS, in input order. ``commune_id`` is missing (``<NA>``) where the
        input gives none.

    Raises
    ------
    InputDataError
        Listing every problem: missing columns, bad or missing coordinates,
        missing/negative/non-numeric population, duplicate or missing ids.

    Examples
    --------
    >>> from coverage_gaps.config import VillagesSpec
    >>> v = load_villages(VillagesSpec(path=Path("villages.csv"), x="lon", y="lat"))  # doctest: +SKIP
    """
    return standardise_villages(read_village_rows(spec), spec)


def read_village_rows(spec: VillagesSpec) -> pd.DataFrame:
    """The village file's rows as read (a table, or a vector layer with its geometries),
    after checking that the configured columns are there and that a layer is not empty.

    Raises
    ------
    InputDataError
        Missing columns, an empty layer, an unreadable file.
    """
    src = str(spec.path)
    if spec.is_table:
        df = read_table(
            spec.path,
            role="village",
            sheet=spec.sheet,
            text_columns=[c for c in (spec.id, spec.name, spec.commune) if c],
            encoding=spec.encoding,
        )
        problems = village_column_problems(df, spec)
    else:
        df = read_vector(
            spec.path,
            role="village",
            layer=spec.layer,
            where=spec.where,
            crs=spec.crs,
            encoding=spec.encoding,
        )
        problems = village_column_problems(df, spec)
        if len(df) == 0:
            problems.append(
                Problem(src, "", "the village layer has no features.", "check the file and layer.")
            )
    if problems:
        raise InputDataError(problems)
    return df


def village_column_problems(frame: pd.DataFrame, spec: VillagesSpec) -> list[Problem]:
    """One problem per configured column the village table or layer lacks (``frame`` may
    hold no rows: only its columns are looked at)."""
    needed = {
        "id": spec.id,
        "name": spec.name,
        "population": spec.population,
        "x": spec.x if spec.is_table else None,
        "y": spec.y if spec.is_table else None,
        "commune": spec.commune,
        "households": spec.households,
        "electricity": spec.electricity,
    }
    return missing_columns(frame, needed, source=str(spec.path), section="villages")


def standardise_villages(rows: pd.DataFrame, spec: VillagesSpec) -> gpd.GeoDataFrame:
    """Check village rows (from :func:`read_village_rows`, or one partition of them) and
    return them as points with the standard columns (see :func:`load_villages`).

    Every check is made row by row, so a partition of the rows gives the same villages as
    the whole file; ids repeated across partitions are the caller's to find.

    Raises
    ------
    InputDataError
        Listing every problem of these rows.
    """
    area = None
    if spec.is_table:
        gdf, problems = _table_points(rows, spec)
    else:
        gdf, area, problems = _layer_points(gpd.GeoDataFrame(rows), spec)
    ids = gdf[spec.id].astype("string").str.strip()
    problems += duplicate_problems(ids, source=str(spec.path), column=spec.id, what="village")
    population, population_problems = _check_population(gdf, spec)
    problems += population_problems
    if problems:
        raise InputDataError(problems)
    return _standard_villages(gdf, spec, ids=ids, population=population, area=area)


def _table_points(df: pd.DataFrame, spec: VillagesSpec) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """A village table's rows (CSV, XLSX) as points, with their coordinate problems.

    An unknown CRS is raised at once; bad coordinates and coordinate faults (swapped
    X/Y, degrees as metres, outside Vietnam, datum) are returned, to be listed with the
    other problems of the villages.
    """
    src = str(spec.path)
    problems: list[Problem] = []
    crs, problem = parse_crs(spec.crs or "EPSG:4326", source=src, where="villages.crs")
    if problem:
        raise InputDataError([problem])
    assert spec.x is not None and spec.y is not None
    xs = parse_coordinates(df[spec.x])  # decimals with . or , and DMS (21°35'12"N)
    ys = parse_coordinates(df[spec.y])
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    problems += _check_table_coordinates(df, xs, ys, bad=bad, crs=crs, spec=spec)
    geoms = shapely.points(np.where(bad, 0.0, xs), np.where(bad, 0.0, ys))
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=crs)
    if not problems:  # swapped X/Y, degrees as metres, outside Vietnam, datum
        faults, notes = check_layer(
            gdf,
            source=src,
            label=lambda rows: _rows(df, rows, spec.id),
            crs_source="'crs:' in the project file",
            x_name=spec.x,
            y_name=spec.y,
        )
        problems += faults
        warn_problems(notes)
    return gdf, problems


def _check_table_coordinates(
    df: pd.DataFrame,
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    bad: np.ndarray,
    crs: CRS | None,
    spec: VillagesSpec,
) -> list[Problem]:
    """Rows without usable coordinates or, in degrees, beyond longitude/latitude range."""
    src = str(spec.path)
    if bad.any():
        rows = np.flatnonzero(bad)
        return [
            Problem(
                src,
                _rows(df, rows, spec.id),
                f"{rows.size} row(s) have missing, non-numeric, NaN or infinite "
                f"coordinates in '{spec.x}'/'{spec.y}'.",
                "fill in the coordinates (decimal numbers) or delete the rows.",
            )
        ]
    if crs is None or not crs.is_geographic:
        return []
    out_of_range = (np.abs(xs) > 180) | (np.abs(ys) > 90)
    if not out_of_range.any():
        return []
    rows = np.flatnonzero(out_of_range)
    swapped = bool(np.all((np.abs(xs[rows]) <= 90) & (np.abs(ys[rows]) <= 180)))
    if swapped:
        return [
            Problem(
                src,
                _rows(df, rows, spec.id),
                f"longitude and latitude look swapped: in {rows.size} row(s) "
                f"'{spec.y}' (latitude) is beyond ±90° while '{spec.x}' fits a latitude.",
                "exchange the 'x' and 'y' keys of 'villages:' in the project file.",
            )
        ]
    return [
        Problem(
            src,
            _rows(df, rows, spec.id),
            f"{rows.size} row(s) have coordinates outside the longitude/latitude "
            f"range, but the CRS is {crs.to_string()} (degrees).",
            _metres_fix(xs[rows], ys[rows], crs, spec),
        )
    ]


def _layer_points(
    gdf: gpd.GeoDataFrame, spec: VillagesSpec
) -> tuple[gpd.GeoDataFrame, np.ndarray | None, list[Problem]]:
    """A village layer's features as points: (points, polygon areas in km², problems).

    Geometry errors, or else coordinate faults, are returned. The areas are None when no
    village is a polygon (or the geometries have errors).
    """
    src = str(spec.path)
    gdf, errors, warns = geometry_problems(
        gdf,
        source=src,
        id_column=spec.id,
        allowed=("Point", "MultiPoint", "Polygon", "MultiPolygon"),
        role="village",
    )
    warn_problems(warns)
    if errors:
        return gdf, None, errors
    gdf, area = _villages_as_points(gdf)
    faults, notes = check_layer(
        gdf,
        source=src,
        label=lambda rows: _rows(gdf, rows, spec.id, table=False),
        crs_source="'crs:' in the project file" if spec.crs else "the file's CRS (.prj)",
    )
    warn_problems(notes)
    return gdf, area, faults


def _villages_as_points(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray | None]:
    """A point inside each village, and the area in km² of the polygonal ones.

    The areas are NaN for point villages, and None when no village is a polygon.
    """
    geoms = gdf.geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    area = None
    if polygonal.any():
        metric = (
            gdf.geometry.to_crs(gdf.geometry.estimate_utm_crs())
            if gdf.crs.is_geographic
            else gdf.geometry
        )
        area = np.where(polygonal, metric.area.to_numpy() / 1e6, np.nan)
    points = shapely.point_on_surface(geoms)
    return gdf.set_geometry(gpd.GeoSeries(points, index=gdf.index, crs=gdf.crs)), area


def _check_population(df: pd.DataFrame, spec: VillagesSpec) -> tuple[np.ndarray, list[Problem]]:
    """The population as numbers, and the villages with none, a non-number or a negative one."""
    pop = _numbers(df[spec.population])
    raw = df[spec.population]
    missing = (
        raw.isna().to_numpy() | (raw.astype("string").str.strip() == "").fillna(True).to_numpy()
    )
    non_numeric = ~missing & ~np.isfinite(pop)
    negative = np.isfinite(pop) & (pop < 0)
    problems: list[Problem] = []
    for mask, what, fix in (
        (missing, "have no population", "fill in the population (0 if nobody lives there)."),
        (non_numeric, "have a population that is not a number", "write a whole number of people."),
        (negative, "have a negative population", "write a number of people, 0 or more."),
    ):
        if mask.any():
            rows = np.flatnonzero(mask)
            problems.append(
                Problem(
                    str(spec.path),
                    f"column '{spec.population}', " + _rows(df, rows, spec.id, table=spec.is_table),
                    f"{rows.size} village(s) {what}.",
                    fix,
                )
            )
    return pop, problems


def _standard_villages(
    gdf: gpd.GeoDataFrame,
    spec: VillagesSpec,
    *,
    ids: pd.Series,
    population: np.ndarray,
    area: np.ndarray | None,
) -> gpd.GeoDataFrame:
    """The checked villages with the standard columns (see :func:`load_villages`)."""
    commune, old_codes, candidates = _commune_codes(gdf, spec)
    out = gpd.GeoDataFrame(
        {
            "village_id": ids.astype(str).to_numpy(),
            "name": _village_names(gdf, spec, ids),
            "population": population,
            "commune_id": commune.to_numpy(),
            "area_km2": area if area is not None else np.full(len(gdf), np.nan),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    out["commune_id"] = out["commune_id"].astype("string")
    if old_codes is not None and candidates is not None:
        out["commune_id_pre2025"] = old_codes.to_numpy()
        out["commune_candidates"] = candidates.to_numpy()
    if spec.households:
        out["households"] = _numbers(gdf[spec.households])
    if spec.electricity:
        out["electricity"] = truthy(gdf[spec.electricity])
    return out


def _commune_codes(
    df: pd.DataFrame, spec: VillagesSpec
) -> tuple[pd.Series, pd.Series | None, pd.Series | None]:
    """The villages' commune codes: (2025 codes, pre-2025 codes, candidate successors).

    Codes are ``<NA>`` where none is given. Pre-2025 codes are converted to the
    2025 ones; villages of a split commune keep their candidates, to be placed later.
    """
    if not spec.commune:
        return pd.Series(pd.NA, index=df.index, dtype="string"), None, None
    commune = df[spec.commune].astype("string").str.strip()
    commune = commune.mask(commune == "")
    if spec.commune_codes != "pre-2025":
        return commune, None, None
    old_codes, commune, candidates, notes = convert_village_codes(
        commune, mapping=spec.crosswalk, source=str(spec.path)
    )
    warn_problems(notes)
    return commune, old_codes, candidates


def _village_names(df: pd.DataFrame, spec: VillagesSpec, ids: pd.Series) -> np.ndarray:
    """The village names (NFC, stripped), or the ids when there is no name column."""
    if spec.name not in df.columns:
        return ids.astype(str).to_numpy()
    return (
        df[spec.name].astype("string").str.strip().str.normalize("NFC").fillna("").astype(str)
    ).to_numpy()


def lon_lat_swapped(villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> int | None:
    """How many villages fall in the communes' area only with x and y exchanged, when that
    is most of them (a swapped longitude/latitude); ``None`` otherwise.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame(geometry=[shapely.box(105, 21, 106, 22)], crs=4326)
    >>> v = gpd.GeoDataFrame(geometry=[shapely.Point(21.5, 105.5)], crs=4326)
    >>> lon_lat_swapped(v, c)
    1
    """
    if (
        villages.crs is None
        or not CRS.from_user_input(villages.crs).is_geographic
        or len(villages) == 0
    ):
        return None
    area = shapely.union_all(shapely.envelope(communes.to_crs(villages.crs).geometry.to_numpy()))
    pts = villages.geometry.to_numpy()
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    inside = shapely.contains_xy(area, x, y)
    swapped = shapely.contains_xy(area, y, x) & (np.abs(x) <= 90)
    if inside.mean() < 0.5 and swapped.mean() > 0.9:
        return int(swapped.sum())
    return None


def _metres_fix(x: np.ndarray, y: np.ndarray, crs: CRS, spec: VillagesSpec) -> str:
    """How to fix metres given under a CRS in degrees (the VN-2000 zones that fit)."""
    faults = find_coordinate_faults(x, y, crs, crs_source="'crs:'", x_name=spec.x, y_name=spec.y)
    return next(
        (f.fix for f in faults if f.kind == "wrong-crs"),
        "set 'crs:' to the projected CRS of the coordinates, e.g. EPSG:3405 (VN-2000 / UTM 48N).",
    )


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers from a column that may hold text; NaN where not a number."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


def _rows(df: pd.DataFrame, rows: np.ndarray, id_column: str, *, table: bool = True) -> str:
    """Label rows for a message: ``row 2 (id V1), row 5`` (``feature 1 ...`` for a layer)."""
    return list_items(row_label(df, rows, id_column=id_column, table=table))
