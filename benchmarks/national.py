"""National run, ours against the straightforward script, side by side in one invocation.

For each size (``--villages 10000 100000 1000000``) the national workload is built (once,
deterministically: ``national_workload.py``), then, ``--repeat`` times each:

- ours: ``coverage-gaps run`` in a child process, every output written (tables, lists,
  report, national and province maps);
- the baseline: ``national_baseline.py`` (geopandas ``sjoin``, rasterio ``sample``,
  rasterstats ``zonal_stats``, ``sjoin_nearest``, one folium marker per village) in a child
  process;
- the floor: decoding just the raster blocks that hold communes (two threads) and reading
  the vector files, in a child process.

Peak memory is the largest sum of the proportional set size (PSS: shared pages split
between the processes sharing them) of a run's process and all its children (sampled
every 0.25 s with psutil). Medians of the repeats are reported, with the
stage table of each, the ratio, the floor and the load average. Every village's status is
compared between ours and the baseline; differences are counted and explained.

The figures are appended to ``benchmarks/national_results.json`` (``--record``), which
``plot_national.py`` draws as ``benchmarks/national.png``.

Usage: python benchmarks/national.py --villages 100000 --repeat 3 --record
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyogrio
import rasterio
import yaml
from rasterio.features import rasterize
from rasterio.windows import Window

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import national_workload as workload  # noqa: E402  (the benchmark folder is not a package)

RESULTS = HERE / "national_results.json"
BIN = Path(sys.executable).parent
#: Columns of the village table both runs write, compared village by village.
STATUS = ["commune_id", "has_3g", "has_4g", "gap_mobile", "gap_fibre"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(cmd: list[str], log: Path) -> tuple[float, float, float]:
    """Run ``cmd``; (wall seconds, CPU seconds of it and its children, peak MB of the
    process and its children summed).

    Memory is the proportional set size (PSS): a page shared by several processes (the
    forked page writers share the parent's results) is counted once in all, split between
    them; for a single process it equals the resident size less its shared libraries'
    share."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = psutil.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            total = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    total += p.memory_full_info().pss
            except psutil.Error:  # a child ended while being read
                pass
            peak = max(peak, total)
            time.sleep(0.25)  # PSS costs CPU to read: not too often
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}")
    return seconds, _children_cpu() - cpu0, peak / 1e6


def run_ours(project: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(BIN / "coverage-gaps"), "-q", "run", str(project), "-o", str(out), "--no-progress"]
    seconds, cpu, peak = run_child(cmd, out.with_suffix(".log"))
    stages = json.loads((out / "run.json").read_text("utf-8"))["stages_s"]
    return {"seconds": seconds, "cpu_s": cpu, "peak_mb": peak, "stages": stages}


def run_baseline(project: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, str(HERE / "national_baseline.py"), str(project), str(out)]
    seconds, cpu, peak = run_child(cmd, out.with_suffix(".log"))
    stages = json.loads((out / "timings.json").read_text("utf-8"))
    return {"seconds": seconds, "cpu_s": cpu, "peak_mb": peak, "stages": stages}


