"""Reading inputs: any GDAL vector format, CSV/XLSX tables, GeoParquet.

Readers never raise raw library errors: they raise :class:`InputDataError`
naming the file, what is wrong and how to fix it. Files are only ever opened
for reading.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
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
    encoding: str | None = None,
    issues: list[Problem] | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio (or GeoParquet with pyarrow).

    Text encoding: shapefile DBFs and MapInfo tables are read byte for byte and
    decoded with ``encoding`` (default ``auto``: detected from the text, see
    :mod:`coverage_gaps.textcodecs`), whatever their ``.cpg`` says; other
    formats are UTF-8, and an ``encoding`` given for them repairs mojibake.
    A KML/KMZ with several folders is read whole (column ``kml_folder``) when
    no layer is named. Non-fatal findings go to ``issues``.

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
    legacy_text = path.suffix.lower() in _LEGACY_TEXT
    text_encoding = encoding if encoding is not None else ("auto" if legacy_text else None)
    raw_text = legacy_text and text_encoding is not None
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
            open_path = _kmz_path(path) if path.suffix.lower() == ".kmz" else str(path)
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
                gdf = _read_layers(
                    open_path, layer=layer, where=where, columns=columns, raw_text=raw_text
                )
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
    if text_encoding is not None:
        gdf = _decode_text(gdf, text_encoding, raw=raw_text, source=src, issues=issues)
    if crs is not None:
        given, problem = parse_crs(crs, source=src, where="crs")
        if problem or given is None:
            raise InputDataError([problem] if problem else [])
        if gdf.crs is None:
            gdf = gdf.set_crs(given)
        elif not gdf.crs.equals(given) and (
            (gdf.crs.is_geographic and _not_degrees(gdf)) or _vn2000_datum_fix(gdf.crs, given)
        ):
            kind = "(degrees), but its coordinates are metres" if gdf.crs.is_geographic else ""
            note = Problem(
                src,
                "crs",
                f"the file says {gdf.crs.name} {kind or '(VN-2000 parameters, datum lost)'}; "
                f"the project file's {given.to_string()} is used instead.",
                "fix or delete the file's .prj (for MapInfo, save it with the VN-2000 datum).",
            )
            if issues is not None:
                issues.append(note)
            gdf = gdf.set_crs(given, allow_override=True)
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
    path: Path,
    *,
    role: str,
    sheet: str | None = None,
    text_columns: Sequence[str] = (),
    encoding: str | None = None,
    issues: list[Problem] | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV or Excel sheet; id-like columns are kept as text.

    CSV bytes are decoded with ``encoding`` (default ``auto``: UTF-8 or a
    Vietnamese legacy encoding, detected); Excel text typed in a legacy font
    (``Th¸i Nguyªn``) is repaired when detected or when ``encoding`` is given.
    """
    src = str(path)
    problem = check_exists(path, role)
    if problem:
        raise InputDataError([problem])
    dtypes = {c: str for c in text_columns}
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            try:
                # only empty cells are missing: a village called "NA" or "null" keeps its name
                df = pd.read_excel(
                    path, sheet_name=sheet or 0, dtype=dtypes, keep_default_na=False, na_values=[""]
                )
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
                io.StringIO(_table_text(path, encoding, source=src, issues=issues)),
                sep=sep,
                engine="python",
                dtype=dtypes,
                keep_default_na=False,  # only empty cells are missing ("NA" is a name)
                na_values=[""],
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
    if suffix in (".xlsx", ".xlsm", ".xls"):
        df = _decode_text(df, encoding or "auto", raw=False, source=src, issues=issues)
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


# --------------------------------------------------------------------------- Vietnamese data

#: Formats whose text has no reliable encoding declaration (.cpg, MapInfo charset).
_LEGACY_TEXT = (".shp", ".dbf", ".tab", ".mif")


