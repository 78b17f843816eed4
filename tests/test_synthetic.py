"""The synthetic province generator: files, consistency, determinism and realistic gap rates."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from pyproj import CRS, Transformer

from coverage_gaps import run_project
from coverage_gaps.analysis.propagation import FREQUENCY_RANGE_MHZ
from coverage_gaps.inputs.sites_list import load_site_list
from coverage_gaps.synthetic import generate_province

WARDS_NORTH = Path("vn_2025") / "wards_2025_north_full.gpkg"
PREFIXES = ("Thôn ", "Bản ", "Xóm ", "Tổ dân phố ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default synthetic demo (Thái Nguyên, 92 communes) with 300 villages."""
    return generate_province(tmp_path_factory.mktemp("demo") / "inputs", villages=300)


def read_villages(folder: Path) -> pd.DataFrame:
    return pd.read_csv(
        folder / "villages.csv", dtype={"village_id": str, "commune_code": str}, encoding="utf-8"
    )


def covered(folder: Path, entry: dict[str, Any], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point is covered by one coverage layer of a project file."""
    path = folder / entry["path"]
    if path.suffix == ".tif":
        with rasterio.open(path) as src:
            to_src = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
            rows, cols = rasterio.transform.rowcol(src.transform, *to_src.transform(lon, lat))
            values = src.read(1)[np.asarray(rows), np.asarray(cols)]
            assert (values != src.nodata).all(), f"{path.name}: village on nodata"
        return values == 1 if entry["values"] == "mask" else values >= entry["threshold"]
    gdf = gpd.read_file(path, layer=entry.get("layer"))
    parts = shapely.get_parts(gdf.geometry.to_numpy())
    hits, _ = shapely.STRtree(parts).query(shapely.points(lon, lat), predicate="within")
    out = np.zeros(len(lon), dtype=bool)
    out[hits] = True
    return out


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_writes_every_layer(demo: Path) -> None:
    folder = demo.parent
    assert demo.name == "project.yml"
    for name in ("communes.gpkg", "villages.csv", "roads.gpkg", "sites.gpkg", "fibre.gpkg"):
        assert (folder / name).is_file(), name
    cfg = yaml.safe_load(demo.read_text(encoding="utf-8"))
    assert cfg["synthetic"] is True
    assert cfg["name"] == "Thái Nguyên (synthetic demo)"
    assert cfg["communes"] == {
        "path": "communes.gpkg",
        "layer": "communes",
        "id": "code",
        "name": "fullName",
        "province": "provinceCode",
    }
    assert cfg["villages"]["path"] == "villages.csv" and cfg["villages"]["crs"] == "EPSG:4326"
    assert cfg["fibre"] == {
        "path": "fibre.gpkg",
        "layer": "fibre",
        "max_distance_m": 1000,
        "owner": "owner",
    }
    assert cfg["sites"]["path"] == "sites.gpkg" and cfg["facilities"]["path"] == "facilities.gpkg"
    assert cfg["output"] == "../results"
    layers = cfg["coverage"]
    assert len(layers) >= 10
    assert {c["carrier"] for c in layers} == {"Viettel", "VNPT", "MobiFone", "Vietnamobile"}
    # declared layers, and one site list whose technologies come from its rows
    declared = [c for c in layers if c.get("kind") != "sites"]
    site_lists = [c for c in layers if c.get("kind") == "sites"]
    assert site_lists == [
        {"kind": "sites", "path": "coverage/mobifone_sites.csv", "carrier": "MobiFone",
         "model": "hata+terrain", "environment": "rural", "dem": "elevation.tif",
         "resolution_m": 100}
    ]  # fmt: skip
    listed = pd.read_csv(folder / site_lists[0]["path"])
    from_list = {("MobiFone", {"LTE": "4G", "NR": "5G"}[t]) for t in listed["technology"]}
    pairs = [(c["carrier"], c["technology"]) for c in declared] + sorted(from_list)
    assert {t for _, t in pairs} == {"2G", "3G", "4G", "5G"}
    assert len(set(pairs)) == len(pairs)
    kinds = {(Path(c["path"]).suffix, c.get("values")) for c in declared}
    assert kinds == {(".tif", "dbm"), (".tif", "mask"), (".gpkg", None)}
    for c in layers:
        assert (folder / c["path"]).is_file(), c["path"]
    assert (folder / site_lists[0]["dem"]).is_file()
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "TỔNG HỢP" in readme and "20250701" in readme


def test_site_list_is_realistic(demo: Path) -> None:
    """Three sectors per site and technology, the bands used in Vietnam, mast heights,
    EIRP per resource element; the pipeline's loader reads it as it is."""
    sites = pd.read_csv(demo.parent / "coverage" / "mobifone_sites.csv")
    assert set(sites["carrier"]) == {"MobiFone"} and set(sites["technology"]) == {"LTE", "NR"}
    lte = sites[sites["technology"] == "LTE"]
    assert set(lte["frequency_mhz"]) == {900, 1800, 2100, 2600}
    assert set(sites.loc[sites["technology"] == "NR", "frequency_mhz"]) == {3500}
    per_cell = sites.groupby(["site_id", "technology"])
    assert (per_cell.size() == 3).all() and (per_cell["sector"].nunique() == 3).all()
    spread = per_cell["azimuth_deg"].agg(lambda a: sorted((a - a.min()) % 360))
    assert spread.map(lambda a: a == [0, 120, 240]).all()
    assert sites["beamwidth_deg"].eq(65).all() and sites["height_m"].between(15, 60).all()
    assert lte["eirp_dbm"].between(24, 34).all()  # reference signal, per resource element
    assert sites["site_id"].isin(gpd.read_file(demo.parent / "sites.gpkg")["site_id"]).all()
    loaded = load_site_list(demo.parent / "coverage" / "mobifone_sites.csv",
                            working_crs=CRS.from_epsg(32648), model="hata+terrain",
                            frequency_range_mhz=FREQUENCY_RANGE_MHZ)  # fmt: skip
    assert len(loaded) == len(sites) and set(loaded["technology"]) == {"4G", "5G"}


def test_rasters_are_tiled_compressed_with_crs_and_nodata(demo: Path) -> None:
    cfg = yaml.safe_load(demo.read_text(encoding="utf-8"))
    dtypes = set()
    for entry in cfg["coverage"]:
        if not entry["path"].endswith(".tif") or entry.get("kind") == "sites":
            continue
        with rasterio.open(demo.parent / entry["path"]) as src:
            assert src.crs is not None and src.crs.to_epsg() == 32648
            assert src.nodata is not None
            assert src.profile["compress"] == "lzw" and src.block_shapes == [(256, 256)]
            data = src.read(1, masked=True)
            assert 0 < data.mask.mean() < 0.6  # nodata outside the communes (+2 km) only
            if entry["values"] == "mask":
                assert set(np.unique(data.compressed())) <= {0, 1}
            else:
                assert data.min() >= -130 and data.max() <= -30
            dtypes.add(src.dtypes[0])
    assert dtypes == {"float32", "int16", "uint8"}
    for entry in cfg["coverage"]:
        if entry["path"].endswith(".gpkg") and entry.get("kind") != "sites":
            gdf = gpd.read_file(demo.parent / entry["path"], layer=entry["layer"])
            assert gdf.crs.to_epsg() == 4326 and len(gdf) == 1
            assert (gdf.geom_type == "MultiPolygon").all() and gdf.is_valid.all()


def test_communes_are_valid_and_do_not_overlap(demo: Path) -> None:
    communes = gpd.read_file(demo.parent / "communes.gpkg", layer="communes")
    assert len(communes) == 92 and communes["code"].is_unique
    assert communes.crs.to_epsg() == 4326
    assert (communes.geom_type == "MultiPolygon").all()
    assert communes.is_valid.all() and not communes.is_empty.any()
    assert communes["fullName"].str.match(r"^(Xã|Phường) ").all()
    metric = communes.to_crs(32648).geometry
    overlap = metric.area.sum() - shapely.union_all(metric.to_numpy()).area
    assert overlap < 1.0  # m²: cells only share edges
    assert 6000e6 < metric.area.sum() < 12000e6  # Thái Nguyên is about 8,400 km²


def test_villages_lie_in_their_commune(demo: Path) -> None:
    v = read_villages(demo.parent)
    assert len(v) == 300
    assert v["village_id"].is_unique and v["village_id"].str.fullmatch(r"V\d{6}").all()
    assert v["village_id"].tolist() == sorted(v["village_id"])
    assert pd.api.types.is_integer_dtype(v["population"]) and (v["population"] > 0).all()
    assert 250 < v["population"].median() < 800
    assert pd.api.types.is_integer_dtype(v["households"]) and (v["households"] > 0).all()
    communes = gpd.read_file(demo.parent / "communes.gpkg").set_index("code")
    polys = communes.loc[v["commune_code"].to_numpy(), "geometry"].to_numpy()
    assert shapely.contains_xy(polys, v["lon"].to_numpy(), v["lat"].to_numpy()).all()
    assert v.groupby("commune_code").size().reindex(communes.index).min() >= 2
    assert v["name"].map(lambda s: unicodedata.is_normalized("NFC", s)).all()
    assert v["name"].str.startswith(PREFIXES).all()
    assert not v.duplicated(["commune_code", "name"]).any()
    sites = gpd.read_file(demo.parent / "sites.gpkg")
    counts = sites["carrier"].value_counts()
    assert counts["Viettel"] > counts["VNPT"] > counts["MobiFone"] > counts["Vietnamobile"]
    assert sites["site_id"].is_unique
    assert sites["technologies"].str.contains("5G").mean() < 0.15


def test_same_arguments_give_identical_files(demo: Path, tmp_path: Path) -> None:
    again = generate_province(tmp_path / "again", villages=300)
    first, second = digests(demo.parent), digests(again.parent)
    assert len(first) >= 20
    assert first == second


def test_gap_rates_are_realistic(tmp_path: Path) -> None:
    project = generate_province(tmp_path / "inputs", villages=2000)
    folder, cfg = project.parent, yaml.safe_load(project.read_text(encoding="utf-8"))
    v = read_villages(folder)
    lon, lat = v["lon"].to_numpy(), v["lat"].to_numpy()
    mobile = np.zeros(len(v), dtype=bool)
    viettel_4g = None
    predicted = (  # the site list's layers, as the pipeline predicts them
        run_project(project, write=False).villages.set_index("village_id").loc[v["village_id"]]
    )
    for entry in cfg["coverage"]:
        if entry.get("kind") == "sites":
            for column in ("mobifone_4g", "mobifone_5g"):
                mobile |= predicted[column].to_numpy(dtype=bool)
            assert 0.7 < predicted["mobifone_4g"].mean() < 0.98
            assert predicted["mobifone_5g"].mean() < 0.3
            continue
        ok = covered(folder, entry, lon, lat)
        if entry["technology"] in ("3G", "4G", "5G"):
            mobile |= ok
        if (entry["carrier"], entry["technology"]) == ("Viettel", "4G"):
            viettel_4g = ok.mean()
    assert 0.005 <= 1 - mobile.mean() <= 0.15
    assert viettel_4g is not None and viettel_4g > 0.8
    fibre = gpd.read_file(folder / "fibre.gpkg", layer="fibre").to_crs(32648)
    assert set(fibre["owner"]) <= {"Viettel", "VNPT", "MobiFone"} and fibre["route_id"].is_unique
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True).transform(lon, lat)
    tree = shapely.STRtree(fibre.geometry.to_numpy())
    _, dist = tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
    assert 0.01 <= (dist > 1000).mean() <= 0.2


