# The README's commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test prod lint fmt bench-intake bench-sweep bench-fanout bench-bookings bench-dashboards clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## run: the whole app on the embedded default (SQLite, in-memory layer), demo data and logins printed
run: $(STAMP)
	$(BIN)/python manage.py serve

## test: the whole suite (Postgres + Redis when DATABASE_URL/REDIS_URL are set, else embedded)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## prod: the production shape locally: gunicorn (HTTP), uvicorn (websockets), Celery worker + beat
prod: $(STAMP)
	bin/prod

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var .pytest_cache
