#!/usr/bin/env bash
# Sets up, builds and runs every test (labels unit, integration, fuzz, compose). Extra arguments go to ctest,
# e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh
scripts/build.sh
# Containers: CTest's compose.stack (label compose) builds both images and runs
# tests/compose/compose_test.sh when a Docker engine answers, else it reports itself skipped.
if docker info >/dev/null 2>&1; then
  echo "test.sh: Docker answers: compose.stack (label compose, about 15 min) runs with the others"
else
  echo "test.sh: compose.stack (label compose) is skipped: no Docker engine answers (docker info failed)"
fi
cd "${APL_BUILD_DIR:-build}"
if [[ $# -gt 0 ]]; then
  ctest --output-on-failure --timeout 900 "$@"
else
  # Everything but the fuzzers in order (the integration tests measure latencies and must not
  # share the cores), then the seven fuzzers one per core: each is single-threaded and the first
  # two share the one clang build (scripts/fuzz.sh takes a lock for it).
  status=0
  ctest --output-on-failure --timeout 900 -LE fuzz || status=$?
  ctest --output-on-failure --timeout 900 -L fuzz -j "$(nproc)" || status=$?
  [[ $status -eq 0 ]] || exit "$status"
fi

# Sanitizer build (scripts/sanitize.sh: clang-14, ASan + UBSan + libFuzzer, build-asan/): every
# unit and integration test again, then the fuzz targets. Opt-in (APL_SANITIZE=1) until a full
# run has been seen green on a quiet machine; only on a full run (no ctest arguments).
if [[ $# -eq 0 && ${APL_SANITIZE:-0} == 1 ]]; then
  "$root/scripts/sanitize.sh"
fi
