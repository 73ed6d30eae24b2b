# healthgap — one Makefile for people and CI.
#   make run    set up .venv, install, run the main job on the real open data
#   make test   set up .venv, install, run lint, type checks and the whole test suite
#               (with a throwaway PostgreSQL server for the app-database tests)
#   make bench  benchmarks against peers (prints ratios)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The offline mirror of the official open data; `make run` uses it when present.
HEALTHGAP_MIRROR ?= $(abspath ../shared/data)
export HEALTHGAP_MIRROR
# The embedded store `make run` builds from the open data (git-ignored).
HEALTHGAP_STORE ?= $(CURDIR)/.data/healthgap.duckdb
export HEALTHGAP_STORE

.PHONY: run test lint typecheck pytest bench format clean setup system-deps demo

setup: $(STAMP) node_modules/.installed system-deps

# Debian packages the tests and the app use: headless Chromium for the browser tests,
# Java for the Spark engine, Node/npm for the front-end assets. Installed only if missing,
# and only where apt-get can run as root (a fresh Debian machine or CI).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (the related tests will be skipped)"; fi; \
	fi

# GOV.UK Frontend, Vega and axe-core, pinned in package-lock.json, served locally by the app.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  (command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y -qq python3-venv) ; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(STAMP): $(VENV)/bin/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev,spark,postgres]"
	@touch $(STAMP)

run: setup $(HEALTHGAP_STORE)
	$(BIN)/healthgap demo
	$(BIN)/healthgap serve --store $(HEALTHGAP_STORE)

demo: setup $(HEALTHGAP_STORE)
	$(BIN)/healthgap demo

# Build the store from the mirror (offline) when it is missing or older than the code.
$(HEALTHGAP_STORE): $(STAMP)
	@mkdir -p $(dir $(HEALTHGAP_STORE))
	$(BIN)/healthgap init --store $(HEALTHGAP_STORE)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# Optional test dependencies that must be there (tests/needs.py): a listed one that is
# missing fails its tests instead of skipping them. In CI (CI set): all of them, so Chromium,
# Java, PostgreSQL, the mirror, the npm assets and the phstatsmethods peer cannot go unseen.
HEALTHGAP_REQUIRE ?= $(if $(filter-out 0 false,$(CI)),all,postgres)
export HEALTHGAP_REQUIRE

# Test workers (pytest-xdist): one per core; each test file runs whole on one worker, so
# its module fixtures (a browser, a served app) are built once. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto

# scripts/with-postgres.sh starts a throwaway PostgreSQL server (installing Debian's
# postgresql if needed) and exports HEALTHGAP_TEST_POSTGRES.
PYTEST := bash scripts/with-postgres.sh $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

pytest: setup
	$(PYTEST)

# The type checks run beside the tests: mypy uses one core for about a minute, and run
# alone first it would leave the other core idle for that minute. Its report is printed
# after the tests, and either failing fails.
test: lint setup
	@$(BIN)/mypy > .mypy.log 2>&1 & mypy=$$!; \
	$(PYTEST); tests=$$?; wait $$mypy; typed=$$?; echo "$(BIN)/mypy"; cat .mypy.log; rm -f .mypy.log; \
	if [ $$typed -ne 0 ]; then echo "make test: the type checks failed (above)"; fi; \
	exit $$(( tests != 0 || typed != 0 ))

bench: setup $(HEALTHGAP_STORE)
	$(BIN)/python bench/run.py

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build src/*.egg-info
