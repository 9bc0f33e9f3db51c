#!/usr/bin/env bash
# Sets up, builds and runs every test (labels unit, integration, fuzz). Extra arguments go to ctest,
# e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${APL_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 "$@"
