"""Benchmark where-to-build planning: exact (HiGHS) against greedy on Thái Nguyên.

The real 92 communes of Thái Nguyên (../shared/geodata/vn_2025/wards_2025_north_full.gpkg,
provinceCode '19', about 8,400 km²) with 3,000 synthetic gap villages placed inside them
(seeded, so the same on every run; a commune gets villages in proportion to its area) and
2,000 candidate sites from :func:`generate_candidates` (a 1.8 km grid near the villages,
snapped to the highest pixel of a synthetic 90 m DEM of ridges and valleys).

Two coverage models:
- ``range``: a village within 5 km of a candidate is covered;
- ``terrain``: the site-prediction model ``hata+terrain`` as the pipeline runs it
  (:func:`coverage_gaps.analysis.planning.candidate_coverage`: COST-231 Hata at 1800 MHz, 30 m
  masts, 32 dBm reference-signal EIRP, RSRP threshold -105 dBm, rural, plus the Bullington
  diffraction over the DEM resampled to 50 m, one profile per candidate-village pair). The
  same model on open ground (``hata``) is passed as ``in_range`` so that villages the
  terrain hides are reported ``behind_terrain``.

Per model and budget: time of exact and greedy (median of ``--repeat`` runs; the machine is
shared with other jobs and noisy, so medians and not single runs), people covered by each,
the greedy's bound and gap, the LP-relaxation time.

``--scaling`` times the exact solver on subsets of growing size (the data behind
``AUTO_EXACT_MAX_SIZE``); ``--solvers`` compares ``scipy.optimize.milp`` with ``highspy``
on the same models (needs ``pip install highspy``).

Usage: python benchmarks/planning.py [--repeat 3] [--scaling] [--solvers]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from scipy import sparse

from coverage_gaps.analysis.planning import (
    Budget,
    Radio,
    candidate_coverage,
    coverage_matrix,
    generate_candidates,
    plan_sites,
    planning_grid,
    range_covers,
)
from coverage_gaps.analysis.planning.exact import reduce_problem, solve_exact, solve_lp_bound
from coverage_gaps.analysis.planning.greedy import solve_greedy
from coverage_gaps.analysis.planning.problem import prepare_problem
from coverage_gaps.analysis.propagation import load_terrain
from coverage_gaps.config.planning import CANDIDATE_RADIO

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ROOT.parent / "shared" / "geodata" / "vn_2025" / "wards_2025_north_full.gpkg"
CRS = "EPSG:32648"
N_VILLAGES, N_CANDIDATES, RANGE_M = 3000, 2000, 5000.0
MAST_M, RECEIVER_M, THRESHOLD_DBM = 30.0, 1.5, -105.0


def terrain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Synthetic ground height (m): ridges and valleys a few km across, 100-900 m."""
    u, v = x / 1000.0, y / 1000.0
    h = (
        300 * np.sin(u / 4.1) * np.cos(v / 5.3)
        + 180 * np.sin((u + v) / 2.3)
        + 90 * np.cos((u - 2 * v) / 1.7)
    )
    return 500 + h


def villages_in(communes: gpd.GeoDataFrame, n: int, seed: int = 14) -> gpd.GeoDataFrame:
    """``n`` points inside the communes (in proportion to area), low ground preferred."""
    rng = np.random.default_rng(seed)
    area = communes.area.to_numpy()
    share = np.floor(n * area / area.sum()).astype(int)
    share[np.argsort(-area)[: n - share.sum()]] += 1
    picked_x, picked_y, picked_c = [], [], []
    for k, (geom, want) in enumerate(zip(communes.geometry, share, strict=True)):
        x0, y0, x1, y1 = geom.bounds
        got = 0
        while got < want:  # rejection sampling: a handful of rounds per commune
            x = rng.uniform(x0, x1, 4 * want + 16)
            y = rng.uniform(y0, y1, 4 * want + 16)
            keep = shapely.contains_xy(geom, x, y) & (terrain(x, y) < 600)
            x, y = x[keep][: want - got], y[keep][: want - got]
            picked_x.append(x), picked_y.append(y), picked_c.append(np.full(len(x), k))
            got += len(x)
    x, y, c = np.concatenate(picked_x), np.concatenate(picked_y), np.concatenate(picked_c)
    people = np.round(rng.lognormal(np.log(450), 0.6, len(x)))
    return gpd.GeoDataFrame(
        {"commune": communes["name"].to_numpy()[c], "people": people},
        geometry=shapely.points(x, y),
        crs=CRS,
    )


def write_dem(path: Path, bounds: tuple[float, float, float, float], pixel: float = 90.0) -> Path:
    """The synthetic terrain as a GeoTIFF in the working CRS."""
    x0, y0, x1, y1 = bounds
    cols, rows = int((x1 - x0) / pixel) + 1, int((y1 - y0) / pixel) + 1
    xs = x0 + (np.arange(cols) + 0.5) * pixel
    ys = y1 - (np.arange(rows) + 0.5) * pixel
    grid = terrain(xs[None, :], ys[:, None]).astype("float32")
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "float32",
               "crs": CRS, "transform": from_origin(x0, y1, pixel, pixel), "tiled": True}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(grid, 1)
    return path


