# The README's commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test prod lint fmt bench-intake bench-sweep bench-fanout bench-bookings bench-dashboards bench-search bench-offline clean e2e fuzz fuzz-long fuzz-outside faults soak failover

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

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Proof (README "Proof: browser journeys, fuzzing, faults, soak"). faults and soak need Postgres:
## DATABASE_URL=postgres://... make faults
e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e -v $(PYTEST_ARGS)

fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/fuzz -q $(PYTEST_ARGS)

fuzz-long: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} FUZZ_RANDOM=1 $(BIN)/python -m pytest tests/fuzz -q $(PYTEST_ARGS)

## fuzz-outside: schemathesis --checks all over TCP against gunicorn + uvicorn (production mode), every role;
## needs PostgreSQL: DATABASE_URL=postgres://... make fuzz-outside
fuzz-outside: $(STAMP)
	FUZZ_OUTSIDE_EXAMPLES=$${FUZZ_OUTSIDE_EXAMPLES:-25} FUZZ_OUTSIDE_PHASES=$${FUZZ_OUTSIDE_PHASES:-examples,coverage,fuzzing,stateful} \
	  $(BIN)/python -m pytest tests/fuzz/test_outside.py -v $(PYTEST_ARGS)

faults: $(STAMP)
	$(BIN)/python -m pytest tests/faults -v -s -rxs $(PYTEST_ARGS)

soak: $(STAMP)
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

## failover: two PostgreSQL nodes under Patroni + etcd, Redis + Sentinel, bin/prod on them; kills each
## primary under load and prints the figures (README "Two sites"). FAILOVER_ARGS=--async for async replication
failover: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/failover.py $(FAILOVER_ARGS)

## Benchmarks (bench/README.md): each starts its own servers against PostgreSQL + Redis and prints its figures
bench-intake: $(STAMP)
	$(BIN)/python bench/ticket_intake.py $(BENCH_ARGS)

bench-sweep: $(STAMP)
	$(BIN)/python bench/escalation_sweep.py $(BENCH_ARGS)

bench-fanout: $(STAMP)
	$(BIN)/python bench/ws_fanout.py $(BENCH_ARGS)

bench-bookings: $(STAMP)
	$(BIN)/python bench/bookings.py $(BENCH_ARGS)

bench-dashboards: $(STAMP)
	$(BIN)/python bench/dashboards.py $(BENCH_ARGS)

bench-search: $(STAMP)
	$(BIN)/python bench/ticket_search.py $(BENCH_ARGS)

bench-offline: $(STAMP)
	$(BIN)/python bench/offline_sync.py $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache
