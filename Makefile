# One name for each command in the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-postgres lint bench train validate

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install  ## install, then serve on http://127.0.0.1:8000 (offline engine, SQLite file)
	$(PY) -m app serve --host 127.0.0.1 --port 8000

test: install  ## install, then run the whole test suite (set PEER_TEST_DATABASE_URL for PostgreSQL)
	scripts/ensure-chromium.sh
	$(PY) -m pytest

test-postgres: install
	PEER_TEST_DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

lint: install
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy

validate: install
	$(PY) -m app validate

train: install
	$(PY) -m app train --rubric crss-core

bench: install
	$(PY) bench/grader.py
