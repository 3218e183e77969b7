# Two commands on a fresh machine:  make serve   and   make test
# Variables you may override: HOST, PORT, PYTHON, PYTEST_ARGS, BENCH_SIZE.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8001
DB := antitrafficking.db
VENV := .venv
TEST_VENV := .venv-test
BENCH_SIZE ?= 100000
PYTEST_ARGS ?=

# The serving environment holds only the runtime dependencies (no `rich`, see
# pyproject.toml); tests and benchmarks get their own with the extras.
SERVE_PY := $(VENV)/bin/python
TEST_PY := $(TEST_VENV)/bin/python
SETTINGS = $(shell $(PYTHON) scripts/datasette_args.py settings)
INSTALLS = $(shell $(PYTHON) scripts/datasette_args.py install)
DATASETTE_FILES = $(shell $(PYTHON) scripts/datasette_args.py files)

.PHONY: serve build check test bench load package publish-cloudrun publish-fly clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(SERVE_PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

build: $(VENV)/.installed  ## validate data/ and (re)build the database atomically
	$(SERVE_PY) build.py --data data --output $(DB)

check: $(VENV)/.installed  ## validate data/ without writing anything
	$(SERVE_PY) build.py --data data --check

serve: build  ## build, then serve on http://$(HOST):$(PORT)
	$(VENV)/bin/datasette inspect $(DB) --inspect-file inspect.json
	exec $(VENV)/bin/datasette $(shell $(PYTHON) scripts/datasette_args.py serve $(DB) inspect.json $(HOST) $(PORT))

test: $(TEST_VENV)/.installed $(VENV)/.installed  ## every test, browser tests included
	$(TEST_PY) -m pytest $(PYTEST_ARGS)

bench: $(TEST_VENV)/.installed $(VENV)/.installed  ## benchmarks; BENCH_SIZE=1000000 for the full run
	$(TEST_PY) bench/run.py --participants $(BENCH_SIZE) $(BENCH_ARGS)

LOAD_ROWS ?= 1000000
LOAD_SECONDS ?= 30
load: $(TEST_VENV)/.installed $(VENV)/.installed  ## mixed load incl. hostile queries; fails on any 5xx or dropped connection
	$(TEST_PY) bench/load_mixed.py --rows $(LOAD_ROWS) --duration $(LOAD_SECONDS) --concurrency 8

package: build  ## a container image with the same metadata, plugins, templates and settings
	$(VENV)/bin/datasette package $(DB) $(DATASETTE_FILES) $(INSTALLS) \
		--tag antitrafficking --extra-options "$(SETTINGS)"

publish-cloudrun: build  ## print the Cloud Run command (needs gcloud); run it yourself
	@echo "$(VENV)/bin/datasette publish cloudrun $(DB) $(DATASETTE_FILES) $(INSTALLS) \
		--service antitrafficking --extra-options '$(SETTINGS)'"

publish-fly: build  ## print the Fly command (needs the datasette-publish-fly plugin and flyctl)
	@echo "$(VENV)/bin/datasette publish fly $(DB) $(DATASETTE_FILES) $(INSTALLS) \
		--app antitrafficking --extra-options '$(SETTINGS)'"

clean:
	rm -rf $(DB) inspect.json tests/screenshots bench/out
