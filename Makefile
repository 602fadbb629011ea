# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# gunicorn reads WEB_CONCURRENCY for its worker count; 2 suits these 2-core machines (docs/deployment.md).
export WEB_CONCURRENCY ?= 2
# prometheus-client's multiprocess mode for `make run`: gunicorn's workers and the worker write their counters here
# and /metrics adds them up; emptied at each start (docs/deployment.md).
METRICS_DIR ?= $(or $(MODERATION_INSTANCE_PATH),$(CURDIR)/instance)/metrics

.PHONY: run serve test clean

$(VENV)/installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/installed-dev: requirements-dev.txt $(VENV)/installed
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# Test-only JavaScript (axe-core for the accessibility checks), from package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

## run: install, migrate, train the base version on first start, add the demo story, sweep stranded comments,
## then serve with gunicorn on http://$(HOST):$(PORT) and run one background worker beside it; when either
## stops (Ctrl-C, a crash), the other is stopped too.
run: $(VENV)/installed
	$(FLASK) db upgrade
	$(FLASK) bootstrap
	$(FLASK) sweep
	rm -rf "$(METRICS_DIR)" && mkdir -p "$(METRICS_DIR)"
	@PROMETHEUS_MULTIPROC_DIR="$(METRICS_DIR)" bash -c 'set -m; \
	  $(VENV)/bin/gunicorn --bind $(HOST):$(PORT) wsgi:app & web=$$!; \
	  $(FLASK) worker & worker=$$!; \
	  trap "kill -TERM $$web $$worker 2>/dev/null" INT TERM; \
	  wait -n; kill -TERM $$web $$worker 2>/dev/null; wait; exit 0'

## serve: the same as run (kept for old habits)
serve: run

# pytest-xdist workers for `make test`: one per core of these 2-core machines (README, Tests); each has its own
# database and Redis index. TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

## test: the whole suite (SQLite, or TEST_DATABASE_URL when set), in TEST_WORKERS parallel processes
test: $(VENV)/installed-dev node_modules/.installed
	$(PY) -m pytest -q -n $(TEST_WORKERS)

clean:
	rm -rf $(VENV) .pytest_cache
