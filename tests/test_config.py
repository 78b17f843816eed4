from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from coverage_gaps import ConfigError, load_config, parse_config
from coverage_gaps.cli import cli
from coverage_gaps.config import BudgetSpec, ProjectConfig
from coverage_gaps.config.parsers import crs_name, not_negative, one_of, positive
from coverage_gaps.config.schema import Checker, key, key_rows, section

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


# --------------------------------------------------------------------------- the key mechanism


@section
class _Engine:
    kind: str = key(
        parse=one_of("dask", "numpy", what="unknown engine '{}'.", fix="use dask."), doc=""
    )
    partitions: int = key(default=1, parse=positive(), doc="how many pieces")


@section
class _Toy:
    path: Path = key(doc="the file")
    size_m: float = key(default=1.0, parse=not_negative(fix="use 0."), doc="a length")
    crs: str | None = key(default=None, yaml=(str, int), parse=crs_name, doc="a CRS")
    flag: bool = key(default=False, doc="a switch")
    engine: _Engine | None = key(default=None, scalar="kind", doc="a name or a mapping")
    layers: tuple[_Engine, ...] = key(default=(), scalar="kind", doc="a list of engines")


def _toy_problems(data: dict[str, object]) -> tuple[object, list[str]]:
    chk = Checker("toy.yml", base=Path("/p"))
    made = chk.read(data, _Toy, "toy")
    return made, [str(p) for p in chk.problems]


def test_section_unknown_key_gets_a_hint_or_the_valid_keys() -> None:
    _, problems = _toy_problems({"path": "a", "sise_m": 2, "zzz": 1})
    assert problems == [
        "toy.yml: toy.sise_m: unknown key 'sise_m'. Fix: did you mean 'size_m'?",
        "toy.yml: toy.zzz: unknown key 'zzz'. Fix: use one of the keys: path, size_m, crs, flag, "
        "engine, layers.",
    ]


def test_section_types_come_from_the_type_hints() -> None:
    made, problems = _toy_problems({"path": "a", "size_m": True, "flag": 1, "crs": 32648})
    assert made is not None and made.crs == "EPSG:32648"  # an integer EPSG code is accepted
    assert problems == [
        "toy.yml: toy.size_m: expected a number, got bool True. Fix: write 'size_m' as a number.",
        "toy.yml: toy.flag: expected true/false, got int 1. Fix: write 'flag' as true/false.",
    ]
    made, problems = _toy_problems({"path": "a", "size_m": 3, "crs": "VN-2000 nowhere"})
    assert made is not None and made.size_m == 3 and made.crs is None
    assert len(problems) == 1 and problems[0].startswith("toy.yml: toy.crs: ")


def test_section_required_keys_and_refused_values() -> None:
    made, problems = _toy_problems({"size_m": -1, "path": None})
    assert made is None
    assert problems == [
        "toy.yml: toy.size_m: must not be negative. Fix: use 0.",
        "toy.yml: toy.path: required key 'path' is missing. Fix: add 'path:'.",
    ]
    made, _ = _toy_problems({"path": "~/a.csv"})
    assert made is not None and made.path == Path("~/a.csv").expanduser()
    made, _ = _toy_problems({"path": "b/a.csv"})
    assert made is not None and made.path == Path("/p/b/a.csv")


def test_scalar_or_mapping_key() -> None:
    made, problems = _toy_problems({"path": "a", "engine": "dask"})
    assert made is not None and made.engine == _Engine(kind="dask") and not problems
    made, problems = _toy_problems({"path": "a", "engine": {"kind": "dask", "partitions": 4}})
    assert made is not None and made.engine == _Engine(kind="dask", partitions=4.0)
    made, problems = _toy_problems({"path": "a", "layers": ["numpy", {"kind": "dask"}]})
    assert made is not None and made.layers == (_Engine(kind="numpy"), _Engine(kind="dask"))
    _, problems = _toy_problems({"path": "a", "engine": 5, "layers": [{"partitions": 2}, "spark"]})
    assert problems == [
        "toy.yml: toy.engine: expected text or a mapping, got int 5. "
        "Fix: write 'engine' as text or a mapping.",
        "toy.yml: toy.layers[0].kind: required key 'kind' is missing. Fix: add 'kind:'.",
        "toy.yml: toy.layers[1].kind: unknown engine 'spark'. Fix: use dask.",
    ]


