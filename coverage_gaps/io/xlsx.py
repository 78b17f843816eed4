"""A streaming XLSX writer that builds a sheet column by column with numpy.

Why not a library: measured on this project's lists (66,000 rows x 28 columns), openpyxl costs
about 15 µs of CPU per cell, xlsxwriter in constant-memory mode about 10 µs and pyexcelerate
about 7.5 µs (``benchmarks/RESULTS.md``): 14 to 28 s for one national run's lists. Here each
column becomes a fixed-width byte matrix (cell reference, value, closing tag; strings
escaped once per distinct value), the columns are laid side by side and the padding is
dropped in one pass, so no Python code runs per cell. Rows are written in chunks, so memory
stays bounded whatever the number of rows.

What is written: one worksheet part per sheet with inline strings (so one sheet's XML can be
streamed into several workbooks), a bold frozen header row, an auto-filter over the table and
column widths; a workbook part with the filter ranges as ``_xlnm._FilterDatabase`` names; a
minimal style sheet; document properties with a fixed date. A text cell is always
``t="inlineStr"``: the writer never emits a formula, whatever the text (formula-looking text is
also prefixed with ``'`` by :func:`coverage_gaps.io.writers.safe_frame`).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .csvtext import float_text

__all__ = ["DeflatedPart", "XlsxBook", "column_letter", "deflate_parts", "sheet_parts"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Bytes of sheet XML built at once (the matrix of one chunk of rows).
CHUNK_BYTES = 8 * 2**20
#: Characters XML 1.0 does not allow, and text that Excel would read as an escape.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
#: :data:`_ILLEGAL` for Arrow's regular expressions (RE2: no look-ahead), to find the texts
#: that need it.
_ILLEGAL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]|_x[0-9A-Fa-f]{4}_"
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """Excel's letters of a 0-based column index.

    Examples
    --------
    >>> column_letter(0), column_letter(27), column_letter(702)
    ('A', 'AB', 'AAA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape_many(texts: list[str]) -> pa.StringArray:
    """XML-escaped ``texts``: ``&<>`` as entities (replaced by Arrow), characters XML forbids
    as ``_xHHHH_`` (by Python's regular expression, in the rare text that holds one).

    >>> _escape_many(["a<b & c", "bell\\x07", "_x0041_"]).to_pylist()
    ['a&lt;b &amp; c', 'bell_x0007_', '_x005F_x0041_']
    """
    arr = pa.array(texts, type=pa.string())
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        arr = pc.replace_substring(arr, char, entity)
    odd = pc.match_substring_regex(arr, _ILLEGAL_RE2).to_numpy(zero_copy_only=False)
    if not odd.any():
        return arr
    fixed = np.asarray(arr.to_pylist(), dtype=object)
    fixed[odd] = [
        _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", t) for t in fixed[odd].tolist()
    ]
    return pa.array(fixed.tolist(), type=pa.string())


def _utf8_matrix(arr: pa.StringArray) -> np.ndarray:
    """The UTF-8 bytes of each text as a ``(n, width)`` uint8 matrix padded with NUL, read
    from Arrow's buffers (as :func:`_as_matrix` of the encoded texts)."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2] or b"", dtype=np.uint8)
    lengths = np.diff(offsets)
    out = np.zeros((n, max(int(lengths.max(initial=0)), 1)), np.uint8)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(len(rows)) - np.repeat(offsets[:-1] - offsets[0], lengths)
    out[rows, cols] = data[offsets[0] : offsets[-1]]
    return out


def _as_matrix(values: np.ndarray) -> np.ndarray:
    """A fixed-width bytes array as a ``(n, width)`` uint8 matrix (padding is NUL)."""
    values = np.ascontiguousarray(values)
    return values.view(np.uint8).reshape(len(values), values.dtype.itemsize)


def _constant(data: bytes, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(data, np.uint8), (n, len(data)))


def _string_cells(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Value bytes (``<is><t>..</t></is>``, per distinct text) and the missing mask."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [str(t) for t in np.asarray(uniques, dtype=object).tolist()]
    # leading or trailing white space is kept by Excel only when the cell says so
    spaced = pa.array([t[:1].isspace() or t[-1:].isspace() for t in texts], type=pa.bool_())
    opening = pc.if_else(spaced, '<is><t xml:space="preserve">', "<is><t>")
    cells = pc.binary_join_element_wise(opening, _escape_many(texts), "</t></is>", "")
    table = _utf8_matrix(cells.cast(pa.string())) if texts else np.zeros((1, 1), np.uint8)
    # an empty text is a blank cell, as openpyxl leaves it
    empty = np.append(np.array([t == "" for t in texts], dtype=bool), True)
    return table[np.maximum(codes, 0)], empty[codes]


def _number_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shortest round-trip text of numbers (numpy's own formatting, as the CSVs write
    floats: :func:`~.csvtext.float_text`) and the missing mask; the matrix is as wide as
    the longest text (numpy's fixed-width text padded every cell to 24 bytes, carried
    through the rows' XML).

    Examples
    --------
    >>> mat, missing = _number_text(np.array([1.5, np.nan, 1e20, 3.0]))
    >>> [bytes(r).rstrip(bytes(1)) for r in mat], missing.tolist()
    ([b'1.5', b'0.0', b'1e+20', b'3.0'], [False, True, False, False])
    """
    if values.dtype.kind in "iu":
        return _utf8_matrix(pc.cast(pa.array(values), pa.string())), np.zeros(len(values), bool)
    floats = values.astype(np.float64)
    missing = ~np.isfinite(floats)
    text = float_text(np.where(missing, 0.0, floats)).cast(pa.string())
    return _utf8_matrix(text), missing


def _mixed_cells(values: pd.Series) -> list[tuple[bytes, np.ndarray, np.ndarray]]:
    """Cells of a column mixing text, numbers and booleans (small tables: the legend):
    one (type attribute, value matrix, mask) per kind of value present."""
    obj = values.to_numpy(dtype=object)
    kind = (
        np.array(
            [
                "n"
                if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                else "b"
                if isinstance(v, (bool, np.bool_))
                else "s"
                for v in obj
            ]  # fmt: skip
        )
        if len(obj)
        else np.empty(0, dtype=str)
    )
    missing = pd.isna(values).to_numpy(bool)
    parts: list[tuple[bytes, np.ndarray, np.ndarray]] = []
    numbers = (kind == "n") & ~missing
    if numbers.any():
        num = np.where(numbers, obj, 0).astype(np.float64)
        mat, bad = _number_text(num)
        parts.append((b"", mat, numbers & ~bad))
    booleans = (kind == "b") & ~missing
    if booleans.any():
        parts.append(_boolean_cells(np.where(booleans, obj, False).astype(bool), booleans))
    texts = (kind == "s") & ~missing
    if texts.any():
        mat, blank = _string_cells(pd.Series(np.where(texts, obj, ""), dtype=object).astype(str))
        parts.append((b' t="inlineStr"', mat, texts & ~blank))
    return parts


def _column_kinds(values: pd.Series) -> list[tuple[bytes, np.ndarray, np.ndarray]]:
    """One or more (type attribute, value matrix, present mask) covering a column."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        if dtype.kind == "b":
            return [_boolean_cells(values.to_numpy(bool), np.ones(len(values), bool))]
        mat, missing = _number_text(values.to_numpy())
        return [(b"", mat, ~missing)]
    missing = pd.isna(values).to_numpy(bool)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_string_dtype(dtype) and inferred in ("string", "empty"):
        mat, blank = _string_cells(values)
        return [(b' t="inlineStr"', mat, ~blank)]
    if inferred == "boolean":
        bits = values.astype(object).where(~missing, False).astype(bool).to_numpy()
        return [_boolean_cells(bits, ~missing)]
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        numbers = pd.to_numeric(values.astype(object).where(~missing, np.nan)).to_numpy(float)
        mat, bad = _number_text(numbers)
        return [(b"", mat, ~bad)]
    return _mixed_cells(values)


def _boolean_cells(bits: np.ndarray, present: np.ndarray) -> tuple[bytes, np.ndarray, np.ndarray]:
    return b' t="b"', _as_matrix(np.where(bits, b"1", b"0").astype("S1")), present


def _column_block(values: pd.Series, letter: bytes, rows: np.ndarray) -> np.ndarray:
    """The cells of one column for one chunk of rows, as a NUL-padded byte matrix."""
    n = len(values)
    blocks = []
    for attr, value, present in _column_kinds(values):
        head = _constant(b'<c r="' + letter, n)
        mid = _constant(
            b'"' + attr + b"><v>" if attr != b' t="inlineStr"' else b'"' + attr + b">", n
        )
        tail = _constant(b"</v></c>" if attr != b' t="inlineStr"' else b"</c>", n)
        cells = np.concatenate([head, rows, mid, value, tail], axis=1)
        cells[~present] = 0
        blocks.append(cells)
    if not blocks:
        return np.zeros((n, 0), np.uint8)
    if len(blocks) == 1:
        return blocks[0]
    return np.concatenate(blocks, axis=1)  # at most one kind per cell is present


def _rows_xml(frame: pd.DataFrame, first_row: int) -> bytes:
    """``<row>`` elements of ``frame``, the first numbered ``first_row`` (1-based)."""
    n = len(frame)
    rows = _as_matrix(np.arange(first_row, first_row + n).astype("S10"))
    parts = [_constant(b'<row r="', n), rows, _constant(b'">', n)]
    for j, name in enumerate(frame.columns):
        parts.append(_column_block(frame[name], column_letter(j).encode(), rows))
    parts.append(_constant(b"</row>", n))
    return np.concatenate(parts, axis=1).tobytes().translate(None, b"\x00")


def _header_xml(columns: Sequence[str]) -> bytes:
    names = _escape_many([str(c) for c in columns]).to_pylist()
    cells = "".join(
        f'<c r="{column_letter(j)}1" s="1" t="inlineStr"><is><t xml:space="preserve">'
        f"{name}</t></is></c>"
        for j, name in enumerate(names)
    )
    return f'<row r="1">{cells}</row>'.encode()


def sheet_parts(
    frame: pd.DataFrame,
    *,
    widths: Sequence[float] | None = None,
    header: bool = True,
    selected: bool = False,
) -> Iterator[bytes]:
    """The worksheet XML of ``frame``, in chunks: with a header, a bold frozen header row
    and an auto-filter over the table (``header=False``: the rows only, no filter)."""
    ncols = len(frame.columns)
    last = f"{column_letter(max(ncols, 1) - 1)}{len(frame) + int(header)}"
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        if header
        else ""
    )
    tab = ' tabSelected="1"' if selected else ""
    cols = "".join(
        f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>'
        for j, w in enumerate(widths or [], start=1)
    )
    yield (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
        f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
        "<sheetData>"
    ).encode()
    if header:
        yield _header_xml([str(c) for c in frame.columns])
    step = max(1, CHUNK_BYTES // (32 + 64 * ncols))
    for start in range(0, len(frame), step):
        yield _rows_xml(frame.iloc[start : start + step], start + 1 + int(header))
    tail = f'<autoFilter ref="A1:{last}"/>' if header and ncols else ""
    yield (
        f'</sheetData>{tail}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        'header="0.3" footer="0.3"/></worksheet>'
    ).encode()


@dataclass(frozen=True)
class DeflatedPart:
    """A part's XML deflated once (:func:`deflate_parts`): what a zip entry holds, so several
    workbooks can take the same sheet without compressing it again.

    Attributes
    ----------
    chunks
        The raw deflate stream, in pieces (joined only by the file they are written to).
    crc
        The CRC-32 of the XML.
    size
        The XML's length in bytes.
    level
        The zlib level it was deflated at (a book takes only its own level).
    """

    chunks: list[bytes]
    crc: int
    size: int
    level: int

    @property
    def compressed_size(self) -> int:
        """Bytes of the deflate stream."""
        return sum(len(c) for c in self.chunks)


def deflate_parts(parts: Iterable[bytes], *, level: int = 1) -> DeflatedPart:
    """Deflate a part's XML as :mod:`zipfile` does for an entry (raw deflate at ``level``,
    the parts fed in order, one flush at the end), with its CRC-32 and size.

    Examples
    --------
    >>> part = deflate_parts([b"<a>", b"</a>"])
    >>> zlib.decompress(b"".join(part.chunks), -15), part.size, part.crc == zlib.crc32(b"<a></a>")
    (b'<a></a>', 7, True)
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    chunks: list[bytes] = []
    crc = size = 0
    for data in parts:
        crc = zlib.crc32(data, crc)
        size += len(data)
        chunk = compressor.compress(data)
        if chunk:
            chunks.append(chunk)
    chunks.append(compressor.flush())
    return DeflatedPart(chunks, crc, size, level)


