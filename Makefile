# pan-kg: every target installs what it needs first (idempotent: re-installs only when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SOURCES ?= sources.toml
N ?= 10000
# The SHACL gate's engine for run / bench / schedule: shacl (compiled, ~20x faster) gives pySHACL's reports on
# the whole test corpus (tests/shapes/test_validation_engines.py); SHACL_ENGINE=pyshacl for the reference.
# `make test` leaves the code default (pySHACL) and pins the engine where a test compares them.
SHACL_ENGINE ?= shacl

# Prefect is used offline here: no telemetry, no analytics.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run serve test test-fast lint bench clean schedule

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: harvest the sources, map, validate and load what changed, then serve the SPARQL endpoint
# in the foreground (Ctrl-C stops it). Sources that fail are reported; what loaded is served anyway.
run: $(STAMP)
	$(BIN)/pankg harvest --sources $(SOURCES) --shacl-engine $(SHACL_ENGINE) || echo "make run: some sources failed (see above); serving what was loaded"
	$(BIN)/pankg serve

serve: $(STAMP)
	$(BIN)/pankg serve

# The whole suite: what CI runs. It refuses golden-file regeneration (tests/mappings/test_crosswalk_golden.py),
# so a regeneration run can never pass as a test run.
test: $(STAMP)
	@test -z "$$PANKG_REGEN_GOLDEN" || { echo "make test: unset PANKG_REGEN_GOLDEN (regenerate golden files with pytest, by hand)"; exit 2; }
	$(BIN)/python -m pytest

# The edit-test loop: no Prefect server, no fault-injection loops, no slow tests (markers in pyproject.toml).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not prefect_server and not faults and not slow" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run --records $(N) --shacl-engine $(SHACL_ENGINE) $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Register and serve the `nightly` and `reharvest` Prefect deployments (PREFECT_API_URL, or a local
# server it starts). Ctrl-C stops it.
schedule: $(STAMP)
	$(BIN)/pankg schedule --sources $(SOURCES) --shacl-engine $(SHACL_ENGINE)
