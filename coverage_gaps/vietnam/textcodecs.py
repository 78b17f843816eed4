"""Vietnamese legacy text encodings: TCVN3 (ABC), VNI-Windows, VISCII, Windows-1258.

Shapefiles, MapInfo tables and spreadsheets made in Vietnamese provinces before
Unicode took over still carry names in one of four 8-bit encodings, often with
a missing or wrong ``.cpg``. Python ships only Windows-1258 (``cp1258``), and
that one writes tones as combining marks. This module decodes all four to
Unicode NFC, encodes NFC text back to them, and guesses which one a file uses.

Encodings (names accepted by every function here; case and ``-``/``_`` ignored):

``utf-8``
    Unicode. Also the answer for pure ASCII input (any encoding reads it the same).
``tcvn3``
    TCVN 5712:1993, the VN3 subset used by the ABC fonts (``.VnTime``). One byte
    per letter. VN3 has codes for lower-case toned vowels and for ``Ă Â Ê Ô Ơ Ư
    Đ`` only: the fonts draw toned capitals from a second font (``.VnTimeH``)
    with the *lower-case* codes. So capitals like ``Ấ`` are **written** with the
    code of ``ấ``, and on **reading** such a letter becomes a capital when (a)
    the whole value is in capitals (``TH¸I`` → ``THÁI``), or (b) it starts a word
    that follows a capitalised word, or starts a value holding other capitals
    (``X· Pa ñ`` → ``Xã Pa Ủ``; names are written in title case). Everything
    else is read as lower case; each line, and each value between ``,``, ``;``,
    tab or ``|``, is judged alone. Name matching ignores case, so this only
    affects display.
``vni``
    VNI-Windows (``VNI-Times`` fonts): a base letter followed by a second byte
    for the mark (``Thaùi`` = Thái), with single bytes for ``ơ ư đ`` and the
    toned ``i``/``ỵ``.
``viscii``
    VISCII 1.1 (RFC 1456): one byte per letter; all 134 letters, six of them on
    C0 control positions.
``cp1258``
    Windows-1258: precomposed ``ă â ê ô ơ ư đ`` and some toned letters, the
    other tones as combining marks after the letter; decoded to NFC.

Bytes that carry no Vietnamese letter in TCVN3 or VNI are read as Windows-1252
(what the fonts show there: quotes, dashes, the degree sign).

Examples
--------
>>> decode(b"Th\\xb8i Nguy\\xaan", "tcvn3")
'Thái Nguyên'
>>> encode("Thái Nguyên", "vni")
b'Tha\\xf9i Nguye\\xe2n'
>>> guess = detect_encoding([b"X\\xb7 Ph\\xfa B\\xd7nh", b"Th\\xb8i Nguy\\xaan"])
>>> guess.encoding, guess.confidence > 0.99
('tcvn3', True)
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "ENCODINGS",
    "VIETNAMESE_LETTERS",
    "EncodingGuess",
    "decode",
    "decode_columns",
    "detect_encoding",
    "encode",
    "is_vietnamese_syllable",
    "normalise_encoding_name",
    "register_codecs",
    "repair",
]

#: Encodings this module reads and writes (``utf-8`` first: the default).
ENCODINGS: tuple[str, ...] = ("utf-8", "tcvn3", "vni", "viscii", "cp1258")

_ALIASES = {
    "utf8": "utf-8",
    "unicode": "utf-8",
    "utf8sig": "utf-8",
    "tcvn3": "tcvn3",
    "tcvn": "tcvn3",
    "tcvn5712": "tcvn3",
    "abc": "tcvn3",
    "vn3": "tcvn3",
    "vni": "vni",
    "vniwindows": "vni",
    "vniwin": "vni",
    "viscii": "viscii",
    "cp1258": "cp1258",
    "windows1258": "cp1258",
    "1258": "cp1258",
}


def normalise_encoding_name(name: str) -> str:
    """The canonical name of an encoding this module knows, or ``ValueError``.

    Examples
    --------
    >>> normalise_encoding_name("VNI-Windows"), normalise_encoding_name("TCVN3 (ABC)")
    ('vni', 'tcvn3')
    """
    key = re.sub(r"\(.*?\)|[\s_\-.]", "", str(name).lower())
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown text encoding '{name}'; use one of auto, {', '.join(ENCODINGS)}")


# --------------------------------------------------------------------------- letters

#: Tone marks in the order used by the tables below: huyền, hỏi, ngã, sắc, nặng.
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_BASE_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _toned(base: str, tone: int) -> str:
    """``base`` with tone ``tone`` (0 = none, 1-5 as in ``_TONES``), NFC."""
    return base if tone == 0 else unicodedata.normalize("NFC", base + _TONES[tone - 1])


def _letters() -> tuple[str, ...]:
    lower = [_toned(v, t) for v in _BASE_VOWELS for t in range(6)]
    lower = [ch for ch in lower if not ch.isascii()] + ["đ"]
    return tuple(lower + [ch.upper() for ch in lower])


#: The 134 Vietnamese letters outside ASCII: 67 lower case (ă â ê ô ơ ư đ and
#: the 12 vowels with each of the 5 tones), then the same 67 in upper case.
VIETNAMESE_LETTERS: tuple[str, ...] = _letters()

_TONE_RE = re.compile("[" + "".join(_TONES) + "]")


def _strip_tone(ch: str) -> str:
    return unicodedata.normalize("NFC", _TONE_RE.sub("", unicodedata.normalize("NFD", ch)))


# --------------------------------------------------------------------------- TCVN3

# Byte of each lower-case vowel with no tone, huyền, hỏi, ngã, sắc, nặng
# (TCVN 5712:1993 VN3; the same positions as glibc's TCVN5712-1 for these letters).
_TCVN3_VOWELS: dict[str, tuple[int, ...]] = {
    "a": (0x61, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0x65, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0x69, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0x6F, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0x75, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0x79, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_OTHER = {
    "đ": 0xAE,
    "Ă": 0xA1,
    "Â": 0xA2,
    "Ê": 0xA3,
    "Ô": 0xA4,
    "Ơ": 0xA5,
    "Ư": 0xA6,
    "Đ": 0xA7,
}


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: C1 controls, as latin-1


def _tcvn3_tables() -> tuple[str, dict[str, int], frozenset[str]]:
    letters: dict[int, str] = {}
    for base, codes in _TCVN3_VOWELS.items():
        for tone, byte in enumerate(codes):
            letters[byte] = _toned(base, tone)
    for ch, byte in _TCVN3_OTHER.items():
        letters[byte] = ch
    table = "".join(chr(b) if b < 0x80 else letters.get(b, _cp1252_char(b)) for b in range(256))
    enc = {ch: b for b, ch in enumerate(table) if b >= 0x80 and b in letters}
    # toned capitals have no code of their own: written with the lower-case code
    ambiguous = set()
    for base, codes in _TCVN3_VOWELS.items():
        for tone in range(1, 6):
            upper = _toned(base, tone).upper()
            enc[upper] = codes[tone]
            ambiguous.add(_toned(base, tone))
    return table, enc, frozenset(ambiguous)


_TCVN3_DECODE, _TCVN3_ENCODE, _TCVN3_NO_CAPITAL = _tcvn3_tables()
_TCVN3_DECODING_TABLE = _TCVN3_DECODE


#: One value of a table or line of text: the capitals rule applies to each separately.
_FIELD_RE = re.compile(r"[^\r\n,;\t|]+")


def _restore_tcvn3_capitals(text: str) -> str:
    """Capitalise toned vowels that TCVN3 can only write in lower case (see module doc).

    A letter's case is *firm* when the bytes tell it (every letter except the
    toned vowels). The text is in capitals when no firm letter is lower case and
    more words have a firm capital after their first letter than not (``THÁI``
    yes; ``Xã SRó`` no). Otherwise a word starting with a toned vowel gets a
    capital when an earlier word starts with one (``Thị trấn Ít Ong``), or, for
    the first word, when the text holds any firm capital.
    """
    if not any(ch in _TCVN3_NO_CAPITAL for ch in text):
        return text
    words = list(re.finditer(r"[^\W\d_]+", text))
    if not words:
        return text

    def firm(ch: str) -> bool:
        return ch not in _TCVN3_NO_CAPITAL

    if not any(firm(ch) and ch.islower() for ch in text):
        inner = [any(firm(ch) and ch.isupper() for ch in w.group()[1:]) for w in words]
        if sum(inner) > len(inner) - sum(inner):
            return text.upper()
    chars = list(text)
    # first word: any firm capital in the text; later words: an earlier word's capital
    capital = any(firm(ch) and ch.isupper() for ch in text)
    for i, w in enumerate(words):
        if chars[w.start()] in _TCVN3_NO_CAPITAL and capital:
            chars[w.start()] = chars[w.start()].upper()
        started_upper = chars[w.start()].isupper()
        capital = started_upper if i == 0 else capital or started_upper
    return "".join(chars)


# --------------------------------------------------------------------------- VNI

# VNI-Windows: second bytes for the tones (lower case; capitals are 0x20 lower),
# for â/ê/ô with each tone, and for ă with each tone. Checked against the VNI
# table of xvnkb (Dao Hai Lam, 2002).
_VNI_TONE = (None, 0xF8, 0xFB, 0xF5, 0xF9, 0xEF)  # -, huyền, hỏi, ngã, sắc, nặng
_VNI_HAT = (0xE2, 0xE0, 0xE5, 0xE3, 0xE1, 0xE4)  # circumflex with each tone
_VNI_BREVE = (0xEA, 0xE8, 0xFA, 0xFC, 0xE9, 0xEB)
_VNI_I = (0x69, 0xEC, 0xE6, 0xF3, 0xED, 0xF2)  # i with each tone: one byte
_VNI_SINGLE = {"ơ": 0xF4, "ư": 0xF6, "đ": 0xF1}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    enc: dict[str, str] = {}  # lower-case letter -> VNI text (latin-1 chars)
    for tone in range(6):
        for base in "aeouy":
            if tone:
                enc[_toned(base, tone)] = base + chr(_VNI_TONE[tone])  # type: ignore[arg-type]
        for base, hatted in (("a", "â"), ("e", "ê"), ("o", "ô")):
            enc[_toned(hatted, tone)] = base + chr(_VNI_HAT[tone])
        enc[_toned("ă", tone)] = "a" + chr(_VNI_BREVE[tone])
        for horned, byte in (("ơ", 0xF4), ("ư", 0xF6)):
            enc[_toned(horned, tone)] = chr(byte) + (
                chr(_VNI_TONE[tone]) if tone else ""  # type: ignore[arg-type]
            )
        if tone:
            enc[_toned("i", tone)] = chr(_VNI_I[tone])
    enc[_toned("y", 5)] = chr(0xEE)  # ỵ is one byte
    enc["đ"] = chr(0xF1)
    full: dict[str, str] = {}
    for ch, seq in enc.items():
        full[ch] = seq
        full[ch.upper()] = "".join(c.upper() if c.isascii() else chr(ord(c) - 0x20) for c in seq)
    dec: dict[str, str] = {}
    for ch, seq in full.items():
        dec[seq] = ch
        if len(seq) == 2:  # base and mark in different case: the base decides
            other = seq[0] + (chr(ord(seq[1]) + 0x20) if ch.isupper() else chr(ord(seq[1]) - 0x20))
            dec.setdefault(other, ch)
    return full, dec


_VNI_ENCODE, _VNI_DECODE = _vni_tables()
#: Windows-1252, its five undefined bytes read as latin-1 (VNI text is cp1252 text).
_CP1252_DECODING_TABLE = "".join(chr(b) if b < 0x80 else _cp1252_char(b) for b in range(256))
_VNI_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=lambda s: (-len(s), s)))
)
_VNI_TRANSLATE = str.maketrans(_VNI_ENCODE)


# --------------------------------------------------------------------------- VISCII

# VISCII 1.1 (RFC 1456): bytes 0x80-0xFF, then six C0 positions; the rest is ASCII.
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐ"
    "ỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"
    "Õắằặấầẩậẽẹếềểễệố"
    "ồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳ"
    "ĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉ"
    "đựòóôõỏọụùúũủýợỮ"
)
_VISCII_LOW = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}
_VISCII_DECODE = "".join(
    _VISCII_LOW.get(b, chr(b)) if b < 0x80 else _VISCII_HIGH[b - 0x80] for b in range(256)
)
_VISCII_DECODING_TABLE = _VISCII_DECODE
_VISCII_ENCODE = {ch: b for b, ch in enumerate(_VISCII_DECODE)}


# --------------------------------------------------------------------------- CP1258


def _cp1258_encode_table() -> dict[str, str]:
    """Letter -> cp1258 text: precomposed when the code page has it, else base + tone mark."""
    out: dict[str, str] = {}
    for ch in VIETNAMESE_LETTERS:
        try:
            ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        marks = [m for m in nfd if m in _TONES]
        base = unicodedata.normalize("NFC", "".join(m for m in nfd if m not in _TONES))
        out[ch] = base + "".join(marks)
    return out


_CP1258_TRANSLATE = str.maketrans(_cp1258_encode_table())


# --------------------------------------------------------------------------- API


def decode(data: bytes, encoding: str, *, errors: str = "strict") -> str:
    """Decode bytes to NFC Unicode text.

    Parameters
    ----------
    data
        The raw bytes (a DBF field, a line of a CSV file, ...).
    encoding
        One of :data:`ENCODINGS` (or an alias such as ``"VNI-Windows"``).
    errors
        As for :meth:`bytes.decode`; ``"replace"`` puts U+FFFD for bad bytes.

    Examples
    --------
    >>> decode(b"Vie\\xe4t Nam", "vni"), decode(b"Vi\\xaet Nam", "viscii")
    ('Việt Nam', 'Việt Nam')
    """
    enc = normalise_encoding_name(encoding)
    if enc == "utf-8":
        text = data.decode("utf-8-sig" if data[:3] == codecs.BOM_UTF8 else "utf-8", errors)
    elif enc == "cp1258":
        text = data.decode("cp1258", errors)
    elif enc == "viscii":
        text = codecs.charmap_decode(data, errors, _VISCII_DECODING_TABLE)[0]
    elif enc == "tcvn3":
        text = _FIELD_RE.sub(
            lambda m: _restore_tcvn3_capitals(m.group()),
            codecs.charmap_decode(data, errors, _TCVN3_DECODING_TABLE)[0],
        )
    else:  # vni
        raw = codecs.charmap_decode(data, errors, _CP1252_DECODING_TABLE)[0]
        text = _VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], raw)
    return unicodedata.normalize("NFC", text)


def encode(text: str, encoding: str, *, errors: str = "strict") -> bytes:
    """Encode text in a Vietnamese encoding (the inverse of :func:`decode`).

    In ``tcvn3`` the toned capitals are written with the lower-case codes (see
    the module docstring). Characters the encoding has no code for raise
    :class:`UnicodeEncodeError` (``errors="strict"``) or become ``?``
    (``errors="replace"``).

    Examples
    --------
    >>> encode("Đồng Hỷ", "tcvn3")
    b'\\xa7\\xe5ng H\\xfb'
    >>> encode("Ứng Hoà", "cp1258")  # Ư, then the acute as a combining mark
    b'\\xdd\\xecng Ho\\xe0'
    """
    enc = normalise_encoding_name(encoding)
    text = unicodedata.normalize("NFC", text)
    if enc == "utf-8":
        return text.encode("utf-8", errors)
    if enc == "cp1258":
        return text.translate(_CP1258_TRANSLATE).encode("cp1258", errors)
    if enc == "vni":
        return _encode_cp1252(text.translate(_VNI_TRANSLATE), enc, errors, reserved=set())
    table = _TCVN3_ENCODE if enc == "tcvn3" else _VISCII_ENCODE
    out = bytearray()
    for i, ch in enumerate(text):
        if ch.isascii() and (enc == "tcvn3" or ch not in _VISCII_LOW.values()):
            out.append(ord(ch))
        elif ch in table:
            out.append(table[ch])
        elif enc == "tcvn3" and _cp1252_byte(ch) not in (None, *_TCVN3_ENCODE.values()):
            out.append(_cp1252_byte(ch))  # type: ignore[arg-type]
        elif errors == "strict":
            raise UnicodeEncodeError(enc, text, i, i + 1, f"{enc} has no code for {ch!r}")
        elif errors == "ignore":
            continue
        else:
            out.append(ord("?"))
    return bytes(out)


def _cp1252_byte(ch: str) -> int | None:
    try:
        b = ch.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return b[0]


def _encode_cp1252(text: str, enc: str, errors: str, *, reserved: set[int]) -> bytes:
    out = bytearray()
    for i, ch in enumerate(text):
        if ord(ch) < 0x100 and (ord(ch) < 0x80 or ord(ch) >= 0xA0):
            out.append(ord(ch))
            continue
        b = _cp1252_byte(ch)
        if b is not None and b not in reserved:
            out.append(b)
        elif errors == "strict":
            raise UnicodeEncodeError(enc, text, i, i + 1, f"{enc} has no code for {ch!r}")
        elif errors != "ignore":
            out.append(ord("?"))
    return bytes(out)


def repair(text: str, encoding: str) -> str:
    """Re-read text that was decoded with the wrong (Western) code page.

    Legacy-font text typed in Excel or stored in a UTF-8 file by a program that
    read it as Windows-1252 looks like ``Th¸i Nguyªn``; this turns it back into
    ``Thái Nguyên``. Characters that Windows-1252 cannot hold are kept as they are.

    Examples
    --------
    >>> repair("Th¸i Nguyªn", "tcvn3"), repair("Thaùi Nguyeân", "vni")
    ('Thái Nguyên', 'Thái Nguyên')
    """
    enc = normalise_encoding_name(encoding)
    if enc == "utf-8" or text.isascii():
        return unicodedata.normalize("NFC", text)
    raw = _to_bytes(text)
    if raw is None:
        return unicodedata.normalize("NFC", text)
    return decode(raw, enc, errors="replace")


def _to_bytes(text: str) -> bytes | None:
    """The Windows-1252 (else latin-1) bytes a mis-decoded text came from, or None."""
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x80 or 0xA0 <= o < 0x100:
            out.append(o)
            continue
        b = _cp1252_byte(ch)
        if b is None:
            if 0x80 <= o < 0xA0:
                out.append(o)
                continue
            return None
        out.append(b)
    return bytes(out)


# --------------------------------------------------------------------------- detection


def _alt(items: str) -> str:
    return "|".join(sorted(items.split(), key=len, reverse=True))


# Rhymes (vowel cluster + final consonant), after the usual descriptions of
# Vietnamese spelling: clusters ending in a glide take no final; ă â iê yê uô ươ
# oă uâ uyê need one; -nh/-ch only follow a ê i y oa uê uy.
_OPEN = _alt(
    "a e ê i o ô ơ u ư y oa oe uê uy uơ ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi "
    "ưu iêu yêu oai oay oao oeo uây uôi uya uyu ươi ươu"
)
_CLOSED = _alt("ă â iê yê uô ươ oă uâ uyê a e ê i o ô ơ u ư oa oe uê uy oo")
_PALATAL = _alt("a ê i y oa uê uy")
_SYLLABLE_RE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvxfjwz])?"
    rf"(?:(?:{_OPEN})|(?:{_CLOSED})(?P<final>ng|[cmnpt])|(?:{_PALATAL})(?P<palatal>nh|ch))"
)
#: Syllables ending in a stop (-c, -ch, -p, -t) take only the sắc or nặng tone.
_STOP_TONES = {"\u0301", "\u0323"}


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` is spelt like one Vietnamese syllable (any case).

    Checks onset, vowel cluster and final consonant, at most one tone, and that a
    syllable ending in -c, -ch, -p or -t has the sắc or nặng tone: enough to tell
    correctly decoded names from mojibake such as ``Th¸i``, ``ThÃ¡i`` or ``Bừnh``.

    Examples
    --------
    >>> [is_vietnamese_syllable(w) for w in ("Nguyễn", "Thái", "Th¸i", "ThÃ¡i", "Bừnh", "Bàc")]
    [True, True, False, False, False, False]
    """
    nfd = unicodedata.normalize("NFD", word.lower())
    tones = _TONE_RE.findall(nfd)
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", _TONE_RE.sub("", nfd))
    m = _SYLLABLE_RE.fullmatch(bare)
    if m is None:
        return False
    final = m.group("final") or m.group("palatal") or ""
    return final not in ("c", "ch", "p", "t") or (bool(tones) and tones[0] in _STOP_TONES)


