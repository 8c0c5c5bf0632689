# Duijie — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run reset test lint security bench messages integration clean fuzz load backup restore

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

# Seeds the demo once: a second `make run` finds it and serves at once (`make reset` reseeds).
# The system checks run once, in runserver, not in each of the three commands (~3 s).
run: $(STAMP)
	$(PY) manage.py migrate --noinput --skip-checks
	$(PY) manage.py seed_demo --skip-checks
	@echo ""
	@echo "  产学研对接平台: http://$(HOST):$(PORT)/"
	@echo "  演示账号 (密码 $${DEMO_PASSWORD:-duijie-demo}): demo_enterprise demo_researcher demo_expert demo_staff demo_admin demo_reviewer"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Empty the database (whatever DATABASE_URL points at) and seed the demo afresh.
reset: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --reset

# Two passes: the unit, page and API tests spread over TEST_WORKERS processes (pytest-xdist,
# one test database each, whole files per process so module fixtures are built once); then the
# integration and browser tests one at a time, since they share one Redis database, one Celery
# worker and live servers. Exit status 5 (nothing collected, e.g. PYTEST_ARGS named a path with
# no such tests) counts as success; both passes run, and either failing fails the target.
TEST_WORKERS ?= auto
test: $(STAMP)
	@status=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not integration and not e2e" \
	  $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	$(PY) -m pytest -m "integration or e2e" $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	exit $$status

# The API fuzzing of `make test` (tests/fuzz) with many more generated inputs per operation and
# role, fresh ones each run.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} FUZZ_RANDOM=1 $(PY) -m pytest -p no:randomly tests/fuzz $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy accounts portal matching
	$(VENV)/bin/lint-imports
	$(MAKE) security

# Static security checks that need no network: bandit fails on any high-severity finding
# (medium and low are printed by `.venv/bin/bandit -c pyproject.toml -r accounts portal
# matching`), and Django's deployment checklist in production mode must find nothing. The
# dependency audit (pip-audit) needs the network: it is a release step (README, Security).
security: $(STAMP)
	$(VENV)/bin/bandit -q -c pyproject.toml -r accounts portal matching -lll
	DEBUG=0 ALLOWED_HOSTS=portal.example.gov.cn \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/evidence.py
	$(PY) bench/publication.py
	$(PY) bench/schedule.py
	$(PY) bench/dispatch.py
	@if [ -n "$$DATABASE_URL" ]; then $(PY) bench/search.py; else echo "bench/search.py skipped: it needs DATABASE_URL (PostgreSQL)"; fi

# The load test (issue 16, bench/load.py): 20 locust users against gunicorn + PostgreSQL + Redis
# + a Celery worker over 100,000 needs and results and 10,000 experts (LOAD_REUSE=1 keeps the
# loaded database); writes bench/results.md. Needs PostgreSQL and Redis on 127.0.0.1.
load: $(STAMP)
	$(PY) bench/load.py

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=static
	$(PY) manage.py compilemessages --ignore=.venv

# Back up the database (pg_dump -Fc, or SQLite's online backup) and MEDIA_ROOT into
# var/backups/duijie-<time>/ with a manifest (rows and checksum per table, SHA-256 per file);
# `make restore BACKUP=var/backups/duijie-<time>` fills an empty database and checks it.
backup: $(STAMP)
	$(PY) manage.py backup $(BACKUP_ARGS)

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/duijie-<time>"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(BACKUP_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3