def build(tmp: Path, repeat: int) -> dict[str, object]:
    """Communes, villages, candidates and the two coverage matrices (the terrain one timed)."""
    communes = gpd.read_file(COMMUNES, where="provinceCode = '19'").to_crs(CRS)
    villages = villages_in(communes, N_VILLAGES)
    province = shapely.union_all(communes.geometry.to_numpy())
    dem = write_dem(tmp / "dem.tif", tuple(np.asarray(province.bounds) + [-6e3, -6e3, 6e3, 6e3]))
    grid = generate_candidates(villages, spacing_m=1800, near_gap_m=4000, dem=dem, within=province)
    # exactly N_CANDIDATES: the cells closest to a village (ties by cell), in cell order
    dist = villages.sindex.nearest(grid.geometry, return_distance=True)[1]
    keep = np.sort(np.lexsort((np.arange(len(grid)), dist))[:N_CANDIDATES])
    sites = grid.iloc[keep].reset_index(drop=True)
    frequency, eirp = CANDIDATE_RADIO["4G"]
    sites = sites.assign(
        x=sites.geometry.x, y=sites.geometry.y, height_m=MAST_M, frequency_mhz=frequency,
        eirp_dbm=eirp, azimuth_deg=np.nan, beamwidth_deg=np.nan, range_m=RANGE_M,
    )  # fmt: skip
    in_range = coverage_matrix(sites, villages, covers=range_covers(RANGE_M))
    points = gpd.GeoSeries(np.r_[sites.geometry.to_numpy(), villages.geometry.to_numpy()], crs=CRS)
    t0 = time.perf_counter()
    terrain = load_terrain(dem, grid=planning_grid(points, resolution_m=50.0))
    t_dem = time.perf_counter() - t0
    radio = Radio("hata+terrain", THRESHOLD_DBM, "rural", RECEIVER_M, terrain)
    sites["reach_m"] = radio.reach(sites)
    t_cov, (with_terrain, open_ground) = median_time(
        repeat, candidate_coverage, sites, villages.geometry, radio
    )
    return {
        "communes": communes,
        "villages": villages,
        "sites": sites,
        "range": in_range,
        "terrain": with_terrain,
        "open": open_ground,
        "times": {"dem": t_dem, "coverage": t_cov, "reach_m": float(sites["reach_m"].iloc[0])},
    }


