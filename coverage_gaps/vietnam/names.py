"""Vietnamese place names: one normaliser for every place names are matched or searched.

The same village or commune is written many ways: ``Xã Phú Bình``, ``X. Phú
Bình``, ``xa phu binh``, ``Thôn 3``, ``Thôn Ba``, ``Thôn III``, ``Điềm Thuỵ``
or ``Điềm Thụy``. :func:`name_key` maps all of them to one key:

1. Unicode NFC, case folded, runs of spaces and punctuation made one space.
2. A leading unit word removed (:data:`UNIT_PREFIXES`: thôn, bản, xóm, ấp,
   buôn, làng, tổ dân phố, tiểu khu, ...; xã, phường, đặc khu, thị trấn; tỉnh,
   thành phố) and its abbreviations (``Th.``, ``TDP``, ``X.``, ``P.``, ``TT``,
   ``TP``). Unaccented words (``xa``, ``thon``) count as unit words only in a
   name written entirely without diacritics, so ``Bàn Đạt`` keeps its ``Bàn``.
3. A name that is only a number becomes that number: Arabic (``03``), Roman
   (``III``, in capitals), or Vietnamese words (``Ba``, ``Mười Hai``, ``Hai
   Mươi Mốt``), after an optional ``số``.
4. Tones placed the same way in ``oa``, ``oe``, ``uy`` at the end of a syllable
   (``Hoà`` = ``Hòa``, ``Thuỵ`` = ``Thụy``).
5. With ``accents=False`` (the default), diacritics removed (``đ`` → ``d``).

Examples
--------
>>> name_key("Thôn 3") == name_key("thon ba") == name_key("THÔN III") == "3"
True
>>> name_key("X. Điềm Thuỵ"), name_key("Xã Điềm Thụy", accents=True)
('diem thuy', 'điềm thụy')
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import Problem

__all__ = [
    "UNIT_PREFIXES",
    "NameMatch",
    "match_commune_names",
    "match_names",
    "name_key",
    "name_keys",
    "normalise_name",
    "split_unit",
    "fold",
    "strip_diacritics",
]

#: Unit words a name may start with: written form -> canonical unit (level).
#: Abbreviations are matched case-insensitively, with or without their dot.
UNIT_PREFIXES: dict[str, tuple[str, str]] = {
    # villages and urban residential groups
    "thôn": ("thôn", "village"),
    "th": ("thôn", "village"),
    "bản": ("bản", "village"),
    "xóm": ("xóm", "village"),
    "ấp": ("ấp", "village"),
    "buôn": ("buôn", "village"),
    "bon": ("bon", "village"),
    "làng": ("làng", "village"),
    "plei": ("plei", "village"),
    "sóc": ("sóc", "village"),
    "khóm": ("khóm", "village"),
    "tổ dân phố": ("tổ dân phố", "village"),
    "tổ dp": ("tổ dân phố", "village"),
    "tdp": ("tổ dân phố", "village"),
    "tổ": ("tổ dân phố", "village"),
    "tiểu khu": ("tiểu khu", "village"),
    "tk": ("tiểu khu", "village"),
    "khu phố": ("khu phố", "village"),
    "kp": ("khu phố", "village"),
    "khu": ("khu", "village"),
    "khối": ("khối", "village"),
    # communes (since 1 July 2025: xã, phường, đặc khu; before: also thị trấn)
    "xã": ("xã", "commune"),
    "x": ("xã", "commune"),
    "phường": ("phường", "commune"),
    "p": ("phường", "commune"),
    "thị trấn": ("thị trấn", "commune"),
    "tt": ("thị trấn", "commune"),
    "đặc khu": ("đặc khu", "commune"),
    "đk": ("đặc khu", "commune"),
    # provinces
    "tỉnh": ("tỉnh", "province"),
    "thành phố": ("thành phố", "province"),
    "tp": ("thành phố", "province"),
}

#: Unit words that are also ordinary words: removed only before a number ("Tổ 5").
_NEED_NUMBER = {"tổ", "khu", "khối"}
#: English unit words written after the name ("Duc Xuan Ward", "Phu Binh Commune").
_ENGLISH_SUFFIXES = {
    ("ward",),
    ("commune",),
    ("town",),
    ("township",),
    ("special", "zone"),
    ("village",),
    ("hamlet",),
    ("province",),
    ("city",),
}
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_PUNCT = re.compile(r"[\s.,;:_/\\()\[\]{}'\"`‘’“”\-–—]+")
_TONE_MOVE = re.compile(
    rf"(?<!q)(o)([ae])([{_TONES}])(?![^\W\d_])|(?<!q)(u)(y)([{_TONES}])(?![^\W\d_])"
)

_UNITS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
# unaccented spellings used in names written without diacritics ("nam" = south: left out)
_UNITS_ASCII = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def strip_diacritics(text: str, *, compatibility: bool = False) -> str:
    """Remove tones and vowel marks; ``đ`` becomes ``d``. The one diacritic fold of the
    package (names, carriers, the map's search).

    ``compatibility`` also folds compatibility characters (``ﬁ`` to ``fi``, full-width
    letters to ASCII), as NFKD does.

    Examples
    --------
    >>> strip_diacritics("Đồng Hỷ, Thái Nguyên")
    'Dong Hy, Thai Nguyen'
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD" if compatibility else "NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: object) -> str:
    """Search key of a name: no diacritics, ``đ`` as ``d``, lower case.

    The map's page folds what the user types the same way, so "Trai Cau" finds "Trại Cau".

    Examples
    --------
    >>> fold("Trại Cau"), fold("ĐỒNG HỶ")
    ('trai cau', 'dong hy')
    """
    return strip_diacritics(str(text)).lower()


