"""Numbers written the Vietnamese or the English way.

Vietnamese groups thousands with ``.`` and writes decimals after ``,`` (1.234,5); English
does the opposite (1,234.5).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["format_number", "format_numbers"]

#: Swaps the English separators for the Vietnamese ones in one pass.
_VIETNAMESE_SEPARATORS = str.maketrans({",": ".", ".": ","})


def format_number(value: float, *, lang: str, decimals: int = 0) -> str:
    """`value` rounded to `decimals` places, with thousands grouped, for readers of `lang`.

    Parameters
    ----------
    value
        The number; NaN gives an empty string.
    lang
        ``"vi"`` for Vietnamese separators; any other language gets the English ones (as
        the labels of :mod:`coverage_gaps.outputs.i18n` do).
    decimals
        Digits after the decimal separator (rounded half to even, as Python formats).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(1234.5, lang="vi", decimals=1)
    '1.234,5'
    >>> format_number(1234.5, lang="en", decimals=1)
    '1,234.5'
    >>> format_number(1234, lang="vi")
    '1.234'
    >>> format_number(1234567.891, lang="vi", decimals=2)
    '1.234.567,89'
    >>> format_number(0.25, lang="en", decimals=2)
    '0.25'
    >>> format_number(float("nan"), lang="vi")
    ''
    """
    if math.isnan(value):
        return ""
    text = f"{value:,.{decimals}f}"
    return text.translate(_VIETNAMESE_SEPARATORS) if lang == "vi" else text


def format_numbers(values: np.ndarray, *, lang: str, decimals: int = 0) -> np.ndarray:
    """:func:`format_number` of each of `values`, as an object array of strings.

    Each distinct value is written once (a ranked list repeats populations and distances).

    Examples
    --------
    >>> format_numbers(np.array([1234.5, 2.0, 1234.5, np.nan]), lang="vi", decimals=1).tolist()
    ['1.234,5', '2,0', '1.234,5', '']
    """
    values = np.asarray(values, dtype=float)
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = np.array(
        [format_number(v, lang=lang, decimals=decimals) for v in distinct.tolist()], dtype=object
    )
    return texts[inverse.reshape(-1)] if len(values) else np.zeros(0, dtype=object)
