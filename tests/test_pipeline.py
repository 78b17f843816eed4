"""The tiny hand-built project: every figure below was worked out by hand (see conftest.py)."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import yaml
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from coverage_gaps import (
    analyse,
    distance_to_fibre,
    load_config,
    load_inputs,
    run_project,
)
from coverage_gaps.analysis import VILLAGE_COLUMNS
from coverage_gaps.cli import cli

EXPECTED = pd.DataFrame(
    {
        "village_id": ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8"],
        "commune_id": ["A001", "A001", "A001", "A001", "B002", "B002", "A001", "A001"],
        "viettel_2g": [True, True, True, True, True, True, True, False],
        "viettel_4g": [
            True,
            True,
            False,
            False,
            False,
            False,
            True,
            False,
        ],  # -90, -105 (=), nodata, -105.5
        "vnpt_3g": [
            False,
            False,
            False,
            False,
            True,
            False,
            False,
            False,
        ],  # V5 on the polygon edge
        "best_mobile": ["4G", "4G", "2G", "2G", "3G", "2G", "4G", "none"],
        "gap_mobile": [False, False, True, True, False, True, False, True],
        "fibre_distance_m": [430.0, 430.0, 430.0, 430.0, 20.0, 270.0, 180.0, 470.0],
        "gap_fibre": [
            True,
            True,
            True,
            True,
            False,
            False,
            False,
            True,
        ],  # V6: 270 m = reach: not a gap
    }
)


@pytest.fixture
def result(tiny_project: Path):
    return run_project(tiny_project)


def test_village_table_matches_hand_computed(result) -> None:
    v = result.villages
    assert list(v.columns[: len(VILLAGE_COLUMNS)]) == VILLAGE_COLUMNS
    assert list(v.columns[len(VILLAGE_COLUMNS) :]) == [
        "viettel_2g",
        "viettel_4g",
        "vnpt_3g",
        "area_km2",
        "geometry",
    ]
    got = pd.DataFrame(v[EXPECTED.columns]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)
    assert v["has_4g"].tolist() == EXPECTED["viettel_4g"].tolist()
    assert v["has_3g"].tolist() == EXPECTED["vnpt_3g"].tolist()
    assert not v["has_5g"].any()
    assert v["population"].tolist() == [100, 200, 300, 400, 500, 600, 700, 0]


def test_commune_and_province_summaries(result) -> None:
    c = result.communes.set_index("commune_id")
    assert c.loc[
        "A001",
        [
            "villages",
            "population",
            "villages_gap_mobile",
            "population_gap_mobile",
            "villages_gap_fibre",
            "population_gap_fibre",
            "villages_no_4g",
            "population_no_4g",
        ],
    ].tolist() == [6, 1700, 3, 700, 5, 1000, 3, 700]
    assert c.loc[
        "B002",
        [
            "villages",
            "population",
            "villages_gap_mobile",
            "population_gap_mobile",
            "villages_gap_fibre",
            "villages_no_4g",
            "population_no_4g",
        ],
    ].tolist() == [2, 1100, 1, 600, 0, 2, 1100]
    assert c.loc["A001", "pct_population_4g"] == pytest.approx(100 * 1000 / 1700, abs=0.01)
    assert c.loc["B002", "pct_population_3g"] == pytest.approx(100 * 500 / 1100, abs=0.01)
    # areas: 2 of 100 cells of A have 4G, 1 of 100 of B; the 3G polygon is half of B; one cell of A lacks 2G
    assert c.loc["A001", ["pct_area_2g", "pct_area_3g", "pct_area_4g"]].tolist() == [99.0, 0.0, 2.0]
    assert c.loc["B002", ["pct_area_2g", "pct_area_3g", "pct_area_4g"]].tolist() == [
        100.0,
        50.0,
        1.0,
    ]
    assert c["area_km2"].tolist() == [1.0, 1.0]
    p = result.provinces
    assert len(p) == 1
    row = p.iloc[0]
    assert row["province_id"] == "99" and row["communes"] == 2
    for col in [
        "villages",
        "population",
        "villages_gap_mobile",
        "population_gap_mobile",
        "villages_gap_fibre",
        "population_gap_fibre",
        "villages_no_4g",
        "population_no_4g",
    ]:
        assert row[col] == c[col].sum(), col
    assert row["pct_area_3g"] == 25.0
    assert row["pct_population_4g"] == pytest.approx(100 * 1000 / 2800, abs=0.01)


def test_border_village_goes_to_smaller_commune_id(result) -> None:
    v7 = result.villages.set_index("village_id").loc["V7"]
    assert v7["commune_id"] == "A001" and v7["commune_name"] == "Xã An"


def test_outputs_written(result) -> None:
    out = result.output
    assert out is not None
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "README.txt",
        "communes.csv",
        "communes.gpkg",
        "map.html",
        "priority",
        "provinces.csv",
        "report.docx",
        "report.html",
        "run.json",
        "villages.csv",
        "villages.gpkg",
    ]
    csv = pd.read_csv(out / "villages.csv", encoding="utf-8-sig", dtype={"village_id": str})
    assert list(csv.columns) == [c for c in result.villages.columns if c != "geometry"]
    assert csv["name"].tolist()[0] == "Thôn V1"
    assert (out / "villages.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    gpkg = gpd.read_file(out / "villages.gpkg")
    assert gpkg.crs.to_epsg() == 4326
    assert gpkg["gap_mobile"].tolist() == EXPECTED["gap_mobile"].tolist()
    np.testing.assert_allclose(gpkg.geometry.x, csv["lon"], atol=1e-6)
    communes = gpd.read_file(out / "communes.gpkg")
    assert communes["villages"].tolist() == [6, 2]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["villages"] == 8 and run["counts"]["villages_gap_mobile"] == 4
    assert run["counts"]["villages_gap_fibre"] == 5
    assert run["working_crs"] == "EPSG:32648"
    roles = {i["role"] for i in run["inputs"]}
    assert {"communes", "villages", "coverage:viettel_4g", "fibre", "project"} <= roles
    communes_file = next(i for i in run["inputs"] if i["role"] == "communes")
    assert (
        communes_file["sha256"]
        == hashlib.sha256(Path(communes_file["path"]).read_bytes()).hexdigest()
    )
    assert set(run["stages_s"]) >= {
        "load_communes",
        "sample_coverage",
        "coverage_area",
        "write_outputs",
    }
    assert run["config"]["coverage"][2]["carrier"] == "VNPT"
    assert "geopandas" in run["versions"] and "gdal" in run["versions"]


def test_same_inputs_give_identical_files(tiny_project: Path, tmp_path: Path) -> None:
    a = run_project(tiny_project, output=tmp_path / "a").output
    b = run_project(tiny_project, output=tmp_path / "b").output
    assert a is not None and b is not None
    files = sorted(
        str(p.relative_to(a)) for p in a.rglob("*") if p.is_file() and p.name != "run.json"
    )
    assert files == sorted(
        str(p.relative_to(b)) for p in b.rglob("*") if p.is_file() and p.name != "run.json"
    )
    assert {
        "villages.gpkg",
        "report.html",
        "priority/viettel.xlsx",
        "priority/all_carriers.xlsx",
    } <= set(files)
    for (
        name
    ) in files:  # every data file, the lists and the report: byte-identical (run.json has times)
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rerun_replaces_previous_outputs(tiny_project: Path) -> None:
    first = run_project(tiny_project).output
    assert first is not None
    (first / "villages.csv").write_text("stale", encoding="utf-8")
    second = run_project(tiny_project).output
    assert second == first
    assert (second / "villages.csv").read_text(encoding="utf-8-sig").startswith("village_id,")
    assert not list(first.parent.glob(".out.partial-*")) + list(first.parent.glob(".out.old-*"))


def test_stages_compose(tiny_project: Path) -> None:
    cfg = load_config(tiny_project)
    inputs = load_inputs(cfg)
    assert inputs.working_crs.to_epsg() == 32648
    res = analyse(inputs)
    full = run_project(tiny_project, write=False)
    assert_geodataframe_equal(res.villages, full.villages)
    assert_geodataframe_equal(res.communes, full.communes)


def test_villages_in_other_crs_are_reprojected(make_project, tmp_path: Path) -> None:
    project = make_project()
    df = pd.read_csv(project.parent / "villages.csv")
    pts = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:32648").to_crs(4326)
    df["x"], df["y"] = pts.x, pts.y
    df.to_csv(project.parent / "villages.csv", index=False)
    text = project.read_text(encoding="utf-8").replace("crs: EPSG:32648", "crs: EPSG:4326")
    project.write_text(text, encoding="utf-8")
    v = run_project(project, write=False).villages
    # V5 and V7 sit exactly on an edge (polygon, pixel, commune border); after a round trip through
    # degrees they may fall a nanometre either side, so only the other villages are compared here.
    keep = ~v["village_id"].isin(["V5", "V7"]).to_numpy()
    assert v.loc[keep, "best_mobile"].tolist() == EXPECTED.loc[keep, "best_mobile"].tolist()
    np.testing.assert_allclose(v["fibre_distance_m"], EXPECTED["fibre_distance_m"], atol=0.01)


def _villages_in_degrees(project: Path) -> None:
    df = pd.read_csv(project.parent / "villages.csv")
    pts = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:32648").to_crs(4326)
    df["x"], df["y"] = pts.x, pts.y
    df.to_csv(project.parent / "villages.csv", index=False)
    config = yaml.safe_load(project.read_text(encoding="utf-8"))
    config["villages"]["crs"] = "EPSG:4326"
    project.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def test_declared_coordinate_systems_are_a_note_not_a_warning(make_project) -> None:
    """Villages in degrees (the table's CRS given with 'crs:'), communes and rasters in UTM,
    each declaring its CRS: information in run.json and with -v, not a warning."""
    project = make_project()
    _villages_in_degrees(project)
    res = CliRunner().invoke(cli, ["run", str(project)])
    assert res.exit_code == 0, res.output
    assert "coordinate systems" not in res.output
    run = json.loads((project.parent / "out" / "run.json").read_text(encoding="utf-8"))
    assert [n for n in run["notes"] if "the inputs use different coordinate systems" in n]
    assert "villages.csv: EPSG:4326;" in run["notes"][0] and "(assumed)" not in run["notes"][0]
    assert not [w for w in run["warnings"] if "coordinate systems" in w]
    res = CliRunner().invoke(cli, ["-v", "validate", str(project)])
    assert "INFO: inputs: the inputs use different coordinate systems" in res.output


def test_crs_assumed_for_a_file_without_one_is_still_a_warning(make_project) -> None:
    """A shapefile without .prj given its CRS by 'crs:' in the project file: assumed."""
    project = make_project(
        communes={"path": "communes.shp", "id": "code", "name": "fullName", "crs": "EPSG:32648"}
    )
    gdf = gpd.read_file(project.parent / "communes.gpkg").drop(columns="provinceCode")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(
            gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gdf.geometry.to_numpy()),
            project.parent / "communes.shp",
        )
    _villages_in_degrees(project)
    inputs = load_inputs(load_config(project))
    mixed = [str(p) for p in inputs.issues if "different coordinate systems" in p.what]
    assert len(mixed) == 1 and not inputs.notes
    assert "communes.shp: EPSG:32648 (assumed)" in mixed[0]
    assert "villages.csv: EPSG:4326;" in mixed[0]  # declared with 'crs:', as a table does


def test_villages_as_polygons_use_inner_point_and_keep_area(make_project) -> None:
    project = make_project()
    df = pd.read_csv(project.parent / "villages.csv")
    polys = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:32648").buffer(
        20, quad_segs=1
    )
    gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=polys, crs="EPSG:32648")
    gdf = gdf[gdf["village_id"] != "V5"]  # V5 sits on an edge: keep this test about polygons only
    gdf.to_file(project.parent / "villages_poly.gpkg")
    cfg = {
        "path": "villages_poly.gpkg",
        "id": "village_id",
        "name": "name",
        "population": "population",
    }
    project = make_project(villages=cfg)
    v = run_project(project, write=False).villages.set_index("village_id")
    assert v.loc["V1", "area_km2"] == pytest.approx(2 * 20 * 20 / 1e6)
    assert v.loc["V8", "best_mobile"] == "none"
    assert v.loc["V2", "viettel_4g"]


def test_no_fibre_layer_leaves_fibre_columns_empty(make_project) -> None:
    project = make_project(fibre=None)
    result = run_project(project)
    assert result.villages["fibre_distance_m"].isna().all()
    assert result.villages["gap_fibre"].isna().all()
    assert result.communes["villages_gap_fibre"].isna().all()
    assert result.output is not None
    csv = pd.read_csv(result.output / "villages.csv", encoding="utf-8-sig")
    assert csv["gap_fibre"].isna().all()


def test_commune_codes_given_in_village_table_are_kept(make_project) -> None:
    villages = {
        "path": "villages.csv",
        "id": "village_id",
        "name": "name",
        "population": "population",
        "x": "x",
        "y": "y",
        "crs": "EPSG:32648",
        "commune": "xa",
    }
    project = make_project(villages=villages)
    df = pd.read_csv(project.parent / "villages.csv")
    df["xa"] = ["A001", "A001", "A001", "A001", "B002", "B002", "B002", None]  # V7 declared in B002
    df.to_csv(project.parent / "villages.csv", index=False)
    v = run_project(project, write=False).villages.set_index("village_id")
    assert v.loc["V7", "commune_id"] == "B002"  # as declared
    assert v.loc["V8", "commune_id"] == "A001"  # by location


def test_distance_to_fibre_points_and_lines() -> None:
    import shapely

    v = gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(30, 40)], crs=32648)
    f = gpd.GeoSeries([shapely.Point(3, 4), shapely.LineString([(100, -10), (100, 10)])], crs=32648)
    assert distance_to_fibre(v, f).tolist() == [5.0, pytest.approx(np.hypot(27, 36))]
    assert np.isinf(distance_to_fibre(v, gpd.GeoSeries([], crs=32648))).all()


def test_second_concurrent_run_refuses(tiny_project: Path) -> None:
    import fcntl
    import os

    from coverage_gaps import OutputError

    out = tiny_project.parent / "out"
    fd = os.open(tiny_project.parent / ".out.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(OutputError, match="another coverage-gaps run is writing"):
            run_project(tiny_project)
    finally:
        os.close(fd)
    assert not out.exists()
    assert run_project(tiny_project).output == out


def test_interrupted_swap_restores_previous_result(tiny_project: Path) -> None:
    out = run_project(tiny_project).output
    assert out is not None
    before = (out / "villages.csv").read_bytes()
    # simulate a kill between "move the old result aside" and "move the new one in"
    out.rename(out.parent / ".out.old-999999")
    (out.parent / ".out.partial-999999").mkdir()
    from coverage_gaps.io.atomic import _recover

    _recover(out.parent, "out")
    assert (out / "villages.csv").read_bytes() == before
    assert not list(out.parent.glob(".out.*-*"))


def test_province_unions_are_shared_by_the_pool_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each province's union is its own task, the largest submitted first; the shapes come
    back in the order the provinces first appear, as :func:`dissolve_provinces` makes them."""
    from concurrent.futures import ThreadPoolExecutor

    import shapely

    import coverage_gaps.pipeline as pipeline
    from coverage_gaps.analysis.summaries import dissolve_provinces

    small = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    large = [shapely.Point(10, 10).buffer(1, quad_segs=64), shapely.box(20, 0, 21, 1)]
    communes = gpd.GeoDataFrame(
        {"province_id": ["01", "01", "02", "02"]}, geometry=[*small, *large], crs=32648
    )
    with ThreadPoolExecutor(2) as pool:
        unions = pipeline.ProvinceUnions.submit(pool, communes)
        shapes, seconds = unions.result()
    assert list(unions.futures) == ["01", "02"]  # order of first appearance
    assert list(shapes) == ["01", "02"] and seconds >= 0.0
    expected = dissolve_provinces(communes)
    for pid, shape in shapes.items():
        assert shape.equals_exact(expected[pid], 0.0)
    assert shapes["01"].area == pytest.approx(2.0)

    vertices: list[int] = []
    union = pipeline._timed_union

    def spy(polygons: np.ndarray) -> tuple[shapely.Geometry, float, float]:
        vertices.append(int(shapely.get_num_coordinates(polygons).sum()))
        return union(polygons)

    monkeypatch.setattr(pipeline, "_timed_union", spy)
    with ThreadPoolExecutor(1) as pool:  # one thread runs the tasks in their submission order
        pipeline.ProvinceUnions.submit(pool, communes).result()
    assert vertices == sorted(vertices, reverse=True) and vertices[0] > vertices[1]
    assert pipeline.ProvinceUnions({}).result() == ({}, 0.0)


def test_work_on_the_communes_starts_while_the_inputs_load(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provinces' shapes and the communes' drawings start as soon as the communes are
    loaded (before the coverage layers), in threads of lower priority, and give what the
    analysis alone gives."""
    import os
    import sys
    import threading

    import coverage_gaps.pipeline as pipeline
    from coverage_gaps.config import load_config

    events: list[str] = []
    niceness: list[int] = []
    start, load_layers, draw = (
        pipeline.CommuneWork.start,
        pipeline._load_layers,
        pipeline.draw_communes,
    )

    def spy_start(*args: object, **kwargs: object) -> object:
        events.append("communes")
        return start(*args, **kwargs)  # type: ignore[arg-type]

    def spy_layers(*args: object, **kwargs: object) -> object:
        events.append("coverage")
        return load_layers(*args, **kwargs)

    def spy_draw(*args: object, **kwargs: object) -> object:
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return draw(*args, **kwargs)

    monkeypatch.setattr(pipeline.CommuneWork, "start", spy_start)
    monkeypatch.setattr(pipeline, "_load_layers", spy_layers)
    monkeypatch.setattr(pipeline, "draw_communes", spy_draw)
    cfg = load_config(tiny_project)
    early = pipeline.analyse_on_engine(cfg, drawings=True)
    assert events[:2] == ["communes", "coverage"]
    if sys.platform.startswith("linux"):
        assert niceness == [min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)]
    late = pipeline.analyse(pipeline.load_inputs(cfg), drawings=True)
    assert early.province_shapes is not None and late.province_shapes is not None
    assert early.province_shapes.keys() == late.province_shapes.keys()
    for pid, shape in early.province_shapes.items():
        assert shape.equals_exact(late.province_shapes[pid], 0.0)
    assert early.drawings is not None and late.drawings is not None
    assert np.array_equal(early.drawings.ids, late.drawings.ids)
    assert all(
        a.equals_exact(b, 0.0)
        for a, b in zip(early.drawings.wgs84, late.drawings.wgs84, strict=True)
    )
    assert_geodataframe_equal(early.communes, late.communes)


def test_run_keeps_its_objects_from_the_collector_and_gives_them_back(
    tiny_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loaded inputs and the results are frozen (out of the cyclic collector's walks)
    while the run writes, and given back when it ends, also when it fails."""
    import gc

    import coverage_gaps.pipeline as pipeline

    seen: list[int] = []
    write = pipeline.write_outputs

    def spy(result: object, folder: Path, **kw: object) -> None:
        seen.append(gc.get_freeze_count())
        write(result, folder, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "write_outputs", spy)
    assert gc.get_freeze_count() == 0
    run_project(tiny_project, output=tmp_path / "ok")
    assert seen and seen[0] > 1000 and gc.get_freeze_count() == 0

    def broken(result: object, folder: Path, **kw: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(pipeline, "write_outputs", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        run_project(tiny_project, output=tmp_path / "bad")
    assert gc.get_freeze_count() == 0


def test_work_beside_the_run_does_not_silence_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The communes' drawings and validity checks run in threads beside the run. They test
    validity without ``shapely.is_valid``, which sets the process-wide warning filters to
    "ignore" for its whole call: a warning the run raised meanwhile was lost, and two
    overlapping calls left "ignore" in place."""
    import shapely
    from pyproj import CRS

    from coverage_gaps.io.checks import THREADED_FROM, valid_geometries
    from coverage_gaps.outputs.maps import draw_communes

    def silencing(*args: object, **kwargs: object) -> None:
        raise AssertionError("shapely.is_valid silences every warning while it runs")

    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    communes = gpd.GeoDataFrame(
        {"commune_id": ["1", "2"]},
        geometry=[shapely.box(500000, 2300000, 501000, 2301000), bowtie], crs=32648,
    )  # fmt: skip
    many = np.array([shapely.box(0, 0, 1, 1), bowtie] * THREADED_FROM)
    with monkeypatch.context() as patched:
        patched.setattr(shapely, "is_valid", silencing)
        drawn = draw_communes(communes, metric_crs=CRS(32648), tolerances=[20.0])
        valid = valid_geometries(many)
    assert len(drawn.wgs84) == 2
    assert valid[:2].tolist() == [True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = list(warnings.filters)
        valid_geometries(many)
        draw_communes(communes, metric_crs=CRS(32648), tolerances=[20.0])
        assert warnings.filters == before
