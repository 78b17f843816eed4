"""Checks shared by every loader, each returning :class:`~coverage_gaps.Problem` records
that name the file, the row or feature, what is wrong and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryArray
from pyproj import CRS
from pyproj.exceptions import CRSError

from .._errors import Problem
from .._machine import available_cores

__all__ = [
    "a_or_an",
    "check_exists",
    "closest",
    "duplicate_problems",
    "geometry_problems",
    "is_valid_quietly",
    "list_items",
    "missing_columns",
    "parse_crs",
    "row_label",
    "valid_geometries",
]

MAX_LISTED = 10


def list_items(items: Sequence[object], *, limit: int = MAX_LISTED) -> str:
    """``"a, b, c and 12 more"``: a short list for messages."""
    shown = ", ".join(str(i) for i in items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def a_or_an(noun: str) -> str:
    """``noun`` with its indefinite article.

    Examples
    --------
    >>> a_or_an("input table"), a_or_an("commune layer"), a_or_an("Ookla tiles table")
    ('an input table', 'a commune layer', 'an Ookla tiles table')
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def closest(name: str, choices: Iterable[str]) -> str:
    """The fix naming the closest column, or listing the columns there are.

    Examples
    --------
    >>> closest("populaton", ["name", "population"])
    "did you mean 'population'? Columns: name, population."
    >>> closest("x", ["name"])
    'use one of the columns in the file: name.'
    """
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'? Columns: {list_items(choices, limit=15)}."
    return f"use one of the columns in the file: {list_items(choices, limit=15)}."


def missing_columns(
    frame: pd.DataFrame, wanted: Mapping[str, str | None], *, source: str, section: str
) -> list[Problem]:
    """One problem per configured column (``{key: column}``) that the table or layer lacks,
    naming the closest column there is."""
    is_layer = isinstance(frame, gpd.GeoDataFrame)
    available = [c for c in frame.columns if not (is_layer and c == frame.geometry.name)]
    kind = "layer" if is_layer else "table"
    return [
        Problem(
            source,
            f"{section}.{key}",
            f"column '{col}' is not in the {kind}.",
            closest(col, available),
        )
        for key, col in wanted.items()
        if col is not None and col not in frame.columns
    ]


def check_exists(path: Path, role: str) -> Problem | None:
    if not path.exists():
        parent = path.parent
        hint = "check the path in the project file (paths are relative to the project file)."
        if parent.is_dir():
            near = difflib.get_close_matches(path.name, [p.name for p in parent.iterdir()], n=1)
            if near:
                hint = f"did you mean '{near[0]}'? {hint[0].upper()}{hint[1:]}"
        return Problem(str(path), "", f"the {role} file does not exist.", hint)
    if path.is_dir() and path.suffix.lower() not in (".gdb",) and not any(path.glob("*.parquet")):
        return Problem(
            str(path), "", f"the {role} path is a folder, not a file.", "point to the file itself."
        )
    if path.is_file() and path.stat().st_size == 0:
        return Problem(
            str(path), "", f"the {role} file is empty (0 bytes).", "export the layer again."
        )
    return None


def parse_crs(value: object, *, source: str, where: str) -> tuple[CRS | None, Problem | None]:
    try:
        return CRS.from_user_input(value), None
    except CRSError:
        return None, Problem(
            source,
            where,
            f"'{value}' is not a coordinate reference system PROJ knows.",
            "use an EPSG code such as EPSG:4326.",
        )


def row_label(
    df: pd.DataFrame, idx: np.ndarray, *, id_column: str | None, table: bool
) -> list[str]:
    """Human labels for rows: spreadsheet line numbers and ids."""
    labels = []
    for i in idx:
        pos = int(i)
        base = f"row {pos + 2}" if table else f"feature {pos + 1}"
        if id_column and id_column in df.columns:
            val = df[id_column].iloc[pos]
            if not pd.isna(val):
                base += f" (id {val})"
        labels.append(base)
    return labels


