#!/usr/bin/env bash
# Sets up, builds and runs every test (labels unit, integration, fuzz, compose). Extra arguments go to ctest,
# e.g. `scripts/test.sh -L unit`; then only the g++ build is used.
#
# Without arguments, in this order: the g++ build's tests but the fuzzers; the sanitizer build
# (scripts/sanitize.sh: clang-14, ASan + UBSan, build-asan/) and every unit and integration test in
# it; the seven fuzzers, from that same build. APL_SANITIZE=0 leaves the sanitizer build out (the
# fuzzers then build only themselves there).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh
scripts/build.sh
# Containers: CTest's compose.stack (label compose) builds both images and runs
# tests/compose/compose_test.sh when a Docker engine answers, else it reports itself skipped.
if docker info >/dev/null 2>&1; then
  echo "test.sh: Docker answers: compose.stack (label compose) runs with the others"
else
  echo "test.sh: compose.stack (label compose) is skipped: no Docker engine answers (docker info failed)"
fi
cd "${APL_BUILD_DIR:-build}"
if [[ $# -gt 0 ]]; then
  ctest --output-on-failure --timeout 900 "$@"
  exit
fi

# Everything but the fuzzers in order (the integration tests measure latencies and must not share
# the cores). A failure does not stop the later stages: one run reports every failing test.
status=0
start=$SECONDS
ctest --output-on-failure --timeout 900 -LE fuzz || status=$?
echo "test.sh: g++ build's tests took $((SECONDS - start)) s"
if [[ ${APL_SANITIZE:-1} != 0 ]]; then
  # Builds build-asan/, runs its unit and integration tests, then the fuzzers from it.
  "$root/scripts/sanitize.sh" || status=$?
else
  echo "test.sh: APL_SANITIZE=0: no sanitizer run of the unit and integration tests"
  # One fuzzer per core: each is single-threaded; the first two share the one clang build
  # (scripts/fuzz.sh takes a lock for it).
  ctest --output-on-failure --timeout 900 -L fuzz -j "$(nproc)" || status=$?
fi
exit "$status"
