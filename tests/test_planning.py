"""Where to build (issue 14): maximum coverage within a budget, candidates, clusters."""

from __future__ import annotations

import doctest
import importlib
import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CRS, X0, Y0, write_raster
from rasterio.transform import from_origin
from scipy import sparse

from coverage_gaps import CoverageGapsWarning, InputDataError
from coverage_gaps.analysis.planning import (
    REASONS,
    SITE_COLUMNS,
    VILLAGE_COLUMNS,
    Budget,
    coverage_matrix,
    gap_clusters,
    generate_candidates,
    plan_sites,
    power_covers,
    range_covers,
)
from coverage_gaps.analysis.planning.exact import reduce_problem
from coverage_gaps.analysis.planning.problem import prepare_problem

# --------------------------------------------------------------------------- the hand-built case
# Candidate A reaches the four middle villages (40 people): the best single site. B and C each
# reach two of them and an outlying village of 15 people (35 each). With two sites the greedy
# takes A, then B or C (40 + 15 = 55); the optimum is B + C (70).
#          v1  v2  v3  v4  v5  v6
HAND = np.array(
    [
        [1, 1, 1, 1, 0, 0],  # A
        [1, 1, 0, 0, 1, 0],  # B
        [0, 0, 1, 1, 0, 1],  # C
    ],
    dtype=bool,
)
HAND_PEOPLE = np.array([10, 10, 10, 10, 15, 15], dtype=float)
HAND_IDS = ["A", "B", "C"]
VILLAGE_IDS = ["v1", "v2", "v3", "v4", "v5", "v6"]


def _plan(method: str, **kwargs: object):
    options = {"budget": Budget(sites=2), "candidate_ids": HAND_IDS, "village_ids": VILLAGE_IDS}
    options.update(kwargs)
    return plan_sites(HAND, HAND_PEOPLE, method=method, **options)  # type: ignore[arg-type]


def test_exact_finds_the_optimum_that_the_best_first_site_misses() -> None:
    plan = _plan("exact")
    assert plan.method == "exact" and plan.optimal
    assert sorted(plan.sites["candidate"]) == ["B", "C"]
    assert plan.people_covered == 70
    assert plan.bound == 70 and plan.gap == 0
    assert list(plan.sites.columns) == list(SITE_COLUMNS)
    assert plan.sites["new_people"].tolist() == [35.0, 35.0]
    assert plan.sites["cumulative_people"].tolist() == [35.0, 70.0]
    assert plan.villages["reason"].eq("covered").all()


def test_greedy_reports_a_gap_bound_that_holds() -> None:
    optimum = _plan("exact").people_covered
    plan = _plan("greedy")
    assert plan.method == "greedy" and not plan.optimal
    assert plan.sites["candidate"].tolist() == ["A", "B"]  # A first; B before C on the tie
    assert plan.people_covered == 55
    assert plan.people_covered <= optimum <= plan.bound
    assert plan.people_covered >= plan.bound * (1 - plan.gap) - 1e-9
    assert plan.lp_bound >= optimum - 1e-6
    assert 0 < plan.gap < 1 / math.e  # Nemhauser-Wolsey-Fisher: within 1 - 1/e
    assert plan.people_covered >= (1 - 1 / math.e) * optimum


def test_auto_is_exact_on_a_small_problem() -> None:
    plan = _plan("auto")
    assert plan.method == "exact" and plan.people_covered == 70


def test_site_and_village_tables() -> None:
    plan = _plan("greedy")
    sites = plan.sites.set_index("candidate")
    assert sites.loc["A", "new_villages"] == 4 and sites.loc["B", "new_villages"] == 1
    assert sites["people_in_reach"].tolist() == [40.0, 35.0]
    villages = plan.villages.set_index("village")
    assert list(plan.villages.columns) == list(VILLAGE_COLUMNS)
    assert villages.loc["v1", "site"] == "A" and villages.loc["v1", "order"] == 1
    assert villages.loc["v5", "site"] == "B" and villages.loc["v5", "order"] == 2
    assert pd.isna(villages.loc["v6", "site"]) and pd.isna(villages.loc["v6", "order"])
    assert villages.loc["v6", "reason"] == "over_budget"
    assert set(plan.villages["reason"].cat.categories) == set(REASONS)


