# Two commands matter: `make run` (the whole stack locally, with demo data) and `make test` (everything CI checks).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TENANT ?= demo
ROLES ?= admin

.PHONY: help install run test lint typecheck protos check-protos schema check-schema k8s-validate pytest token bench clean

help:
	@echo "make run     start NATS, the MongoDB stand-in, four services and the gateway with demo data"
	@echo "make test    lint, type-check, freshness checks, manifest validation and the whole test suite"
	@echo "make token TENANT=demo ROLES=admin   print a dev JWT"
	@echo "make protos / make schema            regenerate gen/ and gateway/schema.graphql"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[local,dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m scripts.dev

token: $(STAMP)
	@$(BIN)/python -m scripts.token --tenant "$(TENANT)" --roles "$(ROLES)"

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

check-protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

schema: $(STAMP)
	$(BIN)/python -m scripts.print_schema

check-schema: $(STAMP)
	$(BIN)/python -m scripts.print_schema --check

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

k8s-validate: $(STAMP)
	$(BIN)/python -m scripts.validate_k8s

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck check-protos check-schema k8s-validate pytest

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
