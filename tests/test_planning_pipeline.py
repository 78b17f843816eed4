"""Where to build (issue 14) through the project file, the pipeline and the CLI: the
``planning:`` keys, target villages, candidates from a file or generated, the site-prediction
models, the ``planning/`` outputs, the report, the map and run.json."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import docx
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from click.testing import CliRunner
from conftest import CRS, X0, Y0, write_raster
from pyproj import CRS as ProjCRS
from rasterio.transform import from_origin

from coverage_gaps import ConfigError, InputDataError, load_config, run_project
from coverage_gaps.analysis.planning import select_targets
from coverage_gaps.analysis.propagation import (
    Terrain,
    load_terrain,
    make_grid,
    predict_pairs,
    predict_points,
)
from coverage_gaps.cli import cli
from coverage_gaps.config import PlanningSpec, parse_config
from coverage_gaps.config.schema import declared_keys

# --------------------------------------------------------------------------- the hand-built case
# Six gap villages on a line (y = Y0 + 500) and three candidates with their own range: A
# reaches the four middle villages (40 people: the best single site), B and C two of them
# and an outlying village of 15 people each (35 each). With two sites the greedy takes A then
# B (55 people); the optimum is B + C (70).
LINE_Y = Y0 + 500
HAND_VILLAGES = {  # id -> (x, people)
    "v1": (X0 + 2000, 10),
    "v2": (X0 + 2200, 10),
    "v3": (X0 + 3000, 10),
    "v4": (X0 + 3200, 10),
    "v5": (X0 + 500, 15),
    "v6": (X0 + 4700, 15),
}
HAND_CANDIDATES = {  # id -> (x, range_m, cost)
    "A": (X0 + 2600, 650.0, 1.0e9),
    "B": (X0 + 1300, 950.0, 1.5e9),
    "C": (X0 + 3900, 950.0, 1.5e9),
}


def build_planning_project(root: Path, planning: dict[str, Any], **extra: Any) -> Path:
    """Two communes side by side, the six villages of the hand-built case, one coverage
    raster that covers nobody, candidates.csv; ``planning`` is the project's section."""
    root.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"code": ["A001", "B002"], "fullName": ["Xã An", "Xã Bình"], "provinceCode": ["99", "99"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 2600, Y0 + 1000),
            shapely.box(X0 + 2600, Y0, X0 + 5200, Y0 + 1000),
        ],
        crs=CRS,
    ).to_file(root / "communes.gpkg", layer="communes")
    pd.DataFrame(
        {
            "village_id": list(HAND_VILLAGES),
            "name": [f"Thôn {k}" for k in HAND_VILLAGES],
            "population": [p for _, p in HAND_VILLAGES.values()],
            "x": [x for x, _ in HAND_VILLAGES.values()],
            "y": [LINE_Y] * len(HAND_VILLAGES),
        }
    ).to_csv(root / "villages.csv", index=False)
    write_raster(
        root / "viettel_4g.tif",
        np.full((10, 52), -120.0, dtype="float32"),
        nodata=-9999.0,
        transform=from_origin(X0, Y0 + 1000, 100, 100),
    )
    pd.DataFrame(
        {
            "site_id": list(HAND_CANDIDATES),
            "x": [x for x, _, _ in HAND_CANDIDATES.values()],
            "y": [LINE_Y] * len(HAND_CANDIDATES),
            "range_m": [r for _, r, _ in HAND_CANDIDATES.values()],
            "cost": [c for _, _, c in HAND_CANDIDATES.values()],
        }
    ).to_csv(root / "candidates.csv", index=False)
    config: dict[str, Any] = {
        "name": "Tỉnh Thử",
        "communes": {"path": "communes.gpkg", "layer": "communes", "id": "code",
                     "name": "fullName", "province": "provinceCode"},
        "villages": {"path": "villages.csv", "id": "village_id", "name": "name",
                     "population": "population", "x": "x", "y": "y", "crs": CRS},
        "coverage": [{"path": "viettel_4g.tif", "carrier": "Viettel", "technology": "4G"}],
        "planning": planning,
        "output": "out",
        **extra,
    }  # fmt: skip
    path = root / "project.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def hand_planning(**changes: Any) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "technology": "4G",
        "candidates": {"path": "candidates.csv", "crs": CRS},
        "model": "range",
        "budget": {"sites": 2},
        "method": "exact",
    }
    plan.update(changes)
    return plan