@dataclass(frozen=True)
class EncodingGuess:
    """Which encoding some text most probably uses, and how sure that is.

    Attributes
    ----------
    encoding
        One of :data:`ENCODINGS`; ``utf-8`` for ASCII-only input.
    confidence
        Posterior probability of ``encoding`` among the candidates (0-1), from
        the words whose reading differs between encodings (see :func:`detect_encoding`).
    words
        Number of distinct words that told the encodings apart (0 for ASCII).
    valid_share
        Per candidate, the share of those words that read as Vietnamese syllables.
    """

    encoding: str
    confidence: float
    words: int
    valid_share: dict[str, float] = field(default_factory=dict)

    @property
    def ascii_only(self) -> bool:
        return self.words == 0

    def __str__(self) -> str:
        if self.ascii_only:
            return "plain ASCII (every encoding reads it the same)"
        return (
            f"{self.encoding} (confidence {self.confidence:.2f}, {self.words} "
            f"distinguishing word{'s' if self.words != 1 else ''})"
        )


#: Share of real words that fail the syllable check (minority place names,
#: abbreviations, typos): the error rate of one word's vote in :func:`detect_encoding`.
_WORD_ERROR_RATE = 0.05
_SPLIT_BYTES = re.compile(rb"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_SPLIT_TEXT = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_MAX_WORDS = 20_000


def detect_encoding(
    values: Iterable[bytes | str],
    *,
    candidates: Sequence[str] = ENCODINGS,
) -> EncodingGuess:
    """Guess the encoding of some text from its bytes.

    Every distinct word (a run of bytes between ASCII spaces and punctuation)
    holding a non-ASCII byte is decoded with each candidate and checked with
    :func:`is_vietnamese_syllable`. Words that every candidate reads alike (all
    valid or all invalid) carry no information and are dropped; each remaining
    word is a vote that is right with probability 0.95. ``confidence`` is the
    posterior probability of the winner under equal priors, so it nears 1 after a
    handful of telling words and stays low when there are few.

    Parameters
    ----------
    values
        Raw bytes (a file, or field values), or strings holding mis-decoded text
        (read as Windows-1252 to get the bytes back; a string that Windows-1252
        cannot hold is taken as real Unicode, a vote for ``utf-8``).
    candidates
        Encodings to consider, in order of preference for ties.

    Examples
    --------
    >>> detect_encoding([encode(n, "vni") for n in ("Thái Nguyên", "Xã Phú Bình")]).encoding
    'vni'
    >>> detect_encoding([b"Thai Nguyen"]).ascii_only
    True
    """
    cands = [normalise_encoding_name(c) for c in candidates]
    words, unicode_words = _collect_words(values)
    valid, informative = _vote(words, unicode_words, cands)
    if informative == 0:
        return EncodingGuess("utf-8" if "utf-8" in cands else cands[0], 1.0, 0, {})
    shares = {c: sum(v) / informative for c, v in valid.items()}
    ok = math.log(1 - _WORD_ERROR_RATE)
    bad = math.log(_WORD_ERROR_RATE)
    loglik = {c: sum(ok if x else bad for x in v) for c, v in valid.items()}
    top = max(loglik.values())
    weights = {c: math.exp(ll - top) for c, ll in loglik.items()}
    best = max(cands, key=lambda c: (loglik[c], -cands.index(c)))
    confidence = weights[best] / sum(weights.values())
    return EncodingGuess(best, round(confidence, 4), informative, shares)


def _collect_words(
    values: Iterable[bytes | str],
) -> tuple[Counter[tuple[bytes, str | None]], set[str]]:
    """The distinct non-ASCII words of some text (at most about :data:`_MAX_WORDS`).

    Returns
    -------
    tuple
        ``(bytes, the string they were read from or None)`` -> count, and the words
        that only Unicode can hold (letters Windows-1252 has no byte for).
    """
    words: Counter[tuple[bytes, str | None]] = Counter()
    unicode_words: set[str] = set()
    for value in values:
        if value.isascii():
            continue
        if isinstance(value, str):
            for word in _SPLIT_TEXT.split(value):
                if word and not word.isascii():
                    raw = _to_bytes(word)
                    if raw is None:  # letters Windows-1252 cannot hold: real Unicode
                        unicode_words.add(word)
                    else:
                        words[raw, word] += 1
        else:
            words.update((w, None) for w in _SPLIT_BYTES.split(value) if w and not w.isascii())
        if len(words) + len(unicode_words) > _MAX_WORDS:
            break
    return words, unicode_words


def _vote(
    words: Iterable[tuple[bytes, str | None]], unicode_words: set[str], cands: list[str]
) -> tuple[dict[str, list[bool]], int]:
    """Each telling word's vote: per candidate, whether it reads as Vietnamese.

    Words with digits, and words that every candidate reads alike, tell nothing
    and are left out; words only Unicode can hold vote for ``utf-8``. Returns the
    votes and the number of telling words.
    """
    valid: dict[str, list[bool]] = {c: [] for c in cands}
    informative = 0
    for raw, text in words:
        if any(0x30 <= b <= 0x39 for b in raw):
            continue
        reads = {c: _reads_as_vietnamese(raw, text, c) for c in cands}
        if len(set(reads.values())) < 2:
            continue
        informative += 1
        for c in cands:
            valid[c].append(reads[c])
    if "utf-8" in cands and unicode_words:
        for c in cands:
            valid[c].extend([c == "utf-8"] * len(unicode_words))
        informative += len(unicode_words)
    return valid, informative


def _reads_as_vietnamese(raw: bytes, text: str | None, encoding: str) -> bool:
    """Whether one word reads as a Vietnamese syllable in ``encoding``.

    ``text`` is the string the bytes came from (``utf-8`` then means "as it is").
    """
    if encoding == "utf-8" and text is not None:
        return is_vietnamese_syllable(unicodedata.normalize("NFC", text))
    try:
        return is_vietnamese_syllable(decode(raw, encoding))
    except UnicodeDecodeError:
        return False


# --------------------------------------------------------------------------- tables


def decode_columns(
    frame: pd.DataFrame,
    encoding: str,
    *,
    raw: bool,
    min_confidence: float = 0.9,
) -> tuple[pd.DataFrame, EncodingGuess | None]:
    """Decode every text column (and the column names) of a table.

    Parameters
    ----------
    frame
        The table. Its text is either ``raw`` (each character one byte, as read
        with ISO-8859-1: DBF fields of a shapefile, MapInfo tables) or already
        Unicode that may hold mojibake (``Th¸i Nguyªn`` in a spreadsheet).
    encoding
        ``"auto"`` or one of :data:`ENCODINGS`.
    raw
        Whether the text is raw bytes (see above).
    min_confidence
        For ``auto`` on Unicode text: change nothing unless the guess is a
        legacy encoding at least this sure (raw text is always decoded with the
        best guess).

    Returns
    -------
    tuple
        The decoded table (a copy; ASCII values untouched) and, for ``auto``,
        the guess.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ten": ["Th\xb8i Nguy\xaan", "X\xb7 Ph\xf3 B\xd7nh", "Na Ri"]})
    >>> out, guess = decode_columns(df, "auto", raw=True)
    >>> out["ten"].tolist(), guess.encoding
    (['Thái Nguyên', 'Xã Phú Bình', 'Na Ri'], 'tcvn3')
    """
    text_cols = [
        c
        for c in frame.columns
        if (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))
        and not (hasattr(frame, "geometry") and c == getattr(frame, "_geometry_column_name", None))
    ]
    uniques: dict[object, pd.Index] = {c: pd.Index(pd.unique(frame[c].dropna())) for c in text_cols}
    guess = None
    if encoding == "auto":
        guess = _guess_table_encoding(uniques, [str(c) for c in frame.columns], raw=raw)
        enc = guess.encoding
        if not raw and (enc == "utf-8" or guess.confidence < min_confidence):
            return frame, guess
    else:
        enc = normalise_encoding_name(encoding)
        if enc == "utf-8" and not raw:
            return frame, None
    return _convert_text(frame, uniques, enc, raw=raw), guess


