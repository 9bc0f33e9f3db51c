#!/usr/bin/env bash
# Compose smoke test: builds the images (docker/Dockerfile through compose.yaml), checks that each
# is under 60 MB, starts cms-mock, waits until its HEALTHCHECK says healthy, then from the host:
# GET /_admin/health on the mapped admin port, and an HTTPS request that trusts the development CA
# from the state volume. Tears the project down (containers, network, volume) whatever happens.
#
# Prints "SKIP: ..." and exits 0 when no Docker engine or no Compose answers. Every run has its own
# Compose project name and lets the engine pick free host ports (127.0.0.1 only), so runs and a
# developer's own `docker compose up` do not collide.
#
# Environment:
#   APL_COMPOSE_BUILD_TIMEOUT  seconds allowed for `compose build` (default 1800; a cold build of
#                              both images on 2 cores takes about 10 minutes)
#   APL_COMPOSE_HEALTH_TIMEOUT seconds to wait for healthy (default 120)
#   APL_COMPOSE_HEALTH_PATH    admin path checked from the host (default /_admin/health); empty:
#                              a TCP connect to the admin port is enough
#   APL_COMPOSE_CHECK=1        also `compose run --rm check` (phone-agent boot against cms-mock;
#                              its exit code must be 0)
set -euo pipefail
cd "$(dirname "$0")/../.."

build_timeout=${APL_COMPOSE_BUILD_TIMEOUT:-1800}
health_timeout=${APL_COMPOSE_HEALTH_TIMEOUT:-120}
health_path=${APL_COMPOSE_HEALTH_PATH-/_admin/health}

if ! docker info >/dev/null 2>&1; then
  echo "SKIP: compose_test: no Docker engine answers (docker info failed)"
  exit 0
fi
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  echo "SKIP: compose_test: neither 'docker compose' nor 'docker-compose' is installed"
  exit 0
fi

project=apl-compose-test-$$
export COMPOSE_PROJECT_NAME=$project
# Empty host ports: the engine picks free ones (`compose port` tells which).
export APL_HTTP_PORT='' APL_HTTPS_PORT='' APL_ADMIN_PORT=''
compose() { "${compose_cmd[@]}" -f compose.yaml -p "$project" "$@"; }

passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }

tmp=$(mktemp -d)
cleanup() {
  local rc=$?
  if ((rc != 0 || failed > 0)); then
    echo "--- compose ps / cms-mock logs (last 40 lines)"
    compose ps 2>&1 || true
    compose logs --no-color --tail 40 cms-mock 2>&1 || true
  fi
  echo "--- tearing down $project"
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "compose_test: ${compose_cmd[*]}, project $project"
scripts/make-base-image.sh

start=$(date +%s)
if timeout "$build_timeout" "${compose_cmd[@]}" -f compose.yaml -p "$project" build \
    >"$tmp/build.log" 2>&1; then
  ok "compose build ($(($(date +%s) - start)) s)"
else
  tail -n 40 "$tmp/build.log"
  not_ok "compose build (exit or timeout after $(($(date +%s) - start)) s)"
  exit 1
fi

# The runtime images stay small (scratch + the runtime packages + one binary).
for image in aastra-lab/cms-mock:dev aastra-lab/phone-agent:dev; do
  size=$(docker image inspect -f '{{.Size}}' "$image")
  if ((size < 60000000)); then
    ok "$image is $((size / 1000000)) MB (< 60 MB)"
  else
    not_ok "$image is $((size / 1000000)) MB (limit 60 MB)"
  fi
done

compose up -d cms-mock
cid=$(compose ps -q cms-mock)

# Wait for the image's HEALTHCHECK (docker/healthcheck.sh) to say healthy, bounded.
deadline=$(($(date +%s) + health_timeout))
status=starting
while (($(date +%s) < deadline)); do
  status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \
    "$cid")
  running=$(docker inspect -f '{{.State.Running}}' "$cid")
  [[ $status == healthy || $running != true ]] && break
  sleep 2
done
if [[ $status == healthy ]]; then
  ok "cms-mock healthy after $((health_timeout - (deadline - $(date +%s)))) s"
else
  not_ok "cms-mock not healthy within ${health_timeout} s (health: $status, running: $running)"
  exit 1
fi

# The mapped admin port from the host.
admin=$(compose port cms-mock 9090 | tail -n1)
admin_port=${admin##*:}
if [[ -n $health_path ]]; then
  if body=$(curl -fsS --max-time 5 "http://127.0.0.1:$admin_port$health_path"); then
    ok "GET http://127.0.0.1:$admin_port$health_path from the host: $body"
  else
    not_ok "GET http://127.0.0.1:$admin_port$health_path from the host"
  fi
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null; then
    ok "TCP connect to the admin port 127.0.0.1:$admin_port from the host"
  else
    not_ok "TCP connect to the admin port 127.0.0.1:$admin_port from the host"
  fi
fi

# HTTPS with the development CA from the state volume: the certificate chain and the SANs are right.
https=$(compose port cms-mock 8443 | tail -n1)
https_port=${https##*:}
if docker cp "$cid:/state/ca.pem" "$tmp/ca.pem" >/dev/null 2>&1; then
  ok "ca.pem in the state volume"
  code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$tmp/ca.pem" \
    --digest -u aastra:aastra -A 'Aastra9480i MAC:00-08-5D-00-00-03 V:3.2.2.3077-SIP' \
    "https://127.0.0.1:$https_port/dms/Aastra9480i/aastra.cfg" || true)
  if [[ $code == 200 ]]; then
    ok "GET https://127.0.0.1:$https_port/dms/Aastra9480i/aastra.cfg trusting ca.pem: 200"
  else
    not_ok "GET https://127.0.0.1:$https_port/dms/Aastra9480i/aastra.cfg trusting ca.pem: $code"
  fi
  if command -v openssl >/dev/null 2>&1; then
    docker cp "$cid:/state/server.pem" "$tmp/server.pem" >/dev/null 2>&1 || true
    if openssl x509 -in "$tmp/server.pem" -noout -checkhost cms-mock 2>/dev/null \
        | grep -q 'does match'; then
      ok "server certificate names cms-mock (the phones' URL)"
    else
      not_ok "server certificate does not name cms-mock"
    fi
  fi
else
  not_ok "ca.pem in the state volume"
fi

if [[ ${APL_COMPOSE_CHECK:-0} == 1 ]]; then
  if compose run --rm check; then
    ok "compose run --rm check"
  else
    not_ok "compose run --rm check (exit $?)"
  fi
fi

echo "compose: $passed passed, $failed failed"
((failed == 0))
