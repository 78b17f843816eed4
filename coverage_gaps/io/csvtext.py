"""The text of a CSV file made column by column with Arrow: the bytes pandas' ``to_csv``
writes (``index=False``, ``\\n`` line ends, minimal quoting, empty cells for missing
values), without a Python call per cell.

pandas turns a frame into text row by row through Python's :mod:`csv` writer (``str()``
of every cell): 0.9 s for a national village table of 100,000 rows and 22 columns. Here
each column becomes one Arrow string array (numbers formatted as pandas formats them, text
quoted where Python's writer quotes it), the columns are joined row-wise in C, and the
bytes are taken from the joined array's buffer: 0.1 s for the same table, byte for byte
the same file (``tests/test_csvtext.py`` compares them on every kind of column).

A frame with a column of another kind (mixed objects, dates, categories), with text
holding a carriage return, or with a single column returns None: the caller writes it with
pandas.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["csv_bytes", "float_text"]

#: Text arrays with 64-bit offsets: a national table's text passes 2 GB.
_TEXT = pa.large_string()
#: Characters that make Python's writer quote a cell (delimiter, quote, line end).
_NEEDS_QUOTES = r'[,"\n]'


def csv_bytes(frame: pd.DataFrame) -> bytes | None:
    """The UTF-8 text (no BOM) pandas writes for ``frame.to_csv(index=False,
    lineterminator="\\n")``; None when pandas should write it (a column of a kind not
    handled here, text holding a carriage return, a single column).

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["Thôn 1", "Bản A, B", None], "n": [1, 2, 3],
    ...                       "x": [0.5, np.nan, 1e-7], "ok": [True, False, True]})
    >>> csv_bytes(frame).decode()
    'name,n,x,ok\\nThôn 1,1,0.5,True\\n"Bản A, B",2,,False\\n,3,1e-07,True\\n'
    >>> csv_bytes(frame) == frame.to_csv(index=False, lineterminator="\\n").encode()
    True
    """
    if frame.shape[1] < 2:  # a lone empty cell is quoted: pandas knows the rules
        return None
    columns = [_column_text(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if any(c is None for c in columns):
        return None
    columns = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
    if not len(frame):
        return header.getvalue().encode("utf-8")
    rows = pc.binary_join_element_wise(*columns, _text(","))
    rows = pc.binary_join_element_wise(rows, _text(""), _text("\n"))  # each row ends in \n
    return header.getvalue().encode("utf-8") + _utf8_bytes(rows)


def _column_text(column: pd.Series) -> pa.Array | None:
    """One column as the text of its cells (missing: empty); None for an unhandled kind."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        if not dtype.isnative:  # Arrow takes no byte-swapped arrays
            return None
        values = column.to_numpy()
        if dtype.kind == "b":
            return _words(pa.array(values))
        if dtype.kind in "iu":
            return pc.cast(pa.array(values), _TEXT)
        if dtype == np.float64:
            return float_text(values)
        if dtype.kind == "f":  # numpy's shortest text for the narrower type
            text = values.astype(str)
            text[np.isnan(values)] = ""
            return pa.array(text, type=_TEXT)
        return None
    if isinstance(dtype, pd.StringDtype):
        text = pc.fill_null(pa.array(column.array, type=_TEXT), "")
        if pc.any(pc.match_substring(text, "\r")).as_py():
            return None  # quoted or not depending on Python's version: pandas decides
        return _quoted(text)
    if isinstance(dtype, pd.BooleanDtype):
        return pc.fill_null(_words(pa.array(column.array, type=pa.bool_())), "")
    if isinstance(dtype, (pd.Int64Dtype, pd.Int32Dtype, pd.Int16Dtype, pd.Int8Dtype)):
        return pc.fill_null(pc.cast(pa.array(column.array), _TEXT), "")
    return None


def float_text(values: np.ndarray) -> pa.Array:
    """Floats as pandas writes them (numpy's ``astype(str)``, Python's ``repr``: the shortest
    digits that read back the same number; positional from 1e-4 to 1e16, with ``.0`` on
    whole numbers; else with an exponent), missing ones empty.

    Arrow's cast gives the same shortest digits, 3 times faster, but places them by other
    rules (``1e-7``, ``123``): its text is kept where it is positional and the number is in
    Python's positional range (``.0`` added to whole numbers); the other numbers (tiny, huge,
    infinite, NaN) are formatted by numpy.

    Examples
    --------
    >>> values = np.array([105.25, 3.0, -0.0, 1e-7, 1e16, 0.1 + 0.2, np.nan, np.inf])
    >>> float_text(values).to_pylist()
    ['105.25', '3.0', '-0.0', '1e-07', '1e+16', '0.30000000000000004', '', 'inf']
    >>> [str(v) for v in values[:6]]
    ['105.25', '3.0', '-0.0', '1e-07', '1e+16', '0.30000000000000004']
    """
    text = pc.cast(pa.array(values), _TEXT)
    size = np.abs(values)
    in_range = ((size >= 1e-4) & (size < 1e16)) | (values == 0)  # NaN: False
    positional = pc.and_(pa.array(in_range), pc.invert(pc.match_substring(text, "e")))
    whole = pc.and_(positional, pc.invert(pc.match_substring(text, ".")))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, _text(".0"), _text("")), text)
    others = ~positional.to_numpy(zero_copy_only=False)
    if not others.any():
        return text
    rest = values[others].astype(str)
    rest[np.isnan(values[others])] = ""
    return pc.replace_with_mask(text, pa.array(others), pa.array(rest, type=_TEXT))


def _words(flags: pa.Array) -> pa.Array:
    """``True``/``False`` (missing stays missing), as Python writes booleans."""
    return pc.if_else(flags, _text("True"), _text("False"))


def _quoted(text: pa.Array) -> pa.Array:
    """Text cells quoted as Python's writer quotes them: within ``"``, inner quotes doubled,
    when they hold a comma, a quote or a line end."""
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    doubled = pc.replace_substring(text, '"', '""')
    wrapped = pc.binary_join_element_wise(_text('"'), doubled, _text('"'), _text(""))
    return pc.if_else(needs, wrapped, text)


def _text(value: str) -> pa.Scalar:
    """A text scalar of the arrays' type (Arrow's kernels want one type throughout)."""
    return pa.scalar(value, _TEXT)


def _utf8_bytes(strings: pa.Array) -> bytes:
    """The characters of a string array, one after the other, from its data buffer."""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)
    start, end = offsets[strings.offset], offsets[strings.offset + len(strings)]
    return strings.buffers()[2][start:end].to_pybytes()
