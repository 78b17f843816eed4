# Set-up and everyday commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format typecheck bench clean browser-deps

INSTALL_LOG := $(VENV)/install.log

# pip's own output goes to $(INSTALL_LOG); it is shown only when the install fails
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing coverage-gaps and its dependencies into $(VENV) (log: $(INSTALL_LOG)) ..."
	@( $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]' ) \
		> $(INSTALL_LOG) 2>&1 || { tail -n 40 $(INSTALL_LOG); \
		echo "make: the install failed; the whole log is in $(INSTALL_LOG)"; exit 1; }
	@touch $(STAMP)

# bytecode as a regular install writes it (an editable one does not, and where
# PYTHONDONTWRITEBYTECODE is set every run compiled the package again); only the modules
# changed since are compiled, errors are shown
BYTECODE := @$(BIN)/python -m compileall -q coverage_gaps

## demo: install, generate the synthetic demo province and run the whole analysis on it
demo: $(STAMP)
	$(BYTECODE)
	@$(BIN)/coverage-gaps demo outputs/demo

## browser-deps: Debian chromium (apt, only if missing) and the map's JS/CSS assets (npm, .browser/)
browser-deps:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	test -d .browser/node_modules || npm install --prefix .browser --no-audit --no-fund

## test: install if needed and run every test (slow real-data tests and the browser tests included)
test: $(STAMP) browser-deps
	$(BYTECODE)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## test-fast: skip the slow real-data tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

## lint: ruff, and the import contracts of docs/DESIGN.md (import-linter)
lint: $(STAMP)
	$(BIN)/ruff check coverage_gaps tests benchmarks
	$(BIN)/ruff format --check coverage_gaps tests benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format coverage_gaps tests benchmarks
	$(BIN)/ruff check --fix coverage_gaps tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy coverage_gaps

bench: $(STAMP)
	$(BYTECODE)
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_map.py

clean:
	rm -rf $(VENV) outputs/demo .pytest_cache .mypy_cache .ruff_cache