def test_drive_tests_follow_the_truth_and_viettel_overstates_one_district(demo: Path) -> None:
    """Drive tests along the roads, over several days, signal = truth + noise: where Viettel
    4G declares coverage, most of its tests pass except in one district, where they fail."""
    folder, cfg = demo.parent, yaml.safe_load(demo.read_text(encoding="utf-8"))
    (entry,) = cfg["measurements"]
    assert entry == {"path": "drive_test_2025-10.csv", "carrier": "carrier",
                     "technology": "technology", "signal": "rsrp_dbm", "download_mbps": "dl_mbps",
                     "time": "timestamp", "x": "lon", "y": "lat", "crs": "EPSG:4326"}  # fmt: skip
    assert cfg["challenges"]["speed_mbps"] == {"4G": 5, "5G": 7}
    tests = pd.read_csv(folder / entry["path"])
    assert set(tests["carrier"]) == {"Viettel", "VNPT", "MobiFone", "Vietnamobile"}
    assert set(tests["technology"]) == {"4G"}
    days = pd.to_datetime(tests["timestamp"]).dt.date.nunique()
    assert days >= 4 and tests["timestamp"].is_monotonic_increasing
    assert 0.25 <= tests["dl_mbps"].notna().mean() <= 0.42
    roads = gpd.read_file(folder / "roads.gpkg").to_crs(32648).geometry.to_numpy()
    x, y = Transformer.from_crs(4326, 32648, always_xy=True).transform(tests["lon"], tests["lat"])
    _, dist = shapely.STRtree(roads).query_nearest(
        shapely.points(x, y), return_distance=True, all_matches=False
    )
    assert np.percentile(dist, 99) < 5  # on the roads
    viettel = tests[tests["carrier"] == "Viettel"]
    layer = next(c for c in cfg["coverage"] if (c["carrier"], c["technology"]) == ("Viettel", "4G"))
    declared = covered(folder, layer, viettel["lon"].to_numpy(), viettel["lat"].to_numpy())
    failing = viettel["rsrp_dbm"].to_numpy() < layer["threshold"]
    assert failing[declared].mean() < 0.25  # the declaration holds on most roads ...
    assert failing[declared].sum() > 50  # ... but not everywhere (the district)
    others = tests[(tests["carrier"] == "VNPT")]
    vnpt = next(c for c in cfg["coverage"] if (c["carrier"], c["technology"]) == ("VNPT", "4G"))
    ok = covered(folder, vnpt, others["lon"].to_numpy(), others["lat"].to_numpy())
    assert (others["rsrp_dbm"].to_numpy()[ok] < vnpt["threshold"]).mean() < 0.15


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="villages"):
        generate_province("unused", villages=0)


