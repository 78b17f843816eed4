"""Carrier and technology names: one spelling per operator, one per generation.

Vietnamese mobile network codes (MCC 452) come from the reference sheet in
``shared/reference`` (ITU-T E.212 list): 01 MobiFone, 02 VinaPhone (VNPT),
04 Viettel, 05 Vietnamobile; 07 Gmobile and 08 Vietnamobile's former
I-Telecom code are accepted too.
"""

from __future__ import annotations

import re

from .names import strip_diacritics

__all__ = ["TECHNOLOGIES", "carrier_slug", "normalise_carrier", "normalise_technology"]

#: Mobile generations in increasing order. ``best_mobile`` is the highest one present.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")

_CANONICAL = {
    "viettel": "Viettel",
    "vnpt": "VNPT",
    "mobifone": "MobiFone",
    "vietnamobile": "Vietnamobile",
    "gmobile": "Gmobile",
}

_ALIASES = {
    # VNPT's mobile brand
    "vinaphone": "vnpt",
    "vnptvinaphone": "vnpt",
    "vnptnet": "vnpt",
    "viettelgroup": "viettel",
    "viettelmobile": "viettel",
    "vietnammobile": "vietnamobile",
    "vnmobile": "vietnamobile",
    "beeline": "gmobile",
    "gtel": "gmobile",
    "gtelmobile": "gmobile",
    # mobile network codes under MCC 452
    "45201": "mobifone",
    "45202": "vnpt",
    "45204": "viettel",
    "45205": "vietnamobile",
    "45207": "gmobile",
}

_TECH_RE = re.compile(
    r"^(?:([2-5])\s*g|(gsm|gprs|edge)|(umts|wcdma|hspa\+?|3g\+)|(lte|lte-a|4g\+)|(nr|5g\s*nr))$"
)


def _ascii_key(text: str) -> str:
    decomposed = strip_diacritics(text, compatibility=True)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def normalise_carrier(name: object) -> str:
    """Return the canonical spelling of a carrier name or mobile network code.

    Known operators are recognised whatever the case, spacing or brand
    ("Vinaphone" and "452-02" are both ``"VNPT"``). Unknown names are kept, with
    surrounding white space removed, so the tool works for any country.

    Examples
    --------
    >>> normalise_carrier(" vinaphone ")
    'VNPT'
    >>> normalise_carrier("452-04")
    'Viettel'
    """
    text = str(name).strip()
    key = _ascii_key(text)
    key = _ALIASES.get(key, key)
    if key in _CANONICAL:
        return _CANONICAL[key]
    if not key:
        raise ValueError(f"empty carrier name {name!r}")
    return " ".join(text.split())


def carrier_slug(name: str) -> str:
    """Lower-case ASCII name used in column names: ``"MobiFone"`` -> ``"mobifone"``.

    Examples
    --------
    >>> carrier_slug("Đông Dương Telecom")
    'dong_duong_telecom'
    """
    ascii_text = "".join(c for c in strip_diacritics(name, compatibility=True) if c.isascii())
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def normalise_technology(value: object) -> str:
    """Return ``"2G"``..``"5G"`` for a technology label (GSM, UMTS, LTE and NR accepted).

    Examples
    --------
    >>> normalise_technology("lte")
    '4G'
    """
    text = str(value).strip().lower()
    m = _TECH_RE.match(text)
    if not m:
        raise ValueError(f"unknown technology {value!r}; use one of {', '.join(TECHNOLOGIES)}")
    if m.group(1):
        return f"{m.group(1)}G"
    for group, tech in zip((2, 3, 4, 5), TECHNOLOGIES, strict=True):
        if m.group(group):
            return tech
    raise AssertionError("unreachable")