def test_reasons_out_of_range_behind_terrain_and_below_min_people() -> None:
    # v7 is reached by nobody; v8 is in range of C ignoring terrain only
    coverage = np.c_[HAND, np.zeros((3, 2), dtype=bool)]
    in_range = coverage.copy()
    in_range[2, 7] = True
    people = np.r_[HAND_PEOPLE, 50, 50]
    plan = plan_sites(
        coverage,
        people,
        budget=Budget(sites=2),
        method="exact",
        in_range=in_range,
        village_ids=[*VILLAGE_IDS, "v7", "v8"],
    )
    reasons = plan.villages.set_index("village")["reason"]
    assert reasons["v7"] == "out_of_range" and reasons["v8"] == "behind_terrain"
    # without the terrain-free matrix nothing is known to be behind terrain
    plain = plan_sites(coverage, people, budget=Budget(sites=2), method="exact")
    assert plain.villages["reason"].tolist()[-2:] == ["out_of_range", "out_of_range"]


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_min_people(method: str) -> None:
    # with 3 sites A adds nothing once B and C are built; with min_people 36 no site alone
    # adds enough but A (40)
    plan = _plan(method, budget=Budget(sites=3), min_people=36)
    assert plan.sites["candidate"].tolist() == ["A"]
    assert (plan.sites["new_people"] >= 36).all()
    reasons = plan.villages.set_index("village")["reason"]
    assert reasons["v5"] == "below_min_people" and reasons["v6"] == "below_min_people"
    # a minimum met by every chosen site changes nothing
    assert _plan(method, min_people=15).people_covered == _plan(method).people_covered


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_redundant_sites_are_not_proposed(method: str) -> None:
    # three sites: B + C cover everyone; A would add no one of its own and is dropped
    # (the greedy takes A first, then B and C: A becomes redundant)
    plan = _plan(method, budget=Budget(sites=3))
    assert sorted(plan.sites["candidate"]) == ["B", "C"]
    assert plan.people_covered == 70 and plan.spent == 2
    assert plan.optimal == (method == "exact")


def test_min_people_counts_what_a_site_adds_of_its_own() -> None:
    # X and Y cover 75 together, but Y adds only 15 people that X does not cover
    coverage = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
    for method in ("exact", "greedy"):
        plan = plan_sites(
            coverage,
            [30, 30, 15],
            budget=Budget(sites=2),
            min_people=20,
            method=method,
            candidate_ids=["X", "Y"],
        )
        assert plan.sites["candidate"].tolist() == ["X"] and plan.people_covered == 60
        assert not plan.optimal
        assert plan.villages["reason"].tolist() == ["covered", "covered", "below_min_people"]
    exact = plan_sites(coverage, [30, 30, 15], budget=Budget(sites=2), min_people=20)
    assert any("fewer than min_people (20)" in note for note in exact.notes)


# --------------------------------------------------------------------------- money budgets
def test_money_budget_uses_the_best_single_site_when_the_greedy_is_poor() -> None:
    # Y: 5 people for 1 (ratio 5); X: 40 people for 10 (ratio 4). Budget 10: the greedy
    # takes Y and can no longer afford X; Khuller-Moss-Naor compare with X alone.
    coverage = np.array([[1, 0], [0, 1]], dtype=bool)
    people = [5, 40]
    for method in ("greedy", "exact"):
        plan = plan_sites(
            coverage,
            people,
            budget=Budget(money=10),
            cost=[1.0, 10.0],
            method=method,
            candidate_ids=["Y", "X"],
        )
        assert plan.sites["candidate"].tolist() == ["X"], method
        assert plan.people_covered == 40 and plan.spent == 10
        assert plan.sites["cost"].tolist() == [10.0]


