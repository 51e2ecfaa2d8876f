# The README's commands. Only Python >= 3.11 is needed; everything else installs into .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format check-schema schema schemathesis static clean bench bench-smoke bench-cpu

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt ".[test]"
	touch $@

install: $(VENV)/.installed

## run: development server on the embedded defaults (SQLite, in-process cache, console email).
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	@echo ""
	@echo "  Users API on http://$(HOST):$(PORT)/"
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/  (Redoc: /api/redoc/, schema: /api/schema/)"
	@echo "  First user: DEBUG=true $(PY) manage.py createsuperuser"
	@echo "              (or POST /api/signup/ with email, password, first_name)"
	@echo ""
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL is set).
test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DEBUG=true $(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## schema: regenerate the committed OpenAPI snapshot after an API change.
schema: install
	DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

## check-schema: the schema validates and the committed openapi.yaml is up to date.
check-schema: install
	@tmp=$$(mktemp) && trap 'rm -f $$tmp' EXIT && \
	DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file $$tmp && \
	diff -u openapi.yaml $$tmp || \
	{ echo "openapi.yaml is out of date or invalid: run 'make schema' and commit it."; exit 1; }

## schemathesis: fuzz the schema against gunicorn on PostgreSQL (DATABASE_URL), key and session.
schemathesis: install
	scripts/schemathesis.sh

## static: collect static files for production (run with the production environment).
static: install
	$(PY) manage.py collectstatic --noinput

## bench: the hot paths against a bare WSGI + psycopg floor (PostgreSQL + Redis; docs/performance.md).
bench: install
	bench/run

## bench-smoke: the same, one round of one second (does the bench still run?).
bench-smoke: install
	DURATION=1s ROUNDS=1 bench/run

## bench-cpu: CPU time per request of the hot paths, in-process (for A/B on a shared machine).
bench-cpu: install
	BENCH_MODULE=cpu bench/run

clean:
	rm -rf $(VENV) staticfiles
