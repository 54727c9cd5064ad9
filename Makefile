# Clientele — the two everyday commands are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres test-e2e lint serve bench install clean

$(BIN)/python:
	python3 -m venv $(VENV)

# Installs the pinned set (requirements.lock) with uv, which is several times faster than pip.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Clientele is at http://$(HOST):$(PORT) (sign in with the demo owner above)."
	@# A job consumer beside the server (imports, exports, duplicate scans); it stops with it.
	$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# SQLite and a throwaway PostgreSQL side by side (each output printed whole when it
# ends; the PostgreSQL run waits on its server as much as it computes), then Chromium:
# all three must pass.
test: install
	bash scripts/ensure-debian-package.sh chromium chromium
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) --no-print-directory test-e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_sizes.py
	$(BIN)/lint-imports

test-sqlite: install
	bash scripts/check-migrations.sh
	$(BIN)/pytest tests

test-postgres: install
	bash scripts/with-postgres.sh bash -c 'bash scripts/check-migrations.sh && TEST_DATABASE_URL="$$DATABASE_URL" $(BIN)/pytest tests'

test-e2e: install
	$(BIN)/pytest e2e

# Production-style: gunicorn, no debug, secrets and DATABASE_URL from the environment.
serve: install
	CLIENTELE_ENV=production $(FLASK) db upgrade
	CLIENTELE_ENV=production $(BIN)/gunicorn --config gunicorn.conf.py --workers $${WORKERS:-2} --bind $(HOST):$${SERVE_PORT:-8000} --access-logfile - wsgi:app

# Options go through BENCH_ARGS, e.g. make bench BENCH_ARGS="--scale 0.05 --only sqlite".
bench: install
	bash scripts/ensure-debian-package.sh wrk wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