def test_unknown_province(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="province code"):
        generate_province(tmp_path, province_code="99")


@pytest.mark.slow
def test_real_communes_are_referred_to_not_copied(shared_geodata: Path, tmp_path: Path) -> None:
    wards = shared_geodata / WARDS_NORTH
    project = generate_province(
        tmp_path / "inputs", communes=wards, communes_where="provinceCode = '19'", villages=400
    )
    folder, cfg = project.parent, yaml.safe_load(project.read_text(encoding="utf-8"))
    assert not (folder / "communes.gpkg").exists()
    assert cfg["communes"] == {
        "path": str(wards.resolve()),
        "layer": "wards",
        "where": "provinceCode = '19'",
        "id": "code",
        "name": "fullName",
        "province": "provinceCode",
    }
    assert cfg["name"] == "Thái Nguyên (synthetic demo)"
    communes = gpd.read_file(wards, where="provinceCode = '19'").set_index("code")
    assert len(communes) == 92
    v = read_villages(folder)
    assert len(v) == 400 and set(v["commune_code"]) == set(communes.index)
    polys = communes.loc[v["commune_code"].to_numpy(), "geometry"].to_numpy()
    assert shapely.contains_xy(polys, v["lon"].to_numpy(), v["lat"].to_numpy()).all()
    assert "real" in (folder / "README.txt").read_text(encoding="utf-8")