def run_floor(project: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--floor-of", str(project)]
    _, cpu, peak = run_child(cmd, out / "floor.log")
    timed = json.loads((out / "floor.log").read_text().splitlines()[-1])
    stages = {"read vector files": timed["vectors_s"], "decode commune blocks": timed["rasters_s"]}
    return {"seconds": timed["total_s"], "cpu_s": cpu, "peak_mb": peak, "stages": stages}


def commune_blocks(src: rasterio.DatasetReader, communes) -> list[Window]:
    """The raster's blocks that hold part of a commune."""
    bh, bw = src.block_shapes[0]
    rows, cols = -(-src.height // bh), -(-src.width // bw)
    coarse = src.transform * rasterio.Affine.scale(bw, bh)
    hit = rasterize(communes.to_crs(src.crs).geometry, out_shape=(rows, cols), transform=coarse,
                    all_touched=True, fill=0, default_value=1, dtype="uint8")  # fmt: skip
    return [Window(c * bw, r * bh, min(bw, src.width - c * bw), min(bh, src.height - r * bh))
            for r, c in zip(*np.nonzero(hit), strict=True)]  # fmt: skip


def floor(project: Path) -> None:
    """Read every vector file and decode the raster blocks holding communes (timed)."""
    cfg = yaml.safe_load(project.read_text("utf-8"))
    t0 = time.perf_counter()
    communes = pyogrio.read_dataframe(cfg["communes"]["path"], layer=cfg["communes"]["layer"])
    pyogrio.read_dataframe(project.parent / cfg["villages"]["path"])
    pyogrio.read_dataframe(cfg["fibre"]["path"])
    rasters = []
    for layer in cfg["coverage"]:
        if layer["path"].endswith(".tif"):
            rasters.append(layer["path"])
        else:
            pyogrio.read_dataframe(layer["path"])
    vectors = time.perf_counter() - t0
    cells = 0
    for path in rasters:
        with rasterio.open(path) as src:
            windows = commune_blocks(src, communes)
        cells += int(sum(w.width * w.height for w in windows))

        def decode(chunk: list[Window], path: str = path) -> int:
            with rasterio.open(path) as r:
                return sum(int(r.read(1, window=w).size) for w in chunk)

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(decode, [windows[0::2], windows[1::2]]))
    total = time.perf_counter() - t0
    print(json.dumps({"vectors_s": vectors, "rasters_s": total - vectors, "total_s": total,
                      "cells": cells}))  # fmt: skip


def compare(ours: Path, base: Path, max_fibre_m: float) -> dict:
    """Per-village status differences between the two runs, counted and explained."""
    cols = ["village_id", *STATUS, "fibre_distance_m"]
    a = pd.read_csv(ours / "villages.csv", dtype={"commune_id": str}, usecols=cols,
                    encoding="utf-8-sig")  # fmt: skip
    b = pd.read_csv(base / "villages.csv", dtype={"commune_id": str}, usecols=cols,
                    encoding="utf-8-sig")  # fmt: skip
    m = a.merge(b, on="village_id", suffixes=("", "_b"), how="outer", indicator=True)
    out: dict = {"villages": len(m), "only_one_side": int((m["_merge"] != "both").sum())}
    differs = np.zeros(len(m), bool)
    for col in STATUS:
        d = (m[col].astype(str) != m[f"{col}_b"].astype(str)).to_numpy()
        out[col] = int(d.sum())
        differs |= d
    out["any"] = int(differs.sum())
    gap = (m["gap_fibre"].astype(str) != m["gap_fibre_b"].astype(str)).to_numpy()
    near = (np.abs(m["fibre_distance_m"] - max_fibre_m) < 0.1).to_numpy()
    out["gap_fibre_at_threshold"] = int((gap & near).sum())
    out["fibre_distance_max_abs_diff_m"] = float(
        np.nanmax(np.abs(m["fibre_distance_m"] - m["fibre_distance_m_b"]))
    )
    return out


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time, with the medians of seconds, memory and each stage."""
    order = sorted(runs, key=lambda r: r["seconds"])
    med = dict(order[len(order) // 2])
    med["seconds"] = statistics.median(r["seconds"] for r in runs)
    med["peak_mb"] = statistics.median(r["peak_mb"] for r in runs)
    med["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    med["stages"] = {k: statistics.median(r["stages"].get(k, 0.0) for r in runs)
                     for k in runs[0]["stages"]}  # fmt: skip
    med["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    return med


def print_table(n: int, ours: dict, base: dict | None, flo: dict, diff: dict | None) -> None:
    print(f"\n## {n:,} villages (medians of {len(ours['all_seconds'])}; load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})")  # fmt: skip
    print("\n| ours: stage | s |\n|---|---|")
    for k, v in ours["stages"].items():
        print(f"| {k} | {v:.2f} |")
    if base is not None:
        print("\n| baseline: stage | s |\n|---|---|")
        for k, v in base["stages"].items():
            print(f"| {k} | {v:.2f} |")
    print("\n| run | wall s (each) | median wall s | CPU s | peak MB |\n|---|---|---|---|---|")
    for name, r in (("ours", ours), ("baseline", base), ("floor", flo)):
        if r is not None:
            print(f"| {name} | {r['all_seconds']} | {r['seconds']:.1f} | {r['cpu_s']:.1f} "
                  f"| {r['peak_mb']:,.0f} |")  # fmt: skip
    if base is not None:
        print(f"\nratio baseline / ours: {base['seconds'] / ours['seconds']:.1f}x wall, "
              f"{base['cpu_s'] / ours['cpu_s']:.1f}x CPU")  # fmt: skip
    print(f"ours / floor: {ours['seconds'] / flo['seconds']:.1f}x (floor {flo['seconds']:.1f} s)")
    if diff is not None:
        print(f"status differences: {diff}")


def record(n: int, series: str, run: dict) -> None:
    rows = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else []
    rows.append({
        "date": dt.date.today().isoformat(), "machine": f"{os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.python_version()}",
        "load_1min": round(os.getloadavg()[0], 1), "villages": n, "series": series,
        "seconds": round(run["seconds"], 2), "runs": run["all_seconds"],
        "cpu_s": round(run["cpu_s"], 1),
        "peak_mb": round(run["peak_mb"]), "stages": run["stages"],
        # our package's bytecode written before timing (compile_package; since 2026-11-30 13:47)
        "bytecode_written": True,
    })  # fmt: skip
    RESULTS.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", "utf-8")


def bench(n: int, repeat: int, with_baseline: bool, keep: bool) -> None:
    project = workload.build_project(n)
    folder = project.parent
    max_fibre = yaml.safe_load(project.read_text("utf-8"))["fibre"]["max_distance_m"]
    ours_runs, base_runs, floor_runs = [], [], []
    for _ in range(repeat):  # interleaved, so that the load hits each run alike
        floor_runs.append(run_floor(project, folder / "floor"))
        ours_runs.append(run_ours(project, folder / "ours"))
        if with_baseline:
            base_runs.append(run_baseline(project, folder / "baseline"))
    ours, flo = median_run(ours_runs), median_run(floor_runs)
    base = median_run(base_runs) if base_runs else None
    diff = compare(folder / "ours", folder / "baseline", max_fibre) if base else None
    print_table(n, ours, base, flo, diff)
    if keep:
        record(n, "ours", ours)
        record(n, "floor", flo)
        if base is not None:
            record(n, "baseline", base)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--villages", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-baseline", action="store_true", help="time ours and the floor only")
    ap.add_argument("--record", action="store_true", help=f"append the medians to {RESULTS.name}")
    ap.add_argument("--floor-of", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor_of is not None:
        floor(args.floor_of)
        return 0
    compile_package()
    for n in args.villages:
        bench(n, args.repeat, not args.no_baseline, args.record)
    return 0


def compile_package() -> None:
    """Our package's bytecode written beforehand, as ``pip install`` does for a package and
    as the baseline's libraries have theirs: an editable install under
    ``PYTHONDONTWRITEBYTECODE`` (set on these machines) would otherwise compile our 30,000
    lines from source at the start of every run (0.3-0.4 s), a cost no installed tool pays."""
    spec = importlib.util.find_spec("coverage_gaps")
    if spec is None or spec.origin is None:
        raise SystemExit("coverage_gaps is not installed in this environment")
    if not compileall.compile_dir(Path(spec.origin).parent, quiet=1):
        raise SystemExit("our package does not compile: see the errors above")


if __name__ == "__main__":
    raise SystemExit(main())
