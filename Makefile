# hotel-agent: two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve migrate seed test test-fast lint format bench clean

help:
	@echo "make run    install, migrate, seed the demo hotel and serve on http://$(HOST):$(PORT)"
	@echo "make test   the whole test suite (uses PostgreSQL and Redis on loopback)"
	@echo "make lint   ruff + mypy;  make bench   benchmarks"

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen

run: install migrate seed
	$(UV) run hotel-agent serve --host $(HOST) --port $(PORT)

migrate: install
	$(UV) run hotel-agent migrate

seed: install
	$(UV) run hotel-agent seed

test: install
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	$(UV) run python benchmarks/run_all.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
