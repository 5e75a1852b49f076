# One-command set-up: `make run` serves the bot, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
INDEX ?= var/index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run ingest serve test browsers lint bench bench-perf bench-soak bench-scale clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned: it resolves to the local CPU wheel; unpinned it drags in CUDA.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(STAMP)

# Chromium comes from Debian: Playwright cannot download its own browser here.
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

ingest: $(STAMP)
	$(VENV)/bin/govqa ingest --index $(INDEX)

run: $(STAMP) ingest
	$(VENV)/bin/govqa serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: $(STAMP) browsers
	$(PY) -m pytest

# ruff, mypy, and the import contracts in pyproject.toml (layers, no cycles).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

bench: $(STAMP) ingest
	$(VENV)/bin/govqa bench bench/questions/sample.jsonl --index $(INDEX) --out var/bench/sample --compare

# wrk (Debian) is the HTTP load generator: a separate C process, so it barely steals CPU.
# AGAINST=REF also times the engine of commit REF, question by question in turn with this one.
bench-perf: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m loadtest.perf --out var/bench/perf $(if $(AGAINST),--against $(AGAINST))

# Ten minutes of steady load with follow-ups on 2 workers, then 30 s each of steady load,
# PostgreSQL stalled, Redis stalled and recovered (both must be running on 127.0.0.1); exits 1
# on any 5xx or error, RSS creep, or a question-log row neither written nor counted as dropped.
bench-soak: $(STAMP) ingest
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m loadtest.soak --index $(INDEX) --out var/bench/soak

# 1 replica on in-memory state, then 2 sharing Redis + PostgreSQL (both must be running on
# 127.0.0.1); 30 s of load each, 2 workers per replica; exits 1 on any error.
bench-scale: $(STAMP) ingest
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m loadtest.scale --index $(INDEX) --out var/bench/scale
	$(PY) -m loadtest.answer_cache --index $(INDEX) --out var/bench/answer-cache

clean:
	rm -rf $(VENV) var build *.egg-info
