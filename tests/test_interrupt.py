"""A run killed (SIGKILL) at any stage leaves the previous outputs intact, and the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from coverage_gaps import run_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("interrupt")]

#: lines of the -vv log after which the run is killed: the end of every stage, and points
#: inside the writing of the outputs
STAGES = [
    "load_communes done",
    "load_villages done",
    "load_coverage done",
    "load_fibre done",
    "sample_coverage done",
    "coverage_area done",
    "summaries done",
    "priority done",
    "write_outputs ...",
    "wrote villages.gpkg",
    "wrote the tables",
    "wrote the priority lists",
    "wrote the report",
    "wrote the map",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from coverage_gaps.synthetic import generate_province

    root = tmp_path_factory.mktemp("kill")
    project = generate_province(root / "inputs", villages=400, seed=5)
    out = root / "results"
    run_project(project, output=out)
    return project, out


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize("stage", STAGES)
def test_kill_after_stage(demo: tuple[Path, Path], stage: str) -> None:
    project, out = demo
    snapshot = _snapshot(out)
    cmd = [sys.executable, "-m", "coverage_gaps", "-vv", "run", str(project), "--output", str(out)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    killed = False
    for line in proc.stderr:
        if stage in line:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=120)
    proc.stderr.close()
    assert killed and proc.returncode == -signal.SIGKILL, (
        f"never saw '{stage}' or the run ended first"
    )
    # the previous result is untouched
    now = _snapshot(out)
    assert now.keys() == snapshot.keys()
    assert all(now[k] == snapshot[k] for k in snapshot)
    # whatever the killed run left is hidden and not a result; the next run cleans it up
    visible = sorted(p.name for p in out.parent.iterdir() if not p.name.startswith("."))
    assert visible == ["inputs", "results"]
    run_project(project, output=out)
    assert not list(out.parent.glob(".results.partial-*")) and not list(
        out.parent.glob(".results.old-*")
    )
