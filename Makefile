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

.PHONY: help install install-test run test lint bench chromium wrk services clean

help:
	@echo "make run    - install, migrate, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install test tools and run the whole suite on PostgreSQL + Redis + Chromium"
	@echo "make lint   - ruff"
	@echo "make bench  - load-test the public pages against a bare-Django floor (report in bench/results/)"

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

run: install
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

test: install-test chromium services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	CELERY_TASK_ALWAYS_EAGER=true DJANGO_ALLOW_ASYNC_UNSAFE=true CHROMIUM=$(CHROMIUM) \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check . || true

bench: install wrk
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
