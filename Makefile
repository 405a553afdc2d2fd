# The two commands: `make run` and `make test`. Each creates .venv from pyproject.toml when missing.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test hub bench screenshots constraints mutate clean

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

bench: $(STAMP)
	for b in bench/*.py; do $(VENV)/bin/python $$b || exit 1; done

screenshots: $(STAMP)
	$(VENV)/bin/python -m kiosk.ui.screenshots --out screenshots

# the exact versions deploy/install.sh installs on a kiosk (aarch64 wheels; needs the package index)
constraints: $(STAMP)
	$(VENV)/bin/python deploy/pin_versions.py

# mutation testing ([tool.mutmut] in pyproject.toml): which rules no test guards; `mutmut results` lists them
mutate: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet "mutmut>=3.3,<4"
	SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy $(VENV)/bin/mutmut run $(MUTATE_ARGS)
	$(VENV)/bin/mutmut results

clean:
	rm -rf $(VENV) data hub-data screenshots .pytest_cache mutants