def normalise_name(text: object) -> str:
    """A clean display form: NFC, no surrounding spaces, single inner spaces.

    Examples
    --------
    >>> normalise_name("  Xã   Phu\\u0301  Bình ")
    'Xã Phú Bình'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def _words(text: str) -> list[str]:
    return [w for w in _PUNCT.split(unicodedata.normalize("NFC", text).casefold()) if w]


def _roman(token: str) -> int | None:
    if not token or _ROMAN.fullmatch(token) is None:
        return None
    total = 0
    for a, b in zip(token, token[1:] + " ", strict=True):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total


def _number(words: Sequence[str], originals: Sequence[str], *, ascii_only: bool) -> str | None:
    """The number that ``words`` (all of them) write, as text, or None.

    Accepts ``03``/``3a``, Roman numerals in capitals, and Vietnamese number
    words up to 99 (``ba``, ``mười hai``, ``hai mươi mốt``), after an optional ``số``.
    """
    if len(words) > 1 and words[0] in ("số", "so"):
        words, originals = words[1:], originals[1:]
    if not words:
        return None
    if len(words) == 1:
        m = re.fullmatch(r"0*(\d+)([a-z]?)", words[0])
        if m:
            return f"{int(m.group(1))}{m.group(2)}"
        roman = _roman(originals[0]) if originals[0].isupper() else None
        if roman:
            return str(roman)
    units = _UNITS_ASCII if ascii_only else _UNITS
    ten, tens = ("muoi", "muoi") if ascii_only else ("mười", "mươi")
    first = words[0]
    if len(words) == 1:
        ok = first in units and first not in ("không", "mốt", "lăm")
        return str(units[first]) if ok else None
    if first == ten:
        value, rest = 10, words[1:]
    elif first in units and first not in ("không", "một", "mốt", "lăm") and words[1] == tens:
        value, rest = units[first] * 10, words[2:]
    else:
        return None
    if not rest:
        return str(value)
    if len(rest) == 1 and rest[0] in units and rest[0] != "không":
        return str(value + units[rest[0]])
    return None


def split_unit(text: object) -> tuple[str | None, str]:
    """Split a leading unit word off a name.

    Returns
    -------
    tuple
        The canonical unit (``"xã"``, ``"thôn"``, ``"tổ dân phố"``, ...) or
        None, and the rest of the name (display form).

    Examples
    --------
    >>> split_unit("TDP số 5"), split_unit("X.Phú Bình"), split_unit("Bàn Đạt")
    (('tổ dân phố', 'số 5'), ('xã', 'Phú Bình'), (None, 'Bàn Đạt'))
    """
    name = normalise_name(text)
    parts = [w for w in _PUNCT.split(name) if w]
    words = [w.casefold() for w in parts]
    unit, n = _unit_prefix(words, ascii_only=name.isascii())
    if unit is None:
        return None, name
    return unit, " ".join(parts[n:])


def _unit_prefix(words: Sequence[str], *, ascii_only: bool) -> tuple[str | None, int]:
    """The unit a name starts with and how many of its words that takes."""
    for n in (3, 2, 1):
        if len(words) <= n:
            continue  # a unit word alone is the whole name: keep it
        head = " ".join(words[:n])
        if ascii_only:
            key = next((k for k in UNIT_PREFIXES if strip_diacritics(k) == head), None)
        else:
            key = head if head in UNIT_PREFIXES else None
        if key is None:
            continue
        if key in _NEED_NUMBER and _number(words[n:], words[n:], ascii_only=ascii_only) is None:
            continue  # "Tô Hiệu", "Khu Tập Thể": ordinary words here
        return UNIT_PREFIXES[key][0], n
    return None, 0


def name_key(text: object, *, accents: bool = False, strip_unit: bool = True) -> str:
    """The matching key of a place name (see the module docstring).

    Parameters
    ----------
    text
        A village, commune or province name; None or NaN give ``""``.
    accents
        Keep diacritics (a stricter key, used first when both sides have them).
    strip_unit
        Remove a leading unit word (step 2).

    Examples
    --------
    >>> name_key("Tổ dân phố số 05"), name_key("TT. Hùng Sơn"), name_key("Bản Nà Hin")
    ('5', 'hung son', 'na hin')
    """
    name = normalise_name(text)
    if not name:
        return ""
    ascii_only = name.isascii()
    originals = [w for w in _PUNCT.split(name) if w]
    words = [w.casefold() for w in originals]
    for suffix in _ENGLISH_SUFFIXES if ascii_only else ():
        k = len(suffix)
        if len(words) > k and tuple(words[-k:]) == suffix:
            words, originals = words[:-k], originals[:-k]
            break
    if strip_unit:
        _, n = _unit_prefix(words, ascii_only=ascii_only)
        words, originals = words[n:], originals[n:]
    number = _number(words, originals, ascii_only=ascii_only)
    if number is not None:
        return number
    key = " ".join(words)
    key = unicodedata.normalize(
        "NFC",
        _TONE_MOVE.sub(
            lambda m: (m[1] + m[3] + m[2]) if m[1] else (m[4] + m[6] + m[5]),
            unicodedata.normalize("NFD", key),
        ),
    )
    return key if accents else strip_diacritics(key)


def name_keys(
    values: Iterable[object], *, accents: bool = False, strip_unit: bool = True
) -> np.ndarray:
    """:func:`name_key` of many names (each distinct name is worked out once).

    Examples
    --------
    >>> name_keys(["Thôn 3", "Thôn Ba", None]).tolist()
    ['3', '3', '']
    """
    series = pd.Series(list(values), dtype=object)
    uniques = pd.unique(series)
    keys = {u: name_key(u, accents=accents, strip_unit=strip_unit) for u in uniques}
    return series.map(keys).to_numpy(dtype=object)


@dataclass(frozen=True)
class NameMatch:
    """Result of :func:`match_names`, one entry per query (arrays of equal length).

    Attributes
    ----------
    index
        Position of the matched choice, or -1.
    status
        ``"exact"`` (same name with diacritics), ``"key"`` (same key without
        diacritics), ``"ambiguous"`` (several choices share the key) or
        ``"unmatched"``.
    candidates
        For ambiguous queries, the positions of the choices sharing the key.
    """

    index: np.ndarray
    status: np.ndarray
    candidates: tuple[tuple[int, ...], ...]

    @property
    def matched(self) -> np.ndarray:
        return self.index >= 0


def match_names(queries: Sequence[object], choices: Sequence[object]) -> NameMatch:
    """Match names to a list of names, tolerant of unit words, numerals and diacritics.

    Tried in turn, the first that gives exactly one choice wins: the keys with
    diacritics (when the query has some); the keys without; the same with the
    unit words kept on both sides (``Phường Tân Thành`` beside ``Xã Tân
    Thành``); and with the query's first word kept (``Ban Dat``, written without
    diacritics, finds ``Bàn Đạt``). A key several choices share is ambiguous.

    Examples
    --------
    >>> m = match_names(["xa phu binh", "Tân Thành", "Nowhere"],
    ...                 ["Xã Phú Bình", "Xã Tân Thành", "Phường Tân Thành"])
    >>> m.index.tolist(), m.status.tolist(), m.candidates[1]
    ([0, -1, -1], ['key', 'ambiguous', 'unmatched'], (1, 2))
    """
    n = len(queries)
    index = np.full(n, -1, dtype=np.int64)
    status = np.full(n, "unmatched", dtype=object)
    cands: list[tuple[int, ...]] = [()] * n
    tiers = []
    # (keys of the queries, keys of the choices, label)
    settings: tuple[tuple[dict[str, bool], dict[str, bool], str], ...] = (
        ({"accents": True}, {"accents": True}, "exact"),
        ({}, {}, "key"),
        ({"strip_unit": False}, {"strip_unit": False}, "key"),  # "Phường Tân Thành"
        ({"strip_unit": False}, {}, "key"),  # "Ban Dat" (Bàn Đạt, no diacritics)
    )
    for q_kwargs, c_kwargs, label in settings:
        q = name_keys(queries, **q_kwargs)
        lookup: dict[str, list[int]] = {}
        for i, k in enumerate(name_keys(choices, **c_kwargs)):
            if k:
                lookup.setdefault(k, []).append(i)
        tiers.append((q, lookup, label))
    for i in range(n):
        for tier, (q, lookup, label) in enumerate(tiers):
            if not q[i] or (tier == 0 and q[i].isascii()):
                continue
            hit = lookup.get(q[i], [])
            if len(hit) == 1:
                index[i], status[i], cands[i] = hit[0], label, ()
                break
            if len(hit) > 1 and not cands[i]:
                status[i], cands[i] = "ambiguous", tuple(hit)
    return NameMatch(index, status.astype(str), tuple(cands))


def match_commune_names(
    values: pd.Series, communes: pd.DataFrame, *, source: str = "villages"
) -> tuple[pd.Series, list[Problem]]:
    """Commune codes for a column that names communes instead of giving codes.

    Each distinct value is matched to ``communes["commune_name"]`` with
    :func:`match_names`; ambiguous and unmatched names are reported (with the
    communes sharing the name, or the closest names).

    Returns
    -------
    tuple
        The matched ``commune_id`` per value (``<NA>`` where none) and warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"commune_id": ["05908", "05941"],
    ...                   "commune_name": ["Xã Phú Bình", "Xã Điềm Thụy"]})
    >>> codes, notes = match_commune_names(pd.Series(["X. Phu Binh", "Diem Thuy", "Hà Châu"]), c)
    >>> codes.tolist(), len(notes)
    (['05908', '05941', <NA>], 1)
    """

    text = values.astype("string")
    uniques = [str(u) for u in text.dropna().unique()]
    names = communes["commune_name"].astype(str).to_numpy()
    ids = communes["commune_id"].astype(str).to_numpy()
    m = match_names(uniques, list(names))
    found = {u: ids[i] for u, i in zip(uniques, m.index, strict=True) if i >= 0}
    problems: list[Problem] = []
    ambiguous = [
        f"'{u}' ({' / '.join(f'{names[j]} {ids[j]}' for j in c)})"
        for u, s, c in zip(uniques, m.status, m.candidates, strict=True)
        if s == "ambiguous"
    ]
    if ambiguous:
        problems.append(
            Problem(
                source,
                f"{len(ambiguous)} commune name(s)",
                "several communes have these names: "
                + "; ".join(ambiguous[:10])
                + ("; ..." if len(ambiguous) > 10 else "")
                + "; those villages were placed by location instead.",
                "give commune codes instead of names, or write the names in full.",
            )
        )
    keys = list(name_keys(names))
    unmatched = []
    for u, s in zip(uniques, m.status, strict=True):
        if s == "unmatched":
            close = difflib.get_close_matches(name_key(u), keys, n=1, cutoff=0.75)
            unmatched.append(
                f"'{u}'" + (f" (closest: {names[keys.index(close[0])]})" if close else "")
            )
    if unmatched:
        problems.append(
            Problem(
                source,
                f"{len(unmatched)} commune name(s)",
                "no commune of the layer has these names: "
                + ", ".join(unmatched[:10])
                + (", ..." if len(unmatched) > 10 else "")
                + "; those villages were placed by location instead.",
                "check the names against the commune layer (2025 communes).",
            )
        )
    return text.map(found).astype("string"), problems