def _guess_table_encoding(
    uniques: dict[object, pd.Index], names: list[str], *, raw: bool
) -> EncodingGuess:
    """Guess the encoding of a table from its distinct non-ASCII values and column names."""
    sample = [v for u in uniques.values() for v in u if isinstance(v, str) and not v.isascii()]
    sample += [n for n in names if not n.isascii()]
    if raw:
        return detect_encoding(v.encode("latin-1", "replace") for v in sample)
    return detect_encoding(sample)


def _convert_text(
    frame: pd.DataFrame, uniques: dict[object, pd.Index], enc: str, *, raw: bool
) -> pd.DataFrame:
    """A copy of the table with its non-ASCII values and column names decoded (``raw``)
    or repaired from ``enc``; ``uniques`` holds each text column's distinct values."""

    def convert(value: str) -> str:
        if value.isascii():
            return value
        if raw:
            return decode(value.encode("latin-1", "replace"), enc, errors="replace")
        return repair(value, enc)

    out = frame.copy()
    for c, values in uniques.items():
        strings = [v for v in values if isinstance(v, str) and not v.isascii()]
        if strings:
            mapped = frame[c].map({v: convert(v) for v in strings})
            out[c] = mapped.where(mapped.notna(), frame[c])
    renamed = {c: convert(str(c)) for c in frame.columns if isinstance(c, str) and not c.isascii()}
    if renamed:
        out = out.rename(columns=renamed)
    return out


# --------------------------------------------------------------------------- codec registry


def _codec_info(name: str) -> codecs.CodecInfo:
    def enc(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
        return encode(text, name, errors=errors), len(text)

    def dec(data: Any, errors: str = "strict", /) -> tuple[str, int]:
        raw = bytes(data)
        return decode(raw, name, errors=errors), len(raw)

    return codecs.CodecInfo(enc, dec, name=name)


def _search(name: str) -> codecs.CodecInfo | None:
    key = re.sub(r"[\s_\-.]", "", name.lower())
    canonical = {"tcvn3": "tcvn3", "vniwindows": "vni", "vni": "vni", "viscii": "viscii"}.get(key)
    return None if canonical is None else _codec_info(canonical)


_registered = False


def register_codecs() -> None:
    """Make ``"tcvn3"``, ``"vni"`` and ``"viscii"`` usable with ``bytes.decode``/``str.encode``.

    Registration is process-wide and done once; the functions of this module
    work without it.

    Examples
    --------
    >>> register_codecs()
    >>> b"Th\\xb8i".decode("tcvn3")
    'Thái'
    """
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True
