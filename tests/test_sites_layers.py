"""Coverage predicted from site lists, end to end: a ``kind: sites`` layer through
``run_project`` and the CLI, the predicted GeoTIFFs, the villages sampled from them, the
layers a site list splits into, run.json and the map, and the terrain and sector cases
through the whole pipeline (the models themselves: tests/test_propagation.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import CRS, VILLAGES, X0, Y0, build_tiny_project, write_raster
from pyproj import Transformer
from rasterio.transform import from_origin

from coverage_gaps import load_config, run_project
from coverage_gaps._errors import ConfigError, CoverageGapsWarning, collect_warnings
from coverage_gaps.analysis.planning import coverage_matrix, power_covers
from coverage_gaps.analysis.propagation import (
    FREQUENCY_RANGE_MHZ,
    MODELS,
    NODATA_DBM,
    compute_link_power,
    load_terrain,
    power_model,
    predict_layer,
    predict_points,
    prediction_grid,
    site_reach,
)
from coverage_gaps.cli import cli
from coverage_gaps.config import SITE_ENVIRONMENTS, SITE_FIELDS, SITE_MODELS, parse_config
from coverage_gaps.inputs.sites_list import COLUMN_ALIASES, read_site_layer
from coverage_gaps.io.rasters import sample_points
from coverage_gaps.io.runfolder import verify_run
from coverage_gaps.outputs.maps import build_map, map_data_from_result, render_run_map

TO_LL = Transformer.from_crs(CRS, 4326, always_xy=True)
DECLARED = [  # the tiny project's layers but Viettel 4G, which the site lists give
    {"path": "viettel_2g.tif", "carrier": "452-04", "technology": "2G", "values": "mask"},
    {"path": "vnpt_3g.gpkg", "carrier": "Vinaphone", "technology": "3G"},
]


def site_rows(*rows: dict[str, Any]) -> pd.DataFrame:
    """Site-list rows given in the working CRS (x, y), written as lon/lat."""
    frame = pd.DataFrame(rows)
    lon, lat = TO_LL.transform(frame.pop("x").to_numpy(), frame.pop("y").to_numpy())
    return frame.assign(lon=np.round(lon, 7), lat=np.round(lat, 7))


def write_dem(root: Path, *, ridge_x: float | None = None, height: float = 250.0) -> Path:
    """A DEM in metres around the tiny project (100 m cells, UTM 48N): flat at 100 m, with
    a north-south ridge at ``ridge_x``."""
    xs = X0 - 10_000 + (np.arange(200) + 0.5) * 100
    row = np.full(200, 100.0)
    if ridge_x is not None:
        row += height * np.exp(-(((xs - ridge_x) / 200.0) ** 2))
    z = np.broadcast_to(row, (200, 200)).astype("float32")
    transform = from_origin(X0 - 10_000, Y0 + 10_000, 100, 100)
    return write_raster(root / "dem.tif", z, nodata=-32768, transform=transform)


def sites_project(
    root: Path,
    sites: pd.DataFrame,
    entry: dict[str, Any],
    declared: list[dict[str, Any]] = DECLARED,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    sites.to_csv(root / "sites.csv", index=False)
    entry = {"kind": "sites", "path": "sites.csv", **entry}
    return build_tiny_project(root, coverage=[*declared, entry])


WEST_SITE = {"site_id": "W1", "x": X0 - 3000, "y": Y0 + 500, "height_m": 30,
             "frequency_mhz": 900, "eirp_dbm": 33}  # fmt: skip


def two_carriers() -> pd.DataFrame:
    """Viettel LTE (two sectors) and NR, VNPT LTE: one file, three layers."""
    return site_rows(
        {**WEST_SITE, "carrier": "Viettel", "technology": "LTE", "azimuth_deg": 90},
        {**WEST_SITE, "carrier": "Viettel", "technology": "LTE", "azimuth_deg": 270},
        {**WEST_SITE, "site_id": "E1", "x": X0 + 1800, "y": Y0 + 200, "frequency_mhz": 3500,
         "eirp_dbm": 20, "carrier": "Viettel", "technology": "NR"},
        {**WEST_SITE, "site_id": "N1", "x": X0 + 1000, "y": Y0 + 6000, "frequency_mhz": 1800,
         "eirp_dbm": 30, "carrier": "Vinaphone", "technology": "4G"},
    )  # fmt: skip


# --------------------------------------------------------------------------- the config


def test_config_names_match_the_models_and_the_loader() -> None:
    assert SITE_MODELS == MODELS
    assert SITE_ENVIRONMENTS == ("urban", "suburban", "rural")
    assert set(SITE_FIELDS) == set(COLUMN_ALIASES)


def test_sites_keys_and_their_cross_checks(tmp_path: Path) -> None:
    base = {"name": "X", "communes": {"path": "c.gpkg"},
            "villages": {"path": "v.csv", "x": "lon", "y": "lat"}}  # fmt: skip

    def problems(*coverage: Any) -> list[str]:
        with pytest.raises(ConfigError) as info:
            parse_config({**base, "coverage": list(coverage)}, base_dir=tmp_path, source="p.yml")
        return [str(p) for p in info.value.problems]

    cfg = parse_config(
        {**base, "coverage": [{"kind": "sites", "path": "s.xlsx", "model": "HATA+terrain",
                               "dem": "dem.tif", "columns": {"height_m": "Cao (m)"}}]},
        base_dir=tmp_path,
    )  # fmt: skip
    spec = cfg.coverage[0]
    assert spec.is_sites and not spec.is_complete and spec.model == "hata+terrain"
    assert (spec.environment_name, spec.grid_resolution_m, spec.receiver_height) == (
        "rural", 50.0, 1.5)  # fmt: skip
    assert spec.dem == tmp_path / "dem.tif" and spec.columns == {"height_m": "Cao (m)"}
    assert parse_config(cfg.to_dict(), base_dir=tmp_path) == cfg
    assert cfg.input_roles()[2:] == [("coverage:s", tmp_path / "s.xlsx"),
                                     ("dem:s", tmp_path / "dem.tif")]  # fmt: skip
    assert problems({"kind": "sites", "path": "s.csv", "model": "hata+terrain"}) == [
        "p.yml: coverage[0].dem: 'model: hata+terrain' needs the terrain: 'dem' is missing. "
        "Fix: add 'dem: <elevation GeoTIFF, heights in metres>' or use 'model: hata'."
    ]
    found = problems({"kind": "sites", "path": "s.csv"},
                     {"kind": "site", "path": "s.csv", "model": "hata"},
                     {"kind": "sites", "path": "s.tif", "model": "range", "dem": "d.tif",
                      "values": "mask", "environment": "desert", "resolution_m": 0,
                      "columns": {"hieght": "H"}},
                     {"path": "v.tif", "carrier": "Viettel", "technology": "4G", "model": "hata",
                      "dem": "d.tif"})  # fmt: skip
    text = "\n".join(found)
    assert "coverage[0].model: required key 'model' is missing" in text
    assert "coverage[1].kind: unknown coverage kind 'site'" in text
    assert "coverage[2].environment: unknown environment 'desert'" in text
    assert "coverage[2].resolution_m: must be a positive number of metres" in text
    assert "coverage[2].columns.hieght: unknown site-list field 'hieght'" in text
    assert "coverage[2].dem: 'dem' is given but 'model: range' does not use the terrain" in text
    assert "coverage[2]: 'values' does not apply to a site list" in text
    assert "coverage[2].path: 's.tif' is a raster" in text
    assert "coverage[3]: 'model', 'dem' apply to site lists only (kind: sites)" in text
    # carrier and technology stay required for rasters and polygons
    assert problems({"path": "v.tif"}) == [
        "p.yml: coverage[0].carrier: required key 'carrier' is missing. Fix: add 'carrier:'.",
        "p.yml: coverage[0].technology: required key 'technology' is missing. "
        "Fix: add 'technology:'.",
    ]


# --------------------------------------------------------------------------- end to end


def test_site_list_through_run_project(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    write_dem(root)
    project = sites_project(root, two_carriers(), {"model": "hata+terrain", "dem": "dem.tif"})
    result = run_project(project)
    out = result.output
    assert out is not None
    # one file, three layers, named like any others, in place of the site list's entry
    assert [s.column for s in result.config.coverage] == [
        "viettel_2g", "vnpt_3g", "viettel_4g", "viettel_5g", "vnpt_4g"]  # fmt: skip
    assert [(layer.column, layer.source) for layer in result.layers] == [
        ("viettel_2g", "declared"), ("vnpt_3g", "declared"), ("viettel_4g", "predicted"),
        ("viettel_5g", "predicted"), ("vnpt_4g", "predicted")]  # fmt: skip
    for column in ("viettel_4g", "viettel_5g", "vnpt_4g"):
        with rasterio.open(out / "predicted" / f"{column}.tif") as ds:
            assert ds.dtypes == ("float32",) and ds.nodata == NODATA_DBM
            assert ds.crs.to_epsg() == 32648 and ds.res == (50.0, 50.0)
            data = ds.read(1, masked=True)
            # the grid covers the communes (plus a cell): 2 x 1 km at 50 m
            assert ds.bounds.left <= X0 and ds.bounds.right >= X0 + 2000
            assert ds.bounds.bottom <= Y0 and ds.bounds.top >= Y0 + 1000
            assert data.count() > 0 and data.max() <= 0
    villages = result.villages.set_index("village_id")
    assert villages["viettel_4g"].all()  # the sector facing east, 3-4.5 km away
    assert set(villages["predicted_layers"]) == {"viettel_4g, viettel_5g, vnpt_4g"}
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    sources = {entry["column"]: entry["source"] for entry in record["layers"]}
    assert sources == {"viettel_2g": "declared", "vnpt_3g": "declared",
                       "viettel_4g": "predicted", "viettel_5g": "predicted",
                       "vnpt_4g": "predicted"}  # fmt: skip
    layer = next(e for e in record["layers"] if e["column"] == "viettel_4g")
    assert layer["raster"] == "predicted/viettel_4g.tif" and layer["model"] == "hata+terrain"
    assert layer["form"] == "predicted" and layer["threshold_dbm"] == -105
    roles = {entry["role"] for entry in record["inputs"]}
    assert {"coverage:viettel_4g", "dem:viettel_4g"} <= roles
    html = (out / "map.html").read_text(encoding="utf-8")
    predicted = "V\\u00f9ng ph\\u1ee7 d\\u1ef1 b\\u00e1o"  # "Vùng phủ dự báo", as JSON escapes it
    assert html.count(predicted) == 3
    assert "Predicted (from site lists" in (out / "README.txt").read_text(encoding="utf-8")
    assert verify_run(out).ok
    first = {p.name: p.read_bytes() for p in (out / "predicted").iterdir()}
    run_project(project)
    assert {p.name: p.read_bytes() for p in (out / "predicted").iterdir()} == first


def test_covered_from_the_written_geotiff_equals_the_prediction_at_the_villages(
    tmp_path: Path,
) -> None:
    """The village table, the written raster read at the villages, and the prediction's own
    values at the villages' cells agree; the per-point reference agrees away from the
    threshold."""
    root = tmp_path / "p"
    root.mkdir()
    write_dem(root, ridge_x=X0 - 1200, height=120)
    rng = np.random.default_rng(3)
    sites = site_rows(*[
        {"site_id": f"S{i}", "x": X0 + x, "y": Y0 + y, "height_m": 25 + 5 * i,
         "frequency_mhz": f, "eirp_dbm": 18.0 + i, "azimuth_deg": az}
        for i, (x, y, f, az) in enumerate(zip(rng.uniform(-4000, 6000, 6),
                                              rng.uniform(-3000, 4000, 6),
                                              [900, 1800, 2100, 2600, 3500, 1800],
                                              [np.nan, 0, 120, 240, 90, np.nan], strict=True))
    ])  # fmt: skip
    project = sites_project(root, sites, {"carrier": "Viettel", "technology": "4G",
                                          "model": "hata+terrain", "dem": "dem.tif"})  # fmt: skip
    result = run_project(project)
    assert result.output is not None
    villages = result.villages.set_index("village_id").loc[list(VILLAGES)]
    points = villages.geometry.to_crs(CRS)
    values, valid, _ = sample_points(result.output / "predicted" / "viettel_4g.tif", points)
    from_file = valid & (values >= -105)
    np.testing.assert_array_equal(villages["viettel_4g"].to_numpy(), from_file)
    # the prediction itself, computed again with the public functions as the pipeline does
    cfg = load_config(project)
    spec = next(s for s in cfg.coverage if s.is_sites)
    table = read_site_layer(spec, working_crs=result.working_crs,
                            frequency_range_mhz=FREQUENCY_RANGE_MHZ)  # fmt: skip
    grid = prediction_grid((X0, Y0, X0 + 2000, Y0 + 1000), spec, crs=result.working_crs,
                           margin_m=50.0)  # fmt: skip
    with rasterio.open(result.output / "predicted" / "viettel_4g.tif") as ds:
        assert (ds.transform, ds.width, ds.height) == (grid.transform, grid.width, grid.height)
    terrain = load_terrain(spec.dem, grid=grid, margin_m=float(site_reach(table, spec).max()))
    with collect_warnings():  # a mast below 30 m: warned by the run already
        layer, prediction = predict_layer(spec, table, grid=grid, terrain=terrain)
    t = grid.transform
    xs, ys = points.x.to_numpy(), points.y.to_numpy()
    direct = prediction.values[((t.f - ys) // t.a).astype(int), ((xs - t.c) // t.a).astype(int)]
    np.testing.assert_array_equal(np.nan_to_num(direct, nan=-np.inf) >= -105, from_file)
    np.testing.assert_allclose(values[valid], direct[valid], atol=1e-4)
    assert layer.raster == (result.output / "predicted" / "viettel_4g.tif").read_bytes()
    reference = predict_points(table, xs, ys, model="hata+terrain", threshold_dbm=-105,
                               terrain=terrain)  # fmt: skip
    clear = ~(np.abs(np.nan_to_num(reference, nan=-999) + 105) < 3)
    assert clear.sum() >= 4
    np.testing.assert_array_equal((np.nan_to_num(reference, nan=-999) >= -105)[clear],
                                  from_file[clear])  # fmt: skip


def test_village_behind_a_ridge_uncovered_with_terrain_end_to_end(tmp_path: Path) -> None:
    """A site 3 km west of the communes, a 250 m ridge between: covered on open ground
    (``hata``), not with the terrain (``hata+terrain``)."""
    sites = site_rows({**WEST_SITE, "carrier": "Viettel", "technology": "4G"})
    covered = {}
    for model in ("hata", "hata+terrain"):
        root = tmp_path / model
        root.mkdir()
        write_dem(root, ridge_x=X0 - 1500)
        entry: dict[str, Any] = {"model": model}
        if model == "hata+terrain":
            entry["dem"] = "dem.tif"
        result = run_project(sites_project(root, sites, entry), write=False)
        covered[model] = result.villages.set_index("village_id")["viettel_4g"]
    assert covered["hata"].all()
    assert not covered["hata+terrain"].any()


def test_village_behind_a_sector_uncovered_where_omni_covers_it_end_to_end(
    tmp_path: Path,
) -> None:
    east = {**WEST_SITE, "x": X0 + 4000, "eirp_dbm": 30, "carrier": "Viettel",
            "technology": "4G"}  # fmt: skip
    covered = {}
    for name, sector in (("omni", {}), ("sector", {"azimuth_deg": 90, "beamwidth_deg": 65})):
        root = tmp_path / name
        result = run_project(sites_project(root, site_rows({**east, **sector}),
                                           {"model": "hata"}), write=False)  # fmt: skip
        covered[name] = result.villages.set_index("village_id")["viettel_4g"]
    assert covered["omni"].all()
    assert not covered["sector"].any()


def test_opencellid_export_gives_a_layer_per_carrier_and_radio(tmp_path: Path) -> None:
    """The OpenCelliD export as it comes, carrier and technology left to its rows; cells
    whose reach misses the communes are left out."""
    cells = site_rows(
        {"radio": "LTE", "mcc": 452, "net": 4, "area": 1, "cell": 11, "unit": 0,
         "x": X0 + 300, "y": Y0 + 900, "range": 500, "samples": 9},
        {"radio": "GSM", "mcc": 452, "net": 4, "area": 1, "cell": 12, "unit": 0,
         "x": X0 + 1500, "y": Y0 + 500, "range": 300, "samples": 3},
        {"radio": "UMTS", "mcc": 452, "net": 1, "area": 2, "cell": 13, "unit": 0,
         "x": X0 + 1250, "y": Y0 + 250, "range": 100, "samples": 4},
        {"radio": "LTE", "mcc": 452, "net": 5, "area": 3, "cell": 14, "unit": 0,
         "x": X0 + 90_000, "y": Y0, "range": 2000, "samples": 1},
    )[["radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range", "samples"]]  # fmt: skip
    root = tmp_path / "p"
    project = sites_project(root, cells, {"model": "range"}, declared=DECLARED[1:])
    result = run_project(project)
    columns = [s.column for s in result.config.coverage]
    assert columns == ["vnpt_3g", "mobifone_3g", "vietnamobile_4g", "viettel_2g", "viettel_4g"]
    v = result.villages.set_index("village_id")
    assert v["viettel_4g"].tolist() == [True, True, True, True, False, False, False, False]
    assert v.loc["V6", "mobifone_3g"] and v["mobifone_3g"].sum() == 1
    assert not v["vietnamobile_4g"].any()  # 90 km away: no site reaches the communes
    assert any("Vietnamobile 4G" in str(i) and "no site reaches" in str(i) for i in result.issues)
    # the site list's Viettel 2G meets the declared Viettel 2G raster: refused
    both = [*DECLARED, {"kind": "sites", "path": "sites.csv", "model": "range"}]
    res = CliRunner().invoke(cli, ["run", str(build_tiny_project(root, coverage=both))])
    assert res.exit_code == 2, res.output
    assert "Viettel 2G comes from two layers: viettel_2g.tif and sites.csv" in res.output


def test_cli_run_and_validate_with_a_site_list(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    write_dem(root)
    project = sites_project(root, two_carriers(), {"model": "hata+terrain", "dem": "dem.tif"})
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(project)])
    assert res.exit_code == 0, res.output
    assert not (root / "out").exists()
    res = runner.invoke(cli, ["run", str(project)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (root / "out" / "predicted").iterdir()) == [
        "viettel_4g.tif", "viettel_5g.tif", "vnpt_4g.tif"]  # fmt: skip
    res = runner.invoke(cli, ["map", str(root / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    html = (root / "out" / "map.html").read_text(encoding="utf-8")
    assert html.count("Predicted coverage (from sites): ") == 3
    assert "left off the map" not in res.output


def test_map_of_predicted_layers_written_or_not(tmp_path: Path) -> None:
    """A run not written draws its predicted layers from memory; a finished run's map from
    ``predicted/``, and leaves a layer off (with a warning) when its raster is gone."""
    root = tmp_path / "p"
    sites = site_rows({**WEST_SITE, "carrier": "Viettel", "technology": "4G"})
    project = sites_project(root, sites, {"model": "hata"})
    label = "Predicted coverage (from sites): Viettel 4G"
    data = map_data_from_result(run_project(project, write=False))
    assert set(data.predicted) == {"viettel_4g"}
    html = build_map(replace(data, lang="en")).get_root().render()
    assert label in html and "image_overlay" in html
    out = run_project(project).output
    assert out is not None
    (out / "predicted" / "viettel_4g.tif").unlink()
    with pytest.warns(CoverageGapsWarning) as caught:
        render_run_map(out)
    messages = [str(w.message) for w in caught if w.category is CoverageGapsWarning]
    assert len(messages) == 1 and "viettel_4g.tif" in messages[0], messages
    assert "Viettel 4G" in messages[0] and "left off the map" in messages[0]


# --------------------------------------------------------------------------- planning


def test_link_power_for_planning_matches_the_point_reference() -> None:
    """``power_model`` plugs the prediction models into planning's ``power_covers``; on
    each link it gives the per-point reference's power."""
    grid_sites = gpd.GeoDataFrame(
        {"height_m": [30.0, 40.0], "frequency_mhz": [900.0, 1800.0], "eirp_dbm": [33.0, 30.0],
         "azimuth_deg": [np.nan, 90.0]},
        geometry=shapely.points([[0, 0], [6000, 0]]), crs=CRS,
    )  # fmt: skip
    villages = gpd.GeoSeries(shapely.points([[3000, 0], [9000, 0], [-8000, 0]]), crs=CRS)
    covers = power_covers(power_model(model="hata"), threshold_dbm=-105, reach_m=20_000)
    matrix = coverage_matrix(grid_sites, villages, covers=covers).toarray()
    table = pd.DataFrame(grid_sites.drop(columns="geometry")).assign(x=[0.0, 6000.0], y=[0.0, 0.0])
    for i in range(2):
        ref = predict_points(table.iloc[[i]], [3000, 9000, -8000], [0, 0, 0], model="hata",
                             threshold_dbm=-200)  # fmt: skip
        power = compute_link_power(table, [i] * 3, [3000, 9000, -8000], [0, 0, 0], model="hata")
        np.testing.assert_allclose(power, ref, atol=1e-9)
        np.testing.assert_array_equal(matrix[i], power >= -105)
    assert matrix.tolist() == [[True, True, True], [False, True, False]]  # a sector facing east
    with pytest.raises(ValueError, match="range"):
        compute_link_power(table, [0], [0.0], [0.0], model="range")