def test_money_budget_with_cost_per_site_and_own_costs() -> None:
    # A costs 3 (own), B and C the default 1: budget 2 buys B + C, not A
    plan = plan_sites(
        HAND,
        HAND_PEOPLE,
        budget=Budget(money=2, cost_per_site=1),
        cost=[3.0, np.nan, np.nan],
        method="exact",
        candidate_ids=HAND_IDS,
    )
    assert sorted(plan.sites["candidate"]) == ["B", "C"]
    assert plan.sites["cumulative_cost"].tolist() == [1.0, 2.0]
    greedy = plan_sites(
        HAND,
        HAND_PEOPLE,
        budget=Budget(money=3, cost_per_site=1),
        cost=[3.0, np.nan, np.nan],
        method="greedy",
        candidate_ids=HAND_IDS,
    )
    assert sorted(greedy.sites["candidate"]) == ["B", "C"]  # 35 per unit beats A's 13.3
    assert greedy.people_covered <= greedy.bound


def test_budget_errors_are_clear() -> None:
    with pytest.raises(InputDataError, match=r"below the cheapest candidate \(B, cost 2\)"):
        plan_sites(
            HAND, HAND_PEOPLE, budget=Budget(money=1), cost=[3, 2, 4], candidate_ids=HAND_IDS
        )
    with pytest.raises(InputDataError, match="budget.sites"):
        plan_sites(HAND, HAND_PEOPLE, budget=Budget(sites=0))
    with pytest.raises(InputDataError, match="needs one for every candidate"):
        plan_sites(HAND, HAND_PEOPLE, budget=Budget(money=5), cost=[1, np.nan, 1])
    with pytest.raises(InputDataError, match="exactly one of"):
        plan_sites(HAND, HAND_PEOPLE, budget=Budget())
    with pytest.raises(InputDataError, match="method"):
        plan_sites(HAND, HAND_PEOPLE, budget=Budget(sites=1), method="best")


def test_bad_inputs_are_all_reported_at_once() -> None:
    with pytest.raises(InputDataError) as caught:
        plan_sites(
            HAND,
            [10, -1, np.nan, 10, 10, 10],
            budget=Budget(money=5),
            cost=[1, -2, 1],
            min_people=-1,
            village_ids=VILLAGE_IDS,
        )
    text = str(caught.value)
    assert len(caught.value.problems) == 3
    assert "villages v2, v3" in text and "cost is negative" in text and "min_people" in text
    with pytest.raises(InputDataError, match="expected"):
        plan_sites(HAND, HAND_PEOPLE[:5], budget=Budget(sites=1))


# --------------------------------------------------------------------------- determinism, random
def test_ties_are_broken_the_same_way_every_time() -> None:
    # eight identical candidates, each reaching two of eight equal villages: many optima
    coverage = np.zeros((8, 8), dtype=bool)
    for j in range(8):
        coverage[j, [j, (j + 1) % 8]] = True
    people = np.full(8, 7.0)
    for method in ("exact", "greedy"):
        first = plan_sites(coverage, people, budget=Budget(sites=3), method=method)
        again = plan_sites(coverage, people, budget=Budget(sites=3), method=method)
        pd.testing.assert_frame_equal(first.sites, again.sites)
        pd.testing.assert_frame_equal(first.villages, again.villages)
    greedy = plan_sites(coverage, people, budget=Budget(sites=3), method="greedy")
    assert greedy.sites["candidate"].tolist() == [0, 2, 4]  # lowest index on every tie


