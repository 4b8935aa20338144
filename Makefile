# hazardmap — two commands on a fresh Debian 12 / Ubuntu machine: `make run` and `make test`.
# Every target is idempotent: a second run reuses what is there.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HM := $(BIN)/hazardmap
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_MAJOR = $(shell ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Web processes of `make run` (uvicorn --workers); one job worker runs beside them.
WORKERS ?= 1

.PHONY: help install system venv assets run serve test lint bench bench-system db-up db-down clean

help:
	@echo "make run   — install what is missing, start the embedded PostGIS, migrate, load data, serve on http://$(HOST):$(PORT)"
	@echo "            (WORKERS=n web processes, and one job worker: hazardmap worker)"
	@echo "make test  — install what is missing, then run the whole test suite against a real PostGIS"
	@echo "make lint  — ruff, mypy (app, tests and bench), the import contracts, the architecture check and ESLint;  make bench — the benchmarks in bench/"

install: system venv assets

# System packages: PostgreSQL with the PostGIS matching its version, Chromium for browser tests, the Noto CJK
# fonts (pages in Chromium, the printed wall map), poppler-utils (the tests read the PDFs back) and PgBouncer
# (the tests start one of their own in transaction pooling, in front of the test cluster).
system:
	@need=""; \
	if [ -z "$(PG_MAJOR)" ]; then need="postgresql"; fi; \
	if [ -z "$(PG_MAJOR)" ] || [ ! -f /usr/share/postgresql/$(PG_MAJOR)/extension/postgis.control ]; then need="$$need postgis"; fi; \
	if ! command -v chromium >/dev/null 2>&1; then need="$$need chromium"; fi; \
	if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then need="$$need fonts"; fi; \
	if ! command -v pdftotext >/dev/null 2>&1; then need="$$need poppler"; fi; \
	if [ ! -x /usr/sbin/pgbouncer ]; then need="$$need pgbouncer"; fi; \
	if [ -z "$$need" ]; then echo "==> system packages: present (PostgreSQL $(PG_MAJOR), PostGIS, Chromium, fonts, poppler, PgBouncer)"; exit 0; fi; \
	echo "==> installing system packages:$$need"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$(SUDO) apt-get update -qq; \
	if [[ "$$need" == *postgresql* ]]; then $(SUDO) apt-get install -y -qq postgresql >/dev/null; fi; \
	major=$$(ls /usr/lib/postgresql | sort -n | tail -1); \
	pkgs=""; \
	if [[ "$$need" == *postgis* ]]; then pkgs="$$pkgs postgresql-$$major-postgis-3"; fi; \
	if [[ "$$need" == *chromium* ]]; then pkgs="$$pkgs chromium"; fi; \
	if [[ "$$need" == *chromium* || "$$need" == *fonts* ]]; then pkgs="$$pkgs fonts-noto-cjk"; fi; \
	if [[ "$$need" == *poppler* ]]; then pkgs="$$pkgs poppler-utils"; fi; \
	if [[ "$$need" == *pgbouncer* ]]; then pkgs="$$pkgs pgbouncer"; fi; \
	if [ -n "$$pkgs" ]; then $(SUDO) apt-get install -y -qq $$pkgs >/dev/null; fi; \
	echo "==> system packages installed"

# The virtualenv, rebuilt only when the project's dependencies change.
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@echo "==> virtualenv $(VENV): installing the project and its pinned dependencies"
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' 2>&1 \
		| { grep -v "^WARNING: Location '.*' is ignored" || true; }; exit $${PIPESTATUS[0]}
	@touch $@
	@echo "==> virtualenv ready"

# Front-end files (Leaflet, marker clustering, the Chinese web font) from the npm registry, exactly as
# package-lock.json says, reinstalled only when it changes. The pages load them from the service, never a CDN.
# ESLint and its rules come the same way (devDependencies), for `make lint`.
assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "==> installing Node.js and npm (Debian packages)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@echo "==> front-end assets: npm ci (Leaflet, leaflet.markercluster, Noto Sans SC)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@
	@echo "==> front-end assets ready"

run: install
	@$(HM) db up
	@$(HM) migrate
	@$(HM) geodata load --if-empty
	@$(HM) demo load --if-empty
	@$(HM) users first-admin
	@echo "==> serving on http://$(HOST):$(PORT) with $(WORKERS) web process(es) and one job worker  (API docs: http://$(HOST):$(PORT)/docs)"
	@# The job worker in a session of its own, so that Ctrl-C reaches the web server only; on the way
	@# out the worker is sent one SIGTERM: it finishes its running jobs, then stops.
	@setsid $(HM) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --workers $(WORKERS) --proxy-headers

test: install
	@echo "==> running the test suite against a private PostGIS cluster (var/pg-test)"
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv assets
	@$(BIN)/ruff check app tests bench migrations
	@$(BIN)/ruff format --check app tests bench migrations
	@$(BIN)/mypy app tests bench
	@$(BIN)/lint-imports --no-logo
	@$(BIN)/python -m tests.test_architecture
	@node_modules/.bin/eslint .

bench: install bench-system
	@$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev,bench]' 2>&1 \
		| { grep -v "^WARNING: Location '.*' is ignored" || true; }; exit $${PIPESTATUS[0]}
	@$(BIN)/python -m bench.list_bbox

# nginx for bench.web_scale (web processes behind it, as in production); the benches start it themselves.
bench-system:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then echo "==> nginx: present"; exit 0; fi; \
	echo "==> installing nginx-light"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$(SUDO) apt-get update -qq; \
	$(SUDO) apt-get install -y -qq nginx-light >/dev/null

db-up: venv
	@$(HM) db up

db-down: venv
	@$(HM) db down

clean:
	-@[ -x $(HM) ] && $(HM) db down
	rm -rf $(VENV) var
