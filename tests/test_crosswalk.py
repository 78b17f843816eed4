"""Pre-2025 commune codes to 2025 ones, checked against the official mapping."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml
from click.testing import CliRunner
from conftest import write_raster
from rasterio.transform import from_origin

from coverage_gaps import load_config, load_inputs
from coverage_gaps.cli import cli
from coverage_gaps.vietnam.crosswalk import (
    Crosswalk,
    compare_crosswalks,
    convert_codes,
    old_codes_from_addresses,
)


@pytest.fixture(scope="module")
def official(shared_geodata: Path) -> Crosswalk:
    return Crosswalk.from_file(shared_geodata / "crosswalk_2025" / "splits.json")


@pytest.fixture(scope="module")
def old_thai_nguyen(shared_geodata: Path) -> list[str]:
    """Old communes of today's Thái Nguyên: the old Thái Nguyên (19) and Bắc Kạn (06)."""
    data = json.loads((shared_geodata / "crosswalk_2025" / "splits.json").read_text("utf-8"))
    return [
        unit["level3_id"]
        for prov in data["data"]
        if prov["level1_id"] in ("19", "06")
        for unit in prov["level3s"]
    ]


@pytest.fixture(scope="module")
def communes(shared_geodata: Path) -> gpd.GeoDataFrame:
    path = shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg"
    gdf = pyogrio.read_dataframe(path, where="provinceCode = '19'", columns=["code"])
    return gdf.rename(columns={"code": "commune_id"}).to_crs(9213)


def test_official_files_agree_and_package_agreement(
    official: Crosswalk, shared_geodata: Path, old_thai_nguyen: list[str]
) -> None:
    merges = Crosswalk.from_file(shared_geodata / "crosswalk_2025" / "merges.json")
    assert compare_crosswalks(official, merges).share == 1.0
    package = Crosswalk.from_package()
    national = compare_crosswalks(official, package)
    assert national.compared == 10_047
    assert national.share >= 0.99  # 9,981 / 10,047 = 99.34 % with vietnamadminunits 1.0.4
    province = compare_crosswalks(official, package, old_codes=old_thai_nguyen)
    assert (province.compared, province.same) == (280, 280)
    assert str(province) == "280 of 280 old communes agree (100.00%)"


@pytest.mark.slow
@pytest.mark.parametrize("source", ["package", "official"])
def test_whole_province_village_table(
    source: str,
    official: Crosswalk,
    old_thai_nguyen: list[str],
    communes: gpd.GeoDataFrame,
) -> None:
    """A village table keyed by the old codes of every old commune of Thái Nguyên:
    one village per (old commune, successor), inside that successor; plus villages
    that no successor contains and an unknown code. Every result is checked
    against the official mapping."""
    mapping = Crosswalk.from_package() if source == "package" else official
    successors = official.successors()
    inside = pd.Series(
        shapely.point_on_surface(communes.geometry.to_numpy()), index=communes["commune_id"]
    )
    rows = [
        (old, new, inside[new])
        for old in old_thai_nguyen
        for new in successors[old]  # split communes: one village in each successor
    ]
    split_olds = [old for old in old_thai_nguyen if len(successors[old]) > 1]
    assert len(split_olds) == 3 and len(rows) == 280 + 3
    far = inside[communes["commune_id"].iloc[0]]  # in a commune none of them went to
    rows += [
        (old, None, far)
        for old in split_olds
        if communes["commune_id"].iloc[0] not in successors[old]
    ]
    rows += [("99999", None, far)]
    table = pd.DataFrame(rows, columns=["old", "expected", "point"])
    # as people type them: some without the leading zero
    codes = table["old"].str.lstrip("0").where(table.index % 2 == 0, table["old"])

    result = convert_codes(codes, mapping, points=table["point"].to_numpy(), communes=communes)

    assert result["old_code"].tolist() == table["old"].tolist()
    for row, res in zip(table.itertuples(), result.itertuples(), strict=True):
        if row.old == "99999":
            assert res.method == "unknown" and pd.isna(res.new_code)
            continue
        truth = successors[row.old]
        assert res.candidates == "|".join(truth)
        if len(truth) == 1:
            assert (res.method, res.new_code) == ("unique", truth[0]), row.old
        elif pd.isna(row.expected):
            assert res.method == "unresolved" and pd.isna(res.new_code), row.old
        else:
            assert (res.method, res.new_code) == ("inside", row.expected), row.old
            assert res.new_code in truth
    counts = result["method"].value_counts().to_dict()
    assert counts == {"unique": 277, "inside": 6, "unresolved": 3, "unknown": 1}


def test_without_polygons_the_nearest_centre_decides() -> None:
    cw = Crosswalk.from_package()
    centres = cw.centres.set_index("new_code")
    a, b = centres.loc["05908"], centres.loc["05941"]  # successors of Thượng Đình (05932)
    pts = [shapely.Point(a["lon"], a["lat"]), shapely.Point(b["lon"], b["lat"]), None]
    res = convert_codes(["05932"] * 3, cw, points=pts)
    assert res["new_code"].tolist()[:2] == ["05908", "05941"]
    assert res["method"].tolist() == ["centre", "centre", "unresolved"]


