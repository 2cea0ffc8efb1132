# The README's commands. Everything they need is installed from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Empty: the PostgreSQL on 127.0.0.1:5432 if one answers, else an embedded one (scripts/test_services.py).
TEST_DATABASE_URL ?=
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Settings have no default secrets (docs/deploy.md): the tests and the bench bring throwaway ones.
TEST_ENV := CASINO_ENV=local SECRET_KEY=test-only-secret-key-not-for-any-server FRONTEND_API_KEYS=dev-frontend-key \
	FIELD_ENCRYPTION_KEYS=aeqzOkdKPUBvaVg9qkgYIJkFH_D_o82Fx-hqYjqL8vg=
WITH_TEST_SERVICES := TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_REDIS_URL='$(TEST_REDIS_URL)' $(PY) scripts/test_services.py

.PHONY: run test lint typecheck install services clean bench bench-reconcile bench-audit reliability

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Run the back-office: (embedded PostgreSQL,) migrate, load demo data, web + worker + beat + sandbox traffic.
run: install
	$(PY) scripts/run_local.py --port $(PORT)

## Lint (ruff, import contracts), types, migrations and OpenAPI checks, then the tests on PostgreSQL (embedded if none answers) and Redis if any.
test: install lint typecheck
	$(TEST_ENV) $(WITH_TEST_SERVICES) sh -c '$(PY) manage.py makemigrations --check --dry-run \
		&& $(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yml \
		&& $(VENV)/bin/pytest'

## Load benchmark, about 13 min (BENCH_SECONDS=10 for a smoke run): docs/benchmarks.md
bench: install services
	$(TEST_ENV) $(PY) scripts/bench/run.py

## Reconciliation benchmark: a window of 1,000,000 transactions a side (BENCH_ROWS), rows/s and peak memory: docs/benchmarks.md
bench-reconcile: install services
	$(TEST_ENV) $(PY) scripts/bench/reconcile.py
## Audit log at scale, about 3 min: export 1,000,000 records (time, peak memory), verify, money path vs the chain: docs/benchmarks.md
bench-audit: install services
	$(TEST_ENV) $(PY) scripts/bench/audit.py

## Reliability suite, with faults that kill workers, stop Redis and restart PostgreSQL (about 3 min): docs/reliability.md
reliability: install services
	$(TEST_ENV) RELIABILITY=1 RELIABILITY_EXAMPLES=200 RELIABILITY_FUZZ_EXAMPLES=100 \
	$(WITH_TEST_SERVICES) $(VENV)/bin/pytest tests/reliability -rA

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# mypy with django-stubs over casino/ and wallet/ (pyproject.toml). The plugin imports the settings,
# which need the test secrets and a PostgreSQL URL; nothing connects to it.
typecheck: install
	$(TEST_ENV) DATABASE_URL=postgres://typecheck@127.0.0.1:5432/not-connected $(VENV)/bin/mypy

services:
	@bash scripts/ensure_services.sh

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache .mypy_cache
