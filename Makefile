# The two set-up commands are `make run` and `make test`; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PGBIN ?= /usr/lib/postgresql/15/bin
PYTEST_WORKERS ?= 2

.PHONY: run test lock install install-test system-test-deps messages lint backup restore bench-export bench-pages clean

# Every install takes the exact versions and hashes of requirements/*.txt (see `make lock`);
# the project itself is installed on top without resolving anything again.
LOCK_INSTALL := $(PIP) install -q --require-hashes --build-constraint build-constraints.txt

$(VENV)/.installed: requirements/pip.txt requirements/run.txt build-constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes -r requirements/pip.txt
	$(LOCK_INSTALL) -r requirements/run.txt
	$(PIP) install -q --no-deps --build-constraint build-constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(LOCK_INSTALL) -r requirements/test.txt
	touch $@

# Regenerates the lock files from the ranges in pyproject.toml with today's releases. Run it
# after changing a dependency in pyproject.toml, or to take newer releases on purpose; then run
# `make test` and commit requirements/ with the change.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q uv
	$(UV_COMPILE) pyproject.toml --extra demo -o requirements/run.txt
	$(UV_COMPILE) pyproject.toml --extra demo --extra test -o requirements/test.txt
	echo pip | $(UV_COMPILE) - -o requirements/pip.txt

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled translations are built here from locale/*/LC_MESSAGES/django.po.
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compile_translations

run: install messages
	DEBUG=1 DEMO=1 $(PY) manage.py migrate --noinput
	DEBUG=1 DEMO=1 $(PY) manage.py seed_demo
	DEBUG=1 DEMO=1 $(PY) manage.py runserver 127.0.0.1:8000

# Debian packages the tests need: PostgreSQL 15 server and Chromium for browser tests.
system-test-deps:
	@if [ ! -x $(PGBIN)/initdb ] || ! command -v chromium >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    $$( [ -x $(PGBIN)/initdb ] || echo postgresql-15 ) \
	    $$( command -v chromium >/dev/null || echo chromium ) >/dev/null; \
	fi

# The key is for the manage.py steps; pytest takes its own settings from tests/settings.py.
test: export SECRET_KEY = test-secret-key-not-for-production
test: install-test system-test-deps messages
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py collectstatic --noinput -v0
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH scripts/with-postgres \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

# Backs up the PostgreSQL database of DATABASE_URL (the owner's MIGRATE_DATABASE_URL when set)
# with pg_dump -Fc and a SHA-256 manifest into $(BACKUP_DIR); restores a dump into an empty
# database after checking it against its manifest: make restore DUMP=backups/ecrf-....dump
BACKUP_DIR ?= backups
backup:
	scripts/backup dump $(BACKUP_DIR)

restore:
	@test -n "$(DUMP)" || { echo "make restore DUMP=<file.dump>" >&2; exit 2; }
	scripts/backup restore $(DUMP)

# Seeds a throwaway PostgreSQL (5,000 patients, 100,000 forms), times the dataset export against
# psql \copy and writes bench/BENCHMARKS.md; then the CSV export alone at 20,000 patients.
# Options: make bench-export BENCH_ARGS="--repeat 5".
bench-export: install system-test-deps
	scripts/with-postgres $(PY) bench/export_benchmark.py $(BENCH_ARGS)
	scripts/with-postgres $(PY) bench/export_benchmark.py --patients 20000 --formats "" --append $(BENCH_ARGS)

# Seeds a throwaway PostgreSQL (5,000 patients) and times the pages against a trivial page;
# writes its section of bench/BENCHMARKS.md.
bench-pages: install system-test-deps
	scripts/with-postgres $(PY) bench/page_benchmark.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
