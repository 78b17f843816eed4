"""Reading inputs: any GDAL vector format, CSV/XLSX tables, GeoParquet.

Readers never raise raw library errors: they raise :class:`InputDataError`
naming the file, what is wrong and how to fix it. Files are only ever opened
for reading.
"""

from __future__ import annotations

import difflib
import hashlib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import InputDataError, Problem

__all__: list[str] = []

#: GDAL vector formats known to carry many files per dataset.
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
_PARQUET = (".parquet", ".geoparquet")
MAX_LISTED = 10


def list_items(items: Sequence[object], *, limit: int = MAX_LISTED) -> str:
    """``"a, b, c and 12 more"``: a short list for messages."""
    shown = ", ".join(str(i) for i in items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def closest(name: str, choices: Iterable[str]) -> str:
    """A hint naming the closest column, or listing the columns there are."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'? Columns: {list_items(choices, limit=15)}."
    return f"columns in the file: {list_items(choices, limit=15)}."


def dataset_files(path: Path) -> list[Path]:
    """The files that make up one dataset (a shapefile has sidecars)."""
    files = [path]
    if path.suffix.lower() in (".shp", ".tab", ".mif"):
        for suffix in (*_SHAPEFILE_SIDECARS, ".dat", ".map", ".id", ".ind", ".mid"):
            for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
                if cand.exists() and cand not in files:
                    files.append(cand)
    return files


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_exists(path: Path, role: str) -> Problem | None:
    if not path.exists():
        parent = path.parent
        hint = "check the path in the project file (paths are relative to the project file)."
        if parent.is_dir():
            near = difflib.get_close_matches(path.name, [p.name for p in parent.iterdir()], n=1)
            if near:
                hint = f"did you mean '{near[0]}'? " + hint
        return Problem(str(path), "", f"the {role} file does not exist.", hint)
    if path.is_dir() and path.suffix.lower() not in (".gdb",):
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


def read_vector(
    path: Path,
    *,
    role: str,
    layer: str | None = None,
    where: str | None = None,
    columns: Sequence[str] | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio (or GeoParquet with pyarrow).

    Raises
    ------
    InputDataError
        The file is missing, unreadable, has no such layer, the filter is invalid,
        or it has no CRS and none was given.
    """
    src = str(path)
    problem = check_exists(path, role)
    if problem:
        raise InputDataError([problem])
    if path.suffix.lower() == ".shp":
        missing = [
            s
            for s in (".shx", ".dbf")
            if not (path.with_suffix(s).exists() or path.with_suffix(s.upper()).exists())
        ]
        if missing:
            raise InputDataError(
                [
                    Problem(
                        src,
                        "",
                        f"the shapefile is incomplete: {' and '.join(missing)} missing beside it.",
                        "copy all the files of the shapefile (.shp, .shx, .dbf, .prj) "
                        "together, or use a GeoPackage.",
                    )
                ]
            )
    try:
        if path.suffix.lower() in _PARQUET:
            gdf = gpd.read_parquet(path)
            if where:
                gdf = gdf.query(where)
        else:
            open_path = f"/vsizip/{path}" if path.suffix.lower() == ".kmz" else str(path)
            if layer is not None:
                layers = [str(n) for n in pyogrio.list_layers(open_path)[:, 0]]
                if layer not in layers:
                    raise InputDataError(
                        [
                            Problem(
                                src,
                                f"layer '{layer}'",
                                "no such layer.",
                                f"layers in the file: {list_items(layers)}.",
                            )
                        ]
                    )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                gdf = pyogrio.read_dataframe(open_path, layer=layer, where=where, columns=columns)
    except InputDataError:
        raise
    except ImportError as exc:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"reading this format needs an optional package ({exc.name}).",
                    "install coverage-gaps[parquet], or convert to GeoPackage.",
                )
            ]
        ) from None
    except Exception as exc:
        text = " ".join(str(exc).split())
        if where and ("where" in text.lower() or "sql" in text.lower() or "syntax" in text.lower()):
            raise InputDataError(
                [
                    Problem(
                        src,
                        f"where: {where}",
                        f"the filter is invalid ({text}).",
                        "write an OGR SQL condition, e.g. provinceCode = '19'.",
                    )
                ]
            ) from None
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"cannot be read as a {role} layer ({text}).",
                    "check that it is a complete GeoPackage, shapefile, GeoJSON, "
                    "FlatGeobuf, KML or other GDAL vector file; export it again.",
                )
            ]
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"has no geometry column, so it is not a {role} layer.",
                    "give a vector file with geometries.",
                )
            ]
        )
    if crs is not None:
        given, problem = parse_crs(crs, source=src, where="crs")
        if problem or given is None:
            raise InputDataError([problem] if problem else [])
        if gdf.crs is None:
            gdf = gdf.set_crs(given)
        elif not gdf.crs.equals(given):
            raise InputDataError(
                [
                    Problem(
                        src,
                        "crs",
                        f"the project file says {given.to_string()} but the file "
                        f"says {gdf.crs.to_string()}.",
                        "remove 'crs:' to use the file's CRS, or fix the file's .prj.",
                    )
                ]
            )
    elif gdf.crs is None:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    "has no coordinate reference system (CRS).",
                    "add 'crs: EPSG:4326' (or the right code) to this input in the "
                    "project file, or save the file with its CRS (a .prj for shapefiles).",
                )
            ]
        )
    return gdf


def read_table(
    path: Path, *, role: str, sheet: str | None = None, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV/TSV or Excel sheet; id-like columns are kept as text."""
    src = str(path)
    problem = check_exists(path, role)
    if problem:
        raise InputDataError([problem])
    dtypes = {c: str for c in text_columns}
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            try:
                df = pd.read_excel(path, sheet_name=sheet or 0, dtype=dtypes)
            except ValueError as exc:
                if sheet and "not found" in str(exc).lower():
                    import openpyxl

                    wb = openpyxl.load_workbook(path, read_only=True)
                    names = wb.sheetnames
                    wb.close()
                    raise InputDataError(
                        [
                            Problem(
                                src,
                                f"sheet '{sheet}'",
                                "no such sheet.",
                                f"sheets in the file: {list_items(names)}.",
                            )
                        ]
                    ) from None
                raise
        else:
            sep = "\t" if suffix == ".tsv" else None
            df = pd.read_csv(
                path,
                sep=sep,
                engine="python",
                dtype=dtypes,
                encoding="utf-8-sig",
                keep_default_na=True,
                skipinitialspace=True,
            )
    except InputDataError:
        raise
    except UnicodeDecodeError as exc:
        raise InputDataError(
            [
                Problem(
                    src,
                    f"byte {exc.start}",
                    "the file is not UTF-8 text.",
                    "save it as 'CSV UTF-8' (Excel) or UTF-8 (other editors).",
                )
            ]
        ) from None
    except Exception as exc:
        text = " ".join(str(exc).split())
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"cannot be read as a {role} table ({text}).",
                    "save it as CSV (UTF-8) or XLSX with one header row.",
                )
            ]
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"the {role} table has no rows.",
                    "fill it, or point to the right file.",
                )
            ]
        )
    return df


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
                f"{bad_kind.size} feature(s) are {'/'.join(found)}, but a {role} layer needs "
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
    invalid = np.flatnonzero(checkable & ~shapely.is_valid(geoms))
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
