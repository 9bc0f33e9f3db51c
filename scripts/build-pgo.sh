#!/usr/bin/env bash
# Builds phone-agent and cms-mock for load tests and benchmarks: Release, optimised from a profile of
# their own hot paths (GCC's profile-guided optimisation) and across files at link time, into
# build-bench/ (or $APL_BUILD_DIR), where the bench/ scripts look for them. Three steps, about
# 5 minutes on 2 cores:
#   1. an instrumented build (APL_PGO=generate), which counts what runs;
#   2. scripts/pgo-train.sh: cms-mock serving fleets over HTTP keep-alive, HTTPS with and without
#      session resumption and a Digest boot storm with firmware downloads (about 12 s);
#   3. the same directory rebuilt with APL_PGO=use and APL_LTO=ON.
# The binaries behave as the plain Release build does; only their speed differs (bench/RESULTS.md).
# Extra arguments go to the first cmake configure, e.g. -DAPL_JEMALLOC=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${APL_BUILD_DIR:-build-bench}
profile_dir=$PWD/$build_dir/pgo-profile
# ccache would hand back objects compiled without the profile they must be built from.
export CCACHE_DISABLE=1
targets=(--target phone-agent --target cms-mock)

rm -rf "$profile_dir"
mkdir -p "$profile_dir"
echo "build-pgo: 1/3 instrumented build in $build_dir" >&2
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAPL_PGO=generate \
  -DAPL_PGO_DIR="$profile_dir" -DAPL_LTO=OFF "$@"
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"

echo "build-pgo: 2/3 training run" >&2
scripts/pgo-train.sh "$build_dir/phone-agent/phone-agent" "$build_dir/cms-mock/cms-mock"
profiles=$(find "$profile_dir" -name '*.gcda' | wc -l)
(( profiles > 0 )) || { echo "build-pgo: the training run left no profile in $profile_dir" >&2; exit 1; }

echo "build-pgo: 3/3 optimised build from $profiles profiles" >&2
cmake -S . -B "$build_dir" -DAPL_PGO=use -DAPL_LTO=ON
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
echo "build-pgo: done: $build_dir/phone-agent/phone-agent, $build_dir/cms-mock/cms-mock" >&2
