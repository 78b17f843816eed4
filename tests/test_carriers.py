from __future__ import annotations

import pytest

from coverage_gaps import carrier_slug, normalise_carrier, normalise_technology


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Viettel", "Viettel"),
        ("VIETTEL", "Viettel"),
        (" viettel ", "Viettel"),
        ("452-04", "Viettel"),
        ("45204", "Viettel"),
        ("Vinaphone", "VNPT"),
        ("VNPT-VinaPhone", "VNPT"),
        ("vnpt", "VNPT"),
        ("452 02", "VNPT"),
        ("Mobifone", "MobiFone"),
        ("452-01", "MobiFone"),
        ("Vietnamobile", "Vietnamobile"),
        ("452-05", "Vietnamobile"),
        ("Gtel Mobile", "Gmobile"),
        ("Some  Other Telco", "Some Other Telco"),
    ],
)
def test_normalise_carrier(raw: str, expected: str) -> None:
    assert normalise_carrier(raw) == expected


def test_empty_carrier_rejected() -> None:
    with pytest.raises(ValueError, match="empty carrier"):
        normalise_carrier("  -- ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2g", "2G"),
        ("GSM", "2G"),
        ("WCDMA", "3G"),
        ("umts", "3G"),
        ("LTE", "4G"),
        ("4G", "4G"),
        ("NR", "5G"),
        ("5G NR", "5G"),
    ],
)
def test_normalise_technology(raw: str, expected: str) -> None:
    assert normalise_technology(raw) == expected


def test_unknown_technology() -> None:
    with pytest.raises(ValueError, match="unknown technology"):
        normalise_technology("6G")


def test_slug() -> None:
    assert carrier_slug("MobiFone") == "mobifone"
    assert carrier_slug("Đông Dương Telecom") == "dong_duong_telecom"
