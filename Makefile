# SEND Reform Survey Dashboard. `make help` lists the targets.
# Needs only Python 3.11+ and make: the first target that needs Python creates .venv and installs the project.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8050
WORKERS ?= 2
TEST_WORKERS ?= 2  # pytest-xdist processes for make test (each file's tests in one of them)
ETL_ARGS ?=
# The documents' text every sentence is checked against: SOURCES_DIR (environment), else ../shared/seeds.
DATA   := data/current/manifest.json
ETL_INPUTS := $(shell find etl -name '*.py' -o -name '*.yaml')

.PHONY: help install data bytecode run test test-slow lint bench figures serve loadtest loadtest-cached site clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(STAMP) ## Create .venv and install the project with its test tools

$(DATA): $(STAMP) $(ETL_INPUTS)
	$(BIN)/python -m etl $(ETL_ARGS)
	@touch $(DATA)

data: $(STAMP) ## Validate the sources and (re)build (or repair) the tables in data/
	$(BIN)/python -m etl $(ETL_ARGS)

# The project's modules compiled to bytecode before serving or benchmarking: installed packages come with theirs, and
# where PYTHONDONTWRITEBYTECODE is set Python never writes ours, so each start compiled them from source (about 0.1 s
# of a 0.5 s cold start, measured). Only files changed since are compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q dashboard etl benchmarks

run: $(DATA) bytecode ## Build the data if missing or stale, then serve http://$(HOST):$(PORT)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m dashboard

test: $(DATA) ## Lint, then run the tests but the slow ones (browser tests skip without /usr/bin/chromium)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile

serve: $(DATA) bytecode ## Serve in production: nginx (with its proxy cache) on HOST:PORT in front of WORKERS gunicorn workers
	$(BIN)/python -m dashboard.serving --host $(HOST) --port $(PORT) --workers $(WORKERS) -- --access-logfile -

figures: $(DATA) ## Write every chart as PNG (2x) to figures/ (needs Chromium)
	$(BIN)/python -m dashboard.export --out figures --format png

site: $(DATA) ## Bake a static copy into site/ (BASE_URL= its address), then check its links (needs Chromium)
	$(BIN)/python -m dashboard.site --out site $(if $(BASE_URL),--base-url $(BASE_URL))

bench: $(DATA) bytecode ## Benchmark against a bare Dash app; writes benchmarks/RESULTS.md
	$(BIN)/python -m benchmarks

loadtest: $(DATA) bytecode ## Bounded load test on 127.0.0.1 under gunicorn
	$(BIN)/python -m benchmarks.loadtest

loadtest-cached: $(DATA) bytecode ## 10,000 chart/embed/PNG reads through make serve's nginx, cache off then on (needs nginx)
	$(BIN)/python -m benchmarks.cachedload

test-slow: $(DATA) ## Run the slow tests only: the benchmark and load-test smoke runs, held connections
	$(BIN)/python -m pytest -m slow

clean: ## Remove the built tables and the export cache
	rm -rf data/current data/builds data/pins data/export-cache
