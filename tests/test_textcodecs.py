"""Vietnamese legacy encodings: full letter tables, known strings, detection."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from coverage_gaps.vietnam import textcodecs as tc

LOWER = [ch for ch in tc.VIETNAMESE_LETTERS if ch.islower()]
UPPER = [ch for ch in tc.VIETNAMESE_LETTERS if ch.isupper()]
TONED_UPPER = [ch for ch in UPPER if ch not in "ĂÂÊÔƠƯĐ"]


def test_letter_table_is_complete() -> None:
    assert len(tc.VIETNAMESE_LETTERS) == 134 == len(set(tc.VIETNAMESE_LETTERS))
    assert len(LOWER) == len(UPPER) == 67
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in LOWER)
    # 12 vowels x 5 tones + ă â ê ô ơ ư đ
    assert sum(ch in TONED_UPPER for ch in UPPER) == 60


@pytest.mark.parametrize("encoding", ["utf-8", "vni", "viscii", "cp1258"])
def test_every_letter_round_trips(encoding: str) -> None:
    for ch in tc.VIETNAMESE_LETTERS:
        for text in (ch, f"X{ch}n", f"Xã {ch}a", ch * 3):
            raw = tc.encode(text, encoding)
            assert tc.decode(raw, encoding) == text, (encoding, text, raw)
    # every letter has its own code: no two letters encode alike
    codes = {tc.encode(ch, encoding) for ch in tc.VIETNAMESE_LETTERS}
    assert len(codes) == 134


def test_tcvn3_lower_case_and_plain_capitals_round_trip() -> None:
    for ch in [*LOWER, *"ĂÂÊÔƠƯĐ"]:
        for text in (ch, f"xã {ch}a", f"nh{ch}n"):
            assert tc.decode(tc.encode(text, "tcvn3"), "tcvn3") == text
    assert len({tc.encode(ch, "tcvn3") for ch in LOWER}) == 67
    assert all(len(tc.encode(ch, "tcvn3")) == 1 for ch in tc.VIETNAMESE_LETTERS)


def test_tcvn3_toned_capitals_use_the_lower_case_codes_and_come_back_in_context() -> None:
    for upper in TONED_UPPER:
        lower = upper.lower()
        assert tc.encode(upper, "tcvn3") == tc.encode(lower, "tcvn3")
        # all capitals: read back as capitals
        caps = f"XÃ {upper}NH PHÚ"
        assert tc.decode(tc.encode(caps, "tcvn3"), "tcvn3") == caps
        # title case name: a word after a capitalised word starts with a capital
        title = f"Xã Nà {upper}n"
        assert tc.decode(tc.encode(title, "tcvn3"), "tcvn3") == title
        # running lower-case text stays lower case
        plain = f"xã nà {lower}n"
        assert tc.decode(tc.encode(plain, "tcvn3"), "tcvn3") == plain
    # each value of a table is judged alone
    table = "V1,THÔN ẤP BẮC,1\nV2,Xã Ứng Hoà,2\nV3,ấp,3\n"
    assert tc.decode(tc.encode(table, "tcvn3"), "tcvn3") == table


def test_known_strings() -> None:
    assert tc.encode("Thái Nguyên", "tcvn3") == b"Th\xb8i Nguy\xaan"
    assert tc.decode(b"\xa7\xb9i h\xe4c Vi\xd6t Nam", "tcvn3") == "Đại học Việt Nam"
    assert tc.encode("Việt Nam", "vni") == b"Vie\xe4t Nam"
    assert tc.decode(b"\xd1\xf6\xf4\xf8ng", "vni") == "Đường"
    assert tc.decode(b"Th\xe1i Nguy\xean", "viscii") == "Thái Nguyên"
    # Windows-1258 with the tone as a combining mark comes out composed (NFC)
    assert tc.decode(b"Nguy\xea\xden", "cp1258") == "Nguyễn"
    assert unicodedata.is_normalized("NFC", tc.decode(b"Vi\xea\xf2t", "cp1258"))
    assert tc.decode(b"Vi\xea\xf2t", "cp1258") == "Việt"


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")
@pytest.mark.parametrize(("ours", "glibc"), [("viscii", "VISCII"), ("tcvn3", "TCVN5712-1")])
def test_tables_agree_with_glibc_iconv(ours: str, glibc: str) -> None:
    """An independent oracle: glibc's converters (TCVN5712-1 is VN1, a superset of
    TCVN3's lower-case letters and plain capitals)."""
    letters = tc.VIETNAMESE_LETTERS if ours == "viscii" else [*LOWER, *"ĂÂÊÔƠƯĐ"]
    for ch in letters:
        ref = subprocess.run(
            ["iconv", "-f", "UTF-8", "-t", glibc], input=ch.encode(), capture_output=True
        )
        if ref.returncode != 0:
            pytest.skip(f"iconv has no {glibc}")
        assert tc.encode(ch, ours) == ref.stdout, ch


