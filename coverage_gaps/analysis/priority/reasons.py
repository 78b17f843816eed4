"""The plain-language reason given for each listed village, in Vietnamese or English.

For example ``"480 người, chỉ có 2G, cách trạm 4G Viettel gần nhất 2,3 km, gần trường học"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ...config.priority import PrioritySpec
from ...vietnam.numbers import format_number

__all__ = ["village_reasons"]

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
#: Columns of the ranked table the reasons are made from, as text and as numbers.
_TEXT_COLUMNS = ("need", "best_mobile", "assignment_basis", "carrier", "facility")
_NUMBER_COLUMNS = (
    "population",
    "distance_km",
    "fibre_distance_m",
    "score_importance",
    "score_readiness",
)


class _Village(NamedTuple):
    need: str
    best_mobile: str
    basis: str
    carrier: str
    facility: str
    population: float
    distance_km: float
    fibre_distance_m: float
    importance: float
    readiness: float


def village_reasons(
    ranked: pd.DataFrame, spec: PrioritySpec, reach_m: float | None, lang: str
) -> list[str]:
    """One reason per row of `ranked` (the listed villages), in `lang` (``vi``, else English).

    `reach_m` is the reach of fibre, quoted for villages beyond it.
    """
    writer = _Writer(lang=lang, tech=spec.build_technology, reach_m=reach_m or 0)
    texts = [ranked[c].to_numpy() for c in _TEXT_COLUMNS]
    numbers = [ranked[c].to_numpy(dtype=float) for c in _NUMBER_COLUMNS]
    rows = zip(*texts, *numbers, strict=True)  # text assembly for the listed villages only
    return [writer.reason(_Village._make([*map(str, r[:5]), *map(float, r[5:])])) for r in rows]


@dataclass(frozen=True)
class _Writer:
    """Writes reasons in one language."""

    lang: str
    tech: str
    reach_m: float

    @property
    def words(self) -> dict[str, str]:
        return _PHRASES["vi" if self.lang == "vi" else "en"]

    def km(self, value: float) -> str:
        return format_number(value, lang=self.lang, decimals=1)

    def reason(self, v: _Village) -> str:
        """The reason for one village: people, the gaps, then what else weighed."""
        words = self.words
        parts = [words["people"].format(n=format_number(v.population, lang=self.lang))]
        if "mobile" in v.need:
            parts += self.mobile_parts(v)
        if "fibre" in v.need:
            parts.append(self.fibre_part(v))
        if v.facility or v.importance > 0:
            parts.append(words["near"].format(facility=v.facility or words["facility"]))
        if v.readiness == 0:
            parts.append(words["no_power"])
        if v.basis == "assigned":
            parts.append(words["assigned"])
        return ", ".join(parts)

    def mobile_parts(self, v: _Village) -> list[str]:
        """How bad the signal is and, when known, how far the carrier's nearest site is."""
        severity = _SEVERITY["vi" if self.lang == "vi" else "en"]
        parts = [severity.get(v.best_mobile, v.best_mobile)]
        if v.basis != "nearest_fibre" and np.isfinite(v.distance_km):
            km = self.km(v.distance_km)
            parts.append(self.words["site"].format(tech=self.tech, carrier=v.carrier, km=km))
        return parts

    def fibre_part(self, v: _Village) -> str:
        """How far fibre is, against its reach; or that there is none."""
        if not np.isfinite(v.fibre_distance_m):
            return self.words["no_fibre"]
        km, reach = self.km(v.fibre_distance_m / 1000), self.km(self.reach_m / 1000)
        return self.words["fibre"].format(km=km, reach=reach)
