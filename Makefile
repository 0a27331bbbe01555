# ParkOps developer commands. Two matter: `make run` and `make test`.
PORT ?= 5000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test bench venv

run: $(VENV)/.runtime-installed
	$(FLASK) init --demo
	@echo "ParkOps is starting on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.test-installed
	$(BIN)/pytest

bench: $(VENV)/.runtime-installed
	$(BIN)/python -m bench.engine

venv: $(VENV)/.test-installed

# The stamps are newer than the requirement files they were installed from;
# editing a requirements file makes them stale, so the next make re-installs.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-test.txt
	touch $@ $(VENV)/.runtime-installed

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: '$(PYTHON)' not found; ParkOps needs Python 3.11 or newer." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: ParkOps needs Python 3.11 or newer, but $(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; \
		echo "       Install it, or point make at it: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