def test_codecs_register_with_python() -> None:
    tc.register_codecs()
    assert b"Th\xb8i Nguy\xaan".decode("tcvn3") == "Thái Nguyên"
    assert "Việt Nam".encode("vni") == b"Vie\xe4t Nam"
    assert "Việt Nam".encode("VISCII").decode("viscii") == "Việt Nam"


def test_unknown_encoding_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown text encoding 'koi8'"):
        tc.decode(b"x", "koi8")
    assert tc.normalise_encoding_name("Windows-1258") == "cp1258"
    assert tc.normalise_encoding_name("VNI-Windows") == "vni"


def test_unencodable_characters() -> None:
    with pytest.raises(UnicodeEncodeError):
        tc.encode("北京", "tcvn3")
    assert tc.encode("a北", "vni", errors="replace") == b"a?"


def test_repair_mojibake_from_spreadsheets() -> None:
    assert tc.repair("Th¸i Nguyªn", "tcvn3") == "Thái Nguyên"
    assert tc.repair("Thaùi Nguyeân", "vni") == "Thái Nguyên"
    assert tc.repair("Việt Nam", "tcvn3") == "Việt Nam"  # real Unicode is left alone


# --------------------------------------------------------------------------- detection


@pytest.fixture(scope="module")
def names(shared_geodata: Path) -> list[str]:
    units = json.loads((shared_geodata / "vn_2025" / "units_2025.json").read_text("utf-8"))
    return [w["FullName"] for p in units if p["Code"] == "19" for w in p["Wards"]]


@pytest.mark.parametrize("encoding", tc.ENCODINGS)
def test_detection_on_real_commune_names(names: list[str], encoding: str) -> None:
    guess = tc.detect_encoding([tc.encode(n, encoding) for n in names])
    assert guess.encoding == encoding
    assert guess.confidence > 0.999
    assert guess.words > 50
    assert guess.valid_share[encoding] == 1.0
    # and from 10 names only
    small = tc.detect_encoding([tc.encode(n, encoding) for n in names[:10]])
    assert small.encoding == encoding and small.confidence > 0.9


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "cp1258"])
def test_detection_of_mojibake_strings(names: list[str], encoding: str) -> None:
    garbled = [tc.encode(n, encoding).decode("latin-1") for n in names]
    assert tc.detect_encoding(garbled).encoding == encoding
    assert tc.detect_encoding(names).encoding == "utf-8"  # real Unicode strings


def test_detection_of_pure_ascii() -> None:
    guess = tc.detect_encoding([b"Xa Phu Binh", b"Thon 3", b"Ban Na Hin"])
    assert guess.encoding == "utf-8" and guess.ascii_only and guess.confidence == 1.0
    assert "ASCII" in str(guess)


def test_syllable_check() -> None:
    good = ["Nguyễn", "Thái", "nghiêng", "quốc", "giếng", "khuỷu", "Ứng", "Việt", "Bắc"]
    bad = ["Th¸i", "ThÃ¡i", "Nguyªn", "Bừnh", "Bàc", "Hoàà", "xyz"]
    assert all(tc.is_vietnamese_syllable(w) for w in good)
    assert not any(tc.is_vietnamese_syllable(w) for w in bad)


def test_decode_columns_raw_and_repair(names: list[str]) -> None:
    raw = pd.DataFrame({"ten": [tc.encode(n, "vni").decode("latin-1") for n in names], "n": 1})
    out, guess = tc.decode_columns(raw, "auto", raw=True)
    assert guess is not None and guess.encoding == "vni"
    assert out["ten"].tolist() == names and out["n"].tolist() == [1] * len(names)
    forced, none = tc.decode_columns(raw, "vni", raw=True)
    assert none is None and forced["ten"].tolist() == names
    # Unicode text is left alone by auto
    same, guess = tc.decode_columns(pd.DataFrame({"ten": names}), "auto", raw=False)
    assert same["ten"].tolist() == names and guess is not None and guess.encoding == "utf-8"
