#!/usr/bin/env bash
# Builds one libFuzzer target (tests/fuzz/fuzz_<target>.cpp) with clang-14, ASan and UBSan, and
# runs it for a fixed time starting from the seeds in tests/fuzz/corpus/<target>/. Exits non-zero
# on any crash, leak, timeout or out-of-memory report (and when clang-14 is missing, unless
# APL_FUZZ_OPTIONAL=1).
#
#   scripts/fuzz.sh <target> [seconds]
#   targets: www_authenticate, authorization, request_path, cfg_file, xml_objects, http_request,
#            http_response (tests/fuzz/fuzz_<target>.cpp)
#
# 30-minute local run of every target, two at a time (one per core), keeping the grown corpora:
#   for t in www_authenticate authorization request_path cfg_file xml_objects http_request \
#            http_response; do echo $t; done |
#     xargs -P 2 -I{} env APL_FUZZ_CORPUS=build-asan/corpus/{} scripts/fuzz.sh {} 1800
# (3.5 hours for all seven on two cores; pass fewer names for a shorter session.)
# Reproducers land in build-asan/artifacts/<target>/. Replay one with
#   build-asan/tests/fuzz/fuzz_<target> build-asan/artifacts/<target>/crash-<sha1>
# and, once fixed, copy it into tests/fuzz/corpus/<target>/ so unit_fuzz_replay_<target> keeps it
# fixed in the normal build.
#
# Environment: APL_FUZZ_CORPUS (persistent working corpus, default: a temporary copy of the seeds),
# APL_SANITIZE_BUILD_DIR (default <source>/build-asan), APL_FUZZ_OPTIONAL=1 (missing clang is a
# skip).
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD

usage() { echo "usage: $0 <target> [seconds]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
target=$1
seconds=${2:-30}
[[ $target =~ ^[a-z0-9_]+$ && $seconds =~ ^[0-9]+$ ]] || usage
seeds=$source_dir/tests/fuzz/corpus/$target
if [[ ! -f tests/fuzz/fuzz_$target.cpp || ! -d $seeds ]]; then
  echo "fuzz.sh: unknown target '$target' (no tests/fuzz/fuzz_$target.cpp or corpus/$target/)" >&2
  exit 2
fi

if ! command -v clang-14 >/dev/null || ! command -v clang++-14 >/dev/null; then
  echo "fuzz.sh: clang-14/clang++-14 not found; libFuzzer needs clang (apt-get install clang-14)" >&2
  if [[ ${APL_FUZZ_OPTIONAL:-0} == 1 ]]; then
    echo "fuzz.sh: APL_FUZZ_OPTIONAL=1, skipping $target" >&2
    exit 0
  fi
  exit 1
fi

# The fuzzers live in the sanitizer build (scripts/sanitize.sh: clang-14, ASan + UBSan + libFuzzer
# instrumentation, <source>/build-asan), so one clang build serves both.
build_dir=${APL_SANITIZE_BUILD_DIR:-${APL_FUZZ_BUILD_DIR:-$source_dir/build-asan}}
export APL_SANITIZE_BUILD_DIR=$build_dir
mkdir -p "$build_dir"

# Two runs started together (ctest -j 2 -L fuzz, or the 30-minute recipe above) must not
# configure or build the same directory at once; the lock is held only while building.
(
  flock 9
  scripts/sanitize.sh build "fuzz_$target" >"$build_dir/fuzz-build-$target.log" 2>&1 \
    || { tail -40 "$build_dir/fuzz-build-$target.log" >&2; echo "fuzz.sh: building fuzz_$target failed" >&2; exit 1; }
) 9>"$build_dir/.fuzz.lock"

fuzzer=$build_dir/tests/fuzz/fuzz_$target
artifacts=$build_dir/artifacts/$target
mkdir -p "$artifacts"

if [[ -n ${APL_FUZZ_CORPUS:-} ]]; then
  corpus=$APL_FUZZ_CORPUS
  mkdir -p "$corpus"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/apl-fuzz-$target.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  corpus=$work/corpus
  mkdir -p "$corpus"
fi
cp -n "$seeds"/* "$corpus"/

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "fuzz.sh: running $target for ${seconds}s (corpus $corpus, artifacts $artifacts)"
status=0
max_len=8192
# HTTP heads need room to reach the 8 KiB (request) and 64 KiB (response) header limits.
[[ $target == http_* ]] && max_len=70000
"$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" || status=$?
if [[ $status -ne 0 ]]; then
  echo "fuzz.sh: $target FAILED (exit $status); reproducer(s) in $artifacts:" >&2
  ls -t "$artifacts" >&2 || true
  exit 1
fi
echo "fuzz.sh: $target passed ${seconds}s without crash, leak or timeout"
