# desir-analysis — the two commands: `make report` and `make test`.
# Both create .venv when missing (Python >= 3.11 and pip only) and install the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
YEAR ?= 2023
ZONE ?= desir

.PHONY: report test lint lab format clean help

help:
	@echo "make report  build the processed tables and render every study into reports/$(YEAR)/"
	@echo "make test    run the whole test suite"
	@echo "make lab     open JupyterLab with the project's environment"
	@echo "make lint    ruff check"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/desir report --year $(YEAR) --zone $(ZONE)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests tools benchmarks notebooks

format: $(STAMP)
	$(BIN)/ruff format src tests tools benchmarks notebooks

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (desir)"
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf reports/[0-9]* reports/index.html data/processed/[0-9]* data/private
