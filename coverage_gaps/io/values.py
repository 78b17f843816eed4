"""Values as they arrive in spreadsheets: coordinates in any notation, yes/no in
Vietnamese or English.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["parse_coordinates", "truthy"]

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
