#!/usr/bin/env bash
# The sanitizer build: clang-14, ASan + UBSan (undefined behaviour fatal) on every library, both
# service binaries and every test, plus libFuzzer instrumentation so the same build also yields the
# fuzz_<target> executables. One clang build instead of two keeps CI time down.
#
#   scripts/sanitize.sh                 configure + build, ctest -L 'unit|integration', then -L fuzz
#   scripts/sanitize.sh configure       configure only (idempotent)
#   scripts/sanitize.sh build [target]  configure if needed, build everything or one target
#   scripts/sanitize.sh test [ctest args]  build, then ctest with the given arguments
#
# Build directory: $APL_SANITIZE_BUILD_DIR, default <source>/build-asan. Any sanitizer report makes
# the process exit non-zero, so the test that started it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD
build_dir=${APL_SANITIZE_BUILD_DIR:-$source_dir/build-asan}
export CCACHE_DIR=${CCACHE_DIR:-$source_dir/.cache/ccache}
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# detect_leaks: LeakSanitizer runs at exit of every binary; abort_on_error gives a core-free abort
# that ctest reports as a failure. Child processes (cms-mock, phone-agent) inherit these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if ! command -v clang++-14 >/dev/null; then
  echo "sanitize.sh: clang++-14 not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi

configure() {
  mkdir -p "$build_dir"
  if [[ ! -f $build_dir/build.ninja ]]; then
    # -O1: ASan's recommended level; much faster tests than -O0, readable stacks.
    CC=clang-14 CXX=clang++-14 cmake -S "$source_dir" -B "$build_dir" -G Ninja \
      -DAPL_FUZZ=ON -DAPL_SANITIZE=ON -DAPL_WERROR=${APL_SANITIZE_WERROR:-OFF} \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1" \
      >"$build_dir/configure.log" \
      || { cat "$build_dir/configure.log" >&2; echo "sanitize.sh: configure failed" >&2; exit 1; }
  fi
  if ! grep -q '^APL_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt"; then
    echo "sanitize.sh: $build_dir is not a sanitizer+fuzz build; remove it and rerun" >&2
    exit 1
  fi
}

build() {
  configure
  if [[ $# -gt 0 ]]; then
    cmake --build "$build_dir" --target "$@" -j "$(nproc)"
  else
    cmake --build "$build_dir" -j "$(nproc)"
  fi
}

case ${1:-all} in
  configure) configure ;;
  build) shift; build "$@" ;;
  test) shift; build; cd "$build_dir"; ctest --output-on-failure --timeout 900 "$@" ;;
  all)
    start=$SECONDS
    build
    echo "sanitize.sh: building $build_dir took $((SECONDS - start)) s"
    cd "$build_dir"
    status=0
    start=$SECONDS
    # In order, as in the g++ build: the integration tests measure latencies.
    ctest --output-on-failure --timeout 900 -L 'unit|integration' || status=$?
    echo "sanitize.sh: unit+integration under ASan/UBSan took $((SECONDS - start)) s"
    start=$SECONDS
    # One fuzzer per core; each is single-threaded. They run even when a test above failed.
    ctest --output-on-failure --timeout 900 -L fuzz -j "$(nproc)" || status=$?
    echo "sanitize.sh: fuzz targets took $((SECONDS - start)) s"
    exit "$status"
    ;;
  *) echo "usage: $0 [all|configure|build [target]|test [ctest args]]" >&2; exit 2 ;;
esac
