# clickstream: every target is a thin wrapper over a script in scripts/.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all build build-asan deps connect-plugin up down status env clean-state stop-kafka \
        topics schemas connectors test test-unit test-integration test-faults demo bench package format lint clean help

all: build

help:
	@echo "make build        Release build: build/clickstream-pipeline, build/clickstream-generator"
	@echo "make test         unit tests + integration and end-to-end tests against the real platform"
	@echo "make test-faults  only the fault-injection tests (they stop platform parts; ~5 min)"
	@echo "make demo         the whole pipeline on the real sample (or a synthesized dataset), with a report"
	@echo "make up|down|status|env|clean-state|stop-kafka   the local platform"
	@echo "make bench        benchmarks against ceilings measured in the same run"
	@echo "make package      build/clickstream_<version>-1_<arch>.deb (CPack): binaries, config, systemd unit"
	@echo "make deps         install build dependencies (Debian packages)"
	@echo "make format|lint  clang-format the sources | shellcheck + format check"

deps:
	@scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan:
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DCLICKSTREAM_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

connect-plugin:
	@scripts/build-connect-plugin.sh

up:
	@[ -d build/connect-plugin/clickstream-s3-sink ] || scripts/build-connect-plugin.sh --skip-tests
	@scripts/platform.sh up

down:
	@scripts/platform.sh down

status:
	@scripts/platform.sh status

env:
	@scripts/platform.sh env

clean-state:
	@scripts/platform.sh clean-state

stop-kafka:
	@scripts/platform.sh stop-kafka

topics:
	@scripts/create-topics.sh

schemas:
	@scripts/register-schemas.sh

connectors:
	@scripts/create-connectors.sh

test:
	@scripts/test.sh all

test-unit:
	@scripts/test.sh unit

test-integration:
	@scripts/test.sh integration

test-faults:
	@scripts/test.sh faults

demo:
	@scripts/demo.sh

bench:
	@scripts/bench.sh

package:
	@BUILD_DIR=$(BUILD_DIR) JOBS=$(JOBS) scripts/package.sh

format:
	@scripts/lint.sh format

lint:
	@scripts/lint.sh check

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) connect/target
