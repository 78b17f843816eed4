"""The place-name normaliser and name matching (villages to communes by name)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage_gaps import assign_villages_to_communes
from coverage_gaps._errors import collect_warnings
from coverage_gaps.vietnam.names import (
    match_commune_names,
    match_names,
    name_key,
    name_keys,
    split_unit,
    strip_diacritics,
)


@pytest.mark.parametrize(
    "variants",
    [
        ["Thôn 3", "thôn ba", "THÔN III", "Thôn 03", "Thon 3", "thon ba", "Th. 3", "Thôn số 3"],
        ["Tổ dân phố 12", "TDP 12", "tổ dân phố Mười Hai", "Tổ 12", "TDP số 12", "Tổ DP 12"],
        ["Xóm 21", "Xóm Hai Mươi Mốt", "xom hai muoi mot", "Xóm XXI"],
        ["Xã Phú Bình", "X. Phú Bình", "X.Phú Bình", "xa phu binh", "XÃ PHÚ BÌNH", "Phú Bình"],
        ["Phường Gia Sàng", "P. Gia Sàng", "P.Gia Sang", "phuong gia sang"],
        ["Thị trấn Hùng Sơn", "TT Hùng Sơn", "TT. Hùng Sơn", "thi tran hung son"],
        ["Xã Điềm Thụy", "Xã Điềm Thuỵ", "Điềm Thuỵ", "X. Diem Thuy"],
        ["Xã Định Hóa", "Xã Định Hoá", "dinh hoa"],
        ["Bản Nà Hin", "bản  Nà   Hin", "Ban Na Hin", "Nà Hin"],
        ["Đặc khu Phú Quốc", "đặc khu phú quốc", "Phú Quốc"],
        ["Tỉnh Thái Nguyên", "Thái Nguyên", "tinh thai nguyen"],
        ["Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "TP Ho Chi Minh"],
    ],
)
def test_variants_share_one_key(variants: list[str]) -> None:
    keys = {name_key(v) for v in variants}
    assert len(keys) == 1, {v: name_key(v) for v in variants}


def test_keys_keep_what_must_differ() -> None:
    assert name_key("Thôn Nam") != name_key("Thôn Năm")  # south vs five
    assert name_key("Thôn Năm") == "5"
    assert name_key("Tô Hiệu") == "to hieu"  # "Tô" is a name, not "Tổ"
    assert name_key("Khu Tập Thể") == "khu tap the"  # "Khu" only before a number
    assert name_key("Bàn Đạt") == "ban dat"  # accented "Bàn" is not "Bản"
    assert name_key("Thôn Vi") == "vi"  # Roman numerals only in capitals
    assert name_key("Xã") == "xa"  # a unit word alone is kept
    assert name_key("Thôn 3A") == "3a"
    assert name_key("Xã Tân Thành", accents=True) != name_key("Xã Tấn Thành", accents=True)
    assert name_key(None) == name_key(float("nan")) == ""


def test_split_unit_and_diacritics() -> None:
    assert split_unit("TDP số 5") == ("tổ dân phố", "số 5")
    assert split_unit("X.Phú Bình") == ("xã", "Phú Bình")
    assert split_unit("Làng Lăng Cô") == ("làng", "Lăng Cô")
    assert split_unit("Lăng Cô") == (None, "Lăng Cô")
    assert strip_diacritics("Đồng Hỷ") == "Dong Hy"


def test_name_keys_vectorised() -> None:
    values = pd.Series(["Thôn 3", None, "Thôn Ba", "Thôn 3"] * 1000)
    keys = name_keys(values)
    assert keys.shape == (4000,) and set(keys) == {"3", ""}


def test_match_names_reports_ambiguous_and_unmatched() -> None:
    choices = ["Xã Phú Bình", "Xã Tân Thành", "Phường Tân Thành", "Xã Bàn Đạt"]
    m = match_names(["x. phu binh", "Tân Thành", "Ban Dat", "Nowhere", "Phường Tân Thành"], choices)
    assert m.index.tolist() == [0, -1, 3, -1, 2]  # the unit word tells the last one apart
    assert m.status.tolist() == ["key", "ambiguous", "key", "unmatched", "key"]
    assert m.candidates[1] == (1, 2)


def test_all_real_communes_match_their_own_variants(shared_geodata: Path) -> None:
    units = json.loads((shared_geodata / "vn_2025" / "units_2025.json").read_text("utf-8"))
    wards = [w for p in units if p["Code"] == "19" for w in p["Wards"]]
    communes = pd.DataFrame(
        {"commune_id": [w["Code"] for w in wards], "commune_name": [w["FullName"] for w in wards]}
    )
    assert len(communes) == 92
    abbrev = {"Xã": "X.", "Phường": "P."}
    variants = [
        *(w["FullName"].upper() for w in wards),
        *(w["FullNameEn"] for w in wards),  # "Phuong Tien Commune": English, no diacritics
        *(abbrev[w["FullName"].split()[0]] + " " + w["Name"] for w in wards),
        *(w["Name"] for w in wards),
    ]
    codes, notes = match_commune_names(pd.Series(variants), communes)
    # without diacritics "Văn Lang" and "Văn Lăng" are one name: reported, not guessed
    assert [str(n) for n in notes] == [
        "villages: 1 commune name(s): several communes have these names: 'Van Lang Commune' "
        "(Xã Văn Lang 02143 / Xã Văn Lăng 05665); those villages were placed by location instead. "
        "Fix: give commune codes instead of names, or write the names in full."
    ]
    expected = communes["commune_id"].tolist() * 4
    ambiguous = [i for i, v in enumerate(variants) if v == "Van Lang Commune"]
    assert len(ambiguous) == 2
    for i in ambiguous:
        expected[i] = None
    assert [None if pd.isna(c) else c for c in codes] == expected


def test_villages_join_communes_by_name() -> None:
    communes = gpd.GeoDataFrame(
        {
            "commune_id": ["A", "B", "C", "D"],
            "commune_name": ["Xã Phú Bình", "Xã Tân Thành", "Phường Tân Thành", "Xã Kha Sơn"],
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)],
        crs=32648,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["v1", "v2", "v3", "v4", "v5"],
            "commune_id": pd.array(
                ["x. phu binh", "Tân Thành", "Kha Son", "Nowhere", "D"], dtype="string"
            ),
        },
        geometry=[shapely.Point(x, 0.5) for x in (0.5, 2.5, 3.5, 1.5, 3.2)],
        crs=32648,
    )
    with collect_warnings() as issues:
        out = assign_villages_to_communes(villages, communes)
    assert out["commune_id"].tolist() == ["A", "C", "D", "B", "D"]
    assert out["commune_source"].tolist() == ["name", "inside", "name", "inside", "input"]
    text = " ".join(str(p) for p in issues)
    assert "several communes have these names: 'Tân Thành'" in text
    assert "no commune of the layer has these names: 'Nowhere'" in text
    assert np.all(out["commune_id"].notna())


@pytest.mark.parametrize("module", ["names", "textcodecs", "vn2000", "crosswalk"])
def test_docstring_examples(module: str) -> None:
    """The examples in the docstrings of the Vietnamese-data modules run as written."""
    import doctest
    import importlib

    mod = importlib.import_module(f"coverage_gaps.vietnam.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
