# CP Inspect: the targets a newcomer needs. `make demo` sets up everything and serves the demo;
# `make test` runs the test suite. Both start the embedded PostgreSQL under var/ themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export CPINSPECT_VAR_DIR ?= $(CURDIR)/var

.PHONY: help install demo demo-data test test-browser lint format clean

help:
	@echo "make demo          set up, load the demo and serve it at http://127.0.0.1:8000"
	@echo "make test          run the test suite (embedded PostgreSQL)"
	@echo "make test-browser  run the browser tests (needs Debian's chromium)"
	@echo "make lint          ruff checks and mypy"

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	CPINSPECT_DEMO=1 $(BIN)/cpinspect demo

demo-data: install
	CPINSPECT_DEMO=1 $(BIN)/cpinspect demo --no-serve

test: install
	CPINSPECT_TESTING=1 $(BIN)/pytest -q tests

test-browser: install
	@test -x /usr/bin/chromium || { echo "make test-browser needs Debian's chromium at /usr/bin/chromium: run 'apt-get install chromium' as root." >&2; exit 2; }
	CPINSPECT_TESTING=1 $(BIN)/pytest -q browser_tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	CPINSPECT_TESTING=1 $(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules var
