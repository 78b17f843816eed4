"""Benchmark map.html against its budgets, side by side with an unoptimised baseline.

1. Thái Nguyên: the real 92 communes at full resolution (../shared/geodata/vn_2025/
   wards_2025_north_full.gpkg, provinceCode 19) with 3,000 synthetic villages and the demo's
   coverage layers. Budget: map.html <= 5 MB, written in < 5 s, with Leaflet and its plug-ins
   inlined (the default, the map opens offline). Baseline: the same map with outlines not
   simplified, coordinates not rounded and every commune column embedded. Also shown: the
   same map linking the libraries from the CDN (--map-assets cdn).
2. Nationwide: the 100,000-village synthetic project of bench_pipeline.py (3,321 communes);
   a national overview (communes only) plus one map per province, each within the budget.

Usage: python benchmarks/bench_map.py [--skip-national] [--repeat 3]
Prints sizes (MB), times (s) and ratios (baseline / ours: > 1 means ours is smaller/faster).
The analysis itself is not timed (write=False); only writing the maps is.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from coverage_gaps import run_project
from coverage_gaps.outputs.maps import map_data_from_result, render_map, write_maps
from coverage_gaps.synthetic import generate_province

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"
BUDGET_MB, BUDGET_S = 5.0, 5.0


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def thai_nguyen(repeat: int, tmp: Path) -> None:
    communes = SHARED / "vn_2025" / "wards_2025_north_full.gpkg"
    folder = ROOT / "outputs" / "bench" / "tn-3000-1"
    project = folder / "inputs" / "project.yml"
    if not project.exists():
        generate_province(folder / "inputs", communes=communes,
                          communes_where="provinceCode = '19'", villages=3000, seed=1)  # fmt: skip
    result = run_project(project, write=False)
    data = map_data_from_result(result)
    ours = tmp / "map.html"
    base = tmp / "baseline.html"
    cdn = tmp / "map-cdn.html"
    t_ours, _ = _best(lambda: render_map(data, ours), repeat)
    t_cdn, _ = _best(lambda: render_map(data, cdn, map_assets="cdn"), repeat)
    t_base, _ = _best(
        lambda: render_map(data, base, simplify_m=0, precision=None, keep_properties=True), repeat
    )
    mb_ours, mb_base = ours.stat().st_size / 1e6, base.stat().st_size / 1e6
    mb_cdn = cdn.stat().st_size / 1e6
    print(f"Thái Nguyên: {len(result.communes)} communes (full resolution), "
          f"{len(result.villages)} villages, {len(data.coverage)} coverage layers")  # fmt: skip
    print(f"{'':28}{'MB':>8}{'s':>8}")
    print(f"{'baseline (raw outlines)':28}{mb_base:8.2f}{t_base:8.2f}")
    print(f"{'ours (libraries inlined)':28}{mb_ours:8.2f}{t_ours:8.2f}")
    print(f"{'ours, --map-assets cdn':28}{mb_cdn:8.2f}{t_cdn:8.2f}")
    print(f"{'ratio baseline/ours':28}{mb_base / mb_ours:7.1f}×{t_base / t_ours:7.1f}×")
    ok = mb_ours <= BUDGET_MB and t_ours < BUDGET_S
    print(f"budget {BUDGET_MB:g} MB / {BUDGET_S:g} s: {'OK' if ok else 'EXCEEDED'}\n")


def national(tmp: Path) -> None:
    project = ROOT / "outputs" / "bench" / "vn-100000-1" / "inputs" / "project.yml"
    if not project.exists():
        generate_province(project.parent, communes=SHARED / "vn_2025" / "wards_2025_10m.gpkg",
                          communes_layer="wards", villages=100_000, seed=1,
                          name="Việt Nam (synthetic benchmark)")  # fmt: skip
    t0 = time.perf_counter()
    result = run_project(project, write=False)
    print(f"nationwide analysis (not part of the budget): {time.perf_counter() - t0:.0f} s")
    data = map_data_from_result(result)
    out = tmp / "national"
    out.mkdir()
    t0 = time.perf_counter()
    written = write_maps(data, out)
    total = time.perf_counter() - t0
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size / 1e6 for p in written}
    per_map = total / len(written)
    big = max((k for k in sizes if k.startswith("maps/")), key=sizes.__getitem__)
    print(f"Nationwide: {len(result.communes)} communes, {len(result.villages)} villages, "
          f"{len(written) - 1} province maps + overview, written in {total:.1f} s "
          f"({per_map:.2f} s per map on average)")  # fmt: skip
    print(f"  overview map.html: {sizes['map.html']:.2f} MB")
    print(f"  largest province map {big}: {sizes[big]:.2f} MB")
    ok = max(sizes.values()) <= BUDGET_MB
    print(f"  every map <= {BUDGET_MB:g} MB: {'OK' if ok else 'EXCEEDED'}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-national", action="store_true")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"missing {SHARED}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        thai_nguyen(args.repeat, Path(d))
        if not args.skip_national:
            national(Path(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
