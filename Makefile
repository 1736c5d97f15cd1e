# Two commands do everything on a fresh machine with Python 3.11 and pip:
#   make build   create .venv, install wgec, compile sources/ into build/
#   make test    install the test dependencies, run linters and the whole suite
#   make bench   install the benchmark dependencies, time wgec, write docs/performance.md
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: build test lint check install install-test bench clean

build: install
	$(BIN)/wgec build

check: install
	$(BIN)/wgec check

test: install-test lint
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check wgec_report tests
	$(BIN)/mypy

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -e '.[test]'
	touch $@

# Times check, build and rebuild against yamllint and the raw tools (1x, 10x
# and 100x reports, in /tmp) and rewrites docs/performance.md with its plot.
bench: install
	$(PIP) install -e '.[bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
