# One name for each command in the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
LLM_PORT ?= 8088

# llama-cpp-python (the `llm` extra, for the local model the LLM tests use) is built from source.
# A native build picks up CPU features (AMX) some machines lack and dies with "Illegal instruction";
# these flags build for AVX2-era CPUs. pip caches the wheel, so later installs take seconds.
CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
export CMAKE_ARGS

.PHONY: install run test test-postgres lint bench train validate llm-local export-encoder

# The app alone (what `make run` needs), and the app with everything the tests use.
$(VENV)/.installed-app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-app
	$(PY) -m pip install --quiet -e '.[dev,llm]'
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed-app  ## install, then serve on http://127.0.0.1:8000 (offline engine, SQLite file)
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
	$(PY) -m app check-replies

train: install
	$(PY) -m app train --rubric crss-core
	$(PY) -m app train --rubric mi-consistency

export-encoder: install  ## fine-tune the float MiniLM weights on crss-core's replies and rebuild app/grading/models/ (needs PyTorch); then `make train`
	$(PY) -m pip install --quiet -e '.[export]'
	$(PY) scripts/export_encoder.py

bench: install  ## grader accuracy and speed, then the load checks (a class at once, streams at once) on SQLite
	$(PY) bench/grader.py
	$(PY) bench/grader.py bench/data/crss_checkset.jsonl
	$(PY) bench/grader.py bench/data/crss_heldout.jsonl
	$(PY) bench/human_style.py
	$(PY) bench/better_replies.py
	$(PY) bench/grader_speed.py
	$(PY) bench/load.py
	$(PY) bench/turn_latency.py
	$(PY) bench/learning_curve.py

llm-local: install  ## serve the bundled SmolLM2 model on http://127.0.0.1:$(LLM_PORT)/v1 (OpenAI-compatible)
	$(PY) scripts/llm_local.py --host 127.0.0.1 --port $(LLM_PORT)
