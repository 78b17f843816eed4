"""Packaging stays honest: environment.yml lists what pyproject.toml declares, every
third-party import of the package is declared, and the import contracts hold."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: import name -> distribution name, where they differ
DISTRIBUTION = {"yaml": "pyyaml", "PIL": "pillow", "sklearn": "scikit-learn", "docx": "python-docx"}
#: longest function anywhere in the package, and longest CLI module (lines)
MAX_FUNCTION_LINES = 100
MAX_CLI_MODULE_LINES = 120


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_matches_pyproject() -> None:
    project = _pyproject()["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: set[str] = set()
    for item in env["dependencies"]:
        if isinstance(item, dict):
            listed |= {_name(r) for r in item["pip"]}
        else:
            listed.add(_name(item))
    listed -= {"python", "pip"}
    assert listed == declared, (
        f"only in environment.yml: {sorted(listed - declared)}; "
        f"only in pyproject.toml: {sorted(declared - listed)}"
    )


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "coverage_gaps").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif _finds_spec(node):  # a package located for its data (matplotlib's font)
                found.add(node.args[0].value.split(".")[0])  # type: ignore[attr-defined]
    stdlib = set(sys.stdlib_module_names) | {"coverage_gaps", "__future__"}
    return {DISTRIBUTION.get(n, n).lower().replace("_", "-") for n in found - stdlib}


def _finds_spec(node: ast.AST) -> bool:
    """``importlib.util.find_spec("name")`` with the name written out."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "find_spec"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and not node.args[0].value.startswith(".")
        and bool(node.args[0].value)
    )


def test_every_import_is_declared_and_every_dependency_used() -> None:
    project = _pyproject()["project"]
    core = {_name(r) for r in project["dependencies"]}
    optional = {
        _name(r)
        for extra, reqs in project["optional-dependencies"].items()
        if extra != "dev"
        for r in reqs
    }
    imported = _third_party_imports()
    assert imported - core - optional == set(), "imported but not declared"
    assert core - imported == set(), "declared but never imported"


def test_no_empty_package_data_globs() -> None:
    data = _pyproject()["tool"]["setuptools"]["package-data"]["coverage_gaps"]
    for pattern in data:
        assert list((ROOT / "coverage_gaps").glob(pattern)), (
            f"package-data '{pattern}' matches nothing"
        )


def test_import_contracts_hold() -> None:
    """The layers of docs/DESIGN.md, checked by import-linter (also run by ``make lint``)."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_cycle_between_modules() -> None:
    """No module reaches itself through imports, counting every import: deferred ones inside
    functions and those under ``TYPE_CHECKING`` included (grimp sees them all). Packages
    count as modules (their ``__init__``), and no module imports a package containing it."""
    graph = grimp.build_graph("coverage_gaps", cache_dir=None)
    cycles = sorted(
        " -> ".join([module, *chain])
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if (chain := graph.find_shortest_chain(importer=imported, imported=module))
    )
    assert cycles == []
    upward = [
        f"{m} -> {p}"
        for m in graph.modules
        for p in graph.find_modules_directly_imported_by(m)
        if m.startswith(p + ".")
    ]
    assert upward == []


def test_no_long_functions() -> None:
    """No function in coverage_gaps/ is over 100 lines (``def`` to its last line, docstring
    included) and no module of coverage_gaps/cli/ over 120: functions a reader can hold in
    their head, and commands that only parse options and call the library."""
    package = ROOT / "coverage_gaps"
    long_functions = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and (length := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    long_cli_modules = [
        f"{path.relative_to(ROOT)} ({length} lines)"
        for path in sorted((package / "cli").glob("*.py"))
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_CLI_MODULE_LINES
    ]
    assert long_functions == [], "split these:\n" + "\n".join(long_functions)
    assert long_cli_modules == [], "move code to the library:\n" + "\n".join(long_cli_modules)