class XlsxBook:
    """One workbook being written: sheets are streamed in one at a time.

    Examples
    --------
    >>> import datetime as dt, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> frame = pd.DataFrame({"name": ["=1+2", "Thôn 3"], "n": [1, 2]})
    >>> with XlsxBook(path, date=dt.datetime(2025, 7, 1)) as book:
    ...     book.write_sheet("S", sheet_parts(frame, widths=[10, 8]), filter_ref="A1:B3")
    >>> import openpyxl
    >>> [c.value for c in openpyxl.load_workbook(path)["S"]["A"]]
    ['name', '=1+2', 'Thôn 3']
    """

    def __init__(self, path: Path, *, date: dt.datetime, level: int = 1) -> None:
        self._date = date
        self._level = level
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level)
        self._sheets: list[tuple[str, str | None]] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        # the level goes on the entry (public as ``compress_level`` from Python 3.13): zipfile
        # applies its own ``compresslevel`` only to entries it names itself, so a ZipInfo of
        # ours was compressed at zlib's default (6), 2.3x slower than 1 for 26 % smaller sheets
        info._compresslevel = self._level  # type: ignore[attr-defined]
        info.external_attr = 0o600 << 16
        return info

    def open_sheet(self, title: str, *, filter_ref: str | None = None, large: bool = False):
        """A writable stream for the next sheet's XML (see :func:`sheet_parts`)."""
        self._sheets.append((title, filter_ref))
        name = f"xl/worksheets/sheet{len(self._sheets)}.xml"
        return self._zip.open(self._info(name), "w", force_zip64=large)

    def add_deflated_sheet(
        self, title: str, part: DeflatedPart, *, filter_ref: str | None = None,
        large: bool = False,
    ) -> None:  # fmt: skip
        """The next sheet from XML deflated beforehand (:func:`deflate_parts`, at this book's
        level): the entry :meth:`open_sheet` would write for the same XML, byte for byte,
        without compressing it again.

        :mod:`zipfile` has no public way to store data compressed elsewhere: the entry is
        written as its ``ZipFile.open(..., "w")`` writes one to a seekable file (its local
        header, the data, the entry listed for the central directory), through the same
        attributes; ``tests/test_writers.py`` holds the bytes equal to :meth:`open_sheet`'s.
        """
        if part.level != self._level:
            raise ValueError(
                f"the part was deflated at level {part.level}, the book writes {self._level}"
            )
        self._sheets.append((title, filter_ref))
        info = self._info(f"xl/worksheets/sheet{len(self._sheets)}.xml")
        info.flag_bits = 0
        info.CRC, info.file_size, info.compress_size = part.crc, part.size, part.compressed_size
        zf = self._zip
        if zf._writing:  # type: ignore[attr-defined]
            raise ValueError("another entry of the workbook is still being written")
        zf.fp.seek(zf.start_dir)  # type: ignore[union-attr]
        info.header_offset = zf.fp.tell()  # type: ignore[union-attr]
        zf._writecheck(info)  # type: ignore[attr-defined]
        zf._didModify = True  # type: ignore[attr-defined]
        zf.fp.write(info.FileHeader(large))  # type: ignore[union-attr]
        for chunk in part.chunks:
            zf.fp.write(chunk)  # type: ignore[union-attr]
        zf.start_dir = zf.fp.tell()  # type: ignore[union-attr]
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info

    def write_sheet(
        self, title: str, parts: Iterator[bytes], *, filter_ref: str | None = None
    ) -> None:
        """Write a whole sheet from its XML parts."""
        with self.open_sheet(title, filter_ref=filter_ref) as out:
            for part in parts:
                out.write(part)

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self._finish()
        self._zip.close()

    def _finish(self) -> None:
        """The workbook, relationships, content types, styles and document properties."""
        for name, text in self._package_parts():
            self._zip.writestr(self._info(name), text.encode("utf-8"))

    def _package_parts(self) -> list[tuple[str, str]]:
        n = len(self._sheets)
        stamp = self._date.strftime("%Y-%m-%dT%H:%M:%SZ")
        sheets = "".join(
            f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (t, _) in enumerate(self._sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quoted(t))}!{_absolute(ref)}</definedName>"
            for i, (t, ref) in enumerate(self._sheets)
            if ref
        )
        workbook = (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            f"</bookViews><sheets>{sheets}</sheets>"
            f"{f'<definedNames>{names}</definedNames>' if names else ''}"
            '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )
        ws_type = f"{_REL}/worksheet"
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{ws_type}" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        ct = "application/vnd.openxmlformats-officedocument"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        return [
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'),
            ("xl/styles.xml", _STYLES),
            ("docProps/core.xml", _core(stamp)),
            ("docProps/app.xml", f'{_XML}<Properties xmlns="{_REL.replace("relationships", "extended-properties")}"><Application>coverage-gaps</Application></Properties>'),
            ("_rels/.rels", _root_rels()),
            ("[Content_Types].xml", _content_types(overrides, ct)),
        ]  # fmt: skip


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """``A1:AB10`` as ``$A$1:$AB$10``."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


def _core(stamp: str) -> str:
    return (
        f"{_XML}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>coverage-gaps'
        f'</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _root_rels() -> str:
    props = "http://schemas.openxmlformats.org/package/2006/relationships/metadata"
    return (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{props}/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )


def _content_types(overrides: str, ct: str) -> str:
    return (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
        "</Types>"
    )