def _random_problem(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    coverage = rng.random((9, 14)) < 0.25
    people = rng.integers(0, 60, 14).astype(float)
    cost = rng.integers(1, 5, 9).astype(float)
    return coverage, people, cost


def _brute_force(coverage: np.ndarray, people: np.ndarray, cost: np.ndarray, limit: float) -> float:
    best = 0.0
    for k in range(1, len(cost) + 1):
        for subset in itertools.combinations(range(len(cost)), k):
            if cost[list(subset)].sum() <= limit:
                best = max(best, float(people[coverage[list(subset)].any(axis=0)].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_exact_matches_brute_force_and_greedy_bounds_hold(seed: int) -> None:
    coverage, people, cost = _random_problem(seed)
    for budget, weights in ((Budget(sites=3), np.ones(9)), (Budget(money=6), cost)):
        optimum = _brute_force(coverage, people, weights, budget.limit)
        exact = plan_sites(coverage, people, budget=budget, cost=cost, method="exact")
        greedy = plan_sites(coverage, people, budget=budget, cost=cost, method="greedy")
        assert exact.optimal and exact.people_covered == optimum
        assert greedy.people_covered <= optimum <= greedy.bound + 1e-6
        assert greedy.people_covered >= greedy.bound * (1 - greedy.gap) - 1e-6
        assert greedy.spent <= budget.limit
        if budget.by_sites:
            assert greedy.people_covered >= (1 - 1 / math.e) * optimum


def test_reduction_keeps_the_optimum() -> None:
    # duplicated villages merge, villages only one candidate reaches fold into it
    coverage = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 1]], dtype=bool)
    problem = prepare_problem(coverage, [1, 2, 3, 4, 5], budget=Budget(sites=1))
    model = reduce_problem(problem)
    assert model.groups.shape == (3, 1)  # v2 and v3 merged: the only shared group
    assert model.group_people.tolist() == [5.0]
    assert model.own.tolist() == [1.0, 4.0, 5.0]
    plan = plan_sites(coverage, [1, 2, 3, 4, 5], budget=Budget(sites=1), method="exact")
    assert plan.sites["candidate"].tolist() == [1] and plan.people_covered == 9


def test_large_random_problem_exact_beats_or_equals_greedy() -> None:
    rng = np.random.default_rng(3)
    coverage = sparse.random_array((150, 300), density=0.03, rng=rng, format="csr") > 0
    people = rng.integers(1, 500, 300).astype(float)
    exact = plan_sites(coverage, people, budget=Budget(sites=8), method="exact")
    greedy = plan_sites(coverage, people, budget=Budget(sites=8), method="greedy")
    assert exact.optimal
    assert greedy.people_covered <= exact.people_covered <= greedy.bound + 1e-6
    recomputed = people[coverage[exact.sites["candidate"].to_numpy()].toarray().any(axis=0)].sum()
    assert recomputed == exact.people_covered == exact.sites["new_people"].sum()


# --------------------------------------------------------------------------- coverage matrix
def _points(xy: list[tuple[float, float]]) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(np.asarray(xy, dtype=float)), crs=CRS)


def test_range_matrix_with_own_ranges_and_chunks() -> None:
    sites = gpd.GeoDataFrame(
        {"range_m": [1000.0, np.nan, 3000.0]},
        geometry=_points([(X0, Y0), (X0 + 5000, Y0), (X0 + 10000, Y0)]).array,
        crs=CRS,
    )
    villages = _points([(X0 + 900, Y0), (X0 + 1100, Y0), (X0 + 6900, Y0), (X0 + 7500, Y0)])
    matrix = coverage_matrix(sites, villages, covers=range_covers(2000))
    expected = np.array(
        [[True, False, False, False], [False, False, True, False], [False, False, False, True]]
    )
    assert np.array_equal(matrix.toarray(), expected)
    chunked = coverage_matrix(sites, villages, covers=range_covers(2000), chunk_size=1)
    assert (chunked != matrix).nnz == 0
    with pytest.raises(InputDataError, match="range_m"):
        coverage_matrix(sites, villages, covers=range_covers())


