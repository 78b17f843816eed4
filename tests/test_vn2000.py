"""VN-2000: zones, the datum shift, reference points, real-data round trips, faults."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import max_error_m
from pyproj import CRS, Geod, Transformer

from coverage_gaps import InputDataError, Problem, load_communes, load_villages
from coverage_gaps._errors import collect_warnings
from coverage_gaps.config import CommunesSpec, VillagesSpec, parse_config
from coverage_gaps.vietnam.names import name_key
from coverage_gaps.vietnam.textcodecs import encode
from coverage_gaps.vietnam.vn2000 import (
    PROVINCE_MERIDIANS_2025,
    PROVINCE_MERIDIANS_PRE2025,
    TM3_EPSG,
    check_datum,
    export_crs,
    find_coordinate_faults,
    province_meridian,
    resolve_crs,
)

GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- tables and names


def test_tm3_table_matches_proj_db() -> None:
    for meridian, epsg in TM3_EPSG.items():
        crs = CRS.from_epsg(epsg)
        params = {p.name: p.value for p in crs.coordinate_operation.params}
        assert crs.datum.name == "Vietnam 2000", epsg
        assert params["Longitude of natural origin"] == meridian, epsg
        assert params["Scale factor at natural origin"] == 0.9999
        assert params["False easting"] == 500000.0


def test_province_tables(shared_geodata: Path) -> None:
    assert len(PROVINCE_MERIDIANS_2025) == 34 and len(PROVINCE_MERIDIANS_PRE2025) == 63
    for table in (PROVINCE_MERIDIANS_2025, PROVINCE_MERIDIANS_PRE2025):
        assert all(meridian in TM3_EPSG for _, meridian in table.values())
    # codes and names are the statistics office's list of the 34 provinces
    with open(shared_geodata / "crosswalk_2025" / "915_CTK-CSCL.csv", encoding="utf-8") as fh:
        official = {row["Mã số"]: row["Tên 34 tỉnh sau sáp nhập"] for row in csv.DictReader(fh)}
    assert set(official) == set(PROVINCE_MERIDIANS_2025)
    for code, (name, _) in PROVINCE_MERIDIANS_2025.items():
        assert name_key(name) == name_key(official[code]), code


@pytest.mark.parametrize(
    ("name", "epsg"),
    [
        ("VN-2000 TM-3 Thái Nguyên", 9213),
        ("vn2000 tm3 thai nguyen", 9213),
        ("VN-2000 / TM-3 Tỉnh Bắc Kạn", 9213),  # a former province: TT 973/2001
        ("VN-2000 TM-3 Lai Châu", 9208),  # 104°45′ since 2025
        ("VN-2000 TM-3 Lai Châu (pre-2025)", 9205),  # 103°00′ before
        ("VN-2000 TM-3 19", 9213),
        ("VN-2000 TM-3 TP. Hồ Chí Minh", 9210),
        ("VN-2000 TM-3 106-30", 9213),
        ("VN-2000 TM-3 106°30'", 9213),
        ("VN-2000 TM-3 107.75", 5899),
        ("VN-2000 TM-3 105-00", 5897),
        ("VN-2000 UTM 48N", 3405),
        ("VN-2000 / UTM zone 49N", 3406),
        ("VN-2000", 4756),
        ("EPSG:32648", 32648),
        (9213, 9213),
    ],
)
def test_resolve_crs_names(name: Any, epsg: int) -> None:
    assert resolve_crs(name).to_epsg() == epsg


def test_unknown_names_are_explained() -> None:
    with pytest.raises(ValueError, match="did you mean Thái Nguyên"):
        resolve_crs("VN-2000 TM-3 Thai Nguyen Province X")
    with pytest.raises(ValueError, match="no VN-2000 / TM-3 zone has the central meridian 109"):
        resolve_crs("VN-2000 TM-3 109-00")
    assert province_meridian("Bắc Kạn") == ("Bắc Kạn", 106.5)


def test_config_accepts_zone_names_and_checks_new_keys(tmp_path: Path) -> None:
    base: dict[str, Any] = {
        "name": "T",
        "communes": {"path": "c.shp", "crs": "VN-2000 TM-3 Thái Nguyên", "encoding": "TCVN3"},
        "villages": {"path": "v.csv", "x": "Y", "y": "X", "crs": "VN-2000 UTM 48N"},
        "coverage": [{"path": "a.tif", "carrier": "Viettel", "technology": "4G"}],
        "working_crs": "VN-2000 TM-3 106-30",
    }
    cfg = parse_config(base, base_dir=tmp_path)
    assert cfg.communes.crs == "EPSG:9213" and cfg.communes.encoding == "tcvn3"
    assert cfg.villages.crs == "EPSG:3405" and cfg.working_crs == "EPSG:9213"
    bad = {
        **base,
        "communes": {"path": "c.shp", "crs": "VN-2000 TM-3 Atlantis", "encoding": "koi8"},
        "villages": {"path": "v.csv", "x": "x", "y": "y", "commune_codes": "1999"},
    }
    with pytest.raises(InputDataError) as err:
        parse_config(bad, base_dir=tmp_path)
    text = str(err.value)
    assert "unknown province 'Atlantis'" in text
    assert "unknown text encoding 'koi8'" in text
    assert "unknown commune code set '1999'" in text


# --------------------------------------------------------------------------- datum


@pytest.mark.parametrize(
    ("epsg", "x", "y"), [(4756, 105.8, 21.6), (3405, 590000, 2390000), (9213, 430000, 2390000)]
)
def test_pyproj_uses_the_seven_parameter_shift(epsg: int, x: float, y: float) -> None:
    t = Transformer.from_crs(epsg, 4326, always_xy=True)
    lon, lat = t.transform(x, y)
    op = t.get_last_used_operation()
    assert "VN-2000 to WGS 84" in op.description
    assert "helmert" in op.definition and "convention=coordinate_frame" in op.definition
    check = check_datum(epsg, lon_lat=(lon, lat))
    assert check.includes_datum_shift and check.problem is None
    assert 200 < check.shift_m < 250  # about 224 m in Thái Nguyên
    assert check.error_m is not None and check.error_m < 1.0  # EPSG:6960 or :5194


def _dms(d: float, m: float, s: float) -> float:
    return d + m / 60 + s / 3600


#: TT 20/2019/TT-BGTVT (Khánh Hòa port limits): point -> (WGS 84, VN-2000) lon/lat,
#: given to 0.1″ in both systems (see docs/VIETNAM.md).
REFERENCE_POINTS = {
    "VP1": ((_dms(109, 26, 0.0), _dms(12, 33, 36.0)), (_dms(109, 25, 53.6), _dms(12, 33, 39.7))),
    "NT1": ((_dms(109, 16, 0.0), _dms(12, 14, 14.0)), (_dms(109, 15, 53.6), _dms(12, 14, 17.7))),
    "C1": ((_dms(109, 12, 24.9), _dms(11, 58, 8.8)), (_dms(109, 12, 18.4), _dms(11, 58, 12.5))),
}


@pytest.mark.parametrize("point", sorted(REFERENCE_POINTS))
def test_reference_points_both_ways(point: str) -> None:
    """Each coordinate is rounded to 0.1″ in both systems: per axis, the two
    roundings together allow 0.1″ (3.1 m)."""
    (wlon, wlat), (vlon, vlat) = REFERENCE_POINTS[point]
    lon, lat = Transformer.from_crs(4756, 4326, always_xy=True).transform(vlon, vlat)
    assert abs(lon - wlon) * 3600 <= 0.1 and abs(lat - wlat) * 3600 <= 0.1
    assert GEOD.inv(lon, lat, wlon, wlat)[2] < 2.5  # the sheet: 1.2-2.3 m
    back = Transformer.from_crs(4326, 4756, always_xy=True).transform(wlon, wlat)
    assert abs(back[0] - vlon) * 3600 <= 0.1 and abs(back[1] - vlat) * 3600 <= 0.1
    # without the shift the same numbers are more than 200 m apart
    assert GEOD.inv(vlon, vlat, wlon, wlat)[2] > 200


def test_datum_faults_are_recognised() -> None:
    # MapInfo's way: TM-3 parameters on the WGS 84 datum, shift lost
    mapinfo = "+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +datum=WGS84 +units=m +type=crs"
    check = check_datum(mapinfo, lon_lat=(105.8, 21.6))
    assert check.problem == "wgs84-tm3" and check.suggested == 9213 and check.shift_m < 0.01
    # TOWGS84 with the rotation signs of QĐ 05/2007 not flipped: under a metre off
    flipped = (
        "+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +ellps=WGS84 +towgs84=-191.90441429,"
        "-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m +type=crs"
    )
    check = check_datum(flipped, lon_lat=(105.8, 21.6))
    assert check.problem == "wrong-shift" and 0.5 < (check.error_m or 0) < 0.8
    # the CRS export_crs gives for writing keeps the shift exactly
    assert check_datum(export_crs(9213), lon_lat=(105.8, 21.6)).error_m == 0.0
    assert check_datum(4326).problem is None and check_datum(32648).problem is None


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def thai_nguyen(shared_geodata: Path) -> gpd.GeoDataFrame:
    path = shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg"
    gdf = pyogrio.read_dataframe(path, where="provinceCode = '19'")
    return gdf.sort_values("code").reset_index(drop=True)


def _write_shapefile(
    gdf: gpd.GeoDataFrame, path: Path, *, encoding: str = "utf-8", crs: Any = 9213
) -> Path:
    out = gdf[["code", "provinceCode", "fullName", "geometry"]].to_crs(9213)
    out = out.rename(columns={"provinceCode": "province"})  # DBF names: 10 characters
    if crs != 9213:
        out = out.set_crs(crs, allow_override=True)
    if encoding != "utf-8":  # the DBF gets the legacy bytes, as the provinces' files do
        out["fullName"] = [encode(n, encoding).decode("latin-1") for n in out["fullName"]]
    pyogrio.write_dataframe(out, path, encoding="ISO-8859-1" if encoding != "utf-8" else None)
    return path


def _spec(path: Path, **kw: Any) -> CommunesSpec:
    return CommunesSpec(path=path, id="code", name="fullName", province="province", **kw)


def _fault_notes(issues: list[Problem]) -> list[str]:
    words = ("swapped", "metres", "datum", "outside Vietnam", "degrees")
    return [str(p) for p in issues if any(w in p.what for w in words)]


@pytest.mark.slow
def test_vn2000_shapefiles_round_trip_with_legacy_names(
    thai_nguyen: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    """Acceptance: TM-3 106-30 with and without .prj, and names in TCVN3 and VNI, all
    load to the original geometry (< 1 m) and the original Unicode names."""
    with_prj = _write_shapefile(thai_nguyen, tmp_path / "with_prj.shp")
    no_prj = _write_shapefile(thai_nguyen, tmp_path / "no_prj.shp")
    no_prj.with_suffix(".prj").unlink()
    tcvn3 = _write_shapefile(thai_nguyen, tmp_path / "tcvn3.shp", encoding="tcvn3")
    tcvn3.with_suffix(".cpg").write_text("UTF-8")  # a wrong .cpg
    vni = _write_shapefile(thai_nguyen, tmp_path / "vni.shp", encoding="vni")
    vni.with_suffix(".cpg").unlink()  # no .cpg
    assert b"Th\xb8i" not in tcvn3.with_suffix(".dbf").read_bytes()  # names, not province
    assert "Định Hoá".encode() not in vni.with_suffix(".dbf").read_bytes()

    zone = parse_config(
        {
            "name": "T",
            "communes": {"path": str(no_prj), "crs": "VN-2000 TM-3 Thái Nguyên"},
            "villages": {"path": "v.csv", "x": "x", "y": "y"},
            "coverage": [{"path": "a.tif", "carrier": "Viettel", "technology": "4G"}],
        },
        base_dir=tmp_path,
    ).communes.crs
    assert zone == "EPSG:9213"
    cases = {with_prj: {}, no_prj: {"crs": zone}, tcvn3: {}, vni: {}}
    detected = {}
    for path, kw in cases.items():
        with collect_warnings() as issues:
            loaded = load_communes(_spec(path, **kw))
        assert loaded["commune_id"].tolist() == thai_nguyen["code"].tolist()
        assert loaded["commune_name"].tolist() == thai_nguyen["fullName"].tolist(), path.name
        assert CRS.from_user_input(loaded.crs).to_epsg() == 9213
        assert max_error_m(loaded, thai_nguyen) < 1.0, path.name
        assert _fault_notes(issues) == [], path.name
        detected[path.stem] = " ".join(p.what for p in issues if p.where == "encoding")
    assert detected["with_prj"] == detected["no_prj"] == ""  # UTF-8: nothing to report
    assert detected["tcvn3"].startswith("text read as tcvn3 (confidence 1.00")
    assert detected["vni"].startswith("text read as vni (confidence 1.00")


@pytest.mark.slow
def test_wrong_prj_is_caught_and_overridable(thai_nguyen: gpd.GeoDataFrame, tmp_path: Path) -> None:
    wrong = _write_shapefile(thai_nguyen, tmp_path / "wrong.shp", crs=4326)  # metres, WGS 84 .prj
    with pytest.raises(InputDataError) as err:
        load_communes(_spec(wrong))
    text = str(err.value)
    assert "says WGS 84 (EPSG:4326) (degrees), but the coordinates are metres" in text
    assert "'crs: VN-2000 TM-3 19' (EPSG:9213)" in text  # the province's zone first
    with collect_warnings() as issues:
        loaded = load_communes(_spec(wrong, crs="EPSG:9213"))
    assert max_error_m(loaded, thai_nguyen) < 1.0
    assert any("is used instead" in p.what for p in issues)


@pytest.mark.slow
def test_swapped_xy_warns(thai_nguyen: gpd.GeoDataFrame, tmp_path: Path) -> None:
    swapped = thai_nguyen.to_crs(9213)
    swapped = swapped.set_geometry(
        shapely.transform(swapped.geometry.to_numpy(), lambda xy: xy[:, ::-1]), crs=9213
    )
    path = _write_shapefile(swapped.to_crs(4326), tmp_path / "swapped.shp")
    with collect_warnings() as issues:
        load_communes(_spec(path))
    notes = _fault_notes(issues)
    assert len(notes) == 1 and "X and Y look swapped" in notes[0]
    assert "and 82 more" in notes[0] and "Swap X and Y" in notes[0]  # all 92 communes


def test_village_tables_with_surveyors_xy(tmp_path: Path) -> None:
    """Vietnamese surveying writes X for the northing: x: X is a swap."""
    x, y = Transformer.from_crs(4326, 9213, always_xy=True).transform(
        [105.80, 105.85, 105.9], [21.55, 21.60, 21.65]
    )
    table = pd.DataFrame(
        {"village_id": ["a", "b", "c"], "name": "Thôn 1", "population": 10, "X": y, "Y": x}
    )
    table.to_csv(tmp_path / "v.csv", index=False)
    spec = dict(path=tmp_path / "v.csv", crs="EPSG:9213")
    with collect_warnings() as issues:
        load_villages(VillagesSpec(**spec, x="X", y="Y"))
    assert [p.fix for p in issues] == ["swap the columns in the project file ('x: Y', 'y: X')."]
    with collect_warnings() as clean:
        load_villages(VillagesSpec(**spec, x="Y", y="X"))
    assert clean == []
    # metres under the default CRS (WGS 84): an error naming the VN-2000 zones
    with pytest.raises(InputDataError) as err:
        load_villages(VillagesSpec(path=tmp_path / "v.csv", x="Y", y="X"))
    assert "'crs: VN-2000 TM-3 <province>'" in str(err.value) and "EPSG:3405" in str(err.value)
    # degrees under a projected CRS: unusable, an error naming the fix
    table.assign(X=[21.55, 21.6, 21.65], Y=[105.8, 105.85, 105.9]).to_csv(
        tmp_path / "d.csv", index=False
    )
    with pytest.raises(InputDataError, match="set 'crs: EPSG:4326'"):
        load_villages(VillagesSpec(path=tmp_path / "d.csv", crs="EPSG:9213", x="Y", y="X"))


def test_fault_finder_leaves_clean_data_alone() -> None:
    lon = np.array([105.8, 106.0, 103.0, 109.2, 114.3])  # incl. Trường Sa
    lat = np.array([21.6, 10.8, 21.4, 12.2, 10.4])
    assert find_coordinate_faults(lon, lat, 4326) == []
    x, y = Transformer.from_crs(4326, 3405, always_xy=True).transform(lon[:3], lat[:3])
    assert find_coordinate_faults(np.array(x), np.array(y), 3405) == []
    kinds = [f.kind for f in find_coordinate_faults(lon + 40, lat, 4326)]
    assert kinds == ["outside"]


@pytest.mark.slow
def test_every_2025_commune_lies_in_vietnam_extent(shared_geodata) -> None:
    import shapely

    from coverage_gaps.vietnam.vn2000 import VIETNAM_BOXES

    communes = gpd.read_file(shared_geodata / "vn_2025" / "wards_2025_10m.gpkg")
    boxes = shapely.union_all([shapely.box(*b) for b in VIETNAM_BOXES])
    outside = communes.loc[~communes.geometry.within(boxes), "fullName"].tolist()
    assert outside == []
