"""Reading inputs: any GDAL vector format, CSV/XLSX tables, GeoParquet.

Readers never raise raw library errors: they raise :class:`InputDataError`
naming the file, what is wrong and how to fix it. Files are only ever opened
for reading.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from .._errors import InputDataError, Problem, warn_problem
from ..vietnam.textcodecs import decode, decode_columns, detect_encoding
from ..vietnam.vn2000 import check_datum
from .checks import a_or_an, check_exists, list_items, parse_crs

__all__ = ["apply_given_crs", "is_geoparquet"]

_PARQUET = (".parquet", ".geoparquet")


def is_geoparquet(path: Path) -> bool:
    """Whether ``path`` is a GeoParquet file, or a folder of GeoParquet parts (``*.parquet``,
    as Overture, Google Open Buildings and Microsoft footprints are exported, and as
    ``villages.parquet/`` is written)."""
    if path.is_dir():
        return any(path.glob("*.parquet"))
    return path.suffix.lower() in _PARQUET


_PARQUET = (".parquet", ".geoparquet")
_EXCEL = (".xlsx", ".xlsm", ".xls")


def read_vector(
    path: Path,
    *,
    role: str,
    layer: str | None = None,
    where: str | None = None,
    columns: Sequence[str] | None = None,
    crs: str | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio (or GeoParquet with pyarrow).

    Text encoding: shapefile DBFs and MapInfo tables are read byte for byte and
    decoded with ``encoding`` (default ``auto``: detected from the text, see
    :mod:`coverage_gaps.textcodecs`), whatever their ``.cpg`` says; other
    formats are UTF-8, and an ``encoding`` given for them repairs mojibake.
    A KML/KMZ with several folders is read whole (column ``kml_folder``) when
    no layer is named. Non-fatal findings are warned as :class:`CoverageGapsWarning`.

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
        _check_shapefile_parts(path)
    gdf = _read_vector_file(
        path, role=role, layer=layer, where=where, columns=columns, raw_text=raw_text
    )
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputDataError(
            [
                Problem(
                    src,
                    "",
                    f"the file has no geometry column, so it is not {a_or_an(role)} layer.",
                    "give a vector file with geometries.",
                )
            ]
        )
    if text_encoding is not None:
        gdf = _decode_text(gdf, text_encoding, raw=raw_text, source=src)
    return apply_given_crs(gdf, crs, source=src)


def vector_crs(path: Path, *, layer: str | None = None) -> CRS | None:
    """The CRS a vector file declares itself (its ``.prj``, its metadata), None when it
    declares none or cannot be read (its loader reports why)."""
    open_path = _kmz_path(path) if path.suffix.lower() == ".kmz" else str(path)
    try:
        wkt = pyogrio.read_info(open_path, layer=layer)["crs"]
    except (DataSourceError, DataLayerError, OSError):
        return None
    return CRS.from_user_input(wkt) if wkt else None


def _check_shapefile_parts(path: Path) -> None:
    """Raise when the ``.shx`` or ``.dbf`` of a shapefile is not beside it."""
    missing = [
        s
        for s in (".shx", ".dbf")
        if not (path.with_suffix(s).exists() or path.with_suffix(s.upper()).exists())
    ]
    if missing:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    f"the shapefile is incomplete: {' and '.join(missing)} missing beside it.",
                    "copy all the files of the shapefile (.shp, .shx, .dbf, .prj) "
                    "together, or use a GeoPackage.",
                )
            ]
        )


def _read_vector_file(
    path: Path,
    *,
    role: str,
    layer: str | None,
    where: str | None,
    columns: Sequence[str] | None,
    raw_text: bool,
) -> gpd.GeoDataFrame:
    """Read the file (GeoParquet, or any GDAL vector format); library errors become
    :class:`InputDataError`."""
    try:
        if is_geoparquet(path):
            gdf = gpd.read_parquet(path)
            return gdf.query(where) if where else gdf
        open_path = _kmz_path(path) if path.suffix.lower() == ".kmz" else str(path)
        if layer is not None:
            _check_layer_exists(open_path, layer, source=str(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _read_layers(
                open_path, layer=layer, where=where, columns=columns, raw_text=raw_text
            )
    except InputDataError:
        raise
    except ImportError as exc:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    f"reading this format needs an optional package ({exc.name}).",
                    "install coverage-gaps[parquet], or convert to GeoPackage.",
                )
            ]
        ) from None
    except Exception as exc:
        raise InputDataError(
            [_vector_read_problem(exc, source=str(path), role=role, where=where)]
        ) from None


def _check_layer_exists(open_path: str, layer: str, *, source: str) -> None:
    """Raise, listing the layers there are, when the file has no layer ``layer``."""
    layers = [str(n) for n in pyogrio.list_layers(open_path)[:, 0]]
    if layer not in layers:
        raise InputDataError(
            [
                Problem(
                    source,
                    f"layer '{layer}'",
                    "no such layer.",
                    f"use one of the layers in the file: {list_items(layers)}.",
                )
            ]
        )


def _vector_read_problem(exc: Exception, *, source: str, role: str, where: str | None) -> Problem:
    """Why a vector file could not be read: an invalid ``where`` filter, or the file itself."""
    text = " ".join(str(exc).split())
    if where and ("where" in text.lower() or "sql" in text.lower() or "syntax" in text.lower()):
        return Problem(
            source,
            f"where: {where}",
            f"the filter is invalid ({text}).",
            "write an OGR SQL condition, e.g. provinceCode = '19'.",
        )
    return Problem(
        source,
        "",
        f"the file cannot be read as {a_or_an(role)} layer ({text}).",
        "check that it is a complete GeoPackage, shapefile, GeoJSON, "
        "FlatGeobuf, KML or other GDAL vector file; export it again.",
    )


def apply_given_crs(gdf: gpd.GeoDataFrame, crs: str | None, *, source: str) -> gpd.GeoDataFrame:
    """Give the layer the project file's ``crs:``, when there is one, or check it has a CRS.

    The given CRS is set on a layer without one, and overrides the file's when
    that is plainly wrong (metres under degrees, VN-2000 parameters without the
    datum), with a warning. Raises when the layer has no CRS and none is given,
    or when the given one contradicts the file's.
    """
    if crs is None:
        if gdf.crs is None:
            raise InputDataError(
                [
                    Problem(
                        source,
                        "",
                        "the file has no coordinate reference system (CRS).",
                        "add 'crs: EPSG:4326' (or the right code) to this input in the "
                        "project file, or save the file with its CRS (a .prj for shapefiles).",
                    )
                ]
            )
        return gdf
    given, problem = parse_crs(crs, source=source, where="crs")
    if problem or given is None:
        raise InputDataError([problem] if problem else [])
    if gdf.crs is None:
        return gdf.set_crs(given)
    if gdf.crs.equals(given):
        return gdf
    if (gdf.crs.is_geographic and _not_degrees(gdf)) or _vn2000_datum_fix(gdf.crs, given):
        kind = "(degrees), but its coordinates are metres" if gdf.crs.is_geographic else ""
        note = Problem(
            source,
            "crs",
            f"the file says {gdf.crs.name} {kind or '(VN-2000 parameters, datum lost)'}; "
            f"the project file's {given.to_string()} is used instead.",
            "fix or delete the file's .prj (for MapInfo, save it with the VN-2000 datum).",
        )
        warn_problem(note)
        return gdf.set_crs(given, allow_override=True)
    raise InputDataError(
        [
            Problem(
                source,
                "crs",
                f"the project file says {given.to_string()} but the file "
                f"says {gdf.crs.to_string()}.",
                "remove 'crs:' to use the file's CRS, or fix the file's .prj.",
            )
        ]
    )


def read_table(
    path: Path,
    *,
    role: str,
    sheet: str | None = None,
    text_columns: Sequence[str] = (),
    encoding: str | None = None,
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
    df = _read_table_file(
        path, role=role, sheet=sheet, dtypes={c: str for c in text_columns}, encoding=encoding
    )
    if path.suffix.lower() in _EXCEL:
        df = _decode_text(df, encoding or "auto", raw=False, source=src)
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


def _read_table_file(
    path: Path,
    *,
    role: str,
    sheet: str | None,
    dtypes: dict[str, type],
    encoding: str | None,
) -> pd.DataFrame:
    """Read an Excel sheet or a CSV/TSV file; library errors become :class:`InputDataError`."""
    src = str(path)
    try:
        if path.suffix.lower() in _EXCEL:
            return _read_excel(path, sheet=sheet, dtypes=dtypes)
        return _read_csv(path, dtypes=dtypes, encoding=encoding)
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
                    f"the file cannot be read as {a_or_an(role)} table ({text}).",
                    "save it as CSV (UTF-8) or XLSX with one header row.",
                )
            ]
        ) from None


def _read_excel(path: Path, *, sheet: str | None, dtypes: dict[str, type]) -> pd.DataFrame:
    """Read a sheet (the first when ``sheet`` is None); raise, listing the sheets, when
    there is no such sheet."""
    try:
        # only empty cells are missing: a village called "NA" or "null" keeps its name
        return pd.read_excel(
            path, sheet_name=sheet or 0, dtype=dtypes, keep_default_na=False, na_values=[""]
        )
    except ValueError as exc:
        if sheet and "not found" in str(exc).lower():
            import openpyxl  # as pandas does: only to read a workbook (0.1 s to import)

            wb = openpyxl.load_workbook(path, read_only=True)
            names = wb.sheetnames
            wb.close()
            raise InputDataError(
                [
                    Problem(
                        str(path),
                        f"sheet '{sheet}'",
                        "no such sheet.",
                        f"use one of the sheets in the file: {list_items(names)}.",
                    )
                ]
            ) from None
        raise


def _read_csv(path: Path, *, dtypes: dict[str, type], encoding: str | None) -> pd.DataFrame:
    """Read a CSV (separator sniffed) or TSV file, decoded as :func:`_table_text` says."""
    return pd.read_csv(
        io.StringIO(_table_text(path, encoding, source=str(path))),
        sep="\t" if path.suffix.lower() == ".tsv" else None,
        engine="python",
        dtype=dtypes,
        keep_default_na=False,  # only empty cells are missing ("NA" is a name)
        na_values=[""],
        skipinitialspace=True,
    )


# --------------------------------------------------------------------------- Vietnamese data

#: Formats whose text has no reliable encoding declaration (.cpg, MapInfo charset).
_LEGACY_TEXT = (".shp", ".dbf", ".tab", ".mif")


def _table_text(path: Path, encoding: str | None, *, source: str) -> str:
    """The text of a CSV file: decoded with ``encoding``, or detected (``auto``)."""

    raw = path.read_bytes()
    if encoding not in (None, "auto"):
        return decode(raw, encoding, errors="strict" if encoding == "utf-8" else "replace")
    guess = detect_encoding(raw.splitlines())
    text = decode(raw, guess.encoding, errors="replace")
    if guess.encoding != "utf-8":
        warn_problem(
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
    # raw text is read byte for byte (pyogrio's Arrow reader cannot); other files through
    # Arrow: the same frame, three times faster (0.54 -> 0.16 s for 100,000 villages)
    kwargs: dict[str, object] = {"encoding": "ISO-8859-1"} if raw_text else {"use_arrow": True}
    is_kml = open_path.lower().endswith((".kml", ".kmz"))
    names = (
        [str(n) for n in pyogrio.list_layers(open_path)[:, 0]] if is_kml and layer is None else []
    )
    if len(names) <= 1:
        return _empty_text_as_objects(
            pyogrio.read_dataframe(open_path, layer=layer, where=where, columns=columns, **kwargs)
        )
    parts = [
        _empty_text_as_objects(
            pyogrio.read_dataframe(open_path, layer=n, where=where, columns=columns, **kwargs)
        ).assign(kml_folder=n)
        for n in names
    ]
    parts = [p for p in parts if len(p)] or parts[:1]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


def _empty_text_as_objects(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Text columns without a single value (or of no row) as objects (``None``), as
    pyogrio's feature reader gives them (its Arrow reader gives text columns of missing
    values, which do not take ``False`` or ``0`` as a fill value)."""
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.StringDtype) and values.isna().all():
            frame[col] = pd.Series([None] * len(values), index=frame.index, dtype=object)
    return frame


def _decode_text(gdf: pd.DataFrame, encoding: str, *, raw: bool, source: str) -> pd.DataFrame:
    """Decode text columns (see :func:`coverage_gaps.textcodecs.decode_columns`) and
    report an auto-detected legacy encoding."""

    out, guess = decode_columns(gdf, encoding, raw=raw)
    if guess is not None and not guess.ascii_only:
        if guess.encoding != "utf-8" and guess.confidence >= 0.9:
            warn_problem(
                Problem(
                    source,
                    "encoding",
                    f"text read as {guess}, detected by 'encoding: auto'.",
                    f"add 'encoding: {guess.encoding}' to this input to make it explicit, "
                    "or save the file as UTF-8.",
                )
            )
        elif guess.confidence < 0.9:
            warn_problem(
                Problem(
                    source,
                    "encoding",
                    f"the text encoding is uncertain: the best guess is {guess}"
                    + ("; it was used." if raw else "; the text was left as it is."),
                    "check the names, and set 'encoding:' (utf-8, tcvn3, vni, viscii, cp1258).",
                )
            )
    return out


def _vn2000_datum_fix(file_crs: CRS, given: CRS) -> bool:
    """The project names the VN-2000 CRS whose projection a datum-less file CRS has."""

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
