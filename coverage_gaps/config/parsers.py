"""The value checks that project-file keys share: CRS names, encodings, carriers, ranges, choices.

Each is a :data:`~coverage_gaps.config.schema.Parser`: it takes a value of an accepted YAML
type and returns the value to keep, or raises :class:`~coverage_gaps.config.schema.Refused`
with what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..vietnam.carriers import normalise_carrier, normalise_technology
from ..vietnam.textcodecs import normalise_encoding_name
from ..vietnam.vn2000 import resolve_crs
from .schema import Issue, Parser, Refused

__all__ = [
    "carrier_name",
    "commune_code_set",
    "crs_name",
    "encoding_name",
    "not_empty",
    "not_negative",
    "one_of",
    "positive",
    "refusing",
    "technology_name",
]


def refusing(normalise: Callable[[Any], Any], *, fix: str = "") -> Parser:
    """``normalise``, its ``ValueError`` becoming the problem.

    Examples
    --------
    >>> refusing(int, fix="write digits.")("12")
    12
    >>> refusing(int, fix="write digits.")("x")
    Traceback (most recent call last):
    ...
    coverage_gaps.config.schema.Refused: invalid literal for int() with base 10: 'x'.
    """

    def parse(value: Any) -> Any:
        try:
            return normalise(value)
        except ValueError as exc:
            raise Refused(Issue(f"{exc}.", fix)) from None

    return parse


#: ``Viettel``, ``452-02`` -> ``VNPT`` ...
carrier_name = refusing(normalise_carrier, fix="give the operator's name, e.g. Viettel.")
#: ``LTE`` -> ``4G`` ...
technology_name = refusing(normalise_technology)


def one_of(*choices: str, what: str, fix: str) -> Parser:
    """The value in lower case, if it is one of ``choices``; ``what`` formats the refused one.

    Examples
    --------
    >>> one_of("vi", "en", what="unknown language '{}'.", fix="")("EN")
    'en'
    """

    def parse(value: Any) -> str:
        text = str(value).lower()
        if text not in choices:
            raise Refused(Issue(what.format(text), fix))
        return text

    return parse


def not_negative(*, fix: str = "") -> Parser:
    """The number as written, if it is 0 or more."""

    def parse(value: float) -> float:
        if value < 0:
            raise Refused(Issue("must not be negative.", fix))
        return value

    return parse


def positive(*, what: str = "must be a positive number.", fix: str = "") -> Parser:
    """The number as a float, if it is more than 0."""

    def parse(value: float) -> float:
        if value <= 0:
            raise Refused(Issue(what, fix))
        return float(value)

    return parse


def not_empty(*, what: str, fix: str) -> Parser:
    """The list, if it has an entry."""

    def parse(value: list[Any]) -> list[Any]:
        if not value:
            raise Refused(Issue(what, fix))
        return value

    return parse


def crs_name(value: str | int) -> str:
    """A CRS as PROJ reads it: ``32648`` -> ``EPSG:32648``; VN-2000 names resolved.

    Examples
    --------
    >>> crs_name(32648), crs_name("EPSG:4326")
    ('EPSG:32648', 'EPSG:4326')
    >>> crs_name("VN-2000 TM-3 Thái Nguyên")
    'EPSG:9213'
    """
    if isinstance(value, int):
        return f"EPSG:{value}"
    if value.strip().lower()[:6] not in ("vn-200", "vn2000"):
        return value
    try:
        crs = resolve_crs(value)
    except ValueError as exc:
        raise Refused(Issue(f"{exc}.", "see the VN-2000 zones in docs/VIETNAM.md.")) from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def encoding_name(value: str) -> str:
    """``auto`` or the Python name of a Vietnamese text encoding (``TCVN3`` -> ``tcvn3``).

    Examples
    --------
    >>> encoding_name(" Auto ")
    'auto'
    """
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        return normalise_encoding_name(value)
    except ValueError as exc:
        raise Refused(
            Issue(f"{exc}.", "write 'encoding: auto' to detect it from the text.")
        ) from None


def commune_code_set(value: str | int) -> str:
    """``2025`` (codes since 1 July 2025) or ``pre-2025`` (older codes).

    Examples
    --------
    >>> commune_code_set(2025), commune_code_set("Pre 2025")
    ('2025', 'pre-2025')
    """
    text = str(value).strip().lower().replace("_", "-").replace(" ", "-")
    if text in ("2025", "pre-2025", "pre2025"):
        return "2025" if text == "2025" else "pre-2025"
    raise Refused(
        Issue(
            f"unknown commune code set '{value}'.",
            "use '2025' (codes since 1 July 2025) or 'pre-2025' (older codes, converted).",
        )
    )
