# One entry point for newcomers, CI and developers. `make demo` runs the main job on the embedded
# defaults; `make test` installs and runs the whole test suite (what CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test test-fast lint typecheck lab clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $@

demo: install
	$(BIN)/recommender demo

lint: install typecheck
	$(BIN)/ruff check src serve tests bench
	$(BIN)/ruff format --check src serve tests bench
	$(BIN)/lint-imports

# mypy alone (also the pre-commit hook, which may run in another environment: then the mypy on
# PATH): src/ and serve/ fully typed, tests with untyped test functions allowed (pyproject).
MYPY = $(if $(wildcard $(BIN)/mypy),$(BIN)/mypy,mypy)
typecheck:
	$(MYPY)

# The full suite, slow tests and notebooks included: the command CI runs.
test: install lint
	$(BIN)/pytest -m "" --durations=15

# The quick loop while developing: slow tests left out.
test-fast: install
	$(BIN)/pytest

# JupyterLab on the project's environment (the package is installed editable: no path hacks).
# Jupyter refuses to run as root without --allow-root (containers, CI machines).
lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf data mlruns mlartifacts .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
