"""Vietnamese data as it really arrives: VN-2000 coordinates, legacy text encodings,
place names, the pre-2025 commune codes and the carriers' names.

This package depends only on the error types, so every other layer may use it.
"""

from .carriers import TECHNOLOGIES, carrier_slug, normalise_carrier, normalise_technology
from .crosswalk import Crosswalk, compare_crosswalks, convert_codes
from .names import fold, match_names, name_key, strip_diacritics
from .textcodecs import EncodingGuess, detect_encoding
from .vn2000 import check_datum, export_crs, find_coordinate_faults, resolve_crs, tm3_crs

__all__ = [
    "TECHNOLOGIES",
    "Crosswalk",
    "EncodingGuess",
    "carrier_slug",
    "check_datum",
    "compare_crosswalks",
    "convert_codes",
    "detect_encoding",
    "export_crs",
    "find_coordinate_faults",
    "fold",
    "match_names",
    "name_key",
    "normalise_carrier",
    "normalise_technology",
    "resolve_crs",
    "strip_diacritics",
    "tm3_crs",
]
