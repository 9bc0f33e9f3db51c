#!/usr/bin/env bash
# The main job on a fresh machine: install dependencies, build, and show both programs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${APL_BUILD_DIR:-build}
"$build_dir/cms-mock/cms-mock" --help
"$build_dir/phone-agent/phone-agent" --help
