#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja and ccache into build/ (or $APL_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${APL_BUILD_DIR:-build}
werror=OFF
if [[ -n "${CI:-}" ]]; then werror=ON; fi
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DAPL_WERROR=$werror "$@"
fi
cmake --build "$build_dir" -j "$(nproc)"
