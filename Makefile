# The one entry point: `make dev` runs the whole stack, `make test` runs every check. Both install what is missing first.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
UV := $(ROOT)/.tools/bin/uv
# --frozen: run exactly what uv.lock pins, never re-resolve.
BACKEND_RUN := cd $(ROOT)/backend && $(UV) run --frozen
PYTHON_SOURCES := app devstack simulator tests alembic benchmarks
# The test clients are scripts beside each other, with their own ruff.toml; checked with the backend's tools.
CLIENTS_RUN := cd $(ROOT)/test-clients && $(UV) run --frozen --project $(ROOT)/backend
FRONTEND := $(ROOT)/frontend
FRONTEND_RUN := cd $(FRONTEND) && npm run --silent
# The web app's production build (`next build`), redone by `make dev` only when a source file is newer than it.
FRONTEND_BUILD := $(FRONTEND)/.next/BUILD_ID
FRONTEND_SOURCES := $(shell find $(FRONTEND)/app $(FRONTEND)/components $(FRONTEND)/hooks $(FRONTEND)/lib -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/package*.json $(FRONTEND)/next.config.ts $(FRONTEND)/tsconfig.json $(FRONTEND)/postcss.config.mjs)

.PHONY: help bootstrap dev test lint format typecheck test-backend test-frontend migrate clean-data bench-connections

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# `make test` calls the checks in a sub-make that has already bootstrapped; BOOTSTRAPPED=1 skips doing it again.
bootstrap: ## Install whatever is missing (Debian packages, uv, Python deps); fast when nothing is
	@[ -n "$(BOOTSTRAPPED)" ] || bash scripts/bootstrap.sh

dev: bootstrap $(FRONTEND_BUILD) ## Run Redis, PostgreSQL, migrations, simulator, workers, API and web app until Ctrl-C
	$(BACKEND_RUN) python -m devstack

# -k: one failing check does not hide the others' results; the sub-make still exits non-zero if any failed.
test: bootstrap ## Every check: lint, typecheck, backend tests, web app checks and browser tests
	@$(MAKE) --no-print-directory -k BOOTSTRAPPED=1 lint typecheck test-backend test-frontend

# One level alone, or under py-spy: make bench BENCH_ARGS="--levels 1000 --profile worker"; the crowd alone:
# BENCH_ARGS="--levels crowd --no-limits"; the physical limits alone: BENCH_ARGS=--only-limits (see --help).
.PHONY: bench
bench: bootstrap ## Physical limits, then 10 to 2,000 streams and 500 at once on make dev's shape; writes docs/benchmarks/load.md
	$(BACKEND_RUN) python -m benchmarks.load $(BENCH_ARGS)

# Root only (network namespaces); any other choice: make bench-cluster BENCH_ARGS="--levels 100" (see --help).
.PHONY: bench-cluster
bench-cluster: bootstrap ## The runbook on namespace hosts: nginx's latency cost, 1 against 2 API / worker hosts
	$(BACKEND_RUN) python -m benchmarks.cluster $(BENCH_ARGS)

bench-connections: bootstrap ## Redis connections and memory of one API process at 10, 100 and 1,000 viewers
	$(BACKEND_RUN) python -m benchmarks.viewer_connections

.PHONY: bench-model-read
bench-model-read: bootstrap ## Worker CPU per token reading a model stream, by SDK transport (httpx2, aiohttp)
	$(BACKEND_RUN) python -m benchmarks.model_read

.PHONY: bench-api-requests
bench-api-requests: bootstrap ## API CPU per request by endpoint (what a user costs the API besides streaming)
	$(BACKEND_RUN) python -m benchmarks.api_requests

.PHONY: bench-conversation-read
bench-conversation-read: bootstrap ## GET /conversations/{id} latency and API CPU for 10 to 500 messages with branches
	$(BACKEND_RUN) python -m benchmarks.conversation_read

.PHONY: bench-search
bench-search: bootstrap ## Search latency (p50, p99) over 100,000 messages of one user; writes docs/benchmarks/search.md
	$(BACKEND_RUN) python -m benchmarks.search $(BENCH_ARGS)

.PHONY: reliability
reliability: bootstrap ## The chaos suite 3 times on real processes; writes the fault table, docs/reliability.md
	$(BACKEND_RUN) python -m benchmarks.reliability $(RELIABILITY_ARGS)

.PHONY: bench-transport
bench-transport: bootstrap ## Redis against PostgreSQL polling and LISTEN/NOTIFY: latency, loss, CPU, connections
	$(BACKEND_RUN) python -m benchmarks.transport

