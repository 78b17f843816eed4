"""The Dask engine gives exactly the local engine's tables, whatever the partitions; it runs
on a cluster given by address; bad engine settings stop the run with exit code 2."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from coverage_gaps import load_config, run_project
from coverage_gaps.cli import cli
from coverage_gaps.cli._common import echo_summary
from coverage_gaps.config.project import EngineSpec, ProjectConfig
from coverage_gaps.engines import dask as dask_engine
from coverage_gaps.outputs.maps import aggregate_gap_points, map_data_from_run
from coverage_gaps.pipeline import analyse_on_engine
from coverage_gaps.synthetic import generate_province

pytestmark = pytest.mark.xdist_group("dask")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> str:
    """One local cluster (two worker processes) for the module; its scheduler's address."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic province of 600 villages whose populations are not whole numbers (so
    that any change in the order of summation would show)."""
    folder = tmp_path_factory.mktemp("dask") / "inputs"
    project = generate_province(folder, villages=600, seed=7)
    table = pd.read_csv(folder / "villages.csv", dtype={"commune_code": str})
    table["population"] = table["population"] * 1.37 + 0.01
    table.to_csv(folder / "villages.csv", index=False)
    return project


def _on(cfg: ProjectConfig, scheduler: str | None, partitions: int | None) -> ProjectConfig:
    return replace(cfg, engine=EngineSpec(kind="dask", scheduler=scheduler, partitions=partitions))


def _assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a.villages), pd.DataFrame(b.villages))
    pd.testing.assert_frame_equal(pd.DataFrame(a.communes), pd.DataFrame(b.communes))
    pd.testing.assert_frame_equal(a.provinces, b.provinces)
    pd.testing.assert_frame_equal(pd.DataFrame(a.priority.ranked), pd.DataFrame(b.priority.ranked))
    pd.testing.assert_frame_equal(a.priority.sharing, b.priority.sharing)


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_dask_engine_gives_the_local_tables(synthetic: Path, cluster: str, partitions: int) -> None:
    cfg = load_config(synthetic)
    local = analyse_on_engine(cfg)
    on_dask = analyse_on_engine(_on(cfg, cluster, partitions))
    assert not np.all(np.mod(local.villages["population"], 1) == 0)
    _assert_same(local, on_dask)


def test_building_polygons_in_a_folder_of_geoparquet_parts(
    synthetic: Path, cluster: str, tmp_path: Path
) -> None:
    """Footprints as exported by Overture or Open Buildings: polygons in several parts,
    read lazily; each reduced to a point inside it, its area kept."""
    cfg = load_config(synthetic)
    table = pd.read_csv(synthetic.parent / "villages.csv", dtype={"commune_code": str})
    points = gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)
    squares = points.to_crs(32648).buffer(15, cap_style="square").to_crs(4326)
    buildings = gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]), geometry=squares)
    parts = tmp_path / "buildings"
    parts.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(buildings)), 3)):
        buildings.iloc[chunk].to_parquet(parts / f"part-{i}.parquet")
    villages = replace(cfg.villages, path=parts, x=None, y=None, crs=None)
    cfg = replace(cfg, villages=villages)
    local = analyse_on_engine(cfg)
    assert local.villages["area_km2"].to_numpy() == pytest.approx(30 * 30 / 1e6, rel=0.01)
    _assert_same(local, analyse_on_engine(_on(cfg, cluster, 4)))


def test_large_village_table_is_written_as_geoparquet_parts(
    synthetic: Path, cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr(dask_engine, "VILLAGE_PARTS_MIN_ROWS", 100)
    # without the drive tests: the evidence is not computed on parts (see the test below)
    cfg = replace(load_config(synthetic), measurements=())
    local = run_project(cfg, output=tmp_path / "local")
    first = run_project(_on(cfg, cluster, 3), output=tmp_path / "dask")
    out = tmp_path / "dask"
    parts = sorted((out / "villages.parquet").glob("*.parquet"))
    assert len(parts) == 3 and not (out / "villages.gpkg").exists()
    assert first.village_parts == out / "villages.parquet"
    echo_summary(first)  # the command's summary names the files there are
    shown = capsys.readouterr().out
    assert str(out / "villages.parquet") in shown and "villages.gpkg" not in shown
    written = pd.concat([gpd.read_parquet(p) for p in parts]).sort_values("village_id")
    expected = pd.DataFrame(local.villages).sort_values("village_id")
    columns = [c for c in expected.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(written[columns]).reset_index(drop=True),
        expected[columns].reset_index(drop=True),
    )
    # the lists come from the gathered villages only, and are the local engine's
    pd.testing.assert_frame_equal(
        pd.DataFrame(local.priority.ranked), pd.DataFrame(first.priority.ranked)
    )
    pd.testing.assert_frame_equal(local.priority.sharing, first.priority.sharing)
    pd.testing.assert_frame_equal(pd.DataFrame(local.communes), pd.DataFrame(first.communes))
    assert len(first.villages) < len(local.villages)
    # the map counts every gap point of the parts per H3 cell, not the gathered villages
    cells = map_data_from_run(out).gap_cells
    assert cells is not None
    pd.testing.assert_frame_equal(cells, aggregate_gap_points(pd.DataFrame(local.villages)))
    assert '"H3 8' in (out / "map.html").read_text(encoding="utf-8")
    before = {p.name: p.read_bytes() for p in parts}
    run_project(_on(cfg, cluster, 3), output=out)
    assert {p.name: p.read_bytes() for p in sorted(out.glob("villages.parquet/*"))} == before
    assert not list(tmp_path.glob(".dask.parts-*"))


def test_measured_evidence_on_dask(
    synthetic: Path, cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verdicts on the gathered table are the local engine's; on parts, a warning."""
    cfg = load_config(synthetic)
    local = analyse_on_engine(cfg)
    on_dask = analyse_on_engine(_on(cfg, cluster, 3))
    assert local.evidence is not None and on_dask.evidence is not None
    pd.testing.assert_frame_equal(local.evidence.challenges, on_dask.evidence.challenges)
    assert "viettel_4g_measured" in on_dask.villages
    monkeypatch.setattr(dask_engine, "VILLAGE_PARTS_MIN_ROWS", 100)
    with tempfile.TemporaryDirectory() as tmp:
        parted = analyse_on_engine(_on(cfg, cluster, 3), parts_dir=Path(tmp) / "parts")
    assert parted.evidence is None
    assert any("measured evidence" in issue.what for issue in parted.issues)


