# pypins: `make serve` runs the service (ARGS="--port 9000" passes flags), `make test`
# runs every check.
# Both bootstrap .venv by themselves on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What serving needs and nothing more (no test or lint tools).
SERVE_STAMP := $(VENV)/.installed-serve

.PHONY: serve test lint typecheck unit system-deps fonts bench bench-serving bench-servers bench-memory clean

$(SERVE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: fonts $(SERVE_STAMP)
	$(BIN)/pypins serve $(ARGS)

system-deps:
	sh scripts/system-deps.sh

# The fonts PNG badges are drawn with (DejaVu Sans, Noto Sans CJK), when we may install them.
fonts:
	sh scripts/system-deps.sh fonts

lint: $(STAMP)
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(BIN)/pytest

test: system-deps lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/render.py

# The HTTP benchmarks against nginx (wrk and nginx come from system-deps).
bench-serving: system-deps
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/serving.py

bench-servers: system-deps
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/servers.py --variants

bench-memory: $(STAMP)
	$(BIN)/python bench/memory.py

clean:
	rm -rf $(VENV) .coverage .coverage.* .mypy_cache .ruff_cache .pytest_cache
