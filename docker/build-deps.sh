#!/usr/bin/env bash
# Installs only the "# build" group of scripts/install-deps.sh (compiler, CMake, Ninja and the -dev
# libraries) for the image's build stage: the fuzzing toolchain (clang) and the test peers (openssl,
# curl, python3) are not needed to build the two binaries. The package list itself stays in
# scripts/install-deps.sh; this script only reads it. EXTRA packages are installed with them.
# Usage: docker/build-deps.sh [path/to/install-deps.sh [EXTRA...]]
set -euo pipefail
deps=${1:-$(dirname "$0")/../scripts/install-deps.sh}
shift $(($# > 0 ? 1 : 0))

# Words between the "# build" comment and the next comment (or the closing parenthesis) of
# `packages=( ... )`.
mapfile -t packages < <(awk '
  /^packages=\(/ { inside = 1; next }
  inside && /^\)/ { exit }
  inside && /^[[:space:]]*#/ { group = $2; next }
  inside && group == "build" { sub(/#.*/, ""); for (i = 1; i <= NF; i++) print $i }' "$deps")

if ((${#packages[@]} == 0)); then
  echo "build-deps: found no '# build' group in $deps" >&2
  exit 1
fi
packages+=("$@")

echo "build-deps: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
rm -rf /var/lib/apt/lists/*
