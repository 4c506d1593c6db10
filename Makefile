# Flask-Bastion: `make run` serves the reference app, `make test` runs every test.
# Both work from a fresh clone: they create .venv and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SARIF_SCHEMA := $(VENV)/sarif-schema-2.1.0.json

.PHONY: run test lint bench system-deps services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[redis,postgresql,app]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.app-installed

$(SARIF_SCHEMA): | $(BIN)/python
	scripts/fetch-sarif-schema.sh $@

## run: serve the reference app on http://127.0.0.1:$(PORT) (development mode, loopback only)
run: $(VENV)/.app-installed
	@scripts/run-reference-app.sh $(PORT)

## test: install everything (Python packages, Chromium, Nginx, the SARIF schema), start the
## services, lint, run pytest
test: $(VENV)/.test-installed system-deps $(SARIF_SCHEMA) services lint
	$(BIN)/pytest

## lint: ruff (lint and format) and mypy (strict)
lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: Bastion's protections against bare Flask and its peers (BENCH_QUICK=1: smoke run)
bench:
	@bench/run.sh

system-deps:
	@scripts/install-system-deps.sh

services:
	@scripts/start-services.sh

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
