# Two commands that work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_BENEFICIARIES ?= 100000

.PHONY: demo test lint typecheck contracts unit install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The local OpenID provider the Pro Santé Connect tests run (node and npm).
OIDC_DIR   := tests/identity/oidc_provider
OIDC_STAMP := $(OIDC_DIR)/node_modules/.installed

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	npm ci --no-audit --no-fund --prefix $(OIDC_DIR)
	touch $(OIDC_STAMP)

# axe-core for the portal's accessibility checks (injected into pages by the browser tests).
AXE_DIR   := tests/portal/axe
AXE_STAMP := $(AXE_DIR)/node_modules/.installed

$(AXE_STAMP): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	npm ci --no-audit --no-fund --prefix $(AXE_DIR)
	touch $(AXE_STAMP)

install: $(STAMP) $(OIDC_STAMP) $(AXE_STAMP)

## make demo: install, seed a synthetic France into the embedded SQLite file (once), create
## the demo personas (development only), serve. Open http://localhost:8000 (passkeys need it).
demo: $(STAMP)
	REMPART_ENV=development $(BIN)/rempart keys init --if-missing
	REMPART_ENV=development $(BIN)/rempart db upgrade
	@if [ "$$(REMPART_ENV=development $(BIN)/rempart stats --json | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["beneficiaries"])')" = "0" ]; then \
		REMPART_ENV=development $(BIN)/rempart demo seed --beneficiaries $(DEMO_BENEFICIARIES) --seed 1; \
	fi
	REMPART_ENV=development $(BIN)/rempart demo personas
	REMPART_ENV=development $(BIN)/rempart serve --host 127.0.0.1 --port 8000

## make test: install, lint, type-check, check import contracts, run the whole suite.
test: $(STAMP) lint typecheck contracts unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy benchmarks

contracts: $(STAMP)
	$(BIN)/lint-imports

# The browser tests drive the system Chromium (/usr/bin/chromium, installed by .ci/run from
# Debian's packages; never a downloaded browser build, never `playwright install`).
unit: $(STAMP) $(OIDC_STAMP) $(AXE_STAMP)
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/import_rights.py --quick
	$(BIN)/python benchmarks/rights_check.py --quick
	$(BIN)/python benchmarks/audit_log.py --quick
	$(BIN)/python benchmarks/invoices.py --quick
	$(BIN)/python benchmarks/payment_run.py --quick
	$(BIN)/python benchmarks/shield_detection.py --quick
	@if [ -n "$$REMPART_TEST_DATABASE_URL" ]; then \
		$(BIN)/python benchmarks/audit_scoping.py --quick && \
		$(BIN)/python benchmarks/incident_scoping.py --quick; \
	else echo "audit_scoping, incident_scoping: they need PostgreSQL (REMPART_TEST_DATABASE_URL)"; fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(OIDC_DIR)/node_modules \
		$(AXE_DIR)/node_modules test-artifacts