def run_cli(project: Path) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["run", str(project)])
    assert "Traceback" not in res.output, res.output
    return res.exit_code, res.output


def read_outputs(project: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    out = project.parent / "out"
    sites = pd.read_csv(out / "planning" / "sites.csv", dtype={"site_id": str})
    villages = pd.read_csv(out / "planning" / "villages.csv", dtype={"site_id": str})
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))["planning"]
    return sites, villages, record


def test_exact_finds_the_optimum_through_the_cli(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning(method="exact"))
    code, output = run_cli(project)
    assert code == 0, output
    assert "where to build: 2 new sites cover 6 villages, 70 people (exact, optimal)" in output
    sites, villages, record = read_outputs(project)
    assert sorted(sites["site_id"]) == ["B", "C"]
    assert sites["new_people"].tolist() == [35.0, 35.0]
    assert sites["cumulative_people"].tolist() == [35.0, 70.0]
    assert villages["reason"].eq("covered").all()
    assert record["method"] == "exact" and record["optimal"] is True
    assert record["people_covered"] == 70 and record["bound"] == 70 and record["gap"] == 0
    assert record["spent"] == 2 and record["budget"] == {"sites": 2}
    assert record["seconds"] >= 0


def test_greedy_reports_a_gap_bound_that_holds_through_the_cli(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning(method="greedy"))
    code, output = run_cli(project)
    assert code == 0, output
    sites, villages, record = read_outputs(project)
    assert sites["site_id"].tolist() == ["A", "B"]  # the best single site first
    assert record["method"] == "greedy" and record["optimal"] is False
    assert record["people_covered"] == 55
    optimum = 70.0
    assert record["people_covered"] <= optimum <= record["bound"]
    assert record["people_covered"] >= record["bound"] * (1 - record["gap"]) - 1e-9
    assert 0 < record["gap"] < 1 / math.e
    reasons = villages.set_index("village_id")["reason"]
    assert reasons["v6"] == "over_budget" and reasons["v1"] == "covered"


def test_money_budget_uses_the_cost_column_before_cost_per_site(tmp_path: Path) -> None:
    # 3e9 buys B + C (1.5e9 each, their own cost); cost_per_site (5e9) would buy nothing
    plan = hand_planning(budget={"money": "3e9", "cost_per_site": 5e9})
    project = build_planning_project(tmp_path / "p", plan)
    code, output = run_cli(project)
    assert code == 0, output
    sites, _, record = read_outputs(project)
    assert sorted(sites["site_id"]) == ["B", "C"]
    assert sites["cost"].tolist() == [1.5e9, 1.5e9]
    assert sites["cumulative_cost"].tolist() == [1.5e9, 3.0e9]
    assert record["spent"] == 3e9 and record["budget"]["money"] == 3e9


def test_sites_table_columns_positions_and_communes(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning())
    assert run_cli(project)[0] == 0
    sites, villages, _ = read_outputs(project)
    assert list(sites.columns[:6]) == ["order", "site_id", "lon", "lat", "commune_id",
                                       "commune_name"]  # fmt: skip
    back = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326).to_crs(CRS)
    expected = {k: x for k, (x, _, _) in HAND_CANDIDATES.items()}
    assert np.allclose(back.x, [expected[s] for s in sites["site_id"]], atol=1e-3)
    assert dict(zip(sites["site_id"], sites["commune_name"], strict=True)) == {
        "B": "Xã An",
        "C": "Xã Bình",
    }
    assert list(villages.columns) == [
        "village_id", "name", "commune_id", "commune_name", "population", "lon", "lat",
        "site_id", "order", "reason", "cluster",
    ]  # fmt: skip
    out = project.parent / "out" / "planning"
    assert sorted(p.name for p in out.iterdir()) == [
        "clusters.csv", "clusters.gpkg", "predicted.tif", "sites.csv", "sites.gpkg",
        "sites.xlsx", "villages.csv",
    ]  # fmt: skip