def test_sites_layer_gives_the_local_village_table(
    synthetic: Path, cluster: str, tmp_path: Path
) -> None:
    """A ``kind: sites`` layer (the synthetic province's MobiFone site list, ``hata+terrain``
    over its DEM) is predicted once on the client and sampled per partition like a raster:
    on 1 and 3 partitions, the same village table and warnings about the predicted layers
    as the local engine (nodata out of the sites' reach is no raster warning on either);
    the same predicted GeoTIFFs and ``run.json`` layers."""
    raw = yaml.safe_load(synthetic.read_text(encoding="utf-8"))
    entries = [e for e in raw["coverage"] if e.get("kind") == "sites"]
    assert entries and all(e["model"] == "hata+terrain" and e.get("dem") for e in entries)
    cfg = load_config(synthetic)
    local = run_project(cfg, output=tmp_path / "local")
    layers = [(layer.column, layer.source) for layer in local.layers]
    predicted = sorted(c for c, source in layers if source == "predicted")
    assert predicted

    def about_sites(issues: list[object]) -> list[str]:
        # the demo's site list stays inside every model's validity (no warning on the demo's
        # own data): whatever is said about it must be the same on both engines
        found = sorted(str(i) for i in issues if "_sites.csv" in str(i))
        assert not any("fall outside the raster" in i for i in found)
        return found

    one = analyse_on_engine(_on(cfg, cluster, 1))
    three = run_project(_on(cfg, cluster, 3), output=tmp_path / "dask")
    for on_dask in (one, three):
        assert [(layer.column, layer.source) for layer in on_dask.layers] == layers
        assert set(on_dask.villages["predicted_layers"]) == {", ".join(predicted)}
        _assert_same(local, on_dask)
        assert about_sites(on_dask.issues) == about_sites(local.issues)
    assert not any("fall outside the raster" in str(i) for i in three.issues)

    def written(folder: Path) -> tuple[dict[str, bytes], list[dict[str, object]]]:
        tifs = {p.name: p.read_bytes() for p in sorted((folder / "predicted").iterdir())}
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        return tifs, record["layers"]

    tifs, records = written(tmp_path / "dask")
    assert sorted(tifs) == [f"{c}.tif" for c in predicted]
    assert (tifs, records) == written(tmp_path / "local")
    for name in ("villages.csv", "communes.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_separate_scheduler_and_worker_processes(tiny_project: Path, tmp_path: Path) -> None:
    """A scheduler and a worker started as their own processes (``dask scheduler``, ``dask
    worker``): the run goes through them and gives the local tables."""
    dask_cli = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    log = tmp_path / "worker.log"
    scheduler = subprocess.Popen(
        [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(log, "w") as worker_log:
        worker = subprocess.Popen(
            [dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard"],
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
            spec = yaml.safe_load(tiny_project.read_text(encoding="utf-8"))
            spec["engine"] = {"kind": "dask", "scheduler": address, "partitions": 2}
            project = tiny_project.with_name("on-cluster.yml")
            project.write_text(yaml.safe_dump(spec), encoding="utf-8")
            on_cluster = run_project(project, write=False)
            prefixes = client.run_on_scheduler(
                lambda dask_scheduler: list(dask_scheduler.task_prefixes)
            )
            workers = client.run(lambda dask_worker: dask_worker.id)
        assert {"stage_villages", "analyse_partition"} <= set(prefixes)
        assert len(workers) == 1
        local = run_project(tiny_project, write=False)
        _assert_same(local, on_cluster)
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("engine", "message"),
    [
        ("spark", "unknown engine 'spark'"),
        ({"kind": "dask", "partitions": 0}, "at least 1, got 0"),
        (
            {"kind": "dask", "scheduler": "tcp://127.0.0.1:{port}"},
            "cannot reach the Dask scheduler",
        ),
    ],
)
def test_bad_engine_settings_stop_with_exit_code_2(
    tiny_project: Path, engine: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 2)
    if isinstance(engine, dict) and "scheduler" in engine:
        engine = {**engine, "scheduler": engine["scheduler"].format(port=_free_port())}
    spec = yaml.safe_load(tiny_project.read_text(encoding="utf-8"))
    spec["engine"] = engine
    spec["output"] = "bad-engine"
    tiny_project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(tiny_project)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tiny_project.parent / "bad-engine").exists()
    assert not list(tiny_project.parent.glob(".bad-engine*"))


def test_engine_dask_alone_starts_a_local_cluster(tiny_project: Path, tmp_path: Path) -> None:
    """``--engine dask`` with no scheduler: a LocalCluster sized to the machine; the files
    written are those of the local engine."""
    runner = CliRunner()
    started = time.perf_counter()
    done = runner.invoke(
        cli, ["run", str(tiny_project), "-o", str(tmp_path / "d"), "--engine", "dask"]
    )
    assert done.exit_code == 0, done.output
    assert time.perf_counter() - started > 0
    done = runner.invoke(cli, ["run", str(tiny_project), "-o", str(tmp_path / "l")])
    assert done.exit_code == 0, done.output
    for name in ("villages.csv", "communes.csv", "provinces.csv", "villages.gpkg"):
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "l" / name).read_bytes(), name
    shutil.rmtree(tmp_path / "d")