def geometry_problems(
    gdf: gpd.GeoDataFrame, *, source: str, id_column: str | None, allowed: Sequence[str], role: str
) -> tuple[gpd.GeoDataFrame, list[Problem], list[Problem]]:
    """Check geometries: missing or empty are errors, wrong type is an error,
    invalid polygons are repaired with ``make_valid`` and reported as warnings.

    Returns the (repaired) frame, the errors and the warnings.
    """
    errors: list[Problem] = []
    warns: list[Problem] = []
    geoms = gdf.geometry.values
    empty = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if empty.size:
        errors.append(
            Problem(
                source,
                list_items(row_label(gdf, empty, id_column=id_column, table=False)),
                f"{empty.size} feature(s) have no geometry.",
                f"draw or delete them; every {role} needs a geometry.",
            )
        )
    kinds = shapely.get_type_id(geoms)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    present = kinds >= 0
    bad_kind = np.flatnonzero(present & ~np.isin(names[np.clip(kinds, 0, 7)], list(allowed)))
    if bad_kind.size:
        found = sorted(set(names[kinds[bad_kind]]))
        errors.append(
            Problem(
                source,
                list_items(row_label(gdf, bad_kind, id_column=id_column, table=False)),
                f"{bad_kind.size} feature(s) are {'/'.join(found)}, but {a_or_an(role)} layer needs "
                f"{' or '.join(dict.fromkeys(a.replace('Multi', '') for a in allowed))} geometries.",
                "check that the right file or layer is given.",
            )
        )
    coords_bad = np.zeros(len(gdf), dtype=bool)
    if present.any():
        ok = np.flatnonzero(present & ~shapely.is_empty(geoms))
        if ok.size:
            coords, index = shapely.get_coordinates(geoms[ok], return_index=True)
            nonfinite = ~np.isfinite(coords).all(axis=1)
            if nonfinite.any():
                coords_bad[ok[np.unique(index[nonfinite])]] = True
    if coords_bad.any():
        rows = np.flatnonzero(coords_bad)
        errors.append(
            Problem(
                source,
                list_items(row_label(gdf, rows, id_column=id_column, table=False)),
                f"{rows.size} feature(s) have NaN or infinite coordinates.",
                "fix or delete them.",
            )
        )
    checkable = present & ~coords_bad & ~shapely.is_empty(geoms)
    invalid = np.flatnonzero(checkable & ~valid_geometries(geoms))
    if invalid.size:
        reasons = shapely.is_valid_reason(geoms[invalid[:3]])
        fixed = shapely.make_valid(geoms[invalid])
        keep = list(allowed)
        if any("Polygon" in a for a in keep):
            fixed = _polygonal_part(fixed)
        geoms = geoms.copy()
        geoms[invalid] = fixed
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        warns.append(
            Problem(
                source,
                list_items(row_label(gdf, invalid, id_column=id_column, table=False)),
                f"{invalid.size} invalid geometr{'y was' if invalid.size == 1 else 'ies were'} "
                f"repaired with make_valid ({'; '.join(map(str, reasons))}).",
                "check the repaired shapes, or fix them in QGIS (Vector > Geometry Tools > "
                "Fix Geometries).",
            )
        )
    return gdf, errors, warns


#: Geometries from which :func:`valid_geometries` splits the work between threads.
THREADED_FROM = 2_000
#: Threads of :func:`valid_geometries` at most.
VALIDITY_THREADS = 4


def is_valid_quietly(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid`` without touching the warning filters, for work in threads.

    ``shapely.is_valid`` sets the process-wide warning filters to "ignore" for its whole
    call and puts back the ones it found: in a thread beside the run, a warning the run
    raised meanwhile was dropped, and two such calls overlapping left "ignore" in place
    (the filters are shared by all threads). GEOS's own validity test (``shapely.lib``)
    raises no warning to silence.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> is_valid_quietly(np.array([shapely.box(0, 0, 1, 1), bowtie, None])).tolist()
    [True, False, False]
    """
    return np.asarray(shapely.lib.is_valid(np.asarray(geoms, dtype=object)), dtype=bool)


def valid_geometries(geoms: np.ndarray | GeometryArray) -> np.ndarray:
    """``shapely.is_valid`` of each geometry; a large layer is split between the cores (at
    most :data:`VALIDITY_THREADS`; GEOS releases the GIL): the 3,321 national communes take
    0.21 s on two cores instead of 0.41 s, while the loading has nothing else for the second
    core to do.

    Parameters
    ----------
    geoms
        Geometries (missing ones are not valid).

    Returns
    -------
    numpy.ndarray
        One boolean per geometry, in order.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> many = np.array([shapely.box(0, 0, 1, 1), bowtie] * THREADED_FROM)
    >>> valid = valid_geometries(many)
    >>> valid[:4].tolist(), bool((valid == shapely.is_valid(many)).all())
    ([True, False, True, False], True)
    """
    geoms = np.asarray(geoms)
    cores = min(available_cores(), VALIDITY_THREADS)
    if cores < 2 or len(geoms) < THREADED_FROM:
        return is_valid_quietly(geoms)
    out = np.empty(len(geoms), dtype=bool)
    with ThreadPoolExecutor(cores, thread_name_prefix="valid") as pool:
        # every cores-th geometry to each thread: large and small shapes shared alike
        for i, part in enumerate(
            pool.map(is_valid_quietly, [geoms[i::cores] for i in range(cores)])
        ):
            out[i::cores] = part
    return out


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of make_valid results (drop slivers turned into lines)."""
    out = geoms.copy()
    is_coll = shapely.get_type_id(out) == 7
    if is_coll.any():
        for i in np.flatnonzero(is_coll):  # few: only repaired collections
            parts = shapely.get_parts(out[i])
            polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
            out[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def duplicate_problems(values: pd.Series, *, source: str, column: str, what: str) -> list[Problem]:
    problems = []
    missing = np.flatnonzero(
        values.isna().to_numpy()
        | (values.astype("string").str.strip() == "").fillna(True).to_numpy()
    )
    if missing.size:
        rows = [f"row {i + 2}" for i in missing]
        problems.append(
            Problem(
                source,
                f"column '{column}', {list_items(rows)}",
                f"{missing.size} {what}(s) have no id.",
                "give every row a unique id.",
            )
        )
    dup = values[values.duplicated(keep=False) & values.notna()]
    if len(dup):
        ids = sorted(set(map(str, dup)))
        problems.append(
            Problem(
                source,
                f"column '{column}'",
                f"{len(ids)} id(s) are used more than once: {list_items(ids)}.",
                f"make the {what} ids unique.",
            )
        )
    return problems
