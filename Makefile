# jaminan — the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/jaminan
ADDR  ?= 127.0.0.1:8080
WORKERS ?= 300
SEED  ?= 1

# The PostgreSQL server, found once per make run (scripts/postgres-url says how).
SERVER_URL = $(shell scripts/postgres-url)
# The demo database on that server.
DEMO_URL = $(shell scripts/postgres-url | sed -E 's#/postgres(\?|$$)#/jaminan\1#')

.PHONY: all build demo serve test test-race soak fuzz bench bench-full lint up up-esdb clean help

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

build: ## build bin/jaminan
	$(GO) build -o $(BIN) ./cmd/jaminan

demo: build ## build, create and migrate the database, load the demo through the command path, then serve
	@url="$(DEMO_URL)"; [ -n "$$url" ] || exit 1; \
	echo "demo database: $$url"; \
	DATABASE_URL="$$url" ./$(BIN) demo --workers $(WORKERS) --seed $(SEED) && \
	token=$$(DATABASE_URL="$$url" ./$(BIN) token create --role auditor --name demo-auditor-$$(date +%s) 2>/dev/null | tail -n 1) && \
	echo "the page:  http://$(ADDR)/#token=$$token" && \
	echo "the API:   curl -s -H 'Authorization: Bearer $$token' http://$(ADDR)/api/v1/status   (docs/api.md)" && \
	echo "the full Tanah Bumbu demo (10,488 workers, 12 kecamatan, 3 years): DATABASE_URL=$$url ./$(BIN) demo --workers 10488" && \
	DATABASE_URL="$$url" ./$(BIN) serve --addr $(ADDR)

test: ## run every test against real PostgreSQL (each package in its own throwaway database)
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	JAMINAN_TEST_DATABASE_URL="$$url" $(GO) test -count=1 -timeout 20m ./...

test-race: ## the tests with the race detector
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	JAMINAN_TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 30m ./...

# Reliability runs that take minutes (docs/bad-input.md lists what make test covers).
SOAK_ROUNDS ?= 20
FUZZTIME    ?= 20s

soak: ## kill -9 serve and rebuild SOAK_ROUNDS times each, restart PostgreSQL under load (pg_ctlcluster; run it alone on the server)
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	JAMINAN_SOAK_ROUNDS=$(SOAK_ROUNDS) JAMINAN_TEST_DATABASE_URL="$$url" $(GO) test -tags soak -count=1 -timeout 60m -run Soak -v ./...

# The command-level property test (app/command_property_test.go): make test runs
# 500 commands from seed 1; make fuzz runs PROPERTY_COMMANDS from a fresh seed
# (printed, so a failure can be replayed with PROPERTY_SEED=...).
PROPERTY_COMMANDS ?= 20000
ifndef PROPERTY_SEED
PROPERTY_SEED := $(shell date +%s)
endif

fuzz: ## every go test -fuzz target for FUZZTIME each (make test runs their seed corpora), then PROPERTY_COMMANDS generated commands through the command path
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	echo "command-level property test: $(PROPERTY_COMMANDS) commands from seed $(PROPERTY_SEED)"; \
	JAMINAN_PROPERTY_COMMANDS=$(PROPERTY_COMMANDS) JAMINAN_PROPERTY_SEED=$(PROPERTY_SEED) JAMINAN_TEST_DATABASE_URL="$$url" \
		$(GO) test -count=1 -timeout 60m -run '^TestEveryAcceptedEventIsProjectable$$' ./app/
	@set -e; for file in $$(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(' .); do \
		for target in $$(grep -oE '^func Fuzz[A-Za-z0-9_]+' $$file | sed 's/^func //'); do \
			echo "fuzz $$target in $$(dirname $$file) for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$file); \
		done; \
	done

# Benchmarks: scratch databases on the same server, dropped afterwards (docs/BENCHMARKS.md).
# make bench takes about a quarter of an hour on a small log; make bench-full
# is the same over a log of a million events (about an hour).
BENCH_RUNS   ?= 3
BENCH_EVENTS ?= 10000
BENCH_PARTICIPANTS ?= 5000
BENCH_LOAD   ?= 20s
BENCH_DASH_BUDGET ?= 5s
# Sizes (participants, comma-separated) the dashboards are measured at again,
# their read side scaled up in SQL: e.g. BENCH_DASH_SCALE=100000,1000000.
BENCH_DASH_SCALE ?=
# What else ran on the machine during the run, written into the report.
BENCH_NOTE ?= not said
# Phases to run (comma-separated: appends, log, lag, dashboards, serve, apply, payer, bill); empty is all.
BENCH_ONLY ?=

bench: build ## measure appends, rebuild, history, serve and apply against raw PostgreSQL (small log); writes docs/BENCHMARKS.md (not part of test)
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	DATABASE_URL="$$url" ./$(BIN) bench --runs $(BENCH_RUNS) --events $(BENCH_EVENTS) --participants $(BENCH_PARTICIPANTS) \
		--serve-duration $(BENCH_LOAD) --lag-duration $(BENCH_LOAD) --dash-budget $(BENCH_DASH_BUDGET) \
		$(if $(BENCH_DASH_SCALE),--dash-scale-to $(BENCH_DASH_SCALE)) $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) --note "$(BENCH_NOTE)" --out docs/BENCHMARKS.md

bench-full: build ## make bench over a log of 1,000,000 events and 100,000 participants (the dashboards again at 1,000,000, scaled in SQL), loads of a minute, one run (about an hour); writes docs/BENCHMARKS-full.md
	@url="$(SERVER_URL)"; [ -n "$$url" ] || exit 1; \
	DATABASE_URL="$$url" ./$(BIN) bench --runs 1 --events 1000000 --participants 100000 \
		--serve-duration 60s --lag-duration 60s --dash-budget 20s --dash-scale-to 1000000 $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) \
		--note "$(BENCH_NOTE)" --out docs/BENCHMARKS-full.md

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

up: ## start PostgreSQL, NATS JetStream and jaminan with docker compose (needs a Docker engine)
	docker compose up -d --build

up-esdb: ## the same with EventStoreDB too (insecure single node, for development; see docs/scaling.md)
	docker compose --profile esdb up -d --build

clean: ## remove build output and the throwaway cluster
	rm -rf bin .data
