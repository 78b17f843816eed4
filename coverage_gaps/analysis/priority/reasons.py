"""The plain-language reason given for each listed village, in Vietnamese or English.

For example ``"480 người, chỉ có 2G, cách trạm 4G Viettel gần nhất 2,3 km, gần trường học"``.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from ...config.priority import PrioritySpec
from ...vietnam.numbers import format_number, format_numbers

__all__ = ["village_reasons"]

#: Columns of the ranked table the reasons are made from, as text and as numbers.
_TEXT_COLUMNS = ("need", "best_mobile", "assignment_basis", "carrier", "facility")
_NUMBER_COLUMNS = (
    "population",
    "distance_km",
    "fibre_distance_m",
    "score_importance",
    "score_readiness",
)
#: The phrases of a reason, by language. ``severity`` is keyed by the best technology.
_PHRASES: dict[str, dict[str, str]] = {
    "vi": {
        "people": "{n} người",
        "site": "cách trạm {tech} {carrier} gần nhất {km} km",
        "fibre": "cáp quang cách {km} km (quá {reach} km)",
        "no_fibre": "chưa có cáp quang",
        "near": "gần {facility}",
        "facility": "cơ sở công cộng",
        "no_power": "chưa có điện lưới",
        "assigned": "được giao theo danh sách",
    },
    "en": {
        "people": "{n} people",
        "site": "{km} km from the nearest {carrier} {tech} site",
        "fibre": "fibre {km} km away (beyond {reach} km)",
        "no_fibre": "no fibre",
        "near": "near {facility}",
        "facility": "a public facility",
        "no_power": "no grid power",
        "assigned": "assigned by table",
    },
}
_SEVERITY: dict[str, dict[str, str]] = {
    "vi": {"none": "không có sóng", "2G": "chỉ có 2G", "3G": "chưa có 4G"},
    "en": {"none": "no signal", "2G": "2G only", "3G": "no 4G"},
}


def village_reasons(
    ranked: pd.DataFrame, spec: PrioritySpec, reach_m: float | None, lang: str
) -> list[str]:
    """One reason per row of `ranked` (the listed villages), in `lang` (``vi``, else English):
    people, the gaps, then what else weighed, each phrase written for all villages at once.

    `reach_m` is the reach of fibre, quoted for villages beyond it.

    Examples
    --------
    >>> from coverage_gaps.config.priority import PrioritySpec
    >>> ranked = pd.DataFrame({
    ...     "need": ["mobile", "fibre"], "best_mobile": ["2G", "4G"],
    ...     "assignment_basis": ["nearest_site", "nearest_fibre"], "carrier": ["Viettel", "VNPT"],
    ...     "facility": ["trường học", ""], "population": [480, 1250],
    ...     "distance_km": [2.3, 0.0], "fibre_distance_m": [0.0, 4200.0],
    ...     "score_importance": [1.0, 0.0], "score_readiness": [1.0, 0.0]})
    >>> village_reasons(ranked, PrioritySpec(), 3000, "vi")  # doctest: +NORMALIZE_WHITESPACE
    ['480 người, chỉ có 2G, cách trạm 4G Viettel gần nhất 2,3 km, gần trường học',
     '1.250 người, cáp quang cách 4,2 km (quá 3,0 km), chưa có điện lưới']
    """
    key = "vi" if lang == "vi" else "en"
    words = _PHRASES[key]
    text = {c: ranked[c].astype(str).to_numpy(dtype=object) for c in _TEXT_COLUMNS}
    num = {c: ranked[c].to_numpy(dtype=float) for c in _NUMBER_COLUMNS}
    phrases = [
        *_mobile_phrases(text, num, words=words, severity=_SEVERITY[key], lang=lang,
                         tech=spec.build_technology),
        *_fibre_phrases(text, num, words=words, lang=lang, reach_m=reach_m or 0.0),
        *_other_phrases(text, num, words=words),
    ]  # fmt: skip
    reasons = _fill(words["people"], n=format_numbers(num["population"], lang=lang))
    for where, phrase in phrases:
        reasons = np.where(where, reasons + ", " + phrase, reasons)
    return np.asarray(reasons, dtype=object).tolist()


#: A phrase of the reasons: the villages it is said of, and what is said (one text for all, or
#: one each).
_Phrase = tuple[np.ndarray, "np.ndarray | str"]


def _mobile_phrases(
    text: dict[str, np.ndarray], num: dict[str, np.ndarray], *, words: dict[str, str],
    severity: dict[str, str], lang: str, tech: str,
) -> list[_Phrase]:  # fmt: skip
    """How bad the signal is and, when known, how far the carrier's nearest site is."""
    mobile = _contains(text["need"], "mobile")
    best = pd.Series(text["best_mobile"], dtype=object)
    site = mobile & (text["assignment_basis"] != "nearest_fibre")
    site &= np.isfinite(num["distance_km"])
    km = format_numbers(np.where(site, num["distance_km"], 0.0), lang=lang, decimals=1)
    return [
        (mobile, best.map(severity).fillna(best).to_numpy(dtype=object)),
        (site, _fill(words["site"], tech=tech, carrier=text["carrier"], km=km)),
    ]


def _fibre_phrases(
    text: dict[str, np.ndarray], num: dict[str, np.ndarray], *, words: dict[str, str],
    lang: str, reach_m: float,
) -> list[_Phrase]:  # fmt: skip
    """How far fibre is, against its reach; or that there is none."""
    fibre = _contains(text["need"], "fibre")
    known = np.isfinite(num["fibre_distance_m"])
    km = format_numbers(np.where(known, num["fibre_distance_m"], 0.0) / 1000, lang=lang,
                        decimals=1)  # fmt: skip
    reach = format_number(reach_m / 1000, lang=lang, decimals=1)
    return [
        (fibre & known, _fill(words["fibre"], km=km, reach=reach)),
        (fibre & ~known, words["no_fibre"]),
    ]


def _other_phrases(
    text: dict[str, np.ndarray], num: dict[str, np.ndarray], *, words: dict[str, str]
) -> list[_Phrase]:
    """Near a facility, without grid power, assigned by table."""
    facility = text["facility"]
    named = np.where(facility != "", facility, words["facility"])
    return [
        ((facility != "") | (num["score_importance"] > 0), _fill(words["near"], facility=named)),
        (num["score_readiness"] == 0, words["no_power"]),
        (text["assignment_basis"] == "assigned", words["assigned"]),
    ]


def _contains(values: np.ndarray, word: str) -> np.ndarray:
    """Whether each of the strings `values` contains `word`."""
    return np.asarray(pd.Series(values, dtype=object).str.contains(word, regex=False), dtype=bool)


def _fill(template: str, **fields: object) -> np.ndarray | str:
    """`template` with its ``{name}`` fields filled from `fields`, each a string or an object
    array of strings (one per village): ``str.format`` over arrays.

    Examples
    --------
    >>> _fill("{n} km from {carrier}", n=np.array(["1,5", "2"], dtype=object), carrier="VNPT").tolist()
    ['1,5 km from VNPT', '2 km from VNPT']
    """
    out: np.ndarray | str = ""
    for literal, name, _, _ in string.Formatter().parse(template):
        out = out + literal
        if name is not None:
            out = out + fields[name]  # type: ignore[operator]
    return out
