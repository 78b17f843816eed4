"""Memory and time at 1,000,000 villages against the 100,000-village run, side by side.

Both runs are separate processes on the same national synthetic project (real 3,321 communes,
same coverage layers, fibre and sites); the 1M villages are the 100k generated villages each
copied 10 times with a seeded jitter of up to 300 m (commune found by location, snap 1 km).
Prints peak resident memory and time of each run and their ratios, and fails (exit 1) when the
1M run exceeds the memory budget.

Usage: python benchmarks/bench_memory.py [--budget-gb 8] [--copies 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"
BASE = ROOT / "outputs" / "bench" / "vn-100000-1"

CHILD = """
import json, resource, sys, time
from coverage_gaps import run_project
t = time.perf_counter()
r = run_project(sys.argv[1], output=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "villages": len(r.villages),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "stages": r.timings}))
"""


def run(project: Path, output: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(project), str(output)], capture_output=True,
                         text=True, check=False)  # fmt: skip
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        raise SystemExit(2)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--budget-gb", type=float, default=8.0)
    ap.add_argument("--copies", type=int, default=10)
    args = ap.parse_args()
    project = BASE / "inputs" / "project.yml"
    if not project.exists():
        from coverage_gaps.synthetic import generate_province

        generate_province(BASE / "inputs", communes=SHARED / "vn_2025" / "wards_2025_10m.gpkg",
                          communes_layer="wards", villages=100_000, seed=1,
                          name="Việt Nam (synthetic benchmark)")  # fmt: skip
    big = BASE / "inputs" / f"villages_x{args.copies}.csv"
    if not big.exists():
        v = pd.read_csv(
            BASE / "inputs" / "villages.csv", dtype={"village_id": str, "commune_code": str}
        )
        rng = np.random.default_rng(0)
        parts = []
        for k in range(args.copies):
            c = v.copy()
            if k:
                c["lon"] = c["lon"] + rng.uniform(-0.003, 0.003, len(c))
                c["lat"] = c["lat"] + rng.uniform(-0.003, 0.003, len(c))
            c["village_id"] = c["village_id"] + f"-{k}"
            parts.append(c)
        pd.concat(parts, ignore_index=True).drop(columns="commune_code").to_csv(big, index=False)
    cfg = yaml.safe_load(project.read_text(encoding="utf-8"))
    cfg["villages"] = {**cfg["villages"], "path": big.name, "max_snap_m": 1000}
    cfg["villages"].pop("commune", None)
    big_project = BASE / "inputs" / f"project_x{args.copies}.yml"
    big_project.write_text(
        yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

    t0 = time.perf_counter()
    small = run(project, BASE / "results-mem-100k")
    large = run(big_project, BASE / f"results-mem-x{args.copies}")
    print(f"{'run':12s} {'villages':>10s} {'seconds':>9s} {'peak MB':>9s}")
    for name, r in (("baseline", small), ("large", large)):
        print(f"{name:12s} {r['villages']:10d} {r['seconds']:9.1f} {r['peak_mb']:9.0f}")
    print(
        f"ratios (large / baseline): villages {large['villages'] / small['villages']:.1f}x, "
        f"time {large['seconds'] / small['seconds']:.2f}x, memory {large['peak_mb'] / small['peak_mb']:.2f}x"
    )
    print("large run stages:", ", ".join(f"{k} {v:.1f}s" for k, v in large["stages"].items()))
    print(f"total {time.perf_counter() - t0:.0f} s")
    ok = large["peak_mb"] <= args.budget_gb * 1024
    print(f"memory budget {args.budget_gb:g} GB: {'OK' if ok else 'EXCEEDED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