def test_old_addresses_and_mapping_files(tmp_path: Path) -> None:
    codes = old_codes_from_addresses(
        [
            "Xã Hà Châu, Huyện Phú Bình, Tỉnh Thái Nguyên",
            "x. ha chau, h. phu binh, thai nguyen",
            "Phường Gia Sàng, TP Thái Nguyên, Thái Nguyên",
            "nowhere at all",
            None,
        ]
    )
    assert codes.tolist() == ["05968", "05968", "05461", pd.NA, pd.NA]
    (tmp_path / "map.csv").write_text("old_code,new_code\n5968,5941\n05932,05908\n05932,05941\n")
    cw = Crosswalk.from_file(tmp_path / "map.csv")
    assert cw.successors().to_dict() == {"05932": ("05908", "05941"), "05968": ("05941",)}
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="columns old_code and new_code not found"):
        Crosswalk.from_file(tmp_path / "bad.csv")


@pytest.mark.slow
def test_pipeline_converts_pre2025_codes_on_the_fly(
    shared_geodata: Path, communes: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    inside = dict(
        zip(
            communes["commune_id"],
            shapely.point_on_surface(communes.to_crs(4326).geometry.to_numpy()),
            strict=True,
        )
    )
    villages = pd.DataFrame(
        {
            "village_id": ["v1", "v2", "v3", "v4"],
            "name": ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4"],
            "population": [100, 200, 300, 400],
            # Hà Châu (whole into 05941); Thượng Đình, split to 05908/05941, twice;
            # Thượng Đình again but lying in Đức Xuân (01840), not one of its successors
            "ma_xa": ["5968", "05932", "05932", "05932"],
            "lon": [inside[c].x for c in ("05941", "05908", "05941", "01840")],
            "lat": [inside[c].y for c in ("05941", "05908", "05941", "01840")],
        }
    )
    villages.to_csv(tmp_path / "villages.csv", index=False)
    write_raster(
        tmp_path / "viettel_4g.tif",
        np.ones((1, 1), dtype="uint8"),
        nodata=255,
        crs="EPSG:4326",
        transform=from_origin(105.0, 23.0, 2.0, 2.0),
    )
    project = {
        "name": "Thái Nguyên",
        "communes": {
            "path": str(shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg"),
            "where": "provinceCode = '19'",
        },
        "villages": {
            "path": "villages.csv",
            "x": "lon",
            "y": "lat",
            "commune": "ma_xa",
            "commune_codes": "pre-2025",
        },
        "coverage": [{"path": "viettel_4g.tif", "carrier": "Viettel", "technology": "4G"}],
    }
    (tmp_path / "project.yml").write_text(yaml.safe_dump(project, allow_unicode=True), "utf-8")
    inputs = load_inputs(load_config(tmp_path / "project.yml"))
    v = inputs.villages.set_index("village_id")
    assert v["commune_id"].tolist() == ["05941", "05908", "05941", "01840"]
    assert v["commune_source"].tolist() == ["input", "crosswalk", "crosswalk", "inside"]
    assert v["commune_id_pre2025"].tolist() == ["05968", "05932", "05932", "05932"]
    notes = [str(p) for p in inputs.issues if "split" in p.what]
    assert len(notes) == 1 and "village ids v4" in notes[0]


@pytest.mark.slow
def test_cli_crosswalk(shared_geodata: Path, communes: gpd.GeoDataFrame, tmp_path: Path) -> None:
    pts = shapely.point_on_surface(communes.set_index("commune_id").geometry.to_numpy())
    at = dict(zip(communes["commune_id"], pts, strict=True))
    table = pd.DataFrame(
        {
            "ten": ["Thôn Na Hin", "Xóm 3", "Bản Chang"],
            "ma_xa": ["5968", "", "05932"],
            "dia_chi": ["", "Xã Hà Châu, Huyện Phú Bình, Tỉnh Thái Nguyên", ""],
            # surveyors' VN-2000 coordinates: X is the northing
            "X": [at["05941"].y, at["05941"].y, at["05908"].y],
            "Y": [at["05941"].x, at["05941"].x, at["05908"].x],
        }
    )
    table.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    args = [
        "crosswalk",
        str(tmp_path / "in.csv"),
        str(out),
        "--code",
        "ma_xa",
        "--address",
        "dia_chi",
        "--x",
        "Y",
        "--y",
        "X",
        "--crs",
        "VN-2000 TM-3 Thái Nguyên",
        "--communes",
        str(shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg"),
        "--communes-where",
        "provinceCode = '19'",
        "--compare",
        str(shared_geodata / "crosswalk_2025" / "splits.json"),
    ]
    res = CliRunner().invoke(cli, args[:3])
    assert res.exit_code == 2 and "give --code (old commune codes) or --address" in res.output
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "agreement with splits.json: 9,981 of 10,047 old communes agree (99.34%)" in res.output
    got = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert got["commune_code_2025"].tolist() == ["05941", "05941", "05908"]
    assert got["crosswalk_method"].tolist() == ["unique", "unique", "inside"]
    assert got["commune_name_2025"].tolist()[0] == "Xã Điềm Thụy"
    assert got["ten"].tolist() == table["ten"].tolist()
