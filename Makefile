# The two commands: `make run` and `make test`. Each creates .venv from pyproject.toml when missing.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test hub bench bench-quick bench-compare bench-deps long long-fleet long-soak long-kill long-unplug long-sync long-fuzz long-powercut screenshots constraints mutate clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "room kiosk needs Python 3.11 or newer: install python3 (3.11+) and python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[ui,hub,test]'
	touch $(STAMP)

# exit code 2 means the kiosk already said what is wrong (no display, a config mistake): no make error on top
run: $(STAMP)
	@$(VENV)/bin/kiosk run --windowed --simulate-button --data ./data; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ] || exit $$rc

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

hub: $(STAMP)
	$(VENV)/bin/kiosk hub serve --data ./hub-data

# every bench in bench/, one table, bench/results/<date>.json and .png (bench/README.md); BENCH_ARGS=--quick for minutes
BENCH_ARGS ?=
bench-deps: $(STAMP)
	@$(VENV)/bin/python -c 'import matplotlib, mfusepy' 2>/dev/null || $(VENV)/bin/python -m pip install --quiet -e '.[bench]'

bench: bench-deps
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

bench-quick: bench-deps
	$(VENV)/bin/python bench/run.py --quick $(BENCH_ARGS)

# make bench-compare A=bench/results/X.json B=bench/results/Y.json (or: make bench-compare X.json Y.json)
bench-compare:
	@a="$(or $(A),$(word 2,$(MAKECMDGOALS)))"; b="$(or $(B),$(word 3,$(MAKECMDGOALS)))"; \
	test -n "$$a" -a -n "$$b" || { echo "usage: make bench-compare A=bench/results/OLD.json B=bench/results/NEW.json"; exit 2; }; \
	$(VENV)/bin/python bench/run.py --compare "$$a" "$$b"
ifeq (bench-compare,$(firstword $(MAKECMDGOALS)))
%.json:
	@:
endif

# the long reliability runs (bench/README.md, "Long runs"): each ends with one VERDICT line; LONG_ARGS=--short here
LONG_ARGS ?=
long-kill: $(STAMP)
	$(VENV)/bin/python bench/long/kill.py $(LONG_ARGS)

long-unplug: $(STAMP)
	$(VENV)/bin/python bench/long/unplug.py $(LONG_ARGS)

long-sync: $(STAMP)
	$(VENV)/bin/python bench/long/sync_faults.py $(LONG_ARGS)

long-fuzz: $(STAMP)
	$(VENV)/bin/python bench/long/fuzz.py $(LONG_ARGS)

long-powercut: bench-deps
	$(VENV)/bin/python bench/long/powercut.py $(LONG_ARGS)

long-fleet: $(STAMP)
	$(VENV)/bin/python bench/long/fleet.py $(LONG_ARGS)

long-soak: $(STAMP)
	$(VENV)/bin/python bench/long/holding_soak.py $(LONG_ARGS)

long: long-kill long-unplug long-sync long-fuzz long-powercut long-fleet long-soak

screenshots: $(STAMP)
	$(VENV)/bin/python -m kiosk.ui.screenshots --out screenshots

# the exact versions deploy/install.sh installs on a kiosk (aarch64 wheels; needs the package index)
constraints: $(STAMP)
	$(VENV)/bin/python deploy/pin_versions.py

# mutation testing ([tool.mutmut] in pyproject.toml): which rules no test guards; `mutmut results` lists them
mutate: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet "mutmut>=3.8,<4"
	SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy $(VENV)/bin/mutmut run $(MUTATE_ARGS)
	$(VENV)/bin/mutmut results

clean:
	rm -rf $(VENV) data hub-data screenshots .pytest_cache mutants
