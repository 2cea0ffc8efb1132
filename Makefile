# The README's commands. Everything they need is installed from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/casino
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Settings have no default secrets (docs/deploy.md): the tests and the bench bring throwaway ones.
TEST_ENV := CASINO_ENV=local SECRET_KEY=test-only-secret-key-not-for-any-server FRONTEND_API_KEYS=dev-frontend-key \
	FIELD_ENCRYPTION_KEYS=aeqzOkdKPUBvaVg9qkgYIJkFH_D_o82Fx-hqYjqL8vg=

.PHONY: run test lint install services clean bench reliability

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Run the back-office: migrate, load demo data, start web + worker + beat (+ sandbox traffic).
run: export CASINO_ENV = local
run: export SECRET_KEY = $(shell cat var/secret_key)
run: export FRONTEND_API_KEYS = dev-frontend-key
run: install var/secret_key
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	@echo "Back-office: http://127.0.0.1:$(PORT)/admin/  (login admin / admin)"
	@echo "API docs:    http://127.0.0.1:$(PORT)/api/docs/"
	WEB_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# Generated once per checkout, so `make run` sessions survive a restart.
var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

## Run the tests on PostgreSQL and Redis (started here if they are down), plus lint and migrations check.
test: install services lint
	$(TEST_ENV) DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yml
	$(TEST_ENV) DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest

## Load benchmark, about 5 min (BENCH_SECONDS=10 for a smoke run): docs/benchmarks.md
bench: install services
	$(TEST_ENV) $(PY) scripts/bench/run.py

## Reliability suite, with faults that kill workers, stop Redis and restart PostgreSQL (about 3 min): docs/reliability.md
reliability: install services
	$(TEST_ENV) RELIABILITY=1 RELIABILITY_EXAMPLES=200 RELIABILITY_FUZZ_EXAMPLES=100 \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest tests/reliability -rA

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

services:
	@bash scripts/ensure_services.sh

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