def test_every_project_key_is_documented_once() -> None:
    rows = key_rows(ProjectConfig)
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)) and all(r[3] for r in rows)
    snap = rows[names.index("villages.max_snap_m")]
    assert snap[:3] == ("villages.max_snap_m", "a number", "0.0")
    assert "coverage[].carrier" in names and "priority.budget.money" in names
    assert rows[names.index("communes.crs")][1] == "text or a number"


def test_problem_order_and_texts_of_a_bad_file(tmp_path: Path) -> None:
    data = {
        **BASE,
        "villages": {**BASE["villages"], "max_snap_m": -5, "commune_codes": "pre-2025"},
        "coverage": [{"path": "a.tif", "carrier": " ", "technology": "4G"}, "b.tif"],
        "language": "FR",
        "priority": {
            "weights": {"people": -1, "luck": 1},
            "budget": {"sites": {"Viettel": 2.5}},
            "assignments": {"path": "a.xlsx"},
        },
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path, source="p.yml")
    assert [str(p) for p in info.value.problems] == [
        "p.yml: villages.max_snap_m: must not be negative. "
        "Fix: use 0 to require every village inside a commune.",
        "p.yml: villages.commune_codes: 'pre-2025' converts the commune codes of the villages, "
        "but no 'commune' column is given. Fix: add 'commune: <column with the old commune codes>'.",
        "p.yml: coverage[0].carrier: empty carrier name ' '. "
        "Fix: give the operator's name, e.g. Viettel.",
        "p.yml: coverage[1]: expected a mapping with path/carrier/technology, got 'b.tif'. "
        "Fix: write it as keys and values: {path: ..., carrier: ..., technology: ...}.",
        "p.yml: language: unknown language 'fr'. Fix: use 'vi' (Vietnamese) or 'en' (English).",
        "p.yml: priority.weights.people: must be a number ≥ 0, got -1.",
        "p.yml: priority.weights.luck: unknown weight 'luck'. "
        "Fix: use one of the weights: people, mobile, fibre, importance, readiness, cost.",
        "p.yml: priority.budget.sites.Viettel: must be a whole number ≥ 0, got 2.5.",
        "p.yml: priority.assignments: neither 'village' nor 'commune' is given. "
        "Fix: give exactly one of 'village' (a village id column) or "
        "'commune' (a commune id column).",
    ]


def test_budget_carrier_names_are_checked(tmp_path: Path) -> None:
    data = {**BASE, "priority": {"budget": {"sites": {"": 3, "vinaphone": 2}}}}
    with pytest.raises(ConfigError, match=r"priority\.budget\.sites\.: empty carrier name"):
        parse_config(data, base_dir=tmp_path)
    data = {**BASE, "priority": {"budget": {"sites": {"vinaphone": 2}, "cost_per_site": 9}}}
    budget = parse_config(data, base_dir=tmp_path).priority.budget
    assert budget == BudgetSpec(sites={"VNPT": 2})  # costs do not apply to a budget in sites


def test_to_dict_parses_back(tmp_path: Path) -> None:
    data = {
        **BASE,
        "villages": {**BASE["villages"], "crs": 4326, "commune_codes": 2025},
        "priority": {"budget": {"money": 5, "cost_per_site": 1, "cost_per_km_fibre": 2}},
    }
    cfg = parse_config(data, base_dir=tmp_path)
    assert cfg.villages.crs == "EPSG:4326" and cfg.villages.commune_codes == "2025"
    assert parse_config(cfg.to_dict(), base_dir=tmp_path) == cfg


@pytest.mark.parametrize("module", ["schema", "parsers", "project", "priority"])
def test_docstring_examples(module: str) -> None:
    """The examples in the docstrings of the configuration modules run as written."""
    mod = importlib.import_module(f"coverage_gaps.config.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
