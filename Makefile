# Naskah — two commands: `make run` (demo on the embedded default) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first of python3.13, python3.12, python3 that is 3.12 or newer (Django 6 needs it).
PY := $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
TENANT_FILES := tenants/medan.yaml tenants/tangerang.yaml tenants/samarinda.toml
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help python install assets run test test-future test-fast lint format migrations-check deploy-check docker-check messages browser-deps bench bench-data bench-archive-data instances-stop federation-demo clean

help:
	@echo "make run    start Naskah with demo data on http://medan.localhost:$(PORT)/ (embedded default)"
	@echo "make test   run the test suite (PostgreSQL when DATABASE_URL is set, else SQLite)"
	@echo "make lint   ruff, migrations check and system checks"

python:
	@if [ -z "$(PY)" ]; then \
		echo "Naskah needs Python 3.12 or newer (Django 6 does not install on 3.11)." >&2; \
		echo "Install one (e.g. 'pyenv install 3.12') and run make again." >&2; exit 1; fi

$(VENV)/.installed: pyproject.toml | python
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "$(VENV) was made with an older Python; remove it ('make clean') and run make again." >&2; exit 1; }
	scripts/pip-install.sh $(BIN) -e ".[dev]"
	@touch $@

# The front-end libraries: npm installs package-lock.json's versions, scripts/build-assets.mjs
# copies and bundles them into static/vendor/ (README, "Front end").
static/vendor/.built: package.json package-lock.json scripts/build-assets.mjs $(wildcard assets/*.js)
	@command -v npm >/dev/null || { echo "Naskah's front end needs Node.js 20+ and npm." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/build-assets.mjs
	@touch $@

assets: static/vendor/.built

install: $(VENV)/.installed assets

run: install
	@scripts/run-dev.sh $(HOST) $(PORT) $(TENANT_FILES)

browser-deps:
	@scripts/ensure-system-deps.sh

# Three workers on two cores: a third of a test's time is spent waiting (servers starting,
# processes stopping, the database); the longest tests start first (the `slow` marker).
WORKERS ?= 3
test: install browser-deps
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The test modules that touch the calendar, with the clock two years ahead (Debian's faketime;
# the connection pool is off: its threads wait on clocks libfaketime moves).
FUTURE_DAYS ?= 730
# Under faketime the run is bound by the cores (every clock read goes through libfaketime):
# two workers, 427 s against 476-508 s with three.
FUTURE_WORKERS ?= 2
test-future: install browser-deps
	NASKAH_TEST_REAL_EPOCH=$$(date +%s) NASKAH_TEST_CLOCK_AHEAD_DAYS=$(FUTURE_DAYS) \
	NASKAH_TEST_DATES_ONLY=1 NASKAH_DB_POOL=false \
	faketime '+$(FUTURE_DAYS) days' $(BIN)/python -m pytest -n $(FUTURE_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	NASKAH_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	NASKAH_DEBUG=true $(BIN)/python manage.py check

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

deploy-check: install
	NASKAH_DEBUG=false NASKAH_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	NASKAH_ALLOWED_HOSTS=naskah.example.go.id \
	NASKAH_VAPID_PRIVATE_KEY="$$($(BIN)/python -c 'import base64; from cryptography.hazmat.primitives.asymmetric import ec; k = ec.generate_private_key(ec.SECP256R1()); print(base64.urlsafe_b64encode(k.private_numbers().private_value.to_bytes(32, "big")).decode().rstrip("="))')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

docker-check: install
	$(BIN)/hadolint docker/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml
	@echo "docker/ checked (no engine needed): Dockerfile lint and Compose Specification schema"

# City-scale benchmarks on PostgreSQL + Redis (see README, "Performance"). `bench-data` drops and
# fills BENCH_DB (1,000,000 letters, about 15 minutes); `bench` runs every script against it.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/naskah_bench
BENCH_LETTERS ?= 1000000

bench-data: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	dropdb --if-exists -h 127.0.0.1 -U postgres $(notdir $(BENCH_DB)) && createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DB))
	DATABASE_URL=$(BENCH_DB) NASKAH_DEBUG=true $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_DB) NASKAH_DEBUG=true $(BIN)/python manage.py generate_load_data --letters $(BENCH_LETTERS) --tenants 3

# The archive search benchmark has its own database: units and file plans of three cities and
# 1,000,000 records (about 10 minutes).
BENCH_SEARCH_DB ?= postgres://postgres@127.0.0.1:5432/naskah_bench_search

bench-archive-data: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	dropdb --if-exists -h 127.0.0.1 -U postgres $(notdir $(BENCH_SEARCH_DB)) && createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_SEARCH_DB))
	DATABASE_URL=$(BENCH_SEARCH_DB) NASKAH_DEBUG=true $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_SEARCH_DB) NASKAH_DEBUG=true $(BIN)/python manage.py generate_load_data --letters 3000 --tenants 3
	DATABASE_URL=$(BENCH_SEARCH_DB) NASKAH_DEBUG=true $(BIN)/python manage.py generate_archive_data --records 1000000

bench: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/search.py --database-url $(BENCH_SEARCH_DB)
	$(BIN)/python bench/inbox.py --database-url $(BENCH_DB)
	$(BIN)/python bench/lifecycle.py --database-url $(BENCH_DB)
	$(BIN)/python bench/reports.py --database-url $(BENCH_DB)
	$(BIN)/python bench/load.py --database-url $(BENCH_DB)
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/ws.py --clients 1000 --seconds 30

messages: install
	NASKAH_DEBUG=true $(BIN)/python manage.py makemessages -l id --no-obsolete --ignore=.venv --ignore=var --ignore=node_modules
	NASKAH_DEBUG=true $(BIN)/python manage.py compilemessages -l id --ignore=.venv --ignore=node_modules

# Separate Naskah deployments on loopback (scripts/instance.py; README, "Running a second
# instance"): stop every one still running (a test or demo that was killed leaves them behind).
# (No `install`: without the virtualenv no instance was started.)
instances-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python scripts/instance.py stop --all; fi

# Two instances on loopback (Medan and the partner city Binjai, each its own database and
# processes) exchange a letter; each signed receipt is printed as it arrives (README, "Partner
# cities"). PostgreSQL when DATABASE_URL is set, else a SQLite file per instance.
federation-demo: install
	$(BIN)/python scripts/federation_demo.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache node_modules static/vendor
