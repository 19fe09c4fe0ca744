# The two commands: `make run` (the whole service with demo data) and `make test` (the suite).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-bootstrap.lock | cksum | cut -d' ' -f1)
EMBEDDED := $(BIN)/python -m posthog_api.embedded --
PYTEST_ARGS ?=
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint format typecheck schema schema-check migrate worker lock bench fuzz

$(STAMP): requirements.lock requirements-bootstrap.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements-bootstrap.lock
	@$(BIN)/uv pip sync -q --python $(BIN)/python --require-hashes requirements.lock
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-true} $(EMBEDDED) $(BIN)/python -m posthog_api.devserver

test: install
	TESTING=1 $(EMBEDDED) $(BIN)/pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TESTING=1 $(BIN)/mypy .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	TESTING=1 $(BIN)/mypy .

schema: install
	TESTING=1 $(BIN)/python manage.py spectacular --file openapi.yaml --validate --fail-on-warn

schema-check: install
	TESTING=1 $(BIN)/python manage.py spectacular --file .schema-check.yaml --validate --fail-on-warn
	@diff -q openapi.yaml .schema-check.yaml >/dev/null || { echo "openapi.yaml is stale: run 'make schema'"; rm -f .schema-check.yaml; exit 1; }
	@rm -f .schema-check.yaml; echo "openapi.yaml is current"

migrate: install
	$(EMBEDDED) $(BIN)/python manage.py migrate

worker: install
	$(BIN)/celery -A posthog_api worker -Q default,insights_refresh --without-gossip --without-mingle --without-heartbeat -l info

lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

bench: install
	# Benchmarks send hundreds of requests per second on purpose: lift the per-key throttles.
	TESTING=1 THROTTLE_BURST_RATE=100000000/minute THROTTLE_SUSTAINED_RATE=1000000000/hour \
		$(EMBEDDED) $(BIN)/python -m bench $(BENCH_ARGS)

fuzz: install
	# schemathesis over every operation against a live server on a loopback port (fuzz/__main__.py).
	TESTING=1 $(EMBEDDED) $(BIN)/python -m fuzz $(FUZZ_ARGS)
