# make run  — set up, create the SQLite demo database, serve on http://127.0.0.1:5000 with the scheduler
# make test — set up and run the whole suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://root@127.0.0.1:5432/postgres
export FLASK_APP := web

.PHONY: setup system-deps run test test-sqlite test-postgres lint bench clean

setup: system-deps $(VENV)/.installed
	@scripts/build-frontend.sh

system-deps:
	@scripts/install-system-deps.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

instance/hotline.db:
	$(BIN)/flask seed-demo

run: setup instance/hotline.db
	$(BIN)/flask init-db
	@$(BIN)/python -c "from engine.demo import content as d; print('演示账号（密码 ' + d.DEMO_PASSWORD + '）：'); [print('  %-18s %s' % (u['username'], d.ROLES[u['role']])) for u in d.DEMO_USERS]"
	HOTLINE_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

lint: setup
	$(BIN)/ruff check .

test-sqlite: setup
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: setup
	@scripts/ensure-postgres.sh
	HOTLINE_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider

test: lint test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/monitor.py
	$(BIN)/python bench/documents.py

clean:
	rm -rf $(VENV) instance
