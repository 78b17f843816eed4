# Set-up and everyday commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, generate the synthetic demo province and run the whole analysis on it
demo: $(STAMP)
	$(BIN)/coverage-gaps demo outputs/demo

## test: install if needed and run every test (slow real-data tests included)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## test-fast: skip the slow real-data tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check coverage_gaps tests benchmarks
	$(BIN)/ruff format --check coverage_gaps tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format coverage_gaps tests benchmarks
	$(BIN)/ruff check --fix coverage_gaps tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy coverage_gaps

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean:
	rm -rf $(VENV) outputs/demo .pytest_cache .mypy_cache .ruff_cache
