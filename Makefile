# Two commands do all set-up on a fresh machine:
#   make demo   - the whole quarterly run on the demo city, maps in maps/ (creates .venv if missing)
#   make test   - lint and the whole test suite (creates .venv if missing)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= runs/demo

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# reinstall whenever pyproject.toml changes
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed-run

demo: $(VENV)/.installed-run
	$(BIN)/trafficprev demo --out $(OUT) --maps maps

lint: $(VENV)/.installed-test
	$(BIN)/ruff check trafficprev tests benchmarks notebooks

test: lint
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	$(BIN)/python benchmarks/bench_intake.py
	$(BIN)/python benchmarks/bench_timeparse.py
	$(BIN)/python benchmarks/bench_narrative.py
	$(BIN)/python benchmarks/bench_democity.py
	$(BIN)/python benchmarks/bench_area.py
	$(BIN)/python benchmarks/bench_geocode.py
	$(BIN)/python benchmarks/bench_gistar.py
	$(BIN)/python benchmarks/bench_nkde.py
	$(BIN)/python benchmarks/bench_hotspots.py
	$(BIN)/python benchmarks/bench_rates.py
	$(BIN)/python benchmarks/bench_mannkendall.py
	$(BIN)/python benchmarks/bench_trends.py
	$(BIN)/python benchmarks/bench_sites.py
	$(BIN)/python benchmarks/bench_maps.py

clean:
	rm -rf runs .pytest_cache .ruff_cache
