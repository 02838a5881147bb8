# Provcat: `make run` serves a demo catalogue, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings read them too: links, minted URIs and the demo's downloads name this address
# unless PROVCAT_BASE_URI says otherwise.
export HOST PORT

.PHONY: run test lint install install-dev worker browser-deps clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install-dev
	$(PY) manage.py database_create
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# Runs on PostgreSQL when DATABASE_URL is set, else on SQLite. pytest exits non-zero
# when a test fails and also when no test ran, so neither can pass unnoticed.
# makemigrations checks the history of DATABASE_URL's database: make it first when missing
# (as `make run` does), or the check warns that it could not connect.
test: install-dev browser-deps
	$(VENV)/bin/ruff check .
	$(PY) manage.py database_create
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium; Playwright never downloads a browser.
# axe-core (the accessibility checks of the browser tests) comes from npm, pinned.
AXE_CORE_VERSION ?= 4.10.3
browser-deps:
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	test -f node_modules/axe-core/axe.min.js || npm install --no-save --no-audit --no-fund --silent axe-core@$(AXE_CORE_VERSION)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

worker: install-dev
	$(VENV)/bin/celery -A config worker -B --loglevel=info

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