def median_time(
    repeat: int, fn: Callable[..., object], *args: object, **kwargs: object
) -> tuple[float, object]:
    """Median time of ``repeat`` calls of ``fn(*args, **kwargs)``, and its last answer."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def compare(data: dict[str, object], budgets: list[int], repeat: int, limit: float) -> None:
    people = data["villages"]["people"].to_numpy()  # type: ignore[index]
    print("| model | nnz | budget | exact s | exact people | greedy s | greedy people | "
          "greedy/exact | greedy bound (source) | LP s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("range", "terrain"):
        cover = data[name]
        extra = {"in_range": data["open"]} if name == "terrain" else {}
        for k in budgets:
            budget = Budget(sites=k)
            te, exact = median_time(repeat, plan_sites, cover, people, budget=budget,
                                    method="exact", time_limit_s=limit, **extra)  # fmt: skip
            tg, greedy = median_time(repeat, plan_sites, cover, people, budget=budget,
                                     method="greedy", lp_time_limit_s=None, **extra)  # fmt: skip
            model = reduce_problem(prepare_problem(cover, people, budget=budget))
            tl, _ = median_time(repeat, solve_lp_bound, model)
            full = plan_sites(cover, people, budget=budget, method="greedy", **extra)
            print(f"| {name} | {cover.nnz:,} | {k} | {te:.2f} | {exact.people_covered:,.0f}"
                  f"{'' if exact.optimal else f' (stopped at {limit:g} s, gap {exact.gap:.2%})'} | {tg:.3f} | "
                  f"{greedy.people_covered:,.0f} | {greedy.people_covered / exact.people_covered:.4f} | "
                  f"{full.bound:,.0f} ({full.bound_source}, gap {full.gap:.2%}) | {tl:.2f} |",
                  flush=True)  # fmt: skip


def scaling(data: dict[str, object], repeat: int, limit: float) -> None:
    """Exact solve time against the reduced model's size, on growing parts of the province.

    A part is everything west of a line (candidates and villages alike), so the pairs grow
    with the area; the budget grows with it (the same sites per km² as the full budget).
    """
    sites, villages = data["sites"], data["villages"]
    sx = sites.geometry.x.to_numpy()  # type: ignore[attr-defined]
    vx = villages.geometry.x.to_numpy()  # type: ignore[attr-defined]
    people_all = villages["people"].to_numpy()  # type: ignore[index]
    west, east = min(sx.min(), vx.min()), max(sx.max(), vx.max())
    print("\n| model | part | candidates | villages | budget | model size | exact s | greedy s |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("range", "terrain"):
        for frac in (0.15, 0.3, 0.5, 0.75, 1.0):
            line = west + frac * (east - west) + 1.0
            rows, cols = np.flatnonzero(sx <= line), np.flatnonzero(vx <= line)
            cover = data[name][rows][:, cols]  # type: ignore[index]
            for full in (10, 50, 100):
                k = max(1, round(full * frac))
                problem = prepare_problem(cover, people_all[cols], budget=Budget(sites=k))
                model = reduce_problem(problem)
                te, found = median_time(repeat, solve_exact, model, time_limit_s=limit)
                tg, _ = median_time(repeat, solve_greedy, problem)
                shown = f"{te:.2f}" if found.optimal else f"> {limit:g} (stopped)"  # type: ignore[attr-defined]
                print(f"| {name} | {frac:.0%} | {len(rows)} | {len(cols)} | {k} | "
                      f"{model.size:,} | {shown} | {tg:.3f} |", flush=True)  # fmt: skip


def run_highspy(
    cost: np.ndarray, matrix: sparse.csr_array, upper: np.ndarray, n: int, *, integral: bool
) -> float:
    """The same model solved through ``highspy`` (MIP, or its LP by the primal simplex)."""
    import highspy  # deferred: an optional comparison, not a dependency of the tool

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    if not integral:
        h.setOptionValue("simplex_strategy", 4)
    csc = sparse.csc_array(matrix)
    rows, cols = matrix.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = cols, rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(cols), np.ones(cols)
    lp.row_lower_, lp.row_upper_ = np.full(rows, -highspy.kHighsInf), upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = cols, rows
    lp.a_matrix_.start_, lp.a_matrix_.index_ = csc.indptr, csc.indices
    lp.a_matrix_.value_ = csc.data.astype(float)
    if integral:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger] * n + [kinds.kContinuous] * (cols - n)
    h.passModel(lp)
    h.run()
    return -h.getInfo().objective_function_value


def solvers(data: dict[str, object], repeat: int) -> None:
    """scipy.optimize.milp (the tool's choice) against highspy on the same model."""
    from coverage_gaps.analysis.planning.exact import _arrays, _tie_break

    people = data["villages"]["people"].to_numpy()  # type: ignore[index]
    print("\n| model | budget | scipy.milp s | highspy s | scipy linprog (ipm) s | "
          "highspy LP (primal simplex) s |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name in ("range", "terrain"):
        for k in (10, 50):
            model = reduce_problem(prepare_problem(data[name], people, budget=Budget(sites=k)))
            arrays = _arrays(model, tie_break=_tie_break(model))
            n = len(model.candidates)
            ts, _ = median_time(repeat, solve_exact, model, time_limit_s=120)
            th, _ = median_time(repeat, run_highspy, *arrays, n, integral=True)
            tl, _ = median_time(repeat, solve_lp_bound, model)
            thl, _ = median_time(repeat, run_highspy, *arrays, n, integral=False)
            print(f"| {name} | {k} | {ts:.2f} | {th:.2f} | {tl:.2f} | {thl:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budgets", type=int, nargs="*", default=[10, 50, 100])
    parser.add_argument("--time-limit", type=float, default=120.0, help="exact solves (s)")
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--solvers", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs)")  # fmt: skip
        t0 = time.perf_counter()
        data = build(Path(tmp), args.repeat)
        sites, villages, times = data["sites"], data["villages"], data["times"]
        print(f"Thái Nguyên: {len(data['communes'])} communes, {len(villages):,} villages "  # type: ignore[arg-type]
              f"({villages['people'].sum():,.0f} people), {len(sites):,} candidates; "  # type: ignore[index,arg-type]
              f"range pairs {data['range'].nnz:,}; hata+terrain: reach {times['reach_m']:,.0f} m, "  # type: ignore[attr-defined,index]
              f"covered pairs {data['terrain'].nnz:,} (open ground {data['open'].nnz:,}), "  # type: ignore[attr-defined]
              f"DEM onto 50 m {times['dem']:.1f} s, coverage matrices {times['coverage']:.1f} s "  # type: ignore[index]
              f"(median of {args.repeat}); built in {time.perf_counter() - t0:.1f} s\n")  # fmt: skip
        if args.budgets:
            compare(data, args.budgets, args.repeat, args.time_limit)
        print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if args.scaling:
            scaling(data, args.repeat, min(args.time_limit, 60.0))
        if args.solvers:
            solvers(data, args.repeat)


if __name__ == "__main__":
    main()
