# Every target creates the virtual environment it needs; `make demo` and `make test`
# work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint format services clean

$(INSTALLED): pyproject.toml requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

demo: $(INSTALLED)
	$(BIN)/ims-refresh demo

test: lint
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Starts the local MariaDB and PostgreSQL if they are down (CI calls this first).
services:
	./scripts/ensure-services.sh

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache cdk.out
