#!/usr/bin/env bash
# Compose integration test (CTest `compose.stack`, label compose). Against real containers built
# from docker/Dockerfile and run through compose.yaml:
#   1. images: both build, each < 60 MB, non-root, with a HEALTHCHECK;
#   2. `compose up -d`: cms-mock and the `phone` (phone-agent run) become healthy; from the host the
#      admin API answers and HTTPS verifies against the development CA of the state volume;
#   3. the phone provisions: its status API says provisioned, and cms-mock's journal
#      (/_admin/devices/<MAC>/sequence) shows aastra.cfg, 9480i.cfg, <MAC>.cfg, 9480i.st in order;
#   4. `compose run --rm check` (validate + a 64-phone fleet) exits 0, and the journal has the fleet;
#   5. fault: cms-mock is stopped, a fresh phone starts booting and fails to reach it, cms-mock is
#      started again; the phone retries on its own and provisions, the journal shows the whole
#      sequence.
# Tears everything down (containers, network, volume) whatever happens; removes the dangling images
# that rebuilding left behind (label aastra-lab), never the base image.
#
# Usage: compose_test.sh [CMS_MOCK PHONE_AGENT]
# With the two binaries (CTest passes those of its own build), the images are the targets
# cms-mock-prebuilt / phone-agent-prebuilt around them: a compiler-free build stage instead of
# compiling both programs again inside `docker build`, which has no compiler cache. This needs a
# Debian 12 host (the binaries load the host's libraries, which the image then installs); elsewhere,
# and without arguments, both images are built from source with `compose build` as users do.
#
# Exit 77 (CTest: skipped) when no Docker engine or no Compose answers. Every run has its own project
# name and lets the engine pick free host ports (127.0.0.1 only), so runs do not collide.
#
# Environment:
#   APL_COMPOSE_BUILD_TIMEOUT  seconds allowed for building the images (default 2400)
#   APL_COMPOSE_TIMEOUT        seconds allowed for each wait: health, provisioning (default 240)
#   APL_COMPOSE_SKIP_BUILD=1   test the images aastra-lab/{cms-mock,phone-agent}:dev as they are
#                              (e.g. while editing compose.yaml or deploy/); no build
set -euo pipefail
prebuilt=()
if (($# == 2)); then
  prebuilt=("$(realpath "$1")" "$(realpath "$2")")
elif (($# != 0)); then
  echo "usage: $0 [CMS_MOCK PHONE_AGENT]" >&2
  exit 2
fi
cd "$(dirname "$0")/../.."

build_timeout=${APL_COMPOSE_BUILD_TIMEOUT:-2400}
wait_timeout=${APL_COMPOSE_TIMEOUT:-240}
mac=00085D000003   # the `phone` service's 9480i
skip=77

if ! docker info >/dev/null 2>&1; then
  echo "SKIP: compose test: no Docker engine answers (docker info failed)"
  exit $skip
fi
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  echo "SKIP: compose test: neither 'docker compose' nor 'docker-compose' is installed"
  exit $skip
fi

project=apl-compose-test-$$-$RANDOM
# Empty host ports: the engine picks free ones (`compose port` tells which).
export APL_HTTP_PORT='' APL_HTTPS_PORT='' APL_ADMIN_PORT='' APL_PHONE_HTTP_PORT='' APL_PHONE_HTTPS_PORT=''
compose() { "${compose_cmd[@]}" -f compose.yaml -p "$project" "$@"; }

passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
fatal() { not_ok "$*"; exit 1; }

tmp=$(mktemp -d)
cleanup() {
  local rc=$?
  if ((rc != 0 || failed > 0)); then
    echo "--- compose ps, logs (last 40 lines each)"
    compose ps 2>&1 || true
    compose logs --no-color --tail 40 2>&1 || true
  fi
  echo "--- tearing down $project"
  compose --profile check --profile load down -v --remove-orphans >/dev/null 2>&1 || true
  docker image prune -f --filter label=org.opencontainers.image.vendor=aastra-lab >/dev/null 2>&1 || true
  rm -rf "$tmp"
  echo "compose: $passed passed, $failed failed"
  if ((rc == 0 && failed > 0)); then rc=1; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s; }
t0=$(now)
# Waits until "$@" succeeds, at most $wait_timeout seconds; returns 1 on timeout.
poll() {
  local deadline=$(($(now) + wait_timeout))
  until "$@" >/dev/null 2>&1; do
    (($(now) < deadline)) || return 1
    sleep 2
  done
}
health_of() {  # service -> starting | healthy | unhealthy | exited | none
  local cid
  cid=$(compose ps -q "$1" 2>/dev/null)
  [[ -n $cid ]] || { echo none; return; }
  docker inspect -f '{{if not .State.Running}}exited{{else if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$cid"
}
is_healthy() { [[ $(health_of "$1") == healthy ]]; }
host_port() { compose port "$1" "$2" | tail -n1 | sed 's/.*://'; }
phone_status() { curl -fsS --max-time 5 -u admin:22222 "http://127.0.0.1:$(host_port phone 8080)/api/status"; }
phone_provisioned() { phone_status | grep -q '"provisioning":"provisioned"'; }
journal() { curl -fsS --max-time 10 "http://127.0.0.1:$(host_port cms-mock 9090)$1"; }

echo "compose test: ${compose_cmd[*]}, project $project"
scripts/make-base-image.sh

# 1. Images. The build stage is tagged so that a later rebuild leaves the old one dangling (pruned
#    at exit) instead of piling up; compose then reuses its cached layers.
# Prebuilt binaries go into a context of their own: the repository's .dockerignore keeps build
# trees out of its context, and the prebuilt targets need nothing but docker/ besides them.
host_is_bookworm() {  # else the host's binaries would not find their libraries in the image
  local codename
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [[ $codename == bookworm ]] && command -v dpkg-query >/dev/null && return
  echo "# the host is not Debian 12 (bookworm): building the images from source instead"
  return 1
}
prebuilt_context() {  # $1 = directory to fill
  local ctx=$1
  mkdir -p "$ctx/prebuilt"
  cp -r docker "$ctx/docker"
  strip --strip-unneeded -o "$ctx/prebuilt/cms-mock" "${prebuilt[0]}" \
    && strip --strip-unneeded -o "$ctx/prebuilt/phone-agent" "${prebuilt[1]}" \
    && docker/runtime-rootfs.sh packages "${prebuilt[@]}" >"$ctx/prebuilt/runtime-packages" \
    && echo "# prebuilt binaries ${prebuilt[*]}; runtime packages: $(tr '\n' ' ' <"$ctx/prebuilt/runtime-packages")"
}
build_prebuilt() {  # $1 = context; the prebuilt stage is tagged for the same reason as the build stage
  local target
  timeout "$build_timeout" docker build -f "$1/docker/Dockerfile" --target prebuilt \
    -t aastra-lab/prebuilt:dev "$1" || return
  for target in cms-mock phone-agent; do
    timeout "$build_timeout" docker build -f "$1/docker/Dockerfile" --target "$target-prebuilt" \
      -t "aastra-lab/$target:dev" "$1" || return
  done
}

start=$(now)
if [[ ${APL_COMPOSE_SKIP_BUILD:-0} == 1 ]]; then
  docker image inspect aastra-lab/cms-mock:dev aastra-lab/phone-agent:dev >/dev/null \
    || fatal "APL_COMPOSE_SKIP_BUILD=1 but the images aastra-lab/cms-mock:dev, aastra-lab/phone-agent:dev are missing"
  echo "# APL_COMPOSE_SKIP_BUILD=1: testing the images as they are"
elif ((${#prebuilt[@]} == 2)) && host_is_bookworm; then
  if prebuilt_context "$tmp/context" && build_prebuilt "$tmp/context" >"$tmp/build.log" 2>&1; then
    ok "images built around the prebuilt binaries ($(($(now) - start)) s)"
  else
    tail -n 60 "$tmp/build.log" 2>/dev/null || true
    fatal "images around the prebuilt binaries did not build (exit or timeout after $(($(now) - start)) s)"
  fi
elif timeout "$build_timeout" docker build -f docker/Dockerfile --target build -t aastra-lab/build:dev . \
    >"$tmp/build.log" 2>&1 \
  && timeout "$build_timeout" "${compose_cmd[@]}" -f compose.yaml -p "$project" --profile check build \
    >>"$tmp/build.log" 2>&1; then
  ok "images built from source ($(($(now) - start)) s)"
else
  tail -n 60 "$tmp/build.log"
  fatal "images did not build (exit or timeout after $(($(now) - start)) s)"
fi
for image in aastra-lab/cms-mock:dev aastra-lab/phone-agent:dev; do
  read -r size user health < <(docker image inspect \
    -f '{{.Size}} {{.Config.User}} {{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 1}}{{end}}' "$image")
  if ((size < 60000000)); then
    ok "$image is $((size / 1000000)) MB (< 60 MB)"
  else
    not_ok "$image is $((size / 1000000)) MB (limit 60 MB)"
  fi
  [[ $user == 10001:10001 ]] && ok "$image runs as $user" || not_ok "$image runs as '$user'"
  [[ $health == apl-healthcheck ]] && ok "$image has a HEALTHCHECK" || not_ok "$image has no HEALTHCHECK"
done

# 2. Up: cms-mock first, the phone once cms-mock is healthy (depends_on).
compose up -d >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log"; fatal "compose up -d"; }
start=$(now)
poll is_healthy cms-mock || fatal "cms-mock not healthy within $wait_timeout s ($(health_of cms-mock))"
ok "cms-mock healthy ($(($(now) - start)) s after up)"
poll is_healthy phone || fatal "phone not healthy within $wait_timeout s ($(health_of phone))"
ok "phone healthy ($(($(now) - start)) s after up)"

if body=$(journal /_admin/health); then
  ok "GET /_admin/health on the mapped admin port: $body"
else
  not_ok "GET /_admin/health on the mapped admin port"
fi
# As another phone (the demo 6739i): a request in the `phone`'s name would start a new boot in
# cms-mock's eyes and spoil the sequence checked below.
cid=$(compose ps -q cms-mock)
if docker cp "$cid:/state/ca.pem" "$tmp/ca.pem" >/dev/null 2>&1; then
  code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$tmp/ca.pem" \
    --digest -u aastra:aastra -A "Aastra6739i MAC:00-08-5D-00-00-02 V:3.2.2.3077-SIP" \
    "https://127.0.0.1:$(host_port cms-mock 8443)/dms/Aastra6739i/aastra.cfg" || true)
  [[ $code == 200 ]] && ok "HTTPS from the host verifies against the state volume's ca.pem (200)" \
    || not_ok "HTTPS from the host with the state volume's ca.pem: $code"
else
  not_ok "ca.pem in the state volume"
fi

# 3. The phone's boot.
check_boot() {  # $1 = what; the phone says provisioned and the journal has the whole sequence
  local what=$1 seq
  if poll phone_provisioned; then
    ok "$what: the phone's /api/status says provisioned"
  else
    not_ok "$what: the phone is not provisioned within $wait_timeout s: $(phone_status 2>&1 || true)"
    return
  fi
  seq=$(journal "/_admin/devices/$mac/sequence" || true)
  echo "  sequence: $seq"
  if [[ $seq == *'"verdict":"ok"'* ]] \
    && grep -qE 'aastra\.cfg.*9480i\.cfg.*'"$mac"'\.cfg.*9480i\.st' <<<"$seq"; then
    ok "$what: cms-mock's journal shows aastra.cfg, 9480i.cfg, $mac.cfg, 9480i.st in order (verdict ok)"
  else
    not_ok "$what: cms-mock's journal does not show the whole boot sequence in order"
  fi
}
check_boot "boot"

# 4. The check service: validate + a short fleet, its exit code is the result.
start=$(now)
if compose --profile check run --rm check >"$tmp/check.log" 2>&1; then
  ok "compose run --rm check exits 0 ($(($(now) - start)) s): $(tail -n1 "$tmp/check.log")"
else
  code=$?
  tail -n 60 "$tmp/check.log"
  not_ok "compose run --rm check exits $code"
fi
fleet_seen=$(journal "/_admin/journal?mac=00085D20003F&limit=100" | grep -o '"status":200' | wc -l || true)
((fleet_seen >= 3)) && ok "the journal has the check fleet's last phone ($fleet_seen answers 200)" \
  || not_ok "the journal lacks the check fleet's last phone 00085D20003F"

# 4b. The load profile, scaled: each replica boots its own shard (docker/fleet-replica.sh).
fleet_done() {
  local ids
  ids=$(compose --profile load ps -q fleet 2>/dev/null)
  (($(wc -w <<<"$ids") == 2)) || return 1
  [[ -z $(docker inspect -f '{{if .State.Running}}running{{end}}' $ids | tr -d '\n') ]]
}
if APL_FLEET_SHARDS=2 APL_FLEET_PHONES=64 compose --profile load up -d --scale fleet=2 fleet \
    >"$tmp/fleet.log" 2>&1 && poll fleet_done; then
  codes=$(docker inspect -f '{{.State.ExitCode}}' $(compose --profile load ps -q fleet) | sort | tr '\n' ' ')
  [[ $codes == "0 0 " ]] && ok "--scale fleet=2: both replicas exit 0" || not_ok "--scale fleet=2: exit codes $codes"
  first=$(journal "/_admin/journal?mac=00085D100000&limit=100" | grep -o '"status":200' | wc -l || true)
  second=$(journal "/_admin/journal?mac=00085D100020&limit=100" | grep -o '"status":200' | wc -l || true)
  beyond=$(journal "/_admin/journal?mac=00085D100040&limit=100" | grep -o '"status"' | wc -l || true)
  ((first >= 3 && second >= 3 && beyond == 0)) \
    && ok "the replicas booted shards 00085D100000+32 and 00085D100020+32, nothing beyond" \
    || not_ok "fleet shards in the journal: first $first, second $second, beyond $beyond"
else
  cat "$tmp/fleet.log"
  not_ok "--scale fleet=2 did not finish within $wait_timeout s"
fi
compose --profile load logs --no-color fleet 2>/dev/null | grep 'fleet-replica:' | sed 's/^/  /' || true

# 5. Fault: cms-mock goes away, a fresh phone boots meanwhile, cms-mock comes back.
compose stop cms-mock >/dev/null 2>&1 || fatal "compose stop cms-mock"
compose up -d --no-deps --force-recreate phone >"$tmp/up2.log" 2>&1 \
  || { cat "$tmp/up2.log"; fatal "compose up -d --no-deps --force-recreate phone"; }
# A failed exchange is logged as "provisioning: aastra.cfg: <reason>", an answer as "...: HTTP <status>".
failures() { compose logs --no-color phone 2>/dev/null | grep 'provisioning: aastra\.cfg: ' | grep -vc ': HTTP [0-9]' || true; }
two_failures() { (($(failures) >= 2)); }
if poll two_failures; then
  ok "with cms-mock stopped, the booting phone failed $(failures) attempts at aastra.cfg and keeps trying"
else
  compose logs --no-color --tail 20 phone
  not_ok "the phone did not report failed attempts while cms-mock was stopped"
fi
[[ $(phone_status 2>/dev/null) == *'"provisioning":"provisioning"'* ]] \
  && ok "meanwhile its status API says provisioning" || not_ok "status while cms-mock is down: $(phone_status 2>&1 || true)"
compose start cms-mock >/dev/null 2>&1 || fatal "compose start cms-mock"
start=$(now)
poll is_healthy cms-mock || fatal "cms-mock not healthy again within $wait_timeout s"
ok "cms-mock healthy again ($(($(now) - start)) s after start)"
check_boot "after the outage"

echo "compose test: $(($(now) - t0)) s in all"
((failed == 0))
