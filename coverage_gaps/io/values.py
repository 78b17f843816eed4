"""Values as they arrive in spreadsheets: coordinates in any notation, yes/no in
Vietnamese or English.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["LOCAL_TIMEZONE", "parse_coordinates", "parse_times", "truthy"]

_TRUE = {"1", "true", "yes", "y", "x", "có", "co", "c", "t", "đ", "d", "có điện", "co dien"}


_FALSE = {"0", "false", "no", "n", "không", "khong", "k", "f", "chưa", "chua"}


def truthy(values: pd.Series) -> np.ndarray:
    """1 / 0 / 0.5 (unknown) from yes/no-like values in Vietnamese or English."""
    text = values.astype("string").str.strip().str.lower().fillna("")
    out = np.full(len(values), 0.5)
    out[text.isin(_TRUE).to_numpy()] = 1.0
    out[text.isin(_FALSE).to_numpy()] = 0.0
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    out[np.isfinite(numeric)] = (numeric[np.isfinite(numeric)] > 0).astype(float)
    return out


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


#: Local time of Vietnam (UTC+7, no daylight saving): times without an offset are read in it.
LOCAL_TIMEZONE = "Asia/Ho_Chi_Minh"

#: Day 0 of spreadsheet serial dates (Excel's 1900 system, as LibreOffice and Google Sheets).
_SPREADSHEET_EPOCH = pd.Timestamp("1899-12-30")
#: Serial dates from 1900-01-01 to 9999-12-31; a number below 1 is a time of day, not a date.
_SERIAL_MIN, _SERIAL_MAX = 1.0, 2958466.0
_ISO_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_ISO_OFFSET = r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)"


def parse_times(values: pd.Series, *, timezone: str = LOCAL_TIMEZONE) -> pd.Series:
    """UTC times, to the second, from ISO 8601 text or spreadsheet serial dates.

    A time without an offset is local time in ``timezone`` (Vietnam's by default); one with
    an offset (``+07:00``, ``+0700``, ``+07``, ``Z``) is read as written. Numbers are
    spreadsheet serial dates (days since 1899-12-30, the fraction being the time of day);
    date cells of an Excel sheet arrive as dates and are local times too. A date without a
    time of day, a time without a date, or any other text is ``NaT``.

    Examples
    --------
    >>> values = pd.Series(["2025-10-03 23:50", "2025-10-03T23:50+08:00", 45933.5, "3/10/2025"],
    ...                    dtype=object)
    >>> [str(t) for t in parse_times(values)]
    ['2025-10-03 16:50:00+00:00', '2025-10-03 15:50:00+00:00', '2025-10-03 05:00:00+00:00', 'NaT']
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s, UTC]")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.floor("s").astype(out.dtype)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _local_to_utc(values, timezone).astype(out.dtype)
    if pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != bool:
        return _serial_times(values, timezone).astype(out.dtype)
    text = values.astype("string").str.strip()
    clock = text.str.contains(":", regex=False).fillna(False).to_numpy(dtype=bool)
    if clock.any():
        out[clock] = _iso_times(text[clock], timezone).astype(out.dtype)
    rest = ~clock & text.notna().to_numpy(dtype=bool)
    if rest.any():  # spreadsheet serial numbers written as text
        numbers = pd.to_numeric(text[rest].str.replace(",", ".", regex=False), errors="coerce")
        out[rest] = _serial_times(numbers, timezone).astype(out.dtype)
    return out


def _iso_times(text: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 date-times to UTC: one pass when all are local or share one offset."""
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except ValueError:  # local times and offsets mixed, or several offsets
        return _mixed_iso_times(text, timezone)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC").dt.floor("s")
    return _local_to_utc(parsed, timezone)


def _mixed_iso_times(text: pd.Series, timezone: str) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s, UTC]")
    naive = text.str.fullmatch(_ISO_TIME).fillna(False).to_numpy(dtype=bool)
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = _local_to_utc(local, timezone).astype(out.dtype)
    offset = text.str.fullmatch(_ISO_TIME + _ISO_OFFSET).fillna(False).to_numpy(dtype=bool)
    if offset.any():
        given = pd.to_datetime(text[offset], format="ISO8601", utc=True, errors="coerce")
        out[offset] = given.dt.floor("s").astype(out.dtype)
    return out


def _serial_times(numbers: pd.Series, timezone: str) -> pd.Series:
    """Spreadsheet serial dates (local time) to UTC; NaT outside 1900-9999."""
    serial = numbers.where((numbers >= _SERIAL_MIN) & (numbers < _SERIAL_MAX))
    local = _SPREADSHEET_EPOCH + pd.to_timedelta(serial, unit="D").dt.round("s")
    return _local_to_utc(local, timezone)


def _local_to_utc(local: pd.Series, timezone: str) -> pd.Series:
    """Naive local times to UTC, to the second."""
    return local.dt.floor("s").dt.tz_localize(timezone).dt.tz_convert("UTC")
