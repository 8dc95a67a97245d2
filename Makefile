# hotel-agent: two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve migrate seed import-templates test test-fast lint format bench load-test clean eval-blind eval-dev dev-known-failures monitoring-tools browser-tools \
	deploy health canary-deploy canary-diff canary-promote rollback deploy-down backup restore

help:
	@echo "make run    install, migrate, seed the demo hotel and serve on http://$(HOST):$(PORT)"
	@echo "make test   the whole test suite (uses PostgreSQL and Redis on loopback)"
	@echo "make lint   ruff + mypy + import layers;  make bench   benchmarks"
	@echo "make load-test SCENARIO=normal|peak|spike|soak [DURATION=5m] [HOST=url] [PMS=qloapps] [CHANNEL=rest]"

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen

run: install migrate seed import-templates
	$(UV) run hotel-agent serve --host $(HOST) --port $(PORT)

migrate: install
	$(UV) run hotel-agent migrate

seed: install
	$(UV) run hotel-agent seed

# The YAML reply catalog into the database; never overwrites an operator's edit (prints conflicts).
import-templates: install
	$(UV) run hotel-agent templates import

# promtool/amtool and the real Prometheus + Alertmanager the monitoring tests run (Debian packages).
MONITORING_TOOLS := promtool prometheus amtool prometheus-alertmanager
monitoring-tools:
	@missing=""; for tool in $(MONITORING_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's prometheus and prometheus-alertmanager (missing:$$missing)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null \
	    || echo "could not install them: the monitoring tests skip (and fail under CI=true)"; \
	fi

# The admin panel's browser tests: Debian's Chromium + chromedriver, and axe-core from npm (tests/e2e's lock file).
BROWSER_TOOLS := chromium chromedriver node npm
browser-tools:
	@missing=""; for tool in $(BROWSER_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's chromium, chromium-driver, nodejs and npm (missing:$$missing)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver nodejs npm >/dev/null \
	    || echo "could not install them: the browser tests skip (and fail under CI=true)"; \
	fi
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >/dev/null; fi

# Line coverage of the template package is a success criterion of the plan: below 95% fails the run.
test: install monitoring-tools browser-tools
	$(UV) run pytest --cov=hotel_agent.message_templates --cov-report=term-missing:skip-covered --cov-fail-under=95

# The blind conversation set (tests/conversations/blind): numbers only, so its failures stay unread
# while the dialogue is being worked on. Not part of `make test`.
eval-blind: install
	$(UV) run hotel-agent test conversations tests/conversations/blind --quiet || true

# The development conversation set with every failure's first divergence (also run by `make test`).
eval-dev: install
	$(UV) run hotel-agent test conversations tests/conversations/dev

# Rewrites tests/conversations/dev/known_failures.txt with the dev conversations that fail now (the list
# make test asserts exactly). Run it after a dialogue change, and review the diff before committing.
dev-known-failures: install
	@{ sed -n '/^#/p' tests/conversations/dev/known_failures.txt; \
	  $(UV) run hotel-agent test conversations tests/conversations/dev | awk '/^FAIL/{print $$2}'; } \
	  > tests/conversations/dev/known_failures.txt.new; \
	mv tests/conversations/dev/known_failures.txt.new tests/conversations/dev/known_failures.txt
	@git --no-pager diff --stat -- tests/conversations/dev/known_failures.txt

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || echo "wrk unavailable: bench_whatsapp uses a Python load generator"
	$(UV) run python benchmarks/run_all.py

# The plan's load scenarios (docs/load-testing.md). Without HOST: a local stack (2 web + 2 worker
# processes, PostgreSQL, Redis, fake Graph API) and the short length; with HOST: that deployment, full length.
SCENARIO ?= normal
DURATION ?=
PMS ?= local
CHANNEL ?= whatsapp
LENGTH ?=
GRAPH_URL ?=
METRICS_URLS ?=
LOAD_ARGS ?=
load-test: install
	$(UV) run python -m tests.load.run --scenario $(SCENARIO) --pms $(PMS) --channel $(CHANNEL) \
	  $(if $(DURATION),--duration $(DURATION)) $(if $(LENGTH),--length $(LENGTH)) \
	  $(if $(filter-out 127.0.0.1,$(HOST)),--host $(HOST)) $(if $(GRAPH_URL),--graph-url $(GRAPH_URL)) \
	  $(if $(METRICS_URLS),--metrics-urls $(METRICS_URLS)) $(LOAD_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache artifacts tests/e2e/node_modules

# One-host deployment behind nginx (docs/deploy.md). The logic is `hotel-agent deploy`; these only pass
# the environment's file (deploy/onehost/$(ENV).toml) and its variables (.env.$(ENV)).
ENV ?= staging
RELEASE ?=
CANARY_WEIGHT ?= 10
DEPLOY := $(UV) run hotel-agent deploy
DEPLOY_CONFIG := --config deploy/onehost/$(ENV).toml
DEPLOY_RELEASE := $(if $(RELEASE),--release $(RELEASE)) --env-file .env.$(ENV)

deploy: install
	@command -v nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
	$(DEPLOY) up $(DEPLOY_CONFIG) $(DEPLOY_RELEASE)

health: install
	$(DEPLOY) health $(DEPLOY_CONFIG)

canary-deploy: install
	$(DEPLOY) canary $(DEPLOY_CONFIG) $(DEPLOY_RELEASE) --weight $(CANARY_WEIGHT)

canary-diff: install
	$(DEPLOY) diff $(DEPLOY_CONFIG) --report .playbook/canary_diff_report.json

canary-promote: install
	$(DEPLOY) promote $(DEPLOY_CONFIG) --report .playbook/canary_diff_report.json

rollback: install
	$(DEPLOY) rollback $(DEPLOY_CONFIG)

deploy-down: install
	$(DEPLOY) down $(DEPLOY_CONFIG)

# pg_dump of the environment's DATABASE_URL into <directory>/<ENV>/backups (production deploys take one
# themselves first: backup_before_deploy). Restore: the newest, or BACKUP=file; YES=1 to really do it.
BACKUP ?=
backup: install
	$(DEPLOY) backup $(DEPLOY_CONFIG) --env-file .env.$(ENV)

restore: install
	$(DEPLOY) restore $(DEPLOY_CONFIG) --env-file .env.$(ENV) $(if $(BACKUP),--backup $(BACKUP)) $(if $(YES),--yes)