def test_power_covers_evaluates_pairs_in_reach() -> None:
    sites = gpd.GeoDataFrame(
        {"eirp_dbm": [60.0, 40.0]}, geometry=_points([(X0, Y0), (X0 + 3000, Y0)]).array, crs=CRS
    )
    villages = _points([(X0 + 500, Y0), (X0 + 2000, Y0), (X0 + 3200, Y0)])
    seen: list[int] = []

    def free_space(chunk: gpd.GeoDataFrame, rows: np.ndarray, xy: np.ndarray) -> np.ndarray:
        seen.append(len(rows))
        site = np.column_stack([chunk.geometry.x, chunk.geometry.y])[rows]
        d_km = np.hypot(*(xy - site).T) / 1000
        return chunk["eirp_dbm"].to_numpy()[rows] - (32.45 + 20 * np.log10(900 * d_km))

    matrix = coverage_matrix(
        sites, villages, covers=power_covers(free_space, threshold_dbm=-50.0, reach_m=2500)
    )
    # pairs within 2.5 km: site 0 with v0 (500 m), v1 (2 km); site 1 with v0 (2.5 km, the
    # limit included), v1 (1 km), v2 (200 m). Free-space loss at 900 MHz: 85.5 dB at 500 m,
    # 97.6 dB at 2 km, 99.5 dB at 2.5 km, 91.5 dB at 1 km, 77.6 dB at 200 m; so site 0
    # gives -25.5 and -37.6 dBm, site 1 -59.5, -51.5 and -37.6 dBm.
    assert seen == [5]
    assert matrix.toarray().tolist() == [[True, True, False], [False, False, True]]
    assert (matrix != coverage_matrix(sites, villages, covers=range_covers(2500))).nnz == 2


def test_coverage_matrix_refuses_mixed_crs() -> None:
    sites = gpd.GeoDataFrame(geometry=_points([(X0, Y0)]).array, crs=CRS)
    with pytest.raises(ValueError, match="metric CRS"):
        coverage_matrix(sites, _points([(X0, Y0)]).to_crs(4326), covers=range_covers(10))


# --------------------------------------------------------------------------- candidates
def test_candidates_near_the_gap_without_dem() -> None:
    gap = _points([(X0 + 500, Y0 + 500)])
    found = generate_candidates(gap, spacing_m=1000, near_gap_m=1000)
    assert found["candidate"].tolist() == [
        "G579_2380",
        "G580_2379",
        "G580_2380",
        "G580_2381",
        "G581_2380",
    ]
    centre = found.set_index("candidate").loc["G580_2380", "geometry"]
    assert (centre.x, centre.y) == (X0 + 500, Y0 + 500)
    assert found["ground_m"].isna().all()


def test_candidates_snap_to_the_highest_dem_pixel(tmp_path) -> None:
    # a 2 km x 2 km DEM of 100 m pixels; one peak in each 1 km cell at a known pixel
    dem = np.full((20, 20), 100.0, dtype="float32")
    dem[3, 4] = 500.0  # top-left cell (x 580000-581000, y 2381000-2382000)
    dem[15, 12] = 300.0  # bottom-right cell
    dem[15, 13] = 300.0  # a tie: the first pixel in row order wins
    dem[0:10, 10:20] = -9999  # top-right cell: no data at all
    path = write_raster(
        tmp_path / "dem.tif", dem, nodata=-9999, transform=from_origin(X0, Y0 + 2000, 100, 100)
    )
    gap = _points([(X0 + 1000, Y0 + 1000)])
    with pytest.warns(CoverageGapsWarning, match="1 of 4 candidate cells have no DEM value"):
        found = generate_candidates(gap, spacing_m=1000, near_gap_m=800, dem=path)
    by_cell = found.set_index("candidate")
    assert len(found) == 3
    top_left = by_cell.loc["G580_2381"]
    assert (top_left.geometry.x, top_left.geometry.y) == (X0 + 450, Y0 + 2000 - 350)
    assert top_left["ground_m"] == 500
    bottom_right = by_cell.loc["G581_2380"]
    assert (bottom_right.geometry.x, bottom_right.geometry.y) == (X0 + 1250, Y0 + 450)
    assert by_cell.loc["G580_2380", "ground_m"] == 100
    # only candidates inside the area are kept
    with pytest.warns(CoverageGapsWarning, match="no DEM value"):
        inside = generate_candidates(
            gap,
            spacing_m=1000,
            near_gap_m=800,
            dem=path,
            within=shapely.box(X0, Y0, X0 + 999, Y0 + 999),
        )
    assert inside["candidate"].tolist() == ["G580_2380"]


