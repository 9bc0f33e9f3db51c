#!/usr/bin/env bash
# The training run of scripts/build-pgo.sh: runs PHONE_AGENT fleets against CMS_MOCK the way load
# tests use them, so that an instrumented build records which code is hot. Any build of the two
# works (the tests run it against the plain one); only an instrumented build leaves profiles.
#
# cms-mock serves a devices table of 256 phones over HTTP and HTTPS (its development CA), every file
# behind Digest, and firmware 3.2.2.3077; then, one after the other:
#   1. keep-alive over HTTP: 64 phones booting back to back (3 files per boot);
#   2. HTTPS, a new connection per request with TLS session resumption: 16 phones back to back;
#   3. HTTPS with full handshakes, as the phone does: 8 phones back to back;
#   4. a boot storm over HTTPS: 256 phones at firmware 3.2.2.1000 released within 1 s, each
#      fetching 4 files and the firmware image, with Digest on every request.
# Each fleet must provision every boot it finishes (exit 1 otherwise, with the fleet's output), so
# a training run that stopped exercising the hot path does not pass unnoticed.
#
# Usage: scripts/pgo-train.sh PHONE_AGENT CMS_MOCK [--seconds S]
#   --seconds S   length of each back-to-back run (1..30, default 3)
set -euo pipefail

# shellcheck source=bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../bench/bench_lib.sh"
seconds=3
(( $# >= 2 )) || { echo "usage: scripts/pgo-train.sh PHONE_AGENT CMS_MOCK [--seconds S]" >&2; exit 2; }
binary=$1
cms_mock=$2
shift 2
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=${2:-}; shift 2 ;;
    -h|--help) show_help ;;
    *) bad_argument "$1" ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && (( seconds >= 1 && seconds <= 30 )) || { echo "--seconds: 1..30" >&2; exit 2; }
[[ -x $binary ]] || die "no phone-agent at $binary"
[[ -x $cms_mock ]] || die "no cms-mock at $cms_mock"

bench_workdir pgo-train
phones=256
mac_base=$((0x500000))
devices_csv "$phones" "$mac_base" 5000000 Train > "$work/devices.csv"
cat > "$work/cms.yaml" <<EOF
log_level: warn
devices_csv: $work/devices.csv
firmware:
  - {model: 6731i, version: 3.2.2.3077, size: 64KiB}
limits:
  max_connections: 2048
  journal_size: 1000
EOF
# Unpinned: a training run measures nothing, and the machine may have one core.
start_cms_mock train 0-$(($(nproc) - 1)) --config "$work/cms.yaml" --state-dir "$work/state" \
  --http 127.0.0.1:0 --https 127.0.0.1:0 --admin off
mac0=$(printf '%012X' "$mac_base")

# train NAME ARGS...: one fleet; every boot it finished must have provisioned.
train() {
  local name=$1; shift
  local json=$work/$name.json started=$SECONDS
  if ! "$binary" fleet --mac-start "$mac0" --model 6731i --json "$json" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    die "training fleet '$name' failed: $(tail -5 "$work/$name.out" "$work/$name.err")"
  fi
  local provisioned failed
  provisioned=$(fleet_json "$json" 'r["phones"]["provisioned"]')
  failed=$(fleet_json "$json" 'r["phones"]["failed"]')
  (( provisioned > 0 && failed == 0 )) ||
    die "training fleet '$name': $provisioned boots provisioned, $failed failed: $(grep -i 'error' "$work/$name.out" | head -3)"
  log "$name: $provisioned boots, $(fleet_json "$json" 'r["throughput"]["requests"]') requests in $((SECONDS - started)) s"
}
back_to_back=(--firmware 3.2.2.3077 --resyncs $((seconds * 10000)) --resync-interval 1ms --duration "${seconds}s")
train keep-alive --server "$cms_http/" --count 64 --keep-alive "${back_to_back[@]}"
train https-resumed --server "$cms_https/" --ca "$work/state/ca.pem" --count 16 --tls-resumption "${back_to_back[@]}"
train https-full --server "$cms_https/" --ca "$work/state/ca.pem" --count 8 "${back_to_back[@]}"
train storm --server "$cms_https/" --ca "$work/state/ca.pem" --count "$phones" --firmware 3.2.2.1000 \
  --storm-window 1s
# cms-mock writes its profile when it exits on SIGTERM, as it does here.
stop_all
log "training done"
