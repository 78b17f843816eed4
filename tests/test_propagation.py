"""Predicted coverage from site lists: path-loss models against their published formulas,
knife-edge diffraction against ITU-R P.526, terrain and sector behaviour, the site-list
loader and DEM checks, and the written GeoTIFF.

References (cited where used):

- [Hata] M. Hata, "Empirical formula for propagation loss in land mobile radio services",
  IEEE Trans. Veh. Tech. VT-29(3), 1980, eqs. (13a), (14a), (15)-(17).
- [COST231] COST Action 231 final report, "Digital mobile radio towards future generation
  systems", 1999, section 4.4.1 (COST-Hata-Model).
- [SM.2028] ITU-R Report SM.2028-2, annex 2, Extended Hata model.
- [38.901] 3GPP TR 38.901 V16.1.0, table 7.4.1-1 (RMa, UMa).
- [P.526] Recommendation ITU-R P.526-15, section 4.1 (eq. 31, fig. 9) and 4.5.1.
- [36.814] 3GPP TR 36.814 V9.0.0, table A.2.1.1-2 (sector antenna pattern).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import write_raster
from pyproj import CRS
from rasterio.transform import from_origin

from coverage_gaps._errors import CoverageGapsWarning, InputDataError, collect_warnings
from coverage_gaps.analysis.propagation import (
    FREQUENCY_RANGE_MHZ,
    Grid,
    Terrain,
    compute_hata_loss,
    compute_knife_edge_loss,
    compute_path_loss,
    compute_profile_loss,
    compute_sector_attenuation,
    compute_tr38901_loss,
    convert_factor_to_loss,
    load_terrain,
    make_grid,
    predict_coverage,
    predict_points,
    select_model,
    trace_radials,
)
from coverage_gaps.inputs.sites_list import check_dem, load_site_list
from coverage_gaps.io.rasters import sample_points
from coverage_gaps.io.writers import write_geotiff

UTM48 = CRS.from_epsg(32648)
LOG = math.log10


# --------------------------------------------------------------------------- path loss


def hata_urban(f: float, hb: float, hm: float, d_km: float) -> float:
    """[Hata] eq. (13a) with the small/medium-city a(hm) of eq. (14a)."""
    a = (1.1 * LOG(f) - 0.7) * hm - (1.56 * LOG(f) - 0.8)
    return 69.55 + 26.16 * LOG(f) - 13.82 * LOG(hb) - a + (44.9 - 6.55 * LOG(hb)) * LOG(d_km)


def cost231(f: float, hb: float, hm: float, d_km: float) -> float:
    """[COST231] eq. (4.4.3), C_m = 0 dB (medium-sized city and suburban centres)."""
    a = (1.1 * LOG(f) - 0.7) * hm - (1.56 * LOG(f) - 0.8)
    return 46.3 + 33.9 * LOG(f) - 13.82 * LOG(hb) - a + (44.9 - 6.55 * LOG(hb)) * LOG(d_km)


@pytest.mark.parametrize(
    ("f", "hb", "hm", "d_km", "environment", "expected"),
    [
        # [Hata] urban, 900 MHz, 50 m base, 10 km
        (900, 50, 1.5, 10, "urban", hata_urban(900, 50, 1.5, 10)),
        # [Hata] eq. (15) suburban: L_u − 2 (log(f/28))² − 5.4
        (450, 30, 2, 5, "suburban", hata_urban(450, 30, 2, 5) - 2 * LOG(450 / 28) ** 2 - 5.4),
        # [Hata] eq. (16) open area, the reference sheet's worked check: 125.3 dB at 6 km
        (900, 30, 1.5, 6, "rural", 125.3),
        (
            160,
            100,
            3,
            15,
            "rural",
            hata_urban(160, 100, 3, 15) - 4.78 * LOG(160) ** 2 + 18.33 * LOG(160) - 40.94,
        ),
        # [COST231] 1800 MHz urban, 2 km; 2000 MHz, 60 m base, 5 km
        (1800, 30, 1.5, 2, "urban", cost231(1800, 30, 1.5, 2)),
        (2000, 60, 1.5, 5, "urban", cost231(2000, 60, 1.5, 5)),
        # [SM.2028] Extended Hata above 2 GHz: COST-231 at 2000 MHz + 10 log(f / 2000)
        (2600, 30, 1.5, 3, "urban", cost231(2000, 30, 1.5, 3) + 10 * LOG(2600 / 2000)
         - (1.1 * LOG(2600) - 0.7) * 1.5 + (1.56 * LOG(2600) - 0.8)
         + (1.1 * LOG(2000) - 0.7) * 1.5 - (1.56 * LOG(2000) - 0.8)),
    ],
)  # fmt: skip
def test_hata_family_reproduces_the_published_formulas(f, hb, hm, d_km, environment, expected):
    got = compute_path_loss(d_km * 1000, frequency_mhz=f, base_height_m=hb, mobile_height_m=hm,
                            environment=environment)  # fmt: skip
    assert abs(float(got) - expected) < 0.1


def test_sm2028_extensions_outside_hata() -> None:
    # [SM.2028] long distance: (log d)^alpha, alpha = 1 + (0.14 + 1.87e-4 f + 1.07e-3 hb)
    # (log(d / 20))^0.8 beyond 20 km
    alpha = 1 + (0.14 + 1.87e-4 * 900 + 1.07e-3 * 30) * LOG(40 / 20) ** 0.8
    far = hata_urban(900, 30, 1.5, 10) + (44.9 - 6.55 * LOG(30)) * (LOG(40) ** alpha - 1)
    got = compute_hata_loss(40_000, frequency_mhz=900, base_height_m=30, environment="urban")
    assert abs(float(got) - far) < 0.1
    # low antennas: hb = 30 m in the formula, plus b(hb) = −min(0, 20 log(hb / 30))
    low = compute_hata_loss(5000, frequency_mhz=900, base_height_m=20, environment="urban")
    assert abs(float(low) - (hata_urban(900, 30, 1.5, 5) + 20 * LOG(30 / 20))) < 0.1
    # short range: free space up to 40 m; never below free space
    fs = 32.4 + 20 * LOG(900) + 10 * LOG(0.03**2 + (30 - 1.5) ** 2 / 1e6)
    assert abs(float(compute_hata_loss(30, frequency_mhz=900, base_height_m=30)) - fs) < 0.1
    d = np.geomspace(1, 100_000, 500)
    loss = compute_hata_loss(d, frequency_mhz=900, base_height_m=30)
    assert np.all(np.diff(loss) >= -1e-9)  # monotone: the useful range is well defined


def test_tr38901_curves() -> None:
    """[38.901] table 7.4.1-1 at 3.5 GHz, h_BS 35 m, h_UT 1.5 m, W 20 m, h 5 m."""
    fc, hb, hm, h, w = 3.5, 35.0, 1.5, 5.0, 20.0

    def rma_pl1(d3: float) -> float:
        return (20 * LOG(40 * math.pi * d3 * fc / 3) + min(0.03 * h**1.72, 10) * LOG(d3)
                - min(0.044 * h**1.72, 14.77) + 0.002 * LOG(h) * d3)  # fmt: skip

    d3 = math.hypot(1000, hb - hm)
    nlos = (161.04 - 7.1 * LOG(w) + 7.5 * LOG(h) - (24.37 - 3.7 * (h / hb) ** 2) * LOG(hb)
            + (43.42 - 3.1 * LOG(hb)) * (LOG(d3) - 3) + 20 * LOG(fc)
            - (3.2 * LOG(11.75 * hm) ** 2 - 4.97))  # fmt: skip
    args = {"frequency_mhz": 3500, "base_height_m": hb, "mobile_height_m": hm}
    assert (
        abs(
            float(compute_tr38901_loss(1000, environment="suburban", **args))
            - max(nlos, rma_pl1(d3))
        )
        < 0.1
    )
    assert abs(float(compute_tr38901_loss(1000, environment="rural", **args)) - rma_pl1(d3)) < 0.1
    d_bp = 2 * math.pi * hb * hm * fc * 1e9 / 299_792_458.0  # 3.85 km
    d3 = math.hypot(6000, hb - hm)
    los_far = rma_pl1(d_bp) + 40 * LOG(d3 / d_bp)
    assert abs(float(compute_tr38901_loss(6000, environment="rural", **args)) - los_far) < 0.1
    # UMa NLOS, h_BS 25 m: max(LOS, 13.54 + 39.08 log d3D + 20 log fc − 0.6 (h_UT − 1.5))
    d3 = math.hypot(800, 25 - hm)
    uma = 13.54 + 39.08 * LOG(d3) + 20 * LOG(fc)
    got = compute_tr38901_loss(800, frequency_mhz=3500, base_height_m=25, environment="urban")
    assert abs(float(got) - uma) < 0.1


def test_bands_and_their_edges() -> None:
    assert [select_model(f) for f in (150, 1500, 1501, 2000, 2100, 3000, 3001, 7125)] == [
        "okumura-hata", "okumura-hata", "cost231-hata", "cost231-hata",
        "extended-hata", "extended-hata", "tr38901", "tr38901",
    ]  # fmt: skip
    for f in (100, 8000):
        with pytest.raises(ValueError, match="outside every path-loss model"):
            select_model(f)
    with pytest.raises(ValueError, match="within 150-7125 MHz"):
        compute_path_loss(1000, frequency_mhz=[900, 9000], base_height_m=30)
    # the environments continue across 3 GHz within 3 dB (1 km, 35 m base)
    for env in ("urban", "suburban", "rural"):
        below, above = compute_path_loss(1000, frequency_mhz=[3000, 3001], base_height_m=35,
                                         environment=env)  # fmt: skip
        assert abs(above - below) < 3.0


# --------------------------------------------------------------------------- antenna, knife edge


def test_sector_pattern() -> None:
    """[36.814] A(φ) = −min(12 (φ/φ3dB)², 25) dB."""
    att = compute_sector_attenuation([10, 42.5, 75, 190, 350], azimuth_deg=10, beamwidth_deg=65)
    np.testing.assert_allclose(att, [0, 3, 12, 25, 12 * (20 / 65) ** 2], atol=1e-4)
    assert not compute_sector_attenuation([0, 90, 180], azimuth_deg=float("nan")).any()


def test_knife_edge_against_p526() -> None:
    """[P.526] eq. (31): J(−0.78) ≈ 0 dB, J(0) ≈ 6 dB, J(ν) → 13 + 20 log ν for large ν."""
    assert abs(float(compute_knife_edge_loss(-0.78))) < 0.1
    assert float(compute_knife_edge_loss(-0.8)) == 0.0
    assert abs(float(compute_knife_edge_loss(0.0)) - 6.0) < 0.1
    for nu in (5.0, 10.0, 30.0):
        assert abs(float(compute_knife_edge_loss(nu)) - (13 + 20 * LOG(nu))) < 0.2
    nu = np.linspace(-3, 30, 500)
    assert np.all(np.diff(compute_knife_edge_loss(nu)) >= 0)


def test_single_knife_edge_profile() -> None:
    """[P.526] eq. (26): ν = h √(2 d / (λ d1 d2)); a 100 m edge half-way along 10 km at
    900 MHz, antennas 10 m up, with the 4/3-earth bulge lowering the far antenna."""
    x = 50.0 * np.arange(1, 200)[None, :]
    z = np.where(x == 5000.0, 100.0, 0.0)
    factor = compute_profile_loss(np.array([1e4]), x, z, tx_height_m=10.0,
                                  rx_height_m=np.array([10.0]))  # fmt: skip
    bulge = 5000**2 / (2 * 8_494_666.7)  # edge lowered; the far antenna by 4 × that
    h = (100 - bulge) - (10 + 10 - 4 * bulge) / 2
    lam = 299_792_458.0 / 900e6
    expected_nu = h * math.sqrt(2 * 1e4 / (lam * 5000 * 5000))
    loss = convert_factor_to_loss(factor, 900.0)
    assert abs(float(loss[0]) - float(compute_knife_edge_loss(expected_nu))) < 0.01


def test_radials_match_straight_profiles_and_never_overestimate() -> None:
    """The radial pass equals the per-profile reference, except that far obstacles are
    sampled by window (it may only underestimate the loss)."""
    rng = np.random.default_rng(3)
    z = (np.cumsum(rng.normal(0, 15, (64, 161)), axis=1) + 500).astype(np.float32)
    z[:, 0] = z[0, 0]
    tx = float(z[0, 0]) + 30
    fast = convert_factor_to_loss(
        trace_radials(z, step_m=50.0, tx_height_m=tx, rx_height_m=1.5), 1800.0
    )
    ref = np.zeros_like(fast)
    for j in range(2, 161):
        x = np.broadcast_to(50.0 * np.arange(1, j + 1), (64, j))
        f = compute_profile_loss(np.full(64, j * 50.0), x, z[:, 1 : j + 1].astype(float),
                                 tx_height_m=tx, rx_height_m=z[:, j] + 1.5)  # fmt: skip
        ref[:, j] = convert_factor_to_loss(f, 1800.0)
    diff = fast[:, 2:] - ref[:, 2:]
    assert diff.max() < 0.01
    assert np.median(diff) == pytest.approx(0, abs=1e-3)
    assert np.percentile(diff, 5) > -1.0


# --------------------------------------------------------------------------- prediction


def _ridge_terrain(grid: Grid, *, ridge_x: float, height: float) -> Terrain:
    wide = grid.widen(5000)
    xs = wide.transform.c + (np.arange(wide.width) + 0.5) * wide.resolution
    row = height * np.exp(-(((xs - ridge_x) / 200.0) ** 2))
    return Terrain(np.broadcast_to(row, (wide.height, wide.width)).astype(np.float32), wide)


def _sites(**columns) -> pd.DataFrame:
    base = {"x": [5000.0], "y": [5000.0], "height_m": [30.0], "frequency_mhz": [900.0],
            "eirp_dbm": [33.0]}  # fmt: skip
    base.update(columns)
    return pd.DataFrame(base)


def _value_at(prediction, x: float, y: float) -> float:
    t = prediction.grid.transform
    return float(prediction.values[int((t.f - y) // t.a), int((x - t.c) // t.a)])


def test_village_behind_a_ridge_is_uncovered_with_terrain_only() -> None:
    grid = make_grid((0, 0, 10_000, 10_000), resolution_m=50, crs=UTM48)
    terrain = _ridge_terrain(grid, ridge_x=6500.0, height=250.0)
    village = (8025.0, 5025.0)  # 3 km east of the site, 1.5 km behind the ridge
    plain = predict_coverage(_sites(), grid, model="hata", threshold_dbm=-105)
    hilly = predict_coverage(
        _sites(), grid, model="hata+terrain", threshold_dbm=-105, terrain=terrain
    )
    assert _value_at(plain, *village) >= -105 > _value_at(hilly, *village)
    west = (1975.0, 5025.0)  # the same distance on the open side: covered either way
    assert _value_at(hilly, *west) >= -105
    assert _value_at(hilly, *west) == pytest.approx(_value_at(plain, *west), abs=0.5)
    # the loss is the ridge's: the direct per-point profile gives the same within 0.5 dB
    direct = predict_points(_sites(), [village[0]], [village[1]], model="hata+terrain",
                            threshold_dbm=-105, terrain=terrain)  # fmt: skip
    assert direct[0] == pytest.approx(_value_at(hilly, *village), abs=1.5)


def test_village_behind_a_sector_is_uncovered_where_omni_covers_it() -> None:
    grid = make_grid((0, 0, 10_000, 10_000), resolution_m=50, crs=UTM48)
    village = (25.0, 5025.0)  # 5 km west of the site
    omni = predict_coverage(_sites(), grid, model="hata", threshold_dbm=-105)
    sector = predict_coverage(_sites(azimuth_deg=[90.0], beamwidth_deg=[65.0]), grid,
                              model="hata", threshold_dbm=-105)  # fmt: skip
    assert _value_at(omni, *village) >= -105
    assert np.isnan(_value_at(sector, *village))  # beyond the sector's reach: nodata
    east = (7525.0, 5025.0)
    assert _value_at(sector, *east) == pytest.approx(_value_at(omni, *east), abs=1e-3)


def test_range_model_and_best_server() -> None:
    grid = make_grid((0, 0, 4000, 4000), resolution_m=100, crs=UTM48)
    sites = pd.DataFrame({"x": [1000.0, 3000.0], "y": [2000.0, 2000.0], "range_m": [500.0, 800.0]})
    p = predict_coverage(sites, grid, model="range", threshold_dbm=-100)
    assert _value_at(p, 1050, 2050) == -100 and _value_at(p, 3650, 2050) == -100
    assert np.isnan(_value_at(p, 2050, 2050))
    two = _sites(x=[3000.0, 7000.0], y=[5000.0, 5000.0], height_m=[30.0, 30.0],
                 frequency_mhz=[900.0, 1800.0], eirp_dbm=[33.0, 36.0])  # fmt: skip
    grid = make_grid((0, 0, 10_000, 10_000), resolution_m=100, crs=UTM48)
    best = predict_coverage(two, grid, model="hata", threshold_dbm=-105).values
    one = [
        predict_coverage(two.iloc[[i]], grid, model="hata", threshold_dbm=-105).values
        for i in (0, 1)
    ]
    np.testing.assert_array_equal(best, np.fmax(*one))


def test_prediction_is_deterministic_across_workers() -> None:
    grid = make_grid((0, 0, 8000, 8000), resolution_m=50, crs=UTM48)
    terrain = _ridge_terrain(grid, ridge_x=4000.0, height=150.0)
    rng = np.random.default_rng(5)
    sites = pd.DataFrame({"x": rng.uniform(0, 8000, 9), "y": rng.uniform(0, 8000, 9),
                          "height_m": 30.0, "frequency_mhz": rng.choice([900.0, 1800.0, 3500.0], 9),
                          "eirp_dbm": 30.0, "azimuth_deg": [np.nan, 0, 120, 240, np.nan, 0, 120, 240, 10]})  # fmt: skip
    with collect_warnings():  # 3.5 GHz sites reach beyond RMa's 10 km
        runs = [
            predict_coverage(sites, grid, model="hata+terrain", threshold_dbm=-105,
                             terrain=terrain, workers=w).values
            for w in (1, 3)
        ]  # fmt: skip
    np.testing.assert_array_equal(runs[0], runs[1])


def test_validity_is_warned_once_per_layer() -> None:
    grid = make_grid((0, 0, 2000, 2000), resolution_m=100, crs=UTM48)
    sites = _sites(x=[500.0, 1500.0], y=[500.0, 1500.0], height_m=[15.0, 20.0],
                   frequency_mhz=[900.0, 900.0], eirp_dbm=[30.0, 30.0])  # fmt: skip
    with collect_warnings() as found:
        predict_coverage(sites, grid, model="hata", threshold_dbm=-105, source="v.csv")
    assert len(found) == 1 and "2 site(s) with antennas below 30 m" in found[0].what
    with collect_warnings() as found:
        predict_coverage(_sites(), grid, model="hata", threshold_dbm=-105)
    assert found == []


def test_written_geotiff_sampled_at_points_equals_direct_values(tmp_path: Path) -> None:
    grid = make_grid((0, 0, 6000, 6000), resolution_m=50, crs=UTM48)
    sites = _sites(x=[2000.0, 4500.0], y=[3000.0, 3500.0], height_m=[30.0, 40.0],
                   frequency_mhz=[900.0, 2600.0], eirp_dbm=[30.0, 33.0], azimuth_deg=[np.nan, 200.0])  # fmt: skip
    p = predict_coverage(sites, grid, model="hata", threshold_dbm=-105)
    path = tmp_path / "viettel_4g.tif"
    write_geotiff(path, p.values, transform=grid.transform, crs=grid.crs, nodata=-9999.0)
    first = path.read_bytes()
    write_geotiff(path, p.values, transform=grid.transform, crs=grid.crs, nodata=-9999.0)
    assert path.read_bytes() == first  # reproducible bytes
    rng = np.random.default_rng(2)
    rows, cols = rng.integers(0, grid.height, 400), rng.integers(0, grid.width, 400)
    xs = grid.transform.c + (cols + 0.5) * 50
    ys = grid.transform.f - (rows + 0.5) * 50
    points = gpd.GeoSeries(shapely.points(xs, ys), crs=UTM48)
    values, valid, inside = sample_points(path, points)
    direct = predict_points(sites, xs, ys, model="hata", threshold_dbm=-105)
    assert inside.all()
    np.testing.assert_array_equal(valid, np.isfinite(direct))
    np.testing.assert_allclose(values[valid], direct[valid], atol=0.01)
    np.testing.assert_array_equal(values[valid] >= -105, direct[valid] >= -105)


def test_terrain_from_a_dem_file_in_another_crs(tmp_path: Path) -> None:
    """A DEM in degrees (EPSG:4326) is resampled once onto the metric grid."""
    grid = make_grid((580_000, 2_380_000, 584_000, 2_384_000), resolution_m=50, crs=UTM48)
    lon0, lat0 = 105.75, 21.50
    z = np.fromfunction(lambda r, c: 100 + c, (120, 120), dtype=float).astype(np.float32)
    dem = write_raster(tmp_path / "dem.tif", z, nodata=-32768, crs="EPSG:4326",
                       transform=from_origin(lon0, lat0 + 0.06, 0.0005, 0.0005))  # fmt: skip
    terrain = load_terrain(dem, grid=grid, margin_m=1000)
    assert terrain.grid.width == grid.width + 40 and terrain.heights.dtype == np.float32
    assert 100 <= terrain.heights.max() <= 220 and terrain.heights.min() >= 0
    h = terrain.sample([582_000, 583_000], [2_382_000, 2_382_000])
    assert h[1] > h[0]  # heights grow eastward, as in the DEM


# --------------------------------------------------------------------------- site list, DEM


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path, **kw):
    kw.setdefault("model", "hata")
    return load_site_list(path, working_crs=UTM48, frequency_range_mhz=FREQUENCY_RANGE_MHZ, **kw)


def test_site_list_with_aliases_units_and_sectors(tmp_path: Path) -> None:
    path = _csv(tmp_path / "s.csv",
        "Mã trạm,Kinh độ,Vĩ độ,Độ cao anten (m),Tần số (MHz),EIRP (dBm),Azimuth,Nhà mạng,Công nghệ\n"
        "TN001,105.80,21.60,30 m,1800,60,0,Viettel,LTE\n"
        "TN001,105.80,21.60,30,\"1800,0\",60,120,Viettel,4G\n"
        "TN002,\"105°49'12\"\"E\",21.61,25,900,58,,VNPT,4G\n")  # fmt: skip
    sites = _load(path, technology="4G")
    assert sites["carrier"].tolist() == ["Viettel", "Viettel", "VNPT"]
    assert sites["height_m"].tolist() == [30.0, 30.0, 25.0]
    assert sites["frequency_mhz"].tolist() == [1800.0, 1800.0, 900.0]
    assert sites["azimuth_deg"].iloc[1] == 120 and np.isnan(sites["azimuth_deg"].iloc[2])
    assert sites.crs.equals(UTM48) and sites["row"].tolist() == ["row 2", "row 3", "row 4"]
    only = _load(path, carrier="VinaPhone")  # filters on the carrier column
    assert only["site_id"].tolist() == ["TN002"]


def test_opencellid_export_is_read_as_it_comes(tmp_path: Path) -> None:
    path = _csv(tmp_path / "cell_towers.csv",
        "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
        "LTE,452,4,1234,5678,0,105.80,21.60,1500,10,1,1459813023,1459813023,0\n"
        "GSM,452,4,1234,5679,0,105.81,21.61,3000,10,1,1459813023,1459813023,0\n"
        "NR,452,2,1234,5680,0,105.82,21.62,800,10,1,1459813023,1459813023,0\n"
        "CDMA,452,1,1234,5681,0,105.83,21.63,2000,10,1,1459813023,1459813023,0\n")  # fmt: skip
    sites = _load(path, model="range", carrier="Viettel")
    assert sites["technology"].tolist() == ["4G", "2G"] and sites["range_m"].tolist() == [
        1500,
        3000,
    ]
    with collect_warnings() as found:
        nr = _load(path, model="range", technology="5G")
    assert nr["carrier"].tolist() == ["VNPT"]
    assert len(found) == 1 and "CDMA" in found[0].what and "row 5" in found[0].where
    with pytest.raises(InputDataError, match="unknown technology"):
        _load(path, model="range")  # no technology given: the CDMA row is an error
    with pytest.raises(InputDataError, match="no site of MobiFone 4G"):
        _load(path, model="range", carrier="MobiFone", technology="4G")


def test_site_list_bad_inputs_name_file_rows_and_fix(tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv",
        "id,lon,lat,height_m,frequency_mhz,eirp_dbm,carrier,technology\n"
        "S1,105.80,,30,1800,60,Viettel,4G\n"
        "S2,105.81,21.61,,1800,60,Viettel,4G\n"
        "S3,105.82,21.62,30,1.8,60,Viettel,4G\n"
        "S4,105.83,21.63,30,12000,60,Viettel,4G\n"
        "S5,105.84,21.64,30,1800,abc,Viettel,4G\n")  # fmt: skip
    with pytest.raises(InputDataError) as err:
        _load(path)
    text = str(err.value)
    assert "4 problems" in text and str(path) in text
    assert "row 2 (S1): 1 site(s) have no usable coordinates" in text
    assert "column 'height_m', row 3 (S2): 1 site(s) have no value" in text
    assert "row 4 (S3), row 5 (S4): 2 site(s) have a frequency outside every model" in text
    assert "in GHz?" in text and "Fix:" in text
    assert "column 'eirp_dbm', row 6 (S5)" in text and "not a number" in text
    # the range model needs none of height, frequency, EIRP ... but a range
    with pytest.raises(InputDataError, match="no range_m column"):
        _load(path, model="range")


def test_site_list_missing_columns_and_crs(tmp_path: Path) -> None:
    no_freq = _csv(tmp_path / "a.csv", "lon,lat,height_m,eirp_dbm\n105.8,21.6,30,60\n")
    with pytest.raises(InputDataError) as err:
        _load(no_freq)
    text = str(err.value)
    assert "no frequency_mhz column" in text and "no carrier" in text and "no technology" in text
    assert len(_load(no_freq, model="range", carrier="Viettel", technology="4G",
                     columns={"range_m": "height_m"})) == 1  # fmt: skip
    xy = _csv(tmp_path / "xy.csv", "x,y,height_m,frequency_mhz,eirp_dbm\n"
              "435000,2390000,30,1800,60\n")  # fmt: skip
    with pytest.raises(InputDataError, match="x/y need a CRS"):
        _load(xy, carrier="Viettel", technology="4G")
    sites = _load(xy, carrier="Viettel", technology="4G", crs="VN-2000 TM-3 Thái Nguyên")
    lon = gpd.GeoSeries(sites.geometry, crs=UTM48).to_crs(4326).x.iloc[0]
    assert 105.8 < lon < 105.95  # 65 km west of the zone's meridian, 106°30′


def test_site_list_from_kml(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"Name": ["A", "B"], "height_m": [30.0, 35.0], "frequency_mhz": [900.0, 2100.0],
                            "eirp_dbm": [60.0, 61.0]},
                           geometry=shapely.points([105.8, 105.9], [21.6, 21.7]), crs=4326)  # fmt: skip
    path = tmp_path / "sites.gpkg"
    gdf.to_file(path)
    sites = _load(path, carrier="MobiFone", technology="3G")
    assert (
        sites["frequency_mhz"].tolist() == [900.0, 2100.0] and sites["row"].iloc[1] == "feature 2"
    )


def test_dem_checks(tmp_path: Path) -> None:
    sites = gpd.GeoDataFrame({"row": ["row 2", "row 3"]},
                             geometry=shapely.points([580_500, 590_000], [2_380_500, 2_380_500]),
                             crs=UTM48)  # fmt: skip
    z = np.full((10, 10), 120.0, dtype=np.float32)
    ok = write_raster(tmp_path / "ok.tif", z, nodata=-9999)  # covers 580000-581000
    with pytest.raises(InputDataError, match=r"1 site\(s\) lie outside the DEM: row 3"):
        check_dem(ok, sites=sites)
    check_dem(ok, sites=sites.iloc[:1])
    no_crs = write_raster(tmp_path / "nocrs.tif", z, nodata=-9999, crs=None)
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        check_dem(no_crs, sites=sites.iloc[:1])
    feet = write_raster(tmp_path / "feet.tif", z * 3.28, nodata=-9999)
    import rasterio

    with rasterio.open(feet, "r+") as ds:
        ds.units = ("ft",)
    with pytest.raises(InputDataError, match="heights are in ft, not metres"):
        check_dem(feet, sites=sites.iloc[:1])
    slope = write_raster(tmp_path / "slope.tif", z / 10, nodata=-9999)
    with rasterio.open(slope, "r+") as ds:
        ds.units = ("degree",)
    with pytest.raises(InputDataError, match="not heights"):
        check_dem(slope, sites=sites.iloc[:1])
    huge = write_raster(tmp_path / "cm.tif", z * 100, nodata=-9999)
    with pytest.raises(InputDataError, match="not metres above sea level"):
        check_dem(huge, sites=sites.iloc[:1])
    holes = write_raster(tmp_path / "holes.tif", np.full((10, 10), -9999, np.float32), nodata=-9999)
    with pytest.raises(InputDataError, match="no data under 1 site"):
        check_dem(holes, sites=sites.iloc[:1])
    with pytest.raises(InputDataError, match="does not exist"):
        check_dem(tmp_path / "missing.tif", sites=sites)


@pytest.mark.parametrize(
    "module",
    [
        "coverage_gaps.analysis.propagation.pathloss",
        "coverage_gaps.analysis.propagation.antenna",
        "coverage_gaps.analysis.propagation.diffraction",
        "coverage_gaps.analysis.propagation.grid",
        "coverage_gaps.analysis.propagation.predict",
    ],
)
def test_docstring_examples(module: str) -> None:
    """The examples in the propagation modules' docstrings run as written."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_no_runtime_warnings_from_numpy(recwarn) -> None:
    """Edge cells (the site itself, zero distance) raise no numpy warnings."""
    grid = make_grid((0, 0, 2000, 2000), resolution_m=50, crs=UTM48)
    terrain = _ridge_terrain(grid, ridge_x=1500.0, height=50.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predict_coverage(_sites(x=[1025.0], y=[1025.0]), grid, model="hata+terrain",
                         threshold_dbm=-105, terrain=terrain)  # fmt: skip
        predict_points(_sites(x=[1025.0], y=[1025.0]), [1025.0, 1500.0], [1025.0, 1025.0],
                       model="hata+terrain", threshold_dbm=-105, terrain=terrain)  # fmt: skip
    assert not [w for w in recwarn if not issubclass(w.category, CoverageGapsWarning)]


def test_sites_beyond_the_grid_and_no_sites() -> None:
    grid = make_grid((0, 0, 2000, 2000), resolution_m=100, crs=UTM48)
    empty = predict_coverage(_sites().iloc[:0], grid, model="hata", threshold_dbm=-105)
    assert np.isnan(empty.values).all() and empty.values.dtype == np.float32
    outside = _sites(x=[-3000.0], y=[1000.0])  # 3 km west of the grid: reaches into it
    p = predict_coverage(outside, grid, model="hata", threshold_dbm=-105)
    direct = predict_points(outside, [50.0], [1050.0], model="hata", threshold_dbm=-105)
    assert _value_at(p, 50.0, 1050.0) == pytest.approx(direct[0], abs=0.01)
    far = _sites(x=[-90_000.0], y=[1000.0])
    assert np.isnan(predict_coverage(far, grid, model="hata", threshold_dbm=-105).values).all()
