# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi

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

## run: install, migrate, train the base version on first start, add the demo story, sweep stranded comments, serve on :5000
run: $(VENV)/installed
	$(FLASK) db upgrade
	$(FLASK) bootstrap
	$(FLASK) sweep
	$(FLASK) run --host 127.0.0.1 --port 5000

## serve: the same with gunicorn, as in production
serve: $(VENV)/installed
	$(FLASK) db upgrade
	$(FLASK) bootstrap
	$(FLASK) sweep
	$(VENV)/bin/gunicorn --workers 2 --bind 127.0.0.1:8000 wsgi:app

## test: the whole suite (SQLite, or TEST_DATABASE_URL when set)
test: $(VENV)/installed-dev node_modules/.installed
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
