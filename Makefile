# healthgap — one Makefile for people and CI.
#   make run    set up .venv, install, run the main job on the real open data
#   make test   set up .venv, install, run lint, type checks and the whole test suite
#   make bench  benchmarks against peers (prints ratios)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The offline mirror of the official open data; `make run` uses it when present.
HEALTHGAP_MIRROR ?= $(abspath ../shared/data)
export HEALTHGAP_MIRROR

.PHONY: run test lint typecheck pytest bench format clean setup

setup: $(STAMP)

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  (command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y -qq python3-venv) ; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(STAMP): $(VENV)/bin/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev,spark]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/healthgap demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build src/*.egg-info
