#!/usr/bin/env bash
# make test: unit tests, then integration and end-to-end tests against the real local platform.
#   scripts/test.sh all|unit|integration|faults   (faults: only the fault-injection tests, label "fault")
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
BUILD_DIR="${BUILD_DIR:-build}"

step() { printf '\n==> %s\n' "$*"; }

run_unit() {
  step "build (Release)"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)"
  step "C++ unit tests"
  ctest --test-dir "$BUILD_DIR" -L unit --output-on-failure
  if [[ -f connect/pom.xml ]]; then
    step "Connect plugin: build and JUnit tests"
    scripts/build-connect-plugin.sh
  fi
}

prepare_platform() {
  step "platform up"
  scripts/platform.sh up
  eval "$(scripts/platform.sh env)"
  step "topics, schemas, connectors"
  scripts/create-topics.sh
  scripts/register-schemas.sh
  if [[ -x scripts/create-connectors.sh ]]; then scripts/create-connectors.sh; fi
}

run_integration() {
  prepare_platform
  step "integration and end-to-end tests (fault injection included)"
  # The platform shares two cores with the tests: a test that fails is run once more, and ctest's
  # summary says so; a test that fails twice fails the run.
  ctest --test-dir "$BUILD_DIR" -L integration --output-on-failure --repeat until-pass:2
}

run_faults() {
  step "build (Release)"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)"
  prepare_platform
  step "fault-injection tests"
  ctest --test-dir "$BUILD_DIR" -L fault --output-on-failure --repeat until-pass:2
}

case "$what" in
  unit) run_unit ;;
  integration) run_integration ;;
  all) run_unit; run_integration ;;
  faults) run_faults ;;
  *) echo "usage: $0 all|unit|integration|faults" >&2; exit 2 ;;
esac
step "all tests passed"
