# Two commands do all set-up on a fresh machine:
#   make demo   - the whole quarterly run on the demo city, maps in maps/ (creates .venv if missing)
#   make test   - lint and the whole test suite (creates .venv if missing)
# and a third opens the notebooks:
#   make lab    - JupyterLab on notebooks/, the .py notebooks opening as notebooks
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= runs/demo

.PHONY: demo test lint lab bench bench-quick clean

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
	$(BIN)/ruff format --check trafficprev tests benchmarks notebooks

# the suite runs on every core (pytest-xdist) with one worker more than there are cores: part
# of it waits on other processes (headless Chromium, JupyterLab, the CLI runs it starts, kill
# -9), and the extra worker keeps the cores busy meanwhile; more workers than that make the
# CPU-bound rest slower (processes crowding two cores; 2-core machine, 2026-12-08, the same
# tree: 261-290 s with 4 workers, 232 s with 3, 231 s with 2). A test file's tests run on one
# worker (its module fixtures built once); tests/conftest.py orders the slowest files first
# (kept in that order: --no-loadscope-reorder) and builds the shared finished demo run once
# for all workers
CORES        := $(shell nproc 2>/dev/null || echo 2)
TEST_WORKERS ?= $(shell echo $$(($(CORES) + 1)))
PYTEST_ARGS  ?= -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Bytecode is written and kept even where the machine sets PYTHONDONTWRITEBYTECODE: the suite
# starts dozens of Python processes (the workers, command-line runs, notebook kernels, the
# kill -9 children), and each would compile trafficprev and rewrite the test modules again
test: export PYTHONDONTWRITEBYTECODE :=
test: lint
	$(BIN)/python -m compileall -q trafficprev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark, in the order RESULTS.md reports them. `make bench` is the measurement (about
# 30 minutes on 2 cores, the 1,000,000-determination run included); `make bench-quick` runs each
# one small, as a smoke test, in one Python process per core (benchmarks/quick.py --jobs: one
# OK line per bench, exit status 1 on a failure; CI runs it; its figures are not measurements).
BENCHES := intake timeparse narrative democity area phrases geocode gistar nkde hotspots clusters rates \
           mannkendall trends sites maps run precision groups

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	touch $@

bench: $(VENV)/.installed-bench
	set -e; for b in $(BENCHES); do \
	  echo "== benchmarks/bench_$$b.py"; $(BIN)/python benchmarks/bench_$$b.py; done

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/quick.py --quick --jobs $(CORES) $(BENCHES)

# JupyterLab on the notebooks: the `notebook` extra (JupyterLab, jupytext) into .venv; the
# jupytext .py notebooks open as notebooks (notebooks/lab-settings/overrides.json makes
# jupytext's notebook view the default viewer for Python files, for this JupyterLab only:
# nothing is written into the user's Jupyter settings); nothing is fetched from the internet
# (no news feed, no update check, no extension manager). LAB_ARGS adds options, e.g.
# LAB_ARGS=--no-browser on a server.
LAB_ARGS ?=
LAB_OFFLINE := --LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	--LabApp.extension_manager=readonly

$(VENV)/.installed-notebook: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install -q -e ".[notebook]"
	touch $@

lab: $(VENV)/.installed-notebook
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/notebooks" \
	  --LabApp.app_settings_dir="$(CURDIR)/notebooks/lab-settings" $(LAB_OFFLINE) $(LAB_ARGS)

clean:
	rm -rf runs .pytest_cache .ruff_cache
