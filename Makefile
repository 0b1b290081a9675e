# Sister City Campaign — developer commands. `make run` and `make test` are all a new clone needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHON

HOST ?= 127.0.0.1
PORT ?= 8000
# make test / make bench talk to the machine's real services unless told otherwise.
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium
# make bench creates (once) and reuses its own database; the page cache uses this Redis db.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/sistercity_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
# The outreach part of make bench: a database dropped and created on every run, a Redis db
# emptied before each of its passes (broker and cache of its Celery worker).
BENCH_OUTREACH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/sistercity_bench_outreach
BENCH_OUTREACH_REDIS_URL ?= redis://127.0.0.1:6379/13
# Compiled translations are built from the .po files by `make messages`, never committed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
# What makemessages leaves out: the virtualenv, collected/cached files, tests and benchmarks.
MAKEMESSAGES_IGNORE := --ignore='.venv/*' --ignore='staticfiles/*' --ignore='.cache/*' \
	--ignore='docs/*' --ignore='tests/*' --ignore='bench/*'

.PHONY: help install install-test run test lint audit bench chromium wrk services clean \
	gettext messages messages-update axe screenshots

help:
	@echo "make run    - install, migrate, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install test tools and run the whole suite on PostgreSQL + Redis + Chromium"
	@echo "make lint   - ruff (with its security rules) and pip-audit (needs PyPI)"
	@echo "make bench  - load-test the public pages against a bare-Django floor (report in bench/results/)"
	@echo "make messages        - compile the translations (locale/*/LC_MESSAGES/*.mo)"
	@echo "make messages-update - collect new strings into locale/ko/LC_MESSAGES/django.po"
	@echo "make screenshots     - PNGs of the main pages at phone and desktop widths in docs/screenshots/"

$(PY):
	@python=$$(scripts/find-python.sh) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[bench]"
	@touch $@

run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the browser tests (apt-get)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk \
		|| { echo "error: could not install chromium; install it with apt-get (needs root)." >&2; exit 1; }; \
	fi

wrk:
	@if ! command -v wrk >/dev/null; then \
		echo "Installing Debian's wrk for the benchmark (apt-get)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk \
		|| { echo "error: could not install wrk; install it with apt-get (needs root)." >&2; exit 1; }; \
	fi

services: install-test
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) scripts/check_services.py

test: install-test chromium services messages axe
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	CELERY_TASK_ALWAYS_EAGER=true DJANGO_ALLOW_ASYNC_UNSAFE=true CHROMIUM=$(CHROMIUM) \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check . || true
	@$(MAKE) --no-print-directory audit

# pip-audit looks every installed package up in PyPI's vulnerability data. --strict: a package
# it could not look up (PyPI unreachable) fails the audit instead of passing unchecked.
audit: install-test
	@$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off || { \
		echo "error: pip-audit failed: either a package above has a known vulnerability, or" \
			"PyPI's vulnerability data could not be reached (\"could not be audited\") and" \
			"nothing was checked." >&2; \
		exit 1; }

bench: install $(VENV)/.installed-bench wrk messages
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) \
	BENCH_OUTREACH_DATABASE_URL=$(BENCH_OUTREACH_DATABASE_URL) \
	BENCH_OUTREACH_REDIS_URL=$(BENCH_OUTREACH_REDIS_URL) $(PY) bench/run.py $(BENCH_ARGS)

gettext:
	@if ! command -v msgfmt >/dev/null; then \
		echo "Installing Debian's gettext for the translations (apt-get)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext \
		|| { echo "error: could not install gettext; install it with apt-get (needs root)." >&2; exit 1; }; \
	fi

messages: $(MO_FILES)

%.mo: %.po | gettext
	msgfmt --check -o $@ $<

messages-update: install gettext
	$(PY) manage.py makemessages -l ko --no-obsolete --add-location=file $(MAKEMESSAGES_IGNORE)

# axe-core for the accessibility tests: pinned version, checked against the npm registry's
# SHA-512 integrity, kept in .cache/axe/ (see scripts/fetch_axe.py).
axe: install
	$(PY) scripts/fetch_axe.py

screenshots: install-test chromium messages
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
