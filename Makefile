# Competentiematch: `make run` sets everything up and serves; `make test` runs the test suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export CMATCH_DATA ?= $(abspath ../shared/data)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test venv model base-model store index demo browser postgres clean help

help:
	@echo "make run    - installeren (.venv), taxonomie-opslag bouwen en serveren op $(HOST):$(PORT); model en indexen op de achtergrond"
	@echo "make test   - installeren en de tests draaien"
	@echo "make setup  - alles bouwen (model, opslag, indexen, demo) zonder te serveren"

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

venv: $(STAMP)

model: venv
	$(BIN)/cmatch model build

store: venv
	$(BIN)/cmatch index build --store-only

index: venv
	$(BIN)/cmatch index build

# Synthetic demo vacancies/portfolios (clearly marked synthetic), once; CMATCH_DEMO=0 skips them.
CMATCH_DEMO ?= 1
demo: store
	@if [ "$(CMATCH_DEMO)" = "1" ] && [ ! -f var/demo/.loaded ]; then \
		$(BIN)/cmatch demo generate && $(BIN)/cmatch match prepare && touch var/demo/.loaded; fi

setup: index demo

# Serves as soon as the taxonomy store exists (lexical search and extraction); `cmatch serve`
# builds what is missing (fine-tune, indexes, adapter) in the background and switches to it.
# The demo set (~3 min) loads beside it on a first run (log: var/demo/load.log); the serving
# stage sees it from the switch to the full stage on.
run: store
	@if [ "$(CMATCH_DEMO)" = "1" ] && [ ! -f var/demo/.loaded ]; then mkdir -p var/demo; \
		( $(BIN)/cmatch demo generate && $(BIN)/cmatch match prepare && touch var/demo/.loaded ) > var/demo/load.log 2>&1 & fi
	CMATCH_DEV=$${CMATCH_DEV:-1} $(BIN)/cmatch serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (no browser download from the internet).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Local PostgreSQL on 127.0.0.1 for the store tests (apt install, start, role/db cmatch); instant when running.
# Outside CI a failure only warns (the PostgreSQL tests then skip); with CI=true it stops `make test`.
postgres:
	@.ci/postgres.sh || { [ "$$CI" != "true" ] && echo "postgres: niet gestart; de PostgreSQL-tests worden overgeslagen (in CI een fout)" >&2; }

# The tests use the bundled base model only (no fine-tune needed).
base-model: venv
	$(BIN)/cmatch model build --base

test: venv base-model browser postgres
	$(BIN)/python -m pytest -q

clean:
	rm -rf var .pytest_cache
