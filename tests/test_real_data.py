"""End to end on the real Thái Nguyên communes (92 units, full resolution) with generated layers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage_gaps import load_config, run_project
from coverage_gaps.synthetic import generate_province

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real")]


@pytest.fixture(scope="module")
def thai_nguyen(shared_geodata: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("thai-nguyen")
    project = generate_province(
        root / "inputs",
        communes=shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg",
        communes_layer="wards",
        communes_where="provinceCode = '19'",
        villages=3000,
        seed=7,
    )
    return project, run_project(project, output=root / "results")


def test_config_points_at_real_communes(thai_nguyen, shared_geodata: Path) -> None:
    project, _ = thai_nguyen
    cfg = load_config(project)
    assert (
        cfg.communes.path.resolve()
        == (shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg").resolve()
    )
    assert cfg.synthetic


def test_every_village_has_exactly_one_commune(thai_nguyen, shared_geodata: Path) -> None:
    _, result = thai_nguyen
    v = result.villages
    assert len(v) == 3000
    assert v["village_id"].is_unique
    assert v["commune_id"].notna().all()
    assert len(result.communes) == 92
    assert set(v["commune_id"]) <= set(result.communes["commune_id"])
    # the commune given is the one that contains the village
    communes = gpd.read_file(
        shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg", where="provinceCode = '19'"
    ).set_index("code")
    polys = communes.loc[v["commune_id"].to_numpy(), "geometry"].to_numpy()
    pts = shapely.points(v["lon"].to_numpy(), v["lat"].to_numpy())
    inside = shapely.intersects(polys, shapely.buffer(pts, 1e-6))
    assert inside.mean() == 1.0


def test_commune_sums_equal_village_totals(thai_nguyen) -> None:
    _, result = thai_nguyen
    v, c, p = result.villages, result.communes, result.provinces
    assert c["villages"].sum() == len(v)
    assert c["population"].sum() == v["population"].sum()
    assert c["villages_gap_mobile"].sum() == v["gap_mobile"].sum()
    assert c["population_gap_mobile"].sum() == v.loc[v["gap_mobile"], "population"].sum()
    assert c["villages_gap_fibre"].sum() == v["gap_fibre"].sum()
    assert c["villages_no_4g"].sum() == (~v["has_4g"]).sum()
    assert len(p) == 1 and p.iloc[0]["province_id"] == "19" and p.iloc[0]["communes"] == 92
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
        assert p[col].sum() == c[col].sum(), col


def test_results_are_plausible(thai_nguyen) -> None:
    _, result = thai_nguyen
    v, c = result.villages, result.communes
    assert 0 < v["gap_mobile"].mean() < 0.2
    assert 0 < v["gap_fibre"].mean() < 0.3
    for tech in ("2g", "3g", "4g", "5g"):
        share = c[f"pct_area_{tech}"]
        assert share.between(0, 100).all()
    assert c["pct_area_4g"].mean() > c["pct_area_5g"].mean()
    assert np.isclose(c["area_km2"].sum(), 8375, rtol=0.05)  # Thái Nguyên: ≈8,375 km² (NQ 1683)
    assert result.output is not None
    assert "SYNTHETIC" in (result.output / "README.txt").read_text(encoding="utf-8")


def test_priority_lists_on_real_communes(thai_nguyen) -> None:
    from test_priority import _check_lists

    _, result = thai_nguyen
    _check_lists(result)
    assert set(result.priority.ranked["assignment_basis"]) <= {
        "nearest_site",
        "nearest_fibre",
        "commune_coverage",
    }
