# The commands people and CI use. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What `make run` needs (the app), and what `make test` adds (the test tool chain).
RUN_STAMP := $(VENV)/.run-stamp
STAMP := $(VENV)/.installed-stamp
VENDOR := src/laturi/static/vendor
ASSETS := $(VENDOR)/.stamp
DB_URL ?= sqlite+aiosqlite:///./var/laturi.db
# Test processes in parallel (pytest-xdist), each with databases of its own: one more than
# the cores, since tests spend much of their time waiting on sockets, servers and browsers.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: setup run-setup run test lint fmt typecheck pytest bench clean

INTEROP := tests/interop/node_modules/.package-lock.json

setup: $(STAMP) $(ASSETS) $(INTEROP)

run-setup: $(RUN_STAMP) $(ASSETS)

# ocpp-rpc (strict OCPP 1.6J schemas both ways) plays the station in the interop test.
$(INTEROP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(ASSETS): node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/bootstrap/dist/css/bootstrap.min.css \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
	   node_modules/htmx.org/dist/htmx.min.js \
	   node_modules/chart.js/dist/chart.umd.min.js \
	   node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/favicon-32x32.png \
	   node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/
	mkdir -p $(VENDOR)/fonts
	cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 \
	   node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff $(VENDOR)/fonts/
	touch $@

run: run-setup
	mkdir -p var
	LATURI_DATABASE_URL=$(DB_URL) $(BIN)/laturi db upgrade
	LATURI_DATABASE_URL=$(DB_URL) $(BIN)/laturi demo
	@echo "Laturi on http://127.0.0.1:8000 - log in as alpha, beta or gamma (ACME) or omega (Globex), password Laturi-demo-1"
	@echo "The demo stations EVI00000013-18 run as simulated stations (laturi simulate --demo --organization acme)"
	LATURI_DATABASE_URL=$(DB_URL) $(BIN)/laturi simulate --demo --organization acme --url ws://127.0.0.1:8000 \
	    --speed 10 >var/simulator.log 2>&1 & SIM=$$!; \
	trap 'kill $$SIM 2>/dev/null' EXIT INT TERM; \
	LATURI_DATABASE_URL=$(DB_URL) $(BIN)/laturi serve --host 127.0.0.1 --port 8000; \
	status=$$?; [ $$status -eq 130 ] || [ $$status -eq 143 ] || exit $$status

lint: setup
	$(BIN)/ruff check src tests benchmarks migrations
	$(BIN)/ruff format --check src tests benchmarks migrations

fmt: setup
	$(BIN)/ruff check --fix src tests benchmarks migrations
	$(BIN)/ruff format src tests benchmarks migrations

typecheck: setup
	$(BIN)/mypy src tests

pytest: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/groups_api.py
	$(BIN)/python benchmarks/ocpp_load.py --stations 5000 --active 100
	$(BIN)/python benchmarks/invoices.py --invoices 10000
	$(BIN)/python benchmarks/schedules.py --stations 1000 --tasks 10000

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .mypy_cache .ruff_cache .pytest_cache