lint: bootstrap ## ruff check and ruff format --check (backend and test clients)
	$(BACKEND_RUN) ruff check $(PYTHON_SOURCES)
	$(BACKEND_RUN) ruff format --check $(PYTHON_SOURCES)
	$(CLIENTS_RUN) ruff check .
	$(CLIENTS_RUN) ruff format --check .

format: bootstrap ## Apply ruff's fixes and formatting
	$(BACKEND_RUN) ruff check --fix $(PYTHON_SOURCES)
	$(BACKEND_RUN) ruff format $(PYTHON_SOURCES)
	$(CLIENTS_RUN) ruff check --fix .
	$(CLIENTS_RUN) ruff format .

typecheck: bootstrap ## mypy --strict on the backend, its tests and the test clients
	$(BACKEND_RUN) mypy --strict $(PYTHON_SOURCES)
	$(CLIENTS_RUN) mypy --strict .

# pytest exits 5 when it collected nothing: that is a failure too, just a non-obvious one.
# Two pytest-xdist processes, each with its own private stack (tests/conftest.py), a test file per process at a
# time: most tests wait (for leases to expire, processes to restart, answers to stream), so two share the machine's
# two cores well: 8.5 minutes in a clean-clone run here, against 19 in one process. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 2
test-backend: bootstrap ## pytest for the backend
	@status=0; $(BACKEND_RUN) pytest -n $(PYTEST_WORKERS) --dist loadfile || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; fi; \
	exit $$status

# The browser tests run in Debian's Chromium against a throwaway real stack (devstack.e2e) and the fresh build;
# screenshots of the main states land in frontend/test-results/screenshots/.
test-frontend: bootstrap ## Web app: OpenAPI types up to date, lint, typecheck, build, browser tests
	$(FRONTEND_RUN) openapi:check
	$(FRONTEND_RUN) lint
	$(FRONTEND_RUN) typecheck
	$(FRONTEND_RUN) build
	cd $(FRONTEND) && npx --no-install playwright test

$(FRONTEND_BUILD): $(FRONTEND_SOURCES)
	$(FRONTEND_RUN) build

# Flower is in the optional `ops` dependency group: installed on first use, not by `make bootstrap`. It reads the
# broker from the same settings as the workers (CELERY_BROKER_URL, else REDIS_URL); its own FLOWER_* variables
# (FLOWER_BASIC_AUTH, …) apply. Task views need CELERY_TASK_EVENTS=true on the workers.
FLOWER_ADDRESS ?= 127.0.0.1
FLOWER_PORT ?= 5555
.PHONY: flower
flower: bootstrap ## Flower, Celery's web monitor, on FLOWER_ADDRESS:FLOWER_PORT (127.0.0.1:5555) for the broker
	$(BACKEND_RUN) --group ops celery -A app.worker.celery_app flower --address=$(FLOWER_ADDRESS) --port=$(FLOWER_PORT)

migrate: bootstrap ## Apply migrations (to DATABASE_URL, or to the private PostgreSQL in .data/)
	$(BACKEND_RUN) python -m devstack migrate

clean-data: ## Delete .data/ (local databases and logs); asks first unless FORCE=1
	@if [ "$(FORCE)" != 1 ]; then \
		[ -t 0 ] || { echo "no terminal to ask for confirmation: use make clean-data FORCE=1" >&2; exit 1; }; \
		read -r -p "Delete $(ROOT)/.data (all local databases and logs)? [y/N] " answer; \
		case "$$answer" in [yY]*) ;; *) echo "kept $(ROOT)/.data"; exit 0;; esac; \
	fi; \
	rm -rf $(ROOT)/.data; echo "deleted $(ROOT)/.data"

# Container images (deploy/): a Debian bookworm base made with debootstrap, then the backend, web, PostgreSQL and
# Redis images, run by docker-compose on the host's network. A Docker daemon that is not running is started
# (dockerd --bridge=none --iptables=false) and stopped again by docker-test and docker-down.
.PHONY: docker-build docker-up docker-down docker-test
docker-build: ## Build the container images (and the debootstrap base, when missing)
	@bash scripts/bootstrap.sh --docker
	bash scripts/docker.sh build

docker-up: ## Build and run the stack in containers (ports: DEPLOYMENT.md, Container images)
	@bash scripts/bootstrap.sh --docker
	bash scripts/docker.sh up

docker-down: ## Stop the stack docker-up started (its volumes are kept)
	bash scripts/docker.sh down

docker-test: ## Build the images, run them, sign up and stream an answer through them, then remove them
	@bash scripts/bootstrap.sh --docker
	bash scripts/docker.sh test