def test_outputs_are_byte_identical_across_reruns(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning(method="greedy"))
    assert run_cli(project)[0] == 0
    out = project.parent / "out" / "planning"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run_cli(project)[0] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    report = (project.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "seconds" not in report


def test_gap_clusters_span_communes(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning())
    assert run_cli(project)[0] == 0
    clusters = pd.read_csv(project.parent / "out" / "planning" / "clusters.csv")
    # A founds the first cluster (40 people, both communes), then B and C take the outliers
    assert clusters["site_id"].tolist() == ["A", "B", "C"]
    assert clusters["people"].tolist() == [40.0, 15.0, 15.0]
    assert clusters.loc[0, "communes"] == "Xã An; Xã Bình" and clusters.loc[0, "n_communes"] == 2
    lots = gpd.read_file(project.parent / "out" / "planning" / "clusters.gpkg")
    assert len(lots) == 3 and lots.geom_type.eq("Polygon").all()


# --------------------------------------------------------------------------- report, map, i18n


def test_report_section_numbers_through_format_number(tmp_path: Path) -> None:
    people = {k: (x, p * 1000) for k, (x, p) in HAND_VILLAGES.items()}  # 21.480-like figures
    project = build_planning_project(tmp_path / "p", hand_planning())
    villages = pd.read_csv(project.parent / "villages.csv")
    villages["population"] = [people[k][1] + 37 for k in villages["village_id"]]
    villages.to_csv(project.parent / "villages.csv", index=False)
    assert run_cli(project)[0] == 0
    report = (project.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "2 trạm mới phủ sóng cho 6 thôn, 70.222 người" in report
    # the Word report has the same section: its headline, the sites and the clusters
    word = docx.Document(str(project.parent / "out" / "report.docx"))
    paragraphs = [p.text for p in word.paragraphs]
    assert "2 trạm mới phủ sóng cho 6 thôn, 70.222 người" in paragraphs
    headers = [[c.text for c in t.rows[0].cells] for t in word.tables]
    assert ["Thứ tự", "Mã trạm"] in [h[:2] for h in headers]
    assert any(h[0] == "Cụm" for h in headers)
    code = CliRunner().invoke(cli, ["run", str(project), "--lang", "en"]).exit_code
    assert code == 0
    report = (project.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "2 new sites cover 6 villages, 70,222 people" in report


def test_map_has_the_planning_layers_and_escapes_names(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning())
    cands = pd.read_csv(project.parent / "candidates.csv")
    cands["site_id"] = ["A", "<img src=x onerror=alert(1)>", "C"]
    cands.to_csv(project.parent / "candidates.csv", index=False)
    assert run_cli(project)[0] == 0
    page = (project.parent / "out" / "map.html").read_text(encoding="utf-8")
    assert "var cgPlan" in page and "cgPlan.sites" in page and "cgPlan.clusters" in page
    assert "Trạm mới đề xuất" in page and "Cụm thôn lõm sóng (gói thầu)" in page
    assert "<img src=x" not in page
    report = (project.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in report and "&lt;img src=x" in report
    sites = pd.read_csv(project.parent / "out" / "planning" / "sites.csv")
    assert "<img src=x onerror=alert(1)>" in sites["site_id"].tolist()
    # re-rendered from the run folder, in English: the planning layers are still there
    res = CliRunner().invoke(cli, ["map", str(project.parent / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    page = (project.parent / "out" / "map.html").read_text(encoding="utf-8")
    assert "Proposed new sites" in page and "Gap clusters (lots to tender)" in page
    res = CliRunner().invoke(cli, ["verify", str(project.parent / "out")])
    assert res.exit_code == 0, res.output


def test_formula_like_site_ids_are_neutralised(tmp_path: Path) -> None:
    project = build_planning_project(tmp_path / "p", hand_planning())
    cands = pd.read_csv(project.parent / "candidates.csv")
    cands["site_id"] = ['=HYPERLINK("http://x")', "+B", "C"]
    cands.to_csv(project.parent / "candidates.csv", index=False)
    assert run_cli(project)[0] == 0
    text = (project.parent / "out" / "planning" / "sites.csv").read_text(encoding="utf-8-sig")
    assert "'+B" in text and "\n+B" not in text and ",+B" not in text


# --------------------------------------------------------------------------- targets


def test_targets_for_one_carrier_account_for_existing_coverage(tmp_path: Path) -> None:
    villages = pd.DataFrame(
        {"gap_mobile": [True, False, False], "viettel_4g": [False, True, False]}
    )
    mask, rule = select_targets(villages, carrier="Viettel", technology="4G")
    assert mask.tolist() == [True, False, True] and rule == "not viettel_4g"
    mask, rule = select_targets(villages, carrier=None, technology="4G")
    assert mask.tolist() == [True, False, False] and rule == "gap_mobile"


def test_carrier_plan_leaves_out_villages_it_covers(tmp_path: Path) -> None:
    project = build_planning_project(
        tmp_path / "p", hand_planning(carrier="viettel", method="greedy")
    )
    data = np.full((10, 52), -120.0, dtype="float32")
    data[5, 30] = -80.0  # v3 (x = X0 + 3000, y = Y0 + 500) covered by Viettel 4G
    write_raster(project.parent / "viettel_4g.tif", data, nodata=-9999.0,
                 transform=from_origin(X0, Y0 + 1000, 100, 100))  # fmt: skip
    assert run_cli(project)[0] == 0
    _, villages, record = read_outputs(project)
    assert "v3" not in set(villages["village_id"]) and len(villages) == 5
    assert record["targets"] == "not viettel_4g" and record["carrier"] == "Viettel"


# --------------------------------------------------------------------------- terrain


def _ridge_project(root: Path) -> Path:
    """One candidate at the west end; a village 1 km east in the open and one 4 km east
    behind a 300 m ridge at 2.5 km (flat 100 m ground elsewhere)."""
    plan = {
        "technology": "4G",
        "candidates": {"path": "candidates.csv", "crs": CRS},
        "model": "hata+terrain",
        "dem": "dem.tif",
        "budget": {"sites": 1},
        "resolution_m": 50,
    }
    project = build_planning_project(root, plan)
    pd.DataFrame(
        {"village_id": ["open", "hidden"], "name": ["Thôn Trống", "Thôn Khuất"],
         "population": [100, 200], "x": [X0 + 1200, X0 + 4200], "y": [LINE_Y, LINE_Y]}
    ).to_csv(root / "villages.csv", index=False)  # fmt: skip
    pd.DataFrame(
        {"site_id": ["S"], "x": [X0 + 200], "y": [LINE_Y], "height_m": [30],
         "frequency_mhz": [900], "eirp_dbm": [40]}
    ).to_csv(root / "candidates.csv", index=False)  # fmt: skip
    heights = np.full((40, 120), 100.0, dtype="float32")
    heights[:, 65:69] = 400.0  # the ridge, x = X0 + 2500 .. 2700 (50 m cells from X0 - 500)
    with rasterio.open(
        root / "dem.tif", "w", driver="GTiff", width=120, height=40, count=1, dtype="float32",
        crs=CRS, transform=from_origin(X0 - 500, Y0 + 1500, 50, 50),
    ) as dst:  # fmt: skip
        dst.write(heights, 1)
    return project


def test_village_behind_a_ridge_is_reported_behind_terrain(tmp_path: Path) -> None:
    project = _ridge_project(tmp_path / "p")
    code, output = run_cli(project)
    assert code == 0, output
    sites, villages, record = read_outputs(project)
    reasons = villages.set_index("village_id")["reason"]
    assert reasons["open"] == "covered" and reasons["hidden"] == "behind_terrain"
    assert sites["ground_m"].tolist() == [100.0]
    tif = project.parent / "out" / "planning" / "predicted.tif"
    with rasterio.open(tif) as ds:
        assert ds.crs.to_epsg() == 32648 and ds.nodata == -9999.0
        values = ds.read(1, masked=True)
        row, col = ds.index(X0 + 1200, LINE_Y)
        assert values[row, col] >= record["threshold_dbm"]


def test_predict_pairs_equals_predict_points() -> None:
    rng = np.random.default_rng(1)
    grid = make_grid((0, 0, 30_000, 30_000), resolution_m=50, crs=ProjCRS(32648))
    u, v = np.arange(grid.width) * 50.0, np.arange(grid.height) * 50.0
    heights = 500 + 300 * np.sin(u[None, :] / 4100) * np.cos(v[:, None] / 5300)
    terrain = Terrain(heights.astype(np.float32), grid)
    n = 25
    sites = pd.DataFrame(
        {
            "x": rng.uniform(5000, 25000, n), "y": rng.uniform(5000, 25000, n),
            "height_m": rng.uniform(15, 50, n),
            "frequency_mhz": rng.choice([900.0, 1800.0, 2100.0, 2600.0, 3500.0], n),
            "eirp_dbm": rng.uniform(25, 60, n),
            "azimuth_deg": np.where(rng.random(n) < 0.4, rng.uniform(0, 360, n), np.nan),
            "range_m": rng.uniform(2000, 9000, n),
        }
    )  # fmt: skip
    px, py = rng.uniform(0, 30_000, 120), rng.uniform(0, 30_000, 120)
    rows = np.repeat(np.arange(n), px.size)
    for model in ("range", "hata", "hata+terrain"):
        pairs = predict_pairs(sites, rows, np.tile(px, n), np.tile(py, n), model=model,
                              threshold_dbm=-105, terrain=terrain)  # fmt: skip
        alone = np.concatenate(
            [
                predict_points(
                    sites.iloc[[i]], px, py, model=model, threshold_dbm=-105, terrain=terrain
                )  # fmt: skip
                for i in range(n)
            ]
        )
        np.testing.assert_array_equal(pairs, alone)


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from coverage_gaps.synthetic import generate_province

    root = tmp_path_factory.mktemp("demo")
    project = generate_province(root / "inputs")
    run_project(project, output=root / "results")
    return root


@pytest.mark.slow
def test_demo_people_recomputed_from_the_written_sites_equal_the_tables(demo_run: Path) -> None:
    """Acceptance: on the demo (budget 10 sites, hata+terrain on the generator's DEM), the
    people covered by the chosen sites, recomputed at the target villages from the written
    sites table with the same model, equal what the tables say."""
    cfg = load_config(demo_run / "inputs" / "project.yml")
    spec = cfg.planning
    assert spec is not None and spec.budget.sites == 10 and spec.model == "hata+terrain"
    out = demo_run / "results" / "planning"
    sites = pd.read_csv(out / "sites.csv", dtype={"site_id": str, "commune_id": str})
    villages = pd.read_csv(out / "villages.csv", dtype={"village_id": str, "commune_id": str})
    record = json.loads((demo_run / "results" / "run.json").read_text())["planning"]
    assert len(sites) == 10 and record["sites"] == 10
    working = ProjCRS(32648)
    s = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326).to_crs(working)
    v = gpd.GeoSeries(gpd.points_from_xy(villages["lon"], villages["lat"]), crs=4326)
    v = v.to_crs(working)
    # the terrain on a grid of the same resolution over these points only: cells sit on
    # multiples of the resolution, so the heights do not depend on the extent
    bounds = np.r_[np.minimum(s.total_bounds[:2], v.total_bounds[:2]),
                   np.maximum(s.total_bounds[2:], v.total_bounds[2:])]  # fmt: skip
    grid = make_grid(tuple(bounds), resolution_m=spec.resolution_m, crs=working)
    terrain = load_terrain(spec.dem, grid=grid, margin_m=1000)
    table = sites.assign(x=s.x.to_numpy(), y=s.y.to_numpy())
    power = predict_points(table, v.x.to_numpy(), v.y.to_numpy(), model=spec.model,
                           threshold_dbm=record["threshold_dbm"], terrain=terrain)  # fmt: skip
    covered = np.nan_to_num(power, nan=-np.inf) >= record["threshold_dbm"]
    people = villages["population"].to_numpy(dtype=float)
    assert covered.tolist() == villages["reason"].eq("covered").tolist()
    assert people[covered].sum() == sites["new_people"].sum() == record["people_covered"]
    assert people[covered].sum() == sites["cumulative_people"].iloc[-1]
    assert int(covered.sum()) == sites["new_villages"].sum() == record["villages_covered"]
    # and from the written raster of the chosen sites' predicted coverage (radial profiles,
    # the cells holding a target village carrying the power computed at the village)
    with rasterio.open(out / "predicted.tif") as ds:
        values = np.array([x[0] for x in ds.sample(zip(v.x, v.y, strict=True))])
        on_raster = (values != ds.nodata) & (values >= record["threshold_dbm"])
    assert people[on_raster].sum() == record["people_covered"]


@pytest.mark.slow
def test_demo_writes_every_planning_output(demo_run: Path) -> None:
    out = demo_run / "results" / "planning"
    assert sorted(p.name for p in out.iterdir()) == [
        "clusters.csv", "clusters.gpkg", "predicted.tif", "sites.csv", "sites.gpkg",
        "sites.xlsx", "villages.csv",
    ]  # fmt: skip
    report = (demo_run / "results" / "report.html").read_text(encoding="utf-8")
    assert "trạm mới phủ sóng cho" in report and 'id="planning-sites"' in report
    page = (demo_run / "results" / "map.html").read_text(encoding="utf-8")
    assert "cgPlan.sites" in page and "Vùng phủ dự báo của trạm mới" in page
    sites = gpd.read_file(out / "sites.gpkg")
    assert sites.crs.to_epsg() == 4326 and len(sites) == 10


# --------------------------------------------------------------------------- the keys


BASE = {
    "name": "X",
    "communes": {"path": "c.gpkg"},
    "villages": {"path": "v.csv", "x": "lon", "y": "lat"},
    "coverage": [{"path": "a.tif", "carrier": "Viettel", "technology": "4G"}],
}


def _parse(plan: dict[str, Any]) -> PlanningSpec:
    cfg = parse_config({**BASE, "planning": plan}, base_dir=Path("/p"))
    assert cfg.planning is not None
    return cfg.planning


def test_the_keys_of_the_issue() -> None:
    assert list(declared_keys(PlanningSpec)) == [
        "technology", "carrier", "candidates", "generate", "model", "environment",
        "threshold", "receiver_height_m", "resolution_m", "dem", "budget", "method",
        "min_people",
    ]  # fmt: skip
    text = """
    technology: 4G
    carrier: Viettel
    candidates: {path: candidates.csv}
    generate: {spacing_m: 1000, near_gap_m: 15000}
    model: hata+terrain
    dem: dem.tif
    budget: {money: 3e10, cost_per_site: 1.5e9}
    method: auto
    min_people: 0
    """
    spec = _parse(yaml.safe_load(text))
    assert spec.carrier == "Viettel" and spec.candidates is not None
    assert spec.candidates.path == Path("/p/candidates.csv")
    assert spec.budget.money == 3e10 and spec.budget.cost_per_site == 1.5e9
    assert spec.generate.spacing_m == 1000 and spec.dem == Path("/p/dem.tif")
    assert _parse({"candidates": "c.xlsx", "model": "hata", "budget": {"sites": 10}})


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ({"budget": {"sites": 10}, "model": "hata"}, "no candidates and no DEM to generate them"),
        ({"budget": {"sites": 10}, "candidates": "c.csv"}, "model hata+terrain needs a DEM"),
        ({"dem": "d.tif", "budget": {"sites": 0}}, "no site can be built"),
        ({"dem": "d.tif", "budget": {"sites": 3, "money": 1}}, "not both"),
        ({"dem": "d.tif", "budget": {"money": 1e9}}, "a money budget needs the cost of a site"),
        ({"dem": "d.tif", "budget": {"money": 1e9, "cost_per_site": 2e9}},
         "below the cost of one site"),
        ({"dem": "d.tif", "budget": {"sites": 1}, "method": "fast"}, "unknown method 'fast'"),
        ({"dem": "d.tif", "budget": {"sites": 1}, "model": "itm"}, "unknown model 'itm'"),
        ({"dem": "d.tif", "budget": {"sites": 1}, "candidates": {"path": "c.csv",
          "columns": {"price": "Giá"}}}, "unknown field 'price'"),
        ({"dem": "d.tif", "budget": {"sites": 1}, "budjet": {}}, "did you mean 'budget'"),
    ],
)  # fmt: skip
def test_bad_keys(plan: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        _parse(plan)
    assert fragment in str(info.value)


def test_a_budget_below_the_cheapest_candidate_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    plan = hand_planning(budget={"money": 5e8})
    project = build_planning_project(tmp_path / "p", plan)
    with pytest.raises(InputDataError, match="below the cheapest candidate"):
        run_project(project)
    assert not (tmp_path / "p" / "out").exists()
