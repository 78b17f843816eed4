"""Formats met in practice: MapInfo TAB/MIF, KML/KMZ, Excel with DMS, CSV with comma decimals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import max_error_m

from coverage_gaps import load_communes, load_villages
from coverage_gaps._errors import collect_warnings
from coverage_gaps.config import CommunesSpec, VillagesSpec
from coverage_gaps.vietnam.textcodecs import encode
from coverage_gaps.vietnam.vn2000 import export_crs

NAMES = ["Thôn Nà Hin", "Bản Chang", "Xóm Đồng Hỷ", "Tổ dân phố số 5", "Ấp Bắc"]
LON = [105.8012, 105.8524, 105.9, 105.95, 106.0]
LAT = [21.5867, 21.61, 21.7001, 21.8, 21.75]


def _dms(value: float, pos: str, neg: str) -> str:
    hemi = pos if value >= 0 else neg
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return f"{d}°{m:02d}'{s:04.1f}\"{hemi}"


# --------------------------------------------------------------------------- MapInfo


@pytest.fixture(scope="module")
def thai_nguyen(shared_geodata: Path) -> gpd.GeoDataFrame:
    path = shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg"
    gdf = pyogrio.read_dataframe(path, where="provinceCode = '19'", columns=["code", "fullName"])
    return gdf.sort_values("code").reset_index(drop=True)


def _centre_shift_m(loaded: gpd.GeoDataFrame, original: gpd.GeoDataFrame) -> float:
    """Median distance between the centroids of loaded and original geometries, in metres."""
    a = loaded.to_crs(32648).geometry.centroid.to_numpy()
    b = original.to_crs(32648).geometry.centroid.to_numpy()
    return float(np.median(shapely.distance(a, b)))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".tab", ".mif"])
def test_mapinfo_in_vn2000_keeps_the_datum(
    thai_nguyen: gpd.GeoDataFrame, tmp_path: Path, suffix: str
) -> None:
    tm3 = thai_nguyen.to_crs(9213)
    good = tmp_path / f"good{suffix}"
    pyogrio.write_dataframe(tm3.set_crs(export_crs(9213), allow_override=True), good)
    naive = tmp_path / f"naive{suffix}"  # MapInfo has no VN-2000 datum: written as WGS 84
    legacy = tm3.assign(fullName=[encode(n, "tcvn3").decode("latin-1") for n in tm3["fullName"]])
    pyogrio.write_dataframe(legacy, naive, encoding="ISO-8859-1")

    spec = {"id": "code", "name": "fullName"}
    with collect_warnings() as issues:
        loaded = load_communes(CommunesSpec(path=good, **spec))
    assert max_error_m(loaded, thai_nguyen) < 0.05
    assert issues == []

    with collect_warnings() as issues:
        lost = load_communes(CommunesSpec(path=naive, **spec))
    assert 200 < _centre_shift_m(lost, thai_nguyen) < 250  # the datum shift, lost
    text = " ".join(str(p) for p in issues)
    assert "parameters of VN-2000 / TM-3 106-30 but the WGS 84 datum" in text
    assert "set 'crs: EPSG:9213'" in text
    assert lost["commune_name"].tolist() == thai_nguyen["fullName"].tolist()  # TCVN3 decoded
    assert "text read as tcvn3" in text

    with collect_warnings() as issues:
        fixed = load_communes(CommunesSpec(path=naive, crs="EPSG:9213", **spec))
    assert max_error_m(fixed, thai_nguyen) < 0.05
    assert any("is used instead" in p.what for p in issues)


# --------------------------------------------------------------------------- KML / KMZ


def _placemark(i: int) -> str:
    return (
        f"<Placemark><name>{NAMES[i]}</name><ExtendedData>"
        f'<Data name="ma_thon"><value>T{i}</value></Data>'
        f'<Data name="dan_so"><value>{100 * (i + 1)}</value></Data>'
        f"</ExtendedData><Point><coordinates>{LON[i]},{LAT[i]},0</coordinates></Point>"
        "</Placemark>"
    )


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_google_earth_kml_and_kmz_with_folders(tmp_path: Path, suffix: str) -> None:
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><name>Thôn lõm sóng</name>"
        f"<Folder><name>Phú Bình</name>{''.join(_placemark(i) for i in range(3))}</Folder>"
        f"<Folder><name>Đại Từ</name>{''.join(_placemark(i) for i in range(3, 5))}</Folder>"
        "</Document></kml>"
    )
    path = tmp_path / f"villages{suffix}"
    if suffix == ".kmz":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("files/readme.txt", "not the KML")
            z.writestr("doc.kml", kml)
    else:
        path.write_text(kml, encoding="utf-8")
    v = load_villages(VillagesSpec(path=path, id="ma_thon", name="Name", population="dan_so"))
    assert v["village_id"].tolist() == [f"T{i}" for i in range(5)]  # both folders
    assert v["name"].tolist() == NAMES
    assert v["population"].tolist() == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert np.allclose(v.geometry.x, LON) and np.allclose(v.geometry.y, LAT)


# --------------------------------------------------------------------------- tables


def test_excel_with_degrees_minutes_seconds(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "ma": ["a", "b", "c", "d", "e"],
            "ten": NAMES,
            "dan_so": [1, 2, 3, 4, 5],
            "vi_do": [_dms(v, "N", "S") for v in LAT],
            # Vietnamese style for longitude: Đ (Đông, east), primes
            "kinh_do": [_dms(v, "Đ", "T").replace("'", "′").replace('"', "″") for v in LON],
        }
    )
    assert table["vi_do"][0] == "21°35'12.1\"N"
    table.to_excel(tmp_path / "v.xlsx", index=False)
    spec = VillagesSpec(
        path=tmp_path / "v.xlsx", id="ma", name="ten", population="dan_so", x="kinh_do", y="vi_do"
    )
    v = load_villages(spec)
    # 0.1″ of arc is about 3 m: the rounding of the DMS text
    assert np.allclose(v.geometry.x, LON, atol=0.1 / 3600)
    assert np.allclose(v.geometry.y, LAT, atol=0.1 / 3600)
    assert v["name"].tolist() == NAMES


def test_csv_with_comma_decimals_and_semicolons(tmp_path: Path) -> None:
    lines = ["ma;ten;dan_so;x;y"] + [
        f"{i};{n};{p};{str(x).replace('.', ',')};{str(y).replace('.', ',')}"
        for i, (n, p, x, y) in enumerate(zip(NAMES, [10, 20, 30, 40, 50], LON, LAT, strict=True))
    ]
    (tmp_path / "v.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = VillagesSpec(
        path=tmp_path / "v.csv", id="ma", name="ten", population="dan_so", x="x", y="y"
    )
    v = load_villages(spec)
    assert np.allclose(v.geometry.x, LON) and np.allclose(v.geometry.y, LAT)
    # VN-2000 metres written Vietnamese-style: "2.390.000,5"
    metres = pd.DataFrame(
        {"ma": ["a"], "ten": ["Thôn 1"], "dan_so": [5], "x": ["430.000,5"], "y": ["2.390.000,25"]}
    )
    metres.to_csv(tmp_path / "m.csv", index=False, sep=";")
    m = load_villages(
        VillagesSpec(
            path=tmp_path / "m.csv",
            id="ma",
            name="ten",
            population="dan_so",
            x="x",
            y="y",
            crs="EPSG:9213",
        )
    )
    assert (m.geometry.x[0], m.geometry.y[0]) == (430000.5, 2390000.25)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "cp1258"])
def test_legacy_csv_is_decoded(tmp_path: Path, encoding: str) -> None:
    rows = [
        f"{i},{n},{10 * i},{x},{y}" for i, (n, x, y) in enumerate(zip(NAMES, LON, LAT, strict=True))
    ]
    text = "ma,ten,dan_so,x,y\n" + "\n".join(rows) + "\n"
    (tmp_path / "v.csv").write_bytes(encode(text, encoding))
    spec = dict(path=tmp_path / "v.csv", id="ma", name="ten", population="dan_so", x="x", y="y")
    with collect_warnings() as issues:
        v = load_villages(VillagesSpec(**spec))  # encoding: auto
    assert v["name"].tolist() == NAMES
    assert [p.where for p in issues] == ["encoding"]
    assert f"text read as {encoding} (confidence" in issues[0].what
    with collect_warnings() as forced:
        names = load_villages(VillagesSpec(**spec, encoding=encoding))["name"].tolist()
    assert names == NAMES
    assert forced == []


def test_excel_typed_in_a_legacy_font_is_repaired(tmp_path: Path) -> None:
    garbled = [encode(n, "tcvn3").decode("cp1252") for n in NAMES]
    assert garbled[0] == "Th«n Nµ Hin"
    pd.DataFrame({"ma": list("abcde"), "ten": garbled, "dan_so": 1, "x": LON, "y": LAT}).to_excel(
        tmp_path / "v.xlsx", index=False
    )
    spec = VillagesSpec(
        path=tmp_path / "v.xlsx", id="ma", name="ten", population="dan_so", x="x", y="y"
    )
    with collect_warnings() as issues:
        assert load_villages(spec)["name"].tolist() == NAMES
    assert "text read as tcvn3" in issues[0].what
    # a clean UTF-8 workbook is left exactly as it is
    pd.DataFrame({"ma": list("abcde"), "ten": NAMES, "dan_so": 1, "x": LON, "y": LAT}).to_excel(
        tmp_path / "u.xlsx", index=False
    )
    with collect_warnings() as clean:
        u = load_villages(VillagesSpec(**{**spec.__dict__, "path": tmp_path / "u.xlsx"}))
    assert u["name"].tolist() == NAMES and clean == []


def test_coordinate_text_forms() -> None:
    from coverage_gaps.io.values import parse_coordinates

    values = {
        "21°35'12.3\"N": 21.58675,
        "21° 35′ 12,3″ B": 21.58675,  # decimal comma; B = Bắc (north)
        "N 21°35.205'": 21.58675,
        "21 35 12.3": 21.58675,
        "21:35:12.3": 21.58675,
        "105°50'30\" Đ": 105.841667,  # Đông (east)
        "33°51'S": -33.85,
        "21,58675": 21.58675,
        "2.390.000,5": 2390000.5,
        "2,390,000.5": 2390000.5,
        "430 000": 430000.0,
        "-21.5": -21.5,
    }
    got = parse_coordinates(pd.Series(list(values)))
    assert np.allclose(got, list(values.values()), atol=1e-6)
    bad = parse_coordinates(pd.Series(["abc", "", None, "21°75'", "N21°E", "1e400x"]))
    assert np.isnan(bad).all()


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_arrow_reader_gives_the_feature_readers_frame(tmp_path: Path, suffix: str) -> None:
    """Vector files go through pyogrio's Arrow reader: the frame is the one its feature
    reader gives, text columns without a value and empty selections included."""
    from coverage_gaps.io.readers import read_vector

    frame = gpd.GeoDataFrame(
        {
            "name": ["Thôn 1", None, "Bản Mường"],
            "none": [None, None, None],
            "count": [1, 2, 3],
            "share": [0.5, np.nan, 2.0],
            "flag": [True, False, True],
        },
        geometry=shapely.points([[105.0, 21.0], [105.1, 21.1], [105.2, 21.2]]),
        crs=4326,
    )
    path = tmp_path / f"layer{suffix}"
    frame.to_file(path)
    for where in (None, "count > 5"):
        expected = pyogrio.read_dataframe(path, where=where)
        got = read_vector(path, role="test layer", where=where)
        pd.testing.assert_frame_equal(got, expected)
    assert read_vector(path, role="test layer")["none"].dtype == object
