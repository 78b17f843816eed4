"""Every output file format, written one way: CSV, XLSX and GeoPackage.

Reproducible: the same table gives the same bytes. GeoPackages and XLSX files
carry :data:`OUTPUT_DATE` instead of the time of writing.

Spreadsheet-safe: CSV (UTF-8 with BOM) and XLSX that no cell can turn into a formula.

A name such as ``=HYPERLINK("http://x", "click")`` or one starting with ``+``, ``-``, ``@``,
a tab or a carriage return would run as a formula in Excel or LibreOffice. As OWASP's CSV
injection guidance recommends, such text cells (column names included) are prefixed with a
single quote; numbers are left alone. A CSV holding a carriage return inside a cell is
written with every cell quoted, so that no spreadsheet reads it as a line break.

Every CSV and XLSX that coverage-gaps writes goes through :func:`write_csv` and
:func:`write_xlsx`; ``tests/test_exports.py`` runs each table-writing command on hostile
names.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow  # noqa: F401  (GeoPackages go to GDAL as Arrow columns: pyogrio's use_arrow)
import pyogrio
import rasterio
from rasterio.io import MemoryFile

from .csvtext import csv_bytes
from .xlsx import XlsxBook, column_letter, deflate_parts, sheet_parts

__all__ = [
    "OUTPUT_DATE",
    "encode_geotiff",
    "fixed_gdal_date",
    "neutralise",
    "safe_frame",
    "write_csv",
    "write_geoparquet_parts",
    "write_geotiff",
    "write_gpkg",
    "write_workbooks",
    "write_xlsx",
    "zip_entries",
]

#: The date written into every output file's metadata (GeoPackage, XLSX) instead of "now",
#: so that the same inputs give byte-identical files.
OUTPUT_DATE = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
_OUTPUT_DATE_TEXT = OUTPUT_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # rows below the header in one Excel sheet


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with ``'``.

    Examples
    --------
    >>> neutralise("=1+2"), neutralise("Thôn 3"), neutralise(-5)
    ("'=1+2", 'Thôn 3', -5)
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralised (see :func:`neutralise`;
    cells of object, string and categorical columns; the geometry is dropped), column by
    column.

    Examples
    --------
    >>> safe_frame(pd.DataFrame({"a": ["=1", "x", "-"], "b": [1, 2, 3]}))["a"].tolist()
    ["'=1", 'x', "'-"]
    """
    out = pd.DataFrame(df.drop(columns="geometry", errors="ignore")).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
        values = out[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.str.startswith(_DANGEROUS)
            if values.dtype == object:  # non-text cells give NaN: left alone
                text = text.astype(object).where(text.notna(), False).astype(bool)
            else:
                text = text.fillna(False).astype(bool)
            if text.any():
                out[col] = values.where(~text, "'" + values.astype(object).where(text, ""))
    return out.set_axis([neutralise(c) for c in out.columns], axis=1)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (Excel shows Vietnamese correctly), ``\\n`` line ends, formula-safe.

    Cells are quoted where needed; when a text cell holds a carriage return (which the
    ``\\n`` line end would leave unquoted), every cell is.
    """
    frame = safe_frame(df)
    quote_all = _holds_carriage_return(frame)
    text = None if quote_all else csv_bytes(frame)  # pandas' bytes, made by Arrow
    if text is not None:
        Path(path).write_bytes(codecs.BOM_UTF8 + text)
        return
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n",
                 quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)  # fmt: skip


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    texts = [
        frame[c].astype("string").str.contains("\r", regex=False).any()
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])
    ]
    return bool(any(texts)) or any("\r" in str(c) for c in frame.columns)


#: One workbook to write: its path, its sheets (titles of ``sheets`` given to
#: :func:`write_workbooks`) and its legend sheet (rows, title, parameters), if any.
Book = tuple[Path, Sequence[str], "Legend | None"]
Legend = tuple[Sequence[tuple[str, str]], str, Sequence[tuple[str, object]]]


def write_xlsx(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    legend: Sequence[tuple[str, str]] | None = None,
    legend_title: str = "Legend",
    parameters: Sequence[tuple[str, object]] = (),
) -> None:
    """One workbook: each sheet with a bold frozen header, filters and fitted column widths,
    plus an optional legend sheet (column meanings, then the parameters used)."""
    leg = (legend, legend_title, parameters) if legend is not None else None
    write_workbooks([(path, list(sheets), leg)], sheets)


def write_workbooks(books: Sequence[Book], sheets: Mapping[str, pd.DataFrame]) -> None:
    """Several workbooks sharing sheets: each sheet's XML is built once and streamed into
    every workbook that lists it (the carriers' lists and ``all_carriers.xlsx``)."""
    fixed = OUTPUT_DATE.replace(tzinfo=None)
    with contextlib.ExitStack() as stack:
        open_books = [stack.enter_context(XlsxBook(path, date=fixed)) for path, _, _ in books]
        notes: list[list[tuple[str, object]]] = [[] for _ in books]
        order = list(dict.fromkeys(t for _, titles, _ in books for t in titles))
        for title in order:
            users = [i for i, (_, titles, _) in enumerate(books) if title in titles]
            frame = safe_frame(sheets[title])
            if len(frame) > XLSX_MAX_ROWS:  # Excel's limit; the CSV holds every row
                note = f"first {XLSX_MAX_ROWS:,} of {len(frame):,}; see the CSV for all"
                for i in users:
                    notes[i].append((f"{title}: rows", note))
                frame = frame.iloc[:XLSX_MAX_ROWS]
            _stream_sheet([open_books[i] for i in users], _sheet_title(title), frame)
        for book, (_, _, leg), extra in zip(open_books, books, notes, strict=True):
            if leg is not None or extra:
                rows, title, params = leg if leg is not None else ((), "Legend", ())
                _write_legend(book, rows, title, [*params, *extra])


def _stream_sheet(books: Sequence[XlsxBook], title: str, frame: pd.DataFrame) -> None:
    """One table sheet into each of ``books``: the XML is built once, and for several books
    deflated once too (each carrier's list is also a sheet of ``all_carriers.xlsx``)."""
    ref = f"A1:{column_letter(max(len(frame.columns), 1) - 1)}{len(frame) + 1}"
    filter_ref = ref if len(frame.columns) else None
    large = len(frame) * max(len(frame.columns), 1) > 10_000_000
    parts = sheet_parts(frame, widths=_widths(frame), selected=False)
    if len(books) > 1:
        deflated = deflate_parts(parts)
        for book in books:
            book.add_deflated_sheet(title, deflated, filter_ref=filter_ref, large=large)
        return
    for book in books:
        with book.open_sheet(title, filter_ref=filter_ref, large=large) as out:
            for part in parts:
                out.write(part)


def _widths(frame: pd.DataFrame) -> list[float]:
    """Column widths fitted to the header and the first 2,000 values (8 to 60)."""
    head = frame.head(2000).astype(object)
    widths = []
    for col in frame.columns:
        longest = int(head[col].map(str).str.len().max()) if len(head) else 0
        widths.append(float(min(max(max(len(str(col)), longest) + 2, 8), 60)))
    return widths


def _write_legend(
    book: XlsxBook,
    legend: Sequence[tuple[str, str]],
    title: str,
    parameters: Sequence[tuple[str, object]],
) -> None:
    """The legend sheet: column meanings, a blank row, then the parameters and notes."""
    rows: list[tuple[object, object]] = [(name, meaning) for name, meaning in legend]
    if parameters:
        rows.append((None, None))
        rows += [(str(name), _legend_value(value)) for name, value in parameters]
    frame = safe_frame(pd.DataFrame(rows, columns=["name", "meaning"], dtype=object))
    book.write_sheet(_sheet_title(title), sheet_parts(frame, widths=[28, 100], header=False))


def _legend_value(value: object) -> object:
    """A parameter as a cell: numbers stay numbers, anything else becomes text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if isinstance(value, float) and np.isnan(value) else value
    return None if value is None else str(value)


def zip_entries(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """The bytes of an Office file (a zip archive) holding ``entries`` (name, content) in
    order, reproducibly: deflated, each entry stamped :data:`OUTPUT_DATE` and readable by
    its owner only (as :mod:`zipfile` writes entries), the document's "modified" property
    (``docProps/core.xml``) set to that date too.

    Examples
    --------
    >>> data = zip_entries([("a.xml", b"<a/>")])
    >>> data == zip_entries([("a.xml", b"<a/>")])
    True
    >>> zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml").date_time
    (2025, 7, 1, 0, 0, 0)
    """
    stamp = OUTPUT_DATE.replace(tzinfo=None).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in entries:
            if name == "docProps/core.xml":  # python-docx stamps the time of saving
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _OUTPUT_DATE_TEXT.encode() + rb"\g<2>",
                    content,
                )
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # -rw-------
            dst.writestr(info, content)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    bad = "[]:*?/\\"
    clean = "".join("_" if c in bad else c for c in title)
    return clean[:31] or "Sheet"


@contextlib.contextmanager
def fixed_gdal_date() -> Iterator[None]:
    """Make GDAL stamp :data:`OUTPUT_DATE` into the GeoPackages written inside the block."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _OUTPUT_DATE_TEXT})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str, description: str) -> None:
    """One layer in EPSG:4326, with a description and a fixed date (byte-identical reruns),
    handed to GDAL as Arrow columns (no Python object per feature)."""
    frame = gdf.to_crs(4326)
    for col in frame.columns:
        if col != frame.geometry.name and str(frame[col].dtype) in ("boolean", "Int64", "object"):
            # text fields, as pyogrio's feature-by-feature writer made them (not Arrow's guess)
            frame[col] = frame[col].astype(str).where(frame[col].notna(), None)
    with fixed_gdal_date():
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            layer_options={"DESCRIPTION": description[:250]},
            use_arrow=True,
        )


#: Rows per part of a partitioned GeoParquet table written from memory.
PARQUET_PART_ROWS = 250_000


def write_geoparquet_parts(gdf: gpd.GeoDataFrame, folder: Path) -> list[Path]:
    """A large table as a folder of GeoParquet parts (``part-00000.parquet`` ..., EPSG:4326,
    zstd, :data:`PARQUET_PART_ROWS` rows each, in order): what GDAL, QGIS, DuckDB,
    geopandas and dask-geopandas read as one table. The same table gives the same bytes."""
    folder.mkdir()
    frame = gdf.to_crs(4326)
    written = []
    for i, start in enumerate(range(0, max(len(frame), 1), PARQUET_PART_ROWS)):
        path = folder / f"part-{i:05d}.parquet"
        frame.iloc[start : start + PARQUET_PART_ROWS].to_parquet(
            path, index=False, compression="zstd"
        )
        written.append(path)
    return written


def encode_geotiff(array: np.ndarray, *, transform: object, crs: object, nodata: float) -> bytes:
    """One float32 band as the bytes of a tiled (256 × 256), deflate-compressed GeoTIFF;
    NaN cells are written as ``nodata``. No time stamp is written, so the same array gives
    the same bytes. :func:`write_geotiff` writes these bytes; a pipeline that must sample a
    raster before the run's folder exists reads them from memory
    (:meth:`coverage_gaps.results.CoverageLayer.raster_path`).

    ``transform`` is an affine transform; ``crs`` anything rasterio or pyproj understands
    (a pyproj CRS, ``"EPSG:32648"``, WKT).

    Examples
    --------
    >>> from rasterio.transform import from_origin
    >>> data = encode_geotiff(np.array([[1.0, np.nan]]), transform=from_origin(0, 10, 10, 10),
    ...                       crs="EPSG:32648", nodata=-9999.0)
    >>> data[:4] in (b"II*\\x00", b"MM\\x00*")
    True
    """
    data = np.asarray(array, dtype=np.float32)
    if data.ndim != 2:
        raise ValueError("write_geotiff writes one 2-D band")
    if not np.isnan(nodata):
        data = np.where(np.isnan(data), np.float32(nodata), data)
    to_wkt = getattr(crs, "to_wkt", None)
    rio_crs = rasterio.crs.CRS.from_wkt(to_wkt()) if callable(to_wkt) else crs
    height, width = data.shape
    tiled = width >= 256 and height >= 256  # GDAL needs blocks no larger than the image
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": rio_crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 3,
        "tiled": tiled,
        **({"blockxsize": 256, "blockysize": 256} if tiled else {}),
    }
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(data, 1)
        return bytes(mem.getbuffer())


def write_geotiff(
    path: Path, array: np.ndarray, *, transform: object, crs: object, nodata: float
) -> None:
    """One float32 band as a tiled (256 × 256), deflate-compressed GeoTIFF; NaN cells are
    written as ``nodata``. No time stamp is written, so the same array gives the same bytes
    (those of :func:`encode_geotiff`).

    ``transform`` is an affine transform; ``crs`` anything rasterio or pyproj understands
    (a pyproj CRS, ``"EPSG:32648"``, WKT).

    Examples
    --------
    >>> write_geotiff(Path("p.tif"), values, transform=grid.transform, crs=grid.crs,
    ...               nodata=-9999.0)  # doctest: +SKIP
    """
    Path(path).write_bytes(encode_geotiff(array, transform=transform, crs=crs, nodata=nodata))
