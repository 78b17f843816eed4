from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coverage_gaps import ConfigError, load_config, parse_config
from coverage_gaps.cli import cli

BASE = {
    "name": "Thái Nguyên",
    "communes": {"path": "c.gpkg", "layer": "wards", "id": "code", "name": "fullName"},
    "villages": {
        "path": "v.csv",
        "id": "village_id",
        "name": "name",
        "population": "population",
        "x": "lon",
        "y": "lat",
        "crs": "EPSG:4326",
    },
    "coverage": [
        {"path": "viettel_4g.tif", "carrier": "Viettel", "technology": "4G", "threshold": -105},
        {"path": "vnpt_3g.gpkg", "carrier": "VNPT", "technology": "3G"},
    ],
    "fibre": {"path": "fibre.gpkg", "max_distance_m": 1000},
    "output": "outputs/thai-nguyen",
}


def test_issue_example_parses_and_resolves_paths(tmp_path: Path) -> None:
    cfg = parse_config(BASE, base_dir=tmp_path)
    assert cfg.communes.path == tmp_path / "c.gpkg"
    assert cfg.output == tmp_path / "outputs" / "thai-nguyen"
    assert [c.column for c in cfg.coverage] == ["viettel_4g", "vnpt_3g"]
    assert cfg.coverage[0].threshold_dbm == -105
    assert cfg.technologies == ["3G", "4G"]
    assert cfg.fibre is not None and cfg.fibre.max_distance_m == 1000


def test_default_threshold_per_technology(tmp_path: Path) -> None:
    data = {**BASE, "coverage": [{"path": "a.tif", "carrier": "Viettel", "technology": "3G"}]}
    assert parse_config(data, base_dir=tmp_path).coverage[0].threshold_dbm == -103


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    data = {
        **BASE,
        "fiber": {"path": "f.gpkg"},
        "villages": {**BASE["villages"], "populaton": "pop"},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path)
    text = str(info.value)
    assert "unknown key 'fiber'" in text and "did you mean 'fibre'?" in text
    assert "villages.populaton" in text and "did you mean 'population'?" in text
    assert len(info.value.problems) == 2


def test_wrong_types_and_missing_keys_all_reported(tmp_path: Path) -> None:
    data = {
        "name": "X",
        "communes": {"layer": "a"},
        "villages": {"path": "v.csv"},
        "coverage": [{"path": "a.tif", "carrier": "Viettel", "technology": "6G"}],
        "area_resolution_m": "fine",
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path)
    text = str(info.value)
    assert "communes.path: required key 'path' is missing" in text
    assert "'x' and 'y'" in text
    assert "unknown technology '6G'" in text
    assert "area_resolution_m: expected a number, got str 'fine'" in text


def test_duplicate_layer_and_vector_threshold_rejected(tmp_path: Path) -> None:
    data = {
        **BASE,
        "coverage": [
            {"path": "a.tif", "carrier": "Vinaphone", "technology": "LTE"},
            {"path": "b.gpkg", "carrier": "452-02", "technology": "4G", "threshold": -100},
        ],
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path)
    text = str(info.value)
    assert "VNPT 4G is listed twice" in text
    assert "apply to rasters only" in text


def test_load_config_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.yml"
    bad.write_text("name: X\ncommunes: {path: a.gpkg\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"p\.yml: line \d+, column \d+: not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yml")
    (tmp_path / "list.yml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(tmp_path / "list.yml")


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    p = tmp_path / "evil.yml"
    p.write_text("name: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)


def test_cli_reports_config_problems_with_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "p.yml"
    p.write_text("name: X\ncomunes: {path: a.gpkg}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(p)])
    assert res.exit_code == 2
    assert "did you mean 'communes'?" in res.output and str(p) in res.output