def test_candidates_from_a_dem_in_another_crs(tmp_path) -> None:
    lon0, lat0 = 105.8, 21.5
    dem = np.zeros((40, 40), dtype="float32")
    dem[20, 20] = 800.0
    path = write_raster(
        tmp_path / "dem_wgs84.tif",
        dem,
        nodata=None,
        crs="EPSG:4326",
        transform=from_origin(lon0, lat0 + 0.04, 0.001, 0.001),
    )
    peak = gpd.GeoSeries(shapely.points([lon0 + 0.0205], [lat0 + 0.04 - 0.0205]), crs=4326)
    peak_m = peak.to_crs(CRS).iloc[0]
    found = generate_candidates(peak.to_crs(CRS), spacing_m=1000, near_gap_m=708, dem=path)
    cell = f"G{int(peak_m.x // 1000)}_{int(peak_m.y // 1000)}"
    top = found.set_index("candidate").loc[cell]
    assert top["ground_m"] == 800 and top.geometry.distance(peak_m) < 1.0
    assert (found["ground_m"] == 0).sum() == len(found) - 1


# --------------------------------------------------------------------------- clusters
def test_gap_clusters_span_communes_and_cover_every_reachable_village() -> None:
    coverage = np.c_[HAND, np.zeros((3, 1), dtype=bool)]  # v7: no candidate reaches it
    communes = ["X", "X", "Y", "Y", "Z", "Y", "X"]
    result = gap_clusters(
        coverage,
        np.r_[HAND_PEOPLE, 9],
        communes=communes,
        candidate_ids=HAND_IDS,
        village_ids=[*VILLAGE_IDS, "v7"],
    )
    clusters = result.clusters
    assert clusters["candidate"].tolist() == ["A", "B", "C"]
    assert clusters["people"].tolist() == [40.0, 15.0, 15.0]
    assert clusters.loc[0, "communes"] == "X; Y" and clusters.loc[0, "n_communes"] == 2
    villages = result.villages.set_index("village")
    assert villages.loc["v5", "cluster"] == 2 and villages.loc["v5", "candidate"] == "B"
    assert pd.isna(villages.loc["v7", "cluster"])
    assert clusters["people"].sum() == HAND_PEOPLE.sum()
    again = gap_clusters(coverage, np.r_[HAND_PEOPLE, 9], communes=communes)
    assert again.clusters["candidate"].tolist() == [0, 1, 2]


def test_gap_clusters_keep_villages_without_people() -> None:
    result = gap_clusters(np.array([[1, 0], [0, 1]], dtype=bool), [0, 0])
    assert result.clusters["villages"].tolist() == [1, 1]
    assert result.villages["cluster"].tolist() == [1, 2]


# --------------------------------------------------------------------------- edge cases, docs
def test_no_candidates_leaves_every_village_out_of_range() -> None:
    empty = sparse.csr_array((0, 3), dtype=bool)
    plan = plan_sites(empty, [5, 6, 7], budget=Budget(sites=4))
    assert plan.sites.empty and list(plan.sites.columns) == list(SITE_COLUMNS)
    assert plan.people_covered == 0 and plan.gap == 0
    assert plan.villages["reason"].eq("out_of_range").all()
    clusters = gap_clusters(empty, [5, 6, 7])
    assert clusters.clusters.empty and clusters.villages["cluster"].isna().all()


@pytest.mark.parametrize(
    "module", ["problem", "plan", "matrix", "candidates", "clusters", "greedy", "exact"]
)
def test_docstring_examples(module: str) -> None:
    """The examples in the planning docstrings run as written."""
    mod = importlib.import_module(f"coverage_gaps.analysis.planning.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
