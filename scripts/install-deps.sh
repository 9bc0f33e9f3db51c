#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the demo need. Idempotent: when all
# packages are present it returns without touching apt.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-test1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libpugixml-dev libjemalloc-dev
  # fuzzing and sanitizers
  clang-14 libclang-rt-14-dev
  # real peers used by the tests
  openssl curl python3 ca-certificates
  # reliability suite: slow-client attacks and TLS scans (tests/reliability)
  slowhttptest sslscan
  # phone-agent boot against servers nobody here wrote (apache2-bin only: `apache2` would start a
  # service on port 80; the tests run their own httpd and nginx on 127.0.0.1)
  apache2-bin nginx
  # phone-agent run's real-browser test: headless Chromium driven over the DevTools protocol
  chromium python3-websocket
  # offline checks of deploy/ (Kubernetes manifests) and compose.yaml
  yamllint python3-yaml python3-kubernetes
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
