"""Bad inputs: each gives exit code 2, a message naming the file and the problem, and no output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import CRS, X0, Y0, write_raster
from rasterio.transform import from_origin

from coverage_gaps import InputDataError, validate_project
from coverage_gaps.cli import cli


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _assert_refused(project: Path, *fragments: str) -> str:
    for command in ("validate", "run"):
        res = _invoke(command, str(project))
        assert res.exit_code == 2, (command, res.output)
        assert "Traceback" not in res.output
        for fragment in fragments:
            assert fragment in res.output, (command, fragment, res.output)
    out = project.parent / "out"
    assert not out.exists(), "an output folder was left behind"
    assert not list(project.parent.glob(".out.*")), "a partial output folder was left behind"
    return res.output


def _break_villages(project: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = project.parent / "villages.csv"
    change(pd.read_csv(path, dtype={"village_id": str})).to_csv(path, index=False)


def _write_shapefile_without_crs(gdf: gpd.GeoDataFrame, path: Path) -> None:
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(
            gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gdf.geometry.to_numpy()), path
        )


def test_missing_file(make_project) -> None:
    project = make_project(
        coverage=[{"path": "viettel_4G.tif", "carrier": "Viettel", "technology": "4G"}]
    )
    _assert_refused(project, "viettel_4G.tif", "does not exist", "did you mean 'viettel_4g.tif'?")


def test_missing_column(make_project) -> None:
    villages = {
        "path": "villages.csv",
        "id": "village_id",
        "population": "pop",
        "x": "x",
        "y": "y",
        "crs": CRS,
    }
    _assert_refused(
        make_project(villages=villages),
        "villages.csv",
        "column 'pop' is not in the table",
        "population",
    )


def test_no_crs(make_project) -> None:
    project = make_project(communes={"path": "communes.shp", "id": "code", "name": "fullName"})
    gdf = gpd.read_file(project.parent / "communes.gpkg")
    _write_shapefile_without_crs(gdf.drop(columns="provinceCode"), project.parent / "communes.shp")
    assert not (project.parent / "communes.prj").exists()
    _assert_refused(project, "communes.shp", "no coordinate reference system", "crs: EPSG:4326")


def test_no_crs_fixed_by_config(make_project) -> None:
    project = make_project(
        communes={"path": "communes.shp", "id": "code", "name": "fullName", "crs": CRS}
    )
    gdf = gpd.read_file(project.parent / "communes.gpkg")
    _write_shapefile_without_crs(gdf.drop(columns="provinceCode"), project.parent / "communes.shp")
    assert validate_project(project) is not None


def test_empty_geometry(make_project) -> None:
    project = make_project()
    gdf = gpd.read_file(project.parent / "communes.gpkg")
    extra = gpd.GeoDataFrame(
        {"code": ["C003"], "fullName": ["Xã Cầu"], "provinceCode": ["99"]},
        geometry=[None],
        crs=gdf.crs,
    )
    pd.concat([gdf, extra]).to_file(project.parent / "communes.gpkg", layer="communes")
    _assert_refused(project, "communes.gpkg", "feature 3 (id C003)", "no geometry")


def test_invalid_geometry_is_repaired_and_reported(make_project) -> None:
    project = make_project()
    gdf = gpd.read_file(project.parent / "communes.gpkg")
    # the closing edge crosses the bottom edge near the corner: a small self-intersection
    bowtie = shapely.Polygon(
        [(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000), (X0 + 10, Y0 - 10)]
    )
    gdf.loc[0, "geometry"] = shapely.MultiPolygon([bowtie])
    gdf.to_file(project.parent / "communes.gpkg", layer="communes")
    res = _invoke("validate", str(project))
    assert res.exit_code == 0, res.output
    assert "communes.gpkg" in res.output and "repaired with make_valid" in res.output
    assert "Self-intersection" in res.output
    strict = _invoke("validate", "--strict", str(project))
    assert strict.exit_code == 2
    run = _invoke("run", str(project))
    assert run.exit_code == 0, run.output


def test_points_where_polygons_expected(make_project) -> None:
    project = make_project()
    gdf = gpd.read_file(project.parent / "communes.gpkg")
    gdf.geometry = gdf.geometry.centroid
    gdf.to_file(project.parent / "communes.gpkg", layer="communes")
    _assert_refused(project, "communes.gpkg", "are Point", "Polygon")


def test_duplicate_ids(make_project) -> None:
    project = make_project()
    _break_villages(project, lambda df: df.assign(village_id=["V1", "V1", *df["village_id"][2:]]))
    _assert_refused(project, "villages.csv", "used more than once: V1")


def test_bad_population(make_project) -> None:
    project = make_project()
    _break_villages(
        project, lambda df: df.assign(population=["10", "", "-5", "many", *df["population"][4:]])
    )
    out = _assert_refused(
        project, "villages.csv", "no population", "negative population", "not a number"
    )
    assert "row 3 (id V2)" in out and "row 4 (id V3)" in out and "row 5 (id V4)" in out


def test_bad_coordinates(make_project) -> None:
    project = make_project()
    _break_villages(project, lambda df: df.assign(x=[np.nan, "abc", *df["x"][2:]]))
    _assert_refused(project, "villages.csv", "2 row(s) have missing, non-numeric", "row 2 (id V1)")


def test_villages_outside_every_commune(make_project) -> None:
    project = make_project()
    _break_villages(
        project,
        lambda df: pd.concat(
            [
                df,
                pd.DataFrame(
                    {
                        "village_id": ["FAR"],
                        "name": ["Bản Xa"],
                        "population": [50],
                        "x": [X0 + 9000],
                        "y": [Y0],
                    }
                ),
            ]
        ),
    )
    _assert_refused(project, "villages.csv", "FAR", "outside every commune", "max_snap_m")


def test_snap_tolerance_attaches_nearby_village(make_project) -> None:
    villages = {
        "path": "villages.csv",
        "id": "village_id",
        "name": "name",
        "population": "population",
        "x": "x",
        "y": "y",
        "crs": CRS,
        "max_snap_m": 100,
    }
    project = make_project(villages=villages)
    _break_villages(
        project,
        lambda df: pd.concat(
            [
                df,
                pd.DataFrame(
                    {
                        "village_id": ["NEAR"],
                        "name": ["Bản Gần"],
                        "population": [50],
                        "x": [X0 - 50],
                        "y": [Y0 + 10],
                    }
                ),
            ]
        ),
    )
    from coverage_gaps import run_project

    v = run_project(project, write=False).villages.set_index("village_id")
    assert v.loc["NEAR", "commune_id"] == "A001"


def test_raster_extent_misses_villages(make_project) -> None:
    project = make_project()
    write_raster(
        project.parent / "viettel_4g.tif",
        np.full((10, 10), -80.0, dtype="float32"),
        nodata=-9999.0,
        transform=from_origin(X0 + 50_000, Y0 + 1000, 100, 100),
    )
    _assert_refused(project, "viettel_4g.tif", "contains none of the villages")


def test_raster_nodata_everywhere(make_project) -> None:
    project = make_project()
    write_raster(
        project.parent / "viettel_4g.tif",
        np.full((10, 20), -9999.0, dtype="float32"),
        nodata=-9999.0,
    )
    _assert_refused(project, "viettel_4g.tif", "holds only nodata")


def test_raster_without_crs(make_project) -> None:
    project = make_project()
    write_raster(
        project.parent / "viettel_4g.tif",
        np.full((10, 20), -80.0, dtype="float32"),
        nodata=-9999.0,
        crs=None,
    )
    _assert_refused(project, "viettel_4g.tif", "no coordinate reference system")


def test_unreadable_files(make_project) -> None:
    project = make_project()
    (project.parent / "viettel_4g.tif").write_bytes(b"II*\x00garbage")
    data = (project.parent / "communes.gpkg").read_bytes()
    (project.parent / "communes.gpkg").write_bytes(data[: len(data) // 3])
    _assert_refused(project, "viettel_4g.tif", "cannot be read as a raster", "communes.gpkg")


def test_every_problem_reported_at_once(make_project) -> None:
    project = make_project(
        coverage=[
            {"path": "missing.tif", "carrier": "Viettel", "technology": "4G"},
            {"path": "vnpt_3g.gpkg", "carrier": "VNPT", "technology": "3G"},
        ]
    )
    _break_villages(project, lambda df: df.assign(village_id=["V1", "V1", *df["village_id"][2:]]))
    with pytest.raises(InputDataError) as info:
        validate_project(project)
    assert len(info.value.problems) == 2
    text = str(info.value)
    assert "missing.tif" in text and "used more than once" in text


def test_mask_with_other_values(make_project) -> None:
    project = make_project()
    write_raster(project.parent / "viettel_2g.tif", np.full((10, 20), 7, dtype="uint8"), nodata=255)
    _assert_refused(project, "viettel_2g.tif", "0/1 mask holds other values")
