"""Numbers as people read them: Vietnamese ``1.234,5`` or English ``1,234.5``.

Vietnamese writes a dot between thousands and a comma before the decimals (TCVN and
government documents); English the other way round. Every output that prints a number
for people (the map, the report, the priority reasons) formats it here, so the two
languages never mix in one document.
"""

from __future__ import annotations

from numbers import Integral

__all__ = ["format_number"]

#: Thousands and decimal separators per language.
_SEPARATORS = {"vi": (".", ","), "en": (",", ".")}


def format_number(value: float, *, lang: str, decimals: int = 0) -> str:
    """``value`` with thousands grouped and ``decimals`` decimals, in ``lang`` (vi or en).

    Parameters
    ----------
    value
        The number (an int, a float or a numpy scalar).
    lang
        ``"vi"`` (``1.234,5``) or ``"en"`` (``1,234.5``).
    decimals
        Digits after the decimal separator (rounded half to even, as Python's format).

    Raises
    ------
    ValueError
        For another language or a negative ``decimals``.

    Examples
    --------
    >>> format_number(1234.5, lang="vi", decimals=1)
    '1.234,5'
    >>> format_number(1234.5, lang="en", decimals=1)
    '1,234.5'
    >>> format_number(1234567, lang="vi")
    '1.234.567'
    >>> format_number(-9876.543, lang="en", decimals=2)
    '-9,876.54'
    >>> format_number(999, lang="vi")
    '999'
    >>> format_number(12345678901234567890, lang="en")
    '12,345,678,901,234,567,890'
    """
    try:
        thousands, point = _SEPARATORS[lang]
    except KeyError:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}") from None
    if decimals < 0:
        raise ValueError(f"decimals must be 0 or more, not {decimals}")
    # integers exactly (a float has 53 bits), everything else rounded to ``decimals``
    exact = isinstance(value, Integral) and decimals == 0
    text = f"{int(value):,}" if exact else f"{value:,.{decimals}f}"
    return text.translate({ord(","): thousands, ord("."): point})
