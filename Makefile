# make run  — set up, create the SQLite demo database, serve on http://127.0.0.1:5000 with the scheduler
# make test — set up and run the whole suite on SQLite, then on PostgreSQL
# make lock — refresh requirements-lock.txt after editing requirements*.txt (UPGRADE=1 also moves unpinned ones)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements-lock.txt
PG_URL ?= postgresql+psycopg://root@127.0.0.1:5432/postgres
PIP_TOOLS := pip-tools==7.6.2
PORT ?= 5000
# Test processes (pytest-xdist): each has its own databases, so the suite spreads over the machine's cores.
WORKERS ?= 2
# The tests start many Python processes (two test workers, gunicorn servers, schedulers, commands), each importing
# the checkout's modules; pytest also rewrites the test modules and its plugins' packages. Their compiled bytecode
# is kept under .venv/pycache, also where PYTHONDONTWRITEBYTECODE is set, so a second run compiles nothing (about
# 10 s of CPU per test process otherwise). Nothing is written into the source tree.
PYTEST := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache $(BIN)/pytest

.PHONY: setup system-deps run test test-sqlite test-postgres lint lock bench clean

setup: system-deps $(VENV)/.installed
	@VENV=$(VENV) scripts/build-frontend.sh

system-deps:
	@scripts/install-system-deps.sh

# Exactly the lock: every package, transitive ones too, pinned and checked against its hash; then the `hotline`
# command (this checkout, editable) on top without touching the pins.
$(VENV)/.installed: $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --disable-pip-version-check $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND="make lock" .venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) --output-file $(LOCK) requirements-dev.txt

instance/hotline.db:
	$(BIN)/hotline seed-demo

run: setup instance/hotline.db
	$(BIN)/hotline init-db
	@$(BIN)/python -c "from engine.demo import content as d; print('演示账号（密码 ' + d.DEMO_PASSWORD + '）：'); [print('  %-18s %s' % (u['username'], d.ROLES[u['role']])) for u in d.DEMO_USERS]"
	HOTLINE_SCHEDULER=1 $(BIN)/hotline run --host 127.0.0.1 --port $(PORT)

lint: setup
	$(BIN)/ruff check .

test-sqlite: setup
	$(PYTEST) -q -p no:cacheprovider -n $(WORKERS) --dist loadfile --durations=15

test-postgres: setup
	@scripts/ensure-postgres.sh
	HOTLINE_TEST_DATABASE_URL=$(PG_URL) $(PYTEST) -q -p no:cacheprovider -n $(WORKERS) --dist loadfile --durations=15

test: lint test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/monitor.py
	$(BIN)/python bench/documents.py

clean:
	rm -rf $(VENV) .venv-lock instance
