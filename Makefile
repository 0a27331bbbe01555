# ParkOps developer commands. Two matter: `make run` and `make test`.
PORT ?= 5000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test bench venv frontend translations translations-extract cluster cluster-stop bench-scale

run: $(VENV)/.runtime-installed translations frontend
	$(FLASK) init --demo
	@echo "ParkOps is starting on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.test-installed translations frontend
	$(BIN)/pytest

bench: $(VENV)/.runtime-installed
	$(BIN)/python -m bench.engine

# Production layout on this machine (README "Production"): PostgreSQL + Redis in .cluster/,
# gunicorn with 2 workers on CLUSTER_PORT, 2 RQ workers and the scheduler.
CLUSTER_PORT ?= 8000
cluster: $(VENV)/.runtime-installed translations
	$(BIN)/python -m tasks.clusterctl start --port $(CLUSTER_PORT)

cluster-stop:
	$(BIN)/python -m tasks.clusterctl stop

bench-scale: $(VENV)/.runtime-installed
	$(BIN)/python -m bench.scale

venv: $(VENV)/.test-installed

# Front-end packages (bpmn-js for the diagrams): pinned and hash-checked, fetched once from
# the npm registry into webapp/static/vendor/ (webapp/frontend.py); offline afterwards.
frontend: $(VENV)/.runtime-installed
	$(BIN)/python -m webapp.frontend

# Translations (README "Translations"): the .po catalogues are the source, the .mo files
# Flask-Babel reads are compiled from them (and not kept in git).
TRANSLATIONS := webapp/translations
# Keep in step with KEYWORDS in tests/integration/i18n/test_catalogues.py.
BABEL_KEYWORDS := -k lazy_gettext -k _l -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

translations: $(VENV)/.runtime-installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS)

# Collect every marked string into messages.pot, then add new ones to each language's .po.
translations-extract: $(VENV)/.runtime-installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file \
		--project=ParkOps --copyright-holder=ParkOps --no-wrap -o $(TRANSLATIONS)/messages.pot webapp processes
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --ignore-obsolete --no-wrap

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