def _table_text(
    path: Path, encoding: str | None, *, source: str, issues: list[Problem] | None
) -> str:
    """The text of a CSV file: decoded with ``encoding``, or detected (``auto``)."""
    from .textcodecs import decode, detect_encoding

    raw = path.read_bytes()
    if encoding not in (None, "auto"):
        return decode(raw, encoding, errors="strict" if encoding == "utf-8" else "replace")
    guess = detect_encoding(raw.splitlines())
    text = decode(raw, guess.encoding, errors="replace")
    if issues is not None and guess.encoding != "utf-8":
        issues.append(
            Problem(
                source,
                "encoding",
                f"text read as {guess}, detected by 'encoding: auto'.",
                f"add 'encoding: {guess.encoding}' to this input to make it explicit, "
                "or save the file as CSV UTF-8.",
            )
        )
    return text


def _kmz_path(path: Path) -> str:
    """GDAL path of the KML inside a KMZ (the first ``.kml`` in the archive)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            kml = next((n for n in z.namelist() if n.lower().endswith(".kml")), None)
    except zipfile.BadZipFile:
        return str(path)
    return f"/vsizip/{path}/{kml}" if kml else str(path)


def _read_layers(
    open_path: str,
    *,
    layer: str | None,
    where: str | None,
    columns: Sequence[str] | None,
    raw_text: bool,
) -> gpd.GeoDataFrame:
    """pyogrio read; byte-for-byte text when ``raw_text``; every folder of a KML."""
    kwargs: dict[str, object] = {"encoding": "ISO-8859-1"} if raw_text else {}
    is_kml = open_path.lower().endswith((".kml", ".kmz"))
    names = (
        [str(n) for n in pyogrio.list_layers(open_path)[:, 0]] if is_kml and layer is None else []
    )
    if len(names) <= 1:
        return pyogrio.read_dataframe(
            open_path, layer=layer, where=where, columns=columns, **kwargs
        )
    parts = [
        pyogrio.read_dataframe(open_path, layer=n, where=where, columns=columns, **kwargs).assign(
            kml_folder=n
        )
        for n in names
    ]
    parts = [p for p in parts if len(p)] or parts[:1]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


def _decode_text(
    gdf: pd.DataFrame, encoding: str, *, raw: bool, source: str, issues: list[Problem] | None
) -> pd.DataFrame:
    """Decode text columns (see :func:`coverage_gaps.textcodecs.decode_columns`) and
    report an auto-detected legacy encoding."""
    from .textcodecs import decode_columns

    out, guess = decode_columns(gdf, encoding, raw=raw)
    if guess is not None and issues is not None and not guess.ascii_only:
        if guess.encoding != "utf-8" and guess.confidence >= 0.9:
            issues.append(
                Problem(
                    source,
                    "encoding",
                    f"text read as {guess}, detected by 'encoding: auto'.",
                    f"add 'encoding: {guess.encoding}' to this input to make it explicit, "
                    "or save the file as UTF-8.",
                )
            )
        elif guess.confidence < 0.9:
            issues.append(
                Problem(
                    source,
                    "encoding",
                    f"unsure of the text encoding: best guess {guess}"
                    + ("; used it." if raw else "; text left as it is."),
                    "check the names, and set 'encoding:' (utf-8, tcvn3, vni, viscii, cp1258).",
                )
            )
    return out


def _vn2000_datum_fix(file_crs: CRS, given: CRS) -> bool:
    """The project names the VN-2000 CRS whose projection a datum-less file CRS has."""
    from .vn2000 import check_datum

    try:
        check = check_datum(file_crs)
    except Exception:  # an exotic CRS PROJ cannot check: no override
        return False
    return check.problem is not None and check.suggested == given.to_epsg()


def _not_degrees(gdf: gpd.GeoDataFrame) -> bool:
    """Coordinates that cannot be longitude/latitude (metres under a degrees CRS)."""
    if not len(gdf):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x0, y0, x1, y1 = gdf.geometry.total_bounds
    return bool(
        np.isfinite([x0, y0, x1, y1]).all()
        and (max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90)
    )


_DMS = re.compile(
    r"^(?P<h1>[NSEWBDT])?\s*(?P<sign>[-+])?\s*(?P<deg>\d+(?:\.\d+)?)\s*(?:°|DEG|D|:|\s)?\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|M|MIN|:|\s)?\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|S|SEC)?\s*)?(?P<h2>[NSEWBDT])?$"
)
# primes and look-alikes; the Vietnamese hemisphere letters B (Bắc, north) and
# Đ (Đông, east); T (Tây) is west. "N" is read as north (the English usage).
_DMS_CHARS = str.maketrans(
    {
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "º": "°",
        "˚": "°",
        "Đ": "D",
        "đ": "D",
    }
)


def parse_coordinates(values: pd.Series) -> np.ndarray:
    """Numbers from a coordinate column: decimals (``.`` or ``,``) or degrees-minutes-seconds.

    Understands ``21.58675``, ``21,58675``, ``2.390.000,5`` and ``2,390,000.5``
    (the last separator of two kinds is the decimal one; a lone ``,`` is
    decimal; repeated ones group thousands), and ``21°35'12.3"N``, ``21 35
    12.3``, ``N 21°35.205'``, ``105°50′30″ Đ``; S/W/T (Tây) make it negative.
    Anything else is NaN.

    Examples
    --------
    >>> values = pd.Series(["21°35′12.3″N", "21 35 12.3", "105,8", "2.390.000,5", "x", 7])
    >>> parse_coordinates(values).round(5).tolist()
    [21.58675, 21.58675, 105.8, 2390000.5, nan, 7.0]
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip().str.upper().str.translate(_DMS_CHARS)
    text = text.str.replace("''", '"', regex=False)
    out = np.full(len(text), np.nan)
    plain = (
        text.str.fullmatch(r"[-+]?(?:[\d.,]*\d[\d.,]*|\d{1,3}(?:[  ]\d{3})+(?:[.,]\d+)?)")
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    if plain.any():
        t = text[plain].str.replace(r"[\s ]", "", regex=True)
        commas, dots = t.str.count(","), t.str.count(r"\.")
        comma_last = t.str.rfind(",") > t.str.rfind(".")
        decimal_comma = ((commas > 0) & (dots > 0) & comma_last) | ((commas == 1) & (dots == 0))
        t = t.mask(decimal_comma, t.str.replace(".", "", regex=False).str.replace(",", "."))
        t = t.mask(~decimal_comma & (commas > 0), t.str.replace(",", "", regex=False))
        t = t.mask((commas == 0) & (dots > 1), t.str.replace(".", "", regex=False))
        out[plain] = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rest = ~plain & text.notna().to_numpy(dtype=bool)
    if rest.any():
        t = text[rest].str.replace(r"(?<=\d),(?=\d)", ".", regex=True)
        parts = t.str.extract(_DMS)
        deg = pd.to_numeric(parts["deg"], errors="coerce")
        mins = pd.to_numeric(parts["min"], errors="coerce").fillna(0.0)
        secs = pd.to_numeric(parts["sec"], errors="coerce").fillna(0.0)
        marked = t.str.contains(r"[°'\"NSEWBDT]", regex=True) | parts["min"].notna()
        ok = (
            deg.notna()
            & (mins < 60)
            & (secs < 60)
            & marked.fillna(False)
            & ~(parts["h1"].notna() & parts["h2"].notna())
        )
        hemi = parts["h1"].fillna(parts["h2"]).fillna("")
        negative = hemi.isin(["S", "W", "T"]) | (parts["sign"].fillna("") == "-")
        sign = np.where(negative.to_numpy(dtype=bool), -1.0, 1.0)
        value = sign * (deg + mins / 60.0 + secs / 3600.0).to_numpy(dtype=float)
        out[rest] = np.where(ok.to_numpy(dtype=bool), value, np.nan)
    return out
