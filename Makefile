# The two commands of the README:
#   make serve   set up (virtualenv, packages, database) and start the server on http://127.0.0.1:8000
#   make test    set up everything the tests need and run the whole suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: serve test lint typecheck pytest pytest-postgres postgres system-packages bench

serve: $(RUNTIME_STAMP)
	$(BIN)/switchboard serve

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(RUNTIME_STAMP)

# Debian packages the suite needs (PostgreSQL for the storage tests on both databases, Chromium
# for the browser tests).
system-packages:
	@bash .ci/system-packages

postgres: system-packages
	@bash .ci/postgres

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

pytest: $(TEST_STAMP) system-packages
	$(BIN)/pytest

pytest-postgres: $(TEST_STAMP) postgres
	SWITCHBOARD_TEST_DATABASE=postgres $(BIN)/pytest -m postgres

test: lint typecheck pytest pytest-postgres

bench: $(RUNTIME_STAMP)
	bash bench/run.sh
